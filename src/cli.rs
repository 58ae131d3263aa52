//! The command line (clap): what `rapport --help` says, and the flags that
//! override every other layer of configuration.

use std::path::PathBuf;

use clap::Parser;

use crate::config::Overrides;

/// Exit status: normal quit.
pub const EXIT_OK: u8 = 0;
/// Exit status: something failed while running (e.g. the embedded server
/// could not start, the terminal could not be set up).
pub const EXIT_RUNTIME: u8 = 1;
/// Exit status: bad configuration, key bindings, theme or command line.
pub const EXIT_CONFIG: u8 = 2;

const AFTER_HELP: &str = "\
WITHOUT --server (THE EMBEDDED DEMO):
  Rapport starts its own server inside this process on a loopback port, over
  the SQLite file demo.sqlite in the data directory (~/.local/share/rapport,
  or --data-dir / data_dir). On the first run it generates 10,000 demo
  customers (demo.customers), showing progress, then signs you in as the demo
  agent Mei Lin (or, with demo.role set to supervisor, the supervisor Ana Ruiz,
  who has the supervisor desk). A call simulator (demo.simulate, on) runs a
  live call centre of five queues and 26 simulated agents; set yourself
  available (F3, or s) and calls come to you too. It talks to that server over HTTP
  exactly as it would to a remote one.

WITH --server URL:
  Rapport connects to that server; the bearer token comes from RAPPORT_TOKEN,
  or server.token in a configuration file (Rapport warns when such a file is
  readable by others), or else the output of server.token_command (such as
  `pass show rapport/token`). Ask an administrator for a token, or run
  `rapport-server agent add --name NAME --role agent`.

CONFIGURATION (each layer overrides the one before):
  built-in defaults < /etc/rapport/config.toml < ~/.config/rapport/config.toml
  < --config FILE < RAPPORT_* environment < these flags.
  config.example.toml documents every setting with its default.

ENVIRONMENT:
  RAPPORT_TOKEN              bearer token for --server
  RAPPORT_SERVER__URL        same as --server
  RAPPORT_DATA_DIR           same as --data-dir
  RAPPORT_<SECTION>__<KEY>   any setting, e.g. RAPPORT_UI__THEME=mono,
                             RAPPORT_UI__DEBOUNCE_MS=80, RAPPORT_DEMO__CUSTOMERS=2000,
                             RAPPORT_DEMO__ROLE=supervisor
  NO_COLOR                   any value: use the mono theme (no colour at all)
  TERM, LC_ALL, LC_CTYPE, LANG
                             with ui.symbols = auto (the default), a vt100-like
                             terminal or a locale that is not UTF-8 gets plain
                             ASCII borders and markers and money by ISO code
                             (GBP 4.20) (--symbols to choose)
  TERM, COLORTERM            terminfo decides the colours (none, 8, 16, 256;
                             COLORTERM=truecolor for 24-bit) and whether the
                             alternate screen, bracketed paste and
                             synchronized output are used

FILES:
  ~/.config/rapport/themes/NAME.toml   user themes; a file named like a built-in
                                       (default, light, high-contrast, mono)
                                       overrides it role by role
  ~/.local/state/rapport/rapport.log   the log (log.file); never on screen

EXIT STATUS:
  0  normal quit (q, Ctrl-c, SIGTERM, SIGHUP or SIGINT; the terminal is restored)
  1  runtime error, e.g. the embedded server could not start
  2  bad configuration, key binding, theme or command line (the message names
     the file, the key and what was expected)

Inside Rapport, F1 shows every key (? too, outside the search box).";

/// A keyboard-driven terminal desk for contact-centre agents: find the
/// caller by name, phone, email or account number and see their whole
/// relationship on one screen (profile, value, preferences and consent,
/// history on every channel, open complaints with SLA clocks) while they
/// wait.
#[derive(Debug, Clone, Parser, PartialEq)]
#[command(name = "rapport", version, after_long_help = AFTER_HELP, after_help = "More with --help: the embedded demo, environment, files and exit status.")]
pub struct Cli {
    /// URL of a Rapport server, e.g. https://crm.example.net (token from RAPPORT_TOKEN).
    /// Without it, the embedded demo server starts
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,

    /// Read settings from this file too, over the system and user files
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Colour theme: default, light, high-contrast, mono, or a user theme's name
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Symbols: unicode, ascii (plain terminals, serial consoles), or auto
    /// (ascii when TERM or the locale says the terminal lacks Unicode)
    #[arg(long, value_name = "SET")]
    pub symbols: Option<String>,

    /// Directory of the embedded demo database (demo.sqlite)
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Detail of the log file: error, warn, info, debug or trace
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Paint the first frame, print how long it took, and exit (benchmarks)
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
}

impl Cli {
    /// The settings the flags override.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            server: self.server.clone(),
            theme: self.theme.clone(),
            symbols: self.symbols.clone(),
            data_dir: self.data_dir.clone(),
            log_level: self.log_level.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_become_overrides() {
        let cli = Cli::parse_from([
            "rapport",
            "--server",
            "https://crm.example.net",
            "--theme",
            "mono",
            "--data-dir",
            "/tmp/r",
            "--config",
            "/etc/x.toml",
            "--log-level",
            "debug",
        ]);
        let o = cli.overrides();
        assert_eq!(o.server.as_deref(), Some("https://crm.example.net"));
        assert_eq!(o.theme.as_deref(), Some("mono"));
        assert_eq!(o.data_dir, Some(PathBuf::from("/tmp/r")));
        assert_eq!(o.config_file, Some(PathBuf::from("/etc/x.toml")));
        assert_eq!(o.log_level.as_deref(), Some("debug"));
    }

    #[test]
    fn long_help_explains_what_matters() {
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "contact-centre",
            "EMBEDDED DEMO",
            "--server",
            "--config",
            "--theme",
            "--data-dir",
            "RAPPORT_TOKEN",
            "token_command",
            "RAPPORT_<SECTION>__<KEY>",
            "NO_COLOR",
            "EXIT STATUS",
            "2  bad configuration",
        ] {
            assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
        }
    }
}
