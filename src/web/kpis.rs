//! The KPIs (*nøgletal*): all of them, and one with its yearly values.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, PageKey, cached_page, render, require_public};
use super::view::{KpiCard, PlanView};
use crate::api::AppState;
use crate::clock::today;
use crate::db::store::{self, Updates};

#[derive(Template)]
#[template(path = "kpis.html")]
struct KpisPage {
    chrome: Chrome,
    kpis: Vec<KpiCard>,
}

#[derive(Template)]
#[template(path = "kpi.html")]
struct KpiPage {
    chrome: Chrome,
    kpi: KpiCard,
}

fn chrome(state: &AppState, req: &HttpRequest, v: &PlanView, title: String) -> Chrome {
    Chrome::new(&state.site, req, v.lang, title)
        .in_plan(v.slug(), &v.snap.plan.municipality, &v.snap.plan.title)
        .crumb(v.snap.plan.title.clone(), Some(v.link("")))
        .section("kpis")
}

#[get("/{plan}/noegletal")]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    require_public(&state.site, lang)?;
    let slug = path.into_inner();
    let day = today();
    let (s2, st, rq) = (slug.clone(), state.clone(), req.clone());
    cached_page(
        &state,
        &req,
        PageKey {
            slug: &slug,
            day,
            key: "kpis".into(),
            lang,
            framing: None,
        },
        move |c| store::load_site(c, &s2, day, Updates::None),
        move |d| {
            let v = PlanView::build(d, day, lang)?;
            let t = lang.t();
            let page = KpisPage {
                kpis: v
                    .snap
                    .indicators
                    .iter()
                    .enumerate()
                    .map(|(n, i)| v.kpi_card(i, true, n))
                    .collect(),
                chrome: chrome(&st, &rq, &v, t.nav_kpis.into()).crumb(t.nav_kpis, None),
            };
            render(&page, lang)
        },
    )
    .await
}

#[get("/{plan}/noegletal/{code}")]
pub async fn one(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    require_public(&state.site, lang)?;
    let (slug, code) = path.into_inner();
    let day = today();
    let (s2, st, rq) = (slug.clone(), state.clone(), req.clone());
    cached_page(
        &state,
        &req,
        PageKey {
            slug: &slug,
            day,
            key: format!("kpi {code}"),
            lang,
            framing: None,
        },
        move |c| store::load_site(c, &s2, day, Updates::None),
        move |d| {
            let v = PlanView::build(d, day, lang)?;
            let t = lang.t();
            let Some((n, i)) = v
                .snap
                .indicators
                .iter()
                .enumerate()
                .find(|(_, i)| i.code == code)
            else {
                return Err(PageError::NotFound(
                    lang,
                    fill(t.no_such_kpi, &[("code", &code)]),
                ));
            };
            let kpi = v.kpi_card(i, false, n);
            let page = KpiPage {
                chrome: chrome(&st, &rq, &v, kpi.name.clone())
                    .crumb(t.nav_kpis, Some(v.link("/noegletal")))
                    .crumb(kpi.name.clone(), None),
                kpi,
            };
            render(&page, lang)
        },
    )
    .await
}
