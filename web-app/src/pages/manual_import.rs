//! `/linkage/sheets/:sheet/import`: a sheet's import screen (各シートの
//! インポート画面, CRM admins). Choose a file; map it by one of the sheet's
//! import conditions or on the spot (the wizard's mapping table, and its
//! preview computed by the engine in this page on every change); check it
//! on the server (a dry run: what each row would become, paged); apply it.
//! Anything changed after the check must be checked again before applying;
//! an apply is sent with one Idempotency-Key per check, so a retry after a
//! network failure applies the file once.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use sheetlink_engine::linkage::{Catalog, ImportCondition};
use sheetlink_protocol::linkage::{
    DryRunRows, LinkageRun, ManualDryRun, ManualMapping, RowResult, StoredImportCondition,
};
use sheetlink_protocol::{Counts as Figures, Outcome};

use crate::api::{self, RoleName, Upload};
use crate::components::{
    Answer, Confirm, Counts, Loader, RunBadge, Said, TableBox, outcome_counts, outcome_text,
};
use crate::i18n::{t, use_lang};
use crate::pages::import_wizard::mapping::MappingStep;
use crate::pages::import_wizard::method::{ModeFields, SampleDrop, take_sample};
use crate::pages::import_wizard::{Draft, preview::Preview};
use crate::session::{SignedIn, use_session};

/// `/linkage/sheets/:sheet/import`.
#[component]
pub fn ManualImportPage() -> impl IntoView {
    let sheet = StoredValue::new(
        use_params_map()
            .with_untracked(|p| p.get("sheet"))
            .unwrap_or_else(|| "customer".into()),
    );
    let session = use_session();
    let allowed = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.has(RoleName::CrmAdmin)))
    };
    view! {
        <SignedIn>
            <Show when=allowed fallback=|| view! { <p class="notice">{t("シートへのインポートはCRM管理者が行えます。", "Importing into a sheet is for CRM admins.")}</p> }>
                <crate::components::WithCatalog then=Callback::new(move |catalog| view! {
                    <ManualImport sheet=sheet.get_value() catalog=catalog/>
                }.into_any())/>
            </Show>
        </SignedIn>
    }
}

/// A condition for mapping on the spot: the sheet's, nothing mapped yet
/// (the sample's headers are suggested when a file is read). Its key is
/// never saved; the server records such runs as mapped on the spot.
fn on_the_spot(sheet: &str) -> ImportCondition {
    ImportCondition {
        key: "manual".into(),
        ..ImportCondition::new(sheet)
    }
}

#[component]
fn ManualImport(sheet: String, catalog: Catalog) -> impl IntoView {
    let lang = use_lang();
    let Some(sheet_name) = catalog.sheet(&sheet).map(|s| s.name.clone()) else {
        return view! { <section class="card"><p class="error" role="alert">{t("このシートはありません。", "There is no such sheet.")}</p></section> }.into_any();
    };
    let draft = Draft::new(on_the_spot(&sheet), catalog);
    let title = sheet_name.clone();
    let problem = RwSignal::new(None::<Said>);
    // The sheet's import conditions, to map by.
    let conditions = LocalResource::new({
        let sheet = sheet.clone();
        move || {
            let sheet = sheet.clone();
            async move {
                api::get::<Vec<StoredImportCondition>>("/api/linkage/import-conditions")
                    .await
                    .map(|all| {
                        all.into_iter()
                            .filter(|c| c.condition.sheet == sheet)
                            .collect::<Vec<_>>()
                    })
            }
        }
    });
    // `Some(key)`: mapped by that condition; `None`: on the spot.
    let source = RwSignal::new(None::<String>);
    let choose = {
        let sheet = sheet.clone();
        move |key: Option<String>| {
            let stored = key.as_ref().and_then(|key| {
                conditions
                    .get()
                    .and_then(Result::ok)
                    .and_then(|all| all.into_iter().find(|c| &c.condition.key == key))
            });
            match stored {
                Some(stored) => draft.condition.set(stored.condition),
                None => {
                    draft.condition.set(on_the_spot(&sheet));
                    // The file's headers suggested again for the fresh mapping.
                    if let Some(bytes) = draft.sample.get_value() {
                        let _ = take_sample(draft, bytes, file_name(draft));
                    }
                }
            }
            source.set(key);
        }
    };
    // The last check, and the key its apply is sent with.
    let checked = RwSignal::new(None::<ManualDryRun>);
    let apply_key = RwSignal::new(None::<String>);
    let applied = RwSignal::new(None::<LinkageRun>);
    // Anything changed since the check: it must be checked again.
    Effect::new(move |_| {
        draft.condition.track();
        draft.sample_version.track();
        source.track();
        checked.set(None);
        apply_key.set(None);
    });
    let path = format!("/api/linkage/sheets/{}/imports", api::segment(&sheet));
    let mapping = move || {
        let mapping = match source.get_untracked() {
            Some(key) => ManualMapping::Condition { key },
            None => ManualMapping::OnTheSpot {
                condition: draft.condition.get_untracked(),
            },
        };
        serde_json::to_string(&mapping).unwrap_or_default()
    };
    let check = Action::new_local({
        let path = path.clone();
        move |_: &()| {
            let (path, body, bytes, name) = (
                path.clone(),
                mapping(),
                draft.sample.get_value(),
                file_name(draft),
            );
            async move {
                let Some(bytes) = bytes else {
                    return Err(Said::Problem(
                        "ファイルを選んでください。".into(),
                        "Choose a file first.".into(),
                    ));
                };
                let tried = api::post_mapped_file::<ManualDryRun>(
                    &path,
                    &body,
                    &bytes,
                    &name,
                    Upload::DryRun,
                )
                .await
                .map_err(Said::Failed)?;
                applied.set(None);
                checked.set(Some(tried));
                apply_key.set(Some(api::new_idempotency_key()));
                Ok(())
            }
        }
    });
    let check_said = Signal::derive(move || check.value().get().and_then(Result::err));
    let apply = Action::new_local({
        let path = path.clone();
        move |_: &()| {
            let (path, body, bytes, name, key) = (
                path.clone(),
                mapping(),
                draft.sample.get_value(),
                file_name(draft),
                apply_key.get_untracked(),
            );
            async move {
                let (Some(bytes), Some(key)) = (bytes, key) else {
                    return Err(Said::Problem(
                        "先に「反映前の確認」をしてください。".into(),
                        "Check the file first.".into(),
                    ));
                };
                let run = api::post_mapped_file::<LinkageRun>(
                    &path,
                    &body,
                    &bytes,
                    &name,
                    Upload::Apply {
                        idempotency_key: &key,
                    },
                )
                .await
                .map_err(Said::Failed)?;
                applied.set(Some(run));
                Ok(())
            }
        }
    });
    let apply_said = Signal::derive(move || apply.value().get().and_then(Result::err));
    let asking = RwSignal::new(false);
    let question = Signal::derive(move || {
        let c = checked
            .with(|c| c.as_ref().map(|c| c.run.counts))
            .unwrap_or_default();
        lang.get().pick(
            format!(
                "{sheet_name}に反映します（新規 {} ・ 更新 {} ・ 失敗 {}）。",
                c.created, c.updated, c.failed
            ),
            format!(
                "Apply to {sheet_name}: {} created, {} updated, {} failed.",
                c.created, c.updated, c.failed
            ),
        )
    });
    let on_yes = Callback::new(move |()| {
        asking.set(false);
        apply.dispatch(());
    });
    let on_no = Callback::new(move |()| asking.set(false));
    let choose_key = choose.clone();
    let history = format!(
        "/linkage/history?sheet={}&kind=manual",
        api::segment(&sheet)
    );
    let records = format!("/linkage/records/{}", api::segment(&sheet));
    let past = format!("/linkage/history?sheet={}", api::segment(&sheet));
    view! {
        <section class="card wizard" data-testid="manual-import">
            <h1>{move || lang.get().pick(format!("{title}のインポート"), format!("Import into {title}"))}</h1>
            <p class="muted">{t(
                "ファイルはこのブラウザで読み、変換とチェックの結果を下に表示します。「反映前の確認」でサーバーが行ごとの結果を確かめ、「反映する」で取り込みます。上限30MB。",
                "The file is read in this browser and mapped and checked below; “Check” asks the server what each row would become, “Apply” imports it. At most 30 MB.",
            )}</p>
            <p data-testid="manual-past">
                {t("過去のインポート結果を確認する場合は、", "To see past imports, ")}
                <A href=past>{t("こちらをクリックしてください。", "click here.")}</A>
            </p>
            <h2>{t("1. ファイル", "1. File")}</h2>
            <SampleDrop draft=draft problem=problem label=("取り込むCSVファイル（UTF-8・BOM付き・Shift_JIS）をドロップ、または選択", "Drop or choose the CSV file to import (UTF-8, with BOM, or Shift_JIS)")/>
            <Answer said=problem testid="file-problem"/>
            <h2>{t("2. マッピング", "2. Mapping")}</h2>
            <label>{t("インポート条件", "Import condition")}
                <select data-testid="manual-source" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    choose_key((!value.is_empty()).then_some(value));
                }>
                    <option value="" selected=move || source.with(Option::is_none)>{t("その場でマッピングする", "Map on the spot")}</option>
                    {move || conditions.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|c| {
                        let key = c.condition.key.clone();
                        let selected = { let key = key.clone(); move || source.with(|s| s.as_deref() == Some(key.as_str())) };
                        let label = if c.condition.description.is_empty() { key.clone() } else { format!("{key} — {}", c.condition.description) };
                        view! { <option value=key selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Show when=move || source.with(Option::is_none) fallback=move || view! {
                <p class="muted" data-testid="manual-by-condition">{t(
                    "条件のマッピング・処理方法・インポート後のアクションで取り込みます。変えるときは条件を編集するか、その場でマッピングしてください。",
                    "The condition's mapping, mode and after-import actions are used. To change them, edit the condition or map on the spot.",
                )}</p>
            }>
                <ModeFields draft=draft/>
                <MappingStep draft=draft/>
            </Show>
            <Show when=move || draft.sample_version.get() != 0>
                <Preview draft=draft/>
            </Show>
            <h2>{t("3. 反映前の確認と反映", "3. Check, then apply")}</h2>
            <button class="primary" data-testid="manual-check" disabled=move || check.pending().get() || draft.sample_version.get() == 0 on:click=move |_| { check.dispatch(()); }>
                {t("反映前の確認", "Check before applying")}
            </button>
            {move || check_said.get().map(|said| view! { <Answer said=Signal::derive(move || Some(said.clone())) testid="check-answer"/> })}
            {move || checked.get().map(|tried| view! { <Checked tried=tried/> })}
            <Show when=move || checked.with(Option::is_some) && applied.with(Option::is_none)>
                <Show when=move || asking.get() fallback=move || view! {
                    <button class="primary" data-testid="manual-apply"
                        disabled=move || apply.pending().get() || checked.with(|c| c.as_ref().is_none_or(|c| c.run.counts.applied() == 0))
                        on:click=move |_| asking.set(true)>
                        {t("反映する", "Apply")}
                    </button>
                    <Show when=move || checked.with(|c| c.as_ref().is_some_and(|c| c.run.counts.applied() == 0))>
                        <p class="muted" data-testid="manual-nothing">{t("反映される行がありません（すべて変更なし・スキップ・失敗）。", "No row would be applied (every row unchanged, skipped or failed).")}</p>
                    </Show>
                }>
                    <Confirm question=question yes=("反映する", "Apply") on_yes=on_yes on_no=on_no testid="confirm-manual-apply"/>
                </Show>
            </Show>
            {move || apply_said.get().map(|said| view! { <Answer said=Signal::derive(move || Some(said.clone())) testid="apply-answer"/> })}
            {move || applied.get().map(|run| {
                let c = run.counts;
                let (history, records) = (history.clone(), records.clone());
                view! {
                    <div class="result" data-testid="manual-result" role="status">
                        <p><RunBadge status=run.status/>" "{move || lang.get().pick(
                            format!("反映しました: {}行（新規 {} ・ 更新 {} ・ 変更なし {} ・ スキップ {} ・ 失敗 {}）", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                            format!("Applied: {} rows ({} created, {} updated, {} unchanged, {} skipped, {} failed)", c.rows_in, c.created, c.updated, c.unchanged, c.skipped, c.failed),
                        )}</p>
                        <p><A href=history attr:data-testid="manual-history">{t("インポート履歴で行ごとの結果を見る", "See each row's result in the history")}</A>" ・ "<A href=records>{t("レコードを見る", "See the records")}</A></p>
                    </div>
                }
            })}
        </section>
    }
    .into_any()
}

/// The file's name as read (the sample's name without the encoding said
/// after it).
fn file_name(draft: Draft) -> String {
    draft
        .sample_info
        .with_untracked(|info| info.as_ref().map(|(name, _)| name.clone()))
        .and_then(|name| name.rsplit_once(" (").map(|(name, _)| name.to_owned()))
        .unwrap_or_else(|| "import.csv".into())
}

/// What the check found: the status and counts applying would end in, and
/// every row's result a page at a time, filtered by outcome.
#[component]
fn Checked(tried: ManualDryRun) -> impl IntoView {
    let lang = use_lang();
    let counts: Figures = tried.run.counts;
    let plan = tried.plan.clone();
    let listed = tried.listed;
    let outcome = RwSignal::new(None::<Outcome>);
    let offset = RwSignal::new(0u32);
    let page = LocalResource::new(move || {
        let mut path = format!(
            "/api/linkage/dry-runs/{}?offset={}",
            api::segment(&plan),
            offset.get()
        );
        if let Some(outcome) = outcome.get() {
            path.push_str(&format!(
                "&outcome={}",
                serde_json::to_value(outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ));
        }
        async move { api::get::<DryRunRows>(&path).await }
    });
    view! {
        <div class="dry-run" data-testid="manual-dry-run">
            <p><RunBadge status=tried.run.status/>" "{move || lang.get().pick(format!("{}行を確認しました。反映すると:", counts.rows_in), format!("{} rows checked. Applying would give:", counts.rows_in))}</p>
            <Counts counts=outcome_counts(&counts, ["dry-created", "dry-updated", "dry-unchanged", "dry-skipped", "dry-failed"])/>
            {tried.run.reason.clone().map(|reason| { let en = tried.run.reason_en.clone().unwrap_or_default(); view! { <p class="error" role="alert" data-testid="dry-reason">{move || lang.get().pick(reason.clone(), en.clone())}</p> } })}
            {(tried.run.rows_truncated || listed < counts.rows_in).then(|| view! {
                <p class="muted">{move || lang.get().pick(format!("行ごとの結果は{listed}行まで一覧にします（件数はすべての行）。"), format!("Row results are listed up to {listed} rows (the counts cover every row)."))}</p>
            })}
            <label>{t("結果で絞り込む", "Show rows")}
                <select data-testid="dry-outcome" on:change=move |ev| {
                    offset.set(0);
                    outcome.set(serde_json::from_value(serde_json::Value::String(event_target_value(&ev))).ok());
                }>
                    <option value="">{t("すべて", "All")}</option>
                    {[Outcome::Created, Outcome::Updated, Outcome::Unchanged, Outcome::Skipped, Outcome::Failed].into_iter().map(|o| {
                        let value = serde_json::to_value(o).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                        view! { <option value=value>{move || outcome_text(lang.get(), o)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Loader>
                {move || Suspend::new(async move {
                    page.await.map(|page| {
                        let (from, matching, shown) = (page.offset, page.matching, page.rows.len() as u32);
                        view! {
                            <p data-testid="dry-page">{move || lang.get().pick(
                                format!("{matching}行中 {}〜{}行目", if shown == 0 { 0 } else { from + 1 }, from + shown),
                                format!("{}–{} of {matching}", if shown == 0 { 0 } else { from + 1 }, from + shown),
                            )}</p>
                            {(matching == 0).then(|| view! {
                                <p class="muted" data-testid="dry-none">{t("この結果の行はありません。", "No row has this result.")}</p>
                            })}
                            <RowTable rows=page.rows/>
                            <p>
                                <button data-testid="dry-previous" disabled=from == 0 on:click=move |_| offset.update(|o| *o = o.saturating_sub(sheetlink_protocol::linkage::DRY_RUN_PAGE as u32))>{t("前の100行", "Previous 100")}</button>" "
                                <button data-testid="dry-next" disabled={ from + shown >= matching } on:click=move |_| offset.update(|o| *o += sheetlink_protocol::linkage::DRY_RUN_PAGE as u32)>{t("次の100行", "Next 100")}</button>
                            </p>
                        }
                    })
                })}
            </Loader>
        </div>
    }
}

/// Row results: file row, what it would become, the record, why.
#[component]
fn RowTable(rows: Vec<RowResult>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <TableBox label=t("行ごとの結果", "Each row")>
            <table data-testid="dry-rows">
                <thead><tr><th>{t("行", "Row")}</th><th>{t("結果", "Result")}</th><th>{t("レコード", "Record")}</th><th>{t("セル", "Cell")}</th><th>{t("理由", "Why")}</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let outcome = row.outcome;
                        let (ja, en) = (row.message.clone().unwrap_or_default(), row.message_en.clone().unwrap_or_default());
                        view! {
                            <tr data-row=row.row data-outcome=serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(str::to_owned))>
                                <td>{row.row}</td>
                                <td>{move || outcome_text(lang.get(), outcome)}</td>
                                <td>{row.record.clone().unwrap_or_default()}</td>
                                <td>{row.cells.join(" ")}</td>
                                <td class="message">{move || lang.get().pick(ja.clone(), en.clone())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </TableBox>
    }
}
