//! From a configuration to a running server: open the database, apply migrations, load the
//! Ballerup plan into an empty database, bind the listener, build the app.

use std::net::TcpListener;

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::api::{self, AppState};
use crate::config::{Config, DatabaseArgs};
use crate::db::{self, Backend, Pool, import, store};
use crate::domain::plan_doc::PlanDoc;
use crate::report::Templates;
use crate::scheduler;

/// Open the configured database, apply pending migrations and, if it holds no plan and
/// `seed_on_empty` is set, import the Ballerup plan — under the setup lock, so that replicas
/// starting together on an empty database take turns instead of failing.
pub fn prepare_database(config: &DatabaseArgs) -> anyhow::Result<(Backend, Pool)> {
    let url = config.database_url();
    let (backend, pool) = db::connect(&url, config.pool_size())?;
    let mut conn = pool
        .get()
        .with_context(|| format!("cannot use {}", backend.describe()))?;
    db::under_setup_lock(&mut conn, |conn| -> anyhow::Result<()> {
        let applied = db::run_migrations(conn)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        if config.seed_on_empty && store::is_empty(conn)? {
            let doc = PlanDoc::from_json(crate::BALLERUP_SEED)
                .map_err(|e| anyhow::anyhow!("the compiled-in Ballerup plan is invalid: {e}"))?;
            let summary = import::import_plan(conn, &doc, "klimaspor", crate::clock::now_utc())?;
            tracing::info!(
                plan = %summary.plan,
                measures = summary.measures.created,
                sub_goals = summary.sub_goals.created,
                "empty database: loaded the Ballerup plan"
            );
        }
        Ok(())
    })?;
    Ok((backend, pool))
}

pub struct Application {
    port: u16,
    server: Server,
    pool: Pool,
    scheduler: Option<(
        tokio::sync::watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // A template with an unknown placeholder or section stops the start, saying which.
        let templates = Arc::new(Templates::load(&config.templates_dir)?);
        // Schedules, recipients and the mail setup are checked now, not when a report is due.
        let scheduler = Arc::new(config.scheduler_config(templates.clone())?);
        let mailer = config.mailer()?;
        let cfg = config.clone();
        let (backend, pool) = web::block(move || prepare_database(&cfg.db))
            .await
            .context("database preparation was interrupted")??;
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        tracing::info!(
            address = %listener.local_addr()?,
            database = %backend.describe(),
            public_read = config.public_read,
            "klimaspor is serving"
        );
        let writer = match &backend {
            Backend::Sqlite(_) => Some(db::writer::GroupWriter::start(&db::Manager::new(
                backend.clone(),
            ))?),
            Backend::Postgres(_) => None,
        };
        let site = crate::web::Site::new(
            &config.site_name,
            &config.accent_color,
            &config.accessibility_url,
            &config.embed_ancestors,
            &config.public_url,
            config.public_read,
        )?;
        // The error pages, which actix builds without the request's state, read it here.
        let _ = crate::web::page::SITE.set(site.clone());
        let limits = crate::domain::signin::SessionLimits::new(
            config.auth.session_idle_minutes,
            config.auth.session_max_hours,
        )
        .map_err(|e| anyhow::anyhow!("KLIMASPOR_SESSION_IDLE_MINUTES / _MAX_HOURS: {e}"))?;
        let auth = api::AuthSettings {
            cookies: crate::web::session::CookiePolicy::new(&config.public_url, limits),
            trust_forwarded: config.auth.trust_forwarded_for,
            mailer: mailer.clone(),
            mail_from: config.mail_from.clone(),
            public_url: config.public_url.trim_end_matches('/').to_string(),
            contact: config.auth.signin_contact.clone(),
            oidc: crate::web::oidc::Oidc::from_args(&config.auth, &config.public_url)?,
        };
        let state = AppState {
            auth: Arc::new(auth),
            site: Arc::new(site),
            writer,
            pool: pool.clone(),
            public_read: config.public_read,
            templates,
            scheduler: scheduler.clone(),
            wake: Arc::new(tokio::sync::Notify::new()),
            cache: Arc::new(api::cache::ResponseCache::new(
                std::time::Duration::from_millis(config.cache_revalidate_ms),
            )),
        };
        let scheduler_task = if config.no_scheduler {
            tracing::info!("scheduler off in this instance (--no-scheduler)");
            None
        } else {
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let task = tokio::spawn(scheduler::run_forever(
                pool.clone(),
                scheduler,
                mailer,
                Arc::new(scheduler::SystemClock),
                state.wake.clone(),
                stopped,
            ));
            Some((stop, task))
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .configure(api::configure)
                .wrap(actix_web::middleware::from_fn(api::head_as_get))
                .wrap(api::error::problem_fallback())
                .wrap(actix_web::middleware::from_fn(api::logging::log_request))
        })
        // Blocking work is database calls (which wait for one of the pool's connections
        // anyway) and the odd PDF or XLSX: more threads than connections only cost memory.
        .worker_max_blocking_threads(config.db.pool_size() as usize + 2)
        // No Nagle: a response written in more than one piece (the cached views go out in
        // slices) would otherwise wait for the client's delayed ACK — 40 ms per request.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>()
                && let Err(e) = tcp.set_nodelay(true)
            {
                tracing::debug!(error = %e, "TCP_NODELAY");
            }
        })
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            pool,
            scheduler: scheduler_task,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> Pool {
        self.pool.clone()
    }

    /// A handle to stop the server gracefully (in-flight requests finish).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serve until SIGTERM/SIGINT (or a stop through [`Self::handle`]): in-flight requests
    /// finish, then the scheduler finishes its current tick and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some((stop, task)) = self.scheduler {
            let _ = stop.send(true);
            let _ = task.await;
        }
        served
    }
}
