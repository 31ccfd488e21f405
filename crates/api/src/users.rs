//! `/api/v1/users`: user administration (admin).

use actix_web::http::header::{self, ETag};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use dtihub_domain::access::{Role, Subject};
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use dtihub_service::users::{self, NewUserInput, UserPatch, UserQuery, UserView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, ManageUsers};
use crate::conditional::{etag, if_match_version, present};
use crate::error::{ApiError, Problem};
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const LISTING: &str = "users";

/// A user account (never its password or hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    /// Login name.
    #[schema(example = "demo-reporter")]
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// The user's unit.
    #[schema(example = "XA-TRAM-CHIM")]
    pub unit: Option<String>,
    /// Roles: `admin`, `coordinator`, `viewer`, `unit_reporter`, `unit_approver`.
    pub roles: Vec<String>,
    /// Whether the user may log in.
    pub active: bool,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<UserView> for UserResponse {
    fn from(u: UserView) -> Self {
        Self {
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            unit: u.unit,
            roles: u.roles.iter().map(ToString::to_string).collect(),
            active: u.active,
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
        }
    }
}

/// A created user, with the generated password when none was given (shown this once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserCreated {
    /// The account.
    pub user: UserResponse,
    /// The generated password; absent when the request chose one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// One page of users.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    /// Users ordered by username.
    pub items: Vec<UserResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A user to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateUser {
    /// 3–64 lower-case letters, digits, `.`, `_`, `-`, starting with a letter.
    #[schema(example = "nguyen.van.a")]
    pub username: String,
    /// Name shown to people.
    #[schema(example = "Nguyễn Văn A")]
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Unit code; required for `unit_reporter` and `unit_approver`.
    #[schema(example = "XA-TRAM-CHIM")]
    pub unit: Option<String>,
    /// At least one role.
    #[schema(example = json!(["unit_reporter"]))]
    pub roles: Vec<String>,
    /// Initial password (10–128 characters); generated and returned once when absent.
    #[schema(format = Password)]
    pub password: Option<String>,
}

/// Changes to a user (JSON merge patch: absent fields stay, `null` clears).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdateUser {
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// New e-mail; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// New unit; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// New roles.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// `false` disables the user: it cannot log in and its refresh tokens stop working.
    #[serde(default)]
    pub active: Option<bool>,
}

/// An admin's password reset.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ResetPassword {
    /// The new password; generated and returned once when absent.
    #[serde(default)]
    #[schema(format = Password)]
    pub password: Option<String>,
}

/// The outcome of a reset.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasswordReset {
    /// The generated password, when none was given (shown this once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// Filters and paging of the user listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Only users holding this role.
    #[param(value_type = Option<String>, example = "coordinator")]
    pub role: Option<String>,
    /// Only users of this unit.
    #[param(value_type = Option<String>, example = "XA-TRAM-CHIM")]
    pub unit: Option<String>,
    /// Only active (`true`) or disabled (`false`) users.
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`; a cursor the server did not issue
    /// is rejected with 400.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_list_params(p: &UserListParams) -> Result<UserQuery, ApiError> {
    let mut errors = Vec::new();
    let role = p.role.as_deref().and_then(|raw| match raw.parse::<Role>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.push(FieldError::new("query:role", "invalid_enum").with(
                "allowed",
                "admin, coordinator, viewer, unit_reporter, unit_approver",
            ));
            None
        }
    });
    let unit = p
        .unit
        .as_deref()
        .and_then(|raw| match UnitCode::parse(raw) {
            Ok(c) => Some(c),
            Err(_) => {
                errors.push(FieldError::new("query:unit", "invalid_unit_code"));
                None
            }
        });
    let active = match p.active.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push(FieldError::new("query:active", "invalid_boolean"));
            None
        }
    };
    let limit = parse_limit(p.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let after = p
        .cursor
        .as_deref()
        .and_then(|raw| match decode_cursor(LISTING, raw) {
            Ok(k) => Some(k),
            Err(e) => {
                errors.push(e);
                None
            }
        });
    if errors.is_empty() {
        Ok(UserQuery {
            role,
            unit,
            active,
            after,
            limit,
        })
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

fn with_etag(mut builder: actix_web::HttpResponseBuilder, view: UserView) -> HttpResponse {
    builder
        .insert_header(ETag(etag(view.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserResponse::from(view))
}

/// List users.
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    params(UserListParams),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "One page of users", body = UserPage),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list(
    _caller: Allowed<ManageUsers>,
    state: web::Data<AppState>,
    params: web::Query<UserListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = parse_list_params(&params)?;
    let store = state.store.clone();
    let (items, more) = web::block(move || users::list(&store, &query)).await??;
    let next_cursor = if more {
        items.last().map(|u| encode_cursor(LISTING, &u.username))
    } else {
        None
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserPage {
            items: items.into_iter().map(UserResponse::from).collect(),
            next_cursor,
        }))
}

/// Create a user.
///
/// Without `password`, one is generated and returned once in `generated_password`.
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    request_body = CreateUser,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 201, description = "Created", body = UserCreated,
            headers(("Location" = String, description = "The new user"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    caller: Allowed<ManageUsers>,
    state: web::Data<AppState>,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = NewUserInput {
        username: body.username,
        display_name: body.display_name,
        email: body.email,
        unit: body.unit,
        roles: body.roles,
        password: body.password,
    };
    let actor = caller.actor();
    let store = state.store.clone();
    let auth = state.auth.clone();
    let (view, generated) =
        web::block(move || users::create(&store, &auth, &actor, &input)).await??;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", view.username)))
        .insert_header(ETag(etag(view.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserCreated {
            user: UserResponse::from(view),
            generated_password: generated,
        }))
}

/// Get one user.
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    params(("username" = String, Path, description = "Username")),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "The user", body = UserResponse,
            headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{username}")]
pub async fn get(
    _caller: Allowed<ManageUsers>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let username = path.into_inner();
    let view = web::block(move || users::get(&store, &username)).await??;
    Ok(with_etag(HttpResponse::Ok(), view))
}

/// Update a user.
///
/// Roles, unit, display name, e-mail, and `active` (`false` disables the user: it cannot log in
/// and its refresh tokens stop working). Send the `ETag` in `If-Match` to avoid overwriting
/// someone else's change (412 when it is stale).
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    params(
        ("username" = String, Path, description = "Username"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateUser,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Updated", body = UserResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{username}")]
pub async fn update(
    caller: Allowed<ManageUsers>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match_version(&req)?;
    let body = body.into_inner();
    let patch = UserPatch {
        display_name: body.display_name,
        email: body.email,
        unit: body.unit,
        roles: body.roles,
        active: body.active,
    };
    let actor = caller.actor();
    let self_name = match &caller.principal.subject {
        Subject::User(u) => Some(u.to_string()),
        Subject::Client(_) => None,
    };
    let store = state.store.clone();
    let username = path.into_inner();
    let view = web::block(move || {
        users::update(
            &store,
            &actor,
            self_name.as_deref(),
            &username,
            expected,
            &patch,
        )
    })
    .await??;
    Ok(with_etag(HttpResponse::Ok(), view))
}

/// Reset a user's password.
///
/// Without `password`, one is generated and returned once. Every session of the user ends.
#[utoipa::path(
    tag = "users",
    params(("username" = String, Path, description = "Username")),
    request_body = ResetPassword,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Reset", body = PasswordReset),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password breaks the policy", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{username}/password")]
pub async fn reset_password(
    caller: Allowed<ManageUsers>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<ResetPassword>,
) -> Result<HttpResponse, ApiError> {
    let actor = caller.actor();
    let store = state.store.clone();
    let auth = state.auth.clone();
    let username = path.into_inner();
    let password = body.into_inner().password;
    let generated = web::block(move || {
        users::reset_password(&store, &auth, &actor, &username, password.as_deref())
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PasswordReset {
            generated_password: generated,
        }))
}
