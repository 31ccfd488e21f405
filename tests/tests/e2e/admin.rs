//! Administration: units (create, update with If-Match, retire), users and clients, the
//! audit trail, and the JSON body error paths of the write endpoints.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

const ADMIN: Who = Who::User(Role::Admin);

async fn send(
    app: &TestApp,
    who: Who,
    method: Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.request_as(who, method, path)
        .await
        .json(&body)
        .send()
        .await
        .expect("send")
}

fn etag_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned()
}

#[tokio::test]
async fn admins_create_update_and_retire_units() {
    let app = spawn_app().await;
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/units",
        json!({"code": "xa-moi", "name": "Ủy ban nhân dân xã Mới", "kind": "commune",
               "parent": "DONG-THAP", "official_code": "30999", "valid_from": "2025-07-01"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/api/v1/units/XA-MOI")
    );
    let etag = etag_of(&response);
    assert_eq!(etag, "\"v1\"");
    let unit = json(response).await;
    assert_eq!(unit["code"], "XA-MOI");
    // It is found by search without diacritics.
    let page = json(app.get_as(Role::Viewer, "/api/v1/units?q=xa%20moi").await).await;
    assert_eq!(page["items"][0]["code"], "XA-MOI");
    // Duplicate code: 409.
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/units",
        json!({"code": "XA-MOI", "name": "x", "kind": "commune", "valid_from": "2025-07-01"}),
    )
    .await;
    assert_problem(response, 409, "already_exists").await;
    // Update with the current ETag, then a stale one: 412.
    let response = app
        .request_as(ADMIN, Method::PATCH, "/api/v1/units/XA-MOI")
        .await
        .header("if-match", &etag)
        .json(&json!({"name": "Ủy ban nhân dân xã Mới Nhất", "official_code": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(etag_of(&response), "\"v2\"");
    let unit = json(response).await;
    assert_eq!(unit["name"], "Ủy ban nhân dân xã Mới Nhất");
    assert_eq!(unit["official_code"], Value::Null);
    assert_eq!(unit["parent"], "DONG-THAP");
    for stale in [etag.as_str(), "\"other\"", "W/\"v2\""] {
        let response = app
            .request_as(ADMIN, Method::PATCH, "/api/v1/units/XA-MOI")
            .await
            .header("if-match", stale)
            .json(&json!({"name": "Lost update"}))
            .send()
            .await
            .unwrap();
        assert_problem(response, 412, "precondition_failed").await;
    }
    // Retire: last day and successor.
    let response = app
        .request_as(ADMIN, Method::POST, "/api/v1/units/XA-MOI/retire")
        .await
        .header("if-match", "\"v2\"")
        .json(&json!({"valid_to": "2026-06-30", "successor": "XA-TRAM-CHIM"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let unit = json(response).await;
    assert_eq!(unit["valid_to"], "2026-06-30");
    assert_eq!(unit["successor"], "XA-TRAM-CHIM");
    let active = json(
        app.get_as(
            Role::Viewer,
            "/api/v1/units?active_on=2026-07-01&kind=commune&limit=200",
        )
        .await,
    )
    .await;
    assert!(!active.to_string().contains("XA-MOI"));
    // Retiring before the first day, or into itself, is refused naming the field.
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/units/XA-MOI/retire",
        json!({"valid_to": "2020-01-01", "successor": "XA-MOI"}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.contains(&"/valid_to") && pointers.contains(&"/successor"),
        "{problem}"
    );
    assert_problem(
        send(
            &app,
            ADMIN,
            Method::PATCH,
            "/api/v1/units/XA-KHONG-CO",
            json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Every change is audited with before and after.
    let audit = json(
        app.get_as(Role::Admin, "/api/v1/audit?entity=unit&entity_id=XA-MOI")
            .await,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["unit.retire", "unit.update", "unit.create"]);
    assert_eq!(audit["items"][0]["actor"], "user:demo-admin");
    assert_eq!(audit["items"][1]["before"]["official_code"], "30999");
    assert_eq!(audit["items"][1]["after"]["official_code"], Value::Null);
}

#[tokio::test]
async fn json_body_errors_are_problems() {
    let app = spawn_app().await;
    // Malformed JSON.
    let response = app
        .request_as(ADMIN, Method::POST, "/api/v1/units")
        .await
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "malformed_json").await;
    // Wrong content type.
    let response = app
        .request_as(ADMIN, Method::POST, "/api/v1/units")
        .await
        .header("content-type", "text/plain")
        .body("code=XA-X")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 415, "unsupported_media_type").await;
    assert_eq!(problem["errors"][0]["parameter"], "Content-Type");
    // Too large.
    let big = json!({"code": "XA-BIG", "name": "x".repeat(3 * 1024 * 1024), "kind": "commune",
                     "valid_from": "2025-07-01"});
    let response = send(&app, ADMIN, Method::POST, "/api/v1/units", big).await;
    assert_problem(response, 413, "payload_too_large").await;
    // A wrong type is a 422 (the shape is JSON, the data is not what the field takes).
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/units",
        json!({"code": 42, "name": "x", "kind": "commune", "valid_from": "2025-07-01"}),
    )
    .await;
    assert_problem(response, 422, "validation_failed").await;
    // Field rules: every offending field named with a JSON pointer.
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/units",
        json!({"code": "1-bad", "name": "  ", "kind": "ward", "parent": "NOPE-NOPE",
               "valid_from": "2025-02-30"}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let mut found: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["in"], "body");
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, String)> = [
        ("/code", "invalid_unit_code"),
        ("/kind", "invalid_enum"),
        ("/name", "required"),
        ("/parent", "unknown_unit"),
        ("/valid_from", "invalid_date"),
    ]
    .iter()
    .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(found, expected, "{problem}");
    // English messages on request.
    let response = app
        .request_as(ADMIN, Method::POST, "/api/v1/users")
        .await
        .header("accept-language", "en")
        .json(
            &json!({"username": "x", "display_name": "X", "roles": ["root"], "password": "short"}),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422, "validation_failed").await;
    let text = problem["errors"].to_string();
    assert!(
        text.contains("/username") && text.contains("/roles/0"),
        "{text}"
    );
    assert!(text.contains("A username is"), "{text}");
}

#[tokio::test]
async fn admins_manage_users_and_clients() {
    let app = spawn_app().await;
    // A unit role needs a unit.
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/users",
        json!({"username": "can.bo.b", "display_name": "Cán bộ B", "roles": ["unit_reporter"]}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/unit");
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/users",
        json!({"username": "can.bo.b", "display_name": "Cán bộ B", "roles": ["unit_reporter", "unit_approver"],
               "unit": "xa-my-qui", "email": "b@dongthap.gov.vn", "password": "Mat-khau-cua-B"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let created = json(response).await;
    assert_eq!(created["user"]["unit"], "XA-MY-QUI");
    assert_eq!(
        created["user"]["roles"],
        json!(["unit_reporter", "unit_approver"])
    );
    assert!(created.get("generated_password").is_none());
    // Duplicate username.
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/users",
        json!({"username": "CAN.BO.B", "display_name": "x", "roles": ["viewer"]}),
    )
    .await;
    assert_problem(response, 409, "already_exists").await;
    // Listing with filters and pagination.
    let page = json(
        app.get_as(Role::Admin, "/api/v1/users?role=unit_reporter")
            .await,
    )
    .await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["can.bo.b", "demo-reporter"]);
    let page = json(app.get_as(Role::Admin, "/api/v1/users?limit=2").await).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let next = json(
        app.get_as(
            Role::Admin,
            &format!("/api/v1/users?limit=2&cursor={cursor}"),
        )
        .await,
    )
    .await;
    assert_ne!(page["items"][0], next["items"][0]);
    let problem = assert_problem(
        app.get_as(Role::Admin, "/api/v1/users?active=maybe").await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(problem["errors"][0]["parameter"], "active");
    // Role change applies at once, even to tokens already issued.
    let token = app.login("can.bo.b", "Mat-khau-cua-B").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .request_with(&token, Method::GET, "/api/v1/audit")
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, "forbidden").await;
    let got = app.get_as(Role::Admin, "/api/v1/users/can.bo.b").await;
    let etag = etag_of(&got);
    let response = app
        .request_as(ADMIN, Method::PATCH, "/api/v1/users/can.bo.b")
        .await
        .header("if-match", &etag)
        .json(&json!({"roles": ["coordinator"], "unit": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = app
        .request_with(&token, Method::GET, "/api/v1/audit")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Admins cannot lock themselves out.
    let response = send(
        &app,
        ADMIN,
        Method::PATCH,
        "/api/v1/users/demo-admin",
        json!({"active": false}),
    )
    .await;
    assert_problem(response, 422, "validation_failed").await;
    // Clients: bound, with scopes; admin scope cannot be bound; rotation; deactivation.
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/clients",
        json!({"name": "Một cửa xã Mỹ Quí", "scopes": ["reports:write", "catalog:read"], "unit": "XA-MY-QUI"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let client = json(response).await;
    assert_eq!(
        client["client"]["scopes"],
        json!(["catalog:read", "reports:write"])
    );
    let response = send(
        &app,
        ADMIN,
        Method::POST,
        "/api/v1/clients",
        json!({"name": "x", "scopes": ["admin", "nope"], "unit": "XA-MY-QUI"}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let text = problem["errors"].to_string();
    assert!(
        text.contains("/scopes/1") && text.contains("admin_scope_cannot_be_bound"),
        "{text}"
    );
    let page = json(app.get_as(Role::Admin, "/api/v1/clients").await).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_problem(
        app.get_as(Role::Admin, "/api/v1/clients/cl-nope").await,
        404,
        "not_found",
    )
    .await;
    // Audit of user and client changes, readable by the coordinator, filterable by family.
    let audit = json(
        app.get_as(Role::Coordinator, "/api/v1/audit?action=user.")
            .await,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"user.update") && actions.contains(&"user.create"),
        "{actions:?}"
    );
    assert!(actions.iter().all(|a| a.starts_with("user.")));
    let audit = json(
        app.get_as(Role::Admin, "/api/v1/audit?action=client.create")
            .await,
    )
    .await;
    assert_eq!(
        audit["items"].as_array().unwrap().len(),
        2,
        "demo client and this one"
    );
    let audit = json(
        app.get_as(
            Role::Admin,
            "/api/v1/audit?actor=user:can.bo.b&action=auth.login",
        )
        .await,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
    // Cursor pagination of the audit walks everything once, newest first.
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json(
            app.get_as(Role::Admin, &format!("/api/v1/audit?limit=7{cursor}"))
                .await,
        )
        .await;
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert!(ids.len() > 60);
    let problem = assert_problem(
        app.get_as(Role::Admin, "/api/v1/audit?from=yesterday")
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "invalid_datetime");
    let page = json(
        app.get_as(Role::Admin, "/api/v1/audit?from=2999-01-01T00:00:00Z")
            .await,
    )
    .await;
    assert_eq!(page["items"], json!([]));
}
