//! Batch-linkage mapping of arbitrary bytes (with and without the expected
//! header, declared or detected encoding): never a panic, counts add up, and
//! the preview agrees with the full mapping on the rows it shows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_engine::linkage::sample::customer_import_condition;
use sheetlink_engine::linkage::{Catalog, ImportCondition, InputEncoding, MapStatus, map_file, preview};

const HEADER: &str = "顧客ID,顧客名,フリガナ,親顧客,電話番号,メールアドレス,住所,Webサイト,ランク,従業員数,設立日,最終接触日時,連絡可能時刻,取引中,備考\r\n";

/// The catalog and the condition, built once for every input.
fn fixture() -> &'static (Catalog, ImportCondition) {
    static FIXTURE: std::sync::OnceLock<(Catalog, ImportCondition)> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| (crm_catalog(), customer_import_condition()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let (catalog, condition) = fixture();
    let mut condition = condition.clone();
    condition.encoding = match selector % 3 {
        0 => None,
        1 => Some(InputEncoding::Utf8),
        _ => Some(InputEncoding::ShiftJis),
    };
    let mut file = Vec::new();
    if selector & 4 == 4 {
        file.extend_from_slice(HEADER.as_bytes());
    }
    file.extend_from_slice(body);

    let Ok(mapping) = map_file(&condition, catalog, &file) else { return };
    if mapping.status != MapStatus::Rejected {
        assert_eq!(
            mapping.rows_read as usize,
            mapping.rows.len() + mapping.failed as usize + mapping.skipped as usize
        );
    }
    let Ok(first) = preview(&condition, catalog, &file, 5) else { return };
    if first.status == MapStatus::Ok && mapping.status == MapStatus::Ok {
        let shown = first.rows.len();
        assert_eq!(first.rows[..], mapping.rows[..shown.min(mapping.rows.len())]);
    }
});
