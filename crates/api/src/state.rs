//! What every handler shares.

use std::time::Duration;

use dtihub_service::{Auth, Store};

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Authentication: tokens, grants, throttling.
    pub auth: Auth,
    /// How long `/readyz` waits for a connection.
    pub ready_timeout: Duration,
    /// The per-client request limit (off unless configured).
    pub rate_limit: dtihub_service::rate_limit::RateLimit,
    /// Aggregate responses by data version.
    pub responses: crate::cache::ResponseCache,
}
