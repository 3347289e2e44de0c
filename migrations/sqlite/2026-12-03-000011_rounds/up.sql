-- The reporting round of each UGO status (see domain::round): rounds follow from the schedule;
-- what is stored is what people did in them.
--
-- "Nothing changed since the last status": one click by an owner, recorded with who and when.
-- Append-only; which round a confirmation counts in follows from its time.
CREATE TABLE confirmations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sub_goal_id INTEGER NOT NULL REFERENCES sub_goals(id),
    confirmed_by TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id),
    token_id INTEGER REFERENCES api_tokens(id),
    confirmed_at TIMESTAMP NOT NULL
);
CREATE INDEX confirmations_sub_goal ON confirmations (sub_goal_id, confirmed_at);

-- A round's close moved later by an administrator: once per plan and status (the key).
CREATE TABLE round_extensions (
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    reason TEXT,
    extended_by TEXT NOT NULL,
    extended_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, period)
);

-- A round counts the progress updates recorded in it.
CREATE INDEX progress_updates_recorded ON progress_updates (sub_goal_id, recorded_at);
