-- People who sign in, their roles per plan, their sessions and sign-in links, and the audit log.
--
-- API tokens get a plan: an admin token with a plan administers that plan only; an admin
-- token without one is an operator token (every plan, creating plans, granting admin). The
-- tokens made before this migration are all plan-less, so today's global admin tokens are
-- operator tokens and keep working; owner tokens keep their owner (and its measures); reader
-- tokens without a plan keep reading every plan.
ALTER TABLE api_tokens ADD COLUMN plan_id INTEGER REFERENCES plans(id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMP;

CREATE TABLE persons (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    -- Lower-cased on the way in, so the address a person types finds them whatever its case.
    email TEXT NOT NULL UNIQUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    operator BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- A person works in these owners (departments): they report on the owners' measures.
CREATE TABLE person_owners (
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, owner_id)
);
CREATE INDEX person_owners_owner ON person_owners(owner_id);

-- One role per person and plan; the owner role comes from person_owners.
CREATE TABLE plan_roles (
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'committee', 'reader')),
    granted_at TIMESTAMP NOT NULL,
    granted_by TEXT NOT NULL,
    PRIMARY KEY (person_id, plan_id)
);
CREATE INDEX plan_roles_plan ON plan_roles(plan_id);

-- Server-side sessions: the cookie holds a random secret, the database its SHA-256.
CREATE TABLE sessions (
    id SERIAL PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    method TEXT NOT NULL CHECK (method IN ('email', 'oidc')),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    user_agent TEXT,
    client TEXT
);
CREATE INDEX sessions_person ON sessions(person_id);

-- Every request for a sign-in link, known address or not (the rate limits count them all);
-- a link was sent only where person_id is set. The link's secret is stored as its SHA-256.
CREATE TABLE login_links (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id) ON DELETE CASCADE,
    secret_hash TEXT UNIQUE,
    requested_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX login_links_email ON login_links(email, requested_at);
CREATE INDEX login_links_client ON login_links(client, requested_at);

-- An OpenID Connect sign-in under way: the state sent to the provider (hashed), the nonce
-- and PKCE verifier it must come back with.
CREATE TABLE oidc_flows (
    state_hash TEXT PRIMARY KEY NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id SERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    plan_id INTEGER REFERENCES plans(id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL,
    token_id INTEGER REFERENCES api_tokens(id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    client TEXT
);
CREATE INDEX audit_log_plan ON audit_log(plan_id, at);
CREATE INDEX audit_log_at ON audit_log(at);
