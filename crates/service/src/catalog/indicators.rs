//! Indicators: mapping between the domain and the rows (`indicators`, `indicator_targets`,
//! `catalog_unit_roles`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use dtihub_db::models::{IndicatorData, IndicatorRow, TargetRow, UnitRoleRow};
use dtihub_db::repo::catalog::{items, roles, ItemFilter};
use dtihub_db::DbConn;
use dtihub_domain::catalog::indicator::{
    Applicability, Direction, EvaluationTime, IndicatorInput, Measure, RollUp, Target,
};
use dtihub_domain::catalog::{CatalogWarning, Indicator, ItemCode, Pillar, PlanYears};
use dtihub_domain::text::fold;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::DomainError;

use super::items::CatalogItem;
use super::{assignment, bad_row, role_members, role_rows, Stored};
use crate::error::ServiceError;

/// Indicators (chỉ tiêu) of a plan.
#[derive(Debug, Clone, Copy)]
pub struct Indicators;

const KIND: &str = items::indicator::KIND;

fn data(plan_id: i64, v: &Indicator) -> IndicatorData {
    let (evaluation_kind, evaluation_year, evaluation_month) = match v.evaluation_time {
        None => (None, None, None),
        Some(EvaluationTime::EndOfYear) => (Some("end_of_year"), None, None),
        Some(EvaluationTime::EachQuarter) => (Some("each_quarter"), None, None),
        Some(EvaluationTime::Continuous) => (Some("continuous"), None, None),
        Some(EvaluationTime::Month { year, month }) => {
            (Some("month"), Some(year), i32::try_from(month).ok())
        }
    };
    IndicatorData {
        plan_id,
        code: v.code.to_string(),
        name: v.name.clone(),
        name_folded: fold(&v.name),
        pillar: v.pillar.as_str().to_owned(),
        group_text: v.group_text.clone(),
        measure: v.measure.as_str().to_owned(),
        direction: v.direction.as_str().to_owned(),
        unit_of_measure: v.unit_of_measure.clone(),
        allows_over_100: i32::from(v.allows_over_100),
        lead_text: v.lead.text.clone(),
        coordinating_text: v.coordinating.text.clone(),
        evaluation_kind: evaluation_kind.map(str::to_owned),
        evaluation_year,
        evaluation_month,
        evaluation_time_text: v.evaluation_time_text.clone(),
        roll_up: v.roll_up.as_str().to_owned(),
        source: v.source.clone(),
        source_row: v.source_row.clone(),
    }
}

fn from_rows(
    row: IndicatorRow,
    roles: &[UnitRoleRow],
    targets: &[TargetRow],
) -> Result<Stored<Indicator>, ServiceError> {
    let bad = || bad_row("indicators", row.id);
    let evaluation_time = match (
        row.evaluation_kind.as_deref(),
        row.evaluation_year,
        row.evaluation_month,
    ) {
        (None, _, _) => None,
        (Some("end_of_year"), _, _) => Some(EvaluationTime::EndOfYear),
        (Some("each_quarter"), _, _) => Some(EvaluationTime::EachQuarter),
        (Some("continuous"), _, _) => Some(EvaluationTime::Continuous),
        (Some("month"), Some(year), Some(month)) => Some(EvaluationTime::Month {
            year,
            month: u32::try_from(month).map_err(|_| bad())?,
        }),
        _ => return Err(bad()),
    };
    let (reporting_units, reporting_kinds) = role_members(roles, row.id, "reporting")?;
    let value = Indicator {
        code: ItemCode::parse(&row.code).map_err(|_| bad())?,
        pillar: Pillar::from_text(&row.pillar).ok_or_else(bad)?,
        measure: Measure::from_text(&row.measure).ok_or_else(bad)?,
        direction: Direction::from_text(&row.direction).ok_or_else(bad)?,
        roll_up: RollUp::from_text(&row.roll_up).ok_or_else(bad)?,
        allows_over_100: row.allows_over_100 != 0,
        targets: targets
            .iter()
            .filter(|t| t.indicator_id == row.id)
            .map(|t| Target {
                year: t.year,
                value: t.target_value,
                text: t.target_text.clone(),
            })
            .collect(),
        lead: assignment(roles, row.id, "lead", row.lead_text)?,
        coordinating: assignment(roles, row.id, "coordinating", row.coordinating_text)?,
        applicability: Applicability {
            unit_kinds: reporting_kinds,
            units: reporting_units,
        },
        evaluation_time,
        evaluation_time_text: row.evaluation_time_text,
        name: row.name,
        group_text: row.group_text,
        unit_of_measure: row.unit_of_measure,
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
    rows: Vec<IndicatorRow>,
) -> Result<Vec<Stored<Indicator>>, ServiceError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let role_rows = roles::for_items(conn, KIND, &ids)?;
    let targets = items::targets_for(conn, &ids)?;
    let mut roles_by_item: HashMap<i64, Vec<UnitRoleRow>> = HashMap::new();
    for r in role_rows {
        roles_by_item.entry(r.item_id).or_default().push(r);
    }
    let mut targets_by_item: HashMap<i64, Vec<TargetRow>> = HashMap::new();
    for t in targets {
        targets_by_item.entry(t.indicator_id).or_default().push(t);
    }
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            from_rows(
                row,
                roles_by_item.get(&id).map_or(&[][..], Vec::as_slice),
                targets_by_item.get(&id).map_or(&[][..], Vec::as_slice),
            )
        })
        .collect()
}

impl CatalogItem for Indicators {
    type Value = Indicator;
    type Input = IndicatorInput;
    const KIND: &'static str = KIND;
    const HAS_PILLAR: bool = true;

    fn parse(input: &IndicatorInput, years: PlanYears) -> Result<Indicator, DomainError> {
        Indicator::parse(input, years)
    }

    fn to_input(value: &Indicator) -> IndicatorInput {
        value.to_input()
    }

    fn unit_refs(value: &Indicator) -> Vec<(String, &UnitCode)> {
        value.unit_refs()
    }

    fn warnings(_value: &Indicator) -> Vec<CatalogWarning> {
        Vec::new()
    }

    fn insert_row(
        conn: &mut DbConn,
        plan_id: i64,
        value: &Indicator,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        Ok(items::indicator::insert(conn, &data(plan_id, value), now)?.id)
    }

    fn update_row(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
        expected: i64,
        value: &Indicator,
        now: NaiveDateTime,
    ) -> Result<usize, ServiceError> {
        Ok(items::indicator::update(
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
        value: &Indicator,
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
        role_rows(
            plan_id,
            KIND,
            id,
            "reporting",
            &value.applicability.units,
            &value.applicability.unit_kinds,
            &mut rows,
        );
        roles::replace(conn, KIND, id, &rows)?;
        let targets: Vec<TargetRow> = value
            .targets
            .iter()
            .map(|t| TargetRow {
                id: 0,
                indicator_id: id,
                year: t.year,
                target_value: t.value,
                target_text: t.text.clone(),
            })
            .collect();
        items::replace_targets(conn, id, &targets)?;
        Ok(())
    }

    fn delete_row(conn: &mut DbConn, id: i64, expected: i64) -> Result<usize, ServiceError> {
        Ok(items::indicator::delete(conn, id, expected)?)
    }

    fn find(
        conn: &mut DbConn,
        plan_id: i64,
        id: i64,
    ) -> Result<Option<Stored<Indicator>>, ServiceError> {
        let Some(row) = items::indicator::find(conn, plan_id, id)? else {
            return Ok(None);
        };
        Ok(assemble(conn, vec![row])?.pop())
    }

    fn list(
        conn: &mut DbConn,
        plan_id: i64,
        filter: &ItemFilter<'_>,
        limit: i64,
    ) -> Result<Vec<Stored<Indicator>>, ServiceError> {
        let rows = items::indicator::list(conn, plan_id, filter, limit)?;
        assemble(conn, rows)
    }

    fn all(conn: &mut DbConn, plan_id: i64) -> Result<Vec<Stored<Indicator>>, ServiceError> {
        let rows = items::indicator::all_in_plan(conn, plan_id)?;
        assemble(conn, rows)
    }

    fn code(value: &Indicator) -> &ItemCode {
        &value.code
    }
}
