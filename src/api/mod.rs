//! The REST API under `/api/v1`, plus `/healthz`, `/readyz`, the OpenAPI document and `/docs`.
//!
//! Handlers extract and parse the request, make one store call inside `web::block`
//! (via [`run_db`]) and shape the response. Rules live in `crate::domain`.

pub mod auth;
pub mod cache;
pub mod climate;
pub mod dto;
pub mod error;
pub mod exports;
pub mod health;
pub mod imports;
pub mod indicators;
pub mod json;
pub mod logging;
pub mod metrics;
pub mod owners;
pub mod plans;
pub mod reports;
pub mod runs;
mod state;
pub mod subgoals;

use std::sync::OnceLock;

use actix_web::dev::ResourceDef;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::MAX_BODY_BYTES;
use crate::db::DbConn;
use crate::db::store::StoreResult;
use error::ApiError;
pub use state::{AppState, AuthSettings};

pub use crate::clock::today;

/// Run one store operation on a pooled connection on the blocking thread pool.
pub async fn run_db<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
{
    let pool = state.pool.clone();
    let joined = web::block(move || -> Result<T, ApiError> {
        let mut conn = pool
            .get()
            .map_err(|e| ApiError::Unavailable(format!("connection pool: {e}")))?;
        f(&mut conn).map_err(ApiError::from)
    })
    .await;
    joined.map_err(|e| ApiError::Internal(format!("blocking task: {e}")))?
}

/// Run one store operation that writes. On SQLite it joins the next group commit (see
/// `crate::db::writer`); on PostgreSQL it runs like [`run_db`]. Either way it returns once
/// the write is durable or has failed.
pub async fn run_write<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
{
    match &state.writer {
        Some(writer) => writer
            .write(f)
            .await
            .map_err(ApiError::from)?
            .map_err(ApiError::from),
        None => run_db(state, f).await,
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "klimaspor",
        description = "Climate action plan tracking: measures, sub-goals, deadlines and progress. \
            Every error is application/problem+json (RFC 9457). Writes need \
            'Authorization: Bearer TOKEN' (a token acts on one plan; an operator token on \
            every plan), or, from the site's own pages, the session cookie of a person signed \
            in with the session's CSRF token in 'X-CSRF-Token'. Reads are public unless the \
            server sets KLIMASPOR_PUBLIC_READ=false. Request bodies are limited to 64 KiB."
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::metrics,
        plans::list_plans,
        plans::get_plan,
        plans::list_themes,
        plans::list_measures,
        plans::get_measure,
        plans::list_sub_goals,
        owners::put_measure_owners,
        owners::list_owners,
        owners::create_owner,
        owners::get_owner,
        subgoals::get_sub_goal,
        subgoals::patch_sub_goal,
        subgoals::post_progress,
        subgoals::list_progress,
        subgoals::get_progress,
        imports::import,
        climate::get_climate,
        climate::get_effect,
        climate::put_effect,
        climate::import_emissions,
        climate::put_target,
        climate::delete_target,
        climate::put_shadow_price,
        climate::list_assessments,
        climate::create_assessment,
        indicators::list_indicators,
        indicators::create_indicator,
        indicators::get_indicator,
        indicators::get_value,
        indicators::put_value,
        reports::preview,
        runs::list_runs,
        runs::get_run,
        runs::get_run_pdf,
        runs::create_run,
        runs::schedules,
        exports::xlsx,
        exports::csv,
        exports::ics,
    ),
    components(schemas(error::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "plan", description = "The plan: themes, measures, sub-goals"),
        (name = "progress", description = "Owners report progress"),
        (name = "owners", description = "Who owns which measure"),
        (name = "indicators", description = "KPIs for the green accounts"),
        (name = "climate", description = "Emissions, targets, the manko, measures' effects, shadow prices and climate assessments"),
        (name = "reports", description = "PDF reports: UGO status, green accounts, council"),
        (name = "exports", description = "XLSX, CSV and iCalendar for the tools staff use"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `HEAD` is answered wherever `GET` is (RFC 9110 §9.3.2): the request is routed as a `GET`,
/// and the HTTP layer, which saw the `HEAD`, sends the headers (ETag, Content-Length) without
/// the body. Logs and metrics keep the method the client sent (the logging middleware runs
/// outside this one).
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics)
        // Routes are tried in this order, each dynamic one with a regular expression, for
        // every API request and once more for its metrics label (`match_pattern`): the ones
        // owners and readers call all the time come first. No two templates overlap, so the
        // order changes no answer. The web site's pages are not routes here: whatever no route
        // claims goes to `web::dispatch`, which parses the path by hand.
        .service(
            web::scope("/api/v1")
                .service(plans::list_measures)
                .service(plans::get_measure)
                .service(plans::list_sub_goals)
                .service(subgoals::post_progress)
                .service(imports::import)
                .service(subgoals::get_sub_goal)
                .service(plans::list_plans)
                .service(plans::get_plan)
                .service(plans::list_themes)
                .service(owners::put_measure_owners)
                .service(owners::list_owners)
                .service(owners::create_owner)
                .service(owners::get_owner)
                .service(subgoals::patch_sub_goal)
                .service(subgoals::list_progress)
                .service(subgoals::get_progress)
                .service(climate::get_climate)
                .service(climate::get_effect)
                .service(climate::put_effect)
                .service(climate::import_emissions)
                .service(climate::put_target)
                .service(climate::delete_target)
                .service(climate::put_shadow_price)
                .service(climate::list_assessments)
                .service(climate::create_assessment)
                .service(indicators::list_indicators)
                .service(indicators::create_indicator)
                .service(indicators::get_indicator)
                .service(indicators::get_value)
                .service(indicators::put_value)
                .service(reports::preview)
                .service(runs::list_runs)
                .service(runs::get_run)
                .service(runs::get_run_pdf)
                .service(runs::create_run)
                .service(runs::schedules)
                .service(exports::xlsx)
                .service(exports::csv)
                .service(exports::ics)
                .service(openapi_json),
        )
        // The Swagger UI reads the document from `openapi_json` (one copy per process; given
        // the document itself, every worker would keep its own, about a megabyte each).
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])),
        )
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(crate::web::dispatch));
}

/// 405 for a path that exists with other methods, naming them in `Allow`.
pub fn method_not_allowed(req: &HttpRequest, allowed: &[&str]) -> HttpResponse {
    let mut res = error::problem(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}; allowed: {}",
            req.method(),
            req.path(),
            allowed.join(", ")
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// The OpenAPI document, serialised once per process.
#[actix_web::get("/openapi.json")]
async fn openapi_json() -> Result<HttpResponse, ApiError> {
    static JSON: OnceLock<Result<web::Bytes, String>> = OnceLock::new();
    let json = JSON.get_or_init(|| {
        serde_json::to_vec(&ApiDoc::openapi())
            .map(web::Bytes::from)
            .map_err(|e| e.to_string())
    });
    match json {
        Ok(body) => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(body.clone())),
        Err(e) => Err(ApiError::Internal(format!("OpenAPI document: {e}"))),
    }
}

/// Route templates and their methods, read from the OpenAPI document: the one list of routes.
fn known_routes() -> &'static [(ResourceDef, Vec<&'static str>)] {
    static ROUTES: OnceLock<Vec<(ResourceDef, Vec<&'static str>)>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect()
    })
}

/// Is `path` the API's (answered in problem+json, never a page)?
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// No route matched: 405 with `Allow` when the path exists with other methods, else 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed: Vec<&str> = known_routes()
        .iter()
        .filter(|(def, _)| def.is_match(req.path()))
        .flat_map(|(_, methods)| methods.iter().copied())
        .collect();
    if allowed.is_empty() {
        // Outside the API a person with a browser is asking: a page, not JSON.
        if !is_api_path(req.path()) {
            return crate::web::not_found_page(&req);
        }
        return ApiError::NotFound(format!("no resource at {}", req.path())).error_response();
    }
    method_not_allowed(&req, &allowed)
}
