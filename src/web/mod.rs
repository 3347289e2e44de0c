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

mod account;
mod admin;
mod admin_climate;
pub mod assets;
mod climate;
mod embed;
pub mod form;
pub mod i18n;
mod kpis;
mod meta;
pub mod oidc;
pub mod page;
mod plan;
mod questions;
mod reports;
mod round;
pub mod route;
mod search;
pub mod session;
pub mod svg;
mod view;
mod workspace;

use actix_web::http::Method;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};

use crate::api::logging::RouteLabel;
use crate::api::{self, AppState};
pub use page::{PageError, Site, not_found_page};
use route::Route;

/// Every request no API route claimed: a page of the site when [`Route::parse`] says so,
/// else the server's 404 / 405 (problem+json under `/api`, a Danish page elsewhere).
///
/// Pages answer `GET` (and `HEAD`, routed as `GET`), the forms' pages also `POST`
/// ([`Route::methods`]); another method on a page's path is a 405 naming them. The route's
/// template is left in the request for the metrics label.
pub async fn dispatch(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let path = req.path();
    let Some(route) = (!api::is_api_path(path))
        .then(|| Route::parse(path))
        .flatten()
    else {
        return api::not_found(req).await;
    };
    let methods = route.methods();
    let post = req.method() == Method::POST;
    let allowed = if post {
        methods.contains(&"POST")
    } else {
        req.method() == Method::GET && methods.contains(&"GET")
    };
    if !allowed {
        return api::method_not_allowed(&req, methods);
    }
    req.extensions_mut().insert(RouteLabel(route.template()));
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return PageError::Internal(i18n::Lang::Da, "no application state".into()).error_response();
    };
    // The upload's body is read by its handler (a multipart stream); every other body here is
    // read whole, within the API's limit, or the import's when it carries a file to confirm.
    if post && route == Route::MySubGoalsImport {
        return workspace::import_upload(state, req, payload)
            .await
            .unwrap_or_else(|e| e.error_response());
    }
    let limit = if route == Route::MySubGoalsImportSave {
        workspace::IMPORT_FORM_LIMIT
    } else {
        crate::config::MAX_BODY_BYTES
    };
    let body = match payload.to_bytes_limited(limit).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            let lang = i18n::Lang::from_query(req.query_string());
            return PageError::TooLarge(lang, lang.t().form_too_large.into()).error_response();
        }
        Err(e) => {
            let lang = i18n::Lang::from_query(req.query_string());
            return PageError::BadRequest(lang, format!("the form could not be read: {e}"))
                .error_response();
        }
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
        Route::ReportQuestions { plan, id } => {
            questions::questions(state, req, (plan, id), post.then_some(body)).await
        }
        Route::Climate { plan } => climate::page(state, req, plan).await,
        Route::ClimateAssessmentNew { plan } => {
            climate::assessment_form(state, req, plan, post.then_some(body)).await
        }
        Route::Search { plan } => {
            let query = query(&req);
            search::search(state, req, plan, query).await
        }
        Route::EmbedOverview { plan } => embed::overview(state, req, plan).await,
        Route::EmbedTheme { plan, code } => embed::theme(state, req, (plan, code)).await,
        Route::EmbedMeasure { plan, number } => embed::measure(state, req, (plan, number)).await,
        Route::SignIn if post => account::signin_submit(state, req, body).await,
        Route::SignIn => account::signin_form(state, req).await,
        Route::SignInSent => account::signin_sent(state, req).await,
        Route::SignInLink if post => account::link_submit(state, req, body).await,
        Route::SignInLink => {
            let query = query(&req);
            account::link_form(state, req, query).await
        }
        Route::OidcStart => account::oidc_start(state, req).await,
        Route::OidcReturn => {
            let query = query(&req);
            account::oidc_return(state, req, query).await
        }
        Route::SignOut if post => account::signout_submit(state, req, body, false).await,
        Route::SignOut => account::signout_form(state, req).await,
        Route::SignOutEverywhere => account::signout_submit(state, req, body, true).await,
        Route::MyPage => account::my_page(state, req).await,
        Route::MySubGoals => {
            let query = query(&req);
            workspace::list(state, req, query).await
        }
        Route::MySubGoal { id } => workspace::report(state, req, id, post.then_some(body)).await,
        Route::MySubGoalConfirm { id } => workspace::confirm(state, req, id, body).await,
        Route::MySubGoalAnswer { id } => workspace::answer(state, req, id, body).await,
        Route::MySubGoalsImport => workspace::import_form(state, req).await,
        Route::MySubGoalsImportSave => workspace::import_save(state, req, body).await,
        Route::Admin => admin::home(state, req).await,
        Route::AdminPeople { plan } => admin::people(state, req, plan, post.then_some(body)).await,
        Route::AdminPerson { plan, id } => {
            admin::person(state, req, (plan, id), post.then_some(body)).await
        }
        Route::AdminOwnership { plan } => {
            admin::ownership(state, req, plan, post.then_some(body)).await
        }
        Route::AdminTokens { plan } => admin::tokens(state, req, plan, post.then_some(body)).await,
        Route::AdminTokenRevoke { plan, id } => admin::revoke(state, req, (plan, id), body).await,
        Route::AdminAudit { plan } => admin::audit(state, req, plan).await,
        Route::AdminRound { plan } => {
            round::admin_round(state, req, plan, post.then_some(body)).await
        }
        Route::AdminClimate { plan } => {
            admin_climate::page(state, req, plan, post.then_some(body)).await
        }
        Route::AdminClimateEffect { plan, number } => {
            admin_climate::effect(state, req, (plan, number), post.then_some(body)).await
        }
    };
    page.unwrap_or_else(|e| e.error_response())
}

/// The query string as a page's filter form, with the API's wording for what does not parse.
fn query<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
) -> Result<web::Query<T>, actix_web::Error> {
    web::Query::from_query(req.query_string()).map_err(|e| api::error::query_error(e, req))
}
