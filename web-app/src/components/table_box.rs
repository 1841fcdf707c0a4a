//! A wide table's own scrolling box: the page never scrolls sideways, and the
//! box is a labelled region the keyboard can reach (it can scroll).

use leptos::prelude::*;

/// Wraps a table that may be wider than the screen.
#[component]
pub fn TableBox(
    /// What the region holds, following the language switch
    /// (`t("変更したセル", "Cells changed")`).
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    /// The table.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-box" tabindex="0" role="region" aria-label=label>
            {children()}
        </div>
    }
}
