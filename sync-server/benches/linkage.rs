//! Batch linkage on the server: import 100,000 customers by matching key
//! (upsert: every record exists and changes) into a durable redb, and
//! export them to Shift_JIS, as the batch API does; prints rows/s.
//!
//! Run: `cargo bench -p sheetlink-server --bench linkage`
#![allow(clippy::print_stdout, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sheetlink_engine::linkage::sample::{
    customer_csv, customer_import_condition, customer_records,
};
use sheetlink_engine::linkage::{
    Catalog, ExportColumn, ExportCondition, OutputEncoding, SortKey, Unrepresentable, crm_catalog,
};
use sheetlink_server::Store;
use sheetlink_server::linkage::apply::{RunContext, run_export, run_import};
use sheetlink_server::linkage::{
    AfterExport, AfterImport, Settings, StoredExportCondition, StoredImportCondition,
};

const CUSTOMERS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sheetlink-bench-linkage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    let catalog = crm_catalog();
    let settings = Settings::default();
    let import = StoredImportCondition {
        condition: customer_import_condition(),
        after: AfterImport::default(),
    };
    // Two versions of the same 100,000 customers (same ids, other values):
    // alternating them makes every run an update of every record.
    let files = [
        customer_csv(&customer_records(CUSTOMERS, 1)),
        customer_csv(&customer_records(CUSTOMERS, 2)),
    ];
    let started = Instant::now();
    let first = run_import(
        &store,
        context(&catalog, &settings),
        &import,
        &files[0],
        None,
    )
    .expect("imports");
    println!(
        "first import (inserts): {} created, {} failed in {:.2} s ({:.1} MB)",
        first.counts.created,
        first.counts.failed,
        started.elapsed().as_secs_f64(),
        files[0].len() as f64 / 1e6
    );
    assert_eq!(
        first.counts.created as usize + first.counts.failed as usize,
        CUSTOMERS
    );

    let mut group = c.benchmark_group("linkage");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    let mut turn = 1;
    group.bench_function("upsert 100k customers by matching key", |b| {
        b.iter(|| {
            let run = run_import(
                &store,
                context(&catalog, &settings),
                &import,
                &files[turn % 2],
                None,
            )
            .expect("imports");
            assert!(run.counts.updated > 0);
            turn += 1;
        })
    });
    let export = StoredExportCondition {
        condition: ExportCondition {
            key: "bench".into(),
            description: String::new(),
            sheet: "customer".into(),
            encoding: OutputEncoding::ShiftJis,
            filter: None,
            columns: catalog
                .sheet("customer")
                .map(|s| {
                    s.fields
                        .iter()
                        .map(|f| ExportColumn {
                            header: f.label.clone(),
                            field: f.id.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            sort: vec![SortKey {
                field: "id".into(),
                descending: false,
            }],
            formula_protection: true,
            unrepresentable: Unrepresentable::Replace,
        },
        after: AfterExport::default(),
    };
    group.bench_function("export 100k customers to Shift_JIS", |b| {
        b.iter(|| {
            let written =
                run_export(&store, context(&catalog, &settings), &export).expect("exports");
            assert_eq!(written.rows, CUSTOMERS);
        })
    });
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bench tenant's run context (Japan time).
fn context<'a>(catalog: &'a Catalog, settings: &'a Settings) -> RunContext<'a> {
    RunContext {
        tenant: "bench",
        actor: "bench",
        catalog,
        settings,
        offset_minutes: 540,
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
