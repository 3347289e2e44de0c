//! Owners (departments or persons) and which measures they own.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};

use super::AppState;
use super::auth::{Admin, Caller};
use super::dto::{MeasureRef, NewOwnerBody, OwnerRef, OwnerView, OwnersBody};
use super::error::{ApiError, Problem};
use super::json::Body;
use super::{run_db, run_write};
use crate::db::models::OwnerRow;
use crate::db::store;
use crate::domain::edits::{MeasureOwners, NewOwner};

fn owner_view(o: &OwnerRow, measures: &[(String, i32)]) -> OwnerView {
    OwnerView {
        id: o.id,
        name: o.name.clone(),
        email: o.email.clone(),
        measures: measures
            .iter()
            .map(|(plan, number)| MeasureRef {
                plan: plan.clone(),
                number: *number,
            })
            .collect(),
    }
}

/// Replace the owners of a measure (admin).
#[utoipa::path(put, path = "/api/v1/plans/{slug}/measures/{number}/owners", tag = "owners",
    params(("slug" = String, Path), ("number" = i32, Path)),
    request_body = OwnersBody,
    security(("bearer" = [])),
    responses((status = 200, body = Vec<OwnerRef>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/plans/{slug}/measures/{number}/owners")]
pub async fn put_measure_owners(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<(String, i32)>,
    body: Body<OwnersBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let ids = MeasureOwners::parse(body.into_inner()?.owner_ids)?;
    let owners = run_write(&state, move |c| {
        store::set_measure_owners(c, &slug, number, &ids, &who)
    })
    .await?;
    let body: Vec<OwnerRef> = owners
        .iter()
        .map(|o| OwnerRef {
            id: o.id,
            name: o.name.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// All owners with the measures they own.
#[utoipa::path(get, path = "/api/v1/owners", tag = "owners",
    responses((status = 200, body = Vec<OwnerView>),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/owners")]
pub async fn list_owners(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require_read(&state)?;
    let rows = run_db(&state, store::list_owners).await?;
    let body: Vec<OwnerView> = rows.iter().map(|(o, ms)| owner_view(o, ms)).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// One owner.
#[utoipa::path(get, path = "/api/v1/owners/{id}", tag = "owners",
    params(("id" = i32, Path)),
    responses((status = 200, body = OwnerView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/owners/{id}")]
pub async fn get_owner(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller.require_read(&state)?;
    let id = id.into_inner();
    let rows = run_db(&state, store::list_owners).await?;
    let (o, ms) = rows
        .iter()
        .find(|(o, _)| o.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("no owner with id {id}")))?;
    Ok(HttpResponse::Ok().json(owner_view(o, ms)))
}

/// Register an owner (admin). Owners get measures with
/// `PUT /plans/{slug}/measures/{number}/owners` and tokens with `klimaspor token create`.
#[utoipa::path(post, path = "/api/v1/owners", tag = "owners",
    request_body = NewOwnerBody,
    security(("bearer" = [])),
    responses((status = 201, body = OwnerView, headers(("Location" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/owners")]
pub async fn create_owner(
    state: web::Data<AppState>,
    _admin: Admin,
    body: Body<NewOwnerBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner()?;
    let new = NewOwner::parse(b.name, b.email)?;
    let now = crate::clock::now_utc();
    let owner = run_write(&state, move |c| store::create_owner(c, &new, now)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/owners/{}", owner.id)))
        .json(owner_view(&owner, &[])))
}
