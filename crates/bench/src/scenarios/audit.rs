//! `audit`: the provincial coordinator reading the audit trail, filtered and paged.

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "audit",
    about: "GET /api/v1/audit as the coordinator: filters by entity and actor, next pages",
    step,
    replayable_sql: true,
};

const LISTING: &str = "audit";

/// One page of the audit trail.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let path = match worker.cursors.remove(LISTING) {
            Some(next) => next,
            None => match worker.percent() {
                0..=34 => "/api/v1/audit?limit=20".to_owned(),
                35..=59 => "/api/v1/audit?entity=unit&limit=20".to_owned(),
                60..=84 => "/api/v1/audit?entity=user&limit=20".to_owned(),
                _ => "/api/v1/audit?actor=admin&limit=50".to_owned(),
            },
        };
        let request = world
            .client
            .get(world.url(&path))
            .bearer_auth(&world.coordinator.token);
        if let Some(reply) = worker.send(request).await {
            let next = reply
                .json()
                .and_then(|page| page["next_cursor"].as_str().map(str::to_owned));
            // Coordinators look at the first two or three pages, not the whole history.
            if let Some(cursor) = next.filter(|_| !path.contains("&cursor=")) {
                worker
                    .cursors
                    .insert(LISTING, format!("{path}&cursor={cursor}"));
            }
        }
    })
}
