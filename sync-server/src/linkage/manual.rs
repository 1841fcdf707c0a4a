//! Importing by hand (各シートのインポート画面): a CRM admin uploads a file
//! into one sheet, mapped by a stored import condition of that sheet or by
//! a mapping made on the spot; tries it (a dry run, row by row, read a page
//! at a time) and applies it. The same engine, transaction, idempotency,
//! size bound and per-tenant lock as a batch import; the run is kept with
//! type `manual`.
//!
//! The request is `multipart/form-data` with two parts: `mapping` (JSON,
//! [`ManualMapping`]) and `file` (the CSV, at most 30 MB). A file and its
//! mapping travel together so that the dry run and the apply are of the
//! same pair, and the Idempotency-Key covers both.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use sheetlink_engine::linkage::Catalog;
use sheetlink_protocol::linkage::{
    AfterImport, DRY_RUN_PAGE, DryRunRows, LinkageRun, ManualDryRun, ManualMapping,
};

use super::apply::{People, RunContext, dry_run_import, people, run_import};
use super::claim::{Claim, Claiming, Unfinished, claim, interrupt};
use super::{Outcome, Run, RunKind, StoredImportCondition};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::idempotency::{Key, Scope};
use crate::store::{Linkage, Organisation};

/// Dry runs kept for paging: their row results.
pub type ManualDryRuns = crate::dry_runs::DryRuns<Run>;

/// The largest `mapping` part (a condition of 500 columns is far smaller).
const MAX_MAPPING_BYTES: usize = crate::MAX_JSON_BODY_BYTES;

/// A manual import request, read.
struct Upload {
    mapping: ManualMapping,
    /// The `mapping` part as sent, which the Idempotency-Key also covers.
    mapping_bytes: Bytes,
    file: Bytes,
}

/// Reads the two parts, each within its bound (413 past it), refusing
/// anything else with a message saying what the request must hold.
async fn read_upload(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Upload, AppError> {
    let malformed = |detail: &str| {
        AppError::bad_request(
            "manual_upload_malformed",
            format!(
                "アップロードの形式が正しくありません（{detail}）。multipart/form-data で mapping（JSON）と file（CSV）の2つを送ってください。"
            ),
            format!(
                "The upload is malformed ({detail}): send multipart/form-data with two parts, mapping (JSON) and file (the CSV)."
            ),
        )
    };
    // The route's body limit (a file, the mapping and the framing) holds
    // the parser, part headers included: past it, 413 like a large file.
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            crate::http::too_large(sheetlink_engine::evaluation::MAX_FILE_BYTES)
        } else {
            malformed(&e.body_text())
        }
    };
    let mut multipart = multipart.map_err(|e| malformed(&e.body_text()))?;
    let (mut mapping, mut file) = (None, None);
    while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
        let (limit, slot) = match field.name() {
            Some("mapping") if mapping.is_none() => (MAX_MAPPING_BYTES, &mut mapping),
            Some("file") if file.is_none() => {
                (sheetlink_engine::evaluation::MAX_FILE_BYTES, &mut file)
            }
            Some(other) => return Err(malformed(&format!("part {other}"))),
            None => return Err(malformed("a part without a name")),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(failed)? {
            if bytes.len() + chunk.len() > limit {
                return Err(if limit == MAX_MAPPING_BYTES {
                    AppError::too_large(
                        "mapping が大きすぎます（256KBまで）。条件のマッピングを確認してください。",
                        "The mapping is too large (at most 256 KB): check the condition's mapping.",
                        limit as u64,
                    )
                } else {
                    crate::http::too_large(limit)
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        *slot = Some(Bytes::from(bytes));
    }
    let (Some(mapping_bytes), Some(file)) = (mapping, file) else {
        return Err(malformed("mapping or file is missing"));
    };
    let mapping = serde_json::from_slice(&mapping_bytes).map_err(|e| {
        AppError::bad_request(
            "manual_mapping_invalid",
            format!("mapping を読めません: {e}"),
            format!("The mapping cannot be read: {e}"),
        )
    })?;
    Ok(Upload {
        mapping,
        mapping_bytes,
        file,
    })
}

/// The condition a manual import of `sheet` runs under, checked by the
/// engine against the tenant's catalog, and whether it was made on the
/// spot. A stored condition of another sheet is refused.
fn condition_for(
    store: &impl Linkage,
    tenant: &str,
    catalog: &Catalog,
    sheet: &str,
    mapping: ManualMapping,
) -> Result<(StoredImportCondition, bool), AppError> {
    let (stored, on_the_spot) = match mapping {
        ManualMapping::Condition { key } => (
            super::stored_condition::<StoredImportCondition>(store, tenant, &key)?,
            false,
        ),
        ManualMapping::OnTheSpot { condition } => (
            StoredImportCondition {
                condition,
                after: AfterImport::default(),
            },
            true,
        ),
    };
    if stored.condition.sheet != sheet {
        return Err(AppError::bad_request(
            "condition_of_another_sheet",
            format!(
                "条件「{}」は別のシート（{}）の条件です。このシートの条件を選ぶか、その場でマッピングしてください。",
                stored.condition.key, stored.condition.sheet
            ),
            format!(
                "Condition {} is for another sheet ({}): pick one of this sheet's conditions, or map on the spot.",
                stored.condition.key, stored.condition.sheet
            ),
        ));
    }
    let problems = stored.condition.check(catalog);
    if !problems.is_empty() {
        return Err(super::api::condition_problems(problems));
    }
    Ok((stored, on_the_spot))
}

/// Everything a manual run needs, read from one snapshot.
struct Prepared {
    stored: StoredImportCondition,
    on_the_spot: bool,
    catalog: Catalog,
    settings: super::Settings,
    people: People,
}

fn prepare(
    store: &(impl Linkage + Organisation),
    caller: &Caller,
    sheet: &str,
    mapping: ManualMapping,
) -> Result<Prepared, AppError> {
    let catalog = super::catalog::tenant_catalog(store, &caller.tenant)?;
    if catalog.sheet(sheet).is_none() {
        return Err(super::records::no_sheet(sheet));
    }
    let (stored, on_the_spot) = condition_for(store, &caller.tenant, &catalog, sheet, mapping)?;
    let people = people(store, &caller.tenant, &catalog, &stored.after)?;
    Ok(Prepared {
        settings: store.linkage_settings(&caller.tenant)?,
        stored,
        on_the_spot,
        catalog,
        people,
    })
}

impl Prepared {
    fn context<'a>(
        &'a self,
        caller: &'a Caller,
        offset_minutes: i32,
        list_every_row: usize,
    ) -> RunContext<'a> {
        RunContext {
            tenant: &caller.tenant,
            actor: &caller.member.name,
            catalog: &self.catalog,
            settings: &self.settings,
            offset_minutes,
            people: &self.people,
            kind: RunKind::Manual,
            on_the_spot: self.on_the_spot,
            list_every_row,
        }
    }
}

/// `?dry_run=` of a manual import.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManualQuery {
    /// Try the file without applying it (default: apply).
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /api/linkage/sheets/{sheet}/imports[?dry_run=true]`.
#[utoipa::path(
    post, summary = "Import a file into a CRM sheet by hand (dry run or apply)", path = "/api/linkage/sheets/{sheet}/imports", tag = "linkage",
    params(
        ("sheet" = String, Path, description = "The sheet's id."), ManualQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Required to apply: makes a retry apply once (1 to 200 visible ASCII characters); it covers the file and the mapping."),
    ),
    request_body(content = String, content_type = "multipart/form-data", description = "Two parts: `mapping` (JSON: `{\"by\":\"condition\",\"key\":…}` or `{\"by\":\"on_the_spot\",\"condition\":{…}}`) and `file` (the CSV, at most 30 MB)."),
    responses(
        (status = 200, description = "Applied: the run (type `manual`) with its rows, as a batch import answers it; a replay has `Idempotent-Replayed: true`. Dry run: a `ManualDryRun` (counts, status, first page of rows, the plan to page).", body = LinkageRun),
        (status = 400, description = "The upload, the mapping or the condition is not acceptable (`problems` name the mapping rows), or the Idempotency-Key is missing.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
        (status = 404, description = "No such sheet or condition.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for another file or mapping.", body = sheetlink_protocol::ErrorBody),
        (status = 413, description = "Over 30 MB.", body = sheetlink_protocol::ErrorBody),
        (status = 202, description = "A retry of an apply still running: the run, `running`.", body = LinkageRun),
        (status = 429, description = "A dry run while the server's dry-run budget is full (`dry_runs_busy`), or the tenant's hourly CRM imports reached (`too_many_imports`): retry after `retry_after_seconds`.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn manual_import(
    State(state): State<AppState>,
    caller: Caller,
    Path(sheet): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<ManualQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    super::api::require_admin(&caller)?;
    let upload = read_upload(multipart).await?;
    let offset = state.config.timezone_offset_minutes;
    if query.dry_run {
        let kept = state.crm_dry_runs.clone();
        let tenant = caller.tenant.clone();
        let answer = state
            .run_exclusive(&tenant, move |store| {
                let bytes = crate::dry_runs::weight(upload.file.len());
                kept.room_for(&caller.tenant, bytes)
                    .map_err(crate::dry_runs::busy)?;
                let prepared = prepare(store, &caller, &sheet, upload.mapping)?;
                let context = prepared.context(&caller, offset, super::MAX_ANSWERED_ROWS);
                let run = dry_run_import(store, context, &prepared.stored, &upload.file)?;
                let plan = crate::ids::new_token()?[..32].to_owned();
                let answer = ManualDryRun {
                    plan: plan.clone(),
                    listed: u32::try_from(run.rows.len()).unwrap_or(u32::MAX),
                    run: first_page(&run),
                };
                // A plan keeps its row results: weighed by them when they
                // outweigh the file (many short rows).
                let bytes = bytes.max(run.rows.len().saturating_mul(256));
                kept.keep(plan, &caller.tenant, &caller.member.id, run, bytes)
                    .map_err(crate::dry_runs::busy)?;
                Ok(answer)
            })
            .await?;
        return Ok(Json(answer).into_response());
    }
    let idempotency = Key::required(
        &caller.tenant,
        Scope::Manual { sheet: &sheet },
        &headers,
        &upload.file,
    )?
    .also_covering(&upload.mapping_bytes);
    let per_hour = state.config.crm_imports_per_hour;
    // Check, claim, lock and apply are one task of their own: a client that
    // hangs up drops only its wait for the answer.
    let state = state.clone();
    tokio::spawn(async move {
        // Checked, then claimed before the tenant's lock is waited for: a
        // retry of a run in progress is answered at once.
        let (claim, caller, idempotency) = state
            .store
            .run(move |store| {
                let prepared = prepare(store, &caller, &sheet, upload.mapping)?;
                let what = Claiming {
                    tenant: &caller.tenant,
                    kind: RunKind::Manual,
                    on_the_spot: prepared.on_the_spot,
                    key: &prepared.stored.condition.key,
                    sheet: &sheet,
                    actor: &caller.member.name,
                };
                let claim = match claim(store, what, Some(&idempotency), per_hour)? {
                    Claim::Go(claimed) => {
                        let unfinished = Unfinished::new(store, &caller.tenant, &claimed);
                        Ok((claimed, unfinished, prepared))
                    }
                    Claim::Answer(answer) => Err(answer),
                };
                Ok((claim, caller, idempotency))
            })
            .await?;
        let (claimed, unfinished, prepared) = match claim {
            Ok(claimed) => claimed,
            Err(answer) => return Ok(answer.into_response()),
        };
        let tenant = caller.tenant.clone();
        let run = state
            .run_exclusive(&tenant, move |store| {
                let context = prepared.context(&caller, offset, super::ANSWER_EVERY_ROW);
                let run = run_import(
                    store,
                    context,
                    &prepared.stored,
                    &upload.file,
                    &claimed,
                    Some(&idempotency),
                )
                .map_err(|error| interrupt(store, &caller.tenant, &claimed, error));
                // Ended either way: recorded, or interrupted with its error.
                unfinished.ended();
                run
            })
            .await?;
        Ok(Json(run).into_response())
    })
    .await
    .map_err(AppError::internal)?
}

/// The run as a dry run answers it: counts and status, the first page of
/// rows.
fn first_page(run: &Run) -> LinkageRun {
    let mut answer = Run {
        head: run.head.clone(),
        rows: run.rows.iter().take(DRY_RUN_PAGE).cloned().collect(),
        reason: run.reason.clone(),
    }
    .render();
    answer.rows_truncated = run.head.rows_truncated;
    answer
}

/// `?offset=&outcome=` of a dry run's page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DryRunPageQuery {
    /// Index of the first row wanted among those that match (default 0).
    #[serde(default)]
    pub offset: u32,
    /// Only rows with this outcome.
    #[serde(default)]
    pub outcome: Option<Outcome>,
}

/// `GET /api/linkage/dry-runs/{plan}`: a page of a manual dry run's rows.
#[utoipa::path(
    get, summary = "A page of a manual import's dry-run rows", path = "/api/linkage/dry-runs/{plan}", tag = "linkage",
    params(("plan" = String, Path, description = "The plan a dry run answered."), DryRunPageQuery),
    responses(
        (status = 200, description = "Up to 100 row results from `offset`, of the outcome asked for.", body = DryRunRows),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
        (status = 404, description = "No such plan: it expired (30 minutes), was replaced by the member's tenant's newer dry runs (two are kept per tenant), or was another member's.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn dry_run_rows(
    State(state): State<AppState>,
    caller: Caller,
    Path(plan): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<DryRunPageQuery>,
) -> Result<Json<DryRunRows>, AppError> {
    super::api::require_admin(&caller)?;
    let Some(kept) = state
        .crm_dry_runs
        .find(&plan, &caller.tenant, &caller.member.id)
    else {
        return Err(AppError::not_found(
            "dry_run_expired",
            "この確認結果はもうありません（30分で消えます）。もう一度「反映前の確認」をしてください。",
            "This dry run is gone (they are kept 30 minutes): check the file again.",
        ));
    };
    let matching: Vec<&super::RowRecord> = kept
        .rows
        .iter()
        .filter(|row| query.outcome.is_none_or(|o| row.outcome == o))
        .collect();
    Ok(Json(DryRunRows {
        offset: query.offset,
        matching: u32::try_from(matching.len()).unwrap_or(u32::MAX),
        rows: matching
            .iter()
            .skip(query.offset as usize)
            .take(DRY_RUN_PAGE)
            .map(|row| row.render())
            .collect(),
    }))
}
