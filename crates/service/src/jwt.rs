//! Access tokens: signed JWTs with `iss`, `aud`, `sub`, `exp`, `iat`, `jti` and the caller's
//! unit and roles or scopes.
//!
//! Exactly one algorithm is accepted: HS256 with a secret generated on the first start and
//! stored in the database (shared by every instance), or EdDSA with a configured private key
//! whose public half — and any earlier public keys still accepted during a rotation — are
//! published as a JWK set. Every token names its key with `kid`.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::Utc;
use dtihub_db::models::NewSigningKey;
use dtihub_db::repo;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ServiceError;
use crate::secrets::random_urlsafe;
use crate::store::Store;

/// The `signing_keys.purpose` of the generated HS256 secret.
pub const GENERATED_KEY_PURPOSE: &str = "access_token_hs256";

/// Where the signing key comes from.
#[derive(Clone)]
pub enum SigningConfig {
    /// HS256 with a random secret generated on the first start and kept in the database.
    Generated,
    /// EdDSA (Ed25519) with a configured PKCS#8 PEM private key; the PEM public keys of
    /// earlier keys stay accepted (and published) so keys rotate without downtime.
    Ed25519 {
        /// The current private key, PEM.
        private_key_pem: String,
        /// Public keys (SPKI PEM) of earlier keys still accepted.
        previous_public_key_pems: Vec<String>,
    },
}

impl std::fmt::Debug for SigningConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SigningConfig::Generated => f.write_str("Generated(HS256)"),
            SigningConfig::Ed25519 { .. } => f.write_str("Ed25519(***)"),
        }
    }
}

/// Token settings.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    /// `iss` of issued tokens, and the only one accepted.
    pub issuer: String,
    /// `aud` of issued tokens, and the only one accepted.
    pub audience: String,
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Key source.
    pub signing: SigningConfig,
}

/// The claims of a DTI Hub access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Username or `client_id`.
    pub sub: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// Token id, for revocation.
    pub jti: String,
    /// `user` or `client`.
    pub kind: String,
    /// The user's unit or the client's bound unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The user's roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The client's granted scopes, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A public key for the JWK set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// Key id.
    pub kid: String,
    /// `OKP`.
    pub kty: &'static str,
    /// `Ed25519`.
    pub crv: &'static str,
    /// The public key, base64url.
    pub x: String,
    /// `EdDSA`.
    pub alg: &'static str,
}

/// Why a presented token was refused (for the log; the client only hears `invalid_token`).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("invalid token: {0}")]
pub struct InvalidToken(pub String);

/// Issues and verifies access tokens.
pub struct TokenKeys {
    algorithm: Algorithm,
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: Vec<PublicJwk>,
    validation: Validation,
    config: TokenConfig,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Loads the keys: the configured Ed25519 key, or the generated HS256 secret (created in
    /// the database on the first start).
    pub fn load(store: &Store, config: TokenConfig) -> Result<Self, ServiceError> {
        match &config.signing {
            SigningConfig::Generated => {
                let (kid, secret) = generated_secret(store)?;
                let mut decoding = HashMap::new();
                decoding.insert(kid.clone(), DecodingKey::from_secret(&secret));
                Ok(Self::assemble(
                    Algorithm::HS256,
                    kid,
                    EncodingKey::from_secret(&secret),
                    decoding,
                    Vec::new(),
                    config,
                ))
            }
            SigningConfig::Ed25519 {
                private_key_pem,
                previous_public_key_pems,
            } => {
                let bad = |what: &str, e: &dyn std::fmt::Display| {
                    ServiceError::Internal(format!("{what}: {e}"))
                };
                let signing = SigningKey::from_pkcs8_pem(private_key_pem)
                    .map_err(|e| bad("the Ed25519 private key is not PKCS#8 PEM", &e))?;
                let encoding = EncodingKey::from_ed_pem(private_key_pem.as_bytes())
                    .map_err(|e| bad("the Ed25519 private key", &e))?;
                let mut publics = vec![signing.verifying_key()];
                for pem in previous_public_key_pems {
                    publics.push(
                        VerifyingKey::from_public_key_pem(pem)
                            .map_err(|e| bad("a previous Ed25519 public key", &e))?,
                    );
                }
                let mut decoding = HashMap::new();
                let mut jwks = Vec::new();
                for public in &publics {
                    let x = URL_SAFE_NO_PAD.encode(public.as_bytes());
                    let kid = ed25519_thumbprint(&x);
                    let key = DecodingKey::from_ed_components(&x)
                        .map_err(|e| bad("an Ed25519 public key", &e))?;
                    decoding.insert(kid.clone(), key);
                    jwks.push(PublicJwk {
                        kid,
                        kty: "OKP",
                        crv: "Ed25519",
                        x,
                        alg: "EdDSA",
                    });
                }
                let kid = jwks
                    .first()
                    .map(|k| k.kid.clone())
                    .ok_or_else(|| ServiceError::Internal("no Ed25519 key".into()))?;
                Ok(Self::assemble(
                    Algorithm::EdDSA,
                    kid,
                    encoding,
                    decoding,
                    jwks,
                    config,
                ))
            }
        }
    }

    fn assemble(
        algorithm: Algorithm,
        kid: String,
        encoding: EncodingKey,
        decoding: HashMap<String, DecodingKey>,
        jwks: Vec<PublicJwk>,
        config: TokenConfig,
    ) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            algorithm,
            kid,
            encoding,
            decoding,
            jwks,
            validation,
            config,
        }
    }

    /// The accepted algorithm's name.
    pub fn algorithm_name(&self) -> &'static str {
        match self.algorithm {
            Algorithm::EdDSA => "EdDSA",
            _ => "HS256",
        }
    }

    /// Access-token lifetime in seconds.
    pub fn access_ttl_secs(&self) -> i64 {
        i64::try_from(self.config.access_ttl.as_secs()).unwrap_or(i64::MAX)
    }

    /// The public keys (empty for HS256: a symmetric key is never published).
    pub fn jwks(&self) -> &[PublicJwk] {
        &self.jwks
    }

    /// Signs an access token for a subject; returns the token and its claims.
    pub fn issue(
        &self,
        kind: &str,
        sub: &str,
        unit: Option<&str>,
        roles: Vec<String>,
        scope: Option<String>,
    ) -> Result<(String, AccessClaims), ServiceError> {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            sub: sub.to_owned(),
            exp: now + self.access_ttl_secs(),
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            kind: kind.to_owned(),
            unit: unit.map(str::to_owned),
            roles,
            scope,
        };
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ServiceError::Internal(format!("signing a token: {e}")))?;
        Ok((token, claims))
    }

    /// Verifies signature, algorithm, key id, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, InvalidToken> {
        self.verify_with(token, &self.validation)
    }

    /// Verifies everything but expiry (revoking an expired token is harmless).
    pub fn verify_ignoring_expiry(&self, token: &str) -> Result<AccessClaims, InvalidToken> {
        let mut validation = self.validation.clone();
        validation.validate_exp = false;
        self.verify_with(token, &validation)
    }

    fn verify_with(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<AccessClaims, InvalidToken> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| InvalidToken(format!("header: {e}")))?;
        if header.alg != self.algorithm {
            return Err(InvalidToken(format!(
                "algorithm {:?} not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| InvalidToken("no kid".to_owned()))?;
        let key = self
            .decoding
            .get(&kid)
            .ok_or_else(|| InvalidToken("unknown kid".to_owned()))?;
        jsonwebtoken::decode::<AccessClaims>(token, key, validation)
            .map(|data| data.claims)
            .map_err(|e| InvalidToken(e.to_string()))
    }
}

/// RFC 7638 thumbprint of an Ed25519 JWK: the key id.
fn ed25519_thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The generated HS256 secret: read it, or create it when this is the first start. Two
/// instances starting together on one database both try to insert; the unique `purpose`
/// lets exactly one win and the other reads the winner's key.
fn generated_secret(store: &Store) -> Result<(String, Vec<u8>), ServiceError> {
    let decode =
        |row: dtihub_db::models::SigningKeyRow| -> Result<(String, Vec<u8>), ServiceError> {
            let secret = STANDARD
                .decode(&row.secret)
                .map_err(|e| ServiceError::Internal(format!("stored signing key: {e}")))?;
            Ok((row.kid, secret))
        };
    if let Some(row) =
        store.read(|conn| Ok(repo::keys::find_by_purpose(conn, GENERATED_KEY_PURPOSE)?))?
    {
        return decode(row);
    }
    let mut secret = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    let kid = format!("hs256-{}", random_urlsafe(9));
    let encoded = STANDARD.encode(secret);
    let created = store.transaction(|conn| {
        repo::keys::insert(
            conn,
            &NewSigningKey {
                purpose: GENERATED_KEY_PURPOSE,
                kid: &kid,
                algorithm: "HS256",
                secret: &encoded,
                created_at: Utc::now().naive_utc(),
            },
        )?;
        Ok(())
    });
    match created {
        Ok(()) => {
            tracing::info!(kid = %kid, "generated the access-token signing key (HS256)");
            Ok((kid, secret.to_vec()))
        }
        Err(ServiceError::Conflict { .. }) => {
            let row = store
                .read(|conn| Ok(repo::keys::find_by_purpose(conn, GENERATED_KEY_PURPOSE)?))?
                .ok_or_else(|| ServiceError::Internal("signing key vanished".into()))?;
            decode(row)
        }
        Err(e) => Err(e),
    }
}
