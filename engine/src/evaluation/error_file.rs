//! The error file: the uploaded rows that had errors, as uploaded, with an
//! error column, ready to fix in Excel and upload again.

use std::collections::BTreeMap;

use crate::csv_read::{Next, Tokenizer};
use crate::csv_write::{CRLF, unprotect, write_protected_field};
use crate::diagnostic::column_letter;
use crate::encoding::utf8_bom_len;
use crate::evaluation::layout::{ERROR_COLUMN, MAX_HEADER_COLUMNS};

/// Caption of the error column in row 3.
pub const ERROR_CAPTION: &str = "【エラー内容】";

/// Builds the error file of `input` (the uploaded bytes) from its errors,
/// each `(row, column, message)` with the positions of the uploaded file.
///
/// Rows 1–4 are kept as uploaded, with an error column added: row 2 holds
/// [`ERROR_COLUMN`], which the validator reads over, so the fixed file can be
/// uploaded as it is; row 3 holds [`ERROR_CAPTION`] and the messages about
/// the file as a whole or its header. Then come the rows with errors, each
/// with its messages (`C5: …`, one per line) in the error column. Rows
/// without errors are left out: they were imported. UTF-8 with BOM, CRLF.
pub fn error_file<'m>(
    input: &[u8],
    errors: impl IntoIterator<Item = (Option<u32>, Option<u32>, &'m str)>,
) -> Vec<u8> {
    let mut by_row: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut header_notes = Vec::new();
    for (row, column, message) in errors {
        let note = match (row, column) {
            (Some(row), Some(column)) => format!("{}{row}: {message}", column_letter(column)),
            (Some(row), None) => format!("{row}: {message}"),
            _ => message.to_owned(),
        };
        match row {
            Some(row) if row > 4 => by_row.entry(row).or_default().push(note),
            _ => header_notes.push(note),
        }
    }

    // Only rows 1–4 and the rows with errors are kept: a 30 MB upload with
    // a few errors costs a few rows of memory, not the whole file again.
    let (records, widest) = read_records(input, |row| row <= 4 || by_row.contains_key(&row));
    let width = records
        .iter()
        .find(|(row, _)| *row == 2)
        .map(|(_, fields)| {
            fields
                .iter()
                .rposition(|f| !f.is_empty())
                .map_or(0, |last| last + 1)
        })
        .unwrap_or(widest)
        .max(2);

    let mut out = Vec::with_capacity(input.len() / 4 + 1024);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    for (row, fields) in &records {
        let error_cell = match row {
            1 => None,
            2 => Some(ERROR_COLUMN.to_owned()),
            3 => Some(
                std::iter::once(ERROR_CAPTION.to_owned())
                    .chain(header_notes.iter().cloned())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            4 => Some(String::new()),
            row => match by_row.get(row) {
                Some(notes) => Some(notes.join("\n")),
                None => continue,
            },
        };
        let mut cells: Vec<&str> = fields.iter().map(String::as_str).collect();
        if error_cell.is_some() {
            cells.resize(width.max(cells.len()), "");
            cells.truncate(width);
        }
        for (index, cell) in cells.iter().chain(error_cell.as_deref().iter()).enumerate() {
            if index > 0 {
                out.push(b',');
            }
            // As the validator read the cell, protected again: the fixed
            // file reads back to the same values, and opening it in a
            // spreadsheet runs nothing.
            write_protected_field(&mut out, unprotect(cell.as_bytes()));
        }
        out.extend_from_slice(CRLF);
    }
    out
}

/// The records whose Excel row `keep` accepts, fields decoded leniently (an
/// error file is also made for files that are not UTF-8) and at most
/// [`MAX_HEADER_COLUMNS`] of them, and the widest record's field count.
fn read_records(input: &[u8], keep: impl Fn(u32) -> bool) -> (Vec<(u32, Vec<String>)>, usize) {
    let mut tokenizer = Tokenizer::new(utf8_bom_len(input));
    let mut records: Vec<(u32, Vec<String>)> = Vec::new();
    let mut fields = Vec::new();
    let mut widest = 0;
    while let Next::Field(field) = tokenizer.next_field(input, true) {
        if field.record_end {
            widest = widest.max(field.column as usize);
        }
        if !keep(field.row) {
            continue;
        }
        // No row of a usable file is wider than a template (name, key, 1,000
        // items, error column): cells past that are left out, so a header
        // bomb of millions of cells costs nothing here either.
        if field.column <= MAX_HEADER_COLUMNS {
            fields.push(String::from_utf8_lossy(field.bytes).into_owned());
        }
        if field.record_end {
            records.push((field.row, std::mem::take(&mut fields)));
        }
    }
    (records, widest)
}

/// The evaluatee key (column 2) of each of `rows` in `input`, for screens
/// that list errors by evaluatee. Rows without a second cell are left out.
pub fn row_keys(input: &[u8], rows: &std::collections::BTreeSet<u32>) -> BTreeMap<u32, String> {
    let mut keys = BTreeMap::new();
    let Some(&last) = rows.last() else {
        return keys;
    };
    let mut tokenizer = Tokenizer::new(utf8_bom_len(input));
    while let Next::Field(field) = tokenizer.next_field(input, true) {
        if field.row > last {
            break;
        }
        if field.column == 2 && rows.contains(&field.row) {
            keys.insert(field.row, String::from_utf8_lossy(field.bytes).into_owned());
        }
    }
    keys
}
