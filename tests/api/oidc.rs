//! Signing in with a real OpenID provider on loopback: the npm package `oidc-provider` (a
//! certified implementation), started from `tests/oidc/provider.mjs`. Sign-in works; a tampered
//! ID token, a wrong nonce, a wrong audience, an expired code, a replayed state and an unknown
//! person are each refused. Needs node and `npm install --prefix target/browser-tools
//! oidc-provider@9` (`.ci/run` does it); without them the test says SKIPPED, and
//! `KLIMASPOR_TEST_REQUIRE_OIDC=1` (set in CI) makes that a failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header;

use crate::helpers::{Backend, TestApp, free_port, spawn_app_with};
use crate::signin::add_person;

pub const CLIENT_ID: &str = "klimaspor-test";
pub const CLIENT_SECRET: &str = "oidc-client-secret-4f1b2c";

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-tools")
}

/// The provider, stopped when dropped.
pub struct OidcProvider {
    child: Child,
    pub issuer: String,
}

impl OidcProvider {
    /// Start the provider for a client that returns to `redirect_uri`.
    pub fn start(redirect_uri: &str) -> Option<Self> {
        let installed = tools()
            .join("node_modules/oidc-provider/package.json")
            .exists()
            && Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
        if !installed {
            let msg = "SKIPPED (no OpenID provider): node and npm install --prefix target/browser-tools oidc-provider@9";
            if std::env::var("KLIMASPOR_TEST_REQUIRE_OIDC").is_ok_and(|v| v == "1") {
                panic!("{msg}, but KLIMASPOR_TEST_REQUIRE_OIDC=1");
            }
            eprintln!("\n*** {msg} ***\n");
            return None;
        }
        // Next to the package, so that node finds it.
        let script = tools().join("klimaspor-oidc-provider.mjs");
        std::fs::copy(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs"),
            &script,
        )
        .expect("copy the provider script");
        let port = free_port();
        let log = std::fs::File::create(tools().join(format!("oidc-provider-{port}.log")))
            .expect("provider log");
        let child = Command::new("node")
            .arg(&script)
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .env("NODE_ENV", "development")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start node");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the OpenID provider did not start; see target/browser-tools/oidc-provider-{port}.log"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        })
    }

    pub async fn mode(&self, mode: &str) {
        let res = reqwest::get(format!("{}/__mode?m={mode}", self.issuer))
            .await
            .expect("provider answers");
        assert!(res.status().is_success());
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app with OpenID Connect configured against a fresh provider.
pub async fn app_with_provider(backend: Backend) -> Option<(TestApp, OidcProvider)> {
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let provider = OidcProvider::start(&format!("{public}/log-ind/oidc/retur"))?;
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(backend, |c| {
        c.bind = format!("127.0.0.1:{port}");
        c.public_url = public.clone();
        c.auth.oidc_issuer = Some(issuer);
        c.auth.oidc_client_id = Some(CLIENT_ID.into());
        c.auth.oidc_client_secret = Some(CLIENT_SECRET.parse().unwrap());
    })
    .await?;
    Some((app, provider))
}

/// A browser with a cookie jar, not following redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_string()
    } else {
        format!("{base}{location}")
    }
}

/// From `/log-ind/oidc` through the provider's login page (as `login`) to the URL it sends the
/// browser back to, which is returned unvisited.
pub async fn through_provider(
    app: &TestApp,
    provider: &OidcProvider,
    b: &reqwest::Client,
    login: &str,
) -> String {
    through_provider_at(&app.address, provider, b, login).await
}

/// [`through_provider`] for a server at `base`.
pub async fn through_provider_at(
    base: &str,
    provider: &OidcProvider,
    b: &reqwest::Client,
    login: &str,
) -> String {
    let res = b.get(format!("{base}/log-ind/oidc")).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let mut url = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&provider.issuer), "{url}");
    for _ in 0..10 {
        if url.starts_with(base) {
            return url;
        }
        let res = b.get(&url).send().await.unwrap();
        if res.status().is_redirection() {
            url = absolute(
                &provider.issuer,
                res.headers()[header::LOCATION].to_str().unwrap(),
            );
            continue;
        }
        // The provider's login page: post the form to where it says.
        let html = res.text().await.unwrap();
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("a login form: {html}"))
            .to_string();
        let res = b
            .post(absolute(&provider.issuer, &action))
            .form(&[("prompt", "login"), ("login", login), ("password", "x")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        url = absolute(
            &provider.issuer,
            res.headers()[header::LOCATION].to_str().unwrap(),
        );
    }
    panic!("the provider did not send the browser back: {url}");
}

/// The detail of the newest refused sign-in in the audit log.
fn newest_refusal(app: &TestApp) -> String {
    use diesel::prelude::*;
    use klimaspor::db::schema::audit_log;
    let mut conn = app.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq("sign_in_refused"))
        .order(audit_log::id.desc())
        .select(audit_log::detail)
        .first(&mut conn)
        .unwrap_or_default()
}

fn has_session(res: &reqwest::Response) -> bool {
    res.headers().get_all(header::SET_COOKIE).iter().any(|v| {
        v.to_str().unwrap_or("").starts_with("klimaspor_session=")
            && !v.to_str().unwrap_or("").starts_with("klimaspor_session=;")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_connect_signs_people_in_and_refuses_what_does_not_verify() {
    let Some((app, provider)) = app_with_provider(Backend::Sqlite).await else {
        return;
    };
    add_person(&app, "Ole Openid", "ole@ballerup.example", vec![], None).await;

    // The sign-in page offers the work account.
    let page = app.get("/log-ind").await.text().await.unwrap();
    assert!(page.contains("Log ind med din arbejdskonto"), "{page}");

    // It works: the person comes back signed in.
    let b = browser();
    let back = through_provider(&app, &provider, &b, "ole@ballerup.example").await;
    let res = b.get(&back).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()[header::LOCATION], "/min-side");
    assert!(has_session(&res));
    let me = b.get(app.url("/min-side")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let me = me.text().await.unwrap();
    assert!(
        me.contains("Ole Openid") && me.contains("Arbejdskonto"),
        "{me}"
    );

    // The same return visited again (a replayed state) is refused.
    let again = b.get(&back).send().await.unwrap();
    assert_eq!(again.status(), 403);

    // What a provider must not be believed in: each is refused, and nobody is signed in.
    for (mode, what, expect) in [
        ("tamper", "a tampered ID token", "ID token is not valid"),
        ("nonce", "a wrong nonce", "nonce"),
        ("audience", "a wrong audience", "audience"),
        ("expire", "an expired code", "refused the code"),
        (
            "unverified",
            "an unverified e-mail address",
            "is not verified",
        ),
    ] {
        provider.mode(mode).await;
        let b = browser();
        let back = through_provider(&app, &provider, &b, "ole@ballerup.example").await;
        if mode == "expire" {
            tokio::time::sleep(Duration::from_millis(2100)).await;
        }
        let res = b.get(&back).send().await.unwrap();
        assert!(!has_session(&res), "{what}: no session");
        assert_eq!(res.status(), 403, "{what}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Du kunne ikke logges ind"), "{what}: {body}");
        assert_eq!(
            b.get(app.url("/min-side")).send().await.unwrap().status(),
            303,
            "{what}: not signed in"
        );
        let why = newest_refusal(&app);
        eprintln!("{what}: {why}");
        assert!(why.contains(expect), "{what}: refused because {why}");
    }
    // The provider rotates its keys: the new key is fetched and the person signed in, although
    // the keys fetched at the first sign-in do not have it.
    provider.mode("rotate").await;
    let b = browser();
    let back = through_provider(&app, &provider, &b, "ole@ballerup.example").await;
    let res = b.get(&back).send().await.unwrap();
    assert_eq!(res.status(), 303, "signed with a rotated key");
    assert!(has_session(&res), "signed with a rotated key");
    provider.mode("normal").await;

    // A person the provider knows and klimaspor does not is told whom to ask.
    let b = browser();
    let back = through_provider(&app, &provider, &b, "stranger@ballerup.example").await;
    let res = b.get(&back).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(!has_session(&res));
    let body = res.text().await.unwrap();
    assert!(body.contains("Vi kender ikke den konto"), "{body}");
    assert!(body.contains("Klimasekretariatet"), "{body}");
}
