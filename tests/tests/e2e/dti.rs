//! DTI scoring over HTTP: framework validation and versioning, the self-assessment and
//! verification flow, evidence, scores and ranks (compared with values computed here from the
//! same inputs), change since the previous year, live report facts, and access.

use chrono::Duration;
use dtihub_domain::dti::{SelfAssessment, Verification};
use dtihub_domain::period::Period;
use dtihub_domain::report::ReportStatus;
use dtihub_domain::unit::UnitCode;
use dtihub_service::reports::{self, LoadedState, ReportContent};
use dtihub_service::{dti, Actor, Store};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

const COMMUNE: &str = "XA-TRAM-CHIM";
const TWIN: &str = "XA-TAN-HONG";
const SELF_ONLY: &str = "XA-MY-QUI";
const YEAR: i32 = 2027;
/// Reports the framework's report fact expects in the year.
const EXPECTED_REPORTS: u32 = 4;

/// The test's framework: every rule kind, 200 points.
fn framework(title: &str) -> Value {
    json!({
        "title": title,
        "decision": "Thử nghiệm",
        "max_points": 200,
        "pillars": [
            {"code": "nhan_thuc_so", "name": "Nhận thức số", "max_points": 60, "criteria": [
                {"code": "A", "name": "Kế hoạch chuyển đổi số", "max_points": 30,
                 "rule": {"kind": "levels", "full": "Trước 31/3", "half": "Sau 31/3"},
                 "evidence_required": true},
                {"code": "B", "name": "Tổ công nghệ số", "max_points": 30,
                 "rule": {"kind": "boolean", "condition": "Có"}}
            ]},
            {"code": "chinh_quyen_so", "name": "Chính quyền số", "max_points": 140, "criteria": [
                {"code": "C", "name": "DVC toàn trình", "max_points": 50,
                 "rule": {"kind": "ratio", "numerator": "TTHC toàn trình", "denominator": "TTHC"}},
                {"code": "D", "name": "Hồ sơ trực tuyến", "max_points": 50,
                 "rule": {"kind": "linear_to_target", "target": 80}},
                {"code": "E", "name": "Báo cáo đúng hạn", "max_points": 40,
                 "rule": {"kind": "report_fact", "fact": "on_time_reports",
                          "expected_reports": EXPECTED_REPORTS}}
            ]}
        ]
    })
}

/// A unit's answers in the test's own terms.
#[derive(Debug, Clone, Copy)]
struct Answers {
    level: &'static str,
    met: bool,
    numerator: f64,
    denominator: f64,
    value: f64,
}

fn evidence() -> Value {
    json!({"number": "12/KH-UBND", "name": "Kế hoạch chuyển đổi số", "date": "2027-03-01",
           "summary": "Ban hành kế hoạch năm"})
}

fn answers_body(a: Answers) -> Value {
    json!({"answers": [
        {"criterion": "A", "level": a.level, "evidence": evidence()},
        {"criterion": "B", "met": a.met},
        {"criterion": "C", "numerator": a.numerator, "denominator": a.denominator},
        {"criterion": "D", "value": a.value, "note": "Số liệu Hệ thống giải quyết TTHC"}
    ]})
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Points per criterion A..E, computed here from the rules as the framework states them.
fn expected_points(a: Answers, on_time: u32) -> [f64; 5] {
    let level = match a.level {
        "full" => 30.0,
        "half" => 15.0,
        _ => 0.0,
    };
    [
        level,
        if a.met { 30.0 } else { 0.0 },
        r2(a.numerator / a.denominator * 50.0),
        r2((a.value / 80.0).min(1.0) * 50.0),
        r2((f64::from(on_time) / f64::from(EXPECTED_REPORTS)).min(1.0) * 40.0),
    ]
}

/// (pillar 1 points, pillar 2 points, total).
fn totals(p: [f64; 5]) -> (f64, f64, f64) {
    let one = r2(p[0] + p[1]);
    let two = r2(p[2] + p[3] + p[4]);
    (one, two, r2(one + two))
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

async fn send(
    app: &TestApp,
    who: Who,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut r = app.request_as(who, method, path).await;
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

async fn send_if_match(app: &TestApp, who: Who, path: &str, etag: &str, body: Value) -> Response {
    app.request_as(who, Method::PUT, path)
        .await
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

const COORDINATOR: Who = Who::User(Role::Coordinator);
const REPORTER: Who = Who::User(Role::UnitReporter);
const APPROVER: Who = Who::User(Role::UnitApprover);
const VIEWER: Who = Who::User(Role::Viewer);

fn self_path(unit: &str, year: i32) -> String {
    format!("/api/v1/units/{unit}/dti/{year}/self-assessment")
}

fn verify_path(unit: &str, year: i32) -> String {
    format!("/api/v1/units/{unit}/dti/{year}/verification")
}

async fn put_framework(app: &TestApp, year: i32, kind: &str, body: Value) -> Response {
    send(
        app,
        COORDINATOR,
        Method::PUT,
        &format!("/api/v1/dti/frameworks/{year}/{kind}"),
        Some(body),
    )
    .await
}

/// The deadline of a period's reports under the rules that govern it.
fn store_deadline(store: &Store, period: Period) -> chrono::NaiveDate {
    store
        .read(|conn| dtihub_service::reporting_rules::deadline_for(conn, period))
        .unwrap()
}

/// Loads monthly reports of `year` for a unit: the first `on_time` submitted before their
/// deadline, the next `late` after it, one more left as a draft.
fn load_reports(store: &Store, unit: &str, year: i32, on_time: u32, late: u32) {
    let actor = Actor::system("dti-test");
    let unit = UnitCode::parse(unit).unwrap();
    for month in 1..=on_time + late + 1 {
        let period: Period = format!("{year}-{month:02}").parse().unwrap();
        let deadline = store_deadline(store, period);
        let submitted = if month <= on_time {
            Some(deadline.and_hms_opt(1, 0, 0).unwrap() - Duration::days(2))
        } else if month <= on_time + late {
            Some(deadline.and_hms_opt(1, 0, 0).unwrap() + Duration::days(3))
        } else {
            None
        };
        let state = LoadedState {
            status: if submitted.is_some() {
                ReportStatus::Submitted
            } else {
                ReportStatus::Draft
            },
            submitted_at: submitted,
            reason: None,
        };
        store
            .transaction(|conn| {
                reports::load_in(
                    conn,
                    &actor,
                    &unit,
                    period,
                    &ReportContent::default(),
                    &state,
                )
            })
            .unwrap();
    }
}

fn save_direct(store: &Store, unit: &str, year: i32, a: Answers) -> i64 {
    let answers: SelfAssessment = serde_json::from_value(answers_body(a)).unwrap();
    dti::save_self_assessment(
        store,
        &Actor::system("dti-test"),
        &UnitCode::parse(unit).unwrap(),
        year,
        None,
        answers,
    )
    .unwrap()
    .version
}

fn verify_direct(store: &Store, unit: &str, year: i32, body: Value) {
    let v: Verification = serde_json::from_value(body).unwrap();
    dti::verify(
        store,
        &Actor::system("dti-test"),
        &UnitCode::parse(unit).unwrap(),
        year,
        None,
        v,
    )
    .unwrap();
}

fn pointers(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"]
                    .as_str()
                    .or(e["parameter"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_framework_that_does_not_add_up_is_refused_with_pointers() {
    let app = spawn_app().await;
    let mut bad = framework("Sai");
    bad["pillars"][0]["max_points"] = json!(70);
    bad["pillars"][1]["criteria"][1]["code"] = json!("A");
    bad["pillars"][1]["criteria"][1]["rule"]["target"] = json!(0);
    bad["pillars"][1]["criteria"][0]
        .as_object_mut()
        .unwrap()
        .remove("rule");
    bad["pillars"][0]["criteria"][0]["rule"]["half"] = json!("");
    let response = app
        .request_as(
            COORDINATOR,
            Method::PUT,
            "/api/v1/dti/frameworks/2030/commune",
        )
        .await
        .header("Accept-Language", "en")
        .json(&bad)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422, "validation_failed").await;
    let got = pointers(&problem);
    for want in [
        ("/pillars/0/max_points", "points_do_not_add_up"),
        ("/max_points", "points_do_not_add_up"),
        ("/pillars/1/criteria/1/code", "duplicate"),
        ("/pillars/1/criteria/1/rule/target", "not_positive"),
        ("/pillars/1/criteria/0/rule", "required"),
        ("/pillars/0/criteria/0/rule/half", "required"),
    ] {
        assert!(
            got.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} not in {got:?}"
        );
    }
    let message = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["pointer"] == "/pillars/0/max_points")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("70") && message.contains("60"),
        "{message}"
    );
    // An unknown rule kind or field is named too, and nothing was stored.
    let mut unknown = framework("Sai");
    unknown["pillars"][0]["criteria"][1]["rule"] = json!({"kind": "guess"});
    let problem = assert_problem(
        put_framework(&app, 2030, "commune", unknown).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/pillars/0/criteria/1/rule/kind"
    );
    let response = send(
        &app,
        VIEWER,
        Method::GET,
        "/api/v1/dti/frameworks/2030/commune",
        None,
    )
    .await;
    assert_problem(response, 404, "not_found").await;
    // Bad path parameters are 400 naming the parameter.
    let response = put_framework(&app, 30, "commune", framework("x")).await;
    let problem = assert_problem(response, 400, "invalid_path").await;
    assert_eq!(problem["errors"][0]["parameter"], "year");
    let response = put_framework(&app, 2030, "province", framework("x")).await;
    let problem = assert_problem(response, 400, "invalid_path").await;
    assert_eq!(problem["errors"][0]["parameter"], "unit_kind");
}

#[tokio::test]
async fn a_framework_is_replaced_with_if_match_until_a_unit_self_assesses() {
    let app = spawn_app().await;
    let path = "/api/v1/dti/frameworks/2030/commune";
    let created = put_framework(&app, 2030, "commune", framework("Bản 1")).await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["etag"], "\"v1\"");
    let body = json(created).await;
    assert_eq!(body["version"], 1);
    assert!(close(&body["max_points"], 200.0));
    assert_eq!(body["in_use"], false);
    // Readers of the catalog read it, the commune's client too.
    let read = send(&app, Who::CommuneClient, Method::GET, path, None).await;
    assert_eq!(read.status(), 200);
    let read = json(read).await;
    assert_eq!(
        read["framework"]["pillars"][1]["criteria"][2]["rule"]["kind"],
        "report_fact"
    );
    // Only coordinators (and admins) write.
    let response = send(&app, VIEWER, Method::PUT, path, Some(framework("x"))).await;
    assert_problem(response, 403, "forbidden").await;
    let response = send(&app, APPROVER, Method::PUT, path, Some(framework("x"))).await;
    assert_problem(response, 403, "forbidden").await;
    let replaced = send_if_match(&app, COORDINATOR, path, "\"v1\"", framework("Bản 2")).await;
    assert_eq!(replaced.status(), 200);
    assert_eq!(json(replaced).await["framework"]["title"], "Bản 2");
    let stale = send_if_match(&app, COORDINATOR, path, "\"v1\"", framework("Bản 3")).await;
    assert_problem(stale, 412, "precondition_failed").await;
    // Once a unit has self-assessed, the framework is frozen.
    let saved = send(
        &app,
        REPORTER,
        Method::PUT,
        &self_path(COMMUNE, 2030),
        Some(json!({"answers": []})),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let frozen = put_framework(&app, 2030, "commune", framework("Bản 4")).await;
    assert_problem(frozen, 409, "dti_framework_in_use").await;
    let read = json(send(&app, VIEWER, Method::GET, path, None).await).await;
    assert_eq!(read["in_use"], true);
    assert_eq!(read["version"], 2);
    assert_eq!(read["framework"]["title"], "Bản 2");
    let audit = app.audit_text();
    assert!(audit.contains("dti_framework.create"), "{audit}");
    assert!(audit.contains("dti_framework.replace"), "{audit}");
}

#[tokio::test]
async fn self_assessment_needs_evidence_and_well_formed_answers() {
    let app = spawn_app().await;
    assert_eq!(
        put_framework(&app, YEAR, "commune", framework("F"))
            .await
            .status(),
        201
    );
    let path = self_path(COMMUNE, YEAR);
    let blank = send(&app, REPORTER, Method::GET, &path, None).await;
    assert_eq!(blank.status(), 200);
    assert_eq!(blank.headers()["etag"], "\"v0\"");
    let blank = json(blank).await;
    assert_eq!(blank["status"], "not_started");
    assert!(close(&blank["overall"]["self_points"], 0.0));
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"answers": [{"criterion": "A", "level": "full"}]}),
            "/answers/0/evidence",
            "evidence_required",
        ),
        (
            json!({"answers": [{"criterion": "A", "level": "half",
                "evidence": {"number": "1/KH", "name": "Kế hoạch", "summary": "x"}}]}),
            "/answers/0/evidence/date",
            "required",
        ),
        (
            json!({"answers": [{"criterion": "C", "numerator": 5, "denominator": 4}]}),
            "/answers/0/numerator",
            "numerator_exceeds_denominator",
        ),
        (
            json!({"answers": [{"criterion": "C", "numerator": 0, "denominator": 0}]}),
            "/answers/0/denominator",
            "not_positive",
        ),
        (
            json!({"answers": [{"criterion": "B"}]}),
            "/answers/0/met",
            "required",
        ),
        (
            json!({"answers": [{"criterion": "E"}]}),
            "/answers/0/criterion",
            "computed_criterion",
        ),
        (
            json!({"answers": [{"criterion": "Z", "met": true}]}),
            "/answers/0/criterion",
            "unknown_criterion",
        ),
        (
            json!({"answers": [{"criterion": "B", "met": true}, {"criterion": "B", "met": false}]}),
            "/answers/1/criterion",
            "duplicate_item",
        ),
        (
            json!({"answers": [{"criterion": "A", "level": "most"}]}),
            "/answers/0/level",
            "invalid_value",
        ),
    ];
    for (body, pointer, code) in cases {
        let response = send(&app, REPORTER, Method::PUT, &path, Some(body.clone())).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let got = pointers(&problem);
        assert!(
            got.contains(&(pointer.to_owned(), code.to_owned())),
            "{body}: {got:?}"
        );
    }
    // A level of zero claims nothing and needs no evidence; nothing above was written.
    let zero = json!({"answers": [{"criterion": "A", "level": "zero"}]});
    let response = send(&app, REPORTER, Method::PUT, &path, Some(zero)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["version"], 1);
}

#[tokio::test]
async fn the_unit_self_assesses_the_coordinator_verifies_and_both_scores_are_kept() {
    let app = spawn_app().await;
    assert_eq!(
        put_framework(&app, YEAR, "commune", framework("F"))
            .await
            .status(),
        201
    );
    let (on_time, late) = (1, 1);
    load_reports(&app.store, COMMUNE, YEAR, on_time, late);
    let mine = Answers {
        level: "full",
        met: true,
        numerator: 7.0,
        denominator: 9.0,
        value: 60.0,
    };
    let path = self_path(COMMUNE, YEAR);
    let saved = send_if_match(&app, REPORTER, &path, "\"v0\"", answers_body(mine)).await;
    assert_eq!(saved.status(), 200);
    assert_eq!(saved.headers()["etag"], "\"v1\"");
    let saved = json(saved).await;
    let points = expected_points(mine, on_time);
    let (one, two, total) = totals(points);
    assert_eq!(saved["status"], "self_assessed");
    for (i, c) in saved["criteria"].as_array().unwrap().iter().enumerate() {
        assert!(close(&c["self_points"], points[i]), "{c}");
        assert!(c["verified_points"].is_null());
    }
    assert!(close(&saved["pillars"][0]["self_points"], one));
    assert!(close(&saved["pillars"][1]["self_points"], two));
    assert!(close(&saved["pillars"][1]["self_index"], r4(two / 140.0)));
    assert!(close(&saved["overall"]["self_points"], total));
    assert!(close(&saved["overall"]["self_index"], r4(total / 200.0)));
    assert!(saved["overall"]["verified_points"].is_null());
    assert_eq!(
        saved["answers"][3]["note"],
        "Số liệu Hệ thống giải quyết TTHC"
    );
    // A stale save is refused.
    let stale = send_if_match(&app, APPROVER, &path, "\"v0\"", answers_body(mine)).await;
    assert_problem(stale, 412, "precondition_failed").await;

    // The unit cannot verify itself; the coordinator must give reasons for differences.
    let vpath = verify_path(COMMUNE, YEAR);
    let reduce = json!({"criteria": [{"criterion": "A", "points": 15}]});
    let response = send(&app, APPROVER, Method::PUT, &vpath, Some(reduce.clone())).await;
    assert_problem(response, 403, "forbidden").await;
    let response = send(&app, COORDINATOR, Method::PUT, &vpath, Some(reduce)).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        pointers(&problem),
        vec![(
            "/criteria/0/reason".to_owned(),
            "reason_required".to_owned()
        )]
    );
    let too_many = json!({"criteria": [{"criterion": "B", "points": 31, "reason": "?"}]});
    let response = send(&app, COORDINATOR, Method::PUT, &vpath, Some(too_many)).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        pointers(&problem),
        vec![("/criteria/0/points".to_owned(), "out_of_range".to_owned())]
    );
    let verification = json!({
        "criteria": [
            {"criterion": "A", "points": 15, "reason": "Ban hành sau 31/3"},
            {"criterion": "C"}
        ],
        "note": "Đã đối chiếu"
    });
    let stale = send_if_match(&app, COORDINATOR, &vpath, "\"v0\"", verification.clone()).await;
    assert_problem(stale, 412, "precondition_failed").await;
    let verified = send_if_match(&app, COORDINATOR, &vpath, "\"v1\"", verification).await;
    assert_eq!(verified.status(), 200);
    let verified = json(verified).await;
    assert_eq!(verified["status"], "verified");
    assert_eq!(verified["version"], 2);
    let mut checked = points;
    checked[0] = 15.0;
    let (v_one, v_two, v_total) = totals(checked);
    for (i, c) in verified["criteria"].as_array().unwrap().iter().enumerate() {
        assert!(close(&c["self_points"], points[i]), "{c}");
        assert!(close(&c["verified_points"], checked[i]), "{c}");
    }
    assert_eq!(verified["criteria"][0]["reason"], "Ban hành sau 31/3");
    assert!(close(&verified["pillars"][0]["verified_points"], v_one));
    assert!(close(&verified["pillars"][1]["verified_points"], v_two));
    assert!(close(&verified["overall"]["self_points"], total));
    assert!(close(&verified["overall"]["verified_points"], v_total));
    assert!(close(
        &verified["overall"]["verified_index"],
        r4(v_total / 200.0)
    ));
    assert_eq!(verified["verified_by"], "user:demo-coordinator");
    // Once verified the unit can no longer change its answers.
    let response = send(&app, REPORTER, Method::PUT, &path, Some(answers_body(mine))).await;
    assert_problem(response, 409, "dti_already_verified").await;
    // The explanation shows every criterion, both scores and the unit's line.
    let response = send(
        &app,
        REPORTER,
        Method::GET,
        &format!("/api/v1/dti/scores/{COMMUNE}?period={YEAR}"),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let explained = json(response).await;
    assert_eq!(explained["period"], YEAR.to_string());
    assert_eq!(
        explained["assessment"]["criteria"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        explained["assessment"]["criteria"][4]["rule"],
        "report_fact"
    );
    assert_eq!(
        explained["assessment"]["answers"][0]["evidence"]["number"],
        "12/KH-UBND"
    );
    assert_eq!(
        explained["assessment"]["verification"]["note"],
        "Đã đối chiếu"
    );
    assert!(close(
        &explained["score"]["overall"]["verified_points"],
        v_total
    ));
    assert_eq!(explained["score"]["rank"], 1);
    let audit = app.audit_text();
    assert!(
        audit.contains("dti.self_assess") && audit.contains("dti.verify"),
        "{audit}"
    );
    // A verification needs a self-assessment.
    let response = send(
        &app,
        COORDINATOR,
        Method::PUT,
        &verify_path(SELF_ONLY, YEAR),
        Some(json!({})),
    )
    .await;
    assert_problem(response, 409, "dti_not_self_assessed").await;
}

/// Competition ranking ("1224") on hundredths, computed independently of the server's.
fn competition_ranks(points: &[Option<f64>]) -> Vec<Option<u64>> {
    points
        .iter()
        .map(|p| {
            p.map(|p| {
                let mine = (p * 100.0).round();
                1 + points
                    .iter()
                    .flatten()
                    .filter(|q| (**q * 100.0).round() > mine)
                    .count() as u64
            })
        })
        .collect()
}

#[tokio::test]
async fn scores_rank_units_share_ties_show_change_and_follow_the_reports() {
    let app = spawn_app().await;
    for year in [YEAR - 1, YEAR] {
        assert_eq!(
            put_framework(&app, year, "commune", framework("F"))
                .await
                .status(),
            201
        );
    }
    let strong = Answers {
        level: "full",
        met: true,
        numerator: 8.0,
        denominator: 10.0,
        value: 70.0,
    };
    let weaker = Answers {
        level: "half",
        met: true,
        numerator: 3.0,
        denominator: 7.0,
        value: 90.0,
    };
    let last_year = Answers {
        level: "half",
        met: false,
        numerator: 2.0,
        denominator: 10.0,
        value: 30.0,
    };
    // This year: COMMUNE and TWIN give the same answers and have the same reports (a tie);
    // SELF_ONLY is not verified. Last year COMMUNE was weaker and TWIN did not take part.
    load_reports(&app.store, COMMUNE, YEAR, 2, 1);
    load_reports(&app.store, TWIN, YEAR, 2, 0);
    load_reports(&app.store, SELF_ONLY, YEAR, 0, 3);
    let reduction =
        json!({"criteria": [{"criterion": "D", "points": 20, "reason": "Số liệu chưa khớp"}]});
    for unit in [COMMUNE, TWIN] {
        save_direct(&app.store, unit, YEAR, strong);
        verify_direct(&app.store, unit, YEAR, reduction.clone());
    }
    save_direct(&app.store, SELF_ONLY, YEAR, weaker);
    save_direct(&app.store, COMMUNE, YEAR - 1, last_year);
    verify_direct(&app.store, COMMUNE, YEAR - 1, json!({}));
    save_direct(&app.store, SELF_ONLY, YEAR - 1, weaker);
    verify_direct(&app.store, SELF_ONLY, YEAR - 1, json!({}));

    let scores_path = format!("/api/v1/dti/scores?period={YEAR}&unit_kind=commune");
    let board = json(send(&app, VIEWER, Method::GET, &scores_path, None).await).await;
    assert_eq!(board["period"], YEAR.to_string());
    assert!(close(&board["max_points"], 200.0));
    assert_eq!(board["pillars"][0]["name"], "Nhận thức số");
    let line = |unit: &str| {
        board["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == unit)
            .unwrap_or_else(|| panic!("{unit} missing"))
            .clone()
    };
    // Expected scores, computed here.
    let commune_self = expected_points(strong, 2);
    let mut commune_verified = commune_self;
    commune_verified[3] = 20.0;
    let twin_self = expected_points(strong, 2);
    let mut twin_verified = twin_self;
    twin_verified[3] = 20.0;
    let self_only = expected_points(weaker, 0);
    let (_, _, c_total) = totals(commune_verified);
    let (_, _, t_total) = totals(twin_verified);
    let (_, _, s_total) = totals(self_only);
    let units = [COMMUNE, TWIN, SELF_ONLY];
    let verified_totals = [Some(c_total), Some(t_total), None];
    let self_totals = [
        Some(totals(commune_self).2),
        Some(totals(twin_self).2),
        Some(s_total),
    ];
    let ranks = competition_ranks(&verified_totals);
    let self_ranks = competition_ranks(&self_totals);
    assert_eq!(ranks[0], ranks[1], "equal points share a rank");
    for (i, unit) in units.iter().enumerate() {
        let l = line(unit);
        assert_eq!(l["rank"].as_u64(), ranks[i], "{unit}: {l}");
        assert_eq!(l["self_rank"].as_u64(), self_ranks[i], "{unit}: {l}");
        assert!(
            close(&l["overall"]["self_points"], self_totals[i].unwrap()),
            "{l}"
        );
        match verified_totals[i] {
            Some(v) => {
                assert!(close(&l["overall"]["verified_points"], v), "{l}");
                assert!(close(&l["overall"]["verified_index"], r4(v / 200.0)), "{l}");
            }
            None => assert!(l["overall"]["verified_points"].is_null(), "{l}"),
        }
    }
    let c = line(COMMUNE);
    let (one, two, _) = totals(commune_verified);
    assert!(close(&c["pillars"][0]["verified_points"], one));
    assert!(close(&c["pillars"][0]["verified_index"], r4(one / 60.0)));
    assert!(close(&c["pillars"][1]["verified_points"], two));
    assert!(close(&c["pillars"][1]["verified_index"], r4(two / 140.0)));
    // Change since last year: COMMUNE was the only verified unit then (rank 1), besides
    // SELF_ONLY; compute both ranks and indexes.
    let then = totals(expected_points(last_year, 0)).2;
    let then_other = totals(expected_points(weaker, 0)).2;
    let then_ranks = competition_ranks(&[Some(then), Some(then_other)]);
    let change = &c["change"];
    assert_eq!(change["previous_period"], (YEAR - 1).to_string());
    assert!(
        close(
            &change["verified_index"],
            r4(r4(c_total / 200.0) - r4(then / 200.0))
        ),
        "{change}"
    );
    let rank_change = then_ranks[0].unwrap() as i64 - ranks[0].unwrap() as i64;
    assert_eq!(change["rank"].as_i64(), Some(rank_change), "{change}");
    assert!(line(TWIN)["change"].is_null());
    assert!(line(SELF_ONLY)["change"]["verified_index"].is_null());
    // A unit that filed nothing is listed without points or rank.
    let idle = line("XA-PHU-THO");
    assert_eq!(idle["status"], "not_started");
    assert!(idle["overall"].is_null() && idle["rank"].is_null());
    // Ranked units come first, in rank order.
    let order: Vec<Option<u64>> = board["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["rank"].as_u64())
        .collect();
    assert_eq!(order[0], Some(1));
    assert_eq!(order[1], Some(1));
    assert_eq!(order[2], None);

    // Report facts follow the reports as they stand: another on-time report lifts TWIN.
    let actor = Actor::system("dti-test");
    let period: Period = format!("{YEAR}-06").parse().unwrap();
    let deadline = store_deadline(&app.store, period);
    app.store
        .transaction(|conn| {
            reports::load_in(
                conn,
                &actor,
                &UnitCode::parse(TWIN).unwrap(),
                period,
                &ReportContent::default(),
                &LoadedState {
                    status: ReportStatus::Submitted,
                    submitted_at: Some(deadline.and_hms_opt(1, 0, 0).unwrap()),
                    reason: None,
                },
            )
        })
        .unwrap();
    let board = json(send(&app, VIEWER, Method::GET, &scores_path, None).await).await;
    let mut lifted = twin_verified;
    lifted[4] = expected_points(strong, 3)[4];
    let twin = board["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == TWIN)
        .unwrap()
        .clone();
    assert!(
        close(&twin["overall"]["verified_points"], totals(lifted).2),
        "{twin}"
    );
    assert_eq!(twin["rank"], 1);
    assert_eq!(board["units"][1]["unit"], COMMUNE);
    assert_eq!(board["units"][1]["rank"], 2);

    // The ranking rows for the export agree.
    let rows = dti::ranking_rows(&app.store, YEAR, "commune").unwrap();
    assert_eq!(rows[0].stt, 1);
    assert_eq!(rows[0].unit, TWIN);
    assert_eq!(rows[0].rank, Some(1));
    assert!((rows[0].points.unwrap() - totals(lifted).2).abs() < 1e-9);
    assert_eq!(rows[0].pillars[1].name, "Chính quyền số");
    let unverified = rows.iter().find(|r| r.unit == SELF_ONLY).unwrap();
    assert!(!unverified.verified);
    assert!((unverified.points.unwrap() - s_total).abs() < 1e-9);
}

#[tokio::test]
async fn scopes_and_parameters_are_checked() {
    let app = spawn_app().await;
    assert_eq!(
        put_framework(&app, YEAR, "commune", framework("F"))
            .await
            .status(),
        201
    );
    // Another unit's assessment and explanation do not exist for a unit's callers.
    for who in [REPORTER, APPROVER, Who::CommuneClient] {
        for (method, path, body) in [
            (Method::GET, self_path(SELF_ONLY, YEAR), None),
            (
                Method::PUT,
                self_path(SELF_ONLY, YEAR),
                Some(json!({"answers": []})),
            ),
            (Method::PUT, verify_path(SELF_ONLY, YEAR), Some(json!({}))),
            (
                Method::GET,
                format!("/api/v1/dti/scores/{SELF_ONLY}?period={YEAR}"),
                None,
            ),
        ] {
            let response = send(&app, who, method.clone(), &path, body).await;
            assert_problem(response, 404, "not_found").await;
        }
        // The ranking itself is published to every reader.
        let response = send(
            &app,
            who,
            Method::GET,
            &format!("/api/v1/dti/scores?period={YEAR}&unit_kind=commune"),
            None,
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    // Coordinators and viewers do not self-assess.
    for who in [COORDINATOR, VIEWER] {
        let response = send(
            &app,
            who,
            Method::PUT,
            &self_path(COMMUNE, YEAR),
            Some(json!({"answers": []})),
        )
        .await;
        assert_problem(response, 403, "forbidden").await;
    }
    // Query parameters.
    let response = send(
        &app,
        VIEWER,
        Method::GET,
        "/api/v1/dti/scores?period=2027-05&unit_kind=ward",
        None,
    )
    .await;
    let problem = assert_problem(response, 400, "invalid_query").await;
    let got = pointers(&problem);
    assert!(
        got.contains(&("period".into(), "invalid_year".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("unit_kind".into(), "invalid_enum".into())),
        "{got:?}"
    );
    let response = send(&app, VIEWER, Method::GET, "/api/v1/dti/scores", None).await;
    let problem = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(pointers(&problem).len(), 2);
    let response = send(
        &app,
        VIEWER,
        Method::GET,
        "/api/v1/dti/scores?period=2031&unit_kind=commune",
        None,
    )
    .await;
    assert_problem(response, 404, "not_found").await;
    // No framework for the unit's kind that year: nothing to self-assess against.
    let response = send(
        &app,
        REPORTER,
        Method::PUT,
        &self_path(COMMUNE, 2031),
        Some(json!({"answers": []})),
    )
    .await;
    assert_problem(response, 409, "dti_framework_missing").await;
}

#[tokio::test]
async fn the_demo_has_2025_frameworks_and_ranked_units() {
    let app = spawn_app().await;
    for kind in ["department", "commune"] {
        let f = json(
            send(
                &app,
                VIEWER,
                Method::GET,
                &format!("/api/v1/dti/frameworks/2025/{kind}"),
                None,
            )
            .await,
        )
        .await;
        assert!(close(&f["max_points"], 1000.0), "{f}");
        let nhan_thuc = &f["framework"]["pillars"][0];
        assert_eq!(nhan_thuc["name"], "Nhận thức số");
        assert!(close(&nhan_thuc["max_points"], 60.0));
        assert_eq!(f["in_use"], true);
        let board = json(
            send(
                &app,
                VIEWER,
                Method::GET,
                &format!("/api/v1/dti/scores?period=2025&unit_kind={kind}"),
                None,
            )
            .await,
        )
        .await;
        let units = board["units"].as_array().unwrap();
        assert_eq!(units[0]["rank"], 1, "{kind}");
        assert!(
            units.iter().any(|u| u["status"] == "self_assessed"),
            "{kind}"
        );
        assert!(units.iter().any(|u| !u["change"].is_null()), "{kind}");
    }
    let mine = json(send(&app, REPORTER, Method::GET, &self_path(COMMUNE, 2025), None).await).await;
    assert_eq!(mine["status"], "self_assessed");
}
