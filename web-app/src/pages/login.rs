//! Sign-in: tenant (組織ID, remembered on this device), login id,
//! password. The tenant may be left empty on a server with one tenant, or
//! typed as `login@tenant`.

use gloo_storage::{LocalStorage, Storage as _};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::{self, ApiError, LoginRequest, Me};
use crate::components::{Answer, Said};
use crate::i18n::t;
use crate::session::use_session;

/// Where the tenant last signed in to is remembered.
const TENANT_KEY: &str = "sheetlink.tenant";

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let tenant = RwSignal::new(LocalStorage::get::<String>(TENANT_KEY).unwrap_or_default());
    let login_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let navigate = use_navigate();
    let sign_in = Action::new_local(move |form: &LoginRequest| {
        let form = form.clone();
        let navigate = navigate.clone();
        async move {
            let me = api::post::<_, Me>("/api/login", &form).await?;
            // Private browsing may refuse storage; signing in still works.
            let _ = LocalStorage::set(TENANT_KEY, &me.tenant);
            session.me.set(Some(me));
            password.set(String::new());
            navigate("/", Default::default());
            Ok::<_, ApiError>(())
        }
    });
    let refused = Signal::derive(move || match sign_in.value().get() {
        Some(Err(ApiError::Status { status: 401, .. })) => Some(Said::Problem(
            "組織ID・ログインID・パスワードのいずれかが違います。".into(),
            "The tenant id, login id or password is wrong.".into(),
        )),
        Some(Err(other)) => Some(Said::Failed(other)),
        _ => None,
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if !sign_in.pending().get_untracked() {
            let tenant = tenant.get_untracked().trim().to_owned();
            sign_in.dispatch(LoginRequest {
                tenant: (!tenant.is_empty()).then_some(tenant),
                login_id: login_id.get_untracked(),
                password: password.get_untracked(),
            });
        }
    };
    view! {
        <section class="card narrow">
            <h1>{t("ログイン", "Sign in")}</h1>
            <form on:submit=submit>
                <label for="tenant">{t("組織ID", "Tenant id")}</label>
                <input
                    id="tenant" data-testid="login-tenant"
                    autocomplete="organization"
                    aria-describedby="tenant-hint"
                    prop:value=tenant
                    on:input=move |ev| tenant.set(event_target_value(&ev))
                />
                <p class="muted" id="tenant-hint">
                    {t(
                        "管理者から知らされた組織IDです。この端末で覚えておきます。組織が1つだけのサーバーでは空欄のままで構いません。",
                        "The tenant id your administrator gave you; this device remembers it. On a server with one tenant it may stay empty.",
                    )}
                </p>
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
