//! The search index's side tables.

use async_trait::async_trait;

use crate::error::Result;

#[async_trait]
pub trait SearchStore {
    /// Every distinct name token with the number of customers using it (the
    /// typo corrector's vocabulary).
    async fn name_tokens(&mut self) -> Result<Vec<(String, i64)>>;
    /// How many distinct name tokens are stored.
    async fn name_token_count(&mut self) -> Result<i64>;
}
