//! Batch linkage as stored: the CRM records, the tenant's settings and
//! conditions, runs with their row results, timeline posts and lists.

use redb::{ReadableDatabase as _, ReadableTable as _, WriteTransaction};
use sheetlink_engine::linkage::{Sheet, SheetRecord};
use sheetlink_protocol::records::ChangeKind;

use super::lists::ListHead;
use super::records::{ChangedBy, CrmTables, FieldUsage};
use super::tables::{
    CRM_CATALOG, CRM_COUNTERS, CRM_RECORDS, EXPORT_CONDITIONS, IDEMPOTENCY, IMPORT_CONDITIONS,
    LINKAGE_RUN_ROWS, LINKAGE_RUNS, LINKAGE_SETTINGS, MAPPING_TEMPLATES, TIMELINE,
};
use super::{JsonTable, Store, get_json, scan_json, scan_json_rev, to_json, txn_get, txn_put};
use crate::error::AppError;
use crate::idempotency::Remembered;
use crate::linkage::mail::Mail;
use crate::linkage::{
    Direction, LinkageRun, MAX_STORED_ROW_RESULTS, RowRecord, Run, RunStatus, Settings,
    StoredCondition, TimelinePost,
};

/// What saving a condition came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Written.
    Done,
    /// Not written: creating a key that exists.
    Exists,
    /// Not written: replacing a key that does not exist.
    Missing,
}

/// What claiming an import run came to ([`Linkage::claim_run`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunClaim {
    /// The run is recorded `running` and the key (if any) names it: go
    /// ahead and apply.
    Recorded,
    /// The key already names a run that was not interrupted: nothing was
    /// written; this is what the key remembers.
    KeyUsed(Remembered),
    /// The tenant started its hourly number of imports: nothing was
    /// written; one more may start in this many seconds.
    TooMany {
        /// Seconds until the oldest import of the hour leaves the window.
        retry_after: u64,
    },
    /// The tenant's e-mail queue is full (its whole window of hours holds
    /// e-mails waiting): nothing was written; retry once an hour has gone.
    MailQueueFull {
        /// Seconds until the next hour.
        retry_after: u64,
    },
}

/// Batch linkage of a tenant.
pub trait Linkage {
    /// Claims an import run, in one durable write transaction of its own:
    /// when `key` (full storage key and what to remember) already names a
    /// run that did not end `interrupted`, nothing is written and the key's
    /// record is answered ([`RunClaim::KeyUsed`]); when the tenant has
    /// started `per_hour` imports (batch or manual, of any outcome) in the
    /// hour before `run.started_at`, nothing is written
    /// ([`RunClaim::TooMany`]); otherwise `run` (status `running`) and the
    /// key are recorded together. Of two claims of one key, however
    /// concurrent, exactly one is recorded.
    fn claim_run(
        &self,
        tenant: &str,
        run: &LinkageRun,
        key: Option<(&str, &Remembered)>,
        per_hour: u32,
    ) -> Result<RunClaim, AppError>;
    /// Every run still `running`, of every tenant, as `(tenant, run)`: at
    /// start-up, the claims a stopped server left.
    fn running_runs(&self) -> Result<Vec<(String, Run)>, AppError>;
    /// The tenant's settings (the defaults, off, when never saved).
    fn linkage_settings(&self, tenant: &str) -> Result<Settings, AppError>;
    /// Reads, changes and writes the settings in one transaction, so a
    /// concurrent change (a token issued meanwhile) is never lost or
    /// brought back. Written only when `change` returns `Ok`.
    fn update_linkage_settings<R>(
        &self,
        tenant: &str,
        change: impl FnOnce(&mut Settings) -> Result<R, AppError>,
    ) -> Result<R, AppError>;
    /// The tenant's conditions of one direction, in key order.
    fn conditions<T: StoredCondition>(&self, tenant: &str) -> Result<Vec<T>, AppError>;
    /// One condition.
    fn condition<T: StoredCondition>(&self, tenant: &str, key: &str)
    -> Result<Option<T>, AppError>;
    /// Saves a condition under its key: `create` writes only a new key,
    /// otherwise only an existing one is replaced; checked and written in
    /// one transaction.
    fn save_condition<T: StoredCondition>(
        &self,
        tenant: &str,
        condition: &T,
        create: bool,
    ) -> Result<Saved, AppError>;
    /// Deletes a condition; whether there was one.
    fn delete_condition<T: StoredCondition>(
        &self,
        tenant: &str,
        key: &str,
    ) -> Result<bool, AppError>;
    /// The tenant's runs newest first, without their rows, handed to
    /// `visit` until it returns `false`.
    fn runs_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(Run) -> bool,
    ) -> Result<(), AppError>;
    /// One run with its stored rows.
    fn linkage_run(&self, tenant: &str, id: &str) -> Result<Option<Run>, AppError>;
    /// The tenant's timeline posts newest first, handed to `visit` until it
    /// returns `false`.
    fn timeline_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(TimelinePost) -> bool,
    ) -> Result<(), AppError>;
    /// The records of one sheet in id order, from one snapshot (exports and
    /// previews read these without waiting for a batch).
    fn records(&self, tenant: &str, sheet: &Sheet) -> Result<Vec<SheetRecord>, AppError>;
    /// The entries (`{sheet}/{record id}`) of a list, in the order added
    /// (`None`: no such list).
    fn list(&self, tenant: &str, name: &str) -> Result<Option<Vec<String>>, AppError>;
    /// A list's head and `limit` of its entries from the `offset`-th, in the
    /// order added (only those are read); `None`: no such list.
    fn list_page(
        &self,
        tenant: &str,
        name: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Option<(ListHead, Vec<String>)>, AppError>;
    /// Every list of the tenant with its head (entries per sheet), in name
    /// order: no list's entries are read.
    fn lists(&self, tenant: &str) -> Result<Vec<(String, ListHead)>, AppError>;
    /// The records of `sheet` with these ids that exist, from one snapshot
    /// (a look-up per id, not a read of the sheet).
    fn records_by_id(
        &self,
        tenant: &str,
        sheet: &Sheet,
        ids: &[&str],
    ) -> Result<Vec<SheetRecord>, AppError>;
    /// Takes `removed` entries out of list `name` (all of them with `None`:
    /// clear; the list keeps its name), with the audit entry `audit` makes
    /// of how many went, in one transaction; a look-up per named entry.
    /// `None` when there is no such list.
    fn remove_from_list(
        &self,
        tenant: &str,
        name: &str,
        removed: Option<&[String]>,
        audit: impl FnOnce(u32) -> sheetlink_protocol::accounts::AuditEntry,
    ) -> Result<Option<ListHead>, AppError>;
    /// The tenant's additions to the standard CRM (none when never saved).
    fn catalog_additions(
        &self,
        tenant: &str,
    ) -> Result<sheetlink_engine::linkage::CatalogAdditions, AppError>;
    /// Reads the additions, lets `change` change them — checking against
    /// what the records hold — and name the audit entry, and writes both in
    /// one transaction; nothing written when `change` fails.
    fn update_catalog_additions(
        &self,
        tenant: &str,
        change: impl FnOnce(
            &mut sheetlink_engine::linkage::CatalogAdditions,
            &dyn FieldUsage,
        ) -> Result<sheetlink_protocol::accounts::AuditEntry, AppError>,
    ) -> Result<sheetlink_engine::linkage::CatalogAdditions, AppError>;
    /// The tenant's mapping templates, in name order.
    fn mapping_templates(
        &self,
        tenant: &str,
    ) -> Result<Vec<sheetlink_engine::linkage::MappingTemplate>, AppError>;
    /// Reads the templates, lets `change` change them and name the audit
    /// entry, and writes both in one transaction (kept in name order);
    /// nothing written when `change` fails.
    fn update_mapping_templates(
        &self,
        tenant: &str,
        change: impl FnOnce(
            &mut Vec<sheetlink_engine::linkage::MappingTemplate>,
        ) -> Result<sheetlink_protocol::accounts::AuditEntry, AppError>,
    ) -> Result<Vec<sheetlink_engine::linkage::MappingTemplate>, AppError>;
    /// Runs `job` in one write transaction over the tenant's CRM data:
    /// committed when it returns `Ok`, nothing written otherwise. A batch is
    /// applied with its run, timeline post, e-mails, list entries and
    /// idempotency key, or not at all.
    fn write_crm<T>(
        &self,
        tenant: &str,
        job: impl FnOnce(&mut dyn CrmTx) -> Result<T, AppError>,
    ) -> Result<T, AppError>;
    /// Runs `job` like [`Linkage::write_crm`] in a transaction that is then
    /// rolled back, whatever it answers: a dry run sees its own writes and
    /// leaves nothing behind.
    fn dry_run_crm<T>(
        &self,
        tenant: &str,
        job: impl FnOnce(&mut dyn CrmTx) -> Result<T, AppError>,
    ) -> Result<T, AppError>;
}

/// One write transaction over a tenant's CRM data. It sees its own writes:
/// a row of a batch finds the records earlier rows created or changed.
pub trait CrmTx {
    /// The tenant's catalog additions as this transaction sees them: a
    /// batch applies only under the catalog its file was mapped with.
    fn catalog_additions(
        &mut self,
    ) -> Result<sheetlink_engine::linkage::CatalogAdditions, AppError>;
    /// The records of `sheet` in id order, as this transaction sees them.
    fn records(&mut self, sheet: &Sheet) -> Result<Vec<SheetRecord>, AppError>;
    /// One record of `sheet`.
    fn record(&mut self, sheet: &Sheet, id: &str) -> Result<Option<SheetRecord>, AppError>;
    /// The ids of `sheet`'s records whose `field` holds `value` (its
    /// canonical form), in id order: one look-up in the index, not a read
    /// of the sheet.
    fn find(&mut self, sheet: &Sheet, field: &str, value: &str) -> Result<Vec<String>, AppError>;
    /// Writes one record of `sheet` (its values aligned with the sheet's
    /// fields, stored by field id), created when `before` is `None`,
    /// keeping the index in step; the change goes into the record's
    /// history with `changed_by` (none for `None`).
    fn put_record(
        &mut self,
        sheet: &Sheet,
        before: Option<&SheetRecord>,
        after: &SheetRecord,
        changed_by: Option<(ChangedBy<'_>, ChangeKind)>,
    ) -> Result<(), AppError>;
    /// Deletes a record with its index entries and history.
    fn delete_record(&mut self, sheet: &Sheet, record: &SheetRecord) -> Result<(), AppError>;
    /// Adds an audit entry, in this transaction.
    fn audit(&mut self, entry: &sheetlink_protocol::accounts::AuditEntry) -> Result<(), AppError>;
    /// The next number for a generated id of `sheet` (1, 2, …; never the
    /// same twice).
    fn next_number(&mut self, sheet: &str) -> Result<u64, AppError>;
    /// Sets the number the next generated id of `sheet` follows.
    fn set_last_number(&mut self, sheet: &str, last: u64) -> Result<(), AppError>;
    /// Adds entries to a list, each once, in order, while the list holds
    /// fewer than [`super::MAX_LIST_ENTRIES`]; answers how many did not fit
    /// (a look-up per entry, never a read of the list).
    fn add_to_list(&mut self, list: &str, entries: &[String]) -> Result<usize, AppError>;
    /// Posts to the tenant's timeline.
    fn post(&mut self, post: &TimelinePost) -> Result<(), AppError>;
    /// Queues an e-mail, due after `delay_millis`.
    fn enqueue_mail(&mut self, mail: &Mail, delay_millis: u128) -> Result<(), AppError>;
    /// Takes a slot for one more e-mail of this tenant: the first hour, from
    /// this one on, in which fewer than `per_hour` of its e-mails are due,
    /// counted there; answers the delay until then in milliseconds (0 in
    /// this hour). When the next `hours` hours are full, the last of them
    /// (over its bound: an e-mail is never dropped; new runs are refused
    /// while the window is full, see [`Linkage::claim_run`]).
    fn mail_slot(&mut self, per_hour: u32, hours: u32) -> Result<u128, AppError>;
    /// Records a run; its rows apart (the first [`MAX_STORED_ROW_RESULTS`];
    /// the run then says its rows were truncated), so listing runs never
    /// reads them.
    fn record_run(&mut self, run: &Run) -> Result<(), AppError>;
    /// Remembers an idempotency key (its full storage key) with its result.
    fn remember(&mut self, key: &str, remembered: &Remembered) -> Result<(), AppError>;
}

pub(super) fn condition_table(direction: Direction) -> JsonTable {
    match direction {
        Direction::Import => IMPORT_CONDITIONS,
        Direction::Export => EXPORT_CONDITIONS,
    }
}

impl Linkage for Store {
    fn linkage_settings(&self, tenant: &str) -> Result<Settings, AppError> {
        Ok(get_json(self.db(), LINKAGE_SETTINGS, tenant)?.unwrap_or_default())
    }

    fn update_linkage_settings<R>(
        &self,
        tenant: &str,
        change: impl FnOnce(&mut Settings) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        super::update_json(self.db(), LINKAGE_SETTINGS, tenant, change)
    }

    fn conditions<T: StoredCondition>(&self, tenant: &str) -> Result<Vec<T>, AppError> {
        Ok(scan_json::<T>(
            self.db(),
            condition_table(T::DIRECTION),
            &format!("{tenant}/"),
        )?
        .into_iter()
        .map(|(_, condition)| condition)
        .collect())
    }

    fn condition<T: StoredCondition>(
        &self,
        tenant: &str,
        key: &str,
    ) -> Result<Option<T>, AppError> {
        get_json(
            self.db(),
            condition_table(T::DIRECTION),
            &format!("{tenant}/{key}"),
        )
    }

    fn save_condition<T: StoredCondition>(
        &self,
        tenant: &str,
        condition: &T,
        create: bool,
    ) -> Result<Saved, AppError> {
        let table = condition_table(T::DIRECTION);
        let key = format!("{tenant}/{}", condition.key());
        self.commit(|txn| {
            let exists = txn_get(txn, table, &key)?.is_some();
            Ok(match (create, exists) {
                (true, true) => Saved::Exists,
                (false, false) => Saved::Missing,
                _ => {
                    txn_put(txn, table, &key, &to_json(condition)?)?;
                    Saved::Done
                }
            })
        })
    }

    fn delete_condition<T: StoredCondition>(
        &self,
        tenant: &str,
        key: &str,
    ) -> Result<bool, AppError> {
        let key = format!("{tenant}/{key}");
        self.commit(|txn| {
            let mut table = txn
                .open_table(condition_table(T::DIRECTION))
                .map_err(AppError::internal)?;
            let removed = table
                .remove(key.as_str())
                .map_err(AppError::internal)?
                .is_some();
            Ok(removed)
        })
    }

    fn runs_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(Run) -> bool,
    ) -> Result<(), AppError> {
        scan_json_rev(
            self.db(),
            LINKAGE_RUNS,
            &format!("{tenant}/"),
            |_, head: StoredHead| visit(head.into_run(Vec::new())),
        )
    }

    fn linkage_run(&self, tenant: &str, id: &str) -> Result<Option<Run>, AppError> {
        let key = format!("{tenant}/{id}");
        let Some(head) = get_json::<StoredHead>(self.db(), LINKAGE_RUNS, &key)? else {
            return Ok(None);
        };
        let rows = get_json(self.db(), LINKAGE_RUN_ROWS, &key)?.unwrap_or_default();
        Ok(Some(head.into_run(rows)))
    }

    fn timeline_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(TimelinePost) -> bool,
    ) -> Result<(), AppError> {
        scan_json_rev(self.db(), TIMELINE, &format!("{tenant}/"), |_, post| {
            visit(post)
        })
    }

    fn records(&self, tenant: &str, sheet: &Sheet) -> Result<Vec<SheetRecord>, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        match read.open_table(CRM_RECORDS) {
            Ok(table) => read_records(&table, tenant, sheet),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(error) => Err(AppError::internal(error)),
        }
    }

    fn list(&self, tenant: &str, name: &str) -> Result<Option<Vec<String>>, AppError> {
        Ok(super::lists::page(self, tenant, name, 0, usize::MAX)?.map(|(_, entries)| entries))
    }

    fn list_page(
        &self,
        tenant: &str,
        name: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Option<(ListHead, Vec<String>)>, AppError> {
        super::lists::page(self, tenant, name, offset, limit)
    }

    fn lists(&self, tenant: &str) -> Result<Vec<(String, ListHead)>, AppError> {
        super::lists::heads(self, tenant)
    }

    fn records_by_id(
        &self,
        tenant: &str,
        sheet: &Sheet,
        ids: &[&str],
    ) -> Result<Vec<SheetRecord>, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let table = match read.open_table(CRM_RECORDS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(error) => return Err(AppError::internal(error)),
        };
        let mut records = Vec::new();
        for id in ids {
            let key = format!("{tenant}/{}/{id}", sheet.id);
            if let Some(value) = table.get(key.as_str()).map_err(AppError::internal)? {
                records.push(SheetRecord {
                    id: (*id).to_owned(),
                    values: decode_record(sheet, value.value())?,
                });
            }
        }
        Ok(records)
    }

    fn remove_from_list(
        &self,
        tenant: &str,
        name: &str,
        removed: Option<&[String]>,
        audit: impl FnOnce(u32) -> sheetlink_protocol::accounts::AuditEntry,
    ) -> Result<Option<ListHead>, AppError> {
        self.commit(|txn| {
            let Some((head, gone)) = super::lists::remove(txn, tenant, name, removed)? else {
                return Ok(None);
            };
            super::accounts::txn_audit(txn, tenant, &audit(gone))?;
            Ok(Some(head))
        })
    }

    fn catalog_additions(
        &self,
        tenant: &str,
    ) -> Result<sheetlink_engine::linkage::CatalogAdditions, AppError> {
        Ok(get_json(self.db(), CRM_CATALOG, tenant)?.unwrap_or_default())
    }

    fn update_catalog_additions(
        &self,
        tenant: &str,
        change: impl FnOnce(
            &mut sheetlink_engine::linkage::CatalogAdditions,
            &dyn FieldUsage,
        ) -> Result<sheetlink_protocol::accounts::AuditEntry, AppError>,
    ) -> Result<sheetlink_engine::linkage::CatalogAdditions, AppError> {
        self.commit(|txn| {
            let mut additions: sheetlink_engine::linkage::CatalogAdditions =
                txn_json_or_default(txn, CRM_CATALOG, tenant)?;
            let audit = {
                let tables = CrmTables::open(txn)?;
                change(&mut additions, &(&tables, tenant))?
            };
            txn_put(txn, CRM_CATALOG, tenant, &to_json(&additions)?)?;
            super::accounts::txn_audit(txn, tenant, &audit)?;
            Ok(additions)
        })
    }

    fn mapping_templates(
        &self,
        tenant: &str,
    ) -> Result<Vec<sheetlink_engine::linkage::MappingTemplate>, AppError> {
        Ok(get_json(self.db(), MAPPING_TEMPLATES, tenant)?.unwrap_or_default())
    }

    fn update_mapping_templates(
        &self,
        tenant: &str,
        change: impl FnOnce(
            &mut Vec<sheetlink_engine::linkage::MappingTemplate>,
        ) -> Result<sheetlink_protocol::accounts::AuditEntry, AppError>,
    ) -> Result<Vec<sheetlink_engine::linkage::MappingTemplate>, AppError> {
        self.commit(|txn| {
            let mut templates: Vec<sheetlink_engine::linkage::MappingTemplate> =
                txn_json_or_default(txn, MAPPING_TEMPLATES, tenant)?;
            let audit = change(&mut templates)?;
            templates.sort_by(|a, b| a.name.cmp(&b.name));
            txn_put(txn, MAPPING_TEMPLATES, tenant, &to_json(&templates)?)?;
            super::accounts::txn_audit(txn, tenant, &audit)?;
            Ok(templates)
        })
    }

    fn write_crm<T>(
        &self,
        tenant: &str,
        job: impl FnOnce(&mut dyn CrmTx) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.commit(|txn| crm_job(txn, tenant, job))
    }

    fn claim_run(
        &self,
        tenant: &str,
        run: &LinkageRun,
        key: Option<(&str, &Remembered)>,
        per_hour: u32,
    ) -> Result<RunClaim, AppError> {
        // redb has one writer: the look-up and the insert below are one
        // step no other claim can come between.
        self.commit(|txn| {
            if let Some((key, _)) = key
                && let Some(bytes) = txn_get(txn, IDEMPOTENCY, key)?
            {
                let remembered: Remembered =
                    serde_json::from_slice(&bytes).map_err(AppError::internal)?;
                let run_key = format!("{tenant}/{}", remembered.result_id);
                let interrupted = match txn_get(txn, LINKAGE_RUNS, &run_key)? {
                    Some(head) => {
                        serde_json::from_slice::<StoredHead>(&head)
                            .map_err(AppError::internal)?
                            .head
                            .status
                            == RunStatus::Interrupted
                    }
                    // Evaluation keys live in their own namespace; a
                    // linkage key always names a run.
                    None => false,
                };
                if !interrupted {
                    return Ok(RunClaim::KeyUsed(remembered));
                }
            }
            if let Some(retry_after) = hourly_limit_reached(txn, tenant, run.started_at, per_hour)?
            {
                return Ok(RunClaim::TooMany { retry_after });
            }
            if let Some(retry_after) = mail_queue_full(txn, tenant)? {
                return Ok(RunClaim::MailQueueFull { retry_after });
            }
            let mut tx = RedbCrmTx {
                txn,
                tenant,
                tables: CrmTables::open(txn)?,
            };
            tx.record_run(&Run {
                head: run.clone(),
                rows: Vec::new(),
                reason: Vec::new(),
            })?;
            if let Some((key, remembered)) = key {
                tx.remember(key, remembered)?;
            }
            Ok(RunClaim::Recorded)
        })
    }

    fn running_runs(&self) -> Result<Vec<(String, Run)>, AppError> {
        Ok(scan_json::<StoredHead>(self.db(), LINKAGE_RUNS, "")?
            .into_iter()
            .filter(|(_, head)| head.head.status == RunStatus::Running)
            .map(|(key, head)| {
                let tenant = key.split('/').next().unwrap_or_default().to_owned();
                (tenant, head.into_run(Vec::new()))
            })
            .collect())
    }

    fn dry_run_crm<T>(
        &self,
        tenant: &str,
        job: impl FnOnce(&mut dyn CrmTx) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.roll_back(|txn| crm_job(txn, tenant, job))
    }
}

/// Runs `job` over the tenant's CRM data in `txn`.
fn crm_job<T>(
    txn: &redb::WriteTransaction,
    tenant: &str,
    job: impl FnOnce(&mut dyn CrmTx) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut tx = RedbCrmTx {
        txn,
        tenant,
        tables: CrmTables::open(txn)?,
    };
    job(&mut tx)
}

/// When `tenant` has started `per_hour` imports in the hour before `at`:
/// the seconds until the oldest of them leaves the hour. Reads the newest
/// runs only (ids sort by start), at most `per_hour` imports and the
/// exports among them.
fn hourly_limit_reached(
    txn: &WriteTransaction,
    tenant: &str,
    at: u64,
    per_hour: u32,
) -> Result<Option<u64>, AppError> {
    let table = txn.open_table(LINKAGE_RUNS).map_err(AppError::internal)?;
    let prefix = format!("{tenant}/");
    let end = format!("{tenant}0"); // '0' follows '/'
    let mut imports = 0u32;
    for entry in table
        .range(prefix.as_str()..end.as_str())
        .map_err(AppError::internal)?
        .rev()
    {
        let (_, value) = entry.map_err(AppError::internal)?;
        let head: StoredHead = serde_json::from_slice(value.value()).map_err(AppError::internal)?;
        if head.head.started_at + 3_600 <= at {
            break;
        }
        if head.head.direction == Direction::Import {
            imports += 1;
            if imports >= per_hour {
                return Ok(Some((head.head.started_at + 3_600 - at).max(1)));
            }
        }
    }
    Ok(None)
}

/// Whether `tenant`'s e-mails waiting from this hour on leave less room
/// than one more run may queue (`MAIL_ROOM_PER_RUN`) in its window of
/// `MAIL_QUEUE_HOURS` × `MAILS_PER_TENANT_HOUR`: the seconds until the next
/// hour, when some room comes back.
fn mail_queue_full(txn: &WriteTransaction, tenant: &str) -> Result<Option<u64>, AppError> {
    use crate::linkage::apply::{MAIL_QUEUE_HOURS, MAIL_ROOM_PER_RUN, MAILS_PER_TENANT_HOUR};
    let table = txn
        .open_table(super::tables::MAIL_HOURS)
        .map_err(AppError::internal)?;
    let now = crate::ids::now_millis();
    let this_hour = now / 3_600_000;
    let from = format!("{tenant}/{this_hour:012}");
    let end = format!("{tenant}0"); // '0' follows '/'
    let mut waiting = 0u64;
    for entry in table
        .range(from.as_str()..end.as_str())
        .map_err(AppError::internal)?
    {
        waiting += entry.map_err(AppError::internal)?.1.value();
    }
    let window = u64::from(MAIL_QUEUE_HOURS) * u64::from(MAILS_PER_TENANT_HOUR);
    if waiting + u64::from(MAIL_ROOM_PER_RUN) <= window {
        return Ok(None);
    }
    let next_hour = (this_hour + 1) * 3_600_000;
    Ok(Some(
        u64::try_from((next_hour - now).div_ceil(1_000))
            .unwrap_or(3_600)
            .max(1),
    ))
}

/// The JSON value at `key` of `table` as `txn` sees it, or the default.
fn txn_json_or_default<T: serde::de::DeserializeOwned + Default>(
    txn: &redb::WriteTransaction,
    table: super::JsonTable,
    key: &str,
) -> Result<T, AppError> {
    match txn_get(txn, table, key)? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(AppError::internal),
        None => Ok(T::default()),
    }
}

/// The stored form of a record (format 5): a JSON object of its non-empty
/// values by field id, so that a sheet's fields can be added, removed and
/// reordered without rewriting its records (format 4 stored an array in
/// field order).
pub(crate) fn encode_record(sheet: &Sheet, values: &[Option<String>]) -> Result<Vec<u8>, AppError> {
    let object: serde_json::Map<String, serde_json::Value> = sheet
        .fields
        .iter()
        .zip(values)
        .filter_map(|(field, value)| {
            let value = value.as_ref()?;
            Some((field.id.clone(), serde_json::Value::String(value.clone())))
        })
        .collect();
    to_json(&object)
}

/// A stored record's values aligned with `sheet`'s fields (a field it has no
/// value for, or one added since, is `None`; a value of a field the sheet no
/// longer has is not read).
pub(crate) fn decode_record(sheet: &Sheet, bytes: &[u8]) -> Result<Vec<Option<String>>, AppError> {
    let mut object: std::collections::HashMap<String, String> =
        serde_json::from_slice(bytes).map_err(AppError::internal)?;
    Ok(sheet
        .fields
        .iter()
        .map(|field| object.remove(&field.id))
        .collect())
}

/// The records of one sheet, in id order, from any table handle.
fn read_records(
    table: &impl redb::ReadableTable<&'static str, &'static [u8]>,
    tenant: &str,
    sheet: &Sheet,
) -> Result<Vec<SheetRecord>, AppError> {
    let prefix = format!("{tenant}/{}/", sheet.id);
    // `0` sorts right after `/`: the end of this sheet's keys.
    let end = format!("{tenant}/{}0", sheet.id);
    let mut records = Vec::new();
    for entry in table
        .range(prefix.as_str()..end.as_str())
        .map_err(AppError::internal)?
    {
        let (key, value) = entry.map_err(AppError::internal)?;
        records.push(SheetRecord {
            id: key.value()[prefix.len()..].to_owned(),
            values: decode_record(sheet, value.value())?,
        });
    }
    Ok(records)
}

struct RedbCrmTx<'t> {
    txn: &'t WriteTransaction,
    tenant: &'t str,
    /// The record tables, open for the whole batch.
    tables: CrmTables<'t>,
}

impl RedbCrmTx<'_> {
    fn key(&self, rest: &str) -> String {
        format!("{}/{rest}", self.tenant)
    }
}

impl CrmTx for RedbCrmTx<'_> {
    fn catalog_additions(
        &mut self,
    ) -> Result<sheetlink_engine::linkage::CatalogAdditions, AppError> {
        txn_json_or_default(self.txn, CRM_CATALOG, self.tenant)
    }

    fn records(&mut self, sheet: &Sheet) -> Result<Vec<SheetRecord>, AppError> {
        read_records(&self.tables.records, self.tenant, sheet)
    }

    fn record(&mut self, sheet: &Sheet, id: &str) -> Result<Option<SheetRecord>, AppError> {
        self.tables.record(self.tenant, sheet, id)
    }

    fn find(&mut self, sheet: &Sheet, field: &str, value: &str) -> Result<Vec<String>, AppError> {
        let CrmTables { records, index, .. } = &self.tables;
        super::records::find_ids(records, index, self.tenant, sheet, field, value)
    }

    fn put_record(
        &mut self,
        sheet: &Sheet,
        before: Option<&SheetRecord>,
        after: &SheetRecord,
        changed_by: Option<(ChangedBy<'_>, ChangeKind)>,
    ) -> Result<(), AppError> {
        self.tables
            .write_record(self.tenant, sheet, before, after, changed_by)
    }

    fn delete_record(&mut self, sheet: &Sheet, record: &SheetRecord) -> Result<(), AppError> {
        self.tables.delete_record(self.tenant, sheet, record)
    }

    fn audit(&mut self, entry: &sheetlink_protocol::accounts::AuditEntry) -> Result<(), AppError> {
        super::accounts::txn_audit(self.txn, self.tenant, entry)
    }

    fn next_number(&mut self, sheet: &str) -> Result<u64, AppError> {
        let mut counters = self
            .txn
            .open_table(CRM_COUNTERS)
            .map_err(AppError::internal)?;
        let key = self.key(sheet);
        let next = counters
            .get(key.as_str())
            .map_err(AppError::internal)?
            .map_or(0, |v| v.value())
            + 1;
        counters
            .insert(key.as_str(), next)
            .map_err(AppError::internal)?;
        Ok(next)
    }

    fn set_last_number(&mut self, sheet: &str, last: u64) -> Result<(), AppError> {
        let mut counters = self
            .txn
            .open_table(CRM_COUNTERS)
            .map_err(AppError::internal)?;
        counters
            .insert(self.key(sheet).as_str(), last)
            .map_err(AppError::internal)?;
        Ok(())
    }

    fn add_to_list(&mut self, list: &str, entries: &[String]) -> Result<usize, AppError> {
        super::lists::add(self.txn, self.tenant, list, entries)
    }

    fn post(&mut self, post: &TimelinePost) -> Result<(), AppError> {
        txn_put(self.txn, TIMELINE, &self.key(&post.id), &to_json(post)?)
    }

    fn enqueue_mail(&mut self, mail: &Mail, delay_millis: u128) -> Result<(), AppError> {
        super::mail::enqueue(self.txn, mail, delay_millis)
    }

    fn mail_slot(&mut self, per_hour: u32, hours: u32) -> Result<u128, AppError> {
        let mut table = self
            .txn
            .open_table(super::tables::MAIL_HOURS)
            .map_err(AppError::internal)?;
        let now = crate::ids::now_millis();
        let this_hour = now / 3_600_000;
        let key = |hour: u128| format!("{}/{hour:012}", self.tenant);
        // Hours gone by count nothing any more.
        let past: Vec<String> = table
            .range(format!("{}/", self.tenant).as_str()..key(this_hour).as_str())
            .map_err(AppError::internal)?
            .map(|entry| entry.map(|(k, _)| k.value().to_owned()))
            .collect::<Result<_, _>>()
            .map_err(AppError::internal)?;
        for gone in past {
            table.remove(gone.as_str()).map_err(AppError::internal)?;
        }
        let last = this_hour + u128::from(hours.max(1)) - 1;
        for hour in this_hour..=last {
            let at = key(hour);
            let due = table
                .get(at.as_str())
                .map_err(AppError::internal)?
                .map_or(0, |v| v.value());
            if due < u64::from(per_hour) || hour == last {
                table
                    .insert(at.as_str(), due + 1)
                    .map_err(AppError::internal)?;
                return Ok((hour * 3_600_000).saturating_sub(now));
            }
        }
        Err(AppError::internal("no hour to queue an e-mail in"))
    }

    fn record_run(&mut self, run: &Run) -> Result<(), AppError> {
        let kept = &run.rows[..run.rows.len().min(MAX_STORED_ROW_RESULTS)];
        let key = self.key(&run.head.id);
        if !kept.is_empty() {
            txn_put(self.txn, LINKAGE_RUN_ROWS, &key, &to_json(&kept)?)?;
        }
        let head = StoredHead {
            head: LinkageRun {
                rows: Vec::new(),
                reason: None,
                reason_en: None,
                rows_truncated: run.head.rows_truncated || kept.len() < run.rows.len(),
                ..run.head.clone()
            },
            reason_notes: run.reason.clone(),
        };
        txn_put(self.txn, LINKAGE_RUNS, &key, &to_json(&head)?)
    }

    fn remember(&mut self, key: &str, remembered: &Remembered) -> Result<(), AppError> {
        txn_put(self.txn, IDEMPOTENCY, key, &to_json(remembered)?)
    }
}

/// A run as [`LINKAGE_RUNS`] keeps it: the run without rows or rendered
/// reason, and the reason coded.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct StoredHead {
    #[serde(flatten)]
    pub(super) head: LinkageRun,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) reason_notes: Vec<crate::notice::Note>,
}

impl StoredHead {
    fn into_run(self, rows: Vec<RowRecord>) -> Run {
        Run {
            head: self.head,
            rows,
            reason: self.reason_notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sheetlink_engine::linkage::{Field, FieldType};

    #[test]
    fn a_record_by_field_id_survives_fields_added_removed_and_reordered() {
        let sheet = |ids: &[&str]| Sheet {
            id: "s".into(),
            name: "s".into(),
            fields: ids
                .iter()
                .map(|id| Field::new(id, id, FieldType::Text))
                .collect(),
        };
        let before = sheet(&["id", "name", "phone"]);
        let bytes = encode_record(&before, &[Some("C1".into()), Some("山田".into()), None])
            .expect("encodes");
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            r#"{"id":"C1","name":"山田"}"#
        );
        let after = sheet(&["name", "email", "id"]);
        assert_eq!(
            decode_record(&after, &bytes).expect("decodes"),
            [Some("山田".to_owned()), None, Some("C1".to_owned())]
        );
    }
}
