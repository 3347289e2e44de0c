//! Many rows at once: the export of a plan, re-imported unchanged, writes nothing; a file with
//! one bad row writes nothing and names the row; a good file of every sub-goal writes one update
//! per row; the same through the workspace's upload, preview and confirmation, where a
//! colleague's save between preview and confirmation is noticed.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;
use crate::signin::{Browser, Page, add_person, sign_in, with_smtp};
use crate::site::owner_of;

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.unwrap().to_vec()
}

async fn import(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    ct: &str,
    dry_run: bool,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/plans/ballerup/progress-import?dry_run={dry_run}"
        )))
        .bearer_auth(token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The export's CSV with `edit` applied to each data row's cells (by header name).
fn edit_csv(csv: &[u8], edit: impl Fn(usize, &mut Vec<(String, String)>)) -> Vec<u8> {
    let text = String::from_utf8(csv.to_vec()).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![]);
    w.write_record(&headers).unwrap();
    for (i, rec) in r.records().enumerate() {
        let mut cells: Vec<(String, String)> = headers
            .iter()
            .cloned()
            .zip(rec.unwrap().iter().map(String::from))
            .collect();
        edit(i, &mut cells);
        w.write_record(cells.iter().map(|(_, v)| v)).unwrap();
    }
    w.into_inner().unwrap()
}

fn set(cells: &mut [(String, String)], column: &str, value: &str) {
    let c = cells.iter_mut().find(|(h, _)| h == column).expect(column);
    c.1 = value.to_string();
}

async fn a_plan_is_imported_all_or_nothing(app: TestApp) {
    let admin = app.admin().await;
    let csv = download(&app, "/api/v1/plans/ballerup/export.csv").await;
    let xlsx = download(&app, "/api/v1/plans/ballerup/export.xlsx").await;
    let before = app.progress_count().await;

    // The export, re-imported unchanged (CSV and XLSX): nothing is written.
    for (file, ct) in [(csv.clone(), "text/csv"), (xlsx.clone(), XLSX)] {
        let (status, body) = import(&app, &admin, file, ct, false).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (body["written"].as_u64(), body["updates"].as_u64()),
            (Some(0), Some(0)),
            "{body}"
        );
        assert!(body["unchanged"].as_u64().unwrap() > 80);
    }
    assert_eq!(app.progress_count().await, before);

    // One bad row among good ones: 422 naming the row, nothing written.
    let bad = edit_csv(&csv, |i, cells| {
        set(
            cells,
            "Fremdrift (%)",
            if i == 3 { "halvtreds" } else { "50" },
        );
        set(cells, "Status", "På sporet");
    });
    let (status, body) = import(&app, &admin, bad, "text/csv", false).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(
        errors[0]["line"], 5,
        "row 4 of the data is the file's row 5"
    );
    assert_eq!(errors[0]["column"], "Fremdrift (%)");
    assert!(errors[0]["message"].as_str().unwrap().contains("halvtreds"));
    assert_eq!(app.progress_count().await, before, "nothing written");

    // Every row changed: a dry run says so and writes nothing; then every row is written.
    let good = edit_csv(&csv, |i, cells| {
        set(cells, "Status", "På sporet");
        set(cells, "Fremdrift (%)", "50");
        set(
            cells,
            "Seneste bemærkning",
            &format!("Indlæst række {}", i + 2),
        );
    });
    let rows = good
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count()
        - 1;
    assert_eq!(rows, 84, "every sub-goal of the Ballerup plan");
    let (status, body) = import(&app, &admin, good.clone(), "text/csv", true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["updates"].as_u64(), Some(rows as u64));
    assert_eq!(app.progress_count().await, before);
    let (status, body) = import(&app, &admin, good, "text/csv", false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["written"].as_u64(), Some(rows as u64), "{body}");
    assert_eq!(app.progress_count().await, before + rows as i64);
    let (id, _) = app.sub_goal("14.1").await;
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(
        (g["status"].as_str(), g["progress"].as_i64()),
        (Some("on_track"), Some(50))
    );
    assert!(
        g["latest_note"]
            .as_str()
            .unwrap()
            .starts_with("Indlæst række")
    );
    let history = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    assert_eq!(
        history[0]["reporter"], "Klimasekretariatet",
        "each an update by its author"
    );

    // An owner's token may change its own measures only; other rows unchanged are no error.
    let owner = app
        .token(
            klimaspor::domain::token::TokenKind::Owner,
            "Center for Ejendomme",
            &[14],
        )
        .await;
    let csv = download(&app, "/api/v1/plans/ballerup/export.csv").await;
    let other = edit_csv(&csv, |_, cells| {
        if cells[0].1 == "1.1" {
            set(cells, "Fremdrift (%)", "77");
        }
    });
    let (status, body) = import(&app, &owner, other, "text/csv", false).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ikke din afdelings")
    );
    let own = edit_csv(&csv, |_, cells| {
        if cells[0].1 == "14.1" {
            set(cells, "Fremdrift (%)", "61");
            set(cells, "Prognose", "Nej");
            set(cells, "Forventet år", "2027");
            set(cells, "Prognosens begrundelse", "Leverandøren er forsinket");
        }
    });
    let (status, body) = import(&app, &owner, own, "text/csv", false).await;
    assert_eq!((status, body["written"].as_u64()), (200, Some(1)), "{body}");
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(g["forecast"]["outlook"], "no");
    // And the export carries it back: re-imported, nothing changes.
    let csv = download(&app, "/api/v1/plans/ballerup/export.csv").await;
    let (_, body) = import(&app, &owner, csv, "text/csv", false).await;
    assert_eq!(body["written"].as_u64(), Some(0), "{body}");

    // Not a spreadsheet's media type, or no columns: refused, nothing written.
    let (status, _) = import(&app, &admin, b"{}".to_vec(), "application/json", false).await;
    assert_eq!(status, 415);
    let (status, body) = import(&app, &admin, b"a;b\n1;2\n".to_vec(), "text/csv", false).await;
    assert_eq!(status, 422);
    assert!(body["detail"].as_str().unwrap().contains("«Nr.»"), "{body}");
}
both!(a_plan_is_imported_all_or_nothing);

/// A multipart/form-data body as a browser sends the upload form.
fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----klimasporTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(b: &mut Browser, csrf: &str, file: &[u8]) -> Page {
    let (ct, body) = multipart(&[("csrf", csrf), ("plan", "ballerup")], file);
    let res = b
        .client
        .post(format!("{}/min-side/delmaal/import", b.base))
        .header(
            "Cookie",
            b.cookies
                .iter()
                .map(|(k, (v, _))| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .header("Origin", b.base.clone())
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Page {
        status,
        headers,
        body: res.text().await.unwrap(),
    }
}

async fn an_owner_uploads_previews_and_confirms(app: TestApp) {
    let Some((app, smtp)) = with_smtp(app).await else {
        return;
    };
    let owner = owner_of(&app, "Center for Ejendomme", 14).await as i32;
    add_person(
        &app,
        "Eva Ejendom",
        "eva@ballerup.example",
        vec![owner],
        None,
    )
    .await;
    let mut b = Browser::new(&app);
    sign_in(&mut b, &smtp, "eva@ballerup.example").await;
    let form = b.get("/min-side/delmaal/import").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.hidden("csrf");
    let csv = download(&app, "/api/v1/plans/ballerup/export.csv").await;
    let changed = edit_csv(&csv, |_, cells| {
        if cells[0].1 == "14.1" {
            set(cells, "Status", "I risiko");
            set(cells, "Fremdrift (%)", "35");
        }
    });
    let before = app.progress_count().await;

    // Without the session's token: refused.
    let forged = upload(&mut b, "forkert", &changed).await;
    assert_eq!(forged.status, 403);
    // A bad row: listed with its row number, nothing to confirm.
    let bad = edit_csv(&csv, |_, cells| {
        if cells[0].1 == "14.1" {
            set(cells, "Status", "Måske");
        }
    });
    let page = upload(&mut b, &csrf, &bad).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Ukendt status «Måske»"));
    assert!(!page.body.contains("import-save"), "nothing to confirm");

    // The preview: one change, and the form that confirms it.
    let preview = upload(&mut b, &csrf, &changed).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("I risiko, 35 % (før: Ikke startet, 0 %)"),
        "{}",
        preview.body
    );
    assert_eq!(
        app.progress_count().await,
        before,
        "a preview writes nothing"
    );
    let (data, fingerprint) = (preview.hidden("data"), preview.hidden("fingerprint"));

    // A colleague saves 14.1 meanwhile: the confirmation notices, writes nothing.
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id,
            Some(&admin),
            Some(&etag),
            &json!({"status": "on_track", "progress": 20}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let count = app.progress_count().await;
    let stale = b
        .post(
            "/min-side/delmaal/import/gem",
            &[
                ("csrf", &csrf),
                ("plan", "ballerup"),
                ("data", &data),
                ("fingerprint", &fingerprint),
            ],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("ændret af en anden"));
    assert_eq!(app.progress_count().await, count);

    // Confirming the new preview writes the update.
    let (data, fingerprint) = (stale.hidden("data"), stale.hidden("fingerprint"));
    let saved = b
        .post(
            "/min-side/delmaal/import/gem",
            &[
                ("csrf", &csrf),
                ("plan", "ballerup"),
                ("data", &data),
                ("fingerprint", &fingerprint),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let list = b.get(saved.location()).await;
    assert!(list.body.contains("1 delmål er opdateret fra regnearket"));
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(
        (g["status"].as_str(), g["progress"].as_i64()),
        (Some("at_risk"), Some(35))
    );
    let history = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    assert_eq!(history[0]["reporter"], "Eva Ejendom");
}
both!(an_owner_uploads_previews_and_confirms);
