//! One field of the catalog editor: id, label, type, and the options of a
//! dropdown or the sheet a relation points at.

use leptos::prelude::*;
use sheetlink_engine::linkage::{Field, FieldType};

use crate::i18n::{t, use_lang};

/// Every type a field may have, by its JSON name.
pub const TYPES: [(FieldType, &str); 12] = [
    (FieldType::Text, "text"),
    (FieldType::Number, "number"),
    (FieldType::Date, "date"),
    (FieldType::Datetime, "datetime"),
    (FieldType::Time, "time"),
    (FieldType::Dropdown, "dropdown"),
    (FieldType::Checkbox, "checkbox"),
    (FieldType::Email, "email"),
    (FieldType::Phone, "phone"),
    (FieldType::Address, "address"),
    (FieldType::Link, "link"),
    (FieldType::Relation, "relation"),
];

/// A new field of type text with an id to fill in.
pub fn blank_field() -> Field {
    Field::new("x_", "", FieldType::Text)
}

/// Edits `field` through `set`; `sheets` are the sheets a relation may
/// point at, `(id, name)`; `fixed` keeps id and type (the id and name
/// fields of an extension sheet).
#[component]
pub fn FieldEditor(
    /// The field as it is.
    field: Field,
    /// Takes the field as edited.
    set: Callback<Field>,
    /// The sheets a relation may point at, `(id, name)`.
    sheets: Signal<Vec<(String, String)>>,
    /// Keeps the id and the type (an extension sheet's id and name fields).
    #[prop(optional)]
    fixed: bool,
    /// Names the field for screen readers ("Field 3 of 展示会").
    place: String,
    /// Takes the field out (none for the fixed ones).
    #[prop(optional)]
    remove: Option<Callback<()>>,
) -> impl IntoView {
    let lang = use_lang();
    let current = StoredValue::new(field.clone());
    let change = move |edit: &dyn Fn(&mut Field)| {
        let mut next = current.get_value();
        edit(&mut next);
        current.set_value(next.clone());
        set.run(next);
    };
    let place = StoredValue::new(place);
    let named = move |what: &'static str, en: &'static str| {
        let place = place.get_value();
        move || {
            lang.get()
                .pick(format!("{place}の{what}"), format!("{en} of {place}"))
        }
    };
    let options_text = StoredValue::new(field.options.join("\n"));
    // The type shown, so that choosing one shows its options or target
    // without redrawing the row (and losing what is being typed).
    let kind = RwSignal::new(field.field_type);
    let is_dropdown = move || kind.get() == FieldType::Dropdown;
    let is_relation = move || kind.get() == FieldType::Relation;
    let relation = StoredValue::new(field.relation_sheet.clone().unwrap_or_default());
    // The row's cells: the caller's `<tr>` holds them (with a sheet cell
    // first, for a field added to a standard sheet).
    view! {
            <td><input data-testid="catalog-field-id" aria-label=named("ID", "Id") disabled=fixed prop:value=field.id.clone() on:change=move |ev| { let v = event_target_value(&ev); change(&|f| f.id = v.clone()); }/></td>
            <td><input data-testid="catalog-field-label" aria-label=named("表示名", "Label") prop:value=field.label.clone() on:change=move |ev| { let v = event_target_value(&ev); change(&|f| f.label = v.clone()); }/></td>
            <td><select data-testid="catalog-field-type" aria-label=named("種類", "Type") disabled=fixed on:change=move |ev| {
                let v = event_target_value(&ev);
                if let Some((chosen, _)) = TYPES.iter().find(|(_, id)| *id == v) {
                    let chosen = *chosen;
                    kind.set(chosen);
                    change(&|f| { f.field_type = chosen; f.options.clear(); f.relation_sheet = None; });
                }
            }>
                {TYPES.iter().map(|(kind, id)| {
                    let kind = *kind;
                    view! { <option value=*id selected=kind == field.field_type>{move || kind.name(lang.get())}</option> }
                }).collect_view()}
            </select></td>
            <td>
                <Show when=is_dropdown>
                    <textarea data-testid="catalog-field-options" rows="3" aria-label=named("選択肢（1行に1つ）", "Options (one per line)") prop:value=options_text.get_value() on:change=move |ev| {
                        let v = event_target_value(&ev);
                        change(&|f| f.options = v.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect());
                    }></textarea>
                </Show>
                <Show when=is_relation>
                    <select data-testid="catalog-field-relation" aria-label=named("紐づき先のシート", "Sheet it points at") on:change=move |ev| { let v = event_target_value(&ev); change(&|f| f.relation_sheet = Some(v.clone())); }>
                        <option value="" selected=relation.with_value(String::is_empty)>{t("選んでください", "Choose")}</option>
                        {move || sheets.get().into_iter().map(|(id, name)| { let selected = relation.with_value(|r| *r == id); view! { <option value=id selected=selected>{name}</option> } }).collect_view()}
                    </select>
                </Show>
            </td>
            <td>{remove.map(|remove| view! {
                <button class="link" aria-label=named("削除", "Remove") on:click=move |_| remove.run(())>{t("削除", "Remove")}</button>
            })}</td>
    }
}
