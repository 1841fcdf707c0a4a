//! What both condition wizards share: loading the condition being edited,
//! saving it (create or replace), and the step list.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Loader;
use crate::api::{self, ApiError, segment};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;

/// Which conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    /// Import conditions.
    Import,
    /// Export conditions.
    Export,
}

impl ConditionKind {
    /// `import` or `export`, as in the screens' paths (`/linkage/import/…`).
    pub fn name(self) -> &'static str {
        match self {
            ConditionKind::Import => "import",
            ConditionKind::Export => "export",
        }
    }

    /// The collection's path.
    pub fn collection(self) -> &'static str {
        match self {
            ConditionKind::Import => "/api/linkage/import-conditions",
            ConditionKind::Export => "/api/linkage/export-conditions",
        }
    }
}

/// The page of a condition wizard, for a signed-in member: loads the
/// condition named in the path (`/linkage/{kind}/:key`; none for `/new`),
/// then shows `form` with it — or with `blank()` for a new one — and
/// whether it is being edited.
#[component]
pub fn ConditionEditor<T, V>(
    /// Import or export.
    kind: ConditionKind,
    /// A new condition.
    blank: fn() -> T,
    /// The wizard, given the key edited (if any) and the condition.
    form: fn(Option<String>, T) -> V,
) -> impl IntoView
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let editing = use_params_map().with_untracked(|p| p.get("key"));
    let stored = load_condition::<T>(kind, editing.clone());
    let editing = StoredValue::new(editing);
    view! {
        <SignedIn>
            <Loader>
                {move || Suspend::new(async move {
                    stored.await.map(|found| form(editing.get_value(), found.unwrap_or_else(blank)))
                })}
            </Loader>
        </SignedIn>
    }
}

/// The stored condition `key` (`None`: a new one, nothing to load).
fn load_condition<T>(
    kind: ConditionKind,
    key: Option<String>,
) -> LocalResource<Result<Option<T>, ApiError>>
where
    T: DeserializeOwned + Clone + 'static,
{
    LocalResource::new(move || {
        let path = key
            .as_ref()
            .map(|key| format!("{}/{}", kind.collection(), segment(key)));
        async move {
            match path {
                Some(path) => api::get::<T>(&path).await.map(Some),
                None => Ok(None),
            }
        }
    })
}

/// Saves a condition: creates it, or replaces `editing`; then back to the
/// settings screen, which says it was saved (`?saved=KEY`). The answer is
/// the server's refusal, if any.
pub fn save_condition<T>(
    kind: ConditionKind,
    editing: Option<String>,
    key_of: fn(&T) -> String,
) -> Action<T, Result<(), ApiError>>
where
    T: Serialize + Clone + 'static,
{
    let navigate = use_navigate();
    Action::new_local(move |stored: &T| {
        let stored = stored.clone();
        let editing = editing.clone();
        let navigate = navigate.clone();
        async move {
            match &editing {
                Some(key) => {
                    let path = format!("{}/{}", kind.collection(), segment(key));
                    api::put::<_, serde_json::Value>(&path, &stored).await?
                }
                None => api::post::<_, serde_json::Value>(kind.collection(), &stored).await?,
            };
            let saved = format!("/linkage?saved={}", segment(&key_of(&stored)));
            navigate(&saved, Default::default());
            Ok(())
        }
    })
}

/// The wizard's numbered steps; the current one is marked.
#[component]
pub fn Steps(
    /// The step shown (1-based).
    step: RwSignal<u8>,
    /// Each step's caption in Japanese and English.
    captions: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ol class="steps">
            {captions.iter().zip(1u8..).map(|(&(ja, en), number)| view! {
                <li class:current=move || step.get() == number>
                    <button class="link" aria-current=move || (step.get() == number).then_some("step") on:click=move |_| step.set(number)>
                        {number}". "{move || lang.get().pick(ja, en)}
                    </button>
                </li>
            }).collect_view()}
        </ol>
    }
}

/// The "Next" button of a step.
#[component]
pub fn NextStep(
    /// The step to show.
    step: RwSignal<u8>,
    /// The step it leads to.
    to: u8,
    /// Its `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    view! { <button class="primary" data-testid=testid on:click=move |_| step.set(to)>{t("次へ", "Next")}</button> }
}
