//! Structured logs on stderr: human-readable by default, JSON with `LEADFORGE_LOG_FORMAT=json`.

use pipeline::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `default_level` applies when `LEADFORGE_LOG` is unset.
pub fn init(config: &Config, default_level: &str) -> anyhow::Result<()> {
    let filter = match config.log_filter.as_deref() {
        Some(f) => EnvFilter::try_new(f)
            .map_err(|e| anyhow::anyhow!("configuration: LEADFORGE_LOG: not a log filter ({e})"))?,
        None => EnvFilter::new(default_level),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests calling main twice) is harmless: keep the first subscriber.
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.with_target(false).compact().try_init(),
    };
    Ok(())
}
