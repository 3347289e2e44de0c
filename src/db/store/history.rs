//! What the reports and exports read: the plan with its whole history.

use diesel::prelude::*;

use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{DbConn, read_tx};

use super::*;

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
    /// The UGO status's round and its marks, when the report is one (`scheduler::report_history`).
    pub round: Option<RoundMarks>,
    /// The committee's questions the UGO status prints: those asked in its round, with the
    /// answers given by its close.
    pub questions: Vec<QuestionView>,
    /// The plan's climate effect as it stands (inventory, targets, estimates, assessments).
    pub climate: ClimateData,
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
        let climate = climate_data(conn, data.plan.id)?;
        Ok(PlanHistory {
            climate,
            data,
            updates,
            revisions,
            indicators,
            round: None,
            questions: Vec::new(),
        })
    })
}

/// The plan and its indicators: what the exports need.
pub fn load_export(
    conn: &mut DbConn,
    slug: &str,
) -> StoreResult<(PlanData, Vec<IndicatorWithValues>, ClimateData)> {
    read_tx(conn, |conn| {
        let data = load_plan(conn, slug)?;
        let indicators = list_indicators(conn, slug)?;
        let climate = climate_data(conn, data.plan.id)?;
        Ok((data, indicators, climate))
    })
}
