//! One batch run's per-row results.

use leptos::prelude::*;
use sheetlink_protocol::linkage::LinkageRun as Run;

use crate::api::{self, segment};
use crate::components::{Loader, outcome_text, when};
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
                run.await.map(|run| {
                    let (key, on_the_spot, none) = (run.key.clone(), run.on_the_spot, run.rows.is_empty());
                    let reason = (run.reason.clone(), run.reason_en.clone());
                    let delayed = run.mail_delayed_until;
                    let not_listed = run.not_added_to_list;
                    let title = move || {
                        let lang = lang.get();
                        let what = if on_the_spot { lang.pick("その場のマッピング", "a mapping made on the spot").to_owned() } else { key.clone() };
                        lang.pick(format!("「{what}」の実行結果（行ごと）"), format!("Rows of the run of “{what}”"))
                    };
                    view! {
                        <h2>{title}</h2>
                        {reason.0.clone().map(|_| view! {
                            <p data-testid="run-reason">{move || lang.get().pick(reason.0.clone(), reason.1.clone()).unwrap_or_default()}</p>
                        })}
                        {delayed.map(|until| view! {
                            <p class="muted" data-testid="run-mail-delayed">{move || lang.get().pick(
                                format!("完了メールは、組織ごとの1時間あたりの送信上限を超えたため順に送られます（{}までに送信）。", when(until)),
                                format!("The completion e-mails wait for the tenant's hourly sending limit and go out by {}.", when(until)),
                            )}</p>
                        })}
                        {(not_listed > 0).then(|| view! {
                            <p class="muted" data-testid="run-not-added-to-list">{move || lang.get().pick(
                                format!("リストが上限（10万件）に達しているため、{not_listed}件のレコードをリストに追加できませんでした。リストを空にするか、条件で別のリストを選んでください。"),
                                format!("{not_listed} records were not added to the list: it holds its 100,000 entries. Clear it, or choose another list in the condition."),
                            )}</p>
                        })}
                        {none.then(|| view! {
                            <p class="muted" data-testid="run-rows-none">{t(
                                "行ごとの結果はありません（ファイル全体が受け付けられなかったか、一覧にしない大きなファイルの成功した行です）。件数は上の一覧のとおりです。",
                                "No row results (the whole file was refused, or a large file's successful rows are not listed). The counts are in the list above.",
                            )}</p>
                        })}
                        <table data-testid="run-rows" hidden=none>
                            <thead><tr><th>{t("行", "Row")}</th><th>{t("結果", "Outcome")}</th><th>{t("レコード", "Record")}</th><th>{t("セル", "Cell")}</th><th>{t("理由", "Reason")}</th></tr></thead>
                            <tbody>{run.rows.into_iter().take(1000).map(|r| { let outcome = r.outcome; view! {
                                <tr><td>{r.row}</td><td>{move || outcome_text(lang.get(), outcome)}</td><td>{r.record.unwrap_or_default()}</td><td>{r.cells.join(" ")}</td><td>{move || lang.get().pick(r.message.clone(), r.message_en.clone()).unwrap_or_default()}</td></tr>
                            }}).collect_view()}</tbody>
                        </table>
                    }
                })
            })}
        </Loader>
    }
}
