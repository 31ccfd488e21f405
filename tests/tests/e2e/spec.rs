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

/// The OAuth 2.0 endpoints, whose 400 and 401 answers are RFC 6749 error documents.
const OAUTH_PATHS: [&str; 2] = ["/api/v1/auth/token", "/api/v1/auth/revoke"];

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
                if OAUTH_PATHS.contains(&path.as_str()) && (code == 400 || code == 401) {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/OAuthError",
                        "{method} {path} {status} must reference the OAuthError schema"
                    );
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

#[test]
fn every_operation_lists_its_security_and_auth_answers() {
    let spec: Value = serde_json::from_str(COMMITTED).expect("spec");
    let schemes = spec["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    for name in ["bearer", "oauth2", "client_basic"] {
        assert!(schemes.contains_key(name), "scheme {name}");
    }
    let flows = &schemes["oauth2"]["flows"];
    assert_eq!(flows["password"]["tokenUrl"], "/api/v1/auth/token");
    assert_eq!(flows["clientCredentials"]["tokenUrl"], "/api/v1/auth/token");
    let mut protected = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} lists no security"));
            let needs_bearer = security.iter().any(|r| r.get("bearer").is_some());
            let public =
                security.is_empty() || security.iter().any(|r| r == &serde_json::json!({}));
            assert!(needs_bearer != public, "{method} {path}: {security:?}");
            if needs_bearer {
                protected += 1;
                assert!(path.starts_with("/api/v1/"), "{path}");
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path} lacks 401"
                );
                // A period is computed, not stored: every caller may ask, and none is missing.
                let computed = path == "/api/v1/periods/{period}";
                let any_user = (path == "/api/v1/me" && method == "get") || computed;
                if !any_user {
                    assert!(
                        op["responses"].get("403").is_some(),
                        "{method} {path} lacks 403"
                    );
                }
                // A PUT that creates what is missing (a year's DTI framework) never answers 404.
                let upsert = path == "/api/v1/dti/frameworks/{year}/{unit_kind}" && method == "put";
                if path.contains('{') && !computed && !upsert {
                    assert!(
                        op["responses"].get("404").is_some(),
                        "{method} {path} lacks 404"
                    );
                }
            } else {
                assert!(
                    !path.starts_with("/api/v1/") || OAUTH_PATHS.contains(&path.as_str()),
                    "{method} {path} is public"
                );
            }
        }
    }
    assert!(protected >= 18, "{protected}");
}

#[test]
fn operation_ids_are_unique() {
    // Clients generate one function per operationId and schemathesis follows links by it.
    let spec: Value = serde_json::from_str(COMMITTED).expect("spec");
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let id = op["operationId"]
                .as_str()
                .expect("every operation has an id");
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {other} and {method} {path}");
            }
        }
    }
}
