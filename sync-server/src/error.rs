//! The one error type of the handlers. Every refusal is answered with the
//! protocol's [`ErrorBody`]: a stable code, the message in Japanese and in
//! English, and details (the limit, when to retry, the cells concerned).
//! Internals are logged, never sent.

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use sheetlink_protocol::ErrorBody;

/// Text in both languages.
pub type Text = Cow<'static, str>;

/// A message in both languages, for checks whose callers decide the answer
/// (`Display` writes both, for logs and start-up errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilingual {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// Both texts.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Bilingual {
            ja: ja.into(),
            en: en.into(),
        }
    }

    /// As a 400 with `code`.
    pub fn bad_request(self, code: &'static str) -> AppError {
        AppError::bad_request(code, self.ja, self.en)
    }
}

impl std::fmt::Display for Bilingual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.ja, self.en)
    }
}

/// What a handler can fail with.
#[derive(Debug)]
pub enum AppError {
    /// 401: not signed in, or the session expired.
    Unauthorized,
    /// A refusal: its status, code, messages and details.
    Refused(Box<Refusal>),
    /// 500: a bug or a broken disk; details are logged only.
    Internal(String),
}

/// A refusal the caller can act on.
#[derive(Debug)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code.
    pub code: &'static str,
    /// Japanese.
    pub ja: Text,
    /// English.
    pub en: Text,
    /// Details beside the messages.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl AppError {
    /// Wraps an internal failure, logging it.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        AppError::Internal(error.to_string())
    }

    /// A refusal with `status`.
    pub fn refuse(
        status: StatusCode,
        code: &'static str,
        ja: impl Into<Text>,
        en: impl Into<Text>,
    ) -> Self {
        AppError::Refused(Box::new(Refusal {
            status,
            code,
            ja: ja.into(),
            en: en.into(),
            details: serde_json::Map::new(),
        }))
    }

    /// 400: the request itself is wrong.
    pub fn bad_request(code: &'static str, ja: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::refuse(StatusCode::BAD_REQUEST, code, ja, en)
    }

    /// 400 saying every problem, one per line, in each language.
    pub fn bad_request_lines<T>(
        code: &'static str,
        problems: &[T],
        message: impl Fn(&T, sheetlink_engine::Lang) -> String,
    ) -> Self {
        let lines = |lang| {
            problems
                .iter()
                .map(|p| message(p, lang))
                .collect::<Vec<_>>()
                .join("\n")
        };
        Self::bad_request(
            code,
            lines(sheetlink_engine::Lang::Ja),
            lines(sheetlink_engine::Lang::En),
        )
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden(code: &'static str, ja: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::refuse(StatusCode::FORBIDDEN, code, ja, en)
    }

    /// 404: no such thing (or not visible to the caller).
    pub fn not_found(code: &'static str, ja: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::refuse(StatusCode::NOT_FOUND, code, ja, en)
    }

    /// 409: not possible in the current state (the message says what to do).
    pub fn conflict(code: &'static str, ja: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::refuse(StatusCode::CONFLICT, code, ja, en)
    }

    /// 413: over a size limit of `limit` bytes.
    pub fn too_large(ja: impl Into<Text>, en: impl Into<Text>, limit: u64) -> Self {
        Self::refuse(StatusCode::PAYLOAD_TOO_LARGE, "too_large", ja, en).with("limit", limit)
    }

    /// 429: try again in `seconds` (also sent as `Retry-After`).
    pub fn too_many(
        code: &'static str,
        ja: impl Into<Text>,
        en: impl Into<Text>,
        seconds: u64,
    ) -> Self {
        Self::refuse(StatusCode::TOO_MANY_REQUESTS, code, ja, en)
            .with("retry_after_seconds", seconds)
    }

    /// Adds a detail beside the messages.
    pub fn with(mut self, name: &str, value: impl serde::Serialize) -> Self {
        if let AppError::Refused(refusal) = &mut self {
            refusal.details.insert(
                name.to_owned(),
                serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
            );
        }
        self
    }

    /// The body this error answers.
    pub fn body(&self) -> (StatusCode, ErrorBody) {
        let (status, code, ja, en, details) = match self {
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "ログインしてください（セッションがないか、期限が切れています）。",
                "Sign in first (there is no session, or it has expired).",
                serde_json::Map::new(),
            ),
            AppError::Refused(refusal) => (
                refusal.status,
                refusal.code,
                &*refusal.ja,
                &*refusal.en,
                refusal.details.clone(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "サーバーで問題が起きました。しばらくしてからもう一度お試しください。続く場合は管理者に連絡してください。",
                "Something went wrong on the server. Try again in a while; if it goes on, tell the administrator.",
                serde_json::Map::new(),
            ),
        };
        (
            status,
            ErrorBody {
                error: code.to_owned(),
                message: ja.to_owned(),
                message_en: en.to_owned(),
                details,
            },
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(detail) => write!(f, "internal error: {detail}"),
            other => {
                let (status, body) = other.body();
                write!(f, "{} {}: {}", status.as_u16(), body.error, body.message_en)
            }
        }
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, body) = self.body();
        let retry = body
            .details
            .get("retry_after_seconds")
            .and_then(serde_json::Value::as_u64);
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry
            && let Ok(value) = seconds.to_string().parse()
        {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }
}
