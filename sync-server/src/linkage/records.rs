//! The records screen: each sheet's records a page at a time, sorted and
//! searched on the server (the search is an export condition's filter);
//! one record with the records that point at it and its change history;
//! deleting a record, refused while others point at it unless the admin
//! chooses to clear those links. CRM admins only.

use std::collections::BTreeMap;

use sheetlink_engine::Lang;
use sheetlink_engine::linkage::{Catalog, FieldType, RecordFilter, Sheet, SheetRecord};
use sheetlink_protocol::accounts::AuditAction;
use sheetlink_protocol::records::{
    ChangeKind, LinkedRecords, RELATED_SHOWN, RecordDeleted, RecordDetail, RecordLink, RecordPage,
    RecordQuery, RecordRef, RecordRow,
};

use crate::accounts::{audit_entry, named};
use crate::auth::Caller;
use crate::error::AppError;
use crate::ids::now;
use crate::store::{ChangedBy, Linkage, Records};

/// 404 for a sheet the catalog does not have.
pub(crate) fn no_sheet(sheet: &str) -> AppError {
    AppError::not_found(
        "unknown_sheet",
        format!("シート「{sheet}」はありません。"),
        format!("There is no sheet {sheet}."),
    )
}

/// 404 for a record that does not exist (any more).
fn no_record(sheet: &Sheet, id: &str) -> AppError {
    AppError::not_found(
        "no_such_record",
        format!(
            "{}「{id}」はありません。削除された可能性があります。一覧を読み込み直してください。",
            sheet.name
        ),
        format!(
            "There is no {} record {id}; it may have been deleted. Reload the list.",
            sheet.id
        ),
    )
}

fn sheet_of<'c>(catalog: &'c Catalog, sheet: &str) -> Result<&'c Sheet, AppError> {
    catalog.sheet(sheet).ok_or_else(|| no_sheet(sheet))
}

/// A record's title: its name field, else its id.
pub(super) fn title(sheet: &Sheet, record: &SheetRecord) -> String {
    sheet
        .fields
        .iter()
        .position(|field| field.is_name)
        .and_then(|index| record.values.get(index).cloned().flatten())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| record.id.clone())
}

/// Titles of the records `wanted` names (`(sheet, id)`), one look-up per
/// record, grouped by sheet.
fn titles(
    store: &impl Linkage,
    catalog: &Catalog,
    tenant: &str,
    wanted: &[(&str, &str)],
) -> Result<BTreeMap<(String, String), String>, AppError> {
    let mut by_sheet: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &(sheet, id) in wanted {
        by_sheet.entry(sheet).or_default().push(id);
    }
    let mut found = BTreeMap::new();
    for (sheet_id, mut ids) in by_sheet {
        let Some(sheet) = catalog.sheet(sheet_id) else {
            continue;
        };
        ids.sort_unstable();
        ids.dedup();
        for record in store.records_by_id(tenant, sheet, &ids)? {
            found.insert(
                (sheet_id.to_owned(), record.id.clone()),
                title(sheet, &record),
            );
        }
    }
    Ok(found)
}

fn reference(titles: &BTreeMap<(String, String), String>, sheet: &str, id: &str) -> RecordRef {
    let found = titles.get(&(sheet.to_owned(), id.to_owned()));
    RecordRef {
        sheet: sheet.to_owned(),
        id: id.to_owned(),
        title: found.cloned().unwrap_or_else(|| id.to_owned()),
        exists: found.is_some(),
    }
}

/// Records as the screen shows them, each relation named.
fn rows(
    store: &impl Linkage,
    catalog: &Catalog,
    tenant: &str,
    sheet: &Sheet,
    records: Vec<SheetRecord>,
) -> Result<Vec<RecordRow>, AppError> {
    let relations: Vec<(usize, &str, &str)> = sheet
        .fields
        .iter()
        .enumerate()
        .filter(|(_, field)| field.field_type == FieldType::Relation)
        .filter_map(|(index, field)| {
            Some((index, field.id.as_str(), field.relation_sheet.as_deref()?))
        })
        .collect();
    let wanted: Vec<(&str, &str)> = records
        .iter()
        .flat_map(|record| {
            relations.iter().filter_map(|&(index, _, related)| {
                Some((related, record.values.get(index)?.as_deref()?))
            })
        })
        .collect();
    let named = titles(store, catalog, tenant, &wanted)?;
    Ok(records
        .iter()
        .map(|record| RecordRow {
            id: record.id.clone(),
            title: title(sheet, record),
            links: relations
                .iter()
                .filter_map(|&(index, field, related)| {
                    let id = record.values.get(index)?.as_deref()?;
                    Some(RecordLink {
                        field: field.to_owned(),
                        target: reference(&named, related, id),
                    })
                })
                .collect(),
            values: record.values.clone(),
        })
        .collect())
}

/// One page of a sheet's records.
pub fn page(
    store: &(impl Linkage + Records),
    catalog: &Catalog,
    caller: &Caller,
    sheet_id: &str,
    query: &RecordQuery,
) -> Result<RecordPage, AppError> {
    super::api::require_admin(caller)?;
    let sheet = sheet_of(catalog, sheet_id)?;
    if let Some(sort) = &query.sort
        && sheet.field(&sort.field).is_none()
    {
        return Err(AppError::bad_request(
            "unknown_field",
            format!("{}に項目「{}」はありません。", sheet.name, sort.field),
            format!("The sheet {} has no field {}.", sheet.id, sort.field),
        ));
    }
    let filter = query
        .filter
        .as_ref()
        .map(|filter| RecordFilter::new(filter, sheet))
        .transpose()
        .map_err(super::api::condition_problems)?;
    let found = store.record_page(
        &caller.tenant,
        sheet,
        query.sort.as_ref(),
        filter.as_ref(),
        query.after.as_deref(),
    )?;
    Ok(RecordPage {
        total: store.record_count(&caller.tenant, &sheet.id)?,
        rows: rows(store, catalog, &caller.tenant, sheet, found.records)?,
        next: found.next,
        partial: found.partial,
    })
}

/// One record with what points at it and its history.
pub fn detail(
    store: &(impl Linkage + Records),
    catalog: &Catalog,
    caller: &Caller,
    sheet_id: &str,
    id: &str,
) -> Result<RecordDetail, AppError> {
    super::api::require_admin(caller)?;
    let sheet = sheet_of(catalog, sheet_id)?;
    let record = store
        .records_by_id(&caller.tenant, sheet, &[id])?
        .pop()
        .ok_or_else(|| no_record(sheet, id))?;
    let linking = store.linking(&caller.tenant, catalog, &sheet.id, id, RELATED_SHOWN)?;
    let wanted: Vec<(&str, &str)> = linking
        .iter()
        .flat_map(|l| l.ids.iter().map(|id| (l.sheet.as_str(), id.as_str())))
        .collect();
    let named = titles(store, catalog, &caller.tenant, &wanted)?;
    let linked = linking
        .iter()
        .map(|l| LinkedRecords {
            sheet: l.sheet.clone(),
            field: l.field.clone(),
            count: l.count,
            records: l
                .ids
                .iter()
                .map(|id| reference(&named, &l.sheet, id))
                .collect(),
        })
        .collect();
    let row = rows(store, catalog, &caller.tenant, sheet, vec![record])?
        .pop()
        .ok_or_else(|| AppError::internal("a record without its row"))?;
    Ok(RecordDetail {
        sheet: sheet.id.clone(),
        record: row,
        linked,
        history: store.record_history(&caller.tenant, &sheet.id, id)?,
    })
}

/// Deletes a record. While other records point at it the deletion is
/// refused (409, each sheet and field with its count) unless
/// `clear_links`: then those relations are emptied first, each change in
/// its record's history. The record, its index entries, its history and
/// the audit entry go in one transaction.
pub fn delete(
    store: &(impl Linkage + Records),
    catalog: &Catalog,
    caller: &Caller,
    sheet_id: &str,
    id: &str,
    clear_links: bool,
) -> Result<RecordDeleted, AppError> {
    super::api::require_admin(caller)?;
    let sheet = sheet_of(catalog, sheet_id)?;
    let pointing: Vec<(&Sheet, usize)> = catalog
        .sheets
        .iter()
        .flat_map(|other| {
            other
                .fields
                .iter()
                .enumerate()
                .filter(|(_, field)| field.relation_sheet.as_deref() == Some(sheet.id.as_str()))
                .map(move |(index, _)| (other, index))
        })
        .collect();
    store.write_crm(&caller.tenant, |tx| {
        let record = tx.record(sheet, id)?.ok_or_else(|| no_record(sheet, id))?;
        let mut links = Vec::new();
        for &(other, index) in &pointing {
            let field = &other.fields[index];
            let ids = tx.find(other, &field.id, id)?;
            if !ids.is_empty() {
                links.push((other, index, ids));
            }
        }
        let cleared: usize = links.iter().map(|(_, _, ids)| ids.len()).sum();
        if cleared > 0 && !clear_links {
            return Err(linked_refusal(sheet, &links));
        }
        let changed_by = ChangedBy {
            at: now(),
            by: &caller.member.name,
            run: None,
            row: None,
        };
        for (other, index, ids) in &links {
            for linking in ids {
                // The record itself may point at itself (its own parent).
                if other.id == sheet.id && linking == id {
                    continue;
                }
                let Some(before) = tx.record(other, linking)? else {
                    continue;
                };
                let mut after = before.clone();
                after.values[*index] = None;
                tx.put_record(
                    other,
                    Some(&before),
                    &after,
                    Some((changed_by, ChangeKind::LinkCleared)),
                )?;
            }
        }
        tx.delete_record(sheet, &record)?;
        let mut audit = named(
            audit_entry(
                caller,
                AuditAction::RecordDeleted,
                &format!("{}/{}", sheet.id, record.id),
                String::new(),
            ),
            &format!("{} {}", sheet.name, title(sheet, &record)),
        );
        audit.count = Some(cleared as u32);
        tx.audit(&audit)?;
        Ok(RecordDeleted {
            links_cleared: cleared as u64,
        })
    })
}

/// 409: other records point at the one to delete.
fn linked_refusal(sheet: &Sheet, links: &[(&Sheet, usize, Vec<String>)]) -> AppError {
    let list = |lang: Lang| {
        links
            .iter()
            .map(|(other, index, ids)| {
                let field = &other.fields[*index].label;
                match lang {
                    Lang::Ja => format!("{}の「{field}」{}件", other.name, ids.len()),
                    Lang::En => format!("{} {} ({field})", ids.len(), other.id),
                }
            })
            .collect::<Vec<_>>()
    };
    AppError::conflict(
        "record_linked",
        format!(
            "この{}を指しているレコードがあります（{}）。紐づきを外して削除するか、先にそれらのレコードを直してください。",
            sheet.name,
            list(Lang::Ja).join("、")
        ),
        format!(
            "Other records point at this {} record ({}): delete it clearing those links, or change those records first.",
            sheet.id,
            list(Lang::En).join(", ")
        ),
    )
    .with(
        "links",
        links
            .iter()
            .map(|(other, index, ids)| {
                serde_json::json!({
                    "sheet": other.id, "field": other.fields[*index].id, "count": ids.len(),
                })
            })
            .collect::<Vec<_>>(),
    )
}

/// An export of every field of `sheet`, headed by label (or id), in UTF-8
/// with BOM or Shift_JIS, formula protection on; a character Shift_JIS
/// cannot hold is written as `?` rather than refusing the file. What a
/// list's CSV and a sheet's import template are written with.
pub(super) fn every_field(
    sheet: &Sheet,
    shift_jis: bool,
    by_id: bool,
) -> sheetlink_engine::linkage::ExportCondition {
    use sheetlink_engine::linkage::{
        ExportColumn, ExportCondition, OutputEncoding, Unrepresentable,
    };
    ExportCondition {
        key: "every-field".into(),
        columns: sheet
            .fields
            .iter()
            .map(|field| {
                let header = if by_id { &field.id } else { &field.label };
                ExportColumn::new(header, &field.id)
            })
            .collect(),
        encoding: if shift_jis {
            OutputEncoding::ShiftJis
        } else {
            OutputEncoding::Utf8Bom
        },
        unrepresentable: Unrepresentable::Replace,
        ..ExportCondition::new(&sheet.id)
    }
}

/// A sheet's import template (雛形): one header row naming every field —
/// by its label, or by its id with `by_id` — in UTF-8 with BOM or
/// Shift_JIS, formula protection on; what a manual import or a condition's
/// sample file starts from.
pub fn template(
    catalog: &Catalog,
    caller: &Caller,
    sheet_id: &str,
    shift_jis: bool,
    by_id: bool,
) -> Result<Vec<u8>, AppError> {
    super::api::require_admin(caller)?;
    let sheet = sheet_of(catalog, sheet_id)?;
    let written = sheetlink_engine::linkage::export(
        &every_field(sheet, shift_jis, by_id),
        catalog,
        &[],
        &sheetlink_engine::linkage::RelatedValues::none(),
    )
    .map_err(super::api::condition_problems)?;
    Ok(written.bytes)
}
