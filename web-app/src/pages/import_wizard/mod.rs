//! The import-condition wizard: key and description → sample file, mode and
//! duplicates (`method.rs`) → mapping (`mapping.rs`: auto-suggested, with the
//! first 20 rows of the sample mapped and checked by the engine in this page
//! on every change, `preview.rs`) → after-import actions → save. The server
//! checks the condition again.

pub mod mapping;
pub mod method;
pub mod preview;

use std::collections::HashMap;

use leptos::prelude::*;
use sheetlink_engine::linkage::{Catalog, Field, ImportCondition, valid_key};
use sheetlink_protocol::linkage::{AfterImport, StoredImportCondition as Stored};

pub use preview::{PREVIEW_ROWS, PreviewTable, preview_table};

use crate::api;
use crate::components::{
    Answer, ConditionEditor, ConditionKind, NextStep, Notifications, Said, Steps, save_condition,
};
use crate::i18n::{t, use_lang};

/// `/linkage/import/new` and `/linkage/import/:key`.
#[component]
pub fn ImportWizardPage() -> impl IntoView {
    view! {
        <ConditionEditor
            kind=ConditionKind::Import
            blank=blank
            form=|editing, stored| view! {
                <crate::components::WithCatalog then=Callback::new(move |catalog| view! {
                    <ImportWizard editing=editing.clone() stored=stored.clone() catalog=catalog/>
                }.into_any())/>
            }
        />
    }
}

fn blank() -> Stored {
    Stored {
        condition: ImportCondition::new("customer"),
        after: AfterImport::default(),
    }
}

/// The condition being edited and what the wizard knows of its sample.
#[derive(Clone, Copy)]
pub struct Draft {
    /// The condition as edited so far.
    pub condition: RwSignal<ImportCondition>,
    /// The CRM sheets and their fields.
    pub catalog: StoredValue<Catalog>,
    /// The sample file's bytes.
    pub sample: StoredValue<Option<Vec<u8>>, LocalStorage>,
    /// Bumped when a new sample is read.
    pub sample_version: RwSignal<u32>,
    /// The sample's name (with its encoding) and its first rows.
    pub sample_info: RwSignal<Option<(String, Vec<Vec<String>>)>>,
    /// Per file header, the field suggested and how sure the suggestion is.
    pub confidence: RwSignal<HashMap<String, (String, f32)>>,
    /// The tenant's mapping templates (every sheet's).
    pub templates: RwSignal<Vec<sheetlink_engine::linkage::MappingTemplate>>,
    /// The template last applied (by hand, or because a sample fitted it).
    pub applied_template: RwSignal<Option<String>>,
}

impl Draft {
    /// A draft of `condition` against `catalog`, no sample yet; the
    /// tenant's mapping templates are fetched (none when that fails: the
    /// table still works by hand).
    pub fn new(condition: ImportCondition, catalog: Catalog) -> Self {
        let draft = Draft {
            condition: RwSignal::new(condition),
            catalog: StoredValue::new(catalog),
            sample: StoredValue::new_local(None),
            sample_version: RwSignal::new(0),
            sample_info: RwSignal::new(None),
            confidence: RwSignal::new(HashMap::new()),
            templates: RwSignal::new(Vec::new()),
            applied_template: RwSignal::new(None),
        };
        leptos::task::spawn_local(async move {
            if let Ok(all) = api::get("/api/linkage/mapping-templates").await {
                draft.templates.set(all);
            }
        });
        draft
    }

    /// The fields of the condition's sheet.
    pub fn fields(self) -> Vec<Field> {
        let sheet = self.condition.with(|c| c.sheet.clone());
        self.catalog.with_value(|c| {
            c.sheet(&sheet)
                .map(|s| s.fields.clone())
                .unwrap_or_default()
        })
    }

    /// The sample's header row, when the condition says it has one.
    pub fn header_row(self) -> Option<Vec<String>> {
        let (has_header, first_data_row) =
            self.condition.with(|c| (c.has_header, c.first_data_row));
        self.sample_info.with(|info| {
            let (_, rows) = info.as_ref()?;
            has_header.then(|| rows.get(first_data_row.saturating_sub(2) as usize).cloned())?
        })
    }
}

const STEPS: &[(&str, &str)] = &[
    ("キーと説明", "Key"),
    ("インポート方法", "Method"),
    ("マッピング", "Mapping"),
    ("インポート後のアクション", "After import"),
];

#[component]
fn ImportWizard(editing: Option<String>, stored: Stored, catalog: Catalog) -> impl IntoView {
    let lang = use_lang();
    let draft = Draft::new(stored.condition, catalog);
    let notify = RwSignal::new(stored.after.notify_members);
    let emails = RwSignal::new(stored.after.emails);
    let staff = RwSignal::new(stored.after.notify_staff);
    let list = RwSignal::new(stored.after.add_to_list);
    // The lists there are, to pick from (a new name makes a new one).
    let existing = LocalResource::new(|| async {
        api::get::<Vec<sheetlink_protocol::linkage::ListSummary>>("/api/linkage/lists")
            .await
            .ok()
            .map(|lists| lists.into_iter().map(|l| l.name).collect::<Vec<_>>())
    });
    let step = RwSignal::new(1u8);
    let problem = RwSignal::new(None::<Said>);
    let is_edit = editing.is_some();
    let save =
        save_condition::<Stored>(ConditionKind::Import, editing, |s| s.condition.key.clone());
    let refused =
        Signal::derive(move || save.value().get().and_then(Result::err).map(Said::Failed));
    let submit = move |_| {
        save.dispatch(Stored {
            condition: draft.condition.get_untracked(),
            after: AfterImport {
                notify_members: notify.get_untracked(),
                emails: emails.get_untracked(),
                notify_staff: staff.get_untracked(),
                add_to_list: list.get_untracked(),
            },
        });
    };
    view! {
        <section class="card wizard">
            <h1>{move || if is_edit { lang.get().pick("インポート条件の編集", "Edit import condition") } else { lang.get().pick("インポート条件設定登録", "New import condition") }}</h1>
            <Steps step=step captions=STEPS/>
            <Answer said=problem testid="wizard-message"/>
            <div hidden=move || step.get() != 1>
                <KeyStep draft=draft is_edit=is_edit step=step/>
            </div>
            <div hidden=move || step.get() != 2>
                <method::MethodStep draft=draft problem=problem/>
                <Show when=move || is_edit>
                    <p data-testid="condition-history">
                        {t("この条件によるインポートの実行履歴は", "The runs of this condition: ")}
                        <leptos_router::components::A href=move || draft.condition.with(|c| format!("/linkage/history?sheet={}&key={}", api::segment(&c.sheet), api::segment(&c.key)))>
                            {t("こちらをクリック", "click here")}
                        </leptos_router::components::A>
                    </p>
                </Show>
                <NextStep step=step to=3 testid="to-step-3"/>
            </div>
            <div hidden=move || step.get() != 3>
                <mapping::MappingStep draft=draft/>
                <preview::Preview draft=draft/>
                <NextStep step=step to=4 testid="to-step-4"/>
            </div>
            <div hidden=move || step.get() != 4>
                <Notifications members=notify emails=emails staff=staff/>
                <label>{t("リストへの追加（既存のリストを選ぶか新しい名前を入力、空欄なら追加しない）", "Add the imported records to a list (pick one or type a new name; empty: none)")}
                    <input data-testid="add-to-list" list="existing-lists" prop:value=move || list.get().unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); list.set((!v.trim().is_empty()).then(|| v.trim().to_owned())); }/>
                </label>
                <datalist id="existing-lists">
                    {move || existing.get().flatten().unwrap_or_default().into_iter().map(|name| view! { <option value=name/> }).collect_view()}
                </datalist>
                <button class="primary" data-testid="save-condition" disabled=save.pending() on:click=submit>{t("登録", "Save")}</button>
                <Answer said=refused testid="save-error"/>
            </div>
        </section>
    }
}

/// Step 1: the key (fixed once saved; checked here by the engine's rule
/// before the next step), the description and the sheet.
#[component]
fn KeyStep(draft: Draft, is_edit: bool, step: RwSignal<u8>) -> impl IntoView {
    let condition = draft.condition;
    let key_refused = RwSignal::new(false);
    let next = move |_| {
        let fine = is_edit || condition.with_untracked(|c| valid_key(&c.key));
        key_refused.set(!fine);
        if fine {
            step.set(2);
        }
    };
    view! {
        <label>{t("インポートキー（半角英数字と - _、64文字まで、先頭に - は使えません）", "Import key (ASCII letters, digits, - and _; up to 64; not starting with -)")}
            <input data-testid="import-key" prop:value=move || condition.with(|c| c.key.clone()) disabled=is_edit
                aria-invalid=move || key_refused.get().then_some("true")
                on:input=move |ev| { let v = event_target_value(&ev); key_refused.set(false); condition.update(|c| c.key = v); }/>
        </label>
        <Show when=move || key_refused.get()>
            <p class="error" role="alert" data-testid="key-problem">{t(
                "インポートキーを入力してください。使えるのは半角英数字と - _ で、64文字まで、先頭に - は使えません（例: customers-nightly）。",
                "Enter an import key: ASCII letters, digits, - and _, up to 64, not starting with - (e.g. customers-nightly).",
            )}</p>
        </Show>
        <label>{t("説明", "Description")}
            <input data-testid="import-description" prop:value=move || condition.with(|c| c.description.clone())
                on:input=move |ev| { let v = event_target_value(&ev); condition.update(|c| c.description = v); }/>
        </label>
        <label>{t("シート", "Sheet")}
            <select data-testid="import-sheet" on:change=move |ev| { let v = event_target_value(&ev); condition.update(|c| { c.sheet = v; c.mappings.clear(); c.matching_keys.clear(); c.relation_keys.clear(); }); }>
                {draft.catalog.with_value(|c| c.sheets.iter().map(|s| {
                    let id = s.id.clone();
                    view! { <option value=id.clone() selected=move || condition.with(|c| c.sheet == id)>{s.name.clone()}</option> }
                }).collect_view())}
            </select>
        </label>
        <button class="primary" data-testid="to-step-2" on:click=next>{t("次へ", "Next")}</button>
    }
}
