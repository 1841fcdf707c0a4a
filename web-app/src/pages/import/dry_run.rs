//! The server's dry run: what applying would do, evaluatee by evaluatee,
//! the first page at once and the rest on さらに表示 / Show more.

use leptos::prelude::*;
use sheetlink_protocol::Outcome;

use sheetlink_engine::evaluation::MAX_ERRORED_EVALUATEES;

use crate::api::{self, CellAction, ChangesPage, DryRun, ImportStatus, segment};
use crate::components::{Answer, Captions, Counts, Said, TableBox, outcome_counts, outcome_text};
use crate::i18n::{Lang, t, use_lang};

/// The plan, its totals and its changes.
#[component]
pub fn DryRunView(
    /// What the server answered.
    plan: DryRun,
    /// The items' captions.
    captions: Captions,
) -> impl IntoView {
    let lang = use_lang();
    let errors: u32 = plan
        .error_totals
        .values()
        .sum::<u32>()
        .max(plan.errors.len() as u32);
    let failed_people = plan.counts.failed;
    let changed = plan
        .evaluatees
        .outcome
        .iter()
        .filter(|o| **o != Outcome::Unchanged)
        .count();
    let cells = plan.cells;
    let aborted = plan.status == ImportStatus::Aborted;
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
            <h2>{t("反映前の確認（まだ反映されていません）", "Before applying (nothing applied yet)")}</h2>
            <h3>{t("被評価者", "Evaluatees")}</h3>
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
                        "Blank cells delete the stored value. The cells to be deleted are marked “deleted” below.",
                    )}
                </p>
            })}
            {aborted.then(|| view! {
                <p class="error" role="alert" data-testid="plan-aborted">{move || lang.get().pick(
                    format!("エラーのある被評価者が{MAX_ERRORED_EVALUATEES}名に達したため、確認を途中で止めました。このままでは何も反映されません。エラーを直してから、もう一度アップロードしてください。"),
                    format!("{MAX_ERRORED_EVALUATEES} evaluatees had errors, so the check stopped there and nothing would be applied. Fix the errors and upload the file again."),
                )}</p>
            })}
            {(!aborted && errors > 0).then(|| view! {
                <p class="error">{move || lang.get().pick(
                    format!("サーバーの確認で、{failed_people}名にエラーがありました（エラー {errors}件）。この{failed_people}名には何も反映されません。"),
                    format!("The server found errors for {failed_people} evaluatees ({errors} errors); nothing is applied for them."),
                )}</p>
            })}
            <PlanRows id=plan.id first=plan.changes changed=changed captions=captions/>
        </div>
    }
}

/// The evaluatees with changes, page by page.
#[component]
fn PlanRows(id: String, first: ChangesPage, changed: usize, captions: Captions) -> impl IntoView {
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
        <TableBox label=t("変更される被評価者", "Evaluatees with changes")>
            <table class="plan">
                <thead><tr>
                    <th>{t("行", "Row")}</th><th>{t("被評価者", "Evaluatee")}</th>
                    <th>{t("結果", "Outcome")}</th><th>{t("変更", "Changes")}</th>
                </tr></thead>
                <tbody data-testid="plan-rows">
                    {move || {
                        let captions = captions.clone();
                        rows.get().into_iter().map(move |e| {
                            let captions = captions.clone();
                            let outcome = e.outcome;
                            view! {
                                <tr>
                                    <td>{e.row}</td><td>{e.name}<br/><span class="muted">{e.key}</span></td><td>{move || outcome_text(lang.get(), outcome)}</td>
                                    <td>
                                        {e.changes.into_iter().map(|c| {
                                            let (class, testid) = if c.action == CellAction::Delete { ("change delete", "change-delete") } else { ("change", "change") };
                                            let item = captions.of(&c.item);
                                            let action = c.action;
                                            let (old, new) = (c.old.unwrap_or_default(), c.new.unwrap_or_default());
                                            view! {
                                                <span class=class data-testid=testid>
                                                    {move || {
                                                        let lang = lang.get();
                                                        let action = action_text(lang, action);
                                                        lang.pick(format!("{item}（{action}）: {old} → {new}"), format!("{item} ({action}): {old} → {new}"))
                                                    }}
                                                </span>
                                            }
                                        }).collect_view()}
                                    </td>
                                </tr>
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
        </TableBox>
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

/// What happens to a cell, in the one word for it.
fn action_text(lang: Lang, action: CellAction) -> &'static str {
    match action {
        CellAction::Create => lang.pick("新規", "created"),
        CellAction::Update => lang.pick("更新", "updated"),
        CellAction::Delete => lang.pick("削除", "deleted"),
    }
}
