//! What an owner's workspace reads: their sub-goals across plans, and one sub-goal with what its
//! progress form needs. Writing progress is `append_progress`, as for the API.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::Status;
use crate::domain::access;
use crate::domain::subgoal::SubGoal;
use crate::progress_import::{ImportPlan, Table};

use super::*;

/// One of an owner's sub-goals, with the names the list shows.
#[derive(Debug, Clone)]
pub struct OwnedSubGoal {
    pub plan_id: i32,
    pub plan_slug: String,
    pub plan_title: String,
    pub measure_title: String,
    pub goal: SubGoal,
}

/// The sub-goals of every measure owned by one of `owner_ids`, in every plan, read plan by plan
/// with the read model the rest of the site uses.
pub fn owned_sub_goals(conn: &mut DbConn, owner_ids: &[i32]) -> StoreResult<Vec<OwnedSubGoal>> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    read_tx(conn, |conn| {
        let measure_ids: Vec<i32> = measure_owners::table
            .filter(measure_owners::owner_id.eq_any(owner_ids))
            .select(measure_owners::measure_id)
            .distinct()
            .load(conn)?;
        let slugs: Vec<String> = measures::table
            .inner_join(plans::table)
            .filter(measures::id.eq_any(&measure_ids))
            .select(plans::slug)
            .distinct()
            .order(plans::slug.asc())
            .load(conn)?;
        let mut out = Vec::new();
        for slug in slugs {
            let data = load_plan(conn, &slug)?;
            let owned: Vec<&MeasureRow> = data
                .measures
                .iter()
                .filter(|m| measure_ids.contains(&m.id))
                .collect();
            for goal in data.sub_goal_models()? {
                let Some(m) = owned.iter().find(|m| m.number == goal.measure_number) else {
                    continue;
                };
                out.push(OwnedSubGoal {
                    plan_id: data.plan.id,
                    plan_slug: data.plan.slug.clone(),
                    plan_title: data.plan.title.clone(),
                    measure_title: m.title.clone(),
                    goal,
                });
            }
        }
        Ok(out)
    })
}

/// One sub-goal as its progress form shows it: the read model, where it belongs, and its newest
/// progress update (what a colleague saved, when the form meets a conflict).
#[derive(Debug, Clone)]
pub struct ReportContext {
    pub plan_id: i32,
    pub plan_slug: String,
    pub measure_title: String,
    pub goal: SubGoal,
    pub latest: Option<ProgressRow>,
    /// The committee's questions on the sub-goal and on its measure as a whole, oldest first.
    pub questions: Vec<QuestionView>,
}

pub fn report_context(conn: &mut DbConn, id: i32) -> StoreResult<ReportContext> {
    read_tx(conn, |conn| {
        let ctx = find_sub_goal(conn, id)?;
        let latest = progress_updates::table
            .filter(progress_updates::sub_goal_id.eq(id))
            .order(progress_updates::id.desc())
            .select(ProgressRow::as_select())
            .first(conn)
            .optional()?;
        let goal = sub_goal_model(&ctx)?;
        let questions = list_questions(conn, ctx.measure.plan_id, None, None, None)?
            .into_iter()
            .filter(|q| {
                q.measure_number == goal.measure_number
                    && q.sub_goal_key.as_ref().is_none_or(|k| *k == goal.key)
            })
            .collect();
        Ok(ReportContext {
            questions,
            plan_id: ctx.measure.plan_id,
            plan_slug: ctx.plan_slug.clone(),
            measure_title: ctx.measure.title.clone(),
            goal,
            latest,
        })
    })
}

/// How an import is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportMode {
    /// Check and show what would change; write nothing.
    DryRun,
    /// Write every update, or nothing. With a fingerprint (from a preview), write only if the
    /// sub-goals are as they were when the preview was made.
    Write { fingerprint: Option<String> },
}

/// What an import came to. Every variant but `Written` wrote nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    /// Some rows break a rule: each is in `errors`.
    Invalid(ImportPlan),
    Preview(ImportPlan),
    /// Someone saved one of the sub-goals after the preview: here is the new plan.
    Stale(ImportPlan),
    Written(ImportPlan),
}

/// Import `table` into plan `slug` as `who`: every row checked against the sub-goals as they
/// stand in this transaction, then (unless asked for a dry run, or a row is invalid) every
/// update appended in it, each an ordinary progress update with `who` as its author. One
/// failure and nothing is written.
pub fn import_progress(
    conn: &mut DbConn,
    slug: &str,
    table: &Table,
    who: &Principal,
    mode: &ImportMode,
    (as_of, today): (NaiveDate, NaiveDate),
    now: NaiveDateTime,
) -> StoreResult<ImportOutcome> {
    write_tx(conn, |conn| {
        let data = load_plan(conn, slug)?;
        let plan_id = data.plan.id;
        let goals = data.sub_goal_models()?;
        let may = |g: &SubGoal, status: Status| {
            access::may_report(access::ReportAttempt {
                name: &who.name,
                administers: who.grants.administers(plan_id),
                owns_measure: who.grants.owns_through(g.owners.iter().map(|o| o.id)),
                measure_number: g.measure_number,
                current: g.status,
                reported: status,
            })
            .map_err(|_| {
                if status == Status::Dropped || g.status == Status::Dropped {
                    format!(
                        "Kun planens administratorer kan lade delmål {} udgå eller opdatere det, når det er udgået.",
                        g.key
                    )
                } else {
                    format!(
                        "Du kan ikke indberette på delmål {}: tiltag {} er ikke din afdelings.",
                        g.key, g.measure_number
                    )
                }
            })
        };
        let plan = crate::progress_import::plan(table, &goals, &may, as_of, today);
        if !plan.errors.is_empty() {
            return Ok(ImportOutcome::Invalid(plan));
        }
        match mode {
            ImportMode::DryRun => return Ok(ImportOutcome::Preview(plan)),
            ImportMode::Write {
                fingerprint: Some(f),
            } if *f != plan.fingerprint() => return Ok(ImportOutcome::Stale(plan)),
            ImportMode::Write { .. } => {}
        }
        for (row, report) in plan.updates() {
            append_progress(conn, row.sub_goal_id, row.version, who, report, now)?;
        }
        Ok(ImportOutcome::Written(plan))
    })
}
