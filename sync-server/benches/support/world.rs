//! The benchmarks' evaluation world: a tenant `t` with an admin, a period and
//! a sheet of `ITEMS` items, and `EVALUATEES` members with empty sheets
//! (included with `#[path]` by the benches that need it).
#![allow(dead_code)]

use std::collections::BTreeMap;

use sheetlink_engine::evaluation::sample;
use sheetlink_server::Store;
use sheetlink_server::auth::Caller;
use sheetlink_server::imports::{ImportRecord, ImportStatus};
use sheetlink_server::model::{
    CustomizeSheet, Member, Period, Roles, SheetItem, SheetStatus, UserSheet, WritePermission,
};
use sheetlink_server::store::tables::{MEMBERS, PERIODS, SHEETS, USER_SHEETS};
use sheetlink_server::store::to_json;

pub(crate) const ITEMS: usize = 1000;
pub(crate) const EVALUATEES: usize = 10_000;

pub(crate) struct World {
    pub(crate) store: Store,
    pub(crate) dir: std::path::PathBuf,
    pub(crate) caller: Caller,
    pub(crate) period: Period,
    pub(crate) sheet: CustomizeSheet,
}

pub(crate) fn world(name: &str) -> World {
    let dir = std::env::temp_dir().join(format!("sheetlink-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    world_in(store, dir)
}

/// The world in an opened store (beside whatever it holds).
pub(crate) fn world_in(store: Store, dir: std::path::PathBuf) -> World {
    // The tenant `t` has its record, as every tenant does (format 4).
    store.with_db(|db| {
        let tenant = sheetlink_server::model::Tenant {
            id: "t".into(),
            name: "bench".into(),
            created_at: 0,
            disabled_at: None,
        };
        sheetlink_server::store::put_json(
            db,
            sheetlink_server::store::tables::TENANTS,
            "t",
            &tenant,
        )
        .expect("the tenant");
    });
    let schema = sample::sheet_schema(ITEMS, EVALUATEES);
    let all = vec![
        SheetStatus::NotStarted,
        SheetStatus::SelfEvaluated,
        SheetStatus::FirstEvaluated,
        SheetStatus::FinalEvaluated,
    ];
    let sheet = CustomizeSheet {
        id: schema.sheet.clone(),
        name: "bench".into(),
        published: true,
        blocks: Vec::new(),
        items: schema
            .items
            .iter()
            .map(|item| SheetItem {
                importable: Some(item.clone()),
                entry_id: None,
                entry_label: Vec::new(),
                write: WritePermission {
                    admin: all.clone(),
                    leader: vec![],
                },
            })
            .collect(),
    };
    let period = Period {
        id: schema.period.clone(),
        name: "bench".into(),
        open: true,
    };
    let admin = Member {
        employee_number: Some("A1".into()),
        roles: Roles {
            evaluation_admin: true,
            ..Roles::default()
        },
        ..Member::new("admin", "admin")
    };
    store.with_db(|db| {
        let write = db.begin_write().expect("write");
        {
            let mut members = write.open_table(MEMBERS).expect("table");
            let mut sheets = write.open_table(USER_SHEETS).expect("table");
            for index in 0..EVALUATEES {
                let key = sample::evaluatee_key(index);
                let (employee_number, email) = if key.contains('@') {
                    (None, Some(key))
                } else {
                    (Some(key), None)
                };
                let member = Member {
                    employee_number,
                    email,
                    ..Member::new(&format!("m{index:05}"), &format!("m{index}"))
                };
                members
                    .insert(
                        format!("t/{}", member.id).as_str(),
                        to_json(&member).expect("json").as_slice(),
                    )
                    .expect("insert");
                let user_sheet = UserSheet {
                    status: SheetStatus::FirstEvaluated,
                    values: BTreeMap::new(),
                };
                let key = format!("t/{}/{}/{}", period.id, sheet.id, member.id);
                sheets
                    .insert(key.as_str(), user_sheet.encode().as_slice())
                    .expect("insert");
            }
            members
                .insert("t/admin", to_json(&admin).expect("json").as_slice())
                .expect("insert");
            let mut periods = write.open_table(PERIODS).expect("table");
            periods
                .insert(
                    format!("t/{}", period.id).as_str(),
                    to_json(&period).expect("json").as_slice(),
                )
                .expect("insert");
            let mut sheets = write.open_table(SHEETS).expect("table");
            sheets
                .insert(
                    format!("t/{}", sheet.id).as_str(),
                    to_json(&sheet).expect("json").as_slice(),
                )
                .expect("insert");
        }
        write.commit().expect("commit");
    });
    World {
        store,
        dir,
        caller: Caller {
            tenant: "t".into(),
            member: admin,
        },
        period,
        sheet,
    }
}

pub(crate) fn record(world: &World, id: &str) -> ImportRecord {
    ImportRecord {
        id: id.into(),
        period: world.period.id.clone(),
        sheet: world.sheet.id.clone(),
        operator: "admin".into(),
        operator_name: "admin".into(),
        started_at: 0,
        ended_at: None,
        status: ImportStatus::Running,
        counts: Default::default(),
        error_totals: Default::default(),
        errors_truncated: false,
        reverted_at: None,
        items: vec![],
        cells: Default::default(),
        file_name: None,
        stopped_by: None,
    }
}
