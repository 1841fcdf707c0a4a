//! The organisation as the import screens pick from it: periods, sheets,
//! items and members.

use serde::{Deserialize, Serialize};

/// An evaluation period the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Open (not closed).
    pub open: bool,
    /// Whether an import may target it now (open).
    pub importable: bool,
}

/// A published sheet the caller may pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// The type of an importable item, as the template's row 4 and the schema
/// name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// A number (integer or decimal, with bounds).
    Number,
    /// Free text.
    Text,
    /// One of the listed choices.
    Dropdown,
    /// On or off.
    Checkbox,
}

impl ItemType {
    /// Its JSON name (`number`, `text`, `dropdown`, `checkbox`).
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Number => "number",
            ItemType::Text => "text",
            ItemType::Dropdown => "dropdown",
            ItemType::Checkbox => "checkbox",
        }
    }
}

impl From<&sheetlink_engine::evaluation::ItemKind> for ItemType {
    fn from(kind: &sheetlink_engine::evaluation::ItemKind) -> Self {
        use sheetlink_engine::evaluation::ItemKind;
        match kind {
            ItemKind::Number { .. } => ItemType::Number,
            ItemKind::Text { .. } => ItemType::Text,
            ItemKind::Dropdown { .. } => ItemType::Dropdown,
            ItemKind::Checkbox => ItemType::Checkbox,
        }
    }
}

/// An item the caller may import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemView {
    /// Id.
    pub id: String,
    /// `【Block>Item】` as in row 3.
    pub caption: String,
    /// Its type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
}

/// The items a template is made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateRequest {
    /// Item ids.
    pub items: Vec<String>,
}

/// A member, for pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// Where a member's sheet is in the evaluation flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SheetStatusName {
    /// 未着手
    NotStarted,
    /// 自己評価済
    SelfEvaluated,
    /// 一次評価済
    FirstEvaluated,
    /// 最終評価完了
    FinalEvaluated,
}

/// One item of a sheet with its stored value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemValue {
    /// Item id.
    pub id: String,
    /// The item's own label (its block is the group it is listed in).
    pub label: String,
    /// Its type.
    pub item_type: ItemType,
    /// The stored value; empty when none.
    pub value: String,
}

/// The items of one block (ブロック), in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockView {
    /// The block's caption (`業績評価 > 目標1`); empty for items outside
    /// any block.
    pub caption: String,
    /// Items.
    pub items: Vec<ItemValue>,
}

/// A member's sheet in a period, read-only, values grouped by block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSheetView {
    /// Period id.
    pub period: String,
    /// Period name.
    pub period_name: String,
    /// Whether the period is open.
    pub period_open: bool,
    /// Sheet id.
    pub sheet: String,
    /// Sheet name.
    pub sheet_name: String,
    /// Member id of whose sheet it is.
    pub member: String,
    /// Their name.
    pub member_name: String,
    /// The status.
    pub status: SheetStatusName,
    /// The status the owner may move it to now (only the owner, only in an
    /// open period); `None` otherwise.
    #[serde(default)]
    pub next_status: Option<SheetStatusName>,
    /// The values, grouped by block.
    pub blocks: Vec<BlockView>,
}

/// A sheet in a list: whose, where, which status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetSummary {
    /// Member id.
    pub member: String,
    /// Their name.
    pub member_name: String,
    /// The status.
    pub status: SheetStatusName,
}

/// Moving one's own sheet on: the status the owner saw (so that a second
/// press does not move it twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvanceRequest {
    /// The status the sheet has now.
    pub from: SheetStatusName,
}

#[cfg(test)]
mod tests {
    use super::*;
    use sheetlink_engine::evaluation::ItemKind;

    #[test]
    fn item_types_are_named_as_the_schema_names_them() {
        let kinds = [
            ItemKind::Number {
                min: None,
                max: None,
            },
            ItemKind::Text { max_len: None },
            ItemKind::Dropdown {
                options: Vec::new(),
            },
            ItemKind::Checkbox,
        ];
        for kind in &kinds {
            let json = serde_json::to_value(ItemType::from(kind)).expect("serializes");
            assert_eq!(json, kind.schema_name());
            assert_eq!(ItemType::from(kind).as_str(), kind.schema_name());
        }
    }
}
