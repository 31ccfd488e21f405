//! What every handler shares.

use std::time::Duration;

use dtihub_service::Store;

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// How long `/readyz` waits for a connection.
    pub ready_timeout: Duration,
}
