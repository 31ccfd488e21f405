//! Numbers as the province's documents print them: `.` groups thousands and `,` is the decimal
//! mark (`5.618` triệu, `171,17` tỷ, `106,8%`). Money is converted to exact integer VND, and
//! back to the same notation for display.

use std::fmt;

use crate::error::DomainError;

/// An exact decimal: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VnDecimal {
    /// The digits as an integer, with sign.
    pub mantissa: i128,
    /// How many of the digits are after the decimal mark.
    pub scale: u32,
}

/// Most digits accepted after the decimal mark.
const MAX_SCALE: u32 = 9;

impl VnDecimal {
    /// Parses `1.234.567,89`, `-5.618`, `74,51`, `0,5`, `1234`; surrounding spaces are ignored.
    ///
    /// A `.` must group exactly three digits (so `5.6` is rejected rather than read as 5,6);
    /// at most one `,`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let invalid = || DomainError::field("", "invalid_number");
        let t = text.trim();
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, t),
        };
        let (int_part, frac_part) = match t.split_once(',') {
            Some((i, f)) => (i, Some(f)),
            None => (t, None),
        };
        let groups: Vec<&str> = int_part.split('.').collect();
        let first = groups.first().copied().unwrap_or_default();
        // Ungrouped digits may be any length; grouped ones lead with 1 to 3 digits.
        let first_ok = !first.is_empty() && (groups.len() == 1 || first.len() <= 3);
        let valid_groups = first_ok
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
            && groups.iter().skip(1).all(|g| g.len() == 3);
        if !valid_groups {
            return Err(invalid());
        }
        let frac = frac_part.unwrap_or("");
        if frac_part.is_some() && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid());
        }
        let scale = u32::try_from(frac.len()).map_err(|_| invalid())?;
        if scale > MAX_SCALE {
            return Err(invalid());
        }
        let digits: String = groups.concat() + frac;
        if digits.len() > 30 {
            return Err(DomainError::field("", "out_of_range"));
        }
        let magnitude: i128 = digits.parse().map_err(|_| invalid())?;
        Ok(Self {
            mantissa: if negative { -magnitude } else { magnitude },
            scale,
        })
    }

    /// The value times `multiplier`, which must come out a whole number.
    pub fn times_exact(self, multiplier: i128) -> Result<i64, DomainError> {
        let divisor = 10_i128.pow(self.scale);
        let product = self
            .mantissa
            .checked_mul(multiplier)
            .ok_or_else(|| DomainError::field("", "out_of_range"))?;
        if product % divisor != 0 {
            return Err(DomainError::field("", "not_whole_vnd"));
        }
        i64::try_from(product / divisor).map_err(|_| DomainError::field("", "out_of_range"))
    }

    /// As `f64`, for percentages and ratios (never for money).
    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10_f64.powi(self.scale as i32)
    }

    /// The same number without trailing zeros after the decimal mark (`0,50` becomes `0,5`).
    #[must_use]
    pub fn normalized(self) -> Self {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }
}

/// Prints the number as the documents do: `.` between thousands, `,` before the decimals,
/// as many decimals as `scale` (`-1.234.567,80`). [`VnDecimal::parse`] reads it back.
impl fmt::Display for VnDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = self.scale as usize;
        let digits = format!(
            "{:0>width$}",
            self.mantissa.unsigned_abs(),
            width = scale + 1
        );
        let (int_part, frac_part) = digits.split_at(digits.len() - scale);
        if self.mantissa < 0 {
            f.write_str("-")?;
        }
        let lead = int_part.len() % 3;
        for (i, c) in int_part.chars().enumerate() {
            if i > 0 && i % 3 == lead {
                f.write_str(".")?;
            }
            write!(f, "{c}")?;
        }
        if !frac_part.is_empty() {
            write!(f, ",{frac_part}")?;
        }
        Ok(())
    }
}

/// One triệu đồng in VND.
pub const VND_PER_TRIEU: i128 = 1_000_000;
/// One tỷ đồng in VND.
pub const VND_PER_TY: i128 = 1_000_000_000;

/// Million-đồng figures as printed (`5.618`, `0,5`) to exact VND.
pub fn trieu_to_vnd(text: &str) -> Result<i64, DomainError> {
    VnDecimal::parse(text)?.times_exact(VND_PER_TRIEU)
}

/// Billion-đồng figures as printed (`171,17`) to exact VND.
pub fn ty_to_vnd(text: &str) -> Result<i64, DomainError> {
    VnDecimal::parse(text)?.times_exact(VND_PER_TY)
}

/// VND as million đồng, as printed (`5_618_000_000` gives `5.618`, `500_000` gives `0,5`).
pub fn vnd_to_trieu(vnd: i64) -> String {
    VnDecimal {
        mantissa: i128::from(vnd),
        scale: 6,
    }
    .normalized()
    .to_string()
}

/// VND as billion đồng, as printed (`171_170_000_000` gives `171,17`).
pub fn vnd_to_ty(vnd: i64) -> String {
    VnDecimal {
        mantissa: i128::from(vnd),
        scale: 9,
    }
    .normalized()
    .to_string()
}

/// A percentage as printed (`106,8%`, `74,51 %`, `60`) to its number (`106.8`).
pub fn parse_percent(text: &str) -> Result<VnDecimal, DomainError> {
    let t = text.trim();
    VnDecimal::parse(t.strip_suffix('%').unwrap_or(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_in_trieu_and_ty() {
        assert_eq!(trieu_to_vnd("5.618"), Ok(5_618_000_000));
        assert_eq!(trieu_to_vnd("118.225"), Ok(118_225_000_000));
        assert_eq!(trieu_to_vnd("15.687.824"), Ok(15_687_824_000_000));
        assert_eq!(trieu_to_vnd("0,5"), Ok(500_000));
        assert_eq!(trieu_to_vnd(" 49.900 "), Ok(49_900_000_000));
        assert_eq!(ty_to_vnd("171,17"), Ok(171_170_000_000));
        assert_eq!(ty_to_vnd("202,663"), Ok(202_663_000_000));
        assert_eq!(ty_to_vnd("84,027"), Ok(84_027_000_000));
    }

    #[test]
    fn rejects_ambiguous_or_inexact() {
        for bad in [
            "", "5.6", "1..000", "1,2,3", "abc", "1.0000", ",5", "5,", "1.234,5a", "--1",
        ] {
            assert!(VnDecimal::parse(bad).is_err(), "{bad}");
        }
        assert!(trieu_to_vnd("0,0000001").is_err());
        assert!(trieu_to_vnd("999.999.999.999.999.999").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("106,8%").map(VnDecimal::to_f64), Ok(106.8));
        assert_eq!(parse_percent("74,51 %").map(VnDecimal::to_f64), Ok(74.51));
        assert_eq!(parse_percent("60").map(VnDecimal::to_f64), Ok(60.0));
        assert_eq!(parse_percent("-1,5%").map(|d| d.mantissa), Ok(-15));
    }

    #[test]
    fn prints_vietnamese_notation() {
        let d = |mantissa, scale| VnDecimal { mantissa, scale }.to_string();
        assert_eq!(d(5618, 0), "5.618");
        assert_eq!(d(17117, 2), "171,17");
        assert_eq!(d(1068, 1), "106,8");
        assert_eq!(d(-123_456_789, 2), "-1.234.567,89");
        assert_eq!(d(5, 3), "0,005");
        assert_eq!(d(0, 0), "0");
        assert_eq!(d(100, 0), "100");
        assert_eq!(d(15_687_824, 0), "15.687.824");
        assert_eq!(vnd_to_trieu(5_618_000_000), "5.618");
        assert_eq!(vnd_to_trieu(500_000), "0,5");
        assert_eq!(vnd_to_trieu(15_687_824_000_000), "15.687.824");
        assert_eq!(vnd_to_ty(171_170_000_000), "171,17");
        assert_eq!(vnd_to_ty(84_027_000_000), "84,027");
        assert_eq!(vnd_to_trieu(1), "0,000001");
    }

    #[test]
    fn plain_digits_without_grouping_are_accepted() {
        assert_eq!(VnDecimal::parse("1234").map(|d| d.mantissa), Ok(1234));
        assert_eq!(VnDecimal::parse("1.234").map(|d| d.mantissa), Ok(1234));
    }

    fn any_decimal() -> impl Strategy<Value = VnDecimal> {
        (-10_i128.pow(18)..10_i128.pow(18), 0..=MAX_SCALE)
            .prop_map(|(mantissa, scale)| VnDecimal { mantissa, scale })
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in any::<String>()) {
            let _ = VnDecimal::parse(&text);
            let _ = trieu_to_vnd(&text);
            let _ = ty_to_vnd(&text);
            let _ = parse_percent(&text);
        }

        #[test]
        fn parsing_number_like_text_never_panics(text in "[-0-9.,% ]{0,45}") {
            if let Ok(d) = VnDecimal::parse(&text) {
                let _ = d.times_exact(VND_PER_TY);
                let _ = d.to_f64();
            }
            let _ = trieu_to_vnd(&text);
            let _ = ty_to_vnd(&text);
            let _ = parse_percent(&text);
        }

        #[test]
        fn printed_numbers_parse_back(d in any_decimal()) {
            prop_assert_eq!(VnDecimal::parse(&d.to_string()), Ok(d));
            prop_assert_eq!(parse_percent(&format!("{d}%")), Ok(d));
        }

        #[test]
        fn printed_money_parses_back(vnd in any::<i64>()) {
            prop_assert_eq!(trieu_to_vnd(&vnd_to_trieu(vnd)), Ok(vnd));
            prop_assert_eq!(ty_to_vnd(&vnd_to_ty(vnd)), Ok(vnd));
        }
    }
}
