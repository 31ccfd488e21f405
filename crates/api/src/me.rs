//! `/api/v1/me`: who am I, and changing my own password.

use actix_web::{get, post, web, HttpResponse};
use dtihub_domain::access::Subject;
use dtihub_service::users;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Allowed, Caller, ChangeOwnPassword};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    /// `user` or `client`.
    #[schema(example = "user")]
    pub kind: String,
    /// Username or `client_id`.
    #[schema(example = "demo-reporter")]
    pub id: String,
    /// The user's unit or the client's bound unit.
    #[schema(example = "XA-TRAM-CHIM")]
    pub unit: Option<String>,
    /// The user's roles.
    pub roles: Vec<String>,
    /// The client's scopes (as granted in this token and still held).
    pub scopes: Vec<String>,
}

/// Changing one's own password.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The current password.
    #[schema(format = Password)]
    pub old_password: String,
    /// The new password: 10 to 128 characters, not the username.
    #[schema(format = Password)]
    pub new_password: String,
}

/// Who am I.
///
/// The caller as the server sees it now: a user with its unit and roles, or a machine client
/// with its bound unit and scopes.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = []), ("oauth2" = [])),
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(caller: Caller) -> web::Json<MeResponse> {
    let p = caller.principal;
    let (kind, id) = match p.subject {
        Subject::User(u) => ("user", u.to_string()),
        Subject::Client(c) => ("client", c),
    };
    web::Json(MeResponse {
        kind: kind.into(),
        id,
        unit: p.unit.map(|u| u.to_string()),
        roles: p.roles.iter().map(ToString::to_string).collect(),
        scopes: p.scopes.iter().map(ToString::to_string).collect(),
    })
}

/// Change my password.
///
/// Requires the current password; wrong attempts count towards login throttling. Every
/// session of the user ends (refresh tokens are revoked; access tokens issued before the
/// change stop working).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = []), ("oauth2" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Machine clients have no password", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong old password, or the new one breaks the policy", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    caller: Allowed<ChangeOwnPassword>,
    state: web::Data<AppState>,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let Subject::User(username) = caller.principal.subject.clone() else {
        return Err(ApiError::forbidden());
    };
    let actor = caller.actor();
    let ctx = caller.context.clone();
    let auth = state.auth.clone();
    let body = body.into_inner();
    web::block(move || {
        users::change_own_password(
            &auth,
            &actor,
            &ctx,
            username.as_str(),
            &body.old_password,
            &body.new_password,
        )
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}
