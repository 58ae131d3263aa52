//! Makes text from the server safe to put on a terminal: every string from
//! the server goes through [`clean`] (or [`clean_multiline`]) before the UI
//! draws it. The rules live in `rapport_api::sanitize`, shared with the
//! server's command line, so both escape alike. In ASCII mode the client
//! also writes currency symbols in customer text by their ISO codes
//! (`£12.50` → `GBP 12.50`), as it writes its own money.

use std::borrow::Cow;
use std::cell::Cell;

pub use rapport_api::sanitize::{is_bidi_control, is_plain};

thread_local! {
    static ASCII: Cell<bool> = const { Cell::new(false) };
}

/// On this thread, write currency symbols by ISO code (ASCII mode).
pub fn set_ascii(on: bool) {
    ASCII.with(|a| a.set(on));
}

const CURRENCIES: [(char, &str); 3] = [('£', "GBP "), ('€', "EUR "), ('¥', "JPY ")];

fn currencies_as_codes(s: Cow<'_, str>) -> Cow<'_, str> {
    if !ASCII.with(|a| a.get()) || !s.contains(|c| CURRENCIES.iter().any(|(x, _)| *x == c)) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match CURRENCIES.iter().find(|(x, _)| *x == c) {
            Some((_, code)) => out.push_str(code),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Single-line display (see `rapport_api::sanitize::clean`).
pub fn clean(s: &str) -> Cow<'_, str> {
    currencies_as_codes(rapport_api::sanitize::clean(s))
}

/// Multi-line display: lines kept, each cleaned as [`clean`].
pub fn clean_multiline(s: &str) -> Vec<String> {
    rapport_api::sanitize::clean_multiline(s)
        .into_iter()
        .map(|l| currencies_as_codes(Cow::Owned(l)).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascii_mode_writes_currency_codes() {
        assert_eq!(clean("Refund £12.50"), "Refund £12.50");
        set_ascii(true);
        let shown = (clean("Refund £12.50, €3 and ¥9"), clean_multiline("a\n£1"));
        set_ascii(false);
        assert_eq!(shown.0, "Refund GBP 12.50, EUR 3 and JPY 9");
        assert_eq!(shown.1, ["a", "GBP 1"]);
    }

    proptest! {
        #[test]
        fn output_never_holds_a_control_character(s in any::<String>()) {
            let out = clean(&s);
            prop_assert!(out.chars().all(|c| !c.is_control() && !is_bidi_control(c) && is_plain(c)));
            for line in clean_multiline(&s) {
                prop_assert!(line.chars().all(|c| !c.is_control() && !is_bidi_control(c)));
            }
        }
    }
}
