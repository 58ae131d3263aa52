//! Reading one CSV value: dates, amounts, quantities, flags and codes, each
//! with the sentence said when it does not read.

use chrono::{NaiveDate, NaiveDateTime};

/// `YYYY-MM-DD` or `YYYYMMDD`, optionally followed by a time (`T` or a
/// space, then `HH:MM` or `HH:MM:SS`). Returns the instant in seconds
/// (UTC); a date alone is taken at noon, so it stays on its day anywhere.
pub fn instant(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .or_else(|_| {
            if date.len() == 8 && date.chars().all(|c| c.is_ascii_digit()) {
                NaiveDate::parse_from_str(date, "%Y%m%d")
            } else {
                NaiveDate::parse_from_str("x", "%Y")
            }
        })
        .map_err(|_| format!("'{s}' is not a date: write YYYY-MM-DD or YYYYMMDD"))?;
    let at = match time {
        None => day.and_hms_opt(12, 0, 0).unwrap_or_default(),
        Some(t) => {
            let t = t.trim_end_matches('Z');
            let text = format!("{day} {t}");
            NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M"))
                .map_err(|_| {
                    format!("'{s}' has a time that does not read: write HH:MM or HH:MM:SS")
                })?
        }
    };
    Ok(at.and_utc().timestamp())
}

/// The largest amount one imported line may carry, in whole currency units
/// (ten million). One constant for the import, to be joined with the
/// server's other money bounds.
pub const MAX_AMOUNT_UNITS: i64 = 10_000_000;

/// How amounts are written in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmountStyle {
    /// `12,50` is twelve and a half, and `1.200,00` (or `1 200,00`) is
    /// twelve hundred; otherwise `12.50` and `1,200.00`.
    pub decimal_comma: bool,
}

/// The currencies a symbol may stand for.
fn symbol_currencies(symbol: char) -> &'static [&'static str] {
    match symbol {
        '£' => &["GBP"],
        '€' => &["EUR"],
        '$' => &["USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"],
        '¥' => &["JPY", "CNY"],
        _ => &[],
    }
}

/// Digits of one number with `thousands` separators only between groups of
/// three (`1,200,000`, not `12,00`), or none at all.
fn grouped(s: &str, thousands: char) -> Option<String> {
    if !s.contains(thousands) {
        return s.chars().all(|c| c.is_ascii_digit()).then(|| s.to_string());
    }
    let mut groups = s.split(thousands);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut out = first.to_string();
    for g in groups {
        if g.len() != 3 || !g.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// An amount in decimal currency units (`12.50`, `1,200.00`, `£3`) into
/// minor units, read exactly or refused:
/// - a thousands separator only between groups of three digits;
/// - a decimal comma (`12,50`) refused with a hint, unless
///   `style.decimal_comma` (then `.` or a space separates thousands);
/// - no more decimal places than the currency has;
/// - a currency symbol or code, before or after, only the customer's;
/// - negative amounts (refunds) refused; at most [`MAX_AMOUNT_UNITS`].
pub fn amount(s: &str, currency: &str, style: AmountStyle) -> Result<i64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("the amount is empty".into());
    }
    if t.starts_with('-') || t.starts_with('(') || t.ends_with('-') {
        return Err(format!(
            "'{t}' is negative: refunds are not imported as purchases; leave them out, or net \
             them into the order they refund"
        ));
    }
    // A symbol or a code, before or after the number.
    let wrong = |c: char| {
        format!(
            "'{t}' is written in {c}, but the customer's currency is {currency}: amounts are \
             stored as written, so convert it first"
        )
    };
    let mut body = t;
    let first = body.chars().next().unwrap_or('0');
    if !symbol_currencies(first).is_empty() {
        if !symbol_currencies(first).contains(&currency) {
            return Err(wrong(first));
        }
        body = body[first.len_utf8()..].trim_start();
    }
    let last = body.chars().last().unwrap_or('0');
    if !symbol_currencies(last).is_empty() {
        if !symbol_currencies(last).contains(&currency) {
            return Err(wrong(last));
        }
        body = body[..body.len() - last.len_utf8()].trim_end();
    }
    let letters: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let trailing: String = body
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .collect();
    for code in [&letters, &trailing] {
        if code.is_empty() {
            continue;
        }
        if code.as_str() != currency {
            return Err(format!(
                "'{t}' names the currency {code}, but the customer's currency is {currency}: \
                 amounts are stored as written, so convert it first"
            ));
        }
    }
    let body = body
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .trim();
    let places = rapport_api::money::decimals(currency) as usize;
    let example = if places == 0 {
        "1200".to_string()
    } else if style.decimal_comma {
        format!("1.200,{}", "5".repeat(places))
    } else {
        format!("1,200.{}", "5".repeat(places))
    };
    let bad = |why: &str| {
        format!("'{t}' is not an amount in {currency}: {why} (write it like {example})")
    };
    let (decimal, thousands): (char, &[char]) = if style.decimal_comma {
        (',', &['.', ' '])
    } else {
        ('.', &[','])
    };
    let (whole_text, frac) = match body.split_once(decimal) {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if body.matches(decimal).count() > 1 {
        return Err(bad("more than one decimal separator"));
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("the decimals are not digits"));
    }
    let sep = thousands.iter().copied().find(|c| whole_text.contains(*c));
    let digits = match sep {
        Some(c) => grouped(whole_text, c),
        None => grouped(whole_text, thousands[0]),
    };
    let Some(digits) = digits else {
        if !style.decimal_comma && body.matches(',').count() == 1 && !body.contains('.') {
            let (w, f) = body.split_once(',').unwrap_or((body, ""));
            if !w.is_empty() && !f.is_empty() && f.len() <= places.max(2) && f.len() != 3 {
                return Err(format!(
                    "'{t}' has a decimal comma: write {w}.{f}, or give --decimal-comma if \
                     the whole file writes amounts that way"
                ));
            }
        }
        return Err(bad(
            "thousands are separated only between groups of three digits",
        ));
    };
    if digits.is_empty() && frac.is_empty() {
        return Err(bad("no digits"));
    }
    if frac.len() > places {
        return Err(if places == 0 {
            bad(&format!("{currency} has no minor unit"))
        } else {
            bad(&format!("{currency} has {places} decimal places"))
        });
    }
    let whole: i64 = if digits.is_empty() {
        0
    } else {
        digits
            .parse()
            .ok()
            .filter(|w| *w <= MAX_AMOUNT_UNITS)
            .ok_or_else(|| {
                format!(
                    "'{t}' is more than {MAX_AMOUNT_UNITS} {currency}, the most one line may carry"
                )
            })?
    };
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse()
            .map_err(|_| bad("the decimals are not digits"))?
    };
    for _ in frac.len()..places {
        frac_value *= 10;
    }
    let minor = whole * 10i64.pow(places as u32) + frac_value;
    if minor > MAX_AMOUNT_UNITS * 10i64.pow(places as u32) {
        return Err(format!(
            "'{t}' is more than {MAX_AMOUNT_UNITS} {currency}, the most one line may carry"
        ));
    }
    Ok(minor)
}

/// A whole number from `min` to `max`.
pub fn whole(s: &str, min: i64, max: i64) -> Result<i64, String> {
    let v: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{}' is not a whole number", s.trim()))?;
    if v < min || v > max {
        return Err(format!("{v} is not between {min} and {max}"));
    }
    Ok(v)
}

/// `1/0`, `true/false`, `yes/no`, `y/n`.
pub fn flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "t" => Ok(true),
        "0" | "false" | "no" | "n" | "f" | "" => Ok(false),
        other => Err(format!(
            "'{other}' is not yes or no: write 1 or 0, true or false"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_forms() {
        let noon = 1_735_732_800; // 2025-01-01 12:00 UTC
        assert_eq!(instant("2025-01-01"), Ok(noon));
        assert_eq!(instant("20250101"), Ok(noon));
        assert_eq!(instant("2025-01-01 08:26"), Ok(noon - (3 * 3600 + 34 * 60)));
        assert_eq!(
            instant("2025-01-01T08:26:00Z"),
            instant("2025-01-01 08:26:00")
        );
        for bad in ["2025-13-01", "1/1/2025", "2025011", "", "tomorrow"] {
            let e = instant(bad).unwrap_err();
            assert!(e.contains("is not a date"), "{bad}: {e}");
        }
        assert!(instant("2025-01-01 25:00").unwrap_err().contains("time"));
    }

    const DOT: AmountStyle = AmountStyle {
        decimal_comma: false,
    };
    const COMMA: AmountStyle = AmountStyle {
        decimal_comma: true,
    };

    #[test]
    fn amounts_refuse_refunds() {
        assert_eq!(amount("12.50", "GBP", DOT), Ok(1250));
        assert_eq!(amount("1,200", "GBP", DOT), Ok(120_000));
        assert_eq!(amount("1,200.00", "GBP", DOT), Ok(120_000));
        assert_eq!(amount("1,234,567.89", "GBP", DOT), Ok(123_456_789));
        assert_eq!(amount("0", "GBP", DOT), Ok(0));
        assert_eq!(amount(".5", "GBP", DOT), Ok(50));
        assert_eq!(amount("1200", "JPY", DOT), Ok(1200));
        assert!(amount("-3.00", "GBP", DOT).unwrap_err().contains("refunds"));
        assert!(
            amount("12.345", "GBP", DOT)
                .unwrap_err()
                .contains("2 decimal places")
        );
        assert!(
            amount("12.5", "JPY", DOT)
                .unwrap_err()
                .contains("no minor unit")
        );
        assert!(amount("abc", "GBP", DOT).is_err());
        assert!(amount("", "GBP", DOT).unwrap_err().contains("empty"));
    }

    #[test]
    fn a_decimal_comma_is_refused_with_a_hint_or_read_when_asked() {
        // Stripping every comma stored "12,50" as 1,250.00.
        let e = amount("12,50", "GBP", DOT).unwrap_err();
        assert!(e.contains("decimal comma") && e.contains("12.50"), "{e}");
        assert!(e.contains("--decimal-comma"), "{e}");
        assert_eq!(amount("12,50", "GBP", COMMA), Ok(1250));
        assert_eq!(amount("1.200,00", "EUR", COMMA), Ok(120_000));
        assert_eq!(amount("1 200,5", "EUR", COMMA), Ok(120_050));
        assert!(
            amount("12.50", "EUR", COMMA).is_err(),
            "a dot groups thousands here"
        );
        assert!(amount("1.20,00", "EUR", COMMA).is_err());
    }

    #[test]
    fn thousands_only_in_groups_of_three() {
        for bad in [
            "1,20",
            "12,0000",
            "1,2,3",
            ",100",
            "1,,000",
            "1,000.5.0",
            "1.000,00",
        ] {
            assert!(amount(bad, "GBP", DOT).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_symbol_or_code_must_be_the_customers_currency() {
        assert_eq!(amount("£5.00", "GBP", DOT), Ok(500));
        assert_eq!(amount("5.00 GBP", "GBP", DOT), Ok(500));
        assert_eq!(amount("GBP 5.00", "GBP", DOT), Ok(500));
        assert_eq!(amount("$5.00", "USD", DOT), Ok(500));
        assert_eq!(amount("5,00 €", "EUR", COMMA), Ok(500));
        let e = amount("$5.00", "GBP", DOT).unwrap_err();
        assert!(e.contains("GBP") && e.contains('$'), "{e}");
        assert!(amount("5.00 EUR", "GBP", DOT).unwrap_err().contains("EUR"));
        assert!(amount("€5", "GBP", DOT).is_err());
    }

    #[test]
    fn at_most_the_import_maximum() {
        assert_eq!(amount("10,000,000.00", "GBP", DOT), Ok(1_000_000_000));
        assert!(
            amount("10,000,000.01", "GBP", DOT)
                .unwrap_err()
                .contains("most")
        );
        assert!(
            amount("99999999999999999999", "GBP", DOT)
                .unwrap_err()
                .contains("most")
        );
    }

    proptest::proptest! {
        /// Every amount written with or without thousands separators, in
        /// either style, reads back exactly.
        #[test]
        fn written_amounts_read_back_exactly(minor in 0i64..=1_000_000_000, group in proptest::bool::ANY) {
            let units = minor / 100;
            let cents = minor % 100;
            let digits = units.to_string();
            let with = |sep: char| {
                let mut out = String::new();
                for (i, ch) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        out.push(sep);
                    }
                    out.push(ch);
                }
                out
            };
            let dot = format!("{}.{cents:02}", if group { with(',') } else { digits.clone() });
            let comma = format!("{},{cents:02}", if group { with('.') } else { digits.clone() });
            proptest::prop_assert_eq!(amount(&dot, "GBP", DOT), Ok(minor));
            proptest::prop_assert_eq!(amount(&comma, "EUR", COMMA), Ok(minor));
        }

        /// Whatever the text, an amount read is never more than the maximum
        /// and never negative.
        #[test]
        fn nothing_out_of_bounds(s in "[0-9,.£$ A-Z-]{0,16}") {
            if let Ok(v) = amount(&s, "GBP", DOT) {
                proptest::prop_assert!((0..=MAX_AMOUNT_UNITS * 100).contains(&v));
            }
        }
    }

    #[test]
    fn numbers_and_flags() {
        assert_eq!(whole("3", 1, 10), Ok(3));
        assert!(whole("0", 1, 10).unwrap_err().contains("between 1 and 10"));
        assert!(whole("2.5", 1, 10).unwrap_err().contains("whole number"));
        assert_eq!(flag("Yes"), Ok(true));
        assert_eq!(flag("0"), Ok(false));
        assert!(flag("maybe").is_err());
    }
}
