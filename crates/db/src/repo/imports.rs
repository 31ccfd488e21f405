//! Bulk imports: idempotency keys, import records, and the set-wise reads and writes an
//! import needs (every report of a set of periods, their items at once, and the items of many
//! reports replaced in one go: `COPY` on PostgreSQL, one prepared insert per row on SQLite).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use crate::conn::DbConn;
use crate::models::{
    BudgetExecutionRow, CopyBudgetExecution, CopyIndicatorValue, CopyProjectProgress,
    CopyTaskProgress, ImportKeyRow, ImportRow, IndicatorValueRow, ProjectProgressRow, ReportRow,
    TaskProgressRow,
};
use crate::repo::reports::ReportItems;
use crate::schema::{
    budget_lines, catalog_unit_roles, import_keys, imports, indicators, plans, projects,
    report_budget_execution, report_indicator_values, report_project_progress,
    report_task_progress, reports, tasks, units,
};

/// Most ids bound in one `IN (…)` list (SQLite allows 32 766 parameters).
const CHUNK: usize = 5_000;

/// The idempotency key of a caller.
pub fn find_key(conn: &mut DbConn, actor: &str, key: &str) -> QueryResult<Option<ImportKeyRow>> {
    import_keys::table
        .filter(import_keys::actor.eq(actor))
        .filter(import_keys::idem_key.eq(key))
        .select(ImportKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores an idempotency key with its response.
pub fn insert_key(conn: &mut DbConn, row: &ImportKeyRow) -> QueryResult<()> {
    diesel::insert_into(import_keys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Forgets keys stored before `before`.
pub fn purge_keys(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(import_keys::table.filter(import_keys::created_at.lt(before))).execute(conn)
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Takes a transaction-scoped lock named by `id` without waiting; `false` when another
/// transaction holds it. On PostgreSQL an advisory lock, released at commit, rollback or when
/// the connection dies; SQLite's write transaction already excludes every other writer, so
/// there it always succeeds.
pub fn try_lock(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    match conn {
        DbConn::Postgresql(c) => {
            let row: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .bind::<BigInt, _>(id)
                .get_result(c)?;
            Ok(row.locked)
        }
        DbConn::Sqlite(_) => Ok(true),
    }
}

/// Records an import.
pub fn insert_import(conn: &mut DbConn, row: &ImportRow) -> QueryResult<()> {
    diesel::insert_into(imports::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// An import by id.
pub fn find_import(conn: &mut DbConn, id: &str) -> QueryResult<Option<ImportRow>> {
    imports::table
        .filter(imports::id.eq(id))
        .select(ImportRow::as_select())
        .first(conn)
        .optional()
}

/// Every unit's code and kind.
pub fn unit_kinds(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    units::table.select((units::code, units::kind)).load(conn)
}

/// One unit role of a catalog item in a plan covering a year: (item kind, role, item id,
/// unit code, unit kind).
pub type RoleRow = (String, String, i64, Option<String>, Option<String>);

/// The unit roles of every catalog item in plans covering `year`.
pub fn roles_in_year(conn: &mut DbConn, year: i32) -> QueryResult<Vec<RoleRow>> {
    catalog_unit_roles::table
        .inner_join(plans::table)
        .filter(plans::first_year.le(year))
        .filter(plans::last_year.ge(year))
        .select((
            catalog_unit_roles::item_kind,
            catalog_unit_roles::role,
            catalog_unit_roles::item_id,
            catalog_unit_roles::unit_code,
            catalog_unit_roles::unit_kind,
        ))
        .load(conn)
}

/// An indicator in a plan covering a year: (id, code, measure, allows over 100, evaluation
/// kind, year and month).
pub type IndicatorCodeRow = (
    i64,
    String,
    String,
    i32,
    Option<String>,
    Option<i32>,
    Option<i32>,
);

/// Indicators of plans covering `year`.
pub fn indicators_in_year(conn: &mut DbConn, year: i32) -> QueryResult<Vec<IndicatorCodeRow>> {
    indicators::table
        .inner_join(plans::table)
        .filter(plans::first_year.le(year))
        .filter(plans::last_year.ge(year))
        .select((
            indicators::id,
            indicators::code,
            indicators::measure,
            indicators::allows_over_100,
            indicators::evaluation_kind,
            indicators::evaluation_year,
            indicators::evaluation_month,
        ))
        .load(conn)
}

/// (id, code) of the tasks, projects or budget lines of plans covering `year`.
pub fn item_codes_in_year(
    conn: &mut DbConn,
    item_kind: &str,
    year: i32,
) -> QueryResult<Vec<(i64, String)>> {
    match item_kind {
        "task" => tasks::table
            .inner_join(plans::table)
            .filter(plans::first_year.le(year))
            .filter(plans::last_year.ge(year))
            .select((tasks::id, tasks::code))
            .load(conn),
        "project" => projects::table
            .inner_join(plans::table)
            .filter(plans::first_year.le(year))
            .filter(plans::last_year.ge(year))
            .select((projects::id, projects::code))
            .load(conn),
        "budget_line" => budget_lines::table
            .inner_join(plans::table)
            .filter(plans::first_year.le(year))
            .filter(plans::last_year.ge(year))
            .select((budget_lines::id, budget_lines::code))
            .load(conn),
        _ => Ok(Vec::new()),
    }
}

/// Every report of the given periods.
pub fn reports_of_periods(conn: &mut DbConn, periods: &[String]) -> QueryResult<Vec<ReportRow>> {
    let mut out = Vec::new();
    for chunk in periods.chunks(CHUNK) {
        out.extend(
            reports::table
                .filter(reports::period.eq_any(chunk.to_vec()))
                .select(ReportRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The items of many reports, each list ordered by report and position.
pub fn items_of_reports(conn: &mut DbConn, ids: &[i64]) -> QueryResult<ReportItems> {
    let mut out = ReportItems::default();
    for chunk in ids.chunks(CHUNK) {
        let chunk = chunk.to_vec();
        out.indicator_values.extend(
            report_indicator_values::table
                .filter(report_indicator_values::report_id.eq_any(chunk.clone()))
                .order((
                    report_indicator_values::report_id.asc(),
                    report_indicator_values::position.asc(),
                ))
                .select(IndicatorValueRow::as_select())
                .load(conn)?,
        );
        out.task_progress.extend(
            report_task_progress::table
                .filter(report_task_progress::report_id.eq_any(chunk.clone()))
                .order((
                    report_task_progress::report_id.asc(),
                    report_task_progress::position.asc(),
                ))
                .select(TaskProgressRow::as_select())
                .load(conn)?,
        );
        out.project_progress.extend(
            report_project_progress::table
                .filter(report_project_progress::report_id.eq_any(chunk.clone()))
                .order((
                    report_project_progress::report_id.asc(),
                    report_project_progress::position.asc(),
                ))
                .select(ProjectProgressRow::as_select())
                .load(conn)?,
        );
        out.budget_execution.extend(
            report_budget_execution::table
                .filter(report_budget_execution::report_id.eq_any(chunk))
                .order((
                    report_budget_execution::report_id.asc(),
                    report_budget_execution::position.asc(),
                ))
                .select(BudgetExecutionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Replaces the items of many reports at once: their old items are deleted, then `items`
/// (which must hold every item of those reports) is written, by `COPY` on PostgreSQL and one
/// prepared insert per row on SQLite (already inside the caller's write transaction).
pub fn replace_items_of_reports(
    conn: &mut DbConn,
    ids: &[i64],
    items: &ReportItems,
) -> QueryResult<()> {
    for chunk in ids.chunks(CHUNK) {
        let chunk = chunk.to_vec();
        diesel::delete(
            report_indicator_values::table
                .filter(report_indicator_values::report_id.eq_any(chunk.clone())),
        )
        .execute(conn)?;
        diesel::delete(
            report_task_progress::table
                .filter(report_task_progress::report_id.eq_any(chunk.clone())),
        )
        .execute(conn)?;
        diesel::delete(
            report_project_progress::table
                .filter(report_project_progress::report_id.eq_any(chunk.clone())),
        )
        .execute(conn)?;
        diesel::delete(
            report_budget_execution::table.filter(report_budget_execution::report_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    match conn {
        DbConn::Postgresql(c) => copy_items(c, items),
        DbConn::Sqlite(_) => {
            for r in &items.indicator_values {
                diesel::insert_into(report_indicator_values::table)
                    .values(r)
                    .execute(conn)?;
            }
            for r in &items.task_progress {
                diesel::insert_into(report_task_progress::table)
                    .values(r)
                    .execute(conn)?;
            }
            for r in &items.project_progress {
                diesel::insert_into(report_project_progress::table)
                    .values(r)
                    .execute(conn)?;
            }
            for r in &items.budget_execution {
                diesel::insert_into(report_budget_execution::table)
                    .values(r)
                    .execute(conn)?;
            }
            Ok(())
        }
    }
}

fn copy_items(c: &mut diesel::PgConnection, items: &ReportItems) -> QueryResult<()> {
    if !items.indicator_values.is_empty() {
        let rows: Vec<CopyIndicatorValue<'_>> = items
            .indicator_values
            .iter()
            .map(|r| CopyIndicatorValue {
                report_id: r.report_id,
                position: r.position,
                indicator_id: r.indicator_id,
                value: r.value,
                numerator: r.numerator,
                denominator: r.denominator,
                value_text: r.value_text.as_deref(),
                note: r.note.as_deref(),
                evidence_number: r.evidence_number.as_deref(),
                evidence_date: r.evidence_date,
                official_assessment: r.official_assessment.as_deref(),
            })
            .collect();
        diesel::copy_from(report_indicator_values::table)
            .from_insertable(&rows)
            .execute(c)?;
    }
    if !items.task_progress.is_empty() {
        let rows: Vec<CopyTaskProgress<'_>> = items
            .task_progress
            .iter()
            .map(|r| CopyTaskProgress {
                report_id: r.report_id,
                position: r.position,
                task_id: r.task_id,
                status: &r.status,
                percent_complete: r.percent_complete,
                result: r.result.as_deref(),
                obstacles: r.obstacles.as_deref(),
            })
            .collect();
        diesel::copy_from(report_task_progress::table)
            .from_insertable(&rows)
            .execute(c)?;
    }
    if !items.project_progress.is_empty() {
        let rows: Vec<CopyProjectProgress<'_>> = items
            .project_progress
            .iter()
            .map(|r| CopyProjectProgress {
                report_id: r.report_id,
                position: r.position,
                project_id: r.project_id,
                disbursed_in_period_vnd: r.disbursed_in_period_vnd,
                cumulative_disbursed_vnd: r.cumulative_disbursed_vnd,
                stage: r.stage.as_deref(),
                note: r.note.as_deref(),
            })
            .collect();
        diesel::copy_from(report_project_progress::table)
            .from_insertable(&rows)
            .execute(c)?;
    }
    if !items.budget_execution.is_empty() {
        let rows: Vec<CopyBudgetExecution<'_>> = items
            .budget_execution
            .iter()
            .map(|r| CopyBudgetExecution {
                report_id: r.report_id,
                position: r.position,
                budget_line_id: r.budget_line_id,
                spent_in_period_vnd: r.spent_in_period_vnd,
                note: r.note.as_deref(),
            })
            .collect();
        diesel::copy_from(report_budget_execution::table)
            .from_insertable(&rows)
            .execute(c)?;
    }
    Ok(())
}
