//! Drop a file, or choose one with the button (the input itself is hidden
//! but stays the element tests and assistive tools can reach).

use leptos::prelude::*;
use web_sys::File;

use crate::i18n::t;

/// A drop area with a "Choose a file" button; calls `on_file` with the file.
#[component]
pub fn FileDrop<F>(
    /// Called with each file dropped or chosen.
    on_file: F,
    /// The `accept` attribute of the input (e.g. `.csv,text/csv`).
    accept: &'static str,
    /// The name of the file last given, shown under the button.
    #[prop(into)]
    file_name: Signal<String>,
) -> impl IntoView
where
    F: Fn(File) + Copy + 'static,
{
    let dragging = RwSignal::new(false);
    let picker: NodeRef<leptos::html::Input> = NodeRef::new();
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            on_file(file);
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
            on_file(file);
        }
    };
    view! {
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
                accept=accept
                on:change=on_pick
            />
            <p class="muted">{move || file_name.get()}</p>
        </div>
    }
}
