//! Setting up an organisation (evaluation admins only): periods, who is in
//! which group, customize sheets — nested blocks, items of every type, who
//! may write each item in which sheet status, published or not — the
//! evaluatees of a sheet in a period, and members in bulk (the member CSV).

use serde::{Deserialize, Serialize};

pub use sheetlink_engine::members::MemberColumn;

use crate::evaluation::ImportError;
use crate::org::SheetStatusName;

/// The deepest blocks may nest (a block in a block in …).
pub const MAX_BLOCK_DEPTH: usize = 10;
/// The most blocks a sheet has.
pub const MAX_BLOCKS: usize = 500;
/// The most items a sheet has (a template holds at most as many).
pub const MAX_SHEET_ITEMS: usize = 1_000;
/// The most options a dropdown has.
pub const MAX_OPTIONS: usize = 200;
/// The longest item or block name and option label, in characters.
pub const MAX_LABEL_CHARS: usize = 100;
/// The longest text a text item may be limited to.
pub const MAX_TEXT_LIMIT: u32 = 100_000;

/// A new evaluation period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPeriod {
    /// Id (see `naming`), e.g. `2026-h1`; printed in templates' row 1.
    pub id: String,
    /// Name, e.g. 2026年度上期.
    pub name: String,
}

/// A change of a period: a new name, opened or closed (a closed period
/// takes no imports and its templates are refused).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodChange {
    /// The new name.
    #[serde(default)]
    pub name: Option<String>,
    /// Open (`true`) or closed (`false`).
    #[serde(default)]
    pub open: Option<bool>,
}

/// A group with the members in it, as the group screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMembers {
    /// Group id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Member ids, in id order.
    pub members: Vec<String>,
}

/// Who is in a group: the whole list (members left out leave it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMembership {
    /// Member ids.
    pub members: Vec<String>,
}

/// Who may write an item, per role, in which sheet statuses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WriteMatrix {
    /// Statuses in which evaluation admins may write it.
    #[serde(default)]
    pub admin: Vec<SheetStatusName>,
    /// Statuses in which the evaluatee's group leaders may write it.
    #[serde(default)]
    pub leader: Vec<SheetStatusName>,
}

/// What an item is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKindDefinition {
    /// A number, with an optional smallest and largest value.
    Number {
        /// Smallest accepted value.
        #[serde(default)]
        min: Option<f64>,
        /// Largest accepted value.
        #[serde(default)]
        max: Option<f64>,
    },
    /// Free text, with an optional longest length in characters.
    Text {
        /// Longest accepted text.
        #[serde(default)]
        max_len: Option<u32>,
    },
    /// One of the option labels.
    Dropdown {
        /// The labels, in display order.
        options: Vec<String>,
    },
    /// On or off.
    Checkbox,
    /// 評価記入欄: written on the sheet's screen, never imported.
    EvaluationEntry,
}

/// One item of a sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemDefinition {
    /// Id (see `naming`), unique in the sheet; printed in templates' row 2.
    pub id: String,
    /// Name.
    pub name: String,
    /// What it holds.
    pub kind: ItemKindDefinition,
    /// Who may write it when.
    #[serde(default)]
    pub write: WriteMatrix,
}

/// A block: a name (empty shows as 未設定), its items, and blocks inside it
/// (listed after its items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockDefinition {
    /// Id (see `naming`), unique in the sheet.
    pub id: String,
    /// Name; may be empty.
    #[serde(default)]
    pub name: String,
    /// Its items, in order.
    #[serde(default)]
    pub items: Vec<ItemDefinition>,
    /// Blocks inside this one, in order (after its items).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub blocks: Vec<BlockDefinition>,
}

/// What a customize sheet is made of: its name and blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetDefinition {
    /// Name.
    pub name: String,
    /// Its blocks, in order.
    pub blocks: Vec<BlockDefinition>,
}

/// A customize sheet as the sheet editor reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetDocument {
    /// Id.
    pub id: String,
    /// Published: templates and imports may use it.
    pub published: bool,
    /// User sheets of it, in all periods.
    pub user_sheets: u64,
    /// The definition.
    pub definition: SheetDefinition,
}

/// A customize sheet in the admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetOutline {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Published.
    pub published: bool,
    /// Its items.
    pub items: u32,
}

/// A new customize sheet: unpublished, one unnamed block, no items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSheet {
    /// Id (see `naming`); printed in templates' row 1.
    pub id: String,
    /// Name.
    pub name: String,
}

/// Publishing or unpublishing a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publication {
    /// Published.
    pub published: bool,
}

/// Who becomes an evaluatee of a sheet in a period: every member of the
/// groups, and the members listed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluateeRequest {
    /// Group ids.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Member ids.
    #[serde(default)]
    pub members: Vec<String>,
}

/// What adding evaluatees did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluateesAdded {
    /// User sheets created (in the sheet's first status).
    pub added: u32,
    /// Members who had one already (left as they are).
    pub already: u32,
    /// Deactivated members skipped.
    pub inactive: u32,
}

/// An evaluatee of a sheet in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluateeView {
    /// Member id.
    pub member: String,
    /// Name.
    pub name: String,
    /// The template's key (employee number, else e-mail).
    pub key: String,
    /// Their sheet's status.
    pub status: SheetStatusName,
}

/// How a member file is taken: checked only, or applied as checked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MemberImportOptions {
    /// Apply; without it the file is only checked (the dry run).
    #[serde(default)]
    pub apply: bool,
    /// Full sync: members missing from the file are deactivated.
    #[serde(default)]
    pub full_sync: bool,
    /// With `apply`: the `plan` of the dry run the admin saw. The file is
    /// applied only if it would still do exactly that.
    #[serde(default)]
    pub plan: Option<String>,
}

/// What a member row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberOutcome {
    /// A new member.
    Created,
    /// An existing member changes.
    Updated,
    /// An existing member, as the file says already.
    Unchanged,
    /// Not in the file, deactivated by full sync.
    Deactivated,
}

/// One member the file creates or changes (or full sync deactivates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberChange {
    /// The file's row; `None` for a member not in the file.
    pub row: Option<u32>,
    /// What happens.
    pub outcome: MemberOutcome,
    /// Name (the new one).
    pub name: String,
    /// Employee number, else e-mail.
    pub key: String,
    /// The fields that change (all of a new member's that are set).
    pub fields: Vec<MemberColumn>,
    /// A new member's login id (they get a set-up link); `None` when they
    /// cannot sign in (no address nor a usable employee number).
    #[serde(default)]
    pub login: Option<String>,
}

/// The counts of a member file; rows = created + updated + unchanged +
/// failed, always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberCounts {
    /// Data rows.
    pub rows: u32,
    /// New members.
    pub created: u32,
    /// Members who change.
    pub updated: u32,
    /// Members as the file says already.
    pub unchanged: u32,
    /// Rows with a problem.
    pub failed: u32,
    /// Of those updated: deactivated by an explicit 無効.
    pub deactivated: u32,
    /// Of those updated: activated again by an explicit 有効.
    pub reactivated: u32,
    /// Not in the file and deactivated by full sync (not rows).
    pub deactivated_by_sync: u32,
}

/// A set-up link of a new member, shown once after the apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMemberLink {
    /// Name.
    pub name: String,
    /// Login id.
    pub login: String,
    /// The link (empty when it was e-mailed).
    pub url: String,
    /// Whether it was e-mailed instead.
    pub emailed: bool,
    /// Seconds since the epoch when it stops working.
    pub expires_at: u64,
}

/// The most member changes one answer lists (the counts stay exact).
pub const MAX_LISTED_MEMBER_CHANGES: usize = 1_000;

/// A checked (or applied) member file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberImport {
    /// Whether it was applied (only a file without problems is).
    pub applied: bool,
    /// Full sync.
    pub full_sync: bool,
    /// What applying this file does, as a fingerprint: the apply names it.
    pub plan: String,
    /// The counts.
    pub counts: MemberCounts,
    /// Who is created, changed or deactivated, the first
    /// [`MAX_LISTED_MEMBER_CHANGES`] in file order.
    pub changes: Vec<MemberChange>,
    /// Groups that do not exist yet and are created.
    pub new_groups: Vec<String>,
    /// Names of group leaders who lead no period yet (set them on the
    /// account screen).
    pub leaders_without_periods: Vec<String>,
    /// The first problems, by row and column.
    pub errors: Vec<ImportError>,
    /// Every problem.
    pub error_count: u32,
    /// After an apply: the new members' set-up links.
    #[serde(default)]
    pub links: Vec<NewMemberLink>,
}

/// How a member export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MemberExportOptions {
    /// Headers and words in English (default Japanese).
    #[serde(default)]
    pub english: bool,
    /// Shift_JIS (default UTF-8 with BOM).
    #[serde(default)]
    pub shift_jis: bool,
}
