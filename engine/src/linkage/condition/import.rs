//! Import conditions: how a file's columns map onto a sheet's fields, how
//! existing records are found, and the checks against the catalog.

use serde::{Deserialize, Serialize};

use super::{ConditionIssue, ConditionProblem, MAX_CONDITION_COLUMNS, valid_key, yes};
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

fn two() -> u32 {
    2
}

impl ImportCondition {
    /// A new condition for `sheet`, as the wizard starts one: insert and
    /// update, a header row then data from row 2, the encoding found from
    /// the file, no mapping yet (key and description empty).
    pub fn new(sheet: &str) -> Self {
        ImportCondition {
            key: String::new(),
            description: String::new(),
            sheet: sheet.to_owned(),
            mode: ImportMode::InsertAndUpdate,
            duplicates: DuplicateHandling::default(),
            has_header: true,
            first_data_row: 2,
            encoding: None,
            mappings: Vec::new(),
            matching_keys: Vec::new(),
            relation_keys: Vec::new(),
        }
    }

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
                        field: sheet.label_of(&mapping.field),
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
                (None, Some(field)) => problem(
                    None,
                    ConditionIssue::MatchingKeyNotMapped(field.label.clone()),
                ),
                (Some(row), Some(field)) => {
                    if !field.field_type.can_be_matching_key() {
                        problem(
                            Some(row),
                            ConditionIssue::MatchingKeyType {
                                field: field.label.clone(),
                                field_type: field.field_type,
                            },
                        );
                    }
                    if self.mappings[row - 1].update_with_blank {
                        problem(
                            Some(row),
                            ConditionIssue::MatchingKeyUpdatedWithBlank(field.label.clone()),
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
                ConditionIssue::RelationKeyMissing(field.label.clone()),
            );
        }
    }
    for key in &condition.relation_keys {
        let row = mapped_row(&key.field);
        let relation = sheet
            .field(&key.field)
            .filter(|f| f.field_type == FieldType::Relation);
        let (Some(row), Some(relation)) = (row, relation) else {
            problem(
                row,
                ConditionIssue::NotARelation(sheet.label_of(&key.field)),
            );
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
                    field: relation.label.clone(),
                    key_field: target
                        .map_or_else(|| key.key_field.clone(), |t| t.label_of(&key.key_field)),
                },
            );
        }
    }
}
