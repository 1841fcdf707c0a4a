//! Sign-in.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::{self, ApiError, LoginRequest, Me};
use crate::components::{Answer, Said};
use crate::i18n::t;
use crate::session::use_session;

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let login_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let navigate = use_navigate();
    let sign_in = Action::new_local(move |form: &LoginRequest| {
        let form = form.clone();
        let navigate = navigate.clone();
        async move {
            let me = api::post::<_, Me>("/api/login", &form).await?;
            session.me.set(Some(me));
            password.set(String::new());
            navigate("/", Default::default());
            Ok::<_, ApiError>(())
        }
    });
    let refused = Signal::derive(move || match sign_in.value().get() {
        Some(Err(ApiError::Status { status: 401, .. })) => Some(Said::Problem(
            "ログインIDまたはパスワードが違います。".into(),
            "The login id or password is wrong.".into(),
        )),
        Some(Err(other)) => Some(Said::Failed(other)),
        _ => None,
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if !sign_in.pending().get_untracked() {
            sign_in.dispatch(LoginRequest {
                login_id: login_id.get_untracked(),
                password: password.get_untracked(),
            });
        }
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
                <Answer said=refused testid="login-error"/>
                <button type="submit" class="primary" data-testid="login-submit" disabled=sign_in.pending()>
                    {t("ログイン", "Sign in")}
                </button>
            </form>
        </section>
    }
}
