//! The durable-write limit for the load benchmark: a bare SQLite insert-and-commit loop with the
//! same settings as klimaspor (WAL, synchronous=FULL) on the same disk.
//!
//!     cargo run --release --example fsync_baseline -- DIR [SECONDS]
//!
//! Prints commits per second, then the p50, p99 and slowest single commit in milliseconds: the
//! disk's own latency, below which no durable write's p99 can go.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| ".".into());
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let path = format!("{dir}/fsync-baseline.db");
    let _ = std::fs::remove_file(&path);
    let mut c = SqliteConnection::establish(&path).expect("open");
    c.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
         CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL, at TEXT NOT NULL);",
    )
    .expect("setup");
    let start = Instant::now();
    let mut n = 0u64;
    let mut took: Vec<Duration> = Vec::new();
    while start.elapsed() < Duration::from_secs(secs) {
        let one = Instant::now();
        c.batch_execute(&format!(
            "BEGIN IMMEDIATE; INSERT INTO t (note, at) VALUES ('opdatering {n}', datetime('now')); COMMIT;"
        ))
        .expect("insert");
        took.push(one.elapsed());
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    took.sort();
    let ms = |q: f64| {
        let i = ((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1));
        took.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!("{rate:.0} {:.2} {:.2} {:.2}", ms(0.5), ms(0.99), ms(1.0));
    let _ = std::fs::remove_file(&path);
}
