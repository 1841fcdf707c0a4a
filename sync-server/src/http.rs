//! Request and answer plumbing shared by both APIs: the CSV body (size
//! limit, gzip, no copy), downloads, and the client's address.

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use sheetlink_engine::evaluation::MAX_FILE_BYTES;
use std::net::{IpAddr, SocketAddr};

use crate::error::AppError;

/// The content type of every CSV we write in UTF-8.
pub const CSV_UTF8: &str = "text/csv; charset=utf-8";

/// 413 for an upload over `limit` bytes (a file: 30 MB), saying what to do.
pub fn too_large(limit: usize) -> AppError {
    AppError::too_large(
        "ファイルサイズの上限は30MBです。ファイルを分けてアップロードしてください。",
        "The file must be at most 30 MB. Split it into several files.",
        limit as u64,
    )
}

/// Reads the CSV body: refused with 413 from its `Content-Length` before a
/// byte is read when it says too much, and while reading otherwise; a gzip
/// body is inflated up to the same limit.
pub async fn read_csv(headers: &HeaderMap, body: axum::body::Body) -> Result<Bytes, Response> {
    let limit = MAX_FILE_BYTES;
    let too_large = || too_large(limit).into_response();
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
            AppError::bad_request(
                "upload_incomplete",
                "アップロードが途中で終わりました（送信されたデータがContent-Lengthより短い、または接続が切れました）。もう一度アップロードしてください。",
                "The upload ended early (fewer bytes than its Content-Length, or the connection broke); upload the file again.",
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
    // Every member of a gzip stream (concatenated `.gz` files are one
    // valid stream), within the same inflated bound.
    flate2::read::MultiGzDecoder::new(&raw[..])
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| {
            AppError::bad_request(
                "gzip_corrupt",
                "gzipで圧縮されたデータが壊れています（途中で切れているか、gzipではありません）。圧縮し直すか、圧縮せずに送ってください。",
                "The gzip body is corrupt (cut short, or not gzip). Compress it again, or send it uncompressed.",
            )
            .into_response()
        })?;
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
/// then `X-Forwarded-For` walked from the right past every trusted proxy
/// (see [`crate::forwarded::client_address`]).
pub fn client_ip(
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    trusted_proxies: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer.map(|ConnectInfo(address)| address.ip().to_canonical())?;
    let client = crate::forwarded::client_address(
        headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|value| value.as_bytes()),
        peer,
        |hop| {
            trusted_proxies
                .iter()
                .any(|net| net.contains(&hop.to_canonical()))
        },
    );
    Some(client.to_canonical())
}

/// A JSON request body, refused with the one error body: 415 without a JSON
/// content type, 400 for bad syntax, 422 for the wrong shape (a missing or
/// duplicate field, a wrong type), 413 over the route's size limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => AppError::refuse(
                    axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "json_expected",
                    "JSON（Content-Type: application/json）で送ってください。",
                    "Send JSON (Content-Type: application/json).",
                ),
                JsonRejection::JsonSyntaxError(error) => AppError::bad_request(
                    "json_syntax",
                    format!("JSONの書き方が正しくありません: {}", error.body_text()),
                    format!("The JSON is not well-formed: {}", error.body_text()),
                ),
                JsonRejection::JsonDataError(error) => AppError::refuse(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "json_shape",
                    format!(
                        "JSONの項目が正しくありません（不足・重複・型の違い）: {}",
                        error.body_text()
                    ),
                    format!(
                        "The JSON has the wrong fields (missing, repeated or of the wrong type): {}",
                        error.body_text()
                    ),
                ),
                JsonRejection::BytesRejection(_) => AppError::refuse(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "送信されたデータが大きすぎるか、途中で切れています。",
                    "The request body is too large, or was cut short.",
                ),
                other => AppError::bad_request(
                    "json_invalid",
                    format!("JSONを読めません: {}", other.body_text()),
                    format!("The JSON cannot be read: {}", other.body_text()),
                ),
            }),
        }
    }
}

/// Query parameters, refused with the one error body (400) when they do not
/// parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryParams<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for QueryParams<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(AppError::bad_request(
                "query_invalid",
                format!(
                    "URLのパラメーターが正しくありません: {}",
                    rejection.body_text()
                ),
                format!("The URL's parameters are wrong: {}", rejection.body_text()),
            )),
        }
    }
}
