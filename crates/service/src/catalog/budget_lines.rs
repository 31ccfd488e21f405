//! Budget lines: mapping between the domain and the rows (`budget_lines`,
//! `catalog_unit_roles`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use dtihub_db::models::{BudgetLineData, BudgetLineRow, UnitRoleRow};
use dtihub_db::repo::catalog::{items, roles, ItemFilter};
use dtihub_db::DbConn;
use dtihub_domain::catalog::budget_line::BudgetLineInput;
use dtihub_domain::catalog::{BudgetLine, ItemCode, PlanYears};
use dtihub_domain::text::fold;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::DomainError;

use super::items::CatalogItem;
use super::{assignment, bad_row, role_rows, Stored};
use crate::error::ServiceError;

/// Recurrent budget lines of a plan.
#[derive(Debug, Clone, Copy)]
pub struct BudgetLines;

const KIND: &str = items::budget_line::KIND;

fn data(plan_id: i64, v: &BudgetLine) -> BudgetLineData {
    BudgetLineData {
        plan_id,
        code: v.code.to_string(),
        name: v.name.clone(),
        name_folded: fold(&v.name),
        implementing_text: v.implementing.text.clone(),
        amount_vnd: v.amount_vnd,
        budget_category: v.budget_category.clone(),
        funding_note: v.funding_note.clone(),
        start_year: v.start_year,
        end_year: v.end_year,
        period_text: v.period_text.clone(),
        status_text: v.status_text.clone(),
        decision_ref: v.decision_ref.clone(),
        source: v.source.clone(),
        source_row: v.source_row.clone(),
    }
}

fn from_rows(
    row: BudgetLineRow,
    roles: &[UnitRoleRow],
) -> Result<Stored<BudgetLine>, ServiceError> {
    let value = BudgetLine {
        code: ItemCode::parse(&row.code).map_err(|_| bad_row("budget_lines", row.id))?,
        implementing: assignment(roles, row.id, "implementing", row.implementing_text)?,
        name: row.name,
        amount_vnd: row.amount_vnd,
        budget_category: row.budget_category,
        funding_note: row.funding_note,
        start_year: row.start_year,
        end_year: row.end_year,
        period_text: row.period_text,
        status_text: row.status_text,
        decision_ref: row.decision_ref,
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
    rows: Vec<BudgetLineRow>,
) -> Result<Vec<Stored<BudgetLine>>, ServiceError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_item: HashMap<i64, Vec<UnitRoleRow>> = HashMap::new();
    for r in roles::for_items(conn, KIND, &ids)? {
        by_item.entry(r.item_id).or_default().push(r);
    }
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            from_rows(row, by_item.get(&id).map_or(&[][..], Vec::as_slice))
        })
        .collect()
}

impl CatalogItem for BudgetLines {
    type Value = BudgetLine;
    type Input = BudgetLineInput;
    const KIND: &'static str = KIND;
    const HAS_PILLAR: bool = false;

    fn parse(input: &BudgetLineInput, _years: PlanYears) -> Result<BudgetLine, DomainError> {
        BudgetLine::parse(input)
    }

    fn to_input(value: &BudgetLine) -> BudgetLineInput {
        value.to_input()
    }

    fn unit_refs(value: &BudgetLine) -> Vec<(String, &UnitCode)> {
        value.unit_refs()
    }

    fn insert_row(
        conn: &mut DbConn,
        plan_id: i64,
        value: &BudgetLine,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        Ok(items::budget_line::insert(conn, &data(plan_id, value), now)?.id)
    }

    fn update_row(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        expected: i64,
        value: &BudgetLine,
        now: NaiveDateTime,
    ) -> Result<usize, ServiceError> {
        Ok(items::budget_line::update(
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
        value: &BudgetLine,
    ) -> Result<(), ServiceError> {
        let mut rows = Vec::new();
        role_rows(
            plan_id,
            KIND,
            id,
            "implementing",
            &value.implementing.units,
            &value.implementing.unit_kinds,
            &mut rows,
        );
        roles::replace(conn, KIND, id, &rows)?;
        Ok(())
    }

    fn delete_row(conn: &mut DbConn, id: i64, expected: i64) -> Result<usize, ServiceError> {
        Ok(items::budget_line::delete(conn, id, expected)?)
    }

    fn find(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
    ) -> Result<Option<Stored<BudgetLine>>, ServiceError> {
        let Some(row) = items::budget_line::find(conn, plan_id, id)? else {
            return Ok(None);
        };
        Ok(assemble(conn, vec![row])?.pop())
    }

    fn list(
        conn: &mut DbConn,
        plan_id: i64,
        filter: &ItemFilter<'_>,
        limit: i64,
    ) -> Result<Vec<Stored<BudgetLine>>, ServiceError> {
        let rows = items::budget_line::list(conn, plan_id, filter, limit)?;
        assemble(conn, rows)
    }

    fn all(conn: &mut DbConn, plan_id: i64) -> Result<Vec<Stored<BudgetLine>>, ServiceError> {
        let rows = items::budget_line::all_in_plan(conn, plan_id)?;
        assemble(conn, rows)
    }

    fn code(value: &BudgetLine) -> &ItemCode {
        &value.code
    }
}
