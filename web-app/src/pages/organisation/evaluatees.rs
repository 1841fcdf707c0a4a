//! Who is evaluated on a sheet in a period: every member of the groups
//! ticked, and the members picked; each gets a user sheet in the first
//! status (未着手). Members who have one keep it.

use leptos::prelude::*;
use sheetlink_protocol::organisation::{EvaluateeRequest, EvaluateeView, EvaluateesAdded};

use super::Setup;
use crate::api::{self, ApiError};
use crate::components::member_picker::MemberPicker;
use crate::components::{Answer, Said};
use crate::i18n::t;

/// The evaluatee form and the count of who is in.
#[component]
pub fn Evaluatees(
    /// What the screen read.
    setup: Setup,
) -> impl IntoView {
    let first = |ids: Vec<String>| ids.into_iter().next().unwrap_or_default();
    let period = RwSignal::new(first(
        setup
            .periods
            .iter()
            .filter(|p| p.open)
            .map(|p| p.id.clone())
            .collect(),
    ));
    let sheet = RwSignal::new(first(setup.sheets.iter().map(|s| s.id.clone()).collect()));
    let groups = RwSignal::new(Vec::<String>::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let path = move || {
        format!(
            "/api/organisation/periods/{}/sheets/{}/evaluatees",
            api::segment(&period.get()),
            api::segment(&sheet.get())
        )
    };
    let current = LocalResource::new(move || {
        let path = path();
        let ready = !period.get().is_empty() && !sheet.get().is_empty();
        async move {
            if ready {
                api::get::<Vec<EvaluateeView>>(&path)
                    .await
                    .map(|list| list.len())
                    .ok()
            } else {
                None
            }
        }
    });
    let add = Action::new_local(move |request: &EvaluateeRequest| {
        let (request, path) = (request.clone(), path());
        async move {
            let added = api::post::<_, EvaluateesAdded>(&path, &request).await?;
            groups.set(Vec::new());
            chosen.set(Vec::new());
            current.refetch();
            Ok::<_, ApiError>(added)
        }
    });
    let said = Signal::derive(move || match add.value().get() {
        Some(Ok(done)) => Some(Said::Done(
            format!(
                "{}名を被評価者にしました（未着手）。{}名はすでに被評価者、無効のメンバー{}名は除きました。",
                done.added, done.already, done.inactive
            ),
            format!(
                "{} members are now evaluatees (not started); {} already were; {} deactivated members were left out.",
                done.added, done.already, done.inactive
            ),
        )),
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    let options = |items: Vec<(String, String)>, selected: RwSignal<String>| {
        items.into_iter().map(move |(id, name)| {
            let chosen = id.clone();
            view! { <option value=id.clone() selected=move || selected.get() == chosen>{name}</option> }
        }).collect_view()
    };
    let period_options = options(
        setup
            .periods
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect(),
        period,
    );
    let sheet_options = options(
        setup
            .sheets
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        sheet,
    );
    let group_boxes = setup.groups.iter().map(|g| {
        let value = g.id.clone();
        let box_id = format!("evaluatee-group-{}", g.id);
        let for_id = box_id.clone();
        let checked = { let value = value.clone(); move || groups.with(|list| list.contains(&value)) };
        view! { <label for=for_id><input type="checkbox" id=box_id data-testid="evaluatee-group" value=value.clone() prop:checked=checked
            on:change=move |ev| { let on = event_target_checked(&ev); let value = value.clone(); groups.update(|list| { list.retain(|v| *v != value); if on { list.push(value); } }); }/>
            {format!("{}（{}名）", g.name, g.members.len())}</label> }
    }).collect_view();
    let members = setup.members.clone();
    let nothing = setup.periods.is_empty() || setup.sheets.is_empty();
    view! {
        <h2>{t("被評価者", "Evaluatees")}</h2>
        <Show when=move || !nothing fallback=|| view! {
            <p data-testid="evaluatees-wait">{t("評価期とシートを追加すると、被評価者を選べます。", "Add a period and a sheet first; then choose the evaluatees.")}</p>
        }>
            <form data-testid="evaluatees" on:submit=move |ev| {
                ev.prevent_default();
                add.dispatch(EvaluateeRequest { groups: groups.get_untracked(), members: chosen.get_untracked() });
            }>
                <label for="evaluatee-period">{t("評価期", "Period")}</label>
                <select id="evaluatee-period" data-testid="evaluatee-period" on:change=move |ev| period.set(event_target_value(&ev))>{period_options.clone()}</select>
                <label for="evaluatee-sheet">{t("シート", "Sheet")}</label>
                <select id="evaluatee-sheet" data-testid="evaluatee-sheet" on:change=move |ev| sheet.set(event_target_value(&ev))>{sheet_options.clone()}</select>
                <p data-testid="evaluatee-count">{move || current.get().flatten().map(|n| view! {
                    {t("いまの被評価者:", "Evaluatees now:")}" "{n}{t("名", "")}
                })}</p>
                <fieldset><legend>{t("グループの全員を追加", "Add everyone in these groups")}</legend>{group_boxes.clone()}</fieldset>
                <MemberPicker members=Signal::derive({ let members = members.clone(); move || members.clone() }) chosen=chosen label=("メンバーを個別に追加", "Add members one by one") testid="evaluatee-member"/>
                <button type="submit" class="primary" data-testid="evaluatee-add" disabled=move || add.pending().get() || (groups.with(Vec::is_empty) && chosen.with(Vec::is_empty))>
                    {t("被評価者に追加", "Add as evaluatees")}
                </button>
                <Answer said=said testid="evaluatee-said"/>
            </form>
        </Show>
    }
}
