//! A realistic CRM (the ten sheets of PRODUCT.md Part B) and deterministic
//! customer data, for benchmarks, tests and demo data (cargo feature
//! `sample`).

use crate::linkage::condition::{
    DuplicateHandling, ImportCondition, ImportMode, MappingRow, RelationKey, Source,
};
use crate::linkage::crm::{RANKS, crm_catalog};
use crate::linkage::export::SheetRecord;
use crate::linkage::field::Sheet;
use crate::sample_rng::Rng;

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

/// Surnames and given names of the sample staff: 50 different people.
const SURNAMES: [&str; 10] = [
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
];
const GIVEN_NAMES: [&str; 5] = ["太郎", "花子", "健一", "美咲", "翔"];

/// How many employees and departments [`staff_records`] makes.
pub const STAFF: usize = SURNAMES.len() * GIVEN_NAMES.len();
/// How many departments [`staff_records`] makes.
pub const DEPARTMENTS: usize = 10;

/// A record of `sheet` from `(field id, value)` pairs; fields not named are
/// empty, so the generators never depend on the order of a sheet's fields.
fn record_of(sheet: &Sheet, id: String, values: &[(&str, Option<String>)]) -> SheetRecord {
    let mut aligned = vec![None; sheet.fields.len()];
    for (field, value) in values {
        if let Some(index) = sheet.field_index(field) {
            aligned[index] = value.clone();
        }
    }
    SheetRecord {
        id,
        values: aligned,
    }
}

/// The sample's departments (`D000001`…, codes `S01`…) and employees
/// (`E000001`…, 50 different names, each in a department): what
/// [`customer_records`]' 担当者 and 担当部署 point at.
pub fn staff_records() -> (Vec<SheetRecord>, Vec<SheetRecord>) {
    let catalog = crm_catalog();
    let (Some(department), Some(employee)) =
        (catalog.sheet("department"), catalog.sheet("employee"))
    else {
        return (Vec::new(), Vec::new());
    };
    let departments = (0..DEPARTMENTS)
        .map(|i| {
            let id = format!("D{:06}", i + 1);
            record_of(
                department,
                id.clone(),
                &[
                    ("id", Some(id)),
                    ("name", Some(format!("営業{}部", i + 1))),
                    ("code", Some(format!("S{:02}", i + 1))),
                ],
            )
        })
        .collect();
    let employees = (0..STAFF)
        .map(|i| {
            let id = format!("E{:06}", i + 1);
            let name = format!(
                "{} {}",
                SURNAMES[i % SURNAMES.len()],
                GIVEN_NAMES[i / SURNAMES.len()]
            );
            record_of(
                employee,
                id.clone(),
                &[
                    ("id", Some(id)),
                    ("name", Some(name)),
                    ("email", Some(format!("staff{:02}@example.co.jp", i + 1))),
                    ("department", Some(format!("D{:06}", i % DEPARTMENTS + 1))),
                    ("employee_number", Some(format!("{:05}", 10_001 + i))),
                ],
            )
        })
        .collect();
    (departments, employees)
}

/// `n` customer records (values aligned with the customer sheet's fields),
/// every value canonical; some parents, blanks, quotes and line breaks.
/// 担当者 and 担当部署 hold the names and codes of [`staff_records`] (as a
/// file carries them; an import finds the records by them).
pub fn customer_records(n: usize, seed: u64) -> Vec<SheetRecord> {
    let catalog = crm_catalog();
    let Some(customer) = catalog.sheet("customer") else {
        return Vec::new();
    };
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
            let values = [
                ("id", Some(id.clone())),
                ("name", Some(format!("{name} {}支店", i % 97 + 1))),
                ("kana", maybe(80, &|_| "サンプルショウジ".to_owned())),
                (
                    "parent",
                    maybe(20, &|_| format!("C{:06}", i / 10 + 1)).filter(|_| i > 10),
                ),
                (
                    "phone",
                    maybe(90, &|r| {
                        format!(
                            "0{}-{:04}-{:04}",
                            r.below(9) + 1,
                            r.below(10_000),
                            r.below(10_000)
                        )
                    }),
                ),
                (
                    "email",
                    maybe(85, &|_| format!("info{}@example.co.jp", i + 1)),
                ),
                (
                    "address",
                    maybe(90, &|r| {
                        let prefecture = PREFECTURES[r.below(6) as usize];
                        format!(
                            "{prefecture}{}-{}-{}",
                            r.below(9) + 1,
                            r.below(20) + 1,
                            r.below(30) + 1
                        )
                    }),
                ),
                (
                    "website",
                    maybe(40, &|_| format!("https://example{}.co.jp/", i % 1000)),
                ),
                (
                    "rank",
                    maybe(90, &|r| RANKS[r.below(4) as usize].to_owned()),
                ),
                (
                    "owner",
                    maybe(70, &|r| {
                        let person = r.below(STAFF as u64) as usize;
                        format!(
                            "{} {}",
                            SURNAMES[person % SURNAMES.len()],
                            GIVEN_NAMES[person / SURNAMES.len()]
                        )
                    }),
                ),
                (
                    "department",
                    maybe(70, &|r| format!("S{:02}", r.below(DEPARTMENTS as u64) + 1)),
                ),
                ("employees", maybe(70, &|r| (r.below(5000) + 1).to_string())),
                (
                    "founded",
                    maybe(60, &|r| {
                        format!(
                            "{}-{:02}-{:02}",
                            1950 + r.below(75),
                            r.below(12) + 1,
                            r.below(28) + 1
                        )
                    }),
                ),
                (
                    "last_contact",
                    maybe(50, &|r| {
                        let (month, day, hour, minute) =
                            (r.below(12) + 1, r.below(28) + 1, r.below(24), r.below(60));
                        format!("2026-{month:02}-{day:02} {hour:02}:{minute:02}:00")
                    }),
                ),
                (
                    "call_time",
                    maybe(30, &|r| {
                        format!("{:02}:{:02}:00", r.below(10) + 9, r.below(4) * 15)
                    }),
                ),
                (
                    "active",
                    maybe(100, &|r| if r.percent(70) { "1" } else { "0" }.to_owned()),
                ),
                (
                    "note",
                    maybe(15, &|r| {
                        if r.percent(30) {
                            "担当: 佐藤\n\"重要\"顧客, 要フォロー".to_owned()
                        } else {
                            "年度末に更新".to_owned()
                        }
                    }),
                ),
            ];
            record_of(customer, id, &values)
        })
        .collect()
}

/// The import condition of the customer file written by [`customer_csv`]:
/// every column by header name, matched by customer id; parent customers
/// found by their id, 担当者 by the employee's name, 担当部署 by the
/// department's code.
pub fn customer_import_condition() -> ImportCondition {
    let catalog = crm_catalog();
    let customer = catalog.sheet("customer").cloned().unwrap_or_else(|| Sheet {
        id: "customer".to_owned(),
        name: "顧客".to_owned(),
        fields: Vec::new(),
    });
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
        relation_keys: [("parent", "id"), ("owner", "name"), ("department", "code")]
            .into_iter()
            .map(|(field, key_field)| RelationKey {
                field: field.to_owned(),
                key_field: key_field.to_owned(),
            })
            .collect(),
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
