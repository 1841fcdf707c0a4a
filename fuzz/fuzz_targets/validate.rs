//! Read + validate of arbitrary bytes, in one pass and in small steps: never
//! a panic, the same outcome both ways, and counts that add up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sheetlink_engine::evaluation::{SheetSchema, Status, Validation, sample, validate};

/// The schema and its valid header, built once for every input (building
/// them per input cost most of each execution).
fn fixture() -> &'static (SheetSchema, Vec<u8>) {
    static FIXTURE: std::sync::OnceLock<(SheetSchema, Vec<u8>)> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let schema = sample::sheet_schema(20, 50);
        let header = sample::filled_template(&schema, 0, 0);
        (schema, header)
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the step size; the rest is the file. A valid
    // header is prepended half of the time so the cell rules are reached.
    let Some((&selector, body)) = data.split_first() else { return };
    let (schema, header) = fixture();
    let mut file = Vec::new();
    if selector & 1 == 1 {
        file.extend_from_slice(header);
    }
    file.extend_from_slice(body);

    let (report, batch) = validate(schema, &file);
    if report.status == Status::Rejected {
        assert!(batch.is_empty());
    } else {
        assert_eq!(report.evaluatees, report.valid + report.with_errors);
        assert_eq!(batch.len(), report.valid as usize);
    }

    let mut stepped = Validation::new(schema);
    let budget = usize::from(selector >> 1) + 1;
    while !stepped.step(&file, budget).finished {}
    assert_eq!(stepped.finish(&file).0, report);
});
