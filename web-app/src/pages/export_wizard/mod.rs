//! The export-condition wizard: key, encoding, description, a search
//! condition (`filter.rs`), columns with header names and sort keys
//! (`columns.rs`), and a preview of the first rows from the server.

pub mod columns;

use leptos::prelude::*;
use sheetlink_engine::linkage::{
    ExportColumn, ExportCondition, ExportPreview, OutputEncoding, SortKey,
};
use sheetlink_protocol::linkage::{AfterExport, StoredExportCondition as Stored};

use crate::api::{self, ApiError};
use crate::components::{
    Answer, ConditionEditor, ConditionKind, FilterRules, Notifications, Rule, Said, TableBox,
    filter_of, rules_of, save_condition,
};
use crate::i18n::{t, use_lang};

/// `/linkage/export/new` and `/linkage/export/:key`.
#[component]
pub fn ExportWizardPage() -> impl IntoView {
    view! {
        <ConditionEditor
            kind=ConditionKind::Export
            blank=blank
            form=|editing, stored| view! {
                <crate::components::WithCatalog then=Callback::new(move |catalog| view! {
                    <ExportWizard editing=editing.clone() stored=stored.clone() catalog=catalog/>
                }.into_any())/>
            }
        />
    }
}

fn blank() -> Stored {
    let column = |header: &str, field: &str| ExportColumn {
        header: header.into(),
        field: field.into(),
        relation_key: None,
    };
    let sort = SortKey {
        field: "id".into(),
        descending: false,
    };
    Stored {
        condition: ExportCondition {
            columns: vec![column("顧客ID", "id"), column("顧客名", "name")],
            sort: vec![sort],
            ..ExportCondition::new("customer")
        },
        after: AfterExport::default(),
    }
}

#[component]
fn ExportWizard(
    editing: Option<String>,
    stored: Stored,
    catalog: sheetlink_engine::linkage::Catalog,
) -> impl IntoView {
    let (found_rules, found_any) = rules_of(stored.condition.filter.as_ref());
    let condition = RwSignal::new(stored.condition);
    let rules = RwSignal::new(found_rules);
    let any = RwSignal::new(found_any);
    let notify = RwSignal::new(stored.after.notify_members);
    let emails = RwSignal::new(stored.after.emails);
    let staff = RwSignal::new(stored.after.notify_staff);
    let catalog = StoredValue::new(catalog);
    let fields = Signal::derive(move || {
        let sheet = condition.with(|c| c.sheet.clone());
        catalog.with_value(|c| {
            c.sheet(&sheet)
                .map(|s| {
                    s.fields
                        .iter()
                        .map(|f| (f.id.clone(), f.label.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
    });
    let current = move || {
        let mut c = condition.get_untracked();
        c.filter = filter_of(&rules.get_untracked(), any.get_untracked());
        c
    };
    let preview = Action::new_local(|condition: &ExportCondition| {
        let condition = condition.clone();
        async move { api::post::<_, ExportPreview>("/api/linkage/export-preview", &condition).await }
    });
    let save =
        save_condition::<Stored>(ConditionKind::Export, editing, |s| s.condition.key.clone());
    let refused = Signal::derive(move || {
        let failed = |answer: Option<Result<_, ApiError>>| answer.and_then(Result::err);
        failed(save.value().get())
            .or_else(|| failed(preview.value().get().map(|a| a.map(|_| ()))))
            .map(Said::Failed)
    });
    let submit = move |_| {
        save.dispatch(Stored {
            condition: current(),
            after: AfterExport {
                notify_members: notify.get_untracked(),
                emails: emails.get_untracked(),
                notify_staff: staff.get_untracked(),
            },
        });
    };
    view! {
        <section class="card wizard">
            <h1>{t("エクスポート条件設定", "Export condition")}</h1>
            <Answer said=refused testid="export-message"/>
            <Basics condition=condition rules=rules catalog=catalog/>
            <FilterRules rules=rules any=any fields=fields when_empty=("条件はありません。すべてのレコードを出力します。", "No conditions: every record is exported.")/>
            <columns::Columns condition=condition fields=fields catalog=catalog/>
            <columns::SortKeys condition=condition fields=fields/>
            <h2>{t("エクスポート後のアクション", "After export")}</h2>
            <Notifications members=notify emails=emails staff=staff/>
            <div class="row">
                <button data-testid="export-preview" disabled=preview.pending() on:click=move |_| { preview.dispatch(current()); }>{t("プレビュー（サーバーの現在のデータ）", "Preview (the server's current data)")}</button>
                <button class="primary" data-testid="save-export" disabled=save.pending() on:click=submit>{t("完了", "Save")}</button>
            </div>
            {move || preview.value().get().and_then(Result::ok).map(|p| view! { <PreviewTable preview=p/> })}
        </section>
    }
}

/// Key, encoding, sheet and description.
#[component]
fn Basics(
    condition: RwSignal<ExportCondition>,
    rules: RwSignal<Vec<Rule>>,
    catalog: StoredValue<sheetlink_engine::linkage::Catalog>,
) -> impl IntoView {
    let encoding_is = move |encoding| condition.with(|c| c.encoding == encoding);
    view! {
        <div class="row">
            <label>{t("エクスポートキー", "Export key")}<input data-testid="export-key" prop:value=move || condition.with(|c| c.key.clone()) on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.key = v); }/></label>
            <label>{t("エンコード", "Encoding")}
                <select data-testid="export-encoding" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.encoding = match v.as_str() { "utf8" => OutputEncoding::Utf8, "utf8_bom" => OutputEncoding::Utf8Bom, _ => OutputEncoding::ShiftJis }); }>
                    <option value="shift_jis" selected=move || encoding_is(OutputEncoding::ShiftJis)>"Shift_JIS"</option>
                    <option value="utf8_bom" selected=move || encoding_is(OutputEncoding::Utf8Bom)>{t("UTF-8（BOM付き）", "UTF-8 with BOM")}</option>
                    <option value="utf8" selected=move || encoding_is(OutputEncoding::Utf8)>"UTF-8"</option>
                </select>
            </label>
            <label>{t("シート", "Sheet")}
                <select data-testid="export-sheet" on:change=move |ev| { let v = event_target_value(&ev); rules.set(Vec::new()); condition.update(|c| { c.sheet = v; c.columns.clear(); c.sort.clear(); }); }>
                    {catalog.with_value(|c| c.sheets.iter().map(|s| { let id = s.id.clone(); view! { <option value=id.clone() selected=move || condition.with(|c| c.sheet == id)>{s.name.clone()}</option> } }).collect_view())}
                </select>
            </label>
        </div>
        <label>{t("説明", "Description")}<input data-testid="export-description" prop:value=move || condition.with(|c| c.description.clone()) on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.description = v); }/></label>
    }
}

/// The first rows the export would write, from the server's current data.
#[component]
fn PreviewTable(preview: ExportPreview) -> impl IntoView {
    let lang = use_lang();
    let total = preview.total;
    // A large sheet's search is counted in part: the export writes every
    // record that matches.
    let (more_ja, more_en) = if preview.total_at_least {
        ("以上", "or more")
    } else {
        ("", "")
    };
    view! {
        <p class="muted" data-testid="export-total">{move || lang.get().pick(format!("該当 {total} 件{more_ja}（先頭20件を表示）"), format!("{total} {more_en} records match (first 20 shown)").replace("  ", " "))}</p>
        <TableBox label=t("プレビュー", "Preview")>
        <table class="preview" data-testid="export-preview-table">
            <thead><tr>{preview.headers.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view()}</tr></thead>
            <tbody>{preview.rows.iter().map(|r| view! { <tr>{r.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
        </table>
        </TableBox>
    }
}
