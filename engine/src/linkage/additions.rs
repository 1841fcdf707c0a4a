//! A tenant's own additions to the standard CRM: extension sheets of its own,
//! custom fields on the standard sheets, and more options on their
//! dropdowns. [`Catalog::with_additions`] checks them and gives the tenant's
//! catalog — what the server stores records by, the wizards map onto and the
//! client names.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::linkage::field::{Catalog, Field, FieldType, Sheet};

/// At most this many extension sheets per tenant.
pub const MAX_EXTENSION_SHEETS: usize = 50;
/// At most this many fields per extension sheet, and custom fields per
/// standard sheet.
pub const MAX_ADDED_FIELDS: usize = 200;
/// At most this many options per dropdown.
pub const MAX_OPTIONS: usize = 500;
/// The prefix of every added id (sheet or field), so that a field the
/// standard CRM adds later never takes the name of a tenant's own.
pub const ADDED_PREFIX: &str = "x_";

/// A field added to a standard sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddedField {
    /// The standard sheet's id.
    pub sheet: String,
    /// The field (its id starts with [`ADDED_PREFIX`]).
    pub field: Field,
}

/// Options added to a standard sheet's dropdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddedOptions {
    /// The standard sheet's id.
    pub sheet: String,
    /// The dropdown field's id.
    pub field: String,
    /// The options, after the standard ones.
    pub options: Vec<String>,
}

/// What a tenant added to the standard CRM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogAdditions {
    /// Extension sheets, each with its own fields (its first field the id;
    /// ids start with [`ADDED_PREFIX`]).
    #[serde(default)]
    pub sheets: Vec<Sheet>,
    /// Custom fields on standard sheets, in display order after theirs.
    #[serde(default)]
    pub fields: Vec<AddedField>,
    /// Options added to standard dropdowns.
    #[serde(default)]
    pub options: Vec<AddedOptions>,
    /// How many times the additions were saved: a save must carry the
    /// revision it was made from, so that of two admins editing at once the
    /// second is told instead of undoing the first (the server's rule; the
    /// catalog itself ignores it).
    #[serde(default)]
    pub revision: u64,
}

/// Why additions cannot be taken, with the ids and labels involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AdditionProblem {
    /// An id that does not start with `x_` or is not 3–64 lower-case ASCII
    /// letters, digits and `_`.
    BadId {
        /// The id.
        id: String,
    },
    /// Two sheets, or two fields of one sheet, with the same id.
    Duplicate {
        /// The id.
        id: String,
    },
    /// A name or label that is blank, longer than [`MAX_LABEL_CHARS`], or
    /// holds a control character (a line break, a tab): names go into
    /// screens, CSV headers and e-mail subjects.
    BadLabel {
        /// The id it belongs to.
        id: String,
    },
    /// A standard sheet or field that does not exist.
    Unknown {
        /// The sheet (and field) named.
        id: String,
    },
    /// A relation to a sheet the catalog lacks, or a non-relation with one.
    BadRelation {
        /// The field id.
        field: String,
    },
    /// A dropdown without options, or with an option twice or blank.
    BadOptions {
        /// The field id.
        field: String,
    },
    /// Options added to a field that is not a dropdown.
    NotADropdown {
        /// The field id.
        field: String,
    },
    /// An extension sheet whose first field is not its id of type text.
    NoIdField {
        /// The sheet id.
        sheet: String,
    },
    /// More than the bounds allow.
    TooMany {
        /// What (`sheets`, `fields`, `options`).
        what: String,
        /// The bound.
        max: usize,
    },
}

impl AdditionProblem {
    /// The problem in words (Japanese or English).
    pub fn message(&self, lang: crate::Lang) -> String {
        let ja = lang == crate::Lang::Ja;
        match self {
            AdditionProblem::BadId { id } if ja => format!(
                "ID「{id}」は使えません。x_で始まる半角英小文字・数字・_の3〜64文字にしてください。"
            ),
            AdditionProblem::BadId { id } => format!(
                "The id \"{id}\" cannot be used: 3 to 64 lower-case letters, digits or _, starting with x_."
            ),
            AdditionProblem::Duplicate { id } if ja => format!("ID「{id}」が二度使われています。"),
            AdditionProblem::Duplicate { id } => format!("The id \"{id}\" is used twice."),
            AdditionProblem::BadLabel { id } if ja => format!(
                "「{id}」の表示名は1〜{MAX_LABEL_CHARS}文字（選択肢は{MAX_OPTION_CHARS}文字まで）にし、改行やタブなどの制御文字を含めないでください。"
            ),
            AdditionProblem::BadLabel { id } => format!(
                "Give \"{id}\" a name of 1 to {MAX_LABEL_CHARS} characters (options up to {MAX_OPTION_CHARS}) without line breaks, tabs or other control characters."
            ),
            AdditionProblem::Unknown { id } if ja => format!("「{id}」は標準のCRMにありません。"),
            AdditionProblem::Unknown { id } => format!("The standard CRM has no \"{id}\"."),
            AdditionProblem::BadRelation { field } if ja => {
                format!("項目「{field}」の紐づき先のシートを選んでください。")
            }
            AdditionProblem::BadRelation { field } => {
                format!("Choose the sheet the field \"{field}\" points at.")
            }
            AdditionProblem::BadOptions { field } if ja => {
                format!("項目「{field}」の選択肢を見直してください（空でなく、重複しないこと）。")
            }
            AdditionProblem::BadOptions { field } => {
                format!("Check the options of \"{field}\": none blank, none twice, at least one.")
            }
            AdditionProblem::NotADropdown { field } if ja => {
                format!("項目「{field}」はプルダウンではないため、選択肢を追加できません。")
            }
            AdditionProblem::NotADropdown { field } => {
                format!("\"{field}\" is not a dropdown: it has no options to add to.")
            }
            AdditionProblem::NoIdField { sheet } if ja => {
                format!("拡張シート「{sheet}」の最初の項目はID（テキスト）にしてください。")
            }
            AdditionProblem::NoIdField { sheet } => {
                format!("The first field of the extension sheet \"{sheet}\" must be its id (text).")
            }
            AdditionProblem::TooMany { what, max } if ja => {
                format!("{what}は{max}個までです。")
            }
            AdditionProblem::TooMany { what, max } => format!("At most {max} {what}."),
        }
    }
}

/// The longest name of an added sheet or field.
pub const MAX_LABEL_CHARS: usize = 100;
/// The longest dropdown option.
pub const MAX_OPTION_CHARS: usize = 200;

/// Whether a name or option of at most `max` characters may be saved: not
/// blank, no control character (names go into CSV headers and e-mail
/// subjects).
fn text_ok(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

impl CatalogAdditions {
    /// What a save must also satisfy beyond [`Catalog::with_additions`]:
    /// every added sheet's and field's name at most [`MAX_LABEL_CHARS`]
    /// characters and every added option at most [`MAX_OPTION_CHARS`],
    /// none blank or holding a control character. Checked when saving
    /// only, so that additions stored before the bound still load.
    pub fn name_problems(&self) -> Vec<AdditionProblem> {
        let mut problems = Vec::new();
        let mut bad = |id: &str| problems.push(AdditionProblem::BadLabel { id: id.to_owned() });
        for sheet in &self.sheets {
            if !text_ok(&sheet.name, MAX_LABEL_CHARS) {
                bad(&sheet.id);
            }
            for field in &sheet.fields {
                if !text_ok(&field.label, MAX_LABEL_CHARS)
                    || !field.options.iter().all(|o| text_ok(o, MAX_OPTION_CHARS))
                {
                    bad(&field.id);
                }
            }
        }
        for added in &self.fields {
            if !text_ok(&added.field.label, MAX_LABEL_CHARS)
                || !added
                    .field
                    .options
                    .iter()
                    .all(|o| text_ok(o, MAX_OPTION_CHARS))
            {
                bad(&added.field.id);
            }
        }
        for added in &self.options {
            if !added.options.iter().all(|o| text_ok(o, MAX_OPTION_CHARS)) {
                bad(&added.field);
            }
        }
        problems
    }
}

fn valid_added_id(id: &str) -> bool {
    id.starts_with(ADDED_PREFIX)
        && (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The problems of one field (added to a sheet or in an extension sheet).
fn check_field(field: &Field, sheet_ids: &HashSet<&str>, problems: &mut Vec<AdditionProblem>) {
    if field.label.trim().is_empty() {
        problems.push(AdditionProblem::BadLabel {
            id: field.id.clone(),
        });
    }
    let relation_ok = match (field.field_type, &field.relation_sheet) {
        (FieldType::Relation, Some(target)) => sheet_ids.contains(target.as_str()),
        (FieldType::Relation, None) => false,
        (_, other) => other.is_none(),
    };
    if !relation_ok {
        problems.push(AdditionProblem::BadRelation {
            field: field.id.clone(),
        });
    }
    let dropdown = field.field_type == FieldType::Dropdown;
    if dropdown && !options_ok(&field.options) || !dropdown && !field.options.is_empty() {
        problems.push(AdditionProblem::BadOptions {
            field: field.id.clone(),
        });
    }
}

fn options_ok(options: &[String]) -> bool {
    let mut seen = HashSet::new();
    !options.is_empty()
        && options.len() <= MAX_OPTIONS
        && options.iter().all(|o| {
            !o.trim().is_empty() && o.chars().count() <= MAX_OPTION_CHARS && seen.insert(o.as_str())
        })
}

impl Catalog {
    /// This (standard) catalog with a tenant's additions, or every problem
    /// of the additions.
    pub fn with_additions(
        &self,
        additions: &CatalogAdditions,
    ) -> Result<Catalog, Vec<AdditionProblem>> {
        let mut problems = Vec::new();
        let mut catalog = self.clone();
        for (count, what, max) in [
            (additions.sheets.len(), "sheets", MAX_EXTENSION_SHEETS),
            (additions.fields.len(), "fields", MAX_ADDED_FIELDS * 10),
            (additions.options.len(), "options", MAX_OPTIONS),
        ] {
            if count > max {
                problems.push(AdditionProblem::TooMany {
                    what: what.to_owned(),
                    max,
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut sheet_ids: HashSet<&str> = self.sheets.iter().map(|s| s.id.as_str()).collect();
        for sheet in &additions.sheets {
            if !valid_added_id(&sheet.id) {
                problems.push(AdditionProblem::BadId {
                    id: sheet.id.clone(),
                });
            }
            if !sheet_ids.insert(sheet.id.as_str()) {
                problems.push(AdditionProblem::Duplicate {
                    id: sheet.id.clone(),
                });
            }
        }
        for sheet in &additions.sheets {
            if sheet.name.trim().is_empty() {
                problems.push(AdditionProblem::BadLabel {
                    id: sheet.id.clone(),
                });
            }
            if sheet.fields.len() > MAX_ADDED_FIELDS {
                problems.push(AdditionProblem::TooMany {
                    what: "fields".to_owned(),
                    max: MAX_ADDED_FIELDS,
                });
            }
            match sheet.fields.first() {
                Some(first) if first.is_id && first.field_type == FieldType::Text => {}
                _ => problems.push(AdditionProblem::NoIdField {
                    sheet: sheet.id.clone(),
                }),
            }
            let mut field_ids = HashSet::new();
            for field in &sheet.fields {
                if !field_ids.insert(field.id.as_str()) {
                    problems.push(AdditionProblem::Duplicate {
                        id: format!("{}.{}", sheet.id, field.id),
                    });
                }
                let valid = field.is_id && field.id == "id"
                    || field.is_name && field.id == "name"
                    || !field.is_id && !field.is_name && valid_added_id(&field.id);
                if !valid {
                    problems.push(AdditionProblem::BadId {
                        id: format!("{}.{}", sheet.id, field.id),
                    });
                }
                check_field(field, &sheet_ids, &mut problems);
            }
        }
        for added in &additions.fields {
            let Some(sheet) = catalog.sheets.iter_mut().find(|s| s.id == added.sheet) else {
                problems.push(AdditionProblem::Unknown {
                    id: added.sheet.clone(),
                });
                continue;
            };
            if added.field.is_id || added.field.is_name || !valid_added_id(&added.field.id) {
                problems.push(AdditionProblem::BadId {
                    id: format!("{}.{}", added.sheet, added.field.id),
                });
            }
            if sheet.field(&added.field.id).is_some() {
                problems.push(AdditionProblem::Duplicate {
                    id: format!("{}.{}", added.sheet, added.field.id),
                });
            }
            check_field(&added.field, &sheet_ids, &mut problems);
            sheet.fields.push(added.field.clone());
        }
        for added in &additions.options {
            let Some(field) = catalog
                .sheets
                .iter_mut()
                .find(|s| s.id == added.sheet)
                .and_then(|s| s.fields.iter_mut().find(|f| f.id == added.field))
            else {
                problems.push(AdditionProblem::Unknown {
                    id: format!("{}.{}", added.sheet, added.field),
                });
                continue;
            };
            if field.field_type != FieldType::Dropdown {
                problems.push(AdditionProblem::NotADropdown {
                    field: field.id.clone(),
                });
                continue;
            }
            field.options.extend(added.options.iter().cloned());
            if !options_ok(&field.options) {
                problems.push(AdditionProblem::BadOptions {
                    field: field.id.clone(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        catalog.sheets.extend(additions.sheets.iter().cloned());
        Ok(catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::crm_catalog;

    fn extension() -> Sheet {
        Sheet {
            id: "x_events".into(),
            name: "展示会".into(),
            fields: vec![
                Field {
                    is_id: true,
                    ..Field::new("id", "ID", FieldType::Text)
                },
                Field {
                    is_name: true,
                    ..Field::new("name", "展示会名", FieldType::Text)
                },
                Field {
                    relation_sheet: Some("customer".into()),
                    ..Field::new("x_customer", "来場企業", FieldType::Relation)
                },
                Field {
                    options: vec!["東京".into(), "大阪".into()],
                    ..Field::new("x_venue", "会場", FieldType::Dropdown)
                },
            ],
        }
    }

    #[test]
    fn additions_join_the_standard_catalog() {
        let additions = CatalogAdditions {
            sheets: vec![extension()],
            fields: vec![AddedField {
                sheet: "customer".into(),
                field: Field::new("x_industry", "業種", FieldType::Text),
            }],
            options: vec![AddedOptions {
                sheet: "customer".into(),
                field: "rank".into(),
                options: vec!["S".into()],
            }],
            revision: 0,
        };
        let catalog = crm_catalog().with_additions(&additions).expect("valid");
        assert_eq!(catalog.sheets.len(), 11);
        let customer = catalog.sheet("customer").expect("customers");
        assert_eq!(
            customer.fields.last().map(|f| f.id.as_str()),
            Some("x_industry")
        );
        assert_eq!(
            customer.field("rank").map(|f| f.options.last().cloned()),
            Some(Some("S".into()))
        );
        assert!(catalog.sheet("x_events").is_some());
    }

    #[test]
    fn bad_additions_are_refused_with_every_problem() {
        let mut bad = extension();
        bad.id = "events".into();
        bad.fields[2].relation_sheet = Some("planet".into());
        bad.fields[3].options = vec!["東京".into(), "東京".into()];
        let additions = CatalogAdditions {
            sheets: vec![bad],
            fields: vec![AddedField {
                sheet: "customer".into(),
                field: Field::new("phone", "電話", FieldType::Text),
            }],
            options: vec![AddedOptions {
                sheet: "customer".into(),
                field: "name".into(),
                options: vec!["x".into()],
            }],
            revision: 0,
        };
        let problems = crm_catalog()
            .with_additions(&additions)
            .expect_err("refused");
        let kinds: Vec<String> = problems
            .iter()
            .map(|p| {
                format!("{p:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "BadId",
                "BadRelation",
                "BadOptions",
                "BadId",
                "Duplicate",
                "NotADropdown"
            ],
            "{problems:?}"
        );
        assert!(problems[0].message(crate::Lang::Ja).contains("x_で始まる"));

        // Bounded: too many sheets is refused before anything else is read.
        let many = CatalogAdditions {
            sheets: (0..=MAX_EXTENSION_SHEETS)
                .map(|i| Sheet {
                    id: format!("x_s{i}"),
                    ..extension()
                })
                .collect(),
            ..CatalogAdditions::default()
        };
        assert_eq!(
            crm_catalog().with_additions(&many).expect_err("refused"),
            [AdditionProblem::TooMany {
                what: "sheets".into(),
                max: MAX_EXTENSION_SHEETS
            }]
        );
    }
}
