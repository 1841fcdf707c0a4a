//! A batch import's retries against a real server process: a client that
//! hangs up while its file is applying and sends it again at once with the
//! same Idempotency-Key (as `sheetlink import` does after a proxy's 504),
//! and a server killed (SIGKILL) between the run's claim and its commit.
//! Each must end in the file applied exactly once.

use std::time::{Duration, Instant};

use serde_json::Value;

mod process;
use process::{Server, http, json, send_and_forget, send_and_hang_up, sign_in};

/// Rows in the file: enough that applying it takes seconds, so that the
/// hang-up and the kill land while it applies.
const ROWS: usize = 60_000;

const IMPORT: &str = "/api/batch/imports/customers";

fn data_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sheetlink-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Batch linkage on, told on the admin's timeline and by one e-mail; a
/// fresh token.
fn enable_batch(server: &Server, cookie: &str) -> String {
    let headers = [("Content-Type", "application/json"), ("Cookie", cookie)];
    let settings = br#"{"enabled":true,"allowed_ips":"","auth":"token","timeline_targets":["admin"],"emails":["ops@example.co.jp"]}"#;
    let (status, _, body) = http(
        &server.address,
        "PUT",
        "/api/linkage/settings",
        &headers,
        settings,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = http(&server.address, "POST", "/api/linkage/token", &headers, b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    json(&body)["token"].as_str().expect("a token").to_owned()
}

/// A customers file of [`ROWS`] new customers (`R-00000`, …).
fn customers() -> Vec<u8> {
    let mut csv = String::from("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n");
    for n in 0..ROWS {
        csv.push_str(&format!(
            "R-{n:05},再送株式会社{n},03-0000-{:04},,,B\r\n",
            n % 10_000
        ));
    }
    csv.into_bytes()
}

/// The customer sheet's runs, newest first.
fn runs(server: &Server, cookie: &str) -> Vec<Value> {
    let (status, _, body) = http(
        &server.address,
        "GET",
        "/api/linkage/runs?sheet=customer",
        &[("Cookie", cookie)],
        b"",
    );
    assert_eq!(status, 200);
    json(&body).as_array().cloned().unwrap_or_default()
}

/// Waits until the newest run is in a state `done` accepts.
fn wait_for_run(server: &Server, cookie: &str, done: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(600);
    loop {
        if let Some(run) = runs(server, cookie).first().filter(|run| done(run)) {
            return run.clone();
        }
        assert!(Instant::now() < until, "the run never got there");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The e-mails queued for `run` (no SMTP relay is configured, so each
/// stays in the queue), read from the data directory once the server has
/// stopped.
fn queued_mails(dir: &std::path::Path, run: &str) -> usize {
    let store = sheetlink_server::Store::open(dir).expect("the store opens");
    store.with_db(|db| {
        sheetlink_server::store::scan_raw(db, sheetlink_server::store::tables::MAIL_QUEUE, "")
            .expect("reads")
            .iter()
            .filter(|(key, _)| key.contains(run))
            .count()
    })
}

#[test]
fn a_client_that_hangs_up_and_retries_at_once_applies_once() {
    let dir = data_dir("hang-up");
    let mut server = process::start(&dir, &[]);
    let cookie = sign_in(&server.address);
    let token = enable_batch(&server, &cookie);
    let bearer = format!("Bearer {token}");
    let file = customers();
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "text/csv"),
        ("Idempotency-Key", "nightly-hang-up"),
    ];
    // The client gives up after one second, long before the file applied
    // (the run is claimed by then)…
    let hang_up = {
        let (address, bearer, file) = (server.address.clone(), bearer.clone(), file.clone());
        std::thread::spawn(move || {
            let headers = [
                ("Authorization", bearer.as_str()),
                ("Content-Type", "text/csv"),
                ("Idempotency-Key", "nightly-hang-up"),
            ];
            send_and_hang_up(&address, IMPORT, &headers, &file, Duration::from_secs(1));
        })
    };
    let claimed = wait_for_run(&server, &cookie, |run| run["status"] == "running");
    hang_up.join().expect("the first send");
    // …and sends it again at once: the server answers that the run is
    // still applying, naming it.
    let (status, _, body) = http(&server.address, "POST", IMPORT, &headers, &file);
    let retry = json(&body);
    assert_eq!(status, 202, "{retry}");
    assert_eq!(retry["status"], "running");
    assert_eq!(retry["id"], claimed["id"]);
    let id = retry["id"].as_str().expect("the run's id").to_owned();
    // The batch client follows it with its token.
    let path = format!("/api/batch/runs/{id}");
    let (status, _, body) = http(
        &server.address,
        "GET",
        &path,
        &[("Authorization", bearer.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)["id"], id.as_str());

    let done = wait_for_run(&server, &cookie, |run| run["status"] != "running");
    assert_eq!(done["id"], id.as_str());
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["counts"]["created"], ROWS as u64);
    assert_eq!(runs(&server, &cookie).len(), 1, "one run");
    // A third send now replays the finished run.
    let (status, answer_headers, body) = http(&server.address, "POST", IMPORT, &headers, &file);
    assert_eq!(status, 200);
    assert!(
        answer_headers
            .iter()
            .any(|(name, value)| name == "idempotent-replayed" && value == "true")
    );
    assert_eq!(json(&body)["id"], id.as_str());

    let (_, _, posts) = http(
        &server.address,
        "GET",
        "/api/timeline",
        &[("Cookie", cookie.as_str())],
        b"",
    );
    let posts = json(&posts);
    let of_run = posts
        .as_array()
        .into_iter()
        .flatten()
        .filter(|post| post["id"] == id.as_str())
        .count();
    assert_eq!(of_run, 1, "one timeline post: {posts}");
    server.kill();
    assert_eq!(queued_mails(&dir, &id), 1, "one mail");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_killed_between_claim_and_commit_ends_interrupted_and_its_key_runs_again() {
    let dir = data_dir("claim-kill");
    let mut server = process::start(&dir, &[]);
    let cookie = sign_in(&server.address);
    let token = enable_batch(&server, &cookie);
    let bearer = format!("Bearer {token}");
    let file = customers();
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "text/csv"),
        ("Idempotency-Key", "nightly-killed"),
    ];
    let sender = {
        let (address, bearer, file) = (server.address.clone(), bearer.clone(), file.clone());
        std::thread::spawn(move || {
            let headers = [
                ("Authorization", bearer.as_str()),
                ("Content-Type", "text/csv"),
                ("Idempotency-Key", "nightly-killed"),
            ];
            send_and_forget(&address, IMPORT, &headers, &file);
        })
    };
    // Killed as soon as the run is claimed, while it applies.
    let claimed = wait_for_run(&server, &cookie, |run| run["status"] == "running");
    server.kill();
    let _ = sender.join();

    let server = process::start(&dir, &[]);
    let cookie = sign_in(&server.address);
    let after = runs(&server, &cookie);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], claimed["id"]);
    assert_eq!(after[0]["status"], "interrupted", "{after:?}");
    // Nothing of it was applied: not even its first row.
    let (status, _, _) = http(
        &server.address,
        "GET",
        "/api/linkage/sheets/customer/records/R-00000",
        &[("Cookie", cookie.as_str())],
        b"",
    );
    assert_eq!(status, 404, "the first row of the killed run was applied");
    let id = after[0]["id"].as_str().unwrap_or_default();
    let (_, _, details) = http(
        &server.address,
        "GET",
        &format!("/api/linkage/runs/{id}"),
        &[("Cookie", cookie.as_str())],
        b"",
    );
    assert!(
        json(&details)["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("サーバーが停止")),
        "{}",
        String::from_utf8_lossy(&details)
    );
    // The same key runs the file now.
    let (status, _, body) = http(&server.address, "POST", IMPORT, &headers, &file);
    let run = json(&body);
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["status"], "completed");
    assert_eq!(run["counts"]["created"], ROWS as u64);
    assert_ne!(run["id"], claimed["id"]);
    assert_eq!(runs(&server, &cookie).len(), 2);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
