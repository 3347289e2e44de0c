//! `/{plan}/klima`: the plan's climate effect — emissions by sector against the path to the
//! targets, each target's manko beside the measures' effects, the measures' estimates valued at
//! the shadow price, and the climate assessments of committee cases; and
//! `/{plan}/klima/vurderinger/ny`, the form an administrator or an owner of measure 1 records
//! an assessment with. Every number comes from the snapshot's [`Overview`], the one the API and
//! the council's report show.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::account::{form_page, require_signed_in, see_other, signed_in_form};
use super::form::{Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, PlanPage, plan_page, render};
use super::svg;
use super::view::PlanView;
use crate::api::error::ApiError;
use crate::api::{AppState, run_db, run_write};
use crate::db::store::{self, AssessmentView, Updates};
use crate::domain::climate::{Assessment, EffectEstimate, MAX_OPTIONS, Overview, RawAssessment};
use crate::domain::format::parse_number;
use crate::report::chart::{EmissionsChart, MankoChart};

/// A row of the emissions table.
pub struct EmissionLine {
    pub year: i32,
    pub cells: Vec<String>,
    pub total: String,
    pub path: String,
}

/// A target with its numbers and its manko as text and chart.
pub struct TargetLine {
    pub year: i32,
    pub reduction: String,
    pub base_year: i32,
    pub allowed: String,
    pub source: String,
    pub manko_text: Option<String>,
    pub unknown_text: Option<String>,
    pub chart: Option<String>,
}

pub struct EffectLine {
    pub number: i32,
    pub title: String,
    pub href: String,
    pub tonnes: String,
    pub full_from: String,
    pub value: String,
}

pub struct PriceLine {
    pub year: i32,
    pub price: String,
    pub source: String,
}

pub struct AssessmentLine {
    pub id: i32,
    pub title: String,
    pub meta: String,
    pub note: Option<String>,
    pub price: String,
    /// (label, t CO₂e, value)
    pub options: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "climate.html")]
struct ClimatePage {
    chrome: Chrome,
    release: Option<String>,
    release_note: String,
    sectors: Vec<String>,
    emissions: Vec<EmissionLine>,
    chart: Option<String>,
    targets: Vec<TargetLine>,
    effects: Vec<EffectLine>,
    not_estimated: Vec<(String, String)>,
    prices: Vec<PriceLine>,
    assessments: Vec<AssessmentLine>,
    evidence_note: String,
    new_href: String,
    saved: bool,
}

pub(super) fn tonnes(lang: Lang, v: f64) -> String {
    format!("{} t", lang.number(v, 0))
}

pub(super) fn kroner(lang: Lang, v: f64) -> String {
    format!("{} kr.", lang.number(v, 0))
}

/// The lines of the climate page from the overview, in the page's language.
fn lines(
    v: &PlanView,
    o: &Overview,
) -> (
    Vec<EmissionLine>,
    Vec<TargetLine>,
    Vec<EffectLine>,
    Vec<PriceLine>,
) {
    let (lang, t) = (v.lang, v.lang.t());
    let opt = |x: Option<f64>| x.map_or_else(|| "–".to_string(), |x| lang.number(x, 0));
    let emissions = o
        .years
        .iter()
        .map(|y| EmissionLine {
            year: y.year,
            cells: y.by_sector.iter().map(|c| opt(*c)).collect(),
            total: lang.number(y.total, 0),
            path: opt(y.path),
        })
        .collect();
    let targets = o
        .targets
        .iter()
        .enumerate()
        .map(|(i, tv)| {
            let d = &tv.decision;
            let m = tv.manko.as_ref();
            TargetLine {
                year: d.year,
                reduction: lang.percent(d.reduction_pct),
                base_year: d.base_year,
                allowed: tv
                    .allowed
                    .map_or_else(|| t.none_value.to_string(), |a| tonnes(lang, a)),
                source: match d.decided_on {
                    Some(on) => format!("{} ({})", d.source, lang.date(on)),
                    None => d.source.clone(),
                },
                manko_text: m.map(|m| {
                    fill(
                        t.climate_manko_text,
                        &[
                            ("year", &d.year.to_string()),
                            ("required", &tonnes(lang, m.required)),
                            ("from_year", &m.from.0.to_string()),
                            ("covered", &tonnes(lang, m.covered)),
                            ("manko", &tonnes(lang, m.manko)),
                        ],
                    )
                }),
                unknown_text: m.filter(|m| !m.unknown.is_empty()).map(|m| {
                    fill(
                        t.climate_unknown_text,
                        &[("n", &m.unknown.len().to_string())],
                    )
                }),
                chart: MankoChart::of(tv)
                    .map(|c| svg::manko_chart(&c, lang, &format!("manko-{i}"))),
            }
        })
        .collect();
    let effects = o
        .effects
        .iter()
        .map(|e| EffectLine {
            number: e.number,
            title: e.title.clone(),
            href: v.link(&format!("/tiltag/{}", e.number)),
            tonnes: tonnes(lang, e.tonnes_per_year),
            full_from: e.full_from.map_or_else(String::new, |y| y.to_string()),
            value: match (e.value_dkk, e.price_year) {
                (Some(dkk), Some(py)) => format!("{} ({py})", kroner(lang, dkk)),
                _ => t.climate_no_price.to_string(),
            },
        })
        .collect();
    let prices = o
        .prices
        .iter()
        .map(|p| PriceLine {
            year: p.year,
            price: format!("{} kr./t", lang.number(p.dkk_per_tonne, 0)),
            source: p.source.clone(),
        })
        .collect();
    (emissions, targets, effects, prices)
}

pub fn assessment_line(a: &AssessmentView, lang: Lang) -> AssessmentLine {
    let t = lang.t();
    let mut meta = format!("{}, {}", a.committee, lang.date(a.meeting_date));
    if let Some(r) = &a.case_ref {
        meta.push_str(&format!(", {} {r}", t.climate_case_ref));
    }
    AssessmentLine {
        id: a.id,
        title: a.title.clone(),
        meta,
        note: a.note.clone(),
        price: match (a.price_dkk_per_tonne, a.price_year) {
            (Some(p), Some(y)) => fill(
                t.climate_valued_at,
                &[("price", &lang.number(p, 0)), ("year", &y.to_string())],
            ),
            _ => t.climate_no_price.to_string(),
        },
        options: a
            .options
            .iter()
            .map(|o| {
                (
                    o.option.label.clone(),
                    lang.number(o.option.tonnes, 1),
                    o.value_dkk
                        .map_or_else(|| "–".to_string(), |v| kroner(lang, v)),
                )
            })
            .collect(),
    }
}

/// `GET /{plan}/klima`
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
) -> Result<HttpResponse, PageError> {
    let saved = req.query_string().split('&').any(|kv| kv == "gemt=1");
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("climate {saved}"),
            updates: Updates::None,
            framing: None,
        },
        move |st, rq, v| {
            let (lang, t) = (v.lang, v.lang.t());
            let empty = Default::default();
            let climate = v.snap.climate.as_ref();
            let o: &Overview = climate.map_or(&empty, |c| &c.overview);
            let (emissions, targets, effects, prices) = lines(v, o);
            let titles: std::collections::HashMap<i32, &str> = v
                .snap
                .measures
                .iter()
                .map(|m| (m.number, m.title.as_str()))
                .collect();
            Ok(ClimatePage {
                chrome: Chrome::for_plan(&st.site, rq, v, t.climate_title.into())
                    .section("climate")
                    .crumb(t.climate_title, None),
                release_note: match &o.release {
                    Some(r) if o.other_releases.is_empty() => {
                        fill(t.climate_release_shown, &[("release", r)])
                    }
                    Some(r) => format!(
                        "{} {}",
                        fill(t.climate_release_shown, &[("release", r)]),
                        fill(
                            t.climate_release_others,
                            &[("others", &o.other_releases.join(", "))]
                        )
                    ),
                    None => t.climate_no_inventory.to_string(),
                },
                release: o.release.clone(),
                sectors: o.sectors.clone(),
                chart: EmissionsChart::of(o).map(|c| svg::emissions_chart(&c, lang, "emissions")),
                emissions,
                targets,
                effects,
                not_estimated: o
                    .not_estimated
                    .iter()
                    .map(|n| {
                        (
                            format!("{n}. {}", titles.get(n).copied().unwrap_or("")),
                            v.link(&format!("/tiltag/{n}")),
                        )
                    })
                    .collect(),
                prices,
                assessments: climate
                    .map(|c| {
                        c.assessments
                            .iter()
                            .map(|a| assessment_line(a, lang))
                            .collect()
                    })
                    .unwrap_or_default(),
                evidence_note: fill(
                    t.climate_evidence_note,
                    &[("key", store::ASSESSMENT_SUB_GOAL)],
                ),
                new_href: v.link("/klima/vurderinger/ny"),
                saved,
            })
        },
    )
    .await
}

/// What the form holds, as typed.
#[derive(Default)]
struct Typed {
    title: String,
    committee: String,
    meeting_date: String,
    case_ref: String,
    note: String,
    options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "climate_assessment.html")]
struct AssessmentForm {
    chrome: Chrome,
    csrf: String,
    errors: Errors,
    typed: Typed,
    back: String,
}

/// The option rows of the form: the ones typed, then empty ones up to at least three.
const FORM_OPTIONS: usize = 4;

/// `GET|POST /{plan}/klima/vurderinger/ny`
pub async fn assessment_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, form) = match &body {
        Some(b) => match signed_in_form(&req, &state, b, lang).await? {
            Ok((s, f)) => (s, Some(f)),
            Err(redirect) => return Ok(redirect),
        },
        None => match require_signed_in(&req, &state).await? {
            Ok(s) => (s, None),
            Err(redirect) => return Ok(redirect),
        },
    };
    let (s, who) = (slug.clone(), signed.principal.clone());
    let (plan, may) = run_db(&state, move |c| {
        let plan = store::get_plan(c, &s)?.0;
        Ok((plan, store::may_assess(c, &s, &who)?))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    if !may {
        return Err(PageError::Forbidden(
            lang,
            t.climate_assess_forbidden.into(),
        ));
    }
    let mut errors = Errors::default();
    let mut typed = Typed::default();
    if let Some(form) = form {
        typed = read_form(&form);
        match parse_typed(&typed, lang, &mut errors) {
            Some(raw) if errors.is_empty() => match Assessment::parse(raw) {
                Ok(a) => {
                    let (who, s) = (signed.principal.clone(), slug.clone());
                    let now = crate::clock::now_utc();
                    match run_write(&state, move |c| store::add_assessment(c, &s, &a, &who, now))
                        .await
                    {
                        Ok(id) => {
                            return Ok(see_other(&Chrome::href_for(
                                lang,
                                &format!("/{slug}/klima?gemt=1#vurdering-{id}"),
                            )));
                        }
                        Err(ApiError::Forbidden(_)) => {
                            return Err(PageError::Forbidden(
                                lang,
                                t.climate_assess_forbidden.into(),
                            ));
                        }
                        Err(e) => return Err(PageError::from(e).in_lang(lang)),
                    }
                }
                Err(e) => add_domain_error(&mut errors, &e.field, lang),
            },
            _ => {}
        }
    }
    while typed.options.len() < FORM_OPTIONS {
        typed.options.push(Default::default());
    }
    let bad = !errors.is_empty();
    let page = AssessmentForm {
        chrome: Chrome::new(&state.site, &req, lang, t.climate_assess_title.into())
            .in_plan(&slug, &plan.municipality, &plan.title)
            .section("climate")
            .crumb(
                plan.title.clone(),
                Some(Chrome::href_for(lang, &format!("/{slug}"))),
            )
            .crumb(
                t.climate_title,
                Some(Chrome::href_for(lang, &format!("/{slug}/klima"))),
            )
            .crumb(t.climate_assess_title, None),
        csrf: signed.csrf(),
        errors,
        typed,
        back: Chrome::href_for(lang, &format!("/{slug}/klima#klimavurderinger")),
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

fn read_form(form: &Form) -> Typed {
    let labels = form.all("option_label");
    let amounts = form.all("option_tonnes");
    Typed {
        title: form.text("title"),
        committee: form.text("committee"),
        meeting_date: form.text("meeting_date"),
        case_ref: form.text("case_ref"),
        note: form.get("note").unwrap_or("").to_string(),
        options: (0..labels.len().max(amounts.len()).min(MAX_OPTIONS))
            .map(|i| {
                (
                    labels.get(i).unwrap_or(&"").to_string(),
                    amounts.get(i).unwrap_or(&"").trim().to_string(),
                )
            })
            .collect(),
    }
}

/// The typed form as the domain's input; each field's problem said in Danish next to it.
fn parse_typed(typed: &Typed, lang: Lang, errors: &mut Errors) -> Option<RawAssessment> {
    let t = lang.t();
    if typed.title.trim().is_empty() {
        errors.add("title", t.climate_title_missing);
    }
    if typed.committee.trim().is_empty() {
        errors.add("committee", t.climate_committee_missing);
    }
    let meeting_date = NaiveDate::parse_from_str(typed.meeting_date.trim(), "%Y-%m-%d").ok();
    if meeting_date.is_none() {
        errors.add("meeting_date", t.climate_date_missing);
    }
    let mut options = Vec::new();
    let mut any = false;
    for (i, (label, amount)) in typed.options.iter().enumerate() {
        if label.trim().is_empty() && amount.is_empty() {
            continue;
        }
        any = true;
        let tonnes = parse_number(amount);
        if label.trim().is_empty() {
            errors.add(option_field(i, "label"), t.climate_option_label_missing);
        }
        if tonnes.is_none() {
            errors.add(option_field(i, "tonnes"), t.climate_option_tonnes_invalid);
        }
        options.push((label.clone(), tonnes));
    }
    if !any {
        errors.add("option-label-0", t.climate_options_missing);
    }
    Some(RawAssessment {
        title: typed.title.clone(),
        committee: typed.committee.clone(),
        meeting_date,
        case_ref: Some(typed.case_ref.clone()),
        note: Some(typed.note.clone()),
        options,
    })
}

/// The id of an option's field in the form (`option-tonnes-2`), which the error summary links to.
fn option_field(i: usize, what: &str) -> String {
    format!("option-{what}-{i}")
}

/// A rule the domain refused (text too long, a control character): said next to the field.
fn add_domain_error(errors: &mut Errors, field: &str, lang: Lang) {
    let t = lang.t();
    if let Some(rest) = field.strip_prefix("options[") {
        let i: usize = rest
            .split(']')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if field.ends_with("tonnes") {
            errors.add(option_field(i, "tonnes"), t.climate_option_tonnes_invalid);
        } else {
            errors.add(option_field(i, "label"), t.climate_field_invalid);
        }
        return;
    }
    match field {
        "meeting_date" => errors.add("meeting_date", t.climate_date_missing),
        "committee" | "case_ref" | "note" => errors.add(field.to_string(), t.climate_field_invalid),
        _ => errors.add("title", t.climate_field_invalid),
    }
}

/// The label of the evidence line under sub-goal 1.1: "3 klimavurderinger, senest 3. november
/// 2026"; `None` when there are none or the sub-goal is another.
pub fn evidence_for(v: &PlanView, key: &str) -> Option<String> {
    let c = v.snap.climate.as_ref()?;
    let mine: Vec<&AssessmentView> = c
        .assessments
        .iter()
        .filter(|a| a.sub_goal.as_deref() == Some(key))
        .collect();
    let newest = mine.iter().map(|a| a.meeting_date).max()?;
    Some(fill(
        v.lang.t().climate_evidence_line,
        &[
            ("n", &mine.len().to_string()),
            ("date", &v.lang.date(newest)),
        ],
    ))
}

/// A measure's (or a sub-goal's) estimate as the measure page prints it.
pub struct EffectBlock {
    pub effect: String,
    pub basis: Option<String>,
    pub budget: Option<String>,
    pub staffing: Option<String>,
}

fn effect_block(e: Option<&EffectEstimate>, lang: Lang) -> EffectBlock {
    let t = lang.t();
    let effect = match e.and_then(|e| e.tonnes_per_year.zip(e.full_from)) {
        Some((tonnes, year)) => fill(
            t.measure_effect_value,
            &[
                ("tonnes", &format!("{} t", lang.number(tonnes, 0))),
                ("year", &year.to_string()),
            ],
        ),
        None => t.none_value.to_string(),
    };
    EffectBlock {
        effect,
        basis: e.and_then(|e| match (&e.basis, &e.basis_source) {
            (Some(b), Some(src)) => Some(format!("{b} ({src})")),
            (Some(b), None) => Some(b.clone()),
            _ => None,
        }),
        budget: e.and_then(|e| {
            e.budget_dkk.map(|b| {
                format!(
                    "{} kr.{}",
                    lang.number(b, 0),
                    e.funding
                        .as_ref()
                        .map_or_else(String::new, |f| format!(" ({f})"))
                )
            })
        }),
        staffing: e.and_then(|e| {
            e.staffing_fte
                .map(|n| fill(t.measure_staffing_value, &[("n", &lang.number(n, 2))]))
        }),
    }
}

/// The measure's own estimate; when it has none but its sub-goals do, their sum.
pub fn measure_effect_block(v: &PlanView, number: i32) -> EffectBlock {
    let lang = v.lang;
    let est = v
        .snap
        .climate
        .as_ref()
        .and_then(|c| c.estimates.get(&number));
    let own = est.and_then(|e| e.own.as_ref());
    if own.is_some_and(|o| o.tonnes_per_year.is_some()) || est.is_none() {
        return effect_block(own, lang);
    }
    let mut block = effect_block(own, lang);
    let summed = v.snap.climate.as_ref().and_then(|c| {
        c.overview
            .effects
            .iter()
            .find(|e| e.number == number)
            .map(|e| (e.tonnes_per_year, e.full_from))
    });
    if let Some((tonnes, Some(year))) = summed {
        block.effect = format!(
            "{} ({})",
            fill(
                lang.t().measure_effect_value,
                &[
                    ("tonnes", &format!("{} t", lang.number(tonnes, 0))),
                    ("year", &year.to_string()),
                ],
            ),
            lang.t().measure_effect_sub_goals.to_lowercase()
        );
    }
    block
}

/// A sub-goal's own estimate, when it has one.
pub fn sub_goal_effect(v: &PlanView, number: i32, key: &str) -> Option<String> {
    let e = v
        .snap
        .climate
        .as_ref()?
        .estimates
        .get(&number)?
        .sub_goals
        .get(key)?;
    e.tonnes_per_year?;
    Some(effect_block(Some(e), v.lang).effect)
}

/// The dashboard's lines on the climate effect: the newest inventory year's total and the
/// manko of the nearest target, or that no inventory is loaded.
pub fn dashboard_lines(v: &PlanView) -> Vec<String> {
    let (lang, t) = (v.lang, v.lang.t());
    let Some(o) = v.snap.climate.as_ref().map(|c| &c.overview) else {
        return vec![t.climate_no_inventory.to_string()];
    };
    let mut out = Vec::new();
    match (o.release.as_ref(), o.years.last()) {
        (Some(r), Some(y)) => out.push(fill(
            t.dashboard_climate_text,
            &[
                ("total", &tonnes(lang, y.total)),
                ("year", &y.year.to_string()),
                ("release", r),
            ],
        )),
        _ => out.push(t.climate_no_inventory.to_string()),
    }
    if let Some((tv, m)) = o
        .targets
        .iter()
        .find_map(|tv| tv.manko.as_ref().map(|m| (tv, m)))
    {
        out.push(fill(
            t.dashboard_climate_manko,
            &[
                ("year", &tv.decision.year.to_string()),
                ("manko", &tonnes(lang, m.manko)),
            ],
        ));
    }
    out
}
