//! API3:2023 Broken Object Property Level Authorization: properties the server owns (status,
//! unit, version, who submitted or accepted, timestamps, lateness, ids, password hashes,
//! secrets) cannot be set by a client, and no response carries a hash or a secret.

use reqwest::Method;
use serde_json::{json, Value};

use super::{arrange_plan, method, operations, report_body, report_path, spec, OWN, PERIOD};
use crate::support::{json, spawn_app, Role, Who, CLIENT_SECRET};

#[tokio::test]
async fn server_owned_report_properties_are_refused_and_never_stored() {
    let app = spawn_app().await;
    let indicators = arrange_plan(&app);
    let path = report_path(OWN, PERIOD);
    let injected: [(&str, Value); 12] = [
        ("status", json!("accepted")),
        ("unit", json!("XA-MY-QUI")),
        ("unit_code", json!("XA-MY-QUI")),
        ("period", json!("2020-01")),
        ("version", json!(99)),
        ("late", json!(false)),
        ("returned_count", json!(0)),
        ("submitted_by", json!("user:demo-approver")),
        ("accepted_by", json!("user:demo-coordinator")),
        ("accepted_at", json!("2027-03-01T00:00:00Z")),
        ("created_at", json!("2000-01-01T00:00:00Z")),
        ("id", json!(1)),
    ];
    for (field, value) in &injected {
        let mut body = report_body(&indicators, 3, "Thử gán thuộc tính");
        body[*field] = value.clone();
        let response = app
            .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
            .await
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 422, "{field}: {text}");
        let problem: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            problem["errors"][0]["pointer"],
            format!("/{field}"),
            "{text}"
        );
        assert_eq!(problem["errors"][0]["code"], "unknown_field", "{text}");
    }
    // Nothing was stored: the report is still the template.
    let report = super::read_report(&app, OWN, PERIOD).await;
    assert_eq!(report["status"], "not_started");
    assert_eq!(report["version"], 0);
    // The same fields nested in an item are refused too.
    let mut body = report_body(&indicators, 3, "Thử");
    body["indicator_values"][0]["official_assessment"] = json!("exceeded");
    body["indicator_values"][0]["report_id"] = json!(1);
    let response = app
        .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
        .await
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(super::read_report(&app, OWN, PERIOD).await["version"], 0);
}

#[tokio::test]
async fn account_properties_cannot_be_assigned_by_the_caller() {
    let app = spawn_app().await;
    let admin = Who::User(Role::Admin);
    // A user created with a hash, an id, a creation time or a version of the caller's
    // choosing: refused, or ignored (then the password given is the one that works, and the
    // chosen values appear nowhere).
    let password = "Mat-khau-thu-2027";
    for (field, value, trace) in [
        (
            "password_hash",
            json!("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"),
            "c2FsdA",
        ),
        ("id", json!(987_654), "987654"),
        ("created_at", json!("2000-01-01T00:00:00Z"), "2000-01-01"),
        ("updated_at", json!("2000-01-01T00:00:00Z"), "2000-01-01"),
        ("version", json!(987_654), "987654"),
    ] {
        let username = format!("mass.{}", field.replace('_', "-"));
        let mut body = json!({"username": username, "display_name": "Thử",
                              "roles": ["viewer"], "password": password});
        body[field] = value;
        let response = app
            .request_as(admin, Method::POST, "/api/v1/users")
            .await
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        if status == 201 {
            assert!(!text.contains(trace), "users.{field} was taken: {text}");
            app.login(&username, password).await;
            let stored = app
                .request_as(admin, Method::GET, &format!("/api/v1/users/{username}"))
                .await
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                !stored.contains(trace),
                "users.{field} was stored: {stored}"
            );
        } else {
            assert_eq!(status, 422, "users.{field}: {text}");
        }
    }
    // A client whose secret the caller tries to choose: refused, or ignored (then the chosen
    // secret does not authenticate).
    let chosen = "chosen-secret-0123456789-abcdef";
    let response = app
        .request_as(admin, Method::POST, "/api/v1/clients")
        .await
        .json(&json!({"name": "Chọn bí mật", "scopes": ["reports:read"], "client_secret": chosen}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 201 {
        let created = json(response).await;
        let id = created["client"]["client_id"].as_str().unwrap();
        let login = app
            .token_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", chosen),
            ])
            .await;
        assert_eq!(login.status(), 401, "a caller-chosen secret authenticates");
    } else {
        assert_eq!(status, 422);
    }
}

#[tokio::test]
async fn no_response_carries_a_hash_or_a_secret() {
    let app = spawn_app().await;
    let spec = spec();
    let mut leaks = Vec::new();
    let needles = [
        "$argon2",
        "password_hash",
        "secret_hash",
        CLIENT_SECRET,
        "PRIVATE KEY",
        "\"secret\"",
        crate::support::PASSWORD,
    ];
    for (m, path, _) in operations(&spec) {
        if m != "get" {
            continue;
        }
        let url = super::fill_path(&path, OWN, "2025-09");
        for who in [Who::User(Role::Admin), Who::User(Role::Coordinator)] {
            let response = app
                .request_as(who, method(&m), &url)
                .await
                .send()
                .await
                .unwrap();
            let text = response.text().await.unwrap();
            for needle in needles {
                if text.contains(needle) {
                    leaks.push(format!("GET {url} as {who:?} contains {needle:?}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}
