//! Writing progress (owners and administrators) and administrators' changes to a sub-goal,
//! each in one transaction that checks the caller's ETag.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::native::{CachedUpdate, on_backend};
use crate::db::schema::*;
use crate::db::{DbConn, write_tx};
use crate::domain::Status;
use crate::domain::access;
use crate::domain::edits::SubGoalPatch;
use crate::domain::plan_doc::TargetDoc;
use crate::domain::progress::ProgressReport;
use crate::domain::states::{ChangeKind, ValueSource};
use crate::domain::subgoal::{IndicatorRef, SubGoal};

use super::*;

/// Whether `who` may report `reported` on the sub-goal in `ctx` (the rule is
/// `domain::access::may_report`; `ctx` carries the measure's owners).
fn check_may_report(who: &Principal, ctx: &SubGoalContext, reported: Status) -> StoreResult<()> {
    access::may_report(access::ReportAttempt {
        name: &who.name,
        administers: who.grants.administers(ctx.measure.plan_id),
        owns_measure: who.grants.owns_through(ctx.owners.iter().map(|o| o.id)),
        measure_number: ctx.measure.number,
        current: ctx.sub_goal.status,
        reported,
    })
    .map_err(|r| StoreError::Forbidden(r.0))
}

/// An owner's `kpi_value` becomes the value for the year of its `as_of` of every indicator
/// that follows the sub-goal: unless an administrator set that year's value (which stands),
/// or a report with a later `as_of` in the same year gave it (the latest in the year wins; on
/// the same day, the newer report).
fn record_reported_kpi(
    conn: &mut DbConn,
    linked: &[IndicatorRef],
    update_id: i32,
    value: f64,
    as_of: NaiveDate,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let year = as_of.year();
    for indicator_id in linked.iter().map(|i| i.id) {
        let key = indicator_values::table
            .filter(indicator_values::indicator_id.eq(indicator_id))
            .filter(indicator_values::year.eq(year));
        let existing: Option<(ValueSource, Option<NaiveDate>)> = key
            .select((indicator_values::source, indicator_values::reported_as_of))
            .get_result(conn)
            .optional()?;
        let values = (
            indicator_values::value.eq(value),
            indicator_values::note.eq(None::<String>),
            indicator_values::updated_by.eq(&who.name),
            indicator_values::updated_at.eq(now),
            indicator_values::source.eq(ValueSource::OwnerReport),
            indicator_values::progress_update_id.eq(Some(update_id)),
            indicator_values::reported_as_of.eq(Some(as_of)),
        );
        match existing {
            Some((ValueSource::Admin, _)) => {}
            Some((ValueSource::OwnerReport, Some(prev))) if prev > as_of => {}
            Some(_) => {
                diesel::update(key).set(values).execute(conn)?;
            }
            None => {
                diesel::insert_into(indicator_values::table)
                    .values((
                        indicator_values::indicator_id.eq(indicator_id),
                        indicator_values::year.eq(year),
                        values,
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Append a progress update, if the client saw the current state (`expected_version`).
/// Returns the sub-goal's new state and the stored update.
pub fn append_progress(
    conn: &mut DbConn,
    id: i32,
    expected_version: i32,
    who: &Principal,
    report: &ProgressReport,
    now: NaiveDateTime,
) -> StoreResult<(SubGoal, ProgressRow)> {
    write_tx(conn, |conn| {
        let ctx = find_sub_goal(conn, id)?;
        check_may_report(who, &ctx, report.status)?;
        let current = &ctx.sub_goal;
        if current.version != expected_version {
            return Err(StoreError::PreconditionFailed {
                current_etag: etag(current),
            });
        }
        let forecast = report.forecast.as_ref();
        if let Some(f) = forecast {
            let deadline = current
                .deadline()
                .map_err(|e| StoreError::Corrupt(e.message))?;
            f.check_against(&deadline)?;
        }
        let progress = report.progress.map_or(current.progress, i32::from);
        let new = NewProgress {
            sub_goal_id: id,
            status: report.status,
            progress,
            note: report.note.clone(),
            kpi_value: report.kpi_value,
            as_of: report.as_of,
            achieved_on: report.achieved_on,
            reason: report.reason.clone(),
            reporter: who.name.clone(),
            token_id: who.token_id,
            recorded_at: now,
            forecast_outlook: forecast.map(|f| f.outlook),
            forecast_year: forecast.and_then(|f| f.expected_year),
            forecast_reason: forecast.and_then(|f| f.reason.clone()),
        };
        let update_id: i32 = on_backend!(conn, c => diesel::insert_into(progress_updates::table)
            .values(&new)
            .returning(progress_updates::id)
            .get_result(c))?;
        let change = SubGoalProgress {
            status: new.status,
            progress,
            status_reason: if report.status == Status::Dropped {
                report.reason.clone()
            } else {
                None
            },
            achieved_on: report.achieved_on,
            last_update_at: Some(now),
            last_as_of: Some(report.as_of),
            last_note: report.note.clone(),
            last_kpi_value: report.kpi_value,
            version: expected_version + 1,
            last_forecast_outlook: new.forecast_outlook,
            last_forecast_year: new.forecast_year,
            last_forecast_reason: new.forecast_reason.clone(),
        };
        let only_if_unchanged = sub_goals::id
            .eq(id)
            .and(sub_goals::version.eq(expected_version));
        let changed = on_backend!(conn, c => CachedUpdate::new(sub_goals::table, &change, only_if_unchanged)
            .execute(c))?;
        if changed != 1 {
            let latest = find_sub_goal(conn, id)?;
            return Err(StoreError::PreconditionFailed {
                current_etag: etag(&latest.sub_goal),
            });
        }
        // The stored rows are exactly what was just written (`now` is whole microseconds, which
        // both databases keep), so they are not read back; a test compares them with a fresh read.
        if let Some(v) = report.kpi_value {
            record_reported_kpi(conn, &ctx.indicators, update_id, v, report.as_of, who, now)?;
        }
        let mut ctx = ctx;
        change.apply_to(&mut ctx.sub_goal);
        let goal = sub_goal_model(&ctx)?;
        Ok((goal, new.into_row(update_id)))
    })
}

pub fn target_of(row: &SubGoalRow) -> Option<TargetDoc> {
    Some(TargetDoc {
        metric: row.target_metric.clone()?,
        unit: row.target_unit.clone().unwrap_or_default(),
        baseline_year: row.target_baseline_year,
        baseline_value: row.target_baseline_value,
        target_value: row.target_value,
        note: row.target_note.clone(),
    })
}

fn target_json(t: &Option<TargetDoc>) -> Option<String> {
    t.as_ref().and_then(|t| serde_json::to_string(t).ok())
}

/// Apply a patch; record old and new values in the revision history. A patch that changes
/// nothing records nothing.
pub fn patch_sub_goal(
    conn: &mut DbConn,
    id: i32,
    expected_version: Option<i32>,
    who: &Principal,
    patch: &SubGoalPatch,
    now: NaiveDateTime,
) -> StoreResult<SubGoal> {
    write_tx(conn, |conn| {
        let ctx = find_sub_goal(conn, id)?;
        may_administer(who, ctx.measure.plan_id, &ctx.plan_slug)?;
        let cur = &ctx.sub_goal;
        if let Some(v) = expected_version
            && v != cur.version
        {
            return Err(StoreError::PreconditionFailed {
                current_etag: etag(cur),
            });
        }
        let old_deadline = (cur.deadline_kind, cur.deadline_year);
        let new_text = patch.text.clone().unwrap_or_else(|| cur.text.clone());
        let new_deadline = patch
            .deadline
            .map_or(old_deadline, |d| (d.kind(), d.year()));
        let old_target = target_of(cur);
        let new_target = patch.target.clone().unwrap_or_else(|| old_target.clone());
        if new_text == cur.text && new_deadline == old_deadline && new_target == old_target {
            return sub_goal_model(&ctx);
        }
        let t = new_target.as_ref();
        diesel::update(sub_goals::table.find(id))
            .set((
                sub_goals::text.eq(&new_text),
                sub_goals::deadline_kind.eq(new_deadline.0),
                sub_goals::deadline_year.eq(new_deadline.1),
                TargetColumns::from(t),
                sub_goals::wording_pending.eq(cur.wording_pending && new_text == cur.text),
                sub_goals::version.eq(cur.version + 1),
            ))
            .execute(conn)?;
        let rev = NewRevision {
            sub_goal_id: id,
            kind: ChangeKind::Edited,
            old_text: Some(cur.text.clone()),
            new_text: Some(new_text),
            old_deadline_kind: Some(old_deadline.0),
            old_deadline_year: old_deadline.1,
            new_deadline_kind: Some(new_deadline.0),
            new_deadline_year: new_deadline.1,
            old_target: target_json(&old_target),
            new_target: target_json(&new_target),
            changed_by: who.name.clone(),
            reason: patch.reason.clone(),
            changed_at: now,
        };
        diesel::insert_into(sub_goal_revisions::table)
            .values(&rev)
            .execute(conn)?;
        let ctx = find_sub_goal(conn, id)?;
        sub_goal_model(&ctx)
    })
}
