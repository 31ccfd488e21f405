//! The aggregates' queries: grouped and counted in the database (`GROUP BY`, `COUNT`, `SUM`),
//! never by loading every report row into the application. Written as SQL text shared by both
//! backends (placeholders are `?`, rewritten to `$n` for PostgreSQL); sums of `BIGINT` money
//! are cast back to `BIGINT` because PostgreSQL widens them to `NUMERIC`.
//!
//! "Counted" reports are those submitted or accepted: a draft or a returned report is not yet
//! the unit's word.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;

use crate::conn::DbConn;
use crate::schema::{indicator_assessments, provincial_budgets};

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone)]
pub enum Bind {
    /// Text.
    Text(String),
    /// A 32-bit integer.
    Int(i32),
    /// A 64-bit integer.
    BigInt(i64),
    /// A date.
    Date(NaiveDate),
}

/// `?` → `$1, $2, …` (no `?` appears in our SQL except as a placeholder).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(v) => q.bind::<Text, _>(v.clone()),
                Bind::Int(v) => q.bind::<Integer, _>(*v),
                Bind::BigInt(v) => q.bind::<BigInt, _>(*v),
                Bind::Date(v) => q.bind::<Date, _>(*v),
            };
        }
        q
    }};
}

/// Runs a query on either backend and loads its rows by column name.
pub fn load<R>(conn: &mut DbConn, sql: &str, binds: &[Bind]) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    match conn {
        DbConn::Postgresql(c) => {
            let q: BoxedSqlQuery<'_, Pg, _> = diesel::sql_query(numbered(sql)).into_boxed();
            bind_all!(q, binds).load(c)
        }
        DbConn::Sqlite(c) => {
            let q: BoxedSqlQuery<'_, Sqlite, _> = diesel::sql_query(sql).into_boxed();
            bind_all!(q, binds).load(c)
        }
    }
}

/// `?, ?, …` for a list, and its binds.
fn in_list(values: &[String]) -> (String, Vec<Bind>) {
    let marks = vec!["?"; values.len().max(1)].join(", ");
    let mut binds: Vec<Bind> = values.iter().cloned().map(Bind::Text).collect();
    if binds.is_empty() {
        binds.push(Bind::Text(String::new()));
    }
    (marks, binds)
}

const COUNTED: &str = "('submitted', 'accepted')";

/// One expected unit's standing for a period.
#[derive(Debug, Clone, QueryableByName)]
pub struct ComplianceRow {
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub first_submitted_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub submitted_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub late: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub returned_count: Option<i32>,
}

/// Counts over the expected units of a period.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct ComplianceCounts {
    #[diesel(sql_type = BigInt)]
    pub expected: i64,
    #[diesel(sql_type = BigInt)]
    pub reported: i64,
    #[diesel(sql_type = BigInt)]
    pub on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub returned_now: i64,
    #[diesel(sql_type = BigInt)]
    pub returns: i64,
}

/// Which units are expected to report for a period: units of the kinds, valid on some day of
/// the period.
pub struct Expected<'a> {
    /// The period (`2025-09`).
    pub period: &'a str,
    /// Unit kinds expected to report.
    pub kinds: &'a [String],
    /// First day of the period.
    pub first_day: NaiveDate,
    /// Last day of the period.
    pub last_day: NaiveDate,
}

fn expected_from(e: &Expected<'_>) -> (String, Vec<Bind>) {
    let (marks, kinds) = in_list(e.kinds);
    let sql = format!(
        " FROM units u LEFT JOIN reports r ON r.unit_code = u.code AND r.period = ? \
          WHERE u.kind IN ({marks}) AND u.valid_from <= ? AND (u.valid_to IS NULL OR u.valid_to >= ?)"
    );
    let mut binds = vec![Bind::Text(e.period.to_owned())];
    binds.extend(kinds);
    binds.push(Bind::Date(e.last_day));
    binds.push(Bind::Date(e.first_day));
    (sql, binds)
}

/// Which expected units a page of [`compliance_rows`] lists.
#[derive(Debug, Clone, Default)]
pub struct CompliancePage<'a> {
    /// Only units after this (kind, code).
    pub after: Option<(&'a str, &'a str)>,
    /// At most this many.
    pub limit: Option<i64>,
    /// Only units that submitted on time.
    pub on_time: bool,
    /// Only units that submitted late.
    pub late: bool,
    /// Only units that have not submitted.
    pub not_submitted: bool,
}

/// Expected units with their report's state (none when it has no report), by kind and code:
/// all of them, or a page.
pub fn compliance_rows(
    conn: &mut DbConn,
    e: &Expected<'_>,
    page: &CompliancePage<'_>,
) -> QueryResult<Vec<ComplianceRow>> {
    let (from, mut binds) = expected_from(e);
    let mut filter = String::new();
    if let Some((kind, code)) = page.after {
        filter.push_str(" AND (u.kind > ? OR (u.kind = ? AND u.code > ?))");
        binds.push(Bind::Text(kind.to_owned()));
        binds.push(Bind::Text(kind.to_owned()));
        binds.push(Bind::Text(code.to_owned()));
    }
    let mut wanted = Vec::new();
    if page.on_time {
        wanted.push("(r.first_submitted_at IS NOT NULL AND r.late = 0)");
    }
    if page.late {
        wanted.push("(r.first_submitted_at IS NOT NULL AND r.late = 1)");
    }
    if page.not_submitted {
        wanted.push("r.first_submitted_at IS NULL");
    }
    if !wanted.is_empty() && wanted.len() < 3 {
        filter.push_str(&format!(" AND ({})", wanted.join(" OR ")));
    }
    let limit = match page.limit {
        Some(n) => {
            binds.push(Bind::BigInt(n));
            " LIMIT ?"
        }
        None => "",
    };
    let sql = format!(
        "SELECT u.code AS unit, u.name AS name, u.kind AS kind, r.status AS status, \
         r.first_submitted_at AS first_submitted_at, r.submitted_at AS submitted_at, \
         r.late AS late, r.returned_count AS returned_count{from}{filter} \
         ORDER BY u.kind, u.code{limit}"
    );
    load(conn, &sql, &binds)
}

/// The counts of [`compliance_rows`], computed by the database.
pub fn compliance_counts(conn: &mut DbConn, e: &Expected<'_>) -> QueryResult<ComplianceCounts> {
    let (from, binds) = expected_from(e);
    let sum = |cond: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT)")
    };
    let sql = format!(
        "SELECT COUNT(*) AS expected, {} AS reported, {} AS on_time, {} AS late, \
         {} AS accepted, {} AS returned_now, \
         CAST(COALESCE(SUM(r.returned_count), 0) AS BIGINT) AS returns{from}",
        sum("r.first_submitted_at IS NOT NULL"),
        sum("r.first_submitted_at IS NOT NULL AND r.late = 0"),
        sum("r.first_submitted_at IS NOT NULL AND r.late = 1"),
        sum("r.status = 'accepted'"),
        sum("r.status = 'returned'"),
    );
    load::<ComplianceCounts>(conn, &sql, &binds)?
        .into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}

/// One unit's value of an indicator in a counted report.
#[derive(Debug, Clone, QueryableByName)]
pub struct ContributionRow {
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub numerator: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub denominator: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub value_text: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub submitted_at: Option<NaiveDateTime>,
}

/// The database's sums over an indicator's counted values.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct RollUpSums {
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    #[diesel(sql_type = BigInt)]
    pub with_value: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub sum_value: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_value: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub min_value: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub max_value: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub with_ratio: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub sum_numerator: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub sum_denominator: Option<f64>,
}

/// The counted values of one indicator in one period (binds: indicator id, period). SQLite
/// drives the join from the period's reports by itself; PostgreSQL, estimating the values of
/// one indicator cheaper to scan whole (every period's) than to probe per report, is held to
/// the probe by a `LATERAL` subquery that cannot be pulled up (`OFFSET 0`): on the national
/// set, 3,000 index probes (16 ms) instead of 216,000 values hashed (95 ms).
///
/// With `units` the rows are driven from the units in code order (`u.code`), so that a page
/// of them (`ORDER BY u.code LIMIT n`) stops after `n` probes; without, from the period's
/// reports (for sums over all of them; `r.unit_code` names the unit).
fn contributions_from(conn: &DbConn, units: bool) -> &'static str {
    match conn {
        DbConn::Postgresql(_) if !units => {
            " FROM reports r \
             CROSS JOIN LATERAL (SELECT v.value, v.numerator, v.denominator, v.value_text \
                 FROM report_indicator_values v \
                 WHERE v.report_id = r.id AND v.indicator_id = ? OFFSET 0) v \
             WHERE r.period = ? AND r.status IN ('submitted', 'accepted')"
        }
        DbConn::Postgresql(_) => {
            " FROM units u JOIN reports r ON r.unit_code = u.code \
             CROSS JOIN LATERAL (SELECT v.value, v.numerator, v.denominator, v.value_text \
                 FROM report_indicator_values v \
                 WHERE v.report_id = r.id AND v.indicator_id = ? OFFSET 0) v \
             WHERE r.period = ? AND r.status IN ('submitted', 'accepted')"
        }
        DbConn::Sqlite(_) => {
            " FROM report_indicator_values v \
             JOIN reports r ON r.id = v.report_id \
             JOIN units u ON u.code = r.unit_code \
             WHERE v.indicator_id = ? AND r.period = ? AND r.status IN ('submitted', 'accepted')"
        }
    }
}

/// A page of units by code: those after `after`, at most `limit` (`None`: all).
#[derive(Debug, Clone, Copy, Default)]
pub struct CodePage<'a> {
    /// Only units whose code sorts after this.
    pub after: Option<&'a str>,
    /// At most this many.
    pub limit: Option<i64>,
}

impl CodePage<'_> {
    fn after(&self, binds: &mut Vec<Bind>) -> &'static str {
        match self.after {
            Some(code) => {
                binds.push(Bind::Text(code.to_owned()));
                " AND u.code > ?"
            }
            None => "",
        }
    }

    fn limit(&self, binds: &mut Vec<Bind>) -> &'static str {
        match self.limit {
            Some(n) => {
                binds.push(Bind::BigInt(n));
                " LIMIT ?"
            }
            None => "",
        }
    }
}

/// Units' counted values of an indicator for a period, by unit code: all, or a page.
pub fn contributions(
    conn: &mut DbConn,
    indicator_id: i64,
    period: &str,
    page: CodePage<'_>,
) -> QueryResult<Vec<ContributionRow>> {
    let from = contributions_from(conn, true);
    let mut binds = vec![Bind::BigInt(indicator_id), Bind::Text(period.to_owned())];
    let after = page.after(&mut binds);
    let limit = page.limit(&mut binds);
    let sql = format!(
        "SELECT u.code AS unit, u.name AS name, v.value AS value, v.numerator AS numerator, \
         v.denominator AS denominator, v.value_text AS value_text, r.status AS status, \
         r.submitted_at AS submitted_at{from}{after} ORDER BY u.code{limit}"
    );
    load(conn, &sql, &binds)
}

/// Sums, mean, extremes and the ratio's numerator and denominator sums (over the values that
/// give both) of an indicator's counted values for a period.
pub fn roll_up_sums(conn: &mut DbConn, indicator_id: i64, period: &str) -> QueryResult<RollUpSums> {
    let both = "v.numerator IS NOT NULL AND v.denominator IS NOT NULL";
    let sql = format!(
        "SELECT COUNT(*) AS units, COUNT(v.value) AS with_value, \
         CAST(SUM(v.value) AS DOUBLE PRECISION) AS sum_value, \
         CAST(AVG(v.value) AS DOUBLE PRECISION) AS mean_value, \
         CAST(MIN(v.value) AS DOUBLE PRECISION) AS min_value, \
         CAST(MAX(v.value) AS DOUBLE PRECISION) AS max_value, \
         CAST(COALESCE(SUM(CASE WHEN {both} THEN 1 ELSE 0 END), 0) AS BIGINT) AS with_ratio, \
         CAST(SUM(CASE WHEN {both} THEN v.numerator END) AS DOUBLE PRECISION) AS sum_numerator, \
         CAST(SUM(CASE WHEN {both} THEN v.denominator END) AS DOUBLE PRECISION) AS sum_denominator\
         {}",
        contributions_from(conn, false)
    );
    load::<RollUpSums>(
        conn,
        &sql,
        &[Bind::BigInt(indicator_id), Bind::Text(period.to_owned())],
    )?
    .into_iter()
    .next()
    .ok_or(diesel::result::Error::NotFound)
}

/// A unit, by code and name.
#[derive(Debug, Clone, QueryableByName)]
pub struct UnitName {
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// `FROM … WHERE …` of the units that report an indicator (by code or by kind, as reporting or
/// lead unit), valid in the period, without a counted value for it; with its binds.
fn missing_from(
    conn: &DbConn,
    indicator_id: i64,
    period: &str,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> (String, Vec<Bind>) {
    let sql = format!(
        " FROM units u \
         WHERE u.valid_from <= ? AND (u.valid_to IS NULL OR u.valid_to >= ?) \
         AND EXISTS (SELECT 1 FROM catalog_unit_roles c WHERE c.item_kind = 'indicator' \
             AND c.item_id = ? AND c.role IN ('reporting', 'lead') \
             AND (c.unit_code = u.code OR c.unit_kind = u.kind)) \
         AND u.code NOT IN (SELECT r.unit_code{})",
        contributions_from(conn, false)
    );
    let binds = vec![
        Bind::Date(last_day),
        Bind::Date(first_day),
        Bind::BigInt(indicator_id),
        Bind::BigInt(indicator_id),
        Bind::Text(period.to_owned()),
    ];
    (sql, binds)
}

/// Units that report an indicator without a counted value for it in the period, by code:
/// all, or a page.
pub fn missing_for_indicator(
    conn: &mut DbConn,
    indicator_id: i64,
    period: &str,
    (first_day, last_day): (NaiveDate, NaiveDate),
    page: CodePage<'_>,
) -> QueryResult<Vec<UnitName>> {
    let (from, mut binds) = missing_from(conn, indicator_id, period, first_day, last_day);
    let after = page.after(&mut binds);
    let limit = page.limit(&mut binds);
    let sql = format!("SELECT u.code AS unit, u.name AS name{from}{after} ORDER BY u.code{limit}");
    load(conn, &sql, &binds)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many units [`missing_for_indicator`] lists in all.
pub fn missing_count_for_indicator(
    conn: &mut DbConn,
    indicator_id: i64,
    period: &str,
    (first_day, last_day): (NaiveDate, NaiveDate),
) -> QueryResult<i64> {
    let (from, binds) = missing_from(conn, indicator_id, period, first_day, last_day);
    let sql = format!("SELECT COUNT(*) AS n{from}");
    Ok(load::<Count>(conn, &sql, &binds)?
        .into_iter()
        .next()
        .map_or(0, |c| c.n))
}

/// One indicator of a plan for a year: target, the issuer's reported value and the official
/// assessment.
#[derive(Debug, Clone, QueryableByName)]
pub struct EvaluationRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub pillar: String,
    #[diesel(sql_type = Text)]
    pub measure: String,
    #[diesel(sql_type = Text)]
    pub direction: String,
    #[diesel(sql_type = Text)]
    pub roll_up: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub unit_of_measure: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub source_row: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub target_value: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub target_text: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub reported: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub value_text: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub value_note: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub official: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub official_note: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub recorded_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub recorded_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub official_version: Option<i64>,
}

/// Every indicator of a plan with its target for `year`, the value `unit` reported for
/// `period` (in a counted report) and the official assessment for `year`, in catalog order.
pub fn evaluation_rows(
    conn: &mut DbConn,
    plan_id: i64,
    year: i32,
    unit: &str,
    period: &str,
) -> QueryResult<Vec<EvaluationRow>> {
    let sql = format!(
        "SELECT i.id AS id, i.code AS code, i.name AS name, i.pillar AS pillar, \
         i.measure AS measure, i.direction AS direction, i.roll_up AS roll_up, \
         i.unit_of_measure AS unit_of_measure, i.source_row AS source_row, \
         t.target_value AS target_value, t.target_text AS target_text, \
         CAST(CASE WHEN v.report_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS reported, \
         v.value AS value, v.value_text AS value_text, v.note AS value_note, \
         a.assessment AS official, a.note AS official_note, a.recorded_by AS recorded_by, \
         a.recorded_at AS recorded_at, a.version AS official_version \
         FROM indicators i \
         LEFT JOIN indicator_targets t ON t.indicator_id = i.id AND t.year = ? \
         LEFT JOIN reports r ON r.unit_code = ? AND r.period = ? AND r.status IN {COUNTED} \
         LEFT JOIN report_indicator_values v ON v.report_id = r.id AND v.indicator_id = i.id \
         LEFT JOIN indicator_assessments a ON a.indicator_id = i.id AND a.year = ? \
         WHERE i.plan_id = ? ORDER BY i.id"
    );
    load(
        conn,
        &sql,
        &[
            Bind::Int(year),
            Bind::Text(unit.to_owned()),
            Bind::Text(period.to_owned()),
            Bind::Int(year),
            Bind::BigInt(plan_id),
        ],
    )
}

/// A stored official assessment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = indicator_assessments)]
pub struct AssessmentRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub plan_id: i64,
    pub indicator_id: i64,
    pub year: i32,
    pub assessment: String,
    #[diesel(treat_none_as_null = true)]
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    pub version: i64,
}

/// The official assessment of an indicator for a year.
pub fn find_assessment(
    conn: &mut DbConn,
    indicator_id: i64,
    year: i32,
) -> QueryResult<Option<AssessmentRow>> {
    indicator_assessments::table
        .filter(indicator_assessments::indicator_id.eq(indicator_id))
        .filter(indicator_assessments::year.eq(year))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts an official assessment.
pub fn insert_assessment(conn: &mut DbConn, row: &AssessmentRow) -> QueryResult<()> {
    diesel::insert_into(indicator_assessments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Replaces an official assessment if its version is still `expected`; returns whether it was.
pub fn update_assessment(
    conn: &mut DbConn,
    row: &AssessmentRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        indicator_assessments::table
            .filter(indicator_assessments::id.eq(row.id))
            .filter(indicator_assessments::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// The province's budget for a year (VND) and where the figure is printed.
pub fn provincial_budget(
    conn: &mut DbConn,
    year: i32,
) -> QueryResult<Option<(i64, Option<String>)>> {
    provincial_budgets::table
        .filter(provincial_budgets::year.eq(year))
        .select((
            provincial_budgets::amount_vnd,
            provincial_budgets::source_text,
        ))
        .first(conn)
        .optional()
}

/// Records the province's budget for a year unless one is recorded; returns whether it was.
pub fn insert_provincial_budget(
    conn: &mut DbConn,
    year: i32,
    amount_vnd: i64,
    source_text: Option<&str>,
) -> QueryResult<bool> {
    if provincial_budget(conn, year)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(provincial_budgets::table)
        .values((
            provincial_budgets::year.eq(year),
            provincial_budgets::amount_vnd.eq(amount_vnd),
            provincial_budgets::source_text.eq(source_text),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The latest counted progress of each task of a plan (by the report last changed), as a
/// derived table `l(task_id, status, percent_complete)`.
const LATEST_TASK_PROGRESS: &str = "(SELECT x.task_id AS task_id, x.status AS status, \
         x.percent_complete AS percent_complete FROM (SELECT p.task_id AS task_id, \
         p.status AS status, p.percent_complete AS percent_complete, \
         ROW_NUMBER() OVER (PARTITION BY p.task_id ORDER BY r.updated_at DESC, r.id DESC) AS rn \
         FROM report_task_progress p JOIN reports r ON r.id = p.report_id \
         JOIN tasks t0 ON t0.id = p.task_id \
         WHERE t0.plan_id = ? AND r.status IN ('submitted', 'accepted')) x WHERE x.rn = 1) l";

/// Overdue: due date passed and not completed, or reported overdue.
const OVERDUE: &str = "((t.due_date IS NOT NULL AND t.due_date < ? \
     AND COALESCE(l.status, '') <> 'completed') OR l.status = 'overdue')";

/// Task counts of one group.
#[derive(Debug, Clone, QueryableByName)]
pub struct TaskGroupRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub completed: i64,
    #[diesel(sql_type = BigInt)]
    pub in_progress: i64,
    #[diesel(sql_type = BigInt)]
    pub not_started: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_percent: Option<f64>,
}

fn task_counts() -> String {
    let sum = |cond: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT)")
    };
    format!(
        "COUNT(*) AS total, {} AS completed, {} AS in_progress, {} AS not_started, {} AS overdue, \
         CAST(AVG(CASE WHEN l.status = 'completed' THEN 100.0 ELSE COALESCE(l.percent_complete, 0.0) END) \
         AS DOUBLE PRECISION) AS mean_percent",
        sum("l.status = 'completed'"),
        sum("l.status IN ('in_progress', 'overdue')"),
        sum("l.status IS NULL OR l.status = 'not_started'"),
        sum(OVERDUE),
    )
}

/// How tasks of a plan group: by `category`, by `lead` unit (a task led by several units counts
/// for each; key null: no lead unit), or `all` in one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskGrouping {
    /// By the heading the task sits under.
    Category,
    /// By lead unit (code, or unit kind when the plan names a whole class).
    Lead,
    /// One group.
    All,
}

/// Task counts per group, computed by the database; `today` decides overdue.
pub fn task_groups(
    conn: &mut DbConn,
    plan_id: i64,
    today: NaiveDate,
    grouping: TaskGrouping,
) -> QueryResult<Vec<TaskGroupRow>> {
    let counts = task_counts();
    let sql = match grouping {
        TaskGrouping::Category => format!(
            "SELECT t.category AS key, {counts} FROM tasks t LEFT JOIN {LATEST_TASK_PROGRESS} \
             ON l.task_id = t.id WHERE t.plan_id = ? GROUP BY t.category ORDER BY MIN(t.id)"
        ),
        TaskGrouping::Lead => format!(
            "SELECT COALESCE(c.unit_code, c.unit_kind) AS key, {counts} FROM tasks t \
             LEFT JOIN {LATEST_TASK_PROGRESS} ON l.task_id = t.id \
             LEFT JOIN catalog_unit_roles c ON c.item_kind = 'task' AND c.item_id = t.id \
                 AND c.role = 'lead' \
             WHERE t.plan_id = ? GROUP BY COALESCE(c.unit_code, c.unit_kind) \
             ORDER BY COALESCE(c.unit_code, c.unit_kind)"
        ),
        TaskGrouping::All => format!(
            "SELECT CAST(NULL AS TEXT) AS key, {counts} FROM tasks t LEFT JOIN {LATEST_TASK_PROGRESS} \
             ON l.task_id = t.id WHERE t.plan_id = ?"
        ),
    };
    // Placeholders in order: the overdue date (in the counts), the plan in the derived table,
    // the plan in WHERE.
    load(
        conn,
        &sql,
        &[
            Bind::Date(today),
            Bind::BigInt(plan_id),
            Bind::BigInt(plan_id),
        ],
    )
}

/// An overdue task.
#[derive(Debug, Clone, QueryableByName)]
pub struct OverdueTaskRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub content: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub lead_text: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub due_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub percent_complete: Option<f64>,
}

/// The plan's overdue tasks, in catalog order.
pub fn overdue_tasks(
    conn: &mut DbConn,
    plan_id: i64,
    today: NaiveDate,
) -> QueryResult<Vec<OverdueTaskRow>> {
    let sql = format!(
        "SELECT t.id AS id, t.code AS code, t.content AS content, t.category AS category, \
         t.lead_text AS lead_text, t.due_date AS due_date, l.status AS status, \
         l.percent_complete AS percent_complete FROM tasks t \
         LEFT JOIN {LATEST_TASK_PROGRESS} ON l.task_id = t.id \
         WHERE t.plan_id = ? AND {OVERDUE} ORDER BY t.id"
    );
    load(
        conn,
        &sql,
        &[
            Bind::BigInt(plan_id),
            Bind::BigInt(plan_id),
            Bind::Date(today),
        ],
    )
}

/// A project with its money for the plan's years.
#[derive(Debug, Clone, QueryableByName)]
pub struct ProjectMoneyRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub investor: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub investor_text: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub total_investment_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub central_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub local_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub disbursed_before_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub allocated_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub implemented_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub reported_disbursed_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
}

/// The per-project derived table: allocations and execution for the plan's years, the sum of
/// the disbursements reported in counted reports of those years, the first investor.
const PROJECT_MONEY: &str = "(SELECT p.id AS id, p.code AS code, p.name AS name, \
     (SELECT c.unit_code FROM catalog_unit_roles c WHERE c.item_kind = 'project' \
         AND c.item_id = p.id AND c.role = 'investor' ORDER BY c.position LIMIT 1) AS investor, \
     p.investor_text AS investor_text, p.total_investment_vnd AS total_investment_vnd, \
     p.central_vnd AS central_vnd, p.local_vnd AS local_vnd, \
     p.disbursed_before_vnd AS disbursed_before_vnd, \
     (SELECT CAST(SUM(a.allocated_vnd) AS BIGINT) FROM project_allocations a \
         WHERE a.project_id = p.id AND a.year BETWEEN ? AND ?) AS allocated_vnd, \
     (SELECT CAST(SUM(a.implemented_vnd) AS BIGINT) FROM project_allocations a \
         WHERE a.project_id = p.id AND a.year BETWEEN ? AND ?) AS implemented_vnd, \
     (SELECT CAST(SUM(pp.disbursed_in_period_vnd) AS BIGINT) FROM report_project_progress pp \
         JOIN reports r ON r.id = pp.report_id WHERE pp.project_id = p.id \
         AND r.status IN ('submitted', 'accepted') \
         AND CAST(SUBSTR(r.period, 1, 4) AS INTEGER) BETWEEN ? AND ?) AS reported_disbursed_vnd, \
     COALESCE(p.decision_ref, p.funding_note, p.stage_text) AS note \
     FROM projects p WHERE p.plan_id = ?) m";

fn year_binds(plan_id: i64, first: i32, last: i32) -> Vec<Bind> {
    vec![
        Bind::Int(first),
        Bind::Int(last),
        Bind::Int(first),
        Bind::Int(last),
        Bind::Int(first),
        Bind::Int(last),
        Bind::BigInt(plan_id),
    ]
}

/// Every project of a plan with its money for the years `first..=last`, in catalog order.
pub fn project_money(
    conn: &mut DbConn,
    plan_id: i64,
    first: i32,
    last: i32,
) -> QueryResult<Vec<ProjectMoneyRow>> {
    let sql = format!("SELECT m.* FROM {PROJECT_MONEY} ORDER BY m.id");
    load(conn, &sql, &year_binds(plan_id, first, last))
}

/// Money of one group (investor, unit, category or source).
#[derive(Debug, Clone, QueryableByName)]
pub struct MoneyGroupRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub items: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub amount_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub allocated_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub disbursed_vnd: Option<i64>,
}

/// Projects' money per investor (code, else the printed name), computed by the database.
/// `disbursed_vnd` is, per project, the printed execution when there is one, else the
/// reported disbursements.
pub fn money_by_investor(
    conn: &mut DbConn,
    plan_id: i64,
    first: i32,
    last: i32,
) -> QueryResult<Vec<MoneyGroupRow>> {
    let sql = format!(
        "SELECT COALESCE(m.investor, m.investor_text) AS key, CAST(NULL AS TEXT) AS key2, \
         COUNT(*) AS items, CAST(SUM(m.total_investment_vnd) AS BIGINT) AS amount_vnd, \
         CAST(SUM(m.allocated_vnd) AS BIGINT) AS allocated_vnd, \
         CAST(SUM(COALESCE(m.implemented_vnd, m.reported_disbursed_vnd)) AS BIGINT) AS disbursed_vnd \
         FROM {PROJECT_MONEY} GROUP BY COALESCE(m.investor, m.investor_text) \
         ORDER BY COALESCE(m.investor, m.investor_text)"
    );
    load(conn, &sql, &year_binds(plan_id, first, last))
}

/// A budget line with what was reported spent on it.
#[derive(Debug, Clone, QueryableByName)]
pub struct BudgetLineMoneyRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub implementing_text: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub budget_category: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub amount_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub reported_spent_vnd: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
}

const LINE_MONEY: &str = "(SELECT b.id AS id, b.code AS code, b.name AS name, \
     (SELECT COALESCE(c.unit_code, c.unit_kind) FROM catalog_unit_roles c \
         WHERE c.item_kind = 'budget_line' AND c.item_id = b.id AND c.role = 'implementing' \
         ORDER BY c.position LIMIT 1) AS unit, \
     b.implementing_text AS implementing_text, b.budget_category AS budget_category, \
     b.amount_vnd AS amount_vnd, \
     (SELECT CAST(SUM(e.spent_in_period_vnd) AS BIGINT) FROM report_budget_execution e \
         JOIN reports r ON r.id = e.report_id WHERE e.budget_line_id = b.id \
         AND r.status IN ('submitted', 'accepted') \
         AND CAST(SUBSTR(r.period, 1, 4) AS INTEGER) BETWEEN ? AND ?) AS reported_spent_vnd, \
     COALESCE(b.funding_note, b.decision_ref, b.status_text) AS note \
     FROM budget_lines b WHERE b.plan_id = ?) m";

/// Every budget line of a plan, in catalog order.
pub fn budget_line_money(
    conn: &mut DbConn,
    plan_id: i64,
    first: i32,
    last: i32,
) -> QueryResult<Vec<BudgetLineMoneyRow>> {
    let sql = format!("SELECT m.* FROM {LINE_MONEY} ORDER BY m.id");
    load(
        conn,
        &sql,
        &[Bind::Int(first), Bind::Int(last), Bind::BigInt(plan_id)],
    )
}

/// Recurrent money per implementing unit and budget category, computed by the database.
pub fn money_by_unit_and_category(
    conn: &mut DbConn,
    plan_id: i64,
    first: i32,
    last: i32,
) -> QueryResult<Vec<MoneyGroupRow>> {
    let sql = format!(
        "SELECT COALESCE(m.unit, m.implementing_text) AS key, m.budget_category AS key2, \
         COUNT(*) AS items, CAST(SUM(m.amount_vnd) AS BIGINT) AS amount_vnd, \
         CAST(NULL AS BIGINT) AS allocated_vnd, \
         CAST(SUM(m.reported_spent_vnd) AS BIGINT) AS disbursed_vnd \
         FROM {LINE_MONEY} GROUP BY COALESCE(m.unit, m.implementing_text), m.budget_category \
         ORDER BY COALESCE(m.unit, m.implementing_text), m.budget_category"
    );
    load(
        conn,
        &sql,
        &[Bind::Int(first), Bind::Int(last), Bind::BigInt(plan_id)],
    )
}

/// Ids of the plans whose years include `year`, by key.
pub fn plans_covering(conn: &mut DbConn, year: i32) -> QueryResult<Vec<i64>> {
    use crate::schema::plans;
    plans::table
        .filter(plans::first_year.le(year))
        .filter(plans::last_year.ge(year))
        .order(plans::code.asc())
        .select(plans::id)
        .load(conn)
}

/// An indicator's plan, code, name, measure and roll-up method.
pub type IndicatorHead = (i64, String, String, String, String);

/// An indicator's plan, code, name, measure and roll-up method.
pub fn indicator_head(conn: &mut DbConn, indicator_id: i64) -> QueryResult<Option<IndicatorHead>> {
    use crate::schema::indicators;
    indicators::table
        .filter(indicators::id.eq(indicator_id))
        .select((
            indicators::plan_id,
            indicators::code,
            indicators::name,
            indicators::measure,
            indicators::roll_up,
        ))
        .first(conn)
        .optional()
}
