//! Evaluation imports as stored: records, their first errors, error files,
//! progress, change logs for revert, the user sheets they write, and the
//! idempotency keys that protect them.

use redb::{ReadableDatabase as _, WriteTransaction};

use super::tables::{
    ERROR_FILES, IDEMPOTENCY, IMPORT_CHANGES, IMPORT_ERRORS, IMPORT_PROGRESS, IMPORTS, MEMBERS,
    USER_SHEETS, user_sheet_key,
};
use super::{Store, get_json, get_raw, scan_json, scan_json_rev, to_json, txn_get, txn_put};
use crate::error::AppError;
use crate::idempotency::Remembered;
use crate::imports::{ImportRecord, MAX_STORED_ERRORS, Progress};
use crate::model::Member;
use crate::notice::Note;

/// A page of a change log: `(member, encoded changes)` in member order, and
/// whether more follow.
pub type ChangeLogPage = (Vec<(String, Vec<u8>)>, bool);

/// Imports of evaluation sheets.
pub trait Evaluations {
    /// One import record.
    fn import(&self, tenant: &str, id: &str) -> Result<Option<ImportRecord>, AppError>;
    /// The stored errors of an import (the first [`MAX_STORED_ERRORS`]),
    /// coded.
    fn import_errors(&self, tenant: &str, id: &str) -> Result<Vec<Note>, AppError>;
    /// An import's progress, as committed with its data.
    fn import_progress(&self, tenant: &str, id: &str) -> Result<Option<Progress>, AppError>;
    /// An import's error file (CSV bytes), when it had errors.
    fn error_file(&self, tenant: &str, id: &str) -> Result<Option<Vec<u8>>, AppError>;
    /// The tenant's import records newest first (ids sort by start), handed
    /// to `visit` until it returns `false`: reading the newest few costs the
    /// newest few, never their errors.
    fn imports_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(ImportRecord) -> bool,
    ) -> Result<(), AppError>;
    /// Every import of every tenant still marked running, as `(tenant,
    /// record)`: after a crash, the ones to mark interrupted.
    fn running_imports(&self) -> Result<Vec<(String, ImportRecord)>, AppError>;
    /// An import's change log: per member (in member order), the encoded
    /// cells it changed.
    fn change_log(&self, tenant: &str, id: &str) -> Result<Vec<(String, Vec<u8>)>, AppError>;
    /// A page of an import's change log: the members after `after` (from
    /// the first without), in member order, until `members` of them or
    /// `bytes` of their changes are read — only those are read; and whether
    /// more follow.
    fn change_log_page(
        &self,
        tenant: &str,
        id: &str,
        after: Option<&str>,
        members: usize,
        bytes: usize,
    ) -> Result<ChangeLogPage, AppError>;
    /// Runs `job` in one write transaction of `tenant`'s evaluation data:
    /// everything it writes is committed together when it returns
    /// `Ok(Ok(_))`, and nothing when it returns `Ok(Err(_))` (a refusal) or
    /// an error. `durable: false` may skip the disk sync; a later durable
    /// commit persists it with everything before.
    fn try_write_evaluations<T, R>(
        &self,
        tenant: &str,
        durable: bool,
        job: impl FnOnce(&mut dyn EvaluationTx) -> Result<Result<T, R>, AppError>,
    ) -> Result<Result<T, R>, AppError>;

    /// [`Evaluations::try_write_evaluations`] for a job that refuses nothing:
    /// committed when it returns `Ok`.
    fn write_evaluations<T>(
        &self,
        tenant: &str,
        durable: bool,
        job: impl FnOnce(&mut dyn EvaluationTx) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let done = self.try_write_evaluations(tenant, durable, |tx| {
            job(tx).map(Ok::<T, std::convert::Infallible>)
        })?;
        Ok(match done {
            Ok(answer) => answer,
            Err(never) => match never {},
        })
    }
}

/// One write transaction over a tenant's evaluation data.
pub trait EvaluationTx {
    /// The customize sheet `id` as this transaction sees it: an import
    /// claims its run only if the sheet is still the one its file was
    /// checked against.
    fn customize_sheet(
        &mut self,
        id: &str,
    ) -> Result<Option<crate::model::CustomizeSheet>, AppError>;
    /// A member's encoded user sheet of `sheet` in `period`.
    fn user_sheet(
        &mut self,
        period: &str,
        sheet: &str,
        member: &str,
    ) -> Result<Option<Vec<u8>>, AppError>;
    /// Replaces a member's user sheet.
    fn put_user_sheet(
        &mut self,
        period: &str,
        sheet: &str,
        member: &str,
        encoded: &[u8],
    ) -> Result<(), AppError>;
    /// One member, as this transaction sees it.
    fn member(&mut self, id: &str) -> Result<Option<Member>, AppError>;
    /// Writes an import record.
    fn put_import(&mut self, record: &ImportRecord) -> Result<(), AppError>;
    /// Keeps the first [`MAX_STORED_ERRORS`] of an import's errors.
    fn put_import_errors(&mut self, id: &str, errors: &[Note]) -> Result<(), AppError>;
    /// Keeps an import's error file.
    fn put_error_file(&mut self, id: &str, csv: &[u8]) -> Result<(), AppError>;
    /// Logs the cells an import changed in one member's sheet (encoded).
    fn put_changes(&mut self, id: &str, member: &str, encoded: &[u8]) -> Result<(), AppError>;
    /// Records an import's progress.
    fn put_progress(&mut self, id: &str, progress: &Progress) -> Result<(), AppError>;
    /// Remembers an idempotency key (its full storage key) with its result.
    fn remember(&mut self, key: &str, remembered: &Remembered) -> Result<(), AppError>;
    /// What an idempotency key (its full storage key) remembers, as this
    /// transaction sees it: a claim looks it up and remembers it in one
    /// transaction, so of two claims of one key exactly one is written.
    fn remembered(&mut self, key: &str) -> Result<Option<Remembered>, AppError>;
    /// Adds an audit entry with what this transaction writes.
    fn audit(&mut self, entry: &sheetlink_protocol::accounts::AuditEntry) -> Result<(), AppError>;
}

impl Evaluations for Store {
    fn import(&self, tenant: &str, id: &str) -> Result<Option<ImportRecord>, AppError> {
        get_json(self.db(), IMPORTS, &format!("{tenant}/{id}"))
    }

    fn import_errors(&self, tenant: &str, id: &str) -> Result<Vec<Note>, AppError> {
        Ok(get_json(self.db(), IMPORT_ERRORS, &format!("{tenant}/{id}"))?.unwrap_or_default())
    }

    fn import_progress(&self, tenant: &str, id: &str) -> Result<Option<Progress>, AppError> {
        get_json(self.db(), IMPORT_PROGRESS, &format!("{tenant}/{id}"))
    }

    fn error_file(&self, tenant: &str, id: &str) -> Result<Option<Vec<u8>>, AppError> {
        get_raw(self.db(), ERROR_FILES, &format!("{tenant}/{id}"))
    }

    fn imports_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(ImportRecord) -> bool,
    ) -> Result<(), AppError> {
        scan_json_rev(self.db(), IMPORTS, &format!("{tenant}/"), |_, record| {
            visit(record)
        })
    }

    fn running_imports(&self) -> Result<Vec<(String, ImportRecord)>, AppError> {
        Ok(scan_json::<ImportRecord>(self.db(), IMPORTS, "")?
            .into_iter()
            .filter(|(_, record)| record.status == crate::imports::ImportStatus::Running)
            .map(|(key, record)| {
                let tenant = key.split('/').next().unwrap_or_default().to_owned();
                (tenant, record)
            })
            .collect())
    }

    fn change_log_page(
        &self,
        tenant: &str,
        id: &str,
        after: Option<&str>,
        members: usize,
        bytes: usize,
    ) -> Result<ChangeLogPage, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let table = match read.open_table(IMPORT_CHANGES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok((Vec::new(), false)),
            Err(error) => return Err(AppError::internal(error)),
        };
        let prefix = format!("{tenant}/{id}/");
        // Past `after`: the key right after it (`\0` is below any id byte).
        let start = after.map_or_else(|| prefix.clone(), |after| format!("{prefix}{after}\0"));
        let mut page = Vec::new();
        let mut read_bytes = 0;
        for entry in table.range(start.as_str()..).map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            let Some(member) = key.value().strip_prefix(&prefix) else {
                break;
            };
            if page.len() >= members || read_bytes >= bytes {
                return Ok((page, true));
            }
            read_bytes += value.value().len();
            page.push((member.to_owned(), value.value().to_vec()));
        }
        Ok((page, false))
    }

    fn change_log(&self, tenant: &str, id: &str) -> Result<Vec<(String, Vec<u8>)>, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let table = match read.open_table(IMPORT_CHANGES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(error) => return Err(AppError::internal(error)),
        };
        let prefix = format!("{tenant}/{id}/");
        let mut out = Vec::new();
        for entry in table.range(prefix.as_str()..).map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            let Some(member) = key.value().strip_prefix(&prefix) else {
                break;
            };
            out.push((member.to_owned(), value.value().to_vec()));
        }
        Ok(out)
    }

    fn try_write_evaluations<T, R>(
        &self,
        tenant: &str,
        durable: bool,
        job: impl FnOnce(&mut dyn EvaluationTx) -> Result<Result<T, R>, AppError>,
    ) -> Result<Result<T, R>, AppError> {
        self.write(durable, |txn| job(&mut RedbEvaluationTx { txn, tenant }))
    }
}

struct RedbEvaluationTx<'t> {
    txn: &'t WriteTransaction,
    tenant: &'t str,
}

impl RedbEvaluationTx<'_> {
    fn key(&self, id: &str) -> String {
        format!("{}/{id}", self.tenant)
    }
}

impl EvaluationTx for RedbEvaluationTx<'_> {
    fn customize_sheet(
        &mut self,
        id: &str,
    ) -> Result<Option<crate::model::CustomizeSheet>, AppError> {
        txn_get(self.txn, super::tables::SHEETS, &self.key(id))?
            .map(|bytes| serde_json::from_slice(&bytes).map_err(AppError::internal))
            .transpose()
    }

    fn user_sheet(
        &mut self,
        period: &str,
        sheet: &str,
        member: &str,
    ) -> Result<Option<Vec<u8>>, AppError> {
        let key = user_sheet_key(self.tenant, period, sheet, member);
        txn_get(self.txn, USER_SHEETS, &key)
    }

    fn put_user_sheet(
        &mut self,
        period: &str,
        sheet: &str,
        member: &str,
        encoded: &[u8],
    ) -> Result<(), AppError> {
        let key = user_sheet_key(self.tenant, period, sheet, member);
        txn_put(self.txn, USER_SHEETS, &key, encoded)
    }

    fn member(&mut self, id: &str) -> Result<Option<Member>, AppError> {
        txn_get(self.txn, MEMBERS, &self.key(id))?
            .map(|bytes| serde_json::from_slice(&bytes).map_err(AppError::internal))
            .transpose()
    }

    fn put_import(&mut self, record: &ImportRecord) -> Result<(), AppError> {
        txn_put(self.txn, IMPORTS, &self.key(&record.id), &to_json(record)?)
    }

    fn put_import_errors(&mut self, id: &str, errors: &[Note]) -> Result<(), AppError> {
        if errors.is_empty() {
            return Ok(());
        }
        let kept = &errors[..errors.len().min(MAX_STORED_ERRORS)];
        txn_put(self.txn, IMPORT_ERRORS, &self.key(id), &to_json(&kept)?)
    }

    fn put_error_file(&mut self, id: &str, csv: &[u8]) -> Result<(), AppError> {
        txn_put(self.txn, ERROR_FILES, &self.key(id), csv)
    }

    fn put_changes(&mut self, id: &str, member: &str, encoded: &[u8]) -> Result<(), AppError> {
        let key = format!("{}/{id}/{member}", self.tenant);
        txn_put(self.txn, IMPORT_CHANGES, &key, encoded)
    }

    fn put_progress(&mut self, id: &str, progress: &Progress) -> Result<(), AppError> {
        txn_put(
            self.txn,
            IMPORT_PROGRESS,
            &self.key(id),
            &to_json(progress)?,
        )
    }

    fn remember(&mut self, key: &str, remembered: &Remembered) -> Result<(), AppError> {
        txn_put(self.txn, IDEMPOTENCY, key, &to_json(remembered)?)
    }

    fn remembered(&mut self, key: &str) -> Result<Option<Remembered>, AppError> {
        super::txn_get(self.txn, IDEMPOTENCY, key)?
            .map(|bytes| serde_json::from_slice(&bytes).map_err(AppError::internal))
            .transpose()
    }

    fn audit(&mut self, entry: &sheetlink_protocol::accounts::AuditEntry) -> Result<(), AppError> {
        super::accounts::txn_audit(self.txn, self.tenant, entry)
    }
}
