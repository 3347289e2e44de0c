//! Plain HTML forms: the body parsed, the CSRF check every state-changing form passes, and the
//! errors shown next to their fields (Det Fælles Designsystem's error summary links to them).
//!
//! A form is refused with 403, changing nothing, when it comes from another site's page
//! (`Origin`/`Referer`) or lacks the token of the browser's session (or, before sign-in, of
//! the sign-in form's own cookie).

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header;

use super::i18n::Lang;
use super::page::PageError;
use super::session::{self, CSRF_FIELD, CookiePolicy, PRESESSION_COOKIE};
use crate::domain::signin;

/// A posted form's fields (the last value of a repeated name wins, except in [`Form::all`]).
#[derive(Debug, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Parse `application/x-www-form-urlencoded`; another content type is refused.
    pub fn parse(req: &HttpRequest, body: &[u8], lang: Lang) -> Result<Self, PageError> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.split(';').next().is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        }) {
            return Err(PageError::BadRequest(
                lang,
                "the form must be sent as application/x-www-form-urlencoded".into(),
            ));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| PageError::BadRequest(lang, format!("the form cannot be read: {e}")))?;
        Ok(Self { pairs })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").trim().to_string()
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The check of a form posted by someone signed in: our origin and the session's token.
pub fn check_session_form(
    req: &HttpRequest,
    policy: &CookiePolicy,
    session_secret: &str,
    form: &Form,
    lang: Lang,
) -> Result<(), PageError> {
    if session::same_origin(req, policy) && session::csrf_ok(session_secret, form.get(CSRF_FIELD)) {
        Ok(())
    } else {
        Err(PageError::Forbidden(lang, lang.t().form_forbidden.into()))
    }
}

/// The check of a form posted before sign-in: our origin and the value of the form's cookie.
pub fn check_presession_form(
    req: &HttpRequest,
    policy: &CookiePolicy,
    form: &Form,
    lang: Lang,
) -> Result<(), PageError> {
    let cookie = req.cookie(PRESESSION_COOKIE);
    let ok = session::same_origin(req, policy)
        && cookie.is_some_and(|c| {
            !c.value().is_empty()
                && form
                    .get(CSRF_FIELD)
                    .is_some_and(|f| signin::same_token(c.value(), f))
        });
    if ok {
        Ok(())
    } else {
        Err(PageError::Forbidden(lang, lang.t().form_forbidden.into()))
    }
}

/// One field's error, and the summary's link to it.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's id in the page (a fixed name, or one numbered per row: `option-tonnes-2`).
    pub field: Cow<'static, str>,
    pub message: String,
}

/// The errors of a form, by field.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if it has one.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn map(&self) -> HashMap<&str, String> {
        self.0
            .iter()
            .map(|e| (e.field.as_ref(), e.message.clone()))
            .collect()
    }
}
