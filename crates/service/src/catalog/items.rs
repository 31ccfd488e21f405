//! The use cases shared by the four item kinds (indicators, tasks, projects, budget lines),
//! written once over [`CatalogItem`].

use chrono::{NaiveDateTime, Utc};
use dtihub_db::repo::catalog::{plans as plan_repo, references, ItemFilter};
use dtihub_db::DbConn;
use dtihub_domain::catalog::{CatalogWarning, ItemCode, Pillar, PlanId, PlanYears};
use dtihub_domain::unit::UnitCode;
use dtihub_domain::DomainError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::{
    audit_json, check_limit, check_units_exist, folded_query, input_from_json, merge_patch, Page,
    Saved, Stored,
};
use crate::audit;
use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// Filters and paging of an item listing.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    /// Only this pillar (indicators and tasks; other kinds have none and match nothing).
    pub pillar: Option<Pillar>,
    /// Only items this unit leads, invests in or implements.
    pub lead_unit: Option<UnitCode>,
    /// Free text matched without diacritics against the name (content for tasks).
    pub q: Option<String>,
    /// Continue after this code.
    pub after: Option<ItemCode>,
    /// Page size, 1 to 200.
    pub limit: u32,
}

/// One kind of plan item and how it is stored.
pub trait CatalogItem {
    /// The validated entity.
    type Value: Serialize + Clone + std::fmt::Debug;
    /// The entity as a client sends it.
    type Input: Serialize + DeserializeOwned + std::fmt::Debug;
    /// Entity name in errors, the audit log and `catalog_unit_roles`.
    const KIND: &'static str;
    /// Whether the kind has a pillar to filter by.
    const HAS_PILLAR: bool;

    /// Validates an input for a plan covering `years`.
    fn parse(input: &Self::Input, years: PlanYears) -> Result<Self::Value, DomainError>;
    /// The input that parses back into the value.
    fn to_input(value: &Self::Value) -> Self::Input;
    /// Every unit code the value names, with the pointer that names it.
    fn unit_refs(value: &Self::Value) -> Vec<(String, &UnitCode)>;
    /// What a person should check though it is accepted.
    fn warnings(_value: &Self::Value) -> Vec<CatalogWarning> {
        Vec::new()
    }

    /// Inserts the main row; returns its id.
    fn insert_row(
        conn: &mut DbConn,
        plan_id: i64,
        value: &Self::Value,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError>;
    /// Overwrites the main row when its version is still `expected`; rows changed.
    fn update_row(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        expected: i64,
        value: &Self::Value,
        now: NaiveDateTime,
    ) -> Result<usize, ServiceError>;
    /// Replaces the child rows (unit roles, targets, allocations).
    fn write_children(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        value: &Self::Value,
    ) -> Result<(), ServiceError>;
    /// Deletes the item when its version is still `expected`; rows deleted.
    fn delete_row(conn: &mut DbConn, id: i64, expected: i64) -> Result<usize, ServiceError>;
    /// One item with its children.
    fn find(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
    ) -> Result<Option<Stored<Self::Value>>, ServiceError>;
    /// A page of items with their children.
    fn list(
        conn: &mut DbConn,
        plan_id: i64,
        filter: &ItemFilter<'_>,
        limit: i64,
    ) -> Result<Vec<Stored<Self::Value>>, ServiceError>;
    /// Every item of the plan with its children, ordered by code.
    fn all(conn: &mut DbConn, plan_id: i64) -> Result<Vec<Stored<Self::Value>>, ServiceError>;
    /// The item's code.
    fn code(value: &Self::Value) -> &ItemCode;
}

fn plan_years(conn: &mut DbConn, plan_id: PlanId) -> Result<PlanYears, ServiceError> {
    let plan =
        plan_repo::find(conn, plan_id.0)?.ok_or(ServiceError::NotFound { entity: "plan" })?;
    Ok(PlanYears {
        first: plan.first_year,
        last: plan.last_year,
    })
}

/// Lists a plan's items by the query.
pub fn list<I: CatalogItem>(
    store: &Store,
    plan_id: PlanId,
    query: &ItemQuery,
) -> Result<Page<I::Value>, ServiceError> {
    let limit = check_limit(query.limit)?;
    let folded = folded_query(query.q.as_deref())?;
    if query.pillar.is_some() && !I::HAS_PILLAR {
        return Ok(Page {
            items: Vec::new(),
            next_after: None,
        });
    }
    let filter = ItemFilter {
        pillar: query.pillar.map(Pillar::as_str),
        lead_unit: query.lead_unit.as_ref().map(UnitCode::as_str),
        folded_query: folded.as_deref(),
        after_code: query.after.as_ref().map(ItemCode::as_str),
    };
    store.read(|conn| {
        plan_years(conn, plan_id)?;
        let mut items = I::list(conn, plan_id.0, &filter, limit + 1)?;
        let has_more = items.len() as i64 > limit;
        items.truncate(query.limit as usize);
        let next_after = if has_more {
            items.last().map(|s| I::code(&s.value).to_string())
        } else {
            None
        };
        Ok(Page { items, next_after })
    })
}

/// One item of a plan.
pub fn get<I: CatalogItem>(
    store: &Store,
    plan_id: PlanId,
    id: i64,
) -> Result<Stored<I::Value>, ServiceError> {
    store.read(|conn| {
        plan_years(conn, plan_id)?;
        I::find(conn, plan_id.0, id)?.ok_or(ServiceError::NotFound { entity: I::KIND })
    })
}

/// Validates and stores a new item of a plan, in one transaction, audited.
pub fn create<I: CatalogItem>(
    store: &Store,
    actor: &Actor,
    plan_id: PlanId,
    input: &I::Input,
) -> Result<Saved<I::Value>, ServiceError> {
    store.transaction(|conn| create_in::<I>(conn, actor, plan_id, input))
}

/// [`create`] inside the caller's transaction (the demo loader adds hundreds in one).
pub fn create_in<I: CatalogItem>(
    conn: &mut DbConn,
    actor: &Actor,
    plan_id: PlanId,
    input: &I::Input,
) -> Result<Saved<I::Value>, ServiceError> {
    let years = plan_years(conn, plan_id)?;
    let value = I::parse(input, years)?;
    check_units_exist(conn, &I::unit_refs(&value))?;
    let now = Utc::now().naive_utc();
    let id = I::insert_row(conn, plan_id.0, &value, now)?;
    I::write_children(conn, plan_id.0, id, &value)?;
    let stored = I::find(conn, plan_id.0, id)?.ok_or(ServiceError::NotFound { entity: I::KIND })?;
    let after = audit_json(&stored.value)?;
    audit::record(
        conn,
        actor,
        &format!("{}.create", I::KIND),
        I::KIND,
        &id.to_string(),
        None,
        Some(&after),
    )?;
    let warnings = I::warnings(&stored.value);
    Ok(Saved { stored, warnings })
}

/// Changes an item by a JSON merge patch (RFC 7396) over its input form, in one transaction,
/// audited. With `expected_version` the change applies only if the item still has it
/// (`If-Match`); otherwise [`ServiceError::PreconditionFailed`].
pub fn update<I: CatalogItem>(
    store: &Store,
    actor: &Actor,
    plan_id: PlanId,
    id: i64,
    expected_version: Option<i64>,
    patch: &Value,
) -> Result<Saved<I::Value>, ServiceError> {
    store.transaction(|conn| {
        let years = plan_years(conn, plan_id)?;
        let current =
            I::find(conn, plan_id.0, id)?.ok_or(ServiceError::NotFound { entity: I::KIND })?;
        // The body is judged before the version: a malformed request is a 422 whatever its
        // If-Match says.
        let mut doc = audit_json(&I::to_input(&current.value))?;
        merge_patch(&mut doc, patch);
        let input: I::Input = input_from_json(doc)?;
        let value = I::parse(&input, years)?;
        check_units_exist(conn, &I::unit_refs(&value))?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        let now = Utc::now().naive_utc();
        if I::update_row(conn, plan_id.0, id, current.version, &value, now)? == 0 {
            return Err(ServiceError::PreconditionFailed);
        }
        I::write_children(conn, plan_id.0, id, &value)?;
        let stored =
            I::find(conn, plan_id.0, id)?.ok_or(ServiceError::NotFound { entity: I::KIND })?;
        let before = audit_json(&current.value)?;
        let after = audit_json(&stored.value)?;
        audit::record(
            conn,
            actor,
            &format!("{}.update", I::KIND),
            I::KIND,
            &id.to_string(),
            Some(&before),
            Some(&after),
        )?;
        let warnings = I::warnings(&stored.value);
        Ok(Saved { stored, warnings })
    })
}

/// Deletes an item, in one transaction, audited; refused with
/// `Conflict { code: "referenced_by_reports" }` once a report refers to it.
pub fn delete<I: CatalogItem>(
    store: &Store,
    actor: &Actor,
    plan_id: PlanId,
    id: i64,
    expected_version: Option<i64>,
) -> Result<(), ServiceError> {
    store.transaction(|conn| {
        plan_years(conn, plan_id)?;
        let current =
            I::find(conn, plan_id.0, id)?.ok_or(ServiceError::NotFound { entity: I::KIND })?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        if references::count_report_references(conn, I::KIND, id)? > 0 {
            return Err(ServiceError::Conflict {
                code: "referenced_by_reports",
            });
        }
        if I::delete_row(conn, id, current.version)? == 0 {
            return Err(ServiceError::PreconditionFailed);
        }
        let before = audit_json(&current.value)?;
        audit::record_with(
            conn,
            actor,
            &format!("{}.delete", I::KIND),
            I::KIND,
            &id.to_string(),
            Some(&before),
            None,
            crate::changes::Hint {
                plan_id: Some(plan_id.0),
            },
        )
    })
}
