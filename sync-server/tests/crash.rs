//! The server process killed with SIGKILL in the middle of applying a large
//! import, then restarted on the same data directory: no evaluatee may be
//! half-applied, and the history record must agree with the data.

use std::time::Duration;

mod process;
use process::{http, send_and_forget, sign_in};

const EVALUATEES: usize = 3000;

fn template(address: &str, cookie: &str) -> String {
    let body = br#"{"items": ["score_total", "goal1_rate", "grade", "training_done"]}"#;
    let headers = [("Content-Type", "application/json"), ("Cookie", cookie)];
    let (status, _, bytes) = http(
        address,
        "POST",
        "/api/periods/2026-h1/sheets/performance/template",
        &headers,
        body,
    );
    assert_eq!(status, 200);
    String::from_utf8(bytes).expect("UTF-8")
}

/// Every evaluatee gets new values in all four cells.
fn new_values(template: &str) -> String {
    let lines: Vec<&str> = template.split("\r\n").collect();
    let mut out: Vec<String> = lines[..4].iter().map(|l| l.to_string()).collect();
    for line in &lines[4..] {
        let mut cells: Vec<&str> = line.split(',').collect();
        if cells.len() == 6 {
            cells.splice(2.., ["99.99", "199.99", "S", "1"]);
            out.push(cells.join(","));
        }
    }
    out.join("\r\n") + "\r\n"
}

#[test]
fn sigkill_mid_apply_leaves_no_half_applied_evaluatee() {
    let mut outcomes = Vec::new();
    // Kill later and later: at least three attempts, and until one lands in
    // the middle of applying (how long validation takes varies by machine).
    for (attempt, delay_ms) in [100u64, 250, 400, 600, 900, 1400, 2000]
        .into_iter()
        .enumerate()
    {
        let partial = |(status, applied): &(String, usize)| {
            status == "interrupted" && *applied > 0 && *applied < EVALUATEES
        };
        if attempt >= 3 && outcomes.iter().any(partial) {
            break;
        }
        let dir =
            std::env::temp_dir().join(format!("sheetlink-crash-{}-{attempt}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut server =
            process::start(&dir, &[("SHEETLINK_DEMO_MEMBERS", &EVALUATEES.to_string())]);
        let cookie = sign_in(&server.address);
        let before = template(&server.address, &cookie);
        let file = new_values(&before);
        let address = server.address.clone();
        let key = format!("crash-{attempt}");
        let request_cookie = cookie.clone();
        let upload = std::thread::spawn(move || {
            let headers = [
                ("Content-Type", "text/csv"),
                ("Cookie", request_cookie.as_str()),
                ("Idempotency-Key", key.as_str()),
            ];
            // The connection dies with the server; the outcome is read after the restart.
            send_and_forget(
                &address,
                "/api/periods/2026-h1/sheets/performance/imports",
                &headers,
                file.as_bytes(),
            );
        });
        std::thread::sleep(Duration::from_millis(delay_ms));
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        let _ = upload.join();

        let restarted =
            process::start(&dir, &[("SHEETLINK_DEMO_MEMBERS", &EVALUATEES.to_string())]);
        let cookie = sign_in(&restarted.address);
        let after = template(&restarted.address, &cookie);
        let (mut applied, mut untouched) = (0usize, 0usize);
        let rows = |text: &str| -> Vec<String> {
            text.split("\r\n")
                .skip(4)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        for (old, new) in rows(&before).iter().zip(rows(&after).iter()) {
            if new.ends_with(",99.99,199.99,S,1") {
                applied += 1;
            } else {
                assert_eq!(old, new, "evaluatee half-applied (attempt {attempt})");
                untouched += 1;
            }
        }
        assert_eq!(applied + untouched, EVALUATEES);

        let (status, _, history) = http(
            &restarted.address,
            "GET",
            "/api/imports",
            &[("Cookie", cookie.as_str())],
            b"",
        );
        assert_eq!(status, 200);
        let history: serde_json::Value = serde_json::from_slice(&history).expect("JSON");
        if history.as_array().is_some_and(Vec::is_empty) {
            // Killed while the file was still being checked: the import is
            // recorded only once it is checked, and nothing was applied.
            assert_eq!(applied, 0, "applied without a record (attempt {attempt})");
            outcomes.push(("not started".to_owned(), 0));
            let mut restarted = restarted;
            restarted.child.kill().expect("stops");
            restarted.child.wait().expect("reaped");
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        let id = history[0]["id"].as_str().unwrap_or_default().to_owned();
        let (_, _, details) = http(
            &restarted.address,
            "GET",
            &format!("/api/imports/{id}"),
            &[("Cookie", cookie.as_str())],
            b"",
        );
        let details: serde_json::Value = serde_json::from_slice(&details).expect("JSON");
        let record = &details["import"];
        let status = record["status"].as_str().unwrap_or_default().to_owned();
        assert!(status == "interrupted" || status == "completed", "{status}");
        let counts = &record["counts"];
        let changed =
            counts["created"].as_u64().unwrap_or(0) + counts["updated"].as_u64().unwrap_or(0);
        assert_eq!(
            changed as usize, applied,
            "the history record agrees with the data (attempt {attempt})"
        );
        // The cells it changed are kept with its progress: an interrupted
        // import's history shows them, not 0.
        let cells = &record["cells"];
        let cells_changed =
            cells["create"].as_u64().unwrap_or(0) + cells["update"].as_u64().unwrap_or(0);
        assert!(
            (applied as u64..=4 * applied as u64).contains(&cells_changed),
            "{cells_changed} cells for {applied} evaluatees (attempt {attempt})"
        );
        outcomes.push((status, applied));

        let mut restarted = restarted;
        restarted.child.kill().expect("stops");
        restarted.child.wait().expect("reaped");
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        outcomes
            .iter()
            .any(|(status, applied)| status == "interrupted"
                && *applied > 0
                && *applied < EVALUATEES),
        "no kill landed mid-apply: {outcomes:?}"
    );
}

#[test]
fn progress_can_be_polled_while_an_import_runs() {
    let dir = std::env::temp_dir().join(format!("sheetlink-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut server = process::start(&dir, &[("SHEETLINK_DEMO_MEMBERS", &EVALUATEES.to_string())]);
    let cookie = sign_in(&server.address);
    let file = new_values(&template(&server.address, &cookie));
    let address = server.address.clone();
    let upload_cookie = cookie.clone();
    let upload = std::thread::spawn(move || {
        let headers = [
            ("Content-Type", "text/csv"),
            ("Cookie", upload_cookie.as_str()),
            ("Idempotency-Key", "progress"),
        ];
        http(
            &address,
            "POST",
            "/api/periods/2026-h1/sheets/performance/imports",
            &headers,
            file.as_bytes(),
        )
    });

    // Poll the history and the details while the import runs.
    let mut seen_running = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !upload.is_finished() && std::time::Instant::now() < deadline {
        let (_, _, list) = http(
            &server.address,
            "GET",
            "/api/imports",
            &[("Cookie", cookie.as_str())],
            b"",
        );
        let list: serde_json::Value = serde_json::from_slice(&list).unwrap_or_default();
        if let Some(id) = list[0]["id"]
            .as_str()
            .filter(|_| list[0]["status"] == "running")
        {
            let path = format!("/api/imports/{id}");
            let (_, _, details) = http(
                &server.address,
                "GET",
                &path,
                &[("Cookie", cookie.as_str())],
                b"",
            );
            let details: serde_json::Value = serde_json::from_slice(&details).unwrap_or_default();
            if let Some(done) = details["progress"]["done"].as_u64() {
                assert_eq!(details["progress"]["total"], EVALUATEES as u64);
                seen_running.push(done);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, _, body) = upload.join().expect("upload thread");
    assert_eq!(status, 201);
    let record: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(record["status"], "completed");
    assert!(
        seen_running
            .iter()
            .any(|&done| done > 0 && done < EVALUATEES as u64),
        "never saw the import part-way: {seen_running:?}"
    );
    assert!(
        seen_running.windows(2).all(|w| w[0] <= w[1]),
        "progress only grows: {seen_running:?}"
    );
    server.child.kill().expect("stops");
    server.child.wait().expect("reaped");
    let _ = std::fs::remove_dir_all(&dir);
}
