//! Export: filter, sort and write records as CSV in UTF-8, UTF-8 with BOM
//! or Shift_JIS, with formula-injection protection.

use std::cmp::Ordering;

use encoding_rs::{EncoderResult, SHIFT_JIS};

use crate::csv_write::{CRLF, needs_protection, write_field, write_protected_field};
use crate::linkage::condition::{
    Comparison, ConditionIssue, ConditionProblem, ExportCondition, Filter, OutputEncoding,
    Unrepresentable,
};
use crate::linkage::field::{Catalog, Field, FieldType, Sheet, compare_values, parse_value};

/// One record of a sheet: canonical values aligned with [`Sheet::fields`]
/// (`None` for an empty field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRecord {
    /// The record id, for reports.
    pub id: String,
    /// One value per field of the sheet.
    pub values: Vec<Option<String>>,
}

/// A cell Shift_JIS cannot represent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrepresentableCell {
    /// The record's id.
    pub record: String,
    /// The field id.
    pub field: String,
    /// The first character that has no Shift_JIS code.
    pub character: char,
}

/// A written export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The file; empty when refused.
    pub bytes: Vec<u8>,
    /// Records written (header not counted).
    pub rows: usize,
    /// Cells with characters Shift_JIS cannot represent. With
    /// [`Unrepresentable::Refuse`] (the default) any entry here means nothing
    /// was written; with [`Unrepresentable::Replace`] they were written with
    /// `?` in place of those characters.
    pub unrepresentable: Vec<UnrepresentableCell>,
}

impl Export {
    /// Whether the file was refused because of unrepresentable characters.
    pub fn refused(&self) -> bool {
        self.bytes.is_empty() && !self.unrepresentable.is_empty()
    }
}

/// What relation columns written by another key than the id write: per
/// (relation field, related record id) the related record's key value.
/// The caller looks the related records up
/// ([`ExportCondition::relation_columns`] says which); a relation whose
/// record is not here (deleted since) writes an empty cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelatedValues(std::collections::HashMap<(String, String), String>);

impl RelatedValues {
    /// No related values: every relation column writes ids.
    pub fn none() -> Self {
        Self::default()
    }

    /// Records that the record `id` related through `field` shows `value`.
    pub fn insert(&mut self, field: &str, id: &str, value: String) {
        self.0.insert((field.to_owned(), id.to_owned()), value);
    }

    fn get(&self, field: &str, id: &str) -> Option<&str> {
        self.0
            .get(&(field.to_owned(), id.to_owned()))
            .map(String::as_str)
    }
}

/// The records an export condition selects, in its order, and the fields
/// of its columns (with whether each writes a relation by another key).
struct Selection<'c, 'r> {
    records: Vec<&'r SheetRecord>,
    columns: Vec<(usize, &'c Field, bool)>,
}

impl Selection<'_, '_> {
    /// What column `column` writes for `record`.
    fn cell<'v>(
        record: &'v SheetRecord,
        (index, field, keyed): (usize, &Field, bool),
        related: &'v RelatedValues,
    ) -> &'v str {
        let value = record
            .values
            .get(index)
            .and_then(Option::as_deref)
            .unwrap_or("");
        match keyed {
            true if !value.is_empty() => related.get(&field.id, value).unwrap_or(""),
            _ => value,
        }
    }
}

fn select<'c, 'r>(
    condition: &ExportCondition,
    catalog: &'c Catalog,
    records: &'r [SheetRecord],
) -> Result<Selection<'c, 'r>, Vec<ConditionProblem>> {
    let mut problems = condition.check(catalog);
    let Some(sheet) = catalog
        .sheet(&condition.sheet)
        .filter(|_| problems.is_empty())
    else {
        return Err(problems);
    };
    let filter = condition
        .filter
        .as_ref()
        .map(|filter| CompiledFilter::new(filter, sheet, &mut problems));
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut selected: Vec<&SheetRecord> = records
        .iter()
        .filter(|record| filter.as_ref().is_none_or(|f| f.matches(record)))
        .collect();
    let sort_keys: Vec<(usize, FieldType, bool)> = condition
        .sort
        .iter()
        .filter_map(|key| {
            let index = sheet.field_index(&key.field)?;
            Some((index, sheet.fields[index].field_type, key.descending))
        })
        .collect();
    if !sort_keys.is_empty() {
        selected.sort_by(|a, b| compare_records(a, b, &sort_keys));
    }

    let columns: Vec<(usize, &Field, bool)> = condition
        .columns
        .iter()
        .filter_map(|column| {
            sheet
                .field_index(&column.field)
                .map(|i| (i, &sheet.fields[i], column.relation_key.is_some()))
        })
        .collect();
    Ok(Selection {
        records: selected,
        columns,
    })
}

/// Filters, sorts and writes `records` of the condition's sheet; relation
/// columns written by another key take their values from `related`.
pub fn export(
    condition: &ExportCondition,
    catalog: &Catalog,
    records: &[SheetRecord],
    related: &RelatedValues,
) -> Result<Export, Vec<ConditionProblem>> {
    let Selection {
        records: selected,
        columns,
    } = select(condition, catalog, records)?;
    let mut writer = Writer::new(condition, records.len() * columns.len() * 12);
    for column in &condition.columns {
        writer.cell(&column.header, true, None);
    }
    writer.end_row();
    for record in &selected {
        for &column in &columns {
            let (_, field, keyed) = column;
            let value = Selection::cell(record, column, related);
            writer.cell(
                value,
                keyed || field.field_type.is_textual(),
                Some((&record.id, &field.id)),
            );
        }
        writer.end_row();
    }
    Ok(writer.finish(selected.len()))
}

/// The first rows an export would write, as text cells (no quoting, no
/// encoding, no formula protection: for showing on a screen), and how many
/// records it selects in all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportPreview {
    /// The header row.
    pub headers: Vec<String>,
    /// The first rows.
    pub rows: Vec<Vec<String>>,
    /// Records the export would write (at least this many when
    /// `total_at_least`).
    pub total: usize,
    /// Whether `total` is a lower bound: the preview read a bounded part of
    /// a large sheet (the export itself writes every record).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_at_least: bool,
}

/// [`ExportPreview`] of the first `rows` records.
pub fn export_preview(
    condition: &ExportCondition,
    catalog: &Catalog,
    records: &[SheetRecord],
    related: &RelatedValues,
    rows: usize,
) -> Result<ExportPreview, Vec<ConditionProblem>> {
    let selection = select(condition, catalog, records)?;
    Ok(ExportPreview {
        headers: condition.columns.iter().map(|c| c.header.clone()).collect(),
        rows: selection
            .records
            .iter()
            .take(rows)
            .map(|record| {
                selection
                    .columns
                    .iter()
                    .map(|&column| Selection::cell(record, column, related).to_owned())
                    .collect()
            })
            .collect(),
        total: selection.records.len(),
        total_at_least: false,
    })
}

/// Sort keys in order; empty values always come last, whatever the direction.
fn compare_records(
    a: &SheetRecord,
    b: &SheetRecord,
    keys: &[(usize, FieldType, bool)],
) -> Ordering {
    for &(index, field_type, descending) in keys {
        let a = a
            .values
            .get(index)
            .and_then(Option::as_deref)
            .filter(|v| !v.is_empty());
        let b = b
            .values
            .get(index)
            .and_then(Option::as_deref)
            .filter(|v| !v.is_empty());
        let order = match (a, b) {
            (Some(a), Some(b)) => {
                let order = compare_values(field_type, a, b);
                if descending { order.reverse() } else { order }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// A search condition compiled against its sheet, to test records one at a
/// time (the records screen pages through a sheet with it).
pub struct RecordFilter(CompiledFilter);

impl RecordFilter {
    /// Compiles `filter` for `sheet`: the problems of an unknown field, a
    /// value the field's type cannot hold, or a condition too large or deep.
    pub fn new(filter: &Filter, sheet: &Sheet) -> Result<Self, Vec<ConditionProblem>> {
        let mut problems = Vec::new();
        crate::linkage::condition::check_filter(filter, sheet, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let compiled = CompiledFilter::new(filter, sheet, &mut problems);
        if problems.is_empty() {
            Ok(RecordFilter(compiled))
        } else {
            Err(problems)
        }
    }

    /// Whether `record` (aligned with the sheet's fields) matches.
    pub fn matches(&self, record: &SheetRecord) -> bool {
        self.0.matches(record)
    }
}

/// A search condition with field indices resolved and values parsed.
enum CompiledFilter {
    All(Vec<CompiledFilter>),
    Any(Vec<CompiledFilter>),
    Compare {
        index: usize,
        field_type: FieldType,
        comparison: Comparison,
        value: String,
    },
}

impl CompiledFilter {
    fn new(filter: &Filter, sheet: &Sheet, problems: &mut Vec<ConditionProblem>) -> Self {
        match filter {
            Filter::All(parts) => CompiledFilter::All(
                parts
                    .iter()
                    .map(|p| Self::new(p, sheet, problems))
                    .collect(),
            ),
            Filter::Any(parts) => CompiledFilter::Any(
                parts
                    .iter()
                    .map(|p| Self::new(p, sheet, problems))
                    .collect(),
            ),
            Filter::Compare {
                field,
                comparison,
                value,
            } => {
                // `check` has verified that the field exists.
                let index = sheet.field_index(field).unwrap_or(0);
                let target = &sheet.fields[index];
                let needs_value = matches!(
                    comparison,
                    Comparison::Equals | Comparison::Before | Comparison::After
                );
                let value = if needs_value && !target.field_type.is_textual() {
                    parse_value(target, value).unwrap_or_else(|_| {
                        problems.push(ConditionProblem {
                            mapping_row: None,
                            issue: ConditionIssue::BadFilterValue {
                                field: target.label.clone(),
                                value: value.clone(),
                            },
                        });
                        String::new()
                    })
                } else {
                    value.clone()
                };
                CompiledFilter::Compare {
                    index,
                    field_type: target.field_type,
                    comparison: *comparison,
                    value,
                }
            }
        }
    }

    fn matches(&self, record: &SheetRecord) -> bool {
        match self {
            CompiledFilter::All(parts) => parts.iter().all(|part| part.matches(record)),
            CompiledFilter::Any(parts) => parts.iter().any(|part| part.matches(record)),
            CompiledFilter::Compare {
                index,
                field_type,
                comparison,
                value,
            } => {
                let own = record
                    .values
                    .get(*index)
                    .and_then(Option::as_deref)
                    .unwrap_or("");
                match comparison {
                    Comparison::Empty => own.is_empty(),
                    Comparison::NotEmpty => !own.is_empty(),
                    _ if own.is_empty() => false,
                    Comparison::Equals => {
                        compare_values(*field_type, own, value) == Ordering::Equal
                    }
                    Comparison::Contains => own.contains(value.as_str()),
                    Comparison::Before => compare_values(*field_type, own, value) == Ordering::Less,
                    Comparison::After => {
                        compare_values(*field_type, own, value) == Ordering::Greater
                    }
                }
            }
        }
    }
}

/// Writes cells in the output encoding (the member export too).
pub(crate) struct Writer {
    out: Vec<u8>,
    encoding: OutputEncoding,
    formula_protection: bool,
    unrepresentable: Unrepresentable,
    /// The current cell, quoted, in UTF-8 (Shift_JIS output is encoded
    /// cell by cell, so an unmappable character is known by record and field).
    cell: Vec<u8>,
    /// Shift_JIS bytes of the current cell.
    scratch: Vec<u8>,
    first_in_row: bool,
    found: Vec<UnrepresentableCell>,
}

/// Characters with no Shift_JIS code whose Windows (CP932) twin looks the
/// same to a Japanese reader: written as the twin, as Windows itself does
/// (WAVE DASH typed on a Mac becomes the FULLWIDTH TILDE Excel shows as ～).
/// Documented in the README; everything else unmappable is reported.
const CP932_TWINS: [(char, char); 7] = [
    ('\u{301C}', '\u{FF5E}'), // 〜 → ～
    ('\u{2016}', '\u{2225}'), // ‖ → ∥
    ('\u{2014}', '\u{2015}'), // — → ―
    ('\u{00A2}', '\u{FFE0}'), // ¢ → ￠
    ('\u{00A3}', '\u{FFE1}'), // £ → ￡
    ('\u{00AC}', '\u{FFE2}'), // ¬ → ￢
    ('\u{00A6}', '\u{FFE4}'), // ¦ → ￤
];

impl Writer {
    fn new(condition: &ExportCondition, size_hint: usize) -> Self {
        Writer::for_file(
            condition.encoding,
            condition.formula_protection,
            condition.unrepresentable,
            size_hint,
        )
    }

    /// A writer of a file in `encoding`.
    pub(crate) fn for_file(
        encoding: OutputEncoding,
        formula_protection: bool,
        unrepresentable: Unrepresentable,
        size_hint: usize,
    ) -> Self {
        let mut out = Vec::with_capacity(size_hint);
        if encoding == OutputEncoding::Utf8Bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        Writer {
            out,
            encoding,
            formula_protection,
            unrepresentable,
            cell: Vec::new(),
            scratch: Vec::new(),
            first_in_row: true,
            found: Vec::new(),
        }
    }

    /// Writes one cell; `textual` cells get formula protection; `source`
    /// names the record and field for reports.
    pub(crate) fn cell(&mut self, value: &str, textual: bool, source: Option<(&str, &str)>) {
        if !self.first_in_row {
            self.out.push(b',');
        }
        self.first_in_row = false;
        self.cell.clear();
        // Reading strips one leading `'` from every cell, so a value that
        // starts with one always gets another, protection on or off.
        let protect = textual
            && if self.formula_protection {
                needs_protection(value.as_bytes())
            } else {
                value.starts_with('\'')
            };
        if protect {
            write_protected_field(&mut self.cell, value.as_bytes());
        } else {
            write_field(&mut self.cell, value.as_bytes());
        }
        if self.encoding != OutputEncoding::ShiftJis || self.cell.is_ascii() {
            self.out.extend_from_slice(&self.cell);
            return;
        }
        self.encode_shift_jis(source);
    }

    fn encode_shift_jis(&mut self, source: Option<(&str, &str)>) {
        // The cell was written from `&str` values split at ASCII bytes.
        let text = std::str::from_utf8(&self.cell).unwrap_or_default();
        let twinned;
        let text = if text.contains(|c| CP932_TWINS.iter().any(|&(from, _)| from == c)) {
            twinned = text
                .chars()
                .map(|c| {
                    CP932_TWINS
                        .iter()
                        .find(|&&(from, _)| from == c)
                        .map_or(c, |&(_, to)| to)
                })
                .collect::<String>();
            twinned.as_str()
        } else {
            text
        };
        let mut encoder = SHIFT_JIS.new_encoder();
        // Encode through a scratch buffer the size of the cell: encoding_rs's
        // `_to_vec` variants work on the whole spare capacity of their
        // vector, which for a large output made every cell cost megabytes.
        let needed = encoder
            .max_buffer_length_from_utf8_without_replacement(text.len())
            .unwrap_or(text.len() * 2);
        self.scratch.clear();
        self.scratch.resize(needed.max(4), 0);
        let mut rest = text;
        let mut reported = false;
        loop {
            let (result, read, written) =
                encoder.encode_from_utf8_without_replacement(rest, &mut self.scratch, true);
            self.out.extend_from_slice(&self.scratch[..written]);
            rest = &rest[read..];
            match result {
                EncoderResult::InputEmpty => break,
                EncoderResult::OutputFull => {
                    let grown = self.scratch.len() * 2;
                    self.scratch.resize(grown, 0);
                }
                EncoderResult::Unmappable(character) => {
                    if !reported {
                        let (record, field) = source.unwrap_or(("(header)", ""));
                        self.found.push(UnrepresentableCell {
                            record: record.to_owned(),
                            field: field.to_owned(),
                            character,
                        });
                        reported = true;
                    }
                    self.out.push(b'?');
                }
            }
        }
    }

    pub(crate) fn end_row(&mut self) {
        self.out.extend_from_slice(CRLF);
        self.first_in_row = true;
    }

    pub(crate) fn finish(self, rows: usize) -> Export {
        let refuse = self.unrepresentable == Unrepresentable::Refuse && !self.found.is_empty();
        Export {
            bytes: if refuse { Vec::new() } else { self.out },
            rows: if refuse { 0 } else { rows },
            unrepresentable: self.found,
        }
    }
}
