//! The one body of every refusal the API answers.

use serde::{Deserialize, Serialize};

/// Every refusal: a stable code for programs, the message in Japanese and
/// in English (each says what is wrong and what to do), and details where
/// they help, beside them (`retry_after_seconds`, `limit`, `cells`,
/// `conflicts`, `problems`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The stable code (`too_large`, `period_closed`, …).
    pub error: String,
    /// What is wrong and what to do, in Japanese.
    pub message: String,
    /// The same in English.
    #[serde(default)]
    pub message_en: String,
    /// Details: the cells concerned, the limit, when to retry.
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ErrorBody {
    /// The message in the reader's language: Japanese unless `english`.
    pub fn message_in(&self, english: bool) -> &str {
        if english && !self.message_en.is_empty() {
            &self.message_en
        } else {
            &self.message
        }
    }
}
