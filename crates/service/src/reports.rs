//! Use cases of periodic reports: read a report (or the template of one not started), save a
//! draft, the workflow actions, the history of versions and the coordinator's listing.
//!
//! Every save and action runs in one transaction with its audit entry. Concurrency is
//! optimistic: the caller states the version it read, and the row is written only if its
//! version is still that one (checked inside the `UPDATE`), so of two saves of the same
//! version exactly one wins and the other is told the report changed.

use chrono::{NaiveDate, NaiveDateTime, Timelike, Utc};
use dtihub_db::models::{
    BudgetExecutionRow, IndicatorValueRow, ProjectProgressRow, ReportRow, ReportVersionRow,
    TaskProgressRow,
};
use dtihub_db::repo;
use dtihub_db::repo::reports::{ReportFilter, ReportItems};
use dtihub_db::{DatabaseErrorKind, DbConn, DieselError};
use dtihub_domain::period::Period;
use dtihub_domain::report::validation::{
    self, judge, BudgetExecutionInput, Finding, IndicatorRule, IndicatorValueInput,
    ProjectProgressInput, ProjectRule, ReportBody, ReportRules, Stage, TaskProgressInput,
    TaskStatus, ValueKind,
};
use dtihub_domain::report::{transition, ActionKind, ReportAction, ReportStatus};
use dtihub_domain::schedule::is_late;
use dtihub_domain::text::nfc;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit;
use crate::changes;
use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// One indicator value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorValue {
    /// The indicator.
    pub indicator_id: i64,
    /// The value.
    pub value: Option<f64>,
    /// For percentages: how many of…
    pub numerator: Option<f64>,
    /// …how many.
    pub denominator: Option<f64>,
    /// Text, for milestones.
    pub text: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Evidence: the document number.
    pub evidence_number: Option<String>,
    /// Evidence: the document date.
    pub evidence_date: Option<NaiveDate>,
    /// The assessment a published report printed (`exceeded`, `met`, `not_met`); read-only:
    /// only loaded reports carry it, and what a client sends here is ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_assessment: Option<String>,
}

/// Progress on one task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskProgress {
    /// The task.
    pub task_id: i64,
    /// Where it stands.
    pub status: TaskStatus,
    /// Percent complete, 0–100.
    pub percent_complete: Option<f64>,
    /// What was achieved.
    pub result: Option<String>,
    /// What stands in the way.
    pub obstacles: Option<String>,
}

/// Disbursement on one project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectProgress {
    /// The project.
    pub project_id: i64,
    /// Disbursed in the period, VND.
    pub disbursed_in_period: Option<i64>,
    /// Disbursed since the project began, VND.
    pub cumulative_disbursed: Option<i64>,
    /// Stage.
    pub stage: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// Spending on one budget line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetExecution {
    /// The budget line.
    pub budget_line_id: i64,
    /// Spent in the period, VND.
    pub spent_in_period: Option<i64>,
    /// A note.
    pub note: Option<String>,
}

/// The four narrative sections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NarrativeContent {
    /// Kết quả đạt được.
    pub achievements: Option<String>,
    /// Tồn tại, hạn chế.
    pub limitations: Option<String>,
    /// Khó khăn, vướng mắc.
    pub difficulties: Option<String>,
    /// Đề xuất, kiến nghị.
    pub proposals: Option<String>,
}

/// A report's content: what `PUT` replaces whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportContent {
    /// Indicator values.
    pub indicator_values: Vec<IndicatorValue>,
    /// Task progress.
    pub task_progress: Vec<TaskProgress>,
    /// Project disbursement.
    pub project_progress: Vec<ProjectProgress>,
    /// Budget execution.
    pub budget_execution: Vec<BudgetExecution>,
    /// Narrative.
    pub narrative: NarrativeContent,
}

/// A report as read: its state and content. A report not started has version 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportView {
    /// The unit.
    pub unit: String,
    /// The period.
    pub period: String,
    /// Where it stands.
    pub status: ReportStatus,
    /// Version, also the `ETag`; 0 for a template.
    pub version: i64,
    /// Submission deadline.
    pub deadline: NaiveDate,
    /// Whether it was first submitted after the deadline.
    pub late: bool,
    /// When it was first submitted (UTC).
    pub first_submitted_at: Option<NaiveDateTime>,
    /// How many times the coordinator returned or reopened it.
    pub returned_count: i32,
    /// Who last submitted it.
    pub submitted_by: Option<String>,
    /// When it was last submitted (UTC).
    pub submitted_at: Option<NaiveDateTime>,
    /// Who accepted it.
    pub accepted_by: Option<String>,
    /// When it was accepted (UTC).
    pub accepted_at: Option<NaiveDateTime>,
    /// The reason of the last return or reopening.
    pub last_reason: Option<String>,
    /// Last change (UTC); none for a template.
    pub updated_at: Option<NaiveDateTime>,
    /// The content.
    pub content: ReportContent,
}

/// A saved draft with the findings to show.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedReport {
    /// The report now.
    pub report: ReportView,
    /// Findings that do not stop a save.
    pub warnings: Vec<Finding>,
}

/// One version in a report's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Sequence number.
    pub id: i64,
    /// The action.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Who.
    pub actor: String,
    /// Why (returns and reopenings).
    pub reason: Option<String>,
    /// When (UTC).
    pub occurred_at: NaiveDateTime,
    /// Fields changed since the previous version.
    pub changes: Vec<Change>,
}

/// One field changed between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// JSON pointer into the report content.
    pub pointer: String,
    /// The value before (null when added).
    pub before: Value,
    /// The value after (null when removed).
    pub after: Value,
}

/// Filters of the listing.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// Only this period.
    pub period: Option<Period>,
    /// Only this status.
    pub status: Option<ReportStatus>,
    /// Only units of this kind.
    pub unit_kind: Option<String>,
    /// Only late (true) or on-time (false) reports.
    pub late: Option<bool>,
    /// Only this unit.
    pub unit: Option<UnitCode>,
    /// Continue after this id.
    pub after_id: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// One listed report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSummary {
    /// Sequence number (the cursor).
    pub id: i64,
    /// The unit.
    pub unit: String,
    /// The period.
    pub period: String,
    /// Status.
    pub status: ReportStatus,
    /// Version.
    pub version: i64,
    /// Deadline.
    pub deadline: NaiveDate,
    /// Late.
    pub late: bool,
    /// First submitted (UTC).
    pub first_submitted_at: Option<NaiveDateTime>,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

fn unit_kind(conn: &mut DbConn, unit: &UnitCode) -> Result<String, ServiceError> {
    repo::units::find_by_code(conn, unit.as_str())?
        .map(|u| u.kind)
        .ok_or(ServiceError::NotFound { entity: "unit" })
}

fn status_of(row: &ReportRow) -> Result<ReportStatus, ServiceError> {
    row.status
        .parse()
        .map_err(|_| ServiceError::Internal(format!("reports row {} has a bad status", row.id)))
}

pub(crate) fn content_of(items: &ReportItems, row: Option<&ReportRow>) -> ReportContent {
    ReportContent {
        indicator_values: items
            .indicator_values
            .iter()
            .map(|r| IndicatorValue {
                indicator_id: r.indicator_id,
                value: r.value,
                numerator: r.numerator,
                denominator: r.denominator,
                text: r.value_text.clone(),
                note: r.note.clone(),
                evidence_number: r.evidence_number.clone(),
                evidence_date: r.evidence_date,
                official_assessment: r.official_assessment.clone(),
            })
            .collect(),
        task_progress: items
            .task_progress
            .iter()
            .map(|r| TaskProgress {
                task_id: r.task_id,
                status: serde_json::from_value(Value::String(r.status.clone())).unwrap_or_default(),
                percent_complete: r.percent_complete,
                result: r.result.clone(),
                obstacles: r.obstacles.clone(),
            })
            .collect(),
        project_progress: items
            .project_progress
            .iter()
            .map(|r| ProjectProgress {
                project_id: r.project_id,
                disbursed_in_period: r.disbursed_in_period_vnd,
                cumulative_disbursed: r.cumulative_disbursed_vnd,
                stage: r.stage.clone(),
                note: r.note.clone(),
            })
            .collect(),
        budget_execution: items
            .budget_execution
            .iter()
            .map(|r| BudgetExecution {
                budget_line_id: r.budget_line_id,
                spent_in_period: r.spent_in_period_vnd,
                note: r.note.clone(),
            })
            .collect(),
        narrative: row.map_or_else(NarrativeContent::default, |r| NarrativeContent {
            achievements: r.achievements.clone(),
            limitations: r.limitations.clone(),
            difficulties: r.difficulties.clone(),
            proposals: r.proposals.clone(),
        }),
    }
}

pub(crate) fn items_of(report_id: i64, c: &ReportContent) -> ReportItems {
    let pos = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    let text = |t: &Option<String>| t.as_deref().map(nfc).filter(|t| !t.is_empty());
    ReportItems {
        indicator_values: c
            .indicator_values
            .iter()
            .enumerate()
            .map(|(i, v)| IndicatorValueRow {
                report_id,
                position: pos(i),
                indicator_id: v.indicator_id,
                value: v.value,
                numerator: v.numerator,
                denominator: v.denominator,
                value_text: text(&v.text),
                note: text(&v.note),
                evidence_number: text(&v.evidence_number),
                evidence_date: v.evidence_date,
                official_assessment: None,
            })
            .collect(),
        task_progress: c
            .task_progress
            .iter()
            .enumerate()
            .map(|(i, t)| TaskProgressRow {
                report_id,
                position: pos(i),
                task_id: t.task_id,
                status: task_status_name(t.status).to_owned(),
                percent_complete: t.percent_complete,
                result: text(&t.result),
                obstacles: text(&t.obstacles),
            })
            .collect(),
        project_progress: c
            .project_progress
            .iter()
            .enumerate()
            .map(|(i, p)| ProjectProgressRow {
                report_id,
                position: pos(i),
                project_id: p.project_id,
                disbursed_in_period_vnd: p.disbursed_in_period,
                cumulative_disbursed_vnd: p.cumulative_disbursed,
                stage: text(&p.stage),
                note: text(&p.note),
            })
            .collect(),
        budget_execution: c
            .budget_execution
            .iter()
            .enumerate()
            .map(|(i, b)| BudgetExecutionRow {
                report_id,
                position: pos(i),
                budget_line_id: b.budget_line_id,
                spent_in_period_vnd: b.spent_in_period,
                note: text(&b.note),
            })
            .collect(),
    }
}

pub(crate) fn task_status_name(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::NotStarted => "not_started",
        TaskStatus::InProgress => "in_progress",
        TaskStatus::Completed => "completed",
        TaskStatus::Overdue => "overdue",
    }
}

fn view_of(row: &ReportRow, content: ReportContent) -> Result<ReportView, ServiceError> {
    Ok(ReportView {
        unit: row.unit_code.clone(),
        period: row.period.clone(),
        status: status_of(row)?,
        version: row.version,
        deadline: row.deadline,
        late: row.late != 0,
        first_submitted_at: row.first_submitted_at,
        returned_count: row.returned_count,
        submitted_by: row.submitted_by.clone(),
        submitted_at: row.submitted_at,
        accepted_by: row.accepted_by.clone(),
        accepted_at: row.accepted_at,
        last_reason: row.last_reason.clone(),
        updated_at: Some(row.updated_at),
        content,
    })
}

/// The catalog items a unit reports on in a period.
struct Responsibilities {
    indicators: Vec<(i64, ValueKind, bool)>,
    tasks: Vec<i64>,
    projects: Vec<i64>,
    budget_lines: Vec<i64>,
}

fn responsibilities(
    conn: &mut DbConn,
    unit: &UnitCode,
    period: Period,
) -> Result<Responsibilities, ServiceError> {
    let kind = unit_kind(conn, unit)?;
    let year = period.year();
    let u = unit.as_str();
    let mut indicator_ids =
        repo::reports::responsible_items(conn, "indicator", "reporting", u, &kind, year)?;
    indicator_ids.extend(repo::reports::responsible_items(
        conn,
        "indicator",
        "lead",
        u,
        &kind,
        year,
    )?);
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let indicators = repo::reports::indicator_kinds(conn, &indicator_ids)?
        .into_iter()
        .filter(|(_, _, _, evaluation, y, m)| evaluated_in(period, evaluation.as_deref(), *y, *m))
        .map(|(id, measure, over, _, _, _)| {
            let kind = match measure.as_str() {
                "percent" => ValueKind::Percent,
                "money" => ValueKind::Money,
                "boolean" => ValueKind::Boolean,
                "milestone" => ValueKind::Milestone,
                _ => ValueKind::Count,
            };
            (id, kind, over != 0)
        })
        .collect();
    Ok(Responsibilities {
        indicators,
        tasks: repo::reports::responsible_items(conn, "task", "lead", u, &kind, year)?,
        projects: repo::reports::responsible_items(conn, "project", "investor", u, &kind, year)?,
        budget_lines: repo::reports::responsible_items(
            conn,
            "budget_line",
            "implementing",
            u,
            &kind,
            year,
        )?,
    })
}

/// Whether an indicator is reported in a period: one evaluated in a given month ("Tháng
/// 10/2025") only in the period holding that month; the others (end of year, each quarter,
/// continuous, unstated) in every period of the plan's years, so that progress is followed.
pub(crate) fn evaluated_in(
    period: Period,
    kind: Option<&str>,
    year: Option<i32>,
    month: Option<i32>,
) -> bool {
    match (kind, year, month.and_then(|m| u32::try_from(m).ok())) {
        (Some("month"), Some(y), Some(m)) => {
            period.year() == y && (period.first_month()..=period.last_month()).contains(&m)
        }
        _ => true,
    }
}

/// The previous period's report of the unit, with its items.
fn previous(
    conn: &mut DbConn,
    unit: &UnitCode,
    period: Period,
) -> Result<Option<(ReportRow, ReportContent)>, ServiceError> {
    let Some(prev) = period.previous() else {
        return Ok(None);
    };
    let Some(row) = repo::reports::find(conn, unit.as_str(), &prev.to_string())? else {
        return Ok(None);
    };
    let items = repo::reports::items(conn, row.id)?;
    let content = content_of(&items, Some(&row));
    Ok(Some((row, content)))
}

fn rules_for(
    conn: &mut DbConn,
    unit: &UnitCode,
    period: Period,
) -> Result<ReportRules, ServiceError> {
    let r = responsibilities(conn, unit, period)?;
    let prev = previous(conn, unit, period)?;
    let prev_value = |id: i64| {
        prev.as_ref().and_then(|(_, c)| {
            c.indicator_values
                .iter()
                .find(|v| v.indicator_id == id)
                .and_then(|v| v.value)
        })
    };
    let prev_accepted_cumulative = |id: i64| {
        prev.as_ref()
            .filter(|(row, _)| row.status == ReportStatus::Accepted.as_str())
            .and_then(|(_, c)| {
                c.project_progress
                    .iter()
                    .find(|p| p.project_id == id)
                    .and_then(|p| p.cumulative_disbursed)
            })
    };
    Ok(ReportRules {
        indicators: r
            .indicators
            .iter()
            .map(|(id, kind, over)| IndicatorRule {
                id: *id,
                kind: *kind,
                allows_over_100: *over,
                previous_value: prev_value(*id),
            })
            .collect(),
        task_ids: r.tasks,
        projects: r
            .projects
            .iter()
            .map(|id| {
                Ok(ProjectRule {
                    id: *id,
                    previous_accepted_cumulative: prev_accepted_cumulative(*id),
                    allocation: repo::reports::allocation_through(conn, *id, period.year())?,
                })
            })
            .collect::<Result<_, ServiceError>>()?,
        budget_line_ids: r.budget_lines,
        outlier_factor: crate::reporting_rules::governing(conn, period)?
            .rules
            .effective_outlier_factor(),
    })
}

fn body_of(c: &ReportContent) -> ReportBody {
    ReportBody {
        indicator_values: c
            .indicator_values
            .iter()
            .map(|v| IndicatorValueInput {
                indicator_id: v.indicator_id,
                value: v.value,
                numerator: v.numerator,
                denominator: v.denominator,
                text: v.text.clone(),
            })
            .collect(),
        task_progress: c
            .task_progress
            .iter()
            .map(|t| TaskProgressInput {
                task_id: t.task_id,
                status: t.status,
                percent_complete: t.percent_complete,
                result: t.result.clone(),
            })
            .collect(),
        project_progress: c
            .project_progress
            .iter()
            .map(|p| ProjectProgressInput {
                project_id: p.project_id,
                disbursed_in_period: p.disbursed_in_period,
                cumulative_disbursed: p.cumulative_disbursed,
            })
            .collect(),
        budget_execution: c
            .budget_execution
            .iter()
            .map(|b| BudgetExecutionInput {
                budget_line_id: b.budget_line_id,
                spent_in_period: b.spent_in_period,
            })
            .collect(),
        narrative: validation::Narrative {
            achievements: c.narrative.achievements.clone(),
            limitations: c.narrative.limitations.clone(),
            difficulties: c.narrative.difficulties.clone(),
            proposals: c.narrative.proposals.clone(),
        },
    }
}

/// The unit's template for the period (what `GET` answers before any save), inside the
/// caller's transaction.
pub fn template_in(
    conn: &mut DbConn,
    unit: &UnitCode,
    period: Period,
) -> Result<ReportView, ServiceError> {
    template(conn, unit, period)
}

fn template(
    conn: &mut DbConn,
    unit: &UnitCode,
    period: Period,
) -> Result<ReportView, ServiceError> {
    let r = responsibilities(conn, unit, period)?;
    let prev = previous(conn, unit, period)?.map(|(_, c)| c);
    let prev = prev.unwrap_or_default();
    let content = ReportContent {
        indicator_values: r
            .indicators
            .iter()
            .map(|(id, _, _)| {
                prev.indicator_values
                    .iter()
                    .find(|v| v.indicator_id == *id)
                    .map(|v| IndicatorValue {
                        official_assessment: None,
                        ..v.clone()
                    })
                    .unwrap_or(IndicatorValue {
                        indicator_id: *id,
                        ..IndicatorValue::default()
                    })
            })
            .collect(),
        task_progress: r
            .tasks
            .iter()
            .map(|id| {
                prev.task_progress
                    .iter()
                    .find(|t| t.task_id == *id)
                    .cloned()
                    .unwrap_or(TaskProgress {
                        task_id: *id,
                        ..TaskProgress::default()
                    })
            })
            .collect(),
        project_progress: r
            .projects
            .iter()
            .map(|id| {
                let before = prev.project_progress.iter().find(|p| p.project_id == *id);
                ProjectProgress {
                    project_id: *id,
                    // What was disbursed in the previous period is not this period's.
                    disbursed_in_period: None,
                    cumulative_disbursed: before.and_then(|p| p.cumulative_disbursed),
                    stage: before.and_then(|p| p.stage.clone()),
                    note: None,
                }
            })
            .collect(),
        budget_execution: r
            .budget_lines
            .iter()
            .map(|id| BudgetExecution {
                budget_line_id: *id,
                ..BudgetExecution::default()
            })
            .collect(),
        narrative: NarrativeContent::default(),
    };
    Ok(ReportView {
        unit: unit.to_string(),
        period: period.to_string(),
        status: ReportStatus::NotStarted,
        version: 0,
        deadline: crate::reporting_rules::deadline_for(conn, period)?,
        late: false,
        first_submitted_at: None,
        returned_count: 0,
        submitted_by: None,
        submitted_at: None,
        accepted_by: None,
        accepted_at: None,
        last_reason: None,
        updated_at: None,
        content,
    })
}

pub(crate) fn load(
    conn: &mut DbConn,
    unit: &UnitCode,
    period: Period,
) -> Result<Option<(ReportRow, ReportContent)>, ServiceError> {
    let Some(row) = repo::reports::find(conn, unit.as_str(), &period.to_string())? else {
        return Ok(None);
    };
    let items = repo::reports::items(conn, row.id)?;
    let content = content_of(&items, Some(&row));
    Ok(Some((row, content)))
}

/// The unit's report for the period, or its template when none exists.
pub fn get(store: &Store, unit: &UnitCode, period: Period) -> Result<ReportView, ServiceError> {
    store.read(|conn| {
        unit_kind(conn, unit)?;
        match load(conn, unit, period)? {
            Some((row, content)) => view_of(&row, content),
            None => template(conn, unit, period),
        }
    })
}

/// The current time in whole seconds: what both backends store, so that a response built
/// from the written row equals a later read of it.
pub(crate) fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(0).unwrap_or(t)
}

fn check_version(expected: Option<i64>, current: i64) -> Result<(), ServiceError> {
    match expected {
        Some(v) if v != current => Err(ServiceError::PreconditionFailed),
        _ => Ok(()),
    }
}

fn findings_to_errors(findings: Vec<Finding>) -> Vec<FieldError> {
    findings.into_iter().map(FieldError::from).collect()
}

pub(crate) fn json_of<T: Serialize>(value: &T) -> Result<Value, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

fn blank_to_none(t: Option<String>) -> Option<String> {
    t.map(|t| nfc(&t)).filter(|t| !t.is_empty())
}

/// Saves a draft: the whole content replaces what was stored. `expected` is the version the
/// caller read (0 for a template); a report changed since is refused.
pub fn save(
    store: &Store,
    actor: &Actor,
    unit: &UnitCode,
    period: Period,
    expected: Option<i64>,
    content: &ReportContent,
) -> Result<SavedReport, ServiceError> {
    store.transaction(|conn| {
        unit_kind(conn, unit)?;
        let existing = load(conn, unit, period)?;
        let (status, version) = existing
            .as_ref()
            .map_or(Ok((ReportStatus::NotStarted, 0)), |(r, _)| {
                status_of(r).map(|s| (s, r.version))
            })?;
        check_version(expected, version)?;
        let next = transition(status, &ReportAction::Save).map_err(ServiceError::Transition)?;
        let rules = rules_for(conn, unit, period)?;
        let judgement = judge(
            validation::validate_report(&body_of(content), &rules),
            Stage::Save,
            false,
        );
        if !judgement.passes() {
            return Err(ServiceError::Validation(findings_to_errors(
                judgement.blocking,
            )));
        }
        let now = now();
        let n = &content.narrative;
        let row = match &existing {
            Some((old, _)) => {
                let row = ReportRow {
                    status: next.as_str().to_owned(),
                    version: old.version + 1,
                    achievements: blank_to_none(n.achievements.clone()),
                    limitations: blank_to_none(n.limitations.clone()),
                    difficulties: blank_to_none(n.difficulties.clone()),
                    proposals: blank_to_none(n.proposals.clone()),
                    updated_at: now,
                    ..old.clone()
                };
                if !repo::reports::update_if_version(conn, &row, old.version)? {
                    return Err(ServiceError::PreconditionFailed);
                }
                row
            }
            None => {
                let row = ReportRow {
                    id: 0,
                    unit_code: unit.to_string(),
                    period: period.to_string(),
                    status: next.as_str().to_owned(),
                    version: 1,
                    deadline: crate::reporting_rules::deadline_for(conn, period)?,
                    first_submitted_at: None,
                    late: 0,
                    returned_count: 0,
                    submitted_by: None,
                    submitted_at: None,
                    accepted_by: None,
                    accepted_at: None,
                    last_reason: None,
                    achievements: blank_to_none(n.achievements.clone()),
                    limitations: blank_to_none(n.limitations.clone()),
                    difficulties: blank_to_none(n.difficulties.clone()),
                    proposals: blank_to_none(n.proposals.clone()),
                    created_at: now,
                    updated_at: now,
                };
                // A concurrent first save of the same report won the unique key.
                repo::reports::insert(conn, &row).map_err(|e| match e {
                    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                        ServiceError::PreconditionFailed
                    }
                    other => ServiceError::from(other),
                })?
            }
        };
        let mut items = items_of(row.id, content);
        // The official assessments of a loaded report survive a save (after reopening).
        if let Some((_, old)) = &existing {
            for v in &mut items.indicator_values {
                v.official_assessment = old
                    .indicator_values
                    .iter()
                    .find(|o| o.indicator_id == v.indicator_id)
                    .and_then(|o| o.official_assessment.clone());
            }
        }
        repo::reports::replace_items(conn, row.id, &items)?;
        let stored = content_of(&items, Some(&row));
        let view = view_of(&row, stored)?;
        audit::record(
            conn,
            actor,
            "report.save",
            "report",
            &format!("{unit}/{period}"),
            existing
                .as_ref()
                .map(|(_, c)| json_of(c))
                .transpose()?
                .as_ref(),
            Some(&json_of(&view.content)?),
        )?;
        let before: &[IndicatorValue] = existing
            .as_ref()
            .map_or(&[], |(_, c)| c.indicator_values.as_slice());
        for change in changes::indicator_value_changes(
            unit.as_str(),
            &period.to_string(),
            view.version,
            before,
            &view.content.indicator_values,
        ) {
            changes::emit(conn, actor, change)?;
        }
        Ok(SavedReport {
            report: view,
            warnings: judgement.warnings,
        })
    })
}

/// Loads a published report (one the unit already sent outside the hub, such as the
/// province's annual results report) as accepted, inside the caller's transaction: the
/// content is stored as printed, with its official assessments, without the validation a
/// clerk's save goes through (the document is a fact, not a draft). An accept version and an
/// audit entry record the load. Does nothing and returns `false` when the unit already has a
/// report for the period.
pub fn load_published_in(
    conn: &mut DbConn,
    actor: &Actor,
    unit: &UnitCode,
    period: Period,
    content: &ReportContent,
) -> Result<bool, ServiceError> {
    load_in(
        conn,
        actor,
        unit,
        period,
        content,
        &LoadedState {
            status: ReportStatus::Accepted,
            submitted_at: None,
            reason: Some("loaded from the published report".into()),
        },
    )
}

/// How a loaded (demo or published) report stands.
#[derive(Debug, Clone)]
pub struct LoadedState {
    /// `submitted`, `returned` or `accepted` (or `draft`).
    pub status: ReportStatus,
    /// When it was (first) submitted; lateness is judged against the deadline.
    pub submitted_at: Option<NaiveDateTime>,
    /// The reason of the last return, or of the load.
    pub reason: Option<String>,
}

/// Stores a report as given, in the given state, inside the caller's transaction, without
/// the validation of a clerk's save (used for loaded data only). Does nothing and returns
/// `false` when the unit already has a report for the period.
pub fn load_in(
    conn: &mut DbConn,
    actor: &Actor,
    unit: &UnitCode,
    period: Period,
    content: &ReportContent,
    state: &LoadedState,
) -> Result<bool, ServiceError> {
    unit_kind(conn, unit)?;
    if repo::reports::find(conn, unit.as_str(), &period.to_string())?.is_some() {
        return Ok(false);
    }
    let now = now();
    let n = &content.narrative;
    let deadline = crate::reporting_rules::deadline_for(conn, period)?;
    let accepted = state.status == ReportStatus::Accepted;
    let returned = state.status == ReportStatus::Returned;
    let row = repo::reports::insert(
        conn,
        &ReportRow {
            id: 0,
            unit_code: unit.to_string(),
            period: period.to_string(),
            status: state.status.as_str().to_owned(),
            version: 1,
            deadline,
            first_submitted_at: state.submitted_at,
            late: i32::from(
                state
                    .submitted_at
                    .is_some_and(|t| is_late(t.and_utc(), deadline)),
            ),
            returned_count: i32::from(returned),
            submitted_by: state.submitted_at.map(|_| actor.id.clone()),
            submitted_at: state.submitted_at,
            accepted_by: accepted.then(|| actor.id.clone()),
            accepted_at: accepted.then_some(now),
            last_reason: returned.then(|| state.reason.clone()).flatten(),
            achievements: blank_to_none(n.achievements.clone()),
            limitations: blank_to_none(n.limitations.clone()),
            difficulties: blank_to_none(n.difficulties.clone()),
            proposals: blank_to_none(n.proposals.clone()),
            created_at: now,
            updated_at: now,
        },
    )?;
    let mut items = items_of(row.id, content);
    for (stored, given) in items
        .indicator_values
        .iter_mut()
        .zip(&content.indicator_values)
    {
        stored
            .official_assessment
            .clone_from(&given.official_assessment);
    }
    repo::reports::replace_items(conn, row.id, &items)?;
    let stored = content_of(&items, Some(&row));
    repo::reports::append_version(
        conn,
        &ReportVersionRow {
            id: 0,
            report_id: row.id,
            action: "load".to_owned(),
            from_status: ReportStatus::NotStarted.as_str().to_owned(),
            to_status: state.status.as_str().to_owned(),
            actor: actor.id.clone(),
            reason: state.reason.clone(),
            snapshot_json: json_of(&stored)?.to_string(),
            occurred_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        "report.load",
        "report",
        &format!("{unit}/{period}"),
        None,
        Some(&json_of(&stored)?),
    )?;
    Ok(true)
}

/// Performs a workflow action other than saving. Submitting validates the stored content:
/// errors block, and warnings too unless `acknowledge_warnings`.
pub fn act(
    store: &Store,
    actor: &Actor,
    unit: &UnitCode,
    period: Period,
    expected: Option<i64>,
    action: &ReportAction,
    acknowledge_warnings: bool,
) -> Result<ReportView, ServiceError> {
    store.transaction(|conn| {
        unit_kind(conn, unit)?;
        let existing = load(conn, unit, period)?;
        let Some((old, content)) = existing else {
            check_version(expected, 0)?;
            return Err(ServiceError::Transition(
                transition(ReportStatus::NotStarted, action)
                    .err()
                    .unwrap_or(dtihub_domain::report::TransitionError {
                        status: ReportStatus::NotStarted,
                        action: action.kind(),
                    }),
            ));
        };
        let status = status_of(&old)?;
        check_version(expected, old.version)?;
        let next = transition(status, action).map_err(ServiceError::Transition)?;
        let now = now();
        let mut row = ReportRow {
            status: next.as_str().to_owned(),
            version: old.version + 1,
            updated_at: now,
            ..old.clone()
        };
        let reason = action.reason().map(|r| r.as_str().to_owned());
        match action.kind() {
            ActionKind::Submit => {
                let rules = rules_for(conn, unit, period)?;
                let judgement = judge(
                    validation::validate_report(&body_of(&content), &rules),
                    Stage::Submit,
                    acknowledge_warnings,
                );
                if judgement.needs_acknowledgement() {
                    return Err(ServiceError::WarningsNotAcknowledged(findings_to_errors(
                        judgement.blocking,
                    )));
                }
                if !judgement.passes() {
                    return Err(ServiceError::Validation(findings_to_errors(
                        judgement.blocking,
                    )));
                }
                row.submitted_by = Some(actor.id.clone());
                row.submitted_at = Some(now);
                if row.first_submitted_at.is_none() {
                    row.first_submitted_at = Some(now);
                    row.late = i32::from(is_late(now.and_utc(), row.deadline));
                }
            }
            ActionKind::Return | ActionKind::Reopen => {
                row.returned_count += 1;
                row.last_reason.clone_from(&reason);
                row.accepted_by = None;
                row.accepted_at = None;
            }
            ActionKind::Accept => {
                row.accepted_by = Some(actor.id.clone());
                row.accepted_at = Some(now);
            }
            ActionKind::Save => {}
        }
        if !repo::reports::update_if_version(conn, &row, old.version)? {
            return Err(ServiceError::PreconditionFailed);
        }
        let snapshot = json_of(&content)?;
        repo::reports::append_version(
            conn,
            &ReportVersionRow {
                id: 0,
                report_id: row.id,
                action: action.kind().as_str().to_owned(),
                from_status: status.as_str().to_owned(),
                to_status: next.as_str().to_owned(),
                actor: actor.id.clone(),
                reason: reason.clone(),
                snapshot_json: snapshot.to_string(),
                occurred_at: now,
            },
        )?;
        audit::record(
            conn,
            actor,
            &format!("report.{}", action.kind()),
            "report",
            &format!("{unit}/{period}"),
            Some(&serde_json::json!({"status": status.as_str()})),
            Some(&serde_json::json!({"status": next.as_str(), "reason": reason})),
        )?;
        view_of(&row, content)
    })
}

/// A report's versions, oldest first, each with the fields changed since the one before.
pub fn history(
    store: &Store,
    unit: &UnitCode,
    period: Period,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    store.read(|conn| {
        unit_kind(conn, unit)?;
        let Some(row) = repo::reports::find(conn, unit.as_str(), &period.to_string())? else {
            return Ok(Vec::new());
        };
        let mut before = Value::Null;
        let mut out = Vec::new();
        for v in repo::reports::versions(conn, row.id)? {
            let snapshot: Value = serde_json::from_str(&v.snapshot_json)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let mut changes = Vec::new();
            if !before.is_null() {
                diff("", &before, &snapshot, &mut changes);
            }
            out.push(HistoryEntry {
                id: v.id,
                action: v.action,
                from_status: v.from_status,
                to_status: v.to_status,
                actor: v.actor,
                reason: v.reason,
                occurred_at: v.occurred_at,
                changes,
            });
            before = snapshot;
        }
        Ok(out)
    })
}

/// A field-level diff of two JSON documents: objects and arrays are walked, anything else that
/// differs is one change.
pub fn diff(pointer: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                diff(
                    &p,
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                diff(
                    &format!("{pointer}/{i}"),
                    a.get(i).unwrap_or(&Value::Null),
                    b.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (a, b) if a != b => out.push(Change {
            pointer: pointer.to_owned(),
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

/// Lists reports by id; returns the page and whether more follow.
pub fn list(
    store: &Store,
    query: &ReportQuery,
) -> Result<(Vec<ReportSummary>, bool), ServiceError> {
    let filter = ReportFilter {
        period: query.period.map(|p| p.to_string()),
        status: query.status.map(|s| s.as_str().to_owned()),
        unit_kind: query.unit_kind.clone(),
        late: query.late,
        unit: query.unit.as_ref().map(ToString::to_string),
        after_id: query.after_id,
    };
    let rows = store.read(|conn| Ok(repo::reports::list(conn, &filter, query.limit + 1)?))?;
    let more = rows.len() as i64 > query.limit;
    let mut out = Vec::new();
    for r in rows
        .into_iter()
        .take(usize::try_from(query.limit).unwrap_or(0))
    {
        out.push(ReportSummary {
            id: r.id,
            status: status_of(&r)?,
            unit: r.unit_code,
            period: r.period,
            version: r.version,
            deadline: r.deadline,
            late: r.late != 0,
            first_submitted_at: r.first_submitted_at,
            updated_at: r.updated_at,
        });
    }
    Ok((out, more))
}
