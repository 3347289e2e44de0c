//! Who is calling: a bearer token (integrations), or the session cookie of a person signed in
//! in a browser. A bearer token wins when both are sent. Neither the token nor the session's
//! secret is stored or logged: each is hashed and looked up.
//!
//! A state-changing request that rides on the session cookie must carry the session's CSRF
//! token in `X-CSRF-Token` and come from our own origin; otherwise it is refused with 403 and
//! changes nothing. A bearer token needs neither (a browser never adds one by itself).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppState;
use super::error::ApiError;
use super::{run_db, run_write};
use crate::db::store::{self, Principal};
use crate::domain::access;
use crate::domain::token;
use crate::web::session;

/// The caller of a request: a principal if a valid token or session was sent, none otherwise.
/// A token that was sent but is unknown or revoked is refused with 401, never ignored; a
/// session cookie that has ended is ignored (the browser is simply not signed in any more).
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// Reads are public unless `KLIMASPOR_PUBLIC_READ=false`; then a signed-in caller reads.
    pub fn require_read(&self, state: &AppState) -> Result<(), ApiError> {
        if state.public_read || self.0.is_some() {
            Ok(())
        } else {
            Err(ApiError::Unauthorized(
                "reading needs a bearer token or a sign-in on this server".into(),
            ))
        }
    }

    /// Reads of one plan's data: public unless `KLIMASPOR_PUBLIC_READ=false`; then the caller
    /// must hold a role on the plan (or own measures in it, or be an operator): 401 without a
    /// credential, 403 for another plan's token or person. When reads are public nothing is
    /// looked up.
    pub async fn require_read_of(
        &self,
        state: &AppState,
        what: store::PlanOf,
    ) -> Result<(), ApiError> {
        if state.public_read {
            return Ok(());
        }
        let p = self.0.as_ref().ok_or_else(|| {
            ApiError::Unauthorized(
                "reading needs a bearer token or a sign-in on this server".into(),
            )
        })?;
        let (plan_id, slug) = run_db(state, move |c| store::plan_of(c, &what)).await?;
        if p.grants.may_read(plan_id) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "'{}' may not read plan '{slug}'",
                p.name
            )))
        }
    }

    /// Whether the caller may see rows of the plan `plan_id` in a list over several plans.
    pub fn sees_plan(&self, state: &AppState, plan_id: i32) -> bool {
        state.public_read || self.0.as_ref().is_some_and(|p| p.grants.may_read(plan_id))
    }

    /// Any authenticated caller; what it may do is checked by the operation.
    pub fn require_token(&self) -> Result<&Principal, ApiError> {
        self.0.as_ref().ok_or_else(|| {
            ApiError::Unauthorized("this request needs 'Authorization: Bearer TOKEN'".into())
        })
    }
}

fn require_admin(p: &Principal) -> Result<&Principal, ApiError> {
    access::may_administer_some_plan(&p.grants, &p.name).map_err(|r| ApiError::Forbidden(r.0))?;
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

/// What the request carried to identify its caller.
enum Credential {
    None,
    Bearer(String),
    /// The session secret, and whether this request must pass the CSRF check.
    Session {
        secret: String,
        checked: Result<(), ApiError>,
    },
}

fn credential(req: &HttpRequest, state: Option<&AppState>) -> Result<Credential, ApiError> {
    if let Some(token) = bearer(req)? {
        return Ok(Credential::Bearer(token));
    }
    let (Some(secret), Some(state)) = (session::session_secret(req), state) else {
        return Ok(Credential::None);
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let checked = if safe {
        Ok(())
    } else if !session::same_origin(req, &state.auth.cookies) {
        Err(ApiError::Forbidden(
            "a request from another site's page is refused".into(),
        ))
    } else if !session::csrf_ok(&secret, session::csrf_header(req).as_deref()) {
        Err(ApiError::Forbidden(
            "a request signed in by cookie needs the session's X-CSRF-Token header".into(),
        ))
    } else {
        Ok(())
    };
    Ok(Credential::Session { secret, checked })
}

/// The principal behind the request's credential, recording a token's use or moving a
/// session's last-seen time when they are due.
pub async fn resolve(req: &HttpRequest, state: &AppState) -> Result<Option<Principal>, ApiError> {
    let now = crate::clock::now_utc();
    match credential(req, Some(state))? {
        Credential::None => Ok(None),
        Credential::Bearer(token) => {
            let hash = token::hash(&token);
            let found = run_db(state, move |c| store::authenticate(c, &hash, now)).await?;
            let Some((p, record)) = found else {
                return Err(ApiError::Unauthorized("unknown or revoked token".into()));
            };
            if record && let Some(id) = p.token_id {
                let client = session::client_address(req, state.auth.trust_forwarded);
                run_write(state, move |c| {
                    store::record_token_use(c, id, Some(client), now)
                })
                .await?;
            }
            Ok(Some(p))
        }
        Credential::Session { secret, checked } => {
            let Some(p) = session_principal(state, secret).await? else {
                return Ok(None);
            };
            checked?;
            Ok(Some(p))
        }
    }
}

/// The person signed in with the session `secret`, if it is alive; moves its last-seen time
/// when that is due. The caller checks CSRF (the API in a header, the pages in the form).
pub async fn session_principal(
    state: &AppState,
    secret: String,
) -> Result<Option<Principal>, ApiError> {
    let now = crate::clock::now_utc();
    let hash = token::hash(&secret);
    let limits = state.auth.cookies.limits;
    let found = run_db(state, move |c| {
        store::session_principal(c, &hash, limits, now)
    })
    .await?;
    let Some((p, s, touch)) = found else {
        return Ok(None);
    };
    if touch {
        run_write(state, move |c| store::touch_session(c, s.id, now)).await?;
    }
    Ok(Some(p))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            Ok(Caller(resolve(&req, &state).await?))
        })
    }
}

/// A caller that must hold a valid token or session: extracting it fails with 401, and a handler's
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

/// A caller that administers some plan (or is an operator): 401 without a credential, 403
/// otherwise, both before anything is said about the body. Which plan it may act on is checked
/// by the operation once the plan is known.
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
