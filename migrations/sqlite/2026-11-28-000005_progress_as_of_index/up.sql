-- Each sub-goal's newest update on or before a date (report snapshots): one index seek.
CREATE INDEX progress_updates_sub_goal_as_of ON progress_updates (sub_goal_id, as_of, id);
