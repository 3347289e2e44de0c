//! The public web site over HTTP: every page type, its headers, escaping, errors, languages,
//! caching and assets. The same pages in a real browser: `browser.rs`.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, spawn_app_with};

/// A department that owns measure `measure`, made over the API; returns its id.
pub async fn owner_of(app: &TestApp, name: &str, measure: i32) -> i64 {
    let admin = app.admin().await;
    let res = app
        .client
        .post(app.url("/api/v1/owners"))
        .bearer_auth(&admin)
        .json(&json!({"name": name, "email": "klima@ballerup.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = app
        .client
        .put(app.url(&format!("/api/v1/plans/ballerup/measures/{measure}/owners")))
        .bearer_auth(&admin)
        .json(&json!({"owner_ids": [id]}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    id
}

/// A note an owner reports on sub-goal `key`.
pub async fn report_note(app: &TestApp, key: &str, note: &str) {
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal(key).await;
    let body = json!({"status": "on_track", "progress": 40, "note": note, "as_of": klimaspor::clock::today()});
    let res = app
        .post_progress(id, Some(&admin), Some(&etag), &body)
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

async fn page(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

async fn every_page_type_answers_in_danish_with_its_security_headers(app: TestApp) {
    let owner = owner_of(&app, "Center for Miljø og Klima", 12).await;
    let paths = [
        "/ballerup".to_string(),
        "/ballerup/tema/1".into(),
        "/ballerup/tiltag/12".into(),
        "/ballerup/delmaal".into(),
        "/ballerup/delmaal?tema=2&rolle=own&status=not_reported&aar=2030&forsinket=ja&sorter=frist"
            .into(),
        "/ballerup/noegletal".into(),
        format!("/ballerup/ansvarlig/{owner}"),
        "/ballerup/rapporter".into(),
        "/ballerup/soeg?q=cykel".into(),
    ];
    for path in &paths {
        let (status, h, body) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.starts_with("<!DOCTYPE html>") && body.contains(r#"<html lang="da">"#),
            "{path}"
        );
        assert!(body.contains("Gå til sidens indhold"), "{path}: skip link");
        assert!(body.contains("Tilgængelighedserklæring"), "{path}: footer");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("referrer-policy"));
        assert!(
            !body.contains("http://")
                || body.contains("iframe")
                || !body.contains("<script src=\"http"),
            "{path}: nothing from another host"
        );
    }
    // The measure page links its owner, and the owner page names the measure.
    let (_, _, m) = page(&app, "/ballerup/tiltag/12").await;
    assert!(m.contains(&format!("/ballerup/ansvarlig/{owner}")));
    let (_, _, o) = page(&app, &format!("/ballerup/ansvarlig/{owner}")).await;
    assert!(o.contains("Center for Miljø og Klima") && o.contains("Tiltag 12"));
    // Only the embeds may be framed, by the configured ancestors.
    let (status, h, body) = page(&app, "/ballerup/indlejr/overblik").await;
    assert_eq!(status, 200);
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'self'")
    );
    assert!(!h.contains_key("x-frame-options"));
    assert!(body.contains("delmål er opfyldt"));
    // The dashboard offers the snippet for its widget.
    let (_, _, d) = page(&app, "/ballerup").await;
    assert!(d.contains("/ballerup/indlejr/overblik"), "embed snippet");
    // English, remembered in the links.
    let (_, _, en) = page(&app, "/ballerup/tiltag/12?lang=en").await;
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("All sub-goals"));
    assert!(en.contains(r#"href="/ballerup/delmaal?lang=en""#));
    assert!(
        en.contains(r#"href="/ballerup/tiltag/12""#),
        "the switch back to Danish"
    );
}
both!(every_page_type_answers_in_danish_with_its_security_headers);

async fn a_note_with_markup_shows_as_text_and_is_found(app: TestApp) {
    report_note(
        &app,
        "12.1",
        "<script>alert('x')</script> Vi har opsat 40 ladestandere.",
    )
    .await;
    for path in [
        "/ballerup/tiltag/12",
        "/ballerup",
        "/ballerup/soeg?q=ladestander",
    ] {
        let (status, _, body) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains("<script>alert"),
            "{path}: the note's markup is escaped"
        );
        assert!(
            body.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
            "{path}: the note, as text"
        );
    }
    let (_, _, s) = page(&app, "/ballerup/soeg?q=ladestander").await;
    assert!(s.contains("<mark>ladestandere</mark>"), "the hit is marked");
}
both!(a_note_with_markup_shows_as_text_and_is_found);

async fn pages_revalidate_with_their_etag_until_the_plan_changes(app: TestApp) {
    let res = app.get("/ballerup/tiltag/12").await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .client
        .get(app.url("/ballerup/tiltag/12"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    report_note(&app, "12.1", "Ny status").await;
    let after = app
        .client
        .get(app.url("/ballerup/tiltag/12"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200, "a new note is a new page");
    assert!(after.text().await.unwrap().contains("Ny status"));
}
both!(pages_revalidate_with_their_etag_until_the_plan_changes);

async fn unknown_pages_get_a_danish_page_and_the_api_stays_json(app: TestApp) {
    for path in [
        "/ingen-plan",
        "/ballerup/tiltag/999",
        "/ballerup/tema/99",
        "/ballerup/tiltag/abc",
        "/ballerup/noegletal/nope",
        "/ballerup/ansvarlig/9999",
        "/ballerup/rapporter/77",
    ] {
        let (status, h, body) = page(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            h["content-type"].to_str().unwrap().starts_with("text/html"),
            "{path}"
        );
        assert!(body.contains("Siden findes ikke"), "{path}");
    }
    let res = app.get("/api/v1/nope").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // A filter the page cannot use is a 400 page that names the field.
    for q in [
        "status=bogus",
        "aar=tusind",
        "forsinket=måske",
        "tema=99",
        "ansvarlig=x",
        "sorter=navn",
    ] {
        let (status, _, body) = page(&app, &format!("/ballerup/delmaal?{q}")).await;
        assert_eq!(status, 400, "{q}");
        assert!(
            body.contains("Siden kan ikke vises") && body.contains("kan ikke have værdien"),
            "{q}"
        );
    }
    let long = "a".repeat(201);
    let (status, _, _) = page(&app, &format!("/ballerup/soeg?q={long}")).await;
    assert_eq!(status, 400);
    // A trailing slash or an extra segment is no page; a segment may be percent-encoded.
    for path in [
        "/ballerup/",
        "/ballerup/tiltag/12/",
        "/ballerup/tiltag/12/x",
    ] {
        assert_eq!(page(&app, path).await.0, 404, "{path}");
    }
    assert_eq!(page(&app, "/ballerup/tiltag/%31%32").await.0, 200);
}
both!(unknown_pages_get_a_danish_page_and_the_api_stays_json);

async fn pages_are_read_only_and_counted_by_their_route(app: TestApp) {
    let res = app
        .client
        .post(app.url("/ballerup/tiltag/12"))
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .head(app.url("/ballerup/tiltag/12"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for path in [
        "/ballerup/tiltag/12",
        "/ballerup/tiltag/13",
        "/nope/x/y/z/w",
    ] {
        page(&app, path).await;
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let count = |route: &str, status: u16| {
        let prefix = format!(
            "klimaspor_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}} "
        );
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.parse::<u64>().ok())
    };
    // The metrics are the process's, shared by the tests running beside this one: at least.
    assert!(
        count("/{plan}/tiltag/{number}", 200).is_some_and(|n| n >= 2),
        "{metrics}"
    );
    assert!(count("unmatched", 404).is_some_and(|n| n >= 1), "{metrics}");
    assert!(
        !metrics.contains("route=\"/ballerup"),
        "paths are not labels: {metrics}"
    );
}
both!(pages_are_read_only_and_counted_by_their_route);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_site_answers_a_sign_in_page() {
    let Some(app) =
        spawn_app_with(crate::helpers::Backend::Sqlite, |c| c.public_read = false).await
    else {
        return;
    };
    for path in ["/", "/ballerup", "/ballerup/tiltag/1", "/ballerup/soeg?q=x"] {
        let (status, _, body) = page(&app, path).await;
        assert_eq!(status, 401, "{path}");
        assert!(
            body.contains("Log ind") && !body.contains("Tiltag 1:"),
            "{path}"
        );
    }
    let (_, _, robots) = page(&app, "/robots.txt").await;
    assert!(robots.contains("Disallow: /\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_named_by_content_cached_for_good_and_sent_compressed() {
    let Some(app) = spawn_app_with(crate::helpers::Backend::Sqlite, |_| {}).await else {
        return;
    };
    let (_, _, body) = page(&app, "/ballerup").await;
    let re = regex::Regex::new(r#"href="(/assets/dkfds-min\.[0-9a-f]+\.css)""#).unwrap();
    let css = re.captures(&body).expect("the stylesheet")[1].to_string();
    let gz = app
        .client
        .get(app.url(&css))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(
        gz.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let gz_len = gz.bytes().await.unwrap().len();
    let plain = app.client.get(app.url(&css)).send().await.unwrap();
    assert!(!plain.headers().contains_key("content-encoding"));
    let text = plain.text().await.unwrap();
    assert!(gz_len * 4 < text.len(), "{gz_len} vs {}", text.len());
    // Every URL the stylesheet names is served.
    let url = regex::Regex::new(r"url\((/assets/[^)]+)\)").unwrap();
    let mut n = 0;
    for c in url.captures_iter(&text).take(20) {
        assert_eq!(app.get(&c[1]).await.status(), 200, "{}", &c[1]);
        n += 1;
    }
    assert!(n > 0);
    assert_eq!(app.get("/assets/nope.css").await.status(), 404);
    // The sitemap lists the measures; robots.txt points at it.
    let (_, _, sitemap) = page(&app, "/sitemap.xml").await;
    assert!(sitemap.contains("/ballerup/tiltag/64</loc>"));
    let (_, _, robots) = page(&app, "/robots.txt").await;
    assert!(robots.contains("Sitemap: http://127.0.0.1:8080/sitemap.xml"));
    // With one plan, / opens it.
    let res = app.get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/ballerup");
}

/// A UGO status sent by the scheduler: its run id.
pub async fn sent_ugo_status(app: &TestApp) -> i64 {
    sent_ugo_status_for(app, "2026-H1").await
}

/// Ask for the UGO status of `period` and wait until the scheduler has sent it; its run id.
pub async fn sent_ugo_status_for(app: &TestApp, period: &str) -> i64 {
    let admin = app.admin().await;
    let res = app
        .client
        .post(app.url("/api/v1/report-runs"))
        .bearer_auth(&admin)
        .json(&json!({"plan": "ballerup", "kind": "ugo-status", "period": period}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    for _ in 0..150 {
        let run = app.get_json(&location).await;
        if run["state"] == "sent" {
            return run["id"].as_i64().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the UGO status was not sent");
}

async fn a_sent_report_is_listed_with_its_pdf_and_reads_the_same_as_a_page(
    backend: crate::helpers::Backend,
) {
    let Some(app) = spawn_app_with(backend, |c| c.no_scheduler = false).await else {
        return;
    };
    let id = sent_ugo_status(&app).await;
    let (_, _, list) = page(&app, "/ballerup/rapporter").await;
    assert!(list.contains("Halvårlig status til UGO, 1. halvår 2026"));
    assert!(list.contains(&format!("/ballerup/rapporter/{id}/pdf")));
    let pdf = app.get(&format!("/ballerup/rapporter/{id}/pdf")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    use sha2::Digest as _;
    let sha = hex::encode(sha2::Sha256::digest(&pdf));
    assert!(list.contains(&sha), "the SHA-256 shown is the PDF's");
    let api = app
        .get(&format!("/api/v1/report-runs/{id}/pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(pdf, api, "the PDF as sent");
    let (status, _, html) = page(&app, &format!("/ballerup/rapporter/{id}")).await;
    assert_eq!(status, 200);
    if !crate::reports::poppler() {
        return;
    }
    // Page 1's key facts, in the PDF and on the page: the same numbers with the same words.
    let text = crate::reports::pdf_text(&pdf, Some((1, 1)));
    let facts = regex::Regex::new(r"(?m)^(\d+) ?\n?(delmål [^\n]+|ændringer [^\n]+)$").unwrap();
    let mut n = 0;
    for c in facts.captures_iter(&text) {
        let needle = format!(r#"<span class="n">{}</span> {}"#, &c[1], c[2].trim());
        assert!(html.contains(&needle), "{needle} not on the page");
        n += 1;
    }
    assert!(n >= 3, "key facts found in the PDF: {n}\n{text}");
    let all = crate::reports::pdf_text(&pdf, None);
    for heading in [
        "1. Overblik",
        "2. Ændringer siden sidste status",
        "3. Status pr. tema",
        "4. Overskredne frister",
    ] {
        assert!(all.contains(heading) && html.contains(heading), "{heading}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_report_reads_the_same_as_a_page_sqlite() {
    a_sent_report_is_listed_with_its_pdf_and_reads_the_same_as_a_page(
        crate::helpers::Backend::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_report_reads_the_same_as_a_page_postgres() {
    a_sent_report_is_listed_with_its_pdf_and_reads_the_same_as_a_page(
        crate::helpers::Backend::Postgres,
    )
    .await;
}

/// The results of a search page: (link, text of the result) in order.
async fn search_results(app: &TestApp, q: &str) -> Vec<(String, String)> {
    let (status, _, body) = page(app, &format!("/ballerup/soeg?q={}", urlencode(q))).await;
    assert_eq!(status, 200, "{q}");
    let list = body
        .split_once("<ol class=\"search-results")
        .map_or("", |(_, rest)| rest.split("</ol>").next().unwrap_or(""));
    list.split("<li ")
        .skip(1)
        .map(|item| {
            let href = item
                .split_once("href=\"")
                .and_then(|(_, r)| r.split_once('"'))
                .map_or(String::new(), |(h, _)| h.to_string());
            (href, item.to_string())
        })
        .collect()
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The database finds the texts (PostgreSQL's `danish` configuration, SQLite's FTS5 over
/// Snowball stems), one function ranks and marks them: the same query gives the same
/// results, in the same order, on both backends, and a note is found as soon as it is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_danish_word_forms_the_same_on_both_backends() {
    let lite = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .expect("SQLite");
    let pg = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await;
    let note = "Vi har opsat 40 nye ladestandere ved rådhuset og energimærkningen er færdig.";
    let queries = [
        "energimærkningen",
        "energimærkning",
        "ladestandere",
        "ladestander rådhuset",
        "Cykelstier",
        "solceller på tagene",
        "bygninger",
        "og i at",
        "ingenting-findes-her",
    ];
    let mut answers = Vec::new();
    for app in std::iter::once(&lite).chain(pg.as_ref()) {
        // The plan has one text with the word: the count is in the singular.
        let (_, _, one) = page(app, "/ballerup/soeg?q=ladestandere").await;
        assert!(one.contains("1 resultat for »ladestandere«"), "{one}");
        let before = search_results(app, "ladestander rådhuset").await;
        report_note(app, "12.1", note).await;
        let after = search_results(app, "ladestander rådhuset").await;
        assert_eq!(
            after.len(),
            before.len() + 1,
            "the new note is found at once"
        );
        assert!(
            after
                .iter()
                .any(|(_, item)| item.contains("<mark>ladestandere</mark>")
                    && item.contains("<mark>rådhuset</mark>")),
            "{after:?}"
        );
        let mut all = Vec::new();
        for q in queries {
            all.push((q, search_results(app, q).await));
        }
        answers.push(all);
    }
    let lite_answers = &answers[0];
    let by = |q: &str| &lite_answers.iter().find(|(x, _)| *x == q).unwrap().1;
    // Word forms find each other: the seed's "energimærkning" and the note's "energimærkningen".
    assert_eq!(by("energimærkningen"), by("energimærkning"));
    assert!(
        by("energimærkningen").len() >= 2,
        "{:?}",
        by("energimærkningen")
    );
    assert!(!by("ladestandere").is_empty());
    assert!(by("og i at").is_empty(), "stop words alone find nothing");
    assert!(by("ingenting-findes-her").is_empty());
    if let Some(pg_answers) = answers.get(1) {
        for ((q, a), (_, b)) in lite_answers.iter().zip(pg_answers) {
            let links =
                |r: &Vec<(String, String)>| r.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>();
            assert_eq!(
                links(a),
                links(b),
                "{q}: the same results on SQLite and PostgreSQL"
            );
        }
    }
}
