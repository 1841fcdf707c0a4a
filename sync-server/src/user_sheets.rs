//! Reading user sheets, and moving one's own sheet on.
//!
//! Everyone reads their own sheets; leaders read the sheets of the members
//! they lead (in their periods), evaluation admins every sheet — read-only:
//! values are entered elsewhere. Only the owner moves a sheet to its next
//! status, one sheet at a time, in an open period (the reference: "only the
//! person themselves changes a status, never in bulk").

use sheetlink_protocol::accounts::AuditAction;
use sheetlink_protocol::org::{
    BlockView, ItemType, ItemValue, SheetStatusName, SheetSummary, UserSheetView,
};

use crate::auth::Caller;
use crate::error::AppError;
use crate::model::{CustomizeSheet, Member, Period, SheetStatus, UserSheet};
use crate::permissions::{in_scope, may_read_sheet};
use crate::store::{Evaluations, Organisation};

impl From<SheetStatus> for SheetStatusName {
    fn from(status: SheetStatus) -> Self {
        match status {
            SheetStatus::NotStarted => SheetStatusName::NotStarted,
            SheetStatus::SelfEvaluated => SheetStatusName::SelfEvaluated,
            SheetStatus::FirstEvaluated => SheetStatusName::FirstEvaluated,
            SheetStatus::FinalEvaluated => SheetStatusName::FinalEvaluated,
        }
    }
}

impl SheetStatus {
    /// The status after this one (`None` after the final evaluation).
    pub fn next(self) -> Option<SheetStatus> {
        match self {
            SheetStatus::NotStarted => Some(SheetStatus::SelfEvaluated),
            SheetStatus::SelfEvaluated => Some(SheetStatus::FirstEvaluated),
            SheetStatus::FirstEvaluated => Some(SheetStatus::FinalEvaluated),
            SheetStatus::FinalEvaluated => None,
        }
    }
}

fn no_sheet() -> AppError {
    AppError::not_found(
        "no_such_sheet",
        "そのシートはないか、見る権限がありません。一覧から選び直してください。",
        "No such sheet, or it is not yours to see. Pick it from the list again.",
    )
}

/// The view of `owner`'s `user_sheet`: importable items grouped by block,
/// in sheet order. The next status is offered to the owner only.
fn view(
    caller: &Member,
    period: &Period,
    sheet: &CustomizeSheet,
    owner: &Member,
    user_sheet: &UserSheet,
) -> UserSheetView {
    let mut blocks: Vec<BlockView> = Vec::new();
    for item in sheet
        .items
        .iter()
        .filter_map(|item| item.importable.as_ref())
    {
        let (label, path) = match item.label.split_last() {
            Some((label, path)) => (
                label.clone(),
                path.iter()
                    .map(|block| {
                        if block.is_empty() {
                            sheetlink_engine::evaluation::UNNAMED_BLOCK
                        } else {
                            block.as_str()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" > "),
            ),
            None => (item.id.clone(), String::new()),
        };
        let value = ItemValue {
            id: item.id.clone(),
            label,
            item_type: ItemType::from(&item.kind),
            value: user_sheet.values.get(&item.id).cloned().unwrap_or_default(),
        };
        match blocks.last_mut() {
            Some(block) if block.caption == path => block.items.push(value),
            _ => blocks.push(BlockView {
                caption: path,
                items: vec![value],
            }),
        }
    }
    let own = caller.id == owner.id;
    UserSheetView {
        period: period.id.clone(),
        period_name: period.name.clone(),
        period_open: period.open,
        sheet: sheet.id.clone(),
        sheet_name: sheet.name.clone(),
        member: owner.id.clone(),
        member_name: owner.name.clone(),
        status: user_sheet.status.into(),
        next_status: (own && period.open)
            .then(|| user_sheet.status.next())
            .flatten()
            .map(Into::into),
        blocks,
    }
}

/// The caller's own sheets: every period, every published sheet they have
/// one of (open periods first, then by id).
pub fn mine(store: &impl Organisation, caller: &Caller) -> Result<Vec<UserSheetView>, AppError> {
    let mut periods = store.periods(&caller.tenant)?;
    periods.sort_by_key(|p| (!p.open, p.id.clone()));
    let sheets: Vec<CustomizeSheet> = store
        .sheets(&caller.tenant)?
        .into_iter()
        .filter(|s| s.published)
        .collect();
    let mut out = Vec::new();
    for period in &periods {
        for sheet in &sheets {
            if let Some(user_sheet) =
                store.user_sheet(&caller.tenant, &period.id, &sheet.id, &caller.member.id)?
            {
                out.push(view(
                    &caller.member,
                    period,
                    sheet,
                    &caller.member,
                    &user_sheet,
                ));
            }
        }
    }
    Ok(out)
}

fn period_and_sheet(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<(Period, CustomizeSheet), AppError> {
    let period = store.period(&caller.tenant, period)?.ok_or_else(no_sheet)?;
    let sheet = store
        .sheet(&caller.tenant, sheet)?
        .filter(|s| s.published)
        .ok_or_else(no_sheet)?;
    Ok((period, sheet))
}

/// `member`'s sheet, if the caller may read it (else 404, like one that does
/// not exist).
pub fn one(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
    member: &str,
) -> Result<UserSheetView, AppError> {
    let (period, sheet) = period_and_sheet(store, caller, period, sheet)?;
    let owner = store
        .member(&caller.tenant, member)?
        .filter(|owner| may_read_sheet(&caller.member, &period, owner))
        .ok_or_else(no_sheet)?;
    let user_sheet = store
        .user_sheet(&caller.tenant, &period.id, &sheet.id, &owner.id)?
        .ok_or_else(no_sheet)?;
    Ok(view(&caller.member, &period, &sheet, &owner, &user_sheet))
}

/// The sheets of (`period`, `sheet`) the caller may open besides their own:
/// a leader's members, or everyone's for an evaluation admin.
pub fn list(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<Vec<SheetSummary>, AppError> {
    let (period, sheet) = period_and_sheet(store, caller, period, sheet)?;
    let members: std::collections::HashMap<String, Member> = store
        .members(&caller.tenant)?
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    Ok(store
        .user_sheets(&caller.tenant, &period.id, &sheet.id)?
        .into_iter()
        .filter_map(|(id, user_sheet)| {
            let owner = members.get(&id)?;
            in_scope(&caller.member, &period, owner).then(|| SheetSummary {
                member: owner.id.clone(),
                member_name: owner.name.clone(),
                status: user_sheet.status.into(),
            })
        })
        .collect())
}

/// Moves the caller's own sheet from `from` to the next status, in an open
/// period; 409 when the sheet is no longer at `from` (a second press).
pub fn advance(
    store: &(impl Organisation + Evaluations),
    caller: &Caller,
    period: &str,
    sheet: &str,
    from: SheetStatusName,
) -> Result<UserSheetView, AppError> {
    let (period, sheet) = period_and_sheet(store, caller, period, sheet)?;
    if !period.open {
        return Err(AppError::conflict(
            "period_closed",
            "この評価期間は締め切られています。ステータスは変えられません。",
            "This period is closed: the status cannot change.",
        ));
    }
    let member = caller.member.id.clone();
    let moved = store.try_write_evaluations(&caller.tenant, true, |tx| {
        let Some(bytes) = tx.user_sheet(&period.id, &sheet.id, &member)? else {
            return Ok(Err(no_sheet()));
        };
        let mut user_sheet = UserSheet::decode(&bytes)
            .ok_or_else(|| AppError::internal(format!("corrupt user sheet of {member}")))?;
        let Some(next) = user_sheet.status.next() else {
            return Ok(Err(AppError::conflict(
                "sheet_final",
                "このシートは最終評価まで完了しています。",
                "This sheet has reached its final evaluation.",
            )));
        };
        if SheetStatusName::from(user_sheet.status) != from {
            return Ok(Err(AppError::conflict(
                "status_changed",
                "シートのステータスが変わっています。画面を読み込み直して確かめてください。",
                "The sheet's status has changed: reload to see it.",
            )));
        }
        let old = user_sheet.status;
        user_sheet.status = next;
        tx.put_user_sheet(&period.id, &sheet.id, &member, &user_sheet.encode())?;
        let mut entry = crate::accounts::audit_entry(
            caller,
            AuditAction::SheetStatusChanged,
            &format!("{}/{}/{member}", period.id, sheet.id),
            format!("{old:?} -> {next:?}"),
        );
        entry.target_name = format!(
            "{} ・ {} ・ {}",
            caller.member.name, sheet.name, period.name
        );
        tx.audit(&entry)?;
        Ok(Ok(user_sheet))
    })??;
    Ok(view(
        &caller.member,
        &period,
        &sheet,
        &caller.member,
        &moved,
    ))
}
