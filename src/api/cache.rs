//! Cached JSON for the plan's read views (the whole plan, one measure, sub-goal lists), with
//! `ETag` / `If-None-Match` → 304.
//!
//! Correctness does not depend on this process seeing the writes: every response is checked
//! against the plan's `data_version`, which database triggers bump on any change to what the
//! views show — whoever writes (this server, another instance on the same PostgreSQL, the CLI,
//! a hand-written `UPDATE`). A hit costs one indexed single-row query instead of loading and
//! serialising the plan; a miss loads, serialises and stores. The version is read *before* the
//! data, so a write landing in between can only make the entry look older than it is (one
//! extra rebuild), never newer.
//!
//! Between those checks an entry is served from memory for at most the revalidation interval
//! (`KLIMASPOR_CACHE_REVALIDATE_MS`, default 100 ms) and only while this process has finished
//! no write transaction since: a write through this server is seen by the next request, a
//! write by another process within the interval (two, while the one request that asks the
//! database on behalf of the others waits for its answer).
//!
//! The key is the plan, the view and its fully resolved query (the `as_of` date included, so
//! the derived flags roll over at midnight). The cache holds at most [`CAPACITY`] entries;
//! beyond that the entry built longest ago goes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use super::run_db;
use crate::db::store::{self, StoreResult};
use crate::db::{self, DbConn};

/// Distinct (plan, view, query) responses kept. The Ballerup plan's common views are a
/// handful; the bound keeps arbitrary query strings from growing memory.
pub const CAPACITY: usize = 128;

/// `Cache-Control` of the cached views: clients and proxies may keep the body but must
/// revalidate (cheap: a 304) before using it.
const CACHE_CONTROL: &str = "no-cache";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    slug: String,
    view: String,
}

impl CacheKey {
    /// `view` names the view and its resolved query, e.g. `measures ListQuery { … }`.
    pub fn new(slug: &str, view: String) -> Self {
        Self {
            slug: slug.to_string(),
            view,
        }
    }
}

#[derive(Clone)]
struct Entry {
    plan_id: i32,
    data_version: i64,
    etag: HeaderValue,
    content_type: HeaderValue,
    body: web::Bytes,
    /// The body gzipped once when it was built (web pages), sent to clients that accept it.
    gzip: Option<web::Bytes>,
    built: u64,
    /// When the data version was last confirmed, and this process's write count then.
    checked: Instant,
    write_gen: u64,
    /// When a request set out to confirm it again (one at a time: see [`ResponseCache::fresh`]).
    confirming: Option<Instant>,
}

pub struct ResponseCache {
    inner: Mutex<Inner>,
    revalidate: Duration,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<CacheKey, Entry>,
    builds: u64,
}

impl ResponseCache {
    /// `revalidate`: how long an entry is served without asking the database (zero: never).
    pub fn new(revalidate: Duration) -> Self {
        Self {
            inner: Mutex::default(),
            revalidate,
        }
    }

    /// An entry recent enough to serve without asking the database: no write finished in this
    /// process since it was confirmed, and confirmed within the revalidation interval — or
    /// another request is confirming it right now (for at most one more interval), so that
    /// when the interval runs out one request asks the database, not every request at once.
    fn fresh(&self, key: &CacheKey, write_gen: u64) -> Option<Entry> {
        if self.revalidate.is_zero() {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let entry = inner.entries.get_mut(key)?;
        if entry.write_gen != write_gen {
            return None;
        }
        if entry.checked.elapsed() < self.revalidate
            || entry
                .confirming
                .is_some_and(|since| since.elapsed() < self.revalidate)
        {
            return Some(entry.clone());
        }
        entry.confirming = Some(Instant::now());
        None
    }

    /// The entry, if it is of this plan and data version; it counts as confirmed from now.
    fn confirm(
        &self,
        key: &CacheKey,
        plan_id: i32,
        data_version: i64,
        write_gen: u64,
    ) -> Option<Entry> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let entry = inner
            .entries
            .get_mut(key)
            .filter(|e| e.plan_id == plan_id && e.data_version == data_version)?;
        entry.checked = Instant::now();
        entry.write_gen = entry.write_gen.max(write_gen);
        entry.confirming = None;
        Some(entry.clone())
    }

    fn put(
        &self,
        key: CacheKey,
        (plan_id, data_version, write_gen): (i32, i64, u64),
        content_type: HeaderValue,
        body: Vec<u8>,
    ) -> Entry {
        let etag = etag_of(&body);
        let gzip = content_type
            .as_bytes()
            .starts_with(b"text/html")
            .then(|| gzip(&body))
            .flatten()
            .map(web::Bytes::from);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.builds += 1;
        let entry = Entry {
            plan_id,
            data_version,
            etag,
            content_type,
            body: web::Bytes::from(body),
            gzip,
            built: inner.builds,
            checked: Instant::now(),
            write_gen,
            confirming: None,
        };
        // Entries of older versions of this plan can never be served again.
        inner.entries.retain(|k, e| {
            k.slug != key.slug || (e.plan_id == plan_id && e.data_version >= data_version)
        });
        if inner.entries.len() >= CAPACITY
            && let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.built)
                .map(|(k, _)| k.clone())
        {
            inner.entries.remove(&oldest);
        }
        inner.entries.insert(key, entry.clone());
        entry
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|i| i.entries.len()).unwrap_or(0)
    }
}

/// The first 12 bytes of `bytes`' SHA-256, in hex: names for content-addressed things.
pub fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..12])
}

/// A strong ETag from the body's SHA-256: the same bytes always get the same tag, on every
/// instance and after a restart.
fn etag_of(body: &[u8]) -> HeaderValue {
    let tag = format!("\"v-{}\"", short_hash(body));
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"v-unknown\""))
}

/// Does `If-None-Match` name `etag`? Weak comparison (RFC 9110 §13.1.2): `W/` is ignored;
/// `*` matches any current representation. An unreadable header matches nothing.
fn none_match(req: &HttpRequest, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Largest piece of a cached body handed to the connection at a time.
const SLICE: usize = 16 * 1024;

/// A cached body, sent in slices of at most [`SLICE`] bytes that share its memory.
///
/// actix copies a response body into the connection's write buffer, and a connection keeps
/// that buffer's size for as long as it stays open: given the whole plan (60 KB for Ballerup)
/// in one piece, every keep-alive connection held a buffer of that size. In slices it fills
/// the buffer to actix's 32 KiB mark and sends before it takes more. `Content-Length` is still
/// the whole size.
struct Slices(web::Bytes);

impl actix_web::body::MessageBody for Slices {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        let rest = &mut self.0;
        std::task::Poll::Ready(if rest.is_empty() {
            None
        } else {
            Some(Ok(rest.split_to(rest.len().min(SLICE))))
        })
    }
}

/// Does the request accept gzip (`Accept-Encoding`, with a q-value other than 0)?
pub fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|enc| {
            let mut parts = enc.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let q_zero = parts.any(|p| p.replace(' ', "") == "q=0" || p == "q=0.0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
        })
}

/// `body` gzipped (fast level: a page is compressed once per change of the plan), if smaller.
fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body).ok()?;
    enc.finish().ok().filter(|gz| gz.len() < body.len())
}

fn respond_with(req: &HttpRequest, entry: Entry) -> HttpResponse {
    // The gzipped body carries the tag weak, as nginx does: the same content, other bytes
    // (RFC 9110 §8.8.1); If-None-Match compares weakly, so either revalidates.
    let gzipped = entry.gzip.is_some() && accepts_gzip(req);
    let etag = if gzipped {
        HeaderValue::from_str(&format!("W/{}", entry.etag.to_str().unwrap_or("\"\"")))
            .unwrap_or(entry.etag.clone())
    } else {
        entry.etag.clone()
    };
    let mut res = if none_match(req, &entry.etag) {
        HttpResponse::NotModified().finish()
    } else {
        let mut res = HttpResponse::Ok();
        res.insert_header((header::CONTENT_TYPE, entry.content_type));
        match entry.gzip {
            Some(gz) if gzipped => res
                .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
                .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")))
                .body(Slices(gz)),
            Some(_) => res
                .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")))
                .body(Slices(entry.body)),
            None => res.body(Slices(entry.body)),
        }
    };
    let headers = res.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    res
}

/// Answer a read view of the plan `key` names: from the cache when the plan's data version is
/// unchanged, else by `load`ing from the database and shaping with `view`. 304 when the
/// client's `If-None-Match` names the current body. Errors (unknown plan, bad filter) are
/// never cached.
pub async fn respond<D, T>(
    state: &AppState,
    req: &HttpRequest,
    key: CacheKey,
    load: impl FnOnce(&mut DbConn) -> StoreResult<D> + Send + 'static,
    view: impl FnOnce(D) -> Result<T, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    D: Send + 'static,
    T: Serialize,
{
    let json = HeaderValue::from_static("application/json");
    respond_bytes(state, req, key, json, load, move |data| {
        serde_json::to_vec(&view(data)?)
            .map_err(|e| ApiError::Internal(format!("serialising a plan view: {e}")))
    })
    .await
}

/// [`respond`] for any representation: `view` makes the body (a web page, say), sent with
/// `content_type`. The error type is the caller's (the site answers errors with HTML pages).
pub async fn respond_bytes<D, E>(
    state: &AppState,
    req: &HttpRequest,
    key: CacheKey,
    content_type: HeaderValue,
    load: impl FnOnce(&mut DbConn) -> StoreResult<D> + Send + 'static,
    view: impl FnOnce(D) -> Result<Vec<u8>, E>,
) -> Result<HttpResponse, E>
where
    D: Send + 'static,
    E: From<ApiError>,
{
    // Read before the database is asked: a write finishing after this makes the entry stale.
    let write_gen = db::write_generation();
    if let Some(entry) = state.cache.fresh(&key, write_gen) {
        return Ok(respond_with(req, entry));
    }
    let slug = key.slug.clone();
    let (plan_id, data_version) = run_db(state, move |c| store::plan_version(c, &slug)).await?;
    if let Some(entry) = state.cache.confirm(&key, plan_id, data_version, write_gen) {
        return Ok(respond_with(req, entry));
    }
    let data = run_db(state, load).await?;
    let body = view(data)?;
    let entry = state
        .cache
        .put(key, (plan_id, data_version, write_gen), content_type, body);
    Ok(respond_with(req, entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn key(slug: &str, view: &str) -> CacheKey {
        CacheKey::new(slug, view.to_string())
    }

    fn json() -> HeaderValue {
        HeaderValue::from_static("application/json")
    }

    fn cache(ms: u64) -> ResponseCache {
        ResponseCache::new(Duration::from_millis(ms))
    }

    #[test]
    fn an_entry_is_confirmed_only_for_its_plan_and_version() {
        let cache = cache(100);
        cache.put(key("a", "measures"), (1, 7, 0), json(), b"[1]".to_vec());
        assert!(cache.confirm(&key("a", "measures"), 1, 7, 0).is_some());
        assert!(
            cache.confirm(&key("a", "measures"), 1, 8, 0).is_none(),
            "newer data"
        );
        assert!(
            cache.confirm(&key("a", "measures"), 2, 7, 0).is_none(),
            "plan re-created"
        );
        assert!(
            cache.confirm(&key("a", "subgoals"), 1, 7, 0).is_none(),
            "other view"
        );
        assert!(
            cache.confirm(&key("b", "measures"), 1, 7, 0).is_none(),
            "other plan"
        );
    }

    #[test]
    fn an_entry_is_served_unasked_only_within_the_interval_and_without_a_write_since() {
        let cache = cache(40);
        cache.put(key("a", "measures"), (1, 7, 3), json(), b"[1]".to_vec());
        assert!(cache.fresh(&key("a", "measures"), 3).is_some());
        assert!(
            cache.fresh(&key("a", "measures"), 4).is_none(),
            "a write finished since"
        );
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            cache.fresh(&key("a", "measures"), 3).is_none(),
            "interval over"
        );
        // Confirming against the database starts a new interval at the current write count.
        assert!(cache.confirm(&key("a", "measures"), 1, 7, 4).is_some());
        assert!(cache.fresh(&key("a", "measures"), 4).is_some());
        let never = super::ResponseCache::new(Duration::ZERO);
        never.put(key("a", "measures"), (1, 7, 3), json(), b"[1]".to_vec());
        assert!(
            never.fresh(&key("a", "measures"), 3).is_none(),
            "0 asks every time"
        );
    }

    #[test]
    fn a_new_version_drops_the_plans_older_entries_and_no_others() {
        let cache = cache(100);
        cache.put(key("a", "measures"), (1, 1, 0), json(), b"[1]".to_vec());
        cache.put(key("a", "subgoals"), (1, 1, 0), json(), b"[2]".to_vec());
        cache.put(key("b", "measures"), (2, 1, 0), json(), b"[3]".to_vec());
        cache.put(key("a", "measures"), (1, 2, 0), json(), b"[4]".to_vec());
        assert_eq!(cache.len(), 2);
        assert!(cache.confirm(&key("b", "measures"), 2, 1, 0).is_some());
        assert_eq!(
            cache
                .confirm(&key("a", "measures"), 1, 2, 0)
                .map(|e| e.body),
            Some(web::Bytes::from_static(b"[4]"))
        );
    }

    #[test]
    fn the_cache_stays_within_its_capacity_dropping_the_oldest() {
        let cache = cache(100);
        for i in 0..CAPACITY + 10 {
            cache.put(key("a", &format!("q{i}")), (1, 1, 0), json(), vec![b'x'; 3]);
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.confirm(&key("a", "q0"), 1, 1, 0).is_none());
        let newest = key("a", &format!("q{}", CAPACITY + 9));
        assert!(cache.confirm(&newest, 1, 1, 0).is_some());
    }

    #[test]
    fn etags_follow_the_bytes() {
        assert_eq!(etag_of(b"{\"a\":1}"), etag_of(b"{\"a\":1}"));
        assert_ne!(etag_of(b"{\"a\":1}"), etag_of(b"{\"a\":2}"));
        let tag = etag_of(b"x");
        let tag = tag.to_str().unwrap();
        assert!(tag.starts_with("\"v-") && tag.ends_with('"'), "{tag}");
    }

    #[test]
    fn if_none_match_uses_weak_comparison_lists_and_star() {
        let tag = etag_of(b"body");
        let t = tag.to_str().unwrap().to_string();
        let with = |v: &str| {
            TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, v))
                .to_http_request()
        };
        assert!(none_match(&with(&t), &tag));
        assert!(none_match(&with(&format!("W/{t}")), &tag));
        assert!(none_match(&with(&format!("\"other\", {t}")), &tag));
        assert!(none_match(&with("*"), &tag));
        assert!(!none_match(&with("\"other\""), &tag));
        assert!(!none_match(&TestRequest::default().to_http_request(), &tag));
    }
}
