//! Who may do what. Pure functions over the model, so every rule is checked
//! here, on the server, and unit-tested without HTTP.

use crate::model::{CustomizeSheet, Member, Period, Role, SheetItem, SheetStatus};

/// Whether the caller may import at all (admins and group leaders).
pub fn may_import(caller: &Member) -> bool {
    matches!(caller.role, Role::Admin | Role::Leader { .. })
}

/// Whether the caller may pick this period: admins any, leaders theirs.
pub fn may_see_period(caller: &Member, period: &Period) -> bool {
    match &caller.role {
        Role::Admin => true,
        Role::Leader { periods, .. } => periods.contains(&period.id),
        Role::Member => false,
    }
}

/// The statuses in which the caller's role may write `item`.
fn writable_statuses<'i>(caller: &Member, item: &'i SheetItem) -> &'i [SheetStatus] {
    match caller.role {
        Role::Admin => &item.write.admin,
        Role::Leader { .. } => &item.write.leader,
        Role::Member => &[],
    }
}

/// The importable items of a sheet the caller's role may write in some status.
pub fn writable_items<'s>(caller: &Member, sheet: &'s CustomizeSheet) -> Vec<&'s SheetItem> {
    sheet
        .items
        .iter()
        .filter(|item| item.importable.is_some() && !writable_statuses(caller, item).is_empty())
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
    in_scope(caller, period, evaluatee) && may_write_in(caller, status, items)
}

/// Whether `evaluatee` is in the caller's scope in `period`: admins
/// everyone; leaders members of their groups, in their periods. Outside it,
/// an evaluatee must look exactly like one that does not exist.
pub fn in_scope(caller: &Member, period: &Period, evaluatee: &Member) -> bool {
    match &caller.role {
        Role::Admin => true,
        Role::Leader { groups, periods } => {
            periods.contains(&period.id)
                && evaluatee.groups.iter().any(|group| groups.contains(group))
        }
        Role::Member => false,
    }
}

/// Whether the caller's role may write each of `items` in sheet `status`.
pub fn may_write_in(caller: &Member, status: SheetStatus, items: &[&SheetItem]) -> bool {
    items
        .iter()
        .all(|item| writable_statuses(caller, item).contains(&status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WritePermission;
    use sheetlink_engine::evaluation::{Item, ItemKind};

    fn member(id: &str, role: Role, groups: &[&str]) -> Member {
        Member {
            id: id.into(),
            login_id: None,
            name: id.into(),
            employee_number: Some(id.into()),
            email: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            role,
            password_hash: None,
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
            write: WritePermission {
                admin: admin.to_vec(),
                leader: leader.to_vec(),
            },
        }
    }

    #[test]
    fn scope_and_status_decide_who_may_be_written() {
        use SheetStatus::*;
        let admin = member("admin", Role::Admin, &[]);
        let leader = member(
            "leader",
            Role::Leader {
                groups: vec!["sales".into()],
                periods: vec!["p1".into()],
            },
            &[],
        );
        let plain = member("plain", Role::Member, &["sales"]);
        let in_sales = member("E1", Role::Member, &["sales", "tokyo"]);
        let in_dev = member("E2", Role::Member, &["dev"]);
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
        assert!(!may_import(&plain) && may_import(&leader));
    }
}
