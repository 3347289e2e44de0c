-- Where an indicator's value for a year came from: an administrator (who overrides), or the
-- kpi_value of an owner's progress update on the linked sub-goal (the latest as_of in the
-- year wins). Existing values were all set by administrators.
ALTER TABLE indicator_values ADD COLUMN source TEXT NOT NULL DEFAULT 'admin'
    CHECK (source IN ('admin', 'owner_report'));
ALTER TABLE indicator_values ADD COLUMN progress_update_id INTEGER
    REFERENCES progress_updates(id);
ALTER TABLE indicator_values ADD COLUMN reported_as_of DATE;
-- A progress update finds the indicators that follow its sub-goal.
CREATE INDEX indicators_sub_goal ON indicators (sub_goal_id);
-- Flags are booleans.
ALTER TABLE sub_goals ALTER COLUMN wording_pending DROP DEFAULT;
ALTER TABLE sub_goals ALTER COLUMN wording_pending TYPE BOOLEAN USING wording_pending <> 0;
ALTER TABLE sub_goals ALTER COLUMN wording_pending SET DEFAULT FALSE;
ALTER TABLE report_runs ALTER COLUMN catch_up DROP DEFAULT;
ALTER TABLE report_runs ALTER COLUMN catch_up TYPE BOOLEAN USING catch_up <> 0;
ALTER TABLE report_runs ALTER COLUMN catch_up SET DEFAULT FALSE;
