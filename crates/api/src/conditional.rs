//! Versions as ETags, `If-Match` for optimistic concurrency, and the absent-versus-null
//! distinction of JSON merge patches.

use actix_web::http::header::{self, EntityTag, IfMatch};
use actix_web::HttpRequest;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// The strong ETag of a row version: `"v3"`.
pub fn etag(version: i64) -> EntityTag {
    EntityTag::new_strong(format!("v{version}"))
}

/// The version the client expects from `If-Match`: `None` when absent or `*`. A tag that is
/// not one of ours can never match the current version: 412.
pub fn if_match_version(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Ok(None);
    }
    match <IfMatch as header::Header>::parse(req) {
        Ok(IfMatch::Any) => Ok(None),
        Ok(IfMatch::Items(tags)) => {
            let versions: Vec<i64> = tags
                .iter()
                .filter(|t| !t.weak)
                .filter_map(|t| t.tag().strip_prefix('v')?.parse().ok())
                .collect();
            match versions.as_slice() {
                [one] => Ok(Some(*one)),
                _ => Err(ApiError::precondition_failed()),
            }
        }
        Err(_) => Err(ApiError::precondition_failed()),
    }
}

/// Deserialises a present field (even `null`) as `Some`, so that with `#[serde(default)]`
/// an absent field is `None` and `null` is `Some(None)`.
pub fn present<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(deserializer).map(Some)
}
