//! Machine clients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{ClientChangeset, ClientRow, NewClient};
use crate::schema::clients;

/// Inserts a client.
pub fn insert(conn: &mut DbConn, client: &NewClient<'_>) -> QueryResult<()> {
    diesel::insert_into(clients::table)
        .values(client)
        .execute(conn)
        .map(|_| ())
}

/// One client by `client_id`.
pub fn find_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<ClientRow>> {
    clients::table
        .filter(clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

/// Lists clients ordered by `client_id`, after a keyset position, at most `limit` rows.
pub fn list(
    conn: &mut DbConn,
    after_client_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ClientRow>> {
    let mut query = clients::table.select(ClientRow::as_select()).into_boxed();
    if let Some(after) = after_client_id {
        query = query.filter(clients::client_id.gt(after.to_owned()));
    }
    query
        .order(clients::client_id.asc())
        .limit(limit)
        .load(conn)
}

/// Writes the editable fields if the row still has `expected_version`; returns rows changed.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    changes: &ClientChangeset<'_>,
) -> QueryResult<usize> {
    diesel::update(
        clients::table
            .filter(clients::id.eq(id))
            .filter(clients::version.eq(expected_version)),
    )
    .set(changes)
    .execute(conn)
}

/// Replaces the secret hash.
pub fn set_secret(
    conn: &mut DbConn,
    id: i64,
    secret_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(clients::table.filter(clients::id.eq(id)))
        .set((
            clients::secret_hash.eq(secret_hash),
            clients::secret_rotated_at.eq(now),
            clients::updated_at.eq(now),
            clients::version.eq(clients::version + 1),
        ))
        .execute(conn)
}
