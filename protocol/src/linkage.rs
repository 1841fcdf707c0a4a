//! Batch-linkage runs: what the batch API answers and the history lists.

use serde::{Deserialize, Serialize};

use sheetlink_engine::linkage::{ExportCondition, ImportCondition};

use crate::counts::{Counts, Outcome};

/// At most this many notification addresses (the settings', and each
/// condition's).
pub const MAX_EMAILS: usize = 20;

/// At most this many CRM 社員 records a condition notifies.
pub const MAX_STAFF_NOTIFIED: usize = 20;

/// What happens after a batch import (インポート後のアクション), stored with
/// its condition. Server policy, not the engine's: the engine checks the
/// condition, the server carries these out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AfterImport {
    /// Members told on their timeline.
    #[serde(default)]
    pub notify_members: Vec<String>,
    /// Addresses e-mailed (at most [`MAX_EMAILS`]).
    #[serde(default)]
    pub emails: Vec<String>,
    /// CRM 社員 (`employee`) record ids: each is e-mailed at the record's
    /// メールアドレス, and told on the timeline when a member has that
    /// address or the record's 社員番号 (at most [`MAX_STAFF_NOTIFIED`]).
    #[serde(default)]
    pub notify_staff: Vec<String>,
    /// A list the imported (created or updated) records are added to.
    #[serde(default)]
    pub add_to_list: Option<String>,
}

/// Who is told when a batch export finishes, stored with its condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AfterExport {
    /// Members told on their timeline.
    #[serde(default)]
    pub notify_members: Vec<String>,
    /// Addresses e-mailed (at most [`MAX_EMAILS`]).
    #[serde(default)]
    pub emails: Vec<String>,
    /// CRM 社員 record ids, told as [`AfterImport::notify_staff`] says.
    #[serde(default)]
    pub notify_staff: Vec<String>,
}

/// An import condition as stored and answered: the engine's condition and
/// the after-import actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredImportCondition {
    /// Key, sheet, mode, mapping, matching keys…
    pub condition: ImportCondition,
    /// After-import actions.
    #[serde(default)]
    pub after: AfterImport,
}

/// An export condition as stored and answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredExportCondition {
    /// Key, sheet, encoding, filter, columns, sort…
    pub condition: ExportCondition,
    /// Notifications.
    #[serde(default)]
    pub after: AfterExport,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every row applied (or, for an export, written).
    Completed,
    /// Some rows failed; the others applied.
    CompletedWithErrors,
    /// Nothing applied: every row failed, or the file was refused as a whole.
    AllFailed,
    /// Claimed and still applying (停止 never shows it: a run the server
    /// stopped during is `interrupted`).
    Running,
    /// 停止: the server stopped, or met an error, before the run's one
    /// transaction committed, so nothing of it was applied (`reason` says
    /// why); its Idempotency-Key may be sent again.
    Interrupted,
}

impl RunStatus {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::CompletedWithErrors => "completed_with_errors",
            RunStatus::AllFailed => "all_failed",
            RunStatus::Running => "running",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// The status of a run with these counts.
    pub fn of(counts: &Counts) -> Self {
        if counts.failed == 0 {
            RunStatus::Completed
        } else if counts.applied() == 0 {
            RunStatus::AllFailed
        } else {
            RunStatus::CompletedWithErrors
        }
    }
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// The batch API (a scheduled client).
    Batch,
    /// A CRM admin on a sheet's import screen.
    Manual,
}

/// Which way the data went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A file into the records.
    Import,
    /// Records out to a file.
    Export,
}

impl Direction {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Import => "import",
            Direction::Export => "export",
        }
    }
}

/// What became of one row of a batch import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowResult {
    /// 1-based file row.
    pub row: u32,
    /// What became of it.
    pub outcome: Outcome,
    /// The record it created or updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Why it failed or was skipped: the stable code of the (first) problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The cells its problems are in, as a spreadsheet names them (`F123`),
    /// in the order of the messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
    /// Why, in Japanese (every problem of the row, one a line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The same in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
}

/// One batch run (import or export), kept as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkageRun {
    /// Run id (sorts by start).
    pub id: String,
    /// Who started it.
    pub kind: RunKind,
    /// Which way the data went.
    pub direction: Direction,
    /// The condition's key.
    pub key: String,
    /// Whether a manual import mapped its file on the spot rather than by
    /// a stored condition (its `key` is then not a condition's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_the_spot: bool,
    /// The sheet.
    pub sheet: String,
    /// Who ran it (`token` or the member's name).
    pub actor: String,
    /// Start, seconds since the epoch.
    pub started_at: u64,
    /// End.
    pub ended_at: u64,
    /// How it ended.
    pub status: RunStatus,
    /// Why nothing was applied: the file was refused as a whole (the
    /// status is `all_failed`), or the run was stopped before it committed
    /// (`interrupted`); in Japanese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The same in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
    /// Counts (exports: `rows_in` = rows written).
    pub counts: Counts,
    /// Per-row results of an import (in an answer and the details; the
    /// history list has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowResult>,
    /// Whether more row results existed than are listed (the counts stay
    /// exact).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rows_truncated: bool,
    /// When the run's completion e-mails were held back by the tenant's
    /// hourly e-mail limit: when the last of them is due (seconds since the
    /// epoch). They wait in the queue; none is dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_delayed_until: Option<u64>,
    /// Records not added to the condition's list because it holds its
    /// 100,000 entries already (clear it, or choose another list).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_added_to_list: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How the batch client authenticates (バッチ連携認証方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// Each user's login id and password (HTTP Basic). Only evaluation
    /// admins may run batches this way.
    UserPassword,
    /// A token the admin issues (HTTP Bearer); only its hash is stored.
    #[default]
    Token,
}

/// A tenant's batch-linkage settings as the admin sees and saves them:
/// everything but the token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingsView {
    /// (1) On or off.
    pub enabled: bool,
    /// (3) Allowed client addresses: IPv4, IPv6 or CIDR, separated by `;`
    /// (empty: any address).
    pub allowed_ips: String,
    /// (4) Authentication method.
    pub auth: AuthMethod,
    /// (5) When the current token was issued (none yet: `null`); ignored
    /// when saving.
    #[serde(default)]
    pub token_issued_at: Option<u64>,
    /// (6) Timeline notification targets (member ids).
    pub timeline_targets: Vec<String>,
    /// (7) Notification e-mail addresses (at most [`MAX_EMAILS`]).
    pub emails: Vec<String>,
}

/// A batch token, just issued: shown this once (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    /// The token.
    pub token: String,
    /// When (seconds since the epoch).
    pub issued_at: u64,
    /// What to do with it, in Japanese.
    pub warning: String,
    /// The same in English.
    pub warning_en: String,
}

/// A timeline post (completion of a batch run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelinePost {
    /// Post id (sorts by time).
    pub id: String,
    /// When, seconds since the epoch.
    pub at: u64,
    /// Members it is addressed to.
    pub targets: Vec<String>,
    /// The text.
    pub text: String,
}

/// A list (リスト) of CRM records, as the lists screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSummary {
    /// Its name (what an import condition's after-import action names).
    pub name: String,
    /// Records in it.
    pub count: u32,
    /// How many of them per sheet: `(sheet id, sheet name, count)`, in
    /// catalog order.
    pub sheets: Vec<ListSheet>,
}

/// The records of one sheet in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSheet {
    /// Sheet id.
    pub sheet: String,
    /// Sheet name (顧客).
    pub label: String,
    /// Records of it in the list.
    pub count: u32,
}

/// One record of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListEntry {
    /// Sheet id.
    pub sheet: String,
    /// Sheet name.
    pub sheet_label: String,
    /// Record id.
    pub id: String,
    /// What people call the record (its name field, else its id).
    pub title: String,
    /// Whether the record still exists (a list keeps an entry whose record
    /// was deleted until it is removed).
    pub exists: bool,
}

/// A page of a list's records, in the order they were added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListPage {
    /// The list.
    pub summary: ListSummary,
    /// Index of the first entry of this page.
    pub offset: u32,
    /// The entries of this page (at most [`LIST_PAGE`]).
    pub entries: Vec<ListEntry>,
}

/// Entries a list page holds at most.
pub const LIST_PAGE: usize = 100;

/// Entries to take out of a list: `{sheet}/{record id}` each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListRemoval {
    /// `{sheet}/{record id}` of each entry.
    pub entries: Vec<String>,
}

/// One batch client program, as the client module carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientProgram {
    /// Its file name in the module (`sheetlink`, `sheetlink.exe`).
    pub file: String,
    /// What it runs on (`Linux x86-64`, `Windows x86-64`).
    pub platform: String,
    /// Its size when the server holds it; `null`: the module is built
    /// without it.
    pub bytes: Option<u64>,
}

/// What the client module will hold: the programs the server has for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientModuleInfo {
    /// Every program of the module, present or not.
    pub programs: Vec<ClientProgram>,
}

/// How a manual import maps its file: by a stored import condition of the
/// sheet, or by a mapping made on the spot (an import condition that is not
/// saved; its after-import actions are not carried out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ManualMapping {
    /// The stored condition with this key (its after-import actions run).
    Condition {
        /// The condition's key.
        key: String,
    },
    /// This condition, used once.
    OnTheSpot {
        /// The mapping, mode, matching and relation keys.
        condition: ImportCondition,
    },
}

/// Row results a dry-run page holds at most.
pub const DRY_RUN_PAGE: usize = 100;

/// A manual import's dry run: what applying would do, row by row. The rows
/// are read a page at a time from `plan` (kept 30 minutes, for the member
/// who ran it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualDryRun {
    /// The kept plan, for [`DryRunRows`] pages.
    pub plan: String,
    /// The counts and status applying would end in, with the first page of
    /// rows (`rows`).
    pub run: LinkageRun,
    /// Row results listed in all (every row of a file up to 100,000 rows).
    pub listed: u32,
}

/// A page of a dry run's row results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRunRows {
    /// Index of the first row of this page among those that match.
    pub offset: u32,
    /// Row results that match the page's outcome filter.
    pub matching: u32,
    /// The rows of this page (at most [`DRY_RUN_PAGE`]).
    pub rows: Vec<RowResult>,
}
