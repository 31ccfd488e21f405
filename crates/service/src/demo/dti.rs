//! Demo DTI data: the 2025 frameworks for departments and communes (built on the 2025 plan's
//! pillars and targets, on the model of Quyết định 1397/QĐ-UBND-HC), the same frameworks for
//! 2024 so that changes show, and self-assessments of a few units, some verified. The answers
//! are illustrative, derived deterministically from a level of maturity per unit.

use dtihub_db::DbConn;
use dtihub_domain::dti::{
    Answer, Evidence, Framework, Level, Rule, SelfAssessment, Verification, VerifiedCriterion,
};
use dtihub_domain::unit::UnitCode;

use crate::dti;
use crate::error::ServiceError;
use crate::store::Actor;

const FRAMEWORKS_2025: &str = include_str!("dti/frameworks_2025.json");

/// A demo assessment: unit, year, maturity (0..1), and the coordinator's reduction of one
/// criterion when verified (criterion, points, reason).
type DemoAssessment = (
    &'static str,
    i32,
    f64,
    Option<(&'static str, f64, &'static str)>,
    bool,
);

/// The demo assessments; XA-MY-QUI and SO-KHCN file none, XA-TRAM-CHIM (the demo accounts'
/// commune) is self-assessed and awaits verification.
pub const DEMO_ASSESSMENTS: [DemoAssessment; 11] = [
    ("SO-NOI-VU", 2024, 0.62, None, true),
    ("SO-TAI-CHINH", 2024, 0.7, None, true),
    ("XA-TAN-HONG", 2024, 0.5, None, true),
    ("XA-AN-PHUOC", 2024, 0.66, None, true),
    (
        "SO-NOI-VU",
        2025,
        0.86,
        Some(("NT-1", 15.0, "Kế hoạch ban hành ngày 15/4/2025, sau thời hạn 31/3/2025.")),
        true,
    ),
    ("SO-TAI-CHINH", 2025, 0.74, None, true),
    ("CONG-AN-TINH", 2025, 0.9, None, false),
    ("VP-UBND-TINH", 2025, 0.74, None, true),
    ("XA-TAN-HONG", 2025, 0.58, None, true),
    (
        "XA-AN-PHUOC",
        2025,
        0.81,
        Some((
            "CQ-2",
            90.0,
            "Số liệu hồ sơ toàn trình trên Hệ thống giải quyết TTHC của tỉnh là 60%, không phải 75% như tự đánh giá.",
        )),
        true,
    ),
    ("XA-TRAM-CHIM", 2025, 0.77, None, false),
];

fn evidence(unit: &str, year: i32, code: &str) -> Evidence {
    Evidence {
        number: Some(format!("{}/KH-{unit}", 10 + code.len())),
        name: Some(format!("Văn bản minh chứng tiêu chí {code} (demo)")),
        date: chrono::NaiveDate::from_ymd_opt(year, 3, 15),
        summary: Some(format!(
            "Minh chứng cho tiêu chí {code} năm {year} (số liệu minh hoạ)."
        )),
    }
}

/// Answers of a unit at maturity `m`: each criterion a little above or below it.
fn answers(framework: &Framework, unit: &str, year: i32, m: f64) -> SelfAssessment {
    let mut out = SelfAssessment::default();
    for (i, (_, c)) in framework.criteria().enumerate() {
        // A deterministic wobble of ±0.15 around the unit's maturity.
        let wobble = (f64::from(u8::try_from(i % 7).unwrap_or(0)) - 3.0) * 0.05;
        let x = (m + wobble).clamp(0.0, 1.0);
        let mut a = Answer {
            criterion: c.code.clone(),
            ..Answer::default()
        };
        match &c.rule {
            Some(Rule::Levels { .. }) => {
                a.level = Some(if x >= 0.75 {
                    Level::Full
                } else if x >= 0.45 {
                    Level::Half
                } else {
                    Level::Zero
                });
            }
            Some(Rule::Boolean { .. }) => a.met = Some(x >= 0.5),
            Some(Rule::Ratio { .. }) => {
                let total = 40.0 + 10.0 * f64::from(u8::try_from(i % 5).unwrap_or(0));
                a.numerator = Some((x * total).round());
                a.denominator = Some(total);
            }
            Some(Rule::LinearToTarget { target, .. }) => {
                a.value = Some((x * target * 10.0).round() / 10.0);
            }
            _ => continue,
        }
        if c.evidence_required {
            a.evidence = Some(evidence(unit, year, &c.code));
        }
        a.note = Some("Số liệu minh hoạ (demo)".into());
        out.answers.push(a);
    }
    out
}

/// Loads the demo frameworks and assessments inside the caller's transaction; returns how
/// many assessments were loaded. Skipped when any framework exists.
pub fn seed_dti_in(conn: &mut DbConn, actor: &Actor) -> Result<usize, ServiceError> {
    let bad = |e: &dyn std::fmt::Display| ServiceError::Internal(format!("demo dti: {e}"));
    if dtihub_db::repo::dti::framework(conn, 2025, "commune")?.is_some() {
        return Ok(0);
    }
    let all: std::collections::BTreeMap<String, Framework> =
        serde_json::from_str(FRAMEWORKS_2025).map_err(|e| bad(&e))?;
    for (kind, framework) in &all {
        framework.validate().map_err(|e| bad(&format!("{e:?}")))?;
        let mut earlier = framework.clone();
        earlier.title = earlier.title.replace("2025", "2024");
        for p in &mut earlier.pillars {
            for c in &mut p.criteria {
                c.name = c.name.replace("2025", "2024");
            }
        }
        dti::put_framework_in(conn, actor, 2024, kind, None, &earlier)?;
        dti::put_framework_in(conn, actor, 2025, kind, None, framework)?;
    }
    let coordinator = Actor::system("seed-demo-verification");
    let mut loaded = 0;
    for (unit, year, maturity, reduction, verified) in DEMO_ASSESSMENTS {
        let code = UnitCode::parse(unit).map_err(|e| bad(&e))?;
        let kind = dtihub_db::repo::units::find_by_code(conn, unit)?
            .map(|u| u.kind)
            .ok_or_else(|| bad(&format!("unknown unit {unit}")))?;
        let framework = all.get(&kind).ok_or_else(|| bad(&kind))?;
        let a = answers(framework, unit, year, maturity);
        let saved = dti::save_self_assessment_in(conn, actor, &code, year, None, &a)?;
        if verified {
            let verification = Verification {
                criteria: reduction
                    .map(|(criterion, points, reason)| VerifiedCriterion {
                        criterion: criterion.into(),
                        points: Some(points),
                        reason: Some(reason.into()),
                    })
                    .into_iter()
                    .collect(),
                note: Some("Đã đối chiếu minh chứng (demo).".into()),
            };
            dti::verify_in(
                conn,
                &coordinator,
                &code,
                year,
                Some(saved.version),
                &verification,
            )?;
        }
        loaded += 1;
    }
    Ok(loaded)
}
