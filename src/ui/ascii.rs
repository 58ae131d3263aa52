//! Plain ASCII for terminals that cannot show Unicode symbols: a serial
//! console, a `vt100`, an SSH session whose locale is not UTF-8. The screens
//! are drawn as usual; then every cell whose symbol is one of ours (borders,
//! markers, arrows, sparkline bars) is replaced by one ASCII character, so
//! the layout stays exactly as it was. Text from the server (a customer's
//! name in Chinese, an accented street) is left alone: it is the customer's
//! and has no ASCII spelling that would still be theirs.

use ratatui::buffer::Buffer;

/// How symbols are drawn (`ui.symbols`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbols {
    Unicode,
    Ascii,
}

impl Symbols {
    /// `auto`, `unicode` or `ascii`, with `auto` decided by [`wants_ascii`].
    pub fn choose(setting: &str, env: &[(String, String)]) -> Symbols {
        match setting {
            "ascii" => Symbols::Ascii,
            "unicode" => Symbols::Unicode,
            _ if wants_ascii(env) => Symbols::Ascii,
            _ => Symbols::Unicode,
        }
    }
}

/// Terminals known to lack the symbols: `TERM` of a serial or hardware
/// terminal or the Linux console, or a locale that is set and is not UTF-8
/// (the first of `LC_ALL`, `LC_CTYPE`, `LANG` that is set, as C programs
/// read it). No locale at all says nothing, and leaves Unicode on.
pub fn wants_ascii(env: &[(String, String)]) -> bool {
    let get = |name: &str| {
        env.iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    if let Some(term) = get("TERM") {
        let plain = ["dumb", "linux", "ansi", "vt52", "vt100", "vt102"];
        if plain.contains(&term) || term.starts_with("vt2") || term.starts_with("vt3") {
            return true;
        }
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].into_iter().find_map(get);
    match locale {
        Some(l) => {
            let l = l.to_ascii_lowercase();
            !(l.contains("utf-8") || l.contains("utf8"))
        }
        None => false,
    }
}

/// The ASCII stand-in of one of the symbols the screens draw, or `None`
/// for anything else.
pub fn stand_in(symbol: &str) -> Option<char> {
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    Some(match c {
        // Box drawing: lines, corners and joints, light, heavy, double, rounded.
        '─' | '━' | '═' | '╌' | '┄' => '-',
        '│' | '┃' | '║' | '╎' | '┆' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╯' | '╰' | '┏' | '┓'
        | '┗' | '┛' | '┣' | '┫' | '┳' | '┻' | '╋' | '╔' | '╗' | '╚' | '╝' | '╠' | '╣' | '╦'
        | '╩' | '╬' => '+',
        // Sparkline and gauge bars, from low to high.
        '▁' | '▂' => '_',
        '▃' | '▄' => '-',
        '▅' | '▆' => '=',
        '▇' | '█' | '▉' | '▊' | '▋' | '▌' | '▍' | '▎' | '▏' => '#',
        '░' | '▒' | '▓' => '#',
        // Markers and arrows.
        '▶' | '▸' | '›' | '→' | '►' | '»' => '>',
        '◂' | '◀' | '‹' | '←' | '«' => '<',
        '▲' | '↑' => '^',
        '▼' | '↓' => 'v',
        '•' | '●' | '◆' => '*',
        '○' | '◌' | '◯' => 'o',
        '·' => '.',
        '…' => '~',
        '—' | '–' | '−' => '-',
        '×' | '✕' | '✗' => 'x',
        '✓' | '✔' => '+',
        '⚠' | '⚑' => '!',
        '☎' => 'T',
        '✉' => '@',
        '✎' => 'w',
        '⏱' | '⏳' | '◷' => '@',
        '‖' => '|',
        '⟳' => '~',
        '⌂' => 'H',
        '⏎' => '/',
        '⟨' => '<',
        '⟩' => '>',
        // The sanitiser's pictures of control characters (␛ for ESC).
        '\u{2400}'..='\u{2426}' => '?',
        '‘' | '’' => '\'',
        '“' | '”' => '"',
        _ => return None,
    })
}

/// Replace every symbol [`stand_in`] knows in `buf` by its ASCII stand-in.
pub fn transliterate(buf: &mut Buffer) {
    let mut tmp = [0u8; 4];
    for cell in buf.content.iter_mut() {
        if cell.symbol().is_ascii() {
            continue;
        }
        if let Some(c) = stand_in(cell.symbol()) {
            cell.set_symbol(c.encode_utf8(&mut tmp));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn auto_follows_the_terminal_and_the_locale() {
        let xterm_utf8 = env(&[("TERM", "xterm-256color"), ("LANG", "en_GB.UTF-8")]);
        assert!(!wants_ascii(&xterm_utf8));
        assert!(!wants_ascii(&env(&[("LANG", "C.utf8")])));
        assert!(wants_ascii(&env(&[("LANG", "C")])), "C is ASCII");
        assert!(wants_ascii(&env(&[("LANG", "de_DE.ISO-8859-1")])));
        assert!(
            wants_ascii(&env(&[("LC_ALL", "POSIX"), ("LANG", "en_US.UTF-8")])),
            "LC_ALL wins over LANG"
        );
        assert!(
            !wants_ascii(&env(&[("LC_ALL", ""), ("LANG", "en_US.UTF-8")])),
            "an empty variable is unset"
        );
        assert!(wants_ascii(&env(&[
            ("TERM", "vt100"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(wants_ascii(&env(&[("TERM", "vt220")])));
        assert!(wants_ascii(&env(&[("TERM", "linux")])));
        assert!(!wants_ascii(&env(&[])), "nothing known: Unicode");
        assert_eq!(Symbols::choose("ascii", &xterm_utf8), Symbols::Ascii);
        assert_eq!(
            Symbols::choose("unicode", &env(&[("TERM", "vt100")])),
            Symbols::Unicode
        );
        assert_eq!(
            Symbols::choose("auto", &env(&[("LANG", "C")])),
            Symbols::Ascii
        );
    }

    #[test]
    fn every_stand_in_is_one_printable_ascii_character() {
        let symbols = "─━═│┃║┌┐└┘├┤┬┴┼╭╮╯╰╔╗╚╝▁▂▃▄▅▆▇█▶▸›→◂←▲↑▼↓•●○◌·…—×✕✗✓⚠⚑☎✉✎⏱⟳⌂⏎⟨⟩␛␇␡⏳◷‖";
        for c in symbols.chars() {
            let s = stand_in(&c.to_string()).unwrap_or_else(|| panic!("{c} has no stand-in"));
            assert!(s.is_ascii_graphic(), "{c} -> {s:?}");
        }
        assert_eq!(stand_in("山"), None, "customer text is left alone");
        assert_eq!(stand_in("é"), None);
        assert_eq!(stand_in("ab"), None);
    }

    #[test]
    fn transliterate_keeps_the_layout_and_the_customer_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 1));
        buf.set_string(0, 0, "┌▶ 山田 ·…┐", ratatui::style::Style::default());
        transliterate(&mut buf);
        let row: String = (0..12).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        // 山 and 田 are two columns each: the cell after each is blank.
        assert_eq!(row, "+> 山 田  .~+ ");
    }
}
