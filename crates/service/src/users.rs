//! User accounts: administration by admins, and each user's own password.

use chrono::{NaiveDateTime, Utc};
use dtihub_db::models::{NewUser, UserChangeset, UserRow};
use dtihub_db::repo;
use dtihub_db::repo::users::UserFilter;
use dtihub_domain::access::{check_password, join_names, parse_names, Role, Username};
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use serde::Serialize;

use crate::audit;
use crate::auth::{Auth, RequestContext};
use crate::error::ServiceError;
use crate::secrets::generate_password;
use crate::store::{Actor, Store};
use crate::validate::{self, Errors};

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserView {
    /// Login name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// The user's unit.
    pub unit: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whether the user may log in.
    pub active: bool,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// Row version, for ETags.
    #[serde(skip)]
    pub version: i64,
}

impl UserView {
    fn from_row(row: &UserRow) -> Self {
        Self {
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            email: row.email.clone(),
            unit: row.unit_code.clone(),
            roles: parse_names(&row.roles).unwrap_or_default(),
            active: row.active == 1,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }

    fn audit_json(&self) -> Result<serde_json::Value, ServiceError> {
        serde_json::to_value(self).map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

/// A user to create, as received.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    /// Login name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Unit code; required for unit-scoped roles.
    pub unit: Option<String>,
    /// Role names.
    pub roles: Vec<String>,
    /// Initial password; generated when absent.
    pub password: Option<String>,
}

/// Changes to a user; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// New display name.
    pub display_name: Option<String>,
    /// New e-mail.
    pub email: Option<Option<String>>,
    /// New unit.
    pub unit: Option<Option<String>>,
    /// New roles.
    pub roles: Option<Vec<String>>,
    /// Enable or disable.
    pub active: Option<bool>,
}

fn parse_roles(raw: &[String], errors: &mut Errors) -> Vec<Role> {
    if raw.is_empty() {
        errors.push(FieldError::new("/roles", "required"));
    }
    let mut roles = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        match r.trim().parse::<Role>() {
            Ok(role) => roles.push(role),
            Err(_) => errors.push(
                FieldError::new(format!("/roles/{i}"), "invalid_enum")
                    .with("allowed", join_names(&Role::ALL)),
            ),
        }
    }
    roles.sort();
    roles.dedup();
    roles
}

fn check_unit_for_roles(roles: &[Role], unit: Option<&UnitCode>, errors: &mut Errors) {
    if unit.is_none() && roles.iter().any(|r| r.is_unit_scoped()) {
        errors.push(FieldError::new("/unit", "unit_required_for_role"));
    }
}

/// Creates a user in one transaction; returns it and the generated password, if one was.
pub fn create(
    store: &Store,
    auth: &Auth,
    actor: &Actor,
    input: &NewUserInput,
) -> Result<(UserView, Option<String>), ServiceError> {
    let mut errors = Errors::default();
    let username = errors.take(
        Username::parse(&input.username)
            .map_err(|_| FieldError::new("/username", "invalid_username")),
    );
    let display_name = errors.take(validate::text(&input.display_name, "/display_name", 200));
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => errors.take(validate::email(raw, "/email")),
    };
    let roles = parse_roles(&input.roles, &mut errors);
    let (password, generated) = match &input.password {
        Some(p) => (p.clone(), None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    if let Some(name) = &username {
        errors.take(check_password(&password, name.as_str(), "/password"));
    }
    let hash = auth.hasher().hash(&password)?;
    let view = store.transaction(|conn| {
        let mut errors = Errors(std::mem::take(&mut errors.0));
        let unit = match input
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => errors.take(validate::existing_unit(conn, raw, "/unit")?),
        };
        check_unit_for_roles(&roles, unit.as_ref(), &mut errors);
        if let Some(name) = &username {
            if repo::users::find_by_username(conn, name.as_str())?.is_some() {
                return Err(ServiceError::Conflict {
                    code: "already_exists",
                });
            }
        }
        errors.finish()?;
        let (Some(username), Some(display_name)) = (username.clone(), display_name.clone()) else {
            return Err(ServiceError::Internal("validated user without name".into()));
        };
        let now = Utc::now().naive_utc();
        let roles_text = join_names(&roles);
        repo::users::insert(
            conn,
            &NewUser {
                username: username.as_str(),
                display_name: &display_name,
                email: email.as_deref(),
                unit_code: unit.as_ref().map(UnitCode::as_str),
                roles: &roles_text,
                password_hash: &hash,
                active: 1,
                version: 1,
                created_at: now,
                updated_at: now,
                password_changed_at: now,
            },
        )?;
        let row = repo::users::find_by_username(conn, username.as_str())?
            .ok_or(ServiceError::NotFound { entity: "user" })?;
        let view = UserView::from_row(&row);
        audit::record(
            conn,
            actor,
            "user.create",
            "user",
            &view.username,
            None,
            Some(&view.audit_json()?),
        )?;
        Ok(view)
    })?;
    Ok((view, generated))
}

/// Parsed filters of the user listing.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only this unit.
    pub unit: Option<UnitCode>,
    /// Only (in)active users.
    pub active: Option<bool>,
    /// Continue after this username.
    pub after: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// Lists users by username; returns the page and whether more follow.
pub fn list(store: &Store, query: &UserQuery) -> Result<(Vec<UserView>, bool), ServiceError> {
    let filter = UserFilter {
        role: query.role.map(Role::as_str),
        unit_code: query.unit.as_ref().map(UnitCode::as_str),
        active: query.active.map(i32::from),
        after_username: query.after.as_deref(),
    };
    let limit = i64::from(query.limit);
    let rows = store.read(|conn| Ok(repo::users::list(conn, &filter, limit + 1)?))?;
    let more = rows.len() as i64 > limit;
    Ok((
        rows.iter()
            .take(query.limit as usize)
            .map(UserView::from_row)
            .collect(),
        more,
    ))
}

/// One user.
pub fn get(store: &Store, username: &str) -> Result<UserView, ServiceError> {
    store.read(|conn| {
        repo::users::find_by_username(conn, &username.to_ascii_lowercase())?
            .map(|r| UserView::from_row(&r))
            .ok_or(ServiceError::NotFound { entity: "user" })
    })
}

/// Applies a patch; `expected_version` (from `If-Match`) must still hold when given.
/// Disabling a user revokes every refresh token it holds.
pub fn update(
    store: &Store,
    actor: &Actor,
    actor_username: Option<&str>,
    username: &str,
    expected_version: Option<i64>,
    patch: &UserPatch,
) -> Result<UserView, ServiceError> {
    store.transaction(|conn| {
        let row = repo::users::find_by_username(conn, &username.to_ascii_lowercase())?
            .ok_or(ServiceError::NotFound { entity: "user" })?;
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        let before = UserView::from_row(&row);
        let mut errors = Errors::default();
        let display_name = match &patch.display_name {
            Some(raw) => errors.take(validate::text(raw, "/display_name", 200)),
            None => Some(row.display_name.clone()),
        };
        let email = match &patch.email {
            Some(Some(raw)) if !raw.trim().is_empty() => {
                errors.take(validate::email(raw, "/email"))
            }
            Some(_) => None,
            None => row.email.clone(),
        };
        let unit = match &patch.unit {
            Some(Some(raw)) if !raw.trim().is_empty() => {
                errors.take(validate::existing_unit(conn, raw, "/unit")?)
            }
            Some(_) => None,
            None => row
                .unit_code
                .as_deref()
                .and_then(|c| UnitCode::parse(c).ok()),
        };
        let roles = match &patch.roles {
            Some(raw) => parse_roles(raw, &mut errors),
            None => before.roles.clone(),
        };
        check_unit_for_roles(&roles, unit.as_ref(), &mut errors);
        let active = patch.active.unwrap_or(before.active);
        if actor_username == Some(row.username.as_str()) {
            if !active {
                errors.push(FieldError::new("/active", "cannot_disable_self"));
            }
            if before.roles.contains(&Role::Admin) && !roles.contains(&Role::Admin) {
                errors.push(FieldError::new("/roles", "cannot_remove_own_admin"));
            }
        }
        errors.finish()?;
        let display_name = display_name.unwrap_or_default();
        let roles_text = join_names(&roles);
        let changes = UserChangeset {
            display_name: &display_name,
            email: email.as_deref(),
            unit_code: unit.as_ref().map(UnitCode::as_str),
            roles: &roles_text,
            active: i32::from(active),
            version: row.version + 1,
            updated_at: Utc::now().naive_utc(),
        };
        if repo::users::update(conn, row.id, row.version, &changes)? == 0 {
            return Err(ServiceError::PreconditionFailed);
        }
        if before.active && !active {
            repo::tokens::revoke_all_for_user(conn, row.id, Utc::now().naive_utc())?;
        }
        let after = repo::users::find_by_id(conn, row.id)?
            .map(|r| UserView::from_row(&r))
            .ok_or(ServiceError::NotFound { entity: "user" })?;
        audit::record(
            conn,
            actor,
            "user.update",
            "user",
            &after.username,
            Some(&before.audit_json()?),
            Some(&after.audit_json()?),
        )?;
        Ok(after)
    })
}

/// Sets a new password chosen by an admin (or generated); revokes the user's sessions.
/// Returns the generated password, if one was.
pub fn reset_password(
    store: &Store,
    auth: &Auth,
    actor: &Actor,
    username: &str,
    new_password: Option<&str>,
) -> Result<Option<String>, ServiceError> {
    let row = store
        .read(|conn| {
            Ok(repo::users::find_by_username(
                conn,
                &username.to_ascii_lowercase(),
            )?)
        })?
        .ok_or(ServiceError::NotFound { entity: "user" })?;
    let (password, generated) = match new_password {
        Some(p) => (p.to_owned(), None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    check_password(&password, &row.username, "/password")
        .map_err(|e| ServiceError::Validation(vec![e]))?;
    let hash = auth.hasher().hash(&password)?;
    store.transaction(|conn| {
        let now = Utc::now().naive_utc();
        repo::users::set_password(conn, row.id, &hash, now)?;
        let revoked = repo::tokens::revoke_all_for_user(conn, row.id, now)?;
        audit::record(
            conn,
            actor,
            "user.password_reset",
            "user",
            &row.username,
            None,
            Some(&serde_json::json!({"refresh_tokens_revoked": revoked})),
        )
    })?;
    Ok(generated)
}

/// A user changes its own password; the old one is required, failures count towards
/// login throttling, and every session of the user ends.
pub fn change_own_password(
    auth: &Auth,
    actor: &Actor,
    ctx: &RequestContext,
    username: &str,
    old_password: &str,
    new_password: &str,
) -> Result<(), ServiceError> {
    let store = auth.store();
    auth.check_account_throttle(username, ctx)?;
    let row = store
        .read(|conn| Ok(repo::users::find_by_username(conn, username)?))?
        .ok_or(ServiceError::NotFound { entity: "user" })?;
    if !auth.hasher().verify(old_password, &row.password_hash) {
        store.transaction(|conn| {
            auth.record_password_failure(conn, username, ctx)?;
            audit::record(
                conn,
                actor,
                "user.password_change_failed",
                "user",
                username,
                None,
                Some(&serde_json::json!({"reason": "wrong_old_password", "address": ctx.address})),
            )
        })?;
        return Err(ServiceError::Validation(vec![FieldError::new(
            "/old_password",
            "wrong_password",
        )]));
    }
    check_password(new_password, username, "/new_password")
        .map_err(|e| ServiceError::Validation(vec![e]))?;
    if new_password == old_password {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "/new_password",
            "password_unchanged",
        )]));
    }
    let hash = auth.hasher().hash(new_password)?;
    store.transaction(|conn| {
        let now = Utc::now().naive_utc();
        repo::users::set_password(conn, row.id, &hash, now)?;
        let revoked = repo::tokens::revoke_all_for_user(conn, row.id, now)?;
        audit::record(
            conn,
            actor,
            "user.password_changed",
            "user",
            username,
            None,
            Some(&serde_json::json!({"refresh_tokens_revoked": revoked})),
        )
    })
}
