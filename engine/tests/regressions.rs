//! One test per bug found by fuzzing, with the input that found it.

use sheetlink_engine::evaluation::{Status, Validation, sample, validate};

/// The fuzz target `validate`'s own harness: the first byte picks the step
/// size and whether a valid header comes first, the rest is the file.
fn stepped_and_oneshot(
    input: &[u8],
) -> (
    sheetlink_engine::evaluation::Report,
    sheetlink_engine::evaluation::Report,
) {
    let (&selector, body) = input.split_first().expect("an input");
    let schema = sample::sheet_schema(20, 50);
    let mut file = Vec::new();
    if selector & 1 == 1 {
        file = sample::filled_template(&schema, 0, 0);
    }
    file.extend_from_slice(body);
    let (oneshot, _) = validate(&schema, &file);
    let mut stepped = Validation::new(&schema);
    let budget = usize::from(selector >> 1) + 1;
    while !stepped.step(&file, budget).finished {}
    (stepped.finish(&file).0, oneshot)
}

/// A byte that is not UTF-8 in row 48, after rows the stepped validation
/// had already read: both must refuse the file with that one diagnostic
/// (the browser used to list 42 evaluatees and every row's errors first).
#[test]
fn a_bad_byte_after_checked_rows_rejects_the_file_in_steps_too() {
    let input = include_bytes!("data/validate-stepped-vs-oneshot.bin");
    let (stepped, oneshot) = stepped_and_oneshot(input);
    assert_eq!(oneshot.status, Status::Rejected);
    assert_eq!(oneshot.evaluatees, 0);
    let codes: Vec<&str> = oneshot.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["file.encoding"]);
    assert_eq!(stepped, oneshot);
}

/// A header problem found in the first step, and a bad byte far behind it:
/// the one-shot validation sees the encoding first, so the stepped one must
/// look at the rest of the file before it reports the header.
#[test]
fn a_header_problem_does_not_hide_a_later_bad_byte() {
    let schema = sample::sheet_schema(5, 3);
    let mut file = b"version:1,period:wrong,sheet:wrong\r\n".to_vec();
    file.extend(std::iter::repeat_n(b'x', 20_000));
    file.extend_from_slice(b"\r\n\xff\r\n");
    let (oneshot, _) = validate(&schema, &file);
    let mut stepped = Validation::new(&schema);
    while !stepped.step(&file, 1).finished {}
    let stepped = stepped.finish(&file).0;
    assert_eq!(oneshot.status, Status::Rejected);
    assert_eq!(oneshot.diagnostics.len(), 1, "{:?}", oneshot.diagnostics);
    assert_eq!(oneshot.diagnostics[0].code(), "file.encoding");
    assert_eq!(stepped, oneshot);
}

/// A cell longer than a step's budget used to stop the stepped validation
/// from making progress (each step started again from the cell's start):
/// it must finish with the one-shot report.
#[test]
fn a_cell_longer_than_a_step_does_not_stall_the_steps() {
    let schema = sample::sheet_schema(5, 3);
    let mut file = sample::filled_template(&schema, 0, 0);
    file.extend(std::iter::repeat_n(b'x', 50_000));
    file.extend_from_slice(b",E0001\r\n");
    let (oneshot, _) = validate(&schema, &file);
    let mut stepped = Validation::new(&schema);
    let mut steps = 0;
    while !stepped.step(&file, 1).finished {
        steps += 1;
        assert!(steps < 1_000, "the steps make no progress");
    }
    assert_eq!(stepped.finish(&file).0, oneshot);
}

/// A header bomb: row 2 holding two million item ids. It is refused at the
/// first column no template can have, with one diagnostic, and nothing of
/// the rest of the row is kept.
#[test]
fn a_header_bomb_is_refused_at_the_first_impossible_column() {
    let schema = sample::sheet_schema(5, 3);
    let template = sample::filled_template(&schema, 0, 0);
    let row1_end = template
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("row 1")
        + 2;
    let mut file = template[..row1_end].to_vec();
    file.extend_from_slice(b"name,employeenumber_or_email");
    for _ in 0..2_000_000 {
        file.extend_from_slice(b",i");
    }
    file.extend_from_slice(b"\r\n");
    let (report, batch) = validate(&schema, &file);
    assert_eq!(report.status, Status::Rejected);
    assert!(batch.is_empty());
    assert_eq!(
        report.diagnostics.len(),
        1,
        "{:?}",
        &report.diagnostics[..3.min(report.diagnostics.len())]
    );
    let bomb = &report.diagnostics[0];
    assert_eq!(bomb.code(), "header.too_many_items");
    assert_eq!((bomb.row, bomb.column), (Some(2), Some(1_004)));
}

/// A thousand unknown item ids: the header check stops listing at 100.
#[test]
fn header_problems_are_listed_up_to_a_hundred() {
    let schema = sample::sheet_schema(5, 3);
    let mut file = b"version:1,period:".to_vec();
    file.extend_from_slice(schema.period.as_bytes());
    file.extend_from_slice(b",sheet:");
    file.extend_from_slice(schema.sheet.as_bytes());
    file.extend_from_slice(b"\r\nname,employeenumber_or_email");
    for n in 0..1_000 {
        file.extend_from_slice(format!(",nosuch{n}").as_bytes());
    }
    file.extend_from_slice(b"\r\n");
    for _ in 0..2 {
        file.extend_from_slice(vec!["x"; 1_002].join(",").as_bytes());
        file.extend_from_slice(b"\r\n");
    }
    let (report, _) = validate(&schema, &file);
    assert_eq!(report.status, Status::Rejected);
    assert_eq!(
        report.diagnostics.len(),
        100,
        "{:?}",
        report.diagnostics.first()
    );
}
