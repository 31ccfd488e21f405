//! Access-token verification: each attack is refused with 401 and
//! `WWW-Authenticate: Bearer error="invalid_token"`; keys are generated once and shared by
//! instances (HS256), or configured and published with `kid` (EdDSA).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use dtihub_service::jwt::GENERATED_KEY_PURPOSE;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, spawn_app_with, Role, TestApp, PASSWORD};

/// A throwaway Ed25519 key for tests only.
pub(crate) const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGJTnKOvqAkiO0F3Q17MFgjfqNREbN1BqUyLkHDGfoeM
-----END PRIVATE KEY-----
";
const TEST_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA5eZUGbS9pztmWczL43tJLtyjka9Rjm97aBALsbZ/sIo=
-----END PUBLIC KEY-----
";
/// A second throwaway key, for rotation.
const NEXT_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJZ8XKRp5JL8ZvGMod9mXtNaSoJqoMXX3kj9yGTyJarp
-----END PRIVATE KEY-----
";

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64")).expect("json")
    };
    let header = decode(it.next().unwrap());
    let claims = decode(it.next().unwrap());
    (header, claims)
}

/// The HS256 secret the server generated and stored, with its key id.
fn stored_secret(app: &TestApp) -> (String, Vec<u8>) {
    let mut conn = app.store.conn().expect("conn");
    let row = dtihub_db::repo::keys::find_by_purpose(&mut conn, GENERATED_KEY_PURPOSE)
        .expect("query")
        .expect("key row");
    (row.kid, STANDARD.decode(row.secret).expect("b64"))
}

fn sign_hs256(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let response = app
        .request_with(token, Method::GET, "/api/v1/units?limit=1")
        .send()
        .await
        .expect("send");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(response.status(), 401, "{what}");
    assert!(
        challenge.starts_with("Bearer") && challenge.contains(r#"error="invalid_token""#),
        "{what}: {challenge}"
    );
    assert_problem(response, 401, "invalid_token").await;
}

#[tokio::test]
async fn missing_or_malformed_bearer_is_401_with_a_challenge() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/units").await;
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="dtihub""#)
    );
    assert_problem(response, 401, "unauthorized").await;
    let response = app
        .request(Method::GET, "/api/v1/me")
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, "unauthorized").await;
    for garbage in ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30."] {
        assert_refused(&app, garbage, garbage).await;
    }
}

#[tokio::test]
async fn each_forgery_is_refused() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Viewer).await;
    let (header, claims) = parts(&token);
    assert_eq!(header["alg"], "HS256");
    assert!(header["kid"]
        .as_str()
        .is_some_and(|k| k.starts_with("hs256-")));
    let (kid, secret) = stored_secret(&app);
    assert_eq!(header["kid"], kid.as_str());
    assert!(secret.len() >= 32);
    // Sanity: a token signed with the stored secret and good claims is accepted.
    let now = chrono::Utc::now().timestamp();
    let good = sign_hs256(&kid, &secret, &claims);
    let response = app
        .request_with(&good, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // alg: none, unsigned.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    assert_refused(&app, &none, "alg none").await;
    let none_kid = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
        b64(&claims)
    );
    assert_refused(&app, &none_kid, "alg none with kid").await;
    // Tampered: the viewer makes itself an admin, keeping the signature.
    let mut admin_claims = claims.clone();
    admin_claims["roles"] = json!(["admin"]);
    admin_claims["sub"] = json!("demo-admin");
    let sig = token.rsplit('.').next().unwrap();
    let tampered = format!(
        "{}.{}.{sig}",
        token.split('.').next().unwrap(),
        b64(&admin_claims)
    );
    assert_refused(&app, &tampered, "tampered payload").await;
    // Wrong audience, wrong issuer, expired: signed with the right key all the same.
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("another-api");
    assert_refused(&app, &sign_hs256(&kid, &secret, &wrong_aud), "wrong aud").await;
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = json!("https://evil.example");
    assert_refused(&app, &sign_hs256(&kid, &secret, &wrong_iss), "wrong iss").await;
    let mut expired = claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    assert_refused(&app, &sign_hs256(&kid, &secret, &expired), "expired").await;
    // Signed with another secret, or with an unknown kid.
    assert_refused(
        &app,
        &sign_hs256(&kid, b"guessed-secret", &claims),
        "other secret",
    )
    .await;
    assert_refused(
        &app,
        &sign_hs256("hs256-other", &secret, &claims),
        "unknown kid",
    )
    .await;
    // HS384 with the right secret: only the configured algorithm is accepted.
    let mut h384 = Header::new(Algorithm::HS384);
    h384.kid = Some(kid.clone());
    let other_alg =
        jsonwebtoken::encode(&h384, &claims, &EncodingKey::from_secret(&secret)).unwrap();
    assert_refused(&app, &other_alg, "HS384").await;
    // The secret never reaches the audit log.
    let audit = app.audit_text();
    assert!(!audit.contains(&STANDARD.encode(&secret)));
}

#[tokio::test]
async fn the_generated_secret_is_shared_by_instances_on_one_database() {
    let app = spawn_app().await;
    let (kid, secret) = stored_secret(&app);
    let sibling = app.spawn_sibling(|_| {}).await;
    // Same key after a "restart" (a second instance found it instead of making another).
    assert_eq!(stored_secret(&app), (kid, secret));
    let token = app.token_for(Role::Coordinator).await;
    let response = app
        .client
        .get(format!("{sibling}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // No public key is published for a symmetric secret.
    let jwks = json(app.get("/.well-known/jwks.json").await).await;
    assert_eq!(jwks["keys"], json!([]));
}

#[tokio::test]
async fn eddsa_tokens_carry_a_published_kid_and_refuse_algorithm_confusion() {
    let app = spawn_app_with(|s| {
        s.jwt_private_key_pem = Some(secrecy::SecretString::from(TEST_KEY.to_owned()));
    })
    .await;
    let jwks = json(app.get("/.well-known/jwks.json").await).await;
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[0]["crv"], "Ed25519");
    assert_eq!(keys[0]["alg"], "EdDSA");
    assert_eq!(keys[0]["use"], "sig");
    let token = app.token_for(Role::Admin).await;
    let (header, claims) = parts(&token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], keys[0]["kid"]);
    // The token verifies with the published key (as any other service would check it).
    let x = keys[0]["x"].as_str().unwrap();
    let key = jsonwebtoken::DecodingKey::from_ed_components(x).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["dtihub-api"]);
    validation.set_issuer(&["dtihub"]);
    jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("verifies with the JWKS");
    assert_eq!(
        app.request_with(&token, Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Algorithm confusion: HS256 "signed" with the public key (as PEM and as raw bytes).
    let kid = header["kid"].as_str().unwrap();
    let raw = URL_SAFE_NO_PAD.decode(x).unwrap();
    for public in [TEST_PUBLIC.as_bytes(), raw.as_slice()] {
        assert_refused(
            &app,
            &sign_hs256(kid, public, &claims),
            "HS256 with public key",
        )
        .await;
    }
    // alg none and a token from another key with the same kid.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": kid})),
        b64(&claims)
    );
    assert_refused(&app, &none, "alg none").await;
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.to_owned());
    let other = jsonwebtoken::encode(
        &h,
        &claims,
        &EncodingKey::from_ed_pem(NEXT_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_refused(&app, &other, "other Ed25519 key").await;
}

#[tokio::test]
async fn rotating_the_eddsa_key_keeps_old_tokens_valid() {
    let dir = tempfile::tempdir().unwrap();
    let old_public = dir.path().join("old.pub.pem");
    std::fs::write(&old_public, TEST_PUBLIC).unwrap();
    let app = spawn_app_with(|s| {
        s.jwt_private_key_pem = Some(secrecy::SecretString::from(TEST_KEY.to_owned()));
    })
    .await;
    let old_token = app.token_for(Role::Viewer).await;
    // A new instance signs with the next key and still accepts the old one's tokens.
    let next = app
        .spawn_sibling(|s| {
            s.jwt_private_key_pem = Some(secrecy::SecretString::from(NEXT_KEY.to_owned()));
            s.jwt_previous_public_key_files = vec![old_public.clone()];
        })
        .await;
    let jwks: Value = app
        .client
        .get(format!("{next}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
    let response = app
        .client
        .get(format!("{next}/api/v1/me"))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let new_login: Value = app
        .client
        .post(format!("{next}/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "demo-viewer"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (header, _) = parts(new_login["access_token"].as_str().unwrap());
    assert_eq!(header["kid"], jwks["keys"][0]["kid"]);
    assert_ne!(header["kid"], jwks["keys"][1]["kid"]);
}
