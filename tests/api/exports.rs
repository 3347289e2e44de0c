//! Exports opened by real readers: openpyxl for XLSX, Python's csv module for CSV, the
//! `icalendar` package for the feed — and compared with what the API says.

use std::process::Command;

use klimaspor::domain::token::TokenKind;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

pub fn readers() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import openpyxl, icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("KLIMASPOR_TEST_REQUIRE_READERS").is_ok_and(|v| v == "1") {
            panic!("openpyxl/icalendar missing, but KLIMASPOR_TEST_REQUIRE_READERS=1");
        }
        eprintln!("\n*** SKIPPED (no openpyxl/icalendar): pip install openpyxl icalendar ***\n");
    }
    ok
}

/// Run a Python script on `bytes` (path in argv[1]); it prints JSON.
pub fn python(script: &str, bytes: &[u8], suffix: &str) -> Value {
    let f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(f.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn download(app: &TestApp, path: &str, content_type: &str) -> Vec<u8> {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with(content_type), "{ct}");
    res.bytes().await.unwrap().to_vec()
}

async fn setup(app: &TestApp) -> Value {
    let token = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let (id, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "at_risk", "progress": 45, "note": "Mangler; budget"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let admin = app.admin().await;
    let ind = app.get_json("/api/v1/plans/ballerup/indicators").await[0]["id"]
        .as_i64()
        .unwrap();
    let res = app
        .client
        .put(app.url(&format!("/api/v1/indicators/{ind}/values/2025")))
        .bearer_auth(&admin)
        .json(&json!({"value": 12.5}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    app.get_json("/api/v1/plans/ballerup/subgoals?per_page=500")
        .await
}

async fn excel_csv_and_calendar_match_the_api(app: TestApp) {
    if !readers() {
        return;
    }
    let api = setup(&app).await;
    let goals = api["items"].as_array().unwrap();
    let keys: Vec<&str> = goals.iter().map(|g| g["key"].as_str().unwrap()).collect();

    // XLSX
    let xlsx = download(
        &app,
        "/api/v1/plans/ballerup/export.xlsx",
        "application/vnd.openxmlformats",
    )
    .await;
    let book = python(
        r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Delmål"]
rows = [[c.value for c in r] for r in ws.iter_rows()]
kpi = wb["Nøgletal"]
print(json.dumps({"sheets": wb.sheetnames, "header": rows[0], "rows": [[str(v) if v is not None else None for v in r] for r in rows[1:]],
  "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "width_goal": ws.column_dimensions["E"].width,
  "kpi_header": [c.value for c in kpi[1]], "kpi_rows": kpi.max_row - 1,
  "summary": [[c.value for c in r] for r in wb["Overblik"].iter_rows(min_row=4)]}))
"#,
        &xlsx,
        ".xlsx",
    );
    assert_eq!(
        book["sheets"],
        json!([
            "Delmål",
            "Overblik",
            "Nøgletal",
            "Nøgletalskilder",
            "Klimaeffekt",
            "Udledning",
            "Mål og manko",
            "Skyggepriser",
            "Klimavurderinger"
        ])
    );
    assert_eq!(book["header"][0], "Nr.");
    assert_eq!(book["header"][4], "Delmål");
    assert_eq!(book["freeze"], "A2", "frozen header row");
    assert!(
        book["filter"].as_str().unwrap().starts_with("A1:S"),
        "autofilter over every column, the import's too (Målt værdi … Tiltagets effekt)"
    );
    assert!(book["width_goal"].as_f64().unwrap() > 40.0);
    let rows = book["rows"].as_array().unwrap();
    let xkeys: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(xkeys, keys, "every sub-goal, in plan order");
    let r141 = rows.iter().find(|r| r[0] == "14.1").unwrap();
    assert_eq!(r141[8], "I risiko");
    assert_eq!(r141[9], "45");
    assert_eq!(r141[11], "Mangler; budget");
    assert_eq!(r141[5], "Center for Ejendomme");
    let r111 = rows.iter().find(|r| r[0] == "11.1").unwrap();
    assert_eq!(r111[8], "Udgået");
    assert_eq!(book["kpi_rows"], 19);
    assert!(
        book["kpi_header"]
            .as_array()
            .unwrap()
            .contains(&json!("2025"))
    );
    let summary_total: f64 = book["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[8].as_f64().unwrap())
        .sum();
    assert_eq!(
        summary_total as usize,
        goals.len(),
        "the summary counts every sub-goal"
    );

    // CSV
    let csv = download(&app, "/api/v1/plans/ballerup/export.csv", "text/csv").await;
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let parsed = python(
        r#"
import csv, json, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f, delimiter=";"))
print(json.dumps(rows))
"#,
        &csv,
        ".csv",
    );
    let rows = parsed.as_array().unwrap();
    assert_eq!(rows[0][0], "Nr.");
    assert_eq!(rows.len(), goals.len() + 1);
    let c141 = rows.iter().find(|r| r[0] == "14.1").unwrap();
    assert_eq!(c141[11], "Mangler; budget", "a ';' inside a field survives");
    assert_eq!(c141[8], "I risiko");

    // iCalendar
    let ics = download(
        &app,
        "/api/v1/plans/ballerup/deadlines.ics",
        "text/calendar",
    )
    .await;
    let cal = python(
        r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
events = [{"uid": str(e["UID"]), "date": e.decoded("DTSTART").isoformat(), "summary": str(e["SUMMARY"])} for e in cal.walk("VEVENT")]
print(json.dumps(events))
"#,
        &ics,
        ".ics",
    );
    let events = cal.as_array().unwrap();
    let dated: Vec<&Value> = goals
        .iter()
        .filter(|g| !g["deadline"]["due_date"].is_null())
        .collect();
    assert_eq!(events.len(), dated.len(), "one event per dated deadline");
    for g in dated {
        let key = g["key"].as_str().unwrap();
        let e = events
            .iter()
            .find(|e| e["uid"] == format!("klimaspor-ballerup-{key}@klimaspor"))
            .unwrap_or_else(|| panic!("event for {key}"));
        assert_eq!(e["date"], g["deadline"]["due_date"], "{key}");
    }
    // Stable: the same feed twice has the same UIDs.
    let again = download(
        &app,
        "/api/v1/plans/ballerup/deadlines.ics",
        "text/calendar",
    )
    .await;
    assert_eq!(again, ics);
    // Filtered by owner.
    let mine = download(
        &app,
        "/api/v1/plans/ballerup/deadlines.ics?owner=Center%20for%20Ejendomme",
        "text/calendar",
    )
    .await;
    let mine = python(
        r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
print(json.dumps([str(e["UID"]) for e in cal.walk("VEVENT")]))
"#,
        &mine,
        ".ics",
    );
    assert_eq!(mine, json!(["klimaspor-ballerup-14.1@klimaspor"]));
}
both!(excel_csv_and_calendar_match_the_api);

/// A note that is a spreadsheet formula opens as text: in the CSV with the documented leading
/// `'`, in the XLSX as a string cell with the value unchanged.
async fn a_formula_in_a_note_opens_as_text(app: TestApp) {
    if !readers() {
        return;
    }
    let formula = r#"=HYPERLINK("http://x","klik")"#;
    let token = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let (id, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "on_track", "progress": 10, "note": formula}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let csv = download(&app, "/api/v1/plans/ballerup/export.csv", "text/csv").await;
    let rows = python(
        r#"
import csv, json, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f, delimiter=";"))
print(json.dumps([r for r in rows if r[0] == "14.1"]))
"#,
        &csv,
        ".csv",
    );
    assert_eq!(
        rows[0][11],
        format!("'{formula}"),
        "CSV: text, with a leading '"
    );

    let xlsx = download(
        &app,
        "/api/v1/plans/ballerup/export.xlsx",
        "application/vnd.openxmlformats",
    )
    .await;
    let cell = python(
        r#"
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Delmål"]
row = next(r for r in ws.iter_rows() if r[0].value == "14.1")
print(json.dumps({"value": row[11].value, "type": row[11].data_type}))
"#,
        &xlsx,
        ".xlsx",
    );
    assert_eq!(cell["value"], formula, "XLSX: the value unchanged");
    assert_eq!(cell["type"], "s", "XLSX: a string cell, not a formula");
}
both!(a_formula_in_a_note_opens_as_text);
