//! The template's layout and the limits of an evaluation-sheet file, in one
//! place: the template writes them, the validator checks them, and messages
//! quote them from here (never as numbers written out again).

/// Rows 1–4 belong to the system (ids, captions, types); evaluatees start
/// at row 5.
pub const HEADER_ROWS: u32 = 4;
/// The column of the evaluatee's key (B): employee number or e-mail.
pub const KEY_COLUMN: u32 = 2;

/// Row 1, column A: the template format's version.
pub(crate) const VERSION_CELL: &str = "version:1";
/// Row 1, column B: `period:` and the period's id.
pub(crate) const PERIOD_PREFIX: &str = "period:";
/// Row 1, column C: `sheet:` and the sheet's id.
pub(crate) const SHEET_PREFIX: &str = "sheet:";
/// Row 2, column A.
pub(crate) const NAME_HEADER: &str = "name";
/// Row 2, column B.
pub(crate) const KEY_HEADER: &str = "employeenumber_or_email";
/// Row 3, column A.
pub(crate) const NAME_CAPTION: &str = "【氏名】";
/// Row 3, column B.
pub(crate) const KEY_CAPTION: &str = "(必須)【従業員番号またはメールアドレス】";

/// The row-2 id of the error column that [`super::error_file`] appends: a
/// last column with this id is read over, so a corrected error file can be
/// uploaded as it is.
pub const ERROR_COLUMN: &str = "#errors";

/// Largest accepted file: 30 MiB (30 × 1024 × 1024 bytes).
pub const MAX_FILE_BYTES: usize = 30 * 1024 * 1024;
/// Most item columns in one template.
pub const MAX_ITEMS: usize = 1000;

/// The widest a header row (1–4) may be: name, key, [`MAX_ITEMS`] items and
/// the error column of an error file. A non-empty cell further right refuses
/// the file at once, before the rest of the row is read or kept.
pub const MAX_HEADER_COLUMNS: u32 = MAX_ITEMS as u32 + 3;

/// Header problems after which the header check stops listing more.
pub const MAX_HEADER_PROBLEMS: usize = 100;
/// Most evaluatee rows in one file.
pub const MAX_EVALUATEES: u32 = 10_000;
/// Validation stops (status `aborted`) when this many evaluatees have errors.
pub const MAX_ERRORED_EVALUATEES: u32 = 50;

/// [`MAX_FILE_BYTES`] in MiB, as messages say it ("30MB").
pub const MAX_FILE_MIB: usize = MAX_FILE_BYTES / (1024 * 1024);
