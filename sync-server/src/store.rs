//! The redb database: one file under the data directory, one shared handle,
//! every transaction run off the async threads.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableDatabase, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The shared database handle.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
}

/// A JSON-valued table keyed by path.
pub type JsonTable = TableDefinition<'static, &'static str, &'static [u8]>;

impl Store {
    /// Opens (or creates) `sheetlink.redb` in `data_dir`.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let db = Database::create(data_dir.join("sheetlink.redb"))?;
        Ok(Store { db: Arc::new(db) })
    }

    /// Runs `job` on the blocking thread pool with the database.
    pub async fn run<T, F>(&self, job: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, AppError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || job(&db))
            .await
            .map_err(AppError::internal)?
    }

    /// Runs `job` synchronously (for start-up and tests).
    pub fn with_db<T>(&self, job: impl FnOnce(&Database) -> T) -> T {
        job(&self.db)
    }
}

/// Reads and parses one JSON value.
pub fn get_json<T: DeserializeOwned>(
    db: &Database,
    table: JsonTable,
    key: &str,
) -> Result<Option<T>, AppError> {
    let read = db.begin_read().map_err(AppError::internal)?;
    let table = match read.open_table(table) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(error) => return Err(AppError::internal(error)),
    };
    let Some(value) = table.get(key).map_err(AppError::internal)? else {
        return Ok(None);
    };
    serde_json::from_slice(value.value())
        .map(Some)
        .map_err(AppError::internal)
}

/// Every value whose key starts with `prefix`, in key order.
pub fn scan_json<T: DeserializeOwned>(
    db: &Database,
    table: JsonTable,
    prefix: &str,
) -> Result<Vec<(String, T)>, AppError> {
    let read = db.begin_read().map_err(AppError::internal)?;
    let table = match read.open_table(table) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(error) => return Err(AppError::internal(error)),
    };
    let mut out = Vec::new();
    for entry in table.range(prefix..).map_err(AppError::internal)? {
        let (key, value) = entry.map_err(AppError::internal)?;
        if !key.value().starts_with(prefix) {
            break;
        }
        let value = serde_json::from_slice(value.value()).map_err(AppError::internal)?;
        out.push((key.value().to_owned(), value));
    }
    Ok(out)
}

/// Serializes a value for a JSON table.
pub fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, AppError> {
    serde_json::to_vec(value).map_err(AppError::internal)
}
