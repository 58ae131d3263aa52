//! Colour themes: semantic roles mapped to terminal styles.
//!
//! Widget code asks for a role (`theme.danger`), never a colour. Built-in
//! themes live in `themes/*.toml` and are embedded; a file of the same name
//! in the user's themes directory overrides a built-in role by role.
//! `NO_COLOR` selects the `mono` theme (and strips any colour a user's
//! `mono.toml` adds), so selection and status stay visible by reverse video,
//! bold, the `▶` marker and words.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Built-in themes, by name.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../themes/mono.toml")),
];

/// One role's style as written in a theme file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underlined: bool,
    #[serde(default)]
    pub reversed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, StyleSpec>,
}

macro_rules! roles {
    ($($role:ident: $doc:literal),* $(,)?) => {
        /// Resolved styles, one per semantic role.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(#[doc = $doc] pub $role: Style,)*
            /// Draw symbols as plain ASCII (`ui.symbols`); not a colour
            /// role, so theme files do not set it.
            pub ascii: bool,
            /// The colours the terminal shows (from terminfo): what is
            /// drawn is brought within them.
            pub colors: crate::termcaps::Colors,
        }

        /// Every role name a theme file may set.
        pub const ROLES: &[&str] = &[$(stringify!($role)),*];

        impl Theme {
            fn set(&mut self, role: &str, style: Style) -> bool {
                match role {
                    $(stringify!($role) => { self.$role = style; true })*
                    _ => false,
                }
            }
            fn map_styles(&mut self, f: impl Fn(Style) -> Style) {
                $(self.$role = f(self.$role);)*
            }
            fn blank(name: &str) -> Theme {
                Theme { name: name.to_string(), $($role: Style::default(),)* ascii: false, colors: crate::termcaps::Colors::TrueColor }
            }
        }
    };
}

roles! {
    text: "Ordinary text.",
    muted: "Secondary text: labels, timestamps, definitions.",
    title: "Panel titles.",
    border: "Panel borders.",
    border_focus: "The border of the focused panel.",
    accent: "Names and key figures.",
    key: "Key names in the hint bar and help.",
    ok: "Good news: connected, consent given, within SLA.",
    warn: "Needs attention soon: SLA nearly due, reconnecting.",
    danger: "Needs attention now: breached, offline, errors.",
    selection: "The selected row (also marked with ▶).",
    highlight: "Characters that matched the search.",
    status_bar: "The top status bar.",
    hint_bar: "The bottom hint bar.",
    tab: "Inactive tabs.",
    tab_active: "The active tab.",
    input: "Text being typed.",
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error(
        "unknown theme '{0}': built-in themes are default, light, high-contrast and mono, or put {0}.toml in the themes directory"
    )]
    Unknown(String),
    #[error("theme file {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Theme {
    /// Load theme `name`: the built-in of that name (or `default` as a base
    /// for a user-only theme), overridden by `user_dir/NAME.toml` if present.
    /// With `no_color` (the `NO_COLOR` convention) the theme is `mono`.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        let name = if no_color { "mono" } else { name };
        let builtin = BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
        let user_file = user_dir.map(|d| d.join(format!("{name}.toml")));
        let user_text = match &user_file {
            Some(p) if p.is_file() => {
                Some(std::fs::read_to_string(p).map_err(|e| ThemeError::Invalid {
                    path: p.display().to_string(),
                    message: e.to_string(),
                })?)
            }
            _ => None,
        };
        if builtin.is_none() && user_text.is_none() {
            return Err(ThemeError::Unknown(name.to_string()));
        }
        let mut theme = Theme::blank(name);
        let base = builtin.unwrap_or(BUILTIN[0].1);
        theme.apply(base, &format!("built-in theme {name}"))?;
        if let (Some(text), Some(path)) = (user_text, user_file) {
            theme.apply(&text, &path.display().to_string())?;
        }
        if no_color {
            theme.strip_colour();
        }
        Ok(theme)
    }

    /// The built-in theme `name`; panics only if the embedded files are broken
    /// (a unit test parses them all).
    pub fn builtin(name: &str) -> Theme {
        Theme::load(name, None, false).expect("built-in theme parses")
    }

    fn apply(&mut self, text: &str, origin: &str) -> Result<(), ThemeError> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Invalid {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        for (role, spec) in file.roles {
            let style = spec.to_style().map_err(|message| ThemeError::Invalid {
                path: origin.to_string(),
                message: format!("roles.{role}: {message}"),
            })?;
            if !self.set(&role, style) {
                return Err(ThemeError::Invalid {
                    path: origin.to_string(),
                    message: format!("unknown role '{role}'; roles are: {}", ROLES.join(", ")),
                });
            }
        }
        Ok(())
    }

    /// Remove colours (NO_COLOR); keep bold/reverse so nothing relies on hue.
    pub fn strip_colour(&mut self) {
        self.map_styles(|s| Style {
            fg: None,
            bg: None,
            ..s
        });
        self.selection = self.selection.add_modifier(Modifier::REVERSED);
    }
}

impl StyleSpec {
    fn to_style(&self) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(parse_colour(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(parse_colour(bg)?);
        }
        let flags = [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ];
        for (on, m) in flags {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

fn parse_colour(s: &str) -> Result<Color, String> {
    s.parse::<Color>().map_err(|_| {
        format!("'{s}' is not a colour: use a name (red, light-blue, dark-gray, reset...), an index 0-255 or #rrggbb")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_sets_every_role() {
        for (name, text) in BUILTIN {
            let file: ThemeFile = toml::from_str(text).unwrap();
            for role in ROLES {
                assert!(file.roles.contains_key(*role), "{name} lacks role {role}");
            }
            Theme::builtin(name);
        }
    }

    #[test]
    fn default_uses_only_the_16_ansi_colours() {
        let t = Theme::builtin("default");
        let all = [
            t.text,
            t.muted,
            t.title,
            t.border,
            t.border_focus,
            t.accent,
            t.key,
            t.ok,
            t.warn,
            t.danger,
            t.selection,
            t.highlight,
            t.status_bar,
            t.hint_bar,
            t.tab,
            t.tab_active,
            t.input,
        ];
        for s in all {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }

    #[test]
    fn user_file_overrides_by_role_and_no_color_strips() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("default.toml"),
            "[roles]\ndanger = { fg = \"magenta\" }\n",
        )
        .unwrap();
        let t = Theme::load("default", Some(dir.path()), false).unwrap();
        assert_eq!(t.danger.fg, Some(Color::Magenta));
        assert_eq!(t.ok, Theme::builtin("default").ok);
        let t = Theme::load("default", Some(dir.path()), true).unwrap();
        assert_eq!(t, Theme::builtin("mono"), "NO_COLOR selects mono");
        assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
        // Even a user's mono.toml cannot bring colour back under NO_COLOR.
        std::fs::write(
            dir.path().join("mono.toml"),
            "[roles]\nok = { fg = \"green\", bold = true }\n",
        )
        .unwrap();
        let t = Theme::load("light", Some(dir.path()), true).unwrap();
        assert_eq!(t.ok.fg, None);
        assert!(t.ok.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn errors_name_the_file_and_role() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[roles]\nborder = { fg = \"chartreuse\" }\n",
        )
        .unwrap();
        let e = Theme::load("mine", Some(dir.path()), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mine.toml") && e.contains("roles.border") && e.contains("chartreuse"),
            "{e}"
        );
        assert!(Theme::load("nope", None, false).is_err());
    }
}
