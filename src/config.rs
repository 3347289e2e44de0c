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

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port the HTTP API listens on.
    #[arg(
        long,
        env = "KLIMASPOR_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Database: postgres://USER:PASSWORD@HOST:PORT/DB, sqlite://PATH or a plain file path.
    /// Default: sqlite://KLIMASPOR_DATA_DIR/klimaspor.db.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the embedded SQLite database.
    #[arg(
        long,
        env = "KLIMASPOR_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Whether reads need no token (true) or a reader, owner or admin token (false).
    #[arg(long, env = "KLIMASPOR_PUBLIC_READ", default_value = "true", global = true,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub public_read: bool,

    /// Log format on stderr: human-readable text or one JSON object per line.
    #[arg(
        long,
        env = "KLIMASPOR_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Size of the database connection pool.
    #[arg(
        long,
        env = "KLIMASPOR_DB_POOL_SIZE",
        default_value_t = 8,
        global = true
    )]
    pub db_pool_size: u32,

    /// Milliseconds a cached plan view is served without asking the database whether another
    /// process (another instance, the CLI, an operator's SQL) changed the plan. Writes through
    /// this server are seen at once. 0 asks the database on every request.
    #[arg(
        long,
        env = "KLIMASPOR_CACHE_REVALIDATE_MS",
        default_value_t = 100,
        global = true
    )]
    pub cache_revalidate_ms: u64,

    /// Folder with one sub-folder per report kind holding its template.toml; a kind without
    /// a file uses the compiled-in wording.
    #[arg(
        long,
        env = "KLIMASPOR_TEMPLATES_DIR",
        default_value = "./report-templates",
        global = true
    )]
    pub templates_dir: PathBuf,

    /// Do not run the scheduler here (replicas that should only serve).
    #[arg(long, env = "KLIMASPOR_NO_SCHEDULER", default_value = "false", global = true,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true")]
    pub no_scheduler: bool,

    /// When the half-yearly UGO status goes out (cron, seconds first, Copenhagen time).
    #[arg(
        long,
        env = "KLIMASPOR_SCHEDULE_UGO_STATUS",
        default_value = "0 0 7 15 Jan,Jul *",
        global = true
    )]
    pub schedule_ugo_status: String,

    /// When the green-accounts update goes out.
    #[arg(
        long,
        env = "KLIMASPOR_SCHEDULE_GREEN_ACCOUNTS",
        default_value = "0 0 7 1 Apr *",
        global = true
    )]
    pub schedule_green_accounts: String,

    /// When the council's annual report goes out.
    #[arg(
        long,
        env = "KLIMASPOR_SCHEDULE_COUNCIL_ANNUAL",
        default_value = "0 0 7 1 May *",
        global = true
    )]
    pub schedule_council_annual: String,

    /// Recipients of the UGO status, comma-separated.
    #[arg(
        long,
        env = "KLIMASPOR_RECIPIENTS_UGO_STATUS",
        default_value = "ugo@ballerup.example",
        global = true
    )]
    pub recipients_ugo_status: String,

    /// Recipients of the green-accounts update, comma-separated.
    #[arg(
        long,
        env = "KLIMASPOR_RECIPIENTS_GREEN_ACCOUNTS",
        default_value = "groent-regnskab@ballerup.example",
        global = true
    )]
    pub recipients_green_accounts: String,

    /// Recipients of the council's annual report, comma-separated.
    #[arg(
        long,
        env = "KLIMASPOR_RECIPIENTS_COUNCIL_ANNUAL",
        default_value = "byraadet@ballerup.example",
        global = true
    )]
    pub recipients_council_annual: String,

    /// SMTP server, as smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or
    /// smtps://USER:PASS@HOST:465. Without it mail goes to KLIMASPOR_DATA_DIR/outbox/ as .eml.
    #[arg(
        long,
        env = "KLIMASPOR_SMTP_URL",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// Sender of the mails.
    #[arg(
        long,
        env = "KLIMASPOR_MAIL_FROM",
        default_value = "klimaspor <klimaspor@ballerup.example>",
        global = true
    )]
    pub mail_from: String,

    /// Reports whose due time passed at most this many days ago are sent when found missing.
    #[arg(
        long,
        env = "KLIMASPOR_CATCH_UP_DAYS",
        default_value_t = 60,
        global = true
    )]
    pub catch_up_days: i64,

    /// How many hours a mail is retried before its run is marked failed.
    #[arg(
        long,
        env = "KLIMASPOR_MAIL_RETRY_HOURS",
        default_value_t = 24,
        global = true
    )]
    pub mail_retry_hours: i64,

    /// The address owners reach the API at, for the links in reminders.
    #[arg(
        long,
        env = "KLIMASPOR_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,

    /// Load the Ballerup plan when the database holds no plan yet.
    #[arg(long, env = "KLIMASPOR_SEED_ON_EMPTY", default_value = "true", global = true,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub seed_on_empty: bool,
}

impl Config {
    /// The database URL in force: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("klimaspor.db").display()),
        }
    }

    /// The scheduler's settings, checked: a bad cron string or address stops the start.
    pub fn scheduler_config(&self, templates: Arc<Templates>) -> anyhow::Result<SchedulerConfig> {
        let schedules = [
            (
                ReportKind::UgoStatus,
                "KLIMASPOR_SCHEDULE_UGO_STATUS",
                &self.schedule_ugo_status,
            ),
            (
                ReportKind::GreenAccounts,
                "KLIMASPOR_SCHEDULE_GREEN_ACCOUNTS",
                &self.schedule_green_accounts,
            ),
            (
                ReportKind::CouncilAnnual,
                "KLIMASPOR_SCHEDULE_COUNCIL_ANNUAL",
                &self.schedule_council_annual,
            ),
        ]
        .into_iter()
        .map(|(k, var, expr)| Ok((k, Schedule::parse(var, expr)?)))
        .collect::<Result<Vec<_>, DomainError>>()?;
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
            reminder_lead: Duration::days(14),
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
                None => Arc::new(FileMailer::new(self.data_dir.join("outbox"))),
            },
        )
    }

    /// A configuration for tests and embedding: SQLite in `data_dir`, port chosen by the OS,
    /// scheduler off (tests drive it with their own clock).
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            database_url: None,
            data_dir,
            public_read: true,
            log_format: LogFormat::Text,
            db_pool_size: 4,
            cache_revalidate_ms: 100,
            templates_dir: PathBuf::from("./report-templates"),
            no_scheduler: true,
            schedule_ugo_status: "0 0 7 15 Jan,Jul *".into(),
            schedule_green_accounts: "0 0 7 1 Apr *".into(),
            schedule_council_annual: "0 0 7 1 May *".into(),
            recipients_ugo_status: "ugo@ballerup.example".into(),
            recipients_green_accounts: "groent-regnskab@ballerup.example".into(),
            recipients_council_annual: "byraadet@ballerup.example".into(),
            smtp_url: None,
            mail_from: "klimaspor <klimaspor@ballerup.example>".into(),
            catch_up_days: 60,
            mail_retry_hours: 24,
            public_url: "http://127.0.0.1:8080".into(),
            seed_on_empty: true,
        }
    }
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
