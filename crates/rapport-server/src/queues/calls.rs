//! The call log and the telephony hooks that write it: offered, answered,
//! ended, abandoned, transferred. Each hook checks the call's lifecycle
//! (a call is answered at most once, ends only after it was answered, ...)
//! and says in words what is wrong when it does not fit; a hook repeated
//! for a call already in that state changes nothing, as telephony systems
//! do send some events twice.

use rapport_api::{AgentId, AgentRef, AgentState, Call, CallStatus, CustomerId};
use sqlx::SqliteConnection;

use super::{Outcome, instant, routing};
use crate::codes::Code;
use crate::error::{Error, Result};

/// A call leg as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct CallRow {
    pub id: i64,
    pub external_id: String,
    pub leg: i64,
    pub queue_id: i64,
    pub caller: String,
    pub customer_id: Option<i64>,
    pub status: String,
    pub offered_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub wrapped_ms: Option<i64>,
    pub abandoned_ms: Option<i64>,
    pub transferred_ms: Option<i64>,
    pub hold_ms: i64,
    pub agent_id: Option<i64>,
    pub transferred_from: Option<i64>,
    pub transferred_to: Option<i64>,
}

/// [`CallRow`]'s columns.
pub const CALL_FIELDS: &str = "id, external_id, leg, queue_id, caller, customer_id, status, \
     offered_ms, answered_ms, ended_ms, wrapped_ms, abandoned_ms, transferred_ms, hold_ms, \
     agent_id, transferred_from, transferred_to";

/// One call leg as a JSON array of [`CALL_FIELDS`] in order (which
/// `CallRow` deserializes as it would an object), for reading many legs in
/// one row (see `desk`): keys would more than double the text to build and
/// parse.
pub const CALL_JSON: &str = "json_array(id, external_id, leg, queue_id, caller, customer_id, \
     status, offered_ms, answered_ms, ended_ms, wrapped_ms, abandoned_ms, transferred_ms, \
     hold_ms, agent_id, transferred_from, transferred_to)";

impl CallRow {
    pub fn status(&self) -> Result<CallStatus> {
        CallStatus::decode(&self.status)
    }

    /// The figures' view of this leg.
    pub fn record(&self) -> super::figures::CallRecord {
        super::figures::CallRecord {
            id: self.id,
            queue_id: self.queue_id,
            offered_ms: self.offered_ms,
            answered_ms: self.answered_ms,
            ended_ms: self.ended_ms,
            wrapped_ms: self.wrapped_ms,
            abandoned_ms: self.abandoned_ms,
            transferred_ms: self.transferred_ms,
            hold_ms: self.hold_ms,
        }
    }

    /// The wire form, with the customer's and the agent's names given.
    pub fn to_call(
        &self,
        customer_name: Option<String>,
        agent_name: Option<String>,
    ) -> Result<Call> {
        Ok(Call {
            id: self.id,
            external_id: self.external_id.clone(),
            leg: u32::try_from(self.leg.max(1)).unwrap_or(u32::MAX),
            queue_id: self.queue_id,
            caller: self.caller.clone(),
            customer_id: self.customer_id,
            customer_name,
            status: self.status()?,
            offered_at: instant(self.offered_ms),
            answered_at: self.answered_ms.map(instant),
            ended_at: self.ended_ms.map(instant),
            wrapped_at: self.wrapped_ms.map(instant),
            abandoned_at: self.abandoned_ms.map(instant),
            transferred_at: self.transferred_ms.map(instant),
            hold_ms: self.hold_ms,
            agent: match (self.agent_id, agent_name) {
                (Some(id), Some(name)) => Some(AgentRef { id, name }),
                _ => None,
            },
            transferred_from: self.transferred_from,
            transferred_to: self.transferred_to,
        })
    }

    /// The wire form, reading the names it needs.
    pub async fn wire(&self, conn: &mut SqliteConnection) -> Result<Call> {
        self.wire_with(conn, None).await
    }

    /// [`CallRow::wire`] when the agent's name is known already (it is
    /// looked up otherwise).
    pub async fn wire_with(
        &self,
        conn: &mut SqliteConnection,
        agent_name: Option<&str>,
    ) -> Result<Call> {
        let customer: Option<String> = match self.customer_id {
            Some(c) => {
                sqlx::query_scalar("SELECT display_name FROM customers WHERE id = ?")
                    .bind(c)
                    .fetch_optional(&mut *conn)
                    .await?
            }
            None => None,
        };
        let agent: Option<String> = match (self.agent_id, agent_name) {
            (None, _) => None,
            (Some(_), Some(name)) => Some(name.to_string()),
            (Some(a), None) => {
                sqlx::query_scalar("SELECT name FROM agents WHERE id = ?")
                    .bind(a)
                    .fetch_optional(&mut *conn)
                    .await?
            }
        };
        self.to_call(customer, agent)
    }
}

/// A call leg as a hook left it, with its wire form when routing built it
/// already (the agent's `agent_state` event carries the call), so the
/// hook's answer does not read it again.
#[derive(Debug)]
pub struct CallNow {
    pub row: CallRow,
    pub(crate) wired: Option<Call>,
}

impl CallNow {
    /// A leg whose wire form is still to be read.
    pub fn read(row: CallRow) -> CallNow {
        CallNow { row, wired: None }
    }

    /// The wire form.
    pub async fn wire(self, conn: &mut SqliteConnection) -> Result<Call> {
        match self.wired {
            Some(c) => Ok(c),
            None => self.row.wire(conn).await,
        }
    }
}

pub async fn load(conn: &mut SqliteConnection, id: i64) -> Result<CallRow> {
    let row: Option<CallRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CALL_FIELDS} FROM calls WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.ok_or(Error::NotFound { what: "call", id })
}

/// The latest leg of the telephony system's call `external_id`.
pub async fn find(conn: &mut SqliteConnection, external_id: &str) -> Result<Option<CallRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CALL_FIELDS} FROM calls WHERE external_id = ? ORDER BY leg DESC LIMIT 1"
    )))
    .bind(external_id)
    .fetch_optional(conn)
    .await?)
}

async fn find_or_fail(conn: &mut SqliteConnection, external_id: &str) -> Result<CallRow> {
    find(conn, external_id).await?.ok_or_else(|| {
        Error::invalid(
            "/call_id",
            format!(
                "There is no call '{external_id}': send its offered hook first (it creates the call)."
            ),
        )
    })
}

/// `at` must not be before `since` (what happened earlier to the call).
fn not_before(at_ms: i64, since: i64, what: &str, external_id: &str) -> Result<()> {
    if at_ms < since {
        return Err(Error::invalid(
            "/at",
            format!(
                "Call '{external_id}' cannot be {what} at {}: that is before it was {}.",
                instant(at_ms).to_rfc3339(),
                instant(since).to_rfc3339()
            ),
        ));
    }
    Ok(())
}

fn words(s: CallStatus) -> &'static str {
    match s {
        CallStatus::Waiting => "is waiting",
        CallStatus::Talking => "is being talked on",
        CallStatus::WrapUp => "has ended",
        CallStatus::Done => "has ended",
        CallStatus::Abandoned => "was abandoned",
        CallStatus::Transferred => "was moved to another queue",
    }
}

/// A new call (or a new leg of a transferred one) waiting in `queue`,
/// then routed if an agent is free.
struct NewLeg<'a> {
    external_id: &'a str,
    leg: i64,
    queue: QueueOf<'a>,
    caller: &'a str,
    customer_id: Option<CustomerId>,
    transferred_from: Option<i64>,
}

/// The queue of a new leg: by id, or by the code the hook named (read in
/// the insert itself).
#[derive(Clone, Copy)]
enum QueueOf<'a> {
    Id(i64),
    Code(&'a str),
}

/// Insert the leg and route it. A leg with the same call id and number
/// fails on the table's unique key, for the caller to explain.
async fn insert_leg(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    l: NewLeg<'_>,
) -> Result<CallNow> {
    let which = match l.queue {
        QueueOf::Id(_) => "id",
        QueueOf::Code(_) => "code",
    };
    let sql = format!(
        "INSERT INTO calls (external_id, leg, queue_id, caller, customer_id, status, \
         offered_ms, transferred_from, last_event_ms) \
         SELECT ?1, ?2, q.id, ?4, ?5, 'waiting', ?6, ?7, ?6 FROM queues q WHERE q.{which} = ?3 \
         RETURNING {CALL_FIELDS}"
    );
    let q = sqlx::query_as::<_, CallRow>(sqlx::AssertSqlSafe(sql))
        .bind(l.external_id)
        .bind(l.leg);
    let q = match l.queue {
        QueueOf::Id(id) => q.bind(id),
        QueueOf::Code(code) => q.bind(code.trim()),
    };
    let inserted = q
        .bind(l.caller)
        .bind(l.customer_id)
        .bind(at_ms)
        .bind(l.transferred_from)
        .fetch_optional(&mut *conn)
        .await?;
    let row = match inserted {
        Some(row) => row,
        None => {
            let QueueOf::Code(code) = l.queue else {
                return Err(Error::Corrupt("a new leg's queue vanished".into()));
            };
            // Names the queues there are.
            super::by_code(&mut *conn, "/queue", code).await?;
            return Err(Error::Corrupt(format!("queue '{code}' could not be read")));
        }
    };
    Ok(match routing::route(&mut *conn, out, at_ms, &row).await? {
        Some(now) => now,
        None => CallNow::read(row),
    })
}

/// `offered`: the call enters `queue_code`. `customer_id` is the one
/// customer with the caller's number, looked up by the caller.
pub async fn offer(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    external_id: &str,
    queue_code: &str,
    caller: &str,
    customer_id: Option<CustomerId>,
) -> Result<CallNow> {
    let external_id = external_id.trim();
    if external_id.is_empty() || external_id.chars().count() > 200 {
        return Err(Error::invalid(
            "/call_id",
            "call_id must be the telephony system's id of the call: 1 to 200 characters.",
        ));
    }
    let caller = caller.trim();
    if caller.chars().count() > 100 || caller.contains('\0') {
        return Err(Error::invalid(
            "/caller",
            "caller must be the caller's number as received, at most 100 characters.",
        ));
    }
    let inserted = insert_leg(
        &mut *conn,
        out,
        at_ms,
        NewLeg {
            external_id,
            leg: 1,
            queue: QueueOf::Code(queue_code),
            caller: if caller.is_empty() { "unknown" } else { caller },
            customer_id,
            transferred_from: None,
        },
    )
    .await;
    match inserted {
        Err(Error::Database(sqlx::Error::Database(d))) if d.is_unique_violation() => {
            let existing = find(conn, external_id).await?;
            let it = existing.as_ref().map(CallRow::status).transpose()?;
            Err(Error::Conflict(format!(
                "Call '{external_id}' was offered already (it {}); each call needs its own call_id.",
                it.map_or("exists", words)
            )))
        }
        other => other,
    }
}

/// `answered`: for a call the telephony system routed itself, `agent`
/// answered it. A call Rapport routed is answered already; repeating that
/// (or naming the same agent) changes nothing.
pub async fn answer(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    external_id: &str,
    agent: Option<AgentId>,
) -> Result<CallNow> {
    let call = find_or_fail(&mut *conn, external_id).await?;
    match call.status()? {
        CallStatus::Waiting => {
            let Some(agent) = agent else {
                return Err(Error::invalid(
                    "/agent_id",
                    format!(
                        "Call '{external_id}' is waiting in its queue: name the agent who answered it (agent_id)."
                    ),
                ));
            };
            not_before(at_ms, call.offered_ms, "answered", external_id)?;
            let was = routing::current(&mut *conn, agent).await?;
            // The agent must exist.
            routing::status(&mut *conn, agent).await?;
            if was.0 == AgentState::OnCall && was.2.is_some() {
                return Err(Error::Conflict(format!(
                    "Agent {agent} is on another call; end that one first."
                )));
            }
            routing::assign(&mut *conn, out, at_ms, &call, agent, was).await
        }
        CallStatus::Talking if agent.is_none() || agent == call.agent_id => Ok(CallNow::read(call)),
        CallStatus::Talking => Err(Error::Conflict(format!(
            "Call '{external_id}' was answered already, by agent {}.",
            call.agent_id.unwrap_or_default()
        ))),
        s => Err(Error::Conflict(format!(
            "Call '{external_id}' {} and cannot be answered now.",
            words(s)
        ))),
    }
}

/// `ended`: the talk is over (hold included); the agent goes into
/// after-call work.
pub async fn end(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    external_id: &str,
    hold_ms: i64,
) -> Result<CallNow> {
    let call = find_or_fail(&mut *conn, external_id).await?;
    match call.status()? {
        CallStatus::Talking => {
            let answered = call.answered_ms.unwrap_or(call.offered_ms);
            not_before(at_ms, answered, "ended", external_id)?;
            if hold_ms < 0 || hold_ms > at_ms - answered {
                return Err(Error::invalid(
                    "/hold_secs",
                    format!(
                        "hold_secs must be between 0 and the length of the talk ({:.1} s).",
                        (at_ms - answered) as f64 / 1000.0
                    ),
                ));
            }
            end_talk(conn, out, at_ms, &call, hold_ms, None).await
        }
        CallStatus::WrapUp | CallStatus::Done => Ok(CallNow::read(call)),
        s => Err(Error::Conflict(format!(
            "Call '{external_id}' {}: only an answered call ends (send abandoned when a waiting caller hangs up).",
            words(s)
        ))),
    }
}

async fn end_talk(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    call: &CallRow,
    hold_ms: i64,
    transferred_to: Option<i64>,
) -> Result<CallNow> {
    let row: CallRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE calls SET status = 'wrap_up', ended_ms = ?1, hold_ms = ?2, last_event_ms = ?1, \
         transferred_to = COALESCE(?3, transferred_to) WHERE id = ?4 RETURNING {CALL_FIELDS}"
    )))
    .bind(at_ms)
    .bind(hold_ms)
    .bind(transferred_to)
    .bind(call.id)
    .fetch_one(&mut *conn)
    .await?;
    let wired = match row.agent_id {
        Some(agent) => {
            let state = AgentState::AfterCallWork;
            routing::change(conn, out, at_ms, agent, state, Some(&row), None)
                .await?
                .1
        }
        None => None,
    };
    Ok(CallNow { row, wired })
}

/// `abandoned`: the caller hung up while waiting.
pub async fn abandon(
    conn: &mut SqliteConnection,
    at_ms: i64,
    external_id: &str,
) -> Result<CallRow> {
    let call = find_or_fail(&mut *conn, external_id).await?;
    match call.status()? {
        CallStatus::Waiting => {
            not_before(at_ms, call.offered_ms, "abandoned", external_id)?;
            abandon_waiting(&mut *conn, at_ms, call.id).await?;
            load(conn, call.id).await
        }
        CallStatus::Abandoned => Ok(call),
        s => Err(Error::Conflict(format!(
            "Call '{external_id}' {}: only a waiting call is abandoned (send ended when an answered call ends).",
            words(s)
        ))),
    }
}

/// Abandon call `id` if it is still waiting; false when it is not.
pub(crate) async fn abandon_waiting(
    conn: &mut SqliteConnection,
    at_ms: i64,
    id: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE calls SET status = 'abandoned', abandoned_ms = MAX(?1, offered_ms), \
         last_event_ms = MAX(?1, offered_ms) WHERE id = ?2 AND status = 'waiting'",
    )
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// `transferred`: the call moves to `to_queue`. Returns the new leg.
pub async fn transfer(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    external_id: &str,
    to_queue: &str,
) -> Result<CallNow> {
    let call = find_or_fail(&mut *conn, external_id).await?;
    let queue = super::by_code(&mut *conn, "/to_queue", to_queue).await?;
    if queue.id == call.queue_id {
        return Err(Error::invalid(
            "/to_queue",
            format!("Call '{external_id}' is in {} already.", queue.code),
        ));
    }
    let status = call.status()?;
    if !matches!(status, CallStatus::Waiting | CallStatus::Talking) {
        return Err(Error::Conflict(format!(
            "Call '{external_id}' {} and cannot be transferred.",
            words(status)
        )));
    }
    let since = call.answered_ms.unwrap_or(call.offered_ms);
    not_before(at_ms, since, "transferred", external_id)?;
    // The new leg first (routed at once if someone is free; the agent who
    // transfers is still on this call), so the old one can point at it.
    let next = insert_leg(
        &mut *conn,
        out,
        at_ms,
        NewLeg {
            external_id: &call.external_id,
            leg: call.leg + 1,
            queue: QueueOf::Id(queue.id),
            caller: &call.caller,
            customer_id: call.customer_id,
            transferred_from: Some(call.id),
        },
    )
    .await?;
    match status {
        CallStatus::Waiting => {
            sqlx::query(
                "UPDATE calls SET status = 'transferred', transferred_ms = ?1, transferred_to = ?2, \
                 last_event_ms = ?1 WHERE id = ?3",
            )
            .bind(at_ms)
            .bind(next.row.id)
            .bind(call.id)
            .execute(&mut *conn)
            .await?;
        }
        _ => {
            end_talk(&mut *conn, out, at_ms, &call, 0, Some(next.row.id)).await?;
        }
    }
    Ok(next)
}

/// End the after-call work of call `id` (the agent moved on).
pub(crate) async fn wrap(conn: &mut SqliteConnection, at_ms: i64, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE calls SET status = 'done', wrapped_ms = MAX(?1, ended_ms), \
         last_event_ms = MAX(?1, ended_ms) WHERE id = ?2 AND status = 'wrap_up'",
    )
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;

    /// The desk reads legs through [`CALL_JSON`]; its arrays must decode to
    /// the rows [`CALL_FIELDS`] reads, field for field.
    #[tokio::test]
    async fn a_leg_reads_the_same_as_json_and_as_columns() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect_path(&dir.path().join("calls.sqlite"))
            .await
            .unwrap();
        let q = super::super::ensure_demo(&db).await.unwrap();
        let mut tx = db.write().await.unwrap();
        let mut out = Outcome::default();
        let now = offer(
            &mut tx,
            &mut out,
            1_000,
            "pbx-7",
            &q[0].code,
            "+44 7700 900123",
            None,
        )
        .await
        .unwrap();
        sqlx::query(
            "UPDATE calls SET hold_ms = 5, ended_ms = 9000, wrapped_ms = 9500 WHERE id = ?",
        )
        .bind(now.row.id)
        .execute(&mut *tx)
        .await
        .unwrap();
        let by_columns = load(&mut tx, now.row.id).await.unwrap();
        let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_JSON} FROM calls WHERE id = ?"
        )))
        .bind(now.row.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let by_json: CallRow = serde_json::from_str(&text).unwrap();
        assert_eq!(by_json, by_columns);
        assert_eq!(by_json.caller, "+44 7700 900123");
        assert_eq!((by_json.hold_ms, by_json.wrapped_ms), (5, Some(9500)));
    }
}
