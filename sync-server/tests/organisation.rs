//! Setting up an organisation over the API: who may call each new endpoint,
//! the member file's rules (dry run, apply, full sync, refusals), customize
//! sheets (nested blocks, every item type, the permission matrix, changes
//! that would break stored values), evaluatees and periods.

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::http::{Reply, call, cookie_of, send, send_with, set_up};
use serde_json::{Value, json};
use sheetlink_server::Config;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_CRM_ADMIN, DEMO_LEADER};

struct World {
    app: Router,
    admin: String,
    crm: String,
    leader: String,
    member: String,
}

async fn world(name: &str) -> World {
    let (app, _store) = common::server(&format!("organisation-{name}"), Config::default());
    World {
        admin: cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await,
        crm: cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await,
        leader: cookie_of(&app, None, DEMO_LEADER.0, DEMO_LEADER.1).await,
        member: cookie_of(&app, None, "member", "member-pass").await,
        app,
    }
}

/// Posts a member file; `query` as in `?apply=true&plan=…`.
async fn members(w: &World, query: &str, csv: &str) -> Reply {
    send(
        &w.app,
        Method::POST,
        &format!("/api/organisation/members{query}"),
        Some(&w.admin),
        Some(("text/csv", csv.as_bytes().to_vec())),
    )
    .await
}

/// Checks, then applies as checked.
async fn apply(w: &World, full_sync: bool, csv: &str) -> Value {
    let sync = if full_sync { "&full_sync=true" } else { "" };
    let checked = members(w, &format!("?apply=false{sync}"), csv).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.body["error_count"], 0, "{}", checked.body);
    let plan = checked.body["plan"].as_str().expect("a plan").to_owned();
    let applied = members(w, &format!("?apply=true{sync}&plan={plan}"), csv).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.body["applied"], true);
    applied.body
}

fn a_sheet() -> Value {
    json!({
        "name": "役割評価シート",
        "blocks": [{
            "id": "b-role", "name": "役割評価",
            "items": [{"id": "total", "name": "総合点", "kind": {"type": "number", "min": 0, "max": 100},
                       "write": {"admin": ["not_started", "final_evaluated"], "leader": ["not_started"]}}],
            "blocks": [{
                "id": "b-goal", "name": "",
                "items": [
                    {"id": "grade", "name": "評語", "kind": {"type": "dropdown", "options": ["S", "A", "B"]},
                     "write": {"admin": ["not_started"], "leader": ["not_started"]}},
                    {"id": "memo", "name": "所見", "kind": {"type": "text", "max_len": 200},
                     "write": {"admin": ["not_started"], "leader": []}}
                ],
                "blocks": [{
                    "id": "b-deep", "name": "確認",
                    "items": [
                        {"id": "done", "name": "面談済み", "kind": {"type": "checkbox"},
                         "write": {"admin": ["not_started"], "leader": ["not_started"]}},
                        {"id": "entry", "name": "評価者記入欄", "kind": {"type": "evaluation_entry"},
                         "write": {"admin": [], "leader": ["not_started"]}}
                    ]
                }]
            }]
        }]
    })
}

#[tokio::test]
async fn who_may_call_what() {
    let w = world("matrix").await;
    let created = call(
        &w.app,
        Method::POST,
        "/api/groups",
        Some(&w.admin),
        Some(json!({"id": "qa", "name": "品質保証"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let cases: Vec<(Method, &str, Option<Value>, [u16; 5])> = vec![
        (
            Method::GET,
            "/api/organisation/periods",
            None,
            [200, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            "/api/organisation/periods",
            Some(json!({"id": "2027-h1", "name": "2027年度上期"})),
            [201, 403, 403, 403, 401],
        ),
        (
            Method::PATCH,
            "/api/organisation/periods/2027-h1",
            Some(json!({"open": false})),
            [200, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/api/organisation/groups",
            None,
            [200, 403, 403, 403, 401],
        ),
        (
            Method::PUT,
            "/api/organisation/groups/qa/members",
            Some(json!({"members": ["e0003"]})),
            [200, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/api/organisation/sheets",
            None,
            [200, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            "/api/organisation/sheets",
            Some(json!({"id": "role", "name": "役割"})),
            [201, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/api/organisation/sheets/performance",
            None,
            [200, 403, 403, 403, 401],
        ),
        (
            Method::PUT,
            "/api/organisation/sheets/role",
            Some(a_sheet()),
            [200, 403, 403, 403, 401],
        ),
        (
            Method::PUT,
            "/api/organisation/sheets/role/publication",
            Some(json!({"published": true})),
            [200, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/api/organisation/periods/2026-h1/sheets/role/evaluatees",
            None,
            [200, 403, 403, 403, 401],
        ),
        (
            Method::POST,
            "/api/organisation/periods/2026-h1/sheets/role/evaluatees",
            Some(json!({"groups": ["qa"]})),
            [200, 403, 403, 403, 401],
        ),
        (
            Method::GET,
            "/api/organisation/members.csv",
            None,
            [200, 403, 403, 403, 401],
        ),
    ];
    let callers = [
        Some(&w.admin),
        Some(&w.crm),
        Some(&w.leader),
        Some(&w.member),
        None,
    ];
    let names = ["admin", "crm", "leader", "member", "anonymous"];
    for (method, path, body, expected) in cases {
        // The admin last, so the others meet the state before the change.
        for index in [1, 2, 3, 4, 0] {
            let reply = call(
                &w.app,
                method.clone(),
                path,
                callers[index].map(String::as_str),
                body.clone(),
            )
            .await;
            assert_eq!(
                reply.status.as_u16(),
                expected[index],
                "{} {method} {path}: {}",
                names[index],
                reply.body
            );
            if expected[index] >= 400 {
                assert!(
                    reply.body["message"].is_string(),
                    "{} {path}: a refusal says why",
                    names[index]
                );
            }
        }
    }
    for (index, name) in names.iter().enumerate().skip(1) {
        let reply = send(
            &w.app,
            Method::POST,
            "/api/organisation/members",
            callers[index].map(String::as_str),
            Some(("text/csv", "氏名,従業員番号\nx,X1\n".into())),
        )
        .await;
        assert_eq!(
            reply.status.as_u16(),
            [0, 403, 403, 403, 401][index],
            "{name}"
        );
    }
    // What the admin did is in the audit log, with names.
    let audit = call(&w.app, Method::GET, "/api/audit", Some(&w.admin), None).await;
    let actions: Vec<&str> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "period_created",
        "period_changed",
        "group_members_changed",
        "sheet_created",
        "sheet_changed",
        "sheet_publication_changed",
        "evaluatees_added",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn a_member_file_is_checked_then_applied_as_checked() {
    let w = world("members").await;
    let csv = "氏名,従業員番号,メールアドレス,ロール,グループ,状態\n\
               新井 一郎,N0001,arai@example.co.jp,,品質保証;東京支社,\n\
               井上 二郎,N0002,inoue@example.co.jp,グループリーダー,品質保証,有効\n\
               上田 三郎,N0003,,,,\n\
               佐藤 太郎（改姓）,E0001,,,営業部;東京支社,\n\
               鈴木 太郎,E0002,,,,無効\n";
    let checked = members(&w, "", csv).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    let body = &checked.body;
    assert_eq!(body["applied"], false);
    assert_eq!(body["counts"]["rows"], 5);
    assert_eq!(body["counts"]["created"], 3);
    assert_eq!(body["counts"]["updated"], 2);
    assert_eq!(body["counts"]["deactivated"], 1);
    assert_eq!(body["counts"]["failed"], 0);
    assert_eq!(body["new_groups"], json!(["品質保証"]));
    assert_eq!(body["leaders_without_periods"], json!(["井上 二郎"]));
    let first = &body["changes"][0];
    assert_eq!(
        (first["outcome"].as_str(), first["login"].as_str()),
        (Some("created"), Some("arai@example.co.jp"))
    );
    // Nothing was written by the check.
    let accounts = call(&w.app, Method::GET, "/api/accounts", Some(&w.admin), None).await;
    assert!(!accounts.body.to_string().contains("新井"));

    // An apply that names no plan, or another, changes nothing.
    let refused = members(&w, "?apply=true&plan=0123", csv).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(refused.body["error"], "members_changed");

    let applied = apply(&w, false, csv).await;
    let links = applied["links"].as_array().expect("links");
    assert_eq!(links.len(), 3, "every new member may sign in: {links:?}");
    let accounts = call(&w.app, Method::GET, "/api/accounts", Some(&w.admin), None).await;
    let by_name = |name: &str| {
        accounts
            .body
            .as_array()
            .expect("list")
            .iter()
            .find(|a| a["name"] == name)
            .cloned()
            .expect(name)
    };
    assert_eq!(by_name("鈴木 太郎")["active"], false);
    assert_eq!(by_name("佐藤 太郎（改姓）")["id"], "e0001");
    let leader = by_name("井上 二郎");
    assert_eq!(leader["roles"]["leader"]["periods"], json!([]));
    // The new group exists with its members; a member of the file signs in
    // with their link, by their address.
    let groups = call(
        &w.app,
        Method::GET,
        "/api/organisation/groups",
        Some(&w.admin),
        None,
    )
    .await;
    let qa = groups
        .body
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == "品質保証")
        .cloned()
        .expect("made");
    assert_eq!(qa["members"].as_array().map(Vec::len), Some(2));
    let arai = links
        .iter()
        .find(|l| l["login"] == "arai@example.co.jp")
        .expect("arai's link");
    set_up(&w.app, arai, "arai chooses a long secret").await;
    cookie_of(
        &w.app,
        None,
        "arai@example.co.jp",
        "arai chooses a long secret",
    )
    .await;
    // Applying the same file again does nothing new: all unchanged.
    let again = members(&w, "", csv).await;
    assert_eq!(again.body["counts"]["unchanged"], 5, "{}", again.body);
    // A member missing from the file was not touched.
    assert_eq!(
        by_name("高橋 太郎")["active"],
        true,
        "e0003 is not in the file"
    );
    // The audit log says
    // what the file did.
    let audit = call(&w.app, Method::GET, "/api/audit", Some(&w.admin), None).await;
    let entries = audit.body.as_array().expect("entries");
    let summary = entries
        .iter()
        .find(|e| e["action"] == "members_imported")
        .expect("summary");
    assert_eq!(summary["members"]["created"], 3);
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "member_deactivated" && e["target_name"] == "鈴木 太郎")
    );
}

#[tokio::test]
async fn a_file_with_a_problem_applies_nothing_and_says_where() {
    let w = world("member-problems").await;
    let header = "氏名,従業員番号,メールアドレス,ロール,状態\n";
    // (what, rows, code, row, column letter)
    let cases = [
        (
            "number of one, address of another",
            "佐藤 太郎,E0001,member0003@example.co.jp,,",
            "member.keys_of_two_members",
            3,
            "C",
        ),
        (
            "the admin demotes themselves",
            "人事 管理者,A0001,,メンバー,",
            "member.own_access",
            3,
            "D",
        ),
        (
            "the admin deactivates themselves",
            "人事 管理者,A0001,,評価管理者;CRM管理者,無効",
            "member.own_access",
            3,
            "D",
        ),
        (
            "a new member's login is taken",
            "新人,leader,,,",
            "member.login_taken",
            3,
            "B",
        ),
        ("a bad address", "新人,N9,new@,,", "member.email", 3, "C"),
        (
            "one member in two rows (by number, then by address)",
            "佐藤 太郎,E0001,,,\n佐藤 太郎,,member0001@example.co.jp,,",
            "member.repeated",
            4,
            "C",
        ),
    ];
    for (what, row, code, at_row, column) in cases {
        // A good row first, so the problem is in row 3.
        let csv = format!("{header}新井 一郎,N0001,arai@example.co.jp,,\n{row}\n");
        let reply = members(&w, "", &csv).await;
        let error = &reply.body["errors"][0];
        assert_eq!(error["code"], code, "{what}: {}", reply.body);
        assert_eq!(
            (error["row"].as_u64(), error["column_letter"].as_str()),
            (Some(at_row), Some(column)),
            "{what}"
        );
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty())
                && error["message_en"].is_string()
        );
        assert_eq!(reply.body["counts"]["failed"], 1, "{what}");
        let plan = reply.body["plan"].as_str().unwrap_or_default().to_owned();
        let applied = members(&w, &format!("?apply=true&plan={plan}"), &csv).await;
        assert_eq!(applied.body["error"], "member_file_has_problems", "{what}");
    }
    let accounts = call(&w.app, Method::GET, "/api/accounts", Some(&w.admin), None).await;
    assert!(
        !accounts.body.to_string().contains("新井"),
        "the good row was not applied either"
    );
    // A Shift_JIS file reads like a UTF-8 one.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("氏名,従業員番号\n新井 一郎,N0001\n");
    let reply = send(
        &w.app,
        Method::POST,
        "/api/organisation/members",
        Some(&w.admin),
        Some(("text/csv", sjis.to_vec())),
    )
    .await;
    assert_eq!(reply.body["counts"]["created"], 1, "{}", reply.body);
}

#[tokio::test]
async fn an_export_imports_unchanged_and_full_sync_deactivates_the_rest() {
    let w = world("member-sync").await;
    let export = send(
        &w.app,
        Method::GET,
        "/api/organisation/members.csv",
        Some(&w.admin),
        None,
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    let text = String::from_utf8(export.bytes.clone()).expect("UTF-8");
    assert!(
        text.starts_with("\u{feff}氏名,従業員番号,メールアドレス,ロール,グループ,状態"),
        "{text:.80}"
    );
    assert!(text.contains("営業部;東京支社"), "groups by name");
    let reply = members(&w, "", &text).await;
    let counts = &reply.body["counts"];
    assert_eq!(
        (
            counts["created"].as_u64(),
            counts["updated"].as_u64(),
            counts["failed"].as_u64()
        ),
        (Some(0), Some(0), Some(0)),
        "{}",
        reply.body
    );
    assert!(counts["unchanged"].as_u64() > Some(200));
    // English headers, Shift_JIS, the same.
    let export = send(
        &w.app,
        Method::GET,
        "/api/organisation/members.csv?english=true&shift_jis=true",
        Some(&w.admin),
        None,
    )
    .await;
    let (text_en, _, _) = encoding_rs::SHIFT_JIS.decode(&export.bytes);
    assert!(
        text_en.starts_with("name,employee_number,email,roles,groups,status"),
        "{text_en:.80}"
    );
    let reply = send(
        &w.app,
        Method::POST,
        "/api/organisation/members",
        Some(&w.admin),
        Some(("text/csv", export.bytes.clone())),
    )
    .await;
    assert_eq!(reply.body["counts"]["updated"], 0, "{}", reply.body);

    // Full sync with a file of two members: everyone else but the admin
    // importing is deactivated, and says so before.
    let csv = "氏名,従業員番号\n人事 管理者,A0001\n営業 リーダー,L0001\n";
    let checked = members(&w, "?full_sync=true", csv).await;
    let by_sync = checked.body["counts"]["deactivated_by_sync"]
        .as_u64()
        .expect("count");
    assert!(by_sync > 200, "{}", checked.body);
    let without = members(&w, "", csv).await;
    assert_eq!(
        without.body["counts"]["deactivated_by_sync"], 0,
        "only when asked"
    );
    apply(&w, true, csv).await;
    let refused = common::http::sign_in(&w.app, None, "member", "member-pass").await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "deactivated by full sync"
    );
    cookie_of(&w.app, None, DEMO_LEADER.0, DEMO_LEADER.1).await;
    let me = call(&w.app, Method::GET, "/api/me", Some(&w.admin), None).await;
    assert_eq!(
        me.status,
        StatusCode::OK,
        "the importing admin is never deactivated"
    );
}

#[tokio::test]
async fn a_sheet_is_built_published_filled_and_protected() {
    let w = world("sheets").await;
    let admin = Some(w.admin.as_str());
    let created = call(
        &w.app,
        Method::POST,
        "/api/organisation/sheets",
        admin,
        Some(json!({"id": "role", "name": "役割"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["published"], false);
    let saved = call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role",
        admin,
        Some(a_sheet()),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let read = call(
        &w.app,
        Method::GET,
        "/api/organisation/sheets/role",
        admin,
        None,
    )
    .await;
    let definition = |value: Value| {
        serde_json::from_value::<sheetlink_protocol::organisation::SheetDefinition>(value)
            .expect("a definition")
    };
    assert_eq!(
        definition(read.body["definition"].clone()),
        definition(a_sheet()),
        "the tree reads back as saved"
    );
    // Unpublished: not in the importers' list; published: there.
    let listed = || {
        call(
            &w.app,
            Method::GET,
            "/api/periods/2026-h1/sheets",
            admin,
            None,
        )
    };
    assert!(!listed().await.body.to_string().contains("\"role\""));
    call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role/publication",
        admin,
        Some(json!({"published": true})),
    )
    .await;
    assert!(listed().await.body.to_string().contains("\"role\""));
    let unpublished = call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role/publication",
        admin,
        Some(json!({"published": false})),
    )
    .await;
    assert_eq!(unpublished.body["published"], false);
    assert!(!listed().await.body.to_string().contains("\"role\""));
    call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role/publication",
        admin,
        Some(json!({"published": true})),
    )
    .await;
    // Evaluatees: the sales group (by group) and one more (by id).
    let added = call(
        &w.app,
        Method::POST,
        "/api/organisation/periods/2026-h1/sheets/role/evaluatees",
        admin,
        Some(json!({"groups": ["sales"], "members": ["e0003"]})),
    )
    .await;
    let count = added.body["added"].as_u64().expect("added");
    assert!(count > 50, "{}", added.body);
    let again = call(
        &w.app,
        Method::POST,
        "/api/organisation/periods/2026-h1/sheets/role/evaluatees",
        admin,
        Some(json!({"members": ["e0003"]})),
    )
    .await;
    assert_eq!(
        (again.body["added"].as_u64(), again.body["already"].as_u64()),
        (Some(0), Some(1))
    );
    let list = call(
        &w.app,
        Method::GET,
        "/api/organisation/periods/2026-h1/sheets/role/evaluatees",
        admin,
        None,
    )
    .await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(count as usize));
    assert!(
        list.body
            .as_array()
            .expect("list")
            .iter()
            .all(|e| e["status"] == "not_started")
    );
    // The template follows the tree: block paths, 未設定 for the unnamed
    // block; the evaluation entry is not importable.
    let items = call(
        &w.app,
        Method::GET,
        "/api/periods/2026-h1/sheets/role/items",
        admin,
        None,
    )
    .await;
    let captions: Vec<&str> = items
        .body
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["caption"].as_str())
        .collect();
    assert_eq!(
        captions,
        [
            "【役割評価>総合点】",
            "【役割評価>未設定>評語】",
            "【役割評価>未設定>所見】",
            "【役割評価>未設定>確認>面談済み】"
        ]
    );
    // The leader writes what the matrix lets them: not 所見.
    let theirs = call(
        &w.app,
        Method::GET,
        "/api/periods/2026-h1/sheets/role/items",
        Some(&w.leader),
        None,
    )
    .await;
    assert!(
        !theirs.body.to_string().contains("memo") && theirs.body.to_string().contains("grade"),
        "{}",
        theirs.body
    );

    // A value in use: import a grade, then the option and the type hold.
    let template = send(
        &w.app,
        Method::POST,
        "/api/periods/2026-h1/sheets/role/template",
        admin,
        Some((
            "application/json",
            json!({"items": ["grade"]}).to_string().into_bytes(),
        )),
    )
    .await;
    let text = String::from_utf8(template.bytes).expect("UTF-8");
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
    let row = lines
        .iter()
        .position(|l| l.contains(",E0003,"))
        .expect("e0003 in the template");
    lines[row] = format!("{}A", lines[row]);
    let import = send_with(
        &w.app,
        Method::POST,
        "/api/periods/2026-h1/sheets/role/imports",
        admin,
        &[("idempotency-key", "org-test-1")],
        Some(("text/csv", lines.join("\r\n").into_bytes())),
    )
    .await;
    assert_eq!(import.status, StatusCode::CREATED, "{}", import.body);
    assert_eq!(import.body["status"], "completed", "{}", import.body);
    let mut sheet = a_sheet();
    sheet["blocks"][0]["blocks"][0]["items"][0]["kind"]["options"] = json!(["S", "B", "C"]);
    let refused = call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role",
        admin,
        Some(sheet),
    )
    .await;
    assert_eq!(refused.body["error"], "option_in_use", "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("「A」") && m.contains("評語"))
    );
    let mut sheet = a_sheet();
    sheet["blocks"][0]["blocks"][0]["items"][0]["kind"] = json!({"type": "text"});
    let refused = call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role",
        admin,
        Some(sheet),
    )
    .await;
    assert_eq!(refused.body["error"], "item_in_use");
    // Options added and an unused item changed are fine.
    let mut sheet = a_sheet();
    sheet["blocks"][0]["blocks"][0]["items"][0]["kind"]["options"] = json!(["S", "A", "B", "C"]);
    sheet["blocks"][0]["items"][0]["kind"] = json!({"type": "number", "min": 0, "max": 10});
    let saved = call(
        &w.app,
        Method::PUT,
        "/api/organisation/sheets/role",
        admin,
        Some(sheet),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // A closed period takes no template.
    let closed = call(
        &w.app,
        Method::PATCH,
        "/api/organisation/periods/2026-h1",
        admin,
        Some(json!({"open": false, "name": "2026年度上期（締め）"})),
    )
    .await;
    assert_eq!(
        (closed.body["open"].as_bool(), closed.body["name"].as_str()),
        (Some(false), Some("2026年度上期（締め）"))
    );
    let template = send(
        &w.app,
        Method::POST,
        "/api/periods/2026-h1/sheets/role/template",
        admin,
        Some((
            "application/json",
            json!({"items": ["grade"]}).to_string().into_bytes(),
        )),
    )
    .await;
    assert_eq!(template.status, StatusCode::FORBIDDEN, "{}", template.body);
    // The demo's sheets, saved before any editor, read as the tree their
    // labels describe.
    let demo = call(
        &w.app,
        Method::GET,
        "/api/organisation/sheets/performance",
        admin,
        None,
    )
    .await;
    let blocks = &demo.body["definition"]["blocks"];
    assert_eq!(blocks[0]["name"], "業績評価");
    assert_eq!(blocks[0]["blocks"][0]["items"][0]["id"], "score_total");
    assert!(demo.body["user_sheets"].as_u64() > Some(100));
}
