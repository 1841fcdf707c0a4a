//! sheetlink's engine: validation and mapping of business CSV files.
//!
//! The same code runs compiled to WebAssembly in the browser (so a 30 MB file
//! is checked before a byte is uploaded) and natively in the server (which
//! never trusts the browser and checks every batch again). It therefore does
//! no I/O at all: it takes byte slices and returns values and reports. There
//! is no file, socket, clock, thread or `println!` in this crate.
//!
//! - [`evaluation`]: evaluation-sheet templates and their validation.
//! - [`linkage`]: batch-linkage field types, import mapping, export.
//! - [`members`]: the member CSV (members in bulk), read and written.
//! - [`rows`]: where rows come from (CSV text today, a workbook next).
//! - [`Diagnostic`]: a located problem with a stable code and a message in
//!   Japanese and English.
//! - [`Hundredths`]: exact two-decimal numbers with half-up rounding.

#![forbid(unsafe_code)]

mod csv_read;
pub mod csv_write;
mod decimal;
mod diagnostic;
mod encoding;
mod error;
pub mod evaluation;
mod field_type;
pub mod linkage;
pub mod members;
pub mod rows;
#[cfg(feature = "sample")]
mod sample_rng;

pub use decimal::{Hundredths, MAX_INTEGER_DIGITS, NumberError, NumberHint};
pub use diagnostic::{Diagnostic, Lang, Problem, ValueHint, column_letter};
pub use error::Error;
