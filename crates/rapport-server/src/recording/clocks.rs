//! Complaint deadlines: the internal SLA by severity, and the regulatory
//! clocks of the UK FCA's complaint rules (DISP 1.5 and 1.6):
//!
//! - a *summary resolution* is possible only by close of business on the
//!   third business day following the day the complaint was received;
//! - otherwise a *final response* is due within eight weeks of receipt.
//!
//! Business days are Monday to Friday; the server does not know public
//! holidays, so a bank holiday counts as a business day (the clock errs on
//! the early side, never the late one). Close of business is 17:00 UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

/// Close of business, UTC.
pub const CLOSE_OF_BUSINESS: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(t) => t,
    None => panic!("valid time"),
};
/// Business days after the day of receipt within which a summary
/// resolution may be sent.
pub const SUMMARY_BUSINESS_DAYS: u32 = 3;
/// Weeks from receipt to the final-response deadline.
pub const FINAL_RESPONSE_WEEKS: i64 = 8;

pub fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th business day after `d` (not counting `d` itself).
pub fn add_business_days(d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("date in range");
        if is_business_day(day) {
            left -= 1;
        }
    }
    day
}

/// Close of business on the third business day after the day of receipt.
pub fn summary_due(received: DateTime<Utc>) -> DateTime<Utc> {
    let day = add_business_days(received.date_naive(), SUMMARY_BUSINESS_DAYS);
    day.and_time(CLOSE_OF_BUSINESS).and_utc()
}

/// Eight weeks after receipt.
pub fn final_response_due(received: DateTime<Utc>) -> DateTime<Utc> {
    received + Duration::weeks(FINAL_RESPONSE_WEEKS)
}

/// The internal SLA deadline: `hours` after receipt.
pub fn sla_due(received: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
    received + Duration::hours(hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn summary_window_skips_weekends() {
        // Monday 2026-11-16 → Thursday 19th.
        assert_eq!(
            summary_due(at("2026-11-16T09:30:00Z")),
            at("2026-11-19T17:00:00Z")
        );
        // Wednesday → Monday (Thu, Fri, Mon).
        assert_eq!(
            summary_due(at("2026-11-18T23:59:00Z")),
            at("2026-11-23T17:00:00Z")
        );
        // Friday → Wednesday; received on Saturday → Wednesday too.
        assert_eq!(
            summary_due(at("2026-11-20T08:00:00Z")),
            at("2026-11-25T17:00:00Z")
        );
        assert_eq!(
            summary_due(at("2026-11-21T12:00:00Z")),
            at("2026-11-25T17:00:00Z")
        );
        // Sunday → Wednesday.
        assert_eq!(
            summary_due(at("2026-11-22T12:00:00Z")),
            at("2026-11-25T17:00:00Z")
        );
    }

    #[test]
    fn final_response_is_eight_weeks() {
        assert_eq!(
            final_response_due(at("2026-11-16T09:30:00Z")),
            at("2027-01-11T09:30:00Z")
        );
    }

    #[test]
    fn business_days() {
        let fri = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            add_business_days(fri, 1),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(add_business_days(fri, 0), fri);
        assert!(!is_business_day(
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
        ));
    }
}
