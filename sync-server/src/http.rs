//! Request and answer plumbing shared by both APIs: the CSV body (size
//! limit, gzip, no copy), downloads, and the client's address.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use sheetlink_engine::evaluation::MAX_FILE_BYTES;
use std::net::{IpAddr, SocketAddr};

use crate::error::AppError;

/// The content type of every CSV we write in UTF-8.
pub const CSV_UTF8: &str = "text/csv; charset=utf-8";

/// Reads the CSV body: refused with 413 from its `Content-Length` before a
/// byte is read when it says too much, and while reading otherwise; a gzip
/// body is inflated up to the same limit.
pub async fn read_csv(headers: &HeaderMap, body: axum::body::Body) -> Result<Bytes, Response> {
    let limit = MAX_FILE_BYTES;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(serde_json::json!({
                "error": "too_large",
                "message": "ファイルサイズの上限は30MBです。 The file must be at most 30 MB.",
            })),
        )
            .into_response()
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let raw = axum::body::to_bytes(body, limit).await.map_err(|error| {
        if is_length_limit(&error) {
            too_large()
        } else {
            // The client stopped sending before its Content-Length (or the
            // connection broke): nothing of the body is used.
            AppError::BadRequest(
                "アップロードが途中で終わりました（送信されたデータがContent-Lengthより短い、または接続が切れました）。もう一度アップロードしてください。 The upload ended early (fewer bytes than its Content-Length, or the connection broke); upload the file again."
                    .into(),
            )
            .into_response()
        }
    })?;
    let gzip = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    if !gzip {
        // The body as received: no copy of up to 30 MB.
        return Ok(raw);
    }
    use std::io::Read as _;
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| AppError::BadRequest("The gzip body is corrupt.".into()).into_response())?;
    if inflated.len() > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(inflated))
}

/// Whether reading a body failed because it was longer than allowed.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// SHA-256 of a body, hex (what an idempotency key remembers).
pub fn body_hash(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A download: `body` as `content_type`, saved as `file_name` (characters
/// a header cannot carry, quotes and backslashes become `_`).
pub fn attachment(content_type: &str, file_name: &str, body: impl Into<Body>) -> Response {
    let safe: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let mut response = Response::new(body.into());
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
        .headers_mut()
        .insert(CONTENT_DISPOSITION, disposition);
    response
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy —
/// then the right-most `X-Forwarded-For` entry (see [`crate::forwarded`]).
pub fn client_ip(
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    trusted_proxies: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer.map(|ConnectInfo(address)| address.ip().to_canonical())?;
    if !trusted_proxies.iter().any(|net| net.contains(&peer)) {
        return Some(peer);
    }
    let last = crate::forwarded::right_most(
        headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|value| value.as_bytes()),
    );
    Some(last.map_or(peer, |ip| ip.to_canonical()))
}
