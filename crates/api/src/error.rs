//! `ApiError`: every failure a client can see, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use dtihub_domain::{DomainError, FieldError};
use dtihub_service::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::i18n::{self, Lang};

/// Seconds a client should wait before retrying when the database is unavailable.
pub const RETRY_AFTER_SECS: u32 = 2;

/// The problem media type.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A failure on its way to the client: status, stable code, field errors, and the cause for
/// the log (never sent).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code naming the problem type.
    pub code: &'static str,
    /// Offending fields, parameters or headers.
    pub errors: Vec<FieldError>,
    /// `Retry-After` seconds, for 429/503/504.
    pub retry_after: Option<u32>,
    /// `Allow` header value, for 405.
    pub allow: Option<String>,
    /// Internal cause, logged for 5xx, never rendered.
    pub cause: Option<String>,
    /// `WWW-Authenticate` header value, for 401 and 403 of bearer-protected operations.
    pub www_authenticate: Option<&'static str>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ApiError {
    /// A problem with no field errors.
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self {
            status,
            code,
            errors: Vec::new(),
            retry_after: None,
            allow: None,
            cause: None,
            www_authenticate: None,
        }
    }

    /// 401: no bearer token was sent.
    pub fn unauthorized() -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "unauthorized");
        e.www_authenticate = Some(r#"Bearer realm="dtihub""#);
        e
    }

    /// 401: the bearer token is invalid, expired, revoked or its subject disabled.
    pub fn invalid_token(cause: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "invalid_token");
        e.www_authenticate = Some(r#"Bearer realm="dtihub", error="invalid_token""#);
        e.cause = Some(cause.into());
        e
    }

    /// 403: authenticated, but this operation is not allowed to the caller.
    pub fn forbidden() -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, "forbidden");
        e.www_authenticate = Some(r#"Bearer realm="dtihub", error="insufficient_scope""#);
        e
    }

    /// 412: `If-Match` does not name the current version.
    pub fn precondition_failed() -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed")
    }

    /// 404 for an entity that does not exist (or that the caller may not see).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }

    /// 400 for query parameters, each named in `errors`.
    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_query").with_errors(errors)
    }

    /// 400 for a path parameter.
    pub fn invalid_path(error: FieldError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_path").with_errors(vec![error])
    }

    /// 422 for body fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").with_errors(errors)
    }

    /// 503 with `Retry-After`: the database or the pool cannot serve now.
    pub fn unavailable(cause: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable");
        e.retry_after = Some(RETRY_AFTER_SECS);
        e.cause = Some(cause.into());
        e
    }

    /// 500 whose cause goes to the log only.
    pub fn internal(cause: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
        e.cause = Some(cause.into());
        e
    }

    /// Adds field errors.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Renders the problem document in a language, for a request path and id.
    pub fn to_problem(
        &self,
        lang: Lang,
        instance: Option<&str>,
        request_id: Option<&str>,
    ) -> Problem {
        Problem {
            problem_type: format!("urn:dtihub:problem:{}", self.code),
            title: i18n::title(self.code, lang).to_owned(),
            status: self.status.as_u16(),
            detail: i18n::detail(self.code, lang).to_owned(),
            instance: instance.map(str::to_owned),
            code: self.code.to_owned(),
            request_id: request_id.map(str::to_owned),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemFieldError::render(e, lang))
                .collect(),
        }
    }

    /// The full response for a language, request path and id.
    pub fn render(
        &self,
        lang: Lang,
        instance: Option<&str>,
        request_id: Option<&str>,
    ) -> HttpResponse {
        let problem = self.to_problem(lang, instance, request_id);
        let mut builder = HttpResponse::build(self.status);
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        builder.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        builder.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(secs) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(challenge) = self.www_authenticate {
            builder.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(allow) = &self.allow {
            if let Ok(v) = HeaderValue::from_str(allow) {
                builder.insert_header((header::ALLOW, v));
            }
        }
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = builder.body(body);
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// Renders in Vietnamese without the request context; the edge middleware re-renders it
    /// with the client's language, the path and the request id.
    fn error_response(&self) -> HttpResponse {
        self.render(Lang::Vi, None, None)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound { .. } => ApiError::not_found(),
            ServiceError::Validation(errors) => ApiError::validation(errors),
            ServiceError::Conflict { code } => {
                let code = match code {
                    "already_exists" => "already_exists",
                    "referenced_entity_missing" => "referenced_entity_missing",
                    "referenced_by_reports" => "referenced_by_reports",
                    "dti_framework_in_use" => "dti_framework_in_use",
                    "dti_framework_missing" => "dti_framework_missing",
                    "dti_already_verified" => "dti_already_verified",
                    "dti_not_self_assessed" => "dti_not_self_assessed",
                    _ => "conflict",
                };
                ApiError::new(StatusCode::CONFLICT, code)
            }
            ServiceError::WarningsNotAcknowledged(errors) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "warnings_not_acknowledged",
            )
            .with_errors(errors),
            ServiceError::Transition(e) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition").with_errors(vec![
                    FieldError::new("/status", "invalid_transition")
                        .with("status", e.status)
                        .with("action", e.action),
                ])
            }
            ServiceError::Forbidden => ApiError::forbidden(),
            ServiceError::PreconditionFailed => ApiError::precondition_failed(),
            ServiceError::Throttled { retry_after_secs } => {
                let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
                e.retry_after = Some(u32::try_from(retry_after_secs).unwrap_or(u32::MAX));
                e
            }
            ServiceError::Unavailable(cause) | ServiceError::SerializationFailure(cause) => {
                ApiError::unavailable(cause)
            }
            ServiceError::Timeout(cause) => {
                let mut e = ApiError::new(StatusCode::GATEWAY_TIMEOUT, "database_timeout");
                e.retry_after = Some(RETRY_AFTER_SECS);
                e.cause = Some(cause);
                e
            }
            ServiceError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::from(ServiceError::from(e))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::unavailable(format!("blocking pool: {e}"))
    }
}

/// An RFC 9457 problem document; every 4xx and 5xx response of DTI Hub has this body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:dtihub:problem:invalid_query",
    "title": "Tham số truy vấn không hợp lệ",
    "status": 400,
    "detail": "Một hoặc nhiều tham số truy vấn không hợp lệ.",
    "instance": "/api/v1/units",
    "code": "invalid_query",
    "request_id": "0192f0c1-7c1e-7d1a-9b1e-2f6c3f1f0a11",
    "errors": [{"in": "query", "parameter": "limit", "code": "out_of_range", "message": "Giá trị phải từ 1 đến 200."}]
}))]
pub struct Problem {
    /// URI naming the problem type (`urn:dtihub:problem:<code>`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short, localised summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Localised explanation of this occurrence.
    pub detail: String,
    /// The request path this problem occurred on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable snake_case code; the same as the last segment of `type`.
    pub code: String,
    /// The request id (also in the `X-Request-Id` header and the server logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The offending fields, parameters or headers, one entry per field and rule.
    pub errors: Vec<ProblemFieldError>,
}

/// One offending field, parameter or header.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProblemFieldError {
    /// Where the offending input is.
    #[serde(rename = "in")]
    pub location: FieldLocation,
    /// JSON Pointer into the request body (for `in: body`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Parameter or header name (for `in: query | path | header`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Stable snake_case rule code.
    pub code: String,
    /// Localised message.
    pub message: String,
}

/// Where an offending input is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldLocation {
    /// The request body.
    Body,
    /// A query parameter.
    Query,
    /// A path parameter.
    Path,
    /// A request header.
    Header,
}

impl ProblemFieldError {
    /// Renders a domain field error. Pointers `query:x`, `path:x` and `header:x` name
    /// parameters; anything else is a JSON Pointer into the body.
    fn render(e: &FieldError, lang: Lang) -> Self {
        let (location, name) = match e.pointer.split_once(':') {
            Some(("query", n)) => (FieldLocation::Query, n),
            Some(("path", n)) => (FieldLocation::Path, n),
            Some(("header", n)) => (FieldLocation::Header, n),
            _ => (FieldLocation::Body, e.pointer.as_str()),
        };
        let (pointer, parameter) = if location == FieldLocation::Body {
            let p = if name.starts_with('/') || name.is_empty() {
                name.to_owned()
            } else {
                format!("/{name}")
            };
            (Some(p), None)
        } else {
            (None, Some(name.to_owned()))
        };
        Self {
            location,
            pointer,
            parameter,
            code: e.code.clone(),
            message: i18n::field_message(&e.code, &e.params, lang),
        }
    }
}
