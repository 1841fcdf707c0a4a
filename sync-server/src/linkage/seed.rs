//! Demo CRM data for the demo tenant: departments and employees, product
//! categories and products, customers (some with a parent), deals,
//! activities, business cards, transactions and extension-sheet rows — all
//! related to each other so that relation matching has something to find.
//! Also the tenant's batch-linkage settings (on, token authentication, no
//! token issued yet) and one import and one export condition.

use sheetlink_engine::linkage::{
    Catalog, ExportColumn, ExportCondition, ImportCondition, MappingRow, RelationKey, SheetRecord,
    SortKey, Source, crm_catalog,
};

use crate::linkage::{
    AfterExport, AfterImport, Settings, StoredExportCondition, StoredImportCondition,
};
use crate::store::TenantSeed;

const COMPANIES: [&str; 10] = [
    "サンプル商事",
    "山田製作所",
    "東都物産",
    "みらい技研",
    "北斗システム",
    "青葉食品",
    "さくら不動産",
    "港運輸",
    "富士精機",
    "光が丘建設",
];
const PLACES: [&str; 5] = [
    "東京都千代田区丸の内1-1-1",
    "大阪府大阪市北区梅田2-2-2",
    "愛知県名古屋市中区栄3-3-3",
    "福岡県福岡市博多区博多駅前4-4-4",
    "北海道札幌市中央区北五条西5-5",
];
const PEOPLE: [&str; 10] = [
    "佐藤 健太",
    "鈴木 美咲",
    "高橋 翔",
    "田中 陽菜",
    "伊藤 大輔",
    "渡辺 さくら",
    "山本 拓也",
    "中村 由美",
    "小林 太郎",
    "加藤 花子",
];

/// A record of `sheet` from `(field, value)` pairs.
fn record(catalog: &Catalog, sheet: &str, values: &[(&str, String)]) -> SheetRecord {
    let sheet = catalog
        .sheet(sheet)
        .map(|s| s.fields.clone())
        .unwrap_or_default();
    let mut aligned = vec![None; sheet.len()];
    let mut id = String::new();
    for (field, value) in values {
        if let Some(index) = sheet.iter().position(|f| f.id == *field) {
            aligned[index] = Some(value.clone());
        }
        if *field == "id" {
            id = value.clone();
        }
    }
    SheetRecord {
        id,
        values: aligned,
    }
}

/// Adds the demo CRM and linkage settings to `seed`.
pub fn seed_crm(seed: &mut TenantSeed) {
    let catalog = crm_catalog();
    let mut records = Vec::new();
    let mut put = |sheet: &str, values: &[(&str, String)], count: &mut u64| {
        *count += 1;
        records.push((sheet.to_owned(), record(&catalog, sheet, values)));
    };
    let mut counts = std::collections::BTreeMap::<&str, u64>::new();
    let departments = [
        "営業部",
        "開発部",
        "管理部",
        "マーケティング部",
        "サポート部",
    ];
    for (i, name) in departments.iter().enumerate() {
        put(
            "department",
            &[
                ("id", format!("D{:06}", i + 1)),
                ("name", name.to_string()),
                ("code", format!("S{:02}", i + 1)),
            ],
            counts.entry("department").or_default(),
        );
    }
    for (i, name) in PEOPLE.iter().enumerate() {
        put(
            "employee",
            &[
                ("id", format!("E{:06}", i + 1)),
                ("name", name.to_string()),
                ("email", format!("staff{:02}@example.co.jp", i + 1)),
                ("department", format!("D{:06}", i % departments.len() + 1)),
            ],
            counts.entry("employee").or_default(),
        );
    }
    let categories = ["ソフトウェア", "ハードウェア", "保守サービス", "研修"];
    for (i, name) in categories.iter().enumerate() {
        put(
            "product_category",
            &[("id", format!("P{:06}", i + 1)), ("name", name.to_string())],
            counts.entry("product_category").or_default(),
        );
    }
    for i in 0..12 {
        put(
            "product",
            &[
                ("id", format!("P{:06}", 100 + i + 1)),
                ("name", format!("{}プラン{}", categories[i % 4], i / 4 + 1)),
                ("category", format!("P{:06}", i % 4 + 1)),
                ("price", format!("{}", 10_000 * (i + 1))),
            ],
            counts.entry("product").or_default(),
        );
    }
    for i in 0..100 {
        let company = format!(
            "株式会社{}{}",
            COMPANIES[i % 10],
            if i < 10 {
                String::new()
            } else {
                format!(" {}支店", PLACES[i % 5].get(..9).unwrap_or("本"))
            }
        );
        let mut values = vec![
            ("id", format!("C{:06}", i + 1)),
            ("name", company),
            ("phone", format!("03-{:04}-{:04}", 1000 + i, 2000 + i)),
            ("email", format!("info{:03}@example.co.jp", i + 1)),
            ("address", PLACES[i % 5].to_owned()),
            ("rank", ["A", "B", "C", "見込み"][i % 4].to_owned()),
            ("employees", format!("{}", 10 + i * 7)),
            (
                "founded",
                format!("{}-{:02}-{:02}", 1960 + i % 60, i % 12 + 1, i % 28 + 1),
            ),
            ("active", if i % 3 == 0 { "0" } else { "1" }.to_owned()),
            ("owner", format!("E{:06}", i % PEOPLE.len() + 1)),
            ("department", format!("D{:06}", i % departments.len() + 1)),
        ];
        if i >= 10 {
            values.push(("parent", format!("C{:06}", i % 10 + 1)));
        }
        put("customer", &values, counts.entry("customer").or_default());
    }
    for i in 0..50 {
        put(
            "deal",
            &[
                ("id", format!("D{:06}", 100 + i + 1)),
                ("name", format!("{}導入案件", categories[i % 4])),
                ("customer", format!("C{:06}", i * 2 + 1)),
                ("amount", format!("{}", 500_000 + i * 25_000)),
                ("owner", format!("E{:06}", i % PEOPLE.len() + 1)),
                ("probability", format!("{}", [10, 30, 50, 80, 100][i % 5])),
                (
                    "stage",
                    ["初回訪問", "提案", "見積", "受注", "失注"][i % 5].to_owned(),
                ),
                (
                    "close_date",
                    format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
                ),
            ],
            counts.entry("deal").or_default(),
        );
        put(
            "activity",
            &[
                ("id", format!("A{:06}", i + 1)),
                ("name", ["訪問", "電話", "メール", "デモ"][i % 4].to_owned()),
                ("customer", format!("C{:06}", i * 2 + 1)),
                ("deal", format!("D{:06}", 100 + i + 1)),
                (
                    "at",
                    format!(
                        "2026-{:02}-{:02} {:02}:00:00",
                        i % 12 + 1,
                        i % 28 + 1,
                        9 + i % 8
                    ),
                ),
                ("memo", "次回は見積を持参する。".to_owned()),
            ],
            counts.entry("activity").or_default(),
        );
    }
    for i in 0..30 {
        put(
            "business_card",
            &[
                ("id", format!("B{:06}", i + 1)),
                ("name", PEOPLE[(i + 3) % 10].to_owned()),
                ("email", format!("card{:02}@example.com", i + 1)),
                ("phone", format!("090-{:04}-{:04}", 3000 + i, 4000 + i)),
                ("customer", format!("C{:06}", i + 1)),
            ],
            counts.entry("business_card").or_default(),
        );
    }
    for i in 0..60 {
        put(
            "transaction",
            &[
                ("id", format!("T{:06}", i + 1)),
                ("customer", format!("C{:06}", i % 40 + 1)),
                ("product", format!("P{:06}", 100 + i % 12 + 1)),
                ("quantity", format!("{}", i % 5 + 1)),
                ("date", format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1)),
            ],
            counts.entry("transaction").or_default(),
        );
    }
    for i in 0..10 {
        put(
            "extension_sheet",
            &[
                ("id", format!("X{:06}", i + 1)),
                ("name", format!("展示会リード{}", i + 1)),
                ("free_text", "名刺交換のみ".to_owned()),
                ("free_number", format!("{}", i * 3)),
                ("free_date", format!("2026-10-{:02}", i + 1)),
            ],
            counts.entry("extension_sheet").or_default(),
        );
    }
    seed.records = records;
    // Generated ids continue after the seeded ones.
    seed.last_numbers = counts
        .into_iter()
        .map(|(sheet, count)| (sheet.to_owned(), count + 1_000))
        .collect();
    let settings = Settings {
        enabled: true,
        ..Settings::default()
    };
    let by_header = |header: &str, field: &str| MappingRow {
        source: Source::Header(header.to_owned()),
        field: field.to_owned(),
        update_with_blank: false,
    };
    let import = StoredImportCondition {
        condition: ImportCondition {
            key: "customers".into(),
            description: "基幹システムの顧客マスタ（Shift_JIS）を毎晩取り込む".into(),
            mappings: vec![
                by_header("顧客ID", "id"),
                by_header("顧客名", "name"),
                by_header("電話番号", "phone"),
                by_header("メールアドレス", "email"),
                by_header("親顧客ID", "parent"),
                by_header("ランク", "rank"),
            ],
            matching_keys: vec!["id".into()],
            relation_keys: vec![RelationKey {
                field: "parent".into(),
                key_field: "id".into(),
            }],
            ..ImportCondition::new("customer")
        },
        after: AfterImport {
            notify_members: vec!["admin".into()],
            emails: Vec::new(),
            notify_staff: Vec::new(),
            add_to_list: Some("夜間取込".into()),
        },
    };
    let export = StoredExportCondition {
        condition: ExportCondition {
            key: "customers-sjis".into(),
            description: "会計システム向けの顧客一覧（Shift_JIS）".into(),
            columns: [
                ("顧客ID", "id"),
                ("顧客名", "name"),
                ("電話番号", "phone"),
                ("ランク", "rank"),
            ]
            .into_iter()
            .map(|(header, field)| ExportColumn {
                header: header.into(),
                field: field.into(),
                relation_key: None,
            })
            .collect(),
            sort: vec![SortKey {
                field: "id".into(),
                descending: false,
            }],
            ..ExportCondition::new("customer")
        },
        after: AfterExport::default(),
    };
    seed.linkage = settings;
    seed.import_conditions = vec![import];
    seed.export_conditions = vec![export];
}
