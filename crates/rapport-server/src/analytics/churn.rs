//! Churn red flags (DOMAIN.md "Churn risk"): the early-warning signs, each
//! with the points it adds and its reason in words. The score is the sum of
//! the points of the signs that fired, at most 100, so it can always be read
//! back from its reasons.
//!
//! | sign | fires when | points |
//! |---|---|---|
//! | fewer purchases | purchase days in the last 90 days ≤ half the customer's usual rate per 90 days (measured over the 365 days before them, at least 90 days of it observed), usual rate ≥ 1 | 25 |
//! | more contacts | inbound contacts in the last 30 days ≥ 3 and ≥ 3 × the usual rate per 30 days (the 365 days before, at least 60 observed) | 20 |
//! | open complaint | any complaint open | 15 |
//! | breached complaint | an open complaint past its SLA (instead of the above) | 25 |
//! | recently breached | a complaint resolved after its SLA within 90 days | 10 |
//! | detractor | the latest NPS answer, within the NPS window, is 0–6 | 20 |
//! | overdue | days since the last purchase > 2 × the usual gap between purchase days (mean gap, at least two repeat purchases) and ≥ 30 | 25 |
//! | dissolution | relationship stage is dissolution | 30 |

use chrono::NaiveDate;
use rapport_api::{ChurnReason, ChurnRisk, ChurnSignal};

pub const POINTS_FEWER_PURCHASES: u8 = 25;
pub const POINTS_MORE_CONTACTS: u8 = 20;
pub const POINTS_OPEN_COMPLAINT: u8 = 15;
pub const POINTS_BREACHED_COMPLAINT: u8 = 25;
pub const POINTS_RECENTLY_BREACHED: u8 = 10;
pub const POINTS_DETRACTOR: u8 = 20;
pub const POINTS_OVERDUE: u8 = 25;
pub const POINTS_DISSOLUTION: u8 = 30;

/// A rate observed over part of a window: `count` events over `days`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub count: i64,
    pub days: i64,
}

impl Baseline {
    /// Events per `per` days, when at least `min_days` were observed.
    pub fn per(&self, per: i64, min_days: i64) -> Option<f64> {
        (self.days >= min_days && self.days > 0)
            .then(|| self.count as f64 * per as f64 / self.days as f64)
    }
}

/// What the signs are read from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signs {
    pub purchases_90: i64,
    /// Purchase days over the 365 days before the last 90.
    pub purchase_baseline: Option<Baseline>,
    pub contacts_30: i64,
    /// Inbound contacts over the 365 days before the last 30.
    pub contact_baseline: Option<Baseline>,
    /// Open complaints: (id, past its SLA).
    pub open_complaints: Vec<(i64, bool)>,
    /// Complaints resolved after their SLA in the last 90 days: (id, day).
    pub late_resolved: Vec<(i64, NaiveDate)>,
    /// The latest NPS answer within the window: (score, day).
    pub latest_nps: Option<(i64, NaiveDate)>,
    pub days_since_last_purchase: Option<i64>,
    /// recency_days / frequency, when frequency ≥ 2.
    pub usual_gap_days: Option<f64>,
    pub dissolution: bool,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One decimal, without a trailing ".0" for whole numbers.
fn rate(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The score and the reasons that fired.
pub fn assess(s: &Signs) -> ChurnRisk {
    let mut reasons = Vec::new();
    let mut fire = |signal, points, text: String| {
        reasons.push(ChurnReason {
            signal,
            points,
            text,
        })
    };
    if let Some(usual) = s.purchase_baseline.and_then(|b| b.per(90, 90))
        && usual >= 1.0
        && (s.purchases_90 as f64) * 2.0 <= usual
    {
        fire(
            ChurnSignal::FewerPurchases,
            POINTS_FEWER_PURCHASES,
            format!(
                "{} in 90 days vs {} usual",
                plural(s.purchases_90, "purchase", "purchases"),
                rate(usual)
            ),
        );
    }
    let usual_contacts = s
        .contact_baseline
        .and_then(|b| b.per(30, 60))
        .unwrap_or(0.0);
    if s.contacts_30 >= 3 && s.contacts_30 as f64 >= 3.0 * usual_contacts {
        fire(
            ChurnSignal::MoreContacts,
            POINTS_MORE_CONTACTS,
            format!(
                "{} in 30 days vs {} usual",
                plural(s.contacts_30, "contact", "contacts"),
                rate(usual_contacts)
            ),
        );
    }
    let breached: Vec<i64> = s
        .open_complaints
        .iter()
        .filter(|c| c.1)
        .map(|c| c.0)
        .collect();
    let open = s.open_complaints.len() as i64;
    if let Some(first) = breached.first() {
        let others = open - 1;
        let more = if others > 0 {
            format!(" (+{} open)", others)
        } else {
            String::new()
        };
        fire(
            ChurnSignal::BreachedComplaint,
            POINTS_BREACHED_COMPLAINT,
            format!("complaint #{first} open past its SLA{more}"),
        );
    } else if let Some((first, _)) = s.open_complaints.first() {
        let text = if open == 1 {
            format!("open complaint #{first}")
        } else {
            format!("{open} open complaints")
        };
        fire(ChurnSignal::OpenComplaint, POINTS_OPEN_COMPLAINT, text);
    }
    if let Some((id, day)) = s.late_resolved.first() {
        fire(
            ChurnSignal::RecentlyBreached,
            POINTS_RECENTLY_BREACHED,
            format!(
                "complaint #{id} resolved after its SLA on {}",
                day.format("%d %b")
            ),
        );
    }
    if let Some((score, day)) = s.latest_nps
        && score <= 6
    {
        fire(
            ChurnSignal::Detractor,
            POINTS_DETRACTOR,
            format!("NPS {score} (detractor) on {}", day.format("%d %b %Y")),
        );
    }
    if let (Some(since), Some(gap)) = (s.days_since_last_purchase, s.usual_gap_days)
        && since >= 30
        && since as f64 > 2.0 * gap
    {
        fire(
            ChurnSignal::Overdue,
            POINTS_OVERDUE,
            format!(
                "no purchase for {since} days, usually every {}",
                gap.round() as i64
            ),
        );
    }
    if s.dissolution {
        fire(
            ChurnSignal::Dissolution,
            POINTS_DISSOLUTION,
            "relationship stage: dissolution".to_string(),
        );
    }
    let total: u32 = reasons.iter().map(|r| r.points as u32).sum();
    ChurnRisk {
        score: total.min(100) as u8,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_quiet_customer_scores_zero_with_no_reasons() {
        let r = assess(&Signs::default());
        assert_eq!(r.score, 0);
        assert!(r.reasons.is_empty());
    }

    #[test]
    fn more_contacts_by_hand() {
        // 6 contacts over 365 days before: 6 × 30 / 365 = 0.49 a month.
        // 3 in the last 30 days ≥ 3 and ≥ 3 × 0.49: fires.
        let s = Signs {
            contacts_30: 3,
            contact_baseline: Some(Baseline {
                count: 6,
                days: 365,
            }),
            ..Signs::default()
        };
        let r = assess(&s);
        assert_eq!(r.score, POINTS_MORE_CONTACTS);
        assert_eq!(r.reasons[0].text, "3 contacts in 30 days vs 0.5 usual");
        // 40 contacts a year (3.3 a month): 3 is not unusual.
        let s = Signs {
            contacts_30: 3,
            contact_baseline: Some(Baseline {
                count: 40,
                days: 365,
            }),
            ..Signs::default()
        };
        assert_eq!(assess(&s).score, 0);
    }

    #[test]
    fn fewer_purchases_by_hand() {
        // 16 purchase days in the 365 before: 16 × 90 / 365 = 3.9 per 90
        // days; 1 in the last 90 ≤ 3.9 / 2: fires.
        let s = Signs {
            purchases_90: 1,
            purchase_baseline: Some(Baseline {
                count: 16,
                days: 365,
            }),
            ..Signs::default()
        };
        let r = assess(&s);
        assert_eq!(r.reasons[0].signal, ChurnSignal::FewerPurchases);
        assert_eq!(r.reasons[0].text, "1 purchase in 90 days vs 3.9 usual");
        // Only 60 days observed before: no baseline, no flag.
        let s = Signs {
            purchases_90: 0,
            purchase_baseline: Some(Baseline { count: 5, days: 60 }),
            ..Signs::default()
        };
        assert_eq!(assess(&s).score, 0);
    }

    #[test]
    fn overdue_by_hand() {
        // Usually every 45 days; none for 210 > 90: fires.
        let s = Signs {
            days_since_last_purchase: Some(210),
            usual_gap_days: Some(45.0),
            ..Signs::default()
        };
        let r = assess(&s);
        assert_eq!(
            r.reasons[0].text,
            "no purchase for 210 days, usually every 45"
        );
        // 80 days is within twice the gap.
        let s = Signs {
            days_since_last_purchase: Some(80),
            usual_gap_days: Some(45.0),
            ..Signs::default()
        };
        assert_eq!(assess(&s).score, 0);
    }

    #[test]
    fn complaints_count_once_breached_first() {
        let s = Signs {
            open_complaints: vec![(477, false), (481, true)],
            ..Signs::default()
        };
        let r = assess(&s);
        assert_eq!(r.reasons.len(), 1);
        assert_eq!(r.score, POINTS_BREACHED_COMPLAINT);
        assert_eq!(
            r.reasons[0].text,
            "complaint #481 open past its SLA (+1 open)"
        );
        let s = Signs {
            open_complaints: vec![(477, false)],
            late_resolved: vec![(460, d("2026-10-12"))],
            ..Signs::default()
        };
        let r = assess(&s);
        assert_eq!(r.score, POINTS_OPEN_COMPLAINT + POINTS_RECENTLY_BREACHED);
        assert_eq!(r.reasons[0].text, "open complaint #477");
        assert_eq!(
            r.reasons[1].text,
            "complaint #460 resolved after its SLA on 12 Oct"
        );
    }

    #[test]
    fn the_score_is_the_capped_sum_of_its_reasons() {
        let s = Signs {
            purchases_90: 0,
            purchase_baseline: Some(Baseline {
                count: 12,
                days: 365,
            }),
            contacts_30: 5,
            open_complaints: vec![(1, true)],
            latest_nps: Some((2, d("2026-09-01"))),
            days_since_last_purchase: Some(120),
            usual_gap_days: Some(30.0),
            dissolution: true,
            ..Signs::default()
        };
        let r = assess(&s);
        // 25 + 20 + 25 + 20 + 25 + 30 = 145, capped at 100.
        assert_eq!(r.reasons.len(), 6);
        assert_eq!(r.score, 100);
        let passive = Signs {
            latest_nps: Some((7, d("2026-09-01"))),
            ..Signs::default()
        };
        assert_eq!(assess(&passive).score, 0, "a passive is not a red flag");
    }
}
