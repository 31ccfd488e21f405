//! The change feed over HTTP: what each change emits, who sees what, cursors and paging, and
//! the guarantee integrators rely on: a consumer following the cursor while many writers
//! commit at once sees every committed change exactly once, in commit order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use dtihub_domain::catalog::indicator::IndicatorInput;
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::PlanId;
use dtihub_service::catalog::{items, plans, Indicators};
use dtihub_service::Actor;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

const COMMUNE: &str = "XA-TRAM-CHIM";
const OTHER: &str = "XA-MY-QUI";
const DEPARTMENT: &str = "SO-KHCN";

/// A plan with two indicators every test unit reports on.
struct Catalog {
    plan: i64,
    first: i64,
    second: i64,
}

fn arrange(app: &TestApp) -> Catalog {
    let actor = Actor::system("changes-test");
    let plan = plans::create(
        &app.store,
        &actor,
        &PlanInput {
            code: "KH-FEED".into(),
            title: "Kế hoạch thử luồng thay đổi".into(),
            kind: "multi_year".into(),
            first_year: 2025,
            last_year: 2026,
            status: "issued".into(),
            ..PlanInput::default()
        },
    )
    .unwrap()
    .id;
    let indicator = |code: &str| IndicatorInput {
        code: code.into(),
        name: format!("Chỉ tiêu {code}"),
        pillar: "ha_tang_so".into(),
        measure: "count".into(),
        direction: "at_least".into(),
        reporting_units: vec![COMMUNE.into(), OTHER.into(), DEPARTMENT.into()],
        ..IndicatorInput::default()
    };
    let create = |code: &str| {
        items::create::<Indicators>(&app.store, &actor, PlanId(plan), &indicator(code))
            .unwrap()
            .stored
            .id
    };
    Catalog {
        plan,
        first: create("TD-1"),
        second: create("TD-2"),
    }
}

fn report_path(unit: &str, period: &str) -> String {
    format!("/api/v1/units/{unit}/reports/{period}")
}

fn values(c: &Catalog, first: i64, second: i64) -> Value {
    json!({
        "indicator_values": [
            {"indicator_id": c.first, "value": first},
            {"indicator_id": c.second, "value": second},
        ],
        "narrative": {"achievements": "Hoàn thành", "limitations": "Chưa có",
                      "difficulties": "Chưa có", "proposals": "Chưa có"}
    })
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let response = app
        .request_with(token, method, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = json(response).await;
    assert!((200..300).contains(&status), "{path}: {status} {body}");
    body
}

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .request_with(token, Method::GET, &format!("/api/v1/changes{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    json(response).await
}

/// Every event the caller may see, following the cursor from the start.
async fn read_all(app: &TestApp, token: &str, limit: u32) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?after={c}&limit={limit}"),
            None => format!("?limit={limit}"),
        };
        let body = page(app, token, &query).await;
        let batch = body["events"].as_array().unwrap().clone();
        assert!(batch.len() <= limit as usize);
        if let Some(last) = batch.last() {
            assert_eq!(last["cursor"], body["next_cursor"]);
        }
        events.extend(batch);
        cursor = Some(body["next_cursor"].as_str().unwrap().to_owned());
        if body["has_more"] == false {
            return events;
        }
    }
}

fn of_entity<'a>(events: &'a [Value], entity_id: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["entity_id"] == entity_id)
        .collect()
}

async fn user_token(app: &TestApp, name: &str, unit: &str, role: &str) -> String {
    let password = "Mat-khau-luong-2026";
    let admin = app.token_for(Role::Admin).await;
    send(
        app,
        &admin,
        Method::POST,
        "/api/v1/users",
        json!({"username": name, "display_name": name, "unit": unit, "roles": [role],
               "password": password}),
    )
    .await;
    app.login(name, password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_workflow_catalog_and_units_emit_their_events() {
    let app = spawn_app().await;
    let c = arrange(&app);
    let reporter = app.token_for(Role::UnitReporter).await;
    let approver = app.token_for(Role::UnitApprover).await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let admin = app.token_for(Role::Admin).await;
    let period = "2026-10";
    let path = report_path(COMMUNE, period);
    let start = page(&app, &coordinator, "?limit=1000").await;
    let mark = start["next_cursor"].as_str().unwrap().to_owned();

    // Saves: the first adds two values, the second changes one, the third changes nothing.
    send(&app, &reporter, Method::PUT, &path, values(&c, 10, 20)).await;
    send(&app, &reporter, Method::PUT, &path, values(&c, 11, 20)).await;
    send(&app, &reporter, Method::PUT, &path, values(&c, 11, 20)).await;
    // A refused change (stale If-Match) and a rolled-back one (invalid content) emit nothing.
    let stale = app
        .request_with(&reporter, Method::PUT, &path)
        .header("If-Match", "\"v1\"")
        .json(&values(&c, 99, 99))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let invalid = app
        .request_with(&reporter, Method::PUT, &path)
        .json(&json!({"indicator_values": [{"indicator_id": -5, "value": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    send(
        &app,
        &approver,
        Method::POST,
        &format!("{path}/submit"),
        json!({"acknowledge_warnings": true}),
    )
    .await;
    send(
        &app,
        &coordinator,
        Method::POST,
        &format!("{path}/return"),
        json!({"reason": "Bổ sung minh chứng"}),
    )
    .await;
    // Catalog: an item created, changed and deleted; a unit retired.
    let created = send(
        &app,
        &coordinator,
        Method::POST,
        &format!("/api/v1/plans/{}/indicators", c.plan),
        json!({"code": "TD-3", "name": "Chỉ tiêu tạm", "pillar": "ha_tang_so",
               "measure": "count", "direction": "at_least"}),
    )
    .await;
    let item = created["id"].as_i64().unwrap();
    let item_path = format!("/api/v1/plans/{}/indicators/{item}", c.plan);
    send(
        &app,
        &coordinator,
        Method::PATCH,
        &item_path,
        json!({"name": "Chỉ tiêu tạm (sửa)"}),
    )
    .await;
    let deleted = app
        .request_with(&coordinator, Method::DELETE, &item_path)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    send(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/units/{OTHER}/retire"),
        json!({"valid_to": "2026-06-30", "successor": COMMUNE}),
    )
    .await;

    send(
        &app,
        &coordinator,
        Method::PUT,
        &format!(
            "/api/v1/plans/{}/indicators/{}/assessments/2026",
            c.plan, c.first
        ),
        json!({"assessment": "met"}),
    )
    .await;

    let events = page(&app, &coordinator, &format!("?after={mark}&limit=1000")).await;
    let events = events["events"].as_array().unwrap().clone();
    let summary: Vec<(String, String, Option<i64>)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["entity_id"].as_str().unwrap().to_owned(),
                e["version"].as_i64(),
            )
        })
        .collect();
    let report = format!("{COMMUNE}/{period}");
    let value = |id: i64| format!("{COMMUNE}/{period}/{id}");
    let item_id = item.to_string();
    let expected: Vec<(&str, String, Option<i64>)> = vec![
        ("report.saved", report.clone(), Some(1)),
        ("indicator_value.changed", value(c.first), Some(1)),
        ("indicator_value.changed", value(c.second), Some(1)),
        ("report.saved", report.clone(), Some(2)),
        ("indicator_value.changed", value(c.first), Some(2)),
        ("report.saved", report.clone(), Some(3)),
        ("report.submitted", report.clone(), Some(4)),
        ("report.returned", report.clone(), Some(5)),
        ("indicator.created", item_id.clone(), Some(1)),
        ("indicator.updated", item_id.clone(), Some(2)),
        ("indicator.deleted", item_id.clone(), None),
        ("unit.retired", OTHER.to_owned(), Some(2)),
        (
            "indicator_assessment.recorded",
            format!("{}/2026", c.first),
            None,
        ),
    ];
    let expected: Vec<(String, String, Option<i64>)> = expected
        .into_iter()
        .map(|(t, id, v)| (t.to_owned(), id, v))
        .collect();
    assert_eq!(summary, expected);

    // Links, units, periods, actors and payloads.
    for e in &events[..8] {
        assert_eq!(e["link"], path);
        assert_eq!(e["unit"], COMMUNE);
        assert_eq!(e["period"], period);
    }
    assert_eq!(events[0]["actor"], "user:demo-reporter");
    assert_eq!(events[1]["data"]["before"], Value::Null);
    assert_eq!(events[1]["data"]["after"]["value"], 10.0);
    assert_eq!(events[4]["data"]["indicator_id"], c.first);
    assert_eq!(events[4]["data"]["before"]["value"], 10.0);
    assert_eq!(events[4]["data"]["after"]["value"], 11.0);
    assert_eq!(events[6]["data"]["status"], "submitted");
    assert_eq!(events[7]["data"]["reason"], "Bổ sung minh chứng");
    assert_eq!(events[7]["actor"], "user:demo-coordinator");
    for e in &events[8..11] {
        assert_eq!(e["link"], item_path);
        assert_eq!(e["unit"], Value::Null);
    }
    assert_eq!(events[11]["link"], format!("/api/v1/units/{OTHER}"));
    assert_eq!(events[11]["data"]["successor"], COMMUNE);
    assert_eq!(
        events[12]["link"],
        format!("/api/v1/plans/{}/indicators/{}", c.plan, c.first)
    );
    assert_eq!(events[12]["period"], "2026");
    // The link of a live entity serves it, at the version the event names.
    let read = app
        .request_with(&coordinator, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(json(read).await["version"], events[7]["version"]);
    // Logins and account changes are not in the feed.
    assert!(events
        .iter()
        .all(|e| !["user", "client", "access_token"].contains(&e["entity"].as_str().unwrap())));
    let all = read_all(&app, &coordinator, 1000).await;
    assert!(all
        .iter()
        .all(|e| e["entity"] != "user" && e["entity"] != "client"));
}

#[tokio::test]
async fn callers_see_only_what_they_may_read() {
    let app = spawn_app().await;
    let c = arrange(&app);
    let commune = app.token_for(Role::UnitReporter).await;
    let other = user_token(&app, "my-qui.reporter", OTHER, "unit_reporter").await;
    let period = "2026-09";
    for (token, unit, v) in [
        (&commune, COMMUNE, 1),
        (&other, OTHER, 2),
        (&commune, COMMUNE, 3),
    ] {
        send(
            &app,
            token,
            Method::PUT,
            &report_path(unit, period),
            values(&c, v, v),
        )
        .await;
    }
    let coordinator = app.token_for(Role::Coordinator).await;
    let everything = read_all(&app, &coordinator, 7).await;
    // A unit's own events name their unit; the registry's events name the unit they are about
    // but are province-level, like the catalog's.
    let unit_events = |e: &&Value| !e["unit"].is_null() && e["entity"] != "unit";
    let of_unit = |unit: &str| -> Vec<Value> {
        everything
            .iter()
            .filter(|e| !unit_events(e) || e["unit"] == unit)
            .cloned()
            .collect()
    };
    assert!(everything
        .iter()
        .any(|e| unit_events(&e) && e["unit"] == OTHER));
    assert!(everything.iter().any(|e| e["type"] == "indicator.created"));

    // Province-wide users see all of it; a commune's users and its bound client see the
    // province-level events and their own unit's, in the same order.
    let viewer = app.token_for(Role::Viewer).await;
    assert_eq!(read_all(&app, &viewer, 1000).await, everything);
    for who in [
        Who::User(Role::UnitReporter),
        Who::User(Role::UnitApprover),
        Who::CommuneClient,
    ] {
        let token = app.token_of(who).await.unwrap();
        assert_eq!(read_all(&app, &token, 3).await, of_unit(COMMUNE), "{who:?}");
    }
    assert_eq!(read_all(&app, &other, 1000).await, of_unit(OTHER));

    // A client that may read only reports gets its unit's report events and nothing of the
    // catalog; one that may read neither is refused.
    let admin = app.token_for(Role::Admin).await;
    let mut secrets = HashMap::new();
    for (id, scopes) in [
        ("feed-reports", "reports:read"),
        ("feed-aggregates", "aggregates:read"),
    ] {
        let created = send(
            &app,
            &admin,
            Method::POST,
            "/api/v1/clients",
            json!({"name": id, "unit": COMMUNE, "scopes": [scopes]}),
        )
        .await;
        secrets.insert(
            id,
            (
                created["client"]["client_id"].as_str().unwrap().to_owned(),
                created["client_secret"].as_str().unwrap().to_owned(),
            ),
        );
    }
    let client_token = |label: &'static str| {
        let (id, secret) = secrets[label].clone();
        let app = &app;
        async move {
            let response = app
                .token_form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ])
                .await;
            assert_eq!(response.status(), 200);
            json(response).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let reports_only = client_token("feed-reports").await;
    let seen = read_all(&app, &reports_only, 1000).await;
    let expected: Vec<Value> = everything
        .iter()
        .filter(|e| unit_events(e) && e["unit"] == COMMUNE)
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(seen, expected);
    let neither = client_token("feed-aggregates").await;
    let refused = app
        .request_with(&neither, Method::GET, "/api/v1/changes")
        .send()
        .await
        .unwrap();
    assert_problem(refused, 403, "forbidden").await;
    let anonymous = app.get("/api/v1/changes").await;
    assert_problem(anonymous, 401, "unauthorized").await;
}

#[tokio::test]
async fn malformed_cursors_and_limits_are_refused_by_name() {
    let app = spawn_app().await;
    let other_listing = URL_SAFE_NO_PAD.encode("reports:5");
    let negative = URL_SAFE_NO_PAD.encode("changes:-1");
    let not_a_number = URL_SAFE_NO_PAD.encode("changes:abc");
    let cases = [
        (
            "after=not%20a%20cursor".to_owned(),
            "after",
            "invalid_cursor",
        ),
        ("after=%21%21%21".to_owned(), "after", "invalid_cursor"),
        (format!("after={other_listing}"), "after", "invalid_cursor"),
        (format!("after={negative}"), "after", "invalid_cursor"),
        (format!("after={not_a_number}"), "after", "invalid_cursor"),
        ("limit=0".to_owned(), "limit", "out_of_range"),
        ("limit=1001".to_owned(), "limit", "out_of_range"),
        ("limit=ten".to_owned(), "limit", "invalid_integer"),
    ];
    for (query, parameter, code) in cases {
        let problem = assert_problem(
            app.get_as(Role::Viewer, &format!("/api/v1/changes?{query}"))
                .await,
            400,
            "invalid_query",
        )
        .await;
        assert_eq!(problem["errors"][0]["in"], "query", "{query}");
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{query}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}");
    }
    // A cursor beyond the end is valid: nothing yet, and the same cursor back.
    let viewer = app.token_for(Role::Viewer).await;
    let far = URL_SAFE_NO_PAD.encode("changes:99999999");
    let body = page(&app, &viewer, &format!("?after={far}")).await;
    assert_eq!(body["events"], json!([]));
    assert_eq!(body["next_cursor"], far);
    assert_eq!(body["has_more"], false);
}

/// What one writer's request did, and when it ran.
struct Op {
    /// The events it must have produced: (type, entity_id, version).
    events: Vec<(String, String, Option<i64>)>,
    sent: Instant,
    answered: Instant,
}

#[tokio::test]
async fn a_consumer_following_concurrent_writers_sees_every_change_once_in_commit_order() {
    const REPORT_WRITERS: usize = 6;
    const CATALOG_WRITERS: usize = 2;
    const OPS_PER_WRITER: i64 = 150;
    let app = Arc::new(spawn_app().await);
    let c = Arc::new(arrange(&app));
    let commune = app.token_for(Role::UnitReporter).await;
    let other = user_token(&app, "my-qui.writer", OTHER, "unit_reporter").await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let start = page(&app, &coordinator, "?limit=1000").await;
    assert_eq!(start["has_more"], false);
    let mark = start["next_cursor"].as_str().unwrap().to_owned();

    let began = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    // The consumer follows the feed while the writers write, in pages of an odd size.
    let consumer = {
        let (app, token, done) = (app.clone(), coordinator.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut cursor = mark;
            loop {
                // Read before looking at the page: if the writers were done before this
                // request, the page ends at the last change they made.
                let finished = done.load(Ordering::SeqCst);
                let body = page(&app, &token, &format!("?after={cursor}&limit=37")).await;
                seen.extend(body["events"].as_array().unwrap().iter().cloned());
                cursor = body["next_cursor"].as_str().unwrap().to_owned();
                if finished && body["has_more"] == false {
                    return seen;
                }
                if body["events"].as_array().unwrap().is_empty() {
                    tokio::task::yield_now().await;
                }
            }
        })
    };

    let mut writers = Vec::new();
    for w in 0..REPORT_WRITERS {
        let (app, c) = (app.clone(), c.clone());
        let (token, unit) = if w % 2 == 0 {
            (commune.clone(), COMMUNE)
        } else {
            (other.clone(), OTHER)
        };
        let period = format!("2026-{:02}", w + 1);
        writers.push(tokio::spawn(async move {
            let path = report_path(unit, &period);
            let mut ops = Vec::new();
            for i in 1..=OPS_PER_WRITER {
                let sent = Instant::now();
                // The first value changes on every save, the second only on the first.
                let saved = send(&app, &token, Method::PUT, &path, values(&c, i, 7)).await;
                let answered = Instant::now();
                let version = saved["report"]["version"].as_i64().unwrap();
                assert_eq!(version, i);
                let report = format!("{unit}/{period}");
                let mut events = vec![
                    ("report.saved".to_owned(), report.clone(), Some(version)),
                    (
                        "indicator_value.changed".to_owned(),
                        format!("{report}/{}", c.first),
                        Some(version),
                    ),
                ];
                if i == 1 {
                    events.push((
                        "indicator_value.changed".to_owned(),
                        format!("{report}/{}", c.second),
                        Some(version),
                    ));
                }
                ops.push(Op {
                    events,
                    sent,
                    answered,
                });
            }
            ops
        }));
    }
    for w in 0..CATALOG_WRITERS {
        let (app, c, token) = (app.clone(), c.clone(), coordinator.clone());
        writers.push(tokio::spawn(async move {
            let mut ops = Vec::new();
            for i in 0..OPS_PER_WRITER {
                let sent = Instant::now();
                let created = send(
                    &app,
                    &token,
                    Method::POST,
                    &format!("/api/v1/plans/{}/indicators", c.plan),
                    json!({"code": format!("SS-{w}-{i}"), "name": format!("Chỉ tiêu {w}-{i}"),
                           "pillar": "ha_tang_so", "measure": "count", "direction": "at_least"}),
                )
                .await;
                let answered = Instant::now();
                ops.push(Op {
                    events: vec![(
                        "indicator.created".to_owned(),
                        created["id"].as_i64().unwrap().to_string(),
                        Some(1),
                    )],
                    sent,
                    answered,
                });
            }
            ops
        }));
    }
    let mut ops = Vec::new();
    for writer in writers {
        ops.extend(writer.await.unwrap());
    }
    let written = began.elapsed();
    done.store(true, Ordering::SeqCst);
    let seen = consumer.await.unwrap();
    let followed = began.elapsed();

    // Exactly the committed changes: what a fresh reader finds afterwards, in the same order.
    let expected_count: usize = ops.iter().map(|o| o.events.len()).sum();
    let after_the_fact = read_all(&app, &coordinator, 1000).await;
    let committed = &after_the_fact[after_the_fact.len() - expected_count..];
    if let Some(i) = (0..seen.len().max(committed.len())).find(|&i| seen.get(i) != committed.get(i))
    {
        panic!(
            "the follower saw {} events, {} were committed; first difference at {i}: \
             followed {:?}, committed {:?}",
            seen.len(),
            committed.len(),
            seen.get(i),
            committed.get(i)
        );
    }
    let key = |e: &Value| {
        (
            e["type"].as_str().unwrap().to_owned(),
            e["entity_id"].as_str().unwrap().to_owned(),
            e["version"].as_i64(),
        )
    };
    let mut position = HashMap::new();
    for (i, e) in seen.iter().enumerate() {
        assert!(position.insert(key(e), i).is_none(), "duplicate: {e}");
    }
    let cursors: HashSet<&str> = seen.iter().map(|e| e["cursor"].as_str().unwrap()).collect();
    assert_eq!(cursors.len(), seen.len(), "duplicate cursors");
    assert!(expected_count >= 2000, "{expected_count} events");
    assert_eq!(seen.len(), expected_count, "gap or stray event");
    eprintln!(
        "change feed: {} writes by {} concurrent writers in {:.1} s ({:.0} writes/s), {} events \
         followed in pages of 37, the follower done {:.2} s after the last write",
        ops.len(),
        REPORT_WRITERS + CATALOG_WRITERS,
        written.as_secs_f64(),
        ops.len() as f64 / written.as_secs_f64(),
        seen.len(),
        (followed - written).as_secs_f64()
    );

    // Every operation's events are there, together (one transaction), and an operation
    // answered before another was sent comes first.
    let mut spans = Vec::new();
    for op in &ops {
        let places: Vec<usize> = op
            .events
            .iter()
            .map(|k| *position.get(k).unwrap_or_else(|| panic!("missing {k:?}")))
            .collect();
        let (first, last) = (*places.iter().min().unwrap(), *places.iter().max().unwrap());
        assert_eq!(
            last - first + 1,
            places.len(),
            "{:?} not contiguous",
            op.events
        );
        spans.push((op.sent, op.answered, first));
    }
    let mut by_answer: Vec<(Instant, usize)> = spans.iter().map(|s| (s.1, s.2)).collect();
    by_answer.sort();
    let mut latest_before = Vec::with_capacity(by_answer.len());
    let mut max = None;
    for (_, p) in &by_answer {
        max = Some(max.map_or(*p, |m: usize| m.max(*p)));
        latest_before.push(max.unwrap());
    }
    let mut checked = 0;
    for (sent, _, place) in &spans {
        let earlier = by_answer.partition_point(|(answered, _)| answered < sent);
        if earlier > 0 {
            assert!(
                latest_before[earlier - 1] < *place,
                "an operation committed earlier appears later in the feed"
            );
            checked += 1;
        }
    }
    assert!(checked > ops.len() / 2);
    // Per report, versions arrive in order.
    let mut last_version: BTreeMap<String, i64> = BTreeMap::new();
    for e in seen.iter().filter(|e| e["type"] == "report.saved") {
        let v = e["version"].as_i64().unwrap();
        let previous = last_version.insert(e["entity_id"].as_str().unwrap().to_owned(), v);
        assert_eq!(previous.unwrap_or(0) + 1, v);
    }
    assert_eq!(
        of_entity(&seen, &format!("{COMMUNE}/2026-01")).len(),
        OPS_PER_WRITER as usize
    );
}
