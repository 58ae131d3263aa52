//! Live queues: the queues and who serves them, the call log the telephony
//! hooks write (`calls`), agents' states and routing (`routing`), the
//! figures computed from the log (`figures`, pure) and the desk snapshot
//! built from them (`desk`), Erlang C (`erlang`, pure), the caller's view
//! sent with a routed call (`pop`), and the call simulator used by the demo
//! and the tests (`simulator`).
//!
//! Every change runs inside the caller's write transaction and reports what
//! it did in an [`Outcome`]: the durable events to announce and the calls
//! routed to agents. After the commit the caller hands the outcome to
//! [`Live::announce`], which wakes the event streams, the desk publisher and
//! the simulator.

pub mod calls;
pub mod desk;
pub mod erlang;
pub mod figures;
pub mod pop;
pub mod routing;
pub mod simulator;

use chrono::{DateTime, Utc};
use rapport_api::{AgentId, CallId, Queue, QueueId, SlTarget};
use sqlx::SqliteConnection;
use tokio::sync::{Notify, broadcast};

use crate::Db;
use crate::error::{Error, Result};
use crate::events::Events;

/// The desk's window in hours (arrival rates are per hour).
pub const WINDOW_HOURS: f64 = rapport_api::WINDOW_SECS as f64 / 3600.0;

/// Stored milliseconds back to an instant.
pub fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// An instant as stored (milliseconds since the epoch).
pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A call given to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routed {
    pub call_id: CallId,
    pub agent_id: AgentId,
    pub at_ms: i64,
}

/// What a change did, to announce once it is committed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Durable events recorded in the transaction.
    pub events: Vec<rapport_api::Event>,
    pub routed: Vec<Routed>,
}

impl Outcome {
    pub fn extend(&mut self, other: Outcome) {
        self.events.extend(other.events);
        self.routed.extend(other.routed);
    }
}

/// The live side of the queues, shared by handlers, the desk publisher and
/// the simulator of one server.
pub struct Live {
    /// Something on the desk changed: the publisher takes a new snapshot.
    changed: Notify,
    /// Calls routed to agents, for the simulator (it answers for its
    /// agents).
    routed: broadcast::Sender<Routed>,
    /// First-contact resolution covers a week: computed now and then.
    pub(crate) fcr: tokio::sync::Mutex<Option<(std::time::Instant, rapport_api::Fcr)>>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            changed: Notify::new(),
            routed: broadcast::Sender::new(4096),
            fcr: tokio::sync::Mutex::new(None),
        }
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Live {
    /// A committed change: wake the event streams, the desk publisher and
    /// whoever listens for routed calls.
    pub fn announce(&self, events: &Events, out: &Outcome) {
        events.committed_events(&out.events);
        for r in &out.routed {
            let _ = self.routed.send(*r);
        }
        self.changed.notify_one();
    }

    /// Wait for the next change (one wake-up stands for any number).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    pub fn subscribe_routed(&self) -> broadcast::Receiver<Routed> {
        self.routed.subscribe()
    }
}

// ---------------------------------------------------------------- queues

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    code: String,
    name: String,
    sl_target_pct: i64,
    sl_threshold_secs: i64,
    opens_min: i64,
    closes_min: i64,
    wait_alert_secs: i64,
    reason: Option<String>,
}

impl From<QueueRow> for Queue {
    fn from(r: QueueRow) -> Queue {
        Queue {
            id: r.id,
            code: r.code,
            name: r.name,
            target: SlTarget {
                pct: r.sl_target_pct.clamp(1, 100) as u8,
                secs: u32::try_from(r.sl_threshold_secs.max(1)).unwrap_or(u32::MAX),
            },
            opens_min: r.opens_min.clamp(0, 1440) as u16,
            closes_min: r.closes_min.clamp(0, 1440) as u16,
            wait_alert_secs: r.wait_alert_secs.max(1) as u32,
            reason: r.reason,
        }
    }
}

const QUEUE_COLUMNS: &str = "SELECT id, code, name, sl_target_pct, sl_threshold_secs, opens_min, \
     closes_min, wait_alert_secs, reason FROM queues";

/// Every queue, in the order the desk lists them.
pub async fn list(conn: &mut SqliteConnection) -> Result<Vec<Queue>> {
    let rows: Vec<QueueRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUEUE_COLUMNS} ORDER BY position, id"
    )))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Queue::from).collect())
}

pub async fn get(conn: &mut SqliteConnection, id: QueueId) -> Result<Queue> {
    let row: Option<QueueRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{QUEUE_COLUMNS} WHERE id = ?")))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(Queue::from)
        .ok_or(Error::NotFound { what: "queue", id })
}

/// The queue a hook names by its code, or an error listing the codes.
pub async fn by_code(conn: &mut SqliteConnection, field: &str, code: &str) -> Result<Queue> {
    let row: Option<QueueRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUEUE_COLUMNS} WHERE code = ?"
    )))
    .bind(code.trim())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(r) = row {
        return Ok(r.into());
    }
    let codes: Vec<String> = list(conn).await?.into_iter().map(|q| q.code).collect();
    Err(Error::invalid(
        field,
        if codes.is_empty() {
            format!(
                "There is no queue '{code}': this server has no queues yet; add them with `rapport-server queue add`."
            )
        } else {
            format!(
                "There is no queue '{code}'; the queues are: {}.",
                codes.join(", ")
            )
        },
    ))
}

/// A queue to create (`rapport-server queue add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueue {
    pub code: String,
    pub name: String,
    pub target: SlTarget,
    pub opens_min: u16,
    pub closes_min: u16,
    pub wait_alert_secs: u32,
    pub reason: Option<String>,
}

/// `08:00-20:00` (or `all`) to minutes after midnight.
pub fn parse_hours(s: &str) -> std::result::Result<(u16, u16), String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("all") || t.eq_ignore_ascii_case("all day") || t == "24h" {
        return Ok((0, 1440));
    }
    let bad = || {
        format!(
            "'{s}' is not opening hours: write HH:MM-HH:MM in UTC, such as 08:00-20:00, or 'all' for all day"
        )
    };
    let (a, b) = t.split_once('-').ok_or_else(bad)?;
    let hm = |x: &str| -> Option<u16> {
        let (h, m) = x.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    };
    Ok((hm(a).ok_or_else(bad)?, hm(b).ok_or_else(bad)?))
}

/// Create a queue; its code must be new.
pub async fn add(db: &Db, q: &NewQueue) -> Result<Queue> {
    let code = q.code.trim().to_ascii_lowercase();
    if code.is_empty()
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::invalid(
            "code",
            format!(
                "'{}' cannot be a queue code: use letters, digits, - and _ only, such as billing",
                q.code
            ),
        ));
    }
    let mut conn = db.pool().acquire().await?;
    if by_code(&mut conn, "code", &code).await.is_ok() {
        return Err(Error::Conflict(format!("A queue '{code}' already exists.")));
    }
    let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM queues")
        .fetch_one(&mut *conn)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO queues (code, name, sl_target_pct, sl_threshold_secs, opens_min, closes_min, \
         wait_alert_secs, reason, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&code)
    .bind(q.name.trim())
    .bind(q.target.pct as i64)
    .bind(q.target.secs as i64)
    .bind(q.opens_min as i64)
    .bind(q.closes_min as i64)
    .bind(q.wait_alert_secs as i64)
    .bind(q.reason.as_deref())
    .bind(position)
    .bind(Utc::now().timestamp())
    .fetch_one(&mut *conn)
    .await?;
    get(&mut conn, id).await
}

/// `agent` takes `queue`'s calls from now on (nothing if already).
pub async fn join(conn: &mut SqliteConnection, queue: QueueId, agent: AgentId) -> Result<()> {
    sqlx::query(
        "INSERT INTO queue_agents (queue_id, agent_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(queue)
    .bind(agent)
    .execute(conn)
    .await?;
    Ok(())
}

/// `agent` no longer takes `queue`'s calls.
pub async fn leave(conn: &mut SqliteConnection, queue: QueueId, agent: AgentId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM queue_agents WHERE queue_id = ? AND agent_id = ?")
        .bind(queue)
        .bind(agent)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The queues `agent` serves.
pub async fn queues_of(conn: &mut SqliteConnection, agent: AgentId) -> Result<Vec<QueueId>> {
    Ok(
        sqlx::query_scalar(
            "SELECT queue_id FROM queue_agents WHERE agent_id = ? ORDER BY queue_id",
        )
        .bind(agent)
        .fetch_all(conn)
        .await?,
    )
}

/// The demo's queues: (code, name, target, wait alert seconds, wrap-up
/// reason). All open all day, so the demo is busy whenever it is started.
pub const DEMO_QUEUES: &[(&str, &str, SlTarget, u32, &str)] = &[
    (
        "billing",
        "Billing",
        SlTarget { pct: 80, secs: 20 },
        60,
        "Billing query",
    ),
    (
        "support",
        "Technical support",
        SlTarget { pct: 80, secs: 30 },
        90,
        "Technical fault",
    ),
    (
        "sales",
        "Sales",
        SlTarget { pct: 90, secs: 15 },
        45,
        "Upgrade enquiry",
    ),
    (
        "retention",
        "Retention",
        SlTarget { pct: 85, secs: 20 },
        60,
        "Contract renewal",
    ),
    (
        "complaints",
        "Complaints",
        SlTarget { pct: 80, secs: 60 },
        120,
        "Complaint",
    ),
];

/// Create the demo queues that are missing; return every queue.
pub async fn ensure_demo(db: &Db) -> Result<Vec<Queue>> {
    let mut conn = db.pool().acquire().await?;
    let have: Vec<String> = list(&mut conn).await?.into_iter().map(|q| q.code).collect();
    drop(conn);
    for (code, name, target, wait, reason) in DEMO_QUEUES {
        if have.iter().any(|c| c == code) {
            continue;
        }
        add(
            db,
            &NewQueue {
                code: code.to_string(),
                name: name.to_string(),
                target: *target,
                opens_min: 0,
                closes_min: 1440,
                wait_alert_secs: *wait,
                reason: Some(reason.to_string()),
            },
        )
        .await?;
    }
    let mut conn = db.pool().acquire().await?;
    list(&mut conn).await
}

/// Forget calls and state changes older than `days` days (the desk reads
/// the last 30 minutes; reports read what is kept).
pub async fn prune(db: &Db, days: i64) -> Result<u64> {
    let cutoff = Utc::now().timestamp_millis() - days * 86_400_000;
    let mut tx = db.write().await?;
    // Each agent's latest change stays: it says what state they are in.
    let logs = sqlx::query(
        "DELETE FROM agent_state_log WHERE at_ms < ? \
         AND id NOT IN (SELECT MAX(id) FROM agent_state_log GROUP BY agent_id)",
    )
    .bind(cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Unlink the calls about to go from the legs and states that name them.
    for sql in [
        "UPDATE calls SET transferred_from = NULL WHERE transferred_from IN \
         (SELECT id FROM calls WHERE last_event_ms < ?1 AND status IN ('done', 'abandoned', 'transferred'))",
        "UPDATE calls SET transferred_to = NULL WHERE transferred_to IN \
         (SELECT id FROM calls WHERE last_event_ms < ?1 AND status IN ('done', 'abandoned', 'transferred'))",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
    }
    let calls = sqlx::query(
        "DELETE FROM calls WHERE last_event_ms < ? AND status IN ('done', 'abandoned', 'transferred') \
         AND id NOT IN (SELECT call_id FROM agent_states WHERE call_id IS NOT NULL)",
    )
    .bind(cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(logs + calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read() {
        assert_eq!(parse_hours("08:00-20:00").unwrap(), (480, 1200));
        assert_eq!(parse_hours("all").unwrap(), (0, 1440));
        assert_eq!(parse_hours("22:00-06:30").unwrap(), (1320, 390));
        assert_eq!(parse_hours("00:00-24:00").unwrap(), (0, 1440));
        for bad in ["8-20", "25:00-26:00", "08:60-09:00", "soon"] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
    }
}
