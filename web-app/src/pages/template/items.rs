//! Choosing the items of a template: search, select what is shown, tick.

use std::collections::BTreeSet;

use leptos::prelude::*;
use sheetlink_engine::evaluation::MAX_ITEMS;

use crate::api::Item;
use crate::i18n::{Lang, t, use_lang};
use sheetlink_protocol::org::ItemType;

/// The message when more than [`MAX_ITEMS`] are ticked.
pub fn too_many_items() -> impl Fn() -> String + Copy {
    let lang = use_lang();
    move || {
        lang.get().pick(
            format!("一度に選べる項目は{MAX_ITEMS}件までです。選択を減らしてください。"),
            format!("At most {MAX_ITEMS} items fit in one template; select fewer."),
        )
    }
}

/// The sheet's items with a search box; ticks go into `selected`.
#[component]
pub fn ItemPicker(
    /// The sheet's items (empty: nothing is shown).
    items: Signal<Vec<Item>>,
    /// The ids ticked.
    selected: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let shown = Memo::new(move |_| {
        let needle = search.get().to_lowercase();
        items.with(|items| {
            items
                .iter()
                .filter(|item| {
                    needle.is_empty()
                        || item.caption.to_lowercase().contains(&needle)
                        || item.id.to_lowercase().contains(&needle)
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let select_shown = move |_| {
        selected.update(|set| set.extend(shown.get_untracked().into_iter().map(|i| i.id)));
    };
    view! {
        <Show when=move || !items.with(Vec::is_empty)>
            <div class="row">
                <input
                    data-testid="item-search"
                    type="search"
                    placeholder=t("項目を検索", "Search items")
                    prop:value=search
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <button data-testid="select-shown" on:click=select_shown>
                    {t("表示中をすべて選択", "Select all shown")}
                </button>
                <button on:click=move |_| selected.set(BTreeSet::new())>
                    {t("選択を解除", "Clear selection")}
                </button>
                <span class="muted" data-testid="selected-count">
                    {move || format!(
                        "{} {} / {}",
                        lang.get().pick("選択中", "selected"),
                        selected.with(BTreeSet::len),
                        items.with(Vec::len),
                    )}
                </span>
            </div>
            <ul class="items" aria-label=t("項目", "Items")>
                <For each=move || shown.get() key=|i| i.id.clone() let:item>
                    <ItemChoice item=item selected=selected/>
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn ItemChoice(item: Item, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let lang = use_lang();
    let item_type = item.item_type;
    let id = item.id.clone();
    let checked_id = id.clone();
    view! {
        <li>
            <label>
                <input
                    type="checkbox"
                    data-testid=format!("item-{id}")
                    value=id.clone()
                    prop:checked=move || selected.with(|s| s.contains(&checked_id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let id = id.clone();
                        selected.update(|s| {
                            if on { s.insert(id); } else { s.remove(&id); }
                        });
                    }
                />
                {crate::errors::item_caption(&item.caption)}
                <span class="muted">" （" {move || item_type_name(lang.get(), item_type)} "）"</span>
            </label>
        </li>
    }
}

/// An item's type in words.
fn item_type_name(lang: Lang, item_type: ItemType) -> &'static str {
    match item_type {
        ItemType::Number => lang.pick("数値", "number"),
        ItemType::Text => lang.pick("テキスト", "text"),
        ItemType::Dropdown => lang.pick("選択肢", "choice"),
        ItemType::Checkbox => lang.pick("チェックボックス", "checkbox"),
    }
}
