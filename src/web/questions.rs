//! `/{plan}/rapporter/{id}/spoergsmaal`: the committee's questions on a sent report. Members of
//! the committee (and the plan's administrators) read what was asked and answered, and ask a
//! question or leave a remark on a measure or sub-goal of the report. The owners answer in their
//! workspace; the next UGO status prints each question with its answer.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::account::{form_page, require_signed_in, see_other};
use super::form::{self, Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, render};
use super::plan::QuestionLine;
use crate::api::error::ApiError;
use crate::api::{AppState, run_db, run_write};
use crate::db::store::{self, MAX_QUESTION_CHARS, QuestionAbout};
use crate::domain::access;
use crate::domain::states::RunState;
use crate::report::Snapshot;

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "questions.html")]
struct QuestionsPage {
    chrome: Chrome,
    csrf: String,
    report: String,
    report_href: String,
    questions: Vec<QuestionLine>,
    choices: Vec<Choice>,
    errors: Errors,
    text: String,
    asked: bool,
    max: usize,
}

#[derive(Debug, serde::Deserialize)]
pub struct QuestionsQuery {
    stillet: Option<u8>,
}

/// `GET|POST /{plan}/rapporter/{id}/spoergsmaal`
pub async fn questions(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, id): (String, String),
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let not_found = || PageError::NotFound(lang, fill(t.no_such_report, &[("id", &id)]));
    let run_id: i32 = id.parse().map_err(|_| not_found())?;
    let s = slug.clone();
    let run = run_db(&state, move |c| {
        Ok(store::site_reports(c, &s, Some(run_id))?
            .1
            .into_iter()
            .next())
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?
    .filter(|r| r.state == RunState::Sent)
    .ok_or_else(not_found)?;
    access::may_ask(&signed.principal.grants, run.plan_id)
        .map_err(|_| PageError::Forbidden(lang, t.questions_forbidden.into()))?;
    let snap: Snapshot = run
        .snapshot
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| PageError::Internal(lang, format!("run {run_id}: no snapshot")))?;

    let mut errors = Errors::default();
    let (mut about, mut text) = (String::new(), String::new());
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        about = form.text("about");
        text = form.get("text").unwrap_or("").to_string();
        let parsed = QuestionAbout::parse(&about);
        if parsed.is_none() {
            errors.add("about", t.question_about_missing);
        }
        if text.trim().is_empty() {
            errors.add("text", t.question_text_missing);
        } else if text.trim().chars().count() > MAX_QUESTION_CHARS {
            errors.add(
                "text",
                fill(
                    t.text_not_stored,
                    &[("max", &MAX_QUESTION_CHARS.to_string())],
                ),
            );
        }
        if let (Some(about_what), true) = (parsed, errors.is_empty()) {
            let who = signed.principal.clone();
            let now = crate::clock::now_utc();
            let q = text.clone();
            match run_write(&state, move |c| {
                store::ask_question(c, run_id, &about_what, q, &who, now)
            })
            .await
            {
                Ok(_) => {
                    return Ok(see_other(&Chrome::href_for(
                        lang,
                        &format!("/{slug}/rapporter/{run_id}/spoergsmaal?stillet=1"),
                    )));
                }
                Err(ApiError::NotFound(_)) => errors.add("about", t.question_about_missing),
                Err(ApiError::Unprocessable(_) | ApiError::BadRequest(_)) => errors.add(
                    "text",
                    fill(
                        t.text_not_stored,
                        &[("max", &MAX_QUESTION_CHARS.to_string())],
                    ),
                ),
                Err(e) => return Err(PageError::from(e).in_lang(lang)),
            }
        }
    }
    let plan_id = run.plan_id;
    let asked = run_db(&state, move |c| {
        store::list_questions(c, plan_id, Some(run_id), None, None)
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let mut choices = vec![Choice {
        value: String::new(),
        label: t.question_about_choose.into(),
        selected: about.is_empty(),
    }];
    for m in &snap.measures {
        let v = format!("m:{}", m.number);
        choices.push(Choice {
            selected: about == v,
            value: v,
            label: format!("{} {}. {}", t.measure, m.number, m.title),
        });
        for g in snap
            .sub_goals
            .iter()
            .filter(|g| g.measure_number == m.number)
        {
            let v = format!("sg:{}", g.key);
            let short: String = g.text.chars().take(80).collect();
            choices.push(Choice {
                selected: about == v,
                value: v,
                label: format!("– {} {}: {short}", t.sub_goal, g.key),
            });
        }
    }
    let report = format!(
        "{} – {}",
        state.templates.get(run.kind).title,
        snap.period.label_da()
    );
    let bad = !errors.is_empty();
    let page = QuestionsPage {
        chrome: Chrome::new(&state.site, &req, lang, t.questions_page_title.into())
            .in_plan(&slug, &snap.plan.municipality, &snap.plan.title)
            .section("rapporter")
            .crumb(
                t.nav_reports,
                Some(Chrome::href_for(lang, &format!("/{slug}/rapporter"))),
            )
            .crumb(
                report.clone(),
                Some(Chrome::href_for(
                    lang,
                    &format!("/{slug}/rapporter/{run_id}"),
                )),
            )
            .crumb(t.questions_page_title, None),
        csrf: signed.csrf(),
        report_href: Chrome::href_for(lang, &format!("/{slug}/rapporter/{run_id}")),
        report,
        questions: asked.iter().map(|q| QuestionLine::of(q, lang)).collect(),
        choices,
        errors,
        text,
        asked: query_asked(&req),
        max: MAX_QUESTION_CHARS,
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

fn query_asked(req: &HttpRequest) -> bool {
    web::Query::<QuestionsQuery>::from_query(req.query_string()).is_ok_and(|q| q.stillet == Some(1))
}
