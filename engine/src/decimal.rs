//! Exact decimal numbers with two decimals, parsed straight from bytes.
//!
//! Evaluation sheets store numbers with at most two decimals and round the
//! third half-up (12.3456 → 12.35, 1.005 → 1.01, -1.005 → -1.01). Going
//! through `f64` gets 1.005 wrong (it is 1.00499999… in binary), so values are
//! kept as an integer count of hundredths and the rounding looks at the
//! decimal digits themselves.

use std::fmt;

/// A decimal number as a whole count of hundredths (12.35 is `Hundredths(1235)`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Hundredths(pub i64);

/// At most this many digits before the decimal point. Excel keeps 15
/// significant digits, so a longer number has already lost precision.
pub const MAX_INTEGER_DIGITS: usize = 15;

/// Why some bytes are not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not of the form `-12.5`; the hint says what it looks like instead.
    Invalid(NumberHint),
    /// More than [`MAX_INTEGER_DIGITS`] digits before the decimal point.
    TooLarge,
}

/// What a malformed number looks like, so the message can say how to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberHint {
    /// Full-width digits such as `１２３`, which Japanese IMEs produce.
    FullWidth,
    /// Spaces before or after the digits.
    Whitespace,
    /// A thousands separator such as `1,234`.
    ThousandsSeparator,
    /// Scientific notation such as `1E+03`.
    Exponent,
    /// Anything else.
    Other,
}

impl Hundredths {
    /// Parses `[+-]digits[.digits]` (digits on at least one side of the
    /// point), rounding half-up (away from zero) at the third decimal.
    pub fn parse(bytes: &[u8]) -> Result<Self, NumberError> {
        Self::parse_checking_form(bytes).map(|(value, _)| value)
    }

    /// [`Hundredths::parse`], also telling whether `bytes` already is the
    /// canonical form of the value (as [`fmt::Display`] writes it), so that
    /// callers can keep the input instead of formatting it again.
    #[inline(always)]
    pub fn parse_checking_form(bytes: &[u8]) -> Result<(Self, bool), NumberError> {
        match Self::parse_prefix(bytes) {
            (Ok(number), used) if used == bytes.len() => Ok(number),
            (Err(NumberError::TooLarge), _) => Err(NumberError::TooLarge),
            _ => Err(NumberError::Invalid(NumberHint::of(bytes))),
        }
    }

    /// Parses the number at the start of `bytes`, which may go on with
    /// anything, and says how many bytes it took. A reader that knows what
    /// may follow a number (a delimiter) can then parse a cell without first
    /// searching for its end.
    #[inline(always)]
    pub(crate) fn parse_prefix(bytes: &[u8]) -> (Result<(Self, bool), NumberError>, usize) {
        let (sign, digits) = match bytes.split_first() {
            Some((&sign @ (b'-' | b'+'), rest)) => (sign, rest),
            _ => (b' ', bytes),
        };
        let signed = usize::from(sign != b' ');
        // One pass, no slicing: this runs for millions of cells.
        let digit_at = |i: usize| {
            digits
                .get(i)
                .map(|b| b.wrapping_sub(b'0'))
                .filter(|d| *d <= 9)
        };
        let mut at = 0;
        let mut whole: i64 = 0;
        while let Some(digit) = digit_at(at) {
            whole = whole * 10 + i64::from(digit);
            if whole >= 10i64.pow(MAX_INTEGER_DIGITS as u32) {
                return (Err(NumberError::TooLarge), signed + at + 1);
            }
            at += 1;
        }
        let int_len = at;
        let (mut hundredths, mut frac_len, mut round_up, mut last_digit) =
            (0i64, 0usize, false, 0u8);
        let point = digits.get(at) == Some(&b'.');
        if point {
            at += 1;
            while let Some(digit) = digit_at(at) {
                match frac_len {
                    0 | 1 => hundredths = hundredths * 10 + i64::from(digit),
                    2 => round_up = digit >= 5,
                    _ => {}
                }
                last_digit = digit;
                frac_len += 1;
                at += 1;
            }
        }
        if int_len == 0 && frac_len == 0 {
            return (Err(NumberError::Invalid(NumberHint::Other)), signed + at);
        }
        if frac_len < 2 {
            hundredths *= if frac_len == 0 { 100 } else { 10 };
        }
        let value = whole * 100 + hundredths + i64::from(round_up);
        let canonical = sign != b'+'
            && (int_len == 1 || (int_len > 1 && digits[0] != b'0'))
            && (!point || (matches!(frac_len, 1 | 2) && last_digit != 0))
            && !(sign == b'-' && value == 0);
        (
            Ok((
                Hundredths(if sign == b'-' { -value } else { value }),
                canonical,
            )),
            signed + at,
        )
    }

    /// The smallest whole number of hundredths that is `>= bound`, or `None`
    /// when the bound is not finite or too large to matter.
    pub(crate) fn ceil_from_f64(bound: f64) -> Option<Self> {
        Self::from_f64(bound, true)
    }

    /// The largest whole number of hundredths that is `<= bound`.
    pub(crate) fn floor_from_f64(bound: f64) -> Option<Self> {
        Self::from_f64(bound, false)
    }

    /// Converts a schema bound exactly: the shortest decimal text that
    /// round-trips the `f64` (what the JSON said) is cut at two decimals, and
    /// moved one hundredth up or down when digits were cut.
    fn from_f64(bound: f64, ceil: bool) -> Option<Self> {
        if !bound.is_finite() || bound.abs() >= 1e15 {
            return None;
        }
        let text = format!("{bound}");
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        let mut value: i64 = 0;
        for digit in int_part
            .bytes()
            .chain(frac_part.bytes().chain("00".bytes()).take(2))
        {
            value = value * 10 + i64::from(digit - b'0');
        }
        let cut = frac_part.bytes().skip(2).any(|d| d != b'0');
        // Cutting digits moves the magnitude towards zero: for a positive
        // bound that is a floor, for a negative one a ceiling.
        if cut && (ceil != negative) {
            value += 1;
        }
        Some(Hundredths(if negative { -value } else { value }))
    }
}

impl Hundredths {
    /// Appends the canonical form (see [`fmt::Display`]) without going
    /// through the formatting machinery, which matters at millions of cells.
    pub fn write_to(self, out: &mut String) {
        let mut digits = [0u8; 24];
        let mut at = digits.len();
        let magnitude = self.0.unsigned_abs();
        let (mut int_part, mut frac) = (magnitude / 100, magnitude % 100);
        let mut frac_len = 2;
        while frac_len > 0 && frac % 10 == 0 {
            frac /= 10;
            frac_len -= 1;
        }
        for _ in 0..frac_len {
            at -= 1;
            digits[at] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        if frac_len > 0 {
            at -= 1;
            digits[at] = b'.';
        }
        loop {
            at -= 1;
            digits[at] = b'0' + (int_part % 10) as u8;
            int_part /= 10;
            if int_part == 0 {
                break;
            }
        }
        if self.0 < 0 {
            at -= 1;
            digits[at] = b'-';
        }
        out.extend(digits[at..].iter().map(|&b| char::from(b)));
    }
}

impl fmt::Display for Hundredths {
    /// Canonical form: no leading zeros, no trailing decimal zeros, no `-0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.write_to(&mut text);
        f.write_str(&text)
    }
}

impl NumberHint {
    fn of(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        if text
            .chars()
            .any(|c| matches!(c, '０'..='９' | '．' | '－' | '＋' | '，'))
        {
            NumberHint::FullWidth
        } else if text.trim() != text {
            NumberHint::Whitespace
        } else if text.contains(',') {
            NumberHint::ThousandsSeparator
        } else if text.contains(['e', 'E']) && text.chars().any(|c| c.is_ascii_digit()) {
            NumberHint::Exponent
        } else {
            NumberHint::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> String {
        match Hundredths::parse(input.as_bytes()) {
            Ok(value) => value.to_string(),
            Err(error) => format!("{error:?}"),
        }
    }

    #[test]
    fn parses_and_rounds_half_up_in_decimal() {
        let cases = [
            ("0", "0"),
            ("12", "12"),
            ("+7", "7"),
            ("007", "7"),
            ("12.3456", "12.35"),
            ("12.3449", "12.34"),
            ("1.005", "1.01"),
            ("-1.005", "-1.01"),
            ("1.004", "1"),
            ("2.675", "2.68"),
            ("9.995", "10"),
            ("-9.995", "-10"),
            ("0.5", "0.5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-0", "0"),
            ("-0.004", "0"),
            ("12.30", "12.3"),
            ("0.05", "0.05"),
            ("999999999999999.99", "999999999999999.99"),
            ("999999999999999.995", "1000000000000000"),
            ("1234567890123456", "TooLarge"),
            ("0001234567890123456", "TooLarge"),
            ("", "Invalid(Other)"),
            ("-", "Invalid(Other)"),
            (".", "Invalid(Other)"),
            ("1.2.3", "Invalid(Other)"),
            ("abc", "Invalid(Other)"),
            ("１２３", "Invalid(FullWidth)"),
            ("12．5", "Invalid(FullWidth)"),
            (" 12", "Invalid(Whitespace)"),
            ("12 ", "Invalid(Whitespace)"),
            ("1,234", "Invalid(ThousandsSeparator)"),
            ("1E+03", "Invalid(Exponent)"),
            ("1e5", "Invalid(Exponent)"),
            ("--1", "Invalid(Other)"),
        ];
        for (input, expected) in cases {
            assert_eq!(parsed(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn knows_when_the_input_is_already_canonical() {
        for input in [
            "0", "7", "-7", "12.5", "12.35", "0.05", "-0.5", "100", "0.4", "12.3456", "+7", "07",
            "12.50", "12.", ".5", "-0", "0.0", "1.005", "00",
        ] {
            let (value, canonical) =
                Hundredths::parse_checking_form(input.as_bytes()).expect("a number");
            assert_eq!(canonical, value.to_string() == input, "input {input:?}");
        }
    }

    #[test]
    fn converts_bounds_exactly() {
        let cases: [(f64, Option<i64>, Option<i64>); 9] = [
            (0.0, Some(0), Some(0)),
            (100.0, Some(10000), Some(10000)),
            (4.5, Some(450), Some(450)),
            (0.005, Some(1), Some(0)),
            (-0.005, Some(0), Some(-1)),
            (-2.5, Some(-250), Some(-250)),
            (0.1, Some(10), Some(10)),
            (f64::INFINITY, None, None),
            (1e20, None, None),
        ];
        for (bound, ceil, floor) in cases {
            assert_eq!(
                Hundredths::ceil_from_f64(bound).map(|h| h.0),
                ceil,
                "ceil {bound}"
            );
            assert_eq!(
                Hundredths::floor_from_f64(bound).map(|h| h.0),
                floor,
                "floor {bound}"
            );
        }
    }
}
