//! Edit distances for typo correction.
//!
//! Damerau–Levenshtein in its "optimal string alignment" form: insertions,
//! deletions, substitutions and transpositions of adjacent characters each
//! cost 1 (`jonh` → `john` is one edit), and no substring is edited twice.
//! Both functions take a bound and give up early once it cannot be met, which
//! is what makes scanning a vocabulary cheap.

/// Distance between `a` and `b` if it is at most `max`.
pub fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let row = osa_rows(a, b, max)?;
    let d = row[b.len()];
    (d <= max).then_some(d)
}

/// Smallest distance between `query` and any prefix of `word`, if at most
/// `max`: how far a partly typed word is from being the start of `word`.
pub fn osa_prefix_distance(query: &[char], word: &[char], max: usize) -> Option<usize> {
    if word.len() + max < query.len() {
        return None;
    }
    let row = osa_rows(query, word, max)?;
    let d = *row.iter().min()?;
    (d <= max).then_some(d)
}

/// Run the OSA recurrence over `a` (rows) × `b` (columns) and return the
/// last row, or None as soon as a whole row exceeds `max`.
fn osa_rows(a: &[char], b: &[char], max: usize) -> Option<Vec<usize>> {
    let n = b.len();
    let mut prev2: Vec<usize> = vec![0; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur: Vec<usize> = vec![0; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa_distance(&a, &b, 3)
    }

    fn p(q: &str, w: &str) -> Option<usize> {
        let q: Vec<char> = q.chars().collect();
        let w: Vec<char> = w.chars().collect();
        osa_prefix_distance(&q, &w, 2)
    }

    #[test]
    fn counts_single_edits() {
        assert_eq!(d("okafor", "okafor"), Some(0));
        assert_eq!(d("okafr", "okafor"), Some(1)); // deletion
        assert_eq!(d("okaffor", "okafor"), Some(1)); // insertion
        assert_eq!(d("okafar", "okafor"), Some(1)); // substitution
        assert_eq!(d("jonh", "john"), Some(1)); // transposition
        assert_eq!(d("lindqvst", "lindqvist"), Some(1));
    }

    #[test]
    fn counts_several_edits_and_respects_the_bound() {
        assert_eq!(d("kitten", "sitting"), Some(3));
        assert_eq!(d("ca", "abc"), Some(3)); // OSA, not unrestricted DL (which says 2)
        assert_eq!(d("abcdef", "uvwxyz"), None);
        let a: Vec<char> = "schmidt".chars().collect();
        let b: Vec<char> = "schmitt".chars().collect();
        assert_eq!(osa_distance(&a, &b, 0), None);
        assert_eq!(osa_distance(&a, &b, 1), Some(1));
    }

    #[test]
    fn handles_empty_and_unicode() {
        assert_eq!(d("", "abc"), Some(3));
        assert_eq!(d("abc", ""), Some(3));
        assert_eq!(d("王伟", "王偉"), Some(1));
    }

    #[test]
    fn measures_distance_to_the_nearest_prefix() {
        assert_eq!(p("lindq", "lindqvist"), Some(0));
        assert_eq!(p("lindv", "lindqvist"), Some(1));
        assert_eq!(p("oakf", "okafor"), Some(1)); // transposed, then cut short
        assert_eq!(p("zzzz", "okafor"), None);
    }

    /// Plain OSA distance without a bound, as the reference.
    fn reference(a: &[char], b: &[char]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        d[0] = (0..=m).collect();
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[n][m]
    }

    proptest::proptest! {
        #[test]
        fn bounded_distance_agrees_with_the_reference(a in "[abc]{0,8}", b in "[abc]{0,8}", max in 0usize..4) {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            let full = reference(&a, &b);
            let bounded = osa_distance(&a, &b, max);
            proptest::prop_assert_eq!(bounded, (full <= max).then_some(full));
            proptest::prop_assert_eq!(osa_distance(&b, &a, max), bounded);
        }

        #[test]
        fn prefix_distance_is_the_best_prefix(q in "[abc]{0,6}", w in "[abc]{0,8}") {
            let q: Vec<char> = q.chars().collect();
            let w: Vec<char> = w.chars().collect();
            let best = (0..=w.len()).map(|k| reference(&q, &w[..k])).min().unwrap();
            proptest::prop_assert_eq!(osa_prefix_distance(&q, &w, 2), (best <= 2).then_some(best));
        }
    }
}
