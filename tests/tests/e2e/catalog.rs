//! The plan catalog through the service layer (the HTTP endpoints come with authentication):
//! the demo data as the documents print it, the totals they state, and create / read /
//! update / delete with validation and stale-version rejection.

use std::collections::BTreeMap;

use dtihub_db::repo;
use dtihub_domain::catalog::budget_line::BudgetLineInput;
use dtihub_domain::catalog::indicator::{IndicatorInput, TargetInput, UnitAssignmentInput};
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::project::{Allocation, FundingSplit, ProjectInput};
use dtihub_domain::catalog::task::TaskInput;
use dtihub_domain::catalog::totals::{MismatchScope, PlanTotals};
use dtihub_domain::catalog::{ItemCode, Pillar, PlanCode, PlanId, Timing};
use dtihub_domain::text::fold;
use dtihub_domain::unit::UnitCode;
use dtihub_service::catalog::items::{self, CatalogItem, ItemQuery};
use dtihub_service::catalog::{
    plans, totals, BudgetLines, Indicators, PlanQuery, Projects, Stored, Tasks,
};
use dtihub_service::{Actor, ServiceError, Store};
use serde_json::json;

use crate::support::spawn_app;

/// One triệu đồng in VND.
const T: i64 = 1_000_000;

fn plan_id(store: &Store, key: &str) -> PlanId {
    let code = PlanCode::parse(key).expect("key");
    PlanId(plans::get_by_code(store, &code).expect("plan").id)
}

/// Every item of a plan, read page by page with `limit`.
fn all_pages<I: CatalogItem>(
    store: &Store,
    plan: PlanId,
    query: &ItemQuery,
    limit: u32,
) -> Vec<Stored<I::Value>> {
    let mut out = Vec::new();
    let mut after: Option<ItemCode> = None;
    loop {
        let q = ItemQuery {
            after: after.clone(),
            limit,
            ..query.clone()
        };
        let page = items::list::<I>(store, plan, &q).expect("list");
        assert!(page.items.len() <= limit as usize);
        out.extend(page.items);
        match page.next_after {
            Some(code) => after = Some(ItemCode::parse(&code).expect("cursor code")),
            None => break,
        }
    }
    out
}

fn count<I: CatalogItem>(store: &Store, plan: PlanId) -> usize {
    all_pages::<I>(store, plan, &ItemQuery::default(), 200).len()
}

fn errors_of(e: ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Validation(errors) => {
            errors.into_iter().map(|e| (e.pointer, e.code)).collect()
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The README's "Expected row counts" table: (file, source, rows).
fn readme_counts() -> Vec<(String, String, usize)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/service/src/demo/catalog/README.md"
    );
    let text = std::fs::read_to_string(path).expect("README");
    let section = text
        .split("## Expected row counts")
        .nth(1)
        .expect("section")
        .split("\n## ")
        .next()
        .expect("section body");
    section
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(".csv"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].parse().expect("rows"),
            )
        })
        .collect()
}

/// The plan a legal basis's source names (legal bases carry their plan, not their source).
fn plan_of_seed(source: &str) -> &'static str {
    match source.split(' ').next() {
        Some("002") => "KH-145-2022",
        Some("000") => "KH-52-2024",
        Some("004") => "KH-CDS-2025",
        Some("003") => "KH-NN-2023",
        other => panic!("unknown seed {other:?}"),
    }
}

#[tokio::test]
async fn demo_catalog_row_counts_match_each_appendix() {
    let app = spawn_app().await;
    let store = &app.store;
    let all_plans = plans::list(
        store,
        &PlanQuery {
            limit: 200,
            ..PlanQuery::default()
        },
    )
    .expect("plans");
    assert_eq!(all_plans.items.len(), 5);

    // Count the stored rows by file and source appendix, the README's grouping.
    let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut bump = |file: &str, source: &Option<String>| {
        let source = source.clone().expect("every demo row names its source");
        *got.entry((file.to_owned(), source)).or_default() += 1;
    };
    let mut declared_rows = 0;
    let mut legal_by_plan: BTreeMap<String, usize> = BTreeMap::new();
    for plan in &all_plans.items {
        let id = PlanId(plan.id);
        declared_rows += plan.value.declared_table_totals.len();
        legal_by_plan.insert(plan.value.code.to_string(), plan.value.legal_bases.len());
        for i in all_pages::<Indicators>(store, id, &ItemQuery::default(), 200) {
            bump("indicators.csv", &i.value.source);
            for _ in &i.value.targets {
                bump("indicator_targets.csv", &i.value.source);
            }
        }
        for t in all_pages::<Tasks>(store, id, &ItemQuery::default(), 200) {
            bump("tasks.csv", &t.value.source);
        }
        for p in all_pages::<Projects>(store, id, &ItemQuery::default(), 200) {
            bump("projects.csv", &p.value.source);
        }
        for b in all_pages::<BudgetLines>(store, id, &ItemQuery::default(), 200) {
            bump("budget_lines.csv", &b.value.source);
        }
    }
    let expected = readme_counts();
    assert_eq!(expected.len(), 29, "the README's table has 29 entries");
    let mut checked = 0;
    for (file, source, rows) in &expected {
        let actual = match (file.as_str(), source.as_str()) {
            ("plans.csv", "*") => all_plans.items.len(),
            ("declared_totals.csv", "*") => declared_rows,
            ("legal_bases.csv", s) => legal_by_plan[plan_of_seed(s)],
            // The 2023 results are reporting data (issue 5 loads them), not catalog rows.
            ("indicator_results_2023.csv", _) => continue,
            (f, s) => got.remove(&(f.to_owned(), s.to_owned())).unwrap_or(0),
        };
        assert_eq!(actual, *rows, "{file} {source}");
        checked += 1;
    }
    assert_eq!(checked, 28);
    assert!(
        got.is_empty(),
        "rows from sources the README does not list: {got:?}"
    );

    // And per plan, as the issue lists them.
    let per_plan = |key: &str| {
        let id = plan_id(store, key);
        (
            count::<Indicators>(store, id),
            count::<Tasks>(store, id),
            count::<Projects>(store, id),
            count::<BudgetLines>(store, id),
        )
    };
    assert_eq!(per_plan("KH-145-2022"), (22, 0, 8, 20));
    assert_eq!(per_plan("KH-99-2023"), (51, 0, 12, 36));
    assert_eq!(per_plan("KH-52-2024"), (44, 40, 15, 31));
    assert_eq!(per_plan("KH-CDS-2025"), (33, 28, 14, 42));
    assert_eq!(per_plan("KH-NN-2023"), (10, 49, 0, 0));
}

#[tokio::test]
async fn seeding_again_changes_nothing() {
    let app = spawn_app().await;
    let counts = dtihub_service::demo::seed_demo(&app.store).expect("seed");
    assert_eq!(counts.total(), 0);
}

fn totals_of(store: &Store, key: &str) -> PlanTotals {
    totals::plan_totals(store, plan_id(store, key)).expect("totals")
}

#[tokio::test]
async fn plan_2022_totals_reproduce_the_document_with_the_funding_warning() {
    let app = spawn_app().await;
    let t = totals_of(&app.store, "KH-145-2022");
    let c = &t.computed;
    assert_eq!(c.investment_vnd, 64_900 * T);
    assert_eq!(c.investment_by_source.central_vnd, 15_000 * T);
    assert_eq!(c.investment_by_source.local_vnd, 49_900 * T);
    assert_eq!(c.investment_by_source.unsplit_vnd, 0);
    assert_eq!(c.recurrent_vnd, 53_325 * T);
    assert_eq!(c.total_vnd, 118_225 * T);
    assert_eq!(t.declared.total_vnd, Some(118_225 * T));
    assert_eq!(t.declared.investment_vnd, Some(64_900 * T));
    assert_eq!(t.declared.central_vnd, Some(15_000 * T));
    assert_eq!(t.declared.local_vnd, Some(49_900 * T));
    assert_eq!(t.declared.recurrent_vnd, Some(53_325 * T));
    assert!(t.mismatches.is_empty(), "{:?}", t.mismatches);
    // Phụ lục II's TỔNG CỘNG: 177.510 TMĐT = 50.000 NSTW + 121.892 NSĐP, 26.200 disbursed.
    let column = |name: &str| {
        c.columns
            .iter()
            .find(|col| col.column.as_str() == name)
            .map(|col| col.computed_vnd)
    };
    assert_eq!(column("total_investment_vnd"), Some(177_510 * T));
    assert_eq!(column("central_vnd"), Some(50_000 * T));
    assert_eq!(column("local_vnd"), Some(121_892 * T));
    assert_eq!(column("disbursed_before_vnd"), Some(26_200 * T));
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = &t.warnings[0];
    assert_eq!(w.item_code, "KH145-2022-DA-01");
    assert_eq!(w.code, "funding_exceeds_total_investment");
    assert_eq!((w.amount_vnd, w.limit_vnd), (5_800 * T, 5_618 * T));
    // By unit: every amount lands on exactly one unit (or the unassigned bucket).
    let by_unit_sum: i64 = c
        .by_unit
        .iter()
        .map(|u| u.investment_vnd + u.recurrent_vnd)
        .sum();
    assert_eq!(by_unit_sum, 118_225 * T);
}

#[tokio::test]
async fn plan_2024_totals_reproduce_the_document() {
    let app = spawn_app().await;
    let t = totals_of(&app.store, "KH-52-2024");
    assert_eq!(t.computed.investment_vnd, 138_459 * T);
    assert_eq!(t.computed.recurrent_vnd, 64_204 * T);
    assert_eq!(t.computed.total_vnd, 202_663 * T);
    assert_eq!(t.declared.total_vnd, Some(202_663 * T));
    assert!(t.mismatches.is_empty(), "{:?}", t.mismatches);
    assert!(t.warnings.is_empty());
}

#[tokio::test]
async fn plan_2023_totals_report_every_declared_versus_computed_mismatch() {
    let app = spawn_app().await;
    let t = totals_of(&app.store, "KH-99-2023");
    let mut got: Vec<(MismatchScope, String, i64, i64)> = t
        .mismatches
        .iter()
        .map(|m| {
            assert_eq!(m.difference_vnd, m.declared_vnd - m.computed_vnd);
            (
                m.scope,
                m.field.clone(),
                m.declared_vnd / T,
                m.computed_vnd / T,
            )
        })
        .collect();
    got.sort_by(|a, b| (format!("{:?}", a.0), &a.1).cmp(&(format!("{:?}", b.0), &b.1)));
    let mut want = vec![
        // Phụ lục II: rows sum to 319.925 / 84.008 but the table declares 319.944 / 84.027.
        (
            MismatchScope::Projects,
            "total_investment_vnd".to_owned(),
            319_944,
            319_925,
        ),
        (
            MismatchScope::Projects,
            "implemented_plan_year_vnd".to_owned(),
            84_027,
            84_008,
        ),
        // Phụ lục III: rows sum to 88.563 but the table declares 87.143.
        (
            MismatchScope::BudgetLines,
            "amount_vnd".to_owned(),
            87_143,
            88_563,
        ),
        // The plan-level figures (171,17 tỷ = 84,027 + 87,143) against the rows.
        (
            MismatchScope::Plan,
            "investment_vnd".to_owned(),
            84_027,
            84_008,
        ),
        (
            MismatchScope::Plan,
            "recurrent_vnd".to_owned(),
            87_143,
            88_563,
        ),
        (
            MismatchScope::Plan,
            "total_vnd".to_owned(),
            171_170,
            172_571,
        ),
    ];
    want.sort_by(|a, b| (format!("{:?}", a.0), &a.1).cmp(&(format!("{:?}", b.0), &b.1)));
    assert_eq!(got, want);
    assert_eq!(t.computed.investment_vnd, 84_008 * T);
    assert_eq!(t.computed.recurrent_vnd, 88_563 * T);
}

#[tokio::test]
async fn listings_filter_by_pillar_lead_unit_and_text_without_diacritics() {
    let app = spawn_app().await;
    let store = &app.store;
    let plan = plan_id(store, "KH-52-2024");
    let everything = all_pages::<Tasks>(store, plan, &ItemQuery::default(), 200);

    // Paging neither skips nor repeats, and keeps code order.
    let paged = all_pages::<Tasks>(store, plan, &ItemQuery::default(), 7);
    let codes = |v: &[Stored<_>]| {
        v.iter()
            .map(|s: &Stored<dtihub_domain::catalog::Task>| s.value.code.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&paged), codes(&everything));
    let mut sorted = codes(&everything);
    sorted.sort();
    assert_eq!(codes(&everything), sorted);

    // Lead unit, against an independent filter of the whole list.
    let tttt = UnitCode::parse("SO-TTTT").expect("code");
    let led = all_pages::<Tasks>(
        store,
        plan,
        &ItemQuery {
            lead_unit: Some(tttt.clone()),
            ..ItemQuery::default()
        },
        5,
    );
    let expected: Vec<_> = everything
        .iter()
        .filter(|t| t.value.lead.units.contains(&tttt))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(codes(&led), codes(&expected));

    // Pillar.
    let pillar = all_pages::<Tasks>(
        store,
        plan,
        &ItemQuery {
            pillar: Some(Pillar::ChinhQuyenSo),
            ..ItemQuery::default()
        },
        200,
    );
    let expected: Vec<_> = everything
        .iter()
        .filter(|t| t.value.pillar == Some(Pillar::ChinhQuyenSo))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(codes(&pillar), codes(&expected));

    // Text without diacritics finds the accented names (composed or decomposed query alike).
    let plan_2023 = plan_id(store, "KH-99-2023");
    let indicators = all_pages::<Indicators>(store, plan_2023, &ItemQuery::default(), 200);
    // "100%" also proves `%` is matched literally, not as a LIKE wildcard.
    for q in [
        "100%",
        "dich vu cong truc tuyen",
        "DỊCH VỤ CÔNG",
        "di\u{323}ch vu\u{323} co\u{302}ng",
    ] {
        let found = all_pages::<Indicators>(
            store,
            plan_2023,
            &ItemQuery {
                q: Some(q.to_owned()),
                ..ItemQuery::default()
            },
            200,
        );
        let expected: Vec<String> = indicators
            .iter()
            .filter(|i| fold(&i.value.name).contains(&fold(q)))
            .map(|i| i.value.code.to_string())
            .collect();
        assert!(!expected.is_empty(), "{q}");
        let found: Vec<String> = found.iter().map(|i| i.value.code.to_string()).collect();
        assert_eq!(found, expected, "{q}");
    }
    // `_` is literal too: no name has one.
    let none = items::list::<Indicators>(
        store,
        plan_2023,
        &ItemQuery {
            q: Some("_".into()),
            limit: 10,
            ..ItemQuery::default()
        },
    )
    .expect("list");
    assert!(none.items.is_empty());
    // Page size and search length are checked.
    for bad in [0, 201] {
        let q = ItemQuery {
            limit: bad,
            ..ItemQuery::default()
        };
        assert!(matches!(
            items::list::<Tasks>(store, plan, &q),
            Err(ServiceError::Validation(_))
        ));
    }
    // An unknown plan is not found.
    assert!(matches!(
        items::list::<Tasks>(
            store,
            PlanId(999_999),
            &ItemQuery {
                limit: 10,
                ..ItemQuery::default()
            }
        ),
        Err(ServiceError::NotFound { entity: "plan" })
    ));
}

fn actor() -> Actor {
    Actor::system("e2e")
}

fn new_plan(store: &Store) -> PlanId {
    let input = PlanInput {
        code: "KH-TEST-2026".into(),
        number: Some("1/KH-UBND".into()),
        // Decomposed vowels, as the seeds have them: stored composed.
        title: "Ke\u{302}\u{301} hoa\u{323}ch thu\u{31b}\u{309} nghie\u{323}\u{302}m 2026".into(),
        kind: "annual".into(),
        first_year: 2026,
        last_year: 2026,
        status: "draft".into(),
        issuer_unit: Some("DONG-THAP".into()),
        focal_unit: Some("SO-KHCN".into()),
        ..PlanInput::default()
    };
    let stored = plans::create(store, &actor(), &input).expect("create plan");
    assert_eq!(stored.value.title, "Kế hoạch thử nghiệm 2026");
    assert_eq!(stored.version, 1);
    // The same key again is a conflict.
    assert!(matches!(
        plans::create(store, &actor(), &input),
        Err(ServiceError::Conflict {
            code: "already_exists"
        })
    ));
    PlanId(stored.id)
}

fn audit_count(store: &Store, entity: &str, id: i64) -> i64 {
    store
        .read(|conn| Ok(repo::audit::count_for(conn, entity, &id.to_string())?))
        .expect("audit")
}

#[tokio::test]
async fn plans_are_created_updated_with_versions_and_audited() {
    let app = spawn_app().await;
    let store = &app.store;
    let id = new_plan(store);
    let stale = 1;
    let updated = plans::update(
        store,
        &actor(),
        id,
        Some(stale),
        &json!({"status": "issued", "declared": {"total_vnd": 5_000_000}}),
    )
    .expect("update");
    assert_eq!(updated.version, 2);
    assert_eq!(updated.value.declared.total_vnd, Some(5_000_000));
    assert_eq!(
        updated.value.status,
        dtihub_domain::catalog::plan::PlanStatus::Issued
    );
    assert!(matches!(
        plans::update(store, &actor(), id, Some(stale), &json!({"title": "x"})),
        Err(ServiceError::PreconditionFailed)
    ));
    let errors = errors_of(
        plans::update(
            store,
            &actor(),
            id,
            None,
            &json!({"kind": "weekly", "first_year": 1990, "title": null, "issuer_unit": "KHONG-CO"}),
        )
        .expect_err("invalid"),
    );
    for e in [
        ("/kind", "invalid_enum"),
        ("/first_year", "out_of_range"),
        ("/title", "required"),
    ] {
        assert!(
            errors.contains(&(e.0.into(), e.1.into())),
            "{e:?} in {errors:?}"
        );
    }
    // Wrong JSON types and unknown fields are named by pointer too.
    let errors = errors_of(
        plans::update(
            store,
            &actor(),
            id,
            None,
            &json!({"legal_bases": [{"date": 5}]}),
        )
        .expect_err("invalid"),
    );
    assert_eq!(
        errors,
        vec![("/legal_bases/0/date".into(), "invalid_type".into())]
    );
    let errors = errors_of(
        plans::update(store, &actor(), id, None, &json!({"colour": "red"})).expect_err("invalid"),
    );
    assert_eq!(errors, vec![("/colour".into(), "unknown_field".into())]);
    // A unit that does not exist.
    let errors = errors_of(
        plans::update(
            store,
            &actor(),
            id,
            None,
            &json!({"issuer_unit": "KHONG-CO"}),
        )
        .expect_err("invalid"),
    );
    assert_eq!(errors, vec![("/issuer_unit".into(), "unknown_unit".into())]);
    // Failed updates changed nothing.
    assert_eq!(plans::get(store, id).expect("get").version, 2);
    assert_eq!(audit_count(store, "plan", id.0), 2);

    // Narrowing the years is refused while a target lies outside them.
    let input = IndicatorInput {
        code: "T-01".into(),
        name: "Chỉ tiêu".into(),
        pillar: "ha_tang_so".into(),
        measure: "count".into(),
        direction: "at_least".into(),
        targets: vec![TargetInput {
            year: 2026,
            value: Some(3.0),
            text: "03".into(),
        }],
        ..IndicatorInput::default()
    };
    items::create::<Indicators>(store, &actor(), id, &input).expect("indicator");
    let errors = errors_of(
        plans::update(
            store,
            &actor(),
            id,
            None,
            &json!({"kind": "multi_year", "first_year": 2027, "last_year": 2028}),
        )
        .expect_err("refused"),
    );
    assert_eq!(
        errors,
        vec![("/first_year".into(), "items_outside_plan_years".into())]
    );
}

#[tokio::test]
async fn indicators_round_trip_with_validation_and_stale_versions() {
    let app = spawn_app().await;
    let store = &app.store;
    let plan = new_plan(store);
    let bad = IndicatorInput {
        code: "a b".into(),
        name: String::new(),
        pillar: "chinh quyen so".into(),
        measure: "percent".into(),
        direction: "at_least".into(),
        targets: vec![
            TargetInput {
                year: 2025,
                value: Some(50.0),
                text: "50%".into(),
            },
            TargetInput {
                year: 2026,
                value: Some(106.8),
                text: "106,8%".into(),
            },
        ],
        ..IndicatorInput::default()
    };
    let errors =
        errors_of(items::create::<Indicators>(store, &actor(), plan, &bad).expect_err("bad"));
    for e in [
        ("/code", "invalid_code"),
        ("/name", "required"),
        ("/pillar", "invalid_enum"),
        ("/targets/0/year", "outside_plan_years"),
        ("/targets/1/value", "out_of_range"),
    ] {
        assert!(
            errors.contains(&(e.0.into(), e.1.into())),
            "{e:?} in {errors:?}"
        );
    }
    assert_eq!(
        items::list::<Indicators>(
            store,
            plan,
            &ItemQuery {
                limit: 10,
                ..ItemQuery::default()
            }
        )
        .expect("list")
        .items
        .len(),
        0,
        "nothing was written"
    );

    let good = IndicatorInput {
        code: "KHT-2026-01".into(),
        name: "Tỷ lệ người dân có tài khoản thanh toán".into(),
        pillar: "xa_hoi_so".into(),
        measure: "percent".into(),
        direction: "at_least".into(),
        allows_over_100: true,
        targets: vec![TargetInput {
            year: 2026,
            value: Some(106.8),
            text: "106,8%".into(),
        }],
        lead: UnitAssignmentInput {
            units: vec!["so-khcn".into()],
            unit_kinds: vec![],
            text: Some("Sở KH&CN".into()),
        },
        reporting_unit_kinds: vec!["commune".into()],
        ..IndicatorInput::default()
    };
    let saved = items::create::<Indicators>(store, &actor(), plan, &good).expect("create");
    let id = saved.stored.id;
    assert!(saved.warnings.is_empty());
    let got = items::get::<Indicators>(store, plan, id).expect("get");
    assert_eq!(got.version, 1);
    assert_eq!(got.value.lead.units[0].as_str(), "SO-KHCN");
    assert_eq!(got.value.targets[0].value, Some(106.8));
    assert_eq!(got.value.applicability.unit_kinds.len(), 1);
    // Another plan's id space does not leak.
    let other = plan_id(store, "KH-145-2022");
    assert!(matches!(
        items::get::<Indicators>(store, other, id),
        Err(ServiceError::NotFound {
            entity: "indicator"
        })
    ));
    // Same code twice in a plan.
    assert!(matches!(
        items::create::<Indicators>(store, &actor(), plan, &good),
        Err(ServiceError::Conflict {
            code: "already_exists"
        })
    ));

    // Update at the current version; the old version is then stale.
    let patch = json!({"targets": [{"year": 2026, "value": 90, "text": "Trên 90%"}], "lead": {"units": ["SO-TTTT"]}});
    let updated = items::update::<Indicators>(store, &actor(), plan, id, Some(1), &patch)
        .expect("update")
        .stored;
    assert_eq!(updated.version, 2);
    assert_eq!(updated.value.targets[0].text, "Trên 90%");
    assert_eq!(updated.value.lead.units[0].as_str(), "SO-TTTT");
    // A merge patch merges objects: the printed text of the lead units stays.
    assert_eq!(updated.value.lead.text.as_deref(), Some("Sở KH&CN"));
    assert!(matches!(
        items::update::<Indicators>(store, &actor(), plan, id, Some(1), &json!({"name": "x"})),
        Err(ServiceError::PreconditionFailed)
    ));
    let errors = errors_of(
        items::update::<Indicators>(
            store,
            &actor(),
            plan,
            id,
            Some(2),
            &json!({"targets": [{"year": "2026", "text": "x"}]}),
        )
        .expect_err("bad type"),
    );
    assert_eq!(
        errors,
        vec![("/targets/0/year".into(), "invalid_type".into())]
    );
    let errors = errors_of(
        items::update::<Indicators>(
            store,
            &actor(),
            plan,
            id,
            Some(2),
            &json!({"lead": {"units": ["XA-KHONG-CO"]}}),
        )
        .expect_err("unknown unit"),
    );
    assert_eq!(
        errors,
        vec![("/lead/units/0".into(), "unknown_unit".into())]
    );

    // Delete: stale version refused, then deleted, then gone.
    assert!(matches!(
        items::delete::<Indicators>(store, &actor(), plan, id, Some(1)),
        Err(ServiceError::PreconditionFailed)
    ));
    items::delete::<Indicators>(store, &actor(), plan, id, Some(2)).expect("delete");
    assert!(matches!(
        items::get::<Indicators>(store, plan, id),
        Err(ServiceError::NotFound { .. })
    ));
    assert!(matches!(
        items::delete::<Indicators>(store, &actor(), plan, id, None),
        Err(ServiceError::NotFound { .. })
    ));
    // create + update + delete, each audited once.
    assert_eq!(audit_count(store, "indicator", id), 3);
}

#[tokio::test]
async fn tasks_round_trip_with_timing_and_due_dates() {
    let app = spawn_app().await;
    let store = &app.store;
    let plan = new_plan(store);
    let input = TaskInput {
        code: "KHT-2026-NV-01".into(),
        content: "Triển khai nền tảng số".into(),
        pillar: Some("nen_tang_so".into()),
        timing_text: Some("Quý II/2026".into()),
        lead: UnitAssignmentInput {
            units: vec!["SO-KHCN".into()],
            unit_kinds: vec!["commune".into()],
            text: None,
        },
        ..TaskInput::default()
    };
    let saved = items::create::<Tasks>(store, &actor(), plan, &input)
        .expect("create")
        .stored;
    assert_eq!(
        saved.value.timing,
        Timing::Quarter {
            year: 2026,
            quarter: 2
        }
    );
    assert_eq!(
        saved.value.due_date().map(|d| d.to_string()),
        Some("2026-06-30".into())
    );
    let got = items::get::<Tasks>(store, plan, saved.id).expect("get");
    assert_eq!(got.value, saved.value);

    let errors = errors_of(
        items::update::<Tasks>(
            store,
            &actor(),
            plan,
            saved.id,
            Some(1),
            &json!({"timing": {"kind": "month", "year": 2026, "month": 13}, "content": " "}),
        )
        .expect_err("bad"),
    );
    assert_eq!(
        errors,
        vec![
            ("/timing/month".into(), "out_of_range".into()),
            ("/content".into(), "required".into())
        ]
    );
    let updated = items::update::<Tasks>(
        store,
        &actor(),
        plan,
        saved.id,
        Some(1),
        &json!({"timing": {"kind": "continuous"}, "timing_text": "Thường xuyên"}),
    )
    .expect("update")
    .stored;
    assert_eq!(updated.value.due_date(), None);
    assert_eq!(updated.version, 2);
    items::delete::<Tasks>(store, &actor(), plan, saved.id, Some(2)).expect("delete");
    assert_eq!(count::<Tasks>(store, plan), 0);
}

#[tokio::test]
async fn projects_warn_when_funding_exceeds_total_investment() {
    let app = spawn_app().await;
    let store = &app.store;
    let plan = new_plan(store);
    let input = ProjectInput {
        code: "KHT-2026-DA-01".into(),
        name: "Hệ thống thông tin".into(),
        investor_unit: Some("SO-KHCN".into()),
        total_investment_vnd: Some(5_618 * T),
        funding: FundingSplit {
            local_vnd: Some(5_800 * T),
            ..FundingSplit::default()
        },
        allocations: vec![Allocation {
            year: 2026,
            allocated_vnd: Some(3_400 * T),
            split: FundingSplit {
                central_vnd: Some(400 * T),
                local_vnd: Some(3_000 * T),
                other_vnd: None,
            },
            implemented_vnd: None,
        }],
        ..ProjectInput::default()
    };
    let saved = items::create::<Projects>(store, &actor(), plan, &input).expect("accepted");
    assert_eq!(saved.warnings.len(), 1);
    assert_eq!(saved.warnings[0].code, "funding_exceeds_total_investment");
    let id = saved.stored.id;
    let t = totals::plan_totals(store, plan).expect("totals");
    assert_eq!(t.computed.investment_vnd, 3_400 * T);
    assert_eq!(t.computed.investment_by_source.central_vnd, 400 * T);
    assert_eq!(t.warnings.len(), 1);

    // Fixing the figure clears the warning.
    let fixed = items::update::<Projects>(
        store,
        &actor(),
        plan,
        id,
        Some(1),
        &json!({"funding": {"local_vnd": 5_618_000_000_i64}}),
    )
    .expect("update");
    assert!(fixed.warnings.is_empty());
    let errors = errors_of(
        items::update::<Projects>(
            store,
            &actor(),
            plan,
            id,
            Some(2),
            &json!({"total_investment_vnd": -1, "allocations": [{"year": 2026, "allocated_vnd": 1, "split": {"local_vnd": 2}}]}),
        )
        .expect_err("bad"),
    );
    assert_eq!(
        errors,
        vec![
            (
                "/allocations/0/split".into(),
                "split_exceeds_allocation".into()
            ),
            ("/total_investment_vnd".into(), "out_of_range".into())
        ]
    );
    // Listing by investor.
    let by_investor = items::list::<Projects>(
        store,
        plan,
        &ItemQuery {
            lead_unit: Some(UnitCode::parse("SO-KHCN").expect("code")),
            limit: 10,
            ..ItemQuery::default()
        },
    )
    .expect("list");
    assert_eq!(by_investor.items.len(), 1);
    items::delete::<Projects>(store, &actor(), plan, id, None).expect("delete");
    assert_eq!(
        totals::plan_totals(store, plan)
            .expect("totals")
            .computed
            .total_vnd,
        0
    );
}

#[tokio::test]
async fn budget_lines_round_trip() {
    let app = spawn_app().await;
    let store = &app.store;
    let plan = new_plan(store);
    let input = BudgetLineInput {
        code: "KHT-2026-CTX-01".into(),
        name: "Duy trì Trung tâm dữ liệu".into(),
        implementing: UnitAssignmentInput {
            units: vec!["SO-KHCN".into()],
            unit_kinds: vec![],
            text: Some("Sở KH&CN".into()),
        },
        amount_vnd: Some(1_917 * T),
        budget_category: Some("SNKT".into()),
        ..BudgetLineInput::default()
    };
    let saved = items::create::<BudgetLines>(store, &actor(), plan, &input)
        .expect("create")
        .stored;
    let errors = errors_of(
        items::update::<BudgetLines>(
            store,
            &actor(),
            plan,
            saved.id,
            Some(1),
            &json!({"amount_vnd": -5, "implementing": {"unit_kinds": ["ward"]}}),
        )
        .expect_err("bad"),
    );
    assert_eq!(
        errors,
        vec![
            ("/implementing/unit_kinds/0".into(), "invalid_enum".into()),
            ("/amount_vnd".into(), "out_of_range".into())
        ]
    );
    let updated = items::update::<BudgetLines>(
        store,
        &actor(),
        plan,
        saved.id,
        Some(1),
        &json!({"amount_vnd": 2_000_000_000_i64}),
    )
    .expect("update")
    .stored;
    assert_eq!(updated.value.amount_vnd, Some(2_000 * T));
    assert_eq!(updated.value.implementing.units[0].as_str(), "SO-KHCN");
    let t = totals::plan_totals(store, plan).expect("totals");
    assert_eq!(t.computed.recurrent_vnd, 2_000 * T);
    assert!(matches!(
        items::delete::<BudgetLines>(store, &actor(), plan, saved.id, Some(1)),
        Err(ServiceError::PreconditionFailed)
    ));
    items::delete::<BudgetLines>(store, &actor(), plan, saved.id, Some(2)).expect("delete");
    assert_eq!(audit_count(store, "budget_line", saved.id), 3);
}
