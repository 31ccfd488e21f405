//! Rows of the plan catalog. `*Data` structs hold what a use case writes (insert and update
//! alike: `None` is written as NULL); `*Row` structs what a query reads.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    budget_lines, catalog_unit_roles, indicator_targets, indicators, plan_declared_totals,
    plan_legal_bases, plans, project_allocations, projects, tasks,
};

/// A `plans` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i64,
    pub code: String,
    pub number: Option<String>,
    pub title: String,
    pub title_folded: String,
    pub kind: String,
    pub issued_date: Option<NaiveDate>,
    pub issuer_unit: Option<String>,
    pub signer: Option<String>,
    pub signer_title: Option<String>,
    pub first_year: i32,
    pub last_year: i32,
    pub status: String,
    pub focal_unit: Option<String>,
    pub general_goals: Option<String>,
    pub report_due_date: Option<NaiveDate>,
    pub declared_total_vnd: Option<i64>,
    pub declared_investment_vnd: Option<i64>,
    pub declared_recurrent_vnd: Option<i64>,
    pub declared_central_vnd: Option<i64>,
    pub declared_local_vnd: Option<i64>,
    pub declared_totals_text: Option<String>,
    pub source: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The content columns of a plan.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = plans, treat_none_as_null = true)]
pub struct PlanData {
    pub code: String,
    pub number: Option<String>,
    pub title: String,
    pub title_folded: String,
    pub kind: String,
    pub issued_date: Option<NaiveDate>,
    pub issuer_unit: Option<String>,
    pub signer: Option<String>,
    pub signer_title: Option<String>,
    pub first_year: i32,
    pub last_year: i32,
    pub status: String,
    pub focal_unit: Option<String>,
    pub general_goals: Option<String>,
    pub report_due_date: Option<NaiveDate>,
    pub declared_total_vnd: Option<i64>,
    pub declared_investment_vnd: Option<i64>,
    pub declared_recurrent_vnd: Option<i64>,
    pub declared_central_vnd: Option<i64>,
    pub declared_local_vnd: Option<i64>,
    pub declared_totals_text: Option<String>,
    pub source: Option<String>,
}

/// A `plan_legal_bases` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_legal_bases)]
pub struct LegalBasisRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub plan_id: i64,
    pub position: i32,
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub citation: String,
}

/// A `plan_declared_totals` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_declared_totals)]
pub struct DeclaredTotalRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub plan_id: i64,
    pub column_name: String,
    pub amount_vnd: i64,
    pub printed_text: Option<String>,
    pub source: Option<String>,
}

/// An `indicators` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = indicators)]
pub struct IndicatorRow {
    pub id: i64,
    pub plan_id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub pillar: String,
    pub group_text: Option<String>,
    pub measure: String,
    pub direction: String,
    pub unit_of_measure: Option<String>,
    pub allows_over_100: i32,
    pub lead_text: Option<String>,
    pub coordinating_text: Option<String>,
    pub evaluation_kind: Option<String>,
    pub evaluation_year: Option<i32>,
    pub evaluation_month: Option<i32>,
    pub evaluation_time_text: Option<String>,
    pub roll_up: String,
    pub source: Option<String>,
    pub source_row: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The content columns of an indicator.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = indicators, treat_none_as_null = true)]
pub struct IndicatorData {
    pub plan_id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub pillar: String,
    pub group_text: Option<String>,
    pub measure: String,
    pub direction: String,
    pub unit_of_measure: Option<String>,
    pub allows_over_100: i32,
    pub lead_text: Option<String>,
    pub coordinating_text: Option<String>,
    pub evaluation_kind: Option<String>,
    pub evaluation_year: Option<i32>,
    pub evaluation_month: Option<i32>,
    pub evaluation_time_text: Option<String>,
    pub roll_up: String,
    pub source: Option<String>,
    pub source_row: Option<String>,
}

/// An `indicator_targets` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_targets)]
pub struct TargetRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub indicator_id: i64,
    pub year: i32,
    pub target_value: Option<f64>,
    pub target_text: String,
}

/// A `tasks` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub code: String,
    pub content: String,
    pub content_folded: String,
    pub section: Option<String>,
    pub category: Option<String>,
    pub pillar: Option<String>,
    pub lead_text: Option<String>,
    pub coordinating_text: Option<String>,
    pub timing_kind: String,
    pub timing_year: Option<i32>,
    pub timing_last_year: Option<i32>,
    pub timing_part: Option<i32>,
    pub timing_last_part: Option<i32>,
    pub timing_text: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub source: Option<String>,
    pub source_row: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The content columns of a task.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = tasks, treat_none_as_null = true)]
pub struct TaskData {
    pub plan_id: i64,
    pub code: String,
    pub content: String,
    pub content_folded: String,
    pub section: Option<String>,
    pub category: Option<String>,
    pub pillar: Option<String>,
    pub lead_text: Option<String>,
    pub coordinating_text: Option<String>,
    pub timing_kind: String,
    pub timing_year: Option<i32>,
    pub timing_last_year: Option<i32>,
    pub timing_part: Option<i32>,
    pub timing_last_part: Option<i32>,
    pub timing_text: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub source: Option<String>,
    pub source_row: Option<String>,
}

/// A `projects` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: i64,
    pub plan_id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub investor_text: Option<String>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub period_text: Option<String>,
    pub total_investment_vnd: Option<i64>,
    pub central_vnd: Option<i64>,
    pub local_vnd: Option<i64>,
    pub other_vnd: Option<i64>,
    pub disbursed_before_vnd: Option<i64>,
    pub stage: Option<String>,
    pub stage_text: Option<String>,
    pub decision_ref: Option<String>,
    pub funding_note: Option<String>,
    pub carried_over: Option<i32>,
    pub same_as: Option<String>,
    pub source: Option<String>,
    pub source_row: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The content columns of a project.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = projects, treat_none_as_null = true)]
pub struct ProjectData {
    pub plan_id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub investor_text: Option<String>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub period_text: Option<String>,
    pub total_investment_vnd: Option<i64>,
    pub central_vnd: Option<i64>,
    pub local_vnd: Option<i64>,
    pub other_vnd: Option<i64>,
    pub disbursed_before_vnd: Option<i64>,
    pub stage: Option<String>,
    pub stage_text: Option<String>,
    pub decision_ref: Option<String>,
    pub funding_note: Option<String>,
    pub carried_over: Option<i32>,
    pub same_as: Option<String>,
    pub source: Option<String>,
    pub source_row: Option<String>,
}

/// A `project_allocations` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_allocations)]
pub struct AllocationRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub project_id: i64,
    pub year: i32,
    pub allocated_vnd: Option<i64>,
    pub allocated_central_vnd: Option<i64>,
    pub allocated_local_vnd: Option<i64>,
    pub allocated_other_vnd: Option<i64>,
    pub implemented_vnd: Option<i64>,
}

/// A `budget_lines` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = budget_lines)]
pub struct BudgetLineRow {
    pub id: i64,
    pub plan_id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub implementing_text: Option<String>,
    pub amount_vnd: Option<i64>,
    pub budget_category: Option<String>,
    pub funding_note: Option<String>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub period_text: Option<String>,
    pub status_text: Option<String>,
    pub decision_ref: Option<String>,
    pub source: Option<String>,
    pub source_row: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The content columns of a budget line.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = budget_lines, treat_none_as_null = true)]
pub struct BudgetLineData {
    pub plan_id: i64,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub implementing_text: Option<String>,
    pub amount_vnd: Option<i64>,
    pub budget_category: Option<String>,
    pub funding_note: Option<String>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub period_text: Option<String>,
    pub status_text: Option<String>,
    pub decision_ref: Option<String>,
    pub source: Option<String>,
    pub source_row: Option<String>,
}

/// A `catalog_unit_roles` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = catalog_unit_roles)]
pub struct UnitRoleRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub plan_id: i64,
    pub item_kind: String,
    pub item_id: i64,
    pub role: String,
    pub position: i32,
    pub unit_code: Option<String>,
    pub unit_kind: Option<String>,
}
