//! Start-up, in order: settings, keys and theme (any mistake exits 2 with a
//! sentence naming the file and key), the log file, the server (embedded
//! demo or remote), then the event loop inside the terminal guard. Called
//! by `main.rs`, which does nothing else.

use std::path::Path;

use sha2::Digest;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::api::{ApiClient, ServerTarget};
use crate::app::AppState;
use crate::cli::{Cli, EXIT_CONFIG, EXIT_RUNTIME};
use crate::config::{self, Settings, Sources};
use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::{embedded, runtime, tui};

/// Everything decided before any I/O beyond reading files.
pub struct Prepared {
    pub settings: Settings,
    pub keymap: Keymap,
    pub theme: Theme,
    /// What the terminal can do, from terminfo.
    pub caps: crate::termcaps::TermCaps,
}

/// Settings, keys and theme from the files, environment and flags; the
/// error is the sentence to print before exiting with status 2.
pub fn prepare(cli: &Cli, sources: &Sources) -> Result<Prepared, String> {
    let settings =
        config::load(sources, &cli.overrides()).map_err(|e| format!("configuration error: {e}"))?;
    let keymap = Keymap::new(&settings.keys).map_err(|e| format!("key binding error: {e}"))?;
    let env = |name: &str| {
        sources
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let caps = crate::termcaps::TermCaps::detect(env("TERM"), env("COLORTERM"));
    let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut theme = Theme::load(
        &settings.ui.theme,
        crate::dirs::themes_dir().as_deref(),
        no_color,
    )
    .map_err(|e| format!("theme error: {e}"))?;
    // A terminal without colours gets the mono theme, as NO_COLOR asks
    // (the theme named is still read, so a mistake in it is reported).
    if caps.colors == crate::termcaps::Colors::None && !no_color {
        theme = Theme::load(
            &settings.ui.theme,
            crate::dirs::themes_dir().as_deref(),
            true,
        )
        .map_err(|e| format!("theme error: {e}"))?;
    }
    theme.ascii = crate::ui::ascii::Symbols::choose(&settings.ui.symbols, &sources.env)
        == crate::ui::ascii::Symbols::Ascii;
    theme.colors = caps.colors;
    let mut settings = settings;
    if settings.server.url.is_some() && settings.server.token.is_none() {
        match &settings.server.token_command {
            Some(command) => settings.server.token = Some(run_token_command(command)?),
            None => {
                return Err(format!(
                    "no token for {}: set RAPPORT_TOKEN or server.token_command (ask an administrator, or run `rapport-server agent add --name NAME --role agent`)",
                    settings.server.url.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    Ok(Prepared {
        settings,
        keymap,
        theme,
        caps,
    })
}

pub fn main(cli: Cli) -> ExitCode {
    let started = Instant::now();
    let sources = Sources::from_system();
    let Prepared {
        settings,
        keymap,
        theme,
        caps,
    } = match prepare(&cli, &sources) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("rapport: {msg}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    for file in [&sources.system_file, &sources.user_file, &cli.config]
        .into_iter()
        .flatten()
    {
        if holds_token(file) && config::world_readable(file) {
            eprintln!(
                "rapport: warning: {} holds a token and others can read it (chmod 600 it, or use RAPPORT_TOKEN)",
                file.display()
            );
        }
    }
    let log_file = settings.log_file();
    let _log_guard = match init_logging(&log_file, &settings.log.level) {
        Ok(g) => g,
        Err(e) => {
            eprintln!(
                "rapport: cannot write the log file {}: {e} (set log.file)",
                log_file.display()
            );
            return ExitCode::from(EXIT_RUNTIME);
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
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    tracing::info!(
        colors = caps.colors.as_str(),
        alt_screen = caps.alt_screen,
        paste = caps.paste,
        sync = caps.sync,
        ascii = theme.ascii,
        "terminal"
    );
    rapport_api::money::set_ascii(theme.ascii);
    crate::sanitize::set_ascii(theme.ascii);
    let result = rt.block_on(run(
        settings,
        keymap,
        theme,
        caps,
        cli.exit_after_first_frame,
        started,
    ));
    // Requests still in flight are abandoned here.
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
            tracing::error!(error = %format!("{e:#}"), "exiting with an error");
            eprintln!("rapport: {e:#}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

async fn run(
    settings: Settings,
    keymap: Keymap,
    theme: Theme,
    caps: crate::termcaps::TermCaps,
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
            let running = embedded::start(&settings, &embedded::stderr_progress).await?;
            tracing::info!(
                database = %running.database.display(),
                seeded_now = running.seeded_now,
                "embedded demo server started"
            );
            let target = running.target.clone();
            embedded = Some(running);
            target
        }
    };
    let api = ApiClient::with_transport(
        &target,
        Duration::from_millis(settings.server.timeout_ms),
        &crate::api::Transport {
            allow_insecure_http: settings.server.allow_insecure_http,
            ca_file: settings.server.ca_file.clone(),
        },
    )?;
    let mut state = AppState::new(
        target.base_url.clone(),
        embedded.is_some(),
        chrono::Utc::now(),
    );
    state.debounce_ms = settings.ui.debounce_ms;
    tracing::info!(server = %target.base_url, embedded = embedded.is_some(), "starting");

    let local = local_files(&settings.data_dir(), &target, embedded.is_some());
    let mut tui = tui::Tui::enter(caps)?;
    let opts = runtime::Options {
        exit_after_first_frame: exit_after_first_frame.then_some(started),
    };
    let result = runtime::run(&mut tui, state, &theme, &keymap, api, local, opts).await;
    drop(tui);
    if let Some(e) = embedded {
        e.shutdown().await;
    }
    tracing::info!("stopped");
    result
}

/// The name of this server and agent among the client's own files: queued
/// writes belong to the server they were made on, and to the token that
/// made them (so another agent on this machine never sends them).
pub fn server_key(target: &ServerTarget, embedded: bool) -> String {
    if embedded {
        return "embedded".into();
    }
    let host: String = target
        .base_url
        .split("://")
        .last()
        .unwrap_or_default()
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let token = hex::encode(sha2::Sha256::digest(target.token.as_bytes()));
    format!("{host}-{}", &token[..12])
}

/// Open the outbox, drafts and caches under the data directory. A failure
/// does not stop the client: it runs, and says writes cannot be kept.
pub fn local_files(data_dir: &Path, target: &ServerTarget, embedded: bool) -> runtime::Local {
    let key = server_key(target, embedded);
    let outbox_dir = data_dir.join("outbox").join(&key);
    let (outbox, outbox_error) = match crate::outbox::Store::open(&outbox_dir) {
        Ok(o) => (Some(o), None),
        Err(e) => {
            tracing::error!(dir = %outbox_dir.display(), error = %e, "cannot open the outbox");
            (
                None,
                Some(format!(
                    "Changes cannot be saved: the outbox {} cannot be opened ({e}). Fix it and restart.",
                    outbox_dir.display()
                )),
            )
        }
    };
    let drafts = crate::drafts::Drafts::open(&data_dir.join("drafts").join(&key))
        .map_err(|e| tracing::error!(error = %e, "cannot open the drafts directory"))
        .ok();
    let cache = data_dir.join("cache").join(&key);
    let taxonomy_cache = std::fs::create_dir_all(&cache)
        .ok()
        .map(|_| cache.join("taxonomy.json"));
    runtime::Local {
        outbox,
        outbox_error,
        drafts,
        taxonomy_cache,
    }
}

/// The token printed by `server.token_command`: its standard output, first
/// line, trimmed. The command shares the terminal's input and error output,
/// so it can ask for a passphrase before the screen opens.
fn run_token_command(command: &str) -> Result<String, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("server.token_command `{command}` could not be started: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "server.token_command `{command}` failed ({}); fix it or set RAPPORT_TOKEN",
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().next().map(str::trim) {
        Some(token) if !token.is_empty() => Ok(token.to_string()),
        _ => Err(format!(
            "server.token_command `{command}` printed no token; it should print the token on its standard output"
        )),
    }
}

/// True when a configuration file sets `server.token`.
fn holds_token(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("server")?.get("token").cloned())
        .is_some()
}

fn init_logging(
    file: &Path,
    level: &str,
) -> std::io::Result<tracing_appender::non_blocking::WorkerGuard> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = file
        .file_name()
        .map(|n| n.to_owned())
        .unwrap_or_else(|| "rapport.log".into());
    // Opened once here so an unwritable path is reported before the TUI.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(&name))?;
    let appender = tracing_appender::rolling::never(dir, name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "{level},hyper=warn,hyper_util=warn,reqwest=warn,sqlx=warn,tower_http=warn"
    ));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn a_remote_server_needs_a_token() {
        let cli = Cli::parse_from(["rapport", "--server", "https://crm.example.net"]);
        let e = prepare(&cli, &Sources::default()).err().unwrap();
        assert!(e.contains("RAPPORT_TOKEN"), "{e}");
        let src = Sources {
            env: vec![("RAPPORT_TOKEN".into(), "t".into())],
            ..Sources::default()
        };
        assert!(prepare(&cli, &src).is_ok());
    }

    #[test]
    fn symbols_follow_the_setting_then_the_terminal() {
        let ascii = |args: &[&str], env: &[(&str, &str)]| {
            let cli = Cli::parse_from(args);
            let src = Sources {
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Sources::default()
            };
            prepare(&cli, &src).ok().unwrap().theme.ascii
        };
        assert!(!ascii(&["rapport"], &[("LANG", "en_GB.UTF-8")]));
        assert!(ascii(&["rapport"], &[("LANG", "C")]), "auto: C is ASCII");
        assert!(!ascii(
            &["rapport", "--symbols", "unicode"],
            &[("LANG", "C")]
        ));
        assert!(ascii(
            &["rapport"],
            &[("RAPPORT_UI__SYMBOLS", "ascii"), ("LANG", "en_GB.UTF-8")]
        ));
        let cli = Cli::parse_from(["rapport", "--symbols", "fancy"]);
        let e = prepare(&cli, &Sources::default()).err().unwrap();
        assert!(
            e.contains("--symbols") && e.contains("expected auto"),
            "{e}"
        );
    }

    #[test]
    fn a_token_command_supplies_the_token_when_none_is_set() {
        let cli = Cli::parse_from(["rapport", "--server", "https://crm.example.net"]);
        let with = |command: &str, token: Option<&str>| {
            let mut env = vec![(
                "RAPPORT_SERVER__TOKEN_COMMAND".to_string(),
                command.to_string(),
            )];
            if let Some(t) = token {
                env.push(("RAPPORT_TOKEN".into(), t.into()));
            }
            prepare(
                &cli,
                &Sources {
                    env,
                    ..Sources::default()
                },
            )
        };
        let p = with("printf ' s3cret \\nsecond line'", None).ok().unwrap();
        assert_eq!(p.settings.server.token.as_deref(), Some("s3cret"));
        // A token set directly wins; the command is not run.
        let p = with("exit 1", Some("direct")).ok().unwrap();
        assert_eq!(p.settings.server.token.as_deref(), Some("direct"));
        let e = with("exit 3", None).err().unwrap();
        assert!(e.contains("failed") && e.contains("RAPPORT_TOKEN"), "{e}");
        let e = with("true", None).err().unwrap();
        assert!(e.contains("printed no token"), "{e}");
    }

    #[test]
    fn no_color_selects_mono() {
        let cli = Cli::parse_from(["rapport", "--theme", "light"]);
        let src = Sources {
            env: vec![("NO_COLOR".into(), "1".into())],
            ..Sources::default()
        };
        assert_eq!(prepare(&cli, &src).ok().unwrap().theme.name, "mono");
    }

    #[test]
    fn unknown_theme_and_bad_keys_are_configuration_errors() {
        let cli = Cli::parse_from(["rapport", "--theme", "neon"]);
        let e = prepare(&cli, &Sources::default()).err().unwrap();
        assert!(e.starts_with("theme error: unknown theme 'neon'"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("keys.toml");
        std::fs::write(
            &f,
            "[keys.search]\n\"ctrl-n\" = \"next\"\n\"C-n\" = \"open\"\n",
        )
        .unwrap();
        let cli = Cli::parse_from(["rapport", "--config", f.to_str().unwrap()]);
        let e = prepare(&cli, &Sources::default()).err().unwrap();
        assert!(
            e.starts_with("key binding error: ") && e.contains("keys.search"),
            "{e}"
        );
    }

    #[test]
    fn finds_tokens_in_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[server]\ntoken = \"x\"\n").unwrap();
        assert!(holds_token(&f));
        std::fs::write(&f, "[server]\ntimeout_ms = 1\n").unwrap();
        assert!(!holds_token(&f));
    }
}
