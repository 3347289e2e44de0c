//! Bearer-token authentication. The token is hashed and looked up; the token itself is
//! never stored or logged.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppState;
use super::error::ApiError;
use super::run_db;
use crate::db::store::{self, Principal};
use crate::domain::access;
use crate::domain::token;

/// The caller of a request: a principal if a valid token was sent, none otherwise.
/// A token that was sent but is unknown or revoked is refused with 401, never ignored.
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// Reads are public unless `KLIMASPOR_PUBLIC_READ=false`; then any valid token may read.
    pub fn require_read(&self, state: &AppState) -> Result<(), ApiError> {
        if state.public_read || self.0.is_some() {
            Ok(())
        } else {
            Err(ApiError::Unauthorized(
                "reading needs a bearer token on this server".into(),
            ))
        }
    }

    /// Any authenticated caller; what it may do is checked by the operation.
    pub fn require_token(&self) -> Result<&Principal, ApiError> {
        self.0.as_ref().ok_or_else(|| {
            ApiError::Unauthorized("this request needs 'Authorization: Bearer TOKEN'".into())
        })
    }
}

fn require_admin(p: &Principal) -> Result<&Principal, ApiError> {
    access::may_administer(p.role, &p.name).map_err(|r| ApiError::Forbidden(r.0))?;
    Ok(p)
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed =
        || ApiError::Unauthorized("the Authorization header must be 'Bearer TOKEN'".into());
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed());
    }
    Ok(Some(token.trim().to_string()))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(token) = token? else {
                return Ok(Caller(None));
            };
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let hash = token::hash(&token);
            let principal = run_db(&state, move |c| store::authenticate(c, &hash)).await?;
            match principal {
                Some(p) => Ok(Caller(Some(p))),
                None => Err(ApiError::Unauthorized("unknown or revoked token".into())),
            }
        })
    }
}

/// A caller that must hold a valid token: extracting it fails with 401, and a handler's
/// [`Body`](super::json::Body) reports its errors only after that, so an anonymous write or
/// one with an unknown token is refused as such whatever its body.
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            caller.require_token().cloned().map(Authenticated)
        })
    }
}

/// A caller that must hold an admin token: 401 without a token, 403 with another role,
/// both before anything is said about the body.
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let Authenticated(p) = caller.await?;
            require_admin(&p)?;
            Ok(Admin(p))
        })
    }
}
