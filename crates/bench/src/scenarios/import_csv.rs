//! `import-csv`: a commune clerk uploads the indicator values of a few months at once —
//! `POST /api/v1/imports?mode=atomic&id_scheme=id` with a `text/csv` body of the bench
//! plan's 100 indicators for [`PERIODS_PER_FILE`] months of the worker's own commune.
//!
//! Each worker cycles through [`PERIODS`] (months that are open for reporting and that no
//! other scenario writes), [`PERIODS_PER_FILE`] at a time; every pass over the cycle sends
//! new values, so that once the first pass has created the reports (during the warm-up, for
//! runs of a few seconds or more) the rows are `updated`, not `ignored`. The line shows the
//! rows imported per second (items/s) next to the requests.
//!
//! The rows are built by [`rows`], which the `COPY` anchor ([`crate::copy`]) and the
//! one-off million-row import (`--import-once`) share, so that both move the very same data.

use std::fmt::Write as _;

use super::{Scenario, StepFuture, Worker};
use crate::report_data::ReportPlan;
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "import-csv",
    about: "POST /api/v1/imports (text/csv, atomic): 100 indicator values × 3 months of the worker's commune",
    step,
    replayable_sql: false,
};

/// The months the imports cycle through: open for reporting (past), after the bench
/// communes came into force (2025-07-01), and apart from `report-save` (2026-10) and
/// `report-submit` (2026-12).
pub const PERIODS: [&str; 12] = [
    "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02",
    "2026-03", "2026-04", "2026-05", "2026-06",
];

/// Months per file of this scenario.
pub const PERIODS_PER_FILE: usize = 3;

/// The CSV header: the columns an indicator row uses.
pub const HEADER: &str = "kind,unit,period,item,value,numerator,denominator\n";

/// One indicator value to import: which unit, period and indicator, and its figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueRow<'a> {
    /// Index of the unit in the list given to [`rows`].
    pub unit: usize,
    /// Index of the period in the list given to [`rows`].
    pub period: usize,
    /// Position of the indicator in the report (0-based, the plan's order).
    pub position: usize,
    /// The indicator's id.
    pub indicator_id: i64,
    /// `value` of a count; for a percentage, 100 · numerator / denominator.
    pub value: f64,
    /// Numerator and denominator of a percentage.
    pub fraction: Option<(i64, i64)>,
    /// The unit's code.
    pub unit_code: &'a str,
    /// The period.
    pub period_text: &'a str,
}

/// The figures of indicator `position` in pass `pass`: every pass changes every value (a
/// count is `1000 + pass`, a percentage `(100 + pass mod 50) / (200 + pass)`), and they stay
/// within the checks of a report (numerator ≤ denominator).
pub fn figures(percent: bool, position: usize, pass: u64) -> (f64, Option<(i64, i64)>) {
    let pass = pass as i64;
    if percent {
        let numerator = 100 + (pass + position as i64) % 50;
        let denominator = 200 + pass;
        (
            100.0 * numerator as f64 / denominator as f64,
            Some((numerator, denominator)),
        )
    } else {
        ((1000 + pass + position as i64) as f64, None)
    }
}

/// Every indicator value of `units` × `periods` (unit by unit, then period, then indicator),
/// at most `limit` of them, with the figures of pass `pass`.
pub fn rows<'a>(
    plan: &'a ReportPlan,
    units: &'a [String],
    periods: &'a [&'a str],
    pass: u64,
    limit: usize,
) -> impl Iterator<Item = ValueRow<'a>> + 'a {
    units
        .iter()
        .enumerate()
        .flat_map(move |(u, unit_code)| {
            periods
                .iter()
                .enumerate()
                .flat_map(move |(p, period_text)| {
                    plan.indicators.iter().enumerate().map(
                        move |(position, &(indicator_id, percent))| {
                            let (value, fraction) = figures(percent, position, pass);
                            ValueRow {
                                unit: u,
                                period: p,
                                position,
                                indicator_id,
                                value,
                                fraction,
                                unit_code,
                                period_text,
                            }
                        },
                    )
                })
        })
        .take(limit)
}

/// Appends one row of the upload (`id_scheme=id`).
pub fn push_csv(out: &mut String, row: &ValueRow<'_>) {
    let _ = match row.fraction {
        Some((n, d)) => writeln!(
            out,
            "indicator_values,{},{},{},,{n},{d}",
            row.unit_code, row.period_text, row.indicator_id
        ),
        None => writeln!(
            out,
            "indicator_values,{},{},{},{},,",
            row.unit_code, row.period_text, row.indicator_id, row.value
        ),
    };
}

/// The CSV upload of `rows`, and how many rows it has.
pub fn csv<'a>(rows: impl Iterator<Item = ValueRow<'a>>) -> (String, u64) {
    let mut out = String::from(HEADER);
    let mut count = 0;
    for row in rows {
        push_csv(&mut out, &row);
        count += 1;
    }
    (out, count)
}

/// The next file of the worker: `months` consecutive months of [`PERIODS`] (wrapping), and
/// the pass over the cycle they belong to.
pub fn next_file(worker: &mut Worker, months: usize) -> (Vec<&'static str>, u64) {
    let first = worker.import_months;
    worker.import_months += months as u64;
    let cycle = PERIODS.len() as u64;
    let periods = (first..first + months as u64)
        .map(|m| PERIODS[(m % cycle) as usize])
        .collect();
    (periods, first / cycle)
}

/// Imports `months` months of the worker's commune; the measured request.
pub async fn import(world: &World, worker: &mut Worker, months: usize) {
    let (commune, token) = worker.commune_and_token(world);
    let (periods, pass) = next_file(worker, months);
    let units = [commune];
    let (body, count) = csv(rows(&world.reports, &units, &periods, pass, usize::MAX));
    let request = world
        .client
        .post(world.url("/api/v1/imports?mode=atomic&id_scheme=id"))
        .bearer_auth(&token)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(body);
    let Some(reply) = worker.send(request).await else {
        return;
    };
    if reply.status.is_success() {
        // Rows written: added or changed. Identical rows (`ignored`) would not be work of the
        // same kind; with the values changing every pass there are none once the reports exist.
        let summary = reply.json().unwrap_or_default();
        let written = ["imported", "updated"]
            .iter()
            .filter_map(|k| summary[k].as_u64())
            .sum::<u64>();
        debug_assert!(written <= count);
        worker.add_items(written);
    }
}

/// One import of [`PERIODS_PER_FILE`] months.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(import(world, worker, PERIODS_PER_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> ReportPlan {
        ReportPlan {
            indicators: vec![(11, true), (12, false)],
            ..ReportPlan::default()
        }
    }

    #[test]
    fn every_pass_changes_every_value_and_keeps_fractions_proper() {
        for position in 0..100 {
            for pass in 0..200 {
                for percent in [true, false] {
                    let (a, fa) = figures(percent, position, pass);
                    let (b, _) = figures(percent, position, pass + 1);
                    assert_ne!(a, b, "position {position} pass {pass}");
                    if let Some((n, d)) = fa {
                        assert!(0 < n && n <= d);
                        assert!((a - 100.0 * n as f64 / d as f64).abs() < 1e-9);
                    }
                }
            }
        }
    }

    #[test]
    fn the_csv_has_one_line_per_unit_period_and_indicator() {
        let plan = plan();
        let units = vec!["XA-1".to_owned(), "XA-2".to_owned()];
        let periods = ["2025-07", "2025-08", "2025-09"];
        let (text, count) = csv(rows(&plan, &units, &periods, 0, usize::MAX));
        assert_eq!(count, 2 * 3 * 2);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() as u64, count + 1);
        assert_eq!(lines[0], HEADER.trim_end());
        let (v, f) = figures(true, 0, 0);
        let (n, d) = f.unwrap();
        assert!(v > 0.0);
        assert_eq!(
            lines[1],
            format!("indicator_values,XA-1,2025-07,11,,{n},{d}")
        );
        let (v, _) = figures(false, 1, 0);
        assert_eq!(lines[2], format!("indicator_values,XA-1,2025-07,12,{v},,"));
        assert!(lines[12].starts_with("indicator_values,XA-2,2025-09,12,"));
        let (_, limited) = csv(rows(&plan, &units, &periods, 0, 5));
        assert_eq!(limited, 5);
    }

    #[test]
    fn files_walk_the_cycle_and_the_pass_changes_after_it() {
        let mut worker = Worker::new(0);
        let mut seen = Vec::new();
        for _ in 0..PERIODS.len() / PERIODS_PER_FILE {
            let (periods, pass) = next_file(&mut worker, PERIODS_PER_FILE);
            assert_eq!(pass, 0);
            seen.extend(periods);
        }
        assert_eq!(seen, PERIODS.to_vec());
        let (periods, pass) = next_file(&mut worker, PERIODS_PER_FILE);
        assert_eq!(pass, 1);
        assert_eq!(periods, PERIODS[..PERIODS_PER_FILE].to_vec());
    }
}
