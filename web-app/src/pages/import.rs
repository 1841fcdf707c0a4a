//! Import: pick or drop a file, validate it in the worker (nothing leaves the
//! browser), then the server's dry run, then apply with progress.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sheetlink_engine::evaluation::{MAX_FILE_BYTES, Status, identify};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use crate::api::{
    self, ApiError, CellAction, ChangesPage, DryRun, ImportAnswer, ImportDetails, ImportStatus,
    Upload, segment,
};
use crate::app::use_session;
use crate::cache::{self, CachedSheet};
use crate::errors::ErrorTable;
use crate::i18n::{Lang, t, use_lang};
use crate::network;
use crate::validation::{ErrorLine, Event, Job, Report};

/// Where the page is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Idle,
    Refused(String),
    Validating { done: f64, total: f64 },
    Cancelled,
    Validated,
}

/// The file being worked on.
#[derive(Clone)]
struct Chosen {
    file: File,
    period: String,
    sheet: String,
}

/// `/`: the import screen.
#[component]
pub fn ImportPage() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let online = network::online();
    let cached = RwSignal::new(cache::sheets());
    let manual = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Idle);
    let report = RwSignal::new(None::<Report>);
    let errors = RwSignal::new(Vec::<ErrorLine>::new());
    let chosen = StoredValue::new_local(None::<Chosen>);
    let job = StoredValue::new_local(None::<Job>);
    let file_name = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let picker: NodeRef<leptos::html::Input> = NodeRef::new();

    let on_event = move |event: Event| match event {
        Event::Progress { done, total } => {
            if matches!(stage.get_untracked(), Stage::Validating { .. }) {
                stage.set(Stage::Validating { done, total });
            }
        }
        Event::Report(mut done) => {
            errors.set(std::mem::take(&mut done.errors));
            report.set(Some(done));
            stage.set(Stage::Validated);
        }
        Event::ErrorFile(bytes) => {
            let name = format!("errors_{}", file_name.get_untracked());
            let _ = crate::download::save(&bytes, &name, "text/csv");
        }
        Event::Failed(message) => stage.set(Stage::Refused(message)),
    };

    let start = move |file: File| {
        job.set_value(None);
        report.set(None);
        errors.set(Vec::new());
        chosen.set_value(None);
        file_name.set(file.name());
        let lang = lang.get_untracked();
        if file.size() > MAX_FILE_BYTES as f64 {
            stage.set(Stage::Refused(too_large(lang, file.size())));
            return;
        }
        stage.set(Stage::Validating {
            done: 0.0,
            total: file.size(),
        });
        spawn_local(async move {
            match prepare(
                &file,
                &manual.get_untracked(),
                lang,
                session.me.get_untracked().is_some(),
            )
            .await
            {
                Ok((schema, period, sheet, bytes)) => {
                    cached.set(cache::sheets());
                    if stage.get_untracked() == Stage::Cancelled {
                        return;
                    }
                    chosen.set_value(Some(Chosen {
                        file,
                        period,
                        sheet,
                    }));
                    match Job::start(&schema, bytes, lang, on_event) {
                        Ok(started) => job.set_value(Some(started)),
                        Err(error) => stage.set(Stage::Refused(format!("{error:?}"))),
                    }
                }
                Err(message) => stage.set(Stage::Refused(message)),
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            start(file);
        }
        // Picking the same file again (after fixing it) fires again.
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            start(file);
        }
    };
    let cancel = move |_| {
        job.set_value(None);
        stage.set(Stage::Cancelled);
    };
    let error_file = move |_| {
        job.with_value(|job| {
            if let Some(job) = job {
                job.request_error_file(lang.get_untracked());
            }
        });
    };

    view! {
        <section class="card">
            <h1>{t("評価シートのインポート", "Import evaluation sheets")}</h1>
            <p class="muted">
                {t(
                    "ファイルはまずこのブラウザの中でチェックされます。「アップロード」を押すまで、ファイルの内容は送信されません。",
                    "The file is first checked inside this browser. Nothing of it is sent until you press “Upload”.",
                )}
            </p>
            <div class="row">
                <label>
                    {t("シート", "Sheet")}
                    <select data-testid="sheet-choice" on:change=move |ev| manual.set(event_target_value(&ev))>
                        <option value="">{t("自動（ファイルの1行目から判別）", "Automatic (from row 1 of the file)")}</option>
                        <For each=move || cached.get() key=|c| format!("{}/{}", c.period, c.sheet) let:c>
                            <option value=format!("{}/{}", c.period, c.sheet)>{c.label.clone()}</option>
                        </For>
                    </select>
                </label>
            </div>
            <div
                class="drop"
                class:dragging=dragging
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>{t("ここにCSVファイルをドロップ、または", "Drop a CSV file here, or")}</p>
                <button
                    data-testid="choose-file"
                    on:click=move |_| {
                        if let Some(input) = picker.get() {
                            input.click();
                        }
                    }
                >
                    {t("ファイルを選択", "Choose a file")}
                </button>
                <input
                    data-testid="file-input"
                    node_ref=picker
                    class="visually-hidden"
                    type="file"
                    tabindex="-1"
                    aria-hidden="true"
                    accept=".csv,text/csv"
                    on:change=on_pick
                />
                <p class="muted">{move || file_name.get()}</p>
            </div>
            {move || match stage.get() {
                Stage::Idle => ().into_any(),
                Stage::Refused(message) => view! { <p class="error" role="alert" data-testid="refused">{message}</p> }.into_any(),
                Stage::Cancelled => view! { <p class="notice" data-testid="cancelled">{t("チェックを中止しました。", "The check was cancelled.")}</p> }.into_any(),
                Stage::Validating { done, total } => {
                    let percent = if total > 0.0 { (done / total * 100.0).round() } else { 0.0 };
                    view! {
                        <div class="progress-line" data-testid="validating">
                            <progress max="100" value=percent aria-label=t("チェックの進み具合", "Check progress")></progress>
                            <span>{format!("{percent}%")}</span>
                            <button data-testid="cancel" on:click=cancel>{t("中止", "Cancel")}</button>
                        </div>
                    }
                        .into_any()
                }
                Stage::Validated => ().into_any(),
            }}
            {move || report.get().map(|r| view! { <Summary report=r/> })}
            <Show when=move || !errors.with(Vec::is_empty)>
                <ErrorTable errors=errors/>
                <button data-testid="download-error-file" on:click=error_file>
                    {t("エラーファイルをダウンロード", "Download the error file")}
                </button>
            </Show>
            <Show when=move || report.with(|r| r.as_ref().is_some_and(|r| r.valid > 0))>
                <Upload chosen=chosen online=online/>
            </Show>
        </section>
    }
}

fn too_large(lang: Lang, size: f64) -> String {
    let mb = size / 1_000_000.0;
    let limit = MAX_FILE_BYTES as f64 / 1_000_000.0;
    lang.pick(
        format!("ファイルが大きすぎます（{mb:.1} MB）。上限は {limit:.1} MB です。評価対象者を分けて複数のファイルにしてください。"),
        format!("The file is too large ({mb:.1} MB); the limit is {limit:.1} MB. Split the evaluatees over several files."),
    )
}

/// Finds the schema for `file` (the one picked, or the one row 1 names;
/// from the server when signed in and reachable, else from the browser's
/// store) and reads the file's bytes.
async fn prepare(
    file: &File,
    manual: &str,
    lang: Lang,
    signed_in: bool,
) -> Result<(String, String, String, js_sys::ArrayBuffer), String> {
    let head = read(
        &file
            .slice_with_i32_and_i32(0, 4096)
            .map_err(|e| format!("{e:?}"))?,
    )
    .await?;
    let (period, sheet) = match manual.split_once('/') {
        Some((period, sheet)) => (period.to_owned(), sheet.to_owned()),
        None => identify(&js_sys::Uint8Array::new(&head).to_vec()).ok_or_else(|| {
            lang.pick(
                "どのシートのファイルか判別できません。1行目がテンプレートのまま（version:1,period:…,sheet:…）か確認するか、シートを選んでください。",
                "Cannot tell which sheet this file is for: check that row 1 is as in the template (version:1,period:…,sheet:…), or choose the sheet.",
            )
            .to_owned()
        })?,
    };
    let mut schema = None;
    if signed_in {
        let path = format!(
            "/api/periods/{}/sheets/{}/schema",
            segment(&period),
            segment(&sheet)
        );
        match api::get_text(&path).await {
            Ok(json) => {
                let label = cache::sheets()
                    .into_iter()
                    .find(|c| {
                        (c.period.as_str(), c.sheet.as_str()) == (period.as_str(), sheet.as_str())
                    })
                    .map_or_else(|| format!("{period} / {sheet}"), |c| c.label);
                cache::store(
                    CachedSheet {
                        period: period.clone(),
                        sheet: sheet.clone(),
                        label,
                    },
                    &json,
                );
                schema = Some(json);
            }
            Err(ApiError::Offline) => {}
            Err(error) => return Err(error.describe(lang)),
        }
    }
    let schema = match schema.or_else(|| cache::schema(&period, &sheet)) {
        Some(schema) => schema,
        None => {
            return Err(lang.pick(
                format!("シート {period} / {sheet} の定義がこのブラウザに保存されていません。オンラインでログインしてテンプレートをダウンロードすると、オフラインでもチェックできるようになります。"),
                format!("The sheet {period} / {sheet} is not saved in this browser. Sign in online and download its template to check it offline."),
            ));
        }
    };
    let bytes = read(file).await?;
    Ok((schema, period, sheet, bytes))
}

async fn read(blob: &web_sys::Blob) -> Result<js_sys::ArrayBuffer, String> {
    JsFuture::from(blob.array_buffer())
        .await
        .map(|buffer| buffer.unchecked_into())
        .map_err(|e| format!("{e:?}"))
}

#[component]
fn Summary(report: Report) -> impl IntoView {
    let lang = use_lang();
    let status = report.status;
    let headline = move || {
        let lang = lang.get();
        match status {
            Status::Ok => lang.pick(
                "エラーはありません。アップロードできます。",
                "No errors: the file can be uploaded.",
            ),
            Status::Errors => lang.pick(
                "エラーのある行があります。エラーのない行だけをアップロードできます。",
                "Some rows have errors. Only the rows without errors can be uploaded.",
            ),
            Status::Aborted => lang.pick(
                "エラーのある評価対象者が多すぎるため、チェックを途中で止めました。",
                "Too many evaluatees have errors; the check stopped early.",
            ),
            Status::Rejected => lang.pick(
                "このファイルは取り込めません。",
                "This file cannot be imported.",
            ),
        }
    };
    let class = if status == Status::Ok { "ok" } else { "error" };
    view! {
        <div class="summary" data-testid="summary" data-status=status.as_str()>
            <p class=class role="status">{headline}</p>
            <dl class="counts">
                <dt>{t("評価対象者", "Evaluatees")}</dt><dd data-testid="count-evaluatees">{report.evaluatees}</dd>
                <dt>{t("エラーなし", "Valid")}</dt><dd data-testid="count-valid">{report.valid}</dd>
                <dt>{t("エラーあり", "With errors")}</dt><dd data-testid="count-errors">{report.with_errors}</dd>
                <dt>{t("チェック時間", "Check time")}</dt><dd>{format!("{:.0} ms", report.millis)}</dd>
            </dl>
        </div>
    }
}

#[component]
fn Upload(
    chosen: StoredValue<Option<Chosen>, LocalStorage>,
    online: RwSignal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let dry_run = RwSignal::new(None::<DryRun>);
    let result = RwSignal::new(None::<ImportAnswer>);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let applying = RwSignal::new(None::<(u32, u32)>);
    let key = StoredValue::new(None::<String>);
    let target = move || {
        chosen.with_value(|c| {
            c.as_ref().map(|c| {
                (
                    c.file.clone(),
                    format!(
                        "/api/periods/{}/sheets/{}/imports",
                        segment(&c.period),
                        segment(&c.sheet)
                    ),
                )
            })
        })
    };
    let check = move |_| {
        let Some((file, path)) = target() else { return };
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match api::post_file::<DryRun>(&path, &file, Upload::DryRun).await {
                Ok(plan) => dry_run.set(Some(plan)),
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    let apply = move |_| {
        let Some((file, path)) = target() else { return };
        // A retry after a network failure reuses the key: applied once.
        let idempotency_key = key.get_value().unwrap_or_else(api::new_idempotency_key);
        key.set_value(Some(idempotency_key.clone()));
        busy.set(true);
        failure.set(None);
        applying.set(Some((0, 0)));
        spawn_local(poll_progress(applying, idempotency_key.clone()));
        spawn_local(async move {
            match api::post_file::<ImportAnswer>(
                &path,
                &file,
                Upload::Apply {
                    idempotency_key: &idempotency_key,
                },
            )
            .await
            {
                Ok(record) => result.set(Some(record)),
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
            applying.set(None);
            busy.set(false);
        });
    };
    let can_upload = move || online.get() && session.me.get().is_some();
    view! {
        <div class="upload">
            <Show
                when=can_upload
                fallback=move || view! {
                    <p class="notice" data-testid="upload-unavailable">
                        {t(
                            "アップロードするには、オンラインでログインしてください。",
                            "To upload, be online and signed in.",
                        )}
                    </p>
                }
            >
                <button data-testid="dry-run" class="primary" disabled=busy on:click=check>
                    {t("アップロードしてサーバーで確認（ドライラン）", "Upload and check on the server (dry run)")}
                </button>
            </Show>
            {move || failure.get().map(|f| view! { <p class="error" role="alert" data-testid="upload-error">{f}</p> })}
            {move || dry_run.get().map(|plan| view! { <DryRunView plan=plan/> })}
            <Show when=move || dry_run.with(Option::is_some) && result.with(Option::is_none) && can_upload()>
                <button data-testid="apply" class="primary" disabled=busy on:click=apply>
                    {move || if failure.get().is_some() && key.get_value().is_some() {
                        lang.get().pick("もう一度反映する（同じ操作として送信）", "Retry applying (sent as the same import)")
                    } else {
                        lang.get().pick("反映する", "Apply")
                    }}
                </button>
            </Show>
            {move || applying.get().map(|(done, total)| view! {
                <div class="progress-line" data-testid="applying">
                    <progress max=total.max(1) value=done></progress>
                    <span>{format!("{done} / {total}")}</span>
                </div>
            })}
            {move || result.get().map(|record| view! { <ImportResult record=record/> })}
        </div>
    }
}

/// Follows this page's own import — by the Idempotency-Key it was sent
/// with — while `applying` is set.
async fn poll_progress(applying: RwSignal<Option<(u32, u32)>>, idempotency_key: String) {
    let path = format!("/api/imports/by-key/{}", segment(&idempotency_key));
    loop {
        gloo_timers::future::TimeoutFuture::new(300).await;
        if applying.get_untracked().is_none() {
            return;
        }
        // 404 until the server has checked the file and recorded the import.
        if let Ok(details) = api::get::<ImportDetails>(&path).await
            && let Some(progress) = details.progress
            && applying.get_untracked().is_some()
        {
            applying.set(Some((progress.done, progress.total)));
        }
    }
}

#[component]
fn DryRunView(plan: DryRun) -> impl IntoView {
    let lang = use_lang();
    let errors: u32 = plan
        .error_totals
        .values()
        .sum::<u32>()
        .max(plan.errors.len() as u32);
    let changed = plan
        .evaluatees
        .outcome
        .iter()
        .filter(|outcome| **outcome != sheetlink_protocol::Outcome::Unchanged)
        .count();
    let rows = RwSignal::new(plan.changes.evaluatees);
    let next_after = RwSignal::new(plan.changes.next_after);
    let loading = RwSignal::new(false);
    let page_error = RwSignal::new(None::<String>);
    let id = plan.id;
    let more = move |_| {
        let Some(after) = next_after.get_untracked() else {
            return;
        };
        let path = format!("/api/dry-runs/{}?after={after}", segment(&id));
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::get::<ChangesPage>(&path).await {
                Ok(page) => {
                    rows.update(|rows| rows.extend(page.evaluatees));
                    next_after.set(page.next_after);
                    page_error.set(None);
                }
                Err(error) => page_error.set(Some(error.describe(lang.get_untracked()))),
            }
            loading.set(false);
        });
    };
    view! {
        <div class="dry-run" data-testid="dry-run-result">
            <h2>{t("ドライランの結果（まだ反映されていません）", "Dry run (nothing applied yet)")}</h2>
            <dl class="counts">
                <dt>{t("新規", "Created")}</dt><dd data-testid="plan-created">{plan.counts.created}</dd>
                <dt>{t("更新", "Updated")}</dt><dd data-testid="plan-updated">{plan.counts.updated}</dd>
                <dt>{t("変更なし", "Unchanged")}</dt><dd data-testid="plan-unchanged">{plan.counts.unchanged}</dd>
                <dt>{t("スキップ", "Skipped")}</dt><dd>{plan.counts.skipped}</dd>
                <dt>{t("エラー", "Failed")}</dt><dd data-testid="plan-failed">{plan.counts.failed}</dd>
            </dl>
            <p>
                {move || lang.get().pick(
                    format!("セル: 新規 {} ・ 更新 {} ・ 削除 {} ・ 変更なし {}", plan.cells.create, plan.cells.update, plan.cells.delete, plan.cells.unchanged),
                    format!("Cells: {} created, {} updated, {} deleted, {} unchanged", plan.cells.create, plan.cells.update, plan.cells.delete, plan.cells.unchanged),
                )}
            </p>
            <Show when=move || { plan.cells.delete > 0 }>
                <p class="warning" data-testid="plan-deletes">
                    {t(
                        "空欄のセルは、保存済みの値を削除します。削除されるセルは下の表で「削除」と表示されています。",
                        "Blank cells delete the stored value. The cells to be deleted are marked “delete” below.",
                    )}
                </p>
            </Show>
            <Show when=move || { errors > 0 }>
                <p class="error">{move || lang.get().pick(format!("サーバーで{errors}件のエラーが見つかりました。", ), format!("The server found {errors} errors."))}</p>
            </Show>
            <table class="plan">
                <thead><tr>
                    <th>{t("行", "Row")}</th><th>{t("評価対象者", "Evaluatee")}</th>
                    <th>{t("結果", "Outcome")}</th><th>{t("変更", "Changes")}</th>
                </tr></thead>
                <tbody data-testid="plan-rows">
                    {move || rows.get().into_iter().map(|e| view! {
                        <tr>
                            <td>{e.row}</td><td>{e.key}</td><td>{e.outcome.as_str()}</td>
                            <td>
                                {e.changes.into_iter().map(|c| {
                                    let class = if c.action == CellAction::Delete { "change delete" } else { "change" };
                                    view! {
                                        <span class=class>
                                            {format!("{} [{}]: {} → {}", c.item, c.action.as_str(), c.old.unwrap_or_default(), c.new.unwrap_or_default())}
                                        </span>
                                    }
                                }).collect_view()}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted" data-testid="plan-shown">
                {move || {
                    let shown = rows.with(Vec::len);
                    lang.get().pick(
                        format!("変更のある{changed}名のうち{shown}名を表示しています。"),
                        format!("Showing {shown} of the {changed} evaluatees with changes."),
                    )
                }}
            </p>
            <Show when=move || next_after.get().is_some()>
                <button data-testid="plan-more" disabled=loading on:click=more.clone()>
                    {t("さらに表示", "Show more")}
                </button>
            </Show>
            {move || page_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// The final state of an import, in words.
pub fn status_text(lang: Lang, status: ImportStatus) -> &'static str {
    match status {
        ImportStatus::Running => lang.pick("実行中", "running"),
        ImportStatus::Completed => lang.pick("完了", "completed"),
        ImportStatus::CompletedWithErrors => lang.pick("一部エラーで完了", "completed with errors"),
        ImportStatus::AllFailed => lang.pick("すべて失敗", "all failed"),
        ImportStatus::Aborted => {
            lang.pick("中止（エラーが多すぎます）", "aborted (too many errors)")
        }
        ImportStatus::TimedOut => lang.pick("時間切れ", "timed out"),
        ImportStatus::Interrupted => {
            lang.pick("中断（サーバー再起動）", "interrupted (server restart)")
        }
    }
}

#[component]
fn ImportResult(record: ImportAnswer) -> impl IntoView {
    let lang = use_lang();
    let record = record.import;
    let status = record.status;
    let href = format!("/history/{}", record.id);
    view! {
        <div class="result" data-testid="import-result" data-status=record.status.as_str()>
            <h2>{move || format!("{}: {}", lang.get().pick("結果", "Result"), status_text(lang.get(), status))}</h2>
            <dl class="counts">
                <dt>{t("新規", "Created")}</dt><dd>{record.counts.created}</dd>
                <dt>{t("更新", "Updated")}</dt><dd>{record.counts.updated}</dd>
                <dt>{t("変更なし", "Unchanged")}</dt><dd>{record.counts.unchanged}</dd>
                <dt>{t("エラー", "Failed")}</dt><dd>{record.counts.failed}</dd>
            </dl>
            <a href=href>{t("履歴で見る", "See it in the history")}</a>
        </div>
    }
}
