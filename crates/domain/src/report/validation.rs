//! The rules a report's content must keep, as pure functions over plain input structs.
//!
//! Each rule yields [`Finding`]s: a severity, a JSON pointer into the report body
//! (`/indicator_values/3/value`), a stable snake_case code and parameters for the message.
//! [`validate_report`] runs them all; [`judge`] turns the findings into what blocks a save or
//! a submit:
//!
//! - **save** keeps a draft whatever it holds, except what cannot be stored as the unit's
//!   report at all (items it does not report on, the same item twice, numbers that are not
//!   finite); every other finding comes back as a warning;
//! - **submit** is blocked by every error, and by warnings the unit has not acknowledged.
//!
//! Ids are the catalog's `i64` keys, money is `i64` VND, other values are `f64`. The service
//! maps its rows and request bodies onto these structs and the catalog's measures onto
//! [`ValueKind`].

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submitting.
    Error,
    /// Must be acknowledged to submit.
    Warning,
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// JSON pointer into the report body.
    pub pointer: String,
    /// Stable snake_case rule code.
    pub code: String,
    /// Values the message templates interpolate.
    pub params: BTreeMap<String, String>,
}

/// Codes that stop even a draft from being saved.
const STRUCTURAL: [&str; 3] = ["unknown_item", "duplicate_item", "invalid_number"];

impl Finding {
    /// An error.
    pub fn error(pointer: impl Into<String>, code: &str) -> Self {
        Self::new(Severity::Error, pointer.into(), code)
    }

    /// A warning.
    pub fn warning(pointer: impl Into<String>, code: &str) -> Self {
        Self::new(Severity::Warning, pointer.into(), code)
    }

    fn new(severity: Severity, pointer: String, code: &str) -> Self {
        Self {
            severity,
            pointer,
            code: code.to_owned(),
            params: BTreeMap::new(),
        }
    }

    /// Adds a message parameter.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_owned(), value.to_string());
        self
    }

    /// Whether the finding stops a draft from being saved.
    pub fn blocks_draft(&self) -> bool {
        STRUCTURAL.contains(&self.code.as_str())
    }
}

impl From<Finding> for FieldError {
    fn from(f: Finding) -> Self {
        FieldError {
            pointer: f.pointer,
            code: f.code,
            params: f.params,
        }
    }
}

/// What kind of value an indicator takes (the catalog's measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A percentage, given as `value` or as `numerator`/`denominator`.
    Percent,
    /// A whole, non-negative number of things.
    Count,
    /// Whole, non-negative VND.
    Money,
    /// Yes (1) or no (0).
    Boolean,
    /// A milestone, reported as text ("Đã ban hành").
    Milestone,
}

/// One indicator value as the unit reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValueInput {
    /// The indicator.
    pub indicator_id: i64,
    /// The value.
    pub value: Option<f64>,
    /// For percentages: how many of…
    pub numerator: Option<f64>,
    /// …how many.
    pub denominator: Option<f64>,
    /// Text, for milestones or results that are not numbers ("Gần 100%").
    pub text: Option<String>,
}

/// How far a task has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not begun.
    #[default]
    NotStarted,
    /// Under way.
    InProgress,
    /// Done.
    Completed,
    /// Past its timing and not done.
    Overdue,
}

/// Progress on one task the unit leads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskProgressInput {
    /// The task.
    pub task_id: i64,
    /// Where it stands.
    pub status: TaskStatus,
    /// Percent complete, 0–100.
    pub percent_complete: Option<f64>,
    /// What was achieved; required once completed.
    pub result: Option<String>,
}

/// Disbursement on one project the unit invests in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectProgressInput {
    /// The project.
    pub project_id: i64,
    /// Disbursed during the period, VND.
    pub disbursed_in_period: Option<i64>,
    /// Disbursed since the project began, VND.
    pub cumulative_disbursed: Option<i64>,
}

/// Spending on one recurrent budget line the unit implements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetExecutionInput {
    /// The budget line.
    pub budget_line_id: i64,
    /// Spent during the period, VND.
    pub spent_in_period: Option<i64>,
}

/// The four sections every Vietnamese report has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// Kết quả đạt được.
    pub achievements: Option<String>,
    /// Tồn tại, hạn chế.
    pub limitations: Option<String>,
    /// Khó khăn, vướng mắc.
    pub difficulties: Option<String>,
    /// Đề xuất, kiến nghị.
    pub proposals: Option<String>,
}

impl Narrative {
    /// The sections by name, in report order.
    pub fn sections(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("achievements", self.achievements.as_deref()),
            ("limitations", self.limitations.as_deref()),
            ("difficulties", self.difficulties.as_deref()),
            ("proposals", self.proposals.as_deref()),
        ]
    }
}

/// A report's content, as far as the rules need it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportBody {
    /// Indicator values.
    pub indicator_values: Vec<IndicatorValueInput>,
    /// Task progress.
    pub task_progress: Vec<TaskProgressInput>,
    /// Project disbursement.
    pub project_progress: Vec<ProjectProgressInput>,
    /// Budget execution.
    pub budget_execution: Vec<BudgetExecutionInput>,
    /// Narrative.
    pub narrative: Narrative,
}

/// What the rules know about an indicator the unit reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRule {
    /// The indicator.
    pub id: i64,
    /// Its kind of value.
    pub kind: ValueKind,
    /// Whether a percentage may exceed 100 (and a numerator its denominator).
    pub allows_over_100: bool,
    /// The unit's value for the previous period, for the outlier check.
    pub previous_value: Option<f64>,
}

/// What the rules know about a project the unit reports on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRule {
    /// The project.
    pub id: i64,
    /// Cumulative disbursement in the last accepted report, VND.
    pub previous_accepted_cumulative: Option<i64>,
    /// The capital allocated to it (bố trí vốn), VND.
    pub allocation: Option<i64>,
}

/// Everything the rules compare a report against: the items the unit must report (and so may
/// report), their kinds and previous values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRules {
    /// Indicators the unit reports this period.
    pub indicators: Vec<IndicatorRule>,
    /// Tasks the unit leads.
    pub task_ids: Vec<i64>,
    /// Projects the unit invests in.
    pub projects: Vec<ProjectRule>,
    /// Budget lines the unit implements.
    pub budget_line_ids: Vec<i64>,
    /// A value more than this many times, or less than this fraction of, the previous
    /// period's is flagged. Values of 1 or less, or not finite, turn the check off.
    pub outlier_factor: f64,
}

impl ReportRules {
    /// Default outlier factor: a value more than three times, or under a third of, the
    /// previous period's.
    pub const DEFAULT_OUTLIER_FACTOR: f64 = 3.0;
}

impl Default for ReportRules {
    fn default() -> Self {
        Self {
            indicators: Vec::new(),
            task_ids: Vec::new(),
            projects: Vec::new(),
            budget_line_ids: Vec::new(),
            outlier_factor: Self::DEFAULT_OUTLIER_FACTOR,
        }
    }
}

/// Largest whole number an `f64` holds exactly (2^53).
const MAX_EXACT_F64: f64 = 9_007_199_254_740_992.0;

/// Tolerance when comparing a stated percentage with its numerator and denominator: the
/// documents print two decimals.
const PERCENT_TOLERANCE: f64 = 0.01;

/// `invalid_number` (structural) when the value is NaN or infinite.
pub fn check_finite(value: f64, pointer: &str) -> Option<Finding> {
    (!value.is_finite()).then(|| Finding::error(pointer, "invalid_number"))
}

/// A percentage must lie in 0–100, or be at least 0 where over 100 is allowed.
pub fn check_percent(value: f64, allows_over_100: bool, pointer: &str) -> Option<Finding> {
    if let Some(f) = check_finite(value, pointer) {
        return Some(f);
    }
    if value < 0.0 || (!allows_over_100 && value > 100.0) {
        let f = Finding::error(pointer, "percent_out_of_range").with("min", 0);
        return Some(if allows_over_100 {
            f
        } else {
            f.with("max", 100)
        });
    }
    None
}

/// A numerator and a denominator: finite, not negative, the denominator above zero, and the
/// numerator at most the denominator unless over 100 % is allowed. `base` is the item's
/// pointer; findings point at its `/numerator` or `/denominator`.
pub fn check_ratio(
    numerator: f64,
    denominator: f64,
    allows_over_100: bool,
    base: &str,
) -> Vec<Finding> {
    let num_at = format!("{base}/numerator");
    let den_at = format!("{base}/denominator");
    let mut out = Vec::new();
    out.extend(check_finite(numerator, &num_at));
    out.extend(check_finite(denominator, &den_at));
    if !out.is_empty() {
        return out;
    }
    if numerator < 0.0 {
        out.push(Finding::error(&num_at, "negative_value"));
    }
    if denominator <= 0.0 {
        out.push(Finding::error(&den_at, "not_positive"));
    }
    if out.is_empty() && !allows_over_100 && numerator > denominator {
        out.push(
            Finding::error(&num_at, "numerator_exceeds_denominator")
                .with("denominator", denominator),
        );
    }
    out
}

/// A count is a whole number, not negative.
pub fn check_count(value: f64, pointer: &str) -> Option<Finding> {
    if let Some(f) = check_finite(value, pointer) {
        return Some(f);
    }
    if value < 0.0 {
        return Some(Finding::error(pointer, "negative_value"));
    }
    if value.fract() != 0.0 {
        return Some(Finding::error(pointer, "not_whole_number"));
    }
    None
}

/// An amount of money is not negative.
pub fn check_money(amount: i64, pointer: &str) -> Option<Finding> {
    (amount < 0).then(|| Finding::error(pointer, "negative_amount"))
}

/// A money value given as a number: whole VND, not negative, exactly representable.
pub fn check_money_value(value: f64, pointer: &str) -> Option<Finding> {
    if let Some(f) = check_finite(value, pointer) {
        return Some(f);
    }
    if value < 0.0 {
        return Some(Finding::error(pointer, "negative_amount"));
    }
    if value.fract() != 0.0 {
        return Some(Finding::error(pointer, "not_whole_vnd"));
    }
    if value > MAX_EXACT_F64 {
        return Some(Finding::error(pointer, "out_of_range").with("max", MAX_EXACT_F64));
    }
    None
}

/// Yes or no: 1 or 0.
pub fn check_boolean(value: f64, pointer: &str) -> Option<Finding> {
    if let Some(f) = check_finite(value, pointer) {
        return Some(f);
    }
    (value != 0.0 && value != 1.0).then(|| Finding::error(pointer, "invalid_boolean"))
}

/// Cumulative disbursement never falls below the last accepted report's (an error) and
/// should not pass the allocation (a warning).
pub fn check_cumulative(
    cumulative: i64,
    previous_accepted: Option<i64>,
    allocation: Option<i64>,
    pointer: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(f) = check_money(cumulative, pointer) {
        out.push(f);
    }
    if let Some(previous) = previous_accepted.filter(|p| cumulative < *p) {
        out.push(Finding::error(pointer, "cumulative_below_previous").with("previous", previous));
    }
    if let Some(allocation) = allocation.filter(|a| cumulative > *a) {
        out.push(
            Finding::warning(pointer, "cumulative_above_allocation").with("allocation", allocation),
        );
    }
    out
}

/// A value more than `factor` times, or less than 1/`factor` of, the previous period's is a
/// warning. A previous value of zero gives no ratio to judge by; a fall to zero from
/// anything else is flagged. A `factor` of 1 or less, or not finite, turns the check off.
pub fn check_outlier(value: f64, previous: f64, factor: f64, pointer: &str) -> Option<Finding> {
    if !(factor.is_finite() && factor > 1.0 && value.is_finite() && previous.is_finite()) {
        return None;
    }
    if previous == 0.0 {
        return None;
    }
    let (v, p) = (value.abs(), previous.abs());
    let jumped = v > p * factor || v * factor < p || value.signum() != previous.signum();
    jumped.then(|| {
        Finding::warning(pointer, "outlier")
            .with("previous", previous)
            .with("factor", factor)
    })
}

/// A task's percent complete lies in 0–100, and a completed task says what it achieved.
pub fn check_task(task: &TaskProgressInput, base: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(p) = task.percent_complete {
        out.extend(check_percent(p, false, &format!("{base}/percent_complete")));
    }
    if task.status == TaskStatus::Completed {
        if is_blank(task.result.as_deref()) {
            out.push(Finding::error(format!("{base}/result"), "result_required"));
        }
        if task
            .percent_complete
            .is_some_and(|p| p.is_finite() && p < 100.0)
        {
            out.push(Finding::warning(
                format!("{base}/percent_complete"),
                "completed_below_100",
            ));
        }
    }
    out
}

/// The four narrative sections are required.
pub fn check_narrative(narrative: &Narrative) -> Vec<Finding> {
    narrative
        .sections()
        .into_iter()
        .filter(|(_, text)| is_blank(*text))
        .map(|(name, _)| Finding::error(format!("/narrative/{name}"), "required"))
        .collect()
}

/// Items of one list: each id must be one the unit reports, once; ids it must report and
/// left out are warnings. `list` is the body's field (`indicator_values`), `id_field` the
/// item's id field (`indicator_id`).
pub fn check_item_ids(ids: &[i64], expected: &[i64], list: &str, id_field: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut first_seen: HashMap<i64, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let pointer = format!("/{list}/{i}/{id_field}");
        if let Some(first) = first_seen.get(id) {
            out.push(Finding::error(pointer, "duplicate_item").with("first_index", first));
            continue;
        }
        first_seen.insert(*id, i);
        if !expected.contains(id) {
            out.push(Finding::error(pointer, "unknown_item").with("id", id));
        }
    }
    for id in expected {
        if !first_seen.contains_key(id) {
            out.push(Finding::warning(format!("/{list}"), "missing_item").with("id", id));
        }
    }
    out
}

/// Checks one indicator value against its indicator; `base` is its pointer.
pub fn check_indicator_value(
    item: &IndicatorValueInput,
    rule: &IndicatorRule,
    outlier_factor: f64,
    base: &str,
) -> Vec<Finding> {
    let value_at = format!("{base}/value");
    let mut out = Vec::new();
    let has_ratio = item.numerator.is_some() || item.denominator.is_some();
    let has_text = !is_blank(item.text.as_deref());
    if rule.kind != ValueKind::Percent && has_ratio {
        let at = if item.numerator.is_some() {
            "numerator"
        } else {
            "denominator"
        };
        out.push(Finding::error(
            format!("{base}/{at}"),
            "ratio_not_applicable",
        ));
    }
    let mut effective = item.value;
    match rule.kind {
        ValueKind::Percent => {
            if let Some(v) = item.value {
                out.extend(check_percent(v, rule.allows_over_100, &value_at));
            }
            match (item.numerator, item.denominator) {
                (Some(n), Some(d)) => {
                    let ratio = check_ratio(n, d, rule.allows_over_100, base);
                    if ratio.is_empty() {
                        let computed = n / d * 100.0;
                        match item.value {
                            Some(v)
                                if v.is_finite() && (v - computed).abs() > PERCENT_TOLERANCE =>
                            {
                                out.push(
                                    Finding::warning(&value_at, "value_mismatch")
                                        .with("computed", format!("{computed:.2}")),
                                );
                            }
                            _ => effective = Some(computed),
                        }
                    }
                    out.extend(ratio);
                }
                (Some(_), None) => {
                    out.push(Finding::error(format!("{base}/denominator"), "required"));
                }
                (None, Some(_)) => {
                    out.push(Finding::error(format!("{base}/numerator"), "required"));
                }
                (None, None) => {}
            }
        }
        ValueKind::Count => {
            if let Some(v) = item.value {
                out.extend(check_count(v, &value_at));
            }
        }
        ValueKind::Money => {
            if let Some(v) = item.value {
                out.extend(check_money_value(v, &value_at));
            }
        }
        ValueKind::Boolean => {
            if let Some(v) = item.value {
                out.extend(check_boolean(v, &value_at));
            }
        }
        ValueKind::Milestone => {
            if !has_text {
                out.push(Finding::error(format!("{base}/text"), "required"));
            }
            return out;
        }
    }
    let has_error = out.iter().any(|f| f.severity == Severity::Error);
    match effective {
        None if has_text => out.push(Finding::warning(&value_at, "text_instead_of_number")),
        None if !has_ratio => out.push(Finding::error(&value_at, "required")),
        // A value already in error is not also compared with the previous period's.
        Some(v) if !has_error => {
            if let Some(previous) = rule.previous_value {
                out.extend(check_outlier(v, previous, outlier_factor, &value_at));
            }
        }
        _ => {}
    }
    out
}

/// Runs every rule over a report body, in body order.
pub fn validate_report(body: &ReportBody, rules: &ReportRules) -> Vec<Finding> {
    let mut out = Vec::new();

    let indicator_ids: Vec<i64> = body
        .indicator_values
        .iter()
        .map(|x| x.indicator_id)
        .collect();
    let expected: Vec<i64> = rules.indicators.iter().map(|r| r.id).collect();
    out.extend(check_item_ids(
        &indicator_ids,
        &expected,
        "indicator_values",
        "indicator_id",
    ));
    let by_id: HashMap<i64, &IndicatorRule> = rules.indicators.iter().map(|r| (r.id, r)).collect();
    for (i, item) in body.indicator_values.iter().enumerate() {
        // Repeats are already errors; their values are not checked again.
        if indicator_ids[..i].contains(&item.indicator_id) {
            continue;
        }
        if let Some(rule) = by_id.get(&item.indicator_id) {
            let base = format!("/indicator_values/{i}");
            out.extend(check_indicator_value(
                item,
                rule,
                rules.outlier_factor,
                &base,
            ));
        }
    }

    let task_ids: Vec<i64> = body.task_progress.iter().map(|x| x.task_id).collect();
    out.extend(check_item_ids(
        &task_ids,
        &rules.task_ids,
        "task_progress",
        "task_id",
    ));
    for (i, task) in body.task_progress.iter().enumerate() {
        out.extend(check_task(task, &format!("/task_progress/{i}")));
    }

    let project_ids: Vec<i64> = body.project_progress.iter().map(|x| x.project_id).collect();
    let expected: Vec<i64> = rules.projects.iter().map(|r| r.id).collect();
    out.extend(check_item_ids(
        &project_ids,
        &expected,
        "project_progress",
        "project_id",
    ));
    let by_id: HashMap<i64, &ProjectRule> = rules.projects.iter().map(|r| (r.id, r)).collect();
    for (i, item) in body.project_progress.iter().enumerate() {
        let base = format!("/project_progress/{i}");
        if let Some(amount) = item.disbursed_in_period {
            out.extend(check_money(amount, &format!("{base}/disbursed_in_period")));
        }
        if let Some(cumulative) = item.cumulative_disbursed {
            let rule = by_id.get(&item.project_id);
            out.extend(check_cumulative(
                cumulative,
                rule.and_then(|r| r.previous_accepted_cumulative),
                rule.and_then(|r| r.allocation),
                &format!("{base}/cumulative_disbursed"),
            ));
        }
    }

    let line_ids: Vec<i64> = body
        .budget_execution
        .iter()
        .map(|x| x.budget_line_id)
        .collect();
    out.extend(check_item_ids(
        &line_ids,
        &rules.budget_line_ids,
        "budget_execution",
        "budget_line_id",
    ));
    for (i, item) in body.budget_execution.iter().enumerate() {
        if let Some(amount) = item.spent_in_period {
            out.extend(check_money(
                amount,
                &format!("/budget_execution/{i}/spent_in_period"),
            ));
        }
    }

    out.extend(check_narrative(&body.narrative));
    out
}

/// Saving a draft or submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// `PUT`: save a draft.
    Save,
    /// `POST …/submit`.
    Submit,
}

/// What the findings mean for a save or a submit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// Findings that stop the action.
    pub blocking: Vec<Finding>,
    /// Findings to show without stopping it.
    pub warnings: Vec<Finding>,
}

impl Judgement {
    /// Whether the action may go ahead.
    pub fn passes(&self) -> bool {
        self.blocking.is_empty()
    }

    /// Whether only warnings stand in the way (the client should ask the user to acknowledge
    /// them and submit again with `acknowledge_warnings`).
    pub fn needs_acknowledgement(&self) -> bool {
        !self.blocking.is_empty()
            && self
                .blocking
                .iter()
                .all(|f| f.severity == Severity::Warning)
    }
}

/// Sorts findings into blocking and warnings for a stage: a save is blocked only by
/// structural findings and shows the rest as warnings; a submit is blocked by every error and
/// by warnings unless `acknowledge_warnings`.
pub fn judge(findings: Vec<Finding>, stage: Stage, acknowledge_warnings: bool) -> Judgement {
    let mut j = Judgement::default();
    for f in findings {
        match stage {
            Stage::Save if f.blocks_draft() => j.blocking.push(f),
            Stage::Save => j.warnings.push(Finding {
                severity: Severity::Warning,
                ..f
            }),
            Stage::Submit if f.severity == Severity::Error || !acknowledge_warnings => {
                j.blocking.push(f);
            }
            Stage::Submit => j.warnings.push(f),
        }
    }
    j
}

fn is_blank(text: Option<&str>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn codes(findings: &[Finding]) -> Vec<(&str, &str, Severity)> {
        findings
            .iter()
            .map(|f| (f.pointer.as_str(), f.code.as_str(), f.severity))
            .collect()
    }

    use Severity::{Error as E, Warning as W};

    fn narrative() -> Narrative {
        Narrative {
            achievements: Some("Đã triển khai".into()),
            limitations: Some("Còn chậm".into()),
            difficulties: Some("Thiếu nhân lực".into()),
            proposals: Some("Bổ sung kinh phí".into()),
        }
    }

    fn rules() -> ReportRules {
        ReportRules {
            indicators: vec![
                IndicatorRule {
                    id: 1,
                    kind: ValueKind::Percent,
                    allows_over_100: false,
                    previous_value: Some(50.0),
                },
                IndicatorRule {
                    id: 2,
                    kind: ValueKind::Percent,
                    allows_over_100: true,
                    previous_value: None,
                },
                IndicatorRule {
                    id: 3,
                    kind: ValueKind::Count,
                    allows_over_100: false,
                    previous_value: Some(10.0),
                },
                IndicatorRule {
                    id: 4,
                    kind: ValueKind::Money,
                    allows_over_100: false,
                    previous_value: None,
                },
                IndicatorRule {
                    id: 5,
                    kind: ValueKind::Milestone,
                    allows_over_100: false,
                    previous_value: None,
                },
                IndicatorRule {
                    id: 6,
                    kind: ValueKind::Boolean,
                    allows_over_100: false,
                    previous_value: None,
                },
            ],
            task_ids: vec![10, 11],
            projects: vec![ProjectRule {
                id: 20,
                previous_accepted_cumulative: Some(5_000_000_000),
                allocation: Some(5_618_000_000),
            }],
            budget_line_ids: vec![30],
            ..ReportRules::default()
        }
    }

    fn good_body() -> ReportBody {
        ReportBody {
            indicator_values: vec![
                IndicatorValueInput {
                    indicator_id: 1,
                    value: Some(74.51),
                    ..Default::default()
                },
                IndicatorValueInput {
                    indicator_id: 2,
                    numerator: Some(1068.0),
                    denominator: Some(1000.0),
                    ..Default::default()
                },
                IndicatorValueInput {
                    indicator_id: 3,
                    value: Some(12.0),
                    ..Default::default()
                },
                IndicatorValueInput {
                    indicator_id: 4,
                    value: Some(5_618_000_000.0),
                    ..Default::default()
                },
                IndicatorValueInput {
                    indicator_id: 5,
                    text: Some("Đã ban hành".into()),
                    ..Default::default()
                },
                IndicatorValueInput {
                    indicator_id: 6,
                    value: Some(1.0),
                    ..Default::default()
                },
            ],
            task_progress: vec![
                TaskProgressInput {
                    task_id: 10,
                    status: TaskStatus::Completed,
                    percent_complete: Some(100.0),
                    result: Some("Đã vận hành".into()),
                },
                TaskProgressInput {
                    task_id: 11,
                    status: TaskStatus::InProgress,
                    percent_complete: Some(40.0),
                    result: None,
                },
            ],
            project_progress: vec![ProjectProgressInput {
                project_id: 20,
                disbursed_in_period: Some(300_000_000),
                cumulative_disbursed: Some(5_300_000_000),
            }],
            budget_execution: vec![BudgetExecutionInput {
                budget_line_id: 30,
                spent_in_period: Some(0),
            }],
            narrative: narrative(),
        }
    }

    #[test]
    fn a_good_report_has_no_findings() {
        assert_eq!(validate_report(&good_body(), &rules()), []);
    }

    #[test]
    fn percentages() {
        assert_eq!(check_percent(100.0, false, "/v"), None);
        assert_eq!(check_percent(0.0, false, "/v"), None);
        let over = check_percent(106.8, false, "/v").unwrap();
        assert_eq!(
            (
                over.code.as_str(),
                over.params.get("max").map(String::as_str)
            ),
            ("percent_out_of_range", Some("100"))
        );
        assert_eq!(check_percent(106.8, true, "/v"), None);
        assert!(check_percent(-0.5, true, "/v").is_some());
        assert_eq!(
            check_percent(f64::NAN, true, "/v").map(|f| f.code),
            Some("invalid_number".into())
        );
        assert_eq!(
            check_percent(f64::INFINITY, true, "/v").map(|f| f.code),
            Some("invalid_number".into())
        );
    }

    #[test]
    fn numerators_and_denominators() {
        assert_eq!(check_ratio(3.0, 4.0, false, "/x"), []);
        assert_eq!(
            codes(&check_ratio(5.0, 4.0, false, "/x")),
            [("/x/numerator", "numerator_exceeds_denominator", E)]
        );
        assert_eq!(check_ratio(5.0, 4.0, true, "/x"), []);
        assert_eq!(
            codes(&check_ratio(1.0, 0.0, true, "/x")),
            [("/x/denominator", "not_positive", E)]
        );
        assert_eq!(
            codes(&check_ratio(-1.0, 2.0, true, "/x")),
            [("/x/numerator", "negative_value", E)]
        );
        assert_eq!(
            codes(&check_ratio(f64::NAN, 2.0, true, "/x")),
            [("/x/numerator", "invalid_number", E)]
        );
    }

    #[test]
    fn counts_and_money() {
        assert_eq!(check_count(3.0, "/c"), None);
        assert_eq!(check_count(0.0, "/c"), None);
        assert_eq!(
            check_count(2.5, "/c").map(|f| f.code),
            Some("not_whole_number".into())
        );
        assert_eq!(
            check_count(-1.0, "/c").map(|f| f.code),
            Some("negative_value".into())
        );
        assert_eq!(check_money(0, "/m"), None);
        assert_eq!(
            check_money(-1, "/m").map(|f| f.code),
            Some("negative_amount".into())
        );
        assert_eq!(
            check_money_value(0.5, "/m").map(|f| f.code),
            Some("not_whole_vnd".into())
        );
        assert_eq!(
            check_money_value(1e17, "/m").map(|f| f.code),
            Some("out_of_range".into())
        );
        assert_eq!(
            check_boolean(0.5, "/b").map(|f| f.code),
            Some("invalid_boolean".into())
        );
        assert_eq!(check_boolean(0.0, "/b"), None);
    }

    #[test]
    fn cumulative_disbursement() {
        let at = "/p";
        assert_eq!(check_cumulative(5, Some(5), Some(5), at), []);
        assert_eq!(
            codes(&check_cumulative(4, Some(5), None, at)),
            [(at, "cumulative_below_previous", E)]
        );
        assert_eq!(
            codes(&check_cumulative(6, Some(5), Some(5), at)),
            [(at, "cumulative_above_allocation", W)]
        );
        assert_eq!(check_cumulative(6, None, None, at), []);
        assert_eq!(
            codes(&check_cumulative(-1, None, None, at)),
            [(at, "negative_amount", E)]
        );
    }

    #[test]
    fn outliers() {
        assert_eq!(check_outlier(150.0, 50.0, 3.0, "/v"), None);
        assert!(check_outlier(151.0, 50.0, 3.0, "/v").is_some());
        assert!(check_outlier(16.0, 50.0, 3.0, "/v").is_some());
        assert_eq!(check_outlier(17.0, 50.0, 3.0, "/v"), None);
        assert!(
            check_outlier(0.0, 50.0, 3.0, "/v").is_some(),
            "fall to zero"
        );
        assert_eq!(
            check_outlier(7.0, 0.0, 3.0, "/v"),
            None,
            "no ratio from zero"
        );
        assert!(check_outlier(-5.0, 5.0, 3.0, "/v").is_some(), "sign change");
        assert_eq!(
            check_outlier(1000.0, 1.0, 1.0, "/v"),
            None,
            "factor 1 turns it off"
        );
        assert_eq!(check_outlier(1000.0, 1.0, f64::INFINITY, "/v"), None);
        let f = check_outlier(400.0, 100.0, 3.0, "/v").unwrap();
        assert_eq!(
            (f.severity, f.params.get("previous").map(String::as_str)),
            (W, Some("100"))
        );
    }

    #[test]
    fn tasks_and_narrative() {
        let done = TaskProgressInput {
            task_id: 1,
            status: TaskStatus::Completed,
            percent_complete: Some(90.0),
            result: Some("  ".into()),
        };
        assert_eq!(
            codes(&check_task(&done, "/task_progress/0")),
            [
                ("/task_progress/0/result", "result_required", E),
                (
                    "/task_progress/0/percent_complete",
                    "completed_below_100",
                    W
                )
            ]
        );
        let odd = TaskProgressInput {
            task_id: 1,
            status: TaskStatus::InProgress,
            percent_complete: Some(120.0),
            result: None,
        };
        assert_eq!(
            codes(&check_task(&odd, "/t")),
            [("/t/percent_complete", "percent_out_of_range", E)]
        );
        let n = Narrative {
            limitations: Some("".into()),
            proposals: None,
            ..narrative()
        };
        assert_eq!(
            codes(&check_narrative(&n)),
            [
                ("/narrative/limitations", "required", E),
                ("/narrative/proposals", "required", E)
            ]
        );
    }

    #[test]
    fn unknown_duplicate_and_missing_items() {
        let found = check_item_ids(
            &[1, 2, 1, 9],
            &[1, 2, 3],
            "indicator_values",
            "indicator_id",
        );
        assert_eq!(
            codes(&found),
            [
                ("/indicator_values/2/indicator_id", "duplicate_item", E),
                ("/indicator_values/3/indicator_id", "unknown_item", E),
                ("/indicator_values", "missing_item", W),
            ]
        );
        assert_eq!(
            found[0].params.get("first_index").map(String::as_str),
            Some("0")
        );
        assert_eq!(found[2].params.get("id").map(String::as_str), Some("3"));
    }

    #[test]
    fn indicator_values_by_kind() {
        let r = rules();
        let rule = |id: i64| r.indicators.iter().find(|x| x.id == id).unwrap();
        let check = |item: IndicatorValueInput| {
            check_indicator_value(&item, rule(item.indicator_id), 3.0, "/i")
        };
        let v = |id, value| IndicatorValueInput {
            indicator_id: id,
            value: Some(value),
            ..Default::default()
        };
        assert_eq!(
            codes(&check(v(1, 106.8))),
            [("/i/value", "percent_out_of_range", E)]
        );
        assert_eq!(check(v(2, 106.8)), []);
        assert_eq!(
            codes(&check(v(1, 200.0 / 3.0 * 2.0 + 50.0))),
            [("/i/value", "percent_out_of_range", E)]
        );
        assert_eq!(codes(&check(v(1, 10.0))), [("/i/value", "outlier", W)]);
        assert_eq!(
            codes(&check(v(3, 2.5))),
            [("/i/value", "not_whole_number", E)]
        );
        assert_eq!(codes(&check(v(3, 31.0))), [("/i/value", "outlier", W)]);
        assert_eq!(
            codes(&check(v(4, -1.0))),
            [("/i/value", "negative_amount", E)]
        );
        assert_eq!(
            codes(&check(v(6, 2.0))),
            [("/i/value", "invalid_boolean", E)]
        );
        let none = |id| IndicatorValueInput {
            indicator_id: id,
            ..Default::default()
        };
        assert_eq!(codes(&check(none(1))), [("/i/value", "required", E)]);
        assert_eq!(codes(&check(none(5))), [("/i/text", "required", E)]);
        let text = IndicatorValueInput {
            indicator_id: 1,
            text: Some("Gần 100%".into()),
            ..Default::default()
        };
        assert_eq!(
            codes(&check(text)),
            [("/i/value", "text_instead_of_number", W)]
        );
        let ratio = |n, d| IndicatorValueInput {
            indicator_id: 1,
            numerator: n,
            denominator: d,
            ..Default::default()
        };
        assert_eq!(check(ratio(Some(40.0), Some(80.0))), []);
        assert_eq!(
            codes(&check(ratio(Some(90.0), Some(80.0)))),
            [("/i/numerator", "numerator_exceeds_denominator", E)]
        );
        assert_eq!(
            codes(&check(ratio(Some(40.0), None))),
            [("/i/denominator", "required", E)]
        );
        // The percentage computed from the ratio feeds the outlier check (10 % against 50 %).
        assert_eq!(
            codes(&check(ratio(Some(8.0), Some(80.0)))),
            [("/i/value", "outlier", W)]
        );
        let both = IndicatorValueInput {
            indicator_id: 1,
            value: Some(60.0),
            numerator: Some(40.0),
            denominator: Some(80.0),
            text: None,
        };
        let found = check(both);
        assert_eq!(codes(&found), [("/i/value", "value_mismatch", W)]);
        assert_eq!(
            found[0].params.get("computed").map(String::as_str),
            Some("50.00")
        );
        let count_ratio = IndicatorValueInput {
            indicator_id: 3,
            value: Some(12.0),
            numerator: Some(1.0),
            ..Default::default()
        };
        assert_eq!(
            codes(&check(count_ratio)),
            [("/i/numerator", "ratio_not_applicable", E)]
        );
    }

    #[test]
    fn whole_report_pointers() {
        let mut body = good_body();
        body.indicator_values[0].value = Some(f64::NAN);
        body.indicator_values.push(IndicatorValueInput {
            indicator_id: 3,
            value: Some(1.0),
            ..Default::default()
        });
        body.task_progress[0].result = None;
        body.project_progress[0].cumulative_disbursed = Some(4_000_000_000);
        body.project_progress[0].disbursed_in_period = Some(-1);
        body.budget_execution[0].spent_in_period = Some(-5);
        body.narrative.difficulties = None;
        assert_eq!(
            codes(&validate_report(&body, &rules())),
            [
                ("/indicator_values/6/indicator_id", "duplicate_item", E),
                ("/indicator_values/0/value", "invalid_number", E),
                ("/task_progress/0/result", "result_required", E),
                (
                    "/project_progress/0/disbursed_in_period",
                    "negative_amount",
                    E
                ),
                (
                    "/project_progress/0/cumulative_disbursed",
                    "cumulative_below_previous",
                    E
                ),
                ("/budget_execution/0/spent_in_period", "negative_amount", E),
                ("/narrative/difficulties", "required", E),
            ]
        );
        let mut over = good_body();
        over.project_progress[0].cumulative_disbursed = Some(6_000_000_000);
        assert_eq!(
            codes(&validate_report(&over, &rules())),
            [(
                "/project_progress/0/cumulative_disbursed",
                "cumulative_above_allocation",
                W
            )]
        );
    }

    #[test]
    fn judging_save_and_submit() {
        let findings = vec![
            Finding::error("/indicator_values/1/indicator_id", "unknown_item"),
            Finding::error("/narrative/proposals", "required"),
            Finding::warning("/indicator_values/0/value", "outlier"),
        ];
        let save = judge(findings.clone(), Stage::Save, false);
        assert_eq!(
            codes(&save.blocking),
            [("/indicator_values/1/indicator_id", "unknown_item", E)]
        );
        assert_eq!(
            codes(&save.warnings),
            [
                ("/narrative/proposals", "required", W),
                ("/indicator_values/0/value", "outlier", W)
            ]
        );

        let submit = judge(findings[1..].to_vec(), Stage::Submit, true);
        assert!(!submit.passes());
        assert!(!submit.needs_acknowledgement());
        assert_eq!(submit.warnings.len(), 1);

        let only_warnings = judge(findings[2..].to_vec(), Stage::Submit, false);
        assert!(only_warnings.needs_acknowledgement());
        let acknowledged = judge(findings[2..].to_vec(), Stage::Submit, true);
        assert!(acknowledged.passes());
        assert_eq!(acknowledged.warnings.len(), 1);

        let fe: FieldError = findings[1].clone().into();
        assert_eq!(
            (fe.pointer.as_str(), fe.code.as_str()),
            ("/narrative/proposals", "required")
        );
    }

    fn passes(v: f64, allows: bool) -> bool {
        check_percent(v, allows, "/v").is_none()
    }

    proptest! {
        /// The accepted values form an interval from 0: if a value passes, every smaller
        /// non-negative one does; allowing over 100 % never rejects what was accepted.
        #[test]
        fn percentage_rule_is_monotone(a in -50.0f64..250.0, b in -50.0f64..250.0, allows in any::<bool>()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            if passes(hi, allows) && lo >= 0.0 {
                prop_assert!(passes(lo, allows));
            }
            if passes(a, false) {
                prop_assert!(passes(a, true));
            }
            prop_assert_eq!(passes(a, false), (0.0..=100.0).contains(&a));
        }

        #[test]
        fn ratio_rule_agrees_with_the_percentage_rule(n in 0.0f64..1000.0, d in 0.001f64..1000.0, allows in any::<bool>()) {
            let ratio_ok = check_ratio(n, d, allows, "/x").is_empty();
            prop_assert_eq!(ratio_ok, allows || n <= d);
        }

        #[test]
        fn outlier_rule_is_symmetric_in_scale(prev in 0.1f64..1e6, k in 0.01f64..10.0, factor in 1.01f64..10.0) {
            let v = prev * k;
            let flagged = check_outlier(v, prev, factor, "/v").is_some();
            prop_assert_eq!(flagged, v > prev * factor || v * factor < prev);
        }

        #[test]
        fn rules_never_panic(values in proptest::collection::vec(any::<f64>(), 0..8), ids in proptest::collection::vec(-3i64..10, 0..8)) {
            let body = ReportBody {
                indicator_values: ids.iter().zip(values.iter().chain(std::iter::repeat(&f64::NAN)))
                    .map(|(id, v)| IndicatorValueInput { indicator_id: *id, value: Some(*v), numerator: Some(*v), denominator: Some(-*v), text: None })
                    .collect(),
                ..ReportBody::default()
            };
            let _ = validate_report(&body, &rules());
        }
    }
}
