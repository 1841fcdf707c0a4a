//! Mapping templates (マッピングテンプレート): a mapping saved under a name —
//! header settings, file columns into fields with update-with-blank, the
//! matching and relation keys — applied when a condition or a manual import
//! is made. A sample's headers are matched against the saved templates
//! before the fuzzy suggestion: a template whose every column header is in
//! the file (compared as [`normalize_label`] compares them) fits it.

use serde::{Deserialize, Serialize};

use super::condition::{ImportCondition, MAX_CONDITION_COLUMNS, MappingRow, RelationKey, Source};
use super::field::Catalog;
use super::suggest::normalize_label;

/// The longest template name, in characters.
pub const MAX_TEMPLATE_NAME: usize = 100;
/// Templates a tenant keeps at most.
pub const MAX_TEMPLATES: usize = 200;

/// A saved mapping for one sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingTemplate {
    /// Its name, unique per tenant.
    pub name: String,
    /// The sheet it maps into.
    pub sheet: String,
    /// Whether the file has a header row.
    #[serde(default = "yes")]
    pub has_header: bool,
    /// The first data row.
    #[serde(default = "two")]
    pub first_data_row: u32,
    /// File columns into fields, with update-with-blank.
    pub mappings: Vec<MappingRow>,
    /// Matching keys.
    #[serde(default)]
    pub matching_keys: Vec<String>,
    /// Relation keys.
    #[serde(default)]
    pub relation_keys: Vec<RelationKey>,
}

fn yes() -> bool {
    true
}

fn two() -> u32 {
    2
}

/// What is wrong with a template, to say before it is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateProblem {
    /// The name is empty or longer than [`MAX_TEMPLATE_NAME`].
    Name,
    /// No such sheet in the catalog.
    Sheet(String),
    /// Nothing is mapped, or more than [`MAX_CONDITION_COLUMNS`] columns.
    Columns(usize),
    /// A mapped, matching or relation field the sheet does not have.
    Field(String),
}

impl TemplateProblem {
    /// The problem in `lang`, saying how to fix it.
    pub fn message(&self, lang: crate::Lang) -> String {
        let ja = lang == crate::Lang::Ja;
        match self {
            TemplateProblem::Name if ja => {
                format!("テンプレート名を1〜{MAX_TEMPLATE_NAME}文字で入力してください。")
            }
            TemplateProblem::Name => {
                format!("Name the template in 1 to {MAX_TEMPLATE_NAME} characters.")
            }
            TemplateProblem::Sheet(sheet) if ja => {
                format!("シート「{sheet}」はありません。シートを選び直してください。")
            }
            TemplateProblem::Sheet(sheet) => {
                format!("There is no sheet {sheet}: pick the sheet again.")
            }
            TemplateProblem::Columns(count) if ja => format!(
                "マッピングの行は1〜{MAX_CONDITION_COLUMNS}行にしてください（{count}行あります）。"
            ),
            TemplateProblem::Columns(count) => {
                format!("A template maps 1 to {MAX_CONDITION_COLUMNS} columns ({count} given).")
            }
            TemplateProblem::Field(field) if ja => format!(
                "項目「{field}」はこのシートにありません。マッピングを直してから保存してください。"
            ),
            TemplateProblem::Field(field) => {
                format!("The sheet has no field {field}: correct the mapping, then save.")
            }
        }
    }
}

impl MappingTemplate {
    /// The template of `condition`'s mapping, named `name`.
    pub fn of(name: &str, condition: &ImportCondition) -> Self {
        MappingTemplate {
            name: name.trim().to_owned(),
            sheet: condition.sheet.clone(),
            has_header: condition.has_header,
            first_data_row: condition.first_data_row,
            mappings: condition.mappings.clone(),
            matching_keys: condition.matching_keys.clone(),
            relation_keys: condition.relation_keys.clone(),
        }
    }

    /// Puts the template's mapping into `condition` (its key, description,
    /// mode, duplicates and encoding stay).
    pub fn apply_to(&self, condition: &mut ImportCondition) {
        condition.has_header = self.has_header;
        condition.first_data_row = self.first_data_row;
        condition.mappings = self.mappings.clone();
        condition.matching_keys = self.matching_keys.clone();
        condition.relation_keys = self.relation_keys.clone();
    }

    /// What keeps the template from being saved against `catalog` (the
    /// whole condition is checked again when it is used).
    pub fn problems(&self, catalog: &Catalog) -> Vec<TemplateProblem> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_TEMPLATE_NAME {
            problems.push(TemplateProblem::Name);
        }
        let Some(sheet) = catalog.sheet(&self.sheet) else {
            problems.push(TemplateProblem::Sheet(self.sheet.clone()));
            return problems;
        };
        if self.mappings.is_empty() || self.mappings.len() > MAX_CONDITION_COLUMNS {
            problems.push(TemplateProblem::Columns(self.mappings.len()));
        }
        let fields = self
            .mappings
            .iter()
            .map(|m| &m.field)
            .chain(&self.matching_keys)
            .chain(self.relation_keys.iter().map(|r| &r.field));
        for field in fields {
            if sheet.field_index(field).is_none()
                && !problems.contains(&TemplateProblem::Field(field.clone()))
            {
                problems.push(TemplateProblem::Field(field.clone()));
            }
        }
        problems
    }

    /// How many of the template's columns the file's `headers` hold, when
    /// every one of them is there (`None`: the template does not fit). A
    /// template that maps by column number fits no header row.
    fn fits(&self, headers: &[String]) -> Option<usize> {
        if !self.has_header || self.mappings.is_empty() {
            return None;
        }
        let present: Vec<String> = headers.iter().map(|h| normalize_label(h)).collect();
        self.mappings
            .iter()
            .all(|m| match &m.source {
                Source::Header(header) => present.contains(&normalize_label(header)),
                Source::Position(_) => false,
            })
            .then_some(self.mappings.len())
    }
}

/// The template of `sheet` that fits a file with these `headers` best: every
/// one of its columns present, the most columns, then the first by name.
pub fn best_template<'t>(
    templates: &'t [MappingTemplate],
    sheet: &str,
    headers: &[String],
) -> Option<&'t MappingTemplate> {
    templates
        .iter()
        .filter(|t| t.sheet == sheet)
        .filter_map(|t| t.fits(headers).map(|columns| (columns, t)))
        .max_by(|(a, ta), (b, tb)| a.cmp(b).then_with(|| tb.name.cmp(&ta.name)))
        .map(|(_, t)| t)
}

/// A mapping row from a header to a field (for tests and callers alike).
pub fn by_header(header: &str, field: &str) -> MappingRow {
    MappingRow {
        source: Source::Header(header.to_owned()),
        field: field.to_owned(),
        update_with_blank: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::crm_catalog;

    fn template(name: &str, columns: &[(&str, &str)]) -> MappingTemplate {
        MappingTemplate {
            name: name.into(),
            sheet: "customer".into(),
            has_header: true,
            first_data_row: 2,
            mappings: columns.iter().map(|(h, f)| by_header(h, f)).collect(),
            matching_keys: vec!["email".into()],
            relation_keys: Vec::new(),
        }
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|&h| h.to_owned()).collect()
    }

    #[test]
    fn the_fullest_template_whose_columns_are_all_there_wins() {
        let small = template("基幹 小", &[("会社名", "name"), ("メール", "email")]);
        let large = template(
            "基幹 全部",
            &[("会社名", "name"), ("メール", "email"), ("TEL", "phone")],
        );
        let other = template("名刺", &[("氏名", "name")]);
        let all = [small.clone(), large.clone(), other];
        let file = headers(&["会社名", "メール", "TEL", "備考"]);
        assert_eq!(best_template(&all, "customer", &file), Some(&large));
        // Without TEL only the small one fits; spaces and width do not matter.
        let file = headers(&["会社 名", "ﾒｰﾙ"]);
        assert_eq!(best_template(&all, "customer", &file), Some(&small));
        assert_eq!(best_template(&all, "deal", &file), None, "another sheet's");
        assert_eq!(best_template(&all, "customer", &headers(&["x"])), None);
        let mut by_number = small.clone();
        by_number.mappings[0].source = Source::Position(1);
        assert_eq!(best_template(&[by_number], "customer", &file), None);
    }

    #[test]
    fn a_template_is_checked_against_the_sheet_and_round_trips_a_condition() {
        let catalog = crm_catalog();
        let fine = template("基幹", &[("会社名", "name"), ("メール", "email")]);
        assert!(fine.problems(&catalog).is_empty());
        let mut bad = template("", &[("会社名", "no_such_field")]);
        bad.matching_keys = vec!["nor_this".into()];
        assert_eq!(
            bad.problems(&catalog),
            [
                TemplateProblem::Name,
                TemplateProblem::Field("no_such_field".into()),
                TemplateProblem::Field("nor_this".into()),
            ]
        );
        let mut elsewhere = fine.clone();
        elsewhere.sheet = "nothing".into();
        assert_eq!(
            elsewhere.problems(&catalog),
            [TemplateProblem::Sheet("nothing".into())]
        );
        let mut condition = ImportCondition::new("customer");
        condition.key = "kept".into();
        fine.apply_to(&mut condition);
        assert_eq!(condition.key, "kept");
        assert_eq!(MappingTemplate::of(" 基幹 ", &condition), fine);
    }
}
