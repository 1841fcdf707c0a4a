//! Who may do what. Pure functions over the model, so every rule is checked
//! here, on the server, and unit-tested without HTTP.
//!
//! The roles (a person may hold several; everyone is a member):
//! - 評価管理者 (`evaluation_admin`): every period, sheet and member of
//!   evaluations, and the accounts — members, their roles, set-up links.
//! - CRM管理者 (`crm_admin`): batch linkage only — settings, token,
//!   conditions, records, runs. Nothing of evaluations.
//! - グループリーダー (`leader`): imports into the members of their groups,
//!   in their periods; reads those members' sheets.
//! - メンバー: the import history list, their own sheets, and moving their
//!   own sheet to its next status.

use crate::model::{CustomizeSheet, Member, Period, SheetItem, SheetStatus};

/// Whether the caller may import at all (evaluation admins and group
/// leaders).
pub fn may_import(caller: &Member) -> bool {
    caller.is_evaluation_admin() || caller.leads().is_some()
}

/// Whether the caller manages accounts (evaluation admins).
pub fn may_manage_accounts(caller: &Member) -> bool {
    caller.is_evaluation_admin()
}

/// Whether the caller sets up the organisation: periods, groups, sheets,
/// evaluatees, members in bulk (evaluation admins).
pub fn may_manage_organisation(caller: &Member) -> bool {
    caller.is_evaluation_admin()
}

/// Whether the caller manages batch linkage (CRM admins).
pub fn may_manage_linkage(caller: &Member) -> bool {
    caller.is_crm_admin()
}

/// Whether the caller reads the audit log (either kind of admin; a CRM
/// admin reads only its linkage entries, see [`may_read_audit_entry`]).
pub fn may_read_audit(caller: &Member) -> bool {
    caller.is_evaluation_admin() || caller.is_crm_admin()
}

/// Whether the caller reads this audit entry.
pub fn may_read_audit_entry(
    caller: &Member,
    action: sheetlink_protocol::accounts::AuditAction,
) -> bool {
    caller.is_evaluation_admin() || (caller.is_crm_admin() && action.is_linkage())
}

/// Whether the caller may pick this period: evaluation admins any, leaders
/// theirs.
pub fn may_see_period(caller: &Member, period: &Period) -> bool {
    caller.is_evaluation_admin()
        || caller
            .leads()
            .is_some_and(|scope| scope.periods.contains(&period.id))
}

/// Whether the caller leads `evaluatee` in `period`.
fn leads(caller: &Member, period: &Period, evaluatee: &Member) -> bool {
    caller.leads().is_some_and(|scope| {
        scope.periods.contains(&period.id)
            && evaluatee
                .groups
                .iter()
                .any(|group| scope.groups.contains(group))
    })
}

/// Whether the caller may write `item` of `evaluatee`'s sheet in `status`,
/// by one role: as evaluation admin in the admin's statuses, or as their
/// group leader in the leader's statuses. A person with both roles never
/// mixes one role's reach with the other's statuses.
fn may_write_item(
    caller: &Member,
    period: &Period,
    evaluatee: &Member,
    item: &SheetItem,
    status: SheetStatus,
) -> bool {
    (caller.is_evaluation_admin() && item.write.admin.contains(&status))
        || (leads(caller, period, evaluatee) && item.write.leader.contains(&status))
}

/// Whether the caller's roles may write `item` in some status.
fn may_ever_write(caller: &Member, item: &SheetItem) -> bool {
    (caller.is_evaluation_admin() && !item.write.admin.is_empty())
        || (caller.leads().is_some() && !item.write.leader.is_empty())
}

/// The importable items of a sheet the caller's roles may write in some
/// status.
pub fn writable_items<'s>(caller: &Member, sheet: &'s CustomizeSheet) -> Vec<&'s SheetItem> {
    sheet
        .items
        .iter()
        .filter(|item| item.importable.is_some() && may_ever_write(caller, item))
        .collect()
}

/// Whether the caller may write every one of `items` on `evaluatee`'s sheet:
/// the evaluatee is in the caller's scope (admins everyone; leaders members of
/// their groups, in their periods) and each item is writable in the sheet's
/// current status. A template lists exactly these evaluatees, so that
/// importing it back never meets a cell the caller may not write.
pub fn may_write(
    caller: &Member,
    period: &Period,
    evaluatee: &Member,
    status: SheetStatus,
    items: &[&SheetItem],
) -> bool {
    in_scope(caller, period, evaluatee)
        && items
            .iter()
            .all(|item| may_write_item(caller, period, evaluatee, item, status))
}

/// Whether `evaluatee` is in the caller's scope in `period`: evaluation
/// admins everyone; leaders members of their groups, in their periods.
/// Outside it, an evaluatee must look exactly like one that does not exist.
pub fn in_scope(caller: &Member, period: &Period, evaluatee: &Member) -> bool {
    caller.is_evaluation_admin() || leads(caller, period, evaluatee)
}

/// Whether the caller may read `owner`'s sheet in `period` (read-only):
/// their own, or anyone in their scope.
pub fn may_read_sheet(caller: &Member, period: &Period, owner: &Member) -> bool {
    caller.id == owner.id || in_scope(caller, period, owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LeaderScope, Roles, WritePermission};
    use sheetlink_engine::evaluation::{Item, ItemKind};

    fn member(id: &str, roles: Roles, groups: &[&str]) -> Member {
        Member {
            employee_number: Some(id.into()),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            roles,
            ..Member::new(id, id)
        }
    }

    fn admin() -> Roles {
        Roles {
            evaluation_admin: true,
            ..Roles::default()
        }
    }

    fn leader_of(groups: &[&str], periods: &[&str]) -> Roles {
        Roles {
            leader: Some(LeaderScope {
                groups: groups.iter().map(|g| g.to_string()).collect(),
                periods: periods.iter().map(|p| p.to_string()).collect(),
            }),
            ..Roles::default()
        }
    }

    fn item(admin: &[SheetStatus], leader: &[SheetStatus]) -> SheetItem {
        SheetItem {
            importable: Some(Item {
                id: "i".into(),
                label: vec![],
                kind: ItemKind::Checkbox,
            }),
            entry_id: None,
            entry_label: Vec::new(),
            write: WritePermission {
                admin: admin.to_vec(),
                leader: leader.to_vec(),
            },
        }
    }

    #[test]
    fn scope_and_status_decide_who_may_be_written() {
        use SheetStatus::*;
        let admin = member("admin", admin(), &[]);
        let leader = member("leader", leader_of(&["sales"], &["p1"]), &[]);
        let plain = member("plain", Roles::default(), &["sales"]);
        let crm = member(
            "crm",
            Roles {
                crm_admin: true,
                ..Roles::default()
            },
            &[],
        );
        let both = member(
            "both",
            Roles {
                evaluation_admin: true,
                ..leader_of(&["sales"], &["p1"])
            },
            &[],
        );
        let in_sales = member("E1", Roles::default(), &["sales", "tokyo"]);
        let in_dev = member("E2", Roles::default(), &["dev"]);
        let p1 = Period {
            id: "p1".into(),
            name: "p1".into(),
            open: true,
        };
        let p2 = Period {
            id: "p2".into(),
            name: "p2".into(),
            open: true,
        };
        let sheet = |status| status;
        // The reference's example: admins may write only after the final evaluation.
        let after_final = item(&[FinalEvaluated], &[NotStarted, SelfEvaluated]);
        let cases = [
            (&admin, &p1, &in_sales, FinalEvaluated, true),
            (&admin, &p1, &in_sales, NotStarted, false),
            (&admin, &p2, &in_dev, FinalEvaluated, true),
            (&leader, &p1, &in_sales, NotStarted, true),
            (&leader, &p1, &in_sales, FinalEvaluated, false),
            (&leader, &p1, &in_dev, NotStarted, false),
            (&leader, &p2, &in_sales, NotStarted, false),
            (&plain, &p1, &in_sales, NotStarted, false),
            (&crm, &p1, &in_sales, FinalEvaluated, false),
            (&crm, &p1, &in_sales, NotStarted, false),
            // Both roles: the admin's reach and either role's statuses.
            (&both, &p2, &in_dev, FinalEvaluated, true),
            (&both, &p1, &in_sales, NotStarted, true),
            (&both, &p2, &in_dev, NotStarted, false),
        ];
        for (index, (caller, period, evaluatee, status, expected)) in cases.into_iter().enumerate()
        {
            let items = [&after_final];
            assert_eq!(
                may_write(caller, period, evaluatee, sheet(status), &items),
                expected,
                "case {index}"
            );
        }
        assert!(
            may_see_period(&leader, &p1)
                && !may_see_period(&leader, &p2)
                && may_see_period(&admin, &p2)
        );
        assert!(!may_import(&plain) && may_import(&leader) && !may_import(&crm));
        assert!(may_manage_linkage(&crm) && !may_manage_linkage(&admin));
        assert!(may_manage_accounts(&admin) && !may_manage_accounts(&crm));
        assert!(may_manage_organisation(&admin) && !may_manage_organisation(&crm));
        assert!(!may_manage_accounts(&leader) && !may_manage_accounts(&plain));
        assert!(may_read_sheet(&plain, &p1, &plain) && !may_read_sheet(&plain, &p1, &in_sales));
        assert!(may_read_sheet(&leader, &p1, &in_sales) && !may_read_sheet(&crm, &p1, &in_sales));
        use sheetlink_protocol::accounts::AuditAction;
        assert!(may_read_audit_entry(&crm, AuditAction::TokenIssued));
        assert!(!may_read_audit_entry(&crm, AuditAction::RolesChanged));
        assert!(may_read_audit_entry(&admin, AuditAction::TokenIssued));
        assert!(!may_read_audit(&leader));
    }
}
