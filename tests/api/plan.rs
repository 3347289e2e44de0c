//! Reading the plan over HTTP.

use klimaspor::domain::token::TokenKind;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, assert_problem};

fn numbers(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["number"].as_i64().expect("number"))
        .collect()
}

async fn whole_plan_in_one_request(app: TestApp) {
    let plans = app.get_json("/api/v1/plans").await;
    assert_eq!(plans[0]["slug"], "ballerup");
    assert_eq!(plans[0]["municipality"], "Ballerup Kommune");

    // Served from the view cache in slices of 16 KiB: one body, its length declared up front.
    let res = app.get("/api/v1/plans/ballerup/measures").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("transfer-encoding").is_none());
    let declared = res.content_length();
    let body = res.bytes().await.unwrap();
    assert!(
        body.len() > 3 * 16 * 1024,
        "several slices: {} bytes",
        body.len()
    );
    assert_eq!(declared, Some(body.len() as u64));
    let page: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["total"], 64);
    assert_eq!(numbers(&page), (1..=64).collect::<Vec<_>>());
    let goals: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["sub_goals"].as_array().unwrap())
        .collect();
    assert_eq!(goals.len(), 84);
    for g in &goals {
        assert!(
            g["status"].is_string() && g["etag"].is_string() && g["deadline"]["label"].is_string()
        );
    }
    // The administration's decisions are the current state.
    let by_key = |k: &str| *goals.iter().find(|g| g["key"] == k).expect(k);
    assert_eq!(by_key("11.1")["status"], "dropped");
    assert_eq!(by_key("11.1")["status_reason"], "Mål udgår");
    assert_eq!(by_key("33.1")["deadline"]["year"], 2024);
    assert_eq!(by_key("44.2")["deadline"]["due_date"], "2023-06-30");
    assert!(by_key("12.1")["text"].as_str().unwrap().contains("LED"));
    assert!(
        by_key("59.1")["target"]["target_value"].is_null(),
        "xx ha stays undefined"
    );

    let themes = app.get_json("/api/v1/plans/ballerup/themes").await;
    let themes = themes.as_array().unwrap();
    assert_eq!(
        themes.iter().filter(|t| t["parent_code"].is_null()).count(),
        7
    );
    assert!(
        themes
            .iter()
            .any(|t| t["code"] == "3.2" && t["parent_code"] == "3")
    );
    let plan = app.get_json("/api/v1/plans/ballerup").await;
    assert_eq!(plan["baseline_year"], 2015);
    assert_eq!(plan["themes"].as_array().unwrap().len(), themes.len());
}
both!(whole_plan_in_one_request);

async fn measure_detail_has_comments_assessment_and_history(app: TestApp) {
    let m = app.get_json("/api/v1/plans/ballerup/measures/33").await;
    assert_eq!(m["role"], "co_owner");
    assert_eq!(m["theme_code"], "4");
    assert_eq!(m["comments"].as_array().unwrap().len(), 5);
    assert_eq!(m["comments"][0]["body"], "UGO");
    assert_eq!(m["comments"][0]["text"], "det skal være i 2024");
    assert!(
        m["assessment"]
            .as_str()
            .unwrap()
            .starts_with("Målsætning ændret til 2024")
    );
    let rev = &m["revisions"][0];
    assert_eq!(rev["sub_goal_key"], "33.1");
    assert_eq!(rev["old_deadline"]["year"], 2025);
    assert_eq!(rev["new_deadline"]["year"], 2024);
    assert_eq!(rev["reason"], "Målsætning ændret til 2024");
    assert_eq!(rev["changed_by"], "Administrationen");

    let m12 = app.get_json("/api/v1/plans/ballerup/measures/12").await;
    assert_eq!(
        m12["revisions"][0]["old_text"],
        "Spare på energiforbruget, så der er nok til absolut nødvendige forbrug."
    );
    assert_problem(app.get("/api/v1/plans/ballerup/measures/65").await, 404).await;
    assert_problem(app.get("/api/v1/plans/aarhus/measures").await, 404).await;
}
both!(measure_detail_has_comments_assessment_and_history);

async fn filters_and_pages(app: TestApp) {
    let page = app
        .get_json("/api/v1/plans/ballerup/measures?theme=3")
        .await;
    assert_eq!(numbers(&page), (12..=27).collect::<Vec<_>>());
    let page = app
        .get_json("/api/v1/plans/ballerup/measures?theme=3.2&role=own")
        .await;
    assert_eq!(numbers(&page), vec![19, 20]);
    let page = app
        .get_json("/api/v1/plans/ballerup/measures?role=co_owner")
        .await;
    assert_eq!(numbers(&page), vec![21, 22, 33, 34, 35, 42, 43, 55]);

    let dropped = app
        .get_json("/api/v1/plans/ballerup/subgoals?status=dropped")
        .await;
    assert_eq!(dropped["total"], 1);
    assert_eq!(dropped["items"][0]["key"], "11.1");

    let y2035 = app
        .get_json("/api/v1/plans/ballerup/subgoals?deadline_year=2035")
        .await;
    let keys: Vec<&str> = y2035["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["21.1", "24.1", "25.1"]);

    // Overdue is judged against as_of: in mid-2024 only the 2023 deadlines have passed.
    let overdue = app
        .get_json("/api/v1/plans/ballerup/subgoals?overdue=true&as_of=2024-03-01&per_page=500")
        .await;
    for g in overdue["items"].as_array().unwrap() {
        assert_eq!(g["deadline"]["year"], 2023, "{g}");
        assert_eq!(g["flags"]["overdue"], true);
    }
    assert!(overdue["total"].as_u64().unwrap() > 10);
    let none_yet = app
        .get_json("/api/v1/plans/ballerup/subgoals?overdue=true&as_of=2023-01-01")
        .await;
    assert_eq!(none_yet["total"], 0);

    let p2 = app
        .get_json("/api/v1/plans/ballerup/measures?per_page=10&page=2")
        .await;
    assert_eq!(numbers(&p2), (11..=20).collect::<Vec<_>>());
    assert_eq!(p2["total"], 64);

    // Owner filter, after an admin assigns an owner.
    let admin = app.admin().await;
    let owner = app
        .client
        .post(app.url("/api/v1/owners"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Center for Miljø og Klima", "email": "miljo@ballerup.dk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(owner.status(), 201);
    let owner: Value = owner.json().await.unwrap();
    let put = app
        .client
        .put(app.url("/api/v1/plans/ballerup/measures/42/owners"))
        .bearer_auth(&admin)
        .json(&json!({"owner_ids": [owner["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let mine = app
        .get_json("/api/v1/plans/ballerup/measures?owner=Center%20for%20Milj%C3%B8%20og%20Klima")
        .await;
    assert_eq!(numbers(&mine), vec![42]);
    let by_id = app
        .get_json(&format!(
            "/api/v1/plans/ballerup/subgoals?owner={}",
            owner["id"]
        ))
        .await;
    assert_eq!(by_id["total"], 2);

    assert_problem(
        app.get("/api/v1/plans/ballerup/measures?theme=99").await,
        422,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/measures?per_page=0").await,
        422,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/measures?status=done").await,
        400,
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans/ballerup/measures?colour=green")
            .await,
        400,
    )
    .await;
}
both!(filters_and_pages);

async fn indicators_and_yearly_values(app: TestApp) {
    let list = app.get_json("/api/v1/plans/ballerup/indicators").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 19);
    let plast = list
        .iter()
        .find(|i| i["code"] == "genanvendelse-plast")
        .unwrap();
    assert_eq!(plast["sub_goal"], "42.1");
    assert_eq!(plast["target_value"], 80.0);
    let id = plast["id"].as_i64().unwrap();

    let admin = app.admin().await;
    let put = |year: i32, value: f64| {
        app.client
            .put(app.url(&format!("/api/v1/indicators/{id}/values/{year}")))
            .bearer_auth(&admin)
            .json(&json!({"value": value, "note": "Grønt regnskab"}))
            .send()
    };
    assert_eq!(put(2025, 61.5).await.unwrap().status(), 201);
    assert_eq!(put(2025, 62.0).await.unwrap().status(), 200);
    let v = app
        .get_json(&format!("/api/v1/indicators/{id}/values/2025"))
        .await;
    assert_eq!(v["value"], 62.0);
    assert_eq!(v["updated_by"], "Klimasekretariatet");
    assert_problem(
        app.get(&format!("/api/v1/indicators/{id}/values/2024"))
            .await,
        404,
    )
    .await;
    assert_problem(put(1999, 1.0).await.unwrap(), 422).await;
    // The plan's list carries each indicator's own values, in year order.
    assert_eq!(put(2023, 55.0).await.unwrap().status(), 201);
    let list = app.get_json("/api/v1/plans/ballerup/indicators").await;
    let list = list.as_array().unwrap();
    let plast = list
        .iter()
        .find(|i| i["code"] == "genanvendelse-plast")
        .unwrap();
    let years: Vec<_> = plast["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["year"].as_i64().unwrap(), v["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(years, vec![(2023, 55.0), (2025, 62.0)]);
    assert_eq!(plast["sub_goal"], "42.1");
    let others: usize = list
        .iter()
        .filter(|i| i["id"] != plast["id"])
        .map(|i| i["values"].as_array().unwrap().len())
        .sum();
    assert_eq!(others, 0, "no other indicator has values yet");

    let new = json!({"code": "co2-udledning", "name": "CO₂-udledning i alt", "unit": "t CO₂e",
                     "baseline_year": 2015, "baseline_value": 250000.0, "target_value": 0.0, "target_year": 2050});
    let post = || {
        app.client
            .post(app.url("/api/v1/plans/ballerup/indicators"))
            .bearer_auth(&admin)
            .json(&new)
            .send()
    };
    let created = post().await.unwrap();
    assert_eq!(created.status(), 201);
    let loc = created.headers()["location"].to_str().unwrap().to_string();
    let got = app.get_json(&loc).await;
    assert_eq!(got["name"], "CO₂-udledning i alt");
    assert_problem(post().await.unwrap(), 409).await;
}
both!(indicators_and_yearly_values);

async fn data_survives_a_restart(app: TestApp) {
    let token = app
        .token(
            klimaspor::domain::token::TokenKind::Owner,
            "Center for Ejendomme",
            &[14],
        )
        .await;
    let (id, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "at_risk", "progress": 30, "note": "Mangler budget"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let app = app.restart().await;
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(g["status"], "at_risk");
    assert_eq!(g["latest_note"], "Mangler budget");
    let history = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    // The same token still works after the restart; the plan was not loaded twice.
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(g["etag"].as_str().unwrap()),
            &json!({"status": "on_track", "progress": 35}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.get_json("/api/v1/plans")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get_json("/api/v1/plans/ballerup/measures").await["total"],
        64
    );
}
both!(data_survives_a_restart);

async fn openapi_docs_and_health(app: TestApp) {
    let spec = app.get_json("/api/v1/openapi.json").await;
    let paths = spec["paths"].as_object().unwrap();
    for p in [
        "/api/v1/plans",
        "/api/v1/plans/{slug}",
        "/api/v1/plans/{slug}/themes",
        "/api/v1/plans/{slug}/measures",
        "/api/v1/plans/{slug}/measures/{number}",
        "/api/v1/plans/{slug}/measures/{number}/owners",
        "/api/v1/plans/{slug}/subgoals",
        "/api/v1/plans/{slug}/indicators",
        "/api/v1/subgoals/{id}",
        "/api/v1/subgoals/{id}/progress",
        "/api/v1/indicators/{id}/values/{year}",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
    let post = &paths["/api/v1/subgoals/{id}/progress"]["post"]["responses"];
    for code in ["201", "401", "403", "404", "412", "422", "428"] {
        assert!(post.get(code).is_some(), "progress POST documents {code}");
    }
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());

    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
    // The UI loads the document the server serves.
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status(), 200);
    assert!(init.text().await.unwrap().contains("/api/v1/openapi.json"));
    assert_eq!(app.get_json("/healthz").await["status"], "ok");
    assert_eq!(app.get_json("/readyz").await["status"], "ready");
}
both!(openapi_docs_and_health);

async fn metrics_show_requests_and_report_runs(app: TestApp) {
    let admin = app.admin().await;
    assert_eq!(
        app.get("/api/v1/plans/ballerup/measures/7").await.status(),
        200
    );
    let res = app
        .client
        .post(app.url("/api/v1/report-runs"))
        .bearer_auth(&admin)
        .json(&json!({"plan": "ballerup", "kind": "green-accounts", "period": "2025"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with(
            "klimaspor_http_requests_total{method=\"GET\",route=\"/api/v1/plans/{slug}/measures/{number}\",status=\"200\"}"
        )),
        "{text}"
    );
    assert!(text.contains("klimaspor_http_request_duration_seconds_bucket"));
    assert!(
        text.contains("klimaspor_report_runs{kind=\"green-accounts\",state=\"pending\"} 1"),
        "{text}"
    );
    assert!(text.contains("klimaspor_outbox_backlog 0"));
    assert!(text.contains("klimaspor_db_pool_connections{state=\"max\"}"));
}
both!(metrics_show_requests_and_report_runs);

/// GET with `If-None-Match` → the response, its ETag and whether it was a 304.
async fn revalidate(app: &TestApp, path: &str, etag: Option<&str>) -> (u16, String, Value) {
    let mut req = app.client.get(app.url(path));
    if let Some(e) = etag {
        req = req.header("If-None-Match", e);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let tag = res.headers()["etag"].to_str().expect("etag").to_string();
    if status == 200 {
        assert_eq!(res.headers()["cache-control"], "no-cache");
    }
    let text = res.text().await.expect("body");
    let body = if status == 304 {
        assert!(text.is_empty(), "a 304 has no body");
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json")
    };
    (status, tag, body)
}

/// HEAD answers what GET would, without the body: a client can check a view's ETag, size and
/// type (and a sub-goal's ETag before an If-Match write) without downloading it.
async fn head_is_answered_like_get(app: TestApp) {
    let (id, _) = app.sub_goal("12.1").await;
    for path in [
        "/api/v1/plans/ballerup/measures".to_string(),
        format!("/api/v1/subgoals/{id}"),
        "/api/v1/plans/ballerup/reports/council-annual.pdf?period=2026".to_string(),
        "/api/v1/plans/nowhere/measures".to_string(),
    ] {
        let get = app.client.get(app.url(&path)).send().await.unwrap();
        let head = app.client.head(app.url(&path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        for h in ["etag", "content-type", "content-length"] {
            assert_eq!(head.headers().get(h), get.headers().get(h), "{path}: {h}");
        }
        let get_len = get.bytes().await.unwrap().len();
        assert!(get_len > 0, "{path}: GET has a body");
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "{path}: HEAD has none"
        );
    }
    // Only where GET is routed: HEAD on a resource that is only written is still 405.
    let res = app
        .client
        .head(app.url("/api/v1/plans/ballerup/measures/12/owners"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}
both!(head_is_answered_like_get);

/// Run SQL on the app's database through a connection of its own, as another instance, the
/// CLI or an operator with psql/sqlite3 would. Such a write is seen once the cache's
/// revalidation interval (100 ms in the test configuration) is over: wait that long.
async fn outside_write(app: &TestApp, sql: &'static str) {
    let url = app.config.database_url();
    tokio::task::spawn_blocking(move || {
        use diesel::connection::SimpleConnection;
        let (_, pool) = klimaspor::db::connect(&url, 1).expect("connect");
        pool.get().expect("conn").batch_execute(sql).expect("sql");
    })
    .await
    .expect("join");
    tokio::time::sleep(std::time::Duration::from_millis(
        app.config.cache_revalidate_ms + 20,
    ))
    .await;
}

async fn cached_views_follow_every_write(app: TestApp) {
    let list = "/api/v1/plans/ballerup/measures";
    let one = "/api/v1/plans/ballerup/measures/12";
    let goals = "/api/v1/plans/ballerup/subgoals?deadline_year=2025";
    let (s, list_tag, _) = revalidate(&app, list, None).await;
    assert_eq!(s, 200);
    let (s, one_tag, _) = revalidate(&app, one, None).await;
    assert_eq!(s, 200);
    let (s, goals_tag, _) = revalidate(&app, goals, None).await;
    assert_eq!(s, 200);
    for (path, tag) in [(list, &list_tag), (one, &one_tag), (goals, &goals_tag)] {
        let (s, again, _) = revalidate(&app, path, Some(tag)).await;
        assert_eq!((s, &again), (304, tag), "{path} unchanged");
    }
    // Another query is another representation: in 2031 the 2030 deadlines are overdue.
    let (s, _, page) = revalidate(&app, &format!("{list}?as_of=2031-01-01"), Some(&list_tag)).await;
    assert_eq!(s, 200, "the listing at another date");
    assert!(page["items"][0]["sub_goals"][0]["flags"].is_object());

    // A progress report through the API: every view that shows the sub-goal changes.
    let token = app.admin().await;
    let (id, etag) = app.sub_goal("12.1").await;
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "achieved", "progress": 100, "as_of": "2026-10-31",
                    "achieved_on": "2026-10-01", "note": "LED overalt"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (s, list_tag2, page) = revalidate(&app, list, Some(&list_tag)).await;
    assert_eq!(s, 200, "the listing after a progress report");
    assert_ne!(list_tag2, list_tag);
    let g = page["items"][11]["sub_goals"][0].clone();
    assert_eq!(
        (g["key"].as_str(), g["status"].as_str()),
        (Some("12.1"), Some("achieved"))
    );
    let (s, one_tag2, m) = revalidate(&app, one, Some(&one_tag)).await;
    assert_eq!(s, 200, "the measure after a progress report");
    assert_eq!(m["sub_goals"][0]["latest_note"], "LED overalt");
    let (s, _, _) = revalidate(&app, list, Some(&list_tag2)).await;
    assert_eq!(s, 304, "and unchanged again after that");

    // Writes that bypass this server (another instance, the CLI, an operator) count too.
    outside_write(
        &app,
        "UPDATE measures SET title = 'Ny titel' WHERE number = 12",
    )
    .await;
    let (s, one_tag3, m) = revalidate(&app, one, Some(&one_tag2)).await;
    assert_eq!((s, m["title"].as_str()), (200, Some("Ny titel")));
    outside_write(
        &app,
        "UPDATE comments SET answer = 'Nyt svar' WHERE measure_id = \
         (SELECT id FROM measures WHERE number = 12)",
    )
    .await;
    let (s, one_tag4, m) = revalidate(&app, one, Some(&one_tag3)).await;
    assert_eq!(s, 200, "a changed comment");
    assert!(
        m["comments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["answer"] == "Nyt svar")
    );
    app.token(TokenKind::Owner, "Center for Ejendomme", &[12])
        .await;
    let (s, one_tag4, m) = revalidate(&app, one, Some(&one_tag4)).await;
    assert_eq!(s, 200, "an owner assigned");
    assert_eq!(m["owners"][0]["name"], "Center for Ejendomme");
    outside_write(
        &app,
        "UPDATE owners SET name = 'Omdøbt center' WHERE id IN \
         (SELECT owner_id FROM measure_owners WHERE measure_id = \
          (SELECT id FROM measures WHERE number = 12))",
    )
    .await;
    let (s, _, m) = revalidate(&app, one, Some(&one_tag4)).await;
    assert_eq!(s, 200, "a renamed owner");
    assert_eq!(m["owners"][0]["name"], "Omdøbt center");
    let (s, _, page) = revalidate(&app, list, Some(&list_tag2)).await;
    assert_eq!(s, 200);
    assert_eq!(page["items"][11]["title"], "Ny titel");
    outside_write(
        &app,
        "UPDATE sub_goals SET deadline_year = 2030 WHERE key = '33.1'",
    )
    .await;
    let (s, _, page) = revalidate(&app, goals, Some(&goals_tag)).await;
    assert_eq!(s, 200, "a moved deadline");
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["key"] != "33.1")
    );

    // Errors are never cached, and a 404 stays a 404.
    assert_problem(
        app.get("/api/v1/plans/ballerup/measures?theme=99").await,
        422,
    )
    .await;
    assert_problem(app.get("/api/v1/plans/ballerup/measures/65").await, 404).await;
}
both!(cached_views_follow_every_write);
