//! Search side tables on PostgreSQL.

use async_trait::async_trait;

use super::PgConn;
use crate::error::Result;
use crate::store::SearchStore;

#[async_trait]
impl SearchStore for PgConn<'_> {
    async fn name_tokens(&mut self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT token, customers FROM name_tokens")
            .fetch_all(self.c())
            .await?)
    }

    async fn name_token_count(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM name_tokens")
            .fetch_one(self.c())
            .await?)
    }
}
