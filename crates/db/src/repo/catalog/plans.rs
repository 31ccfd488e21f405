//! Plans and their child rows (legal bases, declared table totals).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{DeclaredTotalRow, LegalBasisRow, PlanData, PlanRow};
use crate::repo::units::like_contains;
use crate::schema::{plan_declared_totals, plan_legal_bases, plans};

/// Filters of the plan listing.
#[derive(Debug, Default, Clone)]
pub struct PlanFilter<'a> {
    /// Folded search text matched against the folded title.
    pub folded_query: Option<&'a str>,
    /// Only plans covering this year.
    pub year: Option<i32>,
    /// Keyset pagination: only codes after this one.
    pub after_code: Option<&'a str>,
}

/// Inserts a plan and returns the stored row.
pub fn insert(conn: &mut DbConn, data: &PlanData, now: NaiveDateTime) -> QueryResult<PlanRow> {
    diesel::insert_into(plans::table)
        .values((
            data,
            plans::version.eq(1_i64),
            plans::created_at.eq(now),
            plans::updated_at.eq(now),
        ))
        .execute(conn)?;
    plans::table
        .filter(plans::code.eq(&data.code))
        .select(PlanRow::as_select())
        .first(conn)
}

/// One plan by id.
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<PlanRow>> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

/// One plan by its key.
pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<PlanRow>> {
    plans::table
        .filter(plans::code.eq(code))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

/// Lists plans ordered by code, at most `limit` rows.
pub fn list(conn: &mut DbConn, filter: &PlanFilter<'_>, limit: i64) -> QueryResult<Vec<PlanRow>> {
    let mut query = plans::table.select(PlanRow::as_select()).into_boxed();
    if let Some(q) = filter.folded_query {
        query = query.filter(plans::title_folded.like(like_contains(q)).escape('\\'));
    }
    if let Some(year) = filter.year {
        query = query
            .filter(plans::first_year.le(year))
            .filter(plans::last_year.ge(year));
    }
    if let Some(after) = filter.after_code {
        query = query.filter(plans::code.gt(after.to_owned()));
    }
    query.order(plans::code.asc()).limit(limit).load(conn)
}

/// Overwrites a plan's columns when its version is still `expected_version`, bumping it.
/// Returns how many rows changed (0: gone or stale).
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    data: &PlanData,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::version.eq(expected_version)),
    )
    .set((
        data,
        plans::version.eq(expected_version + 1),
        plans::updated_at.eq(now),
    ))
    .execute(conn)
}

/// How many plans exist.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    plans::table.count().get_result(conn)
}

/// A plan's legal bases in printed order.
pub fn legal_bases(conn: &mut DbConn, plan_id: i64) -> QueryResult<Vec<LegalBasisRow>> {
    plan_legal_bases::table
        .filter(plan_legal_bases::plan_id.eq(plan_id))
        .order(plan_legal_bases::position.asc())
        .select(LegalBasisRow::as_select())
        .load(conn)
}

/// Replaces a plan's legal bases (one insert per row: `MultiConnection` has no batch insert).
pub fn replace_legal_bases(
    conn: &mut DbConn,
    plan_id: i64,
    rows: &[LegalBasisRow],
) -> QueryResult<()> {
    diesel::delete(plan_legal_bases::table.filter(plan_legal_bases::plan_id.eq(plan_id)))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(plan_legal_bases::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A plan's declared table totals.
pub fn declared_totals(conn: &mut DbConn, plan_id: i64) -> QueryResult<Vec<DeclaredTotalRow>> {
    plan_declared_totals::table
        .filter(plan_declared_totals::plan_id.eq(plan_id))
        .order(plan_declared_totals::id.asc())
        .select(DeclaredTotalRow::as_select())
        .load(conn)
}

/// Replaces a plan's declared table totals.
pub fn replace_declared_totals(
    conn: &mut DbConn,
    plan_id: i64,
    rows: &[DeclaredTotalRow],
) -> QueryResult<()> {
    diesel::delete(plan_declared_totals::table.filter(plan_declared_totals::plan_id.eq(plan_id)))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(plan_declared_totals::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
