//! Who is signed in: the session the app provides, and the gate of every
//! screen that needs one. Pages read it from here, never from `app.rs`
//! (which imports the pages).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Me;
use crate::i18n::{t, use_lang};
use crate::network;

/// Who is signed in, once the server has said.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// The member, if signed in.
    pub me: RwSignal<Option<Me>>,
    /// Whether the server has been asked yet.
    pub checked: RwSignal<bool>,
}

/// The session the app provides.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Shows `children` to a signed-in user; otherwise says why not.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let online = network::online();
    // Whether, not who: a changed session (a new password, roles read
    // again) must not rebuild the screen and lose what it shows.
    let signed_in = Memo::new(move |_| session.me.with(Option::is_some));
    move || {
        if signed_in.get() {
            children().into_any()
        } else if !session.checked.get() {
            view! { <p class="muted">{t("読み込み中…", "Loading…")}</p> }.into_any()
        } else if !online.get() {
            view! {
                <p class="notice">
                    {move || lang.get().pick(
                        "オフラインのため、この画面は使えません。インポート画面で保存済みのシートのチェックはできます。",
                        "This screen needs the server. The import screen can still check files against saved sheets.",
                    )}
                </p>
            }
                .into_any()
        } else {
            view! {
                <p class="notice">
                    {t("この画面を使うにはログインしてください。", "Please sign in to use this screen.")}
                    " "
                    <A href="/login">{t("ログイン", "Sign in")}</A>
                </p>
            }
                .into_any()
        }
    }
}
