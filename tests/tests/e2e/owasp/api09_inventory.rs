//! API9:2023 Improper Inventory Management: the routes served and the paths of the spec are
//! the same set, both ways. Every documented operation reaches a handler (never the
//! router's `route_not_found`); every undocumented method on a documented path is 405 with
//! an `Allow` listing exactly the documented methods; old, future or unversioned variants of
//! documented paths do not exist. The only routes outside the spec are the spec itself and
//! its Swagger UI, named here.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::json;

use super::{method, operations, spec};
use crate::support::{json, spawn_app, Role, Who};

fn concrete(path: &str) -> String {
    super::fill_path(path, "XA-TRAM-CHIM", "2025-09")
}

#[tokio::test]
async fn routes_and_spec_paths_are_the_same_set() {
    let app = spawn_app().await;
    let spec = spec();
    let ops = operations(&spec);
    let paths: BTreeSet<&str> = ops.iter().map(|(_, p, _)| p.as_str()).collect();
    let admin = Who::User(Role::Admin);
    let mut problems = Vec::new();
    // Spec → routes.
    for (m, path, _) in &ops {
        let url = concrete(path);
        let response = app
            .request_as(admin, method(m), &url)
            .await
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        if text.contains("\"route_not_found\"") || status == 405 {
            problems.push(format!("{m} {path} is documented but not routed: {status}"));
        }
    }
    // Routes → spec: other methods on documented paths.
    for path in &paths {
        let documented: BTreeSet<String> = ops
            .iter()
            .filter(|(_, p, _)| p == path)
            .map(|(m, _, _)| m.to_uppercase())
            .collect();
        for m in ["GET", "PUT", "POST", "DELETE", "PATCH"] {
            if documented.contains(m) {
                continue;
            }
            let response = app
                .request_as(
                    admin,
                    Method::from_bytes(m.as_bytes()).unwrap(),
                    &concrete(path),
                )
                .await
                .send()
                .await
                .unwrap();
            let allow: BTreeSet<String> = response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if response.status() != 405 || allow != documented {
                problems.push(format!(
                    "{m} {path}: {} with Allow {allow:?}, documented {documented:?}",
                    response.status()
                ));
            }
        }
    }
    // Shadow versions and unversioned copies of documented API paths do not exist.
    for path in paths.iter().filter(|p| p.starts_with("/api/v1/")) {
        let rest = &concrete(path)["/api/v1".len()..];
        for shadow in [
            format!("/api/v2{rest}"),
            format!("/api/v0{rest}"),
            format!("/api{rest}"),
            format!("/v1{rest}"),
            format!("/api/v1{rest}/"),
            format!("/API/V1{rest}"),
        ] {
            let response = app
                .request_as(admin, Method::GET, &shadow)
                .await
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            if status != 404 {
                problems.push(format!("GET {shadow}: {status}, expected 404"));
            }
        }
    }
    for extra in [
        "/admin",
        "/debug",
        "/actuator",
        "/api/v1/internal",
        "/.env",
        "/metrics.json",
    ] {
        let response = app
            .request_as(admin, Method::GET, extra)
            .await
            .send()
            .await
            .unwrap();
        if response.status() != 404 {
            problems.push(format!("GET {extra}: {}", response.status()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The named exceptions: the spec as served equals the committed one, and the UI.
    let served = json(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(served, spec);
    assert_eq!(app.get("/docs/").await.status(), 200);
}
