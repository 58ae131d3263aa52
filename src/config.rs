//! Settings, layered with the `config` crate: built-in defaults < system file
//! (`/etc/rapport/config.toml`) < user file (`$XDG_CONFIG_HOME/rapport/
//! config.toml`) < `--config FILE` < `RAPPORT_*` environment < command-line
//! flags.
//!
//! Each file is also checked on its own before merging, so a mistake is
//! reported with the file, the line, the key and what was expected. Key
//! bindings (`[keys.*]`) are kept per file, because a later file rebinds
//! keys rather than replacing the whole table (see [`crate::keymap`]).
//! `config.example.toml` documents every key with its default; a test
//! holds it equal to [`Settings::default`].

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::{Deserialize, Serialize};

use crate::keymap::{KeyLayer, KeysConfig};

pub const SYSTEM_FILE: &str = "/etc/rapport/config.toml";

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the embedded demo database lives; None: the user's data dir.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    pub server: ServerSettings,
    pub demo: DemoSettings,
    pub ui: UiSettings,
    pub log: LogSettings,
    /// The `[keys]` tables of each file, lowest layer first.
    #[serde(skip)]
    pub keys: Vec<KeyLayer>,
    /// Accepts `[keys]` in the merged view; the tables are read per file.
    #[serde(default, rename = "keys", skip_serializing)]
    merged_keys: serde::de::IgnoredAny,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// A remote server; None starts the embedded demo server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A shell command whose standard output is the token, run at start-up
    /// when no token is set (a password manager, a secrets agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_command: Option<String>,
    pub timeout_ms: u64,
    /// Send the token over plain `http://` to a host other than this
    /// machine (refused unless set: anyone on the network could read it).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// A PEM file of CA certificates to trust for `url` besides the
    /// system's (a centre's own CA for a self-signed server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub customers: u64,
    pub seed: u64,
    /// Run the call simulator in the embedded demo.
    pub simulate: bool,
    /// Sign in as the demo agent (`agent`) or the demo supervisor.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UiSettings {
    pub theme: String,
    pub debounce_ms: u64,
    /// `auto`, `unicode` or `ascii`: see [`crate::ui::ascii`].
    pub symbols: String,
    /// Retired `mask_pii`: contact details are masked by the server. An
    /// older file that still sets it loads; the value does nothing.
    #[serde(default, rename = "mask_pii", skip_serializing)]
    pub retired_mask_pii: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: None,
            server: ServerSettings {
                url: None,
                token: None,
                token_command: None,
                timeout_ms: 5000,
                allow_insecure_http: false,
                ca_file: None,
            },
            demo: DemoSettings {
                customers: 10_000,
                seed: 42,
                simulate: true,
                role: "agent".into(),
            },
            ui: UiSettings {
                theme: "default".into(),
                debounce_ms: 120,
                symbols: "auto".into(),
                retired_mask_pii: None,
            },
            log: LogSettings {
                level: "info".into(),
                file: None,
            },
            keys: Vec::new(),
            merged_keys: serde::de::IgnoredAny,
        }
    }
}

/// What the command line can override.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub server: Option<String>,
    pub theme: Option<String>,
    pub symbols: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_level: Option<String>,
}

/// Where settings are looked for; injectable for tests.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub system_file: Option<PathBuf>,
    pub user_file: Option<PathBuf>,
    /// Environment variables as (name, value).
    pub env: Vec<(String, String)>,
}

impl Sources {
    /// The real system and user files and the process environment.
    pub fn from_system() -> Sources {
        Sources {
            system_file: Some(PathBuf::from(SYSTEM_FILE)),
            user_file: crate::dirs::config_dir().map(|d| d.join("config.toml")),
            env: std::env::vars().collect(),
        }
    }
}

/// A setting that cannot be used, in a sentence naming where and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Every setting's dotted name, as the environment spells it after
/// `RAPPORT_` (`ui.theme` → `RAPPORT_UI__THEME`).
pub const KEYS: &[&str] = &[
    "data_dir",
    "server.url",
    "server.token",
    "server.token_command",
    "server.timeout_ms",
    "server.allow_insecure_http",
    "server.ca_file",
    "demo.customers",
    "demo.seed",
    "demo.simulate",
    "demo.role",
    "ui.theme",
    "ui.debounce_ms",
    "ui.symbols",
    "log.level",
    "log.file",
];

/// The environment variable of a setting.
pub fn env_name(key: &str) -> String {
    format!("RAPPORT_{}", key.replace('.', "__").to_ascii_uppercase())
}

pub fn load(sources: &Sources, cli: &Overrides) -> Result<Settings, ConfigError> {
    let defaults = Config::try_from(&Settings::default())
        .map_err(|e| ConfigError(format!("built-in defaults: {e}")))?;
    let mut b = Config::builder().add_source(defaults);
    let mut layers = Vec::new();
    let files = [
        (sources.system_file.as_ref(), false),
        (sources.user_file.as_ref(), false),
        (cli.config_file.as_ref(), true),
    ];
    for (path, required) in files {
        let Some(path) = path else { continue };
        if !path.is_file() {
            if required {
                return Err(ConfigError(format!(
                    "{}: no such file (given with --config)",
                    path.display()
                )));
            }
            continue;
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: cannot read it: {e}", path.display())))?;
        layers.push(check_file(path, &text)?);
        b = b.add_source(File::from_str(&text, FileFormat::Toml));
    }

    // RAPPORT_<SECTION>__<KEY> for every setting; RAPPORT_TOKEN is the
    // token's short name. Other RAPPORT_* variables belong to other tools.
    let mut env: config::Map<String, String> = config::Map::new();
    for (name, value) in &sources.env {
        if KEYS.iter().any(|k| env_name(k) == *name) {
            env.insert(name.clone(), value.clone());
        } else if name == "RAPPORT_TOKEN"
            && !sources
                .env
                .iter()
                .any(|(n, _)| n == "RAPPORT_SERVER__TOKEN")
        {
            env.insert("RAPPORT_SERVER__TOKEN".into(), value.clone());
        } else if let Some(rest) = name.strip_prefix("RAPPORT_")
            && let Some((section, _)) = rest.split_once("__")
            && ["SERVER", "DEMO", "UI", "LOG"].contains(&section)
        {
            return Err(ConfigError(format!(
                "environment variable {name}: not a setting; settings are {}",
                KEYS.iter()
                    .map(|k| env_name(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    for (name, value) in &env {
        let key = name["RAPPORT_".len()..]
            .replace("__", ".")
            .to_ascii_lowercase();
        check_value(&key, value)
            .map_err(|m| ConfigError(format!("environment variable {name}: {m}")))?;
    }
    b = b.add_source(
        Environment::with_prefix("RAPPORT")
            .prefix_separator("_")
            .separator("__")
            .source(Some(env)),
    );

    let flags = [
        ("server.url", "--server", cli.server.clone()),
        ("ui.theme", "--theme", cli.theme.clone()),
        ("ui.symbols", "--symbols", cli.symbols.clone()),
        (
            "data_dir",
            "--data-dir",
            cli.data_dir.as_ref().map(|p| p.display().to_string()),
        ),
        ("log.level", "--log-level", cli.log_level.clone()),
    ];
    for (key, flag, value) in flags {
        if let Some(v) = value {
            check_value(key, &v).map_err(|m| ConfigError(format!("{flag}: {m}")))?;
            b = b
                .set_override(key, v)
                .map_err(|e| ConfigError(format!("{flag}: {e}")))?;
        }
    }
    let merged = b.build().map_err(|e| ConfigError(e.to_string()))?;
    let mut settings: Settings = merged
        .try_deserialize()
        .map_err(|e| ConfigError(e.to_string()))?;
    settings.keys = layers;
    Ok(settings)
}

/// One file on its own: every key known, every value of the right kind and
/// within range. Returns its key bindings.
fn check_file(path: &Path, text: &str) -> Result<KeyLayer, ConfigError> {
    let origin = path.display().to_string();
    let file: FileSettings = toml::from_str(text).map_err(|e| {
        let (line, key) = locate(text, e.span());
        let what = humane(e.message());
        ConfigError(match (line, key) {
            (Some(l), Some(k)) => format!("{origin}, line {l}: {k}: {what}"),
            (Some(l), None) => format!("{origin}, line {l}: {what}"),
            _ => format!("{origin}: {what}"),
        })
    })?;
    for (key, value) in file.values() {
        check_value(&key, &value).map_err(|m| ConfigError(format!("{origin}: {key}: {m}")))?;
    }
    Ok(KeyLayer {
        origin,
        keys: file.keys.unwrap_or_default(),
    })
}

/// The line number (from 1) and dotted key at a byte offset of a TOML text.
fn locate(text: &str, span: Option<std::ops::Range<usize>>) -> (Option<usize>, Option<String>) {
    let Some(span) = span else {
        return (None, None);
    };
    let before = &text[..span.start.min(text.len())];
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let section = text
        .lines()
        .take(line_no)
        .filter_map(|l| {
            let l = l.trim();
            (l.starts_with('[') && !l.starts_with("[["))
                .then(|| l.trim_matches(['[', ']']).trim().to_string())
        })
        .last();
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let dotted = match (section, key) {
        (Some(s), Some(k)) => Some(format!("{s}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(s), None) => Some(s),
        (None, None) => None,
    };
    (Some(line_no), dotted)
}

/// serde's words for types, in words for a person.
fn humane(msg: &str) -> String {
    msg.replace("expected u64", "expected a whole number")
        .replace("expected a boolean", "expected true or false")
        .replace("expected a string", "expected text in quotes")
        .trim()
        .to_string()
}

/// Range and form checks shared by files, the environment and flags.
fn check_value(key: &str, value: &str) -> Result<(), String> {
    let number = |max: u64, unit: &str| -> Result<(), String> {
        match value.trim().parse::<u64>() {
            Ok(n) if n <= max => Ok(()),
            Ok(_) => Err(format!(
                "{value} is too large: expected at most {max} {unit}"
            )),
            Err(_) => Err(format!(
                "\"{value}\" is not a number: expected a whole number of {unit}"
            )),
        }
    };
    match key {
        "server.url" => {
            if value.starts_with("http://") || value.starts_with("https://") {
                Ok(())
            } else {
                Err(format!(
                    "\"{value}\" is not a URL: expected http://HOST:PORT or https://HOST"
                ))
            }
        }
        "server.timeout_ms" => {
            number(600_000, "ms")?;
            if value.trim() == "0" {
                Err("expected a positive number of ms".into())
            } else {
                Ok(())
            }
        }
        "ui.debounce_ms" => number(5_000, "ms"),
        "demo.customers" => {
            number(10_000_000, "customers")?;
            if value.trim() == "0" {
                Err("expected at least 1 customer".into())
            } else {
                Ok(())
            }
        }
        "demo.seed" => number(u64::MAX, "(any whole number)"),
        "demo.role" => match value.trim() {
            "agent" | "supervisor" => Ok(()),
            _ => Err(format!(
                "\"{value}\" is not a demo role: expected agent or supervisor"
            )),
        },
        "log.level" => {
            if ["error", "warn", "info", "debug", "trace"].contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "\"{value}\" is not a level: expected error, warn, info, debug or trace"
                ))
            }
        }
        "ui.theme" => {
            if value.trim().is_empty() {
                Err("expected a theme name".into())
            } else {
                Ok(())
            }
        }
        "ui.symbols" => {
            if ["auto", "unicode", "ascii"].contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "\"{value}\" is not a symbol set: expected auto, unicode or ascii"
                ))
            }
        }
        "demo.simulate" | "server.allow_insecure_http" => {
            match value.to_ascii_lowercase().as_str() {
                "true" | "false" | "1" | "0" | "yes" | "no" | "on" | "off" => Ok(()),
                _ => Err(format!("\"{value}\": expected true or false")),
            }
        }
        _ => Ok(()),
    }
}

/// One file as written: everything optional, nothing unknown.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    server: Option<FileServer>,
    demo: Option<FileDemo>,
    ui: Option<FileUi>,
    log: Option<FileLog>,
    keys: Option<KeysConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServer {
    url: Option<String>,
    token: Option<String>,
    token_command: Option<String>,
    timeout_ms: Option<u64>,
    allow_insecure_http: Option<bool>,
    ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDemo {
    customers: Option<u64>,
    seed: Option<u64>,
    simulate: Option<bool>,
    role: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileUi {
    theme: Option<String>,
    debounce_ms: Option<u64>,
    /// Retired: contact details are masked by the server and shown in full
    /// only through an audited reveal. Still accepted, so an older file
    /// loads, and ignored.
    #[serde(default, rename = "mask_pii")]
    _mask_pii: Option<serde::de::IgnoredAny>,
    symbols: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLog {
    level: Option<String>,
    file: Option<PathBuf>,
}

impl FileSettings {
    /// (dotted key, value as text) of everything set, for [`check_value`].
    fn values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k.to_string(), v));
            }
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        put("data_dir", path(&self.data_dir));
        if let Some(s) = &self.server {
            put("server.url", s.url.clone());
            put("server.token", s.token.clone());
            put("server.token_command", s.token_command.clone());
            put("server.timeout_ms", s.timeout_ms.map(|n| n.to_string()));
            put(
                "server.allow_insecure_http",
                s.allow_insecure_http.map(|b| b.to_string()),
            );
            put("server.ca_file", path(&s.ca_file));
        }
        if let Some(d) = &self.demo {
            put("demo.customers", d.customers.map(|n| n.to_string()));
            put("demo.seed", d.seed.map(|n| n.to_string()));
            put("demo.simulate", d.simulate.map(|b| b.to_string()));
            put("demo.role", d.role.clone());
        }
        if let Some(u) = &self.ui {
            put("ui.theme", u.theme.clone());
            put("ui.debounce_ms", u.debounce_ms.map(|n| n.to_string()));
            put("ui.symbols", u.symbols.clone());
        }
        if let Some(l) = &self.log {
            put("log.level", l.level.clone());
            put("log.file", path(&l.file));
        }
        out
    }
}

impl Settings {
    /// Where the embedded demo database lives.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(crate::dirs::data_dir)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The embedded demo database.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir().join("demo.sqlite")
    }

    /// Where the log goes: `log.file`, else the user's state directory.
    pub fn log_file(&self) -> PathBuf {
        self.log.file.clone().unwrap_or_else(|| {
            crate::dirs::state_dir()
                .unwrap_or_else(|| self.data_dir())
                .join("rapport.log")
        })
    }
}

/// Warn-worthy: a token in a file others can read.
pub fn world_readable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o004 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{Command, Context, Key, Keymap};

    const EXAMPLE: &str = include_str!("../config.example.toml");

    fn none() -> Sources {
        Sources::default()
    }

    fn with_file(text: &str) -> (tempfile::TempDir, Overrides) {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("rapport.toml");
        std::fs::write(&f, text).unwrap();
        let cli = Overrides {
            config_file: Some(f),
            ..Default::default()
        };
        (dir, cli)
    }

    #[test]
    fn nothing_configured_gives_the_defaults() {
        let s = load(&none(), &Overrides::default()).unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn the_example_file_is_exactly_the_defaults() {
        let (_d, cli) = with_file(EXAMPLE);
        let mut s = load(&none(), &cli).unwrap();
        let layer = s.keys.pop().expect("the example has key tables");
        assert_eq!(s, Settings::default(), "values in config.example.toml");
        assert_eq!(
            layer.keys,
            crate::keymap::default_table(),
            "[keys] in config.example.toml"
        );
    }

    #[test]
    fn the_example_documents_every_key() {
        // Each setting appears as `key = ` (or commented `# key = `) under
        // its section header.
        for key in KEYS {
            let (section, name) = key.rsplit_once('.').unwrap_or(("", key));
            let mut current = "";
            let found = EXAMPLE.lines().any(|l| {
                let t = l.trim();
                if t.starts_with('[') {
                    current = t.trim_matches(['[', ']']);
                }
                let t = t.trim_start_matches('#').trim_start();
                current == section && t.starts_with(&format!("{name} ="))
            });
            assert!(found, "config.example.toml does not document {key}");
        }
        // And KEYS lists every field of Settings.
        let v = toml::Value::try_from(Settings {
            data_dir: Some("/d".into()),
            server: ServerSettings {
                url: Some("http://x".into()),
                token: Some("t".into()),
                token_command: Some("pass show rapport".into()),
                timeout_ms: 1,
                allow_insecure_http: true,
                ca_file: Some("/ca.pem".into()),
            },
            log: LogSettings {
                level: "info".into(),
                file: Some("/l".into()),
            },
            ..Settings::default()
        })
        .unwrap();
        let mut all = vec![];
        for (k, v) in v.as_table().unwrap() {
            match v.as_table() {
                Some(t) => all.extend(t.keys().map(|n| format!("{k}.{n}"))),
                None => all.push(k.clone()),
            }
        }
        all.sort();
        let mut keys: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        keys.sort();
        assert_eq!(all, keys);
    }

    #[test]
    fn precedence_defaults_system_user_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("system.toml");
        let user = dir.path().join("user.toml");
        let extra = dir.path().join("extra.toml");
        std::fs::write(
            &system,
            "[ui]\ntheme = \"light\"\ndebounce_ms = 10\nmask_pii = false\n[demo]\nseed = 1\n",
        )
        .unwrap();
        std::fs::write(
            &user,
            "[ui]\ntheme = \"high-contrast\"\ndebounce_ms = 20\n[demo]\ncustomers = 50\n",
        )
        .unwrap();
        std::fs::write(&extra, "[ui]\ntheme = \"mono\"\n[log]\nlevel = \"debug\"\n").unwrap();
        let mut src = Sources {
            system_file: Some(system),
            user_file: Some(user),
            env: vec![],
        };
        let s = load(&src, &Overrides::default()).unwrap();
        assert_eq!(s.ui.theme, "high-contrast", "user over system");
        assert_eq!(s.ui.debounce_ms, 20);
        assert_eq!(
            s.demo.seed, 1,
            "system over defaults (a retired mask_pii is ignored)"
        );
        assert_eq!((s.demo.customers, s.demo.seed), (50, 1));

        let mut cli = Overrides {
            config_file: Some(extra),
            ..Default::default()
        };
        let s = load(&src, &cli).unwrap();
        assert_eq!(s.ui.theme, "mono", "--config over user");
        assert_eq!(s.log.level, "debug");

        src.env = vec![
            ("RAPPORT_UI__THEME".into(), "light".into()),
            ("RAPPORT_UI__DEBOUNCE_MS".into(), "30".into()),
            ("RAPPORT_DATA_DIR".into(), "/srv/rapport".into()),
            ("RAPPORT_TOKEN".into(), "secret".into()),
            ("RAPPORT_TEST_POSTGRES_URL".into(), "ignored".into()),
        ];
        let s = load(&src, &cli).unwrap();
        assert_eq!(s.ui.theme, "light", "environment over files");
        assert_eq!(s.ui.debounce_ms, 30);
        assert_eq!(s.data_dir.as_deref(), Some(Path::new("/srv/rapport")));
        assert_eq!(s.server.token.as_deref(), Some("secret"));

        cli.theme = Some("default".into());
        cli.server = Some("https://crm.example.net".into());
        cli.data_dir = Some("/tmp/r".into());
        cli.log_level = Some("warn".into());
        let s = load(&src, &cli).unwrap();
        assert_eq!(s.ui.theme, "default", "flags over environment");
        assert_eq!(s.server.url.as_deref(), Some("https://crm.example.net"));
        assert_eq!(s.data_dir.as_deref(), Some(Path::new("/tmp/r")));
        assert_eq!(s.log.level, "warn");
    }

    #[test]
    fn a_wrong_type_names_the_file_line_key_and_expectation() {
        let (_d, cli) = with_file("# mine\n[ui]\ndebounce_ms = \"soon\"\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("rapport.toml, line 3: ui.debounce_ms:"), "{e}");
        assert!(e.contains("expected a whole number"), "{e}");
    }

    #[test]
    fn an_unknown_key_names_the_file_and_the_known_ones() {
        let (_d, cli) = with_file("[ui]\ntheem = \"mono\"\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("rapport.toml, line 2: ui.theem"), "{e}");
        assert!(e.contains("`theme`"), "{e}");
    }

    #[test]
    fn out_of_range_values_and_syntax_errors_are_explained() {
        let (_d, cli) = with_file("[server]\nurl = \"crm.example.net\"\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(
            e.contains("rapport.toml: server.url: \"crm.example.net\" is not a URL"),
            "{e}"
        );

        let (_d, cli) = with_file("[ui\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("rapport.toml, line 1"), "{e}");

        let (_d, cli) = with_file("[ui]\nsymbols = \"emoji\"\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(
            e.contains("ui.symbols") && e.contains("expected auto, unicode or ascii"),
            "{e}"
        );
        let cli = Overrides {
            symbols: Some("ascii".into()),
            ..Default::default()
        };
        assert_eq!(
            load(&none(), &cli).unwrap().ui.symbols,
            "ascii",
            "--symbols"
        );

        let (_d, cli) = with_file("[log]\nlevel = \"loud\"\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(
            e.contains("log.level") && e.contains("expected error, warn"),
            "{e}"
        );

        let cli = Overrides {
            server: Some("crm.example.net".into()),
            ..Default::default()
        };
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.starts_with("--server: "), "{e}");

        let cli = Overrides {
            config_file: Some("/nonexistent/rapport.toml".into()),
            ..Default::default()
        };
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/rapport.toml: no such file"), "{e}");
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let src = Sources {
            env: vec![("RAPPORT_UI__DEBOUNCE_MS".into(), "soon".into())],
            ..none()
        };
        let e = load(&src, &Overrides::default()).unwrap_err().to_string();
        assert!(
            e.starts_with("environment variable RAPPORT_UI__DEBOUNCE_MS: \"soon\" is not a number"),
            "{e}"
        );
        let src = Sources {
            env: vec![("RAPPORT_UI__THEEM".into(), "mono".into())],
            ..none()
        };
        let e = load(&src, &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("RAPPORT_UI__THEEM: not a setting"), "{e}");
    }

    #[test]
    fn key_tables_are_kept_per_file_and_rebind_keys() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.toml");
        std::fs::write(
            &user,
            "[keys.customer]\n\"c\" = \"channel_filter\"\n\"f\" = \"none\"\n\"G\" = \"last\"\n\"?\" = \"help\"\n",
        )
        .unwrap();
        let src = Sources {
            user_file: Some(user.clone()),
            ..none()
        };
        let s = load(&src, &Overrides::default()).unwrap();
        assert_eq!(s.keys.len(), 1);
        assert_eq!(s.keys[0].origin, user.display().to_string());
        let km = Keymap::new(&s.keys).unwrap();
        let key = |k: &str| k.parse::<Key>().unwrap();
        assert_eq!(
            km.lookup(Context::Customer, &key("c")),
            Some(Command::ChannelFilter)
        );
        assert_eq!(km.lookup(Context::Customer, &key("f")), None);
        assert_eq!(km.lookup(Context::Customer, &key("G")), Some(Command::Last));
        assert_eq!(km.lookup(Context::Customer, &key("j")), Some(Command::Next));

        let (_d, cli) = with_file("[keys.sideways]\n\"x\" = \"quit\"\n");
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(
            e.contains("keys.sideways") && e.contains("`customer`"),
            "{e}"
        );
    }
}
