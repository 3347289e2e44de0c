-- The committee's questions on a sent report, and the owners' answers. Append-only: a question
-- or an answer is never changed (the triggers below refuse it); a new answer is a new row. Both
-- carry their plan so the plan's data version (its pages' cache) moves when one is added.
CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    run_id INTEGER NOT NULL REFERENCES report_runs(id) ON DELETE CASCADE,
    measure_id INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    sub_goal_id INTEGER REFERENCES sub_goals(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    asked_by TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id),
    asked_at TIMESTAMP NOT NULL
);
CREATE INDEX questions_plan ON questions (plan_id, asked_at);
CREATE INDEX questions_measure ON questions (measure_id);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id),
    answered_at TIMESTAMP NOT NULL
);
CREATE INDEX answers_question ON answers (question_id, answered_at);

CREATE TRIGGER questions_dv_ins AFTER INSERT ON questions
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER answers_dv_ins AFTER INSERT ON answers
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER questions_append_only BEFORE UPDATE ON questions
BEGIN SELECT RAISE(ABORT, 'questions are append-only'); END;
CREATE TRIGGER answers_append_only BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
