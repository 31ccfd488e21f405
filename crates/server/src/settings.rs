//! Typed configuration: defaults, then an optional TOML file, then `DTIHUB_*` environment
//! variables (and `DATABASE_URL` when `DTIHUB_DATABASE_URL` is not set).

use std::path::Path;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Log output format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Every setting of the server.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `postgres://…` for PostgreSQL; anything else is a SQLite file path.
    pub database_url: SecretString,
    /// Address to listen on (`host:port`; port 0 picks a free one).
    pub bind: String,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (`info`, `dtihub=debug,actix_web=info`, ...); `RUST_LOG` wins when set.
    pub log_level: String,
    /// Most database connections.
    pub pool_max_size: u32,
    /// Seconds a request waits for a database connection before answering 503.
    pub pool_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` in milliseconds (0 disables).
    pub statement_timeout_ms: u64,
    /// SQLite `busy_timeout` in milliseconds.
    pub sqlite_busy_timeout_ms: u64,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// Load the demo data from the source documents into an empty database at start-up.
    pub seed_demo: bool,
}

#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    bind: &'static str,
    log_format: LogFormat,
    log_level: &'static str,
    pool_max_size: u32,
    pool_timeout_secs: u64,
    statement_timeout_ms: u64,
    sqlite_busy_timeout_ms: u64,
    body_limit_bytes: usize,
    shutdown_timeout_secs: u64,
    seed_demo: bool,
}

/// The embedded default database.
pub const DEFAULT_DATABASE_URL: &str = "data/dtihub.sqlite3";

impl Default for Defaults {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL,
            bind: "127.0.0.1:8080",
            log_format: LogFormat::Human,
            log_level: "info",
            pool_max_size: 16,
            pool_timeout_secs: 5,
            statement_timeout_ms: 30_000,
            sqlite_busy_timeout_ms: 5_000,
            body_limit_bytes: 2 * 1024 * 1024,
            shutdown_timeout_secs: 30,
            seed_demo: true,
        }
    }
}

impl Settings {
    /// Loads the settings: defaults, then the TOML file if given (or `dtihub.toml` when it
    /// exists), then the environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        match config_file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("dtihub.toml")),
        }
        if std::env::var_os("DTIHUB_DATABASE_URL").is_none() {
            if let Some(url) = std::env::var_os("DATABASE_URL") {
                figment = figment.merge(Serialized::default(
                    "database_url",
                    url.to_string_lossy().into_owned(),
                ));
            }
        }
        figment = figment.merge(Env::prefixed("DTIHUB_").ignore(&["CONFIG"]));
        figment.extract().map_err(Box::new)
    }

    /// Settings for tests: the defaults with a given database and port 0.
    pub fn for_tests(database_url: &str) -> Self {
        let d = Defaults::default();
        Self {
            database_url: SecretString::from(database_url.to_owned()),
            bind: "127.0.0.1:0".into(),
            log_format: d.log_format,
            log_level: d.log_level.into(),
            pool_max_size: 8,
            pool_timeout_secs: 2,
            statement_timeout_ms: d.statement_timeout_ms,
            sqlite_busy_timeout_ms: d.sqlite_busy_timeout_ms,
            body_limit_bytes: d.body_limit_bytes,
            workers: Some(2),
            shutdown_timeout_secs: 1,
            seed_demo: true,
        }
    }

    /// Pool options derived from the settings.
    pub fn pool_options(&self) -> dtihub_db::PoolOptions {
        dtihub_db::PoolOptions {
            max_size: self.pool_max_size,
            connection_timeout: Duration::from_secs(self.pool_timeout_secs.max(1)),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
        }
    }

    /// The database URL with any password replaced by `***`, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

/// Replaces the password of a `scheme://user:password@host` URL with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/dtihub"),
            "postgres://app:***@db:5432/dtihub"
        );
        assert_eq!(
            redact_url("postgres://app@db/dtihub"),
            "postgres://app@db/dtihub"
        );
        assert_eq!(redact_url("data/dtihub.sqlite3"), "data/dtihub.sqlite3");
    }
}
