//! Logging with `tracing`: text or JSON on stderr (stdout stays free for command output such
//! as a new token), filtered by `RUST_LOG` (`level` or `target=level`, comma-separated, e.g.
//! `info,klimaspor=debug`).

use tracing_subscriber::{Layer, filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

const DEFAULT_FILTER: &str = "info,actix_server=warn";

pub fn init(format: LogFormat) {
    let (filter, rejected) = filter_from(std::env::var("RUST_LOG").ok().as_deref());
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let layer = match format {
        LogFormat::Text => layer.boxed(),
        LogFormat::Json => layer.json().flatten_event(true).boxed(),
    };
    // A second initialisation (tests spawn many apps) is harmless: keep the first.
    let installed = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .is_ok();
    if let (true, Some((value, error))) = (installed, rejected) {
        tracing::warn!(RUST_LOG = %value, %error, "RUST_LOG is not a log filter; using {DEFAULT_FILTER:?}");
    }
}

/// The filter `RUST_LOG` names, or the default and why the value was refused.
fn filter_from(value: Option<&str>) -> (Targets, Option<(String, String)>) {
    let default = || DEFAULT_FILTER.parse::<Targets>().unwrap_or_default();
    match value.map(str::trim) {
        None | Some("") => (default(), None),
        Some(v) => match v.parse::<Targets>() {
            Ok(filter) => (filter, None),
            Err(e) => (default(), Some((v.to_string(), e.to_string()))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn rust_log_sets_levels_per_target_and_a_bad_value_falls_back_to_the_default() {
        let (f, rejected) = filter_from(Some("warn,klimaspor=debug"));
        assert!(rejected.is_none());
        assert!(f.would_enable("klimaspor::api", &Level::DEBUG));
        assert!(!f.would_enable("actix_web", &Level::INFO));

        let (f, rejected) = filter_from(None);
        assert!(rejected.is_none());
        assert!(f.would_enable("klimaspor", &Level::INFO));
        assert!(!f.would_enable("actix_server::worker", &Level::INFO));

        let (f, rejected) = filter_from(Some("klimaspor=loud"));
        let (value, _) = rejected.expect("refused");
        assert_eq!(value, "klimaspor=loud");
        assert!(f.would_enable("klimaspor", &Level::INFO));
        assert!(!f.would_enable("klimaspor", &Level::DEBUG));
    }
}
