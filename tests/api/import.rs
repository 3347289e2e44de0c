//! `klimaspor import`: idempotent, updates texts, never deletes progress.

use klimaspor::db::import::import_plan;
use klimaspor::domain::plan_doc::PlanDoc;
use klimaspor::domain::token::TokenKind;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

async fn import(app: &TestApp, doc: PlanDoc) -> klimaspor::db::import::ImportSummary {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        import_plan(&mut conn, &doc, "test", klimaspor::clock::now_utc()).unwrap()
    })
    .await
    .unwrap()
}

async fn importing_twice_changes_nothing_and_edits_keep_progress(app: TestApp) {
    let seed = PlanDoc::from_json(klimaspor::BALLERUP_SEED).unwrap();
    let before = app.get_json("/api/v1/plans/ballerup/measures/33").await;
    let again = import(&app, seed.clone()).await;
    assert!(!again.changed_anything(), "{again:?}");
    assert_eq!(again.sub_goals.unchanged, 84);
    assert_eq!(
        app.get_json("/api/v1/plans/ballerup/measures/33").await,
        before
    );

    // Progress on a sub-goal, then an edited document.
    let token = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14, 63])
        .await;
    let (id, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id,
            Some(&token),
            Some(&etag),
            &json!({"status": "on_track", "progress": 55, "note": "Godt på vej"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (id63, etag63) = app.sub_goal("63.2").await;
    let res = app
        .post_progress(
            id63,
            Some(&token),
            Some(&etag63),
            &json!({"status": "on_track", "progress": 20}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let mut v: Value = serde_json::to_value(&seed).unwrap();
    let theme3 = &mut v["themes"][2]["themes"][0];
    let m14 = theme3["measures"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["number"] == 14)
        .unwrap();
    m14["sub_goals"][0]["text"] = "Senest i 2025 er energiforbruget i de kommunale bygninger reduceret med 20 % målt i forhold til 2015.".into();
    m14["comments"]
        .as_array_mut()
        .unwrap()
        .push(json!({"body": "GR", "text": "Husk solceller"}));
    let m63 = v["themes"][6]["measures"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["number"] == 63)
        .unwrap();
    m63["sub_goals"].as_array_mut().unwrap().pop();
    let edited: PlanDoc = serde_json::from_value(v).unwrap();
    edited.validate().unwrap();

    let sum = import(&app, edited.clone()).await;
    assert_eq!(sum.sub_goals.updated, 1, "{sum:?}");
    assert_eq!(sum.comment_lists_replaced, 1);
    assert_eq!(sum.kept_not_in_document, vec!["63.2".to_string()]);

    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert!(g["text"].as_str().unwrap().contains("20 %"));
    assert_eq!(g["progress"], 55, "progress survives a text change");
    assert_eq!(g["latest_note"], "Godt på vej");
    assert_eq!(
        app.get_json(&format!("/api/v1/subgoals/{id}/progress"))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let m = app.get_json("/api/v1/plans/ballerup/measures/14").await;
    let rev = m["revisions"].as_array().unwrap().last().unwrap();
    assert_eq!(rev["kind"], "imported");
    assert!(rev["old_text"].as_str().unwrap().contains("15 %"));
    assert_eq!(
        m["comments"].as_array().unwrap().last().unwrap()["text"],
        "Husk solceller"
    );
    // The sub-goal missing from the document is kept, with its progress.
    assert_eq!(
        app.get_json(&format!("/api/v1/subgoals/{id63}")).await["progress"],
        20
    );

    let third = import(&app, edited).await;
    assert!(!third.changed_anything(), "{third:?}");
}
both!(importing_twice_changes_nothing_and_edits_keep_progress);
