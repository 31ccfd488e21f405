//! A plan's totals: computed from its items, declared by its documents, and every mismatch.

use dtihub_domain::catalog::totals::{plan_totals as compute, PlanTotals};
use dtihub_domain::catalog::PlanId;

use super::items::CatalogItem;
use super::{plans, BudgetLines, Projects};
use crate::error::ServiceError;
use crate::store::Store;

/// Computed totals of investment and recurrent spending (by funding source and by unit), the
/// declared totals, every declared-versus-computed mismatch, and the funding warnings.
pub fn plan_totals(store: &Store, id: PlanId) -> Result<PlanTotals, ServiceError> {
    store.read(|conn| {
        let plan = plans::find_in(conn, id)?;
        let projects: Vec<_> = Projects::all(conn, id.0)?
            .into_iter()
            .map(|s| s.value)
            .collect();
        let lines: Vec<_> = BudgetLines::all(conn, id.0)?
            .into_iter()
            .map(|s| s.value)
            .collect();
        Ok(compute(&plan.value, &projects, &lines))
    })
}
