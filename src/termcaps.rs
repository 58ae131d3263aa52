//! What the terminal can do, from its terminfo entry (`TERM`): how many
//! colours, and which private modes it understands (the alternate screen,
//! 1049; bracketed paste, 2004; synchronized output, 2026). A VT100 gets
//! none of these: no colour codes (a VT100 reads `38;5;N` as blink) and no
//! private modes it does not know.
//!
//! Rules, in order:
//! - colours: terminfo's `colors` (absent or below 8: none; 8; 16 up to
//!   255; 256 and more), true colour only with `Tc`/`RGB` in terminfo or
//!   `COLORTERM=truecolor|24bit` on a 256-colour terminal; `NO_COLOR`
//!   (handled by the theme) still wins;
//! - the alternate screen when `smcup` switches to it with 1049;
//! - bracketed paste with the `BE` extension, or on a terminal whose
//!   `smcup` uses 1049 (the xterm family, which knows 2004);
//! - synchronized output with the `Sync` extension, or on the same xterm
//!   family (terminals of that family ignore private modes they lack);
//! - the cursor hidden while drawing only where `civis` says how;
//! - a `TERM` with no terminfo entry (a newer terminal than the database),
//!   or none at all, keeps everything on; `dumb` keeps everything off.

use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// Colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Colors {
    None,
    Eight,
    Sixteen,
    Indexed256,
    TrueColor,
}

impl Colors {
    pub fn as_str(self) -> &'static str {
        match self {
            Colors::None => "none",
            Colors::Eight => "8",
            Colors::Sixteen => "16",
            Colors::Indexed256 => "256",
            Colors::TrueColor => "truecolor",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermCaps {
    pub colors: Colors,
    /// `CSI ? 1049 h/l`: the alternate screen.
    pub alt_screen: bool,
    /// `CSI ? 2004 h/l`: bracketed paste.
    pub paste: bool,
    /// `CSI ? 2026 h/l`: synchronized output.
    pub sync: bool,
    /// The cursor can be hidden (`civis`, `CSI ? 25 l`).
    pub cursor: bool,
}

impl TermCaps {
    /// Everything on: a modern terminal (and the tests' default).
    pub const FULL: TermCaps = TermCaps {
        colors: Colors::TrueColor,
        alt_screen: true,
        paste: true,
        sync: true,
        cursor: true,
    };
    /// Nothing: plain text and cursor movement only.
    pub const NONE: TermCaps = TermCaps {
        colors: Colors::None,
        alt_screen: false,
        paste: false,
        sync: false,
        cursor: false,
    };

    /// From `TERM` and `COLORTERM` as given (the terminfo database is read
    /// from the usual places).
    pub fn detect(term: Option<&str>, colorterm: Option<&str>) -> TermCaps {
        let Some(term) = term.filter(|t| !t.is_empty()) else {
            return TermCaps::FULL;
        };
        if term == "dumb" {
            return TermCaps::NONE;
        }
        match terminfo::Database::from_name(term) {
            Ok(db) => TermCaps::from_entry(&Entry::of(&db), colorterm),
            Err(e) => {
                tracing::info!(term, error = %e, "no terminfo entry: assuming a modern terminal");
                TermCaps::FULL
            }
        }
    }

    /// The rules above over what an entry says.
    pub fn from_entry(e: &Entry, colorterm: Option<&str>) -> TermCaps {
        let colors = match e.max_colors {
            Some(n) if n >= 256 => {
                let truecolor = e.truecolor
                    || matches!(colorterm, Some(c) if c.eq_ignore_ascii_case("truecolor") || c.eq_ignore_ascii_case("24bit"));
                if truecolor {
                    Colors::TrueColor
                } else {
                    Colors::Indexed256
                }
            }
            Some(n) if n >= 16 => Colors::Sixteen,
            Some(n) if n >= 8 => Colors::Eight,
            _ => Colors::None,
        };
        let xterm_family = e.smcup.windows(4).any(|w| w == b"1049");
        TermCaps {
            colors,
            alt_screen: xterm_family,
            paste: e.bracketed_paste || xterm_family,
            sync: e.sync || xterm_family,
            cursor: e.civis,
        }
    }
}

/// The parts of a terminfo entry the rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub max_colors: Option<i32>,
    pub smcup: Vec<u8>,
    pub truecolor: bool,
    pub bracketed_paste: bool,
    pub sync: bool,
    pub civis: bool,
}

impl Entry {
    pub fn of(db: &terminfo::Database) -> Entry {
        use terminfo::capability as cap;
        let string = |name: &str| match db.raw(name) {
            Some(terminfo::Value::String(s)) => s.clone(),
            _ => Vec::new(),
        };
        Entry {
            max_colors: db.get::<cap::MaxColors>().map(i32::from),
            smcup: string("smcup"),
            truecolor: db.raw("Tc").is_some() || db.raw("RGB").is_some(),
            bracketed_paste: db.raw("BE").is_some(),
            sync: db.raw("Sync").is_some(),
            civis: !string("civis").is_empty(),
        }
    }
}

/// The standard RGB of a 256-colour palette index (xterm's).
fn rgb_of(i: u8) -> (u8, u8, u8) {
    const BASE: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    match i {
        0..=15 => BASE[i as usize],
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(n / 36), level((n / 6) % 6), level(n % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

/// The index in `0..n` (8, 16 or 256) nearest to `rgb`.
fn nearest(rgb: (u8, u8, u8), n: u16) -> u8 {
    let d = |a: (u8, u8, u8), b: (u8, u8, u8)| {
        let f = |x: u8, y: u8| (x as i32 - y as i32).pow(2);
        f(a.0, b.0) + f(a.1, b.1) + f(a.2, b.2)
    };
    (0..n)
        .map(|i| i as u8)
        .min_by_key(|i| d(rgb_of(*i), rgb))
        .unwrap_or(0)
}

const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// `c` as the terminal can show it.
pub fn fit_color(c: Color, to: Colors) -> Color {
    let rgb = match c {
        Color::Reset => return Color::Reset,
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => rgb_of(i),
        named => match NAMED.iter().position(|n| *n == named) {
            Some(i) => rgb_of(i as u8),
            None => return Color::Reset,
        },
    };
    // Greys go by lightness alone: by distance a mid grey is nearer
    // yellow than the terminal's grey.
    let (hi, lo) = (rgb.0.max(rgb.1).max(rgb.2), rgb.0.min(rgb.1).min(rgb.2));
    let grey = hi - lo < 24;
    let light = (rgb.0 as u16 + rgb.1 as u16 + rgb.2 as u16) / 3;
    match to {
        Colors::TrueColor => c,
        Colors::Sixteen if grey => match light {
            0..48 => Color::Black,
            48..160 => Color::DarkGray,
            160..240 => Color::Gray,
            _ => Color::White,
        },
        Colors::Eight if grey => {
            if light < 64 {
                Color::Black
            } else {
                Color::Gray
            }
        }
        Colors::Indexed256 => match c {
            Color::Rgb(..) => Color::Indexed(nearest(rgb, 256)),
            other => other,
        },
        Colors::Sixteen => NAMED[nearest(rgb, 16) as usize],
        Colors::Eight => NAMED[nearest(rgb, 8) as usize],
        _ => Color::Reset,
    }
}

/// Bring every cell's colours within what the terminal shows.
pub fn fit_buffer(buf: &mut Buffer, to: Colors) {
    if to == Colors::TrueColor {
        return;
    }
    for cell in buf.content.iter_mut() {
        cell.fg = fit_color(cell.fg, to);
        cell.bg = fit_color(cell.bg, to);
        cell.underline_color = fit_color(cell.underline_color, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(max: Option<i32>, smcup: &str) -> Entry {
        Entry {
            max_colors: max,
            smcup: smcup.as_bytes().to_vec(),
            ..Entry::default()
        }
    }

    #[test]
    fn the_rules_over_an_entry() {
        let vt100 = TermCaps::from_entry(&entry(None, ""), None);
        assert_eq!(vt100, TermCaps::NONE);
        let xterm = Entry {
            civis: true,
            ..entry(Some(8), "\u{1b}[?1049h\u{1b}[22;0;0t")
        };
        assert_eq!(
            TermCaps::from_entry(&xterm, None),
            TermCaps {
                colors: Colors::Eight,
                alt_screen: true,
                paste: true,
                sync: true,
                cursor: true,
            }
        );
        let x256 = entry(Some(256), "\u{1b}[?1049h");
        assert_eq!(TermCaps::from_entry(&x256, None).colors, Colors::Indexed256);
        assert_eq!(
            TermCaps::from_entry(&x256, Some("truecolor")).colors,
            Colors::TrueColor
        );
        assert_eq!(
            TermCaps::from_entry(&entry(Some(16), ""), Some("truecolor")).colors,
            Colors::Sixteen,
            "COLORTERM does not lift a 16-colour terminal"
        );
        // A terminal that switches screens the old way (47) is not xterm.
        let old = entry(Some(8), "\u{1b}7\u{1b}[?47h");
        let c = TermCaps::from_entry(&old, None);
        assert!(!c.alt_screen && !c.paste && !c.sync);
        let be = Entry {
            bracketed_paste: true,
            sync: true,
            ..old
        };
        let c = TermCaps::from_entry(&be, None);
        assert!(c.paste && c.sync && !c.alt_screen);
        assert_eq!(TermCaps::detect(None, None), TermCaps::FULL);
        assert_eq!(TermCaps::detect(Some("dumb"), None), TermCaps::NONE);
    }

    /// Read from the system's database where it has these entries.
    #[test]
    fn vt100_and_xterm_from_terminfo() {
        if terminfo::Database::from_name("vt100").is_ok() {
            assert_eq!(TermCaps::detect(Some("vt100"), None), TermCaps::NONE);
        }
        if terminfo::Database::from_name("xterm-256color").is_ok() {
            let c = TermCaps::detect(Some("xterm-256color"), None);
            assert_eq!(c.colors, Colors::Indexed256);
            assert!(c.alt_screen && c.paste && c.sync && c.cursor);
        }
        if terminfo::Database::from_name("linux").is_ok() {
            assert_eq!(TermCaps::detect(Some("linux"), None).colors, Colors::Eight);
        }
    }

    #[test]
    fn colours_come_down_to_the_nearest() {
        assert_eq!(
            fit_color(Color::Indexed(196), Colors::Sixteen),
            Color::LightRed
        );
        assert_eq!(fit_color(Color::Indexed(196), Colors::Eight), Color::Red);
        assert_eq!(
            fit_color(Color::Rgb(0, 0, 0), Colors::Indexed256),
            Color::Indexed(0)
        );
        assert_eq!(
            fit_color(Color::Rgb(255, 255, 255), Colors::Indexed256),
            Color::Indexed(15)
        );
        assert_eq!(fit_color(Color::Indexed(244), Colors::Eight), Color::Gray);
        assert_eq!(
            fit_color(Color::Indexed(244), Colors::Sixteen),
            Color::DarkGray
        );
        assert_eq!(
            fit_color(Color::Indexed(234), Colors::Sixteen),
            Color::Black
        );
        assert_eq!(fit_color(Color::LightCyan, Colors::Eight), Color::Cyan);
        assert_eq!(fit_color(Color::Indexed(33), Colors::None), Color::Reset);
        assert_eq!(
            fit_color(Color::Indexed(33), Colors::TrueColor),
            Color::Indexed(33)
        );
        assert_eq!(fit_color(Color::Reset, Colors::Eight), Color::Reset);
        // 16-colour palette index 12 (light blue) stays itself.
        assert_eq!(
            fit_color(Color::Indexed(12), Colors::Sixteen),
            Color::LightBlue
        );
    }
}
