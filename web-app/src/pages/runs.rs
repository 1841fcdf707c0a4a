//! Batch-linkage history per sheet (with each run's per-row results) and the
//! timeline of completion posts.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sheetlink_engine::linkage::crm_catalog;

use crate::api::{self, segment};
use crate::app::SignedIn;
use crate::i18n::{t, use_lang};

/// A batch run, as the server answers it.
pub type Run = sheetlink_protocol::linkage::LinkageRun;

/// A timeline post.
pub type Post = sheetlink_protocol::linkage::TimelinePost;

fn when(seconds: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// `/linkage/history`.
#[component]
pub fn RunsPage() -> impl IntoView {
    view! { <SignedIn><Runs/></SignedIn> }
}

#[component]
fn Runs() -> impl IntoView {
    let lang = use_lang();
    let sheet = RwSignal::new("customer".to_owned());
    let runs = RwSignal::new(Vec::<Run>::new());
    let details = RwSignal::new(None::<Run>);
    let failure = RwSignal::new(None::<String>);
    Effect::new(move || {
        let sheet = sheet.get();
        spawn_local(async move {
            match api::get::<Vec<Run>>(&format!("/api/linkage/runs?sheet={}", segment(&sheet)))
                .await
            {
                Ok(list) => runs.set(list),
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    });
    let open = move |id: String| {
        spawn_local(async move {
            if let Ok(run) = api::get::<Run>(&format!("/api/linkage/runs/{}", segment(&id))).await {
                details.set(Some(run));
            }
        });
    };
    view! {
        <section class="card">
            <h1>{t("インポート・エクスポート履歴（バッチ）", "Import and export history (batch)")}</h1>
            <p class="muted">{t("バッチ連携の実行結果です。種別「バッチ」。", "Runs of the batch client; type “batch”.")}</p>
            {move || failure.get().map(|f| view! { <p class="error">{f}</p> })}
            <label>{t("シート", "Sheet")}
                <select data-testid="runs-sheet" on:change=move |ev| { details.set(None); sheet.set(event_target_value(&ev)); }>
                    {crm_catalog().sheets.into_iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <table data-testid="runs">
                <thead><tr><th>{t("開始", "Started")}</th><th>{t("種別", "Type")}</th><th>{t("方向", "Direction")}</th><th>{t("キー", "Key")}</th><th>{t("実行者", "By")}</th><th>{t("状態", "Status")}</th><th>{t("件数", "Rows")}</th><th></th></tr></thead>
                <tbody>
                    {move || runs.get().into_iter().map(|run| {
                        let id = run.id.clone();
                        let c = run.counts;
                        view! {
                            <tr data-key=run.key.clone() data-status=run.status.as_str()>
                                <td>{when(run.started_at)}</td><td>{match run.kind { sheetlink_protocol::linkage::RunKind::Batch => t("バッチ", "batch")() }}</td>
                                <td>{run.direction.as_str()}</td><td>{run.key.clone()}</td><td>{run.actor.clone()}</td><td>{run.status.as_str()}</td>
                                <td>{move || lang.get().pick(
                                    format!("{}行: 新規{} 更新{} 変更なし{} スキップ{} エラー{}", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                                    format!("{} rows: {} created, {} updated, {} unchanged, {} skipped, {} failed", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                                )}</td>
                                <td><button class="link" on:click=move |_| open(id.clone())>{t("詳細", "Details")}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || details.get().map(|run| view! {
                <h2>{format!("{} / {}", run.key, run.id)}</h2>
                <table data-testid="run-rows">
                    <thead><tr><th>{t("行", "Row")}</th><th>{t("結果", "Outcome")}</th><th>{t("レコード", "Record")}</th><th>{t("理由", "Reason")}</th></tr></thead>
                    <tbody>{run.rows.into_iter().take(1000).map(|r| view! {
                        <tr><td>{r.row}</td><td>{r.outcome.as_str()}</td><td>{r.record.unwrap_or_default()}</td><td>{move || if lang.get() == crate::i18n::Lang::En { r.message_en.clone() } else { r.message.clone() }.unwrap_or_default()}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
        </section>
    }
}

/// `/timeline`.
#[component]
pub fn TimelinePage() -> impl IntoView {
    view! { <SignedIn><Timeline/></SignedIn> }
}

#[component]
fn Timeline() -> impl IntoView {
    let lang = use_lang();
    let posts = RwSignal::new(Vec::<Post>::new());
    let failure = RwSignal::new(None::<String>);
    spawn_local(async move {
        match api::get::<Vec<Post>>("/api/timeline").await {
            Ok(list) => posts.set(list),
            Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
        }
    });
    view! {
        <section class="card">
            <h1>{t("タイムライン", "Timeline")}</h1>
            {move || failure.get().map(|f| view! { <p class="error">{f}</p> })}
            <ul class="timeline" data-testid="timeline">
                {move || posts.get().into_iter().map(|p| view! { <li data-id=p.id.clone()><time>{when(p.at)}</time><pre>{p.text}</pre></li> }).collect_view()}
            </ul>
            <Show when=move || posts.with(Vec::is_empty)><p class="muted">{t("投稿はまだありません。", "No posts yet.")}</p></Show>
        </section>
    }
}
