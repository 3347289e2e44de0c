//! Indicators (KPIs of the green accounts) and their yearly values.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};

use super::AppState;
use super::auth::{Admin, Caller};
use super::dto::{self, IndicatorValueBody, IndicatorValueView, IndicatorView};
use super::error::{ApiError, Problem};
use super::json::Body;
use super::{run_db, run_write};
use crate::db::store;
use crate::domain::edits::{IndicatorValue, NewIndicator, RawIndicator};

#[utoipa::path(get, path = "/api/v1/plans/{slug}/indicators", tag = "indicators",
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<IndicatorView>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/indicators")]
pub async fn list_indicators(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let slug = slug.into_inner();
    let rows = run_db(&state, move |c| store::list_indicators(c, &slug)).await?;
    let body: Vec<IndicatorView> = rows.iter().map(dto::indicator_view).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Add an indicator to the plan (admin).
#[utoipa::path(post, path = "/api/v1/plans/{slug}/indicators", tag = "indicators",
    params(("slug" = String, Path)),
    request_body = RawIndicator,
    security(("bearer" = [])),
    responses((status = 201, body = IndicatorView, headers(("Location" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/plans/{slug}/indicators")]
pub async fn create_indicator(
    state: web::Data<AppState>,
    Admin(who): Admin,
    slug: web::Path<String>,
    body: Body<RawIndicator>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner()?;
    let new = NewIndicator::parse(b)?;
    let slug = slug.into_inner();
    let created = run_write(&state, move |c| {
        store::create_indicator(c, &slug, &new, &who)
    })
    .await?;
    let view = dto::indicator_view(&created);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/indicators/{}", view.id)))
        .json(view))
}

/// One indicator with its values.
#[utoipa::path(get, path = "/api/v1/indicators/{id}", tag = "indicators",
    params(("id" = i32, Path)),
    responses((status = 200, body = IndicatorView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/indicators/{id}")]
pub async fn get_indicator(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Indicator(*id))
        .await?;
    let id = id.into_inner();
    let found = run_db(&state, move |c| store::get_indicator(c, id)).await?;
    Ok(HttpResponse::Ok().json(dto::indicator_view(&found)))
}

/// The indicator's value for a year.
#[utoipa::path(get, path = "/api/v1/indicators/{id}/values/{year}", tag = "indicators",
    params(("id" = i32, Path), ("year" = i32, Path)),
    responses((status = 200, body = IndicatorValueView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/indicators/{id}/values/{year}")]
pub async fn get_value(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Indicator(path.0))
        .await?;
    let (id, year) = path.into_inner();
    let row = run_db(&state, move |c| store::get_indicator_value(c, id, year)).await?;
    Ok(HttpResponse::Ok().json(IndicatorValueView::from(&row)))
}

/// Set the indicator's value for a year (admin): 201 when new, 200 when replaced.
#[utoipa::path(put, path = "/api/v1/indicators/{id}/values/{year}", tag = "indicators",
    params(("id" = i32, Path), ("year" = i32, Path)),
    request_body = IndicatorValueBody,
    security(("bearer" = [])),
    responses((status = 200, body = IndicatorValueView),
              (status = 201, body = IndicatorValueView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/indicators/{id}/values/{year}")]
pub async fn put_value(
    state: web::Data<AppState>,
    caller: Admin,
    path: web::Path<(i32, i32)>,
    body: Body<IndicatorValueBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let (id, year) = path.into_inner();
    let b = body.into_inner()?;
    let value = IndicatorValue::parse(year, b.value, b.note)?;
    let now = crate::clock::now_utc();
    let (row, created) = run_write(&state, move |c| {
        store::put_indicator_value(c, id, &value, &who, now)
    })
    .await?;
    let view = IndicatorValueView::from(&row);
    Ok(if created {
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/indicators/{id}/values/{year}"),
            ))
            .json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}
