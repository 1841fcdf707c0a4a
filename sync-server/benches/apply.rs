//! Validate and apply a 10,000 evaluatees × 1,000 items batch (10M cells)
//! into a durable redb, as the import endpoint does; prints the time and the
//! data-file size.
//!
//! Run: `cargo bench -p sheetlink-server --bench apply`
#![allow(clippy::print_stdout, missing_docs)]

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use sheetlink_engine::evaluation::sample;
use sheetlink_server::imports::{ImportStatus, apply, prepare};

#[path = "support/world.rs"]
mod world;
use world::{EVALUATEES, ITEMS, record, world};

fn bench(c: &mut Criterion) {
    let schema = sample::sheet_schema(ITEMS, EVALUATEES);
    let file = sample::filled_template(&schema, EVALUATEES, 5);
    let once = world("once");
    let started = Instant::now();
    let done = {
        let db = &once.store;
        let prepared =
            prepare(db, &once.caller, &once.period, &once.sheet, &file).expect("prepares");
        apply(
            db,
            &once.caller,
            &once.period,
            &once.sheet,
            record(&once, "once"),
            prepared,
            u64::MAX,
        )
        .expect("applies")
    };
    let elapsed = started.elapsed();
    assert_eq!(done.status, ImportStatus::Completed);
    let size = std::fs::metadata(once.dir.join("sheetlink.redb")).map_or(0, |m| m.len());
    println!(
        "validate + apply {EVALUATEES} × {ITEMS} ({} cells, {:.1} MB file) into a durable redb: {:.2} s; data file {:.1} MB",
        EVALUATEES * ITEMS,
        file.len() as f64 / 1048576.0,
        elapsed.as_secs_f64(),
        size as f64 / 1048576.0
    );
    let _ = std::fs::remove_dir_all(&once.dir);

    let mut group = c.benchmark_group("apply");
    group.sample_size(10);
    group.bench_function(
        "validate + apply 10,000 × 1,000 into a fresh database",
        |b| {
            b.iter_batched(
                || world("iter"),
                |world| {
                    let db = &world.store;
                    let prepared = prepare(db, &world.caller, &world.period, &world.sheet, &file)
                        .expect("prepares");
                    apply(
                        db,
                        &world.caller,
                        &world.period,
                        &world.sheet,
                        record(&world, "iter"),
                        prepared,
                        u64::MAX,
                    )
                    .expect("applies")
                },
                criterion::BatchSize::PerIteration,
            )
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
