//! Members in bulk: check and apply a member file of 10,000 members (new,
//! then every one changed) into a durable redb, as the API does; prints the
//! times. The import hashes no password (new members get set-up links), so
//! it is a matter of seconds.
//!
//! Run: `cargo bench -p sheetlink-server --bench members`
#![allow(clippy::print_stdout, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sheetlink_protocol::organisation::{MemberImport, MemberImportOptions};
use sheetlink_server::auth::Caller;
use sheetlink_server::organisation::members::import;
use sheetlink_server::seed::{DEMO_TENANT, seed_demo_with};
use sheetlink_server::store::Organisation as _;
use sheetlink_server::{Config, Store};

const MEMBERS: usize = 10_000;
const GROUPS: [&str; 6] = [
    "営業部",
    "開発部",
    "管理部",
    "東京支社",
    "大阪支社",
    "名古屋支社",
];

/// A member file of `MEMBERS` members; `turn` changes every name.
fn member_file(turn: usize) -> Vec<u8> {
    let mut csv = String::from("氏名,従業員番号,メールアドレス,ロール,グループ,状態\r\n");
    for i in 0..MEMBERS {
        let role = if i % 50 == 0 {
            "グループリーダー"
        } else {
            ""
        };
        csv.push_str(&format!(
            "社員{i} 第{turn}版,B{i:05},person{i:05}@example.co.jp,{role},{};{},有効\r\n",
            GROUPS[i % 3],
            GROUPS[3 + i % 3]
        ));
    }
    csv.into_bytes()
}

fn check_then_apply(
    store: &Store,
    config: &Config,
    caller: &Caller,
    file: &[u8],
) -> (MemberImport, Duration, Duration) {
    let started = Instant::now();
    let checked =
        import(store, config, caller, file, &MemberImportOptions::default()).expect("checks");
    let checking = started.elapsed();
    assert_eq!(checked.error_count, 0, "{:?}", checked.errors.first());
    let started = Instant::now();
    let applied = import(
        store,
        config,
        caller,
        file,
        &MemberImportOptions {
            apply: true,
            full_sync: false,
            plan: Some(checked.plan),
        },
    )
    .expect("applies");
    (applied, checking, started.elapsed())
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sheetlink-bench-members-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    seed_demo_with(&store, 0).expect("seeds");
    let caller = Caller {
        tenant: DEMO_TENANT.into(),
        member: store
            .member(DEMO_TENANT, "admin")
            .expect("reads")
            .expect("the admin"),
    };
    let config = Config::default();
    let files = [member_file(1), member_file(2)];
    let (first, checking, applying) = check_then_apply(&store, &config, &caller, &files[0]);
    assert_eq!(first.counts.created as usize, MEMBERS);
    println!(
        "10,000 new members ({:.2} MB): checked in {:.2} s, applied (checked again, written, {} set-up links) in {:.2} s",
        files[0].len() as f64 / 1e6,
        checking.as_secs_f64(),
        first.links.len(),
        applying.as_secs_f64()
    );

    let mut group = c.benchmark_group("members");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(MEMBERS as u64));
    group.bench_function("check 10k members (all change)", |b| {
        b.iter(|| {
            let checked = import(
                &store,
                &config,
                &caller,
                &files[1],
                &MemberImportOptions::default(),
            )
            .expect("checks");
            assert_eq!(checked.counts.updated as usize, MEMBERS);
        })
    });
    let mut turn = 1;
    group.bench_function("check and apply 10k members (all change)", |b| {
        b.iter(|| {
            let (applied, _, _) = check_then_apply(&store, &config, &caller, &files[turn % 2]);
            assert_eq!(applied.counts.updated as usize, MEMBERS);
            turn += 1;
        })
    });
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
