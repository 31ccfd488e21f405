//! Tasks (nhiệm vụ): assignments with a lead unit and a timing.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::text::nfc;
use crate::unit::UnitCode;

use super::check::Check;
use super::indicator::{UnitAssignment, UnitAssignmentInput};
use super::{ItemCode, Pillar};

/// When a task is due, as the documents state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Timing {
    /// "Quý I/2023": one quarter.
    Quarter {
        /// Year.
        year: i32,
        /// Quarter, 1 to 4.
        quarter: u32,
    },
    /// "Quý II, III năm 2024": consecutive quarters of one year.
    Quarters {
        /// Year.
        year: i32,
        /// First quarter named.
        first: u32,
        /// Last quarter named.
        last: u32,
    },
    /// "Tháng 10/2025": one month.
    Month {
        /// Year.
        year: i32,
        /// Month, 1 to 12.
        month: u32,
    },
    /// "Năm 2023", "Cuối năm 2024": one year.
    Year {
        /// Year.
        year: i32,
    },
    /// "Năm 2023 - 2024": several years.
    YearRange {
        /// First year.
        first: i32,
        /// Last year.
        last: i32,
    },
    /// "Hằng năm": every year.
    Yearly,
    /// "Cuối mỗi Quý": every quarter.
    Quarterly,
    /// "Thường xuyên": ongoing.
    Continuous,
    /// "Khi có VB hướng dẫn của TW": when a condition is met.
    Conditional,
}

fn end_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

fn roman_quarter(text: &str) -> Option<u32> {
    match text.trim() {
        "I" => Some(1),
        "II" => Some(2),
        "III" => Some(3),
        "IV" => Some(4),
        _ => None,
    }
}

fn year_of(text: &str) -> Option<i32> {
    let t = text.trim();
    (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

impl Timing {
    /// The stored and wire name of the kind.
    pub fn kind(self) -> &'static str {
        match self {
            Timing::Quarter { .. } => "quarter",
            Timing::Quarters { .. } => "quarters",
            Timing::Month { .. } => "month",
            Timing::Year { .. } => "year",
            Timing::YearRange { .. } => "year_range",
            Timing::Yearly => "yearly",
            Timing::Quarterly => "quarterly",
            Timing::Continuous => "continuous",
            Timing::Conditional => "conditional",
        }
    }

    /// The last day of the period named; none for recurring, continuous or conditional tasks.
    pub fn due_date(self) -> Option<NaiveDate> {
        match self {
            Timing::Quarter { year, quarter } => end_of_month(year, quarter * 3),
            Timing::Quarters { year, last, .. } => end_of_month(year, last * 3),
            Timing::Month { year, month } => end_of_month(year, month),
            Timing::Year { year } => NaiveDate::from_ymd_opt(year, 12, 31),
            Timing::YearRange { last, .. } => NaiveDate::from_ymd_opt(last, 12, 31),
            Timing::Yearly | Timing::Quarterly | Timing::Continuous | Timing::Conditional => None,
        }
    }

    /// Reads the timing as the documents print it ("Quý I/2023", "Quý II, III năm 2024",
    /// "Tháng 07/2024", "Cuối năm 2024", "Năm 2023 - 2024", "Hằng năm", "Cuối mỗi Quý",
    /// "Thường xuyên", "Khi có …"); none when the wording is not one of these.
    pub fn from_text(raw: &str) -> Option<Self> {
        let text = nfc(raw);
        let text = text.as_str();
        match text {
            "Thường xuyên" => return Some(Timing::Continuous),
            "Hằng năm" | "Hàng năm" => return Some(Timing::Yearly),
            "Cuối mỗi Quý" => return Some(Timing::Quarterly),
            _ => {}
        }
        if text.starts_with("Khi có") {
            return Some(Timing::Conditional);
        }
        if let Some(rest) = text.strip_prefix("Quý ") {
            let (quarters, year) = rest.split_once(" năm ").or_else(|| rest.split_once('/'))?;
            let year = year_of(year)?;
            let list: Vec<u32> = quarters
                .split(',')
                .map(roman_quarter)
                .collect::<Option<_>>()?;
            return match list.as_slice() {
                [q] => Some(Timing::Quarter { year, quarter: *q }),
                [first, .., last] if first < last => Some(Timing::Quarters {
                    year,
                    first: *first,
                    last: *last,
                }),
                _ => None,
            };
        }
        if let Some(rest) = text.strip_prefix("Tháng ") {
            let (month, year) = rest.split_once('/')?;
            let month: u32 = (month.len() <= 2).then(|| month.parse().ok()).flatten()?;
            return (1..=12).contains(&month).then_some(Timing::Month {
                year: year_of(year)?,
                month,
            });
        }
        let rest = text
            .strip_prefix("Cuối năm ")
            .or_else(|| text.strip_prefix("Năm "))?;
        if let Some((first, last)) = rest.split_once(" - ") {
            if text.starts_with("Năm ") {
                return Some(Timing::YearRange {
                    first: year_of(first)?,
                    last: year_of(last)?,
                });
            }
            return None;
        }
        Some(Timing::Year {
            year: year_of(rest)?,
        })
    }

    fn check(self, c: &mut Check) {
        let year = |c: &mut Check, f: &str, y: i32| {
            c.year(&format!("/timing/{f}"), y);
        };
        let part = |c: &mut Check, f: &str, v: u32, max: u32| {
            if !(1..=max).contains(&v) {
                c.push(
                    FieldError::new(format!("/timing/{f}"), "out_of_range")
                        .with("min", 1)
                        .with("max", max),
                );
            }
        };
        match self {
            Timing::Quarter { year: y, quarter } => {
                year(c, "year", y);
                part(c, "quarter", quarter, 4);
            }
            Timing::Quarters {
                year: y,
                first,
                last,
            } => {
                year(c, "year", y);
                part(c, "first", first, 4);
                part(c, "last", last, 4);
                if first > last {
                    c.fail("/timing/last", "before_start");
                }
            }
            Timing::Month { year: y, month } => {
                year(c, "year", y);
                part(c, "month", month, 12);
            }
            Timing::Year { year: y } => year(c, "year", y),
            Timing::YearRange { first, last } => {
                year(c, "first", first);
                year(c, "last", last);
                if first > last {
                    c.fail("/timing/last", "before_start");
                }
            }
            Timing::Yearly | Timing::Quarterly | Timing::Continuous | Timing::Conditional => {}
        }
    }
}

/// A task as validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Code, unique in the plan.
    pub code: ItemCode,
    /// What is to be done, as printed.
    pub content: String,
    /// Top heading as printed.
    pub section: Option<String>,
    /// The heading the task sits under.
    pub category: Option<String>,
    /// Pillar, where the heading maps to one.
    pub pillar: Option<Pillar>,
    /// Lead units (chủ trì).
    pub lead: UnitAssignment,
    /// Coordinating units (phối hợp).
    pub coordinating: UnitAssignment,
    /// When it is due.
    pub timing: Timing,
    /// Timing as printed.
    pub timing_text: Option<String>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

/// A task as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskInput {
    /// Code; required.
    pub code: String,
    /// Content; required.
    pub content: String,
    /// Top heading.
    pub section: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Pillar.
    pub pillar: Option<String>,
    /// Lead units.
    pub lead: UnitAssignmentInput,
    /// Coordinating units.
    pub coordinating: UnitAssignmentInput,
    /// Timing; read from `timing_text` when absent.
    pub timing: Option<Timing>,
    /// Timing as printed.
    pub timing_text: Option<String>,
    /// Provenance.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

impl Task {
    /// Validates a task, reporting every broken rule. Without a structured `timing` the
    /// printed `timing_text` must be one of the wordings [`Timing::from_text`] reads.
    pub fn parse(input: &TaskInput) -> Result<Self, DomainError> {
        let mut c = Check::new();
        let timing_text = c.optional_text("/timing_text", input.timing_text.as_deref(), 200);
        let timing = match (input.timing, timing_text.as_deref()) {
            (Some(t), _) => {
                t.check(&mut c);
                t
            }
            (None, Some(text)) => Timing::from_text(text).unwrap_or_else(|| {
                c.fail("/timing_text", "unrecognised_timing");
                Timing::Continuous
            }),
            (None, None) => {
                c.fail("/timing", "required");
                Timing::Continuous
            }
        };
        let task = Task {
            code: c.item_code("/code", &input.code),
            content: c.required_text("/content", &input.content, 4000),
            section: c.optional_text("/section", input.section.as_deref(), 1000),
            category: c.optional_text("/category", input.category.as_deref(), 1000),
            pillar: c.optional_enumerated("/pillar", input.pillar.as_deref()),
            lead: UnitAssignment::parse(&mut c, "/lead", &input.lead),
            coordinating: UnitAssignment::parse(&mut c, "/coordinating", &input.coordinating),
            source: c.optional_text("/source", input.source.as_deref(), 200),
            source_row: c.optional_text("/source_row", input.source_row.as_deref(), 100),
            timing,
            timing_text,
        };
        c.finish(task)
    }

    /// The input that parses back into this task.
    pub fn to_input(&self) -> TaskInput {
        TaskInput {
            code: self.code.to_string(),
            content: self.content.clone(),
            section: self.section.clone(),
            category: self.category.clone(),
            pillar: self.pillar.map(|p| p.as_str().to_owned()),
            lead: self.lead.to_input(),
            coordinating: self.coordinating.to_input(),
            timing: Some(self.timing),
            timing_text: self.timing_text.clone(),
            source: self.source.clone(),
            source_row: self.source_row.clone(),
        }
    }

    /// The due date, if the timing has one.
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.timing.due_date()
    }

    /// Every unit code the task names, with the pointer that names it.
    pub fn unit_refs(&self) -> Vec<(String, &UnitCode)> {
        let mut out = Vec::new();
        for (i, u) in self.lead.units.iter().enumerate() {
            out.push((format!("/lead/units/{i}"), u));
        }
        for (i, u) in self.coordinating.units.iter().enumerate() {
            out.push((format!("/coordinating/units/{i}"), u));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn reads_the_documents_wordings_with_due_dates() {
        let cases = [
            ("Quý I/2023", "quarter", d(2023, 3, 31)),
            ("Quý IV năm 2024", "quarter", d(2024, 12, 31)),
            ("Quý II, III năm 2024", "quarters", d(2024, 9, 30)),
            ("Tháng 07/2024", "month", d(2024, 7, 31)),
            ("Tháng 2/2024", "month", d(2024, 2, 29)),
            ("Tháng 10/2025", "month", d(2025, 10, 31)),
            ("Năm 2023", "year", d(2023, 12, 31)),
            ("Cuối năm 2024", "year", d(2024, 12, 31)),
            ("Năm 2023 - 2024", "year_range", d(2024, 12, 31)),
            ("Hằng năm", "yearly", None),
            ("Hàng năm", "yearly", None),
            ("Cuối mỗi Quý", "quarterly", None),
            ("Thường xuyên", "continuous", None),
            ("Khi có VB hướng dẫn của TW", "conditional", None),
        ];
        for (text, kind, due) in cases {
            let t = Timing::from_text(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((t.kind(), t.due_date()), (kind, due), "{text}");
        }
        // Decomposed input reads the same.
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Quý I/2023").collect();
        assert_eq!(Timing::from_text(&nfd).map(Timing::kind), Some("quarter"));
        for bad in [
            "Quý V/2023",
            "Tháng 13/2024",
            "Sớm",
            "Năm 23",
            "Cuối năm 2023 - 2024",
        ] {
            assert_eq!(Timing::from_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_timing_from_text_or_structure() {
        let input = TaskInput {
            code: "KH52-2024-NV-01".into(),
            content: "Tuyên truyền chuyển đổi số".into(),
            timing_text: Some("Cuối năm 2024".into()),
            lead: UnitAssignmentInput {
                units: vec!["SO-TTTT".into()],
                unit_kinds: vec!["department".into()],
                text: Some("Sở TT&TT".into()),
            },
            ..TaskInput::default()
        };
        let task = Task::parse(&input).expect("valid");
        assert_eq!(task.due_date(), d(2024, 12, 31));
        assert_eq!(Task::parse(&task.to_input()), Ok(task));

        let mut bad = input.clone();
        bad.timing_text = Some("Sớm nhất có thể".into());
        bad.content = String::new();
        let DomainError::Validation(errors) = Task::parse(&bad).expect_err("invalid");
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/timing_text", "unrecognised_timing"),
                ("/content", "required")
            ]
        );

        let mut bad = input;
        bad.timing = Some(Timing::Quarters {
            year: 2024,
            first: 3,
            last: 5,
        });
        let DomainError::Validation(errors) = Task::parse(&bad).expect_err("invalid");
        assert_eq!(errors[0].pointer, "/timing/last");
    }
}
