//! `/api/v1/aggregates/*` (compliance, indicator roll-up, evaluation, tasks, finance) and the
//! coordinator's official assessment (`PUT /api/v1/plans/{plan_id}/indicators/{indicator_id}/
//! assessments/{year}`).
//!
//! Aggregates compare every unit, so they are read by province-wide users (admin,
//! coordinator, viewer) and by clients holding `aggregates:read`; a unit's own users and
//! unit-bound clients without that scope get 403.

use actix_web::http::header::{self, ETag};
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use dtihub_domain::period::Period;
use dtihub_domain::unit::UnitKind;
use dtihub_domain::FieldError;
use dtihub_service::aggregates::{self, AssessmentInput};
use dtihub_service::catalog::input_from_json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, ReadAggregates, ReviewReports};
use crate::cache;
use crate::catalog::plans::{
    ComputedTotalsBody, DeclaredColumnBody, DeclaredTotalsBody, MismatchBody,
};
use crate::catalog::{to_wire, WarningBody};
use crate::conditional::{etag, if_match_version};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Parses a required period query parameter.
pub(crate) fn query_period(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Period> {
    match raw {
        None => {
            errors.push(FieldError::new("query:period", "required"));
            None
        }
        Some(raw) => Period::parse_field(raw)
            .map_err(|e| errors.push(FieldError::new("query:period", e.code)))
            .ok(),
    }
}

/// Parses an optional unit kind query parameter.
pub(crate) fn query_unit_kind(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let raw = raw?;
    match raw.parse::<UnitKind>() {
        Ok(k) => Some(k.as_str().to_owned()),
        Err(_) => {
            errors.push(
                FieldError::new("query:unit_kind", "invalid_enum")
                    .with("allowed", "province, department, commune, district"),
            );
            None
        }
    }
}

/// Parses an optional integer query parameter within a range.
pub(crate) fn query_int(
    name: &str,
    raw: Option<&str>,
    min: i64,
    max: i64,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let raw = raw?;
    match raw.trim().parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Some(v),
        Ok(_) => {
            errors.push(
                FieldError::new(format!("query:{name}"), "out_of_range")
                    .with("min", min)
                    .with("max", max),
            );
            None
        }
        Err(_) => {
            errors.push(FieldError::new(format!("query:{name}"), "invalid_integer"));
            None
        }
    }
}

fn finish<T>(value: Option<T>, errors: Vec<FieldError>) -> Result<T, ApiError> {
    match value {
        Some(v) if errors.is_empty() => Ok(v),
        _ => Err(ApiError::invalid_query(errors)),
    }
}

// ---------------------------------------------------------------------------------------------
// Wire types

/// One expected unit's standing in a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitComplianceBody {
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// Unit kind.
    pub kind: String,
    /// The report's status; `not_started` without a report.
    pub status: String,
    /// First submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Last submission.
    pub last_submitted_at: Option<DateTime<Utc>>,
    /// `on_time`, `late`, `missing` (never submitted, deadline passed) or `pending`
    /// (never submitted, period still open).
    pub timeliness: String,
    /// Returns and reopenings.
    pub returned_count: i32,
}

/// Counts and rates over the expected units.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplianceTotalsBody {
    /// Units expected to report.
    pub expected: i64,
    /// Units that submitted at least once.
    pub reported: i64,
    /// First submitted by the deadline.
    pub on_time: i64,
    /// First submitted after it.
    pub late: i64,
    /// Not submitted, deadline passed.
    pub missing: i64,
    /// Not submitted, period open.
    pub pending: i64,
    /// Accepted.
    pub accepted: i64,
    /// Returned and not resubmitted.
    pub returned: i64,
    /// Returns and reopenings, all reports.
    pub returns: i64,
    /// Reported / expected, percent, two decimals.
    pub reporting_rate: Option<f64>,
    /// On time / expected, percent, two decimals.
    pub on_time_rate: Option<f64>,
}

/// Compliance of a period (completeness and timeliness).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplianceResponse {
    /// The period.
    pub period: String,
    /// Unit kinds counted.
    pub unit_kinds: Vec<String>,
    /// The period's deadline.
    pub deadline: NaiveDate,
    /// Vietnam's date of the figures.
    pub as_of: NaiveDate,
    /// Whether the deadline has passed.
    pub deadline_passed: bool,
    /// Counts and rates.
    pub totals: ComplianceTotalsBody,
    /// The expected units of this page, by kind and code (`limit`, `cursor`, `timeliness`).
    pub units: Vec<UnitComplianceBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of the compliance aggregate.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceParams {
    /// The period (`2025-09`, `2025-Q3`, `2025-H1`, `2025`).
    #[param(
        required = true,
        pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$",
        example = "2025-09"
    )]
    pub period: Option<String>,
    /// Only units of this kind (default: departments and communes).
    #[param(value_type = Option<String>, pattern = "^(province|department|commune|district)$")]
    pub unit_kind: Option<String>,
    /// List only units of these timeliness values, comma-separated (`on_time`, `late`,
    /// `missing`, `pending`): `late,missing` answers "who is late". Totals count every unit.
    #[param(value_type = Option<String>, example = "late,missing")]
    pub timeliness: Option<String>,
    /// Units per page (1–1000, default 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Default number of units an aggregate lists per page.
pub const UNITS_PER_PAGE: u32 = 200;
/// Most units an aggregate lists per page.
pub const MAX_UNITS_PER_PAGE: u32 = 1000;

/// Parses `limit` and `cursor` of an aggregate's unit list.
fn units_page(
    listing: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> aggregates::UnitsPage {
    let limit = query_int("limit", limit, 1, i64::from(MAX_UNITS_PER_PAGE), errors)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(UNITS_PER_PAGE);
    let after = cursor.and_then(|c| match crate::pagination::decode_cursor(listing, c) {
        Ok(key) => Some(key),
        Err(e) => {
            errors.push(e);
            None
        }
    });
    aggregates::UnitsPage {
        after,
        limit: Some(limit),
        timeliness: Vec::new(),
    }
}

const TIMELINESS: [&str; 4] = ["on_time", "late", "missing", "pending"];

fn query_timeliness(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim) {
        if TIMELINESS.contains(&part) {
            out.push(part.to_owned());
        } else {
            errors.push(
                FieldError::new("query:timeliness", "invalid_enum")
                    .with("allowed", TIMELINESS.join(", ")),
            );
            break;
        }
    }
    out
}

/// Compliance of a period.
///
/// For each unit expected to report (units of the kind, departments and communes by default,
/// valid during the period): its report's status, first and last submission, whether it was
/// on time, late, missing (deadline passed) or pending (period still open), and how often it
/// was returned; with totals, the reporting rate (reported / expected) and the on-time rate
/// (on time / expected). The totals count every expected unit; the list is paged (`limit`,
/// `cursor`, 200 units by default) and may be narrowed by `timeliness`.
#[utoipa::path(
    tag = "aggregates",
    operation_id = "get_compliance",
    params(ComplianceParams),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "Compliance", body = ComplianceResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "A query parameter is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read aggregates", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/aggregates/compliance")]
pub async fn compliance(
    _caller: Allowed<ReadAggregates>,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<ComplianceParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let period = query_period(params.period.as_deref(), &mut errors);
    let kind = query_unit_kind(params.unit_kind.as_deref(), &mut errors);
    let mut page = units_page(
        "compliance",
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &mut errors,
    );
    page.timeliness = query_timeliness(params.timeliness.as_deref(), &mut errors);
    // A compliance position is `kind/code`; anything else was not issued by this listing.
    if page.after.as_deref().is_some_and(|k| !k.contains('/')) {
        errors.push(FieldError::new("query:cursor", "invalid_cursor"));
    }
    let period = finish(period, errors)?;
    cache::respond(&state, &req, move |store| {
        let view = aggregates::compliance(store, period, kind.as_deref(), &page)?;
        let next = view.next_after.as_deref();
        let mut body: ComplianceResponse = to_wire(&view)?;
        body.next_cursor = next.map(|k| crate::pagination::encode_cursor("compliance", k));
        cache::json(&body)
    })
    .await
}

/// One unit's counted value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContributionBody {
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// Value.
    pub value: Option<f64>,
    /// Numerator.
    pub numerator: Option<f64>,
    /// Denominator.
    pub denominator: Option<f64>,
    /// Text.
    pub text: Option<String>,
    /// The report's status (`submitted` or `accepted`).
    pub status: String,
}

/// A unit by code and name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitRefBody {
    /// Code.
    pub unit: String,
    /// Name.
    pub name: String,
}

/// The province's value of an indicator for a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RollUpResponse {
    /// The indicator's id.
    pub indicator_id: i64,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its measure.
    pub measure: String,
    /// The roll-up method (`sum`, `mean`, `ratio_of_sums`, `min`, `max`, `all`, `any`, `latest`).
    pub roll_up: String,
    /// The period.
    pub period: String,
    /// The rolled-up value, two decimals (`ratio_of_sums`: 100 × Σ numerators / Σ
    /// denominators; `all`/`any`: 1 or 0); null without contributions.
    pub value: Option<f64>,
    /// The latest text (`latest` roll-ups).
    pub text: Option<String>,
    /// Σ numerators (over values giving both, for `ratio_of_sums`).
    pub numerator_sum: Option<f64>,
    /// Σ denominators.
    pub denominator_sum: Option<f64>,
    /// Units with a counted value.
    pub contributing_count: i64,
    /// Contributions left out of a ratio of sums (no numerator or denominator).
    pub without_ratio_count: i64,
    /// Expected units without a counted value.
    pub missing_count: i64,
    /// Counted values (submitted or accepted reports), by unit.
    pub contributing: Vec<ContributionBody>,
    /// Units that report the indicator without a counted value.
    pub missing: Vec<UnitRefBody>,
    /// Pass as `cursor` for the next page; absent on the last page. A page holds the first
    /// `limit` units by code (after the cursor) that contribute or are missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of the indicator roll-up.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RollUpParams {
    /// The period.
    #[param(
        required = true,
        pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$",
        example = "2025-09"
    )]
    pub period: Option<String>,
    /// Units per page (1–1000, default 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An indicator rolled up over the units.
///
/// The province's value of an indicator for a period, from the values in the units' submitted
/// and accepted reports, by the indicator's roll-up method (`ratio_of_sums` sums the
/// numerators and the denominators, never averages percentages), with the contributing units
/// and the units that report the indicator but have no counted value. The value and the counts
/// cover every unit; the two lists are paged together by unit code (`limit`, `cursor`).
#[utoipa::path(
    tag = "aggregates",
    operation_id = "get_indicator_roll_up",
    params(
        ("indicator_id" = i64, Path, description = "Indicator id"),
        RollUpParams,
    ),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "The roll-up", body = RollUpResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "The id or period is missing or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read aggregates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No indicator has this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/aggregates/indicators/{indicator_id}")]
pub async fn indicator_roll_up(
    _caller: Allowed<ReadAggregates>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    params: web::Query<RollUpParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut errors = Vec::new();
    let period = query_period(params.period.as_deref(), &mut errors);
    let page = units_page(
        "roll-up",
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &mut errors,
    );
    let period = finish(period, errors)?;
    cache::respond(&state, &req, move |store| {
        let view = aggregates::roll_up(store, id, period, &page)?;
        let next = view.next_after.as_deref();
        let mut body: RollUpResponse = to_wire(&view)?;
        body.next_cursor = next.map(|k| crate::pagination::encode_cursor("roll-up", k));
        cache::json(&body)
    })
    .await
}

/// One indicator evaluated.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvaluationItemBody {
    /// The indicator's id.
    pub indicator_id: i64,
    /// Code.
    pub code: String,
    /// Stt as printed.
    pub row: Option<String>,
    /// Name.
    pub name: String,
    /// Pillar.
    pub pillar: String,
    /// Measure.
    pub measure: String,
    /// Direction.
    pub direction: String,
    /// Numeric target.
    pub target_value: Option<f64>,
    /// Target as printed.
    pub target_text: Option<String>,
    /// Actual value.
    pub actual_value: Option<f64>,
    /// Actual as text ("Có", "Đã vận hành", "74,51%").
    pub actual_text: Option<String>,
    /// The note reported with it.
    pub actual_note: Option<String>,
    /// `reported` (the plan's issuing unit's annual report) or `rolled_up` (the units'
    /// annual reports); null without a value.
    pub actual_source: Option<String>,
    /// The hub's suggestion: `exceeded`, `met`, `not_met` or `not_assessable`.
    pub suggested: String,
    /// The official assessment: `exceeded`, `met`, `not_met`, or null.
    pub official: Option<String>,
    /// Its note.
    pub official_note: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The official assessment's version: send `If-Match: "v<n>"` to replace it (`"v0"`
    /// when none is recorded).
    pub official_version: i64,
    /// Whether the official assessment differs from an assessable suggestion.
    pub differs: bool,
}

/// Assessments counted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TallyBody {
    /// Indicators.
    pub total: u32,
    /// Exceeded plus met.
    pub achieved: u32,
    /// Exceeded (Vượt).
    pub exceeded: u32,
    /// Met (Đạt).
    pub met: u32,
    /// Not met (Chưa đạt).
    pub not_met: u32,
    /// Not assessed (official) or not assessable (suggested).
    pub unassessed: u32,
}

/// Counts of a pillar, or overall.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvaluationSummaryBody {
    /// The pillar; null overall.
    pub pillar: Option<String>,
    /// Official assessments.
    pub official: TallyBody,
    /// Suggested assessments.
    pub suggested: TallyBody,
    /// Indicators whose assessments differ.
    pub differing: u32,
}

/// A plan's evaluation against its targets for a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvaluationResponse {
    /// The plan's id.
    pub plan_id: i64,
    /// Its key.
    pub plan_code: String,
    /// Its number.
    pub plan_number: Option<String>,
    /// Its title.
    pub plan_title: String,
    /// The year.
    pub year: i32,
    /// The unit whose annual report gives the actual values (the plan's issuer).
    pub source_unit: Option<String>,
    /// Overall counts.
    pub summary: EvaluationSummaryBody,
    /// Counts per pillar.
    pub pillars: Vec<EvaluationSummaryBody>,
    /// Codes of the indicators whose official and suggested assessments differ.
    pub differences: Vec<String>,
    /// Every indicator, in catalog order.
    pub items: Vec<EvaluationItemBody>,
}

/// Query of the evaluation.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationParams {
    /// The plan's id.
    #[param(value_type = i64, minimum = 1)]
    pub plan: Option<String>,
    /// The year (one of the plan's).
    #[param(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// A plan evaluated against its targets.
///
/// Each indicator's actual value for the year (from the annual report of the plan's issuing
/// unit, else the units' annual reports rolled up), its target, the **suggested assessment**
/// by the documented rule (above an at-least target: exceeded; equal: met; below: not met;
/// mirrored for at-most; yes/no and milestone texts read as met or not met; other texts not
/// assessable) and the **official assessment** the coordinator recorded, side by side, with a
/// flag where they differ; counts per pillar and overall. 422 when the year is not one of the
/// plan's.
#[utoipa::path(
    tag = "aggregates",
    operation_id = "get_evaluation",
    params(EvaluationParams),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "The evaluation", body = EvaluationResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "A query parameter is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read aggregates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The year is not one of the plan's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/aggregates/evaluation")]
pub async fn evaluation(
    _caller: Allowed<ReadAggregates>,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<EvaluationParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let plan = query_int("plan", params.plan.as_deref(), 1, i64::MAX, &mut errors);
    if params.plan.is_none() {
        errors.push(FieldError::new("query:plan", "required"));
    }
    let year = query_int("year", params.year.as_deref(), 2000, 2100, &mut errors);
    if params.year.is_none() {
        errors.push(FieldError::new("query:year", "required"));
    }
    let (plan, year) = finish(plan.zip(year), errors)?;
    let year = i32::try_from(year).map_err(|_| ApiError::invalid_query(vec![]))?;
    cache::respond(&state, &req, move |store| {
        let view = aggregates::evaluation(store, plan, year)?;
        cache::json(&to_wire::<_, EvaluationResponse>(&view)?)
    })
    .await
}

/// An official assessment.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfficialAssessmentName {
    /// Vượt.
    Exceeded,
    /// Đạt.
    Met,
    /// Chưa đạt.
    NotMet,
}

/// The coordinator's official assessment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AssessmentBody {
    /// `exceeded` (Vượt), `met` (Đạt) or `not_met` (Chưa đạt).
    #[schema(value_type = OfficialAssessmentName, example = "met")]
    pub assessment: Option<String>,
    /// Why (at most 2000 characters).
    pub note: Option<String>,
}

/// An official assessment as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssessmentResponse {
    /// The plan's id.
    pub plan_id: i64,
    /// The indicator's id.
    pub indicator_id: i64,
    /// The year.
    pub year: i32,
    /// `exceeded`, `met` or `not_met`.
    pub assessment: String,
    /// Why.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// Version (also the `ETag`).
    pub version: i64,
}

/// Record the official assessment of an indicator for a year.
///
/// The coordinator's judgement, kept beside the suggested one (both are returned by the
/// evaluation). Creates or replaces it; send `If-Match` with the `ETag` of the last read
/// (`"v0"` when none was recorded) to refuse overwriting someone else's change (412).
/// Audited.
#[utoipa::path(
    tag = "aggregates",
    operation_id = "put_indicator_assessment",
    params(
        ("plan_id" = i64, Path, description = "Plan id"),
        ("indicator_id" = i64, Path, description = "Indicator id"),
        ("year" = i32, Path, description = "Year (one of the plan's)", minimum = 2000, maximum = 2100),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = AssessmentBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded", body = AssessmentResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON or path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan, or the indicator is not the plan's", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown assessment, note too long, unknown field, or a year not the plan's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/plans/{plan_id}/indicators/{indicator_id}/assessments/{year}")]
pub async fn put_assessment(
    caller: Allowed<ReviewReports>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64, i32)>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (plan, indicator, year) = path.into_inner();
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::invalid_path(
            FieldError::new("path:year", "out_of_range")
                .with("min", 2000)
                .with("max", 2100),
        ));
    }
    let expected = if_match_version(&req)?;
    let input: AssessmentInput = input_from_json(body.into_inner())?;
    let actor = caller.actor();
    let store = state.store.clone();
    let view = web::block(move || {
        aggregates::record_assessment(&store, &actor, plan, indicator, year, expected, &input)
    })
    .await??;
    let version = view.version;
    let body: AssessmentResponse = to_wire(&view)?;
    Ok(HttpResponse::Ok()
        .insert_header(ETag(etag(version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

/// Task counts of one group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskGroupBody {
    /// Category or lead unit (code, or unit kind); null: none / all tasks.
    pub key: Option<String>,
    /// Tasks.
    pub total: i64,
    /// Completed (latest counted progress).
    pub completed: i64,
    /// In progress.
    pub in_progress: i64,
    /// Not started or never reported.
    pub not_started: i64,
    /// Due date passed and not completed, or reported overdue.
    pub overdue: i64,
    /// Completed / total, percent.
    pub completion_rate: Option<f64>,
    /// Mean percent complete (completed 100, unreported 0).
    pub mean_percent_complete: Option<f64>,
}

/// An overdue task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueTaskBody {
    /// The task's id.
    pub task_id: i64,
    /// Code.
    pub code: String,
    /// Content.
    pub content: String,
    /// Category.
    pub category: Option<String>,
    /// Lead as printed.
    pub lead_text: Option<String>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Latest reported status (null: never reported).
    pub status: Option<String>,
    /// Latest percent complete.
    pub percent_complete: Option<f64>,
}

/// Task completion of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TasksResponse {
    /// The plan's id.
    pub plan_id: i64,
    /// Vietnam's date overdue is judged on.
    pub as_of: NaiveDate,
    /// All tasks.
    pub totals: TaskGroupBody,
    /// By category.
    pub by_category: Vec<TaskGroupBody>,
    /// By lead unit (a task led by several units counts for each).
    pub by_lead_unit: Vec<TaskGroupBody>,
    /// Overdue tasks.
    pub overdue: Vec<OverdueTaskBody>,
}

/// Query of the tasks aggregate.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksParams {
    /// The plan's id.
    #[param(value_type = i64, minimum = 1)]
    pub plan: Option<String>,
}

/// Task completion of a plan.
///
/// By category and by lead unit, from each task's latest progress in a submitted or accepted
/// report; overdue tasks (due date passed and not completed, or reported overdue).
#[utoipa::path(
    tag = "aggregates",
    operation_id = "get_task_aggregate",
    params(TasksParams),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "Task completion", body = TasksResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "The plan is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read aggregates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/aggregates/tasks")]
pub async fn tasks(
    _caller: Allowed<ReadAggregates>,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<TasksParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let plan = query_int("plan", params.plan.as_deref(), 1, i64::MAX, &mut errors);
    if params.plan.is_none() {
        errors.push(FieldError::new("query:plan", "required"));
    }
    let plan = finish(plan, errors)?;
    cache::respond(&state, &req, move |store| {
        let view = aggregates::tasks(store, plan, None)?;
        cache::json(&to_wire::<_, TasksResponse>(&view)?)
    })
    .await
}

/// A project's money.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectFinanceBody {
    /// The project's id.
    pub project_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Investor's unit code.
    pub investor: Option<String>,
    /// Investor as printed.
    pub investor_text: Option<String>,
    /// TMĐT, VND.
    pub total_investment_vnd: Option<i64>,
    /// NSTW share of TMĐT, VND.
    pub central_vnd: Option<i64>,
    /// NSĐP share of TMĐT, VND.
    pub local_vnd: Option<i64>,
    /// Disbursed before the plan's years, VND.
    pub disbursed_before_vnd: Option<i64>,
    /// Allocated for the plan's years (bố trí vốn), VND.
    pub allocated_vnd: Option<i64>,
    /// Execution as printed for the plan's years, VND.
    pub implemented_vnd: Option<i64>,
    /// Disbursements reported in submitted or accepted reports of the plan's years, VND.
    pub reported_disbursed_vnd: Option<i64>,
    /// The printed execution where there is one, else the reported disbursements, VND.
    pub disbursed_vnd: Option<i64>,
    /// Disbursed / allocated, percent.
    pub disbursement_rate: Option<f64>,
    /// Decision, funding note or stage.
    pub note: Option<String>,
}

/// Money of one group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoneyGroupBody {
    /// Investor or implementing unit (code, else as printed); null: not stated.
    pub key: Option<String>,
    /// Budget category (recurrent groups).
    pub category: Option<String>,
    /// Items.
    pub items: i64,
    /// TMĐT (projects) or amount (budget lines), VND.
    pub amount_vnd: Option<i64>,
    /// Allocated (projects), VND.
    pub allocated_vnd: Option<i64>,
    /// Disbursed (projects) or reported spent (budget lines), VND.
    pub disbursed_vnd: Option<i64>,
    /// Disbursed / allocated, percent.
    pub disbursement_rate: Option<f64>,
}

/// A budget line's money.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BudgetLineFinanceBody {
    /// The line's id.
    pub budget_line_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Implementing unit (code or kind).
    pub unit: Option<String>,
    /// Implementing unit as printed.
    pub implementing_text: Option<String>,
    /// Budget category (SNKT, QLNN, SN GDĐT).
    pub budget_category: Option<String>,
    /// Amount, VND.
    pub amount_vnd: Option<i64>,
    /// Spent, as reported, VND.
    pub reported_spent_vnd: Option<i64>,
    /// Funding note, decision or status.
    pub note: Option<String>,
}

/// Totals of a plan: computed, declared, and every mismatch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FinanceTotalsBody {
    /// From the items (investment by source, recurrent, by unit).
    pub computed: ComputedTotalsBody,
    /// From the plan text.
    pub declared: DeclaredTotalsBody,
    /// From the tables' TỔNG CỘNG rows.
    pub declared_table_totals: Vec<DeclaredColumnBody>,
    /// Declared figures that differ from the computed ones.
    pub mismatches: Vec<MismatchBody>,
    /// Items accepted with something to check.
    pub warnings: Vec<WarningBody>,
}

/// One plan's finance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanFinanceBody {
    /// The plan's id.
    pub plan_id: i64,
    /// Key.
    pub plan_code: String,
    /// Number.
    pub plan_number: Option<String>,
    /// Title.
    pub plan_title: String,
    /// First year.
    pub first_year: i32,
    /// Last year.
    pub last_year: i32,
    /// Projects, in catalog order.
    pub projects: Vec<ProjectFinanceBody>,
    /// Projects by investor.
    pub by_investor: Vec<MoneyGroupBody>,
    /// Disbursed / allocated over the projects having both, percent.
    pub disbursement_rate: Option<f64>,
    /// Recurrent budget lines.
    pub budget_lines: Vec<BudgetLineFinanceBody>,
    /// Recurrent money by implementing unit and category.
    pub recurrent_by_unit: Vec<MoneyGroupBody>,
    /// Totals by source, declared totals and mismatches.
    pub totals: FinanceTotalsBody,
}

/// DX spending as a share of the provincial budget.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SpendingShareBody {
    /// The year.
    pub year: i32,
    /// The province's budget, VND.
    pub provincial_budget_vnd: i64,
    /// Where that figure is printed.
    pub provincial_budget_source: Option<String>,
    /// DX spending as the single-year plans of the year declare it, VND.
    pub declared_spending_vnd: i64,
    /// DX spending computed from their items, VND.
    pub computed_spending_vnd: i64,
    /// Declared / budget, percent, two decimals.
    pub declared_share: f64,
    /// Computed / budget, percent, two decimals.
    pub computed_share: f64,
}

/// Finance of a plan or a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FinanceResponse {
    /// The plan asked for.
    pub plan_id: Option<i64>,
    /// The year asked for, or the single-year plan's year.
    pub year: Option<i32>,
    /// Each plan.
    pub plans: Vec<PlanFinanceBody>,
    /// DX spending share; null without a provincial budget for the year or a single-year plan.
    pub spending_share: Option<SpendingShareBody>,
}

/// Query of the finance aggregate: a plan, or a year (every plan covering it).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FinanceParams {
    /// The plan's id.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub plan: Option<String>,
    /// A year: every plan covering it; with `plan`, must be one of the plan's years.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// Finance of a plan or a year.
///
/// Per project: TMĐT, allocation and disbursement (printed execution, else reported) and the
/// disbursement rate; by investor; recurrent spending by implementing unit and budget category;
/// totals by source; the plan's declared totals and every declared-versus-computed mismatch;
/// the DX spending share of the provincial budget of the year. Give `plan` or `year`.
#[utoipa::path(
    tag = "aggregates",
    operation_id = "get_finance",
    params(FinanceParams),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "Finance", body = FinanceResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "Neither plan nor year, or one is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read aggregates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The year is not one of the plan's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/aggregates/finance")]
pub async fn finance(
    _caller: Allowed<ReadAggregates>,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<FinanceParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let plan = query_int("plan", params.plan.as_deref(), 1, i64::MAX, &mut errors);
    let year = query_int("year", params.year.as_deref(), 2000, 2100, &mut errors)
        .and_then(|y| i32::try_from(y).ok());
    if params.plan.is_none() && params.year.is_none() {
        errors.push(FieldError::new("query:plan", "plan_or_year_required"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    cache::respond(&state, &req, move |store| {
        let view = aggregates::finance(store, plan, year)?;
        cache::json(&to_wire::<_, FinanceResponse>(&view)?)
    })
    .await
}
