//! Batch linkage (PRODUCT.md Part B): CRM sheets with typed fields, import
//! conditions that map CSV columns onto fields, and export conditions that
//! filter, sort and write records. Shared by the import wizard's instant
//! preview (in the browser), the server's authoritative apply, and the batch
//! client.
//!
//! - [`Field`] / [`Sheet`] / [`Catalog`] and [`parse_value`]: what each field
//!   type accepts and its canonical form;
//! - [`ImportCondition`] with [`ImportCondition::check`], then [`map_file`]
//!   and [`preview`]: per row the matching keys, the patch and the relation
//!   look-ups, with located diagnostics;
//! - [`suggest_mapping`]: header → field suggestions with a confidence, after
//!   [`best_template`] looked for a saved [`MappingTemplate`] that fits;
//! - [`ExportCondition`] and [`export`]: filtering, sorting, writing.

mod additions;
mod condition;
mod crm;
mod export;
mod field;
mod mapping;
#[cfg(feature = "sample")]
pub mod sample;
mod suggest;
mod templates;

pub use additions::{
    ADDED_PREFIX, AddedField, AddedOptions, AdditionProblem, CatalogAdditions, MAX_ADDED_FIELDS,
    MAX_EXTENSION_SHEETS, MAX_LABEL_CHARS, MAX_OPTION_CHARS, MAX_OPTIONS,
};
pub use condition::{
    Comparison, ConditionIssue, ConditionProblem, DuplicateHandling, ExportColumn, ExportCondition,
    Filter, ImportCondition, ImportMode, InFileDuplicates, InputEncoding, MAX_CONDITION_COLUMNS,
    MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_KEY_LEN, MAX_SORT_KEYS, MappingRow, OnExisting,
    OutputEncoding, RelationColumn, RelationKey, SortKey, Source, Unrepresentable, valid_key,
};
pub use crm::{RANKS, crm_catalog};
pub(crate) use export::Writer;
pub use export::{
    Export, ExportPreview, RecordFilter, RelatedValues, SheetRecord, UnrepresentableCell, export,
    export_preview,
};
pub(crate) use field::is_email;
pub use field::{
    Catalog, Field, FieldType, MAX_SORT_KEY_BYTES, MAX_VALUE_CHARS, Sheet, compare_values,
    parse_value, sort_key,
};
pub(crate) use mapping::decode;
pub use mapping::{
    FieldChange, MAX_BATCH_ROWS, MAX_DIAGNOSED_ROWS, MapStatus, MappedRow, Mapping, map_file,
    map_rows, preview, sample_rows,
};
pub use suggest::{MIN_CONFIDENCE, MatchKind, Suggestion, normalize_label, suggest_mapping};
pub use templates::{
    MAX_TEMPLATE_NAME, MAX_TEMPLATES, MappingTemplate, TemplateProblem, best_template, by_header,
};
