//! Bulk imports of report items (indicator values, task progress, project disbursement,
//! budget execution) for many units and periods in one upload.
//!
//! Every row names its `kind`, `unit`, `period` and `item` and carries the item's fields; it
//! lands in the unit's report for the period (a draft is created when none exists), replacing
//! that one item and leaving the others as they were. Rows pass the same checks as a report
//! save (the unit must be the caller's to write, the report must be editable, the item must
//! be one the unit reports in that period) plus the per-item rules of the domain's report
//! validation: a row with any error is rejected, warnings do not reject.
//!
//! One import is one transaction: with `mode=atomic` any rejected row means nothing is
//! written; with `mode=partial` the valid rows are. A dry run does everything but write.
//! An idempotency key is stored with the response in the same transaction as the data.

pub mod jobs;
pub mod parse;
pub mod template;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate, Utc};
use dtihub_db::models::{
    ImportKeyRow, ImportRow, ReportRow, StageBudgetExecution, StageGroup, StageIndicatorValue,
    StageProjectProgress, StageTaskProgress,
};
use dtihub_db::repo;
use dtihub_db::repo::imports::{GroupCounts, StagedRows, StagedValueChange};
use dtihub_db::DbConn;
use dtihub_domain::access::Principal;
use dtihub_domain::period::Period;
use dtihub_domain::report::validation::{
    check_cumulative, check_indicator_value, check_money, check_task, Finding, IndicatorRule,
    IndicatorValueInput, Severity, TaskProgressInput, TaskStatus, ValueKind,
};
use dtihub_domain::report::{transition, ReportAction, ReportStatus};
use dtihub_domain::schedule::{vietnam_date, PeriodPhase, ReportingSchedule};
use dtihub_domain::text::nfc;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit;
use crate::error::ServiceError;
use crate::reports::{
    self, evaluated_in, json_of, now, BudgetExecution, IndicatorValue, ProjectProgress,
    TaskProgress,
};
use crate::store::{Actor, Store};

/// The columns of an upload, in template order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Col {
    /// `indicator_values`, `task_progress`, `project_progress` or `budget_execution`.
    Kind = 0,
    /// The unit's code.
    Unit,
    /// The period.
    Period,
    /// The catalog item's code (or id, with `id_scheme=id`).
    Item,
    /// Indicator value.
    Value,
    /// Percentage numerator.
    Numerator,
    /// Percentage denominator.
    Denominator,
    /// Indicator text.
    Text,
    /// Note.
    Note,
    /// Evidence document number.
    EvidenceNumber,
    /// Evidence document date.
    EvidenceDate,
    /// Task status.
    Status,
    /// Task percent complete.
    PercentComplete,
    /// Task result.
    Result,
    /// Task obstacles.
    Obstacles,
    /// Project disbursement in the period, VND.
    DisbursedInPeriod,
    /// Project cumulative disbursement, VND.
    CumulativeDisbursed,
    /// Project stage.
    Stage,
    /// Budget line spending in the period, VND.
    SpentInPeriod,
}

/// How many columns there are.
pub const NCOL: usize = 19;

/// Every column, in template order.
pub const COLUMNS: [Col; NCOL] = [
    Col::Kind,
    Col::Unit,
    Col::Period,
    Col::Item,
    Col::Value,
    Col::Numerator,
    Col::Denominator,
    Col::Text,
    Col::Note,
    Col::EvidenceNumber,
    Col::EvidenceDate,
    Col::Status,
    Col::PercentComplete,
    Col::Result,
    Col::Obstacles,
    Col::DisbursedInPeriod,
    Col::CumulativeDisbursed,
    Col::Stage,
    Col::SpentInPeriod,
];

/// Every column's name.
pub const COLUMN_NAMES: [&str; NCOL] = [
    "kind",
    "unit",
    "period",
    "item",
    "value",
    "numerator",
    "denominator",
    "text",
    "note",
    "evidence_number",
    "evidence_date",
    "status",
    "percent_complete",
    "result",
    "obstacles",
    "disbursed_in_period",
    "cumulative_disbursed",
    "stage",
    "spent_in_period",
];

impl Col {
    /// The header name.
    pub fn name(self) -> &'static str {
        COLUMN_NAMES[self as usize]
    }

    /// The column of a header name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        COLUMN_NAMES
            .iter()
            .position(|n| *n == lower)
            .map(|i| COLUMNS[i])
    }
}

/// What a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Indicator values.
    IndicatorValues,
    /// Task progress.
    TaskProgress,
    /// Project disbursement.
    ProjectProgress,
    /// Budget execution.
    BudgetExecution,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [
        Kind::IndicatorValues,
        Kind::TaskProgress,
        Kind::ProjectProgress,
        Kind::BudgetExecution,
    ];

    /// The wire name (also the report content's list name).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IndicatorValues => "indicator_values",
            Kind::TaskProgress => "task_progress",
            Kind::ProjectProgress => "project_progress",
            Kind::BudgetExecution => "budget_execution",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    /// The catalog's name of the item kind.
    fn catalog_kind(self) -> &'static str {
        match self {
            Kind::IndicatorValues => "indicator",
            Kind::TaskProgress => "task",
            Kind::ProjectProgress => "project",
            Kind::BudgetExecution => "budget_line",
        }
    }

    /// The columns a row of this kind uses, in template order.
    pub fn columns(self) -> &'static [Col] {
        match self {
            Kind::IndicatorValues => &[
                Col::Kind,
                Col::Unit,
                Col::Period,
                Col::Item,
                Col::Value,
                Col::Numerator,
                Col::Denominator,
                Col::Text,
                Col::Note,
                Col::EvidenceNumber,
                Col::EvidenceDate,
            ],
            Kind::TaskProgress => &[
                Col::Kind,
                Col::Unit,
                Col::Period,
                Col::Item,
                Col::Status,
                Col::PercentComplete,
                Col::Result,
                Col::Obstacles,
            ],
            Kind::ProjectProgress => &[
                Col::Kind,
                Col::Unit,
                Col::Period,
                Col::Item,
                Col::DisbursedInPeriod,
                Col::CumulativeDisbursed,
                Col::Stage,
                Col::Note,
            ],
            Kind::BudgetExecution => &[
                Col::Kind,
                Col::Unit,
                Col::Period,
                Col::Item,
                Col::SpentInPeriod,
                Col::Note,
            ],
        }
    }
}

/// The upload's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/csv`.
    Csv,
    /// `application/json`: an array of row objects.
    Json,
    /// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`: the first sheet.
    Xlsx,
}

impl Format {
    /// The name stored with the import.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }
}

/// What happens to the valid rows when some are rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Any rejected row: nothing is written.
    Atomic,
    /// The valid rows are written, the rejected reported.
    Partial,
}

impl Mode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Atomic => "atomic",
            Mode::Partial => "partial",
        }
    }
}

/// How items are named in the `item` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdScheme {
    /// By catalog code (`CT-01`).
    Code,
    /// By catalog id.
    Id,
}

impl IdScheme {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdScheme::Code => "code",
            IdScheme::Id => "id",
        }
    }
}

/// One row as read: its row number (the header is row 1) and its cells by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// Row number.
    pub row: u64,
    /// Trimmed, non-empty cells, indexed by [`Col`].
    pub cells: Vec<Option<String>>,
}

impl RawRow {
    fn get(&self, c: Col) -> Option<&str> {
        self.cells.get(c as usize).and_then(|c| c.as_deref())
    }
}

/// Why an import could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file itself is malformed (not the values in it).
    #[error("malformed file")]
    Malformed(Vec<FieldError>),
    /// More rows than the configured limit.
    #[error("more than {limit} rows")]
    TooManyRows {
        /// The limit.
        limit: u64,
    },
    /// Another request with the same idempotency key is still running.
    #[error("idempotency key in use")]
    KeyInUse,
    /// The idempotency key was used with a different request.
    #[error("idempotency key reused")]
    KeyReused,
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<dtihub_db::DieselError> for ImportError {
    fn from(e: dtihub_db::DieselError) -> Self {
        ImportError::Service(e.into())
    }
}

/// One offending row and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Row number (the header is row 1; for JSON, the array index plus 2).
    pub row: u64,
    /// Column name.
    pub column: String,
    /// Stable snake_case rule code.
    pub code: String,
    /// Message parameters.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The cell as sent.
    pub value: Option<String>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// `completed`, `partial` (some rows rejected, the valid written) or `rejected`
    /// (atomic mode with rejected rows: nothing written).
    pub status: String,
    /// Rows that added an item to a report.
    pub imported: u64,
    /// Rows that changed an item.
    pub updated: u64,
    /// Rows identical to what was stored.
    pub ignored: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// One entry per offending row and field.
    pub errors: Vec<RowError>,
}

/// An import's outcome with its record id (none for dry runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The import's id (`GET /api/v1/imports/{id}`); none for a dry run.
    pub id: Option<String>,
    /// Whether nothing was written because it was a dry run.
    pub dry_run: bool,
    /// The summary.
    pub summary: Summary,
}

/// How the caller asked for the import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The upload's format.
    pub format: Format,
    /// Atomic or partial.
    pub mode: Mode,
    /// Codes or ids.
    pub id_scheme: IdScheme,
    /// Run everything, write nothing.
    pub dry_run: bool,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the body, hex.
    pub body_sha256: String,
    /// Most rows accepted.
    pub max_rows: u64,
    /// How long keys are kept.
    pub key_retention: Duration,
}

impl ImportRequest {
    /// What must match for a key's response to be replayed: the body and every option that
    /// changes the outcome.
    fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.format.as_str());
        h.update([0]);
        h.update(self.mode.as_str());
        h.update([0]);
        h.update(self.id_scheme.as_str());
        h.update([0]);
        h.update(&self.body_sha256);
        hex(&h.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the API answers: a fresh outcome, or the stored response of an idempotency key.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The import ran now.
    Fresh(Outcome),
    /// The key's stored outcome, replayed.
    Replayed(Outcome),
}

/// Keys of requests running in this process, so that a concurrent duplicate is refused at
/// once (PostgreSQL's advisory lock does the same across instances).
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<(String, String)>>>);

struct InFlightGuard {
    set: InFlight,
    key: (String, String),
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if let Ok(mut s) = self.set.0.lock() {
            s.remove(&self.key);
        }
    }
}

impl InFlight {
    fn claim(&self, actor: &str, key: &str) -> Option<InFlightGuard> {
        let k = (actor.to_owned(), key.to_owned());
        let mut s = self.0.lock().ok()?;
        if !s.insert(k.clone()) {
            return None;
        }
        Some(InFlightGuard {
            set: self.clone(),
            key: k,
        })
    }
}

/// The advisory lock id of a caller's key.
fn lock_id(actor: &str, key: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(b"dtihub-import-key\0");
    h.update(actor);
    h.update([0]);
    h.update(key);
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// Runs an import of the file spooled at `file`.
pub fn run(
    store: &Store,
    in_flight: &InFlight,
    actor: &Actor,
    principal: &Principal,
    request: &ImportRequest,
    file: &File,
) -> Result<Answer, ImportError> {
    run_as(store, in_flight, actor, principal, request, file, None)
}

/// The job an import runs for: its id (the import's) and the worker holding its lease. The
/// job is marked succeeded in the import's transaction, and only while the worker still holds
/// the lease, so a job taken over by another worker is applied once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobFence<'a> {
    pub(crate) id: &'a str,
    pub(crate) owner: &'a str,
}

pub(crate) fn run_as(
    store: &Store,
    in_flight: &InFlight,
    actor: &Actor,
    principal: &Principal,
    request: &ImportRequest,
    file: &File,
    job: Option<JobFence<'_>>,
) -> Result<Answer, ImportError> {
    let key = request
        .idempotency_key
        .as_deref()
        .filter(|_| !request.dry_run);
    let _guard = match key {
        Some(k) => Some(in_flight.claim(&actor.id, k).ok_or(ImportError::KeyInUse)?),
        None => None,
    };
    let fingerprint = request.fingerprint();
    if let Some(k) = key {
        let stored = store.read(|conn| Ok(repo::imports::find_key(conn, &actor.id, k)?))?;
        if let Some(stored) = stored {
            return replay(&stored, &fingerprint);
        }
        if job.is_none() {
            // A job enqueued with this key and not finished holds it.
            let pending =
                store.read(|conn| Ok(repo::import_jobs::find_by_key(conn, &actor.id, k)?))?;
            if pending.is_some_and(|j| j.status == "queued" || j.status == "running") {
                return Err(ImportError::KeyInUse);
            }
        }
    }
    let reopen = || -> Result<File, ImportError> {
        let mut f = file
            .try_clone()
            .map_err(|e| ServiceError::Internal(format!("spooled upload: {e}")))?;
        std::io::Seek::rewind(&mut f)
            .map_err(|e| ServiceError::Internal(format!("spooled upload: {e}")))?;
        Ok(f)
    };
    if request.dry_run {
        let mut pooled = store.conn()?;
        let conn: &mut DbConn = &mut pooled;
        let summary = dry_run(conn, principal, request, reopen()?)?;
        return Ok(Answer::Fresh(Outcome {
            id: None,
            dry_run: true,
            summary,
        }));
    }
    let mut pooled = store.conn()?;
    let conn: &mut DbConn = &mut pooled;
    dtihub_db::backend::write_transaction(conn, |conn| -> Result<Answer, ImportError> {
        // The change-feed events (one per changed indicator value: a million for a million
        // new values) are numbered once and written in multi-row inserts just before commit,
        // not one counter update and insert each.
        let changes = crate::changes::Collector::start();
        let answer = apply(
            conn,
            actor,
            principal,
            request,
            &reopen,
            key,
            &fingerprint,
            job,
            &changes,
        )?;
        changes.flush(conn)?;
        Ok(answer)
    })
}

/// The import's transaction: claims the key, checks and classifies the rows, writes them,
/// and records the import (and the job's success).
#[allow(clippy::too_many_arguments)]
fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    principal: &Principal,
    request: &ImportRequest,
    reopen: &dyn Fn() -> Result<File, ImportError>,
    key: Option<&str>,
    fingerprint: &str,
    job: Option<JobFence<'_>>,
    changes: &crate::changes::Collector,
) -> Result<Answer, ImportError> {
    {
        if let Some(k) = key {
            if !repo::imports::try_lock(conn, lock_id(&actor.id, k))? {
                return Err(ImportError::KeyInUse);
            }
            if let Some(stored) = repo::imports::find_key(conn, &actor.id, k)? {
                return replay(&stored, fingerprint);
            }
        }
        let (summary, plan, rows_total) = evaluate(conn, principal, request, reopen()?, true)?;
        let id = job.map_or_else(|| uuid::Uuid::now_v7().to_string(), |j| j.id.to_owned());
        if summary.status != "rejected" {
            plan.write(conn, actor, &id, changes)?;
        }
        let outcome = Outcome {
            id: Some(id.clone()),
            dry_run: false,
            summary,
        };
        let at = now();
        let summary_json =
            serde_json::to_string(&outcome).map_err(|e| ServiceError::Internal(e.to_string()))?;
        repo::imports::insert_import(
            conn,
            &ImportRow {
                id: id.clone(),
                actor: actor.id.clone(),
                status: outcome.summary.status.clone(),
                mode: request.mode.as_str().to_owned(),
                format: request.format.as_str().to_owned(),
                rows_total: i64::try_from(rows_total).unwrap_or(i64::MAX),
                summary_json: summary_json.clone(),
                created_at: at,
                finished_at: Some(at),
            },
        )?;
        if let Some(k) = key {
            repo::imports::purge_keys(conn, at - request.key_retention)?;
            repo::imports::insert_key(
                conn,
                &ImportKeyRow {
                    actor: actor.id.clone(),
                    idem_key: k.to_owned(),
                    request_hash: fingerprint.to_owned(),
                    status_code: if outcome.summary.status == "rejected" {
                        422
                    } else {
                        200
                    },
                    response_json: summary_json,
                    import_id: Some(id),
                    created_at: at,
                },
            )?;
        }
        if let Some(j) = job {
            if !repo::import_jobs::finish(conn, j.id, j.owner, "succeeded", None, at)? {
                return Err(ServiceError::Conflict {
                    code: "import_job_taken_over",
                }
                .into());
            }
        }
        Ok(Answer::Fresh(outcome))
    }
}

/// How a dry run ends: always in a rollback, carrying its summary out.
enum DryRun {
    Done(Summary),
    Failed(ImportError),
}

impl From<dtihub_db::DieselError> for DryRun {
    fn from(e: dtihub_db::DieselError) -> Self {
        DryRun::Failed(e.into())
    }
}

/// Runs everything a real run does up to the write (staging and classifying included) in a
/// transaction that is always rolled back, so the summary is the real run's.
fn dry_run(
    conn: &mut DbConn,
    principal: &Principal,
    request: &ImportRequest,
    file: File,
) -> Result<Summary, ImportError> {
    use dtihub_db::Connection;
    let outcome = conn.transaction::<(), DryRun, _>(|conn| {
        let (summary, _, _) =
            evaluate(conn, principal, request, file, false).map_err(DryRun::Failed)?;
        Err(DryRun::Done(summary))
    });
    match outcome {
        Err(DryRun::Done(summary)) => Ok(summary),
        Err(DryRun::Failed(e)) => Err(e),
        Ok(()) => Err(ServiceError::Internal("a dry run committed".into()).into()),
    }
}

fn replay(stored: &ImportKeyRow, fingerprint: &str) -> Result<Answer, ImportError> {
    if stored.request_hash != fingerprint {
        return Err(ImportError::KeyReused);
    }
    let outcome: Outcome = serde_json::from_str(&stored.response_json)
        .map_err(|e| ServiceError::Internal(format!("stored import response: {e}")))?;
    Ok(Answer::Replayed(outcome))
}

/// An import by id, if the caller ran it (admins see every import): its outcome once it ran,
/// or, for an import run as a job, the job's state.
pub fn find(store: &Store, principal: &Principal, id: &str) -> Result<Status, ServiceError> {
    // The job first: it succeeds in the transaction that writes the import record, so a job
    // read as succeeded has its record.
    let (row, job) = store.read(|conn| {
        let job = repo::import_jobs::find(conn, id)?;
        Ok((repo::imports::find_import(conn, id)?, job))
    })?;
    let admin = principal.has_role(dtihub_domain::access::Role::Admin)
        || principal.has_scope(dtihub_domain::access::Scope::Admin);
    let visible = |actor: &str| admin || actor == principal.actor_id();
    match (row, job) {
        (Some(r), _) if visible(&r.actor) => serde_json::from_str(&r.summary_json)
            .map(Status::Finished)
            .map_err(|e| ServiceError::Internal(format!("stored import summary: {e}"))),
        (None, Some(j)) if visible(&j.actor) => Ok(jobs::status_of(&j)),
        _ => Err(ServiceError::NotFound { entity: "import" }),
    }
}

/// Where an import stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It ran (synchronously, or as a job that succeeded): its outcome.
    Finished(Outcome),
    /// A job queued or running.
    Pending {
        /// The import's id.
        id: String,
        /// `queued` or `running`.
        state: JobState,
    },
    /// A job that failed without running the import (nothing was written).
    Failed {
        /// The import's id.
        id: String,
        /// Why.
        failure: Failure,
    },
}

/// The state of an import run as a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker runs it.
    Running,
    /// It ran (its summary may still reject every row).
    Succeeded,
    /// It could not run.
    Failed,
}

impl JobState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }
}

/// Why a job failed: what the synchronous request would have answered instead of a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Stable snake_case code (`malformed_file`, `too_many_rows`, `idempotency_key_reused`,
    /// `internal_error`).
    pub code: String,
    /// The offending fields, when the file was malformed.
    #[serde(default)]
    pub errors: Vec<FailureField>,
}

/// One offending field of a failed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureField {
    /// Where.
    pub pointer: String,
    /// Rule code.
    pub code: String,
    /// Message parameters.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// A row that passed every check.
#[derive(Debug, Clone)]
struct Row {
    group: usize,
    item: Item,
}

#[derive(Debug, Clone)]
enum Item {
    Indicator(IndicatorValue),
    Task(TaskProgress),
    Project(ProjectProgress),
    Budget(BudgetExecution),
}

/// An indicator as the rules need it.
#[derive(Debug, Clone)]
struct IndicatorInfo {
    kind: ValueKind,
    over_100: bool,
    evaluation: (Option<String>, Option<i32>, Option<i32>),
}

/// The catalog of the plans covering one year.
#[derive(Debug, Default)]
pub(crate) struct YearCatalog {
    /// (item kind, role, item id, unit code, unit kind).
    roles: Vec<repo::imports::RoleRow>,
    indicators: HashMap<i64, IndicatorInfo>,
    /// Ids by (item kind, code).
    by_code: HashMap<(&'static str, String), Vec<i64>>,
    /// Codes by (item kind, id).
    code_of: HashMap<(&'static str, i64), String>,
}

impl YearCatalog {
    fn load(conn: &mut DbConn, year: i32) -> Result<Self, ServiceError> {
        let mut c = YearCatalog {
            roles: repo::imports::roles_in_year(conn, year)?,
            ..YearCatalog::default()
        };
        for (id, code, measure, over, ek, ey, em) in repo::imports::indicators_in_year(conn, year)?
        {
            let kind = match measure.as_str() {
                "percent" => ValueKind::Percent,
                "money" => ValueKind::Money,
                "boolean" => ValueKind::Boolean,
                "milestone" => ValueKind::Milestone,
                _ => ValueKind::Count,
            };
            c.by_code
                .entry(("indicator", code.clone()))
                .or_default()
                .push(id);
            c.code_of.insert(("indicator", id), code.clone());
            c.indicators.insert(
                id,
                IndicatorInfo {
                    kind,
                    over_100: over != 0,
                    evaluation: (ek, ey, em),
                },
            );
        }
        for kind in ["task", "project", "budget_line"] {
            for (id, code) in repo::imports::item_codes_in_year(conn, kind, year)? {
                c.by_code.entry((kind, code.clone())).or_default().push(id);
                c.code_of.insert((kind, id), code);
            }
        }
        Ok(c)
    }

    /// The items of a kind a unit reports on in a period (the same roles as a report's
    /// template: indicators it reports or leads and that are evaluated in the period, tasks it
    /// leads, projects it invests in, budget lines it implements).
    fn responsible(&self, kind: Kind, unit: &str, unit_kind: &str, period: Period) -> HashSet<i64> {
        let roles: &[&str] = match kind {
            Kind::IndicatorValues => &["reporting", "lead"],
            Kind::TaskProgress => &["lead"],
            Kind::ProjectProgress => &["investor"],
            Kind::BudgetExecution => &["implementing"],
        };
        let ck = kind.catalog_kind();
        self.roles
            .iter()
            .filter(|(k, role, _, u, uk)| {
                k == ck
                    && roles.contains(&role.as_str())
                    && (u.as_deref() == Some(unit) || uk.as_deref() == Some(unit_kind))
            })
            .map(|(_, _, id, _, _)| *id)
            .filter(|id| {
                kind != Kind::IndicatorValues
                    || self.indicators.get(id).is_some_and(|i| {
                        evaluated_in(
                            period,
                            i.evaluation.0.as_deref(),
                            i.evaluation.1,
                            i.evaluation.2,
                        )
                    })
            })
            .collect()
    }
}

/// One report an import touches.
#[derive(Debug)]
struct Group {
    unit: UnitCode,
    period: Period,
    existing: Option<ReportRow>,
    /// Items the unit may report, by kind.
    allowed: HashMap<Kind, HashSet<i64>>,
    /// Last accepted cumulative disbursement per project (previous period).
    previous_cumulative: Option<HashMap<i64, i64>>,
}

/// What a real run writes: the valid rows are in the staging tables.
#[derive(Debug, Default)]
struct Plan {
    /// The groups whose report changes, with their imported and updated rows, by group.
    changed: Vec<GroupCounts>,
    groups: Vec<Group>,
    /// Whether the staging tables exist (there were valid rows).
    staged: bool,
}

struct Evaluator<'a> {
    principal: &'a Principal,
    id_scheme: IdScheme,
    today: NaiveDate,
    calendar: dtihub_domain::calendar::Calendar,
    /// The schedule governing each year's reports (the plan's reporting rules).
    schedules: HashMap<i32, ReportingSchedule>,
    units: HashMap<String, String>,
    years: HashMap<i32, YearCatalog>,
    reports_by_period: HashMap<Period, HashMap<String, ReportRow>>,
    group_index: HashMap<(String, Period), usize>,
    groups: Vec<Group>,
    rows: Vec<Row>,
    errors: Vec<RowError>,
    rejected: HashSet<u64>,
    seen: HashMap<(usize, Kind, i64), u64>,
}

fn row_error(raw: &RawRow, col: Col, code: &str) -> RowError {
    RowError {
        row: raw.row,
        column: col.name().to_owned(),
        code: code.to_owned(),
        params: BTreeMap::new(),
        value: raw.get(col).map(str::to_owned),
    }
}

impl RowError {
    fn with(mut self, k: &str, v: impl ToString) -> Self {
        self.params.insert(k.to_owned(), v.to_string());
        self
    }
}

/// Parses a number: a finite decimal (`12`, `-3.5`, `1e3`); `NaN`, infinities and anything
/// else are `invalid_number`.
fn parse_f64(text: &str) -> Result<f64, &'static str> {
    let ok_chars = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    match text.parse::<f64>() {
        Ok(v) if ok_chars && v.is_finite() => Ok(v),
        _ => Err("invalid_number"),
    }
}

/// Parses whole VND: an integer that fits in 64 bits.
fn parse_vnd(text: &str) -> Result<i64, &'static str> {
    if text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+')
    {
        text.parse::<i64>().map_err(|_| "out_of_range")
    } else if parse_f64(text).is_ok() {
        Err("not_whole_vnd")
    } else {
        Err("invalid_number")
    }
}

fn text_of(raw: &RawRow, col: Col) -> Option<String> {
    raw.get(col).map(nfc).filter(|t| !t.is_empty())
}

impl Evaluator<'_> {
    fn year(&mut self, conn: &mut DbConn, year: i32) -> Result<(), ServiceError> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.years.entry(year) {
            e.insert(YearCatalog::load(conn, year)?);
        }
        Ok(())
    }

    fn group(
        &mut self,
        conn: &mut DbConn,
        unit: &UnitCode,
        unit_kind: &str,
        period: Period,
    ) -> Result<usize, ServiceError> {
        let key = (unit.as_str().to_owned(), period);
        if let Some(i) = self.group_index.get(&key) {
            return Ok(*i);
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.reports_by_period.entry(period) {
            let rows = repo::imports::reports_of_periods(conn, &[period.to_string()])?;
            e.insert(rows.into_iter().map(|r| (r.unit_code.clone(), r)).collect());
        }
        self.year(conn, period.year())?;
        let existing = self
            .reports_by_period
            .get(&period)
            .and_then(|m| m.get(unit.as_str()))
            .cloned();
        let catalog = &self.years[&period.year()];
        let allowed = Kind::ALL
            .into_iter()
            .map(|k| (k, catalog.responsible(k, unit.as_str(), unit_kind, period)))
            .collect();
        self.groups.push(Group {
            unit: unit.clone(),
            period,
            existing,
            allowed,
            previous_cumulative: None,
        });
        let i = self.groups.len() - 1;
        self.group_index.insert(key, i);
        Ok(i)
    }

    fn previous_cumulative(&mut self, conn: &mut DbConn, g: usize) -> Result<(), ServiceError> {
        if self.groups[g].previous_cumulative.is_some() {
            return Ok(());
        }
        let group = &self.groups[g];
        let mut out = HashMap::new();
        if let Some(prev) = group.period.previous() {
            if let Some((row, content)) = reports::load(conn, &group.unit, prev)? {
                if row.status == ReportStatus::Accepted.as_str() {
                    for p in content.project_progress {
                        if let Some(c) = p.cumulative_disbursed {
                            out.insert(p.project_id, c);
                        }
                    }
                }
            }
        }
        self.groups[g].previous_cumulative = Some(out);
        Ok(())
    }

    /// Checks one row; a valid one joins `rows`, an invalid one adds its errors.
    fn accept(&mut self, conn: &mut DbConn, raw: &RawRow) -> Result<(), ServiceError> {
        let mut errs: Vec<RowError> = Vec::new();
        for c in [Col::Kind, Col::Unit, Col::Period, Col::Item] {
            if raw.get(c).is_none() {
                errs.push(row_error(raw, c, "required"));
            }
        }
        let kind = raw.get(Col::Kind).and_then(|k| {
            let parsed = Kind::parse(k);
            if parsed.is_none() {
                errs.push(
                    row_error(raw, Col::Kind, "invalid_enum")
                        .with("allowed", Kind::ALL.map(Kind::as_str).join(", ")),
                );
            }
            parsed
        });
        let unit = raw.get(Col::Unit).and_then(|u| match UnitCode::parse(u) {
            Err(_) => {
                errs.push(row_error(raw, Col::Unit, "invalid_unit_code"));
                None
            }
            Ok(code) if !self.principal.can_access_unit(&code) => {
                errs.push(row_error(raw, Col::Unit, "unit_not_allowed"));
                None
            }
            Ok(code) => match self.units.get(code.as_str()) {
                None => {
                    errs.push(row_error(raw, Col::Unit, "unknown_unit"));
                    None
                }
                Some(kind) => Some((code, kind.clone())),
            },
        });
        if let Some(year) = raw
            .get(Col::Period)
            .and_then(|p| Period::parse_field(p).ok())
            .map(Period::year)
        {
            if let std::collections::hash_map::Entry::Vacant(e) = self.schedules.entry(year) {
                let first = Period::parse_field(&format!("{year}-01"))
                    .map_err(|e| ServiceError::Internal(format!("period of {year}: {e:?}")))?;
                e.insert(
                    crate::reporting_rules::governing(conn, first)?
                        .rules
                        .schedule,
                );
            }
        }
        let period = raw
            .get(Col::Period)
            .and_then(|p| match Period::parse_field(p) {
                Err(e) => {
                    errs.push(row_error(raw, Col::Period, &e.code));
                    None
                }
                Ok(p) => {
                    let schedule = self.schedules.get(&p.year()).copied().unwrap_or_default();
                    if schedule.phase(p, self.today, &self.calendar) == PeriodPhase::Upcoming {
                        errs.push(
                            row_error(raw, Col::Period, "period_not_open")
                                .with("first", schedule.window(p).first),
                        );
                        None
                    } else {
                        Some(p)
                    }
                }
            });
        if let Some(kind) = kind {
            for c in COLUMNS {
                if raw.get(c).is_some() && !kind.columns().contains(&c) {
                    errs.push(
                        row_error(raw, c, "column_not_applicable").with("kind", kind.as_str()),
                    );
                }
            }
        }
        let (Some(kind), Some((unit, unit_kind)), Some(period)) = (kind, unit, period) else {
            return self.reject(raw, errs);
        };
        let g = self.group(conn, &unit, &unit_kind, period)?;
        if let Some(r) = &self.groups[g].existing {
            let status: ReportStatus = r.status.parse().unwrap_or(ReportStatus::Submitted);
            if transition(status, &ReportAction::Save).is_err() {
                errs.push(
                    row_error(raw, Col::Period, "report_locked").with("status", status.as_str()),
                );
            }
        }
        let item_id = self.resolve_item(raw, kind, g, &mut errs);
        let fields = self.fields(raw, kind, item_id.unwrap_or(0), &mut errs);
        let (Some(item_id), Some(mut item)) = (item_id, fields) else {
            return self.reject(raw, errs);
        };
        // The per-item rules of the report validation; errors reject, warnings do not.
        let findings: Vec<Finding> = match &mut item {
            Item::Indicator(v) => {
                let info = &self.years[&period.year()].indicators[&item_id];
                let rule = IndicatorRule {
                    id: item_id,
                    kind: info.kind,
                    allows_over_100: info.over_100,
                    previous_value: None,
                };
                let input = IndicatorValueInput {
                    indicator_id: item_id,
                    value: v.value,
                    numerator: v.numerator,
                    denominator: v.denominator,
                    text: v.text.clone(),
                };
                check_indicator_value(&input, &rule, 0.0, "")
            }
            Item::Task(t) => check_task(
                &TaskProgressInput {
                    task_id: item_id,
                    status: t.status,
                    percent_complete: t.percent_complete,
                    result: t.result.clone(),
                },
                "",
            ),
            Item::Project(p) => {
                let mut out = Vec::new();
                if let Some(a) = p.disbursed_in_period {
                    out.extend(check_money(a, "/disbursed_in_period"));
                }
                if let Some(c) = p.cumulative_disbursed {
                    self.previous_cumulative(conn, g)?;
                    let prev = self.groups[g]
                        .previous_cumulative
                        .as_ref()
                        .and_then(|m| m.get(&item_id).copied());
                    out.extend(check_cumulative(c, prev, None, "/cumulative_disbursed"));
                }
                out
            }
            Item::Budget(b) => b
                .spent_in_period
                .and_then(|a| check_money(a, "/spent_in_period"))
                .into_iter()
                .collect(),
        };
        for f in findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
        {
            let field = f.pointer.rsplit('/').next().unwrap_or_default();
            let col = Col::from_name(field).unwrap_or(Col::Value);
            let mut e = row_error(raw, col, &f.code);
            e.params = f.params;
            errs.push(e);
        }
        if let Some(first) = self.seen.get(&(g, kind, item_id)) {
            errs.push(row_error(raw, Col::Item, "duplicate_row").with("first_row", first));
        }
        if !errs.is_empty() {
            return self.reject(raw, errs);
        }
        self.seen.insert((g, kind, item_id), raw.row);
        self.rows.push(Row { group: g, item });
        Ok(())
    }

    fn reject(&mut self, raw: &RawRow, errs: Vec<RowError>) -> Result<(), ServiceError> {
        if !errs.is_empty() {
            self.rejected.insert(raw.row);
            self.errors.extend(errs);
        }
        Ok(())
    }

    fn resolve_item(
        &self,
        raw: &RawRow,
        kind: Kind,
        g: usize,
        errs: &mut Vec<RowError>,
    ) -> Option<i64> {
        let text = raw.get(Col::Item)?;
        let group = &self.groups[g];
        let allowed = &group.allowed[&kind];
        let catalog = &self.years[&group.period.year()];
        let candidates: Vec<i64> = match self.id_scheme {
            IdScheme::Id => match text.parse::<i64>() {
                Ok(id) => vec![id],
                Err(_) => {
                    errs.push(row_error(raw, Col::Item, "invalid_integer"));
                    return None;
                }
            },
            IdScheme::Code => catalog
                .by_code
                .get(&(kind.catalog_kind(), text.to_owned()))
                .cloned()
                .unwrap_or_default(),
        };
        let mine: Vec<i64> = candidates
            .into_iter()
            .filter(|id| allowed.contains(id))
            .collect();
        match mine.as_slice() {
            [id] => Some(*id),
            [] => {
                errs.push(row_error(raw, Col::Item, "unknown_item").with("id", text));
                None
            }
            _ => {
                errs.push(row_error(raw, Col::Item, "ambiguous_item"));
                None
            }
        }
    }

    /// Reads a row's fields for its kind; parse errors go to `errs`.
    fn fields(&self, raw: &RawRow, kind: Kind, id: i64, errs: &mut Vec<RowError>) -> Option<Item> {
        let before = errs.len();
        let mut num = |c: Col| {
            raw.get(c).and_then(|t| {
                parse_f64(t)
                    .map_err(|code| errs.push(row_error(raw, c, code)))
                    .ok()
            })
        };
        let item = match kind {
            Kind::IndicatorValues => {
                let value = num(Col::Value);
                let numerator = num(Col::Numerator);
                let denominator = num(Col::Denominator);
                let evidence_date = raw.get(Col::EvidenceDate).and_then(|t| {
                    NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map_err(|_| errs.push(row_error(raw, Col::EvidenceDate, "invalid_date")))
                        .ok()
                });
                Item::Indicator(IndicatorValue {
                    indicator_id: id,
                    value,
                    numerator,
                    denominator,
                    text: text_of(raw, Col::Text),
                    note: text_of(raw, Col::Note),
                    evidence_number: text_of(raw, Col::EvidenceNumber),
                    evidence_date,
                    official_assessment: None,
                })
            }
            Kind::TaskProgress => {
                let percent_complete = num(Col::PercentComplete);
                let status =
                    match raw.get(Col::Status) {
                        None => TaskStatus::NotStarted,
                        Some(t) => serde_json::from_value(serde_json::Value::String(t.to_owned()))
                            .unwrap_or_else(|_| {
                                errs.push(row_error(raw, Col::Status, "invalid_enum").with(
                                    "allowed",
                                    "not_started, in_progress, completed, overdue",
                                ));
                                TaskStatus::NotStarted
                            }),
                    };
                Item::Task(TaskProgress {
                    task_id: id,
                    status,
                    percent_complete,
                    result: text_of(raw, Col::Result),
                    obstacles: text_of(raw, Col::Obstacles),
                })
            }
            Kind::ProjectProgress => {
                let mut vnd = |c: Col| {
                    raw.get(c).and_then(|t| {
                        parse_vnd(t)
                            .map_err(|code| errs.push(row_error(raw, c, code)))
                            .ok()
                    })
                };
                Item::Project(ProjectProgress {
                    project_id: id,
                    disbursed_in_period: vnd(Col::DisbursedInPeriod),
                    cumulative_disbursed: vnd(Col::CumulativeDisbursed),
                    stage: text_of(raw, Col::Stage),
                    note: text_of(raw, Col::Note),
                })
            }
            Kind::BudgetExecution => {
                let spent = raw.get(Col::SpentInPeriod).and_then(|t| {
                    parse_vnd(t)
                        .map_err(|code| errs.push(row_error(raw, Col::SpentInPeriod, code)))
                        .ok()
                });
                Item::Budget(BudgetExecution {
                    budget_line_id: id,
                    spent_in_period: spent,
                    note: text_of(raw, Col::Note),
                })
            }
        };
        (errs.len() == before).then_some(item)
    }
}

/// Reads and checks every row, then stages the valid ones and classifies them against the
/// stored items (set-wise, in SQL); returns the summary, what to write, and the number of rows
/// read. `lock`: lock the touched reports first (a real run; a dry run only reads).
fn evaluate(
    conn: &mut DbConn,
    principal: &Principal,
    request: &ImportRequest,
    file: File,
    lock: bool,
) -> Result<(Summary, Plan, u64), ImportError> {
    let mut ev = Evaluator {
        principal,
        id_scheme: request.id_scheme,
        today: vietnam_date(Utc::now()),
        calendar: dtihub_domain::calendar::Calendar::vietnam()
            .map_err(|e| ServiceError::Internal(format!("{e:?}")))?,
        schedules: HashMap::new(),
        units: repo::imports::unit_kinds(conn)?.into_iter().collect(),
        years: HashMap::new(),
        reports_by_period: HashMap::new(),
        group_index: HashMap::new(),
        groups: Vec::new(),
        rows: Vec::new(),
        errors: Vec::new(),
        rejected: HashSet::new(),
        seen: HashMap::new(),
    };
    let total = parse::for_each_row(request.format, file, request.max_rows, &mut |raw| {
        ev.accept(conn, &raw).map_err(ImportError::from)
    })?;
    let rejected = ev.rejected.len() as u64;
    let mut errors = std::mem::take(&mut ev.errors);
    errors.sort_by_key(|e| e.row);
    let rejected_summary = |errors| Summary {
        status: "rejected".into(),
        imported: 0,
        updated: 0,
        ignored: 0,
        rejected,
        errors,
    };
    if rejected > 0 && request.mode == Mode::Atomic {
        return Ok((rejected_summary(errors), Plan::default(), total));
    }
    let status = if rejected > 0 { "partial" } else { "completed" };
    let valid = ev.rows.len() as u64;
    if valid == 0 {
        let summary = Summary {
            status: status.into(),
            imported: 0,
            updated: 0,
            ignored: 0,
            rejected,
            errors,
        };
        return Ok((summary, Plan::default(), total));
    }
    let stored: Vec<StageGroup> = ev
        .groups
        .iter()
        .enumerate()
        .filter_map(|(g, group)| {
            group.existing.as_ref().map(|r| StageGroup {
                grp: index_of(g),
                report_id: r.id,
            })
        })
        .collect();
    if lock {
        // The touched reports are locked before their items are read, so that the
        // classification holds until commit; one changed since it was read is a conflict.
        let ids: Vec<i64> = stored.iter().map(|s| s.report_id).collect();
        let versions: HashMap<i64, i64> = repo::imports::lock_reports(conn, &ids)?
            .into_iter()
            .collect();
        let unchanged = ev.groups.iter().all(|g| {
            g.existing
                .as_ref()
                .is_none_or(|r| versions.get(&r.id) == Some(&r.version))
        });
        if !unchanged {
            return Err(ServiceError::Conflict {
                code: "report_changed",
            }
            .into());
        }
    }
    repo::imports::create_stage(conn)?;
    repo::imports::stage(conn, &staged_rows(std::mem::take(&mut ev.rows)))?;
    repo::imports::stage_groups(conn, &stored)?;
    let counts = repo::imports::classify(conn)?;
    let count = |f: fn(&GroupCounts) -> i64| {
        counts
            .iter()
            .map(|c| u64::try_from(f(c)).unwrap_or(0))
            .sum::<u64>()
    };
    let (imported, updated) = (count(|c| c.imported), count(|c| c.updated));
    Ok((
        Summary {
            status: status.into(),
            imported,
            updated,
            ignored: valid.saturating_sub(imported + updated),
            rejected,
            errors,
        },
        Plan {
            changed: counts
                .into_iter()
                .filter(|c| c.imported + c.updated > 0)
                .collect(),
            groups: ev.groups,
            staged: true,
        },
        total,
    ))
}

/// Change-feed events an import holds before writing them (numbered in order, under the
/// feed counter's lock held to commit, so the feed's order is kept).
const EVENT_BATCH: usize = 20_000;

/// A group's index as the staging tables store it.
fn index_of(g: usize) -> i64 {
    i64::try_from(g).unwrap_or(i64::MAX)
}

/// The valid rows as staging rows: `seq` keeps the upload's order, `grp` names the report.
fn staged_rows(rows: Vec<Row>) -> StagedRows {
    let mut out = StagedRows::default();
    for (seq, row) in rows.into_iter().enumerate() {
        let (seq, grp) = (index_of(seq), index_of(row.group));
        match row.item {
            Item::Indicator(v) => out.indicator_values.push(StageIndicatorValue {
                seq,
                grp,
                indicator_id: v.indicator_id,
                value: v.value,
                numerator: v.numerator,
                denominator: v.denominator,
                value_text: v.text,
                note: v.note,
                evidence_number: v.evidence_number,
                evidence_date: v.evidence_date,
            }),
            Item::Task(t) => out.task_progress.push(StageTaskProgress {
                seq,
                grp,
                task_id: t.task_id,
                status: reports::task_status_name(t.status).to_owned(),
                percent_complete: t.percent_complete,
                result: t.result,
                obstacles: t.obstacles,
            }),
            Item::Project(p) => out.project_progress.push(StageProjectProgress {
                seq,
                grp,
                project_id: p.project_id,
                disbursed_in_period_vnd: p.disbursed_in_period,
                cumulative_disbursed_vnd: p.cumulative_disbursed,
                stage: p.stage,
                note: p.note,
            }),
            Item::Budget(b) => out.budget_execution.push(StageBudgetExecution {
                seq,
                grp,
                budget_line_id: b.budget_line_id,
                spent_in_period_vnd: b.spent_in_period,
                note: b.note,
            }),
        }
    }
    out
}

/// The before and after of a group's changed indicator values, as the change feed compares
/// them.
fn value_changes(changes: &[StagedValueChange]) -> (Vec<IndicatorValue>, Vec<IndicatorValue>) {
    let before = changes
        .iter()
        .filter(|c| c.existed != 0)
        .map(|c| IndicatorValue {
            indicator_id: c.indicator_id,
            value: c.old_value,
            numerator: c.old_numerator,
            denominator: c.old_denominator,
            text: c.old_text.clone(),
            ..IndicatorValue::default()
        })
        .collect();
    let after = changes
        .iter()
        .map(|c| IndicatorValue {
            indicator_id: c.indicator_id,
            value: c.value,
            numerator: c.numerator,
            denominator: c.denominator,
            text: c.value_text.clone(),
            ..IndicatorValue::default()
        })
        .collect();
    (before, after)
}

impl Plan {
    /// Writes the changed reports: each gets its version bump (or is created as a draft) and
    /// one audit entry, then the staged rows are upserted into them set-wise.
    fn write(
        self,
        conn: &mut DbConn,
        actor: &Actor,
        import_id: &str,
        changes: &crate::changes::Collector,
    ) -> Result<(), ServiceError> {
        if !self.staged {
            return Ok(());
        }
        if self.changed.is_empty() {
            // Every row is identical to what is stored.
            repo::imports::drop_stage(conn)?;
            return Ok(());
        }
        let at = now();
        let value_changes_of = repo::imports::staged_value_changes(conn)?;
        let mut created = Vec::new();
        for c in &self.changed {
            let g = usize::try_from(c.grp)
                .map_err(|_| ServiceError::Internal("bad staged group".into()))?;
            let group = self
                .groups
                .get(g)
                .ok_or_else(|| ServiceError::Internal("bad staged group".into()))?;
            let row = match &group.existing {
                Some(old) => {
                    let status: ReportStatus = old
                        .status
                        .parse()
                        .map_err(|_| ServiceError::Internal("bad report status".into()))?;
                    let next = transition(status, &ReportAction::Save)
                        .map_err(ServiceError::Transition)?;
                    let row = ReportRow {
                        status: next.as_str().to_owned(),
                        version: old.version + 1,
                        updated_at: at,
                        ..old.clone()
                    };
                    if !repo::reports::update_if_version(conn, &row, old.version)? {
                        return Err(ServiceError::Conflict {
                            code: "report_changed",
                        });
                    }
                    row
                }
                None => {
                    let deadline = crate::reporting_rules::deadline_for(conn, group.period)?;
                    let row = repo::reports::insert(
                        conn,
                        &ReportRow {
                            id: 0,
                            unit_code: group.unit.to_string(),
                            period: group.period.to_string(),
                            status: ReportStatus::Draft.as_str().to_owned(),
                            version: 1,
                            deadline,
                            first_submitted_at: None,
                            late: 0,
                            returned_count: 0,
                            submitted_by: None,
                            submitted_at: None,
                            accepted_by: None,
                            accepted_at: None,
                            last_reason: None,
                            achievements: None,
                            limitations: None,
                            difficulties: None,
                            proposals: None,
                            created_at: at,
                            updated_at: at,
                        },
                    )
                    .map_err(|e| match e {
                        dtihub_db::DieselError::DatabaseError(
                            dtihub_db::DatabaseErrorKind::UniqueViolation,
                            _,
                        ) => ServiceError::Conflict {
                            code: "report_changed",
                        },
                        other => other.into(),
                    })?;
                    created.push(StageGroup {
                        grp: c.grp,
                        report_id: row.id,
                    });
                    row
                }
            };
            audit::record(
                conn,
                actor,
                "report.import",
                "report",
                &format!("{}/{}", group.unit, group.period),
                group
                    .existing
                    .as_ref()
                    .map(|o| serde_json::json!({"version": o.version}))
                    .as_ref(),
                Some(&serde_json::json!({
                    "version": row.version,
                    "import_id": import_id,
                    "imported": c.imported,
                    "updated": c.updated,
                })),
            )?;
            let first = value_changes_of.partition_point(|v| v.grp < c.grp);
            let last = value_changes_of.partition_point(|v| v.grp <= c.grp);
            let (before, after) = value_changes(&value_changes_of[first..last]);
            for change in crate::changes::indicator_value_changes(
                group.unit.as_str(),
                &group.period.to_string(),
                row.version,
                &before,
                &after,
            ) {
                crate::changes::emit(conn, actor, change)?;
            }
            // Written in batches: a million events held until commit would take gigabytes.
            if crate::changes::collected() >= EVENT_BATCH {
                changes.flush(conn)?;
            }
        }
        repo::imports::stage_groups(conn, &created)?;
        repo::imports::upsert_staged(conn)?;
        repo::imports::drop_stage(conn)?;
        Ok(())
    }
}

/// For the template: the catalog of a year, and the code of an item.
pub(crate) fn code_of(catalog: &YearCatalog, kind: Kind, id: i64) -> Option<&str> {
    catalog
        .code_of
        .get(&(kind.catalog_kind(), id))
        .map(String::as_str)
}

pub(crate) fn load_year(conn: &mut DbConn, year: i32) -> Result<YearCatalog, ServiceError> {
    YearCatalog::load(conn, year)
}

/// Serialises the summary for a JSON body.
pub fn summary_json(s: &Summary) -> Result<serde_json::Value, ServiceError> {
    json_of(s)
}
