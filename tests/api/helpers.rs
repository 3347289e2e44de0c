//! `spawn_app()`: the real application on port 0 over a real database, and the PostgreSQL
//! test server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use klimaspor::config::Config;
use klimaspor::db::Pool;
use klimaspor::db::store::{self, NewToken};
use klimaspor::domain::token::{self, TokenKind};
use klimaspor::startup::Application;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Run a test body on both backends: `both!(name)` expects `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) =
                    $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await
                {
                    super::$name(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) =
                    $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await
                {
                    super::$name(app).await;
                }
            }
        }
    };
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: Pool,
    pub config: Config,
    pub backend: Backend,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

/// Start the application on a fresh database. `None` (with a loud SKIPPED line) when the
/// backend is PostgreSQL and no server is available; `KLIMASPOR_TEST_REQUIRE_POSTGRES=1`
/// (set in CI) turns that into a failure.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_data_dir(dir.path().to_path_buf());
    if backend == Backend::Postgres {
        let Some(url) = postgres::fresh_database() else {
            let msg = "SKIPPED (no PostgreSQL): no server binaries (initdb) and no KLIMASPOR_TEST_POSTGRES_URL";
            if std::env::var("KLIMASPOR_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("{msg}, but KLIMASPOR_TEST_REQUIRE_POSTGRES=1");
            }
            eprintln!("\n*** {msg} ***\n");
            return None;
        };
        config.db.database_url = Some(url);
    }
    adjust(&mut config);
    Some(start(config, backend, dir).await)
}

async fn start(config: Config, backend: Backend, dir: tempfile::TempDir) -> TestApp {
    let app = Application::build(&config)
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        pool,
        config,
        backend,
        handle,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stop the server gracefully and start a new one on the same database.
    pub async fn restart(self) -> TestApp {
        self.handle.stop(true).await;
        drop(self.pool);
        start(self.config, self.backend, self._dir).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("json")
    }

    /// Create a token on Ballerup the way `klimaspor token create` does.
    pub async fn token(&self, kind: TokenKind, name: &str, measures: &[i32]) -> String {
        self.token_on(kind, "ballerup", name, measures).await
    }

    /// Create a token for `plan` the way `klimaspor token create --plan` does.
    pub async fn token_on(
        &self,
        kind: TokenKind,
        plan: &str,
        name: &str,
        measures: &[i32],
    ) -> String {
        let plan = plan.to_string();
        let pool = self.pool.clone();
        let name = name.to_string();
        let measures = measures.to_vec();
        tokio::task::spawn_blocking(move || {
            let secret = token::generate().expect("random");
            let mut conn = pool.get().expect("connection");
            store::create_token(
                &mut conn,
                &NewToken {
                    name,
                    kind,
                    email: None,
                    plan_slug: plan,
                    measures,
                    token_hash: token::hash(&secret),
                },
                &store::Principal::operator("test"),
                klimaspor::clock::now_utc(),
            )
            .expect("token");
            secret
        })
        .await
        .expect("join")
    }

    /// A second plan, `slug`: the Ballerup plan imported under another name.
    pub async fn second_plan(&self, slug: &str) {
        let pool = self.pool.clone();
        let slug = slug.to_string();
        tokio::task::spawn_blocking(move || {
            let mut doc = klimaspor::domain::plan_doc::PlanDoc::from_json(klimaspor::BALLERUP_SEED)
                .expect("seed");
            doc.slug = slug;
            doc.municipality = "Roskilde Kommune".into();
            let mut conn = pool.get().expect("connection");
            klimaspor::db::import::import_plan(
                &mut conn,
                &doc,
                "test",
                klimaspor::clock::now_utc(),
            )
            .expect("import");
        })
        .await
        .expect("join");
    }

    /// An admin token of Ballerup's plan.
    pub async fn admin(&self) -> String {
        self.token(TokenKind::Admin, "Klimasekretariatet", &[])
            .await
    }

    /// An operator token (every plan).
    pub async fn operator(&self) -> String {
        self.token(TokenKind::Operator, "Drift", &[]).await
    }

    /// The id and ETag of sub-goal `key` (e.g. "12.1").
    pub async fn sub_goal(&self, key: &str) -> (i64, String) {
        self.sub_goal_as(key, None).await
    }

    /// [`TestApp::sub_goal`], read with `token` (for servers whose reads are closed).
    pub async fn sub_goal_with(&self, key: &str, token: &str) -> (i64, String) {
        self.sub_goal_as(key, Some(token)).await
    }

    async fn sub_goal_as(&self, key: &str, token: Option<&str>) -> (i64, String) {
        let measure: i32 = key
            .split('.')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("key");
        let mut req = self
            .client
            .get(self.url(&format!("/api/v1/plans/ballerup/measures/{measure}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), 200, "the measure of {key}");
        let m: Value = res.json().await.expect("json");
        let g = m["sub_goals"]
            .as_array()
            .expect("sub_goals")
            .iter()
            .find(|g| g["key"] == key)
            .expect("sub-goal")
            .clone();
        (
            g["id"].as_i64().expect("id"),
            g["etag"].as_str().expect("etag").to_string(),
        )
    }

    pub async fn post_progress(
        &self,
        id: i64,
        token: Option<&str>,
        if_match: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(&format!("/api/v1/subgoals/{id}/progress")))
            .json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(e) = if_match {
            req = req.header("If-Match", e);
        }
        req.send().await.expect("request")
    }

    /// The actions of the audit log, oldest first.
    pub fn audit_actions(&self) -> Vec<String> {
        use diesel::prelude::*;
        use klimaspor::db::schema::audit_log;
        let mut conn = self.pool.get().expect("connection");
        audit_log::table
            .order(audit_log::id.asc())
            .select(audit_log::action)
            .load(&mut conn)
            .expect("audit log")
    }

    pub async fn progress_count(&self) -> i64 {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("connection");
            store::count_progress(&mut conn).expect("count")
        })
        .await
        .expect("join")
    }
}

/// Assert an RFC 9457 problem response with `status`; returns its body.
pub async fn assert_problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(ct, "application/problem+json", "content type");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string());
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "problem has a detail: {body}"
    );
    body
}

pub mod postgres {
    //! A throwaway PostgreSQL cluster for the whole test run: `initdb` + `postgres` on a free
    //! port in a temp dir (as the `postgres` user when the tests run as root, since initdb
    //! refuses root), stopped and removed by a watchdog when the test process exits. Or the
    //! server named by `KLIMASPOR_TEST_POSTGRES_URL`. Each test gets its own database.

    use super::*;

    static SERVER: OnceLock<Option<String>> = OnceLock::new();

    fn find_bin(name: &str) -> Option<PathBuf> {
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
            && out.status.success()
        {
            let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(name);
            if p.exists() {
                return Some(p);
            }
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin").join(name))
            .filter(|p| p.exists())
            .collect();
        found.sort();
        found.pop()
    }

    fn is_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port")
    }

    fn as_postgres_user(script: &str) -> Command {
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "sh", "-c", script]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", script]);
            c
        };
        cmd.stdin(Stdio::null());
        cmd
    }

    fn start_cluster() -> Option<String> {
        if let Ok(url) = std::env::var("KLIMASPOR_TEST_POSTGRES_URL") {
            return Some(url);
        }
        let initdb = find_bin("initdb")?;
        let postgres = find_bin("postgres")?;
        let dir = tempfile::Builder::new()
            .prefix("klimaspor-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        Command::new("chmod").arg("777").arg(&dir).status().ok()?;
        let data = dir.join("data");
        let init = as_postgres_user(&format!(
            "'{}' -D '{}' -U postgres --auth=trust -E UTF8 --no-sync >'{}/initdb.log' 2>&1",
            initdb.display(),
            data.display(),
            dir.display()
        ))
        .status()
        .ok()?;
        if !init.success() {
            eprintln!("initdb failed; see {}/initdb.log", dir.display());
            return None;
        }
        let port = free_port();
        // The watchdog stops the server and removes the folder when this process is gone.
        let script = format!(
            "'{pg}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 \
             -c fsync=off -c max_connections=200 >'{dir}/server.log' 2>&1 & pg=$!; \
             while [ -d /proc/{me} ]; do sleep 1; done; kill -INT $pg; wait $pg; rm -rf '{dir}'",
            pg = postgres.display(),
            data = data.display(),
            dir = dir.display(),
            me = std::process::id(),
        );
        as_postgres_user(&script)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if diesel::PgConnection::establish(&url).is_ok() {
                return Some(url);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("PostgreSQL did not start; see {}/server.log", dir.display());
        None
    }

    /// The URL of a new, empty database, or `None` when no PostgreSQL is available.
    pub fn fresh_database() -> Option<String> {
        let server = SERVER.get_or_init(start_cluster).clone()?;
        let name = format!("t_{}", uuid_like());
        let mut conn = diesel::PgConnection::establish(&server).expect("connect to test server");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        Some(format!("{base}/{name}"))
    }

    fn uuid_like() -> String {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}_{}_{}", std::process::id(), t % 1_000_000_000, n)
    }
}

/// Path of the repository's Ballerup seed.
pub fn seed_path() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/ballerup.json"))
}

/// A real SMTP server on loopback (aiosmtpd from PyPI) that stores what it receives in a
/// maildir. `None` (with a loud SKIPPED line) when aiosmtpd is not installed, unless
/// `KLIMASPOR_TEST_REQUIRE_SMTP=1` (set in CI).
pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

pub fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("KLIMASPOR_TEST_REQUIRE_SMTP").is_ok_and(|v| v == "1") {
            panic!("aiosmtpd is not installed, but KLIMASPOR_TEST_REQUIRE_SMTP=1");
        }
        eprintln!("\n*** SKIPPED (no SMTP server): pip install aiosmtpd ***\n");
    }
    ok
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl SmtpSink {
    pub fn start() -> Option<Self> {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Option<Self> {
        if !smtp_available() {
            return None;
        }
        let maildir = tempfile::tempdir().expect("maildir");
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Self {
            child,
            port,
            maildir,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The maildir the messages arrive in (its `new/` folder holds them).
    pub fn maildir(&self) -> std::path::PathBuf {
        self.maildir.path().join("mail")
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let dir = self.maildir.path().join("mail").join("new");
        let mut out: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        out.sort();
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
