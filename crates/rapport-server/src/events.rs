//! Live events: the durable log behind `GET /v1/events`, the streams that
//! send each event to those it concerns, ephemeral events (who has which
//! customer open, the desk, recomputed figures), and presence itself.
//!
//! A write records its event in the same transaction as the change
//! ([`record`]), so an event exists exactly when the change does, and calls
//! [`Events::committed_events`] with it after the commit. Committed events
//! go out in the log's order, each once: an event announced before one
//! with a lower id waits for it (a moment; then the log is read), and
//! events written by another process on the same database are read from
//! the log once noticed ([`Events::poll`]).
//!
//! Each event goes only to the streams it concerns ([`Audience`] says who
//! that is): an agent gets events about the customers they have open (or
//! opened lately), what they did themselves, their own state and calls,
//! what became of the recovery actions they asked for, and the queues'
//! figures; supervisors get the desk with its agents table, everyone's
//! state, and every complaint and recovery action besides. A stream that
//! resumes with `Last-Event-ID` is sent the durable events after it that
//! it would have been sent live, read from the log and chosen by the same
//! rule. So the work of one event does not grow with the number of streams
//! open, and each is encoded once, its bytes shared by every stream that
//! sends it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use futures::Stream;
use rapport_api::{AgentId, AgentRef, CustomerId, Event, EventBody, Presence, Role};
use sqlx::SqliteConnection;
use tokio::sync::{Notify, mpsc, watch};

use crate::Db;
use crate::error::{Error, Result};
use crate::store::{Conn, Store, from_epoch};

/// How long a presence lasts unless the client repeats it.
pub const PRESENCE_TTL: Duration = Duration::from_secs(60);
/// How long an agent's stream keeps getting events about a customer after
/// the agent last opened or showed presence on them. Longer than
/// presence, so a client that missed a repeat (a break in the
/// connection) misses no event about the customer it shows.
pub const INTEREST_TTL: Duration = Duration::from_secs(300);
/// At most this many customers per agent (the most recent).
const MAX_INTEREST: usize = 16;
/// A stream that resumes for an agent this process has not heard from
/// since it started (a restart) gets every customer's events until the
/// agent says what they have open, or for this long.
pub const UNKNOWN_INTEREST: Duration = Duration::from_secs(60);
/// Events kept at least this long, and at least [`KEEP_EVENTS`] of them, for
/// clients resuming after a break.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);
pub const KEEP_EVENTS: i64 = 10_000;
/// Rows read per query while a stream catches up.
const CATCH_UP_BATCH: i64 = 500;
/// Messages waiting for one stream. A stream further behind is sent
/// nothing more until it has caught up from the log.
const STREAM_BUFFER: usize = 1024;
/// Messages written to a socket at once, at most.
const WRITE_BATCH: usize = 256;
/// How long an event announced before a lower id waits for that id to be
/// announced before the log is read.
const GAP_GRACE: Duration = Duration::from_millis(20);

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
    record_in(&mut *Conn::borrow_sqlite(conn), at, by, customer_id, body).await
}

/// [`record`] on either backend: append to the log through the store (on
/// PostgreSQL this orders the transaction's commit after every earlier
/// append, so ids commit in order; see `store::events`).
pub async fn record_in(
    store: &mut dyn Store,
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
    let id = store
        .append_event(
            at.timestamp(),
            body.kind(),
            customer_id,
            by.map(|a| a.id),
            &payload,
        )
        .await?;
    Ok(Event {
        id: Some(id),
        at: from_epoch(at.timestamp()),
        by: by.cloned(),
        customer_id,
        body: body.clone(),
    })
}

/// What the `payload` column holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    by: Option<AgentRef>,
    #[serde(flatten)]
    body: EventBody,
}

/// An event as it goes out: the event, and its server-sent-events message,
/// made the first time a stream sends it and shared by every stream that
/// does.
#[derive(Debug)]
pub struct Outgoing {
    pub event: Event,
    sse: OnceLock<Bytes>,
}

impl Outgoing {
    pub fn new(event: Event) -> Arc<Outgoing> {
        Arc::new(Outgoing {
            event,
            sse: OnceLock::new(),
        })
    }

    /// The SSE message: `event:` the kind, `id:` for durable events,
    /// `data:` the event's JSON (one line: JSON escapes line breaks).
    pub fn sse(&self) -> &Bytes {
        self.sse.get_or_init(|| sse_message(&self.event))
    }
}

fn sse_message(e: &Event) -> Bytes {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".to_string());
    let mut m = String::with_capacity(data.len() + 48);
    m.push_str("event: ");
    m.push_str(e.body.kind());
    m.push('\n');
    if let Some(id) = e.id {
        m.push_str("id: ");
        m.push_str(&id.to_string());
        m.push('\n');
    }
    m.push_str("data: ");
    m.push_str(&data);
    m.push_str("\n\n");
    Bytes::from(m)
}

/// `e` without the caller's view that comes with a call routed to an
/// agent (it is for that agent's stream only), or None when it has none.
fn without_view(e: &Event) -> Option<Event> {
    match &e.body {
        EventBody::AgentState(st) if st.caller_view.is_some() => {
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
            Some(Event {
                id: e.id,
                at: e.at,
                by: e.by.clone(),
                customer_id: e.customer_id,
                body: EventBody::AgentState(st),
            })
        }
        _ => None,
    }
}

/// Who an ephemeral event sent by role is for (the desk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Supervisors and admins.
    Supervisors,
    /// Agents (the role).
    Agents,
}

/// Whose stream it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// A person's stream: an agent's, a supervisor's or an admin's.
    Person { agent: AgentId, role: Role },
    /// The server's own follower of every durable event (analytics).
    Everything,
}

struct Sub {
    reader: Reader,
    tx: mpsc::Sender<Arc<Outgoing>>,
    /// Set when the stream's buffer was full: it is sent nothing more
    /// until it has read what it missed from the log.
    lagged: Arc<AtomicBool>,
    /// Every customer's events until then (see [`UNKNOWN_INTEREST`]).
    any_customer_until: Option<Instant>,
}

impl Sub {
    /// Offer `m` to the stream; a full buffer marks it lagged.
    fn offer(&self, m: &Arc<Outgoing>) {
        if self.lagged.load(Ordering::Acquire) {
            return;
        }
        match self.tx.try_send(Arc::clone(m)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.lagged.store(true, Ordering::Release);
            }
            // The stream is gone; its guard removes it.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// Streams and what they are sent, behind one lock.
#[derive(Default)]
struct Hub {
    /// Every durable event up to this id has been offered to the streams
    /// it concerns.
    dispatched: i64,
    /// Committed events announced before a lower id was.
    pending: BTreeMap<i64, Event>,
    subs: HashMap<u64, Sub>,
    next_sub: u64,
    by_agent: HashMap<AgentId, Vec<u64>>,
    /// People's streams by role: agents, and supervisors with admins.
    agents: HashSet<u64>,
    supervisors: HashSet<u64>,
    everything: HashSet<u64>,
    /// Streams getting every customer's events for now.
    any_customer: HashSet<u64>,
    /// Who gets events about a customer, and until when.
    interest: HashMap<CustomerId, HashMap<AgentId, Instant>>,
    /// The same by agent, most recent last.
    interested_in: HashMap<AgentId, Vec<CustomerId>>,
    /// Agents who have said what they have open since this process
    /// started.
    heard_from: HashSet<AgentId>,
}

impl Hub {
    fn interested(&self, agent: AgentId, customer: CustomerId, now: Instant) -> bool {
        self.interest
            .get(&customer)
            .and_then(|m| m.get(&agent))
            .is_some_and(|until| *until > now)
    }

    fn note_interest(&mut self, agent: AgentId, customer: CustomerId, now: Instant) {
        self.interest
            .entry(customer)
            .or_default()
            .insert(agent, now + INTEREST_TTL);
        let list = self.interested_in.entry(agent).or_default();
        list.retain(|c| *c != customer);
        list.push(customer);
        if list.len() > MAX_INTEREST {
            let dropped = list.remove(0);
            if let Some(m) = self.interest.get_mut(&dropped) {
                m.remove(&agent);
                if m.is_empty() {
                    self.interest.remove(&dropped);
                }
            }
        }
    }

    /// `agent` said what they have open: their streams follow what they
    /// have open from now on.
    fn heard(&mut self, agent: AgentId) {
        if self.heard_from.insert(agent)
            && let Some(ids) = self.by_agent.get(&agent)
        {
            for id in ids {
                if let Some(s) = self.subs.get_mut(id) {
                    s.any_customer_until = None;
                }
                self.any_customer.remove(id);
            }
        }
    }

    fn expire(&mut self, now: Instant) {
        self.interest.retain(|_, m| {
            m.retain(|_, until| *until > now);
            !m.is_empty()
        });
        let interest = &self.interest;
        self.interested_in.retain(|agent, list| {
            list.retain(|c| interest.get(c).is_some_and(|m| m.contains_key(agent)));
            !list.is_empty()
        });
        let lapsed: Vec<u64> = self
            .any_customer
            .iter()
            .copied()
            .filter(|id| {
                self.subs
                    .get(id)
                    .and_then(|s| s.any_customer_until)
                    .is_none_or(|t| t <= now)
            })
            .collect();
        for id in lapsed {
            self.any_customer.remove(&id);
            if let Some(s) = self.subs.get_mut(&id) {
                s.any_customer_until = None;
            }
        }
    }

    /// Whether the stream of `reader` is sent `e`: the one rule for live
    /// events and for those replayed from the log.
    fn wants(&self, reader: Reader, any_customer: bool, e: &Event, now: Instant) -> bool {
        let (me, role) = match reader {
            Reader::Everything => return e.id.is_some(),
            Reader::Person { agent, role } => (agent, role),
        };
        let supervisor = role != Role::Agent;
        let about_mine = || {
            e.by.as_ref().is_some_and(|b| b.id == me)
                || e.customer_id
                    .is_some_and(|c| any_customer || self.interested(me, c, now))
        };
        match &e.body {
            // Sent by role (the agents' copy has no agents table).
            EventBody::Desk(_) => true,
            EventBody::Resync => true,
            EventBody::AgentState(st) => supervisor || st.agent.id == me,
            EventBody::ComplaintCreated(_) | EventBody::ComplaintUpdated(_) => {
                supervisor || about_mine()
            }
            EventBody::RecoveryActionChanged(a) => {
                supervisor || a.requested_by.id == me || about_mine()
            }
            EventBody::InteractionCreated(_)
            | EventBody::PreferencesUpdated(_)
            | EventBody::Presence(_)
            | EventBody::OrderCreated(_)
            | EventBody::SuggestionResponded(_)
            | EventBody::AnalyticsUpdated(_) => about_mine(),
        }
    }

    /// The streams that may want `e`, each once: those of the agents it
    /// is about, by or for, and the supervisors' for what they all get.
    fn candidates(&self, e: &Event, now: Instant) -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        let mut agent = |a: AgentId| {
            if let Some(ids) = self.by_agent.get(&a) {
                out.extend(ids);
            }
        };
        if let Some(b) = &e.by {
            agent(b.id);
        }
        match &e.body {
            EventBody::AgentState(st) => agent(st.agent.id),
            EventBody::RecoveryActionChanged(a) => agent(a.requested_by.id),
            _ => {}
        }
        if let Some(c) = e.customer_id
            && let Some(m) = self.interest.get(&c)
        {
            for (a, until) in m {
                if *until > now {
                    agent(*a);
                }
            }
        }
        if matches!(
            e.body,
            EventBody::AgentState(_)
                | EventBody::ComplaintCreated(_)
                | EventBody::ComplaintUpdated(_)
                | EventBody::RecoveryActionChanged(_)
        ) {
            out.extend(&self.supervisors);
        }
        if e.customer_id.is_some() {
            out.extend(&self.any_customer);
        }
        if e.id.is_some() {
            out.extend(&self.everything);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Offer `e` to every stream that wants it.
    fn deliver(&mut self, e: Event) {
        let now = Instant::now();
        // A call routed to an agent: events about the caller follow it to
        // them from now on (their client opens the caller).
        if let EventBody::AgentState(st) = &e.body
            && st.state == rapport_api::AgentState::OnCall
            && let Some(c) = st.call.as_ref().and_then(|c| c.customer_id)
        {
            self.note_interest(st.agent.id, c, now);
        }
        let targets = self.candidates(&e, now);
        if targets.is_empty() {
            return;
        }
        let stripped = without_view(&e).map(Outgoing::new);
        let full = Outgoing::new(e);
        for id in targets {
            let Some(s) = self.subs.get(&id) else {
                continue;
            };
            if !self.wants(s.reader, s.any_customer_until.is_some(), &full.event, now) {
                continue;
            }
            let m = match (&stripped, s.reader) {
                (Some(st), Reader::Person { agent, .. }) if !owns_view(&full.event, agent) => st,
                _ => &full,
            };
            s.offer(m);
        }
    }

    /// Dispatch the pending events that follow the last one dispatched.
    fn drain(&mut self) {
        while let Some(entry) = self.pending.first_entry() {
            let id = *entry.key();
            if id <= self.dispatched {
                entry.remove();
                continue;
            }
            if id != self.dispatched + 1 {
                break;
            }
            let e = entry.remove();
            self.dispatched = id;
            self.deliver(e);
        }
    }

    fn remove(&mut self, id: u64) {
        let Some(s) = self.subs.remove(&id) else {
            return;
        };
        if let Reader::Person { agent, .. } = s.reader
            && let Some(v) = self.by_agent.get_mut(&agent)
        {
            v.retain(|x| *x != id);
            if v.is_empty() {
                self.by_agent.remove(&agent);
            }
        }
        self.agents.remove(&id);
        self.supervisors.remove(&id);
        self.everything.remove(&id);
        self.any_customer.remove(&id);
    }
}

/// Whether `agent` is the one the caller's view in `e` is for.
fn owns_view(e: &Event, agent: AgentId) -> bool {
    matches!(&e.body, EventBody::AgentState(st) if st.agent.id == agent)
}

struct Viewing {
    agent: AgentRef,
    customer: CustomerId,
    until: Instant,
}

/// Shared by every request handler and stream of one server.
pub struct Events {
    hub: Mutex<Hub>,
    /// The highest committed event id this process knows of.
    latest: watch::Sender<i64>,
    /// Set when the server stops: every open stream ends, so a graceful
    /// shutdown does not wait on connections that never finish.
    closing: watch::Sender<bool>,
    presence: Mutex<HashMap<AgentId, Viewing>>,
    /// People's streams open.
    open: AtomicUsize,
    /// The database the log is read from when an event is missing.
    db: OnceLock<Db>,
    /// Wakes the reader of missing events.
    gap: Arc<Notify>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            hub: Mutex::new(Hub::default()),
            latest: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            presence: Mutex::new(HashMap::new()),
            open: AtomicUsize::new(0),
            db: OnceLock::new(),
            gap: Arc::new(Notify::new()),
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
    fn hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Read missing events from `db` (the first database given wins; one
    /// server has one).
    fn use_db(self: &Arc<Self>, db: &Db) {
        if self.db.set(db.clone()).is_ok() {
            let this = Arc::downgrade(self);
            let gap = Arc::clone(&self.gap);
            tokio::spawn(async move {
                loop {
                    gap.notified().await;
                    tokio::time::sleep(GAP_GRACE).await;
                    let Some(this) = this.upgrade() else {
                        return;
                    };
                    if let Err(e) = this.fill().await {
                        tracing::warn!(error = %e, "could not read missing events from the log; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        this.gap.notify_one();
                    }
                }
            });
        }
    }

    /// These events are committed: send them to the streams they concern,
    /// in the log's order.
    pub fn committed_events(&self, events: &[Event]) {
        let mut max = 0;
        let gap = {
            let mut hub = self.hub();
            for e in events {
                let Some(id) = e.id else { continue };
                max = max.max(id);
                if id > hub.dispatched {
                    hub.pending.entry(id).or_insert_with(|| e.clone());
                }
            }
            hub.drain();
            !hub.pending.is_empty()
        };
        if max > 0 {
            self.latest.send_if_modified(|v| {
                if max > *v {
                    *v = max;
                    true
                } else {
                    false
                }
            });
        }
        if gap {
            self.gap.notify_one();
        }
    }

    /// An event with this id is committed (it is read from the log).
    pub fn committed(&self, id: i64) {
        self.latest.send_if_modified(|v| {
            if id > *v {
                *v = id;
                true
            } else {
                false
            }
        });
        if id > self.hub().dispatched {
            self.gap.notify_one();
        }
    }

    /// Send the committed events not announced in memory, read from the
    /// log, in order with those that were.
    async fn fill(&self) -> Result<()> {
        let Some(db) = self.db.get() else {
            return Ok(());
        };
        loop {
            let from = {
                let hub = self.hub();
                let want =
                    (*self.latest.borrow()).max(hub.pending.keys().last().copied().unwrap_or(0));
                if want <= hub.dispatched {
                    return Ok(());
                }
                hub.dispatched
            };
            let rows = read_after(db, from, i64::MAX, CATCH_UP_BATCH).await?;
            let full = rows.len() as i64 == CATCH_UP_BATCH;
            {
                let mut hub = self.hub();
                for (id, e) in rows {
                    if id <= hub.dispatched {
                        continue;
                    }
                    // What was announced in memory may carry more than the
                    // log (the caller's view with a routed call).
                    let e = hub.pending.remove(&id).or(e);
                    hub.dispatched = id;
                    if let Some(e) = e {
                        hub.deliver(e);
                    }
                }
                hub.drain();
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// The highest committed event id this process knows of: every event
    /// committed after this moment has a higher id (one writer at a time
    /// gives ids in commit order).
    pub fn latest_id(&self) -> i64 {
        *self.latest.borrow()
    }

    /// How many people's event streams are open (ephemeral events with
    /// nobody to read them need not be made).
    pub fn streams(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// End every open stream (the server is stopping).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Notice events written by other processes.
    pub async fn poll(self: &Arc<Self>, db: &Db) -> Result<()> {
        let first = self.db.get().is_none();
        self.use_db(db);
        let max = db.read().await?.last_event_id().await?;
        let Some(max) = max else {
            return Ok(());
        };
        if first {
            // A server starting: what the log holds already is the past
            // (streams resuming read it themselves).
            let mut hub = self.hub();
            if hub.dispatched == 0 && hub.pending.is_empty() {
                hub.dispatched = max;
            }
        }
        self.committed(max);
        Ok(())
    }

    /// On PostgreSQL, follow the events other servers on the same database
    /// append, as they commit: `LISTEN` on the log's channel as a wake-up
    /// (each notification names an id; the log stays the truth and is read
    /// for anything missed). After the listening connection is lost and
    /// back, the log is checked at once, so nothing announced meanwhile
    /// waits for the next poll. On SQLite there is nothing to listen to
    /// (other processes are noticed by [`Events::poll`]).
    pub async fn listen(self: &Arc<Self>, db: &Db) -> Result<Option<tokio::task::JoinHandle<()>>> {
        let crate::db::Pools::Postgres { read, .. } = &db.pools else {
            return Ok(None);
        };
        self.use_db(db);
        let mut listener = sqlx::postgres::PgListener::connect_with(read).await?;
        listener.listen(crate::store::EVENTS_CHANNEL).await?;
        let this = Arc::downgrade(self);
        let db = db.clone();
        Ok(Some(tokio::spawn(async move {
            loop {
                let got = listener.try_recv().await;
                let Some(events) = this.upgrade() else {
                    return;
                };
                match got {
                    Ok(Some(n)) => match n.payload().parse::<i64>() {
                        Ok(id) => events.committed(id),
                        Err(_) => {
                            tracing::warn!("an event notification without an id; reading the log")
                        }
                    },
                    // The connection was lost and is back: what was
                    // announced meanwhile is in the log.
                    Ok(None) => {
                        if let Err(e) = events.poll(&db).await {
                            tracing::warn!(error = %e, "could not check the event log");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the event notifications; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        })))
    }

    /// Send an event that is not stored (it is not replayed on resume) to
    /// the streams it concerns (those of the agents with the customer
    /// open, for an event about a customer).
    pub fn publish_ephemeral(&self, customer_id: Option<CustomerId>, body: EventBody) {
        let mut hub = self.hub();
        hub.deliver(Event {
            id: None,
            at: Utc::now(),
            by: None,
            customer_id,
            body,
        });
    }

    /// Send an ephemeral event to every stream of `audience` (the desk).
    pub fn publish_ephemeral_to(
        &self,
        audience: Audience,
        customer_id: Option<CustomerId>,
        body: EventBody,
    ) {
        let m = Outgoing::new(Event {
            id: None,
            at: Utc::now(),
            by: None,
            customer_id,
            body,
        });
        let hub = self.hub();
        let to = match audience {
            Audience::Agents => &hub.agents,
            Audience::Supervisors => &hub.supervisors,
        };
        for id in to {
            if let Some(s) = hub.subs.get(id) {
                s.offer(&m);
            }
        }
    }

    // ------------------------------------------------------------ presence

    /// `agent`'s stream gets events about `customer` for a while (they
    /// opened the customer's view).
    pub fn note_interest(&self, agent: AgentId, customer: CustomerId) {
        let mut hub = self.hub();
        hub.note_interest(agent, customer, Instant::now());
        hub.heard(agent);
    }

    /// `agent` now has `customer` open (or nothing). Publishes presence for
    /// the customers whose viewers changed.
    pub fn set_presence(&self, agent: &AgentRef, customer: Option<CustomerId>) {
        {
            let mut hub = self.hub();
            if let Some(c) = customer {
                hub.note_interest(agent.id, c, Instant::now());
            }
            hub.heard(agent.id);
        }
        let changed = {
            let mut map = self.presence.lock().unwrap_or_else(|p| p.into_inner());
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
        let map = self.presence.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<AgentRef> = map
            .values()
            .filter(|v| v.customer == customer && v.until > now && Some(v.agent.id) != except)
            .map(|v| v.agent.clone())
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        v
    }

    /// Drop presences that were not repeated in time, and interest that
    /// lapsed.
    pub fn expire_presence(&self) {
        let now = Instant::now();
        self.hub().expire(now);
        let lapsed: Vec<CustomerId> = {
            let mut map = self.presence.lock().unwrap_or_else(|p| p.into_inner());
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

    /// The events `viewer` (of `role`) is sent: every one after `resume`
    /// (the client's `Last-Event-ID`) that concerns them, then live ones,
    /// until the server stops, in batches of what is ready at once.
    /// Without `resume` the stream starts at the present.
    pub fn batches(
        self: &Arc<Self>,
        db: Db,
        resume: Option<i64>,
        viewer: AgentId,
        role: Role,
    ) -> impl Stream<Item = Vec<Arc<Outgoing>>> + Send + use<> {
        self.open_stream(
            db,
            resume,
            Reader::Person {
                agent: viewer,
                role,
            },
        )
    }

    /// [`Events::batches`] one event at a time.
    pub fn stream(
        self: &Arc<Self>,
        db: Db,
        resume: Option<i64>,
        viewer: AgentId,
        role: Role,
    ) -> impl Stream<Item = Event> + Send + use<> {
        flatten(self.batches(db, resume, viewer, role))
    }

    /// Every durable event after `resume`, then live ones, in the log's
    /// order: for the server's own followers (analytics).
    pub fn everything(
        self: &Arc<Self>,
        db: Db,
        resume: i64,
    ) -> impl Stream<Item = Event> + Send + use<> {
        flatten(self.open_stream(db, Some(resume), Reader::Everything))
    }

    fn open_stream(
        self: &Arc<Self>,
        db: Db,
        resume: Option<i64>,
        reader: Reader,
    ) -> impl Stream<Item = Vec<Arc<Outgoing>>> + Send + use<> {
        let this = Arc::clone(self);
        async_stream::stream! {
            this.use_db(&db);
            let mut closing = this.closing.subscribe();
            let (tx, mut rx) = mpsc::channel(STREAM_BUFFER);
            let lagged = Arc::new(AtomicBool::new(false));
            // Registered before anything is read: every event dispatched
            // from now on is offered to it, every earlier one is in the log.
            let (guard, mut last) = Registration::new(&this, reader, tx, Arc::clone(&lagged), resume.is_some());
            let mut upto = last;
            if let Some(from) = resume {
                let start = loop {
                    match resync_needed(&db, from).await {
                        Ok(r) => break r,
                        Err(e) => {
                            tracing::warn!(error = %e, "event stream cannot read the log; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                };
                if start {
                    yield vec![Outgoing::new(Event { id: None, at: Utc::now(), by: None, customer_id: None, body: EventBody::Resync })];
                } else {
                    last = from;
                }
            }
            loop {
                // Catch up from the log to what was dispatched when the
                // stream registered (or when it caught up after falling
                // behind).
                while last < upto {
                    match guard.read_log(&db, last, upto).await {
                        Ok((read_to, batch)) => {
                            last = read_to;
                            if !batch.is_empty() {
                                yield batch;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "event stream cannot read the log; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
                if *closing.borrow_and_update() {
                    break;
                }
                let mut got = Vec::new();
                tokio::select! {
                    biased;
                    _ = closing.changed() => break,
                    n = rx.recv_many(&mut got, WRITE_BATCH) => if n == 0 { break },
                }
                got.retain(|m| match m.event.id {
                    Some(id) if id <= last => false,
                    Some(id) => {
                        last = id;
                        true
                    }
                    None => true,
                });
                if !got.is_empty() {
                    yield got;
                }
                // Fell behind: nothing more is offered to it. Read what it
                // missed from the log once its buffer is empty.
                if lagged.load(Ordering::Acquire) && rx.is_empty() {
                    upto = guard.rejoin();
                }
            }
        }
    }

    /// Remove events older than [`KEEP_FOR`], keeping the newest
    /// [`KEEP_EVENTS`] whatever their age.
    pub async fn prune(db: &Db) -> Result<u64> {
        let cutoff = Utc::now().timestamp() - KEEP_FOR.as_secs() as i64;
        db.read().await?.prune_events(cutoff, KEEP_EVENTS).await
    }
}

fn flatten(
    batches: impl Stream<Item = Vec<Arc<Outgoing>>> + Send,
) -> impl Stream<Item = Event> + Send {
    use futures::StreamExt;
    batches.flat_map(|b| futures::stream::iter(b.into_iter().map(|m| m.event.clone())))
}

/// A stream's place among the streams; leaves it when dropped.
struct Registration {
    events: Arc<Events>,
    id: u64,
    reader: Reader,
    lagged: Arc<AtomicBool>,
}

impl Registration {
    /// Register; returns the id of the last event dispatched before.
    fn new(
        events: &Arc<Events>,
        reader: Reader,
        tx: mpsc::Sender<Arc<Outgoing>>,
        lagged: Arc<AtomicBool>,
        resuming: bool,
    ) -> (Registration, i64) {
        let mut hub = events.hub();
        let id = hub.next_sub;
        hub.next_sub += 1;
        let mut any_customer_until = None;
        match reader {
            Reader::Person { agent, role } => {
                hub.by_agent.entry(agent).or_default().push(id);
                if role == Role::Agent {
                    hub.agents.insert(id);
                } else {
                    hub.supervisors.insert(id);
                }
                // After a restart this process does not know what the
                // agent has open: what they missed about any customer is
                // sent until they say.
                if resuming && !hub.heard_from.contains(&agent) {
                    any_customer_until = Some(Instant::now() + UNKNOWN_INTEREST);
                    hub.any_customer.insert(id);
                }
                events.open.fetch_add(1, Ordering::Relaxed);
            }
            Reader::Everything => {
                hub.everything.insert(id);
            }
        }
        hub.subs.insert(
            id,
            Sub {
                reader,
                tx,
                lagged: Arc::clone(&lagged),
                any_customer_until,
            },
        );
        let at = hub.dispatched;
        drop(hub);
        (
            Registration {
                events: Arc::clone(events),
                id,
                reader,
                lagged,
            },
            at,
        )
    }

    /// Offered events again from now on; returns the last one dispatched
    /// before (the stream reads up to it from the log).
    fn rejoin(&self) -> i64 {
        let hub = self.events.hub();
        self.lagged.store(false, Ordering::Release);
        hub.dispatched
    }

    /// The events in (`after`, `upto`] this stream is sent, read from the
    /// log (a batch at a time), and how far the read went.
    async fn read_log(&self, db: &Db, after: i64, upto: i64) -> Result<(i64, Vec<Arc<Outgoing>>)> {
        let rows = read_after(db, after, upto, CATCH_UP_BATCH).await?;
        let read_to = if (rows.len() as i64) < CATCH_UP_BATCH {
            upto
        } else {
            rows.last().map_or(upto, |r| r.0)
        };
        let now = Instant::now();
        let hub = self.events.hub();
        let any_customer = hub
            .subs
            .get(&self.id)
            .is_some_and(|s| s.any_customer_until.is_some());
        let out = rows
            .into_iter()
            .filter_map(|(_, e)| e)
            .filter(|e| hub.wants(self.reader, any_customer, e, now))
            .map(Outgoing::new)
            .collect();
        Ok((read_to, out))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut hub = self.events.hub();
        hub.remove(self.id);
        if matches!(self.reader, Reader::Person { .. }) {
            self.events.open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Whether a stream resuming after `id` must resync first: the id is from
/// the future (another database) or older than the oldest kept row (less
/// one): events were pruned.
async fn resync_needed(db: &Db, id: i64) -> Result<bool> {
    // The highest id ever handed out, even when every row has been pruned.
    let (oldest, issued) = db.read().await?.event_id_bounds().await?;
    let first_kept = oldest.unwrap_or(issued + 1);
    Ok(id > issued || id + 1 < first_kept)
}

/// The rows in (`after`, `upto`], each with its event, or None for a row
/// this version cannot read (written by a newer server): it is skipped
/// with a warning rather than stopping the stream.
async fn read_after(
    db: &Db,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<Event>)>> {
    let rows = db.read().await?.events_after(after, upto, limit).await?;
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
    use rapport_api::{AgentState, AgentStatus, Presence};

    /// A durable event about customer `c` (its body matters little: what
    /// is about a customer goes by the customer).
    fn about(c: CustomerId) -> EventBody {
        EventBody::Presence(Presence {
            customer_id: c,
            viewers: vec![],
        })
    }

    fn agent(id: AgentId) -> AgentRef {
        AgentRef {
            id,
            name: format!("Agent {id}"),
        }
    }

    fn state_of(id: AgentId) -> EventBody {
        EventBody::AgentState(AgentStatus {
            agent: agent(id),
            state: AgentState::Available,
            since: Utc::now(),
            call: None,
            queues: vec![],
            simulated: false,
            caller_view: None,
        })
    }

    /// Recorded and committed, not announced (as by another process).
    async fn commit_quietly(
        db: &Db,
        by: Option<AgentId>,
        c: Option<CustomerId>,
        body: EventBody,
    ) -> Event {
        let mut tx = db.write().await.unwrap();
        let e = record(&mut tx, Utc::now(), by.map(agent).as_ref(), c, &body)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        e
    }

    /// Committed and announced: its id.
    async fn commit(db: &Db, events: &Events, c: CustomerId) -> i64 {
        let e = commit_quietly(db, None, Some(c), about(c)).await;
        events.committed_events(std::slice::from_ref(&e));
        e.id.unwrap()
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

    type Got = (Option<i64>, Option<CustomerId>, &'static str);

    /// (id, customer, kind) of the next event, or None if none comes soon.
    async fn next(s: &mut (impl Stream<Item = Event> + Unpin)) -> Option<Got> {
        tokio::time::timeout(Duration::from_millis(300), s.next())
            .await
            .ok()
            .flatten()
            .map(|e| (e.id, e.customer_id, e.body.kind()))
    }

    /// Everything that comes within a moment.
    async fn all(s: &mut (impl Stream<Item = Event> + Unpin)) -> Vec<Got> {
        let mut v = Vec::new();
        while let Some(g) = next(s).await {
            v.push(g);
        }
        v
    }

    /// Opened and registered (a stream registers when first polled).
    async fn open(
        events: &Arc<Events>,
        db: &Db,
        resume: Option<i64>,
        who: AgentId,
        role: Role,
    ) -> impl Stream<Item = Event> + Unpin + use<> {
        let mut s = Box::pin(events.stream(db.clone(), resume, who, role));
        assert_eq!(next(&mut s).await, None);
        s
    }

    /// Each event reaches the streams it concerns and no other: events
    /// about a customer those who have them open (or caused them), an
    /// agent's state that agent and the supervisors, the desk by role.
    #[tokio::test]
    async fn events_reach_only_the_streams_they_concern() {
        let (_dir, db, events) = fresh().await;
        let mut a = open(&events, &db, None, 1, Role::Agent).await;
        let mut b = open(&events, &db, None, 2, Role::Agent).await;
        let mut sup = open(&events, &db, None, 3, Role::Supervisor).await;
        events.set_presence(&agent(1), Some(10));
        events.note_interest(2, 20);
        // A's presence on 10: A has it open.
        assert_eq!(all(&mut a).await, vec![(None, Some(10), "presence")]);
        assert_eq!(all(&mut b).await, vec![]);

        let ten = commit(&db, &events, 10).await;
        let twenty = commit(&db, &events, 20).await;
        let thirty = commit(&db, &events, 30).await;
        assert_eq!(all(&mut a).await, vec![(Some(ten), Some(10), "presence")]);
        assert_eq!(
            all(&mut b).await,
            vec![(Some(twenty), Some(20), "presence")]
        );
        assert_eq!(all(&mut sup).await, vec![], "{thirty}: nobody has 30 open");

        // What B did about 30, B gets; an agent's state goes to them and
        // the supervisors.
        let by_b = commit_quietly(&db, Some(2), Some(30), about(30)).await;
        let st = commit_quietly(&db, Some(1), None, state_of(1)).await;
        events.committed_events(&[by_b.clone(), st.clone()]);
        assert_eq!(all(&mut a).await, vec![(st.id, None, "agent_state")]);
        assert_eq!(all(&mut b).await, vec![(by_b.id, Some(30), "presence")]);
        assert_eq!(all(&mut sup).await, vec![(st.id, None, "agent_state")]);

        // By role (as the desk goes: the body here is a stand-in); and
        // what is about a customer to those who have them open.
        events.publish_ephemeral_to(Audience::Agents, None, EventBody::Resync);
        events.publish_ephemeral_to(Audience::Supervisors, Some(1), EventBody::Resync);
        events.publish_ephemeral(Some(20), about(20));
        assert_eq!(all(&mut a).await, vec![(None, None, "resync")]);
        assert_eq!(
            all(&mut b).await,
            vec![(None, None, "resync"), (None, Some(20), "presence")]
        );
        assert_eq!(all(&mut sup).await, vec![(None, Some(1), "resync")]);
    }

    /// With one stream per agent and each agent on their own customer,
    /// one event per agent makes one message per agent: the messages grow
    /// with the agents, not with their square.
    #[tokio::test]
    async fn messages_grow_with_the_agents_not_their_square() {
        let (_dir, db, events) = fresh().await;
        let n = 60;
        let mut streams = Vec::new();
        for a in 1..=n {
            let s = open(&events, &db, None, a, Role::Agent).await;
            events.note_interest(a, 1000 + a);
            streams.push(s);
        }
        let mut tx = db.write().await.unwrap();
        let mut made = Vec::new();
        for a in 1..=n {
            let c = 1000 + a;
            made.push(
                record(&mut tx, Utc::now(), None, Some(c), &about(c))
                    .await
                    .unwrap(),
            );
        }
        tx.commit().await.unwrap();
        events.committed_events(&made);
        for a in 1..=n {
            events.publish_ephemeral(Some(1000 + a), about(1000 + a));
        }
        let mut total = 0;
        for (i, s) in streams.iter_mut().enumerate() {
            let got = all(s).await;
            let c = 1000 + i as i64 + 1;
            assert!(got.iter().all(|g| g.1 == Some(c)), "{got:?}");
            total += got.len();
        }
        assert_eq!(total, 2 * n as usize);
    }

    /// A stream resuming with Last-Event-ID gets from the log exactly the
    /// events it would have got live, then the live ones, in order.
    #[tokio::test]
    async fn a_resumed_stream_gets_from_the_log_what_it_would_have_got_live() {
        let (_dir, db, events) = fresh().await;
        events.set_presence(&agent(1), Some(10));
        let start = commit(&db, &events, 99).await;
        let e1 = commit(&db, &events, 10).await;
        commit(&db, &events, 20).await;
        let st = commit_quietly(&db, None, None, state_of(1)).await;
        events.committed_events(std::slice::from_ref(&st));
        let e2 = commit(&db, &events, 10).await;
        let mut s = Box::pin(events.stream(db.clone(), Some(start), 1, Role::Agent));
        let e3 = commit(&db, &events, 10).await;
        commit(&db, &events, 20).await;
        assert_eq!(
            all(&mut s).await,
            vec![
                (Some(e1), Some(10), "presence"),
                (st.id, None, "agent_state"),
                (Some(e2), Some(10), "presence"),
                (Some(e3), Some(10), "presence"),
            ]
        );
        // An id from the future (another database): resync, then live.
        let mut s = Box::pin(events.stream(db.clone(), Some(e3 + 100), 1, Role::Agent));
        assert_eq!(next(&mut s).await, Some((None, None, "resync")));
        let e4 = commit(&db, &events, 10).await;
        assert_eq!(all(&mut s).await, vec![(Some(e4), Some(10), "presence")]);
    }

    /// Announced out of order, events go out in the log's order, once; a
    /// commit nobody announced (another process) goes out once polled.
    #[tokio::test]
    async fn events_go_out_in_the_logs_order_whatever_the_order_of_announcement() {
        let (_dir, db, events) = fresh().await;
        events.note_interest(1, 5);
        let mut s = open(&events, &db, None, 1, Role::Agent).await;
        // In memory: what was announced is what is sent, although the
        // log's row says otherwise.
        let mut one = commit_quietly(&db, None, Some(5), about(5)).await;
        one.body = about(5);
        one.at = DateTime::from_timestamp(0, 0).unwrap();
        events.committed_events(std::slice::from_ref(&one));
        let got = s.next().await.unwrap();
        assert_eq!((got.id, got.at), (one.id, one.at));

        let two = commit_quietly(&db, None, Some(5), about(5)).await;
        let three = commit_quietly(&db, None, Some(5), about(5)).await;
        events.committed_events(std::slice::from_ref(&three));
        events.committed_events(std::slice::from_ref(&two));
        let four = commit_quietly(&db, None, Some(5), about(5)).await;
        let five = commit_quietly(&db, None, Some(5), about(5)).await;
        events.committed_events(&[five.clone(), four.clone()]);
        assert_eq!(
            all(&mut s).await.iter().map(|g| g.0).collect::<Vec<_>>(),
            vec![two.id, three.id, four.id, five.id]
        );
        // Announced again: nothing twice.
        events.committed_events(std::slice::from_ref(&five));
        assert_eq!(next(&mut s).await, None);

        // Only the later of two announced: the earlier is read from the
        // log after a moment, and both go out in order.
        let six = commit_quietly(&db, None, Some(5), about(5)).await;
        let seven = commit_quietly(&db, None, Some(5), about(5)).await;
        events.committed_events(std::slice::from_ref(&seven));
        assert_eq!(
            all(&mut s).await.iter().map(|g| g.0).collect::<Vec<_>>(),
            vec![six.id, seven.id]
        );
        // Written by another process: sent once noticed.
        let eight = commit_quietly(&db, None, Some(5), about(5)).await;
        assert_eq!(next(&mut s).await, None, "not noticed yet");
        events.poll(&db).await.unwrap();
        assert_eq!(next(&mut s).await.map(|g| g.0), Some(eight.id));
    }

    /// A stream that does not read falls behind; once it reads again it
    /// gets every event it should have, from the log, once and in order.
    #[tokio::test]
    async fn a_stream_that_falls_behind_catches_up_from_the_log() {
        let (_dir, db, events) = fresh().await;
        events.note_interest(1, 5);
        let mut s = open(&events, &db, None, 1, Role::Agent).await;
        let n = STREAM_BUFFER + 300;
        let mut tx = db.write().await.unwrap();
        let mut made = Vec::new();
        for i in 0..n {
            let c = if i % 3 == 0 { 6 } else { 5 };
            made.push(
                record(&mut tx, Utc::now(), None, Some(c), &about(c))
                    .await
                    .unwrap(),
            );
        }
        tx.commit().await.unwrap();
        for chunk in made.chunks(100) {
            events.committed_events(chunk);
        }
        let last = commit(&db, &events, 5).await;
        let want: Vec<i64> = made
            .iter()
            .filter(|e| e.customer_id == Some(5))
            .filter_map(|e| e.id)
            .chain([last])
            .collect();
        let got: Vec<i64> = all(&mut s).await.iter().filter_map(|g| g.0).collect();
        assert_eq!(got, want);
    }

    /// After a restart the server does not know what an agent has open: a
    /// stream that resumes gets what it missed about any customer, until
    /// the agent says what they have open.
    #[tokio::test]
    async fn after_a_restart_a_resumed_stream_misses_nothing_until_the_agent_says() {
        let (_dir, db, events) = fresh().await;
        let start = commit(&db, &events, 1).await;
        let missed = commit(&db, &events, 7).await;
        // The restart: a new process.
        let events = Arc::new(Events::default());
        events.poll(&db).await.unwrap();
        let mut s = Box::pin(events.stream(db.clone(), Some(start), 1, Role::Agent));
        assert_eq!(
            next(&mut s).await,
            Some((Some(missed), Some(7), "presence"))
        );
        let live = commit(&db, &events, 8).await;
        assert_eq!(next(&mut s).await, Some((Some(live), Some(8), "presence")));
        events.set_presence(&agent(1), Some(9));
        assert_eq!(next(&mut s).await, Some((None, Some(9), "presence")));
        commit(&db, &events, 8).await;
        let nine = commit(&db, &events, 9).await;
        assert_eq!(all(&mut s).await, vec![(Some(nine), Some(9), "presence")]);
    }

    /// Each event is encoded once: every stream sends the same bytes.
    #[tokio::test]
    async fn one_encoding_is_shared_by_every_stream() {
        let (_dir, db, events) = fresh().await;
        let mut streams = Vec::new();
        for a in 1..=3 {
            events.note_interest(a, 5);
            streams.push(Box::pin(events.batches(db.clone(), None, a, Role::Agent)));
        }
        for s in &mut streams {
            let _ = tokio::time::timeout(Duration::from_millis(50), s.next()).await;
        }
        commit(&db, &events, 5).await;
        let mut sent = Vec::new();
        for s in &mut streams {
            let b = s.next().await.unwrap();
            sent.push(b[0].sse().clone());
        }
        assert!(sent.iter().all(|b| b.as_ptr() == sent[0].as_ptr()));
        let text = std::str::from_utf8(&sent[0]).unwrap();
        assert!(text.starts_with("event: presence\nid: "), "{text}");
        assert!(text.ends_with("}\n\n"), "{text}");
    }

    /// Appended in a transaction on either backend: `committed` order, the
    /// bounds, reading a window, pruning by age while keeping the newest.
    async fn append(db: &Db, at: i64, c: CustomerId) -> i64 {
        let mut tx = db.begin().await.unwrap();
        let e = record_in(&mut *tx, from_epoch(at), None, Some(c), &about(c))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        e.id.unwrap()
    }

    crate::each_backend! {
        async fn the_log_is_read_in_id_order_and_pruned_by_age(t) {
            let db = &t.db;
            assert_eq!(db.read().await.unwrap().event_id_bounds().await.unwrap(), (None, 0));
            let old = Utc::now().timestamp() - 3 * 86_400;
            let ids = [append(db, old, 1).await, append(db, old, 2).await, append(db, old, 3).await];
            let new = append(db, Utc::now().timestamp(), 4).await;
            assert!(ids[0] < ids[1] && ids[1] < ids[2] && ids[2] < new);
            let mut r = db.read().await.unwrap();
            assert_eq!(r.last_event_id().await.unwrap(), Some(new));
            let window = r.events_after(ids[0], ids[2], 10).await.unwrap();
            assert_eq!(window.iter().map(|w| w.0).collect::<Vec<_>>(), vec![ids[1], ids[2]]);
            assert_eq!(window[0].2, Some(2));
            // Old rows go, except those among the newest `keep` ids (here 2:
            // ids[2] and new).
            let cutoff = Utc::now().timestamp() - 86_400;
            assert_eq!(r.prune_events(cutoff, 2).await.unwrap(), 2);
            assert_eq!(r.event_id_bounds().await.unwrap(), (Some(ids[2]), new));
            // Every row gone: the highest id handed out is still known, so
            // a stream resuming from it is not told to resync.
            assert_eq!(r.prune_events(i64::MAX, 0).await.unwrap(), 2);
            assert_eq!(r.event_id_bounds().await.unwrap(), (None, new));
            drop(r);
            assert!(!resync_needed(db, new).await.unwrap());
            assert!(resync_needed(db, new + 1).await.unwrap());
        }
    }

    crate::each_backend! {
        /// A stream resuming from the log gets every event after its id,
        /// read through the store, on either backend.
        async fn a_stream_resumes_from_the_log_on_either_backend(t) {
            let db = &t.db;
            let events = Arc::new(Events::default());
            events.poll(db).await.unwrap();
            let first = append(db, Utc::now().timestamp(), 5).await;
            let second = append(db, Utc::now().timestamp(), 5).await;
            // Noticed as another process's writes are (the upkeep's poll).
            events.poll(db).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            // An agent this server has not heard from since it started is
            // sent what they missed about any customer.
            let mut s = Box::pin(events.stream(db.clone(), Some(first - 1), 9, Role::Agent));
            let got = all(&mut s).await;
            assert_eq!(got, vec![(Some(first), Some(5), "presence"), (Some(second), Some(5), "presence")]);
        }
    }

    /// Reads `id > last` (from `from`) over and over while `during` runs,
    /// as a stream catching up does, and once more after; returns every id
    /// read, in the order read.
    async fn follow_while<F: std::future::Future<Output = ()>>(
        db: &Db,
        from: i64,
        during: F,
    ) -> Vec<i64> {
        let finished = AtomicBool::new(false);
        let reader = async {
            let mut seen = Vec::new();
            let mut last = from;
            loop {
                let done = finished.load(Ordering::SeqCst);
                let rows = db
                    .read()
                    .await
                    .unwrap()
                    .events_after(last, i64::MAX, 100)
                    .await
                    .unwrap();
                for r in rows {
                    seen.push(r.0);
                    last = r.0;
                }
                if done {
                    return seen;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        let during = async {
            during.await;
            finished.store(true, Ordering::SeqCst);
        };
        let (seen, ()) = tokio::join!(reader, during);
        seen
    }

    /// PostgreSQL takes sequence values at insert, not at commit: the
    /// transaction that took the lower id commits last. A reader of
    /// `id > last` must still read both events. Appending through the
    /// store orders the commits (the second waits for the first); a
    /// plain INSERT, shown first, lets the reader skip the lower id for
    /// good, which is the failure the store prevents.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_reader_skips_an_event_when_transactions_commit_out_of_id_order() {
        let Some(t) = crate::testing::TestDb::postgres().await else {
            return;
        };
        let db = &t.db;
        let crate::db::Pools::Postgres { write, .. } = &db.pools else {
            unreachable!()
        };

        // Without the store's lock: the later id commits first.
        let raw = |c: i64| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO events (at, kind, customer_id, payload) VALUES (0, 'presence', $1, '{}') RETURNING id",
            )
            .bind(c)
        };
        let mut slow = write.begin().await.unwrap();
        let low = raw(1).fetch_one(&mut *slow).await.unwrap();
        let seen = follow_while(db, 0, async {
            let mut fast = write.begin().await.unwrap();
            let high = raw(2).fetch_one(&mut *fast).await.unwrap();
            assert!(high > low);
            fast.commit().await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            slow.commit().await.unwrap();
        })
        .await;
        assert!(
            !seen.contains(&low),
            "without ordered commits the reader skips id {low}: read {seen:?}"
        );

        // Through the store: the same race, and the reader reads both, in
        // order, each once.
        let mut slow = db.begin().await.unwrap();
        let low = record_in(&mut *slow, Utc::now(), None, Some(1), &about(1))
            .await
            .unwrap()
            .id
            .unwrap();
        let fast_done = Arc::new(AtomicBool::new(false));
        let seen = follow_while(db, low - 1, async {
            let fast_done2 = Arc::clone(&fast_done);
            let db2 = db.clone();
            let fast = tokio::spawn(async move {
                let mut fast = db2.begin().await.unwrap();
                let high = record_in(&mut *fast, Utc::now(), None, Some(2), &about(2))
                    .await
                    .unwrap()
                    .id
                    .unwrap();
                fast.commit().await.unwrap();
                fast_done2.store(true, Ordering::SeqCst);
                high
            });
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert!(
                !fast_done.load(Ordering::SeqCst),
                "the second append waits for the first transaction"
            );
            slow.commit().await.unwrap();
            let high = fast.await.unwrap();
            assert!(high > low);
        })
        .await;
        assert_eq!(seen.len(), 2, "read {seen:?}");
        assert_eq!(seen[0], low);
        assert!(seen[1] > low);
    }

    /// Two servers on one PostgreSQL database: an event one of them
    /// commits reaches a stream on the other at once, through the log's
    /// notification (no polling here).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_committed_on_one_server_reaches_a_stream_on_another() {
        let Some(t) = crate::testing::TestDb::postgres().await else {
            return;
        };
        let one = Arc::new(Events::default());
        let two = Arc::new(Events::default());
        for e in [&one, &two] {
            e.poll(&t.db).await.unwrap();
        }
        let listening = two
            .listen(&t.db)
            .await
            .unwrap()
            .expect("a listener on PostgreSQL");
        let mut watcher = open(&two, &t.db, None, 7, Role::Agent).await;
        two.note_interest(7, 42);
        let mut tx = t.db.begin().await.unwrap();
        let e = record_in(&mut *tx, Utc::now(), None, Some(42), &about(42))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        one.committed_events(std::slice::from_ref(&e));
        let got = tokio::time::timeout(Duration::from_secs(2), watcher.next())
            .await
            .expect("the event arrives within 2 s")
            .expect("the stream is open");
        assert_eq!((got.id, got.customer_id), (e.id, Some(42)));
        listening.abort();
    }
}
