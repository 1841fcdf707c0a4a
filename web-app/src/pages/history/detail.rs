//! `/history/:id`: one import, its errors, and the revert button.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiError, ImportDetails, Reverted, ServerError, segment};
use crate::components::{
    Answer, Counts, ImportStatusText, Loader, Said, confirm, outcome_counts, when,
};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;

/// `/history/:id`.
#[component]
pub fn ImportDetailPage() -> impl IntoView {
    view! {
        <SignedIn>
            <ImportDetail/>
        </SignedIn>
    }
}

#[component]
fn ImportDetail() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let details = LocalResource::new(move || {
        let path = format!("/api/imports/{}", segment(&id()));
        async move { api::get::<ImportDetails>(&path).await }
    });
    let revert = Action::new_local(move |id: &String| {
        let path = format!("/api/imports/{}/revert", segment(id));
        async move {
            let done = api::post_empty::<Reverted>(&path).await?;
            details.refetch();
            Ok::<_, ApiError>(done.restored_cells)
        }
    });
    let said = Signal::derive(move || {
        revert.value().get().map(|answer| match answer {
            Ok(cells) => Said::Done(
                format!("元に戻しました（{cells}セル）。"),
                format!("Reverted ({cells} cells restored)."),
            ),
            Err(error) => Said::Failed(error),
        })
    });
    let ask = move || {
        if confirm(
            lang.get_untracked(),
            "このインポートで変更したセルをすべて元に戻します。よろしいですか？",
            "Every cell this import changed will be restored. Continue?",
        ) {
            revert.dispatch(id());
        }
    };
    view! {
        <section class="card">
            <h1>{t("インポートの詳細", "Import details")}</h1>
            <Loader>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(found) => Ok(view! { <Details details=found ask=ask busy=revert.pending()/> }.into_any()),
                        // Said where the details would be, in words of its own.
                        Err(ApiError::Status { status: 403, .. }) => Ok(view! { <NotAllowed/> }.into_any()),
                        Err(error) => Err(error),
                    }
                })}
            </Loader>
            <Answer said=said testid="revert-answer"/>
        </section>
    }
}

#[component]
fn NotAllowed() -> impl IntoView {
    view! {
        <p class="error" role="alert" data-testid="not-allowed">
            {t(
                "このインポートの詳細を見る権限がありません。詳細は評価管理者と実行した本人だけが見られます。",
                "You are not allowed to see this import. Only evaluation admins and the person who ran it can.",
            )}
        </p>
    }
}

#[component]
fn Details(
    details: ImportDetails,
    ask: impl Fn() + Copy + Send + Sync + 'static,
    busy: Memo<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let errors = details.import.errors;
    let record = details.import.import;
    let counts = outcome_counts(&record.counts, [""; 5]);
    let (listed, total) = (errors.len(), record.error_count());
    let truncated = record.errors_truncated;
    let reverted = record.reverted_at;
    let error_href = format!("/api/imports/{}/error-file", segment(&record.id));
    view! {
        <dl class="counts" data-testid="detail" data-status=record.status.as_str()>
            <dt>{t("状態", "Status")}</dt><dd><ImportStatusText status=record.status/></dd>
            <dt>{t("実行者", "Operator")}</dt><dd>{record.operator_name.clone()}</dd>
            <dt>{t("開始", "Started")}</dt><dd>{when(record.started_at)}</dd>
            <dt>{t("終了", "Ended")}</dt><dd>{record.ended_at.map(when).unwrap_or_default()}</dd>
        </dl>
        <Counts counts=counts/>
        {reverted.map(|at| view! {
            <p class="notice" data-testid="reverted">{move || format!("{} {}", lang.get().pick("元に戻し済み:", "Reverted at"), when(at))}</p>
        })}
        {(!errors.is_empty()).then(|| view! {
            <a href=error_href download="">{t("エラーファイルをダウンロード", "Download the error file")}</a>
        })}
        {truncated.then(|| view! {
            <p class="notice" data-testid="errors-truncated">{move || lang.get().pick(
                format!("エラーは全{total}件です。ここには最初の{listed}件を表示しています。すべての行はエラーファイルにあります。"),
                format!("{total} errors in all; the first {listed} are listed here. The error file has every failed row."),
            )}</p>
        })}
        <ul class="server-errors">
            {errors.into_iter().map(|error| view! { <ServerErrorLine error=error/> }).collect_view()}
        </ul>
        {reverted.is_none().then(|| view! {
            <button data-testid="revert" disabled=busy on:click=move |_| ask()>{t("元に戻す", "Revert")}</button>
        })}
    }
}

#[component]
fn ServerErrorLine(error: ServerError) -> impl IntoView {
    let lang = use_lang();
    let place = match (error.row, error.column_letter.clone()) {
        (Some(row), Some(letter)) => format!("{letter}{row}"),
        (Some(row), None) => row.to_string(),
        _ => String::new(),
    };
    view! { <li>{place} " " {move || lang.get().pick(error.message.clone(), error.message_en.clone())}</li> }
}
