//! The validated changes of an import, in a compact form.
//!
//! A 10,000 × 1,000 file has ten million cells; one heap object per cell
//! would be several times the file. Instead every cell is a length prefix in
//! one arena string followed by the normalized value, and each evaluatee
//! records where its cells start. Cells of an evaluatee are in the order of
//! [`Batch::items`], one per item, so item ids are not repeated either.
//!
//! The length prefix is written with ASCII bytes only (six bits of payload per
//! byte, bit 6 meaning "more follows"), which keeps the arena valid UTF-8 so
//! that values come back out as `&str` without re-checking.

/// What an import does to one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// Store this value: a canonical number (`12.35`), text, a dropdown
    /// label, or `1` / `0` for a checkbox.
    Set(&'a str),
    /// Delete the stored value (the cell was blank).
    Clear,
}

/// The validated changes of every evaluatee whose row had no error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    items: Vec<String>,
    evaluatees: Vec<EvaluateeEntry>,
    cells: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct EvaluateeEntry {
    row: u32,
    key: String,
    cells_start: usize,
}

/// One evaluatee's changes, borrowed from a [`Batch`].
#[derive(Debug, Clone, Copy)]
pub struct EvaluateeChanges<'a> {
    /// The 1-based file row the changes come from.
    pub row: u32,
    /// Employee number or e-mail, as written in column 2.
    pub key: &'a str,
    items: &'a [String],
    cells: &'a str,
}

impl Batch {
    pub(crate) fn new(items: Vec<String>) -> Self {
        Batch {
            items,
            evaluatees: Vec::new(),
            cells: String::new(),
        }
    }

    /// Item ids, in the order of each evaluatee's cells (the file's column order).
    pub fn items(&self) -> &[String] {
        &self.items
    }

    /// Number of evaluatees with changes.
    pub fn len(&self) -> usize {
        self.evaluatees.len()
    }

    /// Whether no evaluatee has changes.
    pub fn is_empty(&self) -> bool {
        self.evaluatees.is_empty()
    }

    /// Number of cells, i.e. evaluatees × items.
    pub fn cell_count(&self) -> usize {
        self.evaluatees.len() * self.items.len()
    }

    /// Bytes held by the cell arena (for memory reporting).
    pub fn arena_bytes(&self) -> usize {
        self.cells.capacity()
    }

    /// Every evaluatee's changes, in file order.
    pub fn evaluatees(&self) -> impl ExactSizeIterator<Item = EvaluateeChanges<'_>> + '_ {
        self.evaluatees.iter().map(|entry| EvaluateeChanges {
            row: entry.row,
            key: &entry.key,
            items: &self.items,
            cells: &self.cells[entry.cells_start..],
        })
    }

    /// Where the next evaluatee's cells will start; pass it to
    /// [`Batch::rollback`] to drop a row that turned out to have errors.
    pub(crate) fn mark(&self) -> usize {
        self.cells.len()
    }

    pub(crate) fn rollback(&mut self, mark: usize) {
        self.cells.truncate(mark);
    }

    pub(crate) fn push_clear(&mut self) {
        self.cells.push('\0');
    }

    /// Reserves room for `bytes` more arena bytes. The arena never holds
    /// more than the file it came from (each cell's length prefix replaces
    /// at least its delimiter, except for values of 63+ bytes, which are
    /// rare), so reserving the file size once avoids every regrowth copy.
    pub(crate) fn reserve(&mut self, bytes: usize) {
        self.cells.reserve(bytes);
    }

    pub(crate) fn push_set(&mut self, value: &str) {
        self.push_length(value.len());
        self.cells.push_str(value);
    }

    /// [`Batch::push_set`] for a value known to be ASCII (a number parsed
    /// from these very bytes), which spares a UTF-8 check per cell.
    pub(crate) fn push_set_ascii(&mut self, value: &[u8]) {
        debug_assert!(value.is_ascii());
        self.push_length(value.len());
        self.cells
            .extend(value.iter().map(|&byte| char::from(byte)));
    }

    fn push_length(&mut self, value_len: usize) {
        let mut length = value_len + 1;
        loop {
            let payload = (length & 0x3f) as u8;
            length >>= 6;
            if length == 0 {
                self.cells.push(char::from(payload));
                break;
            }
            self.cells.push(char::from(payload | 0x40));
        }
    }

    /// Records the cells pushed since `mark` as the changes of one evaluatee.
    pub(crate) fn commit(&mut self, mark: usize, row: u32, key: String) {
        self.evaluatees.push(EvaluateeEntry {
            row,
            key,
            cells_start: mark,
        });
    }
}

impl<'a> EvaluateeChanges<'a> {
    /// `(item id, change)` for every item, in [`Batch::items`] order.
    pub fn changes(&self) -> impl Iterator<Item = (&'a str, Change<'a>)> + 'a {
        let mut rest = self.cells;
        self.items.iter().map(move |item| {
            let (change, tail) = decode_cell(rest);
            rest = tail;
            (item.as_str(), change)
        })
    }
}

/// Splits one cell off the front of the arena.
fn decode_cell(arena: &str) -> (Change<'_>, &str) {
    let bytes = arena.as_bytes();
    let mut length = 0usize;
    let mut shift = 0;
    let mut prefix = 0;
    while let Some(&byte) = bytes.get(prefix) {
        prefix += 1;
        length |= usize::from(byte & 0x3f) << shift;
        shift += 6;
        if byte & 0x40 == 0 {
            break;
        }
    }
    match length {
        0 => (Change::Clear, &arena[prefix..]),
        n => {
            let end = prefix + n - 1;
            (Change::Set(&arena[prefix..end]), &arena[end..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_the_arena() {
        let long = "長".repeat(3000);
        let values: [Option<&str>; 6] = [
            Some("12.5"),
            None,
            Some(""),
            Some(&long),
            Some("a\r\nb"),
            None,
        ];
        let items: Vec<String> = (0..values.len()).map(|i| format!("item{i}")).collect();
        let mut batch = Batch::new(items);
        for row in [5, 6] {
            let mark = batch.mark();
            for value in values {
                match value {
                    Some(text) => batch.push_set(text),
                    None => batch.push_clear(),
                }
            }
            batch.commit(mark, row, format!("E{row}"));
        }
        let rejected = batch.mark();
        batch.push_set("dropped");
        batch.rollback(rejected);

        assert_eq!(batch.len(), 2);
        for (entry, row) in batch.evaluatees().zip([5, 6]) {
            assert_eq!(entry.row, row);
            assert_eq!(entry.key, format!("E{row}"));
            let got: Vec<Change<'_>> = entry.changes().map(|(_, change)| change).collect();
            let want: Vec<Change<'_>> = values
                .iter()
                .map(|v| v.map_or(Change::Clear, Change::Set))
                .collect();
            assert_eq!(got, want);
        }
    }
}
