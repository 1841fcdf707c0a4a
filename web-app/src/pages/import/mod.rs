//! Import: pick or drop a file, validate it in the worker (nothing leaves the
//! browser; `check.rs`), then the server's dry run and apply with progress
//! (`upload.rs`, `dry_run.rs`).

pub mod check;
pub mod dry_run;
pub mod upload;

use leptos::prelude::*;
use leptos_router::components::A;
use sheetlink_engine::evaluation::{MAX_ERRORED_EVALUATEES, MAX_FILE_BYTES, Status};
use web_sys::File;

use crate::cache;
use crate::components::{Badge, Count, Counts, FileDrop, Tone};
use crate::errors::ErrorTable;
use crate::i18n::{Lang, t, use_lang};
use crate::network;
use crate::session::use_session;
use crate::validation::{ErrorLine, Event, Job, Report};

/// Where the page is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Idle,
    Refused(check::Refusal),
    Validating { done: f64, total: f64 },
    Cancelled,
    Validated,
}

/// The file being worked on.
#[derive(Clone)]
pub struct Chosen {
    file: File,
    period: String,
    sheet: String,
}

/// `/`: the import screen.
#[component]
pub fn ImportPage() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let cached = RwSignal::new(cache::sheets());
    let manual = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Idle);
    let report = RwSignal::new(None::<Report>);
    let errors = RwSignal::new(Vec::<ErrorLine>::new());
    let chosen = StoredValue::new_local(None::<Chosen>);
    let job = StoredValue::new_local(None::<Job>);
    let file_name = RwSignal::new(String::new());

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
        Event::Failed(message) => stage.set(Stage::Refused(message.into())),
    };
    // Bumped by every new file and by cancelling: a schema that arrives for
    // a file no longer wanted starts nothing.
    let generation = StoredValue::new(0u32);
    // Finding the schema, then handing it and the file to the worker.
    let check = Action::new_local(move |file: &File| {
        let file = file.clone();
        let lang = lang.get_untracked();
        let signed_in = session.me.get_untracked().is_some();
        let mine = generation.get_value();
        async move {
            let prepared = check::prepare(&file, &manual.get_untracked(), lang, signed_in).await;
            cached.set(cache::sheets());
            if generation.get_value() != mine {
                return;
            }
            match prepared.and_then(|prepared| {
                let started = Job::start(&prepared.schema, &file, lang, on_event)
                    .map_err(|error| check::Refusal::from(format!("{error:?}")))?;
                Ok((started, prepared.chosen(file)))
            }) {
                Ok((started, file)) => {
                    job.set_value(Some(started));
                    chosen.set_value(Some(file));
                }
                Err(message) => stage.set(Stage::Refused(message)),
            }
        }
    });
    let start = move |file: File| {
        generation.update_value(|g| *g += 1);
        job.set_value(None);
        report.set(None);
        errors.set(Vec::new());
        chosen.set_value(None);
        file_name.set(file.name());
        if file.size() > MAX_FILE_BYTES as f64 {
            stage.set(Stage::Refused(
                too_large(lang.get_untracked(), file.size()).into(),
            ));
            return;
        }
        stage.set(Stage::Validating {
            done: 0.0,
            total: file.size(),
        });
        check.dispatch_local(file);
    };
    let cancel = move |_| {
        generation.update_value(|g| *g += 1);
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
                    "ファイルはまずこのブラウザの中でチェックされます。「アップロードして反映前の確認をする」を押すまで、ファイルの内容は送信されません。",
                    "The file is first checked inside this browser. Nothing of it is sent until you press “Upload and check before applying”.",
                )}
            </p>
            // Signed out, this page is the offline checker: it says so, and
            // where to sign in to upload.
            <Show when=move || session.checked.get() && session.me.with(Option::is_none)>
                <p class="notice" data-testid="signed-out-notice">
                    {t(
                        "ログインしていません。このブラウザに保存済みのシートで、ファイルのチェックだけができます。アップロードするには",
                        "You are not signed in: files can be checked against the sheets saved in this browser. To upload,",
                    )}
                    " "
                    <A href="/login" attr:data-testid="signed-out-sign-in">{t("ログインしてください。", "sign in.")}</A>
                </p>
            </Show>
            <Show when=move || session.me.with(Option::is_some) && report.with(Option::is_none)>
                <p class="muted" data-testid="import-start-hint">
                    {t("記入するファイルがまだない場合は、", "No file to fill in yet? ")}
                    <A href="/template">{t("テンプレートを作成してください。", "Create a template first.")}</A>
                </p>
            </Show>
            <check::SheetChoice cached=cached manual=manual/>
            <FileDrop on_file=start accept=".csv,text/csv" file_name=file_name/>
            {move || stage_view(stage.get(), cancel)}
            {move || report.get().map(|r| view! { <Summary report=r/> })}
            <Show when=move || !errors.with(Vec::is_empty)>
                <ErrorTable errors=errors/>
                <button data-testid="download-error-file" on:click=error_file>
                    {t("エラーファイルをダウンロード", "Download the error file")}
                </button>
            </Show>
            <Show when=move || report.with(|r| r.as_ref().is_some_and(|r| r.valid > 0))>
                <upload::Upload chosen=chosen online=network::online()/>
            </Show>
        </section>
    }
}

fn stage_view(stage: Stage, cancel: impl Fn(leptos::ev::MouseEvent) + 'static) -> AnyView {
    match stage {
        Stage::Idle | Stage::Validated => ().into_any(),
        Stage::Refused(refusal) => view! {
            <p class="error" role="alert" data-testid="refused">
                {refusal.text}
                {refusal.to_template.then(|| view! {
                    " " <A href="/template" attr:data-testid="to-template">{t("テンプレート画面へ", "Go to the template page")}</A>
                })}
            </p>
        }.into_any(),
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
    }
}

fn too_large(lang: Lang, size: f64) -> String {
    let mb = size / 1_000_000.0;
    let limit = MAX_FILE_BYTES as f64 / 1_000_000.0;
    lang.pick(
        format!("ファイルが大きすぎます（{mb:.1} MB）。上限は {limit:.1} MB です。被評価者を分けて複数のファイルにしてください。"),
        format!("The file is too large ({mb:.1} MB); the limit is {limit:.1} MB. Split the evaluatees over several files."),
    )
}

#[component]
fn Summary(report: Report) -> impl IntoView {
    let lang = use_lang();
    let status = report.status;
    let headline = move || {
        let lang = lang.get();
        match status {
            Status::Ok => lang.pick("エラーはありません。", "No errors.").to_owned(),
            Status::Errors => lang.pick(
                "エラーのある被評価者がいます。エラーのない被評価者の分だけアップロードできます。エラーファイルで直して、もう一度チェックすることもできます。",
                "Some evaluatees have errors. Only the evaluatees without errors can be uploaded; or fix the errors in the error file and check it again.",
            ).to_owned(),
            Status::Aborted => lang.pick(
                format!("エラーのある被評価者が{MAX_ERRORED_EVALUATEES}名に達したため、チェックを途中で止めました。エラーファイルで直して、もう一度チェックしてください。"),
                format!("{MAX_ERRORED_EVALUATEES} evaluatees had errors, so the check stopped there. Fix them in the error file and check it again."),
            ),
            Status::Rejected => lang.pick(
                "このファイルは取り込めません。下のエラーを直して、もう一度チェックしてください。",
                "This file cannot be imported. Fix the errors below and check it again.",
            ).to_owned(),
        }
    };
    let (class, tone) = match status {
        Status::Ok => ("ok", Tone::Good),
        Status::Errors => ("error", Tone::Warn),
        Status::Aborted | Status::Rejected => ("error", Tone::Bad),
    };
    let badge = Signal::derive(move || {
        let lang = lang.get();
        match status {
            Status::Ok => lang.pick("チェック完了", "Checked"),
            Status::Errors => lang.pick("エラーあり", "Errors found"),
            Status::Aborted => lang.pick("チェック中断", "Check stopped"),
            Status::Rejected => lang.pick("取り込めません", "Cannot import"),
        }
        .to_owned()
    });
    let counts: Vec<Count> = vec![
        (
            "被評価者",
            "Evaluatees",
            u64::from(report.evaluatees),
            "count-evaluatees",
        ),
        (
            "エラーのない被評価者",
            "Without errors",
            u64::from(report.valid),
            "count-valid",
        ),
        (
            "エラーのある被評価者",
            "With errors",
            u64::from(report.with_errors),
            "count-errors",
        ),
    ];
    view! {
        <div class="summary" data-testid="summary" data-status=status.as_str()>
            <p class=class role="status"><Badge tone=tone text=badge/>" "{headline}</p>
            <Counts counts=counts/>
            <p class="muted">{move || format!("{} {:.0} ms", lang.get().pick("チェック時間", "Check time"), report.millis)}</p>
        </div>
    }
}
