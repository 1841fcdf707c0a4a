//! One shape for every load: a `LocalResource` read inside a [`Loader`].

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{t, use_lang};

/// Shows `children` (which read resources) once they are loaded; "Loading…"
/// the first time, the previous content while a resource reloads, and the
/// server's reason — in the chosen language — when a load fails.
#[component]
pub fn Loader(children: ChildrenFn) -> impl IntoView {
    let lang = use_lang();
    let failed = move |errors: ArcRwSignal<Errors>| {
        let text = move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .map(|(_, error)| match error.downcast_ref::<ApiError>() {
                        Some(api) => api.describe(lang.get()),
                        None => error.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        };
        view! { <p class="error" role="alert" data-testid="load-error">{text}</p> }
    };
    view! {
        <ErrorBoundary fallback=failed>
            <Transition fallback=move || view! {
                <p class="muted" data-testid="loading">{t("読み込み中…", "Loading…")}</p>
            }>
                {children()}
            </Transition>
        </ErrorBoundary>
    }
}

/// `then` with the tenant's CRM catalog once it is here (fetched, or the
/// copy kept for offline use): what the wizards are drawn with.
#[component]
pub fn WithCatalog(
    /// Draws the page with the catalog.
    then: Callback<sheetlink_engine::linkage::Catalog, AnyView>,
) -> impl IntoView {
    let catalog = LocalResource::new(crate::catalog::fetch);
    view! {
        <Loader>
            {move || Suspend::new(async move { catalog.await.map(|catalog| then.run(catalog)) })}
        </Loader>
    }
}
