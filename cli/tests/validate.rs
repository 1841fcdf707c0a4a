//! `sheetlink validate` run as a process, on the demo files and on files
//! made here: exit codes, table and JSON output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A demo file of the demo tenant's performance sheet (made from the demo
/// tenant: `sync-server/tests/demo_files.rs`).
fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/demo/performance")
        .join(name)
}

fn sheetlink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheetlink"))
        .args(args)
        .output()
        .expect("sheetlink runs")
}

fn validate(file: &Path, extra: &[&str]) -> Output {
    let schema = demo("schema.json");
    let mut args = vec!["validate", "--schema", schema.to_str().unwrap_or_default()];
    args.push(file.to_str().unwrap_or_default());
    args.extend_from_slice(extra);
    sheetlink(&args)
}

fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).expect("scratch file is written");
    path
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn valid_file_exits_0() {
    let output = validate(&demo("evaluation.csv"), &["--json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["status"], "ok");
    assert_eq!(report["evaluatees"], 5);
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn errors_are_located_in_json_and_exit_1() {
    let output = validate(
        &demo("evaluation-with-errors.csv"),
        &["--json", "--lang", "en"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["status"], "errors");
    let cells: Vec<String> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}{}:{}",
                e["column_letter"].as_str().unwrap_or("?"),
                e["row"],
                e["code"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            "C6:number.above_max",
            "F7:dropdown.unknown",
            "G8:checkbox.invalid",
            "B9:evaluatee.unknown",
        ]
    );
    let first = &report["errors"][0];
    assert_eq!(first["column"], 3);
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("Enter 100 or less"))
    );
}

#[test]
fn table_names_row_cell_and_fix() {
    let output = validate(&demo("evaluation-with-errors.csv"), &[]);
    assert_eq!(output.status.code(), Some(1));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.starts_with("エラーあり [errors] 被評価者 5 件"),
        "{table}"
    );
    let line = table
        .lines()
        .find(|line| line.contains("C6"))
        .unwrap_or_default();
    assert!(
        line.contains("number.above_max") && line.contains("100以下"),
        "{line}"
    );
}

#[test]
fn rejected_file_has_no_position_and_exits_2() {
    let (shift_jis, _, _) =
        encoding_rs::SHIFT_JIS.encode("version:1,period:2026-h1,sheet:performance\r\n名前\r\n");
    let path = scratch_file("shift_jis.csv", &shift_jis);
    let output = validate(&path, &["--json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["status"], "rejected");
    assert_eq!(report["errors"][0]["code"], "file.encoding");
    assert_eq!(report["errors"][0]["row"], 2);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Shift_JIS"))
    );
}

#[test]
fn oversized_file_is_refused_from_its_size() {
    let path = scratch_file("large.csv", &vec![b'x'; 30 * 1024 * 1024 + 1]);
    let output = validate(&path, &["--json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["errors"][0]["code"], "file.too_large");
    assert!(report["errors"][0].get("row").is_none());
}

#[test]
fn configuration_problems_exit_3() {
    let missing = sheetlink(&["validate", "--schema", "/nonexistent/schema.json", "x.csv"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the schema"));

    let bad_schema = scratch_file("bad-schema.json", br#"{"period": "p"}"#);
    let output = sheetlink(&[
        "validate",
        "--schema",
        bad_schema.to_str().unwrap_or_default(),
        demo("evaluation.csv").to_str().unwrap_or_default(),
    ]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a valid sheet schema"));

    assert_eq!(sheetlink(&["validate"]).status.code(), Some(3));
    assert_eq!(sheetlink(&["--help"]).status.code(), Some(0));
}
