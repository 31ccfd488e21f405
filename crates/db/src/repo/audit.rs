//! The audit log: append-only.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::NewAudit;
use crate::schema::audit_log;

/// Appends one entry.
pub fn append(conn: &mut DbConn, entry: &NewAudit<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// How many entries exist for an entity (used by tests and health checks).
pub fn count_for(conn: &mut DbConn, entity: &str, entity_id: &str) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result(conn)
}
