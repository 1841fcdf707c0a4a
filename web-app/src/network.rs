//! Whether the server can be reached. The browser's own `online` flag says
//! little (a stopped server on a working network looks "online"), so every
//! API call reports what happened, and the browser's events add to that.

use std::cell::OnceCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

thread_local! {
    static ONLINE: OnceCell<RwSignal<bool>> = const { OnceCell::new() };
}

/// `true` while the server answers.
pub fn online() -> RwSignal<bool> {
    ONLINE.with(|cell| {
        *cell.get_or_init(|| {
            let navigator_online = web_sys::window().is_none_or(|w| w.navigator().on_line());
            RwSignal::new(navigator_online)
        })
    })
}

/// The server answered (whatever the status).
pub fn answered() {
    let online = online();
    if !online.get_untracked() {
        online.set(true);
    }
}

/// A request got no answer.
pub fn unreachable() {
    let online = online();
    if online.get_untracked() {
        online.set(false);
    }
}

/// Follows the browser's `online` / `offline` events for the page's life.
pub fn watch_browser() {
    let Some(window) = web_sys::window() else {
        return;
    };
    for (event, value) in [("online", true), ("offline", false)] {
        let handler = Closure::<dyn Fn()>::new(move || online().set(value));
        let _ = window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        handler.forget();
    }
}

/// Registers the service worker that keeps the app usable offline.
pub fn register_service_worker() {
    if let Some(window) = web_sys::window() {
        let container = window.navigator().service_worker();
        // Rejected on plain-http origins other than localhost: the app still
        // works online, only the offline shell is missing.
        let _ = container.register("/sw.js");
    }
}
