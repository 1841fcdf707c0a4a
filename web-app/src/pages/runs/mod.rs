//! Batch-linkage history per sheet, and one run's per-row results
//! (`rows.rs`).

pub mod rows;

use leptos::prelude::*;
use sheetlink_protocol::linkage::{LinkageRun as Run, RunKind};

use crate::api::{self, segment};
use crate::components::{Loader, RunBadge, TableBox, ZoneNote, direction_text, when};
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
                    {crate::catalog::known().sheets.into_iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
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
    if runs.is_empty() {
        return view! {
            <p class="muted" data-testid="runs">{t(
                "このシートのバッチ実行はまだありません。バッチ連携設定で条件を登録し、クライアントモジュールのスクリプトを実行すると、ここに結果が並びます。",
                "No batch runs for this sheet yet. Save a condition in the batch linkage settings and run the client module's script; results appear here.",
            )}</p>
        }
        .into_any();
    }
    view! {
        <ZoneNote/>
        <TableBox label=t("バッチ実行", "Batch runs")>
        <table data-testid="runs">
            <thead><tr><th>{t("開始", "Started")}</th><th>{t("種別", "Type")}</th><th>{t("方向", "Direction")}</th><th>{t("キー", "Key")}</th><th>{t("実行者", "By")}</th><th>{t("状態", "Status")}</th><th>{t("件数", "Rows")}</th><th><span class="visually-hidden">{t("詳細", "Details")}</span></th></tr></thead>
            <tbody>
                {runs.into_iter().map(|run| {
                    let id = run.id.clone();
                    let c = run.counts;
                    let direction = run.direction;
                    view! {
                        <tr data-key=run.key.clone() data-status=run.status.as_str()>
                            <td>{when(run.started_at)}</td><td>{match run.kind { RunKind::Batch => t("バッチ", "batch")() }}</td>
                            <td>{move || direction_text(lang.get(), direction)}</td><td>{run.key.clone()}</td><td>{actor_text(lang, run.actor.clone())}</td><td><RunBadge status=run.status/></td>
                            <td>{move || lang.get().pick(
                                format!("{}行: 新規 {} ・ 更新 {} ・ 変更なし {} ・ スキップ {} ・ 失敗 {}", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                                format!("{} rows: {} created, {} updated, {} unchanged, {} skipped, {} failed", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                            )}</td>
                            <td><button class="link" on:click=move |_| opened.set(Some(id.clone()))>{t("詳細", "Details")}</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </TableBox>
    }
    .into_any()
}

/// Who ran a batch: a member's login id, or the tenant's token, said so.
fn actor_text(lang: RwSignal<crate::i18n::Lang>, actor: String) -> impl Fn() -> String {
    move || {
        if actor == "token" {
            lang.get()
                .pick("バッチクライアント（トークン）", "Batch client (token)")
                .to_owned()
        } else {
            actor.clone()
        }
    }
}
