//! The public web site: server-rendered Danish pages (English on `?lang=en`) on the same
//! server and port as the API, built with askama templates on Det Fælles Designsystem.
//!
//! Every path the API does not claim comes to [`dispatch`], which parses it into a
//! [`route::Route`] (one pass over its segments, no regular expressions) and calls the page's
//! handler. A page handler takes (path segments, query, language) → parses → makes one read-model call
//! (`db::store::load_site` in `web::block`) → builds a typed page struct → renders its
//! template. Pages are cached like the API's views: checked against the plan's data version,
//! answered with an ETag and 304 on revalidation.
//!
//! Files: `route.rs` (which path is which page), `page.rs` (the frame every page shares, errors, headers), `view.rs` (read model →
//! rows the templates print), `svg.rs` (the charts), one file per page family, `assets.rs`
//! (the vendored design system and our CSS), `i18n.rs` (the catalogues).

pub mod assets;
mod embed;
pub mod i18n;
mod kpis;
mod meta;
pub mod oidc;
pub mod page;
mod plan;
mod reports;
pub mod route;
mod search;
pub mod session;
pub mod svg;
mod view;

use actix_web::http::Method;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};

use crate::api::logging::RouteLabel;
use crate::api::{self, AppState};
pub use page::{PageError, Site, not_found_page};
use route::Route;

/// Every request no API route claimed: a page of the site when [`Route::parse`] says so,
/// else the server's 404 / 405 (problem+json under `/api`, a Danish page elsewhere).
///
/// Pages answer `GET` (and `HEAD`, routed as `GET`); another method on a page's path is a 405
/// naming them. The route's template is left in the request for the metrics label.
pub async fn dispatch(req: HttpRequest) -> HttpResponse {
    let path = req.path();
    let Some(route) = (!api::is_api_path(path))
        .then(|| Route::parse(path))
        .flatten()
    else {
        return api::not_found(req).await;
    };
    if req.method() != Method::GET {
        return api::method_not_allowed(&req, &["GET", "HEAD"]);
    }
    req.extensions_mut().insert(RouteLabel(route.template()));
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return PageError::Internal(i18n::Lang::Da, "no application state".into()).error_response();
    };
    let page = match route {
        Route::Home => plan::home(state, req).await,
        Route::Robots => Ok(meta::robots(state).await),
        Route::Sitemap => meta::sitemap(state).await,
        Route::Asset { name } => Ok(assets::asset(req, name).await),
        Route::ThemeCss => Ok(assets::theme_css(req).await),
        Route::Dashboard { plan } => plan::dashboard(state, req, plan).await,
        Route::Theme { plan, code } => plan::theme(state, req, (plan, code)).await,
        Route::Measure { plan, number } => plan::measure(state, req, (plan, number)).await,
        Route::SubGoals { plan } => {
            let query = query(&req);
            plan::sub_goals(state, req, plan, query).await
        }
        Route::Owner { plan, owner } => plan::owner(state, req, (plan, owner)).await,
        Route::Kpis { plan } => kpis::list(state, req, plan).await,
        Route::Kpi { plan, code } => kpis::one(state, req, (plan, code)).await,
        Route::Reports { plan } => reports::list(state, req, plan).await,
        Route::Report { plan, id } => reports::one(state, req, (plan, id)).await,
        Route::ReportPdf { plan, id } => reports::pdf(state, req, (plan, id)).await,
        Route::Search { plan } => {
            let query = query(&req);
            search::search(state, req, plan, query).await
        }
        Route::EmbedOverview { plan } => embed::overview(state, req, plan).await,
        Route::EmbedTheme { plan, code } => embed::theme(state, req, (plan, code)).await,
        Route::EmbedMeasure { plan, number } => embed::measure(state, req, (plan, number)).await,
    };
    page.unwrap_or_else(|e| e.error_response())
}

/// The query string as a page's filter form, with the API's wording for what does not parse.
fn query<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
) -> Result<web::Query<T>, actix_web::Error> {
    web::Query::from_query(req.query_string()).map_err(|e| api::error::query_error(e, req))
}
