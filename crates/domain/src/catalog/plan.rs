//! Plans (kế hoạch): the documents the province issues, with their legal bases and the totals
//! they declare.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::unit::UnitCode;

use super::check::Check;
use super::{text_enum, PlanCode, PlanYears};

text_enum! {
    /// What sort of plan this is.
    pub enum PlanKind {
        /// The province's yearly DX plan.
        Annual = "annual",
        /// A sector's plan (agriculture to 2025).
        Sectoral = "sectoral",
        /// A plan spanning several years.
        MultiYear = "multi_year",
    }
}

text_enum! {
    /// Where the plan is in its life.
    pub enum PlanStatus {
        /// Being drafted.
        Draft = "draft",
        /// Signed and in force.
        Issued = "issued",
        /// Replaced by a later plan.
        Superseded = "superseded",
    }
}

text_enum! {
    /// The item tables of a plan whose printed TỔNG CỘNG rows are kept.
    pub enum CatalogTable {
        /// Investment projects.
        Projects = "projects",
        /// Recurrent budget lines.
        BudgetLines = "budget_lines",
    }
}

text_enum! {
    /// A money column of an item table that a printed total can be declared for.
    pub enum TotalColumn {
        /// Projects: total investment (TMĐT).
        TotalInvestment = "total_investment_vnd",
        /// Projects: central budget share of TMĐT (NSTW).
        Central = "central_vnd",
        /// Projects: local budget share of TMĐT (NSĐP).
        Local = "local_vnd",
        /// Projects: other sources.
        Other = "other_vnd",
        /// Projects: disbursed before the plan year.
        DisbursedBefore = "disbursed_before_vnd",
        /// Projects: capital allocated for the plan's years.
        AllocatedPlanYear = "allocated_plan_year_vnd",
        /// Projects: of the allocation, central budget.
        AllocatedCentral = "allocated_central_vnd",
        /// Projects: of the allocation, local budget.
        AllocatedLocal = "allocated_local_vnd",
        /// Projects: executed in the plan's years.
        ImplementedPlanYear = "implemented_plan_year_vnd",
        /// Budget lines: amount.
        Amount = "amount_vnd",
    }
}

impl TotalColumn {
    /// The table this column belongs to.
    pub fn table(self) -> CatalogTable {
        match self {
            TotalColumn::Amount => CatalogTable::BudgetLines,
            _ => CatalogTable::Projects,
        }
    }
}

/// A document the plan cites as its basis (căn cứ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    /// Kind of document (Nghị định, Quyết định, …).
    pub doc_type: Option<String>,
    /// Number, such as `749/QĐ-TTg`.
    pub number: Option<String>,
    /// Date of the document.
    pub date: Option<NaiveDate>,
    /// Subject (the text after the date).
    pub title: Option<String>,
    /// The whole citation as printed.
    pub citation: String,
}

/// A legal basis as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegalBasisInput {
    /// Kind of document.
    pub doc_type: Option<String>,
    /// Number.
    pub number: Option<String>,
    /// Date.
    pub date: Option<NaiveDate>,
    /// Subject.
    pub title: Option<String>,
    /// Whole citation; required.
    pub citation: String,
}

/// Totals as the plan's text states them, kept apart from the totals computed from its items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeclaredTotals {
    /// Total DX spending.
    pub total_vnd: Option<i64>,
    /// Investment capital (vốn đầu tư công).
    pub investment_vnd: Option<i64>,
    /// Recurrent spending (chi thường xuyên).
    pub recurrent_vnd: Option<i64>,
    /// Of the investment, central budget (Trung ương hỗ trợ).
    pub central_vnd: Option<i64>,
    /// Of the investment, local budget (địa phương).
    pub local_vnd: Option<i64>,
    /// The sentence the figures come from, as printed.
    pub text: Option<String>,
}

/// A printed TỔNG CỘNG row of one of the plan's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredTableTotal {
    /// The column it totals (the table follows from it).
    pub column: TotalColumn,
    /// The declared amount.
    pub amount_vnd: i64,
    /// As printed (`319.944 triệu đồng`).
    pub printed_text: Option<String>,
    /// Where it is printed (`000 Phụ lục II`).
    pub source: Option<String>,
}

/// A declared table total as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeclaredTableTotalInput {
    /// `projects` or `budget_lines`.
    pub table: String,
    /// A money column of that table.
    pub column: String,
    /// The declared amount.
    pub amount_vnd: i64,
    /// As printed.
    pub printed_text: Option<String>,
    /// Where it is printed.
    pub source: Option<String>,
}

/// A plan as validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Stable key (`KH-145-2022`).
    pub code: PlanCode,
    /// Document number (`145/KH-UBND`); none where the document leaves it blank.
    pub number: Option<String>,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: PlanKind,
    /// Date of issue.
    pub issued_date: Option<NaiveDate>,
    /// Issuing unit (UBND tỉnh).
    pub issuer_unit: Option<UnitCode>,
    /// Signer's name.
    pub signer: Option<String>,
    /// Signer's title as printed.
    pub signer_title: Option<String>,
    /// First and last year the targets cover.
    pub years: PlanYears,
    /// Status.
    pub status: PlanStatus,
    /// The focal unit reports are sent to.
    pub focal_unit: Option<UnitCode>,
    /// General goals as printed.
    pub general_goals: Option<String>,
    /// Deadline of the plan's results report.
    pub report_due_date: Option<NaiveDate>,
    /// Legal bases, in printed order.
    pub legal_bases: Vec<LegalBasis>,
    /// Totals as the plan text states them.
    pub declared: DeclaredTotals,
    /// The TỔNG CỘNG rows of its tables as printed.
    pub declared_table_totals: Vec<DeclaredTableTotal>,
    /// Where the plan is transcribed from.
    pub source: Option<String>,
}

/// A plan as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanInput {
    /// Stable key; required.
    pub code: String,
    /// Document number.
    pub number: Option<String>,
    /// Title; required.
    pub title: String,
    /// `annual`, `sectoral` or `multi_year`.
    pub kind: String,
    /// Date of issue.
    pub issued_date: Option<NaiveDate>,
    /// Issuing unit code.
    pub issuer_unit: Option<String>,
    /// Signer.
    pub signer: Option<String>,
    /// Signer's title.
    pub signer_title: Option<String>,
    /// First year.
    pub first_year: i32,
    /// Last year.
    pub last_year: i32,
    /// `draft`, `issued` or `superseded`.
    pub status: String,
    /// Focal unit code.
    pub focal_unit: Option<String>,
    /// General goals.
    pub general_goals: Option<String>,
    /// Deadline of the results report.
    pub report_due_date: Option<NaiveDate>,
    /// Legal bases.
    pub legal_bases: Vec<LegalBasisInput>,
    /// Declared totals.
    pub declared: DeclaredTotals,
    /// Declared table totals.
    pub declared_table_totals: Vec<DeclaredTableTotalInput>,
    /// Provenance.
    pub source: Option<String>,
}

const TITLE_MAX: usize = 1000;
const SHORT_MAX: usize = 200;
const LONG_MAX: usize = 20_000;

impl Plan {
    /// Validates a plan, reporting every broken rule.
    pub fn parse(input: &PlanInput) -> Result<Self, DomainError> {
        let mut c = Check::new();
        let code = match PlanCode::parse(&input.code) {
            Ok(code) => code,
            Err(_) => {
                c.fail("/code", "invalid_code");
                PlanCode(String::from("INVALID"))
            }
        };
        let kind: PlanKind = c.enumerated("/kind", &input.kind);
        let first = c.year("/first_year", input.first_year);
        let last = c.year("/last_year", input.last_year);
        c.ordered_years("/last_year", Some(first), Some(last));
        if kind == PlanKind::Annual && first != last {
            c.fail("/last_year", "annual_plan_spans_one_year");
        }
        let mut legal_bases = Vec::with_capacity(input.legal_bases.len());
        for (i, b) in input.legal_bases.iter().enumerate() {
            let p = |f: &str| format!("/legal_bases/{i}/{f}");
            legal_bases.push(LegalBasis {
                doc_type: c.optional_text(&p("doc_type"), b.doc_type.as_deref(), SHORT_MAX),
                number: c.optional_text(&p("number"), b.number.as_deref(), SHORT_MAX),
                date: b.date,
                title: c.optional_text(&p("title"), b.title.as_deref(), LONG_MAX),
                citation: c.required_text(&p("citation"), &b.citation, LONG_MAX),
            });
        }
        let d = &input.declared;
        let declared = DeclaredTotals {
            total_vnd: c.money("/declared/total_vnd", d.total_vnd),
            investment_vnd: c.money("/declared/investment_vnd", d.investment_vnd),
            recurrent_vnd: c.money("/declared/recurrent_vnd", d.recurrent_vnd),
            central_vnd: c.money("/declared/central_vnd", d.central_vnd),
            local_vnd: c.money("/declared/local_vnd", d.local_vnd),
            text: c.optional_text("/declared/text", d.text.as_deref(), LONG_MAX),
        };
        let mut declared_table_totals: Vec<DeclaredTableTotal> = Vec::new();
        for (i, t) in input.declared_table_totals.iter().enumerate() {
            let p = |f: &str| format!("/declared_table_totals/{i}/{f}");
            let table: CatalogTable = c.enumerated(&p("table"), &t.table);
            let column: TotalColumn = c.enumerated(&p("column"), &t.column);
            if TotalColumn::from_text(t.column.trim()).is_some() && column.table() != table {
                c.fail(p("column"), "column_not_in_table");
            }
            if declared_table_totals.iter().any(|d| d.column == column) {
                c.fail(p("column"), "duplicate");
            }
            declared_table_totals.push(DeclaredTableTotal {
                column,
                amount_vnd: c.money(&p("amount_vnd"), Some(t.amount_vnd)).unwrap_or(0),
                printed_text: c.optional_text(
                    &p("printed_text"),
                    t.printed_text.as_deref(),
                    SHORT_MAX,
                ),
                source: c.optional_text(&p("source"), t.source.as_deref(), SHORT_MAX),
            });
        }
        let plan = Plan {
            number: c.optional_text("/number", input.number.as_deref(), SHORT_MAX),
            title: c.required_text("/title", &input.title, TITLE_MAX),
            issuer_unit: c.optional_unit("/issuer_unit", input.issuer_unit.as_deref()),
            signer: c.optional_text("/signer", input.signer.as_deref(), SHORT_MAX),
            signer_title: c.optional_text(
                "/signer_title",
                input.signer_title.as_deref(),
                SHORT_MAX,
            ),
            status: c.enumerated("/status", &input.status),
            focal_unit: c.optional_unit("/focal_unit", input.focal_unit.as_deref()),
            general_goals: c.optional_text(
                "/general_goals",
                input.general_goals.as_deref(),
                LONG_MAX,
            ),
            source: c.optional_text("/source", input.source.as_deref(), SHORT_MAX),
            code,
            kind,
            issued_date: input.issued_date,
            years: PlanYears { first, last },
            report_due_date: input.report_due_date,
            legal_bases,
            declared,
            declared_table_totals,
        };
        c.finish(plan)
    }

    /// The input that parses back into this plan (the base a partial update is merged onto).
    pub fn to_input(&self) -> PlanInput {
        PlanInput {
            code: self.code.to_string(),
            number: self.number.clone(),
            title: self.title.clone(),
            kind: self.kind.as_str().to_owned(),
            issued_date: self.issued_date,
            issuer_unit: self.issuer_unit.as_ref().map(UnitCode::to_string),
            signer: self.signer.clone(),
            signer_title: self.signer_title.clone(),
            first_year: self.years.first,
            last_year: self.years.last,
            status: self.status.as_str().to_owned(),
            focal_unit: self.focal_unit.as_ref().map(UnitCode::to_string),
            general_goals: self.general_goals.clone(),
            report_due_date: self.report_due_date,
            legal_bases: self
                .legal_bases
                .iter()
                .map(|b| LegalBasisInput {
                    doc_type: b.doc_type.clone(),
                    number: b.number.clone(),
                    date: b.date,
                    title: b.title.clone(),
                    citation: b.citation.clone(),
                })
                .collect(),
            declared: self.declared.clone(),
            declared_table_totals: self
                .declared_table_totals
                .iter()
                .map(|t| DeclaredTableTotalInput {
                    table: t.column.table().as_str().to_owned(),
                    column: t.column.as_str().to_owned(),
                    amount_vnd: t.amount_vnd,
                    printed_text: t.printed_text.clone(),
                    source: t.source.clone(),
                })
                .collect(),
            source: self.source.clone(),
        }
    }

    /// Every unit code the plan names, with the pointer that names it.
    pub fn unit_refs(&self) -> Vec<(String, &UnitCode)> {
        let mut out = Vec::new();
        if let Some(u) = &self.issuer_unit {
            out.push(("/issuer_unit".to_owned(), u));
        }
        if let Some(u) = &self.focal_unit {
            out.push(("/focal_unit".to_owned(), u));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    pub(crate) fn input_2022() -> PlanInput {
        PlanInput {
            code: "kh-145-2022".into(),
            number: Some("145/KH-UBND".into()),
            title: "Kế hoạch thực hiện một số nhiệm vụ trọng tâm thúc đẩy chuyển đổi số".into(),
            kind: "annual".into(),
            first_year: 2022,
            last_year: 2022,
            status: "issued".into(),
            issuer_unit: Some("DONG-THAP".into()),
            declared: DeclaredTotals {
                total_vnd: Some(118_225_000_000),
                investment_vnd: Some(64_900_000_000),
                ..DeclaredTotals::default()
            },
            declared_table_totals: vec![DeclaredTableTotalInput {
                table: "projects".into(),
                column: "allocated_plan_year_vnd".into(),
                amount_vnd: 64_900_000_000,
                ..DeclaredTableTotalInput::default()
            }],
            legal_bases: vec![LegalBasisInput {
                citation: "Nghị định số 85/2016/NĐ-CP".into(),
                ..LegalBasisInput::default()
            }],
            ..PlanInput::default()
        }
    }

    fn pointers(e: DomainError) -> Vec<(String, String)> {
        let DomainError::Validation(errors) = e;
        errors
            .into_iter()
            .map(|FieldError { pointer, code, .. }| (pointer, code))
            .collect()
    }

    #[test]
    fn parses_and_round_trips() {
        let plan = Plan::parse(&input_2022()).expect("valid");
        assert_eq!(plan.code.as_str(), "KH-145-2022");
        assert_eq!(plan.kind, PlanKind::Annual);
        assert_eq!(
            plan.declared_table_totals[0].column,
            TotalColumn::AllocatedPlanYear
        );
        assert_eq!(Plan::parse(&plan.to_input()), Ok(plan));
    }

    #[test]
    fn reports_every_error_with_its_pointer() {
        let mut input = input_2022();
        input.code = "1".into();
        input.title = "  ".into();
        input.kind = "weekly".into();
        input.first_year = 2023;
        input.last_year = 2022;
        input.declared.investment_vnd = Some(-1);
        input.legal_bases[0].citation = String::new();
        input.declared_table_totals[0].table = "budget_lines".into();
        input.issuer_unit = Some("Sở".into());
        let errors = pointers(Plan::parse(&input).expect_err("invalid"));
        for expected in [
            ("/code", "invalid_code"),
            ("/title", "required"),
            ("/kind", "invalid_enum"),
            ("/last_year", "before_start"),
            ("/declared/investment_vnd", "out_of_range"),
            ("/legal_bases/0/citation", "required"),
            ("/declared_table_totals/0/column", "column_not_in_table"),
            ("/issuer_unit", "invalid_unit_code"),
        ] {
            assert!(
                errors.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} missing from {errors:?}"
            );
        }
    }

    #[test]
    fn annual_plans_cover_one_year() {
        let mut input = input_2022();
        input.last_year = 2023;
        let errors = pointers(Plan::parse(&input).expect_err("invalid"));
        assert_eq!(
            errors,
            vec![("/last_year".into(), "annual_plan_spans_one_year".into())]
        );
        input.kind = "sectoral".into();
        assert!(Plan::parse(&input).is_ok());
    }

    #[test]
    fn text_is_nfc() {
        let mut input = input_2022();
        input.title = "Chuye\u{302}\u{309}n đổi số".into();
        let plan = Plan::parse(&input).expect("valid");
        assert_eq!(plan.title, "Chuyển đổi số");
    }
}
