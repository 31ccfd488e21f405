//! The token endpoint (RFC 6749), refresh rotation and reuse detection, revocation (RFC 7009),
//! disabled accounts, login throttling, and secrets that must never be shown twice.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{
    assert_problem, json, spawn_app, spawn_app_with, Role, TestApp, Who, CLIENT_ID, CLIENT_SECRET,
    PASSWORD,
};

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Asserts an RFC 6749 error document with `Cache-Control: no-store`.
async fn assert_oauth_error(response: Response, status: u16, error: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    let body = json(response).await;
    assert_eq!(body["error"], error, "{body}");
    body
}

async fn me(app: &TestApp, token: &str) -> Response {
    app.request_with(token, Method::GET, "/api/v1/me")
        .send()
        .await
        .expect("send")
}

async fn refresh(app: &TestApp, token: &str) -> Response {
    app.token_form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .await
}

#[tokio::test]
async fn password_grant_accepts_form_and_json() {
    let app = spawn_app().await;
    // Form-encoded, as RFC 6749 and Swagger UI send it.
    let response = app
        .token_form(&[
            ("grant_type", "password"),
            ("username", "demo-reporter"),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(header(&response, "pragma").as_deref(), Some("no-cache"));
    let form = json(response).await;
    assert_eq!(form["token_type"], "Bearer");
    assert_eq!(form["expires_in"], 900);
    assert_eq!(form["scope"], "unit_reporter");
    assert!(form["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 40));
    // JSON.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "Demo-Reporter", "password": PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let token = body["access_token"].as_str().expect("token");
    let response = me(&app, token).await;
    assert_eq!(response.status(), 200);
    let who = json(response).await;
    assert_eq!(who["kind"], "user");
    assert_eq!(who["id"], "demo-reporter");
    assert_eq!(who["unit"], "XA-TRAM-CHIM");
    assert_eq!(who["roles"], json!(["unit_reporter"]));
    // The claims name issuer, audience, subject, expiry, issue time, id, unit and roles.
    let payload = token.split('.').nth(1).expect("payload");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("claims");
    for claim in ["iss", "aud", "sub", "exp", "iat", "jti", "unit", "roles"] {
        assert!(claims.get(claim).is_some(), "{claim} in {claims}");
    }
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
}

#[tokio::test]
async fn client_credentials_in_the_body_or_with_http_basic() {
    let app = spawn_app().await;
    // In the body, form-encoded.
    let response = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["scope"], "catalog:read reports:read reports:write");
    assert!(
        body.get("refresh_token").is_none(),
        "no refresh token for clients"
    );
    // In the body, JSON, with a narrower scope.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .json(
            &json!({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                      "client_secret": CLIENT_SECRET, "scope": "catalog:read"}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["scope"], "catalog:read");
    let who = json(me(&app, body["access_token"].as_str().unwrap()).await).await;
    assert_eq!(who["kind"], "client");
    assert_eq!(who["id"], CLIENT_ID);
    assert_eq!(who["unit"], "XA-TRAM-CHIM");
    assert_eq!(who["scopes"], json!(["catalog:read"]));
    // HTTP Basic.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "reports:read"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["scope"], "reports:read");
    // A scope the client does not hold.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "admin")])
        .send()
        .await
        .expect("send");
    assert_oauth_error(response, 400, "invalid_scope").await;
    // Wrong secret, with Basic and in the body: 401 invalid_client with a Basic challenge.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("send");
    assert_eq!(
        header(&response, "www-authenticate").as_deref(),
        Some(r#"Basic realm="dtihub""#)
    );
    assert_oauth_error(response, 401, "invalid_client").await;
    let response = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "nobody"),
            ("client_secret", "x"),
        ])
        .await;
    assert_oauth_error(response, 401, "invalid_client").await;
    // Both at once is ambiguous.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("send");
    assert_oauth_error(response, 400, "invalid_request").await;
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let app = spawn_app().await;
    let response = app.token_form(&[("username", "demo-admin")]).await;
    assert_oauth_error(response, 400, "invalid_request").await;
    let response = app
        .token_form(&[("grant_type", "authorization_code")])
        .await;
    assert_oauth_error(response, 400, "unsupported_grant_type").await;
    let response = app
        .token_form(&[("grant_type", "password"), ("username", "demo-admin")])
        .await;
    assert_oauth_error(response, 400, "invalid_request").await;
    let response = app
        .token_form(&[
            ("grant_type", "password"),
            ("username", "demo-admin"),
            ("password", "wrong password"),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    let response = app
        .token_form(&[
            ("grant_type", "password"),
            ("username", "nobody-at-all"),
            ("password", "wrong password"),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    let response = app
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "made-up"),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    // A repeated parameter, malformed JSON, and an unsupported media type.
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&grant_type=client_credentials")
        .send()
        .await
        .expect("send");
    assert_oauth_error(response, 400, "invalid_request").await;
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .header("content-type", "application/json")
        .body("{\"grant_type\": ")
        .send()
        .await
        .expect("send");
    assert_oauth_error(response, 400, "invalid_request").await;
    let response = app
        .request(Method::POST, "/api/v1/auth/token")
        .header("content-type", "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .expect("send");
    assert_oauth_error(response, 400, "invalid_request").await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login("demo-viewer", PASSWORD).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    // Rotation: r1 gives r2.
    let response = refresh(&app, &r1).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    let second = json(response).await;
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        me(&app, second["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    // r2 gives r3 (the legitimate client goes on)...
    let third = json(refresh(&app, &r2).await).await;
    let r3 = third["refresh_token"].as_str().unwrap().to_owned();
    // ...then a thief replays r1: refused, and the whole family dies, r3 included.
    assert_oauth_error(refresh(&app, &r1).await, 400, "invalid_grant").await;
    assert_oauth_error(refresh(&app, &r3).await, 400, "invalid_grant").await;
    // Another login (another family) is unaffected.
    let other = app.login("demo-viewer", PASSWORD).await;
    let response = refresh(&app, other["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    let audit = app.audit_text();
    assert!(audit.contains("auth.refresh_reuse_detected"), "{audit}");
}

#[tokio::test]
async fn revocation_ends_sessions_and_access_tokens() {
    let app = spawn_app().await;
    let session = app.login("demo-coordinator", PASSWORD).await;
    let access = session["access_token"].as_str().unwrap().to_owned();
    let refresh_token = session["refresh_token"].as_str().unwrap().to_owned();
    // Revoking the refresh token ends the session (form-encoded, with a hint).
    let response = app
        .request(Method::POST, "/api/v1/auth/revoke")
        .form(&[
            ("token", refresh_token.as_str()),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_oauth_error(refresh(&app, &refresh_token).await, 400, "invalid_grant").await;
    // Revoking the access token (JSON) makes it useless at once.
    assert_eq!(me(&app, &access).await.status(), 200);
    let response = app
        .request(Method::POST, "/api/v1/auth/revoke")
        .json(&json!({"token": access}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let response = me(&app, &access).await;
    assert!(header(&response, "www-authenticate")
        .is_some_and(|h| h.contains(r#"error="invalid_token""#)));
    assert_problem(response, 401, "invalid_token").await;
    // Unknown tokens: 200 all the same (RFC 7009 §2.2); no token: invalid_request.
    let response = app
        .request(Method::POST, "/api/v1/auth/revoke")
        .form(&[("token", "never-issued")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let response = app
        .request(Method::POST, "/api/v1/auth/revoke")
        .form(&[("token_type_hint", "access_token")])
        .send()
        .await
        .expect("send");
    assert_oauth_error(response, 400, "invalid_request").await;
    let audit = app.audit_text();
    assert!(audit.contains("auth.token_revoked access_token"), "{audit}");
    assert!(
        audit.contains("auth.token_revoked refresh_token_family"),
        "{audit}"
    );
}

#[tokio::test]
async fn disabled_users_are_refused_everywhere() {
    let app = spawn_app().await;
    let session = app.login("demo-reporter", PASSWORD).await;
    let access = session["access_token"].as_str().unwrap().to_owned();
    let refresh_token = session["refresh_token"].as_str().unwrap().to_owned();
    let response = app
        .request_as(
            Who::User(Role::Admin),
            Method::PATCH,
            "/api/v1/users/demo-reporter",
        )
        .await
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["active"], false);
    // No new login, even with the right password.
    let response = app
        .token_form(&[
            ("grant_type", "password"),
            ("username", "demo-reporter"),
            ("password", PASSWORD),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    // The refresh token stopped working, and so did the access token.
    assert_oauth_error(refresh(&app, &refresh_token).await, 400, "invalid_grant").await;
    assert_problem(me(&app, &access).await, 401, "invalid_token").await;
    // Enabled again: the old refresh token stays dead, a new login works.
    let response = app
        .request_as(
            Who::User(Role::Admin),
            Method::PATCH,
            "/api/v1/users/demo-reporter",
        )
        .await
        .json(&json!({"active": true}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_oauth_error(refresh(&app, &refresh_token).await, 400, "invalid_grant").await;
    app.login("demo-reporter", PASSWORD).await;
    // Disabled clients likewise.
    let client_token = app.token_of(Who::CommuneClient).await.unwrap();
    let response = app
        .request_as(
            Who::User(Role::Admin),
            Method::PATCH,
            &format!("/api/v1/clients/{CLIENT_ID}"),
        )
        .await
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_problem(me(&app, &client_token).await, 401, "invalid_token").await;
    let response = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .await;
    assert_oauth_error(response, 401, "invalid_client").await;
}

#[tokio::test]
async fn login_throttling_refuses_then_lets_in_after_the_window() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_window_secs = 1;
    })
    .await;
    let app = &app;
    let attempt = |password: &'static str| async move {
        app.token_form(&[
            ("grant_type", "password"),
            ("username", "demo-viewer"),
            ("password", password),
        ])
        .await
    };
    for _ in 0..3 {
        assert_oauth_error(attempt("not the password").await, 400, "invalid_grant").await;
    }
    // The limit is reached: refused even with the right password, with Retry-After.
    let response = attempt(PASSWORD).await;
    let retry_after: u64 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    assert_problem(response, 429, "too_many_requests").await;
    // Another account is not locked by this one's failures.
    app.login("demo-coordinator", PASSWORD).await;
    // After the window, the right password works again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = attempt(PASSWORD).await;
    assert_eq!(response.status(), 200);
    let audit = app.audit_text();
    assert!(audit.contains("auth.login_failed"), "{audit}");
    assert!(audit.contains("auth.login_throttled"), "{audit}");
    assert!(audit.contains("user:demo-viewer auth.login"), "{audit}");
}

#[tokio::test]
async fn throttling_counters_are_shared_by_instances_and_per_address() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_max_failures_per_address = 4;
    })
    .await;
    let sibling = app
        .spawn_sibling(|s| {
            s.login_max_failures = 3;
            s.login_max_failures_per_address = 4;
        })
        .await;
    let wrong = |base: String, username: &'static str| {
        let client = app.client.clone();
        async move {
            client
                .post(format!("{base}/api/v1/auth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", "not the password"),
                ])
                .send()
                .await
                .expect("send")
        }
    };
    // Two failures on each instance for one account: the third overall is the limit.
    assert_eq!(wrong(app.address.clone(), "demo-admin").await.status(), 400);
    assert_eq!(wrong(sibling.clone(), "demo-admin").await.status(), 400);
    assert_eq!(wrong(app.address.clone(), "demo-admin").await.status(), 400);
    assert_eq!(wrong(sibling.clone(), "demo-admin").await.status(), 429);
    // The address has 3 failures; a fourth on another account reaches its limit.
    assert_eq!(wrong(sibling.clone(), "demo-viewer").await.status(), 400);
    let response = wrong(app.address.clone(), "demo-approver").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn secrets_are_shown_once_and_never_logged() {
    let app = spawn_app().await;
    let admin = Who::User(Role::Admin);
    let chosen = "Mat-khau-rat-dai-2025";
    let response = app
        .request_as(admin, Method::POST, "/api/v1/users")
        .await
        .json(
            &json!({"username": "can.bo.a", "display_name": "Cán bộ A", "unit": "XA-MY-QUI",
                      "roles": ["unit_reporter"], "password": chosen}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 201);
    let created = response.text().await.unwrap();
    assert!(
        !created.contains(chosen) && !created.contains("argon2"),
        "{created}"
    );
    // Without a password, one is generated and shown this once.
    let response = app
        .request_as(admin, Method::POST, "/api/v1/users")
        .await
        .json(&json!({"username": "lanh.dao", "display_name": "Lãnh đạo", "roles": ["viewer"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    let generated = body["generated_password"].as_str().unwrap().to_owned();
    assert_eq!(generated.len(), 20);
    app.login("lanh.dao", &generated).await;
    // A reset returns a new generated password once.
    let response = app
        .request_as(admin, Method::POST, "/api/v1/users/lanh.dao/password")
        .await
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let reset = json(response).await["generated_password"]
        .as_str()
        .unwrap()
        .to_owned();
    // A client's secret likewise, at creation and at rotation.
    let response = app
        .request_as(admin, Method::POST, "/api/v1/clients")
        .await
        .json(&json!({"name": "LGSP", "scopes": ["catalog:read", "reports:read"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    let client_id = body["client"]["client_id"].as_str().unwrap().to_owned();
    let secret = body["client_secret"].as_str().unwrap().to_owned();
    let response = app
        .request_as(
            admin,
            Method::POST,
            &format!("/api/v1/clients/{client_id}/secret"),
        )
        .await
        .send()
        .await
        .expect("send");
    let rotated = json(response).await["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(secret, rotated);
    // The old secret no longer works; the new one does.
    let basic = |s: &str| format!("Basic {}", STANDARD.encode(format!("{client_id}:{s}")));
    for (s, status) in [(&secret, 401), (&rotated, 200)] {
        let response = app
            .request(Method::POST, "/api/v1/auth/token")
            .header("authorization", basic(s))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), status);
    }
    // Nothing shown later contains a secret or a hash.
    let mut later = String::new();
    for path in [
        "/api/v1/users",
        "/api/v1/users/lanh.dao",
        "/api/v1/clients",
        &format!("/api/v1/clients/{client_id}"),
        "/api/v1/audit?limit=200",
    ] {
        let response = app.get_as(Role::Admin, path).await;
        assert_eq!(response.status(), 200, "{path}");
        later.push_str(&response.text().await.unwrap());
    }
    let audit = app.audit_text();
    for secret_text in [
        chosen,
        generated.as_str(),
        reset.as_str(),
        secret.as_str(),
        rotated.as_str(),
        PASSWORD,
        CLIENT_SECRET,
        "$argon2",
        "password_hash",
        "secret_hash",
    ] {
        assert!(!later.contains(secret_text), "response leaks {secret_text}");
        assert!(!audit.contains(secret_text), "audit leaks {secret_text}");
    }
}

#[tokio::test]
async fn users_change_their_own_password() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Viewer).await;
    let change = |old: &str, new: &str| {
        app.request_with(&token, Method::POST, "/api/v1/me/password")
            .json(&json!({"old_password": old, "new_password": new}))
            .send()
    };
    let problem = assert_problem(
        change("wrong old password", "Mot-mat-khau-moi")
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/old_password");
    assert_eq!(problem["errors"][0]["code"], "wrong_password");
    let problem = assert_problem(
        change(PASSWORD, "short").await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/new_password");
    assert_eq!(
        change(PASSWORD, "Mot-mat-khau-moi").await.unwrap().status(),
        204
    );
    let response = app
        .token_form(&[
            ("grant_type", "password"),
            ("username", "demo-viewer"),
            ("password", PASSWORD),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    app.login("demo-viewer", "Mot-mat-khau-moi").await;
    // Machine clients have no password to change.
    let response = app
        .request_as(Who::CommuneClient, Method::POST, "/api/v1/me/password")
        .await
        .json(&json!({"old_password": "x", "new_password": "y"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn first_start_creates_the_admin_with_the_configured_password() {
    let app = spawn_app_with(|s| {
        s.admin_password = Some(secrecy::SecretString::from("Quan-tri-vien-2025".to_owned()));
    })
    .await;
    let token = app.login("admin", "Quan-tri-vien-2025").await;
    let who = json(me(&app, token["access_token"].as_str().unwrap()).await).await;
    assert_eq!(who["roles"], json!(["admin"]));
    // Without a configured password one is generated (and logged once); never a constant.
    let other = spawn_app().await;
    let response = other
        .token_form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "Quan-tri-vien-2025"),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    let audit = other.audit_text();
    assert!(
        audit.contains("system:bootstrap user.create user admin"),
        "{audit}"
    );
}

#[tokio::test]
async fn swagger_ui_password_flow_logs_in() {
    let app = spawn_app().await;
    // What Swagger UI's "Authorize" dialog sends for the oauth2 password flow, with the client
    // fields left empty (in the body, or as an empty HTTP Basic pair).
    let spec = json(app.get("/api/v1/openapi.json").await).await;
    let token_url = spec["components"]["securitySchemes"]["oauth2"]["flows"]["password"]
        ["tokenUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    for basic in [false, true] {
        let mut request = app
            .request(Method::POST, &token_url)
            .header("content-type", "application/x-www-form-urlencoded");
        if basic {
            request = request.header("authorization", format!("Basic {}", STANDARD.encode(":")));
        }
        let response = request
            .body(format!(
                "grant_type=password&username=demo-admin&password={PASSWORD}&scope=&client_id="
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "basic: {basic}");
        let token = json(response).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(me(&app, &token).await.status(), 200);
    }
}

#[tokio::test]
async fn failed_logins_are_slowed_down() {
    let app = spawn_app_with(|s| s.login_failure_delay_ms = 300).await;
    let started = std::time::Instant::now();
    let response = app
        .token_form(&[
            ("grant_type", "password"),
            ("username", "demo-admin"),
            ("password", "not the password"),
        ])
        .await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = std::time::Instant::now();
    app.login("demo-admin", PASSWORD).await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "success is not delayed"
    );
}
