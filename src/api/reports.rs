//! Report previews: the PDF as it would be sent, generated on request and not archived.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, Problem};
use super::run_db;
use crate::db::store;
use crate::domain::Period;
use crate::report::{self, ReportKind};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `2026-H2` for ugo-status; `2026` for green-accounts and council-annual.
    pub period: String,
}

/// A preview of a report as PDF (not archived; the scheduler archives what it sends).
#[utoipa::path(get, path = "/api/v1/plans/{slug}/reports/{kind}.pdf", tag = "reports",
    params(("slug" = String, Path), ("kind" = ReportKind, Path, description = "ugo-status, green-accounts or council-annual"), ReportQuery),
    responses((status = 200, description = "The report", content_type = "application/pdf", body = Vec<u8>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/reports/{kind}.pdf")]
pub async fn preview(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(path.0.clone()))
        .await?;
    let (slug, kind) = path.into_inner();
    let kind = ReportKind::parse(&kind).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no report kind '{kind}'; there are ugo-status, green-accounts and council-annual"
        ))
    })?;
    let period: Period = query
        .period
        .parse()
        .map_err(|e: crate::domain::DomainError| ApiError::BadRequest(e.to_string()))?;
    kind.check_period(period)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let cfg = state.scheduler.clone();
    let history = run_db(&state, move |c| {
        crate::scheduler::report_history(c, &cfg, &slug, kind, period)
    })
    .await?;
    let templates = state.templates.clone();
    let generated = crate::clock::now_utc().and_utc();
    let pdf = web::block(move || {
        let pdf = report::generate(&history, kind, period, templates.get(kind), generated, None)
            .map(|(pdf, _)| pdf);
        drop(history);
        crate::memory::release_freed();
        pdf
    })
    .await
    .map_err(|e| ApiError::Internal(format!("report task: {e}")))??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", kind.file_name(period)),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}
