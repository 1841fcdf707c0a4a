//! Import and export conditions (インポート条件 / エクスポート条件) and the
//! checks that run before any file is read: what both share (the problems,
//! the bounds, the key rule) here, each direction in its own module.

use std::fmt;

use crate::Lang;
use crate::linkage::field::FieldType;

mod export;
mod import;

/// `true`, for serde defaults of both directions.
fn yes() -> bool {
    true
}

pub(crate) use export::check_filter;
pub use export::{
    Comparison, ExportColumn, ExportCondition, Filter, OutputEncoding, RelationColumn, SortKey,
    Unrepresentable,
};
pub use import::{
    DuplicateHandling, ImportCondition, ImportMode, InFileDuplicates, InputEncoding, MappingRow,
    OnExisting, RelationKey, Source,
};

/// A problem with a condition, found before any file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionProblem {
    /// The 1-based mapping row concerned, when there is one.
    pub mapping_row: Option<usize>,
    /// What is wrong.
    pub issue: ConditionIssue,
}

/// What can be wrong with a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionIssue {
    /// The key is empty, too long, or has characters other than letters,
    /// digits, `-` and `_`.
    BadKey,
    /// The target sheet does not exist.
    UnknownSheet(String),
    /// A field id is not a field of the sheet.
    UnknownField(String),
    /// The same field is mapped twice.
    FieldMappedTwice {
        /// The field's label.
        field: String,
        /// The mapping row that maps it first.
        first_row: usize,
    },
    /// A column by header name, but the file is said to have no header.
    HeaderWithoutHeaderRow,
    /// A column position of 0 or a blank header name.
    BadSource,
    /// `first_data_row` is 0, or 1 while a header row is expected.
    BadFirstDataRow,
    /// Nothing is mapped.
    NoMappings,
    /// Update modes need matching keys to find the records.
    NoMatchingKeys,
    /// A matching key that is not mapped.
    MatchingKeyNotMapped(String),
    /// A matching key of a type that cannot identify a record.
    MatchingKeyType {
        /// The field's label.
        field: String,
        /// Its type.
        field_type: FieldType,
    },
    /// A matching key whose mapping row says "update with blank": a
    /// matching-key field is never updated, so the setting cannot apply.
    MatchingKeyUpdatedWithBlank(String),
    /// A mapped relation field without a relation matching key.
    RelationKeyMissing(String),
    /// A relation key on a field that is not a mapped relation.
    NotARelation(String),
    /// A relation matching key that is not an id, name, e-mail or text
    /// field of the related sheet.
    BadRelationKey {
        /// The relation field's label.
        field: String,
        /// The key field asked for (its label, when the related sheet has it).
        key_field: String,
    },
    /// An export column without a header name.
    BlankHeader,
    /// Two export columns with the same header name.
    HeaderTwice(String),
    /// More mapping rows or export columns than [`MAX_CONDITION_COLUMNS`].
    TooManyColumns {
        /// How many the condition has.
        count: usize,
    },
    /// More sort keys than [`MAX_SORT_KEYS`].
    TooManySortKeys {
        /// How many the condition has.
        count: usize,
    },
    /// A search condition nested deeper than [`MAX_FILTER_DEPTH`] or with
    /// more comparisons than [`MAX_FILTER_COMPARISONS`].
    FilterTooLarge,
    /// A search-condition value that is not a value of its field's type.
    BadFilterValue {
        /// The field's label.
        field: String,
        /// The value given.
        value: String,
    },
}

impl ConditionProblem {
    fn new(mapping_row: Option<usize>, issue: ConditionIssue) -> Self {
        ConditionProblem { mapping_row, issue }
    }

    /// A stable code, e.g. `condition.unknown_field`.
    pub fn code(&self) -> &'static str {
        use ConditionIssue::*;
        match self.issue {
            BadKey => "condition.bad_key",
            UnknownSheet(_) => "condition.unknown_sheet",
            UnknownField(_) => "condition.unknown_field",
            FieldMappedTwice { .. } => "condition.field_mapped_twice",
            HeaderWithoutHeaderRow => "condition.header_without_header_row",
            BadSource => "condition.bad_source",
            BadFirstDataRow => "condition.bad_first_data_row",
            NoMappings => "condition.no_mappings",
            NoMatchingKeys => "condition.no_matching_keys",
            MatchingKeyNotMapped(_) => "condition.matching_key_not_mapped",
            MatchingKeyType { .. } => "condition.matching_key_type",
            MatchingKeyUpdatedWithBlank(_) => "condition.matching_key_update_with_blank",
            RelationKeyMissing(_) => "condition.relation_key_missing",
            NotARelation(_) => "condition.not_a_relation",
            BadRelationKey { .. } => "condition.bad_relation_key",
            BlankHeader => "condition.blank_header",
            HeaderTwice(_) => "condition.header_twice",
            BadFilterValue { .. } => "condition.bad_filter_value",
            TooManyColumns { .. } => "condition.too_many_columns",
            TooManySortKeys { .. } => "condition.too_many_sort_keys",
            FilterTooLarge => "condition.filter_too_large",
        }
    }

    /// What is wrong and how to fix it, naming the mapping row.
    pub fn message(&self, lang: Lang) -> String {
        use ConditionIssue::*;
        let ja = lang == Lang::Ja;
        let text = match &self.issue {
            BadKey => pick(
                ja,
                "キーは1〜64文字の半角英数字・「-」「_」で指定してください（先頭に「-」は使えません）。".into(),
                "A key is 1 to 64 letters, digits, '-' or '_', and does not start with '-'.".into(),
            ),
            UnknownSheet(sheet) => pick(
                ja,
                format!("シート「{sheet}」はありません。"),
                format!("There is no sheet \"{sheet}\"."),
            ),
            UnknownField(field) => pick(
                ja,
                format!("項目「{field}」は対象シートにありません。"),
                format!("The sheet has no field \"{field}\"."),
            ),
            FieldMappedTwice { field, first_row } => pick(
                ja,
                format!(
                    "項目「{field}」はマッピング{first_row}行目でも指定されています。1つの項目には1列だけ割り当ててください。"
                ),
                format!(
                    "Field \"{field}\" is already mapped in mapping row {first_row}. Map each field once."
                ),
            ),
            HeaderWithoutHeaderRow => pick(
                ja,
                "見出し行なしの設定では、列は番号で指定してください。".into(),
                "Without a header row, choose columns by number.".into(),
            ),
            BadSource => pick(
                ja,
                "ファイルの列(見出し名、または1以上の列番号)を指定してください。".into(),
                "Choose the file column: a header name, or a column number from 1.".into(),
            ),
            BadFirstDataRow => pick(
                ja,
                "取り込み開始行は1以上(見出し行ありなら2以上)にしてください。".into(),
                "The first data row must be 1 or more (2 or more with a header row).".into(),
            ),
            NoMappings => pick(
                ja,
                "マッピングを1行以上設定してください。".into(),
                "Map at least one column.".into(),
            ),
            NoMatchingKeys => pick(
                ja,
                "上書きするデータを探すため、マッチングキーを1つ以上指定してください。".into(),
                "Choose at least one matching key, to find the records to update.".into(),
            ),
            MatchingKeyNotMapped(field) => pick(
                ja,
                format!("マッチングキー「{field}」がマッピングされていません。"),
                format!("The matching key \"{field}\" is not mapped to a file column."),
            ),
            MatchingKeyType { field, field_type } => pick(
                ja,
                format!(
                    "「{field}」({})はマッチングキーにできません。テキスト・住所・電話番号・関連・リンク・数値・日付・日時・時刻・メールアドレスの項目を選んでください。",
                    field_type.name(Lang::Ja)
                ),
                format!(
                    "\"{field}\" ({}) cannot be a matching key. Choose a text, address, phone, relation, link, number, date, date and time, time or e-mail field.",
                    field_type.name(Lang::En)
                ),
            ),
            MatchingKeyUpdatedWithBlank(field) => pick(
                ja,
                format!(
                    "マッチングキー「{field}」は更新されないため、「空白で更新」は指定できません。"
                ),
                format!(
                    "The matching key \"{field}\" is never updated, so \"update with blank\" cannot apply to it."
                ),
            ),
            RelationKeyMissing(field) => pick(
                ja,
                format!("関連項目「{field}」の紐づき先のマッチングキーを指定してください。"),
                format!(
                    "Choose how the relation \"{field}\" finds its target (relation matching key)."
                ),
            ),
            NotARelation(field) => pick(
                ja,
                format!("「{field}」はマッピングされた関連項目ではありません。"),
                format!("\"{field}\" is not a mapped relation field."),
            ),
            BadRelationKey { field, key_field } => pick(
                ja,
                format!(
                    "関連項目「{field}」の紐づき先のマッチングキー「{key_field}」は使えません。紐づき先シートのID・名前・メールアドレス・テキスト項目を選んでください。"
                ),
                format!(
                    "\"{key_field}\" cannot identify the target of relation \"{field}\". Choose the related sheet's id, name, an e-mail or a text field."
                ),
            ),
            BlankHeader => pick(
                ja,
                "出力列の見出し名を入力してください。".into(),
                "Give the output column a header name.".into(),
            ),
            HeaderTwice(header) => pick(
                ja,
                format!("見出し名「{header}」が重複しています。"),
                format!("The header name \"{header}\" is used twice."),
            ),
            TooManyColumns { count } => pick(
                ja,
                format!("列（マッピング）は{MAX_CONDITION_COLUMNS}件までです（{count}件あります）。不要な列を削除してください。"),
                format!("At most {MAX_CONDITION_COLUMNS} columns (mapping rows); this condition has {count}. Remove the ones not needed."),
            ),
            TooManySortKeys { count } => pick(
                ja,
                format!("並び順は{MAX_SORT_KEYS}件までです（{count}件あります）。"),
                format!("At most {MAX_SORT_KEYS} sort keys; this condition has {count}."),
            ),
            FilterTooLarge => pick(
                ja,
                format!("検索条件は入れ子{MAX_FILTER_DEPTH}段・比較{MAX_FILTER_COMPARISONS}件までです。条件をまとめてください。"),
                format!("A search condition nests at most {MAX_FILTER_DEPTH} levels and holds at most {MAX_FILTER_COMPARISONS} comparisons."),
            ),
            BadFilterValue { field, value } => pick(
                ja,
                format!(
                    "検索条件の「{field}」の値「{value}」は、この項目の種類の値として読めません。"
                ),
                format!("The search value \"{value}\" is not a valid value of field \"{field}\"."),
            ),
        };
        match (self.mapping_row, ja) {
            (Some(row), true) => format!("マッピング{row}行目: {text}"),
            (Some(row), false) => format!("Mapping row {row}: {text}"),
            (None, _) => text,
        }
    }
}

fn pick(ja: bool, japanese: String, english: String) -> String {
    if ja { japanese } else { english }
}

impl fmt::Display for ConditionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// The most mapping rows of an import condition, and columns of an export
/// condition (a sheet has far fewer fields; the bound keeps hostile
/// conditions from costing time or memory in proportion to their size).
pub const MAX_CONDITION_COLUMNS: usize = 500;
/// The most sort keys of an export condition.
pub const MAX_SORT_KEYS: usize = 20;
/// How deep `all` / `any` groups of a search condition may nest.
pub const MAX_FILTER_DEPTH: usize = 10;
/// The most comparisons in one search condition.
pub const MAX_FILTER_COMPARISONS: usize = 200;

/// The longest import or export condition key.
pub const MAX_KEY_LEN: usize = 64;

/// Whether an import or export condition key is acceptable: 1 to
/// [`MAX_KEY_LEN`] ASCII letters, digits, `-` and `_`, not starting with `-`.
/// The one rule for the server, the wizard, the client and the scripts: a key
/// becomes part of URL paths, file and folder names and the generated
/// `.sh` / `.bat` command lines, where a leading `-` would read as an option.
pub fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len())
        && !key.starts_with('-')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
