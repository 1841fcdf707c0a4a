//! Every redb table, in one place. Values are JSON documents of the types in
//! `model`; keys are `/`-joined paths starting with the tenant id, so one
//! tenant's rows are a contiguous range.

use redb::TableDefinition;

/// `{tenant}/{member}` → [`crate::model::Member`].
pub const MEMBERS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("members");
/// `{tenant}/{login id, folded}` → member id: login ids are unique within
/// a tenant (format 4; before, one namespace for the whole server).
pub const LOGINS: TableDefinition<'_, &str, &str> = TableDefinition::new("logins");
/// `{tenant}` → [`crate::model::Tenant`] (format 4).
pub const TENANTS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("tenants");
/// SHA-256 (hex) of a set-up link's token → [`crate::model::SetupGrant`].
pub const SETUP_LINKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("setup_links");
/// `{tenant}/{entry id}` → [`sheetlink_protocol::accounts::AuditEntry`]; ids
/// sort by time; entries are only ever added.
pub const AUDIT: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("audit");

/// The [`LOGINS`] key of a login id in a tenant.
pub fn login_key(tenant: &str, login: &str) -> String {
    format!("{tenant}/{}", sheetlink_protocol::naming::login_key(login))
}
/// `{tenant}/{group}` → [`crate::model::Group`].
pub const GROUPS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("groups");
/// `{tenant}/{period}` → [`crate::model::Period`].
pub const PERIODS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("periods");
/// `{tenant}/{sheet}` → [`crate::model::CustomizeSheet`].
pub const SHEETS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("sheets");
/// `{tenant}/{period}/{sheet}/{member}` → [`crate::model::UserSheet::encode`]
/// (binary, not JSON: imports rewrite millions of cells); see [`user_sheet_key`].
pub const USER_SHEETS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("user_sheets");
/// SHA-256 of a session token (hex) → [`crate::model::Session`]; in the
/// sessions database (`sessions.redb`), not the main one.
pub const SESSIONS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("sessions");
/// `{tenant}/{import id}` → [`crate::imports::ImportRecord`]; ids sort by start.
pub const IMPORTS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("imports");
/// `{tenant}/{import id}` → the first [`crate::imports::MAX_STORED_ERRORS`]
/// errors of an import (JSON array of [`crate::imports::ImportError`]),
/// apart from the record so that history, the hourly count and recovery never
/// read them.
pub const IMPORT_ERRORS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("import_errors");
/// `{tenant}/{import id}` → [`crate::imports::Progress`], written in the same
/// transaction as each evaluatee's changes, so it always agrees with the data.
pub const IMPORT_PROGRESS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("import_progress");
/// `{tenant}/{import id}/{member}` → the cells an import changed (old and new
/// values), for revert.
pub const IMPORT_CHANGES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("import_changes");
/// `{kind's namespace}/{idempotency key}` → [`crate::idempotency::Remembered`].
pub const IDEMPOTENCY: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("idempotency");
/// `{tenant}/{import id}` → the import's error file (CSV bytes).
pub const ERROR_FILES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("error_files");

/// The [`USER_SHEETS`] key of a member's sheet in a period.
pub fn user_sheet_key(tenant: &str, period: &str, sheet: &str, member: &str) -> String {
    format!("{tenant}/{period}/{sheet}/{member}")
}

/// `{tenant}/{sheet}/{record id}` → a CRM record: JSON object of its
/// non-empty canonical values by field id (format 5).
pub const CRM_RECORDS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("crm_records");
/// (`{tenant}/{sheet}/{field}`, sort key of the value, record id) → nothing:
/// every non-empty value of every field but the id (format 6); see
/// `store::records`.
pub const CRM_INDEX: TableDefinition<'_, (&str, &[u8], &str), ()> =
    TableDefinition::new("crm_index");
/// `{tenant}/{sheet}` → how many records the sheet has (format 6).
pub const CRM_SIZES: TableDefinition<'_, &str, u64> = TableDefinition::new("crm_sizes");
/// (`{tenant}/{sheet}`, record id, 1, 2, …) →
/// [`sheetlink_protocol::records::RecordChange`]: a record's last
/// [`sheetlink_protocol::records::MAX_CHANGES_KEPT`] changes.
pub const CRM_HISTORY: TableDefinition<'_, (&str, &str, u64), &[u8]> =
    TableDefinition::new("crm_history");
/// `{tenant}/{sheet}` → the last number used for a generated record id.
pub const CRM_COUNTERS: TableDefinition<'_, &str, u64> = TableDefinition::new("crm_counters");
/// `{tenant}` → [`sheetlink_engine::linkage::CatalogAdditions`]: the
/// tenant's extension sheets, custom fields and options (format 6; none
/// when absent).
pub const CRM_CATALOG: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("crm_catalog");
/// `{tenant}` → [`crate::linkage::Settings`].
pub const LINKAGE_SETTINGS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("linkage_settings");
/// `{tenant}/{import key}` → [`crate::linkage::StoredImportCondition`].
pub const IMPORT_CONDITIONS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("import_conditions");
/// `{tenant}/{export key}` → [`crate::linkage::StoredExportCondition`].
pub const EXPORT_CONDITIONS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("export_conditions");
/// `{tenant}/{run id}` → the first [`crate::linkage::MAX_STORED_ROW_RESULTS`]
/// per-row results of an import run (JSON array of
/// [`crate::linkage::RowResult`]), apart from the run so that listing runs
/// never reads them.
pub const LINKAGE_RUN_ROWS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("linkage_run_rows");
/// `{tenant}/{run id}` → [`crate::linkage::LinkageRun`] without its rows
/// (runs written before the rows moved to [`LINKAGE_RUN_ROWS`] still hold
/// them inline); ids sort by start.
pub const LINKAGE_RUNS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("linkage_runs");
/// `{tenant}/{post id}` → [`crate::linkage::TimelinePost`]; ids sort by time.
pub const TIMELINE: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("timeline");
/// `{tenant}/{list name}` → JSON array of `{sheet}/{record id}` (formats
/// before 7; moved into [`LIST_HEADS`], [`LIST_ENTRIES`] and
/// [`LIST_MEMBERS`] by the migration).
pub const LISTS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("lists");
/// `{tenant}/{list name}` → [`crate::store::ListHead`]: a list's entries per
/// sheet and its next sequence number (format 7).
pub const LIST_HEADS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("list_heads");
/// (`{tenant}/{list name}`, sequence number) → `{sheet}/{record id}`: a
/// list's entries in the order added, one row each (format 7).
pub const LIST_ENTRIES: TableDefinition<'_, (&str, u64), &str> =
    TableDefinition::new("list_entries");
/// (`{tenant}/{list name}`, `{sheet}/{record id}`) → its sequence number:
/// whether an entry is in a list, found without reading the list (format 7).
pub const LIST_MEMBERS: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("list_members");
/// A tenant's mapping templates, as one JSON array by tenant (made by the
/// first save; a missing table reads as no templates).
pub const MAPPING_TEMPLATES: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("mapping_templates");
/// `{due millis, 20 digits}/{mail id}` → [`crate::linkage::mail::Mail`]:
/// e-mails waiting to be sent, the next due first.
pub const MAIL_QUEUE: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("mail_queue");
/// `{tenant}/{hour since the epoch, 12 digits}` → how many of the tenant's
/// e-mails are due in that hour (made by the first e-mail queued; hours
/// before the current one are dropped as new ones are counted).
pub const MAIL_HOURS: TableDefinition<'_, &str, u64> = TableDefinition::new("mail_hours");
