//! The plan catalog: plans and their items (indicators, tasks, projects, budget lines).
//!
//! Every item table has `version` for optimistic concurrency: [`items`]' update functions
//! change a row only when the caller's expected version is still current, and bump it.

pub mod items;
pub mod plans;
pub mod references;
pub mod roles;

/// Filters of an item listing within one plan; every field optional.
#[derive(Debug, Default, Clone)]
pub struct ItemFilter<'a> {
    /// Only items of this pillar (indicators and tasks).
    pub pillar: Option<&'a str>,
    /// Only items this unit leads (indicators, tasks), invests in (projects) or implements
    /// (budget lines).
    pub lead_unit: Option<&'a str>,
    /// Folded search text matched against the folded name (content for tasks).
    pub folded_query: Option<&'a str>,
    /// Keyset pagination: only codes after this one.
    pub after_code: Option<&'a str>,
}
