//! The validated changes of an import, in a compact form.
//!
//! A 10,000 × 1,000 file has ten million cells; one heap object per cell
//! would be several times the file. Instead every cell is a length prefix in
//! one byte arena followed by the normalized value, and each evaluatee
//! records where its cells start. Cells of an evaluatee are in the order of
//! [`Batch::items`], one per item, so item ids are not repeated either.
//!
//! The prefix is `0` for "clear" and `length + 1` otherwise, as LEB128 (one
//! byte below 127). Values are UTF-8 by construction (they are cells of a
//! file checked to be UTF-8, split at ASCII delimiters, or canonical numbers);
//! reading them back checks each one again, which keeps this module free of
//! `unsafe` and makes [`Batch::decode`] safe on bytes from anywhere.

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
    cells: Vec<u8>,
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
    cells: &'a [u8],
}

impl Batch {
    pub(crate) fn new(items: Vec<String>) -> Self {
        Batch {
            items,
            evaluatees: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// Item ids, in the order of each evaluatee's cells. This is not the
    /// file's column order: the validator groups items by type.
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
        self.evaluatees.iter().map(|entry| self.changes_of(entry))
    }

    /// The changes of the `index`-th evaluatee (in file order).
    pub fn evaluatee(&self, index: usize) -> Option<EvaluateeChanges<'_>> {
        self.evaluatees
            .get(index)
            .map(|entry| self.changes_of(entry))
    }

    fn changes_of<'b>(&'b self, entry: &'b EvaluateeEntry) -> EvaluateeChanges<'b> {
        EvaluateeChanges {
            row: entry.row,
            key: &entry.key,
            items: &self.items,
            cells: &self.cells[entry.cells_start..],
        }
    }

    /// Where the next evaluatee's cells will start; pass it to
    /// [`Batch::rollback`] to drop a row that turned out to have errors.
    pub(crate) fn mark(&self) -> usize {
        self.cells.len()
    }

    pub(crate) fn rollback(&mut self, mark: usize) {
        self.cells.truncate(mark);
    }

    /// Reserves room for `bytes` more arena bytes. The arena never holds
    /// more than the file it came from (each cell's length prefix replaces
    /// at least its delimiter, except for values of 127+ bytes, which are
    /// rare), so reserving the file size once avoids every regrowth copy.
    pub(crate) fn reserve(&mut self, bytes: usize) {
        self.cells.reserve(bytes);
    }

    #[inline]
    pub(crate) fn push_clear(&mut self) {
        self.cells.push(0);
    }

    /// Appends a value; `value` must be UTF-8 (it is a cell of a checked
    /// file, a label, or a number's digits).
    #[inline]
    pub(crate) fn push_set(&mut self, value: &[u8]) {
        let mut length = value.len() + 1;
        while length >= 0x80 {
            self.cells.push((length & 0x7f) as u8 | 0x80);
            length >>= 7;
        }
        self.cells.push(length as u8);
        self.cells.extend_from_slice(value);
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
        // `decode_cell` cannot fail on a batch built here or accepted by
        // `Batch::decode`; `map_while` merely avoids a panic path.
        self.items.iter().map_while(move |item| {
            let (change, tail) = decode_cell(rest)?;
            rest = tail;
            Some((item.as_str(), change))
        })
    }
}

/// Splits one cell off the front of the arena; `None` when the bytes are
/// malformed (only possible for bytes received from elsewhere).
fn decode_cell(arena: &[u8]) -> Option<(Change<'_>, &[u8])> {
    let mut length = 0usize;
    let mut prefix = 0;
    loop {
        let byte = *arena.get(prefix)?;
        length |= usize::from(byte & 0x7f) << (7 * prefix);
        prefix += 1;
        if byte < 0x80 {
            break;
        }
        if prefix == 5 {
            return None;
        }
    }
    let rest = arena.get(prefix..)?;
    match length {
        0 => Some((Change::Clear, rest)),
        n => {
            let (value, tail) = rest.split_at_checked(n - 1)?;
            Some((Change::Set(std::str::from_utf8(value).ok()?), tail))
        }
    }
}

/// Magic bytes and version of [`Batch::encode`]'s format.
const ENCODING_MAGIC: &[u8; 4] = b"SLB1";

impl Batch {
    /// A self-contained byte form of the batch, for sending it elsewhere:
    /// `SLB1`, then little-endian `u32` counts and lengths: the items (length
    /// and UTF-8 id each), the evaluatees (row, key, cell bytes each), and the
    /// cells as stored (see the module docs). About the size of the arena.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.cells.len() + 64 * self.evaluatees.len() + 16);
        out.extend_from_slice(ENCODING_MAGIC);
        put_u32(&mut out, self.items.len());
        for item in &self.items {
            put_bytes(&mut out, item.as_bytes());
        }
        put_u32(&mut out, self.evaluatees.len());
        for (index, entry) in self.evaluatees.iter().enumerate() {
            let end = self
                .evaluatees
                .get(index + 1)
                .map_or(self.cells.len(), |next| next.cells_start);
            put_u32(&mut out, entry.row as usize);
            put_bytes(&mut out, entry.key.as_bytes());
            put_bytes(&mut out, &self.cells[entry.cells_start..end]);
        }
        out
    }

    /// Reads [`Batch::encode`]'s form back, checking every length, every
    /// string and every cell, so bytes from an untrusted sender give `None`
    /// rather than a batch that could misbehave later.
    pub fn decode(bytes: &[u8]) -> Option<Batch> {
        let mut input = bytes.strip_prefix(ENCODING_MAGIC)?;
        let item_count = take_u32(&mut input)?;
        let items = (0..item_count)
            .map(|_| String::from_utf8(take_bytes(&mut input)?.to_vec()).ok())
            .collect::<Option<Vec<String>>>()?;
        let evaluatee_count = take_u32(&mut input)?;
        let mut batch = Batch::new(items);
        for _ in 0..evaluatee_count {
            let row = u32::try_from(take_u32(&mut input)?).ok()?;
            let key = String::from_utf8(take_bytes(&mut input)?.to_vec()).ok()?;
            let cells = take_bytes(&mut input)?;
            let mut rest = cells;
            for _ in 0..batch.items.len() {
                rest = decode_cell(rest)?.1;
            }
            if !rest.is_empty() {
                return None;
            }
            let mark = batch.mark();
            batch.cells.extend_from_slice(cells);
            batch.commit(mark, row, key);
        }
        input.is_empty().then_some(batch)
    }
}

fn put_u32(out: &mut Vec<u8>, value: usize) {
    out.extend_from_slice(&u32::try_from(value).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn take_u32(input: &mut &[u8]) -> Option<usize> {
    let (head, rest) = input.split_first_chunk::<4>()?;
    *input = rest;
    usize::try_from(u32::from_le_bytes(*head)).ok()
}

fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take_u32(input)?;
    let (head, rest) = input.split_at_checked(len)?;
    *input = rest;
    Some(head)
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
                    Some(text) => batch.push_set(text.as_bytes()),
                    None => batch.push_clear(),
                }
            }
            batch.commit(mark, row, format!("E{row}"));
        }
        let rejected = batch.mark();
        batch.push_set(b"dropped");
        batch.rollback(rejected);

        assert_eq!(batch.len(), 2);
        let encoded = batch.encode();
        assert_eq!(Batch::decode(&encoded).as_ref(), Some(&batch));
        for cut in 0..encoded.len() {
            assert_eq!(Batch::decode(&encoded[..cut]), None, "cut at {cut}");
        }
        let mut corrupt = encoded.clone();
        if let Some(byte) = corrupt.iter_mut().rev().find(|b| **b == 0) {
            *byte = 0x7f; // a Clear cell becomes a value longer than what follows
        }
        assert_eq!(Batch::decode(&corrupt), None);

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
