//! Live events: the durable log behind `GET /v1/events`, the wake-up signal
//! that tells open streams something was committed, ephemeral events (who
//! has which customer open), and presence itself.
//!
//! A write records its event in the same transaction as the change
//! ([`record`]), so an event exists exactly when the change does, and calls
//! [`Events::committed_events`] with it after the commit. The committed
//! event goes to every open stream in memory; a stream sends it at once
//! when its id follows the last one it sent, and otherwise (a gap: two
//! transactions that commit in one order and announce in the other, a
//! stream that fell behind, a write by another process) reads every row
//! above its last id from the log, so no event is skipped or sent twice.
//! Writes by another process on the same database (an import, a second
//! server) are noticed by a poll of the highest id ([`Events::poll`], run
//! by the server's upkeep).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::Stream;
use rapport_api::{AgentId, AgentRef, CustomerId, Event, EventBody, Presence, Role};
use sqlx::SqliteConnection;
use tokio::sync::{broadcast, watch};

use crate::Db;
use crate::error::{Error, Result};
use crate::store::from_epoch;

/// How long a presence lasts unless the client repeats it.
pub const PRESENCE_TTL: Duration = Duration::from_secs(60);
/// Events kept at least this long, and at least [`KEEP_EVENTS`] of them, for
/// clients resuming after a break.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);
pub const KEEP_EVENTS: i64 = 10_000;
/// Rows read per query while a stream catches up.
const CATCH_UP_BATCH: i64 = 500;

/// Write `body` to the event log inside the caller's transaction; returns
/// the event as the log holds it (its id set, its time to the second). Give
/// it to [`Events::committed_events`] once the transaction commits.
pub async fn record(
    conn: &mut SqliteConnection,
    at: DateTime<Utc>,
    by: Option<&AgentRef>,
    customer_id: Option<CustomerId>,
    body: &EventBody,
) -> Result<Event> {
    let payload = serde_json::to_string(&Stored {
        by: by.cloned(),
        body: body.clone(),
    })
    .map_err(|e| Error::Corrupt(format!("cannot encode an event: {e}")))?;
    let id = sqlx::query_scalar(
        "INSERT INTO events (at, kind, customer_id, agent_id, payload) VALUES (?, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(at.timestamp())
    .bind(body.kind())
    .bind(customer_id)
    .bind(by.map(|a| a.id))
    .bind(payload)
    .fetch_one(conn)
    .await?;
    Ok(Event {
        id: Some(id),
        at: from_epoch(at.timestamp()),
        by: by.cloned(),
        customer_id,
        body: body.clone(),
    })
}

/// `e` as `viewer` gets it: the caller's view that comes with a call
/// routed to an agent is for that agent's stream only.
fn for_viewer(e: &Event, viewer: Option<AgentId>) -> Event {
    match &e.body {
        EventBody::AgentState(st) if st.caller_view.is_some() && Some(st.agent.id) != viewer => {
            // Not cloned with the view only to drop it.
            let st = rapport_api::AgentStatus {
                agent: st.agent.clone(),
                state: st.state,
                since: st.since,
                call: st.call.clone(),
                queues: st.queues.clone(),
                simulated: st.simulated,
                caller_view: None,
            };
            Event {
                id: e.id,
                at: e.at,
                by: e.by.clone(),
                customer_id: e.customer_id,
                body: EventBody::AgentState(st),
            }
        }
        _ => e.clone(),
    }
}

/// What the `payload` column holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    by: Option<AgentRef>,
    #[serde(flatten)]
    body: EventBody,
}

/// Who an ephemeral event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    /// Supervisors and admins.
    Supervisors,
    /// Agents (the role).
    Agents,
}

impl Audience {
    fn includes(self, role: Role) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Supervisors => role != Role::Agent,
            Audience::Agents => role == Role::Agent,
        }
    }
}

struct Viewing {
    agent: AgentRef,
    customer: CustomerId,
    until: Instant,
}

/// Shared by every request handler and stream of one server.
pub struct Events {
    /// The highest committed event id this process knows of.
    latest: watch::Sender<i64>,
    /// Events this process committed, to every stream.
    durable: broadcast::Sender<Arc<Event>>,
    /// Set when the server stops: every open stream ends, so a graceful
    /// shutdown does not wait on connections that never finish.
    closing: watch::Sender<bool>,
    ephemeral: broadcast::Sender<(Audience, Arc<Event>)>,
    presence: Mutex<HashMap<AgentId, Viewing>>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            latest: watch::Sender::new(0),
            durable: broadcast::Sender::new(1024),
            closing: watch::Sender::new(false),
            ephemeral: broadcast::Sender::new(1024),
            presence: Mutex::new(HashMap::new()),
        }
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("latest", &*self.latest.borrow())
            .finish_non_exhaustive()
    }
}

impl Events {
    /// These events are committed: hand them to the streams. Each stream
    /// sends one straight on when it follows the last it sent, and reads
    /// the log otherwise.
    pub fn committed_events(&self, events: &[Event]) {
        let mut sorted: Vec<&Event> = events.iter().filter(|e| e.id.is_some()).collect();
        sorted.sort_by_key(|e| e.id);
        let Some(max) = sorted.last().and_then(|e| e.id) else {
            return;
        };
        // Sent before the wake-up, so a stream that sees the wake-up finds
        // them queued (its select is biased towards them).
        if self.durable.receiver_count() > 0 {
            for e in sorted {
                let _ = self.durable.send(Arc::new(e.clone()));
            }
        }
        self.committed(max);
    }

    /// An event with this id is committed: wake the streams, which read it
    /// from the log.
    pub fn committed(&self, id: i64) {
        self.latest.send_if_modified(|v| {
            if id > *v {
                *v = id;
                true
            } else {
                false
            }
        });
    }

    /// The highest committed event id this process knows of: every event
    /// committed after this moment has a higher id (one writer at a time
    /// gives ids in commit order).
    pub fn latest_id(&self) -> i64 {
        *self.latest.borrow()
    }

    /// How many event streams are open (ephemeral events with nobody to
    /// read them need not be made).
    pub fn streams(&self) -> usize {
        self.ephemeral.receiver_count()
    }

    /// End every open stream (the server is stopping).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Notice events written by other processes.
    pub async fn poll(&self, db: &Db) -> Result<()> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(db.pool())
            .await?;
        if let Some(max) = max {
            self.committed(max);
        }
        Ok(())
    }

    /// Send an event that is not stored (it is not replayed on resume).
    pub fn publish_ephemeral(&self, customer_id: Option<CustomerId>, body: EventBody) {
        self.publish_ephemeral_to(Audience::Everyone, customer_id, body);
    }

    /// Send an ephemeral event to the streams of `audience` only.
    pub fn publish_ephemeral_to(
        &self,
        audience: Audience,
        customer_id: Option<CustomerId>,
        body: EventBody,
    ) {
        let _ = self.ephemeral.send((
            audience,
            Arc::new(Event {
                id: None,
                at: Utc::now(),
                by: None,
                customer_id,
                body,
            }),
        ));
    }

    // ------------------------------------------------------------ presence

    /// `agent` now has `customer` open (or nothing). Publishes presence for
    /// the customers whose viewers changed.
    pub fn set_presence(&self, agent: &AgentRef, customer: Option<CustomerId>) {
        let changed = {
            let mut map = self.presence.lock().expect("presence lock");
            let before = map.get(&agent.id).map(|v| v.customer);
            match customer {
                Some(c) => {
                    map.insert(
                        agent.id,
                        Viewing {
                            agent: agent.clone(),
                            customer: c,
                            until: Instant::now() + PRESENCE_TTL,
                        },
                    );
                }
                None => {
                    map.remove(&agent.id);
                }
            }
            if before == customer {
                vec![]
            } else {
                before.into_iter().chain(customer).collect::<Vec<_>>()
            }
        };
        for c in changed {
            self.publish_presence(c);
        }
    }

    /// Everyone with `customer` open, except `except`.
    pub fn viewers(&self, customer: CustomerId, except: Option<AgentId>) -> Vec<AgentRef> {
        let now = Instant::now();
        let map = self.presence.lock().expect("presence lock");
        let mut v: Vec<AgentRef> = map
            .values()
            .filter(|v| v.customer == customer && v.until > now && Some(v.agent.id) != except)
            .map(|v| v.agent.clone())
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        v
    }

    /// Drop presences that were not repeated in time.
    pub fn expire_presence(&self) {
        let now = Instant::now();
        let lapsed: Vec<CustomerId> = {
            let mut map = self.presence.lock().expect("presence lock");
            let gone: Vec<AgentId> = map
                .iter()
                .filter(|(_, v)| v.until <= now)
                .map(|(k, _)| *k)
                .collect();
            gone.iter()
                .filter_map(|k| map.remove(k).map(|v| v.customer))
                .collect()
        };
        for c in lapsed {
            self.publish_presence(c);
        }
    }

    fn publish_presence(&self, customer: CustomerId) {
        let viewers = self.viewers(customer, None);
        self.publish_ephemeral(
            Some(customer),
            EventBody::Presence(Presence {
                customer_id: customer,
                viewers,
            }),
        );
    }

    // ------------------------------------------------------------ streams

    /// Every event after `resume` (the client's `Last-Event-ID`), then live
    /// ones, forever, as `viewer` (an agent, when the stream is one's) of
    /// `role` gets them. Without `resume` the stream starts at the present.
    pub fn stream(
        self: &Arc<Self>,
        db: Db,
        resume: Option<i64>,
        viewer: Option<AgentId>,
        role: Role,
    ) -> impl Stream<Item = Event> + Send + use<> {
        let this = Arc::clone(self);
        async_stream::stream! {
            let mut latest = this.latest.subscribe();
            let mut durable = this.durable.subscribe();
            let mut ephemeral = this.ephemeral.subscribe();
            let mut closing = this.closing.subscribe();
            let mut last = loop {
                match start_point(&db, resume).await {
                    Ok((last, resync)) => {
                        if resync {
                            yield Event { id: None, at: Utc::now(), by: None, customer_id: None, body: EventBody::Resync };
                        }
                        break last;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event stream cannot read the log; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            // The log is read when a newer commit is known that did not
            // arrive in memory in order (and once at the start); an
            // ephemeral event alone does not send a stream to the database.
            let mut behind = true;
            loop {
                // Catch up from the log.
                while behind {
                    match read_after(&db, last, CATCH_UP_BATCH).await {
                        Ok(batch) => {
                            let full = batch.len() as i64 == CATCH_UP_BATCH;
                            for (id, e) in batch {
                                last = id;
                                if let Some(e) = e {
                                    yield e;
                                }
                            }
                            if !full {
                                behind = false;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "event stream cannot read the log; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
                // Wait for the next commit or ephemeral event.
                if *closing.borrow_and_update() {
                    break;
                }
                tokio::select! {
                    biased;
                    _ = closing.changed() => break,
                    got = durable.recv() => match got {
                        Ok(e) => {
                            let id = e.id.unwrap_or(0);
                            if id == last + 1 {
                                last = id;
                                yield for_viewer(&e, viewer);
                            } else if id > last {
                                behind = true;
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => behind = true,
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    changed = latest.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        behind = *latest.borrow_and_update() > last;
                    }
                    got = ephemeral.recv() => match got {
                        Ok((to, e)) if to.includes(role) => yield (*e).clone(),
                        Ok(_) => {}
                        // Ephemeral events only describe the present: a
                        // missed one is superseded by the next.
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                }
            }
        }
    }

    /// Remove events older than [`KEEP_FOR`], keeping the newest
    /// [`KEEP_EVENTS`] whatever their age.
    pub async fn prune(db: &Db) -> Result<u64> {
        let cutoff = Utc::now().timestamp() - KEEP_FOR.as_secs() as i64;
        let done = sqlx::query(
            "DELETE FROM events WHERE at < ? AND id <= (SELECT MAX(id) FROM events) - ?",
        )
        .bind(cutoff)
        .bind(KEEP_EVENTS)
        .execute(db.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

/// Where a stream starts, and whether the client must resync first.
async fn start_point(db: &Db, resume: Option<i64>) -> Result<(i64, bool)> {
    let (oldest, newest): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MIN(id), MAX(id) FROM events")
            .fetch_one(db.pool())
            .await?;
    // The highest id ever handed out, even when every row has been pruned.
    let issued: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)",
    )
    .fetch_one(db.pool())
    .await?;
    let newest = newest.unwrap_or(issued);
    Ok(match resume {
        None => (newest, false),
        Some(id) => {
            // Ids from the future belong to another database; ids before
            // the oldest kept row (less one) lost events to pruning.
            let first_kept = oldest.unwrap_or(issued + 1);
            if id > issued || id + 1 < first_kept {
                (newest, true)
            } else {
                (id, false)
            }
        }
    })
}

/// The rows after `after`, each with its event, or None for a row this
/// version cannot read (written by a newer server): it is skipped with a
/// warning rather than stopping the stream.
async fn read_after(db: &Db, after: i64, limit: i64) -> Result<Vec<(i64, Option<Event>)>> {
    let rows: Vec<(i64, i64, Option<i64>, String)> = sqlx::query_as(
        "SELECT id, at, customer_id, payload FROM events WHERE id > ? ORDER BY id LIMIT ?",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, customer_id, payload)| {
            let event = match serde_json::from_str::<Stored>(&payload) {
                Ok(s) => Some(Event {
                    id: Some(id),
                    at: from_epoch(at),
                    by: s.by,
                    customer_id,
                    body: s.body,
                }),
                Err(e) => {
                    tracing::warn!(id, error = %e, "skipping an event this version cannot read");
                    None
                }
            };
            (id, event)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use rapport_api::Presence;

    fn presence(c: CustomerId) -> EventBody {
        EventBody::Presence(Presence {
            customer_id: c,
            viewers: vec![],
        })
    }

    async fn commit(db: &Db, events: &Events, c: CustomerId) -> i64 {
        let e = commit_quietly(db, c).await;
        events.committed_events(std::slice::from_ref(&e));
        e.id.unwrap()
    }

    /// Committed, not announced (as by another process).
    async fn commit_quietly(db: &Db, c: CustomerId) -> Event {
        let mut tx = db.write().await.unwrap();
        let e = record(&mut tx, Utc::now(), None, Some(c), &presence(c))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        e
    }

    /// A new database and the events of a server on it (keep the
    /// directory alive).
    async fn fresh() -> (tempfile::TempDir, Db, Arc<Events>) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect_path(&dir.path().join("events.sqlite"))
            .await
            .unwrap();
        (dir, db, Arc::new(Events::default()))
    }

    /// (id, customer) of the next event, or None if none comes soon.
    async fn next(
        s: &mut (impl Stream<Item = Event> + Unpin),
    ) -> Option<(Option<i64>, Option<CustomerId>)> {
        tokio::time::timeout(Duration::from_millis(300), s.next())
            .await
            .ok()
            .flatten()
            .map(|e| (e.id, e.customer_id))
    }

    /// A stream reads the log only when a newer commit is known; ephemeral
    /// events in between lose nothing and reorder nothing.
    #[tokio::test]
    async fn a_stream_gets_ephemeral_and_committed_events_in_order() {
        let (_dir, db, events) = fresh().await;
        commit(&db, &events, 1).await;
        let mut s = Box::pin(events.stream(db.clone(), None, None, Role::Agent));
        assert_eq!(next(&mut s).await, None, "starts at the present");

        events.publish_ephemeral(Some(2), presence(2));
        assert_eq!(next(&mut s).await, Some((None, Some(2))));
        let three = commit(&db, &events, 3).await;
        assert_eq!(next(&mut s).await, Some((Some(three), Some(3))));

        // Both ready at once: which comes first is not promised (the
        // ephemeral ones describe the present, not a point in the log), but
        // both come, once.
        events.publish_ephemeral(Some(4), presence(4));
        let five = commit(&db, &events, 5).await;
        let mut got = vec![next(&mut s).await, next(&mut s).await];
        got.sort();
        assert_eq!(
            got,
            vec![Some((None, Some(4))), Some((Some(five), Some(5)))]
        );

        // Durable events keep the log's order.
        let six = commit(&db, &events, 6).await;
        let seven = commit(&db, &events, 7).await;
        events.publish_ephemeral(Some(8), presence(8));
        let got: Vec<_> = [next(&mut s).await, next(&mut s).await, next(&mut s).await]
            .into_iter()
            .flatten()
            .collect();
        let durable: Vec<_> = got.iter().filter(|e| e.0.is_some()).copied().collect();
        assert_eq!(durable, vec![(Some(six), Some(6)), (Some(seven), Some(7))]);
        assert!(got.contains(&(None, Some(8))), "{got:?}");

        // An id already seen announced again sends nothing twice.
        events.committed(seven);
        assert_eq!(next(&mut s).await, None);
        // A commit made elsewhere (no announcement) arrives once polled.
        let nine = commit_quietly(&db, 9).await.id;
        events.publish_ephemeral(Some(10), presence(10));
        assert_eq!(next(&mut s).await, Some((None, Some(10))));
        assert_eq!(next(&mut s).await, None, "not known yet");
        events.poll(&db).await.unwrap();
        assert_eq!(next(&mut s).await, Some((nine, Some(9))));
    }

    /// The event announced in memory is sent as it is when it follows the
    /// last one sent; announced out of order, the stream reads the log and
    /// sends each once, in the log's order.
    #[tokio::test]
    async fn announced_events_go_out_from_memory_and_gaps_from_the_log() {
        let (_dir, db, events) = fresh().await;
        let mut s = Box::pin(events.stream(db.clone(), None, None, Role::Agent));
        assert_eq!(next(&mut s).await, None);

        // In memory: what was announced is what is sent, although the
        // log's row says otherwise (a presence for customer 1).
        let mut one = commit_quietly(&db, 1).await;
        one.customer_id = Some(100);
        events.committed_events(std::slice::from_ref(&one));
        assert_eq!(next(&mut s).await, Some((one.id, Some(100))));

        // Two commits announced newest first: the gap sends the stream to
        // the log, which has both; the older announcement adds nothing.
        let two = commit_quietly(&db, 2).await;
        let three = commit_quietly(&db, 3).await;
        events.committed_events(std::slice::from_ref(&three));
        events.committed_events(std::slice::from_ref(&two));
        assert_eq!(next(&mut s).await, Some((two.id, Some(2))));
        assert_eq!(next(&mut s).await, Some((three.id, Some(3))));
        assert_eq!(next(&mut s).await, None);

        // Several in one announcement, in any order: sent in id order.
        let four = commit_quietly(&db, 4).await;
        let five = commit_quietly(&db, 5).await;
        events.committed_events(&[five.clone(), four.clone()]);
        assert_eq!(next(&mut s).await, Some((four.id, Some(4))));
        assert_eq!(next(&mut s).await, Some((five.id, Some(5))));
        assert_eq!(next(&mut s).await, None);
    }
}
