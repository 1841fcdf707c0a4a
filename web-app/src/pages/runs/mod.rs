//! Batch-linkage history per sheet, and one run's per-row results
//! (`rows.rs`).

pub mod rows;

use leptos::prelude::*;
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_protocol::linkage::{LinkageRun as Run, RunKind};

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
            {move || opened.get().map(|id| view! { <rows::RunRows id=id/> })}
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
