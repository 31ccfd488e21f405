//! The unit registry.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{NewUnit, UnitRow};
use crate::schema::units;

/// Filters for listing units; every field optional.
#[derive(Debug, Default, Clone)]
pub struct UnitFilter<'a> {
    /// Only this kind.
    pub kind: Option<&'a str>,
    /// Folded search text matched against the folded name and the code.
    pub folded_query: Option<&'a str>,
    /// Only units active on this day.
    pub active_on: Option<NaiveDate>,
    /// Keyset pagination: only codes after this one.
    pub after_code: Option<&'a str>,
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_contains(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Lists units ordered by code, at most `limit` rows.
pub fn list(conn: &mut DbConn, filter: &UnitFilter<'_>, limit: i64) -> QueryResult<Vec<UnitRow>> {
    let mut query = units::table.select(UnitRow::as_select()).into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(units::kind.eq(kind.to_owned()));
    }
    if let Some(q) = filter.folded_query {
        let pattern = like_contains(q);
        let code_pattern = like_contains(&q.to_ascii_uppercase().replace(' ', "-"));
        query = query.filter(
            units::name_folded
                .like(pattern)
                .escape('\\')
                .or(units::code.like(code_pattern).escape('\\')),
        );
    }
    if let Some(day) = filter.active_on {
        query = query
            .filter(units::valid_from.le(day))
            .filter(units::valid_to.is_null().or(units::valid_to.ge(day)));
    }
    if let Some(after) = filter.after_code {
        query = query.filter(units::code.gt(after.to_owned()));
    }
    query.order(units::code.asc()).limit(limit).load(conn)
}

/// One unit by code.
pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<UnitRow>> {
    units::table
        .filter(units::code.eq(code))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts one unit.
pub fn insert(conn: &mut DbConn, unit: &NewUnit<'_>) -> QueryResult<()> {
    diesel::insert_into(units::table)
        .values(unit)
        .execute(conn)
        .map(|_| ())
}

/// How many units exist.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    units::table.count().get_result(conn)
}

/// Writes a unit's editable fields if the row still has `expected_version`; returns the
/// rows changed (0 when someone else changed it first).
pub fn update(
    conn: &mut DbConn,
    code: &str,
    expected_version: i64,
    changes: &crate::models::UnitChangeset<'_>,
) -> QueryResult<usize> {
    diesel::update(
        units::table
            .filter(units::code.eq(code))
            .filter(units::version.eq(expected_version)),
    )
    .set(changes)
    .execute(conn)
}
