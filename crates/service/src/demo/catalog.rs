//! The plan catalog demo data: the province's five DX plans as transcribed in `catalog/*.csv`
//! (see `catalog/README.md` for the columns and conventions), loaded through the same use
//! cases as any client's data, so every row passes the domain's validation.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::catalog::budget_line::BudgetLineInput;
use dtihub_domain::catalog::indicator::{IndicatorInput, TargetInput, UnitAssignmentInput};
use dtihub_domain::catalog::plan::{
    DeclaredTableTotalInput, DeclaredTotals, LegalBasisInput, PlanInput,
};
use dtihub_domain::catalog::project::{Allocation, FundingSplit, ProjectInput};
use dtihub_domain::catalog::task::TaskInput;
use dtihub_domain::catalog::{PlanId, Timing};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::catalog::items::{create_in, CatalogItem};
use crate::catalog::{plans, BudgetLines, Indicators, Projects, Tasks};
use crate::error::ServiceError;
use crate::store::Actor;

const PLANS: &str = include_str!("catalog/plans.csv");
const LEGAL_BASES: &str = include_str!("catalog/legal_bases.csv");
const DECLARED_TOTALS: &str = include_str!("catalog/declared_totals.csv");
const INDICATORS: &str = include_str!("catalog/indicators.csv");
const INDICATOR_TARGETS: &str = include_str!("catalog/indicator_targets.csv");
const TASKS: &str = include_str!("catalog/tasks.csv");
const PROJECTS: &str = include_str!("catalog/projects.csv");
const BUDGET_LINES: &str = include_str!("catalog/budget_lines.csv");

/// How many rows of each kind were loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogCounts {
    /// Plans.
    pub plans: usize,
    /// Indicators.
    pub indicators: usize,
    /// Tasks.
    pub tasks: usize,
    /// Projects.
    pub projects: usize,
    /// Budget lines.
    pub budget_lines: usize,
}

impl CatalogCounts {
    /// All rows.
    pub fn total(&self) -> usize {
        self.plans + self.indicators + self.tasks + self.projects + self.budget_lines
    }
}

#[derive(Debug, Deserialize)]
struct PlanCsv {
    key: String,
    number: String,
    title: String,
    kind: String,
    issued_date: String,
    issuer_unit: String,
    signer: String,
    signer_title: String,
    first_year: i32,
    last_year: i32,
    status: String,
    focal_unit: String,
    general_goals: String,
    declared_total_vnd: String,
    declared_investment_vnd: String,
    declared_recurrent_vnd: String,
    declared_central_vnd: String,
    declared_local_vnd: String,
    declared_totals_text: String,
    report_due_date: String,
    source: String,
}

#[derive(Debug, Deserialize)]
struct LegalBasisCsv {
    plan_key: String,
    doc_type: String,
    number: String,
    date: String,
    title: String,
    citation: String,
}

#[derive(Debug, Deserialize)]
struct DeclaredTotalCsv {
    plan_key: String,
    table: String,
    column: String,
    declared_vnd: i64,
    printed_text: String,
    source: String,
}

#[derive(Debug, Deserialize)]
struct IndicatorCsv {
    plan_key: String,
    code: String,
    pillar: String,
    group_text: String,
    name: String,
    measure: String,
    direction: String,
    unit_of_measure: String,
    allows_over_100: String,
    lead_units: String,
    lead_unit_kinds: String,
    lead_text: String,
    coordinating_units: String,
    coordinating_unit_kinds: String,
    coordinating_text: String,
    evaluation_time_text: String,
    source: String,
    source_row: String,
}

#[derive(Debug, Deserialize)]
struct TargetCsv {
    indicator_code: String,
    year: i32,
    target_value: String,
    target_text: String,
}

#[derive(Debug, Deserialize)]
struct TaskCsv {
    plan_key: String,
    code: String,
    section: String,
    category: String,
    pillar: String,
    content: String,
    lead_units: String,
    lead_unit_kinds: String,
    lead_text: String,
    coordinating_units: String,
    coordinating_unit_kinds: String,
    coordinating_text: String,
    timing_text: String,
    timing_kind: String,
    due_date: String,
    source: String,
    source_row: String,
}

#[derive(Debug, Deserialize)]
struct ProjectCsv {
    plan_key: String,
    code: String,
    name: String,
    investor_unit: String,
    investor_text: String,
    start_year: String,
    end_year: String,
    period_text: String,
    total_investment_vnd: String,
    central_vnd: String,
    local_vnd: String,
    other_vnd: String,
    disbursed_before_vnd: String,
    allocated_plan_year_vnd: String,
    allocated_central_vnd: String,
    allocated_local_vnd: String,
    implemented_plan_year_vnd: String,
    stage: String,
    stage_text: String,
    decision_ref: String,
    funding_note: String,
    carried_over: String,
    same_as: String,
    related_units: String,
    source: String,
    source_row: String,
}

#[derive(Debug, Deserialize)]
struct BudgetLineCsv {
    plan_key: String,
    code: String,
    name: String,
    implementing_units: String,
    implementing_unit_kinds: String,
    implementing_text: String,
    amount_vnd: String,
    budget_category: String,
    funding_note: String,
    start_year: String,
    end_year: String,
    period_text: String,
    status_text: String,
    decision_ref: String,
    source: String,
    source_row: String,
}

fn bad(file: &str, what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("demo catalog {file}: {what}"))
}

/// Every record of an embedded CSV file (columns the loader does not use are ignored).
fn records<T: DeserializeOwned>(file: &str, text: &str) -> Result<Vec<T>, ServiceError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| bad(file, e))
}

/// A blank cell is absent.
fn opt(cell: &str) -> Option<String> {
    let t = cell.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A `;`-separated list cell.
fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn money(file: &str, code: &str, cell: &str) -> Result<Option<i64>, ServiceError> {
    opt(cell)
        .map(|v| v.parse::<i64>())
        .transpose()
        .map_err(|e| bad(file, format!("{code}: {cell:?} is not whole VND ({e})")))
}

fn year(file: &str, code: &str, cell: &str) -> Result<Option<i32>, ServiceError> {
    opt(cell)
        .map(|v| v.parse::<i32>())
        .transpose()
        .map_err(|e| bad(file, format!("{code}: {cell:?} is not a year ({e})")))
}

fn date(file: &str, code: &str, cell: &str) -> Result<Option<NaiveDate>, ServiceError> {
    opt(cell)
        .map(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d"))
        .transpose()
        .map_err(|e| bad(file, format!("{code}: {cell:?} is not a date ({e})")))
}

fn flag(file: &str, code: &str, cell: &str) -> Result<Option<bool>, ServiceError> {
    match cell.trim() {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        other => Err(bad(file, format!("{code}: {other:?} is not true/false"))),
    }
}

fn units(codes: &str, kinds: &str, text: &str) -> UnitAssignmentInput {
    UnitAssignmentInput {
        units: list(codes),
        unit_kinds: list(kinds),
        text: opt(text),
    }
}

/// Names the file and row of a use case's refusal, for whoever fixes the data file.
fn located<T>(file: &str, code: &str, r: Result<T, ServiceError>) -> Result<T, ServiceError> {
    r.map_err(|e| match e {
        ServiceError::Validation(errors) => bad(
            file,
            format!(
                "{code}: {}",
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.pointer, e.code))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        other => other,
    })
}

fn plan_inputs() -> Result<Vec<PlanInput>, ServiceError> {
    let mut bases: BTreeMap<String, Vec<LegalBasisInput>> = BTreeMap::new();
    for b in records::<LegalBasisCsv>("legal_bases.csv", LEGAL_BASES)? {
        let date = date("legal_bases.csv", &b.citation, &b.date)?;
        bases.entry(b.plan_key).or_default().push(LegalBasisInput {
            doc_type: opt(&b.doc_type),
            number: opt(&b.number),
            date,
            title: opt(&b.title),
            citation: b.citation,
        });
    }
    let mut totals: BTreeMap<String, Vec<DeclaredTableTotalInput>> = BTreeMap::new();
    for t in records::<DeclaredTotalCsv>("declared_totals.csv", DECLARED_TOTALS)? {
        totals
            .entry(t.plan_key)
            .or_default()
            .push(DeclaredTableTotalInput {
                table: t.table,
                column: t.column,
                amount_vnd: t.declared_vnd,
                printed_text: opt(&t.printed_text),
                source: opt(&t.source),
            });
    }
    let file = "plans.csv";
    records::<PlanCsv>(file, PLANS)?
        .into_iter()
        .map(|p| {
            let k = p.key.as_str();
            Ok(PlanInput {
                number: opt(&p.number),
                title: p.title.clone(),
                kind: p.kind.clone(),
                issued_date: date(file, k, &p.issued_date)?,
                issuer_unit: opt(&p.issuer_unit),
                signer: opt(&p.signer),
                signer_title: opt(&p.signer_title),
                first_year: p.first_year,
                last_year: p.last_year,
                status: p.status.clone(),
                focal_unit: opt(&p.focal_unit),
                general_goals: opt(&p.general_goals),
                report_due_date: date(file, k, &p.report_due_date)?,
                legal_bases: bases.remove(k).unwrap_or_default(),
                declared: DeclaredTotals {
                    total_vnd: money(file, k, &p.declared_total_vnd)?,
                    investment_vnd: money(file, k, &p.declared_investment_vnd)?,
                    recurrent_vnd: money(file, k, &p.declared_recurrent_vnd)?,
                    central_vnd: money(file, k, &p.declared_central_vnd)?,
                    local_vnd: money(file, k, &p.declared_local_vnd)?,
                    text: opt(&p.declared_totals_text),
                },
                declared_table_totals: totals.remove(k).unwrap_or_default(),
                source: opt(&p.source),
                code: p.key,
            })
        })
        .collect()
}

fn indicator_inputs() -> Result<Vec<(String, IndicatorInput)>, ServiceError> {
    let mut targets: BTreeMap<String, Vec<TargetInput>> = BTreeMap::new();
    let file = "indicator_targets.csv";
    for t in records::<TargetCsv>(file, INDICATOR_TARGETS)? {
        let value = opt(&t.target_value)
            .map(|v| v.parse::<f64>())
            .transpose()
            .map_err(|e| bad(file, format!("{}: {e}", t.indicator_code)))?;
        targets
            .entry(t.indicator_code)
            .or_default()
            .push(TargetInput {
                year: t.year,
                value,
                text: t.target_text,
            });
    }
    let file = "indicators.csv";
    records::<IndicatorCsv>(file, INDICATORS)?
        .into_iter()
        .map(|i| {
            let input = IndicatorInput {
                name: i.name,
                pillar: i.pillar,
                group_text: opt(&i.group_text),
                measure: i.measure,
                direction: i.direction,
                unit_of_measure: opt(&i.unit_of_measure),
                allows_over_100: flag(file, &i.code, &i.allows_over_100)?.unwrap_or(false),
                targets: targets.remove(&i.code).unwrap_or_default(),
                lead: units(&i.lead_units, &i.lead_unit_kinds, &i.lead_text),
                coordinating: units(
                    &i.coordinating_units,
                    &i.coordinating_unit_kinds,
                    &i.coordinating_text,
                ),
                evaluation_time: None,
                evaluation_time_text: opt(&i.evaluation_time_text),
                reporting_unit_kinds: Vec::new(),
                reporting_units: Vec::new(),
                roll_up: None,
                source: opt(&i.source),
                source_row: opt(&i.source_row),
                code: i.code,
            };
            Ok((i.plan_key, input))
        })
        .collect()
}

fn task_inputs() -> Result<Vec<(String, TaskInput)>, ServiceError> {
    let file = "tasks.csv";
    records::<TaskCsv>(file, TASKS)?
        .into_iter()
        .map(|t| {
            // The file states the timing's kind and due date beside the printed text; the
            // domain reads the text itself, and the two must agree.
            let timing = Timing::from_text(&t.timing_text);
            let due = date(file, &t.code, &t.due_date)?;
            if timing.map(Timing::kind) != Some(t.timing_kind.as_str())
                || timing.and_then(Timing::due_date) != due
            {
                return Err(bad(
                    file,
                    format!(
                        "{}: timing {:?} is not {} due {due:?}",
                        t.code, t.timing_text, t.timing_kind
                    ),
                ));
            }
            let input = TaskInput {
                content: t.content,
                section: opt(&t.section),
                category: opt(&t.category),
                pillar: opt(&t.pillar),
                lead: units(&t.lead_units, &t.lead_unit_kinds, &t.lead_text),
                coordinating: units(
                    &t.coordinating_units,
                    &t.coordinating_unit_kinds,
                    &t.coordinating_text,
                ),
                timing: None,
                timing_text: opt(&t.timing_text),
                source: opt(&t.source),
                source_row: opt(&t.source_row),
                code: t.code,
            };
            Ok((t.plan_key, input))
        })
        .collect()
}

/// Projects with their plan's key; the allocation columns are the plan year's, which is the
/// plan's first year.
fn project_inputs(
    first_years: &BTreeMap<String, i32>,
) -> Result<Vec<(String, ProjectInput)>, ServiceError> {
    let file = "projects.csv";
    records::<ProjectCsv>(file, PROJECTS)?
        .into_iter()
        .map(|p| {
            let c = p.code.as_str();
            let allocated = money(file, c, &p.allocated_plan_year_vnd)?;
            let split = FundingSplit {
                central_vnd: money(file, c, &p.allocated_central_vnd)?,
                local_vnd: money(file, c, &p.allocated_local_vnd)?,
                other_vnd: None,
            };
            let implemented = money(file, c, &p.implemented_plan_year_vnd)?;
            let plan_year = *first_years
                .get(&p.plan_key)
                .ok_or_else(|| bad(file, format!("{c}: unknown plan {}", p.plan_key)))?;
            let allocations =
                if allocated.is_some() || split.sum().is_some() || implemented.is_some() {
                    vec![Allocation {
                        year: plan_year,
                        allocated_vnd: allocated,
                        split,
                        implemented_vnd: implemented,
                    }]
                } else {
                    Vec::new()
                };
            let input = ProjectInput {
                name: p.name.clone(),
                investor_unit: opt(&p.investor_unit),
                investor_text: opt(&p.investor_text),
                start_year: year(file, c, &p.start_year)?,
                end_year: year(file, c, &p.end_year)?,
                period_text: opt(&p.period_text),
                total_investment_vnd: money(file, c, &p.total_investment_vnd)?,
                funding: FundingSplit {
                    central_vnd: money(file, c, &p.central_vnd)?,
                    local_vnd: money(file, c, &p.local_vnd)?,
                    other_vnd: money(file, c, &p.other_vnd)?,
                },
                disbursed_before_vnd: money(file, c, &p.disbursed_before_vnd)?,
                allocations,
                stage: opt(&p.stage),
                stage_text: opt(&p.stage_text),
                decision_ref: opt(&p.decision_ref),
                funding_note: opt(&p.funding_note),
                carried_over: flag(file, c, &p.carried_over)?,
                same_as: opt(&p.same_as),
                related_units: list(&p.related_units),
                source: opt(&p.source),
                source_row: opt(&p.source_row),
                code: p.code.clone(),
            };
            Ok((p.plan_key, input))
        })
        .collect()
}

fn budget_line_inputs() -> Result<Vec<(String, BudgetLineInput)>, ServiceError> {
    let file = "budget_lines.csv";
    records::<BudgetLineCsv>(file, BUDGET_LINES)?
        .into_iter()
        .map(|b| {
            let c = b.code.as_str();
            let input = BudgetLineInput {
                name: b.name.clone(),
                implementing: units(
                    &b.implementing_units,
                    &b.implementing_unit_kinds,
                    &b.implementing_text,
                ),
                amount_vnd: money(file, c, &b.amount_vnd)?,
                budget_category: opt(&b.budget_category),
                funding_note: opt(&b.funding_note),
                start_year: year(file, c, &b.start_year)?,
                end_year: year(file, c, &b.end_year)?,
                period_text: opt(&b.period_text),
                status_text: opt(&b.status_text),
                decision_ref: opt(&b.decision_ref),
                source: opt(&b.source),
                source_row: opt(&b.source_row),
                code: b.code.clone(),
            };
            Ok((b.plan_key, input))
        })
        .collect()
}

fn load_items<I: CatalogItem>(
    conn: &mut DbConn,
    actor: &Actor,
    file: &str,
    plan_ids: &BTreeMap<String, PlanId>,
    rows: Vec<(String, I::Input)>,
    code_of: impl Fn(&I::Input) -> &str,
) -> Result<usize, ServiceError> {
    let count = rows.len();
    for (plan_key, input) in rows {
        let plan_id = *plan_ids.get(&plan_key).ok_or_else(|| {
            bad(
                file,
                format!("{}: unknown plan {plan_key}", code_of(&input)),
            )
        })?;
        located(
            file,
            code_of(&input),
            create_in::<I>(conn, actor, plan_id, &input),
        )?;
    }
    Ok(count)
}

/// Loads the catalog inside the caller's transaction unless it already holds plans.
/// The demo units must be loaded first: the files name them.
pub fn seed_catalog_in(conn: &mut DbConn, actor: &Actor) -> Result<CatalogCounts, ServiceError> {
    if repo::catalog::plans::count(conn)? > 0 {
        return Ok(CatalogCounts::default());
    }
    let mut plan_ids = BTreeMap::new();
    let mut first_years = BTreeMap::new();
    let plan_inputs = plan_inputs()?;
    for input in &plan_inputs {
        let stored = located(
            "plans.csv",
            &input.code,
            plans::create_in(conn, actor, input),
        )?;
        plan_ids.insert(input.code.clone(), PlanId(stored.id));
        first_years.insert(input.code.clone(), input.first_year);
    }
    Ok(CatalogCounts {
        plans: plan_inputs.len(),
        indicators: load_items::<Indicators>(
            conn,
            actor,
            "indicators.csv",
            &plan_ids,
            indicator_inputs()?,
            |i| &i.code,
        )?,
        tasks: load_items::<Tasks>(conn, actor, "tasks.csv", &plan_ids, task_inputs()?, |t| {
            &t.code
        })?,
        projects: load_items::<Projects>(
            conn,
            actor,
            "projects.csv",
            &plan_ids,
            project_inputs(&first_years)?,
            |p| &p.code,
        )?,
        budget_lines: load_items::<BudgetLines>(
            conn,
            actor,
            "budget_lines.csv",
            &plan_ids,
            budget_line_inputs()?,
            |b| &b.code,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_with_the_documented_row_counts() {
        assert_eq!(plan_inputs().map(|p| p.len()).ok(), Some(5));
        assert_eq!(indicator_inputs().map(|i| i.len()).ok(), Some(160));
        assert_eq!(task_inputs().map(|t| t.len()).ok(), Some(117));
        let years: BTreeMap<String, i32> = plan_inputs()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.code, p.first_year))
            .collect();
        assert_eq!(project_inputs(&years).map(|p| p.len()).ok(), Some(49));
        assert_eq!(budget_line_inputs().map(|b| b.len()).ok(), Some(129));
    }
}
