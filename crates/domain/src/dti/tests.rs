use chrono::NaiveDate;
use proptest::prelude::*;

use super::framework::{hundredths, round_points};
use super::scoring::{
    answer_points, fact_points, index_of, overall, pillar_subtotals, rank, score_criteria,
};
use super::*;

fn criterion(code: &str, max: f64, rule: Rule, evidence: bool) -> Criterion {
    Criterion {
        code: code.into(),
        name: format!("Tiêu chí {code}"),
        max_points: max,
        rule: Some(rule),
        evidence_required: evidence,
    }
}

fn sample() -> Framework {
    Framework {
        title: "Bộ chỉ số thử".into(),
        decision: Some("1397/QĐ-UBND-HC".into()),
        max_points: Some(100.0),
        pillars: vec![
            Pillar {
                code: "nhan_thuc_so".into(),
                name: "Nhận thức số".into(),
                max_points: 60.0,
                criteria: vec![
                    criterion(
                        "NT-1",
                        20.0,
                        Rule::Levels {
                            full: "Ban hành trong Quý I".into(),
                            half: "Ban hành sau Quý I".into(),
                        },
                        true,
                    ),
                    criterion(
                        "NT-2",
                        40.0,
                        Rule::Ratio {
                            numerator: None,
                            denominator: None,
                        },
                        false,
                    ),
                ],
            },
            Pillar {
                code: "chinh_quyen_so".into(),
                name: "Chính quyền số".into(),
                max_points: 40.0,
                criteria: vec![
                    criterion(
                        "CQ-1",
                        10.0,
                        Rule::Boolean {
                            condition: "Có".into(),
                        },
                        false,
                    ),
                    criterion(
                        "CQ-2",
                        20.0,
                        Rule::LinearToTarget {
                            target: 80.0,
                            indicator_code: None,
                        },
                        false,
                    ),
                    criterion(
                        "CQ-3",
                        10.0,
                        Rule::ReportFact {
                            fact: ReportFact::OnTimeReports,
                            expected_reports: 12,
                        },
                        false,
                    ),
                ],
            },
        ],
    }
}

fn evidence() -> Evidence {
    Evidence {
        number: Some("12/KH-UBND".into()),
        name: Some("Kế hoạch chuyển đổi số".into()),
        date: NaiveDate::from_ymd_opt(2025, 3, 1),
        summary: Some("Ban hành kế hoạch".into()),
    }
}

#[test]
fn a_sound_framework_passes() {
    assert_eq!(sample().validate(), Ok(()));
    assert!((sample().total_points() - 100.0).abs() < 1e-9);
}

#[test]
fn points_must_add_up_and_rules_be_well_formed() {
    let mut f = sample();
    f.pillars[0].max_points = 55.0;
    f.pillars[1].criteria[1].rule = Some(Rule::LinearToTarget {
        target: 0.0,
        indicator_code: None,
    });
    f.pillars[1].criteria[0].code = "NT-1".into();
    f.pillars[1].criteria[2].rule = None;
    let errors = f.validate().unwrap_err();
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.pointer.as_str(), e.code.as_str()))
        .collect();
    assert!(
        got.contains(&("/pillars/0/max_points", "points_do_not_add_up")),
        "{got:?}"
    );
    assert!(
        got.contains(&("/max_points", "points_do_not_add_up")),
        "{got:?}"
    );
    assert!(
        got.contains(&("/pillars/1/criteria/1/rule/target", "not_positive")),
        "{got:?}"
    );
    assert!(
        got.contains(&("/pillars/1/criteria/0/code", "duplicate")),
        "{got:?}"
    );
    assert!(
        got.contains(&("/pillars/1/criteria/2/rule", "required")),
        "{got:?}"
    );
}

#[test]
fn each_rule_scores_as_documented() {
    let f = sample();
    let (_, levels) = f.criterion("NT-1").unwrap();
    let (_, ratio) = f.criterion("NT-2").unwrap();
    let (_, boolean) = f.criterion("CQ-1").unwrap();
    let (_, linear) = f.criterion("CQ-2").unwrap();
    let half = Answer {
        criterion: "NT-1".into(),
        level: Some(Level::Half),
        ..Answer::default()
    };
    assert!((answer_points(levels, Some(&half)) - 10.0).abs() < 1e-9);
    let r = Answer {
        criterion: "NT-2".into(),
        numerator: Some(2.0),
        denominator: Some(3.0),
        ..Answer::default()
    };
    assert!((answer_points(ratio, Some(&r)) - 26.67).abs() < 1e-9);
    let yes = Answer {
        criterion: "CQ-1".into(),
        met: Some(true),
        ..Answer::default()
    };
    assert!((answer_points(boolean, Some(&yes)) - 10.0).abs() < 1e-9);
    let v = |x| Answer {
        criterion: "CQ-2".into(),
        value: Some(x),
        ..Answer::default()
    };
    assert!((answer_points(linear, Some(&v(60.0))) - 15.0).abs() < 1e-9);
    assert!((answer_points(linear, Some(&v(120.0))) - 20.0).abs() < 1e-9);
    assert_eq!(answer_points(linear, None), 0.0);
    let facts = ReportFacts {
        submitted: 10,
        on_time: 9,
    };
    assert!((fact_points(10.0, ReportFact::OnTimeReports, 12, facts) - 7.5).abs() < 1e-9);
    assert!((fact_points(10.0, ReportFact::SubmittedReports, 8, facts) - 10.0).abs() < 1e-9);
}

#[test]
fn evidence_is_required_only_when_points_are_claimed() {
    let f = sample();
    let claim = |e: Option<Evidence>, level| SelfAssessment {
        answers: vec![Answer {
            criterion: "NT-1".into(),
            level: Some(level),
            evidence: e,
            ..Answer::default()
        }],
    };
    let errors = claim(None, Level::Full).validate(&f).unwrap_err();
    assert_eq!(errors[0].pointer, "/answers/0/evidence");
    assert_eq!(errors[0].code, "evidence_required");
    let partial = Evidence {
        summary: None,
        ..evidence()
    };
    let errors = claim(Some(partial), Level::Half).validate(&f).unwrap_err();
    assert_eq!(errors[0].pointer, "/answers/0/evidence/summary");
    assert_eq!(claim(None, Level::Zero).validate(&f), Ok(()));
    assert_eq!(claim(Some(evidence()), Level::Full).validate(&f), Ok(()));
}

#[test]
fn answers_are_checked_against_the_rules() {
    let f = sample();
    let a = SelfAssessment {
        answers: vec![
            Answer {
                criterion: "NT-2".into(),
                numerator: Some(5.0),
                denominator: Some(4.0),
                ..Answer::default()
            },
            Answer {
                criterion: "CQ-3".into(),
                ..Answer::default()
            },
            Answer {
                criterion: "XX".into(),
                ..Answer::default()
            },
            Answer {
                criterion: "CQ-1".into(),
                ..Answer::default()
            },
        ],
    };
    let errors = a.validate(&f).unwrap_err();
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.pointer.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/answers/0/numerator", "numerator_exceeds_denominator"),
            ("/answers/1/criterion", "computed_criterion"),
            ("/answers/2/criterion", "unknown_criterion"),
            ("/answers/3/met", "required"),
        ]
    );
}

#[test]
fn verification_keeps_both_scores_and_needs_reasons() {
    let f = sample();
    let a = SelfAssessment {
        answers: vec![
            Answer {
                criterion: "NT-1".into(),
                level: Some(Level::Full),
                evidence: Some(evidence()),
                ..Answer::default()
            },
            Answer {
                criterion: "CQ-1".into(),
                met: Some(true),
                ..Answer::default()
            },
        ],
    };
    let no_reason = Verification {
        criteria: vec![VerifiedCriterion {
            criterion: "NT-1".into(),
            points: Some(10.0),
            reason: None,
        }],
        note: None,
    };
    let errors = no_reason.validate(&f, &a).unwrap_err();
    assert_eq!(errors[0].pointer, "/criteria/0/reason");
    let v = Verification {
        criteria: vec![VerifiedCriterion {
            criterion: "NT-1".into(),
            points: Some(10.0),
            reason: Some("Ban hành sau Quý I".into()),
        }],
        note: None,
    };
    assert_eq!(v.validate(&f, &a), Ok(()));
    let facts = ReportFacts {
        submitted: 12,
        on_time: 6,
    };
    let scores = score_criteria(&f, &a, Some(&v), facts);
    let pillars = pillar_subtotals(&f, &scores);
    let all = overall(&f, &pillars);
    assert!((pillars[0].self_points - 20.0).abs() < 1e-9);
    assert_eq!(pillars[0].verified_points, Some(10.0));
    // 10 (boolean) + 0 (linear, unanswered) + 5 (6 of 12 on time).
    assert!((pillars[1].self_points - 15.0).abs() < 1e-9);
    assert!((all.self_points - 35.0).abs() < 1e-9);
    assert_eq!(all.verified_points, Some(25.0));
    assert_eq!(all.verified_index, Some(0.25));
    let unverified = score_criteria(&f, &a, None, facts);
    assert!(overall(&f, &pillar_subtotals(&f, &unverified))
        .verified_points
        .is_none());
}

#[test]
fn ranks_share_ties_and_skip() {
    let r = rank(&[Some(80.0), Some(90.5), None, Some(80.004), Some(70.0)]);
    assert_eq!(r, vec![Some(2), Some(1), None, Some(2), Some(4)]);
}

fn any_rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        Just(Rule::Ratio {
            numerator: None,
            denominator: None
        }),
        Just(Rule::Levels {
            full: "đủ".into(),
            half: "một nửa".into()
        }),
        (1.0f64..1000.0).prop_map(|t| Rule::LinearToTarget {
            target: t,
            indicator_code: None
        }),
        Just(Rule::Boolean {
            condition: "có".into()
        }),
    ]
}

/// An answer whose value is `x` in the rule's own terms (a ratio's numerator of 1000, a
/// level, a flag, an indicator's value).
fn answer_at(rule: &Rule, x: f64) -> Answer {
    let mut a = Answer {
        criterion: "C".into(),
        ..Answer::default()
    };
    match rule {
        Rule::Ratio { .. } => {
            a.numerator = Some(x.min(1000.0));
            a.denominator = Some(1000.0);
        }
        Rule::Levels { .. } => {
            a.level = Some(if x >= 666.0 {
                Level::Full
            } else if x >= 333.0 {
                Level::Half
            } else {
                Level::Zero
            });
        }
        Rule::Boolean { .. } => a.met = Some(x >= 500.0),
        _ => a.value = Some(x),
    }
    a
}

proptest! {
    #[test]
    fn points_are_bounded_and_monotone_in_the_value(
        rule in any_rule(),
        max in 0.25f64..200.0,
        x in 0.0f64..2000.0,
        dx in 0.0f64..2000.0,
    ) {
        let c = criterion("C", max, rule.clone(), false);
        let low = answer_points(&c, Some(&answer_at(&rule, x)));
        let high = answer_points(&c, Some(&answer_at(&rule, x + dx)));
        prop_assert!(low >= 0.0);
        prop_assert!(hundredths(high) <= hundredths(round_points(max)));
        prop_assert!(high >= low, "{high} < {low}");
    }

    #[test]
    fn the_index_stays_within_0_and_1(points in -10.0f64..2000.0, max in 0.01f64..1000.0) {
        let i = index_of(points, max);
        prop_assert!((0.0..=1.0).contains(&i));
    }

    #[test]
    fn fact_points_are_bounded_and_monotone(
        expected in 1u32..50,
        a in 0u32..60,
        b in 0u32..60,
        max in 0.5f64..100.0,
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let p = |n| fact_points(max, ReportFact::OnTimeReports, expected,
            ReportFacts { submitted: n, on_time: n });
        prop_assert!(p(lo) <= p(hi));
        prop_assert!(p(hi) <= round_points(max) + 1e-9);
        prop_assert!(p(lo) >= 0.0);
    }

    #[test]
    fn ranks_follow_the_points(points in proptest::collection::vec(proptest::option::of(0.0f64..100.0), 0..30)) {
        let ranks = rank(&points);
        for (i, p) in points.iter().enumerate() {
            prop_assert_eq!(p.is_some(), ranks[i].is_some());
            for (j, q) in points.iter().enumerate() {
                if let (Some(p), Some(q)) = (p, q) {
                    if hundredths(*p) > hundredths(*q) {
                        prop_assert!(ranks[i] < ranks[j]);
                    }
                    if hundredths(*p) == hundredths(*q) {
                        prop_assert_eq!(ranks[i], ranks[j]);
                    }
                }
            }
        }
    }
}
