//! The event log behind `GET /v1/events`: rows appended inside the writing
//! transaction, read back in id order by every stream that resumes or
//! catches up.
//!
//! The contract readers rely on: **ids are committed in increasing order.**
//! A reader that has every event up to id `n` and reads `id > n` later can
//! never miss one that commits afterwards with a lower id, because there is
//! none. On SQLite this is free (one writer at a time). On PostgreSQL
//! sequence values are taken at insert, not at commit, so two transactions
//! could commit out of id order; [`EventStore::append_event`] therefore
//! takes one transaction-scoped advisory lock before it takes an id, held
//! until commit or rollback: the next transaction that appends an event
//! waits for this one to finish, so its id is higher *and* its commit
//! later. (A rolled-back append leaves a hole in the ids, which a reader of
//! `id > n` passes over without harm: no row will ever fill it.)

use async_trait::async_trait;

use crate::error::Result;

/// One row of the log as stored: (id, at in epoch seconds, customer id,
/// payload JSON).
pub type EventRow = (i64, i64, Option<i64>, String);

#[async_trait]
pub trait EventStore {
    /// Append an event inside the caller's transaction; returns its id.
    /// On PostgreSQL it also wakes the other servers on this database
    /// (`NOTIFY`, delivered at commit). See the module docs for the order
    /// guarantee and the lock it takes.
    async fn append_event(
        &mut self,
        at: i64,
        kind: &str,
        customer_id: Option<i64>,
        agent_id: Option<i64>,
        payload: &str,
    ) -> Result<i64>;

    /// The highest id in the log, if any row is kept.
    async fn last_event_id(&mut self) -> Result<Option<i64>>;

    /// (the lowest id kept, the highest id ever handed out, even when every
    /// row has been pruned; 0 when none).
    async fn event_id_bounds(&mut self) -> Result<(Option<i64>, i64)>;

    /// The rows in (`after`, `upto`], in id order, at most `limit`.
    async fn events_after(&mut self, after: i64, upto: i64, limit: i64) -> Result<Vec<EventRow>>;

    /// Remove events before `cutoff` (epoch seconds) that are not among the
    /// newest `keep`; returns how many went.
    async fn prune_events(&mut self, cutoff: i64, keep: i64) -> Result<u64>;
}

/// The channel on which PostgreSQL servers announce appended events (the
/// payload is the event's id; the log stays the truth).
pub const EVENTS_CHANNEL: &str = "rapport_events";
