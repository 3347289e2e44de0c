//! The climate effect of a plan: the overview (inventory, trajectory, manko, effects), the
//! measures' effect estimates, the emissions inventory import, targets, shadow prices and the
//! climate assessments of committee cases. Rules in `domain::climate`, storage in
//! `store::climate`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::{Admin, Authenticated, Caller};
use super::cache::{self, CacheKey};
use super::error::{ApiError, Problem};
use super::imports::{ImportProblem, problem, rows_refused, spreadsheet};
use super::json::Body;
use super::{run_db, run_write};
use crate::db::DbConn;
use crate::db::store::{self, AssessmentView, EffectOf, EffectRevision};
use crate::domain::climate::{
    Assessment, EffectEstimate, Overview, RawAssessment, RawEffectEstimate, ShadowPrice,
    TargetDecision,
};
use crate::emissions_import;

/// A plan's climate picture and its climate assessments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClimateView {
    pub overview: Overview,
    pub assessments: Vec<AssessmentView>,
}

/// The overview of a plan's climate effect: the inventory release shown (the newest; the others
/// are named), emissions by year and sector with the straight path to the targets, each target
/// with what it allows and its manko, the measures' estimated effects valued at the shadow
/// price, the measures whose effect is *ikke opgjort*, and the climate assessments.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/climate", tag = "climate",
    params(("slug" = String, Path),
           ("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier response")),
    responses((status = 200, body = ClimateView, headers(("ETag" = String), ("Cache-Control" = String))),
              (status = 304, description = "Not modified", headers(("ETag" = String))),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/climate")]
pub async fn get_climate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.clone()))
        .await?;
    let slug = slug.into_inner();
    let key = CacheKey::new(&slug, "climate".into());
    let load = move |c: &mut DbConn| store::climate_of(c, &slug);
    cache::respond(&state, &req, key, load, |d| {
        Ok(ClimateView {
            overview: d.overview,
            assessments: d.assessments,
        })
    })
    .await
}

/// What an administrator sends for a measure's (or one of its sub-goals') effect, cost and
/// staffing. A field left out is *ikke opgjort*; the whole estimate is replaced.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectBody {
    /// The sub-goal the estimate is for ("14.2"); without it, the measure.
    pub sub_goal: Option<String>,
    /// Expected reduction in t CO₂e a year at full effect.
    pub tonnes_per_year: Option<f64>,
    /// The year the full effect is reached (required with `tonnes_per_year`).
    pub full_from: Option<i32>,
    /// What the estimate rests on (required with `tonnes_per_year`).
    pub basis: Option<String>,
    /// Its source (required with `tonnes_per_year`).
    pub basis_source: Option<String>,
    pub budget_dkk: Option<f64>,
    /// Where the budget comes from (required with `budget_dkk`).
    pub funding: Option<String>,
    /// Staffing in full-time equivalents (årsværk).
    pub staffing_fte: Option<f64>,
    /// Why the figures change: goes into the revision history.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EffectRevisionView {
    pub sub_goal: Option<String>,
    #[serde(flatten)]
    pub estimate: EffectEstimate,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// A measure's estimates as they stand, and every revision, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureEffectView {
    pub measure: i32,
    /// The measure's own estimate (`null`: *ikke opgjort*).
    pub own: Option<EffectEstimate>,
    /// Its sub-goals' estimates by key.
    pub sub_goals: std::collections::BTreeMap<String, EffectEstimate>,
    /// What the measure counts with in the manko: its own effect, else its sub-goals' sum.
    pub tonnes_per_year: Option<f64>,
    pub full_from: Option<i32>,
    pub history: Vec<EffectRevisionView>,
}

fn effect_view(number: i32, m: store::MeasureClimate) -> MeasureEffectView {
    MeasureEffectView {
        measure: number,
        own: m.own,
        sub_goals: m.sub_goals,
        tonnes_per_year: m.effect.tonnes_per_year,
        full_from: m.effect.full_from,
        history: m
            .history
            .into_iter()
            .map(|r: EffectRevision| EffectRevisionView {
                sub_goal: r.sub_goal_key,
                estimate: r.estimate,
                reason: r.reason,
                changed_by: r.by,
                changed_at: r.at.and_utc(),
            })
            .collect(),
    }
}

/// A measure's effect estimates and their revision history.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/measures/{number}/effect", tag = "climate",
    params(("slug" = String, Path), ("number" = i32, Path)),
    responses((status = 200, body = MeasureEffectView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/measures/{number}/effect")]
pub async fn get_effect(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(path.0.clone()))
        .await?;
    let (slug, number) = path.into_inner();
    let m = run_db(&state, move |c| store::measure_climate(c, &slug, number)).await?;
    Ok(HttpResponse::Ok().json(effect_view(number, m)))
}

/// Set a measure's (or a sub-goal's) effect estimate, budget and staffing (an administrator of
/// the plan, with a reason). The previous figures stay in the revision history.
#[utoipa::path(put, path = "/api/v1/plans/{slug}/measures/{number}/effect", tag = "climate",
    params(("slug" = String, Path), ("number" = i32, Path)),
    request_body = EffectBody,
    security(("bearer" = [])),
    responses((status = 200, body = MeasureEffectView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/plans/{slug}/measures/{number}/effect")]
pub async fn put_effect(
    state: web::Data<AppState>,
    caller: Admin,
    path: web::Path<(String, i32)>,
    body: Body<EffectBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let (slug, number) = path.into_inner();
    let b = body.into_inner()?;
    let (estimate, reason) = EffectEstimate::parse(RawEffectEstimate {
        tonnes_per_year: b.tonnes_per_year,
        full_from: b.full_from,
        basis: b.basis,
        basis_source: b.basis_source,
        budget_dkk: b.budget_dkk,
        funding: b.funding,
        staffing_fte: b.staffing_fte,
        reason: b.reason,
    })?;
    let of = match b.sub_goal {
        Some(key) => EffectOf::SubGoal(key),
        None => EffectOf::Measure(number),
    };
    let now = crate::clock::now_utc();
    let m = run_write(&state, move |c| {
        if let EffectOf::SubGoal(key) = &of
            && !key.starts_with(&format!("{number}."))
        {
            return Err(store::StoreError::NotFound(format!(
                "no sub-goal {key} in measure {number}"
            )));
        }
        store::set_effect(c, &slug, &of, &estimate, &reason, &who, now)?;
        store::measure_climate(c, &slug, number)
    })
    .await?;
    Ok(HttpResponse::Ok().json(effect_view(number, m)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EmissionsImportQuery {
    /// Check the file and say what it holds; write nothing.
    pub dry_run: Option<bool>,
    /// Replace the values of a release stored before (otherwise 409).
    pub replace: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseImportView {
    pub release: String,
    pub values: usize,
    /// The release was stored before and its values were (or would be) replaced.
    pub replaced: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmissionsImportResult {
    pub dry_run: bool,
    pub releases: Vec<ReleaseImportView>,
}

/// An emissions inventory from a CSV or XLSX file (an administrator): columns År, Sektor,
/// Værdi, Enhed (t CO2e or kt CO2e), Kilde, Dataudgivelse (or year, sector, value, unit,
/// source, release), one row per year and sector and release. Each release is stored beside
/// the others; one stored before is refused (409) unless `replace=true`. Invalid rows: 422 with
/// each row's line and reason (Danish) in `errors`, nothing written. Files up to 2 MiB.
#[utoipa::path(post, path = "/api/v1/plans/{slug}/emissions-import", tag = "climate",
    params(("slug" = String, Path), EmissionsImportQuery),
    request_body(content = Vec<u8>, description = "The CSV or XLSX file",
                 content_type = "text/csv"),
    security(("bearer" = [])),
    responses((status = 200, body = EmissionsImportResult),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = ImportProblem, content_type = "application/problem+json")))]
#[post("/plans/{slug}/emissions-import")]
pub async fn import_emissions(
    state: web::Data<AppState>,
    caller: Admin,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<EmissionsImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = spreadsheet(&req, payload).await?;
    let table = match emissions_import::read(&bytes) {
        Ok(t) => t,
        Err(why) => return Ok(problem(why, Vec::new())),
    };
    let releases = match emissions_import::parse(&table) {
        Ok(r) => r,
        Err(errors) => return Ok(rows_refused(&errors)),
    };
    let (dry_run, replace) = (
        query.dry_run.unwrap_or(false),
        query.replace.unwrap_or(false),
    );
    let who = caller.0;
    let slug = slug.into_inner();
    let now = crate::clock::now_utc();
    let done = run_write(&state, move |c| {
        store::import_emissions(c, &slug, &releases, replace, dry_run, &who, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(EmissionsImportResult {
        dry_run,
        releases: done
            .releases
            .into_iter()
            .map(|(release, values, replaced)| ReleaseImportView {
                release,
                values,
                replaced,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    pub base_year: i32,
    /// Reduction against the base year in per cent; 100 is net zero.
    pub reduction_pct: f64,
    /// The decision the target comes from ("Kommunalbestyrelsen 24.06.2019, sag 12").
    pub source: String,
    pub decided_on: Option<NaiveDate>,
}

/// Set the plan's reduction target for a year (an administrator); every target of a plan is
/// against the same base year.
#[utoipa::path(put, path = "/api/v1/plans/{slug}/climate-targets/{year}", tag = "climate",
    params(("slug" = String, Path), ("year" = i32, Path)),
    request_body = TargetBody,
    security(("bearer" = [])),
    responses((status = 200, body = TargetDecision),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/plans/{slug}/climate-targets/{year}")]
pub async fn put_target(
    state: web::Data<AppState>,
    caller: Admin,
    path: web::Path<(String, i32)>,
    body: Body<TargetBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let (slug, year) = path.into_inner();
    let b = body.into_inner()?;
    let t = TargetDecision::parse(year, b.base_year, b.reduction_pct, b.source, b.decided_on)?;
    let now = crate::clock::now_utc();
    let view = t.clone();
    run_write(&state, move |c| store::set_target(c, &slug, &t, &who, now)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Remove the plan's target for a year (an administrator).
#[utoipa::path(delete, path = "/api/v1/plans/{slug}/climate-targets/{year}", tag = "climate",
    params(("slug" = String, Path), ("year" = i32, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/plans/{slug}/climate-targets/{year}")]
pub async fn delete_target(
    state: web::Data<AppState>,
    caller: Admin,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let (slug, year) = path.into_inner();
    let now = crate::clock::now_utc();
    run_write(&state, move |c| {
        store::delete_target(c, &slug, year, &who, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShadowPriceBody {
    /// DKK per t CO₂e.
    pub dkk_per_tonne: f64,
    /// Where the price comes from ("Århusmodellen, 2024-priser").
    pub source: String,
}

/// Set the plan's CO₂e shadow price for a year (an administrator). It holds until the next
/// year that has one.
#[utoipa::path(put, path = "/api/v1/plans/{slug}/shadow-prices/{year}", tag = "climate",
    params(("slug" = String, Path), ("year" = i32, Path)),
    request_body = ShadowPriceBody,
    security(("bearer" = [])),
    responses((status = 200, body = ShadowPrice),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/plans/{slug}/shadow-prices/{year}")]
pub async fn put_shadow_price(
    state: web::Data<AppState>,
    caller: Admin,
    path: web::Path<(String, i32)>,
    body: Body<ShadowPriceBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let (slug, year) = path.into_inner();
    let b = body.into_inner()?;
    let p = ShadowPrice::parse(year, b.dkk_per_tonne, b.source)?;
    let now = crate::clock::now_utc();
    let view = p.clone();
    run_write(&state, move |c| {
        store::set_shadow_price(c, &slug, &p, &who, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentBody {
    pub title: String,
    /// The committee the case goes to ("Teknik- og Miljøudvalget").
    pub committee: String,
    pub meeting_date: NaiveDate,
    /// The case's number in the municipality's case system.
    pub case_ref: Option<String>,
    pub note: Option<String>,
    /// The options weighed, each with its estimated t CO₂e (negative is a reduction).
    pub options: Vec<OptionBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionBody {
    pub label: String,
    /// Estimated change in emissions, t CO₂e (negative is a reduction).
    pub tonnes: f64,
}

/// The plan's climate assessments of committee cases, the newest meeting first.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/climate-assessments", tag = "climate",
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<AssessmentView>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/climate-assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.clone()))
        .await?;
    let slug = slug.into_inner();
    let listed = run_db(&state, move |c| store::list_assessments(c, &slug)).await?;
    Ok(HttpResponse::Ok().json(listed))
}

/// Record a climate assessment of a committee case (an administrator of the plan or an owner
/// of measure 1): its options valued at the shadow price of the meeting's year, and counted
/// as evidence for sub-goal 1.1.
#[utoipa::path(post, path = "/api/v1/plans/{slug}/climate-assessments", tag = "climate",
    params(("slug" = String, Path)),
    request_body = AssessmentBody,
    security(("bearer" = [])),
    responses((status = 201, body = AssessmentView, headers(("Location" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/plans/{slug}/climate-assessments")]
pub async fn create_assessment(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
    body: Body<AssessmentBody>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let slug = slug.into_inner();
    let b = body.into_inner()?;
    let a = Assessment::parse(RawAssessment {
        title: b.title,
        committee: b.committee,
        meeting_date: Some(b.meeting_date),
        case_ref: b.case_ref,
        note: b.note,
        options: b
            .options
            .into_iter()
            .map(|o| (o.label, Some(o.tonnes)))
            .collect(),
    })?;
    let now = crate::clock::now_utc();
    let loc_slug = slug.clone();
    let view = run_write(&state, move |c| {
        let id = store::add_assessment(c, &slug, &a, &who, now)?;
        store::get_assessment(c, &slug, id)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/plans/{loc_slug}/climate-assessments#{}", view.id),
        ))
        .json(view))
}
