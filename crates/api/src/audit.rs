//! `/api/v1/audit`: the audit trail (admin, coordinator).

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use dtihub_domain::FieldError;
use dtihub_service::audit::{self, AuditEntry, AuditQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, ReadAudit};
use crate::error::{ApiError, Problem};
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const LISTING: &str = "audit";
const MAX_FILTER_CHARS: usize = 200;

/// One audit entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryResponse {
    /// Sequence number; newer entries have higher numbers.
    pub id: i64,
    /// When (UTC).
    pub occurred_at: DateTime<Utc>,
    /// Who: `user:<name>`, `client:<id>`, `system:<purpose>` or `anonymous`.
    #[schema(example = "user:demo-admin")]
    pub actor: String,
    /// What: `unit.create`, `user.update`, `auth.login`, `auth.login_failed`,
    /// `auth.token_issued`, `auth.token_revoked`, `auth.refresh_reuse_detected`, ...
    #[schema(example = "auth.login")]
    pub action: String,
    /// Entity type.
    #[schema(example = "user")]
    pub entity: String,
    /// Entity id.
    pub entity_id: String,
    /// State before the change.
    pub before: Option<serde_json::Value>,
    /// State after the change, or details of the event.
    pub after: Option<serde_json::Value>,
    /// The request that caused it.
    pub request_id: Option<String>,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at.and_utc(),
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
        }
    }
}

/// One page of audit entries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditEntryResponse>,
    /// Pass as `cursor` to get the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the audit listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListParams {
    /// Only this actor (`user:demo-admin`).
    #[param(value_type = Option<String>, max_length = 200)]
    pub actor: Option<String>,
    /// Only this action (`auth.login`), or every action of a family when it ends with `.`
    /// (`auth.`).
    #[param(value_type = Option<String>, max_length = 200)]
    pub action: Option<String>,
    /// Only this entity type (`unit`, `user`, `client`, `access_token`, ...).
    #[param(value_type = Option<String>, max_length = 200)]
    pub entity: Option<String>,
    /// Only this entity id.
    #[param(value_type = Option<String>, max_length = 200)]
    pub entity_id: Option<String>,
    /// Only entries at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Only entries before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`; a cursor the server did not issue
    /// is rejected with 400.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_params(p: &AuditListParams) -> Result<AuditQuery, ApiError> {
    let mut errors = Vec::new();
    let mut text = |raw: &Option<String>, name: &str| -> Option<String> {
        let raw = raw.as_deref()?;
        if raw.chars().count() > MAX_FILTER_CHARS {
            errors.push(
                FieldError::new(format!("query:{name}"), "too_long").with("max", MAX_FILTER_CHARS),
            );
            return None;
        }
        if raw.chars().any(char::is_control) {
            errors.push(FieldError::new(
                format!("query:{name}"),
                "invalid_characters",
            ));
            return None;
        }
        Some(raw.to_owned())
    };
    let actor = text(&p.actor, "actor");
    let action = text(&p.action, "action");
    let entity = text(&p.entity, "entity");
    let entity_id = text(&p.entity_id, "entity_id");
    let mut instant = |raw: &Option<String>, name: &str| -> Option<NaiveDateTime> {
        let raw = raw.as_deref()?;
        match DateTime::parse_from_rfc3339(raw) {
            Ok(t) => Some(t.naive_utc()),
            Err(_) => {
                errors.push(FieldError::new(format!("query:{name}"), "invalid_datetime"));
                None
            }
        }
    };
    let from = instant(&p.from, "from");
    let to = instant(&p.to, "to");
    let limit = parse_limit(p.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let before_id = match p.cursor.as_deref() {
        None => None,
        Some(raw) => match decode_cursor(LISTING, raw).and_then(|k| {
            k.parse::<i64>()
                .map_err(|_| FieldError::new("query:cursor", "invalid_cursor"))
        }) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(AuditQuery {
            actor,
            action,
            entity,
            entity_id,
            from,
            to,
            before_id,
            limit,
        })
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

/// Read the audit trail.
///
/// Every change to units, users and clients, and every login (successful or not), token
/// issue, revocation and refresh-token reuse. Newest first, paginated by cursor. Secrets never
/// appear in it.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_entries",
    params(AuditListParams),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "One page of entries", body = AuditPage),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither admin nor coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list(
    _caller: Allowed<ReadAudit>,
    state: web::Data<AppState>,
    params: web::Query<AuditListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = parse_params(&params)?;
    let store = state.store.clone();
    let (items, more) = web::block(move || audit::list(&store, &query)).await??;
    let next_cursor = if more {
        items
            .last()
            .map(|e| encode_cursor(LISTING, &e.id.to_string()))
    } else {
        None
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditPage {
            items: items.into_iter().map(AuditEntryResponse::from).collect(),
            next_cursor,
        }))
}
