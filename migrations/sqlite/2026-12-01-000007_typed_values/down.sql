DROP INDEX indicators_sub_goal;
ALTER TABLE indicator_values DROP COLUMN reported_as_of;
ALTER TABLE indicator_values DROP COLUMN progress_update_id;
ALTER TABLE indicator_values DROP COLUMN source;
