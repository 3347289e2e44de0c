//! What every page shares: the site's settings, the frame around a page (header, breadcrumbs,
//! footer, language switch), the security headers, and the error pages.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use super::i18n::{Catalogue, Lang};
use super::view::PlanView;
use crate::api::AppState;
use crate::api::cache::{self, CacheKey};
use crate::api::error::ApiError;
use crate::db::store::{self, Updates};

/// The site's settings, checked at start-up.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub accessibility_url: String,
    /// CSP `frame-ancestors` of the embeddable widgets.
    pub embed_ancestors: String,
    /// The server's public address, for the embed snippets and the sitemap.
    pub public_url: String,
    pub public_read: bool,
    /// `/theme/{hash}.css`: the accent colour.
    pub theme_path: String,
    pub theme_css: String,
}

/// WCAG 2.x relative luminance of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let ch = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
}

/// "#005f73" → (0, 95, 115).
fn parse_hex(s: &str) -> Option<(u8, u8, u8)> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some((p(0)?, p(2)?, p(4)?))
}

impl Site {
    pub fn new(
        name: &str,
        accent: &str,
        accessibility_url: &str,
        embed_ancestors: &str,
        public_url: &str,
        public_read: bool,
    ) -> anyhow::Result<Self> {
        let rgb = parse_hex(accent).ok_or_else(|| {
            anyhow::anyhow!("KLIMASPOR_ACCENT_COLOR: '{accent}' is not a colour as #rrggbb")
        })?;
        let contrast = 1.05 / (luminance(rgb) + 0.05);
        if contrast < 4.5 {
            anyhow::bail!(
                "KLIMASPOR_ACCENT_COLOR: {accent} has contrast {contrast:.1}:1 against white; \
                 white text on it needs at least 4.5:1 (WCAG 2.1 AA). Choose a darker colour."
            );
        }
        if embed_ancestors
            .chars()
            .any(|c| c.is_control() || c == ';' || c == ',')
        {
            anyhow::bail!(
                "KLIMASPOR_EMBED_ANCESTORS: a space-separated list of sources, no ';' or ','"
            );
        }
        let theme_css = format!(":root{{--accent:{accent}}}\n");
        let hash = crate::api::cache::short_hash(theme_css.as_bytes());
        Ok(Self {
            name: name.to_string(),
            accessibility_url: accessibility_url.to_string(),
            embed_ancestors: embed_ancestors.trim().to_string(),
            public_url: public_url.trim_end_matches('/').to_string(),
            public_read,
            theme_path: format!("/theme/{hash}.css"),
            theme_css,
        })
    }
}

/// One step of the breadcrumbs; the last has no link.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The frame around every page: what `base.html` prints.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Catalogue,
    pub site_name: String,
    /// The plan's slug and title, on a plan's pages.
    pub plan: Option<(String, String)>,
    pub title: String,
    pub crumbs: Vec<Crumb>,
    /// The page's path, for the language switch and the current menu item.
    pub path: String,
    /// The page's query without `lang`, kept by the language switch.
    pub query: String,
    /// The `<iframe>` snippet of this page's widget, if it has one.
    pub embed: Option<String>,
    pub accessibility_url: String,
    pub css: Vec<String>,
    pub js: String,
    pub icon: String,
    /// Which menu item this page belongs to.
    pub section: &'static str,
}

impl Chrome {
    pub fn new(site: &Site, req: &HttpRequest, lang: Lang, title: String) -> Self {
        let query = req
            .query_string()
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect::<Vec<_>>()
            .join("&");
        Self {
            lang,
            t: lang.t(),
            site_name: site.name.clone(),
            plan: None,
            title,
            crumbs: Vec::new(),
            path: req.path().to_string(),
            query,
            embed: None,
            accessibility_url: site.accessibility_url.clone(),
            css: vec![
                super::assets::url("vendor/dkfds/dkfds.min.css"),
                super::assets::url("site/site.css"),
                site.theme_path.clone(),
            ],
            js: super::assets::url("site/site.js"),
            icon: super::assets::url("site/icon.svg"),
            section: "",
        }
    }

    /// The frame of a plan's page: the header names the plan's municipality and links its
    /// pages, and the breadcrumbs start at the plan.
    pub fn for_plan(site: &Site, req: &HttpRequest, v: &PlanView, title: String) -> Self {
        Self::new(site, req, v.lang, title)
            .in_plan(v.slug(), &v.snap.plan.municipality, &v.snap.plan.title)
            .crumb(v.snap.plan.title.clone(), Some(v.link("")))
    }

    /// On a plan's page: the header names the plan's municipality and links its pages.
    pub fn in_plan(mut self, slug: &str, municipality: &str, title: &str) -> Self {
        self.site_name = municipality.to_string();
        self.plan = Some((slug.to_string(), title.to_string()));
        self
    }

    pub fn crumb(mut self, label: impl Into<String>, href: Option<String>) -> Self {
        self.crumbs.push(Crumb {
            label: label.into(),
            href,
        });
        self
    }

    pub fn section(mut self, s: &'static str) -> Self {
        self.section = s;
        self
    }

    /// A link within the site, in this page's language.
    pub fn href(&self, path: &str) -> String {
        Self::href_for(self.lang, path)
    }

    /// A link within the site, in `lang`.
    pub fn href_for(lang: Lang, path: &str) -> String {
        match lang {
            Lang::Da => path.to_string(),
            Lang::En if path.contains('?') => format!("{path}&lang=en"),
            Lang::En => format!("{path}?lang=en"),
        }
    }

    /// A link to a page of the current plan: `plan_href("/tiltag/3")`.
    pub fn plan_href(&self, rest: &str) -> String {
        let slug = self.plan.as_ref().map_or("", |(s, _)| s.as_str());
        self.href(&format!("/{slug}{rest}"))
    }

    /// This page in the other language.
    pub fn switch_href(&self) -> String {
        let mut q = self.query.clone();
        if self.lang == Lang::Da {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str("lang=en");
        }
        if q.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{q}", self.path)
        }
    }

    pub fn other_lang(&self) -> Lang {
        self.lang.other()
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

/// The Content-Security-Policy of a page: nothing from another host, no inline script or
/// style; framing only for the embeds.
macro_rules! csp_prefix {
    () => {
        concat!(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; ",
            "script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; ",
            "frame-ancestors "
        )
    };
}

/// Every page but the embeds: a constant, so answering a cached page builds no header text.
const CSP_NO_FRAMING: &str = concat!(csp_prefix!(), "'none'");

/// Security headers of every HTML page. `framing`: the embeds' ancestors, or none.
pub fn secure(res: &mut HttpResponse, framing: Option<&str>) {
    let h = res.headers_mut();
    let policy = match framing {
        None => HeaderValue::from_static(CSP_NO_FRAMING),
        Some(a) => HeaderValue::from_str(&format!("{}{a}", csp_prefix!()))
            .unwrap_or_else(|_| HeaderValue::from_static(CSP_NO_FRAMING)),
    };
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if framing.is_none() {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

pub const HTML: &str = "text/html; charset=utf-8";

/// Why a page could not be shown; each is answered with a Danish (or English) page.
#[derive(Debug)]
pub enum PageError {
    /// 404: no such plan, theme, measure, … — the message says which.
    NotFound(Lang, String),
    /// 400: a query the page cannot use, with what was wrong.
    BadRequest(Lang, String),
    /// 401: the server does not let the public read (`KLIMASPOR_PUBLIC_READ=false`).
    SignIn(Lang),
    /// 403: a form from another site or without its token, or a page the person may not see.
    Forbidden(Lang, String),
    /// 409: the change does not fit the state it meets (a round already closed, …).
    Conflict(Lang, String),
    /// 413: a form or file larger than the server takes.
    TooLarge(Lang, String),
    /// 500 / 503, logged; the page says only that something went wrong.
    Internal(Lang, String),
    Unavailable(Lang, String),
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(_, m)
            | Self::BadRequest(_, m)
            | Self::Forbidden(_, m)
            | Self::Conflict(_, m)
            | Self::TooLarge(_, m) => f.write_str(m),
            Self::SignIn(_) => f.write_str("sign-in required"),
            Self::Internal(_, m) | Self::Unavailable(_, m) => f.write_str(m),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        // The language is not known here; handlers that know it map with `in_lang`.
        let lang = Lang::Da;
        match e {
            ApiError::NotFound(m) => Self::NotFound(lang, m),
            ApiError::Unavailable(m) => Self::Unavailable(lang, m),
            ApiError::BadRequest(m) => Self::BadRequest(lang, m),
            ApiError::Forbidden(m) => Self::Forbidden(lang, m),
            other => Self::Internal(lang, other.to_string()),
        }
    }
}

impl PageError {
    /// The same error, answered in `lang`.
    pub fn in_lang(self, lang: Lang) -> Self {
        match self {
            Self::NotFound(_, m) => Self::NotFound(lang, m),
            Self::BadRequest(_, m) => Self::BadRequest(lang, m),
            Self::SignIn(_) => Self::SignIn(lang),
            Self::Forbidden(_, m) => Self::Forbidden(lang, m),
            Self::Conflict(_, m) => Self::Conflict(lang, m),
            Self::TooLarge(_, m) => Self::TooLarge(lang, m),
            Self::Internal(_, m) => Self::Internal(lang, m),
            Self::Unavailable(_, m) => Self::Unavailable(lang, m),
        }
    }

    fn lang(&self) -> Lang {
        match self {
            Self::NotFound(l, _)
            | Self::BadRequest(l, _)
            | Self::SignIn(l)
            | Self::Forbidden(l, _)
            | Self::Conflict(l, _)
            | Self::TooLarge(l, _)
            | Self::Internal(l, _)
            | Self::Unavailable(l, _) => *l,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
    detail: Option<String>,
    home: String,
    show_signin: bool,
}

/// A bare frame for pages outside a request's plan (errors, the plan list).
fn plain_chrome(lang: Lang, title: &str, path: &str) -> Chrome {
    let site = SITE.get();
    let name = site.map_or_else(|| "klimaspor".to_string(), |s| s.name.clone());
    Chrome {
        lang,
        t: lang.t(),
        site_name: name,
        plan: None,
        title: title.to_string(),
        crumbs: Vec::new(),
        path: path.to_string(),
        query: String::new(),
        embed: None,
        accessibility_url: site.map_or_else(String::new, |s| s.accessibility_url.clone()),
        css: vec![
            super::assets::url("vendor/dkfds/dkfds.min.css"),
            super::assets::url("site/site.css"),
            site.map_or_else(String::new, |s| s.theme_path.clone()),
        ],
        js: super::assets::url("site/site.js"),
        icon: super::assets::url("site/icon.svg"),
        section: "",
    }
}

/// The site's settings for the error pages, which actix builds without the request's state.
pub static SITE: std::sync::OnceLock<Site> = std::sync::OnceLock::new();

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound(..) => StatusCode::NOT_FOUND,
            Self::BadRequest(..) => StatusCode::BAD_REQUEST,
            Self::SignIn(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(..) => StatusCode::FORBIDDEN,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::TooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal(..) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let lang = self.lang();
        let t = lang.t();
        let (heading, message, detail) = match self {
            Self::NotFound(_, m) => (t.error_404_title, t.error_404_text, Some(m.clone())),
            Self::BadRequest(_, m) => (t.error_400_title, t.error_400_text, Some(m.clone())),
            Self::SignIn(_) => (t.signin_title, t.signin_text, None),
            Self::Forbidden(_, m) => (t.error_403_title, t.error_403_text, Some(m.clone())),
            Self::Conflict(_, m) => (t.error_409_title, t.error_409_text, Some(m.clone())),
            Self::TooLarge(_, m) => (t.error_400_title, t.error_400_text, Some(m.clone())),
            Self::Internal(_, m) => {
                tracing::error!(error = %m, "page failed");
                (t.error_500_title, t.error_500_text, None)
            }
            Self::Unavailable(_, m) => {
                tracing::warn!(error = %m, "page unavailable");
                (t.error_503_title, t.error_503_text, None)
            }
        };
        let page = ErrorPage {
            chrome: plain_chrome(lang, heading, "/"),
            heading: heading.to_string(),
            message: message.to_string(),
            detail,
            show_signin: matches!(self, Self::SignIn(_)),
            home: match lang {
                Lang::Da => "/".into(),
                Lang::En => "/?lang=en".into(),
            },
        };
        let body = page.render().unwrap_or_else(|_| heading.to_string());
        let mut res = HttpResponse::build(self.status_code())
            .insert_header((header::CONTENT_TYPE, HTML))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body);
        secure(&mut res, None);
        res
    }
}

/// The Danish 404 page for a path the server does not know.
pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    let lang = Lang::from_query(req.query_string());
    PageError::NotFound(lang, lang.t().error_404_detail.to_string()).error_response()
}

/// Render a template into a body, or a 500 that says which template failed.
pub fn render(page: &impl Template, lang: Lang) -> Result<Vec<u8>, PageError> {
    page.render()
        .map(String::into_bytes)
        .map_err(|e| PageError::Internal(lang, format!("rendering a page: {e}")))
}

/// When the public may not read (`KLIMASPOR_PUBLIC_READ=false`): the person signed in must
/// be allowed to read the plan `slug` (any plan for the list of plans); else the sign-in page,
/// or 403 for a person with no role on the plan.
pub async fn require_reader(
    state: &AppState,
    req: &HttpRequest,
    slug: Option<&str>,
    lang: Lang,
) -> Result<(), PageError> {
    if state.site.public_read {
        return Ok(());
    }
    let Some(signed) = super::account::signed_in(req, state).await? else {
        return Err(PageError::SignIn(lang));
    };
    let Some(slug) = slug else { return Ok(()) };
    let s = slug.to_string();
    let (plan_id, _) = crate::api::run_db(state, move |c| store::plan_version(c, &s))
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    if signed.principal.grants.may_read(plan_id) {
        Ok(())
    } else {
        Err(PageError::Forbidden(lang, lang.t().plan_forbidden.into()))
    }
}

/// A page of a plan: the plan, the page's name in the cache (with everything it depends on,
/// its query and the like), the progress updates it shows, and who may frame it (the embeds).
pub struct PlanPage<'a> {
    pub slug: String,
    pub key: String,
    pub updates: Updates,
    pub framing: Option<&'a str>,
}

/// Answer a page of a plan, as every plan page is made: from the cache when the plan is
/// unchanged (ETag, 304), else loaded (`db::store::load_site`, one read transaction), turned
/// into a [`PlanView`] for today, given to `build` for the page and rendered. The language is
/// the request's; a closed site answers the sign-in page.
pub async fn plan_page<P: Template>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    page: PlanPage<'_>,
    build: impl FnOnce(&AppState, &HttpRequest, &PlanView) -> Result<P, PageError> + 'static,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    require_reader(state, req, Some(&page.slug), lang).await?;
    let day = crate::clock::today();
    let PlanPage {
        slug,
        key,
        updates,
        framing,
    } = page;
    let key = CacheKey::new(&slug, format!("page {key} {lang:?} {day}"));
    let (st, rq) = (state.clone(), req.clone());
    let mut res = cache::respond_bytes(
        state,
        req,
        key,
        HeaderValue::from_static(HTML),
        move |c| store::load_site(c, &slug, day, updates),
        move |d| {
            let v = PlanView::build(d, day, lang)?;
            render(&build(&st, &rq, &v)?, lang)
        },
    )
    .await
    .map_err(|e| e.in_lang(lang))?;
    secure(&mut res, framing);
    Ok(res)
}

/// Answer a page that is not cached (the list of plans, a report).
pub fn page_response(body: Vec<u8>, framing: Option<&str>) -> HttpResponse {
    let mut res = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HTML))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body);
    secure(&mut res, framing);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accent_colour_must_carry_white_text() {
        assert!(Site::new("X", "#005f73", "", "'self'", "http://x", true).is_ok());
        let e = Site::new("X", "#ffd700", "", "'self'", "http://x", true).unwrap_err();
        assert!(e.to_string().contains("4.5:1"), "{e}");
        assert!(Site::new("X", "red", "", "'self'", "http://x", true).is_err());
        assert!(Site::new("X", "#005f73", "", "'self'; script-src *", "http://x", true).is_err());
    }

    #[test]
    fn pages_refuse_framing_and_inline_code() {
        let mut res = HttpResponse::Ok().finish();
        secure(&mut res, None);
        let csp = res
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        let mut res = HttpResponse::Ok().finish();
        secure(&mut res, Some("https://ballerup.dk"));
        let csp = res
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors https://ballerup.dk"));
        assert!(res.headers().get(header::X_FRAME_OPTIONS).is_none());
    }
}
