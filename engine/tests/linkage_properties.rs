//! Properties of batch linkage over generated data: an export read back
//! with the same mapping gives the same values, for every field type and
//! encoding, with formula protection on or off; arbitrary bytes never panic
//! the mapper.

use proptest::prelude::*;
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_engine::linkage::sample::customer_import_condition;
use sheetlink_engine::linkage::{
    Catalog, ExportColumn, ExportCondition, Field, FieldChange, FieldType, ImportCondition,
    ImportMode, MapStatus, MappingRow, OutputEncoding, RelationKey, Sheet, SheetRecord, Source,
    Unrepresentable, export, map_file, map_rows, parse_value, preview,
};
use sheetlink_engine::rows::CsvRows;

const TYPES: [FieldType; 12] = [
    FieldType::Text,
    FieldType::Address,
    FieldType::Phone,
    FieldType::Relation,
    FieldType::Link,
    FieldType::Number,
    FieldType::Date,
    FieldType::Datetime,
    FieldType::Time,
    FieldType::Email,
    FieldType::Dropdown,
    FieldType::Checkbox,
];

/// A sheet with an id and one field of every type; relations point at it.
fn catalog() -> Catalog {
    let mut fields = vec![Field {
        is_id: true,
        ..Field::new("id", "ID", FieldType::Text)
    }];
    for field_type in TYPES {
        let name = format!("{field_type:?}").to_lowercase();
        let mut field = Field::new(&name, &format!("項目{name}"), field_type);
        field.options = vec!["大口".into(), "一般".into(), "-割引".into()];
        if field_type == FieldType::Relation {
            field.relation_sheet = Some("all".into());
        }
        fields.push(field);
    }
    Catalog {
        sheets: vec![Sheet {
            id: "all".into(),
            name: "全種類".into(),
            fields,
        }],
    }
}

/// Text that Shift_JIS (CP932) writes and reads back unchanged, often
/// starting like a formula or with the protection's own quote.
fn text() -> impl Strategy<Value = String> {
    let start = proptest::sample::select(vec!["", "", "=", "+", "-", "@", "'", "'=", "''"]);
    let rest = proptest::collection::vec(
        prop_oneof![
            proptest::char::range(' ', '~'),
            Just('\n'),
            Just('\r'),
            proptest::sample::select(vec![
                'あ', 'ン', '漢', '字', '髙', '①', '、', '「', '」', '㈱', 'ｶ'
            ]),
        ],
        1..12,
    );
    (start, rest).prop_map(|(start, chars)| start.chars().chain(chars).collect())
}

/// A raw value of `field_type` as a person might type it; its canonical
/// form is what the export holds.
fn raw_value(field_type: FieldType) -> BoxedStrategy<String> {
    match field_type {
        FieldType::Text | FieldType::Address => text().boxed(),
        FieldType::Phone => "(\\+81 )?0[0-9]{1,3}-[0-9]{2,4}-[0-9]{4}".boxed(),
        FieldType::Relation => "[A-Z][0-9]{1,6}".boxed(),
        FieldType::Link => "https://[a-z]{1,10}\\.(jp|com)/[a-z0-9/]{0,10}".boxed(),
        FieldType::Number => (any::<i32>(), 0u32..1000)
            .prop_map(|(i, f)| format!("{i}.{f:03}"))
            .boxed(),
        FieldType::Date => (1900u32..2100, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| format!("{y}/{m}/{d}"))
            .boxed(),
        FieldType::Datetime => (1900u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60)
            .prop_map(|(y, mo, d, h, mi)| format!("{y}-{mo:02}-{d:02} {h}:{mi:02}"))
            .boxed(),
        FieldType::Time => (0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(h, m, s)| format!("{h}:{m:02}:{s:02}"))
            .boxed(),
        FieldType::Email => "[a-z][a-z0-9.]{0,8}@[a-z]{1,8}\\.(co\\.jp|com)".boxed(),
        FieldType::Dropdown => proptest::sample::select(vec!["大口", "一般", "-割引"])
            .prop_map(str::to_owned)
            .boxed(),
        FieldType::Checkbox => proptest::sample::select(vec!["1", "0", "TRUE", "false"])
            .prop_map(str::to_owned)
            .boxed(),
    }
}

fn record() -> impl Strategy<Value = Vec<Option<String>>> {
    TYPES
        .iter()
        .map(|&t| proptest::option::of(raw_value(t)))
        .collect::<Vec<_>>()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn export_then_import_gives_the_same_values(
        rows in proptest::collection::vec(record(), 1..15),
        encoding in proptest::sample::select(vec![OutputEncoding::Utf8, OutputEncoding::Utf8Bom, OutputEncoding::ShiftJis]),
        formula_protection in any::<bool>(),
    ) {
        let catalog = catalog();
        let sheet = &catalog.sheets[0];
        // Canonical values, as the server stores them.
        let records: Vec<SheetRecord> = rows
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                let mut values = vec![Some(format!("R{index}"))];
                for (field, value) in sheet.fields[1..].iter().zip(raw) {
                    values.push(value.as_ref().map(|v| parse_value(field, v).expect("generated values are valid")));
                }
                SheetRecord { id: format!("R{index}"), values }
            })
            .collect();
        let columns = sheet.fields.iter().map(|f| ExportColumn { header: f.label.clone(), field: f.id.clone(), relation_key: None, }).collect();
        let out = export(
            &ExportCondition {
                key: "all".into(),
                description: String::new(),
                sheet: "all".into(),
                encoding,
                filter: None,
                columns,
                sort: Vec::new(),
                formula_protection,
                unrepresentable: Unrepresentable::Refuse,
            },
            &catalog,
            &records,
            &sheetlink_engine::linkage::RelatedValues::none(),
        )
        .expect("export condition is valid");
        prop_assert!(out.unrepresentable.is_empty());

        let import = ImportCondition {
            key: "all".into(),
            description: String::new(),
            sheet: "all".into(),
            mode: ImportMode::InsertAndUpdate,
            duplicates: Default::default(),
            has_header: true,
            first_data_row: 2,
            encoding: None,
            mappings: sheet
                .fields
                .iter()
                .map(|f| MappingRow { source: Source::Header(f.label.clone()), field: f.id.clone(), update_with_blank: true })
                .map(|m| MappingRow { update_with_blank: m.field != "id", ..m })
                .collect(),
            matching_keys: vec!["id".into()],
            relation_keys: vec![RelationKey { field: "relation".into(), key_field: "id".into() }],
        };
        let mapping = map_file(&import, &catalog, &out.bytes).expect("import condition is valid");
        prop_assert_eq!(mapping.status, MapStatus::Ok, "{:?}", mapping.diagnostics);
        prop_assert_eq!(mapping.rows.len(), records.len());
        for (row, record) in mapping.rows.iter().zip(&records) {
            prop_assert_eq!(&row.keys, &vec![record.id.clone()]);
            prop_assert_eq!(row.changes.len(), TYPES.len());
            for ((field, change), (index, expected)) in row.changes.iter().zip(record.values.iter().enumerate().skip(1)) {
                prop_assert_eq!(&**field, sheet.fields[index].id.as_str());
                let got = match change {
                    FieldChange::Set(value) | FieldChange::Relate { value, .. } => Some(value.clone()),
                    FieldChange::Clear => None,
                };
                prop_assert_eq!(&got, expected, "field {}", field);
            }
        }
    }

    /// Whatever the bytes, mapping and preview return a result whose
    /// counts add up.
    #[test]
    fn arbitrary_bytes_never_panic_the_mapper(
        body in proptest::collection::vec(
            prop_oneof![Just(b','), Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b'C'), Just(b'1'), Just(0x82), any::<u8>()],
            0..600,
        ),
        with_header in any::<bool>(),
    ) {
        let condition = customer_import_condition();
        let mut file = Vec::new();
        if with_header {
            file.extend_from_slice("顧客ID,顧客名,フリガナ,親顧客,電話番号,メールアドレス,住所,Webサイト,ランク,従業員数,設立日,最終接触日時,連絡可能時刻,取引中,備考\r\n".as_bytes());
        }
        file.extend_from_slice(&body);
        let catalog = crm_catalog();
        let mapping = map_file(&condition, &catalog, &file).expect("condition is valid");
        match mapping.status {
            MapStatus::Rejected => prop_assert!(mapping.rows.is_empty() && !mapping.diagnostics.is_empty()),
            MapStatus::Ok => prop_assert_eq!(mapping.failed, 0),
            MapStatus::Errors => prop_assert!(mapping.failed > 0),
        }
        if mapping.status != MapStatus::Rejected {
            prop_assert_eq!(mapping.rows_read as usize, mapping.rows.len() + mapping.failed as usize + mapping.skipped as usize);
        }
        let unmarked = file.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&file);
        if let Ok(text) = std::str::from_utf8(unmarked) {
            // Read as rows (the seam a workbook will use), the same mapping.
            let mut by_rows = map_rows(&condition, &catalog, &mut CsvRows::new(text))
                .expect("condition is valid");
            by_rows.encoding = mapping.encoding;
            prop_assert_eq!(by_rows, mapping);
        }
        let first = preview(&condition, &catalog, &file, 3).expect("condition is valid");
        prop_assert!(first.rows.len() <= 3);
    }
}
