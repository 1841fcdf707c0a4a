//! The CRM records screen: a sheet's records a page at a time, sorted and
//! searched on the server; one record with what links to it and its change
//! history; deleting a record.

use serde::{Deserialize, Serialize};
use sheetlink_engine::linkage::{Filter, SortKey};

/// Records a page holds at most.
pub const RECORDS_PAGE: usize = 100;
/// Records one request examines at most while searching: a search that has
/// not filled its page by then answers what it found and where to go on.
pub const MAX_EXAMINED: usize = 20_000;
/// Changes kept per record, the newest (older ones are dropped as new ones
/// are written; a deleted record's history goes with it, and the audit log
/// keeps who deleted it).
pub const MAX_CHANGES_KEPT: usize = 50;
/// Linked records a record's page lists per sheet and field (the count is
/// exact).
pub const RELATED_SHOWN: usize = 20;

/// What page of a sheet's records to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordQuery {
    /// The order; `None` is by record id. Empty values come last, in
    /// either direction.
    #[serde(default)]
    pub sort: Option<SortKey>,
    /// The search, built as an export condition's.
    #[serde(default)]
    pub filter: Option<Filter>,
    /// Where the previous page stopped ([`RecordPage::next`]); `None` for
    /// the first page.
    #[serde(default)]
    pub after: Option<String>,
}

/// A record another record points at, as a screen names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordRef {
    /// Sheet id.
    pub sheet: String,
    /// Record id.
    pub id: String,
    /// Its name field, else its id.
    pub title: String,
    /// Whether it exists (a relation may point at a deleted record).
    pub exists: bool,
}

/// One record as the records screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordRow {
    /// Record id.
    pub id: String,
    /// Its name field, else its id.
    pub title: String,
    /// One canonical value per field of the sheet, in its order (`None`
    /// when empty).
    pub values: Vec<Option<String>>,
    /// For each relation field with a value: the record it points at.
    pub links: Vec<RecordLink>,
}

/// Where a relation field of a record points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordLink {
    /// The relation field's id.
    pub field: String,
    /// The record it points at.
    pub target: RecordRef,
}

/// A page of a sheet's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordPage {
    /// Records in the sheet (all of them, whatever the search).
    pub total: u64,
    /// This page's records, in order.
    pub rows: Vec<RecordRow>,
    /// Where the next page starts; `None` when this is the last.
    pub next: Option<String>,
    /// Whether the search stopped after [`MAX_EXAMINED`] records without
    /// filling the page (`next` goes on from there).
    pub partial: bool,
}

/// How a record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Created with these values.
    Created,
    /// These fields changed.
    Updated,
    /// A relation emptied because the record it pointed at was deleted.
    LinkCleared,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChangeEntry {
    /// Field id.
    pub field: String,
    /// The value before (`None`: empty).
    pub before: Option<String>,
    /// The value after (`None`: empty).
    pub after: Option<String>,
}

/// One entry of a record's change history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordChange {
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// Who: the member's name, or `token` for the batch client.
    pub by: String,
    /// The run that made it (a batch import), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The key of that run's condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The file's row, for a change a batch made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// What happened.
    pub kind: ChangeKind,
    /// The fields that changed, in the sheet's order.
    pub changes: Vec<FieldChangeEntry>,
}

/// The records of one sheet that point at a record through one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedRecords {
    /// The sheet they are of.
    pub sheet: String,
    /// Its relation field that points here.
    pub field: String,
    /// How many.
    pub count: u64,
    /// The first [`RELATED_SHOWN`], in id order.
    pub records: Vec<RecordRef>,
}

/// One record with what links to it and its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordDetail {
    /// Sheet id.
    pub sheet: String,
    /// The record.
    pub record: RecordRow,
    /// Records that point at it, per sheet and field (only those with any).
    pub linked: Vec<LinkedRecords>,
    /// Its changes, newest first (at most [`MAX_CHANGES_KEPT`]).
    pub history: Vec<RecordChange>,
}

/// A record deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordDeleted {
    /// Relations emptied because they pointed at it.
    pub links_cleared: u64,
}
