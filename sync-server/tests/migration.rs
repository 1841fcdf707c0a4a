//! Data directories written by earlier mains open, are migrated to the
//! current format, and everything in them is still there and reads the same:
//! format 1 (commit 8dfb214, before the format was versioned;
//! `tests/data/make-format1.sh`), format 2 (commit 7cb51ff, messages kept
//! as sentences; `tests/data/make-format2.sh`) and format 6 (commit
//! a17967e, a list as one JSON array; `tests/data/make-format6.sh`); all
//! pass through format 4 (accounts: roles, per-tenant logins, tenant
//! records).

use std::io::Read as _;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use sheetlink_server::store::Linkage as _;
use sheetlink_server::{AppState, Config, Store, app};
use tower::ServiceExt as _;

async fn call(app: &axum::Router, request: Request<Body>) -> (StatusCode, Value, Option<String>) {
    let response = app.clone().oneshot(request).await.expect("answers");
    let status = response.status();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookie,
    )
}

#[tokio::test]
async fn a_data_directory_of_the_unversioned_format_is_migrated() {
    let (dir, store, router, cookie) =
        open_fixture("migration", include_bytes!("data/format1-8dfb214.redb.gz")).await;
    let get = |path: &str| {
        Request::get(path)
            .header("cookie", &cookie)
            .body(Body::empty())
            .expect("request")
    };

    let (_, history, _) = call(&router, get("/api/imports")).await;
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    let id = history[0]["id"].as_str().expect("an id").to_owned();
    let (status, details, _) = call(&router, get(&format!("/api/imports/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    let import = &details["import"];
    assert_eq!(import["status"], "completed_with_errors");
    assert_eq!(import["counts"]["failed"], 2);
    assert_eq!(
        import["error_totals"],
        json!({"evaluatee.unknown": 1, "number.invalid": 1})
    );
    let codes: Vec<&str> = import["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert_eq!(codes, ["number.invalid", "evaluatee.unknown"]);
    let (status, _, _) = call(&router, get(&format!("/api/imports/{id}/error-file"))).await;
    assert_eq!(status, StatusCode::OK);

    // The stored record holds no errors any more.
    let stored: Value = store.with_db(|db| {
        sheetlink_server::store::get_json(
            db,
            sheetlink_server::store::tables::IMPORTS,
            &format!("demo/{id}"),
        )
        .expect("reads")
        .expect("kept")
    });
    assert!(stored.get("errors").is_none(), "{stored}");

    // The batch run and the record it created.
    let (_, runs, _) = call(&router, get("/api/linkage/runs?sheet=customer")).await;
    let run_id = runs[0]["id"].as_str().expect("a run").to_owned();
    assert_eq!(runs[0]["counts"]["created"], 1);
    let (_, run, _) = call(&router, get(&format!("/api/linkage/runs/{run_id}"))).await;
    assert_eq!(run["rows"][1]["outcome"], "failed");
    let record = store.with_db(|db| {
        sheetlink_server::store::get_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/customer/FX-1",
        )
        .expect("reads")
    });
    assert!(record.is_some(), "the imported customer is still there");
    // Format 5 keeps records by field id; the values read as they were.
    let stored: serde_json::Map<String, Value> =
        serde_json::from_slice(&record.expect("kept")).expect("an object by field id");
    assert_eq!(
        stored.get("id").and_then(Value::as_str),
        Some("FX-1"),
        "{stored:?}"
    );
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let customers = catalog.sheet("customer").expect("customers");
    let read = store.records("demo", customers).expect("reads");
    let fx = read.iter().find(|r| r.id == "FX-1").expect("listed");
    assert_eq!(fx.values[0].as_deref(), Some("FX-1"));
    assert!(read.len() > 1, "the demo's customers too");
    // Format 6 indexes them: the sheet's size, and a page sorted by name.
    use sheetlink_server::store::Records as _;
    assert_eq!(
        store.record_count("demo", "customer").expect("counts"),
        read.len() as u64
    );
    let by_name = sheetlink_engine::linkage::SortKey {
        field: "name".into(),
        descending: false,
    };
    let page = store
        .record_page("demo", customers, Some(&by_name), None, None)
        .expect("reads");
    let names: Vec<_> = page
        .records
        .iter()
        .filter_map(|r| r.values[1].clone())
        .collect();
    assert!(
        !names.is_empty() && names.windows(2).all(|w| w[0] <= w[1]),
        "{names:?}"
    );

    // Opening it again finds nothing to do.
    drop(router);
    drop(store);
    let again = Store::open(&dir).expect("opens again");
    assert_eq!(
        again
            .with_db(sheetlink_server::store::migrate::format)
            .expect("reads"),
        sheetlink_server::store::migrate::FORMAT
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Unpacks a fixture into a fresh directory, opens it — which migrates it
/// to the current format — and signs in as the demo admin.
async fn open_fixture(
    name: &str,
    packed: &[u8],
) -> (std::path::PathBuf, Store, axum::Router, String) {
    let dir = std::env::temp_dir().join(format!("sheetlink-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut redb = Vec::new();
    flate2::read::GzDecoder::new(packed)
        .read_to_end(&mut redb)
        .expect("inflates");
    std::fs::write(dir.join("sheetlink.redb"), redb).expect("writes");
    let store = Store::open(&dir).expect("opens and migrates");
    assert_eq!(
        store
            .with_db(sheetlink_server::store::migrate::format)
            .expect("reads"),
        sheetlink_server::store::migrate::FORMAT,
        "migrated to the current format"
    );
    let router = app(AppState::new(store.clone(), Config::default()));
    let (status, me, cookie) = call(
        &router,
        Request::post("/api/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"login_id": "admin", "password": "admin-demo-2026"}).to_string(),
            ))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    // Format 4: the old admin holds both admin roles, the leader keeps their
    // scope, the tenant has its record, and logins are per tenant.
    assert_eq!(
        me["roles"],
        json!(["evaluation_admin", "crm_admin", "member"])
    );
    assert_eq!(me["tenant"], "demo");
    {
        use sheetlink_server::store::{Accounts as _, Organisation as _};
        let leader = store
            .member("demo", "leader")
            .expect("reads")
            .expect("the leader");
        let scope = leader.roles.leader.expect("still a leader");
        assert_eq!(
            (scope.groups, scope.periods),
            (vec!["sales".to_owned()], vec!["2026-h1".to_owned()])
        );
        assert!(!leader.roles.evaluation_admin && !leader.roles.crm_admin);
        assert_eq!(store.tenants().expect("reads").len(), 1);
        let found = store.login(Some("demo"), "LEADER").expect("reads");
        assert_eq!(found.map(|(_, m)| m.id).as_deref(), Some("leader"));
    }
    (dir, store, router, cookie.expect("a session"))
}

#[tokio::test]
async fn a_data_directory_of_format_2_keeps_its_messages_as_they_were_answered() {
    let (dir, store, router, cookie) = open_fixture(
        "migration-2",
        include_bytes!("data/format2-7cb51ff.redb.gz"),
    )
    .await;
    let get = |path: &str| {
        Request::get(path)
            .header("cookie", &cookie)
            .body(Body::empty())
            .expect("request")
    };
    // What 7cb51ff answered when the fixture was made (make-format2.sh).
    let (_, history, _) = call(&router, get("/api/imports")).await;
    let id = history[0]["id"].as_str().expect("an id").to_owned();
    let (_, details, _) = call(&router, get(&format!("/api/imports/{id}"))).await;
    let errors = &details["import"]["errors"];
    assert_eq!(errors[0]["code"], "number.invalid");
    assert_eq!(errors[0]["row"], 6);
    assert_eq!(errors[0]["column_letter"], "C");
    assert_eq!(
        errors[0]["message"],
        "「abc」は数値ではありません。半角数字で入力してください(例: 12.5、-3)。"
    );
    assert_eq!(
        errors[1]["message_en"],
        "No evaluatee has the key \"E9999\". Check the employee number or e-mail."
    );

    let (_, runs, _) = call(&router, get("/api/linkage/runs?sheet=customer")).await;
    let runs = runs.as_array().expect("runs").clone();
    let refused = runs
        .iter()
        .find(|run| run["status"] == "all_failed")
        .expect("the refused file's run");
    assert!(
        refused["reason"]
            .as_str()
            .expect("a reason")
            .starts_with("1行目: 見出し「顧客ID」の列がファイルにありません。"),
        "{refused}"
    );
    assert!(
        refused["reason_en"]
            .as_str()
            .expect("a reason")
            .starts_with("row 1: The file has no column headed \"顧客ID\"."),
        "{refused}"
    );
    let partial = runs
        .iter()
        .find(|run| run["status"] == "completed_with_errors")
        .expect("the run with a failed row");
    let (_, run, _) = call(
        &router,
        get(&format!(
            "/api/linkage/runs/{}",
            partial["id"].as_str().expect("an id")
        )),
    )
    .await;
    assert_eq!(run["rows"][0]["record"], "F2-1");
    assert_eq!(run["rows"][1]["code"], "relation.not_found");
    assert_eq!(
        run["rows"][1]["message"],
        "parent: 「NO-SUCH」に当たる紐づき先が見つかりません。"
    );
    assert_eq!(
        run["rows"][1]["message_en"],
        "parent: No related record has “NO-SUCH”."
    );

    // Kept coded now: the migrated sentences as notes.
    let stored: Value = store.with_db(|db| {
        sheetlink_server::store::get_json(
            db,
            sheetlink_server::store::tables::IMPORT_ERRORS,
            &format!("demo/{id}"),
        )
        .expect("reads")
        .expect("kept")
    });
    assert_eq!(stored[0]["notice"]["kind"], "sentence", "{stored}");
    assert_eq!(stored[0]["row"], 6);
    drop(router);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_data_directory_of_format_6_keeps_its_lists_entry_by_entry() {
    let (dir, store, router, cookie) = open_fixture(
        "migration-6",
        include_bytes!("data/format6-a17967e.redb.gz"),
    )
    .await;
    let get = |path: String| {
        Request::get(path)
            .header("cookie", &cookie)
            .body(Body::empty())
            .expect("request")
    };
    // The list a batch filled under format 6, in the order it was added.
    let (status, page, _) = call(
        &router,
        get(format!(
            "/api/linkage/lists/{}",
            "%E5%A4%9C%E9%96%93%E5%8F%96%E8%BE%BC"
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["summary"]["count"], 3, "{page}");
    assert_eq!(page["summary"]["sheets"][0]["count"], 3);
    let ids: Vec<&str> = page["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(ids, ["F6-1", "F6-2", "C000001"]);
    // Kept as entries now: taken out one by one, added to by a new run.
    let (status, _, _) = call(
        &router,
        Request::post(format!(
            "/api/linkage/lists/{}/remove",
            "%E5%A4%9C%E9%96%93%E5%8F%96%E8%BE%BC"
        ))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"entries": ["customer/F6-2"]}).to_string(),
        ))
        .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    store
        .write_crm("demo", |tx| {
            tx.add_to_list(
                "夜間取込",
                &["customer/F6-2".into(), "customer/F6-1".into()],
            )
        })
        .expect("writes");
    assert_eq!(
        store
            .list("demo", "夜間取込")
            .expect("reads")
            .unwrap_or_default(),
        ["customer/F6-1", "customer/C000001", "customer/F6-2"]
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
