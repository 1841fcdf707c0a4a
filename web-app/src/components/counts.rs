//! The figures of an import or a dry run.

use leptos::prelude::*;

use crate::i18n::t;

/// One figure: its caption in both languages, the value, and the
/// `data-testid` of the value (`""`: none).
pub type Count = (&'static str, &'static str, u64, &'static str);

/// An import's or a dry run's reconciliation figures — created, updated,
/// unchanged, skipped, failed — with the test ids of their values (`""`:
/// none).
pub fn outcome_counts(
    counts: &sheetlink_protocol::Counts,
    testids: [&'static str; 5],
) -> Vec<Count> {
    let [created, updated, unchanged, skipped, failed] = testids;
    vec![
        ("新規", "Created", u64::from(counts.created), created),
        ("更新", "Updated", u64::from(counts.updated), updated),
        (
            "変更なし",
            "Unchanged",
            u64::from(counts.unchanged),
            unchanged,
        ),
        ("スキップ", "Skipped", u64::from(counts.skipped), skipped),
        ("失敗", "Failed", u64::from(counts.failed), failed),
    ]
}

/// A `<dl class="counts">` of `counts`.
#[component]
pub fn Counts(
    /// The figures, in order.
    counts: Vec<Count>,
) -> impl IntoView {
    view! {
        <dl class="counts">
            {counts.into_iter().map(|(ja, en, value, testid)| view! {
                <dt>{t(ja, en)}</dt>
                <dd data-testid=(!testid.is_empty()).then_some(testid)>{value}</dd>
            }).collect_view()}
        </dl>
    }
}

/// "新規 6 ・ 更新 14 ・ 削除 0": the cells an import creates, updates and
/// deletes, in `lang`.
pub fn cells_text(
    lang: crate::i18n::Lang,
    cells: sheetlink_protocol::evaluation::CellTotals,
) -> String {
    lang.pick(
        format!(
            "新規 {} ・ 更新 {} ・ 削除 {}",
            cells.create, cells.update, cells.delete
        ),
        format!(
            "{} created, {} updated, {} deleted",
            cells.create, cells.update, cells.delete
        ),
    )
}
