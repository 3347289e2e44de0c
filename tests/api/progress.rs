//! Owners report progress; admins change sub-goals. Nothing is lost, nothing overwritten.

use klimaspor::domain::token::TokenKind;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, assert_problem};

async fn progress_needs_the_current_etag(app: TestApp) {
    let token = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let (id, etag) = app.sub_goal("14.1").await;
    let body = json!({"status": "on_track", "progress": 40, "note": "Varmestyring i 12 skoler", "kpi_value": 6.5, "as_of": "2026-10-31"});

    assert_problem(app.post_progress(id, Some(&token), None, &body).await, 428).await;
    assert_problem(
        app.post_progress(id, Some(&token), Some("\"sg-1-v1\""), &body)
            .await,
        412,
    )
    .await;
    assert_problem(
        app.post_progress(id, Some(&token), Some("*"), &body).await,
        428,
    )
    .await;
    assert_eq!(
        app.progress_count().await,
        0,
        "refused requests change nothing"
    );

    let res = app
        .post_progress(id, Some(&token), Some(&etag), &body)
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let new_etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["update"]["reporter"], "Center for Ejendomme");
    assert_eq!(created["update"]["as_of"], "2026-10-31");
    assert_eq!(created["sub_goal"]["status"], "on_track");
    assert_eq!(created["sub_goal"]["progress"], 40);
    assert_eq!(created["sub_goal"]["latest_kpi_value"], 6.5);
    assert_eq!(created["sub_goal"]["flags"]["not_reported"], false);
    // The 201 shows exactly what a later read finds: the update and the sub-goal's new state.
    let stored = app.get_json(&location).await;
    assert_eq!(stored["note"], "Varmestyring i 12 skoler");
    assert_eq!(stored, created["update"]);
    assert_eq!(
        app.get_json(&format!("/api/v1/subgoals/{id}")).await,
        created["sub_goal"]
    );

    // The ETag just used is stale now.
    let again = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "delayed", "progress": 40}),
        )
        .await;
    let problem = assert_problem(again, 412).await;
    assert!(problem["detail"].as_str().unwrap().contains(&new_etag));

    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&new_etag),
            &json!({"status": "achieved", "achieved_on": "2026-11-01"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let g = app.get(&format!("/api/v1/subgoals/{id}")).await;
    let header_etag = g.headers()["etag"].to_str().unwrap().to_string();
    let g: Value = g.json().await.unwrap();
    assert_eq!(g, created["sub_goal"]);
    assert_eq!(g["etag"], header_etag);
    assert_eq!(g["status"], "achieved");
    assert_eq!(g["status_label"], "Opfyldt");
    assert_eq!(g["progress"], 100);
    assert_eq!(g["achieved_on"], "2026-11-01");
    assert_eq!(g["flags"]["overdue"], false);

    let history = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["achieved", "on_track"], "newest first");
}
both!(progress_needs_the_current_etag);

async fn concurrent_reports_with_one_etag_one_wins(app: TestApp) {
    let token = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[13])
        .await;
    let (id, etag) = app.sub_goal("13.1").await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/subgoals/{id}/progress"));
        let (token, etag) = (token.clone(), etag.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("If-Match", etag)
                .json(&json!({"status": "on_track", "progress": 10 + i}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    assert_eq!(codes, vec![201, 412, 412, 412, 412, 412]);
    assert_eq!(app.progress_count().await, 1);
}
both!(concurrent_reports_with_one_etag_one_wins);

async fn progress_rules_are_enforced(app: TestApp) {
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal("14.1").await;
    for (body, field) in [
        (json!({"status": "on_track", "progress": 101}), "progress"),
        (json!({"status": "on_track"}), "progress"),
        (
            json!({"status": "on_track", "progress": 5, "as_of": "2099-01-01"}),
            "as_of",
        ),
        (json!({"status": "achieved", "progress": 50}), "progress"),
        (
            json!({"status": "on_track", "progress": 5, "achieved_on": "2026-01-01"}),
            "achieved_on",
        ),
        (json!({"status": "dropped", "reason": "  "}), "reason"),
    ] {
        let p = assert_problem(
            app.post_progress(id, Some(&admin), Some(&etag), &body)
                .await,
            422,
        )
        .await;
        assert!(
            p["detail"].as_str().unwrap().contains(field),
            "{body} → {p}"
        );
    }
    // Dropping is the administration's decision, not an owner's.
    let p = assert_problem(
        app.post_progress(
            id,
            Some(&owner),
            Some(&etag),
            &json!({"status": "dropped", "reason": "Ingen midler"}),
        )
        .await,
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("administrator"));
    let res = app
        .post_progress(
            id,
            Some(&admin),
            Some(&etag),
            &json!({"status": "dropped", "reason": "Besluttet i KMB"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let g: Value = res.json().await.unwrap();
    assert_eq!(g["sub_goal"]["status_reason"], "Besluttet i KMB");
    assert_eq!(
        app.get_json(&format!("/api/v1/subgoals/{id}")).await,
        g["sub_goal"]
    );
    assert_eq!(app.progress_count().await, 1);
}
both!(progress_rules_are_enforced);

async fn admin_changes_go_into_the_revision_history(app: TestApp) {
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal("28.2").await;
    let patch = |body: Value, if_match: Option<String>| {
        let mut req = app
            .client
            .patch(app.url(&format!("/api/v1/subgoals/{id}")))
            .bearer_auth(&admin)
            .json(&body);
        if let Some(e) = if_match {
            req = req.header("If-Match", e);
        }
        req.send()
    };
    assert_problem(
        patch(json!({"deadline": {"kind": "by", "year": 2026}}), None)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_problem(patch(json!({"reason": "Intet"}), None).await.unwrap(), 422).await;
    assert_problem(
        patch(json!({"deadline": {"kind": "by"}, "reason": "x"}), None)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_problem(
        patch(
            json!({"text": "x", "reason": "x"}),
            Some("\"sg-1-v9\"".into()),
        )
        .await
        .unwrap(),
        412,
    )
    .await;

    let res = patch(
        json!({"deadline": {"kind": "by", "year": 2026},
               "target": {"metric": "Ladestandere til den kommunale bilpark", "unit": "stk.", "target_value": 150.0},
               "reason": "Udvalget har forlænget fristen og hævet målet"}),
        Some(etag.clone()),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let g: Value = res.json().await.unwrap();
    assert_eq!(g["deadline"]["label"], "Senest i 2026");
    assert_eq!(g["target"]["target_value"], 150.0);
    assert_ne!(g["etag"], etag.as_str());

    let m = app.get_json("/api/v1/plans/ballerup/measures/28").await;
    let rev = m["revisions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(rev["kind"], "edited");
    assert_eq!(rev["old_deadline"]["year"], 2025);
    assert_eq!(rev["new_deadline"]["year"], 2026);
    assert_eq!(rev["old_target"]["target_value"], 125.0);
    assert_eq!(rev["new_target"]["target_value"], 150.0);
    assert_eq!(rev["changed_by"], "Klimasekretariatet");
    assert_eq!(
        rev["reason"],
        "Udvalget har forlænget fristen og hævet målet"
    );

    // Removing the target with an explicit null.
    let res = patch(
        json!({"target": null, "reason": "Målet er ikke kvantitativt"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["target"].is_null());
}
both!(admin_changes_go_into_the_revision_history);

/// Many reports at once (on SQLite they share group commits): each request gets its own
/// outcome, every 201 is stored exactly as sent, every refusal left nothing behind.
async fn a_burst_of_reports_each_gets_its_own_outcome(app: TestApp) {
    let token = app.admin().await;
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let page = app
        .get_json("/api/v1/plans/ballerup/subgoals?per_page=500")
        .await;
    let goals: Vec<(i64, String, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] != "dropped")
        .take(40)
        .map(|g| {
            let id = g["id"].as_i64().unwrap();
            (
                id,
                g["etag"].as_str().unwrap().into(),
                g["measure_number"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for (n, (id, etag, measure)) in goals.iter().enumerate() {
        // Every third request has a stale ETag, every fifth comes from the owner of measure
        // 14 (refused elsewhere); the rest must succeed.
        let (token, etag, expect) = if n % 3 == 2 {
            (token.clone(), format!("\"sg-{id}-v99\""), 412)
        } else if n % 5 == 4 {
            (
                owner.clone(),
                etag.clone(),
                if *measure == 14 { 201 } else { 403 },
            )
        } else {
            (token.clone(), etag.clone(), 201)
        };
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/subgoals/{id}/progress"));
        let note = format!("burst {n}");
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .header("If-Match", etag)
                .json(&json!({"status": "on_track", "progress": 50, "note": note}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (n, expect, status, location, note)
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (n, expect, status, location, note) = t.await.unwrap();
        assert_eq!(status, expect, "request {n}");
        if status == 201 {
            created += 1;
            let stored = app.get_json(&location.expect("Location")).await;
            assert_eq!(stored["note"], note.as_str());
        }
    }
    assert_eq!(app.progress_count().await, created);
    assert!(created >= 20, "{created}");
}
both!(a_burst_of_reports_each_gets_its_own_outcome);
