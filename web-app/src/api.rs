//! The server's JSON API, typed. Every call goes to the same origin, with the
//! session cookie; the server checks every permission again.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::i18n::Lang;

pub use sheetlink_protocol::evaluation::{
    CellAction, ChangesPage, DryRun, HistoryLine, ImportAnswer, ImportDetails,
    ImportError as ServerError, ImportStatus, Reverted,
};
pub use sheetlink_protocol::session::{Me, RoleName};
pub use sheetlink_protocol::{Counts, ErrorBody};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer at all: the network or the server is down.
    Offline,
    /// The server refused, with its one error body (code, the message in
    /// both languages, details).
    Status {
        /// HTTP status.
        status: u16,
        /// What the server said.
        body: Box<ErrorBody>,
    },
    /// The answer was not what this app expects (a version mismatch).
    Unexpected(String),
}

impl ApiError {
    /// What to show the user, in their language only.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ApiError::Offline => lang
                .pick(
                    "サーバーに接続できません。ネットワークを確認してください。",
                    "The server cannot be reached. Check the network.",
                )
                .to_owned(),
            ApiError::Status { body, .. } => body.message_in(lang == Lang::En).to_owned(),
            ApiError::Unexpected(what) => format!(
                "{} {what}",
                lang.pick(
                    "サーバーの応答を読めませんでした。",
                    "The server's answer could not be read."
                )
            ),
        }
    }
}

/// In English, for logs; screens use [`ApiError::describe`].
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// So that a failed load can be thrown to the nearest `<ErrorBoundary>`
/// (see `components::Loader`), which shows it in the chosen language.
impl std::error::Error for ApiError {}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|e| ApiError::Unexpected(e.to_string()))?;
    let response = request.send().await.map_err(|_| {
        crate::network::unreachable();
        ApiError::Offline
    })?;
    crate::network::answered();
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    // Every refusal of the server is an ErrorBody; anything else (a proxy's
    // page) is said in a sentence of our own, never shown as it came.
    let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| ErrorBody {
        error: format!("http_{status}"),
        message: "サーバーが予期しない応答を返しました。しばらくしてからもう一度お試しください。続く場合は管理者に連絡してください。".to_owned(),
        message_en: "The server gave an unexpected answer. Try again in a moment; if it keeps happening, tell your administrator.".to_owned(),
        details: Default::default(),
    });
    Err(ApiError::Status {
        status,
        body: Box::new(body),
    })
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response
        .json()
        .await
        .map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// `GET path`, decoded.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(send(Request::get(path).build()).await?).await
}

/// `GET path` as text (e.g. a schema to keep for offline use).
pub async fn get_text(path: &str) -> Result<String, ApiError> {
    send(Request::get(path).build())
        .await?
        .text()
        .await
        .map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// `POST path` with a JSON body, decoded.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    json(send(Request::post(path).json(body)).await?).await
}

/// `POST path` with a JSON body; the answer's bytes (a file).
pub async fn post_for_bytes<B: Serialize>(path: &str, body: &B) -> Result<Vec<u8>, ApiError> {
    send(Request::post(path).json(body))
        .await?
        .binary()
        .await
        .map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// `PUT path` with a JSON body, decoded.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    json(send(Request::put(path).json(body)).await?).await
}

/// `PATCH path` with a JSON body, decoded.
pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    json(send(Request::patch(path).json(body)).await?).await
}

/// `GET path`; the answer's bytes (a file).
pub async fn get_bytes(path: &str) -> Result<Vec<u8>, ApiError> {
    send(Request::get(path).build())
        .await?
        .binary()
        .await
        .map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// `POST path` (its query included) with a CSV file as the body, decoded.
pub async fn post_csv<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
) -> Result<T, ApiError> {
    let body: &wasm_bindgen::JsValue = file.as_ref();
    json(
        send(
            Request::post(path)
                .header("Content-Type", "text/csv")
                .body(body.clone()),
        )
        .await?,
    )
    .await
}

/// `DELETE path`.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    send(Request::delete(path).build()).await.map(|_| ())
}

/// `DELETE path`, the answer decoded.
pub async fn delete_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(send(Request::delete(path).build()).await?).await
}

/// `POST path` with no body, decoded.
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(send(Request::post(path).build()).await?).await
}

/// How a file is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload<'a> {
    /// `?dry_run=true`: checked and planned, nothing applied.
    DryRun,
    /// Applied; retries with the same key apply once.
    Apply {
        /// The `Idempotency-Key`.
        idempotency_key: &'a str,
    },
}

/// `POST path` with a file as the body (streamed by the browser from disk,
/// never copied into this page's memory), decoded.
pub async fn post_file<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
    upload: Upload<'_>,
) -> Result<T, ApiError> {
    // The file's name goes with it, for the history.
    let mut builder: RequestBuilder = Request::post(path)
        .header("Content-Type", "text/csv")
        .query([("file_name", file.name())]);
    builder = match upload {
        Upload::DryRun => builder.query([("dry_run", "true")]),
        Upload::Apply { idempotency_key } => builder.header("Idempotency-Key", idempotency_key),
    };
    let body: &wasm_bindgen::JsValue = file.as_ref();
    json(send(builder.body(body.clone())).await?).await
}

/// `POST path` as `multipart/form-data` with a `mapping` part (JSON) and a
/// `file` part (`bytes`, named `file_name`), dry run or applied, decoded.
/// The browser writes the boundary.
pub async fn post_mapped_file<T: DeserializeOwned>(
    path: &str,
    mapping: &str,
    bytes: &[u8],
    file_name: &str,
    upload: Upload<'_>,
) -> Result<T, ApiError> {
    let unexpected = |e: wasm_bindgen::JsValue| ApiError::Unexpected(format!("{e:?}"));
    let form = web_sys::FormData::new().map_err(unexpected)?;
    form.append_with_str("mapping", mapping)
        .map_err(unexpected)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(unexpected)?;
    form.append_with_blob_and_filename("file", &blob, file_name)
        .map_err(unexpected)?;
    let builder = match upload {
        Upload::DryRun => Request::post(path).query([("dry_run", "true")]),
        Upload::Apply { idempotency_key } => {
            Request::post(path).header("Idempotency-Key", idempotency_key)
        }
    };
    json(send(builder.body(wasm_bindgen::JsValue::from(form))).await?).await
}

pub use sheetlink_protocol::org::{
    ItemView as Item, PeriodView as Period, SheetView as Sheet, TemplateRequest,
};
pub use sheetlink_protocol::session::LoginRequest;

/// Percent-encodes a path segment (ids are ASCII, but never trust that).
pub fn segment(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// A fresh idempotency key for one upload (a retry of the same upload
/// reuses it, so the server applies the file once).
pub fn new_idempotency_key() -> String {
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| format!("web-{}", js_sys::Date::now() as u64))
}
