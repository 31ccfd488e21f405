//! Use cases of the plan catalog: list, get, create, update (with an expected version) and
//! delete plans and their items, and compute a plan's totals.
//!
//! Every mutation runs in one transaction and appends an audit entry in it. All text is NFC
//! normalised by the domain's `parse`; searches fold diacritics.

pub mod items;
pub mod plans;
pub mod totals;

mod budget_lines;
mod indicators;
mod projects;
mod tasks;

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use dtihub_db::models::UnitRoleRow;
use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::catalog::indicator::UnitAssignment;
use dtihub_domain::catalog::CatalogWarning;
use dtihub_domain::unit::{UnitCode, UnitKind};
use dtihub_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::ServiceError;

pub use budget_lines::BudgetLines;
pub use indicators::Indicators;
pub use items::{CatalogItem, ItemQuery};
pub use plans::PlanQuery;
pub use projects::Projects;
pub use tasks::Tasks;

/// Longest search text accepted.
pub const MAX_Q_CHARS: usize = 100;
/// Largest page.
pub const MAX_LIMIT: u32 = 200;

/// An entity as stored: its id, version (for `ETag` / `If-Match`) and timestamps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored<T> {
    /// Database id.
    pub id: i64,
    /// The plan it belongs to (a plan's own id for plans).
    pub plan_id: i64,
    /// Row version, bumped by every update.
    pub version: i64,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
    /// When it was last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// The entity.
    pub value: T,
}

/// An entity just written, with what a person should check though it was accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved<T> {
    /// The stored entity.
    pub stored: Stored<T>,
    /// Warnings (a funding split above the total investment, …).
    pub warnings: Vec<CatalogWarning>,
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The entities, ordered by code.
    pub items: Vec<Stored<T>>,
    /// The last code of this page when another page follows.
    pub next_after: Option<String>,
}

/// Applies an RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key
/// (which then takes its default), anything else replaces.
///
/// One refinement: an object with a `kind` member (a task's `timing`, an indicator's
/// `evaluation_time`) is one variant of a tagged union; a patch of it replaces the old value
/// whole, since merging a month into a quarter would leave the quarter's fields behind (and a
/// patch without `kind` is then refused rather than silently merged).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    merge(target, patch, true);
}

fn merge(target: &mut Value, patch: &Value, root: bool) {
    match patch {
        Value::Object(fields)
            if root || !(fields.contains_key("kind") || target.get("kind").is_some()) =>
        {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(into) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        into.remove(key);
                    } else {
                        merge(into.entry(key.clone()).or_insert(Value::Null), value, false);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Reads an input from JSON, naming the offending field by JSON pointer when it has the wrong
/// type or is unknown.
pub fn input_from_json<T: DeserializeOwned + Serialize>(value: Value) -> Result<T, ServiceError> {
    // NUL and the other control characters (tabs and line breaks aside) have no place in
    // the documents' text, and PostgreSQL cannot store NUL at all: refuse them up front,
    // naming where, instead of failing in the database.
    if let Some(pointer) = control_character(&value, String::new()) {
        return Err(ServiceError::Validation(vec![FieldError::new(
            pointer,
            "invalid_characters",
        )]));
    }
    let input: T = serde_path_to_error::deserialize::<_, T>(value.clone()).map_err(|e| {
        let pointer = json_pointer(&e.path().to_string());
        let inner = e.into_inner().to_string();
        let code = if inner.starts_with("unknown field") {
            "unknown_field"
        } else if inner.starts_with("invalid type") {
            "invalid_type"
        } else {
            "invalid_value"
        };
        ServiceError::Validation(vec![FieldError::new(pointer, code)])
    })?;
    // serde also reads a struct from an array of its fields (`"funding": [1, 2]`); the API
    // takes objects only, so the shape read must be the shape sent.
    let canonical =
        serde_json::to_value(&input).map_err(|e| ServiceError::Internal(e.to_string()))?;
    match shape_mismatch(&value, &canonical, String::new()) {
        Some(pointer) => Err(ServiceError::Validation(vec![FieldError::new(
            pointer,
            "invalid_type",
        )])),
        None => Ok(input),
    }
}

/// The JSON pointer of the first string (or key) holding a control character other than a
/// tab or a line break.
fn control_character(value: &Value, pointer: String) -> Option<String> {
    let bad = |t: &str| {
        t.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match value {
        Value::String(t) if bad(t) => Some(if pointer.is_empty() {
            "/".into()
        } else {
            pointer
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_character(v, format!("{pointer}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = format!("{pointer}/{}", escape(k));
            if bad(k) {
                Some(here)
            } else {
                control_character(v, here)
            }
        }),
        _ => None,
    }
}

/// The pointer of the first place where `sent` has an array but `read` an object.
fn shape_mismatch(sent: &Value, read: &Value, pointer: String) -> Option<String> {
    match (sent, read) {
        (Value::Object(s), Value::Object(r)) => s.iter().find_map(|(key, value)| {
            let inner = r.get(key)?;
            shape_mismatch(value, inner, format!("{pointer}/{key}"))
        }),
        (Value::Array(s), Value::Array(r)) => s
            .iter()
            .zip(r)
            .enumerate()
            .find_map(|(i, (a, b))| shape_mismatch(a, b, format!("{pointer}/{i}"))),
        (Value::Array(_), Value::Object(_)) => Some(pointer),
        _ => None,
    }
}

/// `targets[0].year` (serde_path_to_error's notation) as `/targets/0/year`; `.` is the root.
fn json_pointer(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    let mut out = String::new();
    for segment in path.split('.') {
        let mut rest = segment;
        if let Some(open) = rest.find('[') {
            out.push('/');
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                out.push('/');
                out.push_str(&stripped[..close]);
                rest = stripped.get(close + 1..).unwrap_or("");
            }
        } else {
            out.push('/');
            out.push_str(rest);
        }
    }
    out
}

/// Serialises an entity for the audit log.
pub(crate) fn audit_json<T: Serialize>(value: &T) -> Result<Value, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Every named unit must exist in the registry: one `unknown_unit` error per missing one.
pub(crate) fn check_units_exist(
    conn: &mut DbConn,
    refs: &[(String, &UnitCode)],
) -> Result<(), ServiceError> {
    let mut known: BTreeSet<&str> = BTreeSet::new();
    let mut errors = Vec::new();
    for (pointer, code) in refs {
        if known.contains(code.as_str()) {
            continue;
        }
        if repo::units::find_by_code(conn, code.as_str())?.is_some() {
            known.insert(code.as_str());
        } else {
            errors.push(FieldError::new(pointer.clone(), "unknown_unit").with("value", code));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(errors))
    }
}

/// The `catalog_unit_roles` rows of units and kinds in one role.
pub(crate) fn role_rows(
    plan_id: i64,
    item_kind: &str,
    item_id: i64,
    role: &str,
    units: &[UnitCode],
    kinds: &[UnitKind],
    out: &mut Vec<UnitRoleRow>,
) {
    let mut position = 0;
    let mut push = |unit_code: Option<String>, unit_kind: Option<String>| {
        out.push(UnitRoleRow {
            id: 0,
            plan_id,
            item_kind: item_kind.to_owned(),
            item_id,
            role: role.to_owned(),
            position,
            unit_code,
            unit_kind,
        });
        position += 1;
    };
    for u in units {
        push(Some(u.to_string()), None);
    }
    for k in kinds {
        push(None, Some(k.as_str().to_owned()));
    }
}

/// The units and kinds of one item in one role.
pub(crate) fn role_members(
    rows: &[UnitRoleRow],
    item_id: i64,
    role: &str,
) -> Result<(Vec<UnitCode>, Vec<UnitKind>), ServiceError> {
    let mut units = Vec::new();
    let mut kinds = Vec::new();
    let mut members: Vec<&UnitRoleRow> = rows
        .iter()
        .filter(|r| r.item_id == item_id && r.role == role)
        .collect();
    members.sort_by_key(|r| r.position);
    for r in members {
        if let Some(code) = &r.unit_code {
            units.push(UnitCode::parse(code).map_err(|_| bad_row("catalog_unit_roles", r.id))?);
        }
        if let Some(kind) = &r.unit_kind {
            kinds.push(
                kind.parse()
                    .map_err(|_| bad_row("catalog_unit_roles", r.id))?,
            );
        }
    }
    Ok((units, kinds))
}

/// A unit assignment (units, kinds, printed text) of one item in one role.
pub(crate) fn assignment(
    rows: &[UnitRoleRow],
    item_id: i64,
    role: &str,
    text: Option<String>,
) -> Result<UnitAssignment, ServiceError> {
    let (units, unit_kinds) = role_members(rows, item_id, role)?;
    Ok(UnitAssignment {
        units,
        unit_kinds,
        text,
    })
}

/// A stored row that breaks the domain's rules: a bug or a hand edit, never the client's fault.
pub(crate) fn bad_row(table: &str, id: i64) -> ServiceError {
    ServiceError::Internal(format!(
        "{table} row {id} does not satisfy the domain rules"
    ))
}

/// Validates the listing's search text and folds it.
pub(crate) fn folded_query(q: Option<&str>) -> Result<Option<String>, ServiceError> {
    match q {
        None => Ok(None),
        Some(raw) if raw.chars().count() > MAX_Q_CHARS => {
            Err(ServiceError::Validation(vec![FieldError::new(
                "query:q", "too_long",
            )
            .with("max", MAX_Q_CHARS)]))
        }
        Some(raw) if raw.chars().any(char::is_control) => {
            Err(ServiceError::Validation(vec![FieldError::new(
                "query:q",
                "invalid_characters",
            )]))
        }
        Some(raw) => Ok(Some(dtihub_domain::text::fold(raw)).filter(|q| !q.is_empty())),
    }
}

/// Validates a page size.
pub(crate) fn check_limit(limit: u32) -> Result<i64, ServiceError> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(i64::from(limit))
    } else {
        Err(ServiceError::Validation(vec![FieldError::new(
            "query:limit",
            "out_of_range",
        )
        .with("min", 1)
        .with("max", MAX_LIMIT)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
        merge_patch(
            &mut doc,
            &json!({"a": null, "b": {"c": 5}, "e": [3], "f": "x"}),
        );
        assert_eq!(doc, json!({"b": {"c": 5, "d": 3}, "e": [3], "f": "x"}));
    }

    #[test]
    fn structs_are_read_from_objects_only() {
        use dtihub_domain::catalog::ProjectInput;
        let ok: Result<ProjectInput, _> = input_from_json(json!({"funding": {"local_vnd": 1}}));
        assert!(ok.is_ok());
        let bad: Result<ProjectInput, _> = input_from_json(json!({"funding": [null, 1]}));
        match bad {
            Err(ServiceError::Validation(e)) => {
                assert_eq!(
                    (e[0].pointer.as_str(), e[0].code.as_str()),
                    ("/funding", "invalid_type")
                );
            }
            other => panic!("{other:?}"),
        }
        let bad: Result<ProjectInput, _> =
            input_from_json(json!({"allocations": [{"year": 2026, "split": [1]}]}));
        assert!(
            matches!(bad, Err(ServiceError::Validation(e)) if e[0].pointer == "/allocations/0/split")
        );
    }

    #[test]
    fn serde_paths_become_json_pointers() {
        assert_eq!(json_pointer("targets[0].year"), "/targets/0/year");
        assert_eq!(json_pointer("name"), "/name");
        assert_eq!(json_pointer("lead.units[2]"), "/lead/units/2");
        assert_eq!(json_pointer("."), "");
    }
}
