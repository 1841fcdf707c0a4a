//! `/accounts/import`: members in bulk (evaluation admins). Download the
//! member list, edit it in Excel, choose it again: the server checks it
//! (nothing is written), this page shows what it would do — new, changed,
//! deactivated members, new groups, every problem by row and column — and
//! applies it, as checked, after one question. New members' set-up links
//! are shown once (or e-mailed) and can be saved as a CSV.

pub mod result;

use leptos::prelude::*;
use leptos_router::components::A;
use sheetlink_protocol::organisation::MemberImport;
use web_sys::File;

use crate::api::{self, ApiError, RoleName};
use crate::components::{Answer, FileDrop, Said};
use crate::i18n::{t, use_lang};
use crate::session::{SignedIn, use_session};

/// `/accounts/import`.
#[component]
pub fn MemberImportPage() -> impl IntoView {
    view! { <SignedIn><MemberImport/></SignedIn> }
}

async fn download(english: bool, shift_jis: bool) -> Result<(), ApiError> {
    let bytes = api::get_bytes(&format!(
        "/api/organisation/members.csv?english={english}&shift_jis={shift_jis}"
    ))
    .await?;
    let mime = if shift_jis {
        "text/csv;charset=Shift_JIS"
    } else {
        "text/csv;charset=utf-8"
    };
    crate::download::save(&bytes, "members.csv", mime)
        .map_err(|_| ApiError::Unexpected("download".into()))
}

#[component]
fn MemberImport() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let allowed = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.has(RoleName::EvaluationAdmin)))
    };
    let file = RwSignal::new_local(None::<File>);
    let file_name = RwSignal::new(String::new());
    let full_sync = RwSignal::new(false);
    let export = Action::new_local(move |shift_jis: &bool| {
        let (english, shift_jis) = (lang.get_untracked() == crate::i18n::Lang::En, *shift_jis);
        async move { download(english, shift_jis).await }
    });
    let check = Action::new_local(move |(): &()| {
        let chosen = file.get_untracked();
        let sync = full_sync.get_untracked();
        async move {
            let Some(chosen) = chosen else {
                return Err(ApiError::Unexpected("no file".into()));
            };
            api::post_csv::<MemberImport>(
                &format!("/api/organisation/members?full_sync={sync}"),
                &chosen,
            )
            .await
        }
    });
    let on_file = move |chosen: File| {
        file_name.set(chosen.name());
        file.set(Some(chosen));
        check.dispatch(());
    };
    let export_said = Signal::derive(move || match export.value().get() {
        Some(Err(error)) => Some(Said::Failed(error)),
        _ => None,
    });
    let checked = Signal::derive(move || check.value().get());
    view! {
        <section class="card" data-testid="member-import">
            <h1>{t("メンバーをCSVで一括登録", "Members in bulk (CSV)")}</h1>
            <Show when=allowed fallback=|| view! {
                <p class="notice">{t("メンバーの一括登録は評価管理者が行います。", "Members are imported by evaluation admins.")}</p>
            }>
                <p>{t(
                    "列は 氏名・従業員番号・メールアドレス・ロール・グループ・状態 です（英語の見出しも可）。文字コードはUTF-8（BOM付き可）かShift_JIS。いまのメンバー一覧をダウンロードして編集するのが確実です。",
                    "The columns are name, employee_number, email, roles, groups, status (Japanese headers work too), in UTF-8 (with or without BOM) or Shift_JIS. Downloading the member list and editing it is the surest start.",
                )}</p>
                <p>
                    <button data-testid="members-export" disabled=export.pending() on:click=move |_| { export.dispatch(false); }>{t("メンバー一覧をダウンロード（UTF-8）", "Download the member list (UTF-8)")}</button>
                    " "
                    <button data-testid="members-export-sjis" disabled=export.pending() on:click=move |_| { export.dispatch(true); }>{t("Shift_JISでダウンロード", "Download as Shift_JIS")}</button>
                </p>
                <Answer said=export_said testid="members-export-said"/>
                <ul class="hint">
                    <li>{t("ファイルにない列は変わりません。空欄のセルはその値を消します（状態の空欄は今のまま）。", "Columns the file leaves out stay as they are; a blank cell clears its value (a blank status changes nothing).")}</li>
                    <li>{t("無効にするのは状態に「無効」と書いたメンバーだけです。ファイルにいないメンバーは変わりません（全件同期を選んだときを除く）。", "Only a status of \"inactive\" deactivates; members missing from the file stay as they are (unless full sync is chosen).")}</li>
                    <li>{t("新しいメンバーにはパスワード設定用のリンクを作ります（メール設定があればメールで送ります）。", "New members get a set-up link for their password (e-mailed when mail is set up).")}</li>
                </ul>
                <label class="check" for="full-sync">
                    <input type="checkbox" id="full-sync" data-testid="full-sync" prop:checked=full_sync
                        on:change=move |ev| { full_sync.set(event_target_checked(&ev)); if file.with_untracked(Option::is_some) { check.dispatch(()); } }/>
                    {t("全件同期: ファイルにいないメンバーを無効にする（ご自身は除く）", "Full sync: deactivate members missing from the file (never yourself)")}
                </label>
                <FileDrop on_file=on_file accept=".csv,text/csv" file_name=file_name/>
                <Show when=move || check.pending().get() fallback=|| ()>
                    <p role="status" data-testid="members-checking">{t("確認しています…", "Checking…")}</p>
                </Show>
                {move || checked.get().map(|answer| match answer {
                    Ok(answer) => view! { <result::Checked answer=answer file=file full_sync=full_sync/> }.into_any(),
                    Err(error) => view! { <Answer said=Some(Said::Failed(error)) testid="members-said"/> }.into_any(),
                })}
                <p><A href="/accounts">{t("アカウント管理へ", "To the accounts")}</A></p>
            </Show>
        </section>
    }
}
