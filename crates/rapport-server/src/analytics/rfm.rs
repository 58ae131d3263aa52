//! RFM scoring (DOMAIN.md "RFM segmentation") and the one table that maps
//! score triples to named segments.
//!
//! Each dimension is scored 1–5 by quintile over the customers with a
//! purchase: a value's score is `ceil(5 × p)` where `p` is its mid-rank
//! percentile, `(below + equal / 2) / n` (`below` customers have a worse
//! value, `equal` share it). Ties therefore share a score, a population of
//! one value scores 3 throughout, and a long tail of zeros (no order this
//! year) scores 1. Recency is "lower is better", so it is ranked on the
//! negated number of days.
//!
//! A refresh turns each population into [`Thresholds`]: the smallest value
//! that reaches each score. Every customer is scored by comparing with them,
//! in the refresh and in the one-customer updates between refreshes alike.

use rapport_api::Segment;
use serde::{Deserialize, Serialize};

/// The score of a value with `below` worse values and `equal` equal ones
/// (itself included) among `n`.
pub fn quintile(below: u64, equal: u64, n: u64) -> u8 {
    if n == 0 {
        return 1;
    }
    // ceil(5 × (2·below + equal) / 2n), in integers.
    let num = 5 * (2 * below + equal);
    let den = 2 * n;
    num.div_ceil(den).clamp(1, 5) as u8
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
            let score = quintile(i as u64, (j - i) as u64, n);
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
        // Five customers, five values: mid-rank percentiles 0.1, 0.3, 0.5,
        // 0.7, 0.9; times 5 and rounded up: 1, 2, 3, 4, 5.
        let scores: Vec<u8> = (0..5).map(|below| quintile(below, 1, 5)).collect();
        assert_eq!(scores, vec![1, 2, 3, 4, 5]);
        // Ten customers: 0.05 .. 0.95 -> 1,1,2,2,3,3,4,4,5,5.
        let scores: Vec<u8> = (0..10).map(|below| quintile(below, 1, 10)).collect();
        assert_eq!(scores, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn ties_share_a_score() {
        // Everyone alike: p = 0.5 -> 3.
        assert_eq!(quintile(0, 4, 4), 3);
        // One purchase only: a population of one scores 3.
        assert_eq!(quintile(0, 1, 1), 3);
        // 6 of 10 bought nothing this year (value 0): p = 0.3 -> ceil(1.5) = 2.
        assert_eq!(quintile(0, 6, 10), 2);
        // 8 of 10: p = 0.4 -> 2; the two above: below 8 -> 0.85, 0.95 -> 5.
        assert_eq!(quintile(0, 8, 10), 2);
        assert_eq!(quintile(8, 1, 10), 5);
        assert_eq!(quintile(0, 0, 0), 1);
    }

    #[test]
    fn thresholds_reproduce_the_population_scores() {
        // Values 10, 20, 20, 30, 40, 50, 60, 70, 80, 90 (n = 10).
        // 10: below 0, equal 1 -> p 0.05 -> 1.
        // 20: below 1, equal 2 -> p 0.2 -> 1.
        // 30: below 3 -> p 0.35 -> 2;  40: 0.45 -> 3;  50: 0.55 -> 3;
        // 60: 0.65 -> 4; 70: 0.75 -> 4; 80: 0.85 -> 5; 90: 0.95 -> 5.
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
        // Days since the last purchase 5, 30, 200: the 5-day customer is best.
        let t = Thresholds::of(vec![-5, -30, -200]);
        assert_eq!(t.score(-5), 5);
        assert_eq!(t.score(-30), 3);
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
