//! Step 3: which file column goes to which field, which fields match
//! existing records, and how relations find their target.

use leptos::prelude::*;
use sheetlink_engine::linkage::{Field, MappingRow, MappingTemplate, RelationKey, Source};

use super::Draft;
use crate::api;
use crate::components::{Answer, Said, TableBox};
use crate::i18n::{t, use_lang};

/// The step: header settings, the mapping table and "Add a row".
#[component]
pub fn MappingStep(
    /// The condition and its sample.
    draft: Draft,
) -> impl IntoView {
    let condition = draft.condition;
    let search = RwSignal::new(String::new());
    let add_row = move |_| {
        let taken =
            |id: &String| condition.with_untracked(|c| c.mappings.iter().any(|m| m.field == *id));
        let first_free = draft.fields().into_iter().find(|f| !taken(&f.id));
        let (first_free, label) =
            first_free.map_or_else(|| ("name".to_owned(), String::new()), |f| (f.id, f.label));
        // With a sample, its first header; without one, a header typed by
        // hand — the field's label to start with, as the sheet's import
        // template (雛形) heads its columns.
        let source = match draft.header_row() {
            Some(headers) => headers
                .first()
                .cloned()
                .map_or(Source::Position(1), Source::Header),
            None if condition.with_untracked(|c| c.has_header) => Source::Header(label),
            None => Source::Position(1),
        };
        condition.update(|c| {
            c.mappings.push(MappingRow {
                source,
                field: first_free,
                update_with_blank: false,
            })
        });
    };
    // The sheet's import template (every field's label as a header).
    let template_file = Action::new_local(move |_: &()| {
        let sheet = condition.with_untracked(|c| c.sheet.clone());
        async move {
            let url = format!("/api/linkage/sheets/{}/template", api::segment(&sheet));
            if let Ok(bytes) = api::get_bytes(&url).await {
                let _ = crate::download::save(&bytes, &format!("{sheet}_template.csv"), "text/csv");
            }
        }
    });
    view! {
        <Templates draft=draft/>
        <div class="row">
            <label class="inline"><input type="checkbox" data-testid="has-header" prop:checked=move || condition.with(|c| c.has_header) on:change=move |ev| { let on = event_target_checked(&ev); condition.update(|c| c.has_header = on); }/>{t("見出し行あり", "Header row")}</label>
            <label>{t("インポート開始行", "First data row")}
                <input data-testid="first-row" type="number" min="1" prop:value=move || condition.with(|c| c.first_data_row.to_string())
                    on:input=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { condition.update(|c| c.first_data_row = n.max(1)); } }/>
            </label>
            <label>{t("項目を検索", "Search fields")}
                <input data-testid="field-search" type="search" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            </label>
            <button class="link" data-testid="mapping-template-file" on:click=move |_| { template_file.dispatch(()); }>
                {t("このシートのインポート用の雛形ファイルをダウンロード", "Download this sheet's import template file")}
            </button>
        </div>
        <TableBox label=t("マッピング", "Mapping")>
        <table class="mapping" data-testid="mapping">
            <thead><tr>
                <th>"#"</th><th>{t("読み込みファイルの項目", "File column")}</th><th>{t("インポート先の項目", "Target field")}</th>
                <th>{t("自動", "Suggested")}</th><th>{t("空白で更新", "Update with blank")}</th><th>{t("マッチングキー", "Matching key")}</th><th>{t("紐づき先のマッチングキー", "Relation key")}</th><th><span class="visually-hidden">{t("行の削除", "Remove a row")}</span></th>
            </tr></thead>
            <tbody>
                // Rebuilt on every change of the condition (a few dozen rows).
                {move || {
                    let rows = condition.with(|c| c.mappings.len());
                    let (headers, fields, needle) = (draft.header_row().unwrap_or_default(), draft.fields(), search.get().to_lowercase());
                    (0..rows).map(|index| mapping_line(draft, index, &headers, &fields, &needle)).collect_view()
                }}
            </tbody>
        </table>
        </TableBox>
        <Show when=move || condition.with(|c| c.mappings.is_empty())>
            <p class="muted" data-testid="mapping-empty">{t(
                "まだマッピングがありません。ファイルを選ぶと、見出しからインポート先の項目を提案します。ファイルを使わないときは「行の追加」で見出しを入力してください。",
                "Nothing is mapped yet. Choose a file and its headers are matched to fields; without a file, add rows and type the headers.",
            )}</p>
        </Show>
        <button data-testid="add-row" on:click=add_row>{t("行の追加", "Add a row")}</button>
    }
}

/// Saved mappings of this sheet: apply one, or save the table as one.
#[component]
fn Templates(draft: Draft) -> impl IntoView {
    let lang = use_lang();
    let picked = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let said = RwSignal::new(None::<Said>);
    let mine = move || {
        let sheet = draft.condition.with(|c| c.sheet.clone());
        draft.templates.with(|all| {
            all.iter()
                .filter(|t| t.sheet == sheet)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let apply = move |_| {
        let chosen = picked.get_untracked();
        let found = draft
            .templates
            .with_untracked(|all| all.iter().find(|t| t.name == chosen).cloned());
        if let Some(template) = found {
            draft.condition.update(|c| template.apply_to(c));
            draft.applied_template.set(Some(template.name));
            said.set(None);
        }
    };
    let save = Action::new_local(move |_: &()| {
        let template = MappingTemplate::of(&name.get_untracked(), &draft.condition.get_untracked());
        async move {
            let path = format!(
                "/api/linkage/mapping-templates/{}",
                api::segment(&template.name)
            );
            match api::put::<_, Vec<MappingTemplate>>(&path, &template).await {
                Ok(all) => {
                    draft.templates.set(all);
                    said.set(Some(Said::Done(
                        format!("テンプレート「{}」を保存しました。", template.name),
                        format!("Template “{}” saved.", template.name),
                    )));
                }
                Err(error) => said.set(Some(Said::Failed(error))),
            }
        }
    });
    view! {
        <fieldset class="templates" data-testid="templates">
            <legend>{t("マッピングテンプレート", "Mapping templates")}</legend>
            {move || draft.applied_template.get().map(|applied| view! {
                <p class="notice" data-testid="template-applied">{move || lang.get().pick(
                    format!("テンプレート「{applied}」を適用しました。"),
                    format!("Template “{applied}” applied."),
                )}</p>
            })}
            <div class="row">
                <label>{t("保存したテンプレート", "Saved templates")}
                    <select data-testid="template-pick" on:change=move |ev| picked.set(event_target_value(&ev))>
                        <option value="">{t("選んでください", "Choose one")}</option>
                        {move || mine().into_iter().map(|tpl| view! { <option value=tpl.name.clone()>{tpl.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <button data-testid="template-apply" on:click=apply>{t("適用", "Apply")}</button>
                <label>{t("このマッピングを名前を付けて保存", "Save this mapping as")}
                    <input data-testid="template-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button data-testid="template-save" disabled=save.pending() on:click=move |_| { save.dispatch(()); }>{t("保存", "Save")}</button>
            </div>
            <Answer said=Signal::derive(move || said.get()) testid="template-answer"/>
        </fieldset>
    }
}

/// Row `index` of the mapping table.
fn mapping_line(
    draft: Draft,
    index: usize,
    headers: &[String],
    fields: &[Field],
    needle: &str,
) -> impl IntoView + use<> {
    let lang = use_lang();
    let condition = draft.condition;
    let (m, has_header, is_key, relation_key) = condition.with_untracked(|c| {
        let m = c.mappings[index].clone();
        let is_key = c.matching_keys.contains(&m.field);
        let relation_key = c
            .relation_keys
            .iter()
            .find(|r| r.field == m.field)
            .map(|r| r.key_field.clone());
        (m, c.has_header, is_key, relation_key)
    });
    let source_text = match &m.source {
        Source::Header(h) => h.clone(),
        Source::Position(p) => p.to_string(),
    };
    let suggested = match &m.source {
        Source::Header(h) => draft.confidence.with_untracked(|c| {
            c.get(h)
                .filter(|(f, _)| *f == m.field)
                .map(|(_, conf)| format!("{:.0}%", conf * 100.0))
        }),
        Source::Position(_) => None,
    };
    let relation = fields
        .iter()
        .find(|f| f.id == m.field)
        .and_then(|f| f.relation_sheet.clone());
    let options: Vec<Field> = fields
        .iter()
        .filter(|f| {
            needle.is_empty()
                || f.id == m.field
                || f.label.to_lowercase().contains(needle)
                || f.id.contains(needle)
        })
        .cloned()
        .collect();
    // Every control of the row says which row it belongs to.
    let n = index + 1;
    let named = move |ja: &'static str, en: &'static str| {
        move || {
            lang.get()
                .pick(format!("{n}行目: {ja}"), format!("Row {n}: {en}"))
        }
    };
    let source = if has_header && headers.is_empty() {
        // No sample: the header typed by hand (`change`, as below).
        view! {
            <input class="source" type="text" data-testid="mapping-header" placeholder=t("見出し（例: 顧客名）", "Header (e.g. 顧客名)")
                aria-label=named("読み込みファイルの項目（見出し）", "file column (header)") prop:value=source_text
                on:change=move |ev| { let v = event_target_value(&ev).trim().to_owned(); condition.update(|c| c.mappings[index].source = Source::Header(v)); }/>
        }.into_any()
    } else if has_header {
        let headers = headers.to_vec();
        let listed = headers.contains(&source_text);
        view! {
            <select class="source" aria-label=named("読み込みファイルの項目", "file column") on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.mappings[index].source = Source::Header(v)); }>
                {headers.into_iter().map(|h| { let selected = h == source_text; view! { <option value=h.clone() selected=selected>{h.clone()}</option> } }).collect_view()}
                {(!listed).then(|| view! { <option value=source_text.clone() selected=true>{source_text.clone()}</option> })}
            </select>
        }.into_any()
    } else {
        // `change`, not `input`: the table is rebuilt on every change, which
        // would take the focus after one digit.
        view! {
            <input class="source" type="number" min="1" aria-label=named("読み込みファイルの列番号", "file column number") prop:value=source_text on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<u32>() { condition.update(|c| c.mappings[index].source = Source::Position(p.max(1))); } }/>
        }.into_any()
    };
    let field_id = m.field.clone();
    let (key_field, relation_field) = (m.field.clone(), m.field.clone());
    view! {
        <tr data-row=index + 1>
            <td>{index + 1}</td>
            <td>{source}</td>
            <td>
                <select class="target" data-testid="mapping-target" aria-label=named("インポート先の項目", "target field") on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| {
                    let old = std::mem::replace(&mut c.mappings[index].field, v);
                    c.matching_keys.retain(|k| *k != old);
                    c.relation_keys.retain(|r| r.field != old);
                }); }>
                    {options.iter().map(|f| view! { <option value=f.id.clone() selected=f.id == field_id>{format!("{} ({})", f.label, f.field_type.name(lang.get_untracked()))}</option> }).collect_view()}
                </select>
            </td>
            <td class="muted">{suggested}</td>
            <td><input type="checkbox" class="blank" data-testid="mapping-blank" aria-label=named("空白で更新", "update with blank") prop:checked=m.update_with_blank on:change=move |ev| { let on = event_target_checked(&ev); condition.update(|c| c.mappings[index].update_with_blank = on); }/></td>
            <td><input type="checkbox" class="key" data-testid="mapping-key" aria-label=named("マッチングキー", "matching key") prop:checked=is_key on:change=move |ev| { let on = event_target_checked(&ev); let f = key_field.clone(); condition.update(|c| { c.matching_keys.retain(|k| *k != f); if on { c.matching_keys.push(f); } }); }/></td>
            <td>{relation.map(|related| relation_choice(draft, related, relation_field, relation_key, n))}</td>
            <td><button class="link remove-row" aria-label=named("行の削除", "remove the row") on:click=move |_| condition.update(|c| { let removed = c.mappings.remove(index); c.matching_keys.retain(|k| *k != removed.field); c.relation_keys.retain(|r| r.field != removed.field); })>{t("削除", "Remove")}</button></td>
        </tr>
    }
}

/// The related sheet's field that identifies a relation's target.
fn relation_choice(
    draft: Draft,
    related: String,
    field: String,
    chosen: Option<String>,
    n: usize,
) -> impl IntoView {
    let lang = use_lang();
    let condition = draft.condition;
    let related_fields: Vec<Field> = draft.catalog.with_value(|c| {
        c.sheet(&related)
            .map(|s| {
                s.fields
                    .iter()
                    .filter(|f| f.can_identify_relation())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    });
    view! {
        <select class="relation" data-testid="mapping-relation" aria-label=move || lang.get().pick(format!("{n}行目: 紐づき先のマッチングキー"), format!("Row {n}: relation key")) on:change=move |ev| { let v = event_target_value(&ev); let f = field.clone(); condition.update(|c| { c.relation_keys.retain(|r| r.field != f); if !v.is_empty() { c.relation_keys.push(RelationKey { field: f, key_field: v }); } }); }>
            <option value="">"—"</option>
            {related_fields.into_iter().map(|rf| { let selected = chosen.as_deref() == Some(rf.id.as_str()); view! { <option value=rf.id.clone() selected=selected>{rf.label.clone()}</option> } }).collect_view()}
        </select>
    }
}
