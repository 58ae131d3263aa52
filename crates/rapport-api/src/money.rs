//! Money as the wire carries it (integer minor units with an ISO 4217 code),
//! shown and read the way people write it.

/// Decimal places of a currency's minor unit (ISO 4217): 0 for the yen and
/// other zero-decimal currencies, else 2.
pub fn decimals(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" => 0,
        _ => 2,
    }
}

thread_local! {
    static ASCII: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// On this thread, write currencies whose symbol is not ASCII by their ISO
/// code instead (`GBP 4,210.40`), for terminals without the symbols.
pub fn set_ascii(on: bool) {
    ASCII.with(|a| a.set(on));
}

/// Minor units in the currency's usual form: `£4,210.40`, `€0.05`,
/// `$12.00`, `¥12,345` (no decimals); other currencies by code,
/// `CHF 12.00`. After [`set_ascii`], `GBP 4,210.40`, `EUR 0.05`.
pub fn format(minor: i64, currency: &str) -> String {
    let ascii = ASCII.with(|a| a.get());
    let symbol = match currency {
        "GBP" if !ascii => "£",
        "EUR" if !ascii => "€",
        "USD" => "$",
        "JPY" if !ascii => "¥",
        other => other,
    };
    let decimals = decimals(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    // A zero-decimal currency's minor unit is the whole unit.
    let (units, cents) = if decimals == 0 {
        (abs, 0)
    } else {
        (abs / 100, abs % 100)
    };
    let grouped = group_thousands(units);
    let sep = if symbol.chars().count() == 3 && symbol.chars().all(|c| c.is_ascii_uppercase()) {
        " "
    } else {
        ""
    };
    if decimals == 0 {
        format!("{sign}{symbol}{sep}{grouped}")
    } else {
        format!("{sign}{symbol}{sep}{grouped}.{cents:02}")
    }
}

/// `12345` → `12,345`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Read an amount as a person types it (`12`, `12.5`, `12.50`, `1,200.00`,
/// with or without the currency's symbol) into minor units.
pub fn parse(text: &str, currency: &str) -> Result<i64, String> {
    let places = decimals(currency);
    let t: String = text
        .trim()
        .trim_start_matches(['£', '€', '$', '¥'])
        .trim_start_matches(currency)
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_' && *c != ' ')
        .collect();
    let bad = || {
        if places == 0 {
            format!(
                "'{}' is not an amount in {currency}: write whole units such as 1200",
                text.trim()
            )
        } else {
            format!(
                "'{}' is not an amount in {currency}: write it like 12.50",
                text.trim()
            )
        }
    };
    if t.is_empty() {
        return Err(bad());
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > places as usize
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    for _ in frac.len()..places as usize {
        frac_value *= 10;
    }
    whole
        .checked_mul(10_i64.pow(places))
        .and_then(|w| w.checked_add(frac_value))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_the_currency() {
        assert_eq!(format(421_040, "GBP"), "£4,210.40");
        assert_eq!(format(-5, "EUR"), "-€0.05");
        assert_eq!(format(12_345, "JPY"), "¥12,345");
        assert_eq!(format(1_200, "CHF"), "CHF 12.00");
    }

    #[test]
    fn ascii_mode_writes_iso_codes() {
        set_ascii(true);
        let shown = [
            format(421_040, "GBP"),
            format(-5, "EUR"),
            format(12_345, "JPY"),
            format(1_200, "USD"),
        ];
        set_ascii(false);
        assert_eq!(shown, ["GBP 4,210.40", "-EUR 0.05", "JPY 12,345", "$12.00"]);
        assert!(shown.iter().all(|s| s.is_ascii()));
        assert_eq!(parse("GBP 4,210.40", "GBP"), Ok(421_040), "read back");
        assert_eq!(format(5, "EUR"), "€0.05", "only while set");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse("12", "GBP"), Ok(1200));
        assert_eq!(parse("12.5", "GBP"), Ok(1250));
        assert_eq!(parse("£1,200.05", "GBP"), Ok(120_005));
        assert_eq!(parse(".5", "EUR"), Ok(50));
        assert_eq!(parse("SEK 300", "SEK"), Ok(30_000));
        assert_eq!(parse("1200", "JPY"), Ok(1200));
        assert!(parse("12.5", "JPY").is_err());
        assert!(parse("12.345", "GBP").is_err());
        assert!(parse("-3", "GBP").is_err());
        assert!(parse("", "GBP").is_err());
        assert!(parse("1e5", "GBP").is_err());
        assert!(parse("99999999999999999999", "GBP").is_err());
    }

    #[test]
    fn round_trips() {
        for m in [0, 1, 99, 100, 123_456_789] {
            assert_eq!(parse(&format(m, "GBP"), "GBP"), Ok(m));
        }
    }
}
