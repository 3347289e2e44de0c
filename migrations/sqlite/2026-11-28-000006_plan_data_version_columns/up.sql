-- PostgreSQL only (its data-version triggers read the row's columns instead of to_jsonb).
-- SQLite's triggers (migration 4) already name each table's columns; nothing changes here.
SELECT 1;
