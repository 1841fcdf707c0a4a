//! `/organisation/sheets/:sheet`: a customize sheet's editor (evaluation
//! admins) — its name, nested blocks, items of every type, who may write
//! each item in which status, and whether it is published. The server
//! refuses a change that would break values user sheets hold, and says
//! which item.

pub mod block;
pub mod item;
pub mod state;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use sheetlink_protocol::organisation::{Publication, SheetDefinition, SheetDocument};

use crate::api::{self, ApiError};
use crate::components::{Answer, Badge, Loader, Said, Tone};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;
use block::BlockEditor;
use state::BlockState;

/// `/organisation/sheets/:sheet`.
#[component]
pub fn SheetEditorPage() -> impl IntoView {
    view! { <SignedIn><Load/></SignedIn> }
}

#[component]
fn Load() -> impl IntoView {
    let params = use_params_map();
    let sheet = move || params.with(|p| p.get("sheet").unwrap_or_default());
    let document = LocalResource::new(move || {
        let path = format!("/api/organisation/sheets/{}", api::segment(&sheet()));
        async move { api::get::<SheetDocument>(&path).await }
    });
    view! {
        <section class="card" data-testid="sheet-editor">
            <p><A href="/organisation">{t("← 組織の設定に戻る", "← Back to the organisation set-up")}</A></p>
            <Loader>
                {move || Suspend::new(async move { document.await.map(|document| view! { <Editor document=document/> }) })}
            </Loader>
        </section>
    }
}

#[component]
fn Editor(document: SheetDocument) -> impl IntoView {
    let lang = use_lang();
    let id = document.id.clone();
    let name = RwSignal::new(document.definition.name.clone());
    let blocks = RwSignal::new(
        document
            .definition
            .blocks
            .iter()
            .map(BlockState::of)
            .collect::<Vec<_>>(),
    );
    let published = RwSignal::new(document.published);
    let in_use = document.user_sheets;
    let used = move || in_use != 0;
    let problem = RwSignal::new(None::<Said>);
    let path = format!("/api/organisation/sheets/{}", api::segment(&id));
    let save = Action::new_local({
        let path = path.clone();
        move |definition: &SheetDefinition| {
            let (path, definition) = (path.clone(), definition.clone());
            async move { api::put::<_, SheetDocument>(&path, &definition).await }
        }
    });
    let publish = Action::new_local(move |on: &bool| {
        let (path, on) = (format!("{path}/publication"), *on);
        async move {
            let document =
                api::put::<_, SheetDocument>(&path, &Publication { published: on }).await?;
            published.set(document.published);
            Ok::<_, ApiError>(document)
        }
    });
    let said = Signal::derive(move || {
        problem.get().or_else(|| match save.value().get() {
            Some(Ok(document)) => Some(Said::Done(
                format!("「{}」を保存しました。", document.definition.name),
                format!("\"{}\" saved.", document.definition.name),
            )),
            Some(Err(error)) => Some(Said::Failed(error)),
            None => None,
        })
    });
    let published_said = Signal::derive(move || match publish.value().get() {
        Some(Ok(document)) if document.published => Some(Said::Done(
            "公開しました。テンプレートとインポートで選べます。".into(),
            "Published: templates and imports may use it.".into(),
        )),
        Some(Ok(_)) => Some(Said::Done(
            "非公開にしました。テンプレートとインポートでは選べません。".into(),
            "Unpublished: templates and imports no longer offer it.".into(),
        )),
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let collected: Result<Vec<_>, _> = blocks
            .get_untracked()
            .iter()
            .map(BlockState::definition)
            .collect();
        match collected {
            Ok(list) => {
                problem.set(None);
                save.dispatch(SheetDefinition {
                    name: name.get_untracked(),
                    blocks: list,
                });
            }
            Err((ja, en)) => problem.set(Some(Said::Problem(ja, en))),
        }
    };
    view! {
        <h1>{t("シートの編集", "Edit the sheet")}" "<code>{id.clone()}</code></h1>
        <Show when=used fallback=|| ()>
            <p class="notice" data-testid="sheet-in-use">{move || lang.get().pick(
                format!("このシートには{in_use}件のユーザーシートがあります。値のある項目は削除や種類の変更ができず、選ばれている選択肢は消せません。"),
                format!("{in_use} user sheets use this sheet: items holding values cannot be removed or change type, and chosen options cannot disappear."),
            )}</p>
        </Show>
        <p>
            <span data-testid="sheet-published" data-published=move || published.get().to_string()>
                {move || {
                    let on = published.get();
                    let tone = if on { Tone::Good } else { Tone::Neutral };
                    let text = Signal::derive(move || lang.get().pick(if on { "公開中" } else { "非公開" }, if on { "Published" } else { "Not published" }).to_owned());
                    view! { <Badge tone=tone text=text/> }
                }}
            </span>
            " "
            <button type="button" data-testid="sheet-publish" disabled=publish.pending() on:click=move |_| { publish.dispatch(!published.get_untracked()); }>
                {move || if published.get() { t("非公開にする", "Unpublish")() } else { t("公開する", "Publish")() }}
            </button>
        </p>
        <Answer said=published_said testid="publish-said"/>
        <form on:submit=submit data-testid="sheet-form">
            <label for="sheet-name">{t("シート名", "Sheet name")}</label>
            <input id="sheet-name" data-testid="sheet-name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            <For each=move || blocks.get() key=|block| block.key let:block>
                <BlockEditor block=block depth=1 on_remove=Callback::new(move |()| blocks.update(|list| list.retain(|b| b.key != block.key)))/>
            </For>
            <p><button type="button" data-testid="add-block" on:click=move |_| blocks.update(|list| list.push(BlockState::fresh()))>{t("ブロックを追加", "Add a block")}</button></p>
            <Answer said=said testid="sheet-said"/>
            <button type="submit" class="primary" data-testid="sheet-save" disabled=save.pending()>{t("シートを保存", "Save the sheet")}</button>
        </form>
    }
}
