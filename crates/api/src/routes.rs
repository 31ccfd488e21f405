//! The router: every documented route, the spec built from them, and the fallback that
//! answers 404 or 405 (with `Allow`) for everything else.

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest};
use utoipa::OpenApi as _;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};

use crate::catalog::{budget_lines, indicators, plans, projects, tasks};
use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::{
    aggregates, audit, changes, clients, dti, exports, imports, me, oauth, ops, reporting_rules,
    reports, units, users,
};

/// Path of the served spec.
pub const SPEC_PATH: &str = "/api/v1/openapi.json";

/// The versioned API under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .service(oauth::token)
            .service(oauth::revoke)
            .service(me::me)
            .service(me::change_password)
            .service(units::list)
            .service(units::create)
            .service(units::get)
            .service(units::update)
            .service(units::retire)
            .service(users::list)
            .service(users::create)
            .service(users::get)
            .service(users::update)
            .service(users::reset_password)
            .service(clients::list)
            .service(clients::create)
            .service(clients::get)
            .service(clients::update)
            .service(clients::rotate_secret)
            .service(audit::list)
            .service(plans::list)
            .service(plans::create)
            .service(plans::get)
            .service(plans::update)
            .service(plans::plan_totals)
            .service(reporting_rules::get_rules)
            .service(reporting_rules::put_rules)
            .service(reporting_rules::reset_rules)
            .service(indicators::list)
            .service(indicators::create)
            .service(indicators::get)
            .service(indicators::update)
            .service(indicators::delete)
            .service(tasks::list)
            .service(tasks::create)
            .service(tasks::get)
            .service(tasks::update)
            .service(tasks::delete)
            .service(projects::list)
            .service(projects::create)
            .service(projects::get)
            .service(projects::update)
            .service(projects::delete)
            .service(budget_lines::list)
            .service(budget_lines::create)
            .service(budget_lines::get)
            .service(budget_lines::update)
            .service(budget_lines::delete)
            .service(reports::list)
            .service(reports::get_period)
            .service(reports::get_report)
            .service(reports::save_report)
            .service(reports::submit)
            .service(reports::return_report)
            .service(reports::accept)
            .service(reports::reopen)
            .service(reports::history)
            .service(changes::list)
            .service(imports::create)
            .service(imports::get_template)
            .service(imports::get)
            .service(aggregates::compliance)
            .service(aggregates::indicator_roll_up)
            .service(aggregates::evaluation)
            .service(aggregates::put_assessment)
            .service(aggregates::tasks)
            .service(aggregates::finance)
            .service(exports::export)
            .service(dti::get_framework)
            .service(dti::put_framework)
            .service(dti::get_self_assessment)
            .service(dti::save_self_assessment)
            .service(dti::verify)
            .service(dti::scores)
            .service(dti::explain),
    );
}

/// Liveness, readiness and metrics at the root.
pub fn ops_routes(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(oauth::jwks);
}

/// The OpenAPI document of exactly the routes registered by [`api_v1`] and [`ops_routes`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, spec) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api_v1)
        .configure(ops_routes)
        .split_for_parts();
    mark_public_operations(spec)
}

/// Operations that declare no security are public: say so explicitly (`security: []`), so
/// that every operation of the spec lists its security.
fn mark_public_operations(mut spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for item in spec.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            if op.security.is_none() {
                op.security = Some(Vec::new());
            }
        }
    }
    spec
}

/// The spec's paths and methods, for telling 405 from 404.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl RouteTable {
    /// Builds the table from a spec.
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &spec.paths.paths {
            let segments = path.split('/').map(str::to_owned).collect();
            let methods = [
                (item.get.is_some(), Method::GET),
                (item.put.is_some(), Method::PUT),
                (item.post.is_some(), Method::POST),
                (item.delete.is_some(), Method::DELETE),
                (item.patch.is_some(), Method::PATCH),
            ]
            .into_iter()
            .filter_map(|(present, m)| present.then_some(m))
            .collect();
            routes.push((segments, methods));
        }
        Self { routes }
    }

    /// The methods a path supports; empty when no route has this path.
    pub fn methods_for(&self, path: &str) -> Vec<Method> {
        let wanted: Vec<&str> = path.split('/').collect();
        let mut methods: Vec<Method> = Vec::new();
        for (segments, route_methods) in &self.routes {
            let matches = segments.len() == wanted.len()
                && segments.iter().zip(&wanted).all(|(pattern, actual)| {
                    (pattern.starts_with('{') && !actual.is_empty()) || pattern == actual
                });
            if matches {
                for m in route_methods {
                    if !methods.contains(m) {
                        methods.push(m.clone());
                    }
                }
            }
        }
        methods
    }
}

/// Fallback for every request no route took: 405 with `Allow` when the path exists with
/// other methods, else 404.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let methods = table.methods_for(req.path());
    if methods.is_empty() || methods.contains(req.method()) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "route_not_found"));
    }
    let mut error = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    error.allow = Some(
        methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    );
    Err(error)
}
