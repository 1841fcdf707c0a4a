//! `sheetlink-server [CONFIG.toml]`: serves the API (seeding the demo tenant
//! into an empty data directory when `SHEETLINK_DEMO=1`), until SIGINT / SIGTERM.

use anyhow::Context as _;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_LEADER, seed_demo_with};
use sheetlink_server::{AppState, Config, Store, app};
use tracing_subscriber::EnvFilter;

#[tokio::main]
#[allow(clippy::print_stdout)] // the listening line is the binary's output
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config_path = std::env::args_os().nth(1).map(std::path::PathBuf::from);
    let config = Config::load(config_path.as_deref(), |name| std::env::var(name).ok())
        .context("reading the configuration")?;
    let store = Store::open(&config.data_dir).context("opening the database")?;
    if !config.demo {
        tracing::info!("no demo tenant (SHEETLINK_DEMO=1 seeds one into an empty database)");
    } else if !seed_demo_with(&store, config.demo_members).map_err(|e| anyhow::anyhow!("{e:?}"))? {
        tracing::info!("the database is not empty: the demo tenant is not seeded");
    } else {
        tracing::info!(
            admin = format!("{} / {}", DEMO_ADMIN.0, DEMO_ADMIN.1),
            leader = format!("{} / {}", DEMO_LEADER.0, DEMO_LEADER.1),
            "seeded the demo tenant; sign in with these demo accounts"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .context("binding the listen address")?;
    // Printed, not only logged: scripts and tests read the port from it.
    println!(
        "sheetlink-server listening on http://{}",
        listener.local_addr()?
    );
    let interrupted = sheetlink_server::imports::recover_interrupted(&store)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "imports interrupted by the last stop were marked as such"
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
