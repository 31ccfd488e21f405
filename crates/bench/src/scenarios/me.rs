//! `me`: the cheapest authenticated request — token check and the caller's profile.

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "me",
    about: "GET /api/v1/me as a reporter: bearer-token check plus the caller's profile",
    step,
    replayable_sql: true,
};

/// One `GET /api/v1/me`.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let token = worker.reporter(world).token.clone();
        let request = world.client.get(world.url("/api/v1/me")).bearer_auth(token);
        worker.send(request).await;
    })
}
