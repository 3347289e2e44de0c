//! `/{plan}/soeg?q=`: search over measure titles, sub-goal texts, notes and comments with
//! Danish word forms: the database finds the texts (`db::store::find_texts`, its full-text
//! index), `domain::search` ranks them and marks the hits.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, PlanPage, plan_page, require_reader};
use super::view::PlanView;
use crate::api::AppState;
use crate::db::store::Updates;
use crate::domain::search::{Document, MAX_QUERY_CHARS, Piece, Searcher};

#[derive(Debug, serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

struct Result_ {
    kind: String,
    href: String,
    title: Vec<Piece>,
    snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    summary: String,
    results: Vec<Result_>,
}

/// The texts a search found, to rank: (kind label, link) per document.
fn documents(v: &PlanView) -> Vec<Document<(String, String)>> {
    let t = v.lang.t();
    let mut docs = Vec::new();
    let Some(found) = &v.found else {
        return docs;
    };
    for m in v
        .snap
        .measures
        .iter()
        .filter(|m| found.measures.contains(&m.number))
    {
        let notes = v
            .measure_notes
            .iter()
            .find(|(n, _, _)| *n == m.number)
            .map(|(_, a, b)| [a.as_deref().unwrap_or(""), b.as_deref().unwrap_or("")].join("\n"))
            .unwrap_or_default();
        docs.push(Document {
            key: (
                format!("{} {}", t.measure, m.number),
                v.link(&format!("/tiltag/{}", m.number)),
            ),
            title: m.title.clone(),
            body: notes,
        });
    }
    for g in v
        .snap
        .sub_goals
        .iter()
        .filter(|g| found.sub_goals.contains(&g.key))
    {
        let href = format!(
            "{}#delmaal-{}",
            v.link(&format!("/tiltag/{}", g.measure_number)),
            g.key.replace('.', "-")
        );
        docs.push(Document {
            key: (format!("{} {}", t.sub_goal, g.key), href),
            title: g.text.clone(),
            body: String::new(),
        });
    }
    for (key, u) in &v.updates {
        let Some(note) = &u.note else { continue };
        let Some(g) = v.snap.goal(key) else { continue };
        docs.push(Document {
            key: (
                format!("{} {key}, {}", t.search_kind_note, v.lang.date(u.as_of)),
                format!(
                    "{}#delmaal-{}",
                    v.link(&format!("/tiltag/{}", g.measure_number)),
                    key.replace('.', "-")
                ),
            ),
            title: String::new(),
            body: note.clone(),
        });
    }
    for (number, c) in v
        .comments
        .iter()
        .filter(|(_, c)| found.comments.contains(&c.id))
    {
        let href = match number {
            Some(n) => format!("{}#kommentarer", v.link(&format!("/tiltag/{n}"))),
            None => v.link(""),
        };
        docs.push(Document {
            key: (format!("{} {}", t.search_kind_comment, c.body), href),
            title: String::new(),
            body: match &c.answer {
                Some(a) => format!("{}\n{a}", c.text),
                None => c.text.clone(),
            },
        });
    }
    docs
}

pub async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    query: Result<web::Query<SearchQuery>, actix_web::Error>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    require_reader(&state, &req, Some(&slug), lang).await?;
    let q = query
        .map_err(|e| PageError::BadRequest(lang, e.to_string()))?
        .into_inner()
        .q;
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(PageError::BadRequest(
            lang,
            fill(
                lang.t().search_too_long,
                &[("n", &MAX_QUERY_CHARS.to_string())],
            ),
        ));
    }
    let terms = Searcher::default().terms(&q);
    plan_page(
        &state,
        &req,
        PlanPage {
            slug,
            key: format!("search {q:?}"),
            updates: Updates::Matching(terms.clone()),
            framing: None,
        },
        move |st, rq, v| {
            let lang = v.lang;
            let t = lang.t();
            let hits = if q.trim().is_empty() {
                Vec::new()
            } else {
                Searcher::default().rank(&terms, &documents(v))
            };
            let summary = if q.trim().is_empty() {
                t.search_prompt.to_string()
            } else {
                let found = if hits.len() == 1 {
                    t.search_found_one
                } else {
                    t.search_found
                };
                fill(found, &[("n", &hits.len().to_string()), ("q", q.trim())])
            };
            let page = SearchPage {
                results: hits
                    .into_iter()
                    .take(100)
                    .map(|h| Result_ {
                        kind: h.key.0,
                        href: h.key.1,
                        title: h.title,
                        snippet: h.snippet,
                    })
                    .collect(),
                summary,
                chrome: Chrome::for_plan(&st.site, rq, v, t.nav_search.into())
                    .crumb(t.nav_search, None)
                    .section("search"),
                q,
            };
            Ok(page)
        },
    )
    .await
}
