//! Live queues over HTTP: the telephony hooks (`POST /v1/calls`), the
//! queues and their figures, agents' states (`/v1/agents/me/state` for
//! one's own), and for supervisors the desk, the report of an interval
//! and the Erlang C what-if.
//!
//! A hook is a write like any other: `Idempotency-Key` required, the first
//! answer stored with its effect and replayed for a retry. After the
//! commit the change is announced: event streams, the desk publisher and
//! the simulator wake.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use rapport_api::{
    Agent, AgentId, AgentStatus, Call, CallHook, Desk, EventBody, Problem, QueueLive, Report, Role,
    StateChange, WhatIf,
};
use tokio::sync::OnceCell;

use super::AppState;
use super::auth::CurrentAgent;
use super::idempotency::{json_body, write};
use super::problem::ApiError;
use super::recording::require_supervisor;
use crate::error::Error;
use crate::queues::{self, Outcome, calls, desk, erlang, millis, pop, routing, simulator};
use crate::recording::Written;

/// A hook's `at` may run ahead of the server's clock by this much (clocks
/// of two machines differ a little); further ahead is refused.
const FUTURE_SLACK_MS: i64 = 60_000;

fn when(at: Option<DateTime<Utc>>) -> Result<i64, Error> {
    let now = Utc::now().timestamp_millis();
    match at {
        None => Ok(now),
        Some(t) if millis(t) > now + FUTURE_SLACK_MS => Err(Error::invalid(
            "/at",
            format!(
                "at ({}) is in the future by this server's clock ({}); send when it happened, or leave it out.",
                t.to_rfc3339(),
                crate::queues::instant(now).to_rfc3339()
            ),
        )),
        Some(t) => Ok(millis(t)),
    }
}

/// Only an admin's token (the telephony system's) sends every hook; an
/// agent may end or transfer the call they are on (their softphone).
async fn may_send(
    conn: &mut sqlx::SqliteConnection,
    agent: &Agent,
    hook: &CallHook,
) -> Result<(), Error> {
    if agent.role == Role::Admin {
        return Ok(());
    }
    let own = match hook {
        CallHook::Ended { call_id, .. } | CallHook::Transferred { call_id, .. } => {
            calls::find(conn, call_id)
                .await?
                .is_some_and(|c| c.agent_id == Some(agent.id))
        }
        _ => false,
    };
    if own {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Call hooks come from the telephony system, which signs in with an admin's token; an agent may only end or transfer their own call."
                .into(),
        ))
    }
}

/// Apply one hook inside the write's transaction.
async fn apply(
    conn: &mut sqlx::SqliteConnection,
    out: &mut Outcome,
    agent: &Agent,
    hook: &CallHook,
    customer: Option<i64>,
) -> Result<Call, Error> {
    may_send(&mut *conn, agent, hook).await?;
    let at = when(hook.at())?;
    let row = match hook {
        CallHook::Offered {
            call_id,
            queue,
            caller,
            ..
        } => calls::offer(&mut *conn, out, at, call_id, queue, caller, customer).await?,
        CallHook::Answered {
            call_id, agent_id, ..
        } => calls::answer(&mut *conn, out, at, call_id, *agent_id).await?,
        CallHook::Ended {
            call_id, hold_secs, ..
        } => {
            let hold = hold_secs.unwrap_or(0.0);
            if !hold.is_finite() {
                return Err(Error::invalid(
                    "/hold_secs",
                    "hold_secs must be a number of seconds.",
                ));
            }
            calls::end(&mut *conn, out, at, call_id, (hold * 1000.0).round() as i64).await?
        }
        CallHook::Abandoned { call_id, .. } => {
            calls::CallNow::read(calls::abandon(&mut *conn, at, call_id).await?)
        }
        CallHook::Transferred {
            call_id, to_queue, ..
        } => calls::transfer(&mut *conn, out, at, call_id, to_queue).await?,
    };
    row.wire(conn).await
}

/// A telephony hook: a call was offered, answered, ended, abandoned or
/// transferred.
#[utoipa::path(
    post, path = "/v1/calls", tag = "queues",
    request_body = CallHook,
    params(("Idempotency-Key" = String, Header, description = "Unique per hook; resent unchanged when the hook is retried")),
    responses(
        (status = 201, description = "Offered: the call as it is now (with `agent` when it was routed at once)", body = Call),
        (status = 200, description = "Answered, ended, abandoned, transferred (the new leg), or repeated: the call as it is now", body = Call),
        (status = 400, description = "Missing key, unknown queue or call, a time before the call's previous event, or a bad field", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the telephony system's (admin) token, and not the agent's own call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The hook does not fit the call's state (ended before answered, answered twice by two agents), or its key is still being processed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different hook", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn call_hook(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let hook: CallHook = json_body(&body)?;
    let status = match hook {
        CallHook::Offered { .. } => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    // For an offered call, who is calling (a read) and then their view, for
    // the agent the call may be routed to (sent with their event, not
    // stored), are read beside the write: the lookup while the write
    // checks its key and waits for the write lock, the view while it
    // routes and commits. The lookup's connection is taken before the
    // write begins: the write waits for the lookup while it holds the
    // lock, and must never wait for the pool then (writers waiting for the
    // lock may hold every connection).
    let caller = match &hook {
        CallHook::Offered { caller, .. } => Some(caller.as_str()),
        _ => None,
    };
    let looking = match caller {
        Some(_) => Some(state.db.pool().acquire().await.map_err(Error::from)?),
        None => None,
    };
    let looking = tokio::sync::Mutex::new(looking);
    let found: OnceCell<Option<i64>> = OnceCell::new();
    let customer = async || match caller {
        Some(c) => found
            .get_or_try_init(|| async {
                // Given back to the pool as soon as the lookup is done.
                let Some(mut conn) = looking.lock().await.take() else {
                    return Err(Error::Corrupt("the caller was looked up twice".into()));
                };
                simulator::one_customer_on(&mut conn, c).await
            })
            .await
            .copied(),
        None => Ok(None),
    };
    let as_of = state.as_of();
    // Who routing chose, told from inside the transaction so their
    // authority is read while it commits (dropped unsent when the write
    // ends without routing the call).
    let (chosen, routed) = tokio::sync::oneshot::channel::<AgentId>();
    let chosen = Mutex::new(Some(chosen));
    let prefetch = async {
        match customer().await {
            Ok(Some(c)) if state.events.streams() > 0 => Some(
                pop::prefetch(&state.db, &state.events, c, as_of, async {
                    routed.await.ok()
                })
                .await,
            ),
            _ => None,
        }
    };
    let outcome = Mutex::new(Outcome::default());
    let written = write(
        &state,
        &agent,
        &headers,
        "POST /v1/calls",
        &body,
        status,
        async |conn, w, hook: CallHook| {
            let mut out = Outcome::default();
            let customer = customer().await?;
            let call = apply(conn, &mut out, w.agent, &hook, customer).await?;
            if let Some(r) = out.routed.first()
                && let Some(tx) = chosen.lock().ok().and_then(|mut c| c.take())
            {
                let _ = tx.send(r.agent_id);
            }
            *outcome
                .lock()
                .map_err(|_| Error::Corrupt("outcome lock".into()))? = out;
            // Announced below with the routed calls, once committed.
            Ok(Written {
                value: call,
                events: vec![],
            })
        },
    );
    let written = async {
        let res = written.await;
        // Routing chose nobody, or the write failed: stop waiting.
        drop(chosen.lock().ok().and_then(|mut c| c.take()));
        res
    };
    let (res, ready) = tokio::join!(written, prefetch);
    let res = res?;
    let mut out = outcome.into_inner().unwrap_or_default();
    pop::attach(&state.db, &state.events, &mut out, ready, as_of).await;
    state.live.announce(&state.events, &out);
    Ok(res)
}

/// Every queue with its live figures (the last 30 minutes). Anyone signed
/// in: agents see their queues' figures in the status bar.
#[utoipa::path(
    get, path = "/v1/queues", tag = "queues",
    responses((status = 200, description = "Queues and their figures", body = [QueueLive]))
)]
pub async fn list_queues(State(state): State<AppState>) -> Result<Json<Vec<QueueLive>>, ApiError> {
    let d = desk::snapshot(&state.db, Utc::now().timestamp_millis(), None).await?;
    Ok(Json(d.queues))
}

/// The supervisor desk: queues, figures, alerts, agents and their calls,
/// first-contact resolution. Supervisors and admins.
#[utoipa::path(
    get, path = "/v1/desk", tag = "queues",
    responses(
        (status = 200, description = "The desk now", body = Desk),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_desk(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
) -> Result<Json<Desk>, ApiError> {
    require_supervisor(&agent, "open the supervisor desk")?;
    let fcr = desk::cached_fcr(&state.db, &state.live).await;
    Ok(Json(
        desk::snapshot(&state.db, Utc::now().timestamp_millis(), fcr).await?,
    ))
}

/// Every agent serving a queue or with a state, with their call.
/// Supervisors and admins.
#[utoipa::path(
    get, path = "/v1/agents", tag = "queues",
    responses(
        (status = 200, description = "Agents by name", body = [AgentStatus]),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_agents(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
) -> Result<Json<Vec<AgentStatus>>, ApiError> {
    require_supervisor(&agent, "list agents' states")?;
    let d = desk::snapshot(&state.db, Utc::now().timestamp_millis(), None).await?;
    Ok(Json(d.agents))
}

/// The signed-in agent's state, since when, and their call.
#[utoipa::path(
    get, path = "/v1/agents/me/state", tag = "queues",
    responses((status = 200, description = "Your state", body = AgentStatus))
)]
pub async fn my_state(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
) -> Result<Json<AgentStatus>, ApiError> {
    let mut conn = state.db.pool().acquire().await.map_err(Error::from)?;
    Ok(Json(routing::status(&mut conn, agent.id).await?))
}

/// Set your state: available (ends a wrap-up; a waiting call may come at
/// once), break or offline. Setting the state you are in changes nothing.
#[utoipa::path(
    put, path = "/v1/agents/me/state", tag = "queues",
    request_body = StateChange,
    responses(
        (status = 200, description = "Your state now (on call when a waiting call came at once)", body = AgentStatus),
        (status = 400, description = "on_call or after_call_work (those follow calls)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "You are on a call", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn set_my_state(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    body: Bytes,
) -> Result<Json<AgentStatus>, ApiError> {
    let change: StateChange = json_body(&body)?;
    let mut tx = state.db.write().await.map_err(Error::from)?;
    let mut out = routing::set_state(
        &mut tx,
        Utc::now().timestamp_millis(),
        agent.id,
        change.state,
    )
    .await?;
    let mut status = routing::status(&mut tx, agent.id).await?;
    tx.commit().await.map_err(Error::from)?;
    // A waiting call given at once: the reply, which the client may read
    // before the event, carries the caller's view as the event does.
    pop::attach(&state.db, &state.events, &mut out, None, state.as_of()).await;
    status.caller_view = out.events.iter().find_map(|e| match &e.body {
        EventBody::AgentState(st) if st.agent.id == agent.id => st.caller_view.clone(),
        _ => None,
    });
    state.live.announce(&state.events, &out);
    Ok(Json(status))
}

fn instant_param(
    p: &HashMap<String, String>,
    name: &str,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    p.get(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::invalid(
                        name,
                        format!("{name} must be an RFC 3339 instant such as 2026-11-20T00:00:00Z; got '{v}'."),
                    )
                })
        })
        .transpose()
}

/// Query of `GET /v1/queues/report`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReportParams {
    /// Start (RFC 3339, included).
    from: String,
    /// End (RFC 3339, excluded); default now.
    to: Option<String>,
}

/// The figures of every queue over `[from, to)`: a day, a shift, an hour.
/// Supervisors and admins.
#[utoipa::path(
    get, path = "/v1/queues/report", tag = "queues",
    params(ReportParams),
    responses(
        (status = 200, description = "Figures per queue and for all together", body = Report),
        (status = 400, description = "A bad or missing instant, from not before to, or an interval longer than 92 days", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<Report>, ApiError> {
    require_supervisor(&agent, "read queue reports")?;
    let from = instant_param(&p, "from")?.ok_or_else(|| {
        ApiError::invalid(
            "from",
            "Give the start of the interval as from=, for example from=2026-11-20T00:00:00Z.",
        )
    })?;
    let to = instant_param(&p, "to")?.unwrap_or_else(Utc::now);
    if from >= to {
        return Err(ApiError::invalid("from", "from must be before to."));
    }
    if to - from > chrono::Duration::days(REPORT_MAX_DAYS) {
        return Err(ApiError::invalid(
            "from",
            format!("A report covers at most {REPORT_MAX_DAYS} days; ask for a shorter interval."),
        ));
    }
    Ok(Json(
        desk::report(&state.db, millis(from), millis(to)).await?,
    ))
}

/// Longest interval of one `GET /v1/queues/report`, in days.
pub const REPORT_MAX_DAYS: i64 = 92;

/// Query of `GET /v1/queues/{id}/what-if`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct WhatIfParams {
    /// Agents to staff, 1 to 20,000 (default: the number Erlang C requires).
    #[param(minimum = 1, maximum = 20000)]
    agents: Option<u32>,
    /// Arrival rate, 0 to 1,000,000 (default: the last 30 minutes').
    #[param(minimum = 0, maximum = 1000000)]
    calls_per_hour: Option<f64>,
    /// Average handle time in seconds, more than 0 and at most 86,400
    /// (default: the last 30 minutes'). The traffic, calls per hour × AHT ÷
    /// 3600, is at most 10,000 erlangs.
    #[param(exclusive_minimum = 0, maximum = 86400)]
    aht_secs: Option<f64>,
}

/// Largest arrival rate a what-if takes, calls per hour.
pub const WHAT_IF_MAX_RATE: f64 = 1_000_000.0;
/// Longest AHT a what-if takes, seconds (a day).
pub const WHAT_IF_MAX_AHT: f64 = 86_400.0;
/// How long a what-if may compute before the request gets a 503.
pub const WHAT_IF_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

fn number<T: std::str::FromStr>(
    p: &HashMap<String, String>,
    name: &str,
    what: &str,
) -> Result<Option<T>, ApiError> {
    p.get(name)
        .map(|v| {
            v.trim()
                .parse::<T>()
                .map_err(|_| ApiError::invalid(name, format!("{name} must be {what}; got '{v}'.")))
        })
        .transpose()
}

/// Erlang C for a queue: agents needed for its target at the current
/// arrival rate and AHT, and the SL and ASA with N agents and its
/// neighbours. Supervisors and admins.
#[utoipa::path(
    get, path = "/v1/queues/{id}/what-if", tag = "queues",
    params(("id" = i64, Path, description = "Queue id"), WhatIfParams),
    responses(
        (status = 200, description = "The what-if table", body = WhatIf),
        (status = 400, description = "A parameter is not a number or out of its range (agents 1-20,000, calls per hour 0-1,000,000, AHT up to a day, traffic up to 10,000 erlangs), or no AHT is known yet and none was given", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such queue", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The computation took longer than its deadline (5 s)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn what_if(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<WhatIf>, ApiError> {
    require_supervisor(&agent, "use the staffing what-if")?;
    let id: i64 = id.trim().parse().map_err(|_| {
        ApiError::invalid("id", format!("A queue id is a whole number; got '{id}'."))
    })?;
    let max_agents = erlang::MAX_AGENTS;
    let agents = number::<u32>(
        &p,
        "agents",
        &format!("a whole number of agents from 1 to {max_agents}"),
    )?;
    if agents.is_some_and(|n| !(1..=max_agents).contains(&n)) {
        return Err(ApiError::invalid(
            "agents",
            format!("agents must be a whole number from 1 to {max_agents}."),
        ));
    }
    let rate = number::<f64>(&p, "calls_per_hour", "a number of calls per hour")?;
    if rate.is_some_and(|r| !r.is_finite() || !(0.0..=WHAT_IF_MAX_RATE).contains(&r)) {
        return Err(ApiError::invalid(
            "calls_per_hour",
            "calls_per_hour must be from 0 to 1,000,000.",
        ));
    }
    let aht = number::<f64>(&p, "aht_secs", "a number of seconds")?;
    if aht.is_some_and(|a| !a.is_finite() || a <= 0.0 || a > WHAT_IF_MAX_AHT) {
        return Err(ApiError::invalid(
            "aht_secs",
            "aht_secs must be more than 0 and at most 86,400 (a day).",
        ));
    }
    let d = desk::snapshot(&state.db, Utc::now().timestamp_millis(), None).await?;
    let live = d
        .queues
        .iter()
        .find(|q| q.queue.id == id)
        .ok_or(Error::NotFound { what: "queue", id })?;
    let hours = queues::WINDOW_HOURS;
    let rate = rate.unwrap_or(live.window.offered as f64 / hours);
    let Some(aht) = aht.or(live.window.aht_secs) else {
        return Err(ApiError::invalid(
            "aht_secs",
            format!(
                "No call of {} was handled in the last 30 minutes, so its AHT is not known: give aht_secs.",
                live.queue.name
            ),
        ));
    };
    let traffic = rate * aht / 3600.0;
    if traffic > erlang::MAX_TRAFFIC_ERLANGS {
        return Err(ApiError::invalid(
            "calls_per_hour",
            format!(
                "The traffic, calls per hour × AHT ÷ 3600, is {traffic:.0} erlangs; the what-if computes at most {:.0}.",
                erlang::MAX_TRAFFIC_ERLANGS
            ),
        ));
    }
    // Off the async workers, with a deadline: other requests (and the
    // signal that stops the server) are not held up by the computation.
    let queue = live.queue.clone();
    let staffed = live.agents.staffed();
    let work =
        tokio::task::spawn_blocking(move || desk::what_if(&queue, rate, aht, staffed, agents));
    match tokio::time::timeout(WHAT_IF_DEADLINE, work).await {
        Ok(Ok(w)) => Ok(Json(w)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the what-if computation failed");
            Err(ApiError::internal())
        }
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The what-if took longer than {} s; try fewer agents or less traffic.",
                WHAT_IF_DEADLINE.as_secs()
            ),
        )),
    }
}
