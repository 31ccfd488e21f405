//! Writing the audit trail: every mutation appends one entry in the same transaction.

use chrono::Utc;
use dtihub_db::models::NewAudit;
use dtihub_db::repo;
use dtihub_db::DbConn;
use serde_json::Value;

use crate::changes;
use crate::error::ServiceError;
use crate::store::Actor;

/// Records that `actor` did `action` to `entity`/`entity_id`, with the state before and after,
/// and the change-feed event derived from it (see [`crate::changes`]).
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), ServiceError> {
    record_with(
        conn,
        actor,
        action,
        entity,
        entity_id,
        before,
        after,
        changes::Hint::default(),
    )
}

/// [`record`], with facts the change feed cannot read back (such as a deleted item's plan).
#[allow(clippy::too_many_arguments)]
pub fn record_with(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    hint: changes::Hint,
) -> Result<(), ServiceError> {
    let entry = NewAudit {
        occurred_at: Utc::now().naive_utc(),
        actor: &actor.id,
        action,
        entity,
        entity_id,
        before_json: before.map(Value::to_string),
        after_json: after.map(Value::to_string),
        request_id: actor.request_id.as_deref(),
    };
    repo::audit::append(conn, &entry)?;
    changes::from_audit(conn, actor, action, entity, entity_id, after, hint)
}

/// One audit entry as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    /// Sequence number (newest is highest).
    pub id: i64,
    /// When.
    pub occurred_at: chrono::NaiveDateTime,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On which entity type.
    pub entity: String,
    /// On which entity.
    pub entity_id: String,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    /// The request that caused it.
    pub request_id: Option<String>,
}

/// Parsed filters of the audit listing.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action (or prefix ending in `.`).
    pub action: Option<String>,
    /// Only this entity type.
    pub entity: Option<String>,
    /// Only this entity id.
    pub entity_id: Option<String>,
    /// From this time (inclusive).
    pub from: Option<chrono::NaiveDateTime>,
    /// Until this time (exclusive).
    pub to: Option<chrono::NaiveDateTime>,
    /// Continue below this id.
    pub before_id: Option<i64>,
    /// Page size.
    pub limit: u32,
}

/// Lists entries newest first; returns the page and whether more follow.
pub fn list(
    store: &crate::store::Store,
    query: &AuditQuery,
) -> Result<(Vec<AuditEntry>, bool), ServiceError> {
    let filter = repo::audit::AuditFilter {
        actor: query.actor.as_deref(),
        action: query.action.as_deref(),
        entity: query.entity.as_deref(),
        entity_id: query.entity_id.as_deref(),
        from: query.from,
        to: query.to,
        before_id: query.before_id,
    };
    let limit = i64::from(query.limit);
    let rows = store.read(|conn| Ok(repo::audit::list(conn, &filter, limit + 1)?))?;
    let more = rows.len() as i64 > limit;
    let parse = |s: Option<String>| s.and_then(|t| serde_json::from_str(&t).ok());
    Ok((
        rows.into_iter()
            .take(query.limit as usize)
            .map(|r| AuditEntry {
                id: r.id,
                occurred_at: r.occurred_at,
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                before: parse(r.before_json),
                after: parse(r.after_json),
                request_id: r.request_id,
            })
            .collect(),
        more,
    ))
}
