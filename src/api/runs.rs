//! Report runs (what the scheduler made and sent) and the schedules.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::{Admin, Caller};
use super::error::{ApiError, Problem};
use super::json::Body;
use super::run_db;
use crate::clock::TIME_ZONE;
use crate::db::runs::{self, RunFilter, RunWithPlan};
use crate::db::store;
use crate::domain::schedule::period_covered;
use crate::domain::states::RunState;
use crate::domain::{DomainError, Period};
use crate::report::ReportKind;

#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: i32,
    pub plan: String,
    pub kind: ReportKind,
    pub period: String,
    pub revision: i32,
    /// pending, generating, queued, sent or failed.
    pub state: RunState,
    /// Made after its due time had passed (the service was down).
    pub catch_up: bool,
    pub due_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: i32,
    pub last_error: Option<String>,
    pub pdf_sha256: Option<String>,
    pub recipients: Vec<String>,
    pub message_id: Option<String>,
    pub generated_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The archived PDF, once generated.
    pub pdf_url: Option<String>,
}

fn view((r, plan): &RunWithPlan) -> RunView {
    RunView {
        id: r.id,
        plan: plan.clone(),
        kind: r.kind,
        period: r.period.clone(),
        revision: r.revision,
        state: r.state,
        catch_up: r.catch_up,
        due_at: r.due_at.and_utc(),
        attempts: r.attempts,
        last_error: r.last_error.clone(),
        pdf_sha256: r.pdf_sha256.clone(),
        recipients: r
            .recipients
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        message_id: r.message_id.clone(),
        generated_at: r.generated_at.map(|t| t.and_utc()),
        sent_at: r.sent_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        pdf_url: r
            .pdf_sha256
            .as_ref()
            .map(|_| format!("/api/v1/report-runs/{}/pdf", r.id)),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    pub plan: Option<String>,
    pub kind: Option<String>,
    pub period: Option<String>,
    pub state: Option<String>,
}

/// Report runs, newest first.
#[utoipa::path(get, path = "/api/v1/report-runs", tag = "reports", params(RunQuery),
    responses((status = 200, body = Vec<RunView>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/report-runs")]
pub async fn list_runs(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RunQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_read(&state)?;
    let q = query.into_inner();
    let kind = q
        .kind
        .map(|k| {
            ReportKind::parse(&k).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "kind: unknown report kind '{k}'; expected ugo-status, green-accounts or council-annual"
                ))
            })
        })
        .transpose()?;
    let run_state = q
        .state
        .map(|s| RunState::parse(&s).map_err(|e| ApiError::BadRequest(e.to_string())))
        .transpose()?;
    let filter = RunFilter {
        plan: q.plan,
        kind,
        period: q.period,
        state: run_state,
    };
    let mut rows = run_db(&state, move |c| runs::list_runs(c, &filter)).await?;
    rows.retain(|(r, _)| caller.sees_plan(&state, r.plan_id));
    Ok(HttpResponse::Ok().json(rows.iter().map(view).collect::<Vec<_>>()))
}

/// One run: state, attempts, timestamps, SHA-256, recipients, catch-up flag, last error.
#[utoipa::path(get, path = "/api/v1/report-runs/{id}", tag = "reports", params(("id" = i32, Path)),
    responses((status = 200, body = RunView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/report-runs/{id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Run(*id))
        .await?;
    let id = id.into_inner();
    let row = run_db(&state, move |c| runs::get_run(c, id)).await?;
    Ok(HttpResponse::Ok().json(view(&row)))
}

/// The archived PDF of a run, exactly as sent.
#[utoipa::path(get, path = "/api/v1/report-runs/{id}/pdf", tag = "reports", params(("id" = i32, Path)),
    responses((status = 200, description = "The archived PDF", content_type = "application/pdf", body = Vec<u8>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/report-runs/{id}/pdf")]
pub async fn get_run_pdf(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Run(*id))
        .await?;
    let id = id.into_inner();
    let (run, _) = run_db(&state, move |c| runs::get_run(c, id)).await?;
    let b64 = run.pdf_base64.ok_or_else(|| {
        ApiError::NotFound(format!(
            "report run {id} has no PDF yet (state {})",
            run.state
        ))
    })?;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| ApiError::Internal(format!("archived PDF of run {id}: {e}")))?;
    let name = match run.period.parse::<Period>() {
        Ok(p) => run.kind.file_name(p),
        Err(_) => format!("klimaspor-run-{id}.pdf"),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((
            header::ETAG,
            format!("\"{}\"", run.pdf_sha256.unwrap_or_default()),
        ))
        .body(pdf))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRunBody {
    pub plan: String,
    /// ugo-status, green-accounts or council-annual.
    pub kind: String,
    /// 2026-H1 for ugo-status, 2026 for the annual reports.
    pub period: String,
    /// Make and send a new revision when the period has a run already.
    #[serde(default)]
    pub new_revision: bool,
}

/// Generate and send a report now (admin). Answers with the run; its `state` moves on to
/// `sent` or `failed`. A period that has a run already is a 409 with a link to it, unless
/// `new_revision` is true.
#[utoipa::path(post, path = "/api/v1/report-runs", tag = "reports", request_body = NewRunBody,
    security(("bearer" = [])),
    responses((status = 201, body = RunView, headers(("Location" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/report-runs")]
pub async fn create_run(
    state: web::Data<AppState>,
    Admin(who): Admin,
    body: Body<NewRunBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner()?;
    let kind = ReportKind::parse(&b.kind).ok_or_else(|| {
        DomainError::new(
            "kind",
            format!(
                "'{}' is not ugo-status, green-accounts or council-annual",
                b.kind
            ),
        )
    })?;
    let period: Period = b.period.parse()?;
    kind.check_period(period)?;
    let recipients = state.scheduler.recipients_for(kind).join(", ");
    let now = crate::clock::now_utc();
    let row = run_db(&state, move |c| {
        let period = period.to_string();
        let request = runs::RunRequest {
            plan_slug: &b.plan,
            kind: kind.slug(),
            period: &period,
            new_revision: b.new_revision,
            recipients: &recipients,
        };
        runs::request_run(c, &request, &who, now)
    })
    .await?;
    state.wake.notify_one();
    let v = view(&row);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/report-runs/{}", v.id)))
        .json(v))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    pub kind: ReportKind,
    /// Cron, seconds first, read in Europe/Copenhagen.
    pub cron: String,
    pub next_firing: Option<DateTime<Utc>>,
    /// The same instant in Copenhagen time.
    pub next_firing_local: Option<String>,
    /// The period the next firing reports on.
    pub next_period: Option<String>,
    pub recipients: Vec<String>,
}

/// Each report kind's schedule and next firing.
#[utoipa::path(get, path = "/api/v1/schedules", tag = "reports",
    responses((status = 200, body = Vec<ScheduleView>),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/schedules")]
pub async fn schedules(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require_read(&state)?;
    let now = crate::clock::now_utc().and_utc();
    let cfg = &state.scheduler;
    let body: Vec<ScheduleView> = cfg
        .schedules
        .iter()
        .map(|(kind, s)| {
            let next = s.next_after(TIME_ZONE, now);
            ScheduleView {
                kind: *kind,
                cron: s.expr().to_string(),
                next_firing: next,
                next_firing_local: next.map(|t| {
                    t.with_timezone(&TIME_ZONE)
                        .format("%Y-%m-%d %H:%M %Z")
                        .to_string()
                }),
                next_period: next.map(|t| {
                    period_covered(*kind, t.with_timezone(&TIME_ZONE).date_naive()).to_string()
                }),
                recipients: cfg.recipients_for(*kind),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
