//! Formatting of money, durations, countdowns and sparklines for display.

use chrono::{DateTime, Utc};

pub use rapport_api::money::{format as money, group_thousands};

/// A span of time in the two largest units that matter: `3d 4h`, `2h 10m`,
/// `3h`, `45m`, `30s`.
pub fn duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// How urgent a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Fine,
    /// Due within [`SOON_SECS`].
    Soon,
    Breached,
}

/// A deadline this close is shown as a warning.
pub const SOON_SECS: i64 = 4 * 3600;

/// `("2h 10m left", Soon)` or `("3h late", Breached)`.
pub fn countdown(due: DateTime<Utc>, now: DateTime<Utc>) -> (String, Urgency) {
    let secs = (due - now).num_seconds();
    if secs < 0 {
        (format!("{} late", duration(secs)), Urgency::Breached)
    } else if secs < SOON_SECS {
        (format!("{} left", duration(secs)), Urgency::Soon)
    } else {
        (format!("{} left", duration(secs)), Urgency::Fine)
    }
}

/// Values as one block character each, scaled to the largest; zero is a
/// space so months without spend stand out.
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

/// `2026-11` → `Nov 26`; anything else unchanged.
pub fn month_label(ym: &str) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match ym.split_once('-') {
        Some((y, m)) if y.len() == 4 => match m.parse::<usize>() {
            Ok(m @ 1..=12) => format!("{} {}", NAMES[m - 1], &y[2..]),
            _ => ym.to_string(),
        },
        _ => ym.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn money_in_the_customers_currency() {
        assert_eq!(money(421_040, "GBP"), "£4,210.40");
        assert_eq!(money(-5, "EUR"), "-€0.05");
        assert_eq!(money(1_200, "USD"), "$12.00");
        assert_eq!(money(12_345, "JPY"), "¥12,345");
        assert_eq!(money(1_200, "CHF"), "CHF 12.00");
        assert_eq!(money(10_000_000_000, "USD"), "$100,000,000.00");
        assert_eq!(money(0, "GBP"), "£0.00");
        assert_eq!(money(i64::MIN, "GBP"), "-£92,233,720,368,547,758.08");
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(4_120), "4,120");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn durations_and_countdowns() {
        assert_eq!(duration(30), "30s");
        assert_eq!(duration(45 * 60 + 5), "45m");
        assert_eq!(duration(3 * 3600), "3h");
        assert_eq!(duration(-(3 * 3600 + 59)), "3h");
        assert_eq!(duration(2 * 3600 + 600), "2h 10m");
        assert_eq!(duration(56 * 86_400), "56d");
        assert_eq!(duration(86_400 + 4 * 3600), "1d 4h");
        let now = crate::fixtures::now();
        assert_eq!(
            countdown(now + Duration::minutes(130), now),
            ("2h 10m left".into(), Urgency::Soon)
        );
        assert_eq!(
            countdown(now - Duration::hours(3), now),
            ("3h late".into(), Urgency::Breached)
        );
        assert_eq!(countdown(now + Duration::days(2), now).1, Urgency::Fine);
        assert_eq!(countdown(now, now).1, Urgency::Soon);
    }

    #[test]
    fn sparklines_and_months() {
        assert_eq!(sparkline(&[0, 50, 100]), " ▄█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[-3, 0]), "  ");
        assert_eq!(month_label("2026-11"), "Nov 26");
        assert_eq!(month_label("nonsense"), "nonsense");
    }
}
