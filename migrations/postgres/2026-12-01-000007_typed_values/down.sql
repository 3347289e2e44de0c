ALTER TABLE report_runs ALTER COLUMN catch_up DROP DEFAULT;
ALTER TABLE report_runs ALTER COLUMN catch_up TYPE INTEGER USING CASE WHEN catch_up THEN 1 ELSE 0 END;
ALTER TABLE report_runs ALTER COLUMN catch_up SET DEFAULT 0;
ALTER TABLE sub_goals ALTER COLUMN wording_pending DROP DEFAULT;
ALTER TABLE sub_goals ALTER COLUMN wording_pending TYPE INTEGER USING CASE WHEN wording_pending THEN 1 ELSE 0 END;
ALTER TABLE sub_goals ALTER COLUMN wording_pending SET DEFAULT 0;
ALTER TABLE indicator_values DROP COLUMN reported_as_of;
ALTER TABLE indicator_values DROP COLUMN progress_update_id;
ALTER TABLE indicator_values DROP COLUMN source;
