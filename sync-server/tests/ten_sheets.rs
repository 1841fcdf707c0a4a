//! Every one of the ten CRM sheets through the batch API, both ways: a file
//! with every field of the sheet (relations found by the related record's
//! id or name) imported in each mode — insert only (twice: the second run
//! meets the records), update only (in Shift_JIS, with a row that matches
//! nothing), insert and update (UTF-8 with BOM) — then exported with a
//! search and an order, in Shift_JIS, relations written as the related
//! record's name.

mod common;

use axum::http::{Method, StatusCode};
use common::http::{batch, call, cookie_of};
use serde_json::{Value, json};
use sheetlink_engine::linkage::{Field, FieldType, Sheet, crm_catalog};
use sheetlink_server::Config;
use sheetlink_server::seed::DEMO_CRM_ADMIN;

/// A record of the demo each sheet's relations can point at, by id.
fn demo_target(sheet: &str) -> &'static str {
    match sheet {
        "customer" => "C000001",
        "deal" => "D000101",
        "employee" => "E000001",
        "department" => "D000001",
        "product" => "P000101",
        "product_category" => "P000001",
        other => panic!("no demo target for {other}"),
    }
}

/// A value a person would type into `field` on row `n` (1, 2, …), and the
/// value the record then holds (canonical; a relation as the id it finds).
fn value(sheet: &Sheet, field: &Field, n: u32, (round, r): (&str, u32)) -> (String, String) {
    let same = |v: String| (v.clone(), v);
    match field.field_type {
        _ if field.is_id => same(format!("T-{}-{n}", sheet.id)),
        FieldType::Text | FieldType::Address => same(format!("{round}{}{n} ①", field.label)),
        FieldType::Number => (format!("{n}{r}.50"), format!("{n}{r}.5")),
        FieldType::Date => (format!("2026/4/{n}"), format!("2026-04-0{n}")),
        FieldType::Datetime => (format!("2026/4/{n} 9:30"), format!("2026-04-0{n} 09:30:00")),
        FieldType::Time => (format!("9:0{n}"), format!("09:0{n}:00")),
        FieldType::Email => same(format!("{round}{n}@example.co.jp")),
        FieldType::Phone => same(format!("03-1234-000{n}")),
        FieldType::Link => same(format!("https://example.co.jp/{round}{n}")),
        FieldType::Dropdown => same(field.options[n as usize % field.options.len()].clone()),
        FieldType::Checkbox => same((n % 2).to_string()),
        FieldType::Relation => {
            let related = field.relation_sheet.as_deref().unwrap_or_default();
            // A sheet pointing at itself points at its first demo record.
            same(demo_target(related).to_owned())
        }
    }
}

/// The file of `rows` (numbers), every field headed by its label, and the
/// values the records then hold per row.
fn file(sheet: &Sheet, rows: &[u32], round: (&str, u32)) -> (String, Vec<Vec<String>>) {
    let mut csv = sheet
        .fields
        .iter()
        .map(|f| f.label.clone())
        .collect::<Vec<_>>()
        .join(",");
    csv.push_str("\r\n");
    let mut held = Vec::new();
    for &n in rows {
        let (typed, stored): (Vec<String>, Vec<String>) = sheet
            .fields
            .iter()
            .map(|f| value(sheet, f, n, round))
            .unzip();
        csv.push_str(&typed.join(","));
        csv.push_str("\r\n");
        held.push(stored);
    }
    (csv, held)
}

fn import_condition(sheet: &Sheet, key: &str, mode: &str, encoding: Option<&str>) -> Value {
    let mappings: Vec<Value> = sheet
        .fields
        .iter()
        .map(|f| json!({"source": {"header": f.label}, "field": f.id}))
        .collect();
    let relation_keys: Vec<Value> = sheet
        .fields
        .iter()
        .filter(|f| f.field_type == FieldType::Relation)
        .map(|f| json!({"field": f.id, "key_field": "id"}))
        .collect();
    json!({
        "key": key, "sheet": sheet.id, "mode": mode, "encoding": encoding,
        "duplicates": {"existing": "error"},
        "mappings": mappings, "matching_keys": ["id"], "relation_keys": relation_keys,
    })
}

fn counts(run: &Value) -> [u64; 4] {
    ["created", "updated", "failed", "skipped"]
        .map(|k| run["counts"][k].as_u64().unwrap_or(u64::MAX))
}

#[tokio::test]
async fn every_sheet_imports_in_every_mode_and_exports() {
    let (app, _) = common::server("ten-sheets", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let token = call(&app, Method::POST, "/api/linkage/token", Some(&crm), None).await;
    let token = token.body["token"].as_str().expect("a token").to_owned();
    let catalog = crm_catalog();
    assert_eq!(catalog.sheets.len(), 10);
    for sheet in &catalog.sheets {
        let id = &sheet.id;
        for (key, mode, encoding) in [
            ("insert", "insert_only", Some("utf8")),
            ("update", "update_only", Some("shift_jis")),
            ("upsert", "insert_and_update", None),
        ] {
            let created = call(
                &app,
                Method::POST,
                "/api/linkage/import-conditions",
                Some(&crm),
                Some(json!({"condition": import_condition(sheet, &format!("{id}-{key}"), mode, encoding), "after": {}})),
            )
            .await;
            assert_eq!(
                created.status,
                StatusCode::CREATED,
                "{id} {key}: {}",
                created.body
            );
        }
        let import = |key: &str| format!("/api/batch/imports/{id}-{key}");

        // Insert only: two new records; again, both exist (an error each).
        let (csv, _) = file(sheet, &[1, 2], ("初回", 1));
        let run = batch(
            &app,
            &token,
            &import("insert"),
            Some(csv.clone().into_bytes()),
        )
        .await;
        assert_eq!(run.status, StatusCode::OK, "{id}: {}", run.body);
        assert_eq!(counts(&run.body), [2, 0, 0, 0], "{id}: {}", run.body);
        let again = batch(&app, &token, &import("insert"), Some(csv.into_bytes())).await;
        assert_eq!(counts(&again.body), [0, 0, 2, 0], "{id}: {}", again.body);

        // Update only, in Shift_JIS: both change; row 3 matches nothing.
        let (csv, _) = file(sheet, &[1, 2, 3], ("更新", 2));
        let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(&csv);
        assert!(!lossy, "the file is Shift_JIS-clean");
        let run = batch(&app, &token, &import("update"), Some(sjis.into_owned())).await;
        assert_eq!(counts(&run.body), [0, 2, 1, 0], "{id}: {}", run.body);

        // Insert and update, UTF-8 with a BOM: row 2 changes, row 3 is new.
        let (csv, held) = file(sheet, &[2, 3], ("再取込", 3));
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(csv.as_bytes());
        let run = batch(&app, &token, &import("upsert"), Some(bytes)).await;
        assert_eq!(counts(&run.body), [1, 1, 0, 0], "{id}: {}", run.body);

        // Export: this test's records, newest id first, in Shift_JIS, each
        // relation by its related record's name (or id when the related
        // sheet has no name).
        let columns: Vec<Value> = sheet
            .fields
            .iter()
            .map(|f| match f.field_type {
                FieldType::Relation => {
                    json!({"header": f.label, "field": f.id, "relation_key": "name"})
                }
                _ => json!({"header": f.label, "field": f.id}),
            })
            .collect();
        let export = call(
            &app,
            Method::POST,
            "/api/linkage/export-conditions",
            Some(&crm),
            Some(json!({"condition": {
                "key": format!("{id}-out"), "sheet": id, "encoding": "shift_jis",
                "filter": {"compare": {"field": "id", "comparison": "contains", "value": format!("T-{id}-")}},
                "columns": columns, "sort": [{"field": "id", "descending": true}],
                "formula_protection": true, "unrepresentable": "refuse",
            }, "after": {}})),
        )
        .await;
        assert_eq!(export.status, StatusCode::CREATED, "{id}: {}", export.body);
        let out = batch(&app, &token, &format!("/api/batch/exports/{id}-out"), None).await;
        assert_eq!(
            out.status,
            StatusCode::OK,
            "{id}: {}",
            String::from_utf8_lossy(&out.bytes)
        );
        let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&out.bytes);
        assert!(!malformed, "{id}: Shift_JIS");
        let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 4, "{id}: header and three records: {text}");
        assert!(lines[1].starts_with(&format!("T-{id}-3,")), "{id}: {text}");
        assert!(lines[3].starts_with(&format!("T-{id}-1,")), "{id}: {text}");
        // Row 3 as the upsert left it: every value as stored, relations by
        // their record's name.
        let cells: Vec<&str> = lines[1].split(',').collect();
        for ((field, cell), stored) in sheet.fields.iter().zip(&cells).zip(&held[1]) {
            if field.field_type == FieldType::Relation {
                assert!(
                    !cell.is_empty() && *cell != stored,
                    "{id}.{}: named, not {stored}",
                    field.id
                );
            } else {
                assert_eq!(cell, stored, "{id}.{}", field.id);
            }
        }
    }
}
