//! `roll-up`: the coordinator reading one indicator rolled up over the units for a month (the
//! province's value from the units' counted values, with the contributing and missing units).
//! With a synthetic data set (`--dataset`) it reads the data set's plan and its last months;
//! otherwise the bench plan's indicators for the months the compliance scenario reads.

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "roll-up",
    about: "GET /api/v1/aggregates/indicators/{id}?period=… as the coordinator: a recent month",
    step,
    replayable_sql: true,
};

const FALLBACK_PERIODS: [&str; 4] = ["2025-07", "2025-08", "2025-09", "2025-10"];

/// Where the worker keeps the indicator ids it reads (comma-separated).
const INDICATORS: &str = "roll-up-indicators";

/// The data set plan's indicator ids, listed once per worker outside the measurement.
async fn dataset_indicators(world: &World, plan: i64) -> Option<Vec<i64>> {
    let page: serde_json::Value = world
        .client
        .get(world.url(&format!("/api/v1/plans/{plan}/indicators?limit=200")))
        .bearer_auth(&world.coordinator.token)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let ids: Vec<i64> = page["items"]
        .as_array()?
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// One roll-up read.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let ids: Vec<i64> = match worker.cursors.get(INDICATORS) {
            Some(list) => list.split(',').filter_map(|s| s.parse().ok()).collect(),
            None => {
                let listed = match &world.dataset {
                    Some(d) => dataset_indicators(world, d.plan_id).await,
                    None => None,
                };
                let ids = listed.unwrap_or_else(|| {
                    world.reports.indicators.iter().map(|(id, _)| *id).collect()
                });
                let text: Vec<String> = ids.iter().map(ToString::to_string).collect();
                worker.cursors.insert(INDICATORS, text.join(","));
                ids
            }
        };
        let choice = usize::try_from(worker.percent()).unwrap_or(0);
        let id = ids.get(choice % ids.len().max(1)).copied().unwrap_or(1);
        let period = match &world.dataset {
            Some(d) if !d.periods.is_empty() => {
                let recent = &d.periods[d.periods.len().saturating_sub(4)..];
                recent[choice % recent.len()].clone()
            }
            _ => FALLBACK_PERIODS[choice % FALLBACK_PERIODS.len()].to_owned(),
        };
        let request = world
            .client
            .get(world.url(&format!(
                "/api/v1/aggregates/indicators/{id}?period={period}"
            )))
            .bearer_auth(&world.coordinator.token);
        worker.send(request).await;
    })
}
