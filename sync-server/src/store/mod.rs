//! The storage seam: every read and write of the server goes through the
//! domain operations declared here, and nothing outside this module opens a
//! transaction or names a table.
//!
//! Two shapes, on purpose (written down in ARCHITECTURE.md):
//! - What a request does before its work starts — who is signed in, which
//!   member a login is — is async ([`Sessions`], [`Directory`]).
//! - The work itself (an import, a batch, a save, the mail queue, the demo
//!   seed) runs as one job on the blocking pool ([`Store::run`]) against the
//!   synchronous domain traits: [`Organisation`], [`OrganisationEdits`],
//!   [`Evaluations`],
//!   [`Linkage`], [`MailQueue`], [`Seeding`]. Each operation states its
//!   atomicity; the ones that must change several things together take a
//!   closure that runs inside one transaction ([`EvaluationTx`], [`CrmTx`]).
//!   A PostgreSQL backend implements them on that blocking thread with a
//!   blocking client (the `postgres` crate, or sqlx through
//!   `Handle::block_on`), a transaction per closure.
//!
//! [`Store`] is the redb backend of all of them; `tests/store_conformance.rs`
//! holds any backend to the stated guarantees.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

mod accounts;
pub mod directory;
mod evaluations;
mod linkage;
mod lists;
mod mail;
pub mod migrate;
mod org;
mod organising;
mod records;
pub mod retention;
mod seed;
pub mod sessions;
pub mod tables;

use crate::model::UserSheet;
pub use accounts::{Accounts, Change, NewGrant, Taken};
pub use directory::{Directory, RedbDirectory};
pub use evaluations::{ChangeLogPage, EvaluationTx, Evaluations};
pub use linkage::{CrmTx, Linkage, RunClaim, Saved};
pub use lists::{ListHead, MAX_LIST_ENTRIES};
pub use mail::{Claimed, MailQueue};
pub use org::{Organisation, SheetSnapshot, SheetVisitor};
pub use organising::{MemberWrites, OrganisationEdits, SheetUsage};
pub use records::{ChangedBy, FieldUsage, FoundPage, Linking, Records};
pub use retention::{Retention, RetentionPolicy};
pub use seed::{Seeding, TenantSeed};
pub use sessions::{RedbSessions, Sessions};
use tables::USER_SHEETS;

/// Everything the server's work needs of its store.
pub trait Backend:
    Organisation
    + OrganisationEdits
    + Accounts
    + Evaluations
    + Linkage
    + MailQueue
    + Seeding
    + Idempotency
    + Retention
    + Send
    + Sync
    + 'static
{
}

impl<T> Backend for T where
    T: Organisation
        + OrganisationEdits
        + Accounts
        + Evaluations
        + Linkage
        + MailQueue
        + Seeding
        + Idempotency
        + Retention
        + Send
        + Sync
        + 'static
{
}

/// Idempotency keys. A key is written in the transaction of what it
/// protects ([`EvaluationTx::remember`], [`CrmTx::remember`]), so a crash
/// between the two cannot make a retry apply twice.
pub trait Idempotency {
    /// What the key (its full storage key, namespaced by tenant and kind)
    /// started, if it was used.
    fn remembered(&self, key: &str) -> Result<Option<crate::idempotency::Remembered>, AppError>;
}

impl Idempotency for Store {
    fn remembered(&self, key: &str) -> Result<Option<crate::idempotency::Remembered>, AppError> {
        get_json(self.db(), tables::IDEMPOTENCY, key)
    }
}

/// The shared database handles: the main database, and sessions in a
/// database of their own (`sessions.redb`), so that signing in or out never
/// waits for redb's single writer while a large import or revert holds it
/// for seconds.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    sessions: Arc<Database>,
}

/// A JSON-valued table keyed by path.
pub type JsonTable = TableDefinition<'static, &'static str, &'static [u8]>;

impl Store {
    /// Opens (or creates) `sheetlink.redb` and `sessions.redb` in
    /// `data_dir`, bringing the store to the current format first.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let db = Database::create(data_dir.join("sheetlink.redb"))?;
        migrate::migrate(&db)?;
        let sessions = Database::create(data_dir.join("sessions.redb"))?;
        Ok(Store {
            db: Arc::new(db),
            sessions: Arc::new(sessions),
        })
    }

    /// The members as sign-in needs them (see [`Directory`]).
    pub fn directory(&self) -> RedbDirectory {
        RedbDirectory::new(self.clone())
    }

    /// The sessions (see [`Sessions`]).
    pub fn sessions(&self) -> RedbSessions {
        RedbSessions::new(Arc::clone(&self.sessions))
    }

    /// Runs `job` — a request's work against the domain traits — on the
    /// blocking thread pool.
    pub async fn run<T, F>(&self, job: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || job(&store))
            .await
            .map_err(AppError::internal)?
    }

    /// The redb database itself, for tests that inspect or damage what the
    /// backend stored. Server code goes through the domain traits.
    pub fn with_db<T>(&self, job: impl FnOnce(&Database) -> T) -> T {
        job(&self.db)
    }

    fn db(&self) -> &Database {
        &self.db
    }

    /// Runs `job` in one durable write transaction, committed when it
    /// returns `Ok` and rolled back on an error.
    fn commit<T>(
        &self,
        job: impl FnOnce(&redb::WriteTransaction) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let txn = self.db.begin_write().map_err(AppError::internal)?;
        let answer = job(&txn)?;
        txn.commit().map_err(AppError::internal)?;
        Ok(answer)
    }

    /// Runs `job` in one write transaction that is rolled back afterwards
    /// (a dry run); non-durable, as nothing of it is kept.
    fn roll_back<T>(
        &self,
        job: impl FnOnce(&redb::WriteTransaction) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut txn = self.db.begin_write().map_err(AppError::internal)?;
        txn.set_durability(redb::Durability::None)
            .map_err(AppError::internal)?;
        let answer = job(&txn);
        txn.abort().map_err(AppError::internal)?;
        answer
    }

    /// Runs `job` in one write transaction, committed when it returns
    /// `Ok(Ok(_))` and rolled back otherwise (a refusal or an error); `durable: false` skips the
    /// disk sync (a later durable commit persists it).
    fn write<T, R>(
        &self,
        durable: bool,
        job: impl FnOnce(&redb::WriteTransaction) -> Result<Result<T, R>, AppError>,
    ) -> Result<Result<T, R>, AppError> {
        let mut txn = self.db.begin_write().map_err(AppError::internal)?;
        if !durable {
            txn.set_durability(redb::Durability::None)
                .map_err(AppError::internal)?;
        }
        match job(&txn)? {
            Ok(answer) => {
                txn.commit().map_err(AppError::internal)?;
                Ok(Ok(answer))
            }
            Err(refused) => {
                txn.abort().map_err(AppError::internal)?;
                Ok(Err(refused))
            }
        }
    }
}

/// Reads one value's bytes.
pub fn get_raw(db: &Database, table: JsonTable, key: &str) -> Result<Option<Vec<u8>>, AppError> {
    let read = db.begin_read().map_err(AppError::internal)?;
    let table = match read.open_table(table) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(error) => return Err(AppError::internal(error)),
    };
    Ok(table
        .get(key)
        .map_err(AppError::internal)?
        .map(|value| value.value().to_vec()))
}

/// Every value whose key starts with `prefix`, in key order, as bytes.
pub fn scan_raw(
    db: &Database,
    table: JsonTable,
    prefix: &str,
) -> Result<Vec<(String, Vec<u8>)>, AppError> {
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
        out.push((key.value().to_owned(), value.value().to_vec()));
    }
    Ok(out)
}

/// The JSON values whose key starts with `prefix`, in reverse key order
/// (newest first where keys sort by time), handed to `visit` one at a time
/// until it returns `false`: reading the newest few costs the newest few.
pub fn scan_json_rev<T: DeserializeOwned>(
    db: &Database,
    table: JsonTable,
    prefix: &str,
    mut visit: impl FnMut(&str, T) -> bool,
) -> Result<(), AppError> {
    let read = db.begin_read().map_err(AppError::internal)?;
    let table = match read.open_table(table) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(error) => return Err(AppError::internal(error)),
    };
    // Every key with the prefix sorts before the prefix followed by the
    // highest character.
    let end = format!("{prefix}\u{10FFFF}");
    for entry in table
        .range(prefix..end.as_str())
        .map_err(AppError::internal)?
        .rev()
    {
        let (key, value) = entry.map_err(AppError::internal)?;
        let parsed = serde_json::from_slice(value.value()).map_err(AppError::internal)?;
        if !visit(key.value(), parsed) {
            break;
        }
    }
    Ok(())
}

/// Reads and parses one JSON value.
pub fn get_json<T: DeserializeOwned>(
    db: &Database,
    table: JsonTable,
    key: &str,
) -> Result<Option<T>, AppError> {
    get_raw(db, table, key)?
        .map(|bytes| serde_json::from_slice(&bytes).map_err(AppError::internal))
        .transpose()
}

/// Every JSON value whose key starts with `prefix`, in key order.
pub fn scan_json<T: DeserializeOwned>(
    db: &Database,
    table: JsonTable,
    prefix: &str,
) -> Result<Vec<(String, T)>, AppError> {
    scan_raw(db, table, prefix)?
        .into_iter()
        .map(|(key, bytes)| {
            Ok((
                key,
                serde_json::from_slice(&bytes).map_err(AppError::internal)?,
            ))
        })
        .collect()
}

/// Reads one user sheet (stored in its binary form).
pub fn get_user_sheet(db: &Database, key: &str) -> Result<Option<UserSheet>, AppError> {
    get_raw(db, USER_SHEETS, key)?
        .map(|bytes| {
            UserSheet::decode(&bytes)
                .ok_or_else(|| AppError::internal(format!("corrupt user sheet {key}")))
        })
        .transpose()
}

/// Every user sheet whose key starts with `prefix`.
pub fn scan_user_sheets(db: &Database, prefix: &str) -> Result<Vec<(String, UserSheet)>, AppError> {
    scan_raw(db, USER_SHEETS, prefix)?
        .into_iter()
        .map(|(key, bytes)| {
            let sheet = UserSheet::decode(&bytes)
                .ok_or_else(|| AppError::internal(format!("corrupt user sheet {key}")))?;
            Ok((key, sheet))
        })
        .collect()
}

/// Writes one value in a durable transaction of its own.
pub fn put_raw(db: &Database, table: JsonTable, key: &str, value: &[u8]) -> Result<(), AppError> {
    let write = db.begin_write().map_err(AppError::internal)?;
    {
        let mut table = write.open_table(table).map_err(AppError::internal)?;
        table.insert(key, value).map_err(AppError::internal)?;
    }
    write.commit().map_err(AppError::internal)
}

/// Writes one JSON value in a durable transaction of its own.
pub fn put_json<T: Serialize>(
    db: &Database,
    table: JsonTable,
    key: &str,
    value: &T,
) -> Result<(), AppError> {
    put_raw(db, table, key, &to_json(value)?)
}

/// Serializes a value for a JSON table.
pub fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, AppError> {
    serde_json::to_vec(value).map_err(AppError::internal)
}

/// Reads one value's bytes inside a write transaction.
fn txn_get(
    txn: &redb::WriteTransaction,
    table: JsonTable,
    key: &str,
) -> Result<Option<Vec<u8>>, AppError> {
    let table = txn.open_table(table).map_err(AppError::internal)?;
    Ok(table
        .get(key)
        .map_err(AppError::internal)?
        .map(|value| value.value().to_vec()))
}

/// Writes one value inside a write transaction.
fn txn_put(
    txn: &redb::WriteTransaction,
    table: JsonTable,
    key: &str,
    value: &[u8],
) -> Result<(), AppError> {
    let mut table = txn.open_table(table).map_err(AppError::internal)?;
    table.insert(key, value).map_err(AppError::internal)?;
    Ok(())
}

/// Creates `{tenant}/{id}` in `table` with the audit entry, in one
/// transaction, unless the key exists (`false`).
fn create_audited<T: Serialize>(
    store: &Store,
    tenant: &str,
    table: JsonTable,
    id: &str,
    value: &T,
    audit: &sheetlink_protocol::accounts::AuditEntry,
) -> Result<bool, AppError> {
    let key = format!("{tenant}/{id}");
    store
        .write(true, |txn| {
            if txn_get(txn, table, &key)?.is_some() {
                return Ok(Err(()));
            }
            txn_put(txn, table, &key, &to_json(value)?)?;
            accounts::txn_audit(txn, tenant, audit)?;
            Ok(Ok(()))
        })
        .map(|created| created.is_ok())
}

/// Reads `key` of `table`, lets `change` change it and name its audit
/// entry (`change` gets the transaction too, to read what the change is
/// checked against), and writes both in one transaction. `None` when there
/// is no such key; nothing written when `change` fails.
fn update_audited<T: Serialize + DeserializeOwned>(
    store: &Store,
    tenant: &str,
    table: JsonTable,
    key: &str,
    change: impl FnOnce(
        &redb::WriteTransaction,
        &mut T,
    ) -> Result<sheetlink_protocol::accounts::AuditEntry, AppError>,
) -> Result<Option<T>, AppError> {
    store.write(true, |txn| {
        let Some(bytes) = txn_get(txn, table, key)? else {
            return Ok(Ok(None));
        };
        let mut value: T = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
        let audit = match change(txn, &mut value) {
            Ok(audit) => audit,
            Err(error) => return Ok(Err(error)),
        };
        txn_put(txn, table, key, &to_json(&value)?)?;
        accounts::txn_audit(txn, tenant, &audit)?;
        Ok(Ok(Some(value)))
    })?
}

/// Reads, changes and writes one JSON value in a single write transaction,
/// so that a concurrent change cannot be lost or brought back. `change` gets
/// the stored value (or the default) and returns what to answer; the value
/// is written only when it returns `Ok`.
pub fn update_json<T, R>(
    db: &Database,
    table: JsonTable,
    key: &str,
    change: impl FnOnce(&mut T) -> Result<R, AppError>,
) -> Result<R, AppError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let write = db.begin_write().map_err(AppError::internal)?;
    let answer = {
        let mut table = write.open_table(table).map_err(AppError::internal)?;
        let mut value: T = match table.get(key).map_err(AppError::internal)? {
            Some(bytes) => serde_json::from_slice(bytes.value()).map_err(AppError::internal)?,
            None => T::default(),
        };
        let answer = change(&mut value)?;
        table
            .insert(key, to_json(&value)?.as_slice())
            .map_err(AppError::internal)?;
        answer
    };
    write.commit().map_err(AppError::internal)?;
    Ok(answer)
}

/// Whether any login id exists.
pub fn any_login(db: &Database) -> Result<bool, AppError> {
    let read = db.begin_read().map_err(AppError::internal)?;
    match read.open_table(tables::LOGINS) {
        Ok(table) => Ok(table.first().map_err(AppError::internal)?.is_some()),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(false),
        Err(error) => Err(AppError::internal(error)),
    }
}
