//! Batch linkage: condition checks, mapping, preview, suggestion and export,
//! one line per case where the case is data.

use sheetlink_engine::Lang;
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_engine::linkage::sample::{customer_csv, customer_records};
use sheetlink_engine::linkage::{
    Comparison, ConditionProblem, ExportColumn, ExportCondition, FieldChange, Filter,
    ImportCondition, ImportMode, InFileDuplicates, InputEncoding, MapStatus, Mapping, MappingRow,
    OutputEncoding, RelatedValues, RelationKey, SheetRecord, SortKey, Source, Unrepresentable,
    export, map_file, preview,
};

fn header(name: &str, field: &str) -> MappingRow {
    MappingRow {
        source: Source::Header(name.into()),
        field: field.into(),
        update_with_blank: false,
    }
}

/// Customers by id; name, parent (by id), phone, employees, founded, rank;
/// note updated with blank.
fn condition() -> ImportCondition {
    ImportCondition {
        key: "customers".into(),
        description: String::new(),
        sheet: "customer".into(),
        mode: ImportMode::InsertAndUpdate,
        duplicates: Default::default(),
        has_header: true,
        first_data_row: 2,
        encoding: None,
        mappings: vec![
            header("顧客ID", "id"),
            header("顧客名", "name"),
            header("親顧客", "parent"),
            header("電話番号", "phone"),
            header("従業員数", "employees"),
            header("設立日", "founded"),
            header("ランク", "rank"),
            MappingRow {
                update_with_blank: true,
                ..header("備考", "note")
            },
        ],
        matching_keys: vec!["id".into()],
        relation_keys: vec![RelationKey {
            field: "parent".into(),
            key_field: "id".into(),
        }],
    }
}

const HEADER: &str = "顧客ID,顧客名,親顧客,電話番号,従業員数,設立日,ランク,備考\r\n";

fn summary(mapping: &Mapping) -> String {
    let mut parts = vec![format!("{:?}", mapping.status)];
    for row in &mapping.rows {
        let changes: Vec<String> = row
            .changes
            .iter()
            .map(|(field, change)| match change {
                FieldChange::Set(value) => format!("{field}={value}"),
                FieldChange::Clear => format!("{field}=∅"),
                FieldChange::Relate { key_field, value } => format!("{field}→{key_field}:{value}"),
            })
            .collect();
        parts.push(format!(
            "{}[{}] {}",
            row.row,
            row.keys.join("+"),
            changes.join(" ")
        ));
    }
    for diagnostic in &mapping.diagnostics {
        let cell = match (diagnostic.row, diagnostic.column_letter()) {
            (Some(row), Some(letter)) => format!("{letter}{row}"),
            (Some(row), None) => row.to_string(),
            _ => String::new(),
        };
        parts.push(format!("{cell}:{}", diagnostic.code()));
    }
    parts.join(" | ")
}

fn condition_codes(problems: &[ConditionProblem]) -> String {
    let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
    format!("condition: {}", codes.join(" "))
}

fn mapped(condition: &ImportCondition, bytes: &[u8]) -> String {
    match map_file(condition, &crm_catalog(), bytes) {
        Ok(mapping) => summary(&mapping),
        Err(problems) => condition_codes(&problems),
    }
}

#[test]
fn mapping_rows() {
    let cases = [
        (
            "C1,山田商事,,03-1234-5678,120,2001/4/1,A,メモ\r\n",
            "Ok | 2[C1] name=山田商事 phone=03-1234-5678 employees=120 founded=2001-04-01 rank=A note=メモ",
        ),
        // Blank cells: left alone, except "update with blank" fields, which clear.
        ("C1,,,,,,,\r\n", "Ok | 2[C1] note=∅"),
        // The matching key is never in the patch, and is required.
        (",山田商事,,,,,,\r\n", "Errors | A2:matching_key.blank"),
        // Relations become look-ups for the server.
        (
            "C2,支店,C1,,,,,\r\n",
            "Ok | 2[C2] name=支店 parent→id:C1 note=∅",
        ),
        (
            "C1,,,０３-1234,1,200x,Z,\r\n",
            "Errors | D2:value.invalid | F2:value.invalid | G2:dropdown.unknown",
        ),
        ("C1,,,,\"1,200\",,,\r\n", "Errors | E2:value.invalid"),
        (
            "C1,a,,,,,,\r\nC1,b,,,,,,\r\n",
            "Errors | 2[C1] name=a note=∅ | 3:matching_key.duplicate",
        ),
        // A short row could put values into the wrong fields: an error.
        ("C1,a\r\n", "Errors | 2:row.field_count"),
        (
            "C1,,,,,,,\r\n,,,,,,,\r\n\r\nC2,,,,,,,\r\n",
            "Ok | 2[C1] note=∅ | 5[C2] note=∅",
        ),
        ("C1,,,,,,,x\r\n", "Ok | 2[C1] note=x"),
    ];
    for (body, expected) in cases {
        assert_eq!(
            mapped(&condition(), format!("{HEADER}{body}").as_bytes()),
            expected,
            "{body:?}"
        );
    }
}

#[test]
fn duplicate_handling_in_file() {
    let body = format!("{HEADER}C1,first,,,,,,\r\nC2,other,,,,,,\r\nC1,second,,,,,,\r\n");
    let cases = [
        (
            InFileDuplicates::Error,
            "Errors | 2[C1] name=first note=∅ | 3[C2] name=other note=∅ | 4:matching_key.duplicate",
        ),
        (
            InFileDuplicates::FirstWins,
            "Ok | 2[C1] name=first note=∅ | 3[C2] name=other note=∅",
        ),
        (
            InFileDuplicates::LastWins,
            "Ok | 4[C1] name=second note=∅ | 3[C2] name=other note=∅",
        ),
    ];
    for (policy, expected) in cases {
        let mut condition = condition();
        condition.duplicates.in_file = policy;
        assert_eq!(mapped(&condition, body.as_bytes()), expected, "{policy:?}");
    }
}

#[test]
fn file_level_problems() {
    let text = format!("{HEADER}C1,山田商事,,,,,,\r\n");
    let (shift_jis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let mut utf8_only = condition();
    utf8_only.encoding = Some(InputEncoding::Utf8);
    let mut by_position = condition();
    by_position.has_header = false;
    by_position.first_data_row = 1;
    by_position.mappings = vec![
        MappingRow {
            source: Source::Position(1),
            field: "id".into(),
            update_with_blank: false,
        },
        MappingRow {
            source: Source::Position(3),
            field: "name".into(),
            update_with_blank: false,
        },
    ];
    by_position.relation_keys.clear();
    let cases: Vec<(ImportCondition, Vec<u8>, &str)> = vec![
        (
            condition(),
            shift_jis.to_vec(),
            "Ok | 2[C1] name=山田商事 note=∅",
        ),
        (utf8_only, shift_jis.to_vec(), "Rejected | A1:file.encoding"),
        (
            condition(),
            b"\xEF\xBB\xBF\xE9\xA1\xA7\xE5\xAE\xA2ID\r\n\xFF\r\n".to_vec(),
            "Rejected | A2:file.encoding",
        ),
        (
            condition(),
            format!("\u{feff}{HEADER}C1,x,,,,,,\r\n").into_bytes(),
            "Ok | 2[C1] name=x note=∅",
        ),
        (
            condition(),
            "顧客ID,名前\r\nC1,x\r\n".as_bytes().to_vec(),
            "Rejected | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column",
        ),
        (
            condition(),
            "顧客ＩＤ, 顧客名 ,親顧客,電話番号,従業員数,設立日,ランク,備考\r\nC1,x,,,,,,\r\n"
                .as_bytes()
                .to_vec(),
            "Ok | 2[C1] name=x note=∅",
        ),
        (
            by_position.clone(),
            b"C1,skip,x\r\nC2\r\n".to_vec(),
            "Errors | 1[C1] name=x | 2:row.field_count",
        ),
        (
            condition(),
            b"".to_vec(),
            "Rejected | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column | 1:file.missing_column",
        ),
    ];
    for (condition, bytes, expected) in cases {
        assert_eq!(
            mapped(&condition, &bytes),
            expected,
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn conditions_are_checked_before_reading() {
    type Change = fn(&mut ImportCondition);
    let cases: [(Change, &str); 18] = [
        (|_| {}, ""),
        (|c| c.key = "bad key!".into(), "condition.bad_key"),
        (|c| c.key = "-rf".into(), "condition.bad_key"),
        (|c| c.key = "a.b".into(), "condition.bad_key"),
        (|c| c.key = "k".repeat(65), "condition.bad_key"),
        (|c| c.key = "k-1_".repeat(16), ""),
        (|c| c.sheet = "nosuch".into(), "condition.unknown_sheet"),
        (
            |c| c.mappings[1].field = "nosuch".into(),
            "condition.unknown_field",
        ),
        (
            |c| c.mappings[1].field = "id".into(),
            "condition.field_mapped_twice",
        ),
        (|c| c.matching_keys.clear(), "condition.no_matching_keys"),
        (
            |c| {
                c.matching_keys.clear();
                c.mode = ImportMode::InsertOnly
            },
            "",
        ),
        (
            |c| c.matching_keys = vec!["email".into()],
            "condition.matching_key_not_mapped",
        ),
        (
            |c| c.matching_keys = vec!["rank".into()],
            "condition.matching_key_type",
        ),
        (
            |c| c.mappings[0].update_with_blank = true,
            "condition.matching_key_update_with_blank",
        ),
        (
            |c| c.relation_keys.clear(),
            "condition.relation_key_missing",
        ),
        (
            |c| c.relation_keys[0].key_field = "phone".into(),
            "condition.bad_relation_key",
        ),
        (
            |c| c.mappings[0].source = Source::Position(0),
            "condition.bad_source",
        ),
        (
            |c| c.has_header = false,
            "condition.header_without_header_row condition.header_without_header_row condition.header_without_header_row condition.header_without_header_row condition.header_without_header_row condition.header_without_header_row condition.header_without_header_row condition.header_without_header_row",
        ),
    ];
    for (index, (change, expected)) in cases.iter().enumerate() {
        let mut condition = condition();
        change(&mut condition);
        let problems = condition.check(&crm_catalog());
        let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
        assert_eq!(codes.join(" "), *expected, "case {index}");
    }
    // Messages name the mapping row.
    let mut twice = condition();
    twice.mappings[1].field = "id".into();
    let problem = &twice.check(&crm_catalog())[0];
    assert_eq!(problem.mapping_row, Some(2));
    assert!(
        problem.message(Lang::Ja).starts_with("マッピング2行目: "),
        "{}",
        problem.message(Lang::Ja)
    );
    assert!(
        problem.message(Lang::En).contains("mapping row 1"),
        "{}",
        problem.message(Lang::En)
    );
    // … and the fields by the names people see, never by their ids.
    assert!(
        problem.message(Lang::Ja).contains("「顧客ID」")
            && !problem.message(Lang::Ja).contains("「id」"),
        "{}",
        problem.message(Lang::Ja)
    );
    let mut not_mapped = condition();
    not_mapped.matching_keys = vec!["email".into()];
    let message = not_mapped.check(&crm_catalog())[0].message(Lang::Ja);
    assert!(message.contains("「メールアドレス」"), "{message}");
    let mut bad_relation = condition();
    bad_relation.relation_keys[0].key_field = "phone".into();
    let message = bad_relation.check(&crm_catalog())[0].message(Lang::Ja);
    assert!(!message.contains("phone"), "{message}");
}

#[test]
fn preview_maps_only_the_first_rows() {
    let records = customer_records(500, 3);
    let file = customer_csv(&records);
    let condition = sheetlink_engine::linkage::sample::customer_import_condition();
    let full = map_file(&condition, &crm_catalog(), &file).expect("condition is valid");
    let first = preview(&condition, &crm_catalog(), &file, 20).expect("condition is valid");
    assert_eq!(full.status, MapStatus::Ok, "{:?}", full.diagnostics.first());
    assert_eq!(
        (full.rows.len(), first.rows.len(), first.rows_read),
        (500, 20, 20)
    );
    assert_eq!(first.rows[..], full.rows[..20]);
    assert_eq!(
        first.headers.len(),
        crm_catalog()
            .sheet("customer")
            .map_or(0, |s| s.fields.len())
    );
}

fn export_condition() -> ExportCondition {
    ExportCondition {
        key: "customers-out".into(),
        description: String::new(),
        sheet: "customer".into(),
        encoding: OutputEncoding::Utf8,
        filter: None,
        columns: vec![
            ExportColumn {
                header: "ID".into(),
                field: "id".into(),
                relation_key: None,
            },
            ExportColumn {
                header: "名前".into(),
                field: "name".into(),
                relation_key: None,
            },
            ExportColumn {
                header: "従業員数".into(),
                field: "employees".into(),
                relation_key: None,
            },
        ],
        sort: Vec::new(),
        formula_protection: true,
        unrepresentable: Unrepresentable::Refuse,
    }
}

fn records(rows: &[(&str, &str, &str, &str)]) -> Vec<SheetRecord> {
    let catalog = crm_catalog();
    let customer = catalog.sheet("customer").expect("the CRM has customers");
    let at = |field: &str| customer.field_index(field).expect("a customer field");
    rows.iter()
        .map(|&(id, name, employees, founded)| {
            let mut values = vec![None; customer.fields.len()];
            let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
            values[at("id")] = some(id);
            values[at("name")] = some(name);
            values[at("employees")] = some(employees);
            values[at("founded")] = some(founded);
            SheetRecord {
                id: id.to_owned(),
                values,
            }
        })
        .collect()
}

fn exported(condition: &ExportCondition, rows: &[SheetRecord]) -> String {
    match export(condition, &crm_catalog(), rows, &RelatedValues::none()) {
        Ok(out) => String::from_utf8_lossy(&out.bytes).replace("\r\n", "|"),
        Err(problems) => condition_codes(&problems),
    }
}

#[test]
fn export_filters_sorts_and_protects() {
    let data = records(&[
        ("C1", "=HYPERLINK(\"x\")", "10", "2001-04-01"),
        ("C2", "山田, \"本店\"", "9", "1999-12-31"),
        ("C3", "-5 cups", "", "2010-01-01"),
        ("C4", "@SUM", "100", ""),
    ]);
    let compare = |field: &str, comparison, value: &str| Filter::Compare {
        field: field.into(),
        comparison,
        value: value.into(),
    };
    type Change = Box<dyn Fn(&mut ExportCondition)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|_| {}),
            "ID,名前,従業員数|C1,\"'=HYPERLINK(\"\"x\"\")\",10|C2,\"山田, \"\"本店\"\"\",9|C3,'-5 cups,|C4,'@SUM,100|",
        ),
        (
            Box::new(|c| c.formula_protection = false),
            "ID,名前,従業員数|C1,\"=HYPERLINK(\"\"x\"\")\",10|C2,\"山田, \"\"本店\"\"\",9|C3,-5 cups,|C4,@SUM,100|",
        ),
        (
            Box::new(|c| {
                c.sort = vec![SortKey {
                    field: "employees".into(),
                    descending: false,
                }]
            }),
            "ID,名前,従業員数|C2,\"山田, \"\"本店\"\"\",9|C1,\"'=HYPERLINK(\"\"x\"\")\",10|C4,'@SUM,100|C3,'-5 cups,|",
        ),
        (
            Box::new(|c| {
                c.sort = vec![SortKey {
                    field: "employees".into(),
                    descending: true,
                }]
            }),
            "ID,名前,従業員数|C4,'@SUM,100|C1,\"'=HYPERLINK(\"\"x\"\")\",10|C2,\"山田, \"\"本店\"\"\",9|C3,'-5 cups,|",
        ),
        (
            Box::new(move |c| c.filter = Some(compare("employees", Comparison::After, "9"))),
            "ID,名前,従業員数|C1,\"'=HYPERLINK(\"\"x\"\")\",10|C4,'@SUM,100|",
        ),
        (
            Box::new(move |c| c.filter = Some(compare("founded", Comparison::Before, "2000/1/1"))),
            "ID,名前,従業員数|C2,\"山田, \"\"本店\"\"\",9|",
        ),
        (
            Box::new(move |c| c.filter = Some(compare("employees", Comparison::Empty, ""))),
            "ID,名前,従業員数|C3,'-5 cups,|",
        ),
        (
            Box::new(move |c| c.filter = Some(compare("employees", Comparison::Equals, "10.0"))),
            "ID,名前,従業員数|C1,\"'=HYPERLINK(\"\"x\"\")\",10|",
        ),
        (
            Box::new(move |c| {
                c.filter = Some(Filter::Any(vec![
                    compare("name", Comparison::Contains, "山田"),
                    compare("founded", Comparison::NotEmpty, ""),
                ]))
            }),
            "ID,名前,従業員数|C1,\"'=HYPERLINK(\"\"x\"\")\",10|C2,\"山田, \"\"本店\"\"\",9|C3,'-5 cups,|",
        ),
        (
            Box::new(move |c| {
                c.filter = Some(Filter::All(vec![
                    compare("name", Comparison::Contains, "山田"),
                    compare("founded", Comparison::NotEmpty, ""),
                ]))
            }),
            "ID,名前,従業員数|C2,\"山田, \"\"本店\"\"\",9|",
        ),
        (
            Box::new(move |c| c.filter = Some(compare("founded", Comparison::Before, "2000/13/1"))),
            "condition: condition.bad_filter_value",
        ),
        (
            Box::new(|c| c.columns[1].header = "ID".into()),
            "condition: condition.header_twice",
        ),
        (
            Box::new(|c| c.columns[1].field = "nosuch".into()),
            "condition: condition.unknown_field",
        ),
        (
            Box::new(|c| c.encoding = OutputEncoding::Utf8Bom),
            "\u{feff}ID,名前,従業員数|C1,\"'=HYPERLINK(\"\"x\"\")\",10|C2,\"山田, \"\"本店\"\"\",9|C3,'-5 cups,|C4,'@SUM,100|",
        ),
    ];
    for (index, (change, expected)) in cases.iter().enumerate() {
        let mut condition = export_condition();
        change(&mut condition);
        assert_eq!(exported(&condition, &data), *expected, "case {index}");
    }
}

#[test]
fn shift_jis_export_reports_what_it_cannot_write() {
    let data = records(&[
        ("C1", "髙橋商店", "1", ""),
        ("C2", "🍣 Sushi 𠮷野家", "2", ""),
        ("C3", "①②", "3", ""),
    ]);
    let mut condition = export_condition();
    condition.encoding = OutputEncoding::ShiftJis;
    let refused = export(&condition, &crm_catalog(), &data, &RelatedValues::none())
        .expect("condition is valid");
    assert!(refused.refused());
    let cells: Vec<(String, String, char)> = refused
        .unrepresentable
        .iter()
        .map(|c| (c.record.clone(), c.field.clone(), c.character))
        .collect();
    assert_eq!(cells, [("C2".to_owned(), "name".to_owned(), '🍣')]);

    condition.unrepresentable = Unrepresentable::Replace;
    let replaced = export(&condition, &crm_catalog(), &data, &RelatedValues::none())
        .expect("condition is valid");
    assert_eq!(replaced.unrepresentable.len(), 1);
    let (text, _, errors) = encoding_rs::SHIFT_JIS.decode(&replaced.bytes);
    assert!(!errors);
    // CP932 has 髙 and circled digits (NEC/IBM extensions); emoji and 𠮷 become "?".
    assert_eq!(
        text.replace("\r\n", "|"),
        "ID,名前,従業員数|C1,髙橋商店,1|C2,? Sushi ?野家,2|C3,①②,3|"
    );
}

#[test]
fn export_preview_shows_the_first_rows_the_export_writes() {
    use sheetlink_engine::linkage::export_preview;
    let records = customer_records(50, 3);
    let condition = ExportCondition {
        key: "preview".into(),
        description: String::new(),
        sheet: "customer".into(),
        encoding: OutputEncoding::Utf8,
        filter: None,
        columns: vec![
            ExportColumn {
                header: "ID".into(),
                field: "id".into(),
                relation_key: None,
            },
            ExportColumn {
                header: "名前".into(),
                field: "name".into(),
                relation_key: None,
            },
        ],
        sort: vec![SortKey {
            field: "id".into(),
            descending: true,
        }],
        formula_protection: false,
        unrepresentable: Unrepresentable::Refuse,
    };
    let preview = export_preview(
        &condition,
        &crm_catalog(),
        &records,
        &RelatedValues::none(),
        5,
    )
    .expect("valid");
    assert_eq!(preview.headers, ["ID", "名前"]);
    assert_eq!(preview.total, 50);
    assert_eq!(preview.rows.len(), 5);
    assert_eq!(preview.rows[0][0], "C000050", "sorted like the export");
    let written =
        export(&condition, &crm_catalog(), &records, &RelatedValues::none()).expect("valid");
    let text = String::from_utf8(written.bytes).expect("UTF-8");
    let second_line = text.lines().nth(1).expect("a row");
    assert!(second_line.starts_with("C000050,"), "{second_line}");
    let broken = ExportCondition {
        sort: vec![SortKey {
            field: "nope".into(),
            descending: false,
        }],
        ..condition
    };
    assert!(export_preview(&broken, &crm_catalog(), &records, &RelatedValues::none(), 5).is_err());
}

#[test]
fn sample_rows_decodes_like_an_import() {
    use sheetlink_engine::linkage::{InputEncoding, sample_rows};
    let (sjis, _, _) = encoding_rs::SHIFT_JIS
        .encode("顧客ID,顧客名\r\nC1,\"株式会社\r\nサンプル\"\r\nC2,山田\r\n");
    let (encoding, rows) = sample_rows(&sjis, None, 2).expect("decodes");
    assert_eq!(encoding, InputEncoding::ShiftJis);
    assert_eq!(
        rows,
        vec![
            vec!["顧客ID".to_owned(), "顧客名".to_owned()],
            vec!["C1".to_owned(), "株式会社\r\nサンプル".to_owned()]
        ]
    );
    let (encoding, rows) = sample_rows("\u{feff}a,b\r\n".as_bytes(), None, 20).expect("decodes");
    assert_eq!((encoding, rows.len()), (InputEncoding::Utf8, 1));
    assert!(
        sample_rows(&sjis, Some(InputEncoding::Utf8), 2).is_err(),
        "UTF-8 was asked for"
    );
}

#[test]
fn oversized_export_conditions_are_refused_before_anything_is_read() {
    let catalog = crm_catalog();
    let mut wide = export_condition();
    wide.columns = (0..65_000)
        .map(|n| ExportColumn {
            header: format!("c{n}"),
            field: "name".into(),
            relation_key: None,
        })
        .collect();
    let codes = |condition: &ExportCondition| -> Vec<&'static str> {
        condition.check(&catalog).iter().map(|p| p.code()).collect()
    };
    assert_eq!(codes(&wide), ["condition.too_many_columns"]);
    wide.columns
        .truncate(sheetlink_engine::linkage::MAX_CONDITION_COLUMNS);
    assert!(!codes(&wide).contains(&"condition.too_many_columns"));
    // A filter nested 200 deep, and one with 1,000 comparisons.
    let compare = || Filter::Compare {
        field: "name".into(),
        comparison: Comparison::Equals,
        value: "x".into(),
    };
    let mut deep = compare();
    for _ in 0..200 {
        deep = Filter::All(vec![deep]);
    }
    let mut nested = export_condition();
    nested.filter = Some(deep);
    assert_eq!(codes(&nested), ["condition.filter_too_large"]);
    nested.filter = Some(Filter::Any((0..1_000).map(|_| compare()).collect()));
    assert_eq!(codes(&nested), ["condition.filter_too_large"]);
    nested.filter = Some(Filter::Any((0..10).map(|_| compare()).collect()));
    assert_eq!(codes(&nested), Vec::<&str>::new());
}

#[test]
fn an_import_condition_with_too_many_mappings_is_refused_at_once() {
    let catalog = crm_catalog();
    let mut hostile = condition();
    let row = hostile.mappings[0].clone();
    hostile.mappings = vec![row; 65_000];
    let codes: Vec<&str> = hostile.check(&catalog).iter().map(|p| p.code()).collect();
    assert_eq!(codes, ["condition.too_many_columns"]);
}

/// A batch file holds at most 1,000,000 data rows (refused as a whole
/// beyond, before anything is applied); the problems of the first 100,000
/// failed rows are kept and the counts stay exact.
#[test]
fn batch_files_are_bounded_in_rows_and_kept_problems() {
    use sheetlink_engine::linkage::sample::customer_import_condition;
    use sheetlink_engine::linkage::{MAX_BATCH_ROWS, MAX_DIAGNOSED_ROWS};
    let condition = customer_import_condition();
    let catalog = crm_catalog();
    let header = customer_csv(&[]);
    let header = String::from_utf8(header).expect("labels are UTF-8");

    let bad_rows = MAX_DIAGNOSED_ROWS as usize * 2;
    let file = format!("{header}{}", "x\n".repeat(bad_rows));
    let mapping = map_file(&condition, &catalog, file.as_bytes()).expect("condition is valid");
    assert_eq!(mapping.status, MapStatus::Errors);
    assert_eq!(mapping.failed as usize, bad_rows, "counts stay exact");
    assert!(mapping.diagnostics_truncated);
    let mut described: Vec<u32> = mapping.diagnostics.iter().filter_map(|d| d.row).collect();
    described.dedup();
    assert_eq!(described.len(), MAX_DIAGNOSED_ROWS as usize);
    assert_eq!(described.last().copied(), Some(MAX_DIAGNOSED_ROWS + 1));

    let file = format!("{header}{}", "x\n".repeat(MAX_BATCH_ROWS as usize + 1));
    let mapping = map_file(&condition, &catalog, file.as_bytes()).expect("condition is valid");
    assert_eq!(mapping.status, MapStatus::Rejected);
    assert!(mapping.rows.is_empty());
    assert_eq!(mapping.diagnostics.len(), 1);
    assert_eq!(mapping.diagnostics[0].code(), "file.too_many_rows");
    assert_eq!(mapping.diagnostics[0].row, Some(MAX_BATCH_ROWS + 2));
    assert!(
        mapping.diagnostics[0]
            .message(Lang::Ja)
            .contains("1,000,000行"),
        "{}",
        mapping.diagnostics[0].message(Lang::Ja)
    );

    let file = format!("{header}{}", "x\n".repeat(MAX_BATCH_ROWS as usize));
    let mapping = map_file(&condition, &catalog, file.as_bytes()).expect("condition is valid");
    assert_eq!(
        mapping.status,
        MapStatus::Errors,
        "exactly the limit is read"
    );
    assert_eq!(mapping.failed, MAX_BATCH_ROWS);
}

/// A relation column writes the related record's id, or — with a relation
/// key — its name or another identifying field, from the values the
/// caller looked up; a key that is not a relation's, or that cannot
/// identify a record, is refused by the check.
#[test]
fn relation_columns_write_the_id_or_the_related_records_key() {
    let catalog = crm_catalog();
    let deal = catalog.sheet("deal").expect("deals");
    let record = |id: &str, customer: &str| {
        let mut values = vec![None; deal.fields.len()];
        values[deal.field_index("id").expect("id")] = Some(id.to_owned());
        values[deal.field_index("customer").expect("customer")] = Some(customer.to_owned());
        SheetRecord {
            id: id.into(),
            values,
        }
    };
    let records = [record("D1", "C1"), record("D2", "GONE")];
    let mut condition = ExportCondition {
        encoding: OutputEncoding::Utf8,
        columns: vec![
            ExportColumn::new("案件ID", "id"),
            ExportColumn::new("顧客ID", "customer"),
            ExportColumn {
                relation_key: Some("name".into()),
                ..ExportColumn::new("顧客名", "customer")
            },
        ],
        ..ExportCondition::new("deal")
    };
    condition.key = "deals".into();
    assert_eq!(
        condition.relation_columns(&catalog),
        [sheetlink_engine::linkage::RelationColumn {
            field: "customer".into(),
            sheet: "customer".into(),
            key_field: "name".into(),
        }]
    );
    let mut related = RelatedValues::none();
    related.insert("customer", "C1", "=株式会社サンプル".into());
    let out = export(&condition, &catalog, &records, &related).expect("valid");
    assert_eq!(
        String::from_utf8_lossy(&out.bytes).replace("\r\n", "|"),
        "案件ID,顧客ID,顧客名|D1,C1,'=株式会社サンプル|D2,GONE,|",
        "the name, formula-protected; a missing related record writes nothing"
    );

    let mut wrong = condition.clone();
    wrong.columns[2].relation_key = Some("rank".into());
    assert_eq!(
        condition_codes(&wrong.check(&catalog)),
        "condition: condition.bad_relation_key"
    );
    wrong.columns[2] = ExportColumn {
        relation_key: Some("name".into()),
        ..ExportColumn::new("金額", "amount")
    };
    assert_eq!(
        condition_codes(&wrong.check(&catalog)),
        "condition: condition.not_a_relation"
    );
}
