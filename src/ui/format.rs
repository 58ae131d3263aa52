//! Formatting of money, dates and countdowns for display.

use chrono::{DateTime, Utc};

/// Minor units in the currency's usual form: `£4,210.40`, `¥12,345`, `CHF 12.00`.
pub fn money(minor: i64, currency: &str) -> String {
    let (symbol, decimals) = match currency {
        "GBP" => ("£", 2),
        "EUR" => ("€", 2),
        "USD" => ("$", 2),
        "JPY" => ("¥", 0),
        "CNY" => ("CN¥", 2),
        "KRW" => ("₩", 0),
        "INR" => ("₹", 2),
        "NGN" => ("₦", 2),
        other => (other, 2),
    };
    let neg = minor < 0;
    let abs = minor.unsigned_abs();
    let (units, cents) = if decimals == 0 {
        (abs / 100, 0)
    } else {
        (abs / 100, abs % 100)
    };
    let mut digits = units.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    grouped = format!("{digits}{grouped}");
    let sep = if symbol.chars().count() > 1 && symbol.chars().all(|c| c.is_ascii_uppercase()) {
        " "
    } else {
        ""
    };
    let sign = if neg { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{symbol}{sep}{grouped}")
    } else {
        format!("{sign}{symbol}{sep}{grouped}.{cents:02}")
    }
}

/// `2h 10m`, `3d 4h`, `45s`.
pub fn duration(secs: i64) -> String {
    let s = secs.abs();
    if s >= 86_400 {
        format!("{}d {}h", s / 86_400, (s % 86_400) / 3600)
    } else if s >= 3600 {
        format!("{}h {}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// How urgent a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Fine,
    Soon,
    Breached,
}

/// `(text, urgency)`: "due in 2h 10m" or "3h 0m late"; soon = within 4 hours.
pub fn countdown(due: DateTime<Utc>, now: DateTime<Utc>) -> (String, Urgency) {
    let secs = (due - now).num_seconds();
    if secs < 0 {
        (format!("{} late", duration(secs)), Urgency::Breached)
    } else if secs < 4 * 3600 {
        (format!("due in {}", duration(secs)), Urgency::Soon)
    } else {
        (format!("due in {}", duration(secs)), Urgency::Fine)
    }
}

/// Spend by month as one block character per month, scaled to the maximum.
pub fn sparkline(values: &[i64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|&v| {
            if v <= 0 {
                ' '
            } else {
                BARS[((v.min(max) * 7) / max) as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn money_formats() {
        assert_eq!(money(421_040, "GBP"), "£4,210.40");
        assert_eq!(money(-5, "EUR"), "-€0.05");
        assert_eq!(money(1_234_500, "JPY"), "¥12,345");
        assert_eq!(money(1200, "CHF"), "CHF 12.00");
        assert_eq!(money(10_000_000_000, "USD"), "$100,000,000.00");
    }

    #[test]
    fn countdowns() {
        let now = crate::fixtures::now();
        assert_eq!(
            countdown(now + Duration::minutes(130), now),
            ("due in 2h 10m".into(), Urgency::Soon)
        );
        assert_eq!(
            countdown(now - Duration::hours(3), now),
            ("3h 0m late".into(), Urgency::Breached)
        );
        assert_eq!(countdown(now + Duration::days(2), now).1, Urgency::Fine);
    }

    #[test]
    fn sparkline_scales() {
        assert_eq!(sparkline(&[0, 50, 100]), " ▄█");
        assert_eq!(sparkline(&[]), "");
    }
}
