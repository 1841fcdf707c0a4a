//! One sheet, read-only, values grouped by block; its owner may move it to
//! the next status (asked in the page).

use leptos::prelude::*;
use sheetlink_protocol::org::{AdvanceRequest, ItemType, UserSheetView};

use crate::api::{self, ApiError, segment};
use crate::components::{Answer, Confirm, Said, SheetBadge, TableBox, sheet_status_text};
use crate::i18n::{t, use_lang};

fn shown(item_type: ItemType, value: &str, lang: crate::i18n::Lang) -> String {
    match (item_type, value) {
        (_, "") => "—".into(),
        (ItemType::Checkbox, "1") => lang.pick("はい", "Yes").into(),
        (ItemType::Checkbox, "0") => lang.pick("いいえ", "No").into(),
        (_, value) => value.into(),
    }
}

/// A sheet as a card.
#[component]
pub fn SheetCard(
    /// The sheet.
    sheet: UserSheetView,
) -> impl IntoView {
    let lang = use_lang();
    let current = RwSignal::new(sheet);
    let asking = RwSignal::new(false);
    let advance = Action::new_local(move |view: &UserSheetView| {
        let view = view.clone();
        async move {
            let path = format!(
                "/api/my/sheets/{}/{}/advance",
                segment(&view.period),
                segment(&view.sheet)
            );
            let moved =
                api::post::<_, UserSheetView>(&path, &AdvanceRequest { from: view.status }).await?;
            asking.set(false);
            current.set(moved.clone());
            Ok::<_, ApiError>(moved)
        }
    });
    let said = Signal::derive(move || match advance.value().get() {
        Some(Ok(view)) => {
            let (ja, en) = sheet_status_text(view.status);
            Some(Said::Done(
                format!("ステータスを「{ja}」にしました。"),
                format!("The status is now {en}."),
            ))
        }
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    view! {
        <article class="sheet" data-testid="sheet-card" data-sheet=move || current.with(|s| format!("{}/{}", s.period, s.sheet))>
            {move || {
                let sheet = current.get();
                let next = sheet.next_status;
                view! {
                    <h2>{sheet.sheet_name.clone()} " ・ " {sheet.period_name.clone()}
                        {(!sheet.period_open).then(|| view! { <span class="muted">{t("（締め切り済み）", " (closed)")}</span> })}</h2>
                    <p>{sheet.member_name.clone()} " " <span data-testid="sheet-status"><SheetBadge status=sheet.status/></span></p>
                    {sheet.blocks.into_iter().map(|block| {
                        let caption = if block.caption.is_empty() { None } else { Some(block.caption.clone()) };
                        view! {
                            <h3>{caption.clone().unwrap_or_else(|| lang.get_untracked().pick("（ブロックなし）", "(No block)").into())}</h3>
                            <TableBox label=t("項目と値", "Items and values")>
                                <table class="values" data-testid="sheet-block">
                                    <thead><tr><th scope="col">{t("項目", "Item")}</th><th scope="col">{t("値", "Value")}</th></tr></thead>
                                    <tbody>{block.items.into_iter().map(|item| {
                                        let value = item.value.clone();
                                        view! { <tr><th scope="row">{item.label}</th><td>{move || shown(item.item_type, &value, lang.get())}</td></tr> }
                                    }).collect_view()}</tbody>
                                </table>
                            </TableBox>
                        }
                    }).collect_view()}
                    {next.map(|next| {
                        let (ja, en) = sheet_status_text(next);
                        view! {
                            <Show when=move || !asking.get() fallback=move || view! {
                                <Confirm
                                    question=Signal::derive(move || lang.get().pick(
                                        format!("このシートのステータスを「{ja}」にします。自分では元に戻せません。"),
                                        format!("This sheet's status becomes {en}. You cannot move it back yourself."),
                                    ))
                                    yes=("進める", "Move it on") testid="confirm-advance"
                                    on_yes=Callback::new(move |()| { advance.dispatch(current.get_untracked()); })
                                    on_no=Callback::new(move |()| asking.set(false))/>
                            }>
                                <button class="primary" data-testid="advance" on:click=move |_| asking.set(true)>
                                    {move || lang.get().pick(format!("「{ja}」にする"), format!("Mark as {en}"))}
                                </button>
                            </Show>
                        }
                    })}
                }
            }}
            <Answer said=said testid="advance-said"/>
        </article>
    }
}
