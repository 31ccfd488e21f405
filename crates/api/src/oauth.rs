//! The OAuth 2.0 endpoints: `POST /api/v1/auth/token` (RFC 6749), `POST /api/v1/auth/revoke`
//! (RFC 7009) and the public keys at `GET /.well-known/jwks.json`.
//!
//! Both POST endpoints accept `application/x-www-form-urlencoded` (what the RFCs and
//! Swagger UI send) and JSON. Their 400/401 answers are RFC 6749 error documents
//! (`{"error": ..., "error_description": ...}`), not problem+json: OAuth client libraries
//! expect that shape. Throttling (429) and outages (503) stay problem+json.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dtihub_service::auth::{GrantError, TokenGrant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::request_context;
use crate::edge::NotAProblem;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A token request (RFC 6749 §4.3, §4.4, §6).
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password`, `refresh_token` or `client_credentials`.
    #[schema(example = "password")]
    pub grant_type: Option<String>,
    /// For `password`.
    pub username: Option<String>,
    /// For `password`.
    #[schema(format = Password)]
    pub password: Option<String>,
    /// For `refresh_token`.
    pub refresh_token: Option<String>,
    /// For `client_credentials`, unless sent with HTTP Basic.
    pub client_id: Option<String>,
    /// For `client_credentials`, unless sent with HTTP Basic.
    #[schema(format = Password)]
    pub client_secret: Option<String>,
    /// Space-separated scopes requested (`client_credentials`); default: all the client holds.
    #[schema(example = "catalog:read reports:read")]
    pub scope: Option<String>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The access token (a JWT).
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// For user grants: the next refresh token (each one works once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Granted scopes (clients) or roles (users), space-separated.
    pub scope: String,
}

/// An RFC 6749 §5.2 error document: the one error shape that is not problem+json.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    #[schema(example = "invalid_grant")]
    pub error: String,
    /// Human-readable explanation (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// A revocation request (RFC 7009 §2.1).
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The access or refresh token to revoke (required; RFC 7009).
    #[schema(value_type = String, min_length = 1, required = true)]
    pub token: Option<String>,
    /// `access_token` or `refresh_token` (optional; the server finds out by itself).
    pub token_type_hint: Option<String>,
}

/// One public key of the JWK set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// Key id (the `kid` of tokens signed with it).
    pub kid: String,
    /// Key type (`OKP`).
    pub kty: String,
    /// Curve (`Ed25519`).
    pub crv: String,
    /// Public key, base64url.
    pub x: String,
    /// Algorithm (`EdDSA`).
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
}

/// The public keys that verify access tokens.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    /// Keys; empty when tokens are signed with the generated HS256 secret.
    pub keys: Vec<Jwk>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        builder.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="dtihub""#));
    }
    let mut response = builder.json(OAuthError {
        error: error.to_owned(),
        error_description: Some(description.to_owned()),
    });
    response.extensions_mut().insert(NotAProblem);
    response
}

fn invalid_request(description: &str) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// Parses a body as form or JSON, by its content type.
fn parse_body<T: for<'de> Deserialize<'de>>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, Box<HttpResponse>> {
    let essence = req
        .mime_type()
        .ok()
        .flatten()
        .map(|m| m.essence_str().to_ascii_lowercase())
        .unwrap_or_default();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body).map_err(|_| {
            Box::new(invalid_request(
                "the form body is malformed or repeats a parameter",
            ))
        }),
        "application/json" => serde_json::from_slice(body).map_err(|_| {
            Box::new(invalid_request(
                "the JSON body is malformed or has a wrong type",
            ))
        }),
        _ => Err(Box::new(invalid_request(
            "send application/x-www-form-urlencoded or application/json",
        ))),
    }
}

/// Client credentials sent with HTTP Basic (RFC 6749 §2.3.1: both parts form-encoded).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, Box<HttpResponse>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        Box::new(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "malformed HTTP Basic credentials",
        ))
    };
    let text = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
    };
    match (unescape(id), unescape(secret)) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => Err(malformed()),
    }
}

fn grant_error(e: GrantError) -> HttpResponse {
    match e {
        GrantError::InvalidRequest(d) => invalid_request(d),
        GrantError::InvalidClient => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        ),
        GrantError::InvalidGrant => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the credentials or the refresh token are invalid, expired or revoked",
        ),
        GrantError::UnsupportedGrantType => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "use password, refresh_token or client_credentials",
        ),
        GrantError::InvalidScope => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the requested scope is unknown or exceeds what the client holds",
        ),
        GrantError::Throttled { retry_after_secs } => {
            let mut error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
            error.retry_after = Some(u32::try_from(retry_after_secs).unwrap_or(u32::MAX));
            actix_web::ResponseError::error_response(&error)
        }
        GrantError::Service(e) => actix_web::ResponseError::error_response(&ApiError::from(e)),
    }
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, GrantError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or(GrantError::InvalidRequest(name))
}

/// Obtain an access token.
///
/// OAuth 2.0 token endpoint (RFC 6749). Grants:
/// - `password` (`username`, `password`): for people; returns an access token and a refresh token;
/// - `refresh_token` (`refresh_token`): returns a new access token and a new refresh token — each
///   refresh token works once, and presenting a used one again revokes the whole session;
/// - `client_credentials` (`client_id` and `client_secret` in the body or with HTTP Basic,
///   optional `scope`): for machine clients.
///
/// Repeated failures for one username, client or address are refused with 429 and `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body(
        description = "Form-encoded (as RFC 6749 specifies) or JSON",
        content(
            (TokenRequest = "application/x-www-form-urlencoded"),
            (TokenRequest = "application/json"),
        )
    ),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "RFC 6749 error: `invalid_request`, `invalid_grant`, `unsupported_grant_type` or `invalid_scope`", body = OAuthError, content_type = "application/json"),
        (status = 401, description = "RFC 6749 error `invalid_client`", body = OAuthError, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"dtihub\"`"))),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn token(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let form: TokenRequest = match parse_body(&req, &body) {
        Ok(f) => f,
        Err(response) => return *response,
    };
    let basic = match basic_credentials(&req) {
        Ok(b) => b,
        Err(response) => return *response,
    };
    let ctx = request_context(&req);
    let auth = state.auth.clone();
    let outcome = web::block(move || -> Result<TokenGrant, GrantError> {
        match form.grant_type.as_deref() {
            None | Some("") => Err(GrantError::InvalidRequest("grant_type is required")),
            Some("password") => {
                let username = required(&form.username, "username is required")?;
                let password = required(&form.password, "password is required")?;
                auth.password_grant(&ctx, username, password)
            }
            Some("refresh_token") => {
                let token = required(&form.refresh_token, "refresh_token is required")?;
                auth.refresh_grant(&ctx, token)
            }
            Some("client_credentials") => {
                let body_creds = form.client_id.is_some() || form.client_secret.is_some();
                let (id, secret) = match (basic, body_creds) {
                    (Some(_), true) => return Err(GrantError::InvalidRequest(
                        "send client credentials either with HTTP Basic or in the body, not both",
                    )),
                    (Some(pair), false) => pair,
                    (None, _) => (
                        required(&form.client_id, "client_id is required")?.to_owned(),
                        required(&form.client_secret, "client_secret is required")?.to_owned(),
                    ),
                };
                auth.client_credentials_grant(&ctx, &id, &secret, form.scope.as_deref())
            }
            Some(_) => Err(GrantError::UnsupportedGrantType),
        }
    })
    .await;
    match outcome {
        Ok(Ok(grant)) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(TokenResponse {
                access_token: grant.access_token,
                token_type: "Bearer".into(),
                expires_in: grant.expires_in,
                refresh_token: grant.refresh_token,
                scope: grant.scope,
            }),
        Ok(Err(e)) => {
            if matches!(e, GrantError::InvalidGrant | GrantError::InvalidClient) {
                // Slow guessing down; the throttle refuses outright past the limit.
                actix_web::rt::time::sleep(state.auth.failure_delay()).await;
            }
            grant_error(e)
        }
        Err(e) => actix_web::ResponseError::error_response(&ApiError::from(e)),
    }
}

/// Revoke a token.
///
/// RFC 7009. A refresh token ends its whole session (every token rotated from the same login);
/// an access token is refused from now until it expires. Answers 200 also for unknown or
/// invalid tokens, so that the answer reveals nothing about them.
#[utoipa::path(
    tag = "auth",
    request_body(
        description = "Form-encoded (as RFC 7009 specifies) or JSON",
        content(
            (RevokeRequest = "application/x-www-form-urlencoded"),
            (RevokeRequest = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "Revoked (or nothing to revoke)"),
        (status = 400, description = "RFC 6749 error `invalid_request`: no `token`", body = OAuthError, content_type = "application/json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/revoke")]
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let form: RevokeRequest = match parse_body(&req, &body) {
        Ok(f) => f,
        Err(response) => return *response,
    };
    let Some(presented) = form.token.filter(|t| !t.is_empty()) else {
        return invalid_request("token is required");
    };
    let ctx = request_context(&req);
    let auth = state.auth.clone();
    match web::block(move || auth.revoke(&ctx, &presented)).await {
        Ok(Ok(())) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .finish(),
        Ok(Err(e)) => actix_web::ResponseError::error_response(&ApiError::from(e)),
        Err(e) => actix_web::ResponseError::error_response(&ApiError::from(e)),
    }
}

/// Public keys that verify access tokens.
///
/// A JWK set (RFC 7517). Each token names its key with `kid`; during a key rotation the old
/// public key stays listed until the tokens it signed have expired. Empty when the server uses
/// its generated HS256 secret (a symmetric key is never published).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The JWK set", body = JwkSet))
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let keys = state
        .auth
        .keys()
        .jwks()
        .iter()
        .map(|k| Jwk {
            kid: k.kid.clone(),
            kty: k.kty.into(),
            crv: k.crv.into(),
            x: k.x.clone(),
            alg: k.alg.into(),
            key_use: "sig".into(),
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(JwkSet { keys })
}
