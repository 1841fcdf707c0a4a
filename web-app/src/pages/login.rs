//! Sign-in.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::{self, ApiError, LoginRequest, Me};
use crate::app::use_session;
use crate::i18n::{t, use_lang};

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let login_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let form = LoginRequest {
                login_id: login_id.get_untracked(),
                password: password.get_untracked(),
            };
            match api::post::<_, Me>("/api/login", &form).await {
                Ok(me) => {
                    session.me.set(Some(me));
                    password.set(String::new());
                    navigate("/", Default::default());
                }
                Err(ApiError::Status { status: 401, .. }) => error.set(Some(
                    lang.get_untracked()
                        .pick(
                            "ログインIDまたはパスワードが違います。",
                            "The login id or password is wrong.",
                        )
                        .to_owned(),
                )),
                Err(other) => error.set(Some(other.describe(lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>{t("ログイン", "Sign in")}</h1>
            <form on:submit=submit>
                <label for="login-id">{t("ログインID", "Login id")}</label>
                <input
                    id="login-id" data-testid="login-id"
                    autocomplete="username"
                    required
                    prop:value=login_id
                    on:input=move |ev| login_id.set(event_target_value(&ev))
                />
                <label for="password">{t("パスワード", "Password")}</label>
                <input
                    id="password" data-testid="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    prop:value=password
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid="login-error">{move || error.get()}</p>
                </Show>
                <button type="submit" class="primary" data-testid="login-submit" disabled=busy>
                    {t("ログイン", "Sign in")}
                </button>
            </form>
        </section>
    }
}
