//! `/api/v1/plans` and, under each plan, `indicators`, `tasks`, `projects` and
//! `budget-lines`: the plan catalog.
//!
//! Reads need any authenticated user or the `catalog:read` scope; writes need the
//! `coordinator` or `admin` role (or the `admin` scope). Every item answers with an `ETag`;
//! `PATCH` and `DELETE` honour `If-Match` (412 when stale). `PATCH` bodies are JSON merge
//! patches (RFC 7396) of the item as `GET` returns it. Bodies are read by the domain, so a
//! wrong type, an unknown field or a broken rule is a 422 naming the field by JSON pointer.

pub mod budget_lines;
pub mod indicators;
pub mod plans;
pub mod projects;
pub mod tasks;

use actix_web::http::header::{self, ETag, IfNoneMatch};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use dtihub_domain::catalog::{CatalogWarning, ItemCode, Pillar, PlanId};
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use dtihub_service::catalog::items::{self, CatalogItem, ItemQuery};
use dtihub_service::catalog::{input_from_json, Saved, Stored};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::conditional::{etag, if_match_version};
use crate::error::ApiError;
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const MAX_Q_CHARS: usize = 100;

/// Converts between a domain value and its wire twin of the same JSON shape.
pub(crate) fn to_wire<A: Serialize, B: DeserializeOwned>(value: &A) -> Result<B, ApiError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| ApiError::internal(format!("wire conversion: {e}")))
}

/// A UTC timestamp as RFC 3339.
pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// Units responsible for something: codes, whole kinds, and the cell as printed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct UnitsBody {
    /// Unit codes (`SO-KHCN`).
    #[schema(nullable)]
    pub units: Vec<String>,
    /// Whole kinds of unit: `province`, `department`, `commune`, `district`.
    #[schema(nullable)]
    pub unit_kinds: Vec<String>,
    /// As the document prints it (may name bodies that are not reporting units).
    pub text: Option<String>,
}

/// Something a person should check though it was accepted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarningBody {
    /// Where, within the item (`/funding`).
    pub pointer: String,
    /// Stable code (`funding_exceeds_total_investment`).
    pub code: String,
    /// The item's code.
    pub item_code: String,
    /// The amount that is too large, VND.
    pub amount_vnd: i64,
    /// The limit it exceeds, VND.
    pub limit_vnd: i64,
}

impl From<CatalogWarning> for WarningBody {
    fn from(w: CatalogWarning) -> Self {
        Self {
            pointer: w.pointer,
            code: w.code,
            item_code: w.item_code,
            amount_vnd: w.amount_vnd,
            limit_vnd: w.limit_vnd,
        }
    }
}

/// How the API shows one kind of plan item.
pub trait Resource: CatalogItem {
    /// The item on the wire.
    type Response: Serialize;
    /// Name of the listing in cursors.
    const LISTING: &'static str;
    /// Path segment under a plan.
    const SEGMENT: &'static str;
    /// The wire form of a stored item, with the warnings a write produced.
    fn response(
        stored: Stored<Self::Value>,
        warnings: Vec<CatalogWarning>,
    ) -> Result<Self::Response, ApiError>;
}

/// Filters and paging of indicator and task listings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PillarListParams {
    /// Only this pillar: `nhan_thuc_so`, `the_che_so`, `ha_tang_so`, `du_lieu_so`,
    /// `nen_tang_so`, `nhan_luc_so`, `an_toan_thong_tin`, `chinh_quyen_so`, `kinh_te_so`,
    /// `xa_hoi_so`.
    #[param(value_type = Option<String>, example = "chinh_quyen_so")]
    pub pillar: Option<String>,
    /// Only items this unit leads (chủ trì).
    #[param(value_type = Option<String>, example = "SO-KHCN")]
    pub lead_unit: Option<String>,
    /// Search text matched against the name without regard to diacritics or case
    /// ("chinh quyen so" finds "Chính quyền số"); at most 100 characters.
    #[param(value_type = Option<String>, max_length = 100)]
    pub q: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// Filters and paging of project and budget-line listings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitListParams {
    /// Only items of this unit: the investor of a project, the implementing unit of a budget
    /// line.
    #[param(value_type = Option<String>, example = "SO-KHCN")]
    pub lead_unit: Option<String>,
    /// Search text matched against the name without regard to diacritics or case.
    #[param(value_type = Option<String>, max_length = 100)]
    pub q: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

impl From<UnitListParams> for PillarListParams {
    fn from(p: UnitListParams) -> Self {
        Self {
            pillar: None,
            lead_unit: p.lead_unit,
            q: p.q,
            limit: p.limit,
            cursor: p.cursor,
        }
    }
}

/// Checks the search text of a listing.
pub(crate) fn parse_q(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    match raw {
        Some(q) if q.chars().count() > MAX_Q_CHARS => {
            errors.push(FieldError::new("query:q", "too_long").with("max", MAX_Q_CHARS));
            None
        }
        Some(q) if q.chars().any(char::is_control) => {
            errors.push(FieldError::new("query:q", "invalid_characters"));
            None
        }
        other => other.map(str::to_owned),
    }
}

fn parse_item_query(p: &PillarListParams, listing: &str) -> Result<ItemQuery, ApiError> {
    let mut errors = Vec::new();
    let pillar = p.pillar.as_deref().and_then(|raw| {
        let pillar = Pillar::from_text(raw);
        if pillar.is_none() {
            errors.push(
                FieldError::new("query:pillar", "invalid_enum").with("allowed", Pillar::allowed()),
            );
        }
        pillar
    });
    let lead_unit = p
        .lead_unit
        .as_deref()
        .and_then(|raw| match UnitCode::parse(raw) {
            Ok(code) => Some(code),
            Err(_) => {
                errors.push(FieldError::new("query:lead_unit", "invalid_unit_code"));
                None
            }
        });
    let q = parse_q(p.q.as_deref(), &mut errors);
    let limit = parse_limit(p.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let after = p.cursor.as_deref().and_then(|raw| {
        match decode_cursor(listing, raw).and_then(|k| {
            ItemCode::parse(&k).map_err(|_| FieldError::new("query:cursor", "invalid_cursor"))
        }) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    });
    if errors.is_empty() {
        Ok(ItemQuery {
            pillar,
            lead_unit,
            q,
            after,
            limit,
        })
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

/// One page of items as JSON: `{"items": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize)]
pub(crate) struct WirePage<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

fn item_response<I: Resource>(
    status: StatusCode,
    saved: Saved<I::Value>,
) -> Result<HttpResponse, ApiError> {
    let version = saved.stored.version;
    let location = format!(
        "/api/v1/plans/{}/{}/{}",
        saved.stored.plan_id,
        I::SEGMENT,
        saved.stored.id
    );
    let body = I::response(saved.stored, saved.warnings)?;
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::CREATED {
        builder.insert_header((header::LOCATION, location));
    }
    Ok(builder
        .insert_header(ETag(etag(version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

/// The version a `PATCH` expects. An `If-Match` the server did not issue can never match;
/// it becomes a version no row has (rows start at 1), so that the use case judges the body
/// first and answers 412 only for a well-formed change.
pub(crate) fn patch_if_match(req: &HttpRequest) -> Option<i64> {
    if_match_version(req).unwrap_or(Some(0))
}

/// Whether the request's `If-None-Match` names this version.
pub(crate) fn not_modified(req: &HttpRequest, version: i64) -> bool {
    let tag = etag(version);
    matches!(
        <IfNoneMatch as header::Header>::parse(req),
        Ok(IfNoneMatch::Items(tags)) if tags.iter().any(|t| t.weak_eq(&tag))
    )
}

/// `GET …/{segment}`.
pub(crate) async fn list<I: Resource>(
    state: &AppState,
    plan_id: i64,
    params: &PillarListParams,
) -> Result<HttpResponse, ApiError>
where
    I::Response: 'static,
    I::Value: Send + 'static,
{
    let query = parse_item_query(params, I::LISTING)?;
    let store = state.store.clone();
    let page = web::block(move || items::list::<I>(&store, PlanId(plan_id), &query)).await??;
    let body = WirePage {
        next_cursor: page.next_after.map(|c| encode_cursor(I::LISTING, &c)),
        items: page
            .items
            .into_iter()
            .map(|s| {
                let warnings = I::warnings(&s.value);
                I::response(s, warnings)
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(HttpResponse::Ok().json(body))
}

/// `GET …/{segment}/{id}`.
pub(crate) async fn get<I: Resource>(
    req: &HttpRequest,
    state: &AppState,
    plan_id: i64,
    id: i64,
) -> Result<HttpResponse, ApiError>
where
    I::Value: Send + 'static,
{
    let store = state.store.clone();
    let stored = web::block(move || items::get::<I>(&store, PlanId(plan_id), id)).await??;
    if not_modified(req, stored.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag(stored.version)))
            .finish());
    }
    let warnings = I::warnings(&stored.value);
    item_response::<I>(StatusCode::OK, Saved { stored, warnings })
}

/// `POST …/{segment}`.
pub(crate) async fn create<I: Resource>(
    caller: &Caller,
    state: &AppState,
    plan_id: i64,
    body: Value,
) -> Result<HttpResponse, ApiError>
where
    I::Value: Send + 'static,
    I::Input: Send + 'static,
{
    let input: I::Input = input_from_json(body)?;
    let actor = caller.actor();
    let store = state.store.clone();
    let saved =
        web::block(move || items::create::<I>(&store, &actor, PlanId(plan_id), &input)).await??;
    item_response::<I>(StatusCode::CREATED, saved)
}

/// `PATCH …/{segment}/{id}`.
pub(crate) async fn update<I: Resource>(
    caller: &Caller,
    req: &HttpRequest,
    state: &AppState,
    plan_id: i64,
    id: i64,
    patch: Value,
) -> Result<HttpResponse, ApiError>
where
    I::Value: Send + 'static,
{
    let expected = patch_if_match(req);
    let actor = caller.actor();
    let store = state.store.clone();
    let saved = web::block(move || {
        items::update::<I>(&store, &actor, PlanId(plan_id), id, expected, &patch)
    })
    .await??;
    item_response::<I>(StatusCode::OK, saved)
}

/// `DELETE …/{segment}/{id}`.
pub(crate) async fn delete<I: Resource>(
    caller: &Caller,
    req: &HttpRequest,
    state: &AppState,
    plan_id: i64,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match_version(req)?;
    let actor = caller.actor();
    let store = state.store.clone();
    web::block(move || items::delete::<I>(&store, &actor, PlanId(plan_id), id, expected)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// The five handlers of one item kind, each documented for the OpenAPI contract.
macro_rules! item_handlers {
    (
        kind = $kind:ty,
        params = $params:ty,
        body = $body:ty,
        response = $response:ty,
        page = $page:ty,
        tag = $tag:tt,
        collection = $collection:tt,
        item = $item:tt,
        operation_ids = [$list_id:tt, $get_id:tt, $create_id:tt, $update_id:tt, $delete_id:tt] $(,)?
    ) => {
        /// List a plan's items, ordered by code, paginated by cursor.
        #[utoipa::path(
            tag = $tag,
            operation_id = $list_id,
            params(("plan_id" = i64, Path, description = "Plan id"), $params),
            security(("bearer" = []), ("oauth2" = ["catalog:read"])),
            responses(
                (status = 200, description = "One page", body = $page),
                (status = 400, description = "A query or path parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "Neither a user nor a client with `catalog:read`", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No plan has this id", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($collection)]
        pub async fn list(
            _caller: crate::auth::Allowed<crate::auth::ReadCatalog>,
            state: actix_web::web::Data<crate::state::AppState>,
            path: actix_web::web::Path<i64>,
            params: actix_web::web::Query<$params>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let params = params.into_inner().into();
            crate::catalog::list::<$kind>(&state, path.into_inner(), &params).await
        }

        /// Get one item, with its `ETag` (send it in `If-None-Match` for 304).
        #[utoipa::path(
            tag = $tag,
            operation_id = $get_id,
            params(("plan_id" = i64, Path, description = "Plan id"), ("id" = i64, Path, description = "Item id")),
            security(("bearer" = []), ("oauth2" = ["catalog:read"])),
            responses(
                (status = 200, description = "The item", body = $response,
                    headers(("ETag" = String, description = "Version of the item"))),
                (status = 304, description = "Not modified since the `If-None-Match` ETag"),
                (status = 400, description = "A path parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "Neither a user nor a client with `catalog:read`", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such plan or item", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($item)]
        pub async fn get(
            _caller: crate::auth::Allowed<crate::auth::ReadCatalog>,
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<crate::state::AppState>,
            path: actix_web::web::Path<(i64, i64)>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let (plan_id, id) = path.into_inner();
            crate::catalog::get::<$kind>(&req, &state, plan_id, id).await
        }

        /// Create an item in a plan.
        #[utoipa::path(
            tag = $tag,
            operation_id = $create_id,
            params(("plan_id" = i64, Path, description = "Plan id")),
            request_body = $body,
            security(("bearer" = []), ("oauth2" = ["admin"])),
            responses(
                (status = 201, description = "Created", body = $response,
                    headers(("Location" = String, description = "The new item"), ("ETag" = String, description = "Its version"))),
                (status = 400, description = "Malformed JSON or path", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not a coordinator or admin", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No plan has this id", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The code is taken in this plan", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "A field breaks a rule; `errors` names it with a JSON pointer", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($collection)]
        pub async fn create(
            caller: crate::auth::Allowed<crate::auth::ManageCatalog>,
            state: actix_web::web::Data<crate::state::AppState>,
            path: actix_web::web::Path<i64>,
            body: actix_web::web::Json<serde_json::Value>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::catalog::create::<$kind>(&caller, &state, path.into_inner(), body.into_inner())
                .await
        }

        /// Update an item by a JSON merge patch (RFC 7396) of its `GET` form.
        ///
        /// Send the `ETag` of your last read in `If-Match`: 412 when someone changed the item
        /// since.
        #[utoipa::path(
            tag = $tag,
            operation_id = $update_id,
            params(
                ("plan_id" = i64, Path, description = "Plan id"),
                ("id" = i64, Path, description = "Item id"),
                ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
            ),
            request_body(content = $body, content_type = "application/json",
                description = "The fields to change; `null` resets a field"),
            security(("bearer" = []), ("oauth2" = ["admin"])),
            responses(
                (status = 200, description = "Updated", body = $response,
                    headers(("ETag" = String, description = "New version"))),
                (status = 400, description = "Malformed JSON or path", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not a coordinator or admin", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such plan or item", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The new code is taken in this plan", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "A field breaks a rule; `errors` names it with a JSON pointer", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[patch($item)]
        pub async fn update(
            caller: crate::auth::Allowed<crate::auth::ManageCatalog>,
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<crate::state::AppState>,
            path: actix_web::web::Path<(i64, i64)>,
            body: actix_web::web::Json<serde_json::Value>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let (plan_id, id) = path.into_inner();
            crate::catalog::update::<$kind>(&caller, &req, &state, plan_id, id, body.into_inner())
                .await
        }

        /// Delete an item; refused with 409 once reports refer to it.
        #[utoipa::path(
            tag = $tag,
            operation_id = $delete_id,
            params(
                ("plan_id" = i64, Path, description = "Plan id"),
                ("id" = i64, Path, description = "Item id"),
                ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
            ),
            security(("bearer" = []), ("oauth2" = ["admin"])),
            responses(
                (status = 204, description = "Deleted"),
                (status = 400, description = "A path parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not a coordinator or admin", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such plan or item", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Reports refer to the item (`referenced_by_reports`)", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[delete($item)]
        pub async fn delete(
            caller: crate::auth::Allowed<crate::auth::ManageCatalog>,
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<crate::state::AppState>,
            path: actix_web::web::Path<(i64, i64)>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let (plan_id, id) = path.into_inner();
            crate::catalog::delete::<$kind>(&caller, &req, &state, plan_id, id).await
        }
    };
}
pub(crate) use item_handlers;
