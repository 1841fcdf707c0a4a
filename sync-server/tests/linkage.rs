//! Batch linkage through the HTTP API (`oneshot`, with the peer address the
//! real server records): the access matrix of the batch API, every import
//! mode with matching and relation keys, idempotent retries, Shift_JIS
//! export, condition and settings checks, and e-mail to an SMTP sink.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use sheetlink_server::Config;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_LEADER};
use tower::ServiceExt as _;

mod common;

const FROM: &str = "198.51.100.1:40000";

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

struct Call<'a> {
    method: Method,
    path: &'a str,
    peer: &'a str,
    headers: Vec<(&'a str, String)>,
    body: Body,
}

fn call<'a>(method: Method, path: &'a str) -> Call<'a> {
    Call {
        method,
        path,
        peer: FROM,
        headers: Vec::new(),
        body: Body::empty(),
    }
}

impl<'a> Call<'a> {
    fn from(mut self, peer: &'a str) -> Self {
        self.peer = peer;
        self
    }
    fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn cookie(self, cookie: &str) -> Self {
        self.header(COOKIE.as_str(), cookie)
    }
    fn token(self, token: &str) -> Self {
        self.header(AUTHORIZATION.as_str(), format!("Bearer {token}"))
    }
    fn json(mut self, value: Value) -> Self {
        self.headers
            .push((CONTENT_TYPE.as_str(), "application/json".into()));
        self.body = Body::from(value.to_string());
        self
    }
    fn csv(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Body::from(bytes.into());
        self
    }
    async fn send(self, app: &Router) -> Reply {
        let mut request = Request::builder().method(self.method).uri(self.path);
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let mut request = request.body(self.body).expect("request");
        let peer: SocketAddr = self.peer.parse().expect("peer");
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = app.clone().oneshot(request).await.expect("responds");
        let status = response.status();
        let headers = response.headers().clone();
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
}

async fn sign_in(app: &Router, (login, password): (&str, &str)) -> String {
    let reply = call(Method::POST, "/api/login")
        .json(json!({"login_id": login, "password": password}))
        .send(app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = reply.headers[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    cookie.split(';').next().unwrap_or_default().to_owned()
}

async fn settings(app: &Router, cookie: &str, update: Value) -> Reply {
    let mut current = call(Method::GET, "/api/linkage/settings")
        .cookie(cookie)
        .send(app)
        .await
        .json();
    if let (Some(current), Some(update)) = (current.as_object_mut(), update.as_object()) {
        for (name, value) in update {
            current.insert(name.clone(), value.clone());
        }
    }
    call(Method::PUT, "/api/linkage/settings")
        .cookie(cookie)
        .json(current)
        .send(app)
        .await
}

async fn issue(app: &Router, cookie: &str) -> String {
    let reply = call(Method::POST, "/api/linkage/token")
        .cookie(cookie)
        .send(app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()["token"].as_str().expect("token").to_owned()
}

const CUSTOMERS: &str = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nC000001,株式会社サンプル商事 本社,03-1111-2222,info001@example.co.jp,,A\r\n";

#[tokio::test]
async fn the_batch_api_refuses_what_it_must() {
    let (app, _) = common::server(
        "linkage-access",
        Config {
            trusted_proxies: "127.0.0.1".into(),
            ..Config::default()
        },
    );
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let import = |token: &str, peer: &'static str| {
        call(Method::POST, "/api/batch/imports/customers")
            .from(peer)
            .token(token)
            .csv(CUSTOMERS)
    };
    let token = issue(&app, &admin).await;
    assert_eq!(
        import(&token, FROM).send(&app).await.status,
        StatusCode::OK,
        "the demo tenant starts on, any address"
    );

    // Off: 403 whatever the credentials.
    assert_eq!(
        settings(&app, &admin, json!({"enabled": false}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        import(&token, FROM).send(&app).await.status,
        StatusCode::FORBIDDEN
    );

    // Allowed addresses; a forwarded address counts only from a trusted proxy.
    let on = settings(
        &app,
        &admin,
        json!({"enabled": true, "allowed_ips": "203.0.113.5; 10.0.0.0/8"}),
    )
    .await;
    assert_eq!(on.status, StatusCode::OK);
    assert_eq!(
        import(&token, FROM).send(&app).await.status,
        StatusCode::FORBIDDEN
    );
    let spoofed = import(&token, FROM)
        .header("x-forwarded-for", "203.0.113.5")
        .send(&app)
        .await;
    assert_eq!(
        spoofed.status,
        StatusCode::FORBIDDEN,
        "X-Forwarded-For from an untrusted peer is ignored"
    );
    assert_eq!(
        import(&token, "203.0.113.5:1234").send(&app).await.status,
        StatusCode::OK
    );
    assert_eq!(
        import(&token, "10.9.8.7:1234").send(&app).await.status,
        StatusCode::OK
    );
    let proxied = import(&token, "127.0.0.1:5555")
        .header("x-forwarded-for", "198.51.100.9, 203.0.113.5")
        .send(&app)
        .await;
    assert_eq!(
        proxied.status,
        StatusCode::OK,
        "the right-most address from a trusted proxy"
    );
    let proxied = import(&token, "127.0.0.1:5555")
        .header("x-forwarded-for", "203.0.113.5, 198.51.100.9")
        .send(&app)
        .await;
    assert_eq!(proxied.status, StatusCode::FORBIDDEN);
    settings(&app, &admin, json!({"allowed_ips": ""})).await;

    // Tokens: a wrong one, then the old one after re-issue.
    assert_eq!(
        import("slk_demo_0000", FROM).send(&app).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The last character changed (to one it is not: a random token may end
    // in `0` already).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &token[..token.len() - 1]);
    assert_ne!(wrong, token);
    assert_eq!(
        import(&wrong, FROM).send(&app).await.status,
        StatusCode::UNAUTHORIZED
    );
    let renewed = issue(&app, &admin).await;
    assert_eq!(
        import(&token, FROM).send(&app).await.status,
        StatusCode::UNAUTHORIZED,
        "the old token died at once"
    );
    assert_eq!(
        import(&renewed, FROM).send(&app).await.status,
        StatusCode::OK
    );
    let no_credentials = call(Method::GET, "/api/batch/exports/customers-sjis")
        .send(&app)
        .await;
    assert_eq!(no_credentials.status, StatusCode::UNAUTHORIZED);

    // User id + password mode: admins only; tokens refused.
    settings(&app, &admin, json!({"auth": "user_password"})).await;
    let basic = |login: &str, password: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
        )
    };
    let with = |authorization: String| {
        call(Method::POST, "/api/batch/imports/customers")
            .header(AUTHORIZATION.as_str(), authorization)
            .csv(CUSTOMERS)
    };
    assert_eq!(
        with(basic(DEMO_ADMIN.0, DEMO_ADMIN.1))
            .send(&app)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        with(basic(DEMO_ADMIN.0, "wrong")).send(&app).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        with(basic(DEMO_LEADER.0, DEMO_LEADER.1))
            .send(&app)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "not an admin"
    );
    assert_eq!(
        import(&renewed, FROM).send(&app).await.status,
        StatusCode::UNAUTHORIZED,
        "tokens are off"
    );

    // Settings are for admins, and checked.
    let leader = sign_in(&app, DEMO_LEADER).await;
    assert_eq!(
        call(Method::GET, "/api/linkage/settings")
            .cookie(&leader)
            .send(&app)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(Method::POST, "/api/linkage/token")
            .cookie(&leader)
            .send(&app)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad_ip = settings(&app, &admin, json!({"allowed_ips": "10.0.0.1; intranet"})).await;
    assert_eq!(bad_ip.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_ip.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("intranet")
    );
    let many: Vec<String> = (0..21).map(|i| format!("user{i}@example.co.jp")).collect();
    assert_eq!(
        settings(&app, &admin, json!({"emails": many})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        settings(&app, &admin, json!({"emails": many[..20]}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        settings(&app, &admin, json!({"emails": ["not-an-address"]}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        settings(&app, &admin, json!({"timeline_targets": ["nobody"]}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let view = call(Method::GET, "/api/linkage/settings")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert!(
        view.get("token_hash").is_none(),
        "the hash is never shown: {view}"
    );
    assert!(view["token_issued_at"].as_u64().is_some());
}

fn record(
    store: &sheetlink_server::Store,
    sheet: &str,
    id: &str,
) -> Option<std::collections::BTreeMap<String, String>> {
    use sheetlink_server::store::Linkage as _;
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let sheet = catalog.sheet(sheet).expect("sheet");
    let found = store
        .records_by_id("demo", sheet, &[id])
        .expect("reads")
        .pop()?;
    Some(
        sheet
            .fields
            .iter()
            .zip(found.values)
            .filter_map(|(field, value)| value.map(|v| (field.id.clone(), v)))
            .collect(),
    )
}

fn mapping(rows: &[(&str, &str, bool)]) -> Value {
    Value::Array(
        rows.iter()
            .map(|(header, field, blank)| json!({"source": {"header": header}, "field": field, "update_with_blank": blank}))
            .collect(),
    )
}

async fn create_import(app: &Router, cookie: &str, condition: Value) -> Reply {
    call(Method::POST, "/api/linkage/import-conditions")
        .cookie(cookie)
        .json(json!({"condition": condition, "after": {"notify_members": ["admin"], "add_to_list": "取込済み"}}))
        .send(app)
        .await
}

async fn run(app: &Router, token: &str, key: &str, csv: &str) -> Value {
    let reply = call(Method::POST, &format!("/api/batch/imports/{key}"))
        .token(token)
        .csv(csv.as_bytes().to_vec())
        .send(app)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let run = reply.json();
    let counts = &run["counts"];
    let sum: u64 = ["created", "updated", "unchanged", "skipped", "failed"]
        .iter()
        .map(|k| counts[k].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        counts["rows_in"].as_u64(),
        Some(sum),
        "counts add up: {counts}"
    );
    run
}

fn outcomes(run: &Value) -> Vec<(u64, String)> {
    run["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["row"].as_u64().unwrap_or(0),
                r["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn imports_by_mode_matching_and_relation_keys() {
    let (app, store) = common::server("linkage-modes", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;

    // Insert and update, matched by e-mail; the parent found by its name.
    let upsert = create_import(&app, &admin, json!({
        "key": "by-email", "sheet": "customer", "mode": "insert_and_update",
        "mappings": mapping(&[("メール", "email", false), ("会社名", "name", false), ("電話", "phone", true), ("ランク", "rank", false), ("親会社", "parent", false)]),
        "matching_keys": ["email"],
        "relation_keys": [{"field": "parent", "key_field": "name"}],
    })).await;
    assert_eq!(
        upsert.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&upsert.body)
    );
    let before = record(&store, "customer", "C000002").expect("seeded");
    let csv = "メール,会社名,電話,ランク,親会社\r\n\
               info002@example.co.jp,株式会社山田製作所 本社,,,株式会社サンプル商事\r\n\
               new@example.co.jp,新規株式会社,06-1234-5678,B,株式会社山田製作所 本社\r\n\
               info003@example.co.jp,株式会社東都物産,03-1002-2002,,\r\n\
               info004@example.co.jp,株式会社X,,,存在しない会社\r\n";
    let result = run(&app, &token, "by-email", csv).await;
    assert_eq!(
        outcomes(&result),
        vec![
            (2, "updated".into()),
            (3, "created".into()),
            (4, "unchanged".into()),
            (5, "failed".into())
        ]
    );
    assert_eq!(result["status"], "completed_with_errors");
    assert_eq!(result["kind"], "batch");
    let after = record(&store, "customer", "C000002").expect("still there");
    assert_eq!(after["name"], "株式会社山田製作所 本社");
    assert_eq!(
        after["email"], before["email"],
        "the matching key is never updated"
    );
    assert!(
        !after.contains_key("phone"),
        "update with blank cleared the phone"
    );
    assert_eq!(
        after.get("rank"),
        before.get("rank"),
        "a blank without update-with-blank leaves the value"
    );
    assert_eq!(
        after["parent"], "C000001",
        "relation matched by name, stored as the id"
    );
    let created = result["rows"][1]["record"]
        .as_str()
        .expect("new id")
        .to_owned();
    assert_eq!(
        record(&store, "customer", &created).expect("created")["parent"],
        "C000002"
    );
    assert!(
        result["rows"][3]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("存在しない会社")
    );
    // Stored coded, both languages apart.
    assert_eq!(result["rows"][3]["code"], "relation.not_found");
    assert!(
        result["rows"][3]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("No related record") && !m.contains("見つかりません")),
        "{}",
        result["rows"][3]
    );

    // Insert only: an existing record is skipped, or an error.
    for (on_existing, outcome) in [("skip", "skipped"), ("error", "failed")] {
        let key = format!("insert-{on_existing}");
        let reply = create_import(
            &app,
            &admin,
            json!({
                "key": key, "sheet": "customer", "mode": "insert_only",
                "duplicates": {"existing": on_existing},
                "mappings": mapping(&[("ID", "id", false), ("名前", "name", false)]),
                "matching_keys": ["id"],
            }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let result = run(
            &app,
            &token,
            &key,
            &format!("ID,名前\r\nC000005,上書きされない\r\nN-{on_existing},新しい会社\r\n"),
        )
        .await;
        assert_eq!(
            outcomes(&result),
            vec![(2, outcome.into()), (3, "created".into())]
        );
        assert_ne!(
            record(&store, "customer", "C000005").expect("kept")["name"],
            "上書きされない"
        );
        assert_eq!(
            record(&store, "customer", &format!("N-{on_existing}")).expect("inserted")["name"],
            "新しい会社"
        );
    }

    // Update only: an unknown record fails; the id (matching key) stays.
    create_import(
        &app,
        &admin,
        json!({
            "key": "update-only", "sheet": "customer", "mode": "update_only",
            "mappings": mapping(&[("ID", "id", false), ("ランク", "rank", false)]),
            "matching_keys": ["id"],
        }),
    )
    .await;
    let result = run(
        &app,
        &token,
        "update-only",
        "ID,ランク\r\nC000007,見込み\r\nC999999,A\r\n",
    )
    .await;
    assert_eq!(
        outcomes(&result),
        vec![(2, "updated".into()), (3, "failed".into())]
    );
    assert!(record(&store, "customer", "C999999").is_none());

    // A row may point at a record an earlier row of the same file created.
    let result = run(&app, &token, "customers", "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nP-NEW,親会社,,,,A\r\nK-NEW,子会社,,,P-NEW,B\r\n").await;
    assert_eq!(
        outcomes(&result),
        vec![(2, "created".into()), (3, "created".into())]
    );
    assert_eq!(
        record(&store, "customer", "K-NEW").expect("child")["parent"],
        "P-NEW"
    );

    // A relation as matching key: deals found by (customer by id, name).
    let deals = create_import(&app, &admin, json!({
        "key": "deals", "sheet": "deal",
        "mappings": mapping(&[("顧客ID", "customer", false), ("案件名", "name", false), ("金額", "amount", false)]),
        "matching_keys": ["customer", "name"],
        "relation_keys": [{"field": "customer", "key_field": "id"}],
    })).await;
    assert_eq!(
        deals.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&deals.body)
    );
    let result = run(&app, &token, "deals", "顧客ID,案件名,金額\r\nC000001,ソフトウェア導入案件,\"1,000\"\r\nC000001,ソフトウェア導入案件,990000\r\nC000002,追加案件,5000\r\n").await;
    assert_eq!(
        outcomes(&result),
        vec![
            (2, "failed".into()),
            (3, "updated".into()),
            (4, "created".into())
        ]
    );
    assert_eq!(
        record(&store, "deal", "D000101").expect("seeded deal")["amount"],
        "990000"
    );

    // History, timeline and the list.
    let runs = call(Method::GET, "/api/linkage/runs?sheet=deal")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(runs.as_array().map(Vec::len), Some(1));
    let id = runs[0]["id"].as_str().expect("id");
    let details = call(Method::GET, &format!("/api/linkage/runs/{id}"))
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(details["rows"].as_array().map(Vec::len), Some(3));
    let timeline = call(Method::GET, "/api/timeline")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    let post = timeline[0]["text"].as_str().expect("a post");
    assert!(
        post.starts_with(
            "案件のインポートがバッチ連携(deals)により完了しましたが、1件のエラーがあります。"
        ) && post.contains("データの件数:2件")
            && post.contains("エラーの件数:1件"),
        "{post}"
    );
    let list = {
        use sheetlink_server::store::Linkage as _;
        store
            .list("demo", "取込済み")
            .expect("reads")
            .expect("a list")
    };
    assert!(
        list.contains(&"deal/D000101".to_owned()) && list.contains(&"customer/C000002".to_owned()),
        "{list:?}"
    );
}

#[tokio::test]
async fn retries_apply_once_and_exports_are_shift_jis() {
    let (app, store) = common::server("linkage-retry", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let csv = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nR-1,株式会社リトライ,,retry@example.co.jp,C000001,A\r\n";
    let send = |body: &'static str| {
        call(Method::POST, "/api/batch/imports/customers")
            .token(&token)
            .header("idempotency-key", "nightly-2026-11-26")
            .csv(body)
    };
    let first = send(csv).send(&app).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json()["counts"]["created"], 1);
    let again = send(csv).send(&app).await;
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("true")
    );
    assert_eq!(
        again.json()["id"],
        first.json()["id"],
        "the retry returns the first run"
    );
    let runs = call(Method::GET, "/api/linkage/runs?sheet=customer")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "applied once");
    assert_eq!(
        send("顧客ID\r\nX\r\n").send(&app).await.status,
        StatusCode::CONFLICT
    );
    assert!(record(&store, "customer", "R-1").is_some());

    let export = call(Method::GET, "/api/batch/exports/customers-sjis")
        .token(&token)
        .send(&app)
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers[CONTENT_TYPE], "text/csv; charset=shift_jis");
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&export.body);
    assert!(!malformed);
    assert!(
        std::str::from_utf8(&export.body).is_err(),
        "Shift_JIS bytes, not UTF-8"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "顧客ID,顧客名,電話番号,ランク");
    assert_eq!(lines[1], "C000001,株式会社サンプル商事,03-1000-2000,A");
    assert!(lines.contains(&"R-1,株式会社リトライ,,A"));
    assert_eq!(
        export.headers["x-sheetlink-rows"],
        (lines.len() - 1).to_string()
    );
}

#[tokio::test]
async fn conditions_are_checked_and_the_client_module_carries_them() {
    let (app, _) = common::server(
        "linkage-conditions",
        Config {
            public_url: Some("https://sheetlink.example.co.jp".into()),
            ..Config::default()
        },
    );
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let bad = create_import(
        &app,
        &admin,
        json!({
            "key": "bad", "sheet": "customer",
            "mappings": mapping(&[("ID", "id", false), ("ランク", "rank", true)]),
            "matching_keys": ["rank"],
        }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains('2'),
        "names the mapping row: {}",
        bad.json()
    );
    let duplicate = create_import(&app, &admin, json!({
        "key": "customers", "sheet": "customer", "mappings": mapping(&[("ID", "id", false)]), "matching_keys": ["id"],
    })).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let spaced = create_import(&app, &admin, json!({
        "key": "has space", "sheet": "customer", "mappings": mapping(&[("ID", "id", false)]), "matching_keys": ["id"],
    })).await;
    assert_eq!(spaced.status, StatusCode::BAD_REQUEST);
    let mut found = call(Method::GET, "/api/linkage/import-conditions/customers")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    found["condition"]["description"] = json!("更新した説明");
    let updated = call(Method::PUT, "/api/linkage/import-conditions/customers")
        .cookie(&admin)
        .json(found)
        .send(&app)
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    let script = call(
        Method::GET,
        "/api/linkage/export-conditions/customers-sjis/script?os=windows",
    )
    .cookie(&admin)
    .send(&app)
    .await;
    assert!(String::from_utf8_lossy(&script.body).contains("export customers-sjis"));

    let token = issue(&app, &admin).await;
    let module = |token: Value| {
        call(Method::POST, "/api/linkage/client-module")
            .cookie(&admin)
            .json(json!({"token": token}))
    };
    let conf = |bytes: &[u8]| {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("sheetlink/linkage.conf").expect("conf"),
            &mut text,
        )
        .expect("text");
        let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
        (text, names)
    };
    let (text, names) = conf(&module(json!(token)).send(&app).await.body);
    assert!(text.contains("linkage.url=https://sheetlink.example.co.jp\n"));
    assert!(text.contains(&format!("linkage.token={token}\n")));
    assert!(
        names.contains(&"sheetlink/import_customers.sh".to_owned())
            && names.contains(&"sheetlink/export_customers-sjis.bat".to_owned())
    );
    let (text, _) = conf(
        &module(json!("slk_demo_not-the-token"))
            .send(&app)
            .await
            .body,
    );
    assert!(
        !text.contains("linkage.token=slk"),
        "only the current token is filled in"
    );

    let condition = call(Method::GET, "/api/linkage/export-conditions/customers-sjis")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    let mut condition = condition["condition"].clone();
    condition["filter"] =
        json!({"compare": {"field": "rank", "comparison": "equals", "value": "A"}});
    let preview = call(Method::POST, "/api/linkage/export-preview")
        .cookie(&admin)
        .json(condition)
        .send(&app)
        .await;
    assert_eq!(
        preview.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&preview.body)
    );
    let preview = preview.json();
    assert_eq!(
        preview["headers"],
        json!(["顧客ID", "顧客名", "電話番号", "ランク"])
    );
    assert_eq!(
        preview["total"], 25,
        "every fourth demo customer has rank A"
    );
    assert_eq!(
        preview["rows"][0],
        json!(["C000001", "株式会社サンプル商事", "03-1000-2000", "A"])
    );
    let members = call(Method::GET, "/api/linkage/members")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert!(
        members
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["id"] == "admin"))
    );

    let deleted = call(Method::DELETE, "/api/linkage/import-conditions/customers")
        .cookie(&admin)
        .send(&app)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .csv(CUSTOMERS)
        .send(&app)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

/// A one-connection-at-a-time SMTP server that keeps what it receives.
fn smtp_sink() -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut writer = stream.try_clone().expect("clone");
            let mut reader = BufReader::new(stream);
            let _ = writer.write_all(b"220 sink ESMTP\r\n");
            let mut data = String::new();
            let mut in_data = false;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        let _ = sender.send(std::mem::take(&mut data));
                        let _ = writer.write_all(b"250 queued\r\n");
                    } else {
                        data.push_str(&line);
                    }
                } else {
                    let command = line.to_ascii_uppercase();
                    let answer: &[u8] = if command.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if command.starts_with("QUIT") {
                        let _ = writer.write_all(b"221 bye\r\n");
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = writer.write_all(answer);
                }
                line.clear();
            }
        }
    });
    (port, received)
}

#[tokio::test]
async fn completion_mail_reaches_an_smtp_server() {
    let (app, store) = common::server("linkage-mail", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    settings(&app, &admin, json!({"emails": ["hr-team@example.co.jp"]})).await;
    let token = issue(&app, &admin).await;
    let csv = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nM-1,株式会社メール,,,,A\r\nM-2,株式会社メール2,,,,B\r\nM-3,株式会社メール3,,,,C\r\n";
    let reply = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .csv(csv)
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    // Nothing listens yet: the mail stays queued for a retry.
    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("address")
        .port();
    use sheetlink_server::linkage::mail::{SmtpSecurity, SmtpSettings, deliver_due};
    let nowhere = SmtpSettings {
        host: "127.0.0.1".into(),
        port: closed,
        from: "sheetlink <no-reply@example.co.jp>".into(),
        security: SmtpSecurity::None,
        credentials: None,
    };
    assert_eq!(deliver_due(&store, &nowhere).expect("runs"), 0);

    let (port, received) = smtp_sink();
    // STARTTLS is required by default: a server that does not offer it (the
    // sink offers no TLS) gets nothing.
    let required = SmtpSettings {
        port,
        security: SmtpSecurity::Starttls,
        ..nowhere.clone()
    };
    make_due(&store);
    assert_eq!(deliver_due(&store, &required).expect("runs"), 0);
    assert!(
        received
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err(),
        "nothing was sent in clear"
    );
    let sink = SmtpSettings { port, ..nowhere };
    make_due(&store);
    assert_eq!(deliver_due(&store, &sink).expect("runs"), 1);
    let message = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("a message");
    assert!(message.contains("To: hr-team@example.co.jp"), "{message}");
    // The header may be folded over several lines.
    let mut lines = message.lines().skip_while(|l| !l.starts_with("Subject: "));
    let mut subject = lines.next().expect("subject")["Subject: ".len()..].to_owned();
    for folded in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        subject.push(' ');
        subject.push_str(folded.trim());
    }
    let subject = decode_subject(&subject);
    assert_eq!(
        subject,
        "顧客のインポートがバッチ連携(customers)により完了しました。"
    );
    let body = decode_body(&message);
    assert!(
        body.contains("データの件数:3件")
            && body.contains("開始日時:")
            && body.contains("終了日時:"),
        "{body}"
    );
}

/// Makes every queued mail due now (retries wait 30 s and more).
fn make_due(store: &sheetlink_server::Store) {
    store.with_db(|db| {
        let txn = db.begin_write().expect("write");
        {
            let mut queue = txn
                .open_table(sheetlink_server::store::tables::MAIL_QUEUE)
                .expect("queue");
            let entries: Vec<(String, Vec<u8>)> = redb::ReadableTable::iter(&queue)
                .expect("iter")
                .flatten()
                .map(|(k, v)| (k.value().to_owned(), v.value().to_vec()))
                .collect();
            assert_eq!(entries.len(), 1, "one mail waits");
            for (key, value) in entries {
                queue.remove(key.as_str()).expect("remove");
                let due_now = format!("{:020}{}", 0, &key[20..]);
                queue
                    .insert(due_now.as_str(), value.as_slice())
                    .expect("insert");
            }
        }
        txn.commit().expect("commit");
    });
}

/// The text of a single-part message (base64 or plain).
fn decode_body(message: &str) -> String {
    let (head, body) = message
        .split_once("\r\n\r\n")
        .expect("headers, then the body");
    if head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .expect("base64"),
        )
        .expect("UTF-8")
    } else {
        body.to_owned()
    }
}

/// Decodes an RFC 2047 `=?utf-8?b?…?=` subject (possibly folded).
fn decode_subject(header: &str) -> String {
    header
        .split_whitespace()
        .map(|word| {
            let inner = word
                .trim_start_matches("=?utf-8?b?")
                .trim_start_matches("=?UTF-8?B?")
                .trim_end_matches("?=");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(inner)
                .unwrap_or_else(|_| word.as_bytes().to_vec());
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect()
}

#[tokio::test]
async fn sign_ins_are_limited_per_address_too() {
    let (app, _) = common::server("login-spraying", Config::default());
    let attempt = |login: String, password: &'static str, peer: &'static str| {
        call(Method::POST, "/api/login")
            .from(peer)
            .json(json!({"login_id": login, "password": password}))
    };
    let limit = sheetlink_server::auth::MAX_FAILED_LOGINS_PER_ADDRESS;
    for n in 0..limit {
        // A different id each time: no id reaches its own limit.
        let reply = attempt(format!("guess{n}"), "Winter2026!", FROM)
            .send(&app)
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let locked = attempt(DEMO_ADMIN.0.into(), DEMO_ADMIN.1, FROM)
        .send(&app)
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is locked, even with the right password"
    );
    assert!(locked.headers.contains_key("retry-after"));
    let elsewhere = attempt(DEMO_ADMIN.0.into(), DEMO_ADMIN.1, "203.0.113.77:1000")
        .send(&app)
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK, "other addresses are not");
}

async fn latest_post(app: &Router, cookie: &str) -> String {
    let timeline = call(Method::GET, "/api/timeline")
        .cookie(cookie)
        .send(app)
        .await
        .json();
    timeline[0]["text"].as_str().unwrap_or_default().to_owned()
}

fn customer_counter(store: &sheetlink_server::Store) -> u64 {
    store.with_db(|db| {
        let read = redb::ReadableDatabase::begin_read(db).expect("read");
        let table = read
            .open_table(sheetlink_server::store::tables::CRM_COUNTERS)
            .expect("counters");
        table
            .get("demo/customer")
            .expect("reads")
            .map_or(0, |v| v.value())
    })
}

#[tokio::test]
async fn a_refused_file_ends_all_failed_and_every_post_follows_the_status() {
    let (app, store) = common::server("linkage-refused", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let created = create_import(
        &app,
        &admin,
        json!({
            "key": "ids", "sheet": "customer", "mode": "insert_only",
            "mappings": mapping(&[("顧客ID", "id", false), ("顧客名", "name", false)]),
            "matching_keys": [],
        }),
    )
    .await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&created.body)
    );

    // A mapped column missing from the header: the file is refused.
    let refused = run(&app, &token, "ids", "名前だけ\r\n株式会社A\r\n").await;
    assert_eq!(refused["status"], "all_failed", "{refused}");
    let reason = refused["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("顧客ID"),
        "the reason names the column: {reason}"
    );
    let reason_en = refused["reason_en"].as_str().unwrap_or_default();
    assert!(
        reason_en.contains("顧客ID") && reason_en.contains("column") && !reason.contains("column"),
        "each language apart: {reason} / {reason_en}"
    );
    let post = latest_post(&app, &admin).await;
    assert!(
        post.contains("全て失敗しました") && post.contains("理由:"),
        "{post}"
    );

    // A generated id never takes one set explicitly by an earlier row.
    let next = format!("C{:06}", customer_counter(&store) + 1);
    let csv = format!("顧客ID,顧客名\r\n{next},明示ID株式会社\r\n,採番株式会社\r\n");
    let result = run(&app, &token, "ids", &csv).await;
    assert_eq!(result["status"], "completed", "{result}");
    let generated = result["rows"][1]["record"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_ne!(generated, next);
    assert_eq!(
        record(&store, "customer", &next).expect("kept")["name"],
        "明示ID株式会社"
    );
    assert_eq!(
        record(&store, "customer", &generated).expect("new")["name"],
        "採番株式会社"
    );
    assert!(
        latest_post(&app, &admin)
            .await
            .contains("により完了しました。")
    );

    // Completed with errors: the post says how many failed.
    let csv = format!("顧客ID,顧客名\r\n{next},重複\r\n,別の会社\r\n");
    let result = run(&app, &token, "ids", &csv).await;
    assert_eq!(result["status"], "completed_with_errors", "{result}");
    let post = latest_post(&app, &admin).await;
    assert!(
        post.contains("1件のエラーがあります") && post.contains("エラーの件数:1件"),
        "{post}"
    );
}

#[tokio::test]
async fn a_storage_error_aborts_the_batch_with_a_generic_message() {
    let (app, store) = common::server("linkage-storage-error", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let created = create_import(
        &app,
        &admin,
        json!({
            "key": "deals", "sheet": "deal", "mode": "insert_and_update",
            "mappings": mapping(&[("案件ID", "id", false), ("案件名", "name", false)]),
            "matching_keys": ["id"],
            "relation_keys": [],
        }),
    )
    .await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    // A deal record the store cannot read, which the file's row matches.
    store.with_db(|db| {
        sheetlink_server::store::put_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/deal/D999999",
            b"{broken",
        )
        .expect("writes")
    });
    let deals_before = store.with_db(|db| {
        sheetlink_server::store::scan_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/deal/",
        )
        .expect("reads")
        .len()
    });
    let reply = call(Method::POST, "/api/batch/imports/deals")
        .token(&token)
        .csv("案件ID,案件名\r\nD999999,新規案件\r\n".as_bytes().to_vec())
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let message = reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !message.contains("broken") && !message.contains("Internal("),
        "{message}"
    );
    let deals_after = store.with_db(|db| {
        sheetlink_server::store::scan_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/deal/",
        )
        .expect("reads")
        .len()
    });
    assert_eq!(deals_after, deals_before, "nothing applied");
    // The run claimed for it ended at once, interrupted, saying why; its
    // key may be sent again.
    let runs = call(Method::GET, "/api/linkage/runs?sheet=deal")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(runs[0]["status"], "interrupted", "{runs}");
    let id = runs[0]["id"].as_str().unwrap_or_default();
    let details = call(Method::GET, &format!("/api/linkage/runs/{id}"))
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert!(
        details["reason"]
            .as_str()
            .is_some_and(|r| r.contains("internal") && r.contains("何も反映されていません")),
        "{details}"
    );
}

#[tokio::test]
async fn a_key_that_failed_mid_apply_may_be_sent_again() {
    let (app, store) = common::server("linkage-failed-key", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    store.with_db(|db| {
        sheetlink_server::store::put_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/customer/C000001",
            b"{broken",
        )
        .expect("writes")
    });
    let csv =
        "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nC000001,直した顧客,,,,A\r\n";
    let send = || {
        call(Method::POST, "/api/batch/imports/customers")
            .token(&token)
            .header("idempotency-key", "fails-then-runs")
            .csv(csv)
    };
    assert_eq!(
        send().send(&app).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    // The record repaired, the same key runs the file.
    store.with_db(|db| {
        sheetlink_server::store::put_raw(
            db,
            sheetlink_server::store::tables::CRM_RECORDS,
            "demo/customer/C000001",
            r#"{"id":"C000001","name":"壊れていた顧客"}"#.as_bytes(),
        )
        .expect("writes")
    });
    let again = send().send(&app).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert!(again.headers.get("idempotent-replayed").is_none());
    assert_eq!(again.json()["status"], "completed");
    let runs = call(Method::GET, "/api/linkage/runs?sheet=customer")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    let statuses: Vec<&str> = runs
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses, ["completed", "interrupted"], "{runs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_sends_of_one_key_make_one_run() {
    let (app, _) = common::server("linkage-concurrent-key", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let mut csv = String::from("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n");
    for n in 0..2_000 {
        csv.push_str(&format!("P-{n:05},並行顧客{n},,,,B\r\n"));
    }
    let mut sends = Vec::new();
    for _ in 0..20 {
        let (app, token, csv) = (app.clone(), token.clone(), csv.clone());
        sends.push(tokio::spawn(async move {
            let reply = call(Method::POST, "/api/batch/imports/customers")
                .token(&token)
                .header("idempotency-key", "one-key-twenty-sends")
                .csv(csv)
                .send(&app)
                .await;
            (reply.status, reply.json())
        }));
    }
    let mut ids = Vec::new();
    let mut applied = 0;
    for send in sends {
        let (status, body) = send.await.expect("a send");
        assert!(
            status == StatusCode::OK || status == StatusCode::ACCEPTED,
            "{status}: {body}"
        );
        if status == StatusCode::ACCEPTED {
            assert_eq!(body["status"], "running", "{body}");
        }
        if body["status"] == "completed" {
            applied += 1;
        }
        ids.push(body["id"].as_str().unwrap_or_default().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names one run: {ids:?}");
    assert!(applied >= 1, "the run completed and was answered");
    let runs = call(Method::GET, "/api/linkage/runs?sheet=customer")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "{runs}");
    assert_eq!(runs[0]["id"], ids[0].as_str());
    assert_eq!(runs[0]["counts"]["created"], 2_000);
    let posts = call(Method::GET, "/api/timeline")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    let posts_of_run = posts
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"] == ids[0].as_str())
        .count();
    assert_eq!(posts_of_run, 1, "one timeline post");
}

#[tokio::test]
async fn crm_imports_are_limited_per_tenant_and_hour() {
    let config = Config {
        crm_imports_per_hour: 3,
        ..Config::default()
    };
    let (app, _) = common::server("linkage-hourly", config);
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let send = |key: &'static str| {
        call(Method::POST, "/api/batch/imports/customers")
            .token(&token)
            .header("idempotency-key", key)
            .csv("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nH-1,毎時顧客,,,,A\r\n")
    };
    for key in ["h1", "h2", "h3"] {
        assert_eq!(send(key).send(&app).await.status, StatusCode::OK);
    }
    let refused = send("h4").send(&app).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let body = refused.json();
    assert_eq!(body["error"], "too_many_imports");
    let wait = body["retry_after_seconds"].as_u64().unwrap_or(0);
    assert!((3_500..=3_600).contains(&wait), "{body}");
    assert!(refused.headers.contains_key("retry-after"));
    // A retry of a run already made is no new import: still answered.
    let replay = send("h2").send(&app).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(
        replay
            .headers
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    // Nothing of the refused one was recorded.
    let runs = call(Method::GET, "/api/linkage/runs?sheet=customer")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(runs.as_array().map(Vec::len), Some(3), "{runs}");
}

fn basic(login: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
    format!("Basic {encoded}")
}

#[tokio::test]
async fn basic_auth_is_throttled_and_no_oracle() {
    let (app, _) = common::server("linkage-basic", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    assert_eq!(
        settings(
            &app,
            &admin,
            json!({"enabled": false, "auth": "user_password"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let import = |authorization: String, peer: &'static str| {
        call(Method::POST, "/api/batch/imports/customers")
            .from(peer)
            .header(AUTHORIZATION.as_str(), authorization)
            .csv(CUSTOMERS)
    };
    // Linkage off: a wrong password for a known id and any password for an
    // unknown id look the same.
    let known = import(basic(DEMO_ADMIN.0, "wrong"), "198.51.100.10:1")
        .send(&app)
        .await;
    let unknown = import(basic("nobody-here", "wrong"), "198.51.100.10:1")
        .send(&app)
        .await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    // Right credentials learn that linkage is off.
    let right = import(basic(DEMO_ADMIN.0, DEMO_ADMIN.1), "198.51.100.10:1")
        .send(&app)
        .await;
    assert_eq!(right.status, StatusCode::FORBIDDEN);
    // Failures lock the account, shared with the web sign-in.
    for _ in 0..5 {
        import(basic(DEMO_LEADER.0, "wrong"), "198.51.100.11:1")
            .send(&app)
            .await;
    }
    let locked = import(basic(DEMO_LEADER.0, DEMO_LEADER.1), "198.51.100.12:1")
        .send(&app)
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers.contains_key("retry-after"));
    let web = call(Method::POST, "/api/login")
        .from("198.51.100.13:1")
        .json(json!({"login_id": DEMO_LEADER.0, "password": DEMO_LEADER.1}))
        .send(&app)
        .await;
    assert_eq!(web.status, StatusCode::TOO_MANY_REQUESTS, "the same lock");
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_verified() {
    let (app, _) = common::server("linkage-parallel-guesses", Config::default());
    let guesses = (0..40).map(|n| {
        let app = app.clone();
        async move {
            call(Method::POST, "/api/login")
                .from("198.51.100.20:1")
                .json(json!({"login_id": DEMO_ADMIN.0, "password": format!("guess-{n}")}))
                .send(&app)
                .await
                .status
        }
    });
    let statuses = futures_join_all(guesses).await;
    let verified = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        verified, 5,
        "only five guesses reach the password check: {statuses:?}"
    );
    // A login id over 256 bytes is refused before anything is stored; a
    // 2 MB one does not even fit the body limit.
    for (length, status) in [
        (300, StatusCode::BAD_REQUEST),
        (2 * 1024 * 1024, StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let long = call(Method::POST, "/api/login")
            .from("198.51.100.21:1")
            .json(json!({"login_id": "x".repeat(length), "password": "p"}))
            .send(&app)
            .await;
        assert_eq!(long.status, status, "{length} bytes");
    }
}

async fn futures_join_all<F: std::future::Future<Output = StatusCode> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("joins"));
    }
    out
}

#[tokio::test]
async fn the_client_module_needs_the_configured_public_url() {
    let (app, _) = common::server("linkage-no-public-url", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let reply = call(Method::POST, "/api/linkage/client-module")
        .cookie(&admin)
        .header("host", "evil.example")
        .json(json!({}))
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let message = reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("SHEETLINK_PUBLIC_URL"), "{message}");
}

#[tokio::test]
async fn saves_and_token_issues_never_undo_each_other() {
    let (app, _) = common::server("linkage-settings-race", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    for _ in 0..30 {
        let save = {
            let (app, admin) = (app.clone(), admin.clone());
            tokio::spawn(async move {
                settings(&app, &admin, json!({"enabled": true}))
                    .await
                    .status
            })
        };
        let issued = {
            let (app, admin) = (app.clone(), admin.clone());
            tokio::spawn(async move { issue(&app, &admin).await })
        };
        assert_eq!(save.await.expect("joins"), StatusCode::OK);
        let token = issued.await.expect("joins");
        let reply = call(Method::POST, "/api/batch/imports/customers")
            .token(&token)
            .csv(CUSTOMERS)
            .send(&app)
            .await;
        assert_ne!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "a save brought the old token back"
        );
    }
}

#[tokio::test]
async fn idempotency_keys_of_the_two_kinds_never_meet() {
    let (app, _) = common::server("linkage-idempotency-kinds", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let batch = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .header("idempotency-key", "k1")
        .csv(CUSTOMERS)
        .send(&app)
        .await;
    assert_eq!(batch.status, StatusCode::OK);
    // Today's key layout of the batch kind, sent to the evaluation import.
    let evaluation = call(
        Method::POST,
        "/api/periods/2026-h1/sheets/performance/imports",
    )
    .cookie(&admin)
    .header("idempotency-key", "batch-import/customers/k1")
    .csv(CUSTOMERS)
    .send(&app)
    .await;
    assert_eq!(
        evaluation.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&evaluation.body)
    );
    assert!(!evaluation.headers.contains_key("idempotent-replayed"));
    let replay = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .header("idempotency-key", "k1")
        .csv(CUSTOMERS)
        .send(&app)
        .await;
    assert_eq!(
        replay
            .headers
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(replay.json()["id"], batch.json()["id"]);
}

/// Every state-changing operation of the API, from the generated document
/// (so a new route is covered the day it is added), with its path
/// parameters filled in.
fn non_get_routes() -> Vec<(Method, String)> {
    let document: serde_json::Value =
        serde_json::from_str(sheetlink_server::openapi::json()).expect("the document");
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let concrete: Vec<&str> = path
            .split('/')
            .map(|segment| match segment {
                "{period}" => "2026-h1",
                "{sheet}" => "performance",
                s if s.starts_with('{') => "x",
                s => s,
            })
            .collect();
        for method in ["post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                let method: Method = method.to_uppercase().parse().expect("method");
                routes.push((method, concrete.join("/")));
            }
        }
    }
    routes
}

#[tokio::test]
async fn cross_site_requests_with_the_cookie_are_refused() {
    let (app, _) = common::server("linkage-same-origin", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let cross_site: [(&str, &str); 4] = [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("origin", "null"),
    ];
    let routes = non_get_routes();
    assert!(
        routes.len() >= 16
            && routes.contains(&(Method::POST, "/api/login".into()))
            && routes.contains(&(Method::POST, "/api/imports/x/revert".into())),
        "{routes:?}"
    );
    for (method, path) in routes {
        let path = path.as_str();
        for (name, value) in cross_site {
            let reply = call(method.clone(), path)
                .cookie(&admin)
                .header("host", "127.0.0.1:8080")
                .header(name, value)
                .json(json!({}))
                .send(&app)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{method} {path} with {name}: {value}"
            );
        }
        let same = call(method.clone(), path)
            .cookie(&admin)
            .header("host", "127.0.0.1:8080")
            .header("origin", "http://127.0.0.1:8080")
            .header("sec-fetch-site", "same-origin")
            .json(json!({}))
            .send(&app)
            .await;
        let message = same.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            !message.contains("別のサイト"),
            "{method} {path} from the app itself: {message}"
        );
    }
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_only() {
    let (app, _) = common::server(
        "linkage-https-cookie",
        Config {
            public_url: Some("https://sheetlink.example.co.jp".into()),
            ..Config::default()
        },
    );
    let reply = call(Method::POST, "/api/login")
        .json(json!({"login_id": DEMO_ADMIN.0, "password": DEMO_ADMIN.1}))
        .send(&app)
        .await;
    let cookie = reply.headers[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("__Host-sheetlink_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap_or_default();
    let me = call(Method::GET, "/api/me").cookie(pair).send(&app).await;
    assert_eq!(me.status, StatusCode::OK);
    let plain = pair.replacen("__Host-", "", 1);
    let me = call(Method::GET, "/api/me").cookie(&plain).send(&app).await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "only the prefixed name counts"
    );
}

#[tokio::test]
async fn a_replay_goes_only_to_a_caller_who_may_see_the_import() {
    let (app, store) = common::server("linkage-replay-scope", Config::default());
    // A second leader of the same groups and period.
    {
        use sheetlink_server::model::Member;
        use sheetlink_server::store::{Accounts as _, Change, Organisation as _};
        let leader = store
            .member("demo", "leader")
            .expect("reads")
            .expect("the demo leader");
        let other = Member {
            id: "leader2".into(),
            login_id: Some("leader2".into()),
            password_hash: Some(
                sheetlink_server::auth::hash_password("leader2-pass").expect("hashes"),
            ),
            ..leader
        };
        store
            .create_member("demo", &other, &Change::default())
            .expect("writes")
            .expect("created");
    }
    let leader = sign_in(&app, DEMO_LEADER).await;
    let other = sign_in(&app, ("leader2", "leader2-pass")).await;
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let template = call(
        Method::POST,
        "/api/periods/2026-h1/sheets/performance/template",
    )
    .cookie(&leader)
    .json(json!({"items": ["score_total"]}))
    .send(&app)
    .await;
    let csv = template.body;
    let send = |cookie: &str| {
        call(
            Method::POST,
            "/api/periods/2026-h1/sheets/performance/imports",
        )
        .cookie(cookie)
        .header("idempotency-key", "same-key")
        .csv(csv.clone())
    };
    let first = send(&leader).send(&app).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let stranger = send(&other).send(&app).await;
    assert_eq!(
        stranger.status,
        StatusCode::CONFLICT,
        "another leader learns nothing"
    );
    assert!(stranger.json().get("id").is_none());
    let own = send(&leader).send(&app).await;
    assert_eq!(own.json()["id"], first.json()["id"]);
    let by_admin = send(&admin).send(&app).await;
    assert_eq!(
        by_admin.json()["id"],
        first.json()["id"],
        "admins may see every import"
    );
}

#[tokio::test]
async fn oversized_conditions_are_refused() {
    let (app, _) = common::server("linkage-oversized", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    // 600 columns: over the engine's bound, within the body limit.
    let columns: Vec<Value> = (0..600)
        .map(|n| json!({"header": format!("c{n}"), "field": "name"}))
        .collect();
    let wide = call(Method::POST, "/api/linkage/export-conditions")
        .cookie(&admin)
        .json(json!({"condition": {"key": "wide", "sheet": "customer", "columns": columns}}))
        .send(&app)
        .await;
    assert_eq!(wide.status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&wide.body).contains("500"),
        "{}",
        String::from_utf8_lossy(&wide.body)
    );
    // A body over 256 KiB is refused before it is parsed.
    let columns: Vec<Value> = (0..20_000)
        .map(|n| json!({"header": format!("column {n}"), "field": "name"}))
        .collect();
    let huge = call(Method::POST, "/api/linkage/export-conditions")
        .cookie(&admin)
        .json(json!({"condition": {"key": "huge", "sheet": "customer", "columns": columns}}))
        .send(&app)
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    let listed = call(Method::GET, "/api/linkage/export-conditions")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert!(
        listed.as_array().is_some_and(|l| l
            .iter()
            .all(|c| c["condition"]["key"] != "wide" && c["condition"]["key"] != "huge")),
        "nothing stored"
    );
}

#[tokio::test]
async fn runs_are_listed_without_rows_and_keep_at_most_a_thousand() {
    let (app, _) = common::server("linkage-stored-rows", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let mut csv = String::from("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n");
    for n in 0..1_005 {
        csv.push_str(&format!("R-{n},株式会社{n},,,,A\r\n"));
    }
    let run = run(&app, &token, "customers", &csv).await;
    assert_eq!(
        run["rows"].as_array().map(Vec::len),
        Some(1_005),
        "the client gets every row"
    );
    let id = run["id"].as_str().expect("id").to_owned();
    let list = call(Method::GET, "/api/linkage/runs")
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert!(list[0].get("rows").is_none(), "{}", list[0]);
    let details = call(Method::GET, &format!("/api/linkage/runs/{id}"))
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(details["rows"].as_array().map(Vec::len), Some(1_000));
    assert_eq!(details["rows_truncated"], true);
    assert_eq!(details["counts"]["rows_in"], 1_005, "counts stay exact");
}

/// A 30 MB file of `x\n` (15 million rows) is refused as a whole without
/// building a result per row; a file of over 10,000 rows answers its failed
/// and skipped rows only, with exact counts.
#[tokio::test]
async fn huge_batch_files_are_refused_or_answered_in_bounds() {
    let (app, _) = common::server("linkage-huge", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let header = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n";
    let bomb = format!("{header}{}", "x\n".repeat(15_000_000));
    let reply = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .csv(bomb.into_bytes())
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let refused = reply.json();
    assert_eq!(refused["status"], "all_failed");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("1,000,000"),
        "{}",
        refused["reason"]
    );
    assert!(
        reply.body.len() < 10_000,
        "answer of {} bytes",
        reply.body.len()
    );

    let mut csv = String::from(header);
    for n in 0..12_000 {
        let rank = if n % 1_000 == 7 { "Z" } else { "A" };
        csv.push_str(&format!("H-{n},株式会社{n},,,,{rank}\r\n"));
    }
    let run = run(&app, &token, "customers", &csv).await;
    assert_eq!(run["counts"]["created"], 11_988);
    assert_eq!(run["counts"]["failed"], 12);
    assert_eq!(run["rows_truncated"], true);
    let listed = outcomes(&run);
    assert_eq!(listed.len(), 12, "only the failed rows: {listed:?}");
    assert!(listed.iter().all(|(_, outcome)| outcome == "failed"));
    assert_eq!(listed[0].0, 2 + 7);
}

/// Every address the mail queue holds a message for.
fn queued_addresses(store: &sheetlink_server::Store) -> Vec<String> {
    store.with_db(|db| {
        let txn = redb::ReadableDatabase::begin_read(db).expect("read");
        let Ok(queue) = txn.open_table(sheetlink_server::store::tables::MAIL_QUEUE) else {
            return Vec::new(); // made by the first mail
        };
        redb::ReadableTable::iter(&queue)
            .expect("iter")
            .flatten()
            .filter_map(|(_, mail)| {
                let mail: Value = serde_json::from_slice(mail.value()).ok()?;
                Some(mail["to"].as_str()?.to_owned())
            })
            .collect()
    })
}

#[tokio::test]
async fn conditions_notify_crm_staff_by_mail_and_members_on_their_timeline() {
    let (app, store) = common::server("linkage-staff", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    settings(&app, &admin, json!({"emails": [], "timeline_targets": []})).await;
    let token = issue(&app, &admin).await;
    // Three 社員: the demo member by address (member0001, 従業員番号 E0001),
    // someone outside the organisation, and the member E0002 by number only.
    let reply = create_import(
        &app,
        &admin,
        json!({
            "key": "staff", "sheet": "employee", "mode": "insert_only",
            "mappings": mapping(&[("氏名", "name", false), ("メール", "email", false), ("番号", "employee_number", false)]),
            "matching_keys": ["name"],
        }),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let staff = run(
        &app,
        &token,
        "staff",
        "氏名,メール,番号\r\n佐藤 太郎,MEMBER0001@example.co.jp,\r\n外部 次郎,jiro@partner.example.jp,\r\n番号 だけ,,E0002\r\n",
    )
    .await;
    let ids: Vec<String> = staff["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["record"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 3, "{staff}");

    let create = |after: Value| {
        call(Method::POST, "/api/linkage/export-conditions")
            .cookie(&admin)
            .json(json!({
                "condition": {"key": "told", "sheet": "customer", "columns": [{"header": "顧客ID", "field": "id"}]},
                "after": after,
            }))
            .send(&app)
    };
    let unknown = create(json!({"notify_staff": [ids[0], "E999999"]})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&unknown.body).contains("E999999"),
        "the unknown record is named"
    );
    let many: Vec<String> = (0..21).map(|_| ids[0].clone()).collect();
    assert_eq!(
        create(json!({"notify_staff": many})).await.status,
        StatusCode::BAD_REQUEST
    );
    let saved = create(json!({"notify_staff": ids, "emails": ["member0001@example.co.jp"]})).await;
    assert_eq!(
        saved.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&saved.body)
    );

    let member = sign_in(&app, ("member", "member-pass")).await;
    let timeline = |cookie: String| {
        let app = app.clone();
        async move {
            call(Method::GET, "/api/timeline")
                .cookie(&cookie)
                .send(&app)
                .await
                .json()
        }
    };
    assert_eq!(
        timeline(member.clone()).await,
        json!([]),
        "nothing for the member yet"
    );
    let before = queued_addresses(&store);
    let export = call(Method::GET, "/api/batch/exports/told")
        .token(&token)
        .send(&app)
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let mut sent = queued_addresses(&store);
    for address in &before {
        let at = sent
            .iter()
            .position(|a| a == address)
            .expect("still queued");
        sent.remove(at);
    }
    sent.sort();
    assert_eq!(
        sent,
        ["jiro@partner.example.jp", "member0001@example.co.jp"],
        "each 社員 with an address, once: the condition's own address is the same one in other case"
    );
    let posts = timeline(member).await;
    assert_eq!(posts.as_array().map(Vec::len), Some(1), "{posts}");
    assert!(
        posts[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("エクスポート")),
        "{posts}"
    );
    let targets = &posts[0]["targets"];
    assert!(
        targets
            .as_array()
            .is_some_and(|t| t.contains(&json!("e0001")) && t.contains(&json!("e0002"))),
        "the member by address and the member by number: {targets}"
    );
}

fn gzip_member(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compresses");
    encoder.finish().expect("compresses")
}

#[tokio::test]
async fn a_gzip_body_of_several_members_is_read_whole_within_the_bound() {
    let (app, _) = common::server("linkage-multi-gzip", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    // Concatenated .gz files: the header and a row, then two more rows.
    let first = gzip_member(
        "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nG-1,一番目,,,,A\r\n".as_bytes(),
    );
    let second = gzip_member("G-2,二番目,,,,A\r\nG-3,三番目,,,,A\r\n".as_bytes());
    let reply = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .header("content-encoding", "gzip")
        .csv([first, second].concat())
        .send(&app)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let run = reply.json();
    assert_eq!(run["counts"]["rows_in"], 3, "{run}");
    assert_eq!(run["counts"]["created"], 3, "{run}");
    // Two members of 20 MB each inflate past 30 MB: refused as a whole.
    let zeros = gzip_member(&vec![b'0'; 20 << 20]);
    let reply = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .header("content-encoding", "gzip")
        .csv([zeros.clone(), zeros].concat())
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_tenants_mails_over_the_hourly_bound_wait_and_the_run_says_so() {
    use sheetlink_server::linkage::apply::MAILS_PER_TENANT_HOUR;
    // Not across an hour's turn: the bound counts per clock hour.
    let into_hour = sheetlink_server::ids::now() % 3_600;
    if into_hour > 3_590 {
        tokio::time::sleep(std::time::Duration::from_secs(3_600 - into_hour + 1)).await;
    }
    let (app, store) = common::server("linkage-mail-bound", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let addresses: Vec<String> = (0..20).map(|n| format!("ops{n}@example.co.jp")).collect();
    settings(&app, &admin, json!({"emails": addresses})).await;
    let runs_to_fill = MAILS_PER_TENANT_HOUR as usize / addresses.len();
    let send = |n: usize| {
        call(Method::POST, "/api/batch/imports/customers")
            .token(&token)
            .csv(format!(
                "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nM-{n},メール{n},,,,A\r\n"
            ))
    };
    for n in 0..runs_to_fill {
        let run = send(n).send(&app).await.json();
        assert!(run["mail_delayed_until"].is_null(), "run {n}: {run}");
    }
    let late = send(runs_to_fill).send(&app).await.json();
    let until = late["mail_delayed_until"].as_u64().expect("delayed");
    let now = sheetlink_server::ids::now();
    assert!(until > now && until <= now + 3_600, "{late}");
    let id = late["id"].as_str().unwrap_or_default().to_owned();
    let details = call(Method::GET, &format!("/api/linkage/runs/{id}"))
        .cookie(&admin)
        .send(&app)
        .await
        .json();
    assert_eq!(details["mail_delayed_until"], until, "{details}");
    // Its mails wait in the queue, due in the next hour.
    let queued: Vec<String> = store.with_db(|db| {
        sheetlink_server::store::scan_raw(db, sheetlink_server::store::tables::MAIL_QUEUE, "")
            .expect("reads")
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| key.contains(&id))
            .collect()
    });
    assert_eq!(queued.len(), addresses.len(), "every mail queued");
    let next_hour = u128::from((now / 3_600 + 1) * 3_600) * 1_000;
    for key in &queued {
        let due: u128 = key[..20].parse().expect("a due time");
        assert!(due >= next_hour, "{key}");
    }
}

#[tokio::test]
async fn the_export_preview_reads_a_bounded_part_of_a_large_sheet() {
    let (app, store) = common::server("linkage-preview-bound", Config::default());
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let token = issue(&app, &admin).await;
    let mut csv = String::from("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n");
    for n in 0..3_000 {
        let rank = ["A", "B", "C"][n % 3];
        csv.push_str(&format!(
            "P-{n:05},プレビュー{:05},,,,{rank}\r\n",
            (n * 7919) % 3_000
        ));
    }
    let imported = call(Method::POST, "/api/batch/imports/customers")
        .token(&token)
        .csv(csv)
        .send(&app)
        .await;
    assert_eq!(imported.status, StatusCode::OK);
    let condition = |filter: Value| {
        json!({
            "key": "preview", "sheet": "customer", "encoding": "utf8",
            "filter": filter,
            "columns": [{"header": "顧客ID", "field": "id"}, {"header": "顧客名", "field": "name"}],
            "sort": [{"field": "name", "descending": true}],
        })
    };
    let ranked_b =
        condition(json!({"compare": {"field": "rank", "comparison": "equals", "value": "B"}}));
    let preview = call(Method::POST, "/api/linkage/export-preview")
        .cookie(&admin)
        .json(ranked_b.clone())
        .send(&app)
        .await;
    assert_eq!(
        preview.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&preview.body)
    );
    let preview = preview.json();
    // The rows are the export's own: the engine over every record.
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let sheet = catalog.sheet("customer").expect("customers");
    use sheetlink_server::store::Linkage as _;
    let every = store.records("demo", sheet).expect("reads");
    let parsed: sheetlink_engine::linkage::ExportCondition =
        serde_json::from_value(ranked_b).expect("a condition");
    let truth = sheetlink_engine::linkage::export_preview(
        &parsed,
        &catalog,
        &every,
        &sheetlink_engine::linkage::RelatedValues::none(),
        20,
    )
    .expect("previews");
    assert_eq!(preview["rows"], json!(truth.rows));
    assert!(truth.total > 1_000, "{}", truth.total);
    // Counted in part, said so.
    assert_eq!(preview["total_at_least"], true, "{preview}");
    let counted = preview["total"].as_u64().unwrap_or(0) as usize;
    assert!((1_000..=truth.total).contains(&counted), "{counted}");
    // Without a search the total is the sheet's size, exact.
    let all = call(Method::POST, "/api/linkage/export-preview")
        .cookie(&admin)
        .json(condition(Value::Null))
        .send(&app)
        .await
        .json();
    assert_eq!(all["total"], every.len(), "{all}");
    assert!(all["total_at_least"].is_null(), "{all}");
}
