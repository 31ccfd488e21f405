//! `/api/v1/imports`: bulk uploads of report items (CSV, JSON or XLSX), their templates and
//! their records.
//!
//! The upload is streamed to an anonymous temporary file (hashed on the way, for the
//! idempotency key) and read from there row by row; it is never held whole in memory.

use std::io::Write;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use dtihub_domain::access::Permission;
use dtihub_domain::period::Period;
use dtihub_domain::FieldError;
use dtihub_service::imports::jobs::{self, Enqueued, Waker};
use dtihub_service::imports::template::{self, TemplateFormat};
use dtihub_service::imports::{
    self, Answer, Format, IdScheme, ImportError, ImportRequest, InFlight, JobState, Kind, Mode,
    Outcome, Status,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::edge::RequestId;
use crate::error::{ApiError, Problem, PROBLEM_JSON};
use crate::i18n::{self, Lang};
use crate::state::AppState;

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Import limits and the in-process register of running idempotency keys.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// Most data rows per import.
    pub max_rows: u64,
    /// Most bytes per upload.
    pub max_bytes: u64,
    /// Hours idempotency keys are kept.
    pub key_retention_hours: u64,
    /// Keys of imports running in this process.
    pub in_flight: InFlight,
    /// Uploads larger than this many bytes run as jobs even without `Prefer: respond-async`
    /// (0: only when asked).
    pub async_above_bytes: u64,
    /// Wakes this instance's job worker when a job is enqueued.
    pub jobs: Waker,
}

/// One offending row and field.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportRowError {
    /// Row number: the header is row 1 (for JSON, the array index plus 2).
    pub row: u64,
    /// Column name.
    pub column: String,
    /// Stable snake_case rule code.
    pub code: String,
    /// Localised message.
    pub message: String,
    /// The cell as sent.
    pub value: Option<String>,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportResponse {
    /// The import's id, for `GET /api/v1/imports/{id}`; null for a dry run.
    pub id: Option<String>,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Where the import stands: `succeeded` once it ran (every synchronous answer), or, for an
    /// import run as a job, `queued`, `running` or `failed` (it could not run; nothing
    /// written).
    #[schema(example = "succeeded")]
    pub state: String,
    /// `completed` (every row applied or identical), `partial` (partial mode: the valid rows
    /// written, the others rejected) or `rejected` (atomic mode: nothing written); for a job
    /// not yet run, its `state`.
    #[schema(example = "completed")]
    pub status: String,
    /// Rows that added an item to a report.
    pub imported: u64,
    /// Rows that changed an item.
    pub updated: u64,
    /// Rows identical to what was stored.
    pub ignored: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// One entry per offending row and field (for a failed job, per offending field of the
    /// file, with row 0).
    pub errors: Vec<ImportRowError>,
    /// Why a job failed (`malformed_file`, `too_many_rows`, `idempotency_key_reused`,
    /// `attempts_exhausted`, `internal_error`); null otherwise.
    pub failure: Option<String>,
}

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `true`: check everything and answer the summary a real run would, writing nothing.
    #[param(value_type = Option<bool>)]
    pub dry_run: Option<String>,
    /// `atomic` (default): any rejected row and nothing is written; `partial`: the valid rows
    /// are written.
    #[param(value_type = Option<String>, pattern = "^(atomic|partial)$", example = "atomic")]
    pub mode: Option<String>,
    /// How the `item` column names catalog items: `code` (default) or `id`.
    #[param(value_type = Option<String>, pattern = "^(code|id)$", example = "code")]
    pub id_scheme: Option<String>,
}

/// Options of a template.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateParams {
    /// The period whose expected rows pre-fill the template.
    #[param(value_type = String, pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", example = "2025-09")]
    pub period: Option<String>,
    /// How the `item` column names catalog items: `code` (default) or `id`.
    #[param(value_type = Option<String>, pattern = "^(code|id)$", example = "code")]
    pub id_scheme: Option<String>,
}

fn parse_id_scheme(raw: Option<&str>, errors: &mut Vec<FieldError>) -> IdScheme {
    match raw {
        None | Some("code") => IdScheme::Code,
        Some("id") => IdScheme::Id,
        Some(_) => {
            errors.push(
                FieldError::new("query:id_scheme", "invalid_enum").with("allowed", "code, id"),
            );
            IdScheme::Code
        }
    }
}

fn parse_params(p: &ImportParams) -> Result<(bool, Mode, IdScheme), ApiError> {
    let mut errors = Vec::new();
    let dry_run = match p.dry_run.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::new("query:dry_run", "invalid_boolean"));
            false
        }
    };
    let mode = match p.mode.as_deref() {
        None | Some("atomic") => Mode::Atomic,
        Some("partial") => Mode::Partial,
        Some(_) => {
            errors.push(
                FieldError::new("query:mode", "invalid_enum").with("allowed", "atomic, partial"),
            );
            Mode::Atomic
        }
    };
    let id_scheme = parse_id_scheme(p.id_scheme.as_deref(), &mut errors);
    if errors.is_empty() {
        Ok((dry_run, mode, id_scheme))
    } else {
        Err(ApiError::invalid_query(errors))
    }
}

fn format_of(req: &HttpRequest) -> Result<Format, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let essence = mime.as_ref().map(|m| m.essence_str().to_ascii_lowercase());
    match essence.as_deref() {
        Some("text/csv") => Ok(Format::Csv),
        Some("application/json") => Ok(Format::Json),
        Some(XLSX) => Ok(Format::Xlsx),
        _ => Err(
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .with_errors(vec![FieldError::new("header:Content-Type", "invalid_enum")
                    .with("allowed", format!("text/csv, application/json, {XLSX}"))]),
        ),
    }
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_header").with_errors(vec![FieldError::new(
            "header:Idempotency-Key",
            "invalid_idempotency_key",
        )])
    };
    let s = v.to_str().map_err(|_| bad())?.trim();
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(bad());
    }
    Ok(Some(s.to_owned()))
}

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::Malformed(errors) => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_file").with_errors(errors)
        }
        ImportError::TooManyRows { limit } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_rows")
                .with_errors(vec![FieldError::new("", "too_many_rows").with("max", limit)])
        }
        ImportError::KeyInUse => ApiError::new(StatusCode::CONFLICT, "idempotency_key_in_use"),
        ImportError::KeyReused => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
        }
        ImportError::Service(e) => ApiError::from(e),
    }
}

fn row_errors(o: &Outcome, lang: Lang) -> Vec<ImportRowError> {
    o.summary
        .errors
        .iter()
        .map(|e| ImportRowError {
            row: e.row,
            column: e.column.clone(),
            code: e.code.clone(),
            message: i18n::field_message(&e.code, &e.params, lang),
            value: e.value.clone(),
        })
        .collect()
}

fn response_of(o: &Outcome, lang: Lang) -> ImportResponse {
    ImportResponse {
        id: o.id.clone(),
        dry_run: o.dry_run,
        state: JobState::Succeeded.as_str().to_owned(),
        status: o.summary.status.clone(),
        imported: o.summary.imported,
        updated: o.summary.updated,
        ignored: o.summary.ignored,
        rejected: o.summary.rejected,
        errors: row_errors(o, lang),
        failure: None,
    }
}

/// The answer for a job that has not run (yet, or at all).
fn job_response(
    id: &str,
    state: JobState,
    failure: Option<&imports::Failure>,
    lang: Lang,
) -> ImportResponse {
    ImportResponse {
        id: Some(id.to_owned()),
        dry_run: false,
        state: state.as_str().to_owned(),
        status: state.as_str().to_owned(),
        imported: 0,
        updated: 0,
        ignored: 0,
        rejected: 0,
        errors: failure
            .map(|f| {
                f.errors
                    .iter()
                    .map(|e| ImportRowError {
                        row: 0,
                        column: e.pointer.clone(),
                        code: e.code.clone(),
                        message: i18n::field_message(&e.code, &e.params, lang),
                        value: None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        failure: failure.map(|f| f.code.clone()),
    }
}

/// Whether the request prefers an asynchronous answer (RFC 7240 `Prefer: respond-async`).
fn prefers_async(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::HeaderName::from_static("prefer"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| {
            p.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("respond-async"))
        })
}

fn replayed_header(response: &mut HttpResponse) {
    response.headers_mut().insert(
        header::HeaderName::from_static("idempotent-replayed"),
        header::HeaderValue::from_static("true"),
    );
}

/// A rejected atomic import: a problem document (422) extended with the summary's counts, and
/// one `errors` entry per offending row and field that also names `row`, `column` and `value`.
fn rejected_response(req: &HttpRequest, o: &Outcome, lang: Lang) -> HttpResponse {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected").to_problem(
        lang,
        Some(req.path()),
        request_id.as_deref(),
    );
    let mut doc = serde_json::to_value(&problem).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(map) = doc.as_object_mut() {
        map.insert("id".into(), serde_json::json!(o.id));
        map.insert("dry_run".into(), serde_json::json!(o.dry_run));
        map.insert("imported".into(), serde_json::json!(o.summary.imported));
        map.insert("updated".into(), serde_json::json!(o.summary.updated));
        map.insert("ignored".into(), serde_json::json!(o.summary.ignored));
        map.insert("rejected".into(), serde_json::json!(o.summary.rejected));
        let errors: Vec<serde_json::Value> = row_errors(o, lang)
            .into_iter()
            .map(|e| {
                serde_json::json!({
                    "in": "body",
                    "pointer": format!("/rows/{}/{}", e.row, e.column),
                    "code": e.code,
                    "message": e.message,
                    "row": e.row,
                    "column": e.column,
                    "value": e.value,
                })
            })
            .collect();
        map.insert("errors".into(), serde_json::Value::Array(errors));
    }
    HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_vec(&doc).unwrap_or_default())
}

/// Upload rows into the units' draft reports.
///
/// The body is CSV (`text/csv`, UTF-8, comma-separated, a header row), JSON
/// (`application/json`: an array of objects whose keys are the column names; values are
/// strings, numbers or null) or XLSX (the first sheet, a header row). Columns, by name, in any
/// order:
///
/// - `kind` (required): `indicator_values`, `task_progress`, `project_progress` or
///   `budget_execution`; one file may mix kinds, units and periods;
/// - `unit` (required): the unit's code; `period` (required): `YYYY-MM`, `YYYY-Qn`,
///   `YYYY-Hn` or `YYYY`; `item` (required): the indicator's, task's, project's or budget
///   line's code (its id with `id_scheme=id`);
/// - indicator values: `value`, `numerator`, `denominator`, `text`, `note`,
///   `evidence_number`, `evidence_date` (YYYY-MM-DD);
/// - task progress: `status` (`not_started`, `in_progress`, `completed`, `overdue`),
///   `percent_complete`, `result`, `obstacles`;
/// - project disbursement: `disbursed_in_period`, `cumulative_disbursed` (whole VND), `stage`,
///   `note`;
/// - budget execution: `spent_in_period` (whole VND), `note`.
///
/// Numbers use `.` as the decimal point; an empty cell is no value. A row replaces that one
/// item in the unit's report for the period (a draft is created when none exists; other items
/// stay). A row identical to what is stored counts as `ignored`. Rows pass the report rules: the
/// unit must be one the caller may write (`unit_not_allowed`), the period must have begun
/// (`period_not_open`), the report must not be submitted or accepted (`report_locked`), the
/// item must be one the unit reports in that period (`unknown_item`), and the item's values
/// must keep the rules a submission checks (errors reject the row; warnings do not). Each
/// changed report gets one version bump and one audit entry. Templates:
/// `GET /api/v1/imports/templates/{kind}.{format}`.
///
/// `mode=atomic` (default): any rejected row and nothing is written (422, a problem document
/// carrying the counts and one `errors` entry per row and field). `mode=partial`: the valid
/// rows are written (200, `status` `partial`). `dry_run=true` answers exactly what the real run
/// would and writes nothing (and neither reads nor stores an idempotency key).
///
/// `Idempotency-Key`: the same key (per caller, kept at least 24 hours) with the same body and
/// options answers the stored response without applying it again, with
/// `Idempotent-Replayed: true`; with a different body, 422 `idempotency_key_reused`; while the
/// first request still runs, 409 `idempotency_key_in_use`. The key is stored in the same
/// transaction as the data.
///
/// Large imports may run as jobs: with `Prefer: respond-async` (RFC 7240), or when the upload
/// is larger than the configured threshold, the answer is `202 Accepted` with `Location:
/// /api/v1/imports/{id}` and the import's id and `state` (`queued`); `GET` on the location
/// answers `queued`, `running`, `failed`, or, once it ran, `succeeded` with the summary a
/// synchronous request would have had (a rejected atomic import included). The same
/// `Idempotency-Key` and body answer the same job (202, `Idempotent-Replayed: true`) until it
/// ran, then its stored response. Dry runs always answer at once.
#[utoipa::path(
    tag = "imports",
    params(
        ImportParams,
        ("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters; retries with the same key and body are applied once"),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: run the import as a job and answer 202 at once (RFC 7240)"),
    ),
    request_body(
        description = "The rows: CSV, a JSON array of row objects, or XLSX",
        content(
            (String = "text/csv", example = "kind,unit,period,item,value\nindicator_values,XA-TRAM-CHIM,2025-09,CT-01,12\n"),
            (Vec<ImportRowBody> = "application/json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    security(("bearer" = []), ("oauth2" = ["imports:write"]), ("oauth2" = ["reports:write"])),
    responses(
        (status = 200, description = "Applied (`completed`), or partly applied (`partial`); a dry run's summary", body = ImportResponse,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same key"))),
        (status = 202, description = "Accepted as a job (`Prefer: respond-async`, or a large upload): poll the `Location`", body = ImportResponse,
            headers(
                ("Location" = String, description = "`/api/v1/imports/{id}`: the job's state, then its summary"),
                ("Preference-Applied" = String, description = "`respond-async` when the request asked for it"),
                ("Idempotent-Replayed" = String, description = "`true` when an earlier request with the same key enqueued this job"),
            )),
        (status = 400, description = "Malformed file (not UTF-8, NUL characters, ragged rows, unknown or missing columns, invalid JSON), a bad query parameter or a bad `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not import (neither save reports nor `imports:write`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this `Idempotency-Key` is still running", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More rows (`too_many_rows`) or bytes than the configured limits", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV, JSON or XLSX", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Atomic import with rejected rows (`import_rejected`: nothing written; the document also carries `imported`, `updated`, `ignored`, `rejected`, and `errors` entries with `row`, `column`, `value`), or an `Idempotency-Key` reused with another body (`idempotency_key_reused`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports")]
pub async fn create(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    settings: web::Data<ImportSettings>,
    params: web::Query<ImportParams>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ImportReports)?;
    let (dry_run, mode, id_scheme) = parse_params(&params)?;
    let format = format_of(&req)?;
    let key = idempotency_key(&req)?;
    let spool_error = |e: std::io::Error| ApiError::internal(format!("spooling the upload: {e}"));
    let mut file = tempfile::tempfile().map_err(spool_error)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request").with_errors(vec![
                FieldError::new("", "invalid_value").with("reason", e.to_string()),
            ])
        })?;
        size += chunk.len() as u64;
        if size > settings.max_bytes {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(spool_error)?;
    }
    let body_sha256: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let request = ImportRequest {
        format,
        mode,
        id_scheme,
        dry_run,
        idempotency_key: key,
        body_sha256,
        max_rows: settings.max_rows,
        key_retention: chrono::Duration::hours(
            i64::try_from(settings.key_retention_hours).unwrap_or(24),
        ),
    };
    let actor = caller.actor();
    let principal = caller.principal.clone();
    let store = state.store.clone();
    let lang = Lang::from_request(&req);
    let asked_async = prefers_async(&req);
    if !dry_run
        && (asked_async || (settings.async_above_bytes > 0 && size > settings.async_above_bytes))
    {
        let enqueued =
            web::block(move || jobs::enqueue(&store, &actor, &principal, &request, &file))
                .await?
                .map_err(import_error)?;
        settings.jobs.wake();
        let (id, state, replayed) = match enqueued {
            Enqueued::Accepted {
                id,
                state,
                replayed,
            } => (id, state, replayed),
            Enqueued::Replayed(outcome) => {
                let mut response = outcome_response(&req, &outcome, lang);
                replayed_header(&mut response);
                return Ok(response);
            }
        };
        let mut response = HttpResponse::Accepted();
        response
            .insert_header((header::LOCATION, format!("/api/v1/imports/{id}")))
            .insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        if asked_async {
            response.insert_header(("Preference-Applied", "respond-async"));
        }
        let mut response = response.json(job_response(&id, state, None, lang));
        if replayed {
            replayed_header(&mut response);
        }
        return Ok(response);
    }
    let in_flight = settings.in_flight.clone();
    let answer =
        web::block(move || imports::run(&store, &in_flight, &actor, &principal, &request, &file))
            .await?
            .map_err(import_error)?;
    let (outcome, replayed) = match answer {
        Answer::Fresh(o) => (o, false),
        Answer::Replayed(o) => (o, true),
    };
    let mut response = outcome_response(&req, &outcome, lang);
    if replayed {
        replayed_header(&mut response);
    }
    Ok(response)
}

/// A finished import's answer: 200 with the summary, or 422 when atomic mode rejected it.
fn outcome_response(req: &HttpRequest, outcome: &Outcome, lang: Lang) -> HttpResponse {
    if outcome.summary.status == "rejected" {
        rejected_response(req, outcome, lang)
    } else {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
            .json(response_of(outcome, lang))
    }
}

/// One row of a JSON upload (every field optional but `kind`, `unit`, `period`, `item`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ImportRowBody {
    /// `indicator_values`, `task_progress`, `project_progress` or `budget_execution`.
    pub kind: String,
    /// Unit code.
    pub unit: String,
    /// Period.
    pub period: String,
    /// Item code (or id with `id_scheme=id`).
    pub item: String,
    /// Indicator value.
    pub value: Option<f64>,
    /// Percentage numerator.
    pub numerator: Option<f64>,
    /// Percentage denominator.
    pub denominator: Option<f64>,
    /// Indicator text (milestones).
    pub text: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Evidence document number.
    pub evidence_number: Option<String>,
    /// Evidence document date.
    pub evidence_date: Option<String>,
    /// Task status.
    pub status: Option<String>,
    /// Task percent complete.
    pub percent_complete: Option<f64>,
    /// Task result.
    pub result: Option<String>,
    /// Task obstacles.
    pub obstacles: Option<String>,
    /// Project disbursement in the period, VND.
    pub disbursed_in_period: Option<i64>,
    /// Project cumulative disbursement, VND.
    pub cumulative_disbursed: Option<i64>,
    /// Project stage.
    pub stage: Option<String>,
    /// Budget line spending in the period, VND.
    pub spent_in_period: Option<i64>,
}

/// An import's record: its summary (the caller's own imports only).
#[utoipa::path(
    tag = "imports",
    params(("id" = String, Path, description = "The import's id", pattern = "^[0-9a-f-]{36}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The import's summary; for an import run as a job, its `state` (`queued`, `running`, `failed`) until it has run", body = ImportResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not import", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such import of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{id}")]
pub async fn get(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ImportReports)?;
    let id = path.into_inner();
    let store = state.store.clone();
    let principal = caller.principal.clone();
    let status = web::block(move || imports::find(&store, &principal, &id)).await??;
    let lang = Lang::from_request(&req);
    let body = match &status {
        Status::Finished(outcome) => response_of(outcome, lang),
        Status::Pending { id, state } => job_response(id, *state, None, lang),
        Status::Failed { id, failure } => job_response(id, JobState::Failed, Some(failure), lang),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// A template for one kind of row, pre-filled with the caller's expected rows for a period.
///
/// One row per unit the caller may write and item that unit reports in the period, with the
/// values stored so far (or, before the report is started, the previous period's where the
/// report template has them). `format` is `csv` or `xlsx`; the columns are those the upload
/// takes for the kind.
#[utoipa::path(
    tag = "imports",
    params(
        ("kind" = String, Path, description = "`indicator_values`, `task_progress`, `project_progress` or `budget_execution`", pattern = "^(indicator_values|task_progress|project_progress|budget_execution)$"),
        ("format" = String, Path, description = "`csv` or `xlsx`", pattern = "^(csv|xlsx)$"),
        TemplateParams,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The template", content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "A missing or malformed period, or a bad `id_scheme`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not import", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No template of that kind or format", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/templates/{kind}.{format}")]
pub async fn get_template(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<TemplateParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ImportReports)?;
    let (kind, format) = path.into_inner();
    // An unknown kind or format names no template: 404, as any path that names nothing.
    let kind = Kind::parse(&kind).ok_or_else(ApiError::not_found)?;
    let format = match format.as_str() {
        "csv" => TemplateFormat::Csv,
        "xlsx" => TemplateFormat::Xlsx,
        _ => return Err(ApiError::not_found()),
    };
    let mut errors = Vec::new();
    let period = match params.period.as_deref() {
        None => {
            errors.push(FieldError::new("query:period", "required"));
            None
        }
        Some(raw) => Period::parse_field(raw)
            .map_err(|e| errors.push(FieldError::new("query:period", e.code)))
            .ok(),
    };
    let id_scheme = parse_id_scheme(params.id_scheme.as_deref(), &mut errors);
    let Some(period) = period.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid_query(errors));
    };
    let store = state.store.clone();
    let principal = caller.principal.clone();
    let bytes = web::block(move || {
        let (header, rows) = template::rows(&store, &principal, kind, period, id_scheme)?;
        template::render(&header, &rows, format)
    })
    .await??;
    let (mime, ext) = match format {
        TemplateFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        TemplateFormat::Xlsx => (XLSX, "xlsx"),
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-{}.{ext}\"",
                kind.as_str(),
                period
            ),
        ))
        .body(bytes))
}
