//! Every route of the OpenAPI document (the router's other half), as a
//! signed-in admin: none reads an unbounded body — each is sent an endless
//! one (JSON, CSV, or a multipart part whose headers never end) and the
//! bytes the server pulls are counted, never more than the largest upload
//! limit —, and no answer may be stored by a browser or proxy.

mod common;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{Method, Request};
use serde_json::Value;
use sheetlink_server::Config;
use sheetlink_server::openapi::MAX_UPLOAD_BODY_BYTES;
use sheetlink_server::seed::DEMO_ADMIN;
use tower::ServiceExt as _;

/// Sends `prefix`, then filler, a megabyte at a time, until `total` bytes,
/// counting what was pulled.
struct Flood {
    prefix: Option<Bytes>,
    left: usize,
    pulled: Arc<AtomicUsize>,
}

const CHUNK: usize = 1 << 20;

impl http_body::Body for Flood {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let chunk = match self.prefix.take() {
            Some(prefix) => prefix,
            None if self.left == 0 => return Poll::Ready(None),
            None => Bytes::from(vec![b'a'; CHUNK.min(self.left)]),
        };
        self.left = self.left.saturating_sub(chunk.len());
        self.pulled.fetch_add(chunk.len(), Ordering::SeqCst);
        Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
    }
}

#[tokio::test]
async fn no_route_reads_an_unbounded_body() {
    let (app, _) = common::server("body-limits", Config::default());
    let cookie = common::http::cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let document: Value = serde_json::from_str(sheetlink_server::openapi::json()).expect("JSON");
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, operations) in paths {
        // Path parameters get a plausible value: the handler may look it up
        // before or after reading the body; either way it must be bounded.
        let uri = path
            .replace("{sheet}", "customer")
            .replace("{period}", "2026-h1")
            .split('{')
            .enumerate()
            .map(|(n, part)| match (n, part.split_once('}')) {
                (0, _) => part.to_owned(),
                (_, Some((_, rest))) => format!("x{rest}"),
                (_, None) => part.to_owned(),
            })
            .collect::<String>();
        for (method, operation) in operations.as_object().expect("operations") {
            let content = operation["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.keys().next().cloned())
                .unwrap_or_else(|| "application/json".to_owned());
            let (content_type, prefix) = if content == "multipart/form-data" {
                (
                    "multipart/form-data; boundary=B".to_owned(),
                    // A part whose headers never end.
                    Bytes::from_static(
                        b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Endless: ",
                    ),
                )
            } else {
                (content.clone(), Bytes::from_static(b"{\"a\": \""))
            };
            let pulled = Arc::new(AtomicUsize::new(0));
            let body = Flood {
                prefix: Some(prefix),
                left: 2 * MAX_UPLOAD_BODY_BYTES,
                pulled: Arc::clone(&pulled),
            };
            let request = Request::builder()
                .method(
                    Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("a method"),
                )
                .uri(&uri)
                .header("content-type", content_type)
                .header("cookie", &cookie)
                .body(Body::new(body))
                .expect("a request");
            let answer = app.clone().oneshot(request).await.expect("an answer");
            assert_eq!(
                answer
                    .headers()
                    .get("cache-control")
                    .and_then(|v| v.to_str().ok()),
                Some("no-store"),
                "{method} {path} ({})",
                answer.status()
            );
            let pulled = pulled.load(Ordering::SeqCst);
            assert!(
                pulled <= MAX_UPLOAD_BODY_BYTES + CHUNK,
                "{method} {path} read {pulled} bytes of an endless body ({})",
                answer.status()
            );
            // A route that takes a body refuses this one; the others never
            // read it.
            assert!(
                operation.get("requestBody").is_none() || !answer.status().is_success(),
                "{method} {path} accepted an endless body"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} routes");
}
