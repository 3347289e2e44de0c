//! Indicators (KPIs of the green accounts) and their yearly values.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::DomainError;
use crate::domain::edits::{IndicatorValue, NewIndicator};
use crate::domain::states::ValueSource;

use super::*;

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
pub(super) fn plan_indicators(
    conn: &mut DbConn,
    plan_id: i32,
) -> StoreResult<Vec<IndicatorWithValues>> {
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
    who: &Principal,
) -> StoreResult<IndicatorWithValues> {
    write_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        may_administer(who, plan.id, &plan.slug)?;
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
        let indicator = find_indicator(conn, id)?;
        let slug: String = plans::table
            .find(indicator.plan_id)
            .select(plans::slug)
            .get_result(conn)?;
        may_administer(who, indicator.plan_id, &slug)?;
        let key = indicator_values::table
            .filter(indicator_values::indicator_id.eq(id))
            .filter(indicator_values::year.eq(year));
        let existed = diesel::select(diesel::dsl::exists(key)).get_result::<bool>(conn)?;
        // An administrator's value: it overrides owners' reports for the year.
        let values = (
            indicator_values::value.eq(value),
            indicator_values::note.eq(note),
            indicator_values::updated_by.eq(&who.name),
            indicator_values::updated_at.eq(now),
            indicator_values::source.eq(ValueSource::Admin),
            indicator_values::progress_update_id.eq(None::<i32>),
            indicator_values::reported_as_of.eq(None::<NaiveDate>),
        );
        if existed {
            diesel::update(key).set(values).execute(conn)?;
        } else {
            diesel::insert_into(indicator_values::table)
                .values((
                    indicator_values::indicator_id.eq(id),
                    indicator_values::year.eq(year),
                    values,
                ))
                .execute(conn)?;
        }
        let row = key
            .select(IndicatorValueRow::as_select())
            .get_result(conn)?;
        Ok((row, !existed))
    })
}

pub fn get_indicator(conn: &mut DbConn, id: i32) -> StoreResult<IndicatorWithValues> {
    read_tx(conn, |conn| {
        let row = find_indicator(conn, id)?;
        indicator_with_values(conn, row)
    })
}
