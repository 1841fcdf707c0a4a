//! The API's route table, once: every route is registered here through
//! `utoipa_axum::routes!`, which takes the method, the path and the
//! OpenAPI operation from the handler's `#[utoipa::path]`. The router and
//! the document served at `/api/openapi.json` are two halves of the same
//! value, so they cannot disagree.

use std::sync::OnceLock;

use axum::extract::DefaultBodyLimit;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::accounts::api as a;
use crate::linkage::api as l;
use crate::organisation::api as o;
use crate::{AppState, MAX_JSON_BODY_BYTES, api};

/// The document's frame: what it is, who may call it, how.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sheetlink sync-server",
        description = "Evaluation-sheet imports (templates, native re-validation, per-evaluatee atomic apply, dry runs, revert, history) and batch linkage of CRM records. Every operation but sign-in, this document and the batch API needs the session cookie that `POST /api/login` sets; the batch API takes the tenant's token (Bearer) or an admin's login id and password (Basic). Every refusal has one body: `{error, message, message_en, …details}`."
    ),
    security(("session" = [])),
    modifiers(&Security),
    tags(
        (name = "session", description = "Signing in and out."),
        (name = "accounts", description = "Set-up links, passwords, members and their roles (evaluation admins), the audit log."),
        (name = "organisation", description = "Setting up the organisation (evaluation admins): periods, group members, customize sheets, evaluatees, members in bulk."),
        (name = "evaluation", description = "Evaluation-sheet templates and imports."),
        (name = "linkage", description = "Batch-linkage settings, conditions, runs and the timeline (CRM admins)."),
        (name = "batch", description = "The API the scheduled batch client calls."),
        (name = "meta", description = "This document."),
    )
)]
struct ApiDoc;

/// The session cookie and the two batch credentials.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sheetlink_session",
                "Set by POST /api/login (HttpOnly, SameSite=Strict; `__Host-sheetlink_session` when the public URL is https).",
            ))),
        );
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description =
            Some("The tenant's batch token (authentication method: token).".into());
        components.add_security_scheme("bearerToken", SecurityScheme::Http(bearer));
        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description = Some(
            "A CRM admin's `login@tenant` (or login id, on a server with one tenant) and password (authentication method: user id and password)."
                .into(),
        );
        components.add_security_scheme("basicPassword", SecurityScheme::Http(basic));
    }
}

/// The body limit of an upload route: a file (30 MB) and, for a manual CRM
/// import, its mapping part and the multipart framing. Raw-body routes read
/// the file with the same limit themselves (`http::read_csv`); a multipart
/// route's parser is held to it here, part headers included.
pub const MAX_UPLOAD_BODY_BYTES: usize =
    sheetlink_engine::evaluation::MAX_FILE_BYTES + MAX_JSON_BODY_BYTES + 64 * 1024;

/// Gives an upload route its own body limit instead of the JSON routes'
/// ([`MAX_UPLOAD_BODY_BYTES`]). No route is left without one.
fn upload_body_limit(
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    (
        schemas,
        paths,
        method_router.layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES)),
    )
}

/// 401, for every endpoint that needs a session (`responses(…, SignedIn)`).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 401,
    description = "Not signed in (no or an expired session)."
)]
pub struct SignedIn(pub sheetlink_protocol::ErrorBody);

/// 403, for the evaluation endpoints only importers reach.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 403,
    description = "Only evaluation admins and group leaders import."
)]
pub struct ImportersOnly(pub sheetlink_protocol::ErrorBody);

/// 403, for the batch-linkage settings endpoints.
#[derive(utoipa::IntoResponses)]
#[response(status = 403, description = "Only CRM admins manage batch linkage.")]
pub struct AdminsOnly(pub sheetlink_protocol::ErrorBody);

/// 403, for the account endpoints.
#[derive(utoipa::IntoResponses)]
#[response(status = 403, description = "Only evaluation admins manage accounts.")]
pub struct AccountAdminsOnly(pub sheetlink_protocol::ErrorBody);

/// 403, for the organisation endpoints.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 403,
    description = "Only evaluation admins set up the organisation."
)]
pub struct OrganisationAdminsOnly(pub sheetlink_protocol::ErrorBody);

/// Every API route with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    use l::{export_conditions as export, import_conditions as import};
    let linkage = OpenApiRouter::new()
        .routes(routes!(l::get_settings, l::put_settings))
        .routes(routes!(l::post_token))
        .routes(routes!(l::catalog))
        .routes(routes!(l::catalog_additions, l::save_catalog_additions))
        .routes(routes!(import::list, import::create))
        .routes(routes!(import::get, import::update, import::delete))
        .routes(routes!(import::script))
        .routes(routes!(export::list, export::create))
        .routes(routes!(export::get, export::update, export::delete))
        .routes(routes!(export::script))
        .routes(routes!(l::client_module, l::client_module_info))
        .routes(routes!(l::runs))
        .routes(routes!(l::run_details))
        .routes(routes!(l::timeline))
        .routes(routes!(l::export_preview))
        .routes(routes!(l::members))
        .routes(routes!(l::lists))
        .routes(routes!(l::list_page))
        .routes(routes!(l::remove_from_list))
        .routes(routes!(l::clear_list))
        .routes(routes!(l::export_list))
        .routes(routes!(l::record_page))
        .routes(routes!(l::sheet_template))
        .routes(routes!(l::record_detail, l::delete_record))
        .routes(upload_body_limit(routes!(l::batch_import)))
        .routes(upload_body_limit(routes!(
            crate::linkage::manual::manual_import
        )))
        .routes(routes!(crate::linkage::manual::dry_run_rows))
        .routes(routes!(crate::linkage::templates::list))
        .routes(routes!(
            crate::linkage::templates::save,
            crate::linkage::templates::delete
        ))
        .routes(routes!(l::batch_export))
        .routes(routes!(l::batch_run))
        // Settings and conditions are small documents: 256 KiB is far more
        // than the largest the engine accepts (500 columns, 200
        // comparisons). The upload routes have their own (a file's).
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::login))
        .routes(routes!(api::logout))
        .routes(routes!(api::whoami))
        .routes(routes!(api::periods))
        .routes(routes!(api::sheets))
        .routes(routes!(api::items))
        .routes(routes!(api::schema))
        .routes(routes!(api::template))
        .routes(upload_body_limit(routes!(api::import)))
        .routes(routes!(api::dry_run_page))
        .routes(routes!(api::history))
        .routes(routes!(api::import_details))
        .routes(routes!(api::import_by_key))
        .routes(routes!(api::revert))
        .routes(routes!(api::error_file))
        .routes(routes!(api::import_changes))
        .routes(routes!(api::my_sheets))
        .routes(routes!(api::sheet_list))
        .routes(routes!(api::sheet_one))
        .routes(routes!(api::advance_sheet))
        .routes(routes!(a::setup_info))
        .routes(routes!(a::setup))
        .routes(routes!(a::change_password))
        .routes(routes!(a::list, a::create))
        .routes(routes!(a::set_roles))
        .routes(routes!(a::deactivate))
        .routes(routes!(a::activate))
        .routes(routes!(a::reset_password))
        .routes(routes!(a::audit))
        .routes(routes!(a::groups, a::create_group))
        .routes(routes!(o::periods, o::create_period))
        .routes(routes!(o::change_period))
        .routes(routes!(o::groups))
        .routes(routes!(o::set_group_members))
        .routes(routes!(o::sheets, o::create_sheet))
        .routes(routes!(o::sheet, o::save_sheet))
        .routes(routes!(o::publish_sheet))
        .routes(routes!(o::evaluatees, o::add_evaluatees))
        .routes(routes!(o::export_members))
        .routes(upload_body_limit(routes!(o::import_members)))
        .routes(routes!(document))
        .merge(linkage)
}

/// The OpenAPI document of [`routes`], as JSON, made once.
pub fn json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, document) = routes().split_for_parts();
        document
            .to_pretty_json()
            .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
    })
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json", body = Object)))]
pub async fn document() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
}
