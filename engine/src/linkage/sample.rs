//! A realistic CRM (the ten sheets of PRODUCT.md Part B) and deterministic
//! customer data, for benchmarks, tests and demo data (cargo feature
//! `sample`).

use crate::evaluation::sample::Rng;
use crate::linkage::condition::{
    DuplicateHandling, ImportCondition, ImportMode, MappingRow, RelationKey, Source,
};
use crate::linkage::export::SheetRecord;
use crate::linkage::field::{Catalog, Field, FieldType, Sheet};

fn field(id: &str, label: &str, field_type: FieldType) -> Field {
    Field::new(id, label, field_type)
}

fn id_field(label: &str) -> Field {
    Field {
        is_id: true,
        ..field("id", label, FieldType::Text)
    }
}

fn name_field(label: &str) -> Field {
    Field {
        is_name: true,
        ..field("name", label, FieldType::Text)
    }
}

fn relation(id: &str, label: &str, sheet: &str) -> Field {
    Field {
        relation_sheet: Some(sheet.to_owned()),
        ..field(id, label, FieldType::Relation)
    }
}

fn dropdown(id: &str, label: &str, options: &[&str]) -> Field {
    Field {
        options: options.iter().map(|o| o.to_string()).collect(),
        ..field(id, label, FieldType::Dropdown)
    }
}

fn sheet(id: &str, name: &str, fields: Vec<Field>) -> Sheet {
    Sheet {
        id: id.to_owned(),
        name: name.to_owned(),
        fields,
    }
}

/// Customer ranks, the options of the customer sheet's `rank` dropdown.
pub const RANKS: [&str; 4] = ["A", "B", "C", "見込み"];

/// The ten CRM sheets with typed fields and relations.
pub fn crm_catalog() -> Catalog {
    use FieldType::*;
    Catalog {
        sheets: vec![
            sheet(
                "customer",
                "顧客",
                vec![
                    id_field("顧客ID"),
                    name_field("顧客名"),
                    field("kana", "フリガナ", Text),
                    relation("parent", "親顧客", "customer"),
                    field("phone", "電話番号", Phone),
                    field("email", "メールアドレス", Email),
                    field("address", "住所", Address),
                    field("website", "Webサイト", Link),
                    dropdown("rank", "ランク", &RANKS),
                    field("employees", "従業員数", Number),
                    field("founded", "設立日", Date),
                    field("last_contact", "最終接触日時", Datetime),
                    field("call_time", "連絡可能時刻", Time),
                    field("active", "取引中", Checkbox),
                    field("note", "備考", Text),
                ],
            ),
            sheet(
                "deal",
                "案件",
                vec![
                    id_field("案件ID"),
                    name_field("案件名"),
                    relation("customer", "顧客", "customer"),
                    field("amount", "金額", Number),
                    dropdown(
                        "stage",
                        "フェーズ",
                        &["初回訪問", "提案", "見積", "受注", "失注"],
                    ),
                    field("close_date", "受注予定日", Date),
                ],
            ),
            sheet(
                "activity",
                "活動",
                vec![
                    id_field("活動ID"),
                    name_field("件名"),
                    relation("customer", "顧客", "customer"),
                    relation("deal", "案件", "deal"),
                    field("at", "日時", Datetime),
                    field("memo", "内容", Text),
                ],
            ),
            sheet(
                "business_card",
                "名刺",
                vec![
                    id_field("名刺ID"),
                    name_field("氏名"),
                    field("email", "メールアドレス", Email),
                    field("phone", "電話番号", Phone),
                    relation("customer", "会社", "customer"),
                ],
            ),
            sheet(
                "extension_sheet",
                "拡張シート",
                vec![
                    id_field("ID"),
                    name_field("名前"),
                    field("free_text", "自由項目(テキスト)", Text),
                    field("free_number", "自由項目(数値)", Number),
                    field("free_date", "自由項目(日付)", Date),
                ],
            ),
            sheet(
                "product",
                "商品",
                vec![
                    id_field("商品ID"),
                    name_field("商品名"),
                    relation("category", "商品カテゴリー", "product_category"),
                    field("price", "単価", Number),
                ],
            ),
            sheet(
                "product_category",
                "商品カテゴリー",
                vec![id_field("カテゴリーID"), name_field("カテゴリー名")],
            ),
            sheet(
                "transaction",
                "取引",
                vec![
                    id_field("取引ID"),
                    relation("customer", "顧客", "customer"),
                    relation("product", "商品", "product"),
                    field("quantity", "数量", Number),
                    field("date", "取引日", Date),
                ],
            ),
            sheet(
                "employee",
                "社員",
                vec![
                    id_field("社員ID"),
                    name_field("氏名"),
                    field("email", "メールアドレス", Email),
                    relation("department", "部署", "department"),
                ],
            ),
            sheet(
                "department",
                "部署",
                vec![id_field("部署ID"), name_field("部署名")],
            ),
        ],
    }
}

const COMPANIES: [&str; 8] = [
    "サンプル商事",
    "山田製作所",
    "東都物産",
    "みらい技研",
    "北斗システム",
    "青葉食品",
    "さくら不動産",
    "港運輸",
];
const KINDS: [&str; 3] = ["株式会社", "有限会社", "合同会社"];
const PREFECTURES: [&str; 6] = [
    "東京都千代田区",
    "大阪府大阪市北区",
    "愛知県名古屋市中区",
    "福岡県福岡市博多区",
    "北海道札幌市中央区",
    "宮城県仙台市青葉区",
];

/// `n` customer records (values aligned with the customer sheet's fields),
/// every value canonical; some parents, blanks, quotes and line breaks.
pub fn customer_records(n: usize, seed: u64) -> Vec<SheetRecord> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let id = format!("C{:06}", i + 1);
            let company = COMPANIES[rng.below(8) as usize];
            let kind = KINDS[rng.below(3) as usize];
            let name = if rng.percent(50) {
                format!("{kind}{company}")
            } else {
                format!("{company}{kind}")
            };
            let mut maybe = |percent, value: &dyn Fn(&mut Rng) -> String| {
                if rng.percent(percent) {
                    Some(value(&mut rng))
                } else {
                    None
                }
            };
            let values = vec![
                Some(id.clone()),
                Some(format!("{name} {}支店", i % 97 + 1)),
                maybe(80, &|_| "サンプルショウジ".to_owned()),
                maybe(20, &|_| format!("C{:06}", i / 10 + 1)).filter(|_| i > 10),
                maybe(90, &|r| {
                    format!(
                        "0{}-{:04}-{:04}",
                        r.below(9) + 1,
                        r.below(10_000),
                        r.below(10_000)
                    )
                }),
                maybe(85, &|_| format!("info{}@example.co.jp", i + 1)),
                maybe(90, &|r| {
                    let prefecture = PREFECTURES[r.below(6) as usize];
                    format!(
                        "{prefecture}{}-{}-{}",
                        r.below(9) + 1,
                        r.below(20) + 1,
                        r.below(30) + 1
                    )
                }),
                maybe(40, &|_| format!("https://example{}.co.jp/", i % 1000)),
                maybe(90, &|r| RANKS[r.below(4) as usize].to_owned()),
                maybe(70, &|r| (r.below(5000) + 1).to_string()),
                maybe(60, &|r| {
                    format!(
                        "{}-{:02}-{:02}",
                        1950 + r.below(75),
                        r.below(12) + 1,
                        r.below(28) + 1
                    )
                }),
                maybe(50, &|r| {
                    let (month, day, hour, minute) =
                        (r.below(12) + 1, r.below(28) + 1, r.below(24), r.below(60));
                    format!("2026-{month:02}-{day:02} {hour:02}:{minute:02}:00")
                }),
                maybe(30, &|r| {
                    format!("{:02}:{:02}:00", r.below(10) + 9, r.below(4) * 15)
                }),
                maybe(100, &|r| if r.percent(70) { "1" } else { "0" }.to_owned()),
                maybe(15, &|r| {
                    if r.percent(30) {
                        "担当: 佐藤\n\"重要\"顧客, 要フォロー".to_owned()
                    } else {
                        "年度末に更新".to_owned()
                    }
                }),
            ];
            SheetRecord { id, values }
        })
        .collect()
}

/// The import condition of the customer file written by [`customer_csv`]:
/// every column by header name, matched by customer id, parent customers
/// found by their id.
pub fn customer_import_condition() -> ImportCondition {
    let catalog = crm_catalog();
    let customer = catalog
        .sheet("customer")
        .cloned()
        .unwrap_or_else(|| sheet("customer", "顧客", Vec::new()));
    ImportCondition {
        key: "customers".to_owned(),
        description: "基幹システムの顧客マスタを取り込む".to_owned(),
        sheet: "customer".to_owned(),
        mode: ImportMode::InsertAndUpdate,
        duplicates: DuplicateHandling::default(),
        has_header: true,
        first_data_row: 2,
        encoding: None,
        mappings: customer
            .fields
            .iter()
            .map(|f| MappingRow {
                source: Source::Header(f.label.clone()),
                field: f.id.clone(),
                update_with_blank: f.id == "note",
            })
            .collect(),
        matching_keys: vec!["id".to_owned()],
        relation_keys: vec![RelationKey {
            field: "parent".to_owned(),
            key_field: "id".to_owned(),
        }],
    }
}

/// A customer CSV (header row of labels, then one row per record) in UTF-8.
pub fn customer_csv(records: &[SheetRecord]) -> Vec<u8> {
    let catalog = crm_catalog();
    let mut out = Vec::new();
    let Some(customer) = catalog.sheet("customer") else {
        return out;
    };
    let mut write_row = |cells: &mut dyn Iterator<Item = &str>| {
        for (index, cell) in cells.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            crate::csv_write::write_field(&mut out, cell.as_bytes());
        }
        out.extend_from_slice(crate::csv_write::CRLF);
    };
    write_row(&mut customer.fields.iter().map(|f| f.label.as_str()));
    for record in records {
        write_row(&mut record.values.iter().map(|v| v.as_deref().unwrap_or("")));
    }
    out
}
