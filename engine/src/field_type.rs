//! The types a value of a CRM field can have: the vocabulary the linkage
//! engine parses and compares by, and that its diagnostics name. Apart from
//! `linkage`, so that the shared diagnostic module does not depend on it.

use serde::{Deserialize, Serialize};

/// The type of a field of a CRM sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// A postal address (free text).
    Address,
    /// A telephone number: digits, `-`, `(`, `)`, spaces and a leading `+`.
    Phone,
    /// A reference to a record of another sheet.
    Relation,
    /// A URL (`http://` or `https://`).
    Link,
    /// A decimal number.
    Number,
    /// A calendar date.
    Date,
    /// A date with a time of day.
    Datetime,
    /// A time of day.
    Time,
    /// An e-mail address.
    Email,
    /// One of a fixed list of labels.
    Dropdown,
    /// On or off.
    Checkbox,
}

impl FieldType {
    /// The type's name in messages.
    pub fn name(self, lang: crate::Lang) -> &'static str {
        let (ja, en) = match self {
            FieldType::Text => ("テキスト", "text"),
            FieldType::Address => ("住所", "address"),
            FieldType::Phone => ("電話番号", "phone"),
            FieldType::Relation => ("関連", "relation"),
            FieldType::Link => ("リンク", "link"),
            FieldType::Number => ("数値", "number"),
            FieldType::Date => ("日付", "date"),
            FieldType::Datetime => ("日時", "date and time"),
            FieldType::Time => ("時刻", "time"),
            FieldType::Email => ("メールアドレス", "e-mail"),
            FieldType::Dropdown => ("ドロップダウン", "dropdown"),
            FieldType::Checkbox => ("チェックボックス", "checkbox"),
        };
        if lang == crate::Lang::Ja { ja } else { en }
    }

    /// Whether a field of this type may serve as a matching key.
    pub fn can_be_matching_key(self) -> bool {
        !matches!(self, FieldType::Dropdown | FieldType::Checkbox)
    }

    /// Whether a field of this type may identify the target of a relation
    /// (the "relation matching key"): an id, a name, an e-mail or a text.
    pub fn can_be_relation_key(self) -> bool {
        matches!(self, FieldType::Text | FieldType::Email)
    }

    /// Whether values compare as free text (the others have a canonical form
    /// that [`compare_values`] orders by meaning).
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            FieldType::Text
                | FieldType::Address
                | FieldType::Phone
                | FieldType::Relation
                | FieldType::Link
                | FieldType::Email
                | FieldType::Dropdown
        )
    }
}
