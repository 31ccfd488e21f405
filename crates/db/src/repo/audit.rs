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

/// Filters for reading the audit log; every field optional.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter<'a> {
    /// Only this actor (`user:alice`, `client:cl_x`, ...).
    pub actor: Option<&'a str>,
    /// Only this action, or actions starting with it when it ends with `.` (`auth.`).
    pub action: Option<&'a str>,
    /// Only this entity type.
    pub entity: Option<&'a str>,
    /// Only this entity id.
    pub entity_id: Option<&'a str>,
    /// Only entries at or after this time.
    pub from: Option<chrono::NaiveDateTime>,
    /// Only entries before this time.
    pub to: Option<chrono::NaiveDateTime>,
    /// Keyset pagination (newest first): only ids below this one.
    pub before_id: Option<i64>,
}

/// Lists entries newest first, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter<'_>,
    limit: i64,
) -> QueryResult<Vec<crate::models::AuditRow>> {
    use crate::models::AuditRow;
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(actor) = filter.actor {
        query = query.filter(audit_log::actor.eq(actor.to_owned()));
    }
    if let Some(action) = filter.action {
        if let Some(prefix) = action.strip_suffix('.') {
            let pattern = format!("{}.%", prefix.replace(['%', '_', '\\'], ""));
            query = query.filter(audit_log::action.like(pattern));
        } else {
            query = query.filter(audit_log::action.eq(action.to_owned()));
        }
    }
    if let Some(entity) = filter.entity {
        query = query.filter(audit_log::entity.eq(entity.to_owned()));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(entity_id.to_owned()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::occurred_at.lt(to));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    query.order(audit_log::id.desc()).limit(limit).load(conn)
}
