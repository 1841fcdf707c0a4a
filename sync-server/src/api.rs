//! The JSON API. Every handler that takes a [`Caller`] requires a session;
//! every permission is checked here, whatever the browser did or did not show.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use redb::{Database, ReadableDatabase};
use serde::{Deserialize, Serialize};
use sheetlink_engine::evaluation::{SheetSchema, TemplateRow, write_template};

use crate::AppState;
use crate::auth::{
    Caller, SESSION_SECONDS, expired_cookie, hash_password, new_token, now, request_token,
    session_cookie, token_key, verify_password,
};
use crate::error::AppError;
use crate::model::{CustomizeSheet, Member, Period, Role, Session, SheetItem, UserSheet};
use crate::permissions::{may_import, may_see_period, may_write, writable_items};
use crate::store::{get_json, scan_json, to_json};
use crate::tables::{LOGINS, MEMBERS, PERIODS, SESSIONS, SHEETS, USER_SHEETS};

/// Login form.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    /// Login id.
    pub login_id: String,
    /// Password.
    pub password: String,
}

/// Who is signed in.
#[derive(Debug, Serialize)]
pub struct Me {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `admin`, `leader` or `member`.
    pub role: &'static str,
}

fn me(member: &Member) -> Me {
    let role = match member.role {
        Role::Admin => "admin",
        Role::Leader { .. } => "leader",
        Role::Member => "member",
    };
    Me {
        id: member.id.clone(),
        name: member.name.clone(),
        role,
    }
}

/// `POST /api/login`: checks the password and starts a session.
pub async fn login(
    State(state): State<AppState>,
    Json(form): Json<LoginRequest>,
) -> Result<Response, AppError> {
    let secure = state.config.secure_cookies;
    state
        .store
        .run(move |db| {
            let target: Option<String> = {
                let read = db.begin_read().map_err(AppError::internal)?;
                match read.open_table(LOGINS) {
                    Ok(table) => table
                        .get(form.login_id.as_str())
                        .map_err(AppError::internal)?
                        .map(|v| v.value().to_owned()),
                    Err(_) => None,
                }
            };
            let member: Option<Member> = match &target {
                Some(key) => get_json(db, MEMBERS, key)?,
                None => None,
            };
            let stored = member.as_ref().and_then(|m| m.password_hash.clone());
            // Verify against a fixed hash when the login is unknown, so that
            // the answer takes as long either way.
            let verified = match &stored {
                Some(hash) => verify_password(&form.password, hash),
                None => {
                    let _ = verify_password(&form.password, &dummy_hash()?);
                    false
                }
            };
            let (Some(member), Some(target), true) = (member, target, verified) else {
                return Err(AppError::Unauthorized);
            };
            let tenant = target.split('/').next().unwrap_or_default().to_owned();
            let token = new_token()?;
            let session = Session {
                tenant,
                member: member.id.clone(),
                expires_at: now() + SESSION_SECONDS,
            };
            let write = db.begin_write().map_err(AppError::internal)?;
            {
                let mut sessions = write.open_table(SESSIONS).map_err(AppError::internal)?;
                let value = to_json(&session)?;
                sessions
                    .insert(token_key(&token).as_str(), value.as_slice())
                    .map_err(AppError::internal)?;
            }
            write.commit().map_err(AppError::internal)?;
            Ok((
                AppendHeaders([(SET_COOKIE, session_cookie(&token, secure))]),
                Json(me(&member)),
            )
                .into_response())
        })
        .await
}

fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let hash = hash_password("not a password of anyone")?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

/// `POST /api/logout`: ends the session (works without one, too).
pub async fn logout(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, _) = request.into_parts();
    if let Some(token) = request_token(&parts) {
        let key = token_key(&token);
        state
            .store
            .run(move |db| {
                let write = db.begin_write().map_err(AppError::internal)?;
                {
                    let mut sessions = write.open_table(SESSIONS).map_err(AppError::internal)?;
                    sessions.remove(key.as_str()).map_err(AppError::internal)?;
                }
                write.commit().map_err(AppError::internal)
            })
            .await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, expired_cookie())]),
    )
        .into_response())
}

/// `GET /api/me`
pub async fn whoami(caller: Caller) -> Json<Me> {
    Json(me(&caller.member))
}

/// A period the caller may pick.
#[derive(Debug, Serialize)]
pub struct PeriodView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Open (not closed).
    pub open: bool,
    /// Whether an import may target it now (open).
    pub importable: bool,
}

fn require_importer(caller: &Caller) -> Result<(), AppError> {
    if may_import(&caller.member) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only evaluation admins and group leaders import.",
        ))
    }
}

/// `GET /api/periods`: admins every period, leaders theirs.
pub async fn periods(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PeriodView>>, AppError> {
    require_importer(&caller)?;
    let list = state
        .store
        .run(move |db| {
            scan_json::<Period>(db, PERIODS, &format!("{}/", caller.tenant))
                .map(|rows| (rows, caller))
        })
        .await?;
    let (rows, caller) = list;
    Ok(Json(
        rows.into_iter()
            .map(|(_, period)| period)
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
    db: &Database,
    caller: &Caller,
    period: &str,
    sheet: &str,
) -> Result<(Period, CustomizeSheet), AppError> {
    let period: Period = get_json::<Period>(db, PERIODS, &format!("{}/{period}", caller.tenant))?
        .filter(|p| may_see_period(&caller.member, p))
        .ok_or(AppError::NotFound("No such evaluation period."))?;
    let sheet: CustomizeSheet =
        get_json::<CustomizeSheet>(db, SHEETS, &format!("{}/{sheet}", caller.tenant))?
            .filter(|s| s.published)
            .ok_or(AppError::NotFound("No such published sheet."))?;
    Ok((period, sheet))
}

/// A sheet the caller may pick.
#[derive(Debug, Serialize)]
pub struct SheetView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// `GET /api/periods/{period}/sheets`: published sheets only.
pub async fn sheets(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
) -> Result<Json<Vec<SheetView>>, AppError> {
    require_importer(&caller)?;
    let views = state
        .store
        .run(move |db| {
            get_json::<Period>(db, PERIODS, &format!("{}/{period}", caller.tenant))?
                .filter(|p| may_see_period(&caller.member, p))
                .ok_or(AppError::NotFound("No such evaluation period."))?;
            let sheets = scan_json::<CustomizeSheet>(db, SHEETS, &format!("{}/", caller.tenant))?;
            Ok(sheets
                .into_iter()
                .filter(|(_, sheet)| sheet.published)
                .map(|(_, sheet)| SheetView {
                    id: sheet.id,
                    name: sheet.name,
                })
                .collect())
        })
        .await?;
    Ok(Json(views))
}

/// An item the caller may import.
#[derive(Debug, Serialize)]
pub struct ItemView {
    /// Id.
    pub id: String,
    /// `【Block>Item】` as in row 3.
    pub caption: String,
    /// `number`, `text`, `dropdown` or `checkbox`.
    #[serde(rename = "type")]
    pub item_type: &'static str,
}

/// `GET /api/periods/{period}/sheets/{sheet}/items`: importable items the
/// caller's role may write.
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Json<Vec<ItemView>>, AppError> {
    require_importer(&caller)?;
    let views = state
        .store
        .run(move |db| {
            let (_, sheet) = period_and_sheet(db, &caller, &period, &sheet)?;
            Ok(writable_items(&caller.member, &sheet)
                .into_iter()
                .filter_map(|item| item.importable.as_ref())
                .map(|item| ItemView {
                    id: item.id.clone(),
                    caption: item.caption(),
                    item_type: item.kind.schema_name(),
                })
                .collect())
        })
        .await?;
    Ok(Json(views))
}

/// Members with a sheet in (period, sheet) that the caller may write for
/// every one of `items`, in member-id order.
fn writable_evaluatees(
    db: &Database,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    items: &[&SheetItem],
) -> Result<Vec<(Member, UserSheet)>, AppError> {
    let prefix = format!("{}/{}/{}/", caller.tenant, period.id, sheet.id);
    let mut out = Vec::new();
    for (key, user_sheet) in scan_json::<UserSheet>(db, USER_SHEETS, &prefix)? {
        let member_id = &key[prefix.len()..];
        let Some(member) =
            get_json::<Member>(db, MEMBERS, &format!("{}/{member_id}", caller.tenant))?
        else {
            continue;
        };
        if member.evaluatee_key().is_some()
            && may_write(&caller.member, period, &member, &user_sheet, items)
        {
            out.push((member, user_sheet));
        }
    }
    Ok(out)
}

/// `GET /api/periods/{period}/sheets/{sheet}/schema`: the engine's schema for
/// validating offline: the items the caller may write and the evaluatees in
/// the caller's scope. Cacheable by the browser.
pub async fn schema(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let schema = state
        .store
        .run(move |db| {
            let (period, sheet) = period_and_sheet(db, &caller, &period, &sheet)?;
            let items = writable_items(&caller.member, &sheet);
            // Scope only (no status condition): a status may change between
            // download and import, and the server checks it at import time.
            let in_scope = writable_evaluatees(db, &caller, &period, &sheet, &[])?;
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
    Ok(([(CACHE_CONTROL, "private, max-age=86400")], Json(schema)).into_response())
}

/// Template request: the items to include (at most 1,000).
#[derive(Debug, Deserialize)]
pub struct TemplateRequest {
    /// Item ids.
    pub items: Vec<String>,
}

/// `POST /api/periods/{period}/sheets/{sheet}/template`: the CSV template
/// with current values, for the evaluatees the caller may write.
pub async fn template(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
    Json(request): Json<TemplateRequest>,
) -> Result<Response, AppError> {
    require_importer(&caller)?;
    let (file_name, bytes) = state
        .store
        .run(move |db| {
            let (period, sheet) = period_and_sheet(db, &caller, &period, &sheet)?;
            let writable = writable_items(&caller.member, &sheet);
            let mut chosen = Vec::with_capacity(request.items.len());
            for id in &request.items {
                match writable.iter().find(|item| item.id() == id) {
                    Some(item) => chosen.push(*item),
                    None => {
                        return Err(AppError::BadRequest(format!(
                            "Item \"{id}\" does not exist or you may not write it."
                        )));
                    }
                }
            }
            let evaluatees = writable_evaluatees(db, &caller, &period, &sheet, &chosen)?;
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
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            Ok((format!("template_{}_{}.csv", period.id, sheet.id), bytes))
        })
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        "text/csv; charset=utf-8"
            .parse()
            .map_err(AppError::internal)?,
    );
    let disposition = format!("attachment; filename=\"{file_name}\"");
    headers.insert(
        CONTENT_DISPOSITION,
        disposition.parse().map_err(AppError::internal)?,
    );
    Ok((headers, bytes).into_response())
}
