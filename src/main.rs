//! `rapport`: the terminal desk. Parses the command line, loads settings,
//! starts the embedded demo server or connects to a remote one, then runs
//! the event loop inside a terminal guard.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use rapport::api::{ApiClient, ServerTarget};
use rapport::app::AppState;
use rapport::config::{self, Overrides, Sources};
use rapport::keymap::Keymap;
use rapport::theme::Theme;
use rapport::{runtime, tui};

/// A keyboard-driven terminal desk for contact-centre agents: find the caller
/// by name, phone, email or account number and see their whole relationship
/// (profile, value, preferences and consent, history on every channel, open
/// complaints with SLA clocks) while they wait.
///
/// With no server configured, Rapport starts its own server in-process on a
/// loopback port, over a SQLite file in the data directory, seeds it with demo
/// customers on first run and signs you in as a demo agent.
#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    after_help = "ENVIRONMENT:\n  RAPPORT_TOKEN            bearer token for --server\n  RAPPORT_<SECTION>__<KEY> any setting, e.g. RAPPORT_UI__THEME=mono\n  NO_COLOR                 remove all colour from any theme\n\nFILES:\n  /etc/rapport/config.toml, ~/.config/rapport/config.toml (see config.example.toml)\n  ~/.config/rapport/themes/NAME.toml   user themes (override built-ins by name)\n\nEXIT STATUS:\n  0 normal quit, 1 runtime error (e.g. server unreachable at start-up),\n  2 bad configuration, key bindings or theme\n\nPress F1 or ? inside Rapport for every key."
)]
struct Cli {
    /// URL of a Rapport server (e.g. https://crm.example.net); the token comes from RAPPORT_TOKEN
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Read settings from this file as well (over the system and user files)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Colour theme: default, light, high-contrast, mono, or a user theme name
    #[arg(long, value_name = "NAME")]
    theme: Option<String>,
    /// Where the embedded demo database lives
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Log level for the log file: error, warn, info, debug, trace
    #[arg(long, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Paint the first frame, print how long it took, and exit (benchmarks)
    #[arg(long, hide = true)]
    exit_after_first_frame: bool,
}

fn fail_config(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("rapport: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    let overrides = Overrides {
        config_file: cli.config.clone(),
        server: cli.server.clone(),
        theme: cli.theme.clone(),
        data_dir: cli.data_dir.clone(),
        log_level: cli.log_level.clone(),
    };
    let settings = match config::load(&Sources::from_system(), &overrides) {
        Ok(s) => s,
        Err(e) => return fail_config(format!("configuration error: {e}")),
    };
    let keymap = match Keymap::new(&settings.keys) {
        Ok(k) => k,
        Err(e) => return fail_config(format!("key binding error: {e}")),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = match Theme::load(
        &settings.ui.theme,
        rapport::dirs::themes_dir().as_deref(),
        no_color,
    ) {
        Ok(t) => t,
        Err(e) => return fail_config(format!("theme error: {e}")),
    };
    if settings.server.url.is_some() && settings.server.token.is_none() {
        return fail_config(
            "no token for the server: set RAPPORT_TOKEN (ask your administrator, or run `rapport-server agent add`)",
        );
    }
    if let Some(f) = &cli.config
        && settings.server.token.is_some()
        && config::world_readable(f)
    {
        eprintln!(
            "rapport: warning: {} holds a token and others can read it (chmod 600)",
            f.display()
        );
    }

    let log_file = settings.log_file();
    let _log_guard = match init_logging(&log_file, &settings.log.level) {
        Ok(g) => g,
        Err(e) => {
            eprintln!(
                "rapport: cannot write the log file {}: {e}",
                log_file.display()
            );
            return ExitCode::from(1);
        }
    };

    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rapport: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async_main(
        settings,
        keymap,
        theme,
        cli.exit_after_first_frame,
        started,
    ));
    // Background tasks (the embedded server, requests in flight) end here.
    rt.shutdown_timeout(Duration::from_millis(500));
    match result {
        Ok(Some(first)) => {
            println!(
                "first frame painted after {:.1} ms",
                first.as_secs_f64() * 1e3
            );
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "exiting with an error");
            eprintln!("rapport: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn async_main(
    settings: config::Settings,
    keymap: Keymap,
    theme: Theme,
    exit_after_first_frame: bool,
    started: Instant,
) -> anyhow::Result<Option<Duration>> {
    let mut embedded = None;
    let target = match (&settings.server.url, &settings.server.token) {
        (Some(url), Some(token)) => ServerTarget {
            base_url: url.clone(),
            token: token.clone(),
        },
        _ => {
            let e = start_embedded(&settings).await?;
            let target = ServerTarget {
                base_url: e.handle.url(),
                token: e.token.clone(),
            };
            embedded = Some(e);
            target
        }
    };
    let api = ApiClient::new(&target, Duration::from_millis(settings.server.timeout_ms))?;
    let mut state = AppState::new(
        target.base_url.clone(),
        embedded.is_some(),
        chrono::Utc::now(),
    );
    state.mask_pii = settings.ui.mask_pii;
    state.debounce_ms = settings.ui.debounce_ms;
    tracing::info!(server = %target.base_url, embedded = embedded.is_some(), "starting");

    let mut tui = tui::Tui::enter()?;
    let opts = runtime::Options {
        exit_after_first_frame: exit_after_first_frame.then_some(started),
    };
    let result = runtime::run(&mut tui, state, &theme, &keymap, api, opts).await;
    drop(tui);
    if let Some(e) = embedded {
        e.handle.shutdown().await;
    }
    result
}

async fn start_embedded(
    settings: &config::Settings,
) -> anyhow::Result<rapport_server::embedded::Embedded> {
    let dir = settings.data_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the data directory {}: {e}", dir.display()))?;
    let opts = rapport_server::embedded::EmbeddedOptions {
        database_path: dir.join("demo.sqlite"),
        demo_customers: settings.demo.customers,
        seed: settings.demo.seed,
        agent_name: "Mei Lin".into(),
    };
    let progress = |done: u64, total: u64| {
        let mut err = std::io::stderr();
        let _ = write!(err, "\rPreparing demo data… {done} / {total} customers");
        if done >= total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    };
    rapport_server::embedded::start(opts, &progress).await
}

fn init_logging(
    file: &std::path::Path,
    level: &str,
) -> std::io::Result<tracing_appender::non_blocking::WorkerGuard> {
    let dir = file.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = file
        .file_name()
        .map(|n| n.to_owned())
        .unwrap_or_else(|| "rapport.log".into());
    // Open once here so an unwritable path is reported before the TUI starts.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(&name))?;
    let appender = tracing_appender::rolling::never(dir, name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "{level},hyper=warn,reqwest=warn,sqlx=warn,tower_http=warn"
    ));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .init();
    Ok(guard)
}
