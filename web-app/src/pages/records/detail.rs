//! `/linkage/records/:sheet/:id`: one CRM record — its fields (relations
//! link to the records they point at), the records that point at it, its
//! change history (which run or person set which field, when), and its
//! deletion: asked in the page; refused while other records point at it,
//! when the page offers to clear those links and delete.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use sheetlink_engine::linkage::Sheet;
use sheetlink_protocol::records::{
    ChangeKind, RecordChange, RecordDeleted, RecordDetail, RecordRef,
};

use super::{catalog, cell_text};
use crate::api::{self, ApiError};
use crate::components::{Answer, Confirm, Loader, Said, TableBox, ZoneNote, when};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;

/// `/linkage/records/:sheet/:id`.
#[component]
pub fn RecordPage() -> impl IntoView {
    view! { <SignedIn><Load/></SignedIn> }
}

fn record_href(target: &RecordRef) -> String {
    format!(
        "/linkage/records/{}/{}",
        api::segment(&target.sheet),
        api::segment(&target.id)
    )
}

#[component]
fn Load() -> impl IntoView {
    let params = use_params_map();
    let sheet = move || params.with(|p| p.get("sheet").unwrap_or_default());
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = LocalResource::new(move || {
        let path = format!(
            "/api/linkage/sheets/{}/records/{}",
            api::segment(&sheet()),
            api::segment(&id())
        );
        async move { api::get::<RecordDetail>(&path).await }
    });
    view! {
        <section class="card" data-testid="record">
            <p><A href=move || format!("/linkage/records/{}", api::segment(&sheet()))>{t("← レコードの一覧に戻る", "← Back to the records")}</A></p>
            <Loader>
                {move || Suspend::new(async move {
                    detail.await.map(|detail| {
                        catalog().sheet(&detail.sheet).cloned().map(|sheet| view! { <Record sheet=sheet detail=detail/> })
                    })
                })}
            </Loader>
        </section>
    }
}

#[component]
fn Record(sheet: Sheet, detail: RecordDetail) -> impl IntoView {
    let row = detail.record.clone();
    let fields = sheet
        .fields
        .iter()
        .zip(&row.values)
        .map(|(field, value)| {
            let text = cell_text(&row, field, value.as_deref());
            let shown = match row.links.iter().find(|l| l.field == field.id) {
                Some(link) if link.target.exists => {
                    view! { <A href=record_href(&link.target)>{text}</A> }.into_any()
                }
                Some(_) => {
                    view! { {text}" "<span class="muted">{t("（削除済み）", "(deleted)")}</span> }
                        .into_any()
                }
                None if text.is_empty() => view! { <span class="muted">"—"</span> }.into_any(),
                None => view! { <span class="value">{text}</span> }.into_any(),
            };
            view! { <dt>{field.label.clone()}</dt><dd data-field=field.id.clone()>{shown}</dd> }
        })
        .collect_view();
    let has_links = !detail.linked.is_empty();
    let linked = detail
        .linked
        .into_iter()
        .map(|group| {
            let other = catalog().sheet(&group.sheet).cloned();
            let heading = other.as_ref().map_or_else(
                || group.sheet.clone(),
                |o| format!("{}（{}）", o.name, o.label_of(&group.field)),
            );
            let more = group.count.saturating_sub(group.records.len() as u64);
            let items = group
                .records
                .iter()
                .map(|r| {
                    let (href, title) = (record_href(r), r.title.clone());
                    view! { <li><A href=href>{title}</A></li> }
                })
                .collect::<Vec<_>>();
            let count = group.count;
            view! {
                <h3 data-testid="linked-group" data-sheet=group.sheet>{heading}" "<span class="muted">{move || use_lang().get().pick(format!("{count}件"), format!("{count}"))}</span></h3>
                <ul>{items}</ul>
                {(more > 0).then(|| view! { <p class="muted">{move || use_lang().get().pick(format!("ほか{more}件"), format!("and {more} more"))}</p> })}
            }
        })
        .collect_view();
    view! {
        <h1 data-testid="record-title">{format!("{} {}", sheet.name, row.title)}</h1>
        <dl class="record-fields" data-testid="record-fields">{fields}</dl>
        <h2>{t("このレコードを指しているレコード", "Records pointing here")}</h2>
        {if has_links { linked.into_any() } else { view! { <p class="muted" data-testid="linked-none">{t("ありません。", "None.")}</p> }.into_any() }}
        <History sheet=sheet.clone() history=detail.history/>
        <Delete sheet=sheet id=row.id.clone() title=row.title.clone()/>
    }
}

/// A change's fields in words: `label: before → after`.
fn change_text(sheet: &Sheet, change: &RecordChange) -> String {
    change
        .changes
        .iter()
        .map(|c| {
            let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "（空）".to_owned());
            match change.kind {
                ChangeKind::Created => format!("{}: {}", sheet.label_of(&c.field), value(&c.after)),
                _ => format!(
                    "{}: {} → {}",
                    sheet.label_of(&c.field),
                    value(&c.before),
                    value(&c.after)
                ),
            }
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

#[component]
fn History(sheet: Sheet, history: Vec<RecordChange>) -> impl IntoView {
    let lang = use_lang();
    if history.is_empty() {
        return view! {
            <h2>{t("変更履歴", "Change history")}</h2>
            <p class="muted" data-testid="history-none">{t("記録された変更はありません（変更履歴は各レコードの直近50件を保存します）。", "No change recorded (the last 50 changes of each record are kept).")}</p>
        }
        .into_any();
    }
    let rows = history
        .iter()
        .map(|change| {
            let kind = match change.kind {
                ChangeKind::Created => ("作成", "Created"),
                ChangeKind::Updated => ("更新", "Updated"),
                ChangeKind::LinkCleared => ("紐づき先の削除で解除", "Link cleared (its record was deleted)"),
            };
            let source = match (&change.condition, change.row) {
                (Some(key), Some(row)) => {
                    let key = key.clone();
                    view! { <span>{move || lang.get().pick(format!("取込「{key}」{row}行目"), format!("import \"{key}\", row {row}"))}</span> }.into_any()
                }
                _ => view! { <span>{t("画面から", "On screen")}</span> }.into_any(),
            };
            view! {
                <tr data-testid="history-row">
                    <td>{when(change.at)}</td>
                    <td>{change.by.clone()}</td>
                    <td>{t(kind.0, kind.1)}</td>
                    <td>{source}</td>
                    <td class="wrap">{change_text(&sheet, change)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>{t("変更履歴", "Change history")}</h2>
        <ZoneNote/>
        <TableBox label=t("変更履歴", "Change history")>
            <table data-testid="history-table">
                <thead><tr><th>{t("日時", "When")}</th><th>{t("変更者", "By")}</th><th>{t("種類", "Kind")}</th><th>{t("経路", "Through")}</th><th>{t("内容", "Changes")}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableBox>
        <p class="muted">{t("各レコードの直近50件の変更を保存します。", "The last 50 changes of each record are kept.")}</p>
    }
    .into_any()
}

/// Deleting: asked first; a refusal because other records point here is
/// shown with the way on — delete clearing those links, asked again.
#[component]
fn Delete(sheet: Sheet, id: String, title: String) -> impl IntoView {
    let lang = use_lang();
    let navigate = use_navigate();
    let asking = RwSignal::new(None::<bool>);
    let path = format!(
        "/api/linkage/sheets/{}/records/{}",
        api::segment(&sheet.id),
        api::segment(&id)
    );
    let list = format!("/linkage/records/{}", api::segment(&sheet.id));
    let delete = Action::new_local(move |clear_links: &bool| {
        let url = format!("{path}?clear_links={clear_links}");
        let (navigate, list) = (navigate.clone(), list.clone());
        async move {
            let done = api::delete_json::<RecordDeleted>(&url).await;
            if done.is_ok() {
                navigate(&list, Default::default());
            }
            done
        }
    });
    let refused_for_links = move || {
        matches!(
            delete.value().get(),
            Some(Err(ApiError::Status { status: 409, .. }))
        )
    };
    let said = Signal::derive(move || match delete.value().get() {
        Some(Err(error)) => Some(Said::Failed(error)),
        _ => None,
    });
    let name = format!("{} {title}", sheet.name);
    let question = {
        let name = name.clone();
        Signal::derive(move || {
            let name = name.clone();
            match asking.get() {
                Some(true) => lang.get().pick(
                    format!("「{name}」を指している項目を空にしてから、「{name}」を削除します。元に戻せません。"),
                    format!("The fields pointing at \"{name}\" are emptied, then \"{name}\" is deleted. This cannot be undone."),
                ),
                _ => lang.get().pick(
                    format!("「{name}」と変更履歴を削除します。元に戻せません。"),
                    format!("\"{name}\" and its history are deleted. This cannot be undone."),
                ),
            }
        })
    };
    view! {
        <h2>{t("削除", "Delete")}</h2>
        <Answer said=said testid="record-said"/>
        {move || match asking.get() {
            Some(clear) => view! {
                <Confirm
                    question=question
                    yes=if clear { ("紐づきを外して削除する", "Clear the links and delete") } else { ("削除する", "Delete") }
                    on_yes=Callback::new(move |()| { asking.set(None); delete.dispatch(clear); })
                    on_no=Callback::new(move |()| asking.set(None))
                    testid="record-delete-yes"
                />
            }.into_any(),
            None => view! {
                <button class="danger" data-testid="record-delete" on:click=move |_| asking.set(Some(false))>{t("このレコードを削除", "Delete this record")}</button>
                <Show when=refused_for_links>
                    " "
                    <button class="danger" data-testid="record-delete-clearing" on:click=move |_| asking.set(Some(true))>{t("紐づきを外して削除", "Clear the links and delete")}</button>
                </Show>
            }.into_any(),
        }}
    }
}
