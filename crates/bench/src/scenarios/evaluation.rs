//! `evaluation`: the coordinator reading a plan's evaluation against its targets (suggested
//! and official assessments, counts per pillar). Uses the 2023 plan of the demo data the
//! in-process server loads (`KH-99-2023`), else the first plan the server lists.

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "evaluation",
    about: "GET /api/v1/aggregates/evaluation?plan=…&year=… as the coordinator",
    step,
    replayable_sql: true,
};

/// Where the worker keeps the plan it evaluates (`plan=…&year=…`).
const PLAN: &str = "evaluation-plan";

/// Finds the plan to evaluate, outside the measurement.
async fn find_plan(world: &World) -> Option<String> {
    let page: serde_json::Value = world
        .client
        .get(world.url("/api/v1/plans?limit=200"))
        .bearer_auth(&world.coordinator.token)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let plans = page["items"].as_array()?;
    let plan = plans
        .iter()
        .find(|p| p["code"] == "KH-99-2023")
        .or_else(|| plans.first())?;
    Some(format!("plan={}&year={}", plan["id"], plan["first_year"]))
}

/// One evaluation read.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let query = match worker.cursors.get(PLAN) {
            Some(q) => q.clone(),
            None => {
                // Without any plan the request still runs (and answers 400): the run shows it.
                let q = find_plan(world)
                    .await
                    .unwrap_or_else(|| "plan=1&year=2023".into());
                worker.cursors.insert(PLAN, q.clone());
                q
            }
        };
        let request = world
            .client
            .get(world.url(&format!("/api/v1/aggregates/evaluation?{query}")))
            .bearer_auth(&world.coordinator.token);
        worker.send(request).await;
    })
}
