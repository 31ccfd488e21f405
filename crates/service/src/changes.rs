//! The change feed for integrators: every committed change, once, in commit order.
//!
//! Events are derived from the audit trail ([`crate::audit::record`] calls [`from_audit`]), so
//! every audited mutation, present or future, reaches the feed; report saves add one
//! `indicator_value.changed` event per indicator whose value changed. Identity and security
//! entities (users, clients, tokens, logins) are left out: the feed is for data, not accounts.
//!
//! Numbering: [`Store::transaction`](crate::Store::transaction) collects the events of its
//! transaction (see [`Collector`]) and numbers and writes them just before commit, from the
//! single counter row whose lock is then held to commit: so numbers follow commit order, a
//! rolled back transaction returns its numbers, and writers are serialised only for the
//! final insert and the commit, not for their whole work (collecting first also means no
//! writer ever waits for the counter while holding locks another writer holding the counter
//! needs: no deadlock). A plain identity column would not do: PostgreSQL hands identity
//! values out before commit, so a reader could see 8 committed while 7 is still in flight,
//! move its cursor past 7 and never see it.

use std::cell::RefCell;

use chrono::{NaiveDateTime, Timelike, Utc};
use dtihub_db::models::ChangeEventRow;
use dtihub_db::repo;
use dtihub_db::repo::changes::UnitEvents;
use dtihub_db::DbConn;
use dtihub_domain::access::{Permission, Principal};
use serde_json::{json, Value};

use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// Audience of events the feed cannot place (entities it does not know yet): only readers
/// who see every unit receive them.
const PROVINCE_READERS_ONLY: &str = "*";

/// Entities never in the feed: accounts, credentials and sign-ins.
const PRIVATE_ENTITIES: [&str; 5] = [
    "user",
    "client",
    "access_token",
    "refresh_token_family",
    "signing_key",
];

/// One change, before it is numbered.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChange {
    /// `report.submitted`, `indicator_value.changed`, `indicator.created`, …
    pub event_type: String,
    /// The entity type (`report`, `indicator_value`, `indicator`, `unit`, …).
    pub entity: String,
    /// The entity's id (`XA-TRAM-CHIM/2025-Q1`, `42`, …).
    pub entity_id: String,
    /// The unit the entity belongs to, if any.
    pub unit: Option<String>,
    /// Who may see it: `None` every catalog reader, else readers of that unit's reports.
    pub audience_unit: Option<String>,
    /// The reporting period, for report events.
    pub period: Option<String>,
    /// The entity's version after the change.
    pub version: Option<i64>,
    /// The API path of the entity.
    pub link: Option<String>,
    /// A small payload (status and reason, the values before and after, …).
    pub data: Option<Value>,
}

/// One change as read from the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeView {
    /// Its position (the cursor after it).
    pub seq: i64,
    /// When (UTC).
    pub occurred_at: NaiveDateTime,
    /// The kind of change.
    pub event_type: String,
    /// Entity type.
    pub entity: String,
    /// Entity id.
    pub entity_id: String,
    /// Its unit.
    pub unit: Option<String>,
    /// Its period.
    pub period: Option<String>,
    /// Its version after the change.
    pub version: Option<i64>,
    /// Its API path.
    pub link: Option<String>,
    /// Who made the change.
    pub actor: String,
    /// Payload.
    pub data: Option<Value>,
}

#[derive(Debug)]
struct Pending {
    occurred_at: NaiveDateTime,
    actor: String,
    change: NewChange,
}

thread_local! {
    /// The events of the transaction running on this thread, when one collects them.
    static PENDING: RefCell<Option<Vec<Pending>>> = const { RefCell::new(None) };
}

/// Collects the events of one transaction (on this thread) until [`Collector::flush`];
/// dropping it without flushing discards them (the transaction rolled back). Restores the
/// collection of an enclosing transaction, if any, when dropped.
#[derive(Debug)]
pub(crate) struct Collector {
    outer: Option<Vec<Pending>>,
}

impl Collector {
    /// Starts collecting.
    pub(crate) fn start() -> Self {
        Collector {
            outer: PENDING.with(|p| p.borrow_mut().replace(Vec::new())),
        }
    }

    /// Numbers and writes the collected events inside the transaction, just before commit.
    pub(crate) fn flush(&self, conn: &mut DbConn) -> Result<(), ServiceError> {
        let pending = PENDING.with(|p| p.borrow_mut().as_mut().map(std::mem::take));
        match pending {
            Some(events) if !events.is_empty() => write(conn, events),
            _ => Ok(()),
        }
    }
}

/// How many events the transaction on this thread has collected and not yet written.
pub(crate) fn collected() -> usize {
    PENDING.with(|p| p.borrow().as_ref().map_or(0, Vec::len))
}

impl Drop for Collector {
    fn drop(&mut self) {
        let outer = self.outer.take();
        PENDING.with(|p| *p.borrow_mut() = outer);
    }
}

fn write(conn: &mut DbConn, events: Vec<Pending>) -> Result<(), ServiceError> {
    let count = i64::try_from(events.len()).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let first = repo::changes::take_numbers(conn, count)?;
    let rows: Vec<ChangeEventRow> = events
        .into_iter()
        .zip(first..)
        .map(|(p, seq)| ChangeEventRow {
            seq,
            occurred_at: p.occurred_at,
            event_type: p.change.event_type,
            entity: p.change.entity,
            entity_id: p.change.entity_id,
            unit_code: p.change.unit,
            audience_unit: p.change.audience_unit,
            period: p.change.period,
            version: p.change.version,
            link: p.change.link,
            actor: p.actor,
            data_json: p.change.data.map(|d| d.to_string()),
        })
        .collect();
    repo::changes::append(conn, &rows)?;
    Ok(())
}

/// Records a change: collected when the transaction collects (every [`Store::transaction`]
/// does), else numbered and written at once.
pub fn emit(conn: &mut DbConn, actor: &Actor, change: NewChange) -> Result<(), ServiceError> {
    let t = Utc::now().naive_utc();
    let pending = Pending {
        occurred_at: t
            .with_nanosecond(t.nanosecond() / 1_000 * 1_000)
            .unwrap_or(t),
        actor: actor.id.clone(),
        change,
    };
    let leftover = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(list) => {
            list.push(pending);
            None
        }
        None => Some(pending),
    });
    match leftover {
        Some(pending) => write(conn, vec![pending]),
        None => Ok(()),
    }
}

/// Extra facts an audited change may carry when the database can no longer tell them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hint {
    /// The plan of a catalog item (needed once the item is deleted).
    pub plan_id: Option<i64>,
}

/// The past tense of an audited action's verb: `report.submit` → `report.submitted`.
fn event_type(action: &str) -> String {
    let (entity, verb) = action.rsplit_once('.').unwrap_or(("", action));
    let past = match verb {
        "save" => "saved",
        "submit" => "submitted",
        "return" => "returned",
        "accept" => "accepted",
        "reopen" => "reopened",
        "create" => "created",
        "update" | "put" => "updated",
        "replace" => "replaced",
        "delete" => "deleted",
        "retire" => "retired",
        "load" => "loaded",
        other => other,
    };
    if entity.is_empty() {
        past.to_owned()
    } else {
        format!("{entity}.{past}")
    }
}

/// The API collection of a catalog item kind.
fn collection(kind: &str) -> Option<&'static str> {
    match kind {
        "indicator" => Some("indicators"),
        "task" => Some("tasks"),
        "project" => Some("projects"),
        "budget_line" => Some("budget-lines"),
        _ => None,
    }
}

/// The version of the shared data: the number of the last committed change-feed event. Every
/// committed change to reports, the catalog, units, rules, assessments or DTI data is numbered
/// in its own transaction, so a read that sees version `v` sees every such change up to `v`.
pub fn data_version(store: &Store) -> Result<i64, ServiceError> {
    store.read(|conn| Ok(repo::changes::last_number(conn)?))
}

/// The API path of a report.
pub fn report_link(unit: &str, period: &str) -> String {
    format!("/api/v1/units/{unit}/reports/{period}")
}

/// Derives the feed event of an audited change and records it (nothing for private entities).
#[allow(clippy::too_many_arguments)]
pub(crate) fn from_audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    after: Option<&Value>,
    hint: Hint,
) -> Result<(), ServiceError> {
    if PRIVATE_ENTITIES.contains(&entity) || action.starts_with("auth.") {
        return Ok(());
    }
    // A bulk import saves the units' drafts: to a consumer it is a save like any other. DTI
    // and assessment actions are named after their entity, as every other event is.
    let event_type = match action {
        "report.import" => "report.saved".to_owned(),
        "dti.self_assess" => "dti_assessment.self_assessed".to_owned(),
        "dti.verify" => "dti_assessment.verified".to_owned(),
        "indicator.assess" => "indicator_assessment.recorded".to_owned(),
        _ => event_type(action),
    };
    let mut change = NewChange {
        event_type,
        entity: entity.to_owned(),
        entity_id: entity_id.to_owned(),
        unit: None,
        audience_unit: None,
        period: None,
        version: None,
        link: None,
        data: None,
    };
    match entity {
        "report" => {
            let Some((unit, period)) = entity_id.split_once('/') else {
                return Err(ServiceError::Internal(format!(
                    "report audited with id {entity_id}"
                )));
            };
            change.version = repo::reports::find(conn, unit, period)?.map(|r| r.version);
            change.link = Some(report_link(unit, period));
            change.unit = Some(unit.to_owned());
            change.audience_unit = Some(unit.to_owned());
            change.period = Some(period.to_owned());
            // Workflow actions carry their status and reason; saves and loads carry content,
            // which the link serves (and indicator_value events detail).
            match action {
                "report.save" | "report.load" => {}
                "report.import" => change.data = Some(json!({"source": "import"})),
                _ => change.data = after.cloned(),
            }
        }
        "plan" => {
            if let Ok(id) = entity_id.parse::<i64>() {
                change.version = repo::catalog::plans::find(conn, id)?.map(|p| p.version);
            }
            change.link = Some(format!("/api/v1/plans/{entity_id}"));
        }
        "plan_reporting_rules" => {
            if let Ok(id) = entity_id.parse::<i64>() {
                change.version = repo::reporting_rules::find(conn, id)?.map(|r| r.version);
            }
            change.link = Some(format!("/api/v1/plans/{entity_id}/reporting-rules"));
        }
        "dti_framework" => {
            change.link = Some(format!("/api/v1/dti/frameworks/{entity_id}"));
        }
        "dti_assessment" => {
            let Some((unit, year)) = entity_id.split_once('/') else {
                return Err(ServiceError::Internal(format!(
                    "DTI assessment audited with id {entity_id}"
                )));
            };
            change.link = Some(format!("/api/v1/units/{unit}/dti/{year}/self-assessment"));
            change.unit = Some(unit.to_owned());
            change.audience_unit = Some(unit.to_owned());
            change.period = Some(year.to_owned());
        }
        "indicator_assessment" => {
            let indicator = entity_id
                .split_once('/')
                .and_then(|(id, _)| id.parse::<i64>().ok());
            if let Some(id) = indicator {
                if let Some((plan, _)) = repo::changes::catalog_item_ref(conn, "indicator", id)? {
                    change.link = Some(format!("/api/v1/plans/{plan}/indicators/{id}"));
                }
            }
            change.period = entity_id.split_once('/').map(|(_, year)| year.to_owned());
            change.data = after.cloned();
        }
        "unit" => {
            change.version = repo::units::find_by_code(conn, entity_id)?.map(|u| u.version);
            change.link = Some(format!("/api/v1/units/{entity_id}"));
            change.unit = Some(entity_id.to_owned());
            change.data = after.cloned();
        }
        kind if collection(kind).is_some() => {
            let found = match entity_id.parse::<i64>() {
                Ok(id) => repo::changes::catalog_item_ref(conn, kind, id)?,
                Err(_) => None,
            };
            change.version = found.map(|(_, v)| v);
            if let (Some(plan), Some(path)) =
                (found.map(|(p, _)| p).or(hint.plan_id), collection(kind))
            {
                change.link = Some(format!("/api/v1/plans/{plan}/{path}/{entity_id}"));
            }
        }
        _ => change.audience_unit = Some(PROVINCE_READERS_ONLY.to_owned()),
    }
    emit(conn, actor, change)
}

/// The indicator values a report save changed: added, removed or with another value,
/// numerator, denominator or text (notes and evidence are not values).
pub fn indicator_value_changes(
    unit: &str,
    period: &str,
    version: i64,
    before: &[crate::reports::IndicatorValue],
    after: &[crate::reports::IndicatorValue],
) -> Vec<NewChange> {
    use std::collections::BTreeMap;
    let values = |list: &[crate::reports::IndicatorValue]| -> BTreeMap<i64, Value> {
        list.iter()
            .map(|v| {
                (
                    v.indicator_id,
                    json!({"value": v.value, "numerator": v.numerator,
                           "denominator": v.denominator, "text": v.text}),
                )
            })
            .collect()
    };
    let (old, new) = (values(before), values(after));
    let mut ids: Vec<i64> = old.keys().chain(new.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            let (b, a) = (old.get(&id), new.get(&id));
            (b != a).then(|| NewChange {
                event_type: "indicator_value.changed".into(),
                entity: "indicator_value".into(),
                entity_id: format!("{unit}/{period}/{id}"),
                unit: Some(unit.to_owned()),
                audience_unit: Some(unit.to_owned()),
                period: Some(period.to_owned()),
                version: Some(version),
                link: Some(report_link(unit, period)),
                data: Some(json!({"indicator_id": id, "before": b, "after": a})),
            })
        })
        .collect()
}

/// What a principal may read of the feed: province-level events, and which units' events.
/// `None` when it may read nothing (neither the catalog nor any report).
pub fn visibility(p: &Principal) -> Option<(bool, UnitEvents)> {
    let province_level = p.allows(Permission::ReadCatalog);
    let units = if !p.allows(Permission::ReadReports) {
        UnitEvents::None
    } else {
        let province_wide = p.is_user() && p.roles.iter().any(|r| !r.is_unit_scoped());
        match (&p.unit, province_wide || (!p.is_user() && p.unit.is_none())) {
            (_, true) => UnitEvents::All,
            (Some(own), false) => UnitEvents::Only(own.to_string()),
            (None, false) => UnitEvents::None,
        }
    };
    (province_level || units != UnitEvents::None).then_some((province_level, units))
}

/// Events after position `after` the reader may see, at most `limit`; and whether more
/// (visible or not) were committed after the last one returned.
pub fn read(
    store: &Store,
    province_level: bool,
    units: &UnitEvents,
    after: i64,
    limit: i64,
) -> Result<(Vec<ChangeView>, bool), ServiceError> {
    let rows = store.read(|conn| {
        Ok(repo::changes::list_after(
            conn,
            after,
            province_level,
            units,
            limit + 1,
        )?)
    })?;
    let more = rows.len() as i64 > limit;
    Ok((
        rows.into_iter()
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|r| ChangeView {
                seq: r.seq,
                occurred_at: r.occurred_at,
                event_type: r.event_type,
                entity: r.entity,
                entity_id: r.entity_id,
                unit: r.unit_code,
                period: r.period,
                version: r.version,
                link: r.link,
                actor: r.actor,
                data: r.data_json.and_then(|d| serde_json::from_str(&d).ok()),
            })
            .collect(),
        more,
    ))
}
