//! sheetlink's web app: client-side rendered Leptos, built by Trunk and
//! served by sheetlink-server from the same origin as the API.
//!
//! The engine does not run on this thread: files are validated by
//! `engine-wasm` in a Web Worker (see `validation`), so the page keeps
//! answering while a 30 MB file is checked. Only a few small pure functions
//! of the engine (column letters, reading row 1) are linked in here.

pub mod api;
pub mod app;
pub mod cache;
pub mod catalog;
pub mod components;
pub mod download;
pub mod errors;
pub mod i18n;
pub mod network;
pub mod pages;
pub mod session;
pub mod validation;

/// Mounts the app on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
