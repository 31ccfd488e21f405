//! Rows of the bulk-import tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    import_keys, imports, report_budget_execution, report_indicator_values,
    report_project_progress, report_task_progress,
};

/// An `imports` row: one import that ran.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: String,
    pub actor: String,
    pub status: String,
    pub mode: String,
    pub format: String,
    pub rows_total: i64,
    pub summary_json: String,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// An `import_keys` row: an idempotency key and the response it replays.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_keys)]
pub struct ImportKeyRow {
    pub actor: String,
    pub idem_key: String,
    pub request_hash: String,
    pub status_code: i32,
    pub response_json: String,
    pub import_id: Option<String>,
    pub created_at: NaiveDateTime,
}

/// An indicator value as `COPY` writes it (every column explicit, `NULL` for none).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = report_indicator_values, treat_none_as_default_value = false)]
pub struct CopyIndicatorValue<'a> {
    pub report_id: i64,
    pub position: i32,
    pub indicator_id: i64,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value_text: Option<&'a str>,
    pub note: Option<&'a str>,
    pub evidence_number: Option<&'a str>,
    pub evidence_date: Option<NaiveDate>,
    pub official_assessment: Option<&'a str>,
}

/// Task progress as `COPY` writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = report_task_progress, treat_none_as_default_value = false)]
pub struct CopyTaskProgress<'a> {
    pub report_id: i64,
    pub position: i32,
    pub task_id: i64,
    pub status: &'a str,
    pub percent_complete: Option<f64>,
    pub result: Option<&'a str>,
    pub obstacles: Option<&'a str>,
}

/// Project disbursement as `COPY` writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = report_project_progress, treat_none_as_default_value = false)]
pub struct CopyProjectProgress<'a> {
    pub report_id: i64,
    pub position: i32,
    pub project_id: i64,
    pub disbursed_in_period_vnd: Option<i64>,
    pub cumulative_disbursed_vnd: Option<i64>,
    pub stage: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// Budget execution as `COPY` writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = report_budget_execution, treat_none_as_default_value = false)]
pub struct CopyBudgetExecution<'a> {
    pub report_id: i64,
    pub position: i32,
    pub budget_line_id: i64,
    pub spent_in_period_vnd: Option<i64>,
    pub note: Option<&'a str>,
}
