//! DTI frameworks, assessments and the points they give, and the report counts that
//! `report_fact` criteria score.

use diesel::dsl::count;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{DtiAssessmentRow, DtiCriterionScoreRow, DtiFrameworkRow};
use crate::schema::{dti_assessments, dti_criterion_scores, dti_frameworks, reports, units};

/// The framework of a year and kind of unit.
pub fn framework(
    conn: &mut DbConn,
    year: i32,
    unit_kind: &str,
) -> QueryResult<Option<DtiFrameworkRow>> {
    dti_frameworks::table
        .filter(dti_frameworks::year.eq(year))
        .filter(dti_frameworks::unit_kind.eq(unit_kind))
        .select(DtiFrameworkRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a framework and reads it back.
pub fn insert_framework(conn: &mut DbConn, row: &DtiFrameworkRow) -> QueryResult<DtiFrameworkRow> {
    diesel::insert_into(dti_frameworks::table)
        .values(row)
        .execute(conn)?;
    framework(conn, row.year, &row.unit_kind)?.ok_or(diesel::result::Error::NotFound)
}

/// Writes a framework if its version is still `expected`; returns whether it was.
pub fn update_framework_if_version(
    conn: &mut DbConn,
    row: &DtiFrameworkRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        dti_frameworks::table
            .filter(dti_frameworks::id.eq(row.id))
            .filter(dti_frameworks::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// How many assessments a framework has.
pub fn assessments_of_framework(conn: &mut DbConn, framework_id: i64) -> QueryResult<i64> {
    dti_assessments::table
        .filter(dti_assessments::framework_id.eq(framework_id))
        .count()
        .get_result(conn)
}

/// A unit's assessment of a year.
pub fn assessment(
    conn: &mut DbConn,
    unit: &str,
    year: i32,
) -> QueryResult<Option<DtiAssessmentRow>> {
    dti_assessments::table
        .filter(dti_assessments::unit_code.eq(unit))
        .filter(dti_assessments::year.eq(year))
        .select(DtiAssessmentRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts an assessment and reads it back.
pub fn insert_assessment(
    conn: &mut DbConn,
    row: &DtiAssessmentRow,
) -> QueryResult<DtiAssessmentRow> {
    diesel::insert_into(dti_assessments::table)
        .values(row)
        .execute(conn)?;
    assessment(conn, &row.unit_code, row.year)?.ok_or(diesel::result::Error::NotFound)
}

/// Writes an assessment if its version is still `expected`; returns whether it was.
pub fn update_assessment_if_version(
    conn: &mut DbConn,
    row: &DtiAssessmentRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        dti_assessments::table
            .filter(dti_assessments::id.eq(row.id))
            .filter(dti_assessments::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// Replaces the criterion points of an assessment.
pub fn replace_scores(
    conn: &mut DbConn,
    assessment_id: i64,
    rows: &[DtiCriterionScoreRow],
) -> QueryResult<()> {
    diesel::delete(
        dti_criterion_scores::table.filter(dti_criterion_scores::assessment_id.eq(assessment_id)),
    )
    .execute(conn)?;
    // MultiConnection has no batch insert: one statement per criterion (a few dozen).
    for row in rows {
        diesel::insert_into(dti_criterion_scores::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The assessments of a year and kind of unit: (unit, status).
pub fn assessments_of_year(
    conn: &mut DbConn,
    year: i32,
    unit_kind: &str,
) -> QueryResult<Vec<(String, String)>> {
    dti_assessments::table
        .filter(dti_assessments::year.eq(year))
        .filter(dti_assessments::unit_kind.eq(unit_kind))
        .select((dti_assessments::unit_code, dti_assessments::status))
        .load(conn)
}

/// A unit's stored points in a pillar: (unit, pillar, self-assessed, verified).
pub type PillarPoints = (String, String, Option<f64>, Option<f64>);

/// Stored points per unit and pillar of a year and kind, summed in SQL.
pub fn pillar_points(
    conn: &mut DbConn,
    year: i32,
    unit_kind: &str,
) -> QueryResult<Vec<PillarPoints>> {
    use diesel::dsl::sum;
    dti_criterion_scores::table
        .filter(dti_criterion_scores::year.eq(year))
        .filter(dti_criterion_scores::unit_kind.eq(unit_kind))
        .group_by((
            dti_criterion_scores::unit_code,
            dti_criterion_scores::pillar_code,
        ))
        .select((
            dti_criterion_scores::unit_code,
            dti_criterion_scores::pillar_code,
            sum(dti_criterion_scores::self_points),
            sum(dti_criterion_scores::verified_points),
        ))
        .load(conn)
}

/// Units of a kind in force at some time during the year: (code, name).
pub fn units_of_year(
    conn: &mut DbConn,
    year: i32,
    unit_kind: &str,
) -> QueryResult<Vec<(String, String)>> {
    let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    units::table
        .filter(units::kind.eq(unit_kind))
        .filter(units::valid_from.le(last))
        .filter(units::valid_to.is_null().or(units::valid_to.ge(first)))
        .order(units::code.asc())
        .select((units::code, units::name))
        .load(conn)
}

/// Reports of the year's periods per unit of a kind: (unit, submitted, of which on time).
/// Periods are `YYYY…` text, so the year is a range of them.
pub fn report_counts(
    conn: &mut DbConn,
    year: i32,
    unit_kind: &str,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let (from, to) = (year.to_string(), (year + 1).to_string());
    let submitted: Vec<(String, i64)> = reports::table
        .inner_join(units::table.on(units::code.eq(reports::unit_code)))
        .filter(units::kind.eq(unit_kind))
        .filter(reports::period.ge(&from))
        .filter(reports::period.lt(&to))
        .filter(reports::first_submitted_at.is_not_null())
        .group_by(reports::unit_code)
        .select((reports::unit_code, count(reports::id)))
        .load(conn)?;
    let on_time: Vec<(String, i64)> = reports::table
        .inner_join(units::table.on(units::code.eq(reports::unit_code)))
        .filter(units::kind.eq(unit_kind))
        .filter(reports::period.ge(&from))
        .filter(reports::period.lt(&to))
        .filter(reports::first_submitted_at.is_not_null())
        .filter(reports::late.eq(0))
        .group_by(reports::unit_code)
        .select((reports::unit_code, count(reports::id)))
        .load(conn)?;
    Ok(join_counts(submitted, &on_time))
}

/// [`report_counts`] of one unit.
pub fn report_counts_of_unit(conn: &mut DbConn, year: i32, unit: &str) -> QueryResult<(i64, i64)> {
    let (from, to) = (year.to_string(), (year + 1).to_string());
    let submitted: i64 = reports::table
        .filter(reports::unit_code.eq(unit))
        .filter(reports::period.ge(&from))
        .filter(reports::period.lt(&to))
        .filter(reports::first_submitted_at.is_not_null())
        .count()
        .get_result(conn)?;
    let on_time: i64 = reports::table
        .filter(reports::unit_code.eq(unit))
        .filter(reports::period.ge(&from))
        .filter(reports::period.lt(&to))
        .filter(reports::first_submitted_at.is_not_null())
        .filter(reports::late.eq(0))
        .count()
        .get_result(conn)?;
    Ok((submitted, on_time))
}

fn join_counts(
    submitted: Vec<(String, i64)>,
    on_time: &[(String, i64)],
) -> Vec<(String, i64, i64)> {
    let on_time: std::collections::HashMap<&str, i64> =
        on_time.iter().map(|(u, n)| (u.as_str(), *n)).collect();
    submitted
        .into_iter()
        .map(|(u, s)| {
            let o = on_time.get(u.as_str()).copied().unwrap_or(0);
            (u, s, o)
        })
        .collect()
}
