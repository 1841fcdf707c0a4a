//! Setting up an organisation, by its evaluation admins: periods (create,
//! rename, open, close), who is in which group, customize sheets
//! ([`sheets`]), who is evaluated on a sheet in a period, and members in
//! bulk ([`members`]). Every change is checked here — ids by
//! `protocol::naming`, permissions by `permissions` — and written through
//! [`OrganisationEdits`] with its audit entry in the same transaction.
//!
//! Choices where the reference manual is silent:
//! - A new period is open; closing one refuses its templates and imports
//!   (and is allowed with imports in its history: history stays).
//! - Evaluatees are only ever added (in the sheet's first status): removing
//!   a user sheet would delete its values, which no screen should do in
//!   passing. Deactivated members are skipped.

pub mod api;
pub mod members;
pub mod sheets;

use std::collections::BTreeSet;

use sheetlink_protocol::accounts::{AuditAction, AuditEntry};
use sheetlink_protocol::naming::{IdKind, check_id};
use sheetlink_protocol::org::{PeriodView, SheetStatusName};
use sheetlink_protocol::organisation::{
    EvaluateeRequest, EvaluateeView, EvaluateesAdded, GroupMembers, GroupMembership, NewPeriod,
    PeriodChange,
};

use crate::accounts::{audit_entry, check_name, id_error, named};
use crate::auth::Caller;
use crate::error::AppError;
use crate::model::{Period, SheetStatus};
use crate::permissions::may_manage_organisation;
use crate::store::{Organisation, OrganisationEdits};

/// The most members one evaluatee request or group may list.
pub const MAX_LISTED_MEMBERS: usize = 20_000;

/// Refuses anyone but an evaluation admin.
fn require_admin(caller: &Caller) -> Result<(), AppError> {
    if may_manage_organisation(&caller.member) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_an_evaluation_admin",
            "評価期・グループ・シート・メンバーの設定は評価管理者だけが行えます。",
            "Only evaluation admins set up periods, groups, sheets and members.",
        ))
    }
}

fn period_view(period: &Period) -> PeriodView {
    PeriodView {
        id: period.id.clone(),
        name: period.name.clone(),
        open: period.open,
        importable: period.open,
    }
}

fn no_such_period(id: &str) -> AppError {
    AppError::not_found(
        "no_such_period",
        format!("評価期「{id}」はありません。一覧を読み込み直してください。"),
        format!("There is no period {id}: reload the list."),
    )
}

fn no_such_sheet(id: &str) -> AppError {
    AppError::not_found(
        "no_such_sheet",
        format!("シート「{id}」はありません。一覧を読み込み直してください。"),
        format!("There is no sheet {id}: reload the list."),
    )
}

/// Every period, open or closed (evaluation admins).
pub fn all_periods(
    store: &impl Organisation,
    caller: &Caller,
) -> Result<Vec<PeriodView>, AppError> {
    require_admin(caller)?;
    Ok(store
        .periods(&caller.tenant)?
        .iter()
        .map(period_view)
        .collect())
}

/// Creates an open period.
pub fn create_period(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    new: &NewPeriod,
) -> Result<PeriodView, AppError> {
    require_admin(caller)?;
    let id = new.id.trim();
    check_id(IdKind::Period, id).map_err(id_error)?;
    let period = Period {
        id: id.to_owned(),
        name: check_name(&new.name, "評価期名", "A period name")?,
        open: true,
    };
    let audit = named(
        audit_entry(caller, AuditAction::PeriodCreated, id, String::new()),
        &period.name,
    );
    if store.create_period(&caller.tenant, &period, &audit)? {
        Ok(period_view(&period))
    } else {
        Err(AppError::conflict(
            "period_exists",
            format!("評価期ID「{id}」はすでにあります。別のIDにしてください。"),
            format!("A period {id} exists: choose another id."),
        ))
    }
}

/// Renames, opens or closes a period.
pub fn change_period(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    id: &str,
    change: &PeriodChange,
) -> Result<PeriodView, AppError> {
    require_admin(caller)?;
    let name = change
        .name
        .as_deref()
        .map(|name| check_name(name, "評価期名", "A period name"))
        .transpose()?;
    let period = store.update_period(&caller.tenant, id, |period| {
        if let Some(name) = name {
            period.name = name;
        }
        if let Some(open) = change.open {
            period.open = open;
        }
        Ok(AuditEntry {
            switched_on: change.open,
            ..named(
                audit_entry(caller, AuditAction::PeriodChanged, id, String::new()),
                &period.name,
            )
        })
    })?;
    period
        .as_ref()
        .map(period_view)
        .ok_or_else(|| no_such_period(id))
}

/// Every group with its members.
pub fn group_members(
    store: &impl Organisation,
    caller: &Caller,
) -> Result<Vec<GroupMembers>, AppError> {
    require_admin(caller)?;
    let members = store.members(&caller.tenant)?;
    Ok(store
        .groups(&caller.tenant)?
        .into_iter()
        .map(|group| GroupMembers {
            members: members
                .iter()
                .filter(|member| member.groups.contains(&group.id))
                .map(|member| member.id.clone())
                .collect(),
            id: group.id,
            name: group.name,
        })
        .collect())
}

/// Sets who is in a group.
pub fn set_group_members(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    group: &str,
    membership: &GroupMembership,
) -> Result<GroupMembers, AppError> {
    require_admin(caller)?;
    if membership.members.len() > MAX_LISTED_MEMBERS {
        return Err(AppError::bad_request(
            "too_many",
            format!("一度に指定できるメンバーは{MAX_LISTED_MEMBERS}名までです。"),
            format!("At most {MAX_LISTED_MEMBERS} members at once."),
        ));
    }
    let wanted: BTreeSet<&String> = membership.members.iter().collect();
    let name = store
        .groups(&caller.tenant)?
        .into_iter()
        .find(|g| g.id == group)
        .map(|g| g.name)
        .unwrap_or_default();
    let audit = AuditEntry {
        count: Some(wanted.len() as u32),
        ..named(
            audit_entry(
                caller,
                AuditAction::GroupMembersChanged,
                group,
                String::new(),
            ),
            &name,
        )
    };
    let members: Vec<String> = wanted.into_iter().cloned().collect();
    match store.set_group_members(&caller.tenant, group, &members, &audit)? {
        Ok(true) => Ok(GroupMembers {
            id: group.to_owned(),
            name,
            members,
        }),
        Ok(false) => Err(AppError::not_found(
            "no_such_group",
            format!("グループ「{group}」はありません。一覧を読み込み直してください。"),
            format!("There is no group {group}: reload the list."),
        )),
        Err(unknown) => Err(AppError::bad_request(
            "unknown_member",
            format!("メンバー「{unknown}」はいません。一覧を読み込み直してください。"),
            format!("There is no member {unknown}: reload the list."),
        )),
    }
}

/// The evaluatees of a sheet in a period (evaluation admins).
pub fn evaluatees(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<Vec<EvaluateeView>, AppError> {
    require_admin(caller)?;
    store
        .period(&caller.tenant, period)?
        .ok_or_else(|| no_such_period(period))?;
    store
        .sheet(&caller.tenant, sheet)?
        .ok_or_else(|| no_such_sheet(sheet))?;
    let members = store.members(&caller.tenant)?;
    Ok(store
        .user_sheets(&caller.tenant, period, sheet)?
        .into_iter()
        .filter_map(|(id, user_sheet)| {
            let member = members.iter().find(|m| m.id == id)?;
            Some(EvaluateeView {
                member: id,
                name: member.name.clone(),
                key: member.evaluatee_key().unwrap_or_default().to_owned(),
                status: status_name(user_sheet.status),
            })
        })
        .collect())
}

/// The wire name of a status.
pub fn status_name(status: SheetStatus) -> SheetStatusName {
    match status {
        SheetStatus::NotStarted => SheetStatusName::NotStarted,
        SheetStatus::SelfEvaluated => SheetStatusName::SelfEvaluated,
        SheetStatus::FirstEvaluated => SheetStatusName::FirstEvaluated,
        SheetStatus::FinalEvaluated => SheetStatusName::FinalEvaluated,
    }
}

/// Makes every active member of the groups, and each member listed, an
/// evaluatee of `sheet` in `period` (a user sheet in the first status).
pub fn add_evaluatees(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    period: &str,
    sheet: &str,
    request: &EvaluateeRequest,
) -> Result<EvaluateesAdded, AppError> {
    require_admin(caller)?;
    if request.members.len() + request.groups.len() > MAX_LISTED_MEMBERS {
        return Err(AppError::bad_request(
            "too_many",
            format!("一度に指定できるのは{MAX_LISTED_MEMBERS}件までです。"),
            format!("At most {MAX_LISTED_MEMBERS} groups and members at once."),
        ));
    }
    let tenant = &caller.tenant;
    let period_record = store
        .period(tenant, period)?
        .ok_or_else(|| no_such_period(period))?;
    let sheet_record = store
        .sheet(tenant, sheet)?
        .ok_or_else(|| no_such_sheet(sheet))?;
    let groups = store.groups(tenant)?;
    if let Some(unknown) = request
        .groups
        .iter()
        .find(|id| !groups.iter().any(|g| &g.id == *id))
    {
        return Err(AppError::bad_request(
            "unknown_group",
            format!("グループ「{unknown}」はありません。一覧を読み込み直してください。"),
            format!("There is no group {unknown}: reload the list."),
        ));
    }
    let members = store.members(tenant)?;
    if let Some(unknown) = request
        .members
        .iter()
        .find(|id| !members.iter().any(|m| &m.id == *id))
    {
        return Err(AppError::bad_request(
            "unknown_member",
            format!("メンバー「{unknown}」はいません。一覧を読み込み直してください。"),
            format!("There is no member {unknown}: reload the list."),
        ));
    }
    let chosen: Vec<_> = members
        .iter()
        .filter(|m| {
            request.members.contains(&m.id) || m.groups.iter().any(|g| request.groups.contains(g))
        })
        .collect();
    let inactive = chosen.iter().filter(|m| !m.active).count() as u32;
    let ids: Vec<String> = chosen
        .iter()
        .filter(|m| m.active)
        .map(|m| m.id.clone())
        .collect();
    let audit_for = |added: u32| AuditEntry {
        count: Some(added),
        ..named(
            audit_entry(
                caller,
                AuditAction::EvaluateesAdded,
                &format!("{period}/{sheet}"),
                String::new(),
            ),
            &format!("{} / {}", period_record.name, sheet_record.name),
        )
    };
    let added = store.add_evaluatees(tenant, period, sheet, &ids, &audit_for)?;
    Ok(EvaluateesAdded {
        added,
        already: ids.len() as u32 - added,
        inactive,
    })
}
