//! Demo data drawn from the source documents (see `demo/*.json` for each record's source).

use dtihub_db::repo;
use dtihub_domain::unit::Unit;

use crate::error::ServiceError;
use crate::store::{Actor, Store};
use crate::units;

const UNITS_JSON: &str = include_str!("demo/units.json");

/// The demo units: the province, the departments named in the 2025 plan (and those merged
/// away in 2025, kept for history), the agencies the earlier plans assign work or money to
/// (see `demo/catalog/`), and the 29 communes and wards of the 2025 plan's Phụ lục II.
pub fn demo_units() -> Result<Vec<Unit>, ServiceError> {
    serde_json::from_str(UNITS_JSON).map_err(|e| ServiceError::Internal(format!("demo units: {e}")))
}

/// Loads the demo units into an empty registry, in one transaction; does nothing when the
/// registry already holds units. Returns how many were inserted.
pub fn seed_units(store: &Store) -> Result<usize, ServiceError> {
    let units = demo_units()?;
    let actor = Actor::system("seed-demo");
    store.transaction(|conn| {
        if repo::units::count(conn)? > 0 {
            return Ok(0);
        }
        // A unit may name a parent or successor listed after it: insert in rounds, each unit
        // once everything it references exists.
        let mut inserted = 0;
        let mut known = std::collections::HashSet::new();
        let mut pending = units.clone();
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for unit in pending {
                let ready = |code: &Option<dtihub_domain::unit::UnitCode>| {
                    code.as_ref().is_none_or(|c| known.contains(c))
                };
                if ready(&unit.parent) && ready(&unit.successor) {
                    units::insert(conn, &actor, &unit)?;
                    known.insert(unit.code.clone());
                    inserted += 1;
                } else {
                    rest.push(unit);
                }
            }
            if rest.len() == before {
                return Err(ServiceError::Internal(
                    "demo units reference codes that do not exist".into(),
                ));
            }
            pending = rest;
        }
        Ok(inserted)
    })
}
