DROP INDEX comments_fts;
DROP INDEX progress_updates_fts;
DROP INDEX sub_goals_fts;
DROP INDEX measures_fts;
