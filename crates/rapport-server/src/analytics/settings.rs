//! The analytics settings of the server, with their defaults, read from
//! flags or environment variables (`serve` and `analytics refresh` take the
//! same ones).

use std::time::Duration;

use clap::Args;
use rapport_api::AnalyticsSettings;

/// How figures are computed and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `d` of the CLV formula.
    pub discount_rate: f64,
    pub min_support: f64,
    pub min_confidence: f64,
    pub min_lift: f64,
    /// NPS by segment and team, and the detractor red flag, look back this far.
    pub nps_window_days: i64,
    /// Gross margin of spend not tied to a product (orders imported without
    /// one), and of customers with no product lines at all.
    pub default_margin: f64,
    /// Suggestions kept per customer.
    pub max_suggestions: usize,
    /// A suggestion answered "not now" is offered again after this many days;
    /// one accepted or declined after [`Settings::answered_days`].
    pub not_now_days: i64,
    pub answered_days: i64,
    /// Full refresh while serving (None: only at start when missing).
    pub refresh_every: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            discount_rate: 0.10,
            min_support: 0.002,
            min_confidence: 0.10,
            min_lift: 1.2,
            nps_window_days: 365,
            default_margin: 0.30,
            max_suggestions: 3,
            not_now_days: 30,
            answered_days: 180,
            refresh_every: Some(Duration::from_secs(24 * 3600)),
        }
    }
}

impl Settings {
    pub fn wire(&self) -> AnalyticsSettings {
        AnalyticsSettings {
            discount_rate: self.discount_rate,
            min_support: self.min_support,
            min_confidence: self.min_confidence,
            min_lift: self.min_lift,
            nps_window_days: self.nps_window_days,
            default_margin: self.default_margin,
        }
    }

    pub fn rule_thresholds(&self) -> super::rules::Thresholds {
        super::rules::Thresholds {
            min_support: self.min_support,
            min_confidence: self.min_confidence,
            min_lift: self.min_lift,
        }
    }
}

fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number; write a fraction such as 0.1"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{v} is not between 0 and 1"));
    }
    Ok(v)
}

fn discount(s: &str) -> Result<f64, String> {
    let v = fraction(s)?;
    if v <= 0.0 {
        // With d = 0 a customer retained for sure would be worth infinitely much.
        return Err("the discount rate must be more than 0 (the default is 0.10)".into());
    }
    Ok(v)
}

fn positive_lift(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number; write a lift such as 1.2"))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("{v} is not a lift of 0 or more"));
    }
    Ok(v)
}

/// Analytics flags of `serve` and `analytics refresh`.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Discount rate d of CLV = GC × r / (1 + d − r), a fraction above 0.
    #[arg(long, env = "RAPPORT_DISCOUNT_RATE", default_value = "0.10", value_parser = discount, value_name = "D")]
    pub discount_rate: f64,
    /// Smallest support (share of baskets with both categories) of a
    /// cross-sell rule, and (share of customers) of an up-sell rule.
    #[arg(long, env = "RAPPORT_MIN_SUPPORT", default_value = "0.002", value_parser = fraction, value_name = "S")]
    pub min_support: f64,
    /// Smallest confidence of a rule (share of the antecedent's baskets or
    /// customers that also have the consequent).
    #[arg(long, env = "RAPPORT_MIN_CONFIDENCE", default_value = "0.10", value_parser = fraction, value_name = "C")]
    pub min_confidence: f64,
    /// Smallest lift of a rule (confidence over the consequent's own share).
    #[arg(long, env = "RAPPORT_MIN_LIFT", default_value = "1.2", value_parser = positive_lift, value_name = "L")]
    pub min_lift: f64,
    /// Days of survey answers behind NPS by segment and team, and the
    /// longest a detractor answer raises a churn red flag.
    #[arg(long, env = "RAPPORT_NPS_WINDOW_DAYS", default_value_t = 365, value_parser = clap::value_parser!(i64).range(1..=3650), value_name = "DAYS")]
    pub nps_window_days: i64,
    /// Gross margin assumed for spend not tied to a catalogue product.
    #[arg(long, env = "RAPPORT_DEFAULT_MARGIN", default_value = "0.30", value_parser = fraction, value_name = "M")]
    pub default_margin: f64,
    /// Suggestions kept per customer, best first.
    #[arg(long, env = "RAPPORT_MAX_SUGGESTIONS", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20), value_name = "N")]
    pub max_suggestions: u16,
    /// Days before a suggestion answered "not now" is offered again.
    #[arg(long, env = "RAPPORT_NOT_NOW_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(0..=3650), value_name = "DAYS")]
    pub not_now_days: i64,
    /// Days before a suggestion accepted or declined is offered again.
    #[arg(long, env = "RAPPORT_ANSWERED_DAYS", default_value_t = 180, value_parser = clap::value_parser!(i64).range(0..=3650), value_name = "DAYS")]
    pub answered_days: i64,
}

impl SettingsArgs {
    /// The settings, with a refresh interval (hours, 0 = none) for `serve`.
    pub fn settings(&self, refresh_hours: Option<u64>) -> Settings {
        Settings {
            discount_rate: self.discount_rate,
            min_support: self.min_support,
            min_confidence: self.min_confidence,
            min_lift: self.min_lift,
            nps_window_days: self.nps_window_days,
            default_margin: self.default_margin,
            max_suggestions: self.max_suggestions as usize,
            not_now_days: self.not_now_days,
            answered_days: self.answered_days,
            refresh_every: refresh_hours
                .filter(|h| *h > 0)
                .map(|h| Duration::from_secs(h * 3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: SettingsArgs,
    }

    #[test]
    fn defaults_match_and_bad_values_are_refused() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        let want = Settings {
            refresh_every: None,
            ..Settings::default()
        };
        assert_eq!(cli.a.settings(None), want);
        assert_eq!(
            cli.a.settings(Some(24)).refresh_every,
            Settings::default().refresh_every
        );
        let e = Cli::try_parse_from(["x", "--discount-rate", "0"])
            .err()
            .unwrap();
        assert!(e.to_string().contains("more than 0"), "{e}");
        assert!(Cli::try_parse_from(["x", "--min-confidence", "1.5"]).is_err());
        assert!(Cli::try_parse_from(["x", "--min-lift", "-1"]).is_err());
    }
}
