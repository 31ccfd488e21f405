//! The OWASP API Security Top 10 (2023), one module per risk, each driven where it can be
//! from the published OpenAPI spec so that a new operation is covered the day it is added.
//!
//! Some risks are also covered elsewhere and not repeated here: token forgeries and login
//! throttling in `jwt.rs` and `auth.rs`, the full role × operation × unit matrix in
//! `access.rs`, database statement time limits in `faults.rs`.

mod api01_object_level;
mod api02_authentication;
mod api03_property_level;
mod api04_resource_consumption;
mod api05_function_level;
mod api06_business_flows;
mod api07_ssrf;
mod api08_misconfiguration;
mod api09_inventory;
mod api10_unsafe_consumption;

use dtihub_domain::catalog::indicator::IndicatorInput;
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::PlanId;
use dtihub_service::catalog::items;
use dtihub_service::catalog::{plans, Indicators};
use dtihub_service::Actor;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{json, Role, TestApp, Who};

/// A spec path with its parameters filled in: `unit` for `{unit}`/`{code}`, `period` for
/// `{period}`, and a plausible value for every other parameter the spec uses.
pub fn fill_path(path: &str, unit: &str, period: &str) -> String {
    path.replace("{code}", unit)
        .replace("{unit}", unit)
        .replace("{period}", period)
        .replace("{username}", "demo-reporter")
        .replace("{client_id}", "demo-tram-chim")
        .replace("{plan_id}", "1")
        .replace("{indicator_id}", "1")
        .replace("{year}", "2025")
        .replace("{unit_kind}", "commune")
        .replace("{name}", "projects")
        .replace("{kind}", "indicator_values")
        .replace("{format}", "csv")
        .replace("{id}", "1")
}

/// The committed spec, which a drift test keeps equal to the served one.
pub const SPEC: &str = include_str!("../../../../openapi/openapi.json");

/// The caller's own commune in the demo data.
pub const OWN: &str = "XA-TRAM-CHIM";
/// Another commune.
pub const OTHER: &str = "XA-MY-QUI";
/// A period covered by the test plan only (no demo report touches it).
pub const PERIOD: &str = "2027-03";

/// The spec as JSON.
pub fn spec() -> Value {
    serde_json::from_str(SPEC).expect("spec")
}

/// Every operation of the spec: (lower-case method, path template, operation object).
pub fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// The reqwest method of a spec method.
pub fn method(m: &str) -> Method {
    Method::from_bytes(m.to_uppercase().as_bytes()).expect("method")
}

/// A plan for 2027–2028 with two count indicators reported by both communes; their ids.
pub fn arrange_plan(app: &TestApp) -> Vec<i64> {
    let actor = Actor::system("owasp-test");
    let plan = plans::create(
        &app.store,
        &actor,
        &PlanInput {
            code: "KH-OWASP".into(),
            title: "Kế hoạch thử an ninh".into(),
            kind: "multi_year".into(),
            first_year: 2027,
            last_year: 2028,
            status: "issued".into(),
            ..PlanInput::default()
        },
    )
    .expect("plan");
    (0..2)
        .map(|i| {
            items::create::<Indicators>(
                &app.store,
                &actor,
                PlanId(plan.id),
                &IndicatorInput {
                    code: format!("AN-{i}"),
                    name: format!("Chỉ tiêu an ninh {i}"),
                    pillar: "an_toan_thong_tin".into(),
                    measure: "count".into(),
                    direction: "at_least".into(),
                    reporting_units: vec![OWN.into(), OTHER.into()],
                    ..IndicatorInput::default()
                },
            )
            .expect("indicator")
            .stored
            .id
        })
        .collect()
}

/// A complete report body: every indicator at `value`, narrative set to `note`.
pub fn report_body(indicators: &[i64], value: i64, note: &str) -> Value {
    json!({
        "indicator_values": indicators.iter()
            .map(|id| json!({"indicator_id": id, "value": value}))
            .collect::<Vec<_>>(),
        "narrative": {"achievements": note, "limitations": note,
                      "difficulties": note, "proposals": note},
    })
}

/// The path of a unit's report.
pub fn report_path(unit: &str, period: &str) -> String {
    format!("/api/v1/units/{unit}/reports/{period}")
}

/// Creates a user of a unit with one role and logs it in; returns its access token.
pub async fn user_token(app: &TestApp, username: &str, unit: &str, role: &str) -> String {
    let password = "Mat-khau-an-ninh-2027";
    let response = app
        .request_as(Who::User(Role::Admin), Method::POST, "/api/v1/users")
        .await
        .json(
            &json!({"username": username, "display_name": username, "unit": unit,
                      "roles": [role], "password": password}),
        )
        .send()
        .await
        .expect("create user");
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    app.login(username, password).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// Reads a report as the coordinator: (status code, body).
pub async fn read_report(app: &TestApp, unit: &str, period: &str) -> Value {
    let response = app
        .get_as(Role::Coordinator, &report_path(unit, period))
        .await;
    assert_eq!(response.status(), 200);
    json(response).await
}
