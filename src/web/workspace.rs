//! The owners' workspace: `/min-side/delmaal` (my sub-goals across my owners and plans, what
//! needs me first) and `/min-side/delmaal/{id}` (the progress form of one sub-goal).
//!
//! What the form guarantees:
//! - the rules are the API's: the form is read into the same `RawProgress`, parsed by
//!   `ProgressReport::parse` and written by `store::append_progress`, which checks who may
//!   report in its transaction;
//! - every error is shown in Danish next to its field, and what the person typed is shown again;
//! - the form carries the version of the sub-goal it was filled in on (the API's ETag). When a
//!   colleague saved meanwhile, nothing is written: the page shows their update beside what this
//!   person typed, and saving again (now on the colleague's version) puts this update on top.
//!   Nothing is lost silently.

use std::collections::{BTreeSet, HashMap};

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::account::{Signed, private, require_signed_in, see_other, signed_in_form};
use super::form::{self, Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, page_response, render};
use super::plan::QuestionLine;
use super::view::ForecastLine;
use crate::api::error::ApiError;
use crate::api::{AppState, run_db, run_write, today};
use crate::db::models::ProgressRow;
use base64::Engine as _;

use crate::db::store::{self, ImportMode, ImportOutcome, OwnedSubGoal, ReportContext, StoreError};
use crate::domain::forecast::{self, Outlook, RawForecast};
use crate::domain::progress::{self, ProgressReport, RawProgress};
use crate::domain::round::{Mark, Round};
use crate::domain::subgoal::{SubGoal, SubGoalState};
use crate::domain::worklist::{self, Need};
use crate::domain::{DomainError, Status};
use crate::progress_import;
use crate::report::chart::Shown;

fn chrome(state: &AppState, req: &HttpRequest, lang: Lang, title: String) -> Chrome {
    let t = lang.t();
    Chrome::new(&state.site, req, lang, title)
        .section("min-side")
        .crumb(t.my_page_title, Some(Chrome::href_for(lang, "/min-side")))
}

struct GoalLine {
    key: String,
    text: String,
    plan: String,
    measure: String,
    href: String,
    public_href: String,
    deadline: String,
    status: String,
    shown: &'static str,
    progress: String,
    note: Option<String>,
    kpi: Option<String>,
    forecast: Option<ForecastLine>,
    last_update: String,
    needs: Vec<(&'static str, &'static str)>,
    /// Its mark in the round open now.
    mark: Option<(&'static str, &'static str)>,
    /// Where "confirm unchanged" posts, when the sub-goal can be confirmed.
    confirm_href: Option<String>,
    /// "2 spørgsmål fra udvalget venter på svar".
    waiting: Option<String>,
}

fn mark_label(m: Mark, lang: Lang) -> &'static str {
    match lang {
        Lang::Da => m.label_da(),
        Lang::En => m.label_en(),
    }
}

/// "Runden til UGO-status for 2. halvår 2026 er åben til 15. januar 2027 kl. 07.00." or when
/// the next opens.
fn round_note(r: &Round, now: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let t = lang.t();
    let at = |d: chrono::DateTime<chrono::Utc>| {
        let local = d.with_timezone(&crate::clock::TIME_ZONE);
        format!(
            "{} {}",
            lang.date(local.date_naive()),
            local.format("%H:%M")
        )
    };
    let period = match lang {
        Lang::Da => r.period.label_da(),
        Lang::En => r.period.to_string(),
    };
    if r.is_open(now) {
        fill(
            t.round_open_until,
            &[("period", &period), ("close", &at(r.close()))],
        )
    } else {
        fill(
            t.round_opens_at,
            &[("period", &period), ("open", &at(r.opens_at))],
        )
    }
}

#[derive(Template)]
#[template(path = "workspace/list.html")]
struct ListPage {
    chrome: Chrome,
    csrf: String,
    round_notes: Vec<String>,
    goals: Vec<GoalLine>,
    saved: Option<String>,
    has_owners: bool,
}

fn need_label(n: Need, lang: Lang) -> &'static str {
    match lang {
        Lang::Da => n.label_da(),
        Lang::En => n.label_en(),
    }
}

fn kpi_text(g: &SubGoal, lang: Lang) -> Option<String> {
    let v = g.latest.as_ref()?.kpi_value?;
    Some(lang.with_unit(v, &kpi_unit(g)))
}

/// The unit a KPI value of `g` is in: its indicator's, else its target's.
fn kpi_unit(g: &SubGoal) -> String {
    g.indicators
        .first()
        .map(|i| i.unit.clone())
        .or_else(|| g.target.as_ref().map(|t| t.unit.clone()))
        .unwrap_or_default()
}

#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    gemt: Option<i32>,
    bekraeftet: Option<i32>,
    importeret: Option<usize>,
}

/// `GET /min-side/delmaal`
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Result<web::Query<ListQuery>, actix_web::Error>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let owners: Vec<i32> = signed.principal.grants.owners.to_vec();
    let has_owners = !owners.is_empty();
    let cfg = state.scheduler.clone();
    let now = crate::clock::now_utc().and_utc();
    let (rows, rounds, waiting) = run_db(&state, move |c| {
        let rows = store::owned_sub_goals(c, &owners)?;
        let plans: BTreeSet<i32> = rows.iter().map(|r| r.plan_id).collect();
        let mut rounds = HashMap::new();
        let mut questions = Vec::new();
        for plan_id in plans {
            questions.extend(
                store::list_questions(c, plan_id, None, None, None)?
                    .into_iter()
                    .filter(|q| q.answers.is_empty())
                    .map(|q| (plan_id, q.measure_number, q.sub_goal_key)),
            );
            let extended = store::round_extensions(c, plan_id)?;
            if let Some(round) = cfg.current_round(now, &extended) {
                let marks = if round.is_open(now) {
                    Some(store::round_marks(c, plan_id, &round)?)
                } else {
                    None
                };
                rounds.insert(plan_id, (round, marks));
            }
        }
        Ok((rows, rounds, questions))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let today = today();
    let mut states: Vec<(SubGoalState, Option<Mark>, OwnedSubGoal)> = rows
        .into_iter()
        .map(|r| {
            let mark = rounds
                .get(&r.plan_id)
                .and_then(|(_, marks)| marks.as_ref())
                .filter(|_| !r.goal.status.is_closed())
                .map(|m| store::mark_of(m, &r.goal.key));
            (SubGoalState::at(r.goal.clone(), today), mark, r)
        })
        .collect();
    states.sort_by(|a, b| {
        worklist::compare((&a.0, a.1), (&b.0, b.1)).then(a.2.plan_slug.cmp(&b.2.plan_slug))
    });
    let q = query.ok();
    let notice = |id: Option<i32>, text: &str| {
        id.and_then(|id| states.iter().find(|(g, ..)| g.id == id))
            .map(|(g, ..)| fill(text, &[("key", &g.key)]))
    };
    let saved = notice(q.as_ref().and_then(|q| q.gemt), t.workspace_saved)
        .or_else(|| notice(q.as_ref().and_then(|q| q.bekraeftet), t.workspace_confirmed))
        .or_else(|| {
            q.as_ref()
                .and_then(|q| q.importeret)
                .map(|n| fill(t.import_done, &[("n", &n.to_string())]))
        });
    let mut round_notes: Vec<String> = rounds
        .values()
        .map(|(r, _)| round_note(r, now, lang))
        .collect();
    round_notes.sort();
    round_notes.dedup();
    let goals = states
        .iter()
        .map(|(g, mark, row)| {
            let (slug, plan_title, measure) = (&row.plan_slug, &row.plan_title, &row.measure_title);
            let shown = Shown::of_status(g.status, g.flags.not_reported);
            let unanswered = waiting
                .iter()
                .filter(|(p, m, k)| {
                    *p == row.plan_id
                        && *m == g.measure_number
                        && k.as_ref().is_none_or(|k| *k == g.key)
                })
                .count();
            GoalLine {
                waiting: (unanswered > 0).then(|| {
                    fill(
                        t.workspace_questions_waiting,
                        &[("n", &unanswered.to_string())],
                    )
                }),
                mark: mark.map(|m| (m.as_str(), mark_label(m, lang))),
                confirm_href: (!g.status.is_closed()
                    && !matches!(mark, Some(Mark::Updated | Mark::Confirmed)))
                .then(|| Chrome::href_for(lang, &format!("/min-side/delmaal/{}/bekraeft", g.id))),
                key: g.key.clone(),
                text: g.text.clone(),
                plan: plan_title.clone(),
                measure: format!("{}. {measure}", g.measure_number),
                href: Chrome::href_for(lang, &format!("/min-side/delmaal/{}", g.id)),
                public_href: Chrome::href_for(
                    lang,
                    &format!(
                        "/{slug}/tiltag/{}#delmaal-{}",
                        g.measure_number,
                        g.key.replace('.', "-")
                    ),
                ),
                deadline: lang.deadline(&g.deadline),
                status: super::svg::shown_label(shown, lang).to_string(),
                shown: shown.key(),
                progress: format!("{} %", g.progress.clamp(0, 100)),
                note: g.latest.as_ref().and_then(|u| u.note.clone()),
                kpi: kpi_text(g, lang),
                forecast: g
                    .latest
                    .as_ref()
                    .and_then(|u| u.forecast.as_ref())
                    .filter(|_| !g.status.is_closed())
                    .map(|f| ForecastLine::of(f, lang)),
                last_update: g
                    .latest
                    .as_ref()
                    .map_or_else(|| t.never_reported.to_string(), |u| lang.date(u.date)),
                needs: worklist::needs(g, *mark)
                    .into_iter()
                    .filter(|n| *n != Need::Closed)
                    .map(|n| (n.key(), need_label(n, lang)))
                    .collect(),
            }
        })
        .collect();
    let page = ListPage {
        chrome: chrome(&state, &req, lang, t.workspace_title.into()),
        csrf: signed.csrf(),
        round_notes,
        goals,
        saved,
        has_owners,
    };
    Ok(private(page_response(render(&page, lang)?, None)))
}

/// What the form holds: as typed (so it can be shown again), every field text.
#[derive(Debug, Clone, Default)]
struct Fields {
    status: String,
    progress: String,
    note: String,
    kpi_value: String,
    as_of: String,
    achieved_on: String,
    reason: String,
    forecast_outlook: String,
    forecast_year: String,
    forecast_reason: String,
}

impl Fields {
    fn read(form: &Form, admin: bool) -> Self {
        Self {
            status: form.text("status"),
            progress: form.text("progress"),
            // Free text keeps its inner line breaks; only the ends are trimmed (by the rule).
            note: form.get("note").unwrap_or("").to_string(),
            kpi_value: form.text("kpi_value"),
            as_of: form.text("as_of"),
            achieved_on: form.text("achieved_on"),
            reason: if admin {
                form.get("reason").unwrap_or("").to_string()
            } else {
                String::new()
            },
            forecast_outlook: form.text("forecast_outlook"),
            forecast_year: form.text("forecast_year"),
            forecast_reason: form.get("forecast_reason").unwrap_or("").to_string(),
        }
    }

    /// The form as it opens: the sub-goal's current state, the date the report speaks for
    /// today, and the forecast it has (so keeping it costs nothing).
    fn current(g: &SubGoal, today: NaiveDate) -> Self {
        let latest = g.latest.as_ref();
        let forecast = latest.and_then(|u| u.forecast.as_ref());
        Self {
            status: g.status.as_str().into(),
            progress: g.progress.to_string(),
            note: String::new(),
            kpi_value: String::new(),
            as_of: today.format("%Y-%m-%d").to_string(),
            achieved_on: String::new(),
            reason: String::new(),
            forecast_outlook: forecast.map_or("", |f| f.outlook.as_str()).into(),
            forecast_year: forecast
                .and_then(|f| f.expected_year)
                .map(|y| y.to_string())
                .unwrap_or_default(),
            forecast_reason: forecast.and_then(|f| f.reason.clone()).unwrap_or_default(),
        }
    }
}

/// A date from a date field (`2026-12-02`) or as typed in Danish (`2.12.2026`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
}

/// The form's fields read into the API's raw progress, or the fields that are not even numbers
/// or dates (in Danish). Every field is checked, so all such errors show at once.
fn raw_progress(f: &Fields, t: &super::i18n::Catalogue) -> Result<RawProgress, Errors> {
    let mut errors = Errors::default();
    let status = match Status::parse(&f.status) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.add("status", t.progress_status_missing);
            None
        }
    };
    let progress = match f.progress.as_str() {
        "" => None,
        p => match p.trim_end_matches('%').trim().parse::<i64>() {
            Ok(v) if (0..=100).contains(&v) => Some(v),
            Ok(_) => {
                errors.add("progress", t.progress_range);
                None
            }
            Err(_) => {
                errors.add("progress", t.progress_not_whole);
                None
            }
        },
    };
    let kpi_value = match f.kpi_value.as_str() {
        "" => None,
        v => match crate::domain::format::parse_number(v) {
            Some(v) => Some(v),
            None => {
                errors.add("kpi_value", t.progress_kpi_not_number);
                None
            }
        },
    };
    let mut date = |field: &'static str, v: &str| match v {
        "" => None,
        v => match parse_date(v) {
            Some(d) => Some(d),
            None => {
                errors.add(field, t.progress_date_unreadable);
                None
            }
        },
    };
    let as_of = date("as_of", &f.as_of);
    let achieved_on = date("achieved_on", &f.achieved_on);
    let outlook = match f.forecast_outlook.as_str() {
        "" => None,
        o => match Outlook::parse(o) {
            Ok(o) => Some(o),
            Err(_) => {
                errors.add("forecast_outlook", t.forecast_outlook_missing);
                None
            }
        },
    };
    let expected_year = match f.forecast_year.as_str() {
        "" => None,
        y => match y.parse::<i64>() {
            Ok(y) => Some(y),
            Err(_) => {
                errors.add("forecast_year", t.forecast_year_range);
                None
            }
        },
    };
    let reason_given = !f.forecast_reason.trim().is_empty();
    if outlook.is_none()
        && f.forecast_outlook.is_empty()
        && (expected_year.is_some() || reason_given)
    {
        // A year or a reason without an outlook would be dropped: say so instead.
        errors.add("forecast_outlook", t.forecast_outlook_missing);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RawProgress {
        status,
        progress,
        note: Some(f.note.clone()),
        kpi_value,
        as_of,
        achieved_on,
        reason: Some(f.reason.clone()),
        forecast: outlook.map(|o| RawForecast {
            outlook: Some(o),
            expected_year,
            reason: Some(f.forecast_reason.clone()),
        }),
    })
}

/// A rule the report broke, said in Danish next to its field. The domain's field names are the
/// API's; the form's fields are named alike (`forecast.outlook` is `forecast_outlook`).
fn field_error(e: &DomainError, f: &Fields, g: &SubGoal, errors: &mut Errors, lang: Lang) {
    let t = lang.t();
    let status = Status::parse(&f.status).ok();
    let long = |s: &str, max: usize| s.trim().chars().count() > max;
    let (field, message): (&'static str, String) = match e.field.as_str() {
        "status" => ("status", t.progress_status_missing.into()),
        "progress" if status == Some(Status::Achieved) => {
            ("progress", t.progress_achieved_100.into())
        }
        "progress" if f.progress.is_empty() => ("progress", t.progress_missing.into()),
        "progress" => ("progress", t.progress_range.into()),
        "as_of" => ("as_of", t.progress_as_of_range.into()),
        "achieved_on" if status != Some(Status::Achieved) => {
            ("achieved_on", t.progress_achieved_on_only.into())
        }
        "achieved_on" => ("achieved_on", t.progress_achieved_on_future.into()),
        "reason" if !long(&f.reason, progress::MAX_REASON_CHARS) && f.reason.trim().is_empty() => {
            ("reason", t.progress_reason_missing.into())
        }
        "reason" => (
            "reason",
            fill(
                t.text_not_stored,
                &[("max", &progress::MAX_REASON_CHARS.to_string())],
            ),
        ),
        "note" => (
            "note",
            fill(
                t.text_not_stored,
                &[("max", &progress::MAX_NOTE_CHARS.to_string())],
            ),
        ),
        "kpi_value" => ("kpi_value", t.progress_kpi_not_number.into()),
        "forecast" => ("forecast_outlook", t.forecast_closed.into()),
        "forecast.outlook" => ("forecast_outlook", t.forecast_outlook_missing.into()),
        "forecast.expected_year" if f.forecast_year.is_empty() => {
            ("forecast_year", t.forecast_year_missing.into())
        }
        "forecast.expected_year"
            if f.forecast_year
                .parse::<i32>()
                .is_ok_and(|y| forecast::YEARS.contains(&y)) =>
        {
            let due = g
                .deadline
                .due_date()
                .map(|d| chrono::Datelike::year(&d).to_string())
                .unwrap_or_default();
            (
                "forecast_year",
                fill(t.forecast_year_contradicts, &[("year", &due)]),
            )
        }
        "forecast.expected_year" => ("forecast_year", t.forecast_year_range.into()),
        "forecast.reason" if f.forecast_reason.trim().is_empty() => {
            ("forecast_reason", t.forecast_reason_missing.into())
        }
        "forecast.reason" => (
            "forecast_reason",
            fill(
                t.text_not_stored,
                &[("max", &forecast::MAX_FORECAST_REASON_CHARS.to_string())],
            ),
        ),
        other => {
            tracing::warn!(field = other, "a progress rule without a Danish message");
            ("status", e.message.clone())
        }
    };
    errors.add(field, message);
}

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// A colleague's update, shown when it was saved while this form was being filled in.
struct TheirUpdate {
    who: String,
    when: String,
    status: String,
    progress: String,
    note: Option<String>,
    kpi: Option<String>,
    forecast: Option<ForecastLine>,
}

#[derive(Template)]
#[template(path = "workspace/report.html")]
struct ReportPage {
    chrome: Chrome,
    csrf: String,
    text: String,
    measure: String,
    deadline: String,
    current_status: String,
    current_progress: String,
    public_href: String,
    version: i32,
    fields: Fields,
    statuses: Vec<Choice>,
    outlooks: Vec<Choice>,
    unit: String,
    admin: bool,
    errors: Errors,
    conflict: Option<TheirUpdate>,
    questions: Vec<QuestionForm>,
    answered: bool,
    /// Set while a round asks for the state at its period's end: that date, in words.
    as_of_note: Option<String>,
}

/// A committee question on the form page, with the form that answers it.
struct QuestionForm {
    id: i32,
    line: QuestionLine,
    action: String,
    /// What was typed, and the error, when an answer was refused.
    text: String,
    error: Option<String>,
}

fn their_update(p: &ProgressRow, g: &SubGoal, lang: Lang) -> TheirUpdate {
    TheirUpdate {
        who: p.reporter.clone(),
        when: crate::clock::local_minute(p.recorded_at),
        status: lang.status(p.status).into(),
        progress: format!("{} %", p.progress),
        note: p.note.clone(),
        kpi: p.kpi_value.map(|v| lang.with_unit(v, &kpi_unit(g))),
        forecast: p.forecast().as_ref().map(|f| ForecastLine::of(f, lang)),
    }
}

/// The person may report on the sub-goal: they administer its plan or belong to an owner of
/// its measure (the store checks again, and the status rules, when writing).
fn may_open(signed: &Signed, ctx: &ReportContext) -> bool {
    let g = &signed.principal.grants;
    g.administers(ctx.plan_id) || g.owns_through(ctx.goal.owners.iter().map(|o| o.id))
}

/// What the form shows besides the sub-goal: the fields, their errors, a colleague's update.
#[derive(Default)]
struct Filled {
    fields: Fields,
    errors: Errors,
    conflict: Option<TheirUpdate>,
    /// An answer that was refused: (question, what was typed, why).
    answer: Option<(i32, String, String)>,
    /// The date the update speaks for by default, when it is not today (an open round).
    as_of_default: Option<NaiveDate>,
}

impl Filled {
    fn with_error(fields: Fields, e: &DomainError, g: &SubGoal, lang: Lang) -> Self {
        let mut errors = Errors::default();
        field_error(e, &fields, g, &mut errors, lang);
        Self {
            fields,
            errors,
            ..Self::default()
        }
    }
}

fn form_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    signed: &Signed,
    ctx: &ReportContext,
    filled: Filled,
) -> Result<HttpResponse, PageError> {
    let Filled {
        fields,
        errors,
        conflict,
        answer,
        as_of_default,
    } = filled;
    let t = lang.t();
    let g = &ctx.goal;
    let admin = signed.principal.grants.administers(ctx.plan_id);
    let flags = SubGoalState::at(g.clone(), today()).flags;
    let shown = Shown::of_status(g.status, flags.not_reported);
    let statuses = Status::ALL
        .iter()
        .filter(|s| admin || **s != Status::Dropped || g.status == Status::Dropped)
        .map(|s| Choice {
            value: s.as_str(),
            label: lang.status(*s),
            selected: fields.status == s.as_str(),
        })
        .collect();
    let mut outlooks = vec![Choice {
        value: "",
        label: t.forecast_none_choice,
        selected: fields.forecast_outlook.is_empty(),
    }];
    outlooks.extend(Outlook::ALL.iter().map(|o| Choice {
        value: o.as_str(),
        label: lang.outlook(*o),
        selected: fields.forecast_outlook == o.as_str(),
    }));
    let bad = !errors.is_empty() || conflict.is_some();
    let answer_error = answer.is_some();
    let page = ReportPage {
        chrome: chrome(
            state,
            req,
            lang,
            fill(t.workspace_report_title, &[("key", &g.key)]),
        )
        .crumb(
            t.workspace_title,
            Some(Chrome::href_for(lang, "/min-side/delmaal")),
        )
        .crumb(format!("{} {}", t.sub_goal, g.key), None),
        csrf: signed.csrf(),
        text: g.text.clone(),

        measure: format!("{}. {}", g.measure_number, ctx.measure_title),
        deadline: lang.deadline(&g.deadline),
        current_status: super::svg::shown_label(shown, lang).into(),
        current_progress: format!("{} %", g.progress),
        public_href: Chrome::href_for(
            lang,
            &format!(
                "/{}/tiltag/{}#delmaal-{}",
                ctx.plan_slug,
                g.measure_number,
                g.key.replace('.', "-")
            ),
        ),
        version: g.version,
        fields,
        statuses,
        outlooks,
        unit: kpi_unit(g),
        admin,
        errors,
        conflict,
        questions: ctx
            .questions
            .iter()
            .map(|q| {
                let refused = answer.as_ref().filter(|(id, ..)| *id == q.id);
                QuestionForm {
                    id: q.id,
                    line: QuestionLine::of(q, lang),
                    action: Chrome::href_for(lang, &format!("/min-side/delmaal/{}/svar", g.id)),
                    text: refused.map(|(_, t, _)| t.clone()).unwrap_or_default(),
                    error: refused.map(|(_, _, e)| e.clone()),
                }
            })
            .collect(),
        answered: web::Query::<AnsweredQuery>::from_query(req.query_string())
            .is_ok_and(|q| q.besvaret == Some(1)),
        as_of_note: as_of_default.map(|d| fill(t.as_of_round, &[("date", &lang.date(d))])),
    };
    let bad = bad || answer_error;
    let mut res = private(page_response(render(&page, lang)?, None));
    if bad {
        *res.status_mut() = if page.conflict.is_some() {
            actix_web::http::StatusCode::CONFLICT
        } else {
            actix_web::http::StatusCode::BAD_REQUEST
        };
    }
    Ok(res)
}

/// The date an update of a sub-goal of `plan_id` speaks for unless the person says otherwise
/// (`domain::round::Round::default_as_of`: the period's end while its round is open after it).
pub(super) async fn default_as_of(state: &AppState, plan_id: i32) -> Result<NaiveDate, PageError> {
    let cfg = state.scheduler.clone();
    let now = crate::clock::now_utc().and_utc();
    run_db(state, move |c| {
        crate::scheduler::default_as_of(c, &cfg, plan_id, now)
    })
    .await
    .map_err(PageError::from)
}

/// What saving came to, kept apart from the store's other errors so the form can answer each.
enum Saved {
    Done,
    Conflict,
    Invalid(DomainError),
    Refused,
}

/// `GET|POST /min-side/delmaal/{id}`
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: String,
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let no_such = || PageError::NotFound(lang, fill(t.no_such_sub_goal, &[("id", &id)]));
    let sub_goal_id: i32 = id.parse().map_err(|_| no_such())?;
    let load = |state: web::Data<AppState>| async move {
        run_db(&state, move |c| store::report_context(c, sub_goal_id)).await
    };
    let ctx = match load(state.clone()).await {
        Ok(c) => c,
        Err(ApiError::NotFound(_)) => return Err(no_such()),
        Err(e) => return Err(PageError::from(e).in_lang(lang)),
    };
    if !may_open(&signed, &ctx) {
        return Err(PageError::Forbidden(lang, t.workspace_forbidden.into()));
    }
    let today = today();
    let as_of = default_as_of(&state, ctx.plan_id)
        .await
        .map_err(|e| e.in_lang(lang))?;
    let round_day = (as_of != today).then_some(as_of);
    let Some(body) = body else {
        let filled = Filled {
            as_of_default: round_day,
            fields: Fields::current(&ctx.goal, as_of),
            ..Filled::default()
        };
        return form_page(&state, &req, lang, &signed, &ctx, filled);
    };
    let form = Form::parse(&req, &body, lang)?;
    form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
    let admin = signed.principal.grants.administers(ctx.plan_id);
    let fields = Fields::read(&form, admin);
    let Ok(version) = form.text("version").parse::<i32>() else {
        return Err(PageError::BadRequest(lang, t.form_incomplete.into()));
    };
    if !admin && (fields.status == Status::Dropped.as_str() || ctx.goal.status == Status::Dropped) {
        // The rule the store applies (`access::may_report`), said before the fields that only
        // administrators see (the reason) could be asked for.
        let mut errors = Errors::default();
        errors.add("status", t.progress_status_refused);
        let filled = Filled {
            fields,
            errors,
            ..Filled::default()
        };
        return form_page(&state, &req, lang, &signed, &ctx, filled);
    }
    let report = match raw_progress(&fields, t) {
        Err(errors) => {
            let filled = Filled {
                fields,
                errors,
                ..Filled::default()
            };
            return form_page(&state, &req, lang, &signed, &ctx, filled);
        }
        Ok(raw) => ProgressReport::parse(
            RawProgress {
                as_of: raw.as_of.or(Some(as_of)),
                ..raw
            },
            today,
        ),
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            let filled = Filled::with_error(fields, &e, &ctx.goal, lang);
            return form_page(&state, &req, lang, &signed, &ctx, filled);
        }
    };
    let who = signed.principal.clone();
    let now = crate::clock::now_utc();
    let saved = run_write(&state, move |c| {
        match store::append_progress(c, sub_goal_id, version, &who, &report, now) {
            Ok(_) => Ok(Saved::Done),
            Err(StoreError::PreconditionFailed { .. }) => Ok(Saved::Conflict),
            Err(StoreError::Invalid(e)) => Ok(Saved::Invalid(e)),
            Err(StoreError::Forbidden(why)) => {
                tracing::info!(reason = %why, "a progress form was refused");
                Ok(Saved::Refused)
            }
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    match saved {
        Saved::Done => Ok(see_other(&Chrome::href_for(
            lang,
            &format!("/min-side/delmaal?gemt={sub_goal_id}"),
        ))),
        Saved::Invalid(e) => {
            let filled = Filled::with_error(fields, &e, &ctx.goal, lang);
            form_page(&state, &req, lang, &signed, &ctx, filled)
        }
        Saved::Refused => {
            let mut errors = Errors::default();
            errors.add("status", t.progress_status_refused);
            let filled = Filled {
                fields,
                errors,
                ..Filled::default()
            };
            form_page(&state, &req, lang, &signed, &ctx, filled)
        }
        Saved::Conflict => {
            // Someone saved after this form was opened: show theirs, keep ours, and let the
            // next save go on top of theirs (the form now carries their version).
            let ctx = load(state.clone())
                .await
                .map_err(|e| PageError::from(e).in_lang(lang))?;
            let theirs = match ctx.latest.as_ref() {
                Some(p) => their_update(p, &ctx.goal, lang),
                // An administrator changed the sub-goal itself (its text or deadline).
                None => TheirUpdate {
                    who: String::new(),
                    when: String::new(),
                    status: lang.status(ctx.goal.status).into(),
                    progress: format!("{} %", ctx.goal.progress),
                    note: None,
                    kpi: None,
                    forecast: None,
                },
            };
            let filled = Filled {
                fields,
                conflict: Some(theirs),
                ..Filled::default()
            };
            form_page(&state, &req, lang, &signed, &ctx, filled)
        }
    }
}

/// `POST /min-side/delmaal/{id}/bekraeft`: "nothing changed since the last status", recorded
/// with who and when; it counts in the round open now, or in the next one.
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: String,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, _form) = match signed_in_form(&req, &state, &body, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let no_such = || PageError::NotFound(lang, fill(t.no_such_sub_goal, &[("id", &id)]));
    let sub_goal_id: i32 = id.parse().map_err(|_| no_such())?;
    let who = signed.principal.clone();
    let now = crate::clock::now_utc();
    match run_write(&state, move |c| {
        store::confirm_unchanged(c, sub_goal_id, &who, now)
    })
    .await
    {
        Ok(()) => Ok(see_other(&Chrome::href_for(
            lang,
            &format!("/min-side/delmaal?bekraeftet={sub_goal_id}"),
        ))),
        Err(ApiError::NotFound(_)) => Err(no_such()),
        Err(ApiError::Forbidden(_)) => {
            Err(PageError::Forbidden(lang, t.workspace_forbidden.into()))
        }
        Err(ApiError::Conflict(_)) => Err(PageError::Conflict(lang, t.confirm_closed.into())),
        Err(e) => Err(PageError::from(e).in_lang(lang)),
    }
}

#[derive(Debug, serde::Deserialize)]
struct AnsweredQuery {
    besvaret: Option<u8>,
}

/// `POST /min-side/delmaal/{id}/svar`: an answer to a committee question on the sub-goal or its
/// measure. Answers are added, never changed; the next UGO status prints them.
pub async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: String,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, form) = match signed_in_form(&req, &state, &body, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let no_such = || PageError::NotFound(lang, fill(t.no_such_sub_goal, &[("id", &id)]));
    let sub_goal_id: i32 = id.parse().map_err(|_| no_such())?;
    let ctx = match run_db(&state, move |c| store::report_context(c, sub_goal_id)).await {
        Ok(c) => c,
        Err(ApiError::NotFound(_)) => return Err(no_such()),
        Err(e) => return Err(PageError::from(e).in_lang(lang)),
    };
    if !may_open(&signed, &ctx) {
        return Err(PageError::Forbidden(lang, t.workspace_forbidden.into()));
    }
    let question: Option<i32> = form.text("question").parse().ok();
    let Some(question) = question.filter(|q| ctx.questions.iter().any(|x| x.id == *q)) else {
        return Err(PageError::BadRequest(lang, t.form_incomplete.into()));
    };
    let text = form.get("text").unwrap_or("").to_string();
    let refused = |why: String| {
        let filled = Filled {
            fields: Fields::current(&ctx.goal, today()),
            answer: Some((question, text.clone(), why)),
            ..Filled::default()
        };
        form_page(&state, &req, lang, &signed, &ctx, filled)
    };
    if text.trim().is_empty() {
        return refused(t.answer_missing.into());
    }
    if text.trim().chars().count() > store::MAX_QUESTION_CHARS {
        return refused(fill(
            t.text_not_stored,
            &[("max", &store::MAX_QUESTION_CHARS.to_string())],
        ));
    }
    let who = signed.principal.clone();
    let now = crate::clock::now_utc();
    let typed = text.clone();
    match run_write(&state, move |c| {
        store::answer_question(c, question, typed, &who, now)
    })
    .await
    {
        Ok(()) => Ok(see_other(&Chrome::href_for(
            lang,
            &format!("/min-side/delmaal/{sub_goal_id}?besvaret=1#spoergsmaal"),
        ))),
        Err(ApiError::Forbidden(_)) => {
            Err(PageError::Forbidden(lang, t.workspace_forbidden.into()))
        }
        Err(ApiError::Unprocessable(_) | ApiError::BadRequest(_)) => refused(fill(
            t.text_not_stored,
            &[("max", &store::MAX_QUESTION_CHARS.to_string())],
        )),
        Err(e) => Err(PageError::from(e).in_lang(lang)),
    }
}

/// A confirmed import's form carries the file (base64) back: the limit of its body.
pub const IMPORT_FORM_LIMIT: usize = progress_import::MAX_BYTES * 3;

struct ImportLine {
    line: usize,
    key: String,
    summary: String,
    update: bool,
}

struct ImportError {
    line: usize,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "workspace/import.html")]
struct ImportPage {
    chrome: Chrome,
    csrf: String,
    plans: Vec<String>,
    plan: String,
    /// The file could not be read at all.
    file_error: Option<String>,
    errors: Vec<ImportError>,
    lines: Vec<ImportLine>,
    updates: usize,
    unchanged: usize,
    /// The preview's confirmation: the file (base64) and the fingerprint of what it changes.
    data: Option<(String, String)>,
    stale: bool,
    export_csv: String,
    export_xlsx: String,
    max_mb: usize,
}

/// The plans the person reports on (their owners' measures), and the one chosen.
async fn import_plans(state: &AppState, signed: &Signed) -> Result<Vec<String>, PageError> {
    let owners = signed.principal.grants.owners.to_vec();
    let grants = signed.principal.grants.clone();
    let plans = run_db(state, move |c| {
        let owned: BTreeSet<String> = store::owned_sub_goals(c, &owners)?
            .into_iter()
            .map(|g| g.plan_slug)
            .collect();
        let mut all: Vec<String> = store::list_plans(c)?
            .into_iter()
            .filter(|p| owned.contains(&p.slug) || grants.administers(p.id))
            .map(|p| p.slug)
            .collect();
        all.dedup();
        Ok(all)
    })
    .await
    .map_err(PageError::from)?;
    Ok(plans)
}

#[allow(clippy::too_many_arguments)]
fn import_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    signed: &Signed,
    plans: Vec<String>,
    plan: String,
    outcome: Option<Result<(ImportOutcome, String), String>>,
) -> Result<HttpResponse, PageError> {
    let t = lang.t();
    let mut page = ImportPage {
        chrome: chrome(state, req, lang, t.import_title.into())
            .crumb(
                t.workspace_title,
                Some(Chrome::href_for(lang, "/min-side/delmaal")),
            )
            .crumb(t.import_title, None),
        csrf: signed.csrf(),
        export_csv: format!("/api/v1/plans/{plan}/export.csv"),
        export_xlsx: format!("/api/v1/plans/{plan}/export.xlsx"),
        plans,
        plan,
        file_error: None,
        errors: Vec::new(),
        lines: Vec::new(),
        updates: 0,
        unchanged: 0,
        data: None,
        stale: false,
        max_mb: progress_import::MAX_BYTES / (1024 * 1024),
    };
    let mut status = actix_web::http::StatusCode::OK;
    match outcome {
        None => {}
        Some(Err(why)) => {
            page.file_error = Some(why);
            status = actix_web::http::StatusCode::BAD_REQUEST;
        }
        Some(Ok((outcome, file))) => {
            let (plan, confirmable) = match outcome {
                ImportOutcome::Invalid(p) => {
                    status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
                    (p, false)
                }
                ImportOutcome::Stale(p) => {
                    page.stale = true;
                    status = actix_web::http::StatusCode::CONFLICT;
                    (p, true)
                }
                ImportOutcome::Preview(p) | ImportOutcome::Written(p) => (p, true),
            };
            page.errors = plan
                .errors
                .iter()
                .map(|e| ImportError {
                    line: e.line,
                    column: e.column.unwrap_or("").to_string(),
                    message: e.message.clone(),
                })
                .collect();
            page.updates = plan.update_count();
            page.unchanged = plan.rows.len() - page.updates;
            page.lines = plan
                .rows
                .iter()
                .map(|r| ImportLine {
                    line: r.line,
                    key: r.key.clone(),
                    summary: r.summary.clone(),
                    update: matches!(r.change, progress_import::Change::Update(_)),
                })
                .collect();
            if confirmable && page.updates > 0 {
                page.data = Some((file, plan.fingerprint()));
            }
        }
    }
    let mut res = private(page_response(render(&page, lang)?, None));
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Debug, serde::Deserialize)]
struct PlanQuery {
    plan: Option<String>,
}

fn chosen_plan(req: &HttpRequest, plans: &[String], asked: Option<String>) -> String {
    let asked = asked.or_else(|| {
        web::Query::<PlanQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.plan.clone())
    });
    asked
        .filter(|p| plans.contains(p))
        .or_else(|| plans.first().cloned())
        .unwrap_or_default()
}

/// `GET /min-side/delmaal/import`: the upload form.
pub async fn import_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let plans = import_plans(&state, &signed)
        .await
        .map_err(|e| e.in_lang(lang))?;
    if plans.is_empty() {
        return Err(PageError::Forbidden(lang, lang.t().import_no_plan.into()));
    }
    let plan = chosen_plan(&req, &plans, None);
    import_page(&state, &req, lang, &signed, plans, plan, None)
}

/// Check the file as `signed` for `plan`, writing it when `mode` says so.
async fn run_import(
    state: &AppState,
    signed: &Signed,
    plan: String,
    file: Vec<u8>,
    mode: ImportMode,
) -> Result<Result<ImportOutcome, String>, PageError> {
    let table = match progress_import::read(&file) {
        Ok(t) => t,
        Err(why) => return Ok(Err(why)),
    };
    let who = signed.principal.clone();
    let (today, now) = (today(), crate::clock::now_utc());
    let cfg = state.scheduler.clone();
    let outcome = run_write(state, move |c| {
        let (plan_id, _) = store::plan_version(c, &plan)?;
        let as_of = crate::scheduler::default_as_of(c, &cfg, plan_id, now.and_utc())?;
        store::import_progress(c, &plan, &table, &who, &mode, (as_of, today), now)
    })
    .await
    .map_err(PageError::from)?;
    Ok(Ok(outcome))
}

/// `POST /min-side/delmaal/import` (multipart/form-data: `csrf`, `plan`, `file`): the preview.
pub async fn import_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    use futures_util::StreamExt;
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let is_multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(PageError::BadRequest(lang, t.import_not_multipart.into()));
    }
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let (mut csrf, mut plan, mut file) = (None, None, None);
    while let Some(field) = parts.next().await {
        let mut field = field
            .map_err(|e| PageError::BadRequest(lang, format!("the upload cannot be read: {e}")))?;
        let name = field.name().unwrap_or("").to_string();
        let limit = if name == "file" {
            progress_import::MAX_BYTES
        } else {
            4096
        };
        let bytes = match field.bytes(limit).await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                return Err(PageError::BadRequest(
                    lang,
                    format!("the upload cannot be read: {e}"),
                ));
            }
            Err(_) => return Err(PageError::TooLarge(lang, t.form_too_large.into())),
        };
        match name.as_str() {
            "csrf" => csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "plan" => plan = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "file" => file = Some(bytes.to_vec()),
            _ => {}
        }
    }
    // The same check as every form: our origin and the session's token.
    if !(super::session::same_origin(&req, &state.auth.cookies)
        && super::session::csrf_ok(signed.secret(), csrf.as_deref()))
    {
        return Err(PageError::Forbidden(lang, t.form_forbidden.into()));
    }
    let plans = import_plans(&state, &signed)
        .await
        .map_err(|e| e.in_lang(lang))?;
    let plan = chosen_plan(&req, &plans, plan);
    let file = file.unwrap_or_default();
    if file.is_empty() {
        return import_page(
            &state,
            &req,
            lang,
            &signed,
            plans,
            plan,
            Some(Err(t.import_no_file.into())),
        );
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&file);
    let outcome = run_import(&state, &signed, plan.clone(), file, ImportMode::DryRun)
        .await
        .map_err(|e| e.in_lang(lang))?
        .map(|o| (o, encoded));
    import_page(&state, &req, lang, &signed, plans, plan, Some(outcome))
}

/// `POST /min-side/delmaal/import/gem`: write what the preview showed, all or nothing.
pub async fn import_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, form) = match signed_in_form(&req, &state, &body, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let plans = import_plans(&state, &signed)
        .await
        .map_err(|e| e.in_lang(lang))?;
    let plan = chosen_plan(&req, &plans, Some(form.text("plan")));
    let Ok(file) = base64::engine::general_purpose::STANDARD.decode(form.text("data")) else {
        return Err(PageError::BadRequest(lang, t.form_incomplete.into()));
    };
    let encoded = form.text("data");
    let mode = ImportMode::Write {
        fingerprint: Some(form.text("fingerprint")),
    };
    match run_import(&state, &signed, plan.clone(), file, mode)
        .await
        .map_err(|e| e.in_lang(lang))?
    {
        Ok(ImportOutcome::Written(p)) => Ok(see_other(&Chrome::href_for(
            lang,
            &format!("/min-side/delmaal?importeret={}", p.update_count()),
        ))),
        other => import_page(
            &state,
            &req,
            lang,
            &signed,
            plans,
            plan,
            Some(other.map(|o| (o, encoded))),
        ),
    }
}
