//! The pieces every screen shares. Pages import from here, never from each
//! other.
//!
//! - [`Loader`]: a load in flight, then its result or its failure
//!   (`<ErrorBoundary>` around `<Transition>`), for every `LocalResource`.
//! - [`Answer`]: what an action (save, apply, revert, …) answered.
//! - [`Counts`]: the created / updated / unchanged / failed figures.
//! - [`ImportStatusText`] / [`import_status_text`]: an import's state in words.
//! - [`FileDrop`]: drop a file or choose one.
//! - [`Notifications`]: who is told when a batch ends.
//! - [`ConditionEditor`], [`Steps`], [`save_condition`]: what both condition
//!   wizards share.
//! - [`confirm`], [`when`]: a yes/no question; a time as local text.

pub mod answer;
pub mod conditions;
pub mod counts;
pub mod file_drop;
pub mod loader;
pub mod notifications;
pub mod status;

pub use answer::{Answer, Said};
pub use conditions::{ConditionEditor, ConditionKind, NextStep, Steps, save_condition};
pub use counts::{Count, Counts, outcome_counts};
pub use file_drop::FileDrop;
pub use loader::Loader;
pub use notifications::{Notifications, plausible_email};
pub use status::{ImportStatusText, import_status_text};

use crate::i18n::Lang;

/// Asks the browser's yes/no question in `lang`; `false` if it cannot ask.
pub fn confirm(lang: Lang, ja: &str, en: &str) -> bool {
    web_sys::window()
        .and_then(|window| window.confirm_with_message(lang.pick(ja, en)).ok())
        .unwrap_or(false)
}

/// Seconds since the epoch as local `YYYY-MM-DD HH:MM:SS`.
pub fn when(seconds: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}
