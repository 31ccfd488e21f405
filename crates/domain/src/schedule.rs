//! The reporting schedule: for each kind of period, the window of data a report covers and
//! the day it is due.
//!
//! Defaults come from the documents (DOMAIN.md, "The reporting cycle"):
//!
//! - **Data windows**: Nghị định 09/2019/NĐ-CP, Điều 12: figures run from the 15th of the month
//!   before the period to the 14th of the period's last month (monthly 15/02–14/03 for
//!   `2025-03`; quarterly 15/12–14/03 for `2025-Q1`; six-monthly 15/12–14/06 and 15/06–14/12;
//!   annual 15/12 of the year before to 14/12).
//! - **Deadlines** (Kế hoạch chuyển đổi số 2025 of the province): quarterly before the 20th of
//!   the quarter's last month; six-monthly before 25/5; annual before 20/12.
//!
//! Where the documents are silent or ambiguous, the defaults are:
//!
//! - **Monthly**: the 20th of the reporting month, the quarterly rule applied to one month, so
//!   the third monthly report of a quarter falls due with the quarterly one.
//! - **Second half (`YYYY-H2`)**: 20/12, with the annual report, which the 2025 plan asks for
//!   instead of a second six-month report.
//! - **"Before the 20th" is read as "by the end of the 20th"**, as DOMAIN.md reads "trước ngày
//!   05 tháng 12 năm 2022" as due 05/12/2022: a report is not marked late on the day the
//!   document names. A plan that means it strictly sets day 19.
//! - **A deadline that falls on a day off moves to the next working day**, as Bộ luật Dân sự
//!   2015, Điều 148 khoản 5 ends any time limit whose last day is a weekend or holiday
//!   (`roll_to_working_day`, on by default).
//! - **Times are Vietnam's (UTC+7, no daylight saving)**: a report is late when it is
//!   submitted after midnight at the end of the deadline day in Vietnam.
//!
//! The six-month default (25/5) falls three weeks before the NĐ 09 window closes (14/6): the
//! report carries estimates for the rest of the window (số liệu ước thực hiện), as Vietnamese
//! six-month reports do. The schedule keeps both as the documents give them.
//!
//! Every rule can be overridden per plan: [`ReportingSchedule`] is a plain serialisable struct
//! whose missing fields take the defaults.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::{DomainError, FieldError};
use crate::period::{first_of_month, last_of_month, Period, PeriodKind};

/// Vietnam's offset from UTC, in hours; the country keeps no daylight saving time.
pub const VIETNAM_UTC_OFFSET_HOURS: i64 = 7;

/// The calendar day in Vietnam at an instant.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    at.checked_add_signed(TimeDelta::hours(VIETNAM_UTC_OFFSET_HOURS))
        .unwrap_or(at)
        .date_naive()
}

/// Whether a report submitted at `submitted_at` missed `deadline`: it is on time until the end
/// of the deadline day in Vietnam.
pub fn is_late(submitted_at: DateTime<Utc>, deadline: NaiveDate) -> bool {
    vietnam_date(submitted_at) > deadline
}

/// Days from `first` to `last`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    /// The first day.
    pub first: NaiveDate,
    /// The last day.
    pub last: NaiveDate,
}

impl DateRange {
    /// Whether the day lies within the range.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }
}

/// Which days' data a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowRule {
    /// NĐ 09/2019 Điều 12: from the day after `day` of the month before the period to `day`
    /// of the period's last month (`day` 14 by default).
    CutoffDay {
        /// The cut-off day of the month, 1–27.
        day: u32,
    },
    /// The period's own days (1st of its first month to the end of its last).
    CalendarPeriod,
}

impl WindowRule {
    /// The NĐ 09/2019 window.
    pub const NGHI_DINH_09: WindowRule = WindowRule::CutoffDay { day: 14 };
    /// Latest cut-off day accepted, so that the day after exists in every month.
    pub const MAX_CUTOFF_DAY: u32 = 27;
}

/// When a report falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeadlineRule {
    /// Day `day` of a month counted from the period's last month: `month_offset` 0 is that
    /// month, -1 the month before, 1 the month after. A day past the month's end means its last
    /// day.
    DayOfMonth {
        /// Months after the period's last month, -11 to 12.
        month_offset: i32,
        /// Day of the month, 1–31.
        day: u32,
    },
    /// `days` working days after the data window closes.
    WorkingDaysAfterCutoff {
        /// Working days, 0–90 (0: the day the window closes).
        days: u16,
    },
}

impl DeadlineRule {
    /// Most working days accepted.
    pub const MAX_WORKING_DAYS: u16 = 90;
}

/// The window and deadline of one kind of period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodRule {
    /// Which days' data the report covers.
    pub window: WindowRule,
    /// When it falls due.
    pub deadline: DeadlineRule,
    /// Whether a calendar-day deadline that falls on a day off moves to the next working day.
    #[serde(default = "yes")]
    pub roll_to_working_day: bool,
}

fn yes() -> bool {
    true
}

impl PeriodRule {
    /// The NĐ 09 window with a deadline on a day of a month, rolled to a working day.
    pub const fn nd09_due_on(month_offset: i32, day: u32) -> Self {
        Self {
            window: WindowRule::NGHI_DINH_09,
            deadline: DeadlineRule::DayOfMonth { month_offset, day },
            roll_to_working_day: true,
        }
    }
}

/// Whether a period's reports can be submitted on time today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodPhase {
    /// The data window has not begun.
    Upcoming,
    /// From the first day of the window to the deadline.
    Open,
    /// Past the deadline: reports are still taken, and marked late.
    Overdue,
}

/// The schedule a plan reports on; each field is one kind of period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportingSchedule {
    /// `YYYY-MM`: by default due the 20th of the month.
    pub monthly: PeriodRule,
    /// `YYYY-Qn`: by default due the 20th of the quarter's last month.
    pub quarterly: PeriodRule,
    /// `YYYY-H1`: by default due 25/5.
    pub first_half: PeriodRule,
    /// `YYYY-H2`: by default due 20/12, with the annual report.
    pub second_half: PeriodRule,
    /// `YYYY`: by default due 20/12.
    pub annual: PeriodRule,
}

impl Default for ReportingSchedule {
    fn default() -> Self {
        Self {
            monthly: PeriodRule::nd09_due_on(0, 20),
            quarterly: PeriodRule::nd09_due_on(0, 20),
            first_half: PeriodRule::nd09_due_on(-1, 25),
            second_half: PeriodRule::nd09_due_on(0, 20),
            annual: PeriodRule::nd09_due_on(0, 20),
        }
    }
}

impl ReportingSchedule {
    /// The rule for a period.
    pub fn rule(&self, period: Period) -> &PeriodRule {
        match (period.kind(), period.number()) {
            (PeriodKind::Month, _) => &self.monthly,
            (PeriodKind::Quarter, _) => &self.quarterly,
            (PeriodKind::HalfYear, 1) => &self.first_half,
            (PeriodKind::HalfYear, _) => &self.second_half,
            (PeriodKind::Year, _) => &self.annual,
        }
    }

    /// The days whose data the period's report covers.
    pub fn window(&self, period: Period) -> DateRange {
        match self.rule(period).window {
            WindowRule::CutoffDay { day } => {
                let day = day.clamp(1, WindowRule::MAX_CUTOFF_DAY);
                let (y, m) = shift_month(period.year(), period.first_month(), -1);
                DateRange {
                    first: day_of_month(y, m, day + 1),
                    last: day_of_month(period.year(), period.last_month(), day),
                }
            }
            WindowRule::CalendarPeriod => DateRange {
                first: period.first_day(),
                last: period.last_day(),
            },
        }
    }

    /// The last day on which the period's report is on time.
    pub fn deadline(&self, period: Period, calendar: &Calendar) -> NaiveDate {
        let rule = self.rule(period);
        match rule.deadline {
            DeadlineRule::DayOfMonth { month_offset, day } => {
                let (y, m) = shift_month(period.year(), period.last_month(), month_offset);
                let due = day_of_month(y, m, day.max(1));
                if rule.roll_to_working_day {
                    calendar.on_or_next_working_day(due)
                } else {
                    due
                }
            }
            DeadlineRule::WorkingDaysAfterCutoff { days } => {
                let days = days.min(DeadlineRule::MAX_WORKING_DAYS);
                calendar.add_working_days(self.window(period).last, days)
            }
        }
    }

    /// Where the period stands on `today` (a Vietnam date; see [`vietnam_date`]).
    pub fn phase(&self, period: Period, today: NaiveDate, calendar: &Calendar) -> PeriodPhase {
        if today < self.window(period).first {
            PeriodPhase::Upcoming
        } else if today <= self.deadline(period, calendar) {
            PeriodPhase::Open
        } else {
            PeriodPhase::Overdue
        }
    }

    /// Whether reports for the period can be submitted on time on `today`: from the first day
    /// of its data window to its deadline.
    pub fn is_open(&self, period: Period, today: NaiveDate, calendar: &Calendar) -> bool {
        self.phase(period, today, calendar) == PeriodPhase::Open
    }

    /// Checks the numbers of a schedule read from storage or a request; errors point at
    /// `/<kind>/window/day`, `/<kind>/deadline/day` and the like.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        for (name, rule) in [
            ("monthly", &self.monthly),
            ("quarterly", &self.quarterly),
            ("first_half", &self.first_half),
            ("second_half", &self.second_half),
            ("annual", &self.annual),
        ] {
            let mut check = |field: &str, value: i64, min: i64, max: i64| {
                if !(min..=max).contains(&value) {
                    errors.push(
                        FieldError::new(format!("/{name}/{field}"), "out_of_range")
                            .with("min", min)
                            .with("max", max),
                    );
                }
            };
            if let WindowRule::CutoffDay { day } = rule.window {
                check(
                    "window/day",
                    i64::from(day),
                    1,
                    i64::from(WindowRule::MAX_CUTOFF_DAY),
                );
            }
            match rule.deadline {
                DeadlineRule::DayOfMonth { month_offset, day } => {
                    check("deadline/month_offset", i64::from(month_offset), -11, 12);
                    check("deadline/day", i64::from(day), 1, 31);
                }
                DeadlineRule::WorkingDaysAfterCutoff { days } => check(
                    "deadline/days",
                    i64::from(days),
                    0,
                    i64::from(DeadlineRule::MAX_WORKING_DAYS),
                ),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// The (year, month) `offset` months from (year, month).
fn shift_month(year: i32, month: u32, offset: i32) -> (i32, u32) {
    let index = year * 12 + i32::try_from(month).unwrap_or(1) - 1 + offset.clamp(-24, 24);
    (
        index.div_euclid(12),
        u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1,
    )
}

/// Day `day` of the month, or the month's last day when it is shorter.
fn day_of_month(year: i32, month: u32, day: u32) -> NaiveDate {
    let last = last_of_month(year, month);
    if day >= last.day() {
        last
    } else {
        first_of_month(year, month)
            .with_day(day.max(1))
            .unwrap_or(last)
    }
}

/// A plan's reporting rules: when its reports fall due, and how far a value may move from
/// the unit's previous period before the checks flag it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportingRules {
    /// Data windows and deadlines per kind of period.
    pub schedule: ReportingSchedule,
    /// A value more than this many times, or under this fraction of, the previous period's
    /// is a warning; 0 turns the check off.
    pub outlier_factor: f64,
}

impl ReportingRules {
    /// The default outlier factor (three times, or a third).
    pub const DEFAULT_OUTLIER_FACTOR: f64 = 3.0;
    /// The largest outlier factor accepted.
    pub const MAX_OUTLIER_FACTOR: f64 = 1000.0;

    /// Checks the schedule and the factor; errors point into the rules document
    /// (`/schedule/monthly/deadline/day`, `/outlier_factor`).
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = match self.schedule.validate() {
            Ok(()) => Vec::new(),
            Err(DomainError::Validation(errors)) => {
                errors.into_iter().map(|e| e.under("/schedule")).collect()
            }
        };
        let f = self.outlier_factor;
        if !(f == 0.0 || (f > 1.0 && f <= Self::MAX_OUTLIER_FACTOR)) {
            errors.push(
                FieldError::new("/outlier_factor", "outlier_factor_range")
                    .with("max", Self::MAX_OUTLIER_FACTOR),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    /// The factor as the report checks take it (off is infinity: nothing is that far).
    pub fn effective_outlier_factor(&self) -> f64 {
        if self.outlier_factor == 0.0 {
            f64::INFINITY
        } else {
            self.outlier_factor
        }
    }
}

impl Default for ReportingRules {
    fn default() -> Self {
        Self {
            schedule: ReportingSchedule::default(),
            outlier_factor: Self::DEFAULT_OUTLIER_FACTOR,
        }
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

    fn range(first: NaiveDate, last: NaiveDate) -> DateRange {
        DateRange { first, last }
    }

    fn vn() -> Calendar {
        Calendar::vietnam().unwrap()
    }

    #[test]
    fn default_windows_follow_nghi_dinh_09() {
        let s = ReportingSchedule::default();
        assert_eq!(
            s.window(p("2025-03")),
            range(d(2025, 2, 15), d(2025, 3, 14))
        );
        assert_eq!(
            s.window(p("2025-01")),
            range(d(2024, 12, 15), d(2025, 1, 14))
        );
        assert_eq!(
            s.window(p("2025-Q1")),
            range(d(2024, 12, 15), d(2025, 3, 14))
        );
        assert_eq!(
            s.window(p("2025-Q3")),
            range(d(2025, 6, 15), d(2025, 9, 14))
        );
        assert_eq!(
            s.window(p("2025-H1")),
            range(d(2024, 12, 15), d(2025, 6, 14))
        );
        assert_eq!(
            s.window(p("2025-H2")),
            range(d(2025, 6, 15), d(2025, 12, 14))
        );
        assert_eq!(s.window(p("2025")), range(d(2024, 12, 15), d(2025, 12, 14)));
    }

    #[test]
    fn default_deadlines_roll_past_weekends_and_holidays() {
        let (s, cal) = (ReportingSchedule::default(), vn());
        assert_eq!(s.deadline(p("2025-Q1"), &cal), d(2025, 3, 20));
        assert_eq!(s.deadline(p("2025-Q2"), &cal), d(2025, 6, 20));
        // 20/09/2025 and 20/12/2025 are Saturdays.
        assert_eq!(s.deadline(p("2025-Q3"), &cal), d(2025, 9, 22));
        assert_eq!(s.deadline(p("2025-Q4"), &cal), d(2025, 12, 22));
        assert_eq!(s.deadline(p("2025"), &cal), d(2025, 12, 22));
        assert_eq!(s.deadline(p("2025-H2"), &cal), d(2025, 12, 22));
        // 25/05/2025 is a Sunday; 25/05/2026 a Monday.
        assert_eq!(s.deadline(p("2025-H1"), &cal), d(2025, 5, 26));
        assert_eq!(s.deadline(p("2026-H1"), &cal), d(2026, 5, 25));
        assert_eq!(s.deadline(p("2025-01"), &cal), d(2025, 1, 20));
        // 20/02/2026 is mùng 4 Tết.
        assert_eq!(s.deadline(p("2026-02"), &cal), d(2026, 2, 23));
    }

    #[test]
    fn deadlines_as_written_when_not_rolled() {
        let mut s = ReportingSchedule::default();
        s.quarterly.roll_to_working_day = false;
        assert_eq!(s.deadline(p("2025-Q4"), &vn()), d(2025, 12, 20));
    }

    #[test]
    fn plan_overrides_from_the_documents() {
        let cal = Calendar::weekends_only();
        // 2022 plan: results before 05/12/2022.
        let mut s = ReportingSchedule {
            annual: PeriodRule::nd09_due_on(0, 5),
            ..ReportingSchedule::default()
        };
        assert_eq!(s.deadline(p("2022"), &cal), d(2022, 12, 5));
        // 2024 plan: before 30/11/2024, a Saturday.
        s.annual = PeriodRule::nd09_due_on(-1, 30);
        assert_eq!(s.deadline(p("2024"), &cal), d(2024, 12, 2));
        s.annual.roll_to_working_day = false;
        assert_eq!(s.deadline(p("2024"), &cal), d(2024, 11, 30));
        // A day past the month's end means its last day; offsets cross years.
        s.monthly = PeriodRule::nd09_due_on(0, 31);
        s.monthly.roll_to_working_day = false;
        assert_eq!(s.deadline(p("2025-02"), &cal), d(2025, 2, 28));
        s.monthly = PeriodRule::nd09_due_on(1, 5);
        s.monthly.roll_to_working_day = false;
        assert_eq!(s.deadline(p("2025-12"), &cal), d(2026, 1, 5));
    }

    #[test]
    fn deadlines_in_working_days_after_the_cutoff() {
        let cal = vn();
        let mut s = ReportingSchedule::default();
        s.monthly.deadline = DeadlineRule::WorkingDaysAfterCutoff { days: 5 };
        // Window closes Tuesday 14/01/2025.
        assert_eq!(s.deadline(p("2025-01"), &cal), d(2025, 1, 21));
        // Window closes Saturday 14/02/2026, the first day of Tết.
        assert_eq!(s.deadline(p("2026-02"), &cal), d(2026, 2, 27));
        s.monthly.deadline = DeadlineRule::WorkingDaysAfterCutoff { days: 0 };
        assert_eq!(s.deadline(p("2026-02"), &cal), d(2026, 2, 14));
    }

    #[test]
    fn calendar_period_windows() {
        let mut s = ReportingSchedule::default();
        s.quarterly.window = WindowRule::CalendarPeriod;
        assert_eq!(s.window(p("2025-Q2")), range(d(2025, 4, 1), d(2025, 6, 30)));
    }

    #[test]
    fn phases_of_a_period() {
        let (s, cal) = (ReportingSchedule::default(), vn());
        let q = p("2025-Q3");
        assert_eq!(s.phase(q, d(2025, 6, 14), &cal), PeriodPhase::Upcoming);
        assert_eq!(s.phase(q, d(2025, 6, 15), &cal), PeriodPhase::Open);
        assert!(s.is_open(q, d(2025, 9, 22), &cal));
        assert_eq!(s.phase(q, d(2025, 9, 23), &cal), PeriodPhase::Overdue);
        assert!(!s.is_open(q, d(2025, 9, 23), &cal));
    }

    #[test]
    fn lateness_is_judged_in_vietnam_time() {
        let deadline = d(2025, 3, 20);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(!is_late(at("2025-03-20T16:59:59Z"), deadline));
        assert!(is_late(at("2025-03-20T17:00:00Z"), deadline));
        assert!(!is_late(at("2025-03-01T00:00:00Z"), deadline));
        assert_eq!(vietnam_date(at("2025-03-19T17:00:00Z")), deadline);
        assert_eq!(
            vietnam_date(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC.date_naive()
        );
    }

    #[test]
    fn serde_form_and_partial_overrides() {
        let s = ReportingSchedule::default();
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(
            json["quarterly"],
            serde_json::json!({
                "window": {"rule": "cutoff_day", "day": 14},
                "deadline": {"rule": "day_of_month", "month_offset": 0, "day": 20},
                "roll_to_working_day": true
            })
        );
        assert_eq!(
            serde_json::from_value::<ReportingSchedule>(json).unwrap(),
            s
        );
        let plan: ReportingSchedule = serde_json::from_str(
            r#"{"annual": {"window": {"rule": "calendar_period"},
                           "deadline": {"rule": "working_days_after_cutoff", "days": 10}}}"#,
        )
        .unwrap();
        assert_eq!(plan.quarterly, s.quarterly);
        assert_eq!(
            plan.annual,
            PeriodRule {
                window: WindowRule::CalendarPeriod,
                deadline: DeadlineRule::WorkingDaysAfterCutoff { days: 10 },
                roll_to_working_day: true,
            }
        );
        assert!(serde_json::from_str::<ReportingSchedule>(r#"{"weekly": {}}"#).is_err());
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(ReportingSchedule::default().validate(), Ok(()));
        let mut s = ReportingSchedule::default();
        s.monthly.window = WindowRule::CutoffDay { day: 28 };
        s.first_half.deadline = DeadlineRule::DayOfMonth {
            month_offset: -12,
            day: 0,
        };
        s.annual.deadline = DeadlineRule::WorkingDaysAfterCutoff { days: 91 };
        let Err(DomainError::Validation(errors)) = s.validate() else {
            panic!("expected errors");
        };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/monthly/window/day",
                "/first_half/deadline/month_offset",
                "/first_half/deadline/day",
                "/annual/deadline/days"
            ]
        );
        // Out-of-range values still give a date rather than a panic.
        let _ = s.window(p("2025-03"));
        let _ = s.deadline(p("2025-H1"), &vn());
    }

    fn any_period() -> impl Strategy<Value = Period> {
        (2000i32..=2100, 0usize..4, 1u32..=12).prop_map(|(y, k, n)| {
            let kind = PeriodKind::ALL[k];
            Period::new(y, kind, (n - 1) % kind.per_year() + 1).unwrap()
        })
    }

    proptest! {
        #[test]
        fn nd09_windows_tile_without_gaps(period in any_period(), cutoff in 1u32..=27) {
            let mut s = ReportingSchedule::default();
            s.monthly.window = WindowRule::CutoffDay { day: cutoff };
            s.quarterly.window = WindowRule::CutoffDay { day: cutoff };
            s.annual.window = WindowRule::CutoffDay { day: cutoff };
            s.first_half.window = WindowRule::CutoffDay { day: cutoff };
            s.second_half.window = WindowRule::CutoffDay { day: cutoff };
            let w = s.window(period);
            prop_assert!(w.first < w.last);
            if let Some(next) = period.next() {
                prop_assert_eq!(w.last.succ_opt(), Some(s.window(next).first));
            }
        }

        #[test]
        fn rolled_deadlines_are_working_days(period in any_period(), offset in -11i32..=12, day in 1u32..=31) {
            let cal = vn();
            let s = ReportingSchedule {
                quarterly: PeriodRule::nd09_due_on(offset, day),
                monthly: PeriodRule::nd09_due_on(offset, day),
                ..ReportingSchedule::default()
            };
            prop_assert!(cal.is_working_day(s.deadline(period, &cal)));
        }
    }

    #[test]
    fn reporting_rules_validation_points_into_the_document() {
        assert_eq!(ReportingRules::default().validate(), Ok(()));
        let mut r = ReportingRules::default();
        r.schedule.monthly.deadline = DeadlineRule::DayOfMonth {
            month_offset: 0,
            day: 32,
        };
        r.outlier_factor = 1.0;
        let Err(DomainError::Validation(errors)) = r.validate() else {
            panic!("expected errors")
        };
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/schedule/monthly/deadline/day", "/outlier_factor"]
        );
        for (f, ok) in [
            (0.0, true),
            (1.5, true),
            (1000.0, true),
            (0.5, false),
            (f64::NAN, false),
            (1001.0, false),
            (-3.0, false),
        ] {
            r = ReportingRules {
                outlier_factor: f,
                ..ReportingRules::default()
            };
            assert_eq!(r.validate().is_ok(), ok, "{f}");
        }
        r.outlier_factor = 0.0;
        assert_eq!(r.effective_outlier_factor(), f64::INFINITY);
        let parsed: ReportingRules =
            serde_json::from_value(serde_json::json!({"outlier_factor": 5})).unwrap();
        assert_eq!(parsed.schedule, ReportingSchedule::default());
        assert_eq!(parsed.outlier_factor, 5.0);
    }
}
