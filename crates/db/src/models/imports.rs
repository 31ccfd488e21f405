//! Rows of the bulk-import tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{import_jobs, import_keys, imports};

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

/// An `import_jobs` row without its body: an import run as a job, its state and its lease.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = import_jobs)]
pub struct ImportJobRow {
    pub id: String,
    pub actor: String,
    pub principal_json: String,
    pub request_json: String,
    pub idem_key: Option<String>,
    pub request_hash: String,
    pub status: String,
    pub attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub failure_json: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new job, with the upload.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = import_jobs)]
pub struct NewImportJob {
    pub id: String,
    pub actor: String,
    pub principal_json: String,
    pub request_json: String,
    pub idem_key: Option<String>,
    pub request_hash: String,
    pub body: Vec<u8>,
    pub status: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Temporary tables an import stages its valid rows in. They exist only inside the import's
/// transaction (created by [`crate::repo::imports::create_stage`]), so they are in no
/// migration and not in `schema.rs`.
pub mod stage {
    diesel::table! {
        /// Staged indicator values: `seq` is the row's order in the upload, `grp` its report.
        import_stage_indicator_values (seq) {
            seq -> BigInt,
            grp -> BigInt,
            indicator_id -> BigInt,
            value -> Nullable<Double>,
            numerator -> Nullable<Double>,
            denominator -> Nullable<Double>,
            value_text -> Nullable<Text>,
            note -> Nullable<Text>,
            evidence_number -> Nullable<Text>,
            evidence_date -> Nullable<Date>,
        }
    }

    diesel::table! {
        /// Staged task progress.
        import_stage_task_progress (seq) {
            seq -> BigInt,
            grp -> BigInt,
            task_id -> BigInt,
            status -> Text,
            percent_complete -> Nullable<Double>,
            result -> Nullable<Text>,
            obstacles -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Staged project disbursement.
        import_stage_project_progress (seq) {
            seq -> BigInt,
            grp -> BigInt,
            project_id -> BigInt,
            disbursed_in_period_vnd -> Nullable<BigInt>,
            cumulative_disbursed_vnd -> Nullable<BigInt>,
            stage -> Nullable<Text>,
            note -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Staged budget execution.
        import_stage_budget_execution (seq) {
            seq -> BigInt,
            grp -> BigInt,
            budget_line_id -> BigInt,
            spent_in_period_vnd -> Nullable<BigInt>,
            note -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// The report each staged group lands in.
        import_stage_groups (grp) {
            grp -> BigInt,
            report_id -> BigInt,
        }
    }
}

/// A staged indicator value (every column explicit, `NULL` for none, as `COPY` needs).
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = stage::import_stage_indicator_values, treat_none_as_default_value = false)]
pub struct StageIndicatorValue {
    pub seq: i64,
    pub grp: i64,
    pub indicator_id: i64,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value_text: Option<String>,
    pub note: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
}

/// Staged task progress.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = stage::import_stage_task_progress, treat_none_as_default_value = false)]
pub struct StageTaskProgress {
    pub seq: i64,
    pub grp: i64,
    pub task_id: i64,
    pub status: String,
    pub percent_complete: Option<f64>,
    pub result: Option<String>,
    pub obstacles: Option<String>,
}

/// Staged project disbursement.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = stage::import_stage_project_progress, treat_none_as_default_value = false)]
pub struct StageProjectProgress {
    pub seq: i64,
    pub grp: i64,
    pub project_id: i64,
    pub disbursed_in_period_vnd: Option<i64>,
    pub cumulative_disbursed_vnd: Option<i64>,
    pub stage: Option<String>,
    pub note: Option<String>,
}

/// Staged budget execution.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = stage::import_stage_budget_execution, treat_none_as_default_value = false)]
pub struct StageBudgetExecution {
    pub seq: i64,
    pub grp: i64,
    pub budget_line_id: i64,
    pub spent_in_period_vnd: Option<i64>,
    pub note: Option<String>,
}

/// A staged group's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Insertable)]
#[diesel(table_name = stage::import_stage_groups)]
pub struct StageGroup {
    pub grp: i64,
    pub report_id: i64,
}
