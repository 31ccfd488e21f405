//! The unit registry: the province, its departments and its communes, with validity in time.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A unit's stable code, such as `SO-KHCN` or `XA-TRAM-CHIM`.
///
/// Upper-case ASCII letters, digits, `-` and `_`, 2 to 40 characters, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

impl UnitCode {
    /// Longest code accepted.
    pub const MAX_LEN: usize = 40;

    /// Parses a code, accepting lower case input and returning it upper-cased.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok_len = (2..=Self::MAX_LEN).contains(&code.len());
        let ok_first = code.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        let ok_chars = code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok_len && ok_first && ok_chars {
            Ok(Self(code))
        } else {
            Err(DomainError::field("code", "invalid_unit_code"))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnitCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UnitCode> for String {
    fn from(value: UnitCode) -> Self {
        value.0
    }
}

/// What kind of administrative unit this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// UBND tỉnh: the province itself.
    Province,
    /// Sở/ngành: a provincial department or agency.
    Department,
    /// UBND cấp xã: a commune or ward.
    Commune,
    /// UBND cấp huyện: kept only for history (abolished 07/2025).
    District,
}

impl UnitKind {
    /// Every kind, in display order.
    pub const ALL: [UnitKind; 4] = [
        UnitKind::Province,
        UnitKind::Department,
        UnitKind::Commune,
        UnitKind::District,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::Department => "department",
            UnitKind::Commune => "commune",
            UnitKind::District => "district",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnitKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("kind", "invalid_enum"))
    }
}

/// A unit as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Stable code.
    pub code: UnitCode,
    /// Official name, NFC.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// The unit it belongs to (a department's or commune's province).
    pub parent: Option<UnitCode>,
    /// Code in the national administrative-unit list, where one exists.
    pub official_code: Option<String>,
    /// First day the unit exists.
    pub valid_from: NaiveDate,
    /// Last day the unit exists; `None` while it is active.
    pub valid_to: Option<NaiveDate>,
    /// The unit that took over its work when it was merged, split or renamed.
    pub successor: Option<UnitCode>,
}

impl Unit {
    /// Whether the unit exists on the given day (both ends inclusive).
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_code_parses_and_uppercases() {
        assert_eq!(
            UnitCode::parse("so-khcn").map(|c| c.0),
            Ok("SO-KHCN".into())
        );
        assert!(UnitCode::parse("x").is_err());
        assert!(UnitCode::parse("1ABC").is_err());
        assert!(UnitCode::parse("SỞ").is_err());
        assert!(UnitCode::parse(&"A".repeat(41)).is_err());
    }

    #[test]
    fn kind_round_trips() {
        for k in UnitKind::ALL {
            assert_eq!(k.as_str().parse::<UnitKind>(), Ok(k));
        }
        assert!("ward".parse::<UnitKind>().is_err());
    }

    #[test]
    fn activity_is_inclusive() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let u = Unit {
            code: UnitCode("SO-TTTT".into()),
            name: "Sở Thông tin và Truyền thông".into(),
            kind: UnitKind::Department,
            parent: None,
            official_code: None,
            valid_from: d("2008-01-01"),
            valid_to: Some(d("2025-02-28")),
            successor: Some(UnitCode("SO-KHCN".into())),
        };
        assert!(u.is_active_on(d("2025-02-28")));
        assert!(!u.is_active_on(d("2025-03-01")));
        assert!(!u.is_active_on(d("2007-12-31")));
    }
}
