//! The access matrix: every operation of the published OpenAPI spec, called by every kind of
//! caller (anonymous, each role, a commune-bound machine client) on its own unit and on
//! another unit, must answer exactly the expected status. A single surprise is a leak.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{json, spawn_app, Role, TestApp, Who};

const COMMITTED: &str = include_str!("../../../openapi/openapi.json");

/// Which unit a templated `{code}` names, relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The caller's own unit (or a department for callers without a unit).
    Own,
    /// Another commune.
    Other,
}

const OTHER_UNIT: &str = "XA-MY-QUI";
const TARGET_USER: &str = "target.user";

fn is_admin(who: Who) -> bool {
    who == Who::User(Role::Admin)
}

fn is_user(who: Who) -> bool {
    matches!(who, Who::User(_))
}

/// The status each caller must get. Unit reads are the public catalog: every authenticated
/// user, and clients with `catalog:read`, read every unit (own or other).
fn expected(method: &str, path: &str, who: Who, _target: Target) -> u16 {
    let admin_only = |ok: u16| if is_admin(who) { ok } else { 403 };
    let protected = path.starts_with("/api/v1/")
        && path != "/api/v1/auth/token"
        && path != "/api/v1/auth/revoke";
    if protected && who == Who::Anonymous {
        return 401;
    }
    match (method, path) {
        ("post", "/api/v1/auth/token") => 400,
        ("post", "/api/v1/auth/revoke") => 200,
        ("get", "/api/v1/me") => 200,
        ("post", "/api/v1/me/password") => {
            if is_user(who) {
                422
            } else {
                403
            }
        }
        ("get", "/api/v1/units" | "/api/v1/units/{code}") => 200,
        ("post", "/api/v1/units") => admin_only(201),
        ("patch", "/api/v1/units/{code}") => admin_only(200),
        ("post", "/api/v1/units/{code}/retire") => admin_only(200),
        ("get", "/api/v1/users" | "/api/v1/users/{username}") => admin_only(200),
        ("post", "/api/v1/users") => admin_only(201),
        ("patch", "/api/v1/users/{username}") => admin_only(200),
        ("post", "/api/v1/users/{username}/password") => admin_only(200),
        ("get", "/api/v1/clients" | "/api/v1/clients/{client_id}") => admin_only(200),
        ("post", "/api/v1/clients") => admin_only(201),
        ("patch", "/api/v1/clients/{client_id}") => admin_only(200),
        ("post", "/api/v1/clients/{client_id}/secret") => admin_only(200),
        ("get", "/api/v1/audit") => {
            if is_admin(who) || who == Who::User(Role::Coordinator) {
                200
            } else {
                403
            }
        }
        ("get", "/healthz" | "/readyz" | "/metrics" | "/.well-known/jwks.json") => 200,
        _ => panic!("no expectation for {method} {path}: add the operation to the access matrix"),
    }
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A valid body for each operation that takes one (fresh keys for creations).
fn body(method: &str, path: &str) -> Option<Value> {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    match (method, path) {
        ("post", "/api/v1/auth/token") => Some(json!({"grant_type": "password"})),
        ("post", "/api/v1/auth/revoke") => Some(json!({"token": "not-a-token"})),
        ("post", "/api/v1/me/password") => Some(
            json!({"old_password": "not the old password", "new_password": "Mot-mat-khau-moi"}),
        ),
        ("post", "/api/v1/units") => Some(json!({
            "code": format!("XA-ACCESS-{n}"), "name": "Xã thử quyền", "kind": "commune",
            "parent": "DONG-THAP", "valid_from": "2025-07-01"})),
        ("patch", "/api/v1/units/{code}") => Some(json!({"official_code": "30001"})),
        ("post", "/api/v1/units/{code}/retire") => Some(json!({"valid_to": "2099-12-31"})),
        ("post", "/api/v1/users") => Some(json!({
            "username": format!("access.user.{n}"), "display_name": "Người thử",
            "roles": ["viewer"]})),
        ("patch", "/api/v1/users/{username}") => Some(json!({"display_name": "Tên mới"})),
        ("post", "/api/v1/users/{username}/password") => Some(json!({})),
        ("post", "/api/v1/clients") => {
            Some(json!({"name": format!("Client {n}"), "scopes": ["catalog:read"]}))
        }
        ("patch", "/api/v1/clients/{client_id}") => Some(json!({"name": "Tên mới"})),
        _ => None,
    }
}

fn concrete(path: &str, who: Who, target: Target, client_id: &str) -> String {
    let unit = match target {
        Target::Own => who.own_unit().unwrap_or("SO-KHCN"),
        Target::Other => OTHER_UNIT,
    };
    path.replace("{code}", unit)
        .replace("{username}", TARGET_USER)
        .replace("{client_id}", client_id)
}

async fn arrange(app: &TestApp) -> String {
    let admin = Who::User(Role::Admin);
    let response = app
        .request_as(admin, Method::POST, "/api/v1/users")
        .await
        .json(&json!({"username": TARGET_USER, "display_name": "Đích", "roles": ["viewer"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = app
        .request_as(admin, Method::POST, "/api/v1/clients")
        .await
        .json(&json!({"name": "Đích", "scopes": ["reports:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    json(response).await["client"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_operation_for_every_caller_and_unit_answers_as_expected() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let app = spawn_app().await;
    let client_id = arrange(&app).await;
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.clone(), path.clone()));
        }
    }
    assert!(operations.len() >= 24, "{}", operations.len());
    let mut leaks = Vec::new();
    let mut calls = 0;
    for (method, path) in &operations {
        let targets: &[Target] = if path.contains("{code}") {
            &[Target::Own, Target::Other]
        } else {
            &[Target::Own]
        };
        for who in Who::ALL {
            for &target in targets {
                let want = expected(method, path, who, target);
                let url = concrete(path, who, target, &client_id);
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = app.request_as(who, m, &url).await;
                if let Some(b) = body(method, path) {
                    request = request.json(&b);
                }
                let response = request.send().await.unwrap();
                calls += 1;
                let got = response.status().as_u16();
                if got == 401 {
                    let challenge = response.headers().get("www-authenticate");
                    assert!(
                        challenge.is_some(),
                        "{method} {url}: 401 without a challenge"
                    );
                }
                let text = response.text().await.unwrap_or_default();
                if got == 403 {
                    assert!(text.contains("\"forbidden\""), "{method} {url}: {text}");
                }
                if got != want {
                    leaks.push(format!(
                        "{} {url} as {who:?} ({target:?}): expected {want}, got {got}: {}",
                        method.to_uppercase(),
                        text.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} of {calls} calls surprised:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    let covered: BTreeSet<_> = operations.iter().collect();
    assert_eq!(covered.len(), operations.len());
}

#[tokio::test]
async fn unit_scoped_callers_see_other_units_as_missing() {
    // The object-level rule the report endpoints build on, checked where it already applies:
    // a commune's principal may act on its own unit only, and is told nothing else exists.
    use dtihub_domain::access::{Principal, Scope, Subject};
    use dtihub_domain::unit::UnitCode;
    let own = UnitCode::parse("XA-TRAM-CHIM").unwrap();
    let other = UnitCode::parse(OTHER_UNIT).unwrap();
    let client = Principal {
        subject: Subject::Client("demo-tram-chim".into()),
        unit: Some(own.clone()),
        roles: vec![],
        scopes: vec![Scope::ReportsWrite],
    };
    assert!(client.can_access_unit(&own));
    assert!(!client.can_access_unit(&other));
    // And over HTTP the bound client's identity carries its unit.
    let app = spawn_app().await;
    let me = json(
        app.request_as(Who::CommuneClient, Method::GET, "/api/v1/me")
            .await
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["unit"], "XA-TRAM-CHIM");
}
