//! `/setup#TOKEN`: a new member (or one whose password was reset) chooses a
//! password with the single-use link an admin gave them, and is signed in.
//! The token travels in the fragment, which the browser never sends to a
//! server or writes into a referrer; the page sends it in a POST body.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use sheetlink_protocol::accounts::{MIN_PASSWORD_CHARS, SetupInfo, SetupRequest, SetupToken};

use crate::api::{self, ApiError, Me};
use crate::components::{Answer, Loader, Said, when};
use crate::i18n::t;
use crate::session::use_session;

/// `/setup`.
#[component]
pub fn SetupPage() -> impl IntoView {
    let location = use_location();
    let token = StoredValue::new(
        location
            .hash
            .get_untracked()
            .trim_start_matches('#')
            .to_owned(),
    );
    let info = LocalResource::new(move || {
        let token = token.get_value();
        async move { api::post::<_, SetupInfo>("/api/setup/info", &SetupToken { token }).await }
    });
    view! {
        <section class="card narrow" data-testid="setup">
            <h1>{t("パスワードの設定", "Choose your password")}</h1>
            <Loader>
                {move || Suspend::new(async move {
                    info.await.map(|info| view! { <SetupForm info=info token=token.get_value()/> })
                })}
            </Loader>
        </section>
    }
}

#[component]
fn SetupForm(info: SetupInfo, token: String) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Said>);
    let save = Action::new_local(move |request: &SetupRequest| {
        let request = request.clone();
        let navigate = navigate.clone();
        async move {
            let me = api::post::<_, Me>("/api/setup", &request).await?;
            crate::components::set_time_zone(me.utc_offset_minutes);
            session.me.set(Some(me));
            navigate("/", Default::default());
            Ok::<_, ApiError>(())
        }
    });
    let said = Signal::derive(move || {
        problem.get().or_else(|| match save.value().get() {
            Some(Err(error)) => Some(Said::Failed(error)),
            _ => None,
        })
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let chosen = password.get_untracked();
        let length = chosen.chars().count();
        problem.set(if length < MIN_PASSWORD_CHARS {
            Some(Said::Problem(
                format!(
                    "パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください（いま{length}文字）。"
                ),
                format!(
                    "A password has at least {MIN_PASSWORD_CHARS} characters (this one {length})."
                ),
            ))
        } else if chosen != again.get_untracked() {
            Some(Said::Problem(
                "確認のため入力したパスワードが一致しません。もう一度入力してください。".into(),
                "The two passwords differ: type them again.".into(),
            ))
        } else {
            None
        });
        if problem.get_untracked().is_none() && !save.pending().get_untracked() {
            save.dispatch(SetupRequest {
                token: token.clone(),
                password: chosen,
            });
        }
    };
    view! {
        <p data-testid="setup-who">
            {t("組織", "Tenant")} ": " <strong>{info.tenant_name.clone()}</strong> " (" {info.tenant.clone()} ") ・ "
            {t("ログインID", "Login id")} ": " <strong>{info.login_id.clone()}</strong> " ・ " {info.name.clone()}
        </p>
        <p class="muted">
            {t("このリンクは1回だけ使えます。有効期限: ", "This link works once, until ")}{when(info.expires_at)}
        </p>
        <form on:submit=submit>
            <label for="new-password">{t("新しいパスワード", "New password")}</label>
            <input id="new-password" data-testid="setup-password" type="password" autocomplete="new-password"
                aria-describedby="password-rules" required
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
            <p class="muted" id="password-rules">{t(
                "10文字以上。ログインIDや、よく使われるパスワードは使えません。覚えやすい語をいくつかつなげると安全です。",
                "At least 10 characters; not your login id nor a common password. A few words strung together are safe and easy to remember.",
            )}</p>
            <label for="password-again">{t("もう一度入力", "Type it again")}</label>
            <input id="password-again" data-testid="setup-again" type="password" autocomplete="new-password" required
                prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
            <Answer said=said testid="setup-error"/>
            <button type="submit" class="primary" data-testid="setup-submit" disabled=save.pending()>
                {t("設定してログイン", "Set it and sign in")}
            </button>
        </form>
    }
}
