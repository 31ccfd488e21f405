//! A DTI framework as data: pillars with maximum points, criteria with maximum points and a
//! scoring rule each, for one year and one kind of unit (as Quyết định 1397/QĐ-UBND-HC sets
//! out the index of Đồng Tháp's departments and districts).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::text::nfc;

/// Most points a framework may total (the provincial frameworks use 1 000).
pub const MAX_FRAMEWORK_POINTS: f64 = 10_000.0;
/// Points are kept to two decimals, as the score sheets print them.
pub const POINT_DECIMALS: i32 = 2;

/// How one criterion is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// `a / b × max`, with `a` and `b` given by the unit (a ≤ b, b > 0).
    Ratio {
        /// What `a` counts ("số TTHC cung cấp trực tuyến toàn trình").
        #[serde(default)]
        numerator: Option<String>,
        /// What `b` counts ("tổng số TTHC").
        #[serde(default)]
        denominator: Option<String>,
    },
    /// Full points, half points or none, by a stated condition.
    Levels {
        /// The condition for full points.
        full: String,
        /// The condition for half points.
        half: String,
    },
    /// An indicator's value against its target: `min(value / target, 1) × max`.
    LinearToTarget {
        /// The target (> 0).
        target: f64,
        /// The catalog indicator the value comes from, for reference.
        #[serde(default)]
        indicator_code: Option<String>,
    },
    /// Full points when the condition holds, none otherwise.
    Boolean {
        /// The condition.
        condition: String,
    },
    /// A fact computed from the unit's reports of the year, not answered by the unit:
    /// `min(count / expected_reports, 1) × max`.
    ReportFact {
        /// Which fact.
        fact: ReportFact,
        /// How many reports the unit owes in the year (12 monthly, 4 quarterly…).
        expected_reports: u32,
    },
}

impl Rule {
    /// The wire name of the rule.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Ratio { .. } => "ratio",
            Rule::Levels { .. } => "levels",
            Rule::LinearToTarget { .. } => "linear_to_target",
            Rule::Boolean { .. } => "boolean",
            Rule::ReportFact { .. } => "report_fact",
        }
    }

    /// Whether the unit answers the criterion (every rule but a report fact).
    pub fn is_answered(&self) -> bool {
        !matches!(self, Rule::ReportFact { .. })
    }
}

/// A fact taken from the unit's reports of the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFact {
    /// Reports of the year first submitted on time.
    OnTimeReports,
    /// Reports of the year submitted at all (on time or late).
    SubmittedReports,
}

/// One criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Criterion {
    /// Code, unique in the framework (`NT-1`).
    pub code: String,
    /// What is assessed.
    pub name: String,
    /// Most points it gives.
    pub max_points: f64,
    /// How it is scored.
    pub rule: Option<Rule>,
    /// Whether a claim of points must cite a document (number, name, date, summary).
    pub evidence_required: bool,
}

/// One pillar (trụ cột) and its criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Pillar {
    /// Code (`nhan_thuc_so`).
    pub code: String,
    /// Name (`Nhận thức số`).
    pub name: String,
    /// Most points; must equal the sum of its criteria's.
    pub max_points: f64,
    /// The criteria.
    pub criteria: Vec<Criterion>,
}

/// A framework for one year and one kind of unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Framework {
    /// Title ("Bộ chỉ số đánh giá chuyển đổi số cấp xã năm 2025").
    pub title: String,
    /// The decision that issued it (`1397/QĐ-UBND-HC`), if any.
    pub decision: Option<String>,
    /// Declared total points; when given, must equal the sum of the pillars'.
    pub max_points: Option<f64>,
    /// The pillars, in order.
    pub pillars: Vec<Pillar>,
}

/// Rounds to the points' two decimals.
pub fn round_points(x: f64) -> f64 {
    round_to(x, POINT_DECIMALS)
}

/// Rounds half away from zero to `decimals` places.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Points as whole hundredths, for exact comparisons (ties, sums).
pub fn hundredths(points: f64) -> i64 {
    // Points are bounded by MAX_FRAMEWORK_POINTS, far inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let h = (points * 100.0).round() as i64;
    h
}

fn valid_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn points_ok(p: f64) -> bool {
    p.is_finite() && p > 0.0 && p <= MAX_FRAMEWORK_POINTS
}

impl Framework {
    /// NFC-normalises the text fields and trims codes.
    pub fn normalise(&mut self) {
        self.title = nfc(&self.title);
        self.decision = self.decision.as_deref().map(nfc).filter(|d| !d.is_empty());
        for p in &mut self.pillars {
            p.code = p.code.trim().to_owned();
            p.name = nfc(&p.name);
            for c in &mut p.criteria {
                c.code = c.code.trim().to_owned();
                c.name = nfc(&c.name);
                match &mut c.rule {
                    Some(Rule::Levels { full, half }) => {
                        *full = nfc(full);
                        *half = nfc(half);
                    }
                    Some(Rule::Boolean { condition }) => *condition = nfc(condition),
                    Some(Rule::Ratio {
                        numerator,
                        denominator,
                    }) => {
                        *numerator = numerator.as_deref().map(nfc).filter(|t| !t.is_empty());
                        *denominator = denominator.as_deref().map(nfc).filter(|t| !t.is_empty());
                    }
                    _ => {}
                }
            }
        }
    }

    /// Every rule a framework must keep, one error per breach, with JSON pointers: codes
    /// well-formed and unique, points positive, each pillar's criteria adding up to its
    /// maximum (and the pillars to the declared total), each rule well-formed.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.title.is_empty() {
            errors.push(FieldError::new("/title", "required"));
        }
        if self.pillars.is_empty() {
            errors.push(FieldError::new("/pillars", "required"));
        }
        let mut pillar_codes: BTreeMap<&str, usize> = BTreeMap::new();
        let mut criterion_codes: BTreeMap<&str, String> = BTreeMap::new();
        let mut total = 0i64;
        for (i, p) in self.pillars.iter().enumerate() {
            let at = format!("/pillars/{i}");
            if !valid_code(&p.code) {
                errors.push(FieldError::new(format!("{at}/code"), "invalid_code"));
            } else if let Some(first) = pillar_codes.insert(&p.code, i) {
                errors.push(
                    FieldError::new(format!("{at}/code"), "duplicate").with("first_index", first),
                );
            }
            if p.name.is_empty() {
                errors.push(FieldError::new(format!("{at}/name"), "required"));
            }
            if !points_ok(p.max_points) {
                errors.push(
                    FieldError::new(format!("{at}/max_points"), "out_of_range")
                        .with("min", "0 (exclusive)")
                        .with("max", MAX_FRAMEWORK_POINTS),
                );
            }
            if p.criteria.is_empty() {
                errors.push(FieldError::new(format!("{at}/criteria"), "required"));
            }
            let mut sum = 0i64;
            for (j, c) in p.criteria.iter().enumerate() {
                let at = format!("{at}/criteria/{j}");
                if !valid_code(&c.code) {
                    errors.push(FieldError::new(format!("{at}/code"), "invalid_code"));
                } else if let Some(first) = criterion_codes.insert(&c.code, at.clone()) {
                    errors.push(
                        FieldError::new(format!("{at}/code"), "duplicate")
                            .with("first_index", first),
                    );
                }
                if c.name.is_empty() {
                    errors.push(FieldError::new(format!("{at}/name"), "required"));
                }
                if points_ok(c.max_points) {
                    sum += hundredths(c.max_points);
                } else {
                    errors.push(
                        FieldError::new(format!("{at}/max_points"), "out_of_range")
                            .with("min", "0 (exclusive)")
                            .with("max", MAX_FRAMEWORK_POINTS),
                    );
                }
                check_rule(c.rule.as_ref(), &format!("{at}/rule"), &mut errors);
                if c.evidence_required && !c.rule.as_ref().is_none_or(Rule::is_answered) {
                    errors.push(FieldError::new(
                        format!("{at}/evidence_required"),
                        "evidence_on_computed_criterion",
                    ));
                }
            }
            if points_ok(p.max_points) && !p.criteria.is_empty() && sum != hundredths(p.max_points)
            {
                errors.push(
                    FieldError::new(format!("{at}/max_points"), "points_do_not_add_up")
                        .with("declared", round_points(p.max_points))
                        .with("computed", points_text(sum)),
                );
            }
            total += hundredths(p.max_points);
        }
        if let Some(declared) = self.max_points {
            if !points_ok(declared) || hundredths(declared) != total {
                errors.push(
                    FieldError::new("/max_points", "points_do_not_add_up")
                        .with("declared", declared)
                        .with("computed", points_text(total)),
                );
            }
        }
        if total > hundredths(MAX_FRAMEWORK_POINTS) {
            errors.push(
                FieldError::new("/pillars", "out_of_range")
                    .with("min", 0)
                    .with("max", MAX_FRAMEWORK_POINTS),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The sum of the pillars' maximum points.
    pub fn total_points(&self) -> f64 {
        round_points(self.pillars.iter().map(|p| p.max_points).sum())
    }

    /// Every criterion with its pillar, in order.
    pub fn criteria(&self) -> impl Iterator<Item = (&Pillar, &Criterion)> {
        self.pillars
            .iter()
            .flat_map(|p| p.criteria.iter().map(move |c| (p, c)))
    }

    /// A criterion by code.
    pub fn criterion(&self, code: &str) -> Option<(&Pillar, &Criterion)> {
        self.criteria().find(|(_, c)| c.code == code)
    }
}

fn points_text(h: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let p = h as f64 / 100.0;
    p.to_string()
}

fn check_rule(rule: Option<&Rule>, at: &str, errors: &mut Vec<FieldError>) {
    let Some(rule) = rule else {
        errors.push(FieldError::new(at, "required"));
        return;
    };
    match rule {
        Rule::Ratio { .. } => {}
        Rule::Levels { full, half } => {
            if full.is_empty() {
                errors.push(FieldError::new(format!("{at}/full"), "required"));
            }
            if half.is_empty() {
                errors.push(FieldError::new(format!("{at}/half"), "required"));
            }
        }
        Rule::LinearToTarget { target, .. } => {
            if !(target.is_finite() && *target > 0.0) {
                errors.push(FieldError::new(format!("{at}/target"), "not_positive"));
            }
        }
        Rule::Boolean { condition } => {
            if condition.is_empty() {
                errors.push(FieldError::new(format!("{at}/condition"), "required"));
            }
        }
        Rule::ReportFact {
            expected_reports, ..
        } => {
            if !(1..=366).contains(expected_reports) {
                errors.push(
                    FieldError::new(format!("{at}/expected_reports"), "out_of_range")
                        .with("min", 1)
                        .with("max", 366),
                );
            }
        }
    }
}
