//! Configuration: command-line flags, each with an environment variable (see README and
//! `.env.example`). Parsed once in `main`; nothing else reads the environment.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use clap::builder::BoolishValueParser;

use crate::domain::report_kind::ReportKind;
use crate::domain::schedule::Schedule;
use crate::domain::{DomainError, EmailAddress};
use crate::mail::{FileMailer, Mailer, SmtpMailer};
use crate::report::Templates;
use crate::scheduler::SchedulerConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the data is: what every command that touches the database takes.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Database: postgres://USER:PASSWORD@HOST:PORT/DB, sqlite://PATH or a plain file path.
    /// Default: sqlite://KLIMASPOR_DATA_DIR/klimaspor.db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the embedded SQLite database.
    #[arg(long, env = "KLIMASPOR_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Size of the database connection pool; by default 4 on SQLite, 8 on PostgreSQL.
    #[arg(long, env = "KLIMASPOR_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,

    /// Load the Ballerup plan when the database holds no plan yet.
    #[arg(long, env = "KLIMASPOR_SEED_ON_EMPTY", default_value = "true",
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub seed_on_empty: bool,
}

/// When each report goes out (cron, seconds first, Copenhagen time).
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    /// When the half-yearly UGO status goes out (cron, seconds first, Copenhagen time).
    #[arg(
        long = "schedule-ugo-status",
        env = "KLIMASPOR_SCHEDULE_UGO_STATUS",
        default_value = "0 0 7 15 Jan,Jul *"
    )]
    pub ugo_status: String,

    /// When the green-accounts update goes out.
    #[arg(
        long = "schedule-green-accounts",
        env = "KLIMASPOR_SCHEDULE_GREEN_ACCOUNTS",
        default_value = "0 0 7 1 Apr *"
    )]
    pub green_accounts: String,

    /// When the council's annual report goes out.
    #[arg(
        long = "schedule-council-annual",
        env = "KLIMASPOR_SCHEDULE_COUNCIL_ANNUAL",
        default_value = "0 0 7 1 May *"
    )]
    pub council_annual: String,
}

/// The server's settings (`klimaspor serve`, the default command).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DatabaseArgs,

    #[command(flatten)]
    pub schedules: ScheduleArgs,

    /// Address and port the HTTP API listens on.
    #[arg(long, env = "KLIMASPOR_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Whether reads need no token (true) or a reader, owner or admin token (false).
    #[arg(long, env = "KLIMASPOR_PUBLIC_READ", default_value = "true",
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub public_read: bool,

    /// The name in the web site's header (the plan's own municipality is shown on its pages;
    /// this names the site on the list of plans and the sign-in page).
    #[arg(long, env = "KLIMASPOR_SITE_NAME", default_value = "Ballerup Kommune")]
    pub site_name: String,

    /// Accent colour of the web site, #rrggbb. It carries white text (buttons, the header
    /// band), so it must reach WCAG AA contrast (4.5:1) against white; the start refuses one
    /// that does not.
    #[arg(long, env = "KLIMASPOR_ACCENT_COLOR", default_value = "#005f73")]
    pub accent_color: String,

    /// The site's accessibility statement (Danish public sites publish it through the
    /// Agency for Digital Government's WAS tool), linked from every page's footer.
    #[arg(
        long,
        env = "KLIMASPOR_ACCESSIBILITY_URL",
        default_value = "https://www.was.digst.dk/"
    )]
    pub accessibility_url: String,

    /// Who may show the embeddable widgets (`/{plan}/indlejr/…`) in a frame: a CSP
    /// `frame-ancestors` source list, e.g. "https://ballerup.dk https://*.ballerup.dk".
    /// Every other page refuses to be framed.
    #[arg(long, env = "KLIMASPOR_EMBED_ANCESTORS", default_value = "'self'")]
    pub embed_ancestors: String,

    /// Milliseconds a cached plan view is served without asking the database whether another
    /// process (another instance, the CLI, an operator's SQL) changed the plan. Writes through
    /// this server are seen at once. 0 asks the database on every request.
    #[arg(long, env = "KLIMASPOR_CACHE_REVALIDATE_MS", default_value_t = 100)]
    pub cache_revalidate_ms: u64,

    /// Folder with one sub-folder per report kind holding its template.toml; a kind without
    /// a file uses the compiled-in wording.
    #[arg(
        long,
        env = "KLIMASPOR_TEMPLATES_DIR",
        default_value = "./report-templates"
    )]
    pub templates_dir: PathBuf,

    /// Do not run the scheduler here (replicas that should only serve).
    #[arg(long, env = "KLIMASPOR_NO_SCHEDULER", default_value = "false",
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true")]
    pub no_scheduler: bool,

    /// Recipients of the UGO status, comma-separated.
    #[arg(
        long,
        env = "KLIMASPOR_RECIPIENTS_UGO_STATUS",
        default_value = "ugo@ballerup.example"
    )]
    pub recipients_ugo_status: String,

    /// Recipients of the green-accounts update, comma-separated.
    #[arg(
        long,
        env = "KLIMASPOR_RECIPIENTS_GREEN_ACCOUNTS",
        default_value = "groent-regnskab@ballerup.example"
    )]
    pub recipients_green_accounts: String,

    /// Recipients of the council's annual report, comma-separated.
    #[arg(
        long,
        env = "KLIMASPOR_RECIPIENTS_COUNCIL_ANNUAL",
        default_value = "byraadet@ballerup.example"
    )]
    pub recipients_council_annual: String,

    /// SMTP server, as smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or
    /// smtps://USER:PASS@HOST:465. Without it mail goes to KLIMASPOR_DATA_DIR/outbox/ as .eml.
    #[arg(long, env = "KLIMASPOR_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of the mails.
    #[arg(
        long,
        env = "KLIMASPOR_MAIL_FROM",
        default_value = "klimaspor <klimaspor@ballerup.example>"
    )]
    pub mail_from: String,

    /// Reports whose due time passed at most this many days ago are sent when found missing.
    #[arg(long, env = "KLIMASPOR_CATCH_UP_DAYS", default_value_t = 60)]
    pub catch_up_days: i64,

    /// How many hours a mail is retried before its run is marked failed.
    #[arg(long, env = "KLIMASPOR_MAIL_RETRY_HOURS", default_value_t = 24)]
    pub mail_retry_hours: i64,

    /// The address owners reach the API at, for the links in reminders.
    #[arg(
        long,
        env = "KLIMASPOR_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,

    #[command(flatten)]
    pub auth: AuthArgs,
}

/// A setting that must never be printed: `{:?}` shows `[hidden]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[hidden]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// Signing people in.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthArgs {
    /// A session ends this many minutes after its last request.
    #[arg(long, env = "KLIMASPOR_SESSION_IDLE_MINUTES", default_value_t = 480)]
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in, however busy.
    #[arg(long, env = "KLIMASPOR_SESSION_MAX_HOURS", default_value_t = 168)]
    pub session_max_hours: i64,
    /// Count the first X-Forwarded-For address as the client for the sign-in limits (only
    /// behind a proxy that sets it).
    #[arg(long, env = "KLIMASPOR_TRUST_FORWARDED_FOR", default_value = "false",
        action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
    /// Whom people who cannot sign in should ask, shown on the refusal pages.
    #[arg(
        long,
        env = "KLIMASPOR_SIGNIN_CONTACT",
        default_value = "Klimasekretariatet, klima@ballerup.example"
    )]
    pub signin_contact: String,
    /// The OpenID provider's issuer URL (e.g. Entra ID:
    /// https://login.microsoftonline.com/TENANT/v2.0). Without it, only e-mail links.
    #[arg(long, env = "KLIMASPOR_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    #[arg(long, env = "KLIMASPOR_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    #[arg(long, env = "KLIMASPOR_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<Secret>,
    /// The ID token claim that holds a person's e-mail address as klimaspor knows it.
    #[arg(long, env = "KLIMASPOR_OIDC_CLAIM", default_value = "email",
        value_parser = ["email", "preferred_username"])]
    pub oidc_claim: String,
    /// The sign-in button's text.
    #[arg(
        long,
        env = "KLIMASPOR_OIDC_LABEL",
        default_value = "Log ind med din arbejdskonto"
    )]
    pub oidc_label: String,
}

impl Default for AuthArgs {
    fn default() -> Self {
        Self {
            session_idle_minutes: 480,
            session_max_hours: 168,
            trust_forwarded_for: false,
            signin_contact: "Klimasekretariatet, klima@ballerup.example".into(),
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_claim: "email".into(),
            oidc_label: "Log ind med din arbejdskonto".into(),
        }
    }
}

impl DatabaseArgs {
    /// The database URL in force: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("klimaspor.db").display()),
        }
    }

    /// Connections in the pool: as configured, else 4 on SQLite and 8 on PostgreSQL.
    ///
    /// SQLite's pooled connections only read (writes go through the one group-commit writer,
    /// `db::writer`) and most reads are answered from the response cache, so four keep both
    /// cores busy; each more keeps its own page cache and prepared statements (about half a
    /// megabyte under load, BENCHMARKS.md). A PostgreSQL connection waits on the network and
    /// the server, so more of them help.
    pub fn pool_size(&self) -> u32 {
        self.db_pool_size.unwrap_or_else(|| {
            match crate::db::Backend::from_url(&self.database_url()) {
                Ok(crate::db::Backend::Postgres(_)) => 8,
                _ => 4,
            }
        })
    }
}

impl ScheduleArgs {
    /// The three schedules, checked; a bad one is an error naming its variable.
    pub fn parse(&self) -> Result<Vec<(ReportKind, Schedule)>, DomainError> {
        [
            (
                ReportKind::UgoStatus,
                "KLIMASPOR_SCHEDULE_UGO_STATUS",
                &self.ugo_status,
            ),
            (
                ReportKind::GreenAccounts,
                "KLIMASPOR_SCHEDULE_GREEN_ACCOUNTS",
                &self.green_accounts,
            ),
            (
                ReportKind::CouncilAnnual,
                "KLIMASPOR_SCHEDULE_COUNCIL_ANNUAL",
                &self.council_annual,
            ),
        ]
        .into_iter()
        .map(|(k, var, expr)| Ok((k, Schedule::parse(var, expr)?)))
        .collect()
    }
}

/// How long before a UGO status the owner reminders go out.
pub const REMINDER_LEAD_DAYS: i64 = 14;

impl Config {
    /// The database URL in force: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        self.db.database_url()
    }

    /// The scheduler's settings, checked: a bad cron string or address stops the start.
    pub fn scheduler_config(&self, templates: Arc<Templates>) -> anyhow::Result<SchedulerConfig> {
        let schedules = self.schedules.parse()?;
        let mut recipients = HashMap::new();
        for (k, var, list) in [
            (
                ReportKind::UgoStatus,
                "KLIMASPOR_RECIPIENTS_UGO_STATUS",
                &self.recipients_ugo_status,
            ),
            (
                ReportKind::GreenAccounts,
                "KLIMASPOR_RECIPIENTS_GREEN_ACCOUNTS",
                &self.recipients_green_accounts,
            ),
            (
                ReportKind::CouncilAnnual,
                "KLIMASPOR_RECIPIENTS_COUNCIL_ANNUAL",
                &self.recipients_council_annual,
            ),
        ] {
            let addrs: Vec<String> = list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| EmailAddress::parse(a).map(|e| e.as_str().to_string()))
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("{var}: {}", e.message))?;
            anyhow::ensure!(!addrs.is_empty(), "{var}: give at least one address");
            recipients.insert(k, addrs);
        }
        self.mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                anyhow::anyhow!(
                    "KLIMASPOR_MAIL_FROM '{}' is not an address: {e}",
                    self.mail_from
                )
            })?;
        anyhow::ensure!(
            self.catch_up_days >= 0,
            "KLIMASPOR_CATCH_UP_DAYS must not be negative"
        );
        anyhow::ensure!(
            self.mail_retry_hours >= 0,
            "KLIMASPOR_MAIL_RETRY_HOURS must not be negative"
        );
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "klimaspor".into());
        Ok(SchedulerConfig {
            schedules,
            recipients,
            from: self.mail_from.clone(),
            catch_up: Duration::days(self.catch_up_days),
            lease: Duration::minutes(5),
            retry_window: Duration::hours(self.mail_retry_hours),
            reminder_lead: Duration::days(REMINDER_LEAD_DAYS),
            instance: format!("{host}-{}", std::process::id()),
            public_url: self.public_url.trim_end_matches('/').to_string(),
            templates,
        })
    }

    /// SMTP when configured, else `.eml` files in `KLIMASPOR_DATA_DIR/outbox/`.
    pub fn mailer(&self) -> anyhow::Result<Arc<dyn Mailer>> {
        Ok(
            match self
                .smtp_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                Some(url) => Arc::new(
                    SmtpMailer::from_url(url, std::time::Duration::from_secs(20))
                        .map_err(anyhow::Error::msg)?,
                ),
                None => Arc::new(FileMailer::new(self.db.data_dir.join("outbox"))),
            },
        )
    }

    /// A configuration for tests and embedding: SQLite in `data_dir`, port chosen by the OS,
    /// scheduler off (tests drive it with their own clock).
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            db: DatabaseArgs {
                database_url: None,
                data_dir,
                db_pool_size: Some(4),
                seed_on_empty: true,
            },
            schedules: ScheduleArgs {
                ugo_status: "0 0 7 15 Jan,Jul *".into(),
                green_accounts: "0 0 7 1 Apr *".into(),
                council_annual: "0 0 7 1 May *".into(),
            },
            bind: "127.0.0.1:0".into(),
            public_read: true,
            site_name: "Ballerup Kommune".into(),
            accent_color: "#005f73".into(),
            accessibility_url: "https://www.was.digst.dk/".into(),
            embed_ancestors: "'self'".into(),
            cache_revalidate_ms: 100,
            templates_dir: PathBuf::from("./report-templates"),
            no_scheduler: true,
            recipients_ugo_status: "ugo@ballerup.example".into(),
            recipients_green_accounts: "groent-regnskab@ballerup.example".into(),
            recipients_council_annual: "byraadet@ballerup.example".into(),
            smtp_url: None,
            mail_from: "klimaspor <klimaspor@ballerup.example>".into(),
            catch_up_days: 60,
            mail_retry_hours: 24,
            public_url: "http://127.0.0.1:8080".into(),
            auth: AuthArgs::default(),
        }
    }
}

/// The log format, for every command.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Log format on stderr: human-readable text or one JSON object per line.
    #[arg(
        global = true,
        long,
        env = "KLIMASPOR_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let c = Config::for_data_dir(PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url(), "sqlite:///tmp/x/klimaspor.db");
    }
}
