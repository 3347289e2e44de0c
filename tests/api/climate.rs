//! The climate effect end to end: an inventory made for the tests (`tests/fixtures/
//! emissions-test.csv`, two releases, the later one revising 2022 and adding 2023) imported over
//! the API and with the command line; targets, a shadow price and measures' estimates set by an
//! administrator; the overview, the climate page, the council's report and the green accounts
//! (text extracted) and the exports (read with openpyxl and csv) all show the same numbers; a
//! bad file, a bad estimate and an owner without the right change nothing.

use std::process::Command;

use klimaspor::domain::token::TokenKind;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, assert_problem};
use crate::reports::{pdf_text, poppler};
use crate::site::owner_of;

pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/emissions-test.csv"
);
const NEW: &str = "Testudgivelse 2025";
const OLD: &str = "Testudgivelse 2024";

pub fn fixture() -> Vec<u8> {
    std::fs::read(FIXTURE).unwrap()
}

pub async fn import(app: &TestApp, token: &str, body: Vec<u8>, query: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/plans/ballerup/emissions-import{query}")))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn overview(app: &TestApp) -> Value {
    app.get_json("/api/v1/plans/ballerup/climate").await["overview"].clone()
}

async fn page(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The fixture's CSV with `line` (1 is the header) replaced.
fn with_line(line: usize, text: &str) -> Vec<u8> {
    let csv = String::from_utf8(fixture()).unwrap();
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    lines[line - 1] = text.to_string();
    (lines.join("\n") + "\n").into_bytes()
}

/// Targets 70 % by 2030 and net zero by 2045 against 1990, a shadow price from 2025, an
/// estimate on measure 14 and one on sub-goal 21.1.
pub async fn set_figures(app: &TestApp, admin: &str) {
    for (year, pct, source) in [
        (2030, 70.0, "Testmål (ikke en rigtig beslutning)"),
        (2045, 100.0, "Testmål"),
    ] {
        let (s, _) = put(
            app,
            admin,
            &format!("/api/v1/plans/ballerup/climate-targets/{year}"),
            json!({"base_year": 1990, "reduction_pct": pct, "source": source, "decided_on": "2021-06-24"}),
        )
        .await;
        assert_eq!(s, 200);
    }
    let (s, _) = put(
        app,
        admin,
        "/api/v1/plans/ballerup/shadow-prices/2025",
        json!({"dkk_per_tonne": 1500, "source": "Testpris"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = put(
        app,
        admin,
        "/api/v1/plans/ballerup/measures/14/effect",
        json!({"tonnes_per_year": 15000, "full_from": 2028, "basis": "Første skøn",
               "basis_source": "Testnotat", "reason": "Første skøn"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = put(
        app,
        admin,
        "/api/v1/plans/ballerup/measures/14/effect",
        json!({"tonnes_per_year": 20000, "full_from": 2028, "basis": "Energimærker for 40 bygninger",
               "basis_source": "Testnotat 2", "budget_dkk": 4000000, "funding": "Anlægsbudgettet",
               "staffing_fte": 1.5, "reason": "Nyt skøn efter energimærkningen"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = put(
        app,
        admin,
        "/api/v1/plans/ballerup/measures/21/effect",
        json!({"sub_goal": "21.1", "tonnes_per_year": 5000, "full_from": 2035,
               "basis": "Testskøn", "basis_source": "Testnotat", "reason": "Skøn"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

/// The numbers the fixture and `set_figures` give, as the overview must state them.
fn assert_the_numbers(o: &Value) {
    assert_eq!(o["release"], NEW);
    assert_eq!(o["other_releases"], json!([OLD]));
    let years: Vec<(i64, f64)> = o["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (y["year"].as_i64().unwrap(), y["total"].as_f64().unwrap()))
        .collect();
    // 2022 as the 2025 release revised it (the 2024 release said 214,780).
    assert_eq!(
        years,
        [
            (1990, 400_000.0),
            (2019, 244_200.0),
            (2020, 228_400.0),
            (2021, 225_200.0),
            (2022, 210_580.0),
            (2023, 198_530.0)
        ]
    );
    let t = &o["targets"];
    assert_eq!(t[0]["year"], 2030);
    assert_eq!(t[0]["allowed"], 120_000.0);
    // No inventory value in 2030 yet: counted from 2023; 21's effect comes after 2030.
    assert_eq!(t[0]["manko"]["from"], json!([2023, 198_530.0]));
    assert_eq!(t[0]["manko"]["required"], 78_530.0);
    assert_eq!(t[0]["manko"]["covered"], 20_000.0);
    assert_eq!(t[0]["manko"]["manko"], 58_530.0);
    assert_eq!(t[0]["manko"]["later"], json!([21]));
    assert_eq!(t[0]["manko"]["unknown"].as_array().unwrap().len(), 62);
    assert_eq!(t[1]["manko"]["manko"], 173_530.0);
    assert_eq!(o["effects"][0]["number"], 14);
    assert_eq!(o["effects"][0]["value_dkk"], 30_000_000.0);
    assert_eq!(o["effects"][1]["number"], 21);
    assert_eq!(o["not_estimated"].as_array().unwrap().len(), 62);
}

async fn inventory_targets_and_the_manko(app: TestApp) {
    let admin = app.admin().await;
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;

    // Nothing estimated yet: nothing is invented.
    let o = overview(&app).await;
    assert_eq!(o["release"], Value::Null);
    assert_eq!(o["effects"], json!([]));
    assert_eq!(o["not_estimated"].as_array().unwrap().len(), 64);
    let html = page(&app, "/ballerup/klima").await;
    assert!(html.contains("Der er endnu ikke indlæst en opgørelse af udledningen."));
    let html = page(&app, "/ballerup/tiltag/14").await;
    assert!(
        html.contains("Forventet effekt</dt><dd>ikke opgjort</dd>"),
        "{html}"
    );

    // A bad file: every bad row named with its line and column, nothing written.
    let bad = String::from_utf8(with_line(
        4,
        "2019;Transport;mange;t CO2e;Test;Testudgivelse 2024",
    ))
    .unwrap()
    .replace("2020;Landbrug;13500;t CO2e", "2020;Landbrug;13500;MWh");
    let (s, v) = import(&app, &admin, bad.into_bytes(), "").await;
    assert_eq!(s, 422, "{v}");
    let errors: Vec<(i64, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (4, "Værdi".into()),
            (14, "Enhed".into()),
            (39, "Enhed".into())
        ],
        "{v}"
    );
    assert!(v["errors"][1]["message"].as_str().unwrap().contains("MWh"));
    let (s, v) = import(&app, &admin, b"Aar;Sektor\n1990;Energi\n".to_vec(), "").await;
    assert_eq!(s, 422);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("Filen mangler kolonnen «År»"),
        "{v}"
    );
    assert_eq!(
        overview(&app).await["release"],
        Value::Null,
        "nothing was written"
    );

    // Only an administrator imports.
    let (s, _) = import(&app, &owner, fixture(), "").await;
    assert_eq!(s, 403);
    let res = app
        .client
        .post(app.url("/api/v1/plans/ballerup/emissions-import"))
        .header("Content-Type", "text/csv")
        .body(fixture())
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;

    // A dry run says what the file holds and writes nothing.
    let (s, v) = import(&app, &admin, fixture(), "?dry_run=true").await;
    assert_eq!((s, v["dry_run"].clone()), (200, json!(true)));
    assert_eq!(v["releases"][0]["release"], OLD);
    assert_eq!(v["releases"][0]["values"], 25);
    assert_eq!(v["releases"][1]["values"], 30);
    assert_eq!(overview(&app).await["release"], Value::Null);

    let (s, v) = import(&app, &admin, fixture(), "").await;
    assert_eq!(s, 200, "{v}");
    // The same release again replaces only when asked to.
    let (s, v) = import(&app, &admin, fixture(), "").await;
    assert_eq!(s, 409, "{v}");
    let (s, v) = import(&app, &admin, fixture(), "?replace=true").await;
    assert_eq!(
        (s, v["releases"][1]["replaced"].clone()),
        (200, json!(true))
    );

    // Figures that break a rule are refused and change nothing.
    let (s, v) = put(
        &app,
        &admin,
        "/api/v1/plans/ballerup/measures/14/effect",
        json!({"tonnes_per_year": 1000, "reason": "Skøn"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("full_from"), "{v}");
    let (s, _) = put(
        &app,
        &owner,
        "/api/v1/plans/ballerup/measures/14/effect",
        json!({"tonnes_per_year": 1000, "full_from": 2030, "basis": "x", "basis_source": "y", "reason": "Skøn"}),
    )
    .await;
    assert_eq!(s, 403, "an owner does not set the figures");
    set_figures(&app, &admin).await;
    let (s, v) = put(
        &app,
        &admin,
        "/api/v1/plans/ballerup/climate-targets/2040",
        json!({"base_year": 2005, "reduction_pct": 80, "source": "x"}),
    )
    .await;
    assert_eq!(s, 422, "every target against one base year: {v}");

    // The revision history keeps the first estimate.
    let e = app
        .get_json("/api/v1/plans/ballerup/measures/14/effect")
        .await;
    assert_eq!(e["tonnes_per_year"], 20_000.0);
    let reasons: Vec<&str> = e["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Nyt skøn efter energimærkningen", "Første skøn"]);

    let o = overview(&app).await;
    assert_the_numbers(&o);

    // The page: the release named, the revised year, the manko, in Danish numbers.
    let html = page(&app, "/ballerup/klima").await;
    for want in [
        "Tallene er fra dataudgivelsen «Testudgivelse 2025».",
        "Også indlæst: Testudgivelse 2024.",
        "<strong>210.580</strong>",
        "<strong>198.530</strong>",
        "Mankoen er 58.530 t.",
        "Mankoen er 173.530 t.",
        "30.000.000 kr. (2025)",
        "62 tiltag med effekt ikke opgjort",
    ] {
        assert!(html.contains(want), "the climate page lacks {want:?}");
    }
    assert!(
        !html.contains("214.780"),
        "the older release's 2022 is not shown"
    );
    let html = page(&app, "/ballerup/tiltag/14").await;
    assert!(
        html.contains("20.000 t CO₂e om året, fuld effekt fra 2028"),
        "{html}"
    );
    assert!(html.contains("4.000.000 kr. (Anlægsbudgettet)"));
    let html = page(&app, "/ballerup").await;
    assert!(
        html.contains("Udledningen var 198.530 t i 2023"),
        "dashboard"
    );

    // The council's report and the green accounts say the same.
    if poppler() {
        let pdf = app
            .get("/api/v1/plans/ballerup/reports/council-annual.pdf?period=2026")
            .await
            .bytes()
            .await
            .unwrap();
        let text = pdf_text(&pdf, None);
        for want in [
            "Klimaeffekt",
            "«Testudgivelse 2025» (også indlæst: Testudgivelse 2024)",
            "58.530 t",
            "173.530 t",
            "78.530 t",
            "120.000 t",
            "198.530",
            "30.000.000 kr.",
            "De ti tiltag med størst forventet effekt",
        ] {
            assert!(
                text.contains(want),
                "the council report lacks {want:?}:\n{text}"
            );
        }
        let pdf = app
            .get("/api/v1/plans/ballerup/reports/green-accounts.pdf?period=2026")
            .await
            .bytes()
            .await
            .unwrap();
        let text = pdf_text(&pdf, None);
        for want in [
            "Udledning pr. sektor mod året før",
            "210.580",
            "198.530",
            "-12.050 (-5,7 %)",
        ] {
            assert!(
                text.contains(want),
                "the green accounts lack {want:?}:\n{text}"
            );
        }
    }

    // The exports carry the estimates, the inventory of both releases and the manko.
    if crate::exports::readers() {
        let xlsx = app
            .get("/api/v1/plans/ballerup/export.xlsx")
            .await
            .bytes()
            .await
            .unwrap();
        let book = crate::exports::python(
            r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
rows = lambda n: [[c.value for c in r] for r in wb[n].iter_rows(min_row=2)]
print(json.dumps({"sheets": wb.sheetnames, "effects": rows("Klimaeffekt"), "inventory": len(rows("Udledning")),
  "releases": sorted({r[0] for r in rows("Udledning")}), "targets": rows("Mål og manko")}, default=str))
"#,
            &xlsx,
            ".xlsx",
        );
        for s in [
            "Klimaeffekt",
            "Udledning",
            "Mål og manko",
            "Skyggepriser",
            "Klimavurderinger",
        ] {
            assert!(
                book["sheets"].as_array().unwrap().contains(&json!(s)),
                "{s}"
            );
        }
        assert_eq!(book["inventory"], 55);
        assert_eq!(book["releases"], json!([OLD, NEW]));
        assert_eq!(book["effects"][0][0], 14);
        assert_eq!(book["effects"][0][2], 20000);
        assert_eq!(book["targets"][0][9], 58530);
        let csv = app
            .get("/api/v1/plans/ballerup/export.csv")
            .await
            .text()
            .await
            .unwrap();
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let headers = r.headers().unwrap().clone();
        let col = headers
            .iter()
            .position(|h| h == "Tiltagets effekt (t CO₂e/år)")
            .expect("the CSV has the measure's effect");
        let row = r
            .records()
            .map(Result::unwrap)
            .find(|rec| &rec[0] == "14.1")
            .unwrap();
        assert_eq!(&row[col], "20000");
    }
}
both!(inventory_targets_and_the_manko);

async fn climate_assessments_of_committee_cases(app: TestApp) {
    let admin = app.admin().await;
    owner_of(&app, "Center for Økonomi", 1).await;
    let owner_of_1 = app
        .token(TokenKind::Owner, "Center for Økonomi", &[1])
        .await;
    let other = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let (s, _) = put(
        &app,
        &admin,
        "/api/v1/plans/ballerup/shadow-prices/2024",
        json!({"dkk_per_tonne": 1500, "source": "Århusmodellen (testpris)"}),
    )
    .await;
    assert_eq!(s, 200);
    let case = json!({
        "title": "Indkøb af 12 skraldebiler",
        "committee": "Teknik- og Miljøudvalget",
        "meeting_date": "2026-11-03",
        "case_ref": "26/1234",
        "options": [{"label": "Diesel", "tonnes": 310}, {"label": "El", "tonnes": -40.5}]
    });
    let post = |token: String, body: Value| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(app.url("/api/v1/plans/ballerup/climate-assessments"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let s = res.status().as_u16();
            (s, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, _) = post(other.clone(), case.clone()).await;
    assert_eq!(s, 403, "an owner of another measure");
    let (s, v) = post(
        owner_of_1.clone(),
        json!({"title": "x", "committee": "y", "meeting_date": "2026-11-03", "options": []}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("options"), "{v}");
    assert_eq!(
        app.get_json("/api/v1/plans/ballerup/climate-assessments")
            .await,
        json!([])
    );
    let (s, v) = post(owner_of_1.clone(), case.clone()).await;
    assert_eq!(s, 201, "{v}");
    // Valued at the price that holds in 2026 (set for 2024), counted for sub-goal 1.1.
    assert_eq!(v["sub_goal"], "1.1");
    assert_eq!(
        (v["price_dkk_per_tonne"].clone(), v["price_year"].clone()),
        (json!(1500.0), json!(2024))
    );
    assert_eq!(v["options"][0]["value_dkk"], 465_000.0);
    assert_eq!(v["options"][1]["value_dkk"], -60_750.0);
    // A later price does not rewrite what the committee was shown.
    put(
        &app,
        &admin,
        "/api/v1/plans/ballerup/shadow-prices/2026",
        json!({"dkk_per_tonne": 2000, "source": "Ny testpris"}),
    )
    .await;
    let listed = app
        .get_json("/api/v1/plans/ballerup/climate-assessments")
        .await;
    assert_eq!(listed[0]["options"][0]["value_dkk"], 465_000.0);

    let html = page(&app, "/ballerup/klima").await;
    for want in [
        "Indkøb af 12 skraldebiler",
        "Teknik- og Miljøudvalget, 3. november 2026, sag 26/1234",
        "465.000 kr.",
        "-60.750 kr.",
    ] {
        assert!(html.contains(want), "{want}");
    }
    let html = page(&app, "/ballerup/tiltag/1").await;
    assert!(
        html.contains(
            "Klimavurderinger af udvalgssager registreret: 1, senest til mødet 3. november 2026."
        ),
        "sub-goal 1.1 shows its evidence"
    );
}
both!(climate_assessments_of_committee_cases);

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(args)
        .env("DATABASE_URL", app.config.database_url())
        .env("KLIMASPOR_DATA_DIR", &app.config.db.data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run klimaspor")
}

async fn the_command_line_imports_the_same_inventory(app: TestApp) {
    let bad = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        bad.path(),
        with_line(3, "2019;El og varme;x;t CO2e;Test;Testudgivelse 2024"),
    )
    .unwrap();
    let out = cli(&app, &["emissions-import", bad.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("række 3, Værdi"), "{err}");
    assert_eq!(
        overview(&app).await["release"],
        Value::Null,
        "nothing written"
    );

    let out = cli(&app, &["emissions-import", FIXTURE, "--plan", "ballerup"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("imported release Testudgivelse 2025: 30 values"),
        "{said}"
    );
    let out = cli(&app, &["emissions-import", FIXTURE]);
    assert!(!out.status.success(), "a stored release needs --replace");
    let out = cli(&app, &["emissions-import", FIXTURE, "--replace"]);
    assert!(out.status.success());
    set_figures(&app, &app.admin().await).await;
    assert_the_numbers(&overview(&app).await);
}
both!(the_command_line_imports_the_same_inventory);
