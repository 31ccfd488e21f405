//! The scenario registry and the loop that drives it.
//!
//! A scenario is one function, its *step*: given the [`World`] (server, data set, tokens)
//! and a [`Worker`] (one simulated client: its own caller, random numbers, ETags, cursors
//! and statistics), it performs one operation — usually one HTTP request — through
//! [`Worker::send`], which times the request including its body and records the status.
//! [`run`] starts `--concurrency` workers that call the step in a loop for the warm-up
//! (discarded) and then for the measured duration.
//!
//! # Adding a scenario
//!
//! Later issues add `report-save`, `report-submit`, `import-csv`, `compliance`,
//! `evaluation`, `dti-scores` and `mixed` this way:
//!
//! 1. Create `scenarios/report_save.rs` with
//!    ```ignore
//!    pub const SCENARIO: Scenario = Scenario {
//!        name: "report-save",
//!        about: "PUT a whole monthly report of the worker's commune",
//!        step,
//!        replayable_sql: false, // it writes: pgbench cannot replay its SQL verbatim
//!    };
//!    fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
//!        Box::pin(async move {
//!            let caller = worker.reporter(world);
//!            let request = world.client.put(world.url("/api/v1/…")).bearer_auth(&caller.token);
//!            worker.send(request).await;
//!        })
//!    }
//!    ```
//! 2. Add `report_save::SCENARIO` to [`REGISTRY`]. `--scenarios all` and the JSON report
//!    pick it up.
//! 3. If the step needs data beyond units and users (plans, reports), create it in
//!    [`crate::setup`] and keep it in the [`World`].
//! 4. A step that moves rows rather than requests (`import-csv`) calls
//!    [`Worker::add_items`] with the rows it sent; the line then shows items/s too.
//!    `mixed` picks another scenario's step by weight, as [`mixed_today`] does.
//!
//! A scenario whose requests only read sets `replayable_sql: true` and gets a pgbench
//! anchor on PostgreSQL for free; writers need an anchor of their own (e.g. `COPY` for
//! `import-csv`, see issue 8).

pub mod audit;
pub mod compliance;
pub mod dti_scores;
pub mod evaluation;
pub mod import_csv;
pub mod me;
pub mod mixed;
pub mod mixed_today;
pub mod read_units;
pub mod report_save;
pub mod report_submit;
pub mod roll_up;
pub mod token;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};

use crate::report::{ScenarioResult, Stats};
use crate::setup::{Caller, World};

/// What a step returns: a future borrowing the world and the worker.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One operation of a scenario.
pub type Step = for<'a> fn(&'a World, &'a mut Worker) -> StepFuture<'a>;

/// A named scenario.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// The name on the command line and in the report.
    pub name: &'static str,
    /// One line on what it does.
    pub about: &'static str,
    /// The operation repeated by every worker.
    pub step: Step,
    /// Whether its requests only read, so that the SQL they issue can be replayed by pgbench.
    pub replayable_sql: bool,
}

/// Every scenario, in the order `--scenarios all` runs them.
pub const REGISTRY: &[Scenario] = &[
    read_units::SCENARIO,
    me::SCENARIO,
    audit::SCENARIO,
    token::SCENARIO,
    compliance::SCENARIO,
    roll_up::SCENARIO,
    evaluation::SCENARIO,
    mixed_today::SCENARIO,
    report_save::SCENARIO,
    report_submit::SCENARIO,
    dti_scores::SCENARIO,
    import_csv::SCENARIO,
    mixed::SCENARIO,
];

/// The scenarios named on the command line (`all` for every one), in the order given.
pub fn resolve(names: &[String]) -> anyhow::Result<Vec<&'static Scenario>> {
    let mut chosen = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if name == "all" {
            chosen.extend(REGISTRY.iter());
            continue;
        }
        match REGISTRY.iter().find(|s| s.name == name) {
            Some(s) => chosen.push(s),
            None => anyhow::bail!(
                "unknown scenario {name:?}; known: all, {}",
                REGISTRY
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    anyhow::ensure!(!chosen.is_empty(), "no scenario chosen");
    Ok(chosen)
}

/// A response as the step sees it: status, headers and the whole body.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, read to the end.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One simulated client.
#[derive(Debug)]
pub struct Worker {
    /// 0-based, stable over the run: picks the worker's reporter.
    pub id: usize,
    /// Random numbers for choosing operations (seeded by the id: runs are repeatable).
    pub rng: SmallRng,
    /// ETags seen, by path, for conditional GETs.
    pub etags: HashMap<String, String>,
    /// The next page of a listing being walked, by listing.
    pub cursors: HashMap<&'static str, String>,
    /// What was measured.
    pub stats: Stats,
    /// When set, each request's SQL is recorded here (one entry per request).
    pub captured: Option<Vec<Vec<String>>>,
    /// Months imported so far by `import-csv` steps: where the next file starts in its cycle.
    pub import_months: u64,
}

impl Worker {
    /// A fresh worker.
    pub fn new(id: usize) -> Self {
        Self {
            id,
            rng: SmallRng::seed_from_u64(0x0D71_u64 ^ id as u64),
            etags: HashMap::new(),
            cursors: HashMap::new(),
            stats: Stats::new(),
            captured: None,
            import_months: 0,
        }
    }

    /// The worker's own reporter (workers beyond the communes share them round-robin).
    pub fn reporter<'w>(&self, world: &'w World) -> &'w Caller {
        &world.reporters[self.id % world.reporters.len()]
    }

    /// The worker's own commune and its reporter's token (reporter `i` belongs to commune
    /// `i`).
    pub fn commune_and_token(&self, world: &World) -> (String, String) {
        let i = self.id % world.reporters.len();
        (world.communes[i].clone(), world.reporters[i].token.clone())
    }

    /// A random commune code.
    pub fn any_commune<'w>(&mut self, world: &'w World) -> &'w str {
        &world.communes[self.rng.random_range(0..world.communes.len())]
    }

    /// A number in `0..100`, for weighted choices.
    pub fn percent(&mut self) -> u32 {
        self.rng.random_range(0..100)
    }

    /// Sends a request, reads the whole body, records latency and status; `None` when the
    /// request failed below HTTP (counted as `io`).
    pub async fn send(&mut self, request: RequestBuilder) -> Option<Reply> {
        if self.captured.is_some() {
            crate::capture::start();
        }
        let started = Instant::now();
        let outcome = async {
            let response = request.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Reply {
                status,
                headers,
                body,
            })
        }
        .await;
        let elapsed = started.elapsed();
        if let Some(captured) = self.captured.as_mut() {
            captured.push(crate::capture::stop());
        }
        match outcome {
            Ok(reply) => {
                self.stats.record(elapsed, Some(reply.status.as_u16()));
                Some(reply)
            }
            Err(_) => {
                self.stats.record(elapsed, None);
                None
            }
        }
    }

    /// Counts items moved by the last operation (rows of an import), for items/s.
    pub fn add_items(&mut self, items: u64) {
        self.stats.items += items;
    }
}

/// Runs a scenario: warm-up, then `duration` measured, at `concurrency` workers.
pub async fn run(
    world: &Arc<World>,
    scenario: &'static Scenario,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> ScenarioResult {
    let mut workers: Vec<Worker> = (0..concurrency).map(Worker::new).collect();
    if !warmup.is_zero() {
        workers = phase(world, scenario, workers, warmup).await;
        for worker in &mut workers {
            worker.stats = Stats::new();
        }
    }
    let started = Instant::now();
    let workers = phase(world, scenario, workers, duration).await;
    let elapsed = started.elapsed();
    let mut total = Stats::new();
    for worker in &workers {
        total.merge(&worker.stats);
    }
    ScenarioResult::new(scenario, concurrency, elapsed, &total)
}

/// Every worker calls the step until the deadline; the workers come back for the next phase.
async fn phase(
    world: &Arc<World>,
    scenario: &'static Scenario,
    workers: Vec<Worker>,
    length: Duration,
) -> Vec<Worker> {
    let deadline = Instant::now() + length;
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut worker| {
            let world = Arc::clone(world);
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    (scenario.step)(&world, &mut worker).await;
                }
                worker
            })
        })
        .collect();
    let mut back = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.await {
            Ok(worker) => back.push(worker),
            // A panicking step is a bug in the bench: say so and carry on without the worker.
            Err(e) => eprintln!("a {} worker stopped: {e}", scenario.name),
        }
    }
    back
}

/// Runs `steps` steps of a scenario one after the other and returns the SQL of each request.
pub async fn capture_sql(world: &World, scenario: &Scenario, steps: usize) -> Vec<Vec<String>> {
    let mut worker = Worker::new(0);
    worker.captured = Some(Vec::new());
    for _ in 0..steps {
        (scenario.step)(world, &mut worker).await;
    }
    worker.captured.unwrap_or_default()
}
