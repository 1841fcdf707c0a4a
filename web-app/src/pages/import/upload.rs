//! Sending a checked file: the server's dry run first, then apply, with the
//! import's progress followed by the key it was sent with.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Chosen;
use super::dry_run::DryRunView;
use crate::api::{self, ApiError, DryRun, ImportAnswer, ImportDetails, Upload as Sending, segment};
use crate::components::{Answer, Counts, ImportStatusText, Said, outcome_counts};
use crate::i18n::{t, use_lang};
use crate::session::use_session;

/// A file and where it goes.
#[derive(Clone)]
struct Target {
    file: web_sys::File,
    path: String,
}

/// Dry run, then apply.
#[component]
pub fn Upload(
    /// The file checked, and its sheet.
    chosen: StoredValue<Option<Chosen>, LocalStorage>,
    /// Whether the server answers.
    online: RwSignal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let applying = RwSignal::new(None::<(u32, u32)>);
    // A retry after a network failure reuses the key: applied once.
    let key = StoredValue::new(None::<String>);
    let target = move || {
        chosen.with_value(|c| {
            c.as_ref().map(|c| Target {
                file: c.file.clone(),
                path: format!(
                    "/api/periods/{}/sheets/{}/imports",
                    segment(&c.period),
                    segment(&c.sheet)
                ),
            })
        })
    };
    let dry_run = Action::new_local(|target: &Target| {
        let target = target.clone();
        async move { api::post_file::<DryRun>(&target.path, &target.file, Sending::DryRun).await }
    });
    let apply = Action::new_local(move |target: &Target| {
        let target = target.clone();
        let idempotency_key = key.get_value().unwrap_or_else(api::new_idempotency_key);
        key.set_value(Some(idempotency_key.clone()));
        applying.set(Some((0, 0)));
        // Progress is read while the upload runs; it stops with it.
        spawn_local(follow_progress(applying, idempotency_key.clone()));
        async move {
            let sending = Sending::Apply {
                idempotency_key: &idempotency_key,
            };
            let answer = api::post_file::<ImportAnswer>(&target.path, &target.file, sending).await;
            applying.set(None);
            answer
        }
    });
    let plan = move || dry_run.value().get().and_then(Result::ok);
    let result = move || apply.value().get().and_then(Result::ok);
    let failure = Signal::derive(move || {
        let failed = |answer: Option<Result<_, ApiError>>| answer.and_then(Result::err);
        failed(apply.value().get().map(|a| a.map(|_| ())))
            .or_else(|| failed(dry_run.value().get().map(|a| a.map(|_| ()))))
            .map(Said::Failed)
    });
    let busy = move || dry_run.pending().get() || apply.pending().get();
    let can_upload = move || online.get() && session.me.get().is_some();
    view! {
        <div class="upload">
            <Show
                when=can_upload
                fallback=move || view! {
                    <p class="notice" data-testid="upload-unavailable">
                        {t("アップロードするには、オンラインでログインしてください。", "To upload, be online and signed in.")}
                    </p>
                }
            >
                <button data-testid="dry-run" class="primary" disabled=busy on:click=move |_| {
                    if let Some(target) = target() { dry_run.dispatch_local(target); }
                }>
                    {t("アップロードしてサーバーで確認（ドライラン）", "Upload and check on the server (dry run)")}
                </button>
            </Show>
            <Answer said=failure testid="upload-error"/>
            {move || plan().map(|plan| view! { <DryRunView plan=plan/> })}
            <Show when=move || plan().is_some() && result().is_none() && can_upload()>
                <button data-testid="apply" class="primary" disabled=busy on:click=move |_| {
                    if let Some(target) = target() { apply.dispatch_local(target); }
                }>
                    {move || if apply.value().with(|a| matches!(a, Some(Err(_)))) {
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
            {move || result().map(|record| view! { <ImportResult record=record/> })}
        </div>
    }
}

/// Follows this page's own import — by the Idempotency-Key it was sent
/// with — while `applying` is set.
async fn follow_progress(applying: RwSignal<Option<(u32, u32)>>, idempotency_key: String) {
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
fn ImportResult(record: ImportAnswer) -> impl IntoView {
    let lang = use_lang();
    let record = record.import;
    let href = format!("/history/{}", record.id);
    let counts = outcome_counts(&record.counts, [""; 5]);
    view! {
        <div class="result" data-testid="import-result" data-status=record.status.as_str()>
            <h2>{move || lang.get().pick("結果", "Result")}": "<ImportStatusText status=record.status/></h2>
            <Counts counts=counts/>
            <a href=href>{t("履歴で見る", "See it in the history")}</a>
        </div>
    }
}
