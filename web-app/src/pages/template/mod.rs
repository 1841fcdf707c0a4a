//! Template download: period → sheet → items (`items.rs`) → CSV. The
//! sheet's schema is kept in the browser at the same time, for validating
//! offline later.

pub mod items;

use std::collections::BTreeSet;

use leptos::prelude::*;
use sheetlink_engine::evaluation::MAX_ITEMS;

use crate::api::{self, ApiError, Item, Period, Sheet, TemplateRequest, segment};
use crate::cache::{self, CachedSheet};
use crate::components::{Answer, Said};
use crate::i18n::{t, use_lang};
use crate::session::SignedIn;

/// `/template`.
#[component]
pub fn TemplatePage() -> impl IntoView {
    view! {
        <SignedIn>
            <TemplateForm/>
        </SignedIn>
    }
}

/// What a download needs.
#[derive(Debug, Clone)]
struct Wanted {
    period: String,
    sheet: String,
    label: String,
    items: Vec<String>,
}

#[component]
fn TemplateForm() -> impl IntoView {
    let lang = use_lang();
    let period = RwSignal::new(String::new());
    let sheet = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let periods = LocalResource::new(|| api::get::<Vec<Period>>("/api/periods"));
    let sheets = LocalResource::new(move || {
        let period = period.get();
        async move {
            if period.is_empty() {
                return Ok(Vec::new());
            }
            api::get::<Vec<Sheet>>(&format!("/api/periods/{}/sheets", segment(&period))).await
        }
    });
    let items = LocalResource::new(move || {
        let (period, sheet) = (period.get(), sheet.get());
        async move {
            if sheet.is_empty() {
                return Ok(Vec::new());
            }
            let path = format!(
                "/api/periods/{}/sheets/{}/items",
                segment(&period),
                segment(&sheet)
            );
            api::get::<Vec<Item>>(&path).await
        }
    });
    let all_items = Signal::derive(move || loaded(items.get()));
    let failure = Signal::derive(move || {
        failed(periods.get())
            .or_else(|| failed(sheets.get()))
            .or_else(|| failed(items.get()))
            .map(Said::Failed)
    });
    let download = Action::new_local(|wanted: &Wanted| download_template(wanted.clone()));
    let said = Signal::derive(move || {
        download
            .value()
            .get()
            .map(|answer| answer.unwrap_or_else(Said::Failed))
    });
    let over_limit = move || selected.with(BTreeSet::len) > MAX_ITEMS;
    let start = move |_| {
        let (period_id, sheet_id) = (period.get_untracked(), sheet.get_untracked());
        let period_name = loaded(periods.get_untracked())
            .into_iter()
            .find(|p| p.id == period_id)
            .map(|p| p.name);
        let sheet_name = loaded(sheets.get_untracked())
            .into_iter()
            .find(|s| s.id == sheet_id)
            .map(|s| s.name);
        let label = format!(
            "{} / {}",
            period_name.unwrap_or_default(),
            sheet_name.unwrap_or_default()
        );
        // Items in the sheet's order, not the order they were ticked.
        let chosen = selected.with_untracked(|set| {
            all_items
                .get_untracked()
                .into_iter()
                .filter(|i| set.contains(&i.id))
                .map(|i| i.id)
                .collect()
        });
        download.dispatch(Wanted {
            period: period_id,
            sheet: sheet_id,
            label,
            items: chosen,
        });
    };
    view! {
        <section class="card">
            <h1>{t("テンプレートのダウンロード", "Download a template")}</h1>
            <div class="row">
                <label>
                    {t("評価期間", "Evaluation period")}
                    <select data-testid="period" on:change=move |ev| {
                        selected.set(BTreeSet::new());
                        sheet.set(String::new());
                        period.set(event_target_value(&ev));
                    }>
                        <option value="">{t("選択してください", "Choose…")}</option>
                        {move || loaded(periods.get()).into_iter().map(|p| view! {
                            <option value=p.id.clone() selected=period.get_untracked() == p.id disabled=!p.open>
                                {if p.open { p.name.clone() } else { lang.get().pick(format!("{}（締め切り済み）", p.name), format!("{} (closed)", p.name)) }}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    {t("シート", "Sheet")}
                    <select data-testid="sheet" on:change=move |ev| {
                        selected.set(BTreeSet::new());
                        sheet.set(event_target_value(&ev));
                    }>
                        <option value="">{t("選択してください", "Choose…")}</option>
                        {move || loaded(sheets.get()).into_iter().map(|s| view! {
                            <option value=s.id.clone()>{s.name}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <Show when=move || loaded(periods.get()).iter().any(|p| !p.open)>
                <p class="muted" data-testid="closed-periods">{t(
                    "締め切り済みの評価期間は、テンプレートを作成できません（インポートもできません）。",
                    "Closed evaluation periods have no templates (and take no imports).",
                )}</p>
            </Show>
            <Answer said=failure testid="load-error"/>
            <items::ItemPicker items=all_items selected=selected/>
            <Show when=over_limit>
                <p class="error" role="alert" data-testid="too-many-items">
                    {items::too_many_items()}
                </p>
            </Show>
            <button
                class="primary"
                data-testid="download-template"
                disabled=move || download.pending().get() || sheet.get().is_empty() || selected.with(BTreeSet::is_empty) || over_limit()
                on:click=start
            >
                {t("ダウンロード", "Download")}
            </button>
            <Answer said=said testid="template-message"/>
        </section>
    }
}

/// A list as loaded so far (empty while loading or when the load failed).
fn loaded<T>(answer: Option<Result<Vec<T>, ApiError>>) -> Vec<T> {
    answer.and_then(Result::ok).unwrap_or_default()
}

/// Why a load failed, if it did.
fn failed<T>(answer: Option<Result<T, ApiError>>) -> Option<ApiError> {
    answer.and_then(Result::err)
}

/// Downloads the template and keeps the sheet's schema for offline checks.
async fn download_template(wanted: Wanted) -> Result<Said, ApiError> {
    let base = format!(
        "/api/periods/{}/sheets/{}",
        segment(&wanted.period),
        segment(&wanted.sheet)
    );
    let request = TemplateRequest {
        items: wanted.items,
    };
    let bytes = api::post_for_bytes(&format!("{base}/template"), &request).await?;
    let name = format!("template_{}_{}.csv", wanted.period, wanted.sheet);
    let _ = crate::download::save(&bytes, &name, "text/csv");
    let kept = match api::get_text(&format!("{base}/schema")).await {
        Ok(schema) => cache::store(
            CachedSheet {
                period: wanted.period,
                sheet: wanted.sheet,
                label: wanted.label,
            },
            &schema,
        ),
        Err(_) => false,
    };
    Ok(if kept {
        Said::Done(
            "テンプレートをダウンロードしました。このシートはオフラインでもチェックできます。"
                .into(),
            "Template downloaded. This sheet can now also be checked offline.".into(),
        )
    } else {
        Said::Done(
            "テンプレートをダウンロードしました（オフライン用の保存はできませんでした）。".into(),
            "Template downloaded (it could not be saved for offline use).".into(),
        )
    })
}
