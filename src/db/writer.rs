//! Group commit for SQLite: one writer thread runs the write requests that queue up while a
//! commit is on its way to disk, each in a savepoint of one shared `BEGIN IMMEDIATE`
//! transaction, and commits them with one fsync.
//!
//! SQLite takes one writer at a time anyway; what this changes is the number of fsyncs. Each
//! request still sees exactly its own outcome: a request that fails (412, 403, a constraint)
//! is rolled back to its savepoint and the others stand; a failed commit fails every request
//! of the batch. No caller hears of success before the commit that holds its write has
//! returned from `fsync` (`synchronous = FULL`), so a 2xx still means the write is on disk.
//!
//! PostgreSQL needs none of this (its commits from concurrent sessions are grouped by the
//! server), so there the write runs on a pooled connection like any other store call.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::{DbConn, DbError, Manager, SQLITE_WRITER, WRITES, is_transient};

/// Most requests one commit carries; more wait for the next.
pub const MAX_BATCH: usize = 256;

/// Why a queued write was not committed although the request itself did not fail: its batch
/// could not begin or commit, or the writer is gone.
#[derive(Debug, Clone)]
pub struct BatchFailed {
    pub reason: String,
    /// A retry can succeed (see [`is_transient`]): another process held SQLite's write lock
    /// past the busy timeout.
    pub transient: bool,
}

impl BatchFailed {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            transient: false,
        }
    }

    fn from_db(context: &str, e: &diesel::result::Error) -> Self {
        Self {
            reason: format!("{context}: {e}"),
            transient: is_transient(e),
        }
    }
}

/// What a job hands back after running: called once the batch's fate is known with `Ok` if
/// the commit is durable, or why it is not.
type Completion = Box<dyn FnOnce(Result<(), BatchFailed>) + Send>;
/// A queued write: run on the writer's connection, or (`None`) not run at all because its
/// batch cannot be; either way it returns how to answer its caller.
type Job = Box<dyn FnOnce(Option<&mut DbConn>) -> Completion + Send>;

/// Handle to the writer thread. Cloning shares the thread; it stops when the last handle is
/// dropped and the queue is empty.
#[derive(Clone)]
pub struct GroupWriter {
    queue: mpsc::Sender<Job>,
    stats: Arc<WriterStats>,
}

/// What the writer has done since it started (for `/metrics` and the benchmarks).
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed (or attempted): one fsync each.
    pub commits: AtomicU64,
    /// Write requests run in them.
    pub writes: AtomicU64,
}

impl GroupWriter {
    /// Open the writer's own connection and start its thread.
    pub fn start(manager: &Manager) -> Result<Self, DbError> {
        let conn = manager.connect_now()?;
        let (queue, jobs) = mpsc::channel::<Job>();
        let stats = Arc::new(WriterStats::default());
        let counted = stats.clone();
        let reopen = manager.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, jobs, &counted, &reopen))
            .map_err(|e| DbError::Migration(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { queue, stats })
    }

    /// (commits, write requests) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.stats.commits.load(Ordering::Relaxed),
            self.stats.writes.load(Ordering::Relaxed),
        )
    }

    /// Run `f` in the next group commit; resolves after that commit is durable.
    /// `f` runs in a savepoint of its own: if it fails, what it wrote is undone and the rest
    /// of the batch stands.
    pub async fn write<T, E, F>(&self, f: F) -> Result<Result<T, E>, BatchFailed>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn: Option<&mut DbConn>| {
            let result = conn.map(|c| in_savepoint(c, f));
            Box::new(move |commit: Result<(), BatchFailed>| {
                let answer = match (commit, result) {
                    (Ok(()), Some(result)) => Ok(result),
                    (Err(failed), _) => Err(failed),
                    (Ok(()), None) => Err(BatchFailed::new("the write was not run")),
                };
                let _ = tx.send(answer);
            })
        });
        self.queue
            .send(job)
            .map_err(|_| BatchFailed::new("the writer thread has stopped"))?;
        rx.await
            .map_err(|_| BatchFailed::new("the writer thread stopped before answering"))?
    }
}

/// Run `f` in a savepoint of the batch; roll it back if `f` fails.
fn in_savepoint<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let mut outcome = None;
    let savepoint = conn.transaction::<(), diesel::result::Error, _>(|c| {
        let result = f(c);
        let failed = result.is_err();
        outcome = Some(result);
        if failed {
            Err(diesel::result::Error::RollbackTransaction)
        } else {
            Ok(())
        }
    });
    match (outcome, savepoint) {
        (Some(Err(e)), _) => Err(e),
        (Some(Ok(value)), Ok(())) => Ok(value),
        (_, Err(e)) => Err(e.into()),
        (None, Ok(())) => Err(diesel::result::Error::NotInTransaction.into()),
    }
}

fn sqlite_status(conn: &mut DbConn) -> Option<&mut diesel::connection::TransactionManagerStatus> {
    match conn {
        DbConn::Sqlite(c) => Some(AnsiTransactionManager::transaction_manager_status_mut(c)),
        DbConn::Postgres(_) => None,
    }
}

/// Is `conn` inside a group commit (so a write on it is a savepoint, not a transaction)?
pub(super) fn in_group(conn: &mut DbConn) -> bool {
    sqlite_status(conn)
        .and_then(|s| s.transaction_depth().ok().flatten())
        .is_some()
}

fn begin(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Postgres(_) => Err(diesel::result::Error::NotInTransaction),
    }
}

fn run(mut conn: DbConn, jobs: mpsc::Receiver<Job>, stats: &WriterStats, manager: &Manager) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats
            .writes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        run_batch(&mut conn, batch);
        if !is_clean(&mut conn) {
            // A failed commit or rollback can leave the connection inside a transaction or
            // its transaction manager broken: every later batch would fail. Start afresh.
            match manager.connect_now() {
                Ok(fresh) => {
                    tracing::warn!("group-commit writer: reopened its database connection");
                    conn = fresh;
                }
                Err(e) => tracing::error!(error = %e, "group-commit writer: cannot reopen"),
            }
        }
    }
}

/// Outside any transaction, with a working transaction manager: ready for the next batch.
fn is_clean(conn: &mut DbConn) -> bool {
    sqlite_status(conn).is_some_and(|s| matches!(s.transaction_depth(), Ok(None)))
}

fn run_batch(conn: &mut DbConn, batch: Vec<Job>) {
    // Writers elsewhere in this process (the scheduler, the CLI's import) queue on the same
    // mutex; other processes wait on SQLite's busy timeout.
    let _writer = SQLITE_WRITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Err(e) = begin(conn) {
        let failed = BatchFailed::from_db("cannot begin a write transaction", &e);
        tracing::error!(reason = %failed.reason, requests = batch.len(), "group commit");
        for job in batch {
            job(None)(Err(failed.clone()));
        }
        return;
    }
    let mut done: Vec<Completion> = Vec::with_capacity(batch.len());
    let mut panicked = false;
    for job in batch {
        if panicked {
            done.push(job(None));
            continue;
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| job(Some(&mut *conn)))) {
            Ok(completion) => done.push(completion),
            // The transaction's state is unknown after a panic: nothing of it is kept, and
            // that request's caller hears that its answer is gone (the channel drops).
            Err(_) => panicked = true,
        }
    }
    let outcome = if panicked {
        Err(BatchFailed::new(
            "a write in the batch panicked; the batch was rolled back",
        ))
    } else {
        match conn {
            DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c)
                .map_err(|e| BatchFailed::from_db("commit failed", &e)),
            DbConn::Postgres(_) => Err(BatchFailed::new("not a SQLite connection")),
        }
    };
    if outcome.is_err()
        && let DbConn::Sqlite(c) = conn
    {
        let _ = AnsiTransactionManager::rollback_transaction(c);
    }
    WRITES.fetch_add(1, Ordering::AcqRel);
    if let Err(failed) = &outcome {
        tracing::error!(reason = %failed.reason, requests = done.len(), "group commit failed");
    }
    for completion in done {
        completion(outcome.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Backend, write_tx};
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn rows(conn: &mut DbConn, x: i64) -> i64 {
        diesel::sql_query(format!("SELECT count(*) AS n FROM t WHERE x = {x}"))
            .get_result::<Count>(conn)
            .map(|c| c.n)
            .unwrap_or(-1)
    }

    fn insert(conn: &mut DbConn, x: i64) -> Result<(), diesel::result::Error> {
        write_tx(conn, |c| {
            c.batch_execute(&format!("INSERT INTO t (x) VALUES ({x})"))
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failures_are_rolled_back_alone_batches_commit_once_and_a_panic_is_survived() {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager::new(Backend::Sqlite(dir.path().join("w.db")));
        let mut check = manager.connect_now().unwrap();
        check
            .batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")
            .unwrap();
        let writer = GroupWriter::start(&manager).unwrap();

        // The first write holds the writer until the others are queued, so they form one batch.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .write(move |c| {
                        let _ = wait.recv();
                        insert(c, 1)
                    })
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(writer.stats(), (1, 1), "the first write is running alone");
        let mut queued = Vec::new();
        for x in 2..=6_i64 {
            let writer = writer.clone();
            queued.push(tokio::spawn(async move {
                writer
                    .write(move |c| {
                        // x = 4 writes, then fails: its row must not survive.
                        insert(c, x)?;
                        if x == 4 {
                            return Err(diesel::result::Error::RollbackTransaction);
                        }
                        Ok(x)
                    })
                    .await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        assert!(matches!(first.await.unwrap(), Ok(Ok(()))));
        for (i, q) in queued.into_iter().enumerate() {
            let x = i as i64 + 2;
            let answer = q.await.unwrap().expect("the batch committed");
            assert_eq!(answer.is_ok(), x != 4, "request {x}: {answer:?}");
        }
        for x in 1..=6 {
            assert_eq!(rows(&mut check, x), i64::from(x != 4), "row {x}");
        }
        // Two commits in all: the first write's and one for the five queued behind it.
        assert_eq!(writer.stats(), (2, 6));

        // A request that panics mid-transaction leaves the connection inside it: that request
        // fails, nothing of its batch is kept, and the writer recovers for the next one.
        let broken = writer
            .write(|c| -> Result<(), diesel::result::Error> {
                insert(c, 7)?;
                panic!("a bug in a store function");
            })
            .await;
        assert!(broken.is_err(), "{broken:?}");
        let after = writer.write(|c| insert(c, 8)).await;
        assert!(matches!(after, Ok(Ok(()))), "{after:?}");
        assert_eq!(rows(&mut check, 7), 0);
        assert_eq!(rows(&mut check, 8), 1);
    }
}
