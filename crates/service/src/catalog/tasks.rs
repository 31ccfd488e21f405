//! Tasks: mapping between the domain and the rows (`tasks`, `catalog_unit_roles`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use dtihub_db::models::{TaskData, TaskRow, UnitRoleRow};
use dtihub_db::repo::catalog::{items, roles, ItemFilter};
use dtihub_db::DbConn;
use dtihub_domain::catalog::task::TaskInput;
use dtihub_domain::catalog::{ItemCode, Pillar, PlanYears, Task, Timing};
use dtihub_domain::text::fold;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::DomainError;

use super::items::CatalogItem;
use super::{assignment, bad_row, role_rows, Stored};
use crate::error::ServiceError;

/// Tasks (nhiệm vụ) of a plan.
#[derive(Debug, Clone, Copy)]
pub struct Tasks;

const KIND: &str = items::task::KIND;

/// The timing as (kind, year, last year, part, last part): the year or first year, the last
/// year of a range, the quarter or month or first quarter, the last quarter of a span.
type TimingColumns = (
    &'static str,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

fn part(v: u32) -> Option<i32> {
    i32::try_from(v).ok()
}

fn timing_columns(t: Timing) -> TimingColumns {
    let kind = t.kind();
    match t {
        Timing::Quarter { year, quarter } => (kind, Some(year), None, part(quarter), None),
        Timing::Quarters { year, first, last } => (kind, Some(year), None, part(first), part(last)),
        Timing::Month { year, month } => (kind, Some(year), None, part(month), None),
        Timing::Year { year } => (kind, Some(year), None, None, None),
        Timing::YearRange { first, last } => (kind, Some(first), Some(last), None, None),
        Timing::Yearly | Timing::Quarterly | Timing::Continuous | Timing::Conditional => {
            (kind, None, None, None, None)
        }
    }
}

fn timing_from(row: &TaskRow) -> Option<Timing> {
    let p = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
    Some(match row.timing_kind.as_str() {
        "quarter" => Timing::Quarter {
            year: row.timing_year?,
            quarter: p(row.timing_part)?,
        },
        "quarters" => Timing::Quarters {
            year: row.timing_year?,
            first: p(row.timing_part)?,
            last: p(row.timing_last_part)?,
        },
        "month" => Timing::Month {
            year: row.timing_year?,
            month: p(row.timing_part)?,
        },
        "year" => Timing::Year {
            year: row.timing_year?,
        },
        "year_range" => Timing::YearRange {
            first: row.timing_year?,
            last: row.timing_last_year?,
        },
        "yearly" => Timing::Yearly,
        "quarterly" => Timing::Quarterly,
        "continuous" => Timing::Continuous,
        "conditional" => Timing::Conditional,
        _ => return None,
    })
}

fn data(plan_id: i64, v: &Task) -> TaskData {
    let (kind, year, last_year, first_part, last_part) = timing_columns(v.timing);
    TaskData {
        plan_id,
        code: v.code.to_string(),
        content: v.content.clone(),
        content_folded: fold(&v.content),
        section: v.section.clone(),
        category: v.category.clone(),
        pillar: v.pillar.map(|p| p.as_str().to_owned()),
        lead_text: v.lead.text.clone(),
        coordinating_text: v.coordinating.text.clone(),
        timing_kind: kind.to_owned(),
        timing_year: year,
        timing_last_year: last_year,
        timing_part: first_part,
        timing_last_part: last_part,
        timing_text: v.timing_text.clone(),
        due_date: v.due_date(),
        source: v.source.clone(),
        source_row: v.source_row.clone(),
    }
}

fn from_rows(row: TaskRow, roles: &[UnitRoleRow]) -> Result<Stored<Task>, ServiceError> {
    let bad = || bad_row("tasks", row.id);
    let value = Task {
        code: ItemCode::parse(&row.code).map_err(|_| bad())?,
        timing: timing_from(&row).ok_or_else(bad)?,
        pillar: match row.pillar.as_deref() {
            None => None,
            Some(p) => Some(Pillar::from_text(p).ok_or_else(bad)?),
        },
        lead: assignment(roles, row.id, "lead", row.lead_text)?,
        coordinating: assignment(roles, row.id, "coordinating", row.coordinating_text)?,
        content: row.content,
        section: row.section,
        category: row.category,
        timing_text: row.timing_text,
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

fn assemble(conn: &mut DbConn, rows: Vec<TaskRow>) -> Result<Vec<Stored<Task>>, ServiceError> {
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

impl CatalogItem for Tasks {
    type Value = Task;
    type Input = TaskInput;
    const KIND: &'static str = KIND;
    const HAS_PILLAR: bool = true;

    fn parse(input: &TaskInput, _years: PlanYears) -> Result<Task, DomainError> {
        Task::parse(input)
    }

    fn to_input(value: &Task) -> TaskInput {
        value.to_input()
    }

    fn unit_refs(value: &Task) -> Vec<(String, &UnitCode)> {
        value.unit_refs()
    }

    fn insert_row(
        conn: &mut DbConn,
        plan_id: i64,
        value: &Task,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        Ok(items::task::insert(conn, &data(plan_id, value), now)?.id)
    }

    fn update_row(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        expected: i64,
        value: &Task,
        now: NaiveDateTime,
    ) -> Result<usize, ServiceError> {
        Ok(items::task::update(
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
        value: &Task,
    ) -> Result<(), ServiceError> {
        let mut rows = Vec::new();
        role_rows(
            plan_id,
            KIND,
            id,
            "lead",
            &value.lead.units,
            &value.lead.unit_kinds,
            &mut rows,
        );
        role_rows(
            plan_id,
            KIND,
            id,
            "coordinating",
            &value.coordinating.units,
            &value.coordinating.unit_kinds,
            &mut rows,
        );
        roles::replace(conn, KIND, id, &rows)?;
        Ok(())
    }

    fn delete_row(conn: &mut DbConn, id: i64, expected: i64) -> Result<usize, ServiceError> {
        Ok(items::task::delete(conn, id, expected)?)
    }

    fn find(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
    ) -> Result<Option<Stored<Task>>, ServiceError> {
        let Some(row) = items::task::find(conn, plan_id, id)? else {
            return Ok(None);
        };
        Ok(assemble(conn, vec![row])?.pop())
    }

    fn list(
        conn: &mut DbConn,
        plan_id: i64,
        filter: &ItemFilter<'_>,
        limit: i64,
    ) -> Result<Vec<Stored<Task>>, ServiceError> {
        let rows = items::task::list(conn, plan_id, filter, limit)?;
        assemble(conn, rows)
    }

    fn all(conn: &mut DbConn, plan_id: i64) -> Result<Vec<Stored<Task>>, ServiceError> {
        let rows = items::task::all_in_plan(conn, plan_id)?;
        assemble(conn, rows)
    }

    fn code(value: &Task) -> &ItemCode {
        &value.code
    }
}
