//! Writing the audit trail: every mutation appends one entry in the same transaction.

use chrono::Utc;
use dtihub_db::models::NewAudit;
use dtihub_db::repo;
use dtihub_db::DbConn;
use serde_json::Value;

use crate::error::ServiceError;
use crate::store::Actor;

/// Records that `actor` did `action` to `entity`/`entity_id`, with the state before and after.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&Value>,
    after: Option<&Value>,
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
    Ok(())
}
