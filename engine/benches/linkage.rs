//! Batch-linkage throughput: mapping a ~30 MB customer file, exporting
//! 100,000 customers to Shift_JIS, and the wizard's preview of 20 rows × 50
//! columns.
//!
//! Run: `cargo bench -p sheetlink-engine --bench linkage`
#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sheetlink_engine::linkage::sample::{
    customer_csv, customer_import_condition, customer_records,
};
use sheetlink_engine::linkage::{
    Catalog, ExportColumn, ExportCondition, Field, FieldType, ImportCondition, ImportMode,
    MapStatus, MappingRow, OutputEncoding, RelatedValues, Sheet, SortKey, Source, Unrepresentable,
    crm_catalog, export, map_file, preview,
};

const MB: f64 = 1024.0 * 1024.0;

fn mapping(c: &mut Criterion) {
    let catalog = crm_catalog();
    let condition = customer_import_condition();
    let records = customer_records(190_000, 7);
    let file = customer_csv(&records);
    let (shift_jis, _, _) =
        encoding_rs::SHIFT_JIS.encode(std::str::from_utf8(&file).unwrap_or_default());
    let mapped = map_file(&condition, &catalog, &file).expect("condition is valid");
    assert_eq!(
        mapped.status,
        MapStatus::Ok,
        "{:?}",
        mapped.diagnostics.first()
    );
    println!(
        "customer file: {} rows × {} columns, {:.1} MB UTF-8, {:.1} MB Shift_JIS",
        records.len(),
        records.first().map_or(0, |r| r.values.len()),
        file.len() as f64 / MB,
        shift_jis.len() as f64 / MB
    );

    let mut group = c.benchmark_group("linkage-map");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.bench_function("map customer file (UTF-8)", |b| {
        b.iter(|| black_box(map_file(&condition, &catalog, black_box(&file))))
    });
    group.throughput(Throughput::Bytes(shift_jis.len() as u64));
    group.bench_function("map customer file (Shift_JIS)", |b| {
        b.iter(|| black_box(map_file(&condition, &catalog, black_box(&shift_jis))))
    });
    group.finish();
}

fn exporting(c: &mut Criterion) {
    let catalog = crm_catalog();
    let records = customer_records(100_000, 11);
    let Some(customer) = catalog.sheet("customer") else {
        return;
    };
    let condition = ExportCondition {
        key: "customers".into(),
        description: String::new(),
        sheet: "customer".into(),
        encoding: OutputEncoding::ShiftJis,
        filter: None,
        columns: customer
            .fields
            .iter()
            .map(|f| ExportColumn {
                header: f.label.clone(),
                field: f.id.clone(),
                relation_key: None,
            })
            .collect(),
        sort: vec![SortKey {
            field: "id".into(),
            descending: true,
        }],
        formula_protection: true,
        unrepresentable: Unrepresentable::Refuse,
    };
    let out =
        export(&condition, &catalog, &records, &RelatedValues::none()).expect("condition is valid");
    assert!(!out.refused());
    println!(
        "export: {} records, {:.1} MB Shift_JIS",
        out.rows,
        out.bytes.len() as f64 / MB
    );

    let mut group = c.benchmark_group("linkage-export");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(out.bytes.len() as u64));
    group.bench_function("export 100,000 customers to Shift_JIS (sorted)", |b| {
        b.iter(|| {
            black_box(export(
                &condition,
                &catalog,
                black_box(&records),
                &RelatedValues::none(),
            ))
        })
    });
    group.finish();
}

/// A 50-field sheet of mixed types and a sample file for it.
fn wide_sheet() -> (Catalog, ImportCondition, Vec<u8>) {
    let types = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Date,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Checkbox,
        FieldType::Datetime,
        FieldType::Time,
        FieldType::Link,
        FieldType::Address,
    ];
    let samples = [
        "株式会社サンプル",
        "12,345",
        "2026/4/1",
        "taro@example.co.jp",
        "03-1234-5678",
        "1",
        "2026/4/1 9:05",
        "9:05",
        "https://example.co.jp/",
        "東京都千代田区1-1",
    ];
    let fields: Vec<Field> = (0..50)
        .map(|i| {
            Field::new(
                &format!("f{i}"),
                &format!("項目{i}"),
                types[i % types.len()],
            )
        })
        .collect();
    let mut file = fields
        .iter()
        .map(|f| f.label.clone())
        .collect::<Vec<_>>()
        .join(",");
    file.push_str("\r\n");
    for row in 0..200 {
        let cells: Vec<String> = (0..50)
            .map(|i| match types[i % types.len()] {
                FieldType::Number => format!("{}", row * 7 + i),
                FieldType::Text => format!("\"{}{row}\"", samples[0]),
                _ => samples[i % samples.len()].to_owned(),
            })
            .collect();
        file.push_str(&cells.join(","));
        file.push_str("\r\n");
    }
    let condition = ImportCondition {
        key: "wide".into(),
        description: String::new(),
        sheet: "wide".into(),
        mode: ImportMode::InsertOnly,
        duplicates: Default::default(),
        has_header: true,
        first_data_row: 2,
        encoding: None,
        mappings: fields
            .iter()
            .map(|f| MappingRow {
                source: Source::Header(f.label.clone()),
                field: f.id.clone(),
                update_with_blank: false,
            })
            .collect(),
        matching_keys: Vec::new(),
        relation_keys: Vec::new(),
    };
    let catalog = Catalog {
        sheets: vec![Sheet {
            id: "wide".into(),
            name: "幅広".into(),
            fields,
        }],
    };
    (catalog, condition, file.into_bytes())
}

fn previewing(c: &mut Criterion) {
    let (catalog, condition, file) = wide_sheet();
    let shown = preview(&condition, &catalog, &file, 20).expect("condition is valid");
    assert_eq!((shown.rows.len(), shown.rows_read), (20, 20));
    c.bench_function("preview 20 rows × 50 columns", |b| {
        b.iter(|| black_box(preview(&condition, &catalog, black_box(&file), 20)))
    });
}

criterion_group!(benches, mapping, exporting, previewing);
criterion_main!(benches);
