//! A set-up link shown once (or the note that it was e-mailed).

use leptos::prelude::*;
use sheetlink_protocol::accounts::SetupLink;

use crate::components::when;
use crate::i18n::t;

/// The link for `name`, to hand over; shown only now.
#[component]
pub fn ShownLink(
    /// The link.
    link: SetupLink,
    /// Whose it is.
    name: String,
) -> impl IntoView {
    if link.emailed {
        return view! {
            <p class="ok" role="status" data-testid="setup-link-emailed">
                {t("パスワード設定用のリンクをメールで送りました（72時間・1回限り）: ", "The set-up link was e-mailed (72 hours, once): ")}{name}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="ok" role="status" data-testid="setup-link">
            <p>
                <strong>{name}</strong>
                {t(
                    " さんのパスワード設定用リンクです。この画面でしか表示されません。本人に安全な方法で渡してください（1回限り・有効期限: ",
                    ": the link to choose a password. It is shown only now; hand it over safely (works once, until ",
                )}
                {when(link.expires_at)}{t("）。", ").")}
            </p>
            <input class="wide" readonly aria-label=t("設定用リンク", "Set-up link") data-testid="setup-link-url"
                prop:value=link.url.clone() on:focus=move |ev| {
                    use wasm_bindgen::JsCast as _;
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                }/>
        </div>
    }
    .into_any()
}
