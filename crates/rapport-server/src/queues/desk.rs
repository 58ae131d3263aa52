//! The supervisor desk: a snapshot of every queue's figures over the last
//! 30 minutes, read from the call log and the state log and computed by
//! [`super::figures`]; agents and their calls; alerts; first-contact
//! resolution; Erlang C staffing. Also the report of any interval, and the
//! publisher task that sends the snapshot as a `desk` event, at most
//! [`MIN_INTERVAL`] apart and only when it changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rapport_api::{
    AgentId, AgentState, AgentStatus, Alert, AlertKind, Desk, EventBody, FCR_DAYS, Fcr, Figures,
    OFFERED_BUCKET_SECS, Queue, QueueFigures, QueueId, QueueLive, Report, SL_BUCKET_SECS, Staffing,
    StateCounts, WINDOW_SECS, WhatIf, WhatIfRow,
};
use sqlx::SqliteConnection;

use super::calls::{CALL_FIELDS, CALL_JSON, CallRow};
use super::figures::{self, CallRecord, Span, StateChange};
use super::routing::{AGENT_ROWS, AgentRow};
use super::{Live, erlang, instant};
use crate::Db;
use crate::codes::Code;
use crate::error::Result;
use crate::events::{Audience, Events};

/// Snapshots are published at most this often.
pub const MIN_INTERVAL: Duration = Duration::from_millis(500);
/// A change is taken this long after it is announced: what follows it at
/// once (a routed call's pop: the agent's event, their client's frame)
/// does not share the machine with the snapshot's reads, and the changes
/// of a burst make one snapshot.
pub const SETTLE: Duration = Duration::from_millis(25);
/// And looked at this often without a change, for what the clock alone
/// moves (calls leaving the window).
pub const REFRESH: Duration = Duration::from_secs(2);
/// First-contact resolution is recomputed this often (it covers a week).
pub const FCR_EVERY: Duration = Duration::from_secs(300);

/// The raw records of one interval.
struct Records {
    queues: Vec<Queue>,
    /// queue → agents serving it.
    members: BTreeMap<QueueId, Vec<AgentId>>,
    calls: Vec<CallRow>,
    log: Vec<StateChange>,
}

/// Rows of `select` (one JSON value each, `json_group_array`'d into one
/// row): sqlx hands SQLite rows over one at a time between two threads,
/// which for thousands of rows costs more than reading them; one row
/// holding them all comes over at once. (PostgreSQL spells it `json_agg`.)
async fn json_rows<T: serde::de::DeserializeOwned>(
    conn: &mut SqliteConnection,
    select: &str,
    bind: i64,
) -> Result<Vec<T>> {
    let text: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(select.to_string()))
        .bind(bind)
        .fetch_one(conn)
        .await?;
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| crate::error::Error::Corrupt(format!("cannot read the call log: {e}"))),
    }
}

/// Calls with an event in `[from, to)`, and (with `active`) every call not
/// finished yet, however old.
async fn calls_between(
    conn: &mut SqliteConnection,
    from_ms: i64,
    to_ms: i64,
    active: bool,
) -> Result<Vec<CallRow>> {
    // A call's events all lie between its offer and its last event. (The
    // offer's bound is applied here: in the query it would tempt the
    // planner onto the offer index, which reads every older call.)
    let mut rows: Vec<CallRow> = json_rows(
        &mut *conn,
        &format!("SELECT json_group_array({CALL_JSON}) FROM calls WHERE last_event_ms >= ?"),
        from_ms,
    )
    .await?;
    rows.retain(|r| r.offered_ms < to_ms);
    rows.sort_by_key(|r| r.id);
    if active {
        let have: HashSet<i64> = rows.iter().map(|r| r.id).collect();
        let open: Vec<CallRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_FIELDS} FROM calls WHERE status IN ('waiting', 'talking', 'wrap_up')"
        )))
        .fetch_all(&mut *conn)
        .await?;
        rows.extend(open.into_iter().filter(|r| !have.contains(&r.id)));
    }
    Ok(rows)
}

/// Every agent's state changes in `[from, to)`, each preceded by their
/// last change before `from`; sorted by agent, then time.
async fn log_between(
    conn: &mut SqliteConnection,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<StateChange>> {
    let mut rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT l.agent_id, l.state, l.at_ms, l.id FROM agent_state_log l WHERE l.id IN \
         (SELECT (SELECT x.id FROM agent_state_log x WHERE x.agent_id = s.agent_id AND x.at_ms < ?1 \
                  ORDER BY x.at_ms DESC, x.id DESC LIMIT 1) FROM agent_states s)",
    )
    .bind(from_ms)
    .fetch_all(&mut *conn)
    .await?;
    rows.extend(
        sqlx::query_as::<_, (i64, String, i64, i64)>(
            "SELECT agent_id, state, at_ms, id FROM agent_state_log WHERE at_ms >= ? AND at_ms < ?",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&mut *conn)
        .await?,
    );
    rows.sort_by_key(|r| (r.0, r.2, r.3));
    rows.into_iter()
        .map(|(agent_id, state, at_ms, _)| {
            Ok(StateChange {
                agent_id,
                state: AgentState::decode(&state)?,
                at_ms,
            })
        })
        .collect()
}

/// Every agent's state changes from `from` to now, each preceded by the
/// state they were in at `from`: the state the first change left (stored
/// with it), or for an agent without changes since, their state now.
async fn log_to_now(conn: &mut SqliteConnection, from_ms: i64) -> Result<Vec<StateChange>> {
    let rows: Vec<(i64, String, i64, i64, Option<String>)> = json_rows(
        &mut *conn,
        "SELECT json_group_array(json_array(agent_id, state, at_ms, id, previous)) \
         FROM agent_state_log WHERE at_ms >= ?",
        from_ms,
    )
    .await?;
    // Sorted here: an ORDER BY would draw the planner onto the agent index
    // and through the whole log.
    let mut rows = rows;
    rows.sort_by_key(|r| (r.0, r.2, r.3));
    let now: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT agent_id, state, since_ms FROM agent_states ORDER BY agent_id")
            .fetch_all(&mut *conn)
            .await?;
    let changed: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    let mut out = Vec::with_capacity(rows.len() + now.len());
    for (agent_id, state, since) in now {
        if !changed.contains(&agent_id) {
            out.push(StateChange {
                agent_id,
                state: AgentState::decode(&state)?,
                at_ms: since.min(from_ms),
            });
        }
    }
    let mut last = None;
    for (agent_id, state, at_ms, _, previous) in rows {
        if last != Some(agent_id) {
            last = Some(agent_id);
            let before = match previous {
                Some(p) => AgentState::decode(&p)?,
                None => AgentState::Offline,
            };
            out.push(StateChange {
                agent_id,
                state: before,
                at_ms: from_ms,
            });
        }
        out.push(StateChange {
            agent_id,
            state: AgentState::decode(&state)?,
            at_ms,
        });
    }
    // Agents in order, each agent's changes in order (stable).
    out.sort_by_key(|c| c.agent_id);
    Ok(out)
}

async fn records(
    conn: &mut SqliteConnection,
    from_ms: i64,
    to_ms: i64,
    active: bool,
) -> Result<Records> {
    let queues = super::list(&mut *conn).await?;
    let mut members: BTreeMap<QueueId, Vec<AgentId>> = BTreeMap::new();
    let pairs: Vec<(i64, i64)> =
        sqlx::query_as("SELECT queue_id, agent_id FROM queue_agents ORDER BY queue_id, agent_id")
            .fetch_all(&mut *conn)
            .await?;
    for (q, a) in pairs {
        members.entry(q).or_default().push(a);
    }
    let calls = calls_between(&mut *conn, from_ms, to_ms, active).await?;
    // The present's window starts from each agent's current state; another
    // interval reads back through the log.
    let log = if active {
        log_to_now(conn, from_ms).await?
    } else {
        log_between(conn, from_ms, to_ms).await?
    };
    Ok(Records {
        queues,
        members,
        calls,
        log,
    })
}

impl Records {
    /// Each queue's calls, as the figures read them.
    fn calls_by_queue(&self) -> HashMap<QueueId, Vec<CallRecord>> {
        let mut out: HashMap<QueueId, Vec<CallRecord>> = HashMap::new();
        for c in &self.calls {
            out.entry(c.queue_id).or_default().push(c.record());
        }
        out
    }
}

/// Spans by agent, so each queue reads its members' alone.
fn by_agent(spans: &[Span]) -> HashMap<AgentId, Vec<Span>> {
    let mut out: HashMap<AgentId, Vec<Span>> = HashMap::new();
    for s in spans {
        out.entry(s.agent_id).or_default().push(*s);
    }
    out
}

fn spans_of<'a>(
    spans: &'a HashMap<AgentId, Vec<Span>>,
    agents: &'a [AgentId],
) -> impl Iterator<Item = &'a Span> {
    agents
        .iter()
        .flat_map(|a| spans.get(a).into_iter().flatten())
}

/// The figures of every queue and of all together over `[from, to)`.
pub async fn report(db: &Db, from_ms: i64, to_ms: i64) -> Result<Report> {
    let mut conn = db.pool().acquire().await?;
    let r = records(&mut conn, from_ms, to_ms, false).await?;
    let spans = figures::spans(&r.log, from_ms, to_ms);
    let grouped = by_agent(&spans);
    let calls = r.calls_by_queue();
    let none = Vec::new();
    let no_calls = Vec::new();
    let queues = r
        .queues
        .iter()
        .map(|q| {
            let members = r.members.get(&q.id).unwrap_or(&none);
            QueueFigures {
                queue_id: q.id,
                figures: figures::figures(
                    calls.get(&q.id).unwrap_or(&no_calls),
                    spans_of(&grouped, members),
                    q.target.secs as i64 * 1000,
                    from_ms,
                    to_ms,
                ),
            }
        })
        .collect::<Vec<_>>();
    Ok(Report {
        total: total(&r, &queues, &spans, from_ms, to_ms),
        queues,
    })
}

/// All queues together: counts and sums added up (each queue's calls
/// against its own threshold), occupancy over every agent once.
fn total(
    r: &Records,
    queues: &[QueueFigures],
    spans: &[Span],
    from_ms: i64,
    to_ms: i64,
) -> Figures {
    let mut t = Figures {
        from: instant(from_ms),
        to: instant(to_ms),
        ..Figures::default()
    };
    for q in queues {
        let f = &q.figures;
        t.offered += f.offered;
        t.answered += f.answered;
        t.answered_within += f.answered_within;
        t.abandoned += f.abandoned;
        t.abandoned_after += f.abandoned_after;
        t.transferred += f.transferred;
        t.wait_ms += f.wait_ms;
        t.handled += f.handled;
        t.talk_ms += f.talk_ms;
        t.hold_ms += f.hold_ms;
        t.acw_ms += f.acw_ms;
    }
    let agents: HashSet<AgentId> = r.members.values().flatten().copied().collect();
    for s in spans.iter().filter(|s| agents.contains(&s.agent_id)) {
        let d = s.to_ms - s.from_ms;
        if s.state.on_contact() {
            t.contact_ms += d;
        } else if s.state == AgentState::Available {
            t.idle_ms += d;
        }
    }
    figures::derive(&mut t);
    t
}

/// Agents on the desk: those serving a queue or with a state.
async fn agents(conn: &mut SqliteConnection, calls: &[CallRow]) -> Result<Vec<AgentStatus>> {
    let rows: Vec<AgentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{AGENT_ROWS} WHERE s.agent_id IS NOT NULL OR a.id IN (SELECT agent_id FROM queue_agents) \
         ORDER BY a.name, a.id"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut queues: HashMap<AgentId, Vec<QueueId>> = HashMap::new();
    let pairs: Vec<(i64, i64)> =
        sqlx::query_as("SELECT agent_id, queue_id FROM queue_agents ORDER BY agent_id, queue_id")
            .fetch_all(&mut *conn)
            .await?;
    for (a, q) in pairs {
        queues.entry(a).or_default().push(q);
    }
    // Names of the customers of the calls in progress, in one query.
    let ids: Vec<i64> = calls
        .iter()
        .filter(|c| matches!(c.status.as_str(), "talking" | "wrap_up"))
        .filter_map(|c| c.customer_id)
        .collect();
    let mut names: HashMap<i64, String> = HashMap::new();
    if !ids.is_empty() {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT id, display_name FROM customers WHERE id IN (",
        );
        let mut sep = qb.separated(", ");
        for id in &ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        names.extend(rows);
    }
    let by_id: HashMap<i64, &CallRow> = calls.iter().map(|c| (c.id, c)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // The call's agent is this agent.
        let call = match row.call_id.and_then(|c| by_id.get(&c)) {
            Some(c) => Some(c.to_call(
                c.customer_id.and_then(|x| names.get(&x).cloned()),
                Some(row.name.clone()),
            )?),
            None => None,
        };
        let q = queues.remove(&row.id).unwrap_or_default();
        out.push(row.status(call, q)?);
    }
    Ok(out)
}

/// Erlang C at the window's arrival rate and AHT.
fn staffing(q: &Queue, f: &Figures, staffed: u32) -> Option<Staffing> {
    let aht = f.aht_secs?;
    let hours = (f.to - f.from).num_milliseconds() as f64 / 3_600_000.0;
    if hours <= 0.0 {
        return None;
    }
    let arrival = f.offered as f64 / hours;
    let a = arrival * aht / 3600.0;
    let t = q.target.secs as f64;
    Some(Staffing {
        arrival_per_hour: arrival,
        aht_secs: aht,
        traffic_erlangs: a,
        required_agents: erlang::required_agents(a, aht, t, q.target.pct as f64 / 100.0),
        staffed,
        sl_if_staffed: erlang::service_level(staffed, a, t, aht),
        asa_if_staffed_secs: erlang::asa_secs(staffed, a, aht),
    })
}

fn clock(secs: u32) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

fn alerts(q: &Queue, open: bool, f: &Figures, longest: u32) -> Vec<Alert> {
    let mut out = Vec::new();
    if let Some(sl) = f.sl
        && open
        && sl * 100.0 < q.target.pct as f64
    {
        out.push(Alert {
            queue_id: q.id,
            kind: AlertKind::ServiceLevel,
            message: format!(
                "{}: SL {:.0}% over the last 30 min, below its {}% target",
                q.name,
                (sl * 100.0).floor(),
                q.target.pct
            ),
        });
    }
    if longest > q.wait_alert_secs {
        out.push(Alert {
            queue_id: q.id,
            kind: AlertKind::LongestWait,
            message: format!(
                "{}: a caller has waited {}, over the {} limit",
                q.name,
                clock(longest),
                clock(q.wait_alert_secs)
            ),
        });
    }
    out
}

/// The desk at `now_ms`: the last [`WINDOW_SECS`] and the present.
pub async fn snapshot(db: &Db, now_ms: i64, fcr: Option<Fcr>) -> Result<Desk> {
    let from = now_ms - WINDOW_SECS as i64 * 1000;
    let mut conn = db.pool().acquire().await?;
    let r = records(&mut conn, from, now_ms, true).await?;
    let spans = figures::spans(&r.log, from, now_ms);
    let agents = agents(&mut conn, &r.calls).await?;
    drop(conn);
    let state_of: HashMap<AgentId, AgentState> =
        agents.iter().map(|a| (a.agent.id, a.state)).collect();
    let minute = ((now_ms.rem_euclid(86_400_000)) / 60_000) as u16;
    let none = Vec::new();
    let no_calls = Vec::new();
    let grouped = by_agent(&spans);
    let by_queue = r.calls_by_queue();
    let mut waiting_in: HashMap<QueueId, Vec<i64>> = HashMap::new();
    for c in r.calls.iter().filter(|c| c.status == "waiting") {
        waiting_in.entry(c.queue_id).or_default().push(c.offered_ms);
    }
    let mut queues = Vec::with_capacity(r.queues.len());
    let mut per_queue = Vec::with_capacity(r.queues.len());
    for q in &r.queues {
        let members = r.members.get(&q.id).unwrap_or(&none);
        let calls = by_queue.get(&q.id).unwrap_or(&no_calls);
        let threshold = q.target.secs as i64 * 1000;
        let window = figures::figures(calls, spans_of(&grouped, members), threshold, from, now_ms);
        let waiting = waiting_in.get(&q.id).map_or(&[][..], Vec::as_slice);
        let oldest = waiting.iter().copied().min();
        let longest = oldest.map_or(0, |o| sat_u32(now_ms.saturating_sub(o).max(0) / 1000));
        let mut counts = StateCounts::default();
        for a in members {
            counts.add(state_of.get(a).copied().unwrap_or(AgentState::Offline));
        }
        let open = q.open_at(minute);
        let refs: Vec<&CallRecord> = calls.iter().collect();
        // Buckets end at the next whole minute (five minutes), so they stay
        // put while the window slides; the last one is in progress.
        let (per_minute, per_five) = (
            OFFERED_BUCKET_SECS as i64 * 1000,
            SL_BUCKET_SECS as i64 * 1000,
        );
        let span = WINDOW_SECS as i64 * 1000;
        let minute_end = (now_ms.div_euclid(per_minute) + 1) * per_minute;
        let five_end = (now_ms.div_euclid(per_five) + 1) * per_five;
        queues.push(QueueLive {
            open,
            waiting: u32::try_from(waiting.len()).unwrap_or(u32::MAX),
            oldest_waiting_since: oldest.map(instant),
            longest_wait_secs: longest,
            staffing: staffing(q, &window, counts.staffed()),
            offered_per_minute: figures::offered_per_bucket(
                calls,
                minute_end - span,
                minute_end,
                per_minute,
            ),
            sl_trend: figures::sl_per_bucket(&refs, threshold, five_end - span, five_end, per_five),
            alerts: alerts(q, open, &window, longest),
            agents: counts,
            queue: q.clone(),
            window: window.clone(),
        });
        per_queue.push(QueueFigures {
            queue_id: q.id,
            figures: window,
        });
    }
    Ok(Desk {
        at: instant(now_ms),
        window_secs: WINDOW_SECS,
        total: total(&r, &per_queue, &spans, from, now_ms),
        queues,
        fcr,
        agents,
    })
}

/// First-contact resolution of the call contacts started in the week that
/// ended [`FCR_DAYS`] days before `now` (each has had its seven days).
pub async fn fcr(db: &Db, now: chrono::DateTime<Utc>) -> Result<Fcr> {
    let week = FCR_DAYS * 86_400;
    let to = now.timestamp() - week;
    let from = to - week;
    let (contacts, resolved): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM interactions j \
             WHERE j.customer_id = i.customer_id AND j.reason = i.reason AND j.id <> i.id \
               AND j.started_at > i.started_at AND j.started_at <= i.started_at + ?3) \
             THEN 1 ELSE 0 END) \
         FROM interactions i WHERE i.channel = 'call' AND i.direction = 'inbound' \
           AND i.started_at >= ?1 AND i.started_at < ?2",
    )
    .bind(from)
    .bind(to)
    .bind(week)
    .fetch_one(db.pool())
    .await?;
    let resolved = resolved.unwrap_or(0);
    Ok(Fcr {
        from: crate::store::from_epoch(from),
        to: crate::store::from_epoch(to),
        contacts: sat_u32(contacts),
        resolved: sat_u32(resolved),
        rate: (contacts > 0).then(|| resolved as f64 / contacts as f64),
    })
}

/// First-contact resolution, recomputed when older than [`FCR_EVERY`].
pub async fn cached_fcr(db: &Db, live: &Live) -> Option<Fcr> {
    let mut cache = live.fcr.lock().await;
    if let Some((at, f)) = cache.as_ref()
        && at.elapsed() < FCR_EVERY
    {
        return Some(f.clone());
    }
    match fcr(db, Utc::now()).await {
        Ok(f) => {
            *cache = Some((std::time::Instant::now(), f.clone()));
            Some(f)
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not compute first-contact resolution");
            cache.as_ref().map(|(_, f)| f.clone())
        }
    }
}

/// Erlang C for `queue` with `agents` (or the required number) and its
/// neighbours, at the window's arrival rate and AHT unless given.
/// A count or duration as u32, saturating instead of wrapping.
fn sat_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

pub fn what_if(
    q: &Queue,
    arrival_per_hour: f64,
    aht_secs: f64,
    staffed: u32,
    agents: Option<u32>,
) -> WhatIf {
    let a = arrival_per_hour * aht_secs / 3600.0;
    let t = q.target.secs as f64;
    let required = erlang::required_agents(a, aht_secs, t, q.target.pct as f64 / 100.0);
    let centre = agents.or(required).unwrap_or(staffed).max(1);
    let rows = (centre.saturating_sub(3).max(1)..=centre.saturating_add(3))
        .map(|n| WhatIfRow {
            agents: n,
            p_wait: erlang::p_wait(n, a),
            sl: erlang::service_level(n, a, t, aht_secs),
            asa_secs: erlang::asa_secs(n, a, aht_secs),
            occupancy: erlang::occupancy(n, a),
        })
        .collect();
    WhatIf {
        queue_id: q.id,
        target: q.target,
        arrival_per_hour,
        aht_secs,
        traffic_erlangs: a,
        required_agents: required,
        staffed,
        rows,
    }
}

/// The desk as an agent's stream gets it: queues, no agents table.
pub fn for_agents(d: &Desk) -> Desk {
    Desk {
        agents: Vec::new(),
        ..d.clone()
    }
}

/// Take snapshots as things change and send them as `desk` events: at most
/// one per [`MIN_INTERVAL`], looked at every [`REFRESH`] otherwise, sent
/// only when something other than the clock changed. Runs while the server
/// serves.
pub async fn publish(db: Db, live: Arc<Live>, events: Arc<Events>) {
    let mut last: Option<Desk> = None;
    loop {
        let changed = tokio::select! {
            _ = live.changed() => true,
            _ = tokio::time::sleep(REFRESH) => false,
        };
        if events.streams() == 0 {
            continue;
        }
        if changed {
            tokio::time::sleep(SETTLE).await;
        }
        let fcr = cached_fcr(&db, &live).await;
        match snapshot(&db, Utc::now().timestamp_millis(), fcr).await {
            Ok(d) => {
                if last.as_ref().is_none_or(|l| !same(l, &d)) {
                    events.publish_ephemeral_to(
                        Audience::Agents,
                        None,
                        EventBody::Desk(Box::new(for_agents(&d))),
                    );
                    events.publish_ephemeral_to(
                        Audience::Supervisors,
                        None,
                        EventBody::Desk(Box::new(d.clone())),
                    );
                    last = Some(d);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not take a desk snapshot"),
        }
        tokio::time::sleep(MIN_INTERVAL).await;
    }
}

/// Equal but for what the clock alone changes (the client ages waits and
/// times in state itself).
fn same(a: &Desk, b: &Desk) -> bool {
    let strip = |d: &Desk| {
        let mut d = d.clone();
        d.at = Default::default();
        (d.total.from, d.total.to) = Default::default();
        for q in &mut d.queues {
            (q.window.from, q.window.to) = Default::default();
            q.longest_wait_secs = 0;
            q.alerts.retain(|x| x.kind != AlertKind::LongestWait);
        }
        d
    };
    strip(a) == strip(b)
}
