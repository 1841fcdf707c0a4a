//! The shape of one evaluation sheet as far as CSV import cares: which items
//! exist, what each accepts, and (optionally) who may be imported.

use serde::{Deserialize, Serialize};

use crate::decimal::Hundredths;

/// The schema of one (period, customize sheet) pair.
///
/// This is the JSON document the server hands to the browser (and the CLI
/// reads from a file) so that a template can be validated offline. Only
/// importable items are listed: evaluation-entry items never appear here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetSchema {
    /// Evaluation period id, as printed in row 1 (`period:{id}`).
    pub period: String,
    /// Customize sheet id, as printed in row 1 (`sheet:{id}`).
    pub sheet: String,
    /// The importable items of the sheet.
    pub items: Vec<Item>,
    /// Employee numbers or e-mail addresses that may be imported. `None`
    /// means "not known here": any non-empty key is accepted and the server
    /// decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluatees: Option<Vec<String>>,
}

/// One importable item of a customize sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    /// Stable item id, as printed in row 2.
    pub id: String,
    /// Names of the enclosing blocks, outermost first, then the item's own
    /// name. Empty names are allowed; the template prints them as `未設定`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label: Vec<String>,
    /// What the item accepts.
    #[serde(flatten)]
    pub kind: ItemKind,
}

/// The importable item types and their constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// A decimal number, stored with at most two decimals.
    Number {
        /// Smallest accepted value, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Largest accepted value, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Free text; newlines and double quotes are allowed.
    Text {
        /// Longest accepted text, in Unicode characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_len: Option<u32>,
    },
    /// One of a fixed list of labels, matched exactly.
    Dropdown {
        /// The option labels, in display order.
        options: Vec<String>,
    },
    /// On (`1`) or off (`0`, or blank).
    Checkbox,
}

impl ItemKind {
    /// The item type as printed in row 4 of a template.
    pub fn template_name(&self) -> &'static str {
        match self {
            ItemKind::Number { .. } => "数値",
            ItemKind::Text { .. } => "記入テキスト",
            ItemKind::Dropdown { .. } => "プルダウン",
            ItemKind::Checkbox => "チェックボックス",
        }
    }

    /// The item type as named in the schema JSON (`number`, `text`, ...).
    pub fn schema_name(&self) -> &'static str {
        match self {
            ItemKind::Number { .. } => "number",
            ItemKind::Text { .. } => "text",
            ItemKind::Dropdown { .. } => "dropdown",
            ItemKind::Checkbox => "checkbox",
        }
    }

    /// Whether a row-4 cell names this type. Both the Japanese name the
    /// template prints and the schema's English name are accepted, so a file
    /// produced by a script from the schema is not rejected for its wording.
    pub(crate) fn is_named(&self, name: &str) -> bool {
        name == self.template_name() || name == self.schema_name()
    }

    /// The numeric bounds in hundredths: `min` rounded up and `max` rounded
    /// down, which is exact because stored values are whole hundredths.
    pub(crate) fn number_bounds(&self) -> (Option<Hundredths>, Option<Hundredths>) {
        match self {
            ItemKind::Number { min, max } => (
                min.and_then(Hundredths::ceil_from_f64),
                max.and_then(Hundredths::floor_from_f64),
            ),
            _ => (None, None),
        }
    }
}

impl Item {
    /// The row-3 caption: `【Block1>Block2>Item】`, with `未設定` for empty
    /// block names. An item without a label is captioned with its id.
    pub fn caption(&self) -> String {
        let mut caption = String::from("【");
        match self.label.split_last() {
            None => caption.push_str(&self.id),
            Some((name, blocks)) => {
                for block in blocks {
                    caption.push_str(if block.is_empty() {
                        UNNAMED_BLOCK
                    } else {
                        block
                    });
                    caption.push('>');
                }
                caption.push_str(name);
            }
        }
        caption.push('】');
        caption
    }
}

/// How an empty block name is shown in row 3.
pub const UNNAMED_BLOCK: &str = "未設定";

impl SheetSchema {
    /// Looks an item up by id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id == id)
    }
}

/// An evaluatee key as it is compared: employee numbers exactly, e-mail
/// addresses (keys with an `@`) ignoring ASCII case, since nobody tells
/// `Sato@Example.co.jp` from `sato@example.co.jp` apart in practice.
pub fn matching_key(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains('@') && key.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(key.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}
