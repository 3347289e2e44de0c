//! Every database operation the service performs, each a plain function over a connection.
//! Handlers call exactly one of these inside `web::block`; the CLI calls them directly.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::*;
use super::native::{CachedUpdate, on_backend};
use super::schema::*;
use super::{DbConn, read, read_tx, write_tx};
use crate::domain::access;
use crate::domain::edits::{IndicatorValue, MeasureOwners, NewIndicator, NewOwner, SubGoalPatch};
use crate::domain::plan_doc::TargetDoc;
use crate::domain::progress::ProgressReport;
use crate::domain::states::{ChangeKind, ValueSource};
use crate::domain::subgoal::{SubGoal, SubGoalState};
use crate::domain::token::Role;
use crate::domain::{DomainError, EmailAddress, Status};

/// What can go wrong in a store operation. Every variant but `Db` is the user's to fix and
/// carries a message fit for them; `Db` is logged and never shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the sub-goal has changed since it was read (current ETag {current_etag})")]
    PreconditionFailed { current_etag: String },
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    /// A stored row breaks a rule it was checked against on the way in.
    #[error("inconsistent stored data: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who is acting: resolved from a bearer token (API) or the operator (CLI).
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: Option<i32>,
    pub name: String,
    pub role: Role,
    pub owner_id: Option<i32>,
}

impl Principal {
    /// The operator at the command line, acting as administrator.
    pub fn operator(name: &str) -> Self {
        Self {
            token_id: None,
            name: name.to_string(),
            role: Role::Admin,
            owner_id: None,
        }
    }
}

/// The entity tag of a sub-goal's current state.
pub fn etag(sub_goal: &SubGoalRow) -> String {
    crate::domain::subgoal::etag(sub_goal.id, sub_goal.version)
}

// ---------------------------------------------------------------------------------------------
// Reading the plan
// ---------------------------------------------------------------------------------------------

/// The whole plan as stored: enough to show every measure with its sub-goals.
#[derive(Debug, Clone)]
pub struct PlanData {
    pub plan: PlanRow,
    pub themes: Vec<ThemeRow>,
    pub measures: Vec<MeasureRow>,
    /// (measure id, owner)
    pub owners: Vec<(i32, OwnerRow)>,
    pub sub_goals: Vec<SubGoalRow>,
    /// The indicators that follow a sub-goal.
    pub indicators: Vec<IndicatorRow>,
}

impl PlanData {
    pub fn measure_by_id(&self, id: i32) -> Option<&MeasureRow> {
        self.measures.iter().find(|m| m.id == id)
    }

    /// The read model of every sub-goal, in plan order.
    pub fn sub_goal_models(&self) -> StoreResult<Vec<SubGoal>> {
        self.sub_goals
            .iter()
            .map(|g| {
                let number = self.measure_by_id(g.measure_id).map_or(0, |m| m.number);
                let owners = self
                    .owners
                    .iter()
                    .filter(|(mid, _)| *mid == g.measure_id)
                    .map(|(_, o)| read::owner_ref(o))
                    .collect();
                read::sub_goal(
                    g,
                    number,
                    owners,
                    read::indicators_for(&self.indicators, g.id),
                )
            })
            .collect()
    }

    /// Every sub-goal as it stands on `as_of`.
    pub fn sub_goals_at(&self, as_of: NaiveDate) -> StoreResult<Vec<SubGoalState>> {
        Ok(self
            .sub_goal_models()?
            .into_iter()
            .map(|g| SubGoalState::at(g, as_of))
            .collect())
    }
}

pub fn list_plans(conn: &mut DbConn) -> StoreResult<Vec<PlanRow>> {
    Ok(plans::table
        .order(plans::slug.asc())
        .select(PlanRow::as_select())
        .load(conn)?)
}

fn find_plan(conn: &mut DbConn, slug: &str) -> StoreResult<PlanRow> {
    plans::table
        .filter(plans::slug.eq(slug))
        .select(PlanRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no plan with slug '{slug}'")))
}

/// The plan's id and data version (which triggers raise on every change to what its views
/// show): what a cached view of the plan is checked against. Two indexed lookups.
pub fn plan_version(conn: &mut DbConn, slug: &str) -> StoreResult<(i32, i64)> {
    let plan_id: i32 = plans::table
        .filter(plans::slug.eq(slug))
        .select(plans::id)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no plan with slug '{slug}'")))?;
    let stripes: Vec<i64> = plan_versions::table
        .filter(plan_versions::plan_id.eq(plan_id))
        .select(plan_versions::version)
        .load(conn)?;
    Ok((plan_id, stripes.iter().sum()))
}

pub fn get_plan(conn: &mut DbConn, slug: &str) -> StoreResult<(PlanRow, Vec<ThemeRow>)> {
    read_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        let themes = themes::table
            .filter(themes::plan_id.eq(plan.id))
            .order(themes::position.asc())
            .select(ThemeRow::as_select())
            .load(conn)?;
        Ok((plan, themes))
    })
}

pub fn load_plan(conn: &mut DbConn, slug: &str) -> StoreResult<PlanData> {
    read_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        let themes = themes::table
            .filter(themes::plan_id.eq(plan.id))
            .order(themes::position.asc())
            .select(ThemeRow::as_select())
            .load(conn)?;
        let measures = measures::table
            .filter(measures::plan_id.eq(plan.id))
            .order(measures::number.asc())
            .select(MeasureRow::as_select())
            .load(conn)?;
        let owners = measure_owners::table
            .inner_join(owners::table)
            .inner_join(measures::table)
            .filter(measures::plan_id.eq(plan.id))
            .order((measure_owners::measure_id.asc(), owners::name.asc()))
            .select((measure_owners::measure_id, OwnerRow::as_select()))
            .load(conn)?;
        let sub_goals = sub_goals::table
            .inner_join(measures::table)
            .filter(measures::plan_id.eq(plan.id))
            .order((measures::number.asc(), sub_goals::position.asc()))
            .select(SubGoalRow::as_select())
            .load(conn)?;
        let indicators = indicators::table
            .filter(indicators::plan_id.eq(plan.id))
            .filter(indicators::sub_goal_id.is_not_null())
            .order(indicators::code.asc())
            .select(IndicatorRow::as_select())
            .load(conn)?;
        Ok(PlanData {
            plan,
            themes,
            measures,
            owners,
            sub_goals,
            indicators,
        })
    })
}

/// One measure with everything said about it.
#[derive(Debug, Clone)]
pub struct MeasureDetail {
    pub plan: PlanRow,
    pub theme: ThemeRow,
    pub measure: MeasureRow,
    pub owners: Vec<OwnerRow>,
    pub sub_goals: Vec<SubGoalRow>,
    pub comments: Vec<CommentRow>,
    pub revisions: Vec<RevisionRow>,
    /// The indicators that follow its sub-goals.
    pub indicators: Vec<IndicatorRow>,
}

impl MeasureDetail {
    /// The read model of its sub-goals.
    pub fn sub_goal_models(&self) -> StoreResult<Vec<SubGoal>> {
        let owners: Vec<_> = self.owners.iter().map(read::owner_ref).collect();
        self.sub_goals
            .iter()
            .map(|g| {
                read::sub_goal(
                    g,
                    self.measure.number,
                    owners.clone(),
                    read::indicators_for(&self.indicators, g.id),
                )
            })
            .collect()
    }
}

pub fn load_measure(conn: &mut DbConn, slug: &str, number: i32) -> StoreResult<MeasureDetail> {
    read_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        let measure = find_measure(conn, &plan, number)?;
        let theme = themes::table
            .find(measure.theme_id)
            .select(ThemeRow::as_select())
            .get_result(conn)?;
        let owners = owners_of(conn, measure.id)?;
        let sub_goals = sub_goals::table
            .filter(sub_goals::measure_id.eq(measure.id))
            .order(sub_goals::position.asc())
            .select(SubGoalRow::as_select())
            .load(conn)?;
        let comments = comments::table
            .filter(comments::measure_id.eq(measure.id))
            .order(comments::position.asc())
            .select(CommentRow::as_select())
            .load(conn)?;
        let revisions = sub_goal_revisions::table
            .inner_join(sub_goals::table)
            .filter(sub_goals::measure_id.eq(measure.id))
            .order((
                sub_goal_revisions::changed_at.asc(),
                sub_goal_revisions::id.asc(),
            ))
            .select(RevisionRow::as_select())
            .load(conn)?;
        let ids: Vec<i32> = sub_goals.iter().map(|g| g.id).collect();
        let indicators = read::indicators_of(conn, &ids)?;
        Ok(MeasureDetail {
            plan,
            theme,
            measure,
            owners,
            sub_goals,
            comments,
            revisions,
            indicators,
        })
    })
}

fn find_measure(conn: &mut DbConn, plan: &PlanRow, number: i32) -> StoreResult<MeasureRow> {
    measures::table
        .filter(measures::plan_id.eq(plan.id))
        .filter(measures::number.eq(number))
        .select(MeasureRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!("plan '{}' has no measure {number}", plan.slug))
        })
}

fn owners_of(conn: &mut DbConn, measure_id: i32) -> StoreResult<Vec<OwnerRow>> {
    read::owners_of(conn, measure_id)
}

/// A sub-goal with the measure and plan it belongs to.
#[derive(Debug, Clone)]
pub struct SubGoalContext {
    pub plan_slug: String,
    pub measure: MeasureRow,
    pub sub_goal: SubGoalRow,
}

/// A sub-goal as the API shows it on its own: the read model with its measure's owners and
/// its indicators.
pub fn sub_goal_model(conn: &mut DbConn, ctx: &SubGoalContext) -> StoreResult<SubGoal> {
    let owners = read::owners_of(conn, ctx.measure.id)?
        .iter()
        .map(read::owner_ref)
        .collect();
    let indicators = read::indicators_of(conn, &[ctx.sub_goal.id])?
        .iter()
        .map(read::indicator_ref)
        .collect();
    read::sub_goal(&ctx.sub_goal, ctx.measure.number, owners, indicators)
}

fn find_sub_goal(conn: &mut DbConn, id: i32) -> StoreResult<SubGoalContext> {
    // Every write to a sub-goal starts here: on the backend's own connection (see `native`).
    let (sub_goal, measure, plan_slug) = on_backend!(conn, c => sub_goals::table
        .inner_join(measures::table.inner_join(plans::table))
        .filter(sub_goals::id.eq(id))
        .select((
            SubGoalRow::as_select(),
            MeasureRow::as_select(),
            plans::slug,
        ))
        .get_result::<(SubGoalRow, MeasureRow, String)>(c)
        .optional())?
    .ok_or_else(|| StoreError::NotFound(format!("no sub-goal with id {id}")))?;
    Ok(SubGoalContext {
        plan_slug,
        measure,
        sub_goal,
    })
}

pub fn get_sub_goal(conn: &mut DbConn, id: i32) -> StoreResult<SubGoal> {
    read_tx(conn, |conn| {
        let ctx = find_sub_goal(conn, id)?;
        sub_goal_model(conn, &ctx)
    })
}

pub fn list_progress(conn: &mut DbConn, id: i32) -> StoreResult<Vec<ProgressRow>> {
    read_tx(conn, |conn| {
        find_sub_goal(conn, id)?;
        Ok(progress_updates::table
            .filter(progress_updates::sub_goal_id.eq(id))
            .order(progress_updates::id.desc())
            .select(ProgressRow::as_select())
            .load(conn)?)
    })
}

// ---------------------------------------------------------------------------------------------
// Writing progress and plan changes
// ---------------------------------------------------------------------------------------------

/// Whether `who` may report `reported` on the sub-goal in `ctx` (the rule is
/// `domain::access::may_report`; this looks up whether `who` owns the measure).
fn check_may_report(
    conn: &mut DbConn,
    who: &Principal,
    ctx: &SubGoalContext,
    reported: Status,
) -> StoreResult<()> {
    let owns_measure = match (who.role, who.owner_id) {
        (Role::Owner, Some(owner_id)) => on_backend!(conn, c => diesel::select(diesel::dsl::exists(
            measure_owners::table
                .filter(measure_owners::measure_id.eq(ctx.measure.id))
                .filter(measure_owners::owner_id.eq(owner_id)),
        ))
        .get_result::<bool>(c))?,
        _ => false,
    };
    access::may_report(access::ReportAttempt {
        role: who.role,
        name: &who.name,
        owns_measure,
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
    sub_goal_id: i32,
    update_id: i32,
    value: f64,
    as_of: NaiveDate,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let year = as_of.year();
    let linked: Vec<i32> = indicators::table
        .filter(indicators::sub_goal_id.eq(sub_goal_id))
        .select(indicators::id)
        .load(conn)?;
    for indicator_id in linked {
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
        check_may_report(conn, who, &ctx, report.status)?;
        let current = &ctx.sub_goal;
        if current.version != expected_version {
            return Err(StoreError::PreconditionFailed {
                current_etag: etag(current),
            });
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
            record_reported_kpi(conn, id, update_id, v, report.as_of, who, now)?;
        }
        let mut ctx = ctx;
        change.apply_to(&mut ctx.sub_goal);
        let goal = sub_goal_model(conn, &ctx)?;
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
            return sub_goal_model(conn, &ctx);
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
        sub_goal_model(conn, &ctx)
    })
}

// ---------------------------------------------------------------------------------------------
// Owners
// ---------------------------------------------------------------------------------------------

/// An owner with the (plan slug, measure number) pairs it owns.
pub type OwnerWithMeasures = (OwnerRow, Vec<(String, i32)>);

pub fn list_owners(conn: &mut DbConn) -> StoreResult<Vec<OwnerWithMeasures>> {
    read_tx(conn, |conn| {
        let owners = owners::table
            .order(owners::name.asc())
            .select(OwnerRow::as_select())
            .load(conn)?;
        let links: Vec<(i32, String, i32)> = measure_owners::table
            .inner_join(measures::table.inner_join(plans::table))
            .order((plans::slug.asc(), measures::number.asc()))
            .select((measure_owners::owner_id, plans::slug, measures::number))
            .load(conn)?;
        Ok(owners
            .into_iter()
            .map(|o| {
                let ms = links
                    .iter()
                    .filter(|(oid, _, _)| *oid == o.id)
                    .map(|(_, s, n)| (s.clone(), *n))
                    .collect();
                (o, ms)
            })
            .collect())
    })
}

fn find_owner_by_name(conn: &mut DbConn, name: &str) -> StoreResult<Option<OwnerRow>> {
    Ok(owners::table
        .filter(owners::name.eq(name))
        .select(OwnerRow::as_select())
        .get_result(conn)
        .optional()?)
}

fn insert_owner(
    conn: &mut DbConn,
    name: &str,
    email: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<OwnerRow> {
    let id: i32 = diesel::insert_into(owners::table)
        .values((
            owners::name.eq(name),
            owners::email.eq(email),
            owners::created_at.eq(now),
        ))
        .returning(owners::id)
        .get_result(conn)?;
    Ok(owners::table
        .find(id)
        .select(OwnerRow::as_select())
        .get_result(conn)?)
}

pub fn create_owner(
    conn: &mut DbConn,
    new: &NewOwner,
    now: NaiveDateTime,
) -> StoreResult<OwnerRow> {
    let name = new.name.as_str();
    let email = new.email.as_ref().map(EmailAddress::as_str);
    write_tx(conn, |conn| {
        if find_owner_by_name(conn, name)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "an owner named '{name}' exists already"
            )));
        }
        insert_owner(conn, name, email, now)
    })
}

/// Replace the owners of a measure.
pub fn set_measure_owners(
    conn: &mut DbConn,
    slug: &str,
    number: i32,
    owners: &MeasureOwners,
) -> StoreResult<Vec<OwnerRow>> {
    let owner_ids = owners.ids();
    write_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        let measure = find_measure(conn, &plan, number)?;
        let known: Vec<i32> = owners::table
            .filter(owners::id.eq_any(owner_ids))
            .select(owners::id)
            .load(conn)?;
        let unknown: Vec<String> = owner_ids
            .iter()
            .filter(|id| !known.contains(id))
            .map(|id| id.to_string())
            .collect();
        if !unknown.is_empty() {
            return Err(DomainError::new(
                "owner_ids",
                format!("no owner with id {}", unknown.join(", ")),
            )
            .into());
        }
        diesel::delete(measure_owners::table.filter(measure_owners::measure_id.eq(measure.id)))
            .execute(conn)?;
        for &owner_id in owner_ids {
            diesel::insert_into(measure_owners::table)
                .values((
                    measure_owners::measure_id.eq(measure.id),
                    measure_owners::owner_id.eq(owner_id),
                ))
                .execute(conn)?;
        }
        owners_of(conn, measure.id)
    })
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// What `token create` asks for.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    /// For owner tokens: the owner's e-mail address (set or updated).
    pub email: Option<String>,
    /// For owner tokens: plan and measure numbers the owner is given.
    pub plan_slug: String,
    pub measures: Vec<i32>,
    pub token_hash: String,
}

pub fn create_token(conn: &mut DbConn, t: &NewToken, now: NaiveDateTime) -> StoreResult<TokenRow> {
    write_tx(conn, |conn| {
        let owner_id = if t.role == Role::Owner {
            let plan = find_plan(conn, &t.plan_slug)?;
            let owner = match find_owner_by_name(conn, &t.name)? {
                Some(o) => {
                    if t.email.is_some() && t.email != o.email {
                        diesel::update(owners::table.find(o.id))
                            .set(owners::email.eq(&t.email))
                            .execute(conn)?;
                    }
                    o
                }
                None => insert_owner(conn, &t.name, t.email.as_deref(), now)?,
            };
            for number in &t.measures {
                let m = find_measure(conn, &plan, *number)?;
                let exists = diesel::select(diesel::dsl::exists(
                    measure_owners::table
                        .filter(measure_owners::measure_id.eq(m.id))
                        .filter(measure_owners::owner_id.eq(owner.id)),
                ))
                .get_result::<bool>(conn)?;
                if !exists {
                    diesel::insert_into(measure_owners::table)
                        .values((
                            measure_owners::measure_id.eq(m.id),
                            measure_owners::owner_id.eq(owner.id),
                        ))
                        .execute(conn)?;
                }
            }
            Some(owner.id)
        } else {
            None
        };
        let id: i32 = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::name.eq(&t.name),
                api_tokens::role.eq(t.role.as_str()),
                api_tokens::owner_id.eq(owner_id),
                api_tokens::token_hash.eq(&t.token_hash),
                api_tokens::created_at.eq(now),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        Ok(api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .get_result(conn)?)
    })
}

pub fn list_tokens(conn: &mut DbConn) -> StoreResult<Vec<TokenRow>> {
    Ok(api_tokens::table
        .order(api_tokens::id.asc())
        .select(TokenRow::as_select())
        .load(conn)?)
}

pub fn revoke_token(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> StoreResult<TokenRow> {
    write_tx(conn, |conn| {
        let n = diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)?;
        let row = api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no token with id {id}")))?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "token {id} is revoked already"
            )));
        }
        Ok(row)
    })
}

/// The principal behind a token hash, if the token exists and is not revoked.
pub fn authenticate(conn: &mut DbConn, token_hash: &str) -> StoreResult<Option<Principal>> {
    // Every authenticated request asks this: on the backend's own connection (see `native`).
    let row = on_backend!(conn, c => api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .get_result(c)
        .optional())?;
    let Some(row) = row else { return Ok(None) };
    let role = row.role;
    Ok(Some(Principal {
        token_id: Some(row.id),
        name: row.name,
        role,
        owner_id: row.owner_id,
    }))
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

pub type IndicatorWithValues = (IndicatorRow, Option<String>, Vec<IndicatorValueRow>);

fn indicator_with_values(conn: &mut DbConn, row: IndicatorRow) -> StoreResult<IndicatorWithValues> {
    let mut one = with_keys_and_values(conn, vec![row])?;
    // One row in, one out: `with_keys_and_values` maps each row.
    Ok(one.remove(0))
}

pub fn list_indicators(conn: &mut DbConn, slug: &str) -> StoreResult<Vec<IndicatorWithValues>> {
    read_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        plan_indicators(conn, plan.id)
    })
}

/// A plan's indicators with their sub-goal keys and values.
fn plan_indicators(conn: &mut DbConn, plan_id: i32) -> StoreResult<Vec<IndicatorWithValues>> {
    let rows = indicators::table
        .filter(indicators::plan_id.eq(plan_id))
        .order(indicators::code.asc())
        .select(IndicatorRow::as_select())
        .load(conn)?;
    with_keys_and_values(conn, rows)
}

/// Indicators with their sub-goal keys and yearly values (in year order), in two statements
/// whatever their number (not two per indicator: each is a round trip on PostgreSQL).
fn with_keys_and_values(
    conn: &mut DbConn,
    rows: Vec<IndicatorRow>,
) -> StoreResult<Vec<IndicatorWithValues>> {
    let goal_ids: Vec<i32> = rows.iter().filter_map(|r| r.sub_goal_id).collect();
    let keys: HashMap<i32, String> = if goal_ids.is_empty() {
        HashMap::new()
    } else {
        sub_goals::table
            .filter(sub_goals::id.eq_any(goal_ids))
            .select((sub_goals::id, sub_goals::key))
            .load::<(i32, String)>(conn)?
            .into_iter()
            .collect()
    };
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut values: HashMap<i32, Vec<IndicatorValueRow>> = HashMap::new();
    for v in indicator_values::table
        .filter(indicator_values::indicator_id.eq_any(ids))
        .order((
            indicator_values::indicator_id.asc(),
            indicator_values::year.asc(),
        ))
        .select(IndicatorValueRow::as_select())
        .load(conn)?
    {
        values.entry(v.indicator_id).or_default().push(v);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let key = r.sub_goal_id.and_then(|id| keys.get(&id).cloned());
            let vals = values.remove(&r.id).unwrap_or_default();
            (r, key, vals)
        })
        .collect())
}

fn sub_goal_id_by_key(conn: &mut DbConn, plan_id: i32, key: &str) -> StoreResult<Option<i32>> {
    Ok(sub_goals::table
        .inner_join(measures::table)
        .filter(measures::plan_id.eq(plan_id))
        .filter(sub_goals::key.eq(key))
        .select(sub_goals::id)
        .get_result(conn)
        .optional()?)
}

pub fn create_indicator(
    conn: &mut DbConn,
    slug: &str,
    new: &NewIndicator,
) -> StoreResult<IndicatorWithValues> {
    write_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        let exists = diesel::select(diesel::dsl::exists(
            indicators::table
                .filter(indicators::plan_id.eq(plan.id))
                .filter(indicators::code.eq(&new.code)),
        ))
        .get_result::<bool>(conn)?;
        if exists {
            return Err(StoreError::Conflict(format!(
                "plan '{slug}' has an indicator with code '{}' already",
                new.code
            )));
        }
        let sub_goal_id = match &new.sub_goal_key {
            Some(k) => Some(sub_goal_id_by_key(conn, plan.id, k)?.ok_or_else(|| {
                DomainError::new("sub_goal", format!("plan '{slug}' has no sub-goal '{k}'"))
            })?),
            None => None,
        };
        let id: i32 = diesel::insert_into(indicators::table)
            .values((
                indicators::plan_id.eq(plan.id),
                indicators::code.eq(&new.code),
                indicators::name.eq(&new.name),
                indicators::unit.eq(&new.unit),
                indicators::baseline_year.eq(new.baseline_year),
                indicators::baseline_value.eq(new.baseline_value),
                indicators::target_value.eq(new.target_value),
                indicators::target_year.eq(new.target_year),
                indicators::sub_goal_id.eq(sub_goal_id),
            ))
            .returning(indicators::id)
            .get_result(conn)?;
        let row = indicators::table
            .find(id)
            .select(IndicatorRow::as_select())
            .get_result(conn)?;
        indicator_with_values(conn, row)
    })
}

fn find_indicator(conn: &mut DbConn, id: i32) -> StoreResult<IndicatorRow> {
    indicators::table
        .find(id)
        .select(IndicatorRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no indicator with id {id}")))
}

pub fn get_indicator_value(
    conn: &mut DbConn,
    id: i32,
    year: i32,
) -> StoreResult<IndicatorValueRow> {
    read_tx(conn, |conn| {
        find_indicator(conn, id)?;
        indicator_values::table
            .filter(indicator_values::indicator_id.eq(id))
            .filter(indicator_values::year.eq(year))
            .select(IndicatorValueRow::as_select())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("indicator {id} has no value for {year}")))
    })
}

/// Set the value of a year; returns the stored value and whether it was new.
pub fn put_indicator_value(
    conn: &mut DbConn,
    id: i32,
    new: &IndicatorValue,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<(IndicatorValueRow, bool)> {
    let (year, value, note) = (new.year, new.value, &new.note);
    write_tx(conn, |conn| {
        find_indicator(conn, id)?;
        let key = indicator_values::table
            .filter(indicator_values::indicator_id.eq(id))
            .filter(indicator_values::year.eq(year));
        let existed = diesel::select(diesel::dsl::exists(key)).get_result::<bool>(conn)?;
        if existed {
            diesel::update(key)
                .set((
                    indicator_values::value.eq(value),
                    indicator_values::note.eq(note),
                    indicator_values::updated_by.eq(&who.name),
                    indicator_values::updated_at.eq(now),
                    indicator_values::source.eq(ValueSource::Admin),
                    indicator_values::progress_update_id.eq(None::<i32>),
                    indicator_values::reported_as_of.eq(None::<NaiveDate>),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(indicator_values::table)
                .values((
                    indicator_values::indicator_id.eq(id),
                    indicator_values::year.eq(year),
                    indicator_values::value.eq(value),
                    indicator_values::note.eq(note),
                    indicator_values::updated_by.eq(&who.name),
                    indicator_values::updated_at.eq(now),
                    indicator_values::source.eq(ValueSource::Admin),
                    indicator_values::progress_update_id.eq(None::<i32>),
                    indicator_values::reported_as_of.eq(None::<NaiveDate>),
                ))
                .execute(conn)?;
        }
        let row = key
            .select(IndicatorValueRow::as_select())
            .get_result(conn)?;
        Ok((row, !existed))
    })
}

/// Whether the database holds no plan yet (start-up loads the Ballerup seed then).
pub fn is_empty(conn: &mut DbConn) -> StoreResult<bool> {
    let n: i64 = plans::table.count().get_result(conn)?;
    Ok(n == 0)
}

/// The database answers a trivial query.
pub fn ping(conn: &mut DbConn) -> StoreResult<()> {
    let _: i64 = plans::table.count().get_result(conn)?;
    Ok(())
}

/// Used by tests and the restart check: number of progress updates stored.
pub fn count_progress(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(progress_updates::table.count().get_result(conn)?)
}

pub fn get_progress(
    conn: &mut DbConn,
    sub_goal_id: i32,
    update_id: i32,
) -> StoreResult<ProgressRow> {
    progress_updates::table
        .filter(progress_updates::id.eq(update_id))
        .filter(progress_updates::sub_goal_id.eq(sub_goal_id))
        .select(ProgressRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "sub-goal {sub_goal_id} has no progress update {update_id}"
            ))
        })
}

pub fn get_indicator(conn: &mut DbConn, id: i32) -> StoreResult<IndicatorWithValues> {
    read_tx(conn, |conn| {
        let row = find_indicator(conn, id)?;
        indicator_with_values(conn, row)
    })
}

/// Everything a report snapshot is built from: the plan, each sub-goal's newest progress
/// update as of each of the report's cut-off dates, every revision and the indicators with
/// their values.
#[derive(Debug, Clone)]
pub struct PlanHistory {
    pub data: PlanData,
    /// For each cut-off date given to [`load_history`], each sub-goal's newest update with
    /// `as_of` on or before it (none if it had none yet). The newest update on or before a
    /// cut-off is therefore always among these, whatever else is.
    pub updates: Vec<ProgressRow>,
    pub revisions: Vec<RevisionRow>,
    pub indicators: Vec<IndicatorWithValues>,
}

/// Load what a report needs; `cutoffs` are the dates its snapshots are taken at (a period's
/// end, and for the UGO status the previous period's end too). The progress history is not
/// loaded whole: per sub-goal and cut-off one indexed lookup, so a plan with ten years of
/// monthly updates costs what a new one does.
pub fn load_history(
    conn: &mut DbConn,
    slug: &str,
    cutoffs: &[chrono::NaiveDate],
) -> StoreResult<PlanHistory> {
    read_tx(conn, |conn| {
        let data = load_plan(conn, slug)?;
        let mut updates: Vec<ProgressRow> = Vec::new();
        for &cutoff in cutoffs {
            let p2 = diesel::alias!(progress_updates as newest);
            let newest_id = p2
                .filter(p2.field(progress_updates::sub_goal_id).eq(sub_goals::id))
                .filter(p2.field(progress_updates::as_of).le(cutoff))
                .order((
                    p2.field(progress_updates::as_of).desc(),
                    p2.field(progress_updates::id).desc(),
                ))
                .select(p2.field(progress_updates::id))
                .limit(1)
                .single_value();
            let rows = sub_goals::table
                .inner_join(measures::table)
                .inner_join(
                    progress_updates::table.on(progress_updates::id.nullable().eq(newest_id)),
                )
                .filter(measures::plan_id.eq(data.plan.id))
                .select(ProgressRow::as_select())
                .load(conn)?;
            updates.extend(rows);
        }
        // An update newest at two cut-offs was loaded twice.
        updates.sort_by_key(|u| u.id);
        updates.dedup_by_key(|u| u.id);
        let revisions = sub_goal_revisions::table
            .inner_join(sub_goals::table.inner_join(measures::table))
            .filter(measures::plan_id.eq(data.plan.id))
            .order(sub_goal_revisions::id.asc())
            .select(RevisionRow::as_select())
            .load(conn)?;
        let indicators = plan_indicators(conn, data.plan.id)?;
        Ok(PlanHistory {
            data,
            updates,
            revisions,
            indicators,
        })
    })
}

/// The plan and its indicators: what the exports need.
pub fn load_export(
    conn: &mut DbConn,
    slug: &str,
) -> StoreResult<(PlanData, Vec<IndicatorWithValues>)> {
    read_tx(conn, |conn| {
        let data = load_plan(conn, slug)?;
        let indicators = list_indicators(conn, slug)?;
        Ok((data, indicators))
    })
}
