//! Faults: the server killed with SIGKILL in the middle of a burst of progress updates. Every
//! update that got a 2xx must be there after the restart, and SQLite must report itself sound.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::free_port;

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["serve", "--no-scheduler"])
        .env("KLIMASPOR_DATA_DIR", dir)
        .env("KLIMASPOR_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start klimaspor")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[derive(QueryableByName)]
struct Integrity {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_update() {
    let dir = tempfile::tempdir().unwrap();
    let token = {
        let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
            .args(["token", "create", "--role", "admin", "--name", "Burst"])
            .env("KLIMASPOR_DATA_DIR", dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_string()
    };
    let client = reqwest::Client::new();
    let mut acknowledged: Vec<(i64, String)> = Vec::new();
    for round in 0..3 {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start(dir.path(), port);
        wait_ready(&client, &base).await;
        let page: Value = client
            .get(format!(
                "{base}/api/v1/plans/ballerup/subgoals?per_page=500"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let goals: Vec<(i64, String)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["status"] != "dropped")
            .map(|g| {
                (
                    g["id"].as_i64().unwrap(),
                    g["etag"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // Four writers, each on its own sub-goals; the kill lands while they are writing: once
        // they have had a number of writes acknowledged (each ack is signalled on `acks`).
        let (ack_tx, mut acks) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut writers = Vec::new();
        for w in 0..4 {
            let mine: Vec<(i64, String)> = goals.iter().skip(w).step_by(4).cloned().collect();
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            let ack_tx = ack_tx.clone();
            writers.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut etags = mine;
                for n in 0.. {
                    let k = n % etags.len();
                    let (id, etag) = etags[k].clone();
                    let note = format!("runde {round} skriver {w} nr. {n}");
                    let res = client
                        .post(format!("{base}/api/v1/subgoals/{id}/progress"))
                        .bearer_auth(&token)
                        .header("If-Match", &etag)
                        .json(&json!({"status": "on_track", "progress": n % 100, "note": note}))
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == 201 => {
                            let new_etag = r.headers()["etag"].to_str().unwrap().to_string();
                            etags[k].1 = new_etag;
                            acked.push((id, note));
                            let _ = ack_tx.send(());
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => break, // the server is gone
                    }
                }
                acked
            }));
        }
        drop(ack_tx);
        for _ in 0..(40 + 40 * round) {
            acks.recv().await.expect("a writer stopped before the kill");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for w in writers {
            acknowledged.extend(w.await.unwrap());
        }
    }
    assert!(
        acknowledged.len() > 50,
        "the burst wrote something ({})",
        acknowledged.len()
    );
    eprintln!(
        "{} acknowledged updates over three kills",
        acknowledged.len()
    );

    // After the last kill: start again and look for every acknowledged note.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(dir.path(), port);
    wait_ready(&client, &base).await;
    let mut ids: Vec<i64> = acknowledged.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut stored = std::collections::HashSet::new();
    for id in ids {
        let history: Value = client
            .get(format!("{base}/api/v1/subgoals/{id}/progress"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for u in history.as_array().unwrap() {
            stored.insert((id, u["note"].as_str().unwrap_or_default().to_string()));
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|a| !stored.contains(a))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");

    let mut conn =
        diesel::SqliteConnection::establish(&dir.path().join("klimaspor.db").to_string_lossy())
            .unwrap();
    let check: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].integrity_check, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_and_stops_the_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.path().join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["serve"])
        .env("KLIMASPOR_DATA_DIR", dir.path())
        .env("KLIMASPOR_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    // A slow request (a PDF) is in flight when SIGTERM arrives.
    let pdf = tokio::spawn({
        let client = client.clone();
        let url = format!("{base}/api/v1/plans/ballerup/reports/ugo-status.pdf?period=2026-H1");
        async move { client.get(url).send().await.map(|r| r.status().as_u16()) }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(
        pdf.await.unwrap().unwrap(),
        200,
        "the request in flight is answered"
    );
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the server stops"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit: {status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("scheduler started") && text.contains("scheduler stopped"),
        "{text}"
    );
}

/// The server's PostgreSQL connections are cut (a server restart, a failover, an operator's
/// `pg_terminate_backend`) right after busy use: every request still succeeds, since the pool
/// tests each connection before handing it out and replaces a dead one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_postgres_connections_are_replaced() {
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let (sg, _) = app.sub_goal("14.1").await;
    let path = format!("/api/v1/subgoals/{sg}/progress");
    let cut = || {
        let pool = app.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a connection");
            diesel::sql_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .execute(&mut *conn)
            .expect("terminate the other connections")
        })
    };
    // `n` requests at once, so that they need several of the pool's connections.
    let statuses = |n: usize| {
        let app = &app;
        let path = &path;
        async move {
            let sent: Vec<_> = (0..n)
                .map(|_| tokio::spawn(app.client.get(app.url(path)).send()))
                .collect();
            let mut got = Vec::new();
            for res in sent {
                let res = res.await.unwrap().unwrap();
                let status = res.status().as_u16();
                if status != 200 {
                    crate::helpers::assert_problem(res, status).await;
                }
                got.push(status);
            }
            got
        }
    };
    let pool_size = app.config.db.pool_size() as usize;

    // Busy use: every pooled connection was used just now.
    let busy: Vec<_> = (0..pool_size * 4)
        .map(|_| tokio::spawn(app.client.get(app.url(&path)).send()))
        .collect();
    for res in busy {
        assert_eq!(res.await.unwrap().unwrap().status(), 200);
    }
    let killed = cut().await.unwrap();
    assert!(killed >= 1, "connections to cut");
    // Every checkout tests its connection and replaces a dead one: no request fails.
    let mut got = Vec::new();
    for _ in 0..3 {
        got.extend(statuses(pool_size * 2).await);
    }
    assert!(got.iter().all(|s| *s == 200), "{got:?}");
    // And again, with the replacements cut.
    cut().await.unwrap();
    let got = statuses(pool_size * 2).await;
    assert!(got.iter().all(|s| *s == 200), "{got:?}");
}

/// Another process holds SQLite's write lock past the busy timeout (a transaction left open in
/// the `sqlite3` shell, a backup): the write waits 15 s, is answered 503 "try again", stores
/// nothing, and the same request succeeds once the lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_blocked_by_another_process_is_503_and_can_be_retried() {
    use diesel::connection::SimpleConnection;
    use klimaspor::domain::token::TokenKind;

    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let (id, etag) = app.sub_goal("14.1").await;
    let url = app.config.database_url();
    let path = url.trim_start_matches("sqlite://").to_string();

    let (locked_tx, locked_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut c = diesel::SqliteConnection::establish(&path).expect("open");
        c.batch_execute("BEGIN IMMEDIATE").expect("write lock");
        locked_tx.send(()).expect("signal");
        let _ = release_rx.recv();
        c.batch_execute("ROLLBACK").expect("release");
    });
    locked_rx.recv().expect("locked");

    let body = json!({"status": "on_track", "progress": 40});
    let res = app
        .post_progress(id, Some(&owner), Some(&etag), &body)
        .await;
    let problem = crate::helpers::assert_problem(res, 503).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("try again"),
        "{problem}"
    );
    release_tx.send(()).expect("release");
    holder.join().expect("holder thread");
    assert_eq!(
        app.progress_count().await,
        0,
        "the refused write stored nothing"
    );

    let res = app
        .post_progress(id, Some(&owner), Some(&etag), &body)
        .await;
    assert_eq!(res.status(), 201, "the retry");
    assert_eq!(app.progress_count().await, 1);
}

/// Run `sql` on the app's database.
async fn execute(app: &crate::helpers::TestApp, sql: &'static str) {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::connection::SimpleConnection;
        let mut conn = pool.get().expect("a connection");
        conn.batch_execute(sql).expect(sql);
    })
    .await
    .expect("join");
}

/// A stored value the code does not know is an error answered 500 (and logged), never read
/// as a default: a deadline "by" without its year used to read as "none", so the sub-goal was
/// never overdue; a revision of an unknown kind was shown as it was.
async fn unreadable_stored_values_are_500_not_a_default(app: crate::helpers::TestApp) {
    // 12.1 is due "Senest i 2025": overdue today.
    let before = app
        .get_json("/api/v1/plans/ballerup/subgoals?overdue=true&per_page=500")
        .await;
    assert!(before["total"].as_i64().unwrap() > 0);
    execute(
        &app,
        "UPDATE sub_goals SET deadline_year = NULL WHERE key = '12.1'",
    )
    .await;
    for path in [
        "/api/v1/plans/ballerup/subgoals?overdue=true",
        "/api/v1/plans/ballerup/measures",
        "/api/v1/plans/ballerup/measures/12",
        "/api/v1/plans/ballerup/export.csv",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 500, "{path}");
        assert!(res.headers().contains_key("x-request-id"));
        let p: serde_json::Value = res.json().await.unwrap();
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail.contains("X-Request-Id") && !detail.contains("deadline"),
            "the answer names the request, the log the cause: {p}"
        );
    }
    let res = app
        .get("/api/v1/plans/ballerup/reports/ugo-status.pdf?period=2026-H2")
        .await;
    assert_eq!(res.status(), 500, "no report from unreadable data");

    execute(
        &app,
        "UPDATE sub_goals SET deadline_year = 2025 WHERE key = '12.1'",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/plans/ballerup/measures/12").await.status(),
        200
    );
    // The revision kind has no CHECK in the schema: an unknown one is refused on reading.
    execute(
        &app,
        "UPDATE sub_goal_revisions SET kind = 'rewritten' WHERE id = (SELECT MIN(id) FROM sub_goal_revisions)",
    )
    .await;
    let revised = app
        .get_json("/api/v1/plans/ballerup/subgoals?per_page=500")
        .await;
    assert_eq!(
        revised["total"],
        before_total(&app).await,
        "listing unaffected"
    );
    let mut refused = 0;
    for n in 1..=64 {
        if app
            .get(&format!("/api/v1/plans/ballerup/measures/{n}"))
            .await
            .status()
            == 500
        {
            refused += 1;
        }
    }
    assert_eq!(
        refused, 1,
        "exactly the measure with the unknown revision kind"
    );
}
crate::both!(unreadable_stored_values_are_500_not_a_default);

async fn before_total(app: &crate::helpers::TestApp) -> serde_json::Value {
    app.get_json("/api/v1/plans/ballerup/subgoals?per_page=500")
        .await["total"]
        .clone()
}
