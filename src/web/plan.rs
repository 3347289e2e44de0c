//! The plan's pages: the list of plans, the dashboard, a theme, a measure, all sub-goals (with
//! the API's filters as a form) and a responsible department.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, PlanPage, page_response, plan_page, render, require_reader};
use super::svg;
use super::view::{GoalRow, KpiCard, Link, MeasureRow, PlanView, RoleGroup, YearRow, role_title};
use crate::api::{AppState, run_db};
use crate::db::store::{self, Updates};
use crate::domain::plan_doc::MeasureRole;
use crate::report::chart::{Shown, StatusChart};

fn lang_of(req: &HttpRequest) -> Lang {
    Lang::from_query(req.query_string())
}

/// The frame of a plan's page.
fn chrome(state: &AppState, req: &HttpRequest, v: &PlanView, title: String) -> Chrome {
    Chrome::for_plan(&state.site, req, v, title)
}

/// The `<iframe>` snippet for a widget at `/{plan}/indlejr{rest}`.
fn embed_snippet(state: &AppState, v: &PlanView, rest: &str, title: &str, height: u32) -> String {
    format!(
        r#"<iframe src="{}/{}/indlejr{rest}" title="{}" width="100%" height="{height}" loading="lazy"></iframe>"#,
        state.site.public_url,
        v.slug(),
        svg::esc(title)
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    plans: Vec<Link>,
}

/// `/`: the plans on this server; with one plan, that plan.
pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, None, lang).await?;
    let plans = run_db(&state, store::list_plans)
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    let chrome = Chrome::new(&state.site, &req, lang, lang.t().home_title.to_string());
    if let [only] = plans.as_slice() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", chrome.href(&format!("/{}", only.slug))))
            .finish());
    }
    let plans = plans
        .iter()
        .map(|p| Link {
            label: format!("{} – {}", p.municipality, p.title),
            href: chrome.href(&format!("/{}", p.slug)),
        })
        .collect();
    let page = HomePage { chrome, plans };
    Ok(page_response(render(&page, lang)?, None))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    facts: Vec<Fact>,
    facts_note: String,
    last_update: String,
    chart: String,
    themes: Vec<ThemeRow>,
    years: Vec<YearRow>,
    kpis: Vec<KpiCard>,
    changes: Vec<String>,
    /// The first overdue sub-goals (by deadline); all of them are one link away.
    overdue: Vec<GoalRow>,
    overdue_all: Link,
    latest: Vec<LatestNote>,
    climate: Vec<String>,
    climate_chart: Option<String>,
    /// The nearest target's manko beside the measures' effects.
    manko_chart: Option<String>,
    climate_href: String,
}

/// Progress notes listed on the dashboard.
const DASHBOARD_NOTES: usize = 5;

/// Overdue sub-goals listed on the dashboard itself.
const DASHBOARD_OVERDUE: usize = 10;

/// One of the newest progress reports, on the dashboard.
pub struct LatestNote {
    pub when: String,
    pub who: String,
    pub goal: String,
    pub href: String,
    pub status: String,
    pub note: String,
}

pub struct Fact {
    pub n: usize,
    pub label: String,
    pub class: &'static str,
    pub href: String,
}

pub struct ThemeRow {
    pub code: String,
    pub title: String,
    pub href: String,
    /// (count, label) per status with at least one.
    pub counts: Vec<(usize, String)>,
    pub total: usize,
    pub progress_text: String,
}

/// `/{plan}`: what is late, at risk, reached and changed; progress per theme; the deadlines
/// ahead; the KPIs.
pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
) -> Result<HttpResponse, PageError> {
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: "dashboard".into(),
            updates: Updates::NewestNotes(DASHBOARD_NOTES as i64),
            framing: None,
        },
        move |st, rq, v| Ok(dashboard_page(st, rq, v)),
    )
    .await
}

fn dashboard_page(state: &AppState, req: &HttpRequest, v: &PlanView) -> DashboardPage {
    let t = v.lang.t();
    let f = v.facts();
    let mut facts = vec![
        Fact {
            n: f.overdue,
            label: t.fact_overdue.into(),
            class: "delayed",
            href: v.link("/delmaal?forsinket=ja"),
        },
        Fact {
            n: f.at_risk,
            label: t.fact_at_risk.into(),
            class: "at_risk",
            href: v.link("/delmaal?status=at_risk"),
        },
        Fact {
            n: f.achieved,
            label: t.fact_achieved.into(),
            class: "achieved",
            href: v.link("/delmaal?status=achieved"),
        },
    ];
    if let Some(n) = f.changes {
        facts.push(Fact {
            n,
            label: t.fact_changes.into(),
            class: "",
            href: "#changes".into(),
        });
    }
    facts.push(Fact {
        n: f.not_reported,
        label: t.fact_not_reported.into(),
        class: "",
        href: v.link("/delmaal?status=not_reported"),
    });
    let facts_note = match v.previous {
        Some(p) => fill(
            t.facts_note_since,
            &[
                ("period", &period_label(p, v.lang)),
                ("total", &f.total.to_string()),
            ],
        ),
        None => fill(t.facts_note_first, &[("total", &f.total.to_string())]),
    };
    let chart_model = StatusChart::of(&v.snap);
    let themes = chart_model
        .bars
        .iter()
        .map(|b| {
            let goals = v
                .snap
                .goals_in_theme(&b.code)
                .map(|g| (g.status, g.progress));
            ThemeRow {
                code: b.code.clone(),
                title: b.label.clone(),
                href: v.link(&format!("/tema/{}", b.code)),
                counts: b
                    .counts
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(s, n)| (*n, svg::shown_label(*s, v.lang).to_string()))
                    .collect(),
                total: b.total,
                progress_text: crate::domain::rollup::progress(goals)
                    .map_or_else(|| t.none_value.to_string(), |p| v.lang.percent(p)),
            }
        })
        .collect();
    let changes = v
        .changes
        .as_ref()
        .map_or_else(Vec::new, |c| change_lines(c, v));
    let mut chrome = chrome(state, req, v, v.snap.plan.title.clone()).section("dashboard");
    if let Some(c) = chrome.crumbs.last_mut() {
        c.href = None;
    }
    chrome.embed = Some(embed_snippet(
        state,
        v,
        "/overblik",
        &v.snap.plan.title,
        360,
    ));
    DashboardPage {
        climate: super::climate::dashboard_lines(v),
        climate_chart: v
            .snap
            .climate
            .as_ref()
            .and_then(|c| crate::report::chart::EmissionsChart::of(&c.overview))
            .map(|c| svg::emissions_chart(&c, v.lang, "dash-emissions")),
        manko_chart: v
            .snap
            .climate
            .as_ref()
            .and_then(|c| {
                c.overview
                    .targets
                    .iter()
                    .find_map(crate::report::chart::MankoChart::of)
            })
            .map(|c| svg::manko_chart(&c, v.lang, "dash-manko")),
        climate_href: v.link("/klima"),
        facts,
        facts_note,
        last_update: v
            .last_update()
            .map_or_else(|| t.never_reported.to_string(), |d| v.lang.date(d)),
        chart: svg::status_chart(&chart_model, v.lang, "status"),
        themes,
        years: v.deadline_years(),
        kpis: v
            .snap
            .indicators
            .iter()
            .enumerate()
            .map(|(n, i)| v.kpi_card(i, true, n))
            .collect(),
        changes,
        overdue: {
            let mut late = v.snap.overdue();
            late.sort_by_key(|g| g.due_date());
            late.into_iter()
                .take(DASHBOARD_OVERDUE)
                .map(|g| v.goal_row(g))
                .collect()
        },
        overdue_all: Link {
            label: fill(t.overdue_all, &[("n", &f.overdue.to_string())]),
            href: v.link("/delmaal?forsinket=ja&sorter=frist"),
        },
        latest: v
            .updates
            .iter()
            .filter(|(_, u)| u.note.is_some())
            .take(DASHBOARD_NOTES)
            .filter_map(|(k, u)| {
                let g = v.snap.goal(k)?;
                Some(LatestNote {
                    when: v.lang.date(u.as_of),
                    who: u.reporter.clone(),
                    goal: format!("{} {k}", t.sub_goal),
                    href: format!(
                        "{}#delmaal-{}",
                        v.link(&format!("/tiltag/{}", g.measure_number)),
                        k.replace('.', "-")
                    ),
                    status: v.lang.status(u.status).to_string(),
                    note: u.note.clone().unwrap_or_default(),
                })
            })
            .collect(),
        chrome,
    }
}

pub fn period_label(p: crate::domain::Period, lang: Lang) -> String {
    match (lang, p) {
        (Lang::Da, p) => p.label_da(),
        (Lang::En, crate::domain::Period::Half { year, half }) => {
            format!(
                "{} half of {year}",
                if half == 1 { "first" } else { "second" }
            )
        }
        (Lang::En, p) => p.year().to_string(),
    }
}

fn change_lines(c: &crate::report::Changes, v: &PlanView) -> Vec<String> {
    let lang = v.lang;
    let t = lang.t();
    let mut out = Vec::new();
    for (k, from, to) in &c.status_changes {
        out.push(fill(
            t.change_status,
            &[
                ("key", k),
                ("from", lang.status(*from)),
                ("to", lang.status(*to)),
            ],
        ));
    }
    for k in &c.newly_overdue {
        out.push(fill(t.change_overdue, &[("key", k)]));
    }
    for (k, from, to) in &c.moved_deadlines {
        out.push(fill(
            t.change_deadline,
            &[
                ("key", k),
                ("from", &lang.deadline(from)),
                ("to", &lang.deadline(to)),
            ],
        ));
    }
    for k in &c.dropped {
        out.push(fill(t.change_dropped, &[("key", k)]));
    }
    for k in &c.new_goals {
        out.push(fill(t.change_new, &[("key", k)]));
    }
    out
}

#[derive(Template)]
#[template(path = "theme.html")]
struct ThemePage {
    chrome: Chrome,
    title: String,
    notes: Option<String>,
    groups: Vec<RoleGroup>,
    sub_themes: Vec<String>,
}

/// `/{plan}/tema/{code}`: a main theme's measures by role.
pub async fn theme(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, code): (String, String),
) -> Result<HttpResponse, PageError> {
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("theme {code}"),
            updates: Updates::None,
            framing: None,
        },
        move |st, rq, v| {
            let lang = v.lang;
            let notes = v.theme_notes(&code);
            let Some(th) = v.snap.main_themes().find(|t| t.code == code) else {
                return Err(PageError::NotFound(
                    lang,
                    fill(lang.t().no_such_theme, &[("code", &code)]),
                ));
            };
            let title = format!("{} {}", th.code, th.title);
            let mut chrome = chrome(st, rq, v, title.clone())
                .section("themes")
                .crumb(title.clone(), None);
            chrome.embed = Some(embed_snippet(st, v, &format!("/tema/{code}"), &title, 300));
            let page = ThemePage {
                sub_themes: v
                    .snap
                    .themes
                    .iter()
                    .filter(|t| t.parent_code.as_deref() == Some(code.as_str()))
                    .map(|t| format!("{} {}", t.code, t.title))
                    .collect(),
                groups: v.theme_groups(&code),
                title,
                notes,
                chrome,
            };
            Ok(page)
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "measure.html")]
struct MeasurePage {
    chrome: Chrome,
    measure: MeasureRow,
    role: String,
    theme: Link,
    owners: Vec<Link>,
    notes: Option<String>,
    assessment: Option<String>,
    goals: Vec<GoalDetail>,
    comments: Vec<CommentView>,
    questions: Vec<QuestionLine>,
    revisions: Vec<RevisionView>,
    kpis: Vec<KpiCard>,
    effect: super::climate::EffectBlock,
    climate_href: String,
}

/// A committee question as the public measure page shows it.
pub(super) struct QuestionLine {
    pub about: String,
    pub text: String,
    pub asked: String,
    pub answers: Vec<(String, String)>,
}

impl QuestionLine {
    pub fn of(q: &crate::db::store::QuestionView, lang: Lang) -> Self {
        let t = lang.t();
        let when = |at: chrono::NaiveDateTime| lang.date(crate::clock::to_local(at).date_naive());
        Self {
            about: match &q.sub_goal_key {
                Some(k) => format!("{} {k}", t.sub_goal),
                None => format!("{} {}", t.measure, q.measure_number),
            },
            text: q.text.clone(),
            asked: format!("{} {}, {}", t.question_asked_by, q.by, when(q.at)),
            answers: q
                .answers
                .iter()
                .map(|a| {
                    (
                        format!("{} {}, {}", t.question_answer_by, a.by, when(a.at)),
                        a.text.clone(),
                    )
                })
                .collect(),
        }
    }
}

struct GoalDetail {
    row: GoalRow,
    target: Option<String>,
    /// The sub-goal's own climate effect estimate, when it has one.
    effect: Option<String>,
    /// The climate assessments recorded as its evidence (sub-goal 1.1).
    evidence: Option<String>,
    history: Vec<UpdateView>,
}

struct UpdateView {
    when: String,
    who: String,
    what: String,
    note: Option<String>,
}

struct CommentView {
    body: String,
    text: String,
    answer: Option<String>,
}

struct RevisionView {
    when: String,
    key: String,
    what: String,
    reason: String,
    by: String,
}

/// `/{plan}/tiltag/{number}`: a measure with everything said about it.
pub async fn measure(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, number): (String, String),
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, Some(&slug), lang).await?;
    let Ok(number) = number.parse::<i32>() else {
        return Err(PageError::NotFound(
            lang,
            fill(lang.t().no_such_measure, &[("n", &number)]),
        ));
    };
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("measure {number}"),
            updates: Updates::OfMeasure(number),
            framing: None,
        },
        move |st, rq, v| {
            let page = measure_page(st, rq, v, number)?;
            Ok(page)
        },
    )
    .await
}

fn measure_page(
    state: &AppState,
    req: &HttpRequest,
    v: &PlanView,
    number: i32,
) -> Result<MeasurePage, PageError> {
    let lang = v.lang;
    let t = lang.t();
    let Some(m) = v.snap.measure(number) else {
        return Err(PageError::NotFound(
            lang,
            fill(t.no_such_measure, &[("n", &number.to_string())]),
        ));
    };
    let main = v.snap.main_theme_of(&m.theme_code).to_string();
    let theme_title = v
        .snap
        .themes
        .iter()
        .find(|th| th.code == main)
        .map_or_else(String::new, |th| th.title.clone());
    let title = format!("{} {}: {}", t.measure, m.number, m.title);
    let mut chrome = chrome(state, req, v, title.clone())
        .section("themes")
        .crumb(
            format!("{main} {theme_title}"),
            Some(v.link(&format!("/tema/{main}"))),
        )
        .crumb(format!("{} {}", t.measure, m.number), None);
    chrome.embed = Some(embed_snippet(
        state,
        v,
        &format!("/tiltag/{number}"),
        &title,
        260,
    ));
    let goals = v
        .snap
        .sub_goals
        .iter()
        .filter(|g| g.measure_number == number)
        .map(|g| GoalDetail {
            effect: super::climate::sub_goal_effect(v, number, &g.key),
            evidence: super::climate::evidence_for(v, &g.key),
            row: v.goal_row(g),
            target: g.target.as_ref().map(|tg| {
                let mut s = format!(
                    "{}: {}",
                    tg.metric,
                    tg.target_value
                        .map_or_else(String::new, |x| lang.with_unit(x, &tg.unit))
                );
                if let (Some(by), Some(bv)) = (tg.baseline_year, tg.baseline_value) {
                    s.push_str(&format!(
                        " ({} {by}: {})",
                        t.kpi_baseline,
                        lang.with_unit(bv, &tg.unit)
                    ));
                }
                s
            }),
            history: v
                .updates
                .iter()
                .filter(|(k, _)| *k == g.key)
                .map(|(_, u)| UpdateView {
                    when: lang.date(u.as_of),
                    who: u.reporter.clone(),
                    what: format!(
                        "{}, {} %{}",
                        lang.status(u.status),
                        u.progress,
                        u.kpi_value.map_or_else(String::new, |k| format!(
                            ", {} {}",
                            t.kpi_value,
                            lang.number(k, 2)
                        ))
                    ),
                    note: u.note.clone(),
                })
                .collect(),
        })
        .collect();
    let (notes, assessment) = v
        .measure_notes
        .iter()
        .find(|(n, _, _)| *n == number)
        .map_or((None, None), |(_, a, b)| (a.clone(), b.clone()));
    let keys: Vec<&str> = v
        .snap
        .sub_goals
        .iter()
        .filter(|g| g.measure_number == number)
        .map(|g| g.key.as_str())
        .collect();
    Ok(MeasurePage {
        effect: super::climate::measure_effect_block(v, number),
        climate_href: v.link("/klima"),
        measure: v.measure_row(m),
        role: role_title(m.role, lang).to_string(),
        theme: Link {
            label: format!("{main} {theme_title}"),
            href: v.link(&format!("/tema/{main}")),
        },
        owners: v
            .owners_of(number)
            .into_iter()
            .map(|o| Link {
                label: o.name.clone(),
                href: v.link(&format!("/ansvarlig/{}", o.id)),
            })
            .collect(),
        notes,
        assessment,
        goals,
        comments: v
            .comments
            .iter()
            .filter(|(n, _)| *n == Some(number))
            .map(|(_, c)| CommentView {
                body: c.body.clone(),
                text: c.text.clone(),
                answer: c.answer.clone(),
            })
            .collect(),
        questions: v
            .questions
            .iter()
            .map(|q| QuestionLine::of(q, lang))
            .collect(),
        revisions: v
            .snap
            .revisions
            .iter()
            .filter(|r| keys.contains(&r.key.as_str()))
            .map(|r| {
                let mut what = Vec::new();
                if let (Some(a), Some(b)) = (&r.old_text, &r.new_text)
                    && a != b
                {
                    what.push(format!("{} «{a}» → «{b}»", t.rev_text));
                } else if let (None, Some(b)) = (&r.old_text, &r.new_text) {
                    what.push(format!("{} «{b}»", t.rev_text));
                }
                if let (Some(a), Some(b)) = (&r.old_deadline, &r.new_deadline)
                    && a != b
                {
                    what.push(format!(
                        "{} {} → {}",
                        t.rev_deadline,
                        lang.deadline(a),
                        lang.deadline(b)
                    ));
                }
                RevisionView {
                    when: lang.date(r.changed_on),
                    key: r.key.clone(),
                    what: if what.is_empty() {
                        rev_kind(r.kind, lang).to_string()
                    } else {
                        format!("{}: {}", rev_kind(r.kind, lang), what.join("; "))
                    },
                    reason: r.reason.clone(),
                    by: r.changed_by.clone(),
                }
            })
            .collect(),
        kpis: v
            .snap
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, i)| i.sub_goal.as_deref().is_some_and(|k| keys.contains(&k)))
            .map(|(n, i)| v.kpi_card(i, true, n))
            .collect(),
        chrome,
    })
}

fn rev_kind(k: crate::domain::states::ChangeKind, lang: Lang) -> &'static str {
    use crate::domain::states::ChangeKind::*;
    let t = lang.t();
    match k {
        Changed => t.rev_changed,
        Added => t.rev_added,
        Dropped => t.rev_dropped,
        Edited => t.rev_edited,
        Imported => t.rev_imported,
    }
}

/// The filters of `/{plan}/delmaal`, as the form sends them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GoalFilter {
    #[serde(default)]
    tema: String,
    #[serde(default)]
    rolle: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    aar: String,
    #[serde(default)]
    forsinket: String,
    #[serde(default)]
    ansvarlig: String,
    #[serde(default)]
    sorter: String,
}

/// The filters parsed: an unknown value is a 400 page naming the field.
struct Filter {
    theme: Option<String>,
    role: Option<MeasureRole>,
    status: Option<Shown>,
    year: Option<i32>,
    overdue: bool,
    owner: Option<i32>,
    by_deadline: bool,
}

impl GoalFilter {
    fn parse(&self, v: &PlanView) -> Result<Filter, PageError> {
        let lang = v.lang;
        let t = lang.t();
        let bad = |field: &str, value: &str| {
            PageError::BadRequest(
                lang,
                fill(t.filter_bad, &[("field", field), ("value", value)]),
            )
        };
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let theme_code = opt(&self.tema);
        if let Some(th) = &theme_code
            && !v.snap.main_themes().any(|x| &x.code == th)
        {
            return Err(bad(t.filter_theme, th));
        }
        let role = opt(&self.rolle)
            .map(|r| MeasureRole::parse(&r).map_err(|_| bad(t.filter_role, &r)))
            .transpose()?;
        let status = opt(&self.status)
            .map(|s| {
                Shown::ALL
                    .into_iter()
                    .find(|x| x.key() == s)
                    .ok_or_else(|| bad(t.filter_status, &s))
            })
            .transpose()?;
        let year = opt(&self.aar)
            .map(|y| {
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| bad(t.filter_year, &y))
            })
            .transpose()?;
        let overdue = match self.forsinket.trim() {
            "" | "nej" => false,
            "ja" => true,
            other => return Err(bad(t.filter_overdue, other)),
        };
        let owner_id = opt(&self.ansvarlig)
            .map(|o| {
                o.parse::<i32>()
                    .ok()
                    .filter(|id| v.owners.iter().any(|x| x.id == *id))
                    .ok_or_else(|| bad(t.filter_owner, &o))
            })
            .transpose()?;
        let by_deadline = match self.sorter.trim() {
            "" | "plan" => false,
            "frist" => true,
            other => return Err(bad(t.filter_sort, other)),
        };
        Ok(Filter {
            theme: theme_code,
            role,
            status,
            year,
            overdue,
            owner: owner_id,
            by_deadline,
        })
    }
}

#[derive(Template)]
#[template(path = "sub_goals.html")]
struct SubGoalsPage {
    chrome: Chrome,
    goals: Vec<GoalRow>,
    count_text: String,
    themes: Vec<Choice>,
    roles: Vec<Choice>,
    statuses: Vec<Choice>,
    years: Vec<Choice>,
    owners: Vec<Choice>,
    overdue: bool,
    by_deadline: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// `/{plan}/delmaal`: every sub-goal, filtered by the form's query.
pub async fn sub_goals(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    query: Result<web::Query<GoalFilter>, actix_web::Error>,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, Some(&slug), lang).await?;
    let q = query
        .map_err(|e| PageError::BadRequest(lang, e.to_string()))?
        .into_inner();
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("sub-goals {q:?}"),
            updates: Updates::None,
            framing: None,
        },
        move |st, rq, v| {
            let lang = v.lang;
            let f = q.parse(v)?;
            let t = lang.t();
            let mut goals: Vec<_> = v
                .snap
                .sub_goals
                .iter()
                .filter(|g| {
                    let m = v.snap.measure(g.measure_number);
                    f.theme.as_ref().is_none_or(|th| {
                        m.is_some_and(|m| v.snap.main_theme_of(&m.theme_code) == th)
                    }) && f.role.is_none_or(|r| m.is_some_and(|m| m.role == r))
                        && f.status.is_none_or(|s| Shown::of(g) == s)
                        && f.year.is_none_or(|y| g.deadline.year() == Some(y))
                        && (!f.overdue || g.flags.overdue)
                        && f.owner
                            .is_none_or(|o| v.measure_owners.contains(&(g.measure_number, o)))
                })
                .collect();
            if f.by_deadline {
                goals.sort_by_key(|g| (g.due_date().is_none(), g.due_date()));
            }
            let mut years: Vec<i32> = v
                .snap
                .sub_goals
                .iter()
                .filter_map(|g| g.deadline.year())
                .collect();
            years.sort();
            years.dedup();
            let any = |label: &str| Choice {
                value: String::new(),
                label: label.into(),
                selected: false,
            };
            let page = SubGoalsPage {
                count_text: fill(
                    t.goals_count,
                    &[
                        ("n", &goals.len().to_string()),
                        ("total", &v.snap.sub_goals.len().to_string()),
                    ],
                ),
                goals: goals.into_iter().map(|g| v.goal_row(g)).collect(),
                themes: std::iter::once(any(t.filter_all))
                    .chain(v.snap.main_themes().map(|th| Choice {
                        selected: f.theme.as_ref() == Some(&th.code),
                        value: th.code.clone(),
                        label: format!("{} {}", th.code, th.title),
                    }))
                    .collect(),
                roles: std::iter::once(any(t.filter_all))
                    .chain(
                        [
                            MeasureRole::Own,
                            MeasureRole::Together,
                            MeasureRole::CoOwner,
                        ]
                        .into_iter()
                        .map(|r| Choice {
                            selected: f.role == Some(r),
                            value: r.as_str().into(),
                            label: role_title(r, lang).into(),
                        }),
                    )
                    .collect(),
                statuses: std::iter::once(any(t.filter_all))
                    .chain(Shown::ALL.into_iter().map(|s| Choice {
                        selected: f.status == Some(s),
                        value: s.key().into(),
                        label: svg::shown_label(s, lang).into(),
                    }))
                    .collect(),
                years: std::iter::once(any(t.filter_all))
                    .chain(years.into_iter().map(|y| Choice {
                        selected: f.year == Some(y),
                        value: y.to_string(),
                        label: y.to_string(),
                    }))
                    .collect(),
                owners: std::iter::once(any(t.filter_all))
                    .chain(v.owners.iter().map(|o| Choice {
                        selected: f.owner == Some(o.id),
                        value: o.id.to_string(),
                        label: o.name.clone(),
                    }))
                    .collect(),
                overdue: f.overdue,
                by_deadline: f.by_deadline,
                chrome: chrome(st, rq, v, t.nav_sub_goals.into())
                    .section("sub_goals")
                    .crumb(t.nav_sub_goals, None),
            };
            Ok(page)
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "owner.html")]
struct OwnerPage {
    chrome: Chrome,
    name: String,
    email: Option<String>,
    last_report: String,
    overdue: Vec<GoalRow>,
    measures: Vec<MeasureRow>,
}

/// `/{plan}/ansvarlig/{owner}`: a responsible department's measures and sub-goals.
pub async fn owner(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, owner): (String, String),
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    require_reader(&state, &req, Some(&slug), lang).await?;
    let not_found = || PageError::NotFound(lang, fill(lang.t().no_such_owner, &[("id", &owner)]));
    let Ok(id) = owner.parse::<i32>() else {
        return Err(not_found());
    };
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("owner {id}"),
            updates: Updates::None,
            framing: None,
        },
        move |st, rq, v| {
            let lang = v.lang;
            let t = lang.t();
            let Some(o) = v.owners.iter().find(|o| o.id == id) else {
                return Err(PageError::NotFound(
                    lang,
                    fill(t.no_such_owner, &[("id", &id.to_string())]),
                ));
            };
            let measures = v.measures_of_owner(id);
            let numbers: Vec<i32> = measures.iter().map(|m| m.number).collect();
            let goals: Vec<_> = v
                .snap
                .sub_goals
                .iter()
                .filter(|g| numbers.contains(&g.measure_number))
                .collect();
            let page = OwnerPage {
                name: o.name.clone(),
                email: o.email.clone(),
                last_report: goals
                    .iter()
                    .filter_map(|g| g.last_update)
                    .max()
                    .map_or_else(|| t.never_reported.to_string(), |d| lang.date(d)),
                overdue: goals
                    .iter()
                    .filter(|g| g.flags.overdue)
                    .map(|g| v.goal_row(g))
                    .collect(),
                measures: measures.into_iter().map(|m| v.measure_row(m)).collect(),
                chrome: chrome(st, rq, v, o.name.clone()).crumb(o.name.clone(), None),
            };
            Ok(page)
        },
    )
    .await
}
