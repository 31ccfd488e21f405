//! User accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{NewUser, UserChangeset, UserRow};
use crate::schema::users;

/// Filters for listing users.
#[derive(Debug, Default, Clone)]
pub struct UserFilter<'a> {
    /// Only users holding this role.
    pub role: Option<&'a str>,
    /// Only users of this unit.
    pub unit_code: Option<&'a str>,
    /// Only active (1) or inactive (0) users.
    pub active: Option<i32>,
    /// Keyset pagination: only usernames after this one.
    pub after_username: Option<&'a str>,
}

/// Inserts a user.
pub fn insert(conn: &mut DbConn, user: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

/// One user by username.
pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// One user by id.
pub fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Lists users ordered by username, at most `limit` rows.
pub fn list(conn: &mut DbConn, filter: &UserFilter<'_>, limit: i64) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(role) = filter.role {
        // Roles are stored space-separated; pad both sides so `admin` cannot match a longer
        // name that contains it.
        query = query.filter(
            (diesel::dsl::sql::<diesel::sql_types::Text>("' ' || roles || ' '"))
                .like(format!("% {role} %")),
        );
    }
    if let Some(unit) = filter.unit_code {
        query = query.filter(users::unit_code.eq(unit.to_owned()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(after) = filter.after_username {
        query = query.filter(users::username.gt(after.to_owned()));
    }
    query.order(users::username.asc()).limit(limit).load(conn)
}

/// Writes the editable fields if the row still has `expected_version`; returns the rows
/// changed (0 when someone else changed it first).
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    changes: &UserChangeset<'_>,
) -> QueryResult<usize> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(expected_version)),
    )
    .set(changes)
    .execute(conn)
}

/// Replaces the password hash.
pub fn set_password(
    conn: &mut DbConn,
    id: i64,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(password_hash),
            users::password_changed_at.eq(now),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)
}

/// How many users exist.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}
