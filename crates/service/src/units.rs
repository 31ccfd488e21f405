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

/// A unit to create, as received.
#[derive(Debug, Clone, Default)]
pub struct NewUnitInput {
    /// Code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Kind name.
    pub kind: String,
    /// Parent unit code.
    pub parent: Option<String>,
    /// National code.
    pub official_code: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub valid_from: String,
}

/// Changes to a unit; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New parent.
    pub parent: Option<Option<String>>,
    /// New national code.
    pub official_code: Option<Option<String>>,
    /// New first day.
    pub valid_from: Option<String>,
}

/// Retiring a unit: its last day and the unit that takes over.
#[derive(Debug, Clone, Default)]
pub struct Retirement {
    /// Last day, `YYYY-MM-DD`.
    pub valid_to: String,
    /// Successor unit code.
    pub successor: Option<String>,
}

fn parse_kind(raw: &str, errors: &mut crate::validate::Errors) -> Option<UnitKind> {
    errors.take(raw.trim().parse::<UnitKind>().map_err(|_| {
        FieldError::new("/kind", "invalid_enum")
            .with("allowed", "province, department, commune, district")
    }))
}

/// Creates a unit (admin); returns it with its version.
pub fn create(
    store: &Store,
    actor: &Actor,
    input: &NewUnitInput,
) -> Result<(Unit, i64), ServiceError> {
    use crate::validate::{self, Errors};
    store.transaction(|conn| {
        let mut errors = Errors::default();
        let code = errors.take(
            UnitCode::parse(&input.code).map_err(|_| FieldError::new("/code", "invalid_unit_code")),
        );
        let name = errors.take(validate::text(&input.name, "/name", 200));
        let kind = parse_kind(&input.kind, &mut errors);
        let parent = match input.parent.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => errors.take(validate::existing_unit(conn, raw, "/parent")?),
            None => None,
        };
        let official_code = errors.take(validate::optional_text(
            input.official_code.as_deref(),
            "/official_code",
            20,
        ));
        let valid_from = errors.take(validate::date(&input.valid_from, "/valid_from"));
        if let Some(code) = &code {
            if repo::find_by_code(conn, code.as_str())?.is_some() {
                return Err(ServiceError::Conflict {
                    code: "already_exists",
                });
            }
        }
        errors.finish()?;
        let (Some(code), Some(name), Some(kind), Some(valid_from)) = (code, name, kind, valid_from)
        else {
            return Err(ServiceError::Internal("validated unit incomplete".into()));
        };
        let unit = Unit {
            code,
            name,
            kind,
            parent,
            official_code: official_code.flatten(),
            valid_from,
            valid_to: None,
            successor: None,
        };
        insert(conn, actor, &unit)?;
        Ok((unit, 1))
    })
}

fn write_unit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    row: &UnitRow,
    unit: &Unit,
) -> Result<i64, ServiceError> {
    let before = row_to_unit(row.clone())?;
    let folded = fold(&unit.name);
    let version = row.version + 1;
    let changes = dtihub_db::models::UnitChangeset {
        name: &unit.name,
        name_folded: &folded,
        kind: unit.kind.as_str(),
        parent_code: unit.parent.as_ref().map(UnitCode::as_str),
        official_code: unit.official_code.as_deref(),
        valid_from: unit.valid_from,
        valid_to: unit.valid_to,
        successor_code: unit.successor.as_ref().map(UnitCode::as_str),
        version,
        updated_at: Utc::now().naive_utc(),
    };
    if repo::update(conn, &row.code, row.version, &changes)? == 0 {
        return Err(ServiceError::PreconditionFailed);
    }
    let to_json =
        |u: &Unit| serde_json::to_value(u).map_err(|e| ServiceError::Internal(e.to_string()));
    audit::record(
        conn,
        actor,
        action,
        "unit",
        unit.code.as_str(),
        Some(&to_json(&before)?),
        Some(&to_json(unit)?),
    )?;
    Ok(version)
}

fn load_for_write(
    conn: &mut DbConn,
    code: &UnitCode,
    expected_version: Option<i64>,
) -> Result<UnitRow, ServiceError> {
    let row = repo::find_by_code(conn, code.as_str())?
        .ok_or(ServiceError::NotFound { entity: "unit" })?;
    if expected_version.is_some_and(|v| v != row.version) {
        return Err(ServiceError::PreconditionFailed);
    }
    Ok(row)
}

fn check_dates(unit: &Unit, errors: &mut crate::validate::Errors) {
    if unit.valid_to.is_some_and(|to| to < unit.valid_from) {
        errors.push(FieldError::new("/valid_to", "before_valid_from"));
    }
}

/// Updates a unit's name, kind, parent, national code or first day (admin).
pub fn update(
    store: &Store,
    actor: &Actor,
    code: &UnitCode,
    expected_version: Option<i64>,
    patch: &UnitPatch,
) -> Result<(Unit, i64), ServiceError> {
    use crate::validate::{self, Errors};
    store.transaction(|conn| {
        let row = load_for_write(conn, code, expected_version)?;
        let mut unit = row_to_unit(row.clone())?;
        let mut errors = Errors::default();
        if let Some(raw) = &patch.name {
            if let Some(name) = errors.take(validate::text(raw, "/name", 200)) {
                unit.name = name;
            }
        }
        if let Some(raw) = &patch.kind {
            if let Some(kind) = parse_kind(raw, &mut errors) {
                unit.kind = kind;
            }
        }
        match &patch.parent {
            Some(Some(raw)) if !raw.trim().is_empty() => {
                if let Some(parent) = errors.take(validate::existing_unit(conn, raw, "/parent")?) {
                    if &parent == code {
                        errors.push(FieldError::new("/parent", "self_reference"));
                    }
                    unit.parent = Some(parent);
                }
            }
            Some(_) => unit.parent = None,
            None => {}
        }
        if let Some(official) = &patch.official_code {
            if let Some(v) = errors.take(validate::optional_text(
                official.as_deref(),
                "/official_code",
                20,
            )) {
                unit.official_code = v;
            }
        }
        if let Some(raw) = &patch.valid_from {
            if let Some(d) = errors.take(validate::date(raw, "/valid_from")) {
                unit.valid_from = d;
            }
        }
        check_dates(&unit, &mut errors);
        errors.finish()?;
        let version = write_unit(conn, actor, "unit.update", &row, &unit)?;
        Ok((unit, version))
    })
}

/// Retires a unit (admin): sets its last day and its successor. Reports already filed stay
/// attached to it.
pub fn retire(
    store: &Store,
    actor: &Actor,
    code: &UnitCode,
    expected_version: Option<i64>,
    retirement: &Retirement,
) -> Result<(Unit, i64), ServiceError> {
    use crate::validate::{self, Errors};
    store.transaction(|conn| {
        let row = load_for_write(conn, code, expected_version)?;
        let mut unit = row_to_unit(row.clone())?;
        let mut errors = Errors::default();
        unit.valid_to = errors.take(validate::date(&retirement.valid_to, "/valid_to"));
        unit.successor = match retirement
            .successor
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(raw) => {
                let successor = errors.take(validate::existing_unit(conn, raw, "/successor")?);
                if successor.as_ref() == Some(code) {
                    errors.push(FieldError::new("/successor", "self_reference"));
                }
                successor
            }
            None => None,
        };
        check_dates(&unit, &mut errors);
        errors.finish()?;
        let version = write_unit(conn, actor, "unit.retire", &row, &unit)?;
        Ok((unit, version))
    })
}
