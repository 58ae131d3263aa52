//! Key bindings as data.
//!
//! Every user command is a [`Command`]; the `[keys.<context>]` tables of the
//! configuration map command names to key lists, overriding the defaults one
//! command at a time. Clashes (one key bound to two commands in one context)
//! are reported at start-up. The help screen and the hint bar are generated
//! from this same table, so they can never drift from the real keys.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// Where a binding applies. `Global` applies everywhere unless a screen binds
/// the same key; on the search screen plain characters type into the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Search,
    Customer,
}

impl Context {
    pub const ALL: [Context; 3] = [Context::Global, Context::Search, Context::Customer];
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Search => "Search",
            Context::Customer => "Customer",
        }
    }
}

/// A command a person can give with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Quit,
    Help,
    Search,
    Back,
    Open,
    Next,
    Previous,
    PageDown,
    PageUp,
    First,
    Last,
    NextTab,
    PreviousTab,
    TabOverview,
    TabHistory,
    TabComplaints,
    TabPreferences,
    ChannelFilter,
    Refresh,
    ClearQuery,
}

impl Command {
    /// Words for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Quit => "Quit (the terminal is restored)",
            Command::Help => "Show or hide this help",
            Command::Search => "Go to the search box",
            Command::Back => "Go back / close",
            Command::Open => "Open the selected customer",
            Command::Next => "Next row / scroll down",
            Command::Previous => "Previous row / scroll up",
            Command::PageDown => "Page down",
            Command::PageUp => "Page up",
            Command::First => "First row",
            Command::Last => "Last row",
            Command::NextTab => "Next tab (narrow layout) / next panel",
            Command::PreviousTab => "Previous tab / previous panel",
            Command::TabOverview => "Overview tab",
            Command::TabHistory => "History tab",
            Command::TabComplaints => "Complaints tab",
            Command::TabPreferences => "Preferences tab",
            Command::ChannelFilter => "History: cycle the channel filter",
            Command::Refresh => "Reload from the server",
            Command::ClearQuery => "Clear the search box",
        }
    }

    /// A word or two for the hint bar.
    pub fn hint(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Search => "search",
            Command::Back => "back",
            Command::Open => "open",
            Command::Next | Command::Previous => "move",
            Command::NextTab => "panel",
            Command::ChannelFilter => "channel",
            Command::Refresh => "reload",
            Command::ClearQuery => "clear",
            _ => "",
        }
    }
}

/// One key with its modifiers, e.g. `ctrl-n`, `f1`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// KeyCode subset with an order, so bindings sort stably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Delete,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ev.modifiers.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Delete => KeyCodeOrd::Delete,
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// A printable character typed without ctrl/alt (text input).
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCodeOrd::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

impl std::str::FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCodeOrd::Enter,
            "esc" | "escape" => KeyCodeOrd::Esc,
            "tab" => KeyCodeOrd::Tab,
            "backtab" | "shift-tab" => KeyCodeOrd::BackTab,
            "backspace" => KeyCodeOrd::Backspace,
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "pgup" | "pageup" => KeyCodeOrd::PageUp,
            "pgdown" | "pagedown" => KeyCodeOrd::PageDown,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "delete" | "del" => KeyCodeOrd::Delete,
            "space" => KeyCodeOrd::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().unwrap_or(0);
                if !(1..=12).contains(&n) {
                    return Err(format!("'{s}': function keys are f1 to f12"));
                }
                KeyCodeOrd::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c })
                    }
                    _ => {
                        return Err(format!(
                            "'{s}' is not a key: use a character, enter, esc, tab, backtab, up, down, pgup, pgdown, home, end, f1..f12, with optional ctrl- or alt-"
                        ));
                    }
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("Enter"),
            KeyCodeOrd::Esc => f.write_str("Esc"),
            KeyCodeOrd::Tab => f.write_str("Tab"),
            KeyCodeOrd::BackTab => f.write_str("Shift-Tab"),
            KeyCodeOrd::Backspace => f.write_str("Backspace"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::PageUp => f.write_str("PgUp"),
            KeyCodeOrd::PageDown => f.write_str("PgDn"),
            KeyCodeOrd::Home => f.write_str("Home"),
            KeyCodeOrd::End => f.write_str("End"),
            KeyCodeOrd::Delete => f.write_str("Del"),
        }
    }
}

/// `[keys.<context>]` as written in the configuration: command → keys.
pub type KeysConfig = BTreeMap<Context, BTreeMap<Command, Vec<String>>>;

/// The default bindings, in the order help lists them.
pub fn defaults() -> Vec<(Context, Command, &'static [&'static str])> {
    use Command::*;
    use Context::{Customer as C, Global as G, Search as S};
    vec![
        (G, Quit, &["ctrl-c", "q"]),
        (G, Help, &["f1", "?"]),
        (G, Search, &["/"]),
        (G, Back, &["esc"]),
        (S, Open, &["enter"]),
        (S, Next, &["down", "ctrl-n"]),
        (S, Previous, &["up", "ctrl-p"]),
        (S, PageDown, &["pgdown"]),
        (S, PageUp, &["pgup"]),
        (S, ClearQuery, &["ctrl-u"]),
        (S, Back, &["esc"]),
        (C, Next, &["down", "j"]),
        (C, Previous, &["up", "k"]),
        (C, PageDown, &["pgdown", "space"]),
        (C, PageUp, &["pgup"]),
        (C, First, &["home", "g"]),
        (C, Last, &["end", "G"]),
        (C, NextTab, &["tab", "right"]),
        (C, PreviousTab, &["backtab", "left"]),
        (C, TabOverview, &["1"]),
        (C, TabHistory, &["2"]),
        (C, TabComplaints, &["3"]),
        (C, TabPreferences, &["4"]),
        (C, ChannelFilter, &["f"]),
        (C, Refresh, &["ctrl-r", "r"]),
    ]
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeymapError {
    #[error("keys.{context}.{command}: {message}")]
    BadKey {
        context: String,
        command: String,
        message: String,
    },
    #[error(
        "keys.{context}: {key} is bound to both {first} and {second}; bind one of them to another key"
    )]
    Clash {
        context: String,
        key: String,
        first: String,
        second: String,
    },
}

/// The resolved bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// (context, command) → keys, in help order.
    bindings: Vec<(Context, Command, Vec<Key>)>,
}

fn name<T: fmt::Debug>(t: T) -> String {
    // Debug of a unit variant is its name; config uses snake_case.
    let s = format!("{t:?}");
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Keymap {
    /// Defaults, then each configured (context, command) replaces its keys.
    pub fn new(overrides: &KeysConfig) -> Result<Keymap, KeymapError> {
        let mut bindings: Vec<(Context, Command, Vec<Key>)> = defaults()
            .into_iter()
            .map(|(ctx, cmd, keys)| {
                (
                    ctx,
                    cmd,
                    keys.iter()
                        .map(|k| k.parse().expect("default key parses"))
                        .collect(),
                )
            })
            .collect();
        for (ctx, cmds) in overrides {
            for (cmd, keys) in cmds {
                let parsed = keys
                    .iter()
                    .map(|k| k.parse::<Key>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|message| KeymapError::BadKey {
                        context: name(ctx),
                        command: name(cmd),
                        message,
                    })?;
                match bindings.iter_mut().find(|(c, m, _)| c == ctx && m == cmd) {
                    Some(b) => b.2 = parsed,
                    None => bindings.push((*ctx, *cmd, parsed)),
                }
            }
        }
        let map = Keymap { bindings };
        map.check_clashes()?;
        Ok(map)
    }

    fn check_clashes(&self) -> Result<(), KeymapError> {
        for ctx in Context::ALL {
            let mut seen: BTreeMap<Key, Command> = BTreeMap::new();
            for (c, cmd, keys) in &self.bindings {
                if *c != ctx {
                    continue;
                }
                for k in keys {
                    if let Some(first) = seen.insert(*k, *cmd)
                        && first != *cmd
                    {
                        return Err(KeymapError::Clash {
                            context: name(ctx),
                            key: k.to_string(),
                            first: name(first),
                            second: name(*cmd),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The command for `key` in `ctx`, falling back to the global table.
    pub fn lookup(&self, ctx: Context, key: &Key) -> Option<Command> {
        let find = |want: Context| {
            self.bindings
                .iter()
                .find(|(c, _, keys)| *c == want && keys.contains(key))
                .map(|(_, cmd, _)| *cmd)
        };
        find(ctx).or_else(|| {
            if ctx == Context::Global {
                None
            } else {
                find(Context::Global)
            }
        })
    }

    /// The command for `key` in `ctx` only, without the global fallback.
    pub fn lookup_in(&self, ctx: Context, key: &Key) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(c, _, keys)| *c == ctx && keys.contains(key))
            .map(|(_, cmd, _)| *cmd)
    }

    /// Keys of `cmd` in `ctx` (or global), for hints.
    pub fn keys_for(&self, ctx: Context, cmd: Command) -> Vec<Key> {
        let get = |want: Context| {
            self.bindings
                .iter()
                .find(|(c, m, _)| *c == want && *m == cmd)
                .map(|(_, _, k)| k.clone())
        };
        get(ctx)
            .or_else(|| get(Context::Global))
            .unwrap_or_default()
    }

    /// (context, command, keys) in help order.
    pub fn entries(&self) -> impl Iterator<Item = (Context, Command, &[Key])> {
        self.bindings.iter().map(|(c, m, k)| (*c, *m, k.as_slice()))
    }

    /// Hint bar entries for a screen: (key label, word).
    pub fn hints(&self, ctx: Context, cmds: &[Command]) -> Vec<(String, &'static str)> {
        cmds.iter()
            .filter_map(|cmd| {
                let keys = self.keys_for(ctx, *cmd);
                // On the search screen printable keys type text; show a key
                // that works there.
                let key = keys
                    .iter()
                    .find(|k| ctx != Context::Search || k.typed_char().is_none())
                    .or(keys.first())?;
                Some((key.to_string(), cmd.hint()))
            })
            .collect()
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&KeysConfig::new()).expect("default keymap has no clashes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_keys() {
        assert_eq!(
            key("ctrl-n"),
            Key {
                code: KeyCodeOrd::Char('n'),
                ctrl: true,
                alt: false
            }
        );
        assert_eq!(key("F1").to_string(), "F1");
        assert_eq!(key("C-r").to_string(), "Ctrl-r");
        assert_eq!(key("?").to_string(), "?");
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("f13".parse::<Key>().is_err());
        assert!("hello".parse::<Key>().unwrap_err().contains("not a key"));
    }

    #[test]
    fn default_lookup_falls_back_to_global() {
        let km = Keymap::default();
        assert_eq!(
            km.lookup(Context::Search, &key("down")),
            Some(Command::Next)
        );
        assert_eq!(
            km.lookup(Context::Customer, &key("/")),
            Some(Command::Search)
        );
        assert_eq!(
            km.lookup(Context::Customer, &key("f1")),
            Some(Command::Help)
        );
        assert_eq!(km.lookup(Context::Customer, &key("x")), None);
    }

    #[test]
    fn override_replaces_only_that_command() {
        let mut cfg = KeysConfig::new();
        cfg.entry(Context::Customer)
            .or_default()
            .insert(Command::ChannelFilter, vec!["c".into()]);
        let km = Keymap::new(&cfg).unwrap();
        assert_eq!(
            km.lookup(Context::Customer, &key("c")),
            Some(Command::ChannelFilter)
        );
        assert_eq!(km.lookup(Context::Customer, &key("f")), None);
        assert_eq!(km.lookup(Context::Customer, &key("j")), Some(Command::Next));
    }

    #[test]
    fn clash_is_reported_with_both_names() {
        let mut cfg = KeysConfig::new();
        cfg.entry(Context::Customer)
            .or_default()
            .insert(Command::Refresh, vec!["j".into()]);
        let e = Keymap::new(&cfg).unwrap_err();
        assert_eq!(
            e.to_string(),
            "keys.customer: j is bound to both next and refresh; bind one of them to another key"
        );
    }

    #[test]
    fn bad_key_names_the_setting() {
        let mut cfg = KeysConfig::new();
        cfg.entry(Context::Global)
            .or_default()
            .insert(Command::Quit, vec!["hyper-q".into()]);
        let e = Keymap::new(&cfg).unwrap_err().to_string();
        assert!(e.starts_with("keys.global.quit: 'hyper-q'"), "{e}");
    }

    #[test]
    fn search_hints_avoid_typing_keys() {
        let km = Keymap::default();
        let hints = km.hints(Context::Search, &[Command::Help, Command::Quit]);
        assert_eq!(
            hints,
            vec![("F1".to_string(), "help"), ("Ctrl-c".to_string(), "quit")]
        );
    }
}
