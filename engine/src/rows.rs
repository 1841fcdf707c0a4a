//! Where rows come from: the seam between a file's format and the rules.
//!
//! Validation and mapping apply their rules to cells placed by row and
//! column as Excel numbers them. CSV bytes are one source of such cells
//! ([`CsvRows`]); a workbook's sheet is the next (a later change reads
//! `.xlsx` into the same [`Row`]s), and no rule is written twice for it.
//!
//! What stays with a source is what only its format knows: the CSV source
//! is handed decoded text (the encoding checks and the Shift_JIS decoding
//! happen before, on the raw bytes, where a bad byte can be located), and a
//! workbook source would report an unreadable file when it is opened.
//!
//! The browser's validation of a CSV file keeps one shortcut of its own:
//! the common row is checked straight off the bytes (`Checker::fast_row` in
//! `evaluation/validate.rs`), calling the same cell rule as every other
//! row. The property tests (`tests/properties.rs`,
//! `tests/linkage_properties.rs`) hold both ways to the same outcome.

use crate::csv_read::{Next, Tokenizer};

/// One cell, as the rules see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell<'a> {
    /// 1-based row as Excel shows it.
    pub row: u32,
    /// 1-based column.
    pub column: u32,
    /// The cell's text.
    pub bytes: &'a [u8],
    /// Whether the cell says it is text (a quoted CSV field; a workbook's
    /// string cell): `"123"` is then not a number.
    pub quoted: bool,
    /// Whether this is the last cell of its row.
    pub record_end: bool,
}

/// One row of cells, reused from row to row so reading allocates only
/// while rows grow.
#[derive(Debug, Default)]
pub struct Row {
    number: u32,
    text: String,
    /// Per cell: where its text ends in `text`, and whether it is quoted.
    cells: Vec<(usize, bool)>,
}

impl Row {
    /// Empties the row and numbers it (1-based, as Excel shows it).
    pub fn start(&mut self, number: u32) {
        self.number = number;
        self.text.clear();
        self.cells.clear();
    }

    /// Appends the next cell.
    pub fn push(&mut self, text: &str, quoted: bool) {
        self.text.push_str(text);
        self.cells.push((self.text.len(), quoted));
    }

    /// The row's number (1-based).
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Cells in the row.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Whether every cell is empty.
    pub fn is_blank(&self) -> bool {
        self.text.is_empty()
    }

    /// Cell `index` (0-based), or `""` past the end of the row.
    pub fn text(&self, index: usize) -> &str {
        let Some(&(end, _)) = self.cells.get(index) else {
            return "";
        };
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.cells[before].0);
        &self.text[start..end]
    }

    /// The rules' view of cell `index` (0-based, within the row).
    pub(crate) fn cell(&self, index: usize) -> Cell<'_> {
        Cell {
            row: self.number,
            column: index as u32 + 1,
            bytes: self.text(index).as_bytes(),
            quoted: self.cells.get(index).is_some_and(|&(_, quoted)| quoted),
            record_end: index + 1 == self.cells.len(),
        }
    }
}

/// A source of rows, in order. Rows without any cell (CSV's empty lines)
/// are not given; the numbers of the rows given count them.
pub trait RowSource {
    /// Reads the next row into `row`; `false` at the end.
    fn next_row(&mut self, row: &mut Row) -> bool;
}

/// The rows of decoded CSV text.
pub struct CsvRows<'a> {
    text: &'a str,
    tokenizer: Tokenizer,
}

impl<'a> CsvRows<'a> {
    /// Reads `text`, which holds no byte-order mark.
    pub fn new(text: &'a str) -> Self {
        CsvRows {
            text,
            tokenizer: Tokenizer::new(0),
        }
    }
}

impl RowSource for CsvRows<'_> {
    fn next_row(&mut self, row: &mut Row) -> bool {
        let mut started = false;
        loop {
            match self.tokenizer.next_field(self.text.as_bytes(), true) {
                Next::Field(field) => {
                    if !started {
                        row.start(field.row);
                        started = true;
                    }
                    // The input is a `str` and fields split at ASCII bytes.
                    row.push(
                        std::str::from_utf8(field.bytes).unwrap_or_default(),
                        field.quoted,
                    );
                    if field.record_end {
                        return true;
                    }
                }
                Next::NeedInput | Next::End => return started,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CsvRows, Row, RowSource};

    fn rows(text: &str) -> Vec<(u32, Vec<(String, bool)>)> {
        let mut source = CsvRows::new(text);
        let mut row = Row::default();
        let mut out = Vec::new();
        while source.next_row(&mut row) {
            let cells = (0..row.len())
                .map(|i| (row.text(i).to_owned(), row.cell(i).quoted))
                .collect();
            out.push((row.number(), cells));
        }
        out
    }

    #[test]
    fn numbers_rows_as_excel_does_and_keeps_quoting() {
        let cell = |text: &str, quoted| (text.to_owned(), quoted);
        assert_eq!(
            rows("a,\"1\"\r\n\r\n\"x\ny\",\n"),
            vec![
                (1, vec![cell("a", false), cell("1", true)]),
                // Row 2 is an empty line; the quoted cell spans two lines
                // of row 3.
                (3, vec![cell("x\ny", true), cell("", false)]),
            ]
        );
        assert!(rows("").is_empty());
    }

    #[test]
    fn past_the_end_of_a_row_reads_blank() {
        let mut row = Row::default();
        row.start(7);
        row.push("a", false);
        row.push("", false);
        assert_eq!((row.text(0), row.text(1), row.text(5)), ("a", "", ""));
        assert!(row.cell(1).record_end && !row.cell(0).record_end);
        assert!(!row.is_blank());
        row.start(8);
        row.push("", false);
        assert!(row.is_blank() && !row.is_empty());
    }
}
