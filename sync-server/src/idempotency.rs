//! One idempotency mechanism for every import that may be retried: the
//! evaluation import (key required) and the batch import (key optional).
//!
//! - Keys live in separate namespaces per kind (and per condition for batch
//!   imports), so one kind's key never replays another's result.
//! - The record is written in the same write transaction as what it
//!   protects (the running import record; the batch run), so a crash
//!   between the two cannot make a retry apply twice.
//! - A replay returns the stored result only to a caller allowed to see it;
//!   the caller's handler decides that from the stored result.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::store::Idempotency;

/// The longest accepted `Idempotency-Key`.
pub const MAX_KEY_LEN: usize = 200;

/// What a key protects.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// An evaluation-sheet import.
    Evaluation,
    /// A batch import under the condition with this key.
    Batch {
        /// The import condition's key.
        condition: &'a str,
    },
    /// A manual import into this CRM sheet.
    Manual {
        /// The sheet's id.
        sheet: &'a str,
    },
}

/// A stored idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// SHA-256 of the request body (hex).
    pub body_hash: String,
    /// The import record or batch run it started.
    #[serde(alias = "import_id")]
    pub result_id: String,
}

/// A request's key, checked, with where it is stored.
#[derive(Debug, Clone)]
pub struct Key {
    storage_key: String,
    body_hash: String,
}

/// What a key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Not used before: go ahead and remember it with the result.
    New,
    /// Used for the same body: answer with this stored result.
    Replay(String),
    /// Used for another body.
    Conflict,
}

impl Key {
    /// The key a request sent (`None` when the header is absent), checked:
    /// 1 to [`MAX_KEY_LEN`] visible ASCII characters.
    pub fn from_request(
        tenant: &str,
        scope: Scope<'_>,
        sent: Option<&str>,
        body: &[u8],
    ) -> Result<Option<Key>, AppError> {
        let Some(sent) = sent else { return Ok(None) };
        if sent.is_empty()
            || sent.len() > MAX_KEY_LEN
            || !sent.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(AppError::bad_request(
                "idempotency_key_invalid",
                format!(
                    "Idempotency-Keyは1〜{MAX_KEY_LEN}文字の半角英数字・記号で指定してください。"
                ),
                format!("An Idempotency-Key is 1 to {MAX_KEY_LEN} visible ASCII characters."),
            )
            .with("limit", MAX_KEY_LEN));
        }
        let storage_key = match scope {
            Scope::Evaluation => format!("{tenant}/evaluation/{sent}"),
            Scope::Batch { condition } => format!("{tenant}/batch/{condition}/{sent}"),
            Scope::Manual { sheet } => format!("{tenant}/manual/{sheet}/{sent}"),
        };
        Ok(Some(Key {
            storage_key,
            body_hash: crate::http::body_hash(body),
        }))
    }

    /// The same key, its fingerprint covering `more` too (a manual import's
    /// mapping as well as its file): the same key sent with another mapping
    /// is a conflict, not a replay.
    pub fn also_covering(mut self, more: &[u8]) -> Self {
        let mut both = self.body_hash.into_bytes();
        both.extend_from_slice(more);
        self.body_hash = crate::http::body_hash(&both);
        self
    }

    /// The key of a request that must carry one (`Idempotency-Key`), checked
    /// like [`Key::from_request`]; 400 `idempotency_key_missing` without it.
    pub fn required(
        tenant: &str,
        scope: Scope<'_>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<Key, AppError> {
        Key::from_request(tenant, scope, sent(headers), body)?.ok_or_else(|| {
            AppError::bad_request(
                "idempotency_key_missing",
                format!(
                    "Idempotency-Keyヘッダー（1〜{MAX_KEY_LEN}文字）が必要です。再送しても二重に反映されないよう、インポートごとに新しいキーを付けてください。"
                ),
                format!(
                    "An Idempotency-Key header (1 to {MAX_KEY_LEN} characters) is required: send a new key with each import, so that a retry is applied once."
                ),
            )
        })
    }

    /// The key a request may carry (`None` without the header).
    pub fn optional(
        tenant: &str,
        scope: Scope<'_>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<Option<Key>, AppError> {
        Key::from_request(tenant, scope, sent(headers), body)
    }

    /// Where the key is stored (namespaced by tenant and kind).
    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    /// Whether `remembered` was stored for this request's body (a replay),
    /// not another's (a conflict).
    pub fn fingerprints(&self, remembered: &Remembered) -> bool {
        remembered.body_hash == self.body_hash
    }

    /// What the stored keys say about this request.
    pub fn look_up(&self, store: &impl Idempotency) -> Result<Seen, AppError> {
        Ok(match store.remembered(&self.storage_key)? {
            None => Seen::New,
            Some(stored) if stored.body_hash == self.body_hash => Seen::Replay(stored.result_id),
            Some(_) => Seen::Conflict,
        })
    }

    /// The result a key started, whatever the body: for following an
    /// import by the key its client chose (`None`: not started, or no such
    /// key). The key is checked like a request's.
    pub fn started_by(
        store: &impl Idempotency,
        tenant: &str,
        scope: Scope<'_>,
        sent: &str,
    ) -> Result<Option<String>, AppError> {
        let Some(key) = Key::from_request(tenant, scope, Some(sent), &[])? else {
            return Ok(None);
        };
        Ok(store
            .remembered(&key.storage_key)?
            .map(|stored| stored.result_id))
    }

    /// Where the key is stored and what to store with `result_id`: for the
    /// `remember` of the transaction that writes the result.
    pub fn record(&self, result_id: &str) -> (&str, Remembered) {
        (
            &self.storage_key,
            Remembered {
                body_hash: self.body_hash.clone(),
                result_id: result_id.to_owned(),
            },
        )
    }
}

/// The `Idempotency-Key` header as sent (a value that is not text is kept
/// as one the check refuses).
fn sent(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// The 409 answer to a key used for another file (or by somebody whose
/// result the caller may not see: the two look alike on purpose).
pub fn conflict() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    AppError::conflict(
        "idempotency_conflict",
        "このIdempotency-Keyは別のファイルで使われています。新しいインポートには新しいキーを使ってください。",
        "This Idempotency-Key was used for another file. Use a new key for a new import.",
    )
    .into_response()
}
