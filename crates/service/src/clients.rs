//! Machine clients (LGSP, scripts): administration and secret rotation.

use chrono::{NaiveDateTime, Utc};
use dtihub_db::models::{ClientChangeset, ClientRow, NewClient};
use dtihub_db::repo;
use dtihub_domain::access::{join_names, parse_names, Scope};
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use serde::Serialize;

use crate::audit;
use crate::auth::Auth;
use crate::error::ServiceError;
use crate::secrets::generate_client_secret;
use crate::store::{Actor, Store};
use crate::validate::{self, Errors};

/// A client as the API shows it: never the secret or its hash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClientView {
    /// The public identifier.
    pub client_id: String,
    /// What the client is.
    pub name: String,
    /// Scopes it may be granted.
    pub scopes: Vec<Scope>,
    /// The unit it may act for, when bound.
    pub unit: Option<String>,
    /// Whether it may obtain tokens.
    pub active: bool,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// When the secret was last set.
    pub secret_rotated_at: NaiveDateTime,
    /// Row version, for ETags.
    #[serde(skip)]
    pub version: i64,
}

impl ClientView {
    fn from_row(row: &ClientRow) -> Self {
        Self {
            client_id: row.client_id.clone(),
            name: row.name.clone(),
            scopes: parse_names(&row.scopes).unwrap_or_default(),
            unit: row.unit_code.clone(),
            active: row.active == 1,
            created_at: row.created_at,
            updated_at: row.updated_at,
            secret_rotated_at: row.secret_rotated_at,
            version: row.version,
        }
    }

    fn audit_json(&self) -> Result<serde_json::Value, ServiceError> {
        serde_json::to_value(self).map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

/// A client to create, as received.
#[derive(Debug, Clone, Default)]
pub struct NewClientInput {
    /// What the client is.
    pub name: String,
    /// Scope names.
    pub scopes: Vec<String>,
    /// Unit code to bind it to.
    pub unit: Option<String>,
}

/// Changes to a client; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    /// New name.
    pub name: Option<String>,
    /// New scopes.
    pub scopes: Option<Vec<String>>,
    /// New unit binding.
    pub unit: Option<Option<String>>,
    /// Enable or disable.
    pub active: Option<bool>,
}

fn parse_scopes(raw: &[String], errors: &mut Errors) -> Vec<Scope> {
    if raw.is_empty() {
        errors.push(FieldError::new("/scopes", "required"));
    }
    let mut scopes = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        match s.trim().parse::<Scope>() {
            Ok(scope) => scopes.push(scope),
            Err(_) => errors.push(
                FieldError::new(format!("/scopes/{i}"), "invalid_enum")
                    .with("allowed", join_names(&Scope::ALL)),
            ),
        }
    }
    scopes.sort();
    scopes.dedup();
    scopes
}

fn check_binding(scopes: &[Scope], unit: Option<&UnitCode>, errors: &mut Errors) {
    if unit.is_some() && scopes.contains(&Scope::Admin) {
        errors.push(FieldError::new("/unit", "admin_scope_cannot_be_bound"));
    }
}

/// Creates a client; returns it and its secret, which is shown this once only.
pub fn create(
    store: &Store,
    auth: &Auth,
    actor: &Actor,
    input: &NewClientInput,
) -> Result<(ClientView, String), ServiceError> {
    let client_id = format!("cl-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
    let secret = generate_client_secret();
    create_with_credentials(store, auth, actor, input, &client_id, secret)
}

/// Creates a client with a given id and secret (the demo client's are documented).
pub(crate) fn create_with_credentials(
    store: &Store,
    auth: &Auth,
    actor: &Actor,
    input: &NewClientInput,
    client_id: &str,
    secret: String,
) -> Result<(ClientView, String), ServiceError> {
    let mut errors = Errors::default();
    let name = errors.take(validate::text(&input.name, "/name", 200));
    let scopes = parse_scopes(&input.scopes, &mut errors);
    let hash = auth.hasher().hash(&secret)?;
    let view = store.transaction(|conn| {
        let mut errors = Errors(std::mem::take(&mut errors.0));
        let unit = match input
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => errors.take(validate::existing_unit(conn, raw, "/unit")?),
        };
        check_binding(&scopes, unit.as_ref(), &mut errors);
        errors.finish()?;
        let name = name.clone().unwrap_or_default();
        let now = Utc::now().naive_utc();
        let scopes_text = join_names(&scopes);
        if repo::clients::find_by_client_id(conn, client_id)?.is_some() {
            return Err(ServiceError::Conflict {
                code: "already_exists",
            });
        }
        repo::clients::insert(
            conn,
            &NewClient {
                client_id,
                name: &name,
                secret_hash: &hash,
                scopes: &scopes_text,
                unit_code: unit.as_ref().map(UnitCode::as_str),
                active: 1,
                version: 1,
                created_at: now,
                updated_at: now,
                secret_rotated_at: now,
            },
        )?;
        let row = repo::clients::find_by_client_id(conn, client_id)?
            .ok_or(ServiceError::NotFound { entity: "client" })?;
        let view = ClientView::from_row(&row);
        audit::record(
            conn,
            actor,
            "client.create",
            "client",
            client_id,
            None,
            Some(&view.audit_json()?),
        )?;
        Ok(view)
    })?;
    Ok((view, secret))
}

/// Lists clients by `client_id`; returns the page and whether more follow.
pub fn list(
    store: &Store,
    after: Option<&str>,
    limit: u32,
) -> Result<(Vec<ClientView>, bool), ServiceError> {
    let rows = store.read(|conn| Ok(repo::clients::list(conn, after, i64::from(limit) + 1)?))?;
    let more = rows.len() > limit as usize;
    Ok((
        rows.iter()
            .take(limit as usize)
            .map(ClientView::from_row)
            .collect(),
        more,
    ))
}

/// One client.
pub fn get(store: &Store, client_id: &str) -> Result<ClientView, ServiceError> {
    store.read(|conn| {
        repo::clients::find_by_client_id(conn, client_id)?
            .map(|r| ClientView::from_row(&r))
            .ok_or(ServiceError::NotFound { entity: "client" })
    })
}

/// Applies a patch (deactivation is `active: false`); `expected_version` must still hold.
pub fn update(
    store: &Store,
    actor: &Actor,
    client_id: &str,
    expected_version: Option<i64>,
    patch: &ClientPatch,
) -> Result<ClientView, ServiceError> {
    store.transaction(|conn| {
        let row = repo::clients::find_by_client_id(conn, client_id)?
            .ok_or(ServiceError::NotFound { entity: "client" })?;
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        let before = ClientView::from_row(&row);
        let mut errors = Errors::default();
        let name = match &patch.name {
            Some(raw) => errors.take(validate::text(raw, "/name", 200)),
            None => Some(row.name.clone()),
        };
        let scopes = match &patch.scopes {
            Some(raw) => parse_scopes(raw, &mut errors),
            None => before.scopes.clone(),
        };
        let unit = match &patch.unit {
            Some(Some(raw)) if !raw.trim().is_empty() => {
                errors.take(validate::existing_unit(conn, raw, "/unit")?)
            }
            Some(_) => None,
            None => row
                .unit_code
                .as_deref()
                .and_then(|c| UnitCode::parse(c).ok()),
        };
        check_binding(&scopes, unit.as_ref(), &mut errors);
        errors.finish()?;
        let name = name.unwrap_or_default();
        let scopes_text = join_names(&scopes);
        let changes = ClientChangeset {
            name: &name,
            scopes: &scopes_text,
            unit_code: unit.as_ref().map(UnitCode::as_str),
            active: i32::from(patch.active.unwrap_or(before.active)),
            version: row.version + 1,
            updated_at: Utc::now().naive_utc(),
        };
        if repo::clients::update(conn, row.id, row.version, &changes)? == 0 {
            return Err(ServiceError::PreconditionFailed);
        }
        let after = repo::clients::find_by_client_id(conn, client_id)?
            .map(|r| ClientView::from_row(&r))
            .ok_or(ServiceError::NotFound { entity: "client" })?;
        audit::record(
            conn,
            actor,
            "client.update",
            "client",
            client_id,
            Some(&before.audit_json()?),
            Some(&after.audit_json()?),
        )?;
        Ok(after)
    })
}

/// Replaces the secret; the new one is returned once. Tokens issued with the old secret
/// stop working.
pub fn rotate_secret(
    store: &Store,
    auth: &Auth,
    actor: &Actor,
    client_id: &str,
) -> Result<(ClientView, String), ServiceError> {
    let secret = generate_client_secret();
    let hash = auth.hasher().hash(&secret)?;
    let view = store.transaction(|conn| {
        let row = repo::clients::find_by_client_id(conn, client_id)?
            .ok_or(ServiceError::NotFound { entity: "client" })?;
        repo::clients::set_secret(conn, row.id, &hash, Utc::now().naive_utc())?;
        audit::record(
            conn,
            actor,
            "client.secret_rotated",
            "client",
            client_id,
            None,
            None,
        )?;
        repo::clients::find_by_client_id(conn, client_id)?
            .map(|r| ClientView::from_row(&r))
            .ok_or(ServiceError::NotFound { entity: "client" })
    })?;
    Ok((view, secret))
}
