//! HTTP handlers of batch linkage: the admin's settings and conditions
//! (session, evaluation admins only), and the batch API the scheduler client
//! calls (token or user id + password, allowed addresses only).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use redb::Database;
use serde::{Deserialize, Serialize};
use sheetlink_engine::Lang;
use sheetlink_engine::linkage::{Catalog, OutputEncoding, crm_catalog};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::linkage::access::{authenticate, client_ip, issue_token, parse_allowed};
use crate::linkage::apply::{run_export, run_import};
use crate::linkage::module::{archive, batch_script, shell_script};
use crate::linkage::{
    AuthMethod, LinkageRun, Settings, StoredExportCondition, StoredImportCondition, TimelinePost,
    check_emails,
};
use crate::model::{Member, Role};
use crate::store::{get_json, put_json, scan_json, update_json};
use crate::tables::{
    EXPORT_CONDITIONS, IMPORT_CONDITIONS, LINKAGE_RUNS, LINKAGE_SETTINGS, MEMBERS, TIMELINE,
};

fn require_admin(caller: &Caller) -> Result<(), AppError> {
    if matches!(caller.member.role, Role::Admin) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_a_linkage_admin",
            "バッチ連携の設定はシステム管理者だけが行えます。",
            "Only admins manage batch linkage.",
        ))
    }
}

fn settings_of(db: &Database, tenant: &str) -> Result<Settings, AppError> {
    Ok(get_json(db, LINKAGE_SETTINGS, tenant)?.unwrap_or_default())
}

/// The settings as shown to the admin: everything but the token's hash.
#[derive(Debug, Serialize, Deserialize)]
pub struct SettingsView {
    /// (1) On or off.
    pub enabled: bool,
    /// (3) Allowed client addresses.
    pub allowed_ips: String,
    /// (4) Authentication method.
    pub auth: AuthMethod,
    /// (5) When the current token was issued (none yet: `null`).
    #[serde(default)]
    pub token_issued_at: Option<u64>,
    /// (6) Timeline notification targets (member ids).
    pub timeline_targets: Vec<String>,
    /// (7) Notification e-mail addresses.
    pub emails: Vec<String>,
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        SettingsView {
            enabled: s.enabled,
            allowed_ips: s.allowed_ips,
            auth: s.auth,
            token_issued_at: s.token_issued_at,
            timeline_targets: s.timeline_targets,
            emails: s.emails,
        }
    }
}

/// `GET /api/linkage/settings`.
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SettingsView>, AppError> {
    require_admin(&caller)?;
    let settings = state
        .store
        .run(move |db| settings_of(db, &caller.tenant))
        .await?;
    Ok(Json(settings.into()))
}

/// `PUT /api/linkage/settings`: every field checked (addresses, at most 20
/// e-mails, timeline targets are members); the token is kept.
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
        .run(move |db| {
            for member in &update.timeline_targets {
                if get_json::<Member>(db, MEMBERS, &format!("{}/{member}", caller.tenant))?
                    .is_none()
                {
                    return Err(AppError::bad_request(
                        "unknown_member",
                        format!(
                            "通知先の社員「{member}」が見つかりません。一覧から選び直してください。"
                        ),
                        format!("No member {member}: pick the member again from the list."),
                    ));
                }
            }
            // One transaction: a token issued meanwhile is kept, never
            // replaced by the hash this save read.
            update_json(
                db,
                LINKAGE_SETTINGS,
                &caller.tenant,
                |settings: &mut Settings| {
                    settings.enabled = update.enabled;
                    settings.allowed_ips = update.allowed_ips.trim().to_owned();
                    settings.auth = update.auth;
                    settings.timeline_targets = update.timeline_targets;
                    settings.emails = update.emails;
                    Ok(settings.clone())
                },
            )
        })
        .await?;
    Ok(Json(saved.into()))
}

/// The answer to a token issue: shown once.
#[derive(Debug, Serialize)]
pub struct IssuedToken {
    /// The token; only its hash is kept.
    pub token: String,
    /// When.
    pub issued_at: u64,
    /// What happened to the old one.
    pub warning: &'static str,
}

/// `POST /api/linkage/token`: issues (or re-issues) the batch token; the
/// previous token stops working at once.
pub async fn post_token(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<IssuedToken>, AppError> {
    require_admin(&caller)?;
    let issued = state
        .store
        .run(move |db| {
            let (token, settings) =
                update_json(db, LINKAGE_SETTINGS, &caller.tenant, |settings: &mut Settings| {
                    Ok((issue_token(&caller.tenant, settings)?, settings.clone()))
                })?;
            Ok(IssuedToken {
                token,
                issued_at: settings.token_issued_at.unwrap_or_default(),
                warning: "このトークンは今だけ表示されます。以前のトークンは使えなくなりました。 This token is shown only now; the previous one no longer works.",
            })
        })
        .await?;
    Ok(Json(issued))
}

/// `GET /api/linkage/catalog`: the CRM sheets and their fields.
pub async fn catalog(caller: Caller) -> Result<Json<Catalog>, AppError> {
    require_admin(&caller)?;
    Ok(Json(crm_catalog()))
}

fn condition_problems(problems: Vec<sheetlink_engine::linkage::ConditionProblem>) -> AppError {
    let ja = problems
        .iter()
        .map(|p| p.message(Lang::Ja))
        .collect::<Vec<_>>()
        .join("\n");
    let en = problems
        .iter()
        .map(|p| p.message(Lang::En))
        .collect::<Vec<_>>()
        .join("\n");
    let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
    AppError::bad_request("condition_invalid", ja, en).with("problems", codes)
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

/// What the condition routes need of a stored condition type: one set of
/// generic handlers serves import and export conditions alike.
pub trait StoredCondition: Serialize + serde::de::DeserializeOwned + Send + 'static {
    /// `import` or `export` (script names).
    const DIRECTION: &'static str;
    /// The table holding them.
    const TABLE: crate::store::JsonTable;
    /// The condition's key.
    fn key(&self) -> &str;
    /// The engine's problems with the condition.
    fn problems(&self) -> Vec<sheetlink_engine::linkage::ConditionProblem>;
    /// Its notification addresses.
    fn emails(&self) -> &[String];
}

impl StoredCondition for StoredImportCondition {
    const DIRECTION: &'static str = "import";
    const TABLE: crate::store::JsonTable = IMPORT_CONDITIONS;
    fn key(&self) -> &str {
        &self.condition.key
    }
    fn problems(&self) -> Vec<sheetlink_engine::linkage::ConditionProblem> {
        self.condition.check(&crm_catalog())
    }
    fn emails(&self) -> &[String] {
        &self.after.emails
    }
}

impl StoredCondition for StoredExportCondition {
    const DIRECTION: &'static str = "export";
    const TABLE: crate::store::JsonTable = EXPORT_CONDITIONS;
    fn key(&self) -> &str {
        &self.condition.key
    }
    fn problems(&self) -> Vec<sheetlink_engine::linkage::ConditionProblem> {
        self.condition.check(&crm_catalog())
    }
    fn emails(&self) -> &[String] {
        &self.after.emails
    }
}

fn check<T: StoredCondition>(stored: &T) -> Result<(), AppError> {
    check_key(stored.key())?;
    let problems = stored.problems();
    if !problems.is_empty() {
        return Err(condition_problems(problems));
    }
    check_emails(stored.emails()).map_err(|e| e.bad_request("emails_invalid"))
}

fn list<T: StoredCondition>(db: &Database, tenant: &str) -> Result<Vec<T>, AppError> {
    Ok(scan_json::<T>(db, T::TABLE, &format!("{tenant}/"))?
        .into_iter()
        .map(|(_, c)| c)
        .collect())
}

fn get_one<T: StoredCondition>(db: &Database, tenant: &str, key: &str) -> Result<T, AppError> {
    get_json(db, T::TABLE, &format!("{tenant}/{key}"))?.ok_or_else(no_condition)
}

/// 404 for a condition key that does not exist.
fn no_condition() -> AppError {
    AppError::not_found(
        "unknown_condition",
        "このキーの条件はありません。条件の一覧を確認してください。",
        "No condition has this key. Check the list of conditions.",
    )
}

/// `GET /api/linkage/{import,export}-conditions`.
pub async fn list_conditions<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<T>>, AppError> {
    require_admin(&caller)?;
    Ok(Json(
        state
            .store
            .run(move |db| list::<T>(db, &caller.tenant))
            .await?,
    ))
}

/// `GET /api/linkage/{import,export}-conditions/{key}`.
pub async fn get_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Json<T>, AppError> {
    require_admin(&caller)?;
    Ok(Json(
        state
            .store
            .run(move |db| get_one::<T>(db, &caller.tenant, &key))
            .await?,
    ))
}

/// Saves a condition: `create` (no `path_key`) refuses an existing key
/// (409), otherwise the key in the path must exist and equal the body's.
fn save<T: StoredCondition>(
    db: &Database,
    tenant: &str,
    path_key: Option<&str>,
    value: &T,
) -> Result<Response, AppError> {
    let key = value.key();
    let storage_key = format!("{tenant}/{key}");
    let exists = crate::store::get_raw(db, T::TABLE, &storage_key)?.is_some();
    match path_key {
        None if exists => {
            return Err(AppError::conflict(
                "duplicate_key",
                format!("キー「{key}」は既に使われています。別のキーにしてください。"),
                format!("The key {key} is already used: choose another."),
            ));
        }
        Some(path) if path != key => {
            return Err(AppError::bad_request(
                "key_changed",
                "条件のキーは変更できません。別のキーにするには、新しい条件を作成してください。",
                "A condition's key cannot change: create a new condition for another key.",
            ));
        }
        Some(_) if !exists => return Err(no_condition()),
        _ => {}
    }
    put_json(db, T::TABLE, &storage_key, value)?;
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
pub async fn create_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::JsonBody(body): crate::http::JsonBody<T>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    check(&body)?;
    state
        .store
        .run(move |db| save(db, &caller.tenant, None, &body))
        .await
}

/// `PUT /api/linkage/{import,export}-conditions/{key}`.
pub async fn update_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    crate::http::JsonBody(body): crate::http::JsonBody<T>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    check(&body)?;
    state
        .store
        .run(move |db| save(db, &caller.tenant, Some(&key), &body))
        .await
}

/// `DELETE /api/linkage/{import,export}-conditions/{key}`.
pub async fn delete_condition<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<StatusCode, AppError> {
    require_admin(&caller)?;
    state
        .store
        .run(move |db| {
            let txn = db.begin_write().map_err(AppError::internal)?;
            let removed = txn
                .open_table(T::TABLE)
                .map_err(AppError::internal)?
                .remove(format!("{}/{key}", caller.tenant).as_str())
                .map_err(AppError::internal)?
                .is_some();
            txn.commit().map_err(AppError::internal)?;
            if removed {
                Ok(StatusCode::NO_CONTENT)
            } else {
                Err(no_condition())
            }
        })
        .await
}

/// `?os=` of a script download.
#[derive(Debug, Deserialize)]
pub struct ScriptQuery {
    /// `linux` (default) or `windows`.
    #[serde(default)]
    pub os: Option<String>,
}

/// `GET /api/linkage/{import,export}-conditions/{key}/script?os=linux|windows`.
pub async fn condition_script<T: StoredCondition>(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    crate::http::QueryParams(query): crate::http::QueryParams<ScriptQuery>,
) -> Result<Response, AppError> {
    require_admin(&caller)?;
    let found: T = state
        .store
        .run(move |db| get_one::<T>(db, &caller.tenant, &key))
        .await?;
    let (direction, key) = (T::DIRECTION, found.key());
    let (body, extension) = if query.os.as_deref() == Some("windows") {
        (batch_script(direction, key), "bat")
    } else {
        (shell_script(direction, key), "sh")
    };
    Ok(crate::http::attachment(
        "text/plain; charset=utf-8",
        &format!("{direction}_{key}.{extension}"),
        body,
    ))
}

/// Client-module request: the token just issued, to fill in.
#[derive(Debug, Deserialize, Default)]
pub struct ModuleRequest {
    /// Embedded only when it is the tenant's current token.
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /api/linkage/client-module`: the zip with `linkage.conf` (server URL
/// and, when given and current, the token) and every condition's scripts.
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
    let bytes = state
        .store
        .run(move |db| {
            let settings = settings_of(db, &caller.tenant)?;
            let token = request.token.filter(|token| {
                settings.token_hash.as_deref() == Some(crate::auth::token_key(token).as_str())
            });
            let imports: Vec<StoredImportCondition> = list(db, &caller.tenant)?;
            let exports: Vec<StoredExportCondition> = list(db, &caller.tenant)?;
            let mut conditions: Vec<(&str, &str)> = imports
                .iter()
                .map(|c| ("import", c.condition.key.as_str()))
                .collect();
            conditions.extend(exports.iter().map(|c| ("export", c.condition.key.as_str())));
            archive(&url, token.as_deref(), &conditions).map_err(AppError::internal)
        })
        .await?;
    Ok(crate::http::attachment(
        "application/zip",
        "sheetlink-client.zip",
        bytes,
    ))
}

/// `?sheet=` of the run history.
#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    /// Only this sheet's runs.
    #[serde(default)]
    pub sheet: Option<String>,
}

/// `GET /api/linkage/runs[?sheet=]`: the latest 100 batch runs, newest first,
/// without their per-row results.
pub async fn runs(
    State(state): State<AppState>,
    caller: Caller,
    crate::http::QueryParams(query): crate::http::QueryParams<RunsQuery>,
) -> Result<Json<Vec<LinkageRun>>, AppError> {
    require_admin(&caller)?;
    let runs = state
        .store
        .run(move |db| {
            Ok(
                scan_json::<LinkageRun>(db, LINKAGE_RUNS, &format!("{}/", caller.tenant))?
                    .into_iter()
                    .rev()
                    .map(|(_, run)| run)
                    .filter(|run| query.sheet.as_deref().is_none_or(|s| s == run.sheet))
                    .take(100)
                    .map(|run| LinkageRun {
                        rows: Vec::new(),
                        ..run
                    })
                    .collect(),
            )
        })
        .await?;
    Ok(Json(runs))
}

/// A stored run with its stored row results.
fn stored_run(db: &Database, tenant: &str, id: &str) -> Result<Option<LinkageRun>, AppError> {
    let key = format!("{tenant}/{id}");
    let Some(mut run) = get_json::<LinkageRun>(db, LINKAGE_RUNS, &key)? else {
        return Ok(None);
    };
    if let Some(rows) = get_json(db, crate::tables::LINKAGE_RUN_ROWS, &key)? {
        run.rows = rows;
    }
    Ok(Some(run))
}

/// `GET /api/linkage/runs/{id}`: one run with its per-row results.
pub async fn run_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LinkageRun>, AppError> {
    require_admin(&caller)?;
    let run = state
        .store
        .run(move |db| {
            stored_run(db, &caller.tenant, &id)?.ok_or_else(|| {
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
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TimelinePost>>, AppError> {
    let posts = state
        .store
        .run(move |db| {
            let admin = matches!(caller.member.role, Role::Admin);
            Ok(
                scan_json::<TimelinePost>(db, TIMELINE, &format!("{}/", caller.tenant))?
                    .into_iter()
                    .rev()
                    .map(|(_, post)| post)
                    .filter(|post| admin || post.targets.contains(&caller.member.id))
                    .take(100)
                    .collect(),
            )
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
            .run(move |db| Ok(authenticate(db, &headers, client, &throttle)))
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
    let sent_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let idempotency = crate::idempotency::Key::from_request(
        &caller.tenant,
        crate::idempotency::Scope::Batch { condition: &key },
        sent_key,
        &csv,
    )?;
    let lock = state.import_lock(&caller.tenant);
    let _running = lock.lock().await;
    let offset = state.config.timezone_offset_minutes;
    state
        .store
        .run(move |db| {
            let stored: StoredImportCondition = get_one(db, &caller.tenant, &key)?;
            if let Some(idempotency) = &idempotency {
                match idempotency.look_up_in(db)? {
                    crate::idempotency::Seen::New => {}
                    crate::idempotency::Seen::Conflict => return Ok(crate::idempotency::conflict()),
                    // Every batch caller of the tenant may see its runs; the
                    // key's namespace is the tenant's own.
                    crate::idempotency::Seen::Replay(run_id) => {
                        let run = stored_run(db, &caller.tenant, &run_id)?
                            .ok_or_else(|| AppError::internal("idempotency record without run"))?;
                        return Ok(([("idempotent-replayed", "true")], Json(run)).into_response());
                    }
                }
            }
            let settings = settings_of(db, &caller.tenant)?;
            let catalog = crm_catalog();
            let context = caller.context(&catalog, &settings, offset);
            let run = run_import(db, context, &stored, &csv, idempotency.as_ref())?;
            Ok(Json(run).into_response())
        })
        .await
}

/// `GET /api/batch/exports/{key}`: a batch export; the file in the
/// condition's encoding, or 422 listing the cells Shift_JIS cannot hold.
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
        .run(move |db| {
            let caller = match authenticate(db, &headers, client, &throttle) {
                Ok(caller) => caller,
                Err(refusal) => return Ok(refusal.into_response()),
            };
            let stored: StoredExportCondition = get_one(db, &caller.tenant, &key)?;
            let settings = settings_of(db, &caller.tenant)?;
            let catalog = crm_catalog();
            let context = caller.context(&catalog, &settings, offset);
            let written = run_export(db, context, &stored)?;
            if written.refused() {
                let cells: Vec<_> = written.unrepresentable.iter().take(100).map(|c| serde_json::json!({
                    "record": c.record, "field": c.field, "character": c.character.to_string(),
                })).collect();
                let count = written.unrepresentable.len();
                return Err(AppError::refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unrepresentable",
                    format!("Shift_JISで表せない文字が{count}か所あるため出力しませんでした。該当のセルを直すか、出力条件で「?に置き換える」を選んでください。"),
                    format!("{count} cells have characters Shift_JIS cannot represent, so nothing was written. Fix those cells, or let the condition replace them with ?."),
                )
                .with("cells", cells));
            }
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
        .run(move |db| {
            let catalog = crm_catalog();
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
            let read = redb::ReadableDatabase::begin_read(db).map_err(AppError::internal)?;
            let records = match read.open_table(crate::tables::CRM_RECORDS) {
                Ok(table) => crate::linkage::apply::read_records(&table, &caller.tenant, sheet)?,
                Err(redb::TableError::TableDoesNotExist(_)) => Vec::new(),
                Err(error) => return Err(AppError::internal(error)),
            };
            sheetlink_engine::linkage::export_preview(&condition, &catalog, &records, 20)
                .map_err(condition_problems)
        })
        .await?;
    Ok(Json(preview))
}

/// A member, for pickers.
#[derive(Debug, Serialize)]
pub struct MemberView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// `GET /api/linkage/members`: the tenant's members (id and name), for the
/// notification pickers.
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MemberView>>, AppError> {
    require_admin(&caller)?;
    let members = state
        .store
        .run(move |db| {
            Ok(
                scan_json::<Member>(db, MEMBERS, &format!("{}/", caller.tenant))?
                    .into_iter()
                    .map(|(_, m)| MemberView {
                        id: m.id,
                        name: m.name,
                    })
                    .collect(),
            )
        })
        .await?;
    Ok(Json(members))
}
