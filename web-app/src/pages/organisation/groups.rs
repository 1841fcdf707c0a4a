//! Who is in which group: each group with its members, changed with the
//! member picker (the whole list is saved at once).

use leptos::prelude::*;
use sheetlink_protocol::org::MemberView;
use sheetlink_protocol::organisation::{GroupMembers, GroupMembership};

use crate::api::{self, ApiError};
use crate::components::member_picker::MemberPicker;
use crate::components::{Answer, Said};
use crate::i18n::t;

/// Every group, each with its member editor.
#[component]
pub fn Groups(
    /// Every group with its members.
    groups: Vec<GroupMembers>,
    /// Every active member.
    members: Vec<MemberView>,
    /// Reloads the screen after a change.
    reload: Callback<()>,
) -> impl IntoView {
    let empty = groups.is_empty();
    let list = groups
        .into_iter()
        .map(|group| view! { <GroupEditor group=group members=members.clone() reload=reload/> })
        .collect_view();
    view! {
        <h2>{t("グループのメンバー", "Group members")}</h2>
        <Show when=move || empty fallback=|| ()>
            <p data-testid="groups-empty">{t("まだグループがありません。アカウント管理で追加するか、メンバーのCSVに書くと作られます。", "No group yet: add one on the accounts screen, or name it in a member CSV.")}</p>
        </Show>
        {list}
    }
}

#[component]
fn GroupEditor(
    group: GroupMembers,
    members: Vec<MemberView>,
    reload: Callback<()>,
) -> impl IntoView {
    let chosen = RwSignal::new(group.members.clone());
    let id = group.id.clone();
    let save = Action::new_local(move |list: &Vec<String>| {
        let (path, body) = (
            format!("/api/organisation/groups/{}/members", api::segment(&id)),
            GroupMembership {
                members: list.clone(),
            },
        );
        async move {
            let saved = api::put::<_, GroupMembers>(&path, &body).await?;
            reload.run(());
            Ok::<_, ApiError>(saved)
        }
    });
    let said = Signal::derive(move || match save.value().get() {
        Some(Ok(group)) => Some(Said::Done(
            format!(
                "「{}」のメンバーを保存しました（{}名）。",
                group.name,
                group.members.len()
            ),
            format!("Members of {} saved ({}).", group.name, group.members.len()),
        )),
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    view! {
        <details data-testid="group" data-group=group.id.clone()>
            <summary>{format!("{}（{}名）", group.name, group.members.len())}</summary>
            <MemberPicker members=Signal::derive(move || members.clone()) chosen=chosen label=("メンバー", "Members") testid="group-member"/>
            <button class="primary" data-testid="group-save" disabled=save.pending() on:click=move |_| { save.dispatch(chosen.get_untracked()); }>
                {t("メンバーを保存", "Save the members")}
            </button>
            <Answer said=said testid="group-said"/>
        </details>
    }
}
