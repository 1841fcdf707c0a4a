//! Field-at-a-time CSV reading over a byte buffer, with Excel positions.
//!
//! This is the hot loop of every validation, so it is written for the files
//! we see: millions of one-to-three-byte cells. It parses the dialect of
//! `csv-core` with default settings (RFC 4180, any of CRLF / LF / CR ends a
//! record, `""` escapes a quote, empty lines are skipped) and adds what
//! validation needs and `csv-core` does not say:
//! - the row as Excel numbers it: a record is one row however many lines a
//!   quoted cell spans, and an empty line is a row of its own;
//! - whether a field was quoted (`"123"` is text, not a number);
//! - no copy for a field without escaped quotes: it is a slice of the input;
//! - streaming: the input may be handed over a piece at a time.
//!
//! Why not `csv-core` itself: on the 10,000 × 1,000 benchmark its
//! per-field calls cost about half of the whole validation. `csv-core`
//! stays as the oracle of a differential test (`tests` below) and `csv` as
//! the baseline of the benchmark.

use memchr::memchr;

/// One field of the file.
#[derive(Debug)]
pub(crate) struct Field<'a> {
    /// 1-based row as Excel shows it.
    pub row: u32,
    /// 1-based column.
    pub column: u32,
    /// The unquoted, unescaped bytes.
    pub bytes: &'a [u8],
    /// Whether the field was written in double quotes.
    pub quoted: bool,
    /// Whether this is the last field of its row.
    pub record_end: bool,
    /// Offsets of the field's raw text in the input, quotes included.
    pub raw: std::ops::Range<usize>,
}

impl<'a> Field<'a> {
    /// The rules' view of the field.
    #[inline(always)]
    pub(crate) fn cell(&self) -> crate::rows::Cell<'a> {
        crate::rows::Cell {
            row: self.row,
            column: self.column,
            bytes: self.bytes,
            quoted: self.quoted,
            record_end: self.record_end,
        }
    }
}

/// What [`Tokenizer::next_field`] found.
#[derive(Debug)]
pub(crate) enum Next<'a> {
    /// A complete field.
    Field(Field<'a>),
    /// The input given so far ends inside a field; call again with more.
    NeedInput,
    /// The end of the file.
    End,
}

/// Reads fields one by one; see the module docs.
pub(crate) struct Tokenizer {
    /// Unescaped copy of the current field, when it had `""` in it.
    buf: Vec<u8>,
    /// Input offset consumed so far (always at a field start).
    pos: usize,
    row: u32,
    column: u32,
}

/// Where a field's unescaped text is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldText {
    /// `input[start..end]`.
    Input(usize, usize),
    /// The whole copy buffer (the field had `""` or text after its quotes).
    Copied,
}

impl FieldText {
    #[inline(always)]
    pub(crate) fn bytes<'a>(self, input: &'a [u8], copy: &'a [u8]) -> &'a [u8] {
        match self {
            FieldText::Input(start, end) => &input[start..end],
            FieldText::Copied => copy,
        }
    }
}

/// Scans the quoted field whose opening quote is at `start`, up to its
/// delimiter. Returns where its text is and the delimiter's offset, or
/// `None` when the input so far ends inside the field. `copy` receives the
/// unescaped text when it cannot be borrowed from the input.
pub(crate) fn scan_quoted(
    input: &[u8],
    start: usize,
    eof: bool,
    copy: &mut Vec<u8>,
) -> Option<(FieldText, usize)> {
    let len = input.len();
    let content_start = start + 1;
    let mut at = content_start;
    // With `""` in the field, the unescaped text is built in `copy`;
    // `pending` is the first content byte not copied there yet.
    let mut pending = content_start;
    let mut copied = false;
    let content_end;
    copy.clear();
    loop {
        match memchr(b'"', &input[at..]) {
            None if !eof => return None,
            None => {
                // Unterminated quote: the field runs to the end of the file.
                content_end = len;
                at = len;
                break;
            }
            Some(offset) => {
                let quote = at + offset;
                match input.get(quote + 1) {
                    None if !eof => return None,
                    Some(b'"') => {
                        copy.extend_from_slice(&input[pending..=quote]);
                        pending = quote + 2;
                        copied = true;
                        at = quote + 2;
                    }
                    _ => {
                        content_end = quote;
                        at = quote + 1;
                        break;
                    }
                }
            }
        }
    }
    // Text after the closing quote belongs to the field, as in csv-core.
    let tail_start = at;
    at = find_delimiter(input, at);
    if copied || at > tail_start {
        copy.extend_from_slice(&input[pending..content_end]);
        copy.extend_from_slice(&input[tail_start..at]);
        return Some((FieldText::Copied, at));
    }
    Some((FieldText::Input(content_start, content_end), at))
}

/// Bytes that end an unquoted field.
const fn is_delimiter(byte: u8) -> bool {
    matches!(byte, b',' | b'\r' | b'\n')
}

/// Offset of the first `,`, `\r` or `\n` at or after `from`, or the input
/// length. Eight bytes are tested at once (SWAR): most cells are shorter
/// than that, so the answer usually comes from one word and one
/// well-predicted branch instead of a byte loop whose exit is mispredicted
/// at every field.
pub(crate) fn find_delimiter(input: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    /// High bit set in the lowest byte of `x` that is zero (bits above it may
    /// be wrong, which `trailing_zeros` never looks at).
    const fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGHS
    }
    let mut at = from;
    while let Some(chunk) = input.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*chunk);
        let found = zero_bytes(word ^ (ONES * u64::from(b',')))
            | zero_bytes(word ^ (ONES * u64::from(b'\r')))
            | zero_bytes(word ^ (ONES * u64::from(b'\n')));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < input.len() && !is_delimiter(input[at]) {
        at += 1;
    }
    at
}

impl Tokenizer {
    /// Starts reading at `offset` (after a byte-order mark, say).
    pub(crate) fn new(offset: usize) -> Self {
        Tokenizer {
            buf: Vec::new(),
            pos: offset,
            row: 1,
            column: 1,
        }
    }

    /// Input bytes consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Whether the next field starts a record.
    pub(crate) fn at_record_start(&self) -> bool {
        self.column == 1
    }

    /// The row of the next record (empty lines before it not yet counted).
    pub(crate) fn row(&self) -> u32 {
        self.row
    }

    /// Moves past a record the caller has read itself, ending at `end`.
    pub(crate) fn skip_record(&mut self, end: usize) {
        self.pos = end;
        self.row += 1;
    }

    /// Reads the next field from `input[position()..]`. `input` must be the
    /// same buffer on every call, possibly grown; `eof` says it is complete.
    /// A field cut by the end of a non-final input is read again, whole, on
    /// the next call.
    #[inline(always)]
    pub(crate) fn next_field<'a>(&'a mut self, input: &'a [u8], eof: bool) -> Next<'a> {
        if self.column == 1 && !self.skip_empty_lines(input, eof) {
            return Next::NeedInput;
        }
        let len = input.len();
        let start = self.pos;
        if start == len {
            return if eof && self.column == 1 {
                Next::End
            } else if eof {
                self.last_empty_field()
            } else {
                Next::NeedInput
            };
        }

        let quoted = input[start] == b'"';
        let (text, mut at) = if quoted {
            match scan_quoted(input, start, eof, &mut self.buf) {
                Some((text, end)) => (text, end),
                None => return Next::NeedInput,
            }
        } else {
            let end = find_delimiter(input, start);
            (FieldText::Input(start, end), end)
        };
        let record_end = match input.get(at) {
            Some(b',') => {
                at += 1;
                false
            }
            Some(b'\r') => match input.get(at + 1) {
                None if !eof => return Next::NeedInput,
                Some(b'\n') => {
                    at += 2;
                    true
                }
                _ => {
                    at += 1;
                    true
                }
            },
            Some(_) => {
                at += 1;
                true
            }
            None if !eof => return Next::NeedInput,
            None => true,
        };

        let field = Field {
            row: self.row,
            column: self.column,
            bytes: text.bytes(input, &self.buf),
            quoted,
            record_end,
            raw: start..at,
        };
        self.pos = at;
        if record_end {
            self.row += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Next::Field(field)
    }

    /// The empty field after a trailing comma at the end of the file.
    fn last_empty_field(&mut self) -> Next<'_> {
        let field = Field {
            row: self.row,
            column: self.column,
            bytes: &[],
            quoted: false,
            record_end: true,
            raw: self.pos..self.pos,
        };
        self.row += 1;
        self.column = 1;
        Next::Field(field)
    }

    /// Consumes empty lines before a record, counting each as a row. Returns
    /// `false` when a lone `\r` at the end of the input so far leaves open
    /// whether a `\n` follows.
    fn skip_empty_lines(&mut self, input: &[u8], eof: bool) -> bool {
        loop {
            match input.get(self.pos) {
                Some(b'\r') => match input.get(self.pos + 1) {
                    None if !eof => return false,
                    Some(b'\n') => self.pos += 2,
                    _ => self.pos += 1,
                },
                Some(b'\n') => self.pos += 1,
                _ => return true,
            }
            self.row += 1;
        }
    }
}

/// The row and column of the field holding byte `offset` of `input`, for
/// pointing at a byte that cannot be decoded. The delimiters are ASCII
/// bytes, which never occur inside a UTF-8 or Shift_JIS multi-byte
/// character, so the raw bytes can be read before they are decoded.
pub(crate) fn locate(input: &[u8], offset: usize) -> (Option<u32>, Option<u32>) {
    let mut tokenizer = Tokenizer::new(crate::encoding::utf8_bom_len(input));
    while let Next::Field(field) = tokenizer.next_field(input, true) {
        if field.raw.end > offset {
            return (Some(field.row), Some(field.column));
        }
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every field as `row:column=value` (quoted values marked with `q`),
    /// reading the input `chunk` bytes at a time.
    fn fields(input: &str, chunk: usize) -> String {
        let input = input.as_bytes();
        let mut tokenizer = Tokenizer::new(0);
        let mut available = chunk.min(input.len());
        let mut out = Vec::new();
        loop {
            let eof = available == input.len();
            match tokenizer.next_field(&input[..available], eof) {
                Next::Field(field) => {
                    let quote = if field.quoted { "q" } else { "" };
                    let end = if field.record_end { ";" } else { "" };
                    let text = String::from_utf8_lossy(field.bytes)
                        .replace('\n', "\\n")
                        .replace('\r', "\\r");
                    out.push(format!("{}:{}={quote}{text}{end}", field.row, field.column));
                }
                Next::NeedInput => available = (available + chunk).min(input.len()),
                Next::End => return out.join(" "),
            }
        }
    }

    #[test]
    fn numbers_rows_as_excel_does() {
        let cases = [
            ("a,b\r\nc,d\r\n", "1:1=a 1:2=b; 2:1=c 2:2=d;"),
            ("a,b\nc,d", "1:1=a 1:2=b; 2:1=c 2:2=d;"),
            ("a\rb\r", "1:1=a; 2:1=b;"),
            ("a\r\n\r\nb\r\n", "1:1=a; 3:1=b;"),
            ("a\n\n\nb\n", "1:1=a; 4:1=b;"),
            ("a\r\r\nb", "1:1=a; 3:1=b;"),
            ("\r\na", "2:1=a;"),
            ("\"x\r\ny\",z\r\nw\r\n", "1:1=qx\\r\\ny 1:2=z; 2:1=w;"),
            ("\"1\",2,\"a\"\"b\"\r\n", "1:1=q1 1:2=2 1:3=qa\"b;"),
            ("\"a\"\"b\"\"c\"x,\"\"\"\"", "1:1=qa\"b\"cx 1:2=q\";"),
            ("\"ab\"cd,e", "1:1=qabcd 1:2=e;"),
            ("\"ab", "1:1=qab;"),
            ("a\"b,c", "1:1=a\"b 1:2=c;"),
            (",\r\n", "1:1= 1:2=;"),
            ("a,", "1:1=a 1:2=;"),
            ("\"\"\r\n", "1:1=q;"),
            ("", ""),
            ("\r\n\r\n", ""),
        ];
        for (input, expected) in cases {
            for chunk in [1, 2, 3, 1000] {
                assert_eq!(
                    fields(input, chunk),
                    expected,
                    "input {input:?} in chunks of {chunk}"
                );
            }
        }
    }

    /// Fields and record ends as csv-core reads them.
    fn csv_core_fields(input: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut reader = csv_core::Reader::new();
        let mut out = Vec::new();
        let (mut pos, mut field) = (0, Vec::new());
        let mut buf = [0u8; 64];
        loop {
            let (result, nin, nout) = reader.read_field(&input[pos..], &mut buf);
            pos += nin;
            field.extend_from_slice(&buf[..nout]);
            match result {
                csv_core::ReadFieldResult::Field { record_end } => {
                    out.push((std::mem::take(&mut field), record_end));
                }
                csv_core::ReadFieldResult::End => return out,
                _ => {}
            }
        }
    }

    fn our_fields(input: &[u8], chunk: usize) -> Vec<(Vec<u8>, bool)> {
        let mut tokenizer = Tokenizer::new(0);
        let mut available = chunk.min(input.len());
        let mut out = Vec::new();
        loop {
            match tokenizer.next_field(&input[..available], available == input.len()) {
                Next::Field(field) => out.push((field.bytes.to_vec(), field.record_end)),
                Next::NeedInput => available = (available + chunk).min(input.len()),
                Next::End => return out,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Same fields as csv-core, in one piece or in small pieces.
        #[test]
        fn agrees_with_csv_core(
            input in proptest::collection::vec(
                prop_oneof![Just(b','), Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b'a'), Just(0xE3)],
                0..40,
            ),
            chunk in 1usize..8,
        ) {
            let expected = csv_core_fields(&input);
            prop_assert_eq!(our_fields(&input, usize::MAX), expected.clone());
            prop_assert_eq!(our_fields(&input, chunk), expected);
        }
    }
}
