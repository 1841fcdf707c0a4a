//! Linkage history per sheet — batch and manual runs, filtered by type and
//! (from a condition's wizard) by condition — and one run's per-row
//! results (`rows.rs`). `?sheet=&kind=&key=` open it filtered.

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
    let asked = leptos_router::hooks::use_query_map().get_untracked();
    let sheet = RwSignal::new(asked.get("sheet").unwrap_or_else(|| "customer".to_owned()));
    // "" (every type), "batch" or "manual".
    let kind = RwSignal::new(asked.get("kind").unwrap_or_default());
    // A condition's key, when opened from its wizard.
    let key = RwSignal::new(asked.get("key").filter(|k| !k.is_empty()));
    let opened = RwSignal::new(None::<String>);
    let runs = LocalResource::new(move || {
        let mut path = format!("/api/linkage/runs?sheet={}", segment(&sheet.get()));
        let kind = kind.get();
        if !kind.is_empty() {
            path.push_str(&format!("&kind={}", segment(&kind)));
        }
        if let Some(key) = key.get() {
            path.push_str(&format!("&key={}", segment(&key)));
        }
        async move { api::get::<Vec<Run>>(&path).await }
    });
    view! {
        <section class="card">
            <h1>{t("インポート・エクスポート履歴", "Import and export history")}</h1>
            <p class="muted">{t("バッチ連携（種別「バッチ」）と、各シートのインポート画面から手で取り込んだ結果（種別「手動」）です。", "Runs of the batch client (type “batch”) and files imported by hand on a sheet's import screen (type “manual”).")}</p>
            <div class="row">
                <label>{t("シート", "Sheet")}
                    <select data-testid="runs-sheet" on:change=move |ev| { opened.set(None); key.set(None); sheet.set(event_target_value(&ev)); }>
                        {crate::catalog::known().sheets.into_iter().map(|s| {
                            let selected = s.id == sheet.get_untracked();
                            view! { <option value=s.id.clone() selected=selected>{s.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>{t("種別", "Type")}
                    <select data-testid="runs-kind" on:change=move |ev| { opened.set(None); kind.set(event_target_value(&ev)); }>
                        {[("", "すべて", "All"), ("batch", "バッチ", "Batch"), ("manual", "手動", "Manual")].into_iter().map(|(value, ja, en)| {
                            let selected = value == kind.get_untracked();
                            view! { <option value=value selected=selected>{t(ja, en)}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {move || key.get().map(|shown| view! {
                <p class="notice" data-testid="runs-key">
                    {move || use_lang().get().pick(format!("条件「{shown}」の実行だけを表示しています。"), format!("Showing the runs of condition {shown} only."))}" "
                    <button class="link" data-testid="runs-every-condition" on:click=move |_| key.set(None)>{t("すべての条件を表示", "Show every condition")}</button>
                </p>
            })}
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
                "該当する実行はまだありません。バッチ連携設定で条件を登録してクライアントモジュールのスクリプトを実行するか、レコード画面の「インポート」から取り込むと、ここに結果が並びます。",
                "No runs here yet. Save a condition in the batch linkage settings and run the client module's script, or import a file from the records screen; results appear here.",
            )}</p>
        }
        .into_any();
    }
    view! {
        <ZoneNote/>
        <TableBox label=t("実行履歴", "Runs")>
        <table data-testid="runs">
            <thead><tr><th>{t("開始", "Started")}</th><th>{t("種別", "Type")}</th><th>{t("方向", "Direction")}</th><th>{t("キー", "Key")}</th><th>{t("実行者", "By")}</th><th>{t("状態", "Status")}</th><th>{t("件数", "Rows")}</th><th><span class="visually-hidden">{t("詳細", "Details")}</span></th></tr></thead>
            <tbody>
                {runs.into_iter().map(|run| {
                    let id = run.id.clone();
                    let c = run.counts;
                    let direction = run.direction;
                    view! {
                        <tr data-key=run.key.clone() data-status=run.status.as_str()>
                            <td>{when(run.started_at)}</td><td>{match run.kind { RunKind::Batch => t("バッチ", "batch")(), RunKind::Manual => t("手動", "manual")() }}</td>
                            <td>{move || direction_text(lang.get(), direction)}</td><td>{if run.on_the_spot { t("（その場のマッピング）", "(mapped on the spot)")().to_owned() } else { run.key.clone() }}</td><td>{actor_text(lang, run.actor.clone())}</td><td><RunBadge status=run.status/></td>
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
