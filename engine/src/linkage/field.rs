//! CRM sheets, their typed fields, and the values people actually type.
//!
//! Every field value is kept as a canonical string (dates `2026-04-01`,
//! times `09:05:00`, numbers without leading or trailing zeros, checkboxes
//! `1`/`0`), so that values compare and round-trip without a type system of
//! their own; [`compare_values`] knows how each type orders.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Problem, ValueHint, excerpt};

pub use crate::field_type::FieldType;

/// One field of a sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Field {
    /// Stable field id (`customer_name`).
    pub id: String,
    /// What users see (`顧客名`).
    pub label: String,
    /// The value type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Option labels of a dropdown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The sheet a relation points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_sheet: Option<String>,
    /// Whether this is the record id (a relation may be matched by it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_id: bool,
    /// Whether this is the record's name (a relation may be matched by it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_name: bool,
}

impl Field {
    /// A field with no options, relation or role.
    pub fn new(id: &str, label: &str, field_type: FieldType) -> Self {
        Field {
            id: id.to_owned(),
            label: label.to_owned(),
            field_type,
            options: Vec::new(),
            relation_sheet: None,
            is_id: false,
            is_name: false,
        }
    }

    /// Whether a relation may be matched by this field: the id, the name,
    /// an e-mail or a text field.
    pub fn can_identify_relation(&self) -> bool {
        self.is_id || self.is_name || self.field_type.can_be_relation_key()
    }
}

/// A sheet (顧客, 案件, …) and its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sheet {
    /// Stable sheet id (`customer`).
    pub id: String,
    /// What users see (`顧客`).
    pub name: String,
    /// The fields, in display order.
    pub fields: Vec<Field>,
}

impl Sheet {
    /// What users see for the field `id` (`顧客ID`): its label, or the id
    /// itself when the sheet has no such field.
    pub fn label_of(&self, id: &str) -> String {
        self.field(id)
            .map_or_else(|| id.to_owned(), |field| field.label.clone())
    }

    /// Looks a field up by id.
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.id == id)
    }

    /// The index of a field in [`Sheet::fields`].
    pub fn field_index(&self, id: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.id == id)
    }
}

/// Every sheet of a tenant, so relations can be followed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    /// The sheets.
    pub sheets: Vec<Sheet>,
}

impl Catalog {
    /// Looks a sheet up by id.
    pub fn sheet(&self, id: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|sheet| sheet.id == id)
    }
}

/// The longest value a field holds, in characters (a long note or address
/// fits; a pasted document does not).
pub const MAX_VALUE_CHARS: usize = 10_000;

/// Parses what was typed into a field of type `field.field_type`, returning
/// the canonical value. `raw` is never blank here (blank means "clear" or
/// "leave alone", decided by the caller).
///
/// Rules, all documented in the README:
/// - text, address and relation values are kept exactly as typed;
/// - for the other types, spaces around the value are ignored;
/// - full-width digits where a number, date or time is expected are an
///   error with a hint, never silently converted.
pub fn parse_value(field: &Field, raw: &str) -> Result<String, Problem> {
    // Every value is bounded: a record is read whole by filters, exports
    // and the records screen, so one 30 MB cell must not become a field.
    if raw.len() > MAX_VALUE_CHARS {
        let length = raw.chars().count();
        if length > MAX_VALUE_CHARS {
            return Err(Problem::TextTooLong {
                length,
                max: MAX_VALUE_CHARS as u32,
            });
        }
    }
    let invalid = |hint| Problem::InvalidValue {
        field_type: field.field_type,
        value: excerpt(raw.as_bytes()),
        hint,
    };
    if matches!(
        field.field_type,
        FieldType::Text | FieldType::Address | FieldType::Relation
    ) {
        return Ok(raw.to_owned());
    }
    let value = raw.trim_matches([' ', '\t', '\u{3000}']);
    if value.chars().any(|c| ('０'..='９').contains(&c)) && field.field_type != FieldType::Dropdown
    {
        return Err(invalid(ValueHint::FullWidth));
    }
    match field.field_type {
        FieldType::Text | FieldType::Address | FieldType::Relation => Ok(raw.to_owned()),
        FieldType::Number => parse_number(value).ok_or_else(|| invalid(number_hint(value))),
        FieldType::Date => parse_date(value)
            .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
            .map_err(invalid),
        FieldType::Time => parse_time(value)
            .map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}"))
            .map_err(invalid),
        FieldType::Datetime => parse_datetime(value).map_err(invalid),
        FieldType::Email => parse_email(value).map_err(invalid),
        FieldType::Phone => parse_phone(value).map_err(invalid),
        FieldType::Link => parse_link(value).map_err(invalid),
        FieldType::Checkbox => match value.to_ascii_lowercase().as_str() {
            "1" | "true" => Ok("1".to_owned()),
            "0" | "false" => Ok("0".to_owned()),
            _ => Err(invalid(ValueHint::Checkbox)),
        },
        FieldType::Dropdown => field
            .options
            .iter()
            .find(|option| option.as_str() == value)
            .cloned()
            .ok_or_else(|| Problem::DropdownUnknown {
                value: excerpt(raw.as_bytes()),
                options: field.options.iter().take(10).cloned().collect(),
            }),
    }
}

/// Canonical decimal: optional `-`, no leading zeros, no trailing decimal
/// zeros. At most 15 digits before and 10 after the point.
fn parse_number(value: &str) -> Option<String> {
    let (negative, digits) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part)
        || !all_digits(frac_part)
        || (int_part.is_empty() && frac_part.is_empty())
    {
        return None;
    }
    let int_part = int_part.trim_start_matches('0');
    let frac_part = frac_part.trim_end_matches('0');
    if int_part.len() > 15 || frac_part.len() > 10 {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 1);
    if negative && !(int_part.is_empty() && frac_part.is_empty()) {
        out.push('-');
    }
    out.push_str(if int_part.is_empty() { "0" } else { int_part });
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(frac_part);
    }
    Some(out)
}

fn number_hint(value: &str) -> ValueHint {
    if value.contains(',') {
        ValueHint::ThousandsSeparator
    } else if value.contains(['e', 'E']) && value.chars().any(|c| c.is_ascii_digit()) {
        ValueHint::Exponent
    } else {
        ValueHint::Number
    }
}

/// `2026/4/1`, `2026-04-01`, `2026.4.1`, `2026年4月1日`, `20260401`.
fn parse_date(value: &str) -> Result<(u32, u32, u32), ValueHint> {
    let parts: Vec<&str> = if let Some(rest) = value.strip_suffix('日') {
        rest.split(['年', '月']).collect()
    } else if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
        vec![&value[..4], &value[4..6], &value[6..]]
    } else {
        value.split(['/', '-', '.']).collect()
    };
    let [year, month, day] = parts[..] else {
        return Err(ValueHint::Date);
    };
    let number = |s: &str, max_len| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4), number(month, 2), number(day, 2))
    else {
        return Err(ValueHint::Date);
    };
    if year < 1000 {
        return Err(ValueHint::Date);
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(ValueHint::NoSuchDate);
    }
    Ok((year, month, day))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `9:05`, `09:05:30`, `9時5分`.
fn parse_time(value: &str) -> Result<(u32, u32, u32), ValueHint> {
    let normalized = value.trim_end_matches('秒').replace(['時', '分'], ":");
    let parts: Vec<&str> = normalized.trim_end_matches(':').split(':').collect();
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (hour, minute, second) = match parts[..] {
        [h, m] => (number(h), number(m), Some(0)),
        [h, m, s] => (number(h), number(m), number(s)),
        _ => return Err(ValueHint::Time),
    };
    let (Some(hour), Some(minute), Some(second)) = (hour, minute, second) else {
        return Err(ValueHint::Time);
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(ValueHint::NoSuchTime);
    }
    Ok((hour, minute, second))
}

/// A date and a time separated by a space or `T`: `2026/4/1 9:05`.
fn parse_datetime(value: &str) -> Result<String, ValueHint> {
    let Some((date, time)) = value.split_once([' ', 'T']) else {
        return Err(if parse_date(value).is_ok() {
            ValueHint::DatetimeNeedsTime
        } else {
            ValueHint::Datetime
        });
    };
    let (y, mo, d) = parse_date(date)?;
    let (h, mi, s) = parse_time(time.trim_start())?;
    Ok(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
}

/// Whether `value` is an e-mail address as [`FieldType::Email`] accepts it.
pub(crate) fn is_email(value: &str) -> bool {
    parse_email(value).is_ok()
}

/// `local@domain.tld`, no spaces, one `@`, at most 254 characters.
fn parse_email(value: &str) -> Result<String, ValueHint> {
    if value.contains('＠') {
        return Err(ValueHint::FullWidth);
    }
    let valid = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if valid {
        Ok(value.to_owned())
    } else {
        Err(ValueHint::Email)
    }
}

/// Digits with `-`, `(`, `)` or spaces between them, optionally a leading
/// `+`; at least two digits. Kept as typed (separators included).
fn parse_phone(value: &str) -> Result<String, ValueHint> {
    let body = value.strip_prefix('+').unwrap_or(value);
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    let allowed = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'(' | b')' | b' '));
    if allowed && digits >= 2 {
        Ok(value.to_owned())
    } else {
        Err(ValueHint::Phone)
    }
}

/// An absolute `http://` or `https://` URL without spaces.
fn parse_link(value: &str) -> Result<String, ValueHint> {
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && value.len() <= 2048
                && !value.chars().any(char::is_whitespace) =>
        {
            Ok(value.to_owned())
        }
        _ => Err(ValueHint::Link),
    }
}

/// Orders two canonical values of a field type: numbers by value, dates and
/// times chronologically (their canonical text already sorts that way),
/// everything else as text.
pub fn compare_values(field_type: FieldType, a: &str, b: &str) -> Ordering {
    if field_type == FieldType::Number {
        return compare_decimals(a, b);
    }
    a.cmp(b)
}

/// At most this many bytes of a value make its [`sort_key`]: an index keeps
/// keys short, and two values that agree this far sort by record id (a
/// look-up by value checks the stored value itself).
pub const MAX_SORT_KEY_BYTES: usize = 256;

/// Bytes that order as [`compare_values`] orders canonical values of
/// `field_type`: what an index stores, so that walking it is sorting.
/// Numbers become sign, integer length and digits (a negative number's
/// bytes inverted); every other type's canonical form already orders as
/// its bytes. Values longer than [`MAX_SORT_KEY_BYTES`] are cut there (on a
/// character boundary).
pub fn sort_key(field_type: FieldType, value: &str) -> Vec<u8> {
    if field_type != FieldType::Number {
        let mut end = value.len().min(MAX_SORT_KEY_BYTES);
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        return value.as_bytes()[..end].to_vec();
    }
    let (negative, magnitude) = match value.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, value),
    };
    let (int_part, frac_part) = magnitude.split_once('.').unwrap_or((magnitude, ""));
    let int_part = int_part.trim_start_matches('0');
    let frac_part = frac_part.trim_end_matches('0');
    if int_part.is_empty() && frac_part.is_empty() {
        return vec![1];
    }
    // parse_value keeps at most 15 integer digits: a byte holds their count.
    let mut digits = Vec::with_capacity(2 + int_part.len() + frac_part.len());
    digits.push(u8::try_from(int_part.len()).unwrap_or(u8::MAX));
    digits.extend_from_slice(int_part.as_bytes());
    digits.extend_from_slice(frac_part.as_bytes());
    if negative {
        // Inverted, a longer magnitude must sort first: the terminator 0xFF
        // sorts after every inverted digit.
        let mut key = vec![0];
        key.extend(digits.iter().map(|b| !b));
        key.push(0xFF);
        key
    } else {
        let mut key = vec![2];
        key.extend(digits);
        key
    }
}

/// Compares canonical decimals without converting them to floating point.
fn compare_decimals(a: &str, b: &str) -> Ordering {
    let split = |s: &str| {
        let (negative, magnitude) = match s.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, s),
        };
        let (int_part, frac_part) = magnitude.split_once('.').unwrap_or((magnitude, ""));
        (negative, int_part.to_owned(), frac_part.to_owned())
    };
    let (a_negative, a_int, a_frac) = split(a);
    let (b_negative, b_int, b_frac) = split(b);
    let magnitude = a_int
        .len()
        .cmp(&b_int.len())
        .then_with(|| a_int.cmp(&b_int))
        .then_with(|| {
            let width = a_frac.len().max(b_frac.len());
            format!("{a_frac:0<width$}").cmp(&format!("{b_frac:0<width$}"))
        });
    match (a_negative, b_negative) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_as_values_compare() {
        let numbers = [
            "-1000", "-12.5", "-12.05", "-12", "-1", "-0.51", "-0.5", "0", "0.05", "0.5", "0.51",
            "1", "9", "10", "12", "12.05", "12.5", "99.99", "100", "1000000",
        ];
        for a in numbers {
            for b in numbers {
                assert_eq!(
                    sort_key(FieldType::Number, a).cmp(&sort_key(FieldType::Number, b)),
                    compare_values(FieldType::Number, a, b),
                    "{a} vs {b}"
                );
            }
        }
        let dates = ["2025-12-31", "2026-01-01", "2026-04-01"];
        for (a, b) in dates.iter().zip(&dates[1..]) {
            assert!(sort_key(FieldType::Date, a) < sort_key(FieldType::Date, b));
        }
        let long = "あ".repeat(200);
        let key = sort_key(FieldType::Text, &long);
        assert!(key.len() <= MAX_SORT_KEY_BYTES && std::str::from_utf8(&key).is_ok());
    }

    fn parsed(field_type: FieldType, raw: &str) -> String {
        let mut field = Field::new("f", "F", field_type);
        field.options = vec!["大口".into(), "一般".into()];
        match parse_value(&field, raw) {
            Ok(value) => value,
            Err(Problem::InvalidValue { hint, .. }) => format!("!{hint:?}"),
            Err(problem) => format!("!{}", problem.code()),
        }
    }

    #[test]
    fn values_people_type() {
        use FieldType::*;
        let cases = [
            (Text, " 株式会社サンプル ", " 株式会社サンプル "),
            (Address, "東京都千代田区1-1\n2F", "東京都千代田区1-1\n2F"),
            (Relation, "C-0001", "C-0001"),
            (Number, "12", "12"),
            (Number, " -0012.500 ", "-12.5"),
            (Number, "+3", "3"),
            (Number, ".5", "0.5"),
            (Number, "-0", "0"),
            (Number, "１２", "!FullWidth"),
            (Number, "1,234", "!ThousandsSeparator"),
            (Number, "1E3", "!Exponent"),
            (Number, "12円", "!Number"),
            (Number, "1234567890123456", "!Number"),
            (Date, "2026/4/1", "2026-04-01"),
            (Date, "2026-04-01", "2026-04-01"),
            (Date, "2026.4.1", "2026-04-01"),
            (Date, "2026年4月1日", "2026-04-01"),
            (Date, "20260401", "2026-04-01"),
            (Date, "2024/2/29", "2024-02-29"),
            (Date, "2026/2/29", "!NoSuchDate"),
            (Date, "2026/13/1", "!NoSuchDate"),
            (Date, "2026/4/31", "!NoSuchDate"),
            (Date, "4/1", "!Date"),
            (Date, "２０２６/4/1", "!FullWidth"),
            (Date, "26/4/1", "!Date"),
            (Time, "9:05", "09:05:00"),
            (Time, "09:05:30", "09:05:30"),
            (Time, "9時5分", "09:05:00"),
            (Time, "24:00", "!NoSuchTime"),
            (Time, "9:60", "!NoSuchTime"),
            (Time, "9", "!Time"),
            (Datetime, "2026/4/1 9:05", "2026-04-01 09:05:00"),
            (Datetime, "2026-04-01T09:05:30", "2026-04-01 09:05:30"),
            (Datetime, "2026/4/1", "!DatetimeNeedsTime"),
            (Datetime, "2026/4/31 9:05", "!NoSuchDate"),
            (Datetime, "yesterday", "!Datetime"),
            (Email, "taro@example.co.jp", "taro@example.co.jp"),
            (Email, " taro@example.co.jp ", "taro@example.co.jp"),
            (Email, "taro＠example.co.jp", "!FullWidth"),
            (Email, "taro@example", "!Email"),
            (Email, "taro@@example.com", "!Email"),
            (Email, "ta ro@example.com", "!Email"),
            (Phone, "03-1234-5678", "03-1234-5678"),
            (Phone, "+81 (3) 1234-5678", "+81 (3) 1234-5678"),
            (Phone, "０３-1234", "!FullWidth"),
            (Phone, "内線12", "!Phone"),
            (
                Link,
                "https://example.co.jp/a?b=c",
                "https://example.co.jp/a?b=c",
            ),
            (Link, "HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM"),
            (Link, "example.com", "!Link"),
            (Link, "javascript:alert(1)", "!Link"),
            (Checkbox, "1", "1"),
            (Checkbox, "TRUE", "1"),
            (Checkbox, "false", "0"),
            (Checkbox, "○", "!Checkbox"),
            (Dropdown, "大口", "大口"),
            (Dropdown, "大口 ", "大口"),
            (Dropdown, "小口", "!dropdown.unknown"),
        ];
        for (field_type, raw, expected) in cases {
            assert_eq!(parsed(field_type, raw), expected, "{field_type:?} {raw:?}");
        }
    }

    #[test]
    fn values_order_by_meaning() {
        use FieldType::*;
        let cases = [
            (Number, "9", "10", Ordering::Less),
            (Number, "-10", "-9", Ordering::Less),
            (Number, "-1", "0", Ordering::Less),
            (Number, "1.5", "1.25", Ordering::Greater),
            (Number, "2", "2", Ordering::Equal),
            (Date, "2026-04-01", "2026-12-01", Ordering::Less),
            (
                Datetime,
                "2026-04-01 09:00:00",
                "2026-04-01 10:00:00",
                Ordering::Less,
            ),
            (Text, "b", "a", Ordering::Greater),
        ];
        for (field_type, a, b, expected) in cases {
            assert_eq!(compare_values(field_type, a, b), expected, "{a} vs {b}");
        }
    }
}
