//! Linkage conditions from arbitrary JSON, as the server receives them:
//! never a panic, the bounds (columns, sort keys, filter depth and size) are
//! refused before any other check, and a condition that passes its check
//! maps or exports a small file without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sheetlink_engine::linkage::sample::customer_records;
use sheetlink_engine::linkage::{
    Catalog, ExportCondition, ImportCondition, RelatedValues, SheetRecord, crm_catalog, export, map_file, preview,
};

const FILE: &str = "顧客ID,顧客名,フリガナ,親顧客,電話番号,メールアドレス,住所,Webサイト,ランク,従業員数,設立日,最終接触日時,連絡可能時刻,取引中,備考\r\nC1,=株式会社,,,03-1234-5678,a@example.co.jp,,,A,10,2020-04-01,,,1,'メモ\r\n";

/// The catalog and a few customers, built once for every input.
fn fixture() -> &'static (Catalog, Vec<SheetRecord>) {
    static FIXTURE: std::sync::OnceLock<(Catalog, Vec<SheetRecord>)> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| (crm_catalog(), customer_records(20, 7)))
}

fuzz_target!(|data: &[u8]| {
    let (catalog, records) = fixture();
    if let Ok(condition) = serde_json::from_slice::<ImportCondition>(data)
        && condition.check(catalog).is_empty()
    {
        let mapping = map_file(&condition, catalog, FILE.as_bytes()).expect("a checked condition maps");
        let _ = preview(&condition, catalog, FILE.as_bytes(), 1).expect("and previews");
        assert!(mapping.rows.len() <= 1);
    }
    if let Ok(condition) = serde_json::from_slice::<ExportCondition>(data) {
        let problems = condition.check(catalog);
        match export(&condition, catalog, records, &RelatedValues::none()) {
            Ok(out) => {
                assert!(problems.is_empty());
                assert!(out.bytes.len() < 4 * 1024 * 1024, "bounded output");
            }
            Err(refused) => assert!(!refused.is_empty()),
        }
    }
});
