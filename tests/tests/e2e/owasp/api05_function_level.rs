//! API5:2023 Broken Function Level Authorization. The full role × operation × unit matrix
//! is `access.rs`; here two invariants are derived from the spec alone, so they hold for
//! operations the matrix does not know yet: the read-only viewer and anonymous callers
//! change nothing anywhere, and a machine client bound to a commune never reaches an
//! administrative operation.

use serde_json::json;

use super::{method, operations, spec};
use crate::support::{spawn_app, Role, Who};

/// Operations open to anyone, or to any user for themselves.
fn self_service(m: &str, path: &str) -> bool {
    matches!(
        (m, path),
        ("post", "/api/v1/auth/token" | "/api/v1/auth/revoke") | ("post", "/api/v1/me/password")
    )
}

fn concrete(path: &str) -> String {
    super::fill_path(path, "XA-TRAM-CHIM", "2025-09")
}

#[tokio::test]
async fn viewers_and_anonymous_callers_change_nothing() {
    let app = spawn_app().await;
    let spec = spec();
    app.token_of(Who::User(Role::Viewer)).await;
    let audit_before = app.audit_text();
    let mut surprises = Vec::new();
    let mut writes = 0;
    for (m, path, _) in operations(&spec) {
        if m == "get" || self_service(&m, &path) {
            continue;
        }
        writes += 1;
        let url = concrete(&path);
        for (who, want) in [(Who::Anonymous, 401), (Who::User(Role::Viewer), 403)] {
            let response = app
                .request_as(who, method(&m), &url)
                .await
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let got = response.status().as_u16();
            if got != want {
                surprises.push(format!("{m} {url} as {who:?}: {got}, expected {want}"));
            }
        }
    }
    assert!(writes >= 20, "{writes} write operations");
    assert!(surprises.is_empty(), "{}", surprises.join("\n"));
    assert_eq!(
        app.audit_text(),
        audit_before,
        "a refused call was audited as a change"
    );
}

#[tokio::test]
async fn a_commune_client_never_reaches_administration() {
    let app = spawn_app().await;
    let spec = spec();
    let admin_prefixes = ["/api/v1/users", "/api/v1/clients", "/api/v1/audit"];
    let mut checked = 0;
    for (m, path, _) in operations(&spec) {
        let unit_write = path.starts_with("/api/v1/units/{code}") || path == "/api/v1/units";
        let admin = admin_prefixes.iter().any(|p| path.starts_with(p))
            || (unit_write && m != "get")
            || (path.starts_with("/api/v1/plans") && m != "get");
        if !admin {
            continue;
        }
        checked += 1;
        let response = app
            .request_as(Who::CommuneClient, method(&m), &concrete(&path))
            .await
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{m} {path}");
    }
    assert!(checked >= 20, "{checked}");
}
