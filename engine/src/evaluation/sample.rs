//! Deterministic, realistic evaluation sheets and filled-in templates, for
//! benchmarks, tests and demo data (cargo feature `sample`).
//!
//! The mix is what an HR department's file looks like: scores with
//! decimals, Japanese dropdown labels, checkboxes, comments (some spanning
//! several lines and quoting someone), and many blank cells. A 10,000 × 1,000
//! file comes out at about 29 MB, just under the 30 MB limit.

use crate::evaluation::schema::{Item, ItemKind, SheetSchema};
use crate::evaluation::template::{TemplateRow, write_template};

/// Dropdown labels used by the sample sheet.
pub const GRADES: [&str; 5] = ["S", "A", "B", "C", "D"];
/// Japanese dropdown labels used by the sample sheet.
pub const RATINGS: [&str; 4] = ["期待以上", "期待通り", "やや不足", "不足"];

const COMMENTS: [&str; 6] = [
    "目標を達成した",
    "チームへの貢献が大きい",
    "次期は育成に注力",
    "顧客対応が丁寧",
    "資料の質が高い",
    "改善提案を継続",
];

pub use crate::sample_rng::Rng;

/// A sheet with `items` importable items nested in blocks (some unnamed),
/// mixing every type, and `evaluatees` known keys: employee numbers
/// `E00001`… and, for every tenth person, an e-mail address instead.
pub fn sheet_schema(items: usize, evaluatees: usize) -> SheetSchema {
    let items = (0..items)
        .map(|index| {
            let block = format!("評価ブロック{}", index / 50 + 1);
            let inner = if index % 7 == 0 {
                String::new()
            } else {
                format!("小項目{}", index / 10 + 1)
            };
            let kind = match index % 20 {
                0..=5 => ItemKind::Number {
                    min: Some(0.0),
                    max: Some(100.0),
                },
                6..=11 => ItemKind::Checkbox,
                12..=14 => ItemKind::Dropdown {
                    options: RATINGS.iter().map(|s| s.to_string()).collect(),
                },
                15..=16 => ItemKind::Dropdown {
                    options: GRADES.iter().map(|s| s.to_string()).collect(),
                },
                _ => ItemKind::Text { max_len: Some(400) },
            };
            Item {
                id: format!("item{:04}", index + 1),
                label: vec![block, inner, format!("項目{}", index + 1)],
                kind,
            }
        })
        .collect();
    SheetSchema {
        period: "2026-h1".to_owned(),
        sheet: "performance-review".to_owned(),
        items,
        evaluatees: Some((0..evaluatees).map(evaluatee_key).collect()),
    }
}

/// The key of the `index`-th sample evaluatee.
pub fn evaluatee_key(index: usize) -> String {
    if index % 10 == 9 {
        format!("member{:05}@example.co.jp", index + 1)
    } else {
        format!("E{:05}", index + 1)
    }
}

/// A filled-in template for every item of `schema` and its first
/// `evaluatees` known evaluatees, every value valid.
pub fn filled_template(schema: &SheetSchema, evaluatees: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let item_ids: Vec<&str> = schema.items.iter().map(|item| item.id.as_str()).collect();
    let keys: Vec<String> = (0..evaluatees).map(evaluatee_key).collect();
    let names: Vec<String> = (0..evaluatees).map(sample_name).collect();
    let cells: Vec<Vec<Option<String>>> = (0..evaluatees)
        .map(|_| {
            schema
                .items
                .iter()
                .map(|item| sample_value(&item.kind, &mut rng))
                .collect()
        })
        .collect();
    let rows = (0..evaluatees).map(|i| TemplateRow {
        name: &names[i],
        key: &keys[i],
        values: cells[i].iter().map(Option::as_deref).collect(),
    });
    write_template(schema, &item_ids, rows).unwrap_or_default()
}

/// A plausible stored value (or blank) for an item.
pub fn sample_value(kind: &ItemKind, rng: &mut Rng) -> Option<String> {
    match kind {
        ItemKind::Number { .. } => (!rng.percent(45)).then(|| {
            let whole = rng.below(100);
            match rng.below(10) {
                0..=4 => whole.to_string(),
                5..=7 => format!("{whole}.{}", rng.below(9) + 1),
                _ => format!("{whole}.{:02}", rng.below(89) + 11),
            }
        }),
        // A blank checkbox reads back as off ("0"), so samples write 0 or 1.
        ItemKind::Checkbox => Some(if rng.percent(40) { "1" } else { "0" }.to_owned()),
        ItemKind::Dropdown { options } => (!rng.percent(55) && !options.is_empty())
            .then(|| options[rng.below(options.len() as u64) as usize].clone()),
        ItemKind::Text { .. } => (!rng.percent(88)).then(|| {
            let comment = COMMENTS[rng.below(COMMENTS.len() as u64) as usize];
            match rng.below(10) {
                0 => format!("{comment}。\n本人曰く「\"次も頑張る\"」"),
                1 => format!("{comment}、特に後半"),
                _ => comment.to_owned(),
            }
        }),
    }
}

fn sample_name(index: usize) -> String {
    const FAMILY: [&str; 8] = [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村",
    ];
    const GIVEN: [&str; 8] = [
        "太郎",
        "花子",
        "翔",
        "美咲",
        "健太",
        "由美",
        "大輔",
        "さくら",
    ];
    format!("{} {}", FAMILY[index % 8], GIVEN[(index / 8) % 8])
}
