//! The import-condition wizard: key and description → sample file, mode and
//! duplicates → mapping (auto-suggested, with the first 20 rows of the
//! sample mapped and checked by the engine in this page on every change) →
//! after-import actions → save. The server checks the condition again.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use sheetlink_engine::linkage::{
    Catalog, DuplicateHandling, FieldChange, ImportCondition, ImportMode, InFileDuplicates,
    MappingRow, OnExisting, RelationKey, Source, crm_catalog, preview, sample_rows,
    suggest_mapping,
};
use sheetlink_protocol::linkage::AfterImport;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, segment};
use crate::app::SignedIn;
use crate::i18n::{Lang, t, use_lang};
use crate::components::Notifications;

type Stored = sheetlink_protocol::linkage::StoredImportCondition;

/// Rows of the instant preview.
pub const PREVIEW_ROWS: usize = 20;

/// The preview as shown: one column per mapping row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreviewTable {
    /// Column captions (field labels).
    pub headers: Vec<String>,
    /// `(file row, cells, errors)`.
    pub rows: Vec<(u32, Vec<String>, String)>,
    /// Problems of the condition itself, naming the mapping row.
    pub problems: Vec<String>,
    /// Milliseconds the engine and this conversion took.
    pub millis: f64,
}

/// Maps the first rows of `sample` under `condition`, for the table.
pub fn preview_table(
    condition: &ImportCondition,
    catalog: &Catalog,
    sample: &[u8],
    lang: Lang,
) -> PreviewTable {
    let Some(sheet) = catalog.sheet(&condition.sheet) else {
        return PreviewTable::default();
    };
    let headers = condition
        .mappings
        .iter()
        .map(|m| {
            sheet
                .field(&m.field)
                .map_or_else(|| m.field.clone(), |f| f.label.clone())
        })
        .collect();
    let mapping = match preview(condition, catalog, sample, PREVIEW_ROWS) {
        Ok(mapping) => mapping,
        Err(problems) => {
            return PreviewTable {
                headers,
                problems: problems.iter().map(|p| p.message(lang)).collect(),
                ..PreviewTable::default()
            };
        }
    };
    let mut rows: Vec<(u32, Vec<String>, String)> = mapping
        .rows
        .iter()
        .map(|row| {
            let cells = condition
                .mappings
                .iter()
                .map(|m| {
                    if let Some(index) = condition.matching_keys.iter().position(|k| *k == m.field)
                    {
                        return row.keys.get(index).cloned().unwrap_or_default();
                    }
                    match row
                        .changes
                        .iter()
                        .find(|(field, _)| **field == *m.field)
                        .map(|(_, c)| c)
                    {
                        Some(FieldChange::Set(value)) => value.clone(),
                        Some(FieldChange::Clear) => {
                            lang.pick("（空白で更新）", "(cleared)").to_owned()
                        }
                        Some(FieldChange::Relate { value, .. }) => format!("→ {value}"),
                        None => String::new(),
                    }
                })
                .collect();
            (row.row, cells, String::new())
        })
        .collect();
    for diagnostic in &mapping.diagnostics {
        let row = diagnostic.row.unwrap_or(0);
        let text = match diagnostic.column_letter() {
            Some(letter) => format!("{letter}{row}: {}", diagnostic.message(lang)),
            None => diagnostic.message(lang),
        };
        match rows.iter_mut().find(|(r, _, _)| *r == row) {
            Some((_, _, errors)) => {
                errors.push_str(&text);
                errors.push('\n');
            }
            None => rows.push((row, Vec::new(), text)),
        }
    }
    rows.sort_by_key(|(row, _, _)| *row);
    PreviewTable {
        headers,
        rows,
        problems: Vec::new(),
        millis: 0.0,
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Records a preview time where the browser benchmark and tests can read it
/// (`window.sheetlinkPreviewTimes`).
fn record_time(millis: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = wasm_bindgen::JsValue::from_str("sheetlinkPreviewTimes");
    let times = js_sys::Reflect::get(&window, &key)
        .ok()
        .filter(|v| v.is_object())
        .map(|v| v.unchecked_into::<js_sys::Array>())
        .unwrap_or_else(|| {
            let array = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&window, &key, &array);
            array
        });
    times.push(&wasm_bindgen::JsValue::from_f64(millis));
}

fn blank_condition() -> ImportCondition {
    ImportCondition {
        key: String::new(),
        description: String::new(),
        sheet: "customer".into(),
        mode: ImportMode::InsertAndUpdate,
        duplicates: DuplicateHandling::default(),
        has_header: true,
        first_data_row: 2,
        encoding: None,
        mappings: Vec::new(),
        matching_keys: Vec::new(),
        relation_keys: Vec::new(),
    }
}

/// `/linkage/import/new` and `/linkage/import/:key`.
#[component]
pub fn ImportWizardPage() -> impl IntoView {
    view! {
        <SignedIn>
            <ImportWizard/>
        </SignedIn>
    }
}

#[component]
fn ImportWizard() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let editing = params.with_untracked(|p| p.get("key"));
    let catalog = StoredValue::new(crm_catalog());
    let condition = RwSignal::new(blank_condition());
    let notify = RwSignal::new(Vec::<String>::new());
    let emails = RwSignal::new(Vec::<String>::new());
    let list = RwSignal::new(None::<String>);
    let step = RwSignal::new(1u8);
    let sample = StoredValue::new_local(None::<Vec<u8>>);
    let sample_version = RwSignal::new(0u32);
    let sample_info = RwSignal::new(None::<(String, Vec<Vec<String>>)>);
    let confidence = RwSignal::new(HashMap::<String, (String, f32)>::new());
    let search = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let table = RwSignal::new(PreviewTable::default());
    let navigate = use_navigate();

    if let Some(key) = editing.clone() {
        spawn_local(async move {
            match api::get::<Stored>(&format!("/api/linkage/import-conditions/{}", segment(&key)))
                .await
            {
                Ok(stored) => {
                    condition.set(stored.condition);
                    notify.set(stored.after.notify_members);
                    emails.set(stored.after.emails);
                    list.set(stored.after.add_to_list);
                }
                Err(error) => message.set(Some((false, error.describe(lang.get_untracked())))),
            }
        });
    }

    // The instant preview: the engine, in this page, on every change.
    Effect::new(move || {
        let _ = sample_version.get();
        let current = condition.get();
        let lang = lang.get();
        let computed = sample.with_value(|bytes| {
            bytes.as_ref().map(|bytes| {
                let started = now_ms();
                let mut result = catalog.with_value(|c| preview_table(&current, c, bytes, lang));
                result.millis = now_ms() - started;
                record_time(result.millis);
                result
            })
        });
        table.set(computed.unwrap_or_default());
    });

    let header_row = move || {
        let c = condition.get();
        sample_info.with(|info| {
            info.as_ref().and_then(|(_, rows)| {
                c.has_header
                    .then(|| {
                        rows.get(c.first_data_row.saturating_sub(2) as usize)
                            .cloned()
                    })
                    .flatten()
            })
        })
    };

    let take_sample = move |bytes: Vec<u8>, name: String| {
        let lang = lang.get_untracked();
        match sample_rows(&bytes, condition.get_untracked().encoding, PREVIEW_ROWS + 5) {
            Ok((encoding, rows)) => {
                let encoding_name = match encoding {
                    sheetlink_engine::linkage::InputEncoding::Utf8 => "UTF-8",
                    sheetlink_engine::linkage::InputEncoding::ShiftJis => "Shift_JIS",
                };
                // Suggest a field for every header the mapping lacks.
                let current = condition.get_untracked();
                let headers = rows
                    .get(current.first_data_row.saturating_sub(2) as usize)
                    .cloned()
                    .unwrap_or_default();
                if current.has_header && current.mappings.is_empty() {
                    let fields = catalog.with_value(|c| {
                        c.sheet(&current.sheet)
                            .map(|s| s.fields.clone())
                            .unwrap_or_default()
                    });
                    let suggestions = suggest_mapping(&headers, &fields);
                    let mut found = HashMap::new();
                    let mappings = suggestions
                        .iter()
                        .map(|s| {
                            found.insert(s.header.clone(), (s.field.clone(), s.confidence));
                            MappingRow {
                                source: Source::Header(s.header.clone()),
                                field: s.field.clone(),
                                update_with_blank: false,
                            }
                        })
                        .collect();
                    confidence.set(found);
                    condition.update(|c| c.mappings = mappings);
                }
                sample_info.set(Some((format!("{name} ({encoding_name})"), rows)));
                sample.set_value(Some(bytes));
                sample_version.update(|v| *v += 1);
                message.set(None);
            }
            Err(diagnostic) => {
                message.set(Some((false, diagnostic.message(lang))));
            }
        }
    };
    let read_file = move |file: web_sys::File| {
        spawn_local(async move {
            if let Ok(buffer) = JsFuture::from(file.array_buffer()).await {
                take_sample(js_sys::Uint8Array::new(&buffer).to_vec(), file.name());
            }
        });
    };
    let save = move |_| {
        let stored = Stored {
            condition: condition.get_untracked(),
            after: AfterImport {
                notify_members: notify.get_untracked(),
                emails: emails.get_untracked(),
                add_to_list: list.get_untracked(),
            },
        };
        let editing = editing.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let outcome = match &editing {
                Some(key) => {
                    api::put::<_, serde_json::Value>(
                        &format!("/api/linkage/import-conditions/{}", segment(key)),
                        &stored,
                    )
                    .await
                }
                None => {
                    api::post::<_, serde_json::Value>("/api/linkage/import-conditions", &stored)
                        .await
                }
            };
            match outcome {
                Ok(_) => navigate("/linkage", Default::default()),
                Err(error) => message.set(Some((false, error.describe(lang.get_untracked())))),
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

    view! {
        <section class="card wizard">
            <h1>{move || if editing_title(params) { lang.get().pick("インポート条件の編集", "Edit import condition") } else { lang.get().pick("インポート条件設定登録", "New import condition") }}</h1>
            <ol class="steps">
                {[("1", "キーと説明", "Key"), ("2", "インポート方法", "Method"), ("3", "マッピング", "Mapping"), ("4", "インポート後のアクション", "After import")].into_iter().map(|(n, ja, en)| {
                    let number: u8 = n.parse().unwrap_or(1);
                    view! { <li class:current=move || step.get() == number><button class="link" aria-current=move || (step.get() == number).then_some("step") on:click=move |_| step.set(number)>{n}". "{t(ja, en)}</button></li> }
                }).collect_view()}
            </ol>
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "ok" } else { "error" } role="alert" data-testid="wizard-message">{text}</p> })}

            <div hidden=move || step.get() != 1>
                <label>{t("インポートキー（半角英数字と - _ .）", "Import key (ASCII letters, digits, - _ .)")}
                    <input data-testid="import-key" prop:value=move || condition.with(|c| c.key.clone()) disabled=editing_title(params)
                        on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.key = v); }/>
                </label>
                <label>{t("説明", "Description")}
                    <input data-testid="import-description" prop:value=move || condition.with(|c| c.description.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.description = v); }/>
                </label>
                <label>{t("シート", "Sheet")}
                    <select data-testid="import-sheet" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| { c.sheet = v; c.mappings.clear(); c.matching_keys.clear(); c.relation_keys.clear(); }); }>
                        {catalog.with_value(|c| c.sheets.iter().map(|s| {
                            let id = s.id.clone();
                            view! { <option value=id.clone() selected=move || condition.with(|c| c.sheet == id)>{s.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <button class="primary" data-testid="to-step-2" on:click=move |_| step.set(2)>{t("次へ", "Next")}</button>
            </div>

            <div hidden=move || step.get() != 2>
                <div class="drop"
                    on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) { read_file(file); }
                    }>
                    <p>{t("サンプルのCSVファイル（UTF-8・BOM付き・Shift_JIS）をドロップ、または選択", "Drop or choose a sample CSV (UTF-8, with BOM, or Shift_JIS)")}</p>
                    <input data-testid="sample-input" type="file" accept=".csv,text/csv" on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        if let Some(file) = input.files().and_then(|f| f.get(0)) { read_file(file); }
                    }/>
                    <p class="muted" data-testid="sample-name">{move || sample_info.with(|i| i.as_ref().map(|(name, _)| name.clone()).unwrap_or_default())}</p>
                </div>
                <fieldset>
                    <legend>{t("処理方法", "Mode")}</legend>
                    {[(ImportMode::InsertAndUpdate, "mode-upsert", "新規登録および上書き保存", "Insert and update"), (ImportMode::InsertOnly, "mode-insert", "新規登録のみ", "Insert only"), (ImportMode::UpdateOnly, "mode-update", "上書きのみ", "Update only")].into_iter().map(|(mode, id, ja, en)| view! {
                        <label class="inline"><input type="radio" name="mode" data-testid=id prop:checked=move || condition.with(|c| c.mode == mode) on:change=move |_| condition.update(|c| c.mode = mode)/>{t(ja, en)}</label>
                    }).collect_view()}
                </fieldset>
                <label>{t("登録済みのレコードがあるとき（新規登録のみ）", "When the record exists (insert only)")}
                    <select data-testid="on-existing" on:change=move |ev| { let skip = event_target_value(&ev) == "skip"; condition.update(|c| c.duplicates.existing = if skip { OnExisting::Skip } else { OnExisting::Error }); }>
                        <option value="skip" selected=move || condition.with(|c| c.duplicates.existing == OnExisting::Skip)>{t("スキップ", "Skip")}</option>
                        <option value="error" selected=move || condition.with(|c| c.duplicates.existing == OnExisting::Error)>{t("エラー", "Error")}</option>
                    </select>
                </label>
                <label>{t("ファイル内で同じキーが重複したとき", "Same keys twice in the file")}
                    <select data-testid="in-file" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.duplicates.in_file = match v.as_str() { "first_wins" => InFileDuplicates::FirstWins, "last_wins" => InFileDuplicates::LastWins, _ => InFileDuplicates::Error }); }>
                        <option value="error" selected=move || condition.with(|c| c.duplicates.in_file == InFileDuplicates::Error)>{t("エラー", "Error")}</option>
                        <option value="first_wins" selected=move || condition.with(|c| c.duplicates.in_file == InFileDuplicates::FirstWins)>{t("最初の行を使う", "First wins")}</option>
                        <option value="last_wins" selected=move || condition.with(|c| c.duplicates.in_file == InFileDuplicates::LastWins)>{t("最後の行を使う", "Last wins")}</option>
                    </select>
                </label>
                <button class="primary" data-testid="to-step-3" on:click=move |_| step.set(3)>{t("次へ", "Next")}</button>
            </div>

            <div hidden=move || step.get() != 3>
                <div class="row">
                    <label class="inline"><input type="checkbox" data-testid="has-header" prop:checked=move || condition.with(|c| c.has_header) on:change=move |ev| { let on = event_target_checked(&ev); condition.update(|c| c.has_header = on); }/>{t("見出し行あり", "Header row")}</label>
                    <label>{t("インポート開始行", "First data row")}
                        <input data-testid="first-row" type="number" min="1" prop:value=move || condition.with(|c| c.first_data_row.to_string())
                            on:input=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { condition.update(|c| c.first_data_row = n.max(1)); } }/>
                    </label>
                    <label>{t("項目を検索", "Search fields")}
                        <input data-testid="field-search" type="search" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
                    </label>
                </div>
                <table class="mapping" data-testid="mapping">
                    <thead><tr>
                        <th>"#"</th><th>{t("読み込みファイルの項目", "File column")}</th><th>{t("インポート先の項目", "Target field")}</th>
                        <th>{t("自動", "Suggested")}</th><th>{t("空白で更新", "Update with blank")}</th><th>{t("マッチングキー", "Matching key")}</th><th>{t("紐づき先のマッチングキー", "Relation key")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {move || {
                            let c = condition.get();
                            let headers = header_row().unwrap_or_default();
                            let all_fields = fields();
                            let needle = search.get().to_lowercase();
                            c.mappings.iter().enumerate().map(|(index, m)| {
                                let source_text = match &m.source { Source::Header(h) => h.clone(), Source::Position(p) => p.to_string() };
                                let suggested = match &m.source {
                                    Source::Header(h) => confidence.with(|c| c.get(h).filter(|(f, _)| *f == m.field).map(|(_, conf)| format!("{:.0}%", conf * 100.0))),
                                    Source::Position(_) => None,
                                };
                                let field = all_fields.iter().find(|f| f.id == m.field).cloned();
                                let is_key = c.matching_keys.contains(&m.field);
                                let relation = field.as_ref().and_then(|f| f.relation_sheet.clone());
                                let relation_key = c.relation_keys.iter().find(|r| r.field == m.field).map(|r| r.key_field.clone());
                                let field_id = m.field.clone();
                                let options: Vec<_> = all_fields.iter().filter(|f| needle.is_empty() || f.id == m.field || f.label.to_lowercase().contains(&needle) || f.id.contains(&needle)).cloned().collect();
                                view! {
                                    <tr data-row=index + 1>
                                        <td>{index + 1}</td>
                                        <td>
                                            {if c.has_header {
                                                view! {
                                                    <select class="source" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.mappings[index].source = Source::Header(v)); }>
                                                        {headers.iter().map(|h| { let selected = *h == source_text; view! { <option value=h.clone() selected=selected>{h.clone()}</option> } }).collect_view()}
                                                        {(!headers.contains(&source_text)).then(|| view! { <option value=source_text.clone() selected=true>{source_text.clone()}</option> })}
                                                    </select>
                                                }.into_any()
                                            } else {
                                                // `change`, not `input`: the table is rebuilt on every
                                                // change, which would take the focus after one digit.
                                                view! {
                                                    <input class="source" type="number" min="1" prop:value=source_text.clone() on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<u32>() { condition.update(|c| c.mappings[index].source = Source::Position(p.max(1))); } }/>
                                                }.into_any()
                                            }}
                                        </td>
                                        <td>
                                            <select class="target" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| {
                                                let old = std::mem::replace(&mut c.mappings[index].field, v);
                                                c.matching_keys.retain(|k| *k != old);
                                                c.relation_keys.retain(|r| r.field != old);
                                            }); }>
                                                {options.iter().map(|f| view! { <option value=f.id.clone() selected=f.id == field_id>{format!("{} ({})", f.label, f.field_type.name(lang.get_untracked()))}</option> }).collect_view()}
                                            </select>
                                        </td>
                                        <td class="muted">{suggested}</td>
                                        <td><input type="checkbox" class="blank" prop:checked=m.update_with_blank on:change=move |ev| { let on = event_target_checked(&ev); condition.update(|c| c.mappings[index].update_with_blank = on); }/></td>
                                        <td><input type="checkbox" class="key" prop:checked=is_key on:change={ let f = m.field.clone(); move |ev| { let on = event_target_checked(&ev); let f = f.clone(); condition.update(|c| { c.matching_keys.retain(|k| *k != f); if on { c.matching_keys.push(f); } }); } }/></td>
                                        <td>
                                            {relation.map(|related| {
                                                let related_fields: Vec<_> = catalog.with_value(|c| c.sheet(&related).map(|s| s.fields.iter().filter(|f| f.can_identify_relation()).cloned().collect()).unwrap_or_default());
                                                let f = m.field.clone();
                                                view! {
                                                    <select class="relation" on:change=move |ev| { let v = event_target_value(&ev); let f = f.clone(); condition.update(|c| { c.relation_keys.retain(|r| r.field != f); if !v.is_empty() { c.relation_keys.push(RelationKey { field: f, key_field: v }); } }); }>
                                                        <option value="">"—"</option>
                                                        {related_fields.into_iter().map(|rf| { let selected = relation_key.as_deref() == Some(rf.id.as_str()); view! { <option value=rf.id.clone() selected=selected>{rf.label.clone()}</option> } }).collect_view()}
                                                    </select>
                                                }
                                            })}
                                        </td>
                                        <td><button class="link remove-row" on:click=move |_| condition.update(|c| { let removed = c.mappings.remove(index); c.matching_keys.retain(|k| *k != removed.field); c.relation_keys.retain(|r| r.field != removed.field); })>{t("削除", "Remove")}</button></td>
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
                </table>
                <button data-testid="add-row" on:click=move |_| {
                    let first_free = fields().into_iter().map(|f| f.id).find(|id| !condition.with_untracked(|c| c.mappings.iter().any(|m| m.field == *id))).unwrap_or_else(|| "name".into());
                    let source = header_row().and_then(|h| h.first().cloned()).map_or(Source::Position(1), Source::Header);
                    condition.update(|c| c.mappings.push(MappingRow { source, field: first_free, update_with_blank: false }));
                }>{t("行の追加", "Add a row")}</button>

                <h2>{t("プレビュー（先頭20行、ブラウザ内で変換・チェック）", "Preview (first 20 rows, mapped and checked in this browser)")}</h2>
                <p class="muted" data-testid="preview-ms">{move || format!("{:.2} ms", table.with(|t| t.millis))}</p>
                <ul class="error" data-testid="condition-problems">{move || table.with(|t| t.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view())}</ul>
                <table class="preview" data-testid="preview">
                    <thead><tr><th>{t("行", "Row")}</th>{move || table.with(|t| t.headers.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view())}<th>{t("エラー", "Errors")}</th></tr></thead>
                    <tbody>
                        {move || table.with(|t| t.rows.iter().map(|(row, cells, errors)| view! {
                            <tr data-row=*row>
                                <td>{*row}</td>
                                {cells.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}
                                <td class="error">{errors.clone()}</td>
                            </tr>
                        }).collect_view())}
                    </tbody>
                </table>
                <button class="primary" data-testid="to-step-4" on:click=move |_| step.set(4)>{t("次へ", "Next")}</button>
            </div>

            <div hidden=move || step.get() != 4>
                <Notifications members=notify emails=emails/>
                <label>{t("リストへの追加（リスト名、空欄なら追加しない）", "Add the imported records to a list (name; empty: none)")}
                    <input data-testid="add-to-list" prop:value=move || list.get().unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); list.set((!v.trim().is_empty()).then(|| v.trim().to_owned())); }/>
                </label>
                <button class="primary" data-testid="save-condition" on:click=save>{t("登録", "Save")}</button>
            </div>
        </section>
    }
}

fn editing_title(params: Memo<leptos_router::params::ParamsMap>) -> bool {
    params.with_untracked(|p| p.get("key").is_some())
}
