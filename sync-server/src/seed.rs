//! The demo tenant a fresh data directory starts with: three periods (one
//! closed), two published customize sheets and an unpublished one, nested
//! blocks (one unnamed), every importable item type plus an evaluation-entry
//! item, 200 members in several groups (some with an e-mail only), and
//! four accounts with known passwords: an admin (evaluation and CRM), a
//! group leader, a CRM admin only, and a plain member (e0001).

use std::collections::BTreeMap;

use sheetlink_engine::evaluation::{Item, ItemKind};

use crate::auth::hash_password;
use crate::error::AppError;
use crate::model::{
    CustomizeSheet, Group, LeaderScope, Member, Period, Roles, SheetItem, SheetStatus, UserSheet,
    WritePermission,
};
use crate::store::{Seeding, TenantSeed};

/// The demo tenant's id.
pub const DEMO_TENANT: &str = "demo";
/// The demo tenant's name.
pub const DEMO_TENANT_NAME: &str = "デモ株式会社";
/// Login id and password of the demo admin (evaluation and CRM).
pub const DEMO_ADMIN: (&str, &str) = ("admin", "admin-demo-2026");
/// Login id and password of the demo group leader (営業部, 2026年度上期).
pub const DEMO_LEADER: (&str, &str) = ("leader", "leader-demo-2026");
/// Login id and password of the demo CRM admin (batch linkage only).
pub const DEMO_CRM_ADMIN: (&str, &str) = ("crm", "crm-demo-2026");
/// Login id and password of a plain demo member (e0001, 佐藤 太郎's sheets).
pub const DEMO_MEMBER: (&str, &str) = ("member", "member-demo-2026");
/// Number of demo evaluatees.
pub const DEMO_MEMBERS: usize = 200;

/// Seeds the demo tenant into an empty store (no member, no login);
/// returns whether it did.
pub fn seed_demo(store: &impl Seeding) -> Result<bool, AppError> {
    seed_demo_with(store, DEMO_MEMBERS)
}

/// [`seed_demo`] with `evaluatees` members instead of 200 (for load and
/// crash tests).
pub fn seed_demo_with(store: &impl Seeding, evaluatees: usize) -> Result<bool, AppError> {
    // Only into an empty store (the store checks, in the seed's own
    // transaction): the demo's published passwords must never land beside
    // real accounts, nor take over a login id.
    store.seed_if_empty(&demo_tenant(evaluatees)?)
}

/// Everything of the demo tenant.
pub fn demo_tenant(evaluatees: usize) -> Result<TenantSeed, AppError> {
    let periods = periods();
    let sheets = sheets();
    let members = members(evaluatees)?;
    let mut user_sheets = Vec::new();
    for (index, member) in members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.roles == Roles::default())
    {
        for period in &periods {
            for sheet in sheets.iter().filter(|s| s.published) {
                user_sheets.push((
                    period.id.clone(),
                    sheet.id.clone(),
                    member.id.clone(),
                    user_sheet(index, sheet),
                ));
            }
        }
    }
    let mut seed = TenantSeed {
        tenant: DEMO_TENANT.to_owned(),
        name: DEMO_TENANT_NAME.to_owned(),
        groups: groups(),
        periods,
        sheets,
        members,
        user_sheets,
        ..TenantSeed::default()
    };
    crate::linkage::seed::seed_crm(&mut seed);
    Ok(seed)
}

fn groups() -> Vec<Group> {
    [
        ("sales", "営業部"),
        ("dev", "開発部"),
        ("corporate", "管理部"),
        ("tokyo", "東京支社"),
        ("osaka", "大阪支社"),
    ]
    .into_iter()
    .map(|(id, name)| Group {
        id: id.into(),
        name: name.into(),
    })
    .collect()
}

fn periods() -> Vec<Period> {
    [
        ("2025-h2", "2025年度下期", false),
        ("2026-h1", "2026年度上期", true),
        ("2026-h2", "2026年度下期", true),
    ]
    .into_iter()
    .map(|(id, name, open)| Period {
        id: id.into(),
        name: name.into(),
        open,
    })
    .collect()
}

fn item(id: &str, label: &[&str], kind: ItemKind, write: WritePermission) -> SheetItem {
    SheetItem {
        importable: Some(Item {
            id: id.into(),
            label: label.iter().map(|s| s.to_string()).collect(),
            kind,
        }),
        entry_id: None,
        entry_label: Vec::new(),
        write,
    }
}

fn sheets() -> Vec<CustomizeSheet> {
    use SheetStatus::*;
    let leader_and_admin = || WritePermission {
        admin: vec![NotStarted, SelfEvaluated, FirstEvaluated, FinalEvaluated],
        leader: vec![NotStarted, SelfEvaluated, FirstEvaluated],
    };
    // As in the reference manual's example: admins may write this item only
    // once the final evaluation is done.
    let admin_after_final = WritePermission {
        admin: vec![FinalEvaluated],
        leader: vec![],
    };
    let grades = || ItemKind::Dropdown {
        options: ["S", "A", "B", "C", "D"].map(String::from).to_vec(),
    };
    let performance = CustomizeSheet {
        id: "performance".into(),
        name: "業績評価シート".into(),
        published: true,
        blocks: Vec::new(),
        items: vec![
            item(
                "score_total",
                &["業績評価", "", "総合点"],
                ItemKind::Number {
                    min: Some(0.0),
                    max: Some(100.0),
                },
                leader_and_admin(),
            ),
            item(
                "goal1_rate",
                &["業績評価", "目標1", "達成率(%)"],
                ItemKind::Number {
                    min: Some(0.0),
                    max: Some(200.0),
                },
                leader_and_admin(),
            ),
            item(
                "goal1_comment",
                &["業績評価", "目標1", "所見"],
                ItemKind::Text { max_len: Some(400) },
                leader_and_admin(),
            ),
            item("grade", &["総合評価", "評語"], grades(), leader_and_admin()),
            item(
                "calibrated",
                &["総合評価", "調整済み"],
                ItemKind::Checkbox,
                admin_after_final,
            ),
            item(
                "training_done",
                &["確認事項", "研修受講済み"],
                ItemKind::Checkbox,
                leader_and_admin(),
            ),
            SheetItem {
                importable: None,
                entry_id: Some("evaluator_entry".into()),
                entry_label: Vec::new(),
                write: leader_and_admin(),
            },
        ],
    };
    let competency = CustomizeSheet {
        id: "competency".into(),
        name: "コンピテンシー評価シート".into(),
        published: true,
        blocks: Vec::new(),
        items: vec![
            item(
                "teamwork",
                &["行動評価", "チームワーク"],
                grades(),
                leader_and_admin(),
            ),
            item(
                "initiative",
                &["行動評価", "主体性"],
                grades(),
                leader_and_admin(),
            ),
            item(
                "comment",
                &["行動評価", "", "コメント"],
                ItemKind::Text { max_len: None },
                leader_and_admin(),
            ),
        ],
    };
    let draft = CustomizeSheet {
        id: "survey-360".into(),
        name: "360度評価(準備中)".into(),
        published: false,
        blocks: Vec::new(),
        items: vec![item(
            "peer_score",
            &["360度", "評点"],
            ItemKind::Number {
                min: Some(1.0),
                max: Some(5.0),
            },
            leader_and_admin(),
        )],
    };
    vec![performance, competency, draft]
}

const FAMILY: [&str; 10] = [
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
];
const GIVEN: [&str; 10] = [
    "太郎",
    "花子",
    "翔",
    "美咲",
    "健太",
    "由美",
    "大輔",
    "さくら",
    "拓也",
    "陽菜",
];

fn members(count: usize) -> Result<Vec<Member>, AppError> {
    let group_of = ["sales", "sales", "dev", "dev", "corporate"];
    let office_of = ["tokyo", "osaka"];
    let mut members: Vec<Member> = (0..count)
        .map(|i| {
            let number = format!("E{:04}", i + 1);
            let id = number.to_lowercase();
            // Every tenth member has no employee number: the e-mail is the key.
            let email_only = i % 10 == 9;
            Member {
                name: format!("{} {}", FAMILY[i % 10], GIVEN[(i / 10) % 10]),
                employee_number: (!email_only).then_some(number),
                email: Some(format!("member{:04}@example.co.jp", i + 1)),
                groups: vec![group_of[i % 5].into(), office_of[(i / 5) % 2].into()],
                ..Member::new(&id, "")
            }
        })
        .collect();
    if let Some(first) = members.first_mut() {
        first.login_id = Some(DEMO_MEMBER.0.into());
        first.password_hash = Some(hash_password(DEMO_MEMBER.1)?);
    }
    members.push(Member {
        id: "admin".into(),
        login_id: Some(DEMO_ADMIN.0.into()),
        name: "人事 管理者".into(),
        employee_number: Some("A0001".into()),
        email: Some("hr-admin@example.co.jp".into()),
        groups: vec!["corporate".into()],
        roles: Roles {
            evaluation_admin: true,
            crm_admin: true,
            leader: None,
        },
        password_hash: Some(hash_password(DEMO_ADMIN.1)?),
        ..Member::new("admin", "")
    });
    members.push(Member {
        login_id: Some(DEMO_CRM_ADMIN.0.into()),
        name: "営業企画 CRM管理者".into(),
        employee_number: Some("C0001".into()),
        email: Some("crm-admin@example.co.jp".into()),
        groups: vec!["corporate".into()],
        roles: Roles {
            crm_admin: true,
            ..Roles::default()
        },
        password_hash: Some(hash_password(DEMO_CRM_ADMIN.1)?),
        ..Member::new("crm", "")
    });
    members.push(Member {
        id: "leader".into(),
        login_id: Some(DEMO_LEADER.0.into()),
        name: "営業 リーダー".into(),
        employee_number: Some("L0001".into()),
        email: Some("sales-leader@example.co.jp".into()),
        groups: vec!["sales".into()],
        roles: Roles {
            leader: Some(LeaderScope {
                groups: vec!["sales".into()],
                periods: vec!["2026-h1".into()],
            }),
            ..Roles::default()
        },
        password_hash: Some(hash_password(DEMO_LEADER.1)?),
        ..Member::new("leader", "")
    });
    Ok(members)
}

fn user_sheet(index: usize, sheet: &CustomizeSheet) -> UserSheet {
    use SheetStatus::*;
    let status = [NotStarted, SelfEvaluated, FirstEvaluated, FinalEvaluated][index % 4];
    let mut values = BTreeMap::new();
    for item in &sheet.items {
        let Some(kind) = item.kind() else { continue };
        let value = match kind {
            ItemKind::Number { .. } if !index.is_multiple_of(3) => {
                // Stored values are canonical (as an import would store
                // them), so re-importing an untouched template changes nothing.
                let tenths = (50 + index % 50) as i64 * 100 + (index % 10) as i64 * 10;
                Some(sheetlink_engine::Hundredths(tenths).to_string())
            }
            ItemKind::Dropdown { options } if !index.is_multiple_of(4) => {
                options.get(index % options.len()).cloned()
            }
            ItemKind::Checkbox => Some(if index.is_multiple_of(2) { "1" } else { "0" }.to_owned()),
            ItemKind::Text { .. } if index.is_multiple_of(5) => {
                Some("目標を上回る成果。\n来期は後輩の育成にも期待。".to_owned())
            }
            _ => None,
        };
        if let Some(value) = value {
            values.insert(item.id().to_owned(), value);
        }
    }
    UserSheet { status, values }
}
