//! Importing by hand into a CRM sheet: who may, the dry run (nothing
//! written; rows paged and filtered; the plan is the member's own), applying
//! with an Idempotency-Key that covers file and mapping, a mapping made on
//! the spot, the refusals, and the history filtered by type and condition.

mod common;

use axum::http::{Method, StatusCode};
use common::http::{Reply, call, cookie_of, send_with};
use serde_json::{Value, json};
use sheetlink_server::Config;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_CRM_ADMIN};

const BOUNDARY: &str = "sheetlink-test-boundary";

/// A `multipart/form-data` body with `mapping` and `file`.
fn upload(mapping: &Value, file: &str) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, content_type, bytes) in [
        (
            "mapping",
            "application/json",
            mapping.to_string().into_bytes(),
        ),
        ("file", "text/csv", file.as_bytes().to_vec()),
    ] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

async fn manual(
    app: &axum::Router,
    cookie: &str,
    query: &str,
    key: Option<&str>,
    mapping: &Value,
    file: &str,
) -> Reply {
    let (content_type, body) = upload(mapping, file);
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    send_with(
        app,
        Method::POST,
        &format!("/api/linkage/sheets/customer/imports{query}"),
        Some(cookie),
        &headers,
        Some((&content_type, body)),
    )
    .await
}

async fn customer_count(app: &axum::Router, cookie: &str) -> u64 {
    let page = call(
        app,
        Method::POST,
        "/api/linkage/sheets/customer/records",
        Some(cookie),
        Some(json!({})),
    )
    .await;
    page.body["total"].as_u64().expect("a total")
}

const HEADER: &str = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n";

#[tokio::test]
async fn crm_admins_try_then_apply_a_file_by_hand() {
    let (app, _store) = common::server("manual", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let admin = cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let member = cookie_of(&app, None, "member", "member-pass").await;
    let by_condition = json!({"by": "condition", "key": "customers"});
    // One update, 120 new customers, one bad rank.
    let mut file = format!(
        "{HEADER}C000001,株式会社サンプル商事 本社（改）,03-1111-2222,info001@example.co.jp,,A\r\n"
    );
    for n in 0..120 {
        file.push_str(&format!("H-{n},株式会社手動{n},,,,B\r\n"));
    }
    file.push_str("H-X,株式会社ランク違い,,,,Z\r\n");

    let refused = manual(&app, &member, "?dry_run=true", None, &by_condition, &file).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The dry run: what would happen, row by row; nothing written.
    let before = customer_count(&app, &crm).await;
    let tried = manual(&app, &crm, "?dry_run=true", None, &by_condition, &file).await;
    assert_eq!(tried.status, StatusCode::OK, "{}", tried.body);
    let run = &tried.body["run"];
    assert_eq!(run["kind"], "manual");
    assert_eq!(run["counts"]["created"], 120);
    assert_eq!(run["counts"]["updated"], 1);
    assert_eq!(run["counts"]["failed"], 1);
    assert_eq!(run["status"], "completed_with_errors");
    assert_eq!(tried.body["listed"], 122);
    assert_eq!(
        run["rows"].as_array().map(Vec::len),
        Some(100),
        "the first page"
    );
    assert_eq!(
        customer_count(&app, &crm).await,
        before,
        "a dry run writes nothing"
    );
    let plan = tried.body["plan"].as_str().expect("a plan");
    let page = |who: String, query: String| {
        let app = app.clone();
        async move {
            call(
                &app,
                Method::GET,
                &format!("/api/linkage/dry-runs/{plan}{query}"),
                Some(&who),
                None,
            )
            .await
        }
    };
    let second = page(crm.clone(), "?offset=100".into()).await;
    assert_eq!(second.body["matching"], 122);
    assert_eq!(second.body["rows"].as_array().map(Vec::len), Some(22));
    let failed = page(crm.clone(), "?outcome=failed".into()).await;
    assert_eq!(failed.body["matching"], 1);
    let row = &failed.body["rows"][0];
    assert_eq!(row["row"], 123);
    assert_eq!(
        row["cells"],
        json!(["F123"]),
        "the cell, apart from the message"
    );
    assert!(
        row["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("F123: ") && m.contains("「Z」")),
        "the reason names the cell and the value: {row}"
    );
    assert_eq!(
        page(admin.clone(), String::new()).await.status,
        StatusCode::NOT_FOUND,
        "a plan is its member's own"
    );

    // Applying needs a key; the key covers file and mapping.
    let keyless = manual(&app, &crm, "", None, &by_condition, &file).await;
    assert_eq!(keyless.status, StatusCode::BAD_REQUEST);
    let applied = manual(&app, &crm, "", Some("manual-1"), &by_condition, &file).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.body["kind"], "manual");
    assert_eq!(applied.body["actor"], "営業企画 CRM管理者");
    assert_eq!(applied.body["counts"], run["counts"], "as the dry run said");
    assert_eq!(customer_count(&app, &crm).await, before + 120);
    let again = manual(&app, &crm, "", Some("manual-1"), &by_condition, &file).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body["id"], applied.body["id"],
        "a retry is answered, not applied"
    );
    assert_eq!(customer_count(&app, &crm).await, before + 120);

    // A mapping made on the spot (headers of another system).
    let on_the_spot = json!({"by": "on_the_spot", "condition": {
        "key": "manual", "sheet": "customer", "mode": "insert_and_update",
        "mappings": [
            {"source": {"header": "会社"}, "field": "name"},
            {"source": {"header": "メール"}, "field": "email"},
        ],
        "matching_keys": ["email"],
    }});
    let other = manual(
        &app,
        &crm,
        "",
        Some("manual-1"),
        &on_the_spot,
        "会社,メール\r\n株式会社その場,spot@example.co.jp\r\n",
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::CONFLICT,
        "the same key for another file and mapping"
    );
    let spot = manual(
        &app,
        &crm,
        "",
        Some("manual-2"),
        &on_the_spot,
        "会社,メール\r\n株式会社その場,spot@example.co.jp\r\n",
    )
    .await;
    assert_eq!(spot.status, StatusCode::OK, "{}", spot.body);
    assert_eq!(spot.body["on_the_spot"], true);
    assert_eq!(spot.body["counts"]["created"], 1);

    // Refusals: another sheet's condition, an unknown sheet, a mapping the
    // engine refuses (named by row), a part missing.
    let deal = json!({"by": "on_the_spot", "condition": {"key": "x", "sheet": "deal", "mappings": [{"source": {"header": "a"}, "field": "name"}], "matching_keys": ["name"]}});
    let wrong = manual(&app, &crm, "?dry_run=true", None, &deal, "a\r\nb\r\n").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.body["error"], "condition_of_another_sheet");
    let bad = json!({"by": "on_the_spot", "condition": {"key": "x", "sheet": "customer", "mappings": [{"source": {"header": "a"}, "field": "no_such_field"}], "matching_keys": ["name"]}});
    let refused = manual(&app, &crm, "?dry_run=true", None, &bad, "a\r\nb\r\n").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{}",
        refused.body
    );
    let (content_type, _) = upload(&by_condition, "");
    let only_mapping = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n{by_condition}\r\n--{BOUNDARY}--\r\n"
    );
    let missing = send_with(
        &app,
        Method::POST,
        "/api/linkage/sheets/customer/imports?dry_run=true",
        Some(&crm),
        &[],
        Some((&content_type, only_mapping.into_bytes())),
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(
        missing.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("file")),
        "{}",
        missing.body
    );
    let unknown = send_with(
        &app,
        Method::POST,
        "/api/linkage/sheets/nothing/imports?dry_run=true",
        Some(&crm),
        &[],
        Some((&content_type, upload(&by_condition, "a\r\n").1)),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // The history: by type, and by condition (the on-the-spot run has none).
    let runs = |query: &'static str| {
        let (app, crm) = (app.clone(), crm.clone());
        async move {
            call(
                &app,
                Method::GET,
                &format!("/api/linkage/runs{query}"),
                Some(&crm),
                None,
            )
            .await
            .body
        }
    };
    let manual_runs = runs("?kind=manual").await;
    assert_eq!(
        manual_runs.as_array().map(Vec::len),
        Some(2),
        "{manual_runs}"
    );
    assert_eq!(
        manual_runs[0]["on_the_spot"], true,
        "kept as mapped on the spot"
    );
    assert_eq!(manual_runs[1].get("on_the_spot"), None);
    assert_eq!(runs("?kind=batch").await, json!([]));
    let of_condition = runs("?key=customers").await;
    assert_eq!(of_condition.as_array().map(Vec::len), Some(1));
    assert_eq!(of_condition[0]["id"], applied.body["id"]);
    let posts = call(&app, Method::GET, "/api/timeline", Some(&crm), None)
        .await
        .body;
    assert!(
        posts[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("手動インポート（その場のマッピング）")),
        "{posts}"
    );
}

#[tokio::test]
async fn mapping_templates_are_checked_bounded_and_deleted() {
    let (app, _store) = common::server("templates", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let member = cookie_of(&app, None, "member", "member-pass").await;
    let template = |name: &str, field: &str| {
        json!({
            "name": name, "sheet": "customer",
            "mappings": [{"source": {"header": "会社名"}, "field": field, "update_with_blank": true}],
            "matching_keys": ["name"],
        })
    };
    let save = |name: String, body: Value, who: String| {
        let app = app.clone();
        async move {
            call(
                &app,
                Method::PUT,
                &format!("/api/linkage/mapping-templates/{}", urlencoding(&name)),
                Some(&who),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        save("基幹".into(), template("基幹", "name"), member.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let saved = save("基幹".into(), template("基幹", "name"), crm.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body[0]["mappings"][0]["update_with_blank"], true);
    let bad = save(
        "基幹".into(),
        template("基幹", "no_such_field"),
        crm.clone(),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("no_such_field")),
        "{}",
        bad.body
    );
    let differs = save("別名".into(), template("基幹", "name"), crm.clone()).await;
    assert_eq!(differs.status, StatusCode::BAD_REQUEST);
    // Replacing keeps one; the 201st is refused.
    let replaced = save("基幹".into(), template("基幹", "email"), crm.clone()).await;
    assert_eq!(replaced.body.as_array().map(Vec::len), Some(1));
    assert_eq!(replaced.body[0]["mappings"][0]["field"], "email");
    for n in 1..200 {
        let name = format!("t{n:03}");
        assert_eq!(
            save(name.clone(), template(&name, "name"), crm.clone())
                .await
                .status,
            StatusCode::OK
        );
    }
    let full = save("t200".into(), template("t200", "name"), crm.clone()).await;
    assert_eq!(full.status, StatusCode::CONFLICT, "{}", full.body);
    let gone = call(
        &app,
        Method::DELETE,
        "/api/linkage/mapping-templates/t001",
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let again = call(
        &app,
        Method::DELETE,
        "/api/linkage/mapping-templates/t001",
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let listed = call(
        &app,
        Method::GET,
        "/api/linkage/mapping-templates",
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(199));
    let audit = call(&app, Method::GET, "/api/audit", Some(&crm), None).await;
    assert!(
        audit.body.to_string().contains("mapping_template_deleted"),
        "audited"
    );
}

/// Percent-encodes a path segment.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn oversized_parts_are_refused_with_what_was_too_large() {
    let (app, _store) = common::server("manual-oversized", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let huge_mapping = json!({"by": "condition", "key": "x".repeat(300 * 1024)});
    let refused = manual(&app, &crm, "?dry_run=true", None, &huge_mapping, "a\r\n").await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        refused.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("mapping")),
        "{}",
        refused.body
    );
    let by_condition = json!({"by": "condition", "key": "customers"});
    let huge_file = format!("{HEADER}{}", "x".repeat(30 * 1024 * 1024));
    let refused = manual(&app, &crm, "?dry_run=true", None, &by_condition, &huge_file).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        refused.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("30MB")),
        "{}",
        refused.body
    );
}
