//! Calling the router as a browser would: JSON or CSV bodies, the session
//! cookie, and the answer's status, cookie and JSON.

// Each test crate includes `common` and uses a part of these helpers.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// An answer: status, the session cookie it set, its JSON (`Null` when the
/// body is not JSON) and its bytes.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) cookie: Option<String>,
    pub(crate) body: Value,
    pub(crate) bytes: Vec<u8>,
}

/// Sends `body` as `content_type`, with the session `cookie`.
pub(crate) async fn send(
    app: &Router,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    send_with(app, method, path, cookie, &[], body).await
}

/// [`send`] with more headers.
pub(crate) async fn send_with(
    app: &Router,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let body = match body {
        Some((content_type, bytes)) => {
            request = request.header(CONTENT_TYPE, content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let mut request = request.body(body).expect("request");
    // The peer the server sees (the batch API checks it): a documentation
    // address, as a connection would give it.
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [198, 51, 100, 1],
            40000,
        ))));
    let response = app.clone().oneshot(request).await.expect("responds");
    let status = response.status();
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        cookie,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        bytes,
    }
}

/// Sends `body` as JSON.
pub(crate) async fn call(
    app: &Router,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let body = body.map(|json| ("application/json", json.to_string().into_bytes()));
    send(app, method, path, cookie, body).await
}

/// Signs in (`tenant` may be left out on a server with one tenant).
pub(crate) async fn sign_in(
    app: &Router,
    tenant: Option<&str>,
    login: &str,
    password: &str,
) -> Reply {
    call(
        app,
        Method::POST,
        "/api/login",
        None,
        Some(json!({"tenant": tenant, "login_id": login, "password": password})),
    )
    .await
}

/// The session cookie of a sign-in that must work.
pub(crate) async fn cookie_of(
    app: &Router,
    tenant: Option<&str>,
    login: &str,
    password: &str,
) -> String {
    let reply = sign_in(app, tenant, login, password).await;
    assert_eq!(reply.status, StatusCode::OK, "{login}: {}", reply.body);
    reply.cookie.expect("a session cookie")
}

/// The token of a set-up link (`…/setup#TOKEN`).
pub(crate) fn token_of(link: &Value) -> String {
    let url = link["url"].as_str().expect("a shown link");
    url.rsplit_once("/setup#")
        .expect("a set-up link")
        .1
        .to_owned()
}

/// Uses a set-up link with `password`; returns the session cookie.
pub(crate) async fn set_up(app: &Router, link: &Value, password: &str) -> String {
    let reply = call(
        app,
        Method::POST,
        "/api/setup",
        None,
        Some(json!({"token": token_of(link), "password": password})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.cookie.expect("signed in")
}

/// Calls the batch API as the client does: the token, and a CSV body to
/// `POST` (an import) or none to `GET` (an export).
pub(crate) async fn batch(app: &Router, token: &str, path: &str, body: Option<Vec<u8>>) -> Reply {
    let auth = format!("Bearer {token}");
    let method = if body.is_some() {
        Method::POST
    } else {
        Method::GET
    };
    send_with(
        app,
        method,
        path,
        None,
        &[("Authorization", auth.as_str())],
        body.map(|bytes| ("text/csv", bytes)),
    )
    .await
}
