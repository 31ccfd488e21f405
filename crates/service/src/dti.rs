//! DTI use cases: the coordinator's frameworks, the units' self-assessments, the
//! coordinator's verification, and the scores, ranks and explanations read from them.
//!
//! Versioning rule: a framework may be replaced (whole, `If-Match` for concurrency) only while
//! no unit has self-assessed against it; once one has, a change would silently re-score filed
//! assessments, so it is refused with 409 `dti_framework_in_use`, and the next year's
//! framework is where changes go.
//!
//! Scores agree with the data as it stands when read: answered criteria's points are written
//! with each save and verification (one row per criterion), summed per unit and pillar in SQL;
//! `report_fact` criteria are computed at read time from the unit's reports of the year.
//!
//! Ranks: competition ranking ("1224") on the overall points to the printed hundredth, highest
//! first: units with equal points share a rank and the next rank skips. `rank` ranks verified
//! scores (units not yet verified have none); `self_rank` ranks self-assessed scores. Units
//! that filed nothing are listed with status `not_started` and no rank.

use std::collections::HashMap;

use chrono::{NaiveDateTime, Timelike, Utc};
use dtihub_db::models::{DtiAssessmentRow, DtiCriterionScoreRow, DtiFrameworkRow};
use dtihub_db::repo;
use dtihub_db::{DatabaseErrorKind, DbConn, DieselError};
use dtihub_domain::dti::scoring::{
    self, fact_points, overall, pillar_subtotals, score_criteria, subtotal,
};
use dtihub_domain::dti::{
    CriterionScore, Framework, ReportFacts, Rule, SelfAssessment, Subtotal, Verification,
};
use dtihub_domain::unit::UnitCode;
use serde::Serialize;
use serde_json::Value;

use crate::audit;
use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// A stored framework.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameworkView {
    /// The year.
    pub year: i32,
    /// `department` or `commune`.
    pub unit_kind: String,
    /// Version (the `ETag`).
    pub version: i64,
    /// Total points.
    pub max_points: f64,
    /// Whether units have self-assessed against it (it can no longer change).
    pub in_use: bool,
    /// Who last wrote it.
    pub updated_by: String,
    /// When (UTC).
    pub updated_at: NaiveDateTime,
    /// The framework.
    pub framework: Framework,
}

/// A unit's assessment of a year with its scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentView {
    /// The unit.
    pub unit: String,
    /// The year.
    pub year: i32,
    /// The unit's kind.
    pub unit_kind: String,
    /// `not_started`, `self_assessed` or `verified`.
    pub status: String,
    /// Version (the `ETag`); 0 before the first save.
    pub version: i64,
    /// The framework's version scored against.
    pub framework_version: i64,
    /// The unit's answers.
    pub answers: SelfAssessment,
    /// The coordinator's verification, once verified.
    pub verification: Option<Verification>,
    /// Points per criterion.
    pub criteria: Vec<CriterionScore>,
    /// Points and index per pillar.
    pub pillars: Vec<Subtotal>,
    /// Points and index overall.
    pub overall: Subtotal,
    /// Who self-assessed.
    pub self_assessed_by: Option<String>,
    /// When (UTC).
    pub self_assessed_at: Option<NaiveDateTime>,
    /// Who verified.
    pub verified_by: Option<String>,
    /// When (UTC).
    pub verified_at: Option<NaiveDateTime>,
}

/// Change since the previous year's scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// The previous year.
    pub previous_period: i32,
    /// Self-assessed index now minus then.
    pub self_index: Option<f64>,
    /// Verified index now minus then.
    pub verified_index: Option<f64>,
    /// Places gained in the verified ranking (positive: moved up).
    pub rank: Option<i64>,
}

/// One unit's line of the scores of a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitScore {
    /// The unit's code.
    pub unit: String,
    /// The unit's name.
    pub name: String,
    /// `not_started`, `self_assessed` or `verified`.
    pub status: String,
    /// Rank by verified points.
    pub rank: Option<u32>,
    /// Rank by self-assessed points.
    pub self_rank: Option<u32>,
    /// Per pillar (none when not started).
    pub pillars: Vec<Subtotal>,
    /// Overall (none when not started).
    pub overall: Option<Subtotal>,
    /// Change since the previous year, when both years have a score.
    pub change: Option<Change>,
}

/// The scores of a year and kind of unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreBoard {
    /// The year.
    pub year: i32,
    /// The kind of unit.
    pub unit_kind: String,
    /// The framework.
    pub framework: Framework,
    /// Per unit, by verified rank, then self rank, then code.
    pub units: Vec<UnitScore>,
}

/// A unit's score explained criterion by criterion, with its place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The unit's line of the scores.
    pub score: UnitScore,
    /// The assessment with every criterion's points.
    pub assessment: AssessmentView,
}

/// One pillar of a [`RankingRow`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingPillar {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Most points.
    pub max_points: f64,
    /// Points: verified when verified, self-assessed otherwise.
    pub points: f64,
    /// Index of those points, 0..1.
    pub index: f64,
}

/// One line of the DTI ranking table of a year (the `dti-ranking` export): plain values,
/// ready for a spreadsheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingRow {
    /// Stt: the line number, 1-based.
    pub stt: u32,
    /// Rank (ties share one); none for units not verified.
    pub rank: Option<u32>,
    /// Unit code.
    pub unit: String,
    /// Unit name (Tên đơn vị).
    pub unit_name: String,
    /// `not_started`, `self_assessed` or `verified`.
    pub status: String,
    /// Whether the points are verified (otherwise self-assessed, or none).
    pub verified: bool,
    /// Per pillar, in the framework's order.
    pub pillars: Vec<RankingPillar>,
    /// Total points.
    pub points: Option<f64>,
    /// Overall index, 0..1.
    pub index: Option<f64>,
}

fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(0).unwrap_or(t)
}

fn json_of<T: Serialize>(value: &T) -> Result<Value, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, ServiceError> {
    serde_json::from_str(text).map_err(|e| ServiceError::Internal(format!("stored {what}: {e}")))
}

fn check_version(expected: Option<i64>, current: i64) -> Result<(), ServiceError> {
    match expected {
        Some(v) if v != current => Err(ServiceError::PreconditionFailed),
        _ => Ok(()),
    }
}

fn unique_violation_as_stale(e: DieselError) -> ServiceError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            ServiceError::PreconditionFailed
        }
        other => ServiceError::from(other),
    }
}

fn framework_view(conn: &mut DbConn, row: &DtiFrameworkRow) -> Result<FrameworkView, ServiceError> {
    Ok(FrameworkView {
        year: row.year,
        unit_kind: row.unit_kind.clone(),
        version: row.version,
        max_points: row.max_points,
        in_use: repo::dti::assessments_of_framework(conn, row.id)? > 0,
        updated_by: row.updated_by.clone(),
        updated_at: row.updated_at,
        framework: parse_json(&row.definition_json, "framework")?,
    })
}

/// The framework of a year and kind of unit.
pub fn get_framework(store: &Store, year: i32, kind: &str) -> Result<FrameworkView, ServiceError> {
    store.read(|conn| {
        let row = repo::dti::framework(conn, year, kind)?.ok_or(ServiceError::NotFound {
            entity: "framework",
        })?;
        framework_view(conn, &row)
    })
}

/// Creates or replaces the framework of a year and kind of unit; returns it and whether it
/// was created. Refused once units have self-assessed against it (see the module doc).
pub fn put_framework(
    store: &Store,
    actor: &Actor,
    year: i32,
    kind: &str,
    expected: Option<i64>,
    mut framework: Framework,
) -> Result<(FrameworkView, bool), ServiceError> {
    framework.normalise();
    framework.validate().map_err(ServiceError::Validation)?;
    store.transaction(|conn| put_framework_in(conn, actor, year, kind, expected, &framework))
}

/// [`put_framework`] inside the caller's transaction (the demo loader uses it).
pub fn put_framework_in(
    conn: &mut DbConn,
    actor: &Actor,
    year: i32,
    kind: &str,
    expected: Option<i64>,
    framework: &Framework,
) -> Result<(FrameworkView, bool), ServiceError> {
    let now = now();
    let definition = json_of(framework)?;
    let existing = repo::dti::framework(conn, year, kind)?;
    check_version(expected, existing.as_ref().map_or(0, |r| r.version))?;
    let (row, created) = match &existing {
        Some(old) => {
            if repo::dti::assessments_of_framework(conn, old.id)? > 0 {
                return Err(ServiceError::Conflict {
                    code: "dti_framework_in_use",
                });
            }
            let row = DtiFrameworkRow {
                version: old.version + 1,
                title: framework.title.clone(),
                max_points: framework.total_points(),
                definition_json: definition.to_string(),
                updated_by: actor.id.clone(),
                updated_at: now,
                ..old.clone()
            };
            if !repo::dti::update_framework_if_version(conn, &row, old.version)? {
                return Err(ServiceError::PreconditionFailed);
            }
            (row, false)
        }
        None => {
            let row = DtiFrameworkRow {
                id: 0,
                year,
                unit_kind: kind.to_owned(),
                version: 1,
                title: framework.title.clone(),
                max_points: framework.total_points(),
                definition_json: definition.to_string(),
                updated_by: actor.id.clone(),
                created_at: now,
                updated_at: now,
            };
            let row = repo::dti::insert_framework(conn, &row).map_err(unique_violation_as_stale)?;
            (row, true)
        }
    };
    let before = existing
        .as_ref()
        .map(|r| parse_json::<Value>(&r.definition_json, "framework"))
        .transpose()?;
    audit::record(
        conn,
        actor,
        if created {
            "dti_framework.create"
        } else {
            "dti_framework.replace"
        },
        "dti_framework",
        &format!("{year}/{kind}"),
        before.as_ref(),
        Some(&definition),
    )?;
    Ok((framework_view(conn, &row)?, created))
}

/// A unit's kind, for DTI: only departments and communes are scored.
fn dti_kind(conn: &mut DbConn, unit: &UnitCode) -> Result<String, ServiceError> {
    let kind = repo::units::find_by_code(conn, unit.as_str())?
        .map(|u| u.kind)
        .ok_or(ServiceError::NotFound { entity: "unit" })?;
    if dtihub_domain::dti::UNIT_KINDS.contains(&kind.as_str()) {
        Ok(kind)
    } else {
        Err(ServiceError::NotFound {
            entity: "framework",
        })
    }
}

fn unit_facts(conn: &mut DbConn, unit: &str, year: i32) -> Result<ReportFacts, ServiceError> {
    let (submitted, on_time) = repo::dti::report_counts_of_unit(conn, year, unit)?;
    Ok(ReportFacts {
        submitted: u32::try_from(submitted).unwrap_or(u32::MAX),
        on_time: u32::try_from(on_time).unwrap_or(u32::MAX),
    })
}

fn assessment_view(
    unit: &str,
    year: i32,
    kind: &str,
    framework: &Framework,
    framework_version: i64,
    row: Option<&DtiAssessmentRow>,
    facts: ReportFacts,
) -> Result<AssessmentView, ServiceError> {
    let answers: SelfAssessment = match row {
        Some(r) => parse_json(&r.answers_json, "answers")?,
        None => SelfAssessment::default(),
    };
    let verification: Option<Verification> = row
        .and_then(|r| r.verification_json.as_deref())
        .map(|t| parse_json(t, "verification"))
        .transpose()?;
    // A unit that filed nothing has no points, not even from its reports.
    let criteria = match row {
        Some(_) => score_criteria(framework, &answers, verification.as_ref(), facts),
        None => score_criteria(framework, &answers, None, ReportFacts::default()),
    };
    let pillars = pillar_subtotals(framework, &criteria);
    let overall = overall(framework, &pillars);
    Ok(AssessmentView {
        unit: unit.to_owned(),
        year,
        unit_kind: kind.to_owned(),
        status: row.map_or_else(|| "not_started".to_owned(), |r| r.status.clone()),
        version: row.map_or(0, |r| r.version),
        framework_version,
        answers,
        verification,
        criteria,
        pillars,
        overall,
        self_assessed_by: row.map(|r| r.self_assessed_by.clone()),
        self_assessed_at: row.map(|r| r.self_assessed_at),
        verified_by: row.and_then(|r| r.verified_by.clone()),
        verified_at: row.and_then(|r| r.verified_at),
    })
}

fn load_framework(
    conn: &mut DbConn,
    year: i32,
    kind: &str,
) -> Result<Option<(DtiFrameworkRow, Framework)>, ServiceError> {
    repo::dti::framework(conn, year, kind)?
        .map(|row| {
            let f = parse_json(&row.definition_json, "framework")?;
            Ok((row, f))
        })
        .transpose()
}

fn assessment_in(
    conn: &mut DbConn,
    unit: &UnitCode,
    year: i32,
) -> Result<AssessmentView, ServiceError> {
    let kind = dti_kind(conn, unit)?;
    let (frow, framework) = load_framework(conn, year, &kind)?.ok_or(ServiceError::NotFound {
        entity: "framework",
    })?;
    let row = repo::dti::assessment(conn, unit.as_str(), year)?;
    let facts = unit_facts(conn, unit.as_str(), year)?;
    assessment_view(
        unit.as_str(),
        year,
        &kind,
        &framework,
        frow.version,
        row.as_ref(),
        facts,
    )
}

/// A unit's self-assessment of a year, with its scores (a blank one, version 0, before the
/// first save). 404 when the unit does not exist or no framework covers its kind that year.
pub fn get_assessment(
    store: &Store,
    unit: &UnitCode,
    year: i32,
) -> Result<AssessmentView, ServiceError> {
    store.read(|conn| assessment_in(conn, unit, year))
}

fn score_rows(
    assessment: &DtiAssessmentRow,
    scores: &[CriterionScore],
    framework: &Framework,
) -> Vec<DtiCriterionScoreRow> {
    scores
        .iter()
        .filter(|s| {
            framework
                .criterion(&s.code)
                .is_some_and(|(_, c)| c.rule.as_ref().is_some_and(Rule::is_answered))
        })
        .map(|s| DtiCriterionScoreRow {
            assessment_id: assessment.id,
            criterion_code: s.code.clone(),
            unit_code: assessment.unit_code.clone(),
            year: assessment.year,
            unit_kind: assessment.unit_kind.clone(),
            pillar_code: s.pillar.clone(),
            self_points: s.self_points,
            verified_points: s.verified_points,
        })
        .collect()
}

/// Saves a unit's self-assessment (whole replace). `expected` is the version the caller read
/// (0 before the first save). Refused once verified (409 `dti_already_verified`), and when
/// no framework covers the unit's kind that year (409 `dti_framework_missing`).
pub fn save_self_assessment(
    store: &Store,
    actor: &Actor,
    unit: &UnitCode,
    year: i32,
    expected: Option<i64>,
    mut answers: SelfAssessment,
) -> Result<AssessmentView, ServiceError> {
    answers.normalise();
    store.transaction(|conn| save_self_assessment_in(conn, actor, unit, year, expected, &answers))
}

/// [`save_self_assessment`] inside the caller's transaction (the demo loader uses it).
pub fn save_self_assessment_in(
    conn: &mut DbConn,
    actor: &Actor,
    unit: &UnitCode,
    year: i32,
    expected: Option<i64>,
    answers: &SelfAssessment,
) -> Result<AssessmentView, ServiceError> {
    let kind = dti_kind(conn, unit)?;
    let existing = repo::dti::assessment(conn, unit.as_str(), year)?;
    check_version(expected, existing.as_ref().map_or(0, |r| r.version))?;
    let (frow, framework) = load_framework(conn, year, &kind)?.ok_or(ServiceError::Conflict {
        code: "dti_framework_missing",
    })?;
    if existing.as_ref().is_some_and(|r| r.status == "verified") {
        return Err(ServiceError::Conflict {
            code: "dti_already_verified",
        });
    }
    answers
        .validate(&framework)
        .map_err(ServiceError::Validation)?;
    let now = now();
    let answers_json = json_of(answers)?;
    let row = match &existing {
        Some(old) => {
            let row = DtiAssessmentRow {
                version: old.version + 1,
                answers_json: answers_json.to_string(),
                self_assessed_by: actor.id.clone(),
                self_assessed_at: now,
                updated_at: now,
                ..old.clone()
            };
            if !repo::dti::update_assessment_if_version(conn, &row, old.version)? {
                return Err(ServiceError::PreconditionFailed);
            }
            row
        }
        None => repo::dti::insert_assessment(
            conn,
            &DtiAssessmentRow {
                id: 0,
                unit_code: unit.to_string(),
                year,
                unit_kind: kind.clone(),
                framework_id: frow.id,
                status: "self_assessed".into(),
                version: 1,
                answers_json: answers_json.to_string(),
                verification_json: None,
                self_assessed_by: actor.id.clone(),
                self_assessed_at: now,
                verified_by: None,
                verified_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(unique_violation_as_stale)?,
    };
    let facts = unit_facts(conn, unit.as_str(), year)?;
    let view = assessment_view(
        unit.as_str(),
        year,
        &kind,
        &framework,
        frow.version,
        Some(&row),
        facts,
    )?;
    repo::dti::replace_scores(conn, row.id, &score_rows(&row, &view.criteria, &framework))?;
    let before = existing
        .as_ref()
        .map(|r| parse_json::<Value>(&r.answers_json, "answers"))
        .transpose()?;
    audit::record(
        conn,
        actor,
        "dti.self_assess",
        "dti_assessment",
        &format!("{unit}/{year}"),
        before.as_ref(),
        Some(&answers_json),
    )?;
    Ok(view)
}

/// Records the coordinator's verification (whole replace; criteria not listed are confirmed
/// at their self-assessed points). Needs a self-assessment (409 `dti_not_self_assessed`).
pub fn verify(
    store: &Store,
    actor: &Actor,
    unit: &UnitCode,
    year: i32,
    expected: Option<i64>,
    mut verification: Verification,
) -> Result<AssessmentView, ServiceError> {
    verification.normalise();
    store.transaction(|conn| verify_in(conn, actor, unit, year, expected, &verification))
}

/// [`verify`] inside the caller's transaction (the demo loader uses it).
pub fn verify_in(
    conn: &mut DbConn,
    actor: &Actor,
    unit: &UnitCode,
    year: i32,
    expected: Option<i64>,
    verification: &Verification,
) -> Result<AssessmentView, ServiceError> {
    let kind = dti_kind(conn, unit)?;
    let existing = repo::dti::assessment(conn, unit.as_str(), year)?;
    check_version(expected, existing.as_ref().map_or(0, |r| r.version))?;
    let Some(old) = existing else {
        return Err(ServiceError::Conflict {
            code: "dti_not_self_assessed",
        });
    };
    let (frow, framework) = load_framework(conn, year, &kind)?.ok_or(ServiceError::Conflict {
        code: "dti_framework_missing",
    })?;
    let answers: SelfAssessment = parse_json(&old.answers_json, "answers")?;
    verification
        .validate(&framework, &answers)
        .map_err(ServiceError::Validation)?;
    let now = now();
    let verification_json = json_of(verification)?;
    let row = DtiAssessmentRow {
        status: "verified".into(),
        version: old.version + 1,
        verification_json: Some(verification_json.to_string()),
        verified_by: Some(actor.id.clone()),
        verified_at: Some(now),
        updated_at: now,
        ..old.clone()
    };
    if !repo::dti::update_assessment_if_version(conn, &row, old.version)? {
        return Err(ServiceError::PreconditionFailed);
    }
    let facts = unit_facts(conn, unit.as_str(), year)?;
    let view = assessment_view(
        unit.as_str(),
        year,
        &kind,
        &framework,
        frow.version,
        Some(&row),
        facts,
    )?;
    repo::dti::replace_scores(conn, row.id, &score_rows(&row, &view.criteria, &framework))?;
    let before = old
        .verification_json
        .as_deref()
        .map(|t| parse_json::<Value>(t, "verification"))
        .transpose()?;
    audit::record(
        conn,
        actor,
        "dti.verify",
        "dti_assessment",
        &format!("{unit}/{year}"),
        before.as_ref(),
        Some(&verification_json),
    )?;
    Ok(view)
}

/// The scores of a year without the change since the year before.
fn board_of_year(
    conn: &mut DbConn,
    year: i32,
    kind: &str,
) -> Result<Option<ScoreBoard>, ServiceError> {
    let Some((_, framework)) = load_framework(conn, year, kind)? else {
        return Ok(None);
    };
    let units = repo::dti::units_of_year(conn, year, kind)?;
    let statuses: HashMap<String, String> = repo::dti::assessments_of_year(conn, year, kind)?
        .into_iter()
        .collect();
    let mut stored: HashMap<(String, String), (f64, Option<f64>)> = HashMap::new();
    for (unit, pillar, s, v) in repo::dti::pillar_points(conn, year, kind)? {
        stored.insert((unit, pillar), (s.unwrap_or(0.0), v));
    }
    let facts: HashMap<String, ReportFacts> = repo::dti::report_counts(conn, year, kind)?
        .into_iter()
        .map(|(u, s, o)| {
            let f = ReportFacts {
                submitted: u32::try_from(s).unwrap_or(u32::MAX),
                on_time: u32::try_from(o).unwrap_or(u32::MAX),
            };
            (u, f)
        })
        .collect();
    // Every unit in force in the year, and any that assessed though no longer listed.
    let mut lines: Vec<(String, String)> = units;
    for unit in statuses.keys() {
        if !lines.iter().any(|(u, _)| u == unit) {
            lines.push((unit.clone(), unit.clone()));
        }
    }
    let mut out: Vec<UnitScore> = lines
        .into_iter()
        .map(|(unit, name)| {
            let Some(status) = statuses.get(&unit).cloned() else {
                return UnitScore {
                    unit,
                    name,
                    status: "not_started".into(),
                    rank: None,
                    self_rank: None,
                    pillars: Vec::new(),
                    overall: None,
                    change: None,
                };
            };
            let verified = status == "verified";
            let unit_facts = facts.get(&unit).copied().unwrap_or_default();
            let pillars: Vec<Subtotal> = framework
                .pillars
                .iter()
                .map(|p| {
                    let (mut s, v) = stored
                        .get(&(unit.clone(), p.code.clone()))
                        .copied()
                        .unwrap_or((0.0, None));
                    let mut v = v.unwrap_or(0.0);
                    for c in &p.criteria {
                        if let Some(Rule::ReportFact {
                            fact,
                            expected_reports,
                        }) = &c.rule
                        {
                            let x = fact_points(c.max_points, *fact, *expected_reports, unit_facts);
                            s += x;
                            v += x;
                        }
                    }
                    subtotal(&p.code, p.max_points, s, verified.then_some(v))
                })
                .collect();
            let all = overall(&framework, &pillars);
            UnitScore {
                unit,
                name,
                status,
                rank: None,
                self_rank: None,
                pillars,
                overall: Some(all),
                change: None,
            }
        })
        .collect();
    let verified: Vec<Option<f64>> = out
        .iter()
        .map(|u| u.overall.as_ref().and_then(|o| o.verified_points))
        .collect();
    let own: Vec<Option<f64>> = out
        .iter()
        .map(|u| u.overall.as_ref().map(|o| o.self_points))
        .collect();
    for ((line, r), s) in out
        .iter_mut()
        .zip(scoring::rank(&verified))
        .zip(scoring::rank(&own))
    {
        line.rank = r;
        line.self_rank = s;
    }
    out.sort_by(|a, b| {
        let key = |u: &UnitScore| (u.rank.unwrap_or(u32::MAX), u.self_rank.unwrap_or(u32::MAX));
        key(a).cmp(&key(b)).then_with(|| a.unit.cmp(&b.unit))
    });
    Ok(Some(ScoreBoard {
        year,
        unit_kind: kind.to_owned(),
        framework,
        units: out,
    }))
}

fn board_in(conn: &mut DbConn, year: i32, kind: &str) -> Result<ScoreBoard, ServiceError> {
    let mut board = board_of_year(conn, year, kind)?.ok_or(ServiceError::NotFound {
        entity: "framework",
    })?;
    if let Some(previous) = board_of_year(conn, year - 1, kind)? {
        let before: HashMap<&str, &UnitScore> = previous
            .units
            .iter()
            .map(|u| (u.unit.as_str(), u))
            .collect();
        for line in &mut board.units {
            let (Some(now), Some(then)) = (
                line.overall.as_ref(),
                before
                    .get(line.unit.as_str())
                    .and_then(|u| u.overall.as_ref().map(|o| (u, o))),
            ) else {
                continue;
            };
            let (prev_line, prev) = then;
            let diff = |a: Option<f64>, b: Option<f64>| {
                a.zip(b)
                    .map(|(a, b)| dtihub_domain::dti::framework::round_to(a - b, 4))
            };
            line.change = Some(Change {
                previous_period: year - 1,
                self_index: diff(Some(now.self_index), Some(prev.self_index)),
                verified_index: diff(now.verified_index, prev.verified_index),
                rank: line
                    .rank
                    .zip(prev_line.rank)
                    .map(|(a, b)| i64::from(b) - i64::from(a)),
            });
        }
    }
    Ok(board)
}

/// The scores of every unit of a kind for a year, ranked, with the change since the year
/// before. 404 when no framework covers that year and kind.
pub fn scores(store: &Store, year: i32, kind: &str) -> Result<ScoreBoard, ServiceError> {
    store.read(|conn| board_in(conn, year, kind))
}

/// A unit's score explained criterion by criterion, with its line of the ranking.
pub fn explain(store: &Store, unit: &UnitCode, year: i32) -> Result<Explanation, ServiceError> {
    store.read(|conn| {
        let assessment = assessment_in(conn, unit, year)?;
        let board = board_in(conn, year, &assessment.unit_kind)?;
        let score = board
            .units
            .into_iter()
            .find(|u| u.unit == unit.as_str())
            .ok_or(ServiceError::NotFound { entity: "unit" })?;
        Ok(Explanation { score, assessment })
    })
}

/// The ranking table of a year and kind of unit, one plain row per unit in ranking order:
/// what a `dti-ranking` XLSX/CSV export prints (Stt, Hạng, Tên đơn vị, points and index per
/// pillar, total, index). Points are the verified ones where verified, self-assessed
/// otherwise (`verified` says which); units that filed nothing have none.
pub fn ranking_rows(store: &Store, year: i32, kind: &str) -> Result<Vec<RankingRow>, ServiceError> {
    let board = scores(store, year, kind)?;
    let names: HashMap<&str, &str> = board
        .framework
        .pillars
        .iter()
        .map(|p| (p.code.as_str(), p.name.as_str()))
        .collect();
    let mut rows = Vec::with_capacity(board.units.len());
    for (i, u) in board.units.iter().enumerate() {
        let verified = u.status == "verified";
        let pick = |s: &Subtotal| {
            if verified {
                (
                    s.verified_points.unwrap_or(s.self_points),
                    s.verified_index.unwrap_or(s.self_index),
                )
            } else {
                (s.self_points, s.self_index)
            }
        };
        rows.push(RankingRow {
            stt: u32::try_from(i + 1).unwrap_or(u32::MAX),
            rank: u.rank,
            unit: u.unit.clone(),
            unit_name: u.name.clone(),
            status: u.status.clone(),
            verified,
            pillars: u
                .pillars
                .iter()
                .map(|p| {
                    let (points, index) = pick(p);
                    RankingPillar {
                        code: p.code.clone(),
                        name: names
                            .get(p.code.as_str())
                            .copied()
                            .unwrap_or_default()
                            .to_owned(),
                        max_points: p.max_points,
                        points,
                        index,
                    }
                })
                .collect(),
            points: u.overall.as_ref().map(|o| pick(o).0),
            index: u.overall.as_ref().map(|o| pick(o).1),
        });
    }
    Ok(rows)
}
