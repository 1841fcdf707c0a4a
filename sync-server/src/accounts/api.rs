//! The account handlers: set-up links, one's own password, the account
//! screen of evaluation admins, and the audit log. Each parses, lets the
//! domain (`accounts`) decide — permissions included — and answers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sheetlink_protocol::accounts::{
    Account, AuditEntry, CreatedAccount, GroupView, NewAccount, PasswordChange, Roles, SetupInfo,
    SetupLink, SetupRequest, SetupToken,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::http::JsonBody;

/// The most audit entries one answer lists.
pub const AUDIT_PAGE: usize = 500;

/// `POST /api/setup/info`: whom a set-up link is for.
#[utoipa::path(
    post, summary = "Whom a set-up link is for", path = "/api/setup/info", tag = "accounts", security(()),
    request_body = SetupToken,
    responses(
        (status = 200, description = "The tenant, login id and name the link sets a password for.", body = SetupInfo),
        (status = 404, description = "The link does not work (used, expired, replaced).", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn setup_info(
    State(state): State<AppState>,
    JsonBody(form): JsonBody<SetupToken>,
) -> Result<Json<SetupInfo>, AppError> {
    let info = state
        .store
        .run(move |store| super::setup_info(store, &form.token))
        .await?;
    Ok(Json(info))
}

/// `POST /api/setup`: chooses a password with a set-up link and signs in.
#[utoipa::path(
    post, summary = "Choose a password with a set-up link", path = "/api/setup", tag = "accounts", security(()),
    request_body = SetupRequest,
    responses(
        (status = 200, description = "Password set, link used up, signed in (the session cookie is set).", body = sheetlink_protocol::session::Me),
        (status = 400, description = "The password breaks a rule (too short, the login id, common); the message says which.", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "The link does not work (used, expired, replaced).", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn setup(
    State(state): State<AppState>,
    JsonBody(form): JsonBody<SetupRequest>,
) -> Result<Response, AppError> {
    let (tenant, member) = state
        .store
        .run(move |store| super::use_setup_link(store, &form.token, &form.password))
        .await?;
    crate::api::signed_in(&state, tenant, member).await
}

/// `POST /api/me/password`: changes the caller's own password.
#[utoipa::path(
    post, summary = "Change one's own password", path = "/api/me/password", tag = "accounts",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; every other session of the caller has ended and this one goes on under a new cookie.", body = sheetlink_protocol::session::Me),
        (status = 400, description = "The new password breaks a rule; the message says which.", body = sheetlink_protocol::ErrorBody),
        (status = 403, description = "The current password is wrong.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn,
        (status = 429, description = "Too many wrong current passwords for this account or address (counted with sign-ins): retry after `retry_after_seconds`.", body = sheetlink_protocol::ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: axum::http::HeaderMap,
    JsonBody(form): JsonBody<PasswordChange>,
) -> Result<Response, AppError> {
    let tenant = caller.tenant.clone();
    // The current password is checked like a sign-in: counted first, under
    // the member's account and the address, so a stolen session is no
    // password oracle.
    let address = crate::http::client_ip(peer.as_deref(), &headers, &state.trusted_proxies);
    let account = crate::auth::Account::member(&caller.tenant, &caller.member.id);
    let attempt = state
        .login_throttle
        .begin(Some(&account), address)
        .map_err(crate::auth::locked)?;
    let member = state
        .store
        .run(move |store| {
            let changed = super::change_password(store, &caller, &form.current, &form.new);
            match &changed {
                Err(AppError::Refused(refusal)) if refusal.code == "wrong_password" => {
                    attempt.failed();
                }
                _ => attempt.succeeded(),
            }
            changed
        })
        .await?;
    crate::api::signed_in(&state, tenant, member).await
}

/// `GET /api/accounts`: every member of the tenant (evaluation admins).
#[utoipa::path(
    get, summary = "The tenant's accounts", path = "/api/accounts", tag = "accounts",
    responses((status = 200, description = "Every member, with roles and whether they may sign in.", body = Vec<Account>), crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Account>>, AppError> {
    let accounts = state
        .store
        .run(move |store| super::accounts(store, &caller))
        .await?;
    Ok(Json(accounts))
}

/// `POST /api/accounts`: creates a member (evaluation admins).
#[utoipa::path(
    post, summary = "Create a member", path = "/api/accounts", tag = "accounts",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created; with a login id, the set-up link (shown once, or e-mailed).", body = CreatedAccount),
        (status = 400, description = "An id, name, address, group or period is wrong; the message says which and how to fix it.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The member id or login id is taken.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly,
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewAccount>,
) -> Result<Response, AppError> {
    let config = state.config.clone();
    let created = state
        .store
        .run(move |store| super::create_account(store, &config, &caller, &new))
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `PUT /api/accounts/{id}/roles`: sets a member's roles (evaluation
/// admins); their sessions end.
#[utoipa::path(
    put, summary = "Set a member's roles", path = "/api/accounts/{id}/roles", tag = "accounts",
    params(("id" = String, Path, description = "Member id.")),
    request_body = Roles,
    responses(
        (status = 200, description = "The account with its new roles; its sessions have ended.", body = Account),
        (status = 400, description = "A group or period does not exist, or a leader leads no group.", body = sheetlink_protocol::ErrorBody),
        (status = 404, description = "No such member.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "An admin cannot give up their own evaluation admin role.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly,
    )
)]
pub async fn set_roles(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(roles): JsonBody<Roles>,
) -> Result<Json<Account>, AppError> {
    let account = state
        .store
        .run(move |store| super::set_roles(store, &caller, &id, &roles))
        .await?;
    Ok(Json(account))
}

/// `POST /api/accounts/{id}/deactivate`.
#[utoipa::path(
    post, summary = "Deactivate a member", path = "/api/accounts/{id}/deactivate", tag = "accounts",
    params(("id" = String, Path, description = "Member id.")),
    responses(
        (status = 200, description = "Deactivated: their sessions and batch access end at once; history keeps their name.", body = Account),
        (status = 404, description = "No such member.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "An admin cannot deactivate themselves.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly,
    )
)]
pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Account>, AppError> {
    let account = state
        .store
        .run(move |store| super::set_active(store, &caller, &id, false))
        .await?;
    Ok(Json(account))
}

/// `POST /api/accounts/{id}/activate`.
#[utoipa::path(
    post, summary = "Activate a member again", path = "/api/accounts/{id}/activate", tag = "accounts",
    params(("id" = String, Path, description = "Member id.")),
    responses(
        (status = 200, description = "Active again (their old sessions stay ended).", body = Account),
        (status = 404, description = "No such member.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly,
    )
)]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Account>, AppError> {
    let account = state
        .store
        .run(move |store| super::set_active(store, &caller, &id, true))
        .await?;
    Ok(Json(account))
}

/// `POST /api/accounts/{id}/setup-link`: resets a member's password.
#[utoipa::path(
    post, summary = "Reset a member's password", path = "/api/accounts/{id}/setup-link", tag = "accounts",
    params(("id" = String, Path, description = "Member id.")),
    responses(
        (status = 200, description = "The old password no longer works, their sessions have ended, and this new set-up link (72 hours, once) lets them choose one; e-mailed when mail is configured.", body = SetupLink),
        (status = 404, description = "No such member.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The member has no login id, or is deactivated.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly,
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SetupLink>, AppError> {
    let config = state.config.clone();
    let link = state
        .store
        .run(move |store| super::reset_password(store, &config, &caller, &id))
        .await?;
    Ok(Json(link))
}

/// `GET /api/audit`: who changed what, newest first.
#[utoipa::path(
    get, summary = "The audit log", path = "/api/audit", tag = "accounts",
    responses(
        (status = 200, description = "The newest 500 entries the caller may read: evaluation admins every entry, CRM admins those about batch linkage.", body = Vec<AuditEntry>),
        (status = 403, description = "Only admins read the audit log.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn,
    )
)]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let entries = state
        .store
        .run(move |store| super::audit_log(store, &caller, AUDIT_PAGE))
        .await?;
    Ok(Json(entries))
}

/// `GET /api/groups`: the tenant's groups (evaluation admins).
#[utoipa::path(
    get, summary = "The tenant's groups", path = "/api/groups", tag = "accounts",
    responses((status = 200, description = "Every group, in id order.", body = Vec<GroupView>), crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly)
)]
pub async fn groups(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<GroupView>>, AppError> {
    let groups = state
        .store
        .run(move |store| super::groups(store, &caller))
        .await?;
    Ok(Json(groups))
}

/// `POST /api/groups`: creates a group (evaluation admins).
#[utoipa::path(
    post, summary = "Create a group", path = "/api/groups", tag = "accounts",
    request_body = GroupView,
    responses(
        (status = 201, description = "Created.", body = GroupView),
        (status = 400, description = "The id or name is not acceptable; the message says how to fix it.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The id is taken.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AccountAdminsOnly,
    )
)]
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<GroupView>,
) -> Result<Response, AppError> {
    let group = state
        .store
        .run(move |store| super::create_group(store, &caller, &new))
        .await?;
    Ok((StatusCode::CREATED, Json(group)).into_response())
}
