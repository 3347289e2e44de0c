//! A plan's climate effect: emissions by year from an inventory release, the straight path from
//! the base year to each target, and the *manko* — the reduction the targets require in a
//! target year minus the measures' expected effects by then, with what rests on measures whose
//! effect is *ikke opgjort*; the shadow price effects and committee cases are valued at; and
//! the parsed forms of everything an administrator or an owner of measure 1 sends.
//!
//! What this guarantees: a figure nobody estimated stays `None` (shown as *ikke opgjort*) and is
//! never counted as zero; every chart and report names the release it shows ([`Overview`]);
//! pure functions, no web framework, no database.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::DomainError;
use super::text::{optional_line, optional_text, required_line};

/// The years an inventory, a target or a price may speak of (1990 is the usual base year).
pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2100;
/// The longest basis of an estimate, note of an assessment or reason.
pub const MAX_CLIMATE_TEXT_CHARS: usize = 2000;
/// The largest amount of CO₂e a figure may state, in tonnes (Denmark emits about 45 million t
/// a year): a larger one is a typing error.
pub const MAX_TONNES: f64 = 1e9;
/// The largest budget, in DKK, and the largest shadow price, in DKK per tonne.
pub const MAX_DKK: f64 = 1e13;
pub const MAX_PRICE: f64 = 1e6;
/// The largest staffing, in full-time equivalents.
pub const MAX_FTE: f64 = 1e5;
/// The options a climate assessment may weigh.
pub const MAX_OPTIONS: usize = 10;

/// One inventory value: t CO₂e of a sector in a year, as a data release gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Emission {
    pub year: i32,
    pub sector: String,
    pub tonnes: f64,
    pub release: String,
}

/// The total of every sector per year, as release `release` gives it. A later release that
/// revises earlier years is another release: the caller says which one a chart shows.
pub fn totals(values: &[Emission], release: &str) -> BTreeMap<i32, f64> {
    let mut out = BTreeMap::new();
    for v in values.iter().filter(|v| v.release == release) {
        *out.entry(v.year).or_insert(0.0) += v.tonnes;
    }
    out
}

/// A target: `reduction_pct` % less than in `base_year` by `year` (100 % is net zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub year: i32,
    pub base_year: i32,
    pub reduction_pct: f64,
}

impl Target {
    /// The emissions the target allows in its year, from the base year's.
    pub fn level(&self, base: f64) -> f64 {
        base * (1.0 - self.reduction_pct / 100.0)
    }
}

/// The straight path from the base year's emissions through each target's level, in year order:
/// the allowed emissions in `year`, or `None` before the base year or after the last target.
pub fn path_at(base_year: i32, base: f64, targets: &[Target], year: i32) -> Option<f64> {
    let mut points: Vec<(i32, f64)> = vec![(base_year, base)];
    let mut sorted: Vec<&Target> = targets.iter().filter(|t| t.year > base_year).collect();
    sorted.sort_by_key(|t| t.year);
    points.extend(sorted.iter().map(|t| (t.year, t.level(base))));
    points.windows(2).find_map(|w| {
        let ((y0, v0), (y1, v1)) = (w[0], w[1]);
        (y0..=y1).contains(&year).then(|| {
            let f = f64::from(year - y0) / f64::from(y1 - y0);
            v0 + (v1 - v0) * f
        })
    })
}

/// A measure's expected effect: t CO₂e a year at full effect, reached in `full_from`; `None`
/// when its effect is *ikke opgjort*.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub measure: i32,
    pub tonnes_per_year: Option<f64>,
    pub full_from: Option<i32>,
}

/// The manko of a target year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Manko {
    pub target_year: i32,
    /// The emissions the reduction is counted from: the newest inventory year up to the target
    /// year, and that year.
    pub from: (i32, f64),
    /// What the target allows in its year.
    pub allowed: f64,
    /// `from` minus `allowed` (never below zero).
    pub required: f64,
    /// The expected effects reached by the target year.
    pub covered: f64,
    /// `required` minus `covered` (never below zero).
    pub manko: f64,
    /// Measures whose effect is not estimated: the manko may rest on them.
    pub unknown: Vec<i32>,
    /// Measures whose full effect comes after the target year (not counted).
    pub later: Vec<i32>,
}

/// The manko for `target`, from the inventory totals of one release and the measures' effects.
/// `None` when the inventory has no year up to the target year, or lacks the base year.
pub fn manko(totals: &BTreeMap<i32, f64>, target: &Target, effects: &[Effect]) -> Option<Manko> {
    let base = *totals.get(&target.base_year)?;
    let (&year, &value) = totals.range(..=target.year).next_back()?;
    let allowed = target.level(base);
    let required = (value - allowed).max(0.0);
    let mut covered = 0.0;
    let (mut unknown, mut later) = (Vec::new(), Vec::new());
    for e in effects {
        match (e.tonnes_per_year, e.full_from) {
            (None, _) => unknown.push(e.measure),
            (Some(_), Some(y)) if y > target.year => later.push(e.measure),
            (Some(t), _) => covered += t,
        }
    }
    Some(Manko {
        target_year: target.year,
        from: (year, value),
        allowed,
        required,
        covered,
        manko: (required - covered).max(0.0),
        unknown,
        later,
    })
}

fn climate_year(field: &str, year: i32) -> Result<i32, DomainError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(DomainError::new(
            field,
            format!("{year} is outside {FIRST_YEAR}–{LAST_YEAR}"),
        ))
    }
}

/// An amount of t CO₂e: at most [`MAX_TONNES`] either way.
pub fn tonnes_in_range(field: &str, v: f64) -> Result<f64, DomainError> {
    if v.is_finite() && v.abs() <= MAX_TONNES {
        Ok(v)
    } else {
        Err(DomainError::new(
            field,
            format!("must be a number of tonnes between -{MAX_TONNES:e} and {MAX_TONNES:e}"),
        ))
    }
}

fn non_negative(field: &str, v: Option<f64>, max: f64) -> Result<Option<f64>, DomainError> {
    match v {
        Some(x) if !x.is_finite() || !(0.0..=max).contains(&x) => Err(DomainError::new(
            field,
            format!("must be a number from 0 to {max:e}"),
        )),
        v => Ok(v),
    }
}

/// How many tonnes CO₂e one of `unit` is: "t CO2e" (also "ton CO₂-ækv."), "kt CO2e" or
/// "1000 t CO2e"; `None` for a unit that is not an amount of CO₂e.
pub fn tonnes_per_unit(unit: &str) -> Option<f64> {
    let u: String = unit
        .to_lowercase()
        .replace('₂', "2")
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_'))
        .collect();
    let amount = ["co2e", "co2ækv", "co2eq", "co2ækvivalenter"]
        .iter()
        .find_map(|suffix| u.strip_suffix(suffix))?;
    match amount {
        "t" | "ton" | "tons" | "tonnes" | "tonne" => Some(1.0),
        "kt" | "kton" | "1000t" | "1000ton" => Some(1000.0),
        _ => None,
    }
}

/// What an administrator sends to set a measure's (or a sub-goal's) effect, cost and staffing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawEffectEstimate {
    pub tonnes_per_year: Option<f64>,
    pub full_from: Option<i32>,
    pub basis: Option<String>,
    pub basis_source: Option<String>,
    pub budget_dkk: Option<f64>,
    pub funding: Option<String>,
    pub staffing_fte: Option<f64>,
    pub reason: String,
}

/// A measure's expected effect (t CO₂e a year at full effect, reached in `full_from`), the
/// estimate's basis, its budget with the funding and its staffing (full-time equivalents). A
/// field left out is *ikke opgjort*. An effect comes with its year and its basis; a budget
/// with its funding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EffectEstimate {
    pub tonnes_per_year: Option<f64>,
    pub full_from: Option<i32>,
    pub basis: Option<String>,
    pub basis_source: Option<String>,
    pub budget_dkk: Option<f64>,
    pub funding: Option<String>,
    pub staffing_fte: Option<f64>,
}

impl EffectEstimate {
    /// The figures and the reason for the revision history.
    pub fn parse(raw: RawEffectEstimate) -> Result<(Self, String), DomainError> {
        let reason = optional_text("reason", Some(raw.reason), MAX_CLIMATE_TEXT_CHARS)?
            .ok_or_else(|| DomainError::new("reason", "is required: say why the figures change"))?;
        let tonnes_per_year = raw
            .tonnes_per_year
            .map(|t| tonnes_in_range("tonnes_per_year", t))
            .transpose()?;
        let full_from = raw
            .full_from
            .map(|y| climate_year("full_from", y))
            .transpose()?;
        let basis = optional_text("basis", raw.basis, MAX_CLIMATE_TEXT_CHARS)?;
        let basis_source = optional_line("basis_source", raw.basis_source)?;
        if tonnes_per_year.is_some() {
            if full_from.is_none() {
                return Err(DomainError::new(
                    "full_from",
                    "is required with tonnes_per_year: the year the full effect is reached",
                ));
            }
            if basis.is_none() || basis_source.is_none() {
                return Err(DomainError::new(
                    if basis.is_none() {
                        "basis"
                    } else {
                        "basis_source"
                    },
                    "is required with tonnes_per_year: what the estimate rests on, and its source",
                ));
            }
        } else if full_from.is_some() {
            return Err(DomainError::new(
                "full_from",
                "goes with tonnes_per_year; without an effect there is no year of full effect",
            ));
        }
        let budget_dkk = non_negative("budget_dkk", raw.budget_dkk, MAX_DKK)?;
        let funding = optional_line("funding", raw.funding)?;
        if budget_dkk.is_some() && funding.is_none() {
            return Err(DomainError::new(
                "funding",
                "is required with budget_dkk: where the money comes from",
            ));
        }
        let staffing_fte = non_negative("staffing_fte", raw.staffing_fte, MAX_FTE)?;
        Ok((
            Self {
                tonnes_per_year,
                full_from,
                basis,
                basis_source,
                budget_dkk,
                funding,
                staffing_fte,
            },
            reason,
        ))
    }
}

/// The effect a measure counts with in the manko: its own estimate when it has one, else the
/// sum of its sub-goals' estimates (reached when the last of them is), else *ikke opgjort*.
pub fn measure_effect(
    measure: i32,
    own: Option<&EffectEstimate>,
    sub_goals: &[&EffectEstimate],
) -> Effect {
    if let Some(e) = own.filter(|e| e.tonnes_per_year.is_some()) {
        return Effect {
            measure,
            tonnes_per_year: e.tonnes_per_year,
            full_from: e.full_from,
        };
    }
    let known: Vec<&&EffectEstimate> = sub_goals
        .iter()
        .filter(|e| e.tonnes_per_year.is_some())
        .collect();
    if known.is_empty() {
        return Effect {
            measure,
            tonnes_per_year: None,
            full_from: None,
        };
    }
    Effect {
        measure,
        tonnes_per_year: Some(known.iter().filter_map(|e| e.tonnes_per_year).sum()),
        full_from: known.iter().filter_map(|e| e.full_from).max(),
    }
}

/// A reduction target as an administrator sets it, with the decision it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetDecision {
    pub year: i32,
    pub base_year: i32,
    /// 100 is net zero.
    pub reduction_pct: f64,
    /// The decision: body and case, e.g. "Kommunalbestyrelsen, sag 12/2021".
    pub source: String,
    pub decided_on: Option<NaiveDate>,
}

impl TargetDecision {
    pub fn parse(
        year: i32,
        base_year: i32,
        reduction_pct: f64,
        source: String,
        decided_on: Option<NaiveDate>,
    ) -> Result<Self, DomainError> {
        let year = climate_year("year", year)?;
        let base_year = climate_year("base_year", base_year)?;
        if base_year >= year {
            return Err(DomainError::new(
                "base_year",
                format!("must be before the target year {year}"),
            ));
        }
        if !reduction_pct.is_finite() || reduction_pct <= 0.0 || reduction_pct > 100.0 {
            return Err(DomainError::new(
                "reduction_pct",
                "must be more than 0 and at most 100 (net zero)",
            ));
        }
        Ok(Self {
            year,
            base_year,
            reduction_pct,
            source: required_line("source", source)?,
            decided_on,
        })
    }

    pub fn target(&self) -> Target {
        Target {
            year: self.year,
            base_year: self.base_year,
            reduction_pct: self.reduction_pct,
        }
    }
}

/// The shadow price of a year: DKK per t CO₂e, with its source (e.g. "Århusmodellen 2024").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShadowPrice {
    pub year: i32,
    pub dkk_per_tonne: f64,
    pub source: String,
}

impl ShadowPrice {
    pub fn parse(year: i32, dkk_per_tonne: f64, source: String) -> Result<Self, DomainError> {
        if !dkk_per_tonne.is_finite() || dkk_per_tonne <= 0.0 {
            return Err(DomainError::new("dkk_per_tonne", "must be a price above 0"));
        }
        Ok(Self {
            year: climate_year("year", year)?,
            dkk_per_tonne,
            source: required_line("source", source)?,
        })
    }
}

/// The price that holds in `year`: that year's, else the latest earlier year's (a price holds
/// until the next is set). `None` before the first price.
pub fn price_for(prices: &[ShadowPrice], year: i32) -> Option<&ShadowPrice> {
    prices
        .iter()
        .filter(|p| p.year <= year)
        .max_by_key(|p| p.year)
}

/// One option of a committee case and its estimated change in emissions (t CO₂e; negative is
/// a reduction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseOption {
    pub label: String,
    pub tonnes: f64,
}

/// A climate assessment of a committee case (*udvalgssag*), as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub title: String,
    pub committee: String,
    pub meeting_date: NaiveDate,
    pub case_ref: Option<String>,
    pub note: Option<String>,
    pub options: Vec<CaseOption>,
}

/// What a client or a form sends for an assessment.
#[derive(Debug, Clone, Default)]
pub struct RawAssessment {
    pub title: String,
    pub committee: String,
    pub meeting_date: Option<NaiveDate>,
    pub case_ref: Option<String>,
    pub note: Option<String>,
    /// (label, t CO₂e) in the case's order; a row with neither is skipped.
    pub options: Vec<(String, Option<f64>)>,
}

impl Assessment {
    pub fn parse(raw: RawAssessment) -> Result<Self, DomainError> {
        let title = required_line("title", raw.title)?;
        let committee = required_line("committee", raw.committee)?;
        let meeting_date = raw
            .meeting_date
            .ok_or_else(|| DomainError::new("meeting_date", "is required"))?;
        climate_year("meeting_date", meeting_date.year())?;
        let mut options = Vec::new();
        for (i, (label, tonnes)) in raw.options.into_iter().enumerate() {
            let field = format!("options[{i}]");
            if label.trim().is_empty() && tonnes.is_none() {
                continue;
            }
            let label = required_line(&format!("{field}.label"), label)?;
            let tonnes = tonnes.ok_or_else(|| {
                DomainError::new(
                    format!("{field}.tonnes"),
                    "is required: the option's estimated t CO₂e",
                )
            })?;
            options.push(CaseOption {
                label,
                tonnes: tonnes_in_range(&format!("{field}.tonnes"), tonnes)?,
            });
        }
        if options.is_empty() {
            return Err(DomainError::new(
                "options",
                "give at least one option with its estimated t CO₂e",
            ));
        }
        if options.len() > MAX_OPTIONS {
            return Err(DomainError::new(
                "options",
                format!("at most {MAX_OPTIONS} options"),
            ));
        }
        Ok(Self {
            title,
            committee,
            meeting_date,
            case_ref: optional_line("case_ref", raw.case_ref)?,
            note: optional_text("note", raw.note, MAX_CLIMATE_TEXT_CHARS)?,
            options,
        })
    }
}

/// A computed figure to the gram: floating-point noise (120000.00000000001) is not shown.
fn tidy(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The releases of a plan's inventory and their values, with what the overview needs of the
/// rest of the plan.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Release names, oldest import first: the newest is the one shown.
    pub releases: Vec<String>,
    pub values: Vec<Emission>,
    pub targets: Vec<TargetDecision>,
    pub prices: Vec<ShadowPrice>,
    /// Every measure of the plan with its number, title and effect.
    pub measures: Vec<(i32, String, Effect)>,
}

/// One year of the inventory release shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct YearRow {
    pub year: i32,
    /// t CO₂e per sector, in the order of [`Overview::sectors`]; `None` where the release has
    /// no value.
    pub by_sector: Vec<Option<f64>>,
    pub total: f64,
    /// What the straight path to the targets allows in this year.
    pub path: Option<f64>,
}

/// A target with what it allows and its manko.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetView {
    #[serde(flatten)]
    pub decision: TargetDecision,
    /// The emissions the target allows in its year (`None` without the base year's inventory).
    pub allowed: Option<f64>,
    pub manko: Option<Manko>,
}

/// A measure with an estimated effect, valued at the shadow price of its year of full effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureEffect {
    pub number: i32,
    pub title: String,
    pub tonnes_per_year: f64,
    pub full_from: Option<i32>,
    /// DKK a year at the shadow price of `full_from`; `None` without a price for that year.
    pub value_dkk: Option<f64>,
    pub price_year: Option<i32>,
}

/// The climate picture of a plan: the one read model the API, the pages, the reports and the
/// exports show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Overview {
    /// The inventory release shown: the newest imported. `None` without an inventory.
    pub release: Option<String>,
    /// The other releases stored, newest first.
    pub other_releases: Vec<String>,
    pub sectors: Vec<String>,
    pub years: Vec<YearRow>,
    pub base_year: Option<i32>,
    pub targets: Vec<TargetView>,
    /// Measures with an estimated effect, the largest first.
    pub effects: Vec<MeasureEffect>,
    /// The numbers of the measures whose effect is *ikke opgjort*.
    pub not_estimated: Vec<i32>,
    pub prices: Vec<ShadowPrice>,
}

impl Overview {
    pub fn build(inputs: &Inputs) -> Self {
        let release = inputs.releases.last().cloned();
        let other_releases = inputs.releases.iter().rev().skip(1).cloned().collect();
        let shown: Vec<&Emission> = inputs
            .values
            .iter()
            .filter(|v| Some(&v.release) == release.as_ref())
            .collect();
        let mut sectors: Vec<String> = shown.iter().map(|v| v.sector.clone()).collect();
        sectors.sort();
        sectors.dedup();
        let totals = release
            .as_deref()
            .map(|r| totals(&inputs.values, r))
            .unwrap_or_default();
        let mut targets: Vec<TargetDecision> = inputs.targets.clone();
        targets.sort_by_key(|t| t.year);
        let base_year = targets.first().map(|t| t.base_year);
        let plain: Vec<Target> = targets.iter().map(TargetDecision::target).collect();
        let base = base_year.and_then(|y| totals.get(&y).copied());
        let years = totals
            .iter()
            .map(|(&year, &total)| YearRow {
                year,
                by_sector: sectors
                    .iter()
                    .map(|s| {
                        shown
                            .iter()
                            .find(|v| v.year == year && &v.sector == s)
                            .map(|v| v.tonnes)
                    })
                    .collect(),
                total,
                path: base_year
                    .zip(base)
                    .and_then(|(by, b)| path_at(by, b, &plain, year))
                    .map(tidy),
            })
            .collect();
        let effects_only: Vec<Effect> = inputs.measures.iter().map(|(_, _, e)| e.clone()).collect();
        let targets = targets
            .into_iter()
            .map(|decision| {
                let t = decision.target();
                TargetView {
                    allowed: totals.get(&t.base_year).map(|b| tidy(t.level(*b))),
                    manko: manko(&totals, &t, &effects_only).map(|m| Manko {
                        allowed: tidy(m.allowed),
                        required: tidy(m.required),
                        covered: tidy(m.covered),
                        manko: tidy(m.manko),
                        ..m
                    }),
                    decision,
                }
            })
            .collect();
        let mut prices = inputs.prices.clone();
        prices.sort_by_key(|p| p.year);
        let mut effects: Vec<MeasureEffect> = inputs
            .measures
            .iter()
            .filter_map(|(number, title, e)| {
                let tonnes = e.tonnes_per_year?;
                let price = e.full_from.and_then(|y| price_for(&prices, y));
                Some(MeasureEffect {
                    number: *number,
                    title: title.clone(),
                    tonnes_per_year: tonnes,
                    full_from: e.full_from,
                    value_dkk: price.map(|p| tonnes * p.dkk_per_tonne),
                    price_year: price.map(|p| p.year),
                })
            })
            .collect();
        effects.sort_by(|a, b| {
            b.tonnes_per_year
                .total_cmp(&a.tonnes_per_year)
                .then(a.number.cmp(&b.number))
        });
        let not_estimated = inputs
            .measures
            .iter()
            .filter(|(_, _, e)| e.tonnes_per_year.is_none())
            .map(|(n, _, _)| *n)
            .collect();
        Self {
            release,
            other_releases,
            sectors,
            years,
            base_year,
            targets,
            effects,
            not_estimated,
            prices,
        }
    }

    /// The newest inventory year and the one before it, for the green accounts' comparison.
    pub fn last_two_years(&self) -> Option<(&YearRow, Option<&YearRow>)> {
        let n = self.years.len();
        let last = self.years.last()?;
        Some((last, n.checked_sub(2).map(|i| &self.years[i])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(year: i32, sector: &str, tonnes: f64, release: &str) -> Emission {
        Emission {
            year,
            sector: sector.into(),
            tonnes,
            release: release.into(),
        }
    }

    fn inventory() -> Vec<Emission> {
        vec![
            e(1990, "Energi", 300_000.0, "2024"),
            e(1990, "Transport", 100_000.0, "2024"),
            e(2022, "Energi", 150_000.0, "2024"),
            e(2022, "Transport", 90_000.0, "2024"),
            // The 2025 release revises 2022 and adds 2023; 1990 is the same.
            e(1990, "Energi", 300_000.0, "2025"),
            e(1990, "Transport", 100_000.0, "2025"),
            e(2022, "Energi", 140_000.0, "2025"),
            e(2022, "Transport", 90_000.0, "2025"),
            e(2023, "Energi", 120_000.0, "2025"),
            e(2023, "Transport", 85_000.0, "2025"),
        ]
    }

    const SEVENTY: Target = Target {
        year: 2030,
        base_year: 1990,
        reduction_pct: 70.0,
    };
    const NET_ZERO: Target = Target {
        year: 2045,
        base_year: 1990,
        reduction_pct: 100.0,
    };

    #[test]
    fn a_revised_release_stands_beside_the_old_one() {
        let v = inventory();
        assert_eq!(totals(&v, "2024").get(&2022), Some(&240_000.0));
        assert_eq!(totals(&v, "2025").get(&2022), Some(&230_000.0));
        assert_eq!(totals(&v, "2024").get(&2023), None);
    }

    #[test]
    fn the_path_runs_straight_through_each_target() {
        let t = [NET_ZERO, SEVENTY];
        assert_eq!(path_at(1990, 400_000.0, &t, 1990), Some(400_000.0));
        let at = |y| path_at(1990, 400_000.0, &t, y).unwrap();
        assert!((at(2030) - 120_000.0).abs() < 1e-6);
        let mid = path_at(1990, 400_000.0, &t, 2010).unwrap();
        assert!((mid - 260_000.0).abs() < 1e-6, "{mid}");
        assert_eq!(path_at(1990, 400_000.0, &t, 2045), Some(0.0));
        assert_eq!(path_at(1990, 400_000.0, &t, 2050), None);
        assert_eq!(path_at(1990, 400_000.0, &t, 1989), None);
    }

    #[test]
    fn the_manko_counts_from_the_newest_year_and_names_what_is_not_estimated() {
        let totals = totals(&inventory(), "2025");
        let effects = [
            Effect {
                measure: 14,
                tonnes_per_year: Some(20_000.0),
                full_from: Some(2028),
            },
            Effect {
                measure: 21,
                tonnes_per_year: Some(5_000.0),
                full_from: Some(2035),
            },
            Effect {
                measure: 1,
                tonnes_per_year: None,
                full_from: None,
            },
        ];
        // No inventory value in 2030 yet: counted from 2023, the newest.
        let m = manko(&totals, &SEVENTY, &effects).unwrap();
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert_eq!(m.from, (2023, 205_000.0));
        assert!(near(m.allowed, 120_000.0), "{}", m.allowed);
        assert!(near(m.required, 85_000.0), "{}", m.required);
        assert!(near(m.covered, 20_000.0));
        assert!(near(m.manko, 65_000.0), "{}", m.manko);
        assert_eq!(m.unknown, [1]);
        assert_eq!(m.later, [21]);
        // The older release's figures give another manko: which release is shown matters.
        let old = super::totals(&inventory(), "2024");
        assert_eq!(
            manko(&old, &SEVENTY, &effects).unwrap().from,
            (2022, 240_000.0)
        );
        // Without the base year nothing can be said.
        let mut no_base = totals.clone();
        no_base.remove(&1990);
        assert_eq!(manko(&no_base, &SEVENTY, &effects), None);
    }

    #[test]
    fn units_are_read_as_tonnes_of_co2e() {
        assert_eq!(tonnes_per_unit("t CO2e"), Some(1.0));
        assert_eq!(tonnes_per_unit("ton CO₂-ækv."), Some(1.0));
        assert_eq!(tonnes_per_unit("kt CO2e"), Some(1000.0));
        assert_eq!(tonnes_per_unit("1000 t CO2e"), Some(1000.0));
        assert_eq!(tonnes_per_unit("MWh"), None);
        assert_eq!(tonnes_per_unit("t"), None);
    }

    #[test]
    fn an_effect_comes_with_its_year_and_basis_and_a_budget_with_its_funding() {
        let raw = RawEffectEstimate {
            tonnes_per_year: Some(1200.0),
            full_from: Some(2030),
            basis: Some("Solceller på 40 tage".into()),
            basis_source: Some("Notat, Center for Ejendomme 2026".into()),
            budget_dkk: Some(4_000_000.0),
            funding: Some("Anlægsbudget 2027".into()),
            staffing_fte: Some(0.5),
            reason: "Beregnet".into(),
        };
        let (e, reason) = EffectEstimate::parse(raw.clone()).unwrap();
        assert_eq!(
            (e.tonnes_per_year, reason.as_str()),
            (Some(1200.0), "Beregnet")
        );
        let field = |r: RawEffectEstimate| EffectEstimate::parse(r).unwrap_err().field;
        assert_eq!(
            field(RawEffectEstimate {
                full_from: None,
                ..raw.clone()
            }),
            "full_from"
        );
        assert_eq!(
            field(RawEffectEstimate {
                basis_source: None,
                ..raw.clone()
            }),
            "basis_source"
        );
        assert_eq!(
            field(RawEffectEstimate {
                funding: None,
                ..raw.clone()
            }),
            "funding"
        );
        assert_eq!(
            field(RawEffectEstimate {
                budget_dkk: Some(-1.0),
                ..raw.clone()
            }),
            "budget_dkk"
        );
        assert_eq!(
            field(RawEffectEstimate {
                reason: " ".into(),
                ..raw.clone()
            }),
            "reason"
        );
        assert_eq!(
            field(RawEffectEstimate {
                tonnes_per_year: None,
                ..raw.clone()
            }),
            "full_from"
        );
        // Everything left out: the figures are ikke opgjort again, with a reason.
        let (cleared, _) = EffectEstimate::parse(RawEffectEstimate {
            reason: "Skønnet trukket tilbage".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(cleared.tonnes_per_year, None);
    }

    #[test]
    fn a_measure_counts_its_own_estimate_else_its_sub_goals() {
        let est = |t: Option<f64>, y: Option<i32>| EffectEstimate {
            tonnes_per_year: t,
            full_from: y,
            basis: None,
            basis_source: None,
            budget_dkk: None,
            funding: None,
            staffing_fte: None,
        };
        let own = est(Some(100.0), Some(2028));
        let a = est(Some(30.0), Some(2027));
        let b = est(Some(20.0), Some(2031));
        let none = est(None, None);
        assert_eq!(
            measure_effect(5, Some(&own), &[&a]).tonnes_per_year,
            Some(100.0)
        );
        let rolled = measure_effect(5, Some(&none), &[&a, &b, &none]);
        assert_eq!(
            (rolled.tonnes_per_year, rolled.full_from),
            (Some(50.0), Some(2031))
        );
        assert_eq!(measure_effect(5, None, &[&none]).tonnes_per_year, None);
    }

    #[test]
    fn a_shadow_price_holds_until_the_next() {
        let p = |year, dkk_per_tonne| ShadowPrice {
            year,
            dkk_per_tonne,
            source: "Århusmodellen".into(),
        };
        let prices = [p(2024, 1500.0), p(2027, 2000.0)];
        assert_eq!(price_for(&prices, 2023), None);
        assert_eq!(
            price_for(&prices, 2024).map(|p| p.dkk_per_tonne),
            Some(1500.0)
        );
        assert_eq!(price_for(&prices, 2026).map(|p| p.year), Some(2024));
        assert_eq!(
            price_for(&prices, 2040).map(|p| p.dkk_per_tonne),
            Some(2000.0)
        );
        assert!(ShadowPrice::parse(2024, 0.0, "x".into()).is_err());
        assert!(ShadowPrice::parse(2024, 10.0, " ".into()).is_err());
    }

    #[test]
    fn targets_and_assessments_are_parsed() {
        assert!(TargetDecision::parse(2030, 1990, 70.0, "KB 2021".into(), None).is_ok());
        for (y, b, pct) in [
            (2030, 2030, 70.0),
            (2030, 1990, 0.0),
            (2030, 1990, 101.0),
            (2030, 1980, 50.0),
        ] {
            assert!(
                TargetDecision::parse(y, b, pct, "KB".into(), None).is_err(),
                "{y} {b} {pct}"
            );
        }
        let raw = RawAssessment {
            title: "Nye skraldebiler".into(),
            committee: "Teknik- og Miljøudvalget".into(),
            meeting_date: NaiveDate::from_ymd_opt(2026, 11, 3),
            case_ref: None,
            note: None,
            options: vec![
                ("Diesel".into(), Some(310.0)),
                ("".into(), None),
                ("El".into(), Some(40.0)),
            ],
        };
        let a = Assessment::parse(raw.clone()).unwrap();
        assert_eq!(a.options.len(), 2, "the empty row is skipped");
        let field = |r: RawAssessment| Assessment::parse(r).unwrap_err().field;
        assert_eq!(
            field(RawAssessment {
                options: vec![("El".into(), None)],
                ..raw.clone()
            }),
            "options[0].tonnes"
        );
        assert_eq!(
            field(RawAssessment {
                options: vec![],
                ..raw.clone()
            }),
            "options"
        );
        assert_eq!(
            field(RawAssessment {
                meeting_date: None,
                ..raw.clone()
            }),
            "meeting_date"
        );
    }

    #[test]
    fn the_overview_shows_the_newest_release_and_says_which() {
        let decision = |year, reduction_pct| TargetDecision {
            year,
            base_year: 1990,
            reduction_pct,
            source: "KB".into(),
            decided_on: None,
        };
        let eff = |measure, t: Option<f64>, y: Option<i32>| Effect {
            measure,
            tonnes_per_year: t,
            full_from: y,
        };
        let inputs = Inputs {
            releases: vec!["2024".into(), "2025".into()],
            values: inventory(),
            targets: vec![decision(2045, 100.0), decision(2030, 70.0)],
            prices: vec![ShadowPrice {
                year: 2025,
                dkk_per_tonne: 1500.0,
                source: "Århusmodellen".into(),
            }],
            measures: vec![
                (14, "Solceller".into(), eff(14, Some(20_000.0), Some(2028))),
                (1, "Klimavurdering".into(), eff(1, None, None)),
                (21, "Busser".into(), eff(21, Some(5_000.0), Some(2035))),
            ],
        };
        let o = Overview::build(&inputs);
        assert_eq!(o.release.as_deref(), Some("2025"));
        assert_eq!(o.other_releases, ["2024"]);
        assert_eq!(o.sectors, ["Energi", "Transport"]);
        assert_eq!(
            o.years.iter().map(|y| y.year).collect::<Vec<_>>(),
            [1990, 2022, 2023]
        );
        assert_eq!(
            o.years[1].total, 230_000.0,
            "the 2025 release's revised 2022"
        );
        assert_eq!(o.years[0].path, Some(400_000.0));
        let m = o.targets[0].manko.as_ref().unwrap();
        assert_eq!((o.targets[0].decision.year, m.from.0), (2030, 2023));
        assert!((m.manko - 65_000.0).abs() < 1e-6);
        assert_eq!(o.targets[1].decision.year, 2045);
        assert_eq!(
            o.effects.iter().map(|e| e.number).collect::<Vec<_>>(),
            [14, 21]
        );
        assert_eq!(o.effects[0].value_dkk, Some(30_000_000.0));
        assert_eq!(o.not_estimated, [1]);
        let (last, before) = o.last_two_years().unwrap();
        assert_eq!((last.year, before.map(|b| b.year)), (2023, Some(2022)));
        // No inventory: nothing is computed and nothing invented.
        let empty = Overview::build(&Inputs {
            releases: vec![],
            values: vec![],
            ..inputs
        });
        assert_eq!((empty.release, empty.years.len()), (None, 0));
        assert!(
            empty
                .targets
                .iter()
                .all(|t| t.manko.is_none() && t.allowed.is_none())
        );
    }
}
