//! `/api/v1/changes`: the change feed for integrators (LGSP and other provincial systems).
//!
//! Follow it by passing each page's `next_cursor` as `after`: every committed change is
//! returned once, in commit order. Who sees what: readers of the catalog see province-level
//! events (plans, catalog items, units); readers of reports see their reports' events, of
//! every unit for province-wide roles and unbound clients, of their own unit only for unit
//! roles and unit-bound clients.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use dtihub_domain::FieldError;
use dtihub_service::changes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::catalog::utc;
use crate::error::{ApiError, Problem};
use crate::pagination::{decode_cursor, encode_cursor};
use crate::state::AppState;

const LISTING: &str = "changes";
/// Default page size of the feed.
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest page size of the feed.
pub const MAX_LIMIT: i64 = 1000;

/// Position and page size.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Opaque cursor: the `next_cursor` of the previous page. Absent: from the first change.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// One committed change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeEvent {
    /// The cursor just after this event (resume from here).
    pub cursor: String,
    /// What happened: `report.saved`, `report.submitted`, `report.returned`,
    /// `report.accepted`, `report.reopened`, `report.loaded`, `indicator_value.changed`,
    /// `plan.created|updated`, `plan_reporting_rules.updated|reset`,
    /// `indicator|task|project|budget_line.created|updated|deleted`,
    /// `unit.created|updated|retired`, `dti_framework.created|replaced`,
    /// `dti_assessment.self_assessed|verified`, `indicator_assessment.recorded`. New kinds may
    /// appear: ignore the ones you do not know.
    #[schema(example = "report.submitted")]
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it was recorded (UTC).
    pub occurred_at: DateTime<Utc>,
    /// The kind of entity (`report`, `indicator_value`, `plan`, `indicator`, `unit`, …).
    pub entity: String,
    /// The entity's id: `UNIT/PERIOD` for a report, `UNIT/PERIOD/INDICATOR_ID` for an
    /// indicator value, the id or code otherwise.
    #[schema(example = "XA-TRAM-CHIM/2025-09")]
    pub entity_id: String,
    /// The unit the entity belongs to (reports, indicator values, units).
    pub unit: Option<String>,
    /// The reporting period (reports, indicator values).
    pub period: Option<String>,
    /// The entity's version after the change (a report's `ETag`); null once deleted.
    pub version: Option<i64>,
    /// The API path to read the entity now (a deleted one answers 404).
    #[schema(example = "/api/v1/units/XA-TRAM-CHIM/reports/2025-09")]
    pub link: Option<String>,
    /// Who made the change (`user:<name>`, `client:<id>`, `system:<purpose>`).
    pub actor: String,
    /// Details: status and reason of a workflow action, values before and after of an
    /// indicator value, the unit after a unit change.
    pub data: Option<serde_json::Value>,
}

/// One page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangePage {
    /// Oldest first, in commit order.
    pub events: Vec<ChangeEvent>,
    /// Pass as `after` for the next page; never null (on an empty page it is the position
    /// asked for, so polling with it waits for the next change).
    pub next_cursor: String,
    /// Whether more changes are committed already (fetch again at once).
    pub has_more: bool,
}

fn parse(p: &ChangeParams) -> Result<(i64, i64), ApiError> {
    let mut errors = Vec::new();
    let after = match p.after.as_deref() {
        None => 0,
        Some(raw) => decode_position(raw).unwrap_or_else(|e| {
            errors.push(e);
            0
        }),
    };
    let limit = match p.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(v) if (1..=MAX_LIMIT).contains(&v) => v,
            Ok(_) => {
                errors.push(
                    FieldError::new("query:limit", "out_of_range")
                        .with("min", 1)
                        .with("max", MAX_LIMIT),
                );
                0
            }
            Err(_) => {
                errors.push(FieldError::new("query:limit", "invalid_integer"));
                0
            }
        },
    };
    if errors.is_empty() {
        Ok((after, limit))
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

fn decode_position(raw: &str) -> Result<i64, FieldError> {
    let invalid = || FieldError::new("query:after", "invalid_cursor");
    let key = decode_cursor(LISTING, raw).map_err(|_| invalid())?;
    key.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(invalid)
}

fn cursor(seq: i64) -> String {
    encode_cursor(LISTING, &seq.to_string())
}

/// Follow the change feed.
///
/// Committed changes after `after`, oldest first, in commit order: report saves and workflow
/// actions, indicator values changed, catalog items created, updated or deleted, units
/// created, changed or retired. Follow `next_cursor`: under concurrent writers every change
/// is returned exactly once. Catalog readers see province-level events (plans, catalog
/// items, units); report readers see report events of the units they may read (a unit's
/// users and unit-bound clients: their own unit only). Users, clients and sign-ins are not
/// in the feed.
#[utoipa::path(
    tag = "changes",
    operation_id = "list_changes",
    params(ChangeParams),
    security(("bearer" = []), ("oauth2" = ["catalog:read"]), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "One page of changes", body = ChangePage),
        (status = 400, description = "`after` is not a cursor of this feed, or `limit` is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May read neither the catalog nor reports", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<ChangeParams>,
) -> Result<HttpResponse, ApiError> {
    let Some((province_level, units)) = changes::visibility(&caller.principal) else {
        return Err(ApiError::forbidden());
    };
    let (after, limit) = parse(&params)?;
    let store = state.store.clone();
    let (rows, has_more) =
        web::block(move || changes::read(&store, province_level, &units, after, limit)).await??;
    let next = rows.last().map_or(after, |r| r.seq);
    let events = rows
        .into_iter()
        .map(|r| ChangeEvent {
            cursor: cursor(r.seq),
            event_type: r.event_type,
            occurred_at: utc(r.occurred_at),
            entity: r.entity,
            entity_id: r.entity_id,
            unit: r.unit,
            period: r.period,
            version: r.version,
            link: r.link,
            actor: r.actor,
            data: r.data,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChangePage {
        events,
        next_cursor: cursor(next),
        has_more,
    }))
}
