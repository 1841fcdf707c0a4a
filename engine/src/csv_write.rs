//! RFC 4180 field quoting, shared by every CSV the engine writes.

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

#[cfg(test)]
mod tests {
    use super::*;

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
