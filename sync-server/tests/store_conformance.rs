//! The storage seam's conformance suite: each operation exercised directly,
//! with the guarantees it promises, as a generic function over the trait —
//! so that a second backend (PostgreSQL) is held to the very same tests by
//! adding one line per suite. Every suite runs against redb here.

use std::collections::BTreeMap;

use sheetlink_engine::linkage::{SheetRecord, crm_catalog};
use sheetlink_server::Store;
use sheetlink_server::idempotency::Remembered;
use sheetlink_server::imports::{ImportRecord, ImportStatus, Progress};
use sheetlink_server::linkage::mail::Mail;
use sheetlink_server::linkage::{
    Counts, Direction, LinkageRun, Outcome, RowRecord, Run, RunKind, RunStatus, Settings,
    StoredExportCondition, StoredImportCondition, TimelinePost,
};
use sheetlink_server::model::{
    CustomizeSheet, Group, Member, Period, Roles, Session, SheetStatus, UserSheet,
};
use sheetlink_server::notice::{Note, Notice};
use sheetlink_server::store::{
    Accounts, Change, Directory, Evaluations, Idempotency, Linkage, MailQueue, Organisation,
    OrganisationEdits, Records, Retention, RetentionPolicy, RunClaim, Saved, Seeding, Sessions,
    Taken, TenantSeed,
};

/// An audit entry of `actor` doing `action` to `target`, at time 1.
fn audit_by(
    actor: &str,
    action: sheetlink_protocol::accounts::AuditAction,
    target: &str,
) -> sheetlink_protocol::accounts::AuditEntry {
    sheetlink_protocol::accounts::AuditEntry {
        at: 1,
        actor: actor.into(),
        actor_name: actor.into(),
        action,
        target: target.into(),
        target_name: String::new(),
        roles: None,
        status: None,
        switched_on: None,
        count: None,
        members: None,
        detail: String::new(),
    }
}

/// A fresh, empty redb store in a directory of its own.
fn fresh(name: &str) -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "sheetlink-conformance-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    (Store::open(&dir).expect("opens"), dir)
}

fn session(member: &str, expires_at: u64) -> Session {
    Session {
        tenant: "t".into(),
        member: member.into(),
        expires_at,
        access: 0,
    }
}

/// What any [`Sessions`] backend must do.
async fn sessions_conform(sessions: &impl Sessions) {
    let now = 1_000;
    assert_eq!(
        sessions.find("missing".into(), now).await.expect("finds"),
        None
    );

    sessions
        .open("a".into(), session("m1", now + 60))
        .await
        .expect("opens");
    assert_eq!(
        sessions.find("a".into(), now).await.expect("finds"),
        Some(session("m1", now + 60))
    );
    // Expired at its expiry second, not one later.
    assert_eq!(
        sessions.find("a".into(), now + 60).await.expect("finds"),
        None
    );

    // The same key again replaces the session.
    sessions
        .open("a".into(), session("m2", now + 120))
        .await
        .expect("opens");
    assert_eq!(
        sessions
            .find("a".into(), now)
            .await
            .expect("finds")
            .map(|s| s.member),
        Some("m2".to_owned())
    );

    // Closing ends it; closing what is not there is no error.
    sessions.close("a".into()).await.expect("closes");
    assert_eq!(sessions.find("a".into(), now).await.expect("finds"), None);
    sessions.close("a".into()).await.expect("closes nothing");

    // Purging removes exactly the expired ones.
    for (key, expires) in [("old1", now - 1), ("old2", now), ("live", now + 1)] {
        sessions
            .open(key.into(), session(key, expires))
            .await
            .expect("opens");
    }
    assert_eq!(sessions.purge_expired(now).await.expect("purges"), 2);
    assert_eq!(sessions.purge_expired(now).await.expect("purges"), 0);
    assert!(
        sessions
            .find("live".into(), now)
            .await
            .expect("finds")
            .is_some()
    );

    // Many sessions: every one is kept.
    for i in 0..20 {
        sessions
            .open(format!("c{i}"), session("many", now + 60))
            .await
            .expect("opens");
    }
    for i in 0..20 {
        assert!(
            sessions
                .find(format!("c{i}"), now)
                .await
                .expect("finds")
                .is_some()
        );
    }
}

#[tokio::test]
async fn redb_sessions_conform() {
    let dir = std::env::temp_dir().join(format!("sheetlink-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    sessions_conform(&store.sessions()).await;
    // Durable: a store opened again on the directory sees them.
    drop(store);
    let again = Store::open(&dir).expect("opens again");
    assert!(
        again
            .sessions()
            .find("live".into(), 1_000)
            .await
            .expect("finds")
            .is_some()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any [`Directory`] backend must do, over the demo tenant.
async fn directory_conforms(directory: &impl Directory) {
    use sheetlink_server::seed::{DEMO_ADMIN, DEMO_TENANT};
    let (tenant, admin) = directory
        .by_login(None, DEMO_ADMIN.0.into())
        .await
        .expect("finds")
        .expect("the demo admin (the only tenant)");
    assert_eq!(tenant, DEMO_TENANT);
    assert!(admin.password_hash.is_some());
    for (named, login) in [(Some("demo"), "ADMIN"), (None, "admin@demo")] {
        let found = directory
            .by_login(named.map(str::to_owned), login.into())
            .await
            .expect("finds");
        assert_eq!(found.map(|(_, m)| m.id), Some(admin.id.clone()), "{login}");
    }
    assert_eq!(
        directory
            .by_login(None, "nobody".into())
            .await
            .expect("finds"),
        None
    );
    assert_eq!(
        directory
            .by_login(Some("other".into()), DEMO_ADMIN.0.into())
            .await
            .expect("finds"),
        None,
        "a login belongs to one tenant"
    );
    let again = directory
        .signed_in(tenant.clone(), admin.id.clone(), admin.access)
        .await
        .expect("finds")
        .expect("the same member");
    assert_eq!(again, admin);
    assert_eq!(
        directory
            .signed_in(tenant.clone(), admin.id.clone(), admin.access + 1)
            .await
            .expect("finds"),
        None,
        "a session of another access is over"
    );
    assert_eq!(
        directory
            .signed_in("another-tenant".into(), admin.id.clone(), admin.access)
            .await
            .expect("finds"),
        None,
        "a member belongs to one tenant"
    );
}

#[tokio::test]
async fn redb_directory_conforms() {
    let dir =
        std::env::temp_dir().join(format!("sheetlink-conformance-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    sheetlink_server::seed::seed_demo(&store).expect("seeds");
    directory_conforms(&store.directory()).await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn member(id: &str, login: Option<&str>) -> Member {
    Member {
        id: id.into(),
        login_id: login.map(str::to_owned),
        name: format!("name of {id}"),
        employee_number: Some(format!("E-{id}")),
        email: None,
        groups: vec!["g1".into()],
        roles: Roles {
            evaluation_admin: login.is_some(),
            ..Roles::default()
        },
        ..Member::new(id, "")
    }
}

fn user_sheet(value: &str) -> UserSheet {
    UserSheet {
        status: SheetStatus::NotStarted,
        values: BTreeMap::from([("score".to_owned(), value.to_owned())]),
    }
}

/// A small tenant: two periods, a sheet, an admin who signs in and two
/// members with sheets in `p1`.
fn small_tenant(tenant: &str, login: &str) -> TenantSeed {
    let customer = crm_catalog().sheet("customer").expect("customers").clone();
    let record = |id: &str| {
        let mut values = vec![None; customer.fields.len()];
        values[0] = Some(id.to_owned());
        (
            customer.id.clone(),
            SheetRecord {
                id: id.into(),
                values,
            },
        )
    };
    TenantSeed {
        tenant: tenant.into(),
        name: format!("{tenant} Inc."),
        groups: vec![Group {
            id: "g1".into(),
            name: "営業部".into(),
        }],
        periods: ["p2", "p1"]
            .map(|id| Period {
                id: id.into(),
                name: format!("period {id}"),
                open: true,
            })
            .to_vec(),
        sheets: vec![CustomizeSheet {
            id: "s1".into(),
            name: "sheet".into(),
            published: true,
            blocks: Vec::new(),
            items: Vec::new(),
        }],
        members: vec![
            member("boss", Some(login)),
            member("m2", None),
            member("m1", None),
        ],
        user_sheets: vec![
            ("p1".into(), "s1".into(), "m2".into(), user_sheet("two")),
            ("p1".into(), "s1".into(), "m1".into(), user_sheet("one")),
        ],
        records: vec![record("C000002"), record("C000001")],
        last_numbers: vec![("customer".into(), 7)],
        linkage: Settings {
            enabled: true,
            ..Settings::default()
        },
        import_conditions: Vec::new(),
        export_conditions: Vec::new(),
    }
}

/// What any [`Seeding`] backend must do, seen through [`Organisation`] and
/// [`Linkage`]: a tenant written whole, only into an empty store.
fn seeding_conforms(store: &(impl Seeding + Organisation + Linkage)) {
    assert!(
        store
            .seed_if_empty(&small_tenant("acme", "admin"))
            .expect("seeds")
    );
    // Reads, in id order, one tenant only.
    let periods: Vec<String> = store
        .periods("acme")
        .expect("reads")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(periods, ["p1", "p2"]);
    assert_eq!(
        store.period("acme", "p2").expect("reads").map(|p| p.name),
        Some("period p2".into())
    );
    assert_eq!(store.period("other", "p2").expect("reads"), None);
    assert_eq!(store.sheets("acme").expect("reads").len(), 1);
    assert!(
        store
            .sheet("acme", "s1")
            .expect("reads")
            .is_some_and(|s| s.published)
    );
    let members: Vec<String> = store
        .members("acme")
        .expect("reads")
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(members, ["boss", "m1", "m2"]);
    assert_eq!(
        store.member("acme", "m1").expect("reads"),
        Some(member("m1", None))
    );
    let (tenant, boss) = store
        .login(None, "admin")
        .expect("reads")
        .expect("signs in");
    assert_eq!((tenant.as_str(), boss.id.as_str()), ("acme", "boss"));
    assert_eq!(store.login(None, "m1").expect("reads"), None);
    let sheets = store.user_sheets("acme", "p1", "s1").expect("reads");
    assert_eq!(
        sheets,
        vec![
            ("m1".to_owned(), user_sheet("one")),
            ("m2".to_owned(), user_sheet("two"))
        ]
    );
    assert!(
        store
            .user_sheets("acme", "p2", "s1")
            .expect("reads")
            .is_empty()
    );
    // The CRM part.
    assert!(store.linkage_settings("acme").expect("reads").enabled);
    let customer = crm_catalog().sheet("customer").expect("customers").clone();
    let ids: Vec<String> = store
        .records("acme", &customer)
        .expect("reads")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["C000001", "C000002"]);
    assert_eq!(
        store
            .write_crm("acme", |tx| tx.next_number("customer"))
            .expect("numbers"),
        8,
        "generated ids follow the seeded number"
    );

    // Never beside what is there: not again, and never a second tenant
    // whose login would collide (nor any other).
    assert!(
        !store
            .seed_if_empty(&small_tenant("acme", "admin"))
            .expect("runs")
    );
    assert!(
        !store
            .seed_if_empty(&small_tenant("demo", "admin"))
            .expect("runs")
    );
    assert!(
        !store
            .seed_if_empty(&small_tenant("third", "someone"))
            .expect("runs")
    );
    assert!(store.members("demo").expect("reads").is_empty());
    assert!(store.members("third").expect("reads").is_empty());
    assert_eq!(
        store.login(None, "admin").expect("reads").map(|(t, _)| t),
        Some("acme".into())
    );
}

#[test]
fn redb_seeding_conforms() {
    let (store, dir) = fresh("seeding");
    seeding_conforms(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo tenant never lands in a store that has a login, even one the
/// store holds without members.
#[test]
fn the_demo_goes_only_into_an_empty_store() {
    let (store, dir) = fresh("demo-once");
    assert!(
        store
            .seed_if_empty(&small_tenant("acme", "admin"))
            .expect("seeds")
    );
    assert!(!sheetlink_server::seed::seed_demo_with(&store, 5).expect("runs"));
    assert_eq!(
        store.login(None, "admin").expect("reads").map(|(t, _)| t),
        Some("acme".into())
    );
    let (fresh_store, fresh_dir) = fresh("demo-fresh");
    assert!(sheetlink_server::seed::seed_demo_with(&fresh_store, 5).expect("seeds"));
    assert!(
        !sheetlink_server::seed::seed_demo_with(&fresh_store, 5).expect("runs"),
        "once"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&fresh_dir);
}

fn import_record(id: &str, status: ImportStatus) -> ImportRecord {
    ImportRecord {
        id: id.into(),
        period: "p1".into(),
        sheet: "s1".into(),
        operator: "boss".into(),
        operator_name: "boss".into(),
        started_at: 1_000,
        ended_at: None,
        status,
        counts: Counts::default(),
        error_totals: BTreeMap::new(),
        errors_truncated: false,
        reverted_at: None,
        items: vec!["score".into()],
        cells: Default::default(),
        file_name: Some("評価.csv".into()),
        stopped_by: None,
    }
}

fn import_error(row: u32) -> Note {
    Note {
        row: Some(row),
        column: Some(2),
        field: None,
        notice: Notice::EvaluateeUnknown {
            key: format!("E{row}"),
        },
    }
}

/// What any [`Evaluations`] backend must do, over [`small_tenant`] `acme`.
fn evaluations_conform(store: &(impl Evaluations + Idempotency + Organisation + Seeding)) {
    assert!(
        store
            .seed_if_empty(&small_tenant("acme", "admin"))
            .expect("seeds")
    );
    let remembered = |id: &str| Remembered {
        body_hash: "hash".into(),
        result_id: id.into(),
    };
    // Everything a job writes lands together.
    let errors: Vec<Note> = (1..=1_200).map(import_error).collect();
    let progress = Progress {
        done: 1,
        total: 2,
        counts: Counts::default(),
        cells: sheetlink_protocol::evaluation::CellTotals {
            update: 3,
            ..Default::default()
        },
    };
    store
        .write_evaluations("acme", true, |tx| {
            tx.put_import(&import_record("0001", ImportStatus::Running))?;
            tx.put_import_errors("0001", &errors)?;
            tx.put_error_file("0001", b"error,file\n")?;
            tx.put_progress("0001", &progress)?;
            tx.put_changes("0001", "m2", b"two")?;
            tx.put_changes("0001", "m1", b"one")?;
            tx.put_user_sheet("p1", "s1", "m1", &user_sheet("uno").encode())?;
            tx.remember("acme/evaluation/k1", &remembered("0001"))
        })
        .expect("writes");
    assert_eq!(
        store
            .import("acme", "0001")
            .expect("reads")
            .map(|r| r.status),
        Some(ImportStatus::Running)
    );
    assert_eq!(
        store.import("other", "0001").expect("reads"),
        None,
        "one tenant's"
    );
    let kept = store.import_errors("acme", "0001").expect("reads");
    assert_eq!(kept.len(), 1_000, "the first 1,000 errors are kept");
    assert_eq!(kept[999], import_error(1_000), "kept coded, as written");
    assert!(
        store
            .import_errors("acme", "0002")
            .expect("reads")
            .is_empty()
    );
    assert_eq!(
        store.error_file("acme", "0001").expect("reads").as_deref(),
        Some(&b"error,file\n"[..])
    );
    assert_eq!(
        store.import_progress("acme", "0001").expect("reads"),
        Some(progress)
    );
    assert_eq!(
        store.remembered("acme/evaluation/k1").expect("reads"),
        Some(remembered("0001"))
    );
    assert_eq!(
        store.remembered("other/evaluation/k1").expect("reads"),
        None
    );
    // The change log: per member, in member order, of this import only
    // (an id that extends another's is another import).
    store
        .write_evaluations("acme", false, |tx| tx.put_changes("00010", "m1", b"other"))
        .expect("writes");
    assert_eq!(
        store.change_log("acme", "0001").expect("reads"),
        vec![
            ("m1".to_owned(), b"one".to_vec()),
            ("m2".to_owned(), b"two".to_vec())
        ]
    );

    // A refusal or an error writes nothing at all.
    let refused = store
        .try_write_evaluations("acme", true, |tx| {
            tx.put_user_sheet("p1", "s1", "m2", &user_sheet("changed").encode())?;
            tx.put_import(&import_record("0002", ImportStatus::Completed))?;
            tx.remember("acme/evaluation/k2", &remembered("0002"))?;
            Ok(Err::<(), _>("refused"))
        })
        .expect("runs");
    assert_eq!(refused, Err("refused"));
    let failed = store.write_evaluations("acme", true, |tx| {
        tx.put_import(&import_record("0003", ImportStatus::Completed))?;
        Err::<(), _>(sheetlink_server::AppError::internal("boom"))
    });
    assert!(failed.is_err());
    assert_eq!(store.import("acme", "0002").expect("reads"), None);
    assert_eq!(store.import("acme", "0003").expect("reads"), None);
    assert_eq!(store.remembered("acme/evaluation/k2").expect("reads"), None);
    let mut sheets = store
        .user_sheets("acme", "p1", "s1")
        .expect("reads")
        .into_iter();
    assert_eq!(
        sheets.next().map(|(_, s)| s),
        Some(user_sheet("uno")),
        "the committed job's write"
    );
    assert_eq!(
        sheets.next().map(|(_, s)| s),
        Some(user_sheet("two")),
        "the refused job's write is gone"
    );

    // Inside a transaction: reads see its own writes and the tenant's members.
    let seen = store
        .write_evaluations("acme", true, |tx| {
            tx.put_user_sheet("p1", "s1", "m2", &user_sheet("zwei").encode())?;
            Ok((
                tx.user_sheet("p1", "s1", "m2")?,
                tx.member("m1")?,
                tx.user_sheet("p1", "s1", "nobody")?,
            ))
        })
        .expect("reads");
    assert_eq!(
        seen.0.and_then(|b| UserSheet::decode(&b)),
        Some(user_sheet("zwei"))
    );
    assert_eq!(seen.1, Some(member("m1", None)));
    assert_eq!(seen.2, None);

    // Newest first, stopping when asked; running ones across tenants.
    for (tenant, id, status) in [
        ("acme", "0004", ImportStatus::Completed),
        ("acme", "0005", ImportStatus::Running),
        ("beta", "0001", ImportStatus::Running),
    ] {
        store
            .write_evaluations(tenant, true, |tx| tx.put_import(&import_record(id, status)))
            .expect("writes");
    }
    let mut visited = Vec::new();
    store
        .imports_newest_first("acme", &mut |record| {
            visited.push(record.id);
            visited.len() < 2
        })
        .expect("reads");
    assert_eq!(visited, ["0005", "0004"]);
    let mut running: Vec<(String, String)> = store
        .running_imports()
        .expect("reads")
        .into_iter()
        .map(|(tenant, record)| (tenant, record.id))
        .collect();
    running.sort();
    assert_eq!(
        running,
        [
            ("acme".into(), "0001".into()),
            ("acme".into(), "0005".into()),
            ("beta".into(), "0001".into())
        ]
    );

    // A snapshot sees the sheets as they were when it began, whatever is
    // committed meanwhile.
    let (before, after) = store
        .with_user_sheets("acme", "p1", "s1", |snapshot| {
            let mut before = None;
            snapshot.visit("m1", &mut |bytes| {
                before = bytes.and_then(UserSheet::decode);
                Ok(())
            })?;
            store.write_evaluations("acme", true, |tx| {
                tx.put_user_sheet("p1", "s1", "m1", &user_sheet("later").encode())
            })?;
            let mut after = None;
            snapshot.visit("m1", &mut |bytes| {
                after = bytes.and_then(UserSheet::decode);
                Ok(())
            })?;
            let mut nobody = true;
            snapshot.visit("nobody", &mut |bytes| {
                nobody = bytes.is_none();
                Ok(())
            })?;
            assert!(nobody);
            Ok((before, after))
        })
        .expect("reads");
    assert_eq!(before, Some(user_sheet("uno")));
    assert_eq!(after, before, "one snapshot");
}

#[test]
fn redb_evaluations_conform() {
    let (store, dir) = fresh("evaluations");
    evaluations_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(id: &str, rows: usize) -> Run {
    Run {
        head: LinkageRun {
            on_the_spot: false,
            id: id.into(),
            kind: RunKind::Batch,
            direction: Direction::Import,
            key: "customers".into(),
            sheet: "customer".into(),
            actor: "token".into(),
            started_at: 1,
            ended_at: 2,
            status: RunStatus::Completed,
            reason: None,
            reason_en: None,
            counts: Counts {
                rows_in: rows as u32,
                created: rows as u32,
                ..Counts::default()
            },
            rows: Vec::new(),
            rows_truncated: false,
            mail_delayed_until: None,
            not_added_to_list: 0,
        },
        rows: (0..rows)
            .map(|row| RowRecord {
                row: row as u32 + 2,
                outcome: if row == 0 {
                    Outcome::Failed
                } else {
                    Outcome::Created
                },
                record: (row > 0).then(|| format!("C{row:06}")),
                notes: if row == 0 {
                    vec![Note::at(Some(2), Notice::RecordNotFound).on("parent")]
                } else {
                    Vec::new()
                },
            })
            .collect(),
        reason: if rows == 0 {
            vec![Note::at(Some(3), Notice::IdTaken { id: "C1".into() })]
        } else {
            Vec::new()
        },
    }
}

fn mail(id: &str) -> Mail {
    Mail {
        id: id.into(),
        to: "hr@example.co.jp".into(),
        subject: "完了".into(),
        body: "本文".into(),
        attempts: 0,
    }
}

fn import_condition(key: &str, description: &str) -> StoredImportCondition {
    let mut condition = sheetlink_server::seed::demo_tenant(1)
        .expect("the demo")
        .import_conditions
        .remove(0);
    condition.condition.key = key.into();
    condition.condition.description = description.into();
    condition
}

/// What any [`Linkage`] backend must do.
fn linkage_conforms(store: &(impl Linkage + MailQueue + Idempotency + Sync)) {
    // Settings: off until saved; a failed change writes nothing.
    assert_eq!(
        store.linkage_settings("acme").expect("reads"),
        Settings::default()
    );
    store
        .update_linkage_settings("acme", |s| {
            s.enabled = true;
            Ok(())
        })
        .expect("saves");
    let refused: Result<(), _> = store.update_linkage_settings("acme", |s| {
        s.enabled = false;
        Err(sheetlink_server::AppError::internal("no"))
    });
    assert!(refused.is_err());
    assert!(store.linkage_settings("acme").expect("reads").enabled);
    assert!(!store.linkage_settings("beta").expect("reads").enabled);

    // Conditions: create refuses a taken key, replace a missing one; the
    // two directions are apart.
    let first = import_condition("customers", "first");
    assert_eq!(
        store.save_condition("acme", &first, true).expect("saves"),
        Saved::Done
    );
    assert_eq!(
        store.save_condition("acme", &first, true).expect("saves"),
        Saved::Exists
    );
    assert_eq!(
        store
            .save_condition("acme", &import_condition("missing", "x"), false)
            .expect("saves"),
        Saved::Missing
    );
    assert_eq!(
        store
            .save_condition("acme", &import_condition("customers", "second"), false)
            .expect("saves"),
        Saved::Done
    );
    assert_eq!(
        store
            .save_condition("acme", &import_condition("accounts", "a"), true)
            .expect("saves"),
        Saved::Done
    );
    let keys: Vec<String> = store
        .conditions::<StoredImportCondition>("acme")
        .expect("reads")
        .into_iter()
        .map(|c| format!("{}:{}", c.condition.key, c.condition.description))
        .collect();
    assert_eq!(keys, ["accounts:a", "customers:second"]);
    assert!(
        store
            .condition::<StoredExportCondition>("acme", "customers")
            .expect("reads")
            .is_none()
    );
    assert!(
        store
            .conditions::<StoredImportCondition>("beta")
            .expect("reads")
            .is_empty()
    );
    assert!(
        store
            .delete_condition::<StoredImportCondition>("acme", "accounts")
            .expect("deletes")
    );
    assert!(
        !store
            .delete_condition::<StoredImportCondition>("acme", "accounts")
            .expect("deletes")
    );
    assert!(
        store
            .condition::<StoredImportCondition>("acme", "accounts")
            .expect("reads")
            .is_none()
    );

    // A batch: everything together.
    let customer = crm_catalog().sheet("customer").expect("customers").clone();
    let record = |id: &str, name: &str| {
        let mut values = vec![None; 3];
        values[1] = Some(name.to_owned());
        SheetRecord {
            id: id.into(),
            values,
        }
    };
    store
        .write_crm("acme", |tx| {
            assert!(tx.records(&customer)?.is_empty());
            assert_eq!(tx.next_number("customer")?, 1);
            assert_eq!(tx.next_number("customer")?, 2);
            assert_eq!(tx.next_number("deal")?, 1, "numbers are per sheet");
            tx.put_record(&customer, None, &record("C000002", "two"), None)?;
            tx.put_record(&customer, None, &record("C000001", "one"), None)?;
            assert_eq!(
                tx.records(&customer)?.len(),
                2,
                "a batch sees its own writes"
            );
            tx.add_to_list(
                "夜間取込",
                &["customer/C000002".into(), "customer/C000001".into()],
            )?;
            tx.add_to_list(
                "夜間取込",
                &["customer/C000001".into(), "customer/C000003".into()],
            )?;
            tx.post(&TimelinePost {
                id: "r1".into(),
                at: 2,
                targets: vec!["boss".into()],
                text: "完了".into(),
            })?;
            tx.enqueue_mail(&mail("r1-hr"), 0)?;
            tx.record_run(&run("r1", 1_500))?;
            tx.remember(
                "acme/batch/customers/k",
                &Remembered {
                    body_hash: "h".into(),
                    result_id: "r1".into(),
                },
            )
        })
        .expect("applies");
    let records = store.records("acme", &customer).expect("reads");
    assert_eq!(
        records.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["C000001", "C000002"]
    );
    assert_eq!(
        records[0].values.len(),
        customer.fields.len(),
        "aligned with the sheet's fields"
    );
    assert_eq!(records[0].values[1].as_deref(), Some("one"));
    assert!(store.records("beta", &customer).expect("reads").is_empty());
    assert_eq!(
        store
            .list("acme", "夜間取込")
            .expect("reads")
            .unwrap_or_default(),
        ["customer/C000002", "customer/C000001", "customer/C000003"],
        "each entry once, in the order added"
    );
    let stored = store
        .linkage_run("acme", "r1")
        .expect("reads")
        .expect("the run");
    assert_eq!(stored.rows.len(), 1_000, "the first 1,000 rows are kept");
    assert!(stored.head.rows_truncated);
    assert_eq!(stored.head.counts.created, 1_500, "the counts stay exact");
    assert_eq!(
        stored.rows[..],
        run("r1", 1_500).rows[..1_000],
        "rows kept coded, as written"
    );
    assert_eq!(
        store
            .remembered("acme/batch/customers/k")
            .expect("reads")
            .map(|r| r.result_id),
        Some("r1".into())
    );
    assert_eq!(store.queued().expect("counts"), 1);

    // A failed batch leaves no trace: no record, entry, post, mail, run,
    // key or number.
    let failed = store.write_crm("acme", |tx| {
        tx.put_record(&customer, None, &record("C000009", "nine"), None)?;
        tx.next_number("customer")?;
        tx.add_to_list("夜間取込", &["customer/C000009".into()])?;
        tx.post(&TimelinePost {
            id: "r2".into(),
            at: 3,
            targets: Vec::new(),
            text: "x".into(),
        })?;
        tx.enqueue_mail(&mail("r2-hr"), 0)?;
        tx.record_run(&run("r2", 1))?;
        tx.remember(
            "acme/batch/customers/k2",
            &Remembered {
                body_hash: "h".into(),
                result_id: "r2".into(),
            },
        )?;
        Err::<(), _>(sheetlink_server::AppError::internal(
            "a storage error mid-batch",
        ))
    });
    assert!(failed.is_err());
    assert_eq!(store.records("acme", &customer).expect("reads").len(), 2);
    assert_eq!(
        store
            .list("acme", "夜間取込")
            .expect("reads")
            .unwrap_or_default()
            .len(),
        3
    );
    assert!(store.linkage_run("acme", "r2").expect("reads").is_none());
    // Lists: every list in name order; records looked up by id (a missing
    // one is left out); a change with its audit entry, or nothing.
    let lists = store.lists("acme").expect("reads");
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].0, "夜間取込");
    let found = store
        .records_by_id("acme", &customer, &["C000001", "C000003", "C000002"])
        .expect("reads");
    assert_eq!(
        found.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["C000001", "C000002"],
        "C000003 does not exist"
    );
    let entry = sheetlink_protocol::accounts::AuditEntry {
        count: Some(1),
        ..audit_by(
            "boss",
            sheetlink_protocol::accounts::AuditAction::ListChanged,
            "夜間取込",
        )
    };
    // Taking entries out: a look-up per entry, the audit entry told how
    // many went; the head follows.
    let head = store
        .remove_from_list(
            "acme",
            "夜間取込",
            Some(&["customer/C000003".to_owned(), "customer/NONE".to_owned()]),
            |gone| {
                assert_eq!(gone, 1, "only an entry in the list goes");
                entry.clone()
            },
        )
        .expect("writes")
        .expect("the list");
    assert_eq!(head.count(), 2);
    assert_eq!(
        store
            .list("acme", "夜間取込")
            .expect("reads")
            .unwrap_or_default(),
        ["customer/C000002", "customer/C000001"]
    );
    assert!(
        store
            .remove_from_list("acme", "nope", None, |_| entry.clone())
            .expect("runs")
            .is_none()
    );
    // Cleared, the list keeps its name, empty; added to again, in order.
    let cleared = store
        .remove_from_list("acme", "夜間取込", None, |gone| {
            assert_eq!(gone, 2);
            entry.clone()
        })
        .expect("writes")
        .expect("the list");
    assert_eq!(cleared.count(), 0);
    assert_eq!(
        store.list("acme", "夜間取込").expect("reads"),
        Some(Vec::new())
    );
    store
        .write_crm("acme", |tx| {
            tx.add_to_list("夜間取込", &["customer/C000001".into(), "deal/D1".into()])
        })
        .expect("writes");
    assert_eq!(
        store
            .list_page("acme", "夜間取込", 1, 10)
            .expect("reads")
            .map(|(h, e)| (h.count(), e)),
        Some((2, vec!["deal/D1".to_owned()]))
    );
    assert!(
        store
            .remembered("acme/batch/customers/k2")
            .expect("reads")
            .is_none()
    );
    assert_eq!(store.queued().expect("counts"), 1);
    assert_eq!(
        store
            .write_crm("acme", |tx| tx.next_number("customer"))
            .expect("numbers"),
        3
    );

    // Runs and posts newest first, without rows, stopping when asked.
    store
        .write_crm("acme", |tx| {
            tx.post(&TimelinePost {
                id: "r3".into(),
                at: 4,
                targets: Vec::new(),
                text: "y".into(),
            })?;
            tx.record_run(&run("r3", 3))
        })
        .expect("applies");
    // A refused file's reason is kept coded too.
    store
        .write_crm("beta", |tx| tx.record_run(&run("r9", 0)))
        .expect("applies");
    let refused = store
        .linkage_run("beta", "r9")
        .expect("reads")
        .expect("the run");
    assert_eq!(refused.reason, run("r9", 0).reason);
    assert!(refused.rows.is_empty());
    let mut runs = Vec::new();
    store
        .runs_newest_first("acme", &mut |run| {
            runs.push((run.head.id, run.rows.len()));
            true
        })
        .expect("reads");
    assert_eq!(runs, [("r3".to_owned(), 0), ("r1".to_owned(), 0)]);
    let mut posts = Vec::new();
    store
        .timeline_newest_first("acme", &mut |post| {
            posts.push(post.id);
            false
        })
        .expect("reads");
    assert_eq!(posts, ["r3"]);

    // Generated numbers are never handed out twice, however many batches
    // ask at once.
    let mut numbers: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..25)
                        .map(|_| {
                            store
                                .write_crm("acme", |tx| tx.next_number("product"))
                                .expect("numbers")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("joins"))
            .collect()
    });
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers, (1..=100).collect::<Vec<_>>());
}

#[test]
fn redb_linkage_conforms() {
    let (store, dir) = fresh("linkage");
    linkage_conforms(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A running import run of `tenant` started at `at`.
fn running(id: &str, at: u64) -> LinkageRun {
    LinkageRun {
        status: RunStatus::Running,
        started_at: at,
        ended_at: at,
        counts: Counts::default(),
        ..run(id, 0).head
    }
}

/// What any backend's run claims must do: one claim per key however
/// concurrent, a used key answered without a write, an interrupted run's
/// key claimable again, the hourly count over imports only, and the runs
/// left running listed for recovery.
fn claims_conform(store: &(impl Linkage + Idempotency + Sync)) {
    let key = "acme/batch/customers/k1";
    let remembered = |id: &str| Remembered {
        body_hash: "h1".into(),
        result_id: id.into(),
    };
    // Eight concurrent claims of one key: exactly one is recorded.
    let claims: Vec<RunClaim> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|n| {
                scope.spawn(move || {
                    let id = format!("r{n}");
                    store
                        .claim_run(
                            "acme",
                            &running(&id, 1_000),
                            Some((key, &remembered(&id))),
                            100,
                        )
                        .expect("claims")
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("joins"))
            .collect()
    });
    let recorded = claims.iter().filter(|c| **c == RunClaim::Recorded).count();
    assert_eq!(recorded, 1, "{claims:?}");
    let winner = store.remembered(key).expect("reads").expect("the key");
    for claim in &claims {
        if let RunClaim::KeyUsed(used) = claim {
            assert_eq!(used, &winner);
        }
    }
    let run = store
        .linkage_run("acme", &winner.result_id)
        .expect("reads")
        .expect("the claimed run");
    assert_eq!(run.head.status, RunStatus::Running);
    assert_eq!(
        store.running_runs().expect("reads"),
        vec![("acme".to_owned(), run.clone())]
    );
    // Interrupted, its key is claimed again by a new run.
    let mut stopped = run.clone();
    stopped.head.status = RunStatus::Interrupted;
    store
        .write_crm("acme", |tx| tx.record_run(&stopped))
        .expect("writes");
    assert!(store.running_runs().expect("reads").is_empty());
    assert_eq!(
        store
            .claim_run(
                "acme",
                &running("r9", 1_001),
                Some((key, &remembered("r9"))),
                100
            )
            .expect("claims"),
        RunClaim::Recorded
    );
    assert_eq!(
        store.remembered(key).expect("reads").map(|r| r.result_id),
        Some("r9".to_owned())
    );
    // The hour: acme started two imports at 1,000 and 1,001 (and an
    // export, which does not count); a limit of 2 refuses a third until
    // the first is an hour old; another tenant is not counted.
    let mut export = running("x1", 1_002);
    export.direction = Direction::Export;
    store
        .write_crm("acme", |tx| {
            tx.record_run(&Run {
                head: export.clone(),
                rows: Vec::new(),
                reason: Vec::new(),
            })
        })
        .expect("writes");
    assert_eq!(
        store
            .claim_run("acme", &running("r10", 1_500), None, 2)
            .expect("claims"),
        RunClaim::TooMany { retry_after: 3_100 }
    );
    assert!(store.linkage_run("acme", "r10").expect("reads").is_none());
    assert_eq!(
        store
            .claim_run("beta", &running("b1", 1_500), None, 2)
            .expect("claims"),
        RunClaim::Recorded
    );
    assert_eq!(
        store
            .claim_run("acme", &running("r11", 4_600), None, 2)
            .expect("claims"),
        RunClaim::Recorded,
        "the import of 1,000 left the hour"
    );
    // A tenant whose e-mail window is full claims no run: its mails are
    // never dropped, so its work waits instead.
    use sheetlink_server::linkage::apply::{MAIL_QUEUE_HOURS, MAILS_PER_TENANT_HOUR};
    store
        .write_crm("delta", |tx| {
            for _ in 0..MAIL_QUEUE_HOURS * MAILS_PER_TENANT_HOUR {
                tx.mail_slot(MAILS_PER_TENANT_HOUR, MAIL_QUEUE_HOURS)?;
            }
            Ok(())
        })
        .expect("fills the window");
    match store
        .claim_run("delta", &running("d1", 1_000), None, 100)
        .expect("claims")
    {
        RunClaim::MailQueueFull { retry_after } => assert!((1..=3_600).contains(&retry_after)),
        other => panic!("claimed with a full mail window: {other:?}"),
    }
    assert!(store.linkage_run("delta", "d1").expect("reads").is_none());
}

/// What any backend's e-mail slots must do: at most `per_hour` a tenant in
/// an hour, then the next hours; past the window, its last hour (never
/// dropped); tenants apart; a slot taken in a rolled-back transaction is
/// not taken.
fn mail_slots_conform(store: &impl Linkage) {
    let slots = |tenant: &str| {
        store
            .write_crm(tenant, |tx| {
                (0..8)
                    .map(|_| tx.mail_slot(2, 3))
                    .collect::<Result<Vec<_>, _>>()
            })
            .expect("writes")
    };
    let hour = 3_600_000u128;
    let acme = slots("acme");
    // A delay is counted from the moment of each call: two slots of one
    // hour differ by the milliseconds between the calls.
    let same_hour = |a: u128, b: u128| a.abs_diff(b) < 60_000;
    assert_eq!(&acme[..2], &[0, 0], "{acme:?}");
    let next = acme[2];
    assert!(
        next > 0 && next <= hour && same_hour(acme[3], next),
        "{acme:?}"
    );
    let last = acme[4];
    assert!(
        last > hour && last <= 2 * hour && same_hour(acme[5], last),
        "{acme:?}"
    );
    assert!(
        acme[6..].iter().all(|&delay| same_hour(delay, last)),
        "past the window: its last hour, never dropped: {acme:?}"
    );
    // Another tenant has its own.
    assert_eq!(slots("beta")[..2], [0, 0]);
    let _ = store.write_crm("gamma", |tx| {
        tx.mail_slot(1, 2)?;
        Err::<(), _>(sheetlink_server::error::AppError::internal("rolled back"))
    });
    let taken = store
        .write_crm("gamma", |tx| tx.mail_slot(1, 2))
        .expect("writes");
    assert_eq!(taken, 0);
}

#[test]
fn redb_mail_slots_conform() {
    let (store, dir) = fresh("mail-slots");
    mail_slots_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redb_claims_conform() {
    let (store, dir) = fresh("claims");
    claims_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any [`MailQueue`] backend must do.
fn mail_queue_conforms(store: &(impl MailQueue + Linkage)) {
    const MINUTE: u128 = 60_000;
    store
        .write_crm("acme", |tx| {
            tx.enqueue_mail(&mail("later"), 10 * MINUTE)?;
            tx.enqueue_mail(&mail("first"), 0)?;
            tx.enqueue_mail(&mail("second"), 0)
        })
        .expect("queues");
    assert_eq!(store.queued().expect("counts"), 3);
    // Only what is due, at most `limit`, in due order.
    let one = store.claim_due(MINUTE, 1).expect("claims");
    assert_eq!(one.len(), 1);
    let rest = store.claim_due(MINUTE, 10).expect("claims");
    let mut claimed: Vec<String> = one.iter().chain(&rest).map(|c| c.mail.id.clone()).collect();
    claimed.sort();
    assert_eq!(claimed, ["first", "second"]);
    // Claimed mail is not claimed again while its lease runs.
    assert!(store.claim_due(MINUTE, 10).expect("claims").is_empty());
    // Sent: it leaves. Failed: queued again, later.
    store.settle(&one[0].ticket, None).expect("settles");
    let mut retried = rest[0].mail.clone();
    retried.attempts += 1;
    store
        .settle(&rest[0].ticket, Some((&retried, MINUTE)))
        .expect("settles");
    assert_eq!(store.queued().expect("counts"), 2);
    assert!(store.claim_due(MINUTE, 10).expect("claims").is_empty());

    // A sender that dies hands its claims on once the lease is over.
    store
        .write_crm("acme", |tx| tx.enqueue_mail(&mail("orphan"), 0))
        .expect("queues");
    let orphan = store.claim_due(0, 10).expect("claims");
    assert_eq!(orphan.len(), 1);
    std::thread::sleep(std::time::Duration::from_millis(2));
    let again = store.claim_due(MINUTE, 10).expect("claims");
    assert_eq!(
        again.iter().map(|c| c.mail.id.as_str()).collect::<Vec<_>>(),
        ["orphan"]
    );
    assert_eq!(again[0].mail.attempts, 0);
}

#[test]
fn redb_mail_queue_conforms() {
    let (store, dir) = fresh("mail");
    mail_queue_conforms(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any [`Accounts`] backend must do: tenants and members created once,
/// logins per tenant (case folded), set-up links single-use, access that
/// ends sessions, disabled tenants, an audit log that only grows.
fn accounts_conform(store: &(impl Accounts + Organisation)) {
    use sheetlink_protocol::accounts::AuditAction;
    use sheetlink_server::model::{SetupGrant, Tenant};
    let audit = |action, target: &str| audit_by("operator", action, target);
    let grant = |hash: &str, tenant: &str, member: &str, expires_at| {
        (
            hash.to_owned(),
            SetupGrant {
                tenant: tenant.into(),
                member: member.into(),
                expires_at,
            },
        )
    };
    let with = |hash: &str, tenant: &str, member: &str, expires_at| Change {
        audit: Some(audit(AuditAction::TenantCreated, member)),
        grant: Some(grant(hash, tenant, member, expires_at)),
        mail: None,
    };
    let tenant = |id: &str| Tenant {
        id: id.into(),
        name: id.into(),
        created_at: 1,
        disabled_at: None,
    };
    let admin = |hash: &str| Member {
        setup_link: Some(hash.into()),
        ..member("admin", Some("sato"))
    };
    assert_eq!(
        store
            .create_tenant(
                &tenant("acme"),
                &admin("h1"),
                &with("h1", "acme", "admin", 100)
            )
            .expect("writes"),
        Ok(())
    );
    assert_eq!(
        store
            .create_tenant(
                &tenant("acme"),
                &admin("h9"),
                &with("h9", "acme", "admin", 100)
            )
            .expect("writes"),
        Err(Taken::Tenant)
    );
    assert_eq!(
        store.setup_grant("h9").expect("reads"),
        None,
        "nothing of a refusal"
    );
    // The same login id in another tenant is another person.
    store
        .create_tenant(
            &tenant("beta"),
            &admin("h2"),
            &with("h2", "beta", "admin", 100),
        )
        .expect("writes")
        .expect("created");
    assert_eq!(store.tenants().expect("reads").len(), 2);
    let found = |tenant: Option<&str>, login: &str| {
        store
            .login(tenant, login)
            .expect("reads")
            .map(|(t, m)| (t, m.id))
    };
    assert_eq!(
        found(Some("acme"), "SATO"),
        Some(("acme".into(), "admin".into()))
    );
    assert_eq!(
        found(None, "sato@beta"),
        Some(("beta".into(), "admin".into()))
    );
    assert!(
        store.login(None, "sato").is_err(),
        "two tenants: which one?"
    );
    // Members: ids and logins once per tenant.
    let m = |id: &str, login: &str| member(id, Some(login));
    let plain = Change {
        audit: Some(audit(AuditAction::MemberCreated, "x")),
        ..Change::default()
    };
    assert_eq!(
        store
            .create_member("acme", &m("m1", "suzuki"), &plain)
            .expect("writes"),
        Ok(())
    );
    assert_eq!(
        store
            .create_member("acme", &m("m1", "other"), &plain)
            .expect("writes"),
        Err(Taken::Member)
    );
    assert_eq!(
        store
            .create_member("acme", &m("m2", "suzuki"), &plain)
            .expect("writes"),
        Err(Taken::Login)
    );
    assert_eq!(
        store
            .create_member("beta", &m("m2", "suzuki"), &plain)
            .expect("writes"),
        Ok(())
    );
    // A set-up link works once, and only the live one.
    let replaced = store
        .update_member("acme", "admin", |member| {
            member.access += 1;
            Ok((
                member.access,
                Change {
                    grant: Some(grant("h3", "acme", "admin", 100)),
                    ..Change::default()
                },
            ))
        })
        .expect("writes");
    assert_eq!(replaced, Some(1));
    assert_eq!(
        store.setup_grant("h1").expect("reads"),
        None,
        "the old link is gone"
    );
    let used = store
        .use_setup_link("h3", 50, |member| {
            member.password_hash = Some("hash".into());
            Ok(audit(AuditAction::PasswordSet, &member.id))
        })
        .expect("writes");
    let (tenant_id, admin_now) = used.expect("the live link works");
    assert_eq!(tenant_id, "acme");
    assert_eq!(
        (
            admin_now.password_hash.as_deref(),
            admin_now.setup_link.as_deref()
        ),
        (Some("hash"), None)
    );
    let again = store
        .use_setup_link("h3", 50, |_| Ok(audit(AuditAction::PasswordSet, "x")))
        .expect("runs");
    assert!(again.is_none(), "once");
    let expired = store
        .use_setup_link("h2", 100, |_| Ok(audit(AuditAction::PasswordSet, "x")))
        .expect("runs");
    assert!(expired.is_none(), "at its expiry time it no longer works");
    assert_eq!(
        store.setup_grant("h2").expect("reads"),
        None,
        "and is deleted"
    );
    // Access and disabled tenants end sessions.
    assert!(
        store
            .signed_in("acme", "admin", 1)
            .expect("reads")
            .is_some()
    );
    assert!(
        store
            .signed_in("acme", "admin", 0)
            .expect("reads")
            .is_none()
    );
    assert!(store.set_tenant_disabled("acme", Some(5)).expect("writes"));
    assert!(!store.set_tenant_disabled("gamma", Some(5)).expect("writes"));
    assert!(
        store
            .signed_in("acme", "admin", 1)
            .expect("reads")
            .is_none()
    );
    assert_eq!(found(Some("acme"), "sato"), None);
    assert!(store.set_tenant_disabled("acme", None).expect("writes"));
    assert!(
        store
            .signed_in("acme", "admin", 1)
            .expect("reads")
            .is_some()
    );
    // An inactive member is not found by login.
    store
        .update_member("acme", "m1", |member| {
            member.active = false;
            Ok(((), Change::default()))
        })
        .expect("writes");
    assert_eq!(found(Some("acme"), "suzuki"), None);
    // The log: newest first, per tenant.
    let mut actions = Vec::new();
    store
        .audit_newest_first("acme", &mut |entry| {
            actions.push(entry.action);
            true
        })
        .expect("reads");
    assert_eq!(
        actions,
        [
            AuditAction::PasswordSet,
            AuditAction::MemberCreated,
            AuditAction::TenantCreated
        ]
    );
}

#[test]
fn redb_accounts_conform() {
    let (store, dir) = fresh("accounts");
    accounts_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any [`OrganisationEdits`] backend must do: each change in one
/// transaction with its audit entry, nothing written when the domain's
/// closure refuses, usage counted over every period, evaluatees added once,
/// a member file's writes (members, login index, groups, links) together.
fn organisation_edits_conform(
    store: &(impl OrganisationEdits + Organisation + Accounts + Seeding),
) {
    use sheetlink_engine::evaluation::{Item, ItemKind};
    use sheetlink_protocol::accounts::{AuditAction, AuditEntry};
    use sheetlink_server::error::AppError;
    use sheetlink_server::model::{SetupGrant, SheetItem, WritePermission};
    use sheetlink_server::store::MemberWrites;
    let audit = |action, target: &str| audit_by("boss", action, target);
    let log = || {
        let mut actions = Vec::new();
        store
            .audit_newest_first("acme", &mut |entry| {
                actions.push(entry.action);
                true
            })
            .expect("reads");
        actions
    };
    assert!(
        store
            .seed_if_empty(&small_tenant("acme", "admin"))
            .expect("seeds")
    );

    // Periods: created once; a refused change writes nothing.
    let period = Period {
        id: "p3".into(),
        name: "third".into(),
        open: true,
    };
    assert!(
        store
            .create_period("acme", &period, &audit(AuditAction::PeriodCreated, "p3"))
            .expect("writes")
    );
    assert!(
        !store
            .create_period("acme", &period, &audit(AuditAction::PeriodCreated, "p3"))
            .expect("writes")
    );
    let refused = store.update_period("acme", "p3", |p| {
        p.open = false;
        Err(AppError::internal("refused"))
    });
    assert!(refused.is_err());
    assert_eq!(
        store.period("acme", "p3").expect("reads").map(|p| p.open),
        Some(true)
    );
    let closed = store
        .update_period("acme", "p3", |p| {
            p.open = false;
            Ok(audit(AuditAction::PeriodChanged, "p3"))
        })
        .expect("writes");
    assert_eq!(closed.map(|p| p.open), Some(false));
    assert!(
        store
            .update_period("acme", "nope", |_| Ok(audit(
                AuditAction::PeriodChanged,
                "x"
            )))
            .expect("reads")
            .is_none()
    );
    assert_eq!(
        log(),
        [AuditAction::PeriodChanged, AuditAction::PeriodCreated]
    );

    // Group membership: exactly the list; an unknown member changes nothing.
    let entry = audit(AuditAction::GroupMembersChanged, "g1");
    assert_eq!(
        store
            .set_group_members("acme", "g1", &["m1".into(), "ghost".into()], &entry)
            .expect("runs"),
        Err("ghost".into())
    );
    assert_eq!(
        store
            .set_group_members("acme", "g1", &["m1".into()], &entry)
            .expect("runs"),
        Ok(true)
    );
    assert_eq!(
        store
            .set_group_members("acme", "nope", &[], &entry)
            .expect("runs"),
        Ok(false)
    );
    let in_g1: Vec<String> = store
        .members("acme")
        .expect("reads")
        .into_iter()
        .filter(|m| m.groups.contains(&"g1".into()))
        .map(|m| m.id)
        .collect();
    assert_eq!(in_g1, ["m1"]);

    // Sheets: usage counts every period's user sheets; an update sees it.
    let grades = SheetItem {
        importable: Some(Item {
            id: "score".into(),
            label: vec!["評語".into()],
            kind: ItemKind::Dropdown {
                options: vec!["one".into(), "two".into()],
            },
        }),
        entry_id: None,
        entry_label: Vec::new(),
        write: WritePermission::default(),
    };
    store
        .update_sheet("acme", "s1", |sheet, _| {
            sheet.items = vec![grades.clone()];
            Ok(audit(AuditAction::SheetChanged, "s1"))
        })
        .expect("writes");
    assert_eq!(
        store
            .add_evaluatees("acme", "p2", "s1", &["m1".into(), "boss".into()], &|n| {
                AuditEntry {
                    count: Some(n),
                    ..audit(AuditAction::EvaluateesAdded, "p2/s1")
                }
            })
            .expect("writes"),
        2
    );
    assert_eq!(
        store
            .add_evaluatees("acme", "p2", "s1", &["m1".into()], &|_| audit(
                AuditAction::EvaluateesAdded,
                "again"
            ))
            .expect("writes"),
        0,
        "once"
    );
    let usage = store.sheet_usage("acme", "s1").expect("reads");
    assert_eq!(usage.user_sheets, 4, "p1's two and p2's two");
    assert_eq!(usage.values.get("score"), Some(&2));
    assert_eq!(usage.options["score"].get("two"), Some(&1));
    let seen = store.update_sheet("acme", "s1", |_, usage| {
        assert_eq!(usage.user_sheets, 4);
        Err(AppError::internal("refused"))
    });
    assert!(seen.is_err());
    assert_eq!(
        store
            .sheet("acme", "s1")
            .expect("reads")
            .map(|s| s.items.len()),
        Some(1)
    );
    let new_sheet = CustomizeSheet {
        id: "s2".into(),
        name: "two".into(),
        published: false,
        items: Vec::new(),
        blocks: Vec::new(),
    };
    assert!(
        store
            .create_sheet("acme", &new_sheet, &audit(AuditAction::SheetCreated, "s2"))
            .expect("writes")
    );
    assert!(
        !store
            .create_sheet("acme", &new_sheet, &audit(AuditAction::SheetCreated, "s2"))
            .expect("writes")
    );

    // A member file: everything together, or nothing.
    let newcomer = Member {
        login_id: Some("new@example.jp".into()),
        ..member("m9", None)
    };
    let refused = store.import_members::<()>("acme", |members, groups| {
        assert_eq!((members.len(), groups.len()), (3, 1));
        Err(AppError::internal("refused"))
    });
    assert!(refused.is_err());
    store
        .import_members("acme", |_, _| {
            Ok((
                (),
                MemberWrites {
                    members: vec![
                        newcomer.clone(),
                        Member {
                            name: "renamed".into(),
                            ..member("m1", None)
                        },
                    ],
                    groups: vec![Group {
                        id: "g2".into(),
                        name: "新設".into(),
                    }],
                    grants: vec![(
                        "hash9".into(),
                        SetupGrant {
                            tenant: "acme".into(),
                            member: "m9".into(),
                            expires_at: u64::MAX,
                        },
                    )],
                    mails: Vec::new(),
                    audit: vec![audit(AuditAction::MembersImported, "")],
                },
            ))
        })
        .expect("writes");
    assert_eq!(
        store.member("acme", "m1").expect("reads").map(|m| m.name),
        Some("renamed".into())
    );
    assert_eq!(
        store
            .login(Some("acme"), "NEW@example.jp")
            .expect("reads")
            .map(|(_, m)| m.id),
        Some("m9".into()),
        "the login index knows the newcomer, case folded"
    );
    assert_eq!(store.groups("acme").expect("reads").len(), 2);
    assert!(store.setup_grant("hash9").expect("reads").is_some());
    // A file that reuses another member's login id is an error, not a write.
    let thief = Member {
        login_id: Some("admin".into()),
        ..member("m10", None)
    };
    assert!(
        store
            .import_members("acme", |_, _| Ok((
                (),
                MemberWrites {
                    members: vec![thief.clone()],
                    ..MemberWrites::default()
                }
            )))
            .is_err()
    );
    assert!(store.member("acme", "m10").expect("reads").is_none());
    assert_eq!(log().first(), Some(&AuditAction::MembersImported));
}

#[test]
fn redb_organisation_edits_conform() {
    let (store, dir) = fresh("organisation");
    organisation_edits_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any [`Records`] backend must do, with [`CrmTx`]'s look-ups, history
/// and deletion: the index agrees with the records through every write.
fn records_conform(store: &(impl Records + Linkage)) {
    use sheetlink_engine::linkage::{Comparison, Filter, RecordFilter, SortKey};
    use sheetlink_protocol::records::{ChangeKind, MAX_CHANGES_KEPT, MAX_EXAMINED, RECORDS_PAGE};
    use sheetlink_server::store::ChangedBy;

    let catalog = crm_catalog();
    let customer = catalog.sheet("customer").expect("customers");
    let deal = catalog.sheet("deal").expect("deals");
    let at = |field: &str| customer.field_index(field).expect("a customer field");
    let customer_record = |id: &str, name: &str, employees: Option<&str>| {
        let mut values = vec![None; customer.fields.len()];
        values[at("id")] = Some(id.to_owned());
        values[at("name")] = Some(name.to_owned());
        values[at("employees")] = employees.map(str::to_owned);
        SheetRecord {
            id: id.into(),
            values,
        }
    };
    let by = |row| ChangedBy {
        at: 100,
        by: "佐藤",
        run: Some(("run-1", "customers")),
        row: Some(row),
    };
    // 250 customers: names out of id order, every fifth without a count.
    store
        .write_crm("acme", |tx| {
            for i in 0..250u32 {
                let employees = (i % 5 != 0).then(|| (i * 7 % 1000).to_string());
                let record = customer_record(
                    &format!("C{:06}", i + 1),
                    &format!("顧客{:03}", 249 - i),
                    employees.as_deref(),
                );
                tx.put_record(
                    customer,
                    None,
                    &record,
                    Some((by(i + 2), ChangeKind::Created)),
                )?;
            }
            Ok(())
        })
        .expect("writes");
    assert_eq!(store.record_count("acme", "customer").expect("counts"), 250);
    assert_eq!(store.record_count("beta", "customer").expect("counts"), 0);

    // Look-ups by value see the batch's own writes, and follow changes.
    store
        .write_crm("acme", |tx| {
            assert_eq!(tx.find(customer, "name", "顧客249")?, ["C000001"]);
            assert_eq!(tx.find(customer, "id", "C000002")?, ["C000002"]);
            assert!(tx.find(customer, "name", "なし")?.is_empty());
            let before = tx.record(customer, "C000001")?.expect("exists");
            let mut after = before.clone();
            after.values[at("name")] = Some("改名".into());
            tx.put_record(
                customer,
                Some(&before),
                &after,
                Some((by(2), ChangeKind::Updated)),
            )?;
            assert!(
                tx.find(customer, "name", "顧客249")?.is_empty(),
                "the old value is gone"
            );
            assert_eq!(tx.find(customer, "name", "改名")?, ["C000001"]);
            // Numbers are found by value, whatever was typed.
            assert_eq!(tx.find(customer, "employees", "7")?, ["C000002"]);
            Ok(())
        })
        .expect("writes");
    assert_eq!(
        store.record_count("acme", "customer").expect("counts"),
        250,
        "an update does not count"
    );

    // Pages: by id, by a field both ways (empties last), with a search.
    let ids = |page: &sheetlink_server::store::FoundPage| {
        page.records
            .iter()
            .map(|r| r.id.clone())
            .collect::<Vec<_>>()
    };
    let first = store
        .record_page("acme", customer, None, None, None)
        .expect("reads");
    assert_eq!(first.records.len(), RECORDS_PAGE);
    assert_eq!(first.records[0].id, "C000001");
    let mut seen = ids(&first);
    let mut next = first.next.clone();
    while let Some(after) = next {
        let page = store
            .record_page("acme", customer, None, None, Some(&after))
            .expect("reads");
        seen.extend(ids(&page));
        next = page.next;
    }
    assert_eq!(seen.len(), 250, "every record once, in id order");
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    for descending in [false, true] {
        let key = SortKey {
            field: "employees".into(),
            descending,
        };
        let mut values = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = store
                .record_page("acme", customer, Some(&key), None, next.as_deref())
                .expect("reads");
            values.extend(
                page.records
                    .iter()
                    .map(|r| r.values[at("employees")].clone()),
            );
            next = page.next;
            if next.is_none() {
                break;
            }
        }
        assert_eq!(values.len(), 250);
        let (filled, empty) = values.split_at(200);
        assert!(empty.iter().all(Option::is_none), "empty values come last");
        let numbers: Vec<u32> = filled
            .iter()
            .map(|v| v.as_deref().and_then(|v| v.parse().ok()).expect("a number"))
            .collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        if descending {
            sorted.reverse();
        }
        assert_eq!(
            numbers, sorted,
            "by value, not as text (descending: {descending})"
        );
    }
    let search = RecordFilter::new(
        &Filter::Compare {
            field: "name".into(),
            comparison: Comparison::Contains,
            value: "顧客0".into(),
        },
        customer,
    )
    .expect("a valid search");
    let by_name = SortKey {
        field: "name".into(),
        descending: false,
    };
    let found = store
        .record_page("acme", customer, Some(&by_name), Some(&search), None)
        .expect("reads");
    assert_eq!(found.records.len(), RECORDS_PAGE);
    assert_eq!(
        found.records[0].values[at("name")].as_deref(),
        Some("顧客000")
    );
    assert!(
        found.next.is_none() && !found.partial,
        "顧客000…顧客099 fill exactly one page: no next page"
    );
    let by_name_desc = SortKey {
        field: "name".into(),
        descending: true,
    };
    let last = store
        .record_page("acme", customer, Some(&by_name_desc), Some(&search), None)
        .expect("reads");
    assert_eq!(
        last.records[0].values[at("name")].as_deref(),
        Some("顧客099")
    );
    assert!(
        store
            .record_page(
                "acme",
                customer,
                Some(&by_name),
                None,
                Some("x-not-a-cursor")
            )
            .is_err(),
        "a cursor the server did not write is refused"
    );

    // Links: deals pointing at a customer are found and counted.
    let deal_record = |id: &str, customer_id: &str| {
        let mut values = vec![None; deal.fields.len()];
        values[deal.field_index("id").expect("id")] = Some(id.to_owned());
        values[deal.field_index("customer").expect("customer")] = Some(customer_id.to_owned());
        SheetRecord {
            id: id.into(),
            values,
        }
    };
    store
        .write_crm("acme", |tx| {
            for i in 0..25 {
                tx.put_record(
                    deal,
                    None,
                    &deal_record(&format!("D{i:06}"), "C000003"),
                    None,
                )?;
            }
            Ok(())
        })
        .expect("writes");
    let linking = store
        .linking("acme", &catalog, "customer", "C000003", 20)
        .expect("reads");
    assert_eq!(linking.len(), 1);
    assert_eq!(
        (linking[0].sheet.as_str(), linking[0].field.as_str()),
        ("deal", "customer")
    );
    assert_eq!((linking[0].count, linking[0].ids.len()), (25, 20));
    assert!(
        store
            .linking("acme", &catalog, "customer", "C000004", 20)
            .expect("reads")
            .is_empty()
    );

    // History: newest first, by whom and which run and row; bounded.
    let history = store
        .record_history("acme", "customer", "C000001")
        .expect("reads");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].kind, ChangeKind::Updated);
    assert_eq!(history[0].changes.len(), 1);
    assert_eq!(history[0].changes[0].before.as_deref(), Some("顧客249"));
    assert_eq!(history[0].changes[0].after.as_deref(), Some("改名"));
    assert_eq!(
        (history[1].kind, history[1].row),
        (ChangeKind::Created, Some(2))
    );
    assert_eq!(history[1].run.as_deref(), Some("run-1"));
    store
        .write_crm("acme", |tx| {
            for turn in 0..MAX_CHANGES_KEPT + 5 {
                let before = tx.record(customer, "C000002")?.expect("exists");
                let mut after = before.clone();
                after.values[at("employees")] = Some(turn.to_string());
                tx.put_record(
                    customer,
                    Some(&before),
                    &after,
                    Some((by(3), ChangeKind::Updated)),
                )?;
            }
            Ok(())
        })
        .expect("writes");
    let history = store
        .record_history("acme", "customer", "C000002")
        .expect("reads");
    assert_eq!(history.len(), MAX_CHANGES_KEPT, "the oldest are dropped");
    assert_eq!(
        history[0].changes[0].after.as_deref(),
        Some((MAX_CHANGES_KEPT + 4).to_string().as_str())
    );

    // Deleting takes the record out of the index, the count and history.
    store
        .write_crm("acme", |tx| {
            let record = tx.record(customer, "C000002")?.expect("exists");
            tx.delete_record(customer, &record)?;
            assert!(tx.record(customer, "C000002")?.is_none());
            assert!(tx.find(customer, "name", "顧客248")?.is_empty());
            Ok(())
        })
        .expect("deletes");
    assert_eq!(store.record_count("acme", "customer").expect("counts"), 249);
    assert!(
        store
            .record_history("acme", "customer", "C000002")
            .expect("reads")
            .is_empty()
    );

    // A search examines a bounded number of records per request, then
    // says where to go on.
    store
        .write_crm("big", |tx| {
            for i in 0..MAX_EXAMINED + 10 {
                let record = customer_record(&format!("C{i:06}"), "同名", None);
                tx.put_record(customer, None, &record, None)?;
            }
            Ok(())
        })
        .expect("writes");
    let nothing = RecordFilter::new(
        &Filter::Compare {
            field: "name".into(),
            comparison: Comparison::Equals,
            value: "別名".into(),
        },
        customer,
    )
    .expect("a valid search");
    let partial = store
        .record_page("big", customer, None, Some(&nothing), None)
        .expect("reads");
    assert!(partial.partial && partial.records.is_empty());
    let rest = store
        .record_page(
            "big",
            customer,
            None,
            Some(&nothing),
            partial.next.as_deref(),
        )
        .expect("reads");
    assert!(
        !rest.partial && rest.next.is_none(),
        "the last 10 finish the search"
    );
}

#[test]
fn redb_records_conform() {
    let (store, dir) = fresh("records");
    records_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any backend must do with mapping templates and dry runs: templates
/// kept per tenant in name order, a refused change writing nothing; a dry
/// run seeing its own writes and leaving none behind.
fn templates_and_dry_runs_conform(store: &impl Linkage) {
    use sheetlink_engine::linkage::{MappingTemplate, by_header};
    use sheetlink_protocol::accounts::AuditAction;

    let template = |name: &str| MappingTemplate {
        name: name.into(),
        sheet: "customer".into(),
        has_header: true,
        first_data_row: 2,
        mappings: vec![by_header("会社名", "name")],
        matching_keys: vec!["name".into()],
        relation_keys: Vec::new(),
    };
    assert!(store.mapping_templates("acme").expect("reads").is_empty());
    let saved = store
        .update_mapping_templates("acme", |templates| {
            templates.push(template("名刺"));
            templates.push(template("基幹"));
            Ok(audit_by("crm", AuditAction::MappingTemplateSaved, "基幹"))
        })
        .expect("saves");
    let names = |list: &[MappingTemplate]| list.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&saved), ["名刺", "基幹"], "in name order");
    assert_eq!(store.mapping_templates("acme").expect("reads"), saved);
    let refused = store.update_mapping_templates("acme", |templates| {
        templates.clear();
        Err(sheetlink_server::error::AppError::conflict(
            "no",
            "いいえ",
            "no",
        ))
    });
    assert!(refused.is_err());
    assert_eq!(
        store.mapping_templates("acme").expect("reads").len(),
        2,
        "nothing written"
    );
    assert!(
        store.mapping_templates("other").expect("reads").is_empty(),
        "tenants are apart"
    );

    let catalog = crm_catalog();
    let customer = catalog.sheet("customer").expect("customers");
    let mut values = vec![None; customer.fields.len()];
    values[customer.field_index("id").expect("id")] = Some("C900001".to_owned());
    values[customer.field_index("name").expect("name")] = Some("試しの顧客".to_owned());
    let record = SheetRecord {
        id: "C900001".into(),
        values,
    };
    let (seen, number) = store
        .dry_run_crm("acme", |tx| {
            tx.put_record(customer, None, &record, None)?;
            let seen = tx.find(customer, "name", "試しの顧客")?;
            Ok((seen, tx.next_number("customer")?))
        })
        .expect("tries");
    assert_eq!(seen, ["C900001"], "a dry run sees its own writes");
    assert!(
        store
            .records_by_id("acme", customer, &["C900001"])
            .expect("reads")
            .is_empty()
    );
    let after = store
        .write_crm("acme", |tx| tx.next_number("customer"))
        .expect("numbers");
    assert_eq!(after, number, "nor does it use up a number");
}

#[test]
fn redb_templates_and_dry_runs_conform() {
    let (store, dir) = fresh("templates");
    templates_and_dry_runs_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any backend's retention purge must do: past the newest imports and
/// runs kept, everything that belongs to them goes (never a running one);
/// keys, posts and mail past their days go; the audit log stays; every step
/// deletes at most its budget.
fn retention_conforms(
    store: &(impl Retention + Evaluations + Linkage + Idempotency + MailQueue + Accounts),
) {
    let day: u128 = 24 * 3_600 * 1_000;
    // The purge runs as if 35 days from now: a mail queued now is then 35
    // days overdue, one queued 20 days ahead 15.
    let now: u128 = sheetlink_server::ids::now_millis() + 35 * day;
    let id = |at: u128, n: usize| format!("{at:013}{n:06x}");
    let policy = RetentionPolicy {
        imports: 100,
        linkage_runs: 100,
        idempotency_days: 7,
        timeline_days: 90,
        mail_days: 30,
    };
    // 105 imports, a minute apart, the oldest one still running.
    let imports: Vec<String> = (0..105)
        .map(|n| id(now - 10 * day + n as u128 * 60_000, n))
        .collect();
    for (n, import) in imports.iter().enumerate() {
        let status = if n == 0 {
            ImportStatus::Running
        } else {
            ImportStatus::Completed
        };
        store
            .write_evaluations("acme", true, |tx| {
                tx.put_import(&import_record(import, status))?;
                tx.put_import_errors(import, &[import_error(2)])?;
                tx.put_error_file(import, b"error file")?;
                tx.put_progress(import, &Progress::default())?;
                for member in ["e1", "e2", "e3"] {
                    tx.put_changes(import, member, b"changes")?;
                }
                Ok(())
            })
            .expect("writes");
    }
    // Keys of imports 8 and 6 days old; posts 100 and 10 days old; mail
    // due 35 days ago and in 20 days.
    // 3 runs 10 days old, then 103 of the last day: the old ones go; the
    // young ones stay, even past the newest 100 (their keys may still be
    // sent, and the hourly limit counts them).
    let runs: Vec<String> = (0..106)
        .map(|n| {
            let at = if n < 3 { now - 10 * day } else { now - day };
            id(at + n as u128 * 60_000, 500 + n)
        })
        .collect();
    for run_id in &runs {
        store
            .write_crm("acme", |tx| tx.record_run(&run(run_id, 3)))
            .expect("writes");
    }
    let old_key = Remembered {
        body_hash: "h".into(),
        result_id: id(now - 8 * day, 1),
    };
    let new_key = Remembered {
        body_hash: "h".into(),
        result_id: id(now - 6 * day, 2),
    };
    store
        .write_crm("acme", |tx| {
            tx.remember("acme/batch/customers/old", &old_key)?;
            tx.remember("acme/batch/customers/new", &new_key)?;
            for (at, n) in [(now - 100 * day, 1), (now - 10 * day, 2)] {
                tx.post(&TimelinePost {
                    id: id(at, n),
                    at: 0,
                    targets: Vec::new(),
                    text: "post".into(),
                })?;
            }
            Ok(())
        })
        .expect("writes");
    store
        .write_crm("acme", |tx| {
            tx.enqueue_mail(&mail("overdue"), 0)?;
            tx.enqueue_mail(&mail("recent"), 20 * day)
        })
        .expect("queues");
    let audit_count = || {
        let mut count = 0;
        store
            .audit_newest_first("acme", &mut |_| {
                count += 1;
                true
            })
            .expect("reads");
        count
    };
    let audit_before = audit_count();
    assert!(audit_before > 0);

    // Bounded steps until one deletes nothing.
    let mut steps = 0;
    loop {
        let deleted = store.purge_step(&policy, now, 7).expect("purges");
        assert!(deleted <= 7, "a step deletes at most its budget: {deleted}");
        if deleted == 0 {
            break;
        }
        steps += 1;
        assert!(steps < 1_000, "the purge ends");
    }
    assert!(steps > 3, "several steps: {steps}");

    // The newest 100 imports stay whole; the running oldest stays; the four
    // between go with their details.
    for (n, import) in imports.iter().enumerate() {
        let kept = n == 0 || n >= 5;
        assert_eq!(
            store.import("acme", import).expect("reads").is_some(),
            kept,
            "import {n}"
        );
        assert_eq!(
            store.error_file("acme", import).expect("reads").is_some(),
            kept,
            "file {n}"
        );
        assert_eq!(
            !store
                .import_errors("acme", import)
                .expect("reads")
                .is_empty(),
            kept,
            "errors {n}"
        );
        assert_eq!(
            store
                .import_progress("acme", import)
                .expect("reads")
                .is_some(),
            kept,
            "progress {n}"
        );
        assert_eq!(
            store.change_log("acme", import).expect("reads").len(),
            if kept { 3 } else { 0 },
            "changes {n}"
        );
    }
    for (n, run_id) in runs.iter().enumerate() {
        let run = store.linkage_run("acme", run_id).expect("reads");
        assert_eq!(run.is_some(), n >= 3, "run {n}");
        if let Some(run) = run {
            assert_eq!(run.rows.len(), 3, "rows kept with run {n}");
        }
    }
    assert!(
        store
            .remembered("acme/batch/customers/old")
            .expect("reads")
            .is_none()
    );
    assert!(
        store
            .remembered("acme/batch/customers/new")
            .expect("reads")
            .is_some()
    );
    let mut posts = Vec::new();
    store
        .timeline_newest_first("acme", &mut |post| {
            posts.push(post.id);
            true
        })
        .expect("reads");
    assert_eq!(posts, vec![id(now - 10 * day, 2)]);
    assert_eq!(audit_count(), audit_before, "the audit log is never purged");
    assert_eq!(
        store.queued().expect("reads"),
        1,
        "the overdue mail was given up"
    );
}

#[test]
fn redb_retention_conforms() {
    let (store, dir) = fresh("retention");
    store
        .create_tenant(
            &sheetlink_server::model::Tenant {
                id: "acme".into(),
                name: "Acme".into(),
                created_at: 1,
                disabled_at: None,
            },
            &member("admin", Some("sato")),
            &Change {
                audit: Some(audit_by(
                    "op",
                    sheetlink_protocol::accounts::AuditAction::TenantCreated,
                    "acme",
                )),
                ..Change::default()
            },
        )
        .expect("writes")
        .expect("a new tenant");
    retention_conforms(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A change log is read a page at a time: only that page, in member order.
fn change_log_pages_conform(store: &impl Evaluations) {
    store
        .write_evaluations("acme", true, |tx| {
            for member in ["e5", "e1", "e3", "e2", "e4"] {
                tx.put_changes("imp", member, member.as_bytes())?;
            }
            tx.put_changes("other", "e0", b"x")
        })
        .expect("writes");
    let page = |after: Option<&str>, members, bytes| {
        let (page, more) = store
            .change_log_page("acme", "imp", after, members, bytes)
            .expect("reads");
        (page.into_iter().map(|(m, _)| m).collect::<Vec<_>>(), more)
    };
    assert_eq!(page(None, 2, 1_000), (vec!["e1".into(), "e2".into()], true));
    assert_eq!(
        page(Some("e2"), 2, 1_000),
        (vec!["e3".into(), "e4".into()], true)
    );
    assert_eq!(page(Some("e4"), 2, 1_000), (vec!["e5".into()], false));
    // The byte bound: a page ends once it holds that much.
    assert_eq!(page(None, 100, 3), (vec!["e1".into(), "e2".into()], true));
    assert_eq!(page(Some("e5"), 2, 1_000), (Vec::<String>::new(), false));
}

#[test]
fn redb_change_log_pages_conform() {
    let (store, dir) = fresh("change-log-pages");
    change_log_pages_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A list holds at most its bound; what does not fit is counted, never
/// half-written.
fn lists_are_bounded_conform(store: &impl Linkage) {
    let max = sheetlink_server::store::MAX_LIST_ENTRIES;
    let first: Vec<String> = (0..max - 2).map(|n| format!("customer/C{n:07}")).collect();
    let more: Vec<String> = (max - 2..max + 3)
        .map(|n| format!("customer/C{n:07}"))
        .collect();
    let not_added = store
        .write_crm("acme", |tx| {
            assert_eq!(tx.add_to_list("big", &first)?, 0);
            // Already there: neither added again nor counted.
            assert_eq!(tx.add_to_list("big", &first[..10])?, 0);
            tx.add_to_list("big", &more)
        })
        .expect("writes");
    assert_eq!(not_added, 3);
    let list = store.list("acme", "big").expect("reads").expect("the list");
    assert_eq!(list.len(), max);
    assert_eq!(list.last(), Some(&more[1]));
    assert_eq!(store.list("acme", "none").expect("reads"), None);
}

#[test]
fn redb_lists_are_bounded() {
    let (store, dir) = fresh("list-bound");
    lists_are_bounded_conform(&store);
    let _ = std::fs::remove_dir_all(&dir);
}
