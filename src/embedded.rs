//! The embedded default: with no server configured, the client starts the
//! reference server in this process on a loopback port, over a SQLite file
//! in the data directory, seeds demo data on first run, signs in as the demo
//! agent and then talks to it over HTTP like any remote server.
//!
//! [`start_server`] is the one place that calls into `rapport-server`.

use std::io::Write;
use std::path::PathBuf;

use rapport_api::Agent;
use rapport_server::ServerHandle;
use rapport_server::embedded::{Embedded, EmbeddedOptions};

use crate::api::ServerTarget;
use crate::config::Settings;
use crate::ui::format::group_thousands;

/// The demo agent the embedded server signs in.
pub const DEMO_AGENT: &str = "Mei Lin";
/// The demo supervisor (`demo.role = "supervisor"`).
pub const DEMO_SUPERVISOR: &str = "Ana Ruiz";

/// The embedded server, running.
pub struct Running {
    pub target: ServerTarget,
    pub agent: Agent,
    /// True when this start generated the demo data.
    pub seeded_now: bool,
    pub database: PathBuf,
    handle: ServerHandle,
}

impl Running {
    /// Stop accepting requests and let those in flight finish.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

/// The single call into the server library.
async fn start_server(
    opts: EmbeddedOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<Embedded> {
    rapport_server::embedded::start(opts, progress).await
}

/// Start the embedded server for `settings`, reporting seeding progress
/// through `progress(done, total)`.
pub async fn start(
    settings: &Settings,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<Running> {
    let dir = settings.data_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the data directory {}: {e}", dir.display()))?;
    let database = settings.database_path();
    let (agent_name, role) = match settings.demo.role.as_str() {
        "supervisor" => (DEMO_SUPERVISOR, rapport_api::Role::Supervisor),
        _ => (DEMO_AGENT, rapport_api::Role::Agent),
    };
    let opts = EmbeddedOptions {
        database_path: database.clone(),
        demo_customers: settings.demo.customers,
        seed: settings.demo.seed,
        agent_name: agent_name.into(),
        role,
        simulate: settings.demo.simulate,
    };
    let e = start_server(opts, progress).await.map_err(|e| {
        anyhow::anyhow!(
            "the embedded demo server did not start over {}: {e:#}",
            database.display()
        )
    })?;
    Ok(Running {
        target: ServerTarget {
            base_url: e.handle.url(),
            token: e.token,
        },
        agent: e.agent,
        seeded_now: e.seeded_now,
        database,
        handle: e.handle,
    })
}

/// "Preparing demo data… 4,120 / 10,000 customers".
pub fn progress_line(done: u64, total: u64) -> String {
    format!(
        "Preparing demo data… {} / {} customers",
        group_thousands(done),
        group_thousands(total)
    )
}

/// Progress on stderr, one line rewritten in place (before the TUI starts).
pub fn stderr_progress(done: u64, total: u64) {
    let mut err = std::io::stderr();
    let _ = write!(err, "\r{}\x1b[K", progress_line(done, total));
    if done >= total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_a_sentence() {
        assert_eq!(
            progress_line(4_120, 10_000),
            "Preparing demo data… 4,120 / 10,000 customers"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn starts_seeds_and_serves_a_small_demo() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::default();
        settings.data_dir = Some(dir.path().to_path_buf());
        settings.demo.customers = 40;
        let seen = std::sync::Mutex::new(Vec::new());
        let progress = |d: u64, t: u64| seen.lock().unwrap().push((d, t));
        let running = start(&settings, &progress).await.unwrap();
        assert!(running.seeded_now);
        assert_eq!(running.agent.name, DEMO_AGENT);
        assert!(running.target.base_url.starts_with("http://127.0.0.1:"));
        assert!(dir.path().join("demo.sqlite").exists());
        assert_eq!(seen.lock().unwrap().last().map(|p| p.1), Some(40));
        let api =
            crate::api::ApiClient::new(&running.target, std::time::Duration::from_secs(5)).unwrap();
        assert_eq!(api.me().await.unwrap().agent.name, DEMO_AGENT);
        running.shutdown().await;
    }
}
