//! Vietnamese text handling: NFC normalisation at the boundary and diacritic folding for search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Normalises text to Unicode NFC and trims surrounding white space.
///
/// The source documents mix composed and decomposed vowels; storing NFC makes equal
/// strings compare equal.
pub fn nfc(input: &str) -> String {
    input.trim().nfc().collect()
}

/// Folds text for diacritic-insensitive search: lower case, no combining marks, `đ` as `d`,
/// runs of white space collapsed to one space.
///
/// `"Chính quyền số"` and `"chinh  quyen so"` fold to the same string.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut last_space = true;
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            other => other,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_diacritics_and_d_bar() {
        assert_eq!(fold("Chính quyền số"), "chinh quyen so");
        assert_eq!(fold("Đồng Tháp"), "dong thap");
        assert_eq!(fold("  Sở   KH&CN "), "so kh&cn");
    }

    #[test]
    fn composed_and_decomposed_fold_alike() {
        let composed = "Tràm Chim";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed), fold(&decomposed));
        assert_eq!(nfc(&decomposed), composed);
    }

    #[test]
    fn nfc_trims() {
        assert_eq!(nfc("  Mỹ Quí \n"), "Mỹ Quí");
    }
}
