//! The engine for JavaScript: a Web Worker hands over the file's bytes once,
//! steps the validation (posting progress between steps, stopping when the
//! user cancels), and gets a compact report back — parallel arrays, never one
//! JavaScript object per cell or per error.
//!
//! Everything here is a thin conversion; the rules live in `sheetlink-engine`.

use sheetlink_engine::Lang;
use sheetlink_engine::evaluation::{Report, SheetSchema, Validation, error_file, row_keys};
use wasm_bindgen::prelude::*;

/// A validation of one evaluation-sheet file, run in steps.
#[wasm_bindgen]
pub struct SheetValidation {
    schema: SheetSchema,
    validation: Option<Validation>,
    bytes: Vec<u8>,
    done: usize,
    report: Option<Report>,
}

#[wasm_bindgen]
impl SheetValidation {
    /// Prepares a validation of `bytes` against the schema JSON the server
    /// serves (`GET …/schema`, cached for offline use).
    #[wasm_bindgen(constructor)]
    pub fn new(schema_json: &str, bytes: Vec<u8>) -> Result<SheetValidation, JsError> {
        let schema: SheetSchema = serde_json::from_str(schema_json)
            .map_err(|error| JsError::new(&format!("not a sheet schema: {error}")))?;
        Ok(SheetValidation {
            validation: Some(Validation::new(&schema)),
            schema,
            bytes,
            done: 0,
            report: None,
        })
    }

    /// Reads about `budget` more bytes; returns whether the validation has
    /// finished. Call [`SheetValidation::done`] for progress.
    pub fn step(&mut self, budget: usize) -> bool {
        let Some(validation) = self.validation.as_mut() else {
            return true;
        };
        let progress = validation.step(&self.bytes, budget);
        self.done = progress.done;
        if progress.finished
            && let Some(validation) = self.validation.take()
        {
            self.report = Some(validation.finish(&self.bytes).0);
        }
        progress.finished
    }

    /// Bytes read so far.
    pub fn done(&self) -> usize {
        self.done
    }

    /// Bytes in the file.
    pub fn total(&self) -> usize {
        self.bytes.len()
    }

    /// The report, once [`SheetValidation::step`] has returned `true`, with
    /// messages in `lang` (`ja` or `en`).
    pub fn report(&self, lang: &str) -> Option<CompactReport> {
        let lang = if lang == "en" { Lang::En } else { Lang::Ja };
        self.report
            .as_ref()
            .map(|report| CompactReport::new(report, &self.schema, &self.bytes, lang))
    }

    /// The error file (the rows with errors as uploaded, plus an error
    /// column with messages in `lang`), once finished; empty before.
    pub fn error_file(&self, lang: &str) -> Vec<u8> {
        let lang = if lang == "en" { Lang::En } else { Lang::Ja };
        let Some(report) = &self.report else {
            return Vec::new();
        };
        let messages: Vec<String> = report.diagnostics.iter().map(|d| d.message(lang)).collect();
        error_file(
            &self.bytes,
            report
                .diagnostics
                .iter()
                .zip(&messages)
                .map(|(d, message)| (d.row, d.column, message.as_str())),
        )
    }
}

/// The `[period, sheet]` a file says it belongs to (row 1), or `undefined`:
/// lets the page pick the cached schema by itself.
#[wasm_bindgen]
pub fn identify(head: &[u8]) -> Option<Vec<String>> {
    sheetlink_engine::evaluation::identify(head).map(|(period, sheet)| vec![period, sheet])
}

/// A validation report as parallel arrays: error `i` is at `rows()[i]`,
/// `columns()[i]` (0 when the error concerns a whole row or file), with
/// `codes()[i]` and `messages()[i]`.
#[wasm_bindgen]
pub struct CompactReport {
    status: String,
    evaluatees: u32,
    valid: u32,
    with_errors: u32,
    rows: Vec<u32>,
    columns: Vec<u32>,
    codes: Vec<String>,
    messages: Vec<String>,
    items: Vec<String>,
    keys: Vec<String>,
}

impl CompactReport {
    fn new(report: &Report, schema: &SheetSchema, bytes: &[u8], lang: Lang) -> Self {
        let diagnostics = &report.diagnostics;
        let rows = diagnostics
            .iter()
            .filter_map(|d| d.row)
            .filter(|&row| row > 4)
            .collect();
        let keys = row_keys(bytes, &rows);
        let item_label = |column: Option<u32>| -> String {
            column
                .and_then(|c| report.column_ids.get(c as usize - 1))
                .and_then(|id| schema.item(id))
                .map(|item| item.caption())
                .unwrap_or_default()
        };
        CompactReport {
            status: report.status.as_str().to_owned(),
            evaluatees: report.evaluatees,
            valid: report.valid,
            with_errors: report.with_errors,
            rows: diagnostics.iter().map(|d| d.row.unwrap_or(0)).collect(),
            columns: diagnostics.iter().map(|d| d.column.unwrap_or(0)).collect(),
            codes: diagnostics.iter().map(|d| d.code().to_owned()).collect(),
            messages: diagnostics.iter().map(|d| d.message(lang)).collect(),
            items: diagnostics.iter().map(|d| item_label(d.column)).collect(),
            keys: diagnostics
                .iter()
                .map(|d| {
                    d.row
                        .and_then(|row| keys.get(&row))
                        .cloned()
                        .unwrap_or_default()
                })
                .collect(),
        }
    }
}

#[wasm_bindgen]
impl CompactReport {
    /// `ok`, `errors`, `rejected` or `aborted`.
    pub fn status(&self) -> String {
        self.status.clone()
    }

    /// Evaluatee rows read.
    pub fn evaluatees(&self) -> u32 {
        self.evaluatees
    }

    /// Evaluatee rows without error.
    pub fn valid(&self) -> u32 {
        self.valid
    }

    /// Evaluatee rows with errors.
    pub fn with_errors(&self) -> u32 {
        self.with_errors
    }

    /// 1-based rows of the errors (0: the whole file).
    pub fn rows(&self) -> Vec<u32> {
        self.rows.clone()
    }

    /// 1-based columns of the errors (0: a whole row or the file).
    pub fn columns(&self) -> Vec<u32> {
        self.columns.clone()
    }

    /// Stable codes of the errors.
    pub fn codes(&self) -> Vec<String> {
        self.codes.clone()
    }

    /// Messages of the errors.
    pub fn messages(&self) -> Vec<String> {
        self.messages.clone()
    }

    /// Caption of the item in each error's column, as in row 3 of a
    /// template (`【Block>Item】`; empty when the column is not an item's).
    pub fn items(&self) -> Vec<String> {
        self.items.clone()
    }

    /// Evaluatee key (column 2) of each error's row (empty for the header
    /// rows and the file as a whole).
    pub fn keys(&self) -> Vec<String> {
        self.keys.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{"period": "p1", "sheet": "s1", "items": [{"id": "score", "type": "number", "max": 100}]}"#;
    const FILE: &str = "version:1,period:p1,sheet:s1\r\nname,employeenumber_or_email,score\r\n【氏名】,(必須)【従業員番号またはメールアドレス】,【score】\r\n,,数値\r\nA,E1,5\r\nB,E2,500\r\n";

    #[test]
    fn steps_to_a_compact_report() {
        let mut validation =
            SheetValidation::new(SCHEMA, FILE.as_bytes().to_vec()).expect("a schema");
        assert!(
            validation.report("en").is_none(),
            "no report before the end"
        );
        let mut steps = 0;
        while !validation.step(1) {
            steps += 1;
        }
        assert_eq!(validation.done(), validation.total());
        assert!(steps < 10);
        let report = validation.report("en").expect("finished");
        assert_eq!(
            (
                report.status(),
                report.evaluatees(),
                report.valid(),
                report.with_errors()
            ),
            ("errors".to_owned(), 2, 1, 1)
        );
        assert_eq!(
            (report.rows(), report.columns(), report.codes()),
            (vec![6], vec![3], vec!["number.above_max".to_owned()])
        );
        assert!(report.messages()[0].contains("maximum 100"));
        assert_eq!(report.items(), vec!["【score】".to_owned()]);
        assert_eq!(report.keys(), vec!["E2".to_owned()]);
        let errors = String::from_utf8(validation.error_file("en")).expect("UTF-8");
        assert!(errors.contains("B,E2,500"), "{errors}");
        assert!(errors.contains("C6: "), "{errors}");
        assert!(
            !errors.contains("A,E1,5"),
            "valid rows are left out: {errors}"
        );
        assert_eq!(
            identify(FILE.as_bytes()),
            Some(vec!["p1".to_owned(), "s1".to_owned()])
        );
        assert!(
            validation
                .report("ja")
                .is_some_and(|r| r.messages()[0].contains("最大値"))
        );
    }
}
