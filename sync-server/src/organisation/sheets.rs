//! Customize sheets as the sheet editor sees them: nested blocks holding
//! items, each item with its type and who may write it in which status.
//!
//! The editor's tree ([`SheetDefinition`]) is what a sheet is; the flat
//! item list every template, import and permission check reads
//! ([`CustomizeSheet::items`], each item's label its block path) is made
//! from it on every save ([`flatten`]), never edited on its own. A sheet no
//! editor has saved yet (the demo's) is shown as the tree its labels
//! describe ([`tree_of`]).
//!
//! A sheet that has user sheets is changed with care: an item holding
//! values keeps its type and cannot be removed, and a dropdown option some
//! sheet holds cannot disappear (its values would silently stop matching).
//! Bounds and renames of everything else are free.

use std::collections::{BTreeSet, HashMap};

use sheetlink_engine::evaluation::{Item, ItemKind};
use sheetlink_protocol::accounts::{AuditAction, AuditEntry};
use sheetlink_protocol::naming::{IdKind, check_id};
use sheetlink_protocol::org::SheetStatusName;
use sheetlink_protocol::organisation::{
    BlockDefinition, ItemDefinition, ItemKindDefinition, MAX_BLOCK_DEPTH, MAX_BLOCKS,
    MAX_LABEL_CHARS, MAX_OPTIONS, MAX_SHEET_ITEMS, MAX_TEXT_LIMIT, NewSheet, Publication,
    SheetDefinition, SheetDocument, SheetOutline, WriteMatrix,
};

use super::{no_such_sheet, require_admin};
use crate::accounts::{audit_entry, check_name, id_error, named};
use crate::auth::Caller;
use crate::error::AppError;
use crate::model::{CustomizeSheet, SheetItem, SheetStatus, WritePermission};
use crate::store::{Organisation, OrganisationEdits, SheetUsage};

fn status(name: SheetStatusName) -> SheetStatus {
    match name {
        SheetStatusName::NotStarted => SheetStatus::NotStarted,
        SheetStatusName::SelfEvaluated => SheetStatus::SelfEvaluated,
        SheetStatusName::FirstEvaluated => SheetStatus::FirstEvaluated,
        SheetStatusName::FinalEvaluated => SheetStatus::FinalEvaluated,
    }
}

fn statuses(names: &[SheetStatusName]) -> Vec<SheetStatus> {
    let mut out: Vec<SheetStatus> = Vec::new();
    for &name in names {
        if !out.contains(&status(name)) {
            out.push(status(name));
        }
    }
    out
}

fn matrix(write: &WritePermission) -> WriteMatrix {
    WriteMatrix {
        admin: write.admin.iter().map(|&s| super::status_name(s)).collect(),
        leader: write
            .leader
            .iter()
            .map(|&s| super::status_name(s))
            .collect(),
    }
}

fn engine_kind(kind: &ItemKindDefinition) -> Option<ItemKind> {
    Some(match kind {
        ItemKindDefinition::Number { min, max } => ItemKind::Number {
            min: *min,
            max: *max,
        },
        ItemKindDefinition::Text { max_len } => ItemKind::Text { max_len: *max_len },
        ItemKindDefinition::Dropdown { options } => ItemKind::Dropdown {
            options: options.clone(),
        },
        ItemKindDefinition::Checkbox => ItemKind::Checkbox,
        ItemKindDefinition::EvaluationEntry => return None,
    })
}

fn definition_kind(kind: Option<&ItemKind>) -> ItemKindDefinition {
    match kind {
        Some(ItemKind::Number { min, max }) => ItemKindDefinition::Number {
            min: *min,
            max: *max,
        },
        Some(ItemKind::Text { max_len }) => ItemKindDefinition::Text { max_len: *max_len },
        Some(ItemKind::Dropdown { options }) => ItemKindDefinition::Dropdown {
            options: options.clone(),
        },
        Some(ItemKind::Checkbox) => ItemKindDefinition::Checkbox,
        None => ItemKindDefinition::EvaluationEntry,
    }
}

/// The flat items of `blocks`, in order: each block's items, then its
/// blocks; an item's label is its block path and its name.
pub fn flatten(blocks: &[BlockDefinition]) -> Vec<SheetItem> {
    fn walk(block: &BlockDefinition, path: &mut Vec<String>, out: &mut Vec<SheetItem>) {
        path.push(block.name.clone());
        for item in &block.items {
            let mut label = path.clone();
            label.push(item.name.clone());
            let write = WritePermission {
                admin: statuses(&item.write.admin),
                leader: statuses(&item.write.leader),
            };
            out.push(match engine_kind(&item.kind) {
                Some(kind) => SheetItem {
                    importable: Some(Item {
                        id: item.id.clone(),
                        label,
                        kind,
                    }),
                    entry_id: None,
                    entry_label: Vec::new(),
                    write,
                },
                None => SheetItem {
                    importable: None,
                    entry_id: Some(item.id.clone()),
                    entry_label: label,
                    write,
                },
            });
        }
        for inner in &block.blocks {
            walk(inner, path, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    for block in blocks {
        walk(block, &mut Vec::new(), &mut out);
    }
    out
}

/// The tree of a sheet: as saved, or as its items' labels describe it (a
/// block for each run of items under the same path; an item without a
/// block goes into an unnamed one).
pub fn tree_of(sheet: &CustomizeSheet) -> Vec<BlockDefinition> {
    if !sheet.blocks.is_empty() || sheet.items.is_empty() {
        return sheet.blocks.clone();
    }
    let mut roots: Vec<BlockDefinition> = Vec::new();
    let mut next_id = 0;
    for item in &sheet.items {
        let label: Vec<String> = match &item.importable {
            Some(importable) => importable.label.clone(),
            None if !item.entry_label.is_empty() => item.entry_label.clone(),
            None => vec![String::new(), item.id().to_owned()],
        };
        let (name, path) = match label.split_last() {
            Some((name, path)) if !path.is_empty() => (name.clone(), path.to_vec()),
            Some((name, _)) => (name.clone(), vec![String::new()]),
            None => (item.id().to_owned(), vec![String::new()]),
        };
        let mut level = &mut roots;
        let mut depth = 0;
        loop {
            let reuse = level.last().is_some_and(|last| last.name == path[depth]);
            if !reuse {
                next_id += 1;
                level.push(BlockDefinition {
                    id: format!("b{next_id}"),
                    name: path[depth].clone(),
                    items: Vec::new(),
                    blocks: Vec::new(),
                });
            }
            let block = level.last_mut().expect("pushed above");
            depth += 1;
            if depth == path.len() {
                block.items.push(ItemDefinition {
                    id: item.id().to_owned(),
                    name,
                    kind: definition_kind(item.kind()),
                    write: matrix(&item.write),
                });
                break;
            }
            level = &mut block.blocks;
        }
    }
    roots
}

fn invalid(code: &'static str, ja: String, en: String) -> AppError {
    AppError::bad_request(code, ja, en)
}

/// Checks a definition: ids, names, bounds, types. The message names the
/// block or item and says how to fix it.
pub fn check_definition(definition: &SheetDefinition) -> Result<(), AppError> {
    check_name(&definition.name, "シート名", "A sheet name")?;
    let mut block_ids = BTreeSet::new();
    let mut item_ids = BTreeSet::new();
    let mut blocks = 0;
    let mut items = 0;
    fn label_ok(text: &str, may_be_empty: bool) -> bool {
        let length = text.chars().count();
        (may_be_empty || length > 0)
            && length <= MAX_LABEL_CHARS
            && !text.chars().any(char::is_control)
    }
    fn check_block(
        block: &BlockDefinition,
        depth: usize,
        block_ids: &mut BTreeSet<String>,
        item_ids: &mut BTreeSet<String>,
        blocks: &mut usize,
        items: &mut usize,
    ) -> Result<(), AppError> {
        *blocks += 1;
        if depth > MAX_BLOCK_DEPTH || *blocks > MAX_BLOCKS {
            return Err(invalid(
                "sheet_too_large",
                format!("ブロックは{MAX_BLOCKS}個まで、入れ子は{MAX_BLOCK_DEPTH}段までです。"),
                format!("At most {MAX_BLOCKS} blocks, nested at most {MAX_BLOCK_DEPTH} deep."),
            ));
        }
        check_id(IdKind::Block, &block.id).map_err(id_error)?;
        if !block_ids.insert(block.id.clone()) {
            return Err(invalid(
                "duplicate_id",
                format!(
                    "ブロックID「{}」が2つあります。別のIDにしてください。",
                    block.id
                ),
                format!("Two blocks have the id {}: change one.", block.id),
            ));
        }
        if !label_ok(&block.name, true) {
            return Err(invalid(
                "invalid_name",
                format!(
                    "ブロック「{}」の名前は{MAX_LABEL_CHARS}文字以内で、改行を含められません。",
                    block.id
                ),
                format!(
                    "Block {}'s name has at most {MAX_LABEL_CHARS} characters, on one line.",
                    block.id
                ),
            ));
        }
        for item in &block.items {
            *items += 1;
            if *items > MAX_SHEET_ITEMS {
                return Err(invalid(
                    "sheet_too_large",
                    format!("項目は1シート{MAX_SHEET_ITEMS}個までです。"),
                    format!("A sheet has at most {MAX_SHEET_ITEMS} items."),
                ));
            }
            check_item(item, item_ids)?;
        }
        for inner in &block.blocks {
            check_block(inner, depth + 1, block_ids, item_ids, blocks, items)?;
        }
        Ok(())
    }
    fn check_item(item: &ItemDefinition, item_ids: &mut BTreeSet<String>) -> Result<(), AppError> {
        check_id(IdKind::Item, &item.id).map_err(id_error)?;
        if !item_ids.insert(item.id.clone()) {
            return Err(invalid(
                "duplicate_id",
                format!("項目ID「{}」が2つあります。別のIDにしてください。", item.id),
                format!("Two items have the id {}: change one.", item.id),
            ));
        }
        let name = &item.name;
        if !label_ok(name, false) {
            return Err(invalid(
                "invalid_name",
                format!(
                    "項目「{}」の名前は1〜{MAX_LABEL_CHARS}文字で、改行を含められません。",
                    item.id
                ),
                format!(
                    "Item {}'s name has 1 to {MAX_LABEL_CHARS} characters, on one line.",
                    item.id
                ),
            ));
        }
        match &item.kind {
            ItemKindDefinition::Number { min, max } => {
                if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
                    return Err(invalid(
                        "invalid_bounds",
                        format!("項目「{name}」の最小値・最大値は数で入力してください。"),
                        format!("Item \"{name}\": the minimum and maximum are numbers."),
                    ));
                }
                if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    return Err(invalid(
                        "invalid_bounds",
                        format!(
                            "項目「{name}」の最小値（{min}）が最大値（{max}）より大きくなっています。"
                        ),
                        format!(
                            "Item \"{name}\": the minimum ({min}) is above the maximum ({max})."
                        ),
                    ));
                }
            }
            ItemKindDefinition::Text {
                max_len: Some(limit),
            } if *limit == 0 || *limit > MAX_TEXT_LIMIT => {
                return Err(invalid(
                    "invalid_bounds",
                    format!("項目「{name}」の最大文字数は1〜{MAX_TEXT_LIMIT}にしてください。"),
                    format!(
                        "Item \"{name}\": the longest text is 1 to {MAX_TEXT_LIMIT} characters."
                    ),
                ));
            }
            ItemKindDefinition::Dropdown { options } => {
                if options.is_empty() || options.len() > MAX_OPTIONS {
                    return Err(invalid(
                        "invalid_options",
                        format!("項目「{name}」の選択肢は1〜{MAX_OPTIONS}個にしてください。"),
                        format!("Item \"{name}\" has 1 to {MAX_OPTIONS} options."),
                    ));
                }
                let mut seen = BTreeSet::new();
                for option in options {
                    if !label_ok(option, false) || option.trim() != option {
                        return Err(invalid(
                            "invalid_options",
                            format!(
                                "項目「{name}」の選択肢「{option}」は1〜{MAX_LABEL_CHARS}文字で、前後に空白や改行を含められません。"
                            ),
                            format!(
                                "Item \"{name}\": option \"{option}\" has 1 to {MAX_LABEL_CHARS} characters, without surrounding spaces or line breaks."
                            ),
                        ));
                    }
                    if !seen.insert(option) {
                        return Err(invalid(
                            "invalid_options",
                            format!("項目「{name}」の選択肢「{option}」が2つあります。"),
                            format!("Item \"{name}\" lists option \"{option}\" twice."),
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
    for block in &definition.blocks {
        check_block(
            block,
            1,
            &mut block_ids,
            &mut item_ids,
            &mut blocks,
            &mut items,
        )?;
    }
    Ok(())
}

/// Refuses a change of `old` into `new` that would break the values the
/// user sheets hold.
pub fn check_change(
    old: &[SheetItem],
    new: &[SheetItem],
    usage: &SheetUsage,
) -> Result<(), AppError> {
    let new_by_id: HashMap<&str, &SheetItem> = new.iter().map(|item| (item.id(), item)).collect();
    for item in old {
        let id = item.id();
        let in_use = usage.values.get(id).copied().unwrap_or(0);
        if in_use == 0 {
            continue;
        }
        let name = item
            .importable
            .as_ref()
            .and_then(|i| i.label.last().cloned())
            .unwrap_or_else(|| id.to_owned());
        let Some(replacement) = new_by_id.get(id) else {
            return Err(AppError::conflict(
                "item_in_use",
                format!(
                    "項目「{name}」は{in_use}件のユーザーシートに値があるため削除できません。値を空にするインポートの後で削除してください。"
                ),
                format!(
                    "Item \"{name}\" holds values in {in_use} user sheets, so it cannot be removed. Import blanks into it first."
                ),
            ));
        };
        let old_type = item.kind().map(std::mem::discriminant);
        if replacement.kind().map(std::mem::discriminant) != old_type {
            return Err(AppError::conflict(
                "item_in_use",
                format!(
                    "項目「{name}」は{in_use}件のユーザーシートに値があるため、種類を変えられません。新しい項目として追加してください。"
                ),
                format!(
                    "Item \"{name}\" holds values in {in_use} user sheets, so its type cannot change. Add a new item instead."
                ),
            ));
        }
        if let (Some(ItemKind::Dropdown { .. }), Some(ItemKind::Dropdown { options })) =
            (item.kind(), replacement.kind())
            && let Some(used) = usage.options.get(id)
        {
            let mut gone: Vec<(&String, &u64)> = used
                .iter()
                .filter(|(label, _)| !options.contains(label))
                .collect();
            gone.sort();
            if let Some((label, count)) = gone.first() {
                return Err(AppError::conflict(
                    "option_in_use",
                    format!(
                        "項目「{name}」の選択肢「{label}」は{count}件のユーザーシートで選ばれているため、消したり名前を変えたりできません。"
                    ),
                    format!(
                        "Option \"{label}\" of item \"{name}\" is chosen in {count} user sheets, so it cannot be removed or renamed."
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Every customize sheet, published or not (evaluation admins).
pub fn outlines(store: &impl Organisation, caller: &Caller) -> Result<Vec<SheetOutline>, AppError> {
    require_admin(caller)?;
    Ok(store
        .sheets(&caller.tenant)?
        .into_iter()
        .map(|sheet| SheetOutline {
            items: sheet.items.len() as u32,
            id: sheet.id,
            name: sheet.name,
            published: sheet.published,
        })
        .collect())
}

/// A new sheet: unpublished, one unnamed block, no items.
pub fn create(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    new: &NewSheet,
) -> Result<SheetDocument, AppError> {
    require_admin(caller)?;
    let id = new.id.trim();
    check_id(IdKind::Sheet, id).map_err(id_error)?;
    let blocks = vec![BlockDefinition {
        id: "b1".into(),
        name: String::new(),
        items: Vec::new(),
        blocks: Vec::new(),
    }];
    let sheet = CustomizeSheet {
        id: id.to_owned(),
        name: check_name(&new.name, "シート名", "A sheet name")?,
        published: false,
        items: Vec::new(),
        blocks,
    };
    let audit = named(
        audit_entry(caller, AuditAction::SheetCreated, id, String::new()),
        &sheet.name,
    );
    if store.create_sheet(&caller.tenant, &sheet, &audit)? {
        Ok(document(&sheet, 0))
    } else {
        Err(AppError::conflict(
            "sheet_exists",
            format!("シートID「{id}」はすでにあります。別のIDにしてください。"),
            format!("A sheet {id} exists: choose another id."),
        ))
    }
}

fn document(sheet: &CustomizeSheet, user_sheets: u64) -> SheetDocument {
    SheetDocument {
        id: sheet.id.clone(),
        published: sheet.published,
        user_sheets,
        definition: SheetDefinition {
            name: sheet.name.clone(),
            blocks: tree_of(sheet),
        },
    }
}

/// One sheet as the editor reads it.
pub fn read(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    id: &str,
) -> Result<SheetDocument, AppError> {
    require_admin(caller)?;
    let sheet = store
        .sheet(&caller.tenant, id)?
        .ok_or_else(|| no_such_sheet(id))?;
    let usage = store.sheet_usage(&caller.tenant, id)?;
    Ok(document(&sheet, usage.user_sheets))
}

/// Saves a sheet's name, blocks, items and permissions.
pub fn save(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    id: &str,
    definition: &SheetDefinition,
) -> Result<SheetDocument, AppError> {
    require_admin(caller)?;
    check_definition(definition)?;
    let items = flatten(&definition.blocks);
    let mut user_sheets = 0;
    let sheet = store.update_sheet(&caller.tenant, id, |sheet, usage| {
        check_change(&sheet.items, &items, usage)?;
        user_sheets = usage.user_sheets;
        sheet.name = definition.name.trim().to_owned();
        sheet.blocks = definition.blocks.clone();
        sheet.items = items;
        Ok(named(
            audit_entry(caller, AuditAction::SheetChanged, id, String::new()),
            &sheet.name,
        ))
    })?;
    let sheet = sheet.ok_or_else(|| no_such_sheet(id))?;
    Ok(document(&sheet, user_sheets))
}

/// Publishes or unpublishes a sheet.
pub fn publish(
    store: &(impl Organisation + OrganisationEdits),
    caller: &Caller,
    id: &str,
    publication: Publication,
) -> Result<SheetDocument, AppError> {
    require_admin(caller)?;
    let mut user_sheets = 0;
    let sheet = store.update_sheet(&caller.tenant, id, |sheet, usage| {
        user_sheets = usage.user_sheets;
        sheet.published = publication.published;
        Ok(AuditEntry {
            switched_on: Some(publication.published),
            ..named(
                audit_entry(
                    caller,
                    AuditAction::SheetPublicationChanged,
                    id,
                    String::new(),
                ),
                &sheet.name,
            )
        })
    })?;
    let sheet = sheet.ok_or_else(|| no_such_sheet(id))?;
    Ok(document(&sheet, user_sheets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, kind: ItemKindDefinition) -> ItemDefinition {
        ItemDefinition {
            id: id.into(),
            name: format!("{id} name"),
            kind,
            write: WriteMatrix {
                admin: vec![SheetStatusName::NotStarted],
                leader: vec![],
            },
        }
    }

    fn block(
        id: &str,
        name: &str,
        items: Vec<ItemDefinition>,
        blocks: Vec<BlockDefinition>,
    ) -> BlockDefinition {
        BlockDefinition {
            id: id.into(),
            name: name.into(),
            items,
            blocks,
        }
    }

    #[test]
    fn a_tree_flattens_to_labelled_items_and_back() {
        let tree = vec![
            block(
                "b1",
                "業績評価",
                vec![item(
                    "total",
                    ItemKindDefinition::Number {
                        min: Some(0.0),
                        max: Some(100.0),
                    },
                )],
                vec![block(
                    "b2",
                    "",
                    vec![
                        item(
                            "grade",
                            ItemKindDefinition::Dropdown {
                                options: vec!["S".into(), "A".into()],
                            },
                        ),
                        item("note", ItemKindDefinition::EvaluationEntry),
                    ],
                    vec![],
                )],
            ),
            block(
                "b3",
                "確認",
                vec![item("done", ItemKindDefinition::Checkbox)],
                vec![],
            ),
        ];
        let items = flatten(&tree);
        let labels: Vec<Vec<String>> = items
            .iter()
            .map(|i| {
                i.importable
                    .as_ref()
                    .map_or(i.entry_label.clone(), |it| it.label.clone())
            })
            .collect();
        assert_eq!(
            labels,
            vec![
                vec!["業績評価".to_owned(), "total name".into()],
                vec!["業績評価".into(), "".into(), "grade name".into()],
                vec!["業績評価".into(), "".into(), "note name".into()],
                vec!["確認".into(), "done name".into()],
            ]
        );
        assert!(items[2].importable.is_none() && items[2].entry_id.as_deref() == Some("note"));
        let legacy = CustomizeSheet {
            id: "s".into(),
            name: "s".into(),
            published: true,
            items: items.clone(),
            blocks: Vec::new(),
        };
        // Ids of blocks made from labels are new; the shape and items are the same.
        assert_eq!(flatten(&tree_of(&legacy)), items);
    }

    #[test]
    fn definitions_are_checked_with_the_item_named() {
        let cases: &[(&str, SheetDefinition, &str)] = &[
            (
                "min above max",
                SheetDefinition {
                    name: "s".into(),
                    blocks: vec![block(
                        "b1",
                        "",
                        vec![item(
                            "x",
                            ItemKindDefinition::Number {
                                min: Some(5.0),
                                max: Some(1.0),
                            },
                        )],
                        vec![],
                    )],
                },
                "x name",
            ),
            (
                "no options",
                SheetDefinition {
                    name: "s".into(),
                    blocks: vec![block(
                        "b1",
                        "",
                        vec![item("d", ItemKindDefinition::Dropdown { options: vec![] })],
                        vec![],
                    )],
                },
                "d name",
            ),
            (
                "item id twice",
                SheetDefinition {
                    name: "s".into(),
                    blocks: vec![block(
                        "b1",
                        "",
                        vec![item("x", ItemKindDefinition::Checkbox)],
                        vec![block(
                            "b2",
                            "",
                            vec![item("x", ItemKindDefinition::Checkbox)],
                            vec![],
                        )],
                    )],
                },
                "x",
            ),
            (
                "bad item id",
                SheetDefinition {
                    name: "s".into(),
                    blocks: vec![block(
                        "b1",
                        "",
                        vec![item("総合", ItemKindDefinition::Checkbox)],
                        vec![],
                    )],
                },
                "項目ID",
            ),
            (
                "text limit 0",
                SheetDefinition {
                    name: "s".into(),
                    blocks: vec![block(
                        "b1",
                        "",
                        vec![item("t", ItemKindDefinition::Text { max_len: Some(0) })],
                        vec![],
                    )],
                },
                "t name",
            ),
        ];
        for (what, definition, named) in cases {
            let error = check_definition(definition).expect_err(what);
            let (status, body) = error.body();
            assert_eq!(status, axum::http::StatusCode::BAD_REQUEST, "{what}");
            assert!(body.message.contains(named), "{what}: {}", body.message);
        }
        let deep = (0..=MAX_BLOCK_DEPTH).fold(Vec::new(), |inner, n| {
            vec![block(&format!("b{n}"), "", vec![], inner)]
        });
        assert!(
            check_definition(&SheetDefinition {
                name: "s".into(),
                blocks: deep
            })
            .is_err()
        );
    }

    #[test]
    fn values_in_use_keep_their_item_type_and_options() {
        let old = flatten(&[block(
            "b1",
            "",
            vec![
                item(
                    "grade",
                    ItemKindDefinition::Dropdown {
                        options: vec!["S".into(), "A".into()],
                    },
                ),
                item(
                    "score",
                    ItemKindDefinition::Number {
                        min: None,
                        max: None,
                    },
                ),
                item("unused", ItemKindDefinition::Checkbox),
            ],
            vec![],
        )]);
        let usage = SheetUsage {
            user_sheets: 3,
            values: [("grade".to_owned(), 2), ("score".to_owned(), 1)].into(),
            options: [("grade".to_owned(), [("A".to_owned(), 2)].into())].into(),
        };
        let with = |grade: ItemKindDefinition, score: Option<ItemKindDefinition>| {
            let mut items = vec![item("grade", grade)];
            items.extend(score.map(|kind| item("score", kind)));
            flatten(&[block("b1", "", items, vec![])])
        };
        let number = || {
            Some(ItemKindDefinition::Number {
                min: Some(0.0),
                max: Some(10.0),
            })
        };
        let cases: Vec<(&str, Vec<SheetItem>, Option<&str>)> = vec![
            (
                "unused option removed, new one added, bounds changed, unused item removed",
                with(
                    ItemKindDefinition::Dropdown {
                        options: vec!["A".into(), "B".into()],
                    },
                    number(),
                ),
                None,
            ),
            (
                "used option removed",
                with(
                    ItemKindDefinition::Dropdown {
                        options: vec!["S".into()],
                    },
                    number(),
                ),
                Some("option_in_use"),
            ),
            (
                "used item removed",
                with(
                    ItemKindDefinition::Dropdown {
                        options: vec!["A".into()],
                    },
                    None,
                ),
                Some("item_in_use"),
            ),
            (
                "used item changes type",
                with(
                    ItemKindDefinition::Dropdown {
                        options: vec!["A".into()],
                    },
                    Some(ItemKindDefinition::Text { max_len: None }),
                ),
                Some("item_in_use"),
            ),
        ];
        for (what, new, refused) in cases {
            let result = check_change(&old, &new, &usage);
            assert_eq!(
                result.err().map(|e| e.body().1.error),
                refused.map(str::to_owned),
                "{what}"
            );
        }
    }
}
