//! The settings screen: on/off, the client module, allowed
//! IPs, the authentication method, the token, and who is notified.

use leptos::prelude::*;
use sheetlink_protocol::linkage::{AuthMethod, ClientModuleInfo, IssuedToken, SettingsView};

use crate::api::{self, ApiError};
use crate::components::{Answer, Confirm, Loader, Notifications, Said};
use crate::i18n::{t, use_lang};

/// Loads the settings, then shows the form.
#[component]
pub fn Settings() -> impl IntoView {
    let loaded = LocalResource::new(|| api::get::<SettingsView>("/api/linkage/settings"));
    view! {
        <section class="card">
            <h1>{t("バッチ連携設定", "Batch linkage settings")}</h1>
            <Loader>
                {move || Suspend::new(async move {
                    loaded.await.map(|settings| view! { <SettingsForm initial=settings/> })
                })}
            </Loader>
        </section>
    }
}

/// The form, filled from `initial`. Edits change signals only, so a field
/// keeps its focus while typing; 設定保存 sends them all.
#[component]
fn SettingsForm(initial: SettingsView) -> impl IntoView {
    let enabled = RwSignal::new(initial.enabled);
    let allowed_ips = RwSignal::new(initial.allowed_ips);
    let auth = RwSignal::new(initial.auth);
    let issued_at = RwSignal::new(initial.token_issued_at);
    let members = RwSignal::new(initial.timeline_targets);
    let emails = RwSignal::new(initial.emails);
    // A token just issued: shown once, and filled into the client module.
    let token = RwSignal::new(None::<String>);
    let current = move || SettingsView {
        enabled: enabled.get_untracked(),
        allowed_ips: allowed_ips.get_untracked(),
        auth: auth.get_untracked(),
        token_issued_at: issued_at.get_untracked(),
        timeline_targets: members.get_untracked(),
        emails: emails.get_untracked(),
    };
    let save = Action::new_local(|settings: &SettingsView| {
        let settings = settings.clone();
        async move { api::put::<_, SettingsView>("/api/linkage/settings", &settings).await }
    });
    let saved = Signal::derive(move || {
        save.value().get().map(|answer| match answer {
            Ok(_) => Said::Done("設定を保存しました。".into(), "Settings saved.".into()),
            Err(error) => Said::Failed(error),
        })
    });
    view! {
        <fieldset>
            <legend>{t("バッチ連携使用可否", "Batch linkage")}</legend>
            <label class="inline"><input type="radio" name="enabled" data-testid="enabled-on" prop:checked=move || enabled.get() on:change=move |_| enabled.set(true)/>{t("使用可", "On")}</label>
            <label class="inline"><input type="radio" name="enabled" data-testid="enabled-off" prop:checked=move || !enabled.get() on:change=move |_| enabled.set(false)/>{t("使用不可", "Off")}</label>
        </fieldset>
        <ClientModule token=token/>
        <label>
            {t("アクセス許可IP（; 区切り、IPv4・IPv6・CIDR、空欄ならすべて許可）", "Allowed IPs (; separated, IPv4, IPv6, CIDR; empty: any)")}
            <input data-testid="allowed-ips" prop:value=allowed_ips on:input=move |ev| allowed_ips.set(event_target_value(&ev))/>
        </label>
        <fieldset>
            <legend>{t("バッチ連携認証方式", "Authentication")}</legend>
            <label class="inline"><input type="radio" name="auth" data-testid="auth-user" prop:checked=move || auth.get() == AuthMethod::UserPassword on:change=move |_| auth.set(AuthMethod::UserPassword)/>{t("各ユーザーのログインID・パスワード", "Each user's login id and password")}</label>
            <label class="inline"><input type="radio" name="auth" data-testid="auth-token" prop:checked=move || auth.get() == AuthMethod::Token on:change=move |_| auth.set(AuthMethod::Token)/>{t("管理者が発行したトークン", "A token issued by the admin")}</label>
        </fieldset>
        <Token issued_at=issued_at shown=token/>
        <fieldset>
            <legend>{t("通知先（タイムライン・メール）", "Who is notified (timeline, e-mail)")}</legend>
            <Notifications members=members emails=emails/>
        </fieldset>
        <button class="primary" data-testid="save-settings" disabled=save.pending() on:click=move |_| { save.dispatch(current()); }>
            {t("設定保存", "Save settings")}
        </button>
        <Answer said=saved testid="settings-answer"/>
    }
}

/// The client module, with this session's token filled in when one
/// was just issued (the server fills it from the request).
#[component]
fn ClientModule(token: RwSignal<Option<String>>) -> impl IntoView {
    let download = Action::new_local(|token: &Option<String>| {
        let body = serde_json::json!({ "token": token });
        async move {
            let bytes = api::post_for_bytes("/api/linkage/client-module", &body).await?;
            let _ = crate::download::save(&bytes, "sheetlink-client.zip", "application/zip");
            Ok::<_, ApiError>(())
        }
    });
    // After the download: what to do with it.
    let said = Signal::derive(move || {
        download.value().get().map(|answer| match answer {
            Ok(()) => Said::Done(
                "ダウンロードしました。ZIPを展開し、README.txt の手順で linkage.conf を確認してから、条件ごとのスクリプト（.sh / .bat）を cron やタスクスケジューラーに登録してください。".into(),
                "Downloaded. Unpack the ZIP, check linkage.conf as its README.txt says, then schedule each condition's script (.sh / .bat) with cron or Task Scheduler.".into(),
            ),
            Err(error) => Said::Failed(error),
        })
    });
    view! {
        <fieldset>
            <legend>{t("クライアントモジュール", "Client module")}</legend>
            <button data-testid="download-module" disabled=download.pending() on:click=move |_| {
                download.dispatch(token.get_untracked());
            }>{t("クライアントモジュールをダウンロード", "Download the client module")}</button>
            <p class="muted">{t("条件を保存してからダウンロードすると、条件ごとの実行スクリプトが入ります。トークンは発行直後だけ linkage.conf に入ります。", "Download after saving conditions to get their scripts; the token is filled into linkage.conf only right after it is issued.")}</p>
            <Programs/>
            <Answer said=said testid="module-answer"/>
        </fieldset>
    }
}

/// The client programs the module will hold, and the ones the server lacks
/// (the module is then built without them).
#[component]
fn Programs() -> impl IntoView {
    let lang = use_lang();
    let info = LocalResource::new(|| api::get::<ClientModuleInfo>("/api/linkage/client-module"));
    let line = move |program: sheetlink_protocol::linkage::ClientProgram| {
        let name = format!("{}（{}）", program.file, program.platform);
        match program.bytes {
            Some(bytes) => {
                let size = format!("{:.1} MB", bytes as f64 / 1_000_000.0);
                view! {
                    <li>{name}": "{move || lang.get().pick("同梱", "included")}" ("{size.clone()}")"</li>
                }
                .into_any()
            }
            None => view! {
                <li class="warning">{name}": "{t(
                    "サーバーにないため同梱されません。サーバー管理者に、クライアントフォルダ（SHEETLINK_CLIENT_DIR）へ置くよう依頼してください。",
                    "not on the server, so the module is built without it. Ask the server's operator to put it in the client folder (SHEETLINK_CLIENT_DIR).",
                )}</li>
            }
            .into_any(),
        }
    };
    view! {
        <Loader>
            {move || Suspend::new(async move {
                info.await.map(|info| view! {
                    <ul data-testid="module-programs">
                        {info.programs.into_iter().map(line).collect_view()}
                    </ul>
                })
            })}
        </Loader>
    }
}

/// Issue or re-issue the token; it is shown once, with a copy button.
#[component]
fn Token(issued_at: RwSignal<Option<u64>>, shown: RwSignal<Option<String>>) -> impl IntoView {
    let lang = use_lang();
    // What the server says of the token just issued (whether an older one
    // stopped working), in both languages.
    let warning = RwSignal::new(None::<(String, String)>);
    let issue = Action::new_local(move |_: &()| async move {
        let issued = api::post_empty::<IssuedToken>("/api/linkage/token").await?;
        issued_at.set(Some(issued.issued_at));
        warning.set(Some((issued.warning, issued.warning_en)));
        shown.set(Some(issued.token));
        Ok::<_, ApiError>(())
    });
    let failed =
        Signal::derive(move || issue.value().get().and_then(Result::err).map(Said::Failed));
    let copied = RwSignal::new(None::<Said>);
    // A re-issue stops the current token at once: asked in the page first.
    let asking = RwSignal::new(false);
    let ask = move |_| {
        if issued_at.get_untracked().is_some() {
            asking.set(true);
        } else {
            issue.dispatch(());
        }
    };
    let yes = Callback::new(move |()| {
        asking.set(false);
        issue.dispatch(());
    });
    let no = Callback::new(move |()| asking.set(false));
    let question = Signal::derive(move || {
        lang.get()
            .pick(
                "トークンを再発行すると、今のトークンはすぐに使えなくなります。バッチクライアントの linkage.conf も新しいトークンに書き換えてください。",
                "Re-issuing makes the current token stop working at once; put the new one into the batch client's linkage.conf too.",
            )
            .to_owned()
    });
    let copy = move |_| {
        if let (Some(text), Some(window)) = (shown.get_untracked(), web_sys::window()) {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(Some(Said::Done(
                "トークンをコピーしました。".into(),
                "Token copied.".into(),
            )));
        }
    };
    view! {
        <fieldset data-testid="token-fieldset">
            <legend>{t("トークン", "Token")}</legend>
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <button data-testid="issue-token" disabled=issue.pending() on:click=ask>
                        {move || if issued_at.get().is_some() { lang.get().pick("トークンを再発行", "Re-issue the token") } else { lang.get().pick("トークンを発行", "Issue a token") }}
                    </button>
                }
            >
                <Confirm question=question yes=("再発行する", "Re-issue") on_yes=yes on_no=no testid="confirm-reissue"/>
            </Show>
            <Answer said=failed testid="token-answer"/>
            {move || shown.get().map(|value| view! {
                <div class="token">
                    <input data-testid="token" readonly prop:value=value aria-label=t("発行したトークン", "Issued token")/>
                    <button data-testid="copy-token" on:click=copy>{t("コピー", "Copy")}</button>
                    <p class="warning" data-testid="token-warning">
                        {move || warning.get().map(|(ja, en)| lang.get().pick(ja, en))}
                    </p>
                </div>
            })}
            <Answer said=copied testid="copy-answer"/>
        </fieldset>
    }
}
