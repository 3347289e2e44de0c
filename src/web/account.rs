//! Signing in and out, and the person's own page: `/log-ind` (an e-mailed link, or the
//! municipality's OpenID provider), `/log-ind/link` (the link from the mail), `/log-ud` and
//! `/min-side` (who am I, my owners and plans, my sessions, "log out everywhere").
//!
//! What this guarantees: the sign-in form answers the same whether an address is known or not;
//! a link works once, within 15 minutes, for an active person; a sign-in always starts a new
//! session with a new secret (so a session id planted before sign-in is worth nothing); the
//! secrets go into cookies and mails only, never into logs or pages.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{self, Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, Site, page_response, render};
use super::session::{self, PRESESSION_COOKIE};
use crate::api::{AppState, run_db, run_write};
use crate::db::store::{self, NewSession, Principal, SignInRefused};
use crate::domain::access::PlanRole;
use crate::domain::signin::{self, LinkDecision};
use crate::domain::token;
use crate::mail::OutgoingMail;

/// A person signed in on this request: who, and their session's secret (for the CSRF token
/// of the forms on the page).
pub struct Signed {
    pub principal: Principal,
    secret: String,
}

impl Signed {
    pub fn csrf(&self) -> String {
        signin::csrf_token(&self.secret)
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// The person signed in on this request, if any.
pub async fn signed_in(req: &HttpRequest, state: &AppState) -> Result<Option<Signed>, PageError> {
    let Some(secret) = session::session_secret(req) else {
        return Ok(None);
    };
    let p = crate::api::auth::session_principal(state, secret.clone()).await?;
    Ok(p.map(|principal| Signed { principal, secret }))
}

/// Signed in, or a redirect to the sign-in page that comes back here.
pub async fn require_signed_in(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Result<Signed, HttpResponse>, PageError> {
    Ok(match signed_in(req, state).await? {
        Some(s) => Ok(s),
        None => Err(see_other(&Chrome::href_for(
            Lang::from_query(req.query_string()),
            "/log-ind",
        ))),
    })
}

/// A form posted by someone signed in, checked: the person and the parsed form, or the redirect
/// to the sign-in page; 403 when it is not from our origin or lacks the session's token.
pub async fn signed_in_form(
    req: &HttpRequest,
    state: &AppState,
    body: &[u8],
    lang: Lang,
) -> Result<Result<(Signed, Form), HttpResponse>, PageError> {
    let signed = match require_signed_in(req, state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(Err(redirect)),
    };
    let form = Form::parse(req, body, lang)?;
    form::check_session_form(req, &state.auth.cookies, signed.secret(), &form, lang)?;
    Ok(Ok((signed, form)))
}

/// 303 See Other: the answer to every successful form (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish();
    super::page::secure(&mut res, None);
    res
}

/// A signed-in person's page with a form: never stored by a cache, and `400 Bad Request` when
/// it shows a refused form (with the reasons next to the fields), so that a script posting the
/// form sees the refusal without reading the page.
pub(super) fn form_page(html: Vec<u8>, refused: bool) -> HttpResponse {
    let mut res = private(page_response(html, None));
    if refused {
        *res.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    res
}

/// A personal page: never stored by a cache.
pub(super) fn private(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

fn account_chrome(site: &Site, req: &HttpRequest, lang: Lang, title: &str) -> Chrome {
    Chrome::new(site, req, lang, title.to_string()).section("account")
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    errors: Errors,
    /// The OpenID provider's button text, when one is configured.
    oidc: Option<String>,
    /// Already signed in as.
    signed_in_as: Option<String>,
}

/// The sign-in form's CSRF value: the form cookie's, or a new one to set.
fn presession(req: &HttpRequest) -> Result<(String, bool), PageError> {
    if let Some(c) = req.cookie(PRESESSION_COOKIE)
        && c.value().len() == 64
    {
        return Ok((c.value().to_string(), false));
    }
    let v = signin::secret()
        .map_err(|e| PageError::Internal(Lang::Da, format!("no random bytes: {e}")))?;
    Ok((v, true))
}

fn with_presession(
    mut res: HttpResponse,
    state: &AppState,
    value: String,
    new: bool,
) -> HttpResponse {
    if new {
        let _ = res.add_cookie(&state.auth.cookies.presession_cookie(value));
    }
    res
}

fn signin_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    email: String,
    errors: Errors,
    signed: Option<&Signed>,
) -> Result<HttpResponse, PageError> {
    let t = lang.t();
    let (csrf, new) = presession(req)?;
    let bad = !errors.is_empty();
    let page = SignInPage {
        chrome: account_chrome(&state.site, req, lang, t.signin_title),
        csrf: csrf.clone(),
        email,
        errors,
        oidc: state.auth.oidc.as_ref().map(|o| o.label.clone()),
        signed_in_as: signed.map(|s| s.principal.name.clone()),
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(with_presession(res, state, csrf, new))
}

/// `GET /log-ind`
pub async fn signin_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let signed = signed_in(&req, &state).await?;
    signin_page(
        &state,
        &req,
        lang,
        String::new(),
        Errors::default(),
        signed.as_ref(),
    )
}

/// `POST /log-ind`: send a link if the address is known and active; the answer is the same
/// page either way.
pub async fn signin_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let form = Form::parse(&req, &body, lang)?;
    form::check_presession_form(&req, &state.auth.cookies, &form, lang)?;
    let typed = form.text("email");
    let email = match signin::normalise_email(&typed) {
        Ok(e) => e,
        Err(_) => {
            let mut errors = Errors::default();
            errors.add(
                "email",
                if typed.is_empty() {
                    t.signin_email_missing
                } else {
                    t.signin_email_invalid
                },
            );
            return signin_page(&state, &req, lang, typed, errors, None);
        }
    };
    let secret =
        signin::secret().map_err(|e| PageError::Internal(lang, format!("no random bytes: {e}")))?;
    let hash = token::hash(&secret);
    let client = session::client_address(&req, state.auth.trust_forwarded);
    let now = crate::clock::now_utc();
    let address = email.clone();
    let (decision, person) = run_write(&state, move |c| {
        store::request_link(c, &address, &client, &hash, now)
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    match (decision, person) {
        (LinkDecision::Send, Some(person)) => {
            let mail = link_mail(&state, &person.name, &email, &secret);
            let mailer = state.auth.mailer.clone();
            let sent = web::block(move || mailer.send(&mail)).await;
            match sent {
                Ok(Ok(())) => tracing::info!(person = person.id, "sign-in link sent"),
                Ok(Err(e)) => {
                    tracing::error!(person = person.id, error = %e, "sign-in link not sent")
                }
                Err(e) => tracing::error!(person = person.id, error = %e, "sign-in link not sent"),
            }
        }
        (LinkDecision::Limited, _) => tracing::warn!("sign-in link refused: rate limit"),
        _ => tracing::info!("sign-in link asked for an unknown or disabled address"),
    }
    Ok(see_other(&Chrome::href_for(lang, "/log-ind/sendt")))
}

fn link_mail(state: &AppState, name: &str, email: &str, secret: &str) -> OutgoingMail {
    let t = Lang::Da.t();
    let url = format!("{}/log-ind/link?kode={secret}", state.auth.public_url);
    let domain = state
        .auth
        .mail_from
        .rsplit_once('@')
        .map_or("klimaspor", |(_, d)| d.trim_end_matches('>'));
    OutgoingMail {
        message_id: format!("<klimaspor.signin.{}@{domain}>", uuid::Uuid::new_v4()),
        from: state.auth.mail_from.clone(),
        to: vec![email.to_string()],
        subject: fill(t.signin_mail_subject, &[("site", &state.site.name)]),
        body: fill(
            t.signin_mail_body,
            &[
                ("name", name),
                ("site", &state.site.name),
                ("url", &url),
                ("minutes", &signin::LINK_VALID_MINUTES.to_string()),
            ],
        ),
        attachment: None,
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: String,
    paragraphs: Vec<String>,
    /// (text, href)
    link: Option<(String, String)>,
}

fn message(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    heading: &str,
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let page = MessagePage {
        chrome: account_chrome(&state.site, req, lang, heading),
        heading: heading.to_string(),
        paragraphs,
        link,
    };
    Ok(private(page_response(render(&page, lang)?, None)))
}

/// `GET /log-ind/sendt`
pub async fn signin_sent(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    message(
        &state,
        &req,
        lang,
        t.signin_sent_title,
        vec![
            fill(
                t.signin_sent_text,
                &[("minutes", &signin::LINK_VALID_MINUTES.to_string())],
            ),
            t.signin_sent_spam.to_string(),
        ],
        Some((t.signin_again.into(), Chrome::href_for(lang, "/log-ind"))),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    kode: String,
}

#[derive(Template)]
#[template(path = "signin_link.html")]
struct LinkPage {
    chrome: Chrome,
    csrf: String,
    kode: String,
}

/// `GET /log-ind/link?kode=…`: a button that signs in. The link itself changes nothing, so a
/// mail scanner that opens it does not use it up.
pub async fn link_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Result<web::Query<LinkQuery>, actix_web::Error>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let kode = query.map(|q| q.into_inner().kode).unwrap_or_default();
    let (csrf, new) = presession(&req)?;
    let page = LinkPage {
        chrome: account_chrome(&state.site, &req, lang, lang.t().signin_title),
        csrf: csrf.clone(),
        kode,
    };
    let res = private(page_response(render(&page, lang)?, None));
    Ok(with_presession(res, &state, csrf, new))
}

fn new_session(
    req: &HttpRequest,
    state: &AppState,
    method: &'static str,
) -> Result<(String, NewSession), PageError> {
    let secret = signin::secret()
        .map_err(|e| PageError::Internal(Lang::Da, format!("no random bytes: {e}")))?;
    let s = NewSession {
        secret_hash: token::hash(&secret),
        method,
        user_agent: session::user_agent(req),
        client: Some(session::client_address(req, state.auth.trust_forwarded)),
    };
    Ok((secret, s))
}

/// The answer to a sign-in: the session cookie and on to the person's page.
fn signed_in_response(state: &AppState, lang: Lang, secret: String) -> HttpResponse {
    let mut res = see_other(&Chrome::href_for(lang, "/min-side"));
    let _ = res.add_cookie(&state.auth.cookies.session_cookie(secret));
    res
}

/// The page of a refused sign-in, saying why and whom to ask.
fn refused(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    why: SignInRefused,
) -> Result<HttpResponse, PageError> {
    let t = lang.t();
    let text = match why {
        SignInRefused::BadLink => t.signin_bad_link,
        SignInRefused::Disabled => t.signin_disabled,
        SignInRefused::Unknown => t.signin_unknown,
    };
    let mut res = message(
        state,
        req,
        lang,
        t.signin_refused_title,
        vec![
            text.to_string(),
            fill(t.signin_contact, &[("contact", &state.auth.contact)]),
        ],
        Some((t.signin_again.into(), Chrome::href_for(lang, "/log-ind"))),
    )?;
    *res.status_mut() = actix_web::http::StatusCode::FORBIDDEN;
    Ok(res)
}

/// `POST /log-ind/link`: use the link.
pub async fn link_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let form = Form::parse(&req, &body, lang)?;
    form::check_presession_form(&req, &state.auth.cookies, &form, lang)?;
    let link_hash = token::hash(&form.text("kode"));
    let (secret, new) = new_session(&req, &state, "email")?;
    let now = crate::clock::now_utc();
    let outcome = run_write(&state, move |c| store::use_link(c, &link_hash, &new, now))
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    match outcome {
        Ok(p) => {
            tracing::info!(person = ?p.person_id, "signed in with an e-mail link");
            Ok(signed_in_response(&state, lang, secret))
        }
        Err(why) => {
            tracing::warn!(why = ?why, "sign-in link refused");
            refused(&state, &req, lang, why)
        }
    }
}

/// The cookie that ties an OpenID sign-in to the browser that began it.
const OIDC_COOKIE: &str = "klimaspor_oidc";

/// `GET /log-ind/oidc`: off to the provider.
pub async fn oidc_start(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let Some(oidc) = state.auth.oidc.as_ref() else {
        return Err(PageError::NotFound(lang, lang.t().signin_no_oidc.into()));
    };
    let started = oidc
        .start()
        .await
        .map_err(|e| PageError::Unavailable(lang, e.to_string()))?;
    let state_hash = token::hash(&started.state);
    let (nonce, verifier) = (started.nonce.clone(), started.pkce_verifier.clone());
    let now = crate::clock::now_utc();
    run_write(&state, move |c| {
        store::begin_oidc(c, &state_hash, &nonce, &verifier, now)
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let mut res = see_other(&started.url);
    let cookie = actix_web::cookie::Cookie::build(OIDC_COOKIE, started.state)
        .path("/log-ind/oidc")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .secure(state.auth.cookies.secure)
        .max_age(actix_web::cookie::time::Duration::minutes(
            signin::OIDC_FLOW_MINUTES,
        ))
        .finish();
    let _ = res.add_cookie(&cookie);
    Ok(res)
}

#[derive(Debug, serde::Deserialize)]
pub struct OidcReturn {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /log-ind/oidc/retur?code=…&state=…`: the provider sends the browser back.
pub async fn oidc_return(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Result<web::Query<OidcReturn>, actix_web::Error>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let Some(oidc) = state.auth.oidc.as_ref() else {
        return Err(PageError::NotFound(lang, lang.t().signin_no_oidc.into()));
    };
    let q = query.map(|q| q.into_inner()).ok();
    let cookie = req.cookie(OIDC_COOKIE).map(|c| c.value().to_string());
    let (
        Some(OidcReturn {
            code: Some(code),
            state: Some(st),
            error: None,
        }),
        Some(cookie),
    ) = (q, cookie)
    else {
        tracing::warn!("OpenID sign-in came back without a code, a state or the browser's cookie");
        return refused(&state, &req, lang, SignInRefused::BadLink);
    };
    if !signin::same_token(&st, &cookie) {
        tracing::warn!("OpenID sign-in: the state is not this browser's");
        return refused(&state, &req, lang, SignInRefused::BadLink);
    }
    let state_hash = token::hash(&st);
    let now = crate::clock::now_utc();
    let flow = run_write(&state, move |c| store::take_oidc(c, &state_hash, now))
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    let Some((nonce, verifier)) = flow else {
        tracing::warn!("OpenID sign-in: unknown or expired state");
        return refused(&state, &req, lang, SignInRefused::BadLink);
    };
    let value = match oidc.finish(code, nonce, verifier).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "OpenID sign-in refused");
            let detail = format!("OpenID Connect: {e}");
            let client = Some(session::client_address(&req, state.auth.trust_forwarded));
            run_write(&state, move |c| {
                store::record_refused_sign_in(c, &detail, client, now)
            })
            .await
            .map_err(|e| PageError::from(e).in_lang(lang))?;
            return refused(&state, &req, lang, SignInRefused::BadLink);
        }
    };
    let claim = oidc.claim.clone();
    let (secret, new) = new_session(&req, &state, "oidc")?;
    let outcome = run_write(&state, move |c| {
        store::sign_in_by_claim(c, &claim, &value, &new, now)
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    match outcome {
        Ok(p) => {
            tracing::info!(person = ?p.person_id, "signed in with OpenID Connect");
            let mut res = signed_in_response(&state, lang, secret);
            // The flow is over: its cookie goes.
            let done = actix_web::cookie::Cookie::build(OIDC_COOKIE, "")
                .path("/log-ind/oidc")
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Lax)
                .secure(state.auth.cookies.secure)
                .max_age(actix_web::cookie::time::Duration::ZERO)
                .finish();
            let _ = res.add_cookie(&done);
            Ok(res)
        }
        Err(why) => {
            tracing::warn!(why = ?why, "OpenID sign-in refused");
            refused(&state, &req, lang, why)
        }
    }
}

#[derive(Template)]
#[template(path = "signout.html")]
struct SignOutPage {
    chrome: Chrome,
    csrf: String,
    name: String,
}

/// `GET /log-ud`: the button (signing out changes state, so it is a form).
pub async fn signout_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let Some(signed) = signed_in(&req, &state).await? else {
        return message(
            &state,
            &req,
            lang,
            t.signout_done_title,
            vec![t.signout_not_signed_in.into()],
            Some((t.signin_title.into(), Chrome::href_for(lang, "/log-ind"))),
        );
    };
    let page = SignOutPage {
        chrome: account_chrome(&state.site, &req, lang, t.signout_title),
        csrf: signed.csrf(),
        name: signed.principal.name.clone(),
    };
    Ok(private(page_response(render(&page, lang)?, None)))
}

/// `POST /log-ud` (this session) and `POST /min-side/log-ud-alle` (every session).
pub async fn signout_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    everywhere: bool,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let form = Form::parse(&req, &body, lang)?;
    let Some(signed) = signed_in(&req, &state).await? else {
        return Err(PageError::Forbidden(lang, t.form_forbidden.into()));
    };
    form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
    let Some(session_id) = signed.principal.session_id else {
        return Err(PageError::Forbidden(lang, t.form_forbidden.into()));
    };
    let now = crate::clock::now_utc();
    let n = run_write(&state, move |c| {
        store::end_sessions(c, session_id, everywhere, now)
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    tracing::info!(person = ?signed.principal.person_id, sessions = n, "signed out");
    let mut res = message(
        &state,
        &req,
        lang,
        t.signout_done_title,
        vec![if everywhere {
            fill(t.signout_everywhere_done, &[("n", &n.to_string())])
        } else {
            t.signout_done.into()
        }],
        Some((t.signin_again.into(), Chrome::href_for(lang, "/log-ind"))),
    )?;
    let _ = res.add_cookie(&state.auth.cookies.clear_session());
    Ok(res)
}

struct SessionRow {
    started: String,
    last_seen: String,
    method: String,
    device: String,
    current: bool,
}

struct RoleRow {
    plan: String,
    /// The plan's title, as people know it (the slug is for the link).
    title: String,
    role: String,
    admin_href: Option<String>,
}

#[derive(Template)]
#[template(path = "my_page.html")]
struct MyPage {
    chrome: Chrome,
    csrf: String,
    name: String,
    email: String,
    owners: Vec<String>,
    roles: Vec<RoleRow>,
    operator: bool,
    sessions: Vec<SessionRow>,
}

/// `GET /min-side`
pub async fn my_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let (Some(person_id), Some(current)) =
        (signed.principal.person_id, signed.principal.session_id)
    else {
        return Err(PageError::Forbidden(lang, t.form_forbidden.into()));
    };
    let limits = state.auth.cookies.limits;
    let now = crate::clock::now_utc();
    let (view, titles, sessions) = run_db(&state, move |c| {
        let view = store::get_person(c, person_id)?;
        // The titles of the plans the person has a role on, from one read of the plans.
        let plans = store::list_plans(c)?;
        let titles: Vec<String> = view
            .roles
            .iter()
            .map(|(slug, _)| {
                plans
                    .iter()
                    .find(|p| &p.slug == slug)
                    .map_or_else(|| slug.clone(), |p| p.title.clone())
            })
            .collect();
        Ok((
            view,
            titles,
            store::list_sessions(c, person_id, limits, now)?,
        ))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let local = crate::clock::local_minute;
    let page = MyPage {
        chrome: account_chrome(&state.site, &req, lang, t.my_page_title),
        csrf: signed.csrf(),
        name: view.person.name.clone(),
        email: view.person.email.clone(),
        owners: view.owners.iter().map(|(_, n)| n.clone()).collect(),
        operator: view.person.operator,
        roles: view
            .roles
            .iter()
            .zip(titles)
            .map(|((plan, r), title)| RoleRow {
                plan: plan.clone(),
                title,
                role: role_label(*r, lang).into(),
                admin_href: (*r == PlanRole::Admin)
                    .then(|| Chrome::href_for(lang, &format!("/admin/{plan}/personer"))),
            })
            .collect(),
        sessions: sessions
            .iter()
            .map(|s| SessionRow {
                started: local(s.created_at),
                last_seen: local(s.last_seen_at),
                method: if s.method == "oidc" {
                    t.session_method_oidc.into()
                } else {
                    t.session_method_email.into()
                },
                device: s.user_agent.clone().unwrap_or_default(),
                current: s.id == current,
            })
            .collect(),
    };
    Ok(private(page_response(render(&page, lang)?, None)))
}

pub fn role_label(r: PlanRole, lang: Lang) -> &'static str {
    let t = lang.t();
    match r {
        PlanRole::Admin => t.role_admin,
        PlanRole::Committee => t.role_committee,
        PlanRole::Reader => t.role_reader,
    }
}
