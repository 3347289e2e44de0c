//! The web site in a real headless Chromium: `tests/browser/site.py` (selenium) drives it
//! against the real server, runs axe-core on every page type at 1280 and 375 px, crawls every
//! link, uses the filter form and the search, checks the keyboard path, and writes screenshots
//! to `target/screenshots/`. Needs Debian's `chromium` and `chromium-driver`, Python's
//! `selenium` and npm's `axe-core` (`.ci/run` installs them); without them the test says
//! SKIPPED, and `KLIMASPOR_TEST_REQUIRE_BROWSER=1` (set in CI) makes that a failure.

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;

use crate::helpers::{Backend, SmtpSink, spawn_app_with};
use crate::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider};
use crate::signin::add_person;
use crate::site::{owner_of, report_note, sent_ugo_status};
use klimaspor::domain::access::PlanRole;

fn axe_js() -> PathBuf {
    std::env::var("KLIMASPOR_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/browser-tools/node_modules/axe-core/axe.min.js")
        })
}

/// Run `tests/browser/{name}` against `address` with AXE_JS and SCREENSHOTS set and `env`;
/// panics with what it printed unless it succeeds.
async fn run_script(name: &str, address: &str, env: Vec<(&'static str, String)>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tests/browser").join(name))
        .env("BASE_URL", address)
        .env("AXE_JS", axe_js())
        .env("SCREENSHOTS", root.join("target/screenshots"))
        .envs(env);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("python3 runs"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser test {name} failed:\n{stdout}\n{stderr}"
    );
    eprintln!("{stdout}");
}

fn browser_available() -> bool {
    let chromium = std::path::Path::new("/usr/bin/chromium").exists()
        && std::path::Path::new("/usr/bin/chromedriver").exists();
    let selenium = Command::new("python3")
        .args(["-c", "import selenium"])
        .output()
        .is_ok_and(|o| o.status.success());
    let ok = chromium && selenium && axe_js().exists();
    if !ok {
        let msg = format!(
            "SKIPPED (no Chromium): chromium+chromedriver {chromium}, selenium {selenium}, axe.min.js at {} {}",
            axe_js().display(),
            axe_js().exists()
        );
        if std::env::var("KLIMASPOR_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("{msg}, but KLIMASPOR_TEST_REQUIRE_BROWSER=1");
        }
        eprintln!("\n*** {msg} ***\n");
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_works_in_chromium_for_mouse_keyboard_and_screen_reader() {
    if !browser_available() {
        return;
    }
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.no_scheduler = false).await else {
        return;
    };
    owner_of(&app, "Center for Ejendomme", 13).await;
    let note = "Energimærkningen af de sidste skoler er bestilt.";
    report_note(&app, "13.1", note).await;
    // An indicator with values, so its chart is drawn.
    let indicator = &app.get_json("/api/v1/plans/ballerup/indicators").await[0];
    let (ind, code) = (
        indicator["id"].as_i64().unwrap(),
        indicator["code"].as_str().unwrap().to_string(),
    );
    for (year, value) in [(2023, 4.0), (2024, 9.5), (2025, 14.0)] {
        let res = app
            .client
            .put(app.url(&format!("/api/v1/indicators/{ind}/values/{year}")))
            .bearer_auth(app.admin().await)
            .json(&json!({"value": value}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
    // A UGO status sent by the scheduler, so the reports page has one.
    let report = format!("/ballerup/rapporter/{}", sent_ugo_status(&app).await);
    run_script(
        "site.py",
        &app.address,
        vec![
            ("NOTE", note.to_string()),
            ("NOTE_MEASURE", "13".to_string()),
            ("REPORT_PATH", report.to_string()),
            ("KPI_PATH", format!("/ballerup/noegletal/{code}")),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_and_administering_work_in_chromium() {
    if !browser_available() {
        return;
    }
    let Some(smtp) = SmtpSink::start() else {
        return;
    };
    let port = crate::helpers::free_port();
    let public = format!("http://127.0.0.1:{port}");
    let Some(provider) = OidcProvider::start(&format!("{public}/log-ind/oidc/retur")) else {
        return;
    };
    let (smtp_url, issuer) = (smtp.url(), provider.issuer.clone());
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.bind = format!("127.0.0.1:{port}");
        c.public_url = public.clone();
        c.smtp_url = Some(smtp_url);
        c.auth.oidc_issuer = Some(issuer);
        c.auth.oidc_client_id = Some(CLIENT_ID.into());
        c.auth.oidc_client_secret = Some(CLIENT_SECRET.parse().unwrap());
    })
    .await
    else {
        return;
    };
    let owner = owner_of(&app, "Center for Ejendomme", 13).await as i32;
    add_person(
        &app,
        "Anne Administrator",
        "anne@ballerup.example",
        vec![],
        Some(PlanRole::Admin),
    )
    .await;
    add_person(
        &app,
        "Ole Ejendom",
        "ole@ballerup.example",
        vec![owner],
        None,
    )
    .await;
    run_script(
        "signin.py",
        &app.address,
        vec![
            ("MAILDIR", smtp.maildir().display().to_string()),
            ("ADMIN_EMAIL", "anne@ballerup.example".to_string()),
            ("OIDC_EMAIL", "ole@ballerup.example".to_string()),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_and_the_round_work_in_chromium() {
    if !browser_available() {
        return;
    }
    let Some(smtp) = SmtpSink::start() else {
        return;
    };
    let smtp_url = smtp.url();
    // The links in the mails point to the public address: the server's own here.
    let port = crate::helpers::free_port();
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.bind = format!("127.0.0.1:{port}");
        c.public_url = format!("http://127.0.0.1:{port}");
        c.smtp_url = Some(smtp_url);
        c.no_scheduler = false;
    })
    .await
    else {
        return;
    };
    let report = sent_ugo_status(&app).await;
    let ejendomme = owner_of(&app, "Center for Ejendomme", 14).await as i32;
    let byggeri = owner_of(&app, "Center for Byggeri", 15).await as i32;
    add_person(
        &app,
        "Eva Ejendom",
        "eva@ballerup.example",
        vec![ejendomme, byggeri],
        None,
    )
    .await;
    add_person(
        &app,
        "Anne Administrator",
        "anne@ballerup.example",
        vec![],
        Some(PlanRole::Admin),
    )
    .await;
    add_person(
        &app,
        "Karl Udvalg",
        "karl@ballerup.example",
        vec![],
        Some(PlanRole::Committee),
    )
    .await;
    let token = app.admin().await;
    let (g14, _) = app.sub_goal("14.1").await;
    let (g15, _) = app.sub_goal("15.1").await;
    run_script(
        "workspace.py",
        &app.address,
        vec![
            ("MAILDIR", smtp.maildir().display().to_string()),
            ("OWNER_EMAIL", "eva@ballerup.example".to_string()),
            ("ADMIN_EMAIL", "anne@ballerup.example".to_string()),
            ("COMMITTEE_EMAIL", "karl@ballerup.example".to_string()),
            ("ADMIN_TOKEN", token.to_string()),
            ("REPORT_ID", report.to_string()),
            ("GOAL_14", g14.to_string()),
            ("GOAL_15", g15.to_string()),
        ],
    )
    .await;
    // What the browser did is on the site and in the next status: the question and its answer.
    let m14 = app.get("/ballerup/tiltag/14").await.text().await.unwrap();
    assert!(m14.contains("Fordi leverandøren er forsinket (375 px)"));
    let next = crate::site::sent_ugo_status_for(&app, "2026-H2").await;
    let pdf = app
        .get(&format!("/api/v1/report-runs/{next}/pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    if crate::reports::poppler() {
        let text = crate::reports::pdf_text(&pdf, None)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("Spørgsmål fra udvalget"), "{text}");
        assert!(
            text.contains("Hvorfor er 14.1 i risiko? (375 px)"),
            "{text}"
        );
        assert!(
            text.contains("Fordi leverandøren er forsinket (375 px)"),
            "{text}"
        );
    }
}

/// The climate page, the dashboard and a measure page with an inventory loaded, and the form an
/// owner of measure 1 records a climate assessment with (`tests/browser/climate.py`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_climate_pages_work_in_chromium() {
    if !browser_available() {
        return;
    }
    let Some(smtp) = SmtpSink::start() else {
        return;
    };
    let smtp_url = smtp.url();
    let port = crate::helpers::free_port();
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.bind = format!("127.0.0.1:{port}");
        c.public_url = format!("http://127.0.0.1:{port}");
        c.smtp_url = Some(smtp_url);
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let (status, body) = crate::climate::import(&app, &admin, crate::climate::fixture(), "").await;
    assert_eq!(status, 200, "{body}");
    crate::climate::set_figures(&app, &admin).await;
    let economy = owner_of(&app, "Center for Økonomi", 1).await as i32;
    let buildings = owner_of(&app, "Center for Ejendomme", 14).await as i32;
    add_person(
        &app,
        "Ole Økonomi",
        "ole@ballerup.example",
        vec![economy],
        None,
    )
    .await;
    add_person(
        &app,
        "Eva Ejendom",
        "eva@ballerup.example",
        vec![buildings],
        None,
    )
    .await;
    run_script(
        "climate.py",
        &app.address,
        vec![
            ("MAILDIR", smtp.maildir().display().to_string()),
            ("ASSESSOR_EMAIL", "ole@ballerup.example".to_string()),
            ("OTHER_EMAIL", "eva@ballerup.example".to_string()),
        ],
    )
    .await;
    // What the browser saved is in the API: one assessment per width, valued at the price.
    let listed = app
        .get_json("/api/v1/plans/ballerup/climate-assessments")
        .await;
    let titles: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(
        titles
            .iter()
            .all(|t| t.starts_with("Indkøb af skraldebiler"))
    );
    assert_eq!(listed[0]["options"][1]["value_dkk"], json!(-60_750.0));
}
