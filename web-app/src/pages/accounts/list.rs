//! The members, searchable, with what an admin does to one: change roles,
//! deactivate or activate (asked in the page), reset the password (asked,
//! then the new link shown once).

use leptos::prelude::*;
use sheetlink_protocol::accounts::{Account, Roles, SetupLink};

use super::roles::RolesEditor;
use super::{Directory, Told};
use crate::api::{self, ApiError, segment};
use crate::components::{Badge, Confirm, Said, TableBox, Tone, roles_text};
use crate::i18n::{t, use_lang};

/// How many members the list shows at first, and adds per press.
const PAGE: usize = 50;

/// What is open below a row.
#[derive(Debug, Clone, PartialEq)]
enum Open {
    Roles(String),
    Deactivate(String),
    Reset(String),
}

/// What an action on a member answered.
enum Done {
    Changed(Result<Account, ApiError>),
    Link(String, Result<SetupLink, ApiError>),
}

/// The list of members.
#[component]
pub fn AccountList(
    /// Members, groups and periods.
    directory: Directory,
    /// Reloads the screen's data after a change.
    reload: Callback<()>,
    /// Where the outcome is said.
    told: Told,
) -> impl IntoView {
    let lang = use_lang();
    let filter = RwSignal::new(String::new());
    // A tenant has thousands of members: the first page, then more.
    let shown = RwSignal::new(PAGE);
    let open = RwSignal::new(None::<Open>);
    let roles = RwSignal::new(Roles::default());
    let accounts = StoredValue::new(directory.accounts.clone());
    let name_of = move |id: &str| {
        accounts.with_value(|a| {
            a.iter()
                .find(|m| m.id == id)
                .map(|m| m.name.clone())
                .unwrap_or_default()
        })
    };
    let act = Action::new_local(move |(path, body): &(String, Option<Roles>)| {
        let (path, body) = (path.clone(), body.clone());
        async move {
            let done = match body {
                Some(roles) => Done::Changed(api::put::<_, Account>(&path, &roles).await),
                None if path.ends_with("/setup-link") => {
                    Done::Link(path.clone(), api::post_empty::<SetupLink>(&path).await)
                }
                None => Done::Changed(api::post_empty::<Account>(&path).await),
            };
            told.link.set(None);
            told.said.set(match done {
                Done::Changed(Ok(account)) => Some(Said::Done(
                    format!(
                        "{}さんを更新しました。変更はすぐに効き、本人のログインは終了しました。",
                        account.name
                    ),
                    format!(
                        "{} updated; it applies at once and their sign-ins have ended.",
                        account.name
                    ),
                )),
                Done::Link(path, Ok(link)) => {
                    let id = path
                        .trim_start_matches("/api/accounts/")
                        .trim_end_matches("/setup-link")
                        .to_owned();
                    told.link.set(Some((link, name_of(&id))));
                    None
                }
                Done::Changed(Err(error)) | Done::Link(_, Err(error)) => Some(Said::Failed(error)),
            });
            open.set(None);
            reload.run(());
        }
    });
    let matching = move || {
        let needle = filter.get().to_lowercase();
        accounts.with_value(|all| {
            all.iter()
                .filter(|a| {
                    needle.is_empty()
                        || a.name.to_lowercase().contains(&needle)
                        || a.id.to_lowercase().contains(&needle)
                        || a.login_id.as_deref().is_some_and(|l| l.contains(&needle))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let visible = move || matching().into_iter().take(shown.get()).collect::<Vec<_>>();
    let more = move || matching().len().saturating_sub(shown.get());
    let (groups, periods) = (directory.groups, directory.periods);
    view! {
        <h2>{t("メンバー", "Members")}</h2>
        <label for="account-filter">{t("名前・ID・ログインIDで絞り込む", "Filter by name, id or login id")}</label>
        <input id="account-filter" data-testid="account-filter" prop:value=filter on:input=move |ev| { filter.set(event_target_value(&ev)); shown.set(PAGE); }/>
        <TableBox label=t("メンバー一覧", "Members")>
            <table class="accounts" data-testid="account-list">
                <thead><tr>
                    <th scope="col">{t("氏名", "Name")}</th><th scope="col">{t("ログインID", "Login id")}</th>
                    <th scope="col">{t("役割", "Roles")}</th><th scope="col">{t("状態", "State")}</th><th scope="col">{t("操作", "Actions")}</th>
                </tr></thead>
                <tbody>
                    <For each=visible key=|a| (a.id.clone(), a.active, a.has_password, format!("{:?}", a.roles)) let:account>
                        {
                            let id = account.id.clone();
                            let path = format!("/api/accounts/{}", segment(&id));
                            let is = { let id = id.clone(); move |what: fn(String) -> Open| open.get() == Some(what(id.clone())) };
                            let editing = { let is = is.clone(); move || is(Open::Roles) };
                            let deactivating = { let is = is.clone(); move || is(Open::Deactivate) };
                            let resetting = move || is(Open::Reset);
                            let start = { let (id, current) = (id.clone(), account.roles.clone()); move |what: fn(String) -> Open| { roles.set(current.clone()); open.set(Some(what(id.clone()))); } };
                            let row_name = account.name.clone();
                            let (name1, name2) = (account.name.clone(), account.name.clone());
                            let (p1, p2, p3, p4) = (path.clone(), path.clone(), path.clone(), path);
                            let (g, p) = (groups.clone(), periods.clone());
                            let (start1, start2, start3) = (start.clone(), start.clone(), start);
                            view! {
                                <tr data-testid="account-row" data-id=id.clone()>
                                    <td>{account.name.clone()}<br/><span class="muted">{id.clone()}</span></td>
                                    <td>{account.login_id.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td data-testid="account-roles">{let r = account.roles.clone(); move || roles_text(&r, lang.get(), false)}</td>
                                    <td>
                                        {if account.active {
                                            view! { <Badge tone=Tone::Good text=Signal::derive(move || lang.get().pick("有効", "Active").to_owned()) status="active"/> }.into_any()
                                        } else {
                                            view! { <Badge tone=Tone::Bad text=Signal::derive(move || lang.get().pick("無効", "Deactivated").to_owned()) status="inactive"/> }.into_any()
                                        }}
                                        {(account.login_id.is_some() && !account.has_password).then(|| view! { <br/><span class="muted">{t("パスワード未設定", "No password yet")}</span> })}
                                    </td>
                                    <td class="actions">
                                        <button data-testid="edit-roles" aria-label=move || format!("{} {}", lang.get().pick("役割を変更:", "Change roles:"), row_name) on:click=move |_| start1(Open::Roles)>{t("役割", "Roles")}</button>
                                        {if account.active {
                                            view! { <button data-testid="deactivate" on:click=move |_| start2(Open::Deactivate)>{t("無効にする", "Deactivate")}</button> }.into_any()
                                        } else {
                                            let path = format!("{p1}/activate");
                                            view! { <button data-testid="activate" on:click=move |_| { act.dispatch((path.clone(), None)); }>{t("有効にする", "Activate")}</button> }.into_any()
                                        }}
                                        {(account.login_id.is_some() && account.active).then(|| view! {
                                            <button data-testid="reset-password" on:click=move |_| start3(Open::Reset)>{t("パスワード再設定", "Reset password")}</button>
                                        })}
                                    </td>
                                </tr>
                                <Show when=editing.clone()>
                                    <tr><td colspan="5">
                                        <RolesEditor roles=roles groups=g.clone() periods=p.clone() prefix=format!("edit-{id}")/>
                                        <button class="primary" data-testid="save-roles" on:click={let path = format!("{p2}/roles"); move |_| { act.dispatch((path.clone(), Some(roles.get_untracked()))); }}>{t("役割を保存", "Save the roles")}</button>
                                        " " <button on:click=move |_| open.set(None)>{t("キャンセル", "Cancel")}</button>
                                    </td></tr>
                                </Show>
                                <Show when=deactivating.clone()>
                                    <tr><td colspan="5"><Confirm
                                        question=Signal::derive({ let name = name1.clone(); move || lang.get().pick(format!("{name}さんを無効にします。サインインとバッチ連携がすぐに使えなくなります（履歴には名前が残ります）。"), format!("Deactivate {name}: sign-in and batch access end at once (history keeps the name)."))})
                                        yes=("無効にする", "Deactivate") testid="confirm-deactivate"
                                        on_yes=Callback::new({ let path = format!("{p3}/deactivate"); move |()| { act.dispatch((path.clone(), None)); }})
                                        on_no=Callback::new(move |()| open.set(None))/></td></tr>
                                </Show>
                                <Show when=resetting.clone()>
                                    <tr><td colspan="5"><Confirm
                                        question=Signal::derive({ let name = name2.clone(); move || lang.get().pick(format!("{name}さんの今のパスワードを無効にし、ログインを終了させて、新しい設定用リンクを作ります。"), format!("{name}'s password stops working, their sign-ins end, and a new set-up link is made."))})
                                        yes=("再設定する", "Reset") testid="confirm-reset"
                                        on_yes=Callback::new({ let path = format!("{p4}/setup-link"); move |()| { act.dispatch((path.clone(), None)); }})
                                        on_no=Callback::new(move |()| open.set(None))/></td></tr>
                                </Show>
                            }
                        }
                    </For>
                </tbody>
            </table>
        </TableBox>
        <Show when=move || { more() > 0 }>
            <button data-testid="more-accounts" on:click=move |_| shown.update(|n| *n += PAGE)>
                {move || lang.get().pick(format!("さらに表示（残り{}名）", more()), format!("Show more ({} left)", more()))}
            </button>
        </Show>
    }
}
