//! `/{plan}/rapporter`: every report that went out, from the archive — the PDF as sent with its
//! SHA-256, and each as an HTML page built from the same archived snapshot and template (the
//! accessible version of the PDF).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use chrono::NaiveDate;

use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, page_response, render, require_reader};
use super::view::{GoalRow, KpiCard, PlanView};
use crate::api::{AppState, run_db};
use crate::clock::{TIME_ZONE, today};
use crate::db::runs::{self, RunRow};
use crate::db::store;
use crate::domain::Period;
use crate::report::chart::Shown;
use crate::report::snapshot::{Changes, KeyFacts};
use crate::report::template::Sections;
use crate::report::{ReportInput, ReportKind, Snapshot};

fn lang_of(req: &HttpRequest) -> Lang {
    Lang::from_query(req.query_string())
}

struct RunLine {
    title: String,
    period: String,
    date: String,
    sha256: String,
    pdf: String,
    html: String,
}

#[derive(askama::Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    chrome: Chrome,
    runs: Vec<RunLine>,
}

fn kind_title(kind: ReportKind, lang: Lang) -> &'static str {
    let t = lang.t();
    match kind {
        ReportKind::UgoStatus => t.report_ugo,
        ReportKind::GreenAccounts => t.report_green,
        ReportKind::CouncilAnnual => t.report_council,
    }
}

fn sent_on(r: &RunRow) -> Option<NaiveDate> {
    r.sent_at
        .or(r.generated_at)
        .map(|t| t.and_utc().with_timezone(&TIME_ZONE).date_naive())
}

fn period_of(r: &RunRow) -> String {
    r.period
        .parse::<Period>()
        .map_or_else(|_| r.period.clone(), |p| p.label_da())
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, Some(&slug), lang).await?;
    let s2 = slug.clone();
    let (plan, runs) = run_db(&state, move |c| store::site_reports(c, &s2, None))
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    let t = lang.t();
    let chrome = Chrome::new(&state.site, &req, lang, t.nav_reports.into())
        .in_plan(&plan.slug, &plan.municipality, &plan.title)
        .section("reports");
    let chrome = chrome
        .crumb(
            plan.title.clone(),
            Some(Chrome::href_for(lang, &format!("/{slug}"))),
        )
        .crumb(t.nav_reports, None);
    let runs = runs
        .iter()
        .map(|r| RunLine {
            title: kind_title(r.kind, lang).to_string(),
            period: period_of(r),
            date: sent_on(r).map_or_else(String::new, |d| lang.date(d)),
            sha256: r.pdf_sha256.clone().unwrap_or_default(),
            pdf: format!("/{slug}/rapporter/{}/pdf", r.id),
            html: chrome.plan_href(&format!("/rapporter/{}", r.id)),
        })
        .collect();
    let page = ReportsPage { chrome, runs };
    Ok(page_response(render(&page, lang)?, None))
}

/// The PDF exactly as it was sent.
pub async fn pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, id): (String, String),
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, Some(&slug), lang).await?;
    let run = find_run(&state, lang, slug, &id).await?;
    let bytes = run
        .pdf_base64
        .as_deref()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b))
        .transpose()
        .map_err(|e| PageError::Internal(lang, format!("run {}: archived PDF: {e}", run.id)))?
        .ok_or_else(|| PageError::NotFound(lang, lang.t().report_no_pdf.into()))?;
    let period = run
        .period
        .parse::<Period>()
        .map_err(|e| PageError::Internal(lang, e.message))?;
    let mut res = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", run.kind.file_name(period)),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(bytes);
    super::page::secure(&mut res, None);
    Ok(res)
}

async fn find_run(
    state: &AppState,
    lang: Lang,
    slug: String,
    id: &str,
) -> Result<RunRow, PageError> {
    let t = lang.t();
    let not_found = || PageError::NotFound(lang, fill(t.no_such_report, &[("id", id)]));
    let id: i32 = id.parse().map_err(|_| not_found())?;
    let (_, runs) = run_db(state, move |c| store::site_reports(c, &slug, Some(id)))
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    runs.into_iter().next().ok_or_else(not_found)
}

/// A section of a report as HTML: its heading and whichever of these it has.
struct Block {
    heading: String,
    lines: Vec<String>,
    goals: Vec<GoalRow>,
    table: Option<(Vec<String>, Vec<Vec<String>>)>,
    kpis: Vec<KpiCard>,
    empty: Option<String>,
}

impl Block {
    fn new(heading: String) -> Self {
        Self {
            heading,
            lines: vec![],
            goals: vec![],
            table: None,
            kpis: vec![],
            empty: None,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    title: String,
    subtitle: String,
    intro: String,
    facts: Vec<(usize, String)>,
    blocks: Vec<Block>,
    sha256: String,
    pdf: String,
    date: String,
    /// The committee's page for questions on this report (sent reports only).
    questions: Option<String>,
}

pub async fn one(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, id): (String, String),
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, Some(&slug), lang).await?;
    let not_found = || PageError::NotFound(lang, fill(lang.t().no_such_report, &[("id", &id)]));
    let run_id: i32 = id.parse().map_err(|_| not_found())?;
    // One read: the run, and for a UGO status what it was compared with — the previous
    // status as archived, or (when that was not archived) the history to rebuild it from, as
    // the PDF did (`report::generate`).
    let s2 = slug.clone();
    let found = run_db(&state, move |c| {
        let Some(run) = store::site_reports(c, &s2, Some(run_id))?
            .1
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let previous = (run.kind == ReportKind::UgoStatus)
            .then(|| run.period.parse::<Period>().ok().map(|p| p.previous()))
            .flatten();
        let compared = match previous {
            Some(p) => match runs::archived_snapshot(
                c,
                run.plan_id,
                ReportKind::UgoStatus.slug(),
                &p.to_string(),
            )? {
                Some(json) => (Some(json), None),
                None => (None, Some(store::load_history(c, &s2, &[p.end()])?)),
            },
            None => (None, None),
        };
        Ok(Some((run, compared)))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let (run, (archived, history)) = found.ok_or_else(not_found)?;
    let internal = |m: String| PageError::Internal(lang, m);
    let json = run
        .snapshot
        .clone()
        .ok_or_else(|| PageError::NotFound(lang, lang.t().report_no_pdf.into()))?;
    let snap: Snapshot = serde_json::from_str(&json)
        .map_err(|e| internal(format!("run {}: snapshot: {e}", run.id)))?;
    let previous: Option<Snapshot> = match (archived, history) {
        (Some(json), _) => Some(
            serde_json::from_str(&json).map_err(|e| internal(format!("previous snapshot: {e}")))?,
        ),
        (None, Some(h)) => {
            Some(Snapshot::build(&h, snap.period.previous()).map_err(|e| internal(e.to_string()))?)
        }
        (None, None) => None,
    };
    let template = state.templates.get(run.kind);
    let generated = run.generated_at.unwrap_or(run.created_at).and_utc();
    let vars = crate::report::vars(&ReportInput {
        kind: run.kind,
        snapshot: &snap,
        previous: previous.as_ref(),
        template,
        generated,
    });
    let fill_vars = |s: &str| crate::report::template::fill(s, &vars);
    let changes = previous.as_ref().map(|p| Changes::between(p, &snap));
    let facts = if run.kind == ReportKind::UgoStatus {
        KeyFacts::of(&snap, changes.as_ref())
            .page_one()
            .into_iter()
            .map(|(n, key)| (n, template.label(key).to_string()))
            .collect()
    } else {
        Vec::new()
    };
    let view = PlanView::of_snapshot(snap, Lang::Da, today());
    let sections: Vec<&str> = match &template.sections {
        Sections::Ugo(s) => s.iter().map(|x| x.as_str()).collect(),
        Sections::Green(s) => s.iter().map(|x| x.as_str()).collect(),
        Sections::Council(s) => s.iter().map(|x| x.as_str()).collect(),
    };
    let blocks = sections
        .iter()
        .enumerate()
        .map(|(n, s)| block(&view, template, changes.as_ref(), s, n + 1))
        .collect();
    let title = fill_vars(&template.title);
    let chrome = Chrome::new(&state.site, &req, lang, title.clone())
        .in_plan(&slug, &view.snap.plan.municipality, &view.snap.plan.title)
        .section("reports");
    let chrome = chrome
        .crumb(
            view.snap.plan.title.clone(),
            Some(Chrome::href_for(lang, &format!("/{slug}"))),
        )
        .crumb(
            lang.t().nav_reports,
            Some(Chrome::href_for(lang, &format!("/{slug}/rapporter"))),
        )
        .crumb(format!("{} {}", title, view.snap.period.label_da()), None);
    let page = ReportPage {
        title,
        subtitle: fill_vars(&template.subtitle),
        intro: fill_vars(&template.intro),
        facts,
        blocks,
        sha256: run.pdf_sha256.clone().unwrap_or_default(),
        pdf: format!("/{slug}/rapporter/{}/pdf", run.id),
        date: sent_on(&run).map_or_else(String::new, |d| lang.date(d)),
        questions: (run.state == crate::domain::states::RunState::Sent)
            .then(|| Chrome::href_for(lang, &format!("/{slug}/rapporter/{}/spoergsmaal", run.id))),
        chrome,
    };
    Ok(page_response(render(&page, lang)?, None))
}

/// One section of the report, in the order and with the headings of its template.
fn block(
    v: &PlanView,
    t: &crate::report::Template,
    changes: Option<&Changes>,
    section: &str,
    n: usize,
) -> Block {
    let s = &v.snap;
    let c = v.lang.t();
    let mut b = Block::new(format!("{n}. {}", t.label(section)));
    let year = s.period.year();
    match section {
        "summary" | "progress" => {
            let head = vec![c.th_status.to_string(), c.th_count.to_string()];
            let rows = Shown::ALL
                .iter()
                .map(|sh| {
                    vec![
                        sh.label().to_string(),
                        s.sub_goals
                            .iter()
                            .filter(|g| Shown::of(g) == *sh)
                            .count()
                            .to_string(),
                    ]
                })
                .collect();
            b.table = Some((head, rows));
        }
        "changes" => {
            if let Some(ch) = changes {
                for (k, from, to) in &ch.status_changes {
                    b.lines
                        .push(format!("{k}: {} → {}", from.label_da(), to.label_da()));
                }
                for k in &ch.newly_overdue {
                    b.lines.push(format!("{k}: {}", t.label("fact_overdue")));
                }
                for (k, from, to) in &ch.moved_deadlines {
                    b.lines
                        .push(format!("{k}: {} → {}", from.label_da(), to.label_da()));
                }
                for k in &ch.dropped {
                    b.lines.push(format!(
                        "{k}: {}",
                        crate::domain::Status::Dropped.label_da()
                    ));
                }
                for k in &ch.new_goals {
                    b.lines.push(format!("{k}: {}", t.label("new_goals")));
                }
            }
            if changes.is_none() {
                b.empty = Some(t.label("no_previous").to_string());
            } else if b.lines.is_empty() {
                b.empty = Some(t.label("none_changes").to_string());
            }
        }
        "themes" => {
            let head = vec![
                c.th_theme.to_string(),
                c.th_count.to_string(),
                c.th_progress.to_string(),
            ];
            let rows = s
                .main_themes()
                .map(|th| {
                    let goals: Vec<_> = s.goals_in_theme(&th.code).collect();
                    let p = crate::domain::rollup::progress(
                        goals.iter().map(|g| (g.status, g.progress)),
                    );
                    vec![
                        format!("{} {}", th.code, th.title),
                        goals.len().to_string(),
                        p.map_or_else(|| "–".into(), crate::domain::format::percent),
                    ]
                })
                .collect();
            b.table = Some((head, rows));
        }
        "overdue" | "missed" => {
            b.goals = s.overdue().into_iter().map(|g| v.goal_row(g)).collect();
            if b.goals.is_empty() {
                b.empty = Some(t.label("none_overdue").to_string());
            }
        }
        "upcoming" => {
            b.goals = s
                .due_within_12_months()
                .into_iter()
                .map(|g| v.goal_row(g))
                .collect();
            if b.goals.is_empty() {
                b.empty = Some(t.label("none_upcoming").to_string());
            }
        }
        "achieved" => {
            b.goals = s
                .sub_goals
                .iter()
                .filter(|g| {
                    g.status == crate::domain::Status::Achieved
                        && g.achieved_on
                            .is_none_or(|d| chrono::Datelike::year(&d) == year)
                })
                .map(|g| v.goal_row(g))
                .collect();
        }
        "overview" | "kpis" | "charts" => {
            b.kpis = s
                .indicators
                .iter()
                .enumerate()
                .map(|(n, i)| v.kpi_card(i, section != "charts", 100 + n))
                .collect();
        }
        "questions" => {
            b.lines = s
                .questions
                .iter()
                .map(|q| {
                    let about = q.sub_goal_key.as_ref().map_or_else(
                        || format!("Tiltag {}", q.measure_number),
                        |k| format!("Delmål {k}"),
                    );
                    let answer = q.answers.last().map_or_else(
                        || t.label("question_unanswered").to_string(),
                        |a| format!("{} {}: {}", t.label("question_answer"), a.by, a.text),
                    );
                    format!(
                        "{about} – {} {}: {} {answer}",
                        t.label("question_asked_by"),
                        q.asked_by,
                        q.text
                    )
                })
                .collect();
            if b.lines.is_empty() {
                b.empty = Some(t.label("none_questions").to_string());
            }
        }
        "revisions" => {
            b.lines = s
                .revisions
                .iter()
                .map(|r| {
                    format!(
                        "{} {}: {} ({})",
                        crate::domain::format::date_long(r.changed_on),
                        r.key,
                        r.reason,
                        r.changed_by
                    )
                })
                .collect();
        }
        _ => {}
    }
    b
}
