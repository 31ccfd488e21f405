//! The per-client API rate limit: a fixed window of requests per authenticated subject,
//! counted in the database so that every stateless instance enforces the same limit.

use std::time::Duration;

use dtihub_db::repo::rate_limits;

use crate::error::ServiceError;
use crate::store::Store;

/// How many requests a subject may make per window; `requests == 0` turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window (0: no limit).
    pub requests: u32,
    /// The window's length.
    pub window: Duration,
}

impl RateLimit {
    /// No limit at all (the default, so that benchmarks are not throttled).
    pub const OFF: RateLimit = RateLimit {
        requests: 0,
        window: Duration::from_secs(60),
    };

    /// Whether requests are counted at all.
    pub fn is_on(self) -> bool {
        self.requests > 0
    }

    /// Counts one request of `subject` at `now` (seconds since the epoch); `Some(seconds)`
    /// until the window ends when the subject is over its limit.
    pub fn hit(self, store: &Store, subject: &str, now: i64) -> Result<Option<u64>, ServiceError> {
        if !self.is_on() {
            return Ok(None);
        }
        let window = i64::try_from(self.window.as_secs().max(1)).unwrap_or(60);
        let start = now - now.rem_euclid(window);
        let mut conn = store.conn()?;
        let hits = rate_limits::hit(&mut conn, subject, start)?;
        if hits == 1 {
            // The first request of a window clears the windows no one will count in again.
            rate_limits::purge_before(&mut conn, start - window)?;
        }
        if hits > i64::from(self.requests) {
            Ok(Some(
                u64::try_from(start + window - now).unwrap_or(1).max(1),
            ))
        } else {
            Ok(None)
        }
    }
}
