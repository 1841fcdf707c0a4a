//! One batch run's per-row results.

use leptos::prelude::*;
use sheetlink_protocol::linkage::LinkageRun as Run;

use crate::api::{self, segment};
use crate::components::{Loader, outcome_text};
use crate::i18n::{t, use_lang};

/// One run's per-row results (the first 1,000 rows).
#[component]
pub fn RunRows(
    /// The run's id.
    id: String,
) -> impl IntoView {
    let lang = use_lang();
    let path = format!("/api/linkage/runs/{}", segment(&id));
    let run = LocalResource::new(move || {
        let path = path.clone();
        async move { api::get::<Run>(&path).await }
    });
    view! {
        <Loader>
            {move || Suspend::new(async move {
                run.await.map(|run| view! {
                    <h2>{move || lang.get().pick(format!("「{}」の実行結果（行ごと）", run.key), format!("Rows of the run of “{}”", run.key))}</h2>
                    <table data-testid="run-rows">
                        <thead><tr><th>{t("行", "Row")}</th><th>{t("結果", "Outcome")}</th><th>{t("レコード", "Record")}</th><th>{t("理由", "Reason")}</th></tr></thead>
                        <tbody>{run.rows.into_iter().take(1000).map(|r| { let outcome = r.outcome; view! {
                            <tr><td>{r.row}</td><td>{move || outcome_text(lang.get(), outcome)}</td><td>{r.record.unwrap_or_default()}</td><td>{move || lang.get().pick(r.message.clone(), r.message_en.clone()).unwrap_or_default()}</td></tr>
                        }}).collect_view()}</tbody>
                    </table>
                })
            })}
        </Loader>
    }
}
