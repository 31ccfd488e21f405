//! The `COPY` anchor of the import scenarios: the rate at which PostgreSQL alone takes the
//! very rows an import sends, by `COPY … FROM STDIN` into a scratch table of the same shape
//! as `report_indicator_values`.
//!
//! The scratch table is `CREATE TABLE bench_copy_indicator_values (LIKE
//! report_indicator_values INCLUDING ALL)` in the bench's own database: the same columns,
//! defaults, primary key and indexes, logged like the real table, but without the foreign
//! keys (its report ids are made up). Each `COPY` is its own transaction, as each import is.
//! What the import does on top — parsing and checking every row, reading the reports and the
//! catalog, replacing the reports' items, versions and the audit entries — is what the ratio
//! `import rows/s ÷ COPY rows/s` prices.

use std::io::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::pg::CopyFormat;
use diesel::{Connection, ExecuteCopyFromDsl, PgConnection, RunQueryDsl};
use serde::Serialize;

use crate::scenarios::import_csv::ValueRow;

diesel::table! {
    /// The scratch table the anchor copies into (same shape as `report_indicator_values`).
    bench_copy_indicator_values (report_id, position) {
        report_id -> BigInt,
        position -> Integer,
        indicator_id -> BigInt,
        value -> Nullable<Double>,
        numerator -> Nullable<Double>,
        denominator -> Nullable<Double>,
        value_text -> Nullable<Text>,
        note -> Nullable<Text>,
        evidence_number -> Nullable<Text>,
        evidence_date -> Nullable<Date>,
        official_assessment -> Nullable<Text>,
    }
}

const CREATE: &str = "CREATE TABLE bench_copy_indicator_values \
     (LIKE report_indicator_values INCLUDING ALL)";
const DROP: &str = "DROP TABLE IF EXISTS bench_copy_indicator_values";

/// What the anchor measured.
#[derive(Debug, Clone, Serialize)]
pub struct CopyResult {
    /// Rows copied.
    pub rows: u64,
    /// `COPY` statements (transactions) run.
    pub statements: u64,
    /// Connections copying at once.
    pub concurrency: usize,
    /// Wall-clock seconds from the first `COPY` to the end of the last.
    pub elapsed_s: f64,
    /// `rows / elapsed_s`.
    pub rows_per_s: f64,
    /// Import rows/s ÷ COPY rows/s.
    pub import_ratio: f64,
}

impl CopyResult {
    /// The printed line, under the import's.
    pub fn line(&self) -> String {
        format!(
            "{:<14} {:>9} {:>10.1}  rows/s by {} COPY FROM STDIN in {:.2} s over {} connection(s) \
             → import/COPY: {:.3}× the rate ({:.0} rows/s ÷ {:.0})",
            "  COPY",
            self.rows,
            self.rows_per_s,
            self.statements,
            self.elapsed_s,
            self.concurrency,
            self.import_ratio,
            self.import_ratio * self.rows_per_s,
            self.rows_per_s,
        )
    }

    fn new(
        rows: u64,
        statements: u64,
        concurrency: usize,
        elapsed: Duration,
        import_rows_per_s: f64,
    ) -> Self {
        let elapsed_s = elapsed.as_secs_f64();
        let rows_per_s = rows as f64 / elapsed_s;
        Self {
            rows,
            statements,
            concurrency,
            elapsed_s,
            rows_per_s,
            import_ratio: if rows_per_s > 0.0 {
                import_rows_per_s / rows_per_s
            } else {
                f64::NAN
            },
        }
    }
}

/// Appends `row` as a line of `COPY … (FORMAT csv)` (empty = NULL), under `report_id`.
pub fn push_copy_line(out: &mut Vec<u8>, report_id: i64, row: &ValueRow<'_>) {
    let _ = match row.fraction {
        Some((n, d)) => writeln!(
            out,
            "{report_id},{},{},{},{n},{d},,,,,",
            row.position, row.indicator_id, row.value
        ),
        None => writeln!(
            out,
            "{report_id},{},{},{},,,,,,,",
            row.position, row.indicator_id, row.value
        ),
    };
}

/// Runs one `COPY bench_copy_indicator_values FROM STDIN (FORMAT csv)` of `data`.
fn copy(conn: &mut PgConnection, data: &[u8]) -> anyhow::Result<usize> {
    let n = diesel::copy_from(bench_copy_indicator_values::table)
        .from_raw_data(bench_copy_indicator_values::table, |w| {
            w.write_all(data)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
        })
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    Ok(n)
}

fn connect(url: &str) -> anyhow::Result<PgConnection> {
    PgConnection::establish(url).context("connecting to PostgreSQL for the COPY anchor")
}

/// The scratch table, created fresh; dropped when this is dropped.
struct Scratch {
    url: String,
}

impl Scratch {
    fn create(url: &str) -> anyhow::Result<Self> {
        let mut conn = connect(url)?;
        diesel::sql_query(DROP).execute(&mut conn)?;
        diesel::sql_query(CREATE)
            .execute(&mut conn)
            .context("creating the COPY anchor's scratch table")?;
        Ok(Self {
            url: url.to_owned(),
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut conn) = connect(&self.url) {
            let _ = diesel::sql_query(DROP).execute(&mut conn);
        }
    }
}

/// One `COPY` of all `rows` (the million-row import's anchor): report ids are given per
/// unit and period, as the import creates one report per unit and period.
pub fn once<'a>(
    url: &str,
    rows: impl Iterator<Item = ValueRow<'a>>,
    periods: usize,
    import_rows_per_s: f64,
) -> anyhow::Result<CopyResult> {
    let _scratch = Scratch::create(url)?;
    let mut data = Vec::new();
    let mut count = 0_u64;
    for row in rows {
        let report_id = (row.unit * periods + row.period) as i64 + 1;
        push_copy_line(&mut data, report_id, &row);
        count += 1;
    }
    let mut conn = connect(url)?;
    let started = Instant::now();
    let copied = copy(&mut conn, &data).context("COPY")?;
    let elapsed = started.elapsed();
    anyhow::ensure!(copied as u64 == count, "COPY took {copied} rows of {count}");
    Ok(CopyResult::new(count, 1, 1, elapsed, import_rows_per_s))
}

/// The scenario's anchor: `concurrency` connections each `COPY` one file's rows after the
/// other for `duration` (each file's reports get fresh ids), as the scenario's workers import
/// one file after the other. `file(i)` gives worker `i`'s rows and the periods they span.
pub fn steady<'a, F, I>(
    url: &str,
    concurrency: usize,
    duration: Duration,
    file: F,
    import_rows_per_s: f64,
) -> anyhow::Result<CopyResult>
where
    F: Fn(usize) -> (I, usize) + Sync,
    I: Iterator<Item = ValueRow<'a>>,
{
    let _scratch = Scratch::create(url)?;
    let next_id = AtomicI64::new(1);
    let started = Instant::now();
    let deadline = started + duration;
    let totals = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..concurrency)
            .map(|worker| {
                let (file, next_id) = (&file, &next_id);
                scope.spawn(move || -> anyhow::Result<(u64, u64)> {
                    let mut conn = connect(url)?;
                    let (mut rows, mut statements) = (0_u64, 0_u64);
                    let mut data = Vec::new();
                    while Instant::now() < deadline {
                        let (rows_of_file, periods) = file(worker);
                        let base = next_id.fetch_add(periods as i64, Ordering::Relaxed);
                        data.clear();
                        let mut count = 0;
                        for row in rows_of_file {
                            push_copy_line(&mut data, base + row.period as i64, &row);
                            count += 1;
                        }
                        copy(&mut conn, &data).context("COPY")?;
                        rows += count;
                        statements += 1;
                    }
                    Ok((rows, statements))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a COPY thread panicked")))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let elapsed = started.elapsed();
    let rows = totals.iter().map(|t| t.0).sum();
    let statements = totals.iter().map(|t| t.1).sum();
    Ok(CopyResult::new(
        rows,
        statements,
        concurrency,
        elapsed,
        import_rows_per_s,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_have_every_column_and_nulls_as_empty_fields() {
        let count = ValueRow {
            unit: 0,
            period: 0,
            position: 3,
            indicator_id: 42,
            value: 1003.0,
            fraction: None,
            unit_code: "XA",
            period_text: "2025-07",
        };
        let percent = ValueRow {
            fraction: Some((101, 200)),
            value: 50.5,
            ..count
        };
        let mut out = Vec::new();
        push_copy_line(&mut out, 7, &count);
        push_copy_line(&mut out, 8, &percent);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["7,3,42,1003,,,,,,,", "8,3,42,50.5,101,200,,,,,"]);
        // 11 columns, as report_indicator_values.
        assert!(lines.iter().all(|l| l.split(',').count() == 11));
    }
}
