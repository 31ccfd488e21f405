//! Aggregates over HTTP: compliance, indicator roll-up, evaluation with official assessments,
//! tasks and finance, each checked against values the test computes itself from the same
//! inputs (the catalog and the reports as other endpoints show them), on the demo data's
//! documented figures, and for who may read them.

use std::collections::BTreeMap;

use dtihub_db::repo;
use dtihub_domain::period::Period;
use dtihub_domain::unit::UnitCode;
use dtihub_service::reports::{self, IndicatorValue, LoadedState, ReportContent, TaskProgress};
use dtihub_service::{Actor, Store};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

const RESULTS_2023: &str =
    include_str!("../../../crates/service/src/demo/catalog/indicator_results_2023.csv");

pub fn plan_id(store: &Store, code: &str) -> i64 {
    store
        .read(|conn| Ok(repo::catalog::plans::find_by_code(conn, code)?))
        .unwrap()
        .unwrap_or_else(|| panic!("plan {code}"))
        .id
}

pub async fn get_json(app: &TestApp, who: Who, path: &str) -> Value {
    let response = app
        .request_as(who, Method::GET, path)
        .await
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = json(response).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

const VIEWER: Who = Who::User(Role::Viewer);
const COORDINATOR: Who = Who::User(Role::Coordinator);

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn i(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

#[tokio::test]
async fn the_2023_evaluation_reads_43_of_51_and_lists_where_the_rule_differs() {
    let app = spawn_app().await;
    let plan = plan_id(&app.store, "KH-99-2023");
    let e = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/evaluation?plan={plan}&year=2023"),
    )
    .await;
    // The documents' figures…
    let o = &e["summary"]["official"];
    assert_eq!(
        (
            o["total"].clone(),
            o["achieved"].clone(),
            o["exceeded"].clone(),
            o["met"].clone(),
            o["not_met"].clone()
        ),
        (json!(51), json!(43), json!(17), json!(26), json!(8)),
        "{}",
        e["summary"]
    );
    // …and the same counts from the transcribed appendix.
    let mut printed: BTreeMap<String, String> = BTreeMap::new();
    for row in csv::Reader::from_reader(RESULTS_2023.as_bytes()).records() {
        let row = row.unwrap();
        printed.insert(row[0].to_owned(), row[5].to_owned());
    }
    let count = |a: &str| printed.values().filter(|v| *v == a).count();
    assert_eq!(i(&o["exceeded"]), i64::try_from(count("exceeded")).unwrap());
    assert_eq!(i(&o["met"]), i64::try_from(count("met")).unwrap());
    assert_eq!(i(&o["not_met"]), i64::try_from(count("not_met")).unwrap());

    let items = e["items"].as_array().unwrap();
    assert_eq!(items.len(), 51);
    let mut differing = Vec::new();
    for item in items {
        let code = item["code"].as_str().unwrap();
        assert_eq!(item["official"], printed[code], "{code}");
        assert_eq!(item["actual_source"], "reported", "{code}");
        // The rule recomputed here for the numeric at-least indicators.
        if let (Some(v), Some(t)) = (item["actual_value"].as_f64(), item["target_value"].as_f64()) {
            if item["measure"] != "boolean" && item["direction"] == "at_least" {
                let want = if (v - t).abs() < 0.005 {
                    "met"
                } else if v > t {
                    "exceeded"
                } else {
                    "not_met"
                };
                assert_eq!(item["suggested"], want, "{code}: {v} vs {t}");
            }
        }
        let differs =
            item["suggested"] != "not_assessable" && item["suggested"] != item["official"];
        assert_eq!(item["differs"], differs, "{code}");
        if differs {
            differing.push(code.to_owned());
        }
    }
    assert_eq!(e["differences"], json!(differing));
    assert_eq!(
        i(&e["summary"]["differing"]),
        i64::try_from(differing.len()).unwrap()
    );
    // 74,51% against "Trên 60%": suggested exceeded, officially met.
    let row12 = items.iter().find(|i| i["code"] == "KH99-2023-12").unwrap();
    assert_eq!(row12["actual_value"], 74.51);
    assert_eq!(row12["suggested"], "exceeded");
    assert_eq!(row12["official"], "met");
    assert!(differing.contains(&"KH99-2023-12".to_owned()));
    // Pillar counts add up to the overall ones.
    let pillars = e["pillars"].as_array().unwrap();
    let sum = |k: &str| pillars.iter().map(|p| i(&p["official"][k])).sum::<i64>();
    assert_eq!(sum("total"), 51);
    assert_eq!(sum("achieved"), 43);
    assert_eq!(sum("not_met"), 8);
    let per_pillar: BTreeMap<&str, i64> = items.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i["pillar"].as_str().unwrap()).or_insert(0) += 1;
        m
    });
    for p in pillars {
        assert_eq!(
            i(&p["official"]["total"]),
            per_pillar[p["pillar"].as_str().unwrap()]
        );
    }
}

#[tokio::test]
async fn the_demo_finance_reproduces_the_documents_totals_and_spending_share() {
    let app = spawn_app().await;
    // 2023: 171,17 tỷ of 15.687.824 triệu → 1,09%.
    let f23 = get_json(&app, VIEWER, "/api/v1/aggregates/finance?year=2023").await;
    let share = &f23["spending_share"];
    assert_eq!(share["year"], 2023);
    assert_eq!(share["provincial_budget_vnd"], 15_687_824_000_000_i64);
    assert_eq!(share["declared_spending_vnd"], 171_170_000_000_i64);
    assert_eq!(share["declared_share"], 1.09);
    #[allow(clippy::cast_precision_loss)]
    let computed = round2(f(&share["computed_spending_vnd"]) * 100.0 / 15_687_824_000_000.0);
    assert_eq!(f(&share["computed_share"]), computed);
    // The 2023 tables do not add up to their printed totals: the mismatches are shown.
    let p23 = f23["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_code"] == "KH-99-2023")
        .unwrap();
    let mismatches = p23["totals"]["mismatches"].as_array().unwrap();
    assert!(
        mismatches
            .iter()
            .any(|m| m["declared_vnd"] == 319_944_000_000_i64
                && m["computed_vnd"] == 319_925_000_000_i64),
        "{mismatches:?}"
    );
    assert!(mismatches.iter().any(
        |m| m["declared_vnd"] == 87_143_000_000_i64 && m["computed_vnd"] == 88_563_000_000_i64
    ));

    // 2022 plan: 118.225 = 64.900 (15.000 central + 49.900 local) + 53.325.
    let p22 = plan_id(&app.store, "KH-145-2022");
    let f22 = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/finance?plan={p22}"),
    )
    .await;
    let t = &f22["plans"][0]["totals"]["computed"];
    assert_eq!(t["total_vnd"], 118_225_000_000_i64, "{t}");
    assert_eq!(t["investment_vnd"], 64_900_000_000_i64);
    assert_eq!(t["recurrent_vnd"], 53_325_000_000_i64);
    assert_eq!(t["investment_by_source"]["central_vnd"], 15_000_000_000_i64);
    assert_eq!(t["investment_by_source"]["local_vnd"], 49_900_000_000_i64);
    // Per project and per investor, against the catalog's own listing.
    let listing = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/plans/{p22}/projects?limit=200"),
    )
    .await;
    let catalog: Vec<&Value> = listing["items"].as_array().unwrap().iter().collect();
    let projects = f22["plans"][0]["projects"].as_array().unwrap();
    assert_eq!(projects.len(), catalog.len());
    let mut allocated_sum = 0;
    for p in projects {
        let c = catalog.iter().find(|c| c["id"] == p["project_id"]).unwrap();
        let allocated: i64 = c["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["year"] == 2022)
            .filter_map(|a| a["allocated_vnd"].as_i64())
            .sum();
        assert_eq!(
            p["allocated_vnd"].as_i64().unwrap_or(0),
            allocated,
            "{}",
            p["code"]
        );
        assert_eq!(p["total_investment_vnd"], c["total_investment_vnd"]);
        allocated_sum += allocated;
    }
    let by_investor: i64 = f22["plans"][0]["by_investor"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["allocated_vnd"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(by_investor, allocated_sum);
    assert_eq!(allocated_sum, 64_900_000_000_i64);
    let lines: i64 = f22["plans"][0]["recurrent_by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["amount_vnd"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(lines, 53_325_000_000_i64);
    // A multi-year or past plan's year has no share without a provincial budget.
    assert!(f22["spending_share"].is_null());

    // 2024 plan: 202,663 tỷ = 138,459 + 64,204.
    let p24 = plan_id(&app.store, "KH-52-2024");
    let f24 = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/finance?plan={p24}"),
    )
    .await;
    let t = &f24["plans"][0]["totals"]["computed"];
    assert_eq!(t["total_vnd"], 202_663_000_000_i64, "{t}");
    assert_eq!(t["investment_vnd"], 138_459_000_000_i64);
    assert_eq!(t["recurrent_vnd"], 64_204_000_000_i64);
}

// ---------------------------------------------------------------------------------------------
// A plan of the test's own, reported on by a few communes in 2026-10 (one through the API,
// submitted late and returned by the coordinator; the others loaded in known states).

use dtihub_domain::catalog::indicator::{IndicatorInput, TargetInput, UnitAssignmentInput};
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::task::TaskInput;
use dtihub_domain::catalog::PlanId;
use dtihub_domain::report::validation::TaskStatus;
use dtihub_domain::report::ReportStatus;
use dtihub_service::catalog::items::{self, CatalogItem};
use dtihub_service::catalog::{plans, Indicators, Tasks};

const PERIOD: &str = "2026-10";
const TRAM_CHIM: &str = "XA-TRAM-CHIM";
const MY_QUI: &str = "XA-MY-QUI";
const TAN_HONG: &str = "XA-TAN-HONG";
const AN_PHUOC: &str = "XA-AN-PHUOC";

struct Arranged {
    plan: i64,
    /// Percent, ratio of sums, reported by every commune; target 70.
    ratio: i64,
    /// Count, sum, reported by three communes; target 15.
    count: i64,
    /// Count, sum, reported by two communes, never by the province; target 12.
    rolled: i64,
    /// Milestone, reported by the province only.
    milestone: i64,
    /// (task id, category, lead unit, due date) in catalog order.
    tasks: Vec<(i64, &'static str, &'static str, &'static str)>,
}

fn create<I: CatalogItem>(store: &Store, plan: i64, input: &I::Input) -> i64 {
    items::create::<I>(store, &Actor::system("agg-test"), PlanId(plan), input)
        .unwrap()
        .stored
        .id
}

fn indicator(code: &str, measure: &str, roll_up: &str, target: f64) -> IndicatorInput {
    IndicatorInput {
        code: code.into(),
        name: format!("Chỉ tiêu {code}"),
        pillar: if measure == "percent" {
            "chinh_quyen_so"
        } else {
            "xa_hoi_so"
        }
        .into(),
        measure: measure.into(),
        direction: "at_least".into(),
        roll_up: Some(roll_up.into()),
        targets: vec![TargetInput {
            year: 2026,
            value: Some(target),
            text: format!("{target}"),
        }],
        ..IndicatorInput::default()
    }
}

fn load(store: &Store, unit: &str, period: &str, content: ReportContent, state: LoadedState) {
    let unit = UnitCode::parse(unit).unwrap();
    let period: Period = period.parse().unwrap();
    let actor = Actor::system("agg-test");
    assert!(store
        .transaction(|conn| reports::load_in(conn, &actor, &unit, period, &content, &state))
        .unwrap());
}

fn value(id: i64, value: Option<f64>, num: Option<f64>, den: Option<f64>) -> IndicatorValue {
    IndicatorValue {
        indicator_id: id,
        value,
        numerator: num,
        denominator: den,
        ..IndicatorValue::default()
    }
}

fn progress(id: i64, status: TaskStatus, pct: f64) -> TaskProgress {
    TaskProgress {
        task_id: id,
        status,
        percent_complete: Some(pct),
        result: Some("Kết quả".into()),
        ..TaskProgress::default()
    }
}

fn at(day: &str) -> Option<chrono::NaiveDateTime> {
    Some(
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    )
}

async fn arrange(app: &TestApp) -> Arranged {
    let store = &app.store;
    let plan = plans::create(
        store,
        &Actor::system("agg-test"),
        &PlanInput {
            code: "KH-AGG-2026".into(),
            title: "Kế hoạch thử tổng hợp".into(),
            kind: "annual".into(),
            first_year: 2026,
            last_year: 2026,
            status: "issued".into(),
            issuer_unit: Some("DONG-THAP".into()),
            ..PlanInput::default()
        },
    )
    .unwrap()
    .id;
    let ratio = create::<Indicators>(
        store,
        plan,
        &IndicatorInput {
            reporting_unit_kinds: vec!["commune".into()],
            ..indicator("AGG-TL", "percent", "ratio_of_sums", 70.0)
        },
    );
    let count = create::<Indicators>(
        store,
        plan,
        &IndicatorInput {
            reporting_units: vec![TRAM_CHIM.into(), MY_QUI.into(), TAN_HONG.into()],
            ..indicator("AGG-SL", "count", "sum", 15.0)
        },
    );
    let rolled = create::<Indicators>(
        store,
        plan,
        &IndicatorInput {
            reporting_units: vec![MY_QUI.into(), AN_PHUOC.into()],
            ..indicator("AGG-TH", "count", "sum", 12.0)
        },
    );
    let milestone = create::<Indicators>(
        store,
        plan,
        &IndicatorInput {
            code: "AGG-MS".into(),
            name: "Ban hành quy chế".into(),
            pillar: "the_che_so".into(),
            measure: "milestone".into(),
            direction: "exactly".into(),
            reporting_units: vec!["DONG-THAP".into()],
            targets: vec![TargetInput {
                year: 2026,
                value: None,
                text: "Ban hành quy chế".into(),
            }],
            ..IndicatorInput::default()
        },
    );
    let specs: [(&str, &str, &str, &str); 4] = [
        ("Hạ tầng", TRAM_CHIM, "Quý I/2026", "2026-03-31"),
        ("Hạ tầng", MY_QUI, "Năm 2026", "2026-12-31"),
        ("Dữ liệu", TAN_HONG, "Quý II/2026", "2026-06-30"),
        ("Dữ liệu", MY_QUI, "Tháng 05/2026", "2026-05-31"),
    ];
    let mut tasks = Vec::new();
    for (n, (category, lead, timing, due)) in specs.into_iter().enumerate() {
        let id = create::<Tasks>(
            store,
            plan,
            &TaskInput {
                code: format!("AGG-NV-{n}"),
                content: format!("Nhiệm vụ {n}"),
                category: Some(category.into()),
                lead: UnitAssignmentInput {
                    units: vec![lead.into()],
                    ..UnitAssignmentInput::default()
                },
                timing_text: Some(timing.into()),
                ..TaskInput::default()
            },
        );
        tasks.push((id, category, lead, due));
    }
    let a = Arranged {
        plan,
        ratio,
        count,
        rolled,
        milestone,
        tasks,
    };

    // XA-MY-QUI: submitted on time. XA-TAN-HONG: accepted, its ratio without numerator and
    // denominator. XA-AN-PHUOC: a draft (not counted). A fourth commune: returned.
    let content = |values: Vec<IndicatorValue>, tasks: Vec<TaskProgress>| ReportContent {
        indicator_values: values,
        task_progress: tasks,
        ..ReportContent::default()
    };
    let state = |status: ReportStatus, day: Option<&str>| LoadedState {
        status,
        submitted_at: day.and_then(at),
        reason: None,
    };
    load(
        store,
        MY_QUI,
        PERIOD,
        content(
            vec![
                value(ratio, None, Some(10.0), Some(50.0)),
                value(count, Some(7.0), None, None),
                value(rolled, Some(4.0), None, None),
            ],
            vec![
                progress(a.tasks[1].0, TaskStatus::InProgress, 40.0),
                progress(a.tasks[3].0, TaskStatus::Completed, 100.0),
            ],
        ),
        state(ReportStatus::Submitted, Some("2026-10-15")),
    );
    load(
        store,
        TAN_HONG,
        PERIOD,
        content(
            vec![
                value(ratio, Some(90.0), None, None),
                value(count, Some(3.0), None, None),
            ],
            vec![progress(a.tasks[2].0, TaskStatus::NotStarted, 0.0)],
        ),
        state(ReportStatus::Accepted, Some("2026-10-12")),
    );
    load(
        store,
        AN_PHUOC,
        PERIOD,
        content(
            vec![
                value(ratio, None, Some(50.0), Some(50.0)),
                value(rolled, Some(9.0), None, None),
            ],
            vec![],
        ),
        state(ReportStatus::Draft, None),
    );
    load(
        store,
        "XA-AN-HOA",
        PERIOD,
        content(vec![value(ratio, None, Some(1.0), Some(4.0))], vec![]),
        LoadedState {
            status: ReportStatus::Returned,
            submitted_at: at("2026-10-30"),
            reason: Some("Thiếu số liệu".into()),
        },
    );

    // XA-TRAM-CHIM through the API: saved, submitted after the deadline, accepted.
    let path = format!("/api/v1/units/{TRAM_CHIM}/reports/{PERIOD}");
    let body = json!({
        "indicator_values": [
            {"indicator_id": ratio, "numerator": 30, "denominator": 40, "value": 75},
            {"indicator_id": count, "value": 5},
        ],
        "task_progress": [{"task_id": a.tasks[0].0, "status": "completed", "percent_complete": 100,
                           "result": "Đã hoàn thành"}],
        "narrative": {"achievements": "Có", "limitations": "Có", "difficulties": "Có", "proposals": "Có"}
    });
    let saved = app
        .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
        .await
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let submitted = app
        .request_as(
            Who::User(Role::UnitApprover),
            Method::POST,
            &format!("{path}/submit"),
        )
        .await
        .json(&json!({"acknowledge_warnings": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        submitted.status(),
        200,
        "{}",
        submitted.text().await.unwrap()
    );
    let accepted = app
        .request_as(COORDINATOR, Method::POST, &format!("{path}/accept"))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200, "{}", accepted.text().await.unwrap());
    a
}

/// Every unit of the kinds valid on some day of the period, from the unit registry.
async fn expected_units(app: &TestApp, kinds: &[&str], period: Period) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/units?limit=200&include_retired=true".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(app, VIEWER, &path).await;
        for u in page["items"].as_array().unwrap() {
            let from: chrono::NaiveDate = u["valid_from"].as_str().unwrap().parse().unwrap();
            let to: Option<chrono::NaiveDate> = u["valid_to"].as_str().map(|t| t.parse().unwrap());
            let kind = u["kind"].as_str().unwrap();
            if kinds.contains(&kind)
                && from <= period.last_day()
                && to.is_none_or(|t| t >= period.first_day())
            {
                out.push(u["code"].as_str().unwrap().to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    out.sort();
    out
}

/// The period's reports from the listing, by unit.
async fn listed_reports(app: &TestApp, period: &str) -> BTreeMap<String, Value> {
    let page = get_json(
        app,
        VIEWER,
        &format!("/api/v1/reports?period={period}&limit=200"),
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["unit"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

#[tokio::test]
async fn compliance_counts_every_expected_unit_as_the_reports_stand() {
    let app = spawn_app().await;
    arrange(&app).await;
    let period: Period = PERIOD.parse().unwrap();
    for (query, kinds) in [
        ("", vec!["department", "commune"]),
        ("&unit_kind=commune", vec!["commune"]),
    ] {
        let c = get_json(
            &app,
            VIEWER,
            &format!("/api/v1/aggregates/compliance?period={PERIOD}{query}"),
        )
        .await;
        let expected = expected_units(&app, &kinds, period).await;
        let reports = listed_reports(&app, PERIOD).await;
        let deadline: chrono::NaiveDate = c["deadline"].as_str().unwrap().parse().unwrap();
        let today = dtihub_domain::schedule::vietnam_date(chrono::Utc::now());
        let passed = today > deadline;
        assert_eq!(c["deadline_passed"], passed);
        let units = c["units"].as_array().unwrap();
        let mut listed: Vec<String> = units
            .iter()
            .map(|u| u["unit"].as_str().unwrap().to_owned())
            .collect();
        listed.sort();
        assert_eq!(listed, expected);
        let (mut reported, mut on_time, mut late, mut accepted, mut returned) = (0, 0, 0, 0, 0);
        for u in units {
            let code = u["unit"].as_str().unwrap();
            let r = reports.get(code);
            let submitted = r.is_some_and(|r| r["first_submitted_at"].is_string());
            let want = match r {
                Some(r) if submitted && r["late"] == true => "late",
                Some(_) if submitted => "on_time",
                _ if passed => "missing",
                _ => "pending",
            };
            assert_eq!(u["timeliness"], want, "{code}");
            assert_eq!(
                u["status"],
                r.map_or(json!("not_started"), |r| r["status"].clone()),
                "{code}"
            );
            reported += i64::from(submitted);
            on_time += i64::from(want == "on_time");
            late += i64::from(want == "late");
            accepted += i64::from(r.is_some_and(|r| r["status"] == "accepted"));
            returned += i64::from(r.is_some_and(|r| r["status"] == "returned"));
        }
        let t = &c["totals"];
        let n = i64::try_from(expected.len()).unwrap();
        assert_eq!(i(&t["expected"]), n);
        assert_eq!(i(&t["reported"]), reported);
        assert_eq!(i(&t["on_time"]), on_time);
        assert_eq!(i(&t["late"]), late);
        assert_eq!(i(&t["accepted"]), accepted);
        assert_eq!(i(&t["returned"]), returned);
        assert_eq!(i(&t["missing"]) + i(&t["pending"]), n - reported);
        #[allow(clippy::cast_precision_loss)]
        {
            assert_eq!(
                f(&t["reporting_rate"]),
                round2(reported as f64 * 100.0 / n as f64)
            );
            assert_eq!(
                f(&t["on_time_rate"]),
                round2(on_time as f64 * 100.0 / n as f64)
            );
        }
        // The arrangement's own cases.
        let unit = |code: &str| units.iter().find(|u| u["unit"] == code).unwrap().clone();
        assert_eq!(unit(TRAM_CHIM)["status"], "accepted");
        assert_eq!(unit(MY_QUI)["timeliness"], "on_time");
        assert_eq!(unit("XA-AN-HOA")["status"], "returned");
        assert_eq!(unit("XA-AN-HOA")["returned_count"], 1);
        assert_eq!(unit(AN_PHUOC)["status"], "draft");
        assert!(reported >= 4 && late >= 1, "{t}");
    }
    // A period still open has pending units, not missing ones.
    let open = get_json(&app, VIEWER, "/api/v1/aggregates/compliance?period=2026-12").await;
    assert_eq!(open["deadline_passed"], false);
    assert_eq!(open["totals"]["missing"], 0);
    assert_eq!(open["totals"]["pending"], open["totals"]["expected"]);
}

#[tokio::test]
async fn the_roll_up_sums_numerators_and_denominators_of_counted_reports() {
    let app = spawn_app().await;
    let a = arrange(&app).await;
    let period: Period = PERIOD.parse().unwrap();
    let r = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/indicators/{}?period={PERIOD}", a.ratio),
    )
    .await;
    assert_eq!(r["roll_up"], "ratio_of_sums");
    // Counted: XA-MY-QUI 10/50, XA-TAN-HONG 90 (no ratio), XA-TRAM-CHIM 30/40; not the draft
    // nor the returned report.
    let counted = [
        (MY_QUI, Some((10.0, 50.0))),
        (TAN_HONG, None),
        (TRAM_CHIM, Some((30.0, 40.0))),
    ];
    let (num, den) = counted
        .iter()
        .filter_map(|(_, r)| *r)
        .fold((0.0, 0.0), |(n, d), (a, b)| (n + a, d + b));
    assert_eq!(f(&r["numerator_sum"]), num);
    assert_eq!(f(&r["denominator_sum"]), den);
    assert_eq!(f(&r["value"]), round2(num * 100.0 / den));
    assert_eq!(r["contributing_count"], 3);
    assert_eq!(r["without_ratio_count"], 1);
    let mut contributing: Vec<&str> = r["contributing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["unit"].as_str().unwrap())
        .collect();
    contributing.sort_unstable();
    let mut want: Vec<&str> = counted.iter().map(|(u, _)| *u).collect();
    want.sort_unstable();
    assert_eq!(contributing, want);
    // Missing: every commune of the period without a counted value.
    let communes = expected_units(&app, &["commune"], period).await;
    let missing: Vec<String> = communes
        .into_iter()
        .filter(|c| !want.contains(&c.as_str()))
        .collect();
    let listed: Vec<String> = r["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["unit"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, missing);
    assert_eq!(
        i(&r["missing_count"]),
        i64::try_from(missing.len()).unwrap()
    );

    // A sum over the listed reporting units.
    let s = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/indicators/{}?period={PERIOD}", a.count),
    )
    .await;
    assert_eq!(f(&s["value"]), 7.0 + 3.0 + 5.0);
    assert_eq!(s["missing"], json!([]));
    let s = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/indicators/{}?period={PERIOD}", a.rolled),
    )
    .await;
    assert_eq!(f(&s["value"]), 4.0);
    assert_eq!(s["missing"][0]["unit"], AN_PHUOC);
    // Nothing reported for another period.
    let none = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/indicators/{}?period=2026-09", a.ratio),
    )
    .await;
    assert!(none["value"].is_null());
    assert_eq!(none["contributing_count"], 0);
    // Errors.
    let response = app
        .request_as(
            VIEWER,
            Method::GET,
            "/api/v1/aggregates/indicators/999999?period=2026-10",
        )
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "not_found").await;
    let response = app
        .request_as(
            VIEWER,
            Method::GET,
            &format!("/api/v1/aggregates/indicators/{}", a.ratio),
        )
        .await
        .send()
        .await
        .unwrap();
    let p = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(p["errors"][0]["parameter"], "period");
    let response = app
        .request_as(
            VIEWER,
            Method::GET,
            &format!("/api/v1/aggregates/indicators/{}?period=2026-13", a.ratio),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_query").await;
}

#[tokio::test]
async fn tasks_group_by_category_and_lead_with_overdue_ones() {
    let app = spawn_app().await;
    let a = arrange(&app).await;
    let t = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/tasks?plan={}", a.plan),
    )
    .await;
    let today: chrono::NaiveDate = t["as_of"].as_str().unwrap().parse().unwrap();
    // The latest counted progress of each task, as arranged: task 0 completed (XA-TRAM-CHIM,
    // accepted), task 1 in progress, task 2 not started, task 3 completed.
    let status = ["completed", "in_progress", "not_started", "completed"];
    let overdue: Vec<bool> = a
        .tasks
        .iter()
        .zip(status)
        .map(|((_, _, _, due), s)| {
            due.parse::<chrono::NaiveDate>().unwrap() < today && s != "completed"
        })
        .collect();
    let group = |key: &dyn Fn(usize) -> &'static str, k: &str| {
        let idx: Vec<usize> = (0..a.tasks.len()).filter(|n| key(*n) == k).collect();
        let count =
            |s: &str| i64::try_from(idx.iter().filter(|n| status[**n] == s).count()).unwrap();
        (
            i64::try_from(idx.len()).unwrap(),
            count("completed"),
            count("in_progress"),
            count("not_started"),
            i64::try_from(idx.iter().filter(|n| overdue[**n]).count()).unwrap(),
        )
    };
    let got = |g: &Value| {
        (
            i(&g["total"]),
            i(&g["completed"]),
            i(&g["in_progress"]),
            i(&g["not_started"]),
            i(&g["overdue"]),
        )
    };
    for g in t["by_category"].as_array().unwrap() {
        let k = g["key"].as_str().unwrap();
        assert_eq!(got(g), group(&|n| a.tasks[n].1, k), "category {k}");
    }
    assert_eq!(t["by_category"].as_array().unwrap().len(), 2);
    for g in t["by_lead_unit"].as_array().unwrap() {
        let k = g["key"].as_str().unwrap();
        assert_eq!(got(g), group(&|n| a.tasks[n].2, k), "lead {k}");
    }
    assert_eq!(t["by_lead_unit"].as_array().unwrap().len(), 3);
    assert_eq!(i(&t["totals"]["total"]), 4);
    assert_eq!(i(&t["totals"]["completed"]), 2);
    assert_eq!(f(&t["totals"]["completion_rate"]), 50.0);
    let want: Vec<i64> = a
        .tasks
        .iter()
        .zip(&overdue)
        .filter(|(_, o)| **o)
        .map(|((id, ..), _)| *id)
        .collect();
    let listed: Vec<i64> = t["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| i(&o["task_id"]))
        .collect();
    assert_eq!(listed, want);
    assert_eq!(
        i(&t["totals"]["overdue"]),
        i64::try_from(want.len()).unwrap()
    );
}

#[tokio::test]
async fn evaluation_and_official_assessments_side_by_side() {
    let app = spawn_app().await;
    let a = arrange(&app).await;
    // The province's own annual report gives three values; the fourth indicator is rolled up
    // from the communes' annual reports.
    load(
        &app.store,
        "DONG-THAP",
        "2026",
        ReportContent {
            indicator_values: vec![
                value(a.ratio, Some(75.0), None, None),
                value(a.count, Some(15.0), None, None),
                IndicatorValue {
                    text: Some("Chưa thực hiện".into()),
                    ..value(a.milestone, None, None, None)
                },
            ],
            ..ReportContent::default()
        },
        LoadedState {
            status: ReportStatus::Accepted,
            submitted_at: at("2026-11-01"),
            reason: None,
        },
    );
    for (unit, v) in [(MY_QUI, 4.0), (AN_PHUOC, 6.0)] {
        load(
            &app.store,
            unit,
            "2026",
            ReportContent {
                indicator_values: vec![value(a.rolled, Some(v), None, None)],
                ..ReportContent::default()
            },
            LoadedState {
                status: ReportStatus::Submitted,
                submitted_at: at("2026-11-02"),
                reason: None,
            },
        );
    }
    let path = |id: i64| format!("/api/v1/plans/{}/indicators/{id}/assessments/2026", a.plan);
    let put = |who: Who, id: i64, body: Value, etag: Option<&'static str>| {
        let app = &app;
        let p = path(id);
        async move {
            let mut r = app.request_as(who, Method::PUT, &p).await.json(&body);
            if let Some(t) = etag {
                r = r.header("If-Match", t);
            }
            r.send().await.unwrap()
        }
    };
    // 75 against 70: suggested exceeded; the coordinator says met.
    let recorded = put(
        COORDINATOR,
        a.ratio,
        json!({"assessment": "met", "note": "Theo đánh giá của Sở"}),
        Some("\"v0\""),
    )
    .await;
    assert_eq!(recorded.status(), 200);
    assert_eq!(recorded.headers()["etag"], "\"v1\"");
    let recorded = json(recorded).await;
    assert_eq!(recorded["assessment"], "met");
    assert_eq!(recorded["recorded_by"], "user:demo-coordinator");
    let r = put(COORDINATOR, a.count, json!({"assessment": "met"}), None).await;
    assert_eq!(r.status(), 200);
    // Replacing with a stale version: 412; with the current one: version 2.
    let stale = put(
        COORDINATOR,
        a.ratio,
        json!({"assessment": "exceeded"}),
        Some("\"v0\""),
    )
    .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let again = put(
        COORDINATOR,
        a.ratio,
        json!({"assessment": "met", "note": "Giữ nguyên"}),
        Some("\"v1\""),
    )
    .await;
    assert_eq!(json(again).await["version"], 2);
    // Refusals.
    assert_problem(
        put(VIEWER, a.ratio, json!({"assessment": "met"}), None).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        put(
            Who::User(Role::Admin),
            a.ratio,
            json!({"assessment": "met"}),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let bad = assert_problem(
        put(COORDINATOR, a.ratio, json!({"assessment": "great"}), None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["pointer"], "/assessment");
    let bad = assert_problem(
        put(COORDINATOR, a.ratio, json!({"note": "x"}), None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["code"], "required");
    let bad = assert_problem(
        put(
            COORDINATOR,
            a.ratio,
            json!({"assessment": "met", "extra": 1}),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["code"], "unknown_field");
    let other_plan = plan_id(&app.store, "KH-99-2023");
    let response = app
        .request_as(
            COORDINATOR,
            Method::PUT,
            &format!(
                "/api/v1/plans/{other_plan}/indicators/{}/assessments/2023",
                a.ratio
            ),
        )
        .await
        .json(&json!({"assessment": "met"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "not_found").await;
    let response = app
        .request_as(
            COORDINATOR,
            Method::PUT,
            &format!(
                "/api/v1/plans/{}/indicators/{}/assessments/2025",
                a.plan, a.ratio
            ),
        )
        .await
        .json(&json!({"assessment": "met"}))
        .send()
        .await
        .unwrap();
    let bad = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(bad["errors"][0]["parameter"], "year");
    // Audited.
    let audit = get_json(&app, COORDINATOR, "/api/v1/audit?limit=200").await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "indicator.assess"
                && e["entity_id"] == format!("{}/2026", a.ratio))
            .count(),
        2
    );

    let e = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/evaluation?plan={}&year=2026", a.plan),
    )
    .await;
    assert_eq!(e["source_unit"], "DONG-THAP");
    let item = |id: i64| {
        e["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["indicator_id"] == id)
            .unwrap()
            .clone()
    };
    let ratio = item(a.ratio);
    assert_eq!(
        (
            ratio["actual_value"].clone(),
            ratio["suggested"].clone(),
            ratio["official"].clone(),
            ratio["differs"].clone()
        ),
        (json!(75.0), json!("exceeded"), json!("met"), json!(true))
    );
    assert_eq!(ratio["official_note"], "Giữ nguyên");
    assert_eq!(ratio["official_version"], 2);
    assert_eq!(item(a.milestone)["official_version"], 0);
    let count = item(a.count);
    assert_eq!(
        (
            count["suggested"].clone(),
            count["official"].clone(),
            count["differs"].clone()
        ),
        (json!("met"), json!("met"), json!(false))
    );
    let milestone = item(a.milestone);
    assert_eq!(
        (
            milestone["suggested"].clone(),
            milestone["official"].clone()
        ),
        (json!("not_met"), Value::Null)
    );
    let rolled = item(a.rolled);
    assert_eq!(rolled["actual_source"], "rolled_up");
    assert_eq!(f(&rolled["actual_value"]), 4.0 + 6.0);
    assert_eq!(rolled["suggested"], "not_met");
    let s = &e["summary"];
    assert_eq!(
        s["official"],
        json!({"total": 4, "achieved": 2, "exceeded": 0, "met": 2, "not_met": 0, "unassessed": 2})
    );
    assert_eq!(
        s["suggested"],
        json!({"total": 4, "achieved": 2, "exceeded": 1, "met": 1, "not_met": 2, "unassessed": 0})
    );
    assert_eq!(e["differences"], json!(["AGG-TL"]));
    // A year outside the plan, a missing parameter.
    let response = app
        .request_as(
            VIEWER,
            Method::GET,
            &format!("/api/v1/aggregates/evaluation?plan={}&year=2025", a.plan),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 422, "validation_failed").await;
    let response = app
        .request_as(
            VIEWER,
            Method::GET,
            "/api/v1/aggregates/evaluation?year=2025",
        )
        .await
        .send()
        .await
        .unwrap();
    let p = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(p["errors"][0]["parameter"], "plan");
    let response = app
        .request_as(
            VIEWER,
            Method::GET,
            "/api/v1/aggregates/evaluation?plan=999999&year=2025",
        )
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn unit_users_may_not_read_aggregates() {
    let app = spawn_app().await;
    let plan = plan_id(&app.store, "KH-99-2023");
    for path in [
        "/api/v1/aggregates/compliance?period=2025-09".to_owned(),
        format!("/api/v1/aggregates/evaluation?plan={plan}&year=2023"),
        format!("/api/v1/aggregates/finance?plan={plan}"),
        format!("/api/v1/aggregates/tasks?plan={plan}"),
    ] {
        for who in [
            Who::User(Role::UnitReporter),
            Who::User(Role::UnitApprover),
            Who::CommuneClient,
        ] {
            let response = app
                .request_as(who, Method::GET, &path)
                .await
                .send()
                .await
                .unwrap();
            assert_problem(response, 403, "forbidden").await;
        }
        for who in [Who::User(Role::Admin), COORDINATOR, VIEWER] {
            let response = app
                .request_as(who, Method::GET, &path)
                .await
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path} as {who:?}");
        }
    }
    // English messages on request.
    let response = app
        .request_as(VIEWER, Method::GET, "/api/v1/aggregates/finance")
        .await
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let p = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(p["errors"][0]["code"], "plan_or_year_required");
    assert_eq!(p["errors"][0]["message"], "Give a plan or a year.");
}

/// Aggregates are served again while the data stands (same `ETag`, `304` to a conditional
/// request) and recomputed as soon as any change commits: never stale.
#[tokio::test]
async fn aggregates_answer_304_while_the_data_stands_and_never_go_stale() {
    let app = spawn_app().await;
    arrange(&app).await;
    let path = format!("/api/v1/aggregates/compliance?period={PERIOD}&unit_kind=commune");
    let fetch = |etag: Option<String>| {
        let app = &app;
        let path = path.clone();
        async move {
            let mut rq = app.request_as(VIEWER, Method::GET, &path).await;
            if let Some(tag) = etag {
                rq = rq.header("If-None-Match", tag);
            }
            rq.send().await.unwrap()
        }
    };
    let first = fetch(None).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let before = json(first).await;
    let again = fetch(None).await;
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(json(again).await, before);
    let unchanged = fetch(Some(etag.clone())).await;
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"].to_str().unwrap(), etag);

    // A commune that had not reported now submits: the very next read counts it.
    let silent = before["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["status"] == "not_started")
        .expect("a commune without a report")["unit"]
        .as_str()
        .unwrap()
        .to_owned();
    load(
        &app.store,
        &silent,
        PERIOD,
        ReportContent::default(),
        LoadedState {
            status: ReportStatus::Submitted,
            submitted_at: at("2026-10-31"),
            reason: None,
        },
    );
    let changed = fetch(Some(etag.clone())).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let after = json(changed).await;
    assert_eq!(
        i(&after["totals"]["reported"]),
        i(&before["totals"]["reported"]) + 1
    );
    let row = after["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == silent.as_str())
        .unwrap();
    assert_eq!(row["status"], "submitted");

    // The same on an instance that caches nothing.
    let uncached = app.spawn_sibling(|s| s.aggregate_cache_mb = 0).await;
    let token = app.token_of(VIEWER).await.unwrap();
    let response = reqwest::Client::new()
        .get(format!("{uncached}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await, after);
}

/// Follows `next_cursor` from `first` (a path with its query) and returns every page.
async fn all_pages(app: &TestApp, first: &str) -> Vec<Value> {
    let mut pages = vec![get_json(app, VIEWER, first).await];
    while let Some(cursor) = pages.last().unwrap()["next_cursor"].as_str() {
        let next = format!("{first}&cursor={cursor}");
        pages.push(get_json(app, VIEWER, &next).await);
        assert!(pages.len() < 1000, "cursor loop");
    }
    pages
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_str().unwrap().to_owned())
        .collect()
}

/// The unit lists of compliance and roll-up are paged by keyset cursors, narrowed by
/// timeliness, and the totals never change with the page.
#[tokio::test]
async fn compliance_and_roll_up_lists_page_by_cursor_and_filter_by_timeliness() {
    let app = spawn_app().await;
    let a = arrange(&app).await;
    let base = format!("/api/v1/aggregates/compliance?period={PERIOD}");
    let whole = get_json(&app, VIEWER, &format!("{base}&limit=1000")).await;
    assert!(whole.get("next_cursor").is_none());
    let all: Vec<Value> = whole["units"].as_array().unwrap().clone();
    assert!(all.len() > 7, "{}", all.len());
    let pages = all_pages(&app, &format!("{base}&limit=7")).await;
    assert_eq!(pages.len(), all.len().div_ceil(7));
    let mut paged = Vec::new();
    for p in &pages {
        assert!(p["units"].as_array().unwrap().len() <= 7);
        assert_eq!(p["totals"], whole["totals"]);
        paged.extend(p["units"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(paged, all);
    // "Who is late": exactly the late and missing units, in order, over pages of 2.
    let wanted: Vec<Value> = all
        .iter()
        .filter(|u| u["timeliness"] == "late" || u["timeliness"] == "missing")
        .cloned()
        .collect();
    assert!(!wanted.is_empty());
    let late: Vec<Value> = all_pages(&app, &format!("{base}&timeliness=late,missing&limit=2"))
        .await
        .iter()
        .flat_map(|p| p["units"].as_array().unwrap().clone())
        .collect();
    assert_eq!(late, wanted);
    let on_time = get_json(&app, VIEWER, &format!("{base}&timeliness=on_time")).await;
    assert!(on_time["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["timeliness"] == "on_time"));
    assert_eq!(
        i64::try_from(on_time["units"].as_array().unwrap().len()).unwrap(),
        i(&on_time["totals"]["on_time"])
    );

    // Roll-up: both lists paged together by unit code.
    for id in [a.ratio, a.count, a.rolled] {
        let first = format!("/api/v1/aggregates/indicators/{id}?period={PERIOD}");
        let whole = get_json(&app, VIEWER, &format!("{first}&limit=1000")).await;
        let pages = all_pages(&app, &format!("{first}&limit=2")).await;
        let (mut contributing, mut missing) = (Vec::new(), Vec::new());
        for p in &pages {
            let listed = codes(&p["contributing"]).len() + codes(&p["missing"]).len();
            assert!(listed <= 2, "{p}");
            for key in [
                "value",
                "contributing_count",
                "missing_count",
                "numerator_sum",
            ] {
                assert_eq!(p[key], whole[key], "{key}");
            }
            contributing.extend(codes(&p["contributing"]));
            missing.extend(codes(&p["missing"]));
        }
        assert_eq!(contributing, codes(&whole["contributing"]));
        assert_eq!(missing, codes(&whole["missing"]));
        assert_eq!(
            i64::try_from(missing.len()).unwrap(),
            i(&whole["missing_count"])
        );
    }

    // Bad paging is a 400 naming the parameter.
    for (query, field) in [
        ("&limit=0", "limit"),
        ("&limit=1001", "limit"),
        ("&cursor=bm90LWEtY3Vyc29y", "cursor"),
        // Tagged for compliance but without the `kind/code` position it issues.
        ("&cursor=Y29tcGxpYW5jZTpYQS1UUkFNLUNISU0", "cursor"),
        ("&timeliness=soon", "timeliness"),
    ] {
        let response = app
            .request_as(VIEWER, Method::GET, &format!("{base}{query}"))
            .await
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(
            problem["errors"][0]["parameter"], field,
            "{query}: {problem}"
        );
    }
    // A roll-up cursor is not a compliance cursor.
    let first = format!(
        "/api/v1/aggregates/indicators/{}?period={PERIOD}&limit=1",
        a.ratio
    );
    let cursor = get_json(&app, VIEWER, &first).await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .request_as(VIEWER, Method::GET, &format!("{base}&cursor={cursor}"))
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_query").await;
}
