//! `/{plan}/indlejr/…`: small widgets for the municipality's own web site, shown in an
//! `<iframe>`. These routes alone may be framed, by the ancestors in
//! `KLIMASPOR_EMBED_ANCESTORS`; links open on this site in a new tab.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::fill;
use super::page::{Chrome, PageError, PlanPage, plan_page};
use super::view::{MeasureRow, PlanView};
use crate::api::AppState;
use crate::db::store::Updates;

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    chrome: Chrome,
    heading: String,
    link: String,
    facts: Vec<(usize, String, &'static str)>,
    measures: Vec<MeasureRow>,
    progress_text: String,
}

/// A widget: a plan page that the configured ancestors may frame.
async fn widget(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    key: String,
    build: impl FnOnce(&AppState, &HttpRequest, &PlanView) -> Result<EmbedPage, PageError> + 'static,
) -> Result<HttpResponse, PageError> {
    let page = PlanPage {
        slug,
        key: format!("embed {key}"),
        updates: Updates::None,
        framing: Some(&state.site.embed_ancestors),
    };
    plan_page(&state, &req, page, build).await
}

pub async fn overview(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
) -> Result<HttpResponse, PageError> {
    widget(state, req, slug, "overview".into(), |st, rq, v| {
        let t = v.lang.t();
        let f = v.facts();
        let mut facts = vec![
            (f.overdue, t.fact_overdue.to_string(), "delayed"),
            (f.at_risk, t.fact_at_risk.to_string(), "at_risk"),
            (f.achieved, t.fact_achieved.to_string(), "achieved"),
        ];
        if let Some(n) = f.changes {
            facts.push((n, t.fact_changes.to_string(), ""));
        }
        Ok(EmbedPage {
            heading: v.snap.plan.title.clone(),
            link: format!("{}{}", st.site.public_url, v.link("")),
            facts,
            measures: vec![],
            progress_text: fill(t.embed_total, &[("n", &f.total.to_string())]),
            chrome: Chrome::for_plan(&st.site, rq, v, v.snap.plan.title.clone()),
        })
    })
    .await
}

pub async fn theme(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, code): (String, String),
) -> Result<HttpResponse, PageError> {
    widget(
        state,
        req,
        slug,
        format!("theme {code}"),
        move |st, rq, v| {
            let t = v.lang.t();
            let Some(th) = v.snap.main_themes().find(|x| x.code == code) else {
                return Err(PageError::NotFound(
                    v.lang,
                    fill(t.no_such_theme, &[("code", &code)]),
                ));
            };
            let goals = v.snap.goals_in_theme(&code).map(|g| (g.status, g.progress));
            let progress = crate::domain::rollup::progress(goals);
            let heading = format!("{} {}", th.code, th.title);
            Ok(EmbedPage {
                link: format!("{}{}", st.site.public_url, v.link(&format!("/tema/{code}"))),
                facts: vec![],
                measures: v
                    .theme_groups(&code)
                    .into_iter()
                    .flat_map(|g| g.measures)
                    .collect(),
                progress_text: fill(
                    t.embed_progress,
                    &[(
                        "p",
                        &progress.map_or_else(|| t.none_value.to_string(), |p| v.lang.percent(p)),
                    )],
                ),
                chrome: Chrome::for_plan(&st.site, rq, v, heading.clone()),
                heading,
            })
        },
    )
    .await
}

pub async fn measure(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, number): (String, String),
) -> Result<HttpResponse, PageError> {
    widget(
        state,
        req,
        slug,
        format!("measure {number}"),
        move |st, rq, v| {
            let t = v.lang.t();
            let Some(m) = number.parse::<i32>().ok().and_then(|n| v.snap.measure(n)) else {
                return Err(PageError::NotFound(
                    v.lang,
                    fill(t.no_such_measure, &[("n", &number)]),
                ));
            };
            let row = v.measure_row(m);
            let heading = format!("{} {}: {}", t.measure, m.number, m.title);
            Ok(EmbedPage {
                link: format!(
                    "{}{}",
                    st.site.public_url,
                    v.link(&format!("/tiltag/{}", m.number))
                ),
                facts: vec![],
                progress_text: fill(t.embed_progress, &[("p", &row.progress_text)]),
                measures: vec![row],
                chrome: Chrome::for_plan(&st.site, rq, v, heading.clone()),
                heading,
            })
        },
    )
    .await
}
