//! Sending a checked file: the server's dry run first, then apply, with the
//! import's progress followed by the key it was sent with.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Chosen;
use super::dry_run::DryRunView;
use crate::api::{
    self, ApiError, DryRun, ImportAnswer, ImportDetails, ImportStatus, Upload as Sending, segment,
};
use crate::components::{
    Answer, Captions, Confirm, Counts, ImportBadge, Said, cells_text, outcome_counts,
};
use crate::i18n::{Lang, t, use_lang};
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
    // Applying is asked once, in the page, with what it will do in numbers.
    let asking = RwSignal::new(false);
    let question = Signal::derive(move || {
        plan()
            .map(|plan| apply_question(lang.get(), &plan))
            .unwrap_or_default()
    });
    let yes = Callback::new(move |()| {
        asking.set(false);
        if let Some(target) = target() {
            apply.dispatch_local(target);
        }
    });
    let no = Callback::new(move |()| asking.set(false));
    let applied = move || result().is_some();
    // The items' captions, from the schema the file was checked with.
    let captions = move || {
        chosen.with_value(|c| {
            c.as_ref()
                .and_then(|c| crate::cache::schema(&c.period, &c.sheet))
                .map(|schema| Captions::from_schema(&schema))
                .unwrap_or_default()
        })
    };
    view! {
        <div class="upload">
            <Show
                when=can_upload
                fallback=move || view! {
                    <p class="notice" data-testid="upload-unavailable">
                        {move || if session.me.get().is_none() {
                            lang.get().pick("アップロードするにはログインしてください。", "Sign in to upload.")
                        } else {
                            lang.get().pick("サーバーに接続できないため、アップロードは接続が戻ってからになります。", "The server cannot be reached: uploading waits until it is back.")
                        }}
                    </p>
                }
            >
                <Show when=move || !applied() && plan().is_none()>
                    <h2>{t("次の手順: サーバーで反映前の確認", "Next: check on the server before applying")}</h2>
                    <p class="muted">{t(
                        "ファイルをサーバーに送り、何が変わるかを確認します。この時点ではまだ何も反映されません。",
                        "The file is sent to the server, which says what would change. Nothing is applied yet.",
                    )}</p>
                    <button data-testid="dry-run" class="primary" disabled=busy on:click=move |_| {
                        if let Some(target) = target() { dry_run.dispatch_local(target); }
                    }>
                        {t("アップロードして反映前の確認をする", "Upload and check before applying")}
                    </button>
                </Show>
            </Show>
            <div aria-live="polite">
                <Answer said=failure testid="upload-error"/>
            </div>
            <Show when=move || !applied()>
                {move || plan().map(|plan| view! { <DryRunView plan=plan captions=captions()/> })}
            </Show>
            <Show when=move || plan().is_some_and(|p| p.counts.applied() > 0) && !applied() && can_upload()>
                <Show
                    when=move || asking.get()
                    fallback=move || view! {
                        <button data-testid="apply" class="primary" disabled=busy on:click=move |_| asking.set(true)>
                            {move || if apply.value().with(|a| matches!(a, Some(Err(_)))) {
                                lang.get().pick("もう一度反映する（同じ操作として送信）", "Retry applying (sent as the same import)")
                            } else {
                                lang.get().pick("反映する", "Apply")
                            }}
                        </button>
                    }
                >
                    <Confirm question=question yes=("反映する", "Apply") on_yes=yes on_no=no testid="confirm-apply"/>
                </Show>
            </Show>
            {move || applying.get().map(|(done, total)| view! {
                <div class="progress-line" data-testid="applying">
                    <progress max=total.max(1) value=done aria-label=t("反映の進み具合", "Apply progress")></progress>
                    <span>{move || lang.get().pick(format!("{done} / {total}名"), format!("{done} / {total} evaluatees"))}</span>
                </div>
            })}
            <div aria-live="polite">
                {move || result().map(|record| view! { <ImportResult record=record/> })}
            </div>
        </div>
    }
}

/// "5名に反映します: セル 新規 3・更新 40・削除 2" — what applying `plan` does.
fn apply_question(lang: Lang, plan: &DryRun) -> String {
    let people = plan.counts.created + plan.counts.updated;
    let cells = plan.cells;
    let failed = plan.counts.failed;
    let cells = cells_text(lang, cells);
    let mut text = lang.pick(
        format!("{people}名のシートを書き換えます（セル: {cells}）。"),
        format!("The sheets of {people} evaluatees will be written (cells: {cells})."),
    );
    if failed > 0 {
        text.push_str(&lang.pick(
            format!("エラーのある{failed}名には何も反映しません。"),
            format!(" Nothing is applied for the {failed} evaluatees with errors."),
        ));
    }
    text.push_str(lang.pick(
        "反映後も、履歴の詳細画面から元に戻せます。",
        " It can be reverted later from the history.",
    ));
    text
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
    let good = record.status == ImportStatus::Completed;
    let headline = move || {
        match record.status {
        ImportStatus::Completed => lang.get().pick("反映しました。", "Applied."),
        ImportStatus::CompletedWithErrors => lang.get().pick(
            "エラーのない被評価者の分を反映しました。エラーのある行はエラーファイルで直して、もう一度インポートしてください。",
            "Applied for the evaluatees without errors. Fix the others in the error file and import it again.",
        ),
        _ => lang.get().pick(
            "反映できませんでした。履歴の詳細で理由を確認してください。",
            "Nothing could be applied. See why in the history's details.",
        ),
    }
    };
    view! {
        <div class=if good { "result success" } else { "result partial" } data-testid="import-result" data-status=record.status.as_str()>
            <h2><ImportBadge status=record.status/></h2>
            <p class="headline">{headline}</p>
            <Counts counts=counts/>
            <p class="next">
                <a href=href data-testid="to-history">{t("履歴で詳細を見る", "See the details in the history")}</a>
                " ・ "
                <a href="/" rel="external" data-testid="import-another">{t("別のファイルをインポートする", "Import another file")}</a>
            </p>
        </div>
    }
}
