//! Generated signing secrets.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{NewSigningKey, SigningKeyRow};
use crate::schema::signing_keys;

/// The key for a purpose, if it exists.
pub fn find_by_purpose(conn: &mut DbConn, purpose: &str) -> QueryResult<Option<SigningKeyRow>> {
    signing_keys::table
        .filter(signing_keys::purpose.eq(purpose))
        .select(SigningKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a key; a unique violation means another instance created it first.
pub fn insert(conn: &mut DbConn, key: &NewSigningKey<'_>) -> QueryResult<()> {
    diesel::insert_into(signing_keys::table)
        .values(key)
        .execute(conn)
        .map(|_| ())
}
