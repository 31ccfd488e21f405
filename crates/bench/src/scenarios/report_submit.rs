//! `report-submit`: the commune's approver submits the report its clerk just saved (validation
//! of every item, the frozen version, lateness) — the measured request is the `POST …/submit`.
//! Around it, unmeasured: the save before, and the coordinator returning the report after, so
//! that the next submit finds it editable again (each submit stores a new version, as in life).

use serde_json::json;

use super::report_save::report_path;
use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "report-submit",
    about: "POST …/submit of a whole monthly report (saved before and returned after, unmeasured)",
    step,
    replayable_sql: false,
};

/// The period the submits go to.
pub const PERIOD: &str = "2026-12";

/// Save (unmeasured), submit (measured), return (unmeasured).
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let (commune, token) = worker.commune_and_token(world);
        let path = report_path(&commune, PERIOD);
        let body = crate::report_data::body(&world.reports, &commune, &mut worker.rng);
        let saved = world
            .client
            .put(world.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        match saved {
            Ok(r) if r.status().is_success() => {}
            // The unmeasured save failed: counted as an error of its own kind, no latency.
            Ok(r) => {
                *worker
                    .stats
                    .errors
                    .entry(format!("save {}", r.status().as_u16()))
                    .or_default() += 1;
                return;
            }
            Err(_) => {
                *worker.stats.errors.entry("save io".into()).or_default() += 1;
                return;
            }
        }
        let submit = world
            .client
            .post(world.url(&format!("{path}/submit")))
            .bearer_auth(&token)
            .json(&json!({"acknowledge_warnings": true}));
        let submitted = worker.send(submit).await;
        if submitted.is_some_and(|r| r.status.is_success()) {
            let _ = world
                .client
                .post(world.url(&format!("{path}/return")))
                .bearer_auth(&world.coordinator.token)
                .json(&json!({"reason": "Trả lại để nộp lại (thử tải)"}))
                .send()
                .await;
        }
    })
}
