//! `/api/v1/plans`: the province's plans, and `/api/v1/plans/{id}/totals`.

use actix_web::http::header::{self, ETag};
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use dtihub_domain::catalog::{Plan, PlanCode, PlanId};
use dtihub_domain::FieldError;
use dtihub_service::catalog::plans::{self, PlanQuery};
use dtihub_service::catalog::{input_from_json, totals, Stored};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{not_modified, parse_q, to_wire, utc, WarningBody};
use crate::auth::{Allowed, ManageCatalog, ReadCatalog};
use crate::conditional::etag;
use crate::error::{ApiError, Problem};
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const LISTING: &str = "plans";

/// A document the plan cites as its basis (căn cứ).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct LegalBasisBody {
    /// Kind of document (Nghị định, Quyết định, …).
    pub doc_type: Option<String>,
    /// Number (`749/QĐ-TTg`).
    pub number: Option<String>,
    /// Date.
    pub date: Option<NaiveDate>,
    /// Subject.
    pub title: Option<String>,
    /// The whole citation as printed; required.
    #[schema(min_length = 1)]
    pub citation: String,
}

/// Totals as the plan's text states them, VND.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DeclaredTotalsBody {
    /// Total DX spending.
    pub total_vnd: Option<i64>,
    /// Investment capital.
    pub investment_vnd: Option<i64>,
    /// Recurrent spending.
    pub recurrent_vnd: Option<i64>,
    /// Of the investment, central budget.
    pub central_vnd: Option<i64>,
    /// Of the investment, local budget.
    pub local_vnd: Option<i64>,
    /// The sentence the figures come from, as printed.
    pub text: Option<String>,
}

/// A printed TỔNG CỘNG row of one of the plan's tables.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DeclaredTableTotalBody {
    /// `projects` or `budget_lines`.
    pub table: String,
    /// A money column of that table (`total_investment_vnd`, `central_vnd`, `local_vnd`,
    /// `other_vnd`, `disbursed_before_vnd`, `allocated_plan_year_vnd`,
    /// `allocated_central_vnd`, `allocated_local_vnd`, `implemented_plan_year_vnd`;
    /// `amount_vnd` for budget lines).
    pub column: String,
    /// The declared amount, VND.
    pub amount_vnd: i64,
    /// As printed.
    pub printed_text: Option<String>,
    /// Where it is printed.
    pub source: Option<String>,
}

/// A plan as sent and as returned. Fields not listed here are refused (422 `unknown_field`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PlanBody {
    /// Stable key (`KH-145-2022`); required.
    #[schema(min_length = 1, example = "KH-145-2022")]
    pub code: String,
    /// Document number (`145/KH-UBND`).
    pub number: Option<String>,
    /// Title; required.
    #[schema(min_length = 1)]
    pub title: String,
    /// `annual`, `sectoral` or `multi_year`; required.
    #[schema(min_length = 1, example = "annual")]
    pub kind: String,
    /// Date of issue.
    pub issued_date: Option<NaiveDate>,
    /// Issuing unit code.
    pub issuer_unit: Option<String>,
    /// Signer.
    pub signer: Option<String>,
    /// Signer's title.
    pub signer_title: Option<String>,
    /// First year the targets cover.
    #[schema(example = 2022)]
    pub first_year: i32,
    /// Last year (an annual plan has one).
    #[schema(example = 2022)]
    pub last_year: i32,
    /// `draft`, `issued` or `superseded`; required.
    #[schema(min_length = 1, example = "issued")]
    pub status: String,
    /// The focal unit reports are sent to.
    pub focal_unit: Option<String>,
    /// General goals as printed.
    pub general_goals: Option<String>,
    /// Deadline of the plan's results report.
    pub report_due_date: Option<NaiveDate>,
    /// Legal bases, in printed order.
    #[schema(nullable)]
    pub legal_bases: Vec<LegalBasisBody>,
    /// Totals as the plan text states them.
    #[schema(nullable)]
    pub declared: DeclaredTotalsBody,
    /// The TỔNG CỘNG rows of its tables as printed.
    #[schema(nullable)]
    pub declared_table_totals: Vec<DeclaredTableTotalBody>,
    /// Where the plan is transcribed from.
    pub source: Option<String>,
}

/// A plan with its id and version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanResponse {
    /// Id.
    pub id: i64,
    /// Version (also the `ETag`).
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// The plan.
    #[serde(flatten)]
    pub plan: PlanBody,
}

/// One page of plans.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanPage {
    /// Ordered by key.
    pub items: Vec<PlanResponse>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

fn plan_response(s: Stored<Plan>) -> Result<PlanResponse, ApiError> {
    Ok(PlanResponse {
        id: s.id,
        version: s.version,
        created_at: utc(s.created_at),
        updated_at: utc(s.updated_at),
        plan: to_wire(&s.value.to_input())?,
    })
}

fn respond(status: StatusCode, s: Stored<Plan>) -> Result<HttpResponse, ApiError> {
    let version = s.version;
    let location = format!("/api/v1/plans/{}", s.id);
    let body = plan_response(s)?;
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::CREATED {
        builder.insert_header((header::LOCATION, location));
    }
    Ok(builder
        .insert_header(ETag(etag(version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

/// Filters and paging of the plan listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanListParams {
    /// Search text matched against the title without regard to diacritics or case.
    #[param(value_type = Option<String>, max_length = 100, example = "chuyen doi so")]
    pub q: Option<String>,
    /// Only plans covering this year.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100, example = 2024)]
    pub year: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_list_params(p: &PlanListParams) -> Result<PlanQuery, ApiError> {
    let mut errors = Vec::new();
    let q = parse_q(p.q.as_deref(), &mut errors);
    let year = p
        .year
        .as_deref()
        .and_then(|raw| match raw.trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            Ok(_) => {
                errors.push(
                    FieldError::new("query:year", "out_of_range")
                        .with("min", 2000)
                        .with("max", 2100),
                );
                None
            }
            Err(_) => {
                errors.push(FieldError::new("query:year", "invalid_integer"));
                None
            }
        });
    let limit = parse_limit(p.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let after = p.cursor.as_deref().and_then(|raw| {
        match decode_cursor(LISTING, raw).and_then(|k| {
            PlanCode::parse(&k).map_err(|_| FieldError::new("query:cursor", "invalid_cursor"))
        }) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    });
    if errors.is_empty() {
        Ok(PlanQuery {
            q,
            year,
            after,
            limit,
        })
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

/// List plans.
///
/// The province's plans (annual DX plans, sectoral plans), ordered by key, paginated by cursor.
#[utoipa::path(
    tag = "plans",
    operation_id = "list_plans",
    params(PlanListParams),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "One page of plans", body = PlanPage),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a user nor a client with `catalog:read`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans")]
pub async fn list(
    _caller: Allowed<ReadCatalog>,
    state: web::Data<AppState>,
    params: web::Query<PlanListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = parse_list_params(&params)?;
    let store = state.store.clone();
    let page = web::block(move || plans::list(&store, &query)).await??;
    let body = PlanPage {
        next_cursor: page.next_after.map(|c| encode_cursor(LISTING, &c)),
        items: page
            .items
            .into_iter()
            .map(plan_response)
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(HttpResponse::Ok().json(body))
}

/// Create a plan.
#[utoipa::path(
    tag = "plans",
    operation_id = "create_plan",
    request_body = PlanBody,
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 201, description = "Created", body = PlanResponse,
            headers(("Location" = String, description = "The new plan"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator or admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule; `errors` names it with a JSON pointer", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/plans")]
pub async fn create(
    caller: Allowed<ManageCatalog>,
    state: web::Data<AppState>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let input = input_from_json(body.into_inner())?;
    let actor = caller.actor();
    let store = state.store.clone();
    let stored = web::block(move || plans::create(&store, &actor, &input)).await??;
    respond(StatusCode::CREATED, stored)
}

/// Get one plan, with its `ETag` (send it in `If-None-Match` for 304).
#[utoipa::path(
    tag = "plans",
    operation_id = "get_plan",
    params(("id" = i64, Path, description = "Plan id")),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "The plan", body = PlanResponse,
            headers(("ETag" = String, description = "Version of the plan"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "The id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a user nor a client with `catalog:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{id}")]
pub async fn get(
    _caller: Allowed<ReadCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId(path.into_inner());
    let store = state.store.clone();
    let stored = web::block(move || plans::get(&store, id)).await??;
    if not_modified(&req, stored.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag(stored.version)))
            .finish());
    }
    respond(StatusCode::OK, stored)
}

/// Update a plan by a JSON merge patch (RFC 7396) of its `GET` form.
///
/// Send the `ETag` of your last read in `If-Match`: 412 when someone changed the plan since.
/// Narrowing the years is refused (422) while a target or allocation lies outside them.
#[utoipa::path(
    tag = "plans",
    operation_id = "update_plan",
    params(
        ("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content = PlanBody, content_type = "application/json",
        description = "The fields to change; `null` resets a field"),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Updated", body = PlanResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new key is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule; `errors` names it with a JSON pointer", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/plans/{id}")]
pub async fn update(
    caller: Allowed<ManageCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId(path.into_inner());
    let expected = super::patch_if_match(&req);
    let patch = body.into_inner();
    let actor = caller.actor();
    let store = state.store.clone();
    let stored = web::block(move || plans::update(&store, &actor, id, expected, &patch)).await??;
    respond(StatusCode::OK, stored)
}

/// Money by funding source, VND.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceTotalsBody {
    /// Central budget (NSTW).
    pub central_vnd: i64,
    /// Local budget (NSĐP).
    pub local_vnd: i64,
    /// Other sources.
    pub other_vnd: i64,
    /// Capital whose source the documents do not split.
    pub unsplit_vnd: i64,
}

/// One money column summed over its table.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ColumnTotalBody {
    /// The column (see `declared_table_totals`).
    pub column: String,
    /// The sum of the rows that have a value, VND.
    pub computed_vnd: i64,
    /// How many rows have a value.
    pub rows_with_value: usize,
}

/// Money one unit is responsible for; `unit` null collects items without a single unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitTotalsBody {
    /// The unit.
    pub unit: Option<String>,
    /// Capital for the plan's years of the projects it invests in, VND.
    pub investment_vnd: i64,
    /// The budget lines it implements alone, VND.
    pub recurrent_vnd: i64,
}

/// Sums of the plan's items.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComputedTotalsBody {
    /// Investment plus recurrent, VND.
    pub total_vnd: i64,
    /// Capital for the plan's years: allocations, or execution where only that is given, VND.
    pub investment_vnd: i64,
    /// Sum of the budget lines, VND.
    pub recurrent_vnd: i64,
    /// The plan years' allocations by funding source.
    pub investment_by_source: SourceTotalsBody,
    /// Every money column summed over its table.
    pub columns: Vec<ColumnTotalBody>,
    /// Per responsible unit.
    pub by_unit: Vec<UnitTotalsBody>,
    /// Projects.
    pub project_count: usize,
    /// Budget lines.
    pub budget_line_count: usize,
    /// Budget lines without an amount.
    pub budget_lines_without_amount: usize,
}

/// A printed TỔNG CỘNG row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeclaredColumnBody {
    /// The column it totals.
    pub column: String,
    /// The declared amount, VND.
    pub amount_vnd: i64,
    /// As printed.
    pub printed_text: Option<String>,
    /// Where it is printed.
    pub source: Option<String>,
}

/// A declared total that differs from the sum of its items.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MismatchBody {
    /// `plan` (the plan text), `projects` or `budget_lines` (a table's TỔNG CỘNG row).
    pub scope: String,
    /// The field or column compared.
    pub field: String,
    /// As declared, VND.
    pub declared_vnd: i64,
    /// As computed, VND.
    pub computed_vnd: i64,
    /// Declared minus computed, VND.
    pub difference_vnd: i64,
    /// Where the declared figure is printed.
    pub source: Option<String>,
}

/// Computed totals, declared totals, and every difference between them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanTotalsResponse {
    /// The plan's id.
    pub plan_id: i64,
    /// From the items.
    pub computed: ComputedTotalsBody,
    /// From the plan text.
    pub declared: DeclaredTotalsBody,
    /// From the tables' TỔNG CỘNG rows.
    pub declared_table_totals: Vec<DeclaredColumnBody>,
    /// Every declared figure that differs from its computed one.
    pub mismatches: Vec<MismatchBody>,
    /// Items accepted with something a person should check.
    pub warnings: Vec<WarningBody>,
}

/// A plan's totals.
///
/// Investment and recurrent spending computed from the plan's projects and budget lines (by
/// funding source, by unit, by column), the totals the documents declare, every mismatch
/// between the two, and the funding warnings. Neither side is trusted silently: the 2023
/// tables, for one, do not add up to their printed totals.
#[utoipa::path(
    tag = "plans",
    operation_id = "get_plan_totals",
    params(("id" = i64, Path, description = "Plan id")),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "The totals", body = PlanTotalsResponse),
        (status = 400, description = "The id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a user nor a client with `catalog:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{id}/totals")]
pub async fn plan_totals(
    _caller: Allowed<ReadCatalog>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId(path.into_inner());
    let store = state.store.clone();
    let totals = web::block(move || totals::plan_totals(&store, id)).await??;
    let mut body: serde_json::Value = to_wire(&totals)?;
    if let Some(object) = body.as_object_mut() {
        object.insert("plan_id".into(), id.0.into());
    }
    let body: PlanTotalsResponse = to_wire(&body)?;
    Ok(HttpResponse::Ok().json(body))
}
