//! The reference backend of Rapport: storage on SQLite, the HTTP API under
//! `/v1`, customer search, the customer-360 view, and demo data.
//!
//! The `rapport-server` binary wraps this library; the terminal client embeds
//! it too ([`embedded::start`]) when no remote server is configured, and then
//! talks to it over loopback HTTP exactly as it would to a remote one.

pub mod agents;
pub mod codes;
pub mod cursor;
pub mod customers;
pub mod db;
pub mod embedded;
pub mod error;
pub mod http;
pub mod phone;
pub mod search;
pub mod seed;
pub mod store;
pub mod summary;
pub mod text;
pub mod view;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use db::Db;
pub use http::{AppState, router};

/// How the server computes what it serves.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// The analysis date of purchase summaries; None means today (UTC).
    pub as_of: Option<chrono::NaiveDate>,
}

/// A running server. Dropping the handle leaves it running until the tokio
/// runtime ends; call [`ServerHandle::shutdown`] to stop it.
pub struct ServerHandle {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    upkeep: JoinHandle<()>,
}

impl ServerHandle {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting connections and wait (up to ten seconds) for requests
    /// in flight to finish.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        self.upkeep.abort();
        let mut task = self.task;
        match tokio::time::timeout(Duration::from_secs(10), &mut task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "server stopped with an error"),
            Ok(Err(e)) => tracing::warn!(error = %e, "server task failed"),
            Err(_) => {
                tracing::warn!("requests still running after 10 s; stopping anyway");
                task.abort();
            }
        }
    }
}

/// Serve the API on `listener` in a background task and return at once.
/// Loads the search vocabulary first, so the first search is not slow.
pub async fn serve(
    listener: TcpListener,
    db: Db,
    cfg: ServerConfig,
) -> anyhow::Result<ServerHandle> {
    db.warm_up().await?;
    let addr = listener.local_addr()?;
    let upkeep = tokio::spawn(upkeep(db.clone()));
    let app = router(AppState::new(db, cfg));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%addr, "serving");
    Ok(ServerHandle {
        addr,
        shutdown: tx,
        task,
        upkeep,
    })
}

/// How often the search vocabulary is checked against the database.
const VOCABULARY_REFRESH: Duration = Duration::from_secs(30);

/// Background work while serving: pick up name tokens that another process
/// (such as `rapport-server seed` on the same file) has added, so prefix and
/// typo search know them.
async fn upkeep(db: Db) {
    let mut tick = tokio::time::interval(VOCABULARY_REFRESH);
    tick.tick().await;
    loop {
        tick.tick().await;
        match db.vocab.refresh(db.pool()).await {
            Ok(true) => tracing::info!(tokens = db.vocab.len(), "search vocabulary reloaded"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not check the search vocabulary"),
        }
    }
}
