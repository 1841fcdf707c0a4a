//! A tenant's own CRM: extension sheets, custom fields and dropdown options
//! saved by a CRM admin, used by conditions, batches, the records screen
//! and exports; and the changes refused while records hold what they would
//! break — each named with its count.

mod common;

use axum::http::{Method, StatusCode};
use common::http::{batch, call, cookie_of};
use serde_json::{Value, json};
use sheetlink_server::Config;
use sheetlink_server::seed::{DEMO_CRM_ADMIN, DEMO_LEADER};

const ADDITIONS: &str = "/api/linkage/catalog/additions";

fn additions(industry_type: &str, ranks: &[&str], with_events: bool) -> Value {
    let events = json!({
        "id": "x_events", "name": "展示会リード",
        "fields": [
            {"id": "id", "label": "リードID", "type": "text", "is_id": true},
            {"id": "name", "label": "氏名", "type": "text", "is_name": true},
            {"id": "x_company", "label": "会社", "type": "relation", "relation_sheet": "customer"},
            {"id": "x_interest", "label": "関心度", "type": "dropdown", "options": ["高", "中", "低"]},
            {"id": "x_met", "label": "名刺交換日", "type": "date"},
        ],
    });
    json!({
        "sheets": if with_events { vec![events] } else { Vec::new() },
        "fields": [{"sheet": "customer", "field": {"id": "x_industry", "label": "業種", "type": industry_type}}],
        "options": [{"sheet": "customer", "field": "rank", "options": ranks}],
    })
}

/// Saves `body` as an admin who just loaded the additions: with the stored
/// revision.
async fn save_additions(app: &axum::Router, cookie: &str, mut body: Value) -> common::http::Reply {
    let current = call(app, Method::GET, ADDITIONS, Some(cookie), None).await;
    body["revision"] = current.body["revision"].clone();
    call(app, Method::PUT, ADDITIONS, Some(cookie), Some(body)).await
}

async fn import_condition(app: &axum::Router, cookie: &str, condition: Value) {
    let created = call(
        app,
        Method::POST,
        "/api/linkage/import-conditions",
        Some(cookie),
        Some(json!({"condition": condition, "after": {}})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

#[tokio::test]
async fn a_tenants_own_sheets_fields_and_options_work_and_are_protected() {
    let (app, _) = common::server("catalog", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let leader = cookie_of(&app, None, DEMO_LEADER.0, DEMO_LEADER.1).await;
    let body = additions("text", &["S"], true);
    for (who, cookie, expected) in [("leader", Some(&leader), 403), ("anonymous", None, 401)] {
        let put = call(
            &app,
            Method::PUT,
            ADDITIONS,
            cookie.map(String::as_str),
            Some(body.clone()),
        )
        .await;
        assert_eq!(put.status.as_u16(), expected, "{who}");
    }

    // Refused as a whole, every problem said.
    let mut bad = body.clone();
    bad["sheets"][0]["id"] = json!("events");
    bad["fields"][0]["field"]["id"] = json!("phone");
    let refused = save_additions(&app, &crm, bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let message = refused.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("events") && message.contains("phone"),
        "{message}"
    );

    let saved = save_additions(&app, &crm, body.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let catalog = call(&app, Method::GET, "/api/linkage/catalog", Some(&crm), None).await;
    let sheets = catalog.body["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 11);
    assert_eq!(sheets[10]["id"], "x_events");
    let customer = &sheets[0];
    assert!(
        customer["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .any(|f| f["id"] == "x_industry")
    );
    let stored = call(&app, Method::GET, ADDITIONS, Some(&crm), None).await;
    assert_eq!(stored.body["sheets"][0]["name"], "展示会リード");

    // The extension sheet and the custom field through the batch API.
    let token = call(&app, Method::POST, "/api/linkage/token", Some(&crm), None).await;
    let token = token.body["token"].as_str().expect("a token").to_owned();
    import_condition(
        &app,
        &crm,
        json!({
            "key": "leads", "sheet": "x_events", "mode": "insert_and_update",
            "mappings": [
                {"source": {"header": "リードID"}, "field": "id"},
                {"source": {"header": "氏名"}, "field": "name"},
                {"source": {"header": "会社"}, "field": "x_company"},
                {"source": {"header": "関心度"}, "field": "x_interest"},
                {"source": {"header": "名刺交換日"}, "field": "x_met"},
            ],
            "matching_keys": ["id"],
            "relation_keys": [{"field": "x_company", "key_field": "id"}],
        }),
    )
    .await;
    let run = batch(&app, &token, "/api/batch/imports/leads", Some(
        "リードID,氏名,会社,関心度,名刺交換日\r\nL1,山田 一郎,C000001,高,2026/11/3\r\nL2,鈴木 花子,C000002,低,2026/11/4\r\nL3,佐藤 次郎,C000003,最高,2026/11/5\r\n"
            .as_bytes().to_vec(),
    )).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    assert_eq!(
        (
            run.body["counts"]["created"].as_u64(),
            run.body["counts"]["failed"].as_u64()
        ),
        (Some(2), Some(1)),
        "「最高」is not an option: {}",
        run.body
    );
    import_condition(
        &app,
        &crm,
        json!({
            "key": "industries", "sheet": "customer", "mode": "update_only",
            "mappings": [
                {"source": {"header": "顧客ID"}, "field": "id"},
                {"source": {"header": "業種"}, "field": "x_industry"},
                {"source": {"header": "ランク"}, "field": "rank"},
            ],
            "matching_keys": ["id"],
        }),
    )
    .await;
    let run = batch(
        &app,
        &token,
        "/api/batch/imports/industries",
        Some(
            "顧客ID,業種,ランク\r\nC000001,製造業,S\r\nC000002,小売業,A\r\n"
                .as_bytes()
                .to_vec(),
        ),
    )
    .await;
    assert_eq!(run.body["counts"]["updated"], 2, "{}", run.body);
    let page = call(
        &app,
        Method::POST,
        "/api/linkage/sheets/x_events/records",
        Some(&crm),
        Some(json!({})),
    )
    .await;
    assert_eq!(page.body["total"], 2, "{}", page.body);
    assert_eq!(page.body["rows"][0]["links"][0]["target"]["id"], "C000001");
    let customer = call(
        &app,
        Method::GET,
        "/api/linkage/sheets/customer/records/C000001",
        Some(&crm),
        None,
    )
    .await;
    assert!(
        customer.body["linked"]
            .as_array()
            .expect("linked")
            .iter()
            .any(|l| l["sheet"] == "x_events" && l["count"] == 1),
        "an extension sheet's relation counts as a link: {}",
        customer.body
    );

    // What the records hold cannot be broken.
    let conflicts = [
        (additions("number", &["S"], true), "業種"),
        (
            json!({"sheets": [], "fields": [], "options": [{"sheet": "customer", "field": "rank", "options": ["S"]}]}),
            "業種",
        ),
        (additions("text", &["SS"], true), "「S」"),
        (additions("text", &["S"], false), "展示会リード"),
    ];
    for (change, named) in conflicts {
        let refused = save_additions(&app, &crm, change).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{named}: {}",
            refused.body
        );
        let message = refused.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named) && message.contains("件"),
            "{message}"
        );
    }
    let unchanged = call(&app, Method::GET, ADDITIONS, Some(&crm), None).await;
    assert_eq!(
        unchanged.body["fields"][0]["field"]["type"], "text",
        "nothing was written"
    );
    // An option nobody uses may go; a new option may come.
    let more = additions("text", &["S", "SS"], true);
    let saved = save_additions(&app, &crm, more).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let fewer = additions("text", &["S"], true);
    let saved = save_additions(&app, &crm, fewer).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // Two admins opened the screen at one revision: the first save wins, the
    // second is told (and writes nothing) instead of undoing it.
    let opened = call(&app, Method::GET, ADDITIONS, Some(&crm), None)
        .await
        .body;
    let mut first = opened.clone();
    first["options"][0]["options"] = json!(["S", "S+"]);
    let first = call(&app, Method::PUT, ADDITIONS, Some(&crm), Some(first)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let mut second = opened.clone();
    second["fields"][0]["field"]["label"] = json!("業種（改）");
    let second = call(&app, Method::PUT, ADDITIONS, Some(&crm), Some(second)).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert_eq!(second.body["error"], "catalog_changed");
    let now = call(&app, Method::GET, ADDITIONS, Some(&crm), None)
        .await
        .body;
    assert_eq!(
        now["options"][0]["options"],
        json!(["S", "S+"]),
        "the first save stands"
    );
    assert_eq!(now["fields"][0]["field"]["label"], "業種");
    assert_eq!(
        now["revision"].as_u64(),
        opened["revision"].as_u64().map(|r| r + 1)
    );

    // The import template (雛形) names every field, the tenant's own too.
    let template = call(
        &app,
        Method::GET,
        "/api/linkage/sheets/customer/template",
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(
        template.bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with BOM"
    );
    let header = String::from_utf8_lossy(&template.bytes[3..])
        .trim_end()
        .to_owned();
    assert!(
        header.starts_with("顧客ID,顧客名,") && header.ends_with(",業種"),
        "{header}"
    );
    let ids = call(
        &app,
        Method::GET,
        "/api/linkage/sheets/x_events/template?ids=true&shift_jis=true",
        Some(&crm),
        None,
    )
    .await;
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&ids.bytes);
    assert!(!malformed);
    assert_eq!(text.trim_end(), "id,name,x_company,x_interest,x_met");
    let denied = call(
        &app,
        Method::GET,
        "/api/linkage/sheets/customer/template",
        Some(&leader),
        None,
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let audit = call(&app, Method::GET, "/api/audit", Some(&crm), None).await;
    let changes = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "catalog_changed")
        .count();
    assert_eq!(
        changes, 4,
        "four saves; the refused ones are not in the log"
    );
}

#[tokio::test]
async fn names_are_bounded_and_hold_no_control_characters() {
    let (app, _) = common::server("catalog-names", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let with_sheet_name = |name: &str| {
        let mut body = additions("text", &["S"], true);
        body["sheets"][0]["name"] = json!(name);
        body
    };
    let with_field_label = |label: &str| {
        let mut body = additions("text", &["S"], false);
        body["fields"][0]["field"]["label"] = json!(label);
        body
    };
    let long = "名".repeat(101);
    for body in [
        with_sheet_name(&long),
        with_sheet_name("展示会\r\nBcc: everyone@example.com"),
        with_field_label(&long),
        with_field_label("業種\t"),
        additions("text", &["S\nX"], false),
    ] {
        let refused = save_additions(&app, &crm, body.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(refused.body["error"], "catalog_invalid", "{}", refused.body);
        assert!(
            refused.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("100") && m.contains("制御文字")),
            "{}",
            refused.body
        );
    }
    // At the bound, it is taken.
    let saved = save_additions(&app, &crm, with_sheet_name(&"名".repeat(100))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
}
