//! The owners' workspace, over HTTP as a browser uses it (cookies, CSRF tokens, forms): the list
//! of my sub-goals, the progress form with its Danish errors, the conflict when a colleague saved
//! first, and the forecast from the form and the API to the public page.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, assert_problem};
use crate::signin::{Browser, Page, add_person, sign_in, with_smtp};
use crate::site::owner_of;

/// The due year of sub-goal `id`, read from the API.
async fn due_year(app: &TestApp, id: i64) -> i64 {
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    g["deadline"]["year"]
        .as_i64()
        .expect("a deadline with a year")
}

/// Post the progress form of sub-goal `id` with `fields`, plus the page's CSRF token and the
/// version `page` carries.
async fn post_form(b: &mut Browser, id: i64, page: &Page, fields: &[(&str, &str)]) -> Page {
    let (csrf, version) = (page.hidden("csrf"), page.hidden("version"));
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("version", &version)];
    form.extend_from_slice(fields);
    b.post(&format!("/min-side/delmaal/{id}"), &form).await
}

async fn an_owner_reports_progress_through_the_form(app: TestApp) {
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

    // The list: measure 14's sub-goals, each with what it needs and a link to its form.
    let (id, _) = app.sub_goal("14.1").await;
    let list = b.get("/min-side/delmaal").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("Delmål 14.1"), "{}", list.body);
    assert!(list.body.contains(&format!("/min-side/delmaal/{id}")));
    assert!(list.body.contains("Ikke opdateret i dette halvår"));
    assert!(
        !list.body.contains("Delmål 1.1<"),
        "only the measures Eva owns"
    );

    // Bad input: every error in Danish by its field, what was typed kept, nothing written.
    let before = app.progress_count().await;
    let form = b.get(&format!("/min-side/delmaal/{id}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let bad = post_form(
        &mut b,
        id,
        &form,
        &[
            ("status", "on_track"),
            ("progress", "150"),
            ("note", "Skrevet <før> fejlen"),
            ("kpi_value", "tolv"),
        ],
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("Skriv den målte værdi som et tal"),
        "{}",
        bad.body
    );
    assert!(
        bad.body
            .contains("Fremdriften skal være et helt tal fra 0 til 100"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("Skrevet &#60;før&#62; fejlen"),
        "typed note kept, escaped"
    );
    assert!(bad.body.contains("value=\"150\""), "typed progress kept");
    let range = post_form(
        &mut b,
        id,
        &form,
        &[("status", "on_track"), ("progress", "150")],
    )
    .await;
    assert_eq!(range.status, 400);
    assert!(
        range
            .body
            .contains("Fremdriften skal være et helt tal fra 0 til 100")
    );
    let due = due_year(&app, id).await;
    let late = (due + 1).to_string();
    let early = due.to_string();
    let contradiction = post_form(
        &mut b,
        id,
        &form,
        &[
            ("status", "at_risk"),
            ("progress", "40"),
            ("forecast_outlook", "no"),
            ("forecast_year", &early),
            ("forecast_reason", "Forsinket"),
        ],
    )
    .await;
    assert_eq!(contradiction.status, 400, "{}", contradiction.body);
    assert!(
        contradiction
            .body
            .contains("Året passer ikke med prognosen")
    );
    let no_reason = post_form(
        &mut b,
        id,
        &form,
        &[
            ("status", "at_risk"),
            ("progress", "40"),
            ("forecast_outlook", "uncertain"),
            ("forecast_year", &late),
        ],
    )
    .await;
    assert!(
        no_reason.body.contains("Skriv kort, hvorfor"),
        "{}",
        no_reason.body
    );
    let orphan_year = post_form(
        &mut b,
        id,
        &form,
        &[
            ("status", "at_risk"),
            ("progress", "40"),
            ("forecast_year", &late),
        ],
    )
    .await;
    assert_eq!(
        orphan_year.status, 400,
        "a year without an outlook is not dropped silently"
    );
    let dropped = post_form(
        &mut b,
        id,
        &form,
        &[("status", "dropped"), ("reason", "Udgår")],
    )
    .await;
    assert_eq!(dropped.status, 400, "{}", dropped.body);
    assert!(dropped.body.contains("Kun planens administratorer"));
    assert_eq!(
        app.progress_count().await,
        before,
        "no bad form wrote anything"
    );

    // Another site's form, or one without the session's token, is refused.
    let version = form.hidden("version");
    let forged = b
        .post_from(
            "https://evil.example",
            &format!("/min-side/delmaal/{id}"),
            &[
                ("csrf", &form.hidden("csrf")),
                ("version", &version),
                ("status", "on_track"),
                ("progress", "90"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let tokenless = b
        .post(
            &format!("/min-side/delmaal/{id}"),
            &[
                ("version", &version),
                ("status", "on_track"),
                ("progress", "90"),
            ],
        )
        .await;
    assert_eq!(tokenless.status, 403);
    assert_eq!(app.progress_count().await, before);

    // A good report: saved, said so, and shown on the API and the public page.
    let saved = post_form(
        &mut b,
        id,
        &form,
        &[
            ("status", "at_risk"),
            ("progress", "40"),
            ("note", "Taget er udskiftet <b>fedt</b>\r\nNæste: vinduer"),
            ("kpi_value", "1.234,5"),
            ("as_of", ""),
            ("forecast_outlook", "no"),
            ("forecast_year", &late),
            ("forecast_reason", "Leverandøren er forsinket"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), format!("/min-side/delmaal?gemt={id}"));
    let after = b.get(saved.location()).await;
    assert!(after.body.contains("Din opdatering af delmål 14.1 er gemt"));
    assert_eq!(app.progress_count().await, before + 1);
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(g["status"], "at_risk");
    assert_eq!(g["progress"], 40);
    assert_eq!(g["latest_kpi_value"], 1234.5);
    assert_eq!(
        g["latest_note"],
        "Taget er udskiftet <b>fedt</b>\nNæste: vinduer"
    );
    assert_eq!(g["forecast"]["outlook"], "no");
    assert_eq!(g["forecast"]["expected_year"], due + 1);
    assert_eq!(g["forecast"]["reason"], "Leverandøren er forsinket");
    let history = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    assert_eq!(history[0]["reporter"], "Eva Ejendom");
    let public = app.get("/ballerup/tiltag/14").await.text().await.unwrap();
    assert!(
        public.contains(&format!("Nej, nås ikke til tiden – forventet {late}")),
        "the forecast beside the status"
    );
    assert!(public.contains("Leverandøren er forsinket"));
    assert!(public.contains("Taget er udskiftet &#60;b&#62;fedt&#60;/b&#62;"));

    // A colleague saves while Eva has the form open: Eva's save writes nothing, shows the
    // colleague's update and keeps what she typed; saving again puts hers on top.
    let open = b.get(&format!("/min-side/delmaal/{id}")).await;
    assert!(
        open.body.contains("Leverandøren er forsinket"),
        "the forecast is kept in the form"
    );
    let admin = app.admin().await;
    let (_, etag) = app.sub_goal("14.1").await;
    let colleague = app
        .post_progress(
            id,
            Some(&admin),
            Some(&etag),
            &json!({"status": "on_track", "progress": 55, "note": "Kollegaens note"}),
        )
        .await;
    assert_eq!(colleague.status(), 201);
    let count = app.progress_count().await;
    let mine = [
        ("status", "at_risk"),
        ("progress", "45"),
        ("note", "Evas note skrevet samtidig"),
    ];
    let conflict = post_form(&mut b, id, &open, &mine).await;
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    assert!(conflict.body.contains("En anden har gemt en opdatering"));
    assert!(
        conflict.body.contains("Kollegaens note"),
        "their update is shown"
    );
    assert!(
        conflict.body.contains("Evas note skrevet samtidig"),
        "hers is kept"
    );
    assert!(conflict.body.contains("Gem min opdatering alligevel"));
    assert_eq!(
        app.progress_count().await,
        count,
        "nothing written on a conflict"
    );
    let on_top = post_form(&mut b, id, &conflict, &mine).await;
    assert_eq!(on_top.status, 303, "{}", on_top.body);
    let g = app.get_json(&format!("/api/v1/subgoals/{id}")).await;
    assert_eq!(g["latest_note"], "Evas note skrevet samtidig");
    assert_eq!(g["progress"], 45);
    let history = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    assert_eq!(
        history[1]["note"], "Kollegaens note",
        "the colleague's stays in the history"
    );

    // Another measure's sub-goal is not Eva's.
    let (other, _) = app.sub_goal("1.1").await;
    let refused = b.get(&format!("/min-side/delmaal/{other}")).await;
    assert_eq!(refused.status, 403);
    let missing = b.get("/min-side/delmaal/999999").await;
    assert_eq!(missing.status, 404);

    // Signed out, the workspace sends to the sign-in page.
    let mut stranger = Browser::new(&app);
    let away = stranger.get("/min-side/delmaal").await;
    assert_eq!((away.status, away.location()), (303, "/log-ind"));
}
both!(an_owner_reports_progress_through_the_form);

async fn the_api_takes_a_forecast_with_progress(app: TestApp) {
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal("14.1").await;
    let due = due_year(&app, id).await;
    let post = |body: Value, etag: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.post_progress(id, Some(&admin), Some(&etag), &body)
                .await
        }
    };
    for (body, field) in [
        (
            json!({"status": "on_track", "progress": 10,
                   "forecast": {"outlook": "yes", "expected_year": due + 1}}),
            "forecast.expected_year",
        ),
        (
            json!({"status": "at_risk", "progress": 10,
                   "forecast": {"outlook": "uncertain", "expected_year": due}}),
            "forecast.reason",
        ),
        (
            json!({"status": "achieved", "forecast": {"outlook": "yes"}}),
            "forecast",
        ),
    ] {
        let p = assert_problem(post(body, etag.clone()).await, 422).await;
        assert!(
            p["detail"].as_str().unwrap().starts_with(field),
            "{field}: {p}"
        );
    }
    let unknown = post(
        json!({"status": "on_track", "progress": 10, "forecast": {"outlook": "maybe"}}),
        etag.clone(),
    )
    .await;
    assert!(unknown.status().is_client_error());
    let res = post(
        json!({"status": "on_track", "progress": 10,
               "forecast": {"outlook": "yes", "expected_year": due, "reason": "Planlagt"}}),
        etag,
    )
    .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["update"]["forecast"]["outlook"], "yes");
    assert_eq!(body["sub_goal"]["forecast"]["outlook_label"], "Ja");
    assert_eq!(body["sub_goal"]["forecast"]["expected_year"], due);
    // The next update without a forecast leaves none: a forecast is part of its update.
    let etag = body["sub_goal"]["etag"].as_str().unwrap().to_string();
    let res = post(json!({"status": "on_track", "progress": 20}), etag).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["sub_goal"]["forecast"], Value::Null);

    // The council's report for the deadline's year shows it next to the status of a sub-goal
    // that missed its deadline.
    let etag = body["sub_goal"]["etag"].as_str().unwrap().to_string();
    let res = post(
        json!({"status": "delayed", "progress": 70, "as_of": format!("{due}-12-31"),
               "forecast": {"outlook": "no", "expected_year": due + 1,
                            "reason": "Varmepumperne kommer et år senere"}}),
        etag,
    )
    .await;
    assert_eq!(res.status(), 201);
    if crate::reports::poppler() {
        let res = app
            .get(&format!(
                "/api/v1/plans/ballerup/reports/council-annual.pdf?period={due}"
            ))
            .await;
        assert_eq!(res.status(), 200);
        let pdf = res.bytes().await.unwrap();
        let text = crate::reports::pdf_text(&pdf, None)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(&format!("Prognose: Nej, {}", due + 1)),
            "{text}"
        );
        assert!(text.contains("Prognose: Varmepumperne kommer et år senere"));
    }
}
both!(the_api_takes_a_forecast_with_progress);
