//! Field-at-a-time CSV reading over a byte buffer, with Excel positions.
//!
//! `csv-core` does the RFC 4180 parsing; this wrapper adds what validation
//! needs and `csv-core` does not say:
//! - the row as Excel numbers it: a record is one row however many lines a
//!   quoted cell spans, and an empty line (which `csv-core` skips) is a row;
//! - whether a field was quoted (`"123"` is text, not a number);
//! - streaming: the caller may hand over the input a piece at a time, so a
//!   long job can stop between steps and report progress.

use csv_core::{ReadFieldResult, Reader};

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
    reader: Reader,
    buf: Vec<u8>,
    /// Bytes of `buf` holding the field read so far.
    len: usize,
    /// Input offset consumed so far.
    pos: usize,
    /// Input offset where the current field's raw text starts.
    field_start: usize,
    row: u32,
    column: u32,
    /// The previous record ended with `\r`, so a `\n` right after it is the
    /// second half of a CRLF, not an empty line.
    after_cr: bool,
    ended: bool,
}

impl Tokenizer {
    /// Starts reading at `offset` (after a byte-order mark, say).
    pub(crate) fn new(offset: usize) -> Self {
        Tokenizer {
            reader: Reader::new(),
            buf: vec![0; 4096],
            len: 0,
            pos: offset,
            field_start: offset,
            row: 1,
            column: 1,
            after_cr: false,
            ended: false,
        }
    }

    /// Input bytes consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Reads the next field from `input[position()..]`. `input` must be the
    /// same buffer on every call, possibly grown; `eof` says it is complete.
    pub(crate) fn next_field(&mut self, input: &[u8], eof: bool) -> Next<'_> {
        if self.ended {
            return Next::End;
        }
        loop {
            let rest = input.get(self.pos..).unwrap_or_default();
            if rest.is_empty() && !eof {
                return Next::NeedInput;
            }
            let (result, nin, nout) = self.reader.read_field(rest, &mut self.buf[self.len..]);
            self.pos += nin;
            self.len += nout;
            match result {
                ReadFieldResult::InputEmpty => {}
                ReadFieldResult::OutputFull => {
                    let grown = self.buf.len() * 2;
                    self.buf.resize(grown, 0);
                }
                ReadFieldResult::End => {
                    self.ended = true;
                    return Next::End;
                }
                ReadFieldResult::Field { record_end } => {
                    let raw_start = self.field_start;
                    let mut start = raw_start;
                    if self.column == 1 {
                        start = self.skip_empty_lines(input, raw_start);
                    }
                    let field = Field {
                        row: self.row,
                        column: self.column,
                        bytes: &self.buf[..self.len],
                        quoted: input.get(start) == Some(&b'"'),
                        record_end,
                        raw: start..self.pos,
                    };
                    self.len = 0;
                    self.field_start = self.pos;
                    if record_end {
                        self.after_cr = self.pos > 0 && input.get(self.pos - 1) == Some(&b'\r');
                        self.row += 1;
                        self.column = 1;
                    } else {
                        self.column += 1;
                    }
                    return Next::Field(field);
                }
            }
        }
    }

    /// Counts the empty lines `csv-core` skipped before a record as rows,
    /// and returns where the record's own text starts.
    fn skip_empty_lines(&mut self, input: &[u8], mut at: usize) -> usize {
        if self.after_cr && input.get(at) == Some(&b'\n') {
            at += 1;
        }
        loop {
            match input.get(at) {
                Some(b'\r') => {
                    self.row += 1;
                    at += 1;
                    if input.get(at) == Some(&b'\n') {
                        at += 1;
                    }
                }
                Some(b'\n') => {
                    self.row += 1;
                    at += 1;
                }
                _ => return at,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (",\r\n", "1:1= 1:2=;"),
            ("\"\"\r\n", "1:1=q;"),
            ("", ""),
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
}
