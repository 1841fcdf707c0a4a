//! The columns of the file (header and field) and the sort keys.

use leptos::prelude::*;
use sheetlink_engine::linkage::{Catalog, ExportColumn, ExportCondition, SortKey};

use crate::components::TableBox;
use crate::components::field_options;
use crate::i18n::{t, use_lang};

/// The columns, each with its header name, and "Add a column".
#[component]
pub fn Columns(
    /// The condition edited.
    condition: RwSignal<ExportCondition>,
    /// The sheet's fields, as `(id, label)`.
    fields: Signal<Vec<(String, String)>>,
    /// The CRM's sheets, for what a relation column may write.
    catalog: StoredValue<Catalog>,
) -> impl IntoView {
    // For a relation field: the related sheet's fields that identify a
    // record, `(id, label)`, the id first (what the column writes by
    // default).
    let relation_keys = move |field: &str| -> Option<Vec<(String, String)>> {
        let sheet = condition.with_untracked(|c| c.sheet.clone());
        catalog.with_value(|c| {
            let related = c.sheet(&sheet)?.field(field)?.relation_sheet.clone()?;
            let target = c.sheet(&related)?;
            Some(
                target
                    .fields
                    .iter()
                    .filter(|f| f.can_identify_relation())
                    .map(|f| (f.id.clone(), f.label.clone()))
                    .collect(),
            )
        })
    };
    let add = move |_| {
        if let Some((id, label)) = fields.get_untracked().into_iter().next() {
            condition.update(|c| {
                c.columns.push(ExportColumn {
                    header: label,
                    field: id,
                    relation_key: None,
                })
            });
        }
    };
    let lang = use_lang();
    view! {
        <h2>{t("項目", "Columns")}</h2>
        <TableBox label=t("項目", "Columns")>
        <table data-testid="export-columns">
            <thead><tr><th>{t("見出し", "Header")}</th><th>{t("出力する項目", "Field")}</th><th>{t("紐づき先の出力値", "Related record as")}</th><th><span class="visually-hidden">{t("削除", "Remove")}</span></th></tr></thead>
            <tbody>
            {move || condition.get().columns.into_iter().enumerate().map(|(i, column)| view! {
                <tr>
                    <td><input class="column-header" data-testid="column-header" aria-label=move || lang.get().pick(format!("{}列目の見出し", i + 1), format!("Header of column {}", i + 1)) prop:value=column.header.clone() on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.columns[i].header = v); }/></td>
                    <td><select class="column-field" data-testid="column-field" aria-label=move || lang.get().pick(format!("{}列目に出力する項目", i + 1), format!("Field of column {}", i + 1)) on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| { c.columns[i].field = v; c.columns[i].relation_key = None; }); }>{field_options(&fields.get(), &column.field)}</select></td>
                    <td>{match relation_keys(&column.field) {
                        Some(keys) => {
                            let chosen = column.relation_key.clone().unwrap_or_else(|| "id".into());
                            view! {
                                <select data-testid="column-relation-key" aria-label=move || lang.get().pick(format!("{}列目の紐づき先の出力値", i + 1), format!("What column {} writes of the related record", i + 1)) on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.columns[i].relation_key = (v != "id").then_some(v)); }>
                                    {field_options(&keys, &chosen)}
                                </select>
                            }.into_any()
                        }
                        None => view! { <span class="muted">"—"</span> }.into_any(),
                    }}</td>
                    <td><button class="link" aria-label=move || lang.get().pick(format!("{}列目を削除", i + 1), format!("Remove column {}", i + 1)) on:click=move |_| condition.update(|c| { c.columns.remove(i); })>{t("削除", "Remove")}</button></td>
                </tr>
            }).collect_view()}
            </tbody>
        </table>
        </TableBox>
        <button data-testid="add-column" on:click=add>{t("行の追加", "Add a column")}</button>
    }
}

/// The sort keys, and "Add a sort key".
#[component]
pub fn SortKeys(
    /// The condition edited.
    condition: RwSignal<ExportCondition>,
    /// The sheet's fields, as `(id, label)`.
    fields: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <h2>{t("ソートキー", "Sort keys")}</h2>
        <table data-testid="sort-keys">
            <thead><tr><th>{t("並べる項目", "Field")}</th><th>{t("順序", "Order")}</th><th><span class="visually-hidden">{t("削除", "Remove")}</span></th></tr></thead>
            <tbody>
            {move || condition.get().sort.into_iter().enumerate().map(|(i, key)| view! {
                <tr>
                    <td><select data-testid="sort-field" aria-label=move || lang.get().pick(format!("ソートキー{}の項目", i + 1), format!("Field of sort key {}", i + 1)) on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.sort[i].field = v); }>{field_options(&fields.get(), &key.field)}</select></td>
                    <td><select data-testid="sort-order" aria-label=move || lang.get().pick(format!("ソートキー{}の順序", i + 1), format!("Order of sort key {}", i + 1)) on:change=move |ev| { let desc = event_target_value(&ev) == "desc"; condition.update(|c| c.sort[i].descending = desc); }>
                        <option value="asc" selected=!key.descending>{t("昇順", "Ascending")}</option>
                        <option value="desc" selected=key.descending>{t("降順", "Descending")}</option>
                    </select></td>
                    <td><button class="link" aria-label=move || lang.get().pick(format!("ソートキー{}を削除", i + 1), format!("Remove sort key {}", i + 1)) on:click=move |_| condition.update(|c| { c.sort.remove(i); })>{t("削除", "Remove")}</button></td>
                </tr>
            }).collect_view()}
            </tbody>
        </table>
        <button data-testid="add-sort" on:click=move |_| condition.update(|c| c.sort.push(SortKey { field: "id".into(), descending: false }))>{t("ソートキーを追加", "Add a sort key")}</button>
    }
}
