//! Batch linkage on the server: import 100,000 customers by matching key
//! (upsert: every record exists and changes, with its change history) into
//! a durable redb, show the records screen's first page of them sorted by
//! name, and export them to Shift_JIS, as the API does; prints rows/s.
//!
//! Run: `cargo bench -p sheetlink-server --bench linkage`
#![allow(clippy::print_stdout, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sheetlink_engine::linkage::sample::{
    customer_csv, customer_import_condition, customer_records, staff_records,
};
use sheetlink_engine::linkage::{
    Catalog, ExportColumn, ExportCondition, OutputEncoding, SortKey, Unrepresentable, crm_catalog,
};
use sheetlink_server::Store;
use sheetlink_server::linkage::RunKind;
use sheetlink_server::linkage::apply::{People, RunContext, run_export, run_import};
use sheetlink_server::linkage::claim::Claimed;
use sheetlink_server::linkage::{
    AfterExport, AfterImport, Settings, StoredExportCondition, StoredImportCondition,
};
use sheetlink_server::store::{Linkage as _, Records as _};

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
    // The employees and departments the customers' 担当者 and 担当部署 name.
    let (departments, employees) = staff_records();
    store
        .write_crm("bench", |tx| {
            for (sheet, records) in [("department", &departments), ("employee", &employees)] {
                let sheet = catalog.sheet(sheet).expect("a CRM sheet");
                for record in records {
                    tx.put_record(sheet, None, record, None)?;
                }
            }
            Ok(())
        })
        .expect("writes the staff");
    let started = Instant::now();
    let first = run_import(
        &store,
        context(&catalog, &settings),
        &import,
        &files[0],
        &Claimed::unrecorded(context(&catalog, &settings), &import).expect("a run id"),
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
        first.counts.created as usize, CUSTOMERS,
        "every row applies"
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
                &Claimed::unrecorded(context(&catalog, &settings), &import).expect("a run id"),
                None,
            )
            .expect("imports");
            assert!(run.counts.updated > 0);
            turn += 1;
        })
    });
    // The nightly full sync as it usually is: the same file again, nothing
    // changed (every row found through the index and compared).
    group.bench_function("re-import 100k unchanged customers", |b| {
        b.iter(|| {
            let run = run_import(
                &store,
                context(&catalog, &settings),
                &import,
                &files[(turn + 1) % 2],
                &Claimed::unrecorded(context(&catalog, &settings), &import).expect("a run id"),
                None,
            )
            .expect("imports");
            assert_eq!(run.counts.unchanged as usize, CUSTOMERS);
        })
    });
    let customer = catalog.sheet("customer").expect("customers");
    let by_name = SortKey {
        field: "name".into(),
        descending: false,
    };
    group.bench_function("first page of 100k customers sorted by name", |b| {
        b.iter(|| {
            let page = store
                .record_page("bench", customer, Some(&by_name), None, None)
                .expect("reads");
            assert_eq!(page.records.len(), 100);
            // The page names each 担当者 and 担当部署, as the screen does.
            let linked: Vec<&str> = page
                .records
                .iter()
                .filter_map(|r| r.values[customer.field_index("owner").unwrap_or(0)].as_deref())
                .collect();
            let employee = catalog.sheet("employee").expect("employees");
            let named = store
                .records_by_id("bench", employee, &linked)
                .expect("reads");
            assert!(!named.is_empty());
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
                            relation_key: None,
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

/// The bench's conditions tell no one beyond the settings.
static NO_ONE: People = People {
    members: Vec::new(),
    emails: Vec::new(),
};

/// The bench tenant's run context (Japan time).
fn context<'a>(catalog: &'a Catalog, settings: &'a Settings) -> RunContext<'a> {
    RunContext {
        tenant: "bench",
        actor: "bench",
        catalog,
        settings,
        offset_minutes: 540,
        people: &NO_ONE,
        kind: RunKind::Batch,
        on_the_spot: false,
        list_every_row: sheetlink_server::linkage::ANSWER_EVERY_ROW,
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
