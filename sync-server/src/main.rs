//! `sheetlink-server [--config FILE]`: serves the API (seeding the demo
//! tenant into an empty data directory when `SHEETLINK_DEMO=1`), until
//! SIGINT / SIGTERM. `sheetlink-server tenant …`: the operator's commands
//! (see `accounts::operator`).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sheetlink_protocol::accounts::NewTenant;
use sheetlink_server::accounts::operator::{self, Answer, Command, Route};
use sheetlink_server::seed::{
    DEMO_ADMIN, DEMO_CRM_ADMIN, DEMO_LEADER, DEMO_MEMBER, seed_demo_with,
};
use sheetlink_server::{AppState, Config, Store, app};
use tracing_subscriber::EnvFilter;

/// sheetlink's server: the web app, the API and the batch API.
#[derive(Parser)]
#[command(
    name = "sheetlink-server",
    version,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// The configuration file (TOML); SHEETLINK_* environment variables
    /// override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The configuration file, given as the only argument (same as --config).
    #[arg(value_name = "CONFIG")]
    config_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Commands>,
}

#[derive(Subcommand)]
enum Commands {
    /// Tenants (organisations): create, list, disable, enable. Works against
    /// a stopped data directory and against the running server.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
}

#[derive(Subcommand)]
enum TenantAction {
    /// Creates a tenant and its first administrator, and prints the
    /// administrator's one-time set-up link.
    Create {
        /// Tenant id: 2-32 lower-case letters, digits and hyphens.
        id: String,
        /// Login id of the first administrator (evaluation and CRM admin).
        #[arg(long, value_name = "LOGIN")]
        admin: String,
        /// The tenant's name (default: its id).
        #[arg(long)]
        name: Option<String>,
        /// The administrator's name (default: the login id).
        #[arg(long, value_name = "NAME")]
        admin_name: Option<String>,
    },
    /// Lists every tenant.
    List,
    /// Disables a tenant: nobody of it signs in or runs a batch.
    Disable {
        /// Tenant id.
        id: String,
    },
    /// Enables a disabled tenant again.
    Enable {
        /// Tenant id.
        id: String,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config_path = cli.config.or(cli.config_file);
    let config = Config::load(config_path.as_deref(), |name| std::env::var(name).ok())
        .context("reading the configuration")?;
    match cli.command {
        None => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(serve(config)),
        Some(Commands::Tenant { action }) => tenant(&config, action),
    }
}

/// Runs an operator command and prints its answer; a refusal exits with 1.
#[allow(clippy::print_stdout, clippy::print_stderr)] // a command's output
fn tenant(config: &Config, action: TenantAction) -> anyhow::Result<()> {
    let command = match action {
        TenantAction::Create {
            id,
            admin,
            name,
            admin_name,
        } => Command::Create(NewTenant {
            id,
            name: name.unwrap_or_default(),
            admin_login: admin,
            admin_name: admin_name.unwrap_or_default(),
        }),
        TenantAction::List => Command::List,
        TenantAction::Disable { id } => Command::Disable { id, disabled: true },
        TenantAction::Enable { id } => Command::Disable {
            id,
            disabled: false,
        },
    };
    let (route, answer) = operator::dispatch(config, &command)?;
    let via = match route {
        Route::RunningServer => "through the running server",
        Route::DataDirectory => "in the data directory (no server running on it)",
    };
    match answer {
        Err(refusal) => {
            eprintln!("{}\n{}", refusal.message, refusal.message_en);
            std::process::exit(1);
        }
        Ok(Answer::Tenants { tenants }) => {
            println!("{:<32}  {:<8}  {:>8}  name", "tenant", "status", "accounts");
            for tenant in tenants {
                let status = if tenant.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!(
                    "{:<32}  {status:<8}  {:>8}  {}",
                    tenant.id, tenant.accounts, tenant.name
                );
            }
        }
        Ok(Answer::Created(created)) => {
            let hours = (created
                .setup
                .expires_at
                .saturating_sub(sheetlink_server::ids::now())
                + 1_799)
                / 3_600;
            println!(
                "Created tenant {} ({}) {via}.",
                created.tenant.id, created.tenant.name
            );
            println!(
                "Its administrator signs in with tenant \"{}\"; send them this set-up link (works once, for {hours} hours; shown only now):",
                created.tenant.id
            );
            println!("{}", created.setup.url);
        }
        Ok(Answer::Changed(tenant)) => {
            let state = if tenant.disabled_at.is_some() {
                "disabled: nobody of it signs in or runs a batch"
            } else {
                "enabled"
            };
            println!("Tenant {} is {state} ({via}).", tenant.id);
        }
    }
    Ok(())
}

#[allow(clippy::print_stdout)] // the listening line is the binary's output
async fn serve(mut config: Config) -> anyhow::Result<()> {
    let store = Store::open(&config.data_dir).context("opening the database")?;
    if !config.demo {
        tracing::info!("no demo tenant (SHEETLINK_DEMO=1 seeds one into an empty database)");
    } else if !seed_demo_with(&store, config.demo_members).map_err(|e| anyhow::anyhow!("{e:?}"))? {
        tracing::info!("the database is not empty: the demo tenant is not seeded");
    } else {
        tracing::info!(
            admin = format!("{} / {}", DEMO_ADMIN.0, DEMO_ADMIN.1),
            leader = format!("{} / {}", DEMO_LEADER.0, DEMO_LEADER.1),
            crm_admin = format!("{} / {}", DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1),
            member = format!("{} / {}", DEMO_MEMBER.0, DEMO_MEMBER.1),
            "seeded the demo tenant; sign in with these demo accounts"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .context("binding the listen address")?;
    // The address bound (port 0 becomes a real port): set-up links name
    // it when no public URL is configured.
    config.listen = listener.local_addr()?;
    // Printed, not only logged: scripts and tests read the port from it.
    println!("sheetlink-server listening on http://{}", config.listen);
    let interrupted = sheetlink_server::imports::recover_interrupted(&store)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "imports interrupted by the last stop were marked as such"
        );
    }
    let interrupted = sheetlink_server::linkage::claim::recover_interrupted(&store)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "CRM runs interrupted by the last stop were marked as such (nothing of them was applied)"
        );
    }
    use sheetlink_server::store::Sessions as _;
    store
        .sessions()
        .purge_expired(sheetlink_server::ids::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Expired sessions are refused anyway; this only keeps the table small.
    {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(3_600)).await;
                if let Err(error) = store
                    .sessions()
                    .purge_expired(sheetlink_server::ids::now())
                    .await
                {
                    tracing::error!(?error, "expired sessions could not be purged");
                }
            }
        });
    }
    // Retention: what the policy no longer keeps goes, hourly (and now), in
    // steps of at most 1,000 entries, each its own short transaction.
    {
        let store = store.clone();
        let policy = config.retention;
        tracing::info!(?policy, "retention policy");
        tokio::spawn(async move {
            loop {
                let mut purged = 0;
                loop {
                    let step = store
                        .run(move |store| {
                            use sheetlink_server::store::Retention as _;
                            store.purge_step(&policy, sheetlink_server::ids::now_millis(), 1_000)
                        })
                        .await;
                    match step {
                        Ok(0) => break,
                        Ok(n) => purged += n,
                        Err(error) => {
                            tracing::error!(?error, "the retention purge failed");
                            break;
                        }
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                if purged > 0 {
                    tracing::info!(purged, "entries past the retention policy purged");
                }
                tokio::time::sleep(std::time::Duration::from_secs(3_600)).await;
            }
        });
    }
    match config.smtp_host.clone() {
        Some(host) => sheetlink_server::linkage::mail::spawn_sender(
            store.clone(),
            sheetlink_server::linkage::mail::SmtpSettings {
                host,
                port: config.smtp_port,
                from: config.mail_from.clone(),
                security: config.smtp_security,
                credentials: config.smtp_user.clone().zip(config.smtp_password.clone()),
            },
            std::time::Duration::from_secs(2),
        ),
        None => tracing::warn!(
            "no SMTP host configured (SHEETLINK_SMTP_HOST): notification e-mails stay queued"
        ),
    }
    // Operator commands reach the running server here (loopback only).
    let _operator = operator::serve(store.clone(), config.clone())
        .await
        .context("starting the operator endpoint")?;
    let state = AppState::new(store, config);
    // The peer address is kept for the batch API's allowed-address check.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
