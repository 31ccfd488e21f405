//! `/api/v1/clients`: machine-client administration (admin).

use actix_web::http::header::{self, ETag};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use dtihub_service::clients::{self, ClientPatch, ClientView, NewClientInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, ManageClients};
use crate::conditional::{etag, if_match_version, present};
use crate::error::{ApiError, Problem};
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const LISTING: &str = "clients";

/// A machine client (never its secret or hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientResponse {
    /// The public identifier used as `client_id`.
    #[schema(example = "cl-3f9a1c2b7d4e5f60")]
    pub client_id: String,
    /// What the client is.
    pub name: String,
    /// Scopes it may be granted.
    #[schema(example = json!(["catalog:read", "reports:write"]))]
    pub scopes: Vec<String>,
    /// The unit it may act for, when bound.
    pub unit: Option<String>,
    /// Whether it may obtain tokens.
    pub active: bool,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When the secret was last set (UTC).
    pub secret_rotated_at: DateTime<Utc>,
}

impl From<ClientView> for ClientResponse {
    fn from(c: ClientView) -> Self {
        Self {
            client_id: c.client_id,
            name: c.name,
            scopes: c.scopes.iter().map(ToString::to_string).collect(),
            unit: c.unit,
            active: c.active,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
            secret_rotated_at: c.secret_rotated_at.and_utc(),
        }
    }
}

/// A client with its secret: returned only at creation and rotation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientWithSecret {
    /// The client.
    pub client: ClientResponse,
    /// The secret, shown this once; only its hash is kept.
    pub client_secret: String,
}

/// One page of clients.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientPage {
    /// Clients ordered by `client_id`.
    pub items: Vec<ClientResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A client to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateClient {
    /// What the client is.
    #[schema(example = "LGSP tỉnh Đồng Tháp")]
    pub name: String,
    /// At least one of `catalog:read`, `reports:read`, `reports:write`, `imports:write`,
    /// `aggregates:read`, `admin`.
    #[schema(example = json!(["catalog:read", "reports:read"]))]
    pub scopes: Vec<String>,
    /// Bind the client to one unit (it then acts for that unit only). Not with `admin`.
    pub unit: Option<String>,
}

/// Changes to a client (JSON merge patch). `active: false` deactivates it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdateClient {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// New unit binding; `null` unbinds.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// `false` deactivates the client: it can no longer obtain or use tokens.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Paging of the client listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`; a cursor the server did not issue
    /// is rejected with 400.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn with_etag(view: ClientView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ETag(etag(view.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ClientResponse::from(view))
}

/// List machine clients.
#[utoipa::path(
    tag = "clients",
    operation_id = "list_clients",
    params(ClientListParams),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "One page of clients", body = ClientPage),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients")]
pub async fn list(
    _caller: Allowed<ManageClients>,
    state: web::Data<AppState>,
    params: web::Query<ClientListParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let limit = parse_limit(params.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let after = match params.cursor.as_deref().map(|c| decode_cursor(LISTING, c)) {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    let store = state.store.clone();
    let (items, more) =
        web::block(move || clients::list(&store, after.as_deref(), limit)).await??;
    let next_cursor = if more {
        items.last().map(|c| encode_cursor(LISTING, &c.client_id))
    } else {
        None
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ClientPage {
            items: items.into_iter().map(ClientResponse::from).collect(),
            next_cursor,
        }))
}

/// Create a machine client.
///
/// The answer carries `client_secret` this once; only its argon2id hash is kept.
#[utoipa::path(
    tag = "clients",
    operation_id = "create_client",
    request_body = CreateClient,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 201, description = "Created", body = ClientWithSecret,
            headers(("Location" = String, description = "The new client"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients")]
pub async fn create(
    caller: Allowed<ManageClients>,
    state: web::Data<AppState>,
    body: web::Json<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = NewClientInput {
        name: body.name,
        scopes: body.scopes,
        unit: body.unit,
    };
    let actor = caller.actor();
    let store = state.store.clone();
    let auth = state.auth.clone();
    let (view, secret) =
        web::block(move || clients::create(&store, &auth, &actor, &input)).await??;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/clients/{}", view.client_id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ClientWithSecret {
            client: ClientResponse::from(view),
            client_secret: secret,
        }))
}

/// Get one machine client.
#[utoipa::path(
    tag = "clients",
    operation_id = "get_client",
    params(("client_id" = String, Path, description = "The client's id")),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "The client", body = ClientResponse,
            headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{client_id}")]
pub async fn get(
    _caller: Allowed<ManageClients>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let client_id = path.into_inner();
    let view = web::block(move || clients::get(&store, &client_id)).await??;
    Ok(with_etag(view))
}

/// Update or deactivate a machine client.
///
/// Name, scopes, unit binding and `active` (`false` deactivates: no new tokens, and tokens
/// already issued stop working). `If-Match` guards against lost updates (412).
#[utoipa::path(
    tag = "clients",
    operation_id = "update_client",
    params(
        ("client_id" = String, Path, description = "The client's id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateClient,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Updated", body = ClientResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/clients/{client_id}")]
pub async fn update(
    caller: Allowed<ManageClients>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UpdateClient>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match_version(&req)?;
    let body = body.into_inner();
    let patch = ClientPatch {
        name: body.name,
        scopes: body.scopes,
        unit: body.unit,
        active: body.active,
    };
    let actor = caller.actor();
    let store = state.store.clone();
    let client_id = path.into_inner();
    let view =
        web::block(move || clients::update(&store, &actor, &client_id, expected, &patch)).await??;
    Ok(with_etag(view))
}

/// Rotate a client's secret.
///
/// The new secret is returned this once; the old one and every token obtained with it stop
/// working.
#[utoipa::path(
    tag = "clients",
    params(("client_id" = String, Path, description = "The client's id")),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Rotated", body = ClientWithSecret),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{client_id}/secret")]
pub async fn rotate_secret(
    caller: Allowed<ManageClients>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = caller.actor();
    let store = state.store.clone();
    let auth = state.auth.clone();
    let client_id = path.into_inner();
    let (view, secret) =
        web::block(move || clients::rotate_secret(&store, &auth, &actor, &client_id)).await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ClientWithSecret {
            client: ClientResponse::from(view),
            client_secret: secret,
        }))
}
