//! Progress for many sub-goals at once: a CSV or XLSX file with the export's columns
//! (`progress_import`). All rows are written in one transaction, or none.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Authenticated;
use super::error::{ApiError, Problem};
use super::{run_write, today};
use crate::db::store::{self, ImportMode, ImportOutcome};
use crate::progress_import::{self, Change, ImportPlan, MAX_BYTES, RowError};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check the file and say what would change; write nothing.
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowView {
    /// The row's number in the spreadsheet (the header is row 1).
    pub line: usize,
    pub key: String,
    /// `update` or `unchanged`.
    pub change: &'static str,
    /// What changes, in Danish: "I risiko, 40 % (før: Ikke startet, 0 %)".
    pub summary: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorView {
    pub line: usize,
    /// The column at fault, by the export's name.
    pub column: Option<String>,
    /// Why, in Danish.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub dry_run: bool,
    /// Progress updates written (0 on a dry run).
    pub written: usize,
    /// Updates the file makes (what a dry run would write).
    pub updates: usize,
    pub unchanged: usize,
    pub rows: Vec<ImportRowView>,
}

/// A problem+json with the invalid rows as an `errors` member (RFC 9457 extension); empty
/// when the file as a whole cannot be read (the reason is then the `detail`, in Danish).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<ImportErrorView>,
}

/// 422 with the rows at fault (none when the file as a whole cannot be read).
pub(super) fn problem(detail: String, errors: Vec<ImportErrorView>) -> HttpResponse {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(ImportProblem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("").into(),
            status: status.as_u16(),
            detail,
            errors,
        })
}

/// 422 naming every row of the file at fault, with its column and reason; nothing was written.
pub(super) fn rows_refused(errors: &[RowError]) -> HttpResponse {
    problem(
        format!(
            "{} row(s) of the file break a rule; nothing was written",
            errors.len()
        ),
        errors
            .iter()
            .map(|e| ImportErrorView {
                line: e.line,
                column: e.column.map(String::from),
                message: e.message.clone(),
            })
            .collect(),
    )
}

/// The spreadsheet a client sent: its media type checked, at most [`MAX_BYTES`] read.
pub(super) async fn spreadsheet(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<web::Bytes, ApiError> {
    check_type(req)?;
    payload
        .to_bytes_limited(MAX_BYTES)
        .await
        .map_err(|_| {
            ApiError::PayloadTooLarge(format!("the file is larger than {MAX_BYTES} bytes"))
        })?
        .map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))
}

fn rows(plan: &ImportPlan) -> Vec<ImportRowView> {
    plan.rows
        .iter()
        .map(|r| ImportRowView {
            line: r.line,
            key: r.key.clone(),
            change: match r.change {
                Change::Update(_) => "update",
                Change::Unchanged => "unchanged",
            },
            summary: r.summary.clone(),
        })
        .collect()
}

/// The body's media type must be one a spreadsheet is sent as.
fn check_type(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/csv"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/octet-stream" => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType(
            "send the file as text/csv or as application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        )),
    }
}

/// Progress for many sub-goals from a CSV or XLSX file with the columns of `export.csv` /
/// `export.xlsx` (Nr., Status, Fremdrift (%), Seneste bemærkning, and optionally Målt værdi,
/// Prognose, Forventet år, Prognosens begrundelse; other columns are ignored). A row that says
/// what the sub-goal says already is unchanged. Invalid rows: 422 with each row's line and
/// reason (Danish) in `errors`, nothing written. Otherwise every update is written in one
/// transaction, each an ordinary progress update by the caller. Files up to 2 MiB.
#[utoipa::path(post, path = "/api/v1/plans/{slug}/progress-import", tag = "progress",
    params(("slug" = String, Path), ImportQuery),
    request_body(content = Vec<u8>, description = "The CSV or XLSX file",
                 content_type = "text/csv"),
    security(("bearer" = [])),
    responses((status = 200, body = ImportResult),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = ImportProblem, content_type = "application/problem+json")))]
#[post("/plans/{slug}/progress-import")]
pub async fn import(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = spreadsheet(&req, payload).await?;
    let table = match progress_import::read(&bytes) {
        Ok(t) => t,
        Err(why) => return Ok(problem(why, Vec::new())),
    };
    let dry_run = query.dry_run.unwrap_or(false);
    let mode = if dry_run {
        ImportMode::DryRun
    } else {
        ImportMode::Write { fingerprint: None }
    };
    let who = caller.0;
    let slug = slug.into_inner();
    let (today, now) = (today(), crate::clock::now_utc());
    let cfg = state.scheduler.clone();
    let outcome = run_write(&state, move |c| {
        let (plan_id, _) = store::plan_version(c, &slug)?;
        // The same default date as the workspace's form (the period's end in an open round).
        let as_of = crate::scheduler::default_as_of(c, &cfg, plan_id, now.and_utc())?;
        store::import_progress(c, &slug, &table, &who, &mode, (as_of, today), now)
    })
    .await?;
    let ok = |plan: &ImportPlan, written: usize| ImportResult {
        dry_run,
        written,
        updates: plan.update_count(),
        unchanged: plan.rows.len() - plan.update_count(),
        rows: rows(plan),
    };
    Ok(match outcome {
        ImportOutcome::Invalid(plan) => rows_refused(&plan.errors),
        ImportOutcome::Preview(plan) | ImportOutcome::Stale(plan) => {
            HttpResponse::Ok().json(ok(&plan, 0))
        }
        ImportOutcome::Written(plan) => {
            let n = plan.update_count();
            HttpResponse::Ok().json(ok(&plan, n))
        }
    })
}
