//! The event log on PostgreSQL.
//!
//! Invariant (see `store::events`): ids are committed in increasing order.
//! Kept by [`EVENTS_LOCK`], a transaction-scoped advisory lock taken before
//! the id: it is held to commit or rollback, so the next append anywhere on
//! this database (any server) waits, takes a higher id and commits later.
//! PostgreSQL releases a transaction's locks only after its commit is
//! visible to every new snapshot, so a reader that sees the later event
//! sees the earlier one too. The lock is taken as the last step of a write
//! (events are appended after the change they report), so it is held for
//! the commit only.

use async_trait::async_trait;

use super::PgConn;
use crate::error::Result;
use crate::store::{EVENTS_CHANNEL, EventRow, EventStore};

/// The advisory lock key that orders appends to the event log
/// (`'rapport_events'` as a number; any fixed key would do, it need only
/// not be used for anything else).
pub const EVENTS_LOCK: i64 = 0x7261_7070_6f72_7465;

#[async_trait]
impl EventStore for PgConn<'_> {
    async fn append_event(
        &mut self,
        at: i64,
        kind: &str,
        customer_id: Option<i64>,
        agent_id: Option<i64>,
        payload: &str,
    ) -> Result<i64> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENTS_LOCK)
            .execute(self.c())
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (at, kind, customer_id, agent_id, payload) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(at)
        .bind(kind)
        .bind(customer_id)
        .bind(agent_id)
        .bind(payload)
        .fetch_one(self.c())
        .await?;
        // Delivered when (and only if) the transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(EVENTS_CHANNEL)
            .bind(id.to_string())
            .execute(self.c())
            .await?;
        Ok(id)
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
        // The identity's sequence remembers the highest id handed out
        // (NULL before the first).
        let issued: Option<i64> = sqlx::query_scalar(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence('events', 'id')::regclass)",
        )
        .fetch_one(self.c())
        .await?;
        Ok((oldest, issued.unwrap_or(0)))
    }

    async fn events_after(&mut self, after: i64, upto: i64, limit: i64) -> Result<Vec<EventRow>> {
        Ok(sqlx::query_as(
            "SELECT id, at, customer_id, payload FROM events WHERE id > $1 AND id <= $2 \
             ORDER BY id LIMIT $3",
        )
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(self.c())
        .await?)
    }

    async fn prune_events(&mut self, cutoff: i64, keep: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM events WHERE at < $1 AND id <= (SELECT MAX(id) FROM events) - $2",
        )
        .bind(cutoff)
        .bind(keep)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected())
    }
}
