//! The catalog the report scenarios report on, created through the API: one plan (2025–2030)
//! with 100 indicators (half percentages sent as numerator/denominator, half counts) that
//! every commune reports, 10 tasks and 10 budget lines every commune leads or implements, and
//! 5 projects per commune (one investor each) — so that each commune's monthly report is the
//! whole report of issue 5: 100 values, 10 tasks, 5 projects, 10 budget lines.

use std::collections::HashMap;

use anyhow::Context;
use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::{json, Value};

use crate::setup::post_created;

/// Indicators per report.
pub const INDICATORS: usize = 100;
/// Tasks per report.
pub const TASKS: usize = 10;
/// Projects per commune.
pub const PROJECTS_PER_COMMUNE: usize = 5;
/// Budget lines per report.
pub const BUDGET_LINES: usize = 10;

/// Ids of the report catalog.
#[derive(Debug, Clone, Default)]
pub struct ReportPlan {
    /// The plan.
    pub plan_id: i64,
    /// Indicators: id and whether it is a percentage.
    pub indicators: Vec<(i64, bool)>,
    /// Tasks every commune leads.
    pub tasks: Vec<i64>,
    /// Budget lines every commune implements.
    pub budget_lines: Vec<i64>,
    /// Each commune's own projects.
    pub projects: HashMap<String, Vec<i64>>,
}

fn id_of(created: &Value) -> anyhow::Result<i64> {
    created["id"].as_i64().context("created item without an id")
}

/// Creates the plan and its items as `token` (an admin).
pub async fn create(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    run_id: &str,
    communes: &[String],
) -> anyhow::Result<ReportPlan> {
    let upper = run_id.to_ascii_uppercase();
    let plan = post_created(
        client,
        base,
        token,
        "/api/v1/plans",
        &json!({
            "code": format!("KH-BENCH-{upper}"),
            "title": format!("Kế hoạch thử tải {upper}"),
            "kind": "multi_year",
            "first_year": 2025,
            "last_year": 2030,
            "status": "issued",
        }),
    )
    .await?;
    let plan_id = id_of(&plan)?;
    let items = |segment: &str| format!("/api/v1/plans/{plan_id}/{segment}");
    let mut out = ReportPlan {
        plan_id,
        ..ReportPlan::default()
    };
    for i in 0..INDICATORS {
        let percent = i % 2 == 0;
        let created = post_created(
            client,
            base,
            token,
            &items("indicators"),
            &json!({
                "code": format!("CT-{i:03}"),
                "name": format!("Chỉ tiêu thử tải {i}"),
                "pillar": "ha_tang_so",
                "measure": if percent { "percent" } else { "count" },
                "direction": "at_least",
                "reporting_unit_kinds": ["commune"],
            }),
        )
        .await?;
        out.indicators.push((id_of(&created)?, percent));
    }
    for i in 0..TASKS {
        let created = post_created(
            client,
            base,
            token,
            &items("tasks"),
            &json!({
                "code": format!("NV-{i:03}"),
                "content": format!("Nhiệm vụ thử tải {i}"),
                "lead": {"unit_kinds": ["commune"]},
                "timing_text": "Năm 2026",
            }),
        )
        .await?;
        out.tasks.push(id_of(&created)?);
    }
    for i in 0..BUDGET_LINES {
        let created = post_created(
            client,
            base,
            token,
            &items("budget-lines"),
            &json!({
                "code": format!("KP-{i:03}"),
                "name": format!("Kinh phí thử tải {i}"),
                "implementing": {"unit_kinds": ["commune"]},
            }),
        )
        .await?;
        out.budget_lines.push(id_of(&created)?);
    }
    for (c, commune) in communes.iter().enumerate() {
        let mut ids = Vec::with_capacity(PROJECTS_PER_COMMUNE);
        for p in 0..PROJECTS_PER_COMMUNE {
            let created = post_created(
                client,
                base,
                token,
                &items("projects"),
                &json!({
                    "code": format!("DA-{c:04}-{p}"),
                    "name": format!("Dự án thử tải {c}-{p}"),
                    "investor_unit": commune,
                    "allocations": [{"year": 2026, "allocated_vnd": 5_000_000_000_i64}],
                }),
            )
            .await?;
            ids.push(id_of(&created)?);
        }
        out.projects.insert(commune.clone(), ids);
    }
    Ok(out)
}

/// A whole, valid monthly report of `commune`, with values drawn from `rng` (within a
/// factor of 1.5 of each other, so the outlier check stays quiet).
pub fn body(plan: &ReportPlan, commune: &str, rng: &mut SmallRng) -> Value {
    let indicator_values: Vec<Value> = plan
        .indicators
        .iter()
        .map(|&(id, percent)| {
            if percent {
                let denominator = 200;
                let numerator = rng.random_range(100..=150);
                json!({"indicator_id": id, "numerator": numerator, "denominator": denominator})
            } else {
                json!({"indicator_id": id, "value": rng.random_range(40..=60)})
            }
        })
        .collect();
    let task_progress: Vec<Value> = plan
        .tasks
        .iter()
        .map(|&id| {
            json!({"task_id": id, "status": "in_progress",
                   "percent_complete": rng.random_range(40..=60),
                   "obstacles": "Thiếu nhân lực kỹ thuật"})
        })
        .collect();
    let project_progress: Vec<Value> = plan
        .projects
        .get(commune)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|&id| {
            let disbursed = rng.random_range(100..=150) * 1_000_000_i64;
            json!({"project_id": id, "disbursed_in_period": disbursed,
                   "cumulative_disbursed": disbursed * 4, "stage": "Đang triển khai"})
        })
        .collect();
    let budget_execution: Vec<Value> = plan
        .budget_lines
        .iter()
        .map(|&id| json!({"budget_line_id": id, "spent_in_period": rng.random_range(10..=15) * 1_000_000_i64}))
        .collect();
    json!({
        "indicator_values": indicator_values,
        "task_progress": task_progress,
        "project_progress": project_progress,
        "budget_execution": budget_execution,
        "narrative": {
            "achievements": "Triển khai nền tảng số đúng tiến độ.",
            "limitations": "Một số thôn chưa có cáp quang.",
            "difficulties": "Thiếu kinh phí duy trì.",
            "proposals": "Đề nghị Tỉnh hỗ trợ đào tạo."
        }
    })
}
