-- The committee's questions on a sent report, and the owners' answers. Append-only: a question
-- or an answer is never changed (the triggers below refuse it); a new answer is a new row. Both
-- carry their plan so the plan's data version (its pages' cache) moves when one is added.
CREATE TABLE questions (
    id SERIAL PRIMARY KEY,
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
    id SERIAL PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id),
    answered_at TIMESTAMP NOT NULL
);
CREATE INDEX answers_question ON answers (question_id, answered_at);

CREATE TRIGGER questions_dv AFTER INSERT OR UPDATE OR DELETE
  ON questions FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE TRIGGER answers_dv AFTER INSERT OR UPDATE OR DELETE
  ON answers FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE FUNCTION klimaspor_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% are append-only', TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER questions_append_only BEFORE UPDATE ON questions
  FOR EACH ROW EXECUTE FUNCTION klimaspor_append_only();
CREATE TRIGGER answers_append_only BEFORE UPDATE ON answers
  FOR EACH ROW EXECUTE FUNCTION klimaspor_append_only();
