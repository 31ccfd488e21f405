//! `compliance`: the coordinator reading who reported for a period (every expected unit, its
//! status and timeliness, with totals counted by the database).

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "compliance",
    about: "GET /api/v1/aggregates/compliance as the coordinator: a recent month, communes or all",
    step,
    replayable_sql: true,
};

const PERIODS: [&str; 4] = ["2025-07", "2025-08", "2025-09", "2025-10"];

/// One compliance read.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let choice = worker.percent();
        let period = PERIODS[usize::try_from(choice).unwrap_or(0) % PERIODS.len()];
        let kind = if choice < 70 {
            "&unit_kind=commune"
        } else {
            ""
        };
        let path = format!("/api/v1/aggregates/compliance?period={period}{kind}");
        let request = world
            .client
            .get(world.url(&path))
            .bearer_auth(&world.coordinator.token);
        worker.send(request).await;
    })
}
