//! API2:2023 Broken Authentication. The forgeries themselves (expired, tampered, `alg: none`,
//! wrong key, wrong audience and issuer, algorithm confusion) are refused on a read in
//! `jwt.rs`, and login throttling is in `auth.rs`; here the same forgeries are aimed at a
//! write, where a hole would do damage: each gets 401 before the body is read, and nothing
//! is written.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};

use super::{arrange_plan, report_body, report_path, OWN, PERIOD};
use crate::support::{assert_problem, json, spawn_app, Role, Who};

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn forged_tokens_cannot_write_a_report() {
    let app = spawn_app().await;
    let indicators = arrange_plan(&app);
    // A genuine reporter token, and the viewer's, whose claims a forger would start from.
    let reporter = app.token_of(Who::User(Role::UnitReporter)).await.unwrap();
    let viewer = app.token_for(Role::Viewer).await;
    let header = decode(viewer.split('.').next().unwrap());
    let mut claims = decode(viewer.split('.').nth(1).unwrap());
    let reporter_claims = decode(reporter.split('.').nth(1).unwrap());
    for key in ["sub", "roles", "unit", "scope"] {
        if let Some(v) = reporter_claims.get(key) {
            claims[key] = v.clone();
        }
    }
    let viewer_sig = viewer.rsplit('.').next().unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut expired = reporter_claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let mut foreign_aud = reporter_claims.clone();
    foreign_aud["aud"] = json!("lgsp");
    let guess = |claims: &Value| {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = header["kid"].as_str().map(str::to_owned);
        jsonwebtoken::encode(&h, claims, &EncodingKey::from_secret(b"dtihub")).unwrap()
    };
    let forgeries = [
        (
            "viewer promoted, signature kept",
            format!("{}.{}.{viewer_sig}", b64(&header), b64(&claims)),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&claims)
            ),
        ),
        ("guessed secret", guess(&claims)),
        ("expired, guessed secret", guess(&expired)),
        ("other audience, guessed secret", guess(&foreign_aud)),
        ("garbage", "a.b.c".to_owned()),
        ("the token with a byte changed", {
            let mut t = reporter.clone().into_bytes();
            let i = t.len() - 3;
            t[i] = if t[i] == b'A' { b'B' } else { b'A' };
            String::from_utf8(t).unwrap()
        }),
    ];
    let path = report_path(OWN, PERIOD);
    for (what, token) in &forgeries {
        let response = app
            .request_with(token, Method::PUT, &path)
            .json(&report_body(&indicators, 5, what))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 401, "invalid_token").await;
        assert!(problem["errors"].as_array().is_some(), "{what}");
    }
    // The genuine token still works, proving the path and body were valid all along, and the
    // report it finds is the template: none of the forgeries wrote.
    let response = app
        .request_with(&reporter, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report = json(response).await;
    assert_eq!(report["status"], "not_started", "{report}");
    assert_eq!(report["version"], 0);
}
