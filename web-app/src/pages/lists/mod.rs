//! `/linkage/lists`: the lists (リスト) an import condition's after-import
//! action fills (CRM admins): each list with its records per sheet; open
//! one to read its records a page at a time, take records out, clear it
//! (asked in the page), or save one sheet's records of it as CSV.

use leptos::prelude::*;
use sheetlink_protocol::linkage::{LIST_PAGE, ListPage, ListRemoval, ListSummary};

use crate::api::{self, ApiError, RoleName};
use crate::components::{Answer, Confirm, Loader, Said, TableBox};
use crate::i18n::{t, use_lang};
use crate::session::{SignedIn, use_session};

/// `/linkage/lists`.
#[component]
pub fn ListsPage() -> impl IntoView {
    view! { <SignedIn><Lists/></SignedIn> }
}

#[component]
fn Lists() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let allowed = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.has(RoleName::CrmAdmin)))
    };
    let lists = LocalResource::new(|| api::get::<Vec<ListSummary>>("/api/linkage/lists"));
    let open = RwSignal::new(None::<String>);
    view! {
        <section class="card" data-testid="lists">
            <h1>{t("リスト", "Lists")}</h1>
            <Show when=allowed fallback=|| view! { <p class="notice">{t("リストはCRM管理者が扱います。", "Lists are for CRM admins.")}</p> }>
                <p>{t("インポート条件の「リストへの追加」で、取り込んだレコードがここに集まります。", "An import condition's \"add to a list\" collects the imported records here.")}</p>
                <Loader>
                    {move || Suspend::new(async move {
                        lists.await.map(|lists| {
                            if lists.is_empty() {
                                return view! { <p data-testid="lists-empty">{t("まだリストはありません。インポート条件のインポート後のアクションでリスト名を入れると作られます。", "No list yet: name one in an import condition's after-import actions.")}</p> }.into_any();
                            }
                            let rows = lists.into_iter().map(|list| {
                                let name = list.name.clone();
                                let sheets = list.sheets.iter().map(|s| format!("{} {}", s.label, s.count)).collect::<Vec<_>>().join("・");
                                view! {
                                    <tr data-testid="list-row" data-list=list.name.clone()>
                                        <td><button class="link" data-testid="list-open" on:click=move |_| open.set(Some(name.clone()))>{list.name.clone()}</button></td>
                                        <td>{move || lang.get().pick(format!("{}件", list.count), format!("{} records", list.count))}</td>
                                        <td>{sheets}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                <TableBox label=t("リスト", "Lists")>
                                    <table data-testid="list-table"><thead><tr><th>{t("リスト名", "List")}</th><th>{t("件数", "Records")}</th><th>{t("シートごと", "By sheet")}</th></tr></thead><tbody>{rows}</tbody></table>
                                </TableBox>
                            }.into_any()
                        })
                    })}
                </Loader>
                {move || open.get().map(|name| view! { <OneList name=name reload=Callback::new(move |()| lists.refetch())/> })}
            </Show>
        </section>
    }
}

#[component]
fn OneList(name: String, reload: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let offset = RwSignal::new(0usize);
    let path = format!("/api/linkage/lists/{}", api::segment(&name));
    let page = LocalResource::new({
        let path = path.clone();
        move || {
            let path = format!("{path}?offset={}", offset.get());
            async move { api::get::<ListPage>(&path).await }
        }
    });
    let asking = RwSignal::new(false);
    let change = Action::new_local({
        let path = path.clone();
        move |removed: &Option<Vec<String>>| {
            let (path, removed) = (path.clone(), removed.clone());
            async move {
                let done = match removed {
                    Some(entries) => {
                        api::post::<_, ListSummary>(
                            &format!("{path}/remove"),
                            &ListRemoval { entries },
                        )
                        .await
                    }
                    None => api::post_empty::<ListSummary>(&format!("{path}/clear")).await,
                };
                page.refetch();
                reload.run(());
                done
            }
        }
    });
    let said = Signal::derive(move || match change.value().get() {
        Some(Ok(list)) => Some(Said::Done(
            format!("リスト「{}」は{}件になりました。", list.name, list.count),
            format!("List \"{}\" now has {} records.", list.name, list.count),
        )),
        Some(Err(error)) => Some(Said::Failed(error)),
        None => None,
    });
    let export = Action::new_local({
        let path = path.clone();
        move |sheet: &String| {
            let url = format!("{path}/export?sheet={}", api::segment(sheet));
            let file = format!("list_{sheet}.csv");
            async move {
                let bytes = api::get_bytes(&url).await?;
                crate::download::save(&bytes, &file, "text/csv;charset=utf-8")
                    .map_err(|_| ApiError::Unexpected("download".into()))
            }
        }
    });
    let question = {
        let name = name.clone();
        Signal::derive(move || {
            lang.get().pick(
                format!("リスト「{name}」のレコードをすべて外します（レコード自体は消えません）。"),
                format!("Every record is taken out of \"{name}\" (the records themselves stay)."),
            )
        })
    };
    view! {
        <h2 data-testid="list-name">{name.clone()}</h2>
        <Answer said=said testid="list-said"/>
        <Loader>
            {move || Suspend::new(async move {
                page.await.map(|page| {
                    let exports = page.summary.sheets.iter().map(|s| {
                        let sheet = s.sheet.clone();
                        view! { <button data-testid="list-export" on:click=move |_| { export.dispatch(sheet.clone()); }>{format!("{}（{}件）をCSVで保存", s.label, s.count)}</button>" " }
                    }).collect_view();
                    let rows = page.entries.iter().map(|entry| {
                        let key = format!("{}/{}", entry.sheet, entry.id);
                        let label = format!("{} {}", entry.sheet_label, entry.title);
                        view! {
                            <tr data-testid="list-entry" data-exists=entry.exists.to_string()>
                                <td>{entry.sheet_label.clone()}</td>
                                <td>{entry.title.clone()}{(!entry.exists).then(|| view! { " " <span class="muted">{t("（削除済み）", "(deleted)")}</span> })}</td>
                                <td><code>{entry.id.clone()}</code></td>
                                <td><button data-testid="list-remove" aria-label=move || format!("{} {label}", lang.get().pick("リストから外す:", "Take out of the list:")) on:click=move |_| { change.dispatch(Some(vec![key.clone()])); }>{t("外す", "Take out")}</button></td>
                            </tr>
                        }
                    }).collect_view();
                    let total = page.summary.count as usize;
                    let start = page.offset as usize;
                    let end = start + page.entries.len();
                    let (at_start, at_end) = (start == 0, end >= total);
                    view! {
                        <p data-testid="list-range">{move || lang.get().pick(format!("{total}件中 {}〜{}件目", start + 1, end), format!("Records {}–{} of {total}", start + 1, end))}</p>
                        <p>{exports}</p>
                        <TableBox label=t("リストのレコード", "The list's records")>
                            <table data-testid="list-entries"><thead><tr><th>{t("シート", "Sheet")}</th><th>{t("名前", "Name")}</th><th>{t("レコードID", "Record id")}</th><th>{t("操作", "Action")}</th></tr></thead><tbody>{rows}</tbody></table>
                        </TableBox>
                        <p>
                            <button data-testid="list-previous" disabled=at_start on:click=move |_| offset.set(start.saturating_sub(LIST_PAGE))>{t("前の100件", "Previous 100")}</button>
                            " "
                            <button data-testid="list-next" disabled=at_end on:click=move |_| offset.set(end)>{t("次の100件", "Next 100")}</button>
                        </p>
                    }
                })
            })}
        </Loader>
        <Show when=move || asking.get() fallback=move || view! {
            <button data-testid="list-clear" on:click=move |_| asking.set(true)>{t("リストを空にする", "Clear the list")}</button>
        }>
            <Confirm question=question yes=("空にする", "Clear") on_yes=Callback::new(move |()| { asking.set(false); change.dispatch(None); }) on_no=Callback::new(move |()| asking.set(false)) testid="list-clear-yes"/>
        </Show>
    }
}
