//! Scoring: a unit's answers against a framework, the coordinator's verification, and the
//! ranking of units. Everything here is pure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::framework::{
    hundredths, round_points, round_to, Criterion, Framework, ReportFact, Rule,
};
use crate::error::FieldError;
use crate::text::nfc;

/// The level a unit claims on a `levels` criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Full points.
    Full,
    /// Half points.
    Half,
    /// No points.
    Zero,
}

/// A cited document (văn bản minh chứng).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    /// Number and symbol (`12/KH-UBND`).
    pub number: Option<String>,
    /// Name (trích yếu).
    pub name: Option<String>,
    /// Date issued.
    pub date: Option<NaiveDate>,
    /// What it shows.
    pub summary: Option<String>,
}

/// A unit's answer to one criterion; the fields used depend on the criterion's rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Answer {
    /// The criterion's code.
    pub criterion: String,
    /// `levels`: the level claimed.
    pub level: Option<Level>,
    /// `boolean`: whether the condition holds.
    pub met: Option<bool>,
    /// `ratio`: a.
    pub numerator: Option<f64>,
    /// `ratio`: b.
    pub denominator: Option<f64>,
    /// `linear_to_target`: the indicator's value.
    pub value: Option<f64>,
    /// The document cited.
    pub evidence: Option<Evidence>,
    /// A note.
    pub note: Option<String>,
}

/// A unit's self-assessment for a year: one answer per criterion it claims points on.
/// Criteria not answered score zero.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelfAssessment {
    /// The answers.
    pub answers: Vec<Answer>,
}

/// The coordinator's finding on one criterion.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerifiedCriterion {
    /// The criterion's code.
    pub criterion: String,
    /// Points granted, 0..max; absent: the self-assessed points are confirmed.
    pub points: Option<f64>,
    /// Why, required when the points differ from the self-assessed ones.
    pub reason: Option<String>,
}

/// The coordinator's verification: criteria not listed are confirmed at their self-assessed
/// points.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Verification {
    /// Findings per criterion.
    pub criteria: Vec<VerifiedCriterion>,
    /// A general note.
    pub note: Option<String>,
}

/// Counts from the unit's reports of the year that `report_fact` criteria use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportFacts {
    /// Reports first submitted (on time or late).
    pub submitted: u32,
    /// Of which on time.
    pub on_time: u32,
}

/// Points of a `report_fact` criterion: `min(count / expected, 1) × max`, to two decimals.
pub fn fact_points(max: f64, fact: ReportFact, expected: u32, facts: ReportFacts) -> f64 {
    let count = match fact {
        ReportFact::OnTimeReports => facts.on_time,
        ReportFact::SubmittedReports => facts.submitted,
    };
    if expected == 0 {
        return 0.0;
    }
    round_points((f64::from(count) / f64::from(expected)).min(1.0) * max)
}

/// Points an answer earns on a criterion answered by the unit, to two decimals, in `0..=max`.
/// Missing or out-of-range figures earn nothing (validation refuses them before).
pub fn answer_points(criterion: &Criterion, answer: Option<&Answer>) -> f64 {
    let max = criterion.max_points;
    let Some(a) = answer else {
        return 0.0;
    };
    let share = match &criterion.rule {
        Some(Rule::Ratio { .. }) => match (a.numerator, a.denominator) {
            (Some(n), Some(d)) if d > 0.0 && n >= 0.0 && n.is_finite() && d.is_finite() => {
                (n / d).min(1.0)
            }
            _ => 0.0,
        },
        Some(Rule::Levels { .. }) => match a.level {
            Some(Level::Full) => 1.0,
            Some(Level::Half) => 0.5,
            _ => 0.0,
        },
        Some(Rule::LinearToTarget { target, .. }) => match a.value {
            Some(v) if v.is_finite() && v > 0.0 && *target > 0.0 => (v / target).min(1.0),
            _ => 0.0,
        },
        Some(Rule::Boolean { .. }) => {
            if a.met == Some(true) {
                1.0
            } else {
                0.0
            }
        }
        Some(Rule::ReportFact { .. }) | None => 0.0,
    };
    round_points(share * max)
}

fn blank(t: Option<&str>) -> bool {
    t.is_none_or(|t| t.trim().is_empty())
}

impl SelfAssessment {
    /// NFC-normalises the text fields.
    pub fn normalise(&mut self) {
        for a in &mut self.answers {
            a.criterion = a.criterion.trim().to_owned();
            a.note = a.note.as_deref().map(nfc).filter(|t| !t.is_empty());
            if let Some(e) = &mut a.evidence {
                e.number = e.number.as_deref().map(nfc).filter(|t| !t.is_empty());
                e.name = e.name.as_deref().map(nfc).filter(|t| !t.is_empty());
                e.summary = e.summary.as_deref().map(nfc).filter(|t| !t.is_empty());
            }
        }
    }

    /// Checks the answers against the framework: known criteria answered once, the figures
    /// each rule needs, and evidence where the criterion requires it and points are claimed.
    pub fn validate(&self, framework: &Framework) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, a) in self.answers.iter().enumerate() {
            let at = format!("/answers/{i}");
            let Some((_, c)) = framework.criterion(&a.criterion) else {
                errors.push(
                    FieldError::new(format!("{at}/criterion"), "unknown_criterion")
                        .with("value", &a.criterion),
                );
                continue;
            };
            if let Some(first) = seen.insert(&a.criterion, i) {
                errors.push(
                    FieldError::new(format!("{at}/criterion"), "duplicate_item")
                        .with("first_index", first),
                );
            }
            let mut need = |field: &str, present: bool| {
                if !present {
                    errors.push(FieldError::new(format!("{at}/{field}"), "required"));
                }
            };
            match &c.rule {
                Some(Rule::Ratio { .. }) => {
                    need("numerator", a.numerator.is_some());
                    need("denominator", a.denominator.is_some());
                    if let (Some(n), Some(d)) = (a.numerator, a.denominator) {
                        if !n.is_finite() || n < 0.0 {
                            errors
                                .push(FieldError::new(format!("{at}/numerator"), "negative_value"));
                        } else if !d.is_finite() || d <= 0.0 {
                            errors
                                .push(FieldError::new(format!("{at}/denominator"), "not_positive"));
                        } else if n > d {
                            errors.push(
                                FieldError::new(
                                    format!("{at}/numerator"),
                                    "numerator_exceeds_denominator",
                                )
                                .with("denominator", d),
                            );
                        }
                    }
                }
                Some(Rule::Levels { .. }) => need("level", a.level.is_some()),
                Some(Rule::Boolean { .. }) => need("met", a.met.is_some()),
                Some(Rule::LinearToTarget { .. }) => {
                    need("value", a.value.is_some());
                    if a.value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                        errors.push(FieldError::new(format!("{at}/value"), "negative_value"));
                    }
                }
                Some(Rule::ReportFact { .. }) | None => {
                    errors.push(FieldError::new(
                        format!("{at}/criterion"),
                        "computed_criterion",
                    ));
                    continue;
                }
            }
            if c.evidence_required && answer_points(c, Some(a)) > 0.0 {
                match &a.evidence {
                    None => errors.push(FieldError::new(
                        format!("{at}/evidence"),
                        "evidence_required",
                    )),
                    Some(e) => {
                        for (field, missing) in [
                            ("number", blank(e.number.as_deref())),
                            ("name", blank(e.name.as_deref())),
                            ("date", e.date.is_none()),
                            ("summary", blank(e.summary.as_deref())),
                        ] {
                            if missing {
                                errors.push(FieldError::new(
                                    format!("{at}/evidence/{field}"),
                                    "required",
                                ));
                            }
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The answer to a criterion, if any.
    pub fn answer(&self, code: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.criterion == code)
    }
}

impl Verification {
    /// NFC-normalises the text fields.
    pub fn normalise(&mut self) {
        self.note = self.note.as_deref().map(nfc).filter(|t| !t.is_empty());
        for v in &mut self.criteria {
            v.criterion = v.criterion.trim().to_owned();
            v.reason = v.reason.as_deref().map(nfc).filter(|t| !t.is_empty());
        }
    }

    /// Checks the findings: known, answered criteria once each, points within `0..=max`, and
    /// a reason wherever the points differ from the self-assessed ones.
    pub fn validate(
        &self,
        framework: &Framework,
        assessment: &SelfAssessment,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, v) in self.criteria.iter().enumerate() {
            let at = format!("/criteria/{i}");
            let Some((_, c)) = framework.criterion(&v.criterion) else {
                errors.push(
                    FieldError::new(format!("{at}/criterion"), "unknown_criterion")
                        .with("value", &v.criterion),
                );
                continue;
            };
            if let Some(first) = seen.insert(&v.criterion, i) {
                errors.push(
                    FieldError::new(format!("{at}/criterion"), "duplicate_item")
                        .with("first_index", first),
                );
            }
            if !c.rule.as_ref().is_some_and(Rule::is_answered) {
                errors.push(FieldError::new(
                    format!("{at}/criterion"),
                    "computed_criterion",
                ));
                continue;
            }
            let claimed = answer_points(c, assessment.answer(&c.code));
            if let Some(p) = v.points {
                if !p.is_finite() || p < 0.0 || hundredths(p) > hundredths(c.max_points) {
                    errors.push(
                        FieldError::new(format!("{at}/points"), "out_of_range")
                            .with("min", 0)
                            .with("max", round_points(c.max_points)),
                    );
                } else if hundredths(p) != hundredths(claimed) && blank(v.reason.as_deref()) {
                    errors.push(
                        FieldError::new(format!("{at}/reason"), "reason_required")
                            .with("self_assessed", claimed),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The finding on a criterion, if listed.
    pub fn finding(&self, code: &str) -> Option<&VerifiedCriterion> {
        self.criteria.iter().find(|v| v.criterion == code)
    }
}

/// One criterion's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    /// The criterion's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its pillar's code.
    pub pillar: String,
    /// The rule's name.
    pub rule: &'static str,
    /// Most points.
    pub max_points: f64,
    /// Points by the unit's own answers (or the report facts).
    pub self_points: f64,
    /// Points after verification; `None` until verified.
    pub verified_points: Option<f64>,
    /// Why the verified points differ.
    pub reason: Option<String>,
}

/// Scores every criterion of a framework: answered ones from the answers, report facts from
/// the facts, and verified points from the verification when there is one (criteria it does
/// not list, and report facts, keep their self-assessed points).
pub fn score_criteria(
    framework: &Framework,
    assessment: &SelfAssessment,
    verification: Option<&Verification>,
    facts: ReportFacts,
) -> Vec<CriterionScore> {
    framework
        .criteria()
        .map(|(p, c)| {
            let self_points = match &c.rule {
                Some(Rule::ReportFact {
                    fact,
                    expected_reports,
                }) => fact_points(c.max_points, *fact, *expected_reports, facts),
                _ => answer_points(c, assessment.answer(&c.code)),
            };
            let finding = verification.and_then(|v| v.finding(&c.code));
            let verified_points = verification.map(|_| {
                finding
                    .and_then(|f| f.points)
                    .map_or(self_points, round_points)
            });
            CriterionScore {
                code: c.code.clone(),
                name: c.name.clone(),
                pillar: p.code.clone(),
                rule: c.rule.as_ref().map_or("none", Rule::name),
                max_points: c.max_points,
                self_points,
                verified_points,
                reason: finding.and_then(|f| f.reason.clone()),
            }
        })
        .collect()
}

/// Points and index of a pillar or of the whole framework.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subtotal {
    /// Code (`overall` for the whole).
    pub code: String,
    /// Most points.
    pub max_points: f64,
    /// Self-assessed points.
    pub self_points: f64,
    /// Self-assessed index, `points / max` in 0..1 to four decimals.
    pub self_index: f64,
    /// Verified points, once verified.
    pub verified_points: Option<f64>,
    /// Verified index.
    pub verified_index: Option<f64>,
}

/// The index of `points` out of `max`: in 0..1, to four decimals.
pub fn index_of(points: f64, max: f64) -> f64 {
    if max <= 0.0 {
        return 0.0;
    }
    round_to((points / max).clamp(0.0, 1.0), 4)
}

/// A subtotal from summed points.
pub fn subtotal(code: &str, max: f64, self_points: f64, verified: Option<f64>) -> Subtotal {
    let self_points = round_points(self_points);
    let verified_points = verified.map(round_points);
    Subtotal {
        code: code.to_owned(),
        max_points: round_points(max),
        self_points,
        self_index: index_of(self_points, max),
        verified_points,
        verified_index: verified_points.map(|v| index_of(v, max)),
    }
}

/// Subtotals per pillar (in the framework's order) of scored criteria.
pub fn pillar_subtotals(framework: &Framework, scores: &[CriterionScore]) -> Vec<Subtotal> {
    framework
        .pillars
        .iter()
        .map(|p| {
            let mine = scores.iter().filter(|s| s.pillar == p.code);
            let (mut s, mut v, mut verified) = (0.0, 0.0, true);
            for c in mine {
                s += c.self_points;
                match c.verified_points {
                    Some(x) => v += x,
                    None => verified = false,
                }
            }
            subtotal(&p.code, p.max_points, s, verified.then_some(v))
        })
        .collect()
}

/// The overall subtotal of pillar subtotals.
pub fn overall(framework: &Framework, pillars: &[Subtotal]) -> Subtotal {
    let s = pillars.iter().map(|p| p.self_points).sum();
    let v: Option<f64> = pillars.iter().map(|p| p.verified_points).sum();
    subtotal("overall", framework.total_points(), s, v)
}

/// Competition ranking ("1224"), highest first: equal scores (to the printed hundredth)
/// share a rank and the next rank skips; units without a score get none.
pub fn rank(points: &[Option<f64>]) -> Vec<Option<u32>> {
    let mut keys: Vec<i64> = points.iter().flatten().map(|p| hundredths(*p)).collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    points
        .iter()
        .map(|p| {
            p.map(|p| {
                let k = hundredths(p);
                let above = keys.partition_point(|x| *x > k);
                u32::try_from(above).unwrap_or(u32::MAX) + 1
            })
        })
        .collect()
}

/// The criteria codes a framework scores from answers.
pub fn answered_codes(framework: &Framework) -> BTreeSet<&str> {
    framework
        .criteria()
        .filter(|(_, c)| c.rule.as_ref().is_some_and(Rule::is_answered))
        .map(|(_, c)| c.code.as_str())
        .collect()
}
