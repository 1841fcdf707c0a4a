//! The API through `oneshot`, per endpoint and caller: anonymous, member,
//! group leader (in and out of scope) and evaluation admin.

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use sheetlink_engine::evaluation::{SheetSchema, Status, validate};
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_LEADER};
use sheetlink_server::{Config, Store};
use tower::ServiceExt as _;

mod common;

/// A fresh server on a fresh data directory, with the demo tenant and one
/// plain member (`member` / `member-pass`) who may sign in.
fn server(name: &str) -> (Router, Store) {
    common::server(&format!("api-{name}"), Config::default())
}

struct Reply {
    status: StatusCode,
    set_cookie: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn call(
    app: &Router,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let body = match body {
        Some(json) => {
            request = request.header(CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).expect("request builds"))
        .await
        .expect("responds");
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, set_cookie, content_type) =
        (response.status(), header(SET_COOKIE), header(CONTENT_TYPE));
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        set_cookie,
        content_type,
        body,
    }
}

/// Signs in and returns the `Cookie` header to send.
async fn sign_in(app: &Router, (login, password): (&str, &str)) -> String {
    let reply = call(
        app,
        Method::POST,
        "/api/login",
        None,
        Some(json!({"login_id": login, "password": password})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "login {login}");
    let cookie = reply.set_cookie.expect("a session cookie");
    cookie.split(';').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_stores_only_a_hash() {
    let (app, store) = server("login");
    let reply = call(
        &app,
        Method::POST,
        "/api/login",
        None,
        Some(json!({"login_id": "admin", "password": DEMO_ADMIN.1})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json()["roles"],
        json!(["evaluation_admin", "crm_admin", "member"])
    );
    assert_eq!(reply.json()["tenant"], "demo");
    let cookie = reply.set_cookie.expect("cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let token = cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, t)| t.to_owned())
        .unwrap_or_default();
    assert_eq!(token.len(), 64);
    use sheetlink_server::store::Sessions as _;
    let sessions = store.sessions();
    let stored_in_clear = sessions
        .find(token.clone(), sheetlink_server::ids::now())
        .await
        .expect("reads")
        .is_some();
    let stored_hashed = sessions
        .find(
            sheetlink_server::auth::token_key(&token),
            sheetlink_server::ids::now(),
        )
        .await
        .expect("reads")
        .is_some();
    assert!(
        stored_hashed,
        "the session is stored under the token's hash"
    );
    assert!(
        !stored_in_clear,
        "the session table must not be keyed by the token itself"
    );

    for (login, password) in [
        ("admin", "wrong"),
        ("nobody", "admin-demo-2026"),
        ("admin", ""),
    ] {
        let reply = call(
            &app,
            Method::POST,
            "/api/login",
            None,
            Some(json!({"login_id": login, "password": password})),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{login}/{password}");
        assert!(reply.set_cookie.is_none());
    }
}

#[tokio::test]
async fn every_endpoint_needs_a_session_and_logout_ends_it() {
    let (app, _) = server("anonymous");
    let paths = [
        (Method::GET, "/api/me"),
        (Method::GET, "/api/periods"),
        (Method::GET, "/api/periods/2026-h1/sheets"),
        (Method::GET, "/api/periods/2026-h1/sheets/performance/items"),
        (
            Method::GET,
            "/api/periods/2026-h1/sheets/performance/schema",
        ),
        (
            Method::POST,
            "/api/periods/2026-h1/sheets/performance/template",
        ),
    ];
    for (method, path) in &paths {
        let body = (*method == Method::POST).then(|| json!({"items": ["score_total"]}));
        let reply = call(&app, method.clone(), path, None, body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        let forged = call(
            &app,
            method.clone(),
            path,
            Some("sheetlink_session=00ff"),
            body,
        )
        .await;
        assert_eq!(
            forged.status,
            StatusCode::UNAUTHORIZED,
            "{path} with a forged cookie"
        );
    }
    let cookie = sign_in(&app, DEMO_ADMIN).await;
    let me = call(&app, Method::GET, "/api/me", Some(&cookie), None).await;
    assert_eq!(me.status, StatusCode::OK);
    // The server's time zone, for the app to show every time in it.
    assert_eq!(me.json()["utc_offset_minutes"], 540, "{}", me.json());
    let logout = call(&app, Method::POST, "/api/logout", Some(&cookie), None).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout.set_cookie.is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(
        call(&app, Method::GET, "/api/me", Some(&cookie), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn what_each_role_may_pick() {
    let (app, _) = server("pick");
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let member = sign_in(&app, ("member", "member-pass")).await;

    let periods = call(&app, Method::GET, "/api/periods", Some(&admin), None)
        .await
        .json();
    assert_eq!(ids(&periods), ["2025-h2", "2026-h1", "2026-h2"]);
    assert_eq!(
        periods[0]["importable"], false,
        "the closed period cannot be imported"
    );
    assert_eq!(
        ids(
            &call(&app, Method::GET, "/api/periods", Some(&leader), None)
                .await
                .json()
        ),
        ["2026-h1"]
    );
    assert_eq!(
        call(&app, Method::GET, "/api/periods", Some(&member), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let sheets = call(
        &app,
        Method::GET,
        "/api/periods/2026-h1/sheets",
        Some(&leader),
        None,
    )
    .await
    .json();
    assert_eq!(
        ids(&sheets),
        ["competency", "performance"],
        "only published sheets"
    );
    let out_of_scope = call(
        &app,
        Method::GET,
        "/api/periods/2026-h2/sheets",
        Some(&leader),
        None,
    )
    .await;
    assert_eq!(out_of_scope.status, StatusCode::NOT_FOUND);
    let unpublished = call(
        &app,
        Method::GET,
        "/api/periods/2026-h1/sheets/survey-360/items",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(unpublished.status, StatusCode::NOT_FOUND);

    let items = |cookie: &str| {
        let app = app.clone();
        let cookie = cookie.to_owned();
        async move {
            ids(&call(
                &app,
                Method::GET,
                "/api/periods/2026-h1/sheets/performance/items",
                Some(&cookie),
                None,
            )
            .await
            .json())
        }
    };
    let all = [
        "score_total",
        "goal1_rate",
        "goal1_comment",
        "grade",
        "calibrated",
        "training_done",
    ];
    assert_eq!(items(&admin).await, all, "no evaluation-entry item");
    assert_eq!(
        items(&leader).await,
        [
            "score_total",
            "goal1_rate",
            "goal1_comment",
            "grade",
            "training_done"
        ]
    );
    assert_eq!(
        call(
            &app,
            Method::GET,
            "/api/periods/2026-h1/sheets/performance/items",
            Some(&member),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

/// Demo members `E0001`… in the sales group (leader's scope): indices 0, 1 mod 5.
fn in_sales(index: usize) -> bool {
    index % 5 < 2
}

#[tokio::test]
async fn schema_lists_the_evaluatees_in_scope() {
    let (app, _) = server("schema");
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let path = "/api/periods/2026-h1/sheets/performance/schema";
    let reply = call(&app, Method::GET, path, Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let schema: SheetSchema = serde_json::from_slice(&reply.body).expect("a sheet schema");
    assert_eq!(schema.items.len(), 6);
    assert_eq!(schema.evaluatees.as_ref().map(Vec::len), Some(200));
    assert!(
        schema
            .evaluatees
            .iter()
            .flatten()
            .any(|key| key == "member0010@example.co.jp"),
        "e-mail-only members"
    );

    let schema: SheetSchema = serde_json::from_slice(
        &call(&app, Method::GET, path, Some(&leader), None)
            .await
            .body,
    )
    .expect("schema");
    let expected = (0..200).filter(|&i| in_sales(i)).count();
    assert_eq!(schema.evaluatees.as_ref().map(Vec::len), Some(expected));
    assert_eq!(schema.items.len(), 5);
}

#[tokio::test]
async fn template_holds_the_writable_evaluatees_with_current_values() {
    let (app, _) = server("template");
    let admin = sign_in(&app, DEMO_ADMIN).await;
    let leader = sign_in(&app, DEMO_LEADER).await;
    let path = "/api/periods/2026-h1/sheets/performance/template";

    // Admins may write "calibrated" only after the final evaluation (status
    // index 3 of 4 in the demo), so only those evaluatees are listed.
    let reply = call(
        &app,
        Method::POST,
        path,
        Some(&admin),
        Some(json!({"items": ["score_total", "calibrated"]})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let text = String::from_utf8(reply.body.clone()).expect("UTF-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}version:1,period:2026-h1,sheet:performance"
    );
    assert_eq!(
        lines[1],
        "name,employeenumber_or_email,score_total,calibrated"
    );
    assert_eq!(
        lines[2],
        "【氏名】,(必須)【従業員番号またはメールアドレス】,【業績評価>未設定>総合点】,【総合評価>調整済み】"
    );
    assert_eq!(lines[3], ",,数値,チェックボックス");
    assert_eq!(lines.len() - 5, (0..200).filter(|i| i % 4 == 3).count());
    assert!(
        lines[4].starts_with("佐藤 太郎,E0004,") || lines[4].contains(",E0004,"),
        "{}",
        lines[4]
    );

    // The template validates offline against the schema the browser caches.
    let schema: SheetSchema = serde_json::from_slice(
        &call(
            &app,
            Method::GET,
            "/api/periods/2026-h1/sheets/performance/schema",
            Some(&admin),
            None,
        )
        .await
        .body,
    )
    .expect("schema");
    assert_eq!(validate(&schema, &reply.body).0.status, Status::Ok);

    // Leaders: their groups, statuses where leaders may write.
    let reply = call(
        &app,
        Method::POST,
        path,
        Some(&leader),
        Some(json!({"items": ["score_total"]})),
    )
    .await;
    let text = String::from_utf8(reply.body).expect("UTF-8");
    let expected = (0..200).filter(|&i| in_sales(i) && i % 4 != 3).count();
    assert_eq!(
        text.split("\r\n").filter(|l| !l.is_empty()).count() - 4,
        expected
    );

    let cases = [
        (
            &leader,
            json!({"items": ["calibrated"]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            &admin,
            json!({"items": ["nosuch"]}),
            StatusCode::BAD_REQUEST,
        ),
        (&admin, json!({"items": []}), StatusCode::BAD_REQUEST),
        (
            &admin,
            json!({"items": ["grade", "grade"]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            &admin,
            json!({"items": ["evaluator_entry"]}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (cookie, body, expected) in cases {
        let reply = call(&app, Method::POST, path, Some(cookie), Some(body.clone())).await;
        assert_eq!(reply.status, expected, "{body}");
        assert!(
            reply.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let other = call(
        &app,
        Method::POST,
        "/api/periods/2026-h2/sheets/performance/template",
        Some(&leader),
        Some(json!({"items": ["grade"]})),
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "a leader's other periods do not exist for them"
    );
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let (app, _) = server("openapi");
    let reply = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    // The document is generated from the same route table as the router
    // (`openapi::routes`), so every route is in it; what is checked here is
    // that it is usable: every documented operation reaches a handler, has
    // a summary, and documents each refusal with the one error body.
    // The router and the document agree: every operation the document
    // describes reaches a handler (never the unknown-path answer, never 405).
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let operation = &item[method];
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let reply = call(&app, method.clone(), &concrete, None, None).await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not routed"
            );
            let unknown =
                reply.status == StatusCode::NOT_FOUND && reply.json()["error"] == "not_found";
            assert!(!unknown, "{method} {path} is documented but not routed");
        }
    }
    assert!(operations >= 40, "{operations} operations");
    // Who may call what: the session by default, nothing for sign-in and
    // this document, the batch credentials for the batch API.
    assert_eq!(document["security"], json!([{"session": []}]));
    assert_eq!(
        document["paths"]["/api/login"]["post"]["security"],
        json!([{}])
    );
    assert_eq!(
        document["paths"]["/api/batch/imports/{key}"]["post"]["security"],
        json!([{"bearerToken": []}, {"basicPassword": []}])
    );
    for scheme in ["session", "bearerToken", "basicPassword"] {
        assert!(
            document["components"]["securitySchemes"]
                .get(scheme)
                .is_some(),
            "{scheme}"
        );
    }
}

#[tokio::test]
async fn five_failed_sign_ins_lock_the_login_id_for_a_while() {
    let (app, _) = server("throttle");
    let attempt = |login: &'static str, password: &'static str| {
        let app = app.clone();
        async move {
            call(
                &app,
                Method::POST,
                "/api/login",
                None,
                Some(json!({"login_id": login, "password": password})),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("admin", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            attempt("nobody", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt("admin", DEMO_ADMIN.1).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(locked.set_cookie.is_none());
    assert!(
        locked.json()["retry_after_seconds"]
            .as_u64()
            .is_some_and(|s| (890..=900).contains(&s))
    );
    assert_eq!(
        attempt("nobody", "guess").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "unknown ids lock the same way"
    );
    assert_eq!(
        attempt("leader", DEMO_LEADER.1).await.status,
        StatusCode::OK,
        "other ids are not affected"
    );
}

#[tokio::test]
async fn serves_the_web_app_beside_the_api() {
    let web = std::env::temp_dir().join(format!("sheetlink-test-web-{}", std::process::id()));
    std::fs::create_dir_all(&web).expect("web dir");
    std::fs::write(
        web.join("index.html"),
        r#"<!doctype html><title>app</title><script type="module" nonce="{{__TRUNK NONCE__}}">1</script>"#,
    )
    .expect("index");
    std::fs::write(web.join("worker.js"), "onmessage = () => {};").expect("worker");
    let config = Config {
        web_dir: web.clone(),
        ..Config::default()
    };
    let (app, _) = common::server("api-web", config);
    for path in ["/", "/history/0123", "/template"] {
        let reply = call(&app, Method::GET, path, None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            String::from_utf8_lossy(&reply.body).contains("<title>app</title>"),
            "{path} is the app's page"
        );
    }
    // A fresh nonce per answer, and a policy that allows only it.
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let response = app
            .clone()
            .oneshot(Request::get("/").body(Body::empty()).expect("request"))
            .await
            .expect("responds");
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = String::from_utf8_lossy(&body).into_owned();
        let nonce = body
            .split("nonce=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a nonce")
            .to_owned();
        assert!(nonce.len() >= 32 && !body.contains("TRUNK NONCE"), "{body}");
        assert!(
            policy.contains(&format!("'nonce-{nonce}'"))
                && policy.contains("frame-ancestors 'none'"),
            "{policy}"
        );
        let scripts = policy
            .split(';')
            .find(|directive| directive.trim().starts_with("script-src"))
            .expect("a script-src");
        assert!(!scripts.contains("unsafe-inline"), "{policy}");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1]);
    let worker = call(&app, Method::GET, "/worker.js", None, None).await;
    assert_eq!(worker.status, StatusCode::OK);
    assert!(
        worker
            .content_type
            .as_deref()
            .is_some_and(|t| t.contains("javascript")),
        "{:?}",
        worker.content_type
    );
    let unknown = call(&app, Method::GET, "/api/no-such-thing", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"], "not_found");
    // Without a built app, the API still works and other paths are 404.
    let (api_only, _) = common::server(
        "api-no-web",
        Config {
            web_dir: web.join("missing"),
            ..Config::default()
        },
    );
    assert_eq!(
        call(&api_only, Method::GET, "/", None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let _ = std::fs::remove_dir_all(&web);
}

/// `call` within 20 seconds, or the test fails saying `what` waited.
async fn within<T>(what: &str, call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(20), call)
        .await
        .unwrap_or_else(|_| panic!("{what} waited for the writer"))
}

/// redb has one writer for the whole database, and a large import or revert
/// holds it for seconds: signing in and out, reading the history and the
/// linkage runs must not wait for it (sessions live in a database of their
/// own). The main database's writer is held for the whole test; every
/// request must answer within seconds all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_history_and_sign_out_never_wait_for_the_writer() {
    let (app, store) = server("writer-held");
    let held = store.with_db(|db| db.begin_write().expect("the writer"));
    let cookie = within("sign-in", sign_in(&app, ("admin", DEMO_ADMIN.1))).await;
    let history = within(
        "history",
        call(&app, Method::GET, "/api/imports", Some(&cookie), None),
    )
    .await;
    assert_eq!(history.status, StatusCode::OK);
    let runs = within(
        "linkage runs",
        call(
            &app,
            Method::GET,
            "/api/linkage/runs?sheet=customer",
            Some(&cookie),
            None,
        ),
    )
    .await;
    assert_eq!(runs.status, StatusCode::OK, "{:?}", runs.json());
    let me = within(
        "who am I",
        call(&app, Method::GET, "/api/me", Some(&cookie), None),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    let out = within(
        "sign-out",
        call(&app, Method::POST, "/api/logout", Some(&cookie), None),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = within(
        "who am I after sign-out",
        call(&app, Method::GET, "/api/me", Some(&cookie), None),
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the session ended");
    held.abort().expect("aborts");
}
