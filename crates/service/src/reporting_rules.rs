//! Plans' own reporting rules (schedule and outlier factor), and the rules that govern a
//! period's reports: those of the issued plan in force that year, or the defaults.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use dtihub_db::models::PlanReportingRulesRow;
use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::calendar::Calendar;
use dtihub_domain::catalog::PlanId;
use dtihub_domain::period::Period;
use dtihub_domain::schedule::ReportingRules;
use serde_json::{json, Value};

use crate::audit;
use crate::catalog::input_from_json;
use crate::error::ServiceError;
use crate::store::{Actor, Store};

const ENTITY: &str = "plan_reporting_rules";

/// A plan's reporting rules as stored (or the defaults when it set none).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRules {
    /// The plan.
    pub plan_id: i64,
    /// Its code.
    pub plan_code: String,
    /// The rules.
    pub rules: ReportingRules,
    /// Whether the plan set its own (false: the defaults).
    pub custom: bool,
    /// Version, for If-Match (0 while the defaults apply).
    pub version: i64,
    /// Who set them.
    pub updated_by: Option<String>,
    /// When (UTC).
    pub updated_at: Option<NaiveDateTime>,
}

/// The rules a period's reports follow, and the plan they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Governing {
    /// The governing plan's id and code; `None`: the defaults.
    pub plan: Option<(i64, String)>,
    /// The rules.
    pub rules: ReportingRules,
}

fn parse_row(row: &PlanReportingRulesRow) -> Result<ReportingRules, ServiceError> {
    let schedule = serde_json::from_str(&row.schedule_json).map_err(|e| {
        ServiceError::Internal(format!("plan {} has a bad schedule: {e}", row.plan_id))
    })?;
    Ok(ReportingRules {
        schedule,
        outlier_factor: row.outlier_factor,
    })
}

/// The rules governing reports of `period`: the issued plan covering its year that set rules
/// (an annual plan before a multi-year one), else the defaults.
pub fn governing(conn: &mut DbConn, period: Period) -> Result<Governing, ServiceError> {
    governing_year(conn, period.year())
}

fn governing_year(conn: &mut DbConn, year: i32) -> Result<Governing, ServiceError> {
    Ok(match repo::reporting_rules::governing(conn, year)? {
        Some((id, code, row)) => Governing {
            plan: Some((id, code)),
            rules: parse_row(&row)?,
        },
        None => Governing {
            plan: None,
            rules: ReportingRules::default(),
        },
    })
}

/// Vietnam's working-day calendar (shipped as data).
pub fn calendar() -> Result<Calendar, ServiceError> {
    Calendar::vietnam().map_err(|e| ServiceError::Internal(format!("calendar: {e:?}")))
}

/// The deadline of a period's reports under the rules that govern it.
pub fn deadline_for(conn: &mut DbConn, period: Period) -> Result<NaiveDate, ServiceError> {
    Ok(governing(conn, period)?
        .rules
        .schedule
        .deadline(period, &calendar()?))
}

fn plan_code(conn: &mut DbConn, plan: PlanId) -> Result<String, ServiceError> {
    repo::catalog::plans::find(conn, plan.0)?
        .map(|p| p.code)
        .ok_or(ServiceError::NotFound { entity: "plan" })
}

fn load(conn: &mut DbConn, plan: PlanId) -> Result<PlanRules, ServiceError> {
    let plan_code = plan_code(conn, plan)?;
    Ok(match repo::reporting_rules::find(conn, plan.0)? {
        Some(row) => PlanRules {
            plan_id: plan.0,
            plan_code,
            rules: parse_row(&row)?,
            custom: true,
            version: row.version,
            updated_by: Some(row.updated_by),
            updated_at: Some(row.updated_at),
        },
        None => PlanRules {
            plan_id: plan.0,
            plan_code,
            rules: ReportingRules::default(),
            custom: false,
            version: 0,
            updated_by: None,
            updated_at: None,
        },
    })
}

/// A plan's rules.
pub fn get(store: &Store, plan: PlanId) -> Result<PlanRules, ServiceError> {
    store.read(|conn| load(conn, plan))
}

fn audit_json(r: &PlanRules) -> Value {
    json!({"custom": r.custom, "rules": r.rules})
}

/// Sets a plan's rules from a JSON document (missing parts take the defaults), if the stored
/// version is still `expected_version`; moves the deadline of every report the plan governs
/// that has not been submitted yet (a submitted report keeps the deadline it was judged by).
pub fn put(
    store: &Store,
    actor: &Actor,
    plan: PlanId,
    expected_version: Option<i64>,
    body: Value,
) -> Result<PlanRules, ServiceError> {
    let rules: ReportingRules = input_from_json(body)?;
    rules.validate()?;
    store.transaction(|conn| {
        let before = load(conn, plan)?;
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        write(conn, actor, plan, &rules, &before)
    })
}

/// Drops a plan's own rules: its reports follow the defaults again.
pub fn reset(
    store: &Store,
    actor: &Actor,
    plan: PlanId,
    expected_version: Option<i64>,
) -> Result<PlanRules, ServiceError> {
    store.transaction(|conn| {
        let before = load(conn, plan)?;
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        if !repo::reporting_rules::delete(conn, plan.0)? {
            return Ok(before);
        }
        after_change(conn, actor, plan, &before, "plan_reporting_rules.reset")
    })
}

fn write(
    conn: &mut DbConn,
    actor: &Actor,
    plan: PlanId,
    rules: &ReportingRules,
    before: &PlanRules,
) -> Result<PlanRules, ServiceError> {
    let schedule_json = serde_json::to_string(&rules.schedule)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    repo::reporting_rules::put(
        conn,
        &PlanReportingRulesRow {
            plan_id: plan.0,
            schedule_json,
            outlier_factor: rules.outlier_factor,
            version: before.version + 1,
            updated_by: actor.id.clone(),
            updated_at: Utc::now().naive_utc(),
        },
    )?;
    after_change(conn, actor, plan, before, "plan_reporting_rules.put")
}

fn after_change(
    conn: &mut DbConn,
    actor: &Actor,
    plan: PlanId,
    before: &PlanRules,
    action: &str,
) -> Result<PlanRules, ServiceError> {
    let after = load(conn, plan)?;
    let moved = move_deadlines(conn, plan)?;
    let mut after_doc = audit_json(&after);
    after_doc["deadlines_moved"] = json!(moved);
    audit::record(
        conn,
        actor,
        action,
        ENTITY,
        &plan.to_string(),
        Some(&audit_json(before)),
        Some(&after_doc),
    )?;
    Ok(after)
}

/// Re-derives the deadline of the unsubmitted reports in the years the plan covers; returns
/// how many moved.
fn move_deadlines(conn: &mut DbConn, plan: PlanId) -> Result<usize, ServiceError> {
    let row = repo::catalog::plans::find(conn, plan.0)?
        .ok_or(ServiceError::NotFound { entity: "plan" })?;
    let calendar = calendar()?;
    let mut moved = 0;
    for year in row.first_year..=row.last_year {
        let governing = governing_year(conn, year)?;
        for (id, period, deadline) in
            repo::reporting_rules::unsubmitted_in(conn, &format!("{year}%"))?
        {
            let Ok(period) = period.parse::<Period>() else {
                continue;
            };
            let due = governing.rules.schedule.deadline(period, &calendar);
            if due != deadline {
                repo::reporting_rules::set_deadline(conn, id, due)?;
                moved += 1;
            }
        }
    }
    Ok(moved)
}

/// The demo plans' own rules, from the documents: a plan that names the date its results are
/// due ("trước ngày 05 tháng 12 năm 2022", "trước ngày 30 tháng 11 năm 2024") has its annual
/// report fall due that day; everything else keeps the defaults (which are the 2025 plan's
/// own: quarterly the 20th of the last month, six-month 25/5, annual 20/12). Returns how many
/// plans got rules; plans that already have rules are left alone.
pub fn seed_from_due_dates_in(conn: &mut DbConn, actor: &Actor) -> Result<usize, ServiceError> {
    use chrono::Datelike;
    let plans = repo::catalog::plans::list(
        conn,
        &repo::catalog::plans::PlanFilter::default(),
        i64::from(u16::MAX),
    )?;
    let mut set = 0;
    for plan in plans {
        let Some(due) = plan.report_due_date else {
            continue;
        };
        if repo::reporting_rules::find(conn, plan.id)?.is_some()
            || plan.first_year != plan.last_year
        {
            continue;
        }
        let month_offset = (due.year() - plan.last_year) * 12 + due.month0() as i32 - 11;
        let mut rules = ReportingRules::default();
        rules.schedule.annual.deadline = dtihub_domain::schedule::DeadlineRule::DayOfMonth {
            month_offset,
            day: due.day(),
        };
        if rules.validate().is_err() {
            continue;
        }
        let before = load(conn, PlanId(plan.id))?;
        write(conn, actor, PlanId(plan.id), &rules, &before)?;
        set += 1;
    }
    Ok(set)
}
