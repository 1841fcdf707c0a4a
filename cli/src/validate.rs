//! `sheetlink validate`: offline validation of an evaluation-sheet CSV.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use sheetlink_engine::evaluation::{
    MAX_FILE_BYTES, Report, SheetSchema, Status, check_file_size, validate,
};
use sheetlink_engine::{Diagnostic, Lang};

use crate::Exit;

/// Reads the schema and the file, validates, prints the report.
pub(crate) fn run(
    schema_path: &Path,
    file_path: &Path,
    json: bool,
    lang: Lang,
) -> anyhow::Result<Exit> {
    let schema_text = std::fs::read_to_string(schema_path)
        .with_context(|| format!("cannot read the schema {}", schema_path.display()))?;
    let schema: SheetSchema = serde_json::from_str(&schema_text)
        .with_context(|| format!("{} is not a valid sheet schema", schema_path.display()))?;

    let report = read_and_validate(&schema, file_path)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &JsonReport::new(&report, lang))?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &report, lang)?;
    }
    Ok(match report.status {
        Status::Ok => Exit::Success,
        Status::Errors => Exit::CompletedWithErrors,
        Status::Rejected | Status::Aborted => Exit::Failed,
    })
}

/// Refuses an oversized file from its metadata, without reading it.
fn read_and_validate(schema: &SheetSchema, path: &Path) -> anyhow::Result<Report> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file
        .metadata()
        .with_context(|| format!("cannot stat {}", path.display()))?
        .len();
    if let Some(too_large) = check_file_size(size) {
        return Ok(Report {
            status: Status::Rejected,
            evaluatees: 0,
            valid: 0,
            with_errors: 0,
            diagnostics: vec![too_large],
            column_ids: Vec::new(),
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // `take` guards against a file that grows while it is read.
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(validate(schema, &bytes).0)
}

/// The `--json` report (documented in the README).
#[derive(Serialize)]
struct JsonReport {
    status: &'static str,
    evaluatees: u32,
    valid: u32,
    with_errors: u32,
    errors: Vec<JsonError>,
}

#[derive(Serialize)]
struct JsonError {
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column_letter: Option<String>,
    code: &'static str,
    message: String,
}

impl JsonReport {
    fn new(report: &Report, lang: Lang) -> Self {
        JsonReport {
            status: report.status.as_str(),
            evaluatees: report.evaluatees,
            valid: report.valid,
            with_errors: report.with_errors,
            errors: report
                .diagnostics
                .iter()
                .map(|d| JsonError::new(d, lang))
                .collect(),
        }
    }
}

impl JsonError {
    fn new(diagnostic: &Diagnostic, lang: Lang) -> Self {
        JsonError {
            row: diagnostic.row,
            column: diagnostic.column,
            column_letter: diagnostic.column_letter(),
            code: diagnostic.code(),
            message: diagnostic.message(lang),
        }
    }
}

fn write_table(out: &mut impl std::io::Write, report: &Report, lang: Lang) -> std::io::Result<()> {
    let (status, counts) = match lang {
        Lang::Ja => (
            match report.status {
                Status::Ok => "OK(エラーなし)",
                Status::Errors => "エラーあり",
                Status::Rejected => "ファイルを受け付けられません",
                Status::Aborted => "中断(エラーの被評価者が50件に到達)",
            },
            format!(
                "被評価者 {} 件: 正常 {} 件、エラー {} 件",
                report.evaluatees, report.valid, report.with_errors
            ),
        ),
        Lang::En => (
            match report.status {
                Status::Ok => "ok (no errors)",
                Status::Errors => "some rows have errors",
                Status::Rejected => "file rejected",
                Status::Aborted => "aborted (50 evaluatees with errors)",
            },
            format!(
                "{} evaluatees: {} valid, {} with errors",
                report.evaluatees, report.valid, report.with_errors
            ),
        ),
    };
    writeln!(out, "{} [{}] {counts}", status, report.status.as_str())?;
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    let header = match lang {
        Lang::Ja => ["行", "列", "セル", "コード", "内容"],
        Lang::En => ["row", "col", "cell", "code", "message"],
    };
    writeln!(
        out,
        "{}  {}  {}  {}  {}",
        pad(header[0], 6, true),
        pad(header[1], 5, true),
        pad(header[2], 7, false),
        pad(header[3], 26, false),
        header[4]
    )?;
    for diagnostic in &report.diagnostics {
        let row = diagnostic
            .row
            .map_or_else(|| "-".to_owned(), |r| r.to_string());
        let column = diagnostic
            .column
            .map_or_else(|| "-".to_owned(), |c| c.to_string());
        let cell = match (diagnostic.column_letter(), diagnostic.row) {
            (Some(letter), Some(row)) => format!("{letter}{row}"),
            _ => "-".to_owned(),
        };
        writeln!(
            out,
            "{row:>6}  {column:>5}  {cell:<7}  {:<26}  {}",
            diagnostic.code(),
            diagnostic.message(lang)
        )?;
    }
    Ok(())
}

/// Pads `text` to `width` terminal columns. Japanese characters take two
/// columns, so `format!`'s character-count padding would misalign them.
fn pad(text: &str, width: usize, right: bool) -> String {
    let used: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let fill = " ".repeat(width.saturating_sub(used));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}
