//! The API's error policy, in one place.
//!
//! - Every 4xx and 5xx response is RFC 9457 `application/problem+json`: `type`, `title`
//!   (the status phrase), `status` and a `detail` that tells the client what to fix.
//! - Client errors carry their own precise status: 400 malformed syntax, 401 no or bad token,
//!   403 not allowed, 404 unknown resource or route, 405 wrong method, 409 conflict,
//!   412 stale `If-Match`, 413 body too large, 415 not JSON or compressed, 422 well-formed but
//!   invalid, 428 `If-Match` missing. Nothing defaults to 400.
//! - Server errors (500, 503) say only that something failed and which request id to quote;
//!   the cause is logged with that request id and never sent to the client. 503 is for what a
//!   retry can fix: a lost database connection, SQLite's write lock held past the busy timeout.
//! - Responses that other layers produce (actix's own 404/405, payload errors) are rewritten
//!   into problem+json by [`problem_fallback`].

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::store::StoreError;
use crate::domain::DomainError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says the kind of problem.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status phrase.
    pub title: String,
    pub status: u16,
    /// What is wrong, for the client to fix.
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PreconditionRequired(String),
    /// Logged, never shown.
    #[error("{0}")]
    Unavailable(String),
    /// Logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    fn client_detail(&self) -> String {
        match self {
            Self::Internal(_) => {
                "The server could not complete the request. Nothing was changed by the failed \
                 part; quote the X-Request-Id header when reporting this."
                    .into()
            }
            Self::Unavailable(_) => {
                "The database cannot take the request right now; try again shortly. Nothing was \
                 changed."
                    .into()
            }
            other => other.to_string(),
        }
    }
}

pub fn problem(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: detail.into(),
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    res.body(serde_json::to_string(&body).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        // Runs inside the request's tracing span, so the log line carries the request id.
        match self {
            Self::Internal(cause) => tracing::error!(%cause, "request failed"),
            Self::Unavailable(cause) => tracing::error!(%cause, "database unavailable"),
            _ => {}
        }
        problem(self.status_code(), self.client_detail())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self::Unprocessable(e.to_string())
    }
}

impl From<crate::report::ReportError> for ApiError {
    fn from(e: crate::report::ReportError) -> Self {
        use crate::report::ReportError;
        match e {
            ReportError::Invalid(d) => d.into(),
            e => Self::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Forbidden(m) => Self::Forbidden(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            e @ StoreError::PreconditionFailed { .. } => Self::PreconditionFailed(e.to_string()),
            StoreError::Invalid(d) => d.into(),
            // The connection was lost (the pool replaces it) or another process held SQLite's
            // write lock past the busy timeout: worth retrying, not a fault here.
            StoreError::Db(e) if crate::db::is_transient(&e) => {
                Self::Unavailable(format!("database: {e}"))
            }
            StoreError::Db(e) => Self::Internal(format!("database: {e}")),
            e @ StoreError::Corrupt(_) => Self::Internal(e.to_string()),
        }
    }
}

/// A write whose group commit failed as a whole (SQLite): 503 if a retry can succeed.
impl From<crate::db::writer::BatchFailed> for ApiError {
    fn from(failed: crate::db::writer::BatchFailed) -> Self {
        let cause = format!("group commit: {}", failed.reason);
        if failed.transient {
            Self::Unavailable(cause)
        } else {
            Self::Internal(cause)
        }
    }
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    tracing::debug!(%err, "path did not parse");
    ApiError::NotFound(format!("no resource at {}", req.path())).into()
}

/// Middleware that turns every error response without a problem body into problem+json.
pub fn problem_fallback<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(ensure_problem)
}

fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == HeaderValue::from_static(PROBLEM_JSON));
    // The web site's error pages are HTML on purpose.
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::NOT_FOUND => format!("no resource at {}", res.request().path()),
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{} is not allowed on {}",
            res.request().method(),
            res.request().path()
        ),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".into(),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), "error response without details");
            "The server could not complete the request; quote the X-Request-Id header when \
             reporting this."
                .into()
        }
        s => s.canonical_reason().unwrap_or("error").to_string(),
    };
    let (req, _) = res.into_parts();
    let new = problem(status, detail);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body::<B>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_own_status() {
        let cases = [
            (ApiError::BadRequest(String::new()), 400),
            (ApiError::Unauthorized(String::new()), 401),
            (ApiError::Forbidden(String::new()), 403),
            (ApiError::NotFound(String::new()), 404),
            (ApiError::Conflict(String::new()), 409),
            (ApiError::PreconditionFailed(String::new()), 412),
            (ApiError::PayloadTooLarge(String::new()), 413),
            (ApiError::UnsupportedMediaType(String::new()), 415),
            (ApiError::Unprocessable(String::new()), 422),
            (ApiError::PreconditionRequired(String::new()), 428),
            (ApiError::Internal(String::new()), 500),
            (ApiError::Unavailable(String::new()), 503),
        ];
        for (e, status) in cases {
            assert_eq!(e.status_code().as_u16(), status, "{e:?}");
        }
    }

    #[test]
    fn internal_detail_never_reaches_the_client() {
        let e = ApiError::Internal("UNIQUE constraint failed: secret_table.x".into());
        assert!(!e.client_detail().contains("secret_table"));
        let e: ApiError = StoreError::Db(diesel::result::Error::NotFound).into();
        assert!(matches!(e, ApiError::Internal(_)));
    }

    #[test]
    fn a_lost_database_connection_is_503() {
        let lost = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new(String::from("server closed the connection unexpectedly")),
        );
        let e: ApiError = StoreError::Db(lost).into();
        assert_eq!(e.status_code().as_u16(), 503);
        assert!(!e.client_detail().contains("server closed"));
    }

    #[test]
    fn a_database_locked_by_another_process_is_503() {
        use diesel::{Connection, RunQueryDsl, SqliteConnection, connection::SimpleConnection};
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("busy.db").display().to_string();
        let mut holder = SqliteConnection::establish(&url).expect("open");
        holder
            .batch_execute("CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .expect("hold the write lock");
        let mut other = SqliteConnection::establish(&url).expect("open");
        other
            .batch_execute("PRAGMA busy_timeout = 0")
            .expect("pragma");
        let busy = diesel::sql_query("INSERT INTO t VALUES (2)")
            .execute(&mut other)
            .expect_err("the write lock is held");
        let e: ApiError = StoreError::Db(busy).into();
        assert_eq!(e.status_code().as_u16(), 503, "{e:?}");
        assert!(e.client_detail().contains("try again"));
        assert!(!e.client_detail().contains("locked"));
        // Any other database error stays a 500.
        let e: ApiError = StoreError::Db(
            diesel::sql_query("INSERT INTO nowhere VALUES (1)")
                .execute(&mut holder)
                .expect_err("no such table"),
        )
        .into();
        assert_eq!(e.status_code().as_u16(), 500);
    }

    #[test]
    fn domain_errors_are_422_with_the_field() {
        let e: ApiError = DomainError::new("progress", "101 is outside 0–100").into();
        assert_eq!(e.status_code().as_u16(), 422);
        assert!(e.client_detail().contains("progress"));
    }
}
