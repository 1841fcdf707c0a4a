//! Mapping a CSV file through an import condition: per data row, the
//! matching-key values, the field patch and the relation look-ups that the
//! server must resolve, plus located diagnostics.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use encoding_rs::SHIFT_JIS;

use crate::csv_read::{Next, Tokenizer, locate};
use crate::diagnostic::{Diagnostic, Problem, excerpt};
use crate::encoding::utf8_bom_len;
use crate::linkage::condition::{
    ConditionProblem, ImportCondition, InFileDuplicates, InputEncoding, Source,
};
use crate::linkage::field::{Catalog, Field, Sheet, parse_value};
use crate::linkage::suggest::normalize_label;
use crate::rows::{CsvRows, Row, RowSource};

/// What a mapped row does to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChange {
    /// Store this canonical value.
    Set(String),
    /// Empty the field (a blank cell with "update with blank").
    Clear,
    /// Point the relation at the record of the related sheet whose
    /// `key_field` equals `value`; the server resolves it.
    Relate {
        /// The related sheet's field to match.
        key_field: Arc<str>,
        /// The value to find there.
        value: String,
    },
}

/// One valid data row, ready for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedRow {
    /// The 1-based file row, as Excel shows it.
    pub row: u32,
    /// The matching-key values, in the condition's `matching_keys` order.
    /// A relation used as matching key holds the related record's key value.
    pub keys: Vec<String>,
    /// The fields to change, by field id. Matching-key fields are never in
    /// here: they find the record and are written only on insert (from
    /// `keys`). Fields left alone are absent.
    pub changes: Vec<(Arc<str>, FieldChange)>,
}

impl MappedRow {
    /// The relation look-ups the server must resolve for this row.
    pub fn lookups(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.changes
            .iter()
            .filter_map(|(field, change)| match change {
                FieldChange::Relate { key_field, value } => {
                    Some((&**field, &**key_field, value.as_str()))
                }
                _ => None,
            })
    }
}

/// The outcome of mapping a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapStatus {
    /// Every data row is valid.
    Ok,
    /// Some rows have errors; the others are mapped.
    Errors,
    /// The file as a whole cannot be read (encoding, missing column).
    Rejected,
}

/// A mapped file.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Overall outcome.
    pub status: MapStatus,
    /// The encoding the file was read as.
    pub encoding: Option<InputEncoding>,
    /// The file's header cells (empty without a header row), for the wizard.
    pub headers: Vec<String>,
    /// Data rows read (blank rows are not counted).
    pub rows_read: u32,
    /// Rows with errors.
    pub failed: u32,
    /// Rows left out because another row with the same matching keys wins
    /// (see [`InFileDuplicates`]).
    pub skipped: u32,
    /// The valid rows, in file order.
    pub rows: Vec<MappedRow>,
    /// The problems of the first [`MAX_DIAGNOSED_ROWS`] failed rows, in
    /// file order (`failed` stays exact).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether failed rows beyond [`MAX_DIAGNOSED_ROWS`] were counted but
    /// not described.
    pub diagnostics_truncated: bool,
}

/// The most data rows a batch file may hold; a longer file is refused as a
/// whole (`file.too_many_rows`) before anything is applied.
pub const MAX_BATCH_ROWS: u32 = 1_000_000;
/// The failed rows whose problems are kept; later failed rows are counted
/// only, so a file of a million bad rows costs a bounded amount of memory.
pub const MAX_DIAGNOSED_ROWS: u32 = 100_000;

impl Mapping {
    fn empty() -> Self {
        Mapping {
            status: MapStatus::Ok,
            encoding: None,
            headers: Vec::new(),
            rows_read: 0,
            failed: 0,
            skipped: 0,
            rows: Vec::new(),
            diagnostics: Vec::new(),
            diagnostics_truncated: false,
        }
    }

    fn rejected(mut self, diagnostics: Vec<Diagnostic>) -> Self {
        self.status = MapStatus::Rejected;
        self.rows = Vec::new();
        self.diagnostics_truncated = false;
        self.diagnostics = diagnostics;
        self
    }
}

/// Maps every data row of `bytes`. The condition must pass
/// [`ImportCondition::check`]; its problems are returned otherwise.
pub fn map_file(
    condition: &ImportCondition,
    catalog: &Catalog,
    bytes: &[u8],
) -> Result<Mapping, Vec<ConditionProblem>> {
    Mapper::new(condition, catalog)?.run(bytes, None)
}

/// Maps every row of any [`RowSource`] with the rules of [`map_file`],
/// which reads CSV bytes; the mapping's `encoding` is then `None`.
pub fn map_rows(
    condition: &ImportCondition,
    catalog: &Catalog,
    rows: &mut impl RowSource,
) -> Result<Mapping, Vec<ConditionProblem>> {
    Mapper::new(condition, catalog)?.map_rows(rows, None, Mapping::empty())
}

/// Maps only the first `rows` data rows: the instant preview of the import
/// wizard. Only the bytes those rows need are decoded.
pub fn preview(
    condition: &ImportCondition,
    catalog: &Catalog,
    bytes: &[u8],
    rows: usize,
) -> Result<Mapping, Vec<ConditionProblem>> {
    Mapper::new(condition, catalog)?.run(bytes, Some(rows))
}

/// One mapping row, resolved against the sheet.
struct Target<'c> {
    source: &'c Source,
    field: &'c Field,
    /// The field id, shared by every row's changes without copying.
    id: Arc<str>,
    /// The relation key field's id, likewise.
    relation_key_id: Option<Arc<str>>,
    update_with_blank: bool,
    /// Index into the condition's matching keys, for a matching-key field.
    key_index: Option<usize>,
    /// For a relation: the related sheet's field that identifies the target.
    relation_key: Option<&'c Field>,
    /// 0-based file column, once known.
    column: usize,
}

struct Mapper<'c> {
    condition: &'c ImportCondition,
    targets: Vec<Target<'c>>,
}

impl<'c> Mapper<'c> {
    fn new(
        condition: &'c ImportCondition,
        catalog: &'c Catalog,
    ) -> Result<Self, Vec<ConditionProblem>> {
        let problems = condition.check(catalog);
        let sheet: Option<&Sheet> = catalog.sheet(&condition.sheet);
        let (true, Some(sheet)) = (problems.is_empty(), sheet) else {
            return Err(problems);
        };
        let targets = condition
            .mappings
            .iter()
            .filter_map(|mapping| {
                let field = sheet.field(&mapping.field)?;
                let relation_key = condition
                    .relation_keys
                    .iter()
                    .find(|key| key.field == field.id)
                    .and_then(|key| {
                        let related = catalog.sheet(field.relation_sheet.as_deref()?)?;
                        related.field(&key.key_field)
                    });
                Some(Target {
                    source: &mapping.source,
                    field,
                    id: field.id.as_str().into(),
                    relation_key_id: relation_key.map(|key| key.id.as_str().into()),
                    update_with_blank: mapping.update_with_blank,
                    key_index: condition
                        .matching_keys
                        .iter()
                        .position(|key| *key == field.id),
                    relation_key,
                    column: match mapping.source {
                        Source::Position(position) => position as usize - 1,
                        Source::Header(_) => usize::MAX,
                    },
                })
            })
            .collect();
        Ok(Mapper { condition, targets })
    }

    fn run(self, bytes: &[u8], limit: Option<usize>) -> Result<Mapping, Vec<ConditionProblem>> {
        let mut mapping = Mapping::empty();
        let bytes = match limit {
            Some(rows) => &bytes[..self.prefix_for(bytes, rows)],
            None => bytes,
        };
        let text = match decode(bytes, self.condition.encoding) {
            Ok((text, encoding)) => {
                mapping.encoding = Some(encoding);
                text
            }
            Err(diagnostic) => return Ok(mapping.rejected(vec![diagnostic])),
        };
        self.map_rows(&mut CsvRows::new(&text), limit, mapping)
    }

    /// Maps the rows of any source (the file's encoding is dealt with).
    fn map_rows(
        mut self,
        rows: &mut impl RowSource,
        limit: Option<usize>,
        mut mapping: Mapping,
    ) -> Result<Mapping, Vec<ConditionProblem>> {
        let header_row = self.condition.first_data_row.saturating_sub(1);
        let mut record = Row::default();
        let mut seen_keys: HashMap<Vec<String>, usize> = HashMap::new();
        let mut header_done = !self.condition.has_header;
        while limit.is_none_or(|limit| (mapping.rows_read as usize) < limit)
            && rows.next_row(&mut record)
        {
            if self.condition.has_header && record.number() == header_row {
                mapping.headers = (0..record.len())
                    .map(|i| record.text(i).to_owned())
                    .collect();
                if let Err(missing) = self.resolve_headers(&mapping.headers, header_row) {
                    return Ok(mapping.rejected(missing));
                }
                header_done = true;
                continue;
            }
            if record.number() < self.condition.first_data_row || record.is_blank() {
                continue;
            }
            if mapping.rows_read == MAX_BATCH_ROWS {
                let diagnostic = Diagnostic::at(
                    record.number(),
                    None,
                    Problem::TooManyRows {
                        max: MAX_BATCH_ROWS,
                    },
                );
                return Ok(mapping.rejected(vec![diagnostic]));
            }
            mapping.rows_read += 1;
            if header_done {
                self.map_row(&record, &mut mapping, &mut seen_keys);
            }
        }
        // No header row was found (the file is too short or blank there):
        // every column named by header is missing.
        if !header_done && let Err(missing) = self.resolve_headers(&[], header_row) {
            return Ok(mapping.rejected(missing));
        }
        if mapping.failed > 0 {
            mapping.status = MapStatus::Errors;
        }
        Ok(mapping)
    }

    /// Finds each header-named column: the exact (trimmed) header first, then
    /// one equal after Unicode NFKC and case folding.
    fn resolve_headers(
        &mut self,
        headers: &[String],
        header_row: u32,
    ) -> Result<(), Vec<Diagnostic>> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize_label(h)).collect();
        let mut missing = Vec::new();
        for target in &mut self.targets {
            let Source::Header(name) = target.source else {
                continue;
            };
            let exact = headers.iter().position(|h| h.trim() == name.trim());
            let wanted = normalize_label(name);
            match exact.or_else(|| normalized.iter().position(|h| *h == wanted)) {
                Some(column) => target.column = column,
                None => missing.push(Diagnostic::at(
                    header_row.max(1),
                    None,
                    Problem::MissingColumn {
                        column: excerpt(name.as_bytes()),
                    },
                )),
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    fn map_row(
        &self,
        record: &Row,
        mapping: &mut Mapping,
        seen_keys: &mut HashMap<Vec<String>, usize>,
    ) {
        let row = record.number();
        let mut problems = Vec::new();
        let needed = self.targets.iter().map(|t| t.column + 1).max().unwrap_or(0);
        if record.len() < needed {
            problems.push(Diagnostic::at(
                row,
                None,
                Problem::FieldCount {
                    expected: needed as u32,
                    found: record.len() as u32,
                },
            ));
        }
        let mut keys = vec![String::new(); self.condition.matching_keys.len()];
        let mut changes = Vec::with_capacity(self.targets.len());
        for target in &self.targets {
            // Formula protection (`'=…`, written by exports and every file
            // sheetlink makes) is undone once, so an export reads back as
            // it was; a lone `'` is a blank cell.
            let raw = crate::csv_write::unprotect_str(record.text(target.column));
            let column = Some(target.column as u32 + 1);
            if raw.is_empty() {
                match target.key_index {
                    Some(_) => problems.push(Diagnostic::at(
                        row,
                        column,
                        Problem::MatchingKeyBlank {
                            field: target.field.label.clone(),
                        },
                    )),
                    None if target.update_with_blank => {
                        changes.push((target.id.clone(), FieldChange::Clear))
                    }
                    None => {}
                }
                continue;
            }
            // A relation cell holds the related record's key value, checked
            // with the type of that key field.
            let parsed = parse_value(target.relation_key.unwrap_or(target.field), raw);
            match (parsed, target.key_index) {
                (Err(problem), _) => problems.push(Diagnostic::at(row, column, problem)),
                (Ok(value), Some(index)) => keys[index] = value,
                (Ok(value), None) => {
                    let change = match target.relation_key {
                        Some(key_field) => FieldChange::Relate {
                            key_field: target
                                .relation_key_id
                                .clone()
                                .unwrap_or_else(|| key_field.id.as_str().into()),
                            value,
                        },
                        None => FieldChange::Set(value),
                    };
                    changes.push((target.id.clone(), change));
                }
            }
        }

        let mut duplicate_of = None;
        if problems.is_empty() && !keys.is_empty() {
            match seen_keys.get(&keys) {
                Some(&index) => duplicate_of = Some(index),
                None => {
                    seen_keys.insert(keys.clone(), mapping.rows.len());
                }
            }
        }
        if let Some(index) = duplicate_of {
            let first_row = mapping.rows[index].row;
            match self.condition.duplicates.in_file {
                InFileDuplicates::Error => {
                    problems.push(Diagnostic::at(
                        row,
                        None,
                        Problem::DuplicateMatchingKey { first_row },
                    ));
                }
                InFileDuplicates::FirstWins => {
                    mapping.skipped += 1;
                    return;
                }
                InFileDuplicates::LastWins => {
                    mapping.skipped += 1;
                    mapping.rows[index] = MappedRow { row, keys, changes };
                    return;
                }
            }
        }
        if problems.is_empty() {
            mapping.rows.push(MappedRow { row, keys, changes });
        } else {
            mapping.failed += 1;
            if mapping.failed <= MAX_DIAGNOSED_ROWS {
                mapping.diagnostics.append(&mut problems);
            } else {
                mapping.diagnostics_truncated = true;
            }
        }
    }

    /// The length of the prefix of `bytes` holding the header and the first
    /// `rows` non-blank data rows. The raw bytes can be split before they are
    /// decoded because delimiters never occur inside UTF-8 or Shift_JIS
    /// multi-byte characters.
    fn prefix_for(&self, bytes: &[u8], rows: usize) -> usize {
        let mut tokenizer = Tokenizer::new(utf8_bom_len(bytes));
        let mut seen = 0;
        let mut blank = true;
        loop {
            match tokenizer.next_field(bytes, true) {
                Next::Field(field) => {
                    blank &= field.bytes.is_empty();
                    if field.record_end {
                        if field.row >= self.condition.first_data_row && !blank {
                            seen += 1;
                            if seen >= rows {
                                return tokenizer.position();
                            }
                        }
                        blank = true;
                    }
                }
                Next::NeedInput | Next::End => return bytes.len(),
            }
        }
    }
}

/// Decodes the file to UTF-8 (borrowed when it already is).
///
/// Bytes that are valid UTF-8 (or start with a UTF-8 BOM) are read as UTF-8
/// whatever the condition says: Shift_JIS text practically never is valid
/// UTF-8, while reading UTF-8 as Shift_JIS would silently garble it. The
/// condition's encoding decides the rest: `utf8` refuses other bytes,
/// `shift_jis` (or none) decodes them as Shift_JIS (CP932), refusing bytes
/// that are not.
pub(crate) fn decode(
    bytes: &[u8],
    encoding: Option<InputEncoding>,
) -> Result<(Cow<'_, str>, InputEncoding), Diagnostic> {
    let bom = utf8_bom_len(bytes);
    let utf8_error = match simdutf8::compat::from_utf8(&bytes[bom..]) {
        Ok(text) => return Ok((Cow::Borrowed(text), InputEncoding::Utf8)),
        Err(error) => bom + error.valid_up_to(),
    };
    if bom > 0 || encoding == Some(InputEncoding::Utf8) {
        return Err(undecodable(bytes, utf8_error, "UTF-8"));
    }
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(usize::MAX);
    let mut text = String::new();
    if text.try_reserve_exact(capacity).is_err() {
        return Err(undecodable(bytes, 0, "Shift_JIS"));
    }
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok((Cow::Owned(text), InputEncoding::ShiftJis)),
        _ => {
            let name = if encoding.is_some() {
                "Shift_JIS"
            } else {
                "UTF-8 / Shift_JIS"
            };
            Err(undecodable(bytes, read.saturating_sub(1), name))
        }
    }
}

fn undecodable(bytes: &[u8], offset: usize, encoding: &'static str) -> Diagnostic {
    let (row, column) = locate(bytes, offset);
    Diagnostic {
        row,
        column,
        problem: Problem::NotDecodable {
            encoding: encoding.into(),
        },
    }
}

/// The first `rows` records of a sample file, decoded as an import would
/// decode it (UTF-8 with or without BOM, else Shift_JIS unless `encoding`
/// says UTF-8), with the encoding found: what the import wizard shows to
/// pick columns from. Only the start of the file is decoded.
pub fn sample_rows(
    bytes: &[u8],
    encoding: Option<InputEncoding>,
    rows: usize,
) -> Result<(InputEncoding, Vec<Vec<String>>), Diagnostic> {
    // Enough lines for `rows` records in any realistic file; cut after a
    // line end so no character is split.
    let mut end = bytes.len().min(256 * 1024);
    if end < bytes.len() {
        end = bytes[..end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(end, |newline| newline + 1);
    }
    let (text, found) = decode(&bytes[..end], encoding)?;
    let mut source = CsvRows::new(&text);
    let mut record = Row::default();
    let mut out = Vec::new();
    while out.len() < rows && source.next_row(&mut record) {
        out.push(
            (0..record.len())
                .map(|i| record.text(i).to_owned())
                .collect(),
        );
    }
    Ok((found, out))
}
