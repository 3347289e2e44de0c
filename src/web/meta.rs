//! `/robots.txt` and `/sitemap.xml`, so the municipality's search engine finds every page.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::page::PageError;
use super::svg::esc;
use crate::api::{AppState, run_db};
use crate::db::store;

pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    let body = if state.site.public_read {
        format!(
            "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /docs/\nDisallow: /*/indlejr/\n\nSitemap: {}/sitemap.xml\n",
            state.site.public_url
        )
    } else {
        "User-agent: *\nDisallow: /\n".to_string()
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .body(body)
}

pub async fn sitemap(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    if !state.site.public_read {
        return Err(PageError::SignIn(super::i18n::Lang::Da));
    }
    let paths = run_db(&state, move |c| {
        let mut paths: Vec<String> = Vec::new();
        for plan in store::list_plans(c)? {
            let (data, indicators, _) = store::load_export(c, &plan.slug)?;
            let slug = &plan.slug;
            paths.push(format!("/{slug}"));
            for sub in ["/delmaal", "/noegletal", "/klima", "/rapporter", "/soeg"] {
                paths.push(format!("/{slug}{sub}"));
            }
            for th in data.themes.iter().filter(|t| t.parent_id.is_none()) {
                paths.push(format!("/{slug}/tema/{}", th.code));
            }
            for m in &data.measures {
                paths.push(format!("/{slug}/tiltag/{}", m.number));
            }
            let mut owners: Vec<i32> = data.owners.iter().map(|(_, o)| o.id).collect();
            owners.sort();
            owners.dedup();
            for o in owners {
                paths.push(format!("/{slug}/ansvarlig/{o}"));
            }
            for (i, _, _) in &indicators {
                paths.push(format!("/{slug}/noegletal/{}", i.code));
            }
            for r in store::site_reports(c, slug, None)?.1 {
                paths.push(format!("/{slug}/rapporter/{}", r.id));
            }
        }
        Ok(paths)
    })
    .await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in paths {
        let _ = writeln!(
            xml,
            "  <url><loc>{}{}</loc></url>",
            esc(&state.site.public_url),
            esc(&p)
        );
    }
    xml.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/xml; charset=utf-8"))
        .body(xml))
}
