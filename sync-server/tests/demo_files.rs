//! The demo files in `examples/demo/` are made from the demo tenant, so they
//! can never name a sheet, an item or an evaluatee the demo does not have:
//! per published sheet of 2026年度上期, the schema the demo group leader
//! downloads, a valid file of five of their evaluatees and the same file
//! with typical mistakes. This test makes them again and fails when the
//! committed ones differ; `SHEETLINK_WRITE_DEMO_FILES=1` rewrites them.

use std::path::PathBuf;

use sheetlink_engine::evaluation::{
    ItemKind, SheetSchema, Status, TemplateRow, validate, write_template,
};
use sheetlink_server::Store;
use sheetlink_server::auth::Caller;
use sheetlink_server::seed::{DEMO_TENANT, seed_demo};
use sheetlink_server::store::Organisation;

const PERIOD: &str = "2026-h1";
const ROWS: usize = 5;

/// A valid value of `kind` for row `row` (varied, never the seeded one).
fn value(kind: &ItemKind, row: usize) -> String {
    match kind {
        ItemKind::Number { min, max } => {
            let low = min.unwrap_or(0.0);
            let high = max.unwrap_or(100.0);
            let step = (high - low) / (ROWS as f64 + 3.0);
            (low + step * (row as f64 + 2.0)).round().to_string()
        }
        ItemKind::Text { .. } => [
            "目標を上回る成果",
            "新規顧客を3社開拓",
            "後輩の育成に尽力",
            "",
            "改善提案を実施",
        ][row % ROWS]
            .to_owned(),
        ItemKind::Dropdown { options } => options[row % options.len()].clone(),
        ItemKind::Checkbox => ["1", "0"][row % 2].to_owned(),
    }
}

/// Typical mistakes as `(column, what was typed)`, different kinds first: a
/// number over its maximum, a grade that is not an option, a checkbox ticked
/// with ○, a number written in words.
fn mistakes(items: &[sheetlink_engine::evaluation::Item]) -> Vec<(usize, &'static str)> {
    let typed = |kind: &ItemKind| match kind {
        ItemKind::Number { max: Some(_), .. } => Some((0, "999999")),
        ItemKind::Dropdown { .. } => Some((1, "優")),
        ItemKind::Checkbox => Some((2, "○")),
        ItemKind::Number { .. } => Some((3, "八十")),
        ItemKind::Text { .. } => None,
    };
    let mut first_of_kind: Vec<(u8, usize, &'static str)> = Vec::new();
    let mut others = Vec::new();
    for (column, item) in items.iter().enumerate() {
        let Some((kind, text)) = typed(&item.kind) else {
            continue;
        };
        if first_of_kind.iter().any(|(taken, ..)| *taken == kind) {
            others.push((column, if kind == 0 { "八十" } else { text }));
        } else {
            first_of_kind.push((kind, column, text));
        }
    }
    first_of_kind.sort_by_key(|(kind, ..)| *kind);
    first_of_kind
        .into_iter()
        .map(|(_, column, text)| (column, text))
        .chain(others)
        .collect()
}

struct DemoSheet {
    id: String,
    schema: SheetSchema,
    valid: Vec<u8>,
    with_errors: Vec<u8>,
}

fn demo_sheets() -> Vec<DemoSheet> {
    let dir = std::env::temp_dir().join(format!("sheetlink-demo-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("database opens");
    seed_demo(&store).expect("demo seeds");
    let leader = store
        .member(DEMO_TENANT, "leader")
        .expect("reads")
        .expect("the demo leader exists");
    let caller = Caller {
        tenant: DEMO_TENANT.to_owned(),
        member: leader,
    };
    let members = store.members(DEMO_TENANT).expect("reads");
    let sheets: Vec<_> = store
        .sheets(DEMO_TENANT)
        .expect("reads")
        .into_iter()
        .filter(|sheet| sheet.published)
        .collect();
    let made = sheets
        .iter()
        .map(|sheet| {
            let schema = sheetlink_server::sheets::schema(&store, &caller, PERIOD, &sheet.id)
                .expect("the leader may import this sheet");
            let keys: Vec<String> = schema
                .evaluatees
                .clone()
                .unwrap_or_default()
                .into_iter()
                .take(ROWS)
                .collect();
            let names: Vec<String> = keys
                .iter()
                .map(|key| {
                    members
                        .iter()
                        .find(|m| m.evaluatee_key() == Some(key.as_str()))
                        .map(|m| m.name.clone())
                        .unwrap_or_default()
                })
                .collect();
            let values: Vec<Vec<String>> = (0..keys.len())
                .map(|row| {
                    schema
                        .items
                        .iter()
                        .map(|item| value(&item.kind, row))
                        .collect()
                })
                .collect();
            // Rows 2–4 of the evaluatees get a typical mistake each; the last
            // row names someone outside the leader's team.
            let mut wrong = values.clone();
            for (row, (column, text)) in (1..ROWS - 1).zip(mistakes(&schema.items)) {
                wrong[row][column] = text.to_owned();
            }
            let mut wrong_keys = keys.clone();
            if let Some(last) = wrong_keys.last_mut() {
                *last = "E9999".to_owned();
            }
            let ids: Vec<&str> = schema.items.iter().map(|item| item.id.as_str()).collect();
            let file = |keys: &[String], values: &[Vec<String>]| {
                let plain = SheetSchema {
                    evaluatees: None,
                    ..schema.clone()
                };
                let rows = keys
                    .iter()
                    .zip(&names)
                    .zip(values)
                    .map(|((key, name), cells)| TemplateRow {
                        name,
                        key,
                        values: cells
                            .iter()
                            .map(|c| (!c.is_empty()).then_some(c.as_str()))
                            .collect(),
                    });
                write_template(&plain, &ids, rows).expect("writes")
            };
            DemoSheet {
                id: sheet.id.clone(),
                valid: file(&keys, &values),
                with_errors: file(&wrong_keys, &wrong),
                schema,
            }
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    made
}

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/demo")
}

#[test]
fn the_demo_files_are_made_from_the_demo_tenant() {
    let sheets = demo_sheets();
    assert_eq!(
        sheets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["competency", "performance"]
    );
    let write = std::env::var_os("SHEETLINK_WRITE_DEMO_FILES").is_some();
    for sheet in &sheets {
        let mut schema = serde_json::to_string_pretty(&sheet.schema).expect("json");
        schema.push('\n');
        let files = [
            ("schema.json", schema.into_bytes()),
            ("evaluation.csv", sheet.valid.clone()),
            ("evaluation-with-errors.csv", sheet.with_errors.clone()),
        ];
        let dir = demo_dir().join(&sheet.id);
        for (name, bytes) in files {
            let path = dir.join(name);
            if write {
                std::fs::create_dir_all(&dir).expect("creates the folder");
                std::fs::write(&path, &bytes).expect("writes");
            }
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                committed == bytes,
                "{} is not what the demo tenant gives: run SHEETLINK_WRITE_DEMO_FILES=1 cargo test -p sheetlink-server --test demo_files",
                path.display()
            );
        }
        // The valid file is valid and the other one is not, for the engine
        // the browser, the server and the CLI share.
        assert_eq!(
            validate(&sheet.schema, &sheet.valid).0.status,
            Status::Ok,
            "{}",
            sheet.id
        );
        let (report, _) = validate(&sheet.schema, &sheet.with_errors);
        assert_eq!(report.status, Status::Errors, "{}", sheet.id);
        assert!(report.diagnostics.len() >= 3, "{}: {report:?}", sheet.id);
    }
}
