//! Typed configuration: defaults, then an optional TOML file, then `DTIHUB_*` environment
//! variables (and `DATABASE_URL` when `DTIHUB_DATABASE_URL` is not set).

use std::path::{Path, PathBuf};
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
    /// Seconds a request waits for a database connection before answering 503. r2d2 retries a
    /// failed connection after at most half of this, so it also bounds how long the pool takes
    /// to notice that a restarted database accepts connections again.
    pub pool_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` in milliseconds (0 leaves the database's own setting).
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
    /// Also create the demo accounts (documented passwords!) at start-up. Unset: on for the
    /// embedded SQLite database (the try-it-out setup), off for PostgreSQL (production);
    /// `dtihub seed-demo` always creates them.
    pub seed_demo_accounts: Option<bool>,
    /// Password of the `admin` user created on the first start; generated and logged once
    /// when unset.
    pub admin_password: Option<SecretString>,
    /// `iss` of access tokens.
    pub jwt_issuer: String,
    /// `aud` of access tokens.
    pub jwt_audience: String,
    /// Access-token lifetime in seconds.
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Ed25519 private key (PKCS#8 PEM file): sign with EdDSA and publish the public key at
    /// `/.well-known/jwks.json`. Unset: HS256 with a secret generated on the first start and
    /// kept in the database.
    pub jwt_private_key_file: Option<PathBuf>,
    /// The same key given inline (PEM text), e.g. from a secret store.
    pub jwt_private_key_pem: Option<SecretString>,
    /// Public keys (SPKI PEM files) of earlier signing keys, still accepted during a rotation.
    #[serde(default)]
    pub jwt_previous_public_key_files: Vec<PathBuf>,
    /// argon2id memory cost in KiB (OWASP: 19456).
    pub argon2_memory_kib: u32,
    /// argon2id passes (OWASP: 2).
    pub argon2_iterations: u32,
    /// argon2id lanes (OWASP: 1).
    pub argon2_parallelism: u32,
    /// Failed logins of one username or client within the window before it is refused.
    pub login_max_failures: u32,
    /// Failed logins from one address within the window before it is refused.
    pub login_max_failures_per_address: u32,
    /// The sliding window of login throttling, in seconds.
    pub login_window_secs: u64,
    /// Milliseconds a failed login waits before it is answered.
    pub login_failure_delay_ms: u64,
    /// Most data rows one import may hold (413 beyond it).
    pub import_max_rows: u64,
    /// Most bytes one import upload may have (413 beyond it).
    pub import_max_bytes: u64,
    /// Hours an import's idempotency key (and its response) is kept; at least 24.
    pub import_key_retention_hours: u64,
    /// Uploads larger than this many bytes run as jobs (202) even without `Prefer:
    /// respond-async`; 0: only when asked.
    pub import_async_above_bytes: u64,
    /// Whether this instance runs import jobs (any instance's worker may run any job).
    pub import_worker: bool,
    /// Seconds a worker's claim on a running job lasts without renewal (renewed every third);
    /// a job whose worker died is taken over after it.
    pub import_job_lease_secs: u64,
    /// Milliseconds an idle worker waits between looks for jobs.
    pub import_job_poll_ms: u64,
    /// Requests one authenticated user or client may make per rate-limit window (0: no
    /// limit, the default); beyond it, 429 with `Retry-After`.
    pub rate_limit_requests: u32,
    /// The rate-limit window, in seconds.
    pub rate_limit_window_secs: u64,
    /// Megabytes of aggregate responses each instance keeps, by data version (0: none).
    pub aggregate_cache_mb: u64,
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
    jwt_issuer: &'static str,
    jwt_audience: &'static str,
    access_token_ttl_secs: u64,
    refresh_token_ttl_secs: u64,
    argon2_memory_kib: u32,
    argon2_iterations: u32,
    argon2_parallelism: u32,
    login_max_failures: u32,
    login_max_failures_per_address: u32,
    login_window_secs: u64,
    login_failure_delay_ms: u64,
    import_max_rows: u64,
    import_max_bytes: u64,
    import_key_retention_hours: u64,
    import_async_above_bytes: u64,
    import_worker: bool,
    import_job_lease_secs: u64,
    import_job_poll_ms: u64,
    rate_limit_requests: u32,
    rate_limit_window_secs: u64,
    aggregate_cache_mb: u64,
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
            pool_timeout_secs: 3,
            statement_timeout_ms: 30_000,
            sqlite_busy_timeout_ms: 5_000,
            body_limit_bytes: 2 * 1024 * 1024,
            shutdown_timeout_secs: 30,
            seed_demo: true,
            jwt_issuer: "dtihub",
            jwt_audience: "dtihub-api",
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 14 * 24 * 3600,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            login_max_failures: 5,
            login_max_failures_per_address: 20,
            login_window_secs: 15 * 60,
            login_failure_delay_ms: 500,
            import_max_rows: 1_000_000,
            import_max_bytes: 512 * 1024 * 1024,
            import_key_retention_hours: 24,
            import_async_above_bytes: 64 * 1024 * 1024,
            import_worker: true,
            import_job_lease_secs: 60,
            import_job_poll_ms: 2_000,
            rate_limit_requests: 0,
            rate_limit_window_secs: 60,
            aggregate_cache_mb: 32,
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

    /// Settings for tests: the defaults with a given database and port 0, the demo accounts,
    /// and a cheap argon2 cost so that logins do not dominate the suite's time.
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
            seed_demo_accounts: Some(true),
            admin_password: None,
            jwt_issuer: d.jwt_issuer.into(),
            jwt_audience: d.jwt_audience.into(),
            access_token_ttl_secs: d.access_token_ttl_secs,
            refresh_token_ttl_secs: d.refresh_token_ttl_secs,
            jwt_private_key_file: None,
            jwt_private_key_pem: None,
            jwt_previous_public_key_files: Vec::new(),
            argon2_memory_kib: 256,
            argon2_iterations: 1,
            argon2_parallelism: 1,
            login_max_failures: d.login_max_failures,
            login_max_failures_per_address: d.login_max_failures_per_address,
            login_window_secs: d.login_window_secs,
            login_failure_delay_ms: 0,
            import_max_rows: d.import_max_rows,
            import_max_bytes: d.import_max_bytes,
            import_key_retention_hours: d.import_key_retention_hours,
            import_async_above_bytes: d.import_async_above_bytes,
            import_worker: d.import_worker,
            import_job_lease_secs: d.import_job_lease_secs,
            import_job_poll_ms: d.import_job_poll_ms,
            rate_limit_requests: d.rate_limit_requests,
            rate_limit_window_secs: d.rate_limit_window_secs,
            aggregate_cache_mb: d.aggregate_cache_mb,
        }
    }

    /// The per-client request limit.
    pub fn rate_limit(&self) -> dtihub_service::rate_limit::RateLimit {
        dtihub_service::rate_limit::RateLimit {
            requests: self.rate_limit_requests,
            window: Duration::from_secs(self.rate_limit_window_secs.max(1)),
        }
    }

    /// The authentication configuration, reading key files as needed.
    pub fn auth_config(&self) -> anyhow::Result<dtihub_service::auth::AuthConfig> {
        use anyhow::Context;
        use dtihub_service::auth::{AuthConfig, ThrottleConfig};
        use dtihub_service::jwt::{SigningConfig, TokenConfig};
        use dtihub_service::secrets::HashingParams;
        let private_pem = match (&self.jwt_private_key_pem, &self.jwt_private_key_file) {
            (Some(pem), _) => Some(pem.expose_secret().to_owned()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the JWT private key {}", path.display()))?,
            ),
            (None, None) => None,
        };
        let signing = match private_pem {
            None => SigningConfig::Generated,
            Some(private_key_pem) => {
                let mut previous_public_key_pems = Vec::new();
                for path in &self.jwt_previous_public_key_files {
                    previous_public_key_pems.push(std::fs::read_to_string(path).with_context(
                        || format!("reading the previous JWT public key {}", path.display()),
                    )?);
                }
                SigningConfig::Ed25519 {
                    private_key_pem,
                    previous_public_key_pems,
                }
            }
        };
        Ok(AuthConfig {
            tokens: TokenConfig {
                issuer: self.jwt_issuer.clone(),
                audience: self.jwt_audience.clone(),
                access_ttl: Duration::from_secs(self.access_token_ttl_secs.max(1)),
                signing,
            },
            refresh_ttl: Duration::from_secs(self.refresh_token_ttl_secs.max(1)),
            hashing: HashingParams {
                memory_kib: self.argon2_memory_kib,
                iterations: self.argon2_iterations,
                parallelism: self.argon2_parallelism,
            },
            throttle: ThrottleConfig {
                max_failures_per_account: self.login_max_failures,
                max_failures_per_address: self.login_max_failures_per_address,
                window: Duration::from_secs(self.login_window_secs.max(1)),
                failure_delay: Duration::from_millis(self.login_failure_delay_ms),
            },
        })
    }

    /// Whether start-up creates the demo accounts: as configured, else only on SQLite.
    pub fn seeds_demo_accounts(&self) -> bool {
        self.seed_demo_accounts.unwrap_or_else(|| {
            dtihub_db::Backend::from_url(self.database_url.expose_secret())
                == dtihub_db::Backend::Sqlite
        })
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
