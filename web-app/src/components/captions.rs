//! Item captions (`業績評価 > 総合点`) for the item ids the server's answers
//! carry: screens show names, not ids.

use std::collections::HashMap;
use std::sync::Arc;

use sheetlink_engine::evaluation::{SheetSchema, UNNAMED_BLOCK};

use crate::api::{self, segment};
use crate::cache;

/// The captions of one sheet's items, by item id.
#[derive(Debug, Clone, Default)]
pub struct Captions(Arc<HashMap<String, String>>);

impl Captions {
    /// The captions in `schema` (JSON); none if it does not read.
    pub fn from_schema(schema: &str) -> Captions {
        let map = serde_json::from_str::<SheetSchema>(schema)
            .map(|schema| {
                schema
                    .items
                    .iter()
                    .map(|item| (item.id.clone(), screen_caption(&item.label, &item.id)))
                    .collect()
            })
            .unwrap_or_default();
        Captions(Arc::new(map))
    }

    /// The caption of `item`; the id itself when the sheet no longer has it.
    pub fn of(&self, item: &str) -> String {
        self.0.get(item).cloned().unwrap_or_else(|| item.to_owned())
    }

    /// The captions of (period, sheet): from the schema saved in this
    /// browser, else from the server; none when neither has it (the ids are
    /// shown then).
    pub async fn load(period: &str, sheet: &str) -> Captions {
        if let Some(saved) = cache::schema(period, sheet) {
            return Captions::from_schema(&saved);
        }
        let path = format!(
            "/api/periods/{}/sheets/{}/schema",
            segment(period),
            segment(sheet)
        );
        match api::get_text(&path).await {
            Ok(json) => Captions::from_schema(&json),
            Err(_) => Captions::default(),
        }
    }
}

/// `業績評価 > 総合点`: the blocks and the item's name as a screen shows
/// them (the template's row 3 brackets the same as `【業績評価>総合点】`).
pub fn screen_caption(label: &[String], id: &str) -> String {
    if label.is_empty() {
        return id.to_owned();
    }
    label
        .iter()
        .map(|part| {
            if part.is_empty() {
                UNNAMED_BLOCK
            } else {
                part.as_str()
            }
        })
        .collect::<Vec<_>>()
        .join(" > ")
}
