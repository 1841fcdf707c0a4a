//! Japanese by default, English on request; the choice is remembered.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

const STORAGE_KEY: &str = "sheetlink.lang";

/// The language of the screens: the engine's, so messages the engine
/// renders and the screens' own texts follow one switch.
pub use sheetlink_engine::Lang;

/// The language saved by the switch, else Japanese.
pub fn remembered() -> Lang {
    match LocalStorage::get::<String>(STORAGE_KEY).as_deref() {
        Ok("en") => Lang::En,
        _ => Lang::Ja,
    }
}

/// Saves the choice for the next visit.
pub fn remember(lang: Lang) {
    // Private browsing may refuse storage; the switch still works.
    let _ = LocalStorage::set(STORAGE_KEY, lang.code());
}

/// The language signal the app provides.
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A text that follows the language switch: `{t("保存", "Save")}` in a view.
pub fn t(ja: &'static str, en: &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    let lang = use_lang();
    move || lang.get().pick(ja, en)
}
