//! The event log on SQLite: one writer at a time commits ids in order.

use async_trait::async_trait;

use super::SqliteConn;
use crate::error::Result;
use crate::store::{EventRow, EventStore};

#[async_trait]
impl EventStore for SqliteConn<'_> {
    async fn append_event(
        &mut self,
        at: i64,
        kind: &str,
        customer_id: Option<i64>,
        agent_id: Option<i64>,
        payload: &str,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO events (at, kind, customer_id, agent_id, payload) VALUES (?, ?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(at)
        .bind(kind)
        .bind(customer_id)
        .bind(agent_id)
        .bind(payload)
        .fetch_one(self.c())
        .await?)
    }

    async fn last_event_id(&mut self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(self.c())
            .await?)
    }

    async fn event_id_bounds(&mut self) -> Result<(Option<i64>, i64)> {
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM events")
            .fetch_one(self.c())
            .await?;
        // AUTOINCREMENT keeps the highest id ever handed out.
        let issued: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)",
        )
        .fetch_one(self.c())
        .await?;
        Ok((oldest, issued))
    }

    async fn events_after(&mut self, after: i64, upto: i64, limit: i64) -> Result<Vec<EventRow>> {
        Ok(sqlx::query_as(
            "SELECT id, at, customer_id, payload FROM events WHERE id > ? AND id <= ? \
             ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(self.c())
        .await?)
    }

    async fn prune_events(&mut self, cutoff: i64, keep: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM events WHERE at < ? AND id <= (SELECT MAX(id) FROM events) - ?",
        )
        .bind(cutoff)
        .bind(keep)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected())
    }
}
