//! Template download: period → sheet → items → CSV. The sheet's schema is
//! kept in the browser at the same time, for validating offline later.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use sheetlink_engine::evaluation::MAX_ITEMS;

use crate::api::{self, Item, Period, Sheet, TemplateRequest, segment};
use crate::app::SignedIn;
use crate::cache::{self, CachedSheet};
use crate::i18n::{t, use_lang};

/// `/template`.
#[component]
pub fn TemplatePage() -> impl IntoView {
    view! {
        <SignedIn>
            <TemplateForm/>
        </SignedIn>
    }
}

#[component]
fn TemplateForm() -> impl IntoView {
    let lang = use_lang();
    let periods = RwSignal::new(Vec::<Period>::new());
    let sheets = RwSignal::new(Vec::<Sheet>::new());
    let items = RwSignal::new(Vec::<Item>::new());
    let period = RwSignal::new(String::new());
    let sheet = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let search = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);

    let fail = move |error: api::ApiError| {
        message.set(Some((false, error.describe(lang.get_untracked()))))
    };
    spawn_local(async move {
        match api::get::<Vec<Period>>("/api/periods").await {
            Ok(list) => periods.set(list),
            Err(error) => fail(error),
        }
    });
    let choose_period = move |id: String| {
        period.set(id.clone());
        sheet.set(String::new());
        sheets.set(Vec::new());
        items.set(Vec::new());
        selected.set(BTreeSet::new());
        if id.is_empty() {
            return;
        }
        spawn_local(async move {
            match api::get::<Vec<Sheet>>(&format!("/api/periods/{}/sheets", segment(&id))).await {
                Ok(list) => sheets.set(list),
                Err(error) => fail(error),
            }
        });
    };
    let choose_sheet = move |id: String| {
        sheet.set(id.clone());
        items.set(Vec::new());
        selected.set(BTreeSet::new());
        if id.is_empty() {
            return;
        }
        let path = format!(
            "/api/periods/{}/sheets/{}/items",
            segment(&period.get_untracked()),
            segment(&id)
        );
        spawn_local(async move {
            match api::get::<Vec<Item>>(&path).await {
                Ok(list) => items.set(list),
                Err(error) => fail(error),
            }
        });
    };
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
    let over_limit = move || selected.with(BTreeSet::len) > MAX_ITEMS;
    let select_shown = move |_| {
        selected.update(|set| set.extend(shown.get_untracked().into_iter().map(|i| i.id)));
    };
    let download = move |_| {
        let (period_id, sheet_id) = (period.get_untracked(), sheet.get_untracked());
        // Items in the sheet's order, not the order they were ticked.
        let chosen: Vec<String> = items.with_untracked(|items| {
            selected.with_untracked(|set| {
                items
                    .iter()
                    .filter(|i| set.contains(&i.id))
                    .map(|i| i.id.clone())
                    .collect()
            })
        });
        let label = format!(
            "{} / {}",
            periods.with_untracked(|list| list
                .iter()
                .find(|p| p.id == period_id)
                .map(|p| p.name.clone())
                .unwrap_or_default()),
            sheets.with_untracked(|list| list
                .iter()
                .find(|s| s.id == sheet_id)
                .map(|s| s.name.clone())
                .unwrap_or_default()),
        );
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            let base = format!(
                "/api/periods/{}/sheets/{}",
                segment(&period_id),
                segment(&sheet_id)
            );
            let request = TemplateRequest { items: chosen };
            let lang = lang.get_untracked();
            match api::post_for_bytes(&format!("{base}/template"), &request).await {
                Ok(bytes) => {
                    let name = format!("template_{period_id}_{sheet_id}.csv");
                    let _ = crate::download::save(&bytes, &name, "text/csv");
                    let kept = match api::get_text(&format!("{base}/schema")).await {
                        Ok(schema) => cache::store(
                            CachedSheet {
                                period: period_id,
                                sheet: sheet_id,
                                label,
                            },
                            &schema,
                        ),
                        Err(_) => false,
                    };
                    let text = if kept {
                        lang.pick(
                            "テンプレートをダウンロードしました。このシートはオフラインでもチェックできます。",
                            "Template downloaded. This sheet can now also be checked offline.",
                        )
                    } else {
                        lang.pick(
                            "テンプレートをダウンロードしました（オフライン用の保存はできませんでした）。",
                            "Template downloaded (it could not be saved for offline use).",
                        )
                    };
                    message.set(Some((true, text.to_owned())));
                }
                Err(error) => message.set(Some((false, error.describe(lang)))),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card">
            <h1>{t("テンプレートのダウンロード", "Download a template")}</h1>
            <div class="row">
                <label>
                    {t("評価期間", "Evaluation period")}
                    <select data-testid="period" on:change=move |ev| choose_period(event_target_value(&ev))>
                        <option value="">{t("選択してください", "Choose…")}</option>
                        <For each=move || periods.get() key=|p| p.id.clone() let:p>
                            <option value=p.id.clone() selected=move || period.get() == p.id>
                                {p.name.clone()}
                            </option>
                        </For>
                    </select>
                </label>
                <label>
                    {t("シート", "Sheet")}
                    <select data-testid="sheet" on:change=move |ev| choose_sheet(event_target_value(&ev))>
                        <option value="">{t("選択してください", "Choose…")}</option>
                        <For each=move || sheets.get() key=|s| s.id.clone() let:s>
                            <option value=s.id.clone()>{s.name.clone()}</option>
                        </For>
                    </select>
                </label>
            </div>
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
                <ul class="items" role="group">
                    <For each=move || shown.get() key=|i| i.id.clone() let:item>
                        {
                            let id = item.id.clone();
                            let checked_id = id.clone();
                            view! {
                                <li>
                                    <label>
                                        <input
                                            type="checkbox"
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
                                        {item.caption.clone()}
                                        <span class="muted">" " {item.item_type.as_str()}</span>
                                    </label>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
            <Show when=over_limit>
                <p class="error" role="alert" data-testid="too-many-items">
                    {move || lang.get().pick(
                        format!("一度に選べる項目は{MAX_ITEMS}件までです。選択を減らしてください。"),
                        format!("At most {MAX_ITEMS} items fit in one template; select fewer."),
                    )}
                </p>
            </Show>
            <button
                class="primary"
                data-testid="download-template"
                disabled=move || busy.get() || sheet.get().is_empty() || selected.with(BTreeSet::is_empty) || over_limit()
                on:click=download
            >
                {t("ダウンロード", "Download")}
            </button>
            {move || message.get().map(|(ok, text)| view! {
                <p class=if ok { "ok" } else { "error" } role="status" data-testid="template-message">{text}</p>
            })}
        </section>
    }
}
