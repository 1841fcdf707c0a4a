//! Before the worker checks a file: which sheet it is for (picked, or read
//! from row 1, the first 4 KB being all the page reads of the file) and
//! that sheet's schema (from the server when signed in and reachable, else
//! as saved in this browser).

use leptos::prelude::*;
use sheetlink_engine::evaluation::identify;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use super::Chosen;
use crate::api::{self, ApiError, segment};
use crate::cache::{self, CachedSheet};
use crate::i18n::{Lang, t};

/// Why a file cannot be checked, and whether the template page is the next
/// step (the file names a sheet this browser or this user does not have).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// What is wrong and what to do, in the chosen language.
    pub text: String,
    /// Whether to offer a link to the template page.
    pub to_template: bool,
}

impl From<String> for Refusal {
    fn from(text: String) -> Self {
        Refusal {
            text,
            to_template: false,
        }
    }
}

impl Refusal {
    fn to_template(text: impl Into<String>) -> Self {
        Refusal {
            text: text.into(),
            to_template: true,
        }
    }
}

/// What the worker needs.
pub struct Prepared {
    /// The sheet's schema (JSON).
    pub schema: String,
    period: String,
    sheet: String,
}

impl Prepared {
    /// The file, with the sheet it was checked against.
    pub fn chosen(&self, file: File) -> Chosen {
        Chosen {
            file,
            period: self.period.clone(),
            sheet: self.sheet.clone(),
        }
    }
}

/// The sheet choice: automatic (row 1 says) or one of those saved here.
#[component]
pub fn SheetChoice(
    /// The sheets saved in this browser.
    cached: RwSignal<Vec<CachedSheet>>,
    /// `period/sheet` picked, or empty for automatic.
    manual: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="row">
            <label>
                {t("シート", "Sheet")}
                <select data-testid="sheet-choice" on:change=move |ev| manual.set(event_target_value(&ev))>
                    <option value="">{t("自動（ファイルの1行目から判別）", "Automatic (from row 1 of the file)")}</option>
                    <For each=move || cached.get() key=|c| format!("{}/{}", c.period, c.sheet) let:c>
                        <option value=format!("{}/{}", c.period, c.sheet)>{c.label.clone()}</option>
                    </For>
                </select>
            </label>
        </div>
    }
}

/// Finds the schema for `file`; a sentence in `lang` when it cannot be
/// found.
pub async fn prepare(
    file: &File,
    manual: &str,
    lang: Lang,
    signed_in: bool,
) -> Result<Prepared, Refusal> {
    let (period, sheet) = match manual.split_once('/') {
        Some((period, sheet)) => (period.to_owned(), sheet.to_owned()),
        None => {
            let head = file
                .slice_with_i32_and_i32(0, 4096)
                .map_err(|e| format!("{e:?}"))?;
            let head = js_sys::Uint8Array::new(&read(&head).await?.into()).to_vec();
            identify(&head).ok_or_else(|| {
                Refusal::to_template(lang.pick(
                    "どのシートのファイルか判別できません。1行目がテンプレートのまま（version:1,period:…,sheet:…）か確認するか、シートを選んでください。",
                    "Cannot tell which sheet this file is for: check that row 1 is as in the template (version:1,period:…,sheet:…), or choose the sheet.",
                ))
            })?
        }
    };
    let fetched = if signed_in {
        fetch_schema(&period, &sheet).await.map_err(|error| {
            // A sheet or period this user does not have: the template page
            // lists the ones they do.
            let unknown = matches!(&error, ApiError::Status { status: 404, .. });
            Refusal {
                text: error.describe(lang),
                to_template: unknown,
            }
        })?
    } else {
        None
    };
    let Some(schema) = fetched.or_else(|| cache::schema(&period, &sheet)) else {
        return Err(Refusal::to_template(lang.pick(
            format!("シート {period} / {sheet} の定義がこのブラウザに保存されていません。オンラインでログインしてテンプレートをダウンロードすると、オフラインでもチェックできるようになります。"),
            format!("The sheet {period} / {sheet} is not saved in this browser. Sign in online and download its template to check it offline."),
        )));
    };
    Ok(Prepared {
        schema,
        period,
        sheet,
    })
}

/// The schema from the server, saved here for offline use; `None` when the
/// server cannot be reached (the saved copy is used then).
async fn fetch_schema(period: &str, sheet: &str) -> Result<Option<String>, ApiError> {
    let path = format!(
        "/api/periods/{}/sheets/{}/schema",
        segment(period),
        segment(sheet)
    );
    let json = match api::get_text(&path).await {
        Ok(json) => json,
        Err(ApiError::Offline) => return Ok(None),
        Err(error) => return Err(error),
    };
    let known = cache::sheets()
        .into_iter()
        .find(|c| (c.period.as_str(), c.sheet.as_str()) == (period, sheet))
        .map(|c| c.label);
    let label = match known {
        Some(label) => label,
        None => names(period, sheet).await,
    };
    let entry = CachedSheet {
        period: period.to_owned(),
        sheet: sheet.to_owned(),
        label,
    };
    cache::store(entry, &json);
    Ok(Some(json))
}

/// "2026年度上期 / 業績評価シート": the names of a period and a sheet, for
/// the saved-sheet picker (the ids when the server does not say).
async fn names(period: &str, sheet: &str) -> String {
    let period_name = api::get::<Vec<api::Period>>("/api/periods")
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|p| p.id == period))
        .map_or_else(|| period.to_owned(), |p| p.name);
    let sheet_name =
        api::get::<Vec<api::Sheet>>(&format!("/api/periods/{}/sheets", segment(period)))
            .await
            .ok()
            .and_then(|all| all.into_iter().find(|s| s.id == sheet))
            .map_or_else(|| sheet.to_owned(), |s| s.name);
    format!("{period_name} / {sheet_name}")
}

async fn read(blob: &web_sys::Blob) -> Result<js_sys::ArrayBuffer, String> {
    JsFuture::from(blob.array_buffer())
        .await
        .map(|buffer| buffer.unchecked_into())
        .map_err(|e| format!("{e:?}"))
}
