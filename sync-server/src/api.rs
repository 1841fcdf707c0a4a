//! The JSON API. Every handler that takes a [`Caller`] requires a session;
//! every permission is checked here, whatever the browser did or did not show.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use serde::Deserialize;
use sheetlink_engine::evaluation::{SheetSchema, TemplateRow, write_template};

use crate::AppState;
use crate::auth::{
    Caller, SESSION_SECONDS, expired_cookie, request_token, session_cookie, token_key,
    verify_password,
};
use crate::error::AppError;
use crate::http::CSV_UTF8;
use crate::ids::{new_token, now};
use crate::model::{CustomizeSheet, Member, Period, Role, Session, SheetItem, UserSheet};
use crate::permissions::{may_import, may_see_period, may_write, writable_items};
use crate::store::{Directory as _, Evaluations as _, Organisation, Sessions as _};

pub use sheetlink_protocol::org::{ItemType, ItemView, PeriodView, SheetView, TemplateRequest};
pub use sheetlink_protocol::session::{LoginRequest, Me, RoleName};

fn me(member: &Member) -> Me {
    let role = match member.role {
        Role::Admin => RoleName::Admin,
        Role::Leader { .. } => RoleName::Leader,
        Role::Member => RoleName::Member,
    };
    Me {
        id: member.id.clone(),
        name: member.name.clone(),
        role,
    }
}

/// `POST /api/login`: checks the password and starts a session.
#[utoipa::path(
    post, summary = "Sign in", path = "/api/login", tag = "session", security(()),
    request_body = sheetlink_protocol::session::LoginRequest,
    responses(
        (status = 200, description = "Signed in; an HttpOnly, SameSite=Strict session cookie is set.", body = Me),
        (status = 400, description = "A login id over 256 bytes.", body = sheetlink_protocol::ErrorBody),
        (status = 401, description = "Wrong login id or password.", body = sheetlink_protocol::ErrorBody),
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
    let secure = state.config.https();
    let address = crate::http::client_ip(peer.as_deref(), &headers, &state.trusted_proxies);
    if form.login_id.len() > crate::auth::MAX_LOGIN_ID_BYTES {
        let max = crate::auth::MAX_LOGIN_ID_BYTES;
        return Err(AppError::bad_request(
            "login_id_too_long",
            format!(
                "ログインIDが長すぎます（{max}バイトまで）。正しいログインIDを入力してください。"
            ),
            format!("A login id is at most {max} bytes. Enter your login id."),
        )
        .with("limit", max));
    }
    let attempt = match state.login_throttle.begin(&form.login_id, address) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(crate::auth::too_many_attempts(wait)),
    };
    let sessions = state.store.sessions();
    let found = state
        .store
        .directory()
        .by_login(form.login_id.clone())
        .await;
    // argon2 runs on the blocking pool; against a fixed hash when the login is
    // unknown, so that the answer takes as long either way.
    let verified = match found {
        Ok(found) => tokio::task::spawn_blocking(move || {
            let stored = found.as_ref().and_then(|(_, m)| m.password_hash.clone());
            let verified = match &stored {
                Some(hash) => verify_password(&form.password, hash),
                None => {
                    let _ = verify_password(&form.password, &crate::auth::dummy_hash()?);
                    false
                }
            };
            match (found, verified) {
                (Some(found), true) => Ok(found),
                _ => Err(AppError::Unauthorized),
            }
        })
        .await
        .map_err(AppError::internal)
        .and_then(|verified| verified),
        Err(error) => Err(error),
    };
    let outcome = match verified {
        Ok((tenant, member)) => {
            let token = new_token()?;
            let session = Session {
                tenant,
                member: member.id.clone(),
                expires_at: now() + SESSION_SECONDS,
            };
            sessions.open(token_key(&token), session).await.map(|()| {
                (
                    AppendHeaders([(SET_COOKIE, session_cookie(&token, secure))]),
                    Json(me(&member)),
                )
                    .into_response()
            })
        }
        Err(error) => Err(error),
    };
    match &outcome {
        Ok(_) => attempt.succeeded(),
        Err(_) => attempt.failed(),
    }
    outcome
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
    responses((status = 200, description = "The member signed in.", body = Me), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody))
)]
pub async fn whoami(caller: Caller) -> Json<Me> {
    Json(me(&caller.member))
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
    responses((status = 200, description = "Periods the caller may pick (a leader: theirs); `importable` is false for closed ones.", body = Vec<PeriodView>), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and group leaders import.", body = sheetlink_protocol::ErrorBody))
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

/// The period and published sheet a request names, if the caller may see them.
fn period_and_sheet(
    store: &impl Organisation,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<(Period, CustomizeSheet), AppError> {
    let period = store
        .period(&caller.tenant, period)?
        .filter(|p| may_see_period(&caller.member, p))
        .ok_or_else(no_period)?;
    let sheet = store
        .sheet(&caller.tenant, sheet)?
        .filter(|s| s.published)
        .ok_or_else(|| {
            AppError::not_found(
                "unknown_sheet",
                "指定されたシートは公開されていないか、存在しません。テンプレート画面で期間とシートを選び直してください。",
                "No published sheet has this id. Pick the period and the sheet again on the template page.",
            )
        })?;
    Ok((period, sheet))
}

/// 404 for a period that does not exist or is not the caller's.
fn no_period() -> AppError {
    AppError::not_found(
        "unknown_period",
        "指定された評価期間はありません。期間を選び直してください。",
        "No such evaluation period. Pick the period again.",
    )
}

/// `GET /api/periods/{period}/sheets`: published sheets only.
#[utoipa::path(
    get, summary = "Published sheets of a period", path = "/api/periods/{period}/sheets", tag = "evaluation",
    params(("period" = String, Path, description = "Period id.")),
    responses((status = 200, description = "Published customize sheets.", body = Vec<SheetView>), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and group leaders import.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such period for the caller.", body = sheetlink_protocol::ErrorBody))
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
                .ok_or_else(no_period)?;
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
    responses((status = 200, description = "Importable items the caller's role may write.", body = Vec<ItemView>), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and group leaders import.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Json<Vec<ItemView>>, AppError> {
    require_importer(&caller)?;
    let views = state
        .store
        .run(move |store| {
            let (_, sheet) = period_and_sheet(store, &caller, &period, &sheet)?;
            Ok(writable_items(&caller.member, &sheet)
                .into_iter()
                .filter_map(|item| item.importable.as_ref())
                .map(|item| ItemView {
                    id: item.id.clone(),
                    caption: item.caption(),
                    item_type: ItemType::from(&item.kind),
                })
                .collect())
        })
        .await?;
    Ok(Json(views))
}

/// Members with a sheet in (period, sheet) that the caller may write for
/// every one of `items`, in member-id order.
fn writable_evaluatees(
    store: &impl Organisation,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    items: &[&SheetItem],
) -> Result<Vec<(Member, UserSheet)>, AppError> {
    // The tenant's members in one scan, not one read per user sheet.
    let mut members: std::collections::HashMap<String, Member> = store
        .members(&caller.tenant)?
        .into_iter()
        .map(|member| (member.id.clone(), member))
        .collect();
    let mut out = Vec::new();
    for (member_id, user_sheet) in store.user_sheets(&caller.tenant, &period.id, &sheet.id)? {
        let Some(member) = members.remove(&member_id) else {
            continue;
        };
        if member.evaluatee_key().is_some()
            && may_write(&caller.member, period, &member, user_sheet.status, items)
        {
            out.push((member, user_sheet));
        }
    }
    Ok(out)
}

/// `GET /api/periods/{period}/sheets/{sheet}/schema`: the engine's schema for
/// validating offline: the items the caller may write and the evaluatees in
/// the caller's scope. Cacheable by the browser.
#[utoipa::path(
    get, summary = "The schema for checking a file offline", path = "/api/periods/{period}/sheets/{sheet}/schema", tag = "evaluation", params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Customize sheet id.")),
    responses((status = 200, description = "The engine's schema for checking a file offline: the items the caller may write and the evaluatees in their scope.", body = SheetSchema), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and group leaders import.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn schema(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let schema = state
        .store
        .run(move |store| {
            let (period, sheet) = period_and_sheet(store, &caller, &period, &sheet)?;
            let items = writable_items(&caller.member, &sheet);
            // Scope only (no status condition): a status may change between
            // download and import, and the server checks it at import time.
            let in_scope = writable_evaluatees(store, &caller, &period, &sheet, &[])?;
            Ok(SheetSchema {
                period: period.id,
                sheet: sheet.id.clone(),
                items: items
                    .into_iter()
                    .filter_map(|item| item.importable.clone())
                    .collect(),
                evaluatees: Some(
                    in_scope
                        .iter()
                        .filter_map(|(m, _)| m.evaluatee_key().map(str::to_owned))
                        .collect(),
                ),
            })
        })
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
        (status = 400, description = "No items, more than 1,000, or one the caller may not write.", body = sheetlink_protocol::ErrorBody), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and group leaders import.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such period or published sheet.", body = sheetlink_protocol::ErrorBody),
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
        .run(move |store| {
            let (period, sheet) = period_and_sheet(store, &caller, &period, &sheet)?;
            if !period.open {
                return Err(AppError::forbidden(
                    "period_closed",
                    "この評価期間は締め切られているため、テンプレートは作成できません（一括登録の対象外です）。",
                    "This evaluation period is closed: it takes no bulk registration, so there is no template.",
                ));
            }
            let writable = writable_items(&caller.member, &sheet);
            let mut chosen = Vec::with_capacity(request.items.len());
            for id in &request.items {
                match writable.iter().find(|item| item.id() == id) {
                    Some(item) => chosen.push(*item),
                    None => {
                        return Err(AppError::bad_request(
                            "unknown_item",
                            format!("項目「{id}」は存在しないか、記入権限がありません。項目を選び直してください。"),
                            format!("Item \"{id}\" does not exist or you may not write it. Pick the items again."),
                        ));
                    }
                }
            }
            let evaluatees = writable_evaluatees(store, &caller, &period, &sheet, &chosen)?;
            let schema = SheetSchema {
                period: period.id.clone(),
                sheet: sheet.id.clone(),
                items: chosen
                    .iter()
                    .filter_map(|item| item.importable.clone())
                    .collect(),
                evaluatees: None,
            };
            let ids: Vec<&str> = request.items.iter().map(String::as_str).collect();
            let rows = evaluatees.iter().map(|(member, user_sheet)| TemplateRow {
                name: &member.name,
                key: member.evaluatee_key().unwrap_or_default(),
                values: ids
                    .iter()
                    .map(|id| user_sheet.values.get(*id).map(String::as_str))
                    .collect(),
            });
            let bytes = write_template(&schema, &ids, rows)
                .map_err(|e| {
                    AppError::bad_request("template_refused", e.message(sheetlink_engine::Lang::Ja), e.message(sheetlink_engine::Lang::En))
                })?;
            Ok((format!("template_{}_{}.csv", period.id, sheet.id), bytes))
        })
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
        (status = 400, description = "No or a malformed Idempotency-Key, or a body that is not what it says.", body = sheetlink_protocol::ErrorBody), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody),
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
    let csv = match crate::http::read_csv(&headers, body).await {
        Ok(csv) => csv,
        Err(response) => return Ok(response),
    };
    let sent_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    if !query.dry_run && sent_key.is_none() {
        let max = crate::idempotency::MAX_KEY_LEN;
        return Err(AppError::bad_request(
            "idempotency_key_missing",
            format!(
                "Idempotency-Keyヘッダー（1〜{max}文字）が必要です。再送しても二重に反映されないよう、インポートごとに新しいキーを付けてください。"
            ),
            format!(
                "An Idempotency-Key header (1 to {max} characters) is required: send a new key with each import, so that a retry is applied once."
            ),
        ));
    }
    let idempotency = if query.dry_run {
        None
    } else {
        crate::idempotency::Key::from_request(
            &caller.tenant,
            crate::idempotency::Scope::Evaluation,
            sent_key,
            &csv,
        )?
    };
    let lock = state.import_lock(&caller.tenant);
    let _running = lock.lock().await;
    let timeout = state.config.import_timeout_secs;
    let dry_runs = state.dry_runs.clone();
    state
        .store
        .run(move |store| {
            let (period, sheet) = period_and_sheet(store, &caller, &period, &sheet)?;
            let Some(idempotency) = idempotency else {
                let plan = crate::imports::plan(store, &caller, period, sheet, &csv, &dry_runs)?;
                return Ok(Json(plan).into_response());
            };
            let deadline = now() + timeout;
            Ok(
                match crate::imports::start(
                    store,
                    &caller,
                    &period,
                    &sheet,
                    &csv,
                    &idempotency,
                    deadline,
                )? {
                    crate::imports::Started::Applied(answer) => {
                        (StatusCode::CREATED, Json(answer)).into_response()
                    }
                    crate::imports::Started::Replayed(answer) => {
                        ([("idempotent-replayed", "true")], Json(answer)).into_response()
                    }
                    crate::imports::Started::Conflict => crate::idempotency::conflict(),
                },
            )
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
    responses((status = 200, description = "Whole evaluatees' changed cells, about 128 KiB; `next_after` names the next page.", body = ChangesPage), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and group leaders import.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "The plan is no longer kept (30 minutes), or it is somebody else's: run the dry run again.", body = sheetlink_protocol::ErrorBody))
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

/// How many imports the history lists.
pub const HISTORY_LINES: usize = 100;

/// `GET /api/imports`: the latest 100 imports of the tenant, newest first;
/// everyone in the tenant may see the list.
#[utoipa::path(
    get, summary = "The import history", path = "/api/imports", tag = "evaluation",
    responses((status = 200, description = "The latest 100 imports of the tenant, newest first (everyone in the tenant may see the list).", body = Vec<HistoryLine>), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody))
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<HistoryLine>>, AppError> {
    let lines = state
        .store
        .run(move |store| {
            // The newest 100 records only, never their errors.
            let mut records = Vec::with_capacity(HISTORY_LINES);
            store.imports_newest_first(&caller.tenant, &mut |record| {
                records.push(record);
                records.len() < HISTORY_LINES
            })?;
            let mut lines = Vec::new();
            for record in records {
                let period_name = store
                    .period(&caller.tenant, &record.period)?
                    .map(|p| p.name)
                    .unwrap_or_default();
                let sheet_name = store
                    .sheet(&caller.tenant, &record.sheet)?
                    .map(|s| s.name)
                    .unwrap_or_default();
                lines.push(HistoryLine {
                    id: record.id,
                    status: record.status,
                    period: record.period,
                    period_name,
                    sheet: record.sheet,
                    sheet_name,
                    started_at: record.started_at,
                    ended_at: record.ended_at,
                    operator_name: record.operator_name,
                });
            }
            Ok(lines)
        })
        .await?;
    Ok(Json(lines))
}

/// `GET /api/imports/{id}`: counts and every error, for evaluation admins
/// and the import's own operator only.
#[utoipa::path(
    get, summary = "One import: record, first errors, progress", path = "/api/imports/{id}", tag = "evaluation",
    params(("id" = String, Path, description = "Import id.")),
    responses((status = 200, description = "The record, its first 1,000 errors and its progress.", body = sheetlink_protocol::evaluation::ImportDetails), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and the import's operator see its details.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such import.", body = sheetlink_protocol::ErrorBody))
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
    responses((status = 200, description = "The import started with this key, as `GET /api/imports/{id}` answers it: a client follows its own import while it runs.", body = sheetlink_protocol::evaluation::ImportDetails), (status = 400, description = "A malformed key.", body = sheetlink_protocol::ErrorBody), (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 404, description = "Not recorded yet (the file is still being checked), no such key, or an import the caller may not see.", body = sheetlink_protocol::ErrorBody))
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
        (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody),
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
    let lock = state.import_lock(&caller.tenant);
    let _running = lock.lock().await;
    state
        .store
        .run(move |store| {
            let mut record = crate::imports::visible_import(store, &caller, &id)?;
            let period = store.period(&caller.tenant, &record.period)?.ok_or_else(no_period)?;
            if !period.open {
                return Err(AppError::forbidden("period_closed", "この評価期間は締め切られているため、変更できません。", "This evaluation period is closed and cannot be changed."));
            }
            let sheet = store.sheet(&caller.tenant, &record.sheet)?.ok_or_else(|| AppError::not_found("unknown_sheet", "このインポートのシートはもうありません。", "The sheet of this import no longer exists."))?;
            match crate::imports::revert(store, &caller, &period, &sheet, &mut record)? {
                Ok(restored) => {
                    let errors = crate::imports::first_errors(&store.import_errors(&caller.tenant, &record.id)?);
                    let import = crate::imports::ImportAnswer { import: record, errors };
                    Ok(Json(sheetlink_protocol::evaluation::Reverted { restored_cells: restored, import }).into_response())
                }
                Err(crate::imports::RevertRefusal::NotRevertible(ja, en)) => {
                    Err(AppError::conflict("not_revertible", ja, en))
                }
                Err(crate::imports::RevertRefusal::Forbidden(cells)) => Err(AppError::forbidden(
                    "revert_forbidden",
                    "現在は記入権限のないセルがあるため、元に戻せません（担当範囲外、またはシートのステータスが変わりました）。",
                    "You may no longer write some of the cells, so the import cannot be reverted.",
                )
                .with("cells", cells)),
                Err(crate::imports::RevertRefusal::Conflicts(conflicts)) => Err(AppError::conflict(
                    "changed_since",
                    "後から変更されたセルがあるため、元に戻せません。一覧のセルを確認してください。",
                    "Some cells changed after the import, so it cannot be reverted. Check the cells listed.",
                )
                .with("conflicts", conflicts)),
            }
        })
        .await
}

/// `GET /api/imports/{id}/error-file`: the uploaded rows that failed, with an
/// error column, to fix and upload again. Same permission as the details.
#[utoipa::path(
    get, summary = "The error file of an import", path = "/api/imports/{id}/error-file", tag = "evaluation",
    params(("id" = String, Path, description = "Import id.")),
    responses(
        (status = 200, description = "The uploaded rows that failed, with an error column, to fix and upload again.", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in (no or an expired session).", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Only evaluation admins and the import's operator.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such import, or it had no errors.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn error_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    state
        .store
        .run(move |store| {
            let record = crate::imports::visible_import(store, &caller, &id)?;
            let bytes = store.error_file(&caller.tenant, &id)?.ok_or_else(|| {
                AppError::not_found(
                    "no_error_file",
                    "このインポートにはエラーがないため、エラーファイルはありません。",
                    "This import had no errors, so it has no error file.",
                )
            })?;
            Ok(crate::http::attachment(
                CSV_UTF8,
                &format!("errors_{}.csv", record.id),
                bytes,
            ))
        })
        .await
}
