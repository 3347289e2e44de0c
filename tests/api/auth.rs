//! Who may do what: every write route against every kind of caller.

use klimaspor::domain::token::TokenKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, assert_problem, spawn_app_with};

struct Callers {
    admin: String,
    /// Admin of the plan 'roskilde', not of Ballerup.
    other_admin: String,
    operator: String,
    reader: String,
    /// Owns measure 14.
    owner: String,
    /// Owns measure 40 only.
    other_owner: String,
}

async fn callers(app: &TestApp) -> Callers {
    app.second_plan("roskilde").await;
    Callers {
        admin: app.admin().await,
        other_admin: app
            .token_on(TokenKind::Admin, "roskilde", "Roskildes klimateam", &[])
            .await,
        operator: app.operator().await,
        reader: app.token(TokenKind::Reader, "Revisionen", &[]).await,
        owner: app
            .token(TokenKind::Owner, "Center for Ejendomme", &[14])
            .await,
        other_owner: app.token(TokenKind::Owner, "Center for Børn", &[40]).await,
    }
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
    if_match: Option<&str>,
) -> u16 {
    let mut req = app.client.request(method, app.url(path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(e) = if_match {
        req = req.header("If-Match", e);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    if status >= 400 {
        assert_problem(res, status).await;
    }
    status
}

async fn authorization_matrix(app: TestApp) {
    let c = callers(&app).await;
    let (sg, _) = app.sub_goal("14.1").await;
    let indicator = app.get_json("/api/v1/plans/ballerup/indicators").await[0]["id"]
        .as_i64()
        .unwrap();

    // (method, path, body, expected for: none, bad token, reader, other owner, owner, admin,
    //  admin of another plan, operator)
    let progress = json!({"status": "on_track", "progress": 10});
    let mut n = 0;
    let mut new_owner = || {
        n += 1;
        json!({"name": format!("Afdeling {n}")})
    };
    type Row = (Method, String, Value, [u16; 8]);
    let rows: Vec<Row> = vec![
        (
            Method::POST,
            format!("/api/v1/subgoals/{sg}/progress"),
            progress.clone(),
            [401, 401, 403, 403, 201, 201, 403, 201],
        ),
        (
            Method::PATCH,
            format!("/api/v1/subgoals/{sg}"),
            json!({"text": "Ny tekst", "reason": "Test"}),
            [401, 401, 403, 403, 403, 200, 403, 200],
        ),
        (
            Method::PUT,
            "/api/v1/plans/ballerup/measures/14/owners".into(),
            json!({"owner_ids": []}),
            [401, 401, 403, 403, 403, 200, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/owners".into(),
            new_owner(),
            // Any plan's admin may register an owner: it owns nothing until a plan's admin
            // gives it measures.
            [401, 401, 403, 403, 403, 201, 201, 201],
        ),
        (
            Method::POST,
            "/api/v1/plans/ballerup/indicators".into(),
            json!({"code": "x-1", "name": "X", "unit": "%"}),
            [401, 401, 403, 403, 403, 201, 403, 201],
        ),
        (
            Method::PUT,
            format!("/api/v1/indicators/{indicator}/values/2025"),
            json!({"value": 1.0}),
            // The first write of the year creates the value, the next ones replace it.
            [401, 401, 403, 403, 403, 201, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/report-runs".into(),
            json!({"plan": "ballerup", "kind": "ugo-status", "period": "2026-H2", "new_revision": true}),
            [401, 401, 403, 403, 403, 201, 403, 201],
        ),
    ];
    for (method, path, body, expected) in rows {
        let tokens = [
            None,
            Some("ks_not-a-real-token"),
            Some(c.reader.as_str()),
            Some(c.other_owner.as_str()),
            Some(c.owner.as_str()),
            Some(c.admin.as_str()),
            Some(c.other_admin.as_str()),
            Some(c.operator.as_str()),
        ];
        for (who, (token, want)) in [
            "anonymous",
            "bad token",
            "reader",
            "other owner",
            "owner",
            "admin",
            "admin of roskilde",
            "operator",
        ]
        .iter()
        .zip(tokens.iter().zip(expected))
        {
            // Each write needs the current ETag where it applies.
            let etag = app.get(&format!("/api/v1/subgoals/{sg}")).await.headers()["etag"]
                .to_str()
                .unwrap()
                .to_string();
            let mut body = body.clone();
            if path == "/api/v1/owners" {
                body = new_owner();
            }
            if path.ends_with("/indicators") {
                body["code"] = format!("x-{who}").replace(' ', "-").into();
            }
            let got = send(&app, method.clone(), &path, *token, &body, Some(&etag)).await;
            assert_eq!(got, want, "{method} {path} as {who}");
        }
    }
    // A malformed Authorization header is 401, not ignored.
    let res = app
        .client
        .get(app.url("/api/v1/plans"))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
    // Reads are public by default; a bad token on a read is still refused.
    assert_eq!(
        app.get("/api/v1/plans/ballerup/measures").await.status(),
        200
    );
    let res = app
        .client
        .get(app.url("/api/v1/plans"))
        .bearer_auth("ks_nope")
        .send()
        .await
        .unwrap();
    let p = assert_problem(res, 401).await;
    assert!(
        !p["detail"].as_str().unwrap().contains("ks_nope"),
        "tokens are not echoed"
    );
}
both!(authorization_matrix);

async fn private_reads_need_a_token(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let Some(app) = spawn_app_with(backend, |c| c.public_read = false).await else {
        return;
    };
    let reader = app.token(TokenKind::Reader, "Revisionen", &[]).await;
    for path in [
        "/api/v1/plans",
        "/api/v1/plans/ballerup/measures",
        "/api/v1/plans/ballerup/measures/1",
        "/api/v1/owners",
    ] {
        assert_problem(app.get(path).await, 401).await;
        let res = app
            .client
            .get(app.url(path))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    // Health stays open for probes.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}
both!(private_reads_need_a_token);

/// Revoke the token named `name`, as `klimaspor token revoke` does.
async fn revoke(app: &TestApp, name: &str) {
    let pool = app.pool.clone();
    let name = name.to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let id = klimaspor::db::store::list_tokens(&mut conn, None)
            .unwrap()
            .iter()
            .find(|t| t.row.name == name)
            .unwrap()
            .row
            .id;
        klimaspor::db::store::revoke_token(
            &mut conn,
            id,
            &klimaspor::db::store::Principal::operator("test"),
            klimaspor::clock::now_utc(),
        )
        .unwrap();
    })
    .await
    .unwrap();
}

async fn revoked_tokens_stop_working(app: TestApp) {
    let admin = app.admin().await;
    let res = app
        .client
        .post(app.url("/api/v1/owners"))
        .bearer_auth(&admin)
        .json(&json!({"name": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    revoke(&app, "Klimasekretariatet").await;
    let res = app
        .client
        .post(app.url("/api/v1/owners"))
        .bearer_auth(&admin)
        .json(&json!({"name": "B"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
}
both!(revoked_tokens_stop_working);

/// A revoked owner token writes no progress; without a token, or with an unknown one, the
/// request is refused with 401 before its If-Match is looked at.
async fn progress_needs_a_live_token(app: TestApp) {
    let owner = app
        .token(TokenKind::Owner, "Center for Ejendomme", &[14])
        .await;
    let (sg, etag) = app.sub_goal("14.1").await;
    let path = format!("/api/v1/subgoals/{sg}/progress");
    let post = |token: Option<&str>, body: Value, if_match: Option<&str>| {
        let mut req = app.client.post(app.url(&path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(e) = if_match {
            req = req.header("If-Match", e);
        }
        req.send()
    };
    let good = json!({"status": "on_track", "progress": 35});
    let bad = json!({"status": "on_track", "progress": "forty"});

    // Refused for the token, whatever else is wrong with the request.
    for (token, body, if_match) in [
        (Some("ks_not-a-real-token"), good.clone(), None),
        (
            Some("ks_not-a-real-token"),
            bad.clone(),
            Some(etag.as_str()),
        ),
        (None, bad.clone(), Some(etag.as_str())),
        (None, good.clone(), None),
    ] {
        let res = post(token, body, if_match).await.unwrap();
        assert_problem(res, 401).await;
    }
    // A valid token with a bad body or no If-Match hears what is wrong with the request.
    assert_problem(post(Some(&owner), bad, Some(&etag)).await.unwrap(), 422).await;
    assert_problem(post(Some(&owner), good.clone(), None).await.unwrap(), 428).await;

    // Revoked between two requests: the second one writes nothing.
    let res = post(Some(&owner), good.clone(), Some(&etag)).await.unwrap();
    assert_eq!(res.status(), 201);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let before = app.get_json(&path).await.as_array().unwrap().len();
    revoke(&app, "Center for Ejendomme").await;
    let res = post(
        Some(&owner),
        json!({"status": "delayed", "progress": 36}),
        Some(&etag),
    )
    .await
    .unwrap();
    let problem = assert_problem(res, 401).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("revoked"),
        "{problem}"
    );
    let after = app.get_json(&path).await.as_array().unwrap().len();
    assert_eq!(after, before, "a revoked token wrote");
    let now = app.get(&format!("/api/v1/subgoals/{sg}")).await;
    assert_eq!(now.headers()["etag"].to_str().unwrap(), etag);
}
both!(progress_needs_a_live_token);

/// Tokens made before plans were scoped keep working: a global admin token is an operator
/// token after migration 000009, on every plan; a plan-less reader token reads every plan.
async fn tokens_from_before_the_people_migration_keep_working(backend: crate::helpers::Backend) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    let (admin, reader) = ("ks_old_global_admin_token", "ks_old_reader_token");
    let rows = format!(
        "INSERT INTO api_tokens (name, role, owner_id, token_hash, created_at) VALUES \
         ('Gammel admin', 'admin', NULL, '{}', '2026-11-30 10:00:00'), \
         ('Gammel læser', 'reader', NULL, '{}', '2026-11-30 10:00:00');",
        klimaspor::domain::token::hash(admin),
        klimaspor::domain::token::hash(reader)
    );
    // The database as it was: the eight migrations before 000009, and the old tokens.
    let dir = tempfile::tempdir().unwrap();
    let url = match backend {
        crate::helpers::Backend::Sqlite => {
            let path = dir.path().join("klimaspor.db");
            let mut c = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            for _ in 0..8 {
                c.run_next_migration(SQLITE).unwrap();
            }
            c.batch_execute(&rows).unwrap();
            None
        }
        crate::helpers::Backend::Postgres => {
            let Some(url) = crate::helpers::postgres::fresh_database() else {
                return;
            };
            let mut c = diesel::PgConnection::establish(&url).unwrap();
            for _ in 0..8 {
                c.run_next_migration(POSTGRES).unwrap();
            }
            c.batch_execute(&rows).unwrap();
            Some(url)
        }
    };
    let data_dir = dir.path().to_path_buf();
    let Some(app) = spawn_app_with(backend, |c| {
        c.db.data_dir = data_dir;
        c.db.database_url = url;
        c.public_read = false;
    })
    .await
    else {
        return;
    };
    app.second_plan("roskilde").await;
    for plan in ["ballerup", "roskilde"] {
        let status = send(
            &app,
            Method::PUT,
            &format!("/api/v1/plans/{plan}/measures/14/owners"),
            Some(admin),
            &json!({"owner_ids": []}),
            None,
        )
        .await;
        assert_eq!(status, 200, "the old admin token administers {plan}");
        let res = app
            .client
            .get(app.url(&format!("/api/v1/plans/{plan}/measures")))
            .bearer_auth(reader)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the old reader token reads {plan}");
    }
    // It is listed as what it now is.
    let pool = app.pool.clone();
    let kinds: Vec<(String, &'static str)> = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        klimaspor::db::store::list_tokens(&mut conn, None)
            .unwrap()
            .into_iter()
            .map(|l| (l.row.name, l.kind.as_str()))
            .collect()
    })
    .await
    .unwrap();
    assert!(
        kinds.contains(&("Gammel admin".into(), "operator")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("Gammel læser".into(), "reader")),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_tokens_keep_working_sqlite() {
    tokens_from_before_the_people_migration_keep_working(crate::helpers::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_tokens_keep_working_postgres() {
    tokens_from_before_the_people_migration_keep_working(crate::helpers::Backend::Postgres).await;
}

/// Sign `email` in without a mailbox: the same store calls a link and its use make.
pub async fn session_for(app: &TestApp, email: &str) -> String {
    let pool = app.pool.clone();
    let email = email.to_string();
    tokio::task::spawn_blocking(move || {
        use klimaspor::db::store::{self, NewSession};
        use klimaspor::domain::{signin, token};
        let (link, session) = (signin::secret().unwrap(), signin::secret().unwrap());
        let mut conn = pool.get().unwrap();
        let now = klimaspor::clock::now_utc();
        store::request_link(&mut conn, &email, "test", &token::hash(&link), now).unwrap();
        let new = NewSession {
            secret_hash: token::hash(&session),
            method: "email",
            user_agent: None,
            client: None,
        };
        store::use_link(&mut conn, &token::hash(&link), &new, now)
            .unwrap()
            .expect("signed in");
        session
    })
    .await
    .unwrap()
}

/// People signed in, by role and plan, against the pages and the API: one table.
async fn people_authorization_matrix(app: TestApp) {
    use crate::signin::add_person;
    use klimaspor::domain::access::PlanRole;
    app.second_plan("roskilde").await;
    let owner = crate::site::owner_of(&app, "Center for Ejendomme", 14).await as i32;
    add_person(
        &app,
        "Læser",
        "reader@ballerup.example",
        vec![],
        Some(PlanRole::Reader),
    )
    .await;
    add_person(
        &app,
        "Udvalg",
        "udvalg@ballerup.example",
        vec![],
        Some(PlanRole::Committee),
    )
    .await;
    add_person(&app, "Ejer", "owner@ballerup.example", vec![owner], None).await;
    add_person(
        &app,
        "Admin",
        "admin@ballerup.example",
        vec![],
        Some(PlanRole::Admin),
    )
    .await;
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        use klimaspor::db::store::{self, NewPerson, Principal};
        let mut conn = pool.get().unwrap();
        let op = Principal::operator("test");
        let now = klimaspor::clock::now_utc();
        for (name, email, role) in [
            (
                "Roskilde-admin",
                "admin@roskilde.example",
                Some(("roskilde".to_string(), PlanRole::Admin)),
            ),
            ("Drift", "drift@ballerup.example", None),
        ] {
            store::add_person(
                &mut conn,
                &NewPerson {
                    name: name.into(),
                    email: email.into(),
                    owner_ids: vec![],
                    role,
                },
                &op,
                now,
            )
            .unwrap();
        }
        store::set_operator(&mut conn, "drift@ballerup.example", true, &op, now).unwrap();
    })
    .await
    .unwrap();
    let who = [
        ("anonymous", None),
        ("reader", Some("reader@ballerup.example")),
        ("committee", Some("udvalg@ballerup.example")),
        ("owner", Some("owner@ballerup.example")),
        ("admin of roskilde", Some("admin@roskilde.example")),
        ("admin", Some("admin@ballerup.example")),
        ("operator", Some("drift@ballerup.example")),
    ];
    let mut sessions = Vec::new();
    for (name, email) in who {
        sessions.push((
            name,
            match email {
                Some(e) => Some(session_for(&app, e).await),
                None => None,
            },
        ));
    }
    // (path, expected for each of `who`); 303 is the way to the sign-in page.
    let pages: [(&str, [u16; 7]); 8] = [
        ("/min-side", [303, 200, 200, 200, 200, 200, 200]),
        ("/admin", [303, 403, 403, 403, 200, 200, 200]),
        (
            "/admin/ballerup/personer",
            [303, 403, 403, 403, 403, 200, 200],
        ),
        (
            "/admin/ballerup/ansvar",
            [303, 403, 403, 403, 403, 200, 200],
        ),
        (
            "/admin/ballerup/tokens",
            [303, 403, 403, 403, 403, 200, 200],
        ),
        ("/admin/ballerup/log", [303, 403, 403, 403, 403, 200, 200]),
        (
            "/admin/roskilde/personer",
            [303, 403, 403, 403, 200, 403, 200],
        ),
        (
            "/admin/roskilde/tokens",
            [303, 403, 403, 403, 200, 403, 200],
        ),
    ];
    for (path, expected) in pages {
        for ((name, session), want) in sessions.iter().zip(expected) {
            let mut req = app.client.get(app.url(path));
            if let Some(s) = session {
                req = req.header("Cookie", format!("klimaspor_session={s}"));
            }
            let got = req.send().await.unwrap().status().as_u16();
            assert_eq!(got, want, "GET {path} as {name}");
        }
    }
    // The API with the session cookie and its CSRF token: the same rules as for tokens.
    let (sg, _) = app.sub_goal("14.1").await;
    let api: [(Method, String, Value, [u16; 7]); 3] = [
        (
            Method::PUT,
            "/api/v1/plans/ballerup/measures/20/owners".into(),
            json!({"owner_ids": []}),
            [401, 403, 403, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/plans/roskilde/measures/20/owners".into(),
            json!({"owner_ids": []}),
            [401, 403, 403, 403, 200, 403, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/subgoals/{sg}/progress"),
            json!({"status": "on_track", "progress": 5}),
            [401, 403, 403, 201, 403, 201, 201],
        ),
    ];
    for (method, path, body, expected) in api {
        for ((name, session), want) in sessions.iter().zip(expected) {
            let etag = app.get(&format!("/api/v1/subgoals/{sg}")).await.headers()["etag"]
                .to_str()
                .unwrap()
                .to_string();
            let mut req = app
                .client
                .request(method.clone(), app.url(&path))
                .header("Origin", &app.address)
                .header("If-Match", etag)
                .json(&body);
            if let Some(s) = session {
                req = req
                    .header("Cookie", format!("klimaspor_session={s}"))
                    .header("X-CSRF-Token", klimaspor::domain::signin::csrf_token(s));
            }
            let res = req.send().await.unwrap();
            let got = res.status().as_u16();
            if got >= 400 {
                assert_problem(res, got).await;
            }
            assert_eq!(got, want, "{method} {path} as {name}");
        }
    }
}
both!(people_authorization_matrix);

/// With reads closed, a token or person reads the plans it has a role on, and no other.
async fn closed_reads_are_scoped_to_the_plan(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let Some(app) = spawn_app_with(backend, |c| c.public_read = false).await else {
        return;
    };
    app.second_plan("roskilde").await;
    let ballerup_reader = app.token(TokenKind::Reader, "Revisionen", &[]).await;
    let roskilde_admin = app
        .token_on(TokenKind::Admin, "roskilde", "Roskildes klimateam", &[])
        .await;
    let operator = app.operator().await;
    let (sg, _) = app.sub_goal_with("14.1", &operator).await;
    let ind = {
        let res = app
            .client
            .get(app.url("/api/v1/plans/ballerup/indicators"))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        res.json::<Value>().await.unwrap()[0]["id"]
            .as_i64()
            .unwrap()
    };
    let paths = [
        "/api/v1/plans/ballerup".to_string(),
        "/api/v1/plans/ballerup/measures".into(),
        "/api/v1/plans/ballerup/measures/14".into(),
        "/api/v1/plans/ballerup/subgoals".into(),
        format!("/api/v1/subgoals/{sg}"),
        format!("/api/v1/subgoals/{sg}/progress"),
        format!("/api/v1/indicators/{ind}"),
        "/api/v1/plans/ballerup/export.csv".into(),
    ];
    for path in &paths {
        for (who, token, want) in [
            ("nobody", None, 401),
            ("Ballerup's reader", Some(&ballerup_reader), 200),
            ("Roskilde's admin", Some(&roskilde_admin), 403),
            ("an operator", Some(&operator), 200),
        ] {
            let mut req = app.client.get(app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            let got = res.status().as_u16();
            if got >= 400 {
                assert_problem(res, got).await;
            }
            assert_eq!(got, want, "GET {path} as {who}");
        }
    }
    // The list of plans shows each caller its own.
    let slugs = |token: String| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(app.url("/api/v1/plans"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            res.json::<Value>()
                .await
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["slug"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(slugs(roskilde_admin.clone()).await, ["roskilde"]);
    assert_eq!(slugs(operator.clone()).await.len(), 2);
}
both!(closed_reads_are_scoped_to_the_plan);
