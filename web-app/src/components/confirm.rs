//! The one question before an irreversible action (apply, revert, delete,
//! token re-issue): asked in the page, next to the button, saying in
//! numbers what will happen; never `window.confirm`.

use leptos::html;
use leptos::prelude::*;

use crate::i18n::t;

/// The question, with the button that does it and one that does not. The
/// doing button takes the focus, so Enter confirms and Tab reaches
/// キャンセル.
#[component]
pub fn Confirm(
    /// What will happen, in numbers, in the chosen language.
    #[prop(into)]
    question: Signal<String>,
    /// The doing button's words (Japanese, English).
    yes: (&'static str, &'static str),
    /// Does it.
    on_yes: Callback<()>,
    /// Leaves everything as it is.
    on_no: Callback<()>,
    /// The doing button's `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    let button = NodeRef::<html::Button>::new();
    Effect::new(move || {
        if let Some(button) = button.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="confirm" role="group" aria-label=t("確認", "Confirm") data-testid="confirm">
            <p>{question}</p>
            <button node_ref=button class="primary danger" data-testid=testid on:click=move |_| on_yes.run(())>
                {t(yes.0, yes.1)}
            </button>
            " "
            <button data-testid="confirm-cancel" on:click=move |_| on_no.run(())>{t("キャンセル", "Cancel")}</button>
        </div>
    }
}
