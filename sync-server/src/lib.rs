//! sheetlink's sync server: the authority. It re-validates every batch with
//! the same engine the browser runs (a batch may come from a browser, a
//! script or an attacker), checks every permission, applies changes through
//! the storage seam (`store`, redb by default) and keeps the history.
//!
//! `app(state)` builds the router, so tests drive it with `oneshot` and the
//! binary serves it. A request's work runs on the blocking pool
//! (`Store::run`), never on the async threads.

use axum::Router;
use axum::routing::get;

pub mod accounts;
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
pub mod notice;
pub mod openapi;
pub mod organisation;
pub mod permissions;
pub mod seed;
pub mod sheets;
pub mod store;
pub mod user_sheets;

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
    /// One lock per tenant: a tenant's imports run one at a time (in this
    /// process). Retries are not its business: an import's key is claimed
    /// in the store before the lock is waited for (see `linkage::claim`).
    pub import_locks: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    >,
    /// Failed sign-ins per login id, against password guessing.
    pub login_throttle: auth::LoginThrottle,
    /// `config.trusted_proxies`, parsed.
    pub trusted_proxies: std::sync::Arc<Vec<ipnet::IpNet>>,
    /// Recent dry runs, for paging through their changes.
    pub dry_runs: dry_runs::DryRuns,
    /// Recent manual CRM dry runs, for paging through their rows.
    pub crm_dry_runs: linkage::manual::ManualDryRuns,
    /// The client programs packed for modules, while the files stay the same.
    pub client_programs: linkage::module::ProgramCache,
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
            crm_dry_runs: Default::default(),
            client_programs: Default::default(),
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

    /// Runs `job` on the blocking pool once the tenant's import lock is
    /// free, and holds the lock until the job ends. The job is a task of
    /// its own that owns the lock's guard: a client that hangs up drops
    /// only its wait for the answer, never the lock of work that goes on.
    pub async fn run_exclusive<T, F>(&self, tenant: &str, job: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
    {
        let lock = self.import_lock(tenant);
        let store = self.store.clone();
        tokio::spawn(async move {
            let held = lock.lock_owned().await;
            store
                .run(move |store| {
                    let answer = job(store);
                    drop(held);
                    answer
                })
                .await
        })
        .await
        .map_err(AppError::internal)?
    }
}

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
    // Requests that start a session (login CSRF): the sign-in and the
    // set-up link's password.
    let sign_in = matches!(parts.uri.path(), "/api/login" | "/api/setup");
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
    use axum::http::{HeaderValue, header};
    use tower_http::set_header::SetResponseHeaderLayer;
    let guard = axum::middleware::from_fn_with_state(state.clone(), same_origin_only);
    let (router, _) = openapi::routes().split_for_parts();
    router
        .layer(guard)
        // No API answer is kept by a browser or a proxy: member lists,
        // error files, records, exports and import details carry personal
        // data, and none of the others is worth a stale copy. (The web
        // app's service worker never caches /api/ either.)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// The largest settings or condition document accepted.
pub const MAX_JSON_BODY_BYTES: usize = 256 * 1024;
