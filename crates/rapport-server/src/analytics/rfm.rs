//! RFM scoring (DOMAIN.md "RFM segmentation") and the one table that maps
//! score triples to named segments.
//!
//! Recency is scored over every customer with a purchase; frequency and
//! monetary over the *active* customers, those with a purchase day in the
//! 365 days to the analysis date. A customer with no purchase in that
//! window has nothing to rank there and scores F 1 and M 1.
//!
//! Each dimension is scored 1–5 by exact rank, ties to the worse score: a
//! value matched or beaten by `k` of the `n` customers (itself included)
//! scores `6 − ceil(5 k / n)`. So a 5 ("top fifth") is only given when at
//! most a fifth of the customers did as well, the lowest value present
//! always scores 1, a group of tied customers is never split, and a heavy
//! tie leaves the scores it spans unused (everyone alike scores 1).
//! Recency is "lower is better", so it is ranked on the negated number of
//! days.
//!
//! A refresh turns each population into [`Thresholds`]: the smallest value
//! that reaches each score. Every customer is scored by comparing with them,
//! in the refresh and in the one-customer updates between refreshes alike.

use rapport_api::Segment;
use serde::{Deserialize, Serialize};

/// The score of a value with `below` strictly worse values among `n`: the
/// other `k = n − below` match or beat it, and it scores `6 − ceil(5 k / n)`.
pub fn quintile(below: u64, n: u64) -> u8 {
    if n == 0 || below >= n {
        return 1;
    }
    let k = n - below;
    (6 - (5 * k).div_ceil(n)).clamp(1, 5) as u8
}

/// The smallest value scoring at least 2, 3, 4 and 5 (None when no value
/// of the population reaches that score).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds(pub [Option<i64>; 4]);

impl Thresholds {
    /// From every customer's value ("higher is better").
    pub fn of(mut values: Vec<i64>) -> Thresholds {
        values.sort_unstable();
        let n = values.len() as u64;
        let mut t = [None; 4];
        let mut i = 0;
        while i < values.len() {
            let v = values[i];
            let mut j = i;
            while j < values.len() && values[j] == v {
                j += 1;
            }
            let score = quintile(i as u64, n);
            for s in 2..=score {
                let slot = &mut t[(s - 2) as usize];
                if slot.is_none() {
                    *slot = Some(v);
                }
            }
            i = j;
        }
        Thresholds(t)
    }

    /// The score of `value` against this population.
    pub fn score(&self, value: i64) -> u8 {
        1 + self.0.iter().flatten().filter(|&&t| value >= t).count() as u8
    }
}

/// Segment by recency score (rows, R = 5 first) and the mean of the
/// frequency and monetary scores rounded half up (columns, FM = 1 first).
/// The one place the mapping lives; the server README prints it.
pub const SEGMENT_GRID: [[Segment; 5]; 5] = {
    use Segment::*;
    [
        // FM:     1            2                  3                  4             5
        /* R5 */
        [
            New,
            PotentialLoyalist,
            PotentialLoyalist,
            Champions,
            Champions,
        ],
        /* R4 */
        [
            Promising,
            PotentialLoyalist,
            PotentialLoyalist,
            Loyal,
            Champions,
        ],
        /* R3 */ [Promising, AboutToSleep, NeedsAttention, Loyal, Loyal],
        /* R2 */ [Hibernating, AboutToSleep, NeedsAttention, AtRisk, AtRisk],
        /* R1 */ [Lost, Hibernating, AtRisk, CantLoseThem, CantLoseThem],
    ]
};

/// The segment of a score triple (each 1–5).
pub fn segment(r: u8, f: u8, m: u8) -> Segment {
    let r = r.clamp(1, 5) as usize;
    let fm = (f.clamp(1, 5) + m.clamp(1, 5)).div_ceil(2) as usize;
    SEGMENT_GRID[5 - r][fm - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_of_distinct_values_are_one_to_five() {
        // Five customers, five values: matched or beaten by 5, 4, 3, 2, 1;
        // 6 − ceil(5k/5) = 1, 2, 3, 4, 5.
        let scores: Vec<u8> = (0..5).map(|below| quintile(below, 5)).collect();
        assert_eq!(scores, vec![1, 2, 3, 4, 5]);
        // Ten customers: k = 10..1 → ceil(k/2) = 5,5,4,4,3,3,2,2,1,1.
        let scores: Vec<u8> = (0..10).map(|below| quintile(below, 10)).collect();
        assert_eq!(scores, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn ties_fall_to_the_worse_score() {
        // Everyone alike: k = n → 1.
        assert_eq!(quintile(0, 4), 1);
        assert_eq!(quintile(0, 1), 1);
        // 6 of 10 tied at the bottom: 1; the next, matched or beaten by 4:
        // 6 − ceil(2) = 4; the best: 6 − ceil(0.5) = 5.
        assert_eq!(quintile(0, 10), 1);
        assert_eq!(quintile(6, 10), 4);
        assert_eq!(quintile(9, 10), 5);
        assert_eq!(quintile(0, 0), 1);
    }

    #[test]
    fn heavy_ties_keep_one_and_five_reachable() {
        // Orders in the year of 20 active customers: 12 bought once, 5
        // twice, 2 three times, 1 six times.
        // 1 order: k = 20 → 1. 2 orders: k = 8 → 6 − ceil(2) = 4.
        // 3 orders: k = 3 → 6 − ceil(0.75) = 5. 6 orders: k = 1 → 5.
        let mut v = vec![1i64; 12];
        v.extend([2; 5]);
        v.extend([3; 2]);
        v.push(6);
        let t = Thresholds::of(v);
        assert_eq!(t, Thresholds([Some(2), Some(2), Some(2), Some(3)]));
        assert_eq!(t.score(1), 1);
        assert_eq!(t.score(2), 4);
        assert_eq!(t.score(3), 5);
        assert_eq!(t.score(6), 5);
        // At most a fifth (4 of 20) score 5: the 2 + 1 above two orders.
    }

    #[test]
    fn thresholds_reproduce_the_population_scores() {
        // Values 10, 20, 20, 30, 40, 50, 60, 70, 80, 90 (n = 10); k is how
        // many are at least as high.
        // 10: k 10 → 1.  20: k 9 → 6 − 5 = 1.  30: k 7 → 6 − 4 = 2;
        // 40: k 6 → 3;  50: k 5 → 3;  60: k 4 → 4;  70: k 3 → 4;
        // 80: k 2 → 5;  90: k 1 → 5.
        let values = vec![90, 20, 10, 30, 20, 40, 50, 60, 70, 80];
        let t = Thresholds::of(values.clone());
        assert_eq!(t, Thresholds([Some(30), Some(40), Some(60), Some(80)]));
        let scored: Vec<u8> = [10, 20, 30, 40, 50, 60, 70, 80, 90]
            .iter()
            .map(|&v| t.score(v))
            .collect();
        assert_eq!(scored, vec![1, 1, 2, 3, 3, 4, 4, 5, 5]);
        // A value between the population's is scored by the step below it,
        // beyond the ends by the ends.
        assert_eq!(t.score(55), 3);
        assert_eq!(t.score(-5), 1);
        assert_eq!(t.score(1000), 5);
    }

    #[test]
    fn recency_is_ranked_lower_is_better_by_negating() {
        // Days since the last purchase 5, 30, 200: the 5-day customer is
        // matched by 1 of 3 → 6 − ceil(5/3) = 4; 30 days: k 2 → 6 − 4 = 2;
        // 200 days: k 3 → 1.
        let t = Thresholds::of(vec![-5, -30, -200]);
        assert_eq!(t.score(-5), 4);
        assert_eq!(t.score(-30), 2);
        assert_eq!(t.score(-200), 1);
    }

    #[test]
    fn an_empty_population_scores_one() {
        let t = Thresholds::of(vec![]);
        assert_eq!(t.score(42), 1);
    }

    #[test]
    fn the_grid_names_every_segment_and_reads_as_documented() {
        use Segment::*;
        assert_eq!(segment(5, 5, 5), Champions);
        assert_eq!(
            segment(5, 4, 3),
            Champions,
            "FM = (4 + 3) / 2 rounded up = 4"
        );
        assert_eq!(segment(4, 4, 4), Loyal);
        assert_eq!(segment(5, 1, 1), New);
        assert_eq!(segment(4, 1, 1), Promising);
        assert_eq!(
            segment(4, 1, 2),
            PotentialLoyalist,
            "FM = (1 + 2) / 2 rounded up = 2"
        );
        assert_eq!(segment(1, 5, 5), CantLoseThem);
        assert_eq!(segment(1, 1, 1), Lost);
        assert_eq!(segment(2, 1, 1), Hibernating);
        assert_eq!(segment(2, 4, 5), AtRisk);
        assert_eq!(segment(3, 3, 3), NeedsAttention);
        assert_eq!(segment(3, 2, 2), AboutToSleep);
        let mut seen: Vec<Segment> = SEGMENT_GRID.iter().flatten().copied().collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), Segment::ALL.len(), "every segment is reachable");
    }
}
