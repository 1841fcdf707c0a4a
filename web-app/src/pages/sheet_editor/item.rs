//! One item of the sheet editor: id, name, type and its settings, and who
//! may write it in which sheet status (the matrix templates and imports
//! obey).

use leptos::prelude::*;
use sheetlink_protocol::org::SheetStatusName;

use super::state::{ItemState, KindChoice};
use crate::components::{TableBox, sheet_status_text};
use crate::i18n::{t, use_lang};

const STATUSES: [SheetStatusName; 4] = [
    SheetStatusName::NotStarted,
    SheetStatusName::SelfEvaluated,
    SheetStatusName::FirstEvaluated,
    SheetStatusName::FinalEvaluated,
];

fn input(signal: RwSignal<String>) -> impl Fn(leptos::ev::Event) {
    move |ev| signal.set(event_target_value(&ev))
}

/// The editor of `item`; `on_remove` takes it out of its block.
#[component]
pub fn ItemEditor(
    /// The item.
    item: ItemState,
    /// Takes it out of its block.
    on_remove: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let key = item.key;
    let field = move |what: &str| format!("item-{key}-{what}");
    let kinds = KindChoice::ALL
        .into_iter()
        .map(|kind| view! { <option value=kind.value() selected=move || item.kind.get() == kind>{move || lang.get().pick(kind.words().0, kind.words().1)}</option> })
        .collect_view();
    let is = move |kind: KindChoice| move || item.kind.get() == kind;
    let role_row = move |(ja, en): (&'static str, &'static str),
                         statuses: RwSignal<Vec<SheetStatusName>>| {
        let cells = STATUSES.into_iter().map(move |status| {
            let (status_ja, status_en) = sheet_status_text(status);
            let label = move || lang.get().pick(format!("{ja}: {status_ja}"), format!("{en}: {status_en}"));
            view! { <td><input type="checkbox" aria-label=label data-testid="item-write" prop:checked=move || statuses.with(|s| s.contains(&status))
                on:change=move |ev| { let on = event_target_checked(&ev); statuses.update(|s| { s.retain(|x| *x != status); if on { s.push(status); } }); }/></td> }
        }).collect_view();
        view! { <tr><th scope="row">{t(ja, en)}</th>{cells}</tr> }
    };
    let headers = STATUSES
        .into_iter()
        .map(|status| {
            let (ja, en) = sheet_status_text(status);
            view! { <th scope="col">{t(ja, en)}</th> }
        })
        .collect_view();
    view! {
        <fieldset class="item" data-testid="item">
            <legend>{move || { let name = item.name.get(); if name.trim().is_empty() { lang.get().pick("新しい項目", "New item").to_owned() } else { name } }}</legend>
            <div class="fields">
            <div class="field">
                <label for=field("name")>{t("項目名", "Item name")}</label>
                <input id=field("name") data-testid="item-name" required prop:value=item.name on:input=input(item.name)/>
            </div>
            <div class="field">
                <label for=field("id")>{t("項目ID（CSVの2行目に入ります。半角英数字）", "Item id (in row 2 of CSVs; letters and digits)")}</label>
                <input id=field("id") data-testid="item-id" required prop:value=item.id on:input=input(item.id)/>
            </div>
            <div class="field">
                <label for=field("kind")>{t("種類", "Type")}</label>
                <select id=field("kind") data-testid="item-kind" on:change=move |ev| item.kind.set(KindChoice::from_value(&event_target_value(&ev)))>{kinds}</select>
            </div>
            </div>
            <div class="fields">
            <Show when=is(KindChoice::Number) fallback=|| ()>
                <div class="field">
                    <label for=field("min")>{t("最小値（空欄なら制限なし）", "Minimum (empty: none)")}</label>
                    <input id=field("min") data-testid="item-min" inputmode="decimal" prop:value=item.min on:input=input(item.min)/>
                </div>
                <div class="field">
                    <label for=field("max")>{t("最大値（空欄なら制限なし）", "Maximum (empty: none)")}</label>
                    <input id=field("max") data-testid="item-max" inputmode="decimal" prop:value=item.max on:input=input(item.max)/>
                </div>
            </Show>
            <Show when=is(KindChoice::Text) fallback=|| ()>
                <div class="field">
                    <label for=field("max-len")>{t("最大文字数（空欄なら制限なし）", "Longest text in characters (empty: none)")}</label>
                    <input id=field("max-len") data-testid="item-max-len" inputmode="numeric" prop:value=item.max_len on:input=input(item.max_len)/>
                </div>
            </Show>
            <Show when=is(KindChoice::Dropdown) fallback=|| ()>
                <div class="field">
                    <label for=field("options")>{t("選択肢（1行に1つ）", "Options (one per line)")}</label>
                    <textarea id=field("options") data-testid="item-options" rows="4" prop:value=item.options on:input=input(item.options)></textarea>
                </div>
            </Show>
            </div>
            <TableBox label=t("記入できる人", "Who may write it")>
            <table class="matrix" data-testid="item-matrix">
                <caption>{t("記入できる人（シートのステータスごと）", "Who may write it, by sheet status")}</caption>
                <thead><tr><th scope="col">{t("役割", "Role")}</th>{headers}</tr></thead>
                <tbody>
                    {role_row(("評価管理者", "Evaluation admin"), item.admin)}
                    {role_row(("グループリーダー", "Group leader"), item.leader)}
                </tbody>
            </table>
            </TableBox>
            <button type="button" data-testid="item-remove" on:click=move |_| on_remove.run(())>{t("この項目を削除", "Remove this item")}</button>
        </fieldset>
    }
}
