//! The KPIs (*nøgletal*): all of them, and one with its yearly values.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::fill;
use super::page::{Chrome, PageError, PlanPage, plan_page};
use super::view::{KpiCard, PlanView};
use crate::api::AppState;
use crate::db::store::Updates;

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
    Chrome::for_plan(&state.site, req, v, title).section("kpis")
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
) -> Result<HttpResponse, PageError> {
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: "kpis".into(),
            updates: Updates::None,
            framing: None,
        },
        move |st, rq, v| {
            let lang = v.lang;
            let t = lang.t();
            let page = KpisPage {
                kpis: v
                    .snap
                    .indicators
                    .iter()
                    .enumerate()
                    .map(|(n, i)| v.kpi_card(i, true, n))
                    .collect(),
                chrome: chrome(st, rq, v, t.nav_kpis.into()).crumb(t.nav_kpis, None),
            };
            Ok(page)
        },
    )
    .await
}

pub async fn one(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, code): (String, String),
) -> Result<HttpResponse, PageError> {
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("kpi {code}"),
            updates: Updates::None,
            framing: None,
        },
        move |st, rq, v| {
            let lang = v.lang;
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
                chrome: chrome(st, rq, v, kpi.name.clone())
                    .crumb(t.nav_kpis, Some(v.link("/noegletal")))
                    .crumb(kpi.name.clone(), None),
                kpi,
            };
            Ok(page)
        },
    )
    .await
}
