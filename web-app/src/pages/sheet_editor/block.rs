//! One block of the sheet editor, with its items and the blocks inside it
//! (the same editor, one level deeper).

use leptos::prelude::*;

use super::item::ItemEditor;
use super::state::{BlockState, ItemState};
use crate::i18n::{t, use_lang};

/// The editor of `block` at `depth` (1 for a top-level block);
/// `on_remove` takes it out of where it is.
#[component]
pub fn BlockEditor(
    /// The block.
    block: BlockState,
    /// How deep it is (1 at the top).
    depth: usize,
    /// Takes it out of where it is.
    on_remove: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let key = block.key;
    let name_id = format!("block-{key}-name");
    let id_id = format!("block-{key}-id");
    let items = move || block.items.get();
    let blocks = move || block.blocks.get();
    view! {
        <fieldset class="block" data-testid="block" data-depth=depth>
            <legend>{move || { let name = block.name.get(); if name.trim().is_empty() { lang.get().pick("ブロック（名前なし: 未設定と表示）", "Block (no name: shown as 未設定)").to_owned() } else { name } }}</legend>
            <div class="fields">
                <div class="field">
                    <label for=name_id.clone()>{t("ブロック名（空欄なら「未設定」）", "Block name (empty shows as 未設定)")}</label>
                    <input id=name_id data-testid="block-name" prop:value=block.name on:input=move |ev| block.name.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for=id_id.clone()>{t("ブロックID", "Block id")}</label>
                    <input id=id_id data-testid="block-id" required prop:value=block.id on:input=move |ev| block.id.set(event_target_value(&ev))/>
                </div>
            </div>
            <For each=items key=|item| item.key let:item>
                <ItemEditor item=item on_remove=Callback::new(move |()| block.items.update(|list| list.retain(|i| i.key != item.key)))/>
            </For>
            <For each=blocks key=|inner| inner.key let:inner>
                {view! {
                    <BlockEditor block=inner depth=depth + 1 on_remove=Callback::new(move |()| block.blocks.update(|list| list.retain(|b| b.key != inner.key)))/>
                }.into_any()}
            </For>
            <div class="actions">
                <button type="button" data-testid="add-item" on:click=move |_| block.items.update(|list| list.push(ItemState::fresh()))>{t("項目を追加", "Add an item")}</button>
                " "
                <button type="button" data-testid="add-inner-block" on:click=move |_| block.blocks.update(|list| list.push(BlockState::fresh()))>{t("中にブロックを追加", "Add a block inside")}</button>
                " "
                <button type="button" data-testid="block-remove" on:click=move |_| on_remove.run(())>{t("このブロックを削除", "Remove this block")}</button>
            </div>
        </fieldset>
    }
}
