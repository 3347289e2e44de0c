//! Secrets never reach the log: the real binary, logging JSON at debug level for klimaspor,
//! through a full day's sign-ins (an e-mailed link, OpenID Connect with a client secret), API
//! calls with a bearer token and with a session and its CSRF token, a token made on the admin
//! page, and sign-out. Then its log is searched for every secret it was handed or handed out.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header;

use crate::helpers::free_port;
use crate::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider, browser, through_provider_at};
use crate::signin::{Browser, use_link};

fn cli(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(args)
        .env("KLIMASPOR_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("klimaspor runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The sign-in link in the outbox's newest mail to `to`.
fn link_in_outbox(dir: &std::path::Path, to: &str) -> String {
    let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(dir.join("outbox"))
        .expect("outbox")
        .flatten()
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.metadata().ok()?.modified().ok()?, text))
        })
        .filter(|(_, t)| t.contains(&format!("To: {to}")) && t.contains("/log-ind/link"))
        .collect();
    mails.sort();
    let raw = &mails.last().expect("a sign-in mail").1;
    let text = raw
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = text.find("/log-ind/link?kode=").expect("link") + "/log-ind/link?kode=".len();
    let code: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    format!("/log-ind/link?kode={code}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_ever_logged() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let Some(provider) = OidcProvider::start(&format!("{base}/log-ind/oidc/retur")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cli(d, &["migrate"]);
    cli(
        d,
        &[
            "person",
            "add",
            "--name",
            "Sara Sekretariat",
            "--email",
            "sara@ballerup.example",
        ],
    );
    cli(
        d,
        &[
            "admin",
            "grant",
            "sara@ballerup.example",
            "--plan",
            "ballerup",
        ],
    );
    let bearer = cli(
        d,
        &[
            "token",
            "create",
            "--role",
            "admin",
            "--name",
            "Integration",
        ],
    )
    .lines()
    .last()
    .unwrap()
    .to_string();
    let log_path = d.join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_klimaspor"))
        .args(["serve", "--no-scheduler"])
        .env("KLIMASPOR_DATA_DIR", d)
        .env("KLIMASPOR_BIND", format!("127.0.0.1:{port}"))
        .env("KLIMASPOR_PUBLIC_URL", &base)
        .env("KLIMASPOR_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,klimaspor=debug")
        .env("KLIMASPOR_OIDC_ISSUER", &provider.issuer)
        .env("KLIMASPOR_OIDC_CLIENT_ID", CLIENT_ID)
        .env("KLIMASPOR_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("start klimaspor");
    let started = Instant::now();
    while !reqwest::get(format!("{base}/readyz"))
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut secrets: Vec<(&str, String)> = vec![
        ("the bearer token", bearer.clone()),
        ("the OpenID client secret", CLIENT_SECRET.to_string()),
    ];

    // An e-mailed link.
    let mut b = Browser::at(&base);
    let form = b.get("/log-ind").await;
    let form_token = form.hidden("csrf");
    b.post(
        "/log-ind",
        &[("email", "sara@ballerup.example"), ("csrf", &form_token)],
    )
    .await;
    let link = link_in_outbox(d, "sara@ballerup.example");
    let signed = use_link(&mut b, &link).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let session = b.session().expect("session");
    let me = b.get("/min-side").await;
    let csrf = me.hidden("csrf");
    secrets.push((
        "the sign-in link",
        link.rsplit('=').next().unwrap().to_string(),
    ));
    secrets.push(("the sign-in form's token", form_token));
    secrets.push(("the session id", session.clone()));
    secrets.push(("the session's CSRF token", csrf.clone()));

    // The API with the bearer token and with the session.
    let api = reqwest::Client::new();
    let res = api
        .put(format!("{base}/api/v1/plans/ballerup/measures/14/owners"))
        .bearer_auth(&bearer)
        .json(&serde_json::json!({"owner_ids": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = api
        .put(format!("{base}/api/v1/plans/ballerup/measures/15/owners"))
        .header(header::COOKIE, format!("klimaspor_session={session}"))
        .header(header::ORIGIN, &base)
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({"owner_ids": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // A refused bearer token is not echoed into the log either.
    let wrong = "ks_0000000000000000000000000000000000000000000000000000000000000000";
    let res = api
        .get(format!("{base}/api/v1/plans"))
        .bearer_auth(wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    secrets.push(("a wrong bearer token", wrong.to_string()));

    // A token made on the admin page, shown once.
    let tokens = b.get("/admin/ballerup/tokens").await;
    assert_eq!(tokens.status, 200);
    let made = b
        .post(
            "/admin/ballerup/tokens",
            &[
                ("csrf", &csrf),
                ("name", "Energistyring"),
                ("kind", "reader"),
                ("owner", ""),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let shown = made
        .body
        .split("id=\"new-token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the new token is shown")
        .to_string();
    assert!(shown.starts_with("ks_"));
    secrets.push(("the token made on the admin page", shown));

    // OpenID Connect.
    let ob = browser();
    let back = through_provider_at(&base, &provider, &ob, "sara@ballerup.example").await;
    let code = back
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .expect("a code")
        .to_string();
    let res = ob.get(&back).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let oidc_session = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("klimaspor_session="))
        .and_then(|v| v.split(';').next())
        .expect("an OpenID session")
        .to_string();
    secrets.push(("the authorisation code", code));
    secrets.push(("the OpenID session id", oidc_session));

    // Sign out.
    let out = b.post("/log-ud", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 200);

    let _ = server.kill();
    let _ = server.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("signed in with an e-mail link")
            && log.contains("signed in with OpenID Connect"),
        "the log is the one of these sign-ins:\n{log}"
    );
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is a real secret");
        assert!(!log.contains(secret.as_str()), "{what} is in the log");
    }
    eprintln!(
        "searched {} lines of log for {} secrets: none found",
        log.lines().count(),
        secrets.len()
    );
}
