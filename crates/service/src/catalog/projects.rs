//! Projects: mapping between the domain and the rows (`projects`, `project_allocations`,
//! `catalog_unit_roles`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use dtihub_db::models::{AllocationRow, ProjectData, ProjectRow, UnitRoleRow};
use dtihub_db::repo::catalog::{items, roles, ItemFilter};
use dtihub_db::DbConn;
use dtihub_domain::catalog::project::{Allocation, FundingSplit, ProjectInput, Stage};
use dtihub_domain::catalog::{CatalogWarning, ItemCode, PlanYears, Project};
use dtihub_domain::text::fold;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::DomainError;

use super::items::CatalogItem;
use super::{bad_row, role_members, role_rows, Stored};
use crate::error::ServiceError;

/// Public-investment projects (dự án) of a plan.
#[derive(Debug, Clone, Copy)]
pub struct Projects;

const KIND: &str = items::project::KIND;

fn data(plan_id: i64, v: &Project) -> ProjectData {
    ProjectData {
        plan_id,
        code: v.code.to_string(),
        name: v.name.clone(),
        name_folded: fold(&v.name),
        investor_text: v.investor_text.clone(),
        start_year: v.start_year,
        end_year: v.end_year,
        period_text: v.period_text.clone(),
        total_investment_vnd: v.total_investment_vnd,
        central_vnd: v.funding.central_vnd,
        local_vnd: v.funding.local_vnd,
        other_vnd: v.funding.other_vnd,
        disbursed_before_vnd: v.disbursed_before_vnd,
        stage: v.stage.map(|s| s.as_str().to_owned()),
        stage_text: v.stage_text.clone(),
        decision_ref: v.decision_ref.clone(),
        funding_note: v.funding_note.clone(),
        carried_over: v.carried_over.map(i32::from),
        same_as: v.same_as.clone(),
        source: v.source.clone(),
        source_row: v.source_row.clone(),
    }
}

fn from_rows(
    row: ProjectRow,
    roles: &[UnitRoleRow],
    allocations: &[AllocationRow],
) -> Result<Stored<Project>, ServiceError> {
    let bad = || bad_row("projects", row.id);
    let (investors, _) = role_members(roles, row.id, "investor")?;
    let (related_units, _) = role_members(roles, row.id, "related")?;
    let value = Project {
        code: ItemCode::parse(&row.code).map_err(|_| bad())?,
        investor_unit: investors.into_iter().next(),
        stage: match row.stage.as_deref() {
            None => None,
            Some(s) => Some(Stage::from_text(s).ok_or_else(bad)?),
        },
        funding: FundingSplit {
            central_vnd: row.central_vnd,
            local_vnd: row.local_vnd,
            other_vnd: row.other_vnd,
        },
        allocations: allocations
            .iter()
            .filter(|a| a.project_id == row.id)
            .map(|a| Allocation {
                year: a.year,
                allocated_vnd: a.allocated_vnd,
                split: FundingSplit {
                    central_vnd: a.allocated_central_vnd,
                    local_vnd: a.allocated_local_vnd,
                    other_vnd: a.allocated_other_vnd,
                },
                implemented_vnd: a.implemented_vnd,
            })
            .collect(),
        carried_over: row.carried_over.map(|v| v != 0),
        related_units,
        name: row.name,
        investor_text: row.investor_text,
        start_year: row.start_year,
        end_year: row.end_year,
        period_text: row.period_text,
        total_investment_vnd: row.total_investment_vnd,
        disbursed_before_vnd: row.disbursed_before_vnd,
        stage_text: row.stage_text,
        decision_ref: row.decision_ref,
        funding_note: row.funding_note,
        same_as: row.same_as,
        source: row.source,
        source_row: row.source_row,
    };
    Ok(Stored {
        id: row.id,
        plan_id: row.plan_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        value,
    })
}

fn assemble(
    conn: &mut DbConn,
    rows: Vec<ProjectRow>,
) -> Result<Vec<Stored<Project>>, ServiceError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut roles_by_item: HashMap<i64, Vec<UnitRoleRow>> = HashMap::new();
    for r in roles::for_items(conn, KIND, &ids)? {
        roles_by_item.entry(r.item_id).or_default().push(r);
    }
    let mut allocations_by_item: HashMap<i64, Vec<AllocationRow>> = HashMap::new();
    for a in items::allocations_for(conn, &ids)? {
        allocations_by_item.entry(a.project_id).or_default().push(a);
    }
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            from_rows(
                row,
                roles_by_item.get(&id).map_or(&[][..], Vec::as_slice),
                allocations_by_item.get(&id).map_or(&[][..], Vec::as_slice),
            )
        })
        .collect()
}

impl CatalogItem for Projects {
    type Value = Project;
    type Input = ProjectInput;
    const KIND: &'static str = KIND;
    const HAS_PILLAR: bool = false;

    fn parse(input: &ProjectInput, years: PlanYears) -> Result<Project, DomainError> {
        Project::parse(input, years)
    }

    fn to_input(value: &Project) -> ProjectInput {
        value.to_input()
    }

    fn unit_refs(value: &Project) -> Vec<(String, &UnitCode)> {
        value.unit_refs()
    }

    fn warnings(value: &Project) -> Vec<CatalogWarning> {
        value.warnings()
    }

    fn insert_row(
        conn: &mut DbConn,
        plan_id: i64,
        value: &Project,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        Ok(items::project::insert(conn, &data(plan_id, value), now)?.id)
    }

    fn update_row(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        expected: i64,
        value: &Project,
        now: NaiveDateTime,
    ) -> Result<usize, ServiceError> {
        Ok(items::project::update(
            conn,
            id,
            expected,
            &data(plan_id, value),
            now,
        )?)
    }

    fn write_children(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        value: &Project,
    ) -> Result<(), ServiceError> {
        let mut rows = Vec::new();
        let investor: Vec<UnitCode> = value.investor_unit.iter().cloned().collect();
        role_rows(plan_id, KIND, id, "investor", &investor, &[], &mut rows);
        role_rows(
            plan_id,
            KIND,
            id,
            "related",
            &value.related_units,
            &[],
            &mut rows,
        );
        roles::replace(conn, KIND, id, &rows)?;
        let allocations: Vec<AllocationRow> = value
            .allocations
            .iter()
            .map(|a| AllocationRow {
                id: 0,
                project_id: id,
                year: a.year,
                allocated_vnd: a.allocated_vnd,
                allocated_central_vnd: a.split.central_vnd,
                allocated_local_vnd: a.split.local_vnd,
                allocated_other_vnd: a.split.other_vnd,
                implemented_vnd: a.implemented_vnd,
            })
            .collect();
        items::replace_allocations(conn, id, &allocations)?;
        Ok(())
    }

    fn delete_row(conn: &mut DbConn, id: i64, expected: i64) -> Result<usize, ServiceError> {
        Ok(items::project::delete(conn, id, expected)?)
    }

    fn find(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
    ) -> Result<Option<Stored<Project>>, ServiceError> {
        let Some(row) = items::project::find(conn, plan_id, id)? else {
            return Ok(None);
        };
        Ok(assemble(conn, vec![row])?.pop())
    }

    fn list(
        conn: &mut DbConn,
        plan_id: i64,
        filter: &ItemFilter<'_>,
        limit: i64,
    ) -> Result<Vec<Stored<Project>>, ServiceError> {
        let rows = items::project::list(conn, plan_id, filter, limit)?;
        assemble(conn, rows)
    }

    fn all(conn: &mut DbConn, plan_id: i64) -> Result<Vec<Stored<Project>>, ServiceError> {
        let rows = items::project::all_in_plan(conn, plan_id)?;
        assemble(conn, rows)
    }

    fn code(value: &Project) -> &ItemCode {
        &value.code
    }
}
