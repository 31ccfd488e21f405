//! Plans' own reporting rules, and which plan governs a period.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::PlanReportingRulesRow;
use crate::schema::{plan_reporting_rules, plans, reports};

/// The rules a plan has set, if any.
pub fn find(conn: &mut DbConn, plan_id: i64) -> QueryResult<Option<PlanReportingRulesRow>> {
    plan_reporting_rules::table
        .find(plan_id)
        .select(PlanReportingRulesRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts or replaces a plan's rules.
pub fn put(conn: &mut DbConn, row: &PlanReportingRulesRow) -> QueryResult<()> {
    let n = diesel::update(plan_reporting_rules::table.find(row.plan_id))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(plan_reporting_rules::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Removes a plan's rules (back to the defaults); returns whether it had any.
pub fn delete(conn: &mut DbConn, plan_id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(plan_reporting_rules::table.find(plan_id)).execute(conn)? == 1)
}

/// The plan whose rules govern reports for `year`: among issued plans covering the year that
/// have rules, an annual plan before a multi-year or sectoral one, then the latest start, then
/// the newest. Returns its id, code and rules.
pub fn governing(
    conn: &mut DbConn,
    year: i32,
) -> QueryResult<Option<(i64, String, PlanReportingRulesRow)>> {
    let rows: Vec<(i64, String, String, i32, PlanReportingRulesRow)> = plans::table
        .inner_join(plan_reporting_rules::table)
        .filter(plans::status.eq("issued"))
        .filter(plans::first_year.le(year))
        .filter(plans::last_year.ge(year))
        .select((
            plans::id,
            plans::code,
            plans::kind,
            plans::first_year,
            PlanReportingRulesRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .max_by_key(|(id, _, kind, first_year, _)| (kind == "annual", *first_year, *id))
        .map(|(id, code, _, _, rules)| (id, code, rules)))
}

/// Reports of the periods matching a LIKE pattern not submitted yet: id, period, deadline.
pub fn unsubmitted_in(
    conn: &mut DbConn,
    periods_like: &str,
) -> QueryResult<Vec<(i64, String, chrono::NaiveDate)>> {
    reports::table
        .filter(reports::first_submitted_at.is_null())
        .filter(reports::period.like(periods_like))
        .select((reports::id, reports::period, reports::deadline))
        .load(conn)
}

/// Sets a report's deadline.
pub fn set_deadline(
    conn: &mut DbConn,
    report_id: i64,
    deadline: chrono::NaiveDate,
) -> QueryResult<()> {
    diesel::update(reports::table.find(report_id))
        .set(reports::deadline.eq(deadline))
        .execute(conn)?;
    Ok(())
}
