//! API4:2023 Unrestricted Resource Consumption: bodies beyond the configured limit are
//! refused (413) before they are parsed, page sizes are bounded on every paged operation of
//! the spec, and a per-client rate limit answers 429 with `Retry-After`, counted in the
//! database so that a second instance enforces the same budget. Statement time limits are
//! exercised under load in `faults.rs` (504 + `Retry-After`).

use reqwest::Method;

use super::{arrange_plan, method, operations, report_body, report_path, spec, OWN, PERIOD};
use crate::support::{assert_problem, spawn_app, spawn_app_with, Role, Who};

#[tokio::test]
async fn bodies_beyond_the_limit_are_refused_and_nothing_is_written() {
    let limit = 16 * 1024;
    let app = spawn_app_with(|s| s.body_limit_bytes = limit).await;
    let indicators = arrange_plan(&app);
    let path = report_path(OWN, PERIOD);
    let huge = "x".repeat(limit * 2);
    let response = app
        .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
        .await
        .json(&report_body(&indicators, 1, &huge))
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload_too_large").await;
    assert_eq!(super::read_report(&app, OWN, PERIOD).await["version"], 0);
    // Just under the limit is fine.
    let response = app
        .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
        .await
        .json(&report_body(&indicators, 1, "Vừa đủ"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn every_paged_operation_bounds_its_page_size() {
    let app = spawn_app().await;
    let spec = spec();
    let paged: Vec<_> = operations(&spec)
        .into_iter()
        .filter(|(m, _, op)| {
            m == "get"
                && op["parameters"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["name"] == "limit" && p["in"] == "query")
                })
        })
        .collect();
    assert!(paged.len() >= 4, "{} paged operations", paged.len());
    for (m, path, op) in &paged {
        let maximum = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .and_then(|p| p["schema"]["maximum"].as_u64())
            .unwrap_or_else(|| panic!("{path}: `limit` declares no maximum"));
        assert!(maximum <= 1000, "{path}: a page of {maximum}");
        let url = path
            .replace("{plan_id}", "1")
            .replace("{indicator_id}", "1");
        // Other required query parameters (an aggregate's `period`) take the spec's example.
        let required: String = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true && p["name"] != "limit")
            .map(|p| {
                let example = p["example"]
                    .as_str()
                    .or_else(|| p["schema"]["example"].as_str())
                    .unwrap_or_else(|| panic!("{path}: {} has no example", p["name"]));
                format!("&{}={example}", p["name"].as_str().unwrap())
            })
            .collect();
        for (limit, ok) in [
            (maximum, true),
            (maximum + 1, false),
            (1_000_000_000, false),
        ] {
            let response = app
                .request_as(
                    Who::User(Role::Admin),
                    method(m),
                    &format!("{url}?limit={limit}{required}"),
                )
                .await
                .send()
                .await
                .unwrap();
            if ok {
                assert_eq!(response.status(), 200, "{path}?limit={limit}");
            } else {
                let problem = assert_problem(response, 400, "invalid_query").await;
                assert_eq!(problem["errors"][0]["parameter"], "limit", "{path}");
            }
        }
    }
}

/// Runs `requests` GETs of the caller's identity; the statuses.
async fn burst(app: &crate::support::TestApp, base: &str, token: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        let response = app
            .client
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_across_instances() {
    const LIMIT: u32 = 6;
    const WINDOW: u64 = 3600;
    let app = spawn_app_with(|s| {
        s.rate_limit_requests = LIMIT;
        s.rate_limit_window_secs = WINDOW;
    })
    .await;
    let sibling = app
        .spawn_sibling(|s| {
            s.rate_limit_requests = LIMIT;
            s.rate_limit_window_secs = WINDOW;
        })
        .await;
    let window = || chrono::Utc::now().timestamp() / i64::try_from(WINDOW).unwrap();
    // A window may roll over mid-test once an hour; then the whole check runs again.
    for attempt in 0..2 {
        let started = window();
        let viewer = app.token_for(Role::Viewer).await;
        let coordinator = app.token_for(Role::Coordinator).await;
        let mut statuses = burst(&app, &app.address, &viewer, 3).await;
        statuses.extend(burst(&app, &sibling, &viewer, 3).await);
        let over = app
            .request_with(&viewer, Method::GET, "/api/v1/units?limit=1")
            .send()
            .await
            .unwrap();
        let retry_after: u64 = over
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let over_status = over.status().as_u16();
        let text = over.text().await.unwrap();
        let on_sibling = burst(&app, &sibling, &viewer, 1).await;
        let other_caller = burst(&app, &sibling, &coordinator, 1).await;
        if window() != started && attempt == 0 {
            continue;
        }
        assert_eq!(statuses, vec![200; 6]);
        assert_eq!(over_status, 429, "{text}");
        assert!(text.contains("\"rate_limited\""), "{text}");
        assert!(
            (1..=WINDOW).contains(&retry_after),
            "Retry-After {retry_after}"
        );
        assert_eq!(on_sibling, vec![429], "the sibling shares the counter");
        assert_eq!(other_caller, vec![200], "another client has its own budget");
        return;
    }
    panic!("two window roll-overs in one test");
}

#[tokio::test]
async fn the_rate_limit_is_off_by_default() {
    let app = spawn_app().await;
    let viewer = app.token_for(Role::Viewer).await;
    let statuses = burst(&app, &app.address, &viewer, 40).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let settings = dtihub::Settings::for_tests("unused");
    assert_eq!(settings.rate_limit_requests, 0);
    assert!(
        settings.statement_timeout_ms > 0,
        "statements have a time limit"
    );
}
