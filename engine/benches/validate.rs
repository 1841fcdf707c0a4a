//! Parse + validate throughput and peak memory on a realistic 10,000 × 1,000
//! evaluation sheet (~29 MB), next to the `csv` crate reading the same bytes
//! as raw `ByteRecord`s, so the cost of the rules over plain parsing shows.
//!
//! Run: `cargo bench -p sheetlink-engine --bench validate`
#![allow(clippy::print_stdout, missing_docs, unsafe_code)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sheetlink_engine::evaluation::{Status, sample, validate};

#[path = "../../bench/counting_alloc.rs"]
mod counting_alloc;

const ITEMS: usize = 1000;
const EVALUATEES: usize = 10_000;
const MB: f64 = 1024.0 * 1024.0;

fn bench(c: &mut Criterion) {
    let schema = sample::sheet_schema(ITEMS, EVALUATEES);
    let file = sample::filled_template(&schema, EVALUATEES, 42);

    // Memory: everything live at the peak, the file itself included.
    let before = counting_alloc::reset_peak();
    let (report, batch) = validate(&schema, &file);
    let peak = counting_alloc::peak() - before + file.len();
    assert_eq!(
        report.status,
        Status::Ok,
        "{:?}",
        report.diagnostics.first()
    );
    assert_eq!(batch.cell_count(), ITEMS * EVALUATEES);
    println!(
        "file: {:.1} MB, {} evaluatees × {} items = {} cells",
        file.len() as f64 / MB,
        EVALUATEES,
        ITEMS,
        batch.cell_count()
    );
    println!(
        "peak memory of validate (file + working set + batch): {:.1} MB = {:.2} × the file (batch arena {:.1} MB)",
        peak as f64 / MB,
        peak as f64 / file.len() as f64,
        batch.arena_bytes() as f64 / MB
    );
    drop(batch);

    let mut group = c.benchmark_group("evaluation-10000x1000");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.bench_function("csv ByteRecord read (parser only)", |b| {
        b.iter(|| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&file[..]);
            let mut record = csv::ByteRecord::new();
            let mut fields = 0usize;
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                fields += record.len();
            }
            black_box(fields)
        })
    });
    group.bench_function("sheetlink validate (parse + rules + batch)", |b| {
        b.iter(|| black_box(validate(&schema, black_box(&file))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
