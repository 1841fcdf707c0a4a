//! Lists (リスト): the records an import condition's after-import action
//! added, made readable — each list with its count per sheet, its records a
//! page at a time (named, and marked when the record no longer exists),
//! entries taken out or all of them (the list's name stays, to be picked
//! again), and one sheet's records of a list exported as CSV. CRM admins
//! only; every change is audited in its transaction.

use std::collections::BTreeMap;

use sheetlink_engine::linkage::{Catalog, RelatedValues, export};
use sheetlink_protocol::accounts::AuditAction;
use sheetlink_protocol::linkage::{LIST_PAGE, ListEntry, ListPage, ListSheet, ListSummary};

use crate::accounts::{audit_entry, named};
use crate::auth::Caller;
use crate::error::AppError;
use crate::store::{Linkage, ListHead};

/// The most entries one removal names.
pub const MAX_REMOVED: usize = 10_000;

fn no_such_list(name: &str) -> AppError {
    AppError::not_found(
        "no_such_list",
        format!("リスト「{name}」はありません。一覧を読み込み直してください。"),
        format!("There is no list \"{name}\": reload the lists."),
    )
}

/// `(sheet, record id)` of an entry `{sheet}/{record id}`.
fn split(entry: &str) -> (&str, &str) {
    entry.split_once('/').unwrap_or(("", entry))
}

fn summary(catalog: &Catalog, name: &str, head: &ListHead) -> ListSummary {
    let mut per_sheet: BTreeMap<&str, u32> = head
        .per_sheet
        .iter()
        .map(|(sheet, count)| (sheet.as_str(), *count))
        .collect();
    // Catalog order, then sheets the catalog no longer has.
    let mut sheets: Vec<ListSheet> = catalog
        .sheets
        .iter()
        .filter_map(|sheet| {
            per_sheet.remove(sheet.id.as_str()).map(|count| ListSheet {
                sheet: sheet.id.clone(),
                label: sheet.name.clone(),
                count,
            })
        })
        .collect();
    sheets.extend(per_sheet.into_iter().map(|(sheet, count)| ListSheet {
        sheet: sheet.to_owned(),
        label: sheet.to_owned(),
        count,
    }));
    ListSummary {
        name: name.to_owned(),
        count: head.count(),
        sheets,
    }
}

/// Every list with its counts.
pub fn summaries(
    store: &impl Linkage,
    catalog: &Catalog,
    caller: &Caller,
) -> Result<Vec<ListSummary>, AppError> {
    super::api::require_admin(caller)?;
    Ok(store
        .lists(&caller.tenant)?
        .iter()
        .map(|(name, head)| summary(catalog, name, head))
        .collect())
}

/// One page of a list's records, from entry `offset` on.
pub fn page(
    store: &impl Linkage,
    catalog: &Catalog,
    caller: &Caller,
    name: &str,
    offset: usize,
) -> Result<ListPage, AppError> {
    super::api::require_admin(caller)?;
    // This page of this list only.
    let (head, shown) = store
        .list_page(&caller.tenant, name, offset, LIST_PAGE)?
        .ok_or_else(|| no_such_list(name))?;
    // One look-up per shown record, grouped by sheet.
    let mut titles: BTreeMap<(&str, &str), String> = BTreeMap::new();
    let mut by_sheet: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for entry in &shown {
        let (sheet, id) = split(entry);
        by_sheet.entry(sheet).or_default().push(id);
    }
    for (sheet_id, ids) in &by_sheet {
        let Some(sheet) = catalog.sheet(sheet_id) else {
            continue;
        };
        for record in store.records_by_id(&caller.tenant, sheet, ids)? {
            let text = super::records::title(sheet, &record);
            if let Some(&id) = ids.iter().find(|id| **id == record.id) {
                titles.insert((sheet_id, id), text);
            }
        }
    }
    let entries_shown = shown
        .iter()
        .map(|entry| {
            let (sheet, id) = split(entry);
            let found = titles.get(&(sheet, id));
            ListEntry {
                sheet: sheet.to_owned(),
                sheet_label: catalog
                    .sheet(sheet)
                    .map_or_else(|| sheet.to_owned(), |s| s.name.clone()),
                id: id.to_owned(),
                title: found.cloned().unwrap_or_else(|| id.to_owned()),
                exists: found.is_some(),
            }
        })
        .collect();
    Ok(ListPage {
        summary: summary(catalog, name, &head),
        offset: offset as u32,
        entries: entries_shown,
    })
}

/// Takes `removed` entries out of a list (all of them with `None`: clear).
pub fn remove(
    store: &(impl Linkage + crate::store::Accounts),
    catalog: &Catalog,
    caller: &Caller,
    name: &str,
    removed: Option<&[String]>,
) -> Result<ListSummary, AppError> {
    super::api::require_admin(caller)?;
    if removed.is_some_and(|r| r.len() > MAX_REMOVED) {
        return Err(AppError::bad_request(
            "too_many",
            format!("一度に外せるのは{MAX_REMOVED}件までです。"),
            format!("At most {MAX_REMOVED} entries at once."),
        ));
    }
    let head = store.remove_from_list(&caller.tenant, name, removed, |gone| {
        let mut audit = named(
            audit_entry(caller, AuditAction::ListChanged, name, String::new()),
            name,
        );
        audit.count = Some(gone);
        audit
    })?;
    head.map(|head| summary(catalog, name, &head))
        .ok_or_else(|| no_such_list(name))
}

/// The records of `sheet_id` in a list as CSV: every field, headed by its
/// label, in the order the records were added; formula protection on.
pub fn export_sheet(
    store: &impl Linkage,
    catalog: &Catalog,
    caller: &Caller,
    name: &str,
    sheet_id: &str,
    shift_jis: bool,
) -> Result<Vec<u8>, AppError> {
    super::api::require_admin(caller)?;
    let entries = store
        .list(&caller.tenant, name)?
        .ok_or_else(|| no_such_list(name))?;
    let sheet = catalog.sheet(sheet_id).ok_or_else(|| {
        AppError::bad_request(
            "unknown_sheet",
            format!("シート「{sheet_id}」はありません。"),
            format!("There is no sheet {sheet_id}."),
        )
    })?;
    let ids: Vec<&str> = entries
        .iter()
        .map(|entry| split(entry))
        .filter(|(sheet, _)| *sheet == sheet_id)
        .map(|(_, id)| id)
        .collect();
    let records = store.records_by_id(&caller.tenant, sheet, &ids)?;
    let condition = super::records::every_field(sheet, shift_jis, false);
    let written = export(&condition, catalog, &records, &RelatedValues::none())
        .map_err(super::api::condition_problems)?;
    Ok(written.bytes)
}
