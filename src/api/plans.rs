//! Reading the plan: plans, themes, measures and sub-goals.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::auth::Caller;
use super::cache::{self, CacheKey};
use super::dto::{
    self, MeasureDetailView, MeasureView, Page, PlanDetail, PlanSummary, SubGoalView, ThemeView,
};
use super::error::{ApiError, Problem};
use super::{run_db, today};
use crate::db::DbConn;
use crate::db::store::{self, PlanData};
use crate::domain::Status;
use crate::domain::plan_doc::MeasureRole;

pub const DEFAULT_PER_PAGE: u32 = 100;
pub const MAX_PER_PAGE: u32 = 500;

/// Filters shared by the measure and sub-goal lists. On `/measures`, `status`,
/// `deadline_year` and `overdue` keep the measures with at least one matching sub-goal.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Theme code; a main theme includes its sub-themes (`3` covers `3.1`–`3.3`).
    pub theme: Option<String>,
    pub role: Option<MeasureRole>,
    pub status: Option<Status>,
    pub deadline_year: Option<i32>,
    pub overdue: Option<bool>,
    /// Owner id or exact owner name.
    pub owner: Option<String>,
    /// Date the derived flags are computed against; default today (Copenhagen).
    pub as_of: Option<NaiveDate>,
    /// 1-based page number.
    pub page: Option<u32>,
    /// Items per page, 1–500; default 100.
    pub per_page: Option<u32>,
}

struct Paging {
    page: u32,
    per_page: u32,
}

impl ListQuery {
    fn paging(&self) -> Result<Paging, ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 {
            return Err(ApiError::Unprocessable("page: pages start at 1".into()));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::Unprocessable(format!(
                "per_page: must be 1–{MAX_PER_PAGE}"
            )));
        }
        Ok(Paging { page, per_page })
    }

    fn as_of(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(today)
    }

    fn theme_matches(&self, data: &PlanData, theme_code: &str) -> bool {
        let Some(wanted) = &self.theme else {
            return true;
        };
        // Walk up from the measure's theme: a match on it or any ancestor counts.
        let mut current = data.themes.iter().find(|t| t.code == theme_code);
        while let Some(t) = current {
            if &t.code == wanted {
                return true;
            }
            current = t
                .parent_id
                .and_then(|pid| data.themes.iter().find(|p| p.id == pid));
        }
        false
    }

    fn measure_matches(&self, data: &PlanData, m: &MeasureView) -> bool {
        self.theme_matches(data, &m.theme_code)
            && self.role.as_ref().is_none_or(|r| *r == m.role)
            && self.owner.as_ref().is_none_or(|o| {
                m.owners
                    .iter()
                    .any(|x| x.name == *o || x.id.to_string() == *o)
            })
    }

    fn sub_goal_matches(&self, g: &SubGoalView) -> bool {
        self.status.is_none_or(|s| s == g.status)
            && self
                .deadline_year
                .is_none_or(|y| g.deadline.year == Some(y))
            && self.overdue.is_none_or(|o| g.flags.overdue == o)
    }

    fn has_sub_goal_filter(&self) -> bool {
        self.status.is_some() || self.deadline_year.is_some() || self.overdue.is_some()
    }

    fn check_theme(&self, data: &PlanData) -> Result<(), ApiError> {
        match &self.theme {
            Some(code) if !data.themes.iter().any(|t| &t.code == code) => Err(
                ApiError::Unprocessable(format!("theme: plan has no theme '{code}'")),
            ),
            _ => Ok(()),
        }
    }
}

fn paginate<T: utoipa::ToSchema>(items: Vec<T>, p: Paging) -> Page<T> {
    let total = items.len();
    let start = ((p.page - 1) as usize).saturating_mul(p.per_page as usize);
    let items = items
        .into_iter()
        .skip(start)
        .take(p.per_page as usize)
        .collect();
    Page {
        items,
        page: p.page,
        per_page: p.per_page,
        total,
    }
}

/// All plans.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plan",
    responses((status = 200, body = Vec<PlanSummary>),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/plans")]
pub async fn list_plans(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require_read(&state)?;
    let mut plans = run_db(&state, store::list_plans).await?;
    plans.retain(|p| caller.sees_plan(&state, p.id));
    let body: Vec<PlanSummary> = plans.iter().map(PlanSummary::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// One plan with its themes.
#[utoipa::path(get, path = "/api/v1/plans/{slug}", tag = "plan",
    params(("slug" = String, Path, description = "e.g. ballerup")),
    responses((status = 200, body = PlanDetail),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let slug = slug.into_inner();
    let (plan, themes) = run_db(&state, move |c| store::get_plan(c, &slug)).await?;
    Ok(HttpResponse::Ok().json(PlanDetail {
        plan: PlanSummary::from(&plan),
        themes: dto::theme_views(&themes),
    }))
}

/// The plan's themes and sub-themes, in plan order.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/themes", tag = "plan",
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<ThemeView>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/themes")]
pub async fn list_themes(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let slug = slug.into_inner();
    let (_, themes) = run_db(&state, move |c| store::get_plan(c, &slug)).await?;
    Ok(HttpResponse::Ok().json(dto::theme_views(&themes)))
}

/// `If-None-Match` and the 304 of the cached views, for the OpenAPI document.
const NOT_MODIFIED: &str = "Not modified: the If-None-Match ETag is the current one";

/// Measures with their sub-goals and current status: the whole plan in one request.
/// Answered with an `ETag`; send it back in `If-None-Match` to get a 304 while nothing changed.
#[utoipa::path(get, path = "/api/v1/plans/{slug}/measures", tag = "plan",
    params(("slug" = String, Path), ListQuery,
           ("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier response")),
    responses((status = 200, body = Page<MeasureView>, headers(("ETag" = String), ("Cache-Control" = String))),
              (status = 304, description = NOT_MODIFIED, headers(("ETag" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/measures")]
pub async fn list_measures(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let mut q = query.into_inner();
    let paging = q.paging()?;
    q.as_of = Some(q.as_of());
    let slug = slug.into_inner();
    let key = CacheKey::new(&slug, format!("measures {q:?}"));
    let load = move |c: &mut DbConn| store::load_plan(c, &slug);
    cache::respond(&state, &req, key, load, move |data| {
        q.check_theme(&data)?;
        let measures: Vec<MeasureView> = dto::measure_views(&data, q.as_of())?
            .into_iter()
            .filter(|m| q.measure_matches(&data, m))
            .filter(|m| {
                !q.has_sub_goal_filter() || m.sub_goals.iter().any(|g| q.sub_goal_matches(g))
            })
            .collect();
        Ok(paginate(measures, paging))
    })
    .await
}

/// One measure with its sub-goals, comments, the administration's assessment and the
/// revision history of its sub-goals. Answered with an `ETag` (see `If-None-Match`).
#[utoipa::path(get, path = "/api/v1/plans/{slug}/measures/{number}", tag = "plan",
    params(("slug" = String, Path), ("number" = i32, Path, description = "Measure number in the plan"),
           ("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier response")),
    responses((status = 200, body = MeasureDetailView, headers(("ETag" = String), ("Cache-Control" = String))),
              (status = 304, description = NOT_MODIFIED, headers(("ETag" = String))),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/measures/{number}")]
pub async fn get_measure(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(path.0.clone()))
        .await?;
    let (slug, number) = path.into_inner();
    let as_of = today();
    let key = CacheKey::new(&slug, format!("measure {number} {as_of}"));
    let load = move |c: &mut DbConn| store::load_measure(c, &slug, number);
    cache::respond(&state, &req, key, load, move |detail| {
        Ok(dto::measure_detail_view(&detail, as_of)?)
    })
    .await
}

/// Sub-goals across the plan, filtered. Answered with an `ETag` (see `If-None-Match`).
#[utoipa::path(get, path = "/api/v1/plans/{slug}/subgoals", tag = "plan",
    params(("slug" = String, Path), ListQuery,
           ("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier response")),
    responses((status = 200, body = Page<SubGoalView>, headers(("ETag" = String), ("Cache-Control" = String))),
              (status = 304, description = NOT_MODIFIED, headers(("ETag" = String))),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/plans/{slug}/subgoals")]
pub async fn list_sub_goals(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller
        .require_read_of(&state, store::PlanOf::Slug(slug.to_string()))
        .await?;
    let mut q = query.into_inner();
    let paging = q.paging()?;
    q.as_of = Some(q.as_of());
    let slug = slug.into_inner();
    let key = CacheKey::new(&slug, format!("subgoals {q:?}"));
    let load = move |c: &mut DbConn| store::load_plan(c, &slug);
    cache::respond(&state, &req, key, load, move |data| {
        q.check_theme(&data)?;
        let goals: Vec<SubGoalView> = dto::measure_views(&data, q.as_of())?
            .into_iter()
            .filter(|m| q.measure_matches(&data, m))
            .flat_map(|m| m.sub_goals)
            .filter(|g| q.sub_goal_matches(g))
            .collect();
        Ok(paginate(goals, paging))
    })
    .await
}
