//! Association rules (DOMAIN.md "Cross-sell suggestions") over baskets of
//! categories, and up-sell rules over the tiers of a product line.
//!
//! Cross-sell: each order is a basket, the set of categories in it; rules
//! have one category on each side. For a rule X → Y over N baskets:
//! support = baskets with X and Y / N, confidence = baskets with X and Y /
//! baskets with X, lift = confidence / (baskets with Y / N).
//!
//! Up-sell: over the customers with a purchase, "owns tier t of a line" →
//! "owns tier t + 1", with support, confidence and lift defined the same way
//! over customers instead of baskets.
//!
//! A basket is a bitmask of category indices, so at most [`MAX_ITEMS`]
//! categories take part in mining (the catalogue's 64 largest, by product
//! count, when there are more).

use serde::{Deserialize, Serialize};

pub const MAX_ITEMS: usize = 64;

/// Minimum support, confidence and lift a rule must reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub min_support: f64,
    pub min_confidence: f64,
    pub min_lift: f64,
}

/// How often each item and each pair of items occurs.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    pub total: u64,
    pub items: Vec<u64>,
    /// pairs[a * n + b] for a ≠ b (both orders filled).
    pub pairs: Vec<u64>,
    n: usize,
}

impl Counts {
    pub fn new(items: usize) -> Counts {
        let n = items.min(MAX_ITEMS);
        Counts {
            total: 0,
            items: vec![0; n],
            pairs: vec![0; n * n],
            n,
        }
    }

    /// Count one basket (bit i set = item i in it).
    pub fn add(&mut self, basket: u64) {
        self.total += 1;
        let mut a_bits = basket;
        while a_bits != 0 {
            let a = a_bits.trailing_zeros() as usize;
            a_bits &= a_bits - 1;
            if a >= self.n {
                continue;
            }
            self.items[a] += 1;
            let mut b_bits = basket & !(1u64 << a);
            while b_bits != 0 {
                let b = b_bits.trailing_zeros() as usize;
                b_bits &= b_bits - 1;
                if b < self.n {
                    self.pairs[a * self.n + b] += 1;
                }
            }
        }
    }

    pub fn pair(&self, a: usize, b: usize) -> u64 {
        self.pairs[a * self.n + b]
    }
}

/// A rule with the counts it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mined {
    pub antecedent: usize,
    pub consequent: usize,
    pub antecedent_count: u64,
    pub consequent_count: u64,
    pub both: u64,
    pub total: u64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// support, confidence and lift from counts; None when undefined (no
/// baskets, or the antecedent or consequent never occurs).
pub fn measures(
    antecedent: u64,
    consequent: u64,
    both: u64,
    total: u64,
) -> Option<(f64, f64, f64)> {
    if total == 0 || antecedent == 0 || consequent == 0 {
        return None;
    }
    let support = both as f64 / total as f64;
    let confidence = both as f64 / antecedent as f64;
    let lift = confidence / (consequent as f64 / total as f64);
    Some((support, confidence, lift))
}

impl Thresholds {
    pub fn pass(&self, support: f64, confidence: f64, lift: f64) -> bool {
        support >= self.min_support && confidence >= self.min_confidence && lift >= self.min_lift
    }
}

/// Every one-to-one rule between items, with its measures, and whether it
/// passes the thresholds. Rules never seen together are left out.
pub fn mine(c: &Counts, t: &Thresholds) -> Vec<(Mined, bool)> {
    let mut out = Vec::new();
    for a in 0..c.n {
        for b in 0..c.n {
            if a == b {
                continue;
            }
            let both = c.pair(a, b);
            if both == 0 {
                continue;
            }
            let Some((support, confidence, lift)) = measures(c.items[a], c.items[b], both, c.total)
            else {
                continue;
            };
            let m = Mined {
                antecedent: a,
                consequent: b,
                antecedent_count: c.items[a],
                consequent_count: c.items[b],
                both,
                total: c.total,
                support,
                confidence,
                lift,
            };
            let pass = t.pass(support, confidence, lift);
            out.push((m, pass));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: u64 = 1 << 0;
    const CASE: u64 = 1 << 1;
    const SCREEN: u64 = 1 << 2;
    const ROAMING: u64 = 1 << 3;
    const INSURANCE: u64 = 1 << 4;

    /// Ten baskets:
    ///  1 phone case screen     6 roaming insurance
    ///  2 phone case            7 roaming insurance
    ///  3 phone case            8 roaming
    ///  4 phone screen          9 case
    ///  5 phone                10 insurance
    fn baskets() -> Counts {
        let mut c = Counts::new(5);
        for b in [
            PHONE | CASE | SCREEN,
            PHONE | CASE,
            PHONE | CASE,
            PHONE | SCREEN,
            PHONE,
            ROAMING | INSURANCE,
            ROAMING | INSURANCE,
            ROAMING,
            CASE,
            INSURANCE,
        ] {
            c.add(b);
        }
        c
    }

    fn rule(rules: &[(Mined, bool)], a: usize, b: usize) -> &(Mined, bool) {
        rules
            .iter()
            .find(|(m, _)| m.antecedent == a && m.consequent == b)
            .unwrap()
    }

    #[test]
    fn counts_by_hand() {
        let c = baskets();
        assert_eq!(c.total, 10);
        // phone 5, case 4, screen 2, roaming 3, insurance 3.
        assert_eq!(c.items, vec![5, 4, 2, 3, 3]);
        assert_eq!(c.pair(0, 1), 3, "phone and case: baskets 1, 2, 3");
        assert_eq!(c.pair(1, 0), 3);
        assert_eq!(c.pair(3, 4), 2, "roaming and insurance: baskets 6, 7");
        assert_eq!(c.pair(0, 3), 0);
    }

    #[test]
    fn support_confidence_and_lift_by_hand() {
        let t = Thresholds {
            min_support: 0.15,
            min_confidence: 0.5,
            min_lift: 1.2,
        };
        let rules = mine(&baskets(), &t);
        // phone -> case: support 3/10 = 0.3; confidence 3/5 = 0.6;
        // lift 0.6 / (4/10) = 1.5. Passes.
        let (m, pass) = rule(&rules, 0, 1);
        assert_eq!((m.support, m.confidence), (0.3, 0.6));
        assert!((m.lift - 1.5).abs() < 1e-12);
        assert!(pass);
        // case -> phone: support 0.3; confidence 3/4 = 0.75;
        // lift 0.75 / (5/10) = 1.5.
        let (m, _) = rule(&rules, 1, 0);
        assert_eq!(m.confidence, 0.75);
        assert!((m.lift - 1.5).abs() < 1e-12);
        // roaming -> insurance: support 2/10 = 0.2; confidence 2/3;
        // lift (2/3) / (3/10) = 2.22. Passes.
        let (m, pass) = rule(&rules, 3, 4);
        assert_eq!(m.support, 0.2);
        assert!((m.confidence - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.lift - 20.0 / 9.0).abs() < 1e-12);
        assert!(pass);
        // phone -> screen: support 2/10 = 0.2; confidence 2/5 = 0.4 < 0.5:
        // fails on confidence (lift 0.4 / 0.2 = 2.0).
        let (m, pass) = rule(&rules, 0, 2);
        assert!((m.lift - 2.0).abs() < 1e-12);
        assert!(!pass);
        // screen -> case: baskets 1 only: support 0.1 < 0.15: fails.
        let (m, pass) = rule(&rules, 2, 1);
        assert_eq!((m.support, m.confidence), (0.1, 0.5));
        assert!(!pass);
        // Never together: no rule at all.
        assert!(
            !rules
                .iter()
                .any(|(m, _)| m.antecedent == 0 && m.consequent == 3)
        );
    }

    #[test]
    fn undefined_measures_are_none() {
        assert_eq!(measures(0, 3, 0, 10), None);
        assert_eq!(measures(3, 3, 1, 0), None);
    }
}
