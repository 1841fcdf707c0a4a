//! `/history/:id`: one import — its file, period, sheet, who and when, its
//! state and counts, its errors, the cells it changed — and the revert,
//! asked once in the page with the numbers.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use sheetlink_protocol::evaluation::{ImportChanges, RevertConflict};

use crate::api::{self, ApiError, CellAction, ImportDetails, Reverted, ServerError, segment};
use crate::components::{
    Answer, Captions, Confirm, Counts, ImportBadge, Loader, Said, TableBox, ZoneNote, cells_text,
    outcome_counts, when,
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
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let details = LocalResource::new(move || {
        let path = format!("/api/imports/{}", segment(&id()));
        async move {
            let details = api::get::<ImportDetails>(&path).await?;
            let record = &details.import.import;
            let captions = Captions::load(&record.period, &record.sheet).await;
            Ok::<_, ApiError>((details, captions))
        }
    });
    let revert = Action::new_local(move |id: &String| {
        let path = format!("/api/imports/{}/revert", segment(id));
        async move {
            let done = api::post_empty::<Reverted>(&path).await?;
            details.refetch();
            Ok::<_, ApiError>(done.restored_cells)
        }
    });
    view! {
        <section class="card" data-testid="import-detail">
            <p><A href="/history" attr:data-testid="back-to-history">{t("← インポート履歴に戻る", "← Back to the import history")}</A></p>
            <h1>{t("インポートの詳細", "Import details")}</h1>
            <Loader>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok((found, captions)) => Ok(view! { <Details details=found captions=captions revert=revert/> }.into_any()),
                        // Said where the details would be, in words of its own.
                        Err(ApiError::Status { status: 403, .. }) => Ok(view! { <NotAllowed/> }.into_any()),
                        Err(error) => Err(error),
                    }
                })}
            </Loader>
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
    captions: Captions,
    revert: Action<String, Result<u32, ApiError>>,
) -> impl IntoView {
    let lang = use_lang();
    let errors = details.import.errors;
    let record = details.import.import;
    let counts = outcome_counts(&record.counts, [""; 5]);
    let cells = record.cells;
    let (listed, total) = (errors.len(), record.error_count());
    let truncated = record.errors_truncated;
    let reverted = record.reverted_at;
    let error_href = format!("/api/imports/{}/error-file", segment(&record.id));
    let file = record.file_name.clone();
    let id = record.id.clone();
    let cells_line = move || {
        let lang = lang.get();
        format!(
            "{}{}",
            lang.pick("セル: ", "Cells: "),
            cells_text(lang, cells)
        )
    };
    view! {
        <ZoneNote/>
        <dl class="facts" data-testid="detail" data-status=record.status.as_str()>
            <dt>{t("状態", "Status")}</dt><dd><ImportBadge status=record.status reverted=reverted.is_some()/></dd>
            <dt>{t("ファイル", "File")}</dt>
            <dd data-testid="detail-file">{move || file.clone().unwrap_or_else(|| lang.get().pick("（名前なし）", "(no name)").to_owned())}</dd>
            <dt>{t("期間", "Period")}</dt><dd>{details.period_name}</dd>
            <dt>{t("シート", "Sheet")}</dt><dd>{details.sheet_name}</dd>
            <dt>{t("実行者", "Operator")}</dt><dd>{record.operator_name.clone()}</dd>
            <dt>{t("開始", "Started")}</dt><dd>{when(record.started_at)}</dd>
            <dt>{t("終了", "Ended")}</dt><dd>{record.ended_at.map(when).unwrap_or_else(|| "—".to_owned())}</dd>
            {reverted.map(|at| view! {
                <dt>{t("取り消し", "Reverted")}</dt><dd data-testid="reverted">{when(at)}</dd>
            })}
        </dl>
        <h2>{t("件数（被評価者）", "Evaluatees")}</h2>
        <Counts counts=counts/>
        <p>{cells_line}</p>
        {(!errors.is_empty()).then(|| view! {
            <h2>{t("エラー", "Errors")}</h2>
            {truncated.then(|| view! {
                <p class="notice" data-testid="errors-truncated">{move || lang.get().pick(
                    format!("エラーは全{total}件です。ここには最初の{listed}件を表示しています。すべての行はエラーファイルにあります。"),
                    format!("{total} errors in all; the first {listed} are listed here. The error file has every failed row."),
                )}</p>
            })}
            <ul class="server-errors">
                {errors.into_iter().map(|error| view! { <ServerErrorLine error=error/> }).collect_view()}
            </ul>
            <a class="button" href=error_href.clone() download="">{t("エラーファイルをダウンロード", "Download the error file")}</a>
        })}
        <h2>{t("変更したセル", "Cells changed")}</h2>
        <ChangedCells id=id.clone() captions=captions.clone()/>
        {reverted.is_none().then(|| view! { <Revert id=id cells=cells captions=captions revert=revert/> })}
    }
}

/// The revert: the button, the question with the numbers, and the answer —
/// with the cells that stop it when the server refuses.
#[component]
fn Revert(
    id: String,
    cells: sheetlink_protocol::evaluation::CellTotals,
    captions: Captions,
    revert: Action<String, Result<u32, ApiError>>,
) -> impl IntoView {
    let lang = use_lang();
    let asking = RwSignal::new(false);
    let changed = cells.create + cells.update + cells.delete;
    let question = Signal::derive(move || {
        lang.get().pick(
            format!("このインポートで変更した {changed} セルを、インポート前の値に戻します。元に戻すと、この操作は取り消せません。"),
            format!("The {changed} cells this import changed go back to their values before it. This cannot be undone."),
        )
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
    let refused_cells = move || match revert.value().get() {
        Some(Err(ApiError::Status { body, .. })) => ["conflicts", "cells"]
            .iter()
            .find_map(|key| body.details.get(*key).cloned())
            .and_then(|cells| serde_json::from_value::<Vec<RevertConflict>>(cells).ok())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let yes = Callback::new(move |()| {
        asking.set(false);
        revert.dispatch(id.clone());
    });
    let no = Callback::new(move |()| asking.set(false));
    view! {
        <div class="actions">
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <button data-testid="revert" disabled=revert.pending() on:click=move |_| asking.set(true)>
                        {t("元に戻す", "Revert")}
                    </button>
                }
            >
                <Confirm question=question yes=("元に戻す", "Revert") on_yes=yes on_no=no testid="confirm-revert"/>
            </Show>
            <div aria-live="polite">
                <Answer said=said testid="revert-answer"/>
                {move || {
                    let refused = refused_cells();
                    let captions = captions.clone();
                    (!refused.is_empty()).then(|| view! {
                        <TableBox label=t("元に戻せないセル", "Cells that stop the revert")>
                            <table data-testid="revert-conflicts">
                                <thead><tr>
                                    <th>{t("被評価者", "Evaluatee")}</th><th>{t("項目", "Item")}</th>
                                    <th>{t("インポートの値", "Imported")}</th><th>{t("現在の値", "Now")}</th>
                                </tr></thead>
                                <tbody>
                                    {refused.into_iter().map(|c| view! {
                                        <tr>
                                            <td>{if c.member_name.is_empty() { c.member.clone() } else { c.member_name.clone() }}</td>
                                            <td>{captions.of(&c.item)}</td>
                                            <td>{c.imported.unwrap_or_default()}</td>
                                            <td>{c.now.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </TableBox>
                    })
                }}
            </div>
        </div>
    }
}

/// The cells the import changed, a page of evaluatees at a time.
#[component]
fn ChangedCells(id: String, captions: Captions) -> impl IntoView {
    let lang = use_lang();
    // Read by the rows each time they render.
    let captions = StoredValue::new(captions);
    let rows = RwSignal::new(Vec::new());
    let next = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let load = Action::new_local(move |after: &Option<String>| {
        let mut path = format!("/api/imports/{}/changes", segment(&id));
        if let Some(after) = after {
            path.push_str(&format!("?after={}", segment(after)));
        }
        async move {
            let page = api::get::<ImportChanges>(&path).await?;
            rows.update(|rows| rows.extend(page.evaluatees));
            next.set(page.next_after);
            loaded.set(true);
            Ok::<_, ApiError>(())
        }
    });
    load.dispatch(None);
    let failed = Signal::derive(move || load.value().get().and_then(Result::err).map(Said::Failed));
    view! {
        <Show when=move || loaded.get() && rows.with(Vec::is_empty)>
            <p class="muted" data-testid="no-changes">{t("このインポートで変更されたセルはありません。", "This import changed no cells.")}</p>
        </Show>
        <Show when=move || !rows.with(Vec::is_empty)>
            <TableBox label=t("変更したセル", "Cells changed")>
                <table data-testid="changed-cells">
                    <thead><tr>
                        <th>{t("被評価者", "Evaluatee")}</th><th>{t("項目", "Item")}</th>
                        <th>{t("変更前", "Before")}</th><th>{t("変更後", "After")}</th>
                    </tr></thead>
                    <tbody>
                        {
                            move || rows.get().into_iter().flat_map(|evaluatee| {
                                let captions = captions.get_value();
                                evaluatee.changes.into_iter().map(move |cell| {
                                    let deleted = cell.action == CellAction::Delete;
                                    view! {
                                        <tr>
                                            <td>{evaluatee.name.clone()}</td>
                                            <td>{captions.of(&cell.item)}</td>
                                            <td>{cell.old.unwrap_or_default()}</td>
                                            <td class=deleted.then_some("delete")>{move || match &cell.new {
                                                Some(value) => value.clone(),
                                                None => lang.get().pick("（削除）", "(deleted)").to_owned(),
                                            }}</td>
                                        </tr>
                                    }
                                }).collect::<Vec<_>>()
                            }).collect_view()
                        }
                    </tbody>
                </table>
            </TableBox>
        </Show>
        {move || next.get().map(|after| view! {
            <button data-testid="changes-more" disabled=load.pending() on:click=move |_| { load.dispatch(Some(after.clone())); }>
                {t("さらに表示", "Show more")}
            </button>
        })}
        <Answer said=failed testid="changes-error"/>
    }
}

#[component]
fn ServerErrorLine(error: ServerError) -> impl IntoView {
    let lang = use_lang();
    let place = match (error.row, error.column_letter.clone()) {
        (Some(row), Some(letter)) => format!("{letter}{row}"),
        (Some(row), None) => lang
            .get_untracked()
            .pick(format!("{row}行目"), format!("row {row}")),
        _ => String::new(),
    };
    view! {
        <li>
            <span class="cell-ref">{place}</span>
            " "
            {move || lang.get().pick(error.message.clone(), error.message_en.clone())}
        </li>
    }
}
