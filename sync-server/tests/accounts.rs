//! Accounts over the API: set-up links, passwords, roles, deactivation, the
//! audit log, and who may call what — every new endpoint over the role ×
//! endpoint matrix (evaluation admin, CRM admin, leader in and out of scope,
//! member, anonymous, another tenant's admin).

mod common;

use common::http::{call, cookie_of, set_up, sign_in, token_of};

use axum::Router;
use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use sheetlink_protocol::accounts::NewTenant;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_CRM_ADMIN, DEMO_LEADER};
use sheetlink_server::{Config, Store};
use tower::ServiceExt as _;

/// The demo server plus a second tenant `beta` whose admin has chosen a
/// password, and an evaluation admin only (`hr`) in the demo tenant.
struct World {
    app: Router,
    store: Store,
    admin: String,
    hr: String,
    crm: String,
    leader: String,
    member: String,
    other: String,
}

async fn world(name: &str) -> World {
    let (app, store) = common::server(&format!("accounts-{name}"), Config::default());
    let created = sheetlink_server::accounts::create_tenant(
        &store,
        &Config::default(),
        &NewTenant {
            id: "beta".into(),
            name: "ベータ商事".into(),
            admin_login: "boss".into(),
            admin_name: "ベータ 管理者".into(),
        },
    )
    .expect("creates");
    let link = serde_json::to_value(&created.setup).expect("json");
    let other = set_up(&app, &link, "a chief picks wisely").await;
    // With two tenants, the demo's people name theirs.
    let admin = cookie_of(&app, Some("demo"), DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let created = call(
        &app,
        Method::POST,
        "/api/accounts",
        Some(&admin),
        Some(json!({"id": "hr", "name": "人事 専任", "login_id": "hr", "roles": {"evaluation_admin": true}})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let hr = set_up(&app, &created.body["setup"], "human resources only").await;
    World {
        crm: cookie_of(&app, Some("demo"), DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await,
        leader: cookie_of(
            &app,
            None,
            &format!("{}@demo", DEMO_LEADER.0),
            DEMO_LEADER.1,
        )
        .await,
        member: cookie_of(&app, Some("demo"), "member", "member-pass").await,
        app,
        store,
        admin,
        hr,
        other,
    }
}

#[tokio::test]
async fn who_may_call_what() {
    let w = world("matrix").await;
    let app = &w.app;
    // (method, path, body, [hr, crm, leader, member, other tenant's admin, anonymous])
    let roles = |id: &str| format!("/api/accounts/{id}/roles");
    let one = |member: &str| format!("/api/periods/2026-h1/sheets/performance/members/{member}");
    let leader_roles = json!({"leader": {"groups": ["sales"], "periods": ["2026-h1"]}});
    let cases: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
        (
            Method::GET,
            "/api/accounts".into(),
            None,
            [200, 403, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/groups".into(),
            None,
            [200, 403, 403, 403, 200, 401],
        ),
        (
            Method::POST,
            "/api/groups".into(),
            Some(json!({"id": "hr-x", "name": "x"})),
            [201, 403, 403, 403, 201, 401],
        ),
        (
            Method::PUT,
            roles("e0002"),
            Some(leader_roles.clone()),
            [200, 403, 403, 403, 404, 401],
        ),
        (
            Method::POST,
            "/api/accounts/e0003/deactivate".into(),
            None,
            [200, 403, 403, 403, 404, 401],
        ),
        (
            Method::POST,
            "/api/accounts/e0003/activate".into(),
            None,
            [200, 403, 403, 403, 404, 401],
        ),
        (
            Method::POST,
            "/api/accounts/member/setup-link".into(),
            None,
            [404, 403, 403, 403, 404, 401],
        ),
        (
            Method::GET,
            "/api/audit".into(),
            None,
            [200, 200, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/linkage/settings".into(),
            None,
            [403, 200, 403, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/my/sheets".into(),
            None,
            [200, 200, 200, 200, 200, 401],
        ),
        // e0001 (the member) is in sales: the leader's; e0003 is in dev.
        (
            Method::GET,
            one("e0001"),
            None,
            [200, 404, 200, 200, 404, 401],
        ),
        (
            Method::GET,
            one("e0003"),
            None,
            [200, 404, 404, 404, 404, 401],
        ),
        (
            Method::GET,
            "/api/periods/2026-h1/sheets/performance/members".into(),
            None,
            [200, 200, 200, 200, 404, 401],
        ),
        (
            Method::GET,
            "/api/periods".into(),
            None,
            [200, 403, 200, 403, 200, 401],
        ),
        (
            Method::GET,
            "/api/imports".into(),
            None,
            [200, 200, 200, 200, 200, 401],
        ),
    ];
    let callers = [
        Some(&w.hr),
        Some(&w.crm),
        Some(&w.leader),
        Some(&w.member),
        Some(&w.other),
        None,
    ];
    let names = ["hr", "crm", "leader", "member", "other", "anonymous"];
    for (method, path, body, expected) in cases {
        for ((caller, name), want) in callers.iter().zip(names).zip(expected) {
            let reply = call(
                app,
                method.clone(),
                &path,
                caller.map(String::as_str),
                body.clone(),
            )
            .await;
            assert_eq!(
                reply.status.as_u16(),
                want,
                "{name} {method} {path}: {}",
                reply.body
            );
            if want >= 400 {
                assert!(
                    reply.body["message"].is_string(),
                    "{name} {path}: a refusal says why"
                );
            }
        }
    }
    // Group ids are unique within a tenant and checked like every id.
    for (body, code) in [
        (json!({"id": "hr-x", "name": "again"}), "group_exists"),
        (json!({"id": "hr/x", "name": "slash"}), "invalid_id"),
        (json!({"id": "ok", "name": ""}), "invalid_name"),
    ] {
        let reply = call(
            app,
            Method::POST,
            "/api/groups",
            Some(&w.hr),
            Some(body.clone()),
        )
        .await;
        assert_eq!(reply.body["error"].as_str(), Some(code), "{body}");
    }
    // No leak: another tenant's admin sees only their own.
    let theirs = call(app, Method::GET, "/api/accounts", Some(&w.other), None).await;
    let ids: Vec<&str> = theirs
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, ["admin"]);
    let ours = call(app, Method::GET, "/api/accounts", Some(&w.hr), None).await;
    assert!(ours.body.as_array().expect("list").len() > 200);
    assert!(
        !ours.body.to_string().contains("password_hash")
            && !ours.body.to_string().contains("argon2")
    );
    // A plain member sees their own sheets only, and the list of others is empty.
    let list = call(
        app,
        Method::GET,
        "/api/periods/2026-h1/sheets/performance/members",
        Some(&w.member),
        None,
    )
    .await;
    assert_eq!(list.body, json!([]));
    let mine = call(app, Method::GET, "/api/my/sheets", Some(&w.member), None).await;
    let mine = mine.body.as_array().expect("sheets");
    assert!(
        !mine.is_empty() && mine.iter().all(|s| s["member"] == "e0001"),
        "{mine:?}"
    );
    // The CRM admin's audit log holds no account changes; the HR admin's does.
    let crm_log = call(app, Method::GET, "/api/audit", Some(&w.crm), None).await;
    assert!(
        crm_log
            .body
            .as_array()
            .expect("log")
            .iter()
            .all(|e| e["action"] != "roles_changed" && e["action"] != "member_created")
    );
    let hr_log = call(app, Method::GET, "/api/audit", Some(&w.hr), None).await;
    let actions: Vec<&str> = hr_log
        .body
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "roles_changed",
        "member_deactivated",
        "member_reactivated",
        "member_created",
        "password_set",
        "group_created",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let _ = (&w.admin, &w.store);
}

#[tokio::test]
async fn set_up_links_work_once_and_passwords_follow_the_rules() {
    let w = world("setup").await;
    let app = &w.app;
    let created = call(
        app,
        Method::POST,
        "/api/accounts",
        Some(&w.hr),
        Some(json!({"id": "new1", "name": "新人 一郎", "login_id": "Ichiro", "groups": ["sales"]})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let link = created.body["setup"].clone();
    assert_eq!(link["emailed"], false, "no SMTP: shown once");
    let token = token_of(&link);
    let info = call(
        app,
        Method::POST,
        "/api/setup/info",
        None,
        Some(json!({"token": token})),
    )
    .await;
    assert_eq!(
        (info.body["tenant"].as_str(), info.body["login_id"].as_str()),
        (Some("demo"), Some("ichiro"))
    );
    for (password, code) in [
        ("short", "password_too_short"),
        ("ichiro-ichiro", "password_is_login"),
        ("1234567890", "password_common"),
    ] {
        let reply = call(
            app,
            Method::POST,
            "/api/setup",
            None,
            Some(json!({"token": token, "password": password})),
        )
        .await;
        assert_eq!(
            (reply.status, reply.body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{password}"
        );
    }
    let cookie = set_up(app, &link, "spring rain on the roof").await;
    let me = call(app, Method::GET, "/api/me", Some(&cookie), None).await;
    assert_eq!(me.body["roles"], json!(["member"]));
    let again = call(
        app,
        Method::POST,
        "/api/setup",
        None,
        Some(json!({"token": token, "password": "another good phrase"})),
    )
    .await;
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("setup_link_invalid"))
    );
    // Case does not matter in the login id; the tenant may be typed after @.
    cookie_of(app, None, "ICHIRO@demo", "spring rain on the roof").await;
    // With two tenants and none named, the sign-in asks for one.
    let which = sign_in(app, None, "ichiro", "spring rain on the roof").await;
    assert_eq!(
        (which.status, which.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("tenant_required"))
    );
    // The same login id in the other tenant is not this person.
    assert_eq!(
        sign_in(app, Some("beta"), "ichiro", "spring rain on the roof")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Changing one's password ends the other sessions and keeps this one.
    let second = cookie_of(app, Some("demo"), "ichiro", "spring rain on the roof").await;
    let wrong = call(
        app,
        Method::POST,
        "/api/me/password",
        Some(&cookie),
        Some(json!({"current": "nope nope nope", "new": "autumn leaves falling"})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let changed = call(
        app,
        Method::POST,
        "/api/me/password",
        Some(&cookie),
        Some(json!({"current": "spring rain on the roof", "new": "autumn leaves falling"})),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let renewed = changed.cookie.expect("a new session");
    assert_eq!(
        call(app, Method::GET, "/api/me", Some(&renewed), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        call(app, Method::GET, "/api/me", Some(&second), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(app, Some("demo"), "ichiro", "spring rain on the roof")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // A reset: the old password stops, sessions end, a new link works.
    let reset = call(
        app,
        Method::POST,
        "/api/accounts/new1/setup-link",
        Some(&w.hr),
        None,
    )
    .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(
        call(app, Method::GET, "/api/me", Some(&renewed), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(app, Some("demo"), "ichiro", "autumn leaves falling")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let old_link_used = call(
        app,
        Method::POST,
        "/api/setup/info",
        None,
        Some(json!({"token": token})),
    )
    .await;
    assert_eq!(old_link_used.status, StatusCode::NOT_FOUND);
    set_up(app, &reset.body, "winter snow on mount fuji").await;

    // Ids are checked before anything is stored; taken ones refused.
    for (body, code) in [
        (json!({"id": "a/b", "name": "x"}), "invalid_id"),
        (
            json!({"id": "ok1", "name": "x", "login_id": "has space"}),
            "invalid_id",
        ),
        (json!({"id": "ok1", "name": ""}), "invalid_name"),
        (
            json!({"id": "ok1", "name": "x", "groups": ["nowhere"]}),
            "unknown_group",
        ),
        (
            json!({"id": "ok1", "name": "x", "roles": {"leader": {"groups": [], "periods": []}}}),
            "leader_without_groups",
        ),
        (json!({"id": "new1", "name": "x"}), "member_exists"),
        (
            json!({"id": "ok2", "name": "x", "login_id": "ICHIRO"}),
            "login_taken",
        ),
    ] {
        let reply = call(
            app,
            Method::POST,
            "/api/accounts",
            Some(&w.hr),
            Some(body.clone()),
        )
        .await;
        assert_eq!(reply.body["error"].as_str(), Some(code), "{body}");
        assert!(reply.status.is_client_error());
    }
}

#[tokio::test]
async fn role_changes_and_deactivation_end_access_at_once() {
    let w = world("access").await;
    let app = &w.app;
    // The leader loses the role: the session ends, and signing in again
    // gives a member.
    let changed = call(
        app,
        Method::PUT,
        "/api/accounts/leader/roles",
        Some(&w.hr),
        Some(json!({})),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        call(app, Method::GET, "/api/me", Some(&w.leader), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let again = cookie_of(app, Some("demo"), DEMO_LEADER.0, DEMO_LEADER.1).await;
    assert_eq!(
        call(app, Method::GET, "/api/periods", Some(&again), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The CRM admin deactivated: session and batch Basic access end.
    let settings = call(
        app,
        Method::GET,
        "/api/linkage/settings",
        Some(&w.crm),
        None,
    )
    .await;
    let mut settings = settings.body;
    settings["enabled"] = json!(true);
    settings["auth"] = json!("user_password");
    assert_eq!(
        call(
            app,
            Method::PUT,
            "/api/linkage/settings",
            Some(&w.crm),
            Some(settings)
        )
        .await
        .status,
        StatusCode::OK
    );
    let basic = |login: &str, password: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
        )
    };
    let batch = |authorization: String| {
        let app = app.clone();
        async move {
            let request = Request::get("/api/batch/exports/customers")
                .header("authorization", authorization)
                .body(Body::empty())
                .expect("request");
            app.oneshot(request).await.expect("responds").status()
        }
    };
    let before = batch(basic("crm@demo", DEMO_CRM_ADMIN.1)).await;
    assert_ne!(
        before,
        StatusCode::UNAUTHORIZED,
        "a CRM admin's password is a batch credential"
    );
    assert_eq!(
        batch(basic("hr@demo", "human resources only")).await,
        StatusCode::UNAUTHORIZED,
        "an evaluation admin's is not"
    );
    let off = call(
        app,
        Method::POST,
        "/api/accounts/crm/deactivate",
        Some(&w.hr),
        None,
    )
    .await;
    assert_eq!(
        (off.status, off.body["active"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    assert_eq!(
        call(app, Method::GET, "/api/me", Some(&w.crm), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        batch(basic("crm@demo", DEMO_CRM_ADMIN.1)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(app, Some("demo"), DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The log names the people, as they were, and the roles given.
    let log = call(app, Method::GET, "/api/audit", Some(&w.hr), None).await;
    let entry = log
        .body
        .as_array()
        .expect("log")
        .iter()
        .find(|e| e["action"] == "roles_changed" && e["target"] == "leader")
        .expect("the leader's role change")
        .clone();
    assert_eq!(entry["target_name"], "営業 リーダー");
    assert_eq!(entry["actor_name"], "人事 専任");
    assert_eq!(entry["roles"]["leader"], Value::Null, "{entry}");
    // History keeps the name of whoever changed settings.
    let log = call(app, Method::GET, "/api/audit", Some(&w.hr), None).await;
    assert!(
        log.body.to_string().contains("営業企画 CRM管理者"),
        "{}",
        log.body
    );
    // An admin cannot lock the tenant out.
    let own = call(
        app,
        Method::POST,
        "/api/accounts/hr/deactivate",
        Some(&w.hr),
        None,
    )
    .await;
    assert_eq!(
        (own.status, own.body["error"].as_str()),
        (StatusCode::CONFLICT, Some("own_account"))
    );
    let own = call(
        app,
        Method::PUT,
        "/api/accounts/hr/roles",
        Some(&w.hr),
        Some(json!({"crm_admin": true})),
    )
    .await;
    assert_eq!(
        (own.status, own.body["error"].as_str()),
        (StatusCode::CONFLICT, Some("own_admin_role"))
    );
    // A disabled tenant signs nobody in and ends its sessions.
    assert!(
        sheetlink_server::accounts::set_tenant_disabled(&w.store, "beta", true).expect("disables")
    );
    assert_eq!(
        call(app, Method::GET, "/api/me", Some(&w.other), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(app, Some("beta"), "boss", "a chief picks wisely")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The disabled tenant's batch token stops working too.
    let mut settings = call(
        app,
        Method::GET,
        "/api/linkage/settings",
        Some(&w.admin),
        None,
    )
    .await
    .body;
    settings["auth"] = json!("token");
    let saved = call(
        app,
        Method::PUT,
        "/api/linkage/settings",
        Some(&w.admin),
        Some(settings),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK);
    let issued = call(
        app,
        Method::POST,
        "/api/linkage/token",
        Some(&w.admin),
        None,
    )
    .await;
    let token = issued.body["token"].as_str().expect("a token").to_owned();
    assert_ne!(
        batch(format!("Bearer {token}")).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        sheetlink_server::accounts::set_tenant_disabled(&w.store, "demo", true).expect("disables")
    );
    assert_eq!(
        batch(format!("Bearer {token}")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn members_move_their_own_sheet_on_one_step_at_a_time() {
    let w = world("advance").await;
    let app = &w.app;
    let mine = call(app, Method::GET, "/api/my/sheets", Some(&w.member), None).await;
    let sheet = mine
        .body
        .as_array()
        .expect("sheets")
        .iter()
        .find(|s| s["period"] == "2026-h1" && s["sheet"] == "performance")
        .expect("a sheet")
        .clone();
    assert!(
        sheet["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .any(|b| !b["caption"].as_str().unwrap_or_default().is_empty()),
        "grouped by block: {sheet}"
    );
    let from = sheet["status"].clone();
    let next = sheet["next_status"].clone();
    assert!(next.is_string(), "{sheet}");
    let path = "/api/my/sheets/2026-h1/performance/advance";
    let moved = call(
        app,
        Method::POST,
        path,
        Some(&w.member),
        Some(json!({"from": from})),
    )
    .await;
    assert_eq!(
        (moved.status, &moved.body["status"]),
        (StatusCode::OK, &next)
    );
    let twice = call(
        app,
        Method::POST,
        path,
        Some(&w.member),
        Some(json!({"from": from})),
    )
    .await;
    assert_eq!(
        (twice.status, twice.body["error"].as_str()),
        (StatusCode::CONFLICT, Some("status_changed"))
    );
    // Leaders read it, with no next step for them.
    let read = call(
        app,
        Method::GET,
        "/api/periods/2026-h1/sheets/performance/members/e0001",
        Some(&w.leader),
        None,
    )
    .await;
    assert_eq!(
        (
            read.body["status"].clone(),
            read.body["next_status"].clone()
        ),
        (next, Value::Null)
    );
    // A closed period does not move.
    let closed = call(
        app,
        Method::POST,
        "/api/my/sheets/2025-h2/performance/advance",
        Some(&w.member),
        Some(json!({"from": "not_started"})),
    )
    .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    let log = call(app, Method::GET, "/api/audit", Some(&w.hr), None).await;
    assert!(log.body.to_string().contains("sheet_status_changed"));
}

#[tokio::test]
async fn with_mail_configured_the_set_up_link_is_e_mailed_not_shown() {
    use sheetlink_server::store::MailQueue as _;
    let config = Config {
        smtp_host: Some("127.0.0.1".into()),
        public_url: Some("https://hr.example.co.jp".into()),
        ..Config::default()
    };
    let (app, store) = common::server("accounts-mail", config);
    let admin = cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let created = call(
        &app,
        Method::POST,
        "/api/accounts",
        Some(&admin),
        Some(json!({"id": "m1", "name": "メール 太郎", "login_id": "taro", "email": "taro@example.co.jp"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["setup"]["emailed"], true);
    assert_eq!(
        created.body["setup"]["url"], "",
        "an e-mailed link is not shown"
    );
    let claimed = store.claim_due(60_000, 10).expect("claims");
    assert_eq!(claimed.len(), 1);
    let mail = &claimed[0].mail;
    assert_eq!(mail.to, "taro@example.co.jp");
    let token = mail
        .body
        .split_whitespace()
        .find_map(|word| word.strip_prefix("https://hr.example.co.jp/setup#"))
        .expect("the link in the mail");
    // The mailed link works like a shown one.
    let cookie = set_up(
        &app,
        &json!({"url": format!("https://hr.example.co.jp/setup#{token}")}),
        "letters by the post",
    )
    .await;
    let me = call(&app, Method::GET, "/api/me", Some(&cookie), None).await;
    assert_eq!(me.body["name"], "メール 太郎");
    // Without an address, the link is shown even with mail configured.
    let created = call(
        &app,
        Method::POST,
        "/api/accounts",
        Some(&admin),
        Some(json!({"id": "m2", "name": "無 メール", "login_id": "nomail"})),
    )
    .await;
    assert_eq!(created.body["setup"]["emailed"], false);
    assert!(
        created.body["setup"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("/setup#"))
    );
}

#[tokio::test]
async fn a_set_up_link_is_not_used_from_another_site() {
    let w = world("setup-csrf").await;
    let created = call(
        &w.app,
        Method::POST,
        "/api/accounts",
        Some(&w.hr),
        Some(json!({"id": "x1", "name": "外部 から", "login_id": "x1"})),
    )
    .await;
    let token = token_of(&created.body["setup"]);
    let request = Request::post("/api/setup")
        .header(CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(
            json!({"token": token, "password": "forged from elsewhere"}).to_string(),
        ))
        .expect("request");
    let status = w
        .app
        .clone()
        .oneshot(request)
        .await
        .expect("responds")
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The link still works from the app itself.
    set_up(&w.app, &created.body["setup"], "typed in the right place").await;
}

#[tokio::test]
async fn one_account_has_one_lockout_however_its_login_is_spelled() {
    // One tenant: `admin`, `admin@demo`, `admin @demo` and `ADMIN` all sign
    // in as the demo admin, so they share one count.
    let (app, _) = common::server("accounts-one-lockout", Config::default());
    let (login, password) = DEMO_ADMIN;
    for _ in 0..sheetlink_server::auth::MAX_FAILED_LOGINS {
        let wrong = sign_in(&app, None, login, "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let spellings = [
        (None, format!("{login}@demo")),
        (None, format!("{login} @demo")),
        (None, format!("  {}  ", login.to_uppercase())),
        (Some("demo"), login.to_owned()),
        (Some(" DEMO "), format!("{login}@demo")),
    ];
    for (tenant, spelled) in &spellings {
        let reply = sign_in(&app, *tenant, spelled, password).await;
        assert_eq!(
            (reply.status, reply.body["error"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
            "{tenant:?} {spelled:?} side-stepped the lockout"
        );
    }
    // The batch API's Basic auth counts the same account.
    let basic = |user: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    };
    let batch = app
        .clone()
        .oneshot(
            Request::builder()
                .uri("/api/batch/exports/customers-sjis")
                .header("authorization", basic(&format!("{login} @demo")))
                .body(Body::empty())
                .expect("a request"),
        )
        .await
        .expect("an answer");
    assert_eq!(batch.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_login_id_that_is_nobodys_locks_like_a_members() {
    // One tenant: `ghost` and `ghost@demo` are one account whether or not
    // anybody has that login id, exactly as `admin` and `admin@demo` are.
    let (app, _) = common::server("accounts-nobodys-lockout", Config::default());
    for (login, password) in [("ghost", "whatever"), (DEMO_ADMIN.0, "not it")] {
        for n in 0..sheetlink_server::auth::MAX_FAILED_LOGINS {
            let spelled = if n % 2 == 0 {
                login.to_owned()
            } else {
                format!("{login}@demo")
            };
            let reply = sign_in(&app, None, &spelled, password).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{spelled}");
        }
        let locked = sign_in(&app, None, login, password).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{login}");
    }
}

#[tokio::test]
async fn a_guessed_tenant_is_answered_like_a_wrong_password() {
    let w = world("guessed-tenant").await;
    let (login, password) = DEMO_ADMIN;
    let wrong_password = sign_in(&w.app, None, &format!("{login}@demo"), "not it").await;
    let guessed_tenant = sign_in(&w.app, None, &format!("{login}@guess"), password).await;
    let named_guess = sign_in(&w.app, Some("guess"), login, password).await;
    for reply in [&guessed_tenant, &named_guess] {
        assert_eq!(
            (reply.status, &reply.body),
            (wrong_password.status, &wrong_password.body),
            "an unknown tenant reads like a wrong password"
        );
    }
}

#[tokio::test]
async fn changing_ones_password_is_throttled_like_a_sign_in() {
    let w = world("password-throttle").await;
    for _ in 0..sheetlink_server::auth::MAX_FAILED_LOGINS {
        let wrong = call(
            &w.app,
            Method::POST,
            "/api/me/password",
            Some(&w.member),
            Some(json!({"current": "a wrong guess", "new": "a brand new phrase here"})),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    }
    // The right current password waits too: a stolen session is no oracle.
    let right = call(
        &w.app,
        Method::POST,
        "/api/me/password",
        Some(&w.member),
        Some(json!({"current": "member-pass", "new": "a brand new phrase here"})),
    )
    .await;
    assert_eq!(
        (right.status, right.body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );
    // And so does signing in to that account.
    let sign = sign_in(&w.app, Some("demo"), "member", "member-pass").await;
    assert_eq!(sign.status, StatusCode::TOO_MANY_REQUESTS);
}
