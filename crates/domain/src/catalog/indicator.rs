//! Indicators (chỉ tiêu): what a plan measures, with a target per year.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::unit::{UnitCode, UnitKind};

use super::check::Check;
use super::{text_enum, ItemCode, Pillar, PlanYears};

text_enum! {
    /// What kind of value the indicator takes.
    pub enum Measure {
        /// A percentage, often from a numerator and a denominator.
        Percent = "percent",
        /// A count of things.
        Count = "count",
        /// An amount of money (VND).
        Money = "money",
        /// Yes or no ("Có").
        Boolean = "boolean",
        /// A milestone reached or not ("Đã ban hành").
        Milestone = "milestone",
    }
}

text_enum! {
    /// Which side of the target counts as achieved.
    pub enum Direction {
        /// The value must reach the target or more.
        AtLeast = "at_least",
        /// The value must stay at or below the target.
        AtMost = "at_most",
        /// The value must equal the target (milestones and yes/no).
        Exactly = "exactly",
    }
}

text_enum! {
    /// How the values several units report roll up into the province's value.
    pub enum RollUp {
        /// Add the values.
        Sum = "sum",
        /// Average the values.
        Mean = "mean",
        /// Sum numerators and denominators, then divide (never average percentages).
        RatioOfSums = "ratio_of_sums",
        /// The smallest value.
        Min = "min",
        /// The largest value.
        Max = "max",
        /// Achieved when every unit achieved it.
        All = "all",
        /// Achieved when any unit achieved it.
        Any = "any",
        /// The most recently reported value.
        Latest = "latest",
    }
}

impl RollUp {
    /// The roll-up used when none is given: ratio of sums for percentages, sums for counts
    /// and money, all for yes/no, the latest value for milestones.
    pub fn default_for(measure: Measure) -> Self {
        match measure {
            Measure::Percent => RollUp::RatioOfSums,
            Measure::Count | Measure::Money => RollUp::Sum,
            Measure::Boolean => RollUp::All,
            Measure::Milestone => RollUp::Latest,
        }
    }

    /// Whether this roll-up makes sense for the measure.
    pub fn fits(self, measure: Measure) -> bool {
        match self {
            RollUp::Latest => true,
            RollUp::All | RollUp::Any => matches!(measure, Measure::Boolean | Measure::Milestone),
            RollUp::RatioOfSums => measure == Measure::Percent,
            RollUp::Sum => matches!(measure, Measure::Count | Measure::Money),
            RollUp::Mean | RollUp::Min | RollUp::Max => {
                matches!(measure, Measure::Percent | Measure::Count | Measure::Money)
            }
        }
    }
}

/// When the indicator is evaluated (thời điểm đánh giá).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvaluationTime {
    /// Cuối năm.
    EndOfYear,
    /// A given month ("Tháng 10/2025").
    Month {
        /// Year.
        year: i32,
        /// Month, 1 to 12.
        month: u32,
    },
    /// Cuối mỗi Quý.
    EachQuarter,
    /// Thường xuyên.
    Continuous,
}

/// A target for one year: a number where the document gives one, and always the text as printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The year.
    pub year: i32,
    /// The figure (`60` for "Trên 60%"); none for text-only targets.
    pub value: Option<f64>,
    /// As printed ("Trên 60%", "≥ 30%", "01 làng thông minh").
    pub text: String,
}

/// Who must report an indicator: unit kinds and/or listed units (both empty: its lead units).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicability {
    /// Every unit of these kinds reports.
    pub unit_kinds: Vec<UnitKind>,
    /// These units report.
    pub units: Vec<UnitCode>,
}

/// Units responsible for something, as codes, as whole kinds ("Các sở, ngành"), and as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitAssignment {
    /// Units named.
    pub units: Vec<UnitCode>,
    /// Whole kinds named.
    pub unit_kinds: Vec<UnitKind>,
    /// The cell as printed (may name bodies that are not reporting units).
    pub text: Option<String>,
}

/// Units as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnitAssignmentInput {
    /// Unit codes.
    pub units: Vec<String>,
    /// Unit kinds.
    pub unit_kinds: Vec<String>,
    /// As printed.
    pub text: Option<String>,
}

impl UnitAssignment {
    pub(crate) fn parse(c: &mut Check, pointer: &str, input: &UnitAssignmentInput) -> Self {
        Self {
            units: c.units(&format!("{pointer}/units"), &input.units),
            unit_kinds: c.unit_kinds(&format!("{pointer}/unit_kinds"), &input.unit_kinds),
            text: c.optional_text(&format!("{pointer}/text"), input.text.as_deref(), 2000),
        }
    }

    /// The input that parses back into this assignment.
    pub fn to_input(&self) -> UnitAssignmentInput {
        UnitAssignmentInput {
            units: self.units.iter().map(UnitCode::to_string).collect(),
            unit_kinds: self
                .unit_kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            text: self.text.clone(),
        }
    }

    /// Whether nothing is named.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.unit_kinds.is_empty() && self.text.is_none()
    }
}

/// An indicator as validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Code, unique in the plan.
    pub code: ItemCode,
    /// The indicator as printed.
    pub name: String,
    /// Pillar.
    pub pillar: Pillar,
    /// The group heading as printed.
    pub group_text: Option<String>,
    /// Kind of value.
    pub measure: Measure,
    /// Which side of the target is achieved.
    pub direction: Direction,
    /// `%` or the counted thing (`doanh nghiệp`).
    pub unit_of_measure: Option<String>,
    /// Whether values above 100 % are possible (people with several bank accounts).
    pub allows_over_100: bool,
    /// Targets, one per year, ordered by year.
    pub targets: Vec<Target>,
    /// Lead units (chủ trì).
    pub lead: UnitAssignment,
    /// Coordinating units (phối hợp).
    pub coordinating: UnitAssignment,
    /// When it is evaluated.
    pub evaluation_time: Option<EvaluationTime>,
    /// The evaluation time as printed.
    pub evaluation_time_text: Option<String>,
    /// Who must report it.
    pub applicability: Applicability,
    /// How units' values roll up.
    pub roll_up: RollUp,
    /// Where it is transcribed from (`000 Phụ lục I`).
    pub source: Option<String>,
    /// Row as printed (Stt).
    pub source_row: Option<String>,
}

/// A target as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TargetInput {
    /// The year.
    pub year: i32,
    /// The figure.
    pub value: Option<f64>,
    /// As printed; required.
    pub text: String,
}

/// An indicator as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorInput {
    /// Code; required.
    pub code: String,
    /// Name; required.
    pub name: String,
    /// One of the ten pillars.
    pub pillar: String,
    /// Group heading.
    pub group_text: Option<String>,
    /// `percent`, `count`, `money`, `boolean` or `milestone`.
    pub measure: String,
    /// `at_least`, `at_most` or `exactly`.
    pub direction: String,
    /// Unit of measure.
    pub unit_of_measure: Option<String>,
    /// Whether values above 100 % are allowed (percentages only).
    pub allows_over_100: bool,
    /// Targets per year.
    pub targets: Vec<TargetInput>,
    /// Lead units.
    pub lead: UnitAssignmentInput,
    /// Coordinating units.
    pub coordinating: UnitAssignmentInput,
    /// Evaluation time.
    pub evaluation_time: Option<EvaluationTime>,
    /// Evaluation time as printed.
    pub evaluation_time_text: Option<String>,
    /// Unit kinds that must report it.
    pub reporting_unit_kinds: Vec<String>,
    /// Units that must report it.
    pub reporting_units: Vec<String>,
    /// Roll-up method; defaults by measure.
    pub roll_up: Option<String>,
    /// Provenance.
    pub source: Option<String>,
    /// Row as printed.
    pub source_row: Option<String>,
}

impl Indicator {
    /// Validates an indicator of a plan covering `years`, reporting every broken rule.
    pub fn parse(input: &IndicatorInput, years: PlanYears) -> Result<Self, DomainError> {
        let mut c = Check::new();
        let measure: Measure = c.enumerated("/measure", &input.measure);
        let direction: Direction = c.enumerated("/direction", &input.direction);
        if input.allows_over_100 && measure != Measure::Percent {
            c.fail("/allows_over_100", "only_for_percent");
        }
        let mut targets: Vec<Target> = Vec::with_capacity(input.targets.len());
        for (i, t) in input.targets.iter().enumerate() {
            let p = |f: &str| format!("/targets/{i}/{f}");
            let year = c.year(&p("year"), t.year);
            if (super::MIN_YEAR..=super::MAX_YEAR).contains(&year) && !years.contains(year) {
                c.push(
                    FieldError::new(p("year"), "outside_plan_years")
                        .with("min", years.first)
                        .with("max", years.last),
                );
            }
            if targets.iter().any(|x| x.year == year) {
                c.fail(p("year"), "duplicate");
            }
            if let Some(v) = t.value {
                check_value(&mut c, &p("value"), v, measure, input.allows_over_100);
            }
            targets.push(Target {
                year,
                value: t.value,
                text: c.required_text(&p("text"), &t.text, 2000),
            });
        }
        targets.sort_by_key(|t| t.year);
        let roll_up = match input.roll_up.as_deref().map(str::trim) {
            None | Some("") => RollUp::default_for(measure),
            Some(text) => {
                let r: RollUp = c.enumerated("/roll_up", text);
                if RollUp::from_text(text).is_some() && !r.fits(measure) {
                    c.push(
                        FieldError::new("/roll_up", "roll_up_does_not_fit_measure")
                            .with("value", measure),
                    );
                }
                r
            }
        };
        if let Some(EvaluationTime::Month { year, month }) = input.evaluation_time {
            c.year("/evaluation_time/year", year);
            if !(1..=12).contains(&month) {
                c.push(
                    FieldError::new("/evaluation_time/month", "out_of_range")
                        .with("min", 1)
                        .with("max", 12),
                );
            }
        }
        let indicator = Indicator {
            code: c.item_code("/code", &input.code),
            name: c.required_text("/name", &input.name, 4000),
            pillar: c.enumerated("/pillar", &input.pillar),
            group_text: c.optional_text("/group_text", input.group_text.as_deref(), 1000),
            unit_of_measure: c.optional_text(
                "/unit_of_measure",
                input.unit_of_measure.as_deref(),
                200,
            ),
            allows_over_100: input.allows_over_100,
            lead: UnitAssignment::parse(&mut c, "/lead", &input.lead),
            coordinating: UnitAssignment::parse(&mut c, "/coordinating", &input.coordinating),
            evaluation_time: input.evaluation_time,
            evaluation_time_text: c.optional_text(
                "/evaluation_time_text",
                input.evaluation_time_text.as_deref(),
                200,
            ),
            applicability: Applicability {
                unit_kinds: c.unit_kinds("/reporting_unit_kinds", &input.reporting_unit_kinds),
                units: c.units("/reporting_units", &input.reporting_units),
            },
            source: c.optional_text("/source", input.source.as_deref(), 200),
            source_row: c.optional_text("/source_row", input.source_row.as_deref(), 100),
            measure,
            direction,
            targets,
            roll_up,
        };
        c.finish(indicator)
    }

    /// The input that parses back into this indicator.
    pub fn to_input(&self) -> IndicatorInput {
        IndicatorInput {
            code: self.code.to_string(),
            name: self.name.clone(),
            pillar: self.pillar.as_str().to_owned(),
            group_text: self.group_text.clone(),
            measure: self.measure.as_str().to_owned(),
            direction: self.direction.as_str().to_owned(),
            unit_of_measure: self.unit_of_measure.clone(),
            allows_over_100: self.allows_over_100,
            targets: self
                .targets
                .iter()
                .map(|t| TargetInput {
                    year: t.year,
                    value: t.value,
                    text: t.text.clone(),
                })
                .collect(),
            lead: self.lead.to_input(),
            coordinating: self.coordinating.to_input(),
            evaluation_time: self.evaluation_time,
            evaluation_time_text: self.evaluation_time_text.clone(),
            reporting_unit_kinds: self
                .applicability
                .unit_kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            reporting_units: self
                .applicability
                .units
                .iter()
                .map(UnitCode::to_string)
                .collect(),
            roll_up: Some(self.roll_up.as_str().to_owned()),
            source: self.source.clone(),
            source_row: self.source_row.clone(),
        }
    }

    /// Every unit code the indicator names, with the pointer that names it.
    pub fn unit_refs(&self) -> Vec<(String, &UnitCode)> {
        let mut out = Vec::new();
        for (i, u) in self.lead.units.iter().enumerate() {
            out.push((format!("/lead/units/{i}"), u));
        }
        for (i, u) in self.coordinating.units.iter().enumerate() {
            out.push((format!("/coordinating/units/{i}"), u));
        }
        for (i, u) in self.applicability.units.iter().enumerate() {
            out.push((format!("/reporting_units/{i}"), u));
        }
        out
    }
}

/// A target value must suit the measure: finite, not negative, a percentage at most 100 unless
/// allowed, a whole count, and no figure at all for yes/no and milestones.
fn check_value(c: &mut Check, pointer: &str, value: f64, measure: Measure, over_100: bool) {
    if !value.is_finite() {
        c.fail(pointer, "invalid_number");
        return;
    }
    match measure {
        Measure::Boolean | Measure::Milestone => c.fail(pointer, "no_value_for_measure"),
        Measure::Percent if value < 0.0 || (!over_100 && value > 100.0) => c.push(
            FieldError::new(pointer, "out_of_range")
                .with("min", 0)
                .with("max", if over_100 { "∞" } else { "100" }),
        ),
        Measure::Count if value < 0.0 || value.fract() != 0.0 => {
            c.fail(pointer, "not_a_whole_count");
        }
        Measure::Money if value < 0.0 || value.fract() != 0.0 => {
            c.fail(pointer, "not_whole_vnd");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y2023: PlanYears = PlanYears {
        first: 2023,
        last: 2023,
    };

    fn input() -> IndicatorInput {
        IndicatorInput {
            code: "KH99-2023-12".into(),
            name: "Tỷ lệ hồ sơ giải quyết TTHC trực tuyến".into(),
            pillar: "chinh_quyen_so".into(),
            measure: "percent".into(),
            direction: "at_least".into(),
            unit_of_measure: Some("%".into()),
            targets: vec![TargetInput {
                year: 2023,
                value: Some(60.0),
                text: "Trên 60%".into(),
            }],
            lead: UnitAssignmentInput {
                units: vec!["so-tttt".into()],
                ..UnitAssignmentInput::default()
            },
            reporting_unit_kinds: vec!["department".into(), "commune".into()],
            ..IndicatorInput::default()
        }
    }

    fn errors(e: DomainError) -> Vec<(String, String)> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|e| (e.pointer, e.code)).collect()
    }

    #[test]
    fn parses_with_defaults_and_round_trips() {
        let i = Indicator::parse(&input(), Y2023).expect("valid");
        assert_eq!(i.roll_up, RollUp::RatioOfSums);
        assert_eq!(i.lead.units[0].as_str(), "SO-TTTT");
        assert_eq!(
            i.applicability.unit_kinds,
            vec![UnitKind::Department, UnitKind::Commune]
        );
        assert_eq!(Indicator::parse(&i.to_input(), Y2023), Ok(i));
    }

    #[test]
    fn every_target_error_is_pointed_at() {
        let mut bad = input();
        bad.targets = vec![
            TargetInput {
                year: 2024,
                value: Some(106.8),
                text: "106,8%".into(),
            },
            TargetInput {
                year: 2024,
                value: Some(-1.0),
                text: String::new(),
            },
            TargetInput {
                year: 1999,
                value: None,
                text: "x".into(),
            },
        ];
        bad.pillar = "chinh quyen so".into();
        bad.roll_up = Some("sum".into());
        bad.reporting_units = vec!["x".into()];
        let got = errors(Indicator::parse(&bad, Y2023).expect_err("invalid"));
        let want = [
            ("/targets/0/year", "outside_plan_years"),
            ("/targets/0/value", "out_of_range"),
            ("/targets/1/year", "outside_plan_years"),
            ("/targets/1/year", "duplicate"),
            ("/targets/1/value", "out_of_range"),
            ("/targets/1/text", "required"),
            ("/targets/2/year", "out_of_range"),
            ("/roll_up", "roll_up_does_not_fit_measure"),
            ("/pillar", "invalid_enum"),
            ("/reporting_units/0", "invalid_unit_code"),
        ];
        for w in want {
            assert!(
                got.contains(&(w.0.into(), w.1.into())),
                "{w:?} not in {got:?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
    }

    #[test]
    fn over_100_only_when_allowed_and_only_for_percentages() {
        let mut i = input();
        i.targets[0].value = Some(106.8);
        assert!(Indicator::parse(&i, Y2023).is_err());
        i.allows_over_100 = true;
        assert!(Indicator::parse(&i, Y2023).is_ok());
        i.measure = "count".into();
        i.roll_up = None;
        i.targets[0].value = Some(106.0);
        let got = errors(Indicator::parse(&i, Y2023).expect_err("invalid"));
        assert_eq!(
            got,
            vec![("/allows_over_100".into(), "only_for_percent".into())]
        );
    }

    #[test]
    fn milestones_take_text_only() {
        let mut i = input();
        i.measure = "milestone".into();
        i.direction = "exactly".into();
        i.targets[0] = TargetInput {
            year: 2023,
            value: Some(1.0),
            text: "Đã ban hành".into(),
        };
        let got = errors(Indicator::parse(&i, Y2023).expect_err("invalid"));
        assert_eq!(
            got,
            vec![("/targets/0/value".into(), "no_value_for_measure".into())]
        );
        i.targets[0].value = None;
        let ok = Indicator::parse(&i, Y2023).expect("valid");
        assert_eq!(ok.roll_up, RollUp::Latest);
    }

    #[test]
    fn evaluation_month_is_checked() {
        let mut i = input();
        i.evaluation_time = Some(EvaluationTime::Month {
            year: 2025,
            month: 13,
        });
        let got = errors(Indicator::parse(&i, Y2023).expect_err("invalid"));
        assert_eq!(
            got,
            vec![("/evaluation_time/month".into(), "out_of_range".into())]
        );
    }
}
