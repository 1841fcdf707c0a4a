//! Import and export conditions (インポート条件 / エクスポート条件) and the
//! checks that run before any file is read.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::linkage::field::{Catalog, FieldType, Sheet};

/// How an import treats existing records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// 新規登録および上書き保存: update the record found by the matching
    /// keys, or insert one when none is found.
    #[default]
    InsertAndUpdate,
    /// 新規登録のみ: insert only; see [`DuplicateHandling::existing`].
    InsertOnly,
    /// 上書きのみ: update only; a row whose record is not found fails.
    UpdateOnly,
}

/// What happens when rows collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateHandling {
    /// Insert-only meets a record that already exists.
    #[serde(default)]
    pub existing: OnExisting,
    /// Two rows of the file have the same matching-key values.
    #[serde(default)]
    pub in_file: InFileDuplicates,
}

/// Insert-only meets an existing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnExisting {
    /// Leave the record alone and count the row as skipped.
    #[default]
    Skip,
    /// Count the row as failed.
    Error,
}

/// Two rows of the file match the same record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InFileDuplicates {
    /// Every such row after the first is an error (nothing is guessed).
    #[default]
    Error,
    /// The first row wins; later ones are skipped.
    FirstWins,
    /// The last row wins; earlier ones are skipped.
    LastWins,
}

/// Where a mapped value comes from in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The column whose header cell is this text.
    Header(String),
    /// The 1-based column number.
    Position(u32),
}

/// One row of the mapping: a file column into a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingRow {
    /// The file column.
    pub source: Source,
    /// The field id of the target sheet.
    pub field: String,
    /// 空白で更新: a blank cell clears the field (otherwise it is left alone).
    #[serde(default)]
    pub update_with_blank: bool,
}

/// For a relation field: which field of the related sheet identifies the
/// target record (紐づき先のマッチングキー).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelationKey {
    /// The relation field of the target sheet.
    pub field: String,
    /// The field of the related sheet to match the cell against.
    pub key_field: String,
}

/// The encoding of an imported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InputEncoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// Shift_JIS as Windows and Excel write it (CP932).
    ShiftJis,
}

/// A named, reusable description of how to import a CSV into a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportCondition {
    /// インポートキー: unique per tenant; the batch client names it.
    pub key: String,
    /// What the condition is for.
    #[serde(default)]
    pub description: String,
    /// The target sheet id.
    pub sheet: String,
    /// Insert and/or update.
    #[serde(default)]
    pub mode: ImportMode,
    /// What happens on collisions.
    #[serde(default)]
    pub duplicates: DuplicateHandling,
    /// Whether the row before the first data row holds column headers.
    #[serde(default = "yes")]
    pub has_header: bool,
    /// 1-based row of the first record (取り込み開始行). With a header,
    /// the header is the row just before it.
    #[serde(default = "two")]
    pub first_data_row: u32,
    /// The file's encoding; `None` detects it (UTF-8 when the bytes are
    /// valid UTF-8, else Shift_JIS).
    #[serde(default)]
    pub encoding: Option<InputEncoding>,
    /// File columns into fields.
    pub mappings: Vec<MappingRow>,
    /// Field ids used to find the existing record (マッチングキー).
    #[serde(default)]
    pub matching_keys: Vec<String>,
    /// How each mapped relation field finds its target.
    #[serde(default)]
    pub relation_keys: Vec<RelationKey>,
}

fn yes() -> bool {
    true
}

fn two() -> u32 {
    2
}

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
        /// The field id.
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
        /// The field id.
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
        /// The relation field.
        field: String,
        /// The key field asked for.
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
        /// The field id.
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

impl ImportCondition {
    /// Checks the condition against the tenant's sheets, before any file is
    /// read. Returns every problem; an empty list means the condition can run.
    pub fn check(&self, catalog: &Catalog) -> Vec<ConditionProblem> {
        let mut problems = Vec::new();
        let mut problem =
            |row: Option<usize>, issue| problems.push(ConditionProblem::new(row, issue));
        if !valid_key(&self.key) {
            problem(None, ConditionIssue::BadKey);
        }
        let Some(sheet) = catalog.sheet(&self.sheet) else {
            problem(None, ConditionIssue::UnknownSheet(self.sheet.clone()));
            return problems;
        };
        if self.first_data_row == 0 || (self.has_header && self.first_data_row < 2) {
            problem(None, ConditionIssue::BadFirstDataRow);
        }
        if self.mappings.is_empty() {
            problem(None, ConditionIssue::NoMappings);
        }
        if self.mappings.len() > MAX_CONDITION_COLUMNS {
            problem(
                None,
                ConditionIssue::TooManyColumns {
                    count: self.mappings.len(),
                },
            );
            return problems;
        }

        let mut mapped: Vec<(&str, usize)> = Vec::new();
        for (index, mapping) in self.mappings.iter().enumerate() {
            let row = Some(index + 1);
            match &mapping.source {
                Source::Header(name) if name.trim().is_empty() => {
                    problem(row, ConditionIssue::BadSource)
                }
                Source::Header(_) if !self.has_header => {
                    problem(row, ConditionIssue::HeaderWithoutHeaderRow)
                }
                Source::Position(0) => problem(row, ConditionIssue::BadSource),
                _ => {}
            }
            if sheet.field(&mapping.field).is_none() {
                problem(row, ConditionIssue::UnknownField(mapping.field.clone()));
            }
            match mapped.iter().find(|(field, _)| *field == mapping.field) {
                Some(&(_, first)) => problem(
                    row,
                    ConditionIssue::FieldMappedTwice {
                        field: mapping.field.clone(),
                        first_row: first,
                    },
                ),
                None => mapped.push((&mapping.field, index + 1)),
            }
        }

        if self.matching_keys.is_empty() && self.mode != ImportMode::InsertOnly {
            problem(None, ConditionIssue::NoMatchingKeys);
        }
        for key in &self.matching_keys {
            let row = mapped
                .iter()
                .find(|(field, _)| field == key)
                .map(|&(_, row)| row);
            match (row, sheet.field(key)) {
                (_, None) => problem(None, ConditionIssue::UnknownField(key.clone())),
                (None, Some(_)) => problem(None, ConditionIssue::MatchingKeyNotMapped(key.clone())),
                (Some(row), Some(field)) => {
                    if !field.field_type.can_be_matching_key() {
                        problem(
                            Some(row),
                            ConditionIssue::MatchingKeyType {
                                field: key.clone(),
                                field_type: field.field_type,
                            },
                        );
                    }
                    if self.mappings[row - 1].update_with_blank {
                        problem(
                            Some(row),
                            ConditionIssue::MatchingKeyUpdatedWithBlank(key.clone()),
                        );
                    }
                }
            }
        }

        check_relations(self, sheet, catalog, &mapped, &mut problem);
        problems
    }

    /// The mapping row (1-based) of a field, if mapped.
    pub fn mapping_row_of(&self, field: &str) -> Option<usize> {
        self.mappings
            .iter()
            .position(|mapping| mapping.field == field)
            .map(|index| index + 1)
    }
}

fn check_relations(
    condition: &ImportCondition,
    sheet: &Sheet,
    catalog: &Catalog,
    mapped: &[(&str, usize)],
    problem: &mut impl FnMut(Option<usize>, ConditionIssue),
) {
    let mapped_row = |field: &str| {
        mapped
            .iter()
            .find(|(f, _)| *f == field)
            .map(|&(_, row)| row)
    };
    for field in &sheet.fields {
        if field.field_type == FieldType::Relation
            && let Some(row) = mapped_row(&field.id)
            && !condition
                .relation_keys
                .iter()
                .any(|key| key.field == field.id)
        {
            problem(
                Some(row),
                ConditionIssue::RelationKeyMissing(field.id.clone()),
            );
        }
    }
    for key in &condition.relation_keys {
        let row = mapped_row(&key.field);
        let relation = sheet
            .field(&key.field)
            .filter(|f| f.field_type == FieldType::Relation);
        let (Some(row), Some(relation)) = (row, relation) else {
            problem(row, ConditionIssue::NotARelation(key.field.clone()));
            continue;
        };
        let target = relation
            .relation_sheet
            .as_deref()
            .and_then(|id| catalog.sheet(id));
        let key_field = target.and_then(|target| target.field(&key.key_field));
        if !key_field.is_some_and(|f| f.can_identify_relation()) {
            problem(
                Some(row),
                ConditionIssue::BadRelationKey {
                    field: key.field.clone(),
                    key_field: key.key_field.clone(),
                },
            );
        }
    }
}

/// The encoding of an exported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutputEncoding {
    /// UTF-8 without BOM.
    Utf8,
    /// UTF-8 with BOM (what Excel needs to open UTF-8 correctly).
    #[default]
    Utf8Bom,
    /// Shift_JIS (CP932).
    ShiftJis,
}

/// What to do with a character Shift_JIS cannot represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unrepresentable {
    /// Write nothing and report every such cell (record, field, character).
    #[default]
    Refuse,
    /// Write `?` in its place and still report every such cell.
    Replace,
}

/// A comparison of a search condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The value is equal (numbers by value).
    Equals,
    /// The text contains the given text.
    Contains,
    /// The value is before (less than) the given one.
    Before,
    /// The value is after (greater than) the given one.
    After,
    /// The field is empty.
    Empty,
    /// The field is not empty.
    NotEmpty,
}

/// A search condition: comparisons joined by AND / OR, nested freely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(no_recursion))]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Every part holds.
    All(Vec<Filter>),
    /// At least one part holds.
    Any(Vec<Filter>),
    /// One comparison of a field with a value.
    Compare {
        /// The field id.
        field: String,
        /// How to compare.
        comparison: Comparison,
        /// The value compared with (ignored by `empty` / `not_empty`), as a
        /// user types it; it is parsed with the field's type.
        #[serde(default)]
        value: String,
    },
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportColumn {
    /// The header cell.
    pub header: String,
    /// The field id.
    pub field: String,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SortKey {
    /// The field id.
    pub field: String,
    /// Largest / latest first.
    #[serde(default)]
    pub descending: bool,
}

/// A named, reusable description of how to export a sheet to CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportCondition {
    /// エクスポートキー: unique per tenant.
    pub key: String,
    /// What the condition is for.
    #[serde(default)]
    pub description: String,
    /// The sheet id.
    pub sheet: String,
    /// The file's encoding.
    #[serde(default)]
    pub encoding: OutputEncoding,
    /// Which records; `None` exports all.
    #[serde(default)]
    pub filter: Option<Filter>,
    /// The columns, in order.
    pub columns: Vec<ExportColumn>,
    /// Sort keys, most significant first.
    #[serde(default)]
    pub sort: Vec<SortKey>,
    /// Prefix cells that start with `=`, `+`, `-`, `@`, tab or CR with `'`
    /// so that a spreadsheet does not run them as formulas (OWASP CSV
    /// injection). On by default; numbers, dates and times never need it.
    #[serde(default = "yes")]
    pub formula_protection: bool,
    /// What to do with characters Shift_JIS cannot represent.
    #[serde(default)]
    pub unrepresentable: Unrepresentable,
}

impl ExportCondition {
    /// Checks the condition against the sheet: key, fields, headers.
    pub fn check(&self, catalog: &Catalog) -> Vec<ConditionProblem> {
        let mut problems = Vec::new();
        let mut problem = |issue| problems.push(ConditionProblem::new(None, issue));
        if !valid_key(&self.key) {
            problem(ConditionIssue::BadKey);
        }
        let Some(sheet) = catalog.sheet(&self.sheet) else {
            problem(ConditionIssue::UnknownSheet(self.sheet.clone()));
            return problems;
        };
        if self.columns.is_empty() {
            problem(ConditionIssue::NoMappings);
        }
        // Bounds first, so that a hostile condition costs nothing more.
        let oversized = [
            (self.columns.len() > MAX_CONDITION_COLUMNS).then_some(
                ConditionIssue::TooManyColumns {
                    count: self.columns.len(),
                },
            ),
            (self.sort.len() > MAX_SORT_KEYS).then_some(ConditionIssue::TooManySortKeys {
                count: self.sort.len(),
            }),
            self.filter
                .as_ref()
                .filter(|filter| !filter_within_bounds(filter))
                .map(|_| ConditionIssue::FilterTooLarge),
        ];
        let mut refused = false;
        for issue in oversized.into_iter().flatten() {
            problem(issue);
            refused = true;
        }
        if refused {
            return problems;
        }
        let mut headers = HashSet::new();
        for column in &self.columns {
            if column.header.trim().is_empty() {
                problem(ConditionIssue::BlankHeader);
            } else if !headers.insert(column.header.as_str()) {
                problem(ConditionIssue::HeaderTwice(column.header.clone()));
            }
        }
        let mut fields: Vec<&str> = self.columns.iter().map(|c| c.field.as_str()).collect();
        fields.extend(self.sort.iter().map(|s| s.field.as_str()));
        if let Some(filter) = &self.filter {
            filter_fields(filter, &mut fields);
        }
        for field in fields {
            if sheet.field(field).is_none() {
                problem(ConditionIssue::UnknownField(field.to_owned()));
            }
        }
        problems
    }
}

/// Whether a search condition nests at most [`MAX_FILTER_DEPTH`] levels and
/// holds at most [`MAX_FILTER_COMPARISONS`] comparisons; stops counting as
/// soon as it is over.
fn filter_within_bounds(filter: &Filter) -> bool {
    fn walk(filter: &Filter, depth: usize, comparisons: &mut usize) -> bool {
        match filter {
            Filter::All(parts) | Filter::Any(parts) => {
                depth < MAX_FILTER_DEPTH
                    && parts.iter().all(|part| walk(part, depth + 1, comparisons))
            }
            Filter::Compare { .. } => {
                *comparisons += 1;
                *comparisons <= MAX_FILTER_COMPARISONS
            }
        }
    }
    walk(filter, 0, &mut 0)
}

fn filter_fields<'f>(filter: &'f Filter, out: &mut Vec<&'f str>) {
    match filter {
        Filter::All(parts) | Filter::Any(parts) => {
            parts.iter().for_each(|part| filter_fields(part, out))
        }
        Filter::Compare { field, .. } => out.push(field),
    }
}
