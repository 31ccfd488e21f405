//! `report-save`: a commune clerk saves the whole monthly report (100 indicator values, 10
//! tasks, 5 projects, 10 budget lines) as a draft — one `PUT`, one transaction.

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "report-save",
    about: "PUT a whole monthly report (100 values, 10 tasks, 5 projects, 10 budget lines) of the worker's commune",
    step,
    replayable_sql: false,
};

/// The period the saves go to (report-submit uses another, so the two never collide).
pub const PERIOD: &str = "2026-10";

/// The path of a commune's report.
pub fn report_path(commune: &str, period: &str) -> String {
    format!("/api/v1/units/{commune}/reports/{period}")
}

/// One save of the worker's commune's report, with fresh values.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let (commune, token) = worker.commune_and_token(world);
        let body = crate::report_data::body(&world.reports, &commune, &mut worker.rng);
        let request = world
            .client
            .put(world.url(&report_path(&commune, PERIOD)))
            .bearer_auth(&token)
            .json(&body);
        worker.send(request).await;
    })
}
