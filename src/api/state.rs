//! The state every HTTP handler shares: the pool, the templates, the scheduler's settings,
//! the SQLite writer and the cache of plan views. Built once by `startup`, cloned per worker.

use std::sync::Arc;

use crate::db::{self, Pool};
use crate::report::Templates;
use crate::scheduler::SchedulerConfig;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub public_read: bool,
    /// Report templates, loaded and checked at start-up.
    pub templates: Arc<Templates>,
    /// Schedules and recipients (also when this instance runs no scheduler).
    pub scheduler: Arc<SchedulerConfig>,
    /// Wakes this instance's scheduler, e.g. when an operator asks for a run.
    pub wake: Arc<tokio::sync::Notify>,
    /// SQLite: the group-commit writer every API write goes through. PostgreSQL: none.
    pub writer: Option<db::writer::GroupWriter>,
    /// Serialised read views of the plans, checked against each plan's data version.
    pub cache: Arc<super::cache::ResponseCache>,
    /// The web site's settings.
    pub site: Arc<crate::web::Site>,
    /// Signing people in: cookies, the mailer for sign-in links, OpenID Connect.
    pub auth: Arc<AuthSettings>,
}

/// How people sign in on this server.
pub struct AuthSettings {
    pub cookies: crate::web::session::CookiePolicy,
    /// Count the first `X-Forwarded-For` address as the client (behind a trusted proxy).
    pub trust_forwarded: bool,
    /// Sign-in links go out through the reports' mailer (SMTP or the file outbox).
    pub mailer: Arc<dyn crate::mail::Mailer>,
    pub mail_from: String,
    /// The public address the links in mails point to, without a trailing slash.
    pub public_url: String,
    /// Whom a person who cannot sign in should ask (shown on the refusal pages).
    pub contact: String,
    /// OpenID Connect, when configured.
    pub oidc: Option<crate::web::oidc::Oidc>,
}
