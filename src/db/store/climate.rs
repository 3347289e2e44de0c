//! A plan's climate effect (`domain::climate`): measures' effect estimates (append-only, so the
//! rows are the revision history), the emissions inventory by release, targets, shadow prices
//! and climate assessments of committee cases, and the [`Overview`] built from them — the one
//! read model the API, the pages, the reports and the exports show.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::access;
use crate::domain::climate::{
    Assessment, CaseOption, Effect, EffectEstimate, Emission, Inputs, Overview, ShadowPrice,
    TargetDecision, measure_effect, price_for,
};
use crate::domain::format;
use crate::emissions_import::InventoryRow;

use super::*;

/// The sub-goal climate assessments are evidence of progress for: "klimavurderinger indgår på
/// lige vilkår som punktet økonomi i udvalgssagerne" (Ballerup, measure 1). A plan without it
/// stores assessments without a sub-goal, and only its administrators record them.
pub const ASSESSMENT_SUB_GOAL: &str = "1.1";

fn plan_id(conn: &mut DbConn, slug: &str) -> StoreResult<i32> {
    Ok(plan_version(conn, slug)?.0)
}

fn admin(conn: &mut DbConn, slug: &str, who: &Principal) -> StoreResult<i32> {
    let id = plan_id(conn, slug)?;
    access::may_administer(&who.grants, id, slug).map_err(|r| StoreError::Forbidden(r.0))?;
    Ok(id)
}

/// Where an estimate belongs: a measure, or one of its sub-goals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectOf {
    Measure(i32),
    SubGoal(String),
}

/// One revision of an estimate, newest first in [`effect_history`].
#[derive(Debug, Clone, PartialEq)]
pub struct EffectRevision {
    pub sub_goal_key: Option<String>,
    pub estimate: EffectEstimate,
    pub reason: String,
    pub by: String,
    pub at: NaiveDateTime,
}

type EffectRow = (
    i32,
    Option<String>,
    Option<f64>,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<String>,
    Option<f64>,
    String,
    String,
    NaiveDateTime,
);

fn revision((_, key, t, y, b, bs, dkk, f, fte, reason, by, at): EffectRow) -> EffectRevision {
    EffectRevision {
        sub_goal_key: key,
        estimate: EffectEstimate {
            tonnes_per_year: t,
            full_from: y,
            basis: b,
            basis_source: bs,
            budget_dkk: dkk,
            funding: f,
            staffing_fte: fte,
        },
        reason,
        by,
        at,
    }
}

/// Every revision of the estimates of a plan's measures (`measure` only, when given), newest
/// first, with the measure's number.
fn effect_rows(
    conn: &mut DbConn,
    plan_id: i32,
    measure: Option<i32>,
) -> StoreResult<Vec<EffectRow>> {
    let mut q = effect_revisions::table
        .inner_join(measures::table)
        .left_join(sub_goals::table.on(sub_goals::id.nullable().eq(effect_revisions::sub_goal_id)))
        .filter(effect_revisions::plan_id.eq(plan_id))
        .into_boxed();
    if let Some(n) = measure {
        q = q.filter(measures::number.eq(n));
    }
    Ok(q.order(effect_revisions::id.desc())
        .select((
            measures::number,
            sub_goals::key.nullable(),
            effect_revisions::tonnes_per_year,
            effect_revisions::full_from,
            effect_revisions::basis,
            effect_revisions::basis_source,
            effect_revisions::budget_dkk,
            effect_revisions::funding,
            effect_revisions::staffing_fte,
            effect_revisions::reason,
            effect_revisions::changed_by,
            effect_revisions::changed_at,
        ))
        .load(conn)?)
}

/// Set the estimate of a measure or a sub-goal (an administrator, with a reason). Returns the
/// measure's number.
pub fn set_effect(
    conn: &mut DbConn,
    slug: &str,
    of: &EffectOf,
    estimate: &EffectEstimate,
    reason: &str,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<i32> {
    write_tx(conn, |conn| {
        let plan = admin(conn, slug, who)?;
        let (measure_id, number, sub_goal_id): (i32, i32, Option<i32>) = match of {
            EffectOf::Measure(n) => {
                let id: i32 = measures::table
                    .filter(measures::plan_id.eq(plan))
                    .filter(measures::number.eq(n))
                    .select(measures::id)
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!("no measure {n} in plan {slug}"))
                    })?;
                (id, *n, None)
            }
            EffectOf::SubGoal(key) => sub_goals::table
                .inner_join(measures::table)
                .filter(measures::plan_id.eq(plan))
                .filter(sub_goals::key.eq(key))
                .select((measures::id, measures::number, sub_goals::id.nullable()))
                .first(conn)
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("no sub-goal {key} in plan {slug}")))?,
        };
        diesel::insert_into(effect_revisions::table)
            .values((
                effect_revisions::plan_id.eq(plan),
                effect_revisions::measure_id.eq(measure_id),
                effect_revisions::sub_goal_id.eq(sub_goal_id),
                effect_revisions::tonnes_per_year.eq(estimate.tonnes_per_year),
                effect_revisions::full_from.eq(estimate.full_from),
                effect_revisions::basis.eq(&estimate.basis),
                effect_revisions::basis_source.eq(&estimate.basis_source),
                effect_revisions::budget_dkk.eq(estimate.budget_dkk),
                effect_revisions::funding.eq(&estimate.funding),
                effect_revisions::staffing_fte.eq(estimate.staffing_fte),
                effect_revisions::reason.eq(reason),
                effect_revisions::changed_by.eq(&who.name),
                effect_revisions::changed_at.eq(now),
            ))
            .execute(conn)?;
        Ok(number)
    })
}

/// A measure's estimates as they stand (its own, and its sub-goals' by key) and every revision,
/// newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureClimate {
    pub own: Option<EffectEstimate>,
    pub sub_goals: BTreeMap<String, EffectEstimate>,
    /// What the measure counts with in the manko.
    pub effect: Effect,
    pub history: Vec<EffectRevision>,
}

/// The estimates of measure `number` of plan `slug`; `NotFound` when it has no such measure.
pub fn measure_climate(conn: &mut DbConn, slug: &str, number: i32) -> StoreResult<MeasureClimate> {
    read_tx(conn, |conn| {
        let plan = plan_id(conn, slug)?;
        let exists: Option<i32> = measures::table
            .filter(measures::plan_id.eq(plan))
            .filter(measures::number.eq(number))
            .select(measures::id)
            .first(conn)
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!(
                "no measure {number} in plan {slug}"
            )));
        }
        let rows = effect_rows(conn, plan, Some(number))?;
        Ok(fold_measure(
            number,
            rows.into_iter().map(revision).collect(),
        ))
    })
}

fn fold_measure(number: i32, history: Vec<EffectRevision>) -> MeasureClimate {
    // Newest first: the first row of each measure or sub-goal is the one that holds.
    let mut own = None;
    let mut subs = BTreeMap::new();
    for r in &history {
        match &r.sub_goal_key {
            None if own.is_none() => own = Some(r.estimate.clone()),
            Some(k) if !subs.contains_key(k) => {
                subs.insert(k.clone(), r.estimate.clone());
            }
            _ => {}
        }
    }
    let sub_refs: Vec<&EffectEstimate> = subs.values().collect();
    let effect = measure_effect(number, own.as_ref(), &sub_refs);
    MeasureClimate {
        own,
        sub_goals: subs,
        effect,
        history,
    }
}

/// What an import of an inventory did, or would do.
#[derive(Debug, Clone, PartialEq)]
pub struct EmissionsImport {
    /// (release, rows, replaced an earlier import of it)
    pub releases: Vec<(String, usize, bool)>,
    pub written: bool,
}

/// Store the releases of an inventory file (an administrator). A release stored before is
/// refused with a conflict unless `replace`; then its values are replaced in the same
/// transaction. With `dry_run` everything is checked and nothing written.
pub fn import_emissions(
    conn: &mut DbConn,
    slug: &str,
    releases: &BTreeMap<String, Vec<InventoryRow>>,
    replace: bool,
    dry_run: bool,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<EmissionsImport> {
    let run = |conn: &mut DbConn| -> StoreResult<EmissionsImport> {
        let plan = admin(conn, slug, who)?;
        let mut out = Vec::new();
        for (name, rows) in releases {
            let existing: Option<i32> = emission_releases::table
                .filter(emission_releases::plan_id.eq(plan))
                .filter(emission_releases::name.eq(name))
                .select(emission_releases::id)
                .first(conn)
                .optional()?;
            if existing.is_some() && !replace {
                return Err(StoreError::Conflict(format!(
                    "release «{name}» is stored already; import with replace=true to replace its values"
                )));
            }
            out.push((name.clone(), rows.len(), existing.is_some()));
            if dry_run {
                continue;
            }
            let id = match existing {
                Some(id) => {
                    diesel::delete(
                        emission_values::table.filter(emission_values::release_id.eq(id)),
                    )
                    .execute(conn)?;
                    diesel::update(emission_releases::table.find(id))
                        .set((
                            emission_releases::imported_by.eq(&who.name),
                            emission_releases::imported_at.eq(now),
                        ))
                        .execute(conn)?;
                    id
                }
                None => {
                    crate::db::native::on_backend!(conn, c => diesel::insert_into(emission_releases::table)
                    .values((
                        emission_releases::plan_id.eq(plan),
                        emission_releases::name.eq(name),
                        emission_releases::imported_by.eq(&who.name),
                        emission_releases::imported_at.eq(now),
                    ))
                    .returning(emission_releases::id)
                    .get_result(c))?
                }
            };
            let values: Vec<_> = rows
                .iter()
                .map(|r| {
                    (
                        emission_values::release_id.eq(id),
                        emission_values::year.eq(r.year),
                        emission_values::sector.eq(&r.sector),
                        emission_values::tonnes.eq(r.tonnes),
                        emission_values::value.eq(r.value),
                        emission_values::unit.eq(&r.unit),
                        emission_values::source.eq(&r.source),
                    )
                })
                .collect();
            for chunk in values.chunks(100) {
                crate::db::native::on_backend!(conn, c => diesel::insert_into(emission_values::table)
                    .values(chunk)
                    .execute(c))?;
            }
        }
        if !dry_run {
            audit(
                conn,
                &Audit::by(
                    who,
                    Some(plan),
                    "emissions_imported",
                    out.iter()
                        .map(|(n, rows, replaced)| {
                            format!(
                                "»{n}«: {rows} værdier{}",
                                if *replaced { " (erstattet)" } else { "" }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                now,
            )?;
        }
        Ok(EmissionsImport {
            releases: out,
            written: !dry_run,
        })
    };
    if dry_run {
        read_tx(conn, run)
    } else {
        write_tx(conn, run)
    }
}

/// Set (or replace) the target of a year (an administrator). Every target of a plan is
/// against the same base year, so the path runs through all of them.
pub fn set_target(
    conn: &mut DbConn,
    slug: &str,
    t: &TargetDecision,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let plan = admin(conn, slug, who)?;
        let other: Option<i32> = climate_targets::table
            .filter(climate_targets::plan_id.eq(plan))
            .filter(climate_targets::year.ne(t.year))
            .filter(climate_targets::base_year.ne(t.base_year))
            .select(climate_targets::base_year)
            .first(conn)
            .optional()?;
        if let Some(b) = other {
            return Err(StoreError::Invalid(crate::domain::DomainError::new(
                "base_year",
                format!(
                    "the plan's other targets are against {b}; every target uses the same base year"
                ),
            )));
        }
        diesel::delete(
            climate_targets::table
                .filter(climate_targets::plan_id.eq(plan))
                .filter(climate_targets::year.eq(t.year)),
        )
        .execute(conn)?;
        diesel::insert_into(climate_targets::table)
            .values((
                climate_targets::plan_id.eq(plan),
                climate_targets::year.eq(t.year),
                climate_targets::base_year.eq(t.base_year),
                climate_targets::reduction_pct.eq(t.reduction_pct),
                climate_targets::source.eq(&t.source),
                climate_targets::decided_on.eq(t.decided_on),
                climate_targets::set_by.eq(&who.name),
                climate_targets::set_at.eq(now),
            ))
            .execute(conn)?;
        audit(
            conn,
            &Audit::by(
                who,
                Some(plan),
                "climate_target_set",
                format!(
                    "{} % lavere i {} end i {} ({})",
                    format::number(t.reduction_pct, 2),
                    t.year,
                    t.base_year,
                    t.source
                ),
            ),
            now,
        )
    })
}

/// Remove the target of a year (an administrator); `NotFound` when there is none.
pub fn delete_target(
    conn: &mut DbConn,
    slug: &str,
    year: i32,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let plan = admin(conn, slug, who)?;
        let n = diesel::delete(
            climate_targets::table
                .filter(climate_targets::plan_id.eq(plan))
                .filter(climate_targets::year.eq(year)),
        )
        .execute(conn)?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("no target for {year}")));
        }
        audit(
            conn,
            &Audit::by(who, Some(plan), "climate_target_removed", year.to_string()),
            now,
        )
    })
}

/// Set the shadow price of a year (an administrator).
pub fn set_shadow_price(
    conn: &mut DbConn,
    slug: &str,
    p: &ShadowPrice,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let plan = admin(conn, slug, who)?;
        diesel::delete(
            shadow_prices::table
                .filter(shadow_prices::plan_id.eq(plan))
                .filter(shadow_prices::year.eq(p.year)),
        )
        .execute(conn)?;
        diesel::insert_into(shadow_prices::table)
            .values((
                shadow_prices::plan_id.eq(plan),
                shadow_prices::year.eq(p.year),
                shadow_prices::dkk_per_tonne.eq(p.dkk_per_tonne),
                shadow_prices::source.eq(&p.source),
                shadow_prices::set_by.eq(&who.name),
                shadow_prices::set_at.eq(now),
            ))
            .execute(conn)?;
        audit(
            conn,
            &Audit::by(
                who,
                Some(plan),
                "shadow_price_set",
                format!(
                    "{}: {} kr. pr. ton CO₂e ({})",
                    p.year,
                    format::number(p.dkk_per_tonne, 2),
                    p.source
                ),
            ),
            now,
        )
    })
}

/// A stored climate assessment, each option valued at the shadow price kept with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AssessmentView {
    pub id: i32,
    pub title: String,
    pub committee: String,
    pub meeting_date: NaiveDate,
    pub case_ref: Option<String>,
    pub note: Option<String>,
    /// The sub-goal it is evidence for ("1.1").
    pub sub_goal: Option<String>,
    /// DKK per t CO₂e of `price_year`, as it was when the assessment was recorded.
    pub price_dkk_per_tonne: Option<f64>,
    pub price_year: Option<i32>,
    pub options: Vec<ValuedOption>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An option with its value at the shadow price (DKK; `None` without a price).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ValuedOption {
    #[serde(flatten)]
    pub option: CaseOption,
    pub value_dkk: Option<f64>,
}

/// Whether `who` may record climate assessments in plan `slug`.
pub fn may_assess(conn: &mut DbConn, slug: &str, who: &Principal) -> StoreResult<bool> {
    read_tx(conn, |conn| {
        let plan = plan_id(conn, slug)?;
        Ok(check_assess(conn, plan, who)?.is_ok())
    })
}

fn check_assess(
    conn: &mut DbConn,
    plan: i32,
    who: &Principal,
) -> StoreResult<Result<Option<i32>, access::Refused>> {
    let sub_goal: Option<(i32, i32)> = sub_goals::table
        .inner_join(measures::table)
        .filter(measures::plan_id.eq(plan))
        .filter(sub_goals::key.eq(ASSESSMENT_SUB_GOAL))
        .select((sub_goals::id, measures::id))
        .first(conn)
        .optional()?;
    let owners: Vec<i32> = match sub_goal {
        Some((_, m)) => measure_owners::table
            .filter(measure_owners::measure_id.eq(m))
            .select(measure_owners::owner_id)
            .load(conn)?,
        None => Vec::new(),
    };
    Ok(access::may_assess(&who.grants, plan, owners).map(|()| sub_goal.map(|s| s.0)))
}

/// Record a climate assessment (an administrator or an owner of measure 1), valued at the
/// shadow price of its meeting's year. Returns its id.
pub fn add_assessment(
    conn: &mut DbConn,
    slug: &str,
    a: &Assessment,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<i32> {
    write_tx(conn, |conn| {
        let plan = plan_id(conn, slug)?;
        let sub_goal = check_assess(conn, plan, who)?.map_err(|r| StoreError::Forbidden(r.0))?;
        let prices = load_prices(conn, plan)?;
        let price = price_for(&prices, a.meeting_date.year());
        let id: i32 = crate::db::native::on_backend!(conn, c => diesel::insert_into(climate_assessments::table)
            .values((
                climate_assessments::plan_id.eq(plan),
                climate_assessments::sub_goal_id.eq(sub_goal),
                climate_assessments::title.eq(&a.title),
                climate_assessments::committee.eq(&a.committee),
                climate_assessments::meeting_date.eq(a.meeting_date),
                climate_assessments::case_ref.eq(&a.case_ref),
                climate_assessments::note.eq(&a.note),
                climate_assessments::price_dkk_per_tonne.eq(price.map(|p| p.dkk_per_tonne)),
                climate_assessments::price_year.eq(price.map(|p| p.year)),
                climate_assessments::created_by.eq(&who.name),
                climate_assessments::person_id.eq(who.person_id),
                climate_assessments::created_at.eq(now),
            ))
            .returning(climate_assessments::id)
            .get_result(c))?;
        let options: Vec<_> = a
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                (
                    assessment_options::assessment_id.eq(id),
                    assessment_options::position.eq(i as i32),
                    assessment_options::label.eq(&o.label),
                    assessment_options::tonnes.eq(o.tonnes),
                )
            })
            .collect();
        crate::db::native::on_backend!(conn, c => diesel::insert_into(assessment_options::table)
            .values(&options)
            .execute(c))?;
        Ok(id)
    })
}

type AssessmentRow = (
    i32,
    String,
    String,
    NaiveDate,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<i32>,
    String,
    NaiveDateTime,
);

/// The climate assessments of plan `slug`, the newest meeting first.
pub fn list_assessments(conn: &mut DbConn, slug: &str) -> StoreResult<Vec<AssessmentView>> {
    read_tx(conn, |conn| {
        let plan = plan_id(conn, slug)?;
        load_assessments(conn, plan, None)
    })
}

/// One climate assessment of plan `slug`.
pub fn get_assessment(conn: &mut DbConn, slug: &str, id: i32) -> StoreResult<AssessmentView> {
    read_tx(conn, |conn| {
        let plan = plan_id(conn, slug)?;
        load_assessments(conn, plan, Some(id))?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("no climate assessment {id}")))
    })
}

fn load_assessments(
    conn: &mut DbConn,
    plan: i32,
    only: Option<i32>,
) -> StoreResult<Vec<AssessmentView>> {
    let mut q = climate_assessments::table
        .left_join(
            sub_goals::table.on(sub_goals::id
                .nullable()
                .eq(climate_assessments::sub_goal_id)),
        )
        .filter(climate_assessments::plan_id.eq(plan))
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(climate_assessments::id.eq(id));
    }
    let rows: Vec<AssessmentRow> = q
        .order((
            climate_assessments::meeting_date.desc(),
            climate_assessments::id.desc(),
        ))
        .select((
            climate_assessments::id,
            climate_assessments::title,
            climate_assessments::committee,
            climate_assessments::meeting_date,
            climate_assessments::case_ref,
            climate_assessments::note,
            sub_goals::key.nullable(),
            climate_assessments::price_dkk_per_tonne,
            climate_assessments::price_year,
            climate_assessments::created_by,
            climate_assessments::created_at,
        ))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let options: Vec<(i32, String, f64)> = assessment_options::table
        .filter(assessment_options::assessment_id.eq_any(&ids))
        .order((
            assessment_options::assessment_id,
            assessment_options::position,
        ))
        .select((
            assessment_options::assessment_id,
            assessment_options::label,
            assessment_options::tonnes,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                title,
                committee,
                meeting_date,
                case_ref,
                note,
                sub_goal,
                price,
                price_year,
                by,
                at,
            )| {
                AssessmentView {
                    id,
                    title,
                    committee,
                    meeting_date,
                    case_ref,
                    note,
                    sub_goal,
                    price_dkk_per_tonne: price,
                    price_year,
                    options: options
                        .iter()
                        .filter(|o| o.0 == id)
                        .map(|(_, label, tonnes)| ValuedOption {
                            option: CaseOption {
                                label: label.clone(),
                                tonnes: *tonnes,
                            },
                            value_dkk: price.map(|p| p * tonnes),
                        })
                        .collect(),
                    created_by: by,
                    created_at: at.and_utc(),
                }
            },
        )
        .collect())
}

fn load_prices(conn: &mut DbConn, plan: i32) -> StoreResult<Vec<ShadowPrice>> {
    let rows: Vec<(i32, f64, String)> = shadow_prices::table
        .filter(shadow_prices::plan_id.eq(plan))
        .order(shadow_prices::year)
        .select((
            shadow_prices::year,
            shadow_prices::dkk_per_tonne,
            shadow_prices::source,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(year, dkk_per_tonne, source)| ShadowPrice {
            year,
            dkk_per_tonne,
            source,
        })
        .collect())
}

/// Everything the climate page, the API and the reports show of a plan: the overview, the
/// assessments, and each measure's estimates by number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClimateData {
    pub overview: Overview,
    pub assessments: Vec<AssessmentView>,
    pub measures: BTreeMap<i32, MeasureClimate>,
    /// Every stored inventory value of every release, oldest import first (for the exports).
    pub inventory: Vec<InventoryValue>,
}

/// An inventory value as imported: the release, and the value and unit the file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryValue {
    pub release: String,
    pub year: i32,
    pub sector: String,
    pub tonnes: f64,
    pub value: f64,
    pub unit: String,
    pub source: String,
}

/// The climate data of plan `plan_id`, read in one transaction.
pub fn climate_data(conn: &mut DbConn, plan: i32) -> StoreResult<ClimateData> {
    read_tx(conn, |conn| {
        let releases: Vec<(i32, String)> = emission_releases::table
            .filter(emission_releases::plan_id.eq(plan))
            .order((
                emission_releases::imported_at.asc(),
                emission_releases::id.asc(),
            ))
            .select((emission_releases::id, emission_releases::name))
            .load(conn)?;
        let ids: Vec<i32> = releases.iter().map(|r| r.0).collect();
        let values: Vec<(i32, i32, String, f64, f64, String, String)> = emission_values::table
            .filter(emission_values::release_id.eq_any(&ids))
            .order((emission_values::year, emission_values::sector))
            .select((
                emission_values::release_id,
                emission_values::year,
                emission_values::sector,
                emission_values::tonnes,
                emission_values::value,
                emission_values::unit,
                emission_values::source,
            ))
            .load(conn)?;
        let name_of: BTreeMap<i32, String> = releases.iter().cloned().collect();
        let order: BTreeMap<i32, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut inventory: Vec<(usize, InventoryValue)> = values
            .iter()
            .map(|(r, year, sector, tonnes, value, unit, source)| {
                (
                    order.get(r).copied().unwrap_or(0),
                    InventoryValue {
                        release: name_of.get(r).cloned().unwrap_or_default(),
                        year: *year,
                        sector: sector.clone(),
                        tonnes: *tonnes,
                        value: *value,
                        unit: unit.clone(),
                        source: source.clone(),
                    },
                )
            })
            .collect();
        inventory.sort_by_key(|(i, v)| (*i, v.year, v.sector.clone()));
        let targets: Vec<(i32, i32, f64, String, Option<NaiveDate>)> = climate_targets::table
            .filter(climate_targets::plan_id.eq(plan))
            .order(climate_targets::year)
            .select((
                climate_targets::year,
                climate_targets::base_year,
                climate_targets::reduction_pct,
                climate_targets::source,
                climate_targets::decided_on,
            ))
            .load(conn)?;
        let measure_list: Vec<(i32, String)> = measures::table
            .filter(measures::plan_id.eq(plan))
            .order(measures::number)
            .select((measures::number, measures::title))
            .load(conn)?;
        let mut by_measure: BTreeMap<i32, Vec<EffectRevision>> = BTreeMap::new();
        for row in effect_rows(conn, plan, None)? {
            by_measure.entry(row.0).or_default().push(revision(row));
        }
        let measures: BTreeMap<i32, MeasureClimate> = by_measure
            .into_iter()
            .map(|(n, h)| (n, fold_measure(n, h)))
            .collect();
        let inputs = Inputs {
            releases: releases.into_iter().map(|r| r.1).collect(),
            values: values
                .into_iter()
                .map(|(r, year, sector, tonnes, ..)| Emission {
                    year,
                    sector,
                    tonnes,
                    release: name_of.get(&r).cloned().unwrap_or_default(),
                })
                .collect(),
            targets: targets
                .into_iter()
                .map(
                    |(year, base_year, reduction_pct, source, decided_on)| TargetDecision {
                        year,
                        base_year,
                        reduction_pct,
                        source,
                        decided_on,
                    },
                )
                .collect(),
            prices: load_prices(conn, plan)?,
            measures: measure_list
                .into_iter()
                .map(|(n, title)| {
                    let effect = measures
                        .get(&n)
                        .map(|m| m.effect.clone())
                        .unwrap_or(Effect {
                            measure: n,
                            tonnes_per_year: None,
                            full_from: None,
                        });
                    (n, title, effect)
                })
                .collect(),
        };
        Ok(ClimateData {
            overview: Overview::build(&inputs),
            assessments: load_assessments(conn, plan, None)?,
            measures,
            inventory: inventory.into_iter().map(|(_, v)| v).collect(),
        })
    })
}

/// The climate data of plan `slug`.
pub fn climate_of(conn: &mut DbConn, slug: &str) -> StoreResult<ClimateData> {
    let plan = plan_id(conn, slug)?;
    climate_data(conn, plan)
}
