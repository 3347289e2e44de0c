//! What the reporting rounds store (`domain::round`): confirmations "unchanged since the last
//! status", and the one extension of a round's close; and the marks of a round, read from when
//! updates and confirmations were recorded.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::Period;
use crate::domain::report_kind::ReportKind;
use crate::domain::round::{ExtensionRefused, Mark, Round};

use super::*;

/// A round's marks as a report shows them: which round, when it closed, each sub-goal's mark by
/// key (missing when absent).
#[derive(Debug, Clone)]
pub struct RoundMarks {
    pub period: Period,
    pub closes_at: DateTime<Utc>,
    pub marks: HashMap<String, Mark>,
}

/// The extended closes of a plan's rounds, by period.
pub fn round_extensions(
    conn: &mut DbConn,
    plan_id: i32,
) -> StoreResult<HashMap<Period, DateTime<Utc>>> {
    let rows: Vec<(String, NaiveDateTime)> = round_extensions::table
        .filter(round_extensions::plan_id.eq(plan_id))
        .select((round_extensions::period, round_extensions::closes_at))
        .load(conn)?;
    let mut out = HashMap::new();
    for (period, at) in rows {
        let p: Period = period
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("round extension period: {e}")))?;
        out.insert(p, at.and_utc());
    }
    Ok(out)
}

/// Every extended close of any plan in `(from, to]`, with its plan and period: the runs the
/// scheduler makes at the new time.
pub fn extended_closes_between(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<(i32, String, DateTime<Utc>)>> {
    let rows: Vec<(i32, String, NaiveDateTime)> = round_extensions::table
        .filter(round_extensions::closes_at.gt(from.naive_utc()))
        .filter(round_extensions::closes_at.le(to.naive_utc()))
        .select((
            round_extensions::plan_id,
            round_extensions::period,
            round_extensions::closes_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(p, period, at)| (p, period, at.and_utc()))
        .collect())
}

/// Record that `who` confirmed sub-goal `id` unchanged at `now`. Whoever may report on it may
/// confirm it; an achieved or dropped sub-goal needs no confirmation.
pub fn confirm_unchanged(
    conn: &mut DbConn,
    id: i32,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let ctx = find_sub_goal(conn, id)?;
        let current = ctx.sub_goal.status;
        crate::domain::access::may_report(crate::domain::access::ReportAttempt {
            name: &who.name,
            administers: who.grants.administers(ctx.measure.plan_id),
            owns_measure: who.grants.owns_through(ctx.owners.iter().map(|o| o.id)),
            measure_number: ctx.measure.number,
            current,
            reported: current,
        })
        .map_err(|r| StoreError::Forbidden(r.0))?;
        if current.is_closed() {
            return Err(StoreError::Conflict(format!(
                "sub-goal {} is {}: it needs no confirmation",
                ctx.sub_goal.key,
                current.as_str()
            )));
        }
        diesel::insert_into(confirmations::table)
            .values((
                confirmations::sub_goal_id.eq(id),
                confirmations::confirmed_by.eq(&who.name),
                confirmations::person_id.eq(who.person_id),
                confirmations::token_id.eq(who.token_id),
                confirmations::confirmed_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Each sub-goal of the plan that has an update or a confirmation counted in `round`, by key;
/// a key not in the map is missing. Achieved and dropped sub-goals are the caller's to skip.
pub fn round_marks(
    conn: &mut DbConn,
    plan_id: i32,
    round: &Round,
) -> StoreResult<HashMap<String, Mark>> {
    read_tx(conn, |conn| {
        let (after, close) = (round.counts_after.naive_utc(), round.close().naive_utc());
        let updated: Vec<String> = progress_updates::table
            .inner_join(sub_goals::table.inner_join(measures::table))
            .filter(measures::plan_id.eq(plan_id))
            .filter(progress_updates::recorded_at.gt(after))
            .filter(progress_updates::recorded_at.le(close))
            .select(sub_goals::key)
            .distinct()
            .load(conn)?;
        let confirmed: Vec<String> = confirmations::table
            .inner_join(sub_goals::table.inner_join(measures::table))
            .filter(measures::plan_id.eq(plan_id))
            .filter(confirmations::confirmed_at.gt(after))
            .filter(confirmations::confirmed_at.le(close))
            .select(sub_goals::key)
            .distinct()
            .load(conn)?;
        let mut out: HashMap<String, Mark> = confirmed
            .into_iter()
            .map(|k| (k, Mark::Confirmed))
            .collect();
        out.extend(updated.into_iter().map(|k| (k, Mark::Updated)));
        Ok(out)
    })
}

/// The mark of each sub-goal key in `marks`, missing when absent.
pub fn mark_of(marks: &HashMap<String, Mark>, key: &str) -> Mark {
    marks.get(key).copied().unwrap_or(Mark::Missing)
}

/// Move the close of `round` (of plan `slug`) to `new_close`, once, before it has closed and
/// before its report exists. Two administrators at once: the key lets one through. A refusal
/// the administrator can act on is the inner `Err`.
pub fn extend_round(
    conn: &mut DbConn,
    slug: &str,
    round: &Round,
    new_close: DateTime<Utc>,
    reason: Option<String>,
    who: &Principal,
    now: DateTime<Utc>,
) -> StoreResult<Result<(), ExtensionRefused>> {
    write_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        may_administer(who, plan.id, slug)?;
        let stored = round_extensions(conn, plan.id)?;
        let round = Round {
            extended_to: stored.get(&round.period).copied(),
            ..*round
        };
        if let Err(why) = round.check_extension(new_close, now) {
            return Ok(Err(why));
        }
        let period = round.period.to_string();
        let report_exists = diesel::select(diesel::dsl::exists(
            report_runs::table
                .filter(report_runs::plan_id.eq(plan.id))
                .filter(report_runs::kind.eq(ReportKind::UgoStatus))
                .filter(report_runs::period.eq(&period)),
        ))
        .get_result::<bool>(conn)?;
        if report_exists {
            return Ok(Err(ExtensionRefused::Closed));
        }
        let inserted = diesel::insert_into(round_extensions::table)
            .values((
                round_extensions::plan_id.eq(plan.id),
                round_extensions::period.eq(&period),
                round_extensions::closes_at.eq(new_close.naive_utc()),
                round_extensions::reason.eq(&reason),
                round_extensions::extended_by.eq(&who.name),
                round_extensions::extended_at.eq(now.naive_utc()),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                return Ok(Err(ExtensionRefused::AlreadyExtended));
            }
            Err(e) => return Err(e.into()),
        }
        audit(
            conn,
            &Audit::by(
                who,
                Some(plan.id),
                "round_extended",
                format!(
                    "{period}: {} → {}{}",
                    round.scheduled_close.format("%Y-%m-%d %H:%M UTC"),
                    new_close.format("%Y-%m-%d %H:%M UTC"),
                    reason.map(|r| format!(" ({r})")).unwrap_or_default()
                ),
            ),
            now.naive_utc(),
        )?;
        Ok(Ok(()))
    })
}
