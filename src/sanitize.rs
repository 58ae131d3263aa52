//! Makes text from the server safe to put on a terminal.
//!
//! Customer data is hostile input: a note may hold an escape sequence that
//! would recolour, retitle or rewrite the agent's terminal, or a bidi override
//! that reorders what the agent reads. Every string from the server goes
//! through [`clean`] (or [`clean_multiline`]) before the UI draws it; control
//! characters become visible text and never reach the terminal.

use std::borrow::Cow;

/// Single-line display: newlines become ` ⏎ `, tabs a space, and every other
/// control, escape or bidi-control character a visible token.
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

fn is_plain(c: char) -> bool {
    !(c.is_control() || is_bidi_control(c) || is_invisible_format(c))
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_invisible_format(c: char) -> bool {
    // Zero-width and line/paragraph separators: they move or hide text.
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
    )
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
        c => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            clean("Jane Okafor-Lindqvist 王秀英"),
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
    }

    #[test]
    fn multiline_keeps_lines() {
        assert_eq!(clean_multiline("a\r\n\u{1b}b"), vec!["a", "␛b"]);
    }

    proptest! {
        #[test]
        fn output_never_holds_a_control_character(s in any::<String>()) {
            let out = clean(&s);
            prop_assert!(out.chars().all(|c| !c.is_control() && !is_bidi_control(c)));
            for line in clean_multiline(&s) {
                prop_assert!(line.chars().all(|c| !c.is_control() && !is_bidi_control(c)));
            }
        }
    }
}
