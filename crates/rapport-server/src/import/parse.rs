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

/// An amount in decimal currency units (`12.50`, `1,200`, `£3`) into minor
/// units. Negative amounts are refunds, which are not purchases.
pub fn amount(s: &str, currency: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.starts_with('-') || t.starts_with('(') {
        return Err(format!(
            "'{t}' is negative: refunds are not imported as purchases; leave them out, or net \
             them into the order they refund"
        ));
    }
    rapport_api::money::parse(t, currency)
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

    #[test]
    fn amounts_refuse_refunds() {
        assert_eq!(amount("12.50", "GBP"), Ok(1250));
        assert_eq!(amount("1,200", "GBP"), Ok(120_000));
        assert_eq!(amount("0", "GBP"), Ok(0));
        assert_eq!(amount("1200", "JPY"), Ok(1200));
        assert!(amount("-3.00", "GBP").unwrap_err().contains("refunds"));
        assert!(
            amount("12.345", "GBP")
                .unwrap_err()
                .contains("not an amount")
        );
        assert!(amount("abc", "GBP").is_err());
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
