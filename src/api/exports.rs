//! Exports: XLSX and CSV of all sub-goals, and an iCalendar feed of the deadlines.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, Problem};
use super::{run_db, today};
use crate::db::store;
use crate::export;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only this owner's sub-goals (owner id or exact name).
    pub owner: Option<String>,
}

/// The plan and its export rows, after the read check.
async fn plan_rows(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    owner: Option<&str>,
) -> Result<(store::PlanData, Vec<export::Row>), ApiError> {
    caller
        .require_read_of(state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let s = slug.to_string();
    let (data, _, climate) = run_db(state, move |c| store::load_export(c, &s)).await?;
    let rows = export::rows(&data, &climate, today(), owner)?;
    Ok((data, rows))
}

fn attachment(name: String, content_type: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

/// All sub-goals as an Excel workbook: a sheet of sub-goals (frozen header, filters), a
/// summary per theme and status, and the KPIs by year. Danish headers.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/export.xlsx", tag = "exports",
    params(("slug" = String, Path), ExportQuery),
    responses((status = 200, description = "XLSX workbook",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/export.xlsx")]
pub async fn xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let slug = slug.into_inner();
    let s = slug.clone();
    let (data, indicators, climate) = run_db(&state, move |c| store::load_export(c, &s)).await?;
    let rows = export::rows(&data, &climate, today(), query.owner.as_deref())?;
    let bytes = web::block(move || export::xlsx(&data.plan.title, &rows, &indicators, &climate))
        .await
        .map_err(|e| ApiError::Internal(format!("xlsx task: {e}")))?
        .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
    Ok(attachment(
        format!("klimaspor-{slug}.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

/// All sub-goals as CSV for Danish Excel: UTF-8 with BOM, `;` between fields.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/export.csv", tag = "exports",
    params(("slug" = String, Path), ExportQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = String),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/export.csv")]
pub async fn csv(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let (_, rows) = plan_rows(&state, &caller, &slug, query.owner.as_deref()).await?;
    let bytes = export::csv(&rows).map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    Ok(attachment(
        format!("klimaspor-{slug}.csv"),
        "text/csv; charset=utf-8",
        bytes,
    ))
}

/// The deadlines as an iCalendar feed (RFC 5545): one all-day event per dated sub-goal, with
/// stable UIDs so calendar clients update rather than duplicate.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/deadlines.ics", tag = "exports",
    params(("slug" = String, Path), ExportQuery),
    responses((status = 200, description = "iCalendar", content_type = "text/calendar", body = String),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/deadlines.ics")]
pub async fn ics(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let (data, rows) = plan_rows(&state, &caller, &slug, query.owner.as_deref()).await?;
    // The stamp is the plan's last change, so an unchanged plan gives an unchanged feed.
    let stamp = data.plan.updated_at.and_utc();
    let body = export::ics(&slug, &data.plan.title, &rows, stamp);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"klimaspor-{slug}.ics\""),
        ))
        .body(body))
}
