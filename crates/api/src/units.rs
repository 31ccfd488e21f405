//! `/api/v1/units`: the unit registry.

use actix_web::http::header::{self, ETag, IfNoneMatch};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use dtihub_domain::unit::{Unit, UnitCode, UnitKind};
use dtihub_domain::FieldError;
use dtihub_service::units::{self, NewUnitInput, Retirement, UnitPatch, UnitQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, ManageUnits, ReadCatalog};
use crate::conditional::{etag, if_match_version, present};
use crate::error::{ApiError, Problem};
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const LISTING: &str = "units";
const MAX_Q_CHARS: usize = 100;

/// Kind of administrative unit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnitKindDto {
    /// UBND tỉnh.
    Province,
    /// Sở/ngành.
    Department,
    /// UBND cấp xã (commune or ward).
    Commune,
    /// UBND cấp huyện, kept for history.
    District,
}

impl From<UnitKind> for UnitKindDto {
    fn from(k: UnitKind) -> Self {
        match k {
            UnitKind::Province => UnitKindDto::Province,
            UnitKind::Department => UnitKindDto::Department,
            UnitKind::Commune => UnitKindDto::Commune,
            UnitKind::District => UnitKindDto::District,
        }
    }
}

/// A unit of the registry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitResponse {
    /// Stable code.
    #[schema(example = "SO-KHCN")]
    pub code: String,
    /// Official name.
    #[schema(example = "Sở Khoa học và Công nghệ")]
    pub name: String,
    /// Kind.
    pub kind: UnitKindDto,
    /// The unit it belongs to.
    pub parent: Option<String>,
    /// Code in the national list of administrative units, where known.
    pub official_code: Option<String>,
    /// First day of existence.
    pub valid_from: NaiveDate,
    /// Last day of existence (inclusive); null while active.
    pub valid_to: Option<NaiveDate>,
    /// The unit that took over after a merger, split or rename.
    pub successor: Option<String>,
}

impl From<Unit> for UnitResponse {
    fn from(u: Unit) -> Self {
        Self {
            code: u.code.to_string(),
            name: u.name,
            kind: u.kind.into(),
            parent: u.parent.map(|c| c.to_string()),
            official_code: u.official_code,
            valid_from: u.valid_from,
            valid_to: u.valid_to,
            successor: u.successor.map(|c| c.to_string()),
        }
    }
}

/// One page of units.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitPage {
    /// Units ordered by code.
    pub items: Vec<UnitResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the unit listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitListParams {
    /// Only units of this kind.
    #[param(value_type = Option<UnitKindDto>)]
    pub kind: Option<String>,
    /// Search text, matched against name and code without regard to diacritics or case
    /// ("dong thap" finds "Đồng Tháp"); at most 100 characters.
    #[param(value_type = Option<String>, max_length = 100, example = "tram chim")]
    pub q: Option<String>,
    /// Only units that exist on this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date, example = "2025-07-01")]
    pub active_on: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`; a cursor the server did not issue
    /// is rejected with 400.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_list_params(p: &UnitListParams) -> Result<UnitQuery, ApiError> {
    let mut errors = Vec::new();
    let kind = match p.kind.as_deref() {
        None => None,
        Some(raw) => match raw.parse::<UnitKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                errors.push(
                    FieldError::new("query:kind", "invalid_enum")
                        .with("allowed", "province, department, commune, district"),
                );
                None
            }
        },
    };
    let q = match p.q.as_deref() {
        Some(raw) if raw.chars().count() > MAX_Q_CHARS => {
            errors.push(FieldError::new("query:q", "too_long").with("max", MAX_Q_CHARS));
            None
        }
        Some(raw) if raw.chars().any(char::is_control) => {
            errors.push(FieldError::new("query:q", "invalid_characters"));
            None
        }
        other => other.map(str::to_owned),
    };
    let active_on = match p.active_on.as_deref() {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new("query:active_on", "invalid_date"));
                None
            }
        },
    };
    let limit = parse_limit(p.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let after = match p.cursor.as_deref() {
        None => None,
        Some(raw) => match decode_cursor(LISTING, raw).and_then(|k| {
            UnitCode::parse(&k).map_err(|_| FieldError::new("query:cursor", "invalid_cursor"))
        }) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(UnitQuery {
            kind,
            q,
            active_on,
            after,
            limit,
        })
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

/// List units.
///
/// The registry of the province, its departments and its communes, including units that no
/// longer exist (with `valid_to` and `successor`). Ordered by code, paginated by cursor.
#[utoipa::path(
    tag = "units",
    operation_id = "list_units",
    params(UnitListParams),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "One page of units", body = UnitPage),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A client without `catalog:read`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units")]
pub async fn list(
    _caller: Allowed<ReadCatalog>,
    state: web::Data<AppState>,
    params: web::Query<UnitListParams>,
) -> Result<web::Json<UnitPage>, ApiError> {
    let query = parse_list_params(&params)?;
    let store = state.store.clone();
    let page = web::block(move || units::list(&store, &query)).await??;
    Ok(web::Json(UnitPage {
        next_cursor: page.next_after.map(|c| encode_cursor(LISTING, c.as_str())),
        items: page.items.into_iter().map(UnitResponse::from).collect(),
    }))
}

/// Get one unit.
///
/// Answers with an `ETag`; send it back in `If-None-Match` to get `304 Not Modified`.
#[utoipa::path(
    tag = "units",
    operation_id = "get_unit",
    params(("code" = String, Path, description = "Unit code (case-insensitive)", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "SO-KHCN")),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "The unit", body = UnitResponse,
            headers(("ETag" = String, description = "Version of the unit"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "The code is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A client without `catalog:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit has this code", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{code}")]
pub async fn get(
    _caller: Allowed<ReadCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = UnitCode::parse(&path.into_inner())
        .map_err(|_| ApiError::invalid_path(FieldError::new("path:code", "invalid_unit_code")))?;
    let store = state.store.clone();
    let (unit, version) = web::block(move || units::get(&store, &code)).await??;
    let tag = etag(version);
    if let Ok(IfNoneMatch::Items(tags)) = <IfNoneMatch as header::Header>::parse(&req) {
        if tags.iter().any(|t| t.weak_eq(&tag)) {
            return Ok(HttpResponse::NotModified()
                .insert_header(ETag(tag.clone()))
                .finish());
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header(ETag(tag.clone()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(UnitResponse::from(unit)))
}

/// A unit to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateUnit {
    /// Stable code: 2–40 upper-case ASCII letters, digits, `-`, `_`, starting with a letter.
    #[schema(example = "XA-MOI")]
    pub code: String,
    /// Official name.
    #[schema(example = "Ủy ban nhân dân xã Mới")]
    pub name: String,
    /// `province`, `department`, `commune` or `district`.
    #[schema(example = "commune")]
    pub kind: String,
    /// Parent unit code.
    #[schema(example = "DONG-THAP")]
    pub parent: Option<String>,
    /// Code in the national list of administrative units.
    pub official_code: Option<String>,
    /// First day of existence (YYYY-MM-DD).
    #[schema(example = "2025-07-01")]
    pub valid_from: String,
}

/// Changes to a unit (JSON merge patch: absent fields stay, `null` clears).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdateUnit {
    /// New official name.
    #[serde(default)]
    pub name: Option<String>,
    /// New kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// New parent; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub parent: Option<Option<String>>,
    /// New national code; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub official_code: Option<Option<String>>,
    /// New first day (YYYY-MM-DD).
    #[serde(default)]
    pub valid_from: Option<String>,
}

/// Retiring a unit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RetireUnit {
    /// Last day of existence, inclusive (YYYY-MM-DD).
    #[schema(example = "2025-06-30")]
    pub valid_to: String,
    /// The unit that takes over its work.
    #[schema(example = "XA-TRAM-CHIM")]
    pub successor: Option<String>,
}

fn unit_response(status: actix_web::http::StatusCode, unit: Unit, version: i64) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    if status == actix_web::http::StatusCode::CREATED {
        builder.insert_header((header::LOCATION, format!("/api/v1/units/{}", unit.code)));
    }
    builder
        .insert_header(ETag(etag(version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(UnitResponse::from(unit))
}

fn path_code(raw: String) -> Result<UnitCode, ApiError> {
    UnitCode::parse(&raw)
        .map_err(|_| ApiError::invalid_path(FieldError::new("path:code", "invalid_unit_code")))
}

/// Create a unit.
#[utoipa::path(
    tag = "units",
    operation_id = "create_unit",
    request_body = CreateUnit,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 201, description = "Created", body = UnitResponse,
            headers(("Location" = String, description = "The new unit"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule; `errors` names it with a JSON pointer", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units")]
pub async fn create(
    caller: Allowed<ManageUnits>,
    state: web::Data<AppState>,
    body: web::Json<CreateUnit>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = NewUnitInput {
        code: body.code,
        name: body.name,
        kind: body.kind,
        parent: body.parent,
        official_code: body.official_code,
        valid_from: body.valid_from,
    };
    let actor = caller.actor();
    let store = state.store.clone();
    let (unit, version) = web::block(move || units::create(&store, &actor, &input)).await??;
    Ok(unit_response(
        actix_web::http::StatusCode::CREATED,
        unit,
        version,
    ))
}

/// Update a unit.
///
/// Name, kind, parent, national code and first day. Send the `ETag` of your last read in
/// `If-Match`: 412 when someone changed the unit since. To retire a unit use
/// `POST /units/{code}/retire`.
#[utoipa::path(
    tag = "units",
    operation_id = "update_unit",
    params(
        ("code" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "SO-KHCN"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateUnit,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Updated", body = UnitResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON or code", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit has this code", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/units/{code}")]
pub async fn update(
    caller: Allowed<ManageUnits>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UpdateUnit>,
) -> Result<HttpResponse, ApiError> {
    let code = path_code(path.into_inner())?;
    let expected = if_match_version(&req)?;
    let body = body.into_inner();
    let patch = UnitPatch {
        name: body.name,
        kind: body.kind,
        parent: body.parent,
        official_code: body.official_code,
        valid_from: body.valid_from,
    };
    let actor = caller.actor();
    let store = state.store.clone();
    let (unit, version) =
        web::block(move || units::update(&store, &actor, &code, expected, &patch)).await??;
    Ok(unit_response(
        actix_web::http::StatusCode::OK,
        unit,
        version,
    ))
}

/// Retire a unit.
///
/// Sets its last day and the unit that takes over (after a merger, split or rename). Reports
/// already filed stay attached to the retired unit. `If-Match` as for updates.
#[utoipa::path(
    tag = "units",
    params(
        ("code" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "SO-TTTT"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = RetireUnit,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Retired", body = UnitResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON or code", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit has this code", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units/{code}/retire")]
pub async fn retire(
    caller: Allowed<ManageUnits>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<RetireUnit>,
) -> Result<HttpResponse, ApiError> {
    let code = path_code(path.into_inner())?;
    let expected = if_match_version(&req)?;
    let body = body.into_inner();
    let retirement = Retirement {
        valid_to: body.valid_to,
        successor: body.successor,
    };
    let actor = caller.actor();
    let store = state.store.clone();
    let (unit, version) =
        web::block(move || units::retire(&store, &actor, &code, expected, &retirement)).await??;
    Ok(unit_response(
        actix_web::http::StatusCode::OK,
        unit,
        version,
    ))
}
