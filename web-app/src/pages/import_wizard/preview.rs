//! The instant preview: the first rows of the sample mapped and checked by
//! the engine in this page on every change of the condition.

use leptos::prelude::*;
use sheetlink_engine::linkage::{Catalog, FieldChange, ImportCondition, Source, preview};
use wasm_bindgen::JsCast;

use super::Draft;
use crate::i18n::{Lang, t, use_lang};

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

/// Maps the first rows of `sample` under `condition`, for the table. A row
/// the engine refuses keeps the values it has in the file (`raw`: the
/// sample's first records, row 1 first), next to its errors.
pub fn preview_table(
    condition: &ImportCondition,
    catalog: &Catalog,
    sample: &[u8],
    raw: &[Vec<String>],
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
            None => rows.push((row, file_values(condition, raw, row), text)),
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

/// The values file row `row` has for each mapping row, as written in the
/// file (for a row the engine refused, whose mapped values do not exist).
fn file_values(condition: &ImportCondition, raw: &[Vec<String>], row: u32) -> Vec<String> {
    let Some(record) = (row as usize).checked_sub(1).and_then(|at| raw.get(at)) else {
        return Vec::new();
    };
    let header = condition
        .has_header
        .then(|| raw.get(condition.first_data_row.saturating_sub(2) as usize))
        .flatten();
    condition
        .mappings
        .iter()
        .map(|m| {
            let column = match &m.source {
                Source::Header(name) => header.and_then(|h| h.iter().position(|c| c == name)),
                Source::Position(p) => (*p as usize).checked_sub(1),
            };
            column
                .and_then(|c| record.get(c))
                .cloned()
                .unwrap_or_default()
        })
        .collect()
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

/// The preview table, recomputed whenever the condition, the sample or the
/// language changes.
#[component]
pub fn Preview(
    /// The condition and its sample.
    draft: Draft,
) -> impl IntoView {
    let lang = use_lang();
    let table = Memo::new(move |_| {
        let _ = draft.sample_version.get();
        let current = draft.condition.get();
        let lang = lang.get();
        draft
            .sample
            .with_value(|bytes| {
                bytes.as_ref().map(|bytes| {
                    let started = now_ms();
                    let mut result = draft.sample_info.with_untracked(|info| {
                        let raw = info.as_ref().map_or(&[][..], |(_, rows)| rows.as_slice());
                        draft
                            .catalog
                            .with_value(|c| preview_table(&current, c, bytes, raw, lang))
                    });
                    result.millis = now_ms() - started;
                    record_time(result.millis);
                    result
                })
            })
            .unwrap_or_default()
    });
    view! {
        <h2>{t("プレビュー（先頭20行、ブラウザ内で変換・チェック）", "Preview (first 20 rows, mapped and checked in this browser)")}</h2>
        <p class="muted" data-testid="preview-ms">{move || format!("{} {:.2} ms", lang.get().pick("変換時間", "Mapped in"), table.with(|t| t.millis))}</p>
        <ul class="error" data-testid="condition-problems">{move || table.with(|t| t.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view())}</ul>
        <Show when=move || table.with(|t| t.rows.is_empty() && !t.problems.is_empty())>
            <p class="muted" data-testid="preview-waiting">{t(
                "上の問題を直すと、ここにサンプルの変換結果が表示されます。",
                "Once the problems above are fixed, the sample's mapped rows appear here.",
            )}</p>
        </Show>
        <div class="table-box" tabindex="0" role="region" aria-label=t("プレビュー", "Preview") hidden=move || table.with(|t| t.rows.is_empty())>
        <table class="preview" data-testid="preview">
            <thead><tr><th>{t("行", "Row")}</th>{move || table.with(|t| t.headers.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view())}<th>{t("エラー", "Errors")}</th></tr></thead>
            <tbody>
                {move || table.with(|t| t.rows.iter().map(|(row, cells, errors)| view! {
                    <tr data-row=*row class=(!errors.is_empty()).then_some("has-errors")>
                        <td>{*row}</td>
                        {cells.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}
                        <td class="error">{errors.clone()}</td>
                    </tr>
                }).collect_view())}
            </tbody>
        </table>
        </div>
    }
}
