//! Authentication: the OAuth 2.0 grants, refresh-token rotation with reuse detection, token
//! revocation, login throttling, and turning a bearer token into a [`Principal`].
//!
//! Everything that must survive a restart or be shared between instances (refresh tokens,
//! revoked token ids, failure counters, the generated signing secret) lives in the database.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use dtihub_db::models::{NewRefreshToken, NewRevokedAccessToken, UserRow};
use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::access::{join_names, parse_names, Principal, Role, Scope, Subject, Username};
use dtihub_domain::unit::UnitCode;
use serde_json::json;

use crate::audit;
use crate::error::ServiceError;
use crate::jwt::{AccessClaims, InvalidToken, TokenConfig, TokenKeys};
use crate::secrets::{random_urlsafe, sha256_hex, HashingParams, SecretHasher};
use crate::store::{Actor, Store};

/// Login throttling: failures counted in the database over a sliding window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// Failures of one username or client id within the window before refusing it.
    pub max_failures_per_account: u32,
    /// Failures from one client address within the window before refusing it.
    pub max_failures_per_address: u32,
    /// The sliding window.
    pub window: Duration,
    /// How long a failed attempt waits before it is answered: slows guessing on each
    /// connection before the limit refuses it outright.
    pub failure_delay: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            window: Duration::from_secs(15 * 60),
            failure_delay: Duration::from_millis(500),
        }
    }
}

/// Everything authentication is configured with.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Access tokens.
    pub tokens: TokenConfig,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
    /// argon2id cost.
    pub hashing: HashingParams,
    /// Login throttling.
    pub throttle: ThrottleConfig,
}

/// Where a request came from, for throttling and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The peer address.
    pub address: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
}

/// Why a grant was refused, in RFC 6749 terms (plus throttling and outages).
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// A parameter is missing, repeated or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// Client authentication failed.
    #[error("invalid_client")]
    InvalidClient,
    /// Wrong username or password, or an invalid, expired, revoked or reused refresh token.
    #[error("invalid_grant")]
    InvalidGrant,
    /// The grant type is not supported.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// The requested scope exceeds what the client holds.
    #[error("invalid_scope")]
    InvalidScope,
    /// Too many recent failures.
    #[error("throttled for {retry_after_secs} s")]
    Throttled {
        /// Seconds until the next attempt.
        retry_after_secs: u64,
    },
    /// The database failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What a successful grant returns.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The signed access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// A refresh token (user grants only), shown once.
    pub refresh_token: Option<String>,
    /// Granted scopes (clients) or roles (users), space-separated.
    pub scope: String,
}

/// Why a bearer token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    /// Bad signature, algorithm, key, audience, issuer or expiry; revoked; disabled subject.
    #[error(transparent)]
    Invalid(#[from] InvalidToken),
    /// The database failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

struct Inner {
    store: Store,
    keys: TokenKeys,
    hasher: SecretHasher,
    refresh_ttl: Duration,
    throttle: ThrottleConfig,
}

/// The authentication service (cheap to clone).
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

fn now_naive() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn to_naive(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .naive_utc()
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A throttling key of an account name: lower-cased and bounded so that attacker-chosen
/// names cannot bloat the table.
fn account_key(prefix: &str, name: &str) -> String {
    let name: String = name.trim().to_lowercase().chars().take(64).collect();
    format!("{prefix}:{name}")
}

/// A short, safe rendering of an attacker-chosen name for the audit trail.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

impl Auth {
    /// Builds the service, loading (or on the first start creating) the signing key.
    pub fn new(store: Store, config: AuthConfig) -> Result<Self, ServiceError> {
        let keys = TokenKeys::load(&store, config.tokens)?;
        let hasher = SecretHasher::new(config.hashing)?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                keys,
                hasher,
                refresh_ttl: config.refresh_ttl,
                throttle: config.throttle,
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The password and secret hasher.
    pub fn hasher(&self) -> &SecretHasher {
        &self.inner.hasher
    }

    /// The token keys.
    pub fn keys(&self) -> &TokenKeys {
        &self.inner.keys
    }

    /// How long to hold back the answer to a failed login or client authentication.
    pub fn failure_delay(&self) -> Duration {
        self.inner.throttle.failure_delay
    }

    fn throttle_keys(&self, account: String, ctx: &RequestContext) -> Vec<(String, u32)> {
        let t = self.inner.throttle;
        let mut keys = vec![(account, t.max_failures_per_account)];
        if let Some(address) = &ctx.address {
            keys.push((format!("addr:{address}"), t.max_failures_per_address));
        }
        keys
    }

    /// Refuses when any key has reached its limit within the window; the wait is until
    /// enough failures have left the window.
    fn check_throttle(&self, keys: &[(String, u32)]) -> Result<(), GrantError> {
        let window_ms = i64::try_from(self.inner.throttle.window.as_millis()).unwrap_or(i64::MAX);
        let now_ms = Utc::now().timestamp_millis();
        let since = now_ms.saturating_sub(window_ms);
        let wait_ms = self.inner.store.read(|conn| {
            let mut wait_ms = 0i64;
            for (key, max) in keys {
                let max = i64::from((*max).max(1));
                let (count, _) = repo::throttle::failures_since(conn, key, since)?;
                if count >= max {
                    if let Some(at) = repo::throttle::nth_newest_since(conn, key, since, max)? {
                        wait_ms = wait_ms.max(at + window_ms - now_ms);
                    }
                }
            }
            Ok(wait_ms)
        })?;
        if wait_ms > 0 {
            let secs = u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1);
            Err(GrantError::Throttled {
                retry_after_secs: secs,
            })
        } else {
            Ok(())
        }
    }

    fn record_failure(
        &self,
        conn: &mut DbConn,
        keys: &[(String, u32)],
    ) -> Result<(), ServiceError> {
        let now_ms = Utc::now().timestamp_millis();
        let window_ms = i64::try_from(self.inner.throttle.window.as_millis()).unwrap_or(i64::MAX);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        repo::throttle::record_failure(conn, &names, now_ms)?;
        repo::throttle::purge_before(conn, now_ms.saturating_sub(window_ms))?;
        Ok(())
    }

    fn user_token(&self, user: &UserRow) -> Result<(String, AccessClaims), ServiceError> {
        let roles: Vec<String> = user.roles.split_whitespace().map(str::to_owned).collect();
        self.inner.keys.issue(
            "user",
            &user.username,
            user.unit_code.as_deref(),
            roles,
            None,
        )
    }

    fn new_refresh_token(
        &self,
        conn: &mut DbConn,
        user_id: i64,
        family_id: &str,
    ) -> Result<String, ServiceError> {
        let token = random_urlsafe(32);
        let now = now_naive();
        repo::tokens::insert_refresh(
            conn,
            &NewRefreshToken {
                token_hash: &sha256_hex(&token),
                family_id,
                user_id,
                issued_at: now,
                expires_at: now + chrono_duration(self.inner.refresh_ttl),
            },
        )?;
        Ok(token)
    }

    /// `grant_type=password`.
    pub fn password_grant(
        &self,
        ctx: &RequestContext,
        username: &str,
        password: &str,
    ) -> Result<TokenGrant, GrantError> {
        let keys = self.throttle_keys(account_key("user", username), ctx);
        let shown = printable(&username.trim().to_lowercase());
        if let Err(e) = self.check_throttle(&keys) {
            self.inner.store.transaction(|conn| {
                audit::record(
                    conn,
                    &Actor::anonymous(ctx.request_id.clone()),
                    "auth.login_throttled",
                    "user",
                    &shown,
                    None,
                    Some(&json!({"address": ctx.address})),
                )
            })?;
            return Err(e);
        }
        let user = match Username::parse(username) {
            Ok(name) => self
                .inner
                .store
                .read(|conn| Ok(repo::users::find_by_username(conn, name.as_str())?))?,
            Err(_) => None,
        };
        let (ok, reason) = match &user {
            None => (self.inner.hasher.verify_nothing(password), "unknown_user"),
            Some(u) => {
                let matches = self.inner.hasher.verify(password, &u.password_hash);
                match (matches, u.active == 1) {
                    (true, true) => (true, ""),
                    (true, false) => (false, "disabled"),
                    (false, _) => (false, "wrong_password"),
                }
            }
        };
        let user = match user {
            Some(user) if ok => user,
            _ => {
                self.inner.store.transaction(|conn| {
                    self.record_failure(conn, &keys)?;
                    audit::record(
                        conn,
                        &Actor::anonymous(ctx.request_id.clone()),
                        "auth.login_failed",
                        "user",
                        &shown,
                        None,
                        Some(&json!({"reason": reason, "address": ctx.address})),
                    )
                })?;
                return Err(GrantError::InvalidGrant);
            }
        };
        let grant = self.inner.store.transaction(|conn| {
            repo::throttle::clear(conn, &keys[0].0)?;
            // Housekeeping where it is cheap: expired refresh tokens can never be used again.
            repo::tokens::purge_expired_refresh(conn, now_naive())?;
            let family = uuid::Uuid::new_v4().to_string();
            let refresh = self.new_refresh_token(conn, user.id, &family)?;
            let (token, claims) = self.user_token(&user)?;
            let actor = Actor {
                id: format!("user:{}", user.username),
                request_id: ctx.request_id.clone(),
            };
            audit::record(
                conn,
                &actor,
                "auth.login",
                "user",
                &user.username,
                None,
                Some(&json!({"address": ctx.address})),
            )?;
            audit::record(
                conn,
                &actor,
                "auth.token_issued",
                "access_token",
                &claims.jti,
                None,
                Some(
                    &json!({"grant_type": "password", "exp": claims.exp, "refresh_family": family}),
                ),
            )?;
            Ok(TokenGrant {
                access_token: token,
                expires_in: self.inner.keys.access_ttl_secs(),
                refresh_token: Some(refresh),
                scope: user.roles.clone(),
            })
        })?;
        Ok(grant)
    }

    /// `grant_type=refresh_token`: rotates the refresh token. A token presented a second
    /// time means it was copied: the whole family (every token descended from the same
    /// login) is revoked, so neither the thief nor the victim can go on with it.
    pub fn refresh_grant(
        &self,
        ctx: &RequestContext,
        refresh_token: &str,
    ) -> Result<TokenGrant, GrantError> {
        let hash = sha256_hex(refresh_token);
        let outcome = self.inner.store.transaction(|conn| {
            let Some(row) = repo::tokens::find_refresh(conn, &hash)? else {
                return Ok(Err(GrantError::InvalidGrant));
            };
            let now = now_naive();
            let reuse = |conn: &mut DbConn, why: &str| -> Result<(), ServiceError> {
                let revoked = repo::tokens::revoke_family(conn, &row.family_id, now)?;
                audit::record(
                    conn,
                    &Actor::anonymous(ctx.request_id.clone()),
                    "auth.refresh_reuse_detected",
                    "refresh_token_family",
                    &row.family_id,
                    None,
                    Some(&json!({"revoked": revoked, "reason": why, "address": ctx.address, "user_id": row.user_id})),
                )
            };
            if row.used_at.is_some() {
                reuse(conn, "used_token_presented")?;
                return Ok(Err(GrantError::InvalidGrant));
            }
            if row.revoked_at.is_some() || row.expires_at <= now {
                return Ok(Err(GrantError::InvalidGrant));
            }
            let user = repo::users::find_by_id(conn, row.user_id)?;
            let Some(user) = user.filter(|u| u.active == 1) else {
                repo::tokens::revoke_family(conn, &row.family_id, now)?;
                return Ok(Err(GrantError::InvalidGrant));
            };
            if repo::tokens::mark_used(conn, row.id, now)? == 0 {
                reuse(conn, "concurrent_use")?;
                return Ok(Err(GrantError::InvalidGrant));
            }
            let refresh = self.new_refresh_token(conn, user.id, &row.family_id)?;
            let (token, claims) = self.user_token(&user)?;
            audit::record(
                conn,
                &Actor {
                    id: format!("user:{}", user.username),
                    request_id: ctx.request_id.clone(),
                },
                "auth.token_issued",
                "access_token",
                &claims.jti,
                None,
                Some(&json!({"grant_type": "refresh_token", "exp": claims.exp, "refresh_family": row.family_id})),
            )?;
            Ok(Ok(TokenGrant {
                access_token: token,
                expires_in: self.inner.keys.access_ttl_secs(),
                refresh_token: Some(refresh),
                scope: user.roles.clone(),
            }))
        })?;
        outcome
    }

    /// `grant_type=client_credentials`.
    pub fn client_credentials_grant(
        &self,
        ctx: &RequestContext,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> Result<TokenGrant, GrantError> {
        let keys = self.throttle_keys(account_key("client", client_id), ctx);
        let shown = printable(client_id);
        self.check_throttle(&keys)?;
        let client = self
            .inner
            .store
            .read(|conn| Ok(repo::clients::find_by_client_id(conn, client_id)?))?;
        let (ok, reason) = match &client {
            None => (self.inner.hasher.verify_nothing(secret), "unknown_client"),
            Some(c) => match (
                self.inner.hasher.verify(secret, &c.secret_hash),
                c.active == 1,
            ) {
                (true, true) => (true, ""),
                (true, false) => (false, "disabled"),
                (false, _) => (false, "wrong_secret"),
            },
        };
        let client = match client {
            Some(c) if ok => c,
            _ => {
                self.inner.store.transaction(|conn| {
                    self.record_failure(conn, &keys)?;
                    audit::record(
                        conn,
                        &Actor::anonymous(ctx.request_id.clone()),
                        "auth.client_auth_failed",
                        "client",
                        &shown,
                        None,
                        Some(&json!({"reason": reason, "address": ctx.address})),
                    )
                })?;
                return Err(GrantError::InvalidClient);
            }
        };
        let held: Vec<Scope> = parse_names(&client.scopes)
            .map_err(|_| ServiceError::Internal(format!("client {} has bad scopes", client.id)))?;
        let granted = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            None => held.clone(),
            Some(requested) => {
                let requested: Vec<Scope> =
                    parse_names(requested).map_err(|_| GrantError::InvalidScope)?;
                if !requested.iter().all(|s| held.contains(s)) {
                    return Err(GrantError::InvalidScope);
                }
                requested
            }
        };
        let scope_text = join_names(&granted);
        let grant = self.inner.store.transaction(|conn| {
            repo::throttle::clear(conn, &keys[0].0)?;
            let (token, claims) = self.inner.keys.issue(
                "client",
                &client.client_id,
                client.unit_code.as_deref(),
                Vec::new(),
                Some(scope_text.clone()),
            )?;
            audit::record(
                conn,
                &Actor {
                    id: format!("client:{}", client.client_id),
                    request_id: ctx.request_id.clone(),
                },
                "auth.token_issued",
                "access_token",
                &claims.jti,
                None,
                Some(&json!({"grant_type": "client_credentials", "exp": claims.exp, "scope": scope_text, "address": ctx.address})),
            )?;
            Ok(TokenGrant {
                access_token: token,
                expires_in: self.inner.keys.access_ttl_secs(),
                refresh_token: None,
                scope: scope_text.clone(),
            })
        })?;
        Ok(grant)
    }

    /// RFC 7009 revocation. A refresh token revokes its whole family (the session); an access
    /// token is denied until it expires. Unknown or invalid tokens are not an error: the
    /// answer must not tell a caller whether a token existed.
    pub fn revoke(&self, ctx: &RequestContext, token: &str) -> Result<(), ServiceError> {
        let token = token.trim();
        if token.split('.').count() == 3 {
            let Ok(claims) = self.inner.keys.verify_ignoring_expiry(token) else {
                return Ok(());
            };
            return self.inner.store.transaction(|conn| {
                repo::tokens::purge_expired_access(conn, now_naive())?;
                repo::tokens::revoke_access(
                    conn,
                    &NewRevokedAccessToken {
                        jti: &claims.jti,
                        expires_at: to_naive(claims.exp),
                    },
                )?;
                audit::record(
                    conn,
                    &Actor {
                        id: format!("{}:{}", claims.kind, claims.sub),
                        request_id: ctx.request_id.clone(),
                    },
                    "auth.token_revoked",
                    "access_token",
                    &claims.jti,
                    None,
                    Some(&json!({"address": ctx.address})),
                )
            });
        }
        let hash = sha256_hex(token);
        self.inner.store.transaction(|conn| {
            let Some(row) = repo::tokens::find_refresh(conn, &hash)? else {
                return Ok(());
            };
            let revoked = repo::tokens::revoke_family(conn, &row.family_id, now_naive())?;
            let user = repo::users::find_by_id(conn, row.user_id)?;
            let actor = match user {
                Some(u) => Actor {
                    id: format!("user:{}", u.username),
                    request_id: ctx.request_id.clone(),
                },
                None => Actor::anonymous(ctx.request_id.clone()),
            };
            audit::record(
                conn,
                &actor,
                "auth.token_revoked",
                "refresh_token_family",
                &row.family_id,
                None,
                Some(&json!({"revoked": revoked, "address": ctx.address})),
            )
        })
    }

    /// Turns a bearer token into the caller with its current rights: the signature and
    /// claims must verify, the token must not be revoked, and the user or client must still
    /// be active and must not have changed its password or secret since the token was issued.
    /// Roles, unit and scopes come from the database, so an admin's change applies at once.
    pub fn authenticate(&self, token: &str) -> Result<Principal, AuthFailure> {
        let claims = self.inner.keys.verify(token)?;
        let invalid = |why: &str| AuthFailure::Invalid(InvalidToken(why.to_owned()));
        self.inner.store.read(|conn| {
            if repo::tokens::is_access_revoked(conn, &claims.jti)? {
                return Ok(Err(invalid("revoked")));
            }
            let unit_of = |code: Option<&str>| code.and_then(|c| UnitCode::parse(c).ok());
            match claims.kind.as_str() {
                "user" => {
                    let Some(user) = repo::users::find_by_username(conn, &claims.sub)? else {
                        return Ok(Err(invalid("unknown user")));
                    };
                    if user.active != 1 {
                        return Ok(Err(invalid("user disabled")));
                    }
                    if claims.iat < user.password_changed_at.and_utc().timestamp() {
                        return Ok(Err(invalid("password changed since issue")));
                    }
                    let roles: Vec<Role> = parse_names(&user.roles).unwrap_or_default();
                    let username = Username::parse(&user.username)
                        .map_err(|_| ServiceError::Internal("stored username".into()))?;
                    Ok(Ok(Principal {
                        subject: Subject::User(username),
                        unit: unit_of(user.unit_code.as_deref()),
                        roles,
                        scopes: Vec::new(),
                    }))
                }
                "client" => {
                    let Some(client) = repo::clients::find_by_client_id(conn, &claims.sub)? else {
                        return Ok(Err(invalid("unknown client")));
                    };
                    if client.active != 1 {
                        return Ok(Err(invalid("client disabled")));
                    }
                    if claims.iat < client.secret_rotated_at.and_utc().timestamp() {
                        return Ok(Err(invalid("secret rotated since issue")));
                    }
                    let held: Vec<Scope> = parse_names(&client.scopes).unwrap_or_default();
                    let granted: Vec<Scope> =
                        parse_names(claims.scope.as_deref().unwrap_or_default())
                            .unwrap_or_default();
                    Ok(Ok(Principal {
                        subject: Subject::Client(client.client_id),
                        unit: unit_of(client.unit_code.as_deref()),
                        roles: Vec::new(),
                        scopes: granted.into_iter().filter(|s| held.contains(s)).collect(),
                    }))
                }
                _ => Ok(Err(invalid("unknown kind"))),
            }
        })?
    }

    /// Counts a failed password check (password change with a wrong old password) against
    /// the account, as a failed login would.
    pub fn record_password_failure(
        &self,
        conn: &mut DbConn,
        username: &str,
        ctx: &RequestContext,
    ) -> Result<(), ServiceError> {
        let keys = self.throttle_keys(account_key("user", username), ctx);
        self.record_failure(conn, &keys)
    }

    /// Refuses a password check on an account that is currently throttled.
    pub fn check_account_throttle(
        &self,
        username: &str,
        ctx: &RequestContext,
    ) -> Result<(), ServiceError> {
        let keys = self.throttle_keys(account_key("user", username), ctx);
        match self.check_throttle(&keys) {
            Ok(()) => Ok(()),
            Err(GrantError::Throttled { retry_after_secs }) => {
                Err(ServiceError::Throttled { retry_after_secs })
            }
            Err(GrantError::Service(e)) => Err(e),
            Err(_) => Err(ServiceError::Internal("throttle check".into())),
        }
    }
}
