-- The site's search (/{plan}/soeg): an FTS5 index over the texts it searches, each stored as
-- its Snowball Danish stems (domain::search::Searcher::index_terms; SQLite has no Danish
-- stemmer of its own). SQL cannot stem, so the index is not kept by triggers: db::store::search
-- rebuilds a plan's rows when the plan's data version (which triggers raise on every change)
-- differs from the one they were built at, whoever made the change.
CREATE VIRTUAL TABLE search_terms USING fts5 (
    terms,
    plan_id UNINDEXED,
    kind UNINDEXED,
    row_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE search_index_versions (
    plan_id INTEGER PRIMARY KEY NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    data_version BIGINT NOT NULL
);
