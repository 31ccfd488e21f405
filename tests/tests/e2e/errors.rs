//! Error paths produced by the framework rather than by handlers, all as problem+json.

use reqwest::Method;

use crate::support::{assert_problem, spawn_app, Role, Who};

#[tokio::test]
async fn unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let problem = assert_problem(
        app.get("/api/v1/nothing-here").await,
        404,
        "route_not_found",
    )
    .await;
    assert_eq!(problem["instance"], "/api/v1/nothing-here");
    assert_problem(app.get("/").await, 404, "route_not_found").await;
}

#[tokio::test]
async fn wrong_method_is_a_405_with_allow() {
    let app = spawn_app().await;
    for method in [Method::PUT, Method::DELETE, Method::PATCH, Method::TRACE] {
        let response = app
            .request(method.clone(), "/api/v1/units")
            .send()
            .await
            .expect("send");
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(allow.as_deref(), Some("GET, POST"), "{method}");
        assert_problem(response, 405, "method_not_allowed").await;
    }
    let response = app
        .request(Method::DELETE, "/api/v1/units/SO-KHCN")
        .send()
        .await
        .expect("send");
    assert_problem(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn messages_follow_accept_language() {
    let app = spawn_app().await;
    let vi = assert_problem(
        app.get_as(Role::Viewer, "/api/v1/units?limit=0").await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(vi["errors"][0]["message"], "Giá trị phải từ 1 đến 200.");
    let response = app
        .request_as(
            Who::User(Role::Viewer),
            Method::GET,
            "/api/v1/units?limit=0",
        )
        .await
        .header("Accept-Language", "en-US,en;q=0.9,vi;q=0.5")
        .send()
        .await
        .expect("send");
    assert_eq!(
        response
            .headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("en")
    );
    let en = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(
        en["errors"][0]["message"],
        "The value must be between 1 and 200."
    );
    assert_eq!(en["title"], "Invalid query parameter");
    // Vietnamese preferred over English by quality.
    let response = app
        .request_as(
            Who::User(Role::Viewer),
            Method::GET,
            "/api/v1/units?limit=0",
        )
        .await
        .header("Accept-Language", "fr, vi;q=0.8, en;q=0.5")
        .send()
        .await
        .expect("send");
    let vi = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(vi["title"], "Tham số truy vấn không hợp lệ");
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let response = app
        .request_as(
            Who::User(Role::Viewer),
            Method::GET,
            "/api/v1/units/NOPE-NOPE",
        )
        .await
        .header("X-Request-Id", "lgsp-abc-123")
        .send()
        .await
        .expect("send");
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("lgsp-abc-123")
    );
    let problem = assert_problem(response, 404, "not_found").await;
    assert_eq!(problem["request_id"], "lgsp-abc-123");
    // A header that could forge log lines is replaced.
    let response = app
        .request(Method::GET, "/healthz")
        .header("X-Request-Id", "bad id\twith spaces")
        .send()
        .await
        .expect("send");
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(!id.is_empty() && !id.contains(' '));
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let response = app.get_as(Role::Viewer, "/api/v1/units?limit=1").await;
    let h = response.headers();
    assert_eq!(
        h.get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(
        h.get("x-frame-options").and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    assert!(h.contains_key("content-security-policy"));
    assert!(!h.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn pool_exhaustion_answers_503_with_retry_after_and_recovers() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Viewer).await;
    // Hold every pooled connection: requests must wait for the pool timeout, then get 503.
    let max = app.store.pool_state().max_size;
    let mut held = Vec::new();
    for _ in 0..max {
        held.push(app.store.conn().expect("connection"));
    }
    let response = app
        .request_with(&token, Method::GET, "/api/v1/units?limit=1")
        .send()
        .await
        .expect("send");
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    let problem = assert_problem(response, 503, "service_unavailable").await;
    let text = problem.to_string().to_lowercase();
    for leak in ["r2d2", "diesel", "timed out", "sqlite", "postgres", "pool"] {
        assert!(!text.contains(leak), "5xx body leaks {leak}: {text}");
    }
    let response = app.get("/readyz").await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "not_ready").await;
    drop(held);
    assert_eq!(
        app.get_as(Role::Viewer, "/api/v1/units?limit=1")
            .await
            .status(),
        200
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
}
