//! What the coordinator and the province's leaders read: compliance per period, indicator
//! roll-ups, evaluation against targets (suggested and official assessments side by side),
//! task completion and finance. Always computed from the data as it stands (no batch): the
//! counting and summing is done by the database (`repo::aggregates`), the rules (assessment,
//! lateness, roll-up method) by the domain.
//!
//! Decisions documented here:
//! - **Counted reports** are those submitted or accepted; drafts and returned reports are not
//!   yet the unit's word.
//! - **Compliance**: the expected units of a period are the units of the asked kind
//!   (`department` and `commune` when none is asked) valid on some day of the period. A unit
//!   that submitted (at least once) is `on_time` or `late` by its first submission; one that
//!   did not is `missing` once the deadline has passed (Vietnam's date) and `pending` while
//!   the period is still open. Rates are percentages of the expected units, two decimals.
//! - **Official assessments** live in `indicator_assessments` (one per indicator and year),
//!   recorded by the coordinator; the demo seeds 2023's from the printed Phụ lục I.
//! - **The evaluation's actual value** is the value the plan's issuing unit (the province)
//!   reported in its annual report (period = the year); without one, the units' annual values
//!   rolled up by the indicator's method.
//! - **The DX spending share** of a year divides the spending of the single-year plans of
//!   that year (declared total where the plan declares one, and computed from its items) by
//!   the province's budget of that year (`provincial_budgets`).

use chrono::{DateTime, NaiveDate, Utc};
use dtihub_db::repo::aggregates::{self as repo, Expected, TaskGrouping};
use dtihub_db::DbConn;
use dtihub_domain::catalog::indicator::{Direction, Measure, RollUp};
use dtihub_domain::catalog::totals::{plan_totals as compute_totals, PlanTotals};
use dtihub_domain::catalog::PlanId;
use dtihub_domain::evaluation::{self, suggest, text_outcome, Assessment, Tally, Target};
use dtihub_domain::period::Period;
use dtihub_domain::schedule::vietnam_date;
use dtihub_domain::text::nfc;
use dtihub_domain::FieldError;
use serde::Serialize;

use crate::audit;
use crate::catalog::items::CatalogItem;
use crate::catalog::{plans, BudgetLines, Projects};
use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// Unit kinds that report when the caller names none.
pub const REPORTING_KINDS: [&str; 2] = ["department", "commune"];

/// Rounds to two decimals (how the documents print percentages).
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| round2(part as f64 * 100.0 / whole as f64))
}

/// Today in Vietnam.
pub fn today() -> NaiveDate {
    vietnam_date(Utc::now())
}

// ---------------------------------------------------------------------------------------------
// Compliance

/// One expected unit's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCompliance {
    /// The unit.
    pub unit: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The report's status (`not_started` without one).
    pub status: String,
    /// When it was first submitted (UTC).
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was last submitted (UTC).
    pub last_submitted_at: Option<DateTime<Utc>>,
    /// `on_time`, `late`, `missing` (deadline passed, never submitted) or `pending`.
    pub timeliness: String,
    /// How many times the coordinator returned or reopened it.
    pub returned_count: i32,
}

/// Counts and rates over the expected units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceTotals {
    /// Units expected to report.
    pub expected: i64,
    /// Units that submitted (at least once).
    pub reported: i64,
    /// Of those, first submitted by the deadline.
    pub on_time: i64,
    /// Of those, first submitted after it.
    pub late: i64,
    /// Not submitted, deadline passed.
    pub missing: i64,
    /// Not submitted, period still open.
    pub pending: i64,
    /// Reports accepted.
    pub accepted: i64,
    /// Reports returned and not yet resubmitted.
    pub returned: i64,
    /// Returns and reopenings, all reports together.
    pub returns: i64,
    /// Reported / expected, percent (two decimals); none without expected units.
    pub reporting_rate: Option<f64>,
    /// On time / expected, percent (two decimals).
    pub on_time_rate: Option<f64>,
}

/// Compliance of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compliance {
    /// The period.
    pub period: String,
    /// The kinds of unit counted.
    pub unit_kinds: Vec<String>,
    /// The period's deadline.
    pub deadline: NaiveDate,
    /// Vietnam's date the figures were computed on.
    pub as_of: NaiveDate,
    /// Whether the deadline has passed.
    pub deadline_passed: bool,
    /// Counts and rates.
    pub totals: ComplianceTotals,
    /// The expected units of this page (all of them without a page), by kind and code.
    pub units: Vec<UnitCompliance>,
    /// The key (`kind/code`) of the last unit listed, when more follow.
    pub next_after: Option<String>,
}

/// Which units of an aggregate to list: those after a key, at most a number of them.
#[derive(Debug, Clone, Default)]
pub struct UnitsPage {
    /// Only units after this key (compliance: `kind/code`; roll-up: the unit code).
    pub after: Option<String>,
    /// At most this many (`None`: every one).
    pub limit: Option<u32>,
    /// Compliance only: list only units of these timeliness values (`on_time`, `late`,
    /// `missing`, `pending`); empty for all. The totals always count every expected unit.
    pub timeliness: Vec<String>,
}

/// Compliance of `period` for units of `unit_kind` (department and commune when none), with
/// the units of `page` listed.
pub fn compliance(
    store: &Store,
    period: Period,
    unit_kind: Option<&str>,
    page: &UnitsPage,
) -> Result<Compliance, ServiceError> {
    let kinds: Vec<String> = match unit_kind {
        Some(k) => vec![k.to_owned()],
        None => REPORTING_KINDS.iter().map(|k| (*k).to_owned()).collect(),
    };
    let p = period.to_string();
    let expected = Expected {
        period: &p,
        kinds: &kinds,
        first_day: period.first_day(),
        last_day: period.last_day(),
    };
    let as_of = today();
    let after = page.after.as_deref().and_then(|key| key.split_once('/'));
    let wants = |t: &str| page.timeliness.is_empty() || page.timeliness.iter().any(|w| w == t);
    let (deadline, mut rows, counts) = store.read(|conn| {
        let deadline = crate::reporting_rules::deadline_for(conn, period)?;
        let passed = as_of > deadline;
        let selection = repo::CompliancePage {
            after,
            // One more than asked tells whether another page follows.
            limit: page.limit.map(|n| i64::from(n) + 1),
            on_time: wants("on_time"),
            late: wants("late"),
            not_submitted: if passed {
                wants("missing")
            } else {
                wants("pending")
            },
        };
        let rows = if selection.on_time || selection.late || selection.not_submitted {
            repo::compliance_rows(conn, &expected, &selection)?
        } else {
            Vec::new()
        };
        Ok((deadline, rows, repo::compliance_counts(conn, &expected)?))
    })?;
    let deadline_passed = as_of > deadline;
    let next_after = match page.limit {
        Some(n) if rows.len() > n as usize => {
            rows.truncate(n as usize);
            rows.last().map(|r| format!("{}/{}", r.kind, r.unit))
        }
        _ => None,
    };
    let units = rows
        .into_iter()
        .map(|r| {
            let timeliness = match (r.first_submitted_at, r.late) {
                (Some(_), Some(1)) => "late",
                (Some(_), _) => "on_time",
                (None, _) if deadline_passed => "missing",
                (None, _) => "pending",
            };
            UnitCompliance {
                unit: r.unit,
                name: r.name,
                kind: r.kind,
                status: r.status.unwrap_or_else(|| "not_started".into()),
                submitted_at: r.first_submitted_at.map(|t| t.and_utc()),
                last_submitted_at: r.submitted_at.map(|t| t.and_utc()),
                timeliness: timeliness.into(),
                returned_count: r.returned_count.unwrap_or(0),
            }
        })
        .collect();
    let not_reported = counts.expected - counts.reported;
    let (missing, pending) = if deadline_passed {
        (not_reported, 0)
    } else {
        (0, not_reported)
    };
    Ok(Compliance {
        period: p.clone(),
        unit_kinds: kinds,
        deadline,
        as_of,
        deadline_passed,
        totals: ComplianceTotals {
            expected: counts.expected,
            reported: counts.reported,
            on_time: counts.on_time,
            late: counts.late,
            missing,
            pending,
            accepted: counts.accepted,
            returned: counts.returned_now,
            returns: counts.returns,
            reporting_rate: percent(counts.reported, counts.expected),
            on_time_rate: percent(counts.on_time, counts.expected),
        },
        units,
        next_after,
    })
}

// ---------------------------------------------------------------------------------------------
// Indicator roll-up

/// One unit's counted value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The unit.
    pub unit: String,
    /// Its name.
    pub name: String,
    /// The value.
    pub value: Option<f64>,
    /// Numerator.
    pub numerator: Option<f64>,
    /// Denominator.
    pub denominator: Option<f64>,
    /// Text.
    pub text: Option<String>,
    /// The report's status.
    pub status: String,
}

/// A unit by code and name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRef {
    /// Code.
    pub unit: String,
    /// Name.
    pub name: String,
}

/// The province's value of an indicator for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollUpView {
    /// The indicator.
    pub indicator_id: i64,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its measure.
    pub measure: String,
    /// The roll-up method.
    pub roll_up: String,
    /// The period.
    pub period: String,
    /// The rolled-up value (two decimals); none without contributions. For `all`/`any`: 1 or 0.
    pub value: Option<f64>,
    /// The latest text, for `latest` roll-ups of text values.
    pub text: Option<String>,
    /// Sum of numerators (`ratio_of_sums`: over values giving both).
    pub numerator_sum: Option<f64>,
    /// Sum of denominators.
    pub denominator_sum: Option<f64>,
    /// Units with a counted value.
    pub contributing_count: i64,
    /// Contributions left out of a ratio of sums for lack of a numerator or denominator.
    pub without_ratio_count: i64,
    /// Units expected and missing.
    pub missing_count: i64,
    /// The counted values, by unit (of this page's units).
    pub contributing: Vec<Contribution>,
    /// Units expected to report the indicator without a counted value (of this page's units).
    pub missing: Vec<UnitRef>,
    /// The code of the last unit listed, when more follow. A page lists the first units by
    /// code (after the previous page's) that either contribute or are missing.
    pub next_after: Option<String>,
}

fn yes(c: &repo::ContributionRow) -> Option<bool> {
    match c.value {
        Some(v) => Some(v > 0.0),
        None => c.value_text.as_deref().and_then(text_outcome),
    }
}

struct Rolled {
    value: Option<f64>,
    text: Option<String>,
    sums: repo::RollUpSums,
}

fn roll(
    conn: &mut DbConn,
    indicator_id: i64,
    method: RollUp,
    period: &str,
) -> Result<Rolled, ServiceError> {
    let sums = repo::roll_up_sums(conn, indicator_id, period)?;
    // Only `all`, `any` and `latest` need every contribution; the others are the sums.
    let contributions = match method {
        RollUp::All | RollUp::Any | RollUp::Latest => {
            repo::contributions(conn, indicator_id, period, repo::CodePage::default())?
        }
        _ => Vec::new(),
    };
    let mut text = None;
    let value = match method {
        RollUp::Sum => sums.sum_value,
        RollUp::Mean => sums.mean_value,
        RollUp::Min => sums.min_value,
        RollUp::Max => sums.max_value,
        RollUp::RatioOfSums => match (sums.sum_numerator, sums.sum_denominator) {
            (Some(n), Some(d)) if d > 0.0 => Some(n * 100.0 / d),
            _ => None,
        },
        RollUp::All | RollUp::Any => {
            let answers: Vec<Option<bool>> = contributions.iter().map(yes).collect();
            if answers.is_empty() || answers.iter().any(Option::is_none) {
                None
            } else if method == RollUp::All {
                Some(if answers.iter().all(|a| *a == Some(true)) {
                    1.0
                } else {
                    0.0
                })
            } else {
                Some(if answers.contains(&Some(true)) {
                    1.0
                } else {
                    0.0
                })
            }
        }
        RollUp::Latest => {
            let latest = contributions.iter().max_by(|a, b| {
                a.submitted_at
                    .cmp(&b.submitted_at)
                    .then(b.unit.cmp(&a.unit))
            });
            text = latest.and_then(|c| c.value_text.clone());
            latest.and_then(|c| c.value)
        }
    };
    Ok(Rolled {
        value: value.filter(|v| v.is_finite()).map(round2),
        text,
        sums,
    })
}

/// The roll-up of an indicator over the units' counted values for a period, with the
/// contributing and missing units of `page` (its `timeliness` is ignored).
pub fn roll_up(
    store: &Store,
    indicator_id: i64,
    period: Period,
    page: &UnitsPage,
) -> Result<RollUpView, ServiceError> {
    store.read(|conn| {
        let (_, code, name, measure, method) =
            repo::indicator_head(conn, indicator_id)?.ok_or(ServiceError::NotFound {
                entity: "indicator",
            })?;
        let method_enum = RollUp::from_text(&method)
            .ok_or_else(|| ServiceError::Internal(format!("indicator {indicator_id}: roll_up")))?;
        let p = period.to_string();
        let days = (period.first_day(), period.last_day());
        let rolled = roll(conn, indicator_id, method_enum, &p)?;
        // One more than asked of each list tells whether another page follows.
        let selection = repo::CodePage {
            after: page.after.as_deref(),
            limit: page.limit.map(|n| i64::from(n) + 1),
        };
        let mut contributing = repo::contributions(conn, indicator_id, &p, selection)?;
        let mut missing = repo::missing_for_indicator(conn, indicator_id, &p, days, selection)?;
        let missing_count = if page.limit.is_none() && page.after.is_none() {
            i64::try_from(missing.len()).unwrap_or(i64::MAX)
        } else {
            repo::missing_count_for_indicator(conn, indicator_id, &p, days)?
        };
        let mut next_after = None;
        if let Some(limit) = page.limit {
            let limit = limit as usize;
            let mut codes: Vec<&str> = contributing
                .iter()
                .map(|c| c.unit.as_str())
                .chain(missing.iter().map(|m| m.unit.as_str()))
                .collect();
            if codes.len() > limit {
                codes.sort_unstable();
                let last = codes[limit - 1].to_owned();
                contributing.retain(|c| c.unit <= last);
                missing.retain(|m| m.unit <= last);
                next_after = Some(last);
            }
        }
        let ratio = method_enum == RollUp::RatioOfSums;
        Ok(RollUpView {
            indicator_id,
            code,
            name,
            measure,
            roll_up: method,
            period: p,
            value: rolled.value,
            text: rolled.text,
            numerator_sum: rolled.sums.sum_numerator,
            denominator_sum: rolled.sums.sum_denominator,
            contributing_count: rolled.sums.units,
            without_ratio_count: if ratio {
                rolled.sums.units - rolled.sums.with_ratio
            } else {
                0
            },
            missing_count,
            contributing: contributing
                .into_iter()
                .map(|c| Contribution {
                    unit: c.unit,
                    name: c.name,
                    value: c.value,
                    numerator: c.numerator,
                    denominator: c.denominator,
                    text: c.value_text,
                    status: c.status,
                })
                .collect(),
            missing: missing
                .into_iter()
                .map(|u| UnitRef {
                    unit: u.unit,
                    name: u.name,
                })
                .collect(),
            next_after,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Evaluation against targets

/// One indicator evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationItem {
    /// The indicator.
    pub indicator_id: i64,
    /// Code.
    pub code: String,
    /// Stt as printed.
    pub row: Option<String>,
    /// Name.
    pub name: String,
    /// Pillar.
    pub pillar: String,
    /// Measure.
    pub measure: String,
    /// Direction.
    pub direction: String,
    /// Numeric target.
    pub target_value: Option<f64>,
    /// Target as printed.
    pub target_text: Option<String>,
    /// The actual value.
    pub actual_value: Option<f64>,
    /// The actual as text.
    pub actual_text: Option<String>,
    /// The note given with it.
    pub actual_note: Option<String>,
    /// `reported` (the issuer's own report), `rolled_up` (the units'), or none.
    pub actual_source: Option<String>,
    /// The hub's suggestion.
    pub suggested: Assessment,
    /// The coordinator's official assessment.
    pub official: Option<Assessment>,
    /// Its note.
    pub official_note: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The official assessment's version (`If-Match: "v<n>"` to replace it); 0 without one.
    pub official_version: i64,
    /// Whether the official assessment differs from an assessable suggestion.
    pub differs: bool,
}

/// Counts of one pillar (or overall).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationSummary {
    /// The pillar; none overall.
    pub pillar: Option<String>,
    /// Official assessments.
    pub official: TallyView,
    /// Suggested assessments.
    pub suggested: TallyView,
    /// Indicators whose official and suggested assessments differ.
    pub differing: u32,
}

/// A tally with its achieved count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TallyView {
    /// Indicators.
    pub total: u32,
    /// Exceeded plus met.
    pub achieved: u32,
    /// Exceeded.
    pub exceeded: u32,
    /// Met.
    pub met: u32,
    /// Not met.
    pub not_met: u32,
    /// Not assessed (official) or not assessable (suggested).
    pub unassessed: u32,
}

impl From<Tally> for TallyView {
    fn from(t: Tally) -> Self {
        TallyView {
            total: t.total,
            achieved: t.achieved(),
            exceeded: t.exceeded,
            met: t.met,
            not_met: t.not_met,
            unassessed: t.unassessed,
        }
    }
}

/// A plan's evaluation for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The plan.
    pub plan_id: i64,
    /// Its key.
    pub plan_code: String,
    /// Its number.
    pub plan_number: Option<String>,
    /// Its title.
    pub plan_title: String,
    /// The year.
    pub year: i32,
    /// The unit whose annual report gives the actual values.
    pub source_unit: Option<String>,
    /// Overall counts.
    pub summary: EvaluationSummary,
    /// Counts per pillar, in the order pillars first appear.
    pub pillars: Vec<EvaluationSummary>,
    /// Codes of the indicators whose assessments differ.
    pub differences: Vec<String>,
    /// Every indicator, in catalog order.
    pub items: Vec<EvaluationItem>,
}

fn year_in_plan(plan_first: i32, plan_last: i32, year: i32) -> Result<(), ServiceError> {
    if (plan_first..=plan_last).contains(&year) {
        Ok(())
    } else {
        Err(ServiceError::Validation(vec![FieldError::new(
            "query:year",
            "year_outside_plan",
        )
        .with("first", plan_first)
        .with("last", plan_last)]))
    }
}

/// The evaluation of a plan's indicators for a year, inside the caller's connection.
pub fn evaluation_in(
    conn: &mut DbConn,
    plan_id: i64,
    year: i32,
) -> Result<Evaluation, ServiceError> {
    let plan = plans::find_in(conn, PlanId(plan_id))?;
    let years = plan.value.years;
    year_in_plan(years.first, years.last, year)?;
    let issuer = plan.value.issuer_unit.as_ref().map(ToString::to_string);
    let period = Period::year_period(year)
        .map_err(|e| ServiceError::Validation(vec![FieldError::new("query:year", e.code)]))?;
    let p = period.to_string();
    let rows = repo::evaluation_rows(conn, plan_id, year, issuer.as_deref().unwrap_or(""), &p)?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let measure = Measure::from_text(&r.measure).unwrap_or(Measure::Count);
        let direction = Direction::from_text(&r.direction).unwrap_or(Direction::AtLeast);
        let (value, text, source) = if r.reported == 1 {
            (r.value, r.value_text.clone(), Some("reported"))
        } else {
            let method = RollUp::from_text(&r.roll_up).unwrap_or(RollUp::default_for(measure));
            let rolled = roll(conn, r.id, method, &p)?;
            let found = rolled.value.is_some() || rolled.text.is_some();
            (rolled.value, rolled.text, found.then_some("rolled_up"))
        };
        let suggested = suggest(
            measure,
            direction,
            Target {
                value: r.target_value,
            },
            evaluation::Result {
                value,
                text: text.as_deref(),
            },
        );
        let official = r.official.as_deref().and_then(Assessment::parse_official);
        let differs =
            official.is_some_and(|o| suggested != Assessment::NotAssessable && o != suggested);
        items.push(EvaluationItem {
            indicator_id: r.id,
            code: r.code,
            row: r.source_row,
            name: r.name,
            pillar: r.pillar,
            measure: r.measure,
            direction: r.direction,
            target_value: r.target_value,
            target_text: r.target_text,
            actual_value: value,
            actual_text: text,
            actual_note: if source == Some("reported") {
                r.value_note
            } else {
                None
            },
            actual_source: source.map(str::to_owned),
            suggested,
            official,
            official_note: r.official_note,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at.map(|t| t.and_utc()),
            official_version: r.official_version.unwrap_or(0),
            differs,
        });
    }
    let summarise = |pillar: Option<&str>| {
        let mut official = Tally::default();
        let mut suggested = Tally::default();
        let mut differing = 0;
        for i in items
            .iter()
            .filter(|i| pillar.is_none_or(|p| i.pillar == p))
        {
            official.add(i.official);
            suggested.add(Some(i.suggested));
            differing += u32::from(i.differs);
        }
        EvaluationSummary {
            pillar: pillar.map(str::to_owned),
            official: official.into(),
            suggested: suggested.into(),
            differing,
        }
    };
    let mut pillar_order: Vec<&str> = Vec::new();
    for i in &items {
        if !pillar_order.contains(&i.pillar.as_str()) {
            pillar_order.push(&i.pillar);
        }
    }
    let pillars = pillar_order.iter().map(|p| summarise(Some(p))).collect();
    let summary = summarise(None);
    let differences = items
        .iter()
        .filter(|i| i.differs)
        .map(|i| i.code.clone())
        .collect();
    Ok(Evaluation {
        plan_id,
        plan_code: plan.value.code.to_string(),
        plan_number: plan.value.number.clone(),
        plan_title: plan.value.title.clone(),
        year,
        source_unit: issuer,
        summary,
        pillars,
        differences,
        items,
    })
}

/// The evaluation of a plan's indicators for a year.
pub fn evaluation(store: &Store, plan_id: i64, year: i32) -> Result<Evaluation, ServiceError> {
    store.read(|conn| evaluation_in(conn, plan_id, year))
}

/// An official assessment as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfficialAssessment {
    /// The plan.
    pub plan_id: i64,
    /// The indicator.
    pub indicator_id: i64,
    /// The year.
    pub year: i32,
    /// `exceeded`, `met` or `not_met`.
    pub assessment: Assessment,
    /// Why.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// Version (the `ETag`).
    pub version: i64,
}

/// What the coordinator records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// `exceeded`, `met` or `not_met`.
    #[serde(default)]
    pub assessment: Option<String>,
    /// Why (optional).
    #[serde(default)]
    pub note: Option<String>,
}

fn view_of(row: repo::AssessmentRow) -> Result<OfficialAssessment, ServiceError> {
    Ok(OfficialAssessment {
        plan_id: row.plan_id,
        indicator_id: row.indicator_id,
        year: row.year,
        assessment: Assessment::parse_official(&row.assessment)
            .ok_or_else(|| ServiceError::Internal("bad stored assessment".into()))?,
        note: row.note,
        recorded_by: row.recorded_by,
        recorded_at: row.recorded_at.and_utc(),
        version: row.version,
    })
}

/// Longest note accepted.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Records (creates or replaces) the official assessment of an indicator for a year, audited,
/// in one transaction, inside the caller's connection. `expected`: the version the caller
/// read (0: none yet), checked when given.
pub fn record_assessment_in(
    conn: &mut DbConn,
    actor: &Actor,
    plan_id: i64,
    indicator_id: i64,
    year: i32,
    expected: Option<i64>,
    input: &AssessmentInput,
) -> Result<OfficialAssessment, ServiceError> {
    let assessment = match input.assessment.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "/assessment",
                "required",
            )]))
        }
        Some(a) => Assessment::parse_official(a).ok_or_else(|| {
            ServiceError::Validation(vec![FieldError::new("/assessment", "invalid_enum")
                .with("allowed", "exceeded, met, not_met")])
        })?,
    };
    let note = input.note.as_deref().map(nfc).filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "/note", "too_long",
        )
        .with("max", MAX_NOTE_CHARS)]));
    }
    let plan = plans::find_in(conn, PlanId(plan_id))?;
    match repo::indicator_head(conn, indicator_id)? {
        Some((p, ..)) if p == plan_id => {}
        _ => {
            return Err(ServiceError::NotFound {
                entity: "indicator",
            })
        }
    }
    year_in_plan(plan.value.years.first, plan.value.years.last, year).map_err(|_| {
        ServiceError::Validation(vec![FieldError::new("path:year", "year_outside_plan")
            .with("first", plan.value.years.first)
            .with("last", plan.value.years.last)])
    })?;
    let existing = repo::find_assessment(conn, indicator_id, year)?;
    let current = existing.as_ref().map_or(0, |r| r.version);
    if expected.is_some_and(|v| v != current) {
        return Err(ServiceError::PreconditionFailed);
    }
    let now = Utc::now().naive_utc();
    let now = chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now);
    let row = repo::AssessmentRow {
        id: existing.as_ref().map_or(0, |r| r.id),
        plan_id,
        indicator_id,
        year,
        assessment: assessment.as_str().to_owned(),
        note,
        recorded_by: actor.id.clone(),
        recorded_at: now,
        version: current + 1,
    };
    match &existing {
        Some(old) => {
            if !repo::update_assessment(conn, &row, old.version)? {
                return Err(ServiceError::PreconditionFailed);
            }
        }
        None => repo::insert_assessment(conn, &row).map_err(|e| match e {
            dtihub_db::DieselError::DatabaseError(
                dtihub_db::DatabaseErrorKind::UniqueViolation,
                _,
            ) => ServiceError::PreconditionFailed,
            other => ServiceError::from(other),
        })?,
    }
    let before = existing.map(
        |r| serde_json::json!({"assessment": r.assessment, "note": r.note, "version": r.version}),
    );
    let view = view_of(row)?;
    audit::record(
        conn,
        actor,
        "indicator.assess",
        "indicator_assessment",
        &format!("{indicator_id}/{year}"),
        before.as_ref(),
        Some(&serde_json::json!({
            "assessment": view.assessment.as_str(),
            "note": view.note,
            "version": view.version,
        })),
    )?;
    Ok(view)
}

/// [`record_assessment_in`] in its own transaction.
pub fn record_assessment(
    store: &Store,
    actor: &Actor,
    plan_id: i64,
    indicator_id: i64,
    year: i32,
    expected: Option<i64>,
    input: &AssessmentInput,
) -> Result<OfficialAssessment, ServiceError> {
    store.transaction(|conn| {
        record_assessment_in(conn, actor, plan_id, indicator_id, year, expected, input)
    })
}

// ---------------------------------------------------------------------------------------------
// Tasks

/// Task counts of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskGroup {
    /// Category or lead unit; none: no category / no lead unit / all tasks.
    pub key: Option<String>,
    /// Tasks.
    pub total: i64,
    /// Completed (by the latest counted progress).
    pub completed: i64,
    /// In progress (or reported overdue).
    pub in_progress: i64,
    /// Not started or never reported.
    pub not_started: i64,
    /// Overdue: due date passed and not completed, or reported overdue.
    pub overdue: i64,
    /// Completed / total, percent (two decimals).
    pub completion_rate: Option<f64>,
    /// Mean percent complete (completed counts 100, unreported 0), two decimals.
    pub mean_percent_complete: Option<f64>,
}

/// An overdue task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueTask {
    /// The task.
    pub task_id: i64,
    /// Code.
    pub code: String,
    /// Content.
    pub content: String,
    /// Category.
    pub category: Option<String>,
    /// Lead as printed.
    pub lead_text: Option<String>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Latest reported status (none: never reported).
    pub status: Option<String>,
    /// Latest percent complete.
    pub percent_complete: Option<f64>,
}

/// Task completion of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskAggregate {
    /// The plan.
    pub plan_id: i64,
    /// Vietnam's date overdue is judged on.
    pub as_of: NaiveDate,
    /// All tasks.
    pub totals: TaskGroup,
    /// By category.
    pub by_category: Vec<TaskGroup>,
    /// By lead unit.
    pub by_lead_unit: Vec<TaskGroup>,
    /// Overdue tasks.
    pub overdue: Vec<OverdueTask>,
}

fn task_group(r: repo::TaskGroupRow) -> TaskGroup {
    TaskGroup {
        key: r.key,
        total: r.total,
        completed: r.completed,
        in_progress: r.in_progress,
        not_started: r.not_started,
        overdue: r.overdue,
        completion_rate: percent(r.completed, r.total),
        mean_percent_complete: r.mean_percent.map(round2),
    }
}

/// Task completion of a plan, as of `as_of` (Vietnam's today when none).
pub fn tasks(
    store: &Store,
    plan_id: i64,
    as_of: Option<NaiveDate>,
) -> Result<TaskAggregate, ServiceError> {
    let as_of = as_of.unwrap_or_else(today);
    store.read(|conn| {
        plans::find_in(conn, PlanId(plan_id))?;
        let totals = repo::task_groups(conn, plan_id, as_of, TaskGrouping::All)?
            .into_iter()
            .next()
            .map(task_group)
            .ok_or_else(|| ServiceError::Internal("no task totals".into()))?;
        Ok(TaskAggregate {
            plan_id,
            as_of,
            totals,
            by_category: repo::task_groups(conn, plan_id, as_of, TaskGrouping::Category)?
                .into_iter()
                .map(task_group)
                .collect(),
            by_lead_unit: repo::task_groups(conn, plan_id, as_of, TaskGrouping::Lead)?
                .into_iter()
                .map(task_group)
                .collect(),
            overdue: repo::overdue_tasks(conn, plan_id, as_of)?
                .into_iter()
                .map(|t| OverdueTask {
                    task_id: t.id,
                    code: t.code,
                    content: t.content,
                    category: t.category,
                    lead_text: t.lead_text,
                    due_date: t.due_date,
                    status: t.status,
                    percent_complete: t.percent_complete,
                })
                .collect(),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Finance

/// A project's money.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectFinance {
    /// The project.
    pub project_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Investor's unit code.
    pub investor: Option<String>,
    /// Investor as printed.
    pub investor_text: Option<String>,
    /// TMĐT.
    pub total_investment_vnd: Option<i64>,
    /// NSTW share of TMĐT.
    pub central_vnd: Option<i64>,
    /// NSĐP share of TMĐT.
    pub local_vnd: Option<i64>,
    /// Disbursed before the plan's years.
    pub disbursed_before_vnd: Option<i64>,
    /// Allocated for the plan's years (bố trí vốn).
    pub allocated_vnd: Option<i64>,
    /// Execution as printed for the plan's years.
    pub implemented_vnd: Option<i64>,
    /// Disbursements reported in counted reports of the plan's years.
    pub reported_disbursed_vnd: Option<i64>,
    /// The printed execution when there is one, else the reported disbursements.
    pub disbursed_vnd: Option<i64>,
    /// Disbursed / allocated, percent (two decimals).
    pub disbursement_rate: Option<f64>,
    /// Decision, funding note or stage.
    pub note: Option<String>,
}

/// Money of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoneyGroup {
    /// Investor or implementing unit (code, else as printed); none: not stated.
    pub key: Option<String>,
    /// Budget category (recurrent groups).
    pub category: Option<String>,
    /// Items.
    pub items: i64,
    /// TMĐT (projects) or amount (budget lines).
    pub amount_vnd: Option<i64>,
    /// Allocated (projects).
    pub allocated_vnd: Option<i64>,
    /// Disbursed (projects) or reported spent (budget lines).
    pub disbursed_vnd: Option<i64>,
    /// Disbursed / allocated, percent.
    pub disbursement_rate: Option<f64>,
}

/// A budget line's money.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetLineFinance {
    /// The line.
    pub budget_line_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Implementing unit (code or kind).
    pub unit: Option<String>,
    /// Implementing unit as printed.
    pub implementing_text: Option<String>,
    /// Budget category.
    pub budget_category: Option<String>,
    /// Amount.
    pub amount_vnd: Option<i64>,
    /// Spent, as reported in counted reports of the plan's years.
    pub reported_spent_vnd: Option<i64>,
    /// Funding note, decision or status.
    pub note: Option<String>,
}

/// One plan's finance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanFinance {
    /// The plan.
    pub plan_id: i64,
    /// Key.
    pub plan_code: String,
    /// Number.
    pub plan_number: Option<String>,
    /// Title.
    pub plan_title: String,
    /// First year.
    pub first_year: i32,
    /// Last year.
    pub last_year: i32,
    /// Projects.
    pub projects: Vec<ProjectFinance>,
    /// Projects by investor.
    pub by_investor: Vec<MoneyGroup>,
    /// Disbursed / allocated over all projects, percent.
    pub disbursement_rate: Option<f64>,
    /// Recurrent budget lines.
    pub budget_lines: Vec<BudgetLineFinance>,
    /// Recurrent money by implementing unit and category.
    pub recurrent_by_unit: Vec<MoneyGroup>,
    /// Computed and declared totals (by source), and every mismatch.
    pub totals: PlanTotals,
}

/// The DX spending share of a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendingShare {
    /// The year.
    pub year: i32,
    /// The province's budget.
    pub provincial_budget_vnd: i64,
    /// Where the budget figure is printed.
    pub provincial_budget_source: Option<String>,
    /// DX spending as declared (the plans' declared totals, computed where none).
    pub declared_spending_vnd: i64,
    /// DX spending computed from the items.
    pub computed_spending_vnd: i64,
    /// Declared / budget, percent (two decimals).
    pub declared_share: f64,
    /// Computed / budget, percent (two decimals).
    pub computed_share: f64,
}

/// Finance of a plan or of a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finance {
    /// The plan asked for.
    pub plan_id: Option<i64>,
    /// The year asked for (or the single-year plan's year).
    pub year: Option<i32>,
    /// Each plan.
    pub plans: Vec<PlanFinance>,
    /// DX spending as a share of the provincial budget; none without a budget or a year.
    pub spending_share: Option<SpendingShare>,
}

fn rate(part: Option<i64>, whole: Option<i64>) -> Option<f64> {
    match (part, whole) {
        (Some(p), Some(w)) => percent(p, w),
        _ => None,
    }
}

fn money_group(r: repo::MoneyGroupRow) -> MoneyGroup {
    MoneyGroup {
        key: r.key,
        category: r.key2,
        items: r.items,
        amount_vnd: r.amount_vnd,
        allocated_vnd: r.allocated_vnd,
        disbursed_vnd: r.disbursed_vnd,
        disbursement_rate: rate(r.disbursed_vnd, r.allocated_vnd),
    }
}

/// One plan's finance, inside the caller's connection.
pub fn plan_finance_in(conn: &mut DbConn, plan_id: i64) -> Result<PlanFinance, ServiceError> {
    let plan = plans::find_in(conn, PlanId(plan_id))?;
    let (first, last) = (plan.value.years.first, plan.value.years.last);
    let projects: Vec<ProjectFinance> = repo::project_money(conn, plan_id, first, last)?
        .into_iter()
        .map(|p| {
            let disbursed = p.implemented_vnd.or(p.reported_disbursed_vnd);
            ProjectFinance {
                project_id: p.id,
                code: p.code,
                name: p.name,
                investor: p.investor,
                investor_text: p.investor_text,
                total_investment_vnd: p.total_investment_vnd,
                central_vnd: p.central_vnd,
                local_vnd: p.local_vnd,
                disbursed_before_vnd: p.disbursed_before_vnd,
                allocated_vnd: p.allocated_vnd,
                implemented_vnd: p.implemented_vnd,
                reported_disbursed_vnd: p.reported_disbursed_vnd,
                disbursed_vnd: disbursed,
                disbursement_rate: rate(disbursed, p.allocated_vnd),
                note: p.note,
            }
        })
        .collect();
    let by_investor: Vec<MoneyGroup> = repo::money_by_investor(conn, plan_id, first, last)?
        .into_iter()
        .map(money_group)
        .collect();
    // Over projects that have both figures, so that unallocated projects do not skew it.
    let (mut d, mut a) = (0i64, 0i64);
    for p in &projects {
        if let (Some(x), Some(y)) = (p.disbursed_vnd, p.allocated_vnd) {
            d = d.saturating_add(x);
            a = a.saturating_add(y);
        }
    }
    let budget_lines = repo::budget_line_money(conn, plan_id, first, last)?
        .into_iter()
        .map(|b| BudgetLineFinance {
            budget_line_id: b.id,
            code: b.code,
            name: b.name,
            unit: b.unit,
            implementing_text: b.implementing_text,
            budget_category: b.budget_category,
            amount_vnd: b.amount_vnd,
            reported_spent_vnd: b.reported_spent_vnd,
            note: b.note,
        })
        .collect();
    let recurrent_by_unit = repo::money_by_unit_and_category(conn, plan_id, first, last)?
        .into_iter()
        .map(money_group)
        .collect();
    let all_projects: Vec<_> = Projects::all(conn, plan_id)?
        .into_iter()
        .map(|s| s.value)
        .collect();
    let all_lines: Vec<_> = BudgetLines::all(conn, plan_id)?
        .into_iter()
        .map(|s| s.value)
        .collect();
    let totals = compute_totals(&plan.value, &all_projects, &all_lines);
    Ok(PlanFinance {
        plan_id,
        plan_code: plan.value.code.to_string(),
        plan_number: plan.value.number.clone(),
        plan_title: plan.value.title.clone(),
        first_year: first,
        last_year: last,
        projects,
        by_investor,
        disbursement_rate: (a > 0).then(|| percent(d, a)).flatten(),
        budget_lines,
        recurrent_by_unit,
        totals,
    })
}

fn share(
    conn: &mut DbConn,
    year: i32,
    plans: &[PlanFinance],
) -> Result<Option<SpendingShare>, ServiceError> {
    let Some((budget, source)) = repo::provincial_budget(conn, year)? else {
        return Ok(None);
    };
    let single: Vec<&PlanFinance> = plans
        .iter()
        .filter(|p| p.first_year == year && p.last_year == year)
        .collect();
    if single.is_empty() {
        return Ok(None);
    }
    let computed: i64 = single.iter().map(|p| p.totals.computed.total_vnd).sum();
    let declared: i64 = single
        .iter()
        .map(|p| {
            p.totals
                .declared
                .total_vnd
                .unwrap_or(p.totals.computed.total_vnd)
        })
        .sum();
    Ok(Some(SpendingShare {
        year,
        provincial_budget_vnd: budget,
        provincial_budget_source: source,
        declared_spending_vnd: declared,
        computed_spending_vnd: computed,
        declared_share: percent(declared, budget).unwrap_or(0.0),
        computed_share: percent(computed, budget).unwrap_or(0.0),
    }))
}

/// Finance of one plan (`plan`), or of every plan covering a year (`year`).
pub fn finance(
    store: &Store,
    plan: Option<i64>,
    year: Option<i32>,
) -> Result<Finance, ServiceError> {
    store.read(|conn| {
        let ids = match (plan, year) {
            (Some(id), _) => vec![id],
            (None, Some(y)) => repo::plans_covering(conn, y)?,
            (None, None) => {
                return Err(ServiceError::Validation(vec![FieldError::new(
                    "query:plan",
                    "plan_or_year_required",
                )]))
            }
        };
        let mut plans_out = Vec::with_capacity(ids.len());
        for id in ids {
            plans_out.push(plan_finance_in(conn, id)?);
        }
        let share_year = year.or_else(|| {
            plans_out
                .first()
                .filter(|p| p.first_year == p.last_year)
                .map(|p| p.first_year)
        });
        if let (Some(y), Some(_)) = (year, plan) {
            if let Some(p) = plans_out.first() {
                year_in_plan(p.first_year, p.last_year, y)?;
            }
        }
        let spending_share = match share_year {
            Some(y) => share(conn, y, &plans_out)?,
            None => None,
        };
        Ok(Finance {
            plan_id: plan,
            year: share_year,
            plans: plans_out,
            spending_share,
        })
    })
}
