//! Properties of the evaluation-sheet engine over generated inputs.

use proptest::prelude::*;
use sheetlink_engine::Hundredths;
use sheetlink_engine::evaluation::{
    Batch, Change, Item, ItemKind, SheetSchema, Status, TemplateRow, Validation, validate,
    validate_rows, write_template,
};
use sheetlink_engine::rows::CsvRows;

fn schema() -> SheetSchema {
    SheetSchema {
        period: "p,1".to_owned(),
        sheet: "s\"1".to_owned(),
        items: vec![
            Item {
                id: "n".into(),
                label: vec![],
                kind: ItemKind::Number {
                    min: None,
                    max: None,
                },
            },
            Item {
                id: "t".into(),
                label: vec!["".into(), "x".into()],
                kind: ItemKind::Text { max_len: None },
            },
            Item {
                id: "d".into(),
                label: vec![],
                kind: ItemKind::Dropdown {
                    options: vec!["優".into(), "a,b".into(), "\"q\"".into()],
                },
            },
            Item {
                id: "c".into(),
                label: vec![],
                kind: ItemKind::Checkbox,
            },
        ],
        evaluatees: None,
    }
}

/// The largest stored number, 999,999,999,999,999.99, in hundredths.
const MAX_HUNDREDTHS: i64 = 10i64.pow(17) - 1;

/// One evaluatee's stored values: number, text, dropdown index, checkbox.
type Values = (Option<i64>, Option<String>, Option<usize>, Option<bool>);

fn values() -> impl Strategy<Value = Values> {
    (
        // Up to 15 integer digits and two decimals, in hundredths.
        proptest::option::of(-MAX_HUNDREDTHS..=MAX_HUNDREDTHS),
        proptest::option::of(any::<String>().prop_filter("blank means delete", |s| !s.is_empty())),
        proptest::option::of(0usize..3),
        proptest::option::of(any::<bool>()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Writing a template and reading it back gives every value again, in
    /// canonical form: blank cells clear, a blank checkbox is off.
    #[test]
    fn template_round_trips(
        rows in proptest::collection::vec((any::<String>(), values()), 0..20)
    ) {
        let schema = schema();
        let options = ["優", "a,b", "\"q\""];
        let numbers: Vec<Option<String>> =
            rows.iter().map(|(_, v)| v.0.map(|n| Hundredths(n).to_string())).collect();
        let keys: Vec<String> = (0..rows.len()).map(|i| format!("K{i}")).collect();
        let template_rows = rows.iter().enumerate().map(|(i, (name, v))| TemplateRow {
            name,
            key: &keys[i],
            values: vec![
                numbers[i].as_deref(),
                v.1.as_deref(),
                v.2.map(|o| options[o]),
                v.3.map(|on| if on { "1" } else { "0" }),
            ],
        });
        let file = write_template(&schema, &["n", "t", "d", "c"], template_rows).expect("writes");
        let (report, batch) = validate(&schema, &file);
        prop_assert_eq!(report.status, Status::Ok, "{:?}", report.diagnostics);
        prop_assert_eq!(batch.len(), rows.len());
        let decoded = Batch::decode(&batch.encode());
        prop_assert_eq!(decoded.as_ref(), Some(&batch));
        for (evaluatee, (i, (_, v))) in batch.evaluatees().zip(rows.iter().enumerate()) {
            prop_assert_eq!(evaluatee.key, &keys[i]);
            let got: Vec<Change<'_>> = evaluatee.changes().map(|(_, c)| c).collect();
            let want = vec![
                numbers[i].as_deref().map_or(Change::Clear, Change::Set),
                v.1.as_deref().map_or(Change::Clear, Change::Set),
                v.2.map_or(Change::Clear, |o| Change::Set(options[o])),
                Change::Set(if v.3 == Some(true) { "1" } else { "0" }),
            ];
            prop_assert_eq!(got, want);
        }
    }

    /// Whatever the bytes, validation returns a report whose counts add up.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        check_invariants(&bytes);
    }

    /// The same after a valid header, where the cell rules are reached.
    #[test]
    fn arbitrary_rows_never_panic(body in proptest::collection::vec(
        prop_oneof![Just(b','), Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b'1'), Just(b'.'), any::<u8>()],
        0..2000,
    )) {
        let mut file = write_template(&schema(), &["n", "t", "d", "c"], []).expect("writes");
        file.extend_from_slice(&body);
        check_invariants(&file);
    }

    /// Bytes from an untrusted sender never panic the batch decoder, and
    /// whatever it accepts encodes back to the same bytes.
    #[test]
    fn batch_decoder_takes_any_bytes(mut bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        bytes.splice(0..0, b"SLB1".iter().copied());
        if let Some(batch) = Batch::decode(&bytes) {
            prop_assert_eq!(batch.encode(), bytes);
        }
    }

    /// The one-pass fast path and the field-by-field path agree. A trailing
    /// empty column (Excel's padding) is harmless but sends every row down
    /// the field-by-field path, so the same rows with and without it must
    /// give the same report and batch.
    #[test]
    fn fast_and_field_by_field_paths_agree(rows in proptest::collection::vec(
        (
            proptest::sample::select(vec!["K1", "K2", "K3", "", "K\"4"]),
            proptest::sample::select(vec!["", "12", "-0.5", "1.005", "007", "\"3\"", "1e3", "１", "99999999999999999", "+4", "5."]),
            proptest::sample::select(vec!["", "a", "\"x,\ny\"", "\"q\"\"q\"", "長い長い"]),
            proptest::sample::select(vec!["", "優", "a,b", "\"a,b\"", "\"q\"", "\"\"\"q\"\"\"", "x"]),
            proptest::sample::select(vec!["", "0", "1", "2", "\"1\"", "10"]),
        ),
        0..30,
    )) {
        let schema = schema();
        let header = write_template(&schema, &["n", "t", "d", "c"], []).expect("writes");
        let mut plain = header.clone();
        let mut padded = header;
        for (key, number, text, dropdown, checkbox) in &rows {
            let line = format!("name,{key},{number},{text},{dropdown},{checkbox}");
            plain.extend_from_slice(format!("{line}\r\n").as_bytes());
            padded.extend_from_slice(format!("{line},\r\n").as_bytes());
        }
        let (plain_report, plain_batch) = validate(&schema, &plain);
        let (padded_report, padded_batch) = validate(&schema, &padded);
        prop_assert_eq!(&plain_report, &padded_report);
        prop_assert_eq!(&plain_batch, &padded_batch);
        same_through_the_row_source(&schema, &plain);
        same_through_the_row_source(&schema, &padded);
    }

    /// Rounding in decimal agrees with exact rational arithmetic.
    #[test]
    fn rounding_is_half_up_in_decimal(int in 0u64..1_000_000, frac in 0u32..100_000) {
        let text = format!("{int}.{frac:05}");
        let exact = u128::from(int) * 100_000 + u128::from(frac); // in 1e-5 units
        let expected = (exact + 500) / 1000; // half-up to hundredths
        let parsed = Hundredths::parse(text.as_bytes()).expect("a number");
        prop_assert_eq!(parsed.0 as u128, expected);
        let negative = Hundredths::parse(format!("-{text}").as_bytes()).expect("a number");
        prop_assert_eq!(negative.0, -(expected as i64));
    }
}

fn check_invariants(bytes: &[u8]) {
    let schema = schema();
    let (report, batch) = validate(&schema, bytes);
    match report.status {
        Status::Rejected => assert!(batch.is_empty() && !report.diagnostics.is_empty()),
        Status::Ok => assert!(report.diagnostics.is_empty() && report.with_errors == 0),
        Status::Errors | Status::Aborted => assert!(report.with_errors > 0),
    }
    if report.status != Status::Rejected {
        assert_eq!(report.evaluatees, report.valid + report.with_errors);
        assert_eq!(batch.len(), report.valid as usize);
    }
    for diagnostic in &report.diagnostics {
        assert!(!diagnostic.message(sheetlink_engine::Lang::En).is_empty());
    }
    // Small steps reach the same outcome.
    let mut validation = Validation::new(&schema);
    while !validation.step(bytes, 7).finished {}
    assert_eq!(validation.finish(bytes).0, report);
    same_through_the_row_source(&schema, bytes);
}

/// Read as rows (the seam a workbook will use) instead of bytes, a UTF-8
/// file gets the same report and batch: the rules exist once.
fn same_through_the_row_source(schema: &SheetSchema, bytes: &[u8]) {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(text) else {
        return; // refused as a whole before any row is read
    };
    let by_bytes = validate(schema, bytes);
    let by_rows = validate_rows(schema, &mut CsvRows::new(text));
    assert_eq!(by_rows, by_bytes, "{text:?}");
}
