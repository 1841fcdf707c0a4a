//! The editor's state: the sheet's tree as signals, one per field, so that
//! typing in one box re-renders nothing else; read back into the wire's
//! definition (checked here first, by the server again) when saved.

use std::cell::Cell;

use leptos::prelude::*;
use sheetlink_protocol::org::SheetStatusName;
use sheetlink_protocol::organisation::{
    BlockDefinition, ItemDefinition, ItemKindDefinition, WriteMatrix,
};

thread_local! {
    static NEXT_KEY: Cell<usize> = const { Cell::new(1) };
}

/// A key no other block or item of this page has (for `<For>`).
fn next_key() -> usize {
    NEXT_KEY.with(|key| {
        let next = key.get();
        key.set(next + 1);
        next
    })
}

/// An item's type, as the type select names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindChoice {
    /// 数値.
    Number,
    /// 記入テキスト.
    Text,
    /// プルダウン.
    Dropdown,
    /// チェックボックス.
    Checkbox,
    /// 評価記入欄.
    Entry,
}

impl KindChoice {
    /// Every type, in the select's order.
    pub const ALL: [KindChoice; 5] = [
        KindChoice::Number,
        KindChoice::Text,
        KindChoice::Dropdown,
        KindChoice::Checkbox,
        KindChoice::Entry,
    ];

    /// The select's value.
    pub fn value(self) -> &'static str {
        match self {
            KindChoice::Number => "number",
            KindChoice::Text => "text",
            KindChoice::Dropdown => "dropdown",
            KindChoice::Checkbox => "checkbox",
            KindChoice::Entry => "evaluation_entry",
        }
    }

    /// Its name (Japanese, English).
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            KindChoice::Number => ("数値", "Number"),
            KindChoice::Text => ("記入テキスト", "Text"),
            KindChoice::Dropdown => ("プルダウン", "Dropdown"),
            KindChoice::Checkbox => ("チェックボックス", "Checkbox"),
            KindChoice::Entry => (
                "評価記入欄（インポート対象外）",
                "Evaluation entry (never imported)",
            ),
        }
    }

    /// The type a select value names.
    pub fn from_value(value: &str) -> KindChoice {
        KindChoice::ALL
            .into_iter()
            .find(|k| k.value() == value)
            .unwrap_or(KindChoice::Text)
    }
}

/// One item being edited.
#[derive(Debug, Clone, Copy)]
pub struct ItemState {
    /// Its `<For>` key.
    pub key: usize,
    /// 項目ID.
    pub id: RwSignal<String>,
    /// 項目名.
    pub name: RwSignal<String>,
    /// Its type.
    pub kind: RwSignal<KindChoice>,
    /// A number's minimum, as typed.
    pub min: RwSignal<String>,
    /// A number's maximum, as typed.
    pub max: RwSignal<String>,
    /// A text's longest length, as typed.
    pub max_len: RwSignal<String>,
    /// A dropdown's options, one per line.
    pub options: RwSignal<String>,
    /// Statuses in which evaluation admins write it.
    pub admin: RwSignal<Vec<SheetStatusName>>,
    /// Statuses in which group leaders write it.
    pub leader: RwSignal<Vec<SheetStatusName>>,
}

fn number_text(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl ItemState {
    /// The state of `item`.
    pub fn of(item: &ItemDefinition) -> Self {
        let (kind, min, max, max_len, options) = match &item.kind {
            ItemKindDefinition::Number { min, max } => (
                KindChoice::Number,
                number_text(*min),
                number_text(*max),
                String::new(),
                String::new(),
            ),
            ItemKindDefinition::Text { max_len } => (
                KindChoice::Text,
                String::new(),
                String::new(),
                max_len.map(|n| n.to_string()).unwrap_or_default(),
                String::new(),
            ),
            ItemKindDefinition::Dropdown { options } => (
                KindChoice::Dropdown,
                String::new(),
                String::new(),
                String::new(),
                options.join("\n"),
            ),
            ItemKindDefinition::Checkbox => (
                KindChoice::Checkbox,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ),
            ItemKindDefinition::EvaluationEntry => (
                KindChoice::Entry,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ),
        };
        ItemState {
            key: next_key(),
            id: RwSignal::new(item.id.clone()),
            name: RwSignal::new(item.name.clone()),
            kind: RwSignal::new(kind),
            min: RwSignal::new(min),
            max: RwSignal::new(max),
            max_len: RwSignal::new(max_len),
            options: RwSignal::new(options),
            admin: RwSignal::new(item.write.admin.clone()),
            leader: RwSignal::new(item.write.leader.clone()),
        }
    }

    /// A new text item with an id not taken yet on this page.
    pub fn fresh() -> Self {
        let key = next_key();
        ItemState::of(&ItemDefinition {
            id: format!("item{key}"),
            name: String::new(),
            kind: ItemKindDefinition::Text { max_len: None },
            write: WriteMatrix {
                admin: vec![
                    SheetStatusName::NotStarted,
                    SheetStatusName::SelfEvaluated,
                    SheetStatusName::FirstEvaluated,
                    SheetStatusName::FinalEvaluated,
                ],
                leader: vec![SheetStatusName::NotStarted, SheetStatusName::SelfEvaluated],
            },
        })
    }

    /// The item as the wire says it; `Err` names what to fix (Japanese,
    /// English).
    pub fn definition(&self) -> Result<ItemDefinition, (String, String)> {
        let name = self.name.get_untracked();
        let shown = if name.trim().is_empty() {
            self.id.get_untracked()
        } else {
            name.clone()
        };
        let number = |text: String, what: (&str, &str)| -> Result<Option<f64>, (String, String)> {
            let text = text.trim().to_owned();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>().map(Some).map_err(|_| {
                (
                    format!("項目「{shown}」の{}「{text}」は数ではありません。", what.0),
                    format!(
                        "Item \"{shown}\": the {} \"{text}\" is not a number.",
                        what.1
                    ),
                )
            })
        };
        let kind = match self.kind.get_untracked() {
            KindChoice::Number => ItemKindDefinition::Number {
                min: number(self.min.get_untracked(), ("最小値", "minimum"))?,
                max: number(self.max.get_untracked(), ("最大値", "maximum"))?,
            },
            KindChoice::Text => {
                let text = self.max_len.get_untracked().trim().to_owned();
                let max_len = if text.is_empty() {
                    None
                } else {
                    Some(text.parse::<u32>().map_err(|_| {
                        (format!("項目「{shown}」の最大文字数「{text}」は整数ではありません。"), format!("Item \"{shown}\": the longest text \"{text}\" is not a whole number."))
                    })?)
                };
                ItemKindDefinition::Text { max_len }
            }
            KindChoice::Dropdown => ItemKindDefinition::Dropdown {
                options: self
                    .options
                    .get_untracked()
                    .lines()
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            KindChoice::Checkbox => ItemKindDefinition::Checkbox,
            KindChoice::Entry => ItemKindDefinition::EvaluationEntry,
        };
        Ok(ItemDefinition {
            id: self.id.get_untracked().trim().to_owned(),
            name: name.trim().to_owned(),
            kind,
            write: WriteMatrix {
                admin: self.admin.get_untracked(),
                leader: self.leader.get_untracked(),
            },
        })
    }
}

/// One block being edited.
#[derive(Debug, Clone, Copy)]
pub struct BlockState {
    /// Its `<For>` key.
    pub key: usize,
    /// ブロックID.
    pub id: RwSignal<String>,
    /// ブロック名 (may be empty: 未設定).
    pub name: RwSignal<String>,
    /// Its items.
    pub items: RwSignal<Vec<ItemState>>,
    /// The blocks inside it.
    pub blocks: RwSignal<Vec<BlockState>>,
}

impl BlockState {
    /// The state of `block` and everything in it.
    pub fn of(block: &BlockDefinition) -> Self {
        BlockState {
            key: next_key(),
            id: RwSignal::new(block.id.clone()),
            name: RwSignal::new(block.name.clone()),
            items: RwSignal::new(block.items.iter().map(ItemState::of).collect()),
            blocks: RwSignal::new(block.blocks.iter().map(BlockState::of).collect()),
        }
    }

    /// A new, empty, unnamed block.
    pub fn fresh() -> Self {
        let key = next_key();
        BlockState::of(&BlockDefinition {
            id: format!("block{key}"),
            name: String::new(),
            items: Vec::new(),
            blocks: Vec::new(),
        })
    }

    /// The block as the wire says it.
    pub fn definition(&self) -> Result<BlockDefinition, (String, String)> {
        Ok(BlockDefinition {
            id: self.id.get_untracked().trim().to_owned(),
            name: self.name.get_untracked().trim().to_owned(),
            items: self
                .items
                .get_untracked()
                .iter()
                .map(ItemState::definition)
                .collect::<Result<_, _>>()?,
            blocks: self
                .blocks
                .get_untracked()
                .iter()
                .map(BlockState::definition)
                .collect::<Result<_, _>>()?,
        })
    }
}
