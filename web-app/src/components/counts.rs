//! The figures of an import or a dry run.

use leptos::prelude::*;

use crate::i18n::t;

/// One figure: its caption in both languages, the value, and the
/// `data-testid` of the value (`""`: none).
pub type Count = (&'static str, &'static str, u64, &'static str);

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
