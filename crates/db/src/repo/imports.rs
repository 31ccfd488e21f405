//! Bulk imports: idempotency keys, import records, and the set-wise reads and writes an
//! import needs: every report of a set of periods, and the valid rows staged in temporary
//! tables (`COPY` on PostgreSQL, multi-row inserts on SQLite), classified against the stored
//! items and upserted with one `INSERT … SELECT … ON CONFLICT` per item kind.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text};

use crate::conn::DbConn;
use crate::models::{
    stage, ImportKeyRow, ImportRow, ReportRow, StageBudgetExecution, StageGroup,
    StageIndicatorValue, StageProjectProgress, StageTaskProgress,
};
use crate::schema::{
    budget_lines, catalog_unit_roles, import_keys, imports, indicators, plans, projects, reports,
    tasks, units,
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

/// Locks the given reports for the rest of the transaction and answers their (id, version).
/// On PostgreSQL `SELECT … FOR UPDATE` (in id order, so two imports cannot deadlock on each
/// other); SQLite's write transaction already excludes every other writer.
pub fn lock_reports(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let mut out = Vec::with_capacity(sorted.len());
    for chunk in sorted.chunks(CHUNK) {
        let query = reports::table
            .filter(reports::id.eq_any(chunk.to_vec()))
            .order(reports::id.asc())
            .select((reports::id, reports::version));
        out.extend(match conn {
            DbConn::Postgresql(c) => query.for_update().load::<(i64, i64)>(c)?,
            DbConn::Sqlite(c) => query.load::<(i64, i64)>(c)?,
        });
    }
    Ok(out)
}

/// One kind of item as the staging SQL needs it: its staging and target tables, the column
/// naming the catalog item, and the columns an import writes (and compares).
struct ItemTable {
    stage: &'static str,
    target: &'static str,
    key: &'static str,
    columns: &'static [&'static str],
}

const ITEM_TABLES: [ItemTable; 4] = [
    ItemTable {
        stage: "import_stage_indicator_values",
        target: "report_indicator_values",
        key: "indicator_id",
        columns: &[
            "value",
            "numerator",
            "denominator",
            "value_text",
            "note",
            "evidence_number",
            "evidence_date",
        ],
    },
    ItemTable {
        stage: "import_stage_task_progress",
        target: "report_task_progress",
        key: "task_id",
        columns: &["status", "percent_complete", "result", "obstacles"],
    },
    ItemTable {
        stage: "import_stage_project_progress",
        target: "report_project_progress",
        key: "project_id",
        columns: &[
            "disbursed_in_period_vnd",
            "cumulative_disbursed_vnd",
            "stage",
            "note",
        ],
    },
    ItemTable {
        stage: "import_stage_budget_execution",
        target: "report_budget_execution",
        key: "budget_line_id",
        columns: &["spent_in_period_vnd", "note"],
    },
];

/// `a.c1 IS DISTINCT FROM b.c1 OR …`: the null-safe "differs" of two rows' columns
/// (PostgreSQL, and SQLite since 3.39).
fn differs(a: &str, b: &str, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("{a}.{c} IS DISTINCT FROM {b}.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The stored row (`t`) a staged row (`s`) would replace: same report, same catalog item.
fn stored_join(t: &ItemTable) -> String {
    format!(
        "FROM {stage} s LEFT JOIN import_stage_groups g ON g.grp = s.grp \
         LEFT JOIN {target} t ON t.report_id = g.report_id AND t.{key} = s.{key}",
        stage = t.stage,
        target = t.target,
        key = t.key,
    )
}

/// Creates the (empty) staging tables. On PostgreSQL they are dropped at commit or rollback;
/// SQLite has no `ON COMMIT DROP`, so a leftover of an earlier import on the same connection
/// is dropped first (and [`drop_stage`] drops them at the end).
pub fn create_stage(conn: &mut DbConn) -> QueryResult<()> {
    let (prefix, suffix) = match conn {
        DbConn::Postgresql(_) => ("", " ON COMMIT DROP"),
        DbConn::Sqlite(_) => (
            "DROP TABLE IF EXISTS temp.import_stage_indicator_values; \
             DROP TABLE IF EXISTS temp.import_stage_task_progress; \
             DROP TABLE IF EXISTS temp.import_stage_project_progress; \
             DROP TABLE IF EXISTS temp.import_stage_budget_execution; \
             DROP TABLE IF EXISTS temp.import_stage_groups; ",
            "",
        ),
    };
    conn.batch_execute(&format!(
        "{prefix}\
         CREATE TEMP TABLE import_stage_indicator_values (seq BIGINT NOT NULL, grp BIGINT NOT NULL, \
           indicator_id BIGINT NOT NULL, value DOUBLE PRECISION, numerator DOUBLE PRECISION, \
           denominator DOUBLE PRECISION, value_text TEXT, note TEXT, evidence_number TEXT, \
           evidence_date DATE){suffix}; \
         CREATE TEMP TABLE import_stage_task_progress (seq BIGINT NOT NULL, grp BIGINT NOT NULL, \
           task_id BIGINT NOT NULL, status TEXT NOT NULL, percent_complete DOUBLE PRECISION, \
           result TEXT, obstacles TEXT){suffix}; \
         CREATE TEMP TABLE import_stage_project_progress (seq BIGINT NOT NULL, grp BIGINT NOT NULL, \
           project_id BIGINT NOT NULL, disbursed_in_period_vnd BIGINT, \
           cumulative_disbursed_vnd BIGINT, stage TEXT, note TEXT){suffix}; \
         CREATE TEMP TABLE import_stage_budget_execution (seq BIGINT NOT NULL, grp BIGINT NOT NULL, \
           budget_line_id BIGINT NOT NULL, spent_in_period_vnd BIGINT, note TEXT){suffix}; \
         CREATE TEMP TABLE import_stage_groups (grp BIGINT PRIMARY KEY, report_id BIGINT NOT NULL){suffix};"
    ))
}

/// Drops the staging tables (SQLite; PostgreSQL drops them at the end of the transaction).
pub fn drop_stage(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Postgresql(_) => Ok(()),
        DbConn::Sqlite(_) => conn.batch_execute(
            "DROP TABLE IF EXISTS temp.import_stage_indicator_values; \
             DROP TABLE IF EXISTS temp.import_stage_task_progress; \
             DROP TABLE IF EXISTS temp.import_stage_project_progress; \
             DROP TABLE IF EXISTS temp.import_stage_budget_execution; \
             DROP TABLE IF EXISTS temp.import_stage_groups;",
        ),
    }
}

/// An import's valid rows, ready for the staging tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StagedRows {
    /// Indicator values.
    pub indicator_values: Vec<StageIndicatorValue>,
    /// Task progress.
    pub task_progress: Vec<StageTaskProgress>,
    /// Project disbursement.
    pub project_progress: Vec<StageProjectProgress>,
    /// Budget execution.
    pub budget_execution: Vec<StageBudgetExecution>,
}

/// Rows per multi-row `INSERT` into a staging table on SQLite: 2,000 rows of at most 10
/// columns stay under its 32,766 bound parameters.
const STAGE_CHUNK: usize = 2_000;

/// Writes rows into a staging table: `COPY` on PostgreSQL, multi-row `INSERT`s on SQLite.
macro_rules! stage_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        if !$rows.is_empty() {
            match &mut *$conn {
                DbConn::Postgresql(c) => {
                    diesel::copy_from($table)
                        .from_insertable($rows)
                        .execute(c)?;
                }
                DbConn::Sqlite(c) => {
                    for chunk in $rows.chunks(STAGE_CHUNK) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
            }
        }
    };
}

/// Fills the staging tables with an import's valid rows (after [`create_stage`]).
pub fn stage(conn: &mut DbConn, rows: &StagedRows) -> QueryResult<()> {
    stage_rows!(
        conn,
        stage::import_stage_indicator_values::table,
        &rows.indicator_values
    );
    stage_rows!(
        conn,
        stage::import_stage_task_progress::table,
        &rows.task_progress
    );
    stage_rows!(
        conn,
        stage::import_stage_project_progress::table,
        &rows.project_progress
    );
    stage_rows!(
        conn,
        stage::import_stage_budget_execution::table,
        &rows.budget_execution
    );
    if let DbConn::Postgresql(_) = conn {
        // Temporary tables are never analysed automatically; without statistics the planner
        // guesses their size and may pick nested loops over a million staged rows.
        conn.batch_execute(
            "ANALYZE import_stage_indicator_values; ANALYZE import_stage_task_progress; \
             ANALYZE import_stage_project_progress; ANALYZE import_stage_budget_execution;",
        )?;
    }
    Ok(())
}

/// Names the report of staged groups (those already stored before classifying; those created
/// by the import before [`upsert_staged`]).
pub fn stage_groups(conn: &mut DbConn, groups: &[StageGroup]) -> QueryResult<()> {
    for chunk in groups.chunks(STAGE_CHUNK) {
        match &mut *conn {
            DbConn::Postgresql(c) => {
                diesel::insert_into(stage::import_stage_groups::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConn::Sqlite(c) => {
                diesel::insert_into(stage::import_stage_groups::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// What the staged rows of one group would do: how many add an item, how many change one
/// (the rest are identical to what is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct GroupCounts {
    /// The group.
    #[diesel(sql_type = BigInt)]
    pub grp: i64,
    /// Rows adding an item.
    #[diesel(sql_type = BigInt)]
    pub imported: i64,
    /// Rows changing an item.
    #[diesel(sql_type = BigInt)]
    pub updated: i64,
}

/// Classifies every staged row against the stored items, set-wise, per group (ordered by
/// group). Groups whose report does not exist yet count every row as imported.
pub fn classify(conn: &mut DbConn) -> QueryResult<Vec<GroupCounts>> {
    let parts: Vec<String> = ITEM_TABLES
        .iter()
        .map(|t| {
            format!(
                "SELECT s.grp AS grp, \
                   CASE WHEN t.report_id IS NULL THEN 1 ELSE 0 END AS imported, \
                   CASE WHEN t.report_id IS NOT NULL AND ({d}) THEN 1 ELSE 0 END AS updated \
                 {j}",
                d = differs("t", "s", t.columns),
                j = stored_join(t),
            )
        })
        .collect();
    let sql = format!(
        "SELECT grp, CAST(SUM(imported) AS BIGINT) AS imported, \
           CAST(SUM(updated) AS BIGINT) AS updated \
         FROM ({}) c GROUP BY grp ORDER BY grp",
        parts.join(" UNION ALL ")
    );
    match conn {
        DbConn::Postgresql(c) => diesel::sql_query(sql).load(c),
        DbConn::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
}

/// A staged indicator value whose value, numerator, denominator or text differs from what is
/// stored (or that is new): what the change feed reports.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct StagedValueChange {
    /// The group.
    #[diesel(sql_type = BigInt)]
    pub grp: i64,
    /// The indicator.
    #[diesel(sql_type = BigInt)]
    pub indicator_id: i64,
    /// 1 when a value was stored before.
    #[diesel(sql_type = Integer)]
    pub existed: i32,
    /// Stored value.
    #[diesel(sql_type = Nullable<Double>)]
    pub old_value: Option<f64>,
    /// Stored numerator.
    #[diesel(sql_type = Nullable<Double>)]
    pub old_numerator: Option<f64>,
    /// Stored denominator.
    #[diesel(sql_type = Nullable<Double>)]
    pub old_denominator: Option<f64>,
    /// Stored text.
    #[diesel(sql_type = Nullable<Text>)]
    pub old_text: Option<String>,
    /// Imported value.
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    /// Imported numerator.
    #[diesel(sql_type = Nullable<Double>)]
    pub numerator: Option<f64>,
    /// Imported denominator.
    #[diesel(sql_type = Nullable<Double>)]
    pub denominator: Option<f64>,
    /// Imported text.
    #[diesel(sql_type = Nullable<Text>)]
    pub value_text: Option<String>,
}

/// The staged indicator values that change a value (ordered by group and indicator); read
/// before [`upsert_staged`].
pub fn staged_value_changes(conn: &mut DbConn) -> QueryResult<Vec<StagedValueChange>> {
    let t = &ITEM_TABLES[0];
    let sql = format!(
        "SELECT s.grp AS grp, s.indicator_id AS indicator_id, \
           CASE WHEN t.report_id IS NULL THEN 0 ELSE 1 END AS existed, \
           t.value AS old_value, t.numerator AS old_numerator, \
           t.denominator AS old_denominator, t.value_text AS old_text, \
           s.value AS value, s.numerator AS numerator, s.denominator AS denominator, \
           s.value_text AS value_text \
         {j} WHERE t.report_id IS NULL OR {d} ORDER BY s.grp, s.indicator_id",
        j = stored_join(t),
        d = differs(
            "t",
            "s",
            &["value", "numerator", "denominator", "value_text"]
        ),
    );
    match conn {
        DbConn::Postgresql(c) => diesel::sql_query(sql).load(c),
        DbConn::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
}

/// Writes the staged rows into their reports (every group must be in `import_stage_groups`):
/// one `INSERT … SELECT … ON CONFLICT DO UPDATE` per item kind. A row replacing a stored item
/// takes that item's position and updates it only if a column differs; a new item goes after
/// the report's last, in upload order. Items not imported are left as they are. Returns the
/// rows written.
pub fn upsert_staged(conn: &mut DbConn) -> QueryResult<usize> {
    let mut written = 0;
    for t in &ITEM_TABLES {
        let cols = t.columns.join(", ");
        let staged: Vec<String> = t.columns.iter().map(|c| format!("s.{c}")).collect();
        let set: Vec<String> = std::iter::once(t.key)
            .chain(t.columns.iter().copied())
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        // `WHERE` in the SELECT is also what SQLite needs to parse `ON CONFLICT` after a join.
        let sql = format!(
            "INSERT INTO {target} (report_id, position, {key}, {cols}) \
             SELECT g.report_id, \
               CAST(COALESCE(t.position, COALESCE(m.top, -1) + ROW_NUMBER() OVER \
                 (PARTITION BY s.grp, t.position IS NULL ORDER BY s.seq)) AS INTEGER), \
               s.{key}, {staged} \
             FROM {stage} s JOIN import_stage_groups g ON g.grp = s.grp \
             LEFT JOIN {target} t ON t.report_id = g.report_id AND t.{key} = s.{key} \
             LEFT JOIN (SELECT report_id, MAX(position) AS top FROM {target} \
                 WHERE report_id IN (SELECT report_id FROM import_stage_groups) \
                 GROUP BY report_id) m ON m.report_id = g.report_id \
             WHERE t.report_id IS NULL OR {changed} \
             ON CONFLICT (report_id, position) DO UPDATE SET {set} \
             WHERE {guard}",
            target = t.target,
            stage = t.stage,
            key = t.key,
            staged = staged.join(", "),
            changed = format_args!("({})", differs("t", "s", t.columns)),
            set = set.join(", "),
            guard = differs(t.target, "excluded", t.columns),
        );
        written += match conn {
            DbConn::Postgresql(c) => diesel::sql_query(sql).execute(c)?,
            DbConn::Sqlite(c) => diesel::sql_query(sql).execute(c)?,
        };
    }
    Ok(written)
}
