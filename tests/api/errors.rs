//! Bad input: a clear problem+json with a precise 4xx, and nothing changed.
//!
//! One table of cases, one row each; every row is tried and the failures are reported
//! together, so one broken case does not hide the others.

use klimaspor::domain::token::TokenKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

/// One bad request and what the answer must be.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    /// `None`: the sub-goal's current ETag (the ETag is not what is wrong).
    if_match: Option<&'static str>,
    token: Who,
    content_type: &'static str,
    encoding: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    /// Part of the `detail` (empty: any).
    says: &'static str,
}

#[derive(Clone, Copy)]
enum Who {
    Nobody,
    Owner,
    Admin,
}

const JSON: &str = "application/json";

fn case(name: &'static str, method: Method, path: String, body: Value) -> Case {
    Case {
        name,
        method,
        path,
        if_match: None,
        token: Who::Owner,
        content_type: JSON,
        encoding: None,
        body: body.to_string().into_bytes(),
        status: 422,
        says: "",
    }
}

impl Case {
    fn status(mut self, status: u16, says: &'static str) -> Self {
        self.status = status;
        self.says = says;
        self
    }
    fn by(mut self, who: Who) -> Self {
        self.token = who;
        self
    }
    fn raw(mut self, body: Vec<u8>, content_type: &'static str) -> Self {
        self.body = body;
        self.content_type = content_type;
        self
    }
}

async fn counts(app: &TestApp) -> (i64, usize, usize, Value) {
    let owners = app.get_json("/api/v1/owners").await;
    let indicators = app.get_json("/api/v1/plans/ballerup/indicators").await;
    let measure = app.get_json("/api/v1/plans/ballerup/measures/14").await;
    (
        app.progress_count().await,
        owners.as_array().map_or(0, Vec::len),
        indicators.as_array().map_or(0, Vec::len),
        measure,
    )
}

async fn bad_input_is_refused_clearly_and_changes_nothing(app: TestApp) {
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal("14.1").await;
    let before = counts(&app).await;
    let progress = format!("/api/v1/subgoals/{id}/progress");
    let sub_goal = format!("/api/v1/subgoals/{id}");
    let post = |body| case("", Method::POST, progress.clone(), body);
    let owners = || "/api/v1/owners".to_string();
    let indicators = || "/api/v1/plans/ballerup/indicators".to_string();

    let cases = vec![
        Case {
            name: "malformed JSON",
            ..post(json!(null))
                .raw(b"{\"status\": \"on_track\",".to_vec(), JSON)
                .status(400, "JSON")
        },
        Case {
            name: "a number as text",
            ..post(json!({"status": "on_track", "progress": "forty"})).status(422, "progress")
        },
        Case {
            name: "an unknown field",
            ..post(json!({"status": "on_track", "progress": 40, "colour": "green"}))
                .status(422, "colour")
        },
        Case {
            name: "an unknown status",
            ..post(json!({"status": "done", "progress": 40})).status(422, "done")
        },
        Case {
            name: "progress below 0",
            ..post(json!({"status": "on_track", "progress": -3})).status(422, "progress")
        },
        Case {
            name: "a Danish date",
            ..post(json!({"status": "on_track", "progress": 40, "as_of": "27-11-2026"}))
                .status(422, "as_of")
        },
        Case {
            name: "not an object",
            ..post(json!("hello")).status(422, "expected struct")
        },
        Case {
            name: "a NUL in a note",
            ..post(json!({"status": "on_track", "progress": 40, "note": "a\u{0}b"}))
                .status(422, "note: contains a NUL character")
        },
        Case {
            name: "an escape sequence in a note",
            ..post(json!({"status": "on_track", "progress": 40, "note": "a\u{1b}[31mb"}))
                .status(422, "note: contains the control character U+001B")
        },
        Case {
            name: "a carriage return alone in a reason",
            ..post(json!({"status": "dropped", "reason": "a\rb"}))
                .by(Who::Admin)
                .status(422, "reason: contains a line break")
        },
        Case {
            name: "deeply nested arrays",
            ..post(json!(null)).raw(
                format!("{}{}", "[".repeat(30_000), "]".repeat(30_000)).into_bytes(),
                JSON,
            )
        },
        Case {
            name: "deeply nested objects",
            ..post(json!(null)).raw(
                format!(
                    "{{\"status\": \"on_track\", \"note\": {}{}}}",
                    "{\"a\":".repeat(10_000),
                    "}".repeat(10_000)
                )
                .into_bytes(),
                JSON,
            )
        },
        Case {
            name: "invalid UTF-8",
            ..post(json!(null))
                .raw(vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'], JSON)
                .status(400, "")
        },
        Case {
            name: "a body over 64 KiB",
            ..post(json!({"status": "on_track", "progress": 1, "note": "x".repeat(70 * 1024)}))
                .status(413, "65536")
        },
        Case {
            name: "a form instead of JSON",
            ..post(json!(null))
                .raw(
                    b"status=on_track".to_vec(),
                    "application/x-www-form-urlencoded",
                )
                .status(415, "")
        },
        Case {
            name: "a compressed body",
            encoding: Some("gzip"),
            ..post(json!(null))
                .raw(b"\x1f\x8b\x08\x00".to_vec(), JSON)
                .status(415, "gzip")
        },
        Case {
            name: "a stale ETag",
            if_match: Some("\"sg-1-v999\""),
            ..post(json!({"status": "on_track", "progress": 40})).status(412, "")
        },
        Case {
            name: "no token",
            ..post(json!({"status": "on_track", "progress": 40}))
                .by(Who::Nobody)
                .status(401, "")
        },
        Case {
            name: "a patch with a NUL in the text",
            ..case(
                "",
                Method::PATCH,
                sub_goal.clone(),
                json!({"text": "ny\u{0}tekst", "reason": "UGO"}),
            )
            .by(Who::Admin)
            .status(422, "text: contains a NUL character")
        },
        Case {
            name: "a patch whose target metric has a line break",
            ..case(
                "",
                Method::PATCH,
                sub_goal.clone(),
                json!({"target": {"metric": "a\nb", "unit": "stk.", "target_value": 3}, "reason": "UGO"}),
            )
            .by(Who::Admin)
            .status(422, "target.metric: contains a line break")
        },
        Case {
            name: "a patch without a reason",
            ..case(
                "",
                Method::PATCH,
                sub_goal.clone(),
                json!({"text": "ny tekst", "reason": " "}),
            )
            .by(Who::Admin)
            .status(422, "reason")
        },
        Case {
            name: "an owner named with a line break",
            ..case("", Method::POST, owners(), json!({"name": "Evil\r\nX"}))
                .by(Who::Admin)
                .status(422, "name: contains a line break")
        },
        Case {
            name: "an owner with a NUL in the name",
            ..case("", Method::POST, owners(), json!({"name": "Evil\u{0}"}))
                .by(Who::Admin)
                .status(422, "name: contains a NUL character")
        },
        Case {
            name: "an owner address carrying a header",
            ..case(
                "",
                Method::POST,
                owners(),
                json!({"name": "Center for Miljø", "email": "a@b.dk\r\nBcc: x@y.dk"}),
            )
            .by(Who::Admin)
            .status(422, "email")
        },
        Case {
            name: "an indicator name with a line break",
            ..case(
                "",
                Method::POST,
                indicators(),
                json!({"code": "ny", "name": "a\nb", "unit": "stk.", "target_value": 1, "target_year": 2030}),
            )
            .by(Who::Admin)
            .status(422, "name: contains a line break")
        },
        Case {
            name: "an indicator value note with a NUL",
            ..case(
                "",
                Method::PUT,
                "/api/v1/indicators/1/values/2025".to_string(),
                json!({"value": 3, "note": "a\u{0}"}),
            )
            .by(Who::Admin)
            .status(422, "note: contains a NUL character")
        },
        Case {
            name: "an unknown route",
            ..case("", Method::GET, "/api/v1/nothing-here".into(), json!(null)).status(404, "")
        },
        Case {
            name: "an unknown sub-goal",
            ..case("", Method::GET, "/api/v1/subgoals/999999".into(), json!(null)).status(404, "")
        },
        Case {
            name: "a sub-goal id that is not a number",
            ..case(
                "",
                Method::GET,
                "/api/v1/subgoals/not-a-number".into(),
                json!(null),
            )
            .status(404, "")
        },
        Case {
            name: "a method the resource does not have",
            ..case("", Method::DELETE, sub_goal.clone(), json!(null)).status(405, "")
        },
    ];

    let mut failures = Vec::new();
    for c in cases {
        let mut req = app
            .client
            .request(c.method.clone(), app.url(&c.path))
            .header("Content-Type", c.content_type)
            .header("If-Match", c.if_match.unwrap_or(&etag));
        if let Some(e) = c.encoding {
            req = req.header("Content-Encoding", e);
        }
        req = match c.token {
            Who::Nobody => req,
            Who::Owner => req.bearer_auth(&owner),
            Who::Admin => req.bearer_auth(&admin),
        };
        if c.method != Method::GET && c.method != Method::DELETE {
            req = req.body(c.body.clone());
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let allow = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let detail = body["detail"].as_str().unwrap_or("");
        // Deeply nested JSON may be refused as unparseable or as the wrong shape.
        let status_ok = status == c.status || (c.name.starts_with("deeply") && status == 400);
        if !status_ok {
            failures.push(format!(
                "{}: status {status}, expected {}: {body}",
                c.name, c.status
            ));
        } else if ct != "application/problem+json" {
            failures.push(format!("{}: content type '{ct}'", c.name));
        } else if !detail.contains(c.says) {
            failures.push(format!("{}: detail '{detail}' lacks '{}'", c.name, c.says));
        } else if status == 405 && allow.as_deref() != Some("GET, PATCH") {
            failures.push(format!("{}: Allow {allow:?}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    assert_eq!(
        counts(&app).await,
        before,
        "no refused request stored anything (progress, owners, indicators, the measure)"
    );
    // And the server is still serving.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(g["etag"], etag.as_str());
}
both!(bad_input_is_refused_clearly_and_changes_nothing);
