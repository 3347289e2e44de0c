-- klimaspor schema (PostgreSQL). Keep in step with migrations/sqlite: same tables, same columns.
-- Timestamps are UTC (TIMESTAMP without zone, written as UTC by the application); dates are DATE.

CREATE TABLE plans (
    id SERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    municipality TEXT NOT NULL,
    title TEXT NOT NULL,
    baseline_year INTEGER NOT NULL,
    source TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE themes (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES themes(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    notes TEXT,
    position INTEGER NOT NULL,
    UNIQUE (plan_id, code)
);

CREATE TABLE owners (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    email TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE measures (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    theme_id INTEGER NOT NULL REFERENCES themes(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('own', 'together', 'co_owner')),
    notes TEXT,
    assessment TEXT,
    UNIQUE (plan_id, number)
);

CREATE TABLE measure_owners (
    measure_id INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    PRIMARY KEY (measure_id, owner_id)
);

CREATE TABLE sub_goals (
    id SERIAL PRIMARY KEY,
    measure_id INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    deadline_kind TEXT NOT NULL CHECK (deadline_kind IN ('by', 'in', 'mid', 'from', 'none')),
    deadline_year INTEGER,
    target_metric TEXT,
    target_unit TEXT,
    target_baseline_year INTEGER,
    target_baseline_value DOUBLE PRECISION,
    target_value DOUBLE PRECISION,
    target_note TEXT,
    wording_pending INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'on_track', 'at_risk', 'delayed', 'achieved', 'dropped')),
    status_reason TEXT,
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    achieved_on DATE,
    last_update_at TIMESTAMP,
    last_as_of DATE,
    last_note TEXT,
    last_kpi_value DOUBLE PRECISION,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (measure_id, key)
);

CREATE TABLE sub_goal_revisions (
    id SERIAL PRIMARY KEY,
    sub_goal_id INTEGER NOT NULL REFERENCES sub_goals(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    old_text TEXT,
    new_text TEXT,
    old_deadline_kind TEXT,
    old_deadline_year INTEGER,
    new_deadline_kind TEXT,
    new_deadline_year INTEGER,
    old_target TEXT,
    new_target TEXT,
    changed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX sub_goal_revisions_sub_goal ON sub_goal_revisions (sub_goal_id);

CREATE TABLE comments (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    theme_id INTEGER REFERENCES themes(id) ON DELETE CASCADE,
    measure_id INTEGER REFERENCES measures(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    text TEXT NOT NULL,
    answer TEXT
);
CREATE INDEX comments_plan ON comments (plan_id);

CREATE TABLE api_tokens (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'owner', 'reader')),
    owner_id INTEGER REFERENCES owners(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE progress_updates (
    id SERIAL PRIMARY KEY,
    sub_goal_id INTEGER NOT NULL REFERENCES sub_goals(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    note TEXT,
    kpi_value DOUBLE PRECISION,
    as_of DATE NOT NULL,
    achieved_on DATE,
    reason TEXT,
    reporter TEXT NOT NULL,
    token_id INTEGER REFERENCES api_tokens(id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX progress_updates_sub_goal ON progress_updates (sub_goal_id, id);

CREATE TABLE indicators (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    baseline_year INTEGER,
    baseline_value DOUBLE PRECISION,
    target_value DOUBLE PRECISION,
    target_year INTEGER,
    sub_goal_id INTEGER REFERENCES sub_goals(id) ON DELETE SET NULL,
    UNIQUE (plan_id, code)
);

CREATE TABLE indicator_values (
    indicator_id INTEGER NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (indicator_id, year)
);
