//! Imports run as jobs (`Prefer: respond-async`): the request is answered `202 Accepted` at
//! once and a worker runs the import later.
//!
//! Instances are stateless: the upload, the caller's rights and the request's options are
//! stored with the job in the database, and a worker in any instance claims it. A worker holds
//! a lease on the job it runs and renews it while the import runs; a job whose lease ran out
//! (its instance died) is claimed again. The job is marked succeeded in the import's own
//! transaction, and only while its worker still holds the lease, so each job is applied at
//! most once, together with its import record and idempotency key.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use dtihub_db::models::{ImportJobRow, NewImportJob};
use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::access::Principal;
use serde::{Deserialize, Serialize};

use super::{
    replay, run_as, Answer, Failure, FailureField, Format, IdScheme, ImportError, ImportRequest,
    InFlight, JobFence, JobState, Mode, Outcome, Status,
};
use crate::error::ServiceError;
use crate::reports::now;
use crate::store::{Actor, Store};

/// How workers run jobs.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// How long a claimed job is the worker's without a renewal (renewed every third of it).
    pub lease: StdDuration,
    /// How often an idle worker looks for jobs (it is also woken when one is enqueued here).
    pub poll: StdDuration,
    /// Claims of one job before it is failed (a job that keeps killing its worker).
    pub max_attempts: i32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            lease: StdDuration::from_secs(60),
            poll: StdDuration::from_secs(2),
            max_attempts: 5,
        }
    }
}

/// Wakes this instance's worker when a job is enqueued, so it need not wait for its poll.
#[derive(Debug, Clone, Default)]
pub struct Waker(Arc<(Mutex<u64>, Condvar)>);

impl Waker {
    /// Wakes the worker.
    pub fn wake(&self) {
        let (count, cond) = &*self.0;
        if let Ok(mut n) = count.lock() {
            *n = n.wrapping_add(1);
            cond.notify_all();
        }
    }
}

/// The options of a request, as stored with its job.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct JobRequest {
    format: String,
    mode: String,
    id_scheme: String,
    idempotency_key: Option<String>,
    body_sha256: String,
    max_rows: u64,
    key_retention_secs: i64,
}

impl JobRequest {
    fn of(r: &ImportRequest) -> Self {
        Self {
            format: r.format.as_str().to_owned(),
            mode: r.mode.as_str().to_owned(),
            id_scheme: r.id_scheme.as_str().to_owned(),
            idempotency_key: r.idempotency_key.clone(),
            body_sha256: r.body_sha256.clone(),
            max_rows: r.max_rows,
            key_retention_secs: r.key_retention.num_seconds(),
        }
    }

    fn request(&self) -> ImportRequest {
        ImportRequest {
            format: match self.format.as_str() {
                "json" => Format::Json,
                "xlsx" => Format::Xlsx,
                _ => Format::Csv,
            },
            mode: if self.mode == "partial" {
                Mode::Partial
            } else {
                Mode::Atomic
            },
            id_scheme: if self.id_scheme == "id" {
                IdScheme::Id
            } else {
                IdScheme::Code
            },
            dry_run: false,
            idempotency_key: self.idempotency_key.clone(),
            body_sha256: self.body_sha256.clone(),
            max_rows: self.max_rows,
            key_retention: Duration::seconds(self.key_retention_secs),
        }
    }
}

/// What a request for a job gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// The job was accepted: now, or (`replayed`) by an earlier request with the same
    /// idempotency key and body whose job has not finished.
    Accepted {
        /// The import's id.
        id: String,
        /// Its state.
        state: JobState,
        /// Whether an earlier request enqueued it.
        replayed: bool,
    },
    /// The key's job already ran: its stored outcome.
    Replayed(Outcome),
}

fn internal(what: &str) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |e| ServiceError::Internal(format!("{what}: {e}")).into()
}

/// Stores the upload spooled at `file` as a job. A dry run is not a job (the caller runs it
/// synchronously).
pub fn enqueue(
    store: &Store,
    actor: &Actor,
    principal: &Principal,
    request: &ImportRequest,
    file: &File,
) -> Result<Enqueued, ImportError> {
    let fingerprint = request.fingerprint();
    let key = request.idempotency_key.as_deref();
    if let Some(k) = key {
        let (stored, job) = store.read(|conn| {
            Ok((
                repo::imports::find_key(conn, &actor.id, k)?,
                repo::import_jobs::find_by_key(conn, &actor.id, k)?,
            ))
        })?;
        if let Some(stored) = stored {
            return match replay(&stored, &fingerprint)? {
                Answer::Fresh(o) | Answer::Replayed(o) => Ok(Enqueued::Replayed(o)),
            };
        }
        if let Some(job) = job {
            if job.request_hash != fingerprint {
                return Err(ImportError::KeyReused);
            }
            return Ok(Enqueued::Accepted {
                id: job.id.clone(),
                state: state_of(&job),
                replayed: true,
            });
        }
    }
    let mut body = Vec::new();
    let mut f = file.try_clone().map_err(internal("spooled upload"))?;
    f.rewind().map_err(internal("spooled upload"))?;
    f.read_to_end(&mut body)
        .map_err(internal("spooled upload"))?;
    let at = now();
    let row = NewImportJob {
        id: uuid::Uuid::now_v7().to_string(),
        actor: actor.id.clone(),
        principal_json: serde_json::to_string(principal)
            .map_err(|e| ServiceError::Internal(e.to_string()))?,
        request_json: serde_json::to_string(&JobRequest::of(request))
            .map_err(|e| ServiceError::Internal(e.to_string()))?,
        idem_key: key.map(str::to_owned),
        request_hash: fingerprint,
        body,
        status: JobState::Queued.as_str().to_owned(),
        attempts: 0,
        created_at: at,
        updated_at: at,
    };
    match store.transaction(|conn| Ok(repo::import_jobs::insert(conn, &row)?)) {
        Ok(()) => Ok(Enqueued::Accepted {
            id: row.id,
            state: JobState::Queued,
            replayed: false,
        }),
        // Another request with the same key enqueued its job first.
        Err(ServiceError::Conflict { .. }) if key.is_some() => Err(ImportError::KeyInUse),
        Err(e) => Err(e.into()),
    }
}

fn state_of(job: &ImportJobRow) -> JobState {
    match job.status.as_str() {
        "queued" => JobState::Queued,
        "succeeded" => JobState::Succeeded,
        "failed" => JobState::Failed,
        _ => JobState::Running,
    }
}

/// A job's status when it has no import record (it has not succeeded).
pub(crate) fn status_of(job: &ImportJobRow) -> Status {
    match state_of(job) {
        JobState::Failed | JobState::Succeeded => Status::Failed {
            id: job.id.clone(),
            failure: job
                .failure_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_else(|| failure("internal_error")),
        },
        state => Status::Pending {
            id: job.id.clone(),
            state,
        },
    }
}

fn failure(code: &str) -> Failure {
    Failure {
        code: code.to_owned(),
        errors: Vec::new(),
    }
}

fn lease_end(settings: &JobSettings) -> chrono::NaiveDateTime {
    now() + Duration::from_std(settings.lease).unwrap_or_else(|_| Duration::seconds(60))
}

/// Claims one job and runs it; answers its id, or `None` when no job was waiting.
pub fn work_once(
    store: &Store,
    in_flight: &InFlight,
    owner: &str,
    settings: &JobSettings,
) -> Result<Option<String>, ServiceError> {
    if !store.read(|conn| Ok(repo::import_jobs::any_claimable(conn, now())?))? {
        return Ok(None);
    }
    let claimed = {
        let mut pooled = store.conn()?;
        let conn: &mut DbConn = &mut pooled;
        dtihub_db::backend::write_transaction(conn, |conn| {
            repo::import_jobs::claim(conn, owner, now(), lease_end(settings))
        })?
    };
    let Some(job) = claimed else {
        return Ok(None);
    };
    if job.attempts > settings.max_attempts {
        tracing::warn!(job = %job.id, attempts = job.attempts, "import job given up");
        finish_failed(store, &job.id, owner, &failure("attempts_exhausted"))?;
        return Ok(Some(job.id));
    }
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let job_id = job.id.as_str();
        // Renews the lease while the import runs; stops when `stop` is dropped.
        scope.spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(settings.lease / 3) {
                let renewed = store.transaction(|conn| {
                    Ok(repo::import_jobs::renew(
                        conn,
                        job_id,
                        owner,
                        lease_end(settings),
                    )?)
                });
                match renewed {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(job = %job_id, error = %e, "renewing an import job's lease");
                    }
                }
            }
        });
        let outcome = execute(store, in_flight, &job, owner);
        drop(stop);
        outcome
    })?;
    Ok(Some(job.id))
}

/// Runs a claimed job's import and records how it ended.
fn execute(
    store: &Store,
    in_flight: &InFlight,
    job: &ImportJobRow,
    owner: &str,
) -> Result<(), ServiceError> {
    let bad = |what: &str, e: serde_json::Error| {
        ServiceError::Internal(format!("import job {}: {what}: {e}", job.id))
    };
    let principal: Principal =
        serde_json::from_str(&job.principal_json).map_err(|e| bad("principal", e))?;
    let request = serde_json::from_str::<JobRequest>(&job.request_json)
        .map_err(|e| bad("request", e))?
        .request();
    let actor = Actor {
        id: job.actor.clone(),
        request_id: None,
    };
    let body = store
        .read(|conn| Ok(repo::import_jobs::body(conn, &job.id)?))?
        .unwrap_or_default();
    let spool = |e: std::io::Error| ServiceError::Internal(format!("spooling a job: {e}"));
    let mut file = tempfile::tempfile().map_err(spool)?;
    file.write_all(&body).map_err(spool)?;
    drop(body);
    let fence = JobFence { id: &job.id, owner };
    match run_as(
        store,
        in_flight,
        &actor,
        &principal,
        &request,
        &file,
        Some(fence),
    ) {
        Ok(Answer::Fresh(_)) => Ok(()),
        // A request without a job applied the same key and body first.
        Ok(Answer::Replayed(_)) => {
            finish_failed(store, &job.id, owner, &failure("idempotency_key_reused"))
        }
        // A request with the same key runs now: try again later.
        Err(ImportError::KeyInUse) => {
            store
                .transaction(|conn| Ok(repo::import_jobs::release(conn, &job.id, owner, now())?))?;
            Ok(())
        }
        Err(ImportError::KeyReused) => {
            finish_failed(store, &job.id, owner, &failure("idempotency_key_reused"))
        }
        Err(ImportError::Malformed(errors)) => finish_failed(
            store,
            &job.id,
            owner,
            &Failure {
                code: "malformed_file".into(),
                errors: errors
                    .into_iter()
                    .map(|e| FailureField {
                        pointer: e.pointer,
                        code: e.code,
                        params: e.params,
                    })
                    .collect(),
            },
        ),
        Err(ImportError::TooManyRows { limit }) => finish_failed(
            store,
            &job.id,
            owner,
            &Failure {
                code: "too_many_rows".into(),
                errors: vec![FailureField {
                    pointer: String::new(),
                    code: "too_many_rows".into(),
                    params: [("max".to_owned(), limit.to_string())].into(),
                }],
            },
        ),
        // Passing trouble (the database away, a lost race, the lease taken over): the job
        // stays claimed until its lease runs out, and is then tried again.
        Err(ImportError::Service(
            e @ (ServiceError::Unavailable(_)
            | ServiceError::SerializationFailure(_)
            | ServiceError::Timeout(_)
            | ServiceError::Conflict { .. }),
        )) => Err(e),
        Err(ImportError::Service(e)) => {
            tracing::error!(job = %job.id, error = %e, "import job failed");
            finish_failed(store, &job.id, owner, &failure("internal_error"))
        }
    }
}

fn finish_failed(
    store: &Store,
    id: &str,
    owner: &str,
    failure: &Failure,
) -> Result<(), ServiceError> {
    let json = serde_json::to_string(failure).map_err(|e| ServiceError::Internal(e.to_string()))?;
    store.transaction(|conn| {
        Ok(repo::import_jobs::finish(
            conn,
            id,
            owner,
            JobState::Failed.as_str(),
            Some(&json),
            now(),
        )?)
    })?;
    Ok(())
}

/// Starts this instance's worker thread: it runs jobs while there are any, then waits for a
/// wake-up or the poll interval. It ends when every clone of `waker` is dropped (the server
/// that owned it stopped).
pub fn spawn_worker(
    store: Store,
    in_flight: InFlight,
    waker: &Waker,
    settings: JobSettings,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let weak = Arc::downgrade(&waker.0);
    let owner = format!("worker-{}", uuid::Uuid::now_v7());
    std::thread::Builder::new()
        .name("import-jobs".into())
        .spawn(move || {
            while let Some(signal) = weak.upgrade() {
                let (count, cond) = &*signal;
                let seen = count.lock().map(|n| *n).unwrap_or_default();
                match work_once(&store, &in_flight, &owner, &settings) {
                    Ok(Some(_)) => continue,
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "import job worker"),
                }
                if let Ok(guard) = count.lock() {
                    let _ = cond.wait_timeout_while(guard, settings.poll, |n| *n == seen);
                };
            }
        })
}
