//! DTI scoring: `/api/v1/dti/frameworks/{year}/{unit_kind}` (the coordinator's frameworks),
//! `/api/v1/units/{unit}/dti/{year}/self-assessment` and `…/verification` (a unit's
//! self-assessment and the coordinator's verification), `/api/v1/dti/scores` (scores and
//! ranks of a year) and `/api/v1/dti/scores/{unit}` (one unit's score explained).
//!
//! Access: frameworks are read like the catalog and written by coordinators (and admins);
//! a unit's assessment is read by whoever may read its reports and saved by its reporters,
//! approvers and bound clients (another unit answers 404, as reports do); only coordinators
//! verify. The ranking of a year is public to every reader (the province publishes it); a
//! unit's explanation is scoped like its reports.

use actix_web::http::header::{self, ETag};
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use dtihub_domain::access::{Permission, Scope};
use dtihub_domain::dti::{Framework, SelfAssessment, Verification};
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use dtihub_service::catalog::input_from_json;
use dtihub_service::dti::{self, AssessmentView, FrameworkView, UnitScore};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, Caller, ManageCatalog, ReadCatalog};
use crate::catalog::{not_modified, to_wire, utc};
use crate::conditional::{etag, if_match_version};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// How a criterion is scored (`kind` names the rule).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleBody {
    /// `a / b × max`, with `a` and `b` given by the unit (a ≤ b, b > 0).
    Ratio {
        /// What `a` counts.
        numerator: Option<String>,
        /// What `b` counts.
        denominator: Option<String>,
    },
    /// Full, half or no points by a stated condition.
    Levels {
        /// The condition for full points.
        full: String,
        /// The condition for half points.
        half: String,
    },
    /// `min(value / target, 1) × max`.
    LinearToTarget {
        /// The target, > 0.
        target: f64,
        /// The catalog indicator the value comes from, for reference.
        indicator_code: Option<String>,
    },
    /// Full points when the condition holds.
    Boolean {
        /// The condition.
        condition: String,
    },
    /// Computed from the unit's reports of the year, not answered:
    /// `min(count / expected_reports, 1) × max`.
    ReportFact {
        /// `on_time_reports` (first submitted by the deadline) or `submitted_reports`.
        #[schema(pattern = "^(on_time_reports|submitted_reports)$")]
        fact: String,
        /// Reports the unit owes in the year (1–366).
        #[schema(minimum = 1, maximum = 366)]
        expected_reports: u32,
    },
}

/// A criterion (tiêu chí).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriterionBody {
    /// Code, unique in the framework (1–40 letters, digits, `-`, `_`, `.`).
    #[schema(example = "NT-1")]
    pub code: String,
    /// What is assessed.
    pub name: String,
    /// Most points, > 0.
    pub max_points: f64,
    /// How it is scored.
    pub rule: Option<RuleBody>,
    /// Whether claiming points needs a cited document (number, name, date, summary).
    #[serde(default)]
    pub evidence_required: bool,
}

/// A pillar (trụ cột).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PillarBody {
    /// Code, unique in the framework.
    #[schema(example = "nhan_thuc_so")]
    pub code: String,
    /// Name.
    #[schema(example = "Nhận thức số")]
    pub name: String,
    /// Most points: must equal the sum of its criteria's.
    pub max_points: f64,
    /// Its criteria.
    pub criteria: Vec<CriterionBody>,
}

/// A DTI framework (bộ chỉ số).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FrameworkBody {
    /// Title.
    pub title: String,
    /// The decision that issued it.
    pub decision: Option<String>,
    /// Declared total; when given, must equal the sum of the pillars'.
    pub max_points: Option<f64>,
    /// The pillars.
    pub pillars: Vec<PillarBody>,
}

/// A stored framework.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FrameworkResponse {
    /// The year.
    pub year: i32,
    /// `department` or `commune`.
    pub unit_kind: String,
    /// Version (also the `ETag`).
    pub version: i64,
    /// Total points.
    pub max_points: f64,
    /// Whether units have self-assessed against it: it can no longer be replaced.
    pub in_use: bool,
    /// Who last wrote it.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
    /// The framework.
    pub framework: FrameworkBody,
}

/// A cited document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EvidenceBody {
    /// Number and symbol (`12/KH-UBND`).
    pub number: Option<String>,
    /// Name (trích yếu).
    pub name: Option<String>,
    /// Date issued.
    pub date: Option<NaiveDate>,
    /// What it shows.
    pub summary: Option<String>,
}

/// A unit's answer to a criterion; the fields used depend on the rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// The criterion's code.
    pub criterion: String,
    /// `levels`: `full`, `half` or `zero`.
    #[schema(pattern = "^(full|half|zero)$")]
    pub level: Option<String>,
    /// `boolean`: whether the condition holds.
    pub met: Option<bool>,
    /// `ratio`: a.
    pub numerator: Option<f64>,
    /// `ratio`: b.
    pub denominator: Option<f64>,
    /// `linear_to_target`: the value.
    pub value: Option<f64>,
    /// The document cited (required when the criterion asks for evidence and points are
    /// claimed).
    pub evidence: Option<EvidenceBody>,
    /// A note.
    pub note: Option<String>,
}

/// A self-assessment: one answer per criterion; criteria not answered score zero.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SelfAssessmentBody {
    /// The answers.
    pub answers: Vec<AnswerBody>,
}

/// The coordinator's finding on a criterion.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct VerifiedCriterionBody {
    /// The criterion's code.
    pub criterion: String,
    /// Points granted (0..max); absent: the self-assessed points are confirmed.
    pub points: Option<f64>,
    /// Why; required when the points differ from the self-assessed ones.
    pub reason: Option<String>,
}

/// A verification: criteria not listed are confirmed at their self-assessed points.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct VerificationBody {
    /// Findings per criterion.
    pub criteria: Vec<VerifiedCriterionBody>,
    /// A general note.
    pub note: Option<String>,
}

/// One criterion's points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriterionScoreBody {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its pillar's code.
    pub pillar: String,
    /// The rule (`ratio`, `levels`, `linear_to_target`, `boolean`, `report_fact`).
    pub rule: String,
    /// Most points.
    pub max_points: f64,
    /// Points by the unit's answers (or its reports, for `report_fact`).
    pub self_points: f64,
    /// Points after verification; null until verified.
    pub verified_points: Option<f64>,
    /// Why the verified points differ.
    pub reason: Option<String>,
}

/// Points and a 0..1 index (points / max, four decimals) of a pillar or overall.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubtotalBody {
    /// Pillar code, or `overall`.
    pub code: String,
    /// Most points.
    pub max_points: f64,
    /// Self-assessed points.
    pub self_points: f64,
    /// Self-assessed index.
    pub self_index: f64,
    /// Verified points; null until verified.
    pub verified_points: Option<f64>,
    /// Verified index.
    pub verified_index: Option<f64>,
}

/// A unit's self-assessment of a year, with its points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssessmentResponse {
    /// The unit.
    pub unit: String,
    /// The year.
    pub year: i32,
    /// The unit's kind.
    pub unit_kind: String,
    /// `not_started`, `self_assessed` or `verified`.
    pub status: String,
    /// Version (also the `ETag`); 0 before the first save.
    pub version: i64,
    /// The framework's version.
    pub framework_version: i64,
    /// The unit's answers.
    pub answers: Vec<AnswerBody>,
    /// The coordinator's verification; null until verified.
    pub verification: Option<VerificationBody>,
    /// Points per criterion, in the framework's order.
    pub criteria: Vec<CriterionScoreBody>,
    /// Per pillar.
    pub pillars: Vec<SubtotalBody>,
    /// Overall.
    pub overall: SubtotalBody,
    /// Who self-assessed.
    pub self_assessed_by: Option<String>,
    /// When.
    pub self_assessed_at: Option<DateTime<Utc>>,
    /// Who verified.
    pub verified_by: Option<String>,
    /// When.
    pub verified_at: Option<DateTime<Utc>>,
}

/// Change since the previous year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeBody {
    /// The previous year.
    pub previous_period: String,
    /// Self-assessed index now minus then.
    pub self_index: Option<f64>,
    /// Verified index now minus then.
    pub verified_index: Option<f64>,
    /// Places gained in the verified ranking (positive: moved up).
    pub rank: Option<i64>,
}

/// One unit's scores and ranks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitScoreBody {
    /// The unit's code.
    pub unit: String,
    /// The unit's name.
    pub name: String,
    /// `not_started`, `self_assessed` or `verified`.
    pub status: String,
    /// Rank by verified points (ties share a rank, the next skips: 1, 2, 2, 4); null until
    /// verified.
    pub rank: Option<u32>,
    /// Rank by self-assessed points, same rule.
    pub self_rank: Option<u32>,
    /// Per pillar; empty when not started.
    pub pillars: Vec<SubtotalBody>,
    /// Overall; null when not started.
    pub overall: Option<SubtotalBody>,
    /// Change since the previous year, when both have a score.
    pub change: Option<ChangeBody>,
}

/// A pillar's heading in the scores.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PillarHeading {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Most points.
    pub max_points: f64,
}

/// The scores of a year and kind of unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScoresResponse {
    /// The period (the year).
    pub period: String,
    /// The kind of unit.
    pub unit_kind: String,
    /// The framework's total points.
    pub max_points: f64,
    /// The pillars, in order.
    pub pillars: Vec<PillarHeading>,
    /// Every unit of the kind in force that year: by verified rank, then self rank, then code.
    pub units: Vec<UnitScoreBody>,
}

/// A unit's score explained criterion by criterion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExplanationResponse {
    /// The period (the year).
    pub period: String,
    /// The unit's line in the scores.
    pub score: UnitScoreBody,
    /// The assessment, every criterion's points, answers and evidence.
    pub assessment: AssessmentResponse,
}

/// `period` (the year) and `unit_kind` of the scores.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoresParams {
    /// The year (`YYYY`).
    #[param(value_type = String, pattern = "^(20[0-9]{2}|2100)$", example = "2025")]
    pub period: Option<String>,
    /// `department` or `commune`.
    #[param(value_type = String, pattern = "^(department|commune)$", example = "commune")]
    pub unit_kind: Option<String>,
}

/// `period` (the year) of a unit's explanation.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainParams {
    /// The year (`YYYY`).
    #[param(value_type = String, pattern = "^(20[0-9]{2}|2100)$", example = "2025")]
    pub period: Option<String>,
}

fn parse_year(raw: &str) -> Option<i32> {
    let ok = raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit());
    raw.parse::<i32>()
        .ok()
        .filter(|y| ok && (2000..=2100).contains(y))
}

fn year_in_path(raw: &str) -> Result<i32, ApiError> {
    parse_year(raw)
        .ok_or_else(|| ApiError::invalid_path(FieldError::new("path:year", "invalid_year")))
}

fn kind_in_path(raw: &str) -> Result<String, ApiError> {
    if dtihub_domain::dti::UNIT_KINDS.contains(&raw) {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::invalid_path(
            FieldError::new("path:unit_kind", "invalid_enum")
                .with("allowed", "department, commune"),
        ))
    }
}

fn unit_in_path(raw: &str) -> Result<UnitCode, ApiError> {
    UnitCode::parse(raw)
        .map_err(|_| ApiError::invalid_path(FieldError::new("path:unit", "invalid_unit_code")))
}

fn year_in_query(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<i32> {
    match raw {
        None => {
            errors.push(FieldError::new("query:period", "required"));
            None
        }
        Some(raw) => parse_year(raw).or_else(|| {
            errors.push(FieldError::new("query:period", "invalid_year"));
            None
        }),
    }
}

/// 404 for another unit, then 403 without the permission.
fn authorize(caller: &Caller, unit: &UnitCode, permission: Permission) -> Result<(), ApiError> {
    caller.require_unit(unit)?;
    caller.require(permission)
}

/// Readers of scores: whoever reads reports, and clients with `aggregates:read`.
fn require_scores_reader(caller: &Caller) -> Result<(), ApiError> {
    let p = &caller.principal;
    if p.allows(Permission::ReadReports) || p.has_scope(Scope::AggregatesRead) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn with_etag(
    mut builder: actix_web::HttpResponseBuilder,
    version: i64,
) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header(ETag(etag(version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    builder
}

fn framework_response(view: FrameworkView) -> Result<FrameworkResponse, ApiError> {
    Ok(FrameworkResponse {
        year: view.year,
        unit_kind: view.unit_kind,
        version: view.version,
        max_points: view.max_points,
        in_use: view.in_use,
        updated_by: view.updated_by,
        updated_at: utc(view.updated_at),
        framework: to_wire(&view.framework)?,
    })
}

fn assessment_response(view: AssessmentView) -> Result<AssessmentResponse, ApiError> {
    Ok(AssessmentResponse {
        unit: view.unit,
        year: view.year,
        unit_kind: view.unit_kind,
        status: view.status,
        version: view.version,
        framework_version: view.framework_version,
        answers: to_wire(&view.answers.answers)?,
        verification: view.verification.as_ref().map(to_wire).transpose()?,
        criteria: to_wire(&view.criteria)?,
        pillars: to_wire(&view.pillars)?,
        overall: to_wire(&view.overall)?,
        self_assessed_by: view.self_assessed_by,
        self_assessed_at: view.self_assessed_at.map(utc),
        verified_by: view.verified_by,
        verified_at: view.verified_at.map(utc),
    })
}

fn unit_score_body(u: UnitScore) -> Result<UnitScoreBody, ApiError> {
    Ok(UnitScoreBody {
        unit: u.unit,
        name: u.name,
        status: u.status,
        rank: u.rank,
        self_rank: u.self_rank,
        pillars: to_wire(&u.pillars)?,
        overall: u.overall.as_ref().map(to_wire).transpose()?,
        change: u.change.map(|c| ChangeBody {
            previous_period: c.previous_period.to_string(),
            self_index: c.self_index,
            verified_index: c.verified_index,
            rank: c.rank,
        }),
    })
}

/// Get the DTI framework of a year and kind of unit.
#[utoipa::path(
    tag = "dti",
    params(
        ("year" = String, Path, description = "The year", pattern = "^(20[0-9]{2}|2100)$", example = "2025"),
        ("unit_kind" = String, Path, description = "`department` or `commune`", pattern = "^(department|commune)$", example = "commune"),
    ),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "The framework", body = FrameworkResponse,
            headers(("ETag" = String, description = "Version of the framework"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "The year or kind of unit is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read the catalog", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No framework for that year and kind", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dti/frameworks/{year}/{unit_kind}")]
pub async fn get_framework(
    _caller: Allowed<ReadCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (year, kind) = path.into_inner();
    let (year, kind) = (year_in_path(&year)?, kind_in_path(&kind)?);
    let store = state.store.clone();
    let view = web::block(move || dti::get_framework(&store, year, &kind)).await??;
    if not_modified(&req, view.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag(view.version)))
            .finish());
    }
    let version = view.version;
    Ok(with_etag(HttpResponse::Ok(), version).json(framework_response(view)?))
}

/// Create or replace the DTI framework of a year and kind of unit (coordinators).
///
/// The framework is checked whole: codes well-formed and unique, each pillar's criteria adding
/// up to its `max_points` (and the pillars to `max_points` when declared), each rule
/// well-formed (422, one entry per breach with a JSON pointer). Send the `ETag` you read in
/// `If-Match` to replace (412 when stale). Once any unit has self-assessed against the
/// framework it can no longer change (409 `dti_framework_in_use`): changes go into the next
/// year's framework, so that filed assessments keep the rules they were scored by.
#[utoipa::path(
    tag = "dti",
    params(
        ("year" = String, Path, description = "The year", pattern = "^(20[0-9]{2}|2100)$", example = "2025"),
        ("unit_kind" = String, Path, description = "`department` or `commune`", pattern = "^(department|commune)$", example = "commune"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = FrameworkBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = FrameworkResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 201, description = "Created", body = FrameworkResponse,
            headers(("ETag" = String, description = "Version 1"))),
        (status = 400, description = "Malformed JSON, year or kind of unit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Units have self-assessed against it (`dti_framework_in_use`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The framework breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dti/frameworks/{year}/{unit_kind}")]
pub async fn put_framework(
    caller: Allowed<ManageCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (year, kind) = path.into_inner();
    let (year, kind) = (year_in_path(&year)?, kind_in_path(&kind)?);
    let expected = if_match_version(&req)?;
    let framework: Framework = input_from_json(body.into_inner())?;
    let actor = caller.actor();
    let store = state.store.clone();
    let (view, created) =
        web::block(move || dti::put_framework(&store, &actor, year, &kind, expected, framework))
            .await??;
    let version = view.version;
    let builder = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(builder, version).json(framework_response(view)?))
}

/// Get a unit's DTI self-assessment of a year, with its points (and the verified points once
/// verified). Before the first save: status `not_started`, version 0.
#[utoipa::path(
    tag = "dti",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("year" = String, Path, description = "The year", pattern = "^(20[0-9]{2}|2100)$", example = "2025"),
    ),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The self-assessment", body = AssessmentResponse,
            headers(("ETag" = String, description = "Version (`\"v0\"` before the first save)"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "The unit code or year is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, not the caller's unit, or no framework for its kind that year", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{unit}/dti/{year}/self-assessment")]
pub async fn get_self_assessment(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    let (unit, year) = (unit_in_path(&unit)?, year_in_path(&year)?);
    authorize(&caller, &unit, Permission::ReadReports)?;
    let store = state.store.clone();
    let view = web::block(move || dti::get_assessment(&store, &unit, year)).await??;
    if not_modified(&req, view.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag(view.version)))
            .finish());
    }
    let version = view.version;
    Ok(with_etag(HttpResponse::Ok(), version).json(assessment_response(view)?))
}

/// Save a unit's DTI self-assessment of a year (whole replace): answers, a/b figures and
/// evidence (the unit's reporters and approvers, or a client bound to it with
/// `reports:write`).
///
/// Each answer must name a criterion of the framework once, carry what its rule needs
/// (`level`, `met`, `numerator` and `denominator`, `value`) and, where the criterion requires
/// evidence and points are claimed, a document with number, name, date and summary (422 with
/// pointers). `report_fact` criteria are computed from the unit's reports and not answered.
/// Send the `ETag` you read in `If-Match` (`"v0"` before the first save). Once verified the
/// self-assessment is closed (409 `dti_already_verified`).
#[utoipa::path(
    tag = "dti",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("year" = String, Path, description = "The year", pattern = "^(20[0-9]{2}|2100)$", example = "2025"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = SelfAssessmentBody,
    security(("bearer" = []), ("oauth2" = ["reports:write"])),
    responses(
        (status = 200, description = "Saved", body = AssessmentResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or year", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a reporter or approver of the unit, nor a client with `reports:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or not the caller's unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already verified (`dti_already_verified`), or no framework for the unit's kind that year (`dti_framework_missing`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An answer breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/units/{unit}/dti/{year}/self-assessment")]
pub async fn save_self_assessment(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    let (unit, year) = (unit_in_path(&unit)?, year_in_path(&year)?);
    authorize(&caller, &unit, Permission::SaveReports)?;
    let expected = if_match_version(&req)?;
    let answers: SelfAssessment = input_from_json(body.into_inner())?;
    let actor = caller.actor();
    let store = state.store.clone();
    let view = web::block(move || {
        dti::save_self_assessment(&store, &actor, &unit, year, expected, answers)
    })
    .await??;
    let version = view.version;
    Ok(with_etag(HttpResponse::Ok(), version).json(assessment_response(view)?))
}

/// Verify a unit's DTI self-assessment criterion by criterion (coordinators): verified points
/// and, where they differ from the self-assessed ones, a reason. Both scores are kept.
///
/// The verification replaces any earlier one; criteria not listed are confirmed at their
/// self-assessed points. Send the self-assessment's `ETag` in `If-Match` (412 when the unit
/// saved since).
#[utoipa::path(
    tag = "dti",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("year" = String, Path, description = "The year", pattern = "^(20[0-9]{2}|2100)$", example = "2025"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = VerificationBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified", body = AssessmentResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or year", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or not the caller's unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The unit has not self-assessed (`dti_not_self_assessed`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A finding breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/units/{unit}/dti/{year}/verification")]
pub async fn verify(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (unit, year) = path.into_inner();
    let (unit, year) = (unit_in_path(&unit)?, year_in_path(&year)?);
    authorize(&caller, &unit, Permission::ReviewReports)?;
    let expected = if_match_version(&req)?;
    let verification: Verification = input_from_json(body.into_inner())?;
    let actor = caller.actor();
    let store = state.store.clone();
    let view = web::block(move || dti::verify(&store, &actor, &unit, year, expected, verification))
        .await??;
    let version = view.version;
    Ok(with_etag(HttpResponse::Ok(), version).json(assessment_response(view)?))
}

/// DTI scores of a year: every department or commune with points and a 0..1 index per pillar
/// and overall (self-assessed and verified), its ranks and the change since the year before.
///
/// Ranks: highest points first, to the printed hundredth; equal points share a rank and the
/// next rank skips (1, 2, 2, 4). `rank` ranks verified points (null until verified),
/// `self_rank` self-assessed points. Units that filed nothing are listed as `not_started`
/// without points or rank. Criteria scored from reports use the reports as they stand now.
#[utoipa::path(
    tag = "dti",
    params(ScoresParams),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "The scores", body = ScoresResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "`period` or `unit_kind` is missing or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read scores", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No framework for that year and kind", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dti/scores")]
pub async fn scores(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<ScoresParams>,
) -> Result<HttpResponse, ApiError> {
    require_scores_reader(&caller)?;
    let mut errors = Vec::new();
    let year = year_in_query(params.period.as_deref(), &mut errors);
    let kind = match params.unit_kind.as_deref() {
        None => {
            errors.push(FieldError::new("query:unit_kind", "required"));
            None
        }
        Some(k) if dtihub_domain::dti::UNIT_KINDS.contains(&k) => Some(k.to_owned()),
        Some(_) => {
            errors.push(
                FieldError::new("query:unit_kind", "invalid_enum")
                    .with("allowed", "department, commune"),
            );
            None
        }
    };
    let (Some(year), Some(kind)) = (year, kind) else {
        return Err(ApiError::invalid_query(errors));
    };
    crate::cache::respond(&state, &req, move |store| {
        let board = dti::scores(store, year, &kind)?;
        let body = ScoresResponse {
            period: board.year.to_string(),
            unit_kind: board.unit_kind,
            max_points: board.framework.total_points(),
            pillars: board
                .framework
                .pillars
                .iter()
                .map(|p| PillarHeading {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    max_points: p.max_points,
                })
                .collect(),
            units: board
                .units
                .into_iter()
                .map(unit_score_body)
                .collect::<Result<_, _>>()?,
        };
        crate::cache::json(&body)
    })
    .await
}

/// A unit's DTI score of a year explained criterion by criterion: the answers and evidence,
/// self-assessed and verified points per criterion with the coordinator's reasons, the pillar
/// and overall subtotals, and the unit's line in the ranking.
#[utoipa::path(
    tag = "dti",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ExplainParams,
    ),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "The explanation", body = ExplanationResponse),
        (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match` (the data version and the date)"),
        (status = 400, description = "The unit code or `period` is missing or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read scores", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, not the caller's unit, or no framework for its kind that year", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dti/scores/{unit}")]
pub async fn explain(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<ExplainParams>,
) -> Result<HttpResponse, ApiError> {
    let unit = unit_in_path(&path.into_inner())?;
    caller.require_unit(&unit)?;
    require_scores_reader(&caller)?;
    let mut errors = Vec::new();
    let Some(year) = year_in_query(params.period.as_deref(), &mut errors) else {
        return Err(ApiError::invalid_query(errors));
    };
    crate::cache::respond(&state, &req, move |store| {
        let explanation = dti::explain(store, &unit, year)?;
        crate::cache::json(&ExplanationResponse {
            period: year.to_string(),
            score: unit_score_body(explanation.score)?,
            assessment: assessment_response(explanation.assessment)?,
        })
    })
    .await
}
