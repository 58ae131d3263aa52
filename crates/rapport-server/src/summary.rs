//! The purchase summary of DOMAIN.md, as pure functions over a customer's
//! orders, so the figures can be checked by hand.
//!
//! Convention ("buy till you die"): all orders of one calendar day (UTC) are
//! one purchase, valued at their sum.
//! - `frequency` = distinct purchase days − 1 (the repeat purchases);
//! - `recency` = days from the first to the last purchase day (0 with one);
//! - `T` = days from the first purchase day to `as_of`;
//! - `monetary` = mean value of the repeat purchase days, that is every
//!   purchase day but the first, rounded to the nearest minor unit (halves
//!   away from zero); 0 when `frequency` is 0.
//!
//! Sums are taken without wrapping ([`crate::money::sum`]): a figure past
//! the ends of `i64` saturates there rather than turning negative.
//!
//! The summary is "as of" a date: orders placed after `as_of` are left out of
//! every figure, as if they had not happened yet.

use chrono::{Datelike, Months, NaiveDate};
use rapport_api::{MonthSpend, PurchaseSummary};

use crate::money;

/// One order: the day it was placed (UTC) and its total in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFact {
    pub day: NaiveDate,
    pub total_minor: i64,
}

/// Purchase days up to `as_of`, oldest first, each valued at the sum of its
/// orders. A purchase day is a day with at least one order that is not a
/// refund (total ≥ 0): free items (an order of total 0) are purchases, as
/// in the "buy till you die" convention, and a day of refunds alone is
/// not. A same-day refund lowers the day's value, to below zero when it
/// outweighs the buying; the day is still a purchase day, so `orders`,
/// the first and the last purchase always agree.
pub fn purchase_days(orders: &[OrderFact], as_of: NaiveDate) -> Vec<(NaiveDate, i64)> {
    let mut counted: Vec<OrderFact> = orders.iter().copied().filter(|o| o.day <= as_of).collect();
    counted.sort_by_key(|o| o.day);
    // (day, value, has an order that is not a refund); summed wide, so a
    // day of many large orders cannot wrap.
    let mut days: Vec<(NaiveDate, i128, bool)> = Vec::new();
    for o in &counted {
        match days.last_mut() {
            Some((d, v, buys)) if *d == o.day => {
                *v += i128::from(o.total_minor);
                *buys |= o.total_minor >= 0;
            }
            _ => days.push((o.day, i128::from(o.total_minor), o.total_minor >= 0)),
        }
    }
    days.into_iter()
        .filter(|d| d.2)
        .map(|(d, v, _)| (d, money::narrow(v)))
        .collect()
}

/// Compute the summary. `orders` may come in any order. Refunds (orders
/// with a negative total) lower the lifetime spend and their month's spend
/// and are not counted as orders; see [`purchase_days`] for the days.
pub fn purchase_summary(orders: &[OrderFact], as_of: NaiveDate, currency: &str) -> PurchaseSummary {
    let counted: Vec<OrderFact> = orders.iter().copied().filter(|o| o.day <= as_of).collect();
    let days = purchase_days(&counted, as_of);

    let lifetime = money::sum(counted.iter().map(|o| o.total_minor));
    let first = days.first().map(|d| d.0);
    let last = days.last().map(|d| d.0);
    let frequency = days.len().saturating_sub(1) as i64;
    let recency_days = match (first, last) {
        (Some(f), Some(l)) => (l - f).num_days(),
        _ => 0,
    };
    let t_days = first.map(|f| (as_of - f).num_days()).unwrap_or(0);
    let monetary_minor = if frequency == 0 {
        0
    } else {
        let repeat: i128 = days[1..].iter().map(|d| i128::from(d.1)).sum();
        money::narrow(div_round(repeat, i128::from(frequency)))
    };

    PurchaseSummary {
        as_of,
        currency: currency.to_string(),
        lifetime_spend_minor: lifetime,
        orders: counted.iter().filter(|o| o.total_minor >= 0).count() as i64,
        first_purchase: first,
        last_purchase: last,
        days_since_last_purchase: last.map(|l| (as_of - l).num_days()),
        frequency,
        recency_days,
        t_days,
        monetary_minor,
        monthly_spend: monthly_spend(&counted, as_of),
    }
}

/// Integer division rounding to nearest, halves away from zero.
fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    if n >= 0 {
        (n + d / 2) / d
    } else {
        -((-n + d / 2) / d)
    }
}

/// First day of the month `months_back` months before `as_of`'s month.
fn month_start(as_of: NaiveDate, months_back: u32) -> NaiveDate {
    let first = as_of.with_day(1).unwrap_or(as_of);
    first
        .checked_sub_months(Months::new(months_back))
        .unwrap_or(first)
}

/// Spend per calendar month for the 12 months ending with `as_of`'s month,
/// oldest first, zeros included.
pub fn monthly_spend(orders: &[OrderFact], as_of: NaiveDate) -> Vec<MonthSpend> {
    (0..12)
        .rev()
        .map(|back| {
            let start = month_start(as_of, back);
            let amount = orders
                .iter()
                .filter(|o| {
                    o.day <= as_of && o.day.year() == start.year() && o.day.month() == start.month()
                })
                .map(|o| o.total_minor);
            let amount = money::sum(amount);
            MonthSpend {
                month: start.format("%Y-%m").to_string(),
                amount_minor: amount,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn o(day: &str, total: i64) -> OrderFact {
        OrderFact {
            day: d(day),
            total_minor: total,
        }
    }

    #[test]
    fn no_orders() {
        let s = purchase_summary(&[], d("2025-06-30"), "GBP");
        assert_eq!(s.orders, 0);
        assert_eq!(s.lifetime_spend_minor, 0);
        assert_eq!(s.frequency, 0);
        assert_eq!(s.recency_days, 0);
        assert_eq!(s.t_days, 0);
        assert_eq!(s.monetary_minor, 0);
        assert_eq!(s.first_purchase, None);
        assert_eq!(s.days_since_last_purchase, None);
        assert_eq!(s.monthly_spend.len(), 12);
        assert!(s.monthly_spend.iter().all(|m| m.amount_minor == 0));
    }

    #[test]
    fn one_purchase() {
        // One order of £49.99 on 1 March, seen on 31 March.
        let s = purchase_summary(&[o("2025-03-01", 4999)], d("2025-03-31"), "GBP");
        assert_eq!(s.orders, 1);
        assert_eq!(s.lifetime_spend_minor, 4999);
        assert_eq!(s.frequency, 0);
        assert_eq!(s.recency_days, 0);
        assert_eq!(s.t_days, 30);
        assert_eq!(s.monetary_minor, 0);
        assert_eq!(s.days_since_last_purchase, Some(30));
        assert_eq!(s.first_purchase, Some(d("2025-03-01")));
        assert_eq!(s.last_purchase, Some(d("2025-03-01")));
        assert_eq!(s.monthly_spend.last().unwrap().month, "2025-03");
        assert_eq!(s.monthly_spend.last().unwrap().amount_minor, 4999);
    }

    #[test]
    fn several_orders_on_one_day_are_one_purchase() {
        // 10 Jan: 1000 + 500 (one purchase day worth 1500)
        // 20 Jan: 300
        // 9 Feb: 200 + 200 + 100 (one purchase day worth 500)
        let orders = [
            o("2025-02-09", 200),
            o("2025-01-10", 1000),
            o("2025-01-20", 300),
            o("2025-01-10", 500),
            o("2025-02-09", 200),
            o("2025-02-09", 100),
        ];
        let s = purchase_summary(&orders, d("2025-03-01"), "EUR");
        assert_eq!(s.orders, 6);
        assert_eq!(s.lifetime_spend_minor, 2300);
        // Three purchase days: 10 Jan, 20 Jan, 9 Feb.
        assert_eq!(s.frequency, 2);
        // 10 Jan -> 9 Feb = 30 days.
        assert_eq!(s.recency_days, 30);
        // 10 Jan -> 1 Mar = 50 days.
        assert_eq!(s.t_days, 50);
        // Repeat days are worth 300 and 500: mean 400.
        assert_eq!(s.monetary_minor, 400);
        assert_eq!(s.days_since_last_purchase, Some(20));
        let months: Vec<(&str, i64)> = s
            .monthly_spend
            .iter()
            .map(|m| (m.month.as_str(), m.amount_minor))
            .collect();
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], ("2024-04", 0));
        assert_eq!(months[9], ("2025-01", 1800));
        assert_eq!(months[10], ("2025-02", 500));
        assert_eq!(months[11], ("2025-03", 0));
    }

    #[test]
    fn monetary_rounds_half_away_from_zero() {
        // Repeat days 100 and 101: mean 100.5 -> 101.
        let orders = [
            o("2025-01-01", 7),
            o("2025-01-02", 100),
            o("2025-01-03", 101),
        ];
        let s = purchase_summary(&orders, d("2025-01-03"), "GBP");
        assert_eq!(s.monetary_minor, 101);
        assert_eq!(s.t_days, 2);
        assert_eq!(s.days_since_last_purchase, Some(0));
        assert_eq!(div_round(-201, 2), -101);
    }

    #[test]
    fn as_of_before_any_purchase_counts_nothing() {
        let orders = [o("2025-05-01", 1000), o("2025-06-01", 2000)];
        let s = purchase_summary(&orders, d("2025-04-30"), "GBP");
        assert_eq!(s.orders, 0);
        assert_eq!(s.lifetime_spend_minor, 0);
        assert_eq!(s.frequency, 0);
        assert_eq!(s.t_days, 0);
        assert_eq!(s.first_purchase, None);
        assert!(s.monthly_spend.iter().all(|m| m.amount_minor == 0));
    }

    #[test]
    fn as_of_between_purchases_counts_only_the_past() {
        let orders = [
            o("2025-05-01", 1000),
            o("2025-05-11", 3000),
            o("2025-06-01", 2000),
        ];
        let s = purchase_summary(&orders, d("2025-05-20"), "GBP");
        assert_eq!(s.orders, 2);
        assert_eq!(s.lifetime_spend_minor, 4000);
        assert_eq!(s.frequency, 1);
        assert_eq!(s.recency_days, 10);
        assert_eq!(s.t_days, 19);
        assert_eq!(s.monetary_minor, 3000);
        assert_eq!(s.days_since_last_purchase, Some(9));
        assert_eq!(s.monthly_spend.last().unwrap().amount_minor, 4000);
    }

    #[test]
    fn refunds_lower_spend_and_are_not_purchases() {
        // 1 Mar: buys 5000. 10 Mar: buys 3000 and returns 1000 the same day
        // (one purchase day worth 2000). 20 Mar: a refund of 2500 alone (not
        // a purchase day). 25 Mar: buys 500 and returns 800 (a purchase day
        // worth −300: the customer did buy that day).
        let orders = [
            o("2025-03-01", 5000),
            o("2025-03-10", 3000),
            o("2025-03-10", -1000),
            o("2025-03-20", -2500),
            o("2025-03-25", 500),
            o("2025-03-25", -800),
        ];
        let s = purchase_summary(&orders, d("2025-03-31"), "GBP");
        assert_eq!(
            purchase_days(&orders, d("2025-03-31")),
            vec![
                (d("2025-03-01"), 5000),
                (d("2025-03-10"), 2000),
                (d("2025-03-25"), -300)
            ]
        );
        // 5000 + 3000 − 1000 − 2500 + 500 − 800 = 4200.
        assert_eq!(s.lifetime_spend_minor, 4200);
        assert_eq!(s.orders, 3, "the three orders that bought something");
        assert_eq!(s.frequency, 2);
        assert_eq!(s.recency_days, 24);
        // Repeat days 2000 and −300: mean 850.
        assert_eq!(s.monetary_minor, 850);
        assert_eq!(s.last_purchase, Some(d("2025-03-25")));
        assert_eq!(s.monthly_spend.last().unwrap().amount_minor, 4200);
    }

    #[test]
    fn a_day_of_free_items_is_a_purchase_day() {
        // 2 Jan: a free sample (total 0). 12 Jan: 1500. 20 Jan: free again.
        let orders = [
            o("2025-01-02", 0),
            o("2025-01-12", 1500),
            o("2025-01-20", 0),
        ];
        let s = purchase_summary(&orders, d("2025-01-31"), "GBP");
        assert_eq!(s.orders, 3);
        assert_eq!(s.first_purchase, Some(d("2025-01-02")));
        assert_eq!(s.last_purchase, Some(d("2025-01-20")));
        assert_eq!(s.frequency, 2);
        assert_eq!(s.recency_days, 18);
        assert_eq!(s.t_days, 29);
        // Repeat days 1500 and 0: mean 750.
        assert_eq!(s.monetary_minor, 750);
        // One free order alone: one purchase, as the order count says.
        let s = purchase_summary(&[o("2025-01-02", 0)], d("2025-01-31"), "GBP");
        assert_eq!(s.orders, 1);
        assert_eq!(s.first_purchase, Some(d("2025-01-02")));
        assert_eq!(s.frequency, 0);
        // A refund alone is no purchase and no order.
        let s = purchase_summary(&[o("2025-01-02", -500)], d("2025-01-31"), "GBP");
        assert_eq!(s.orders, 0);
        assert_eq!(s.first_purchase, None);
    }

    #[test]
    fn months_cross_year_ends_and_short_months() {
        let m = monthly_spend(&[], d("2024-03-31"));
        let names: Vec<&str> = m.iter().map(|x| x.month.as_str()).collect();
        assert_eq!(names.first(), Some(&"2023-04"));
        assert_eq!(names[10], "2024-02");
        assert_eq!(names.last(), Some(&"2024-03"));
    }
}
