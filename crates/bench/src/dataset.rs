//! Synthetic data sets for the aggregate benchmarks, written straight into the real tables
//! with set-based SQL (no per-row round trips): units, one multi-year plan with its
//! indicators, yearly targets and reporting roles, monthly reports with a realistic mix of
//! statuses, deadlines and late submissions, and every report's indicator values (with
//! numerators and denominators where the measure is a ratio).
//!
//! - `national`: 4,000 units (3,700 communes, 300 departments) × 60 indicators × 60 monthly
//!   periods (2021-01 … 2025-12), about 216,000 reports and 13 million values; PostgreSQL.
//! - `province`: 120 units (100 communes, 20 departments) × 60 indicators × 24 periods
//!   (2024-01 … 2025-12), about 2,600 reports and 155,000 values; either backend.
//!
//! Everything is derived from integer arithmetic on the unit, period and indicator numbers,
//! so a data set is the same on every run and every backend, and a benchmark can compute any
//! expected figure from the same rules. Per report: 10 % of the expected reports are missing,
//! 10 % drafts, 5 % returned (once), 20 % submitted, 55 % accepted; a submitted report went in
//! between 7 days early and 3 days late (late when after the deadline, the 20th of the
//! month). Values by measure (indicator number `n`): `n % 5` 0 or 1 percent (numerator and
//! denominator, rolled up as ratio of sums), 2 count (sum), 3 money in VND (sum), 4 boolean
//! (all).

use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use serde::Serialize;

/// Which synthetic data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// Nothing beyond what the scenarios create through the API.
    None,
    /// One province: 120 units × 60 indicators × 24 months.
    Province,
    /// A whole country: 4,000 units × 60 indicators × 60 months (PostgreSQL).
    National,
}

/// The sizes of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shape {
    /// Communes.
    pub communes: u32,
    /// Departments.
    pub departments: u32,
    /// Indicators of the plan.
    pub indicators: u32,
    /// Monthly periods, ending with 2025-12.
    pub months: u32,
}

/// The last month of every data set.
const LAST_YEAR: u32 = 2025;
/// The code prefix of every synthetic unit, indicator and plan.
pub const PREFIX: &str = "SYN";

impl Dataset {
    /// Its sizes, `None` for [`Dataset::None`].
    pub fn shape(self) -> Option<Shape> {
        match self {
            Dataset::None => None,
            Dataset::Province => Some(Shape {
                communes: 100,
                departments: 20,
                indicators: 60,
                months: 24,
            }),
            Dataset::National => Some(Shape {
                communes: 3_700,
                departments: 300,
                indicators: 60,
                months: 60,
            }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Dataset::None => "none",
            Dataset::Province => "province",
            Dataset::National => "national",
        }
    }
}

impl Shape {
    /// Units of the data set.
    pub fn units(self) -> u32 {
        self.communes + self.departments
    }

    /// `(year, month)` of period number `p` (0 = the first).
    pub fn month(self, p: u32) -> (u32, u32) {
        let index = LAST_YEAR * 12 + 11 + p + 1 - self.months;
        (index / 12, index % 12 + 1)
    }

    /// The periods, oldest first (`YYYY-MM`).
    pub fn periods(self) -> Vec<String> {
        (0..self.months)
            .map(|p| {
                let (y, m) = self.month(p);
                format!("{y}-{m:02}")
            })
            .collect()
    }

    /// The code of unit number `u` (1-based; communes first).
    pub fn unit_code(self, u: u32) -> String {
        if u <= self.communes {
            format!("{PREFIX}-C{u:04}")
        } else {
            format!("{PREFIX}-D{:03}", u - self.communes)
        }
    }

    /// The status of unit `u`'s report for period `p`, `None` when it is missing: the rule
    /// the SQL applies, for benchmarks and tests to compute expectations from.
    pub fn status(u: u32, p: u32) -> Option<&'static str> {
        match hash(u, p) {
            0..=99 => None,
            100..=199 => Some("draft"),
            200..=249 => Some("returned"),
            250..=449 => Some("submitted"),
            _ => Some("accepted"),
        }
    }
}

/// The per-report number in 0..1000 all choices derive from (the SQL computes the same).
pub fn hash(u: u32, p: u32) -> u64 {
    (u64::from(u) * 7919 + u64::from(p) * 104_729 + 13) % 1000
}

/// What was generated, and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `province` or `national`.
    pub dataset: &'static str,
    /// `postgres` or `sqlite`.
    pub backend: &'static str,
    /// Its sizes.
    pub shape: Shape,
    /// The synthetic plan's id.
    pub plan_id: i64,
    /// The plan's code.
    pub plan_code: String,
    /// The periods, oldest first.
    pub periods: Vec<String>,
    /// Units, reports and indicator values written.
    pub units: i64,
    /// Reports written.
    pub reports: i64,
    /// Indicator values written.
    pub values: i64,
    /// Wall time of the whole generation.
    #[serde(with = "secs")]
    pub elapsed: Duration,
    /// Of which the indicator values (and, on PostgreSQL, rebuilding their keys).
    #[serde(with = "secs")]
    pub values_elapsed: Duration,
}

mod secs {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

impl Summary {
    /// One line for the log.
    pub fn line(&self) -> String {
        format!(
            "dataset {} on {}: {} units, {} reports, {} indicator values in {:.1} s \
             (values {:.1} s, {:.0} values/s); plan {} ({}), periods {}..{}",
            self.dataset,
            self.backend,
            self.units,
            self.reports,
            self.values,
            self.elapsed.as_secs_f64(),
            self.values_elapsed.as_secs_f64(),
            self.values as f64 / self.values_elapsed.as_secs_f64().max(1e-9),
            self.plan_id,
            self.plan_code,
            self.periods.first().map_or("", String::as_str),
            self.periods.last().map_or("", String::as_str),
        )
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The SQL that differs between the backends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    fn pad(self, expr: &str, width: u32) -> String {
        match self {
            Dialect::Postgres => format!("lpad(({expr})::text, {width}, '0')"),
            Dialect::Sqlite => format!("printf('%0{width}d', {expr})"),
        }
    }

    fn date(self, y: &str, m: &str, d: u32) -> String {
        match self {
            Dialect::Postgres => format!("make_date({y}, {m}, {d})"),
            Dialect::Sqlite => format!("printf('%04d-%02d-%02d', {y}, {m}, {d})"),
        }
    }

    /// A timestamp `days` after a date, at 09:00.
    fn at_nine(self, date: &str, days: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("(({date}) + ({days}))::timestamp + interval '9 hours'")
            }
            Dialect::Sqlite => format!("datetime({date}, ({days}) || ' days', '+9 hours')"),
        }
    }

    fn period(self, y: &str, m: &str) -> String {
        match self {
            Dialect::Postgres => format!("{y} || '-' || lpad(({m})::text, 2, '0')"),
            Dialect::Sqlite => format!("printf('%04d-%02d', {y}, {m})"),
        }
    }

    fn real(self, expr: &str) -> String {
        match self {
            Dialect::Postgres => format!("({expr})::double precision"),
            Dialect::Sqlite => format!("CAST({expr} AS REAL)"),
        }
    }
}

const CREATED: &str = "'2026-01-01 00:00:00'";

/// The statements that write the data set before the values, in order.
fn catalog_and_reports_sql(d: Dialect, dataset: Dataset, s: Shape) -> Vec<String> {
    let (c, u, k, months) = (s.communes, s.units(), s.indicators, s.months);
    let first_year = s.month(0).0;
    let plan_code = plan_code(dataset);
    let seq_max = u.max(LAST_YEAR + 1).max(k).max(months);
    let seq = match d {
        Dialect::Postgres => {
            format!("CREATE TEMP TABLE synth_seq AS SELECT generate_series(0, {seq_max}) AS n")
        }
        Dialect::Sqlite => format!(
            "CREATE TEMP TABLE synth_seq (n INTEGER PRIMARY KEY); \
             WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {seq_max}) \
             INSERT INTO synth_seq SELECT n FROM s"
        ),
    };
    let unit_code = |n: &str| {
        format!(
            "CASE WHEN {n} <= {c} THEN '{PREFIX}-C' || {} ELSE '{PREFIX}-D' || {} END",
            d.pad(n, 4),
            d.pad(&format!("{n} - {c}"), 3)
        )
    };
    let pillars = [
        "nhan_thuc_so",
        "the_che_so",
        "ha_tang_so",
        "du_lieu_so",
        "nen_tang_so",
        "nhan_luc_so",
        "an_toan_thong_tin",
        "chinh_quyen_so",
        "kinh_te_so",
        "xa_hoi_so",
    ]
    .iter()
    .enumerate()
    .map(|(i, p)| format!("WHEN {i} THEN '{p}'"))
    .collect::<Vec<_>>()
    .join(" ");
    // Period p's year and month: index = first month index + p.
    let first_index = LAST_YEAR * 12 + 12 - months;
    let y = format!("(({first_index} + p.n) / 12)");
    let m = format!("(({first_index} + p.n) % 12 + 1)");
    let h = "((u.n * 7919 + p.n * 104729 + 13) % 1000)";
    let deadline = d.date(&y, &m, 20);
    vec![
        seq,
        format!(
            "INSERT INTO units (code, name, name_folded, kind, valid_from, version, created_at, \
             updated_at) \
             SELECT {code}, \
                    CASE WHEN n <= {c} THEN 'Xã tổng hợp ' || n ELSE 'Sở tổng hợp ' || (n - {c}) END, \
                    CASE WHEN n <= {c} THEN 'xa tong hop ' || n ELSE 'so tong hop ' || (n - {c}) END, \
                    CASE WHEN n <= {c} THEN 'commune' ELSE 'department' END, \
                    '2020-01-01', 1, {CREATED}, {CREATED} \
             FROM synth_seq WHERE n BETWEEN 1 AND {u}",
            code = unit_code("n")
        ),
        format!(
            "INSERT INTO plans (code, title, title_folded, kind, first_year, last_year, status, \
             version, created_at, updated_at) VALUES ('{plan_code}', \
             'Kế hoạch tổng hợp (dữ liệu giả lập {name})', \
             'ke hoach tong hop (du lieu gia lap {name})', 'multi_year', {first_year}, {LAST_YEAR}, \
             'issued', 1, {CREATED}, {CREATED})",
            name = dataset.name()
        ),
        format!(
            "INSERT INTO indicators (plan_id, code, name, name_folded, pillar, measure, direction, \
             allows_over_100, evaluation_kind, roll_up, version, created_at, updated_at) \
             SELECT pl.id, '{PREFIX}-' || {code}, 'Chỉ tiêu tổng hợp ' || n, \
                    'chi tieu tong hop ' || n, CASE n % 10 {pillars} END, \
                    CASE n % 5 WHEN 0 THEN 'percent' WHEN 1 THEN 'percent' WHEN 2 THEN 'count' \
                               WHEN 3 THEN 'money' ELSE 'boolean' END, \
                    'at_least', 0, 'end_of_year', \
                    CASE n % 5 WHEN 0 THEN 'ratio_of_sums' WHEN 1 THEN 'ratio_of_sums' \
                               WHEN 2 THEN 'sum' WHEN 3 THEN 'sum' ELSE 'all' END, \
                    1, {CREATED}, {CREATED} \
             FROM synth_seq JOIN plans pl ON pl.code = '{plan_code}' \
             WHERE n BETWEEN 1 AND {k}",
            code = d.pad("n", 2)
        ),
        format!(
            "INSERT INTO indicator_targets (indicator_id, year, target_value, target_text) \
             SELECT i.id, y.n, \
                    CASE i.measure WHEN 'percent' THEN 80 WHEN 'count' THEN 30 \
                                   WHEN 'money' THEN 500000000 ELSE 1 END, \
                    CASE i.measure WHEN 'percent' THEN '≥ 80%' WHEN 'count' THEN '30' \
                                   WHEN 'money' THEN '500 triệu đồng' ELSE 'Có' END \
             FROM indicators i JOIN plans pl ON pl.id = i.plan_id AND pl.code = '{plan_code}' \
             JOIN synth_seq y ON y.n BETWEEN pl.first_year AND pl.last_year"
        ),
        format!(
            "INSERT INTO catalog_unit_roles (plan_id, item_kind, item_id, role, position, unit_kind) \
             SELECT i.plan_id, 'indicator', i.id, 'reporting', r.n, \
                    CASE r.n WHEN 0 THEN 'commune' ELSE 'department' END \
             FROM indicators i JOIN plans pl ON pl.id = i.plan_id AND pl.code = '{plan_code}' \
             JOIN synth_seq r ON r.n IN (0, 1)"
        ),
        format!(
            "INSERT INTO reports (unit_code, period, status, version, deadline, first_submitted_at, \
             late, returned_count, submitted_by, submitted_at, accepted_by, accepted_at, \
             last_reason, achievements, limitations, difficulties, proposals, created_at, updated_at) \
             SELECT code, period, \
                    CASE WHEN h < 200 THEN 'draft' WHEN h < 250 THEN 'returned' \
                         WHEN h < 450 THEN 'submitted' ELSE 'accepted' END, \
                    CASE WHEN h < 200 THEN 1 WHEN h < 250 THEN 3 WHEN h < 450 THEN 2 ELSE 3 END, \
                    deadline, \
                    CASE WHEN h >= 200 THEN {submitted} END, \
                    CASE WHEN h >= 200 AND h % 11 > 7 THEN 1 ELSE 0 END, \
                    CASE WHEN h >= 200 AND h < 250 THEN 1 ELSE 0 END, \
                    CASE WHEN h >= 250 THEN 'system:synthetic' END, \
                    CASE WHEN h >= 250 THEN {submitted} END, \
                    CASE WHEN h >= 450 THEN 'system:synthetic' END, \
                    CASE WHEN h >= 450 THEN {accepted} END, \
                    CASE WHEN h >= 200 AND h < 250 THEN 'Bổ sung số liệu' END, \
                    'Kết quả tháng', 'Tồn tại', 'Khó khăn', 'Đề xuất', {CREATED}, {CREATED} \
             FROM (SELECT {unit_code_u} AS code, {period} AS period, {deadline} AS deadline, \
                          {h} AS h \
                   FROM synth_seq u JOIN synth_seq p ON p.n < {months} \
                   WHERE u.n BETWEEN 1 AND {u}) x \
             WHERE h >= 100",
            unit_code_u = unit_code("u.n"),
            period = d.period(&y, &m),
            submitted = d.at_nine("deadline", "h % 11 - 7"),
            accepted = d.at_nine("deadline", "h % 11 - 7 + 2"),
        ),
    ]
}

fn plan_code(dataset: Dataset) -> String {
    format!("KH-{PREFIX}-{}", dataset.name().to_uppercase())
}

/// The statement writing every synthetic report's indicator values.
fn values_sql(d: Dialect, dataset: Dataset) -> String {
    let plan_code = plan_code(dataset);
    let percent = d.real("100.0 * num / den");
    let den = d.real("den");
    let num = d.real("num");
    let count = d.real("(r_id + k * 3) % 50");
    let money = d.real("((r_id * 13 + k * 7) % 1000) * 1000000");
    let boolean = d.real("CASE WHEN (r_id + k) % 4 = 0 THEN 0 ELSE 1 END");
    format!(
        "INSERT INTO report_indicator_values (report_id, position, indicator_id, value, numerator, \
         denominator) \
         SELECT r_id, k, i_id, \
                CASE measure WHEN 'percent' THEN {percent} WHEN 'count' THEN {count} \
                             WHEN 'money' THEN {money} ELSE {boolean} END, \
                CASE WHEN measure = 'percent' THEN {num} END, \
                CASE WHEN measure = 'percent' THEN {den} END \
         FROM (SELECT r.id AS r_id, i.k, i.id AS i_id, i.measure, \
                      50 + (r.id * 31 + i.k * 17) % 200 AS den, \
                      (50 + (r.id * 31 + i.k * 17) % 200) * (40 + (r.id * 7 + i.k * 11) % 61) / 100 \
                          AS num \
               FROM reports r \
               JOIN (SELECT ind.id, ind.measure, \
                            ROW_NUMBER() OVER (ORDER BY ind.id) - 1 AS k \
                     FROM indicators ind JOIN plans pl ON pl.id = ind.plan_id \
                     WHERE pl.code = '{plan_code}') i ON 1 = 1 \
               WHERE r.unit_code LIKE '{PREFIX}-%') v"
    )
}

/// On PostgreSQL the values' keys are dropped for the load and rebuilt after it, in the same
/// transaction: one index build and one validating join are far cheaper than 13 million
/// index insertions and foreign-key triggers.
const PG_BEFORE_VALUES: &str = "
    ALTER TABLE report_indicator_values DROP CONSTRAINT report_indicator_values_pkey;
    ALTER TABLE report_indicator_values DROP CONSTRAINT report_indicator_values_report_id_fkey;
    ALTER TABLE report_indicator_values DROP CONSTRAINT report_indicator_values_indicator_id_fkey;
    DROP INDEX report_indicator_values_indicator;";
const PG_AFTER_VALUES: &str = "
    ALTER TABLE report_indicator_values ADD PRIMARY KEY (report_id, position);
    ALTER TABLE report_indicator_values ADD CONSTRAINT report_indicator_values_report_id_fkey
        FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE;
    ALTER TABLE report_indicator_values ADD CONSTRAINT report_indicator_values_indicator_id_fkey
        FOREIGN KEY (indicator_id) REFERENCES indicators (id);
    CREATE INDEX report_indicator_values_indicator ON report_indicator_values (indicator_id);";

/// One connection to either backend.
enum Conn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl Conn {
    fn count(&mut self, sql: &str) -> anyhow::Result<i64> {
        let rows: Vec<Count> = match self {
            Conn::Pg(c) => diesel::sql_query(sql).load(c)?,
            Conn::Sqlite(c) => diesel::sql_query(sql).load(c)?,
        };
        Ok(rows.first().map_or(0, |c| c.n))
    }

    fn run(&mut self, sql: &str) -> anyhow::Result<()> {
        match self {
            Conn::Pg(c) => c.batch_execute(sql),
            Conn::Sqlite(c) => c.batch_execute(sql),
        }
        .with_context(|| sql.chars().take(400).collect::<String>())
    }
}

/// Fills the database at `url` (migrated) with a data set. Refuses a database that already
/// holds one (the codes would collide).
pub fn generate(url: &str, dataset: Dataset) -> anyhow::Result<Summary> {
    let shape = dataset
        .shape()
        .context("--dataset none generates nothing")?;
    let started = Instant::now();
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let plan = plan_code(dataset);
    let existing = format!("SELECT count(*) AS n FROM units WHERE code LIKE '{PREFIX}-%'");
    let (dialect, mut conn) = if postgres {
        let conn = PgConnection::establish(url).context("connecting to PostgreSQL")?;
        (Dialect::Postgres, Conn::Pg(conn))
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let mut conn = SqliteConnection::establish(path).context("opening the SQLite file")?;
        conn.batch_execute("PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;")?;
        (Dialect::Sqlite, Conn::Sqlite(conn))
    };
    anyhow::ensure!(
        conn.count(&existing)? == 0,
        "the database already holds a synthetic data set"
    );
    let begin = match dialect {
        Dialect::Postgres => "BEGIN; SET LOCAL synchronous_commit = off",
        Dialect::Sqlite => "BEGIN IMMEDIATE",
    };
    conn.run(begin)?;
    let mut values_elapsed = Duration::ZERO;
    let written = (|| -> anyhow::Result<()> {
        for sql in catalog_and_reports_sql(dialect, dataset, shape) {
            conn.run(&sql)?;
        }
        let t = Instant::now();
        if dialect == Dialect::Postgres {
            conn.run(PG_BEFORE_VALUES)?;
        }
        conn.run(&values_sql(dialect, dataset))?;
        if dialect == Dialect::Postgres {
            conn.run(PG_AFTER_VALUES)?;
        }
        values_elapsed = t.elapsed();
        conn.run("COMMIT")
    })();
    if let Err(e) = written {
        let _ = conn.run("ROLLBACK");
        return Err(e);
    }
    conn.run("DROP TABLE IF EXISTS synth_seq")?;
    conn.run(match dialect {
        Dialect::Postgres => {
            "ANALYZE units; ANALYZE plans; ANALYZE indicators; ANALYZE indicator_targets; \
             ANALYZE catalog_unit_roles; ANALYZE reports; ANALYZE report_indicator_values"
        }
        Dialect::Sqlite => "ANALYZE",
    })?;
    let counts = summary_counts(&mut conn, &plan)?;
    Ok(Summary {
        dataset: dataset.name(),
        backend: if postgres { "postgres" } else { "sqlite" },
        shape,
        plan_id: counts.0,
        plan_code: plan,
        periods: shape.periods(),
        units: counts.1,
        reports: counts.2,
        values: counts.3,
        elapsed: started.elapsed(),
        values_elapsed,
    })
}

fn summary_counts(conn: &mut Conn, plan: &str) -> anyhow::Result<(i64, i64, i64, i64)> {
    let like = format!("'{PREFIX}-%'");
    Ok((
        conn.count(&format!("SELECT id AS n FROM plans WHERE code = '{plan}'"))?,
        conn.count(&format!(
            "SELECT count(*) AS n FROM units WHERE code LIKE {like}"
        ))?,
        conn.count(&format!(
            "SELECT count(*) AS n FROM reports WHERE unit_code LIKE {like}"
        ))?,
        conn.count(&format!(
            "SELECT count(*) AS n FROM report_indicator_values v \
                 JOIN reports r ON r.id = v.report_id WHERE r.unit_code LIKE {like}"
        ))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_periods() {
        let n = Dataset::National.shape().unwrap();
        assert_eq!(n.units(), 4_000);
        assert_eq!(u64::from(n.units() * n.indicators * n.months), 14_400_000);
        assert_eq!(n.periods().first().unwrap(), "2021-01");
        assert_eq!(n.periods().last().unwrap(), "2025-12");
        let p = Dataset::Province.shape().unwrap();
        assert_eq!(p.periods().first().unwrap(), "2024-01");
        assert_eq!(p.unit_code(1), "SYN-C0001");
        assert_eq!(p.unit_code(101), "SYN-D001");
        assert!(Dataset::None.shape().is_none());
    }

    #[test]
    fn about_a_tenth_of_reports_are_missing() {
        let s = Dataset::National.shape().unwrap();
        let missing = (1..=s.units())
            .flat_map(|u| (0..s.months).map(move |p| (u, p)))
            .filter(|(u, p)| Shape::status(*u, *p).is_none())
            .count();
        let total = (s.units() * s.months) as usize;
        assert!(
            (total / 12..total / 8).contains(&missing),
            "{missing} of {total}"
        );
    }
}
