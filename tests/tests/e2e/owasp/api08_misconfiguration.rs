//! API8:2023 Security Misconfiguration: errors never carry SQL, driver or stack text (every
//! operation of the spec is sent hostile path values and a hostile body); CORS never grants
//! a foreign origin credentials (and never with `*`); security headers are on every answer,
//! errors included; TRACE is 405 and echoes nothing.

use reqwest::Method;

use super::{method, operations, spec};
use crate::support::{spawn_app, Role, Who};

/// Text that only an internal error would put in a body.
const INTERNALS: [&str; 16] = [
    "select ",
    "insert ",
    "update ",
    "delete from",
    "sqlstate",
    "syntax error",
    "diesel",
    "sqlite",
    "postgres",
    "constraint",
    "violates",
    "panicked",
    "src/",
    ".rs:",
    "backtrace",
    "r2d2",
];

#[tokio::test]
async fn errors_carry_no_sql_driver_or_stack_text() {
    let app = spawn_app().await;
    let spec = spec();
    let hostile_values = [
        "'; DROP TABLE units; --",
        "1 OR 1=1",
        "%27%22%5C",
        "..%2F..%2Fetc",
    ];
    let mut leaks = Vec::new();
    let mut calls = 0;
    for (m, path, _) in operations(&spec) {
        for value in hostile_values {
            let url = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { value } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let url = format!("{url}?limit=abc&cursor=%27%3B--&period={value}");
            let response = app
                .request_as(Who::User(Role::Admin), method(&m), &url)
                .await
                .header("content-type", "application/json")
                .body(r#"{"code": "x'); DROP TABLE units; --", "name": 1e999, "#)
                .send()
                .await
                .unwrap();
            calls += 1;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap().to_ascii_lowercase();
            if status >= 500 {
                leaks.push(format!("{m} {url}: {status}"));
            }
            for needle in INTERNALS {
                if status >= 400 && text.contains(needle) {
                    leaks.push(format!("{m} {url}: {status} says {needle:?}: {text}"));
                }
            }
        }
    }
    assert!(calls > 100, "{calls}");
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

#[tokio::test]
async fn cors_never_hands_credentials_to_a_foreign_origin() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Viewer).await;
    for origin in ["https://evil.example", "null", "http://localhost:3000"] {
        let preflight = app
            .request(Method::OPTIONS, "/api/v1/units")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        let actual = app
            .request_with(&token, Method::GET, "/api/v1/units?limit=1")
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        for response in [&preflight, &actual] {
            let h = response.headers();
            let allow_origin = h
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok());
            let credentials = h
                .get("access-control-allow-credentials")
                .and_then(|v| v.to_str().ok())
                == Some("true");
            assert!(
                !(allow_origin == Some("*") && credentials),
                "wildcard with credentials for {origin}"
            );
            assert_ne!(allow_origin, Some(origin), "{origin} reflected");
            assert!(
                !credentials || allow_origin.is_none(),
                "credentials for {origin}"
            );
        }
        assert!(preflight.status().as_u16() < 500);
    }
}

#[tokio::test]
async fn security_headers_are_on_errors_too_and_trace_is_refused() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Viewer).await;
    let answers = [
        app.request(Method::GET, "/api/v1/units")
            .send()
            .await
            .unwrap(),
        app.request_with(&token, Method::GET, "/api/v1/nowhere")
            .send()
            .await
            .unwrap(),
        app.request_with(&token, Method::GET, "/api/v1/units?limit=0")
            .send()
            .await
            .unwrap(),
        app.request_with(&token, Method::DELETE, "/api/v1/units")
            .send()
            .await
            .unwrap(),
        app.request(Method::GET, "/healthz").send().await.unwrap(),
    ];
    for response in &answers {
        let h = response.headers();
        let url = response.url().path().to_owned();
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{url}"
        );
        assert_eq!(
            h.get("x-frame-options").and_then(|v| v.to_str().ok()),
            Some("DENY"),
            "{url}"
        );
        assert!(h.contains_key("content-security-policy"), "{url}");
        assert!(
            !h.contains_key("server") || !h["server"].to_str().unwrap().contains('/'),
            "{url}"
        );
    }
    let secret_header = "Bearer trace-must-not-echo-this";
    for path in [
        "/api/v1/units",
        "/api/v1/me",
        "/healthz",
        "/api/v1/units/XA-TRAM-CHIM",
    ] {
        let response = app
            .request(Method::TRACE, path)
            .header("X-Echo-Check", secret_header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "TRACE {path}");
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(!allow.contains("TRACE"), "{allow}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("trace-must-not-echo-this"), "{text}");
    }
}
