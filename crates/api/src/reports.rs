//! `/api/v1/units/{unit}/reports/{period}` and its workflow actions, `/api/v1/reports` (the
//! coordinator's listing) and `/api/v1/periods/{period}`.
//!
//! Unit-scoped callers act on their own unit only: any other unit answers 404, so that other
//! units' reports are not even revealed to exist. The unit is checked before the role, so a
//! unit role asking for a coordinator's action on its own unit gets 403.

use actix_web::http::header::{self, ETag};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use dtihub_domain::access::{Permission, Principal};
use dtihub_domain::period::Period;
use dtihub_domain::report::validation::Finding;
use dtihub_domain::report::{ActionKind, ReportAction, ReportStatus};
use dtihub_domain::schedule::vietnam_date;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use dtihub_service::catalog::input_from_json;
use dtihub_service::reports::{self, ReportContent, ReportQuery, ReportView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Allowed, Caller, ReadReports};
use crate::catalog::{not_modified, to_wire, utc};
use crate::conditional::{etag, if_match_version};
use crate::error::{ApiError, Problem};
use crate::i18n::{self, Lang};
use crate::pagination::{decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;

const LISTING: &str = "reports";

/// One indicator value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct IndicatorValueBody {
    /// The indicator's id.
    pub indicator_id: i64,
    /// The value (a number); for percentages, or give `numerator` and `denominator`.
    pub value: Option<f64>,
    /// For percentages: how many of…
    pub numerator: Option<f64>,
    /// …how many.
    pub denominator: Option<f64>,
    /// Text, for milestones ("Đã ban hành").
    pub text: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Evidence: document number.
    pub evidence_number: Option<String>,
    /// Evidence: document date.
    pub evidence_date: Option<NaiveDate>,
    /// Read-only: the assessment a published report printed for this value (`exceeded`,
    /// `met`, `not_met`), present only on loaded reports such as the province's 2023 annual
    /// report; ignored when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub official_assessment: Option<String>,
}

/// Progress on a task the unit leads.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TaskProgressBody {
    /// The task's id.
    pub task_id: i64,
    /// `not_started`, `in_progress`, `completed` or `overdue`.
    #[schema(example = "in_progress")]
    pub status: String,
    /// Percent complete, 0–100.
    pub percent_complete: Option<f64>,
    /// What was achieved; required once completed.
    pub result: Option<String>,
    /// What stands in the way.
    pub obstacles: Option<String>,
}

/// Disbursement on a project the unit invests in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProjectProgressBody {
    /// The project's id.
    pub project_id: i64,
    /// Disbursed in the period, VND.
    pub disbursed_in_period: Option<i64>,
    /// Disbursed since the project began, VND.
    pub cumulative_disbursed: Option<i64>,
    /// Stage.
    pub stage: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// Spending on a budget line the unit implements.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct BudgetExecutionBody {
    /// The budget line's id.
    pub budget_line_id: i64,
    /// Spent in the period, VND.
    pub spent_in_period: Option<i64>,
    /// A note.
    pub note: Option<String>,
}

/// The four sections every Vietnamese report has.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NarrativeBody {
    /// Kết quả đạt được.
    pub achievements: Option<String>,
    /// Tồn tại, hạn chế.
    pub limitations: Option<String>,
    /// Khó khăn, vướng mắc.
    pub difficulties: Option<String>,
    /// Đề xuất, kiến nghị.
    pub proposals: Option<String>,
}

/// A report's content, as `PUT` sends it (whole-report replace). Unknown fields are refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReportContentBody {
    /// Indicator values.
    pub indicator_values: Vec<IndicatorValueBody>,
    /// Task progress.
    pub task_progress: Vec<TaskProgressBody>,
    /// Project disbursement.
    pub project_progress: Vec<ProjectProgressBody>,
    /// Budget execution.
    pub budget_execution: Vec<BudgetExecutionBody>,
    /// Narrative.
    pub narrative: NarrativeBody,
}

/// A report (or, with status `not_started` and version 0, the template of one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportResponse {
    /// The unit's code.
    pub unit: String,
    /// The period (`2025-07`, `2025-Q3`, `2025-H1`, `2025`).
    pub period: String,
    /// `not_started`, `draft`, `submitted`, `returned` or `accepted`.
    pub status: String,
    /// Version (also the `ETag`); 0 for a template.
    pub version: i64,
    /// Submission deadline.
    pub deadline: NaiveDate,
    /// Whether it was first submitted after the deadline.
    pub late: bool,
    /// When it was first submitted.
    pub first_submitted_at: Option<DateTime<Utc>>,
    /// How many times it was returned or reopened.
    pub returned_count: i32,
    /// Who last submitted it.
    pub submitted_by: Option<String>,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who accepted it.
    pub accepted_by: Option<String>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Reason of the last return or reopening.
    pub last_reason: Option<String>,
    /// Last change; null for a template.
    pub updated_at: Option<DateTime<Utc>>,
    /// The actions legal now.
    pub allowed_actions: Vec<String>,
    /// The content.
    #[serde(flatten)]
    pub content: ReportContentBody,
}

/// A finding that does not stop the action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarningEntry {
    /// JSON pointer into the report body.
    pub pointer: String,
    /// Stable snake_case rule code.
    pub code: String,
    /// Localised message.
    pub message: String,
}

/// A saved draft, with the warnings to show.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SavedReportResponse {
    /// The report now.
    pub report: ReportResponse,
    /// Findings to check before submitting.
    pub warnings: Vec<WarningEntry>,
}

/// What a workflow action may carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    /// Why (required to return or reopen).
    pub reason: Option<String>,
    /// Submit despite warnings.
    pub acknowledge_warnings: bool,
}

/// One field changed between two versions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeEntry {
    /// JSON pointer into the report content.
    pub pointer: String,
    /// Before (null when added).
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    /// After (null when removed).
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
}

/// One version of a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntryBody {
    /// Sequence number.
    pub id: i64,
    /// `submit`, `return`, `accept` or `reopen`.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Who (`user:…` or `client:…`).
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Fields changed since the previous version.
    pub changes: Vec<ChangeEntry>,
}

/// A report's versions, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryResponse {
    /// The versions.
    pub items: Vec<HistoryEntryBody>,
}

/// One listed report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportSummaryBody {
    /// The unit.
    pub unit: String,
    /// The period.
    pub period: String,
    /// Status.
    pub status: String,
    /// Version.
    pub version: i64,
    /// Deadline.
    pub deadline: NaiveDate,
    /// Late.
    pub late: bool,
    /// First submitted.
    pub first_submitted_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One page of reports.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportPage {
    /// Oldest first.
    pub items: Vec<ReportSummaryBody>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// Days from `first` to `last`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WindowBody {
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
}

/// A reporting period under the default schedule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PeriodResponse {
    /// The period.
    pub period: String,
    /// `month`, `quarter`, `half_year` or `year`.
    pub kind: String,
    /// The days whose data the report covers.
    pub window: WindowBody,
    /// The caller's unit, if bound to one.
    pub unit: Option<String>,
    /// Submission deadline for that unit.
    pub deadline: NaiveDate,
    /// Whether reports for it can be submitted on time today (Vietnam's date).
    pub open: bool,
    /// `upcoming` (window not begun), `open` or `overdue` (past the deadline: still taken,
    /// marked late), today in Vietnam.
    pub phase: String,
    /// Code of the plan whose reporting rules govern the period; null: the defaults.
    pub plan: Option<String>,
}

fn parse_unit(raw: &str) -> Result<UnitCode, ApiError> {
    UnitCode::parse(raw)
        .map_err(|_| ApiError::invalid_path(FieldError::new("path:unit", "invalid_unit_code")))
}

fn parse_period(raw: &str) -> Result<Period, ApiError> {
    Period::parse_field(raw)
        .map_err(|e| ApiError::invalid_path(FieldError::new("path:period", e.code)))
}

fn report_response(view: ReportView) -> Result<ReportResponse, ApiError> {
    let content: ReportContentBody = to_wire(&view.content)?;
    Ok(ReportResponse {
        unit: view.unit,
        period: view.period,
        status: view.status.as_str().to_owned(),
        version: view.version,
        deadline: view.deadline,
        late: view.late,
        first_submitted_at: view.first_submitted_at.map(utc),
        returned_count: view.returned_count,
        submitted_by: view.submitted_by,
        submitted_at: view.submitted_at.map(utc),
        accepted_by: view.accepted_by,
        accepted_at: view.accepted_at.map(utc),
        last_reason: view.last_reason,
        updated_at: view.updated_at.map(utc),
        allowed_actions: view
            .status
            .allowed_actions()
            .into_iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
        content,
    })
}

fn with_etag(version: i64) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::Ok();
    b.insert_header(ETag(etag(version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    b
}

fn warning_entry(f: Finding, lang: Lang) -> WarningEntry {
    let message = i18n::field_message(&f.code, &f.params, lang);
    WarningEntry {
        pointer: f.pointer,
        code: f.code,
        message,
    }
}

/// 404 for another unit, then 403 without the permission.
fn authorize(caller: &Caller, unit: &UnitCode, permission: Permission) -> Result<(), ApiError> {
    caller.require_unit(unit)?;
    caller.require(permission)
}

fn action_body(bytes: &[u8]) -> Result<ActionBody, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ActionBody::default());
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(actix_web::http::StatusCode::BAD_REQUEST, "malformed_json").with_errors(vec![
            FieldError::new("", "invalid_json").with("reason", e.to_string()),
        ])
    })?;
    Ok(input_from_json(value)?)
}

/// Get a unit's report for a period, or its template.
///
/// When the unit has not started the report, the answer is a template (status `not_started`,
/// version 0): the indicators it reports, the tasks it leads, the projects it invests in and
/// the budget lines it implements in the plans covering the period, pre-filled with the
/// previous period's values where they exist.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
    ),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The report or its template", body = ReportResponse,
            headers(("ETag" = String, description = "Version of the report (`\"v0\"` for a template)"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "The unit code or period is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or not the caller's unit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{unit}/reports/{period}")]
pub async fn get_report(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (unit, period) = path.into_inner();
    let (unit, period) = (parse_unit(&unit)?, parse_period(&period)?);
    authorize(&caller, &unit, Permission::ReadReports)?;
    let store = state.store.clone();
    let view = web::block(move || reports::get(&store, &unit, period)).await??;
    let version = view.version;
    if not_modified(&req, version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag(version)))
            .finish());
    }
    Ok(with_etag(version).json(report_response(view)?))
}

/// Save a unit's report as a draft (whole-report replace).
///
/// Send the `ETag` of your last read in `If-Match` (`"v0"` for a template): 412 when someone
/// saved since. Items the unit does not report on, repeated items and numbers that are not
/// finite are refused (422, one entry per finding with a JSON pointer); other findings are
/// returned as `warnings` and block only submitting.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = ReportContentBody,
    security(("bearer" = []), ("oauth2" = ["reports:write"])),
    responses(
        (status = 200, description = "Saved", body = SavedReportResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or period", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a reporter or approver of the unit, nor a client with `reports:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or not the caller's unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report cannot be edited in its status (submitted or accepted)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An item is not the unit's, repeated, or not a finite number", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/units/{unit}/reports/{period}")]
pub async fn save_report(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (unit, period) = path.into_inner();
    let (unit, period) = (parse_unit(&unit)?, parse_period(&period)?);
    authorize(&caller, &unit, Permission::SaveReports)?;
    let expected = if_match_version(&req)?;
    let content: ReportContent = input_from_json(body.into_inner())?;
    let actor = caller.actor();
    let store = state.store.clone();
    let saved =
        web::block(move || reports::save(&store, &actor, &unit, period, expected, &content))
            .await??;
    let lang = Lang::from_request(&req);
    let version = saved.report.version;
    let body = SavedReportResponse {
        report: report_response(saved.report)?,
        warnings: saved
            .warnings
            .into_iter()
            .map(|f| warning_entry(f, lang))
            .collect(),
    };
    Ok(with_etag(version).json(body))
}

async fn act(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: (String, String),
    bytes: web::Bytes,
    kind: ActionKind,
    permission: Permission,
) -> Result<HttpResponse, ApiError> {
    let (unit, period) = (parse_unit(&path.0)?, parse_period(&path.1)?);
    authorize(&caller, &unit, permission)?;
    let expected = if_match_version(&req)?;
    let body = action_body(&bytes)?;
    let action = ReportAction::from_parts(kind, body.reason.as_deref())
        .map_err(|e| ApiError::validation(vec![e]))?;
    let actor = caller.actor();
    let store = state.store.clone();
    let view = web::block(move || {
        reports::act(
            &store,
            &actor,
            &unit,
            period,
            expected,
            &action,
            body.acknowledge_warnings,
        )
    })
    .await??;
    let version = view.version;
    Ok(with_etag(version).json(report_response(view)?))
}

/// Submit a report: validate it and freeze it for the coordinator (the unit's approver, or a
/// client bound to the unit with `reports:write`).
///
/// Errors block (422 `validation_failed`, one entry per finding with a JSON pointer); when only
/// warnings stand, they block unless `acknowledge_warnings` is true (422
/// `warnings_not_acknowledged`). A report first submitted after its deadline is marked late.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content = ActionBody, description = "`acknowledge_warnings` to submit despite warnings"),
    security(("bearer" = []), ("oauth2" = ["reports:write"])),
    responses(
        (status = 200, description = "Submitted", body = ReportResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or period", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's approver, nor a client bound to it with `reports:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or not the caller's unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the report's status (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The report breaks rules (`validation_failed`), or only warnings stand and were not acknowledged (`warnings_not_acknowledged`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units/{unit}/reports/{period}/submit")]
pub async fn submit(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    act(
        caller,
        req,
        state,
        path.into_inner(),
        bytes,
        ActionKind::Submit,
        Permission::SubmitReports,
    )
    .await
}

/// Return a submitted report to the unit, with a reason.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content = ActionBody, description = "`reason` is required"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Returned", body = ReportResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or period", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the report's status (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units/{unit}/reports/{period}/return")]
pub async fn return_report(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    act(
        caller,
        req,
        state,
        path.into_inner(),
        bytes,
        ActionKind::Return,
        Permission::ReviewReports,
    )
    .await
}

/// Accept a submitted report and lock it.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content = ActionBody, description = "Nothing is needed; an empty body or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Accepted", body = ReportResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or period", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the report's status (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not an action object", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units/{unit}/reports/{period}/accept")]
pub async fn accept(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    act(
        caller,
        req,
        state,
        path.into_inner(),
        bytes,
        ActionKind::Accept,
        Permission::ReviewReports,
    )
    .await
}

/// Reopen an accepted report, with a reason; it goes back to the unit as `returned`.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content = ActionBody, description = "`reason` is required"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reopened", body = ReportResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON, unit code or period", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the report's status (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units/{unit}/reports/{period}/reopen")]
pub async fn reopen(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    act(
        caller,
        req,
        state,
        path.into_inner(),
        bytes,
        ActionKind::Reopen,
        Permission::ReviewReports,
    )
    .await
}

/// A report's versions: who, when, the status change, the reason, and the fields changed
/// since the previous version.
#[utoipa::path(
    tag = "reports",
    params(
        ("unit" = String, Path, description = "Unit code", pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM"),
        ("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09"),
    ),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The versions, oldest first", body = HistoryResponse),
        (status = 400, description = "The unit code or period is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or not the caller's unit", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{unit}/reports/{period}/history")]
pub async fn history(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (unit, period) = path.into_inner();
    let (unit, period) = (parse_unit(&unit)?, parse_period(&period)?);
    authorize(&caller, &unit, Permission::ReadReports)?;
    let store = state.store.clone();
    let entries = web::block(move || reports::history(&store, &unit, period)).await??;
    let items = entries
        .into_iter()
        .map(|e| HistoryEntryBody {
            id: e.id,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor,
            reason: e.reason,
            occurred_at: utc(e.occurred_at),
            changes: e
                .changes
                .into_iter()
                .map(|c| ChangeEntry {
                    pointer: c.pointer,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(HistoryResponse { items }))
}

/// Filters and paging of the report listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportListParams {
    /// Only this period (`YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY`).
    #[param(value_type = Option<String>, pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-07")]
    pub period: Option<String>,
    /// Only this status (`draft`, `submitted`, `returned`, `accepted`).
    #[param(value_type = Option<String>, pattern = "^(not_started|draft|submitted|returned|accepted)$", example = "submitted")]
    pub status: Option<String>,
    /// Only units of this kind (`department`, `commune`, …).
    #[param(value_type = Option<String>, pattern = "^(province|department|commune|district)$", example = "commune")]
    pub unit_kind: Option<String>,
    /// Only late (`true`) or on-time (`false`) reports.
    #[param(value_type = Option<bool>)]
    pub late: Option<String>,
    /// Only this unit.
    #[param(value_type = Option<String>, pattern = "^[A-Za-z][A-Za-z0-9_-]{1,39}$", example = "XA-TRAM-CHIM")]
    pub unit: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_list_params(p: &ReportListParams) -> Result<ReportQuery, ApiError> {
    let mut errors = Vec::new();
    let period = p.period.as_deref().and_then(|raw| {
        Period::parse_field(raw)
            .map_err(|e| errors.push(FieldError::new("query:period", e.code)))
            .ok()
    });
    let status = p.status.as_deref().and_then(|raw| {
        raw.parse::<ReportStatus>()
            .map_err(|_| {
                errors.push(FieldError::new("query:status", "invalid_enum").with(
                    "allowed",
                    "not_started, draft, submitted, returned, accepted",
                ));
            })
            .ok()
    });
    let unit_kind = p.unit_kind.as_deref().and_then(|raw| {
        raw.parse::<dtihub_domain::unit::UnitKind>()
            .map(|k| k.as_str().to_owned())
            .map_err(|_| errors.push(FieldError::new("query:unit_kind", "invalid_enum")))
            .ok()
    });
    let late = p.late.as_deref().and_then(|raw| match raw {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            errors.push(FieldError::new("query:late", "invalid_boolean"));
            None
        }
    });
    let unit = p.unit.as_deref().and_then(|raw| {
        UnitCode::parse(raw)
            .map_err(|_| errors.push(FieldError::new("query:unit", "invalid_unit_code")))
            .ok()
    });
    let limit = parse_limit(p.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let after_id = p.cursor.as_deref().and_then(|raw| {
        decode_cursor(LISTING, raw)
            .and_then(|k| {
                k.parse::<i64>()
                    .map_err(|_| FieldError::new("query:cursor", "invalid_cursor"))
            })
            .map_err(|e| errors.push(e))
            .ok()
    });
    if errors.is_empty() {
        Ok(ReportQuery {
            period,
            status,
            unit_kind,
            late,
            unit,
            after_id,
            limit: i64::from(limit),
        })
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

/// The units a caller's listing is limited to: `None` for all, `Some(None)` for none.
fn listing_scope(p: &Principal) -> Option<Option<UnitCode>> {
    let province_wide = p.is_user() && p.roles.iter().any(|r| !r.is_unit_scoped());
    if province_wide || (!p.is_user() && p.unit.is_none()) {
        None
    } else {
        Some(p.unit.clone())
    }
}

/// List reports.
///
/// Filter by period, status, kind of unit, lateness and unit; paginated by cursor. A unit's
/// users and clients see only their own unit's reports.
#[utoipa::path(
    tag = "reports",
    params(ReportListParams),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "One page of reports", body = ReportPage),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read reports", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports")]
pub async fn list(
    caller: Allowed<ReadReports>,
    state: web::Data<AppState>,
    params: web::Query<ReportListParams>,
) -> Result<HttpResponse, ApiError> {
    let mut query = parse_list_params(&params)?;
    let empty = || {
        HttpResponse::Ok().json(ReportPage {
            items: Vec::new(),
            next_cursor: None,
        })
    };
    match listing_scope(&caller.principal) {
        None => {}
        Some(None) => return Ok(empty()),
        Some(Some(own)) => {
            if query.unit.as_ref().is_some_and(|u| *u != own) {
                return Ok(empty());
            }
            query.unit = Some(own);
        }
    }
    let store = state.store.clone();
    let (rows, more) = web::block(move || reports::list(&store, &query)).await??;
    let next_cursor = if more {
        rows.last()
            .map(|r| encode_cursor(LISTING, &r.id.to_string()))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| ReportSummaryBody {
            unit: r.unit,
            period: r.period,
            status: r.status.as_str().to_owned(),
            version: r.version,
            deadline: r.deadline,
            late: r.late,
            first_submitted_at: r.first_submitted_at.map(utc),
            updated_at: utc(r.updated_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ReportPage { items, next_cursor }))
}

/// A reporting period: its data window, the deadline for the caller's unit and whether it is
/// open today, under the reporting rules of the plan governing its year (see
/// `/plans/{id}/reporting-rules`) and Vietnam's working-day calendar.
#[utoipa::path(
    tag = "reports",
    params(("period" = String, Path, description = "Period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY` (years 2000–2100)", pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The period", body = PeriodResponse),
        (status = 400, description = "The period is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/periods/{period}")]
pub async fn get_period(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&path.into_inner())?;
    let store = state.store.clone();
    let governing = web::block(move || {
        store.read(|conn| dtihub_service::reporting_rules::governing(conn, period))
    })
    .await??;
    let calendar = dtihub_service::reporting_rules::calendar()?;
    let schedule = governing.rules.schedule;
    let window = schedule.window(period);
    let today = vietnam_date(Utc::now());
    let phase = schedule.phase(period, today, &calendar);
    Ok(HttpResponse::Ok().json(PeriodResponse {
        period: period.to_string(),
        kind: period.kind().as_str().to_owned(),
        window: WindowBody {
            first: window.first,
            last: window.last,
        },
        unit: caller.principal.unit.as_ref().map(ToString::to_string),
        deadline: schedule.deadline(period, &calendar),
        open: schedule.is_open(period, today, &calendar),
        phase: serde_json::to_value(phase)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        plan: governing.plan.map(|(_, code)| code),
    }))
}
