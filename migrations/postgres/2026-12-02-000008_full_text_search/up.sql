-- The site's search (/{plan}/soeg): PostgreSQL's `danish` text-search configuration over the
-- texts it searches. Each index is over exactly the expression db::store::search queries with,
-- so the planner can use it. Stems and stop words: Snowball Danish.
CREATE INDEX measures_fts ON measures USING gin
    (to_tsvector('danish', title || ' ' || coalesce(notes, '') || ' ' || coalesce(assessment, '')));
CREATE INDEX sub_goals_fts ON sub_goals USING gin (to_tsvector('danish', text));
CREATE INDEX progress_updates_fts ON progress_updates USING gin
    (to_tsvector('danish', coalesce(note, '')));
CREATE INDEX comments_fts ON comments USING gin
    (to_tsvector('danish', text || ' ' || coalesce(answer, '')));
