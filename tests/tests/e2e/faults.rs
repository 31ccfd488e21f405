//! Fault injection: DTI Hub on a private PostgreSQL cluster that the test starts on its own
//! port in a temporary directory, under concurrent report saves, submits, returns and reads,
//! while the test (a) terminates every backend, (b) stops the server fast, (c) starts it
//! again and (d) sets a tiny `statement_timeout` while a lock holds the reports back.
//!
//! Asserted: no 500 (nor 401/403/404: losing the database never looks like a wrong token)
//! at any moment, 503/504 always carry `Retry-After`, the application serves again within
//! 2 s of the database accepting connections without being restarted, and afterwards every
//! report holds exactly the items of one request that may have committed: never a mix.
//!
//! Runs only where PostgreSQL's server binaries are installed
//! (`/usr/lib/postgresql/<version>/bin/{initdb,pg_ctl,postgres}`); never touches the
//! machine's own cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use dtihub_domain::catalog::indicator::IndicatorInput;
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::PlanId;
use dtihub_service::catalog::items;
use dtihub_service::catalog::{plans, Indicators};
use dtihub_service::Actor;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{spawn_app_on, Role, TestApp, TestDb, Who};

const UNIT: &str = "XA-TRAM-CHIM";
/// Indicators of the test plan, all reported by [`UNIT`].
const INDICATORS: usize = 6;
/// Concurrent writers; each owns [`PERIODS_PER_WRITER`] monthly reports.
const WRITERS: usize = 6;
const PERIODS_PER_WRITER: usize = 4;
/// The longest the application may take to serve again once the database accepts
/// connections.
const RECOVERY_LIMIT: Duration = Duration::from_secs(2);

/// PostgreSQL's server binaries, newest version first.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| bin.join(b).is_file())
                .then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A PostgreSQL cluster private to one test: its own directory, port and socket.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// initdb refuses to run as root: as root, every server command runs as `postgres`.
    as_postgres: bool,
}

impl Cluster {
    /// Creates and starts the cluster; `None` when the binaries are not installed.
    fn start_new() -> Option<Self> {
        let bin = postgres_bin_dir()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = output_of("id", &["-u"]).as_deref() == Some("0");
        if as_postgres {
            let uid = output_of("id", &["-u", "postgres"])?.parse().ok()?;
            let gid = output_of("id", &["-g", "postgres"])?.parse().ok()?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("port")
            .port();
        let cluster = Self {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ],
        );
        cluster.start();
        Some(cluster)
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run a PostgreSQL binary");
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server and returns once it accepts connections.
    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        );
    }

    /// Stops the server in fast mode: sessions are terminated, transactions rolled back.
    fn stop_fast(&self) {
        let data = self.data_dir();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let path = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// What every task saw, shared with the conductor.
#[derive(Default)]
struct Observed {
    stop: AtomicBool,
    /// Saves, submits and returns answered 200.
    writes: AtomicU64,
    /// When the latest of those completed.
    last_write: Mutex<Option<Instant>>,
    /// Reads answered 200.
    reads: AtomicU64,
    statuses: Mutex<BTreeMap<u16, u64>>,
    violations: Mutex<Vec<String>>,
}

impl Observed {
    fn count(&self, status: u16) -> u64 {
        self.statuses
            .lock()
            .unwrap()
            .get(&status)
            .copied()
            .unwrap_or(0)
    }

    fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }

    /// Records a response; returns its status and body.
    async fn record(&self, what: &str, response: reqwest::Result<Response>) -> (u16, Value) {
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                self.violation(format!("{what}: transport error {e}"));
                return (0, Value::Null);
            }
        };
        let status = response.status().as_u16();
        *self.statuses.lock().unwrap().entry(status).or_default() += 1;
        let retry_after = response.headers().contains_key("retry-after");
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match status {
            200 | 304 | 409 | 412 => {}
            503 | 504 => {
                if !retry_after {
                    self.violation(format!("{what}: {status} without Retry-After"));
                }
                let code = body["code"].as_str().unwrap_or_default();
                if !matches!(code, "service_unavailable" | "database_timeout") {
                    self.violation(format!("{what}: {status} with code {code:?}: {text}"));
                }
                let lower = text.to_ascii_lowercase();
                if ["sql", "postgres", "terminating", "statement", "connection"]
                    .iter()
                    .any(|w| lower.contains(w))
                {
                    self.violation(format!("{what}: {status} leaks the cause: {text}"));
                }
            }
            _ => self.violation(format!("{what}: {status} {text}")),
        }
        (status, body)
    }

    fn wrote(&self) {
        *self.last_write.lock().unwrap() = Some(Instant::now());
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits until `done` holds, polling every 20 ms; panics after `limit`.
async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

/// Waits for `n` more successful writes after `since`; returns when the first of them
/// completed, measured from `since`.
async fn recovery_after(observed: &Observed, since: Instant, n: u64, what: &str) -> Duration {
    let before = observed.writes.load(Ordering::SeqCst);
    wait_until(what, Duration::from_secs(20), || {
        observed.writes.load(Ordering::SeqCst) > before
    })
    .await;
    let first = observed.last_write.lock().unwrap().expect("a write");
    wait_until(what, Duration::from_secs(20), || {
        observed.writes.load(Ordering::SeqCst) >= before + n
    })
    .await;
    first.saturating_duration_since(since)
}

/// The item sets a report may hold: `None` for a report never written, else
/// `(number of values, the token all of them carry)`.
type Outcomes = BTreeSet<Option<(usize, i64)>>;

struct Tokens {
    reporter: String,
    approver: String,
    coordinator: String,
}

fn report_path(period: &str) -> String {
    format!("/api/v1/units/{UNIT}/reports/{period}")
}

/// One writer: round and round its reports, saving a varying number of values (each save
/// carries its own token as every value), submitting full ones and returning them.
async fn writer(
    app: Arc<TestApp>,
    tokens: Arc<Tokens>,
    indicators: Arc<Vec<i64>>,
    periods: Vec<String>,
    observed: Arc<Observed>,
    first_token: i64,
) -> BTreeMap<String, Outcomes> {
    let mut outcomes: BTreeMap<String, Outcomes> = periods
        .iter()
        .map(|p| (p.clone(), BTreeSet::from([None])))
        .collect();
    let mut token = first_token;
    let mut round = 0usize;
    while !observed.stop.load(Ordering::SeqCst) {
        let period = &periods[round % periods.len()];
        round += 1;
        let path = report_path(period);
        let read = app
            .request_with(&tokens.reporter, Method::GET, &path)
            .send()
            .await;
        let etag = read
            .as_ref()
            .ok()
            .and_then(|r| r.headers().get("etag"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, body) = observed.record("get report", read).await;
        let (200, Some(etag)) = (status, etag) else {
            continue;
        };
        if body["status"] == "submitted" {
            let returned = app
                .request_with(&tokens.coordinator, Method::POST, &format!("{path}/return"))
                .header("If-Match", &etag)
                .json(&json!({"reason": "Bổ sung số liệu"}))
                .send()
                .await;
            if observed.record("return", returned).await.0 == 200 {
                observed.wrote();
            }
            continue;
        }
        token += 1;
        let n = 1 + (round * 7 + usize::try_from(first_token).unwrap_or(0)) % INDICATORS;
        let values: Vec<Value> = indicators[..n]
            .iter()
            .map(|id| json!({"indicator_id": id, "value": token}))
            .collect();
        let saved = app
            .request_with(&tokens.reporter, Method::PUT, &path)
            .header("If-Match", &etag)
            .json(&json!({
                "indicator_values": values,
                "narrative": {"achievements": "Đạt", "limitations": "Không",
                              "difficulties": "Không", "proposals": "Không"},
            }))
            .send()
            .await;
        let saved_etag = saved
            .as_ref()
            .ok()
            .and_then(|r| r.headers().get("etag"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, _) = observed.record("save", saved).await;
        let possible = outcomes.get_mut(period).expect("own period");
        match status {
            200 => {
                possible.clear();
                possible.insert(Some((n, token)));
                observed.wrote();
            }
            // The commit may or may not have happened.
            0 | 503 | 504 => {
                possible.insert(Some((n, token)));
            }
            _ => {}
        }
        if let (200, Some(etag), true) = (status, saved_etag, n == INDICATORS) {
            let submitted = app
                .request_with(&tokens.approver, Method::POST, &format!("{path}/submit"))
                .header("If-Match", &etag)
                .json(&json!({"acknowledge_warnings": true}))
                .send()
                .await;
            if observed.record("submit", submitted).await.0 == 200 {
                observed.wrote();
            }
        }
    }
    outcomes
}

/// A reader of the list and of single reports, as dashboards and units do at deadline time.
async fn reader(app: Arc<TestApp>, token: String, observed: Arc<Observed>) {
    let mut round = 0u32;
    while !observed.stop.load(Ordering::SeqCst) {
        round += 1;
        let path = if round % 2 == 0 {
            format!("/api/v1/reports?unit={UNIT}&limit=50")
        } else {
            report_path(&format!("2027-{:02}", 1 + round % 12))
        };
        let response = app.request_with(&token, Method::GET, &path).send().await;
        if observed.record("read", response).await.0 == 200 {
            observed.reads.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn arrange_catalog(app: &TestApp) -> Vec<i64> {
    let actor = Actor::system("faults-test");
    let plan = plans::create(
        &app.store,
        &actor,
        &PlanInput {
            code: "KH-FAULTS".into(),
            title: "Kế hoạch thử sự cố".into(),
            kind: "multi_year".into(),
            first_year: 2027,
            last_year: 2028,
            status: "issued".into(),
            ..PlanInput::default()
        },
    )
    .unwrap();
    (0..INDICATORS)
        .map(|i| {
            items::create::<Indicators>(
                &app.store,
                &actor,
                PlanId(plan.id),
                &IndicatorInput {
                    code: format!("SC-{i}"),
                    name: format!("Chỉ tiêu sự cố {i}"),
                    pillar: "ha_tang_so".into(),
                    measure: "count".into(),
                    direction: "at_least".into(),
                    reporting_units: vec![UNIT.into()],
                    ..IndicatorInput::default()
                },
            )
            .unwrap()
            .stored
            .id
        })
        .collect()
}

/// SQL on the test database (or the server's maintenance database), off the async runtime.
async fn sql(url: String, statements: String) {
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).expect("connect");
        conn.batch_execute(&statements).expect("sql");
    })
    .await
    .unwrap();
}

fn terminate_all(db: &str) -> String {
    format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{db}' AND pid <> pg_backend_pid()"
    )
}

#[derive(QueryableByName)]
struct StoredReport {
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = BigInt)]
    values: i64,
    #[diesel(sql_type = BigInt)]
    distinct_values: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    token: Option<i64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_service_survives_database_faults_without_a_500_or_a_partial_report() {
    let Some(cluster) = tokio::task::spawn_blocking(Cluster::start_new)
        .await
        .unwrap()
    else {
        eprintln!("PostgreSQL server binaries not installed: fault injection skipped");
        return;
    };
    let cluster = Arc::new(cluster);
    let db = TestDb::create_on(cluster.admin_url());
    let db_name = db.pg_name().expect("postgres").to_owned();
    let admin_url = cluster.admin_url();
    let app = Arc::new(
        spawn_app_on(db, |s| {
            // Let `ALTER DATABASE … SET statement_timeout` govern, as an operator would.
            s.statement_timeout_ms = 0;
            s.pool_max_size = 8;
            s.pool_timeout_secs = 2;
        })
        .await,
    );
    let indicators = Arc::new(arrange_catalog(&app));
    let tokens = Arc::new(Tokens {
        reporter: app.token_of(Who::User(Role::UnitReporter)).await.unwrap(),
        approver: app.token_of(Who::User(Role::UnitApprover)).await.unwrap(),
        coordinator: app.token_of(Who::User(Role::Coordinator)).await.unwrap(),
    });
    let observed = Arc::new(Observed::default());

    let periods: Vec<String> = (0..WRITERS * PERIODS_PER_WRITER)
        .map(|i| format!("{}-{:02}", 2027 + i / 12, 1 + i % 12))
        .collect();
    let mut writers = Vec::new();
    for (w, own) in periods.chunks(PERIODS_PER_WRITER).enumerate() {
        writers.push(tokio::spawn(writer(
            app.clone(),
            tokens.clone(),
            indicators.clone(),
            own.to_vec(),
            observed.clone(),
            i64::try_from(w).unwrap() * 1_000_000,
        )));
    }
    let mut reader_handles = Vec::new();
    for who in [Who::User(Role::Viewer), Who::User(Role::Coordinator)] {
        let token = app.token_of(who).await.unwrap();
        reader_handles.push(tokio::spawn(reader(app.clone(), token, observed.clone())));
    }

    // Warm up: the load is flowing.
    wait_until("warm-up writes", Duration::from_secs(30), || {
        observed.writes.load(Ordering::SeqCst) >= 30
    })
    .await;

    // (a) Every backend terminated mid-flight.
    sql(admin_url.clone(), terminate_all(&db_name)).await;
    let terminated = Instant::now();
    let recovery_a = recovery_after(&observed, terminated, 20, "writes after terminate").await;
    assert!(
        recovery_a < RECOVERY_LIMIT,
        "served again {recovery_a:?} after the backends were terminated"
    );

    // (b) The server stopped fast, and kept down until requests are refused with 503.
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop_fast())
        .await
        .unwrap();
    let refused_before = observed.count(503);
    wait_until(
        "503 while the database is down",
        Duration::from_secs(20),
        || observed.count(503) >= refused_before + 4,
    )
    .await;

    // (c) Started again: DTI Hub serves within 2 s of the database accepting connections.
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start())
        .await
        .unwrap();
    let accepting = Instant::now();
    let recovery_c = recovery_after(&observed, accepting, 20, "writes after restart").await;
    assert!(
        recovery_c < RECOVERY_LIMIT,
        "served again {recovery_c:?} after the database accepted connections"
    );

    // (d) A tiny statement_timeout while a lock holds the reports back: every statement on
    // them is cancelled (57014), which must read 504 + Retry-After.
    sql(
        admin_url.clone(),
        format!(
            "ALTER DATABASE {db_name} SET statement_timeout = '20ms'; {}",
            terminate_all(&db_name)
        ),
    )
    .await;
    let db_url = app.db.url().to_owned();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&db_url).expect("connect");
        conn.batch_execute(
            "SET statement_timeout = 0; BEGIN; LOCK TABLE reports IN ACCESS EXCLUSIVE MODE",
        )
        .expect("lock");
        locked_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        conn.batch_execute("COMMIT").expect("unlock");
    });
    tokio::task::spawn_blocking(move || locked_rx.recv().unwrap())
        .await
        .unwrap();
    let timeouts_before = observed.count(504);
    wait_until(
        "504 under the tiny statement_timeout",
        Duration::from_secs(20),
        || observed.count(504) >= timeouts_before + 6,
    )
    .await;
    release_tx.send(()).unwrap();
    holder.await.unwrap();
    sql(
        admin_url.clone(),
        format!(
            "ALTER DATABASE {db_name} RESET statement_timeout; {}",
            terminate_all(&db_name)
        ),
    )
    .await;
    let reset = Instant::now();
    let recovery_d = recovery_after(&observed, reset, 20, "writes after the timeout").await;
    assert!(
        recovery_d < RECOVERY_LIMIT,
        "served again {recovery_d:?} after the reset"
    );

    observed.stop.store(true, Ordering::SeqCst);
    let mut expected: BTreeMap<String, Outcomes> = BTreeMap::new();
    for w in writers {
        expected.extend(w.await.unwrap());
    }
    for r in reader_handles {
        r.await.unwrap();
    }

    let violations = observed.violations.lock().unwrap().clone();
    let statuses = observed.statuses.lock().unwrap().clone();
    eprintln!(
        "faults: statuses {statuses:?}; recovery after terminate {recovery_a:?}, \
         restart {recovery_c:?}, timeout reset {recovery_d:?}"
    );
    assert!(
        violations.is_empty(),
        "{} violations, the first: {:#?}",
        violations.len(),
        &violations[..violations.len().min(5)]
    );
    assert!(
        statuses.get(&503).is_some_and(|n| *n > 0),
        "no 503 seen: {statuses:?}"
    );
    assert!(
        statuses.get(&504).is_some_and(|n| *n > 0),
        "no 504 seen: {statuses:?}"
    );

    // Every report holds the whole of one save that may have committed, or nothing.
    let url = app.db.url().to_owned();
    let stored: Vec<StoredReport> = tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).expect("connect");
        diesel::sql_query(format!(
            "SELECT r.period, count(v.report_id) AS values, \
                    count(DISTINCT v.value) AS distinct_values, max(v.value)::bigint AS token \
             FROM reports r LEFT JOIN report_indicator_values v ON v.report_id = r.id \
             WHERE r.unit_code = '{UNIT}' AND r.period >= '2027' GROUP BY r.period"
        ))
        .load(&mut conn)
        .expect("stored reports")
    })
    .await
    .unwrap();
    let stored: BTreeMap<String, StoredReport> =
        stored.into_iter().map(|r| (r.period.clone(), r)).collect();
    assert!(
        stored.keys().all(|p| expected.contains_key(p)),
        "{:?}",
        stored.keys()
    );
    for (period, possible) in &expected {
        let found = stored.get(period).map(|r| {
            assert!(r.distinct_values <= 1, "{period} mixes saves");
            (
                usize::try_from(r.values).unwrap(),
                r.token.unwrap_or_default(),
            )
        });
        assert!(
            possible.contains(&found),
            "report {period} holds {found:?}, which no request sent whole; possible: {possible:?}"
        );
    }
    assert!(
        stored.len() == expected.len(),
        "every report was written at least once: {} of {}",
        stored.len(),
        expected.len()
    );
}

/// A transaction that loses a serialization race is run again by the store, and succeeds;
/// the client never sees the race. (PostgreSQL only: SQLite serialises writers.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serialization_failures_are_retried_by_the_store() {
    use std::sync::atomic::AtomicU32;
    use std::sync::Barrier;

    let db = TestDb::create();
    let Some(_) = db.pg_name() else {
        eprintln!("SQLite serialises writers: no serialization failure to retry");
        return;
    };
    let app = spawn_app_on(db, |_| {}).await;
    let url = app.db.url().to_owned();
    let store = app.store.clone();
    let attempts = Arc::new(AtomicU32::new(0));
    let (a_read, b_committed) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let outcome = tokio::task::spawn_blocking({
        let (attempts, a_read, b_committed) =
            (attempts.clone(), a_read.clone(), b_committed.clone());
        move || {
            let mut setup = PgConnection::establish(&url).unwrap();
            setup
                .batch_execute("CREATE TABLE race (k INTEGER NOT NULL)")
                .unwrap();
            let (rival_read, rival_committed) = (a_read.clone(), b_committed.clone());
            let rival = std::thread::spawn(move || {
                let (a_read, b_committed) = (rival_read, rival_committed);
                let mut conn = PgConnection::establish(&url).unwrap();
                conn.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT sum(k) FROM race")
                    .unwrap();
                a_read.wait();
                conn.batch_execute("INSERT INTO race VALUES (2); COMMIT")
                    .unwrap();
                b_committed.wait();
            });
            let result = store.transaction(|conn| {
                let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                conn.batch_execute(
                    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; SELECT sum(k) FROM race",
                )?;
                if attempt == 1 {
                    // Both have read; the rival writes and commits first.
                    a_read.wait();
                    b_committed.wait();
                }
                conn.batch_execute("INSERT INTO race VALUES (1)")?;
                Ok(())
            });
            rival.join().unwrap();
            let rows: Vec<StoredCount> = diesel::sql_query("SELECT count(*) AS n FROM race")
                .load(&mut setup)
                .unwrap();
            (result, rows[0].n)
        }
    })
    .await
    .unwrap();
    let (result, rows) = outcome;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        2,
        "lost once, then retried"
    );
    assert_eq!(rows, 2, "both inserts stand, once each");
}

#[derive(QueryableByName)]
struct StoredCount {
    #[diesel(sql_type = BigInt)]
    n: i64,
}
