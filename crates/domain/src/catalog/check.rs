//! Collecting every field error of an input before giving up, so a client sees them all at once.

use crate::error::{DomainError, FieldError};
use crate::text::nfc;
use crate::unit::{UnitCode, UnitKind};

use super::{ItemCode, MAX_MONEY_VND, MAX_YEAR, MIN_YEAR};

/// A closed set of text values (implemented by `text_enum!`).
pub(crate) trait Enumerated: Sized + Copy {
    fn from_text(text: &str) -> Option<Self>;
    fn allowed() -> String;
    /// A value to carry on with after an error was recorded (the result is discarded).
    fn fallback() -> Self;
}

/// Field errors found so far.
#[derive(Debug, Default)]
pub(crate) struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error.
    pub(crate) fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Records a rule broken at a pointer.
    pub(crate) fn fail(&mut self, pointer: impl Into<String>, code: &str) {
        self.errors.push(FieldError::new(pointer, code));
    }

    /// NFC text that must not be empty, at most `max` characters.
    pub(crate) fn required_text(&mut self, pointer: &str, raw: &str, max: usize) -> String {
        let text = nfc(raw);
        if text.is_empty() {
            self.fail(pointer, "required");
        } else if text.chars().count() > max {
            self.push(FieldError::new(pointer, "too_long").with("max", max));
        } else if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.fail(pointer, "invalid_characters");
        }
        text
    }

    /// NFC text or nothing (blank counts as nothing), at most `max` characters.
    pub(crate) fn optional_text(
        &mut self,
        pointer: &str,
        raw: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let text = nfc(raw?);
        if text.is_empty() {
            return None;
        }
        Some(self.required_text(pointer, &text, max))
    }

    /// One value of a closed set.
    pub(crate) fn enumerated<T: Enumerated>(&mut self, pointer: &str, raw: &str) -> T {
        match T::from_text(raw.trim()) {
            Some(v) => v,
            None => {
                let code = if raw.trim().is_empty() {
                    "required"
                } else {
                    "invalid_enum"
                };
                self.push(FieldError::new(pointer, code).with("allowed", T::allowed()));
                T::fallback()
            }
        }
    }

    /// An optional value of a closed set (blank counts as nothing).
    pub(crate) fn optional_enumerated<T: Enumerated>(
        &mut self,
        pointer: &str,
        raw: Option<&str>,
    ) -> Option<T> {
        match raw.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(self.enumerated(pointer, text)),
        }
    }

    /// An amount of money: whole VND, 0 to [`MAX_MONEY_VND`].
    pub(crate) fn money(&mut self, pointer: &str, value: Option<i64>) -> Option<i64> {
        if let Some(v) = value {
            if !(0..=MAX_MONEY_VND).contains(&v) {
                self.push(
                    FieldError::new(pointer, "out_of_range")
                        .with("min", 0)
                        .with("max", MAX_MONEY_VND),
                );
            }
        }
        value
    }

    /// A calendar year the catalog can hold.
    pub(crate) fn year(&mut self, pointer: &str, year: i32) -> i32 {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            self.push(
                FieldError::new(pointer, "out_of_range")
                    .with("min", MIN_YEAR)
                    .with("max", MAX_YEAR),
            );
        }
        year
    }

    /// An optional year.
    pub(crate) fn optional_year(&mut self, pointer: &str, year: Option<i32>) -> Option<i32> {
        year.map(|y| self.year(pointer, y))
    }

    /// A code unique within the plan.
    pub(crate) fn item_code(&mut self, pointer: &str, raw: &str) -> ItemCode {
        match ItemCode::parse(raw) {
            Ok(code) => code,
            Err(_) => {
                self.fail(pointer, "invalid_code");
                ItemCode(String::from("invalid"))
            }
        }
    }

    /// An optional unit code.
    pub(crate) fn optional_unit(&mut self, pointer: &str, raw: Option<&str>) -> Option<UnitCode> {
        match raw.map(str::trim) {
            None | Some("") => None,
            Some(text) => match UnitCode::parse(text) {
                Ok(code) => Some(code),
                Err(_) => {
                    self.fail(pointer, "invalid_unit_code");
                    None
                }
            },
        }
    }

    /// A list of distinct unit codes; each bad or repeated one is reported at its index.
    pub(crate) fn units(&mut self, pointer: &str, raw: &[String]) -> Vec<UnitCode> {
        let mut out: Vec<UnitCode> = Vec::with_capacity(raw.len());
        for (i, text) in raw.iter().enumerate() {
            let p = format!("{pointer}/{i}");
            match UnitCode::parse(text) {
                Ok(code) if out.contains(&code) => self.fail(p, "duplicate"),
                Ok(code) => out.push(code),
                Err(_) => self.fail(p, "invalid_unit_code"),
            }
        }
        out
    }

    /// A list of distinct unit kinds.
    pub(crate) fn unit_kinds(&mut self, pointer: &str, raw: &[String]) -> Vec<UnitKind> {
        let mut out = Vec::with_capacity(raw.len());
        for (i, text) in raw.iter().enumerate() {
            let p = format!("{pointer}/{i}");
            match text.trim().parse::<UnitKind>() {
                Ok(kind) if out.contains(&kind) => self.fail(p, "duplicate"),
                Ok(kind) => out.push(kind),
                Err(_) => self.push(
                    FieldError::new(p, "invalid_enum")
                        .with("allowed", "province, department, commune, district"),
                ),
            }
        }
        out
    }

    /// `first <= last` when both are given.
    pub(crate) fn ordered_years(&mut self, pointer: &str, first: Option<i32>, last: Option<i32>) {
        if let (Some(a), Some(b)) = (first, last) {
            if a > b {
                self.push(FieldError::new(pointer, "before_start").with("min", a));
            }
        }
    }

    /// The value when no error was recorded, else every error.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, DomainError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(DomainError::Validation(self.errors))
        }
    }
}
