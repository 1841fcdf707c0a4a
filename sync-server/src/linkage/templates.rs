//! Mapping templates (マッピングテンプレート): the tenant's saved mappings,
//! listed, saved under a name (created or replaced) and deleted by CRM
//! admins, checked by the engine against the tenant's catalog, bounded, and
//! audited in the same transaction.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sheetlink_engine::linkage::{MAX_TEMPLATES, MappingTemplate};
use sheetlink_protocol::accounts::AuditAction;

use super::api::require_admin;
use super::catalog::tenant_catalog;
use crate::AppState;
use crate::accounts::audit_entry;
use crate::auth::Caller;
use crate::error::AppError;
use crate::store::Linkage;

/// `GET /api/linkage/mapping-templates`: every template, by name.
#[utoipa::path(
    get, summary = "The tenant's mapping templates", path = "/api/linkage/mapping-templates", tag = "linkage",
    responses((status = 200, description = "Every mapping template, in name order (the screens pick a sheet's).", body = Vec<MappingTemplate>), crate::openapi::SignedIn, crate::openapi::AdminsOnly)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MappingTemplate>>, AppError> {
    require_admin(&caller)?;
    let templates = state
        .store
        .run(move |store| store.mapping_templates(&caller.tenant))
        .await?;
    Ok(Json(templates))
}

/// `PUT /api/linkage/mapping-templates/{name}`: saves a template under its
/// name, replacing one of that name.
#[utoipa::path(
    put, summary = "Save a mapping template", path = "/api/linkage/mapping-templates/{name}", tag = "linkage",
    params(("name" = String, Path, description = "The template's name (the same as in the body).")),
    request_body = MappingTemplate,
    responses(
        (status = 200, description = "Saved (audited): every template now kept.", body = Vec<MappingTemplate>),
        (status = 400, description = "The name, the sheet or a field is not acceptable, or the name differs from the path's; every problem said.", body = sheetlink_protocol::ErrorBody),
        (status = 409, description = "The tenant keeps 200 templates already: delete one first.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    crate::http::JsonBody(mut template): crate::http::JsonBody<MappingTemplate>,
) -> Result<Json<Vec<MappingTemplate>>, AppError> {
    require_admin(&caller)?;
    template.name = template.name.trim().to_owned();
    if template.name != name.trim() {
        return Err(AppError::bad_request(
            "template_name_differs",
            "URLのテンプレート名と本文の名前が違います。",
            "The template's name in the URL and in the body differ.",
        ));
    }
    let templates = state
        .store
        .run(move |store| {
            let problems = template.problems(&tenant_catalog(store, &caller.tenant)?);
            if !problems.is_empty() {
                return Err(AppError::bad_request_lines(
                    "template_invalid",
                    &problems,
                    |p, lang| p.message(lang),
                ));
            }
            store.update_mapping_templates(&caller.tenant, |templates| {
                let count = templates.len();
                match templates.iter_mut().find(|t| t.name == template.name) {
                    Some(same) => *same = template.clone(),
                    None if count >= MAX_TEMPLATES => {
                        return Err(AppError::conflict(
                            "too_many_templates",
                            format!("マッピングテンプレートは{MAX_TEMPLATES}件までです。使わないものを削除してから保存してください。"),
                            format!("At most {MAX_TEMPLATES} mapping templates: delete one you no longer use, then save."),
                        ));
                    }
                    None => templates.push(template.clone()),
                }
                Ok(audit_entry(
                    &caller,
                    AuditAction::MappingTemplateSaved,
                    &template.name,
                    format!("{} ({} columns)", template.sheet, template.mappings.len()),
                ))
            })
        })
        .await?;
    Ok(Json(templates))
}

/// `DELETE /api/linkage/mapping-templates/{name}`.
#[utoipa::path(
    delete, summary = "Delete a mapping template", path = "/api/linkage/mapping-templates/{name}", tag = "linkage",
    params(("name" = String, Path, description = "The template's name.")),
    responses(
        (status = 204, description = "Deleted (audited)."),
        (status = 404, description = "No template has this name.", body = sheetlink_protocol::ErrorBody),
        crate::openapi::SignedIn, crate::openapi::AdminsOnly,
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    require_admin(&caller)?;
    state
        .store
        .run(move |store| {
            store.update_mapping_templates(&caller.tenant, |templates| {
                let before = templates.len();
                templates.retain(|t| t.name != name);
                if templates.len() == before {
                    return Err(AppError::not_found(
                        "unknown_template",
                        format!("テンプレート「{name}」はありません。"),
                        format!("There is no template {name}."),
                    ));
                }
                Ok(audit_entry(
                    &caller,
                    AuditAction::MappingTemplateDeleted,
                    &name,
                    String::new(),
                ))
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
