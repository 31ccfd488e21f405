//! Working days in Vietnam: weekends, public holidays and make-up working days (ngày làm bù),
//! kept as data because the Government announces them anew each year.
//!
//! The embedded calendar ([`Calendar::vietnam`], from `vietnam_holidays.csv` beside this file)
//! covers 2025, 2026 and 2027 for public servants (cán bộ, công chức, viên chức), whose
//! weekly rest days are Saturday and Sunday:
//!
//! - **2025** as announced: Công văn 8726/VPCP-KGVX (26/11/2024) for Tết Ất Tỵ (25/01–02/02),
//!   the 30/4–1/5 swap (off Friday 02/05, make-up Saturday 26/04) and Quốc khánh (30/08–02/09).
//! - **2026** as announced: Công văn 12729/VPCP-KGVX (25/12/2025) for Tết Dương lịch (off
//!   Friday 02/01, make-up Saturday 10/01); Thông báo 9441/TB-BNV (16/10/2025) for Tết Bính Ngọ
//!   (14/02–22/02) and Quốc khánh (29/08–02/09, make-up Saturday 22/08). Giỗ Tổ falls on Sunday
//!   26/04, so Monday 27/04 is the Labour Code's compensatory day.
//! - **2027 is partly provisional.** No schedule for Tết Đinh Mùi (mùng 1 is Saturday
//!   06/02/2027) nor for the day beside Quốc khánh had been announced when the data were
//!   written. Those rows are marked `provisional`: the Labour Code's five Tết days placed one
//!   before and four after mùng 1, with the weekend ones compensated on the following
//!   weekdays, as in 2024; and Friday 03/09 as the day beside Thursday 02/09, as in 2021.
//!   Deadlines computed across them may move when the year is announced: replace the rows
//!   (or load a newer file with [`Calendar::from_csv`]) and deadlines follow.
//!
//! Days outside the covered years count Monday to Friday as working days and nothing else;
//! [`Calendar::covers`] tells a caller when that fallback is in play.
//!
//! Not included: the proposed Ngày Văn hóa Việt Nam (24/11), which still needed an amendment
//! of Điều 112 of the Labour Code when the data were written, and the extra days for foreign
//! employees' national days.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::text::nfc;

/// What a calendar row says about its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// One of the public holidays of Bộ luật Lao động 2019, Điều 112 khoản 1.
    Holiday,
    /// Nghỉ bù: a weekday off because a holiday fell on a weekend (Điều 111 khoản 3).
    Compensatory,
    /// Nghỉ hoán đổi: a working day given off in exchange for a make-up day.
    SwappedDayOff,
    /// Làm bù: a Saturday or Sunday worked in exchange for a swapped day off.
    MakeUpDay,
}

impl DayKind {
    /// Every kind.
    pub const ALL: [DayKind; 4] = [
        DayKind::Holiday,
        DayKind::Compensatory,
        DayKind::SwappedDayOff,
        DayKind::MakeUpDay,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Compensatory => "compensatory",
            DayKind::SwappedDayOff => "swapped_day_off",
            DayKind::MakeUpDay => "make_up_day",
        }
    }

    /// Whether offices are closed that day.
    pub fn is_day_off(self) -> bool {
        !matches!(self, DayKind::MakeUpDay)
    }
}

impl FromStr for DayKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DayKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("kind", "invalid_enum"))
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How settled a calendar row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    /// Follows from the Labour Code alone (a fixed-date holiday, a compensatory day).
    Statutory,
    /// Set by the Government's announcement for that year.
    Announced,
    /// Expected but not yet announced; may move.
    Provisional,
}

impl DayStatus {
    /// Every status.
    pub const ALL: [DayStatus; 3] = [
        DayStatus::Statutory,
        DayStatus::Announced,
        DayStatus::Provisional,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DayStatus::Statutory => "statutory",
            DayStatus::Announced => "announced",
            DayStatus::Provisional => "provisional",
        }
    }
}

impl FromStr for DayStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DayStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("status", "invalid_enum"))
    }
}

impl fmt::Display for DayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One day the calendar knows something about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The day.
    pub date: NaiveDate,
    /// Day off or make-up working day, and why.
    pub kind: DayKind,
    /// Statutory, announced or provisional.
    pub status: DayStatus,
    /// The occasion, in Vietnamese ("Tết Nguyên đán Ất Tỵ (mùng 1)").
    pub occasion: String,
    /// The law or announcement the row rests on.
    pub source: String,
}

/// Whether a day is Saturday or Sunday.
pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Public holidays and make-up days, on top of the Saturday–Sunday weekend.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, CalendarDay>,
    years: BTreeSet<i32>,
}

/// The columns of a calendar file, in order.
const COLUMNS: [&str; 5] = ["date", "kind", "status", "occasion", "source"];

impl Calendar {
    /// The embedded calendar file.
    pub const VIETNAM_CSV: &'static str = include_str!("vietnam_holidays.csv");

    /// Vietnam's calendar for public servants, 2025–2027 (see the module documentation for
    /// what is announced and what is provisional).
    ///
    /// Parsed from the embedded file; a test keeps it valid, and a caller builds it once at
    /// start-up.
    pub fn vietnam() -> Result<Self, DomainError> {
        Self::from_csv(Self::VIETNAM_CSV)
    }

    /// A calendar with weekends only.
    pub fn weekends_only() -> Self {
        Self::default()
    }

    /// Reads a calendar file: a header `date,kind,status,occasion,source`, then one row per
    /// day; `#` lines and blank lines are skipped; fields may be double-quoted.
    ///
    /// Errors point at `/<line>/<column>`, lines counted from 1.
    pub fn from_csv(text: &str) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let mut rows = Vec::new();
        let mut header_seen = false;
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some(fields) = split_csv_line(trimmed) else {
                errors.push(FieldError::new(format!("/{line_no}"), "invalid_csv"));
                continue;
            };
            if !header_seen {
                header_seen = true;
                if fields != COLUMNS {
                    errors.push(
                        FieldError::new(format!("/{line_no}"), "invalid_header")
                            .with("expected", COLUMNS.join(",")),
                    );
                    break;
                }
                continue;
            }
            match parse_row(line_no, &fields) {
                Ok(day) => rows.push((line_no, day)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !header_seen {
            errors
                .push(FieldError::new("/1", "invalid_header").with("expected", COLUMNS.join(",")));
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        Self::build(
            rows.into_iter()
                .map(|(line, day)| (format!("/{line}"), day)),
        )
    }

    /// Builds a calendar from rows kept elsewhere (a database table); errors point at
    /// `/<index>/<field>`.
    pub fn from_days(days: impl IntoIterator<Item = CalendarDay>) -> Result<Self, DomainError> {
        Self::build(
            days.into_iter()
                .enumerate()
                .map(|(i, day)| (format!("/{i}"), day)),
        )
    }

    fn build(rows: impl Iterator<Item = (String, CalendarDay)>) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let mut days = BTreeMap::new();
        for (pointer, day) in rows {
            let weekend = is_weekend(day.date);
            match day.kind {
                DayKind::MakeUpDay if !weekend => errors.push(FieldError::new(
                    format!("{pointer}/date"),
                    "make_up_day_not_on_weekend",
                )),
                DayKind::Compensatory | DayKind::SwappedDayOff if weekend => errors.push(
                    FieldError::new(format!("{pointer}/date"), "day_off_on_weekend"),
                ),
                _ => {}
            }
            if day.occasion.trim().is_empty() {
                errors.push(FieldError::new(format!("{pointer}/occasion"), "required"));
            }
            if day.source.trim().is_empty() {
                errors.push(FieldError::new(format!("{pointer}/source"), "required"));
            }
            if days.contains_key(&day.date) {
                errors.push(
                    FieldError::new(format!("{pointer}/date"), "duplicate_date")
                        .with("date", day.date),
                );
                continue;
            }
            days.insert(day.date, day);
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        let years = days.keys().map(Datelike::year).collect();
        Ok(Self { days, years })
    }

    /// Every row, by date.
    pub fn days(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    /// The row for a day, if the calendar has one.
    pub fn day(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// Whether the calendar holds data for the year; outside it only weekends count.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years the calendar holds data for.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether offices work that day: Monday to Friday unless a day off, and make-up days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(day) => !day.kind.is_day_off(),
            None => !is_weekend(date),
        }
    }

    /// The `n`-th working day after `from` (`from` itself when `n` is 0, working day or not).
    ///
    /// Saturates at chrono's last date rather than overflowing.
    pub fn add_working_days(&self, from: NaiveDate, n: u16) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            let Some(next) = day.succ_opt() else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The day itself when it is a working day, else the next working day (how Bộ luật Dân
    /// sự 2015, Điều 148 khoản 5, ends a time limit whose last day is a day off).
    pub fn on_or_next_working_day(&self, date: NaiveDate) -> NaiveDate {
        if self.is_working_day(date) {
            date
        } else {
            self.add_working_days(date, 1)
        }
    }

    /// Whether any provisional row lies between the two days (inclusive), so that a result
    /// computed across them may still move.
    pub fn has_provisional_between(&self, first: NaiveDate, last: NaiveDate) -> bool {
        first <= last
            && self
                .days
                .range(first..=last)
                .any(|(_, d)| d.status == DayStatus::Provisional)
    }
}

fn parse_row(line_no: usize, fields: &[String]) -> Result<CalendarDay, Vec<FieldError>> {
    let at = |col: &str| format!("/{line_no}/{col}");
    if fields.len() != COLUMNS.len() {
        return Err(vec![FieldError::new(
            format!("/{line_no}"),
            "wrong_column_count",
        )
        .with("expected", COLUMNS.len())
        .with("found", fields.len())]);
    }
    let mut errors = Vec::new();
    let date = NaiveDate::parse_from_str(&fields[0], "%Y-%m-%d")
        .map_err(|_| errors.push(FieldError::new(at("date"), "invalid_date")))
        .ok();
    let kind = fields[1]
        .parse::<DayKind>()
        .map_err(|_| errors.push(FieldError::new(at("kind"), "invalid_enum")))
        .ok();
    let status = fields[2]
        .parse::<DayStatus>()
        .map_err(|_| errors.push(FieldError::new(at("status"), "invalid_enum")))
        .ok();
    match (date, kind, status) {
        (Some(date), Some(kind), Some(status)) => Ok(CalendarDay {
            date,
            kind,
            status,
            occasion: nfc(&fields[3]),
            source: nfc(&fields[4]),
        }),
        _ => Err(errors),
    }
}

/// Splits one CSV line: fields separated by `,`, optionally double-quoted with `""` for a
/// quote inside. None when a quote is left open or stray text follows a closing quote.
fn split_csv_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Some(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Some(fields);
                    }
                    Some(',') => break,
                    Some('"') => return None,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn vn() -> Calendar {
        Calendar::vietnam().unwrap()
    }

    fn off_between(cal: &Calendar, first: NaiveDate, last: NaiveDate) -> bool {
        first
            .iter_days()
            .take_while(|x| *x <= last)
            .all(|x| !cal.is_working_day(x))
    }

    #[test]
    fn embedded_calendar_loads_and_covers_2025_to_2027() {
        let cal = vn();
        assert_eq!(cal.years().collect::<Vec<_>>(), [2025, 2026, 2027]);
        assert!(!cal.covers(2024));
        assert!(cal.days().count() > 40);
    }

    #[test]
    fn tet_2025_ran_25_january_to_2_february() {
        let cal = vn();
        assert!(off_between(&cal, d(2025, 1, 25), d(2025, 2, 2)));
        assert!(cal.is_working_day(d(2025, 1, 24)));
        assert!(cal.is_working_day(d(2025, 2, 3)));
    }

    #[test]
    fn known_days_of_2025() {
        let cal = vn();
        assert!(!cal.is_working_day(d(2025, 1, 1)));
        assert!(!cal.is_working_day(d(2025, 4, 7)), "Giỗ Tổ");
        assert!(cal.is_working_day(d(2025, 4, 26)), "make-up Saturday");
        assert!(off_between(&cal, d(2025, 4, 30), d(2025, 5, 4)));
        assert!(off_between(&cal, d(2025, 8, 30), d(2025, 9, 2)));
        assert!(!cal.is_working_day(d(2025, 9, 2)));
        assert!(cal.is_working_day(d(2025, 9, 3)));
        assert_eq!(
            cal.day(d(2025, 9, 2)).map(|x| x.kind),
            Some(DayKind::Holiday)
        );
    }

    #[test]
    fn known_days_of_2026() {
        let cal = vn();
        assert!(off_between(&cal, d(2026, 1, 1), d(2026, 1, 4)));
        assert!(cal.is_working_day(d(2026, 1, 10)), "make-up Saturday");
        assert!(off_between(&cal, d(2026, 2, 14), d(2026, 2, 22)));
        assert!(cal.is_working_day(d(2026, 2, 13)));
        assert!(cal.is_working_day(d(2026, 2, 23)));
        assert!(
            !cal.is_working_day(d(2026, 4, 27)),
            "compensatory for Sunday Giỗ Tổ"
        );
        assert!(cal.is_working_day(d(2026, 4, 28)));
        assert!(off_between(&cal, d(2026, 4, 30), d(2026, 5, 3)));
        assert!(cal.is_working_day(d(2026, 8, 22)), "make-up Saturday");
        assert!(off_between(&cal, d(2026, 8, 29), d(2026, 9, 2)));
    }

    #[test]
    fn only_2027_rows_are_provisional() {
        let cal = vn();
        for day in cal.days() {
            if day.status == DayStatus::Provisional {
                assert_eq!(day.date.year(), 2027, "{day:?}");
            }
        }
        assert!(cal.has_provisional_between(d(2027, 2, 1), d(2027, 2, 28)));
        assert!(!cal.has_provisional_between(d(2025, 1, 1), d(2026, 12, 31)));
        assert!(off_between(&cal, d(2027, 2, 5), d(2027, 2, 11)));
    }

    /// The Labour Code's 11 holidays each year; every weekend holiday compensated; every
    /// swapped day off balanced by a make-up day.
    #[test]
    fn each_year_is_consistent_with_the_labour_code() {
        let cal = vn();
        for year in [2025, 2026, 2027] {
            let of_year: Vec<&CalendarDay> = cal.days().filter(|x| x.date.year() == year).collect();
            let count = |k: DayKind| of_year.iter().filter(|x| x.kind == k).count();
            assert_eq!(count(DayKind::Holiday), 11, "{year}");
            let weekend_holidays = of_year
                .iter()
                .filter(|x| x.kind == DayKind::Holiday && is_weekend(x.date))
                .count();
            assert_eq!(count(DayKind::Compensatory), weekend_holidays, "{year}");
            assert_eq!(
                count(DayKind::SwappedDayOff),
                count(DayKind::MakeUpDay),
                "{year}"
            );
        }
    }

    #[test]
    fn working_day_arithmetic() {
        let cal = vn();
        assert_eq!(cal.add_working_days(d(2025, 1, 24), 1), d(2025, 2, 3));
        assert_eq!(cal.add_working_days(d(2025, 3, 14), 5), d(2025, 3, 21));
        assert_eq!(cal.add_working_days(d(2025, 4, 25), 1), d(2025, 4, 26));
        assert_eq!(cal.add_working_days(d(2025, 4, 29), 1), d(2025, 5, 5));
        assert_eq!(cal.add_working_days(d(2025, 4, 29), 0), d(2025, 4, 29));
        assert_eq!(cal.on_or_next_working_day(d(2025, 12, 20)), d(2025, 12, 22));
        assert_eq!(cal.on_or_next_working_day(d(2025, 12, 19)), d(2025, 12, 19));
        assert_eq!(cal.on_or_next_working_day(d(2026, 2, 14)), d(2026, 2, 23));
        // Outside the data only weekends count.
        let plain = Calendar::weekends_only();
        assert_eq!(plain.add_working_days(d(2025, 1, 24), 1), d(2025, 1, 27));
        assert_eq!(
            plain.add_working_days(NaiveDate::MAX, 3),
            NaiveDate::MAX,
            "saturates"
        );
    }

    #[test]
    fn csv_errors_point_at_line_and_column() {
        let header = "date,kind,status,occasion,source\n";
        let err = |text: &str| match Calendar::from_csv(text) {
            Err(DomainError::Validation(e)) => e
                .into_iter()
                .map(|f| (f.pointer, f.code))
                .collect::<Vec<_>>(),
            Ok(_) => Vec::new(),
        };
        let pair = |p: &str, c: &str| (p.to_owned(), c.to_owned());
        assert_eq!(
            err(&format!("{header}2025-02-30,holiday,statutory,x,y")),
            [pair("/2/date", "invalid_date")]
        );
        assert_eq!(
            err(&format!("# c\n{header}2025-01-01,feast,maybe,x,y")),
            [
                pair("/3/kind", "invalid_enum"),
                pair("/3/status", "invalid_enum")
            ]
        );
        assert_eq!(
            err(&format!("{header}2025-01-01,holiday,statutory,x")),
            [pair("/2", "wrong_column_count")]
        );
        assert_eq!(
            err(&format!(
                "{header}2025-01-01,holiday,statutory,x,y\n2025-01-01,holiday,statutory,x,y"
            )),
            [pair("/3/date", "duplicate_date")]
        );
        assert_eq!(
            err(&format!("{header}2025-01-02,make_up_day,announced,x,y")),
            [pair("/2/date", "make_up_day_not_on_weekend")]
        );
        assert_eq!(
            err(&format!("{header}2025-01-04,compensatory,statutory,x,y")),
            [pair("/2/date", "day_off_on_weekend")]
        );
        assert_eq!(
            err(&format!(
                "{header}2025-01-01,holiday,statutory,\"x,\"\"y\"\"\",\"\""
            )),
            [pair("/2/source", "required")]
        );
        assert_eq!(
            err(&format!("{header}2025-01-01,holiday,statutory,\"open,y")),
            [pair("/2", "invalid_csv")]
        );
        assert_eq!(err("kind,date\n"), [pair("/1", "invalid_header")]);
        assert_eq!(err(""), [pair("/1", "invalid_header")]);
    }

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        assert_eq!(
            split_csv_line(r#"a,"b, c","say ""hi""",,"#),
            Some(vec![
                "a".into(),
                "b, c".into(),
                r#"say "hi""#.into(),
                String::new(),
                String::new()
            ])
        );
        assert_eq!(split_csv_line(r#""a"b"#), None);
        assert_eq!(split_csv_line(r#"a"b"#), None);
    }

    #[test]
    fn rows_from_storage_round_trip() {
        let cal = vn();
        let again = Calendar::from_days(cal.days().cloned()).unwrap();
        assert_eq!(again, cal);
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 4)).prop_map(|n| d(2024, 6, 1) + chrono::TimeDelta::days(n))
    }

    proptest! {
        #[test]
        fn adding_working_days_is_monotone(a in any_day(), b in any_day(), n in 0u16..40, m in 0u16..40) {
            let cal = vn();
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(cal.add_working_days(early, n) <= cal.add_working_days(late, n));
            let (few, many) = if n <= m { (n, m) } else { (m, n) };
            prop_assert!(cal.add_working_days(a, few) <= cal.add_working_days(a, many));
            prop_assert!(cal.add_working_days(a, n) < cal.add_working_days(a, n + 1));
        }

        #[test]
        fn added_working_days_land_on_working_days(a in any_day(), n in 1u16..40) {
            let cal = vn();
            let end = cal.add_working_days(a, n);
            prop_assert!(cal.is_working_day(end));
            let counted = a.iter_days().skip(1).take_while(|x| *x <= end)
                .filter(|x| cal.is_working_day(*x)).count();
            prop_assert_eq!(counted, usize::from(n));
        }

        #[test]
        fn csv_reader_never_panics(text in "[-0-9a-z,\"#\n ]{0,80}") {
            let _ = Calendar::from_csv(&text);
        }
    }
}
