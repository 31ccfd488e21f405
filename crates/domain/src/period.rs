//! Reporting periods: a month `2025-03`, a quarter `2025-Q1`, a half year `2025-H1` or a
//! year `2025`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Báo cáo tháng: one calendar month.
    Month,
    /// Báo cáo quý: three months.
    Quarter,
    /// Báo cáo 6 tháng: January–June or July–December.
    HalfYear,
    /// Báo cáo năm: the calendar year.
    Year,
}

impl PeriodKind {
    /// Every kind, shortest first.
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::Year,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::Year => "year",
        }
    }

    /// How many months a period of this kind spans.
    pub fn months(self) -> u32 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::HalfYear => 6,
            PeriodKind::Year => 12,
        }
    }

    /// How many periods of this kind a year holds.
    pub fn per_year(self) -> u32 {
        12 / self.months()
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PeriodKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PeriodKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("kind", "invalid_enum"))
    }
}

/// A reporting period. Built only by parsing or by the checked constructors, so its year is
/// within [`Period::MIN_YEAR`]..=[`Period::MAX_YEAR`] and its number fits its kind.
///
/// Periods order by the day they end, and among periods ending the same day the shorter
/// first: `2025-03` < `2025-Q1` < `2025-04` < … < `2025-Q4` < `2025-H2` < `2025`. That is the
/// order in which their reports fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    year: i32,
    kind: PeriodKind,
    /// 1-based: the month (1–12), quarter (1–4) or half (1–2); always 1 for a year.
    number: u32,
}

impl Period {
    /// Earliest year accepted.
    pub const MIN_YEAR: i32 = 2000;
    /// Latest year accepted.
    pub const MAX_YEAR: i32 = 2100;
    /// The accepted notations, for error messages.
    pub const FORMAT: &'static str = "YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY";

    /// Parses `2025-03`, `2025-Q1`, `2025-H2` or `2025` (`q` and `h` may be lower case;
    /// surrounding spaces are ignored). Errors name the field `period` with code
    /// `invalid_period`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::parse_field(raw).map_err(|e| DomainError::Validation(vec![e]))
    }

    /// As [`Period::parse`], returning the bare field error (pointer `period`) so callers
    /// can re-root it under a body pointer or a parameter name.
    pub fn parse_field(raw: &str) -> Result<Self, FieldError> {
        let malformed = || FieldError::new("period", "invalid_period").with("format", Self::FORMAT);
        let text = raw.trim();
        let (year_text, rest) = match text.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (text, None),
        };
        let year = four_digits(year_text).ok_or_else(malformed)?;
        let (kind, number) = match rest {
            None => (PeriodKind::Year, 1),
            Some(r) => {
                let bytes = r.as_bytes();
                match bytes {
                    [b'Q' | b'q', d @ b'1'..=b'4'] => (PeriodKind::Quarter, u32::from(d - b'0')),
                    [b'H' | b'h', d @ b'1'..=b'2'] => (PeriodKind::HalfYear, u32::from(d - b'0')),
                    [a @ b'0'..=b'9', b @ b'0'..=b'9'] => {
                        let m = u32::from(a - b'0') * 10 + u32::from(b - b'0');
                        if !(1..=12).contains(&m) {
                            return Err(malformed());
                        }
                        (PeriodKind::Month, m)
                    }
                    _ => return Err(malformed()),
                }
            }
        };
        Self::new(year, kind, number)
    }

    /// A period from its parts; the same checks as parsing.
    pub fn new(year: i32, kind: PeriodKind, number: u32) -> Result<Self, FieldError> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(FieldError::new("period", "invalid_period")
                .with("min_year", Self::MIN_YEAR)
                .with("max_year", Self::MAX_YEAR));
        }
        if !(1..=kind.per_year()).contains(&number) {
            return Err(FieldError::new("period", "invalid_period").with("format", Self::FORMAT));
        }
        Ok(Self { year, kind, number })
    }

    /// A month, 1–12.
    pub fn month(year: i32, month: u32) -> Result<Self, FieldError> {
        Self::new(year, PeriodKind::Month, month)
    }

    /// A quarter, 1–4.
    pub fn quarter(year: i32, quarter: u32) -> Result<Self, FieldError> {
        Self::new(year, PeriodKind::Quarter, quarter)
    }

    /// A half year, 1–2.
    pub fn half_year(year: i32, half: u32) -> Result<Self, FieldError> {
        Self::new(year, PeriodKind::HalfYear, half)
    }

    /// A calendar year.
    pub fn year_period(year: i32) -> Result<Self, FieldError> {
        Self::new(year, PeriodKind::Year, 1)
    }

    /// The period of the given kind that contains a day, if its year is accepted.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Option<Self> {
        let number = (day.month() - 1) / kind.months() + 1;
        Self::new(day.year(), kind, number).ok()
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Month, quarter or half year.
    pub fn kind(self) -> PeriodKind {
        self.kind
    }

    /// The 1-based number within the year: month 1–12, quarter 1–4, half 1–2, 1 for a year.
    pub fn number(self) -> u32 {
        self.number
    }

    /// The first month, 1–12.
    pub fn first_month(self) -> u32 {
        (self.number - 1) * self.kind.months() + 1
    }

    /// The last month, 1–12.
    pub fn last_month(self) -> u32 {
        self.number * self.kind.months()
    }

    /// The first day.
    pub fn first_day(self) -> NaiveDate {
        first_of_month(self.year, self.first_month())
    }

    /// The last day.
    pub fn last_day(self) -> NaiveDate {
        last_of_month(self.year, self.last_month())
    }

    /// Whether the day falls within the period.
    pub fn contains_day(self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// Whether `other` lies wholly within this period (`2025` covers `2025-Q3` and itself).
    pub fn covers(self, other: Period) -> bool {
        self.first_day() <= other.first_day() && other.last_day() <= self.last_day()
    }

    /// The period of the same kind just before, unless that falls before [`Period::MIN_YEAR`].
    pub fn previous(self) -> Option<Self> {
        if self.number > 1 {
            Some(Self {
                number: self.number - 1,
                ..self
            })
        } else {
            Self::new(self.year - 1, self.kind, self.kind.per_year()).ok()
        }
    }

    /// The period of the same kind just after, unless that falls after [`Period::MAX_YEAR`].
    pub fn next(self) -> Option<Self> {
        if self.number < self.kind.per_year() {
            Some(Self {
                number: self.number + 1,
                ..self
            })
        } else {
            Self::new(self.year + 1, self.kind, 1).ok()
        }
    }
}

/// Four ASCII digits.
fn four_digits(text: &str) -> Option<i32> {
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// The first day of a month; years here are always within chrono's range.
pub(crate) fn first_of_month(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

/// The last day of a month.
pub(crate) fn last_of_month(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    first_of_month(y, m).pred_opt().unwrap_or(NaiveDate::MIN)
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        self.last_day()
            .cmp(&other.last_day())
            .then_with(|| other.first_day().cmp(&self.first_day()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{:04}-{:02}", self.year, self.number),
            PeriodKind::Quarter => write!(f, "{:04}-Q{}", self.year, self.number),
            PeriodKind::HalfYear => write!(f, "{:04}-H{}", self.year, self.number),
            PeriodKind::Year => write!(f, "{:04}", self.year),
        }
    }
}

impl FromStr for Period {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Period> for String {
    fn from(value: Period) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_each_notation() {
        assert_eq!(p("2025-03"), Period::month(2025, 3).unwrap());
        assert_eq!(p("2025-Q1"), Period::quarter(2025, 1).unwrap());
        assert_eq!(p("2025-q4"), Period::quarter(2025, 4).unwrap());
        assert_eq!(p("2025-H2"), Period::half_year(2025, 2).unwrap());
        assert_eq!(p(" 2025 "), Period::year_period(2025).unwrap());
        assert_eq!(p("2025-q4").to_string(), "2025-Q4");
    }

    #[test]
    fn rejects_malformed_text_and_years_out_of_range() {
        for bad in [
            "",
            "2025-",
            "2025-3",
            "2025-13",
            "2025-00",
            "2025-Q0",
            "2025-Q5",
            "2025-H0",
            "2025-H3",
            "25-03",
            "20255",
            "2025-003",
            "2025/03",
            "2025-M3",
            "Q1-2025",
            "１９９９",
            "2025-Q1 x",
            "-2025",
            "1999",
            "2101",
            "1999-12",
            "2101-Q1",
            "0000",
        ] {
            let err = Period::parse_field(bad).unwrap_err();
            assert_eq!(err.code, "invalid_period", "{bad:?}");
            assert_eq!(err.pointer, "period");
        }
        let out = Period::parse_field("1999-05").unwrap_err();
        assert_eq!(out.params.get("min_year").map(String::as_str), Some("2000"));
        assert!(Period::parse("2000-01").is_ok());
        assert!(Period::parse("2100").is_ok());
    }

    #[test]
    fn bounds_and_kinds() {
        assert_eq!(p("2024-02").last_day(), d(2024, 2, 29));
        assert_eq!(p("2025-02").last_day(), d(2025, 2, 28));
        assert_eq!(p("2025-Q3").first_day(), d(2025, 7, 1));
        assert_eq!(p("2025-Q3").last_day(), d(2025, 9, 30));
        assert_eq!(p("2025-H1").last_day(), d(2025, 6, 30));
        assert_eq!(p("2025-H2").first_day(), d(2025, 7, 1));
        assert_eq!(p("2025").first_day(), d(2025, 1, 1));
        assert_eq!(p("2025").last_day(), d(2025, 12, 31));
        assert_eq!(p("2025-12").last_day(), d(2025, 12, 31));
        assert_eq!(p("2025-Q2").kind(), PeriodKind::Quarter);
        assert_eq!(p("2025").kind().as_str(), "year");
        assert_eq!("half_year".parse::<PeriodKind>(), Ok(PeriodKind::HalfYear));
    }

    #[test]
    fn previous_and_next_cross_years_and_stop_at_the_bounds() {
        assert_eq!(p("2025-01").previous(), Some(p("2024-12")));
        assert_eq!(p("2025-Q1").previous(), Some(p("2024-Q4")));
        assert_eq!(p("2025-H2").previous(), Some(p("2025-H1")));
        assert_eq!(p("2025").previous(), Some(p("2024")));
        assert_eq!(p("2024-12").next(), Some(p("2025-01")));
        assert_eq!(p("2000-01").previous(), None);
        assert_eq!(p("2000").previous(), None);
        assert_eq!(p("2100-Q4").next(), None);
    }

    #[test]
    fn orders_by_when_reports_fall_due() {
        let mut periods: Vec<Period> = [
            "2025", "2025-H2", "2025-Q1", "2025-03", "2025-H1", "2025-Q2", "2025-06", "2024-12",
            "2025-01",
        ]
        .into_iter()
        .map(p)
        .collect();
        periods.sort();
        let names: Vec<String> = periods.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "2024-12", "2025-01", "2025-03", "2025-Q1", "2025-06", "2025-Q2", "2025-H1",
                "2025-H2", "2025"
            ]
        );
    }

    #[test]
    fn containing_and_covering() {
        assert_eq!(
            Period::containing(PeriodKind::Quarter, d(2025, 8, 15)),
            Some(p("2025-Q3"))
        );
        assert_eq!(
            Period::containing(PeriodKind::HalfYear, d(2025, 6, 30)),
            Some(p("2025-H1"))
        );
        assert_eq!(Period::containing(PeriodKind::Month, d(1999, 6, 30)), None);
        assert!(p("2025").covers(p("2025-Q3")));
        assert!(p("2025-H2").covers(p("2025-09")));
        assert!(!p("2025-Q2").covers(p("2025-H1")));
        assert!(p("2025-05").contains_day(d(2025, 5, 31)));
    }

    #[test]
    fn serde_uses_the_string() {
        assert_eq!(
            serde_json::to_string(&p("2025-Q1")).unwrap(),
            r#""2025-Q1""#
        );
        assert_eq!(
            serde_json::from_str::<Period>(r#""2025-h1""#).unwrap(),
            p("2025-H1")
        );
        assert!(serde_json::from_str::<Period>(r#""2025-13""#).is_err());
        assert!(serde_json::from_str::<Period>("2025").is_err());
    }

    fn any_period() -> impl Strategy<Value = Period> {
        (Period::MIN_YEAR..=Period::MAX_YEAR, 0usize..4, 1u32..=12).prop_map(|(y, k, n)| {
            let kind = PeriodKind::ALL[k];
            let number = (n - 1) % kind.per_year() + 1;
            Period::new(y, kind, number).unwrap()
        })
    }

    proptest! {
        #[test]
        fn display_round_trips(period in any_period()) {
            prop_assert_eq!(Period::parse(&period.to_string()), Ok(period));
        }

        #[test]
        fn previous_strictly_precedes(period in any_period()) {
            if let Some(prev) = period.previous() {
                prop_assert!(prev < period);
                prop_assert!(prev.last_day() < period.first_day());
                prop_assert_eq!(prev.last_day().succ_opt(), Some(period.first_day()));
                prop_assert_eq!(prev.next(), Some(period));
            } else {
                prop_assert_eq!(period.year(), Period::MIN_YEAR);
                prop_assert_eq!(period.number(), 1);
            }
        }

        #[test]
        fn parse_never_panics(text in ".{0,12}") {
            let _ = Period::parse(&text);
        }

        #[test]
        fn parse_accepts_only_what_display_prints(text in "[0-9]{4}(-([0-9]{2}|[QqHh][0-9]))?") {
            if let Ok(period) = Period::parse(&text) {
                prop_assert_eq!(period.to_string(), text.to_uppercase());
            }
        }

        #[test]
        fn ordering_agrees_with_days(a in any_period(), b in any_period()) {
            if a.last_day() < b.last_day() {
                prop_assert!(a < b);
            }
            prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
        }
    }
}
