//! What the server's operator does from a shell: `sheetlink-server tenant
//! create | list | disable | enable`.
//!
//! redb locks its file while the server runs, so a command works two ways:
//! - **server stopped**: the command opens the data directory itself;
//! - **server running**: the server listens on a second, loopback-only
//!   address (an ephemeral port on 127.0.0.1) for operator requests, and
//!   writes that address and a fresh random secret to `operator.json` in
//!   the data directory (readable by its owner only). The command reads the
//!   file and sends the secret as a bearer token. Whoever can read the data
//!   directory can read the whole database anyway; nobody else can reach
//!   the port from another machine nor knows the secret. The file is
//!   removed when the server stops; a stale one (a crash) is noticed — no
//!   answer — and the command opens the directory itself.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sheetlink_protocol::accounts::{CreatedTenant, NewTenant, TenantView};
use subtle::ConstantTimeEq as _;

use crate::error::AppError;
use crate::store::Backend;
use crate::{Config, Store};

/// The file in the data directory that tells commands where the running
/// server listens for them.
pub const OPERATOR_FILE: &str = "operator.json";

/// What `operator.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The bearer secret.
    pub secret: String,
}

/// An operator command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Every tenant.
    List,
    /// A new tenant with its first administrator.
    Create(NewTenant),
    /// Disable (`true`) or enable (`false`) a tenant.
    Disable {
        /// Tenant id.
        id: String,
        /// Disable or enable.
        disabled: bool,
    },
}

/// What a command answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    /// The tenants.
    Tenants {
        /// In id order.
        tenants: Vec<TenantView>,
    },
    /// The tenant created.
    Created(CreatedTenant),
    /// The tenant disabled or enabled.
    Changed(TenantView),
}

/// Runs `command` against `store`.
pub fn execute(
    store: &impl Backend,
    config: &Config,
    command: &Command,
) -> Result<Answer, AppError> {
    match command {
        Command::List => Ok(Answer::Tenants {
            tenants: store
                .tenants()?
                .iter()
                .map(|tenant| super::tenant_view(store, tenant))
                .collect::<Result<_, _>>()?,
        }),
        Command::Create(new) => super::create_tenant(store, config, new).map(Answer::Created),
        Command::Disable { id, disabled } => {
            if !super::set_tenant_disabled(store, id, *disabled)? {
                return Err(AppError::not_found(
                    "no_such_tenant",
                    format!(
                        "組織「{id}」はありません。`sheetlink-server tenant list` で確かめてください。"
                    ),
                    format!("There is no tenant {id}: see `sheetlink-server tenant list`."),
                ));
            }
            let tenant = store
                .tenant(id)?
                .ok_or_else(|| AppError::internal("tenant vanished"))?;
            Ok(Answer::Changed(super::tenant_view(store, &tenant)?))
        }
    }
}

#[derive(Clone)]
struct OperatorState {
    store: Store,
    config: Config,
    secret: String,
}

fn authorised(state: &OperatorState, headers: &HeaderMap) -> Result<(), AppError> {
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(state.secret.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

async fn run(
    state: OperatorState,
    headers: HeaderMap,
    command: Command,
) -> Result<Json<Answer>, AppError> {
    authorised(&state, &headers)?;
    let config = state.config.clone();
    let answer = state
        .store
        .run(move |store| execute(store, &config, &command))
        .await?;
    Ok(Json(answer))
}

async fn list(
    State(state): State<OperatorState>,
    headers: HeaderMap,
) -> Result<Json<Answer>, AppError> {
    run(state, headers, Command::List).await
}

async fn create(
    State(state): State<OperatorState>,
    headers: HeaderMap,
    crate::http::JsonBody(new): crate::http::JsonBody<NewTenant>,
) -> Result<Json<Answer>, AppError> {
    run(state, headers, Command::Create(new)).await
}

async fn disable(
    State(state): State<OperatorState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Answer>, AppError> {
    run(state, headers, Command::Disable { id, disabled: true }).await
}

async fn enable(
    State(state): State<OperatorState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Answer>, AppError> {
    run(
        state,
        headers,
        Command::Disable {
            id,
            disabled: false,
        },
    )
    .await
}

/// The running server's operator endpoint; dropping it removes
/// `operator.json`.
pub struct Listening {
    file: PathBuf,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Starts the loopback operator endpoint beside the server and writes
/// `operator.json`.
pub async fn serve(store: Store, config: Config) -> anyhow::Result<Listening> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let endpoint = Endpoint {
        url: format!("http://{}", listener.local_addr()?),
        secret: crate::ids::new_token().map_err(|e| anyhow::anyhow!("{e:?}"))?,
    };
    let file = config.data_dir.join(OPERATOR_FILE);
    write_private(&file, &serde_json::to_vec_pretty(&endpoint)?)?;
    let state = OperatorState {
        store,
        config,
        secret: endpoint.secret,
    };
    let router = Router::new()
        .route("/operator/tenants", get(list).post(create))
        .route("/operator/tenants/{id}/disable", post(disable))
        .route("/operator/tenants/{id}/enable", post(enable))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(?error, "the operator endpoint stopped");
        }
    });
    Ok(Listening { file })
}

/// Writes `bytes` to `path` readable by the owner only (via a temporary
/// file renamed into place, so a reader never sees half of it).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let temporary = path.with_extension("tmp");
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// How a command reached the data: through the running server, or by
/// opening the stopped server's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Through the running server's operator endpoint.
    RunningServer,
    /// The data directory opened directly.
    DataDirectory,
}

/// Runs `command` for the data directory of `config`: through the running
/// server when `operator.json` names one that answers, else by opening the
/// directory (which fails while a server holds it).
pub fn dispatch(
    config: &Config,
    command: &Command,
) -> anyhow::Result<(Route, Result<Answer, sheetlink_protocol::ErrorBody>)> {
    let file = config.data_dir.join(OPERATOR_FILE);
    if let Ok(bytes) = std::fs::read(&file) {
        let endpoint: Endpoint = serde_json::from_slice(&bytes).map_err(|e| {
            anyhow::anyhow!("{} is damaged ({e}); remove it and retry", file.display())
        })?;
        match send(&endpoint, command) {
            Ok(answer) => return Ok((Route::RunningServer, answer)),
            Err(Unreachable) => {
                tracing::info!(
                    "{} names no running server; opening the data directory",
                    file.display()
                );
            }
        }
    }
    let store = Store::open(&config.data_dir).map_err(|error| {
        anyhow::anyhow!(
            "cannot open the data directory {} ({error}); if a server is running on it, it must be a \
             sheetlink-server that writes {OPERATOR_FILE}",
            config.data_dir.display()
        )
    })?;
    let answer = execute(&store, config, command).map_err(|error| error.body().1);
    Ok((Route::DataDirectory, answer))
}

struct Unreachable;

fn send(
    endpoint: &Endpoint,
    command: &Command,
) -> Result<Result<Answer, sheetlink_protocol::ErrorBody>, Unreachable> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let auth = format!("Bearer {}", endpoint.secret);
    let url = |path: &str| format!("{}/operator/tenants{path}", endpoint.url);
    let response = match command {
        Command::List => agent.get(&url("")).header("authorization", &auth).call(),
        Command::Create(new) => agent
            .post(&url(""))
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .send(serde_json::to_vec(new).unwrap_or_default().as_slice()),
        Command::Disable { id, disabled } => {
            let verb = if *disabled { "disable" } else { "enable" };
            agent
                .post(&url(&format!("/{id}/{verb}")))
                .header("authorization", &auth)
                .send_empty()
        }
    };
    let mut response = response.map_err(|_| Unreachable)?;
    let ok = response.status().is_success();
    let body = response.body_mut().read_to_vec().map_err(|_| Unreachable)?;
    if ok {
        serde_json::from_slice(&body)
            .map(Ok)
            .map_err(|_| Unreachable)
    } else {
        Ok(Err(serde_json::from_slice(&body).unwrap_or_else(|_| {
            sheetlink_protocol::ErrorBody {
                error: "operator_refused".into(),
                message: "サーバーが操作を拒否しました。".into(),
                message_en: format!("The server refused ({}).", String::from_utf8_lossy(&body)),
                details: serde_json::Map::new(),
            }
        })))
    }
}
