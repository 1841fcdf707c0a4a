//! The server's dry run: what applying would do, evaluatee by evaluatee,
//! the first page at once and the rest on さらに表示 / Show more.

use leptos::prelude::*;
use sheetlink_protocol::Outcome;

use crate::api::{self, CellAction, ChangesPage, DryRun, segment};
use crate::components::{Answer, Counts, Said, outcome_counts};
use crate::i18n::{t, use_lang};

/// The plan, its totals and its changes.
#[component]
pub fn DryRunView(
    /// What the server answered.
    plan: DryRun,
) -> impl IntoView {
    let lang = use_lang();
    let errors: u32 = plan
        .error_totals
        .values()
        .sum::<u32>()
        .max(plan.errors.len() as u32);
    let changed = plan
        .evaluatees
        .outcome
        .iter()
        .filter(|o| **o != Outcome::Unchanged)
        .count();
    let cells = plan.cells;
    let counts = outcome_counts(
        &plan.counts,
        [
            "plan-created",
            "plan-updated",
            "plan-unchanged",
            "",
            "plan-failed",
        ],
    );
    view! {
        <div class="dry-run" data-testid="dry-run-result">
            <h2>{t("ドライランの結果（まだ反映されていません）", "Dry run (nothing applied yet)")}</h2>
            <Counts counts=counts/>
            <p>
                {move || lang.get().pick(
                    format!("セル: 新規 {} ・ 更新 {} ・ 削除 {} ・ 変更なし {}", cells.create, cells.update, cells.delete, cells.unchanged),
                    format!("Cells: {} created, {} updated, {} deleted, {} unchanged", cells.create, cells.update, cells.delete, cells.unchanged),
                )}
            </p>
            {(cells.delete > 0).then(|| view! {
                <p class="warning" data-testid="plan-deletes">
                    {t(
                        "空欄のセルは、保存済みの値を削除します。削除されるセルは下の表で「削除」と表示されています。",
                        "Blank cells delete the stored value. The cells to be deleted are marked “delete” below.",
                    )}
                </p>
            })}
            {(errors > 0).then(|| view! {
                <p class="error">{move || lang.get().pick(format!("サーバーで{errors}件のエラーが見つかりました。"), format!("The server found {errors} errors."))}</p>
            })}
            <PlanRows id=plan.id first=plan.changes changed=changed/>
        </div>
    }
}

/// The evaluatees with changes, page by page.
#[component]
fn PlanRows(id: String, first: ChangesPage, changed: usize) -> impl IntoView {
    let lang = use_lang();
    let rows = RwSignal::new(first.evaluatees);
    let next_after = RwSignal::new(first.next_after);
    let more = Action::new_local(move |after: &u32| {
        let path = format!("/api/dry-runs/{}?after={after}", segment(&id));
        async move {
            let page = api::get::<ChangesPage>(&path).await?;
            rows.update(|rows| rows.extend(page.evaluatees));
            next_after.set(page.next_after);
            Ok(())
        }
    });
    let failed = Signal::derive(move || more.value().get().and_then(Result::err).map(Said::Failed));
    view! {
        <table class="plan">
            <thead><tr>
                <th>{t("行", "Row")}</th><th>{t("評価対象者", "Evaluatee")}</th>
                <th>{t("結果", "Outcome")}</th><th>{t("変更", "Changes")}</th>
            </tr></thead>
            <tbody data-testid="plan-rows">
                {move || rows.get().into_iter().map(|e| view! {
                    <tr>
                        <td>{e.row}</td><td>{e.key}</td><td>{e.outcome.as_str()}</td>
                        <td>
                            {e.changes.into_iter().map(|c| {
                                let (class, testid) = if c.action == CellAction::Delete { ("change delete", "change-delete") } else { ("change", "change") };
                                view! {
                                    <span class=class data-testid=testid>
                                        {format!("{} [{}]: {} → {}", c.item, c.action.as_str(), c.old.unwrap_or_default(), c.new.unwrap_or_default())}
                                    </span>
                                }
                            }).collect_view()}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted" data-testid="plan-shown">
            {move || {
                let shown = rows.with(Vec::len);
                lang.get().pick(
                    format!("変更のある{changed}名のうち{shown}名を表示しています。"),
                    format!("Showing {shown} of the {changed} evaluatees with changes."),
                )
            }}
        </p>
        {move || next_after.get().map(|after| view! {
            <button data-testid="plan-more" disabled=more.pending() on:click=move |_| { more.dispatch(after); }>
                {t("さらに表示", "Show more")}
            </button>
        })}
        <Answer said=failed testid="plan-more-error"/>
    }
}
