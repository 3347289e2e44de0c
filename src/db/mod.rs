//! Storage: one diesel code path over SQLite (embedded default) and PostgreSQL (production).
//!
//! The backend is chosen from `DATABASE_URL`: `postgres://…`/`postgresql://…` is PostgreSQL,
//! `sqlite://PATH` or a plain path is a SQLite file. Migrations for each backend live in
//! `migrations/sqlite` and `migrations/postgres` (same folder names), are embedded in the
//! binary and run at start-up and by `klimaspor migrate`.
//!
//! Single rows are read with `get_result`, not `first`: `first` adds `LIMIT ?`, and SQLite
//! (3.47 on) looks at a bound LIMIT when planning, so every new bind expires the cached
//! statement and it is parsed and planned again on each execution (BENCHMARKS.md). Lookups
//! here are by unique keys or of a few rows, so the LIMIT adds nothing.

pub mod import;
pub mod models;
pub mod native;
pub mod read;
pub mod runs;
pub mod schema;
pub mod store;
pub mod types;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// SQLite settings applied to every connection: durable commits (a 2xx means the write is on
/// disk), WAL for concurrent readers, enforced foreign keys and a wait instead of an immediate
/// "database is locked".
/// The busy timeout comes first so that the others wait for locks too. Each connection's page
/// cache is 1 MiB instead of SQLite's 2 MiB (memory: up to nine connections hold one; the plan
/// views are served from the response cache and the operating system caches the file).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -1024;";

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

pub type Pool = r2d2::Pool<Manager>;
/// A connection checked out of the pool; it derefs to [`DbConn`].
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Errors of the storage layer. `Display` is for logs and operators, never for API clients.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "unsupported DATABASE_URL '{0}': use postgres://… for PostgreSQL, or sqlite://PATH or a plain file path for SQLite"
    )]
    UnsupportedUrl(String),
    #[error("cannot open {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: diesel::ConnectionError,
    },
    #[error("cannot create the folder {path} for the SQLite database: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
}

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::UnsupportedUrl(url.to_string()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.is_empty() || url.contains("://") || url.starts_with("sqlite:") {
            return Err(DbError::UnsupportedUrl(url.to_string()));
        }
        Ok(Self::Sqlite(PathBuf::from(url)))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// A description safe for logs and error messages: the file, or host/port/database
    /// without user name or password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("SQLite database file {}", p.display()),
            Self::Postgres(url) => format!("PostgreSQL server at {}", redact_pg_url(url)),
        }
    }
}

/// `postgres://user:secret@host:5432/db?x` → `host:5432/db`.
fn redact_pg_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('?').next().unwrap_or(rest).to_string()
}

/// r2d2 manager that opens the backend named by the URL itself (so a failure says what
/// failed) and applies the SQLite settings on each new connection.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
}

impl Manager {
    pub fn new(backend: Backend) -> Self {
        Self { backend }
    }

    pub fn connect_now(&self) -> Result<DbConn, DbError> {
        match &self.backend {
            Backend::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|source| DbError::Connect {
                        target: self.backend.describe(),
                        source,
                    })?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres(url) => {
                let conn =
                    diesel::PgConnection::establish(url).map_err(|source| DbError::Connect {
                        target: self.backend.describe(),
                        source,
                    })?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.connect_now()
    }

    /// Run on every checkout where the pool tests connections (PostgreSQL): `SELECT 1`, and
    /// the connection is replaced if that fails. A round trip per request, so that a server
    /// restart or failover costs no request an error.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    /// A connection whose transaction state is unknown (a failed rollback) is not reused.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        native::on_backend!(conn, c => c.is_broken())
    }
}

/// A failure a retry can fix: the server closed the connection (restart, failover; the pool
/// replaces it), or the database would not take the statement in time (another process held
/// SQLite's write lock past the busy timeout).
pub fn is_transient(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let m = info.message();
            m.starts_with("database is locked") || m.starts_with("database table is locked")
        }
        _ => false,
    }
}

/// Open the database named by `url` and return a pool. One connection is opened first so that
/// a failure reports the real cause (file not writable, host unreachable, bad password).
pub fn connect(url: &str, max_size: u32) -> Result<(Backend, Pool), DbError> {
    let backend = Backend::from_url(url)?;
    if let Backend::Sqlite(path) = &backend {
        ensure_parent_dir(path)?;
    }
    let manager = Manager::new(backend.clone());
    drop(manager.connect_now()?);
    // A PostgreSQL connection can go stale (server restart, network): test it before handing
    // it out. A SQLite connection is a file handle in this process; the test would only add a
    // statement to every request.
    let test_on_check_out = matches!(backend, Backend::Postgres(_));
    let pool = r2d2::Pool::builder()
        .max_size(max_size.max(1))
        .test_on_check_out(test_on_check_out)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok((backend, pool))
}

fn ensure_parent_dir(path: &Path) -> Result<(), DbError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::create_dir_all(dir)
            .map_err(|source| DbError::CreateDir {
                path: dir.to_path_buf(),
                source,
            }),
        _ => Ok(()),
    }
}

/// Apply the migrations not yet applied; returns the versions it applied (none on a second run).
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many write transactions this process has finished. It moves after each commit (or
/// rollback) and before the writer's caller sees the result, so a cached view taken at an
/// older count may predate a write this process has acknowledged.
pub fn write_generation() -> u64 {
    WRITES.load(std::sync::atomic::Ordering::Acquire)
}

/// Run `f` in a write transaction. On SQLite the transaction takes the write lock at its start
/// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing when
/// a read lock cannot be upgraded; on PostgreSQL it is an ordinary transaction. Returns once the
/// commit is durable.
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let result = write_tx_inner(conn, f);
    WRITES.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    result
}

fn write_tx_inner<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    // Inside a transaction already (a group commit of `writer`, or a write nested in another):
    // this write is a savepoint of it.
    if writer::in_group(conn) {
        return conn.transaction(f);
    }
    match conn {
        DbConn::Sqlite(_) => {
            // One writer at a time in this process: writers queue on a mutex (an immediate
            // hand-over) instead of SQLite's busy handler, which sleeps and gives long tails.
            // Other processes on the same file still wait on the busy timeout.
            let _writer = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // `BEGIN IMMEDIATE` through diesel's transaction manager, so that diesel knows the
            // transaction is open: a nested `transaction()` (a batch insert, a read helper, a
            // migration) becomes a savepoint instead of a second `BEGIN`.
            use diesel::connection::{AnsiTransactionManager, TransactionManager};
            on_sqlite(conn, |c| {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            })?;
            match f(conn) {
                Ok(v) => {
                    on_sqlite(conn, AnsiTransactionManager::commit_transaction)?;
                    Ok(v)
                }
                Err(e) => {
                    if let Err(rollback) =
                        on_sqlite(conn, AnsiTransactionManager::rollback_transaction)
                    {
                        tracing::error!(error = %rollback, "rollback failed");
                    }
                    Err(e)
                }
            }
        }
        DbConn::Postgres(_) => conn.transaction(f),
    }
}

/// `f` on the SQLite connection inside `conn`; nothing on PostgreSQL.
fn on_sqlite(
    conn: &mut DbConn,
    f: impl FnOnce(&mut diesel::SqliteConnection) -> QueryResult<()>,
) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => f(c),
        DbConn::Postgres(_) => Ok(()),
    }
}

/// The key of the PostgreSQL advisory lock that migrations and the first seed import hold.
const SETUP_LOCK_KEY: i64 = 0x6b6c_696d_6173_706f; // "klimaspo"

/// Run `f` (migrations, then the first import into an empty database) so that processes
/// starting at the same moment on one database take turns: on PostgreSQL under a session
/// advisory lock (released when `f` returns, or by the server if the process dies), on SQLite
/// in one `BEGIN IMMEDIATE` transaction that holds the write lock throughout (the migrations'
/// own transactions become savepoints of it). The second process then finds the migrations
/// applied and the plan loaded, and does nothing.
pub fn under_setup_lock<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(_) => write_tx(conn, f),
        DbConn::Postgres(_) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({SETUP_LOCK_KEY})"))?;
            let result = f(conn);
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({SETUP_LOCK_KEY})"));
            let value = result?;
            unlocked?;
            Ok(value)
        }
    }
}

/// Run `f` in a read transaction, so that several queries see one consistent state.
pub fn read_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_nested_in_a_sqlite_write_is_a_savepoint() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Manager::new(Backend::Sqlite(dir.path().join("n.db")))
            .connect_now()
            .unwrap();
        conn.batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")
            .unwrap();
        // A nested transaction that fails is rolled back alone; the outer write commits.
        let r: Result<(), diesel::result::Error> = write_tx(&mut conn, |c| {
            c.batch_execute("INSERT INTO t VALUES (1)")?;
            let inner: Result<(), diesel::result::Error> = c.transaction(|c| {
                c.batch_execute("INSERT INTO t VALUES (2)")?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            c.transaction(|c| c.batch_execute("INSERT INTO t VALUES (3)"))
        });
        r.unwrap();
        #[derive(diesel::QueryableByName)]
        struct X {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            x: i32,
        }
        let xs: Vec<X> = diesel::sql_query("SELECT x FROM t ORDER BY x")
            .load(&mut conn)
            .unwrap();
        assert_eq!(xs.iter().map(|x| x.x).collect::<Vec<_>>(), vec![1, 3]);
        // A failed write leaves the connection outside any transaction.
        let r: Result<(), diesel::result::Error> = write_tx(&mut conn, |c| {
            c.batch_execute("INSERT INTO t VALUES (4)")?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(r.is_err());
        let n: Vec<X> = diesel::sql_query("SELECT count(*) AS x FROM t")
            .load(&mut conn)
            .unwrap();
        assert_eq!(n[0].x, 2);
        assert!(!writer::in_group(&mut conn), "no transaction left open");
    }

    #[test]
    fn backend_from_url() {
        assert_eq!(
            Backend::from_url("postgres://u:p@db:5432/k").unwrap(),
            Backend::Postgres("postgres://u:p@db:5432/k".into())
        );
        assert_eq!(
            Backend::from_url("sqlite://data/k.db").unwrap(),
            Backend::Sqlite("data/k.db".into())
        );
        assert_eq!(
            Backend::from_url("/var/lib/k.db").unwrap(),
            Backend::Sqlite("/var/lib/k.db".into())
        );
        assert!(Backend::from_url("mysql://x").is_err());
        assert!(Backend::from_url("sqlite://").is_err());
        assert!(Backend::from_url("").is_err());
    }

    #[test]
    fn descriptions_hide_credentials() {
        let b =
            Backend::from_url("postgres://klima:hemmelig@db.local:5433/klimaspor?sslmode=require")
                .unwrap();
        let d = b.describe();
        assert!(d.contains("db.local:5433/klimaspor"), "{d}");
        assert!(!d.contains("hemmelig"));
        assert!(!d.contains("klima:"));
    }
}
