//! The typo corrector's vocabulary: every distinct name token in the database
//! with the number of customers who have it, held in memory.
//!
//! It is loaded once from the `name_tokens` table (small: distinct tokens, not
//! customers) and kept current by every customer insert. A query word that is
//! neither a token nor the start of one is compared against the tokens of
//! similar length with a bounded edit distance.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::Db;
use crate::error::Result;

use super::distance::{osa_distance, osa_prefix_distance};

/// A token that a mistyped query word may have meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub token: String,
    pub distance: usize,
    /// Customers with this token; more common tokens are likelier meant.
    pub customers: u32,
}

#[derive(Default)]
struct Inner {
    /// Token → position in its length bucket.
    index: BTreeMap<String, usize>,
    /// Tokens bucketed by length in characters, as char vectors with counts.
    by_len: Vec<Vec<(Box<[char]>, u32)>>,
}

impl Inner {
    fn insert(&mut self, token: &str, n: u32) {
        let chars: Box<[char]> = token.chars().collect();
        let len = chars.len();
        if self.by_len.len() <= len {
            self.by_len.resize_with(len + 1, Vec::new);
        }
        let bucket = &mut self.by_len[len];
        match self.index.get(token) {
            Some(&i) => bucket[i].1 = bucket[i].1.saturating_add(n),
            None => {
                self.index.insert(token.to_string(), bucket.len());
                bucket.push((chars, n));
            }
        }
    }
}

/// See the module docs.
#[derive(Default)]
pub struct Vocabulary {
    inner: RwLock<Inner>,
    loaded: AtomicBool,
    load_lock: tokio::sync::Mutex<()>,
}

/// Largest edit distance tolerated for a word of `len` characters: none for
/// short words (too many near neighbours), one from four, two from eight.
pub fn max_distance(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

impl Vocabulary {
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Load from the database unless already loaded.
    pub async fn ensure_loaded(&self, db: &Db) -> Result<()> {
        if self.is_loaded() {
            return Ok(());
        }
        let _guard = self.load_lock.lock().await;
        if self.is_loaded() {
            return Ok(());
        }
        self.load(db).await
    }

    /// Read every token and replace what is held. Callers hold `load_lock`.
    async fn load(&self, db: &Db) -> Result<()> {
        let rows = db.read().await?.name_tokens().await?;
        let mut fresh = Inner::default();
        for (token, n) in rows {
            fresh.insert(&token, u32::try_from(n).unwrap_or(u32::MAX));
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        *inner = fresh;
        self.loaded.store(true, Ordering::Release);
        Ok(())
    }

    /// Record tokens of newly stored customers (once per customer per token).
    /// Ignored until loaded: loading reads the table, which already has them.
    pub fn add<'a>(&self, tokens: impl IntoIterator<Item = &'a str>) {
        if !self.is_loaded() {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        for t in tokens {
            inner.insert(t, 1);
        }
    }

    /// Number of distinct tokens.
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `word` is a token or the beginning of one.
    pub fn knows_prefix(&self, word: &str) -> bool {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner
            .index
            .range::<str, _>((std::ops::Bound::Included(word), std::ops::Bound::Unbounded))
            .next()
            .is_some_and(|(t, _)| t.starts_with(word))
    }

    /// The tokens that begin with `prefix`, if there are at most `max` of
    /// them (None when there are more, or before loading).
    pub fn completions(&self, prefix: &str, max: usize) -> Option<Vec<String>> {
        if !self.is_loaded() {
            return None;
        }
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (t, _) in inner.index.range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        )) {
            if !t.starts_with(prefix) {
                break;
            }
            if out.len() == max {
                return None;
            }
            out.push(t.clone());
        }
        Some(out)
    }

    /// Number of distinct tokens in the database now, to tell whether another
    /// process has added customers since loading.
    pub async fn stored_len(db: &Db) -> Result<i64> {
        db.read().await?.name_token_count().await
    }

    /// Reload from the database when its token count differs from ours.
    pub async fn refresh(&self, db: &Db) -> Result<bool> {
        let stored = Self::stored_len(db).await?;
        if self.is_loaded() && stored as usize == self.len() {
            return Ok(false);
        }
        let _guard = self.load_lock.lock().await;
        self.load(db).await?;
        Ok(true)
    }

    /// Tokens within the tolerated distance of `word`, nearest and most common
    /// first, at most `max_results`. With `as_prefix` (the word being typed),
    /// tokens whose beginning is within distance 1 also count.
    pub fn corrections(&self, word: &str, as_prefix: bool, max_results: usize) -> Vec<Correction> {
        let q: Vec<char> = word.chars().collect();
        let max = max_distance(q.len());
        if max == 0 {
            return Vec::new();
        }
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut found: Vec<Correction> = Vec::new();
        let lo = q.len().saturating_sub(max);
        let hi = if as_prefix {
            inner.by_len.len().saturating_sub(1)
        } else {
            q.len() + max
        };
        for len in lo..=hi.min(inner.by_len.len().saturating_sub(1)) {
            for (chars, n) in &inner.by_len[len] {
                let d = if len.abs_diff(q.len()) <= max {
                    osa_distance(&q, chars, max)
                } else {
                    None
                };
                let d = match (d, as_prefix && len > q.len()) {
                    (Some(d), _) => Some(d),
                    (None, true) => osa_prefix_distance(&q, chars, 1),
                    (None, false) => None,
                };
                if let Some(distance) = d {
                    found.push(Correction {
                        token: chars.iter().collect(),
                        distance,
                        customers: *n,
                    });
                }
            }
        }
        found.sort_by(|a, b| {
            a.distance
                .cmp(&b.distance)
                .then(b.customers.cmp(&a.customers))
                .then(a.token.cmp(&b.token))
        });
        found.truncate(max_results);
        found
    }

    #[cfg(test)]
    pub(crate) fn from_tokens(tokens: &[(&str, u32)]) -> Vocabulary {
        let v = Vocabulary::default();
        {
            let mut inner = v.inner.write().unwrap();
            for (t, n) in tokens {
                inner.insert(t, *n);
            }
        }
        v.loaded.store(true, Ordering::Release);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::from_tokens(&[
            ("okafor", 40),
            ("okoro", 30),
            ("lindqvist", 10),
            ("lindgren", 12),
            ("john", 500),
            ("joan", 90),
            ("jon", 40),
            ("jane", 300),
            ("muller", 80),
        ])
    }

    #[test]
    fn corrects_single_typos() {
        let v = vocab();
        assert_eq!(v.corrections("okafr", false, 5)[0].token, "okafor");
        assert_eq!(v.corrections("lindqvst", false, 5)[0].token, "lindqvist");
        let jonh = v.corrections("jonh", false, 5);
        assert_eq!(jonh[0].token, "john", "{jonh:?}");
        assert!(jonh.iter().all(|c| c.distance == 1));
    }

    #[test]
    fn prefers_nearer_then_commoner_tokens() {
        let v = vocab();
        // "joan" (1 edit) and "john" (1 edit, commoner) both qualify.
        let c = v.corrections("jofn", false, 5);
        assert_eq!(c[0].token, "john");
        assert_eq!(c[1].token, "joan");
    }

    #[test]
    fn leaves_short_words_alone() {
        let v = vocab();
        assert!(v.corrections("jno", false, 5).is_empty());
    }

    #[test]
    fn corrects_a_partly_typed_word_as_prefix() {
        let v = vocab();
        assert!(v.corrections("lindqc", false, 5).is_empty());
        let c = v.corrections("lindqc", true, 5);
        assert_eq!(c[0].token, "lindqvist");
    }

    #[test]
    fn completes_prefixes_up_to_a_limit() {
        let v = vocab();
        assert_eq!(
            v.completions("lind", 5),
            Some(vec!["lindgren".to_string(), "lindqvist".to_string()])
        );
        assert_eq!(v.completions("lind", 1), None);
        assert_eq!(v.completions("zz", 5), Some(vec![]));
        assert_eq!(Vocabulary::default().completions("lind", 5), None);
    }

    #[test]
    fn knows_prefixes() {
        let v = vocab();
        assert!(v.knows_prefix("oka"));
        assert!(v.knows_prefix("okafor"));
        assert!(!v.knows_prefix("okafr"));
    }

    #[test]
    fn adds_tokens_after_loading() {
        let v = vocab();
        v.add(["okafr"]);
        assert!(v.knows_prefix("okafr"));
        assert_eq!(v.len(), 10);
        v.add(["okafr"]);
        assert_eq!(v.len(), 10);
    }
}
