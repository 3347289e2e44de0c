//! Request logging: one line per request with method, path, status, latency and a request id,
//! which is also returned in `X-Request-Id`. Headers (and so tokens) are never logged; the
//! query string is not logged either.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = req.method().to_string();
    let path = req.path().to_string();
    let span = tracing::info_span!("request", request_id = %request_id, %method, %path);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if let Some(m) = super::metrics::Metrics::get() {
                let route = res
                    .request()
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".into());
                m.observe_request(&method, &route, status, latency_ms / 1000.0);
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
