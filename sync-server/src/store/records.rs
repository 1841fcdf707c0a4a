//! CRM records with their index, sizes and change history: how a record is
//! written (every path that writes one goes through [`write_record`]), and
//! how the records screen reads a sheet a page at a time.
//!
//! The index holds `(“{tenant}/{sheet}/{field}”, sort key, record id)` for
//! every non-empty value of every field but the id (the record's own key):
//! a batch finds its matches and relations by value, the screen walks a
//! field in order, and a record's incoming links are one range each —
//! nothing reads a whole sheet to find a few records.

use std::ops::Bound;

use redb::{ReadableDatabase as _, ReadableTable, WriteTransaction};
use sheetlink_engine::linkage::{
    Catalog, FieldType, MAX_SORT_KEY_BYTES, RecordFilter, Sheet, SheetRecord, SortKey, sort_key,
};
use sheetlink_protocol::records::{
    ChangeKind, FieldChangeEntry, MAX_CHANGES_KEPT, MAX_EXAMINED, RECORDS_PAGE, RecordChange,
};

use super::tables::{CRM_HISTORY, CRM_INDEX, CRM_RECORDS, CRM_SIZES};
use super::{Store, to_json};
use crate::error::AppError;
use crate::store::linkage::{decode_record, encode_record};

/// The index's first key part for a field of a sheet.
fn index_prefix(tenant: &str, sheet: &str, field: &str) -> String {
    format!("{tenant}/{sheet}/{field}")
}

/// The index entries of a record: `(field id, sort key)` of each non-empty
/// value but the id.
fn index_entries<'s>(sheet: &'s Sheet, values: &[Option<String>]) -> Vec<(&'s str, Vec<u8>)> {
    sheet
        .fields
        .iter()
        .zip(values)
        .filter(|(field, _)| !field.is_id)
        .filter_map(|(field, value)| {
            let value = value.as_deref().filter(|v| !v.is_empty())?;
            Some((field.id.as_str(), sort_key(field.field_type, value)))
        })
        .collect()
}

/// Who changed a record, for its history.
#[derive(Debug, Clone, Copy)]
pub struct ChangedBy<'a> {
    /// When, in seconds.
    pub at: u64,
    /// The member's name, or `token`.
    pub by: &'a str,
    /// The run and its condition's key, for a batch.
    pub run: Option<(&'a str, &'a str)>,
    /// The file's row, for a batch.
    pub row: Option<u32>,
}

/// The CRM tables of one write transaction, opened once for all the
/// records it writes (a batch writes a hundred thousand).
pub(crate) struct CrmTables<'t> {
    pub(crate) records: redb::Table<'t, &'static str, &'static [u8]>,
    pub(crate) index: redb::Table<'t, (&'static str, &'static [u8], &'static str), ()>,
    history: redb::Table<'t, (&'static str, &'static str, u64), &'static [u8]>,
    sizes: redb::Table<'t, &'static str, u64>,
}

impl<'t> CrmTables<'t> {
    pub(crate) fn open(txn: &'t WriteTransaction) -> Result<Self, AppError> {
        Ok(CrmTables {
            records: txn.open_table(CRM_RECORDS).map_err(AppError::internal)?,
            index: txn.open_table(CRM_INDEX).map_err(AppError::internal)?,
            history: txn.open_table(CRM_HISTORY).map_err(AppError::internal)?,
            sizes: txn.open_table(CRM_SIZES).map_err(AppError::internal)?,
        })
    }

    /// One record of `sheet`.
    pub(crate) fn record(
        &self,
        tenant: &str,
        sheet: &Sheet,
        id: &str,
    ) -> Result<Option<SheetRecord>, AppError> {
        let key = format!("{tenant}/{}/{id}", sheet.id);
        let Some(bytes) = self.records.get(key.as_str()).map_err(AppError::internal)? else {
            return Ok(None);
        };
        Ok(Some(SheetRecord {
            id: id.to_owned(),
            values: decode_record(sheet, bytes.value())?,
        }))
    }

    /// Writes `after` (created when `before` is `None`), keeps the index
    /// and the sheet's size in step, and adds the change to the record's
    /// history (nothing when `changed_by` is `None`: a seed or a
    /// migration). A record whose values did not change is not written.
    pub(crate) fn write_record(
        &mut self,
        tenant: &str,
        sheet: &Sheet,
        before: Option<&SheetRecord>,
        after: &SheetRecord,
        changed_by: Option<(ChangedBy<'_>, ChangeKind)>,
    ) -> Result<(), AppError> {
        if before.is_some_and(|before| before.values == after.values) {
            return Ok(());
        }
        let key = format!("{tenant}/{}/{}", sheet.id, after.id);
        self.records
            .insert(
                key.as_str(),
                encode_record(sheet, &after.values)?.as_slice(),
            )
            .map_err(AppError::internal)?;
        let old = before.map_or_else(Vec::new, |b| index_entries(sheet, &b.values));
        let new = index_entries(sheet, &after.values);
        for entry in old.iter().filter(|entry| !new.contains(entry)) {
            let prefix = index_prefix(tenant, &sheet.id, entry.0);
            self.index
                .remove((prefix.as_str(), entry.1.as_slice(), after.id.as_str()))
                .map_err(AppError::internal)?;
        }
        for entry in new.iter().filter(|entry| !old.contains(entry)) {
            let prefix = index_prefix(tenant, &sheet.id, entry.0);
            self.index
                .insert((prefix.as_str(), entry.1.as_slice(), after.id.as_str()), ())
                .map_err(AppError::internal)?;
        }
        if before.is_none() {
            self.add_to_size(tenant, &sheet.id, 1)?;
        }
        if let Some((changed_by, kind)) = changed_by {
            let changes = sheet
                .fields
                .iter()
                .enumerate()
                .filter_map(|(i, field)| {
                    let was = before.and_then(|b| b.values.get(i).cloned().flatten());
                    let is = after.values.get(i).cloned().flatten();
                    (was != is).then(|| FieldChangeEntry {
                        field: field.id.clone(),
                        before: was,
                        after: is,
                    })
                })
                .collect();
            let change = RecordChange {
                at: changed_by.at,
                by: changed_by.by.to_owned(),
                run: changed_by.run.map(|(run, _)| run.to_owned()),
                condition: changed_by.run.map(|(_, key)| key.to_owned()),
                row: changed_by.row,
                kind,
                changes,
            };
            self.add_change(tenant, &sheet.id, &after.id, &change)?;
        }
        Ok(())
    }

    /// Deletes a record with its index entries and history.
    pub(crate) fn delete_record(
        &mut self,
        tenant: &str,
        sheet: &Sheet,
        record: &SheetRecord,
    ) -> Result<(), AppError> {
        let key = format!("{tenant}/{}/{}", sheet.id, record.id);
        let removed = self
            .records
            .remove(key.as_str())
            .map_err(AppError::internal)?
            .is_some();
        if !removed {
            return Ok(());
        }
        for (field, value) in index_entries(sheet, &record.values) {
            let prefix = index_prefix(tenant, &sheet.id, field);
            self.index
                .remove((prefix.as_str(), value.as_slice(), record.id.as_str()))
                .map_err(AppError::internal)?;
        }
        self.add_to_size(tenant, &sheet.id, -1)?;
        let owner = format!("{tenant}/{}", sheet.id);
        let id = record.id.as_str();
        self.history
            .retain_in(
                (owner.as_str(), id, 0)..=(owner.as_str(), id, u64::MAX),
                |_, _| false,
            )
            .map_err(AppError::internal)?;
        Ok(())
    }

    fn add_to_size(&mut self, tenant: &str, sheet: &str, by: i64) -> Result<(), AppError> {
        let key = format!("{tenant}/{sheet}");
        let size = self
            .sizes
            .get(key.as_str())
            .map_err(AppError::internal)?
            .map_or(0, |v| v.value());
        self.sizes
            .insert(key.as_str(), size.saturating_add_signed(by))
            .map_err(AppError::internal)?;
        Ok(())
    }

    /// Adds a change to a record's history and drops the oldest beyond
    /// [`MAX_CHANGES_KEPT`]. A record's entries are numbered 1, 2, … and
    /// only ever dropped from the front, so the first and last tell how
    /// many there are without reading them.
    fn add_change(
        &mut self,
        tenant: &str,
        sheet: &str,
        record: &str,
        change: &RecordChange,
    ) -> Result<(), AppError> {
        let owner = format!("{tenant}/{sheet}");
        let owner = owner.as_str();
        let (first, last) = {
            let mut range = self
                .history
                .range((owner, record, 0)..=(owner, record, u64::MAX))
                .map_err(AppError::internal)?;
            let first = range.next().transpose().map_err(AppError::internal)?;
            let last = range.next_back().transpose().map_err(AppError::internal)?;
            let first = first.map(|(k, _)| k.value().2);
            let last = last.map(|(k, _)| k.value().2).or(first);
            (first, last)
        };
        let next = last.map_or(1, |last| last + 1);
        self.history
            .insert((owner, record, next), to_json(change)?.as_slice())
            .map_err(AppError::internal)?;
        if let Some(first) = first {
            let kept = next - first + 1;
            let over = kept.saturating_sub(MAX_CHANGES_KEPT as u64);
            for number in first..first + over {
                self.history
                    .remove((owner, record, number))
                    .map_err(AppError::internal)?;
            }
        }
        Ok(())
    }
}

/// The ids of `sheet`'s records whose `field` holds `value` (canonical), in
/// id order, as `table` sees them. The id field is the record's key.
pub(crate) fn find_ids(
    records: &impl ReadableTable<&'static str, &'static [u8]>,
    index: &impl ReadableTable<(&'static str, &'static [u8], &'static str), ()>,
    tenant: &str,
    sheet: &Sheet,
    field: &str,
    value: &str,
) -> Result<Vec<String>, AppError> {
    let target = sheet.field(field);
    if target.is_none_or(|f| f.is_id) {
        let key = format!("{tenant}/{}/{value}", sheet.id);
        let exists = records
            .get(key.as_str())
            .map_err(AppError::internal)?
            .is_some();
        return Ok(if exists {
            vec![value.to_owned()]
        } else {
            Vec::new()
        });
    }
    let field_type = target.map_or(FieldType::Text, |f| f.field_type);
    let wanted = sort_key(field_type, value);
    let prefix = index_prefix(tenant, &sheet.id, field);
    let (_, ids) = holders(index, &prefix, Some(&wanted), usize::MAX)?;
    // A value longer than its sort key shares the key with every value that
    // starts the same: compare the stored values.
    if wanted.len() >= MAX_SORT_KEY_BYTES
        && let Some(at) = sheet.field_index(field)
    {
        let mut same = Vec::with_capacity(ids.len());
        for id in ids {
            let key = format!("{tenant}/{}/{id}", sheet.id);
            if let Some(bytes) = records.get(key.as_str()).map_err(AppError::internal)? {
                let values = decode_record(sheet, bytes.value())?;
                if values[at].as_deref() == Some(value) {
                    same.push(id);
                }
            }
        }
        return Ok(same);
    }
    Ok(ids)
}

/// How many records of `sheet` point at record `id` through `field`, and
/// the first `limit` of their ids.
pub(crate) fn linking_ids(
    index: &impl ReadableTable<(&'static str, &'static [u8], &'static str), ()>,
    tenant: &str,
    sheet: &Sheet,
    field: &str,
    id: &str,
    limit: usize,
) -> Result<(u64, Vec<String>), AppError> {
    let wanted = sort_key(FieldType::Relation, id);
    let prefix = index_prefix(tenant, &sheet.id, field);
    holders(index, &prefix, Some(&wanted), limit)
}

/// How many records hold a value in the index's field `prefix` — exactly
/// `value` (a sort key) when given — and the ids of the first `limit`.
fn holders(
    index: &impl ReadableTable<(&'static str, &'static [u8], &'static str), ()>,
    prefix: &str,
    value: Option<&[u8]>,
    limit: usize,
) -> Result<(u64, Vec<String>), AppError> {
    let beyond = format!("{prefix}\u{0}");
    let range = match value {
        Some(value) => index.range((prefix, value, "")..(prefix, value, "\u{10FFFF}")),
        None => index.range((prefix, &[][..], "")..(beyond.as_str(), &[][..], "")),
    };
    let mut count = 0;
    let mut ids = Vec::new();
    for entry in range.map_err(AppError::internal)? {
        let (key, _) = entry.map_err(AppError::internal)?;
        count += 1;
        if ids.len() < limit {
            ids.push(key.value().2.to_owned());
        }
    }
    Ok((count, ids))
}

/// What the values of a tenant's records hold, as a write transaction sees
/// them: how a change of the catalog is checked against the data.
pub trait FieldUsage {
    /// How many records `sheet` has.
    fn records(&self, sheet: &str) -> Result<u64, AppError>;
    /// How many records of `sheet` hold a value in `field`.
    fn holding(&self, sheet: &str, field: &str) -> Result<u64, AppError>;
    /// How many records of `sheet` hold `value` in the dropdown `field`.
    fn holding_value(&self, sheet: &str, field: &str, value: &str) -> Result<u64, AppError>;
}

impl FieldUsage for (&CrmTables<'_>, &str) {
    fn records(&self, sheet: &str) -> Result<u64, AppError> {
        let (tables, tenant) = *self;
        Ok(tables
            .sizes
            .get(format!("{tenant}/{sheet}").as_str())
            .map_err(AppError::internal)?
            .map_or(0, |v| v.value()))
    }

    fn holding(&self, sheet: &str, field: &str) -> Result<u64, AppError> {
        let (tables, tenant) = *self;
        let prefix = index_prefix(tenant, sheet, field);
        Ok(holders(&tables.index, &prefix, None, 0)?.0)
    }

    fn holding_value(&self, sheet: &str, field: &str, value: &str) -> Result<u64, AppError> {
        let (tables, tenant) = *self;
        let wanted = sort_key(FieldType::Dropdown, value);
        let prefix = index_prefix(tenant, sheet, field);
        Ok(holders(&tables.index, &prefix, Some(&wanted), 0)?.0)
    }
}

/// Where a page stopped: in the index of the sort field (its sort key and
/// the record id), or among the records without a value for it (by id).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    Indexed(Vec<u8>, String),
    Empty(String),
}

impl Cursor {
    fn encode(&self) -> String {
        match self {
            Cursor::Indexed(key, id) => format!("i{}.{id}", crate::ids::hex(key)),
            Cursor::Empty(id) => format!("e{id}"),
        }
    }

    fn decode(text: &str) -> Option<Cursor> {
        if let Some(id) = text.strip_prefix('e') {
            return Some(Cursor::Empty(id.to_owned()));
        }
        let (key, id) = text.strip_prefix('i')?.split_once('.')?;
        if key.len() % 2 != 0 || key.len() > MAX_SORT_KEY_BYTES * 2 + 4 {
            return None;
        }
        let bytes = (0..key.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(key.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Cursor::Indexed(bytes, id.to_owned()))
    }
}

/// The records of one sheet that point at a record through one relation
/// field: how many, and the first ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linking {
    /// The sheet they are of.
    pub sheet: String,
    /// Its relation field.
    pub field: String,
    /// How many.
    pub count: u64,
    /// The first ids, in id order.
    pub ids: Vec<String>,
}

/// A page of a sheet's records as the store found it.
pub struct FoundPage {
    /// The records, in order.
    pub records: Vec<SheetRecord>,
    /// Where the next page starts.
    pub next: Option<String>,
    /// Whether the search stopped at [`MAX_EXAMINED`] records.
    pub partial: bool,
}

/// 400 for a cursor this server did not write.
fn bad_cursor() -> AppError {
    AppError::bad_request(
        "bad_cursor",
        "ページの位置が読めません。最初のページから開き直してください。",
        "The page position cannot be read: open the first page again.",
    )
}

/// Reads the records screen's view of the store.
pub trait Records {
    /// How many records `sheet` has.
    fn record_count(&self, tenant: &str, sheet: &str) -> Result<u64, AppError>;
    /// One page of `sheet`'s records: sorted by `sort` (by id when `None`;
    /// empty values last in either direction), those `filter` matches,
    /// after the cursor `after`.
    fn record_page(
        &self,
        tenant: &str,
        sheet: &Sheet,
        sort: Option<&SortKey>,
        filter: Option<&RecordFilter>,
        after: Option<&str>,
    ) -> Result<FoundPage, AppError>;
    /// The records of `catalog` that point at `sheet`'s record `id`: per
    /// (sheet, relation field) with any, the count and the first `limit`
    /// ids.
    fn linking(
        &self,
        tenant: &str,
        catalog: &Catalog,
        sheet: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Linking>, AppError>;
    /// A record's changes, newest first.
    fn record_history(
        &self,
        tenant: &str,
        sheet: &str,
        id: &str,
    ) -> Result<Vec<RecordChange>, AppError>;
}

/// Opens a table for reading; a table never written reads as absent.
macro_rules! open_or {
    ($read:expr, $table:expr, $absent:expr) => {
        match $read.open_table($table) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok($absent),
            Err(error) => return Err(AppError::internal(error)),
        }
    };
}

impl Records for Store {
    fn record_count(&self, tenant: &str, sheet: &str) -> Result<u64, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let sizes = open_or!(read, CRM_SIZES, 0);
        Ok(sizes
            .get(format!("{tenant}/{sheet}").as_str())
            .map_err(AppError::internal)?
            .map_or(0, |v| v.value()))
    }

    fn record_page(
        &self,
        tenant: &str,
        sheet: &Sheet,
        sort: Option<&SortKey>,
        filter: Option<&RecordFilter>,
        after: Option<&str>,
    ) -> Result<FoundPage, AppError> {
        let empty = FoundPage {
            records: Vec::new(),
            next: None,
            partial: false,
        };
        let after = after
            .map(|text| Cursor::decode(text).ok_or_else(bad_cursor))
            .transpose()?;
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let records = open_or!(read, CRM_RECORDS, empty);
        let mut page = Paging {
            tenant,
            sheet,
            filter,
            records: &records,
            found: Vec::new(),
            examined: 0,
            stopped_at: None,
        };
        // By id: the records' own order (the id field is their key).
        let by_id = sort.is_none_or(|key| sheet.field(&key.field).is_none_or(|f| f.is_id));
        match sort {
            _ if by_id => {
                let from = match &after {
                    Some(Cursor::Empty(id)) => Some(id.as_str()),
                    Some(Cursor::Indexed(..)) => return Err(bad_cursor()),
                    None => None,
                };
                page.by_id(from, sort.is_some_and(|key| key.descending), None)?;
            }
            None => {}
            Some(key) => {
                let index = match read.open_table(CRM_INDEX) {
                    Ok(index) => Some(index),
                    Err(redb::TableError::TableDoesNotExist(_)) => None,
                    Err(error) => return Err(AppError::internal(error)),
                };
                let field = sheet.field_index(&key.field).unwrap_or(0);
                let in_empty = matches!(after, Some(Cursor::Empty(_)));
                if !in_empty && let Some(index) = &index {
                    let from = match &after {
                        Some(Cursor::Indexed(key, id)) => Some((key.as_slice(), id.as_str())),
                        _ => None,
                    };
                    page.by_index(index, &key.field, key.descending, from)?;
                }
                if !page.done() {
                    let from = match &after {
                        Some(Cursor::Empty(id)) => Some(id.as_str()),
                        _ => None,
                    };
                    page.by_id(from, false, Some(field))?;
                }
            }
        }
        Ok(page.finish())
    }

    fn linking(
        &self,
        tenant: &str,
        catalog: &Catalog,
        sheet: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Linking>, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let index = open_or!(read, CRM_INDEX, Vec::new());
        let mut found = Vec::new();
        for other in &catalog.sheets {
            for field in &other.fields {
                if field.relation_sheet.as_deref() != Some(sheet) {
                    continue;
                }
                let (count, ids) = linking_ids(&index, tenant, other, &field.id, id, limit)?;
                if count > 0 {
                    found.push(Linking {
                        sheet: other.id.clone(),
                        field: field.id.clone(),
                        count,
                        ids,
                    });
                }
            }
        }
        Ok(found)
    }

    fn record_history(
        &self,
        tenant: &str,
        sheet: &str,
        id: &str,
    ) -> Result<Vec<RecordChange>, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let history = open_or!(read, CRM_HISTORY, Vec::new());
        let owner = format!("{tenant}/{sheet}");
        let mut changes = Vec::new();
        for entry in history
            .range((owner.as_str(), id, 0)..=(owner.as_str(), id, u64::MAX))
            .map_err(AppError::internal)?
            .rev()
        {
            let (_, value) = entry.map_err(AppError::internal)?;
            changes.push(serde_json::from_slice(value.value()).map_err(AppError::internal)?);
        }
        Ok(changes)
    }
}

/// One page being gathered.
struct Paging<'p, T> {
    tenant: &'p str,
    sheet: &'p Sheet,
    filter: Option<&'p RecordFilter>,
    records: &'p T,
    /// The matching records with where each was.
    found: Vec<(SheetRecord, Cursor)>,
    examined: usize,
    /// Where the last record examined was, once the page is full or the
    /// search has examined its limit.
    stopped_at: Option<Cursor>,
}

impl<T: ReadableTable<&'static str, &'static [u8]>> Paging<'_, T> {
    fn done(&self) -> bool {
        self.stopped_at.is_some()
    }

    /// Looks at one record; says whether to go on.
    fn consider(&mut self, record: SheetRecord, at: Cursor) -> bool {
        self.examined += 1;
        let matches = self.filter.is_none_or(|f| f.matches(&record));
        if matches {
            self.found.push((record, at.clone()));
        }
        if self.found.len() > RECORDS_PAGE || self.examined >= MAX_EXAMINED {
            self.stopped_at = Some(at);
            return false;
        }
        true
    }

    fn read(&self, id: &str) -> Result<Option<SheetRecord>, AppError> {
        let key = format!("{}/{}/{id}", self.tenant, self.sheet.id);
        let Some(bytes) = self.records.get(key.as_str()).map_err(AppError::internal)? else {
            return Ok(None);
        };
        Ok(Some(SheetRecord {
            id: id.to_owned(),
            values: decode_record(self.sheet, bytes.value())?,
        }))
    }

    /// Records in id order (or its reverse) after `after`; with `empty_in`,
    /// only those without a value in that field.
    fn by_id(
        &mut self,
        after: Option<&str>,
        descending: bool,
        empty_in: Option<usize>,
    ) -> Result<(), AppError> {
        let prefix = format!("{}/{}/", self.tenant, self.sheet.id);
        // `0` sorts right after `/`: the end of this sheet's keys.
        let end = format!("{}/{}0", self.tenant, self.sheet.id);
        let start = after.map(|id| format!("{prefix}{id}"));
        let (low, high) = match (&start, descending) {
            (Some(start), false) => (
                Bound::Excluded(start.as_str()),
                Bound::Excluded(end.as_str()),
            ),
            (Some(start), true) => (
                Bound::Included(prefix.as_str()),
                Bound::Excluded(start.as_str()),
            ),
            (None, _) => (
                Bound::Included(prefix.as_str()),
                Bound::Excluded(end.as_str()),
            ),
        };
        let range = self
            .records
            .range::<&str>((low, high))
            .map_err(AppError::internal)?;
        let entries: Box<dyn Iterator<Item = _>> = if descending {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        for entry in entries {
            let (key, value) = entry.map_err(AppError::internal)?;
            let record = SheetRecord {
                id: key.value()[prefix.len()..].to_owned(),
                values: decode_record(self.sheet, value.value())?,
            };
            let has_value = |at: usize| record.values[at].as_deref().is_some_and(|v| !v.is_empty());
            if empty_in.is_some_and(has_value) {
                continue;
            }
            let at = Cursor::Empty(record.id.clone());
            if !self.consider(record, at) {
                break;
            }
        }
        Ok(())
    }

    /// Records with a value in `field`, in its order, after `after`.
    fn by_index(
        &mut self,
        index: &impl ReadableTable<(&'static str, &'static [u8], &'static str), ()>,
        field: &str,
        descending: bool,
        after: Option<(&[u8], &str)>,
    ) -> Result<(), AppError> {
        let prefix = index_prefix(self.tenant, &self.sheet.id, field);
        let beyond = format!("{prefix}\u{0}");
        let (low, high) = match (after, descending) {
            (Some(after), false) => (
                Bound::Excluded((prefix.as_str(), after.0, after.1)),
                Bound::Excluded((beyond.as_str(), &[][..], "")),
            ),
            (Some(after), true) => (
                Bound::Included((prefix.as_str(), &[][..], "")),
                Bound::Excluded((prefix.as_str(), after.0, after.1)),
            ),
            (None, _) => (
                Bound::Included((prefix.as_str(), &[][..], "")),
                Bound::Excluded((beyond.as_str(), &[][..], "")),
            ),
        };
        let range = index.range((low, high)).map_err(AppError::internal)?;
        let entries: Box<dyn Iterator<Item = _>> = if descending {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        for entry in entries {
            let (key, _) = entry.map_err(AppError::internal)?;
            let (_, value, id) = key.value();
            let at = Cursor::Indexed(value.to_vec(), id.to_owned());
            if let Some(record) = self.read(id)?
                && !self.consider(record, at)
            {
                break;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> FoundPage {
        // One match beyond the page tells that there is a next page, which
        // starts after the page's last record.
        let full = self.found.len() > RECORDS_PAGE;
        self.found.truncate(RECORDS_PAGE);
        let next = if full {
            self.found.last().map(|(_, at)| at.encode())
        } else {
            self.stopped_at.as_ref().map(Cursor::encode)
        };
        FoundPage {
            partial: !full && self.stopped_at.is_some(),
            records: self.found.into_iter().map(|(record, _)| record).collect(),
            next,
        }
    }
}
