//! The evaluation sheets as the import screens see them: the period and
//! sheet a request names, the items and evaluatees the caller may write,
//! the schema for checking a file offline, the template and the history.
//! Handlers call these; they read the store and decide with `permissions`.

use sheetlink_engine::evaluation::{SheetSchema, TemplateRow, write_template};
use sheetlink_protocol::evaluation::HistoryLine;
use sheetlink_protocol::org::{ItemType, ItemView};

use crate::auth::Caller;
use crate::error::AppError;
use crate::model::{CustomizeSheet, Member, Period, SheetItem, UserSheet};
use crate::permissions::{may_see_period, may_write, writable_items};
use crate::store::{Evaluations, Organisation};

/// How many imports the history lists.
pub const HISTORY_LINES: usize = 100;

/// The period and published sheet a request names, if the caller may see them.
pub fn period_and_sheet(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<(Period, CustomizeSheet), AppError> {
    let period = store
        .period(&caller.tenant, period)?
        .filter(|p| may_see_period(&caller.member, p))
        .ok_or_else(no_period)?;
    let sheet = store
        .sheet(&caller.tenant, sheet)?
        .filter(|s| s.published)
        .ok_or_else(|| {
            AppError::not_found(
                "unknown_sheet",
                "指定されたシートは公開されていないか、存在しません。テンプレート画面で期間とシートを選び直してください。",
                "No published sheet has this id. Pick the period and the sheet again on the template page.",
            )
        })?;
    Ok((period, sheet))
}

/// 404 for a period that does not exist or is not the caller's.
pub fn no_period() -> AppError {
    AppError::not_found(
        "unknown_period",
        "指定された評価期間はありません。期間を選び直してください。",
        "No such evaluation period. Pick the period again.",
    )
}

/// Members with a sheet in (period, sheet) that the caller may write for
/// every one of `items`, in member-id order.
fn writable_evaluatees(
    store: &impl Organisation,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    items: &[&SheetItem],
) -> Result<Vec<(Member, UserSheet)>, AppError> {
    // The tenant's members in one scan, not one read per user sheet.
    let mut members: std::collections::HashMap<String, Member> = store
        .members(&caller.tenant)?
        .into_iter()
        .map(|member| (member.id.clone(), member))
        .collect();
    let mut out = Vec::new();
    for (member_id, user_sheet) in store.user_sheets(&caller.tenant, &period.id, &sheet.id)? {
        let Some(member) = members.remove(&member_id) else {
            continue;
        };
        if member.evaluatee_key().is_some()
            && may_write(&caller.member, period, &member, user_sheet.status, items)
        {
            out.push((member, user_sheet));
        }
    }
    Ok(out)
}

/// The importable items of `sheet` the caller's role may write.
pub fn items(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<Vec<ItemView>, AppError> {
    let (_, sheet) = period_and_sheet(store, caller, period, sheet)?;
    Ok(writable_items(&caller.member, &sheet)
        .into_iter()
        .filter_map(|item| item.importable.as_ref())
        .map(|item| ItemView {
            id: item.id.clone(),
            caption: item.caption(),
            item_type: ItemType::from(&item.kind),
        })
        .collect())
}

/// The engine's schema for checking a file offline: the items the caller
/// may write and the evaluatees in the caller's scope.
pub fn schema(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<SheetSchema, AppError> {
    let (period, sheet) = period_and_sheet(store, caller, period, sheet)?;
    let items = writable_items(&caller.member, &sheet);
    // Scope only (no status condition): a status may change between
    // download and import, and the server checks it at import time.
    let in_scope = writable_evaluatees(store, caller, &period, &sheet, &[])?;
    Ok(SheetSchema {
        period: period.id,
        sheet: sheet.id.clone(),
        items: items
            .into_iter()
            .filter_map(|item| item.importable.clone())
            .collect(),
        evaluatees: Some(
            in_scope
                .iter()
                .filter_map(|(m, _)| m.evaluatee_key().map(str::to_owned))
                .collect(),
        ),
    })
}

/// The template of `items` with current values, for the evaluatees the
/// caller may write: its file name and bytes.
pub fn template(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
    items: &[String],
) -> Result<(String, Vec<u8>), AppError> {
    let (period, sheet) = period_and_sheet(store, caller, period, sheet)?;
    if !period.open {
        return Err(AppError::forbidden(
            "period_closed",
            "この評価期間は締め切られているため、テンプレートは作成できません（一括登録の対象外です）。",
            "This evaluation period is closed: it takes no bulk registration, so there is no template.",
        ));
    }
    let writable = writable_items(&caller.member, &sheet);
    let mut chosen = Vec::with_capacity(items.len());
    for id in items {
        match writable.iter().find(|item| item.id() == id) {
            Some(item) => chosen.push(*item),
            None => {
                return Err(AppError::bad_request(
                    "unknown_item",
                    format!(
                        "項目「{id}」は存在しないか、記入権限がありません。項目を選び直してください。"
                    ),
                    format!(
                        "Item \"{id}\" does not exist or you may not write it. Pick the items again."
                    ),
                ));
            }
        }
    }
    let evaluatees = writable_evaluatees(store, caller, &period, &sheet, &chosen)?;
    let schema = SheetSchema {
        period: period.id.clone(),
        sheet: sheet.id.clone(),
        items: chosen
            .iter()
            .filter_map(|item| item.importable.clone())
            .collect(),
        evaluatees: None,
    };
    let ids: Vec<&str> = items.iter().map(String::as_str).collect();
    let rows = evaluatees.iter().map(|(member, user_sheet)| TemplateRow {
        name: &member.name,
        key: member.evaluatee_key().unwrap_or_default(),
        values: ids
            .iter()
            .map(|id| user_sheet.values.get(*id).map(String::as_str))
            .collect(),
    });
    let bytes = write_template(&schema, &ids, rows).map_err(|e| {
        AppError::bad_request(
            "template_refused",
            e.message(sheetlink_engine::Lang::Ja),
            e.message(sheetlink_engine::Lang::En),
        )
    })?;
    Ok((format!("template_{}_{}.csv", period.id, sheet.id), bytes))
}

/// The names of a period and a sheet (empty for one deleted since).
pub fn names(
    store: &impl Organisation,
    tenant: &str,
    period: &str,
    sheet: &str,
) -> Result<(String, String), AppError> {
    let period_name = store
        .period(tenant, period)?
        .map(|p| p.name)
        .unwrap_or_default();
    let sheet_name = store
        .sheet(tenant, sheet)?
        .map(|s| s.name)
        .unwrap_or_default();
    Ok((period_name, sheet_name))
}

/// The latest [`HISTORY_LINES`] imports of the tenant, newest first, with
/// the names of their periods and sheets (never their errors).
pub fn history(
    store: &(impl Evaluations + Organisation),
    caller: &Caller,
) -> Result<Vec<HistoryLine>, AppError> {
    let tenant = caller.tenant.as_str();
    let mut records = Vec::with_capacity(HISTORY_LINES);
    store.imports_newest_first(tenant, &mut |record| {
        records.push(record);
        records.len() < HISTORY_LINES
    })?;
    let mut lines = Vec::with_capacity(records.len());
    for record in records {
        let (period_name, sheet_name) = names(store, tenant, &record.period, &record.sheet)?;
        let may_open = crate::imports::may_open(caller, &record);
        let error_count = record.error_count();
        lines.push(HistoryLine {
            file_name: record.file_name,
            counts: record.counts,
            cells: record.cells,
            error_count,
            reverted_at: record.reverted_at,
            may_open,
            id: record.id,
            status: record.status,
            period: record.period,
            period_name,
            sheet: record.sheet,
            sheet_name,
            started_at: record.started_at,
            ended_at: record.ended_at,
            operator_name: record.operator_name,
        });
    }
    Ok(lines)
}
