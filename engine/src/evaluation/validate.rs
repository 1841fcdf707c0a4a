//! Reading and checking an uploaded template, in steps.

use std::collections::{HashMap, HashSet};

use crate::csv_read::{FieldText, Next, Tokenizer, find_delimiter, scan_quoted};
use crate::csv_write::unprotect;
use crate::decimal::{Hundredths, NumberError};
use crate::diagnostic::{Diagnostic, Problem, excerpt};
use crate::encoding;
use crate::evaluation::batch::Batch;
use crate::evaluation::layout::{
    ERROR_COLUMN, HEADER_ROWS, KEY_CAPTION, KEY_HEADER, MAX_ERRORED_EVALUATEES, MAX_EVALUATEES,
    MAX_FILE_BYTES, MAX_HEADER_COLUMNS, MAX_HEADER_PROBLEMS, MAX_ITEMS, NAME_CAPTION, NAME_HEADER,
    PERIOD_PREFIX, SHEET_PREFIX, VERSION_CELL,
};
use crate::evaluation::schema::{ItemKind, SheetSchema, matching_key};
use crate::rows::{Cell, Row, RowSource};

/// The outcome of a validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every evaluatee row is valid.
    Ok,
    /// Some evaluatee rows have errors; the others are in the batch.
    Errors,
    /// The file as a whole is unusable (size, encoding, header, row count);
    /// the batch is empty.
    Rejected,
    /// Validation stopped once [`MAX_ERRORED_EVALUATEES`] evaluatees had
    /// errors; rows after that were not read.
    Aborted,
}

impl Status {
    /// The status as written in reports: `ok`, `errors`, `rejected`, `aborted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Errors => "errors",
            Status::Rejected => "rejected",
            Status::Aborted => "aborted",
        }
    }

    /// The status [`Status::as_str`] wrote (`None` for anything else).
    pub fn parse(name: &str) -> Option<Status> {
        [
            Status::Ok,
            Status::Errors,
            Status::Rejected,
            Status::Aborted,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

/// What a validation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Overall outcome.
    pub status: Status,
    /// Evaluatee rows read (rows 5 and later that are not entirely blank).
    pub evaluatees: u32,
    /// Evaluatee rows without error; these are in the batch.
    pub valid: u32,
    /// Evaluatee rows with at least one error.
    pub with_errors: u32,
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Row 2 as read: the id in each column (`name`, the key column, then
    /// item ids), so that a screen can name the item of a diagnostic's
    /// column. Empty when the file ended before row 2.
    pub column_ids: Vec<String>,
}

/// How far a [`Validation`] has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read so far.
    pub done: usize,
    /// Bytes in the file.
    pub total: usize,
    /// Whether the validation has finished; [`Validation::finish`] then
    /// returns at once.
    pub finished: bool,
}

/// The size limit on its own, for callers that can refuse a file before
/// reading it (the CLI from file metadata, the server from Content-Length).
pub fn check_file_size(size: u64) -> Option<Diagnostic> {
    (size > MAX_FILE_BYTES as u64).then(|| Diagnostic::file(Problem::FileTooLarge { size }))
}

/// Validates a whole file at once.
pub fn validate(schema: &SheetSchema, input: &[u8]) -> (Report, Batch) {
    Validation::new(schema).finish(input)
}

/// Validates the rows of any [`RowSource`] with the same rules as
/// [`validate`], which reads CSV bytes. What only a format knows (the file's
/// size, its encoding) the source has checked before.
pub fn validate_rows(schema: &SheetSchema, rows: &mut impl RowSource) -> (Report, Batch) {
    let mut checker = Checker::new(schema);
    let mut row = Row::default();
    while rows.next_row(&mut row) {
        for index in 0..row.len() {
            let cell = row.cell(index);
            let flow = if checker.header_checked {
                checker.on_body_field(&cell)
            } else {
                checker.on_header_field(&cell, 0)
            };
            if flow.is_break() {
                return checker.into_outcome();
            }
        }
    }
    checker.on_end();
    checker.into_outcome()
}

/// A validation that runs in steps over one byte buffer, so that a browser
/// worker can report progress between steps and stop when cancelled (by
/// simply not calling [`Validation::step`] again).
pub struct Validation {
    tokenizer: Tokenizer,
    checker: Checker,
    /// Input bytes known to be UTF-8.
    checked: usize,
    started: bool,
    finished: bool,
    /// Whether the file as a whole was refused (size, encoding): the report
    /// then holds that one diagnostic and nothing else.
    rejected_whole: bool,
}

impl Validation {
    /// Prepares a validation against `schema`.
    pub fn new(schema: &SheetSchema) -> Self {
        Validation {
            tokenizer: Tokenizer::new(0),
            checker: Checker::new(schema),
            checked: 0,
            started: false,
            finished: false,
            rejected_whole: false,
        }
    }

    /// Reads about `budget` more bytes of `input`, which must be the same
    /// buffer on every call.
    pub fn step(&mut self, input: &[u8], budget: usize) -> Progress {
        if !self.started {
            self.start(input);
        }
        let total = input.len();
        // From the checked end, not the tokenizer's position: a field longer
        // than the budget leaves the tokenizer where it was, and the next
        // step must still bring in more bytes.
        let target = self
            .tokenizer
            .position()
            .max(self.checked)
            .saturating_add(budget.max(4096))
            .min(total);
        while !self.finished && self.checked < target {
            self.check_encoding(input, target);
        }
        let eof = self.checked == total;
        let available = &input[..self.checked];
        while !self.finished {
            if self.checker.header_checked && self.tokenizer.at_record_start() {
                let start = self.tokenizer.position();
                let row = self.tokenizer.row();
                if let Some(end) = self.checker.fast_row(available, start, row, eof) {
                    self.tokenizer.skip_record(end);
                    if end >= target && !eof {
                        break;
                    }
                    continue;
                }
            }
            match self.tokenizer.next_field(available, eof) {
                Next::Field(field) => {
                    let flow = if self.checker.header_checked {
                        self.checker.on_body_field(&field.cell())
                    } else {
                        let after = total.saturating_sub(field.raw.end);
                        self.checker.on_header_field(&field.cell(), after)
                    };
                    if flow.is_break() {
                        self.finished = true;
                    } else if field.record_end && field.raw.end >= target && !eof {
                        break;
                    }
                }
                Next::End => {
                    self.checker.on_end();
                    self.finished = true;
                }
                Next::NeedInput => break,
            }
        }
        if self.finished && !self.rejected_whole && self.checked < total {
            // Stopped early (a header problem, the 50th errored evaluatee):
            // the one-shot validation checks the whole file's encoding
            // before reading a row, so a bad byte further on must still win,
            // or the browser and the server would disagree on one file.
            self.check_encoding(input, total);
        }
        Progress {
            done: if self.finished {
                total
            } else {
                self.tokenizer.position()
            },
            total,
            finished: self.finished,
        }
    }

    /// Runs to the end of `input` and returns the report and the batch of
    /// valid evaluatees (empty when the file is rejected).
    pub fn finish(mut self, input: &[u8]) -> (Report, Batch) {
        while !self.step(input, usize::MAX).finished {}
        self.checker.into_outcome()
    }

    fn start(&mut self, input: &[u8]) {
        self.started = true;
        if let Some(too_large) = check_file_size(input.len() as u64) {
            self.reject(too_large);
            return;
        }
        let bom = encoding::utf8_bom_len(input);
        if bom == 0
            && let Some(looks_like) = encoding::utf16_bom(input)
        {
            self.reject(Diagnostic::file(Problem::NotUtf8 {
                looks_like: Some(looks_like.into()),
            }));
            return;
        }
        self.tokenizer = Tokenizer::new(bom);
        self.checked = bom;
    }

    /// Extends the UTF-8-checked prefix towards `target`. A multi-byte
    /// character cut by `target` is left for the next step.
    fn check_encoding(&mut self, input: &[u8], target: usize) {
        // simdutf8 checks ~10× faster than std on Japanese text, with the
        // same error positions.
        match simdutf8::compat::from_utf8(&input[self.checked..target]) {
            Ok(_) => self.checked = target,
            Err(error) if error.error_len().is_none() && target < input.len() => {
                if error.valid_up_to() == 0 {
                    // Fewer than 4 bytes to the target: widen the window.
                    self.check_encoding(input, (target + 4).min(input.len()));
                } else {
                    self.checked += error.valid_up_to();
                }
            }
            Err(error) => {
                let offset = self.checked + error.valid_up_to();
                let (row, column) = crate::csv_read::locate(input, offset);
                let looks_like = encoding::guess_legacy_japanese(input);
                self.reject(Diagnostic {
                    row,
                    column,
                    problem: Problem::NotUtf8 {
                        looks_like: looks_like.map(Into::into),
                    },
                });
            }
        }
    }

    /// Refuses the whole file (size, encoding). Whatever earlier steps
    /// found is dropped: the report is exactly what [`validate`] gives, which
    /// refuses such a file before reading any row.
    fn reject(&mut self, diagnostic: Diagnostic) {
        self.checker.reject_whole(diagnostic);
        self.rejected_whole = true;
        self.finished = true;
    }
}

/// What one item column accepts, compiled from the schema for speed.
enum ColumnRule {
    Number {
        min: Option<Hundredths>,
        max: Option<Hundredths>,
    },
    Text {
        max_len: Option<u32>,
    },
    Dropdown {
        options: Labels,
    },
    Checkbox,
    /// The error column of an error file ([`ERROR_COLUMN`]): anything goes,
    /// nothing is imported.
    Ignore,
}

impl ColumnRule {
    fn new(kind: &ItemKind) -> Self {
        match kind {
            ItemKind::Number { .. } => {
                let (min, max) = kind.number_bounds();
                ColumnRule::Number { min, max }
            }
            ItemKind::Text { max_len } => ColumnRule::Text { max_len: *max_len },
            ItemKind::Dropdown { options } => ColumnRule::Dropdown {
                options: Labels::new(options),
            },
            ItemKind::Checkbox => ColumnRule::Checkbox,
        }
    }
}

/// Dropdown labels, matched exactly. A label of up to 16 bytes (nearly all)
/// is identified by its length and its first and last eight bytes, read as
/// two words, so matching a cell compares integers instead of calling
/// `memcmp` once per option.
struct Labels {
    labels: Vec<(Option<LabelWords>, String)>,
}

/// A label's length and its first and last eight bytes as words.
type LabelWords = (usize, u64, u64);

impl Labels {
    fn new(options: &[String]) -> Self {
        Labels {
            labels: options
                .iter()
                .map(|o| (Self::words(o.as_bytes()), o.clone()))
                .collect(),
        }
    }

    /// Length, first eight and last eight bytes (overlapping when shorter
    /// than 16; zero-padded when shorter than 8): unique for up to 16 bytes.
    #[inline(always)]
    fn words(bytes: &[u8]) -> Option<LabelWords> {
        let len = bytes.len();
        if len > 16 {
            return None;
        }
        if let (Some(first), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            return Some((len, u64::from_le_bytes(*first), u64::from_le_bytes(*last)));
        }
        let mut padded = [0u8; 8];
        for (slot, &byte) in padded.iter_mut().zip(bytes) {
            *slot = byte;
        }
        Some((len, u64::from_le_bytes(padded), 0))
    }

    #[inline(always)]
    fn find(&self, bytes: &[u8]) -> Option<&str> {
        let found = match Self::words(bytes) {
            Some(words) => self.labels.iter().find(|(key, _)| *key == Some(words)),
            None => self
                .labels
                .iter()
                .find(|(_, label)| label.as_bytes() == bytes),
        };
        found.map(|(_, label)| label.as_str())
    }
}

/// Whether to keep reading.
type Flow = std::ops::ControlFlow<()>;

/// The rules, applied field by field.
struct Checker {
    schema: SheetSchema,
    known_keys: Option<HashSet<String>>,
    /// Rows 1–4 as read, until the header is checked.
    header: Vec<Vec<String>>,
    /// Whether rows 1–4 have been checked and `columns` compiled.
    header_checked: bool,
    /// Rules of columns 3 and later.
    columns: Vec<ColumnRule>,
    /// Columns in row 2 (trailing empty cells, which Excel adds, not counted).
    width: u32,
    row: RowState,
    /// Bytes of the file after the header, to size the batch once.
    body_bytes: usize,
    seen_keys: HashMap<String, u32>,
    batch: Batch,
    report: Report,
    scratch: String,
    /// Unescaped text of a quoted cell read by the fast path.
    copy: Vec<u8>,
}

/// What is known of the evaluatee row being read.
#[derive(Default)]
struct RowState {
    key: String,
    fields: u32,
    /// Last column holding something, to tell a blank row and Excel's
    /// trailing padding from real extra cells.
    last_filled: u32,
    diagnostics: Vec<Diagnostic>,
    mark: usize,
}

impl Checker {
    fn new(schema: &SheetSchema) -> Self {
        Checker {
            schema: schema.clone(),
            known_keys: schema
                .evaluatees
                .as_ref()
                .map(|keys| keys.iter().map(|k| matching_key(k).into_owned()).collect()),
            header: Vec::new(),
            header_checked: false,
            columns: Vec::new(),
            width: 0,
            row: RowState::default(),
            body_bytes: 0,
            seen_keys: HashMap::new(),
            batch: Batch::default(),
            report: Report {
                status: Status::Ok,
                evaluatees: 0,
                valid: 0,
                with_errors: 0,
                diagnostics: Vec::new(),
                column_ids: Vec::new(),
            },
            scratch: String::new(),
            copy: Vec::new(),
        }
    }

    /// Collects rows 1–4 and checks them once complete. `after` is how
    /// many bytes of the file follow the cell (0 if unknown), to size the
    /// batch.
    fn on_header_field(&mut self, field: &Cell<'_>, after: usize) -> Flow {
        self.body_bytes = after;
        if field.row > HEADER_ROWS {
            // Empty lines stood where header rows belong.
            return self.check_header();
        }
        let index = field.row as usize - 1;
        while self.header.len() <= index {
            self.header.push(Vec::new());
        }
        if field.column > MAX_HEADER_COLUMNS {
            // A header bomb (millions of item ids in row 2): refused as soon
            // as it cannot be valid; Excel's empty padding is read over.
            if !field.bytes.is_empty() {
                self.reject(Diagnostic::at(
                    field.row,
                    Some(field.column),
                    Problem::TooManyItems {
                        count: field.column as usize - 2,
                    },
                ));
                return Flow::Break(());
            }
            if field.row == HEADER_ROWS && field.record_end {
                return self.check_header();
            }
            return Flow::Continue(());
        }
        // Formula protection is undone on every header cell (row-2 ids and
        // row-3 captions are written protected).
        self.header[index].push(String::from_utf8_lossy(unprotect(field.bytes)).into_owned());
        if field.row == HEADER_ROWS && field.record_end {
            return self.check_header();
        }
        Flow::Continue(())
    }

    #[inline(always)]
    fn on_body_field(&mut self, field: &Cell<'_>) -> Flow {
        let column = field.column;
        if column == 1 {
            self.row = RowState {
                mark: self.batch.mark(),
                ..RowState::default()
            };
        }
        self.row.fields = column;
        // Whether a cell is blank is random, so this is arithmetic, not a
        // branch the CPU would mispredict on every other cell.
        let filled = u32::from(!field.bytes.is_empty());
        self.row.last_filled = self.row.last_filled.max(column * filled);
        match column {
            1 => {}
            2 => self.row.key = String::from_utf8_lossy(unprotect(field.bytes)).into_owned(),
            _ => {
                if let Some(rule) = self.columns.get(column as usize - 3)
                    && let Err(problem) = check_cell(
                        rule,
                        field.bytes,
                        field.quoted,
                        &mut self.batch,
                        &mut self.scratch,
                    )
                {
                    self.row
                        .diagnostics
                        .push(Diagnostic::at(field.row, Some(column), problem));
                }
            }
        }
        if field.record_end {
            return self.end_row(field.row);
        }
        Flow::Continue(())
    }

    /// The common row in one pass, without the field-by-field machinery:
    /// every field unquoted and valid, exactly as many as row 2, ended by a
    /// line break, and a new, known key. Returns where the next row starts,
    /// or `None`, having changed nothing, to let the field-by-field path read
    /// the row and report whatever is unusual about it. Cells are checked by
    /// the same `check_cell` either way.
    #[inline(always)]
    fn fast_row(&mut self, input: &[u8], start: usize, row: u32, eof: bool) -> Option<usize> {
        if self.report.evaluatees == MAX_EVALUATEES {
            return None;
        }
        let mark = self.batch.mark();
        let fast = self.fast_cells(input, start, eof);
        let accepted = fast.and_then(|(end, key)| {
            let key = std::str::from_utf8(key).ok()?;
            let matched = matching_key(key);
            (!key.is_empty()
                && !self.seen_keys.contains_key(&*matched)
                && self
                    .known_keys
                    .as_ref()
                    .is_none_or(|known| known.contains(&*matched)))
            .then_some((end, key, matched))
        });
        let Some((end, key, matched)) = accepted else {
            self.batch.rollback(mark);
            return None;
        };
        self.seen_keys.insert(matched.into_owned(), row);
        self.batch.commit(mark, row, key.to_owned());
        self.report.evaluatees += 1;
        self.report.valid += 1;
        Some(end)
    }

    /// Checks a row's cells (see [`Checker::fast_row`]); returns the end of
    /// the row and the key bytes.
    #[inline(always)]
    fn fast_cells<'i>(
        &mut self,
        input: &'i [u8],
        start: usize,
        eof: bool,
    ) -> Option<(usize, &'i [u8])> {
        let unquoted = |at: usize| {
            input
                .get(at)
                .is_some_and(|&b| b != b'"' && b != b'\r' && b != b'\n')
        };
        if !unquoted(start) {
            return None;
        }
        let name_end = find_delimiter(input, start);
        let key_start = name_end + 1;
        if input.get(name_end) != Some(&b',') || input.get(key_start) == Some(&b'"') {
            return None;
        }
        let key_end = find_delimiter(input, key_start);
        let key = unprotect(&input[key_start..key_end]);
        let mut at = key_end;
        for rule in &self.columns {
            if input.get(at) != Some(&b',') {
                return None;
            }
            // Checkboxes and numbers are read straight off the input, without
            // first searching for the end of the cell.
            let quick = match rule {
                ColumnRule::Checkbox => quick_checkbox(input, at + 1, &mut self.batch),
                ColumnRule::Number { min, max } => {
                    quick_number(input, at + 1, *min, *max, &mut self.batch)
                }
                ColumnRule::Text { .. } | ColumnRule::Dropdown { .. } => {
                    quick_blank(input, at + 1, &mut self.batch)
                }
                _ => None,
            };
            if let Some(end) = quick {
                at = end;
                continue;
            }
            let (text, quoted, end) = if input.get(at + 1) == Some(&b'"') {
                let (text, end) = scan_quoted(input, at + 1, eof, &mut self.copy)?;
                (text, true, end)
            } else {
                let end = find_delimiter(input, at + 1);
                (FieldText::Input(at + 1, end), false, end)
            };
            let bytes = text.bytes(input, &self.copy);
            check_cell(rule, bytes, quoted, &mut self.batch, &mut self.scratch).ok()?;
            at = end;
        }
        match (input.get(at), input.get(at + 1)) {
            (Some(b'\n'), _) => Some((at + 1, key)),
            (Some(b'\r'), Some(b'\n')) => Some((at + 2, key)),
            (Some(b'\r'), Some(_)) => Some((at + 1, key)),
            (Some(b'\r'), None) | (None, _) if eof => Some((input.len().min(at + 1), key)),
            _ => None,
        }
    }

    fn end_row(&mut self, row: u32) -> Flow {
        let state = std::mem::take(&mut self.row);
        if state.last_filled == 0 {
            // An entirely blank row (Excel leaves them behind): not an evaluatee.
            self.batch.rollback(state.mark);
            return Flow::Continue(());
        }
        if self.report.evaluatees == MAX_EVALUATEES {
            self.reject(Diagnostic::at(row, None, Problem::TooManyEvaluatees));
            return Flow::Break(());
        }
        self.report.evaluatees += 1;

        let mut problems = Vec::new();
        if state.fields < self.width || state.last_filled > self.width {
            // Too few fields, or something written beyond the last item
            // (empty trailing fields are Excel's padding and harmless).
            let found = if state.last_filled > self.width {
                state.last_filled
            } else {
                state.fields
            };
            problems.push(Diagnostic::at(
                row,
                None,
                Problem::FieldCount {
                    expected: self.width,
                    found,
                },
            ));
        }
        problems.extend(self.check_key(row, &state.key));
        let mut diagnostics = state.diagnostics;
        if !problems.is_empty() {
            // Row-level problems first, then the cells from left to right.
            problems.append(&mut diagnostics);
            diagnostics = problems;
        }

        if diagnostics.is_empty() {
            self.batch.commit(state.mark, row, state.key);
            self.report.valid += 1;
            return Flow::Continue(());
        }
        self.batch.rollback(state.mark);
        self.report.with_errors += 1;
        self.report.diagnostics.append(&mut diagnostics);
        if self.report.with_errors == MAX_ERRORED_EVALUATEES {
            self.report.status = Status::Aborted;
            return Flow::Break(());
        }
        Flow::Continue(())
    }

    fn check_key(&mut self, row: u32, key: &str) -> Option<Diagnostic> {
        let at = |problem| Some(Diagnostic::at(row, Some(2), problem));
        if key.is_empty() {
            return at(Problem::KeyMissing);
        }
        let matched = matching_key(key);
        if let Some(&first_row) = self.seen_keys.get(&*matched) {
            return at(Problem::KeyDuplicate {
                key: excerpt(key.as_bytes()),
                first_row,
            });
        }
        self.seen_keys.insert(matched.clone().into_owned(), row);
        if self
            .known_keys
            .as_ref()
            .is_some_and(|known| !known.contains(&*matched))
        {
            return at(Problem::KeyUnknown {
                key: excerpt(key.as_bytes()),
            });
        }
        None
    }

    fn on_end(&mut self) {
        if !self.header_checked && self.report.status != Status::Rejected {
            if self.header.len() < HEADER_ROWS as usize {
                self.reject(Diagnostic::file(Problem::HeaderIncomplete));
            } else {
                let _ = self.check_header();
            }
        }
    }

    /// Checks rows 1–4 and compiles the column rules.
    fn check_header(&mut self) -> Flow {
        self.header_checked = true;
        let header = std::mem::take(&mut self.header);
        self.report.column_ids = header.get(1).cloned().unwrap_or_default();
        match HeaderCheck::new(&self.schema).run(&header) {
            Ok((columns, items)) => {
                self.width = 2 + columns.len() as u32;
                self.columns = columns;
                self.batch = Batch::new(items);
                self.batch.reserve(self.body_bytes);
                Flow::Continue(())
            }
            Err(diagnostics) => {
                for diagnostic in diagnostics {
                    self.reject(diagnostic);
                }
                Flow::Break(())
            }
        }
    }

    fn reject(&mut self, diagnostic: Diagnostic) {
        self.report.status = Status::Rejected;
        self.report.diagnostics.push(diagnostic);
    }

    /// Rejects the file as a whole: the report keeps this diagnostic only.
    fn reject_whole(&mut self, diagnostic: Diagnostic) {
        self.report = Report {
            status: Status::Rejected,
            evaluatees: 0,
            valid: 0,
            with_errors: 0,
            diagnostics: vec![diagnostic],
            column_ids: Vec::new(),
        };
    }

    fn into_outcome(mut self) -> (Report, Batch) {
        match self.report.status {
            Status::Rejected => return (self.report, Batch::default()),
            Status::Ok if self.report.with_errors > 0 => self.report.status = Status::Errors,
            _ => {}
        }
        (self.report, self.batch)
    }
}

/// Validates one item cell and appends its change to the batch.
#[inline(always)]
fn check_cell(
    rule: &ColumnRule,
    bytes: &[u8],
    quoted: bool,
    batch: &mut Batch,
    scratch: &mut String,
) -> Result<(), Problem> {
    match rule {
        ColumnRule::Ignore => {}
        ColumnRule::Checkbox => {
            // Non-short-circuit operators: no branch on the (random) value.
            let first = bytes.first().copied().unwrap_or(b'0');
            let on = (bytes.len() == 1) & (first == b'1');
            if (bytes.len() > 1) | !((first == b'0') | (first == b'1')) {
                return Err(Problem::CheckboxInvalid {
                    value: excerpt(bytes),
                });
            }
            batch.push_set(if on { b"1" } else { b"0" });
        }
        _ if bytes.is_empty() => batch.push_clear(),
        ColumnRule::Number { min, max } => {
            if quoted {
                return Err(Problem::NumberQuoted {
                    value: excerpt(bytes),
                });
            }
            let (value, canonical) =
                Hundredths::parse_checking_form(bytes).map_err(|error| match error {
                    NumberError::Invalid(hint) => Problem::NumberInvalid {
                        value: excerpt(bytes),
                        hint,
                    },
                    NumberError::TooLarge => Problem::NumberTooLarge {
                        value: excerpt(bytes),
                    },
                })?;
            if let Some(min) = *min
                && value < min
            {
                return Err(Problem::NumberBelowMin { value, min });
            }
            if let Some(max) = *max
                && value > max
            {
                return Err(Problem::NumberAboveMax { value, max });
            }
            if canonical {
                batch.push_set(bytes);
            } else {
                scratch.clear();
                value.write_to(scratch);
                batch.push_set(scratch.as_bytes());
            }
        }
        ColumnRule::Text { .. } | ColumnRule::Dropdown { .. } if bytes == b"'" => {
            // Only the formula protection's quote: a blank cell.
            batch.push_clear();
        }
        ColumnRule::Text { max_len } => {
            let bytes = unprotect(bytes);
            if let Some(max) = *max_len {
                // The whole file is UTF-8, so characters are the bytes that
                // do not continue a multi-byte sequence.
                let length = bytes.iter().filter(|&&byte| (byte as i8) >= -0x40).count();
                if length > max as usize {
                    return Err(Problem::TextTooLong { length, max });
                }
            }
            batch.push_set(bytes);
        }
        ColumnRule::Dropdown { options } => match options.find(unprotect(bytes)) {
            Some(label) => batch.push_set(label.as_bytes()),
            None => {
                return Err(Problem::DropdownUnknown {
                    value: excerpt(bytes),
                    options: options
                        .labels
                        .iter()
                        .take(10)
                        .map(|(_, label)| label.clone())
                        .collect(),
                });
            }
        },
    }
    Ok(())
}

/// Whether the byte after a cell ends it (or the input ends).
#[inline(always)]
fn ends_cell(byte: Option<&u8>) -> bool {
    byte.is_none_or(|&b| matches!(b, b',' | b'\r' | b'\n'))
}

/// A checkbox cell of the common forms `0`, `1` or blank, pushed to the
/// batch; `None` for anything else, which `check_cell` then judges.
#[inline(always)]
fn quick_checkbox(input: &[u8], cell: usize, batch: &mut Batch) -> Option<usize> {
    match input.get(cell) {
        Some(&digit @ (b'0' | b'1')) if ends_cell(input.get(cell + 1)) => {
            batch.push_set(if digit == b'1' { b"1" } else { b"0" });
            Some(cell + 1)
        }
        _ => None,
    }
}

/// A blank cell (most text cells are), pushed as "clear" without searching
/// for the cell's end.
#[inline(always)]
fn quick_blank(input: &[u8], cell: usize, batch: &mut Batch) -> Option<usize> {
    if matches!(input.get(cell), Some(b',' | b'\r' | b'\n')) {
        batch.push_clear();
        return Some(cell);
    }
    None
}

/// A blank or valid number cell, pushed to the batch; `None` for anything
/// else (quoted, invalid, out of range), which `check_cell` then judges.
#[inline(always)]
fn quick_number(
    input: &[u8],
    cell: usize,
    min: Option<Hundredths>,
    max: Option<Hundredths>,
    batch: &mut Batch,
) -> Option<usize> {
    let rest = input.get(cell..)?;
    let (parsed, used) = Hundredths::parse_prefix(rest);
    if !ends_cell(rest.get(used)) {
        return None;
    }
    match parsed {
        Err(_) if used == 0 => batch.push_clear(),
        Ok((value, true))
            if min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max) =>
        {
            batch.push_set(&rest[..used]);
        }
        _ => return None,
    }
    Some(cell + used)
}

/// Checks rows 1–4 against the schema, collecting every problem.
struct HeaderCheck<'s> {
    schema: &'s SheetSchema,
    problems: Vec<Diagnostic>,
}

impl<'s> HeaderCheck<'s> {
    fn new(schema: &'s SheetSchema) -> Self {
        HeaderCheck {
            schema,
            problems: Vec::new(),
        }
    }

    fn run(
        mut self,
        header: &[Vec<String>],
    ) -> Result<(Vec<ColumnRule>, Vec<String>), Vec<Diagnostic>> {
        let empty = Vec::new();
        let row = |index: usize| header.get(index).unwrap_or(&empty);
        let (row1, row2, row3, row4) = (row(0), row(1), row(2), row(3));
        if header.len() < HEADER_ROWS as usize {
            return Err(vec![Diagnostic::file(Problem::HeaderIncomplete)]);
        }

        self.fixed_cell(1, 1, row1, VERSION_CELL);
        self.id_cell(1, 2, row1, PERIOD_PREFIX, "period", &self.schema.period);
        self.id_cell(1, 3, row1, SHEET_PREFIX, "sheet", &self.schema.sheet);
        self.fixed_cell(2, 1, row2, NAME_HEADER);
        self.fixed_cell(2, 2, row2, KEY_HEADER);
        self.fixed_cell(3, 1, row3, NAME_CAPTION);
        self.fixed_cell(3, 2, row3, KEY_CAPTION);
        let problems_before_row4 = self.problems.len();
        self.fixed_cell(4, 1, row4, "");
        self.fixed_cell(4, 2, row4, "");
        // When row 4 is not the type row at all (rows shifted), comparing
        // its cells with item types would only add noise.
        let row4_is_types = self.problems.len() == problems_before_row4;
        self.trailing_empty(1, row1, 3);

        let width = row2
            .iter()
            .rposition(|cell| !cell.is_empty())
            .map_or(0, |last| last + 1)
            .max(2);
        let ids = &row2[2.min(row2.len())..width.min(row2.len())];
        if ids.is_empty() {
            self.problems
                .push(Diagnostic::at(2, None, Problem::NoItems));
        } else if ids.len() > MAX_ITEMS {
            self.problems.push(Diagnostic::at(
                2,
                None,
                Problem::TooManyItems { count: ids.len() },
            ));
        }
        for (row_index, row) in [(3, row3), (4, row4)] {
            let filled = row
                .iter()
                .rposition(|cell| !cell.is_empty())
                .map_or(0, |last| last + 1);
            if row.len() < width || filled > width {
                self.problems.push(Diagnostic::at(
                    row_index,
                    None,
                    Problem::HeaderWidth {
                        expected: width as u32,
                        found: row.len().max(filled) as u32,
                    },
                ));
            }
        }

        let mut columns = Vec::with_capacity(ids.len());
        let mut first_column: HashMap<&str, u32> = HashMap::new();
        for (offset, id) in ids.iter().enumerate() {
            if self.problems.len() >= MAX_HEADER_PROBLEMS {
                break;
            }
            let column = offset as u32 + 3;
            if let Some(&first) = first_column.get(id.as_str()) {
                self.problems.push(Diagnostic::at(
                    2,
                    Some(column),
                    Problem::DuplicateItem {
                        id: excerpt(id.as_bytes()),
                        first_column: first,
                    },
                ));
                continue;
            }
            first_column.insert(id, column);
            if id == ERROR_COLUMN && offset + 1 == ids.len() {
                // The error column of an error file: read over, not imported.
                columns.push(ColumnRule::Ignore);
                continue;
            }
            let Some(item) = self.schema.item(id) else {
                self.problems.push(Diagnostic::at(
                    2,
                    Some(column),
                    Problem::UnknownItem {
                        id: excerpt(id.as_bytes()),
                    },
                ));
                continue;
            };
            // A missing row-4 cell is already reported as a width problem.
            let type_name = row4.get(column as usize - 1).map(String::as_str);
            if let Some(type_name) = type_name
                && row4_is_types
                && !item.kind.is_named(type_name)
            {
                self.problems.push(Diagnostic::at(
                    4,
                    Some(column),
                    Problem::ItemTypeChanged {
                        id: excerpt(id.as_bytes()),
                        expected: item.kind.template_name().into(),
                        found: excerpt(type_name.as_bytes()),
                    },
                ));
            }
            columns.push(ColumnRule::new(&item.kind));
        }
        self.problems.truncate(MAX_HEADER_PROBLEMS);
        if self.problems.is_empty() {
            let items = ids
                .iter()
                .filter(|id| *id != ERROR_COLUMN)
                .cloned()
                .collect();
            Ok((columns, items))
        } else {
            Err(self.problems)
        }
    }

    fn fixed_cell(&mut self, row: u32, column: u32, cells: &[String], expected: &str) {
        let found = cells.get(column as usize - 1).map_or("", String::as_str);
        if found != expected {
            self.problems.push(Diagnostic::at(
                row,
                Some(column),
                Problem::HeaderCell {
                    expected: expected.to_owned(),
                    found: excerpt(found.as_bytes()),
                },
            ));
        }
    }

    fn id_cell(
        &mut self,
        row: u32,
        column: u32,
        cells: &[String],
        prefix: &str,
        what: &'static str,
        expected: &str,
    ) {
        let found = cells.get(column as usize - 1).map_or("", String::as_str);
        match found.strip_prefix(prefix) {
            Some(id) if id == expected => {}
            Some(id) => self.problems.push(Diagnostic::at(
                row,
                Some(column),
                Problem::WrongSheet {
                    what: what.into(),
                    expected: expected.to_owned(),
                    found: excerpt(id.as_bytes()),
                },
            )),
            None => self.problems.push(Diagnostic::at(
                row,
                Some(column),
                Problem::HeaderCell {
                    expected: format!("{prefix}{expected}"),
                    found: excerpt(found.as_bytes()),
                },
            )),
        }
    }

    /// Cells after `from` columns must be empty (Excel pads short rows).
    fn trailing_empty(&mut self, row: u32, cells: &[String], from: usize) {
        for (index, cell) in cells.iter().enumerate().skip(from) {
            if !cell.is_empty() {
                self.problems.push(Diagnostic::at(
                    row,
                    Some(index as u32 + 1),
                    Problem::HeaderCell {
                        expected: String::new(),
                        found: excerpt(cell.as_bytes()),
                    },
                ));
            }
        }
    }
}
