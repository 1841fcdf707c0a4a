//! The tenant's CRM catalog in the browser: the standard sheets with the
//! tenant's custom fields and options, and its extension sheets, as the
//! server says (`GET /api/linkage/catalog`). Kept in local storage, so that
//! a wizard opened offline maps onto the same fields; cleared at sign-out.

use gloo_storage::{LocalStorage, Storage};
use sheetlink_engine::linkage::{Catalog, crm_catalog};

use crate::api::{self, ApiError};

const KEY: &str = "sheetlink.catalog";

/// The catalog last fetched, else the standard one (for names on screens
/// that show sheets without needing their fields exact).
pub fn known() -> Catalog {
    LocalStorage::get(KEY).unwrap_or_else(|_| crm_catalog())
}

/// The tenant's catalog from the server, kept for offline use; offline, the
/// one kept (or the standard one when none was).
pub async fn fetch() -> Result<Catalog, ApiError> {
    match api::get::<Catalog>("/api/linkage/catalog").await {
        Ok(catalog) => {
            // A full storage only loses the offline copy.
            keep(&catalog);
            Ok(catalog)
        }
        Err(ApiError::Offline) => Ok(known()),
        Err(error) => Err(error),
    }
}

/// Keeps `catalog` (as the server answered a save).
pub fn keep(catalog: &Catalog) {
    let _ = LocalStorage::set(KEY, catalog);
}

/// Forgets the kept catalog (signing out).
pub fn clear() {
    LocalStorage::delete(KEY);
}
