//! Retention: what is kept, and how long — applied in bounded steps, so the
//! purge never holds the store's writer for long (an import waits at most
//! one step). The audit log is never purged; sessions expire on their own
//! (`Sessions::purge_expired`); a CRM record keeps its last 50 changes as it
//! is written.

use redb::{ReadableTable as _, WriteTransaction};

use super::Store;
use super::tables::{
    ERROR_FILES, IDEMPOTENCY, IMPORT_CHANGES, IMPORT_ERRORS, IMPORT_PROGRESS, IMPORTS,
    LINKAGE_RUN_ROWS, LINKAGE_RUNS, MAIL_QUEUE, TENANTS, TIMELINE,
};
use crate::error::AppError;

/// What is kept (`[retention]` in the configuration; the defaults keep what
/// the screens and revert need).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionPolicy {
    /// Evaluation imports kept per tenant, newest first, each with its
    /// errors, error file, progress and change log (revert data): the
    /// history screen lists 100 (`imports`). Younger ones than
    /// `idempotency_days` are kept too (a retry of them replays).
    pub imports: usize,
    /// CRM runs kept per tenant, newest first, with their row results
    /// (`linkage_runs`); younger ones than `idempotency_days` too.
    pub linkage_runs: usize,
    /// Days an Idempotency-Key is remembered: a retry within them replays
    /// (`idempotency_days`; at least 1).
    pub idempotency_days: u64,
    /// Days a timeline post is kept (`timeline_days`).
    pub timeline_days: u64,
    /// Days an e-mail may wait in the queue unsent (no relay configured, or
    /// one that keeps refusing) before it is given up (`mail_days`).
    pub mail_days: u64,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            imports: 100,
            linkage_runs: 100,
            idempotency_days: 7,
            timeline_days: 90,
            mail_days: 30,
        }
    }
}

impl RetentionPolicy {
    /// The policy's bounds, refused when they would lose what the screens
    /// need: at least 100 imports and runs, a day of keys, a day of posts
    /// and mail.
    pub fn check(&self) -> Result<(), String> {
        if self.imports < 100 || self.linkage_runs < 100 {
            return Err("retention keeps at least 100 imports and 100 linkage runs per tenant (the history screens list 100)".into());
        }
        if self.idempotency_days == 0 || self.timeline_days == 0 || self.mail_days == 0 {
            return Err("retention keeps keys, timeline posts and mail at least one day".into());
        }
        Ok(())
    }
}

/// Purging by the retention policy, a bounded step at a time.
pub trait Retention {
    /// Deletes at most `budget` entries that `policy` no longer keeps, as of
    /// `now_millis`, in one write transaction; answers how many. A purge is
    /// done when a step deletes nothing. An import or run goes last after
    /// everything that belongs to it, so a step cut short by the budget
    /// leaves it to be found again.
    fn purge_step(
        &self,
        policy: &RetentionPolicy,
        now_millis: u128,
        budget: usize,
    ) -> Result<usize, AppError>;
}

const DAY_MILLIS: u128 = 24 * 3_600 * 1_000;

/// The creation time (ms) of a record id: its first 13 digits.
fn id_millis(id: &str) -> Option<u128> {
    id.get(..13)?.parse().ok()
}

/// Whether the import or run `id` began at `since` ms or later: its
/// Idempotency-Key may still be sent, so it is kept (a retry replays it),
/// and so are the runs the hourly limit counts.
fn started_since(id: &str, since: u128) -> bool {
    id_millis(id).is_none_or(|at| at >= since)
}

impl Retention for Store {
    fn purge_step(
        &self,
        policy: &RetentionPolicy,
        now_millis: u128,
        budget: usize,
    ) -> Result<usize, AppError> {
        self.commit(|txn| {
            let mut left = budget;
            let keys_since =
                now_millis.saturating_sub(u128::from(policy.idempotency_days) * DAY_MILLIS);
            for tenant in tenants(txn)? {
                if left == 0 {
                    break;
                }
                left -= purge_imports(txn, &tenant, policy.imports, keys_since, left)?;
                if left == 0 {
                    break;
                }
                left -= purge_runs(txn, &tenant, policy.linkage_runs, keys_since, left)?;
                if left == 0 {
                    break;
                }
                let before =
                    now_millis.saturating_sub(u128::from(policy.timeline_days) * DAY_MILLIS);
                left -= purge_older(txn, TIMELINE, &format!("{tenant}/"), before, left)?;
            }
            if left > 0 {
                let before =
                    now_millis.saturating_sub(u128::from(policy.idempotency_days) * DAY_MILLIS);
                left -= purge_keys(txn, before, left)?;
            }
            if left > 0 {
                let before = now_millis.saturating_sub(u128::from(policy.mail_days) * DAY_MILLIS);
                left -= purge_mail(txn, before, left)?;
            }
            Ok(budget - left)
        })
    }
}

fn tenants(txn: &WriteTransaction) -> Result<Vec<String>, AppError> {
    let table = txn.open_table(TENANTS).map_err(AppError::internal)?;
    table
        .iter()
        .map_err(AppError::internal)?
        .map(|entry| {
            entry
                .map(|(k, _)| k.value().to_owned())
                .map_err(AppError::internal)
        })
        .collect()
}

/// The keys of `tenant`'s entries in `table`, newest (last) first, past
/// the newest `keep`, begun before `keys_since` (a key of one may still be
/// sent) and not `running` — at most `at_most` of them.
fn beyond_newest(
    txn: &WriteTransaction,
    table: super::JsonTable,
    tenant: &str,
    keep: usize,
    keys_since: u128,
    at_most: usize,
    running: impl Fn(&[u8]) -> bool,
) -> Result<Vec<String>, AppError> {
    let table = txn.open_table(table).map_err(AppError::internal)?;
    let prefix = format!("{tenant}/");
    let end = format!("{tenant}0"); // '0' follows '/'
    let mut out = Vec::new();
    let mut seen = 0;
    for entry in table
        .range(prefix.as_str()..end.as_str())
        .map_err(AppError::internal)?
        .rev()
    {
        let (key, value) = entry.map_err(AppError::internal)?;
        seen += 1;
        let id = &key.value()[prefix.len()..];
        if seen <= keep || started_since(id, keys_since) || running(value.value()) {
            continue;
        }
        out.push(key.value().to_owned());
        if out.len() >= at_most {
            break;
        }
    }
    Ok(out)
}

/// Deletes up to `left` keys of `table` from `start` to before `end`,
/// first first; answers the keys deleted (in order).
fn delete_range(
    txn: &WriteTransaction,
    table: super::JsonTable,
    start: Option<&str>,
    end: &str,
    left: usize,
) -> Result<Vec<String>, AppError> {
    let mut table = txn.open_table(table).map_err(AppError::internal)?;
    let range = match start {
        Some(start) => table.range(start..end),
        None => table.range(..end),
    };
    let keys: Vec<String> = range
        .map_err(AppError::internal)?
        .take(left)
        .map(|entry| {
            entry
                .map(|(k, _)| k.value().to_owned())
                .map_err(AppError::internal)
        })
        .collect::<Result<_, _>>()?;
    for key in &keys {
        table.remove(key.as_str()).map_err(AppError::internal)?;
    }
    Ok(keys)
}

/// Deletes up to `left` keys of `table` under `prefix`; answers how many.
fn delete_prefix(
    txn: &WriteTransaction,
    table: super::JsonTable,
    prefix: &str,
    left: usize,
) -> Result<usize, AppError> {
    let end = format!("{prefix}\u{10FFFF}");
    Ok(delete_range(txn, table, Some(prefix), &end, left)?.len())
}

/// Evaluation imports of `tenant` past its newest `keep` and begun before
/// `keys_since` (never a running one): the change log, errors, error file
/// and progress, then the record.
fn purge_imports(
    txn: &WriteTransaction,
    tenant: &str,
    keep: usize,
    keys_since: u128,
    budget: usize,
) -> Result<usize, AppError> {
    let running = |bytes: &[u8]| {
        serde_json::from_slice::<crate::imports::ImportRecord>(bytes)
            .is_ok_and(|record| record.status == crate::imports::ImportStatus::Running)
    };
    let old = beyond_newest(txn, IMPORTS, tenant, keep, keys_since, budget, running)?;
    let mut left = budget;
    for key in old {
        left -= delete_prefix(txn, IMPORT_CHANGES, &format!("{key}/"), left)?;
        for table in [IMPORT_ERRORS, IMPORT_PROGRESS, ERROR_FILES] {
            if left == 0 {
                return Ok(budget);
            }
            left -= usize::from(
                txn.open_table(table)
                    .map_err(AppError::internal)?
                    .remove(key.as_str())
                    .map_err(AppError::internal)?
                    .is_some(),
            );
        }
        if left == 0 {
            return Ok(budget);
        }
        txn.open_table(IMPORTS)
            .map_err(AppError::internal)?
            .remove(key.as_str())
            .map_err(AppError::internal)?;
        left -= 1;
        if left == 0 {
            break;
        }
    }
    Ok(budget - left)
}

/// CRM runs of `tenant` past its newest `keep` and begun before
/// `keys_since` (never a running one): the rows, then the run.
fn purge_runs(
    txn: &WriteTransaction,
    tenant: &str,
    keep: usize,
    keys_since: u128,
    budget: usize,
) -> Result<usize, AppError> {
    let running = |bytes: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .is_ok_and(|head| head["status"] == "running")
    };
    let old = beyond_newest(
        txn,
        LINKAGE_RUNS,
        tenant,
        keep,
        keys_since,
        budget.div_ceil(2),
        running,
    )?;
    let mut deleted = 0;
    for key in old {
        if budget - deleted < 2 {
            break;
        }
        for table in [LINKAGE_RUN_ROWS, LINKAGE_RUNS] {
            txn.open_table(table)
                .map_err(AppError::internal)?
                .remove(key.as_str())
                .map_err(AppError::internal)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Entries of `table` under `prefix` whose id (after the prefix) was made
/// before `before` ms, oldest first.
fn purge_older(
    txn: &WriteTransaction,
    table: super::JsonTable,
    prefix: &str,
    before: u128,
    left: usize,
) -> Result<usize, AppError> {
    let end = format!("{prefix}{before:013}");
    Ok(delete_range(txn, table, Some(prefix), &end, left)?.len())
}

/// Idempotency keys whose import or run was started before `before` ms.
fn purge_keys(txn: &WriteTransaction, before: u128, left: usize) -> Result<usize, AppError> {
    let mut table = txn.open_table(IDEMPOTENCY).map_err(AppError::internal)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(AppError::internal)? {
        let (key, value) = entry.map_err(AppError::internal)?;
        let started = serde_json::from_slice::<crate::idempotency::Remembered>(value.value())
            .ok()
            .and_then(|remembered| id_millis(&remembered.result_id));
        if started.is_some_and(|at| at < before) {
            old.push(key.value().to_owned());
            if old.len() >= left {
                break;
            }
        }
    }
    for key in &old {
        table.remove(key.as_str()).map_err(AppError::internal)?;
    }
    Ok(old.len())
}

/// E-mails due before `before` ms and still unsent: given up, logged.
fn purge_mail(txn: &WriteTransaction, before: u128, left: usize) -> Result<usize, AppError> {
    let end = format!("{before:020}");
    let keys = delete_range(txn, MAIL_QUEUE, None, &end, left)?;
    for key in &keys {
        tracing::warn!(mail = %key, "gave up an e-mail that waited longer than the retention policy keeps mail");
    }
    Ok(keys.len())
}
