//! Demo data drawn from the source documents (see `demo/*.json` for each record's source and
//! `demo/catalog/README.md` for the plan catalog's files).

mod catalog;
mod dti;

use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::unit::Unit;

use crate::error::ServiceError;
use crate::store::{Actor, Store};
use crate::units;

pub use catalog::{seed_catalog_in, CatalogCounts};
pub use dti::{seed_dti_in, DEMO_ASSESSMENTS};

/// What [`seed_demo`] loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoCounts {
    /// Units inserted (0 when the registry already held units).
    pub units: usize,
    /// Catalog rows inserted (all zero when the catalog already held plans).
    pub catalog: CatalogCounts,
    /// Reports loaded (0 when they already existed).
    pub reports: usize,
    /// DTI self-assessments loaded with their frameworks (0 when frameworks existed).
    pub dti: usize,
}

impl DemoCounts {
    /// Everything inserted.
    pub fn total(&self) -> usize {
        self.units + self.catalog.total() + self.reports + self.dti
    }
}

/// Loads the demo units and the plan catalog in one transaction. Each part is skipped when
/// its tables already hold data, so running it again does nothing.
pub fn seed_demo(store: &Store) -> Result<DemoCounts, ServiceError> {
    let actor = Actor::system("seed-demo");
    store.transaction(|conn| {
        let units = seed_units_in(conn, &actor)?;
        let catalog = seed_catalog_in(conn, &actor)?;
        crate::reporting_rules::seed_from_due_dates_in(conn, &actor)?;
        let reports = usize::from(seed_province_2023_in(conn, &actor)?)
            + seed_monthly_reports_in(conn, &actor)?;
        seed_aggregates_in(conn, &actor)?;
        let dti = seed_dti_in(conn, &actor)?;
        Ok(DemoCounts {
            units,
            catalog,
            reports,
            dti,
        })
    })
}

const RESULTS_2023: &str = include_str!("demo/catalog/indicator_results_2023.csv");

/// The province unit, which issues the plans and reports their results.
pub const PROVINCE: &str = "DONG-THAP";

/// One row of `indicator_results_2023.csv` (the columns the loader uses).
#[derive(Debug, serde::Deserialize)]
struct ResultRow {
    indicator_code: String,
    result_value: Option<f64>,
    result_text: String,
    assessment: String,
    note: String,
}

/// Loads the province's own 2023 annual report (the 2023 results of the plan 99/KH-UBND,
/// Phụ lục I of 52/KH-UBND) as its accepted report for `2023`, each value with the official
/// assessment printed next to it. Does nothing (returns `false`) when the report exists or
/// the 2023 plan is not in the catalog.
pub fn seed_province_2023_in(conn: &mut DbConn, actor: &Actor) -> Result<bool, ServiceError> {
    use crate::reports::{self, IndicatorValue, ReportContent};
    let bad = |e: &dyn std::fmt::Display| {
        ServiceError::Internal(format!("demo indicator_results_2023.csv: {e}"))
    };
    let Some(plan) = repo::catalog::plans::find_by_code(conn, "KH-99-2023")? else {
        return Ok(false);
    };
    let ids: std::collections::HashMap<String, i64> =
        repo::catalog::items::indicator::all_in_plan(conn, plan.id)?
            .into_iter()
            .map(|i| (i.code, i.id))
            .collect();
    let rows: Vec<ResultRow> = csv::Reader::from_reader(RESULTS_2023.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&e))?;
    let blank = |t: String| {
        let t = t.trim().to_owned();
        (!t.is_empty()).then_some(t)
    };
    let mut content = ReportContent::default();
    for row in rows {
        let indicator_id = *ids
            .get(&row.indicator_code)
            .ok_or_else(|| bad(&format!("unknown indicator {}", row.indicator_code)))?;
        content.indicator_values.push(IndicatorValue {
            indicator_id,
            value: row.result_value,
            text: blank(row.result_text),
            note: blank(row.note),
            official_assessment: blank(row.assessment),
            ..IndicatorValue::default()
        });
    }
    let unit = dtihub_domain::unit::UnitCode::parse(PROVINCE).map_err(|e| bad(&e))?;
    let period: dtihub_domain::period::Period = "2023".parse().map_err(|e| bad(&e))?;
    reports::load_published_in(conn, actor, &unit, period, &content)
}

const PLANS_CSV: &str = include_str!("demo/catalog/plans.csv");

/// The columns of `plans.csv` the aggregates need.
#[derive(Debug, serde::Deserialize)]
struct PlanBudgetRow {
    first_year: i32,
    provincial_budget_vnd: Option<i64>,
    provincial_budget_text: String,
}

/// Seeds what the aggregates read beyond the catalog and the reports: the provincial budget
/// of each year a plan prints one for (2023: 15.687.824 triệu), and the official 2023
/// assessments printed in 52/KH-UBND Phụ lục I as the coordinator's recorded assessments of
/// KH-99-2023. Years and indicators that already have one are left alone. Returns how many
/// rows were inserted.
pub fn seed_aggregates_in(conn: &mut DbConn, actor: &Actor) -> Result<usize, ServiceError> {
    use dtihub_db::repo::aggregates as agg;
    let bad = |e: &dyn std::fmt::Display| ServiceError::Internal(format!("demo aggregates: {e}"));
    let mut inserted = 0;
    let budgets: Vec<PlanBudgetRow> = csv::Reader::from_reader(PLANS_CSV.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&e))?;
    for b in budgets {
        if let Some(amount) = b.provincial_budget_vnd {
            let text = Some(b.provincial_budget_text.trim()).filter(|t| !t.is_empty());
            inserted += usize::from(agg::insert_provincial_budget(
                conn,
                b.first_year,
                amount,
                text,
            )?);
        }
    }
    let Some(plan) = repo::catalog::plans::find_by_code(conn, "KH-99-2023")? else {
        return Ok(inserted);
    };
    let ids: std::collections::HashMap<String, i64> =
        repo::catalog::items::indicator::all_in_plan(conn, plan.id)?
            .into_iter()
            .map(|i| (i.code, i.id))
            .collect();
    let rows: Vec<ResultRow> = csv::Reader::from_reader(RESULTS_2023.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&e))?;
    let now = chrono::Utc::now().naive_utc();
    let now = chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now);
    let mut seeded = Vec::new();
    for row in rows {
        let Some(id) = ids.get(&row.indicator_code) else {
            return Err(bad(&format!("unknown indicator {}", row.indicator_code)));
        };
        if row.assessment.trim().is_empty() || agg::find_assessment(conn, *id, 2023)?.is_some() {
            continue;
        }
        agg::insert_assessment(
            conn,
            &agg::AssessmentRow {
                id: 0,
                plan_id: plan.id,
                indicator_id: *id,
                year: 2023,
                assessment: row.assessment.trim().to_owned(),
                note: Some("52/KH-UBND Phụ lục I".to_owned()),
                recorded_by: actor.id.clone(),
                recorded_at: now,
                version: 1,
            },
        )?;
        seeded.push(row.indicator_code);
        inserted += 1;
    }
    if !seeded.is_empty() {
        crate::audit::record(
            conn,
            actor,
            "indicator.assess",
            "indicator_assessment",
            "KH-99-2023/2023",
            None,
            Some(&serde_json::json!({"seeded_from": "52/KH-UBND Phụ lục I", "indicators": seeded})),
        )?;
    }
    Ok(inserted)
}

/// A demo report: unit, period, status, submitted on (ISO date), return reason.
pub type DemoReport = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// The demo monthly reports: (unit, period, status, submitted on, return reason). Units and
/// periods the tests use are left alone. Lateness is judged against each period's deadline
/// (2025-09: 22/9/2025), so SO-TAI-CHINH 2025-09 and XA-TAN-HONG 2025-08 are late.
pub const DEMO_REPORTS: [DemoReport; 9] = [
    ("SO-NOI-VU", "2025-08", "accepted", Some("2025-08-12"), None),
    (
        "SO-NOI-VU",
        "2025-09",
        "submitted",
        Some("2025-09-11"),
        None,
    ),
    ("SO-NOI-VU", "2025-10", "draft", None, None),
    (
        "SO-TAI-CHINH",
        "2025-08",
        "submitted",
        Some("2025-08-13"),
        None,
    ),
    (
        "SO-TAI-CHINH",
        "2025-09",
        "submitted",
        Some("2025-09-26"),
        None,
    ),
    (
        "XA-TAN-HONG",
        "2025-08",
        "submitted",
        Some("2025-08-27"),
        None,
    ),
    (
        "XA-TAN-HONG",
        "2025-09",
        "returned",
        Some("2025-09-12"),
        Some("Thiếu số liệu hồ sơ trực tuyến toàn trình; đề nghị bổ sung và gửi lại."),
    ),
    ("XA-AN-PHUOC", "2025-09", "draft", None, None),
    (
        "XA-AN-PHUOC",
        "2025-10",
        "submitted",
        Some("2025-10-10"),
        None,
    ),
];

/// Loads [`DEMO_REPORTS`], each unit's template for the period filled with values derived
/// from the catalog ids (deterministic: no randomness). Reports that exist are skipped.
pub fn seed_monthly_reports_in(conn: &mut DbConn, actor: &Actor) -> Result<usize, ServiceError> {
    use crate::reports::{self, LoadedState};
    use dtihub_domain::report::validation::TaskStatus;
    use dtihub_domain::report::ReportStatus;
    let bad = |e: &dyn std::fmt::Display| ServiceError::Internal(format!("demo reports: {e}"));
    let mut loaded = 0;
    for (unit, period, status, submitted, reason) in DEMO_REPORTS {
        let unit = dtihub_domain::unit::UnitCode::parse(unit).map_err(|e| bad(&e))?;
        let period: dtihub_domain::period::Period = period.parse().map_err(|e| bad(&e))?;
        let status: ReportStatus = serde_json::from_value(serde_json::Value::String(status.into()))
            .map_err(|e| bad(&e))?;
        let mut content = reports::template_in(conn, &unit, period)?.content;
        let month = f64::from(period.first_month());
        for v in &mut content.indicator_values {
            let seed = f64::from(u8::try_from(v.indicator_id.rem_euclid(40)).unwrap_or(0));
            v.value = Some((50.0 + seed + month).min(100.0));
            v.text = None;
            v.note = Some("Số liệu minh hoạ (demo)".into());
        }
        for (i, t) in content.task_progress.iter_mut().enumerate() {
            let pct = (10.0 * month + 5.0 * f64::from(u8::try_from(i % 4).unwrap_or(0))).min(95.0);
            t.status = TaskStatus::InProgress;
            t.percent_complete = Some(pct);
            t.result = Some("Đang triển khai theo kế hoạch (demo)".into());
        }
        for p in &mut content.project_progress {
            p.disbursed_in_period = Some(0);
            p.stage = Some("Đang thực hiện".into());
        }
        for b in &mut content.budget_execution {
            b.spent_in_period = Some(1_000_000 * (b.budget_line_id.rem_euclid(50) + 1));
        }
        let n = &mut content.narrative;
        n.achievements =
            Some("Duy trì vận hành các hệ thống dùng chung; số hoá hồ sơ (demo).".into());
        n.limitations = Some("Tỷ lệ hồ sơ trực tuyến toàn trình còn thấp (demo).".into());
        n.difficulties = Some("Thiếu nhân lực chuyên trách chuyển đổi số (demo).".into());
        n.proposals = Some("Bổ sung kinh phí đào tạo kỹ năng số (demo).".into());
        let submitted_at = submitted
            .map(|d| {
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(|d| d.and_hms_opt(9, 0, 0).unwrap_or_default())
                    .map_err(|e| bad(&e))
            })
            .transpose()?;
        let state = LoadedState {
            status,
            submitted_at,
            reason: reason.map(str::to_owned),
        };
        if reports::load_in(conn, actor, &unit, period, &content, &state)? {
            loaded += 1;
        }
    }
    Ok(loaded)
}

const UNITS_JSON: &str = include_str!("demo/units.json");

/// The demo units: the province, the departments named in the 2025 plan (and those merged
/// away in 2025, kept for history), the agencies the earlier plans assign work or money to
/// (see `demo/catalog/`), and the 29 communes and wards of the 2025 plan's Phụ lục II.
pub fn demo_units() -> Result<Vec<Unit>, ServiceError> {
    serde_json::from_str(UNITS_JSON).map_err(|e| ServiceError::Internal(format!("demo units: {e}")))
}

/// Loads the demo units into an empty registry, in one transaction; does nothing when the
/// registry already holds units. Returns how many were inserted.
pub fn seed_units(store: &Store) -> Result<usize, ServiceError> {
    let actor = Actor::system("seed-demo");
    store.transaction(|conn| seed_units_in(conn, &actor))
}

/// [`seed_units`] inside the caller's transaction.
pub fn seed_units_in(conn: &mut DbConn, actor: &Actor) -> Result<usize, ServiceError> {
    let units = demo_units()?;
    if repo::units::count(conn)? > 0 {
        return Ok(0);
    }
    // A unit may name a parent or successor listed after it: insert in rounds, each unit
    // once everything it references exists.
    let mut inserted = 0;
    let mut known = std::collections::HashSet::new();
    let mut pending = units;
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for unit in pending {
            let ready = |code: &Option<dtihub_domain::unit::UnitCode>| {
                code.as_ref().is_none_or(|c| known.contains(c))
            };
            if ready(&unit.parent) && ready(&unit.successor) {
                units::insert(conn, actor, &unit)?;
                known.insert(unit.code.clone());
                inserted += 1;
            } else {
                rest.push(unit);
            }
        }
        if rest.len() == before {
            return Err(ServiceError::Internal(
                "demo units reference codes that do not exist".into(),
            ));
        }
        pending = rest;
    }
    Ok(inserted)
}

/// The password of every demo user (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "DtiHub-demo-2025";
/// The demo commune client's id.
pub const DEMO_CLIENT_ID: &str = "demo-tram-chim";
/// The demo commune client's secret (documented in the README; demo data only).
pub const DEMO_CLIENT_SECRET: &str = "demo-tram-chim-secret-2025";

/// The demo users: one per role; unit-scoped roles belong to the commune of Tràm Chim.
pub const DEMO_USERS: [(&str, &str, &str, Option<&str>); 5] = [
    ("demo-admin", "Quản trị (demo)", "admin", None),
    (
        "demo-coordinator",
        "Sở KH&CN, đầu mối (demo)",
        "coordinator",
        Some("SO-KHCN"),
    ),
    ("demo-viewer", "Lãnh đạo, chỉ xem (demo)", "viewer", None),
    (
        "demo-reporter",
        "Cán bộ xã Tràm Chim (demo)",
        "unit_reporter",
        Some("XA-TRAM-CHIM"),
    ),
    (
        "demo-approver",
        "Chủ tịch UBND xã Tràm Chim (demo)",
        "unit_approver",
        Some("XA-TRAM-CHIM"),
    ),
];

/// Loads the demo accounts (one user per role and a commune-bound client) unless they
/// exist; returns how many were created.
pub fn seed_accounts(auth: &crate::auth::Auth) -> Result<usize, ServiceError> {
    use crate::clients::{self, NewClientInput};
    use crate::users::{self, NewUserInput};
    let store = auth.store();
    let actor = Actor::system("seed-demo");
    let mut created = 0;
    for (username, display_name, role, unit) in DEMO_USERS {
        if store
            .read(|conn| Ok(repo::users::find_by_username(conn, username)?))?
            .is_some()
        {
            continue;
        }
        let input = NewUserInput {
            username: username.into(),
            display_name: display_name.into(),
            email: None,
            unit: unit.map(str::to_owned),
            roles: vec![role.into()],
            password: Some(DEMO_PASSWORD.into()),
        };
        users::create(store, auth, &actor, &input)?;
        created += 1;
    }
    if store
        .read(|conn| Ok(repo::clients::find_by_client_id(conn, DEMO_CLIENT_ID)?))?
        .is_none()
    {
        let input = NewClientInput {
            name: "Hệ thống một cửa xã Tràm Chim (demo)".into(),
            scopes: vec![
                "catalog:read".into(),
                "reports:read".into(),
                "reports:write".into(),
            ],
            unit: Some("XA-TRAM-CHIM".into()),
        };
        clients::create_with_credentials(
            store,
            auth,
            &actor,
            &input,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET.into(),
        )?;
        created += 1;
    }
    Ok(created)
}
