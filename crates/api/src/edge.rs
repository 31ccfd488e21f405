//! The outermost middleware: request ids, problem rendering in the client's language, and
//! security headers on every response.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

use crate::error::{ApiError, PROBLEM_JSON};
use crate::i18n::Lang;

/// The request id: taken from `X-Request-Id` when the client sends a sane one, else generated.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Marks an error response that must keep its own body: the OAuth 2.0 token and revocation
/// endpoints answer with RFC 6749 error documents, not problem+json.
#[derive(Debug, Clone, Copy)]
pub struct NotAProblem;

/// The request id header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(X_REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| value.to_owned())
}

/// The edge middleware; wrap it outermost.
pub async fn edge(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let lang = Lang::from_request(req.request());
    let path = req.path().to_owned();

    // Handler and extractor errors arrive here as responses. An `Err` can only come from a
    // middleware; actix renders it itself (still problem+json, in Vietnamese). A clone of
    // the request cannot be kept to render it here: actix needs the request to be unique.
    let response = next.call(req).await?.map_into_boxed_body();
    let mut response = finalize_problem(response, lang, &path, &request_id);

    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(X_REQUEST_ID, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !path.starts_with("/docs") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    Ok(response)
}

/// Re-renders a problem in the client's language with `instance` and `request_id`; turns any
/// other error response (from actix itself) into a problem; logs 5xx causes.
fn finalize_problem(
    response: ServiceResponse<BoxBody>,
    lang: Lang,
    path: &str,
    request_id: &str,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if status.as_u16() < 400 || response.response().extensions().contains::<NotAProblem>() {
        return response;
    }
    let known = response.response().extensions().get::<ApiError>().cloned();
    let error = match known {
        Some(e) => e,
        None => {
            let is_problem = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            if is_problem {
                return response;
            }
            generic_for_status(status, response.headers().get(header::ALLOW))
        }
    };
    if error.status.is_server_error() {
        tracing::error!(
            request_id,
            code = error.code,
            cause = error.cause.as_deref().unwrap_or("-"),
            "request failed"
        );
    }
    let (req, _) = response.into_parts();
    let rendered = error.render(lang, Some(path), Some(request_id));
    ServiceResponse::new(req, rendered)
}

fn generic_for_status(status: StatusCode, allow: Option<&HeaderValue>) -> ApiError {
    let code = match status {
        StatusCode::NOT_FOUND => "route_not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal_error",
    };
    let mut error = ApiError::new(status, code);
    error.allow = allow.and_then(|v| v.to_str().ok()).map(str::to_owned);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        error.retry_after = Some(crate::error::RETRY_AFTER_SECS);
    }
    if status.is_server_error() {
        error.cause = Some(format!("framework produced {status}"));
    }
    error
}

/// Root span of every request, carrying the request id so every log line names it.
#[derive(Debug)]
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        tracing::info_span!(
            "http",
            request_id = %request_id,
            method = %request.method(),
            route = %request.match_pattern().unwrap_or_else(|| "-".into()),
            path = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
