//! What an action answered, shown where the action was started.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{Lang, use_lang};

/// An action's outcome to show: done (with what to say), or refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    /// Done; the sentence in both languages.
    Done(String, String),
    /// Refused by the server, or not sent.
    Failed(ApiError),
    /// Refused here before sending (the server checks again).
    Problem(String, String),
}

impl Said {
    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Said::Done(ja, en) | Said::Problem(ja, en) => lang.pick(ja, en).clone(),
            Said::Failed(error) => error.describe(lang),
        }
    }

    /// Whether it reports success.
    pub fn is_done(&self) -> bool {
        matches!(self, Said::Done(..))
    }
}

/// Shows `said` (nothing while it is `None`), in the chosen language.
#[component]
pub fn Answer(
    /// The outcome to show.
    #[prop(into)]
    said: Signal<Option<Said>>,
    /// The element's `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        said.get().map(|said| {
            let (class, role) = if said.is_done() {
                ("ok", "status")
            } else {
                ("error", "alert")
            };
            view! {
                <p class=class role=role data-testid=testid>{move || said.text(lang.get())}</p>
            }
        })
    }
}
