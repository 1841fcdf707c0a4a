//! Telling encodings apart, for messages that say what a file looks like.

use encoding_rs::{EUC_JP, SHIFT_JIS};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Length of a UTF-8 byte-order mark at the start of `input` (0 or 3).
pub(crate) fn utf8_bom_len(input: &[u8]) -> usize {
    if input.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    }
}

/// `Some("UTF-16")` when `input` starts with a UTF-16 byte-order mark
/// (what Excel's "Unicode text" writes).
pub(crate) fn utf16_bom(input: &[u8]) -> Option<&'static str> {
    (input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF")).then_some("UTF-16")
}

/// Names the legacy Japanese encoding that decodes `input` without a single
/// error, if any: Shift_JIS (what Japanese Excel writes) or EUC-JP. EUC-JP
/// bytes often decode as Shift_JIS too, into half-width katakana that nobody
/// types, so when both decode the one with fewer of those wins.
/// Only meaningful for input that is not UTF-8.
pub(crate) fn guess_legacy_japanese(input: &[u8]) -> Option<&'static str> {
    [(SHIFT_JIS, "Shift_JIS"), (EUC_JP, "EUC-JP")]
        .into_iter()
        .filter_map(|(encoding, name)| {
            let text = encoding.decode_without_bom_handling_and_without_replacement(input)?;
            let halfwidth_kana = text
                .chars()
                .filter(|c| ('\u{FF61}'..='\u{FF9F}').contains(c))
                .count();
            Some((halfwidth_kana, name))
        })
        .min_by_key(|&(halfwidth_kana, _)| halfwidth_kana)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_what_japanese_bytes_are() {
        let (sjis, _, _) = SHIFT_JIS.encode("氏名,評価\r\n山田太郎,優");
        let (euc, _, _) = EUC_JP.encode("氏名,評価\r\n山田太郎,優");
        let cases: [(&[u8], Option<&str>); 3] = [
            (&sjis, Some("Shift_JIS")),
            (&euc, Some("EUC-JP")),
            (b"\xFF\xFF\xFF", None),
        ];
        for (input, expected) in cases {
            assert_eq!(guess_legacy_japanese(input), expected, "{input:?}");
        }
    }
}
