//! `mixed`: the deadline-hour mix of issue 8 — communes saving and submitting their monthly
//! reports, leaders reading the dashboards, and units uploading files.

use super::{
    compliance, dti_scores, evaluation, import_csv, report_save, report_submit, Scenario,
    StepFuture, Worker,
};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "mixed",
    about: "60% report-save/report-submit (40/20), 20% compliance/evaluation/dti-scores, 20% import-csv of one month",
    step,
    replayable_sql: false,
};

/// Months per file in the mix: one month's 100 values, a smaller file than `import-csv`'s.
pub const IMPORT_MONTHS: usize = 1;

/// One operation of another scenario, picked by weight.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    match worker.percent() {
        0..=39 => report_save::step(world, worker),
        40..=59 => report_submit::step(world, worker),
        60..=66 => compliance::step(world, worker),
        67..=73 => evaluation::step(world, worker),
        74..=79 => dti_scores::step(world, worker),
        _ => Box::pin(import_csv::import(world, worker, IMPORT_MONTHS)),
    }
}
