//! `/linkage/catalog`: the tenant's own CRM (CRM admins) — custom fields on
//! the standard sheets, more options on their dropdowns, and extension
//! sheets of its own. Saved whole; the server refuses, naming the field and
//! the count, a change that would break values records hold.

pub mod field;

use leptos::prelude::*;
use sheetlink_engine::linkage::{
    AddedField, AddedOptions, CatalogAdditions, Field, FieldType, Sheet, crm_catalog,
};

use crate::api;
use crate::components::{Answer, Loader, Said, TableBox};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;
use field::{FieldEditor, blank_field};

/// `/linkage/catalog`.
#[component]
pub fn CatalogPage() -> impl IntoView {
    view! { <SignedIn><Load/></SignedIn> }
}

#[component]
fn Load() -> impl IntoView {
    let lang = use_lang();
    let stored =
        LocalResource::new(|| api::get::<CatalogAdditions>("/api/linkage/catalog/additions"));
    view! {
        <section class="card" data-testid="catalog">
            <h1>{t("CRMの項目", "CRM fields")}</h1>
            <p>{t(
                "標準の10シートに項目や選択肢を加え、独自の拡張シートを作れます。IDは x_ で始まる半角英小文字・数字・_ です。値を持つ項目の削除や種類の変更、使われている選択肢の削除はできません。",
                "Add fields and options to the ten standard sheets, and sheets of your own. Ids start with x_ (lower-case letters, digits, _). A field holding values cannot be removed or change type; an option in use cannot be removed.",
            )}</p>
            <p class="muted" data-testid="catalog-keys">{move || {
                // From the engine's own rules, so the sentence cannot drift.
                let lang = lang.get();
                let names = |keep: fn(FieldType) -> bool| {
                    field::TYPES
                        .iter()
                        .filter(|(ty, _)| keep(*ty))
                        .map(|(ty, _)| ty.name(lang))
                        .collect::<Vec<_>>()
                        .join(lang.pick("・", ", "))
                };
                let matching = names(FieldType::can_be_matching_key);
                let relation = names(FieldType::can_be_relation_key);
                lang.pick(
                    format!("インポートのマッチングキーに使える種類: {matching}。紐づき先のマッチングキー（別のシートから、このレコードを探す項目）に使えるのは、ID・名前の項目と {relation} の項目です。"),
                    format!("Types an import's matching key may be: {matching}. A relation key (the field another sheet finds this record by) may be the id, the name, or a field of type {relation}."),
                )
            }}</p>
            <Loader>
                {move || Suspend::new(async move { stored.await.map(|additions| view! { <Editor additions=additions/> }) })}
            </Loader>
        </section>
    }
}

/// `(id, name)` of every sheet a relation may point at.
fn sheet_choices(additions: &CatalogAdditions) -> Vec<(String, String)> {
    crm_catalog()
        .sheets
        .iter()
        .chain(&additions.sheets)
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

/// A new extension sheet: its id and name fields.
fn blank_sheet(number: usize) -> Sheet {
    Sheet {
        id: format!("x_sheet{number}"),
        name: String::new(),
        fields: vec![
            Field {
                is_id: true,
                ..Field::new("id", "ID", FieldType::Text)
            },
            Field {
                is_name: true,
                ..Field::new("name", "名前", FieldType::Text)
            },
        ],
    }
}

#[component]
fn Editor(additions: CatalogAdditions) -> impl IntoView {
    let lang = use_lang();
    let draft = RwSignal::new(additions);
    let sheets = Signal::derive(move || draft.with(sheet_choices));
    // Rows are redrawn when one comes or goes, never on an edit (that
    // would replace the input being typed into): memos of the counts.
    let added_count = Memo::new(move |_| draft.with(|d| d.fields.len()));
    let sheet_count = Memo::new(move |_| draft.with(|d| d.sheets.len()));
    let save = Action::new_local(move |additions: &CatalogAdditions| {
        let additions = additions.clone();
        async move {
            api::put::<_, sheetlink_engine::linkage::Catalog>(
                "/api/linkage/catalog/additions",
                &additions,
            )
            .await
        }
    });
    // A save made from this draft's revision: the next one is made from the
    // revision it stored (one more).
    Effect::new(move |_| {
        if save.value().with(|answer| matches!(answer, Some(Ok(_)))) {
            draft.update(|d| d.revision += 1);
        }
    });
    let said = Signal::derive(move || match save.value().get() {
        Some(Ok(catalog)) => {
            crate::catalog::keep(&catalog);
            let count = catalog.sheets.len();
            Some(Said::Done(
                format!("保存しました（シート{count}件）。"),
                format!("Saved ({count} sheets)."),
            ))
        }
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    let standard: Vec<(String, String)> = crm_catalog()
        .sheets
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let standard = StoredValue::new(standard);
    view! {
        <h2>{t("標準シートに加える項目", "Fields added to standard sheets")}</h2>
        <TableBox label=t("標準シートに加える項目", "Fields added to standard sheets")>
            <table data-testid="catalog-added-fields">
                <thead><tr><th>{t("シート", "Sheet")}</th><th>"ID"</th><th>{t("表示名", "Label")}</th><th>{t("種類", "Type")}</th><th>{t("選択肢・紐づき先", "Options / points at")}</th><th><span class="visually-hidden">{t("削除", "Remove")}</span></th></tr></thead>
                <tbody>
                // Redrawn when a row comes or goes, not on every edit (that
                // would replace the input being typed into).
                {move || (0..added_count.get()).map(|i| {
                    let added = draft.with_untracked(|d| d.fields[i].clone());
                    let sheet_id = added.sheet.clone();
                    view! {
                        <tr>
                            <td><select data-testid="catalog-added-sheet" aria-label=move || lang.get().pick(format!("追加項目{}のシート", i + 1), format!("Sheet of added field {}", i + 1)) on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.fields[i].sheet = v); }>
                                {standard.get_value().into_iter().map(|(id, name)| { let selected = id == sheet_id; view! { <option value=id selected=selected>{name}</option> } }).collect_view()}
                            </select></td>
                                <FieldEditor field=added.field sheets=sheets place=format!("追加項目{}", i + 1)
                                    set=Callback::new(move |f| draft.update(|d| d.fields[i].field = f))
                                    remove=Callback::new(move |()| draft.update(|d| { d.fields.remove(i); }))/>
                        </tr>
                    }
                }).collect_view()}
                </tbody>
            </table>
        </TableBox>
        <button data-testid="catalog-add-field" on:click=move |_| draft.update(|d| d.fields.push(AddedField { sheet: "customer".into(), field: blank_field() }))>{t("項目を追加", "Add a field")}</button>

        <h2>{t("プルダウンに加える選択肢", "Options added to dropdowns")}</h2>
        <Options draft=draft/>

        <h2>{t("拡張シート", "Extension sheets")}</h2>
        {move || (0..sheet_count.get()).map(|s| view! { <ExtensionSheet draft=draft index=s sheets=sheets/> }).collect_view()}
        <button data-testid="catalog-add-sheet" on:click=move |_| draft.update(|d| { let n = d.sheets.len() + 1; d.sheets.push(blank_sheet(n)); })>{t("拡張シートを追加", "Add an extension sheet")}</button>

        <Answer said=said testid="catalog-said"/>
        <p><button class="primary" data-testid="catalog-save" on:click=move |_| { save.dispatch(draft.get_untracked()); }>{t("保存", "Save")}</button></p>
    }
}

/// The standard dropdowns' added options, one row per dropdown.
#[component]
fn Options(draft: RwSignal<CatalogAdditions>) -> impl IntoView {
    let lang = use_lang();
    let dropdowns: Vec<(String, String, String, Vec<String>)> = crm_catalog()
        .sheets
        .iter()
        .flat_map(|s| {
            s.fields
                .iter()
                .filter(|f| f.field_type == FieldType::Dropdown)
                .map(|f| {
                    (
                        s.id.clone(),
                        f.id.clone(),
                        format!("{} {}", s.name, f.label),
                        f.options.clone(),
                    )
                })
        })
        .collect();
    let rows = dropdowns.into_iter().map(|(sheet, field, label, standard)| {
        let (sheet_key, field_key) = (sheet.clone(), field.clone());
        let current = move || {
            draft.with(|d| d.options.iter().find(|o| o.sheet == sheet_key && o.field == field_key).map(|o| o.options.join("\n")).unwrap_or_default())
        };
        let aria = label.clone();
        let data_field = format!("{sheet}.{field}");
        view! {
            <tr data-testid="catalog-dropdown" data-field=data_field>
                <td>{label}</td>
                <td class="muted">{standard.join("・")}</td>
                <td><textarea data-testid="catalog-options" rows="2" aria-label=move || lang.get().pick(format!("{aria}に加える選択肢（1行に1つ）"), format!("Options added to {aria} (one per line)")) prop:value=current on:change=move |ev| {
                    let options: Vec<String> = event_target_value(&ev).lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
                    let (sheet, field) = (sheet.clone(), field.clone());
                    draft.update(|d| {
                        d.options.retain(|o| !(o.sheet == sheet && o.field == field));
                        if !options.is_empty() {
                            d.options.push(AddedOptions { sheet, field, options });
                        }
                    });
                }></textarea></td>
            </tr>
        }
    }).collect_view();
    view! {
        <TableBox label=t("プルダウンに加える選択肢", "Options added to dropdowns")>
            <table data-testid="catalog-options-table">
                <thead><tr><th>{t("項目", "Field")}</th><th>{t("標準の選択肢", "Standard options")}</th><th>{t("加える選択肢", "Added options")}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableBox>
    }
}

/// One extension sheet: its id, name and fields.
#[component]
fn ExtensionSheet(
    draft: RwSignal<CatalogAdditions>,
    index: usize,
    sheets: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let lang = use_lang();
    let sheet = draft.with_untracked(|d| d.sheets[index].clone());
    let title = if sheet.name.is_empty() {
        sheet.id.clone()
    } else {
        sheet.name.clone()
    };
    // Redrawn when a field comes or goes, not on every edit.
    let count =
        Memo::new(move |_| draft.with(|d| d.sheets.get(index).map_or(0, |s| s.fields.len())));
    let place_of = StoredValue::new(title.clone());
    let fields = move || {
        (0..count.get())
            .map(|f| {
                let field = draft.with_untracked(|d| d.sheets[index].fields[f].clone());
                let fixed = field.is_id || field.is_name;
                let place = format!("{} の項目{}", place_of.get_value(), f + 1);
                let set = Callback::new(move |field| draft.update(|d| d.sheets[index].fields[f] = field));
                if fixed {
                    return view! { <tr data-testid="catalog-field"><FieldEditor field=field sheets=sheets place=place set=set fixed=true/></tr> }.into_any();
                }
                let remove = Callback::new(move |()| {
                    draft.update(|d| {
                        d.sheets[index].fields.remove(f);
                    })
                });
                view! { <tr data-testid="catalog-field"><FieldEditor field=field sheets=sheets place=place set=set remove=remove/></tr> }.into_any()
            })
            .collect_view()
    };
    let name_label = title.clone();
    view! {
        <fieldset class="extension" data-testid="catalog-sheet">
            <legend>{title.clone()}</legend>
            <label>"ID "<input data-testid="catalog-sheet-id" prop:value=sheet.id.clone() on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.sheets[index].id = v); }/></label>
            " "
            <label>{t("シート名", "Sheet name")}" "<input data-testid="catalog-sheet-name" aria-label=move || lang.get().pick(format!("{name_label}のシート名"), format!("Name of {name_label}")) prop:value=sheet.name.clone() on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.sheets[index].name = v); }/></label>
            <TableBox label=t("拡張シートの項目", "Extension sheet fields")>
                <table data-testid="catalog-sheet-fields">
                    <thead><tr><th>"ID"</th><th>{t("表示名", "Label")}</th><th>{t("種類", "Type")}</th><th>{t("選択肢・紐づき先", "Options / points at")}</th><th><span class="visually-hidden">{t("削除", "Remove")}</span></th></tr></thead>
                    <tbody>{fields}</tbody>
                </table>
            </TableBox>
            <button data-testid="catalog-sheet-add-field" on:click=move |_| draft.update(|d| d.sheets[index].fields.push(blank_field()))>{t("項目を追加", "Add a field")}</button>
            " "
            <button class="link" data-testid="catalog-sheet-remove" on:click=move |_| draft.update(|d| { d.sheets.remove(index); })>{t("このシートを外す", "Remove this sheet")}</button>
        </fieldset>
    }
}
