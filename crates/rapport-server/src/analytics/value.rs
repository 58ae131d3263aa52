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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deciles {
    pub customers: i64,
    pub profit_minor: i64,
    /// (customers, profit) of deciles 1..=10, by rank.
    pub groups: Vec<(i64, i64)>,
    /// Share of profit from the top 20 % of customers by rank.
    pub top20_share: f64,
    /// (decile, smallest profit in it) of every non-empty decile, best first.
    pub floors: Vec<(u8, i64)>,
}

impl Deciles {
    /// From every customer's 12-month profit. Rank `i` (0 = most profit) of
    /// `n` is in decile `1 + 10 i / n`; the top 20 % are the first
    /// `ceil(n / 5)` by rank.
    pub fn of(mut profits: Vec<i64>) -> Deciles {
        profits.sort_unstable_by(|a, b| b.cmp(a));
        let n = profits.len();
        let mut groups = vec![(0i64, 0i64); 10];
        let mut floors: Vec<(u8, i64)> = Vec::new();
        for (i, p) in profits.iter().enumerate() {
            let d = (i * 10 / n) as u8 + 1;
            let g = &mut groups[(d - 1) as usize];
            g.0 += 1;
            g.1 += p;
            match floors.last_mut() {
                Some((fd, floor)) if *fd == d => *floor = *p,
                _ => floors.push((d, *p)),
            }
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

    /// The decile a profit falls in: the worst decile whose smallest profit
    /// is at least it (so customers tied at a boundary, such as the many
    /// with no profit this year, share the lower decile), or the first when
    /// it is above them all. None for an empty population.
    pub fn decile_of(&self, profit: i64) -> Option<u8> {
        let first = self.floors.first()?;
        Some(
            self.floors
                .iter()
                .rev()
                .find(|(_, floor)| profit <= *floor)
                .map(|(d, _)| *d)
                .unwrap_or(first.0),
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
        // The three tied at 5 (ranks 5, 6, 7) share the lowest of theirs.
        assert_eq!(d.decile_of(5), Some(7));
        // Above everyone: first; between 20 and 50: the decile of 20.
        assert_eq!(d.decile_of(1000), Some(1));
        assert_eq!(d.decile_of(30), Some(2));
        assert_eq!(Deciles::of(vec![]).decile_of(5), None);
    }

    #[test]
    fn few_customers_leave_deciles_empty() {
        // Three customers: ranks 0, 1, 2 -> deciles 1, 4, 7.
        let d = Deciles::of(vec![30, 20, 10]);
        assert_eq!(d.floors, vec![(1, 30), (4, 20), (7, 10)]);
        assert_eq!(d.decile_of(20), Some(4));
        // ceil(3 / 5) = 1 customer is the top fifth: 30 of 60.
        assert_eq!(d.top20_share, 0.5);
    }
}
