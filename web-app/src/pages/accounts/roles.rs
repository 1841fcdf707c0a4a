//! Choosing roles: evaluation admin, CRM admin, group leader (with the
//! groups and periods led). Everyone is a member; the rest add to that.

use leptos::prelude::*;
use sheetlink_protocol::accounts::{GroupView, LeaderScope, Roles};
use sheetlink_protocol::org::PeriodView;

use crate::i18n::t;

/// Check boxes for `roles`; `prefix` keeps the ids of one editor apart
/// from another's on the same page.
#[component]
pub fn RolesEditor(
    /// The roles being chosen.
    roles: RwSignal<Roles>,
    /// Groups a leader may lead.
    groups: Vec<GroupView>,
    /// Periods a leader may lead in.
    periods: Vec<PeriodView>,
    /// Keeps this editor's element ids apart from another's.
    prefix: String,
) -> impl IntoView {
    let toggle = move |change: fn(&mut Roles, bool)| {
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            roles.update(|roles| change(roles, on));
        }
    };
    let is_leader = move || roles.with(|r| r.leader.is_some());
    let id = |name: &str| format!("{prefix}-{name}");
    let (eval_id, crm_id, leader_id) = (id("eval"), id("crm"), id("leader"));
    let (eval_for, crm_for, leader_for) = (eval_id.clone(), crm_id.clone(), leader_id.clone());
    // One check box of the leader's scope: a group (`of_groups`) or a period.
    let scope_box = move |box_id: String, value: String, name: String, of_groups: bool| {
        let for_id = box_id.clone();
        let held = value.clone();
        let checked = move || {
            roles.with(|r| {
                r.leader.as_ref().is_some_and(|s| {
                    if of_groups {
                        s.groups.contains(&held)
                    } else {
                        s.periods.contains(&held)
                    }
                })
            })
        };
        let change = move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            roles.update(|roles| {
                if let Some(scope) = roles.leader.as_mut() {
                    let list = if of_groups {
                        &mut scope.groups
                    } else {
                        &mut scope.periods
                    };
                    list.retain(|v| *v != value);
                    if on {
                        list.push(value.clone());
                    }
                }
            });
        };
        let testid = if of_groups {
            "lead-group"
        } else {
            "lead-period"
        };
        view! { <label for=for_id><input type="checkbox" id=box_id data-testid=testid prop:checked=checked on:change=change/>{name}</label> }
    };
    let group_boxes = groups
        .iter()
        .map(|g| {
            scope_box(
                id(&format!("g-{}", g.id)),
                g.id.clone(),
                g.name.clone(),
                true,
            )
        })
        .collect_view();
    let period_boxes = periods
        .iter()
        .map(|p| {
            scope_box(
                id(&format!("p-{}", p.id)),
                p.id.clone(),
                p.name.clone(),
                false,
            )
        })
        .collect_view();
    view! {
        <fieldset class="roles" data-testid="roles">
            <legend>{t("役割（メンバーは全員）", "Roles (everyone is a member)")}</legend>
            <label for=eval_for><input type="checkbox" id=eval_id data-testid="role-evaluation-admin"
                prop:checked=move || roles.with(|r| r.evaluation_admin)
                on:change=toggle(|r, on| r.evaluation_admin = on)/>
                {t("評価管理者（評価シートとアカウントの管理）", "Evaluation admin (evaluation sheets and accounts)")}</label>
            <label for=crm_for><input type="checkbox" id=crm_id data-testid="role-crm-admin"
                prop:checked=move || roles.with(|r| r.crm_admin)
                on:change=toggle(|r, on| r.crm_admin = on)/>
                {t("CRM管理者（バッチ連携）", "CRM admin (batch linkage)")}</label>
            <label for=leader_for><input type="checkbox" id=leader_id data-testid="role-leader"
                prop:checked=is_leader
                on:change=toggle(|r, on| r.leader = on.then(LeaderScope::default))/>
                {t("グループリーダー", "Group leader")}</label>
            <div class="scope" hidden=move || !is_leader()>
                <p>{t("担当するグループ", "Groups led")}</p>
                {group_boxes}
                <p>{t("担当する評価期間", "Periods led")}</p>
                {period_boxes}
            </div>
        </fieldset>
    }
}
