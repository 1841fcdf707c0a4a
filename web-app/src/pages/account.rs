//! `/account`: who I am (tenant, roles) and changing my own password.

use leptos::prelude::*;
use sheetlink_protocol::accounts::PasswordChange;

use crate::api::{self, ApiError, Me};
use crate::components::{Answer, Said, role_text};
use crate::i18n::{t, use_lang};
use crate::session::{SignedIn, use_session};

/// `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! { <SignedIn><Account/></SignedIn> }
}

#[component]
fn Account() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Said>);
    let change = Action::new_local(move |form: &PasswordChange| {
        let form = form.clone();
        async move {
            let me = api::post::<_, Me>("/api/me/password", &form).await?;
            session.me.set(Some(me));
            current.set(String::new());
            new.set(String::new());
            again.set(String::new());
            Ok::<_, ApiError>(())
        }
    });
    let said = Signal::derive(move || {
        problem.get().or_else(|| match change.value().get() {
            Some(Ok(())) => Some(Said::Done(
                "パスワードを変更しました。ほかの端末やブラウザーのログインは終了しました。".into(),
                "Password changed. Sign-ins on other devices and browsers have ended.".into(),
            )),
            Some(Err(ApiError::Status { status: 403, .. })) => Some(Said::Problem(
                "現在のパスワードが違います。".into(),
                "The current password is wrong.".into(),
            )),
            Some(Err(error)) => Some(Said::Failed(error)),
            None => None,
        })
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problem.set((new.get_untracked() != again.get_untracked()).then(|| {
            Said::Problem(
                "確認のため入力した新しいパスワードが一致しません。".into(),
                "The two new passwords differ.".into(),
            )
        }));
        if problem.get_untracked().is_none() && !change.pending().get_untracked() {
            change.dispatch(PasswordChange {
                current: current.get_untracked(),
                new: new.get_untracked(),
            });
        }
    };
    view! {
        <section class="card narrow" data-testid="account">
            <h1>{t("アカウント", "Account")}</h1>
            {move || session.me.get().map(|me| view! {
                <dl class="facts">
                    <dt>{t("氏名", "Name")}</dt><dd>{me.name.clone()}</dd>
                    <dt>{t("組織ID", "Tenant id")}</dt><dd data-testid="account-tenant">{me.tenant.clone()}</dd>
                    <dt>{t("役割", "Roles")}</dt>
                    <dd data-testid="account-roles">{me.roles.iter().map(|role| {
                        let (ja, en) = role_text(*role);
                        lang.get().pick(ja, en).to_owned()
                    }).collect::<Vec<_>>().join("・")}</dd>
                </dl>
            })}
            <h2>{t("パスワードの変更", "Change your password")}</h2>
            <form on:submit=submit>
                <label for="current-password">{t("現在のパスワード", "Current password")}</label>
                <input id="current-password" data-testid="current-password" type="password" autocomplete="current-password" required
                    prop:value=current on:input=move |ev| current.set(event_target_value(&ev))/>
                <label for="new-password">{t("新しいパスワード", "New password")}</label>
                <input id="new-password" data-testid="new-password" type="password" autocomplete="new-password" required
                    aria-describedby="password-rules"
                    prop:value=new on:input=move |ev| new.set(event_target_value(&ev))/>
                <p class="muted" id="password-rules">{t(
                    "10文字以上。ログインIDや、よく使われるパスワードは使えません。",
                    "At least 10 characters; not your login id nor a common password.",
                )}</p>
                <label for="new-again">{t("新しいパスワードをもう一度", "New password again")}</label>
                <input id="new-again" data-testid="new-again" type="password" autocomplete="new-password" required
                    prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
                <Answer said=said testid="password-said"/>
                <button type="submit" class="primary" data-testid="password-submit" disabled=change.pending()>
                    {t("変更する", "Change it")}
                </button>
            </form>
        </section>
    }
}
