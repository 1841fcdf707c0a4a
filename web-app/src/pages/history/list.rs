//! `/history`: the latest 100 imports, with what people look for in them —
//! file, period, sheet, who, start and end, counts and the state.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, HistoryLine};
use crate::components::{ImportBadge, Loader, TableBox, ZoneNote, when};
use crate::i18n::{t, use_lang};
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
        return view! {
            <p class="muted" data-testid="history-empty">
                {t("まだインポートはありません。", "No imports yet.")}
                " "
                <A href="/template">{t("テンプレートを作成する", "Create a template")}</A>
            </p>
        }
        .into_any();
    }
    view! {
        <ZoneNote/>
        <TableBox label=t("インポート履歴", "Import history")>
            <table class="history" data-testid="history">
                <thead><tr>
                    <th>{t("ファイル", "File")}</th>
                    <th>{t("期間 / シート", "Period / sheet")}</th>
                    <th>{t("実行者", "Operator")}</th>
                    <th>{t("開始 / 終了", "Started / ended")}</th>
                    <th>{t("件数（名）", "Evaluatees")}</th>
                    <th>{t("状態", "Status")}</th>
                    <th><span class="visually-hidden">{t("詳細", "Details")}</span></th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|line| view! { <HistoryRow line=line/> }).collect_view()}
                </tbody>
            </table>
        </TableBox>
    }
    .into_any()
}

#[component]
fn HistoryRow(line: HistoryLine) -> impl IntoView {
    let lang = use_lang();
    let c = line.counts;
    let reverted = line.reverted_at.is_some();
    let status = if reverted {
        "reverted"
    } else {
        line.status.as_str()
    };
    let cells = line.cells;
    let counts = move || {
        lang.get().pick(
            format!(
                "新規 {}名 ・ 更新 {}名 ・ 削除 {}セル ・ 失敗 {}名",
                c.created, c.updated, cells.delete, c.failed
            ),
            format!(
                "{} created · {} updated · {} cells deleted · {} failed",
                c.created, c.updated, cells.delete, c.failed
            ),
        )
    };
    let file = line.file_name.clone();
    view! {
        <tr data-id=line.id.clone() data-status=status>
            <td class="file">{move || file.clone().unwrap_or_else(|| lang.get().pick("（名前なし）", "(no name)").to_owned())}</td>
            <td>{line.period_name.clone()}<br/><span class="muted">{line.sheet_name.clone()}</span></td>
            <td>{line.operator_name.clone()}</td>
            <td class="nowrap">{when(line.started_at)}<br/><span class="muted">{line.ended_at.map(when).unwrap_or_else(|| "—".to_owned())}</span></td>
            <td data-testid="history-counts">{counts}</td>
            <td><ImportBadge status=line.status reverted=reverted/></td>
            <td>
                {line.may_open.then(|| view! {
                    <A href=format!("/history/{}", line.id) attr:data-testid="detail">{t("詳細", "Details")}</A>
                })}
            </td>
        </tr>
    }
}
