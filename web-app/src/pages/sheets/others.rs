//! The sheets a leader or an evaluation admin may open: pick the period and
//! the sheet, then a person.

use leptos::prelude::*;
use sheetlink_protocol::org::{PeriodView, SheetSummary, SheetView};

use crate::api::{self, segment};
use crate::components::{Loader, SheetBadge, TableBox};
use crate::i18n::t;

/// Period and sheet pickers, then whose sheets.
#[component]
pub fn Others() -> impl IntoView {
    let period = RwSignal::new(String::new());
    let sheet = RwSignal::new(String::new());
    let periods = LocalResource::new(|| api::get::<Vec<PeriodView>>("/api/periods"));
    let sheets = LocalResource::new(move || {
        let period = period.get();
        async move {
            if period.is_empty() {
                return Ok(Vec::new());
            }
            api::get::<Vec<SheetView>>(&format!("/api/periods/{}/sheets", segment(&period))).await
        }
    });
    let people = LocalResource::new(move || {
        let (period, sheet) = (period.get(), sheet.get());
        async move {
            if period.is_empty() || sheet.is_empty() {
                return Ok(Vec::new());
            }
            api::get::<Vec<SheetSummary>>(&format!(
                "/api/periods/{}/sheets/{}/members",
                segment(&period),
                segment(&sheet)
            ))
            .await
        }
    });
    view! {
        <section class="card" data-testid="other-sheets">
            <h2>{t("担当するメンバーのシート（閲覧のみ）", "Sheets of the people you lead (read-only)")}</h2>
            <Loader>
                {move || Suspend::new(async move {
                    let periods = periods.await?;
                    let sheets = sheets.await?;
                    Ok::<_, api::ApiError>(view! {
                        <label for="others-period">{t("評価期間", "Period")}</label>
                        <select id="others-period" data-testid="others-period" on:change=move |ev| { sheet.set(String::new()); period.set(event_target_value(&ev)); }>
                            <option value="">{t("選んでください", "Choose one")}</option>
                            {periods.into_iter().map(|p| { let selected = p.id == period.get_untracked(); view! { <option value=p.id.clone() selected=selected>{p.name}</option> } }).collect_view()}
                        </select>
                        <label for="others-sheet">{t("シート", "Sheet")}</label>
                        <select id="others-sheet" data-testid="others-sheet" on:change=move |ev| sheet.set(event_target_value(&ev))>
                            <option value="">{t("選んでください", "Choose one")}</option>
                            {sheets.into_iter().map(|s| { let selected = s.id == sheet.get_untracked(); view! { <option value=s.id.clone() selected=selected>{s.name}</option> } }).collect_view()}
                        </select>
                    })
                })}
            </Loader>
            <Loader>
                {move || Suspend::new(async move {
                    people.await.map(|people| (!people.is_empty()).then(|| view! {
                        <TableBox label=t("メンバーのシート", "Members' sheets")>
                            <table data-testid="others-list">
                                <thead><tr><th scope="col">{t("氏名", "Name")}</th><th scope="col">{t("ステータス", "Status")}</th></tr></thead>
                                <tbody>{people.into_iter().map(|person| {
                                    let href = format!("/sheets/{}/{}/{}", segment(&period.get_untracked()), segment(&sheet.get_untracked()), segment(&person.member));
                                    view! { <tr><td><a href=href data-testid="open-sheet">{person.member_name}</a></td><td><SheetBadge status=person.status/></td></tr> }
                                }).collect_view()}</tbody>
                            </table>
                        </TableBox>
                    }))
                })}
            </Loader>
        </section>
    }
}
