//! The integration guide's examples work: every `sh` block of `docs/integration.md` is run, in
//! order and in one shell, against a real server (with an Ed25519 key, so that the JWKS is
//! not empty) and a client made for the purpose. A block that fails (a `curl -f` on an error
//! status, or a `test` of a status code) fails this test.

use reqwest::Method;
use serde_json::json;

use crate::support::{json, spawn_app_with, Role, TestApp, Who};

const GUIDE: &str = include_str!("../../../docs/integration.md");

/// The fenced `sh` blocks of a Markdown text, in order.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an sh block is not closed");
    blocks
}

/// A client bound to the demo commune that may read and upload.
async fn integration_client(app: &TestApp) -> (String, String) {
    let response = app
        .request_as(Who::User(Role::Admin), Method::POST, "/api/v1/clients")
        .await
        .json(&json!({"name": "LGSP thử", "unit": "XA-TRAM-CHIM",
                      "scopes": ["catalog:read", "reports:read", "imports:write"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    (
        body["client"]["client_id"].as_str().unwrap().to_owned(),
        body["client_secret"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn the_guide_has_runnable_examples_for_each_part() {
    let blocks = sh_blocks(GUIDE);
    for needle in [
        "/api/v1/auth/token",
        "/.well-known/jwks.json",
        "/api/v1/imports",
        "/api/v1/changes",
    ] {
        assert!(
            blocks.iter().any(|b| b.contains(needle)),
            "no runnable example for {needle}"
        );
    }
}

#[tokio::test]
async fn the_guide_s_curl_examples_run_against_the_server() {
    let app = spawn_app_with(|s| {
        s.jwt_private_key_pem = Some(secrecy::SecretString::from(crate::jwt::TEST_KEY.to_owned()));
    })
    .await;
    // The indicator the upload example sends a value for.
    let actor = dtihub_service::Actor::system("docs-test");
    let plan = dtihub_service::catalog::plans::create(
        &app.store,
        &actor,
        &dtihub_domain::catalog::plan::PlanInput {
            code: "KH-DOCS".into(),
            title: "Kế hoạch thử hướng dẫn".into(),
            kind: "multi_year".into(),
            first_year: 2025,
            last_year: 2026,
            status: "issued".into(),
            ..Default::default()
        },
    )
    .unwrap();
    dtihub_service::catalog::items::create::<dtihub_service::catalog::Indicators>(
        &app.store,
        &actor,
        dtihub_domain::catalog::PlanId(plan.id),
        &dtihub_domain::catalog::indicator::IndicatorInput {
            code: "TD-1".into(),
            name: "Chỉ tiêu thử".into(),
            pillar: "ha_tang_so".into(),
            measure: "count".into(),
            direction: "at_least".into(),
            reporting_units: vec!["XA-TRAM-CHIM".into()],
            ..Default::default()
        },
    )
    .unwrap();
    // Something in the feed: a report saved by the commune.
    let reporter = app.token_for(Role::UnitReporter).await;
    let saved = app
        .request_with(
            &reporter,
            Method::PUT,
            "/api/v1/units/XA-TRAM-CHIM/reports/2026-10",
        )
        .json(&json!({"narrative": {"achievements": "Đã triển khai"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let (client_id, client_secret) = integration_client(&app).await;

    let mut script = String::new();
    let mut ran = 0;
    for (i, block) in sh_blocks(GUIDE).into_iter().enumerate() {
        script.push_str(&format!("echo '@@ block {i}'\n{block}"));
        ran += 1;
    }
    assert!(ran >= 8, "{ran} blocks");
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().to_owned();
    let address = app.address.clone();
    // The server runs on this test's runtime: wait for the shell off it.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-eu")
            .arg("-c")
            .arg(&script)
            .current_dir(cwd)
            .env("DTIHUB", address)
            .env("CLIENT_ID", client_id)
            .env("CLIENT_SECRET", client_secret)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the guide's examples failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert_eq!(stdout.matches("@@ block").count(), ran);
    for needle in [
        "\"token_type\":\"Bearer\"",
        "\"crv\":\"Ed25519\"",
        "\"events\":[",
        "\"type\":\"report.saved\"",
        "up to date at ",
        "\"rejected\":0",
    ] {
        assert!(stdout.contains(needle), "{needle} not in:\n{stdout}");
    }
    assert!(
        !stdout.contains("\"access_token\":\"ey"),
        "the token is printed"
    );
}
