//! Nobody waits on the writer: sign-in and history latency (p50 / p99 /
//! max) measured on loopback against a real server while the heaviest
//! writes run beside them — the 10,000 × 1,000 evaluation import (10M cells)
//! and its revert, a 50,000-row batch import of customers, and Shift_JIS
//! batch exports. Goal: p99 under 300 ms. Bounded in time (30 s of load;
//! 5 s with `--test`) and stopped by itself.
//!
//! Run: `cargo bench -p sheetlink-server --bench load`
#![allow(clippy::print_stdout, missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sheetlink_engine::evaluation::sample;
use sheetlink_server::auth::hash_password;
use sheetlink_server::model::Member;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_LEADER, seed_demo};
use sheetlink_server::store::tables::{LOGINS, MEMBERS, login_key};
use sheetlink_server::store::{get_json, put_json};
use sheetlink_server::{AppState, Config, Store, app};

#[path = "support/world.rs"]
mod world;

const BENCH_ADMIN: (&str, &str) = ("bench-admin", "bench-admin-password");

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

/// Signs in; returns the `Cookie` header and how long it took.
fn sign_in(
    agent: &ureq::Agent,
    base: &str,
    tenant: &str,
    (login, password): (&str, &str),
) -> (String, Duration) {
    let started = Instant::now();
    let answer = agent
        .post(&format!("{base}/api/login"))
        .header("content-type", "application/json")
        .send(
            serde_json::json!({"tenant": tenant, "login_id": login, "password": password})
                .to_string(),
        )
        .expect("answers");
    let elapsed = started.elapsed();
    assert_eq!(answer.status().as_u16(), 200, "sign-in of {login}");
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("a session")
        .to_owned();
    (cookie, elapsed)
}

fn body(answer: ureq::http::Response<ureq::Body>) -> (u16, String) {
    let status = answer.status().as_u16();
    let text = answer
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    (status, text)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn main() {
    let short = std::env::args().any(|a| a == "--test");
    let load_for = Duration::from_secs(if short { 5 } else { 30 });

    // One store: the demo tenant (CRM records, conditions) and the bench
    // world's tenant `t` with 10,000 evaluatees × 1,000 items.
    let dir = std::env::temp_dir().join(format!("sheetlink-bench-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    seed_demo(&store).expect("seeds");
    let world = world::world_in(store.clone(), dir.clone());
    store.with_db(|db| {
        let mut admin: Member = get_json(db, MEMBERS, "t/admin")
            .expect("reads")
            .expect("the world's admin");
        admin.login_id = Some(BENCH_ADMIN.0.into());
        admin.password_hash = Some(hash_password(BENCH_ADMIN.1).expect("hashes"));
        put_json(db, MEMBERS, "t/admin", &admin).expect("writes");
        let write = db.begin_write().expect("write");
        write
            .open_table(LOGINS)
            .expect("logins")
            .insert(login_key("t", BENCH_ADMIN.0).as_str(), "admin")
            .expect("insert");
        write.commit().expect("commit");
    });
    let schema = sample::sheet_schema(world::ITEMS, world::EVALUATEES);
    let evaluation_file = Arc::new(sample::filled_template(&schema, world::EVALUATEES, 5));
    let import_path = format!(
        "/api/periods/{}/sheets/{}/imports",
        world.period.id, world.sheet.id
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let address = listener.local_addr().expect("address");
    let router = app(AppState::new(store.clone(), Config::default()));
    runtime.spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let base = format!("http://{address}");
    let agent = new_agent();
    let (demo_admin, _) = sign_in(&agent, &base, "demo", DEMO_ADMIN);
    let (_, token_body) = body(
        agent
            .post(&format!("{base}/api/linkage/token"))
            .header("cookie", &demo_admin)
            .send_empty()
            .expect("answers"),
    );
    let token: String =
        serde_json::from_str::<serde_json::Value>(&token_body).expect("json")["token"]
            .as_str()
            .expect("a token")
            .to_owned();
    let customers = {
        let mut csv = String::from("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n");
        for n in 0..50_000 {
            csv.push_str(&format!("LOAD-{n},株式会社ロード{n},,,,A\r\n"));
        }
        Arc::new(csv.into_bytes())
    };

    let stop = Arc::new(AtomicBool::new(false));
    let imports = Arc::new(AtomicU32::new(0));
    let reverts = Arc::new(AtomicU32::new(0));
    let batches = Arc::new(AtomicU32::new(0));
    let exports = Arc::new(AtomicU32::new(0));
    let mut writers = Vec::new();
    {
        // The largest evaluation import, then its revert, again and again.
        let (stop, imports, reverts, base, file) = (
            stop.clone(),
            imports.clone(),
            reverts.clone(),
            base.clone(),
            evaluation_file.clone(),
        );
        let import_path = import_path.clone();
        writers.push(std::thread::spawn(move || {
            let agent = new_agent();
            let (cookie, _) = sign_in(&agent, &base, "t", BENCH_ADMIN);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let (status, text) = body(
                    agent
                        .post(&format!("{base}{import_path}"))
                        .header("cookie", &cookie)
                        .header("content-type", "text/csv")
                        .header("idempotency-key", &format!("load-{n}"))
                        .send(&file[..])
                        .expect("answers"),
                );
                if status == 429 {
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                }
                assert_eq!(status, 201, "{text:.300}");
                imports.fetch_add(1, Ordering::Relaxed);
                let id = serde_json::from_str::<serde_json::Value>(&text).expect("json")["id"]
                    .as_str()
                    .expect("an id")
                    .to_owned();
                let (status, text) = body(
                    agent
                        .post(&format!("{base}/api/imports/{id}/revert"))
                        .header("cookie", &cookie)
                        .send_empty()
                        .expect("answers"),
                );
                assert_eq!(status, 200, "{text:.300}");
                reverts.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    {
        let (stop, batches, base, token, csv) = (
            stop.clone(),
            batches.clone(),
            base.clone(),
            token.clone(),
            customers.clone(),
        );
        writers.push(std::thread::spawn(move || {
            let agent = new_agent();
            while !stop.load(Ordering::Relaxed) {
                let (status, text) = body(
                    agent
                        .post(&format!("{base}/api/batch/imports/customers"))
                        .header("authorization", &format!("Bearer {token}"))
                        .header("content-type", "text/csv")
                        .send(&csv[..])
                        .expect("answers"),
                );
                assert_eq!(status, 200, "{text:.300}");
                batches.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    {
        let (stop, exports, base, token) =
            (stop.clone(), exports.clone(), base.clone(), token.clone());
        writers.push(std::thread::spawn(move || {
            let agent = new_agent();
            while !stop.load(Ordering::Relaxed) {
                let (status, text) = body(
                    agent
                        .get(&format!("{base}/api/batch/exports/customers-sjis"))
                        .header("authorization", &format!("Bearer {token}"))
                        .call()
                        .expect("answers"),
                );
                assert_eq!(status, 200, "{text:.300}");
                exports.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }

    // Let the writers get going, then measure.
    std::thread::sleep(Duration::from_secs(1));
    let deadline = Instant::now() + load_for;
    let sign_ins = {
        let base = base.clone();
        std::thread::spawn(move || {
            let agent = new_agent();
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let (_, elapsed) = sign_in(&agent, &base, "demo", DEMO_LEADER);
                times.push(elapsed);
            }
            times
        })
    };
    let history = {
        let base = base.clone();
        std::thread::spawn(move || {
            let agent = new_agent();
            let (cookie, _) = sign_in(&agent, &base, "t", BENCH_ADMIN);
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let (status, _) = body(
                    agent
                        .get(&format!("{base}/api/imports"))
                        .header("cookie", &cookie)
                        .call()
                        .expect("answers"),
                );
                times.push(started.elapsed());
                assert_eq!(status, 200);
                std::thread::sleep(Duration::from_millis(20));
            }
            times
        })
    };
    let mut sign_ins = sign_ins.join().expect("sign-ins");
    let mut history = history.join().expect("history");
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("a writer");
    }
    for (what, times) in [("sign-in", &mut sign_ins), ("history", &mut history)] {
        times.sort();
        println!(
            "{what} under load: {} requests, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (goal p99 < 300 ms)",
            times.len(),
            percentile(times, 0.5),
            percentile(times, 0.99),
            percentile(times, 1.0)
        );
    }
    println!(
        "beside them, in {:.0} s: {} evaluation imports of 10M cells, {} reverts, {} batch imports of 50,000 customers, {} Shift_JIS exports",
        load_for.as_secs_f64() + 1.0,
        imports.load(Ordering::Relaxed),
        reverts.load(Ordering::Relaxed),
        batches.load(Ordering::Relaxed),
        exports.load(Ordering::Relaxed)
    );
    runtime.shutdown_timeout(Duration::from_secs(5));
    let _ = std::fs::remove_dir_all(&dir);
}
