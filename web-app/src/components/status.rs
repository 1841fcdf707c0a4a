//! An import's state in words.

use leptos::prelude::*;

use crate::api::ImportStatus;
use crate::i18n::{Lang, use_lang};

/// The state of an import, in words.
pub fn import_status_text(lang: Lang, status: ImportStatus) -> &'static str {
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

/// [`import_status_text`] following the language switch.
#[component]
pub fn ImportStatusText(
    /// The state.
    status: ImportStatus,
) -> impl IntoView {
    let lang = use_lang();
    move || import_status_text(lang.get(), status)
}
