//! Static assets: Det Fælles Designsystem's compiled CSS, the IBM Plex Sans cuts and icons it
//! uses (vendored under `assets/vendor/dkfds` with their licences), and our CSS and script.
//! `build.rs` names each file by its content hash and gzips it once, so a file is served with
//! `Cache-Control: immutable` and compressed without work per request. Nothing comes from
//! another host.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use super::page::{SITE, not_found_page};
use crate::api::cache::accepts_gzip;

pub struct Asset {
    /// Its path below `src/web/assets`.
    pub logical: &'static str,
    /// Its served name, with the content hash.
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    pub gzip: Option<&'static [u8]>,
}

pub static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The URL of an asset by its path below `src/web/assets` ("site/site.css").
pub fn url(logical: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.logical == logical)
        .map_or_else(String::new, |a| format!("/assets/{}", a.name))
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn asset(req: HttpRequest, name: String) -> HttpResponse {
    let Some(a) = ASSETS.iter().find(|a| a.name == name.as_str()) else {
        return not_found_page(&req);
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, a.content_type))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if a.gzip.is_some() {
        res.insert_header((header::VARY, "Accept-Encoding"));
    }
    match a.gzip {
        Some(gz) if accepts_gzip(&req) => res
            .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
            .body(gz),
        _ => res.body(a.body),
    }
}

/// The accent colour from configuration, as a stylesheet whose name is its hash.
pub async fn theme_css(req: HttpRequest) -> HttpResponse {
    match SITE.get() {
        Some(site) if site.theme_path == req.path() => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(site.theme_css.clone()),
        _ => not_found_page(&req),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn every_asset_is_named_by_its_hash_and_compressed_where_it_pays() {
        let css = ASSETS
            .iter()
            .find(|a| a.logical == "vendor/dkfds/dkfds.min.css")
            .unwrap();
        assert!(css.name.starts_with("dkfds-min.") && css.name.ends_with(".css"));
        let gz = css.gzip.expect("the stylesheet is gzipped");
        assert!(
            gz.len() * 4 < css.body.len(),
            "{} → {}",
            css.body.len(),
            gz.len()
        );
        // The stylesheet refers to the icons by their hashed names only.
        let text = std::str::from_utf8(css.body).unwrap();
        assert!(!text.contains("url(icons/") && text.contains("url(/assets/"));
        assert!(
            ASSETS
                .iter()
                .filter(|a| a.logical.ends_with(".woff2"))
                .all(|a| a.gzip.is_none())
        );
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        let req = |v: &str| {
            TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, v))
                .to_http_request()
        };
        assert!(accepts_gzip(&req("gzip, deflate, br")));
        assert!(accepts_gzip(&req("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&req("gzip;q=0")));
        assert!(!accepts_gzip(&req("br")));
        assert!(!accepts_gzip(&TestRequest::default().to_http_request()));
    }
}
