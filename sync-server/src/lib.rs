//! sheetlink's sync server: the authority. It re-validates every batch with
//! the same engine the browser runs (a batch may come from a browser, a
//! script or an attacker), checks every permission, applies changes through
//! the storage seam (`store`, redb by default) and keeps the history.
//!
//! `app(state)` builds the router, so tests drive it with `oneshot` and the
//! binary serves it. A request's work runs on the blocking pool
//! (`Store::run`), never on the async threads.

use axum::Router;
use axum::routing::{get, post};

pub mod api;
pub mod auth;
pub mod config;
pub mod dry_runs;
pub mod error;
pub mod forwarded;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod imports;
pub mod linkage;
pub mod model;
pub mod permissions;
pub mod seed;
pub mod store;

pub use config::Config;
pub use error::AppError;
pub use store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The settings.
    pub config: std::sync::Arc<Config>,
    /// One lock per tenant: a tenant's imports run one at a time, which also
    /// makes concurrent retries of one idempotency key apply once.
    pub import_locks: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    >,
    /// Failed sign-ins per login id, against password guessing.
    pub login_throttle: auth::LoginThrottle,
    /// `config.trusted_proxies`, parsed.
    pub trusted_proxies: std::sync::Arc<Vec<ipnet::IpNet>>,
    /// Recent dry runs, for paging through their changes.
    pub dry_runs: dry_runs::DryRuns,
}

impl AppState {
    /// State over an opened store.
    pub fn new(store: Store, config: Config) -> Self {
        // `Config::load` has checked the list; a hand-built config with a
        // bad entry trusts no proxy.
        let trusted_proxies =
            linkage::access::parse_allowed(&config.trusted_proxies).unwrap_or_default();
        AppState {
            trusted_proxies: std::sync::Arc::new(trusted_proxies),
            store,
            config: std::sync::Arc::new(config),
            import_locks: Default::default(),
            login_throttle: Default::default(),
            dry_runs: Default::default(),
        }
    }

    /// The import lock of a tenant.
    pub fn import_lock(&self, tenant: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .import_locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::sync::Arc::clone(locks.entry(tenant.to_owned()).or_default())
    }
}

/// The OpenAPI description of this API, kept beside the code it describes
/// (a test checks that every route is in it).
pub const OPENAPI: &str = include_str!("../api/openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// Every route, for the OpenAPI check.
pub const ROUTES: &[&str] = &[
    "/api/login",
    "/api/logout",
    "/api/me",
    "/api/periods",
    "/api/periods/{period}/sheets",
    "/api/periods/{period}/sheets/{sheet}/items",
    "/api/periods/{period}/sheets/{sheet}/schema",
    "/api/periods/{period}/sheets/{sheet}/template",
    "/api/periods/{period}/sheets/{sheet}/imports",
    "/api/dry-runs/{id}",
    "/api/imports",
    "/api/imports/{id}",
    "/api/imports/by-key/{key}",
    "/api/imports/{id}/revert",
    "/api/imports/{id}/error-file",
    "/api/openapi.json",
    "/api/linkage/settings",
    "/api/linkage/token",
    "/api/linkage/catalog",
    "/api/linkage/import-conditions",
    "/api/linkage/import-conditions/{key}",
    "/api/linkage/import-conditions/{key}/script",
    "/api/linkage/export-conditions",
    "/api/linkage/export-conditions/{key}",
    "/api/linkage/export-conditions/{key}/script",
    "/api/linkage/client-module",
    "/api/linkage/runs",
    "/api/linkage/runs/{id}",
    "/api/timeline",
    "/api/linkage/export-preview",
    "/api/linkage/members",
    "/api/batch/imports/{key}",
    "/api/batch/exports/{key}",
];

/// The whole HTTP API, and the web app (from `config.web_dir`) at every
/// other path: files as they are, and `index.html` for the app's own routes
/// (`/history/…`), which the browser's app resolves.
pub fn app(state: AppState) -> Router {
    let web_dir = state.config.web_dir.clone();
    let router = api_routes(state)
        // An unknown API path is a JSON 404, never the app's page.
        .route("/api/{*rest}", axum::routing::any(unknown_api));
    let router = if web_dir.join("index.html").is_file() {
        // The app's page goes through `app_page` (a fresh CSP nonce per
        // answer); every other file is served as it is.
        let page = {
            let web_dir = web_dir.clone();
            move || app_page(web_dir.join("index.html"))
        };
        let files = tower_http::services::ServeDir::new(&web_dir)
            .append_index_html_on_directories(false)
            .fallback(get(page.clone()));
        router
            .route("/index.html", get(page))
            .fallback_service(files)
    } else {
        tracing::warn!(dir = %web_dir.display(), "no web app built there; serving the API only");
        router
    };
    // On every answer: no MIME sniffing, no framing (clickjacking), no
    // referrer leaks, and revalidation of the app's files on every load
    // (their names carry no hash; the service worker covers offline use).
    use axum::http::{HeaderValue, header};
    use tower_http::set_header::SetResponseHeaderLayer;
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// The placeholder Trunk writes into the page's inline scripts
/// (`create_nonce` in Trunk.toml).
const NONCE_PLACEHOLDER: &str = "{{__TRUNK NONCE__}}";

/// The app's page with a fresh nonce in its inline scripts and a
/// Content-Security-Policy that allows only those scripts, this origin's
/// files and WebAssembly: an injected script cannot run.
async fn app_page(path: std::path::PathBuf) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse as _;
    let (Ok(page), Ok(nonce)) = (tokio::fs::read_to_string(&path).await, ids::new_token()) else {
        return AppError::not_found(
            "web_app_missing",
            "Webアプリがビルドされていません。scripts/run.sh で起動してください。",
            "The web app is not built. Start the server with scripts/run.sh.",
        )
        .into_response();
    };
    let nonce = &nonce[..32];
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    let mut response = page.replace(NONCE_PLACEHOLDER, nonce).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

async fn unknown_api() -> AppError {
    AppError::not_found(
        "not_found",
        "このAPIのパスはありません。/api/openapi.json で一覧を確認してください。",
        "No such API path. /api/openapi.json lists them.",
    )
}

/// Refuses a state-changing request (any method but GET, HEAD, OPTIONS)
/// that a browser sent from another site when it would be authenticated by
/// the session cookie, or is a sign-in (login CSRF): `Sec-Fetch-Site` must
/// say `same-origin`, or, where a browser sends only `Origin`, that origin
/// must be this server's (its public URL, or the host the request was sent
/// to). SameSite=Strict cookies already stop most of this; the check does
/// not depend on the browser's cookie policy. A request with neither header
/// comes from a program, not a browser page, and carries no ambient
/// credentials, so it passes (the batch API authenticates by header anyway).
async fn same_origin_only(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse as _;
    let method = request.method();
    let safe = method == Method::GET || method == Method::HEAD || method == Method::OPTIONS;
    let (parts, body) = request.into_parts();
    let cookie_authenticated = auth::request_token(&parts, state.config.https()).is_some();
    let sign_in = parts.uri.path() == "/api/login";
    if !safe && (cookie_authenticated || sign_in) && !same_origin(&parts.headers, &state.config) {
        return AppError::forbidden(
            "cross_site",
            "別のサイトからの操作は受け付けません。sheetlinkの画面から操作してください。",
            "Requests from other sites are refused. Use sheetlink's own pages.",
        )
        .into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// Whether a browser says the request comes from this server's own pages.
fn same_origin(headers: &axum::http::HeaderMap, config: &Config) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    let Some(origin) = header("origin") else {
        return true;
    };
    let public = config
        .public_url
        .as_deref()
        .is_some_and(|url| url.trim_end_matches('/') == origin);
    let host = header("host").is_some_and(|host| {
        origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .is_some_and(|authority| authority == host)
    });
    public || host
}

fn api_routes(state: AppState) -> Router {
    let guard = axum::middleware::from_fn_with_state(state.clone(), same_origin_only);
    api_router().layer(guard).with_state(state)
}

fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(api::login))
        .route("/api/logout", post(api::logout))
        .route("/api/me", get(api::whoami))
        .route("/api/periods", get(api::periods))
        .route("/api/periods/{period}/sheets", get(api::sheets))
        .route(
            "/api/periods/{period}/sheets/{sheet}/items",
            get(api::items),
        )
        .route(
            "/api/periods/{period}/sheets/{sheet}/schema",
            get(api::schema),
        )
        .route(
            "/api/periods/{period}/sheets/{sheet}/template",
            post(api::template),
        )
        // The import handler enforces the 30 MB limit itself (413 from the
        // declared length before reading, and while reading).
        .route(
            "/api/periods/{period}/sheets/{sheet}/imports",
            post(api::import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/dry-runs/{id}", get(api::dry_run_page))
        .route("/api/imports", get(api::history))
        .route("/api/imports/{id}", get(api::import_details))
        .route("/api/imports/by-key/{key}", get(api::import_by_key))
        .route("/api/imports/{id}/revert", post(api::revert))
        .route("/api/imports/{id}/error-file", get(api::error_file))
        .route("/api/openapi.json", get(openapi))
        .merge(linkage_routes())
}

fn linkage_routes() -> Router<AppState> {
    use linkage::api as l;
    use linkage::{StoredExportCondition as Export, StoredImportCondition as Import};
    Router::new()
        .route(
            "/api/linkage/settings",
            get(l::get_settings).put(l::put_settings),
        )
        .route("/api/linkage/token", post(l::post_token))
        .route("/api/linkage/catalog", get(l::catalog))
        .route(
            "/api/linkage/import-conditions",
            get(l::list_conditions::<Import>).post(l::create_condition::<Import>),
        )
        .route(
            "/api/linkage/import-conditions/{key}",
            get(l::get_condition::<Import>)
                .put(l::update_condition::<Import>)
                .delete(l::delete_condition::<Import>),
        )
        .route(
            "/api/linkage/import-conditions/{key}/script",
            get(l::condition_script::<Import>),
        )
        .route(
            "/api/linkage/export-conditions",
            get(l::list_conditions::<Export>).post(l::create_condition::<Export>),
        )
        .route(
            "/api/linkage/export-conditions/{key}",
            get(l::get_condition::<Export>)
                .put(l::update_condition::<Export>)
                .delete(l::delete_condition::<Export>),
        )
        .route(
            "/api/linkage/export-conditions/{key}/script",
            get(l::condition_script::<Export>),
        )
        .route("/api/linkage/client-module", post(l::client_module))
        .route("/api/linkage/runs", get(l::runs))
        .route("/api/linkage/runs/{id}", get(l::run_details))
        .route("/api/timeline", get(l::timeline))
        .route("/api/linkage/export-preview", post(l::export_preview))
        .route("/api/linkage/members", get(l::members))
        .route(
            "/api/batch/imports/{key}",
            post(l::batch_import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/batch/exports/{key}", get(l::batch_export))
        // Settings and conditions are small documents: 256 KiB is far more
        // than the largest the engine accepts (500 columns, 200 comparisons).
        // The batch import's own route lifts this for its CSV body.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
}

/// The largest settings or condition document accepted.
pub const MAX_JSON_BODY_BYTES: usize = 256 * 1024;
