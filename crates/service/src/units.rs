//! Reading and writing the unit registry.

use chrono::{NaiveDate, Utc};
use dtihub_db::models::{NewUnit, UnitRow};
use dtihub_db::repo::units::{self as repo, UnitFilter};
use dtihub_db::DbConn;
use dtihub_domain::text::{fold, nfc};
use dtihub_domain::unit::{Unit, UnitCode, UnitKind};
use dtihub_domain::FieldError;

use crate::audit;
use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// Parsed filters of a unit listing.
#[derive(Debug, Default, Clone)]
pub struct UnitQuery {
    /// Only this kind.
    pub kind: Option<UnitKind>,
    /// Free text; matched without diacritics against name and code.
    pub q: Option<String>,
    /// Only units active on this day.
    pub active_on: Option<NaiveDate>,
    /// Continue after this code.
    pub after: Option<UnitCode>,
    /// Page size.
    pub limit: u32,
}

/// One page of units.
#[derive(Debug, Clone)]
pub struct UnitPage {
    /// The units, ordered by code.
    pub items: Vec<Unit>,
    /// The last code of this page when another page follows.
    pub next_after: Option<UnitCode>,
}

/// Turns a stored row into a domain unit; a row that breaks the domain rules is a bug.
pub fn row_to_unit(row: UnitRow) -> Result<Unit, ServiceError> {
    let bad = |what: &str| ServiceError::Internal(format!("unit row {}: bad {what}", row.id));
    let code_of = |s: &str| UnitCode::parse(s).map_err(|_| bad("code"));
    Ok(Unit {
        code: code_of(&row.code)?,
        kind: row.kind.parse().map_err(|_| bad("kind"))?,
        parent: row.parent_code.as_deref().map(code_of).transpose()?,
        successor: row.successor_code.as_deref().map(code_of).transpose()?,
        name: row.name,
        official_code: row.official_code,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
    })
}

/// Lists units by the query.
pub fn list(store: &Store, query: &UnitQuery) -> Result<UnitPage, ServiceError> {
    let folded = query.q.as_deref().map(fold).filter(|q| !q.is_empty());
    let filter = UnitFilter {
        kind: query.kind.map(UnitKind::as_str),
        folded_query: folded.as_deref(),
        active_on: query.active_on,
        after_code: query.after.as_ref().map(UnitCode::as_str),
    };
    let limit = i64::from(query.limit);
    let rows = store.read(|conn| Ok(repo::list(conn, &filter, limit + 1)?))?;
    let has_more = rows.len() as i64 > limit;
    let mut items = rows
        .into_iter()
        .take(query.limit as usize)
        .map(row_to_unit)
        .collect::<Result<Vec<_>, _>>()?;
    items.shrink_to_fit();
    let next_after = if has_more {
        items.last().map(|u| u.code.clone())
    } else {
        None
    };
    Ok(UnitPage { items, next_after })
}

/// One unit with its row version (for ETags).
pub fn get(store: &Store, code: &UnitCode) -> Result<(Unit, i64), ServiceError> {
    store.read(|conn| {
        let row = repo::find_by_code(conn, code.as_str())?
            .ok_or(ServiceError::NotFound { entity: "unit" })?;
        let version = row.version;
        Ok((row_to_unit(row)?, version))
    })
}

/// Inserts a unit inside the caller's transaction and audits it.
pub fn insert(conn: &mut DbConn, actor: &Actor, unit: &Unit) -> Result<(), ServiceError> {
    let name = nfc(&unit.name);
    if name.is_empty() {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "/name", "required",
        )]));
    }
    let folded = fold(&name);
    let now = Utc::now().naive_utc();
    let row = NewUnit {
        code: unit.code.as_str(),
        name: &name,
        name_folded: &folded,
        kind: unit.kind.as_str(),
        parent_code: unit.parent.as_ref().map(UnitCode::as_str),
        official_code: unit.official_code.as_deref(),
        valid_from: unit.valid_from,
        valid_to: unit.valid_to,
        successor_code: unit.successor.as_ref().map(UnitCode::as_str),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    repo::insert(conn, &row)?;
    let after = serde_json::to_value(unit).map_err(|e| ServiceError::Internal(e.to_string()))?;
    audit::record(
        conn,
        actor,
        "unit.create",
        "unit",
        unit.code.as_str(),
        None,
        Some(&after),
    )
}
