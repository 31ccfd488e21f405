//! `dti-scores`: leaders and units reading the DTI ranking of a year — the scores of every
//! commune (80%) and one commune's explanation criterion by criterion (20%).
//!
//! The first step of the run prepares, once, a framework for the bench year and a
//! self-assessment of every bench commune (every other one verified by the coordinator), as
//! the units and the focal point would through the API; that time is not measured (each
//! request is timed by [`Worker::send`] only).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "dti-scores",
    about: "DTI: GET /api/v1/dti/scores of a year (80%), GET /api/v1/dti/scores/{unit} (20%)",
    step,
    replayable_sql: true,
};

/// A year no real data uses, so that bench runs against a demo server do not mix with it.
const YEAR: i32 = 2099;

static PREPARED: OnceCell<()> = OnceCell::const_new();

/// One read.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        PREPARED.get_or_init(|| prepare(world)).await;
        let request = if worker.percent() < 80 {
            let path = format!("/api/v1/dti/scores?period={YEAR}&unit_kind=commune");
            world
                .client
                .get(world.url(&path))
                .bearer_auth(&world.coordinator.token)
        } else {
            let own = worker.id % world.communes.len();
            let path = format!("/api/v1/dti/scores/{}?period={YEAR}", world.communes[own]);
            world
                .client
                .get(world.url(&path))
                .bearer_auth(&world.reporters[own].token)
        };
        worker.send(request).await;
    })
}

fn framework() -> Value {
    let criterion = |code: &str, points: u32, rule: Value| {
        json!({"code": code, "name": format!("Tiêu chí {code}"), "max_points": points,
               "rule": rule, "evidence_required": false})
    };
    json!({
        "title": "Bộ chỉ số thử tải",
        "max_points": 1000,
        "pillars": [
            {"code": "nhan_thuc_so", "name": "Nhận thức số", "max_points": 60, "criteria": [
                criterion("NT-1", 30, json!({"kind": "levels", "full": "Đủ", "half": "Một phần"})),
                criterion("NT-2", 30, json!({"kind": "boolean", "condition": "Có"}))]},
            {"code": "ha_tang_so", "name": "Hạ tầng số", "max_points": 200, "criteria": [
                criterion("HT-1", 100, json!({"kind": "linear_to_target", "target": 85})),
                criterion("HT-2", 100, json!({"kind": "ratio"}))]},
            {"code": "chinh_quyen_so", "name": "Chính quyền số", "max_points": 540, "criteria": [
                criterion("CQ-1", 200, json!({"kind": "ratio"})),
                criterion("CQ-2", 200, json!({"kind": "linear_to_target", "target": 80})),
                criterion("CQ-3", 140, json!({"kind": "report_fact", "fact": "on_time_reports",
                                               "expected_reports": 12}))]},
            {"code": "xa_hoi_so", "name": "Xã hội số", "max_points": 200, "criteria": [
                criterion("XH-1", 100, json!({"kind": "linear_to_target", "target": 50})),
                criterion("XH-2", 100, json!({"kind": "boolean", "condition": "Có"}))]}
        ]
    })
}

fn answers(i: usize) -> Value {
    let x = f64::from(u32::try_from(i % 37).unwrap_or(0)) / 36.0;
    json!({"answers": [
        {"criterion": "NT-1", "level": if x > 0.6 { "full" } else if x > 0.3 { "half" } else { "zero" }},
        {"criterion": "NT-2", "met": x > 0.4},
        {"criterion": "HT-1", "value": (85.0 * x * 10.0).round() / 10.0},
        {"criterion": "HT-2", "numerator": (20.0 * x).round(), "denominator": 20},
        {"criterion": "CQ-1", "numerator": (150.0 * x).round(), "denominator": 150},
        {"criterion": "CQ-2", "value": (90.0 * x).round()},
        {"criterion": "XH-1", "value": (60.0 * x).round()},
        {"criterion": "XH-2", "met": i % 3 != 0}
    ]})
}

async fn put(world: &World, token: &str, path: &str, body: &Value) -> Option<StatusCode> {
    for _ in 0..4 {
        let response = world
            .client
            .put(world.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .ok()?;
        if response.status() != StatusCode::SERVICE_UNAVAILABLE {
            return Some(response.status());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// The framework (created, or already there from an earlier run) and every commune's
/// self-assessment, every other one verified. Failures are reported, not fatal: the reads
/// then measure what there is.
async fn prepare(world: &World) {
    let coordinator = &world.coordinator.token;
    let status = put(
        world,
        coordinator,
        &format!("/api/v1/dti/frameworks/{YEAR}/commune"),
        &framework(),
    )
    .await;
    if !matches!(
        status,
        Some(StatusCode::OK | StatusCode::CREATED | StatusCode::CONFLICT)
    ) {
        eprintln!("dti-scores: the framework answered {status:?}");
    }
    for (i, (unit, reporter)) in world.communes.iter().zip(&world.reporters).enumerate() {
        let path = format!("/api/v1/units/{unit}/dti/{YEAR}/self-assessment");
        let status = put(world, &reporter.token, &path, &answers(i)).await;
        if status != Some(StatusCode::OK) {
            eprintln!("dti-scores: self-assessment of {unit} answered {status:?}");
            continue;
        }
        if i % 2 == 0 {
            let path = format!("/api/v1/units/{unit}/dti/{YEAR}/verification");
            let body = json!({"criteria": [{"criterion": "CQ-1", "points": 50,
                                            "reason": "Đối chiếu số liệu thử tải"}]});
            let status = put(world, coordinator, &path, &body).await;
            if status != Some(StatusCode::OK) {
                eprintln!("dti-scores: verification of {unit} answered {status:?}");
            }
        }
    }
}
