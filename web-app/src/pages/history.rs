//! Import history: the latest 100 imports, and one import's details with
//! its errors and the revert button. The server decides who may see what.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiError, HistoryLine, ImportDetails, Reverted, segment};
use crate::app::SignedIn;
use crate::i18n::{t, use_lang};
use crate::pages::import::status_text;

/// Seconds since the epoch as local `YYYY-MM-DD HH:MM:SS`.
fn when(seconds: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

/// `/history`.
#[component]
pub fn HistoryPage() -> impl IntoView {
    view! {
        <SignedIn>
            <HistoryList/>
        </SignedIn>
    }
}

#[component]
fn HistoryList() -> impl IntoView {
    let lang = use_lang();
    let lines = RwSignal::new(None::<Vec<HistoryLine>>);
    let failure = RwSignal::new(None::<String>);
    spawn_local(async move {
        match api::get::<Vec<HistoryLine>>("/api/imports").await {
            Ok(list) => lines.set(Some(list)),
            Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
        }
    });
    view! {
        <section class="card">
            <h1>{t("インポート履歴（最新100件）", "Import history (latest 100)")}</h1>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f}</p> })}
            {move || lines.get().map(|lines| if lines.is_empty() {
                view! { <p class="muted">{t("まだインポートはありません。", "No imports yet.")}</p> }.into_any()
            } else {
                view! {
                    <table class="history" data-testid="history">
                        <thead><tr>
                            <th>{t("開始", "Started")}</th><th>{t("期間", "Period")}</th><th>{t("シート", "Sheet")}</th>
                            <th>{t("実行者", "Operator")}</th><th>{t("状態", "Status")}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {lines.into_iter().map(|line| {
                                let status = line.status;
                                view! {
                                    <tr data-id=line.id.clone() data-status=line.status.as_str()>
                                        <td>{when(line.started_at)}</td>
                                        <td>{line.period_name}</td>
                                        <td>{line.sheet_name}</td>
                                        <td>{line.operator_name}</td>
                                        <td>{move || status_text(lang.get(), status)}</td>
                                        <td><A href=format!("/history/{}", line.id)>{t("詳細", "Details")}</A></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}

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
    let details = RwSignal::new(None::<ImportDetails>);
    let failure = RwSignal::new(None::<String>);
    let forbidden = RwSignal::new(false);
    let answer = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let load = move || {
        let id = id();
        spawn_local(async move {
            match api::get::<ImportDetails>(&format!("/api/imports/{}", segment(&id))).await {
                Ok(found) => details.set(Some(found)),
                Err(ApiError::Status { status: 403, .. }) => forbidden.set(true),
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    };
    load();
    let revert = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(lang.get_untracked().pick(
                    "このインポートで変更したセルをすべて元に戻します。よろしいですか？",
                    "Every cell this import changed will be restored. Continue?",
                ))
                .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        busy.set(true);
        let id = id();
        spawn_local(async move {
            let lang = lang.get_untracked();
            match api::post_empty::<Reverted>(&format!("/api/imports/{}/revert", segment(&id)))
                .await
            {
                Ok(done) => {
                    answer.set(Some((
                        true,
                        lang.pick(
                            format!("元に戻しました（{}セル）。", done.restored_cells),
                            format!("Reverted ({} cells restored).", done.restored_cells),
                        ),
                    )));
                    load();
                }
                Err(error) => answer.set(Some((false, error.describe(lang)))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h1>{t("インポートの詳細", "Import details")}</h1>
            <Show when=move || forbidden.get()>
                <p class="error" role="alert" data-testid="not-allowed">
                    {t(
                        "このインポートの詳細を見る権限がありません。詳細は評価管理者と実行した本人だけが見られます。",
                        "You are not allowed to see this import. Only evaluation admins and the person who ran it can.",
                    )}
                </p>
            </Show>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f}</p> })}
            {move || details.get().map(|d| {
                let errors = d.import.errors;
                let record = d.import.import;
                let status = record.status;
                let has_errors = !errors.is_empty();
                let listed = errors.len();
                let total = record.error_count();
                let truncated = record.errors_truncated;
                let reverted = record.reverted_at;
                let error_href = format!("/api/imports/{}/error-file", segment(&record.id));
                view! {
                    <dl class="counts" data-testid="detail" data-status=record.status.as_str()>
                        <dt>{t("状態", "Status")}</dt><dd>{move || status_text(lang.get(), status)}</dd>
                        <dt>{t("実行者", "Operator")}</dt><dd>{record.operator_name.clone()}</dd>
                        <dt>{t("開始", "Started")}</dt><dd>{when(record.started_at)}</dd>
                        <dt>{t("終了", "Ended")}</dt><dd>{record.ended_at.map(when).unwrap_or_default()}</dd>
                        <dt>{t("新規", "Created")}</dt><dd>{record.counts.created}</dd>
                        <dt>{t("更新", "Updated")}</dt><dd>{record.counts.updated}</dd>
                        <dt>{t("変更なし", "Unchanged")}</dt><dd>{record.counts.unchanged}</dd>
                        <dt>{t("エラー", "Failed")}</dt><dd>{record.counts.failed}</dd>
                    </dl>
                    {reverted.map(|at| view! {
                        <p class="notice" data-testid="reverted">{move || format!("{} {}", lang.get().pick("元に戻し済み:", "Reverted at"), when(at))}</p>
                    })}
                    <Show when=move || has_errors>
                        <a href=error_href.clone() download="">{t("エラーファイルをダウンロード", "Download the error file")}</a>
                    </Show>
                    <Show when=move || truncated>
                        <p class="notice" data-testid="errors-truncated">{move || lang.get().pick(
                            format!("エラーは全{total}件です。ここには最初の{listed}件を表示しています。すべての行はエラーファイルにあります。"),
                            format!("{total} errors in all; the first {listed} are listed here. The error file has every failed row."),
                        )}</p>
                    </Show>
                    <ul class="server-errors">
                        {errors.into_iter().map(|e| {
                            let place = match (e.row, e.column_letter.clone()) {
                                (Some(row), Some(letter)) => format!("{letter}{row}"),
                                (Some(row), None) => row.to_string(),
                                _ => String::new(),
                            };
                            view! { <li>{place} " " {move || lang.get().pick(e.message.clone(), e.message_en.clone())}</li> }
                        }).collect_view()}
                    </ul>
                    <Show when=move || reverted.is_none()>
                        <button data-testid="revert" disabled=busy on:click=revert>{t("元に戻す", "Revert")}</button>
                    </Show>
                }
            })}
            {move || answer.get().map(|(ok, text)| view! {
                <p class=if ok { "ok" } else { "error" } role="status" data-testid="revert-answer">{text}</p>
            })}
        </section>
    }
}
