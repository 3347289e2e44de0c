//! Request logging: one line per request with method, path, status, latency and a request id,
//! which is also returned in `X-Request-Id` (see [`request_id`]). Headers (and so tokens) are never logged; the
//! query string is not logged either.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route template a handler that routes by hand (the web site) left in the request's
/// extensions; the metrics label without walking actix's routes a second time.
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel(pub &'static str);

/// A request id unique across requests and instances without a system call per request: a
/// UUID (version 8, "custom") of 128 bits drawn once per process, with a counter folded into
/// its low half. Ids of one process differ in their counter; ids of two processes in their
/// random bits.
fn request_id() -> String {
    static SEED: OnceLock<u128> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u128());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    uuid::Uuid::new_v8((seed ^ u128::from(n)).to_be_bytes()).to_string()
}

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = request_id();
    let method = req.method().clone();
    let span =
        tracing::info_span!("request", request_id = %request_id, %method, path = %req.path());
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if let Some(m) = super::metrics::Metrics::get() {
                let label = res.request().extensions().get::<RouteLabel>().copied();
                let route = match label {
                    Some(RouteLabel(template)) => Cow::Borrowed(template),
                    None => res
                        .request()
                        .match_pattern()
                        .map_or(Cow::Borrowed("unmatched"), Cow::Owned),
                };
                m.observe_request(method.as_str(), &route, status, latency_ms / 1000.0);
            }
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut().insert(REQUEST_ID, v);
            }
            if status >= 500 {
                tracing::error!(status, latency_ms, "request");
            } else {
                tracing::info!(status, latency_ms, "request");
            }
            Ok(res)
        }
        Err(e) => {
            tracing::error!(error = %e, latency_ms, "request failed");
            Err(e)
        }
    }
}
