//! Export conditions: which records, filtered and sorted, go out in which
//! columns and encoding, and the checks against the catalog.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{
    ConditionIssue, ConditionProblem, MAX_CONDITION_COLUMNS, MAX_FILTER_COMPARISONS,
    MAX_FILTER_DEPTH, MAX_SORT_KEYS, valid_key, yes,
};
use crate::linkage::field::Catalog;

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
    /// For a relation: the related record's field written instead of its
    /// id (its name, or another key such as a code or an e-mail); `None`
    /// writes the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_key: Option<String>,
}

impl ExportColumn {
    /// A column writing `field` as stored (a relation as the id).
    pub fn new(header: &str, field: &str) -> Self {
        ExportColumn {
            header: header.to_owned(),
            field: field.to_owned(),
            relation_key: None,
        }
    }
}

/// A column that writes a relation by another key: which related sheet's
/// records it needs, and which of their fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationColumn {
    /// The relation field of the exported sheet.
    pub field: String,
    /// The sheet it points at.
    pub sheet: String,
    /// The related field written.
    pub key_field: String,
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
    /// A new condition for `sheet`: Shift_JIS (what Japanese Excel opens),
    /// every record, formula protection on, a value Shift_JIS cannot hold
    /// refuses the export; no columns or sort keys yet.
    pub fn new(sheet: &str) -> Self {
        ExportCondition {
            key: String::new(),
            description: String::new(),
            sheet: sheet.to_owned(),
            encoding: OutputEncoding::ShiftJis,
            filter: None,
            columns: Vec::new(),
            sort: Vec::new(),
            formula_protection: true,
            unrepresentable: Unrepresentable::Refuse,
        }
    }

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
        for column in &self.columns {
            let (Some(key), Some(field)) = (&column.relation_key, sheet.field(&column.field))
            else {
                continue;
            };
            let Some(related) = field.relation_sheet.as_deref() else {
                problem(ConditionIssue::NotARelation(field.label.clone()));
                continue;
            };
            let target = catalog.sheet(related);
            if !target
                .and_then(|t| t.field(key))
                .is_some_and(|f| f.can_identify_relation())
            {
                problem(ConditionIssue::BadRelationKey {
                    field: field.label.clone(),
                    key_field: target.map_or_else(|| key.clone(), |t| t.label_of(key)),
                });
            }
        }
        problems
    }

    /// The columns that write a relation by another key than the id (the
    /// related records an export must look up first).
    pub fn relation_columns(&self, catalog: &Catalog) -> Vec<RelationColumn> {
        let Some(sheet) = catalog.sheet(&self.sheet) else {
            return Vec::new();
        };
        let mut columns: Vec<RelationColumn> = self
            .columns
            .iter()
            .filter_map(|column| {
                let key_field = column.relation_key.clone()?;
                let related = sheet.field(&column.field)?.relation_sheet.clone()?;
                Some(RelationColumn {
                    field: column.field.clone(),
                    sheet: related,
                    key_field,
                })
            })
            .collect();
        columns.sort_by(|a, b| (&a.field, &a.key_field).cmp(&(&b.field, &b.key_field)));
        columns.dedup();
        columns
    }
}

/// The problems of a search condition on its own (the records screen's
/// search): too large or deep, or naming a field `sheet` lacks.
pub(crate) fn check_filter(
    filter: &Filter,
    sheet: &crate::linkage::field::Sheet,
    problems: &mut Vec<ConditionProblem>,
) {
    let mut problem = |issue| {
        problems.push(ConditionProblem {
            mapping_row: None,
            issue,
        })
    };
    if !filter_within_bounds(filter) {
        problem(ConditionIssue::FilterTooLarge);
        return;
    }
    let mut fields = Vec::new();
    filter_fields(filter, &mut fields);
    for field in fields {
        if sheet.field(field).is_none() {
            problem(ConditionIssue::UnknownField(field.to_owned()));
        }
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
