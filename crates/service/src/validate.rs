//! Small helpers that turn raw input into values or field errors with JSON pointers.

use chrono::NaiveDate;
use dtihub_db::repo;
use dtihub_db::DbConn;
use dtihub_domain::text::nfc;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;

use crate::error::ServiceError;

/// Collects field errors while parsing several inputs, so the client hears of all at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value or records the error.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), ServiceError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(self.0))
        }
    }
}

/// Required text, NFC, not blank, at most `max` characters, no control characters.
pub fn text(raw: &str, pointer: &str, max: usize) -> Result<String, FieldError> {
    let value = nfc(raw);
    if value.is_empty() {
        return Err(FieldError::new(pointer, "required"));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(pointer, "too_long").with("max", max));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(pointer, "invalid_characters"));
    }
    Ok(value)
}

/// Optional text: `None` or blank gives `None`.
pub fn optional_text(
    raw: Option<&str>,
    pointer: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw.map(nfc).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => text(&v, pointer, max).map(Some),
    }
}

/// A date in `YYYY-MM-DD`.
pub fn date(raw: &str, pointer: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(pointer, "invalid_date"))
}

/// A unit code that must name an existing unit.
pub fn existing_unit(
    conn: &mut DbConn,
    raw: &str,
    pointer: &str,
) -> Result<Result<UnitCode, FieldError>, ServiceError> {
    let Ok(code) = UnitCode::parse(raw) else {
        return Ok(Err(FieldError::new(pointer, "invalid_unit_code")));
    };
    if repo::units::find_by_code(conn, code.as_str())?.is_none() {
        return Ok(Err(FieldError::new(pointer, "unknown_unit")));
    }
    Ok(Ok(code))
}

/// An e-mail address, checked loosely (one `@`, something on both sides, no spaces).
pub fn email(raw: &str, pointer: &str) -> Result<String, FieldError> {
    let value = raw.trim().to_owned();
    let ok = value.len() <= 254
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(value)
    } else {
        Err(FieldError::new(pointer, "invalid_email"))
    }
}
