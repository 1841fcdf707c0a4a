//! `/linkage/records/:sheet`: a CRM sheet's records (CRM admins), a page of
//! 100 at a time, sorted and searched on the server with the export
//! conditions' search builder; each record opens its own page
//! ([`detail`]) with what points at it, its history, and deletion.

pub mod detail;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use sheetlink_engine::linkage::{Catalog, Field, FieldType, Sheet, SortKey};
use sheetlink_protocol::records::{MAX_EXAMINED, RecordPage, RecordQuery, RecordRow};

use crate::api::{self, RoleName};
use crate::components::{FilterRules, Loader, Rule, TableBox, field_options, filter_of};
use crate::i18n::{t, use_lang};
use crate::session::{SignedIn, use_session};

/// `/linkage/records` and `/linkage/records/:sheet`.
#[component]
pub fn RecordsPage() -> impl IntoView {
    view! { <SignedIn><Records/></SignedIn> }
}

/// The sheets of the catalog the records screen shows (the tenant's, as
/// last fetched).
pub(crate) fn catalog() -> Catalog {
    crate::catalog::known()
}

/// What a cell of `field` shows: a relation as the record it points at, a
/// checkbox as a word (its stored form is 1 or 0).
pub(crate) fn cell_text(row: &RecordRow, field: &Field, value: Option<&str>) -> String {
    if let Some(link) = row.links.iter().find(|link| link.field == field.id) {
        return link.target.title.clone();
    }
    let lang = crate::i18n::use_lang().get_untracked();
    match (field.field_type, value) {
        (FieldType::Checkbox, Some("1")) => lang.pick("はい", "Yes").to_owned(),
        (FieldType::Checkbox, Some("0")) => lang.pick("いいえ", "No").to_owned(),
        (_, value) => value.unwrap_or_default().to_owned(),
    }
}

#[component]
fn Records() -> impl IntoView {
    let session = use_session();
    let allowed = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.has(RoleName::CrmAdmin)))
    };
    let params = use_params_map();
    let sheet_id = Signal::derive(move || {
        params
            .with(|p| p.get("sheet"))
            .unwrap_or_else(|| "customer".into())
    });
    let navigate = use_navigate();
    // Fetched once on opening, so that extension sheets and custom fields
    // show; what the page draws reads the kept copy.
    let fetched = LocalResource::new(crate::catalog::fetch);
    view! {
        <section class="card" data-testid="records">
            <h1>{t("レコード", "Records")}</h1>
            <Show when=allowed fallback=|| view! { <p class="notice">{t("レコードの一覧はCRM管理者が見られます。", "Records are for CRM admins.")}</p> }>
                <label>{t("シート", "Sheet")}" "
                    <select data-testid="records-sheet" on:change={
                        let navigate = navigate.clone();
                        move |ev| navigate(&format!("/linkage/records/{}", api::segment(&event_target_value(&ev))), Default::default())
                    }>
                        {move || catalog().sheets.into_iter().map(|s| {
                            let selected = s.id == sheet_id.get();
                            view! { <option value=s.id.clone() selected=selected>{s.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <Loader>
                    {move || Suspend::new(async move {
                        fetched.await.map(|catalog| catalog.sheet(&sheet_id.get()).cloned().map(|sheet| view! { <SheetRecords sheet=sheet/> }))
                    })}
                </Loader>
            </Show>
        </section>
    }
}

/// One sheet's records with the search, the order and the pages.
#[component]
fn SheetRecords(sheet: Sheet) -> impl IntoView {
    let lang = use_lang();
    let fields: Vec<(String, String)> = sheet
        .fields
        .iter()
        .map(|f| (f.id.clone(), f.label.clone()))
        .collect();
    let fields = Signal::stored(fields);
    let rules = RwSignal::new(Vec::<Rule>::new());
    let any = RwSignal::new(false);
    let sort_field = RwSignal::new(
        sheet
            .fields
            .iter()
            .find(|f| f.is_name)
            .map_or_else(|| "id".to_owned(), |f| f.id.clone()),
    );
    let descending = RwSignal::new(false);
    // The query shown, and the cursors of the pages before it (to go back).
    let query = RwSignal::new(RecordQuery {
        sort: Some(SortKey {
            field: sort_field.get_untracked(),
            descending: false,
        }),
        ..RecordQuery::default()
    });
    let before = RwSignal::new(Vec::<Option<String>>::new());
    let path = format!("/api/linkage/sheets/{}/records", api::segment(&sheet.id));
    let page = LocalResource::new(move || {
        let (path, query) = (path.clone(), query.get());
        async move { api::post::<_, RecordPage>(&path, &query).await }
    });
    let search = move || {
        before.set(Vec::new());
        query.set(RecordQuery {
            sort: Some(SortKey {
                field: sort_field.get_untracked(),
                descending: descending.get_untracked(),
            }),
            filter: filter_of(&rules.get_untracked(), any.get_untracked()),
            after: None,
        });
    };
    let template = Action::new_local({
        let sheet_id = sheet.id.clone();
        move |&(shift_jis, ids): &(bool, bool)| {
            let url = format!(
                "/api/linkage/sheets/{}/template?shift_jis={shift_jis}&ids={ids}",
                api::segment(&sheet_id)
            );
            let file = format!("{sheet_id}_template{}.csv", if ids { "_ids" } else { "" });
            async move {
                let bytes = api::get_bytes(&url).await?;
                crate::download::save(&bytes, &file, "text/csv")
                    .map_err(|_| api::ApiError::Unexpected("download".into()))
            }
        }
    });
    let import = format!("/linkage/sheets/{}/import", api::segment(&sheet.id));
    let sheet = StoredValue::new(sheet);
    view! {
        <p><A href=import attr:class="button" attr:data-testid="records-import">{t("このシートにインポート", "Import into this sheet")}</A></p>
        <p class="template-links">
            {t("取込用の雛形（全項目の見出し）:", "Import template (every field as a header):")}" "
            <button data-testid="template-utf8" on:click=move |_| { template.dispatch((false, false)); }>"UTF-8 (BOM)"</button>" "
            <button data-testid="template-sjis" on:click=move |_| { template.dispatch((true, false)); }>"Shift_JIS"</button>" "
            <button data-testid="template-ids" on:click=move |_| { template.dispatch((false, true)); }>{t("項目IDの見出し", "Field ids as headers")}</button>
        </p>
        <details class="search" data-testid="records-search">
            <summary>{t("検索と並び順", "Search and order")}</summary>
            <FilterRules rules=rules any=any fields=fields when_empty=("条件はありません。すべてのレコードを表示します。", "No conditions: every record is shown.")/>
            <p>
                <label>{t("並び順", "Order by")}" "
                    <select data-testid="records-sort" on:change=move |ev| sort_field.set(event_target_value(&ev))>
                        {move || field_options(&fields.get(), &sort_field.get_untracked())}
                    </select>
                </label>
                " "
                <label class="inline"><input type="checkbox" data-testid="records-descending" prop:checked=descending on:change=move |ev| descending.set(event_target_checked(&ev))/>{t("降順（大きい順・新しい順）", "Descending (largest, latest first)")}</label>
            </p>
            <button class="primary" data-testid="records-apply" on:click=move |_| search()>{t("この条件で表示", "Show")}</button>
        </details>
        <Loader>
            {move || Suspend::new(async move {
                page.await.map(|page| {
                    let shown = page.rows.len();
                    let searching = query.with_untracked(|q| q.filter.is_some());
                    let total = page.total;
                    let summary = move || {
                        let lang = lang.get();
                        if searching {
                            lang.pick(format!("全{total}件から検索: このページ {shown}件"), format!("Searching {total} records: {shown} on this page"))
                        } else {
                            lang.pick(format!("全{total}件"), format!("{total} records"))
                        }
                    };
                    let next = page.next.clone();
                    let partial = page.partial;
                    view! {
                        <p data-testid="records-summary">{summary}</p>
                        {partial.then(|| view! {
                            <p class="notice" data-testid="records-partial">{move || lang.get().pick(
                                format!("{MAX_EXAMINED}件まで調べたところで、このページを止めました。「次へ」で続きを探します。"),
                                format!("This page stopped after examining {MAX_EXAMINED} records: Next goes on searching."),
                            )}</p>
                        })}
                        <RecordTable sheet=sheet.get_value() rows=page.rows/>
                        <p>
                            <button data-testid="records-previous" disabled=move || before.with(Vec::is_empty) on:click=move |_| {
                                let previous = before.try_update(Vec::pop).flatten().flatten();
                                query.update(|q| q.after = previous);
                            }>{t("前の100件", "Previous 100")}</button>
                            " "
                            <button data-testid="records-next" disabled=next.is_none() on:click=move |_| {
                                let current = query.with_untracked(|q| q.after.clone());
                                before.update(|b| b.push(current));
                                query.update(|q| q.after = next.clone());
                            }>{t("次の100件", "Next 100")}</button>
                        </p>
                    }
                })
            })}
        </Loader>
    }
}

/// The records of a page: the title links to the record, relations to the
/// records they point at.
#[component]
fn RecordTable(sheet: Sheet, rows: Vec<RecordRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p data-testid="records-none">{t("条件に合うレコードはありません。", "No record matches.")}</p> }.into_any();
    }
    let headers = sheet
        .fields
        .iter()
        .map(|f| view! { <th scope="col">{f.label.clone()}</th> })
        .collect_view();
    let sheet_id = sheet.id.clone();
    let body = rows
        .into_iter()
        .map(|row| {
            let href = format!("/linkage/records/{}/{}", api::segment(&sheet_id), api::segment(&row.id));
            let cells = sheet
                .fields
                .iter()
                .zip(&row.values)
                .map(|(field, value)| {
                    let text = cell_text(&row, field, value.as_deref());
                    if field.is_name || (field.is_id && !sheet.fields.iter().any(|f| f.is_name)) {
                        view! { <td><A href=href.clone() attr:data-testid="record-open">{text}</A></td> }.into_any()
                    } else if field.field_type == FieldType::Relation
                        && let Some(link) = row.links.iter().find(|l| l.field == field.id)
                    {
                        let to = format!("/linkage/records/{}/{}", api::segment(&link.target.sheet), api::segment(&link.target.id));
                        view! { <td><A href=to>{text}</A></td> }.into_any()
                    } else {
                        view! { <td>{text}</td> }.into_any()
                    }
                })
                .collect_view();
            view! { <tr data-testid="record-row" data-id=row.id.clone()>{cells}</tr> }
        })
        .collect_view();
    view! {
        <TableBox label=t("レコード", "Records")>
            <table class="records" data-testid="records-table"><thead><tr>{headers}</tr></thead><tbody>{body}</tbody></table>
        </TableBox>
    }
    .into_any()
}
