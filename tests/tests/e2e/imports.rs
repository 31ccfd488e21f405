//! Bulk imports over HTTP: a 10,000-row upload for 100 units, re-imports counted as ignored,
//! atomic and partial modes, dry runs, idempotency keys (replay, mismatch, concurrency), the
//! commune-bound client's limits, the three formats agreeing, malformed input, and (on
//! PostgreSQL) the database killed in the middle of an import.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use dtihub_domain::catalog::indicator::IndicatorInput;
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::PlanId;
use dtihub_service::catalog::items;
use dtihub_service::catalog::{plans, Indicators};
use dtihub_service::imports::template::{render, TemplateFormat};
use dtihub_service::units::{self, NewUnitInput};
use dtihub_service::{Actor, Store};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, spawn_app_with, TestApp, Who};

/// A period that has begun (its data window opened before today) and is still open.
const PERIOD: &str = "2026-11";
const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The units and indicator codes a test imports into.
struct World {
    units: Vec<String>,
    indicators: Vec<String>,
}

fn arrange(store: &Store, units: usize, indicators: usize, extra_units: &[&str]) -> World {
    let actor = Actor::system("imports-test");
    let mut codes: Vec<String> = (0..units).map(|i| format!("XA-NHAP-{i:03}")).collect();
    for code in &codes {
        units::create(
            store,
            &actor,
            &NewUnitInput {
                code: code.clone(),
                name: format!("Xã nhập {code}"),
                kind: "commune".into(),
                parent: None,
                official_code: None,
                valid_from: "2025-07-01".into(),
            },
        )
        .unwrap();
    }
    codes.extend(extra_units.iter().map(|u| (*u).to_owned()));
    let plan = plans::create(
        store,
        &actor,
        &PlanInput {
            code: "KH-NHAP".into(),
            title: "Kế hoạch thử nhập liệu".into(),
            kind: "multi_year".into(),
            first_year: 2025,
            last_year: 2026,
            status: "issued".into(),
            ..PlanInput::default()
        },
    )
    .unwrap();
    let plan = PlanId(plan.id);
    let indicator_codes: Vec<String> = (0..indicators).map(|i| format!("NL-{i:03}")).collect();
    for code in &indicator_codes {
        items::create::<Indicators>(
            store,
            &actor,
            plan,
            &IndicatorInput {
                code: code.clone(),
                name: format!("Chỉ tiêu {code}"),
                pillar: "ha_tang_so".into(),
                measure: "count".into(),
                direction: "at_least".into(),
                reporting_units: codes.clone(),
                ..IndicatorInput::default()
            },
        )
        .unwrap();
    }
    World {
        units: codes,
        indicators: indicator_codes,
    }
}

/// The value a test writes for a unit and indicator (any deterministic whole number).
fn value_for(unit: usize, indicator: usize, salt: u64) -> u64 {
    (unit as u64 * 7919 + indicator as u64 * 104_729 + salt * 31) % 100_000
}

fn csv_of(rows: &[[String; 5]]) -> String {
    let mut out = String::from("kind,unit,period,item,value\n");
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}

fn grid(world: &World, salt: u64) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for (u, unit) in world.units.iter().enumerate() {
        for (i, ind) in world.indicators.iter().enumerate() {
            rows.push([
                "indicator_values".into(),
                unit.clone(),
                PERIOD.into(),
                ind.clone(),
                value_for(u, i, salt).to_string(),
            ]);
        }
    }
    rows
}

/// An unbound machine client with `imports:write` (as an LGSP system has); returns its token.
async fn lgsp_token(app: &TestApp) -> String {
    let response = app
        .request_as(
            Who::User(dtihub_domain::access::Role::Admin),
            Method::POST,
            "/api/v1/clients",
        )
        .await
        .json(&json!({"name": "LGSP tỉnh", "scopes": ["imports:write", "reports:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    let token = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", body["client"]["client_id"].as_str().unwrap()),
            ("client_secret", body["client_secret"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(token.status(), 200);
    json(token).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn upload(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
    key: Option<&str>,
) -> Response {
    let mut r = app
        .request_with(token, Method::POST, &format!("/api/v1/imports{query}"))
        .header("content-type", content_type);
    if let Some(k) = key {
        r = r.header("idempotency-key", k);
    }
    r.body(body).send().await.unwrap()
}

/// The stored indicator values of a unit's report for [`PERIOD`], by indicator id, and its
/// version (0 when not started).
async fn stored(app: &TestApp, token: &str, unit: &str) -> (i64, BTreeMap<i64, Value>) {
    let response = app
        .request_with(
            token,
            Method::GET,
            &format!("/api/v1/units/{unit}/reports/{PERIOD}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let values = body["indicator_values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|_| body["version"] != 0)
        .map(|v| (v["indicator_id"].as_i64().unwrap(), v["value"].clone()))
        .collect();
    (body["version"].as_i64().unwrap(), values)
}

/// Every stored value of every unit, as (unit, indicator id) → value.
async fn snapshot(app: &TestApp, token: &str, world: &World) -> BTreeMap<(String, i64), Value> {
    let mut out = BTreeMap::new();
    for unit in &world.units {
        for (id, v) in stored(app, token, unit).await.1 {
            out.insert((unit.clone(), id), v);
        }
    }
    out
}

fn summary(body: &Value) -> Value {
    json!({
        "imported": body["imported"], "updated": body["updated"], "ignored": body["ignored"],
        "rejected": body["rejected"], "errors": body["errors"],
        "status": if body["status"].is_string() { body["status"].clone() } else { json!("rejected") },
    })
}

#[tokio::test]
async fn ten_thousand_rows_for_a_hundred_units_import_and_a_second_time_are_ignored() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 100, 100, &[]);
    let token = lgsp_token(&app).await;
    let rows = grid(&world, 1);
    assert_eq!(rows.len(), 10_000);
    let body = csv_of(&rows).into_bytes();
    let started = std::time::Instant::now();
    let response = upload(&app, &token, "", CSV, body.clone(), None).await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 200);
    let first = json(response).await;
    assert_eq!(first["status"], "completed", "{first}");
    assert_eq!(first["imported"], 10_000);
    assert_eq!(
        (first["updated"].as_u64(), first["ignored"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(elapsed.as_secs() < 30, "10,000 rows took {elapsed:?}");
    eprintln!("import of 10,000 rows for 100 units: {elapsed:?}");
    // Every value landed where its row said.
    let index: BTreeMap<&str, usize> = world
        .indicators
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let ids = indicator_ids(&app, &token, &world).await;
    let after = snapshot(&app, &token, &world).await;
    assert_eq!(after.len(), 10_000);
    for (u, unit) in world.units.iter().enumerate() {
        for code in &world.indicators {
            let want = value_for(u, index[code.as_str()], 1) as f64;
            assert_eq!(after[&(unit.clone(), ids[code])], json!(want));
        }
    }
    // The same file again changes nothing.
    let response = upload(&app, &token, "", CSV, body, None).await;
    let second = json(response).await;
    assert_eq!(second["ignored"], 10_000, "{second}");
    assert_eq!(
        (second["imported"].as_u64(), second["updated"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(stored(&app, &token, &world.units[0]).await.0, 1);
    // Changing one unit's values bumps its version once and counts them updated.
    let mut changed = grid(&world, 1);
    for r in changed.iter_mut().take(100) {
        r[4] = (r[4].parse::<u64>().unwrap() + 1).to_string();
    }
    let third =
        json(upload(&app, &token, "", CSV, csv_of(&changed).into_bytes(), None).await).await;
    assert_eq!(
        (third["updated"].as_u64(), third["ignored"].as_u64()),
        (Some(100), Some(9_900))
    );
    assert_eq!(stored(&app, &token, &world.units[0]).await.0, 2);
    assert_eq!(stored(&app, &token, &world.units[1]).await.0, 1);
}

/// Indicator ids by code, from the catalog.
async fn indicator_ids(app: &TestApp, token: &str, world: &World) -> BTreeMap<String, i64> {
    let response = app
        .request_with(
            token,
            Method::GET,
            &format!("/api/v1/imports/templates/indicator_values.csv?period={PERIOD}&id_scheme=id"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let by_id = response.text().await.unwrap();
    let response = app
        .request_with(
            token,
            Method::GET,
            &format!("/api/v1/imports/templates/indicator_values.csv?period={PERIOD}"),
        )
        .send()
        .await
        .unwrap();
    let by_code = response.text().await.unwrap();
    let mut out = BTreeMap::new();
    for (a, b) in by_id.lines().zip(by_code.lines()).skip(1) {
        let id: i64 = a.split(',').nth(3).unwrap().parse().unwrap();
        let code = b.split(',').nth(3).unwrap().to_owned();
        if world.indicators.contains(&code) {
            out.insert(code, id);
        }
    }
    assert_eq!(out.len(), world.indicators.len());
    out
}

/// A file of good rows with bad rows among them, and the (row, column, code) each bad row
/// must be reported with.
fn mixed(world: &World) -> (String, Vec<(u64, &'static str, &'static str)>, usize) {
    let mut rows: Vec<[String; 5]> = grid(world, 3);
    let good = rows.len();
    let bad: Vec<([&str; 5], &'static str, &'static str)> = vec![
        (
            ["indicator_values", "XA-KHONG-CO", PERIOD, "NL-000", "1"],
            "unit",
            "unknown_unit",
        ),
        (
            ["indicator_values", "XA-NHAP-000", PERIOD, "NL-000", "abc"],
            "value",
            "invalid_number",
        ),
        (
            ["indicator_values", "XA-NHAP-001", PERIOD, "NL-001", "NaN"],
            "value",
            "invalid_number",
        ),
        (
            ["indicator_values", "XA-NHAP-001", PERIOD, "NL-002", "inf"],
            "value",
            "invalid_number",
        ),
        (
            ["indicator_values", "XA-NHAP-002", PERIOD, "NL-001", "1e400"],
            "value",
            "invalid_number",
        ),
        (
            ["indicator_values", "XA-NHAP-002", PERIOD, "NL-002", "-4"],
            "value",
            "negative_value",
        ),
        (
            ["indicator_values", "XA-NHAP-002", PERIOD, "NL-000", "2.5"],
            "value",
            "not_whole_number",
        ),
        (
            ["indicator_values", "XA-NHAP-003", "2026-13", "NL-000", "1"],
            "period",
            "invalid_period",
        ),
        (
            ["indicator_values", "XA-NHAP-003", "2027-06", "NL-000", "1"],
            "period",
            "period_not_open",
        ),
        (
            ["indicator_values", "XA-NHAP-003", PERIOD, "KHONG-CO", "1"],
            "item",
            "unknown_item",
        ),
        (
            ["chi_tieu", "XA-NHAP-003", PERIOD, "NL-000", "1"],
            "kind",
            "invalid_enum",
        ),
    ];
    let mut expected = Vec::new();
    // Bad rows go between the good ones: the duplicates of good rows must come after them.
    let mut out: Vec<[String; 5]> = Vec::new();
    for (i, r) in rows.drain(..).enumerate() {
        out.push(r);
        if let Some((b, col, code)) = bad.get(i) {
            out.push(b.map(str::to_owned));
            expected.push(((out.len() + 1) as u64, *col, *code));
        }
    }
    // A repeated row is reported against the first.
    let dup = out[0].clone();
    out.push(dup);
    expected.push(((out.len() + 1) as u64, "item", "duplicate_row"));
    (csv_of(&out), expected, good)
}

fn assert_errors(body: &Value, expected: &[(u64, &str, &str)]) {
    let got: Vec<(u64, String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(u64, String, String)> = expected
        .iter()
        .map(|(r, c, k)| (*r, (*c).to_owned(), (*k).to_owned()))
        .collect();
    assert_eq!(got, want, "{body}");
    assert_eq!(body["rejected"], expected.len());
}

#[tokio::test]
async fn atomic_writes_nothing_partial_writes_the_good_rows_and_dry_runs_match() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 5, 4, &[]);
    let token = lgsp_token(&app).await;
    let (file, expected, good) = mixed(&world);
    let before = snapshot(&app, &token, &world).await;
    assert!(before.is_empty());

    let dry = upload(
        &app,
        &token,
        "?dry_run=true",
        CSV,
        file.clone().into_bytes(),
        None,
    )
    .await;
    let dry = assert_problem(dry, 422, "import_rejected").await;
    assert_errors(&dry, &expected);
    let atomic = upload(&app, &token, "", CSV, file.clone().into_bytes(), None).await;
    let atomic = assert_problem(atomic, 422, "import_rejected").await;
    assert_errors(&atomic, &expected);
    assert_eq!(summary(&dry), summary(&atomic));
    assert_eq!(atomic["imported"], 0);
    assert!(snapshot(&app, &token, &world).await.is_empty());

    let dry = upload(
        &app,
        &token,
        "?mode=partial&dry_run=true",
        CSV,
        file.clone().into_bytes(),
        None,
    )
    .await;
    assert_eq!(dry.status(), 200);
    let dry = json(dry).await;
    assert_eq!(dry["dry_run"], true);
    assert!(dry["id"].is_null());
    assert!(snapshot(&app, &token, &world).await.is_empty());
    let real =
        json(upload(&app, &token, "?mode=partial", CSV, file.into_bytes(), None).await).await;
    assert_eq!(real["status"], "partial");
    assert_eq!(real["imported"], good);
    assert_errors(&real, &expected);
    assert_eq!(summary(&dry), summary(&real));
    // Exactly the good rows were written.
    let after = snapshot(&app, &token, &world).await;
    assert_eq!(after.len(), good);
    let ids = indicator_ids(&app, &token, &world).await;
    for (u, unit) in world.units.iter().enumerate() {
        for (i, code) in world.indicators.iter().enumerate() {
            assert_eq!(
                after[&(unit.clone(), ids[code])],
                json!(value_for(u, i, 3) as f64)
            );
        }
    }
    // The record of the import answers the same summary.
    let id = real["id"].as_str().unwrap();
    let record = app
        .request_with(&token, Method::GET, &format!("/api/v1/imports/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(record.status(), 200);
    assert_eq!(summary(&json(record).await), summary(&real));
    // In English on request.
    let en = app
        .request_with(&token, Method::POST, "/api/v1/imports?dry_run=true")
        .header("content-type", CSV)
        .header("accept-language", "en")
        .body("kind,unit,period,item,value\nindicator_values,XA-NHAP-000,2026-11,NL-000,-1\n")
        .send()
        .await
        .unwrap();
    let en = json(en).await;
    assert_eq!(en["errors"][0]["message"], "Must not be negative.", "{en}");
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_other_bodies_and_refuse_concurrent_requests() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 10, 10, &[]);
    let token = lgsp_token(&app).await;
    let body = csv_of(&grid(&world, 5)).into_bytes();
    let first = upload(&app, &token, "", CSV, body.clone(), Some("nhap-1")).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json(first).await;
    assert_eq!(first["imported"], 100);
    // Changing a stored value behind the import's back: a replay must not undo it.
    let changed = csv_of(&[[
        "indicator_values".into(),
        world.units[0].clone(),
        PERIOD.into(),
        world.indicators[0].clone(),
        "424242".into(),
    ]]);
    assert_eq!(
        upload(&app, &token, "", CSV, changed.into_bytes(), None)
            .await
            .status(),
        200
    );
    let version = stored(&app, &token, &world.units[0]).await.0;
    let again = upload(&app, &token, "", CSV, body.clone(), Some("nhap-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again = json(again).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(summary(&again), summary(&first));
    let (v, values) = stored(&app, &token, &world.units[0]).await;
    assert_eq!(v, version);
    assert!(values.values().any(|x| *x == json!(424_242.0)));
    // The same key with another body.
    let other = upload(
        &app,
        &token,
        "?mode=partial",
        CSV,
        body.clone(),
        Some("nhap-1"),
    )
    .await;
    assert_problem(other, 422, "idempotency_key_reused").await;
    // Keys are per caller: another caller's identical key is its own.
    let reporter = app.token_of(Who::CommuneClient).await.unwrap();
    let own = upload(
        &app,
        &reporter,
        "?dry_run=false",
        CSV,
        b"kind,unit,period,item\n".to_vec(),
        Some("nhap-1"),
    )
    .await;
    assert_eq!(own.status(), 200);

    // Concurrency: while the database is held by this test, two requests with one key race;
    // the one that comes second is refused at once, the other waits and then applies.
    let body = csv_of(&grid(&world, 6)).into_bytes();
    let lock = DbLock::take(&app);
    let (a, b) = (
        spawn_upload(&app, &token, body.clone(), "nhap-2"),
        spawn_upload(&app, &token, body.clone(), "nhap-2"),
    );
    let (first_done, other) = match futures_select(a, b).await {
        (Ok(r), other) => (r, other),
        (Err(e), _) => panic!("{e}"),
    };
    assert_eq!(first_done.0, 409, "{}", first_done.1);
    assert!(first_done.1.contains("idempotency_key_in_use"));
    drop(lock);
    let (status, text) = other.await.unwrap();
    assert_eq!(status, 200, "{text}");
    let applied: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(applied["updated"], 100);
    let replay = upload(&app, &token, "", CSV, body, Some("nhap-2")).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}

fn spawn_upload(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    key: &str,
) -> tokio::task::JoinHandle<(u16, String)> {
    let request = app
        .request_with(token, Method::POST, "/api/v1/imports")
        .header("content-type", CSV)
        .header("idempotency-key", key)
        .body(body);
    tokio::spawn(async move {
        let r = request.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

type Done = Result<(u16, String), tokio::task::JoinError>;

/// Waits for the first of two requests; returns its result and the other's handle.
async fn futures_select(
    mut a: tokio::task::JoinHandle<(u16, String)>,
    mut b: tokio::task::JoinHandle<(u16, String)>,
) -> (Done, tokio::task::JoinHandle<(u16, String)>) {
    tokio::select! {
        r = &mut a => (r, b),
        r = &mut b => (r, a),
    }
}

/// A write lock on the test's database held by the test itself: on SQLite the write lock
/// (`BEGIN IMMEDIATE`), on PostgreSQL an exclusive lock on `import_keys` (an import blocks on
/// it when it stores its key, after writing its rows). Released when dropped.
enum DbLock {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

impl DbLock {
    fn take(app: &TestApp) -> Self {
        if app.db.is_postgres() {
            let mut c = PgConnection::establish(app.db.url()).unwrap();
            c.batch_execute("BEGIN; LOCK TABLE import_keys IN EXCLUSIVE MODE;")
                .unwrap();
            DbLock::Pg(c)
        } else {
            let mut c = SqliteConnection::establish(app.db.url()).unwrap();
            c.batch_execute("BEGIN IMMEDIATE;").unwrap();
            DbLock::Sqlite(c)
        }
    }
}

impl Drop for DbLock {
    fn drop(&mut self) {
        let _ = match self {
            DbLock::Sqlite(c) => c.batch_execute("COMMIT"),
            DbLock::Pg(c) => c.batch_execute("COMMIT"),
        };
    }
}

#[tokio::test]
async fn a_commune_bound_client_cannot_write_another_commune() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 0, 2, &["XA-TRAM-CHIM", "XA-MY-QUI"]);
    let token = app.token_of(Who::CommuneClient).await.unwrap();
    let file = csv_of(&[
        [
            "indicator_values".into(),
            "XA-TRAM-CHIM".into(),
            PERIOD.into(),
            world.indicators[0].clone(),
            "3".into(),
        ],
        [
            "indicator_values".into(),
            "XA-MY-QUI".into(),
            PERIOD.into(),
            world.indicators[0].clone(),
            "4".into(),
        ],
    ]);
    let response = upload(&app, &token, "", CSV, file.clone().into_bytes(), None).await;
    let body = assert_problem(response, 422, "import_rejected").await;
    assert_errors(&body, &[(3, "unit", "unit_not_allowed")]);
    let partial =
        json(upload(&app, &token, "?mode=partial", CSV, file.into_bytes(), None).await).await;
    assert_eq!(partial["imported"], 1);
    let coordinator = app
        .token_of(Who::User(dtihub_domain::access::Role::Coordinator))
        .await
        .unwrap();
    assert_eq!(stored(&app, &coordinator, "XA-MY-QUI").await.0, 0);
    assert_eq!(stored(&app, &coordinator, "XA-TRAM-CHIM").await.1.len(), 1);
    // Callers who may not save reports may not import.
    let viewer = app
        .token_of(Who::User(dtihub_domain::access::Role::Viewer))
        .await
        .unwrap();
    let refused = upload(
        &app,
        &viewer,
        "",
        CSV,
        b"kind,unit,period,item\n".to_vec(),
        None,
    )
    .await;
    assert_problem(refused, 403, "forbidden").await;
}

#[tokio::test]
async fn xlsx_and_json_give_the_same_result_as_csv() {
    let mut results = Vec::new();
    for format in ["csv", "json", "xlsx"] {
        let app = spawn_app().await;
        let world = arrange(&app.store, 3, 3, &[]);
        let token = lgsp_token(&app).await;
        let mut rows = grid(&world, 9);
        rows.push([
            "indicator_values".into(),
            "XA-NHAP-000".into(),
            PERIOD.into(),
            "NL-000".into(),
            "-1".into(),
        ]);
        rows.push([
            "indicator_values".into(),
            "XA-NHAP-001".into(),
            PERIOD.into(),
            "NL-009".into(),
            "1".into(),
        ]);
        let header = ["kind", "unit", "period", "item", "value"];
        let (content_type, body) = match format {
            "csv" => (CSV, csv_of(&rows).into_bytes()),
            "json" => {
                let objects: Vec<Value> = rows
                    .iter()
                    .map(|r| {
                        let value: Value = r[4].parse::<i64>().map_or(json!(r[4]), |v| json!(v));
                        json!({"kind": r[0], "unit": r[1], "period": r[2], "item": r[3], "value": value})
                    })
                    .collect();
                ("application/json", serde_json::to_vec(&objects).unwrap())
            }
            _ => {
                let cells: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
                (XLSX, render(&header, &cells, TemplateFormat::Xlsx).unwrap())
            }
        };
        let response = upload(&app, &token, "?mode=partial", content_type, body, None).await;
        assert_eq!(response.status(), 200, "{format}");
        let body = json(response).await;
        let values: Vec<Value> = snapshot(&app, &token, &world).await.into_values().collect();
        results.push((format, summary(&body), values));
    }
    assert_eq!(results[0].1["imported"], 9);
    assert_eq!(results[0].1["rejected"], 2);
    for r in &results[1..] {
        assert_eq!(r.1, results[0].1, "{} summary", r.0);
        assert_eq!(r.2, results[0].2, "{} stored values", r.0);
    }
}

#[tokio::test]
async fn malformed_input_is_refused_with_4xx_and_writes_nothing() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 2, 2, &[]);
    let token = lgsp_token(&app).await;
    let good = "indicator_values,XA-NHAP-000,2026-11,NL-000,1\n";
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (CSV, [b"kind,unit,period,item,value\n".as_slice(), good.as_bytes(), b"indicator_values,XA-NHAP-001,2026-11,NL-000,\xff\xfe\n"].concat(), 400),
        (CSV, format!("kind,unit,period,item,value\n{good}indicator_values,XA-NHAP-001,2026-11,NL-\0,1\n").into_bytes(), 400),
        (CSV, format!("kind,unit,period,item,value\n{good}indicator_values,XA-NHAP-001,2026-11\n").into_bytes(), 400),
        (CSV, format!("kind,unit,period,item,value\n{good}indicator_values,XA-NHAP-001,2026-11,NL-000,1,9\n").into_bytes(), 400),
        (CSV, format!("kind,unit,period,item,value\n{good}indicator_values,XA-NHAP-001,2026-11,NL-000,NaN\n").into_bytes(), 422),
        (CSV, format!("kind,unit,period,item,value\n{good}indicator_values,XA-NHAP-001,2026-11,NL-000,-inf\n").into_bytes(), 422),
        (CSV, format!("kind,unit,period,item,value\n{good}indicator_values,XA-NHAP-001,2026-11,NL-000,{}\n", "9".repeat(400)).into_bytes(), 422),
        (CSV, b"kind,unit,period,item,bogus\n".to_vec(), 400),
        (CSV, Vec::new(), 400),
        ("application/json", br#"[{"kind":"indicator_values","unit":"XA-NHAP-000","period":"2026-11","item":"NL-000","value":1e999}]"#.to_vec(), 400),
        ("application/json", br#"[{"kind":"indicator_values","unit":"XA-NHAP-000","period":"2026-11","item":"NL-000","value":1},"#.to_vec(), 400),
        ("application/json", br#"{"rows": []}"#.to_vec(), 400),
        ("application/json", br#"[{"kind":"indicator_values","unit":"XA-NHAP-000","period":"2026-11","item":"NL-000","value":[1]}]"#.to_vec(), 400),
        (XLSX, b"PK\x03\x04 not really a workbook".to_vec(), 400),
        ("application/pdf", b"%PDF".to_vec(), 415),
    ];
    for (content_type, body, want) in cases {
        let response = upload(&app, &token, "", content_type, body.clone(), None).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(
            status,
            want,
            "{content_type} {:?}: {text}",
            String::from_utf8_lossy(&body)
        );
        assert!(text.contains("\"code\""), "{text}");
    }
    assert!(snapshot(&app, &token, &world).await.is_empty());
    // Bad options and keys.
    let r = upload(
        &app,
        &token,
        "?mode=sometimes",
        CSV,
        b"kind,unit,period,item\n".to_vec(),
        None,
    )
    .await;
    assert_problem(r, 400, "invalid_query").await;
    let r = upload(
        &app,
        &token,
        "",
        CSV,
        b"kind,unit,period,item\n".to_vec(),
        Some(&"k".repeat(300)),
    )
    .await;
    assert_problem(r, 400, "invalid_header").await;
}

#[tokio::test]
async fn the_row_limit_answers_413() {
    let app = crate::support::spawn_app_with(|s| s.import_max_rows = 5).await;
    let world = arrange(&app.store, 1, 6, &[]);
    let token = lgsp_token(&app).await;
    let r = upload(
        &app,
        &token,
        "",
        CSV,
        csv_of(&grid(&world, 1)).into_bytes(),
        None,
    )
    .await;
    assert_problem(r, 413, "too_many_rows").await;
    assert!(snapshot(&app, &token, &world).await.is_empty());
}

#[tokio::test]
async fn templates_list_the_expected_rows_and_import_back() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 4, 3, &[]);
    let token = lgsp_token(&app).await;
    let response = app
        .request_with(
            &token,
            Method::GET,
            &format!("/api/v1/imports/templates/indicator_values.csv?period={PERIOD}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = response.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "kind,unit,period,item,value,numerator,denominator,text,note,evidence_number,evidence_date"
    );
    let mine: Vec<&str> = lines.filter(|l| l.contains("XA-NHAP-")).collect();
    assert_eq!(mine.len(), world.units.len() * world.indicators.len());
    // Filling the value column and sending the template back imports every row.
    let mut filled = String::from("kind,unit,period,item,value\n");
    for l in &mine {
        let cells: Vec<&str> = l.split(',').collect();
        filled.push_str(&format!(
            "{},{},{},{},7\n",
            cells[0], cells[1], cells[2], cells[3]
        ));
    }
    let body = json(upload(&app, &token, "", CSV, filled.into_bytes(), None).await).await;
    assert_eq!(body["imported"], mine.len());
    let xlsx = app
        .request_with(
            &token,
            Method::GET,
            &format!("/api/v1/imports/templates/task_progress.xlsx?period={PERIOD}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let bad = app
        .request_with(
            &token,
            Method::GET,
            "/api/v1/imports/templates/indicator_values.csv",
        )
        .send()
        .await
        .unwrap();
    assert_problem(bad, 400, "invalid_query").await;
}

#[tokio::test]
async fn killing_the_database_mid_import_leaves_nothing_and_the_retry_applies_once() {
    let app = spawn_app().await;
    let Some(db) = app.db.pg_name().map(str::to_owned) else {
        return; // PostgreSQL only: SQLite has no server to kill.
    };
    let world = arrange(&app.store, 100, 100, &[]);
    let token = lgsp_token(&app).await;
    let body = csv_of(&grid(&world, 2)).into_bytes();
    // Hold the key table so the import stops after writing its rows, then kill its backend.
    let lock = DbLock::take(&app);
    let import = spawn_upload(&app, &token, body.clone(), "kill-1");
    let mut watcher = PgConnection::establish(app.db.url()).unwrap();
    let waiting = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{db}' \
         AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    );
    let mut seen = false;
    for _ in 0..600 {
        if count(&mut watcher, &waiting) > 0 {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(seen, "the import never reached the key table");
    watcher
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' \
             AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        ))
        .unwrap();
    let (status, text) = import.await.unwrap();
    assert!(status == 503 || status == 500, "{status} {text}");
    drop(lock);
    assert_eq!(count(&mut watcher, IMPORTED_ROWS), 0);
    assert_eq!(
        count(&mut watcher, "SELECT count(*) AS n FROM import_keys"),
        0
    );
    let retry = upload(&app, &token, "", CSV, body.clone(), Some("kill-1")).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(json(retry).await["imported"], 10_000);
    let replay = upload(&app, &token, "", CSV, body, Some("kill-1")).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(count(&mut watcher, IMPORTED_ROWS), 10_000);
}

/// Indicator values stored for the test's own units (the demo data has its own).
const IMPORTED_ROWS: &str = "SELECT count(*) AS n FROM report_indicator_values v \
     JOIN reports r ON r.id = v.report_id WHERE r.unit_code LIKE 'XA-NHAP-%'";

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

async fn upload_async(
    app: &TestApp,
    token: &str,
    query: &str,
    body: Vec<u8>,
    key: Option<&str>,
) -> Response {
    let mut r = app
        .request_with(token, Method::POST, &format!("/api/v1/imports{query}"))
        .header("content-type", CSV)
        .header("prefer", "respond-async");
    if let Some(k) = key {
        r = r.header("idempotency-key", k);
    }
    r.body(body).send().await.unwrap()
}

/// Follows an import's location until its job has run (as a client polls); answers the last
/// state.
async fn poll_until_done(app: &TestApp, token: &str, location: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let response = app
            .request_with(token, Method::GET, location)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = json(response).await;
        match body["state"].as_str() {
            Some("succeeded" | "failed") => return body,
            Some("queued" | "running") => {}
            _ => panic!("not a job state: {body}"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job did not finish: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_async_import_answers_202_and_its_location_the_synchronous_summary() {
    let app = spawn_app().await;
    let world = arrange(&app.store, 10, 20, &[]);
    let token = lgsp_token(&app).await;
    let body = csv_of(&grid(&world, 3)).into_bytes();
    // What a synchronous run answers (a dry run answers exactly that).
    let dry = json(upload(&app, &token, "?dry_run=true", CSV, body.clone(), None).await).await;
    assert_eq!(dry["imported"], 200, "{dry}");
    let response = upload_async(&app, &token, "", body.clone(), Some("async-1")).await;
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers()["preference-applied"], "respond-async");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let accepted = json(response).await;
    let id = accepted["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/imports/{id}"));
    assert_eq!(accepted["state"], "queued", "{accepted}");
    let done = poll_until_done(&app, &token, &location).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["id"], id.as_str());
    assert_eq!(summary(&done), summary(&dry));
    assert_eq!(snapshot(&app, &token, &world).await.len(), 200);
    // The same key and body: the stored response, not applied again.
    let again = upload_async(&app, &token, "", body.clone(), Some("async-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again = json(again).await;
    assert_eq!(again["id"], id.as_str());
    assert_eq!(summary(&again), summary(&done));
    assert_eq!(stored(&app, &token, &world.units[0]).await.0, 1);
    // The same key with another body is refused.
    let other = csv_of(&grid(&world, 4)).into_bytes();
    let other = upload_async(&app, &token, "", other, Some("async-1")).await;
    assert_problem(other, 422, "idempotency_key_reused").await;
    // The same file again as a job: every row identical, as a synchronous run would say.
    let response = upload_async(&app, &token, "", body, None).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let second = poll_until_done(&app, &token, &location).await;
    assert_eq!(
        (second["ignored"].as_u64(), second["imported"].as_u64()),
        (Some(200), Some(0)),
        "{second}"
    );
}

#[tokio::test]
async fn a_job_left_running_by_a_dead_instance_is_finished_by_another_instance() {
    // This instance runs no worker: its jobs wait for another instance's.
    let app = spawn_app_with(|s| s.import_worker = false).await;
    let world = arrange(&app.store, 5, 10, &[]);
    let token = lgsp_token(&app).await;
    let body = csv_of(&grid(&world, 5)).into_bytes();
    let first = upload_async(&app, &token, "", body.clone(), Some("takeover")).await;
    assert_eq!(first.status(), 202);
    let id = json(first).await["id"].as_str().unwrap().to_owned();
    // The same key and body while the job waits: the same job.
    let second = upload_async(&app, &token, "", body.clone(), Some("takeover")).await;
    assert_eq!(second.status(), 202);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(json(second).await["id"], id.as_str());
    // A synchronous request with the key is refused while the job holds it.
    let sync = upload(&app, &token, "", CSV, body.clone(), Some("takeover")).await;
    assert_problem(sync, 409, "idempotency_key_in_use").await;
    // A worker claimed the job, then its instance died: the job is running under a lease
    // that ran out.
    app.store
        .conn()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE import_jobs SET status = 'running', lease_owner = 'worker-dead', \
             lease_until = '2000-01-01 00:00:00', attempts = 1 WHERE id = '{id}'"
        ))
        .unwrap();
    let location = format!("/api/v1/imports/{id}");
    let running = json(
        app.request_with(&token, Method::GET, &location)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(running["state"], "running", "{running}");
    assert!(snapshot(&app, &token, &world).await.is_empty());
    // Another instance's worker takes the job over and finishes it, once.
    app.spawn_sibling(|_| {}).await;
    let done = poll_until_done(&app, &token, &location).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["imported"], 50, "{done}");
    assert_eq!(snapshot(&app, &token, &world).await.len(), 50);
    let replay = upload(&app, &token, "", CSV, body, Some("takeover")).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(json(replay).await["id"], id.as_str());
    assert_eq!(stored(&app, &token, &world.units[0]).await.0, 1);
}
