//! The export-condition wizard: key, encoding, description, a search
//! condition, columns with header names, sort keys, and a preview of the
//! first rows from the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use sheetlink_engine::linkage::{
    Comparison, ExportColumn, ExportCondition, ExportPreview, Filter, OutputEncoding, SortKey,
    Unrepresentable, crm_catalog,
};
use sheetlink_protocol::linkage::AfterExport;

use crate::api::{self, segment};
use crate::app::SignedIn;
use crate::i18n::{t, use_lang};
use crate::components::Notifications;

type Stored = sheetlink_protocol::linkage::StoredExportCondition;

/// One comparison of the search-condition builder.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    field: String,
    comparison: Comparison,
    value: String,
}

const COMPARISONS: [(Comparison, &str, &str, &str); 6] = [
    (Comparison::Equals, "equals", "と等しい", "equals"),
    (Comparison::Contains, "contains", "を含む", "contains"),
    (
        Comparison::Before,
        "before",
        "より前（小さい）",
        "before / less than",
    ),
    (
        Comparison::After,
        "after",
        "より後（大きい）",
        "after / greater than",
    ),
    (Comparison::Empty, "empty", "が空", "is empty"),
    (
        Comparison::NotEmpty,
        "not_empty",
        "が空でない",
        "is not empty",
    ),
];

fn filter_of(rules: &[Rule], any: bool) -> Option<Filter> {
    let compares: Vec<Filter> = rules
        .iter()
        .map(|r| Filter::Compare {
            field: r.field.clone(),
            comparison: r.comparison,
            value: r.value.clone(),
        })
        .collect();
    match compares.len() {
        0 => None,
        _ if any => Some(Filter::Any(compares)),
        _ => Some(Filter::All(compares)),
    }
}

fn rules_of(filter: Option<&Filter>) -> (Vec<Rule>, bool) {
    let (list, any) = match filter {
        None => return (Vec::new(), false),
        Some(Filter::All(list)) => (list.as_slice(), false),
        Some(Filter::Any(list)) => (list.as_slice(), true),
        Some(single) => (std::slice::from_ref(single), false),
    };
    let rules = list
        .iter()
        .filter_map(|f| match f {
            Filter::Compare {
                field,
                comparison,
                value,
            } => Some(Rule {
                field: field.clone(),
                comparison: *comparison,
                value: value.clone(),
            }),
            _ => None,
        })
        .collect();
    (rules, any)
}

/// `/linkage/export/new` and `/linkage/export/:key`.
#[component]
pub fn ExportWizardPage() -> impl IntoView {
    view! {
        <SignedIn>
            <ExportWizard/>
        </SignedIn>
    }
}

#[component]
fn ExportWizard() -> impl IntoView {
    let lang = use_lang();
    let editing = use_params_map().with_untracked(|p| p.get("key"));
    let catalog = StoredValue::new(crm_catalog());
    let condition = RwSignal::new(ExportCondition {
        key: String::new(),
        description: String::new(),
        sheet: "customer".into(),
        encoding: OutputEncoding::ShiftJis,
        filter: None,
        columns: vec![
            ExportColumn {
                header: "顧客ID".into(),
                field: "id".into(),
            },
            ExportColumn {
                header: "顧客名".into(),
                field: "name".into(),
            },
        ],
        sort: vec![SortKey {
            field: "id".into(),
            descending: false,
        }],
        formula_protection: true,
        unrepresentable: Unrepresentable::Refuse,
    });
    let rules = RwSignal::new(Vec::<Rule>::new());
    let any = RwSignal::new(false);
    let notify = RwSignal::new(Vec::<String>::new());
    let emails = RwSignal::new(Vec::<String>::new());
    let preview = RwSignal::new(None::<ExportPreview>);
    let message = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    if let Some(key) = editing.clone() {
        spawn_local(async move {
            match api::get::<Stored>(&format!("/api/linkage/export-conditions/{}", segment(&key)))
                .await
            {
                Ok(stored) => {
                    let (found, is_any) = rules_of(stored.condition.filter.as_ref());
                    rules.set(found);
                    any.set(is_any);
                    notify.set(stored.after.notify_members);
                    emails.set(stored.after.emails);
                    condition.set(stored.condition);
                }
                Err(error) => message.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    }
    let current = move || {
        let mut c = condition.get_untracked();
        c.filter = filter_of(&rules.get_untracked(), any.get_untracked());
        c
    };
    let show_preview = move |_| {
        let c = current();
        spawn_local(async move {
            match api::post::<_, ExportPreview>("/api/linkage/export-preview", &c).await {
                Ok(found) => {
                    preview.set(Some(found));
                    message.set(None);
                }
                Err(error) => message.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    };
    let save = move |_| {
        let stored = Stored {
            condition: current(),
            after: AfterExport {
                notify_members: notify.get_untracked(),
                emails: emails.get_untracked(),
            },
        };
        let editing = editing.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let outcome = match &editing {
                Some(key) => {
                    api::put::<_, serde_json::Value>(
                        &format!("/api/linkage/export-conditions/{}", segment(key)),
                        &stored,
                    )
                    .await
                }
                None => {
                    api::post::<_, serde_json::Value>("/api/linkage/export-conditions", &stored)
                        .await
                }
            };
            match outcome {
                Ok(_) => navigate("/linkage", Default::default()),
                Err(error) => message.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    };
    let fields = move || {
        catalog.with_value(|c| {
            c.sheet(&condition.with(|c| c.sheet.clone()))
                .map(|s| s.fields.clone())
                .unwrap_or_default()
        })
    };
    let field_options = move |selected: String| {
        fields()
            .into_iter()
            .map(|f| {
                let is = f.id == selected;
                view! { <option value=f.id.clone() selected=is>{f.label.clone()}</option> }
            })
            .collect_view()
    };

    view! {
        <section class="card wizard">
            <h1>{t("エクスポート条件設定", "Export condition")}</h1>
            {move || message.get().map(|m| view! { <p class="error" role="alert" data-testid="export-message">{m}</p> })}
            <div class="row">
                <label>{t("エクスポートキー", "Export key")}<input data-testid="export-key" prop:value=move || condition.with(|c| c.key.clone()) on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.key = v); }/></label>
                <label>{t("エンコード", "Encoding")}
                    <select data-testid="export-encoding" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.encoding = match v.as_str() { "utf8" => OutputEncoding::Utf8, "utf8_bom" => OutputEncoding::Utf8Bom, _ => OutputEncoding::ShiftJis }); }>
                        <option value="shift_jis" selected=move || condition.with(|c| c.encoding == OutputEncoding::ShiftJis)>"Shift_JIS"</option>
                        <option value="utf8_bom" selected=move || condition.with(|c| c.encoding == OutputEncoding::Utf8Bom)>{t("UTF-8（BOM付き）", "UTF-8 with BOM")}</option>
                        <option value="utf8" selected=move || condition.with(|c| c.encoding == OutputEncoding::Utf8)>"UTF-8"</option>
                    </select>
                </label>
                <label>{t("シート", "Sheet")}
                    <select data-testid="export-sheet" on:change=move |ev| { let v = event_target_value(&ev); rules.set(Vec::new()); condition.update(|c| { c.sheet = v; c.columns.clear(); c.sort.clear(); }); }>
                        {catalog.with_value(|c| c.sheets.iter().map(|s| { let id = s.id.clone(); view! { <option value=id.clone() selected=move || condition.with(|c| c.sheet == id)>{s.name.clone()}</option> } }).collect_view())}
                    </select>
                </label>
            </div>
            <label>{t("説明", "Description")}<input data-testid="export-description" prop:value=move || condition.with(|c| c.description.clone()) on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.description = v); }/></label>

            <h2>{t("条件指定", "Search condition")}</h2>
            <label class="inline"><input type="checkbox" data-testid="filter-any" prop:checked=any on:change=move |ev| any.set(event_target_checked(&ev))/>{t("いずれかに一致（オフ: すべてに一致）", "Match any (off: match all)")}</label>
            <table data-testid="filter-rules"><tbody>
                {move || rules.get().into_iter().enumerate().map(|(i, r)| view! {
                    <tr>
                        <td><select on:change=move |ev| { let v = event_target_value(&ev); rules.update(|r| r[i].field = v); }>{field_options(r.field.clone())}</select></td>
                        <td><select on:change=move |ev| { let v = event_target_value(&ev); if let Some((c, ..)) = COMPARISONS.iter().find(|(_, id, ..)| *id == v) { let c = *c; rules.update(|r| r[i].comparison = c); } }>
                            {COMPARISONS.iter().map(|(c, id, ja, en)| { let selected = *c == r.comparison; view! { <option value=*id selected=selected>{t(ja, en)}</option> } }).collect_view()}
                        </select></td>
                        <td><input class="rule-value" prop:value=r.value.clone() on:input=move |ev| { let v = event_target_value(&ev); rules.update(|r| r[i].value = v); }/></td>
                        <td><button class="link" on:click=move |_| rules.update(|r| { r.remove(i); })>{t("削除", "Remove")}</button></td>
                    </tr>
                }).collect_view()}
            </tbody></table>
            <button data-testid="add-rule" on:click=move |_| rules.update(|r| r.push(Rule { field: "name".into(), comparison: Comparison::Contains, value: String::new() }))>{t("条件を追加", "Add a condition")}</button>

            <h2>{t("項目", "Columns")}</h2>
            <table data-testid="export-columns"><tbody>
                {move || condition.get().columns.into_iter().enumerate().map(|(i, column)| view! {
                    <tr>
                        <td><input class="column-header" prop:value=column.header.clone() on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.columns[i].header = v); }/></td>
                        <td><select class="column-field" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.columns[i].field = v); }>{field_options(column.field.clone())}</select></td>
                        <td><button class="link" on:click=move |_| condition.update(|c| { c.columns.remove(i); })>{t("削除", "Remove")}</button></td>
                    </tr>
                }).collect_view()}
            </tbody></table>
            <button data-testid="add-column" on:click=move |_| { let first = fields().first().cloned(); if let Some(f) = first { condition.update(|c| c.columns.push(ExportColumn { header: f.label.clone(), field: f.id.clone() })); } }>{t("行の追加", "Add a column")}</button>

            <h2>{t("ソートキー", "Sort keys")}</h2>
            <table data-testid="sort-keys"><tbody>
                {move || condition.get().sort.into_iter().enumerate().map(|(i, key)| view! {
                    <tr>
                        <td><select on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.sort[i].field = v); }>{field_options(key.field.clone())}</select></td>
                        <td><select on:change=move |ev| { let desc = event_target_value(&ev) == "desc"; condition.update(|c| c.sort[i].descending = desc); }>
                            <option value="asc" selected=!key.descending>{t("昇順", "Ascending")}</option>
                            <option value="desc" selected=key.descending>{t("降順", "Descending")}</option>
                        </select></td>
                        <td><button class="link" on:click=move |_| condition.update(|c| { c.sort.remove(i); })>{t("削除", "Remove")}</button></td>
                    </tr>
                }).collect_view()}
            </tbody></table>
            <button data-testid="add-sort" on:click=move |_| condition.update(|c| c.sort.push(SortKey { field: "id".into(), descending: false }))>{t("ソートキーを追加", "Add a sort key")}</button>

            <h2>{t("エクスポート後のアクション", "After export")}</h2>
            <Notifications members=notify emails=emails/>
            <div class="row">
                <button data-testid="export-preview" on:click=show_preview>{t("プレビュー（サーバーの現在のデータ）", "Preview (the server's current data)")}</button>
                <button class="primary" data-testid="save-export" on:click=save>{t("完了", "Save")}</button>
            </div>
            {move || preview.get().map(|p| view! {
                <p class="muted" data-testid="export-total">{move || lang.get().pick(format!("該当 {} 件（先頭20件を表示）", p.total), format!("{} records match (first 20 shown)", p.total))}</p>
                <table class="preview" data-testid="export-preview-table">
                    <thead><tr>{p.headers.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>{p.rows.iter().map(|r| view! { <tr>{r.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
                </table>
            })}
        </section>
    }
}
