//! Adding a member, and adding a group.

use leptos::prelude::*;
use sheetlink_protocol::accounts::{CreatedAccount, GroupView, NewAccount, Roles};
use sheetlink_protocol::naming::{IdKind, check_id};

use super::roles::RolesEditor;
use super::{Directory, Told};
use crate::api::{self, ApiError};
use crate::components::{Answer, Said};
use crate::i18n::t;

fn text(signal: RwSignal<String>) -> impl Fn(leptos::ev::Event) {
    move |ev| signal.set(event_target_value(&ev))
}

fn optional(value: String) -> Option<String> {
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}

/// The form that adds a member.
#[component]
pub fn NewMember(
    /// Groups and periods to choose from.
    directory: Directory,
    /// Reloads the screen's data after a change.
    reload: Callback<()>,
    /// Where the outcome is said.
    told: Told,
) -> impl IntoView {
    let (id, name, login, email, number) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let groups = RwSignal::new(Vec::<String>::new());
    let roles = RwSignal::new(Roles::default());
    let problem = RwSignal::new(None::<Said>);
    let create = Action::new_local(move |new: &NewAccount| {
        let new = new.clone();
        async move {
            let created = api::post::<_, CreatedAccount>("/api/accounts", &new).await?;
            told.link.set(
                created
                    .setup
                    .clone()
                    .map(|link| (link, created.account.name.clone())),
            );
            told.said.set(created.setup.is_none().then(|| {
                Said::Done(
                    format!(
                        "{}さんを登録しました（ログインIDなし: サインインしない人です）。",
                        created.account.name
                    ),
                    format!(
                        "{} was added (no login id: they do not sign in).",
                        created.account.name
                    ),
                )
            }));
            for signal in [id, name, login, email, number] {
                signal.set(String::new());
            }
            groups.set(Vec::new());
            roles.set(Roles::default());
            reload.run(());
            Ok::<_, ApiError>(created)
        }
    });
    let said = Signal::derive(move || {
        problem.get().or_else(|| match create.value().get() {
            Some(Err(error)) => Some(Said::Failed(error)),
            _ => None,
        })
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let checked = check_id(IdKind::Member, id.get_untracked().trim()).and_then(|()| {
            match optional(login.get_untracked()) {
                Some(login) => check_id(IdKind::Login, &login),
                None => Ok(()),
            }
        });
        problem.set(checked.err().map(|p| Said::Problem(p.ja, p.en)));
        if problem.get_untracked().is_none() && !create.pending().get_untracked() {
            create.dispatch(NewAccount {
                id: id.get_untracked().trim().to_owned(),
                name: name.get_untracked(),
                login_id: optional(login.get_untracked()),
                email: optional(email.get_untracked()),
                employee_number: optional(number.get_untracked()),
                groups: groups.get_untracked(),
                roles: roles.get_untracked(),
            });
        }
    };
    let group_boxes = directory.groups.iter().map(|g| {
        let value = g.id.clone();
        let box_id = format!("member-group-{}", g.id);
        let for_id = box_id.clone();
        let checked = { let value = value.clone(); move || groups.with(|list| list.contains(&value)) };
        view! { <label for=for_id><input type="checkbox" id=box_id data-testid="member-group" value=value.clone() prop:checked=checked
            on:change=move |ev| { let on = event_target_checked(&ev); let value = value.clone(); groups.update(|list| { list.retain(|v| *v != value); if on { list.push(value); } }); }/>{g.name.clone()}</label> }
    }).collect_view();
    view! {
        <details class="add" data-testid="new-member">
            <summary>{t("メンバーを追加", "Add a member")}</summary>
            <form on:submit=submit>
                <label for="member-id">{t("社員ID（半角英数字・ハイフン・アンダースコア）", "Member id (letters, digits, - and _)")}</label>
                <input id="member-id" data-testid="member-id" required prop:value=id on:input=text(id)/>
                <label for="member-name">{t("氏名", "Name")}</label>
                <input id="member-name" data-testid="member-name" required prop:value=name on:input=text(name)/>
                <label for="member-login">{t("ログインID（サインインしない人は空欄）", "Login id (empty for someone who does not sign in)")}</label>
                <input id="member-login" data-testid="member-login" autocomplete="off" prop:value=login on:input=text(login)/>
                <label for="member-email">{t("メールアドレス", "E-mail address")}</label>
                <input id="member-email" data-testid="member-email" type="email" prop:value=email on:input=text(email)/>
                <label for="member-number">{t("社員番号", "Employee number")}</label>
                <input id="member-number" data-testid="member-number" prop:value=number on:input=text(number)/>
                <fieldset><legend>{t("所属グループ", "Groups")}</legend>{group_boxes}</fieldset>
                <RolesEditor roles=roles groups=directory.groups.clone() periods=directory.periods.clone() prefix="new".into()/>
                <Answer said=said testid="new-member-said"/>
                <button type="submit" class="primary" data-testid="member-create" disabled=create.pending()>{t("追加する", "Add")}</button>
            </form>
        </details>
    }
}

/// The form that adds a group.
#[component]
pub fn NewGroup(
    /// The groups there are.
    groups: Vec<GroupView>,
    /// Reloads the screen's data after a change.
    reload: Callback<()>,
) -> impl IntoView {
    let (id, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let create = Action::new_local(move |group: &GroupView| {
        let group = group.clone();
        async move {
            let created = api::post::<_, GroupView>("/api/groups", &group).await?;
            id.set(String::new());
            name.set(String::new());
            reload.run(());
            Ok::<_, ApiError>(created)
        }
    });
    let said = Signal::derive(move || match create.value().get() {
        Some(Ok(group)) => Some(Said::Done(
            format!("グループ「{}」を追加しました。", group.name),
            format!("Group {} added.", group.name),
        )),
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    view! {
        <h2>{t("グループ", "Groups")}</h2>
        <p data-testid="group-list">{groups.iter().map(|g| format!("{}（{}）", g.name, g.id)).collect::<Vec<_>>().join("・")}</p>
        <form class="inline" on:submit=move |ev| { ev.prevent_default(); create.dispatch(GroupView { id: id.get_untracked(), name: name.get_untracked() }); }>
            <label for="group-id">{t("グループID", "Group id")}</label>
            <input id="group-id" data-testid="group-id" required prop:value=id on:input=text(id)/>
            <label for="group-name">{t("グループ名", "Group name")}</label>
            <input id="group-name" data-testid="group-name" required prop:value=name on:input=text(name)/>
            <button type="submit" data-testid="group-create" disabled=create.pending()>{t("グループを追加", "Add the group")}</button>
        </form>
        <Answer said=said testid="group-said"/>
    }
}
