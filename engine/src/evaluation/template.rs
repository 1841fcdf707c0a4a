//! Writing the import template: rows 1–4 for the system, then one row per
//! evaluatee with the values stored now.

use std::collections::HashSet;

use crate::csv_write::{CRLF, write_protected_field};
use crate::error::Error;
use crate::evaluation::layout::{
    KEY_CAPTION, KEY_HEADER, MAX_ITEMS, NAME_CAPTION, NAME_HEADER, PERIOD_PREFIX, SHEET_PREFIX,
    VERSION_CELL,
};
use crate::evaluation::schema::{Item, SheetSchema};

/// One evaluatee's row of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow<'a> {
    /// The evaluatee's name (column 1; informative, not read back).
    pub name: &'a str,
    /// Employee number, or e-mail when there is none (column 2).
    pub key: &'a str,
    /// Stored value per template item, in the order the items were given;
    /// `None` where nothing is stored.
    pub values: Vec<Option<&'a str>>,
}

/// Writes a template for the items `item_ids` of `schema`: UTF-8 with a BOM
/// (so Excel opens it as UTF-8), CRLF line ends, RFC 4180 quoting, and every
/// cell formula-protected (see [`crate::csv_write`]; validation undoes it,
/// so an untouched template still re-imports to exactly what is stored).
///
/// Numbers are never quoted, since a quoted number reads back as an error.
pub fn write_template<'a>(
    schema: &SheetSchema,
    item_ids: &[&str],
    rows: impl IntoIterator<Item = TemplateRow<'a>>,
) -> Result<Vec<u8>, Error> {
    let items = template_items(schema, item_ids)?;
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"\xEF\xBB\xBF");

    let period = format!("{PERIOD_PREFIX}{}", schema.period);
    let sheet = format!("{SHEET_PREFIX}{}", schema.sheet);
    write_row(&mut out, [VERSION_CELL, &period, &sheet]);
    write_row(
        &mut out,
        [NAME_HEADER, KEY_HEADER]
            .into_iter()
            .chain(items.iter().map(|i| i.id.as_str())),
    );
    let captions: Vec<String> = items.iter().map(|item| item.caption()).collect();
    write_row(
        &mut out,
        [NAME_CAPTION, KEY_CAPTION]
            .into_iter()
            .chain(captions.iter().map(String::as_str)),
    );
    write_row(
        &mut out,
        ["", ""]
            .into_iter()
            .chain(items.iter().map(|i| i.kind.template_name())),
    );

    for row in rows {
        if row.values.len() != items.len() {
            return Err(Error::ValueCount {
                key: row.key.to_owned(),
                expected: items.len(),
                found: row.values.len(),
            });
        }
        let values = row.values.iter().map(|value| value.unwrap_or(""));
        write_row(&mut out, [row.name, row.key].into_iter().chain(values));
    }
    Ok(out)
}

/// The schema items named by `item_ids`, checked for the template's limits.
fn template_items<'s>(schema: &'s SheetSchema, item_ids: &[&str]) -> Result<Vec<&'s Item>, Error> {
    if item_ids.is_empty() {
        return Err(Error::NoItems);
    }
    if item_ids.len() > MAX_ITEMS {
        return Err(Error::TooManyItems(item_ids.len()));
    }
    let mut seen = HashSet::new();
    item_ids
        .iter()
        .map(|&id| {
            if !seen.insert(id) {
                return Err(Error::DuplicateItem(id.to_owned()));
            }
            schema
                .item(id)
                .ok_or_else(|| Error::UnknownItem(id.to_owned()))
        })
        .collect()
}

fn write_row<'f>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'f str>) {
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_protected_field(out, field.as_bytes());
    }
    out.extend_from_slice(CRLF);
}

/// The (period, sheet) a file says it belongs to, read from the first three
/// cells of row 1 (`version:1`, `period:{id}`, `sheet:{id}`), so that a
/// screen can pick the right schema by itself. Only the start of the file is
/// read; `None` when row 1 is not a sheetlink template's.
pub fn identify(input: &[u8]) -> Option<(String, String)> {
    use crate::csv_read::{Next, Tokenizer};
    let start = crate::encoding::utf8_bom_len(input);
    let head = &input[start..input.len().min(start + 4096)];
    let eof = head.len() == input.len() - start;
    let mut tokenizer = Tokenizer::new(0);
    let mut cells = Vec::with_capacity(3);
    while cells.len() < 3 {
        match tokenizer.next_field(head, eof) {
            Next::Field(field) => {
                cells.push(std::str::from_utf8(field.bytes).ok()?.trim().to_owned());
                if field.record_end {
                    break;
                }
            }
            Next::NeedInput | Next::End => break,
        }
    }
    match cells.as_slice() {
        [version, period, sheet] if version == VERSION_CELL => Some((
            period.strip_prefix(PERIOD_PREFIX)?.to_owned(),
            sheet.strip_prefix(SHEET_PREFIX)?.to_owned(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::identify;

    #[test]
    fn identifies_the_sheet_from_row_1() {
        let file = "\u{feff}version:1,period:2026-h1,sheet:performance\r\nname,employeenumber_or_email\r\n";
        assert_eq!(
            identify(file.as_bytes()),
            Some(("2026-h1".to_owned(), "performance".to_owned()))
        );
        assert_eq!(identify(b"version:2,period:a,sheet:b\r\n"), None);
        assert_eq!(identify(b"version:1,a,sheet:b\r\n"), None);
        assert_eq!(identify(b"name,key\r\n"), None);
        assert_eq!(identify(b""), None);
    }
}
