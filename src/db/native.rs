//! The statements on the write path, run on the backend's own connection and kept prepared.
//!
//! Two costs of diesel 2.3 on the hot write path (measured in BENCHMARKS.md):
//!
//! - Through the `MultiConnection` (`DbConn`) every statement's SQL text is built twice per
//!   execution (once to ask whether it may be cached, once while binding), although the
//!   statement itself comes from the cache. [`on_backend!`] runs the same diesel code on the
//!   connection of the backend in use instead, where a statement with a static query id is
//!   found in the cache by its type, without SQL text.
//! - diesel never caches an `UPDATE` (an `AsChangeset` may leave out its `None` fields, so the
//!   text can change from call to call), so SQLite parsed the sub-goal update and compiled its
//!   trigger on every write. [`CachedUpdate`] is the same `UPDATE` kept in the connection's
//!   statement cache under its SQL text, so a changeset whose text varies simply has one entry
//!   per text.
//!
//! Everything else goes through `DbConn` as before: this is for the few statements every
//! write runs.

use diesel::backend::Backend;
use diesel::query_builder::{AsChangeset, AstPass, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl, Table};

/// Runs `$body` with `$c` bound to the backend's own connection inside `$conn` (a `DbConn`).
/// The body is the same code for each backend, compiled once for each.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// `UPDATE table SET changeset WHERE filter`, cached as a prepared statement under its SQL text.
pub struct CachedUpdate<F, C, W> {
    from: F,
    changeset: C,
    filter: W,
}

impl<F, C, W> CachedUpdate<F, C, W> {
    /// `filter` is a boolean expression over `table`'s columns.
    pub fn new<T, V>(table: T, values: V, filter: W) -> Self
    where
        T: Table<FromClause = F>,
        V: AsChangeset<Target = T, Changeset = C>,
    {
        Self {
            from: table.from_clause(),
            changeset: values.as_changeset(),
            filter,
        }
    }
}

impl<F, C, W, DB> QueryFragment<DB> for CachedUpdate<F, C, W>
where
    DB: Backend,
    F: QueryFragment<DB>,
    C: QueryFragment<DB>,
    W: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changeset.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

/// No static id: the cache key is the SQL text, so a different text is a different statement.
impl<F, C, W> QueryId for CachedUpdate<F, C, W> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<F, C, W, Conn> RunQueryDsl<Conn> for CachedUpdate<F, C, W> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::sub_goals;
    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;
    use std::sync::{Arc, Mutex};

    #[derive(AsChangeset)]
    #[diesel(table_name = sub_goals, treat_none_as_null = true)]
    struct Both {
        progress: i32,
        last_note: Option<String>,
    }

    #[derive(AsChangeset)]
    #[diesel(table_name = sub_goals)]
    struct SkipsNone {
        progress: i32,
        last_note: Option<String>,
    }

    fn sql<Q: QueryFragment<Sqlite>>(q: &Q) -> String {
        diesel::debug_query::<Sqlite, _>(q).to_string()
    }

    /// A SQLite connection with a two-row `sub_goals` and a log of the statements it caches.
    fn connection() -> (SqliteConnection, Arc<Mutex<Vec<String>>>) {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE sub_goals (id INTEGER PRIMARY KEY, progress INTEGER NOT NULL, \
             last_note TEXT, version INTEGER NOT NULL); \
             INSERT INTO sub_goals VALUES (1, 0, 'a', 1), (2, 0, 'b', 1);",
        )
        .unwrap();
        let cached = Arc::new(Mutex::new(Vec::new()));
        let log = cached.clone();
        let instrumentation = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                log.lock().unwrap().push(sql.to_string());
            }
        };
        conn.set_instrumentation(Box::new(instrumentation) as Box<dyn Instrumentation>);
        (conn, cached)
    }

    fn note(conn: &mut SqliteConnection, id: i32) -> (i32, Option<String>) {
        sub_goals::table
            .find(id)
            .select((sub_goals::progress, sub_goals::last_note))
            .get_result(conn)
            .unwrap()
    }

    #[test]
    fn is_diesels_update_prepared_once_per_sql_text() {
        let (mut conn, cached) = connection();
        let filter = |id: i32| sub_goals::id.eq(id).and(sub_goals::version.eq(1));
        let set = |progress, last_note| Both {
            progress,
            last_note,
        };
        let first = set(40, None);
        assert_eq!(
            sql(&CachedUpdate::new(sub_goals::table, &first, filter(1))),
            sql(&diesel::update(sub_goals::table.filter(filter(1))).set(&first)),
        );
        for (id, change) in [(1, first), (2, set(70, Some("ny note".into())))] {
            let n = CachedUpdate::new(sub_goals::table, &change, filter(id))
                .execute(&mut conn)
                .unwrap();
            assert_eq!(n, 1);
        }
        assert_eq!(note(&mut conn, 1), (40, None));
        assert_eq!(note(&mut conn, 2), (70, Some("ny note".into())));
        let updates = |c: &Arc<Mutex<Vec<String>>>| {
            c.lock()
                .unwrap()
                .iter()
                .filter(|s| s.starts_with("UPDATE"))
                .count()
        };
        assert_eq!(updates(&cached), 1, "{:?}", cached.lock().unwrap());

        // diesel's own UPDATE is prepared afresh every time: nothing cached.
        diesel::update(sub_goals::table.filter(filter(1)))
            .set(&set(1, None))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(updates(&cached), 1);

        // A changeset that leaves out `None` has two texts, each its own statement: without the
        // note it is a new one, with the note it is the text (and statement) of the first.
        for (change, after) in [
            (
                SkipsNone {
                    progress: 5,
                    last_note: None,
                },
                (5, Some("ny note".into())),
            ),
            (
                SkipsNone {
                    progress: 6,
                    last_note: Some("x".into()),
                },
                (6, Some("x".into())),
            ),
        ] {
            CachedUpdate::new(sub_goals::table, &change, filter(2))
                .execute(&mut conn)
                .unwrap();
            assert_eq!(note(&mut conn, 2), after);
        }
        assert_eq!(updates(&cached), 2, "{:?}", cached.lock().unwrap());
    }
}
