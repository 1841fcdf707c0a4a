//! Schemas kept in the browser for offline validation. Every schema the user
//! fetched (for a template download or an import) is stored in local storage
//! under its (period, sheet); signing out removes them, since they list the
//! evaluatees in the user's scope.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const INDEX_KEY: &str = "sheetlink.schemas";
const SCHEMA_PREFIX: &str = "sheetlink.schema.";

/// A sheet whose schema is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedSheet {
    /// Period id.
    pub period: String,
    /// Sheet id.
    pub sheet: String,
    /// "period name / sheet name", for the picker.
    pub label: String,
}

impl CachedSheet {
    fn storage_key(&self) -> String {
        format!("{SCHEMA_PREFIX}{}/{}", self.period, self.sheet)
    }
}

/// Every stored sheet, most recent first.
pub fn sheets() -> Vec<CachedSheet> {
    LocalStorage::get(INDEX_KEY).unwrap_or_default()
}

/// The stored schema JSON of (period, sheet).
pub fn schema(period: &str, sheet: &str) -> Option<String> {
    let entry = CachedSheet {
        period: period.to_owned(),
        sheet: sheet.to_owned(),
        label: String::new(),
    };
    LocalStorage::get(entry.storage_key()).ok()
}

/// Stores a schema; returns whether the browser kept it (storage may be
/// full or disabled, in which case offline validation of this sheet is not
/// available, and the caller says so).
pub fn store(entry: CachedSheet, schema_json: &str) -> bool {
    if LocalStorage::set(entry.storage_key(), schema_json).is_err() {
        return false;
    }
    let mut index = sheets();
    index.retain(|e| (&e.period, &e.sheet) != (&entry.period, &entry.sheet));
    index.insert(0, entry);
    LocalStorage::set(INDEX_KEY, index).is_ok()
}

/// Forgets every stored schema.
pub fn clear() {
    for entry in sheets() {
        LocalStorage::delete(entry.storage_key());
    }
    LocalStorage::delete(INDEX_KEY);
}
