//! Budget lines (nhiệm vụ chi thường xuyên / vốn sự nghiệp): recurrent spending.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::unit::UnitCode;

use super::check::Check;
use super::indicator::{UnitAssignment, UnitAssignmentInput};
use super::ItemCode;

/// A budget line as validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// Code, unique in the plan.
    pub code: ItemCode,
    /// Name as printed.
    pub name: String,
    /// Implementing units (đơn vị thực hiện).
    pub implementing: UnitAssignment,
    /// Amount; none where the document prints none (the 2025 plan).
    pub amount_vnd: Option<i64>,
    /// Budget category as printed (`SNKT`, `QLNN`, `SN GDĐT`, …).
    pub budget_category: Option<String>,
    /// Funding remark.
    pub funding_note: Option<String>,
    /// First year.
    pub start_year: Option<i32>,
    /// Last year.
    pub end_year: Option<i32>,
    /// Period as printed.
    pub period_text: Option<String>,
    /// Status as printed.
    pub status_text: Option<String>,
    /// Decision cited.
    pub decision_ref: Option<String>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

/// A budget line as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetLineInput {
    /// Code; required.
    pub code: String,
    /// Name; required.
    pub name: String,
    /// Implementing units.
    pub implementing: UnitAssignmentInput,
    /// Amount.
    pub amount_vnd: Option<i64>,
    /// Budget category.
    pub budget_category: Option<String>,
    /// Funding remark.
    pub funding_note: Option<String>,
    /// First year.
    pub start_year: Option<i32>,
    /// Last year.
    pub end_year: Option<i32>,
    /// Period as printed.
    pub period_text: Option<String>,
    /// Status as printed.
    pub status_text: Option<String>,
    /// Decision cited.
    pub decision_ref: Option<String>,
    /// Provenance.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

impl BudgetLine {
    /// Validates a budget line, reporting every broken rule.
    pub fn parse(input: &BudgetLineInput) -> Result<Self, DomainError> {
        let mut c = Check::new();
        let start_year = c.optional_year("/start_year", input.start_year);
        let end_year = c.optional_year("/end_year", input.end_year);
        c.ordered_years("/end_year", start_year, end_year);
        let line = BudgetLine {
            code: c.item_code("/code", &input.code),
            name: c.required_text("/name", &input.name, 4000),
            implementing: UnitAssignment::parse(&mut c, "/implementing", &input.implementing),
            amount_vnd: c.money("/amount_vnd", input.amount_vnd),
            budget_category: c.optional_text(
                "/budget_category",
                input.budget_category.as_deref(),
                40,
            ),
            funding_note: c.optional_text("/funding_note", input.funding_note.as_deref(), 1000),
            period_text: c.optional_text("/period_text", input.period_text.as_deref(), 100),
            status_text: c.optional_text("/status_text", input.status_text.as_deref(), 500),
            decision_ref: c.optional_text("/decision_ref", input.decision_ref.as_deref(), 1000),
            source: c.optional_text("/source", input.source.as_deref(), 200),
            source_row: c.optional_text("/source_row", input.source_row.as_deref(), 100),
            start_year,
            end_year,
        };
        c.finish(line)
    }

    /// The input that parses back into this budget line.
    pub fn to_input(&self) -> BudgetLineInput {
        BudgetLineInput {
            code: self.code.to_string(),
            name: self.name.clone(),
            implementing: self.implementing.to_input(),
            amount_vnd: self.amount_vnd,
            budget_category: self.budget_category.clone(),
            funding_note: self.funding_note.clone(),
            start_year: self.start_year,
            end_year: self.end_year,
            period_text: self.period_text.clone(),
            status_text: self.status_text.clone(),
            decision_ref: self.decision_ref.clone(),
            source: self.source.clone(),
            source_row: self.source_row.clone(),
        }
    }

    /// Every unit code the line names, with the pointer that names it.
    pub fn unit_refs(&self) -> Vec<(String, &UnitCode)> {
        self.implementing
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("/implementing/units/{i}"), u))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_every_error() {
        let input = BudgetLineInput {
            code: "KH145-2022-CTX-01".into(),
            name: "Duy trì hoạt động Trung tâm dữ liệu".into(),
            implementing: UnitAssignmentInput {
                units: vec!["SO-TTTT".into()],
                ..UnitAssignmentInput::default()
            },
            amount_vnd: Some(1_917_000_000),
            budget_category: Some("SNKT".into()),
            ..BudgetLineInput::default()
        };
        let line = BudgetLine::parse(&input).expect("valid");
        assert_eq!(BudgetLine::parse(&line.to_input()), Ok(line));

        let bad = BudgetLineInput {
            code: "a b".into(),
            name: String::new(),
            amount_vnd: Some(-1),
            implementing: UnitAssignmentInput {
                units: vec!["SO-TTTT".into(), "so-tttt".into()],
                unit_kinds: vec!["ward".into()],
                text: None,
            },
            ..input
        };
        let DomainError::Validation(errors) = BudgetLine::parse(&bad).expect_err("invalid");
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/code", "invalid_code"),
                ("/name", "required"),
                ("/implementing/units/1", "duplicate"),
                ("/implementing/unit_kinds/0", "invalid_enum"),
                ("/amount_vnd", "out_of_range"),
            ]
        );
    }
}
