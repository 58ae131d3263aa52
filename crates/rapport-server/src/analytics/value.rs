//! What a customer is worth (DOMAIN.md "Customer lifetime value"), as pure
//! functions: gross contribution, retention, CLV, future profit potential,
//! and the 80/20 view with profit deciles.
//!
//! - `GC` = average order value × orders per year × gross margin, where
//!   orders per year counts the orders since the first purchase over at
//!   least one year (a customer of three months is not extrapolated);
//! - `r` = of a segment's customers who bought in the previous 12-month
//!   window, the share who bought again in the latest one;
//! - `CLV = GC × r / (1 + d − r)`: with `0 < d` and `r ≤ 1` the denominator
//!   is at least `d`; a denominator of 0 or less has no finite value and
//!   gives None.

use serde::{Deserialize, Serialize};

/// Orders per year: `orders` over `t_days` (days since the first purchase
/// day), counting at least one year.
pub fn orders_per_year(orders: i64, t_days: i64) -> f64 {
    let years = t_days.max(365) as f64 / 365.0;
    orders as f64 / years
}

/// Expected annual gross contribution.
pub fn gross_contribution(aov_minor: f64, orders_per_year: f64, margin: f64) -> f64 {
    aov_minor * orders_per_year * margin
}

/// `retained / previous_buyers`, None when nobody bought in the previous
/// window.
pub fn retention(previous_buyers: i64, retained: i64) -> Option<f64> {
    (previous_buyers > 0).then(|| retained as f64 / previous_buyers as f64)
}

/// `GC × r / (1 + d − r)`; None when `1 + d − r ≤ 0` (unbounded).
pub fn clv(gc: f64, r: f64, d: f64) -> Option<f64> {
    let den = 1.0 + d - r;
    (den > 0.0).then(|| gc * r / den)
}

/// Round to the nearest minor unit, halves away from zero.
pub fn minor(x: f64) -> i64 {
    x.round() as i64
}

/// Gross profit of the previous 12 months not repeated in the latest 12.
pub fn unrealised(previous_profit: i64, latest_profit: i64) -> i64 {
    (previous_profit - latest_profit).max(0)
}

/// The profit deciles of one currency: who is in which tenth, and the
/// boundaries a customer's profit is read against.
///
/// Exact ranks, ties to the worse decile: a customer whose profit is
/// matched or beaten by `k` of the `n` customers (themselves included) is
/// in decile `ceil(10 k / n)`. So decile 1 ("the top tenth") holds only
/// customers of whom at most a tenth of the population did as well, a
/// group of tied customers is never split, and with fewer than ten
/// customers (or heavy ties) some deciles stay empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deciles {
    pub customers: i64,
    pub profit_minor: i64,
    /// (customers, profit) of deciles 1..=10.
    pub groups: Vec<(i64, i64)>,
    /// Share of profit from the top 20 % of customers by rank: the first
    /// `ceil(n / 5)` (the sum is the same whichever way ties are ordered).
    pub top20_share: f64,
    /// (decile, smallest profit in it) of every non-empty decile, best first.
    pub floors: Vec<(u8, i64)>,
}

/// The decile of a customer matched or beaten by `k` of `n`: `ceil(10 k / n)`.
pub fn decile_by_rank(k: usize, n: usize) -> u8 {
    if n == 0 {
        return 10;
    }
    (k * 10).div_ceil(n).clamp(1, 10) as u8
}

impl Deciles {
    /// From every customer's 12-month profit.
    pub fn of(mut profits: Vec<i64>) -> Deciles {
        profits.sort_unstable_by(|a, b| b.cmp(a));
        let n = profits.len();
        let mut groups = vec![(0i64, 0i64); 10];
        let mut floors: Vec<(u8, i64)> = Vec::new();
        let mut i = 0;
        while i < n {
            let p = profits[i];
            let mut j = i;
            while j < n && profits[j] == p {
                j += 1;
            }
            // Customers i..j share profit p; j of them did at least as well.
            let d = decile_by_rank(j, n);
            let g = &mut groups[(d - 1) as usize];
            g.0 += (j - i) as i64;
            g.1 += p * (j - i) as i64;
            match floors.last_mut() {
                Some((fd, floor)) if *fd == d => *floor = p,
                _ => floors.push((d, p)),
            }
            i = j;
        }
        let total: i64 = profits.iter().sum();
        let top = n.div_ceil(5);
        let top_profit: i64 = profits.iter().take(top).sum();
        Deciles {
            customers: n as i64,
            profit_minor: total,
            groups,
            top20_share: if total > 0 {
                top_profit as f64 / total as f64
            } else {
                0.0
            },
            floors,
        }
    }

    /// The decile a profit falls in: the best decile whose smallest profit
    /// it reaches, or the worst non-empty one when it is below them all (a
    /// profit between two of the population's is read as the one below
    /// it). None for an empty population.
    pub fn decile_of(&self, profit: i64) -> Option<u8> {
        let last = self.floors.last()?;
        Some(
            self.floors
                .iter()
                .find(|(_, floor)| profit >= *floor)
                .map(|(d, _)| *d)
                .unwrap_or(last.0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clv_by_hand() {
        // GC £820 (82,000 pence), r 0.83, d 0.10:
        // 82000 × 0.83 / (1 + 0.10 − 0.83) = 68060 / 0.27 = 252,074.07...
        let v = clv(82_000.0, 0.83, 0.10).unwrap();
        assert_eq!(minor(v), 252_074);
    }

    #[test]
    fn clv_with_no_retention_is_zero() {
        assert_eq!(clv(82_000.0, 0.0, 0.10), Some(0.0));
    }

    #[test]
    fn clv_with_full_retention_is_gc_over_d() {
        // r = 1: 1 + d − r = d, so CLV = GC / d = 10 × GC at d = 0.10.
        assert_eq!(minor(clv(50_000.0, 1.0, 0.10).unwrap()), 500_000);
    }

    #[test]
    fn clv_near_one_plus_d_has_no_finite_value() {
        // r → 1 + d: the denominator vanishes.
        assert_eq!(clv(50_000.0, 1.10, 0.10), None);
        assert_eq!(clv(50_000.0, 1.0, 0.0), None);
        // Just below it the value is large but finite: 1 + 0.1 − 1.0999 = 0.0001.
        let v = clv(100.0, 1.0999, 0.10).unwrap();
        assert!((v - 1_099_900.0).abs() < 1.0, "{v}");
    }

    #[test]
    fn gross_contribution_by_hand() {
        // 6 orders over 730 days (2 years): 3 orders a year. AOV £40.00,
        // margin 25 %: GC = 4000 × 3 × 0.25 = 3000 (£30.00 a year).
        let opy = orders_per_year(6, 730);
        assert_eq!(opy, 3.0);
        assert_eq!(gross_contribution(4000.0, opy, 0.25), 3000.0);
    }

    #[test]
    fn one_purchase_counts_as_a_year() {
        // One order 30 days ago: 1 order a year, not 12.
        assert_eq!(orders_per_year(1, 30), 1.0);
        assert_eq!(orders_per_year(1, 0), 1.0);
    }

    #[test]
    fn retention_by_hand() {
        // 8 bought in the previous window, 6 of them again: r = 0.75.
        assert_eq!(retention(8, 6), Some(0.75));
        assert_eq!(retention(0, 0), None);
    }

    #[test]
    fn unrealised_is_lapsed_profit_only() {
        assert_eq!(unrealised(12_000, 4_000), 8_000);
        assert_eq!(unrealised(4_000, 12_000), 0);
    }

    #[test]
    fn deciles_and_the_top_fifth_by_hand() {
        // Ten customers with profits 100, 50, 20, 10, 5, 5, 5, 3, 2, 0:
        // total 200; the top 20 % (2 customers) bring 150 = 75 %.
        let d = Deciles::of(vec![5, 0, 100, 3, 20, 5, 50, 2, 10, 5]);
        assert_eq!(d.customers, 10);
        assert_eq!(d.profit_minor, 200);
        assert_eq!(d.top20_share, 0.75);
        assert_eq!(d.groups[0], (1, 100));
        assert_eq!(d.groups[9], (1, 0));
        assert_eq!(d.decile_of(100), Some(1));
        assert_eq!(d.decile_of(50), Some(2));
        assert_eq!(d.decile_of(0), Some(10));
        // The three tied at 5 are matched or beaten by 7: ceil(70 / 10) = 7;
        // deciles 5 and 6 stay empty.
        assert_eq!(d.decile_of(5), Some(7));
        assert_eq!(d.groups[4], (0, 0));
        assert_eq!(d.groups[5], (0, 0));
        assert_eq!(d.groups[6], (3, 15));
        // Above everyone: first; between 20 and 50: the decile of 20.
        assert_eq!(d.decile_of(1000), Some(1));
        assert_eq!(d.decile_of(30), Some(3));
        assert_eq!(d.decile_of(-5), Some(10));
        assert_eq!(Deciles::of(vec![]).decile_of(5), None);
    }

    #[test]
    fn many_customers_per_decile_each_in_their_own() {
        // 100 customers with profits 100, 99, ..., 1: the customer of
        // profit p is matched or beaten by 101 − p, so decile
        // ceil((101 − p) / 10): 100..91 → 1, 90..81 → 2, ..., 10..1 → 10.
        // (Reading a profit against the decile's smallest profit "at least
        // it" put 99..91 in decile 1 but 90 too, and 89 in decile 2 with
        // 81 only at the floor: everyone above a floor a decile too good.)
        let d = Deciles::of((1..=100).collect());
        for p in 1..=100i64 {
            let want = (101 - p).div_euclid(10) + i64::from((101 - p) % 10 != 0);
            assert_eq!(d.decile_of(p), Some(want as u8), "profit {p}");
        }
        assert_eq!(d.decile_of(91), Some(1));
        assert_eq!(d.decile_of(90), Some(2));
        assert_eq!(d.decile_of(89), Some(2));
        assert_eq!(d.decile_of(81), Some(2));
        assert_eq!(d.decile_of(80), Some(3));
        assert!(d.groups.iter().all(|g| g.0 == 10));
        // Decile 1 holds 100 + 99 + ... + 91 = 955.
        assert_eq!(d.groups[0].1, 955);
        // Top 20 %: 100 + ... + 81 = 1810 of 5050.
        assert_eq!(d.top20_share, 1810.0 / 5050.0);
    }

    #[test]
    fn at_most_a_tenth_are_told_top_tenth_with_heavy_ties() {
        // 1,000 customers: 12 at 500, 600 at 0, the rest 1..=388 once each.
        // The 12 at 500 are matched by 12 ≤ 100: decile 1. The zeros are
        // matched or beaten by everyone: decile 10.
        let mut v = vec![500i64; 12];
        v.extend(std::iter::repeat_n(0, 600));
        v.extend(1..=388);
        let d = Deciles::of(v.clone());
        let in_first = v.iter().filter(|&&p| d.decile_of(p) == Some(1)).count();
        assert!(in_first <= 100, "{in_first} told top tenth of 1000");
        // Customer of profit p in 1..=388: 12 + (388 − p + 1) at least as
        // good. p = 301: 12 + 88 = 100 → decile 1; p = 300: 101 → 2.
        assert_eq!(d.decile_of(301), Some(1));
        assert_eq!(d.decile_of(300), Some(2));
        assert_eq!(in_first, 100);
        assert_eq!(d.decile_of(0), Some(10));
        assert_eq!(d.groups[9].0, 600);
        // Profit 1: 12 + 388 = 400 → decile 4; deciles 5 to 9 empty.
        assert_eq!(d.decile_of(1), Some(4));
        assert!(d.groups[4..9].iter().all(|g| g.0 == 0));
        // Every customer is counted once.
        assert_eq!(d.groups.iter().map(|g| g.0).sum::<i64>(), 1000);
    }

    #[test]
    fn few_customers_leave_deciles_empty() {
        // Three customers: matched or beaten by 1, 2, 3 of 3 → deciles
        // ceil(10/3) = 4, ceil(20/3) = 7, 10. The best of three is in the
        // top 40 %, not the top tenth.
        let d = Deciles::of(vec![30, 20, 10]);
        assert_eq!(d.floors, vec![(4, 30), (7, 20), (10, 10)]);
        assert_eq!(d.decile_of(20), Some(7));
        assert_eq!(d.decile_of(30), Some(4));
        // ceil(3 / 5) = 1 customer is the top fifth: 30 of 60.
        assert_eq!(d.top20_share, 0.5);
    }
}
