//! Rows 1–4 of an evaluation file and the files sheetlink writes: arbitrary
//! bytes as a whole file (header included) never panic the validator or the
//! error file, and any names and values written into a template — formulas,
//! quotes, line breaks — read back exactly (formula protection round-trips).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sheetlink_engine::evaluation::{
    Change, SheetSchema, Status, TemplateRow, error_file, validate, write_template,
};
use sheetlink_engine::Lang;

/// A schema with a text and a dropdown item, built once.
fn schema() -> &'static SheetSchema {
    static SCHEMA: std::sync::OnceLock<SheetSchema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(
            r#"{"period": "p", "sheet": "s", "items": [
                {"id": "note", "label": ["評価", "所見"], "type": "text"},
                {"id": "grade", "label": ["評語"], "type": "dropdown", "options": ["=A", "'B", "-C", "D"]}
            ]}"#,
        )
        .expect("schema parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let schema = schema();
    // The whole input as a file: header rows and all.
    let (report, _) = validate(schema, data);
    let messages: Vec<String> = report.diagnostics.iter().map(|d| d.message(Lang::Ja)).collect();
    let located = report
        .diagnostics
        .iter()
        .zip(&messages)
        .map(|(d, m)| (d.row, d.column, m.as_str()));
    let file = error_file(data, located);
    assert!(file.starts_with(b"\xEF\xBB\xBF"));
    assert!(std::str::from_utf8(&file).is_ok());

    // The input as names and text values of a template (NUL-separated;
    // keys are made unique), which must read back unchanged.
    let text = String::from_utf8_lossy(data);
    let parts: Vec<&str> = text.split('\0').take(40).collect();
    let keys: Vec<String> = (0..parts.len()).map(|i| format!("{}{i}", parts[i].trim())).collect();
    let options = ["=A", "'B", "-C", "D"];
    let rows: Vec<TemplateRow<'_>> = parts
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (part, key))| TemplateRow {
            name: part,
            key,
            values: vec![(!part.is_empty()).then_some(*part), Some(options[i % 4])],
        })
        .collect();
    let template = write_template(schema, &["note", "grade"], rows).expect("writes");
    let (report, batch) = validate(schema, &template);
    // Keys that are blank, duplicate after case folding, or not one line
    // make rows fail; every row that passes must read back exactly.
    if report.status == Status::Ok {
        for (evaluatee, (part, key)) in batch.evaluatees().zip(parts.iter().zip(&keys)) {
            assert_eq!(evaluatee.key, key.as_str());
            let values: Vec<Option<&str>> = evaluatee
                .changes()
                .map(|(_, change)| match change {
                    Change::Set(value) => Some(value),
                    Change::Clear => None,
                })
                .collect();
            assert_eq!(values[0], (!part.is_empty()).then_some(*part), "text read back");
        }
    }
});
