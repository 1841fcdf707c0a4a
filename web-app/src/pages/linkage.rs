//! Batch-linkage settings (バッチ連携設定): every item of the reference's
//! settings screen, and the lists of import and export conditions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api::{self, segment};
use crate::app::SignedIn;
use crate::i18n::{t, use_lang};

pub use sheetlink_protocol::linkage::{
    AuthMethod, IssuedToken, MAX_EMAILS, SettingsView as Settings,
    StoredExportCondition as StoredExport, StoredImportCondition as StoredImport,
};
pub use sheetlink_protocol::org::MemberView;

/// Whether `address` looks like an e-mail address (the server checks again).
pub fn plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(char::is_whitespace)
}

/// `/linkage`.
#[component]
pub fn LinkagePage() -> impl IntoView {
    view! {
        <SignedIn>
            <LinkageSettings/>
        </SignedIn>
    }
}

#[component]
fn LinkageSettings() -> impl IntoView {
    let lang = use_lang();
    let settings = RwSignal::new(None::<Settings>);
    let members = RwSignal::new(Vec::<MemberView>::new());
    let imports = RwSignal::new(Vec::<StoredImport>::new());
    let exports = RwSignal::new(Vec::<StoredExport>::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let token = RwSignal::new(None::<String>);
    let new_email = RwSignal::new(String::new());
    let fail = move |error: api::ApiError| {
        message.set(Some((false, error.describe(lang.get_untracked()))))
    };
    let load_lists = move || {
        spawn_local(async move {
            match api::get::<Vec<StoredImport>>("/api/linkage/import-conditions").await {
                Ok(list) => imports.set(list),
                Err(error) => fail(error),
            }
            match api::get::<Vec<StoredExport>>("/api/linkage/export-conditions").await {
                Ok(list) => exports.set(list),
                Err(error) => fail(error),
            }
        });
    };
    spawn_local(async move {
        match api::get::<Settings>("/api/linkage/settings").await {
            Ok(found) => settings.set(Some(found)),
            Err(error) => fail(error),
        }
        if let Ok(list) = api::get::<Vec<MemberView>>("/api/linkage/members").await {
            members.set(list);
        }
    });
    load_lists();
    let edit = move |change: &dyn Fn(&mut Settings)| {
        settings.update(|s| {
            if let Some(s) = s {
                change(s);
            }
        });
    };
    let save = move |_| {
        let Some(current) = settings.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match api::put::<_, Settings>("/api/linkage/settings", &current).await {
                Ok(saved) => {
                    settings.set(Some(saved));
                    message.set(Some((
                        true,
                        lang.get_untracked()
                            .pick("設定を保存しました。", "Settings saved.")
                            .to_owned(),
                    )));
                }
                Err(error) => fail(error),
            }
        });
    };
    let issue = move |_| {
        let reissue =
            settings.with_untracked(|s| s.as_ref().is_some_and(|s| s.token_issued_at.is_some()));
        if reissue {
            let confirmed = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(lang.get_untracked().pick(
                        "再発行すると、今のトークンはすぐに使えなくなります。よろしいですか？",
                        "Re-issuing makes the current token stop working at once. Continue?",
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if !confirmed {
                return;
            }
        }
        spawn_local(async move {
            match api::post_empty::<IssuedToken>("/api/linkage/token").await {
                Ok(issued) => {
                    token.set(Some(issued.token));
                    if let Ok(found) = api::get::<Settings>("/api/linkage/settings").await {
                        settings.set(Some(found));
                    }
                }
                Err(error) => fail(error),
            }
        });
    };
    let copy = move |_| {
        if let (Some(text), Some(window)) = (token.get_untracked(), web_sys::window()) {
            let _ = window.navigator().clipboard().write_text(&text);
            message.set(Some((
                true,
                lang.get_untracked()
                    .pick("トークンをコピーしました。", "Token copied.")
                    .to_owned(),
            )));
        }
    };
    let add_email = move |_| {
        let address = new_email.get_untracked().trim().to_owned();
        let lang = lang.get_untracked();
        let count = settings.with_untracked(|s| s.as_ref().map_or(0, |s| s.emails.len()));
        if !plausible_email(&address) {
            message.set(Some((
                false,
                lang.pick(
                    format!("「{address}」はメールアドレスの形式ではありません。"),
                    format!("“{address}” is not an e-mail address."),
                ),
            )));
        } else if count >= MAX_EMAILS {
            message.set(Some((
                false,
                lang.pick(
                    format!("通知先は{MAX_EMAILS}件までです。"),
                    format!("At most {MAX_EMAILS} addresses."),
                ),
            )));
        } else {
            edit(&|s| {
                if !s.emails.contains(&address) {
                    s.emails.push(address.clone());
                }
            });
            new_email.set(String::new());
            message.set(None);
        }
    };
    let download_module = move |_| {
        let body = serde_json::json!({ "token": token.get_untracked() });
        spawn_local(async move {
            match api::post_for_bytes("/api/linkage/client-module", &body).await {
                Ok(bytes) => {
                    let _ =
                        crate::download::save(&bytes, "sheetlink-client.zip", "application/zip");
                }
                Err(error) => fail(error),
            }
        });
    };
    let delete = move |kind: &'static str, key: String| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&lang.get_untracked().pick(
                    format!("「{key}」を削除します。よろしいですか？"),
                    format!("Delete “{key}”?"),
                ))
                .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/api/linkage/{kind}-conditions/{}", segment(&key))).await {
                Ok(()) => load_lists(),
                Err(error) => fail(error),
            }
        });
    };

    view! {
        <section class="card">
            <h1>{t("バッチ連携設定", "Batch linkage settings")}</h1>
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "ok" } else { "error" } role="status" id="linkage-message">{text}</p> })}
            // Rendered once when loaded (edits update the signal without
            // rebuilding the form, so a field keeps its focus while typing).
            <Show when=move || settings.with(Option::is_some)>
            {move || settings.get_untracked().map(|s| {
                let (enabled, auth) = (s.enabled, s.auth);
                view! {
                    <fieldset>
                        <legend>{t("(1) バッチ連携使用可否", "(1) Batch linkage")}</legend>
                        <label class="inline"><input type="radio" name="enabled" id="enabled-on" prop:checked=enabled on:change=move |_| edit(&|s| s.enabled = true)/>{t("使用可", "On")}</label>
                        <label class="inline"><input type="radio" name="enabled" id="enabled-off" prop:checked=!enabled on:change=move |_| edit(&|s| s.enabled = false)/>{t("使用不可", "Off")}</label>
                    </fieldset>
                    <fieldset>
                        <legend>{t("(2) クライアントモジュール", "(2) Client module")}</legend>
                        <button id="download-module" on:click=download_module>{t("クライアントモジュールをダウンロード", "Download the client module")}</button>
                        <p class="muted">{t("条件を保存してからダウンロードすると、条件ごとの実行スクリプトが入ります。トークンは発行直後だけ linkage.conf に入ります。", "Download after saving conditions to get their scripts; the token is filled into linkage.conf only right after it is issued.")}</p>
                    </fieldset>
                    <label>
                        {t("(3) アクセス許可IP（; 区切り、IPv4・IPv6・CIDR、空欄ならすべて許可）", "(3) Allowed IPs (; separated, IPv4, IPv6, CIDR; empty: any)")}
                        <input id="allowed-ips" prop:value=s.allowed_ips.clone() on:input=move |ev| { let v = event_target_value(&ev); edit(&|s| s.allowed_ips = v.clone()); }/>
                    </label>
                    <fieldset>
                        <legend>{t("(4) バッチ連携認証方式", "(4) Authentication")}</legend>
                        <label class="inline"><input type="radio" name="auth" id="auth-user" prop:checked=auth == AuthMethod::UserPassword on:change=move |_| edit(&|s| s.auth = AuthMethod::UserPassword)/>{t("各ユーザーのログインID・パスワード", "Each user's login id and password")}</label>
                        <label class="inline"><input type="radio" name="auth" id="auth-token" prop:checked=auth == AuthMethod::Token on:change=move |_| edit(&|s| s.auth = AuthMethod::Token)/>{t("管理者が発行したトークン", "A token issued by the admin")}</label>
                    </fieldset>
                    <fieldset>
                        <legend>{t("(5) トークン", "(5) Token")}</legend>
                        <button id="issue-token" on:click=issue>
                            {move || if settings.with(|s| s.as_ref().is_some_and(|s| s.token_issued_at.is_some())) { lang.get().pick("再発行", "Re-issue") } else { lang.get().pick("発行", "Issue") }}
                        </button>
                        {move || token.get().map(|value| view! {
                            <div class="token">
                                <input id="token" readonly prop:value=value aria-label=t("発行したトークン", "Issued token")/>
                                <button id="copy-token" on:click=copy>{t("コピー", "Copy")}</button>
                                <p class="warning" id="token-warning">{t(
                                    "このトークンは今だけ表示されます。linkage.conf の linkage.token に設定してください。以前のトークンは使えなくなりました。",
                                    "This token is shown only now: put it in linkage.token of linkage.conf. The previous token no longer works.",
                                )}</p>
                            </div>
                        })}
                    </fieldset>
                    <fieldset>
                        <legend>{t("(6) バッチ連携通知先（タイムライン）", "(6) Timeline notifications")}</legend>
                        <select multiple id="timeline-targets" size="5" on:change=move |ev| {
                            let select: web_sys::HtmlSelectElement = event_target(&ev);
                            let options = select.selected_options();
                            let chosen: Vec<String> = (0..options.length()).filter_map(|i| options.item(i)).filter_map(|o| o.get_attribute("value")).collect();
                            edit(&|s| s.timeline_targets = chosen.clone());
                        }>
                            {members.get().into_iter().map(|m| {
                                let selected = s.timeline_targets.contains(&m.id);
                                view! { <option value=m.id.clone() selected=selected>{format!("{} ({})", m.name, m.id)}</option> }
                            }).collect_view()}
                        </select>
                    </fieldset>
                    <fieldset>
                        <legend>{t("(7) 通知先メールアドレス（20件まで）", "(7) Notification e-mails (up to 20)")}</legend>
                        <div class="row">
                            <input id="new-email" type="email" prop:value=new_email on:input=move |ev| new_email.set(event_target_value(&ev))/>
                            <button id="add-email" on:click=add_email>{t("(8) 追加", "(8) Add")}</button>
                        </div>
                        <ul id="emails">
                            {move || settings.with(|s| s.as_ref().map(|s| s.emails.clone()).unwrap_or_default()).into_iter().map(|email| {
                                let remove = email.clone();
                                view! { <li>{email}" "<button class="link" on:click=move |_| edit(&|s| s.emails.retain(|e| e != &remove))>{t("削除", "Remove")}</button></li> }
                            }).collect_view()}
                        </ul>
                    </fieldset>
                    <button class="primary" id="save-settings" on:click=save>{t("(9) 設定保存", "(9) Save settings")}</button>
                }
            })}
            </Show>
        </section>
        <section class="card">
            <h2>{t("(11) インポート条件", "(11) Import conditions")}</h2>
            <A href="/linkage/import/new">{t("(10) インポート条件設定登録", "(10) New import condition")}</A>
            <table id="import-conditions">
                <thead><tr><th>{t("インポートキー", "Import key")}</th><th>{t("シート", "Sheet")}</th><th>{t("説明", "Description")}</th><th>{t("(12) スクリプト", "(12) Scripts")}</th><th></th></tr></thead>
                <tbody>
                    {move || imports.get().into_iter().map(|c| {
                        condition_row("import", c.condition.key, c.condition.sheet, c.condition.description, delete)
                    }).collect_view()}
                </tbody>
            </table>
            <h2>{t("(15) エクスポート条件", "(15) Export conditions")}</h2>
            <A href="/linkage/export/new">{t("(14) エクスポート条件設定登録", "(14) New export condition")}</A>
            <table id="export-conditions">
                <thead><tr><th>{t("エクスポートキー", "Export key")}</th><th>{t("シート", "Sheet")}</th><th>{t("説明", "Description")}</th><th>{t("スクリプト", "Scripts")}</th><th></th></tr></thead>
                <tbody>
                    {move || exports.get().into_iter().map(|c| {
                        condition_row("export", c.condition.key, c.condition.sheet, c.condition.description, delete)
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Who is told when a batch finishes: members (timeline) and e-mail
/// addresses (at most [`MAX_EMAILS`]); used by both condition wizards.
#[component]
pub fn Notifications(
    /// Member ids to notify on the timeline.
    members: RwSignal<Vec<String>>,
    /// Addresses to e-mail.
    emails: RwSignal<Vec<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let everyone = RwSignal::new(Vec::<MemberView>::new());
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(list) = api::get::<Vec<MemberView>>("/api/linkage/members").await {
            everyone.set(list);
        }
    });
    let add = move |_| {
        let address = typed.get_untracked().trim().to_owned();
        let lang = lang.get_untracked();
        if !plausible_email(&address) {
            problem.set(Some(lang.pick(
                format!("「{address}」はメールアドレスの形式ではありません。"),
                format!("“{address}” is not an e-mail address."),
            )));
        } else if emails.with_untracked(Vec::len) >= MAX_EMAILS {
            problem.set(Some(lang.pick(
                format!("通知先は{MAX_EMAILS}件までです。"),
                format!("At most {MAX_EMAILS} addresses."),
            )));
        } else {
            emails.update(|list| {
                if !list.contains(&address) {
                    list.push(address);
                }
            });
            typed.set(String::new());
            problem.set(None);
        }
    };
    view! {
        <label>{t("完了後の通知先（社員・タイムライン）", "Members to notify (timeline)")}
            <select multiple class="notify-members" size="5" on:change=move |ev| {
                let select: web_sys::HtmlSelectElement = event_target(&ev);
                let options = select.selected_options();
                let chosen: Vec<String> = (0..options.length()).filter_map(|i| options.item(i)).filter_map(|o| o.get_attribute("value")).collect();
                members.set(chosen);
            }>
                {move || everyone.get().into_iter().map(|m| {
                    let selected = members.with_untracked(|list| list.contains(&m.id));
                    view! { <option value=m.id.clone() selected=selected>{format!("{} ({})", m.name, m.id)}</option> }
                }).collect_view()}
            </select>
        </label>
        <label>{t("通知先メールアドレス（20件まで）", "E-mail addresses (up to 20)")}
            <div class="row">
                <input class="notify-email" type="email" prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev))/>
                <button class="notify-add" on:click=add>{t("追加", "Add")}</button>
            </div>
        </label>
        {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        <ul class="notify-emails">
            {move || emails.get().into_iter().map(|e| {
                let remove = e.clone();
                view! { <li>{e}" "<button class="link" on:click=move |_| emails.update(|list| list.retain(|x| *x != remove))>{t("削除", "Remove")}</button></li> }
            }).collect_view()}
        </ul>
    }
}

/// One row of a condition list: key (edit link), sheet, description, the
/// `.sh` / `.bat` scripts (12) and delete (13). `kind` is `import` or
/// `export`.
fn condition_row(
    kind: &'static str,
    key: String,
    sheet: String,
    description: String,
    delete: impl Fn(&'static str, String) + Copy + 'static,
) -> impl IntoView {
    let path = segment(&key);
    let edit_href = format!("/linkage/{kind}/{path}");
    let script = |os: &str| format!("/api/linkage/{kind}-conditions/{path}/script?os={os}");
    let (linux, windows) = (script("linux"), script("windows"));
    let (row_key, label) = (key.clone(), key.clone());
    view! {
        <tr data-key=row_key>
            <td><A href=edit_href>{label}</A></td>
            <td>{sheet}</td>
            <td>{description}</td>
            <td><a href=linux download="">".sh"</a>" "<a href=windows download="">".bat"</a></td>
            <td><button class="link delete" on:click=move |_| delete(kind, key.clone())>{t("削除", "Delete")}</button></td>
        </tr>
    }
}
