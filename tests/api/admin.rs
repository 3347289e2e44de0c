//! The admin pages' forms, used as a plan's administrator uses them: a person added, given a
//! role and an owner and shut out; an owner put on a measure and taken off; an API token made,
//! used and revoked. Each change is checked where it takes effect (the API, the sign-in, the
//! audit log), each refusal changes nothing and says why in Danish next to the field.

use reqwest::header;
use serde_json::{Value, json};

use crate::auth::session_for;
use crate::both;
use crate::helpers::TestApp;
use crate::signin::{Browser, Page, add_person};
use klimaspor::domain::access::PlanRole;

/// A browser signed in as `email`.
async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let mut b = Browser::new(app);
    let session = session_for(app, email).await;
    b.cookies
        .insert("klimaspor_session".into(), (session, String::new()));
    b
}

/// Anne Admin, the administrator of the plan 'ballerup', signed in.
async fn plan_admin(app: &TestApp) -> Browser {
    add_person(
        app,
        "Anne Admin",
        "anne@ballerup.example",
        vec![],
        Some(PlanRole::Admin),
    )
    .await;
    signed_in(app, "anne@ballerup.example").await
}

/// The person with `email` as the API's operator sees them.
async fn person(app: &TestApp, email: &str) -> Value {
    let pool = app.pool.clone();
    let email = email.to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let all = klimaspor::db::store::list_persons(&mut conn, None).unwrap();
        let v = all
            .into_iter()
            .find(|v| v.person.email == email)
            .expect("the person");
        json!({
            "id": v.person.id,
            "active": v.person.active,
            "roles": v.roles.iter().map(|(plan, r)| format!("{plan}:{}", r.as_str())).collect::<Vec<_>>(),
            "owners": v.owners.iter().map(|(_, name)| name.clone()).collect::<Vec<_>>(),
        })
    })
    .await
    .unwrap()
}

async fn owner_names(app: &TestApp, measure: i32) -> Vec<String> {
    let m = app
        .get_json(&format!("/api/v1/plans/ballerup/measures/{measure}"))
        .await;
    m["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

/// Post `fields` and the page's CSRF token to `path`, as the page's form does.
async fn submit(b: &mut Browser, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    b.post(path, &form).await
}

/// A form error: the field's message, linked from the field, in a 400 page.
fn assert_field_error(page: &Page, field: &str, message: &str) {
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains(&format!("id=\"{field}-error\"")),
        "no error next to {field}: {}",
        page.body
    );
    assert!(page.body.contains(message), "{message} not said");
}

async fn people_are_added_given_roles_and_owners_and_shut_out(app: TestApp) {
    let owner = crate::site::owner_of(&app, "Center for Ejendomme", 14).await;
    let mut b = plan_admin(&app).await;
    let page = b.get("/admin/ballerup/personer").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("<title>Personer – Klimahandleplan for Ballerup Kommune"),
        "the page names the plan by its title"
    );
    let me = b.get("/min-side").await;
    assert!(
        me.body
            .contains(">Klimahandleplan for Ballerup Kommune</a>")
    );
    let csrf = page.hidden("csrf");

    // Without a name, or with a bad address: said next to the field, nobody added.
    let before = app.audit_actions().len();
    let no_name = submit(
        &mut b,
        "/admin/ballerup/personer",
        &csrf,
        &[
            ("name", ""),
            ("email", "ny@ballerup.example"),
            ("owner", ""),
            ("role", "reader"),
        ],
    )
    .await;
    assert_field_error(&no_name, "name", "Skriv personens navn.");
    assert!(
        no_name.body.contains("value=\"ny@ballerup.example\""),
        "what was typed is kept"
    );
    let bad_email = submit(
        &mut b,
        "/admin/ballerup/personer",
        &csrf,
        &[("name", "Ny"), ("email", "ny"), ("owner", ""), ("role", "")],
    )
    .await;
    assert_field_error(
        &bad_email,
        "email",
        "Skriv en e-mailadresse som navn@kommune.dk.",
    );
    // Without the form's token: refused before anything is read.
    let forged = b
        .post(
            "/admin/ballerup/personer",
            &[("name", "Ny"), ("email", "ny@ballerup.example")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(app.audit_actions().len(), before, "nothing changed");

    // Added: the page of the new person follows.
    let owner_id = owner.to_string();
    let added = submit(
        &mut b,
        "/admin/ballerup/personer",
        &csrf,
        &[
            ("name", "Ny Medarbejder"),
            ("email", "Ny@Ballerup.example"),
            ("owner", &owner_id),
            ("role", "reader"),
        ],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let p = person(&app, "ny@ballerup.example").await;
    assert_eq!(p["roles"], json!(["ballerup:reader"]));
    assert_eq!(p["owners"], json!(["Center for Ejendomme"]));
    let id = p["id"].as_i64().unwrap();
    let path = format!("/admin/ballerup/personer/{id}");
    assert_eq!(added.location(), path);
    let shown = b.get(&path).await;
    assert!(shown.body.contains("ny@ballerup.example"));
    assert!(
        shown.body.contains("<h2>Afdelinger</h2>") && !shown.body.contains("Mine afdelinger"),
        "an admin sees the person's departments, not their own"
    );

    // The same address again is refused next to the field.
    let twice = submit(
        &mut b,
        "/admin/ballerup/personer",
        &csrf,
        &[
            ("name", "Igen"),
            ("email", "ny@ballerup.example"),
            ("owner", ""),
            ("role", ""),
        ],
    )
    .await;
    assert_eq!(twice.status, 400);
    assert!(twice.body.contains("id=\"email-error\""));

    // Role, owners and access, each from its form on the person's page.
    for (action, extra, check) in [
        ("role", ("role", "committee"), "role"),
        ("remove_owner", ("owner", owner_id.as_str()), "owners"),
        ("add_owner", ("owner", owner_id.as_str()), "owners"),
        ("disable", ("x", ""), "active"),
    ] {
        let res = submit(&mut b, &path, &csrf, &[("action", action), extra]).await;
        assert_eq!(res.status, 303, "{action}: {}", res.body);
        let p = person(&app, "ny@ballerup.example").await;
        match check {
            "role" => assert_eq!(p["roles"], json!(["ballerup:committee"])),
            "owners" if action == "remove_owner" => assert_eq!(p["owners"], json!([])),
            "owners" => assert_eq!(p["owners"], json!(["Center for Ejendomme"])),
            _ => assert_eq!(p["active"], false),
        }
    }
    let page = b.get(&path).await;
    assert!(page.body.contains("<dd>Lukket"), "{}", page.body);

    // Granting admin is the operators' (a plan admin is refused, with the reason on the page).
    let grant = submit(
        &mut b,
        &path,
        &csrf,
        &[("action", "role"), ("role", "admin")],
    )
    .await;
    assert_eq!(grant.status, 400, "{}", grant.body);
    assert!(
        grant
            .body
            .contains("Administrator-rollen gives og fjernes af en driftsansvarlig")
    );
    let p = person(&app, "ny@ballerup.example").await;
    assert_eq!(p["roles"], json!(["ballerup:committee"]));

    // An unknown role changes nothing and says so.
    let bad = submit(
        &mut b,
        &path,
        &csrf,
        &[("action", "role"), ("role", "king")],
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let p = person(&app, "ny@ballerup.example").await;
    assert_eq!(p["roles"], json!(["ballerup:committee"]));

    let actions = app.audit_actions();
    for a in [
        "person_added",
        "role_changed",
        "membership_removed",
        "membership_added",
        "person_disabled",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
    let log = b.get("/admin/ballerup/log").await;
    assert!(log.body.contains("Ny Medarbejder") || log.body.contains("ny@ballerup.example"));
}
both!(people_are_added_given_roles_and_owners_and_shut_out);

async fn measures_get_and_lose_owners_on_the_ownership_page(app: TestApp) {
    let mut b = plan_admin(&app).await;
    let page = b.get("/admin/ballerup/ansvar").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.hidden("csrf");

    // A new department: without a name it is said in Danish, then made.
    let nameless = submit(
        &mut b,
        "/admin/ballerup/ansvar",
        &csrf,
        &[("action", "new_owner"), ("name", ""), ("email", "")],
    )
    .await;
    assert_field_error(&nameless, "owner_name", "Skriv afdelingens navn.");
    let bad_mail = submit(
        &mut b,
        "/admin/ballerup/ansvar",
        &csrf,
        &[
            ("action", "new_owner"),
            ("name", "Center for Trafik"),
            ("email", "trafik"),
        ],
    )
    .await;
    assert_field_error(&bad_mail, "owner_email", "Skriv en e-mailadresse");
    let made = submit(
        &mut b,
        "/admin/ballerup/ansvar",
        &csrf,
        &[
            ("action", "new_owner"),
            ("name", "Center for Trafik"),
            ("email", "trafik@ballerup.example"),
        ],
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let page = b.get("/admin/ballerup/ansvar").await;
    let marker = "Center for Trafik</option>";
    let end = page.body.find(marker).expect("the new owner is offered");
    let value_at = page.body[..end].rfind("value=\"").unwrap() + "value=\"".len();
    let owner_id: String = page.body[value_at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();

    // On measure 20 and off again; the API and the public page say the same.
    let add = submit(
        &mut b,
        "/admin/ballerup/ansvar",
        &csrf,
        &[("action", "add"), ("measure", "20"), ("owner", &owner_id)],
    )
    .await;
    assert_eq!(add.status, 303, "{}", add.body);
    assert_eq!(owner_names(&app, 20).await, ["Center for Trafik"]);
    let public = b.get("/ballerup/tiltag/20").await;
    assert!(public.body.contains("Center for Trafik"));
    let no_measure = submit(
        &mut b,
        "/admin/ballerup/ansvar",
        &csrf,
        &[("action", "add"), ("measure", ""), ("owner", &owner_id)],
    )
    .await;
    assert_eq!(no_measure.status, 400);
    assert!(no_measure.body.contains("id=\"measure-error\""));
    let remove = submit(
        &mut b,
        "/admin/ballerup/ansvar",
        &csrf,
        &[
            ("action", "remove"),
            ("measure", "20"),
            ("owner", &owner_id),
        ],
    )
    .await;
    assert_eq!(remove.status, 303);
    assert!(owner_names(&app, 20).await.is_empty());
}
both!(measures_get_and_lose_owners_on_the_ownership_page);

async fn tokens_made_on_the_page_work_once_shown_and_stop_when_revoked(app: TestApp) {
    app.second_plan("roskilde").await;
    let roskilde = app
        .token_on(
            klimaspor::domain::token::TokenKind::Admin,
            "roskilde",
            "Roskildes klimateam",
            &[],
        )
        .await;
    let mut b = plan_admin(&app).await;
    let page = b.get("/admin/ballerup/tokens").await;
    let csrf = page.hidden("csrf");

    let nameless = submit(
        &mut b,
        "/admin/ballerup/tokens",
        &csrf,
        &[("name", ""), ("kind", "admin"), ("owner", "")],
    )
    .await;
    assert_eq!(nameless.status, 400);
    assert!(nameless.body.contains("id=\"name-error\""));
    let operator = submit(
        &mut b,
        "/admin/ballerup/tokens",
        &csrf,
        &[("name", "Drift"), ("kind", "operator"), ("owner", "")],
    )
    .await;
    assert_eq!(
        operator.status, 400,
        "a plan admin makes no operator tokens"
    );

    let made = submit(
        &mut b,
        "/admin/ballerup/tokens",
        &csrf,
        &[("name", "Energistyring"), ("kind", "admin"), ("owner", "")],
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let marker = "id=\"new-token\" value=\"";
    let start = made.body.find(marker).expect("the token is shown") + marker.len();
    let secret: String = made.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(secret.starts_with("ks_"), "{secret}");
    let again = b.get("/admin/ballerup/tokens").await;
    assert!(!again.body.contains(&secret), "shown once only");
    assert!(again.body.contains("Energistyring"));

    // The token acts on its plan, and on no other.
    let put = |token: String, plan: &'static str| {
        let app = &app;
        async move {
            app.client
                .put(app.url(&format!("/api/v1/plans/{plan}/measures/20/owners")))
                .bearer_auth(token)
                .json(&json!({"owner_ids": []}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(put(secret.clone(), "ballerup").await, 200);
    assert_eq!(put(secret.clone(), "roskilde").await, 403);

    // Revoked with the button next to it: the API refuses it from then on.
    let row_at = again.body.find("Energistyring").unwrap();
    let action_at = again.body[row_at..].find("action=\"").unwrap() + row_at + "action=\"".len();
    let revoke: String = again.body[action_at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(revoke.ends_with("/tilbagekald"), "{revoke}");
    let forged = b.post(&revoke, &[]).await;
    assert_eq!(forged.status, 403, "no CSRF token");
    assert_eq!(put(secret.clone(), "ballerup").await, 200, "still works");
    let done = b.post(&revoke, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), "/admin/ballerup/tokens");
    assert_eq!(put(secret.clone(), "ballerup").await, 401);
    let listed = b.get("/admin/ballerup/tokens").await;
    assert!(listed.body.contains("Tilbagekaldt"), "{}", listed.body);

    // Another plan's token cannot be revoked from this plan's page.
    let roskilde_id: i32 = {
        use diesel::prelude::*;
        use klimaspor::db::schema::api_tokens;
        let mut conn = app.pool.get().unwrap();
        api_tokens::table
            .filter(api_tokens::name.eq("Roskildes klimateam"))
            .select(api_tokens::id)
            .first(&mut conn)
            .unwrap()
    };
    let other = b
        .post(
            &format!("/admin/ballerup/tokens/{roskilde_id}/tilbagekald"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(other.status, 404);
    assert_eq!(
        put(roskilde, "roskilde").await,
        200,
        "Roskilde's token works"
    );
    let log = b.get("/admin/ballerup/log").await;
    assert!(log.body.contains("API-nøgle tilbagekaldt"), "{}", log.body);
    assert_eq!(log.headers[header::CACHE_CONTROL], "no-store");
}
both!(tokens_made_on_the_page_work_once_shown_and_stop_when_revoked);

async fn climate_figures_are_kept_on_the_admin_climate_pages(app: TestApp) {
    add_person(
        &app,
        "Ulla Udvalg",
        "ulla@ballerup.example",
        vec![],
        Some(PlanRole::Committee),
    )
    .await;
    let mut committee = signed_in(&app, "ulla@ballerup.example").await;
    assert_eq!(committee.get("/admin/ballerup/klima").await.status, 403);
    assert_eq!(committee.get("/admin/ballerup/klima/14").await.status, 403);

    let mut b = plan_admin(&app).await;
    let page = b.get("/admin/ballerup/klima").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/admin/ballerup/klima/14\""));
    let csrf = page.hidden("csrf");
    let overview =
        || async { app.get_json("/api/v1/plans/ballerup/climate").await["overview"].clone() };

    // A target: refused with the reason next to each field, then set.
    let target =
        |year: &'static str, base: &'static str, pct: &'static str, source: &'static str| {
            [
                ("action", "target"),
                ("year", year),
                ("base_year", base),
                ("reduction_pct", pct),
                ("source", source),
                ("decided_on", ""),
            ]
        };
    let bad = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &target("20x0", "1990", "0", ""),
    )
    .await;
    assert_field_error(&bad, "year", "Skriv et år med fire cifre");
    assert_field_error(&bad, "reduction_pct", "Skriv en procent over 0");
    assert_field_error(&bad, "source", "Skriv, hvor målet er vedtaget.");
    assert!(
        bad.body.contains("value=\"20x0\""),
        "what was typed is kept"
    );
    let before = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &target("2030", "2035", "70", "KB"),
    )
    .await;
    assert_field_error(&before, "base_year", "Basisåret skal ligge før målåret.");
    assert_eq!(overview().await["targets"], json!([]), "nothing was set");
    let forged = b
        .post("/admin/ballerup/klima", &target("2030", "1990", "70", "KB"))
        .await;
    assert_eq!(forged.status, 403, "no CSRF token");
    let set = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &target("2030", "1990", "70", "Klimahandleplanen 2021"),
    )
    .await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert_eq!(set.location(), "/admin/ballerup/klima?gemt=1#maal");
    let t = &overview().await["targets"];
    assert_eq!(t[0]["year"], 2030);
    assert_eq!(t[0]["reduction_pct"], 70.0);
    let shown = b.get("/admin/ballerup/klima?gemt=1").await;
    assert!(
        shown.body.contains("70 % lavere i 2030 end i 1990"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Ændringen er gemt."));
    // Another base year than the plan's: said next to the field.
    let other = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &target("2040", "2005", "80", "KB"),
    )
    .await;
    assert_field_error(&other, "base_year", "et andet basisår");

    // A shadow price in Danish notation.
    let price = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &[
            ("action", "price"),
            ("price_year", "2025"),
            ("dkk_per_tonne", "1.500"),
            ("price_source", "Århusmodellen"),
        ],
    )
    .await;
    assert_eq!(price.status, 303, "{}", price.body);
    assert_eq!(overview().await["prices"][0]["dkk_per_tonne"], 1500.0);
    let no_price = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &[
            ("action", "price"),
            ("price_year", "2026"),
            ("dkk_per_tonne", "gratis"),
            ("price_source", "x"),
        ],
    )
    .await;
    assert_field_error(&no_price, "dkk_per_tonne", "Skriv en pris over 0 kroner");
    assert_eq!(overview().await["prices"].as_array().unwrap().len(), 1);

    // A measure's effect: each rule said next to its field, nothing stored until it holds.
    let effect_form = b.get("/admin/ballerup/klima/14").await;
    assert_eq!(effect_form.status, 200, "{}", effect_form.body);
    let effect = |fields: &[(&'static str, &'static str)]| {
        let mut all = vec![
            ("tonnes_per_year", ""),
            ("full_from", ""),
            ("basis", ""),
            ("basis_source", ""),
            ("budget_dkk", ""),
            ("funding", ""),
            ("staffing_fte", ""),
            ("reason", ""),
        ];
        for (k, v) in fields {
            all.retain(|(n, _)| n != k);
            all.push((k, v));
        }
        all
    };
    let bad = submit(
        &mut b,
        "/admin/ballerup/klima/14",
        &csrf,
        &effect(&[("tonnes_per_year", "1.200"), ("budget_dkk", "mange")]),
    )
    .await;
    assert_field_error(&bad, "budget_dkk", "Skriv budgettet i hele kroner");
    assert_field_error(&bad, "reason", "Skriv, hvorfor tallene ændres.");
    assert!(
        bad.body.contains("value=\"1.200\""),
        "what was typed is kept"
    );
    let no_year = submit(
        &mut b,
        "/admin/ballerup/klima/14",
        &csrf,
        &effect(&[("tonnes_per_year", "1.200"), ("reason", "Skøn")]),
    )
    .await;
    assert_field_error(
        &no_year,
        "full_from",
        "Skriv året, hvor tiltaget har fuld effekt.",
    );
    let stored = app
        .get_json("/api/v1/plans/ballerup/measures/14/effect")
        .await;
    assert_eq!(stored["history"], json!([]), "nothing was stored: {stored}");

    let saved = submit(
        &mut b,
        "/admin/ballerup/klima/14",
        &csrf,
        &effect(&[
            ("tonnes_per_year", "1.200,5"),
            ("full_from", "2028"),
            ("basis", "Energimærker for 40 bygninger"),
            ("basis_source", "Notat fra Center for Ejendomme"),
            ("budget_dkk", "4.000.000"),
            ("funding", "Anlægsbudgettet"),
            ("staffing_fte", "1,5"),
            ("reason", "Første skøn <b>fra</b> energimærkningen"),
        ]),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), "/admin/ballerup/klima?gemt=1#tiltag-14");
    let stored = app
        .get_json("/api/v1/plans/ballerup/measures/14/effect")
        .await;
    assert_eq!(stored["tonnes_per_year"], 1200.5, "{stored}");
    assert_eq!(stored["own"]["budget_dkk"], 4_000_000.0, "{stored}");
    assert_eq!(stored["own"]["staffing_fte"], 1.5);
    let again = b.get("/admin/ballerup/klima/14").await;
    assert!(
        again.body.contains("value=\"1200,5\""),
        "the form shows the stored figure"
    );
    assert!(
        again.body.contains("Anne Admin"),
        "the history names who changed it"
    );
    assert!(
        again
            .body
            .contains("Første skøn &lt;b&gt;fra&lt;/b&gt; energimærkningen")
            || again
                .body
                .contains("Første skøn &#60;b&#62;fra&#60;/b&#62; energimærkningen"),
        "the reason is shown, escaped"
    );
    let listed = b.get("/admin/ballerup/klima").await;
    assert!(
        listed
            .body
            .contains("<td>1.200 t om året fra 2028</td><td>4.000.000 kr.</td>"),
        "{}",
        listed.body
    );
    let public = b.get("/ballerup/tiltag/14").await;
    assert!(public.body.contains("Energimærker for 40 bygninger"));

    // Removing the target.
    let gone = submit(
        &mut b,
        "/admin/ballerup/klima",
        &csrf,
        &[("action", "delete_target"), ("year", "2030")],
    )
    .await;
    assert_eq!(gone.status, 303);
    assert_eq!(overview().await["targets"], json!([]));
    assert_eq!(b.get("/admin/ballerup/klima/999").await.status, 404);

    // The audit log says it in Danish.
    let log = b.get("/admin/ballerup/log").await;
    for said in [
        "Reduktionsmål sat",
        "70 % lavere i 2030 end i 1990 (Klimahandleplanen 2021)",
        "Skyggepris sat",
        "2025: 1.500 kr. pr. ton CO₂e (Århusmodellen)",
        "Reduktionsmål fjernet",
    ] {
        assert!(log.body.contains(said), "{said} not in the log");
    }
}
both!(climate_figures_are_kept_on_the_admin_climate_pages);
