//! Report runs and the mail outbox: the rows that make "each report exactly once" hold across
//! restarts and replicas. Claims use a lease and a fencing token: a worker whose lease has
//! expired (and so may have been taken over) cannot commit, because its writes name the fence
//! it claimed with.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{mail_outbox, plans, report_runs};
use super::store::{StoreError, StoreResult};
use super::{DbConn, read_tx, write_tx};
use crate::domain::report_kind::ReportKind;
use crate::domain::states::{MailState, RunState};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_runs)]
pub struct RunRow {
    pub id: i32,
    pub plan_id: i32,
    pub kind: ReportKind,
    pub period: String,
    pub revision: i32,
    pub state: RunState,
    pub catch_up: bool,
    pub due_at: NaiveDateTime,
    pub recipients: String,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub fence: i32,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub pdf_base64: Option<String>,
    pub pdf_sha256: Option<String>,
    pub snapshot: Option<String>,
    pub message_id: Option<String>,
    pub generated_at: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct MailRow {
    pub id: i32,
    pub run_id: Option<i32>,
    pub dedupe_key: String,
    pub message_id: String,
    pub recipients: String,
    pub subject: String,
    pub body: String,
    pub attachment_name: Option<String>,
    pub state: MailState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub first_attempt_at: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub fence: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// A run with the slug of its plan.
pub type RunWithPlan = (RunRow, String);

/// A run to create when it does not exist yet.
#[derive(Debug, Clone)]
pub struct DueRun {
    pub plan_id: i32,
    pub kind: ReportKind,
    pub period: String,
    pub due_at: NaiveDateTime,
    pub catch_up: bool,
    pub recipients: String,
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Create revision 1 of the run unless it exists; returns whether it was created. Safe when
/// several instances race: the unique key decides.
pub fn insert_due_run(conn: &mut DbConn, run: &DueRun, now: NaiveDateTime) -> StoreResult<bool> {
    let exists = diesel::select(diesel::dsl::exists(
        report_runs::table
            .filter(report_runs::plan_id.eq(run.plan_id))
            .filter(report_runs::kind.eq(&run.kind))
            .filter(report_runs::period.eq(&run.period)),
    ))
    .get_result::<bool>(conn)?;
    if exists {
        return Ok(false);
    }
    let inserted = diesel::insert_into(report_runs::table)
        .values((
            report_runs::plan_id.eq(run.plan_id),
            report_runs::kind.eq(&run.kind),
            report_runs::period.eq(&run.period),
            report_runs::revision.eq(1),
            report_runs::state.eq(RunState::Pending),
            report_runs::catch_up.eq(run.catch_up),
            report_runs::due_at.eq(run.due_at),
            report_runs::recipients.eq(&run.recipients),
            report_runs::created_at.eq(now),
            report_runs::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// What an administrator asks for with `POST /report-runs`.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest<'a> {
    pub plan_slug: &'a str,
    pub kind: &'a str,
    pub period: &'a str,
    pub new_revision: bool,
    pub recipients: &'a str,
}

/// An administrator's request for a run now. Without `new_revision` an existing run of the period
/// is a conflict (its id is returned in the error message's link).
pub fn request_run(
    conn: &mut DbConn,
    r: &RunRequest<'_>,
    who: &super::store::Principal,
    now: NaiveDateTime,
) -> StoreResult<RunWithPlan> {
    let RunRequest {
        plan_slug,
        kind,
        period,
        new_revision,
        recipients,
    } = *r;
    write_tx(conn, |conn| {
        let plan_id: i32 = plans::table
            .filter(plans::slug.eq(plan_slug))
            .select(plans::id)
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no plan with slug '{plan_slug}'")))?;
        super::store::may_administer(who, plan_id, plan_slug)?;
        let latest: Option<(i32, i32)> = report_runs::table
            .filter(report_runs::plan_id.eq(plan_id))
            .filter(report_runs::kind.eq(kind))
            .filter(report_runs::period.eq(period))
            .order(report_runs::revision.desc())
            .select((report_runs::id, report_runs::revision))
            .get_result(conn)
            .optional()?;
        let revision = match latest {
            Some((id, _)) if !new_revision => {
                return Err(StoreError::Conflict(format!(
                    "the {kind} report for {period} exists already: /api/v1/report-runs/{id} \
                     (send \"new_revision\": true to make and send a new revision)"
                )));
            }
            Some((_, rev)) => rev + 1,
            None => 1,
        };
        let id: i32 = diesel::insert_into(report_runs::table)
            .values((
                report_runs::plan_id.eq(plan_id),
                report_runs::kind.eq(kind),
                report_runs::period.eq(period),
                report_runs::revision.eq(revision),
                report_runs::state.eq(RunState::Pending),
                report_runs::catch_up.eq(false),
                report_runs::due_at.eq(now),
                report_runs::recipients.eq(recipients),
                report_runs::created_at.eq(now),
                report_runs::updated_at.eq(now),
            ))
            .returning(report_runs::id)
            .get_result(conn)?;
        get_run(conn, id)
    })
}

pub fn get_run(conn: &mut DbConn, id: i32) -> StoreResult<RunWithPlan> {
    report_runs::table
        .inner_join(plans::table)
        .filter(report_runs::id.eq(id))
        .select((RunRow::as_select(), plans::slug))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no report run with id {id}")))
}

#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub plan: Option<String>,
    pub kind: Option<ReportKind>,
    pub period: Option<String>,
    pub state: Option<RunState>,
}

pub fn list_runs(conn: &mut DbConn, f: &RunFilter) -> StoreResult<Vec<RunWithPlan>> {
    let mut q = report_runs::table
        .inner_join(plans::table)
        .select((RunRow::as_select(), plans::slug))
        .into_boxed();
    if let Some(p) = &f.plan {
        q = q.filter(plans::slug.eq(p.clone()));
    }
    if let Some(k) = &f.kind {
        q = q.filter(report_runs::kind.eq(*k));
    }
    if let Some(p) = &f.period {
        q = q.filter(report_runs::period.eq(p.clone()));
    }
    if let Some(s) = &f.state {
        q = q.filter(report_runs::state.eq(*s));
    }
    Ok(q.order(report_runs::id.desc()).load(conn)?)
}

/// The snapshot archived with the newest generated run of a period, if any.
pub fn archived_snapshot(
    conn: &mut DbConn,
    plan_id: i32,
    kind: &str,
    period: &str,
) -> StoreResult<Option<String>> {
    Ok(report_runs::table
        .filter(report_runs::plan_id.eq(plan_id))
        .filter(report_runs::kind.eq(kind))
        .filter(report_runs::period.eq(period))
        .filter(report_runs::snapshot.is_not_null())
        .order(report_runs::revision.desc())
        .select(report_runs::snapshot)
        .get_result::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Claim the next run that needs generating: pending, or generating under an expired lease.
/// Returns the run with the fence the claim holds.
pub fn claim_run(
    conn: &mut DbConn,
    me: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> StoreResult<Option<RunWithPlan>> {
    let candidates: Vec<(i32, i32)> = report_runs::table
        .filter(
            report_runs::state
                .eq(RunState::Pending)
                .or(report_runs::state
                    .eq(RunState::Generating)
                    .and(report_runs::lease_until.lt(now))),
        )
        .order((report_runs::due_at.asc(), report_runs::id.asc()))
        .select((report_runs::id, report_runs::fence))
        .limit(10)
        .load(conn)?;
    for (id, fence) in candidates {
        let claimed = diesel::update(
            report_runs::table
                .filter(report_runs::id.eq(id))
                .filter(report_runs::fence.eq(fence))
                .filter(
                    report_runs::state
                        .eq(RunState::Pending)
                        .or(report_runs::state
                            .eq(RunState::Generating)
                            .and(report_runs::lease_until.lt(now))),
                ),
        )
        .set((
            report_runs::state.eq(RunState::Generating),
            report_runs::lease_owner.eq(me),
            report_runs::lease_until.eq(lease_until),
            report_runs::fence.eq(fence + 1),
            report_runs::updated_at.eq(now),
        ))
        .execute(conn)?;
        if claimed == 1 {
            return get_run(conn, id).map(Some);
        }
    }
    Ok(None)
}

/// The generated report and its e-mail.
#[derive(Debug, Clone)]
pub struct Generated {
    pub pdf_base64: String,
    pub pdf_sha256: String,
    pub snapshot: String,
    pub message_id: String,
    pub subject: String,
    pub body: String,
    pub attachment_name: String,
}

/// Store the PDF, its hash and the snapshot and queue the e-mail, in one transaction, if the
/// claim (`fence`) still holds and its lease has not expired. `Ok(false)`: the lease was lost
/// and nothing was written.
pub fn complete_run(
    conn: &mut DbConn,
    id: i32,
    fence: i32,
    g: &Generated,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    write_tx(conn, |conn| {
        let n = diesel::update(
            report_runs::table
                .filter(report_runs::id.eq(id))
                .filter(report_runs::fence.eq(fence))
                .filter(report_runs::state.eq(RunState::Generating))
                .filter(report_runs::lease_until.ge(now)),
        )
        .set((
            report_runs::state.eq(RunState::Queued),
            report_runs::pdf_base64.eq(&g.pdf_base64),
            report_runs::pdf_sha256.eq(&g.pdf_sha256),
            report_runs::snapshot.eq(&g.snapshot),
            report_runs::message_id.eq(&g.message_id),
            report_runs::generated_at.eq(now),
            report_runs::lease_owner.eq(None::<String>),
            report_runs::lease_until.eq(None::<NaiveDateTime>),
            report_runs::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
        let recipients: String = report_runs::table
            .find(id)
            .select(report_runs::recipients)
            .get_result(conn)?;
        diesel::insert_into(mail_outbox::table)
            .values((
                mail_outbox::run_id.eq(Some(id)),
                mail_outbox::dedupe_key.eq(format!("run:{id}")),
                mail_outbox::message_id.eq(&g.message_id),
                mail_outbox::recipients.eq(recipients),
                mail_outbox::subject.eq(&g.subject),
                mail_outbox::body.eq(&g.body),
                mail_outbox::attachment_name.eq(Some(&g.attachment_name)),
                mail_outbox::state.eq(MailState::Pending),
                mail_outbox::next_attempt_at.eq(now),
                mail_outbox::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(true)
    })
}

/// Generation failed for good: the run is `failed` with the reason.
pub fn fail_run(
    conn: &mut DbConn,
    id: i32,
    fence: i32,
    error: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        report_runs::table
            .filter(report_runs::id.eq(id))
            .filter(report_runs::fence.eq(fence)),
    )
    .set((
        report_runs::state.eq(RunState::Failed),
        report_runs::last_error.eq(error),
        report_runs::lease_owner.eq(None::<String>),
        report_runs::lease_until.eq(None::<NaiveDateTime>),
        report_runs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Queue a mail without a run (owner reminders), unless one with the same key exists.
pub fn queue_mail(
    conn: &mut DbConn,
    dedupe_key: &str,
    message_id: &str,
    recipients: &str,
    subject: &str,
    body: &str,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let exists = diesel::select(diesel::dsl::exists(
        mail_outbox::table.filter(mail_outbox::dedupe_key.eq(dedupe_key)),
    ))
    .get_result::<bool>(conn)?;
    if exists {
        return Ok(false);
    }
    let r = diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::dedupe_key.eq(dedupe_key),
            mail_outbox::message_id.eq(message_id),
            mail_outbox::recipients.eq(recipients),
            mail_outbox::subject.eq(subject),
            mail_outbox::body.eq(body),
            mail_outbox::state.eq(MailState::Pending),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::created_at.eq(now),
        ))
        .execute(conn);
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Claim the next mail to send: pending and due, or sending under an expired lease.
pub fn claim_mail(
    conn: &mut DbConn,
    me: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> StoreResult<Option<MailRow>> {
    let candidates: Vec<(i32, i32)> = mail_outbox::table
        .filter(
            mail_outbox::state
                .eq(MailState::Pending)
                .and(mail_outbox::next_attempt_at.le(now))
                .or(mail_outbox::state
                    .eq(MailState::Sending)
                    .and(mail_outbox::lease_until.lt(now))),
        )
        .order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()))
        .select((mail_outbox::id, mail_outbox::fence))
        .limit(10)
        .load(conn)?;
    for (id, fence) in candidates {
        let claimed = diesel::update(
            mail_outbox::table
                .filter(mail_outbox::id.eq(id))
                .filter(mail_outbox::fence.eq(fence)),
        )
        .set((
            mail_outbox::state.eq(MailState::Sending),
            mail_outbox::lease_owner.eq(me),
            mail_outbox::lease_until.eq(lease_until),
            mail_outbox::fence.eq(fence + 1),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(conn)?;
        if claimed == 1 {
            let row = mail_outbox::table
                .find(id)
                .select(MailRow::as_select())
                .get_result(conn)?;
            if row.first_attempt_at.is_none() {
                diesel::update(mail_outbox::table.find(id))
                    .set(mail_outbox::first_attempt_at.eq(Some(now)))
                    .execute(conn)?;
            }
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// The archived PDF of a run (base64), for attaching.
pub fn run_pdf(conn: &mut DbConn, run_id: i32) -> StoreResult<Option<String>> {
    Ok(report_runs::table
        .find(run_id)
        .select(report_runs::pdf_base64)
        .get_result::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// How a delivery attempt ended.
#[derive(Debug, Clone)]
pub enum Delivery {
    Sent,
    Retry { at: NaiveDateTime, error: String },
    Failed { error: String },
}

/// Record a delivery attempt (if the claim still holds) and mirror it on the run.
pub fn record_delivery(
    conn: &mut DbConn,
    mail: &MailRow,
    outcome: &Delivery,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    write_tx(conn, |conn| {
        let target = mail_outbox::table
            .filter(mail_outbox::id.eq(mail.id))
            .filter(mail_outbox::fence.eq(mail.fence))
            .filter(mail_outbox::state.eq(MailState::Sending));
        let (state, next, error, sent_at) = match outcome {
            Delivery::Sent => (MailState::Sent, mail.next_attempt_at, None, Some(now)),
            Delivery::Retry { at, error } => (MailState::Pending, *at, Some(error.clone()), None),
            Delivery::Failed { error } => (
                MailState::Failed,
                mail.next_attempt_at,
                Some(error.clone()),
                None,
            ),
        };
        let n = diesel::update(target)
            .set((
                mail_outbox::state.eq(state),
                mail_outbox::next_attempt_at.eq(next),
                mail_outbox::last_error.eq(error.clone()),
                mail_outbox::sent_at.eq(sent_at),
                mail_outbox::lease_owner.eq(None::<String>),
                mail_outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
        if let Some(run_id) = mail.run_id {
            let run_state = match outcome {
                Delivery::Sent => RunState::Sent,
                Delivery::Retry { .. } => RunState::Queued,
                Delivery::Failed { .. } => RunState::Failed,
            };
            diesel::update(report_runs::table.find(run_id))
                .set((
                    report_runs::state.eq(run_state),
                    report_runs::attempts.eq(mail.attempts),
                    report_runs::last_error.eq(error),
                    report_runs::sent_at.eq(sent_at),
                    report_runs::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// Mails in the outbox, for tests and operators.
pub fn list_mail(conn: &mut DbConn) -> StoreResult<Vec<MailRow>> {
    read_tx(conn, |conn| {
        Ok(mail_outbox::table
            .order(mail_outbox::id.asc())
            .select(MailRow::as_select())
            .load(conn)?)
    })
}

/// What `/metrics` reports about runs and the outbox.
#[derive(Debug, Clone, Default)]
pub struct OutboxStats {
    /// (kind, state, count)
    pub runs: Vec<(String, String, i64)>,
    /// Mails not yet sent or failed.
    pub backlog: i64,
    /// When the oldest of those was queued.
    pub oldest_pending: Option<NaiveDateTime>,
}

pub fn outbox_stats(conn: &mut DbConn) -> StoreResult<OutboxStats> {
    read_tx(conn, |conn| {
        let runs = report_runs::table
            .group_by((report_runs::kind, report_runs::state))
            .select((
                report_runs::kind,
                report_runs::state,
                diesel::dsl::count_star(),
            ))
            .load::<(String, String, i64)>(conn)?;
        let pending = || {
            mail_outbox::table
                .filter(mail_outbox::state.eq_any([MailState::Pending, MailState::Sending]))
        };
        let backlog: i64 = pending().count().get_result(conn)?;
        let oldest_pending = pending()
            .select(diesel::dsl::min(mail_outbox::created_at))
            .get_result::<Option<NaiveDateTime>>(conn)?;
        Ok(OutboxStats {
            runs,
            backlog,
            oldest_pending,
        })
    })
}

/// Whether any mail whose dedupe key starts with `prefix` was queued.
pub fn mail_queued_with_prefix(conn: &mut DbConn, prefix: &str) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        mail_outbox::table.filter(mail_outbox::dedupe_key.like(format!("{prefix}%"))),
    ))
    .get_result(conn)?)
}
