//! One sub-goal: read it, change it (admin), report progress on it (owners).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};

use super::AppState;
use super::auth::{Admin, Authenticated, Caller};
use super::dto::{
    self, ProgressBody, ProgressCreated, ProgressView, SubGoalPatchBody, SubGoalView,
};
use super::error::{ApiError, Problem};
use super::json::Body;
use super::{run_db, run_write, today};
use crate::db::store;
use crate::domain::edits::{RawSubGoalPatch, SubGoalPatch};
use crate::domain::progress::{ProgressReport, RawProgress};

/// The version an `If-Match` value names, if it is one of our sub-goal ETags for `id`.
/// Anything else can never match: `Some(-1)`.
fn if_match_version(req: &HttpRequest, id: i32) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not readable text".into()))?
        .trim();
    if value == "*" {
        return Err(ApiError::PreconditionRequired(
            "If-Match: * is not accepted: send the sub-goal's ETag".into(),
        ));
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    let version = tag
        .strip_prefix(&format!("\"sg-{id}-v"))
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(-1);
    Ok(Some(version))
}

fn with_etag(mut res: HttpResponse, etag: &str) -> HttpResponse {
    if let Ok(v) = header::HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// A sub-goal with its current status; the `ETag` header is what `If-Match` needs.
#[utoipa::path(get, path = "/api/v1/subgoals/{id}", tag = "plan",
    params(("id" = i32, Path)),
    responses((status = 200, body = SubGoalView, headers(("ETag" = String))),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/subgoals/{id}")]
pub async fn get_sub_goal(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::SubGoal(*id))
        .await?;
    let id = id.into_inner();
    let goal = run_db(&state, move |c| store::get_sub_goal(c, id)).await?;
    let view = dto::sub_goal_view(goal, today());
    let etag = view.etag.clone();
    Ok(with_etag(HttpResponse::Ok().json(view), &etag))
}

/// Change a sub-goal's text, deadline or target (admin). The reason and the old and new
/// values go into the revision history. `If-Match` is honoured when sent.
#[utoipa::path(patch, path = "/api/v1/subgoals/{id}", tag = "plan",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header)),
    request_body = SubGoalPatchBody,
    security(("bearer" = [])),
    responses((status = 200, body = SubGoalView, headers(("ETag" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 412, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/subgoals/{id}")]
pub async fn patch_sub_goal(
    state: web::Data<AppState>,
    caller: Admin,
    req: HttpRequest,
    id: web::Path<i32>,
    body: Body<SubGoalPatchBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let id = id.into_inner();
    let expected = if_match_version(&req, id)?;
    let body = body.into_inner()?;
    let patch = SubGoalPatch::parse(RawSubGoalPatch {
        text: body.text,
        deadline: body.deadline,
        target: body.target,
        reason: body.reason,
    })?;
    let now = crate::clock::now_utc();
    let goal = run_write(&state, move |c| {
        store::patch_sub_goal(c, id, expected, &who, &patch, now)
    })
    .await?;
    let view = dto::sub_goal_view(goal, today());
    let etag = view.etag.clone();
    Ok(with_etag(HttpResponse::Ok().json(view), &etag))
}

/// Report progress (owners of the measure, or admin). Appends to the history; requires
/// `If-Match` with the sub-goal's current ETag so no report silently overwrites another.
#[utoipa::path(post, path = "/api/v1/subgoals/{id}/progress", tag = "progress",
    params(("id" = i32, Path), ("If-Match" = String, Header, description = "The sub-goal's current ETag")),
    request_body = ProgressBody,
    security(("bearer" = [])),
    responses((status = 201, body = ProgressCreated, headers(("Location" = String), ("ETag" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 412, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 428, body = Problem, content_type = "application/problem+json")))]
#[post("/subgoals/{id}/progress")]
pub async fn post_progress(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
    id: web::Path<i32>,
    body: Body<ProgressBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let id = id.into_inner();
    let b = body.into_inner()?;
    let today = today();
    let report = ProgressReport::parse(
        RawProgress {
            status: Some(b.status),
            progress: b.progress,
            note: b.note,
            kpi_value: b.kpi_value,
            as_of: b.as_of,
            achieved_on: b.achieved_on,
            reason: b.reason,
            forecast: b.forecast.map(Into::into),
        },
        today,
    )?;
    let expected = if_match_version(&req, id)?.ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the sub-goal's current ETag (from GET /api/v1/subgoals/{id})"
                .into(),
        )
    })?;
    let now = crate::clock::now_utc();
    let (goal, update) = run_write(&state, move |c| {
        store::append_progress(c, id, expected, &who, &report, now)
    })
    .await?;
    let sub_goal = dto::sub_goal_view(goal, today);
    let etag = sub_goal.etag.clone();
    let location = format!("/api/v1/subgoals/{id}/progress/{}", update.id);
    let res = HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(ProgressCreated {
            update: ProgressView::from(&update),
            sub_goal,
        });
    Ok(with_etag(res, &etag))
}

/// The progress history of a sub-goal, newest first.
#[utoipa::path(get, path = "/api/v1/subgoals/{id}/progress", tag = "progress",
    params(("id" = i32, Path)),
    responses((status = 200, body = Vec<ProgressView>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/subgoals/{id}/progress")]
pub async fn list_progress(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::SubGoal(*id))
        .await?;
    let id = id.into_inner();
    let rows = run_db(&state, move |c| store::list_progress(c, id)).await?;
    let body: Vec<ProgressView> = rows.iter().map(ProgressView::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// One progress update.
#[utoipa::path(get, path = "/api/v1/subgoals/{id}/progress/{update_id}", tag = "progress",
    params(("id" = i32, Path), ("update_id" = i32, Path)),
    responses((status = 200, body = ProgressView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/subgoals/{id}/progress/{update_id}")]
pub async fn get_progress(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::SubGoal(path.0))
        .await?;
    let (id, update_id) = path.into_inner();
    let row = run_db(&state, move |c| store::get_progress(c, id, update_id)).await?;
    Ok(HttpResponse::Ok().json(ProgressView::from(&row)))
}
