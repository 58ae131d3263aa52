//! Makes stored text safe to put on a terminal, the same way in the client
//! and in the server's command line.
//!
//! Customer data is hostile input: a note may hold an escape sequence that
//! would recolour, retitle or rewrite the terminal, a bidi override that
//! reorders what is read, or a format character (U+FFFB, a zero-width space,
//! a byte order mark) that some terminals draw one column wide and others
//! not at all, shifting every column after it. Every stored string goes
//! through [`clean`] (or [`clean_multiline`]) before it is drawn or printed:
//!
//! - C0 and C1 controls, DEL, and every character of general category Cf
//!   (format: bidi controls, zero-width characters, U+FEFF, U+FFF9..U+FFFB,
//!   tags, and the rest), the line and paragraph separators and the other
//!   default-ignorable code points that are not variation selectors become a
//!   visible token (`␛`, `␇`, `⟨U+200B⟩`), one column per character shown;
//! - variation selectors (U+FE00..U+FE0F, U+E0100..U+E01EF) are dropped:
//!   they only choose a glyph, yet change how wide terminals draw it;
//! - in [`clean`], a newline becomes ` ⏎ ` and a tab a space.

use std::borrow::Cow;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_width::UnicodeWidthStr;

/// Single-line display: newlines become ` ⏎ `, tabs a space, every other
/// control, format or default-ignorable character a visible token.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_plain) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '\n' => out.push_str(" ⏎ "),
            '\r' => {}
            '\t' => out.push(' '),
            c => push_visible(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// Multi-line display: lines are kept, each cleaned as [`clean`].
pub fn clean_multiline(s: &str) -> Vec<String> {
    s.split('\n')
        .map(|line| clean(line.trim_end_matches('\r')).into_owned())
        .collect()
}

/// [`clean`], then padded with spaces (or cut, with `…`) to exactly
/// `cols` terminal columns: for the columns of a command-line table.
pub fn cell(s: &str, cols: usize) -> String {
    let s = clean(s);
    let w = s.width();
    if w <= cols {
        return format!("{s}{}", " ".repeat(cols - w));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw + 1 > cols {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(cols.saturating_sub(used)));
    out
}

/// True when `c` can go to a terminal as it is.
pub fn is_plain(c: char) -> bool {
    !(c.is_control() || is_format(c) || is_ignorable(c) || is_variation_selector(c))
}

/// Bidi controls: they reorder what is read.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// General category Cf, and the line and paragraph separators (Zl, Zp).
fn is_format(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// Default-ignorable code points outside Cf (Unicode's
/// Default_Ignorable_Code_Point, DerivedCoreProperties.txt), variation
/// selectors apart: drawn as nothing by some terminals and as a blank by
/// others.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180D}'
            | '\u{180F}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{2065}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{E0000}'..='\u{E0FFF}'
    ) && !is_variation_selector(c)
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

fn push_visible(out: &mut String, c: char) {
    if is_plain(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{1b}' => out.push('␛'),
        // C0 controls have printable "control pictures" at U+2400 + code.
        c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\u{7f}' => out.push('␡'),
        c if is_variation_selector(c) => {}
        c => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            clean("Jane Okafor-Lindqvist 王秀英 Zoë"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m"), "␛[31mred␛[0m");
        assert_eq!(clean("\u{1b}]0;pwned\u{7}"), "␛]0;pwned␇");
        assert_eq!(clean("a\u{9b}b"), "a⟨U+009B⟩b");
        assert_eq!(clean("abc\u{202E}def"), "abc⟨U+202E⟩def");
        assert_eq!(clean("one\ntwo\r\n"), "one ⏎ two ⏎ ");
        assert_eq!(clean("del\u{7f}"), "del␡");
    }

    /// Each of these was drawn as zero or one column depending on the
    /// terminal, so the columns after it moved.
    #[test]
    fn format_and_ignorable_characters_become_visible() {
        let cases = [
            ("a\u{FFFB}b", "a⟨U+FFFB⟩b"),   // interlinear annotation terminator
            ("a\u{FFF9}b", "a⟨U+FFF9⟩b"),   // interlinear annotation anchor
            ("a\u{200B}b", "a⟨U+200B⟩b"),   // zero width space
            ("a\u{200C}b", "a⟨U+200C⟩b"),   // zero width non-joiner
            ("a\u{200D}b", "a⟨U+200D⟩b"),   // zero width joiner
            ("a\u{200E}b", "a⟨U+200E⟩b"),   // left-to-right mark
            ("a\u{200F}b", "a⟨U+200F⟩b"),   // right-to-left mark
            ("a\u{2060}b", "a⟨U+2060⟩b"),   // word joiner
            ("a\u{2061}b", "a⟨U+2061⟩b"),   // function application
            ("a\u{2064}b", "a⟨U+2064⟩b"),   // invisible plus
            ("a\u{2066}b", "a⟨U+2066⟩b"),   // left-to-right isolate
            ("a\u{2069}b", "a⟨U+2069⟩b"),   // pop directional isolate
            ("a\u{206F}b", "a⟨U+206F⟩b"),   // nominal digit shapes
            ("\u{FEFF}ab", "⟨U+FEFF⟩ab"),   // byte order mark
            ("a\u{00AD}b", "a⟨U+00AD⟩b"),   // soft hyphen
            ("a\u{061C}b", "a⟨U+061C⟩b"),   // arabic letter mark
            ("a\u{180E}b", "a⟨U+180E⟩b"),   // mongolian vowel separator
            ("a\u{2028}b", "a⟨U+2028⟩b"),   // line separator
            ("a\u{2029}b", "a⟨U+2029⟩b"),   // paragraph separator
            ("a\u{E0001}b", "a⟨U+E0001⟩b"), // language tag
            ("a\u{E0041}b", "a⟨U+E0041⟩b"), // tag latin capital a
            ("a\u{1D173}b", "a⟨U+1D173⟩b"), // musical symbol begin beam
            ("a\u{034F}b", "a⟨U+034F⟩b"),   // combining grapheme joiner
            ("a\u{3164}b", "a⟨U+3164⟩b"),   // hangul filler
            ("a\u{115F}b", "a⟨U+115F⟩b"),   // hangul choseong filler
            ("a\u{FFA0}b", "a⟨U+FFA0⟩b"),   // halfwidth hangul filler
            ("a\u{180B}b", "a⟨U+180B⟩b"),   // mongolian free variation selector
            ("a\u{FFF0}b", "a⟨U+FFF0⟩b"),   // unassigned, default ignorable
        ];
        for (hostile, shown) in cases {
            assert_eq!(clean(hostile), shown, "{:?}", hostile);
        }
    }

    #[test]
    fn variation_selectors_are_dropped() {
        assert_eq!(clean("ok\u{FE0F}!"), "ok!");
        assert_eq!(clean("x\u{E0100}y"), "xy");
    }

    /// A name with a format character takes exactly its shown width, so a
    /// table's next column starts where it should.
    #[test]
    fn cells_keep_columns_whatever_the_text() {
        for name in [
            "Jane",
            "Ja\u{FFFB}ne",
            "\u{202E}enaJ",
            "J\u{200B}\u{200B}\u{200B}ane",
            "王秀英",
            "\u{1b}[2J\u{1b}[31mJane",
            "a very long name that does not fit the column",
        ] {
            let c = cell(name, 12);
            assert_eq!(c.width(), 12, "{name:?} → {c:?}");
            assert!(c.chars().all(is_plain), "{c:?}");
        }
        assert_eq!(cell("Jane", 6), "Jane  ");
        assert_eq!(cell("abcdefgh", 5), "abcd…");
    }

    #[test]
    fn every_char_comes_out_plain() {
        // Exhaustive over the code points, rather than sampled.
        for cp in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let s = c.to_string();
            for out in [clean(&s).into_owned()]
                .into_iter()
                .chain(clean_multiline(&s))
            {
                assert!(out.chars().all(is_plain), "U+{cp:04X} → {out:?}");
                assert!(!out.chars().any(is_bidi_control), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn multiline_keeps_lines() {
        assert_eq!(clean_multiline("a\r\n\u{1b}b"), vec!["a", "␛b"]);
    }
}
