//! Extractor configuration: malformed JSON, wrong content types, oversized bodies and bad
//! query or path values all become problem+json through [`ApiError`].

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use dtihub_domain::FieldError;

use crate::error::ApiError;

/// JSON bodies: size limit and error mapping.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req: &HttpRequest| json_error(&err).into())
}

/// Raw payloads (non-JSON bodies): size limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Query strings: error mapping.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(&err).into())
}

/// Path segments: error mapping.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| path_error(&err).into())
}

fn json_error(err: &JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::ContentType => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").with_errors(
                vec![FieldError::new("header:Content-Type", "invalid_value")],
            )
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::validation(vec![FieldError::new("", "invalid_json").with("reason", e)])
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json")
                .with_errors(vec![FieldError::new("", "invalid_json").with("reason", e)])
        }
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json"),
    }
}

fn query_error(err: &QueryPayloadError) -> ApiError {
    ApiError::invalid_query(vec![
        FieldError::new("query:", "invalid_value").with("reason", err)
    ])
}

fn path_error(err: &PathError) -> ApiError {
    ApiError::invalid_path(FieldError::new("path:", "invalid_value").with("reason", err))
}
