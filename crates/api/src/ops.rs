//! Operations endpoints: liveness, readiness and metrics.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use prometheus::{Encoder, TextEncoder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem, RETRY_AFTER_SECS};
use crate::state::AppState;

/// Health status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: String,
    /// Database backend (`postgres` or `sqlite`), on readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Liveness: the process is up. Never touches the database.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
        database: None,
    })
}

/// Readiness: the database answers and every migration is applied.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "Not ready; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let store = state.store.clone();
    let timeout = state.ready_timeout;
    let backend = store.backend().as_str().to_owned();
    let outcome = web::block(move || store.ready(timeout)).await;
    match outcome {
        Ok(Ok(())) => Ok(web::Json(Health {
            status: "ready".into(),
            database: Some(backend),
        })),
        Ok(Err(e)) => Err(not_ready(e.to_string())),
        Err(e) => Err(not_ready(e.to_string())),
    }
}

fn not_ready(cause: String) -> ApiError {
    let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    e.retry_after = Some(RETRY_AFTER_SECS);
    e.cause = Some(cause);
    e
}

/// Prometheus metrics in the text exposition format: request counts and latency by route and
/// status, and the database pool's state.
#[utoipa::path(
    tag = "ops",
    responses((status = 200, description = "Metrics", content_type = "text/plain; version=0.0.4", body = String))
)]
#[get("/metrics")]
pub async fn metrics(registry: web::Data<prometheus::Registry>) -> Result<HttpResponse, ApiError> {
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut buffer)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(buffer))
}
