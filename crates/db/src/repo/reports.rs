//! Periodic reports: the report row, its item rows (replaced whole on every save) and its
//! immutable versions.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{
    BudgetExecutionRow, IndicatorValueRow, ProjectProgressRow, ReportRow, ReportVersionRow,
    TaskProgressRow,
};
use crate::schema::{
    catalog_unit_roles, indicators, plans, project_allocations, projects, report_budget_execution,
    report_indicator_values, report_project_progress, report_task_progress, report_versions,
    reports, units,
};

/// Rows per multi-row `INSERT`: well under both backends' limits on bound parameters
/// (PostgreSQL 65,535; SQLite 32,766) for the widest item row.
const INSERT_CHUNK: usize = 500;

/// Inserts rows with one multi-row `INSERT` per chunk. diesel's `MultiConnection` has no
/// batch insert, so each backend's own connection does it: a whole report is four
/// statements instead of one round trip per item.
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(INSERT_CHUNK) {
            match &mut *$conn {
                DbConn::Postgresql(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
                DbConn::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}

/// A report's items, in body order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportItems {
    /// Indicator values.
    pub indicator_values: Vec<IndicatorValueRow>,
    /// Task progress.
    pub task_progress: Vec<TaskProgressRow>,
    /// Project disbursement.
    pub project_progress: Vec<ProjectProgressRow>,
    /// Budget execution.
    pub budget_execution: Vec<BudgetExecutionRow>,
}

/// The report of a unit for a period.
pub fn find(conn: &mut DbConn, unit: &str, period: &str) -> QueryResult<Option<ReportRow>> {
    reports::table
        .filter(reports::unit_code.eq(unit))
        .filter(reports::period.eq(period))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a new report and reads it back.
pub fn insert(conn: &mut DbConn, row: &ReportRow) -> QueryResult<ReportRow> {
    diesel::insert_into(reports::table)
        .values(row)
        .execute(conn)?;
    find(conn, &row.unit_code, &row.period)?.ok_or(diesel::result::Error::NotFound)
}

/// Writes a report's row if its version is still `expected`; returns whether it was.
/// The version check inside the `UPDATE` is what makes two concurrent saves of the same
/// version safe: the second one matches no row.
pub fn update_if_version(conn: &mut DbConn, row: &ReportRow, expected: i64) -> QueryResult<bool> {
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(row.id))
            .filter(reports::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// A report's items.
pub fn items(conn: &mut DbConn, report_id: i64) -> QueryResult<ReportItems> {
    Ok(ReportItems {
        indicator_values: report_indicator_values::table
            .filter(report_indicator_values::report_id.eq(report_id))
            .order(report_indicator_values::position.asc())
            .select(IndicatorValueRow::as_select())
            .load(conn)?,
        task_progress: report_task_progress::table
            .filter(report_task_progress::report_id.eq(report_id))
            .order(report_task_progress::position.asc())
            .select(TaskProgressRow::as_select())
            .load(conn)?,
        project_progress: report_project_progress::table
            .filter(report_project_progress::report_id.eq(report_id))
            .order(report_project_progress::position.asc())
            .select(ProjectProgressRow::as_select())
            .load(conn)?,
        budget_execution: report_budget_execution::table
            .filter(report_budget_execution::report_id.eq(report_id))
            .order(report_budget_execution::position.asc())
            .select(BudgetExecutionRow::as_select())
            .load(conn)?,
    })
}

/// Replaces a report's items, row by row (MultiConnection has no batch insert of a Vec).
pub fn replace_items(conn: &mut DbConn, report_id: i64, items: &ReportItems) -> QueryResult<()> {
    diesel::delete(
        report_indicator_values::table.filter(report_indicator_values::report_id.eq(report_id)),
    )
    .execute(conn)?;
    diesel::delete(
        report_task_progress::table.filter(report_task_progress::report_id.eq(report_id)),
    )
    .execute(conn)?;
    diesel::delete(
        report_project_progress::table.filter(report_project_progress::report_id.eq(report_id)),
    )
    .execute(conn)?;
    diesel::delete(
        report_budget_execution::table.filter(report_budget_execution::report_id.eq(report_id)),
    )
    .execute(conn)?;
    insert_chunked!(
        conn,
        report_indicator_values::table,
        &items.indicator_values
    );
    insert_chunked!(conn, report_task_progress::table, &items.task_progress);
    insert_chunked!(
        conn,
        report_project_progress::table,
        &items.project_progress
    );
    insert_chunked!(
        conn,
        report_budget_execution::table,
        &items.budget_execution
    );
    Ok(())
}

/// Appends a version.
pub fn append_version(conn: &mut DbConn, row: &ReportVersionRow) -> QueryResult<()> {
    diesel::insert_into(report_versions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A report's versions, oldest first.
pub fn versions(conn: &mut DbConn, report_id: i64) -> QueryResult<Vec<ReportVersionRow>> {
    report_versions::table
        .filter(report_versions::report_id.eq(report_id))
        .order(report_versions::id.asc())
        .select(ReportVersionRow::as_select())
        .load(conn)
}

/// Filters of the report listing.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only this period.
    pub period: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only units of this kind.
    pub unit_kind: Option<String>,
    /// Only late (or only on-time) reports.
    pub late: Option<bool>,
    /// Only this unit.
    pub unit: Option<String>,
    /// Continue after this id.
    pub after_id: Option<i64>,
}

/// Lists reports by id.
pub fn list(conn: &mut DbConn, filter: &ReportFilter, limit: i64) -> QueryResult<Vec<ReportRow>> {
    let mut q = reports::table
        .select(ReportRow::as_select())
        .order(reports::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(p) = &filter.period {
        q = q.filter(reports::period.eq(p.clone()));
    }
    if let Some(s) = &filter.status {
        q = q.filter(reports::status.eq(s.clone()));
    }
    if let Some(u) = &filter.unit {
        q = q.filter(reports::unit_code.eq(u.clone()));
    }
    if let Some(late) = filter.late {
        q = q.filter(reports::late.eq(i32::from(late)));
    }
    if let Some(kind) = &filter.unit_kind {
        q = q.filter(
            reports::unit_code.eq_any(
                units::table
                    .filter(units::kind.eq(kind.clone()))
                    .select(units::code),
            ),
        );
    }
    if let Some(after) = filter.after_id {
        q = q.filter(reports::id.gt(after));
    }
    q.load(conn)
}

/// Ids of the catalog items of one kind (`indicator`, `task`, `project`, `budget_line`) in
/// plans covering `year` for which the unit (or its kind) holds `role`.
pub fn responsible_items(
    conn: &mut DbConn,
    item_kind: &str,
    role: &str,
    unit: &str,
    unit_kind: &str,
    year: i32,
) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = catalog_unit_roles::table
        .inner_join(plans::table)
        .filter(catalog_unit_roles::item_kind.eq(item_kind))
        .filter(catalog_unit_roles::role.eq(role))
        .filter(
            catalog_unit_roles::unit_code
                .eq(unit)
                .or(catalog_unit_roles::unit_kind.eq(unit_kind)),
        )
        .filter(plans::first_year.le(year))
        .filter(plans::last_year.ge(year))
        .select(catalog_unit_roles::item_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The capital a project may have disbursed by the end of `year`, VND: what it disbursed
/// before the plan plus its allocations (bố trí vốn) up to that year; none without
/// allocations.
pub fn allocation_through(
    conn: &mut DbConn,
    project_id: i64,
    year: i32,
) -> QueryResult<Option<i64>> {
    let allocated: Vec<Option<i64>> = project_allocations::table
        .filter(project_allocations::project_id.eq(project_id))
        .filter(project_allocations::year.le(year))
        .select(project_allocations::allocated_vnd)
        .load(conn)?;
    let allocated: Vec<i64> = allocated.into_iter().flatten().collect();
    if allocated.is_empty() {
        return Ok(None);
    }
    let before: Option<i64> = projects::table
        .filter(projects::id.eq(project_id))
        .select(projects::disbursed_before_vnd)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten();
    Ok(Some(
        allocated
            .into_iter()
            .fold(before.unwrap_or(0), i64::saturating_add),
    ))
}

/// An indicator's kind of value and evaluation time, as stored.
pub type IndicatorKindRow = (i64, String, i32, Option<String>, Option<i32>, Option<i32>);

/// Indicators (id, measure, allows over 100, evaluation kind, year and month) by id.
pub fn indicator_kinds(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<IndicatorKindRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    indicators::table
        .filter(indicators::id.eq_any(ids.to_vec()))
        .order(indicators::id.asc())
        .select((
            indicators::id,
            indicators::measure,
            indicators::allows_over_100,
            indicators::evaluation_kind,
            indicators::evaluation_year,
            indicators::evaluation_month,
        ))
        .load(conn)
}

/// How many report item rows refer to a catalog item.
pub fn count_item_references(conn: &mut DbConn, item_kind: &str, item_id: i64) -> QueryResult<i64> {
    match item_kind {
        "indicator" => report_indicator_values::table
            .filter(report_indicator_values::indicator_id.eq(item_id))
            .count()
            .get_result(conn),
        "task" => report_task_progress::table
            .filter(report_task_progress::task_id.eq(item_id))
            .count()
            .get_result(conn),
        "project" => report_project_progress::table
            .filter(report_project_progress::project_id.eq(item_id))
            .count()
            .get_result(conn),
        "budget_line" => report_budget_execution::table
            .filter(report_budget_execution::budget_line_id.eq(item_id))
            .count()
            .get_result(conn),
        _ => Ok(0),
    }
}
