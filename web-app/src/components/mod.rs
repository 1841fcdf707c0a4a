//! The pieces every screen shares. Pages import from here, never from each
//! other.
//!
//! - [`Loader`]: a load in flight, then its result or its failure
//!   (`<ErrorBoundary>` around `<Transition>`), for every `LocalResource`.
//! - [`Answer`]: what an action (save, apply, revert, …) answered.
//! - [`Captions`]: item captions for the item ids of the server's answers.
//! - [`Counts`]: the created / updated / unchanged / failed figures.
//! - [`ImportBadge`], [`RunBadge`], [`Badge`]: states as badges;
//!   [`outcome_text`], [`direction_text`]: the one word for each.
//! - [`FileDrop`]: drop a file or choose one.
//! - [`Notifications`]: who is told when a batch ends.
//! - [`ConditionEditor`], [`Steps`], [`save_condition`]: what both condition
//!   wizards share.
//! - [`TableBox`]: a wide table's own labelled scrolling box.
//! - [`Confirm`]: the question before an irreversible action, in the page.
//! - [`when`], [`ZoneNote`]: a time in the server's zone, and the zone said
//!   once per screen.

pub mod answer;
pub mod captions;
pub mod conditions;
pub mod confirm;
pub mod counts;
pub mod file_drop;
pub mod filter_rules;
pub mod loader;
pub mod member_picker;
pub mod notifications;
pub mod status;
pub mod table_box;

pub use answer::{Answer, Said};
pub use captions::Captions;
pub use conditions::{ConditionEditor, ConditionKind, NextStep, Steps, save_condition};
pub use confirm::Confirm;
pub use counts::{Count, Counts, cells_text, outcome_counts};
pub use file_drop::FileDrop;
pub use filter_rules::{FilterRules, Rule, field_options, filter_of, rules_of};
pub use loader::{Loader, WithCatalog};
pub use notifications::{Notifications, plausible_email};
pub use status::{
    Badge, ImportBadge, RunBadge, SheetBadge, Tone, direction_text, import_status_text,
    outcome_text, role_text, roles_text, sheet_status_text,
};
pub use table_box::TableBox;

use std::cell::Cell;

use leptos::prelude::*;

use crate::i18n::{Lang, use_lang};

thread_local! {
    /// The server's zone, minutes east of UTC, as `/api/me` said (JST
    /// until it has).
    static UTC_OFFSET_MINUTES: Cell<i32> = const { Cell::new(9 * 60) };
}

/// Shows every time from now on in the zone `minutes` east of UTC (the
/// server's, which its own texts — timeline posts, e-mails — use too).
pub fn set_time_zone(minutes: i32) {
    UTC_OFFSET_MINUTES.with(|zone| zone.set(minutes));
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS` in the server's zone.
pub fn when(seconds: u64) -> String {
    let offset = UTC_OFFSET_MINUTES.with(Cell::get);
    let shifted = seconds as f64 * 1000.0 + f64::from(offset) * 60_000.0;
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(shifted));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.get_utc_full_year(),
        date.get_utc_month() + 1,
        date.get_utc_date(),
        date.get_utc_hours(),
        date.get_utc_minutes(),
        date.get_utc_seconds()
    )
}

/// The name of the zone `minutes` east of UTC.
pub fn zone_name(lang: Lang, minutes: i32) -> String {
    if minutes == 9 * 60 {
        return lang.pick("日本時間（JST）", "Japan time (JST)").to_owned();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    let minutes = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Says once, on a screen showing times, which zone they are in.
#[component]
pub fn ZoneNote() -> impl IntoView {
    let lang = use_lang();
    view! {
        <p class="muted zone" data-testid="zone-note">
            {move || {
                let zone = zone_name(lang.get(), UTC_OFFSET_MINUTES.with(Cell::get));
                lang.get().pick(format!("時刻はすべて{zone}です。"), format!("All times are {zone}."))
            }}
        </p>
    }
}
