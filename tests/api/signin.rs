//! Signing in with an e-mailed link, end to end: the mail read from a real SMTP server
//! (aiosmtpd), the link followed, the session used on pages and the API, and every refusal
//! (reused, expired, disabled, rate limited, another site's form, a missing CSRF token).

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use klimaspor::db::store::{self, NewPerson, Principal};
use klimaspor::domain::access::PlanRole;
use reqwest::header::{self, HeaderMap};
use serde_json::json;

use crate::both;
use crate::helpers::{SmtpSink, TestApp, spawn_app_with};
use crate::site::owner_of;

/// A browser as far as the tests need one: cookies kept per name (with their attributes, to
/// check them), redirects not followed, `Origin` sent on posts as a browser does.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    /// name → (value, the whole Set-Cookie line)
    pub cookies: BTreeMap<String, (String, String)>,
}

pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the hidden input `name` on the page.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect("hidden field") + marker.len();
        self.body[start..]
            .split('"')
            .next()
            .expect("value")
            .to_string()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self::at(&app.address)
    }

    /// A browser for the server at `base`.
    pub fn at(base: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .filter(|(_, (v, _))| !v.is_empty())
            .map(|(k, (v, _))| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let line = v.to_str().expect("ascii").to_string();
            let (name, value) = line
                .split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .expect("name=value");
            self.cookies
                .insert(name.to_string(), (value.to_string(), line.clone()));
        }
    }

    async fn finish(&mut self, res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        self.keep(&headers);
        Page {
            status,
            headers,
            body: res.text().await.expect("body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("request");
        self.finish(res).await
    }

    /// Post a form from `origin` (our own unless a test says otherwise).
    pub async fn post_from(&mut self, origin: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header())
            .header(header::ORIGIN, origin)
            .form(form)
            .send()
            .await
            .expect("request");
        self.finish(res).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let origin = self.base.clone();
        self.post_from(&origin, path, form).await
    }

    pub fn session(&self) -> Option<String> {
        self.cookies
            .get("klimaspor_session")
            .map(|(v, _)| v.clone())
            .filter(|v| !v.is_empty())
    }
}

/// Add a person the way `klimaspor person add` does.
pub async fn add_person(
    app: &TestApp,
    name: &str,
    email: &str,
    owners: Vec<i32>,
    role: Option<PlanRole>,
) -> i32 {
    let pool = app.pool.clone();
    let new = NewPerson {
        name: name.into(),
        email: email.into(),
        owner_ids: owners,
        role: role.map(|r| ("ballerup".to_string(), r)),
    };
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        store::add_person(
            &mut conn,
            &new,
            &Principal::operator("test"),
            klimaspor::clock::now_utc(),
        )
        .unwrap()
        .person
        .id
    })
    .await
    .unwrap()
}

/// Links handed out by [`link_in_mail`] (links are random, so one set serves every test).
static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The sign-in link in the mail to `to` that no earlier call returned (quoted-printable
/// undone). The maildir does not keep the order mails came in; the links are new each time.
pub fn link_in_mail(smtp: &SmtpSink, to: &str) -> Option<String> {
    let mut seen = SEEN.lock().unwrap();
    for raw in smtp
        .messages()
        .into_iter()
        .filter(|m| m.contains(&format!("To: {to}")))
    {
        let text = raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        let Some(start) = text.find("/log-ind/link?kode=") else {
            continue;
        };
        let code: String = text[start + "/log-ind/link?kode=".len()..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        let link = format!("/log-ind/link?kode={code}");
        if !seen.contains(&link) {
            seen.push(link.clone());
            return Some(link);
        }
    }
    None
}

/// Sign in with a link mailed to `email`.
pub async fn sign_in(b: &mut Browser, smtp: &SmtpSink, email: &str) {
    ask_for_link(b, email).await;
    let link = link_in_mail(smtp, email).expect("a link in the mail");
    let res = use_link(b, &link).await;
    assert_eq!(res.status, 303, "{}", res.body);
}

/// Ask for a link for `email` as a browser does (the form, then the post).
pub async fn ask_for_link(b: &mut Browser, email: &str) -> Page {
    let form = b.get("/log-ind").await;
    assert_eq!(form.status, 200);
    let csrf = form.hidden("csrf");
    b.post("/log-ind", &[("email", email), ("csrf", &csrf)])
        .await
}

/// Follow a link from a mail: the page, then its button.
pub async fn use_link(b: &mut Browser, link: &str) -> Page {
    let page = b.get(link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, kode) = (page.hidden("csrf"), page.hidden("kode"));
    b.post("/log-ind/link", &[("kode", &kode), ("csrf", &csrf)])
        .await
}

pub async fn with_smtp(app: TestApp) -> Option<(TestApp, SmtpSink)> {
    let smtp = SmtpSink::start()?;
    let backend = app.backend;
    drop(app);
    let url = smtp.url();
    let app = spawn_app_with(backend, |c| c.smtp_url = Some(url)).await?;
    Some((app, smtp))
}

pub fn sql(app: &TestApp, statement: &str) {
    let mut conn = app.pool.get().unwrap();
    conn.batch_execute(statement).unwrap();
}

async fn an_emailed_link_signs_in_once_and_the_session_acts_with_csrf(app: TestApp) {
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

    // An unknown address gets the same answer as a known one, and no mail.
    let unknown = ask_for_link(&mut b, "nobody@ballerup.example").await;
    let known = ask_for_link(&mut b, "Eva@Ballerup.example").await;
    assert_eq!((unknown.status, known.status), (303, 303));
    assert_eq!(unknown.location(), known.location());
    assert_eq!(known.location(), "/log-ind/sendt");
    let sent = b.get("/log-ind/sendt").await;
    assert!(sent.body.contains("Tjek din e-mail"), "{}", sent.body);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "one mail, to the known address");
    assert!(mails[0].contains("To: eva@ballerup.example"));
    let link = link_in_mail(&smtp, "eva@ballerup.example").expect("a link in the mail");

    // A form from another site, or without its token, is refused and sends nothing.
    let csrf = b.get("/log-ind").await.hidden("csrf");
    let evil = b
        .post_from(
            "https://evil.example",
            "/log-ind",
            &[("email", "eva@ballerup.example"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(evil.status, 403);
    let no_token = b
        .post("/log-ind", &[("email", "eva@ballerup.example")])
        .await;
    assert_eq!(no_token.status, 403);
    assert_eq!(smtp.messages().len(), 1);

    // A bad address is answered next to the field, in Danish.
    let bad = b
        .post("/log-ind", &[("email", "eva"), ("csrf", &csrf)])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("id=\"email-error\""), "{}", bad.body);
    assert!(
        bad.body
            .contains("Skriv en e-mailadresse som navn@kommune.dk.")
    );

    // A session id planted before sign-in is not the one after it.
    b.cookies.insert(
        "klimaspor_session".into(),
        ("planted".into(), String::new()),
    );
    let signed = use_link(&mut b, &link).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.location(), "/min-side");
    let session = b.session().expect("a session cookie");
    assert_ne!(session, "planted");
    assert_eq!(session.len(), 64);
    let line = &b.cookies["klimaspor_session"].1;
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(line.contains(flag), "{line} has {flag}");
    }
    assert!(
        !line.contains("Secure"),
        "plain http on loopback: no Secure flag, or the browser would not send it back"
    );

    let me = b.get("/min-side").await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("Eva Ejendom") && me.body.contains("Center for Ejendomme"));
    assert_eq!(
        me.headers[header::CACHE_CONTROL],
        "no-store",
        "a personal page is not stored"
    );

    // The API takes the session cookie for the browser's own requests, with the CSRF token.
    let (id, etag) = app.sub_goal("14.1").await;
    let before = app.progress_count().await;
    let progress = json!({"status": "on_track", "progress": 30});
    let post = |csrf: Option<String>, origin: &'static str| {
        let mut req = app
            .client
            .post(app.url(&format!("/api/v1/subgoals/{id}/progress")))
            .header(header::COOKIE, format!("klimaspor_session={session}"))
            .header("If-Match", &etag)
            .json(&progress);
        if !origin.is_empty() {
            req = req.header(header::ORIGIN, origin);
        }
        if let Some(c) = csrf {
            req = req.header("X-CSRF-Token", c);
        }
        req.send()
    };
    let csrf_token = me.hidden("csrf");
    let res = post(None, "").await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
    let res = post(Some(csrf_token.clone()), "https://evil.example")
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "another site's page");
    assert_eq!(
        app.progress_count().await,
        before,
        "refused writes change nothing"
    );
    let origin: &'static str = Box::leak(app.address.clone().into_boxed_str());
    let res = post(Some(csrf_token.clone()), origin).await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let stored = app
        .get_json(&format!("/api/v1/subgoals/{id}/progress"))
        .await;
    assert_eq!(stored[0]["reporter"], "Eva Ejendom");

    // The link worked once.
    let mut other = Browser::new(&app);
    let again = use_link(&mut other, &link).await;
    assert_eq!(again.status, 403);
    assert!(again.body.contains("Linket virker ikke"), "{}", again.body);
    assert!(other.session().is_none());

    // Signing out ends the session in the database: the old cookie is worth nothing.
    let out = b.post("/log-ud", &[("csrf", &csrf_token)]).await;
    assert_eq!(out.status, 200);
    assert!(out.body.contains("Du er logget ud"));
    assert_eq!(b.session(), None, "the cookie is cleared");
    b.cookies
        .insert("klimaspor_session".into(), (session.clone(), String::new()));
    let after = b.get("/min-side").await;
    assert_eq!(after.status, 303);
    assert_eq!(after.location(), "/log-ind");

    // The audit log has the sign-in and the sign-out.
    let actions = app.audit_actions();
    assert!(actions.contains(&"sign_in".to_string()), "{actions:?}");
    assert!(actions.contains(&"sign_out".to_string()), "{actions:?}");
}
both!(an_emailed_link_signs_in_once_and_the_session_acts_with_csrf);

async fn expired_links_disabled_people_and_too_many_links_are_refused(app: TestApp) {
    let Some((app, smtp)) = with_smtp(app).await else {
        return;
    };
    add_person(
        &app,
        "Ida Læser",
        "ida@ballerup.example",
        vec![],
        Some(PlanRole::Reader),
    )
    .await;
    let mut b = Browser::new(&app);

    // Expired: the link is 16 minutes old.
    ask_for_link(&mut b, "ida@ballerup.example").await;
    let link = link_in_mail(&smtp, "ida@ballerup.example").unwrap();
    sql(&app, "UPDATE login_links SET expires_at = requested_at");
    let expired = use_link(&mut b, &link).await;
    assert_eq!(expired.status, 403);
    assert!(b.session().is_none());

    // Disabled after the link was sent.
    ask_for_link(&mut b, "ida@ballerup.example").await;
    let link = link_in_mail(&smtp, "ida@ballerup.example").unwrap();
    sql(&app, "UPDATE persons SET active = FALSE");
    let disabled = use_link(&mut b, &link).await;
    assert_eq!(disabled.status, 403);
    assert!(
        disabled.body.contains("Din adgang er lukket"),
        "{}",
        disabled.body
    );
    assert!(b.session().is_none());
    // … and a disabled person gets no new link.
    let before = smtp.messages().len();
    ask_for_link(&mut b, "ida@ballerup.example").await;
    assert_eq!(smtp.messages().len(), before);
    sql(&app, "UPDATE persons SET active = TRUE");

    // At most five links an hour to one address; the page still answers the same.
    for _ in 0..6 {
        let p = ask_for_link(&mut b, "ida@ballerup.example").await;
        assert_eq!(p.location(), "/log-ind/sendt");
    }
    let to_ida = smtp
        .messages()
        .iter()
        .filter(|m| m.contains("To: ida@ballerup.example"))
        .count();
    assert_eq!(to_ida, 5, "two earlier links and three more, then no more");
    let limited: i64 = {
        use diesel::prelude::*;
        use klimaspor::db::schema::audit_log;
        let mut conn = app.pool.get().unwrap();
        audit_log::table
            .filter(audit_log::action.eq("sign_in_limited"))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert!(limited >= 1);
}
both!(expired_links_disabled_people_and_too_many_links_are_refused);

async fn sessions_end_when_idle_and_everywhere_on_request(app: TestApp) {
    let Some((app, smtp)) = with_smtp(app).await else {
        return;
    };
    add_person(&app, "Anne Admin", "anne@ballerup.example", vec![], None).await;
    let (mut laptop, mut phone) = (Browser::new(&app), Browser::new(&app));
    sign_in(&mut laptop, &smtp, "anne@ballerup.example").await;
    sign_in(&mut phone, &smtp, "anne@ballerup.example").await;
    assert_eq!(laptop.get("/min-side").await.status, 200);

    // Idle for 8 hours: the session has ended.
    let nine_hours_ago = (klimaspor::clock::now_utc() - chrono::Duration::hours(9))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    sql(
        &app,
        &format!(
            "UPDATE sessions SET created_at = '{nine_hours_ago}', last_seen_at = '{nine_hours_ago}' \
             WHERE secret_hash = '{}'",
            klimaspor::domain::token::hash(&phone.session().unwrap())
        ),
    );
    assert_eq!(phone.get("/min-side").await.status, 303);

    // "Log out everywhere" ends every session of the person.
    sign_in(&mut phone, &smtp, "anne@ballerup.example").await;
    let me = laptop.get("/min-side").await;
    assert!(me.body.contains("denne"), "the current session is marked");
    let csrf = me.hidden("csrf");
    let done = laptop
        .post("/min-side/log-ud-alle", &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(laptop.get("/min-side").await.status, 303);
    assert_eq!(phone.get("/min-side").await.status, 303);
    let open: i64 = {
        use diesel::prelude::*;
        use klimaspor::db::schema::sessions;
        let mut conn = app.pool.get().unwrap();
        sessions::table
            .filter(sessions::ended_at.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(open, 0, "every session of the person has ended");
}
both!(sessions_end_when_idle_and_everywhere_on_request);
