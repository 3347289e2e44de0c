//! The browser's side of signing in: the session cookie, the CSRF check every state-changing
//! request from a browser passes, and the client address the rate limits count.
//!
//! The cookie holds the session's secret (never logged; the database keeps its SHA-256). It is
//! `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` unless the public URL is plain http on
//! loopback (a developer's machine), where a browser would not send a secure cookie back.
//! The CSRF token of a form is derived from the session's secret
//! ([`crate::domain::signin::csrf_token`]); a request is also refused when its `Origin` (or,
//! without one, its `Referer`) is another site's.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;

use crate::domain::signin::{self, SessionLimits};

/// The session cookie.
pub const SESSION_COOKIE: &str = "klimaspor_session";
/// Before a session exists (the sign-in form): a random value the form repeats.
pub const PRESESSION_COOKIE: &str = "klimaspor_form";
/// The CSRF token's form field and header.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the cookies are set, from the configuration.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    pub secure: bool,
    pub limits: SessionLimits,
    /// `scheme://host[:port]` of the public URL: a request's `Origin` must be this or the
    /// origin the request was addressed to.
    pub public_origin: String,
}

impl CookiePolicy {
    pub fn new(public_url: &str, limits: SessionLimits) -> Self {
        let origin = origin_of(public_url).unwrap_or_default();
        let host = origin
            .strip_prefix("http://")
            .map(|h| h.rsplit_once(':').map_or(h, |(h, _)| h));
        let loopback = matches!(host, Some("127.0.0.1" | "localhost" | "[::1]"));
        Self {
            secure: !loopback,
            limits,
            public_origin: origin,
        }
    }

    fn build<'c>(&self, name: &'c str, value: String, max_age: CookieDuration) -> Cookie<'c> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(max_age)
            .finish()
    }

    /// The cookie that carries a new session.
    pub fn session_cookie(&self, secret: String) -> Cookie<'static> {
        let max = CookieDuration::seconds(self.limits.absolute.num_seconds());
        self.build(SESSION_COOKIE, secret, max)
    }

    /// The cookie that removes the session from the browser.
    pub fn clear_session(&self) -> Cookie<'static> {
        self.build(SESSION_COOKIE, String::new(), CookieDuration::ZERO)
    }

    /// The sign-in form's own cookie (an hour).
    pub fn presession_cookie(&self, value: String) -> Cookie<'static> {
        self.build(PRESESSION_COOKIE, value, CookieDuration::hours(1))
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        )
    })
}

/// The session secret the browser sent, if any.
pub fn session_secret(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// Is this request from a page of ours? `Origin` when the browser sent one, else `Referer`;
/// a state-changing request with neither is refused.
pub fn same_origin(req: &HttpRequest, policy: &CookiePolicy) -> bool {
    let info = req.connection_info();
    let addressed = format!("{}://{}", info.scheme(), info.host()).to_ascii_lowercase();
    let ours =
        |o: &str| o == addressed || (!policy.public_origin.is_empty() && o == policy.public_origin);
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    match (header(header::ORIGIN), header(header::REFERER)) {
        (Some(origin), _) => ours(&origin.to_ascii_lowercase()),
        (None, Some(referer)) => origin_of(referer).is_some_and(|o| ours(&o)),
        (None, None) => false,
    }
}

/// Does `sent` (a form field or header) carry the CSRF token of the session `secret`?
pub fn csrf_ok(secret: &str, sent: Option<&str>) -> bool {
    sent.is_some_and(|s| signin::same_token(&signin::csrf_token(secret), s))
}

/// The CSRF header of an API request.
pub fn csrf_header(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The client address the sign-in limits count: the peer, or the first `X-Forwarded-For`
/// address when the server is configured to sit behind a proxy it trusts.
pub fn client_address(req: &HttpRequest, trust_forwarded: bool) -> String {
    if trust_forwarded && let Some(ip) = req.connection_info().realip_remote_addr() {
        return ip.split(',').next().unwrap_or(ip).trim().to_string();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The browser's `User-Agent`, shortened, for the list of sessions.
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_except_on_loopback_http() {
        let l = SessionLimits::default();
        assert!(!CookiePolicy::new("http://127.0.0.1:8080", l).secure);
        assert!(!CookiePolicy::new("http://localhost:8080/", l).secure);
        assert!(CookiePolicy::new("https://klima.ballerup.dk", l).secure);
        assert!(CookiePolicy::new("http://klima.ballerup.dk", l).secure);
        let c = CookiePolicy::new("https://klima.ballerup.dk", l).session_cookie("s".into());
        let text = c.to_string();
        for part in [
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=604800",
        ] {
            assert!(text.contains(part), "{text} has {part}");
        }
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://Klima.Ballerup.dk/log-ind?x=1").as_deref(),
            Some("https://klima.ballerup.dk")
        );
        assert_eq!(origin_of("nonsense"), None);
    }
}
