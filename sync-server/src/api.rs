//! The JSON API. Every handler that takes a [`Caller`] requires a session;
//! every permission is checked here, whatever the browser did or did not show.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use serde::Deserialize;
use sheetlink_engine::evaluation::SheetSchema;

use crate::AppState;
use crate::auth::{Caller, expired_cookie, request_token, session_cookie, token_key};
use crate::error::AppError;
use crate::http::CSV_UTF8;
use crate::ids::now;
use crate::model::Member;
use crate::permissions::{may_import, may_see_period};
use crate::store::{Organisation, Sessions as _};

pub use sheetlink_protocol::org::{ItemType, ItemView, PeriodView, SheetView, TemplateRequest};
pub use sheetlink_protocol::session::{LoginRequest, Me, RoleName};

/// Who `member` of `tenant` is, as `/api/me` says it.
pub(crate) fn me(tenant: &str, member: &Member, config: &crate::Config) -> Me {
    let mut roles = Vec::new();
    if member.is_evaluation_admin() {
        roles.push(RoleName::EvaluationAdmin);
    }
    if member.is_crm_admin() {
        roles.push(RoleName::CrmAdmin);
    }
    if member.leads().is_some() {
        roles.push(RoleName::Leader);
    }
    roles.push(RoleName::Member);
    Me {
        id: member.id.clone(),
        name: member.name.clone(),
        tenant: tenant.to_owned(),
        roles,
        utc_offset_minutes: config.timezone_offset_minutes,
    }
}

/// The answer that starts a session for `member` of `tenant`: the cookie
/// and who they are.
pub(crate) async fn signed_in(
    state: &AppState,
    tenant: String,
    member: Member,
) -> Result<Response, AppError> {
    let token = crate::auth::open_session(&state.store, tenant.clone(), &member).await?;
    Ok((
        AppendHeaders([(SET_COOKIE, session_cookie(&token, state.config.https()))]),
        Json(me(&tenant, &member, &state.config)),
    )
        .into_response())
}

/// `POST /api/login`: checks the password and starts a session.
#[utoipa::path(
    post, summary = "Sign in", path = "/api/login", tag = "session", security(()),
    request_body = sheetlink_protocol::session::LoginRequest,
    responses(
        (status = 200, description = "Signed in; an HttpOnly, SameSite=Strict session cookie is set.", body = Me),
        (status = 400, description = "A login id over 256 bytes; or several tenants and none named (`tenant_required`).", body = sheetlink_protocol::ErrorBody),
        (status = 401, description = "Wrong tenant, login id or password; a deactivated account; a disabled tenant.", body = sheetlink_protocol::ErrorBody),
        (status = 403, description = "Sent from another site.", body = sheetlink_protocol::ErrorBody),
        (status = 429, description = "Too many failed attempts for this login id or address: retry after `retry_after_seconds` (also the Retry-After header).", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    crate::http::JsonBody(form): crate::http::JsonBody<LoginRequest>,
) -> Result<Response, AppError> {
    let address = crate::http::client_ip(peer.as_deref(), &headers, &state.trusted_proxies);
    let (tenant, member) = crate::auth::sign_in(
        &state.store,
        &state.login_throttle,
        form.tenant,
        form.login_id,
        form.password,
        address,
    )
    .await?;
    signed_in(&state, tenant, member).await
}

/// `POST /api/logout`: ends the session (works without one, too).
#[utoipa::path(
    post, summary = "Sign out", path = "/api/logout", tag = "session",
    responses((status = 204, description = "Signed out (also without a session); the cookie is cleared."), (status = 403, description = "Sent from another site.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn logout(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, _) = request.into_parts();
    let secure = state.config.https();
    if let Some(token) = request_token(&parts, secure) {
        state.store.sessions().close(token_key(&token)).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, expired_cookie(secure))]),
    )
        .into_response())
}

/// `GET /api/me`
#[utoipa::path(
    get, summary = "Who is signed in", path = "/api/me", tag = "session",
    responses((status = 200, description = "The member signed in.", body = Me), crate::openapi::SignedIn)
)]
pub async fn whoami(State(state): State<AppState>, caller: Caller) -> Json<Me> {
    Json(me(&caller.tenant, &caller.member, &state.config))
}

fn require_importer(caller: &Caller) -> Result<(), AppError> {
    if may_import(&caller.member) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_an_importer",
            "インポートできるのは評価管理者とグループリーダーだけです。",
            "Only evaluation admins and group leaders import.",
        ))
    }
}

/// `GET /api/periods`: admins every period, leaders theirs.
#[utoipa::path(
    get, summary = "Periods the caller may pick", path = "/api/periods", tag = "evaluation",
    responses((status = 200, description = "Periods the caller may pick (a leader: theirs); `importable` is false for closed ones.", body = Vec<PeriodView>), crate::openapi::SignedIn, crate::openapi::ImportersOnly)
)]
pub async fn periods(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PeriodView>>, AppError> {
    require_importer(&caller)?;
    let list = state
        .store
        .run(move |store| store.periods(&caller.tenant).map(|rows| (rows, caller)))
        .await?;
    let (rows, caller) = list;
    Ok(Json(
        rows.into_iter()
            .filter(|period| may_see_period(&caller.member, period))
            .map(|p| PeriodView {
                importable: p.open,
                open: p.open,
                id: p.id,
                name: p.name,
            })
            .collect(),
    ))
}

/// `GET /api/periods/{period}/sheets`: published sheets only.
#[utoipa::path(
    get, summary = "Published sheets of a period", path = "/api/periods/{period}/sheets", tag = "evaluation",
    params(("period" = String, Path, description = "Period id.")),
    responses((status = 200, description = "Published customize sheets.", body = Vec<SheetView>), crate::openapi::SignedIn, crate::openapi::ImportersOnly, (status = 404, description = "No such period for the caller.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn sheets(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
) -> Result<Json<Vec<SheetView>>, AppError> {
    require_importer(&caller)?;
    let views = state
        .store
        .run(move |store| {
            store
                .period(&caller.tenant, &period)?
                .filter(|p| may_see_period(&caller.member, p))
                .ok_or_else(crate::sheets::no_period)?;
            Ok(store
                .sheets(&caller.tenant)?
                .into_iter()
                .filter(|sheet| sheet.published)
                .map(|sheet| SheetView {
                    id: sheet.id,
                    name: sheet.name,
                })
                .collect())
        })
        .await?;
    Ok(Json(views))
}

/// `GET /api/periods/{period}/sheets/{sheet}/items`: importable items the
/// caller's role may write.
#[utoipa::path(
    get, summary = "Items the caller may import", path = "/api/periods/{period}/sheets/{sheet}/items", tag = "evaluation", params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id.")),
    responses((status = 200, description = "Importable items the caller's role may write.", body = Vec<ItemView>), crate::openapi::SignedIn, crate::openapi::ImportersOnly, (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Json<Vec<ItemView>>, AppError> {
    require_importer(&caller)?;
    let views = state
        .store
        .run(move |store| crate::sheets::items(store, &caller, &period, &sheet))
        .await?;
    Ok(Json(views))
}

/// `GET /api/periods/{period}/sheets/{sheet}/schema`: the engine's schema for
/// validating offline: the items the caller may write and the evaluatees in
/// the caller's scope. Cacheable by the browser.
#[utoipa::path(
    get, summary = "The schema for checking a file offline", path = "/api/periods/{period}/sheets/{sheet}/schema", tag = "evaluation", params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id.")),
    responses((status = 200, description = "The engine's schema for checking a file offline: the items the caller may write and the evaluatees in their scope.", body = SheetSchema), crate::openapi::SignedIn, crate::openapi::ImportersOnly, (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn schema(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let schema = state
        .store
        .run(move |store| crate::sheets::schema(store, &caller, &period, &sheet))
        .await?;
    // Never cached by the browser's HTTP cache (it lists the caller's
    // evaluatees, and the next user of the browser must not get it); the app
    // keeps its own offline copy, removed at sign-out.
    Ok(([(CACHE_CONTROL, "no-store")], Json(schema)).into_response())
}

/// `POST /api/periods/{period}/sheets/{sheet}/template`: the CSV template
/// with current values, for the evaluatees the caller may write.
#[utoipa::path(
    post, summary = "A template CSV with current values", path = "/api/periods/{period}/sheets/{sheet}/template", tag = "evaluation", params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id.")),
    request_body = TemplateRequest,
    responses(
        (status = 200, description = "The template (UTF-8 CSV with BOM) with current values, for the evaluatees the caller may write.", content_type = "text/csv", body = String),
        (status = 400, description = "No items, more than 1,000, or one the caller may not write.", body = sheetlink_protocol::ErrorBody), crate::openapi::SignedIn, crate::openapi::ImportersOnly, (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn template(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
    crate::http::JsonBody(request): crate::http::JsonBody<TemplateRequest>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let (file_name, bytes) = state
        .store
        .run(move |store| crate::sheets::template(store, &caller, &period, &sheet, &request.items))
        .await?;
    Ok(crate::http::attachment(CSV_UTF8, &file_name, bytes))
}

/// Import options.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Only say what would happen.
    #[serde(default)]
    pub dry_run: bool,
    /// The uploaded file's name, kept with the import for the history (at
    /// most 255 characters; a path keeps only its last part).
    pub file_name: Option<String>,
}

/// Imports a tenant may start in any rolling hour.
pub use crate::imports::IMPORTS_PER_HOUR;

/// `POST /api/periods/{period}/sheets/{sheet}/imports[?dry_run=true]`: the
/// CSV as the body (gzip accepted), an `Idempotency-Key` header for real
/// imports. Validates natively, checks every evaluatee, then applies (or,
/// for a dry run, plans).
#[utoipa::path(
    post, summary = "Import a filled template (or plan it: a dry run)", path = "/api/periods/{period}/sheets/{sheet}/imports", tag = "evaluation",
    params(
        ("period" = String, Path, description = "Period id."),
        ("sheet" = String, Path, description = "Customize sheet id."),
        ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Required for a real import (1 to 200 visible ASCII characters): a retry with the same key and file answers the first result."),
    ),
    request_body(content = String, content_type = "text/csv", description = "The filled template, at most 30 MB (`Content-Encoding: gzip` accepted)."),
    responses(
        (status = 200, description = "A dry run: every total and the first page of changes (or a replayed import, with `Idempotent-Replayed: true`).", body = DryRun),
        (status = 201, description = "Imported (or refused as a whole, recorded): the record and its first errors.", body = ImportAnswer),
        (status = 400, description = "No or a malformed Idempotency-Key, or a body that is not what it says.", body = sheetlink_protocol::ErrorBody), crate::openapi::SignedIn,
        (status = 403, description = "Not an importer, or the period is closed.", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for another file.", body = sheetlink_protocol::ErrorBody),
        (status = 413, description = "Over 30 MB.", body = sheetlink_protocol::ErrorBody),
        (status = 429, description = "Ten imports already started in the last hour: retry after `retry_after_seconds`.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
    crate::http::QueryParams(query): crate::http::QueryParams<ImportQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let file_name = crate::imports::file_name(query.file_name.as_deref())?;
    let csv = match crate::http::read_csv(&headers, body).await {
        Ok(csv) => csv,
        Err(response) => return Ok(response),
    };
    // A real import needs its key; a dry run writes nothing and needs none.
    let idempotency = if query.dry_run {
        None
    } else {
        Some(crate::idempotency::Key::required(
            &caller.tenant,
            crate::idempotency::Scope::Evaluation,
            &headers,
            &csv,
        )?)
    };
    let started_answer = |started: crate::imports::Started| match started {
        crate::imports::Started::Applied(answer) => {
            (StatusCode::CREATED, Json(answer)).into_response()
        }
        crate::imports::Started::Replayed(answer) => {
            ([("idempotent-replayed", "true")], Json(answer)).into_response()
        }
        crate::imports::Started::Conflict => crate::idempotency::conflict(),
    };
    // A retry is answered before the tenant's lock is waited for: its
    // import, running or ended, or a conflict.
    if let Some(key) = idempotency.clone() {
        let caller = caller.clone();
        let seen = state
            .store
            .run(move |store| crate::imports::seen_before(store, &caller, &key))
            .await?;
        if let Some(seen) = seen {
            return Ok(started_answer(seen));
        }
    }
    let timeout = state.config.import_timeout_secs;
    let dry_runs = state.dry_runs.clone();
    let tenant = caller.tenant.clone();
    state
        .run_exclusive(&tenant, move |store| {
            let (period, sheet) = crate::sheets::period_and_sheet(store, &caller, &period, &sheet)?;
            let Some(idempotency) = idempotency else {
                let plan = crate::imports::plan(store, &caller, period, sheet, &csv, &dry_runs)?;
                return Ok(Json(plan).into_response());
            };
            let deadline = now() + timeout;
            let started = crate::imports::start(
                store,
                &caller,
                &period,
                &sheet,
                crate::imports::Upload {
                    csv: &csv,
                    idempotency: &idempotency,
                    file_name,
                },
                deadline,
            )?;
            Ok(started_answer(started))
        })
        .await
}

pub use sheetlink_protocol::evaluation::{ChangesPage, DryRun, HistoryLine, ImportAnswer};

/// Which page of a dry run's changes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The evaluatees after this file row (0 for the first page).
    pub after: Option<u32>,
    /// Only the evaluatee of this file row.
    pub row: Option<u32>,
}

/// `GET /api/dry-runs/{id}?after=ROW` (or `?row=ROW`): a page of a recent
/// dry run's changed cells, for the member who ran it only; 404
/// `dry_run_expired` once it is no longer kept (or for anyone else).
#[utoipa::path(
    get, summary = "A page of a dry run's changed cells", path = "/api/dry-runs/{id}", tag = "evaluation",
    params(("id" = String, Path, description = "The dry run's id."), PageQuery),
    responses((status = 200, description = "Whole evaluatees' changed cells, about 128 KiB; `next_after` names the next page.", body = ChangesPage), crate::openapi::SignedIn, crate::openapi::ImportersOnly, (status = 404, description = "The plan is no longer kept (30 minutes), or it is somebody else's: run the dry run again.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn dry_run_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<PageQuery>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let Some(plan) = state.dry_runs.find(&id, &caller.tenant, &caller.member.id) else {
        let minutes = crate::dry_runs::PLAN_SECONDS / 60;
        return Err(AppError::not_found(
            "dry_run_expired",
            format!(
                "このドライランの結果は保持期間（{minutes}分）を過ぎたか、別の操作で置き換えられました。もう一度ドライランを実行してください。"
            ),
            format!(
                "This dry run is no longer kept (plans are kept {minutes} minutes, a few at a time): run the dry run again."
            ),
        ));
    };
    let from = match query.row {
        Some(row) => crate::imports::PageFrom::Row(row),
        None => crate::imports::PageFrom::After(query.after.unwrap_or(0)),
    };
    let page = state
        .store
        .run(move |store| {
            crate::imports::changes_page(
                store,
                &plan.tenant,
                &plan.period,
                &plan.sheet,
                &plan.prepared,
                from,
            )
        })
        .await?;
    Ok(Json(page).into_response())
}

pub use crate::sheets::HISTORY_LINES;

/// `GET /api/imports`: the latest 100 imports of the tenant, newest first;
/// everyone in the tenant may see the list.
#[utoipa::path(
    get, summary = "The import history", path = "/api/imports", tag = "evaluation",
    responses((status = 200, description = "The latest 100 imports of the tenant, newest first (everyone in the tenant may see the list).", body = Vec<HistoryLine>), crate::openapi::SignedIn)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<HistoryLine>>, AppError> {
    let lines = state
        .store
        .run(move |store| crate::sheets::history(store, &caller))
        .await?;
    Ok(Json(lines))
}

/// `GET /api/imports/{id}`: counts and every error, for evaluation admins
/// and the import's own operator only.
#[utoipa::path(
    get, summary = "One import: record, first errors, progress", path = "/api/imports/{id}", tag = "evaluation",
    params(("id" = String, Path, description = "Import id.")),
    responses((status = 200, description = "The record, its first 1,000 errors and its progress.", body = sheetlink_protocol::evaluation::ImportDetails), crate::openapi::SignedIn, (status = 403, description = "Only evaluation admins and the import's operator see its details.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such import.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn import_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    state
        .store
        .run(move |store| {
            let import = crate::imports::visible_import(store, &caller, &id)?;
            Ok(Json(crate::imports::details(store, &caller.tenant, import)?).into_response())
        })
        .await
}

/// `GET /api/imports/by-key/{idempotency key}`: the import a client started
/// with this `Idempotency-Key` — its record, first errors and progress, as
/// `GET /api/imports/{id}` answers — so that a client follows *its* import
/// while it runs. 404 until the import is recorded (its file is checked
/// first), and for anyone who may not see it.
#[utoipa::path(
    get, summary = "The import started with an Idempotency-Key", path = "/api/imports/by-key/{key}", tag = "evaluation",
    params(("key" = String, Path, description = "The Idempotency-Key the import was sent with.")),
    responses((status = 200, description = "The import started with this key, as `GET /api/imports/{id}` answers it: a client follows its own import while it runs.", body = sheetlink_protocol::evaluation::ImportDetails), (status = 400, description = "A malformed key.", body = sheetlink_protocol::ErrorBody), crate::openapi::SignedIn, (status = 404, description = "Not recorded yet (the file is still being checked), no such key, or an import the caller may not see.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn import_by_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    state
        .store
        .run(move |store| {
            let not_found = || AppError::not_found(
                "unknown_import_key",
                "このキーのインポートはまだ記録されていません（ファイルの確認中か、存在しません）。",
                "No import with this key has been recorded yet (its file is still being checked, or there is none).",
            );
            let Some(id) = crate::idempotency::Key::started_by(
                store,
                &caller.tenant,
                crate::idempotency::Scope::Evaluation,
                &key,
            )?
            else {
                return Err(not_found());
            };
            let Ok(import) = crate::imports::visible_import(store, &caller, &id) else {
                return Err(not_found());
            };
            Ok(Json(crate::imports::details(store, &caller.tenant, import)?).into_response())
        })
        .await
}

/// `POST /api/imports/{id}/revert`: restores every cell the import changed,
/// atomically; 409 with the cells when a later change touched any of them.
/// Evaluation admins and the import's own operator only.
#[utoipa::path(
    post, summary = "Revert an import", path = "/api/imports/{id}/revert", tag = "evaluation",
    params(("id" = String, Path, description = "Import id.")),
    responses(
        (status = 200, description = "Every cell the import changed is back, in one transaction.", body = sheetlink_protocol::evaluation::Reverted),
        crate::openapi::SignedIn,
        (status = 403, description = "Not the caller's import, the period is closed, or the caller may no longer write some cells (`cells`).", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "No such import, period or sheet.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "Still running, already reverted, or cells changed since (`conflicts`): nothing was restored.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn revert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let tenant = caller.tenant.clone();
    let reverted = state
        .run_exclusive(&tenant, move |store| {
            crate::imports::revert_import(store, &caller, &id)
        })
        .await?;
    Ok(Json(reverted).into_response())
}

/// Which page of an import's changed cells.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The members after this member id (none: the first page).
    pub after: Option<String>,
}

/// `GET /api/imports/{id}/changes?after=MEMBER`: the cells an applied
/// import changed, a page of evaluatees at a time, for evaluation admins and
/// the import's own operator.
#[utoipa::path(
    get, summary = "The cells an import changed", path = "/api/imports/{id}/changes", tag = "evaluation",
    params(("id" = String, Path, description = "Import id."), ChangesQuery),
    responses((status = 200, description = "A page of evaluatees (at most 100, about 128 KB) with the cells the import changed, old and new values.", body = sheetlink_protocol::evaluation::ImportChanges), crate::openapi::SignedIn, (status = 403, description = "Only evaluation admins and the import's operator see its changes.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such import.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn import_changes(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<ChangesQuery>,
) -> Result<Json<sheetlink_protocol::evaluation::ImportChanges>, AppError> {
    let changes = state
        .store
        .run(move |store| crate::imports::changes(store, &caller, &id, query.after.as_deref()))
        .await?;
    Ok(Json(changes))
}

/// `GET /api/imports/{id}/error-file`: the uploaded rows that failed, with an
/// error column, to fix and upload again. Same permission as the details.
#[utoipa::path(
    get, summary = "The error file of an import", path = "/api/imports/{id}/error-file", tag = "evaluation",
    params(("id" = String, Path, description = "Import id.")),
    responses(
        (status = 200, description = "The uploaded rows that failed, with an error column, to fix and upload again.", content_type = "text/csv", body = String),
        crate::openapi::SignedIn, (status = 403, description = "Only evaluation admins and the import's operator.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such import, or it had no errors.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn error_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (file_name, bytes) = state
        .store
        .run(move |store| crate::imports::error_file(store, &caller, &id))
        .await?;
    Ok(crate::http::attachment(CSV_UTF8, &file_name, bytes))
}

/// `GET /api/my/sheets`: the caller's own sheets.
#[utoipa::path(
    get, summary = "One's own sheets", path = "/api/my/sheets", tag = "evaluation",
    responses((status = 200, description = "The caller's sheets in every period (open periods first), values grouped by block; `next_status` where they may move it on.", body = Vec<sheetlink_protocol::org::UserSheetView>), crate::openapi::SignedIn)
)]
pub async fn my_sheets(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<sheetlink_protocol::org::UserSheetView>>, AppError> {
    let sheets = state
        .store
        .run(move |store| crate::user_sheets::mine(store, &caller))
        .await?;
    Ok(Json(sheets))
}

/// `GET /api/periods/{period}/sheets/{sheet}/members`: the sheets the
/// caller may open (leaders: their members; evaluation admins: everyone).
#[utoipa::path(
    get, summary = "Sheets the caller may open", path = "/api/periods/{period}/sheets/{sheet}/members", tag = "evaluation",
    params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id.")),
    responses((status = 200, description = "Whose sheets, with their status (empty for a plain member).", body = Vec<sheetlink_protocol::org::SheetSummary>), crate::openapi::SignedIn, (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn sheet_list(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Json<Vec<sheetlink_protocol::org::SheetSummary>>, AppError> {
    let list = state
        .store
        .run(move |store| crate::user_sheets::list(store, &caller, &period, &sheet))
        .await?;
    Ok(Json(list))
}

/// `GET /api/periods/{period}/sheets/{sheet}/members/{member}`: one sheet,
/// read-only.
#[utoipa::path(
    get, summary = "One member's sheet, read-only", path = "/api/periods/{period}/sheets/{sheet}/members/{member}", tag = "evaluation",
    params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id."), ("member" = String, Path, description = "Member id.")),
    responses((status = 200, description = "The sheet (one's own, a led member's, or — for evaluation admins — anyone's).", body = sheetlink_protocol::org::UserSheetView), crate::openapi::SignedIn, (status = 404, description = "No such sheet, or not the caller's to see (the same answer).", body = sheetlink_protocol::ErrorBody))
)]
pub async fn sheet_one(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet, member)): Path<(String, String, String)>,
) -> Result<Json<sheetlink_protocol::org::UserSheetView>, AppError> {
    let view = state
        .store
        .run(move |store| crate::user_sheets::one(store, &caller, &period, &sheet, &member))
        .await?;
    Ok(Json(view))
}

/// `POST /api/my/sheets/{period}/{sheet}/advance`: moves the caller's own
/// sheet to its next status.
#[utoipa::path(
    post, summary = "Move one's own sheet to its next status", path = "/api/my/sheets/{period}/{sheet}/advance", tag = "evaluation",
    params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id.")),
    request_body = sheetlink_protocol::org::AdvanceRequest,
    responses(
        (status = 200, description = "Moved on; the sheet as it is now.", body = sheetlink_protocol::org::UserSheetView),
        (status = 404, description = "The caller has no such sheet.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The period is closed, the sheet is final, or its status is no longer `from`.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn,
    )
)]
pub async fn advance_sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
    crate::http::JsonBody(form): crate::http::JsonBody<sheetlink_protocol::org::AdvanceRequest>,
) -> Result<Json<sheetlink_protocol::org::UserSheetView>, AppError> {
    let view = state
        .store
        .run(move |store| crate::user_sheets::advance(store, &caller, &period, &sheet, form.from))
        .await?;
    Ok(Json(view))
}
