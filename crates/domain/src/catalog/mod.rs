//! The plan catalog: plans and what they plan (indicators with yearly targets, tasks, public
//! investment projects, recurrent budget lines), against which every report is filed.
//!
//! Each entity has an `*Input` (plain data as a client or a data file sends it, enums as text)
//! and a `parse` that validates it into the typed entity, returning every field error at once
//! with a JSON-pointer-like path such as `/targets/0/year`.

pub mod budget_line;
mod check;
pub mod indicator;
pub mod plan;
pub mod project;
pub mod task;
pub mod totals;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

pub use budget_line::{BudgetLine, BudgetLineInput};
pub use indicator::{Indicator, IndicatorInput};
pub use plan::{Plan, PlanInput};
pub use project::{Project, ProjectInput};
pub use task::{Task, TaskInput, Timing};

/// Declares a closed set of values with a stable snake_case text form.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value with this text form, if any.
            pub fn from_text(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            /// The accepted text forms, comma-separated (for error messages).
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::catalog::check::Enumerated for $name {
            fn from_text(text: &str) -> Option<Self> {
                $name::from_text(text)
            }
            fn allowed() -> String {
                $name::allowed()
            }
            fn fallback() -> Self {
                Self::ALL[0]
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// The ten pillars (trụ cột) the province's plans group their targets and tasks by.
    pub enum Pillar {
        /// Nhận thức số.
        NhanThucSo = "nhan_thuc_so",
        /// Thể chế số.
        TheCheSo = "the_che_so",
        /// Hạ tầng số.
        HaTangSo = "ha_tang_so",
        /// Dữ liệu số.
        DuLieuSo = "du_lieu_so",
        /// Nền tảng số.
        NenTangSo = "nen_tang_so",
        /// Nhân lực số.
        NhanLucSo = "nhan_luc_so",
        /// An toàn thông tin mạng.
        AnToanThongTin = "an_toan_thong_tin",
        /// Chính quyền số.
        ChinhQuyenSo = "chinh_quyen_so",
        /// Kinh tế số.
        KinhTeSo = "kinh_te_so",
        /// Xã hội số.
        XaHoiSo = "xa_hoi_so",
    }
}

/// Largest amount of money one field may hold: 10^15 VND (one million tỷ đồng), far above any
/// provincial budget, so that sums over thousands of items cannot overflow `i64`.
pub const MAX_MONEY_VND: i64 = 1_000_000_000_000_000;
/// Earliest year a plan, target or project may name.
pub const MIN_YEAR: i32 = 2000;
/// Latest year a plan, target or project may name.
pub const MAX_YEAR: i32 = 2100;

/// Declares an `i64` database identifier newtype.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A plan's identifier.
    PlanId
);
id_type!(
    /// An indicator's identifier.
    IndicatorId
);
id_type!(
    /// A task's identifier.
    TaskId
);
id_type!(
    /// A project's identifier.
    ProjectId
);
id_type!(
    /// A budget line's identifier.
    BudgetLineId
);

/// A plan's stable key, such as `KH-145-2022`: upper-case ASCII letters, digits, `-` and `_`,
/// 2 to 40 characters, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanCode(String);

impl PlanCode {
    /// Longest code accepted.
    pub const MAX_LEN: usize = 40;

    /// Parses a key, upper-casing it.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = (2..=Self::MAX_LEN).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(Self(code))
        } else {
            Err(DomainError::field("/code", "invalid_code"))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PlanCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PlanCode> for String {
    fn from(value: PlanCode) -> Self {
        value.0
    }
}

/// The code of an indicator, task, project or budget line, unique within its plan, such as
/// `KH99-2023-12`, `KHNN-2023-1.1`, `KHCDS-2025-DA-I.1` or `KHCDS-2025-đ1`: 1 to 60 letters
/// (Vietnamese ones included: the documents number bullets a, b, c, d, đ), digits, `-`, `_`,
/// `.` or `/`, starting with a letter or digit, NFC, case kept as given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemCode(String);

impl ItemCode {
    /// Longest code accepted.
    pub const MAX_LEN: usize = 60;

    /// Parses a code.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let code = crate::text::nfc(raw);
        let ok = (1..=Self::MAX_LEN).contains(&code.chars().count())
            && code.starts_with(char::is_alphanumeric)
            && code
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if ok {
            Ok(Self(code))
        } else {
            Err(DomainError::field("/code", "invalid_code"))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ItemCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ItemCode> for String {
    fn from(value: ItemCode) -> Self {
        value.0
    }
}

/// The years a plan covers, which bound its targets and allocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanYears {
    /// First year.
    pub first: i32,
    /// Last year (inclusive).
    pub last: i32,
}

impl PlanYears {
    /// Whether the year is one of the plan's.
    pub fn contains(self, year: i32) -> bool {
        (self.first..=self.last).contains(&year)
    }
}

/// Something a person should look at, though it is accepted (the documents contain such data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogWarning {
    /// Where, within the item (`/funding`).
    pub pointer: String,
    /// Stable snake_case code (`funding_exceeds_total_investment`).
    pub code: String,
    /// The code of the item concerned.
    pub item_code: String,
    /// The amount that is too large, in VND.
    pub amount_vnd: i64,
    /// The limit it exceeds, in VND.
    pub limit_vnd: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_codes() {
        assert_eq!(
            PlanCode::parse("kh-145-2022").map(String::from),
            Ok("KH-145-2022".into())
        );
        assert!(PlanCode::parse("1KH").is_err());
        assert!(PlanCode::parse("KH 145").is_err());
    }

    #[test]
    fn item_codes_keep_case_and_allow_dots() {
        for ok in [
            "KH145-2022-a01",
            "KHNN-2023-1.1",
            "KHCDS-2025-DA-I.1",
            "KHNN-2023-I/1.1",
        ] {
            assert_eq!(ItemCode::parse(ok).map(String::from), Ok(ok.into()), "{ok}");
        }
        for bad in ["", "-x", "a b", "a%b", &"a".repeat(61)] {
            assert!(ItemCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pillars_round_trip() {
        assert_eq!(Pillar::ALL.len(), 10);
        for p in Pillar::ALL {
            assert_eq!(Pillar::from_text(p.as_str()), Some(*p));
        }
        assert_eq!(Pillar::from_text("chinh quyen so"), None);
    }
}
