//! Authentication at the edge of the API, and the extractors handlers use to demand it.
//!
//! The `authenticate` middleware runs before any extractor: a bearer token that does not
//! verify is refused with 401 before the request body is even read. Handlers then take
//! [`Caller`] (any authenticated principal) or [`Allowed<P>`] (a principal holding a
//! permission; 403 otherwise). Being the first argument, these are checked before the body.

use std::marker::PhantomData;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest};
use dtihub_domain::access::{Permission, Principal};
use dtihub_domain::unit::UnitCode;
use dtihub_service::auth::{AuthFailure, RequestContext};
use dtihub_service::Actor;
use futures_util::future::{ready, Ready};

use crate::edge::RequestId;
use crate::error::ApiError;
use crate::state::AppState;

/// Paths under `/api/v1/` that take no bearer token.
const PUBLIC_PATHS: [&str; 3] = [
    "/api/v1/auth/token",
    "/api/v1/auth/revoke",
    "/api/v1/openapi.json",
];

/// The bearer token of a request, if it sent one (`Authorization: Bearer <token>`).
fn bearer_token(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The middleware: verifies a bearer token on API paths and stores the [`Principal`].
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path();
    let guarded = path.starts_with("/api/v1/") && !PUBLIC_PATHS.contains(&path);
    if guarded {
        if let Some(token) = bearer_token(&req) {
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Ok(req.error_response(ApiError::internal("no application state")));
            };
            let auth = state.auth.clone();
            let (store, limit) = (state.store.clone(), state.rate_limit);
            let outcome = web::block(move || {
                let principal = auth.authenticate(&token)?;
                let over = limit
                    .hit(
                        &store,
                        &principal.actor_id(),
                        chrono::Utc::now().timestamp(),
                    )
                    .map_err(AuthFailure::Service)?;
                Ok((principal, over))
            })
            .await;
            let failure = match outcome {
                Ok(Ok((_, Some(retry_after)))) => {
                    let mut e = ApiError::new(
                        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                        "rate_limited",
                    );
                    e.retry_after = Some(u32::try_from(retry_after).unwrap_or(u32::MAX));
                    Some(e)
                }
                Ok(Ok((principal, None))) => {
                    req.extensions_mut().insert(principal);
                    None
                }
                Ok(Err(AuthFailure::Invalid(why))) => Some(ApiError::invalid_token(why.0)),
                Ok(Err(AuthFailure::Service(e))) => Some(ApiError::from(e)),
                Err(e) => Some(ApiError::from(e)),
            };
            if let Some(error) = failure {
                if error.status.as_u16() == 401 {
                    tracing::info!(
                        cause = error.cause.as_deref().unwrap_or("-"),
                        "bearer token refused"
                    );
                }
                return Ok(req.error_response(error));
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Where the request came from, for throttling and audit.
pub fn request_context(req: &HttpRequest) -> RequestContext {
    RequestContext {
        address: req.peer_addr().map(|a| a.ip().to_string()),
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who, with current rights.
    pub principal: Principal,
    /// Address and request id.
    pub context: RequestContext,
}

impl Caller {
    /// The audit actor.
    pub fn actor(&self) -> Actor {
        Actor::for_principal(&self.principal, self.context.request_id.clone())
    }

    /// 403 unless the caller holds the permission.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.principal.allows(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// 404 unless the caller may see data of the unit (other units' data is not revealed).
    pub fn require_unit(&self, unit: &UnitCode) -> Result<(), ApiError> {
        if self.principal.can_access_unit(unit) {
            Ok(())
        } else {
            Err(ApiError::not_found())
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().cloned();
        ready(match principal {
            Some(principal) => Ok(Caller {
                principal,
                context: request_context(req),
            }),
            None => Err(ApiError::unauthorized()),
        })
    }
}

/// A permission demanded by an extractor.
pub trait Requirement {
    /// The permission.
    const PERMISSION: Permission;
}

macro_rules! requirement {
    ($name:ident, $permission:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug)]
        pub struct $name;
        impl Requirement for $name {
            const PERMISSION: Permission = Permission::$permission;
        }
    };
}

requirement!(
    ReadCatalog,
    ReadCatalog,
    "Any user, or a client with `catalog:read`."
);
requirement!(
    ReadReports,
    ReadReports,
    "Any user, or a client with `reports:read` or `reports:write`."
);
requirement!(ManageUnits, ManageUnits, "`admin` role or scope.");
requirement!(
    ReadAggregates,
    ReadAggregates,
    "`admin`, `coordinator` or `viewer` role, or an `aggregates:read` or `admin` scope."
);
requirement!(ReviewReports, ReviewReports, "`coordinator` role.");
requirement!(
    ManageCatalog,
    ManageCatalog,
    "`coordinator` or `admin` role, or `admin` scope."
);
requirement!(ManageUsers, ManageUsers, "`admin` role or scope.");
requirement!(ManageClients, ManageClients, "`admin` role or scope.");
requirement!(
    ReadAudit,
    ReadAudit,
    "`admin` or `coordinator` role, or `admin` scope."
);
requirement!(
    ChangeOwnPassword,
    ChangeOwnPassword,
    "Any user (not clients)."
);

/// An authenticated caller holding permission `P` (401 without a token, 403 without `P`).
#[derive(Debug)]
pub struct Allowed<P: Requirement> {
    /// The caller.
    pub caller: Caller,
    _requirement: PhantomData<P>,
}

impl<P: Requirement> std::ops::Deref for Allowed<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<P: Requirement> FromRequest for Allowed<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let result = Caller::from_request(req, payload)
            .into_inner()
            .and_then(|caller| {
                caller.require(P::PERMISSION)?;
                Ok(Allowed {
                    caller,
                    _requirement: PhantomData,
                })
            });
        ready(result)
    }
}
