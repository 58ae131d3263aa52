//! Fuzzy matching for client-side lists: which characters of a search hit
//! match what the agent typed, so the UI can highlight them. The only module
//! that touches `fuzzy-matcher`, so the matcher can be swapped in one place.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

thread_local! {
    // Built once per thread: drawing calls this for every visible row.
    static MATCHER: SkimMatcherV2 = SkimMatcherV2::default().ignore_case();
}

/// Character indices of `text` that match `query`, sorted: the whole query
/// first, else word by word (agents type "jane oka" for "Okafor, Jane").
pub fn match_positions(text: &str, query: &str) -> Vec<usize> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    MATCHER.with(|m| {
        if let Some((_, idx)) = m.fuzzy_indices(text, query) {
            return idx;
        }
        let mut all: Vec<usize> = query
            .split_whitespace()
            .filter_map(|word| m.fuzzy_indices(text, word).map(|(_, idx)| idx))
            .flatten()
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    })
}

/// Score of `text` against `query` for ranking a local pick list; None if
/// it does not match at all.
pub fn score(text: &str, query: &str) -> Option<i64> {
    MATCHER.with(|m| m.fuzzy_match(text, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_whole_query() {
        assert_eq!(match_positions("Jane Okafor", "oka"), vec![5, 6, 7]);
    }

    #[test]
    fn highlights_word_by_word_when_whole_fails() {
        let p = match_positions("Okafor-Lindqvist, Jane", "jane oka");
        assert!(p.contains(&0) && p.contains(&18), "{p:?}");
    }

    #[test]
    fn digits_in_phone_numbers() {
        assert_eq!(match_positions("+447700900123", "900123").len(), 6);
        assert!(match_positions("abc", "").is_empty());
        assert!(score("Jane", "zz").is_none());
    }
}
