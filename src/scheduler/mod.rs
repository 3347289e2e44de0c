//! The scheduler: reports go out by themselves, exactly once, and are archived.
//!
//! Every minute (and at start-up, and when an operator asks for a run) each instance calls
//! [`tick`], which only calls plain functions:
//! 1. insert the runs that are due and missing — keyed uniquely by (plan, kind, period), so
//!    replicas racing insert one; runs found late are flagged `catch_up`;
//! 2. queue owner reminders 14 days before each UGO status;
//! 3. claim runs with a lease and a fencing token, build snapshot and PDF, and store PDF,
//!    SHA-256, snapshot and the queued mail in one transaction — which fails if the lease
//!    expired meanwhile;
//! 4. claim queued mails the same way and send them; transient failures are retried with
//!    exponential backoff and jitter for a configured window, permanent ones mark the run
//!    `failed` with the reason.
//!
//! Time comes from an injected [`Clock`]; the scheduler never reads the wall clock itself.

pub mod reminders;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::TIME_ZONE;
use crate::db::runs::{self, Delivery, DueRun, Generated, MailRow, RunRow};
use crate::db::store::{self, StoreResult};
use crate::db::{DbConn, Pool};
use crate::domain::Period;
use crate::domain::report_kind::ReportKind;
use crate::domain::round::{self, Round};
use crate::domain::schedule::{Schedule, period_covered};
use crate::mail::{Mailer, OutgoingMail, SendError};
use crate::report::{self, Snapshot, Templates, template::fill};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        crate::clock::now_utc().and_utc()
    }
}

/// A clock that stands still until moved (tests, `schedule` previews).
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

/// What the scheduler needs to know; built and checked at start-up.
#[derive(Clone)]
pub struct SchedulerConfig {
    pub schedules: Vec<(ReportKind, Schedule)>,
    pub recipients: HashMap<ReportKind, Vec<String>>,
    pub from: String,
    /// How far back missed firings are caught up.
    pub catch_up: Duration,
    pub lease: Duration,
    /// How long a mail is retried before the run is marked failed.
    pub retry_window: Duration,
    /// Reminders go out this long before each UGO status.
    pub reminder_lead: Duration,
    /// This instance's name in leases.
    pub instance: String,
    /// Base of the links in reminders.
    pub public_url: String,
    pub templates: Arc<Templates>,
}

impl SchedulerConfig {
    fn mail_domain(&self) -> String {
        self.from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "klimaspor.invalid".into())
    }

    /// The UGO status's schedule, if it is scheduled.
    pub fn ugo_schedule(&self) -> Option<&Schedule> {
        self.schedules
            .iter()
            .find(|(k, _)| *k == ReportKind::UgoStatus)
            .map(|(_, s)| s)
    }

    /// The reporting round of the UGO status for `period`, given a plan's extended closes.
    pub fn round(
        &self,
        period: Period,
        extended: &HashMap<Period, DateTime<Utc>>,
    ) -> Option<Round> {
        let ext = |p: Period| extended.get(&p).copied();
        round::round_for(
            self.ugo_schedule()?,
            TIME_ZONE,
            period,
            self.reminder_lead,
            &ext,
        )
    }

    /// The round open at `now`, or else the next to open.
    pub fn current_round(
        &self,
        now: DateTime<Utc>,
        extended: &HashMap<Period, DateTime<Utc>>,
    ) -> Option<Round> {
        let ext = |p: Period| extended.get(&p).copied();
        round::current_round(
            self.ugo_schedule()?,
            TIME_ZONE,
            now,
            self.reminder_lead,
            &ext,
        )
    }

    pub fn recipients_for(&self, kind: ReportKind) -> Vec<String> {
        self.recipients.get(&kind).cloned().unwrap_or_default()
    }
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct TickSummary {
    pub runs_created: usize,
    pub reminders_queued: usize,
    pub generated: usize,
    pub generation_failed: usize,
    pub lease_lost: usize,
    pub mails_sent: usize,
    pub mails_retried: usize,
    pub mails_failed: usize,
}

impl TickSummary {
    pub fn is_idle(&self) -> bool {
        *self == Self::default()
    }
}

/// Grace before a run inserted after its due instant counts as a catch-up.
const CATCH_UP_GRACE_MINUTES: i64 = 10;

/// One pass of the scheduler (blocking: call it on a blocking thread).
pub fn tick(
    pool: &Pool,
    cfg: &SchedulerConfig,
    mailer: &dyn Mailer,
    now: DateTime<Utc>,
) -> anyhow::Result<TickSummary> {
    let mut conn = pool.get()?;
    let mut sum = TickSummary {
        runs_created: enqueue_due(&mut conn, cfg, now)?,
        reminders_queued: reminders::enqueue(&mut conn, cfg, now)?
            + reminders::enqueue_second(&mut conn, cfg, now)?,
        ..Default::default()
    };
    generate_due(&mut conn, cfg, now, &mut sum)?;
    deliver_due(&mut conn, cfg, mailer, now, &mut sum)?;
    Ok(sum)
}

/// Insert every run whose firing lies in the catch-up window and that does not exist yet.
pub fn enqueue_due(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let mut created = 0;
    let plans = store::list_plans(conn)?;
    // The UGO statuses whose round an administrator extended: made at the new close instead.
    let mut extended: HashMap<(i32, String), DateTime<Utc>> = HashMap::new();
    for plan in &plans {
        for (period, at) in store::round_extensions(conn, plan.id)? {
            extended.insert((plan.id, period.to_string()), at);
        }
    }
    for (kind, schedule) in &cfg.schedules {
        let recipients = cfg.recipients_for(*kind).join(", ");
        let mut seen: HashSet<Period> = HashSet::new();
        for firing in schedule.firings(TIME_ZONE, now - cfg.catch_up, now) {
            let period = period_covered(*kind, firing.with_timezone(&TIME_ZONE).date_naive());
            if !seen.insert(period) {
                continue;
            }
            for plan in &plans {
                let close = (*kind == ReportKind::UgoStatus)
                    .then(|| extended.get(&(plan.id, period.to_string())).copied())
                    .flatten();
                if close.is_some_and(|c| c > now) {
                    continue;
                }
                let firing = close.unwrap_or(firing);
                let run = DueRun {
                    plan_id: plan.id,
                    kind: *kind,
                    period: period.to_string(),
                    due_at: firing.naive_utc(),
                    catch_up: now - firing > Duration::minutes(CATCH_UP_GRACE_MINUTES),
                    recipients: recipients.clone(),
                };
                if runs::insert_due_run(conn, &run, now.naive_utc())? {
                    created += 1;
                    tracing::info!(plan = %plan.slug, kind = kind.slug(), %period, catch_up = run.catch_up, "report run due");
                }
            }
        }
    }
    // An extended close in the catch-up window whose firing lies before it (so the loop above
    // may not have met it).
    if cfg.ugo_schedule().is_some() {
        let recipients = cfg.recipients_for(ReportKind::UgoStatus).join(", ");
        for (plan_id, period, close) in
            store::extended_closes_between(conn, now - cfg.catch_up, now)?
        {
            let run = DueRun {
                plan_id,
                kind: ReportKind::UgoStatus,
                period: period.clone(),
                due_at: close.naive_utc(),
                catch_up: now - close > Duration::minutes(CATCH_UP_GRACE_MINUTES),
                recipients: recipients.clone(),
            };
            if runs::insert_due_run(conn, &run, now.naive_utc())? {
                created += 1;
                tracing::info!(plan_id, kind = "ugo-status", %period, "report run due at the extended close");
            }
        }
    }
    Ok(created)
}

/// The fixed Message-ID of a run's mail.
pub fn message_id(cfg: &SchedulerConfig, slug: &str, run: &RunRow) -> String {
    format!(
        "<klimaspor.{slug}.{}.{}.r{}@{}>",
        run.kind,
        run.period,
        run.revision,
        cfg.mail_domain()
    )
}

/// The date a progress update on plan `plan_id` made at `now` speaks for unless its author says
/// otherwise (`Round::default_as_of`: the half-year's end while its round is open after it).
pub fn default_as_of(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    plan_id: i32,
    now: DateTime<Utc>,
) -> StoreResult<chrono::NaiveDate> {
    let extended = store::round_extensions(conn, plan_id)?;
    let round = cfg.current_round(now, &extended);
    let today = now.with_timezone(&TIME_ZONE).date_naive();
    Ok(Round::default_as_of(round.as_ref(), now, today))
}

/// What a report of `kind` for `period` is made from: the plan's history and, for the UGO
/// status, the marks of its round (updated, confirmed, missing).
pub fn report_history(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    slug: &str,
    kind: ReportKind,
    period: Period,
) -> StoreResult<store::PlanHistory> {
    let mut h = store::load_history(conn, slug, &kind.snapshot_dates(period))?;
    if kind == ReportKind::UgoStatus {
        let plan_id = h.data.plan.id;
        let extended = store::round_extensions(conn, plan_id)?;
        if let Some(round) = cfg.round(period, &extended) {
            h.round = Some(store::RoundMarks {
                period,
                closes_at: round.close(),
                marks: store::round_marks(conn, plan_id, &round)?,
            });
            h.questions = store::list_questions(
                conn,
                plan_id,
                None,
                Some(round.counts_after),
                Some(round.close()),
            )?;
        }
    }
    Ok(h)
}

/// Build the snapshot, PDF and mail of a claimed run.
fn build(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    run: &RunRow,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Generated, String> {
    let kind = run.kind;
    let period: Period = run.period.parse().map_err(|e| format!("{e}"))?;
    let history = report_history(conn, cfg, slug, kind, period).map_err(|e| e.to_string())?;
    let archived = runs::archived_snapshot(
        conn,
        run.plan_id,
        kind.slug(),
        &period.previous().to_string(),
    )
    .map_err(|e| e.to_string())?
    .and_then(|s| serde_json::from_str::<Snapshot>(&s).ok());
    let template = cfg.templates.get(kind);
    let generated = report::generate(&history, kind, period, template, now, archived);
    drop(history);
    crate::memory::release_freed();
    let (pdf, snapshot) = generated.map_err(|e| e.to_string())?;
    let input = report::ReportInput {
        kind,
        snapshot: &snapshot,
        previous: None,
        template,
        generated: now,
    };
    let vars = report::vars(&input);
    Ok(Generated {
        pdf_sha256: hex::encode(Sha256::digest(&pdf)),
        pdf_base64: base64::engine::general_purpose::STANDARD.encode(&pdf),
        snapshot: serde_json::to_string(&snapshot).map_err(|e| e.to_string())?,
        message_id: message_id(cfg, slug, run),
        subject: fill(&template.email.subject, &vars),
        body: fill(&template.email.body, &vars),
        attachment_name: kind.file_name(period),
    })
}

fn generate_due(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    now: DateTime<Utc>,
    sum: &mut TickSummary,
) -> StoreResult<()> {
    let n = now.naive_utc();
    while let Some((run, slug)) = runs::claim_run(conn, &cfg.instance, n, n + cfg.lease)? {
        match build(conn, cfg, &run, &slug, now) {
            Ok(generated) => {
                // The fence is the one the claim set (claim increments it).
                if runs::complete_run(conn, run.id, run.fence, &generated, n)? {
                    sum.generated += 1;
                    tracing::info!(run = run.id, kind = %run.kind, period = %run.period, sha256 = %generated.pdf_sha256, "report generated and queued");
                } else {
                    sum.lease_lost += 1;
                    tracing::warn!(
                        run = run.id,
                        "lease lost before the report was stored; another instance takes over"
                    );
                }
            }
            Err(error) => {
                sum.generation_failed += 1;
                tracing::error!(run = run.id, %error, "report generation failed");
                runs::fail_run(conn, run.id, run.fence, &error, n)?;
            }
        }
    }
    Ok(())
}

/// Delay before attempt `attempts + 1`: 30 s doubling up to an hour, ±20 % jitter.
pub fn backoff(attempts: i32, jitter: f64) -> Duration {
    let base = 30.0 * 2f64.powi((attempts - 1).clamp(0, 16));
    let secs = base.min(3600.0) * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
    Duration::milliseconds((secs * 1000.0) as i64)
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}

fn outgoing(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    mail: &MailRow,
) -> Result<OutgoingMail, SendError> {
    let attachment = match (mail.run_id, &mail.attachment_name) {
        (Some(run_id), Some(name)) => {
            let b64 = runs::run_pdf(conn, run_id)
                .map_err(|e| SendError::Transient(e.to_string()))?
                .ok_or_else(|| SendError::Permanent("the archived PDF is missing".into()))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| SendError::Permanent(format!("the archived PDF is damaged: {e}")))?;
            Some((name.clone(), bytes))
        }
        _ => None,
    };
    Ok(OutgoingMail {
        message_id: mail.message_id.clone(),
        from: cfg.from.clone(),
        to: mail
            .recipients
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        subject: mail.subject.clone(),
        body: mail.body.clone(),
        attachment,
    })
}

fn deliver_due(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    mailer: &dyn Mailer,
    now: DateTime<Utc>,
    sum: &mut TickSummary,
) -> StoreResult<()> {
    let n = now.naive_utc();
    while let Some(mail) = runs::claim_mail(conn, &cfg.instance, n, n + cfg.lease)? {
        let result = outgoing(conn, cfg, &mail).and_then(|m| mailer.send(&m));
        let first = mail.first_attempt_at.unwrap_or(n);
        let outcome = match result {
            Ok(()) => {
                sum.mails_sent += 1;
                tracing::info!(mail = mail.id, run = ?mail.run_id, message_id = %mail.message_id, to = %mail.recipients, via = %mailer.describe(), "mail sent");
                Delivery::Sent
            }
            Err(SendError::Transient(e)) if n - first < cfg.retry_window => {
                let at = n + backoff(mail.attempts, jitter());
                sum.mails_retried += 1;
                tracing::warn!(mail = mail.id, attempts = mail.attempts, retry_at = %at, error = %e, "mail not sent; will retry");
                Delivery::Retry { at, error: e }
            }
            Err(e) => {
                let error = match e {
                    SendError::Transient(e) => {
                        format!("gave up after {} attempts: {e}", mail.attempts)
                    }
                    SendError::Permanent(e) => e,
                };
                sum.mails_failed += 1;
                tracing::error!(mail = mail.id, run = ?mail.run_id, %error, "mail failed for good");
                Delivery::Failed { error }
            }
        };
        runs::record_delivery(conn, &mail, &outcome, n)?;
    }
    Ok(())
}

/// Run [`tick`] every minute and whenever `wake` is notified, until `stop` turns true. A tick
/// in progress is finished first, so a shutdown never leaves a half-made run behind (and a
/// process killed outright leaves a lease that simply expires).
pub async fn run_forever(
    pool: Pool,
    cfg: Arc<SchedulerConfig>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    wake: Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(instance = %cfg.instance, mail = %mailer.describe(), "scheduler started");
    loop {
        let (pool, cfg2, mailer2) = (pool.clone(), cfg.clone(), mailer.clone());
        let now = clock.now();
        match actix_web::web::block(move || tick(&pool, &cfg2, mailer2.as_ref(), now)).await {
            Ok(Ok(sum)) if !sum.is_idle() => tracing::info!(?sum, "scheduler tick"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "scheduler tick failed"),
            Err(e) => tracing::error!(error = %e, "scheduler task failed"),
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(StdDuration::from_secs(60)) => {}
            _ = wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
    tracing::info!("scheduler stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff(1, 0.5), Duration::seconds(30));
        assert_eq!(backoff(2, 0.5), Duration::seconds(60));
        assert_eq!(backoff(3, 0.0), Duration::seconds(96));
        assert_eq!(backoff(30, 0.5), Duration::seconds(3600));
        assert!(backoff(1, 1.0) > backoff(1, 0.0));
    }
}
