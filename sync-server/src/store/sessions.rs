//! Sessions: the first domain behind the storage seam.
//!
//! **The seam's operations are async.** A PostgreSQL backend (sqlx or
//! tokio-postgres, both async) implements them natively without blocking a
//! runtime thread; the redb backend runs each operation on the blocking pool
//! (`spawn_blocking`), as every redb transaction already is. Handlers await
//! domain operations and never see a transaction. The guarantees each
//! operation keeps are stated on it, and `tests/store_conformance.rs` holds
//! any backend to them.

use std::future::Future;

use redb::{ReadableDatabase as _, ReadableTable as _};

use crate::error::AppError;
use crate::model::Session;
use crate::store::tables::SESSIONS;
use crate::store::to_json;

/// Who is signed in: sessions keyed by the SHA-256 of their token (the token
/// itself is never stored).
pub trait Sessions: Send + Sync {
    /// Stores a session under `key`, replacing any with that key. Durable
    /// when it returns.
    fn open(
        &self,
        key: String,
        session: Session,
    ) -> impl Future<Output = Result<(), AppError>> + Send;

    /// The session under `key`, if there is one and it has not expired at
    /// `now` (seconds since the epoch).
    fn find(
        &self,
        key: String,
        now: u64,
    ) -> impl Future<Output = Result<Option<Session>, AppError>> + Send;

    /// Ends the session under `key` (nothing when there is none).
    fn close(&self, key: String) -> impl Future<Output = Result<(), AppError>> + Send;

    /// Deletes every session expired at `now`; returns how many.
    fn purge_expired(&self, now: u64) -> impl Future<Output = Result<usize, AppError>> + Send;
}

/// The redb backend of [`Sessions`]: a database of its own
/// (`sessions.redb`), so that signing in or out never waits for the main
/// database's single writer.
#[derive(Clone)]
pub struct RedbSessions {
    db: std::sync::Arc<redb::Database>,
}

impl RedbSessions {
    /// Sessions in this database.
    pub fn new(db: std::sync::Arc<redb::Database>) -> Self {
        RedbSessions { db }
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&redb::Database) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let db = std::sync::Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || job(&db))
            .await
            .map_err(AppError::internal)?
    }
}

impl Sessions for RedbSessions {
    async fn open(&self, key: String, session: Session) -> Result<(), AppError> {
        self.run(move |db| {
            let write = db.begin_write().map_err(AppError::internal)?;
            {
                let mut table = write.open_table(SESSIONS).map_err(AppError::internal)?;
                table
                    .insert(key.as_str(), to_json(&session)?.as_slice())
                    .map_err(AppError::internal)?;
            }
            write.commit().map_err(AppError::internal)
        })
        .await
    }

    async fn find(&self, key: String, now: u64) -> Result<Option<Session>, AppError> {
        self.run(move |db| {
            let read = db.begin_read().map_err(AppError::internal)?;
            let table = match read.open_table(SESSIONS) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(error) => return Err(AppError::internal(error)),
            };
            let Some(value) = table.get(key.as_str()).map_err(AppError::internal)? else {
                return Ok(None);
            };
            let session: Session =
                serde_json::from_slice(value.value()).map_err(AppError::internal)?;
            Ok((session.expires_at > now).then_some(session))
        })
        .await
    }

    async fn close(&self, key: String) -> Result<(), AppError> {
        self.run(move |db| {
            let write = db.begin_write().map_err(AppError::internal)?;
            {
                let mut table = write.open_table(SESSIONS).map_err(AppError::internal)?;
                table.remove(key.as_str()).map_err(AppError::internal)?;
            }
            write.commit().map_err(AppError::internal)
        })
        .await
    }

    async fn purge_expired(&self, now: u64) -> Result<usize, AppError> {
        self.run(move |db| {
            let write = db.begin_write().map_err(AppError::internal)?;
            let purged = {
                let mut table = write.open_table(SESSIONS).map_err(AppError::internal)?;
                let expired: Vec<String> = table
                    .iter()
                    .map_err(AppError::internal)?
                    .filter_map(Result::ok)
                    .filter(|(_, value)| {
                        serde_json::from_slice::<Session>(value.value())
                            .map_or(true, |session| session.expires_at <= now)
                    })
                    .map(|(key, _)| key.value().to_owned())
                    .collect();
                for key in &expired {
                    table.remove(key.as_str()).map_err(AppError::internal)?;
                }
                expired.len()
            };
            write.commit().map_err(AppError::internal)?;
            Ok(purged)
        })
        .await
    }
}
