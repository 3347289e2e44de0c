//! `GET /metrics` in Prometheus text format: requests by route and status with latency
//! histograms (recorded by the request middleware), report runs by kind and state, the outbox
//! backlog and the age of its oldest mail, and the database pool.

use std::sync::OnceLock;

use actix_web::{HttpResponse, get, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use super::AppState;
use super::error::ApiError;
use super::run_db;
use crate::db::runs;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    runs: IntGaugeVec,
    outbox_backlog: IntGauge,
    outbox_oldest_age: IntGauge,
    group_commits: IntGauge,
    group_commit_writes: IntGauge,
    pool: IntGaugeVec,
}

impl Metrics {
    fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("klimaspor".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )?;
        let runs = IntGaugeVec::new(
            Opts::new("report_runs", "Report runs by kind and state"),
            &["kind", "state"],
        )?;
        let outbox_backlog = IntGauge::new("outbox_backlog", "Mails waiting to be sent")?;
        let outbox_oldest_age = IntGauge::new(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest mail waiting to be sent (0 when none)",
        )?;
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(runs.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(outbox_oldest_age.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        let group_commits = IntGauge::new(
            "sqlite_group_commits",
            "SQLite write transactions committed by the group-commit writer since start",
        )?;
        let group_commit_writes = IntGauge::new(
            "sqlite_group_commit_writes",
            "Write requests those transactions carried (writes per fsync = this / commits)",
        )?;
        registry.register(Box::new(group_commits.clone()))?;
        registry.register(Box::new(group_commit_writes.clone()))?;
        Ok(Self {
            group_commits,
            group_commit_writes,
            registry,
            requests,
            latency,
            runs,
            outbox_backlog,
            outbox_oldest_age,
            pool,
        })
    }

    /// The process-wide metrics (None only if the metric definitions are invalid).
    pub fn get() -> Option<&'static Metrics> {
        static M: OnceLock<Option<Metrics>> = OnceLock::new();
        M.get_or_init(|| match Metrics::new() {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::error!(error = %e, "metrics unavailable");
                None
            }
        })
        .as_ref()
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let m = Metrics::get().ok_or_else(|| ApiError::Internal("metrics unavailable".into()))?;
    let stats = run_db(&state, runs::outbox_stats).await?;
    m.runs.reset();
    for (kind, st, n) in &stats.runs {
        m.runs.with_label_values(&[kind, st]).set(*n);
    }
    m.outbox_backlog.set(stats.backlog);
    let age = stats
        .oldest_pending
        .map_or(0, |t| (crate::clock::now_utc() - t).num_seconds().max(0));
    m.outbox_oldest_age.set(age);
    let pool = state.pool.state();
    let idle = i64::from(pool.idle_connections);
    m.pool.with_label_values(&["idle"]).set(idle);
    m.pool
        .with_label_values(&["in_use"])
        .set(i64::from(pool.connections) - idle);
    m.pool
        .with_label_values(&["max"])
        .set(i64::from(state.pool.max_size()));
    if let Some(writer) = &state.writer {
        let (commits, writes) = writer.stats();
        m.group_commits
            .set(i64::try_from(commits).unwrap_or(i64::MAX));
        m.group_commit_writes
            .set(i64::try_from(writes).unwrap_or(i64::MAX));
    }
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut body)
        .map_err(|e| ApiError::Internal(format!("metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body))
}
