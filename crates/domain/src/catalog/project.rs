//! Projects (dự án, vốn đầu tư công): total investment, its funding split, and capital
//! allocated per year.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::unit::UnitCode;

use super::check::Check;
use super::{text_enum, CatalogWarning, ItemCode, PlanYears};

text_enum! {
    /// Where a public-investment project is.
    pub enum Stage {
        /// Chuẩn bị đầu tư.
        Preparation = "preparation",
        /// Thực hiện đầu tư.
        Implementation = "implementation",
        /// Quyết toán.
        Settlement = "settlement",
        /// Hoàn thành.
        Completed = "completed",
    }
}

/// How the total investment is funded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FundingSplit {
    /// Central budget (NSTW hỗ trợ).
    pub central_vnd: Option<i64>,
    /// Local budget (NSĐP).
    pub local_vnd: Option<i64>,
    /// Other sources.
    pub other_vnd: Option<i64>,
}

impl FundingSplit {
    /// The sum of the parts given; none when no part is given.
    pub fn sum(self) -> Option<i64> {
        let parts = [self.central_vnd, self.local_vnd, self.other_vnd];
        parts.iter().any(Option::is_some).then(|| {
            parts
                .iter()
                .flatten()
                .fold(0_i64, |a, b| a.saturating_add(*b))
        })
    }
}

/// Capital for one year: allocated (bố trí vốn), split by source where the document gives it,
/// and executed (thực hiện) where a report gives it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Allocation {
    /// The year.
    pub year: i32,
    /// Capital allocated for the year.
    pub allocated_vnd: Option<i64>,
    /// Of it, by source.
    pub split: FundingSplit,
    /// Capital executed in the year.
    pub implemented_vnd: Option<i64>,
}

impl Allocation {
    /// The year's capital for plan totals: the allocation, or where the document gives only
    /// the execution (the 2023 results report), what was executed.
    pub fn capital_vnd(self) -> Option<i64> {
        self.allocated_vnd.or(self.implemented_vnd)
    }
}

/// A project as validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Code, unique in the plan.
    pub code: ItemCode,
    /// Name as printed.
    pub name: String,
    /// Investor (chủ đầu tư).
    pub investor_unit: Option<UnitCode>,
    /// Investor as printed.
    pub investor_text: Option<String>,
    /// First year of implementation.
    pub start_year: Option<i32>,
    /// Last year of implementation.
    pub end_year: Option<i32>,
    /// Period as printed.
    pub period_text: Option<String>,
    /// Total investment (TMĐT).
    pub total_investment_vnd: Option<i64>,
    /// Funding split of the total investment.
    pub funding: FundingSplit,
    /// Disbursed before the plan year.
    pub disbursed_before_vnd: Option<i64>,
    /// Capital per year, ordered by year.
    pub allocations: Vec<Allocation>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Stage as printed.
    pub stage_text: Option<String>,
    /// Investment decision cited.
    pub decision_ref: Option<String>,
    /// Funding remark.
    pub funding_note: Option<String>,
    /// Started before the plan (chuyển tiếp); none when unknown.
    pub carried_over: Option<bool>,
    /// The same project's code in an earlier plan.
    pub same_as: Option<String>,
    /// Units the project serves or names (communes of a commune-wide project).
    pub related_units: Vec<UnitCode>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

/// A project as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectInput {
    /// Code; required.
    pub code: String,
    /// Name; required.
    pub name: String,
    /// Investor unit code.
    pub investor_unit: Option<String>,
    /// Investor as printed.
    pub investor_text: Option<String>,
    /// First year.
    pub start_year: Option<i32>,
    /// Last year.
    pub end_year: Option<i32>,
    /// Period as printed.
    pub period_text: Option<String>,
    /// Total investment.
    pub total_investment_vnd: Option<i64>,
    /// Funding split.
    pub funding: FundingSplit,
    /// Disbursed before the plan year.
    pub disbursed_before_vnd: Option<i64>,
    /// Capital per year.
    pub allocations: Vec<Allocation>,
    /// `preparation`, `implementation`, `settlement` or `completed`.
    pub stage: Option<String>,
    /// Stage as printed.
    pub stage_text: Option<String>,
    /// Decision cited.
    pub decision_ref: Option<String>,
    /// Funding remark.
    pub funding_note: Option<String>,
    /// Carried over from an earlier plan.
    pub carried_over: Option<bool>,
    /// The same project in an earlier plan.
    pub same_as: Option<String>,
    /// Related unit codes.
    pub related_units: Vec<String>,
    /// Provenance.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

fn check_split(c: &mut Check, pointer: &str, split: FundingSplit) {
    c.money(&format!("{pointer}/central_vnd"), split.central_vnd);
    c.money(&format!("{pointer}/local_vnd"), split.local_vnd);
    c.money(&format!("{pointer}/other_vnd"), split.other_vnd);
}

impl Project {
    /// Validates a project of a plan covering `years`, reporting every broken rule.
    ///
    /// A funding split above the total investment is accepted (the 2022 plan prints one):
    /// see [`Project::warnings`].
    pub fn parse(input: &ProjectInput, years: PlanYears) -> Result<Self, DomainError> {
        let mut c = Check::new();
        let start_year = c.optional_year("/start_year", input.start_year);
        let end_year = c.optional_year("/end_year", input.end_year);
        c.ordered_years("/end_year", start_year, end_year);
        check_split(&mut c, "/funding", input.funding);
        let mut allocations: Vec<Allocation> = Vec::with_capacity(input.allocations.len());
        for (i, a) in input.allocations.iter().enumerate() {
            let p = |f: &str| format!("/allocations/{i}/{f}");
            let year = c.year(&p("year"), a.year);
            if (super::MIN_YEAR..=super::MAX_YEAR).contains(&year) && !years.contains(year) {
                c.push(
                    FieldError::new(p("year"), "outside_plan_years")
                        .with("min", years.first)
                        .with("max", years.last),
                );
            }
            if allocations.iter().any(|x| x.year == year) {
                c.fail(p("year"), "duplicate");
            }
            c.money(&p("allocated_vnd"), a.allocated_vnd);
            c.money(&p("implemented_vnd"), a.implemented_vnd);
            check_split(&mut c, &format!("/allocations/{i}/split"), a.split);
            match (a.allocated_vnd, a.split.sum()) {
                (Some(total), Some(parts)) if parts > total => {
                    c.fail(p("split"), "split_exceeds_allocation");
                }
                (None, Some(_)) => c.fail(p("allocated_vnd"), "required"),
                _ => {}
            }
            allocations.push(*a);
        }
        allocations.sort_by_key(|a| a.year);
        let project = Project {
            code: c.item_code("/code", &input.code),
            name: c.required_text("/name", &input.name, 4000),
            investor_unit: c.optional_unit("/investor_unit", input.investor_unit.as_deref()),
            investor_text: c.optional_text("/investor_text", input.investor_text.as_deref(), 500),
            period_text: c.optional_text("/period_text", input.period_text.as_deref(), 100),
            total_investment_vnd: c.money("/total_investment_vnd", input.total_investment_vnd),
            disbursed_before_vnd: c.money("/disbursed_before_vnd", input.disbursed_before_vnd),
            stage: c.optional_enumerated("/stage", input.stage.as_deref()),
            stage_text: c.optional_text("/stage_text", input.stage_text.as_deref(), 500),
            decision_ref: c.optional_text("/decision_ref", input.decision_ref.as_deref(), 1000),
            funding_note: c.optional_text("/funding_note", input.funding_note.as_deref(), 1000),
            same_as: c
                .optional_text("/same_as", input.same_as.as_deref(), 60)
                .map(|s| c.item_code("/same_as", &s).to_string()),
            related_units: c.units("/related_units", &input.related_units),
            source: c.optional_text("/source", input.source.as_deref(), 200),
            source_row: c.optional_text("/source_row", input.source_row.as_deref(), 100),
            carried_over: input.carried_over,
            funding: input.funding,
            start_year,
            end_year,
            allocations,
        };
        c.finish(project)
    }

    /// The input that parses back into this project.
    pub fn to_input(&self) -> ProjectInput {
        ProjectInput {
            code: self.code.to_string(),
            name: self.name.clone(),
            investor_unit: self.investor_unit.as_ref().map(UnitCode::to_string),
            investor_text: self.investor_text.clone(),
            start_year: self.start_year,
            end_year: self.end_year,
            period_text: self.period_text.clone(),
            total_investment_vnd: self.total_investment_vnd,
            funding: self.funding,
            disbursed_before_vnd: self.disbursed_before_vnd,
            allocations: self.allocations.clone(),
            stage: self.stage.map(|s| s.as_str().to_owned()),
            stage_text: self.stage_text.clone(),
            decision_ref: self.decision_ref.clone(),
            funding_note: self.funding_note.clone(),
            carried_over: self.carried_over,
            same_as: self.same_as.clone(),
            related_units: self.related_units.iter().map(UnitCode::to_string).collect(),
            source: self.source.clone(),
            source_row: self.source_row.clone(),
        }
    }

    /// What a person should check though it is accepted: a funding split, or any one source of
    /// it, above the total investment (2022 project 1: NSĐP 5.800 > TMĐT 5.618 triệu).
    pub fn warnings(&self) -> Vec<CatalogWarning> {
        let Some(total) = self.total_investment_vnd else {
            return Vec::new();
        };
        match self.funding.sum() {
            Some(sum) if sum > total => vec![CatalogWarning {
                pointer: "/funding".into(),
                code: "funding_exceeds_total_investment".into(),
                item_code: self.code.to_string(),
                amount_vnd: sum,
                limit_vnd: total,
            }],
            _ => Vec::new(),
        }
    }

    /// Capital for the plan's years (allocation, or execution where only that is given).
    pub fn capital_in(&self, years: PlanYears) -> i64 {
        self.allocations
            .iter()
            .filter(|a| years.contains(a.year))
            .filter_map(|a| a.capital_vnd())
            .fold(0, i64::saturating_add)
    }

    /// Every unit code the project names, with the pointer that names it.
    pub fn unit_refs(&self) -> Vec<(String, &UnitCode)> {
        let mut out = Vec::new();
        if let Some(u) = &self.investor_unit {
            out.push(("/investor_unit".to_owned(), u));
        }
        for (i, u) in self.related_units.iter().enumerate() {
            out.push((format!("/related_units/{i}"), u));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y2022: PlanYears = PlanYears {
        first: 2022,
        last: 2022,
    };
    const TRIEU: i64 = 1_000_000;

    /// 2022 Phụ lục II project 1, as printed.
    fn first_project_2022() -> ProjectInput {
        ProjectInput {
            code: "KH145-2022-DA-01".into(),
            name: "Hệ thống thông tin ngành Thông tin và Truyền thông".into(),
            investor_unit: Some("SO-TTTT".into()),
            start_year: Some(2021),
            end_year: Some(2022),
            total_investment_vnd: Some(5_618 * TRIEU),
            funding: FundingSplit {
                local_vnd: Some(5_800 * TRIEU),
                ..FundingSplit::default()
            },
            disbursed_before_vnd: Some(2_200 * TRIEU),
            allocations: vec![Allocation {
                year: 2022,
                allocated_vnd: Some(3_400 * TRIEU),
                split: FundingSplit {
                    central_vnd: Some(0),
                    local_vnd: Some(3_400 * TRIEU),
                    other_vnd: None,
                },
                implemented_vnd: None,
            }],
            carried_over: Some(true),
            ..ProjectInput::default()
        }
    }

    #[test]
    fn funding_above_total_investment_is_a_warning_not_an_error() {
        let p = Project::parse(&first_project_2022(), Y2022).expect("accepted");
        let w = p.warnings();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, "funding_exceeds_total_investment");
        assert_eq!(
            (w[0].amount_vnd, w[0].limit_vnd),
            (5_800 * TRIEU, 5_618 * TRIEU)
        );
        assert_eq!(p.capital_in(Y2022), 3_400 * TRIEU);
        assert_eq!(Project::parse(&p.to_input(), Y2022), Ok(p));
    }

    #[test]
    fn no_warning_within_total() {
        let mut input = first_project_2022();
        input.funding.local_vnd = Some(5_618 * TRIEU);
        let p = Project::parse(&input, Y2022).expect("valid");
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn allocation_rules() {
        let mut input = first_project_2022();
        input.allocations[0].split.local_vnd = Some(4_000 * TRIEU);
        input.allocations.push(Allocation {
            year: 2023,
            split: FundingSplit {
                central_vnd: Some(1),
                ..FundingSplit::default()
            },
            ..Allocation::default()
        });
        input.total_investment_vnd = Some(-5);
        input.end_year = Some(2020);
        input.stage = Some("done".into());
        let DomainError::Validation(errors) = Project::parse(&input, Y2022).expect_err("invalid");
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/end_year", "before_start"),
                ("/allocations/0/split", "split_exceeds_allocation"),
                ("/allocations/1/year", "outside_plan_years"),
                ("/allocations/1/allocated_vnd", "required"),
                ("/total_investment_vnd", "out_of_range"),
                ("/stage", "invalid_enum"),
            ]
        );
    }

    #[test]
    fn execution_stands_in_for_a_missing_allocation() {
        let a = Allocation {
            year: 2023,
            implemented_vnd: Some(7),
            ..Allocation::default()
        };
        assert_eq!(a.capital_vnd(), Some(7));
    }
}
