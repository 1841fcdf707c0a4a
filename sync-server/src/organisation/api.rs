//! The organisation handlers (evaluation admins): each parses, lets the
//! domain decide — permissions included — and answers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sheetlink_protocol::ErrorBody;
use sheetlink_protocol::org::PeriodView;
use sheetlink_protocol::organisation::{
    EvaluateeRequest, EvaluateeView, EvaluateesAdded, GroupMembers, GroupMembership,
    MemberExportOptions, MemberImport, MemberImportOptions, NewPeriod, NewSheet, PeriodChange,
    Publication, SheetDefinition, SheetDocument, SheetOutline,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::http::{JsonBody, QueryParams};
use crate::openapi::{OrganisationAdminsOnly, SignedIn};

/// `GET /api/organisation/periods`.
#[utoipa::path(
    get, summary = "Every period, open or closed", path = "/api/organisation/periods", tag = "organisation",
    responses((status = 200, description = "Every period, in id order.", body = Vec<PeriodView>), SignedIn, OrganisationAdminsOnly)
)]
pub async fn periods(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PeriodView>>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::all_periods(store, &caller))
            .await?,
    ))
}

/// `POST /api/organisation/periods`.
#[utoipa::path(
    post, summary = "Create a period (open)", path = "/api/organisation/periods", tag = "organisation",
    request_body = NewPeriod,
    responses(
        (status = 201, description = "Created, open.", body = PeriodView),
        (status = 400, description = "The id or name is not acceptable; the message says how to fix it.", body = ErrorBody),
        (status = 409, description = "The id is taken.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn create_period(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewPeriod>,
) -> Result<Response, AppError> {
    let period = state
        .store
        .run(move |store| super::create_period(store, &caller, &new))
        .await?;
    Ok((StatusCode::CREATED, Json(period)).into_response())
}

/// `PATCH /api/organisation/periods/{period}`.
#[utoipa::path(
    patch, summary = "Rename, open or close a period", path = "/api/organisation/periods/{period}", tag = "organisation",
    params(("period" = String, Path, description = "Period id.")),
    request_body = PeriodChange,
    responses(
        (status = 200, description = "Changed. A closed period takes no templates or imports.", body = PeriodView),
        (status = 400, description = "The name is not acceptable.", body = ErrorBody),
        (status = 404, description = "No such period.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn change_period(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    JsonBody(change): JsonBody<PeriodChange>,
) -> Result<Json<PeriodView>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::change_period(store, &caller, &period, &change))
            .await?,
    ))
}

/// `GET /api/organisation/groups`.
#[utoipa::path(
    get, summary = "Every group with its members", path = "/api/organisation/groups", tag = "organisation",
    responses((status = 200, description = "Every group, in id order, with member ids.", body = Vec<GroupMembers>), SignedIn, OrganisationAdminsOnly)
)]
pub async fn groups(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<GroupMembers>>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::group_members(store, &caller))
            .await?,
    ))
}

/// `PUT /api/organisation/groups/{group}/members`.
#[utoipa::path(
    put, summary = "Set who is in a group", path = "/api/organisation/groups/{group}/members", tag = "organisation",
    params(("group" = String, Path, description = "Group id.")),
    request_body = GroupMembership,
    responses(
        (status = 200, description = "The group with exactly these members.", body = GroupMembers),
        (status = 400, description = "A member does not exist, or too many.", body = ErrorBody),
        (status = 404, description = "No such group.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn set_group_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(group): Path<String>,
    JsonBody(membership): JsonBody<GroupMembership>,
) -> Result<Json<GroupMembers>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::set_group_members(store, &caller, &group, &membership))
            .await?,
    ))
}

/// `GET /api/organisation/sheets`.
#[utoipa::path(
    get, summary = "Every customize sheet, published or not", path = "/api/organisation/sheets", tag = "organisation",
    responses((status = 200, description = "Every sheet, in id order.", body = Vec<SheetOutline>), SignedIn, OrganisationAdminsOnly)
)]
pub async fn sheets(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SheetOutline>>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::sheets::outlines(store, &caller))
            .await?,
    ))
}

/// `POST /api/organisation/sheets`.
#[utoipa::path(
    post, summary = "Create a customize sheet (unpublished)", path = "/api/organisation/sheets", tag = "organisation",
    request_body = NewSheet,
    responses(
        (status = 201, description = "Created: unpublished, one unnamed block, no items.", body = SheetDocument),
        (status = 400, description = "The id or name is not acceptable.", body = ErrorBody),
        (status = 409, description = "The id is taken.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn create_sheet(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewSheet>,
) -> Result<Response, AppError> {
    let sheet = state
        .store
        .run(move |store| super::sheets::create(store, &caller, &new))
        .await?;
    Ok((StatusCode::CREATED, Json(sheet)).into_response())
}

/// `GET /api/organisation/sheets/{sheet}`.
#[utoipa::path(
    get, summary = "A customize sheet as the editor reads it", path = "/api/organisation/sheets/{sheet}", tag = "organisation",
    params(("sheet" = String, Path, description = "Sheet id.")),
    responses(
        (status = 200, description = "Its blocks, items and permissions.", body = SheetDocument),
        (status = 404, description = "No such sheet.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(sheet): Path<String>,
) -> Result<Json<SheetDocument>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::sheets::read(store, &caller, &sheet))
            .await?,
    ))
}

/// `PUT /api/organisation/sheets/{sheet}`.
#[utoipa::path(
    put, summary = "Save a customize sheet's blocks, items and permissions", path = "/api/organisation/sheets/{sheet}", tag = "organisation",
    params(("sheet" = String, Path, description = "Sheet id.")),
    request_body = SheetDefinition,
    responses(
        (status = 200, description = "Saved.", body = SheetDocument),
        (status = 400, description = "An id, name, bound or option is wrong; the message names the block or item.", body = ErrorBody),
        (status = 404, description = "No such sheet.", body = ErrorBody),
        (status = 409, description = "The change would break values user sheets hold: an item in use removed or of another type, an option in use gone.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn save_sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(sheet): Path<String>,
    JsonBody(definition): JsonBody<SheetDefinition>,
) -> Result<Json<SheetDocument>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::sheets::save(store, &caller, &sheet, &definition))
            .await?,
    ))
}

/// `PUT /api/organisation/sheets/{sheet}/publication`.
#[utoipa::path(
    put, summary = "Publish or unpublish a customize sheet", path = "/api/organisation/sheets/{sheet}/publication", tag = "organisation",
    params(("sheet" = String, Path, description = "Sheet id.")),
    request_body = Publication,
    responses(
        (status = 200, description = "Published (templates and imports may use it) or not.", body = SheetDocument),
        (status = 404, description = "No such sheet.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn publish_sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(sheet): Path<String>,
    JsonBody(publication): JsonBody<Publication>,
) -> Result<Json<SheetDocument>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::sheets::publish(store, &caller, &sheet, publication))
            .await?,
    ))
}

/// `GET /api/organisation/periods/{period}/sheets/{sheet}/evaluatees`.
#[utoipa::path(
    get, summary = "The evaluatees of a sheet in a period", path = "/api/organisation/periods/{period}/sheets/{sheet}/evaluatees", tag = "organisation",
    params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Sheet id.")),
    responses(
        (status = 200, description = "Every member with a user sheet of it, with its status.", body = Vec<EvaluateeView>),
        (status = 404, description = "No such period or sheet.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn evaluatees(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
) -> Result<Json<Vec<EvaluateeView>>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::evaluatees(store, &caller, &period, &sheet))
            .await?,
    ))
}

/// `POST /api/organisation/periods/{period}/sheets/{sheet}/evaluatees`.
#[utoipa::path(
    post, summary = "Add evaluatees: members of groups, or members listed", path = "/api/organisation/periods/{period}/sheets/{sheet}/evaluatees", tag = "organisation",
    params(("period" = String, Path, description = "Period id."), ("sheet" = String, Path, description = "Sheet id.")),
    request_body = EvaluateeRequest,
    responses(
        (status = 200, description = "User sheets created in the first status for those who had none (deactivated members skipped).", body = EvaluateesAdded),
        (status = 400, description = "A group or member does not exist.", body = ErrorBody),
        (status = 404, description = "No such period or sheet.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn add_evaluatees(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, sheet)): Path<(String, String)>,
    JsonBody(request): JsonBody<EvaluateeRequest>,
) -> Result<Json<EvaluateesAdded>, AppError> {
    Ok(Json(
        state
            .store
            .run(move |store| super::add_evaluatees(store, &caller, &period, &sheet, &request))
            .await?,
    ))
}

/// `GET /api/organisation/members.csv`.
#[utoipa::path(
    get, summary = "The member list as a member file", path = "/api/organisation/members.csv", tag = "organisation",
    params(MemberExportOptions),
    responses(
        (status = 200, description = "氏名, 従業員番号, メールアドレス, ロール, グループ, 状態 (or English headers), UTF-8 with BOM or Shift_JIS; imported unchanged, it changes nothing.", content_type = "text/csv", body = String),
        (status = 409, description = "A name Shift_JIS cannot hold (export as UTF-8).", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn export_members(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(options): QueryParams<MemberExportOptions>,
) -> Result<Response, AppError> {
    let bytes = state
        .store
        .run(move |store| super::members::export(store, &caller, options))
        .await?;
    let content_type = if options.shift_jis {
        "text/csv; charset=Shift_JIS"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(crate::http::attachment(content_type, "members.csv", bytes))
}

/// `POST /api/organisation/members`: a member file as the body.
#[utoipa::path(
    post, summary = "Check (dry run) or apply a member file", path = "/api/organisation/members", tag = "organisation",
    params(MemberImportOptions),
    request_body(content = String, content_type = "text/csv", description = "A member file: UTF-8 (BOM or not) or Shift_JIS, at most 30 MB and 20,000 members."),
    responses(
        (status = 200, description = "What the file does (and, with apply, did): counts, changes, new groups, problems by row and column, new members' set-up links.", body = MemberImport),
        (status = 400, description = "Apply of a file with problems: nothing applied.", body = ErrorBody),
        (status = 409, description = "Apply of a plan that no longer holds (the members changed since the check): nothing applied.", body = ErrorBody),
        (status = 413, description = "Over 30 MB.", body = ErrorBody),
        SignedIn, OrganisationAdminsOnly,
    )
)]
pub async fn import_members(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(options): QueryParams<MemberImportOptions>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, AppError> {
    super::require_admin(&caller)?;
    let csv = match crate::http::read_csv(&headers, body).await {
        Ok(csv) => csv,
        Err(response) => return Ok(response),
    };
    let config = state.config.clone();
    let answer: MemberImport = state
        .store
        .run(move |store| super::members::import(store, &config, &caller, &csv, &options))
        .await?;
    Ok(Json(answer).into_response())
}
