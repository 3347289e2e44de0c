//! From stored rows to the read model ([`crate::domain::subgoal`]): the one place where a
//! sub-goal row, its measure's owners and its indicators become a [`SubGoal`]. A row that
//! does not make a valid sub-goal (a deadline kind without its year, say) is an error here,
//! logged and answered 500, never quietly read as something else.

use diesel::prelude::*;

use super::DbConn;
use super::models::{IndicatorRow, OwnerRow, SubGoalRow};
use super::schema::{indicators, measure_owners, owners};
use super::store::{StoreError, StoreResult, target_of};
use crate::domain::subgoal::{IndicatorRef, LatestUpdate, OwnerRef, SubGoal};

pub fn owner_ref(o: &OwnerRow) -> OwnerRef {
    OwnerRef {
        id: o.id,
        name: o.name.clone(),
    }
}

fn indicator_ref(i: &IndicatorRow) -> IndicatorRef {
    IndicatorRef {
        id: i.id,
        code: i.code.clone(),
        name: i.name.clone(),
        unit: i.unit.clone(),
    }
}

/// The sub-goal `row` of measure `measure_number`, with its measure's owners and the
/// indicators that follow it.
pub fn sub_goal(
    row: &SubGoalRow,
    measure_number: i32,
    owners: Vec<OwnerRef>,
    indicators: Vec<IndicatorRef>,
) -> StoreResult<SubGoal> {
    let deadline = row.deadline().map_err(|e| StoreError::Corrupt(e.message))?;
    Ok(SubGoal {
        id: row.id,
        key: row.key.clone(),
        measure_number,
        text: row.text.clone(),
        wording_pending: row.wording_pending,
        deadline,
        target: target_of(row),
        status: row.status,
        status_reason: row.status_reason.clone(),
        progress: row.progress,
        achieved_on: row.achieved_on,
        latest: row.last_update_at.map(|at| LatestUpdate {
            recorded_at: Some(at),
            date: at.date(),
            as_of: row.last_as_of,
            note: row.last_note.clone(),
            kpi_value: row.last_kpi_value,
            forecast: row.forecast(),
        }),
        owners,
        indicators,
        version: row.version,
    })
}

/// The owners of measure `measure_id`, by name.
pub fn owners_of(conn: &mut DbConn, measure_id: i32) -> StoreResult<Vec<OwnerRow>> {
    Ok(measure_owners::table
        .inner_join(owners::table)
        .filter(measure_owners::measure_id.eq(measure_id))
        .order(owners::name.asc())
        .select(OwnerRow::as_select())
        .load(conn)?)
}

/// The indicators that follow the sub-goals `ids`, by code.
pub fn indicators_of(conn: &mut DbConn, ids: &[i32]) -> StoreResult<Vec<IndicatorRow>> {
    Ok(indicators::table
        .filter(indicators::sub_goal_id.eq_any(ids))
        .order(indicators::code.asc())
        .select(IndicatorRow::as_select())
        .load(conn)?)
}

/// The refs of those of `all` that follow sub-goal `id`.
pub fn indicators_for(all: &[IndicatorRow], id: i32) -> Vec<IndicatorRef> {
    all.iter()
        .filter(|i| i.sub_goal_id == Some(id))
        .map(indicator_ref)
        .collect()
}
