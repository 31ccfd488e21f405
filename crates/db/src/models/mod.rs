//! Row structs: what the tables hold, separate from domain and wire types.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    audit_log, clients, login_failures, refresh_tokens, revoked_access_tokens, signing_keys, units,
    users,
};

/// A `units` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub official_code: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A unit to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_folded: &'a str,
    pub kind: &'a str,
    pub parent_code: Option<&'a str>,
    pub official_code: Option<&'a str>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<&'a str>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An `audit_log` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
}

/// An audit entry to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit<'a> {
    pub occurred_at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<&'a str>,
}

/// A `users` row. `password_hash` never leaves the service layer.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub unit_code: Option<String>,
    pub roles: String,
    pub password_hash: String,
    pub active: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub password_changed_at: NaiveDateTime,
}

/// A user to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub unit_code: Option<&'a str>,
    pub roles: &'a str,
    pub password_hash: &'a str,
    pub active: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub password_changed_at: NaiveDateTime,
}

/// The editable part of a user, written whole (the service merges the patch first).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChangeset<'a> {
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub unit_code: Option<&'a str>,
    pub roles: &'a str,
    pub active: i32,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// A `clients` row. `secret_hash` never leaves the service layer.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: String,
    pub unit_code: Option<String>,
    pub active: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub secret_rotated_at: NaiveDateTime,
}

/// A client to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = clients)]
pub struct NewClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub scopes: &'a str,
    pub unit_code: Option<&'a str>,
    pub active: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub secret_rotated_at: NaiveDateTime,
}

/// The editable part of a client, written whole.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
pub struct ClientChangeset<'a> {
    pub name: &'a str,
    pub scopes: &'a str,
    pub unit_code: Option<&'a str>,
    pub active: i32,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// A `refresh_tokens` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub token_hash: String,
    pub family_id: String,
    pub user_id: i64,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A refresh token to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub family_id: &'a str,
    pub user_id: i64,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A revoked access token.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = revoked_access_tokens)]
pub struct NewRevokedAccessToken<'a> {
    pub jti: &'a str,
    pub expires_at: NaiveDateTime,
}

/// A failed login.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = login_failures)]
pub struct NewLoginFailure<'a> {
    pub throttle_key: &'a str,
    pub failed_at_ms: i64,
}

/// A `signing_keys` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub id: i64,
    pub purpose: String,
    pub kid: String,
    pub algorithm: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
}

/// A signing key to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct NewSigningKey<'a> {
    pub purpose: &'a str,
    pub kid: &'a str,
    pub algorithm: &'a str,
    pub secret: &'a str,
    pub created_at: NaiveDateTime,
}

/// Every editable field of a unit, written whole (the service merges the patch first).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = units, treat_none_as_null = true)]
pub struct UnitChangeset<'a> {
    pub name: &'a str,
    pub name_folded: &'a str,
    pub kind: &'a str,
    pub parent_code: Option<&'a str>,
    pub official_code: Option<&'a str>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<&'a str>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

mod catalog;
mod imports;
pub use catalog::*;
mod reports;
pub use imports::*;
pub use reports::*;
mod changes;
pub use changes::*;
mod dti;
pub use dti::*;
