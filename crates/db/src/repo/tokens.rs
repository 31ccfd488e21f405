//! Refresh tokens and revoked access tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{NewRefreshToken, NewRevokedAccessToken, RefreshTokenRow};
use crate::schema::{refresh_tokens, revoked_access_tokens};

/// Stores a refresh token (by hash).
pub fn insert_refresh(conn: &mut DbConn, token: &NewRefreshToken<'_>) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)
        .map(|_| ())
}

/// A refresh token by hash.
pub fn find_refresh(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a token used, only if it is neither used nor revoked; returns rows changed, so
/// that of two concurrent refreshes with the same token exactly one wins.
pub fn mark_used(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)
}

/// Revokes every not yet revoked token of a family; returns how many.
pub fn revoke_family(conn: &mut DbConn, family_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Revokes every not yet revoked token of a user; returns how many.
pub fn revoke_all_for_user(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Deletes refresh tokens that expired before `before`.
pub fn purge_expired_refresh(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(before)))
        .execute(conn)
}

/// Whether an access token id is revoked.
pub fn is_access_revoked(conn: &mut DbConn, jti: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        revoked_access_tokens::table.filter(revoked_access_tokens::jti.eq(jti)),
    ))
    .get_result(conn)
}

/// Revokes an access token id (idempotent).
pub fn revoke_access(conn: &mut DbConn, token: &NewRevokedAccessToken<'_>) -> QueryResult<()> {
    if is_access_revoked(conn, token.jti)? {
        return Ok(());
    }
    diesel::insert_into(revoked_access_tokens::table)
        .values(token)
        .execute(conn)
        .map(|_| ())
}

/// Forgets revocations of access tokens that have expired anyway.
pub fn purge_expired_access(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        revoked_access_tokens::table.filter(revoked_access_tokens::expires_at.lt(before)),
    )
    .execute(conn)
}
