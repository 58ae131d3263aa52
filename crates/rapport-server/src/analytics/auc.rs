//! ROC AUC: how well a score separates two groups. The probability that a
//! randomly chosen member of the positive group scores higher than one of
//! the negative group, ties counting one half (Mann–Whitney U over n₊ n₋).
//! Used to judge the churn score against the demo generator's ground truth.

/// AUC of `(score, positive)` pairs; None unless both groups are present.
pub fn roc_auc(mut scored: Vec<(f64, bool)>) -> Option<f64> {
    let pos = scored.iter().filter(|s| s.1).count() as f64;
    let neg = scored.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the (average, 1-based) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < scored.len() {
        let mut j = i;
        while j < scored.len() && scored[j].0 == scored[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += mean_rank * scored[i..j].iter().filter(|s| s.1).count() as f64;
        i = j;
    }
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_random_and_inverted() {
        let perfect = vec![(90.0, true), (80.0, true), (10.0, false), (0.0, false)];
        assert_eq!(roc_auc(perfect), Some(1.0));
        let inverted = vec![(0.0, true), (10.0, true), (80.0, false), (90.0, false)];
        assert_eq!(roc_auc(inverted), Some(0.0));
        let all_tied = vec![(5.0, true), (5.0, false), (5.0, true), (5.0, false)];
        assert_eq!(roc_auc(all_tied), Some(0.5));
    }

    #[test]
    fn by_hand_with_a_tie() {
        // Positives 70, 40; negatives 40, 10. Pairs (pos, neg):
        // (70,40) 1, (70,10) 1, (40,40) 0.5, (40,10) 1 -> 3.5 / 4 = 0.875.
        let s = vec![(70.0, true), (40.0, true), (40.0, false), (10.0, false)];
        assert_eq!(roc_auc(s), Some(0.875));
    }

    #[test]
    fn one_group_only_has_no_auc() {
        assert_eq!(roc_auc(vec![(1.0, true)]), None);
        assert_eq!(roc_auc(vec![]), None);
    }
}
