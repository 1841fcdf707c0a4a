//! Batch-linkage settings (バッチ連携設定): every item of the reference's
//! settings screen (`settings.rs`), and the lists of import and export
//! conditions (`conditions.rs`).

pub mod conditions;
pub mod settings;

use leptos::prelude::*;

use crate::session::SignedIn;

/// `/linkage`.
#[component]
pub fn LinkagePage() -> impl IntoView {
    view! {
        <SignedIn>
            <settings::Settings/>
            <conditions::ConditionLists/>
        </SignedIn>
    }
}
