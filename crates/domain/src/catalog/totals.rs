//! A plan's totals computed from its items, set against the totals the documents declare.
//!
//! The documents' own tables do not always add up (2023 Phụ lục II rows sum to 319.925 but
//! declare 319.944 triệu), so both are kept and every difference is reported; neither is
//! trusted silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::unit::UnitCode;

use super::plan::{DeclaredTableTotal, DeclaredTotals, Plan, TotalColumn};
use super::{BudgetLine, CatalogWarning, Project};

/// Sums of the items, by column, source and unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedTotals {
    /// Investment for the plan's years plus recurrent spending.
    pub total_vnd: i64,
    /// Capital for the plan's years: allocations, or execution where only that is given.
    pub investment_vnd: i64,
    /// Sum of the budget lines' amounts.
    pub recurrent_vnd: i64,
    /// The plan years' allocations by funding source.
    pub investment_by_source: SourceTotals,
    /// Every money column summed over its table.
    pub columns: Vec<ColumnTotal>,
    /// Investment and recurrent spending per responsible unit.
    pub by_unit: Vec<UnitTotals>,
    /// How many projects there are.
    pub project_count: usize,
    /// How many budget lines there are.
    pub budget_line_count: usize,
    /// Budget lines without an amount (the 2025 plan prints none).
    pub budget_lines_without_amount: usize,
}

/// Money by funding source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTotals {
    /// Central budget (NSTW).
    pub central_vnd: i64,
    /// Local budget (NSĐP).
    pub local_vnd: i64,
    /// Other sources.
    pub other_vnd: i64,
    /// Capital whose source the documents do not split.
    pub unsplit_vnd: i64,
}

/// One money column summed over its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnTotal {
    /// The column.
    pub column: TotalColumn,
    /// The sum of the rows that have a value.
    pub computed_vnd: i64,
    /// How many rows have a value.
    pub rows_with_value: usize,
}

/// Money one unit is responsible for: projects it invests in, budget lines it implements alone.
/// `unit` none collects items without a single responsible unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitTotals {
    /// The unit.
    pub unit: Option<UnitCode>,
    /// Capital for the plan's years of its projects.
    pub investment_vnd: i64,
    /// Its budget lines.
    pub recurrent_vnd: i64,
}

/// What a declared total is compared at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MismatchScope {
    /// The plan text's figures.
    Plan,
    /// The projects table's TỔNG CỘNG row.
    Projects,
    /// The budget lines table's TỔNG CỘNG row.
    BudgetLines,
}

/// A declared total that differs from the sum of its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// Plan text or which table.
    pub scope: MismatchScope,
    /// The field (`investment_vnd`) or column (`total_investment_vnd`) compared.
    pub field: String,
    /// As declared.
    pub declared_vnd: i64,
    /// As computed from the items.
    pub computed_vnd: i64,
    /// Declared minus computed.
    pub difference_vnd: i64,
    /// Where the declared figure is printed.
    pub source: Option<String>,
}

/// Computed totals, declared totals, and every difference between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTotals {
    /// From the items.
    pub computed: ComputedTotals,
    /// From the plan text.
    pub declared: DeclaredTotals,
    /// From the tables' TỔNG CỘNG rows.
    pub declared_table_totals: Vec<DeclaredTableTotal>,
    /// Every declared figure that differs from its computed one.
    pub mismatches: Vec<Mismatch>,
    /// Items accepted with something a person should check.
    pub warnings: Vec<CatalogWarning>,
}

fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

#[derive(Default, Clone, Copy)]
struct Acc {
    sum: i128,
    rows: usize,
}

impl Acc {
    fn add(&mut self, v: Option<i64>) {
        if let Some(v) = v {
            self.sum += i128::from(v);
            self.rows += 1;
        }
    }
}

/// Computes a plan's totals from its projects and budget lines.
pub fn plan_totals(plan: &Plan, projects: &[Project], lines: &[BudgetLine]) -> PlanTotals {
    let years = plan.years;
    let mut columns: BTreeMap<TotalColumn, Acc> = TotalColumn::ALL
        .iter()
        .map(|c| (*c, Acc::default()))
        .collect();
    let mut col = |c: TotalColumn, v: Option<i64>| {
        if let Some(acc) = columns.get_mut(&c) {
            acc.add(v);
        }
    };
    let mut by_unit: BTreeMap<Option<UnitCode>, (i128, i128)> = BTreeMap::new();
    let mut sources = [0_i128; 4];
    let mut investment: i128 = 0;
    let mut warnings = Vec::new();
    for p in projects {
        col(TotalColumn::TotalInvestment, p.total_investment_vnd);
        col(TotalColumn::Central, p.funding.central_vnd);
        col(TotalColumn::Local, p.funding.local_vnd);
        col(TotalColumn::Other, p.funding.other_vnd);
        col(TotalColumn::DisbursedBefore, p.disbursed_before_vnd);
        for a in p.allocations.iter().filter(|a| years.contains(a.year)) {
            col(TotalColumn::AllocatedPlanYear, a.allocated_vnd);
            col(TotalColumn::AllocatedCentral, a.split.central_vnd);
            col(TotalColumn::AllocatedLocal, a.split.local_vnd);
            col(TotalColumn::ImplementedPlanYear, a.implemented_vnd);
            let capital = i128::from(a.capital_vnd().unwrap_or(0));
            let parts = [a.split.central_vnd, a.split.local_vnd, a.split.other_vnd];
            for (slot, part) in sources.iter_mut().zip(parts) {
                *slot += i128::from(part.unwrap_or(0));
            }
            let split: i128 = parts.iter().flatten().map(|v| i128::from(*v)).sum();
            sources[3] += (capital - split).max(0);
        }
        let capital = i128::from(p.capital_in(years));
        investment += capital;
        by_unit.entry(p.investor_unit.clone()).or_default().0 += capital;
        warnings.extend(p.warnings());
    }
    let mut recurrent: i128 = 0;
    let mut without_amount = 0;
    for l in lines {
        col(TotalColumn::Amount, l.amount_vnd);
        match l.amount_vnd {
            Some(v) => recurrent += i128::from(v),
            None => without_amount += 1,
        }
        let unit = match l.implementing.units.as_slice() {
            [only] if l.implementing.unit_kinds.is_empty() => Some(only.clone()),
            _ => None,
        };
        by_unit.entry(unit).or_default().1 += i128::from(l.amount_vnd.unwrap_or(0));
    }
    let computed = ComputedTotals {
        total_vnd: clamp(investment + recurrent),
        investment_vnd: clamp(investment),
        recurrent_vnd: clamp(recurrent),
        investment_by_source: SourceTotals {
            central_vnd: clamp(sources[0]),
            local_vnd: clamp(sources[1]),
            other_vnd: clamp(sources[2]),
            unsplit_vnd: clamp(sources[3]),
        },
        columns: columns
            .iter()
            .map(|(column, acc)| ColumnTotal {
                column: *column,
                computed_vnd: clamp(acc.sum),
                rows_with_value: acc.rows,
            })
            .collect(),
        by_unit: by_unit
            .into_iter()
            .map(|(unit, (inv, rec))| UnitTotals {
                unit,
                investment_vnd: clamp(inv),
                recurrent_vnd: clamp(rec),
            })
            .collect(),
        project_count: projects.len(),
        budget_line_count: lines.len(),
        budget_lines_without_amount: without_amount,
    };
    let mismatches = mismatches(plan, &computed);
    PlanTotals {
        declared: plan.declared.clone(),
        declared_table_totals: plan.declared_table_totals.clone(),
        computed,
        mismatches,
        warnings,
    }
}

fn mismatches(plan: &Plan, computed: &ComputedTotals) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let d = &plan.declared;
    let s = &computed.investment_by_source;
    for (field, declared, got) in [
        ("total_vnd", d.total_vnd, computed.total_vnd),
        ("investment_vnd", d.investment_vnd, computed.investment_vnd),
        ("recurrent_vnd", d.recurrent_vnd, computed.recurrent_vnd),
        ("central_vnd", d.central_vnd, s.central_vnd),
        ("local_vnd", d.local_vnd, s.local_vnd),
    ] {
        if let Some(declared) = declared.filter(|v| *v != got) {
            out.push(Mismatch {
                scope: MismatchScope::Plan,
                field: field.to_owned(),
                declared_vnd: declared,
                computed_vnd: got,
                difference_vnd: declared.saturating_sub(got),
                source: plan.source.clone(),
            });
        }
    }
    for t in &plan.declared_table_totals {
        let got = computed
            .columns
            .iter()
            .find(|c| c.column == t.column)
            .map_or(0, |c| c.computed_vnd);
        if got != t.amount_vnd {
            out.push(Mismatch {
                scope: match t.column.table() {
                    super::plan::CatalogTable::Projects => MismatchScope::Projects,
                    super::plan::CatalogTable::BudgetLines => MismatchScope::BudgetLines,
                },
                field: t.column.as_str().to_owned(),
                declared_vnd: t.amount_vnd,
                computed_vnd: got,
                difference_vnd: t.amount_vnd.saturating_sub(got),
                source: t.source.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::indicator::UnitAssignmentInput;
    use crate::catalog::plan::{DeclaredTableTotalInput, PlanInput};
    use crate::catalog::project::{Allocation, FundingSplit, ProjectInput};
    use crate::catalog::BudgetLineInput;

    const T: i64 = 1_000_000;

    fn plan(declared: DeclaredTotals, tables: Vec<(&str, &str, i64)>) -> Plan {
        Plan::parse(&PlanInput {
            code: "KH-1-2022".into(),
            title: "Kế hoạch".into(),
            kind: "annual".into(),
            status: "issued".into(),
            first_year: 2022,
            last_year: 2022,
            declared,
            declared_table_totals: tables
                .into_iter()
                .map(|(table, column, amount)| DeclaredTableTotalInput {
                    table: table.into(),
                    column: column.into(),
                    amount_vnd: amount,
                    printed_text: None,
                    source: Some("Phụ lục II".into()),
                })
                .collect(),
            ..PlanInput::default()
        })
        .expect("plan")
    }

    fn project(code: &str, unit: &str, tmdt: i64, local: i64, alloc: i64, central: i64) -> Project {
        let years = crate::catalog::PlanYears {
            first: 2022,
            last: 2022,
        };
        Project::parse(
            &ProjectInput {
                code: code.into(),
                name: "Dự án".into(),
                investor_unit: Some(unit.into()),
                total_investment_vnd: Some(tmdt),
                funding: FundingSplit {
                    local_vnd: Some(local),
                    ..FundingSplit::default()
                },
                allocations: vec![Allocation {
                    year: 2022,
                    allocated_vnd: Some(alloc),
                    split: FundingSplit {
                        central_vnd: Some(central),
                        local_vnd: Some(alloc - central),
                        other_vnd: None,
                    },
                    implemented_vnd: None,
                }],
                ..ProjectInput::default()
            },
            years,
        )
        .expect("project")
    }

    fn line(code: &str, unit: &str, amount: i64) -> BudgetLine {
        BudgetLine::parse(&BudgetLineInput {
            code: code.into(),
            name: "Chi".into(),
            implementing: UnitAssignmentInput {
                units: vec![unit.into()],
                ..UnitAssignmentInput::default()
            },
            amount_vnd: Some(amount),
            ..BudgetLineInput::default()
        })
        .expect("line")
    }

    #[test]
    fn sums_by_source_and_unit_and_reports_mismatches_and_warnings() {
        let p = plan(
            DeclaredTotals {
                total_vnd: Some(118 * T),
                investment_vnd: Some(65 * T),
                recurrent_vnd: Some(53 * T),
                central_vnd: Some(15 * T),
                local_vnd: Some(50 * T),
                text: None,
            },
            vec![
                ("projects", "total_investment_vnd", 101 * T),
                ("budget_lines", "amount_vnd", 53 * T),
            ],
        );
        let projects = [
            project("DA-01", "SO-TTTT", 10 * T, 12 * T, 5 * T, 0),
            project("DA-02", "SO-TNMT", 90 * T, 40 * T, 60 * T, 15 * T),
        ];
        let lines = [
            line("CTX-01", "SO-TTTT", 50 * T),
            line("CTX-02", "SO-NOI-VU", 3 * T),
        ];
        let t = plan_totals(&p, &projects, &lines);
        assert_eq!(t.computed.investment_vnd, 65 * T);
        assert_eq!(t.computed.recurrent_vnd, 53 * T);
        assert_eq!(t.computed.total_vnd, 118 * T);
        assert_eq!(t.computed.investment_by_source.central_vnd, 15 * T);
        assert_eq!(t.computed.investment_by_source.local_vnd, 50 * T);
        // Only the table total of TMĐT is off: 101 declared against 100 computed.
        assert_eq!(t.mismatches.len(), 1, "{:?}", t.mismatches);
        assert_eq!(t.mismatches[0].scope, MismatchScope::Projects);
        assert_eq!(t.mismatches[0].field, "total_investment_vnd");
        assert_eq!(t.mismatches[0].difference_vnd, T);
        // DA-01's funding (12) exceeds its total investment (10).
        assert_eq!(t.warnings.len(), 1);
        assert_eq!(t.warnings[0].item_code, "DA-01");
        let tttt = t
            .computed
            .by_unit
            .iter()
            .find(|u| u.unit.as_ref().map(UnitCode::as_str) == Some("SO-TTTT"))
            .expect("SO-TTTT");
        assert_eq!((tttt.investment_vnd, tttt.recurrent_vnd), (5 * T, 50 * T));
    }

    #[test]
    fn empty_plan_has_zero_totals_and_reports_declared_figures_as_mismatches() {
        let p = plan(
            DeclaredTotals {
                recurrent_vnd: Some(7),
                ..DeclaredTotals::default()
            },
            vec![],
        );
        let t = plan_totals(&p, &[], &[]);
        assert_eq!(t.computed.total_vnd, 0);
        assert_eq!(t.mismatches.len(), 1);
        assert_eq!(t.mismatches[0].difference_vnd, 7);
    }
}
