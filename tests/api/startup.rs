//! Replicas started at the same moment on an empty database, as an orchestrator starts them on
//! a first deployment: all of them wait for one another's migrations and seed import, then
//! all serve, and the plan is loaded once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::postgres;

struct Replica {
    child: Child,
    port: u16,
    /// Its log lines, as read so far (for the message when it fails).
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a replica on port 0 and learn its port from its "klimaspor is serving" log line, so
/// that no other test can take a port picked in advance.
fn start(database_url: &str) -> Replica {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .env("DATABASE_URL", database_url)
        .env("KLIMASPOR_DATA_DIR", dir.path())
        .env("KLIMASPOR_BIND", "127.0.0.1:0")
        .env("KLIMASPOR_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start klimaspor");
    let stderr = child.stderr.take().expect("stderr");
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel::<u16>();
    let lines = log.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let address = regex::Regex::new(r#""address":"127\.0\.0\.1:(\d+)""#).expect("regex");
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(port) = address
                .captures(&line)
                .and_then(|c| c[1].parse::<u16>().ok())
            {
                let _ = tx.send(port);
            }
            if let Ok(mut l) = lines.lock() {
                l.push(line);
            }
        }
    });
    let port = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            let lines = log.lock().map(|l| l.join("\n")).unwrap_or_default();
            panic!("a replica did not start serving: {lines}");
        }
    };
    Replica {
        child,
        port,
        log,
        _dir: dir,
    }
}

async fn three_replicas_on_an_empty_database_all_serve(database_url: String) {
    let mut replicas: Vec<Replica> = Vec::new();
    // Started together: each `start` returns once its replica listens, so spawn all first.
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let url = database_url.clone();
            std::thread::spawn(move || start(&url))
        })
        .collect();
    for h in handles {
        replicas.push(h.join().expect("a replica did not start"));
    }
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    for r in &mut replicas {
        loop {
            if let Some(status) = r.child.try_wait().expect("wait") {
                let lines = r.log.lock().map(|l| l.join("\n")).unwrap_or_default();
                panic!("a replica exited with {status}: {lines}");
            }
            let ready = client
                .get(format!("http://127.0.0.1:{}/readyz", r.port))
                .send()
                .await
                .is_ok_and(|res| res.status() == 200);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "a replica did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for r in &replicas {
        let plans: serde_json::Value = client
            .get(format!("http://127.0.0.1:{}/api/v1/plans", r.port))
            .send()
            .await
            .expect("plans")
            .json()
            .await
            .expect("json");
        let plans = plans.as_array().expect("a list");
        assert_eq!(plans.len(), 1, "the plan is loaded once: {plans:?}");
        let measures: serde_json::Value = client
            .get(format!(
                "http://127.0.0.1:{}/api/v1/plans/ballerup/measures",
                r.port
            ))
            .send()
            .await
            .expect("measures")
            .json()
            .await
            .expect("json");
        assert_eq!(measures["total"], 64, "every replica serves the whole plan");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_on_an_empty_sqlite_file_all_serve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("klimaspor.db").display());
    three_replicas_on_an_empty_database_all_serve(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_on_an_empty_postgres_database_all_serve() {
    let Some(url) = postgres::fresh_database() else {
        let msg = "SKIPPED (no PostgreSQL): no server binaries (initdb) and no KLIMASPOR_TEST_POSTGRES_URL";
        if std::env::var("KLIMASPOR_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("{msg}, but KLIMASPOR_TEST_REQUIRE_POSTGRES=1");
        }
        eprintln!("\n*** {msg} ***\n");
        return;
    };
    three_replicas_on_an_empty_database_all_serve(url).await;
}
