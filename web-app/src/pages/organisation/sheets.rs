//! Customize sheets: the list (published or not, how many items) with a
//! link to each one's editor, and the form that adds one.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use sheetlink_protocol::naming::{IdKind, check_id};
use sheetlink_protocol::organisation::{NewSheet, SheetDocument, SheetOutline};

use super::text;
use crate::api::{self, ApiError};
use crate::components::{Answer, Badge, Said, TableBox, Tone};
use crate::i18n::{t, use_lang};

/// The sheets and the form that adds one.
#[component]
pub fn Sheets(
    /// Every sheet.
    sheets: Vec<SheetOutline>,
    /// Reloads the screen after a change.
    reload: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let empty = sheets.is_empty();
    let rows = sheets
        .into_iter()
        .map(|sheet| {
            let published = sheet.published;
            let text = move || lang.get().pick(if published { "公開中" } else { "非公開" }, if published { "Published" } else { "Not published" }).to_owned();
            let tone = if published { Tone::Good } else { Tone::Neutral };
            view! {
                <tr data-testid="sheet-row" data-sheet=sheet.id.clone()>
                    <td><A href=format!("/organisation/sheets/{}", api::segment(&sheet.id)) attr:data-testid="sheet-edit">{sheet.name.clone()}</A></td>
                    <td><code>{sheet.id.clone()}</code></td>
                    <td>{move || lang.get().pick(format!("{}項目", sheet.items), format!("{} items", sheet.items))}</td>
                    <td><Badge tone=tone text=Signal::derive(text) status=if published { "published" } else { "unpublished" }/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>{t("カスタマイズシート", "Customize sheets")}</h2>
        <Show when=move || empty fallback=|| ()>
            <p data-testid="sheets-empty">{t("まだシートがありません。シートを追加して、ブロックと項目を作ってください。", "No sheet yet: add one, then make its blocks and items.")}</p>
        </Show>
        <TableBox label=t("カスタマイズシート", "Customize sheets")>
            <table data-testid="sheets">
                <thead><tr><th>{t("シート名（クリックで編集）", "Sheet (click to edit)")}</th><th>{t("シートID", "Sheet id")}</th><th>{t("項目", "Items")}</th><th>{t("公開", "Publication")}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableBox>
        <NewSheetForm reload=reload/>
    }
}

#[component]
fn NewSheetForm(reload: Callback<()>) -> impl IntoView {
    let (id, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let problem = RwSignal::new(None::<Said>);
    let navigate = use_navigate();
    let create = Action::new_local(move |new: &NewSheet| {
        let new = new.clone();
        let navigate = navigate.clone();
        async move {
            let created = api::post::<_, SheetDocument>("/api/organisation/sheets", &new).await?;
            reload.run(());
            navigate(
                &format!("/organisation/sheets/{}", api::segment(&created.id)),
                Default::default(),
            );
            Ok::<_, ApiError>(created)
        }
    });
    let said = Signal::derive(move || {
        problem.get().or_else(|| match create.value().get() {
            Some(Err(error)) => Some(Said::Failed(error)),
            _ => None,
        })
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_id(IdKind::Sheet, id.get_untracked().trim());
        problem.set(checked.err().map(|p| Said::Problem(p.ja, p.en)));
        if problem.get_untracked().is_none() {
            create.dispatch(NewSheet {
                id: id.get_untracked().trim().to_owned(),
                name: name.get_untracked(),
            });
        }
    };
    view! {
        <form class="inline" on:submit=submit data-testid="new-sheet">
            <label for="sheet-id">{t("シートID（例: role。CSVの1行目に入ります）", "Sheet id (e.g. role; it is in row 1 of CSVs)")}</label>
            <input id="sheet-id" data-testid="sheet-id" required prop:value=id on:input=text(id)/>
            <label for="sheet-new-name">{t("シート名", "Sheet name")}</label>
            <input id="sheet-new-name" data-testid="sheet-new-name" required prop:value=name on:input=text(name)/>
            <button type="submit" class="primary" data-testid="sheet-create" disabled=create.pending()>{t("シートを追加して編集", "Add the sheet and edit it")}</button>
        </form>
        <Answer said=said testid="new-sheet-said"/>
    }
}
