//! API1:2023 Broken Object Level Authorization: every operation of the spec that names a
//! unit (`{unit}`, `{code}`) is called by every unit-bound caller on another commune that
//! has a real report. Reports and their history answer 404 (the other unit's data does not
//! exist for them), nothing else succeeds except reading the public unit catalog, the other
//! unit's figures never appear in any answer, and its report is unchanged afterwards.
//! (Reports are addressed by unit and period; catalog ids are public reads, guarded by
//! role, which `api05` covers.)

use reqwest::Method;
use serde_json::{json, Value};

use super::{arrange_plan, method, operations, read_report, report_body, report_path, spec};
use super::{OTHER, OWN, PERIOD};
use crate::support::{json, spawn_app, Role, Who};

/// A figure and a phrase only the other unit's report holds.
const SECRET_VALUE: i64 = 987_654_321;
const SECRET_NOTE: &str = "Ghi chú riêng của xã Mỹ Quí";

fn body_for(method: &str, path: &str, indicators: &[i64]) -> Option<Value> {
    match (method, path.rsplit('/').next().unwrap_or_default()) {
        ("put", "{period}") => Some(report_body(indicators, 1, "Ghi đè")),
        ("post", "submit") => Some(json!({"acknowledge_warnings": true})),
        ("post", "return" | "reopen") => Some(json!({"reason": "Thử"})),
        ("post", _) | ("patch", _) => Some(json!({})),
        _ => None,
    }
}

#[tokio::test]
async fn unit_bound_callers_cannot_reach_another_units_objects() {
    let app = spawn_app().await;
    let indicators = arrange_plan(&app);
    let other_reporter = super::user_token(&app, "myqui.reporter", OTHER, "unit_reporter").await;
    let saved = app
        .request_with(&other_reporter, Method::PUT, &report_path(OTHER, PERIOD))
        .json(&report_body(&indicators, SECRET_VALUE, SECRET_NOTE))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let before = read_report(&app, OTHER, PERIOD).await;
    assert_eq!(before["version"], 1);

    let spec = spec();
    let unit_ops: Vec<_> = operations(&spec)
        .into_iter()
        .filter(|(_, p, _)| p.contains("{unit}") || p.contains("{code}"))
        .collect();
    assert!(unit_ops.len() >= 10, "{} unit operations", unit_ops.len());
    let mut surprises = Vec::new();
    for who in [
        Who::User(Role::UnitReporter),
        Who::User(Role::UnitApprover),
        Who::CommuneClient,
    ] {
        assert_eq!(who.own_unit(), Some(OWN));
        for (m, path, _) in &unit_ops {
            let url = super::fill_path(path, OTHER, PERIOD);
            let mut request = app.request_as(who, method(m), &url).await;
            if let Some(b) = body_for(m, path, &indicators) {
                request = request.json(&b);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            if text.contains(&SECRET_VALUE.to_string()) || text.contains(SECRET_NOTE) {
                surprises.push(format!("{m} {url} as {who:?} leaks the report: {text}"));
            }
            let public_read = m == "get" && path == "/api/v1/units/{code}";
            let expected_ok = if path.contains("/reports") {
                status == 404
            } else if public_read {
                status == 200
            } else {
                (400..500).contains(&status)
            };
            if !expected_ok {
                surprises.push(format!("{m} {url} as {who:?}: {status} {text}"));
            }
        }
        // Listing with the other unit's code as a filter shows nothing of it either.
        for query in [
            format!("?unit={OTHER}"),
            format!("?period={PERIOD}"),
            String::new(),
        ] {
            let response = app
                .request_as(who, Method::GET, &format!("/api/v1/reports{query}"))
                .await
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let page = json(response).await;
            for item in page["items"].as_array().unwrap() {
                assert_eq!(item["unit"], OWN, "{who:?} listed {item}");
            }
        }
    }
    assert!(surprises.is_empty(), "{}", surprises.join("\n"));
    let after = read_report(&app, OTHER, PERIOD).await;
    assert_eq!(after, before, "the other unit's report changed");
}
