//! HTTP handlers of batch linkage: the admin's settings and conditions
//! (session, evaluation admins only), and the batch API the scheduler client
//! calls (token or user id + password, allowed addresses only).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sheetlink_engine::linkage::{Catalog, OutputEncoding};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::linkage::access::{authenticate, client_ip, issue_token, parse_allowed};
use crate::linkage::catalog::tenant_catalog;
use crate::linkage::module::{batch_script, shell_script};
use crate::linkage::stored_condition;
use crate::linkage::{
    LinkageRun, RunKind, SettingsView, StoredCondition, StoredExportCondition,
    StoredImportCondition, TimelinePost, check_emails,
};
use crate::store::{Linkage, Organisation as _, Saved};
use sheetlink_protocol::accounts::AuditAction;
pub use sheetlink_protocol::linkage::IssuedToken;
pub use sheetlink_protocol::org::MemberView;

/// Adds the audit entry of a linkage change right after it committed (the
/// linkage writes are their own transactions; an entry can only be missing
/// if the server stops between the two).
fn record(
    store: &impl crate::store::Accounts,
    caller: &Caller,
    action: AuditAction,
    target: &str,
) -> Result<(), AppError> {
    crate::accounts::record_linkage_change(store, caller, action, target)
}

pub(crate) fn require_admin(caller: &Caller) -> Result<(), AppError> {
    if crate::permissions::may_manage_linkage(&caller.member) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_a_linkage_admin",
            "バッチ連携の設定はCRM管理者だけが行えます。",
            "Only CRM admins manage batch linkage.",
        ))
    }
}

/// `GET /api/linkage/settings`.
#[utoipa::path(
    get, summary = "The batch-linkage settings", path = "/api/linkage/settings", tag = "linkage",
    responses((status = 200, description = "The settings (the token's hash is never shown).", body = SettingsView), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SettingsView>, AppError> {
    require_admin(&caller)?;
    let settings = state
        .store
        .run(move |store| store.linkage_settings(&caller.tenant))
        .await?;
    Ok(Json(settings.into()))
}

/// `PUT /api/linkage/settings`: every field checked (addresses, at most 20
/// e-mails, timeline targets are members); the token is kept.
#[utoipa::path(
    put, summary = "Save the batch-linkage settings", path = "/api/linkage/settings", tag = "linkage",
    request_body = SettingsView,
    responses((status = 200, description = "Saved; the token is kept.", body = SettingsView), (status = 400, description = "An address, an e-mail (at most 20) or a timeline target is not acceptable.", body = sheetlink_protocol::ErrorBody), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::JsonBody(update): crate::http::JsonBody<SettingsView>,
) -> Result<Json<SettingsView>, AppError> {
    require_admin(&caller)?;
    parse_allowed(&update.allowed_ips).map_err(|e| e.bad_request("allowed_ips_invalid"))?;
    check_emails(&update.emails).map_err(|e| e.bad_request("emails_invalid"))?;
    let saved = state
        .store
        .run(move |store| {
            let saved = crate::linkage::save_settings(store, &caller.tenant, update)?;
            record(store, &caller, AuditAction::LinkageSettingsChanged, "")?;
            Ok(saved)
        })
        .await?;
    Ok(Json(saved.into()))
}

/// `POST /api/linkage/token`: issues (or re-issues) the batch token; the
/// previous token stops working at once.
#[utoipa::path(
    post, summary = "Issue the batch token", path = "/api/linkage/token", tag = "linkage",
    responses((status = 200, description = "The token, shown this once (only its hash is kept); the previous token stops working at once.", body = IssuedToken), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn post_token(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<IssuedToken>, AppError> {
    require_admin(&caller)?;
    let issued = state
        .store
        .run(move |store| {
            let (token, settings, replaced) =
                store.update_linkage_settings(&caller.tenant, |settings| {
                    let replaced = settings.token_issued_at.is_some();
                    Ok((issue_token(&caller.tenant, settings)?, settings.clone(), replaced))
                })?;
            record(store, &caller, AuditAction::TokenIssued, "")?;
            let (mut warning, mut warning_en) = (
                "このトークンは今だけ表示されます。コピーして linkage.conf の linkage.token に設定してください。".to_owned(),
                "This token is shown only now: copy it into linkage.token of linkage.conf.".to_owned(),
            );
            if replaced {
                warning.push_str("以前のトークンは使えなくなりました。");
                warning_en.push_str(" The previous token no longer works.");
            }
            Ok(IssuedToken {
                token,
                issued_at: settings.token_issued_at.unwrap_or_default(),
                warning,
                warning_en,
            })
        })
        .await?;
    Ok(Json(issued))
}

/// `GET /api/linkage/catalog`: the tenant's CRM sheets and their fields.
#[utoipa::path(
    get, summary = "The tenant's CRM sheets and their fields", path = "/api/linkage/catalog", tag = "linkage",
    responses((status = 200, description = "The standard CRM sheets with the tenant's custom fields and options, then its extension sheets.", body = Catalog), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn catalog(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Catalog>, AppError> {
    require_admin(&caller)?;
    let catalog = state
        .store
        .run(move |store| tenant_catalog(store, &caller.tenant))
        .await?;
    Ok(Json(catalog))
}

/// `GET /api/linkage/catalog/additions`: what the tenant added.
#[utoipa::path(
    get, summary = "The tenant's additions to the standard CRM", path = "/api/linkage/catalog/additions", tag = "linkage",
    responses((status = 200, description = "Extension sheets, custom fields on standard sheets, added dropdown options.", body = sheetlink_engine::linkage::CatalogAdditions), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn catalog_additions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<sheetlink_engine::linkage::CatalogAdditions>, AppError> {
    require_admin(&caller)?;
    let additions = state
        .store
        .run(move |store| store.catalog_additions(&caller.tenant))
        .await?;
    Ok(Json(additions))
}

/// `PUT /api/linkage/catalog/additions`: replaces what the tenant added.
#[utoipa::path(
    put, summary = "Save the tenant's additions to the standard CRM", path = "/api/linkage/catalog/additions", tag = "linkage",
    request_body = sheetlink_engine::linkage::CatalogAdditions,
    responses(
        (status = 200, description = "Saved (audited): the tenant's catalog as it now is.", body = Catalog),
        (status = 400, description = "An id, name, relation or option the catalog cannot take; every problem said.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "A field holding values removed or changed in type, an option in use removed, or a sheet with records removed: named, with the count. Or `catalog_changed`: the body's `revision` is not the stored one (another save came first; `revision` says the current one) — reload and change again.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn save_catalog_additions(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::JsonBody(additions): crate::http::JsonBody<
        sheetlink_engine::linkage::CatalogAdditions,
    >,
) -> Result<Json<Catalog>, AppError> {
    let catalog = state
        .store
        .run(move |store| super::catalog::save(store, &caller, additions))
        .await?;
    Ok(Json(catalog))
}

pub(crate) fn condition_problems(
    problems: Vec<sheetlink_engine::linkage::ConditionProblem>,
) -> AppError {
    let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
    AppError::bad_request_lines("condition_invalid", &problems, |p, lang| p.message(lang))
        .with("problems", codes)
}

fn check_key(key: &str) -> Result<(), AppError> {
    if sheetlink_engine::linkage::valid_key(key) {
        return Ok(());
    }
    let problem = sheetlink_engine::linkage::ConditionProblem {
        mapping_row: None,
        issue: sheetlink_engine::linkage::ConditionIssue::BadKey,
    };
    Err(condition_problems(vec![problem]))
}

fn check<T: StoredCondition>(stored: &T, catalog: &Catalog) -> Result<(), AppError> {
    check_key(stored.key())?;
    let problems = stored.problems(catalog);
    if !problems.is_empty() {
        return Err(condition_problems(problems));
    }
    check_emails(stored.emails()).map_err(|e| e.bad_request("emails_invalid"))
}

/// A condition's 社員 to notify: at most [`MAX_STAFF_NOTIFIED`], each an
/// existing record of the 社員 sheet.
fn check_staff(
    store: &impl Linkage,
    tenant: &str,
    catalog: &Catalog,
    staff: &[String],
) -> Result<(), AppError> {
    use sheetlink_protocol::linkage::MAX_STAFF_NOTIFIED;
    if staff.is_empty() {
        return Ok(());
    }
    if staff.len() > MAX_STAFF_NOTIFIED {
        return Err(AppError::bad_request(
            "too_many_staff",
            format!(
                "通知先の社員は{MAX_STAFF_NOTIFIED}人までです（{}人指定されています）。",
                staff.len()
            ),
            format!(
                "At most {MAX_STAFF_NOTIFIED} staff records can be notified ({} given).",
                staff.len()
            ),
        ));
    }
    let sheet = catalog.sheet(super::STAFF_SHEET).ok_or_else(|| {
        AppError::bad_request(
            "no_staff_sheet",
            "社員シートがないため、社員への通知は設定できません。",
            "There is no 社員 sheet, so staff cannot be notified.",
        )
    })?;
    let ids: Vec<&str> = staff.iter().map(String::as_str).collect();
    let found = store.records_by_id(tenant, sheet, &ids)?;
    if let Some(missing) = staff.iter().find(|id| !found.iter().any(|r| &r.id == *id)) {
        return Err(AppError::bad_request(
            "unknown_staff",
            format!(
                "通知先の社員レコード「{missing}」が見つかりません。社員を選び直してください。"
            ),
            format!("No 社員 record {missing}: pick the staff member again."),
        ));
    }
    Ok(())
}

/// `GET /api/linkage/{import,export}-conditions`.
async fn list_conditions<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<T>>, AppError> {
    require_admin(&caller)?;
    Ok(Json(
        state
            .store
            .run(move |store| store.conditions::<T>(&caller.tenant))
            .await?,
    ))
}

/// `GET /api/linkage/{import,export}-conditions/{key}`.
async fn get_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Json<T>, AppError> {
    require_admin(&caller)?;
    Ok(Json(
        state
            .store
            .run(move |store| crate::linkage::stored_condition::<T>(store, &caller.tenant, &key))
            .await?,
    ))
}

/// Saves a condition: `create` (no `path_key`) refuses an existing key
/// (409), otherwise the key in the path must exist and equal the body's.
fn save<T: StoredCondition>(
    store: &impl Linkage,
    tenant: &str,
    path_key: Option<&str>,
    value: &T,
) -> Result<Response, AppError> {
    let key = value.key();
    if path_key.is_some_and(|path| path != key) {
        return Err(AppError::bad_request(
            "key_changed",
            "条件のキーは変更できません。別のキーにするには、新しい条件を作成してください。",
            "A condition's key cannot change: create a new condition for another key.",
        ));
    }
    match store.save_condition(tenant, value, path_key.is_none())? {
        Saved::Done => {}
        Saved::Exists => {
            return Err(AppError::conflict(
                "duplicate_key",
                format!("キー「{key}」は既に使われています。別のキーにしてください。"),
                format!("The key {key} is already used: choose another."),
            ));
        }
        Saved::Missing => return Err(crate::linkage::no_condition()),
    }
    let status = if path_key.is_none() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(serde_json::to_value(value).map_err(AppError::internal)?),
    )
        .into_response())
}

/// `POST /api/linkage/{import,export}-conditions`.
async fn create_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::JsonBody(body): crate::http::JsonBody<T>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    state
        .store
        .run(move |store| {
            let catalog = tenant_catalog(store, &caller.tenant)?;
            check(&body, &catalog)?;
            check_staff(store, &caller.tenant, &catalog, body.staff())?;
            let saved = save(store, &caller.tenant, None, &body)?;
            record(store, &caller, AuditAction::ConditionSaved, body.key())?;
            Ok(saved)
        })
        .await
}

/// `PUT /api/linkage/{import,export}-conditions/{key}`.
async fn update_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    crate::http::JsonBody(body): crate::http::JsonBody<T>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    state
        .store
        .run(move |store| {
            let catalog = tenant_catalog(store, &caller.tenant)?;
            check(&body, &catalog)?;
            check_staff(store, &caller.tenant, &catalog, body.staff())?;
            let saved = save(store, &caller.tenant, Some(&key), &body)?;
            record(store, &caller, AuditAction::ConditionSaved, &key)?;
            Ok(saved)
        })
        .await
}

/// `DELETE /api/linkage/{import,export}-conditions/{key}`.
async fn delete_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<StatusCode, AppError> {
    require_admin(&caller)?;
    state
        .store
        .run(move |store| {
            if store.delete_condition::<T>(&caller.tenant, &key)? {
                record(store, &caller, AuditAction::ConditionDeleted, &key)?;
                Ok(StatusCode::NO_CONTENT)
            } else {
                Err(crate::linkage::no_condition())
            }
        })
        .await
}

/// `?os=` of a script download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScriptQuery {
    /// `linux` (default) or `windows`.
    #[serde(default)]
    pub os: Option<String>,
}

/// `GET /api/linkage/{import,export}-conditions/{key}/script?os=linux|windows`.
async fn condition_script<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<ScriptQuery>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    let found: T = state
        .store
        .run(move |store| crate::linkage::stored_condition::<T>(store, &caller.tenant, &key))
        .await?;
    let (direction, key) = (T::DIRECTION, found.key());
    let (body, extension) = if query.os.as_deref() == Some("windows") {
        (batch_script(direction, key), "bat")
    } else {
        (shell_script(direction, key), "sh")
    };
    Ok(crate::http::attachment(
        "text/plain; charset=utf-8",
        &format!("{}_{key}.{extension}", direction.as_str()),
        body,
    ))
}

/// Client-module request: the token just issued, to fill in.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct ModuleRequest {
    /// Embedded only when it is the tenant's current token.
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /api/linkage/client-module`: the zip with `linkage.conf` (server URL
/// and, when given and current, the token) and every condition's scripts.
#[utoipa::path(
    post, summary = "The batch client module (zip)", path = "/api/linkage/client-module", tag = "linkage",
    request_body = ModuleRequest,
    responses(
        (status = 200, description = "The batch client module (zip): linkage.conf with the server's public URL (and the token, when the one given is current) and a .sh and a .bat per condition.", content_type = "application/zip", body = String),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly, (status = 409, description = "The server's public URL is not set.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn client_module(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::JsonBody(request): crate::http::JsonBody<ModuleRequest>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    // The URL the clients will call is the operator's to say: the request's
    // `Host` is chosen by whoever sends it.
    let url = state.config.public_url.clone().ok_or_else(|| {
        AppError::conflict(
            "public_url_missing",
            "クライアントモジュールを作成できません。サーバーの公開URL（設定 public_url、環境変数 SHEETLINK_PUBLIC_URL。例: https://sheetlink.example.co.jp）を設定してください。",
            "The client module needs the server's public URL: set public_url (SHEETLINK_PUBLIC_URL), e.g. https://sheetlink.example.co.jp.",
        )
    })?;
    let programs = crate::linkage::module::programs_dir(state.config.client_dir.as_deref());
    let cache = state.client_programs.clone();
    let bytes = state
        .store
        .run(move |store| {
            crate::linkage::module::client_module(
                store,
                &caller.tenant,
                &url,
                request.token,
                programs.as_deref(),
                &cache,
            )
        })
        .await?;
    Ok(crate::http::attachment(
        "application/zip",
        "sheetlink-client.zip",
        bytes,
    ))
}

/// `GET /api/linkage/client-module`: which client programs a module built
/// now holds, for the screen to say what is missing before the download.
#[utoipa::path(
    get, summary = "What the batch client module holds", path = "/api/linkage/client-module", tag = "linkage",
    responses(
        (status = 200, description = "Each client program (Linux, Windows) with its size, or `bytes: null` when the server does not hold it (the module is then built without it).", body = sheetlink_protocol::linkage::ClientModuleInfo),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn client_module_info(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<sheetlink_protocol::linkage::ClientModuleInfo>, AppError> {
    require_admin(&caller)?;
    let dir = crate::linkage::module::programs_dir(state.config.client_dir.as_deref());
    let info =
        tokio::task::spawn_blocking(move || crate::linkage::module::module_info(dir.as_deref()))
            .await
            .map_err(AppError::internal)?;
    Ok(Json(info))
}

/// `?sheet=&kind=&key=` of the run history.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Only this sheet's runs.
    #[serde(default)]
    pub sheet: Option<String>,
    /// Only runs of this type (`batch`, `manual`).
    #[serde(default)]
    pub kind: Option<RunKind>,
    /// Only runs of the condition with this key (a manual import mapped on
    /// the spot has none).
    #[serde(default)]
    pub key: Option<String>,
}

impl RunsQuery {
    /// Whether `run` is one the query asks for.
    fn wants(&self, run: &LinkageRun) -> bool {
        self.sheet.as_deref().is_none_or(|s| s == run.sheet)
            && self.kind.is_none_or(|k| k == run.kind)
            && self
                .key
                .as_deref()
                .is_none_or(|k| k == run.key && !run.on_the_spot)
    }
}

/// `GET /api/linkage/runs[?sheet=&kind=&key=]`: the latest 100 runs (of the
/// sheet, type and condition asked for), newest first, without their
/// per-row results.
#[utoipa::path(
    get, summary = "The batch-run history", path = "/api/linkage/runs", tag = "linkage", params(RunsQuery),
    responses((status = 200, description = "The latest 100 batch runs, newest first, without their rows.", body = Vec<LinkageRun>), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn runs(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::QueryParams(query): crate::http::QueryParams<RunsQuery>,
) -> Result<Json<Vec<LinkageRun>>, AppError> {
    require_admin(&caller)?;
    let runs = state
        .store
        .run(move |store| {
            let mut runs = Vec::new();
            store.runs_newest_first(&caller.tenant, &mut |run| {
                if query.wants(&run.head) {
                    runs.push(run.render());
                }
                runs.len() < 100
            })?;
            Ok(runs)
        })
        .await?;
    Ok(Json(runs))
}

/// `GET /api/linkage/runs/{id}`: one run with its per-row results.
#[utoipa::path(
    get, summary = "One batch run with its rows", path = "/api/linkage/runs/{id}", tag = "linkage",
    params(("id" = String, Path, description = "Run id.")),
    responses((status = 200, description = "One run with its stored row results (the first 1,000).", body = LinkageRun), crate::openapi::SignedIn, crate::openapi::AdminsOnly, (status = 404, description = "No such run.", body = sheetlink_protocol::ErrorBody))
)]
pub async fn run_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LinkageRun>, AppError> {
    require_admin(&caller)?;
    let run = state
        .store
        .run(move |store| {
            store
                .linkage_run(&caller.tenant, &id)?
                .map(|run| run.render())
                .ok_or_else(|| {
                    AppError::not_found(
                        "unknown_run",
                        "この連携履歴は見つかりません。履歴から選び直してください。",
                        "No such run. Pick it again from the history.",
                    )
                })
        })
        .await?;
    Ok(Json(run))
}

/// `GET /api/timeline`: the latest 100 posts addressed to the caller
/// (admins see every post of the tenant).
#[utoipa::path(
    get, summary = "The timeline", path = "/api/timeline", tag = "linkage",
    responses((status = 200, description = "The latest 100 posts addressed to the caller (admins: every post).", body = Vec<TimelinePost>), crate::openapi::SignedIn)
)]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TimelinePost>>, AppError> {
    let posts = state
        .store
        .run(move |store| {
            let admin = crate::permissions::may_manage_linkage(&caller.member);
            let mut posts = Vec::new();
            store.timeline_newest_first(&caller.tenant, &mut |post| {
                if admin || post.targets.contains(&caller.member.id) {
                    posts.push(post);
                }
                posts.len() < 100
            })?;
            Ok(posts)
        })
        .await?;
    Ok(Json(posts))
}

fn peer_ip(
    state: &AppState,
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
) -> Option<std::net::IpAddr> {
    client_ip(peer, headers, &state.trusted_proxies)
}

/// `POST /api/batch/imports/{key}`: a batch import by the scheduler client.
/// The CSV is the body; an `Idempotency-Key` makes retries apply once.
#[utoipa::path(
    post, summary = "Batch import by condition key", path = "/api/batch/imports/{key}", tag = "batch",
    security(("bearerToken" = []), ("basicPassword" = [])),
    params(
        ("key" = String, Path, description = "The import condition's key."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry apply once (1 to 200 visible ASCII characters)."),
    ),
    request_body(content = String, content_type = "text/csv", description = "The file, in the condition's encoding (`Content-Encoding: gzip` accepted)."),
    responses(
        (status = 200, description = "The run: counts and row results (every row up to 10,000 rows, else the failed and skipped ones); a replay has `Idempotent-Replayed: true`.", body = LinkageRun),
        (status = 202, description = "A retry of a run still applying (its first request's client hung up, say): the run, `running`; follow it with `GET /api/batch/runs/{id}`.", body = LinkageRun),
        (status = 401, description = "Wrong or missing credentials, or the other authentication method.", body = sheetlink_protocol::ErrorBody),
        (status = 403, description = "Batch linkage is off, or the client's address is not allowed.", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "No such import condition.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for another file.", body = sheetlink_protocol::ErrorBody),
        (status = 413, description = "Over 30 MB.", body = sheetlink_protocol::ErrorBody),
        (status = 429, description = "Too many failed attempts from this address, or the tenant's hourly CRM imports reached (`too_many_imports`): retry after `retry_after_seconds`.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn batch_import(
    State(state): State<AppState>,
    Path(key): Path<String>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, AppError> {
    let client = peer_ip(&state, peer.as_deref(), &headers);
    let caller = {
        let headers = headers.clone();
        let throttle = state.login_throttle.clone();
        match state
            .store
            .run(move |store| Ok(authenticate(store, &headers, client, &throttle)))
            .await?
        {
            Ok(caller) => caller,
            Err(refusal) => return Ok(refusal.into_response()),
        }
    };
    let csv = match crate::http::read_csv(&headers, body).await {
        Ok(csv) => csv,
        Err(response) => return Ok(response),
    };
    let idempotency = crate::idempotency::Key::optional(
        &caller.tenant,
        crate::idempotency::Scope::Batch { condition: &key },
        &headers,
        &csv,
    )?;
    let offset = state.config.timezone_offset_minutes;
    let per_hour = state.config.crm_imports_per_hour;
    // Claim, lock and apply are one task of their own: a client that hangs
    // up — even while the claim waits for the store's writer — drops only
    // its wait for the answer.
    let state = state.clone();
    tokio::spawn(async move {
        // Claimed before the tenant's lock is waited for: a retry of a run
        // in progress is answered at once.
        let claim = {
            let (caller, key, idempotency) = (caller.clone(), key.clone(), idempotency.clone());
            state
                .store
                .run(move |store| {
                    let stored: StoredImportCondition =
                        stored_condition(store, &caller.tenant, &key)?;
                    let what = crate::linkage::claim::Claiming {
                        tenant: &caller.tenant,
                        kind: crate::linkage::RunKind::Batch,
                        on_the_spot: false,
                        key: &key,
                        sheet: &stored.condition.sheet,
                        actor: &caller.actor,
                    };
                    Ok(
                        match crate::linkage::claim::claim(
                            store,
                            what,
                            idempotency.as_ref(),
                            per_hour,
                        )? {
                            crate::linkage::claim::Claim::Go(claimed) => {
                                let unfinished = crate::linkage::claim::Unfinished::new(
                                    store,
                                    &caller.tenant,
                                    &claimed,
                                );
                                Ok((claimed, unfinished))
                            }
                            crate::linkage::claim::Claim::Answer(answer) => Err(answer),
                        },
                    )
                })
                .await?
        };
        let (claimed, unfinished) = match claim {
            Ok(claimed) => claimed,
            Err(answer) => return Ok(answer.into_response()),
        };
        let tenant = caller.tenant.clone();
        let run = state
            .run_exclusive(&tenant, move |store| {
                let run = crate::linkage::apply::start_import(
                    store,
                    &caller,
                    &key,
                    &csv,
                    &claimed,
                    idempotency.as_ref(),
                    offset,
                );
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

/// `GET /api/batch/runs/{id}`: one of the tenant's runs with its row
/// results, for the batch client following a run it started (a retry
/// answered `202` names a run still applying).
#[utoipa::path(
    get, summary = "A run, for the batch client", path = "/api/batch/runs/{id}", tag = "batch",
    security(("bearerToken" = []), ("basicPassword" = [])),
    params(("id" = String, Path, description = "The run's id.")),
    responses(
        (status = 200, description = "The run: `running` while it applies, then its counts and row results.", body = LinkageRun),
        (status = 401, description = "Wrong or missing credentials.", body = sheetlink_protocol::ErrorBody),
        (status = 403, description = "Batch linkage is off, or the address is not allowed.", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "No such run.", body = sheetlink_protocol::ErrorBody),
        (status = 429, description = "Too many failed attempts from this address.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn batch_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let client = peer_ip(&state, peer.as_deref(), &headers);
    let throttle = state.login_throttle.clone();
    state
        .store
        .run(move |store| {
            let caller = match authenticate(store, &headers, client, &throttle) {
                Ok(caller) => caller,
                Err(refusal) => return Ok(refusal.into_response()),
            };
            let run = store
                .linkage_run(&caller.tenant, &id)?
                .filter(|run| run.head.direction == crate::linkage::Direction::Import)
                .ok_or_else(|| {
                    AppError::not_found(
                        "unknown_run",
                        "この実行はありません。実行IDを確認してください。",
                        "No such run: check the run id.",
                    )
                })?;
            Ok(Json(run.render()).into_response())
        })
        .await
}

/// `GET /api/batch/exports/{key}`: a batch export; the file in the
/// condition's encoding, or 422 listing the cells Shift_JIS cannot hold.
#[utoipa::path(
    get, summary = "Batch export by condition key", path = "/api/batch/exports/{key}", tag = "batch",
    security(("bearerToken" = []), ("basicPassword" = [])),
    params(("key" = String, Path, description = "The export condition's key.")),
    responses(
        (status = 200, description = "The file in the condition's encoding; `X-Sheetlink-Rows` gives the row count.", content_type = "text/csv", body = String),
        (status = 401, description = "Wrong or missing credentials.", body = sheetlink_protocol::ErrorBody), (status = 403, description = "Batch linkage is off, or the address is not allowed.", body = sheetlink_protocol::ErrorBody), (status = 404, description = "No such export condition.", body = sheetlink_protocol::ErrorBody),
        (status = 422, description = "Characters Shift_JIS cannot hold (`cells`, the first 100): nothing was written.", body = sheetlink_protocol::ErrorBody),
        (status = 429, description = "Too many failed attempts from this address.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn batch_export(
    State(state): State<AppState>,
    Path(key): Path<String>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let client = peer_ip(&state, peer.as_deref(), &headers);
    let offset = state.config.timezone_offset_minutes;
    let throttle = state.login_throttle.clone();
    state
        .store
        .run(move |store| {
            let caller = match authenticate(store, &headers, client, &throttle) {
                Ok(caller) => caller,
                Err(refusal) => return Ok(refusal.into_response()),
            };
            let (stored, written) =
                crate::linkage::apply::start_export(store, &caller, &key, offset)?;
            let charset = match stored.condition.encoding {
                OutputEncoding::ShiftJis => "text/csv; charset=shift_jis",
                _ => "text/csv; charset=utf-8",
            };
            let file_name = format!("{}.csv", stored.condition.key);
            let mut answer = crate::http::attachment(charset, &file_name, written.bytes);
            answer.headers_mut().insert(
                axum::http::HeaderName::from_static("x-sheetlink-rows"),
                written.rows.into(),
            );
            Ok(answer)
        })
        .await
}

/// `POST /api/linkage/export-preview`: the first 20 rows an export
/// condition would write now, for the export wizard.
#[utoipa::path(
    post, summary = "Preview an export condition", path = "/api/linkage/export-preview", tag = "linkage",
    request_body = sheetlink_engine::linkage::ExportCondition,
    responses((status = 200, description = "The first 20 rows the condition would write now.", body = sheetlink_engine::linkage::ExportPreview), (status = 400, description = "The condition is not acceptable (`problems`).", body = sheetlink_protocol::ErrorBody), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn export_preview(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::JsonBody(condition): crate::http::JsonBody<
        sheetlink_engine::linkage::ExportCondition,
    >,
) -> Result<Json<sheetlink_engine::linkage::ExportPreview>, AppError> {
    require_admin(&caller)?;
    let preview = state
        .store
        .run(move |store| {
            let catalog = tenant_catalog(store, &caller.tenant)?;
            let sheet = catalog.sheet(&condition.sheet).ok_or_else(|| {
                AppError::bad_request(
                    "unknown_sheet",
                    format!(
                        "シート「{}」はありません。シートを選び直してください。",
                        condition.sheet
                    ),
                    format!("No sheet {}: pick the sheet again.", condition.sheet),
                )
            })?;
            preview_of(store, &caller.tenant, &catalog, sheet, &condition)
        })
        .await?;
    Ok(Json(preview))
}

/// Records a preview reads at most (in pages of the records screen, by the
/// first sort key through the index, the search applied as it reads).
const PREVIEW_READ: usize = 1_000;

/// The first 20 rows an export condition writes now, reading a bounded part
/// of the sheet: pages in the first sort key's order (through the index)
/// until [`PREVIEW_READ`] matching records, the end, or a page that hit the
/// records screen's examined bound (20,000). The rows are the export's own when ties on the
/// first sort key do not run past what was read; the total is exact when
/// the whole sheet was read or nothing is filtered (the sheet's size), a
/// lower bound otherwise.
fn preview_of(
    store: &(impl Linkage + crate::store::Records),
    tenant: &str,
    catalog: &Catalog,
    sheet: &sheetlink_engine::linkage::Sheet,
    condition: &sheetlink_engine::linkage::ExportCondition,
) -> Result<sheetlink_engine::linkage::ExportPreview, AppError> {
    // The condition's own problems first, as the export would say them.
    let problems = condition.check(catalog);
    if !problems.is_empty() {
        return Err(condition_problems(problems));
    }
    let filter = condition
        .filter
        .as_ref()
        .map(|filter| sheetlink_engine::linkage::RecordFilter::new(filter, sheet))
        .transpose()
        .map_err(condition_problems)?;
    let first_key = condition.sort.first();
    let mut records = Vec::new();
    let mut after: Option<String> = None;
    let whole = loop {
        let page =
            store.record_page(tenant, sheet, first_key, filter.as_ref(), after.as_deref())?;
        records.extend(page.records);
        match page.next {
            None if !page.partial => break true,
            // A page that examined its bound without filling (a search that
            // matches little) ends the preview: it reads no further.
            _ if page.partial || records.len() >= PREVIEW_READ => break false,
            None => break false,
            Some(next) => after = Some(next),
        }
    };
    // In id order, as the export reads the sheet: its sort is stable, so
    // ties keep that order here too.
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let related = super::apply::related_values(store, tenant, catalog, condition, &records)?;
    let mut preview =
        sheetlink_engine::linkage::export_preview(condition, catalog, &records, &related, 20)
            .map_err(condition_problems)?;
    if !whole {
        if filter.is_none() {
            preview.total =
                usize::try_from(store.record_count(tenant, &sheet.id)?).unwrap_or(usize::MAX);
        } else {
            preview.total_at_least = true;
        }
    }
    Ok(preview)
}

/// `GET /api/linkage/members`: the tenant's members (id and name), for the
/// notification pickers.
#[utoipa::path(
    get, summary = "Members for pickers", path = "/api/linkage/members", tag = "linkage",
    responses((status = 200, description = "The tenant's members, for the notification pickers.", body = Vec<MemberView>), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MemberView>>, AppError> {
    require_admin(&caller)?;
    let members = state
        .store
        .run(move |store| {
            Ok(store
                .members(&caller.tenant)?
                .into_iter()
                .map(|m| MemberView {
                    id: m.id,
                    name: m.name,
                })
                .collect())
        })
        .await?;
    Ok(Json(members))
}

/// Which page of a list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Index of the first entry (0 for the first page).
    #[serde(default)]
    pub offset: usize,
}

/// What a list export writes.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListExportQuery {
    /// The sheet whose records are written.
    pub sheet: String,
    /// Shift_JIS (default UTF-8 with BOM).
    #[serde(default)]
    pub shift_jis: bool,
}

/// `GET /api/linkage/lists`.
#[utoipa::path(
    get, summary = "The lists and their counts", path = "/api/linkage/lists", tag = "linkage",
    responses((status = 200, description = "Every list, in name order, with its records per sheet.", body = Vec<sheetlink_protocol::linkage::ListSummary>), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn lists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<sheetlink_protocol::linkage::ListSummary>>, AppError> {
    let lists = state
        .store
        .run(move |store| {
            super::lists::summaries(store, &tenant_catalog(store, &caller.tenant)?, &caller)
        })
        .await?;
    Ok(Json(lists))
}

/// `GET /api/linkage/lists/{name}?offset=N`.
#[utoipa::path(
    get, summary = "A page of a list's records", path = "/api/linkage/lists/{name}", tag = "linkage",
    params(("name" = String, Path, description = "List name."), ListQuery),
    responses(
        (status = 200, description = "The list's counts and up to 100 of its records from `offset`, named, marked when deleted.", body = sheetlink_protocol::linkage::ListPage),
        (status = 404, description = "No such list.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<ListQuery>,
) -> Result<Json<sheetlink_protocol::linkage::ListPage>, AppError> {
    let page = state
        .store
        .run(move |store| {
            super::lists::page(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &name,
                query.offset,
            )
        })
        .await?;
    Ok(Json(page))
}

/// `POST /api/linkage/lists/{name}/remove`.
#[utoipa::path(
    post, summary = "Take records out of a list", path = "/api/linkage/lists/{name}/remove", tag = "linkage",
    params(("name" = String, Path, description = "List name.")),
    request_body = sheetlink_protocol::linkage::ListRemoval,
    responses(
        (status = 200, description = "The list without them (the records themselves are untouched).", body = sheetlink_protocol::linkage::ListSummary),
        (status = 404, description = "No such list.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn remove_from_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    crate::http::JsonBody(removal): crate::http::JsonBody<sheetlink_protocol::linkage::ListRemoval>,
) -> Result<Json<sheetlink_protocol::linkage::ListSummary>, AppError> {
    let list = state
        .store
        .run(move |store| {
            super::lists::remove(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &name,
                Some(&removal.entries),
            )
        })
        .await?;
    Ok(Json(list))
}

/// `POST /api/linkage/lists/{name}/clear`.
#[utoipa::path(
    post, summary = "Clear a list", path = "/api/linkage/lists/{name}/clear", tag = "linkage",
    params(("name" = String, Path, description = "List name.")),
    responses(
        (status = 200, description = "The list, empty (its name stays, to be picked again; the records are untouched).", body = sheetlink_protocol::linkage::ListSummary),
        (status = 404, description = "No such list.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn clear_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<sheetlink_protocol::linkage::ListSummary>, AppError> {
    let list = state
        .store
        .run(move |store| {
            super::lists::remove(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &name,
                None,
            )
        })
        .await?;
    Ok(Json(list))
}

/// `GET /api/linkage/lists/{name}/export?sheet=…`.
#[utoipa::path(
    get, summary = "One sheet's records of a list as CSV", path = "/api/linkage/lists/{name}/export", tag = "linkage",
    params(("name" = String, Path, description = "List name."), ListExportQuery),
    responses(
        (status = 200, description = "Every field, headed by its label, one row per record of the sheet in the list (UTF-8 with BOM or Shift_JIS).", content_type = "text/csv", body = String),
        (status = 404, description = "No such list.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn export_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<ListExportQuery>,
) -> Result<Response, AppError> {
    let shift_jis = query.shift_jis;
    let file_name = format!("list_{}.csv", query.sheet);
    let bytes = state
        .store
        .run(move |store| {
            super::lists::export_sheet(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &name,
                &query.sheet,
                shift_jis,
            )
        })
        .await?;
    Ok(csv_attachment(shift_jis, &file_name, bytes))
}

/// A CSV file to download, its charset said.
fn csv_attachment(shift_jis: bool, file_name: &str, bytes: Vec<u8>) -> Response {
    let content_type = if shift_jis {
        "text/csv; charset=Shift_JIS"
    } else {
        "text/csv; charset=utf-8"
    };
    crate::http::attachment(content_type, file_name, bytes)
}

/// The condition routes of one direction, concrete (the generic handlers
/// above serve both) so that each operation has its OpenAPI entry.
macro_rules! condition_routes {
    ($module:ident, $stored:ty, $kind:literal, $list:literal, $one:literal, $script:literal) => {
        #[doc = concat!("The ", $kind, " condition routes.")]
        pub mod $module {
            use super::*;

            #[doc = concat!("Every ", $kind, " condition, in key order.")]
            #[utoipa::path(get, summary = concat!("Every ", $kind, " condition, in key order."), path = $list, tag = "linkage",
                responses((status = 200, description = "The conditions.", body = Vec<$stored>),
                    crate::openapi::SignedIn,
                    (status = 403, description = "Only evaluation admins manage batch linkage.", body = sheetlink_protocol::ErrorBody)))]
            pub async fn list(state: State<AppState>, caller: Caller) -> Result<Json<Vec<$stored>>, AppError> {
                list_conditions::<$stored>(state, caller).await
            }

            #[doc = concat!("Creates an ", $kind, " condition, checked by the engine.")]
            #[utoipa::path(post, summary = concat!("Creates an ", $kind, " condition, checked by the engine."), path = $list, tag = "linkage", request_body = $stored,
                responses((status = 201, description = "Created.", body = $stored),
                    (status = 400, description = "The engine refuses the condition (`problems`), or an e-mail is not acceptable.", body = sheetlink_protocol::ErrorBody),
                    crate::openapi::SignedIn,
                    (status = 403, description = "Only evaluation admins manage batch linkage.", body = sheetlink_protocol::ErrorBody),
                    (status = 409, description = "The key is taken.", body = sheetlink_protocol::ErrorBody)))]
            pub async fn create(state: State<AppState>, caller: Caller, body: crate::http::JsonBody<$stored>) -> Result<Response, AppError> {
                create_condition::<$stored>(state, caller, body).await
            }

            #[doc = concat!("One ", $kind, " condition.")]
            #[utoipa::path(get, summary = concat!("One ", $kind, " condition."), path = $one, tag = "linkage",
                params(("key" = String, Path, description = "The condition's key.")),
                responses((status = 200, description = "The condition.", body = $stored),
                    crate::openapi::SignedIn,
                    (status = 403, description = "Only evaluation admins manage batch linkage.", body = sheetlink_protocol::ErrorBody),
                    (status = 404, description = "No condition has this key.", body = sheetlink_protocol::ErrorBody)))]
            pub async fn get(state: State<AppState>, caller: Caller, key: Path<String>) -> Result<Json<$stored>, AppError> {
                get_condition::<$stored>(state, caller, key).await
            }

            #[doc = concat!("Replaces an ", $kind, " condition (its key cannot change).")]
            #[utoipa::path(put, summary = concat!("Replaces an ", $kind, " condition (its key cannot change)."), path = $one, tag = "linkage", request_body = $stored,
                params(("key" = String, Path, description = "The condition's key.")),
                responses((status = 200, description = "Saved.", body = $stored),
                    (status = 400, description = "The engine refuses the condition, or the key in the body differs.", body = sheetlink_protocol::ErrorBody),
                    crate::openapi::SignedIn,
                    (status = 403, description = "Only evaluation admins manage batch linkage.", body = sheetlink_protocol::ErrorBody),
                    (status = 404, description = "No condition has this key.", body = sheetlink_protocol::ErrorBody)))]
            pub async fn update(state: State<AppState>, caller: Caller, key: Path<String>, body: crate::http::JsonBody<$stored>) -> Result<Response, AppError> {
                update_condition::<$stored>(state, caller, key, body).await
            }

            #[doc = concat!("Deletes an ", $kind, " condition.")]
            #[utoipa::path(delete, summary = concat!("Deletes an ", $kind, " condition."), path = $one, tag = "linkage",
                params(("key" = String, Path, description = "The condition's key.")),
                responses((status = 204, description = "Deleted."),
                    crate::openapi::SignedIn,
                    (status = 403, description = "Only evaluation admins manage batch linkage.", body = sheetlink_protocol::ErrorBody),
                    (status = 404, description = "No condition has this key.", body = sheetlink_protocol::ErrorBody)))]
            pub async fn delete(state: State<AppState>, caller: Caller, key: Path<String>) -> Result<StatusCode, AppError> {
                delete_condition::<$stored>(state, caller, key).await
            }

            #[doc = concat!("The ", $kind, " condition's run script: `.sh` for cron, `.bat` for Task Scheduler.")]
            #[utoipa::path(get, summary = concat!("The ", $kind, " condition's run script: `.sh` for cron, `.bat` for Task Scheduler."), path = $script, tag = "linkage",
                params(("key" = String, Path, description = "The condition's key."), ScriptQuery),
                responses((status = 200, description = "The script.", content_type = "text/plain", body = String),
                    crate::openapi::SignedIn,
                    (status = 403, description = "Only evaluation admins manage batch linkage.", body = sheetlink_protocol::ErrorBody),
                    (status = 404, description = "No condition has this key.", body = sheetlink_protocol::ErrorBody)))]
            pub async fn script(state: State<AppState>, caller: Caller, key: Path<String>, query: crate::http::QueryParams<ScriptQuery>) -> Result<Response, AppError> {
                condition_script::<$stored>(state, caller, key, query).await
            }
        }
    };
}

condition_routes!(
    import_conditions,
    StoredImportCondition,
    "import",
    "/api/linkage/import-conditions",
    "/api/linkage/import-conditions/{key}",
    "/api/linkage/import-conditions/{key}/script"
);
condition_routes!(
    export_conditions,
    StoredExportCondition,
    "export",
    "/api/linkage/export-conditions",
    "/api/linkage/export-conditions/{key}",
    "/api/linkage/export-conditions/{key}/script"
);

/// `POST /api/linkage/sheets/{sheet}/records`.
#[utoipa::path(
    post, summary = "A page of a sheet's records", path = "/api/linkage/sheets/{sheet}/records", tag = "linkage",
    params(("sheet" = String, Path, description = "Sheet id (`customer`).")),
    request_body = sheetlink_protocol::records::RecordQuery,
    responses(
        (status = 200, description = "Up to 100 records in the order asked (empty values last), those the search matches, each relation named; `next` goes on. A search that examined 20,000 records without filling the page answers what it found with `partial`.", body = sheetlink_protocol::records::RecordPage),
        (status = 400, description = "The search names a field the sheet lacks, a value its type cannot hold, or is too large; or the cursor is not one this server wrote.", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "No such sheet.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn record_page(
    State(state): State<AppState>,
    caller: Caller,
    Path(sheet): Path<String>,
    Json(query): Json<sheetlink_protocol::records::RecordQuery>,
) -> Result<Json<sheetlink_protocol::records::RecordPage>, AppError> {
    let page = state
        .store
        .run(move |store| {
            super::records::page(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &sheet,
                &query,
            )
        })
        .await?;
    Ok(Json(page))
}

/// `GET /api/linkage/sheets/{sheet}/records/{id}`.
#[utoipa::path(
    get, summary = "One record, what points at it, and its history", path = "/api/linkage/sheets/{sheet}/records/{id}", tag = "linkage",
    params(("sheet" = String, Path, description = "Sheet id."), ("id" = String, Path, description = "Record id.")),
    responses(
        (status = 200, description = "The record with its relations named, the records pointing at it per sheet and field (count and the first 20), and its last 50 changes, newest first.", body = sheetlink_protocol::records::RecordDetail),
        (status = 404, description = "No such sheet or record.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn record_detail(
    State(state): State<AppState>,
    caller: Caller,
    Path((sheet, id)): Path<(String, String)>,
) -> Result<Json<sheetlink_protocol::records::RecordDetail>, AppError> {
    let detail = state
        .store
        .run(move |store| {
            super::records::detail(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &sheet,
                &id,
            )
        })
        .await?;
    Ok(Json(detail))
}

/// The query of a record's deletion.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteRecordQuery {
    /// Empty the relations of records pointing at it (else the deletion is
    /// refused while there are any).
    #[serde(default)]
    pub clear_links: bool,
}

/// `DELETE /api/linkage/sheets/{sheet}/records/{id}`.
#[utoipa::path(
    delete, summary = "Delete a record", path = "/api/linkage/sheets/{sheet}/records/{id}", tag = "linkage",
    params(("sheet" = String, Path, description = "Sheet id."), ("id" = String, Path, description = "Record id."), DeleteRecordQuery),
    responses(
        (status = 200, description = "Deleted, with its history; audited.", body = sheetlink_protocol::records::RecordDeleted),
        (status = 404, description = "No such sheet or record.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "Other records point at it (`links`: sheet, field and count each) and `clear_links` was not asked.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn delete_record(
    State(state): State<AppState>,
    caller: Caller,
    Path((sheet, id)): Path<(String, String)>,
    crate::http::QueryParams(query): crate::http::QueryParams<DeleteRecordQuery>,
) -> Result<Json<sheetlink_protocol::records::RecordDeleted>, AppError> {
    let deleted = state
        .store
        .run(move |store| {
            super::records::delete(
                store,
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &sheet,
                &id,
                query.clear_links,
            )
        })
        .await?;
    Ok(Json(deleted))
}

/// What an import template is written as.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Shift_JIS (default UTF-8 with BOM).
    #[serde(default)]
    pub shift_jis: bool,
    /// Head the columns with field ids instead of labels.
    #[serde(default)]
    pub ids: bool,
}

/// `GET /api/linkage/sheets/{sheet}/template`.
#[utoipa::path(
    get, summary = "A sheet's import template (雛形)", path = "/api/linkage/sheets/{sheet}/template", tag = "linkage",
    params(("sheet" = String, Path, description = "Sheet id."), TemplateQuery),
    responses(
        (status = 200, description = "One header row naming every field of the sheet (labels, or ids), UTF-8 with BOM or Shift_JIS.", content_type = "text/csv", body = String),
        (status = 404, description = "No such sheet.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn sheet_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(sheet): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<TemplateQuery>,
) -> Result<Response, AppError> {
    let file_name = format!(
        "{sheet}_template{}.csv",
        if query.ids { "_ids" } else { "" }
    );
    let bytes = state
        .store
        .run(move |store| {
            super::records::template(
                &tenant_catalog(store, &caller.tenant)?,
                &caller,
                &sheet,
                query.shift_jis,
                query.ids,
            )
        })
        .await?;
    Ok(csv_attachment(query.shift_jis, &file_name, bytes))
}
