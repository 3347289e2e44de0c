-- Report runs and the mail outbox (SQLite). Keep in step with migrations/postgres.
-- A run is keyed by (plan, kind, period, revision): the source of truth for "sent once".

CREATE TABLE report_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL CHECK (state IN ('pending', 'generating', 'queued', 'sent', 'failed')),
    catch_up INTEGER NOT NULL DEFAULT 0,
    due_at TIMESTAMP NOT NULL,
    recipients TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    fence INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    pdf_base64 TEXT,
    pdf_sha256 TEXT,
    snapshot TEXT,
    message_id TEXT,
    generated_at TIMESTAMP,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (plan_id, kind, period, revision)
);
CREATE INDEX report_runs_state ON report_runs (state, due_at);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER REFERENCES report_runs(id) ON DELETE CASCADE,
    dedupe_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_name TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    first_attempt_at TIMESTAMP,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    fence INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_state ON mail_outbox (state, next_attempt_at);
