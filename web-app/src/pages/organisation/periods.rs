//! Evaluation periods: add one (open), rename, close and open again. A
//! closed period takes no templates or imports; its history stays.

use leptos::prelude::*;
use sheetlink_protocol::naming::{IdKind, check_id};
use sheetlink_protocol::org::PeriodView;
use sheetlink_protocol::organisation::{NewPeriod, PeriodChange};

use super::text;
use crate::api::{self, ApiError};
use crate::components::{Answer, Badge, Said, TableBox, Tone};
use crate::i18n::{t, use_lang};

/// The periods and the form that adds one.
#[component]
pub fn Periods(
    /// Every period.
    periods: Vec<PeriodView>,
    /// Reloads the screen after a change.
    reload: Callback<()>,
) -> impl IntoView {
    let said = RwSignal::new(None::<Said>);
    let change = Action::new_local(move |(id, change): &(String, PeriodChange)| {
        let (id, change) = (id.clone(), change.clone());
        async move {
            let result = api::patch::<_, PeriodView>(
                &format!("/api/organisation/periods/{}", api::segment(&id)),
                &change,
            )
            .await;
            said.set(Some(match result {
                Ok(period) => {
                    reload.run(());
                    let (ja, en) = if period.open {
                        ("受付中", "open")
                    } else {
                        ("終了", "closed")
                    };
                    Said::Done(
                        format!("評価期「{}」を保存しました（{ja}）。", period.name),
                        format!("Period \"{}\" saved ({en}).", period.name),
                    )
                }
                Err(error) => Said::Failed(error),
            }));
        }
    });
    let lang = use_lang();
    let empty = periods.is_empty();
    let rows = periods.into_iter().map(|period| {
        let name = RwSignal::new(period.name.clone());
        let (id, open) = (period.id.clone(), period.open);
        let (rename_id, toggle_id) = (id.clone(), id.clone());
        let label = format!("period-name-{id}");
        let badge = if open { (Tone::Good, "受付中", "Open") } else { (Tone::Neutral, "終了", "Closed") };
        view! {
            <tr data-testid="period-row" data-period=id.clone()>
                <td>
                    <label class="visually-hidden" for=label.clone()>{t("評価期名", "Period name")}</label>
                    <input id=label data-testid="period-name" prop:value=name on:input=text(name)
                        on:change=move |_| { change.dispatch((rename_id.clone(), PeriodChange { name: Some(name.get_untracked()), open: None })); }/>
                </td>
                <td><code>{id.clone()}</code></td>
                <td><Badge tone=badge.0 text=Signal::derive(move || lang.get().pick(badge.1, badge.2).to_owned()) status=if open { "open" } else { "closed" }/></td>
                <td>
                    <button data-testid="period-toggle" on:click=move |_| { change.dispatch((toggle_id.clone(), PeriodChange { name: None, open: Some(!open) })); }>
                        {if open { t("終了にする", "Close") } else { t("受付中に戻す", "Open again") }}
                    </button>
                </td>
            </tr>
        }
    }).collect_view();
    view! {
        <h2>{t("評価期", "Evaluation periods")}</h2>
        <Show when=move || empty fallback=|| ()>
            <p data-testid="periods-empty">{t("まだ評価期がありません。最初の評価期を追加してください。", "No period yet: add the first one.")}</p>
        </Show>
        <TableBox label=t("評価期", "Evaluation periods")>
            <table data-testid="periods">
                <thead><tr><th>{t("名前", "Name")}</th><th>{t("評価期ID", "Period id")}</th><th>{t("状態", "Status")}</th><th>{t("操作", "Action")}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableBox>
        <Answer said=said testid="period-said"/>
        <NewPeriodForm reload=reload/>
    }
}

#[component]
fn NewPeriodForm(reload: Callback<()>) -> impl IntoView {
    let (id, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let problem = RwSignal::new(None::<Said>);
    let create = Action::new_local(move |new: &NewPeriod| {
        let new = new.clone();
        async move {
            let created = api::post::<_, PeriodView>("/api/organisation/periods", &new).await?;
            id.set(String::new());
            name.set(String::new());
            reload.run(());
            Ok::<_, ApiError>(created)
        }
    });
    let said = Signal::derive(move || {
        problem.get().or_else(|| match create.value().get() {
            Some(Ok(period)) => Some(Said::Done(
                format!("評価期「{}」を追加しました（受付中）。", period.name),
                format!("Period \"{}\" added (open).", period.name),
            )),
            Some(Err(error)) => Some(Said::Failed(error)),
            None => None,
        })
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_id(IdKind::Period, id.get_untracked().trim());
        problem.set(checked.err().map(|p| Said::Problem(p.ja, p.en)));
        if problem.get_untracked().is_none() {
            create.dispatch(NewPeriod {
                id: id.get_untracked().trim().to_owned(),
                name: name.get_untracked(),
            });
        }
    };
    view! {
        <form class="inline" on:submit=submit data-testid="new-period">
            <label for="period-id">{t("評価期ID（例: 2027-h1。CSVの1行目に入ります）", "Period id (e.g. 2027-h1; it is in row 1 of CSVs)")}</label>
            <input id="period-id" data-testid="period-id" required prop:value=id on:input=text(id)/>
            <label for="period-new-name">{t("評価期名（例: 2027年度上期）", "Period name (e.g. FY2027 H1)")}</label>
            <input id="period-new-name" data-testid="period-new-name" required prop:value=name on:input=text(name)/>
            <button type="submit" class="primary" data-testid="period-create" disabled=create.pending()>{t("評価期を追加", "Add the period")}</button>
        </form>
        <Answer said=said testid="new-period-said"/>
    }
}
