//! The reference backend of Rapport: storage on SQLite, the HTTP API under
//! `/v1`, customer search, the customer-360 view, recording, the live call
//! queues with their simulator, and demo data.
//!
//! The `rapport-server` binary wraps this library; the terminal client embeds
//! it too ([`embedded::start`]) when no remote server is configured, and then
//! talks to it over loopback HTTP exactly as it would to a remote one.

pub mod agents;
pub mod analytics;
pub mod audit;
pub mod codes;
pub mod cursor;
pub mod customers;
pub mod db;
pub mod embedded;
pub mod error;
pub mod events;
pub mod http;
pub mod import;
pub mod money;
pub mod phone;
pub mod privacy;
pub mod queues;
pub mod recording;
pub mod search;
pub mod seed;
pub mod store;
pub mod summary;
pub mod testing;
pub mod text;
pub mod tls;
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
    /// How customer analytics are computed and refreshed.
    pub analytics: analytics::Settings,
    /// Run the call simulator while serving (the demo; off on a real server).
    pub simulate: Option<Simulate>,
    /// Failed sign-ins allowed per client address and window.
    pub sign_in: http::auth::SignInLimit,
    /// Serve HTTPS with these PEM files (None: plain HTTP, e.g. behind a
    /// reverse proxy that terminates TLS).
    pub tls: Option<tls::TlsFiles>,
}

/// The call simulator's settings (see [`queues::simulator`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Simulate {
    pub seed: u64,
    /// Arrival rates are multiplied by this (1: the demo's).
    pub scale: f64,
    /// The hour of the simulated day it starts at (None: the real time of
    /// day, UTC); the demo starts at 10, in the morning rush, whenever it
    /// is started.
    pub start_hour: Option<u32>,
    /// Real agents who serve every demo queue.
    pub real_agents: Vec<rapport_api::AgentId>,
}

/// A running server. Dropping the handle leaves it running until the tokio
/// runtime ends; call [`ServerHandle::shutdown`] to stop it.
pub struct ServerHandle {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    upkeep: JoinHandle<()>,
    analytics: JoinHandle<()>,
    desk: JoinHandle<()>,
    simulator: Option<queues::simulator::SimHandle>,
    events: std::sync::Arc<events::Events>,
    tokens: std::sync::Arc<http::auth::TokenCache>,
    last_used: JoinHandle<()>,
    db: Db,
    /// Reloads the TLS certificate (when serving HTTPS).
    tls_watch: Option<JoinHandle<()>>,
    /// On PostgreSQL: follows the events other servers commit.
    follower: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Base URL, e.g. `http://127.0.0.1:41234` (`https://` when serving
    /// TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls_watch.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// Stop accepting connections and wait (up to ten seconds) for requests
    /// in flight to finish.
    pub async fn shutdown(mut self) {
        // The simulator's callers hang up and its agents sign off first.
        if let Some(sim) = self.simulator.take() {
            sim.stop().await;
        }
        self.desk.abort();
        self.events.close();
        let _ = self.shutdown.send(());
        self.upkeep.abort();
        if let Some(l) = &self.follower {
            l.abort();
        }
        // Wait for a refresh or update in flight to let go of its
        // connection (its transaction rolls back), so the file is free for
        // whoever opens it next.
        self.analytics.abort();
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.analytics).await;
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
        self.last_used.abort();
        if let Some(w) = self.tls_watch.take() {
            w.abort();
        }
        if let Err(e) = self.tokens.flush_used(&self.db).await {
            tracing::warn!(error = %e, "could not record when tokens were last used");
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
    // A certificate that cannot be used stops the start, before anything
    // else is started.
    let tls = match &cfg.tls {
        Some(files) => {
            let certs = std::sync::Arc::new(tls::Reloading::new(files.clone())?);
            let config = certs.server_config()?;
            Some((certs, config))
        }
        None => None,
    };
    db.warm_up().await?;
    let addr = listener.local_addr()?;
    let cfg_simulate = cfg.simulate.clone();
    let state = AppState::new(db.clone(), cfg);
    state.events.poll(&db).await?;
    let follower = state.events.listen(&db).await?;
    let simulator = match &cfg_simulate {
        Some(sim) => Some(start_simulator(&db, sim, &state).await?),
        None => None,
    };
    let desk = tokio::spawn(queues::desk::publish(
        db.clone(),
        state.live.clone(),
        state.events.clone(),
    ));
    let upkeep = tokio::spawn(upkeep(db.clone(), state.events.clone()));
    let analytics = state.analytics.start(state.events.clone()).await?;
    let events = state.events.clone();
    let tokens = state.tokens.clone();
    let last_used = tokio::spawn(record_last_used(db.clone(), tokens.clone()));
    let app = router(state);
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async {
        let _ = rx.await;
    };
    let (task, tls_watch) = match tls {
        None => {
            // Event streams write small messages one after another: without
            // TCP_NODELAY the second waits for the first's delayed ACK (40 ms).
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY on a connection");
                }
            });
            let task = tokio::spawn(async move {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(shutdown)
                .await
            });
            (task, None)
        }
        Some((certs, config)) => {
            // (Tapped only so axum gives the peer's address as connection
            // info, as it does for the plain listener.)
            let listener =
                axum::serve::ListenerExt::tap_io(tls::TlsListener::new(listener, config)?, |_| {});
            let task = tokio::spawn(async move {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(shutdown)
                .await
            });
            (task, Some(tokio::spawn(tls::watch(certs))))
        }
    };
    tracing::info!(%addr, https = tls_watch.is_some(), "serving");
    Ok(ServerHandle {
        addr,
        shutdown: tx,
        task,
        upkeep,
        analytics,
        desk,
        simulator,
        events,
        tokens,
        last_used,
        db,
        tls_watch,
        follower,
    })
}

/// Write tokens' last uses every [`http::auth::LAST_USED_EVERY`].
async fn record_last_used(db: Db, tokens: std::sync::Arc<http::auth::TokenCache>) {
    let mut every = tokio::time::interval(http::auth::LAST_USED_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        if let Err(e) = tokens.flush_used(&db).await {
            tracing::warn!(error = %e, "could not record when tokens were last used");
        }
    }
}

/// Set up the demo queues and team and start the simulator on the real
/// clock.
async fn start_simulator(
    db: &Db,
    sim: &Simulate,
    state: &AppState,
) -> anyhow::Result<queues::simulator::SimHandle> {
    let now = chrono::Utc::now().timestamp_millis();
    let day = 86_400_000;
    let origin = match sim.start_hour {
        // The simulated day began `start_hour` hours ago.
        Some(h) => now - h.min(23) as i64 * 3_600_000,
        None => now - now.rem_euclid(day),
    };
    let cfg =
        queues::simulator::demo_setup(db, sim.seed, sim.scale, origin, &sim.real_agents).await?;
    Ok(queues::simulator::SimHandle::spawn(
        db.clone(),
        cfg,
        state.live.clone(),
        state.events.clone(),
        state.config.as_of,
    )
    .await)
}

/// How often the search vocabulary is checked against the database.
const VOCABULARY_REFRESH: Duration = Duration::from_secs(30);
/// How often the event log is checked for rows written by other processes.
const EVENT_POLL: Duration = Duration::from_millis(500);
/// How often lapsed presences are dropped.
const PRESENCE_SWEEP: Duration = Duration::from_secs(5);
/// How often old events and idempotency records are pruned.
const PRUNE: Duration = Duration::from_secs(3600);
/// Days of calls and agent state changes kept for reports.
const CALL_LOG_DAYS: i64 = 90;

/// Background work while serving: pick up name tokens and events that
/// another process (such as `rapport-server seed` or a second server on the
/// same file) has added, drop lapsed presences, prune old records.
async fn upkeep(db: Db, events: std::sync::Arc<events::Events>) {
    let mut vocab = tokio::time::interval(VOCABULARY_REFRESH);
    let mut poll = tokio::time::interval(EVENT_POLL);
    let mut sweep = tokio::time::interval(PRESENCE_SWEEP);
    let mut prune = tokio::time::interval(PRUNE);
    for t in [&mut vocab, &mut poll, &mut sweep, &mut prune] {
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    }
    vocab.tick().await;
    loop {
        tokio::select! {
            _ = vocab.tick() => match db.vocab.refresh(&db).await {
                Ok(true) => tracing::info!(tokens = db.vocab.len(), "search vocabulary reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not check the search vocabulary"),
            },
            _ = poll.tick() => {
                if let Err(e) = events.poll(&db).await {
                    tracing::warn!(error = %e, "could not check the event log");
                }
            }
            _ = sweep.tick() => events.expire_presence(),
            _ = prune.tick() => {
                match events::Events::prune(&db).await {
                    Ok(n) if n > 0 => tracing::info!(events = n, "pruned old events"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune events"),
                }
                match http::idempotency::prune(&db).await {
                    Ok(n) if n > 0 => tracing::info!(keys = n, "pruned old idempotency keys"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune idempotency keys"),
                }
                match queues::prune(&db, CALL_LOG_DAYS).await {
                    Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old calls and agent states"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune the call log"),
                }
            }
        }
    }
}
