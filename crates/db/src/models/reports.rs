//! Rows of the periodic-report tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    report_budget_execution, report_indicator_values, report_project_progress,
    report_task_progress, report_versions, reports,
};

/// A `reports` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub unit_code: String,
    pub period: String,
    pub status: String,
    pub version: i64,
    pub deadline: NaiveDate,
    pub first_submitted_at: Option<NaiveDateTime>,
    pub late: i32,
    pub returned_count: i32,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub last_reason: Option<String>,
    pub achievements: Option<String>,
    pub limitations: Option<String>,
    pub difficulties: Option<String>,
    pub proposals: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A `report_indicator_values` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_indicator_values)]
pub struct IndicatorValueRow {
    pub report_id: i64,
    pub position: i32,
    pub indicator_id: i64,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value_text: Option<String>,
    pub note: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    /// The assessment a published report printed (`exceeded`, `met`, `not_met`).
    pub official_assessment: Option<String>,
}

/// A `report_task_progress` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_task_progress)]
pub struct TaskProgressRow {
    pub report_id: i64,
    pub position: i32,
    pub task_id: i64,
    pub status: String,
    pub percent_complete: Option<f64>,
    pub result: Option<String>,
    pub obstacles: Option<String>,
}

/// A `report_project_progress` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_project_progress)]
pub struct ProjectProgressRow {
    pub report_id: i64,
    pub position: i32,
    pub project_id: i64,
    pub disbursed_in_period_vnd: Option<i64>,
    pub cumulative_disbursed_vnd: Option<i64>,
    pub stage: Option<String>,
    pub note: Option<String>,
}

/// A `report_budget_execution` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_budget_execution)]
pub struct BudgetExecutionRow {
    pub report_id: i64,
    pub position: i32,
    pub budget_line_id: i64,
    pub spent_in_period_vnd: Option<i64>,
    pub note: Option<String>,
}

/// A `report_versions` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_versions)]
pub struct ReportVersionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub report_id: i64,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub reason: Option<String>,
    pub snapshot_json: String,
    pub occurred_at: NaiveDateTime,
}

/// A `plan_reporting_rules` row: a plan's own schedule (JSON) and outlier factor.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::plan_reporting_rules)]
pub struct PlanReportingRulesRow {
    /// The plan.
    pub plan_id: i64,
    /// The domain's `ReportingSchedule` as JSON.
    pub schedule_json: String,
    /// The outlier factor of the plan's report checks.
    pub outlier_factor: f64,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Who set them.
    pub updated_by: String,
    /// When (UTC).
    pub updated_at: chrono::NaiveDateTime,
}
