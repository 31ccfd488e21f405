//! Evaluation of an indicator's result against its target: the hub's **suggested assessment**,
//! shown beside the coordinator's official one (a human judgement the hub never overrides).
//!
//! The rule, per direction and measure:
//!
//! - **Numbers** (`percent`, `count`, `money`) need a numeric result and a numeric target;
//!   otherwise the result is `not_assessable`. Two numbers closer than [`TOLERANCE`] are equal
//!   (results are printed with at most two decimals).
//!   - `at_least`: above the target → `exceeded`; equal → `met`; below → `not_met`.
//!   - `at_most`: below the target → `exceeded`; equal → `met`; above → `not_met`.
//!   - `exactly`: equal → `met`; otherwise `not_met` (there is no exceeding an exact target).
//! - **Yes/no and milestones** (`boolean`, `milestone`): the number, if any, counts as for
//!   `exactly` against a numeric target (or as reached when positive without one); otherwise
//!   the text decides: an affirmative result ("Có", "Đã ban hành", "Đã vận hành", "Hoàn
//!   thành", "Đạt") → `met`; a negative one ("Chưa thực hiện", "Không", "Chưa đạt") →
//!   `not_met`; anything else → `not_assessable`. Text results of numeric measures ("19 sở,
//!   ngành tỉnh; 6 huyện") are `not_assessable`: no rule reads them.
//!
//! The 2023 documents show why both are kept: 74,51% against "Trên 60%" is suggested
//! `exceeded`; the province assessed it `met`.

use serde::{Deserialize, Serialize};

use crate::catalog::indicator::{Direction, Measure};
use crate::text::fold;

/// Two results closer than this are the same figure.
pub const TOLERANCE: f64 = 0.005;

/// An assessment of a result against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Vượt: beyond the target.
    Exceeded,
    /// Đạt: the target reached.
    Met,
    /// Chưa đạt: the target not reached.
    NotMet,
    /// No rule can tell (a text result, or no numeric target).
    NotAssessable,
}

impl Assessment {
    /// The official assessments a coordinator may record.
    pub const OFFICIAL: [Assessment; 3] =
        [Assessment::Exceeded, Assessment::Met, Assessment::NotMet];

    /// The wire and stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Exceeded => "exceeded",
            Assessment::Met => "met",
            Assessment::NotMet => "not_met",
            Assessment::NotAssessable => "not_assessable",
        }
    }

    /// As the documents print it (Vượt, Đạt, Chưa đạt).
    pub fn printed(self) -> &'static str {
        match self {
            Assessment::Exceeded => "Vượt",
            Assessment::Met => "Đạt",
            Assessment::NotMet => "Chưa đạt",
            Assessment::NotAssessable => "",
        }
    }

    /// Parses one of the three official assessments.
    pub fn parse_official(text: &str) -> Option<Self> {
        Self::OFFICIAL.into_iter().find(|a| a.as_str() == text)
    }

    /// Whether the target counts as achieved (exceeded or met).
    pub fn achieved(self) -> bool {
        matches!(self, Assessment::Exceeded | Assessment::Met)
    }
}

/// A result as reported: a number, a text, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Result<'a> {
    /// The number, when the result is one.
    pub value: Option<f64>,
    /// The text as printed ("Có", "Đã vận hành").
    pub text: Option<&'a str>,
}

/// A target: the number, when the target is one.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Target {
    /// The numeric target.
    pub value: Option<f64>,
}

fn compare(actual: f64, target: f64) -> std::cmp::Ordering {
    if (actual - target).abs() < TOLERANCE {
        std::cmp::Ordering::Equal
    } else if actual > target {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Less
    }
}

fn numeric(direction: Direction, actual: f64, target: f64) -> Assessment {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (direction, compare(actual, target)) {
        (_, Equal) => Assessment::Met,
        (Direction::AtLeast, Greater) | (Direction::AtMost, Less) => Assessment::Exceeded,
        (Direction::AtLeast, Less) | (Direction::AtMost, Greater) | (Direction::Exactly, _) => {
            Assessment::NotMet
        }
    }
}

const NEGATIVE: [&str; 4] = ["chua", "khong", "not", "no"];
const AFFIRMATIVE: [&str; 6] = ["co", "da", "hoan thanh", "dat", "yes", "xong"];

/// Reads a yes/no or milestone text: `Some(true)` affirmative ("Có", "Đã …"), `Some(false)`
/// negative ("Chưa …", "Không"), `None` when it says neither.
pub fn text_outcome(text: &str) -> Option<bool> {
    let folded = fold(text);
    let starts = |word: &str| {
        folded == word
            || folded
                .strip_prefix(word)
                .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric()))
    };
    // Negatives first: "chưa đạt" must not read as "đạt".
    if NEGATIVE.iter().any(|w| starts(w)) {
        return Some(false);
    }
    if AFFIRMATIVE.iter().any(|w| starts(w)) {
        return Some(true);
    }
    None
}

/// The suggested assessment of a result against a target (the rule of the module docs).
pub fn suggest(
    measure: Measure,
    direction: Direction,
    target: Target,
    result: Result<'_>,
) -> Assessment {
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    let (target, value) = (finite(target.value), finite(result.value));
    match measure {
        Measure::Percent | Measure::Count | Measure::Money => match (value, target) {
            (Some(v), Some(t)) => numeric(direction, v, t),
            _ => Assessment::NotAssessable,
        },
        Measure::Boolean | Measure::Milestone => match (value, target) {
            (Some(v), Some(t)) => numeric(Direction::Exactly, v, t),
            (Some(v), None) => {
                if v > 0.0 {
                    Assessment::Met
                } else {
                    Assessment::NotMet
                }
            }
            (None, _) => match result.text.and_then(text_outcome) {
                Some(true) => Assessment::Met,
                Some(false) => Assessment::NotMet,
                None => Assessment::NotAssessable,
            },
        },
    }
}

/// Assessments counted: how many of each, and how many achieved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Indicators counted.
    pub total: u32,
    /// Vượt.
    pub exceeded: u32,
    /// Đạt.
    pub met: u32,
    /// Chưa đạt.
    pub not_met: u32,
    /// Not assessable, or (official) not yet assessed.
    pub unassessed: u32,
}

impl Tally {
    /// Counts one assessment (`None`: not assessed).
    pub fn add(&mut self, a: Option<Assessment>) {
        self.total += 1;
        match a {
            Some(Assessment::Exceeded) => self.exceeded += 1,
            Some(Assessment::Met) => self.met += 1,
            Some(Assessment::NotMet) => self.not_met += 1,
            Some(Assessment::NotAssessable) | None => self.unassessed += 1,
        }
    }

    /// Exceeded plus met.
    pub fn achieved(&self) -> u32 {
        self.exceeded + self.met
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn num(measure: Measure, direction: Direction, target: f64, value: f64) -> Assessment {
        suggest(
            measure,
            direction,
            Target {
                value: Some(target),
            },
            Result {
                value: Some(value),
                text: None,
            },
        )
    }

    fn text(measure: Measure, t: &str) -> Assessment {
        suggest(
            measure,
            Direction::Exactly,
            Target::default(),
            Result {
                value: None,
                text: Some(t),
            },
        )
    }

    #[test]
    fn the_documents_examples() {
        // 74,51% against "Trên 60%": suggested exceeded (the province said met).
        assert_eq!(
            num(Measure::Percent, Direction::AtLeast, 60.0, 74.51),
            Assessment::Exceeded
        );
        assert_eq!(
            num(Measure::Percent, Direction::AtLeast, 100.0, 100.0),
            Assessment::Met
        );
        assert_eq!(
            num(Measure::Percent, Direction::AtLeast, 100.0, 44.41),
            Assessment::NotMet
        );
        assert_eq!(
            num(Measure::Count, Direction::AtLeast, 50.0, 70.0),
            Assessment::Exceeded
        );
        assert_eq!(
            num(Measure::Percent, Direction::AtLeast, 60.0, 60.2),
            Assessment::Exceeded
        );
        assert_eq!(
            num(Measure::Percent, Direction::AtLeast, 60.0, 60.004),
            Assessment::Met
        );
    }

    #[test]
    fn at_most_and_exactly() {
        assert_eq!(
            num(Measure::Count, Direction::AtMost, 5.0, 3.0),
            Assessment::Exceeded
        );
        assert_eq!(
            num(Measure::Count, Direction::AtMost, 5.0, 5.0),
            Assessment::Met
        );
        assert_eq!(
            num(Measure::Count, Direction::AtMost, 5.0, 6.0),
            Assessment::NotMet
        );
        assert_eq!(
            num(Measure::Count, Direction::Exactly, 5.0, 6.0),
            Assessment::NotMet
        );
        assert_eq!(
            num(Measure::Count, Direction::Exactly, 5.0, 5.0),
            Assessment::Met
        );
    }

    #[test]
    fn texts() {
        for t in [
            "Có",
            "Đã vận hành",
            "Đã ban hành",
            "Đã triển khai",
            "Hoàn thành",
            "co",
        ] {
            assert_eq!(text(Measure::Milestone, t), Assessment::Met, "{t}");
        }
        for t in ["Chưa thực hiện", "Chưa đạt", "Không", "Chưa"] {
            assert_eq!(text(Measure::Boolean, t), Assessment::NotMet, "{t}");
        }
        assert_eq!(
            text(Measure::Milestone, "19 sở, ngành tỉnh; 6 huyện, thành phố"),
            Assessment::NotAssessable
        );
        // "Công bố" starts with "co" letters but is not the word "có".
        assert_eq!(
            text(Measure::Milestone, "Công bố"),
            Assessment::NotAssessable
        );
        // Text results of numeric measures are not read.
        assert_eq!(text(Measure::Percent, "Có"), Assessment::NotAssessable);
        assert_eq!(
            suggest(
                Measure::Percent,
                Direction::AtLeast,
                Target::default(),
                Result {
                    value: Some(80.0),
                    text: None
                }
            ),
            Assessment::NotAssessable
        );
    }

    #[test]
    fn tally_counts() {
        let mut t = Tally::default();
        for a in [
            Some(Assessment::Exceeded),
            Some(Assessment::Met),
            Some(Assessment::NotMet),
            None,
        ] {
            t.add(a);
        }
        assert_eq!(
            (t.total, t.achieved(), t.not_met, t.unassessed),
            (4, 2, 1, 1)
        );
        assert_eq!(Assessment::parse_official("met"), Some(Assessment::Met));
        assert_eq!(Assessment::parse_official("not_assessable"), None);
    }

    proptest! {
        /// Raising the result never makes an at-least assessment worse.
        #[test]
        fn at_least_is_monotonic(t in -1e6f64..1e6, a in -1e6f64..1e6, d in 0f64..1e6) {
            let rank = |x: Assessment| match x {
                Assessment::NotMet => 0, Assessment::Met => 1, Assessment::Exceeded => 2,
                Assessment::NotAssessable => 3,
            };
            let low = num(Measure::Percent, Direction::AtLeast, t, a);
            let high = num(Measure::Percent, Direction::AtLeast, t, a + d);
            prop_assert!(rank(low) <= rank(high));
        }

        /// At-most is at-least mirrored.
        #[test]
        fn at_most_mirrors_at_least(t in -1e6f64..1e6, a in -1e6f64..1e6) {
            prop_assert_eq!(
                num(Measure::Count, Direction::AtMost, t, a),
                num(Measure::Count, Direction::AtLeast, -t, -a)
            );
        }

        /// Exact targets are never exceeded; numbers never come out not assessable.
        #[test]
        fn exact_never_exceeded(t in -1e6f64..1e6, a in -1e6f64..1e6) {
            let x = num(Measure::Money, Direction::Exactly, t, a);
            prop_assert!(x == Assessment::Met || x == Assessment::NotMet);
            prop_assert_ne!(num(Measure::Money, Direction::AtLeast, t, a), Assessment::NotAssessable);
        }

        /// Any text never panics and a numeric measure never reads it.
        #[test]
        fn any_text_is_safe(s in ".{0,40}") {
            prop_assert_eq!(text(Measure::Count, &s), Assessment::NotAssessable);
            let _ = text(Measure::Milestone, &s);
        }
    }
}
