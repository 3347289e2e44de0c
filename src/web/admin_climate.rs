//! The climate figures an administration keeps, in the browser: `/admin/{plan}/klima` (every
//! measure's estimated effect at a glance, the reduction targets and the shadow prices, each with
//! its form) and `/admin/{plan}/klima/{n}` (one measure's effect, budget and staffing, with the
//! reason for the change and the revision history).
//!
//! What it guarantees: only the plan's admins (and the operators) see or change anything; every
//! form is checked for its CSRF token and origin; what is typed is parsed by the same domain
//! rules as the API (`EffectEstimate::parse`, `TargetDecision::parse`, `ShadowPrice::parse`) and
//! written by the same store functions, so the revision history and the audit log are the same
//! whichever way a figure came in; a refused form says why in Danish next to each field and keeps
//! what was typed. The inventory itself comes from a file (`klimaspor emissions-import` or the
//! API), because it is a spreadsheet from the national accounts, not something to type.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::account::{form_page, see_other};
use super::admin::{Tab, admin_chrome, admin_of, tabs};
use super::climate::{kroner, tonnes};
use super::form::{self, Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, render};
use crate::api::error::ApiError;
use crate::api::{AppState, run_db, run_write};
use crate::db::store::{self, EffectOf};
use crate::domain::DomainError;
use crate::domain::climate::{
    EffectEstimate, FIRST_YEAR, LAST_YEAR, RawEffectEstimate, ShadowPrice, TargetDecision,
};
use crate::domain::format::{number_exact, parse_number};

struct MeasureLine {
    number: i32,
    title: String,
    effect: String,
    /// Whether the effect is the sum of the sub-goals' estimates (the measure has none itself).
    from_sub_goals: bool,
    budget: String,
    href: String,
}

struct TargetLine {
    year: i32,
    text: String,
    source: String,
}

struct PriceLine {
    year: i32,
    price: String,
    source: String,
}

/// The target form as typed.
#[derive(Default)]
struct TypedTarget {
    year: String,
    base_year: String,
    reduction_pct: String,
    source: String,
    decided_on: String,
}

/// The price form as typed.
#[derive(Default)]
struct TypedPrice {
    year: String,
    dkk_per_tonne: String,
    source: String,
}

#[derive(Template)]
#[template(path = "admin/climate.html")]
struct ClimateAdminPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    action: String,
    saved: bool,
    errors: Errors,
    inventory: String,
    measures: Vec<MeasureLine>,
    targets: Vec<TargetLine>,
    prices: Vec<PriceLine>,
    target: TypedTarget,
    price: TypedPrice,
    public_href: String,
}

/// `GET|POST /admin/{plan}/klima`: the measures' effects, and the forms for a target (set or
/// remove) and a shadow price.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let here = Chrome::href_for(lang, &format!("/admin/{slug}/klima"));
    let mut errors = Errors::default();
    let mut target = TypedTarget::default();
    let mut price = TypedPrice::default();
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        let (who, s, now) = (
            signed.principal.clone(),
            slug.clone(),
            crate::clock::now_utc(),
        );
        match form.text("action").as_str() {
            "target" => {
                target = TypedTarget {
                    year: form.text("year"),
                    base_year: form.text("base_year"),
                    reduction_pct: form.text("reduction_pct"),
                    source: form.text("source"),
                    decided_on: form.text("decided_on"),
                };
                if let Some(d) = parse_target(&target, lang, &mut errors) {
                    match run_write(&state, move |c| store::set_target(c, &s, &d, &who, now)).await
                    {
                        Ok(()) => return Ok(see_other(&format!("{here}?gemt=1#maal"))),
                        // The one rule the store checks beyond the domain's: one base year.
                        Err(ApiError::Unprocessable(_)) => {
                            errors.add("base_year", t.admin_climate_base_year_other)
                        }
                        Err(e) => return Err(PageError::from(e).in_lang(lang)),
                    }
                }
            }
            "delete_target" => {
                let Ok(year) = form.text("year").parse::<i32>() else {
                    return Err(PageError::BadRequest(lang, t.form_incomplete.into()));
                };
                run_write(&state, move |c| {
                    store::delete_target(c, &s, year, &who, now)
                })
                .await
                .map_err(|e| PageError::from(e).in_lang(lang))?;
                return Ok(see_other(&format!("{here}?gemt=1#maal")));
            }
            "price" => {
                price = TypedPrice {
                    year: form.text("price_year"),
                    dkk_per_tonne: form.text("dkk_per_tonne"),
                    source: form.text("price_source"),
                };
                if let Some(p) = parse_price(&price, lang, &mut errors) {
                    run_write(&state, move |c| {
                        store::set_shadow_price(c, &s, &p, &who, now)
                    })
                    .await
                    .map_err(|e| PageError::from(e).in_lang(lang))?;
                    return Ok(see_other(&format!("{here}?gemt=1#skyggepriser")));
                }
            }
            _ => return Err(PageError::BadRequest(lang, t.form_incomplete.into())),
        }
    }
    let s = slug.clone();
    let (plan, climate) = run_db(&state, move |c| {
        Ok((store::load_plan(c, &s)?, store::climate_of(c, &s)?))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let o = &climate.overview;
    let mut measures: Vec<MeasureLine> = plan
        .measures
        .iter()
        .map(|m| {
            // A measure without any estimate is not in `climate.measures`: *ikke opgjort*.
            let mc = climate.measures.get(&m.number);
            let own = mc.and_then(|c| c.own.as_ref());
            let (tonnes_per_year, full_from) = mc.map_or((None, None), |c| {
                (c.effect.tonnes_per_year, c.effect.full_from)
            });
            MeasureLine {
                number: m.number,
                title: m.title.clone(),
                effect: match (tonnes_per_year, full_from) {
                    (Some(tn), Some(y)) => fill(
                        t.admin_climate_effect_from,
                        &[("tonnes", &tonnes(lang, tn)), ("year", &y.to_string())],
                    ),
                    (Some(tn), None) => tonnes(lang, tn),
                    _ => t.admin_climate_not_estimated.to_string(),
                },
                from_sub_goals: own.and_then(|e| e.tonnes_per_year).is_none()
                    && tonnes_per_year.is_some(),
                budget: own
                    .and_then(|e| e.budget_dkk)
                    .map(|b| kroner(lang, b))
                    .unwrap_or_else(|| "–".into()),
                href: Chrome::href_for(lang, &format!("/admin/{slug}/klima/{}", m.number)),
            }
        })
        .collect();
    measures.sort_by_key(|m| m.number);
    let bad = !errors.is_empty();
    let page = ClimateAdminPage {
        chrome: admin_chrome(&state, &req, lang, &administered, t.climate_title),
        tabs: tabs(lang, &slug, "klima"),
        csrf: signed.csrf(),
        action: here,
        saved: req.query_string().split('&').any(|kv| kv == "gemt=1"),
        errors,
        inventory: match &o.release {
            Some(r) => fill(t.climate_release_shown, &[("release", r)]),
            None => t.climate_no_inventory.to_string(),
        },
        measures,
        targets: o
            .targets
            .iter()
            .map(|tv| TargetLine {
                year: tv.decision.year,
                text: fill(
                    t.admin_climate_target_text,
                    &[
                        ("pct", &lang.number(tv.decision.reduction_pct, 1)),
                        ("year", &tv.decision.year.to_string()),
                        ("base", &tv.decision.base_year.to_string()),
                    ],
                ),
                source: match tv.decision.decided_on {
                    Some(d) => format!("{} ({})", tv.decision.source, lang.date(d)),
                    None => tv.decision.source.clone(),
                },
            })
            .collect(),
        prices: o
            .prices
            .iter()
            .map(|p| PriceLine {
                year: p.year,
                price: kroner(lang, p.dkk_per_tonne),
                source: p.source.clone(),
            })
            .collect(),
        target,
        price,
        public_href: Chrome::href_for(lang, &format!("/{slug}/klima")),
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

/// A year field: a year the climate figures may speak of.
fn year_field(s: &str) -> Option<i32> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
}

fn parse_target(typed: &TypedTarget, lang: Lang, errors: &mut Errors) -> Option<TargetDecision> {
    let t = lang.t();
    let year = year_field(&typed.year);
    if year.is_none() {
        errors.add("year", t.admin_climate_year_invalid);
    }
    let base_year = year_field(&typed.base_year);
    if base_year.is_none() {
        errors.add("base_year", t.admin_climate_year_invalid);
    }
    let pct = parse_number(&typed.reduction_pct).filter(|p| *p > 0.0 && *p <= 100.0);
    if pct.is_none() {
        errors.add("reduction_pct", t.admin_climate_pct_invalid);
    }
    let decided_on = match typed.decided_on.as_str() {
        "" => None,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add("decided_on", t.admin_climate_date_invalid);
                None
            }
        },
    };
    if typed.source.is_empty() {
        errors.add("source", t.admin_climate_target_source_missing);
    }
    let (Some(year), Some(base_year), Some(pct), true) = (year, base_year, pct, errors.is_empty())
    else {
        return None;
    };
    match TargetDecision::parse(year, base_year, pct, typed.source.clone(), decided_on) {
        Ok(d) => Some(d),
        Err(e) => {
            let (field, message) = match e.field.as_str() {
                "year" => ("year", t.admin_climate_year_invalid),
                "base_year" => ("base_year", t.admin_climate_base_year_before),
                "reduction_pct" => ("reduction_pct", t.admin_climate_pct_invalid),
                _ => ("source", t.climate_field_invalid),
            };
            errors.add(field, message);
            None
        }
    }
}

fn parse_price(typed: &TypedPrice, lang: Lang, errors: &mut Errors) -> Option<ShadowPrice> {
    let t = lang.t();
    let year = year_field(&typed.year);
    if year.is_none() {
        errors.add("price_year", t.admin_climate_year_invalid);
    }
    let dkk = parse_number(&typed.dkk_per_tonne).filter(|v| *v > 0.0);
    if dkk.is_none() {
        errors.add("dkk_per_tonne", t.admin_climate_price_invalid);
    }
    if typed.source.is_empty() {
        errors.add("price_source", t.admin_climate_price_source_missing);
    }
    let (Some(year), Some(dkk), true) = (year, dkk, errors.is_empty()) else {
        return None;
    };
    match ShadowPrice::parse(year, dkk, typed.source.clone()) {
        Ok(p) => Some(p),
        Err(e) => {
            match e.field.as_str() {
                "year" => errors.add("price_year", t.admin_climate_year_invalid),
                "dkk_per_tonne" => errors.add("dkk_per_tonne", t.admin_climate_price_invalid),
                _ => errors.add("price_source", t.climate_field_invalid),
            }
            None
        }
    }
}

/// The effect form as typed.
#[derive(Default)]
struct TypedEffect {
    tonnes_per_year: String,
    full_from: String,
    basis: String,
    basis_source: String,
    budget_dkk: String,
    funding: String,
    staffing_fte: String,
    reason: String,
}

impl TypedEffect {
    fn of(e: &EffectEstimate) -> Self {
        let n = |v: Option<f64>| v.map(number_exact).unwrap_or_default();
        Self {
            tonnes_per_year: n(e.tonnes_per_year),
            full_from: e.full_from.map(|y| y.to_string()).unwrap_or_default(),
            basis: e.basis.clone().unwrap_or_default(),
            basis_source: e.basis_source.clone().unwrap_or_default(),
            budget_dkk: n(e.budget_dkk),
            funding: e.funding.clone().unwrap_or_default(),
            staffing_fte: n(e.staffing_fte),
            reason: String::new(),
        }
    }

    fn read(form: &Form) -> Self {
        Self {
            tonnes_per_year: form.text("tonnes_per_year"),
            full_from: form.text("full_from"),
            basis: form.text("basis"),
            basis_source: form.text("basis_source"),
            budget_dkk: form.text("budget_dkk"),
            funding: form.text("funding"),
            staffing_fte: form.text("staffing_fte"),
            reason: form.text("reason"),
        }
    }
}

struct RevisionLine {
    at: String,
    by: String,
    of: String,
    figures: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "admin/climate_effect.html")]
struct EffectPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    heading: String,
    errors: Errors,
    typed: TypedEffect,
    history: Vec<RevisionLine>,
    back: String,
    public_href: String,
}

/// An optional number field: empty is `None`; what does not read as a number is an error.
fn optional_number(
    typed: &str,
    field: &'static str,
    message: &'static str,
    errors: &mut Errors,
) -> Option<f64> {
    if typed.is_empty() {
        return None;
    }
    let v = parse_number(typed);
    if v.is_none() {
        errors.add(field, message);
    }
    v
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The typed form as the domain's input, or the fields' errors.
fn parse_effect(
    typed: &TypedEffect,
    lang: Lang,
    errors: &mut Errors,
) -> Option<(EffectEstimate, String)> {
    let t = lang.t();
    let tonnes_per_year = optional_number(
        &typed.tonnes_per_year,
        "tonnes_per_year",
        t.admin_climate_tonnes_invalid,
        errors,
    );
    let full_from = match typed.full_from.as_str() {
        "" => None,
        y => {
            let y = year_field(y);
            if y.is_none() {
                errors.add("full_from", t.admin_climate_year_invalid);
            }
            y
        }
    };
    let budget_dkk = optional_number(
        &typed.budget_dkk,
        "budget_dkk",
        t.admin_climate_budget_invalid,
        errors,
    );
    let staffing_fte = optional_number(
        &typed.staffing_fte,
        "staffing_fte",
        t.admin_climate_staffing_invalid,
        errors,
    );
    if typed.reason.is_empty() {
        errors.add("reason", t.admin_climate_reason_missing);
    }
    if !errors.is_empty() {
        return None;
    }
    let raw = RawEffectEstimate {
        tonnes_per_year,
        full_from,
        basis: non_empty(&typed.basis),
        basis_source: non_empty(&typed.basis_source),
        budget_dkk,
        funding: non_empty(&typed.funding),
        staffing_fte,
        reason: typed.reason.clone(),
    };
    match EffectEstimate::parse(raw) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            add_effect_error(typed, &e, lang, errors);
            None
        }
    }
}

/// A rule of `EffectEstimate::parse`, said in Danish next to its field.
fn add_effect_error(typed: &TypedEffect, e: &DomainError, lang: Lang, errors: &mut Errors) {
    let t = lang.t();
    let (field, message) = match e.field.as_str() {
        "tonnes_per_year" => ("tonnes_per_year", t.admin_climate_tonnes_invalid),
        "full_from" if typed.tonnes_per_year.is_empty() => {
            ("full_from", t.admin_climate_full_from_alone)
        }
        "full_from" => ("full_from", t.admin_climate_full_from_missing),
        "basis" if typed.basis.is_empty() => ("basis", t.admin_climate_basis_missing),
        "basis_source" if typed.basis_source.is_empty() => {
            ("basis_source", t.admin_climate_basis_source_missing)
        }
        "budget_dkk" => ("budget_dkk", t.admin_climate_budget_invalid),
        "funding" if typed.funding.is_empty() => ("funding", t.admin_climate_funding_missing),
        "staffing_fte" => ("staffing_fte", t.admin_climate_staffing_invalid),
        "basis" => ("basis", t.climate_field_invalid),
        "basis_source" => ("basis_source", t.climate_field_invalid),
        "funding" => ("funding", t.climate_field_invalid),
        _ => ("reason", t.climate_field_invalid),
    };
    errors.add(field, message);
}

/// What a revision says, in a line: effect, budget, staffing.
fn figures(e: &EffectEstimate, lang: Lang) -> String {
    let t = lang.t();
    let mut parts = Vec::new();
    match (e.tonnes_per_year, e.full_from) {
        (Some(tn), Some(y)) => parts.push(fill(
            t.admin_climate_effect_from,
            &[("tonnes", &tonnes(lang, tn)), ("year", &y.to_string())],
        )),
        _ => parts.push(format!(
            "{}: {}",
            t.measure_effect, t.admin_climate_not_estimated
        )),
    }
    if let Some(b) = e.budget_dkk {
        parts.push(format!("{}: {}", t.measure_budget, kroner(lang, b)));
    }
    if let Some(s) = e.staffing_fte {
        parts.push(format!("{}: {}", t.measure_staffing, lang.number(s, 1)));
    }
    parts.join("; ")
}

/// `GET|POST /admin/{plan}/klima/{n}`: a measure's effect, budget and staffing, set with a
/// reason; its revision history below.
pub async fn effect(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, number): (String, String),
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let Ok(number) = number.parse::<i32>() else {
        return Err(PageError::NotFound(
            lang,
            fill(t.no_such_measure, &[("n", &number)]),
        ));
    };
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let back = Chrome::href_for(lang, &format!("/admin/{slug}/klima"));
    let mut errors = Errors::default();
    let mut typed = None;
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        let input = TypedEffect::read(&form);
        if let Some((estimate, reason)) = parse_effect(&input, lang, &mut errors) {
            let (who, s, now) = (
                signed.principal.clone(),
                slug.clone(),
                crate::clock::now_utc(),
            );
            run_write(&state, move |c| {
                store::set_effect(
                    c,
                    &s,
                    &EffectOf::Measure(number),
                    &estimate,
                    &reason,
                    &who,
                    now,
                )
            })
            .await
            .map_err(|e| PageError::from(e).in_lang(lang))?;
            return Ok(see_other(&format!("{back}?gemt=1#tiltag-{number}")));
        }
        typed = Some(input);
    }
    let s = slug.clone();
    let (measure, climate) = run_db(&state, move |c| {
        Ok((
            store::load_measure(c, &s, number)?,
            store::measure_climate(c, &s, number)?,
        ))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let typed = typed.unwrap_or_else(|| {
        climate
            .own
            .as_ref()
            .map(TypedEffect::of)
            .unwrap_or_default()
    });
    let title = fill(
        t.admin_climate_effect_title,
        &[
            ("number", &number.to_string()),
            ("title", &measure.measure.title),
        ],
    );
    let bad = !errors.is_empty();
    let page = EffectPage {
        chrome: admin_chrome(&state, &req, lang, &administered, &title),
        tabs: tabs(lang, &slug, "klima"),
        csrf: signed.csrf(),
        heading: title,
        errors,
        typed,
        history: climate
            .history
            .iter()
            .map(|r| RevisionLine {
                at: crate::clock::local_minute(r.at),
                by: r.by.clone(),
                of: r
                    .sub_goal_key
                    .as_ref()
                    .map(|k| fill(t.admin_climate_of_sub_goal, &[("key", k)]))
                    .unwrap_or_else(|| t.admin_climate_of_measure.to_string()),
                figures: figures(&r.estimate, lang),
                reason: r.reason.clone(),
            })
            .collect(),
        back,
        public_href: Chrome::href_for(lang, &format!("/{slug}/tiltag/{number}")),
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}
