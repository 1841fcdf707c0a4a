//! Lists as stored (format 7): a head per list (entries per sheet, the next
//! sequence number) and an entry per member, in the order added, with a
//! membership index — so adding, finding and removing cost what they touch,
//! never the list's size, and a page reads that page.

use std::collections::BTreeMap;

use redb::{ReadableDatabase as _, ReadableTable as _, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::tables::{LIST_ENTRIES, LIST_HEADS, LIST_MEMBERS};
use super::{Store, scan_json, to_json, txn_get, txn_put};
use crate::error::AppError;

/// The most entries a list holds.
pub const MAX_LIST_ENTRIES: usize = 100_000;

/// A list's head: how many entries of each sheet it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListHead {
    /// Entries per sheet id.
    pub per_sheet: BTreeMap<String, u32>,
    /// The sequence number the next entry takes.
    #[serde(default)]
    pub next: u64,
}

impl ListHead {
    /// Entries in all.
    pub fn count(&self) -> u32 {
        self.per_sheet.values().sum()
    }

    fn counted(&mut self, entry: &str, added: bool) {
        let sheet = entry.split_once('/').map_or("", |(sheet, _)| sheet);
        let count = self.per_sheet.entry(sheet.to_owned()).or_default();
        if added {
            *count += 1;
        } else {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_sheet.remove(sheet);
            }
        }
    }
}

/// `{tenant}/{list}`.
fn list_key(tenant: &str, name: &str) -> String {
    format!("{tenant}/{name}")
}

/// The heads of every list of `tenant`, in name order.
pub(super) fn heads(store: &Store, tenant: &str) -> Result<Vec<(String, ListHead)>, AppError> {
    let prefix = format!("{tenant}/");
    Ok(scan_json(store.db(), LIST_HEADS, &prefix)?
        .into_iter()
        .map(|(key, head)| (key[prefix.len()..].to_owned(), head))
        .collect())
}

/// The head of one list and `limit` of its entries from the `offset`-th
/// (in the order added), from one snapshot.
pub(super) fn page(
    store: &Store,
    tenant: &str,
    name: &str,
    offset: usize,
    limit: usize,
) -> Result<Option<(ListHead, Vec<String>)>, AppError> {
    let key = list_key(tenant, name);
    // Head and entries from one snapshot.
    let read = store.db().begin_read().map_err(AppError::internal)?;
    let head = match read.open_table(LIST_HEADS) {
        Ok(heads) => heads
            .get(key.as_str())
            .map_err(AppError::internal)?
            .map(|bytes| {
                serde_json::from_slice::<ListHead>(bytes.value()).map_err(AppError::internal)
            }),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(error) => return Err(AppError::internal(error)),
    };
    let Some(head) = head.transpose()? else {
        return Ok(None);
    };
    let table = match read.open_table(LIST_ENTRIES) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Some((head, Vec::new()))),
        Err(error) => return Err(AppError::internal(error)),
    };
    let entries = table
        .range((key.as_str(), 0)..=(key.as_str(), u64::MAX))
        .map_err(AppError::internal)?
        .skip(offset)
        .take(limit)
        .map(|entry| {
            entry
                .map(|(_, value)| value.value().to_owned())
                .map_err(AppError::internal)
        })
        .collect::<Result<_, _>>()?;
    Ok(Some((head, entries)))
}

/// Adds `entries` to list `name` of `tenant` in `txn`, each once, while it
/// holds fewer than [`MAX_LIST_ENTRIES`]; answers how many did not fit.
pub(super) fn add(
    txn: &WriteTransaction,
    tenant: &str,
    name: &str,
    entries: &[String],
) -> Result<usize, AppError> {
    let key = list_key(tenant, name);
    let mut head: ListHead = match txn_get(txn, LIST_HEADS, &key)? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(AppError::internal)?,
        None => ListHead::default(),
    };
    let mut members = txn.open_table(LIST_MEMBERS).map_err(AppError::internal)?;
    let mut rows = txn.open_table(LIST_ENTRIES).map_err(AppError::internal)?;
    let mut count = head.count() as usize;
    let mut not_added = 0;
    for entry in entries {
        if members
            .get((key.as_str(), entry.as_str()))
            .map_err(AppError::internal)?
            .is_some()
        {
            continue;
        }
        if count >= MAX_LIST_ENTRIES {
            not_added += 1;
            continue;
        }
        members
            .insert((key.as_str(), entry.as_str()), head.next)
            .map_err(AppError::internal)?;
        rows.insert((key.as_str(), head.next), entry.as_str())
            .map_err(AppError::internal)?;
        head.next += 1;
        head.counted(entry, true);
        count += 1;
    }
    txn_put(txn, LIST_HEADS, &key, &to_json(&head)?)?;
    Ok(not_added)
}

/// Takes `removed` entries (all of them with `None`) out of list `name` of
/// `tenant` in `txn`: a look-up per named entry, or the list's rows when
/// cleared. The head stays (an emptied list keeps its name). Answers the
/// head and how many went; `None` without such a list.
pub(super) fn remove(
    txn: &WriteTransaction,
    tenant: &str,
    name: &str,
    removed: Option<&[String]>,
) -> Result<Option<(ListHead, u32)>, AppError> {
    let key = list_key(tenant, name);
    let Some(bytes) = txn_get(txn, LIST_HEADS, &key)? else {
        return Ok(None);
    };
    let mut head: ListHead = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
    let mut members = txn.open_table(LIST_MEMBERS).map_err(AppError::internal)?;
    let mut rows = txn.open_table(LIST_ENTRIES).map_err(AppError::internal)?;
    let mut gone = 0u32;
    match removed {
        Some(removed) => {
            for entry in removed {
                let seq = members
                    .remove((key.as_str(), entry.as_str()))
                    .map_err(AppError::internal)?
                    .map(|seq| seq.value());
                if let Some(seq) = seq {
                    rows.remove((key.as_str(), seq))
                        .map_err(AppError::internal)?;
                    head.counted(entry, false);
                    gone += 1;
                }
            }
        }
        None => {
            gone = head.count();
            rows.retain_in((key.as_str(), 0)..=(key.as_str(), u64::MAX), |_, _| false)
                .map_err(AppError::internal)?;
            members
                .retain_in((key.as_str(), "")..=(key.as_str(), "\u{10FFFF}"), |_, _| {
                    false
                })
                .map_err(AppError::internal)?;
            head.per_sheet.clear();
        }
    }
    txn_put(txn, LIST_HEADS, &key, &to_json(&head)?)?;
    Ok(Some((head, gone)))
}
