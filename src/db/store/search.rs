//! Which texts of a plan contain every searchable word of a query, in Danish word forms, found
//! through the database's full-text index (migration `000008_full_text_search`):
//! - PostgreSQL: its `danish` text-search configuration, over GIN indexes on exactly the
//!   expressions queried here;
//! - SQLite: FTS5 over the same texts stored as their Snowball Danish stems
//!   ([`Searcher::index_terms`]), since SQLite cannot stem. SQL cannot keep that index, so it
//!   is rebuilt for a plan when the plan's data version (raised by triggers on every change,
//!   whoever writes) differs from the one it was built at.
//!
//! Both use the Snowball Danish stemmer and stop words, so they find the same texts; the
//! caller ranks them and marks the hits in one place (`domain::search`), so the same query
//! gives the same answer on both backends.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::{StoreResult, find_plan, plan_version};
use crate::db::schema::*;
use crate::db::{DbConn, write_tx};
use crate::domain::search::{Searcher, Terms};

/// The texts of a plan that contain every word of a query, by row id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Measures by title, notes or assessment.
    pub measures: BTreeSet<i32>,
    pub sub_goals: BTreeSet<i32>,
    /// Progress updates by their note.
    pub updates: BTreeSet<i32>,
    /// Comments by their text or the administration's answer.
    pub comments: BTreeSet<i32>,
}

/// The kinds of text in the index, as stored in SQLite's `search_terms.kind` and returned by
/// the PostgreSQL query.
const MEASURE: &str = "measure";
const SUB_GOAL: &str = "sub_goal";
const UPDATE: &str = "update";
const COMMENT: &str = "comment";

#[derive(QueryableByName)]
struct Match {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Integer)]
    row_id: i32,
}

impl Found {
    fn of(matches: Vec<Match>) -> Self {
        let mut found = Found::default();
        for m in matches {
            let set = match m.kind.as_str() {
                MEASURE => &mut found.measures,
                SUB_GOAL => &mut found.sub_goals,
                UPDATE => &mut found.updates,
                COMMENT => &mut found.comments,
                _ => continue,
            };
            set.insert(m.row_id);
        }
        found
    }
}

/// The texts of plan `slug` that contain every word of `terms`. Empty terms find nothing.
pub fn find_texts(conn: &mut DbConn, slug: &str, terms: &Terms) -> StoreResult<Found> {
    if terms.is_empty() {
        return Ok(Found::default());
    }
    let matches = if matches!(conn, DbConn::Postgres(_)) {
        let plan_id = find_plan(conn, slug)?.id;
        diesel::sql_query(POSTGRES_QUERY)
            .bind::<Integer, _>(plan_id)
            .bind::<Text, _>(terms.words.join(" "))
            .load::<Match>(conn)?
    } else {
        let plan_id = ensure_sqlite_index(conn, slug)?;
        // Each stem quoted: a phrase of one token, so no stem is read as FTS5 syntax
        // (stems are letters and digits, but "and" or "near" would be operators).
        let query = terms
            .stems
            .iter()
            .map(|s| format!("\"{}\"", s.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND ");
        diesel::sql_query(
            "SELECT kind, row_id FROM search_terms WHERE search_terms MATCH ? AND plan_id = ?",
        )
        .bind::<Text, _>(query)
        .bind::<Integer, _>(plan_id)
        .load::<Match>(conn)?
    };
    Ok(Found::of(matches))
}

/// One query over the four kinds of text, each `to_tsvector` expression the same as its
/// index's in the migration (else the planner cannot use the index).
const POSTGRES_QUERY: &str = "
WITH q AS (SELECT plainto_tsquery('danish', $2) AS query)
SELECT 'measure' AS kind, m.id AS row_id FROM measures m, q
 WHERE m.plan_id = $1
   AND to_tsvector('danish', m.title || ' ' || coalesce(m.notes, '') || ' ' || coalesce(m.assessment, '')) @@ q.query
UNION ALL
SELECT 'sub_goal', g.id FROM sub_goals g JOIN measures m ON m.id = g.measure_id, q
 WHERE m.plan_id = $1 AND to_tsvector('danish', g.text) @@ q.query
UNION ALL
SELECT 'update', p.id FROM progress_updates p
  JOIN sub_goals g ON g.id = p.sub_goal_id JOIN measures m ON m.id = g.measure_id, q
 WHERE m.plan_id = $1 AND to_tsvector('danish', coalesce(p.note, '')) @@ q.query
UNION ALL
SELECT 'comment', c.id FROM comments c, q
 WHERE c.plan_id = $1 AND to_tsvector('danish', c.text || ' ' || coalesce(c.answer, '')) @@ q.query";

#[derive(QueryableByName)]
struct IndexedVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

/// The plan's id, with its rows in `search_terms` as of its current data version: rebuilt
/// (one write transaction) when they were built at another version or never.
fn ensure_sqlite_index(conn: &mut DbConn, slug: &str) -> StoreResult<i32> {
    let (plan_id, version) = plan_version(conn, slug)?;
    if indexed_version(conn, plan_id)? == Some(version) {
        return Ok(plan_id);
    }
    write_tx(conn, |conn| {
        // Read again under the write lock: another request may have rebuilt it meanwhile, or a
        // write may have moved the version on.
        let (plan_id, version) = plan_version(conn, slug)?;
        if indexed_version(conn, plan_id)? == Some(version) {
            return Ok(plan_id);
        }
        rebuild_sqlite_index(conn, plan_id)?;
        diesel::sql_query(
            "INSERT INTO search_index_versions (plan_id, data_version) VALUES (?, ?) \
             ON CONFLICT (plan_id) DO UPDATE SET data_version = excluded.data_version",
        )
        .bind::<Integer, _>(plan_id)
        .bind::<BigInt, _>(version)
        .execute(conn)?;
        Ok(plan_id)
    })
}

fn indexed_version(conn: &mut DbConn, plan_id: i32) -> StoreResult<Option<i64>> {
    Ok(
        diesel::sql_query("SELECT data_version FROM search_index_versions WHERE plan_id = ?")
            .bind::<Integer, _>(plan_id)
            .get_result::<IndexedVersion>(conn)
            .optional()?
            .map(|v| v.data_version),
    )
}

/// Replace the plan's rows in `search_terms` with its texts as they are now.
fn rebuild_sqlite_index(conn: &mut DbConn, plan_id: i32) -> StoreResult<()> {
    let stem = Searcher::default();
    let mut texts: Vec<(&'static str, i32, String)> = Vec::new();
    let measures: Vec<(i32, String, Option<String>, Option<String>)> = measures::table
        .filter(measures::plan_id.eq(plan_id))
        .select((
            measures::id,
            measures::title,
            measures::notes,
            measures::assessment,
        ))
        .load(conn)?;
    for (id, title, notes, assessment) in measures {
        let text = [Some(title), notes, assessment].into_iter().flatten();
        texts.push((MEASURE, id, text.collect::<Vec<_>>().join("\n")));
    }
    let goals: Vec<(i32, String)> = sub_goals::table
        .inner_join(measures::table)
        .filter(measures::plan_id.eq(plan_id))
        .select((sub_goals::id, sub_goals::text))
        .load(conn)?;
    texts.extend(goals.into_iter().map(|(id, t)| (SUB_GOAL, id, t)));
    let notes: Vec<(i32, Option<String>)> = progress_updates::table
        .inner_join(sub_goals::table.inner_join(measures::table))
        .filter(measures::plan_id.eq(plan_id))
        .filter(progress_updates::note.is_not_null())
        .select((progress_updates::id, progress_updates::note))
        .load(conn)?;
    texts.extend(
        notes
            .into_iter()
            .filter_map(|(id, n)| Some((UPDATE, id, n?))),
    );
    let comments: Vec<(i32, String, Option<String>)> = comments::table
        .filter(comments::plan_id.eq(plan_id))
        .select((comments::id, comments::text, comments::answer))
        .load(conn)?;
    for (id, text, answer) in comments {
        let text = [Some(text), answer].into_iter().flatten();
        texts.push((COMMENT, id, text.collect::<Vec<_>>().join("\n")));
    }
    diesel::sql_query("DELETE FROM search_terms WHERE plan_id = ?")
        .bind::<Integer, _>(plan_id)
        .execute(conn)?;
    for (kind, id, text) in texts {
        diesel::sql_query(
            "INSERT INTO search_terms (terms, plan_id, kind, row_id) VALUES (?, ?, ?, ?)",
        )
        .bind::<Text, _>(stem.index_terms(&text))
        .bind::<Integer, _>(plan_id)
        .bind::<Text, _>(kind)
        .bind::<Integer, _>(id)
        .execute(conn)?;
    }
    Ok(())
}
