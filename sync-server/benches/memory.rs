//! Peak heap of the hostile and the largest requests, printed (issue 12's
//! memory goals):
//!
//! 1. The header-row bomb: a 29 KB gzip body whose row 2 inflates to 15
//!    million item ids, sent as a real evaluation import through the whole
//!    router (session, gzip, engine, record). Goal: at most 3 × the 30 MB
//!    limit (90 MB) above the idle server.
//! 2. The 10,000 × 1,000 dry run (10M cells): check, plan, every total and
//!    the first page of cells, serialized as the answer. Printed: the peak
//!    heap above idle and the first answer's size (goal ≤ 1 MB).
//!
//! Run: `cargo bench -p sheetlink-server --bench memory` (`-- --test` runs
//! the same once, as `scripts/test.sh` does).
#![allow(clippy::print_stdout, missing_docs, unsafe_code)]

use std::io::Write as _;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt as _;
use sheetlink_engine::evaluation::sample;
use sheetlink_server::imports::{dry_run, prepare};
use sheetlink_server::seed::{DEMO_ADMIN, seed_demo};
use sheetlink_server::{AppState, Config, Store, app};
use tower::ServiceExt as _;

#[path = "../../bench/counting_alloc.rs"]
mod counting_alloc;
#[path = "support/world.rs"]
mod world;

const MB: f64 = 1024.0 * 1024.0;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(header_bomb());
    dry_run_10m();
}

async fn header_bomb() {
    let dir = std::env::temp_dir().join(format!("sheetlink-bench-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    seed_demo(&store).expect("seeds");
    let router = app(AppState::new(store, Config::default()));
    let login = Request::post("/api/login")
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::json!({"login_id": "admin", "password": DEMO_ADMIN.1}).to_string(),
        ))
        .expect("request");
    let answer = router.clone().oneshot(login).await.expect("answers");
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("a session")
        .to_owned();

    let mut file =
        b"version:1,period:2026-h1,sheet:performance\r\nname,employeenumber_or_email".to_vec();
    file.extend(std::iter::repeat_n(&b",i"[..], 15_000_000).flatten());
    file.extend_from_slice(b"\r\n");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&file).expect("compresses");
    let body = encoder.finish().expect("compresses");
    let inflated = file.len();
    drop(file);

    for attempt in 1..=3 {
        let request = Request::post("/api/periods/2026-h1/sheets/performance/imports")
            .header("cookie", &cookie)
            .header("content-type", "text/csv")
            .header("content-encoding", "gzip")
            .header("idempotency-key", format!("bomb-{attempt}"))
            .body(Body::from(body.clone()))
            .expect("request");
        let idle = counting_alloc::reset_peak();
        let started = Instant::now();
        let answer = router.clone().oneshot(request).await.expect("answers");
        let status = answer.status();
        let bytes = answer.into_body().collect().await.expect("body").to_bytes();
        let elapsed = started.elapsed();
        let peak = counting_alloc::peak() - idle;
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            status.as_u16() == 201 && text.contains("header.too_many_items"),
            "{status} {text:.300}"
        );
        println!(
            "header bomb ({:.1} KB gzip, {:.1} MB inflated, 15M item ids) as a real import, run {attempt}: {status}, peak heap {:.1} MB above the idle server (goal ≤ 90 MB), {:.0} ms",
            body.len() as f64 / 1024.0,
            inflated as f64 / MB,
            peak as f64 / MB,
            elapsed.as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn dry_run_10m() {
    let schema = sample::sheet_schema(world::ITEMS, world::EVALUATEES);
    let file = sample::filled_template(&schema, world::EVALUATEES, 5);
    let world = world::world("memory");
    let idle = counting_alloc::reset_peak();
    let started = Instant::now();
    let answer = {
        let db = &world.store;
        let prepared =
            prepare(db, &world.caller, &world.period, &world.sheet, &file).expect("prepares");
        let plan = dry_run(
            db,
            &world.caller,
            &world.period,
            &world.sheet,
            &prepared,
            "bench".into(),
        )
        .expect("plans");
        serde_json::to_vec(&plan).expect("serializes")
    };
    let elapsed = started.elapsed();
    // The file itself is live at the peak too (the server holds the body).
    let peak = counting_alloc::peak() - idle + file.len();
    println!(
        "dry run of {} × {} ({} cells, {:.1} MB file): first answer {:.0} KB (goal ≤ 1 MB), peak heap {:.1} MB = {:.2} × the file (file included), {:.2} s",
        world::EVALUATEES,
        world::ITEMS,
        world::EVALUATEES * world::ITEMS,
        file.len() as f64 / MB,
        answer.len() as f64 / 1024.0,
        peak as f64 / MB,
        peak as f64 / file.len() as f64,
        elapsed.as_secs_f64()
    );
    assert!(
        answer.len() < 1_000_000,
        "first answer {} bytes",
        answer.len()
    );
    let _ = std::fs::remove_dir_all(&world.dir);
}
