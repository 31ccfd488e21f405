//! Aggregate responses cached by data version.
//!
//! An aggregate (compliance, roll-up, evaluation, tasks, finance, DTI scores) is a pure
//! function of the committed data and of Vietnam's date. Every committed change to the data an
//! aggregate reads (reports, catalog, units, reporting rules, assessments, DTI frameworks and
//! self-assessments) is numbered at commit by the change feed's counter, in the same
//! transaction as the change. So the counter is a version of the data: a response computed
//! after reading version `v` reflects every change numbered up to `v`, and can be served again
//! to any request that reads the same `v` on the same date. The cache is therefore never stale
//! — a write anywhere moves the version and the next request recomputes — and it is only a
//! per-instance memo, not shared state: several instances each keep their own, all keyed on
//! the one database's counter.
//!
//! Each request reads the version (one primary-key lookup), answers `304` when the client's
//! `If-None-Match` holds the current `ETag`, else serves the stored body or computes it; one
//! computation per key at a time (the others wait for it instead of computing the same
//! thing). The memory is bounded by bytes (`DTIHUB_AGGREGATE_CACHE_MB`, 0 turns it off, which
//! is how the benchmark measures the uncached path).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use dtihub_service::Store;
use quick_cache::sync::{Cache, GuardResult};
use quick_cache::Weighter;

use crate::error::ApiError;
use crate::state::AppState;

/// One cached response body.
#[derive(Clone)]
struct Entry {
    body: Bytes,
}

#[derive(Clone)]
struct ByteWeighter;

impl Weighter<String, Entry> for ByteWeighter {
    fn weight(&self, key: &String, val: &Entry) -> u64 {
        (key.len() + val.body.len()) as u64 + 64
    }
}

/// The per-instance cache of aggregate responses (see the module documentation).
#[derive(Clone)]
pub struct ResponseCache {
    inner: Option<Arc<Cache<String, Entry, ByteWeighter>>>,
}

impl fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseCache")
            .field("enabled", &self.inner.is_some())
            .finish()
    }
}

/// How long a request waits for another request computing the same key before computing it
/// itself.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(10);

impl ResponseCache {
    /// A cache holding at most `max_bytes` of keys and bodies; `0` disables it.
    pub fn new(max_bytes: u64) -> Self {
        Self {
            inner: (max_bytes > 0)
                .then(|| Arc::new(Cache::with_weighter(256, max_bytes, ByteWeighter))),
        }
    }

    /// No caching (every request computes).
    pub fn disabled() -> Self {
        Self { inner: None }
    }
}

/// The `ETag` of an aggregate at a data version on a date (weak: equal meaning, and the body
/// is byte-identical in practice).
fn etag_of(version: i64, date: chrono::NaiveDate) -> String {
    format!("W/\"agg-{version}-{}\"", date.format("%Y%m%d"))
}

fn matches_if_none_match(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(raw) = if_none_match else {
        return false;
    };
    let bare = etag.trim_start_matches("W/");
    raw.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
}

enum Outcome {
    NotModified,
    Body(Bytes),
}

/// Answers an aggregate request: `304` for a current `If-None-Match`, the cached body of this
/// URL at the current data version, or `compute`'s JSON (then cached). The URL (path and
/// query) is the key: the caller has already checked authorization, and aggregates do not
/// depend on who asks.
pub async fn respond<F>(
    state: &AppState,
    req: &HttpRequest,
    compute: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&Store) -> Result<Vec<u8>, ApiError> + Send + 'static,
{
    let store = state.store.clone();
    let cache = state.responses.clone();
    let url = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let date = dtihub_service::aggregates::today();
    let (etag, outcome) = web::block(move || -> Result<(String, Outcome), ApiError> {
        let version = dtihub_service::changes::data_version(&store)?;
        let etag = etag_of(version, date);
        if matches_if_none_match(if_none_match.as_deref(), &etag) {
            return Ok((etag, Outcome::NotModified));
        }
        let Some(cache) = cache.inner else {
            return Ok((etag, Outcome::Body(Bytes::from(compute(&store)?))));
        };
        let key = format!("{version}|{date}|{url}");
        let body = match cache.get_value_or_guard(&key, Some(WAIT_FOR_OTHER)) {
            GuardResult::Value(entry) => entry.body,
            GuardResult::Guard(guard) => {
                let body = Bytes::from(compute(&store)?);
                let _ = guard.insert(Entry { body: body.clone() });
                body
            }
            GuardResult::Timeout => Bytes::from(compute(&store)?),
        };
        Ok((etag, Outcome::Body(body)))
    })
    .await??;
    let mut response = match outcome {
        Outcome::NotModified => HttpResponse::NotModified(),
        Outcome::Body(_) => HttpResponse::Ok(),
    };
    response.insert_header((header::ETAG, etag.clone()));
    // Shared caches must ask again: the answer depends on the caller's authorization.
    response.insert_header((header::CACHE_CONTROL, "private, no-cache"));
    Ok(match outcome {
        Outcome::NotModified => response.finish(),
        Outcome::Body(body) => response.content_type("application/json").body(body),
    })
}

/// Serializes a wire body for [`respond`].
pub fn json<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|e| ApiError::internal(format!("serialize: {e}")))
}
