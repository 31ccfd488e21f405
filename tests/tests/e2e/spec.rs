//! The contract: the committed `openapi/openapi.json` is exactly what the router generates and
//! what the server serves.

use serde_json::Value;

use crate::support::{json, spawn_app};

const COMMITTED: &str = include_str!("../../../openapi/openapi.json");

#[tokio::test]
async fn committed_spec_matches_generated_and_served() {
    let committed: Value = serde_json::from_str(COMMITTED).expect("committed spec is JSON");
    let generated: Value =
        serde_json::to_value(dtihub_api::routes::openapi()).expect("generated spec");
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -p dtihub -- openapi > openapi/openapi.json`"
    );
    let app = spawn_app().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await, committed);
}

#[test]
fn every_error_response_uses_the_problem_schema() {
    let spec: Value = serde_json::from_str(COMMITTED).expect("spec");
    let paths = spec["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            for (status, response) in responses {
                let Ok(code) = status.parse::<u16>() else {
                    continue;
                };
                if code < 400 {
                    continue;
                }
                let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/Problem",
                    "{method} {path} {status} must reference the Problem schema"
                );
            }
        }
    }
}
