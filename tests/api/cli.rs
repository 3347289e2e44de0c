//! The `klimaspor` binary as an operator runs it.

use std::process::{Command, Output};

use serde_json::json;

use crate::both;
use crate::helpers::{TestApp, assert_problem, seed_path};

fn klimaspor(app: &TestApp, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(args)
        .env("DATABASE_URL", app.config.database_url())
        .env("KLIMASPOR_DATA_DIR", &app.config.db.data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run klimaspor");
    assert!(
        out.status.success(),
        "klimaspor {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn operator_commands(app: TestApp) {
    // The app applied the migrations already: a second run applies nothing.
    assert!(stdout(&klimaspor(&app, &["migrate"])).contains("no pending migrations"));

    let out = klimaspor(
        &app,
        &[
            "token",
            "create",
            "--role",
            "owner",
            "--measure",
            "14",
            "--measure",
            "15",
            "--name",
            "Center for Ejendomme",
            "--email",
            "ejendomme@ballerup.dk",
        ],
    );
    let token = stdout(&out).lines().last().unwrap().trim().to_string();
    assert!(
        token.starts_with("ks_") && token.len() > 60,
        "token on the last line: {token}"
    );
    let owners = app.get_json("/api/v1/owners").await;
    assert_eq!(owners[0]["email"], "ejendomme@ballerup.dk");
    assert_eq!(owners[0]["measures"].as_array().unwrap().len(), 2);

    let (id, etag) = app.sub_goal("15.1").await;
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "on_track", "progress": 5}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let list = stdout(&klimaspor(&app, &["token", "list"]));
    assert!(list.contains("Center for Ejendomme") && list.contains("active"));
    assert!(!list.contains(&token), "token list never shows tokens");

    let import = stdout(&klimaspor(&app, &["import", seed_path().to_str().unwrap()]));
    let summary: serde_json::Value = serde_json::from_str(&import).unwrap();
    assert_eq!(summary["plan_created"], false);
    assert_eq!(summary["sub_goals"]["unchanged"], 84);

    let out_pdf = app.config.db.data_dir.join("status.pdf");
    let report = stdout(&klimaspor(
        &app,
        &[
            "report",
            "ugo-status",
            "--period",
            "2026-H2",
            "--out",
            out_pdf.to_str().unwrap(),
        ],
    ));
    assert!(report.contains("pages"), "{report}");
    let pdf = std::fs::read(&out_pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF was written");

    let id_col = list
        .lines()
        .find(|l| l.contains("Center for Ejendomme"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    klimaspor(&app, &["token", "revoke", &id_col]);
    let (id, etag) = app.sub_goal("15.1").await;
    assert_problem(
        app.post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "on_track", "progress": 6}),
        )
        .await,
        401,
    )
    .await;
}
both!(operator_commands);

#[test]
fn bad_arguments_fail_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["token", "create", "--role", "owner", "--name", "X"])
        .env("KLIMASPOR_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--measure"));

    let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("127.0.0.1:1/none"),
        "says which server failed: {err}"
    );
}

#[test]
fn schedule_lists_firings_and_periods_without_sending() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["schedule", "--from", "2026-01-01", "--to", "2028-01-01"])
        .env("KLIMASPOR_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2027-01-15 07:00 CET  ugo-status      2026-H2"),
        "{text}"
    );
    assert!(
        text.contains("2027-04-01 07:00 CEST  green-accounts  2026"),
        "{text}"
    );
    assert!(text.contains("2027-01-01 07:00 CET  reminders"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("ugo-status")).count(), 4);
    assert!(!dir.path().join("outbox").exists(), "nothing was sent");

    let bad = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["schedule", "--from", "2026-01-01", "--to", "2027-01-01"])
        .env("KLIMASPOR_SCHEDULE_UGO_STATUS", "every half year")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("KLIMASPOR_SCHEDULE_UGO_STATUS"));
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["migrate"])
        .env("KLIMASPOR_DATA_DIR", dir.path())
        .env("KLIMASPOR_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "migrate logs what it applied");
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{l}");
    }
}

#[test]
fn bench_data_fills_plans_with_a_deterministic_history() {
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
            .args(["bench-data", "--plans", "2", "--years", "1", "--seed", "5"])
            .env("KLIMASPOR_DATA_DIR", dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (_, pool) = klimaspor::db::connect(
            &format!("sqlite://{}/klimaspor.db", dir.path().display()),
            1,
        )
        .unwrap();
        let h = klimaspor::db::store::load_history(&mut pool.get().unwrap(), "synthetic-02", &[])
            .unwrap();
        let progress: Vec<i32> = h.data.sub_goals.iter().map(|g| g.progress).collect();
        (summary, progress)
    };
    let (summary, a) = run();
    assert_eq!(summary["plans"], 3);
    assert_eq!(summary["sub_goals"], 3 * 84);
    assert_eq!(summary["progress_updates"], 3 * 84 * 12);
    let (_, b) = run();
    assert_eq!(a, b, "the same seed gives the same history");
}

async fn people_and_roles_on_the_command_line(app: TestApp) {
    // A department first (owner tokens create it), then people in it.
    klimaspor(
        &app,
        &[
            "token",
            "create",
            "--role",
            "owner",
            "--measure",
            "14",
            "--name",
            "Center for Ejendomme",
        ],
    );
    let added = stdout(&klimaspor(
        &app,
        &[
            "person",
            "add",
            "--name",
            "Anne Jensen",
            "--email",
            "Anne.Jensen@Ballerup.dk",
            "--owner",
            "Center for Ejendomme",
        ],
    ));
    assert!(
        added.contains("anne.jensen@ballerup.dk"),
        "addresses are lower-cased: {added}"
    );
    klimaspor(
        &app,
        &[
            "person",
            "add",
            "--name",
            "Bo Holm",
            "--email",
            "bo@ballerup.dk",
            "--role",
            "committee",
        ],
    );
    klimaspor(
        &app,
        &["admin", "grant", "bo@ballerup.dk", "--plan", "ballerup"],
    );
    let list = stdout(&klimaspor(&app, &["person", "list", "--plan", "ballerup"]));
    let anne = list
        .lines()
        .find(|l| l.contains("Anne Jensen"))
        .expect("Anne listed");
    assert!(
        anne.contains("active") && anne.contains("Center for Ejendomme"),
        "{anne}"
    );
    let bo = list
        .lines()
        .find(|l| l.contains("Bo Holm"))
        .expect("Bo listed");
    assert!(bo.contains("admin of ballerup"), "{bo}");
    let disabled = stdout(&klimaspor(
        &app,
        &["person", "disable", "anne.jensen@ballerup.dk"],
    ));
    assert!(disabled.contains("disabled"), "{disabled}");
    klimaspor(
        &app,
        &["admin", "revoke", "bo@ballerup.dk", "--plan", "ballerup"],
    );
    let list = stdout(&klimaspor(&app, &["person", "list"]));
    assert!(!list.contains("admin of ballerup"), "{list}");

    // Refusals say what is wrong and change nothing.
    for (args, says) in [
        (
            vec!["person", "add", "--name", "X", "--email", "bo@ballerup.dk"],
            "exists already",
        ),
        (
            vec!["person", "add", "--name", "X", "--email", "not-an-address"],
            "e-mail",
        ),
        (
            vec![
                "person", "add", "--name", "X", "--email", "x@b.dk", "--owner", "Nobody",
            ],
            "no owner named 'Nobody'",
        ),
        (vec!["admin", "grant", "nobody@ballerup.dk"], "no person"),
        (vec!["person", "disable", "nobody@ballerup.dk"], "no person"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
            .args(&args)
            .env("DATABASE_URL", app.config.database_url())
            .env("KLIMASPOR_DATA_DIR", &app.config.db.data_dir)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let after = stdout(&klimaspor(&app, &["person", "list"]));
    assert_eq!(after.lines().count(), 2, "{after}");

    // An operator token, and how tokens are listed now.
    klimaspor(
        &app,
        &["token", "create", "--role", "operator", "--name", "Drift"],
    );
    let tokens = stdout(&klimaspor(&app, &["token", "list"]));
    let drift = tokens.lines().find(|l| l.contains("Drift")).unwrap();
    assert!(drift.contains("operator"), "{drift}");
    let owner = tokens
        .lines()
        .find(|l| l.contains("Center for Ejendomme"))
        .unwrap();
    assert!(
        owner.contains("owner") && owner.contains("ballerup"),
        "{owner}"
    );
}
both!(people_and_roles_on_the_command_line);
