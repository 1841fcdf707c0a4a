//! The records screen's API over the demo CRM: who may, pages sorted and
//! searched on the server, a record with what points at it and its change
//! history after a batch import, and deleting — refused while linked,
//! allowed with the links cleared, audited.

mod common;

use axum::http::{Method, StatusCode};
use common::http::{call, cookie_of};
use serde_json::{Value, json};
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_server::Config;
use sheetlink_server::linkage::apply::{People, RunContext, run_import};
use sheetlink_server::linkage::claim::Claimed;
use sheetlink_server::linkage::{AfterImport, Settings, StoredImportCondition};
use sheetlink_server::seed::{DEMO_CRM_ADMIN, DEMO_LEADER};

const CUSTOMERS: &str = "/api/linkage/sheets/customer/records";

fn names(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn crm_admins_page_search_open_and_delete_records() {
    let (app, store) = common::server("records", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    let leader = cookie_of(&app, None, DEMO_LEADER.0, DEMO_LEADER.1).await;
    let member = cookie_of(&app, None, "member", "member-pass").await;

    // Who may: CRM admins only.
    for (method, path) in [
        (Method::POST, CUSTOMERS.to_owned()),
        (Method::GET, format!("{CUSTOMERS}/C000001")),
        (Method::DELETE, format!("{CUSTOMERS}/C000100")),
    ] {
        for (who, cookie, expected) in [
            ("leader", Some(&leader), 403),
            ("member", Some(&member), 403),
            ("anonymous", None, 401),
        ] {
            let body = (method == Method::POST).then(|| json!({}));
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
                "{who} {method} {path}: {}",
                reply.body
            );
        }
    }

    // A page sorted by name, largest first, each parent named.
    let page = call(
        &app,
        Method::POST,
        CUSTOMERS,
        Some(&crm),
        Some(json!({"sort": {"field": "name", "descending": true}})),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body["total"], 100);
    let shown = names(&page.body);
    assert_eq!(shown.len(), 100);
    let mut sorted = shown.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(shown, sorted);
    assert!(page.body["next"].is_null(), "100 customers fit one page");
    let child = page.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == "C000011")
        .expect("C000011 is listed");
    assert_eq!(child["links"][0]["field"], "parent");
    assert_eq!(child["links"][0]["target"]["id"], "C000001");
    assert_eq!(child["links"][0]["target"]["exists"], true);
    assert_ne!(child["links"][0]["target"]["title"], "C000001", "named");

    // The search is an export condition's filter; pages go on by cursor.
    let rank_a = json!({"compare": {"field": "rank", "comparison": "equals", "value": "A"}});
    let found = call(
        &app,
        Method::POST,
        CUSTOMERS,
        Some(&crm),
        Some(json!({"filter": rank_a})),
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let rows = found.body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 25, "every fourth demo customer is rank A");
    let rank = crm_catalog()
        .sheet("customer")
        .and_then(|s| s.field_index("rank"))
        .expect("a rank field");
    assert!(rows.iter().all(|row| row["values"][rank] == "A"));
    let small = call(
        &app,
        Method::POST,
        "/api/linkage/sheets/deal/records",
        Some(&crm),
        Some(json!({"sort": {"field": "amount", "descending": false}})),
    )
    .await;
    assert_eq!(small.body["rows"].as_array().map(Vec::len), Some(50));
    let bad = call(
        &app,
        Method::POST,
        CUSTOMERS,
        Some(&crm),
        Some(json!({"filter": {"compare": {"field": "shoe_size", "comparison": "equals", "value": "1"}}})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("shoe_size"),
        "{}",
        bad.body
    );
    let unknown = call(
        &app,
        Method::POST,
        "/api/linkage/sheets/planet/records",
        Some(&crm),
        Some(json!({})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // A batch import changes a customer: its history says by whom, which
    // run and row, and what changed.
    let catalog = crm_catalog();
    let settings = Settings::default();
    let condition: sheetlink_engine::linkage::ImportCondition = serde_json::from_value(json!({
        "key": "phones", "sheet": "customer", "mode": "update_only",
        "mappings": [
            {"source": {"header": "顧客ID"}, "field": "id"},
            {"source": {"header": "電話番号"}, "field": "phone"},
        ],
        "matching_keys": ["id"],
    }))
    .expect("a condition");
    let context = RunContext {
        tenant: "demo",
        actor: "夜間バッチ",
        catalog: &catalog,
        settings: &settings,
        offset_minutes: 540,
        people: &People::default(),
        kind: sheetlink_server::linkage::RunKind::Batch,
        on_the_spot: false,
        list_every_row: sheetlink_server::linkage::ANSWER_EVERY_ROW,
    };
    let phones = StoredImportCondition {
        condition,
        after: AfterImport::default(),
    };
    let run = run_import(
        &store,
        context,
        &phones,
        "顧客ID,電話番号\r\nC000001,03-9999-0000\r\n".as_bytes(),
        &Claimed::unrecorded(context, &phones).expect("a run id"),
        None,
    )
    .expect("imports");
    assert_eq!(run.counts.updated, 1);

    let detail = call(
        &app,
        Method::GET,
        &format!("{CUSTOMERS}/C000001"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let change = &detail.body["history"][0];
    assert_eq!(change["kind"], "updated");
    assert_eq!(change["by"], "夜間バッチ");
    assert_eq!(change["condition"], "phones");
    assert_eq!(change["run"], run.id.as_str());
    assert_eq!(change["row"], 2);
    assert_eq!(change["changes"][0]["field"], "phone");
    assert_eq!(change["changes"][0]["after"], "03-9999-0000");
    // What points at C000001: its nine children, deals, activities,
    // business cards and transactions.
    let linked = detail.body["linked"].as_array().expect("linked");
    let count = |sheet: &str, field: &str| {
        linked
            .iter()
            .find(|l| l["sheet"] == sheet && l["field"] == field)
            .and_then(|l| l["count"].as_u64())
    };
    assert_eq!(count("customer", "parent"), Some(9));
    assert_eq!(count("deal", "customer"), Some(1));
    assert_eq!(count("transaction", "customer"), Some(2));
    let children = linked
        .iter()
        .find(|l| l["sheet"] == "customer")
        .expect("children");
    assert_eq!(children["records"].as_array().map(Vec::len), Some(9));
    assert_eq!(children["records"][0]["id"], "C000011");

    // Deleting a linked record is refused, naming what points at it.
    let refused = call(
        &app,
        Method::DELETE,
        &format!("{CUSTOMERS}/C000001"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let message = refused.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("親顧客") && message.contains("9件"),
        "{message}"
    );
    assert!(
        refused.body["links"].as_array().is_some_and(|l| l
            .iter()
            .any(|l| l["sheet"] == "customer" && l["count"] == 9)),
        "{}",
        refused.body
    );
    let still = call(
        &app,
        Method::GET,
        &format!("{CUSTOMERS}/C000001"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(still.status, StatusCode::OK, "nothing was deleted");

    // With the links cleared: gone, and each linking record says why.
    let total_links: u64 = linked.iter().filter_map(|l| l["count"].as_u64()).sum();
    let deleted = call(
        &app,
        Method::DELETE,
        &format!("{CUSTOMERS}/C000001?clear_links=true"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.body["links_cleared"], total_links);
    let gone = call(
        &app,
        Method::GET,
        &format!("{CUSTOMERS}/C000001"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let orphan = call(
        &app,
        Method::GET,
        &format!("{CUSTOMERS}/C000011"),
        Some(&crm),
        None,
    )
    .await;
    assert!(
        orphan.body["record"]["links"]
            .as_array()
            .is_some_and(|links| links.iter().all(|l| l["field"] != "parent")),
        "{}",
        orphan.body
    );
    assert_eq!(orphan.body["history"][0]["kind"], "link_cleared");
    assert_eq!(orphan.body["history"][0]["changes"][0]["before"], "C000001");
    let after = call(&app, Method::POST, CUSTOMERS, Some(&crm), Some(json!({}))).await;
    assert_eq!(after.body["total"], 99);

    // A record nothing points at goes at once; both deletions are audited.
    let plain = call(
        &app,
        Method::DELETE,
        &format!("{CUSTOMERS}/C000100"),
        Some(&crm),
        None,
    )
    .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.body);
    assert_eq!(plain.body["links_cleared"], 0);
    let audit = call(&app, Method::GET, "/api/audit", Some(&crm), None).await;
    let deletions: Vec<&Value> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "record_deleted")
        .collect();
    assert_eq!(deletions.len(), 2, "{}", audit.body);

    // A batch reads only the records it touches: a customer record the
    // store cannot read elsewhere in the sheet does not stop it.
    store.with_db(|db| {
        sheetlink_server::store::put_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/customer/C999999",
            b"{broken",
        )
        .expect("writes")
    });
    let again = run_import(
        &store,
        context,
        &phones,
        "顧客ID,電話番号\r\nC000002,03-9999-0002\r\n".as_bytes(),
        &Claimed::unrecorded(context, &phones).expect("a run id"),
        None,
    )
    .expect("imports without reading the broken record");
    assert_eq!(again.counts.updated, 1);
    assert!(
        deletions
            .iter()
            .any(|e| e["target"] == "customer/C000001" && e["count"] == total_links)
    );
}
