//! Agents' states and routing. A waiting call goes to the agent serving its
//! queue who has been available longest; an agent who becomes available
//! takes the call that has waited longest in any queue they serve. Both
//! are one indexed query inside the caller's write transaction, so two
//! servers on one database cannot hand one agent two calls.
//!
//! Routing answers the call at once (auto-answer): the agent's state turns
//! to on call, and the wait ends, when the call is given to them. Every
//! state change is logged (`agent_state_log`); a change of a signed-in
//! agent (not a simulated one) is also a durable `agent_state` event, so
//! their client pops the caller's screen even after a reconnect.

use rapport_api::{AgentId, AgentRef, AgentState, AgentStatus, Call, CallId, EventBody};
use sqlx::SqliteConnection;

use super::calls::{self, CallNow, CallRow};
use super::{Outcome, Routed, instant};
use crate::codes::Code;
use crate::error::{Error, Result};

/// An agent's state, since when, and their call (offline since their
/// creation without a row).
pub(crate) async fn current(
    conn: &mut SqliteConnection,
    agent: AgentId,
) -> Result<(AgentState, i64, Option<CallId>)> {
    let row: Option<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT state, since_ms, call_id FROM agent_states WHERE agent_id = ?")
            .bind(agent)
            .fetch_optional(conn)
            .await?;
    Ok(match row {
        Some((s, since, call)) => (AgentState::decode(&s)?, since, call),
        None => (AgentState::Offline, 0, None),
    })
}

/// An agent as the desk lists them: who, their state and call.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AgentRow {
    pub id: i64,
    pub name: String,
    created_at: i64,
    state: Option<String>,
    since_ms: Option<i64>,
    pub call_id: Option<i64>,
    simulated: bool,
}

/// Select [`AgentRow`]s; a `WHERE` clause follows.
pub(crate) const AGENT_ROWS: &str = "SELECT a.id, a.name, a.created_at, s.state, s.since_ms, \
     s.call_id, EXISTS (SELECT 1 FROM simulated_agents m WHERE m.agent_id = a.id) AS simulated \
     FROM agents a LEFT JOIN agent_states s ON s.agent_id = a.id";

impl AgentRow {
    /// Their status, with the call and queues given.
    pub(crate) fn status(
        self,
        call: Option<rapport_api::Call>,
        queues: Vec<rapport_api::QueueId>,
    ) -> Result<AgentStatus> {
        Ok(AgentStatus {
            state: match &self.state {
                Some(s) => AgentState::decode(s)?,
                None => AgentState::Offline,
            },
            since: instant(self.since_ms.unwrap_or(self.created_at * 1000)),
            agent: AgentRef {
                id: self.id,
                name: self.name,
            },
            call,
            queues,
            simulated: self.simulated,
            caller_view: None,
        })
    }
}

/// Everything about an agent the desk and their client show.
pub async fn status(conn: &mut SqliteConnection, agent: AgentId) -> Result<AgentStatus> {
    let row = agent_row(&mut *conn, agent).await?;
    status_of(conn, row, None).await
}

/// [`AgentRow`] with the agent's queues (a JSON array), in one read.
#[derive(sqlx::FromRow)]
struct StatusRow {
    #[sqlx(flatten)]
    agent: AgentRow,
    queues: String,
}

async fn agent_row(conn: &mut SqliteConnection, agent: AgentId) -> Result<StatusRow> {
    let row: Option<StatusRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.*, (SELECT json_group_array(queue_id) FROM queue_agents WHERE agent_id = r.id) \
         AS queues FROM ({AGENT_ROWS} WHERE a.id = ?) r"
    )))
    .bind(agent)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or(Error::NotFound {
        what: "agent",
        id: agent,
    })
}

/// The status of the agent of `row`, with their call (`known` when it is
/// the row of their call as it is now, read otherwise) and queues.
async fn status_of(
    conn: &mut SqliteConnection,
    row: StatusRow,
    known: Option<&CallRow>,
) -> Result<AgentStatus> {
    let StatusRow { agent: row, queues } = row;
    let call = match row.call_id {
        Some(id) => {
            let call = match known {
                Some(c) if c.id == id => c.clone(),
                _ => calls::load(&mut *conn, id).await?,
            };
            // Their own call: the agent's name is the row's.
            let name = (call.agent_id == Some(row.id)).then_some(row.name.as_str());
            Some(call.wire_with(&mut *conn, name).await?)
        }
        None => None,
    };
    let mut queues: Vec<rapport_api::QueueId> = serde_json::from_str(&queues)
        .map_err(|e| Error::Corrupt(format!("agent {}'s queues: {e}", row.id)))?;
    queues.sort_unstable();
    row.status(call, queues)
}

/// What an agent was doing: their state, since when, and their call.
pub(crate) type Was = (AgentState, i64, Option<CallId>);

/// Put `agent` into `state` at `at_ms` (never before their last change, so
/// the log stays in order), logging it, and for a signed-in agent recording
/// the durable event. `call` is the agent's call as it is now, if any;
/// `was` what they were doing, when the caller has read it already. Returns
/// the instant of the change and, when the event carries it, the call's
/// wire form.
pub(crate) async fn change(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    agent: AgentId,
    state: AgentState,
    call: Option<&CallRow>,
    was: Option<Was>,
) -> Result<(i64, Option<Call>)> {
    let (before, since, _) = match was {
        Some(w) => w,
        None => current(&mut *conn, agent).await?,
    };
    let at = at_ms.max(since);
    let call_id = call.map(|c| c.id);
    sqlx::query(
        "INSERT INTO agent_states (agent_id, state, since_ms, call_id) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (agent_id) DO UPDATE SET state = ?2, since_ms = ?3, call_id = ?4",
    )
    .bind(agent)
    .bind(state.code())
    .bind(at)
    .bind(call_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO agent_state_log (agent_id, state, at_ms, call_id, previous) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(agent)
    .bind(state.code())
    .bind(at)
    .bind(call_id)
    .bind(before.code())
    .execute(&mut *conn)
    .await?;
    let row = agent_row(&mut *conn, agent).await?;
    if row.agent.simulated {
        return Ok((at, None));
    }
    let s = status_of(&mut *conn, row, call).await?;
    let wired = s.call.clone();
    let by = s.agent.clone();
    let e = crate::events::record(
        &mut *conn,
        instant(at),
        Some(&by),
        None,
        &EventBody::AgentState(s),
    )
    .await?;
    out.events.push(e);
    Ok((at, wired))
}

/// Give `call` to `agent` at `at_ms`: answered now, the agent on call.
/// `was` is what the agent was doing.
pub(crate) async fn assign(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    call: &CallRow,
    agent: AgentId,
    was: Was,
) -> Result<CallNow> {
    // Answering from wrap-up ends the wrap-up of the previous call.
    if was.0 == AgentState::AfterCallWork
        && let Some(prev) = was.2
    {
        calls::wrap(&mut *conn, at_ms, prev).await?;
    }
    let at = at_ms.max(call.offered_ms);
    let row: CallRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE calls SET status = 'talking', answered_ms = ?1, agent_id = ?2, last_event_ms = ?1 \
         WHERE id = ?3 RETURNING {}",
        calls::CALL_FIELDS
    )))
    .bind(at)
    .bind(agent)
    .bind(call.id)
    .fetch_one(&mut *conn)
    .await?;
    let (_, wired) = change(
        conn,
        out,
        at,
        agent,
        AgentState::OnCall,
        Some(&row),
        Some(was),
    )
    .await?;
    out.routed.push(Routed {
        call_id: call.id,
        agent_id: agent,
        at_ms: at,
    });
    Ok(CallNow { row, wired })
}

/// Route a waiting call: to the longest-idle available agent of its queue,
/// if there is one. The call as it is then, when it was routed.
pub(crate) async fn route(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    call: &CallRow,
) -> Result<Option<CallNow>> {
    let agent: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT s.agent_id, s.since_ms, s.call_id FROM agent_states s \
         JOIN queue_agents q ON q.agent_id = s.agent_id AND q.queue_id = ? \
         WHERE s.state = 'available' ORDER BY s.since_ms, s.agent_id LIMIT 1",
    )
    .bind(call.queue_id)
    .fetch_optional(&mut *conn)
    .await?;
    match agent {
        Some((a, since, on)) => Ok(Some(
            assign(
                conn,
                out,
                at_ms,
                call,
                a,
                (AgentState::Available, since, on),
            )
            .await?,
        )),
        None => Ok(None),
    }
}

/// `agent` just became available (`since`): give them the longest-waiting
/// call of the queues they serve, if any.
pub(crate) async fn offer_next(
    conn: &mut SqliteConnection,
    out: &mut Outcome,
    at_ms: i64,
    agent: AgentId,
    since: i64,
) -> Result<bool> {
    let call: Option<i64> = sqlx::query_scalar(
        "SELECT c.id FROM calls c JOIN queue_agents q ON q.queue_id = c.queue_id AND q.agent_id = ? \
         WHERE c.status = 'waiting' ORDER BY c.offered_ms, c.id LIMIT 1",
    )
    .bind(agent)
    .fetch_optional(&mut *conn)
    .await?;
    match call {
        Some(id) => {
            let row = calls::load(&mut *conn, id).await?;
            let was = (AgentState::Available, since, None);
            assign(conn, out, at_ms, &row, agent, was).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// An agent (or the simulator for its agents) sets their state: available,
/// break or offline. Leaving after-call work ends the wrap-up of the call;
/// becoming available may bring a waiting call at once. On a call, only
/// the call's end changes the state.
pub async fn set_state(
    conn: &mut SqliteConnection,
    at_ms: i64,
    agent: AgentId,
    want: AgentState,
) -> Result<Outcome> {
    let mut out = Outcome::default();
    if want.on_contact() {
        return Err(Error::invalid(
            "/state",
            format!(
                "{} follows from calls: an agent is on call when a call is routed to them or answered, and in after-call work when it ends. Set available, break or offline.",
                want.as_str()
            ),
        ));
    }
    let (state, since, call) = current(&mut *conn, agent).await?;
    if state == AgentState::OnCall {
        return Err(Error::Conflict(
            "You are on a call: end it first, then choose your state.".into(),
        ));
    }
    if state == want {
        return Ok(out);
    }
    if state == AgentState::AfterCallWork
        && let Some(c) = call
    {
        calls::wrap(&mut *conn, at_ms, c).await?;
    }
    let was = Some((state, since, call));
    let (at, _) = change(&mut *conn, &mut out, at_ms, agent, want, None, was).await?;
    if want == AgentState::Available {
        offer_next(conn, &mut out, at_ms, agent, at).await?;
    }
    Ok(out)
}
