//! `dtihub upload` (the library behind the subcommand) against a scripted import endpoint:
//! the token exchange, the derived idempotency key, retries that honour `Retry-After`, the
//! streamed body, jobs answered with 202, the error table and the exit code.
//!
//! A scripted server lets the test decide when the server is busy; the last test runs the
//! uploader against the real import endpoint.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use dtihub::upload::{self, Credentials, Mode, UploadOptions, EXIT_REJECTED};
use serde_json::{json, Value};

/// One request the scripted server received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, extra headers, JSON body.
type Scripted = (u16, Vec<(&'static str, String)>, Value);

#[derive(Default)]
struct Script {
    seen: Vec<Seen>,
    imports: VecDeque<Scripted>,
    jobs: VecDeque<Scripted>,
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    script: web::Data<Mutex<Script>>,
) -> HttpResponse {
    let mut s = script.lock().unwrap();
    s.seen.push(Seen {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
    });
    let answer = match (req.method().as_str(), req.path()) {
        ("POST", "/api/v1/auth/token") => {
            let form = String::from_utf8_lossy(&body).into_owned();
            if form.contains("client_secret=right") {
                (
                    200,
                    vec![],
                    json!({"access_token": "tok-1", "token_type": "Bearer"}),
                )
            } else {
                (401, vec![], json!({"error": "invalid_client"}))
            }
        }
        ("POST", "/api/v1/imports") => s.imports.pop_front().unwrap_or((500, vec![], json!({}))),
        ("GET", p) if p.starts_with("/api/v1/imports/") => {
            s.jobs.pop_front().unwrap_or((500, vec![], json!({})))
        }
        _ => (404, vec![], json!({"code": "route_not_found"})),
    };
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(answer.0).unwrap());
    for (name, value) in answer.1 {
        response.insert_header((name, value));
    }
    response.json(answer.2)
}

async fn scripted(script: Script) -> (String, Arc<web::Data<Mutex<Script>>>) {
    let data = web::Data::new(Mutex::new(script));
    let shared = data.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .default_service(web::to(handle))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}"), Arc::new(data))
}

fn options(server: &str, file: &Path) -> UploadOptions {
    UploadOptions {
        file: file.to_owned(),
        server: server.to_owned(),
        credentials: Credentials::Client {
            id: "cl_lgsp".into(),
            secret: "right".into(),
        },
        dry_run: false,
        mode: Mode::Atomic,
        attempts: 5,
        initial_backoff: Duration::from_millis(20),
        progress: false,
    }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A CSV large enough to go out in many chunks.
fn csv(rows: usize) -> Vec<u8> {
    let mut text = String::from("unit,period,indicator,value\n");
    for i in 0..rows {
        text.push_str(&format!("XA-{:05},2026-10,CT-{},{}\n", i % 100, i % 7, i));
    }
    text.into_bytes()
}

fn summary(rejected: u64, errors: Value) -> Value {
    json!({"status": if rejected > 0 { "rejected" } else { "completed" },
           "imported": 3, "updated": 1, "ignored": 2, "rejected": rejected, "errors": errors})
}

#[tokio::test]
async fn retries_busy_answers_with_the_same_key_and_streams_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = csv(20_000);
    let file = write_file(dir.path(), "values.csv", &bytes);
    let errors = json!([
        {"row": 7, "column": "value", "code": "not_a_number", "message": "Giá trị phải là số.", "value": "abc"},
        {"row": 9, "column": "unit", "code": "unknown_unit", "message": "Không có đơn vị này.", "value": "XA-KHONG"},
    ]);
    let (server, script) = scripted(Script {
        imports: VecDeque::from([
            (
                503,
                vec![("Retry-After", "1".to_owned())],
                json!({"code": "database_unavailable"}),
            ),
            (429, vec![], json!({"code": "too_many_requests"})),
            (200, vec![], summary(2, errors)),
        ]),
        ..Script::default()
    })
    .await;
    let started = Instant::now();
    let outcome = upload::upload(&options(&server, &file)).await.unwrap();
    assert_eq!(outcome.attempts, 3);
    assert_eq!(outcome.summary.rejected, 2);
    assert_eq!(outcome.exit_code(), EXIT_REJECTED);

    let seen = script.lock().unwrap().seen.clone();
    let token_requests: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path == "/api/v1/auth/token")
        .collect();
    assert_eq!(token_requests.len(), 1);
    let form = String::from_utf8_lossy(&token_requests[0].body).into_owned();
    assert!(form.contains("grant_type=client_credentials"), "{form}");
    assert!(form.contains("client_id=cl_lgsp"), "{form}");
    let uploads: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path == "/api/v1/imports")
        .collect();
    assert_eq!(uploads.len(), 3);
    for u in &uploads {
        assert_eq!(u.method, "POST");
        assert_eq!(u.query, "dry_run=false&mode=atomic");
        assert_eq!(u.header("authorization"), Some("Bearer tok-1"));
        assert_eq!(u.header("content-type"), Some("text/csv"));
        assert_eq!(u.body, bytes, "every attempt sends the whole file");
        assert_eq!(
            u.header("idempotency-key"),
            Some(outcome.idempotency_key.as_str())
        );
    }
    // Retry-After: 1 was honoured before the second attempt; the 429 (no Retry-After) waited
    // the initial backoff doubled.
    assert!(uploads[1].at - uploads[0].at >= Duration::from_millis(950));
    assert!(uploads[2].at - uploads[1].at >= Duration::from_millis(40));
    assert!(started.elapsed() < Duration::from_secs(20));

    // The table names every rejected row with its column, code, message and value.
    let table = upload::report(&outcome);
    assert!(table.contains("rejected: 2"), "{table}");
    for needle in [
        "row",
        "column",
        "code",
        "message",
        "value",
        "not_a_number",
        "Giá trị phải là số.",
        "abc",
        "unknown_unit",
        "XA-KHONG",
    ] {
        assert!(table.contains(needle), "{needle} missing from\n{table}");
    }
    let lines: Vec<&str> = table.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("row")).unwrap();
    assert!(lines[header + 2].starts_with('7'));
    assert!(lines[header + 3].starts_with('9'));
    assert_eq!(lines.len(), header + 4);
}

#[tokio::test]
async fn an_atomic_rejection_answered_as_a_problem_still_gives_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "values.csv", b"kind,unit,period,item,value\n");
    let mut problem = summary(
        1,
        json!([{"row": 2, "column": "value", "code": "not_a_number", "message": "Giá trị phải là số.",
                "value": "abc", "in": "body", "pointer": "/rows/2/value"}]),
    );
    problem["status"] = json!(422);
    problem["code"] = json!("import_rejected");
    problem["type"] = json!("urn:dtihub:problem:import_rejected");
    let (server, _) = scripted(Script {
        imports: VecDeque::from([(422, vec![], problem)]),
        ..Script::default()
    })
    .await;
    let outcome = upload::upload(&options(&server, &file)).await.unwrap();
    assert_eq!(outcome.summary.status, "import_rejected");
    assert_eq!(outcome.summary.rejected, 1);
    assert_eq!(outcome.exit_code(), EXIT_REJECTED);
    assert!(upload::report(&outcome).contains("not_a_number"));
    // A 422 without a summary (a reused key with another body) is a failure.
    let (server, _) = scripted(Script {
        imports: VecDeque::from([(
            422,
            vec![],
            json!({"status": 422, "code": "idempotency_key_reused", "errors": []}),
        )]),
        ..Script::default()
    })
    .await;
    let error = upload::upload(&options(&server, &file)).await.unwrap_err();
    assert!(
        format!("{error:#}").contains("idempotency_key_reused"),
        "{error:#}"
    );
}

#[tokio::test]
async fn the_key_follows_the_content_and_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_file(dir.path(), "a.csv", b"unit,period\nXA-1,2026-10\n");
    let same = write_file(dir.path(), "b.csv", b"unit,period\nXA-1,2026-10\n");
    let other = write_file(dir.path(), "c.csv", b"unit,period\nXA-2,2026-10\n");
    let json_file = write_file(dir.path(), "a.json", b"unit,period\nXA-1,2026-10\n");
    let hidden = indicatif::ProgressBar::hidden();
    let key = |path: &Path, mode: Mode, dry: bool| {
        upload::idempotency_key(path, mode, dry, &hidden).unwrap()
    };
    let base = key(&a, Mode::Atomic, false);
    assert_eq!(base, key(&a, Mode::Atomic, false));
    assert_eq!(
        base,
        key(&same, Mode::Atomic, false),
        "the name does not matter"
    );
    let variants = [
        key(&other, Mode::Atomic, false),
        key(&a, Mode::Partial, false),
        key(&a, Mode::Atomic, true),
        key(&json_file, Mode::Atomic, false),
    ];
    for v in &variants {
        assert_ne!(*v, base);
    }
    assert!(base.len() <= 255 && base.is_ascii());
    assert!(upload::content_type(Path::new("x.txt")).is_err());
    assert_eq!(
        upload::content_type(Path::new("X.XLSX")).unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
}

#[tokio::test]
async fn a_job_is_followed_until_it_has_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "values.json", br#"[{"unit":"XA-1"}]"#);
    let (server, script) = scripted(Script {
        imports: VecDeque::from([(
            202,
            vec![("Location", "/api/v1/imports/job-7".to_owned())],
            json!({"id": "job-7", "status": "running"}),
        )]),
        jobs: VecDeque::from([
            (
                200,
                vec![("Retry-After", "0".to_owned())],
                json!({"id": "job-7", "status": "running"}),
            ),
            (
                503,
                vec![("Retry-After", "0".to_owned())],
                json!({"code": "database_unavailable"}),
            ),
            (
                200,
                vec![],
                json!({"id": "job-7", "status": "completed", "summary": summary(0, json!([]))}),
            ),
        ]),
        ..Script::default()
    })
    .await;
    let mut opts = options(&server, &file);
    opts.credentials = Credentials::Token("tok-given".into());
    opts.mode = Mode::Partial;
    opts.dry_run = true;
    let outcome = upload::upload(&opts).await.unwrap();
    assert_eq!(outcome.summary.status, "completed");
    assert_eq!(outcome.summary.imported, 3);
    assert_eq!(outcome.exit_code(), 0);
    let seen = script.lock().unwrap().seen.clone();
    assert!(
        seen.iter().all(|s| s.path != "/api/v1/auth/token"),
        "a given token is used as is"
    );
    let post = seen.iter().find(|s| s.path == "/api/v1/imports").unwrap();
    assert_eq!(post.query, "dry_run=true&mode=partial");
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(post.header("authorization"), Some("Bearer tok-given"));
    let polls = seen
        .iter()
        .filter(|s| s.path == "/api/v1/imports/job-7")
        .count();
    assert_eq!(polls, 3);
}

#[tokio::test]
async fn refusals_are_errors_not_retries() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "values.csv", b"unit\n");
    let (server, script) = scripted(Script {
        imports: VecDeque::from([(
            403,
            vec![],
            json!({"code": "forbidden", "detail": "Không có quyền."}),
        )]),
        ..Script::default()
    })
    .await;
    let error = upload::upload(&options(&server, &file)).await.unwrap_err();
    assert!(format!("{error:#}").contains("forbidden"), "{error:#}");
    let mut wrong = options(&server, &file);
    wrong.credentials = Credentials::Client {
        id: "cl_lgsp".into(),
        secret: "wrong".into(),
    };
    let error = upload::upload(&wrong).await.unwrap_err();
    assert!(format!("{error:#}").contains("invalid_client"), "{error:#}");
    let seen = script.lock().unwrap().seen.clone();
    assert_eq!(
        seen.iter().filter(|s| s.path == "/api/v1/imports").count(),
        1
    );
    // Busy to the last attempt: the uploader gives up with the last answer.
    let (server, _) = scripted(Script {
        imports: VecDeque::from(vec![
            (
                503,
                vec![("Retry-After", "0".to_owned())],
                json!({"code": "database_unavailable"})
            );
            5
        ]),
        ..Script::default()
    })
    .await;
    let error = upload::upload(&options(&server, &file)).await.unwrap_err();
    assert!(format!("{error:#}").contains("503"), "{error:#}");
}

/// The real import endpoint, through the uploader: atomic rejection writes nothing, partial
/// writes the good rows, a rerun is a replay, and the import's writes reach the change feed
/// as a save's would.
#[tokio::test]
async fn the_uploader_against_the_real_import_endpoint() {
    use crate::support::{spawn_app, Role, Who};
    use reqwest::Method;
    let app = spawn_app().await;
    let actor = dtihub_service::Actor::system("upload-test");
    let plan = dtihub_service::catalog::plans::create(
        &app.store,
        &actor,
        &dtihub_domain::catalog::plan::PlanInput {
            code: "KH-UPLOAD".into(),
            title: "Kế hoạch thử tải lên".into(),
            kind: "multi_year".into(),
            first_year: 2025,
            last_year: 2026,
            status: "issued".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let mut ids = Vec::new();
    for code in ["TL-1", "TL-2"] {
        ids.push(
            dtihub_service::catalog::items::create::<dtihub_service::catalog::Indicators>(
                &app.store,
                &actor,
                dtihub_domain::catalog::PlanId(plan.id),
                &dtihub_domain::catalog::indicator::IndicatorInput {
                    code: code.into(),
                    name: format!("Chỉ tiêu {code}"),
                    pillar: "ha_tang_so".into(),
                    measure: "count".into(),
                    direction: "at_least".into(),
                    reporting_units: vec!["XA-TRAM-CHIM".into(), "XA-MY-QUI".into()],
                    ..Default::default()
                },
            )
            .unwrap()
            .stored
            .id,
        );
    }
    let created = app
        .request_as(Who::User(Role::Admin), Method::POST, "/api/v1/clients")
        .await
        .json(&json!({"name": "Tải lên thử", "unit": "XA-TRAM-CHIM",
                      "scopes": ["reports:read", "imports:write"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let credentials = Credentials::Client {
        id: created["client"]["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().unwrap().to_owned(),
    };
    let period = "2026-10";
    let dir = tempfile::tempdir().unwrap();
    // Row 4 names another commune: a commune-bound client may not write it.
    let file = write_file(
        dir.path(),
        "values.csv",
        format!(
            "kind,unit,period,item,value\n\
             indicator_values,XA-TRAM-CHIM,{period},TL-1,5\n\
             indicator_values,XA-TRAM-CHIM,{period},TL-2,7\n\
             indicator_values,XA-MY-QUI,{period},TL-1,9\n"
        )
        .as_bytes(),
    );
    let mut opts = options(&app.address, &file);
    opts.credentials = credentials;

    let atomic = upload::upload(&opts).await.unwrap();
    assert_eq!(atomic.summary.rejected, 1, "{:?}", atomic.summary);
    assert_eq!(atomic.exit_code(), EXIT_REJECTED);
    assert_eq!(atomic.summary.errors.len(), 1);
    assert_eq!(atomic.summary.errors[0].row, Some(json!(4)));
    assert_eq!(atomic.summary.errors[0].column.as_deref(), Some("unit"));
    assert!(upload::report(&atomic).contains("XA-MY-QUI"));
    assert_eq!(
        stored_report(&app, period).await["version"],
        0,
        "atomic: nothing written"
    );

    opts.mode = Mode::Partial;
    let partial = upload::upload(&opts).await.unwrap();
    assert_eq!(
        (partial.summary.imported, partial.summary.rejected),
        (2, 1),
        "{:?}",
        partial.summary
    );
    assert_eq!(partial.exit_code(), EXIT_REJECTED);
    assert_ne!(partial.idempotency_key, atomic.idempotency_key);
    let stored = stored_report(&app, period).await;
    assert_eq!(stored["version"], 1);
    let values: Vec<(i64, f64)> = stored["indicator_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["indicator_id"].as_i64().unwrap(),
                v["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(values, vec![(ids[0], 5.0), (ids[1], 7.0)]);

    // The same upload again: the stored answer, nothing applied twice.
    let replay = upload::upload(&opts).await.unwrap();
    assert_eq!(replay.summary, partial.summary);
    assert_eq!(replay.idempotency_key, partial.idempotency_key);
    assert_eq!(stored_report(&app, period).await["version"], 1);

    // The feed has the import as a save with its two values.
    let coordinator = app.token_for(Role::Coordinator).await;
    let feed: Value = app
        .request_with(&coordinator, Method::GET, "/api/v1/changes?limit=1000")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entity = format!("XA-TRAM-CHIM/{period}");
    let mine: Vec<(String, String)> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["unit"] == "XA-TRAM-CHIM" && e["period"] == period)
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["entity_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        mine,
        vec![
            ("report.saved".to_owned(), entity.clone()),
            (
                "indicator_value.changed".to_owned(),
                format!("{entity}/{}", ids[0])
            ),
            (
                "indicator_value.changed".to_owned(),
                format!("{entity}/{}", ids[1])
            ),
        ]
    );
}

async fn stored_report(app: &crate::support::TestApp, period: &str) -> Value {
    let path = format!("/api/v1/units/XA-TRAM-CHIM/reports/{period}");
    let response = app.get_as(crate::support::Role::Coordinator, &path).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}
