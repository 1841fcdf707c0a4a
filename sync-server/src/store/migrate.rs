//! The store's format version and the migrations between versions, run when
//! the store is opened, before anything else reads it.
//!
//! A data directory written before the format was versioned has no `meta`
//! table and is format 1. Format 2 keeps an import's errors apart from its
//! record (`import_errors`, the first 1,000, with exact totals per code in the
//! record) and sessions in their own database (`sessions.redb`). A format
//! newer than this build knows is refused: an older server must not half-read
//! what a newer one wrote. Format 3 keeps import errors, batch rows and the
//! reason a batch file was refused coded (`crate::notice`), never as
//! finished sentences. Format 4 has accounts: login ids per tenant
//! (`{tenant}/{login}`, folded to lower case), a record per tenant, and
//! roles a person may hold several of (an old admin becomes evaluation and
//! CRM admin — both of what an admin could do before). Format 5 stores CRM
//! records by field id; format 6 adds their index, each sheet's size and
//! each record's change history (`store::records`). Format 7 keeps a list
//! as a head and an entry per member (`store::lists`) instead of one JSON
//! array rewritten whole.

use redb::{Database, ReadableTable, TableDefinition};

use super::linkage::StoredHead;
use super::tables::{
    IMPORT_ERRORS, IMPORTS, LINKAGE_RUN_ROWS, LINKAGE_RUNS, LOGINS, MEMBERS, SESSIONS, TENANTS,
};
use super::to_json;
use crate::error::AppError;
use crate::imports::{ImportError, ImportRecord, MAX_STORED_ERRORS};
use crate::linkage::{LinkageRun, MAX_STORED_ROW_RESULTS, RowRecord, RowResult};
use crate::notice::{Note, Notice};

/// `format` → the store's format version.
pub const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
/// The format this build writes.
pub const FORMAT: u64 = 7;
const FORMAT_KEY: &str = "format";

/// The stored format version (1 for a store written before versions).
pub fn format(db: &Database) -> Result<u64, AppError> {
    use redb::ReadableDatabase as _;
    let read = db.begin_read().map_err(AppError::internal)?;
    match read.open_table(META) {
        Ok(table) => Ok(table
            .get(FORMAT_KEY)
            .map_err(AppError::internal)?
            .map_or(1, |v| v.value())),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(1),
        Err(error) => Err(AppError::internal(error)),
    }
}

/// Brings the store to [`FORMAT`], each step in one transaction; returns
/// the format it found. Refuses a newer format.
pub fn migrate(db: &Database) -> anyhow::Result<u64> {
    let found = format(db).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    if found > FORMAT {
        anyhow::bail!(
            "this data directory was written by a newer sheetlink-server (store format {found}; \
             this build knows formats up to {FORMAT}): run that version, or restore a backup"
        );
    }
    if found < 2 {
        one_to_two(db).map_err(|e| anyhow::anyhow!("migrating the store to format 2: {e:?}"))?;
    }
    if found < 3 {
        two_to_three(db).map_err(|e| anyhow::anyhow!("migrating the store to format 3: {e:?}"))?;
    }
    if found < 4 {
        three_to_four(db).map_err(|e| anyhow::anyhow!("migrating the store to format 4: {e}"))?;
    }
    if found < 5 {
        four_to_five(db).map_err(|e| anyhow::anyhow!("migrating the store to format 5: {e}"))?;
    }
    if found < 6 {
        five_to_six(db).map_err(|e| anyhow::anyhow!("migrating the store to format 6: {e}"))?;
    }
    if found < 7 {
        six_to_seven(db).map_err(|e| anyhow::anyhow!("migrating the store to format 7: {e}"))?;
    }
    Ok(found)
}

/// Format 1 → 2: inline import errors move to `import_errors` (the first
/// 1,000, totals per code in the record); the main database's sessions are
/// dropped (people sign in again; sessions now live in `sessions.redb`).
fn one_to_two(db: &Database) -> Result<(), AppError> {
    /// An import record as format 1 stored it: every error inline.
    #[derive(serde::Deserialize)]
    struct Inline {
        #[serde(default)]
        errors: Vec<ImportError>,
    }
    let write = db.begin_write().map_err(AppError::internal)?;
    {
        let mut imports = write.open_table(IMPORTS).map_err(AppError::internal)?;
        let mut moved = Vec::new();
        for entry in imports.iter().map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            let inline: Inline =
                serde_json::from_slice(value.value()).map_err(AppError::internal)?;
            if inline.errors.is_empty() {
                continue;
            }
            let mut record: ImportRecord =
                serde_json::from_slice(value.value()).map_err(AppError::internal)?;
            record.summarize_errors(inline.errors.iter().map(|e| e.code.as_str()));
            let mut errors = inline.errors;
            errors.truncate(MAX_STORED_ERRORS);
            moved.push((key.value().to_owned(), record, errors));
        }
        let mut stored_errors = write
            .open_table(IMPORT_ERRORS)
            .map_err(AppError::internal)?;
        for (key, record, errors) in moved {
            imports
                .insert(key.as_str(), to_json(&record)?.as_slice())
                .map_err(AppError::internal)?;
            stored_errors
                .insert(key.as_str(), to_json(&errors)?.as_slice())
                .map_err(AppError::internal)?;
        }
    }
    match write.delete_table(SESSIONS) {
        Ok(_) => {}
        Err(error) => return Err(AppError::internal(error)),
    }
    write
        .open_table(META)
        .map_err(AppError::internal)?
        .insert(FORMAT_KEY, 2)
        .map_err(AppError::internal)?;
    write.commit().map_err(AppError::internal)
}

/// Format 2 → 3: what was kept as sentences becomes notes that keep them
/// ([`Notice::Sentence`]: the code and both sentences as they were, since
/// their values are gone): import errors, batch rows (runs that still held
/// their rows inline get them moved apart, the first 1,000), and the reason
/// a batch file was refused.
fn two_to_three(db: &Database) -> Result<(), AppError> {
    let sentence = |code: String, ja: String, en: String| Note {
        row: None,
        column: None,
        field: None,
        notice: Notice::Sentence { code, ja, en },
    };
    let row = |result: RowResult| RowRecord {
        row: result.row,
        outcome: result.outcome,
        record: result.record,
        notes: match (result.code, result.message, result.message_en) {
            (None, None, None) => Vec::new(),
            (code, ja, en) => vec![sentence(
                code.unwrap_or_else(|| "row.refused".into()),
                ja.unwrap_or_default(),
                en.unwrap_or_default(),
            )],
        },
    };
    let write = db.begin_write().map_err(AppError::internal)?;
    {
        let mut errors = write
            .open_table(IMPORT_ERRORS)
            .map_err(AppError::internal)?;
        let mut coded = Vec::new();
        for entry in errors.iter().map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            let old: Vec<ImportError> =
                serde_json::from_slice(value.value()).map_err(AppError::internal)?;
            let notes: Vec<Note> = old
                .into_iter()
                .map(|error| Note {
                    row: error.row,
                    column: error.column,
                    ..sentence(error.code, error.message, error.message_en)
                })
                .collect();
            coded.push((key.value().to_owned(), notes));
        }
        for (key, notes) in coded {
            errors
                .insert(key.as_str(), to_json(&notes)?.as_slice())
                .map_err(AppError::internal)?;
        }

        let mut rows = write
            .open_table(LINKAGE_RUN_ROWS)
            .map_err(AppError::internal)?;
        let mut coded = Vec::new();
        for entry in rows.iter().map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            let old: Vec<RowResult> =
                serde_json::from_slice(value.value()).map_err(AppError::internal)?;
            let records: Vec<RowRecord> = old.into_iter().map(row).collect();
            coded.push((key.value().to_owned(), records));
        }
        for (key, records) in coded {
            rows.insert(key.as_str(), to_json(&records)?.as_slice())
                .map_err(AppError::internal)?;
        }

        let mut runs = write.open_table(LINKAGE_RUNS).map_err(AppError::internal)?;
        let mut heads = Vec::new();
        for entry in runs.iter().map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            let mut run: LinkageRun =
                serde_json::from_slice(value.value()).map_err(AppError::internal)?;
            let reason_notes = match (run.reason.take(), run.reason_en.take()) {
                (None, None) => Vec::new(),
                (ja, en) => vec![sentence(
                    "file.refused".into(),
                    ja.unwrap_or_default(),
                    en.unwrap_or_default(),
                )],
            };
            let inline: Vec<RowRecord> =
                std::mem::take(&mut run.rows).into_iter().map(row).collect();
            let kept = inline.len().min(MAX_STORED_ROW_RESULTS);
            run.rows_truncated |= kept < inline.len();
            heads.push((
                key.value().to_owned(),
                StoredHead {
                    head: run,
                    reason_notes,
                },
                inline[..kept].to_vec(),
            ));
        }
        for (key, head, inline) in heads {
            runs.insert(key.as_str(), to_json(&head)?.as_slice())
                .map_err(AppError::internal)?;
            if !inline.is_empty()
                && rows
                    .get(key.as_str())
                    .map_err(AppError::internal)?
                    .is_none()
            {
                rows.insert(key.as_str(), to_json(&inline)?.as_slice())
                    .map_err(AppError::internal)?;
            }
        }
    }
    write
        .open_table(META)
        .map_err(AppError::internal)?
        .insert(FORMAT_KEY, 3)
        .map_err(AppError::internal)?;
    write.commit().map_err(AppError::internal)
}

/// A member's roles as format 4 keeps them, from format 3's one `role`.
fn roles_of(role: &serde_json::Value) -> serde_json::Value {
    match role.get("kind").and_then(|k| k.as_str()) {
        Some("admin") => serde_json::json!({"evaluation_admin": true, "crm_admin": true}),
        Some("leader") => serde_json::json!({"leader": {
            "groups": role.get("groups").cloned().unwrap_or_default(),
            "periods": role.get("periods").cloned().unwrap_or_default(),
        }}),
        _ => serde_json::json!({}),
    }
}

/// Format 3 → 4: roles, per-tenant folded logins, tenant records. A login
/// id that folds onto another in the same tenant stops the migration with
/// both named (nothing is written): an operator renames one with the
/// previous version first.
fn three_to_four(db: &Database) -> Result<(), String> {
    use std::collections::BTreeMap;
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let write = db.begin_write().map_err(|e| fail(&e))?;
    {
        let mut members = write.open_table(MEMBERS).map_err(|e| fail(&e))?;
        let mut changed = Vec::new();
        let mut tenants = BTreeMap::new();
        for entry in members.iter().map_err(|e| fail(&e))? {
            let (key, value) = entry.map_err(|e| fail(&e))?;
            let key = key.value().to_owned();
            let tenant = key.split('/').next().unwrap_or_default().to_owned();
            tenants.insert(tenant, ());
            let mut member: serde_json::Value =
                serde_json::from_slice(value.value()).map_err(|e| fail(&e))?;
            let Some(object) = member.as_object_mut() else {
                return Err(format!("member {key} is not a JSON object"));
            };
            if let Some(role) = object.remove("role") {
                object.insert("roles".into(), roles_of(&role));
            }
            if let Some(serde_json::Value::String(login)) = object.get_mut("login_id") {
                *login = sheetlink_protocol::naming::login_key(login);
            }
            changed.push((key, serde_json::to_vec(&member).map_err(|e| fail(&e))?));
        }
        for (key, value) in changed {
            members
                .insert(key.as_str(), value.as_slice())
                .map_err(|e| fail(&e))?;
        }

        let mut logins = write.open_table(LOGINS).map_err(|e| fail(&e))?;
        let mut moved: BTreeMap<String, (String, String)> = BTreeMap::new();
        for entry in logins.iter().map_err(|e| fail(&e))? {
            let (login, target) = entry.map_err(|e| fail(&e))?;
            let (login, target) = (login.value().to_owned(), target.value().to_owned());
            let Some((tenant, member)) = target.split_once('/') else {
                return Err(format!(
                    "login {login} points at {target}, not tenant/member"
                ));
            };
            let key = super::tables::login_key(tenant, &login);
            if let Some((other, _)) = moved.get(&key) {
                return Err(format!(
                    "the login ids {other} and {login} of tenant {tenant} are one login id \
                     now that case does not count: rename one with the previous version first"
                ));
            }
            moved.insert(key, (login, member.to_owned()));
        }
        logins.retain(|_, _| false).map_err(|e| fail(&e))?;
        for (key, (_, member)) in &moved {
            logins
                .insert(key.as_str(), member.as_str())
                .map_err(|e| fail(&e))?;
        }

        let mut records = write.open_table(TENANTS).map_err(|e| fail(&e))?;
        for tenant in tenants.keys() {
            let record = crate::model::Tenant {
                id: tenant.clone(),
                name: tenant.clone(),
                created_at: crate::ids::now(),
                disabled_at: None,
            };
            let bytes = serde_json::to_vec(&record).map_err(|e| fail(&e))?;
            records
                .insert(tenant.as_str(), bytes.as_slice())
                .map_err(|e| fail(&e))?;
        }
    }
    write
        .open_table(META)
        .map_err(|e| fail(&e))?
        .insert(FORMAT_KEY, 4)
        .map_err(|e| fail(&e))?;
    write.commit().map_err(|e| fail(&e))
}

/// Format 4 → 5: CRM records by field id. Each record was a JSON array
/// aligned with its sheet's fields in the standard catalog (the only one
/// before format 5); it becomes an object of its non-empty values by field
/// id. A record of a sheet the catalog does not know stops the migration.
fn four_to_five(db: &Database) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let write = db.begin_write().map_err(|e| fail(&e))?;
    {
        let mut records = write
            .open_table(super::tables::CRM_RECORDS)
            .map_err(|e| fail(&e))?;
        let mut changed = Vec::new();
        for entry in records.iter().map_err(|e| fail(&e))? {
            let (key, value) = entry.map_err(|e| fail(&e))?;
            let key = key.value().to_owned();
            let values: Vec<Option<String>> = match serde_json::from_slice(value.value()) {
                Ok(values) => values,
                // Already by field id.
                Err(_) => continue,
            };
            let sheet_id = key.split('/').nth(1).unwrap_or_default();
            let Some(sheet) = catalog.sheet(sheet_id) else {
                return Err(format!(
                    "record {key} is of a sheet this version does not know"
                ));
            };
            let bytes = super::linkage::encode_record(sheet, &values).map_err(|e| fail(&e))?;
            changed.push((key, bytes));
        }
        for (key, value) in changed {
            records
                .insert(key.as_str(), value.as_slice())
                .map_err(|e| fail(&e))?;
        }
    }
    write
        .open_table(META)
        .map_err(|e| fail(&e))?
        .insert(FORMAT_KEY, 5)
        .map_err(|e| fail(&e))?;
    write.commit().map_err(|e| fail(&e))
}

/// Format 5 → 6: the CRM index and each sheet's size, built from the
/// records (a record's history starts with its next change).
fn five_to_six(db: &Database) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let write = db.begin_write().map_err(|e| fail(&e))?;
    {
        let records = write
            .open_table(super::tables::CRM_RECORDS)
            .map_err(|e| fail(&e))?;
        let mut all = Vec::new();
        for entry in records.iter().map_err(|e| fail(&e))? {
            let (key, value) = entry.map_err(|e| fail(&e))?;
            let key = key.value().to_owned();
            let mut parts = key.splitn(3, '/');
            let (Some(tenant), Some(sheet_id), Some(id)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!("record key {key} is not tenant/sheet/id"));
            };
            let Some(sheet) = catalog.sheet(sheet_id) else {
                return Err(format!(
                    "record {key} is of a sheet this version does not know"
                ));
            };
            let values =
                super::linkage::decode_record(sheet, value.value()).map_err(|e| fail(&e))?;
            all.push((tenant.to_owned(), sheet, id.to_owned(), values));
        }
        drop(records);
        let mut tables = super::records::CrmTables::open(&write).map_err(|e| fail(&e))?;
        for (tenant, sheet, id, values) in all {
            let record = sheetlink_engine::linkage::SheetRecord { id, values };
            // Rewriting the same record as new adds its index entries and
            // counts it; the values are the same bytes.
            tables
                .write_record(&tenant, sheet, None, &record, None)
                .map_err(|e| fail(&e))?;
        }
    }
    write
        .open_table(META)
        .map_err(|e| fail(&e))?
        .insert(FORMAT_KEY, 6)
        .map_err(|e| fail(&e))?;
    write.commit().map_err(|e| fail(&e))
}

/// Format 6 → 7: each list's JSON array becomes a head and an entry per
/// member, in the same order; every entry is kept, even past the bound new
/// additions respect. The old table is emptied.
fn six_to_seven(db: &Database) -> Result<(), String> {
    use super::tables::{LIST_ENTRIES, LIST_HEADS, LIST_MEMBERS, LISTS};
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let write = db.begin_write().map_err(|e| fail(&e))?;
    {
        let mut old = write.open_table(LISTS).map_err(|e| fail(&e))?;
        let mut heads = write.open_table(LIST_HEADS).map_err(|e| fail(&e))?;
        let mut rows = write.open_table(LIST_ENTRIES).map_err(|e| fail(&e))?;
        let mut members = write.open_table(LIST_MEMBERS).map_err(|e| fail(&e))?;
        let mut lists = Vec::new();
        for entry in old.iter().map_err(|e| fail(&e))? {
            let (key, value) = entry.map_err(|e| fail(&e))?;
            let entries: Vec<String> =
                serde_json::from_slice(value.value()).map_err(|e| fail(&e))?;
            lists.push((key.value().to_owned(), entries));
        }
        for (key, entries) in &lists {
            let mut head = super::ListHead::default();
            for entry in entries {
                if members
                    .get((key.as_str(), entry.as_str()))
                    .map_err(|e| fail(&e))?
                    .is_some()
                {
                    continue;
                }
                members
                    .insert((key.as_str(), entry.as_str()), head.next)
                    .map_err(|e| fail(&e))?;
                rows.insert((key.as_str(), head.next), entry.as_str())
                    .map_err(|e| fail(&e))?;
                head.next += 1;
                let sheet = entry.split_once('/').map_or("", |(sheet, _)| sheet);
                *head.per_sheet.entry(sheet.to_owned()).or_default() += 1;
            }
            heads
                .insert(
                    key.as_str(),
                    to_json(&head).map_err(|e| fail(&e))?.as_slice(),
                )
                .map_err(|e| fail(&e))?;
            old.remove(key.as_str()).map_err(|e| fail(&e))?;
        }
    }
    write
        .open_table(META)
        .map_err(|e| fail(&e))?
        .insert(FORMAT_KEY, 7)
        .map_err(|e| fail(&e))?;
    write.commit().map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{get_json, put_raw};

    #[test]
    fn format_6_lists_become_an_entry_per_member_in_their_order() {
        use crate::store::Linkage as _;
        let dir = std::env::temp_dir().join(format!("sheetlink-format6-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        {
            // A format-6 store holding lists as JSON arrays (one with an
            // entry twice, as no writer made, but kept once).
            let db = Database::create(dir.join("sheetlink.redb")).expect("db");
            let write = db.begin_write().expect("write");
            write
                .open_table(META)
                .expect("meta")
                .insert(FORMAT_KEY, 6)
                .expect("insert");
            write.commit().expect("commit");
            let big: Vec<String> = (0..120_000).map(|n| format!("customer/C{n:07}")).collect();
            for (key, entries) in [
                (
                    "acme/夜間取込",
                    serde_json::json!(["customer/C2", "deal/D1", "customer/C1", "deal/D1"]),
                ),
                ("acme/大きい", serde_json::json!(big)),
            ] {
                put_raw(
                    &db,
                    super::super::tables::LISTS,
                    key,
                    entries.to_string().as_bytes(),
                )
                .expect("writes");
            }
        }
        let store = crate::Store::open(&dir).expect("opens and migrates");
        assert_eq!(
            store.list("acme", "夜間取込").expect("reads"),
            Some(vec![
                "customer/C2".to_owned(),
                "deal/D1".to_owned(),
                "customer/C1".to_owned()
            ])
        );
        let lists = store.lists("acme").expect("reads");
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].0, "夜間取込", "in name order");
        assert_eq!(lists[0].1.per_sheet.get("customer"), Some(&2));
        assert_eq!(lists[0].1.per_sheet.get("deal"), Some(&1));
        assert_eq!(lists[1].1.count(), 120_000, "nothing lost past the bound");
        let (_, page) = store
            .list_page("acme", "大きい", 119_990, 100)
            .expect("reads")
            .expect("a list");
        assert_eq!(page.len(), 10);
        assert_eq!(page[0], "customer/C0119990");
        store.with_db(|db| {
            assert!(
                crate::store::scan_raw(db, super::super::tables::LISTS, "")
                    .expect("reads")
                    .is_empty()
            );
            assert_eq!(format(db).expect("reads"), FORMAT);
        });
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn format_1_moves_inline_errors_out_and_drops_old_sessions() {
        let dir = std::env::temp_dir().join(format!("sheetlink-migrate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let db = Database::create(dir.join("sheetlink.redb")).expect("opens");
        let error = |row: u32, code: &str| {
            serde_json::json!({"row": row, "column": 3, "column_letter": "C", "code": code,
                "message": "数値ではありません。", "message_en": "Not a number."})
        };
        let errors: Vec<serde_json::Value> = (0..1_200)
            .map(|i| {
                error(
                    5 + i,
                    if i % 3 == 0 {
                        "number.invalid"
                    } else {
                        "number.above_max"
                    },
                )
            })
            .collect();
        // A record exactly as format 1 wrote it: no totals, errors inline.
        let old = serde_json::json!({
            "id": "0001", "period": "2026-h1", "sheet": "performance", "operator": "admin",
            "operator_name": "管理者", "started_at": 1, "ended_at": 2, "status": "all_failed",
            "counts": {"rows_in": 1200, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 1200},
            "errors": errors, "reverted_at": null, "items": ["score_total"]
        });
        put_raw(&db, IMPORTS, "demo/0001", old.to_string().as_bytes()).expect("writes");
        put_raw(&db, SESSIONS, "abc", b"{}").expect("writes");
        assert_eq!(format(&db).expect("reads"), 1);

        assert_eq!(migrate(&db).expect("migrates"), 1);
        assert_eq!(format(&db).expect("reads"), FORMAT);
        let record: ImportRecord = get_json(&db, IMPORTS, "demo/0001")
            .expect("reads")
            .expect("kept");
        assert_eq!(record.error_totals.get("number.invalid"), Some(&400));
        assert_eq!(record.error_totals.get("number.above_max"), Some(&800));
        assert!(record.errors_truncated);
        let raw: serde_json::Value = get_json(&db, IMPORTS, "demo/0001")
            .expect("reads")
            .expect("kept");
        assert!(raw.get("errors").is_none(), "no errors left inline");
        let kept: Vec<Note> = get_json(&db, IMPORT_ERRORS, "demo/0001")
            .expect("reads")
            .expect("kept");
        assert_eq!(kept.len(), MAX_STORED_ERRORS);
        assert_eq!(kept[0].row, Some(5));
        assert_eq!(
            kept[0].notice.code(),
            "number.invalid",
            "kept coded, with its sentences"
        );
        assert!(
            crate::store::get_raw(&db, SESSIONS, "abc")
                .expect("reads")
                .is_none(),
            "old sessions are dropped"
        );

        // Again: nothing to do. A newer format is refused with a message.
        assert_eq!(migrate(&db).expect("migrates"), FORMAT);
        let write = db.begin_write().expect("write");
        write
            .open_table(META)
            .expect("meta")
            .insert(FORMAT_KEY, 9)
            .expect("insert");
        write.commit().expect("commit");
        let refused = migrate(&db).expect_err("newer format");
        assert!(
            refused.to_string().contains("newer sheetlink-server"),
            "{refused}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
