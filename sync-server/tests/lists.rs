//! Lists over the API: who may read and change them, a page of records
//! named (and marked when a record is gone), taking records out, clearing,
//! one sheet's records as CSV, and the audit entries.

mod common;

use axum::http::{Method, StatusCode};
use common::http::{call, cookie_of, send};
use serde_json::json;
use sheetlink_server::Config;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_CRM_ADMIN, DEMO_LEADER};
use sheetlink_server::store::Linkage as _;

#[tokio::test]
async fn lists_are_read_emptied_and_exported_by_crm_admins() {
    let (app, store) = common::server("lists", Config::default());
    // What an import condition's after-import action writes: three
    // customers, one of whom does not exist (any more), and a deal.
    let entries: Vec<String> = [
        "customer/C000001",
        "customer/C000002",
        "customer/GONE",
        "deal/D000001",
    ]
    .map(str::to_owned)
    .to_vec();
    store
        .write_crm("demo", |tx| tx.add_to_list("展示会2026", &entries))
        .expect("writes");
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let admin = cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let leader = cookie_of(&app, None, DEMO_LEADER.0, DEMO_LEADER.1).await;
    let member = cookie_of(&app, None, "member", "member-pass").await;
    let list = "/api/linkage/lists/%E5%B1%95%E7%A4%BA%E4%BC%9A2026";

    // Who may: CRM admins (the demo admin is one too); nobody else.
    for (path, method) in [
        ("/api/linkage/lists".to_owned(), Method::GET),
        (list.to_owned(), Method::GET),
        (format!("{list}/export?sheet=customer"), Method::GET),
        (format!("{list}/remove"), Method::POST),
        (format!("{list}/clear"), Method::POST),
    ] {
        for (who, cookie, expected) in [
            ("leader", Some(&leader), 403),
            ("member", Some(&member), 403),
            ("anonymous", None, 401),
        ] {
            let body = (method == Method::POST).then(|| json!({"entries": []}));
            let reply = call(
                &app,
                method.clone(),
                &path,
                cookie.map(String::as_str),
                body,
            )
            .await;
            assert_eq!(
                reply.status.as_u16(),
                expected,
                "{who} {path}: {}",
                reply.body
            );
        }
    }

    let lists = call(&app, Method::GET, "/api/linkage/lists", Some(&admin), None).await;
    assert_eq!(lists.status, StatusCode::OK);
    let summary = &lists.body[0];
    assert_eq!(
        (summary["name"].as_str(), summary["count"].as_u64()),
        (Some("展示会2026"), Some(4))
    );
    assert_eq!(
        summary["sheets"][0],
        json!({"sheet": "customer", "label": "顧客", "count": 3})
    );
    assert_eq!(summary["sheets"][1]["label"], "案件");

    let page = call(&app, Method::GET, list, Some(&crm), None).await;
    let shown = page.body["entries"].as_array().expect("entries");
    assert_eq!(shown.len(), 4);
    assert_eq!(shown[0]["sheet_label"], "顧客");
    assert!(
        shown[0]["title"].as_str().is_some_and(|t| t != "C000001"),
        "named by its name field: {}",
        shown[0]
    );
    assert_eq!(
        (shown[2]["exists"].as_bool(), shown[2]["title"].as_str()),
        (Some(false), Some("GONE"))
    );
    let later = call(
        &app,
        Method::GET,
        &format!("{list}?offset=3"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(later.body["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(later.body["offset"], 3);

    // One sheet's records as CSV: the labels, then the records that exist.
    let csv = send(
        &app,
        Method::GET,
        &format!("{list}/export?sheet=customer"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.bytes).expect("UTF-8");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert!(
        lines[0].starts_with("\u{feff}顧客ID,顧客名"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 3, "two customers that exist: {text}");
    assert!(lines[1].starts_with("C000001,"));

    // Taking out, then clearing: the list stays, empty; the records stay.
    let removed = call(
        &app,
        Method::POST,
        &format!("{list}/remove"),
        Some(&crm),
        Some(json!({"entries": ["customer/GONE"]})),
    )
    .await;
    assert_eq!(removed.body["count"], 3, "{}", removed.body);
    let cleared = call(
        &app,
        Method::POST,
        &format!("{list}/clear"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(cleared.body["count"], 0);
    let lists = call(&app, Method::GET, "/api/linkage/lists", Some(&crm), None).await;
    assert_eq!(lists.body[0]["count"], 0, "the name stays to be picked");
    assert_eq!(
        store
            .list("demo", "展示会2026")
            .expect("reads")
            .unwrap_or_default()
            .len(),
        0
    );
    let missing = call(
        &app,
        Method::GET,
        "/api/linkage/lists/nope",
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(
        (missing.status, missing.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_list"))
    );

    // Both changes are in the audit log, readable by the CRM admin.
    let audit = call(&app, Method::GET, "/api/audit", Some(&crm), None).await;
    let counts: Vec<u64> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "list_changed" && e["target_name"] == "展示会2026")
        .filter_map(|e| e["count"].as_u64())
        .collect();
    assert_eq!(
        counts,
        [3, 1],
        "newest first: the clear took 3, the removal 1"
    );
}
