//! Settings: built-in defaults < system file < user file < `--config FILE`
//! < `RAPPORT_*` environment < command-line flags.
//!
//! The built-in defaults ARE `config.example.toml` (embedded), so the
//! documented defaults cannot drift from the real ones.

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

use crate::keymap::KeysConfig;

/// The documented example, which is also the source of every default.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

pub const SYSTEM_FILE: &str = "/etc/rapport/config.toml";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    pub server: ServerSettings,
    pub demo: DemoSettings,
    pub ui: UiSettings,
    pub log: LogSettings,
    #[serde(default)]
    pub keys: KeysConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub customers: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSettings {
    pub theme: String,
    pub debounce_ms: u64,
    pub mask_pii: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    #[serde(default)]
    pub file: Option<PathBuf>,
}

/// What the command line can override.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub server: Option<String>,
    pub theme: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_level: Option<String>,
}

/// Where files are looked for; injectable for tests.
#[derive(Debug, Clone)]
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

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

pub fn load(sources: &Sources, cli: &Overrides) -> Result<Settings, ConfigError> {
    let mut b = Config::builder().add_source(File::from_str(EXAMPLE, FileFormat::Toml));
    for p in [&sources.system_file, &sources.user_file]
        .into_iter()
        .flatten()
    {
        if p.is_file() {
            b = b.add_source(
                File::from(p.as_path())
                    .format(FileFormat::Toml)
                    .required(true),
            );
        }
    }
    if let Some(p) = &cli.config_file {
        if !p.is_file() {
            return Err(ConfigError(format!(
                "config file {} does not exist (given with --config)",
                p.display()
            )));
        }
        b = b.add_source(
            File::from(p.as_path())
                .format(FileFormat::Toml)
                .required(true),
        );
    }
    // RAPPORT_SECTION__KEY; RAPPORT_TOKEN is the token's short name. Other
    // RAPPORT_* names that are not settings are ignored.
    let env: config::Map<String, String> = sources
        .env
        .iter()
        .filter(|(k, _)| k.starts_with("RAPPORT_") && k.contains("__"))
        .cloned()
        .collect();
    b = b.add_source(
        Environment::with_prefix("RAPPORT")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .source(Some(env)),
    );
    let set =
        |b: config::ConfigBuilder<config::builder::DefaultState>, key: &str, v: Option<String>| {
            match v {
                Some(v) => b.set_override(key, v),
                None => Ok(b),
            }
        };
    let token = sources
        .env
        .iter()
        .find(|(k, _)| k == "RAPPORT_TOKEN")
        .map(|(_, v)| v.clone());
    let err = |e: config::ConfigError| ConfigError(e.to_string());
    b = set(b, "server.token", token).map_err(err)?;
    b = set(b, "server.url", cli.server.clone()).map_err(err)?;
    b = set(b, "ui.theme", cli.theme.clone()).map_err(err)?;
    b = set(
        b,
        "data_dir",
        cli.data_dir.as_ref().map(|p| p.display().to_string()),
    )
    .map_err(err)?;
    b = set(b, "log.level", cli.log_level.clone()).map_err(err)?;
    let cfg = b.build().map_err(|e| ConfigError(explain(e)))?;
    let settings: Settings = cfg.try_deserialize().map_err(|e| ConfigError(explain(e)))?;
    settings.validate()?;
    Ok(settings)
}

fn explain(e: config::ConfigError) -> String {
    let s = e.to_string();
    if s.contains("unknown field") {
        format!("{s}; see config.example.toml for every key")
    } else {
        s
    }
}

impl Settings {
    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.server.url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError(format!(
                "server.url: '{url}' is not an http:// or https:// URL"
            )));
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.log.level.as_str()) {
            return Err(ConfigError(format!(
                "log.level: '{}' is not one of error, warn, info, debug, trace",
                self.log.level
            )));
        }
        if self.ui.debounce_ms > 5_000 {
            return Err(ConfigError(
                "ui.debounce_ms: expected at most 5000 (ms)".into(),
            ));
        }
        if self.server.timeout_ms == 0 {
            return Err(ConfigError(
                "server.timeout_ms: expected a positive number of ms".into(),
            ));
        }
        Ok(())
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(crate::dirs::data_dir)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn log_file(&self) -> PathBuf {
        self.log.file.clone().unwrap_or_else(|| {
            crate::dirs::state_dir()
                .unwrap_or_else(|| self.data_dir())
                .join("rapport.log")
        })
    }
}

/// Warn-worthy: a token in a config file others can read.
pub fn world_readable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o004 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{Command, Context};

    fn none() -> Sources {
        Sources {
            system_file: None,
            user_file: None,
            env: vec![],
        }
    }

    #[test]
    fn example_is_exactly_the_defaults() {
        let s = load(&none(), &Overrides::default()).unwrap();
        assert_eq!(s.server.url, None);
        assert_eq!(s.server.timeout_ms, 5000);
        assert_eq!(s.demo.customers, 10_000);
        assert_eq!(s.ui.theme, "default");
        assert_eq!(s.ui.debounce_ms, 120);
        // The example's [keys] tables are the keymap's defaults, entry for entry.
        for (ctx, cmd, keys) in crate::keymap::defaults() {
            let got = &s.keys[&ctx][&cmd];
            assert_eq!(
                got,
                &keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "{ctx:?} {cmd:?}"
            );
        }
        let n: usize = s.keys.values().map(|m| m.len()).sum();
        assert_eq!(n, crate::keymap::defaults().len());
    }

    #[test]
    fn precedence_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.toml");
        std::fs::write(&user, "[ui]\ntheme = \"light\"\ndebounce_ms = 50\n[keys.customer]\nchannel_filter = [\"c\"]\n").unwrap();
        let mut src = none();
        src.user_file = Some(user);
        let s = load(&src, &Overrides::default()).unwrap();
        assert_eq!((s.ui.theme.as_str(), s.ui.debounce_ms), ("light", 50));
        assert_eq!(
            s.keys[&Context::Customer][&Command::ChannelFilter],
            vec!["c"]
        );
        assert_eq!(
            s.keys[&Context::Customer][&Command::Next],
            vec!["down", "j"]
        );

        src.env = vec![
            ("RAPPORT_UI__THEME".into(), "mono".into()),
            ("RAPPORT_TOKEN".into(), "secret".into()),
            ("RAPPORT_TEST_SOMETHING".into(), "ignored".into()),
        ];
        let s = load(&src, &Overrides::default()).unwrap();
        assert_eq!(s.ui.theme, "mono");
        assert_eq!(s.server.token.as_deref(), Some("secret"));

        let cli = Overrides {
            theme: Some("high-contrast".into()),
            server: Some("http://x:1".into()),
            ..Default::default()
        };
        let s = load(&src, &cli).unwrap();
        assert_eq!(s.ui.theme, "high-contrast");
        assert_eq!(s.server.url.as_deref(), Some("http://x:1"));
    }

    #[test]
    fn bad_value_names_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.toml");
        std::fs::write(&f, "[ui]\ndebounce_ms = \"soon\"\n").unwrap();
        let cli = Overrides {
            config_file: Some(f.clone()),
            ..Default::default()
        };
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(
            e.contains("ui.debounce_ms") && e.contains("bad.toml"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_and_syntax_errors_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("typo.toml");
        std::fs::write(&f, "[ui]\ntheem = \"mono\"\n").unwrap();
        let cli = Overrides {
            config_file: Some(f),
            ..Default::default()
        };
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("theem"), "{e}");

        let f = dir.path().join("broken.toml");
        std::fs::write(&f, "[ui\n").unwrap();
        let cli = Overrides {
            config_file: Some(f),
            ..Default::default()
        };
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("broken.toml"), "{e}");

        let cli = Overrides {
            server: Some("crm.example.net".into()),
            ..Default::default()
        };
        let e = load(&none(), &cli).unwrap_err().to_string();
        assert!(e.contains("server.url"), "{e}");
    }
}
