//! The public web site: server-rendered Danish pages (English on `?lang=en`) on the same
//! server and port as the API, built with askama templates on Det Fælles Designsystem.
//!
//! A page handler extracts (path, query, language) → parses → makes one read-model call
//! (`db::store::load_site` in `web::block`) → builds a typed page struct → renders its
//! template. Pages are cached like the API's views: checked against the plan's data version,
//! answered with an ETag and 304 on revalidation.
//!
//! Files: `page.rs` (the frame every page shares, errors, headers), `view.rs` (read model →
//! rows the templates print), `svg.rs` (the charts), one file per page family, `assets.rs`
//! (the vendored design system and our CSS), `i18n.rs` (the catalogues).

pub mod assets;
mod embed;
pub mod i18n;
mod kpis;
mod meta;
pub mod page;
mod plan;
mod reports;
mod search;
pub mod svg;
mod view;

use actix_web::web;

pub use page::{PageError, Site, not_found_page};

/// The site's routes. Registered after the API's, so `/api/…`, `/docs`, `/healthz` win.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Static paths first (they would also match `/{plan}`), then the pages asked for most.
    cfg.service(meta::robots)
        .service(meta::sitemap)
        .service(plan::home)
        .service(plan::dashboard)
        .service(assets::asset)
        .service(assets::theme_css)
        .service(plan::measure)
        .service(plan::sub_goals)
        .service(plan::theme)
        .service(plan::owner)
        .service(kpis::list)
        .service(kpis::one)
        .service(reports::list)
        .service(reports::pdf)
        .service(reports::one)
        .service(search::search)
        .service(embed::overview)
        .service(embed::theme)
        .service(embed::measure);
}
