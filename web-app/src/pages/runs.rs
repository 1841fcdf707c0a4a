//! Batch-linkage history per sheet (with each run's per-row results) and the
//! timeline of completion posts.

use leptos::prelude::*;
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_protocol::linkage::{LinkageRun as Run, RunKind, TimelinePost as Post};

use crate::api::{self, segment};
use crate::components::{Loader, when};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;

/// `/linkage/history`.
#[component]
pub fn RunsPage() -> impl IntoView {
    view! { <SignedIn><Runs/></SignedIn> }
}

#[component]
fn Runs() -> impl IntoView {
    let sheet = RwSignal::new("customer".to_owned());
    let opened = RwSignal::new(None::<String>);
    let runs = LocalResource::new(move || {
        let path = format!("/api/linkage/runs?sheet={}", segment(&sheet.get()));
        async move { api::get::<Vec<Run>>(&path).await }
    });
    view! {
        <section class="card">
            <h1>{t("インポート・エクスポート履歴（バッチ）", "Import and export history (batch)")}</h1>
            <p class="muted">{t("バッチ連携の実行結果です。種別「バッチ」。", "Runs of the batch client; type “batch”.")}</p>
            <label>{t("シート", "Sheet")}
                <select data-testid="runs-sheet" on:change=move |ev| { opened.set(None); sheet.set(event_target_value(&ev)); }>
                    {crm_catalog().sheets.into_iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <Loader>
                {move || Suspend::new(async move {
                    runs.await.map(|runs| view! { <RunTable runs=runs opened=opened/> })
                })}
            </Loader>
            {move || opened.get().map(|id| view! { <RunRows id=id/> })}
        </section>
    }
}

#[component]
fn RunTable(runs: Vec<Run>, opened: RwSignal<Option<String>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table data-testid="runs">
            <thead><tr><th>{t("開始", "Started")}</th><th>{t("種別", "Type")}</th><th>{t("方向", "Direction")}</th><th>{t("キー", "Key")}</th><th>{t("実行者", "By")}</th><th>{t("状態", "Status")}</th><th>{t("件数", "Rows")}</th><th></th></tr></thead>
            <tbody>
                {runs.into_iter().map(|run| {
                    let id = run.id.clone();
                    let c = run.counts;
                    view! {
                        <tr data-key=run.key.clone() data-status=run.status.as_str()>
                            <td>{when(run.started_at)}</td><td>{match run.kind { RunKind::Batch => t("バッチ", "batch")() }}</td>
                            <td>{run.direction.as_str()}</td><td>{run.key.clone()}</td><td>{run.actor.clone()}</td><td>{run.status.as_str()}</td>
                            <td>{move || lang.get().pick(
                                format!("{}行: 新規{} 更新{} 変更なし{} スキップ{} エラー{}", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                                format!("{} rows: {} created, {} updated, {} unchanged, {} skipped, {} failed", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                            )}</td>
                            <td><button class="link" on:click=move |_| opened.set(Some(id.clone()))>{t("詳細", "Details")}</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One run's per-row results (the first 1,000 rows).
#[component]
fn RunRows(id: String) -> impl IntoView {
    let lang = use_lang();
    let path = format!("/api/linkage/runs/{}", segment(&id));
    let run = LocalResource::new(move || {
        let path = path.clone();
        async move { api::get::<Run>(&path).await }
    });
    view! {
        <Loader>
            {move || Suspend::new(async move {
                run.await.map(|run| view! {
                    <h2>{format!("{} / {}", run.key, run.id)}</h2>
                    <table data-testid="run-rows">
                        <thead><tr><th>{t("行", "Row")}</th><th>{t("結果", "Outcome")}</th><th>{t("レコード", "Record")}</th><th>{t("理由", "Reason")}</th></tr></thead>
                        <tbody>{run.rows.into_iter().take(1000).map(|r| view! {
                            <tr><td>{r.row}</td><td>{r.outcome.as_str()}</td><td>{r.record.unwrap_or_default()}</td><td>{move || lang.get().pick(r.message.clone(), r.message_en.clone()).unwrap_or_default()}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                })
            })}
        </Loader>
    }
}

/// `/timeline`.
#[component]
pub fn TimelinePage() -> impl IntoView {
    view! { <SignedIn><Timeline/></SignedIn> }
}

#[component]
fn Timeline() -> impl IntoView {
    let posts = LocalResource::new(|| api::get::<Vec<Post>>("/api/timeline"));
    view! {
        <section class="card">
            <h1>{t("タイムライン", "Timeline")}</h1>
            <Loader>
                {move || Suspend::new(async move {
                    posts.await.map(|posts| if posts.is_empty() {
                        view! { <p class="muted">{t("投稿はまだありません。", "No posts yet.")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="timeline" data-testid="timeline">
                                {posts.into_iter().map(|p| view! { <li data-id=p.id.clone()><time>{when(p.at)}</time><pre>{p.text}</pre></li> }).collect_view()}
                            </ul>
                        }.into_any()
                    })
                })}
            </Loader>
        </section>
    }
}
