//! `/sheets`: my own sheets (every member), and for leaders and evaluation
//! admins the sheets they may open, read-only
//! (`/sheets/:period/:sheet/:member`).

pub mod card;
pub mod others;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sheetlink_protocol::org::UserSheetView;

use crate::api::{self, RoleName, segment};
use crate::components::Loader;
use crate::i18n::t;
use crate::session::{SignedIn, use_session};

use card::SheetCard;

/// `/sheets`.
#[component]
pub fn SheetsPage() -> impl IntoView {
    view! { <SignedIn><Mine/></SignedIn> }
}

#[component]
fn Mine() -> impl IntoView {
    let session = use_session();
    let reads_others = move || {
        session.me.with(|m| {
            m.as_ref()
                .is_some_and(|m| m.has(RoleName::EvaluationAdmin) || m.has(RoleName::Leader))
        })
    };
    let sheets = LocalResource::new(|| api::get::<Vec<UserSheetView>>("/api/my/sheets"));
    view! {
        <section class="card" data-testid="my-sheets">
            <h1>{t("自分のシート", "My sheets")}</h1>
            <p class="muted">{t(
                "値の入力はこの画面ではできません。ステータスを変えられるのは本人だけです（1枚ずつ）。",
                "Values are not entered here. Only you change your sheet's status, one sheet at a time.",
            )}</p>
            <Loader>
                {move || Suspend::new(async move {
                    sheets.await.map(|sheets| if sheets.is_empty() {
                        view! { <p class="muted" data-testid="my-sheets-empty">{t("あなたのシートはまだありません。", "You have no sheets yet.")}</p> }.into_any()
                    } else {
                        sheets.into_iter().map(|sheet| view! { <SheetCard sheet=sheet/> }).collect_view().into_any()
                    })
                })}
            </Loader>
        </section>
        <Show when=reads_others>
            <others::Others/>
        </Show>
    }
}

/// `/sheets/:period/:sheet/:member`: one sheet, read-only.
#[component]
pub fn SheetPage() -> impl IntoView {
    view! { <SignedIn><One/></SignedIn> }
}

#[component]
fn One() -> impl IntoView {
    let params = use_params_map();
    let sheet = LocalResource::new(move || {
        let p = params.get();
        let part = |name: &str| segment(&p.get(name).unwrap_or_default());
        let path = format!(
            "/api/periods/{}/sheets/{}/members/{}",
            part("period"),
            part("sheet"),
            part("member")
        );
        async move { api::get::<UserSheetView>(&path).await }
    });
    view! {
        <section class="card" data-testid="sheet">
            <p><a href="/sheets" data-testid="back-to-sheets">{t("← シート一覧へ", "← Back to the sheets")}</a></p>
            <Loader>
                {move || Suspend::new(async move { sheet.await.map(|sheet| view! { <SheetCard sheet=sheet/> }) })}
            </Loader>
        </section>
    }
}
