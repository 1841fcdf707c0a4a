//! Evaluation-sheet imports: records, errors, progress, history, dry runs
//! and reverts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::counts::{Counts, Outcome};

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Being applied.
    Running,
    /// 完了: every evaluatee applied.
    Completed,
    /// 完了だが一部エラーあり: some evaluatees failed, the others applied.
    CompletedWithErrors,
    /// 完了だが全て失敗: nothing applied.
    AllFailed,
    /// エラーにより中断: 50 evaluatees had errors; nothing was applied.
    Aborted,
    /// タイムアウト: the time limit ran out; evaluatees applied until then stay.
    TimedOut,
    /// The server stopped while applying; evaluatees applied until then stay.
    Interrupted,
}

impl ImportStatus {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Completed => "completed",
            ImportStatus::CompletedWithErrors => "completed_with_errors",
            ImportStatus::AllFailed => "all_failed",
            ImportStatus::Aborted => "aborted",
            ImportStatus::TimedOut => "timed_out",
            ImportStatus::Interrupted => "interrupted",
        }
    }
}

/// One error of an import, located in the uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportError {
    /// 1-based row, as Excel shows it.
    pub row: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// The column as Excel names it.
    pub column_letter: Option<String>,
    /// Stable code.
    pub code: String,
    /// What is wrong and how to fix it (Japanese).
    pub message: String,
    /// The same in English.
    pub message_en: String,
}

/// The most errors an import keeps (and answers); the totals per code stay
/// exact and the error file keeps every failed row.
pub const MAX_STORED_ERRORS: usize = 1_000;

/// An import in the history, as stored and answered (its errors are stored
/// apart; see [`ImportAnswer`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRecord {
    /// Id (sorts by start).
    pub id: String,
    /// Period id.
    pub period: String,
    /// Sheet id.
    pub sheet: String,
    /// The operator's member id.
    pub operator: String,
    /// The operator's name, as it was.
    pub operator_name: String,
    /// Seconds since the epoch.
    pub started_at: u64,
    /// Seconds since the epoch, once finished.
    pub ended_at: Option<u64>,
    /// Where it is.
    pub status: ImportStatus,
    /// How many rows went where.
    pub counts: Counts,
    /// How many errors of each code the import had, exactly.
    #[serde(default)]
    pub error_totals: BTreeMap<String, u32>,
    /// Whether more errors existed than were kept.
    #[serde(default)]
    pub errors_truncated: bool,
    /// When the import was reverted, if it was.
    #[serde(default)]
    pub reverted_at: Option<u64>,
    /// The item ids of the file, which the change log refers to by position.
    #[serde(default)]
    pub items: Vec<String>,
    /// Cells created, updated and deleted (emptied) by the import.
    #[serde(default)]
    pub cells: CellTotals,
    /// The name of the uploaded file as the browser or client gave it
    /// (at most [`MAX_FILE_NAME_CHARS`] characters), when it gave one.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Why an `interrupted` import stopped, when an error stopped it: the
    /// error's stable code (none: the server stopped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
}

/// The longest file name an import keeps, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;

impl ImportRecord {
    /// Counts the errors, given by their codes, per code into the record.
    pub fn summarize_errors<'c>(&mut self, codes: impl ExactSizeIterator<Item = &'c str>) {
        self.errors_truncated = codes.len() > MAX_STORED_ERRORS;
        self.error_totals = error_totals(codes);
    }

    /// Every error, however many were kept.
    pub fn error_count(&self) -> u32 {
        self.error_totals.values().sum()
    }
}

/// How many errors have each code, given their codes.
pub fn error_totals<'c>(codes: impl IntoIterator<Item = &'c str>) -> BTreeMap<String, u32> {
    let mut totals = BTreeMap::new();
    for code in codes {
        *totals.entry(code.to_owned()).or_default() += 1;
    }
    totals
}

/// An import as answered: the record and its first [`MAX_STORED_ERRORS`]
/// errors (`errors_truncated` says when more existed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportAnswer {
    /// The record.
    #[serde(flatten)]
    pub import: ImportRecord,
    /// Its first errors, in file order.
    #[serde(default)]
    pub errors: Vec<ImportError>,
}

/// Progress of a running import, kept beside the data it describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    /// Evaluatees processed so far (applied or failed).
    pub done: u32,
    /// Evaluatees to process.
    pub total: u32,
    /// Counts so far.
    pub counts: Counts,
    /// Cells created, updated, deleted so far: committed with the data, so
    /// an interrupted import's history shows the cells it did change.
    #[serde(default)]
    pub cells: CellTotals,
}

/// `GET /api/imports/{id}` and `GET /api/imports/by-key/{key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportDetails {
    /// The import and its first errors.
    pub import: ImportAnswer,
    /// Progress (while running, and the last one after).
    pub progress: Option<Progress>,
    /// The period's name.
    #[serde(default)]
    pub period_name: String,
    /// The sheet's name.
    #[serde(default)]
    pub sheet_name: String,
}

/// One line of the import history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryLine {
    /// Import id.
    pub id: String,
    /// Status.
    pub status: ImportStatus,
    /// Period id.
    pub period: String,
    /// Period name.
    pub period_name: String,
    /// Sheet id.
    pub sheet: String,
    /// Sheet name.
    pub sheet_name: String,
    /// Start, seconds since the epoch.
    pub started_at: u64,
    /// End, once finished.
    pub ended_at: Option<u64>,
    /// Who ran it.
    pub operator_name: String,
    /// The uploaded file's name, when one was given.
    #[serde(default)]
    pub file_name: Option<String>,
    /// How many evaluatees went where.
    #[serde(default)]
    pub counts: Counts,
    /// How many cells it created, updated and deleted.
    #[serde(default)]
    pub cells: CellTotals,
    /// Every error the import had.
    #[serde(default)]
    pub error_count: u32,
    /// When it was reverted, if it was.
    #[serde(default)]
    pub reverted_at: Option<u64>,
    /// Whether the caller may open its details (evaluation admins and the
    /// import's own operator): the app offers no link otherwise.
    #[serde(default)]
    pub may_open: bool,
}

/// What an import does to one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CellAction {
    /// A value where there was none.
    Create,
    /// Another value.
    Update,
    /// A blank cell empties a stored value.
    Delete,
}

impl CellAction {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CellAction::Create => "create",
            CellAction::Update => "update",
            CellAction::Delete => "delete",
        }
    }
}

/// One cell an import changed (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CellChange {
    /// Item id.
    pub item: String,
    /// What happens to it.
    pub action: CellAction,
    /// Value before.
    pub old: Option<String>,
    /// Value after.
    pub new: Option<String>,
}

/// The cells one evaluatee's row would change (a page of a dry run holds
/// whole evaluatees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluateePlan {
    /// File row.
    pub row: u32,
    /// Employee number or e-mail.
    pub key: String,
    /// The evaluatee's name.
    #[serde(default)]
    pub name: String,
    /// Created, updated or unchanged.
    pub outcome: Outcome,
    /// The cells that change; blank-means-delete cells are `delete`.
    pub changes: Vec<CellChange>,
    /// Cells left as they are.
    pub unchanged_cells: u32,
}

/// Per evaluatee of a dry run, as parallel arrays (one entry per evaluatee
/// to apply, in file order): a 10,000-evaluatee plan answers a few hundred
/// kilobytes, not one object per evaluatee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluateeTotals {
    /// File rows.
    pub row: Vec<u32>,
    /// Keys as written.
    pub key: Vec<String>,
    /// Created, updated or unchanged.
    pub outcome: Vec<Outcome>,
    /// Cells that get a first value.
    pub create: Vec<u32>,
    /// Cells whose value changes.
    pub update: Vec<u32>,
    /// Cells a blank empties.
    pub delete: Vec<u32>,
    /// Cells that stay.
    pub unchanged: Vec<u32>,
}

/// Cell totals of a dry run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CellTotals {
    /// Cells that get a value where there was none.
    pub create: u32,
    /// Cells whose value changes.
    pub update: u32,
    /// Cells emptied by a blank cell in the file.
    pub delete: u32,
    /// Cells already as in the file.
    pub unchanged: u32,
}

impl CellTotals {
    /// Counts one changed cell.
    pub fn count(&mut self, action: CellAction) {
        match action {
            CellAction::Create => self.create += 1,
            CellAction::Update => self.update += 1,
            CellAction::Delete => self.delete += 1,
        }
    }
}

/// The cell totals of one item over the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemTotals {
    /// Item id.
    pub item: String,
    /// The cell totals.
    #[serde(flatten)]
    pub cells: CellTotals,
}

/// A page of a dry run's changed cells: whole evaluatees, about
/// [`CHANGES_PAGE_BYTES`] of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    /// Evaluatees with at least one changed cell, in file order.
    pub evaluatees: Vec<EvaluateePlan>,
    /// Ask for `?after=` this row for the next page; `None` on the last.
    pub next_after: Option<u32>,
}

/// One evaluatee's cells an applied import changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedEvaluatee {
    /// The member id.
    pub member: String,
    /// The member's name.
    pub name: String,
    /// The cells changed, as the import wrote them.
    pub changes: Vec<CellChange>,
}

/// A page of the cells an applied import changed, by member id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportChanges {
    /// Evaluatees with changed cells, by member id.
    pub evaluatees: Vec<ChangedEvaluatee>,
    /// Ask for `?after=` this member id for the next page; `None` on the last.
    pub next_after: Option<String>,
}

/// About how many bytes of changed cells a page of a dry run holds.
pub const CHANGES_PAGE_BYTES: usize = 128 * 1024;

/// The answer to a dry run: every total at once, the first errors, and the
/// first page of changed cells; the plan's `id` pages on
/// (`GET /api/dry-runs/{id}?after=ROW`, or `?row=ROW` for one evaluatee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRun {
    /// The plan, to page through its changes.
    pub id: String,
    /// What the import would end as.
    pub status: ImportStatus,
    /// Row counts.
    pub counts: Counts,
    /// Cell totals.
    pub cells: CellTotals,
    /// Per evaluatee to apply.
    pub evaluatees: EvaluateeTotals,
    /// Per item of the file.
    pub items: Vec<ItemTotals>,
    /// The first [`MAX_STORED_ERRORS`] errors.
    pub errors: Vec<ImportError>,
    /// Errors per code, exactly.
    pub error_totals: BTreeMap<String, u32>,
    /// Whether more errors existed than are listed.
    pub errors_truncated: bool,
    /// The first page of changed cells.
    pub changes: ChangesPage,
}

/// A cell a revert would restore but may not (a later change touched it,
/// or the caller may no longer write it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevertConflict {
    /// The member id.
    pub member: String,
    /// The member's name.
    #[serde(default)]
    pub member_name: String,
    /// The item id.
    pub item: String,
    /// What the import wrote.
    pub imported: Option<String>,
    /// What is stored now.
    pub now: Option<String>,
}

/// The answer to a revert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reverted {
    /// Cells restored.
    pub restored_cells: u32,
    /// The import, now reverted.
    pub import: ImportAnswer,
}
