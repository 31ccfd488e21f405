//! Opaque keyset cursors and page-size parsing shared by every listing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use dtihub_domain::FieldError;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// Encodes a keyset position as an opaque cursor, tagged with the listing it belongs to.
pub fn encode_cursor(listing: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{listing}:{key}"))
}

/// Decodes a cursor of the given listing.
pub fn decode_cursor(listing: &str, cursor: &str) -> Result<String, FieldError> {
    let invalid = || FieldError::new("query:cursor", "invalid_cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (tag, key) = text.split_once(':').ok_or_else(invalid)?;
    if tag != listing || key.is_empty() {
        return Err(invalid());
    }
    Ok(key.to_owned())
}

/// Parses `limit` (1..=200, default 50).
pub fn parse_limit(raw: Option<&str>) -> Result<u32, FieldError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    let range = || {
        FieldError::new("query:limit", "out_of_range")
            .with("min", 1)
            .with("max", MAX_LIMIT)
    };
    let value: i64 = raw
        .trim()
        .parse()
        .map_err(|_| FieldError::new("query:limit", "invalid_integer"))?;
    if (1..=i64::from(MAX_LIMIT)).contains(&value) {
        u32::try_from(value).map_err(|_| range())
    } else {
        Err(range())
    }
}
