//! Japanese by default, English on request; the choice is remembered.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

const STORAGE_KEY: &str = "sheetlink.lang";

/// The language of the screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語 (the default).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The code the engine and the `lang` attribute use.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language saved by the switch, else Japanese.
    pub fn remembered() -> Self {
        match LocalStorage::get::<String>(STORAGE_KEY).as_deref() {
            Ok("en") => Lang::En,
            _ => Lang::Ja,
        }
    }

    /// Saves the choice for the next visit.
    pub fn remember(self) {
        // Private browsing may refuse storage; the switch still works.
        let _ = LocalStorage::set(STORAGE_KEY, self.code());
    }

    /// `ja` in Japanese, `en` in English.
    pub fn pick<T>(self, ja: T, en: T) -> T {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
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
