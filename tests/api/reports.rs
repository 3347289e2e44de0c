//! The PDF reports, read the way a committee member's PDF viewer reads them: text extracted
//! with poppler's `pdftotext`, pages rendered with `pdftoppm`.

use std::process::Command;

use klimaspor::domain::token::TokenKind;
use regex::Regex;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, assert_problem};

/// poppler-utils present? Without it these tests print a loud SKIPPED line, unless
/// `KLIMASPOR_TEST_REQUIRE_POPPLER=1` (set in CI) makes that a failure.
pub fn poppler() -> bool {
    let ok = Command::new("pdftotext").arg("-v").output().is_ok();
    if !ok {
        if std::env::var("KLIMASPOR_TEST_REQUIRE_POPPLER").is_ok_and(|v| v == "1") {
            panic!("pdftotext not found, but KLIMASPOR_TEST_REQUIRE_POPPLER=1");
        }
        eprintln!("\n*** SKIPPED (no poppler-utils): install it to check the PDFs' text ***\n");
    }
    ok
}

fn write_temp(pdf: &[u8]) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(f.path(), pdf).unwrap();
    f
}

/// The text of pages `first..=last` (all when `None`), in drawing order.
pub fn pdf_text(pdf: &[u8], pages: Option<(u32, u32)>) -> String {
    let f = write_temp(pdf);
    let mut cmd = Command::new("pdftotext");
    cmd.arg("-raw").arg("-enc").arg("UTF-8");
    if let Some((a, b)) = pages {
        cmd.args(["-f", &a.to_string(), "-l", &b.to_string()]);
    }
    let out = cmd.arg(f.path()).arg("-").output().unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every word's box must lie inside the margins; returns the page count.
fn assert_inside_margins(pdf: &[u8]) -> usize {
    let f = write_temp(pdf);
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(f.path())
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let page = Regex::new(r#"<page width="([\d.]+)" height="([\d.]+)">"#).unwrap();
    let word = Regex::new(r#"<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>"#).unwrap();
    let margin = 51.0 - 1.0;
    let mut pages = 0;
    for chunk in html.split("<page ").skip(1) {
        pages += 1;
        let tag = format!("<page {chunk}");
        let caps = page.captures(&tag).expect("page size");
        let (w, h): (f64, f64) = (caps[1].parse().unwrap(), caps[2].parse().unwrap());
        for c in word.captures_iter(chunk) {
            let b: Vec<f64> = (1..=4).map(|i| c[i].parse().unwrap()).collect();
            assert!(
                b[0] >= margin && b[1] >= margin && b[2] <= w - margin && b[3] <= h - margin,
                "'{}' on page {pages} at {b:?} is outside the margins",
                &c[5]
            );
        }
    }
    pages
}

/// Render every page to PNG and check each is a real image.
fn assert_renders(pdf: &[u8], pages: usize) {
    let f = write_temp(pdf);
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("p");
    let out = Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(f.path())
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pngs: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(pngs.len(), pages, "one image per page");
    for p in pngs {
        let bytes = std::fs::read(p.path()).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 1000,
            "{:?}",
            p.path()
        );
    }
}

/// Between `from` and `to` (or the end).
fn section<'a>(text: &'a str, from: &str, to: Option<&str>) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no '{from}' in the report"));
    let rest = &text[start..];
    match to.and_then(|t| rest.find(t)) {
        Some(end) => &rest[..end],
        None => rest,
    }
}

async fn fetch(app: &TestApp, path: &str) -> Vec<u8> {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    res.bytes().await.unwrap().to_vec()
}

async fn the_ugo_status_tells_what_is_late_at_risk_and_changed(app: TestApp) {
    if !poppler() {
        return;
    }
    let admin = app.admin().await;
    // 14.1 was on track in the first half-year and is delayed now: a status change.
    let (id, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id,
            Some(&admin),
            Some(&etag),
            &json!({"status": "on_track", "progress": 30, "as_of": "2026-05-01"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app
        .post_progress(id, Some(&admin), Some(&etag), &json!({"status": "delayed", "progress": 35, "note": "Udbuddet er gået om", "as_of": "2026-10-01"}))
        .await;
    assert_eq!(res.status(), 201);
    // 46.2 gets a deadline mid-2026: overdue at the end of the second half-year.
    let (id46, _) = app.sub_goal("46.2").await;
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/subgoals/{id46}")))
        .bearer_auth(&admin)
        .json(&json!({"deadline": {"kind": "mid", "year": 2026}, "reason": "Fremrykket af UGO"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let pdf = fetch(
        &app,
        "/api/v1/plans/ballerup/reports/ugo-status.pdf?period=2026-H2",
    )
    .await;
    let text = pdf_text(&pdf, None);
    let page1 = pdf_text(&pdf, Some((1, 1)));
    let pages = Regex::new(r"Side 1 af (\d+)")
        .unwrap()
        .captures(&page1)
        .expect("Side 1 af N on page 1")[1]
        .parse::<usize>()
        .unwrap();
    assert!(pages > 3);
    assert!(page1.contains("Kort fortalt"));
    assert!(page1.contains("delmål har overskredet fristen"));
    assert!(page1.contains("ændringer siden sidste status"));
    for s in ["æ", "ø", "å", "Æ", "Ø", "Å", "CO₂"] {
        assert!(text.contains(s), "'{s}' survives copy and paste");
    }
    for m in app.get_json("/api/v1/plans/ballerup/measures").await["items"]
        .as_array()
        .unwrap()
    {
        let n = m["number"].as_i64().unwrap();
        let first = m["title"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        assert!(
            text.contains(&format!("{n}. {first}")),
            "measure {n} ({first}) is in the report"
        );
    }
    let changes = section(
        &text,
        "2. Ændringer siden sidste status",
        Some("3. Status pr. tema"),
    );
    assert!(
        changes.contains("14.1"),
        "the status change is listed:\n{changes}"
    );
    assert!(changes.contains("Forsinket"));
    assert!(changes.contains("46.2"), "the moved deadline is listed");
    assert!(
        Regex::new(r"Senest\s+medio\s+2026")
            .unwrap()
            .is_match(changes),
        "{changes}"
    );
    let overdue = section(
        &text,
        "4. Overskredne frister",
        Some("5. Frister de næste 12 måneder"),
    );
    assert!(
        overdue.contains("46.2"),
        "the goal made overdue is in the overdue list"
    );
    assert!(!overdue.contains("21.1"), "a 2035 goal is not overdue");
    let themes = section(&text, "3. Status pr. tema", Some("4. Overskredne frister"));
    assert!(
        Regex::new(r"Udbuddet\s+er\s+gået\s+om")
            .unwrap()
            .is_match(themes),
        "the latest note is shown"
    );

    assert_eq!(assert_inside_margins(&pdf), pages);
    assert_renders(&pdf, pages);
    // The tables run over many pages; each page repeats the header row, and no page ends with
    // a heading (a section's or a measure's) whose content is on the next page.
    let heading = Regex::new(r"^\d+\. \p{Lu}").unwrap();
    for p in 2..=pages as u32 {
        let t = pdf_text(&pdf, Some((p, p)));
        if p >= 3 {
            assert!(t.contains("Nr. Delmål"), "page {p} has the table header");
        }
        let last = t
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("Halvårlig status til UGO ·"))
            .rfind(|l| !l.contains("Side "))
            .unwrap_or_default();
        assert!(
            !heading.is_match(last),
            "page {p} ends with a heading: {last}"
        );
    }
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("/Lang") && raw.contains("da-DK"),
        "document language"
    );
    assert!(raw.contains("/Outlines"), "bookmarks");
    let id = Regex::new(r"/ID\s*\[\s*<([0-9A-F]{32})>\s*<([0-9A-F]{32})>").unwrap();
    let ids = id.captures(&raw).expect("a file id in the trailer");
    assert_eq!(&ids[1], &ids[2]);
    assert_ne!(&ids[1], "A5".repeat(16), "the id replaced its placeholder");
    let info = Command::new("pdfinfo")
        .arg(write_temp(&pdf).path())
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("Halvårlig status til UGO"), "{info}");
    assert!(info.contains("Ballerup Kommune"), "{info}");
}
both!(the_ugo_status_tells_what_is_late_at_risk_and_changed);

async fn the_annual_reports_show_kpis_progress_and_revisions(app: TestApp) {
    if !poppler() {
        return;
    }
    let admin = app.admin().await;
    let indicators = app.get_json("/api/v1/plans/ballerup/indicators").await;
    let id_of = |code: &str| {
        indicators
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    for (code, year, value) in [
        ("genanvendelse-plast", 2025, 61.0),
        ("genanvendelse-plast", 2026, 66.5),
        ("traeer-private-haver", 2026, 12500.0),
    ] {
        let res = app
            .client
            .put(app.url(&format!("/api/v1/indicators/{}/values/{year}", id_of(code))))
            .bearer_auth(&admin)
            .json(&json!({"value": value}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
    let (id, etag) = app.sub_goal("57.1").await;
    let res = app
        .post_progress(
            id,
            Some(&admin),
            Some(&etag),
            &json!({"status": "achieved", "achieved_on": "2026-03-15", "as_of": "2026-03-15"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (id28, _) = app.sub_goal("28.2").await;
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/subgoals/{id28}")))
        .bearer_auth(&admin)
        .json(&json!({"deadline": {"kind": "by", "year": 2027}, "reason": "Leverandøren kan ikke levere før"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let green = fetch(
        &app,
        "/api/v1/plans/ballerup/reports/green-accounts.pdf?period=2026",
    )
    .await;
    let text = pdf_text(&green, None);
    assert!(text.contains("Genanvendelse af plast"));
    assert!(text.contains("66,5"), "Danish decimal comma");
    assert!(text.contains("12.500"), "Danish thousands separator");
    assert!(text.contains("Mangler værdi"), "missing values are flagged");
    assert!(text.contains("nøgletal mangler en værdi for året 2026"));
    assert!(text.contains("Stigende"), "trend from 2025 to 2026");
    let pages = assert_inside_margins(&green);
    assert_renders(&green, pages);

    let council = fetch(
        &app,
        "/api/v1/plans/ballerup/reports/council-annual.pdf?period=2026",
    )
    .await;
    let text = pdf_text(&council, None);
    let achieved = section(
        &text,
        "2. Delmål nået i året",
        Some("3. Overskredne frister i året"),
    );
    assert!(
        achieved.contains("57.1") && achieved.contains("15.03.2026"),
        "{achieved}"
    );
    assert!(text.contains("Hele planen"));
    let revisions = section(&text, "6. Ændringer i planen", None);
    assert!(
        revisions.contains("28.2") && revisions.contains("Leverandøren kan ikke levere før"),
        "{revisions}"
    );
    assert!(
        Regex::new(r"Senest\s+i\s+2027")
            .unwrap()
            .is_match(revisions),
        "{revisions}"
    );
    let pages = assert_inside_margins(&council);
    assert_renders(&council, pages);
}
both!(the_annual_reports_show_kpis_progress_and_revisions);

async fn report_requests_are_checked(app: TestApp) {
    assert_problem(
        app.get("/api/v1/plans/ballerup/reports/weekly.pdf?period=2026")
            .await,
        404,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/reports/ugo-status.pdf?period=2026-H3")
            .await,
        400,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/reports/ugo-status.pdf?period=2026")
            .await,
        400,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/reports/council-annual.pdf?period=2026-H1")
            .await,
        400,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/reports/council-annual.pdf")
            .await,
        400,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/odense/reports/council-annual.pdf?period=2026")
            .await,
        404,
    )
    .await;
}
both!(report_requests_are_checked);

async fn same_snapshot_and_time_give_the_same_bytes(app: TestApp) {
    use klimaspor::report::{self, ReportKind, Templates};
    let pool = app.pool.clone();
    let history = tokio::task::spawn_blocking(move || {
        let dates = ReportKind::UgoStatus.snapshot_dates("2026-H2".parse().unwrap());
        klimaspor::db::store::load_history(&mut pool.get().unwrap(), "ballerup", &dates).unwrap()
    })
    .await
    .unwrap();
    let templates = Templates::builtin();
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    for (kind, period) in [
        (ReportKind::UgoStatus, "2026-H2"),
        (ReportKind::GreenAccounts, "2026"),
        (ReportKind::CouncilAnnual, "2026"),
    ] {
        let p = period.parse().unwrap();
        let (a, snap) = report::generate(&history, kind, p, templates.get(kind), at, None).unwrap();
        let (b, _) = report::generate(&history, kind, p, templates.get(kind), at, None).unwrap();
        assert!(a == b, "{kind:?} is reproducible");
        assert!(a.len() < 200_000, "fonts are subset ({} bytes)", a.len());
        // The snapshot round-trips through JSON, as the archive stores it.
        let json = serde_json::to_string(&snap).unwrap();
        assert_eq!(
            serde_json::from_str::<report::Snapshot>(&json).unwrap(),
            snap
        );
        let later = at + chrono::Duration::days(1);
        let (c, _) = report::generate(&history, kind, p, templates.get(kind), later, None).unwrap();
        assert!(a != c, "the generation time is part of the report");
    }
}
both!(same_snapshot_and_time_give_the_same_bytes);

#[tokio::test]
async fn a_bad_template_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let ugo = dir.path().join("ugo-status");
    std::fs::create_dir_all(&ugo).unwrap();
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/report-templates/ugo-status/template.toml"
    ))
    .unwrap();
    std::fs::write(
        ugo.join("template.toml"),
        good.replace("{period}", "{periode}"),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut config = klimaspor::config::Config::for_data_dir(data.path().to_path_buf());
    config.templates_dir = dir.path().to_path_buf();
    let err = match klimaspor::startup::Application::build(&config).await {
        Ok(_) => panic!("the app started with a bad template"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("{periode}") && err.contains("template.toml"),
        "{err}"
    );
}

/// A report reads each sub-goal's newest update as of its cut-off dates only, not the whole
/// history: its snapshots must equal those built from every update ever recorded, with
/// updates dated after the period, several on one day, and sub-goals with none.
async fn snapshots_from_the_newest_updates_equal_snapshots_from_all(app: TestApp) {
    use klimaspor::db::store;
    use klimaspor::report::{ReportKind, Snapshot};
    let token = app.admin().await;
    let reports = [
        ("12.1", "on_track", "2025-11-30"),
        ("12.1", "at_risk", "2026-03-31"),
        ("12.1", "delayed", "2026-03-31"),
        ("12.1", "on_track", "2026-10-31"),
        ("13.1", "at_risk", "2026-07-01"),
        ("14.1", "delayed", "2024-05-31"),
        ("14.1", "on_track", "2026-06-30"),
    ];
    for (key, status, as_of) in reports {
        let (id, etag) = app.sub_goal(key).await;
        let res = app
            .post_progress(
                id,
                Some(&token),
                Some(&etag),
                &json!({"status": status, "progress": 30, "as_of": as_of, "note": key}),
            )
            .await;
        assert_eq!(res.status(), 201, "{key} {as_of}");
    }
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        for (kind, period) in [
            (ReportKind::UgoStatus, "2026-H1"),
            (ReportKind::UgoStatus, "2025-H2"),
            (ReportKind::GreenAccounts, "2026"),
            (ReportKind::CouncilAnnual, "2024"),
        ] {
            let period = period.parse().unwrap();
            let dates = kind.snapshot_dates(period);
            let newest = store::load_history(&mut conn, "ballerup", &dates).unwrap();
            let mut all = store::load_history(&mut conn, "ballerup", &[]).unwrap();
            for g in &all.data.sub_goals.clone() {
                all.updates
                    .extend(store::list_progress(&mut conn, g.id).unwrap());
            }
            assert_eq!(all.updates.len(), 7);
            assert!(newest.updates.len() < all.updates.len());
            let mut periods = vec![period];
            if kind == ReportKind::UgoStatus {
                periods.push(period.previous());
            }
            for date_period in periods {
                assert_eq!(
                    Snapshot::build(&newest, date_period).expect("snapshot"),
                    Snapshot::build(&all, date_period).expect("snapshot"),
                    "{kind:?} {date_period}"
                );
            }
        }
    })
    .await
    .unwrap();
}
both!(snapshots_from_the_newest_updates_equal_snapshots_from_all);

/// The value of indicator `code` for `year` as the API lists it.
async fn indicator_value(app: &TestApp, code: &str, year: i64) -> Value {
    let list = app.get_json("/api/v1/plans/ballerup/indicators").await;
    let ind = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()
        .clone();
    ind["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["year"] == year)
        .cloned()
        .unwrap_or(Value::Null)
}

/// An owner's `kpi_value` on sub-goal 28.2 (125 charging points) is the value of the indicator
/// that follows it, for the year of its `as_of`: the latest `as_of` in the year wins, an
/// administrator's value overrides, and the green accounts and the council report show it with
/// where it came from.
async fn an_owners_kpi_value_reaches_the_green_accounts(app: TestApp) {
    if !poppler() {
        return;
    }
    let code = "ladestandere-kommunal-bilpark";
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[28])
        .await;
    let report = |kpi: f64, as_of: &'static str| json!({"status": "on_track", "progress": 70, "kpi_value": kpi, "as_of": as_of});
    for (kpi, as_of) in [
        (80.0, "2026-03-01"),
        (88.0, "2026-06-15"),
        (70.0, "2026-02-01"),
    ] {
        let (id, etag) = app.sub_goal("28.2").await;
        let res = app
            .post_progress(id, Some(&owner), Some(&etag), &report(kpi, as_of))
            .await;
        assert_eq!(res.status(), 201);
    }
    let v = indicator_value(&app, code, 2026).await;
    assert_eq!(
        v["value"], 88.0,
        "the report with the latest as_of in 2026: {v}"
    );
    assert_eq!(v["source"], "owner_report");
    assert_eq!(v["updated_by"], "Center for Ejendomme");
    assert_eq!(v["reported_as_of"], "2026-06-15");
    assert!(
        indicator_value(&app, code, 2025).await.is_null(),
        "other years untouched"
    );

    let green = fetch(
        &app,
        "/api/v1/plans/ballerup/reports/green-accounts.pdf?period=2026",
    )
    .await;
    let text = pdf_text(&green, None);
    let row = text
        .lines()
        .find(|l| l.starts_with("Ladestandere til den kommunale bilpark"))
        .unwrap_or_else(|| panic!("no row for the charging points: {text}"));
    assert!(
        row.contains(" 88 "),
        "the owner's 88 in the overview: {row}"
    );
    assert!(!row.contains("Mangler værdi"), "{row}");
    let sources = section(&text, "Hvor årets værdier kommer fra", Some("2. "));
    assert!(
        Regex::new(r"Indberettet\s+af\s+Center\s+for\s+Ejendomme\s+pr\.\s+15\.\s+juni\s+2026\s+\(delmål\s+28\.2\)")
            .unwrap()
            .is_match(sources),
        "{sources}"
    );
    let council = fetch(
        &app,
        "/api/v1/plans/ballerup/reports/council-annual.pdf?period=2026",
    )
    .await;
    let council = pdf_text(&council, None);
    let kpis = section(&council, "4. Nøgletal", Some("5. "));
    assert!(
        kpis.contains("88 stk.") && kpis.contains("Indberettet af"),
        "{kpis}"
    );

    // An administrator's value overrides, and a later owner report does not replace it.
    let admin = app.admin().await;
    let id = app
        .get_json("/api/v1/plans/ballerup/indicators")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let res = app
        .client
        .put(app.url(&format!("/api/v1/indicators/{id}/values/2026")))
        .bearer_auth(&admin)
        .json(&json!({"value": 90}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (sid, etag) = app.sub_goal("28.2").await;
    let res = app
        .post_progress(sid, Some(&owner), Some(&etag), &report(99.0, "2026-10-01"))
        .await;
    assert_eq!(res.status(), 201);
    let v = indicator_value(&app, code, 2026).await;
    assert_eq!(v["value"], 90.0, "{v}");
    assert_eq!(v["source"], "admin");
    let green = fetch(
        &app,
        "/api/v1/plans/ballerup/reports/green-accounts.pdf?period=2026",
    )
    .await;
    let sources = pdf_text(&green, None);
    assert!(
        Regex::new(r"Sat\s+af\s+Klimasekretariatet")
            .unwrap()
            .is_match(&sources),
        "{sources}"
    );
}
both!(an_owners_kpi_value_reaches_the_green_accounts);
