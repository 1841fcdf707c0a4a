//! The engine's error type, for failures that stop a whole job.
//!
//! Problems *in a file* are not errors: they are [`crate::Diagnostic`]s in a
//! report. An [`Error`] means the caller asked for something impossible.

use std::fmt;

/// Why the engine could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A template was asked for with no items.
    NoItems,
    /// A template was asked for with more than 1,000 items.
    TooManyItems(usize),
    /// A template was asked for an item the schema does not have.
    UnknownItem(String),
    /// A template was asked for the same item twice.
    DuplicateItem(String),
    /// A template row has another number of values than there are items.
    ValueCount {
        /// The evaluatee key of the row.
        key: String,
        /// Number of items.
        expected: usize,
        /// Number of values given.
        found: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoItems => write!(f, "a template needs at least one item"),
            Error::TooManyItems(count) => {
                write!(
                    f,
                    "a template holds at most 1,000 items, {count} were asked for"
                )
            }
            Error::UnknownItem(id) => write!(f, "the sheet has no importable item {id:?}"),
            Error::DuplicateItem(id) => write!(f, "item {id:?} was asked for twice"),
            Error::ValueCount {
                key,
                expected,
                found,
            } => {
                write!(
                    f,
                    "evaluatee {key:?} has {found} values for {expected} items"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// What went wrong and what to do, in `lang` (English is the
    /// `Display` text).
    pub fn message(&self, lang: crate::Lang) -> String {
        if lang == crate::Lang::En {
            return self.to_string();
        }
        match self {
            Error::NoItems => "テンプレートには項目を1つ以上選んでください。".to_owned(),
            Error::TooManyItems(count) => format!(
                "テンプレートに選べる項目は{}個までです（{count}個選ばれています）。項目を減らしてください。",
                crate::evaluation::MAX_ITEMS
            ),
            Error::UnknownItem(id) => {
                format!("項目「{id}」はこのシートにありません。項目を選び直してください。")
            }
            Error::DuplicateItem(id) => {
                format!("項目「{id}」が2回選ばれています。1回だけ選んでください。")
            }
            Error::ValueCount {
                key,
                expected,
                found,
            } => format!("被評価者「{key}」の値が{found}個あります（項目は{expected}個）。"),
        }
    }
}
