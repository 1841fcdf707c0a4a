//! Step 2: the sample file (read here, never uploaded), the mode and what
//! to do with duplicates.

use std::collections::HashMap;

use leptos::prelude::*;
use sheetlink_engine::evaluation::MAX_FILE_BYTES;
use sheetlink_engine::linkage::{
    ImportMode, InFileDuplicates, InputEncoding, MappingRow, OnExisting, Source, best_template,
    sample_rows, suggest_mapping,
};
use wasm_bindgen_futures::JsFuture;

use super::{Draft, PREVIEW_ROWS};
use crate::components::Said;
use crate::i18n::{Lang, t};

/// Reads `bytes` as the sample: its first rows, its encoding, and (for a
/// condition without mappings yet) the saved template that fits its
/// headers, else a field suggested for every header.
pub fn take_sample(draft: Draft, bytes: Vec<u8>, name: String) -> Result<(), Said> {
    let current = draft.condition.get_untracked();
    let (encoding, rows) =
        sample_rows(&bytes, current.encoding, PREVIEW_ROWS + 5).map_err(|diagnostic| {
            Said::Problem(diagnostic.message(Lang::Ja), diagnostic.message(Lang::En))
        })?;
    let encoding_name = match encoding {
        InputEncoding::Utf8 => "UTF-8",
        InputEncoding::ShiftJis => "Shift_JIS",
    };
    if current.has_header && current.mappings.is_empty() {
        let headers = rows
            .get(current.first_data_row.saturating_sub(2) as usize)
            .cloned()
            .unwrap_or_default();
        // A saved template whose columns are all in the file comes first,
        // then the engine's suggestion per header.
        let fitting = draft
            .templates
            .with_untracked(|all| best_template(all, &current.sheet, &headers).cloned());
        match fitting {
            Some(template) => {
                draft.condition.update(|c| template.apply_to(c));
                draft.confidence.set(HashMap::new());
                draft.applied_template.set(Some(template.name));
            }
            None => suggest(draft, &headers),
        }
    }
    draft
        .sample_info
        .set(Some((format!("{name} ({encoding_name})"), rows)));
    draft.sample.set_value(Some(bytes));
    draft.sample_version.update(|v| *v += 1);
    Ok(())
}

/// Maps each of `headers` to the field the engine suggests, with its
/// confidence.
fn suggest(draft: Draft, headers: &[String]) {
    let suggestions = suggest_mapping(headers, &draft.fields());
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
    draft.confidence.set(found);
    draft.condition.update(|c| c.mappings = mappings);
}

/// The step: the sample, then the mode and duplicate handling.
#[component]
pub fn MethodStep(
    /// The condition and its sample.
    draft: Draft,
    /// Where a sample that cannot be read is explained.
    problem: RwSignal<Option<Said>>,
) -> impl IntoView {
    // The reference's "CSVファイルの使用有無": without a sample the mapping
    // table takes header names (or column numbers) typed by hand.
    let use_sample = RwSignal::new(true);
    let without = move |_| {
        use_sample.set(false);
        draft.sample.set_value(None);
        draft.sample_info.set(None);
        draft.sample_version.update(|v| *v += 1);
        problem.set(None);
    };
    view! {
        <fieldset>
            <legend>{t("CSVファイルの使用", "Sample CSV file")}</legend>
            <label class="inline"><input type="radio" name="use-sample" data-testid="sample-use" prop:checked=use_sample on:change=move |_| use_sample.set(true)/>{t("使用する", "Use one")}</label>
            <label class="inline"><input type="radio" name="use-sample" data-testid="sample-none" prop:checked=move || !use_sample.get() on:change=without/>{t("使用しない（見出しを手で入力）", "None (type the headers)")}</label>
        </fieldset>
        <Show when=move || use_sample.get()>
            <SampleDrop draft=draft problem=problem label=("サンプルのCSVファイル（UTF-8・BOM付き・Shift_JIS）をドロップ、または選択", "Drop or choose a sample CSV (UTF-8, with BOM, or Shift_JIS)")/>
        </Show>
        <ModeFields draft=draft/>
    }
}

/// A file dropped or chosen, read here (never uploaded by this) as the
/// draft's sample: its encoding and first rows shown.
#[component]
pub fn SampleDrop(
    /// The condition and its sample.
    draft: Draft,
    /// Where a file that cannot be read is explained.
    problem: RwSignal<Option<Said>>,
    /// What the drop zone says (Japanese, English).
    label: (&'static str, &'static str),
) -> impl IntoView {
    let read = Action::new_local(move |file: &web_sys::File| {
        let file = file.clone();
        async move {
            // Refused at once, before a byte is read: the server would too.
            if file.size() > MAX_FILE_BYTES as f64 {
                let megabytes = file.size() / 1_000_000.0;
                problem.set(Some(Said::Problem(
                    format!(
                        "「{}」は{megabytes:.1}MBです。上限は30MBです。ファイルを分けてください。",
                        file.name()
                    ),
                    format!(
                        "“{}” is {megabytes:.1} MB; the limit is 30 MB. Split the file.",
                        file.name()
                    ),
                )));
                return;
            }
            if let Ok(buffer) = JsFuture::from(file.array_buffer()).await {
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                problem.set(take_sample(draft, bytes, file.name()).err());
            }
        }
    });
    view! {
        <div class="drop"
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) { read.dispatch_local(file); }
            }>
            <p>{t(label.0, label.1)}</p>
            <input data-testid="sample-input" type="file" accept=".csv,text/csv" aria-label=t(label.0, label.1) on:change=move |ev| {
                let input: web_sys::HtmlInputElement = event_target(&ev);
                if let Some(file) = input.files().and_then(|f| f.get(0)) { read.dispatch_local(file); }
            }/>
            <p class="muted" data-testid="sample-name">{move || draft.sample_info.with(|i| i.as_ref().map(|(name, _)| name.clone()).unwrap_or_default())}</p>
        </div>
    }
}

/// The mode and what to do with duplicates.
#[component]
pub fn ModeFields(
    /// The condition.
    draft: Draft,
) -> impl IntoView {
    let condition = draft.condition;
    view! {
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
    }
}
