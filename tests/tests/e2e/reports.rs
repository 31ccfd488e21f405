//! Periodic reports over HTTP: the workflow for a department and a commune, the forbidden
//! transitions, optimistic concurrency, object-level access, lateness and validation.

use dtihub_domain::catalog::budget_line::BudgetLineInput;
use dtihub_domain::catalog::indicator::{EvaluationTime, IndicatorInput, UnitAssignmentInput};
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::project::{Allocation, ProjectInput};
use dtihub_domain::catalog::task::TaskInput;
use dtihub_domain::catalog::PlanId;
use dtihub_service::catalog::items::{self, CatalogItem};
use dtihub_service::catalog::{plans, BudgetLines, Indicators, Projects, Tasks};
use dtihub_service::{Actor, Store};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

const COMMUNE: &str = "XA-TRAM-CHIM";
const DEPARTMENT: &str = "SO-KHCN";
const OTHER: &str = "XA-MY-QUI";
/// A period whose deadline is still ahead.
const OPEN_PERIOD: &str = "2026-12";
/// A period long past its deadline.
const PAST_PERIOD: &str = "2025-06";

/// The catalog items both test units report on.
#[derive(Debug, Clone, Copy)]
struct Ids {
    plan: i64,
    percent: i64,
    october: i64,
    count: i64,
    task: i64,
    project: i64,
    line: i64,
}

fn create<I: CatalogItem>(store: &Store, plan: PlanId, input: &I::Input) -> i64 {
    items::create::<I>(store, &Actor::system("reports-test"), plan, input)
        .unwrap()
        .stored
        .id
}

fn both() -> UnitAssignmentInput {
    UnitAssignmentInput {
        units: vec![COMMUNE.into(), DEPARTMENT.into()],
        ..UnitAssignmentInput::default()
    }
}

fn arrange_catalog(store: &Store) -> Ids {
    let plan = plans::create(
        store,
        &Actor::system("reports-test"),
        &PlanInput {
            code: "KH-REPORTS".into(),
            title: "Kế hoạch thử báo cáo".into(),
            kind: "multi_year".into(),
            first_year: 2025,
            last_year: 2026,
            status: "issued".into(),
            ..PlanInput::default()
        },
    )
    .unwrap();
    let plan_id = plan.id;
    let plan = PlanId(plan.id);
    let indicator = |code: &str, measure: &str| IndicatorInput {
        code: code.into(),
        name: format!("Chỉ tiêu {code}"),
        pillar: "ha_tang_so".into(),
        measure: measure.into(),
        direction: "at_least".into(),
        reporting_units: vec![COMMUNE.into(), DEPARTMENT.into()],
        ..IndicatorInput::default()
    };
    Ids {
        plan: plan_id,
        percent: create::<Indicators>(store, plan, &indicator("BC-TL", "percent")),
        october: create::<Indicators>(
            store,
            plan,
            &IndicatorInput {
                evaluation_time: Some(EvaluationTime::Month {
                    year: 2026,
                    month: 10,
                }),
                ..indicator("BC-T10", "count")
            },
        ),
        count: create::<Indicators>(store, plan, &indicator("BC-SL", "count")),
        task: create::<Tasks>(
            store,
            plan,
            &TaskInput {
                code: "BC-NV".into(),
                content: "Triển khai nền tảng".into(),
                lead: both(),
                timing_text: Some("Năm 2026".into()),
                ..TaskInput::default()
            },
        ),
        project: create::<Projects>(
            store,
            plan,
            &ProjectInput {
                code: "BC-DA".into(),
                name: "Dự án thử".into(),
                investor_unit: Some(COMMUNE.into()),
                allocations: vec![Allocation {
                    year: 2026,
                    allocated_vnd: Some(700_000_000),
                    ..Allocation::default()
                }],
                ..ProjectInput::default()
            },
        ),
        line: create::<BudgetLines>(
            store,
            plan,
            &BudgetLineInput {
                code: "BC-KP".into(),
                name: "Kinh phí thử".into(),
                implementing: both(),
                ..BudgetLineInput::default()
            },
        ),
    }
}

/// A complete, valid report body for a unit.
fn body(ids: Ids, unit: &str, percent: f64) -> Value {
    let projects = if unit == COMMUNE {
        json!([{"project_id": ids.project, "disbursed_in_period": 100_000_000_i64,
                "cumulative_disbursed": 500_000_000_i64, "stage": "Đang thi công"}])
    } else {
        json!([])
    };
    json!({
        "indicator_values": [
            {"indicator_id": ids.percent, "value": percent, "evidence_number": "12/BC-UBND",
             "evidence_date": "2026-12-10"},
            {"indicator_id": ids.count, "value": 12},
        ],
        "task_progress": [
            {"task_id": ids.task, "status": "in_progress", "percent_complete": 60}
        ],
        "project_progress": projects,
        "budget_execution": [{"budget_line_id": ids.line, "spent_in_period": 25_000_000_i64}],
        "narrative": {
            "achievements": "Hoàn thành cài đặt",
            "limitations": "Còn chậm",
            "difficulties": "Thiếu nhân lực",
            "proposals": "Bổ sung kinh phí"
        }
    })
}

/// The tokens of a unit's reporter and approver.
struct UnitTokens {
    unit: &'static str,
    reporter: String,
    approver: String,
}

async fn commune_tokens(app: &TestApp) -> UnitTokens {
    UnitTokens {
        unit: COMMUNE,
        reporter: app.token_of(Who::User(Role::UnitReporter)).await.unwrap(),
        approver: app.token_of(Who::User(Role::UnitApprover)).await.unwrap(),
    }
}

async fn department_tokens(app: &TestApp) -> UnitTokens {
    let mut tokens = Vec::new();
    for (name, role) in [
        ("khcn.reporter", "unit_reporter"),
        ("khcn.approver", "unit_approver"),
    ] {
        let password = "Mat-khau-bao-cao-2026";
        let response = app
            .request_as(Who::User(Role::Admin), Method::POST, "/api/v1/users")
            .await
            .json(
                &json!({"username": name, "display_name": name, "unit": DEPARTMENT,
                          "roles": [role], "password": password}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let token = app.login(name, password).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        tokens.push(token);
    }
    UnitTokens {
        unit: DEPARTMENT,
        approver: tokens.pop().unwrap(),
        reporter: tokens.pop().unwrap(),
    }
}

fn report_path(unit: &str, period: &str) -> String {
    format!("/api/v1/units/{unit}/reports/{period}")
}

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    etag: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut request = app.request_with(token, method, path);
    if let Some(tag) = etag {
        request = request.header("If-Match", tag);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    request.send().await.unwrap()
}

fn etag_of(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn coordinator(app: &TestApp) -> String {
    app.token_for(Role::Coordinator).await
}

/// Saves and submits a unit's report; returns the response of the submit.
async fn save_and_submit(app: &TestApp, t: &UnitTokens, period: &str, b: Value) -> Value {
    let path = report_path(t.unit, period);
    let saved = call(app, &t.reporter, Method::PUT, &path, None, Some(b)).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let submitted = call(
        app,
        &t.approver,
        Method::POST,
        &format!("{path}/submit"),
        None,
        Some(json!({"acknowledge_warnings": true})),
    )
    .await;
    assert_eq!(
        submitted.status(),
        200,
        "{}",
        submitted.text().await.unwrap()
    );
    json(submitted).await
}

async fn walk_the_workflow(app: &TestApp, ids: Ids, t: &UnitTokens) {
    let coord = coordinator(app).await;
    let path = report_path(t.unit, OPEN_PERIOD);

    // The template lists the unit's items and carries version 0.
    let template = call(app, &t.reporter, Method::GET, &path, None, None).await;
    assert_eq!(template.status(), 200);
    assert_eq!(etag_of(&template), "\"v0\"");
    let template = json(template).await;
    assert_eq!(template["status"], "not_started");
    let listed: Vec<i64> = template["indicator_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["indicator_id"].as_i64().unwrap())
        .collect();
    assert!(listed.contains(&ids.percent) && listed.contains(&ids.count));
    let has = |list: &str, field: &str, id: i64| {
        template[list]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v[field] == id)
    };
    assert!(has("task_progress", "task_id", ids.task));
    assert!(has("budget_execution", "budget_line_id", ids.line));
    assert_eq!(
        has("project_progress", "project_id", ids.project),
        t.unit == COMMUNE
    );

    // Save (twice: idempotent), submit, return with a reason.
    let saved = call(
        app,
        &t.reporter,
        Method::PUT,
        &path,
        Some("\"v0\""),
        Some(body(ids, t.unit, 40.0)),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let tag = etag_of(&saved);
    let saved = json(saved).await;
    assert_eq!(saved["report"]["status"], "draft");
    let again = call(
        app,
        &t.reporter,
        Method::PUT,
        &path,
        Some(&tag),
        Some(body(ids, t.unit, 40.0)),
    )
    .await;
    assert_eq!(again.status(), 200);
    let again = json(again).await;
    assert_eq!(
        again["report"]["indicator_values"],
        saved["report"]["indicator_values"]
    );
    assert_eq!(again["report"]["narrative"], saved["report"]["narrative"]);

    let submit = format!("{path}/submit");
    let submitted = call(
        app,
        &t.approver,
        Method::POST,
        &submit,
        None,
        Some(json!({"acknowledge_warnings": true})),
    )
    .await;
    assert_eq!(
        submitted.status(),
        200,
        "{}",
        submitted.text().await.unwrap()
    );
    let submitted = json(submitted).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["late"], false);
    let first_submitted_at = submitted["first_submitted_at"].clone();
    assert!(first_submitted_at.is_string());

    let ret = format!("{path}/return");
    let no_reason = call(app, &coord, Method::POST, &ret, None, Some(json!({}))).await;
    let problem = assert_problem(no_reason, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/reason");
    let returned = call(
        app,
        &coord,
        Method::POST,
        &ret,
        None,
        Some(json!({"reason": "Thiếu minh chứng"})),
    )
    .await;
    assert_eq!(returned.status(), 200);
    let returned = json(returned).await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["last_reason"], "Thiếu minh chứng");

    // The unit edits (it stays returned) and submits again; the coordinator accepts.
    let edited = call(
        app,
        &t.reporter,
        Method::PUT,
        &path,
        None,
        Some(body(ids, t.unit, 55.5)),
    )
    .await;
    assert_eq!(edited.status(), 200);
    assert_eq!(json(edited).await["report"]["status"], "returned");
    let resubmitted = call(
        app,
        &t.approver,
        Method::POST,
        &submit,
        None,
        Some(json!({"acknowledge_warnings": true})),
    )
    .await;
    assert_eq!(resubmitted.status(), 200);
    let resubmitted = json(resubmitted).await;
    assert_eq!(resubmitted["first_submitted_at"], first_submitted_at);
    let accepted = call(
        app,
        &coord,
        Method::POST,
        &format!("{path}/accept"),
        None,
        None,
    )
    .await;
    assert_eq!(accepted.status(), 200);
    assert_eq!(json(accepted).await["status"], "accepted");

    // Accepted means locked, until reopened.
    let locked = call(
        app,
        &t.reporter,
        Method::PUT,
        &path,
        None,
        Some(body(ids, t.unit, 60.0)),
    )
    .await;
    let problem = assert_problem(locked, 409, "invalid_transition").await;
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("accepted"));
    let reopened = call(
        app,
        &coord,
        Method::POST,
        &format!("{path}/reopen"),
        None,
        Some(json!({"reason": "Sửa số liệu quý"})),
    )
    .await;
    assert_eq!(reopened.status(), 200);
    let reopened = json(reopened).await;
    assert_eq!(reopened["status"], "returned");
    assert_eq!(reopened["returned_count"], 2);

    // History: who, when, status change, reason, and the diff of the resubmission.
    let history = call(
        app,
        &t.reporter,
        Method::GET,
        &format!("{path}/history"),
        None,
        None,
    )
    .await;
    assert_eq!(history.status(), 200);
    let history = json(history).await;
    let items = history["items"].as_array().unwrap();
    let steps: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap(),
                i["from_status"].as_str().unwrap(),
                i["to_status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submit", "draft", "submitted"),
            ("return", "submitted", "returned"),
            ("submit", "returned", "submitted"),
            ("accept", "submitted", "accepted"),
            ("reopen", "accepted", "returned"),
        ]
    );
    assert_eq!(items[1]["reason"], "Thiếu minh chứng");
    assert_eq!(items[4]["reason"], "Sửa số liệu quý");
    assert!(items[0]["actor"].as_str().unwrap().starts_with("user:"));
    assert!(items[1]["changes"].as_array().unwrap().is_empty());
    assert_eq!(
        items[2]["changes"],
        json!([{"pointer": "/indicator_values/0/value", "before": 40.0, "after": 55.5}])
    );
}

#[tokio::test]
async fn a_department_and_a_commune_walk_the_whole_workflow() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let commune = commune_tokens(&app).await;
    walk_the_workflow(&app, ids, &commune).await;
    let department = department_tokens(&app).await;
    walk_the_workflow(&app, ids, &department).await;
    let audit = app.audit_text();
    assert!(audit.contains("report.save") && audit.contains("report.reopen"));
}

async fn assert_409(response: Response, status: &str) {
    let problem = assert_problem(response, 409, "invalid_transition").await;
    let error = &problem["errors"][0];
    assert_eq!(error["code"], "invalid_transition");
    assert!(
        error["message"].as_str().unwrap().contains(status),
        "{problem}"
    );
}

#[tokio::test]
async fn every_forbidden_transition_answers_409_naming_the_status() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let coord = coordinator(&app).await;
    let path = report_path(COMMUNE, OPEN_PERIOD);
    let reason = || Some(json!({"reason": "Lý do"}));
    let ack = || Some(json!({"acknowledge_warnings": true}));
    let refused = |status: &'static str, actions: &'static [&'static str]| (status, actions);
    // Per status, the actions the table refuses (save is PUT).
    let cases = [
        refused("not_started", &["submit", "return", "accept", "reopen"]),
        refused("draft", &["return", "accept", "reopen"]),
        refused("submitted", &["save", "submit", "reopen"]),
        refused("accepted", &["save", "submit", "return", "accept"]),
        refused("returned", &["return", "accept", "reopen"]),
    ];
    for (status, actions) in cases {
        // Bring the report to `status`.
        match status {
            "draft" => {
                let r = call(
                    &app,
                    &t.reporter,
                    Method::PUT,
                    &path,
                    None,
                    Some(body(ids, COMMUNE, 10.0)),
                )
                .await;
                assert_eq!(r.status(), 200);
            }
            "submitted" => {
                let r = call(
                    &app,
                    &t.approver,
                    Method::POST,
                    &format!("{path}/submit"),
                    None,
                    ack(),
                )
                .await;
                assert_eq!(r.status(), 200);
            }
            "accepted" => {
                let r = call(
                    &app,
                    &coord,
                    Method::POST,
                    &format!("{path}/accept"),
                    None,
                    None,
                )
                .await;
                assert_eq!(r.status(), 200);
            }
            "returned" => {
                let r = call(
                    &app,
                    &coord,
                    Method::POST,
                    &format!("{path}/reopen"),
                    None,
                    reason(),
                )
                .await;
                assert_eq!(r.status(), 200);
            }
            _ => {}
        }
        for action in actions {
            let response = match *action {
                "save" => {
                    call(
                        &app,
                        &t.reporter,
                        Method::PUT,
                        &path,
                        None,
                        Some(body(ids, COMMUNE, 10.0)),
                    )
                    .await
                }
                "submit" => {
                    call(
                        &app,
                        &t.approver,
                        Method::POST,
                        &format!("{path}/submit"),
                        None,
                        ack(),
                    )
                    .await
                }
                other => {
                    call(
                        &app,
                        &coord,
                        Method::POST,
                        &format!("{path}/{other}"),
                        None,
                        reason(),
                    )
                    .await
                }
            };
            assert_409(response, status).await;
        }
        let now = json(call(&app, &t.reporter, Method::GET, &path, None, None).await).await;
        assert_eq!(now["status"], status);
    }
}

#[tokio::test]
async fn a_stale_if_match_answers_412() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let path = report_path(COMMUNE, OPEN_PERIOD);
    let first = call(
        &app,
        &t.reporter,
        Method::PUT,
        &path,
        Some("\"v0\""),
        Some(body(ids, COMMUNE, 10.0)),
    )
    .await;
    assert_eq!(first.status(), 200);
    assert_eq!(etag_of(&first), "\"v1\"");
    let stale = call(
        &app,
        &t.reporter,
        Method::PUT,
        &path,
        Some("\"v0\""),
        Some(body(ids, COMMUNE, 20.0)),
    )
    .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let stale = call(
        &app,
        &t.approver,
        Method::POST,
        &format!("{path}/submit"),
        Some("\"v0\""),
        Some(json!({"acknowledge_warnings": true})),
    )
    .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let unchanged = app
        .request_with(&t.reporter, Method::GET, &path)
        .header("If-None-Match", "\"v1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    let now = json(call(&app, &t.reporter, Method::GET, &path, None, None).await).await;
    assert_eq!(now["version"], 1);
    assert_eq!(now["indicator_values"][0]["value"], 10.0);
}

#[tokio::test]
async fn two_concurrent_saves_of_the_same_version_one_wins_the_other_gets_412() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let path = report_path(COMMUNE, OPEN_PERIOD);
    for round in 0..20 {
        let current = call(&app, &t.reporter, Method::GET, &path, None, None).await;
        let tag = etag_of(&current);
        let (a, b) = (f64::from(round), f64::from(round) + 0.5);
        let (ra, rb) = tokio::join!(
            call(
                &app,
                &t.reporter,
                Method::PUT,
                &path,
                Some(&tag),
                Some(body(ids, COMMUNE, a))
            ),
            call(
                &app,
                &t.approver,
                Method::PUT,
                &path,
                Some(&tag),
                Some(body(ids, COMMUNE, b))
            ),
        );
        let (sa, sb) = (ra.status().as_u16(), rb.status().as_u16());
        let mut statuses = [sa, sb];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
        let winner = if sa == 200 { a } else { b };
        let now = json(call(&app, &t.reporter, Method::GET, &path, None, None).await).await;
        assert_eq!(now["indicator_values"][0]["value"], winner, "round {round}");
        assert_eq!(now["version"], round + 1, "round {round}");
    }
}

#[tokio::test]
async fn another_units_callers_are_told_the_report_does_not_exist() {
    let app = spawn_app().await;
    let path = report_path(OTHER, OPEN_PERIOD);
    for who in [
        Who::User(Role::UnitReporter),
        Who::User(Role::UnitApprover),
        Who::CommuneClient,
    ] {
        let token = app.token_of(who).await.unwrap();
        let calls = [
            (Method::GET, path.clone(), None),
            (Method::PUT, path.clone(), Some(json!({}))),
            (Method::POST, format!("{path}/submit"), None),
            (
                Method::POST,
                format!("{path}/return"),
                Some(json!({"reason": "x"})),
            ),
            (Method::POST, format!("{path}/accept"), None),
            (
                Method::POST,
                format!("{path}/reopen"),
                Some(json!({"reason": "x"})),
            ),
            (Method::GET, format!("{path}/history"), None),
        ];
        for (method, p, b) in calls {
            let response = call(&app, &token, method.clone(), &p, None, b).await;
            assert_eq!(response.status(), 404, "{who:?} {method} {p}");
        }
        // The listing narrows to the caller's own unit.
        let listed = call(
            &app,
            &token,
            Method::GET,
            &format!("/api/v1/reports?unit={OTHER}"),
            None,
            None,
        )
        .await;
        assert_eq!(json(listed).await["items"], json!([]));
    }
}

#[tokio::test]
async fn coordinator_actions_by_a_unit_role_answer_403() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let path = report_path(COMMUNE, OPEN_PERIOD);
    let saved = call(
        &app,
        &t.reporter,
        Method::PUT,
        &path,
        None,
        Some(body(ids, COMMUNE, 10.0)),
    )
    .await;
    assert_eq!(saved.status(), 200);
    for token in [&t.reporter, &t.approver] {
        for action in ["return", "accept", "reopen"] {
            let response = call(
                &app,
                token,
                Method::POST,
                &format!("{path}/{action}"),
                None,
                Some(json!({"reason": "x"})),
            )
            .await;
            assert_problem(response, 403, "forbidden").await;
        }
    }
    // Submitting is the approver's: the reporter is refused too.
    let response = call(
        &app,
        &t.reporter,
        Method::POST,
        &format!("{path}/submit"),
        None,
        None,
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
    let coord = coordinator(&app).await;
    let response = call(
        &app,
        &coord,
        Method::PUT,
        &path,
        None,
        Some(body(ids, COMMUNE, 10.0)),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn a_report_first_submitted_after_its_deadline_is_late_and_listed_so() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let mut late_body = body(ids, COMMUNE, 30.0);
    late_body["indicator_values"][0]["evidence_date"] = json!("2025-06-10");
    let submitted = save_and_submit(&app, &t, PAST_PERIOD, late_body).await;
    assert_eq!(submitted["late"], true);
    assert!(submitted["deadline"].as_str().unwrap().starts_with("2025-"));
    save_and_submit(&app, &t, OPEN_PERIOD, body(ids, COMMUNE, 30.0)).await;

    let coord = coordinator(&app).await;
    let listed = json(
        call(
            &app,
            &coord,
            Method::GET,
            "/api/v1/reports?late=true&unit=XA-TRAM-CHIM",
            None,
            None,
        )
        .await,
    )
    .await;
    let periods: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, [PAST_PERIOD]);
    let listed = json(
        call(
            &app,
            &coord,
            Method::GET,
            "/api/v1/reports?status=submitted&unit_kind=commune&unit=XA-TRAM-CHIM&limit=1",
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let cursor = listed["next_cursor"].as_str().unwrap();
    let next = json(
        call(
            &app,
            &coord,
            Method::GET,
            &format!("/api/v1/reports?status=submitted&unit_kind=commune&unit=XA-TRAM-CHIM&limit=1&cursor={cursor}"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(next["items"][0]["period"], OPEN_PERIOD);
    assert!(next["next_cursor"].is_null());

    let period = json(
        call(
            &app,
            &t.reporter,
            Method::GET,
            &format!("/api/v1/periods/{PAST_PERIOD}"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(period["open"], false);
    assert_eq!(period["unit"], COMMUNE);
    assert_eq!(period["deadline"], submitted["deadline"]);
}

/// A bad body: the JSON edit, the stage it fails at, and the pointer and code expected.
struct Bad {
    edit: fn(&mut Value, Ids),
    at_submit: bool,
    pointer: &'static str,
    code: &'static str,
}

#[tokio::test]
async fn each_validation_rule_names_pointer_and_code_and_nothing_is_written() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let cases = [
        Bad {
            edit: |b, _| b["indicator_values"][0]["indicator_id"] = json!(987_654),
            at_submit: false,
            pointer: "/indicator_values/0/indicator_id",
            code: "unknown_item",
        },
        Bad {
            edit: |b, ids| b["indicator_values"][1]["indicator_id"] = json!(ids.percent),
            at_submit: false,
            pointer: "/indicator_values/1/indicator_id",
            code: "duplicate_item",
        },
        Bad {
            edit: |b, _| b["task_progress"][0]["task_id"] = json!(987_654),
            at_submit: false,
            pointer: "/task_progress/0/task_id",
            code: "unknown_item",
        },
        Bad {
            edit: |b, _| b["indicator_values"][0]["colour"] = json!("đỏ"),
            at_submit: false,
            pointer: "/indicator_values/0/colour",
            code: "unknown_field",
        },
        Bad {
            edit: |b, _| b["indicator_values"][0]["value"] = json!("nhiều"),
            at_submit: false,
            pointer: "/indicator_values/0/value",
            code: "invalid_type",
        },
        Bad {
            edit: |b, _| b["indicator_values"][0]["value"] = json!(150),
            at_submit: true,
            pointer: "/indicator_values/0/value",
            code: "percent_out_of_range",
        },
        Bad {
            edit: |b, _| {
                b["indicator_values"][0]["value"] = Value::Null;
                b["indicator_values"][0]["numerator"] = json!(12);
                b["indicator_values"][0]["denominator"] = json!(10);
            },
            at_submit: true,
            pointer: "/indicator_values/0/numerator",
            code: "numerator_exceeds_denominator",
        },
        Bad {
            edit: |b, _| b["indicator_values"][1]["value"] = json!(2.5),
            at_submit: true,
            pointer: "/indicator_values/1/value",
            code: "not_whole_number",
        },
        Bad {
            edit: |b, _| b["project_progress"][0]["disbursed_in_period"] = json!(-5),
            at_submit: true,
            pointer: "/project_progress/0/disbursed_in_period",
            code: "negative_amount",
        },
        Bad {
            edit: |b, _| b["budget_execution"][0]["spent_in_period"] = json!(-1),
            at_submit: true,
            pointer: "/budget_execution/0/spent_in_period",
            code: "negative_amount",
        },
        Bad {
            edit: |b, _| {
                b["task_progress"][0]["status"] = json!("completed");
                b["task_progress"][0]["percent_complete"] = json!(100);
            },
            at_submit: true,
            pointer: "/task_progress/0/result",
            code: "result_required",
        },
        Bad {
            edit: |b, _| b["narrative"]["difficulties"] = json!("  "),
            at_submit: true,
            pointer: "/narrative/difficulties",
            code: "required",
        },
    ];
    for (n, case) in cases.iter().enumerate() {
        // A fresh period per case, so that each starts from nothing.
        let period = format!("2026-{:02}", n + 1);
        let path = report_path(COMMUNE, &period);
        let mut b = body(ids, COMMUNE, 40.0);
        (case.edit)(&mut b, ids);
        let saved = call(&app, &t.reporter, Method::PUT, &path, None, Some(b)).await;
        let problem = if case.at_submit {
            assert_eq!(saved.status(), 200, "case {n}");
            let saved = json(saved).await;
            let warned = saved["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["pointer"] == case.pointer && w["code"] == case.code);
            assert!(warned, "case {n}: the save warns: {saved}");
            let submitted = call(
                &app,
                &t.approver,
                Method::POST,
                &format!("{path}/submit"),
                None,
                Some(json!({"acknowledge_warnings": true})),
            )
            .await;
            assert_problem(submitted, 422, "validation_failed").await
        } else {
            let status = saved.status().as_u16();
            let problem = json(saved).await;
            assert_eq!(status, 422, "case {n}: {problem}");
            problem
        };
        let found = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == case.pointer && e["code"] == case.code);
        assert!(found, "case {n}: {problem}");
        // Nothing written: a refused save leaves the template, a refused submit the draft.
        let now = json(call(&app, &t.reporter, Method::GET, &path, None, None).await).await;
        let want = if case.at_submit {
            ("draft", 1)
        } else {
            ("not_started", 0)
        };
        assert_eq!(
            (
                now["status"].as_str().unwrap(),
                now["version"].as_i64().unwrap()
            ),
            want,
            "case {n}"
        );
        let history = json(
            call(
                &app,
                &t.reporter,
                Method::GET,
                &format!("{path}/history"),
                None,
                None,
            )
            .await,
        )
        .await;
        assert_eq!(history["items"], json!([]), "case {n}");
    }
}

#[tokio::test]
async fn warnings_must_be_acknowledged_and_cumulative_disbursement_never_falls() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let coord = coordinator(&app).await;
    // November accepted with 500 million disbursed in total.
    save_and_submit(&app, &t, "2026-11", body(ids, COMMUNE, 40.0)).await;
    let accepted = call(
        &app,
        &coord,
        Method::POST,
        &format!("{}/accept", report_path(COMMUNE, "2026-11")),
        None,
        None,
    )
    .await;
    assert_eq!(accepted.status(), 200);

    // December's template starts from November's values.
    let path = report_path(COMMUNE, OPEN_PERIOD);
    let template = json(call(&app, &t.reporter, Method::GET, &path, None, None).await).await;
    let percent = template["indicator_values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["indicator_id"] == ids.percent)
        .unwrap()
        .clone();
    assert_eq!(percent["value"], 40.0);

    // A value ten times November's is an outlier: a warning to acknowledge.
    let mut b = body(ids, COMMUNE, 40.0);
    b["indicator_values"][1]["value"] = json!(120);
    let saved = call(&app, &t.reporter, Method::PUT, &path, None, Some(b.clone())).await;
    assert_eq!(saved.status(), 200);
    let submit = format!("{path}/submit");
    let refused = call(
        &app,
        &t.approver,
        Method::POST,
        &submit,
        None,
        Some(json!({})),
    )
    .await;
    let problem = assert_problem(refused, 422, "warnings_not_acknowledged").await;
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == "/indicator_values/1/value" && e["code"] == "outlier"),
        "{problem}"
    );

    // Cumulative disbursement below November's accepted figure is an error.
    b["project_progress"][0]["cumulative_disbursed"] = json!(400_000_000_i64);
    let saved = call(&app, &t.reporter, Method::PUT, &path, None, Some(b.clone())).await;
    assert_eq!(saved.status(), 200);
    let refused = call(
        &app,
        &t.approver,
        Method::POST,
        &submit,
        None,
        Some(json!({"acknowledge_warnings": true})),
    )
    .await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |e| e["pointer"] == "/project_progress/0/cumulative_disbursed"
                    && e["code"] == "cumulative_below_previous"
            ),
        "{problem}"
    );

    // Above the allocation is only a warning.
    b["project_progress"][0]["cumulative_disbursed"] = json!(800_000_000_i64);
    let saved = call(&app, &t.reporter, Method::PUT, &path, None, Some(b)).await;
    assert_eq!(saved.status(), 200);
    let saved = json(saved).await;
    assert!(
        saved["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |w| w["pointer"] == "/project_progress/0/cumulative_disbursed"
                    && w["code"] == "cumulative_above_allocation"
            ),
        "{saved}"
    );
    let submitted = call(
        &app,
        &t.approver,
        Method::POST,
        &submit,
        None,
        Some(json!({"acknowledge_warnings": true})),
    )
    .await;
    assert_eq!(submitted.status(), 200);
}

#[tokio::test]
async fn an_indicator_evaluated_in_a_month_is_in_that_months_template_only() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    for (period, listed) in [("2026-10", true), ("2026-Q4", true), (OPEN_PERIOD, false)] {
        let template = json(
            call(
                &app,
                &t.reporter,
                Method::GET,
                &report_path(COMMUNE, period),
                None,
                None,
            )
            .await,
        )
        .await;
        let has = template["indicator_values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["indicator_id"] == ids.october);
        assert_eq!(has, listed, "{period}");
    }
}

#[tokio::test]
async fn catalog_items_a_report_refers_to_cannot_be_deleted() {
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let t = commune_tokens(&app).await;
    let saved = call(
        &app,
        &t.reporter,
        Method::PUT,
        &report_path(COMMUNE, OPEN_PERIOD),
        None,
        Some(body(ids, COMMUNE, 10.0)),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let coord = coordinator(&app).await;
    for (segment, id) in [
        ("indicators", ids.percent),
        ("tasks", ids.task),
        ("projects", ids.project),
        ("budget-lines", ids.line),
    ] {
        let path = format!("/api/v1/plans/{}/{segment}/{id}", ids.plan);
        let response = call(&app, &coord, Method::DELETE, &path, None, None).await;
        assert_problem(response, 409, "referenced_by_reports").await;
    }
    // The month-evaluated indicator is in no report: it goes.
    let path = format!("/api/v1/plans/{}/indicators/{}", ids.plan, ids.october);
    let response = call(&app, &coord, Method::DELETE, &path, None, None).await;
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn the_provinces_2023_annual_report_is_loaded_with_its_official_assessments() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let response = call(
        &app,
        &token,
        Method::GET,
        &report_path("DONG-THAP", "2023"),
        None,
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["status"], "accepted", "{body}");
    let values = body["indicator_values"].as_array().unwrap();
    assert_eq!(values.len(), 51);
    let count = |a: &str| {
        values
            .iter()
            .filter(|v| v["official_assessment"] == a)
            .count()
    };
    assert_eq!(
        (count("exceeded"), count("met"), count("not_met")),
        (17, 26, 8)
    );
    // Values as printed: a number where one is printed, the text always, the note.
    assert!(values
        .iter()
        .any(|v| v["value"] == json!(74.51) && v["text"] == "74,51%"));
    assert!(values.iter().any(|v| v["value"].is_null()
        && v["text"] == "Đã vận hành"
        && v["note"] == "Đã vận hành trong phạm vi Tỉnh"));
    // Loading again (seed-demo on a loaded database) adds nothing.
    let again = dtihub_service::demo::seed_demo(&app.store).unwrap();
    assert_eq!(again.reports, 0);
    assert!(app.audit_text().contains("system:seed-demo"));
}

#[tokio::test]
async fn the_demo_data_has_monthly_reports_some_late_one_returned_one_accepted() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let listed = json(
        call(
            &app,
            &token,
            Method::GET,
            "/api/v1/reports?period=2025-09",
            None,
            None,
        )
        .await,
    )
    .await;
    let mut rows: Vec<(String, String, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["unit"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
                i["late"].as_bool().unwrap(),
            )
        })
        .collect();
    rows.sort();
    let expected = [
        ("SO-NOI-VU", "submitted", false),
        ("SO-TAI-CHINH", "submitted", true),
        ("XA-AN-PHUOC", "draft", false),
        ("XA-TAN-HONG", "returned", false),
    ];
    assert_eq!(
        rows,
        expected.map(|(u, s, l)| (u.to_owned(), s.to_owned(), l)),
        "{listed}"
    );
    let returned = json(
        call(
            &app,
            &token,
            Method::GET,
            &report_path("XA-TAN-HONG", "2025-09"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert!(returned["last_reason"]
        .as_str()
        .unwrap()
        .contains("bổ sung"));
    let accepted = json(
        call(
            &app,
            &token,
            Method::GET,
            &report_path("SO-NOI-VU", "2025-08"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(accepted["status"], "accepted");
}

fn plan_id_of(app: &TestApp, code: &str) -> i64 {
    let code = code.to_owned();
    app.store
        .read(move |conn| {
            Ok(dtihub_db::repo::catalog::plans::find_by_code(conn, &code)?
                .expect("plan")
                .id)
        })
        .unwrap()
}

async fn period_info(app: &TestApp, token: &str, period: &str) -> Value {
    let response = call(
        app,
        token,
        Method::GET,
        &format!("/api/v1/periods/{period}"),
        None,
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    json(response).await
}

/// The `days`-th working day after `cutoff`, counting Monday to Friday only (the months the
/// tests use have no public holiday).
fn working_days_after(cutoff: chrono::NaiveDate, days: u32) -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut day = cutoff;
    let mut left = days;
    while left > 0 {
        day = day.succ_opt().unwrap();
        if day.weekday().number_from_monday() <= 5 {
            left -= 1;
        }
    }
    day
}

#[tokio::test]
async fn the_plans_own_report_dates_from_the_documents_set_the_annual_deadlines() {
    use chrono::{Datelike, NaiveDate, Weekday};
    let app = spawn_app().await;
    let token = app.token_for(Role::Viewer).await;
    // 145/KH-UBND: results "trước ngày 05 tháng 12 năm 2022".
    let plan_2022 = plan_id_of(&app, "KH-145-2022");
    let path = format!("/api/v1/plans/{plan_2022}/reporting-rules");
    let rules = json(call(&app, &token, Method::GET, &path, None, None).await).await;
    assert_eq!(rules["custom"], true, "{rules}");
    assert_eq!(
        rules["schedule"]["annual"]["deadline"],
        json!({"rule": "day_of_month", "month_offset": 0, "day": 5})
    );
    assert_eq!(rules["outlier_factor"], 3.0);
    let info = period_info(&app, &token, "2022").await;
    assert_eq!(info["deadline"], "2022-12-05");
    assert_eq!(info["plan"], "KH-145-2022");
    // 52/KH-UBND: "trước ngày 30 tháng 11 năm 2024", a Saturday: the next working day.
    let due = NaiveDate::from_ymd_opt(2024, 11, 30).unwrap();
    assert_eq!(due.weekday(), Weekday::Sat);
    let info = period_info(&app, &token, "2024").await;
    assert_eq!(info["deadline"], (due + chrono::Days::new(2)).to_string());
    assert_eq!(info["plan"], "KH-52-2024");
    // The 2025 plan's dates are the defaults: no rules of its own.
    let plan_2025 = plan_id_of(&app, "KH-CDS-2025");
    let rules = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/plans/{plan_2025}/reporting-rules"),
        None,
        None,
    )
    .await;
    assert_eq!(etag_of(&rules), "\"v0\"");
    let rules = json(rules).await;
    assert_eq!(rules["custom"], false);
    assert_eq!(
        rules["schedule"]["quarterly"]["deadline"],
        json!({"rule": "day_of_month", "month_offset": 0, "day": 20})
    );
    let info = period_info(&app, &token, "2025-Q3").await;
    assert_eq!(info["plan"], Value::Null);
    assert_eq!(info["deadline"], "2025-09-22", "20/9/2025 is a Saturday");
}

#[tokio::test]
async fn a_plans_reporting_rules_move_unsubmitted_deadlines_and_set_the_outlier_factor() {
    use chrono::NaiveDate;
    let app = spawn_app().await;
    let ids = arrange_catalog(&app.store);
    let commune = commune_tokens(&app).await;
    let department = department_tokens(&app).await;
    let coord = coordinator(&app).await;
    let rules_path = format!("/api/v1/plans/{}/reporting-rules", ids.plan);

    // Under the defaults: a commune draft for November, a department report submitted for
    // October.
    let draft_path = report_path(COMMUNE, "2026-11");
    let saved = call(
        &app,
        &commune.reporter,
        Method::PUT,
        &draft_path,
        None,
        Some(body(ids, COMMUNE, 40.0)),
    )
    .await;
    assert_eq!(saved.status(), 200);
    assert_eq!(json(saved).await["report"]["deadline"], "2026-11-20");
    save_and_submit(&app, &department, "2026-10", body(ids, DEPARTMENT, 40.0)).await;

    // Bad rules: every broken rule named, nothing written.
    let bad = json!({
        "schedule": {"monthly": {"window": {"rule": "cutoff_day", "day": 30},
                                 "deadline": {"rule": "day_of_month", "month_offset": 0, "day": 32}}},
        "outlier_factor": 0.5
    });
    let refused = call(&app, &coord, Method::PUT, &rules_path, None, Some(bad)).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    let mut found: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "/outlier_factor".to_owned(),
                "outlier_factor_range".to_owned()
            ),
            (
                "/schedule/monthly/deadline/day".to_owned(),
                "out_of_range".to_owned()
            ),
            (
                "/schedule/monthly/window/day".to_owned(),
                "out_of_range".to_owned()
            ),
        ]
    );
    let refused = call(
        &app,
        &coord,
        Method::PUT,
        &rules_path,
        None,
        Some(json!({"outlier": 2})),
    )
    .await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "unknown_field", "{problem}");
    let unchanged = json(call(&app, &coord, Method::GET, &rules_path, None, None).await).await;
    assert_eq!(
        (unchanged["custom"].clone(), unchanged["version"].clone()),
        (json!(false), json!(0))
    );

    // Only coordinators and admins set rules; unknown plans are 404.
    let good = json!({
        "schedule": {"monthly": {"window": {"rule": "cutoff_day", "day": 14},
                                 "deadline": {"rule": "working_days_after_cutoff", "days": 10}}},
        "outlier_factor": 0
    });
    let forbidden = call(
        &app,
        &commune.approver,
        Method::PUT,
        &rules_path,
        None,
        Some(good.clone()),
    )
    .await;
    assert_problem(forbidden, 403, "forbidden").await;
    let missing = call(
        &app,
        &coord,
        Method::PUT,
        "/api/v1/plans/987654/reporting-rules",
        None,
        Some(good.clone()),
    )
    .await;
    assert_eq!(missing.status(), 404);

    // Monthly reports now fall due ten working days after the window closes on the 14th.
    let set = call(
        &app,
        &coord,
        Method::PUT,
        &rules_path,
        Some("\"v0\""),
        Some(good.clone()),
    )
    .await;
    assert_eq!(set.status(), 200);
    assert_eq!(etag_of(&set), "\"v1\"");
    let set = json(set).await;
    assert_eq!(set["custom"], true);
    assert_eq!(
        set["schedule"]["quarterly"]["deadline"]["day"], 20,
        "kinds left out keep the defaults"
    );
    let expected = working_days_after(NaiveDate::from_ymd_opt(2026, 11, 14).unwrap(), 10);
    let draft = json(
        call(
            &app,
            &commune.reporter,
            Method::GET,
            &draft_path,
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        draft["deadline"],
        expected.to_string(),
        "the unsubmitted draft moved"
    );
    let october = json(
        call(
            &app,
            &department.reporter,
            Method::GET,
            &report_path(DEPARTMENT, "2026-10"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        october["deadline"], "2026-10-20",
        "a submitted report keeps its deadline"
    );
    let info = period_info(&app, &commune.reporter, "2026-11").await;
    assert_eq!(
        (info["deadline"].clone(), info["plan"].clone()),
        (json!(expected.to_string()), json!("KH-REPORTS"))
    );
    let stale = call(
        &app,
        &coord,
        Method::PUT,
        &rules_path,
        Some("\"v0\""),
        Some(good.clone()),
    )
    .await;
    assert_problem(stale, 412, "precondition_failed").await;

    // The outlier factor: off (0), a tenfold jump from October is no warning; at 3 it is.
    let mut jump = body(ids, DEPARTMENT, 40.0);
    jump["indicator_values"][1]["value"] = json!(120);
    let november = report_path(DEPARTMENT, "2026-11");
    let outliers = |saved: &Value| {
        saved["warnings"]
            .as_array()
            .map(|w| w.iter().filter(|e| e["code"] == "outlier").count())
            .unwrap_or(0)
    };
    let saved = json(
        call(
            &app,
            &department.reporter,
            Method::PUT,
            &november,
            None,
            Some(jump.clone()),
        )
        .await,
    )
    .await;
    assert_eq!(outliers(&saved), 0, "{saved}");
    let mut three = good.clone();
    three["outlier_factor"] = json!(3);
    let set = call(
        &app,
        &coord,
        Method::PUT,
        &rules_path,
        Some("\"v1\""),
        Some(three),
    )
    .await;
    assert_eq!(set.status(), 200);
    let saved = json(
        call(
            &app,
            &department.reporter,
            Method::PUT,
            &november,
            None,
            Some(jump),
        )
        .await,
    )
    .await;
    assert_eq!(outliers(&saved), 1, "{saved}");

    // Dropping the rules brings the defaults back.
    let reset = call(
        &app,
        &coord,
        Method::DELETE,
        &rules_path,
        Some("\"v2\""),
        None,
    )
    .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(json(reset).await["custom"], false);
    let draft = json(
        call(
            &app,
            &commune.reporter,
            Method::GET,
            &draft_path,
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(draft["deadline"], "2026-11-20");
    let audit = app.audit_text();
    assert!(
        audit.contains("plan_reporting_rules.put") && audit.contains("plan_reporting_rules.reset")
    );
}
