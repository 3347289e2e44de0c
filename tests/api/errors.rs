//! Bad input: a clear problem+json with a precise 4xx, and nothing changed.

use klimaspor::domain::token::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{TestApp, assert_problem};

async fn bad_input_is_refused_clearly_and_changes_nothing(app: TestApp) {
    let token = app.token(Role::Owner, "Center for Ejendomme", &[14]).await;
    let (id, etag) = app.sub_goal("14.1").await;
    let url = app.url(&format!("/api/v1/subgoals/{id}/progress"));
    let raw = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(url.clone())
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let json_ct = "application/json";
    // Malformed JSON: 400.
    let p = assert_problem(
        raw(b"{\"status\": \"on_track\",".to_vec(), json_ct)
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("JSON"));
    // Wrong types, unknown fields, unknown enum values, out of range: 422 naming the problem.
    for (body, says) in [
        (
            json!({"status": "on_track", "progress": "forty"}),
            "progress",
        ),
        (
            json!({"status": "on_track", "progress": 40, "colour": "green"}),
            "colour",
        ),
        (json!({"status": "done", "progress": 40}), "done"),
        (json!({"status": "on_track", "progress": -3}), "progress"),
        (
            json!({"status": "on_track", "progress": 40, "as_of": "27-11-2026"}),
            "as_of",
        ),
        (json!("hello"), "expected struct"),
    ] {
        let p = assert_problem(
            raw(body.to_string().into_bytes(), json_ct).await.unwrap(),
            422,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains(says), "{body}: {p}");
    }
    // Deeply nested JSON is refused without harm (parsing stops at the first wrong value).
    for deep in [
        format!("{}{}", "[".repeat(30_000), "]".repeat(30_000)),
        format!(
            "{{\"status\": \"on_track\", \"note\": {}{}}}",
            "{\"a\":".repeat(10_000),
            "}".repeat(10_000)
        ),
    ] {
        let res = raw(deep.into_bytes(), json_ct).await.unwrap();
        let status = res.status().as_u16();
        assert!(status == 400 || status == 422, "{status}");
        assert_problem(res, status).await;
    }
    // Invalid UTF-8.
    assert_problem(
        raw(vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'], json_ct)
            .await
            .unwrap(),
        400,
    )
    .await;
    // Too large: 413, with the limit in the message.
    let big =
        json!({"status": "on_track", "progress": 1, "note": "x".repeat(70 * 1024)}).to_string();
    let p = assert_problem(raw(big.into_bytes(), json_ct).await.unwrap(), 413).await;
    assert!(p["detail"].as_str().unwrap().contains("65536"));
    // Not JSON: 415.
    assert_problem(
        raw(
            b"status=on_track".to_vec(),
            "application/x-www-form-urlencoded",
        )
        .await
        .unwrap(),
        415,
    )
    .await;
    // Compressed: 415 naming the encoding (bodies are read uncompressed only).
    let p = assert_problem(
        app.client
            .post(url.clone())
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .header("Content-Type", json_ct)
            .header("Content-Encoding", "gzip")
            .body(b"\x1f\x8b\x08\x00".to_vec())
            .send()
            .await
            .unwrap(),
        415,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("gzip"), "{p}");
    // Unknown route, unknown id, wrong method.
    assert_problem(app.get("/api/v1/nothing-here").await, 404).await;
    assert_problem(app.get("/api/v1/subgoals/999999").await, 404).await;
    assert_problem(app.get("/api/v1/subgoals/not-a-number").await, 404).await;
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/subgoals/{id}")))
        .send()
        .await
        .unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_string();
    assert_problem(res, 405).await;
    assert_eq!(allow, "GET, PATCH");

    assert_eq!(
        app.progress_count().await,
        0,
        "no refused request stored anything"
    );
    // And the server is still serving.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(g["etag"], etag.as_str());
}
both!(bad_input_is_refused_clearly_and_changes_nothing);
