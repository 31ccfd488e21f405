//! Liveness, readiness, metrics, docs, and recovery from a lost database.

use std::time::{Duration, Instant};

use crate::support::{assert_problem, json, spawn_app, Role};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["status"], "ok");
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["status"], "ready");
    let expected = if app.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    assert_eq!(
        app.get_as(Role::Viewer, "/api/v1/units/SO-KHCN")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_as(Role::Viewer, "/api/v1/units/NOPE-NOPE")
            .await
            .status(),
        404
    );
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(
        text.contains(r#"dtihub_http_requests_total{endpoint="/api/v1/units/{code}",method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"endpoint="/api/v1/units/{code}",method="GET",status="404"} 1"#));
    assert!(text.contains("dtihub_db_pool_max_size"));
    assert!(text.contains("dtihub_http_requests_duration_seconds_bucket"));
}

#[tokio::test]
async fn swagger_ui_is_served_offline() {
    let app = spawn_app().await;
    let response = app.get("/docs").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    for asset in [
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let response = app.get(asset).await;
        assert_eq!(response.status(), 200, "{asset}");
    }
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .expect("js");
    assert!(init.contains("/api/v1/openapi.json"));
    assert!(
        !html.contains("https://"),
        "the UI must not load remote assets"
    );
}

/// PostgreSQL: refuse and cut every connection to the test database, then let it back in.
#[tokio::test]
async fn database_loss_gives_503_and_recovers_by_itself() {
    let app = spawn_app().await;
    let Some(name) = app.db.pg_name().map(str::to_owned) else {
        return; // SQLite is embedded: it cannot go away; pool exhaustion is tested instead.
    };
    let token = app.token_for(Role::Viewer).await;
    let get = |path: &'static str| app.request_with(&token, reqwest::Method::GET, path).send();
    assert_eq!(
        get("/api/v1/units?limit=1").await.expect("send").status(),
        200
    );
    app.db.admin_sql(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    ));
    for path in ["/api/v1/units?limit=1", "/api/v1/units/SO-KHCN", "/readyz"] {
        let response = get(path).await.expect("send");
        assert!(response.headers().contains_key("retry-after"), "{path}");
        let status = response.status().as_u16();
        assert_eq!(status, 503, "{path}");
        let code = if path == "/readyz" {
            "not_ready"
        } else {
            "service_unavailable"
        };
        let problem = assert_problem(response, 503, code).await;
        let text = problem.to_string().to_lowercase();
        assert!(
            !text.contains("terminat") && !text.contains("connection"),
            "{text}"
        );
    }
    app.db
        .admin_sql(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;"));
    let started = Instant::now();
    loop {
        let status = get("/api/v1/units?limit=1").await.expect("send").status();
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no recovery: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), 200);
}
