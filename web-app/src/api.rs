//! The server's JSON API, typed. Every call goes to the same origin, with the
//! session cookie; the server checks every permission again.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer at all: the network or the server is down.
    Offline,
    /// The server answered with an error status and (usually) a message.
    Status {
        /// HTTP status.
        status: u16,
        /// The server's `message`, or the body.
        message: String,
    },
    /// The answer was not what this app expects (a version mismatch).
    Unexpected(String),
}

impl ApiError {
    /// What to show the user.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ApiError::Offline => lang
                .pick(
                    "サーバーに接続できません。ネットワークを確認してください。",
                    "The server cannot be reached. Check the network.",
                )
                .to_owned(),
            ApiError::Status { status: 401, .. } => lang
                .pick(
                    "ログインしてください（セッションが切れています）。",
                    "Please sign in (the session has ended).",
                )
                .to_owned(),
            ApiError::Status {
                status: 403,
                message,
            } => format!(
                "{} {message}",
                lang.pick("この操作は許可されていません。", "Not allowed.")
            ),
            ApiError::Status { status, message } => format!("{message} (HTTP {status})"),
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

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
}

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
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<ErrorBody>(&body)
        .map(|e| e.message)
        .unwrap_or(body);
    Err(ApiError::Status { status, message })
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

/// `DELETE path`.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    send(Request::delete(path).build()).await.map(|_| ())
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
    let mut builder: RequestBuilder = Request::post(path).header("Content-Type", "text/csv");
    builder = match upload {
        Upload::DryRun => builder.query([("dry_run", "true")]),
        Upload::Apply { idempotency_key } => builder.header("Idempotency-Key", idempotency_key),
    };
    let body: &wasm_bindgen::JsValue = file.as_ref();
    json(send(builder.body(body.clone())).await?).await
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Me {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `admin`, `leader` or `member`.
    pub role: String,
}

/// Sign-in form.
#[derive(Debug, Serialize)]
pub struct Login<'a> {
    /// Login id.
    pub login_id: &'a str,
    /// Password.
    pub password: &'a str,
}

/// An evaluation period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Period {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether imports are accepted.
    pub importable: bool,
}

/// A published sheet.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sheet {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// An importable item.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Item {
    /// Id.
    pub id: String,
    /// `【Block>Item】`.
    pub caption: String,
    /// `number`, `text`, `dropdown` or `checkbox`.
    #[serde(rename = "type")]
    pub item_type: String,
}

/// Template request.
#[derive(Debug, Serialize)]
pub struct TemplateRequest<'a> {
    /// Item ids.
    pub items: &'a [String],
}

/// Counts of an import or a dry run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Counts {
    /// Evaluatee rows read.
    pub rows_in: u32,
    /// Evaluatees whose sheet gets its first values.
    pub created: u32,
    /// Evaluatees with changed cells.
    pub updated: u32,
    /// Evaluatees with nothing to change.
    pub unchanged: u32,
    /// Rows skipped (e.g. a status that forbids writing).
    pub skipped: u32,
    /// Rows with errors.
    pub failed: u32,
}

/// An error the server found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServerError {
    /// Row, when it concerns one.
    pub row: Option<u32>,
    /// Column, when it concerns one.
    pub column: Option<u32>,
    /// Excel's letter of the column.
    pub column_letter: Option<String>,
    /// Stable code.
    pub code: String,
    /// Japanese message.
    pub message: String,
    /// English message.
    pub message_en: String,
}

/// One cell a dry run would change.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CellChange {
    /// Item id.
    pub item: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// Value now.
    pub old: Option<String>,
    /// Value after the import.
    pub new: Option<String>,
}

/// What a dry run would do to one evaluatee.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EvaluateePlan {
    /// Row in the file.
    pub row: u32,
    /// Evaluatee key.
    pub key: String,
    /// `create`, `update`, `unchanged`, `skipped` or `failed`.
    pub outcome: String,
    /// Changed cells.
    pub changes: Vec<CellChange>,
    /// Cells that stay as they are.
    pub unchanged_cells: u32,
}

/// Cell totals of a dry run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CellTotals {
    /// Cells that get a first value.
    pub create: u32,
    /// Cells that change.
    pub update: u32,
    /// Cells a blank deletes.
    pub delete: u32,
    /// Cells that stay.
    pub unchanged: u32,
}

/// Per evaluatee of a dry run, as parallel arrays.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EvaluateeTotals {
    /// File rows.
    pub row: Vec<u32>,
    /// Keys.
    pub key: Vec<String>,
    /// `created`, `updated` or `unchanged`.
    pub outcome: Vec<String>,
    /// Cells created.
    pub create: Vec<u32>,
    /// Cells updated.
    pub update: Vec<u32>,
    /// Cells deleted.
    pub delete: Vec<u32>,
    /// Cells unchanged.
    pub unchanged: Vec<u32>,
}

/// A page of a dry run's changed cells.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ChangesPage {
    /// Evaluatees with changes, in file order.
    pub evaluatees: Vec<EvaluateePlan>,
    /// The row to ask for the next page after; `None` on the last page.
    pub next_after: Option<u32>,
}

/// The server's dry run: every total, the first errors, the first page of
/// changed cells (more with `GET /api/dry-runs/{id}?after=ROW`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DryRun {
    /// The plan's id, for its pages.
    pub id: String,
    /// What the import would end as.
    pub status: String,
    /// Evaluatee counts.
    pub counts: Counts,
    /// Cell counts.
    pub cells: CellTotals,
    /// Per evaluatee.
    pub evaluatees: EvaluateeTotals,
    /// The first errors found by the server.
    pub errors: Vec<ServerError>,
    /// Errors per code, exactly.
    #[serde(default)]
    pub error_totals: std::collections::BTreeMap<String, u32>,
    /// Whether more errors exist than are listed.
    #[serde(default)]
    pub errors_truncated: bool,
    /// The first page of changed cells.
    pub changes: ChangesPage,
}

/// An import as recorded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportRecord {
    /// Id.
    pub id: String,
    /// Period id.
    pub period: String,
    /// Sheet id.
    pub sheet: String,
    /// Operator's name.
    pub operator_name: String,
    /// Start, seconds since the epoch.
    pub started_at: u64,
    /// End.
    pub ended_at: Option<u64>,
    /// `running`, `completed`, `completed_with_errors`, `all_failed`,
    /// `aborted`, `timed_out` or `interrupted`.
    pub status: String,
    /// Counts.
    pub counts: Counts,
    /// The first 1,000 errors.
    pub errors: Vec<ServerError>,
    /// Errors per code, exactly.
    #[serde(default)]
    pub error_totals: std::collections::BTreeMap<String, u32>,
    /// Whether more errors exist than are listed.
    #[serde(default)]
    pub errors_truncated: bool,
    /// When it was reverted.
    pub reverted_at: Option<u64>,
}

/// Progress of a running import.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Progress {
    /// Evaluatees done.
    pub done: u32,
    /// Evaluatees in all.
    pub total: u32,
}

/// `GET /api/imports/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportDetails {
    /// The record.
    pub import: ImportRecord,
    /// Progress while running.
    pub progress: Option<Progress>,
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HistoryLine {
    /// Import id.
    pub id: String,
    /// Status.
    pub status: String,
    /// Period name.
    pub period_name: String,
    /// Sheet name.
    pub sheet_name: String,
    /// Start.
    pub started_at: u64,
    /// End.
    pub ended_at: Option<u64>,
    /// Who ran it.
    pub operator_name: String,
}

/// The answer to a revert.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Reverted {
    /// Cells restored.
    pub restored_cells: u64,
}

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
