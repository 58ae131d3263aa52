//! The server inside the terminal client: when no remote server is
//! configured, the client opens a SQLite file in the user's data directory,
//! seeds demo data on first run, signs in as a demo agent, runs the call
//! simulator (the demo's live call centre) and talks to this server over
//! loopback HTTP exactly as it would to a remote one.

use std::path::PathBuf;

use anyhow::Context as _;
use rapport_api::{Agent, Role};

use crate::seed::{self, SeedOptions};
use crate::{Db, ServerConfig, ServerHandle, agents};

/// The label of tokens issued to the embedded client; each start replaces
/// the previous one, so tokens do not pile up.
pub const TOKEN_LABEL: &str = "embedded";

#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    pub database_path: PathBuf,
    /// Customers to generate when the database is empty.
    pub demo_customers: u64,
    pub seed: u64,
    /// The agent the client signs in as (created if missing).
    pub agent_name: String,
    /// Their role when created: an agent, or a supervisor to see the desk.
    pub role: Role,
    /// Run the call simulator: the demo's live call centre, with this
    /// agent serving every queue.
    pub simulate: bool,
}

pub struct Embedded {
    pub handle: ServerHandle,
    pub token: String,
    pub agent: Agent,
    /// True when this start generated the demo data.
    pub seeded_now: bool,
}

/// Open or create the database, seed demo data if it is empty (reporting
/// progress), make sure the demo agent exists, issue a fresh token, and
/// serve on 127.0.0.1 on a free port.
pub async fn start(
    opts: EmbeddedOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<Embedded> {
    let db = Db::connect_path(&opts.database_path).await?;
    let seeded_now = if seed::is_seeded(&db).await? {
        false
    } else {
        seed::seed(
            &db,
            &SeedOptions::new(opts.demo_customers, opts.seed),
            progress,
        )
        .await
        .context("could not generate the demo data")?;
        true
    };
    let agent = match agents::find_by_name(&db, &opts.agent_name).await? {
        Some(a) => a,
        None => agents::create(&db, &opts.agent_name, opts.role, Some("Demo")).await?,
    };
    let token = agents::replace_labelled_token(&db, agent.id, TOKEN_LABEL).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .context("could not open a loopback port for the embedded server")?;
    // The simulated day starts in the morning rush whenever the demo is
    // started, so there is a live call centre to see at once.
    let simulate = opts.simulate.then(|| crate::Simulate {
        seed: opts.seed,
        scale: 1.0,
        start_hour: Some(10),
        real_agents: vec![agent.id],
    });
    let cfg = ServerConfig {
        simulate,
        ..ServerConfig::default()
    };
    let handle = crate::serve(listener, db, cfg).await?;
    Ok(Embedded {
        handle,
        token,
        agent,
        seeded_now,
    })
}
