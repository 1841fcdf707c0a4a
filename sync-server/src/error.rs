//! The one error type of the handlers: a status and a public message;
//! internals are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What a handler can fail with.
#[derive(Debug)]
pub enum AppError {
    /// 401: not signed in, or the session expired.
    Unauthorized,
    /// 403: signed in, but not allowed.
    Forbidden(&'static str),
    /// 404: no such thing (or not visible to the caller).
    NotFound(&'static str),
    /// 400: the request itself is wrong.
    BadRequest(String),
    /// 409: the request cannot be honoured in the server's current state
    /// (the message says what to set up first).
    Conflict(String),
    /// 500: a bug or a broken disk; details are logged only.
    Internal(String),
}

impl AppError {
    /// Wraps an internal failure, logging it.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Sign in first.".to_owned(),
            ),
            AppError::Forbidden(what) => (StatusCode::FORBIDDEN, "forbidden", what.to_owned()),
            AppError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", what.to_owned()),
            AppError::BadRequest(message) => (StatusCode::BAD_REQUEST, "bad_request", message),
            AppError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on the server.".to_owned(),
                )
            }
        };
        (status, Json(json!({ "error": code, "message": message }))).into_response()
    }
}
