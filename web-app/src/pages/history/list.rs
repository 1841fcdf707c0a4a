//! `/history`: the latest 100 imports.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, HistoryLine};
use crate::components::{ImportStatusText, Loader, when};
use crate::i18n::t;
use crate::session::SignedIn;

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
    let lines = LocalResource::new(|| api::get::<Vec<HistoryLine>>("/api/imports"));
    view! {
        <section class="card">
            <h1>{t("インポート履歴（最新100件）", "Import history (latest 100)")}</h1>
            <Loader>
                {move || Suspend::new(async move { lines.await.map(|lines| view! { <HistoryTable lines=lines/> }) })}
            </Loader>
        </section>
    }
}

#[component]
fn HistoryTable(lines: Vec<HistoryLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="muted">{t("まだインポートはありません。", "No imports yet.")}</p> }
            .into_any();
    }
    view! {
        <table class="history" data-testid="history">
            <thead><tr>
                <th>{t("開始", "Started")}</th><th>{t("期間", "Period")}</th><th>{t("シート", "Sheet")}</th>
                <th>{t("実行者", "Operator")}</th><th>{t("状態", "Status")}</th><th></th>
            </tr></thead>
            <tbody>
                {lines.into_iter().map(|line| view! {
                    <tr data-id=line.id.clone() data-status=line.status.as_str()>
                        <td>{when(line.started_at)}</td>
                        <td>{line.period_name}</td>
                        <td>{line.sheet_name}</td>
                        <td>{line.operator_name}</td>
                        <td><ImportStatusText status=line.status/></td>
                        <td><A href=format!("/history/{}", line.id)>{t("詳細", "Details")}</A></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
