//! The standard CRM: the ten sheets of PRODUCT.md Part B with their typed
//! fields and relations. The server stores records of these sheets, the
//! import wizard maps onto them, and the batch client names them.

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
                    relation("owner", "担当者", "employee"),
                    relation("department", "担当部署", "department"),
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
                    relation("owner", "担当者", "employee"),
                    field("probability", "確度(%)", Number),
                    field("expected_amount", "見込金額", Number),
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
                    dropdown(
                        "kind",
                        "種別",
                        &["訪問", "電話", "メール", "オンライン会議", "その他"],
                    ),
                    relation("owner", "担当者", "employee"),
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
                    field("department", "部署", Text),
                    field("title", "役職", Text),
                    field("address", "住所", Address),
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
                    field("code", "商品コード", Text),
                    dropdown("tax_class", "税区分", &["課税10%", "軽減8%", "非課税"]),
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
                    field("unit_price", "単価", Number),
                    field("amount", "金額", Number),
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
                    field("employee_number", "社員番号", Text),
                ],
            ),
            sheet(
                "department",
                "部署",
                vec![
                    id_field("部署ID"),
                    name_field("部署名"),
                    field("code", "部署コード", Text),
                    relation("parent", "親部署", "department"),
                ],
            ),
        ],
    }
}
