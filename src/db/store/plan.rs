//! Reading a plan: the whole plan for its views, one measure with everything said about it,
//! one sub-goal and its progress history.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::native::on_backend;
use crate::db::schema::*;
use crate::db::{DbConn, read, read_tx};
use crate::domain::subgoal::{IndicatorRef, OwnerRef, SubGoal, SubGoalState};

use super::*;

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

pub(super) fn find_plan(conn: &mut DbConn, slug: &str) -> StoreResult<PlanRow> {
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

/// The id and title of plan `slug` (`NotFound` when there is none).
pub fn plan_title(conn: &mut DbConn, slug: &str) -> StoreResult<(i32, String)> {
    plans::table
        .filter(plans::slug.eq(slug))
        .select((plans::id, plans::title))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no plan with slug '{slug}'")))
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
        let owners = read::owners_of(conn, measure.id)?;
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

pub(super) fn find_measure(
    conn: &mut DbConn,
    plan: &PlanRow,
    number: i32,
) -> StoreResult<MeasureRow> {
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

/// A sub-goal with the measure and plan it belongs to, its measure's owners and the
/// indicators that follow it: everything its read model and the rule for who may report on it
/// need, read in one statement.
#[derive(Debug, Clone)]
pub struct SubGoalContext {
    pub plan_slug: String,
    pub measure: MeasureRow,
    pub sub_goal: SubGoalRow,
    pub owners: Vec<OwnerRef>,
    pub indicators: Vec<IndicatorRef>,
}

/// The read model of the sub-goal in `ctx`.
pub fn sub_goal_model(ctx: &SubGoalContext) -> StoreResult<SubGoal> {
    read::sub_goal(
        &ctx.sub_goal,
        ctx.measure.number,
        ctx.owners.clone(),
        ctx.indicators.clone(),
    )
}

type ContextRow = (
    SubGoalRow,
    MeasureRow,
    String,
    Option<(i32, String)>,
    Option<(i32, String, String, String)>,
);

pub(super) fn find_sub_goal(conn: &mut DbConn, id: i32) -> StoreResult<SubGoalContext> {
    // Every write to a sub-goal starts here: on the backend's own connection (see `native`).
    // One row per (owner, indicator) pair; a sub-goal has one or two of each at most.
    let rows: Vec<ContextRow> = on_backend!(conn, c => sub_goals::table
        .inner_join(measures::table.inner_join(plans::table))
        .left_join(measure_owners::table.on(measure_owners::measure_id.eq(sub_goals::measure_id)))
        .left_join(owners::table.on(owners::id.eq(measure_owners::owner_id)))
        .left_join(indicators::table.on(indicators::sub_goal_id.eq(sub_goals::id.nullable())))
        .filter(sub_goals::id.eq(id))
        .order((owners::name.asc(), indicators::code.asc()))
        .select((
            SubGoalRow::as_select(),
            MeasureRow::as_select(),
            plans::slug,
            (owners::id, owners::name).nullable(),
            (indicators::id, indicators::code, indicators::name, indicators::unit).nullable(),
        ))
        .load::<ContextRow>(c))?;
    let mut rows = rows.into_iter();
    let (sub_goal, measure, plan_slug, owner, indicator) = rows
        .next()
        .ok_or_else(|| StoreError::NotFound(format!("no sub-goal with id {id}")))?;
    let mut owners: Vec<OwnerRef> = Vec::new();
    let mut indicators: Vec<IndicatorRef> = Vec::new();
    for (o, i) in std::iter::once((owner, indicator)).chain(rows.map(|r| (r.3, r.4))) {
        if let Some((id, name)) = o
            && !owners.iter().any(|x| x.id == id)
        {
            owners.push(OwnerRef { id, name });
        }
        if let Some((id, code, name, unit)) = i
            && !indicators.iter().any(|x| x.id == id)
        {
            indicators.push(IndicatorRef {
                id,
                code,
                name,
                unit,
            });
        }
    }
    Ok(SubGoalContext {
        plan_slug,
        measure,
        sub_goal,
        owners,
        indicators,
    })
}

pub fn get_sub_goal(conn: &mut DbConn, id: i32) -> StoreResult<SubGoal> {
    read_tx(conn, |conn| {
        let ctx = find_sub_goal(conn, id)?;
        sub_goal_model(&ctx)
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

/// What a read asks for, to find the plan it belongs to (for the read rule when reads are not
/// public).
#[derive(Debug, Clone)]
pub enum PlanOf {
    Slug(String),
    SubGoal(i32),
    Indicator(i32),
    Run(i32),
}

/// The id and slug of the plan `what` belongs to; 404 when there is no such thing.
pub fn plan_of(conn: &mut DbConn, what: &PlanOf) -> StoreResult<(i32, String)> {
    let found: Option<(i32, String)> = match what {
        PlanOf::Slug(slug) => plans::table
            .filter(plans::slug.eq(slug))
            .select((plans::id, plans::slug))
            .get_result(conn)
            .optional()?,
        PlanOf::SubGoal(id) => sub_goals::table
            .inner_join(measures::table.inner_join(plans::table))
            .filter(sub_goals::id.eq(id))
            .select((plans::id, plans::slug))
            .get_result(conn)
            .optional()?,
        PlanOf::Indicator(id) => indicators::table
            .inner_join(plans::table)
            .filter(indicators::id.eq(id))
            .select((plans::id, plans::slug))
            .get_result(conn)
            .optional()?,
        PlanOf::Run(id) => crate::db::schema::report_runs::table
            .inner_join(plans::table)
            .filter(crate::db::schema::report_runs::id.eq(id))
            .select((plans::id, plans::slug))
            .get_result(conn)
            .optional()?,
    };
    found.ok_or_else(|| {
        StoreError::NotFound(match what {
            PlanOf::Slug(s) => format!("no plan with slug '{s}'"),
            PlanOf::SubGoal(id) => format!("no sub-goal with id {id}"),
            PlanOf::Indicator(id) => format!("no indicator with id {id}"),
            PlanOf::Run(id) => format!("no report run with id {id}"),
        })
    })
}
