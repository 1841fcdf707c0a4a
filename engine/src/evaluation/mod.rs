//! Evaluation-sheet CSV (PRODUCT.md Part A): the template an admin downloads
//! for a (period, customize sheet), and the validation of the edited file
//! before anything is applied.
//!
//! The pieces, in the order data flows:
//! - [`SheetSchema`]: the importable items of a sheet and who may be imported;
//! - [`write_template`]: rows 1–4 plus the current values;
//! - [`Validation`] / [`validate`] / [`validate_rows`]: reads an upload (CSV
//!   bytes in steps, or any [`crate::rows::RowSource`]) and returns a
//!   [`Report`] of located [`crate::Diagnostic`]s and a compact [`Batch`] of
//!   the changes of every evaluatee whose row is valid.

mod batch;
mod error_file;
pub mod layout;
#[cfg(feature = "sample")]
pub mod sample;
mod schema;
mod template;
mod validate;

pub use batch::{Batch, Change, EvaluateeChanges};
pub use error_file::{ERROR_CAPTION, error_file, row_keys};
pub use layout::{
    ERROR_COLUMN, HEADER_ROWS, KEY_COLUMN, MAX_ERRORED_EVALUATEES, MAX_EVALUATEES, MAX_FILE_BYTES,
    MAX_HEADER_COLUMNS, MAX_HEADER_PROBLEMS, MAX_ITEMS,
};
pub use schema::{Item, ItemKind, SheetSchema, UNNAMED_BLOCK, matching_key};
pub use template::{TemplateRow, identify, write_template};
pub use validate::{
    Progress, Report, Status, Validation, check_file_size, validate, validate_rows,
};
