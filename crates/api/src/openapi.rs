//! The OpenAPI document: generated from the handlers as they are registered, so it cannot
//! drift from the router.

use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldLocation, Problem, ProblemFieldError};
use crate::oauth::{OAuthError, TokenRequest, TokenResponse};

/// The token endpoint, for both OAuth 2.0 flows.
const TOKEN_URL: &str = "/api/v1/auth/token";

/// Declares the security schemes once: `bearer` (a JWT pasted in), `oauth2` (the password
/// flow for people, so Swagger UI can log in; client credentials for machines) and
/// `client_basic` (HTTP Basic client authentication at the token endpoint).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/token`, sent as \
                         `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        let scopes = || {
            Scopes::from_iter([
                ("catalog:read", "Read the catalog: units, plans, indicators"),
                ("reports:read", "Read reports"),
                (
                    "reports:write",
                    "Write reports (of the bound unit, if bound)",
                ),
                ("imports:write", "Upload bulk imports"),
                ("aggregates:read", "Read aggregates and DTI scores"),
                ("admin", "Administer units, users and clients"),
            ])
        };
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [
                    Flow::Password(Password::new(TOKEN_URL, Scopes::new())),
                    Flow::ClientCredentials(ClientCredentials::new(TOKEN_URL, scopes())),
                ],
                "People log in with the password flow (roles come from their account; no scope \
                 to request). Machine clients use client credentials and request scopes.",
            )),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "Client authentication at the token endpoint: `client_id:client_secret`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Top-level facts of the contract; paths come from the router (see [`crate::routes::openapi`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "DTI Hub API",
        version = "1.0.0",
        description = "Báo cáo chuyển đổi số định kỳ của sở, ngành và UBND cấp xã; tổng hợp, \
                       đánh giá chỉ tiêu và chỉ số DTI của tỉnh.\n\n\
                       Monthly digital-transformation reports of a Vietnamese province's \
                       departments and communes, their review, and the aggregates built on them.\n\n\
                       Errors are RFC 9457 `application/problem+json` documents with a stable \
                       `code`; messages are in Vietnamese unless `Accept-Language: en` is sent. \
                       The one exception is the OAuth 2.0 token and revocation endpoints, whose \
                       400 and 401 answers are RFC 6749 error documents.\n\n\
                       Every `/api/v1` operation except those two needs a bearer access token: \
                       401 without one, 403 when the role or scope does not allow the operation, \
                       and 404 for another unit's data.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "auth", description = "Tokens (OAuth 2.0), revocation, who am I"),
        (name = "units", description = "Đơn vị: the unit registry"),
        (name = "users", description = "User accounts (admin)"),
        (name = "clients", description = "Machine clients (admin)"),
        (name = "audit", description = "The audit trail (admin, coordinator)"),
        (name = "plans", description = "Kế hoạch: the province's plans and their totals"),
        (name = "indicators", description = "Chỉ tiêu: a plan's indicators and yearly targets"),
        (name = "tasks", description = "Nhiệm vụ: a plan's tasks and their timing"),
        (name = "projects", description = "Dự án: a plan's public-investment projects"),
        (name = "budget-lines", description = "Chi thường xuyên: a plan's recurrent budget lines"),
        (name = "changes", description = "The change feed for integrators: every committed change, in commit order"),
        (name = "imports", description = "Bulk uploads of report items (CSV, JSON, XLSX), templates, idempotency keys"),
        (name = "aggregates", description = "Tổng hợp: compliance, roll-ups, evaluation against targets, tasks, finance, exports"),
        (name = "dti", description = "Chỉ số chuyển đổi số (DTI): frameworks, self-assessments, verification, scores and ranks"),
        (name = "ops", description = "Health, readiness and metrics"),
    ),
    modifiers(&SecuritySchemes),
    components(schemas(Problem, ProblemFieldError, FieldLocation, OAuthError, TokenRequest, TokenResponse))
)]
pub struct ApiDoc;
