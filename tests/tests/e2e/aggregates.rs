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
    let response = app.request_as(who, Method::GET, path).await.send().await.unwrap();
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
        (o["total"].clone(), o["achieved"].clone(), o["exceeded"].clone(), o["met"].clone(), o["not_met"].clone()),
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
        let differs = item["suggested"] != "not_assessable" && item["suggested"] != item["official"];
        assert_eq!(item["differs"], differs, "{code}");
        if differs {
            differing.push(code.to_owned());
        }
    }
    assert_eq!(e["differences"], json!(differing));
    assert_eq!(i(&e["summary"]["differing"]), i64::try_from(differing.len()).unwrap());
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
        assert_eq!(i(&p["official"]["total"]), per_pillar[p["pillar"].as_str().unwrap()]);
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
            .any(|m| m["declared_vnd"] == 319_944_000_000_i64 && m["computed_vnd"] == 319_925_000_000_i64),
        "{mismatches:?}"
    );
    assert!(mismatches
        .iter()
        .any(|m| m["declared_vnd"] == 87_143_000_000_i64 && m["computed_vnd"] == 88_563_000_000_i64));

    // 2022 plan: 118.225 = 64.900 (15.000 central + 49.900 local) + 53.325.
    let p22 = plan_id(&app.store, "KH-145-2022");
    let f22 = get_json(&app, VIEWER, &format!("/api/v1/aggregates/finance?plan={p22}")).await;
    let t = &f22["plans"][0]["totals"]["computed"];
    assert_eq!(t["total_vnd"], 118_225_000_000_i64, "{t}");
    assert_eq!(t["investment_vnd"], 64_900_000_000_i64);
    assert_eq!(t["recurrent_vnd"], 53_325_000_000_i64);
    assert_eq!(t["investment_by_source"]["central_vnd"], 15_000_000_000_i64);
    assert_eq!(t["investment_by_source"]["local_vnd"], 49_900_000_000_i64);
    // Per project and per investor, against the catalog's own listing.
    let listing = get_json(&app, VIEWER, &format!("/api/v1/plans/{p22}/projects?limit=200")).await;
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
        assert_eq!(p["allocated_vnd"].as_i64().unwrap_or(0), allocated, "{}", p["code"]);
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
    let f24 = get_json(&app, VIEWER, &format!("/api/v1/aggregates/finance?plan={p24}")).await;
    let t = &f24["plans"][0]["totals"]["computed"];
    assert_eq!(t["total_vnd"], 202_663_000_000_i64, "{t}");
    assert_eq!(t["investment_vnd"], 138_459_000_000_i64);
    assert_eq!(t["recurrent_vnd"], 64_204_000_000_i64);
}
