//! Live queues: a simulated day under a fixed seed with every figure
//! recomputed here from the raw call and state logs, by code that shares
//! nothing with the server's; and the hooks, agents' states, the desk and
//! the what-if over HTTP against a real server on loopback over a
//! temporary SQLite file.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use rapport_api::{
    AgentState, AgentStatus, Call, CallStatus, Desk, Event, EventBody, Figures, PROBLEM_JSON,
    Problem, QueueLive, Report, Role, WhatIf,
};
use rapport_server::queues::{self, desk, simulator};
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, ServerHandle, agents};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

fn day0() -> i64 {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .unwrap()
        .timestamp_millis()
}

const DAY: i64 = 86_400_000;

async fn seeded(dir: &TempDir, name: &str) -> Db {
    let db = Db::connect_path(&dir.path().join(name)).await.unwrap();
    seed::seed(
        &db,
        &SeedOptions {
            customers: 300,
            seed: 5,
            anchor: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    db
}

/// Run the demo simulation for one day from midnight on `db`: the calls it
/// made, and its calls per hour at the peak, over all queues.
async fn simulate_day(db: &Db, seed: u64) -> (u64, f64) {
    let cfg = simulator::demo_setup(db, seed, 1.0, day0(), &[])
        .await
        .unwrap();
    let peak = cfg.queues.iter().map(|q| q.peak_per_hour).sum();
    let mut sim = simulator::Simulator::start(db, cfg, day0()).await.unwrap();
    sim.run_until(db, day0() + DAY).await.unwrap();
    (sim.calls_made(), peak)
}

/// A call as the raw log holds it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct Raw {
    id: i64,
    external_id: String,
    queue_id: i64,
    caller: String,
    customer_id: Option<i64>,
    status: String,
    offered_ms: i64,
    answered_ms: Option<i64>,
    ended_ms: Option<i64>,
    wrapped_ms: Option<i64>,
    abandoned_ms: Option<i64>,
    transferred_ms: Option<i64>,
    hold_ms: i64,
    agent_id: Option<i64>,
}

async fn raw_calls(db: &Db) -> Vec<Raw> {
    sqlx::query_as(
        "SELECT id, external_id, queue_id, caller, customer_id, status, offered_ms, answered_ms, \
         ended_ms, wrapped_ms, abandoned_ms, transferred_ms, hold_ms, agent_id FROM calls ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap()
}

async fn raw_log(db: &Db) -> Vec<(i64, String, i64)> {
    sqlx::query_as("SELECT agent_id, state, at_ms FROM agent_state_log ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn raw_queues(db: &Db) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT id, sl_threshold_secs FROM queues ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn raw_members(db: &Db) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT queue_id, agent_id FROM queue_agents")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

/// The figures of one queue over [from, to), computed from the raw rows
/// the long way round: every definition spelled out again.
fn recompute(
    calls: &[Raw],
    log: &[(i64, String, i64)],
    agents: &[i64],
    queue: Option<i64>,
    threshold_secs: &HashMap<i64, i64>,
    from: i64,
    to: i64,
) -> Figures {
    let inside = |t: i64| from <= t && t < to;
    let mut f = Figures::default();
    for c in calls
        .iter()
        .filter(|c| queue.is_none_or(|q| c.queue_id == q))
    {
        let t = threshold_secs[&c.queue_id] * 1000;
        if inside(c.offered_ms) {
            f.offered += 1;
        }
        if let Some(a) = c.answered_ms
            && inside(a)
        {
            f.answered += 1;
            f.wait_ms += a - c.offered_ms;
            if a - c.offered_ms <= t {
                f.answered_within += 1;
            }
        }
        if let Some(x) = c.abandoned_ms
            && inside(x)
        {
            f.abandoned += 1;
            if x - c.offered_ms > t {
                f.abandoned_after += 1;
            }
        }
        if c.transferred_ms.is_some_and(inside) {
            f.transferred += 1;
        }
        if let Some(w) = c.wrapped_ms
            && inside(w)
        {
            let (a, e) = (c.answered_ms.unwrap(), c.ended_ms.unwrap());
            f.handled += 1;
            f.hold_ms += c.hold_ms;
            f.talk_ms += e - a - c.hold_ms;
            f.acw_ms += w - e;
        }
    }
    // Occupancy: walk each agent's log in order, each state lasting until
    // the next change (or the end of the interval).
    let mut by_agent: BTreeMap<i64, Vec<(i64, &str)>> = BTreeMap::new();
    for (a, s, at) in log {
        by_agent.entry(*a).or_default().push((*at, s.as_str()));
    }
    for a in agents {
        let Some(changes) = by_agent.get(a) else {
            continue;
        };
        for (i, (at, s)) in changes.iter().enumerate() {
            let until = changes.get(i + 1).map_or(to, |n| n.0);
            let d = until.min(to) - (*at).max(from);
            if d <= 0 {
                continue;
            }
            match *s {
                "on_call" | "after_call_work" => f.contact_ms += d,
                "available" => f.idle_ms += d,
                _ => {}
            }
        }
    }
    let div = |n: i64, d: i64| {
        if d == 0 {
            None
        } else {
            Some(n as f64 / d as f64)
        }
    };
    f.sl = div(
        f.answered_within as i64,
        f.answered as i64 + f.abandoned_after as i64,
    );
    f.asa_secs = div(f.wait_ms, f.answered as i64).map(|x| x / 1000.0);
    f.aht_secs = div(f.talk_ms + f.hold_ms + f.acw_ms, f.handled as i64).map(|x| x / 1000.0);
    f.abandon_rate = div(f.abandoned as i64, f.offered as i64);
    f.occupancy = div(f.contact_ms, f.contact_ms + f.idle_ms);
    f
}

/// Equal in every count, sum and ratio (the interval bounds aside).
fn assert_same(what: &str, got: &Figures, want: &Figures) {
    let mut got = got.clone();
    got.from = want.from;
    got.to = want.to;
    assert_eq!(&got, want, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_recomputed_from_the_raw_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir, "day.sqlite").await;
    let started = std::time::Instant::now();
    let (made, peak) = simulate_day(&db, 11).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(60),
        "a simulated day took {took:?}"
    );

    let calls = raw_calls(&db).await;
    let log = raw_log(&db).await;
    let queues: Vec<(i64, i64)> = raw_queues(&db).await;
    let thresholds: HashMap<i64, i64> = queues.iter().copied().collect();
    let members = raw_members(&db).await;
    assert_eq!(calls.len() as u64, made, "one row per offered call");

    // The day's report, queue by queue and in total.
    let report = desk::report(&db, day0(), day0() + DAY).await.unwrap();
    assert_eq!(report.queues.len(), 5);
    let mut all_agents: Vec<i64> = members.iter().map(|m| m.1).collect();
    all_agents.sort();
    all_agents.dedup();
    for q in &report.queues {
        let agents: Vec<i64> = members
            .iter()
            .filter(|m| m.0 == q.queue_id)
            .map(|m| m.1)
            .collect();
        let want = recompute(
            &calls,
            &log,
            &agents,
            Some(q.queue_id),
            &thresholds,
            day0(),
            day0() + DAY,
        );
        assert_same(&format!("queue {}", q.queue_id), &q.figures, &want);
        assert!(
            want.offered > 50 && want.answered > 0 && want.abandoned > 0,
            "{want:?}"
        );
        assert!(want.handled > 0 && want.hold_ms > 0 && want.contact_ms > 0);
    }
    let want = recompute(
        &calls,
        &log,
        &all_agents,
        None,
        &thresholds,
        day0(),
        day0() + DAY,
    );
    assert_same("all queues", &report.total, &want);

    // An hour of the morning rush, and the desk's last 30 minutes at 15:00.
    let (a, b) = (day0() + 10 * 3_600_000, day0() + 11 * 3_600_000);
    let hour = desk::report(&db, a, b).await.unwrap();
    for q in &hour.queues {
        let agents: Vec<i64> = members
            .iter()
            .filter(|m| m.0 == q.queue_id)
            .map(|m| m.1)
            .collect();
        let want = recompute(&calls, &log, &agents, Some(q.queue_id), &thresholds, a, b);
        assert_same("10:00-11:00", &q.figures, &want);
    }

    // The rates follow the profile: a day of the demo's peak rates times
    // the profile's sum of shares.
    let expected: f64 = peak * simulator::DAY_PROFILE.iter().sum::<f64>();
    let offered = report.total.offered as f64;
    assert!(
        (offered - expected).abs() < 0.1 * expected,
        "{offered} calls offered, about {expected:.0} expected"
    );
    let night = recompute(
        &calls,
        &log,
        &[],
        None,
        &thresholds,
        day0() + 3 * 3_600_000,
        day0() + 4 * 3_600_000,
    );
    let rush = recompute(&calls, &log, &[], None, &thresholds, a, b);
    assert!(
        night.offered * 10 < rush.offered,
        "{} at night, {} at 10",
        night.offered,
        rush.offered
    );

    // Every answered call went to an agent serving its queue, and that
    // agent's log shows them on it when it was answered.
    for c in calls.iter().filter(|c| c.answered_ms.is_some()) {
        let agent = c.agent_id.expect("answered calls have an agent");
        assert!(members.contains(&(c.queue_id, agent)), "{c:?}");
        assert!(
            log.iter()
                .any(|(a, s, at)| *a == agent && s == "on_call" && Some(*at) == c.answered_ms),
            "{c:?}"
        );
    }
    // Callers: mostly customers found by their number, some not.
    let known = calls.iter().filter(|c| c.customer_id.is_some()).count();
    let withheld = calls
        .iter()
        .filter(|c| !c.caller.chars().any(|x| x.is_ascii_digit()))
        .count();
    let national = calls.iter().filter(|c| c.caller.starts_with('0')).count();
    assert!(
        known > calls.len() * 6 / 10,
        "{known} of {} callers known",
        calls.len()
    );
    assert!(withheld > 0 && national > 0);

    // The same seed on another copy of the data gives the same call log.
    let db2 = seeded(&dir, "again.sqlite").await;
    simulate_day(&db2, 11).await;
    let again = raw_calls(&db2).await;
    let strip = |v: &[Raw]| -> Vec<Raw> {
        v.iter()
            .map(|c| Raw {
                external_id: String::new(),
                ..c.clone()
            })
            .collect()
    };
    assert_eq!(strip(&again), strip(&calls), "deterministic under a seed");
    assert_eq!(raw_log(&db2).await, log);
    db2.close().await;

    // The desk at 15:00 of that day, against the raw log.
    let now = day0() + 15 * 3_600_000;
    // A simulation stopped at 15:00 to look at the present.
    let db3 = seeded(&dir, "live.sqlite").await;
    let cfg = simulator::demo_setup(&db3, 11, 1.0, day0(), &[])
        .await
        .unwrap();
    let mut sim = simulator::Simulator::start(&db3, cfg, day0())
        .await
        .unwrap();
    sim.run_until(&db3, now).await.unwrap();
    let d = desk::snapshot(&db3, now, None).await.unwrap();
    let calls3 = raw_calls(&db3).await;
    let log3 = raw_log(&db3).await;
    let from = now - 30 * 60_000;
    for q in &d.queues {
        let agents: Vec<i64> = members
            .iter()
            .filter(|m| m.0 == q.queue.id)
            .map(|m| m.1)
            .collect();
        let want = recompute(
            &calls3,
            &log3,
            &agents,
            Some(q.queue.id),
            &thresholds,
            from,
            now,
        );
        assert_same(&q.queue.code, &q.window, &want);
        let waiting: Vec<&Raw> = calls3
            .iter()
            .filter(|c| c.queue_id == q.queue.id && c.status == "waiting")
            .collect();
        assert_eq!(q.waiting as usize, waiting.len());
        let oldest = waiting.iter().map(|c| c.offered_ms).min();
        assert_eq!(
            q.longest_wait_secs as i64,
            oldest.map_or(0, |o| (now - o) / 1000)
        );
        assert_eq!(
            q.offered_per_minute.iter().sum::<u32>() as usize,
            calls3
                .iter()
                .filter(|c| c.queue_id == q.queue.id)
                .filter(|c| {
                    // The sparkline ends at the next whole minute.
                    let end = (now / 60_000 + 1) * 60_000;
                    c.offered_ms >= end - 30 * 60_000 && c.offered_ms < end
                })
                .count()
        );
        let counts = q.agents;
        assert_eq!(
            counts.available
                + counts.on_call
                + counts.after_call_work
                + counts.on_break
                + counts.offline,
            agents.len() as u32
        );
        if let Some(s) = &q.staffing {
            assert_eq!(s.traffic_erlangs, s.arrival_per_hour * s.aht_secs / 3600.0);
            assert_eq!(s.arrival_per_hour, want.offered as f64 * 2.0);
        }
        for alert in &q.alerts {
            match alert.kind {
                rapport_api::AlertKind::ServiceLevel => {
                    assert!(want.sl.unwrap() * 100.0 < q.queue.target.pct as f64)
                }
                rapport_api::AlertKind::LongestWait => {
                    assert!(q.longest_wait_secs > q.queue.wait_alert_secs)
                }
            }
        }
    }
    assert!(
        d.agents
            .iter()
            .any(|a| a.simulated && a.state == AgentState::OnCall)
    );
    // Stopping: the callers hang up, the team signs off.
    sim.stop(&db3, now).await.unwrap();
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE status IN ('waiting', 'talking')")
            .fetch_one(db3.pool())
            .await
            .unwrap();
    assert_eq!(waiting, 0);
    let on: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agent_states WHERE state <> 'offline'")
        .fetch_one(db3.pool())
        .await
        .unwrap();
    assert_eq!(on, 0);
    db3.close().await;
    db.close().await;
}

// ---------------------------------------------------------------- HTTP

struct Fixture {
    _dir: TempDir,
    db: Db,
    handle: Option<ServerHandle>,
    url: String,
    http: reqwest::Client,
    /// The telephony system's (admin) token.
    pbx: String,
    mei: (i64, String),
    tom: (i64, String),
    ana: String,
    jane_phone: String,
    jane: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::Builder::new()
        .prefix("rapport-queues-test")
        .tempdir()
        .unwrap();
    let db = seeded(&dir, "rapport.db").await;
    let add = |name: &'static str, role: Role| {
        let db = db.clone();
        async move { agents::add(&db, name, role, Some("Test")).await.unwrap() }
    };
    let (mei, mei_t) = add("Mei Lin", Role::Agent).await;
    let (tom, tom_t) = add("Tom Baker", Role::Agent).await;
    let (_, ana) = add("Ana Ruiz", Role::Supervisor).await;
    let (_, pbx) = add("Asterisk", Role::Admin).await;
    let qs = queues::ensure_demo(&db).await.unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    for q in &qs {
        queues::join(&mut conn, q.id, mei.id).await.unwrap();
    }
    queues::join(&mut conn, qs[0].id, tom.id).await.unwrap();
    // A customer with a number of their own.
    let (jane, jane_phone): (i64, String) = sqlx::query_as(
        "SELECT customer_id, e164 FROM customer_phones p WHERE (SELECT COUNT(*) FROM customer_phones q \
         WHERE q.digits = p.digits) = 1 ORDER BY customer_id LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(listener, db.clone(), ServerConfig::default())
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        db,
        url: handle.url(),
        handle: Some(handle),
        http: reqwest::Client::new(),
        pbx,
        mei: (mei.id, mei_t),
        tom: (tom.id, tom_t),
        ana,
        jane_phone,
        jane,
    }
}

fn key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "hook-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl Fixture {
    async fn hook_with(&self, token: &str, key: &str, body: Value) -> (StatusCode, Value, bool) {
        let res = self
            .http
            .post(format!("{}/v1/calls", self.url))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let replayed = res.headers().contains_key("Idempotent-Replayed");
        if !status.is_success() {
            assert_eq!(res.headers()["content-type"], PROBLEM_JSON);
        }
        (status, res.json().await.unwrap_or(Value::Null), replayed)
    }

    async fn hook(&self, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.hook_with(&self.pbx, &key(), body).await;
        (s, v)
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        if !status.is_success() {
            assert_eq!(res.headers()["content-type"], PROBLEM_JSON, "{path}");
        }
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn set_state(&self, token: &str, state: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .put(format!("{}/v1/agents/me/state", self.url))
            .bearer_auth(token)
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
        self.db.close().await;
    }
}

fn problem(v: &Value) -> Problem {
    serde_json::from_value(v.clone()).unwrap()
}

fn call(v: &Value) -> Call {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hooks_route_to_the_longest_idle_agent_and_drive_the_figures() {
    let f = fixture().await;
    // Tom has been available longer than Mei.
    assert_eq!(f.set_state(&f.tom.1, "available").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (s, me) = f.set_state(&f.mei.1, "available").await;
    assert_eq!(s, StatusCode::OK);
    let me: AgentStatus = serde_json::from_value(me).unwrap();
    assert_eq!(me.state, AgentState::Available);

    let t0 = Utc::now() - chrono::Duration::seconds(30);
    let at = |s: i64| (t0 + chrono::Duration::seconds(s)).to_rfc3339();
    let offer = json!({"event": "offered", "call_id": "pbx-1", "queue": "billing",
                       "caller": f.jane_phone, "at": at(0)});
    let k = key();
    let (s, v, replayed) = f.hook_with(&f.pbx, &k, offer.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(!replayed);
    let c = call(&v);
    assert_eq!(c.status, CallStatus::Talking, "routed and answered at once");
    assert_eq!(
        c.agent.as_ref().map(|a| a.id),
        Some(f.tom.0),
        "the longest idle"
    );
    assert_eq!(
        c.customer_id,
        Some(f.jane),
        "the caller's number names one customer"
    );
    // The same hook again, as after a timeout: the same answer, one call.
    let (s, again, replayed) = f.hook_with(&f.pbx, &k, offer.clone()).await;
    assert_eq!((s, replayed), (StatusCode::CREATED, true));
    assert_eq!(again, v);
    let (s, v, _) = f
        .hook_with(
            &f.pbx,
            &k,
            json!({"event": "abandoned", "call_id": "pbx-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A new key for the same call is a second offer: refused, in words.
    let (s, v) = f.hook(offer).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let detail = problem(&v).detail.unwrap();
    assert!(detail.contains("'pbx-1' was offered already"), "{detail}");

    // A second call goes to Mei (Tom is on a call); a third waits.
    let (_, v) = f
        .hook(
            json!({"event": "offered", "call_id": "pbx-2", "queue": "billing",
                     "caller": "anonymous", "at": at(1)}),
        )
        .await;
    assert_eq!(call(&v).agent.map(|a| a.id), Some(f.mei.0));
    assert_eq!(call(&v).customer_id, None);
    let (_, v) = f
        .hook(
            json!({"event": "offered", "call_id": "pbx-3", "queue": "billing",
                     "caller": "+4479 0000 0000", "at": at(2)}),
        )
        .await;
    assert_eq!(call(&v).status, CallStatus::Waiting);

    // Lifecycle checks say what is wrong.
    let (s, v) = f
        .hook(json!({"event": "ended", "call_id": "pbx-3", "at": at(3)}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(problem(&v).detail.unwrap().contains("abandoned"), "{v}");
    let (s, v) = f
        .hook(json!({"event": "abandoned", "call_id": "pbx-1", "at": at(3)}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = f
        .hook(json!({"event": "offered", "call_id": "pbx-9", "queue": "bilingual", "caller": "1"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let p = problem(&v);
    assert!(
        p.detail.as_deref().unwrap().contains("billing, support"),
        "{p:?}"
    );
    assert_eq!(p.errors[0].path, "/queue");
    let (s, v) = f.hook(json!({"event": "ended", "call_id": "nope"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = f
        .hook(json!({"event": "ended", "call_id": "pbx-1", "at": at(-60)}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "before it was answered: {v}");
    let (s, v) = f
        .hook(json!({"event": "ended", "call_id": "pbx-1", "at": at(4), "hold_secs": 100}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "more hold than talk: {v}");
    let (s, v) = f.hook(json!({"event": "rang", "call_id": "pbx-1"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Agents may not send the telephony system's hooks, but may end their own call.
    let (s, v, _) = f
        .hook_with(
            &f.mei.1,
            &key(),
            json!({"event": "abandoned", "call_id": "pbx-3"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v, _) = f
        .hook_with(
            &f.mei.1,
            &key(),
            json!({"event": "ended", "call_id": "pbx-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "Tom's call: {v}");

    // Tom's talk ends with 3 s on hold; he is in wrap-up, then available,
    // and takes the waiting call at once.
    let (s, v) = f
        .hook(json!({"event": "ended", "call_id": "pbx-1", "at": at(10), "hold_secs": 3}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(call(&v).status, CallStatus::WrapUp);
    let (_, v) = f.get("/v1/agents/me/state", &f.tom.1).await;
    let tom: AgentStatus = serde_json::from_value(v).unwrap();
    assert_eq!(tom.state, AgentState::AfterCallWork);
    assert_eq!(
        tom.call.as_ref().map(|c| c.external_id.as_str()),
        Some("pbx-1")
    );
    let (s, v) = f.set_state(&f.tom.1, "on_call").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = f.set_state(&f.tom.1, "available").await;
    assert_eq!(s, StatusCode::OK);
    let tom: AgentStatus = serde_json::from_value(v).unwrap();
    assert_eq!(
        tom.state,
        AgentState::OnCall,
        "the waiting call came at once"
    );
    assert_eq!(tom.call.unwrap().external_id, "pbx-3");
    let (s, _) = f.set_state(&f.tom.1, "break").await;
    assert_eq!(s, StatusCode::CONFLICT, "on a call");

    // Mei ends her own call from her desk, then transfers nothing.
    let (s, v, _) = f
        .hook_with(
            &f.mei.1,
            &key(),
            json!({"event": "ended", "call_id": "pbx-2"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(f.set_state(&f.mei.1, "break").await.0, StatusCode::OK);

    // A call Tom transfers to support: his talk ends, a new leg waits there
    // (Mei, who serves support, is on break).
    let (s, v) = f
        .hook(json!({"event": "transferred", "call_id": "pbx-3", "to_queue": "support"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let leg = call(&v);
    assert_eq!((leg.leg, leg.status), (2, CallStatus::Waiting));
    assert!(leg.transferred_from.is_some());
    // A waiting call answered by an agent the telephony system chose.
    let (s, v) = f
        .hook(json!({"event": "answered", "call_id": "pbx-3"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no agent named: {v}");
    let (s, v) = f
        .hook(json!({"event": "answered", "call_id": "pbx-3", "agent_id": f.mei.0}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(call(&v).agent.map(|a| a.id), Some(f.mei.0));

    // The report counts it all, by the definitions.
    let from = (t0 - chrono::Duration::minutes(1)).to_rfc3339();
    let (s, v) = f
        .get(
            &format!("/v1/queues/report?from={}", urlencode(&from)),
            &f.ana,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r: Report = serde_json::from_value(v).unwrap();
    let billing = &r.queues[0].figures;
    assert_eq!((billing.offered, billing.answered), (3, 3));
    assert_eq!(billing.answered_within, 2, "pbx-3 waited for Tom's wrap-up");
    assert_eq!(billing.hold_ms, 3000);
    assert_eq!(
        billing.handled, 2,
        "pbx-1 and pbx-2 wrapped up (Mei's break ended hers); Tom is wrapping up pbx-3"
    );
    let support = &r.queues[1].figures;
    assert_eq!((support.offered, support.answered), (1, 1));

    f.stop().await;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn supervisor_endpoints_refuse_an_agents_token() {
    let f = fixture().await;
    for path in [
        "/v1/desk",
        "/v1/agents",
        "/v1/queues/report?from=2026-11-01T00:00:00Z",
        "/v1/queues/1/what-if",
        "/v1/approvals",
        "/v1/complaints/at-risk",
    ] {
        let (s, v) = f.get(path, &f.mei.1).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        let p = problem(&v);
        assert_eq!(p.status, 403);
        assert!(p.detail.unwrap().contains("supervisors"), "{path}");
        let (s, _) = f.get(path, &f.ana).await;
        assert!(
            s == StatusCode::OK || s == StatusCode::BAD_REQUEST,
            "{path}: {s}"
        );
    }
    // Everyone sees the queues and their own state.
    let (s, v) = f.get("/v1/queues", &f.mei.1).await;
    assert_eq!(s, StatusCode::OK);
    let q: Vec<QueueLive> = serde_json::from_value(v).unwrap();
    assert_eq!(q.len(), 5);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_what_if_is_erlang_c() {
    let f = fixture().await;
    // The Call Centre Helper example: 200 calls an hour, 180 s, 80/20.
    let (s, v) = f
        .get(
            "/v1/queues/1/what-if?calls_per_hour=200&aht_secs=180&agents=14",
            &f.ana,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let w: WhatIf = serde_json::from_value(v).unwrap();
    assert_eq!(w.traffic_erlangs, 10.0);
    assert_eq!(w.required_agents, Some(14));
    let row = w.rows.iter().find(|r| r.agents == 14).unwrap();
    assert_eq!(row.sl, queues::erlang::service_level(14, 10.0, 20.0, 180.0));
    assert_eq!(row.asa_secs, queues::erlang::asa_secs(14, 10.0, 180.0));
    let ten = w.rows.iter().find(|r| r.agents == 11).unwrap();
    assert!(ten.sl.unwrap() < 0.5);
    // No calls handled yet: the AHT is not known and must be given.
    let (s, v) = f.get("/v1/queues/1/what-if", &f.ana).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(problem(&v).detail.unwrap().contains("aht_secs"));
    let (s, _) = f.get("/v1/queues/99/what-if?aht_secs=100", &f.ana).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_what_if_past_its_bounds_is_refused_at_once_and_health_keeps_answering() {
    let f = fixture().await;
    // Each of these pinned a core for minutes, or wrapped to 0 agents.
    for (q, field) in [
        (
            "agents=4000000000&aht_secs=180&calls_per_hour=200",
            "agents",
        ),
        ("agents=0&aht_secs=180&calls_per_hour=200", "agents"),
        ("calls_per_hour=1e300&aht_secs=180", "calls_per_hour"),
        ("calls_per_hour=-1&aht_secs=180", "calls_per_hour"),
        ("calls_per_hour=NaN&aht_secs=180", "calls_per_hour"),
        ("calls_per_hour=200&aht_secs=1e12", "aht_secs"),
        ("calls_per_hour=200&aht_secs=0", "aht_secs"),
        // 1,000,000 calls an hour of an hour each: 1,000,000 erlangs.
        ("calls_per_hour=1000000&aht_secs=3600", "calls_per_hour"),
    ] {
        let started = std::time::Instant::now();
        let (s, v) = f.get(&format!("/v1/queues/1/what-if?{q}"), &f.ana).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        let p = problem(&v);
        assert_eq!(p.errors[0].path, field, "{q}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{q} took {:?}",
            started.elapsed()
        );
    }
    // At the bounds the answer comes quickly, and /health answers while
    // several run at once.
    let heavy = "/v1/queues/1/what-if?calls_per_hour=100000&aht_secs=360&agents=20000";
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let http = f.http.clone();
            let url = format!("{}{heavy}", f.url);
            let token = f.ana.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let res = http.get(url).bearer_auth(token).send().await.unwrap();
                (res.status(), started.elapsed())
            })
        })
        .collect();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let res = f
            .http
            .get(format!("{}/health", f.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "/health took {:?} under what-ifs",
            started.elapsed()
        );
    }
    for r in runs {
        let (status, took) = r.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(
            took < Duration::from_secs(5),
            "a what-if at the bounds took {took:?}"
        );
    }
    f.stop().await;
}

async fn next_event(
    stream: &mut (
             impl futures::Stream<
        Item = Result<
            eventsource_stream::Event,
            eventsource_stream::EventStreamError<reqwest::Error>,
        >,
    > + Unpin
         ),
    want: impl Fn(&Event) -> bool,
) -> Event {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let m = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the event arrives in time")
            .unwrap()
            .unwrap();
        let e: Event = serde_json::from_str(&m.data).unwrap();
        if want(&e) {
            return e;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_routed_call_reaches_the_agents_stream_and_the_desk_follows() {
    let f = fixture().await;
    let open = |token: String| {
        let http = f.http.clone();
        let url = f.url.clone();
        async move {
            http.get(format!("{url}/v1/events"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .bytes_stream()
                .eventsource()
        }
    };
    let mut mei = open(f.mei.1.clone()).await;
    let mut ana = open(f.ana.clone()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    f.set_state(&f.mei.1, "available").await;
    let (_, v) = f
        .hook(json!({"event": "offered", "call_id": "pbx-ev", "queue": "sales", "caller": f.jane_phone}))
        .await;
    assert_eq!(call(&v).agent.map(|a| a.id), Some(f.mei.0));
    // Mei's stream: her state, on call, with the call (durable: it has an id).
    let e = next_event(
        &mut mei,
        |e| matches!(&e.body, EventBody::AgentState(s) if s.state == AgentState::OnCall),
    )
    .await;
    assert!(e.id.is_some(), "durable");
    let EventBody::AgentState(s) = e.body else {
        unreachable!()
    };
    assert_eq!(s.agent.id, f.mei.0);
    assert_eq!(s.call.unwrap().caller, f.jane_phone);
    // With the caller's view, as Mei would fetch it.
    let v = s
        .caller_view
        .expect("the caller's view comes with the call");
    assert_eq!(v.profile.id, f.jane);
    assert!(v.authority.is_some(), "with Mei's authority");
    let (_, fetched) = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei.1)
        .await;
    assert_eq!(
        serde_json::to_value(&v.profile).unwrap(),
        fetched["profile"]
    );
    assert_eq!(
        serde_json::to_value(&v.interactions).unwrap(),
        fetched["interactions"]
    );
    // The same event on the supervisor's stream, and replayed from the log
    // on a reconnect, comes without it.
    let seen = next_event(
        &mut ana,
        |e| matches!(&e.body, EventBody::AgentState(s) if s.state == AgentState::OnCall),
    )
    .await;
    assert_eq!(seen.id, e.id);
    assert!(matches!(&seen.body, EventBody::AgentState(s) if s.caller_view.is_none()));
    let mut again = f
        .http
        .get(format!("{}/v1/events", f.url))
        .bearer_auth(&f.mei.1)
        .header("Last-Event-ID", (e.id.unwrap() - 1).to_string())
        .send()
        .await
        .unwrap()
        .bytes_stream()
        .eventsource();
    let replayed = next_event(&mut again, |x| x.id == e.id).await;
    assert!(matches!(&replayed.body, EventBody::AgentState(s) if s.caller_view.is_none()));
    // The desk: the supervisor's has the agents table, the agent's not.
    let e = next_event(&mut ana, |e| {
        matches!(&e.body, EventBody::Desk(d) if d.agents.iter().any(|a| a.state == AgentState::OnCall))
    })
    .await;
    assert!(e.id.is_none(), "ephemeral");
    let EventBody::Desk(d) = e.body else {
        unreachable!()
    };
    let d: Desk = *d;
    let sales = d.queues.iter().find(|q| q.queue.code == "sales").unwrap();
    assert_eq!((sales.window.offered, sales.window.answered), (1, 1));
    assert_eq!(sales.agents.on_call, 1);
    let e = next_event(&mut mei, |e| matches!(&e.body, EventBody::Desk(_))).await;
    let EventBody::Desk(d) = e.body else {
        unreachable!()
    };
    assert!(d.agents.is_empty(), "agents get the queues only");
    f.stop().await;
}

/// The freeze of a busy server: the simulator's arrival took the write
/// lock and then waited for pool connections to look its caller up, while
/// every connection was held by a writer waiting for that lock. Nothing
/// moved until the writers' busy timeout (10 s) failed them. Here the
/// simulator offers calls several times a second while 48 clients write
/// notes at once (six times the pool): every write succeeds, none waits
/// for seconds, and the simulator keeps offering calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_simulator_beside_a_full_pool_does_not_freeze_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir, "freeze.db").await;
    let (_, token) = agents::add(&db, "Mei Lin", Role::Agent, None)
        .await
        .unwrap();
    let customers: Vec<i64> = sqlx::query_scalar("SELECT id FROM customers ORDER BY id LIMIT 40")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cfg = ServerConfig {
        // The demo's 112 calls an hour at the peak, 3,000 times over; at
        // 6 in the morning (12 % of the peak, 4 % in the half hour the
        // simulator plays before it starts): about 11 calls a second.
        simulate: Some(rapport_server::Simulate {
            seed: 7,
            scale: 3000.0,
            start_hour: Some(6),
            real_agents: vec![],
        }),
        ..ServerConfig::default()
    };
    let handle = rapport_server::serve(listener, db.clone(), cfg)
        .await
        .unwrap();
    let url = handle.url();
    let calls_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let until = tokio::time::Instant::now() + Duration::from_secs(4);
    let mut tasks = Vec::new();
    for w in 0..48usize {
        let (http, url, token, customer) = (
            http.clone(),
            url.clone(),
            token.clone(),
            customers[w % customers.len()],
        );
        tasks.push(tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            let mut failures = Vec::new();
            let mut n = 0;
            while tokio::time::Instant::now() < until {
                let t = std::time::Instant::now();
                let res = http
                    .post(format!("{url}/v1/interactions"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("freeze-{w}-{n}"))
                    .json(&json!({
                        "customer_id": customer, "channel": "call", "direction": "inbound",
                        "reason": "Billing query", "notes": format!("note {w}-{n}"),
                        "outcome": "Resolved"
                    }))
                    .send()
                    .await;
                slowest = slowest.max(t.elapsed());
                match res {
                    Ok(r) if r.status() == StatusCode::CREATED => {}
                    Ok(r) => failures.push(format!(
                        "{}: {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )),
                    Err(e) => failures.push(e.to_string()),
                }
                n += 1;
            }
            (n, slowest, failures)
        }));
    }
    let mut writes = 0;
    let mut slowest = Duration::ZERO;
    let mut failures = Vec::new();
    for t in tasks {
        let (n, s, f) = t.await.unwrap();
        writes += n;
        slowest = slowest.max(s);
        failures.extend(f);
    }
    let calls_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
        .fetch_one(db.pool())
        .await
        .unwrap();
    handle.shutdown().await;
    db.close().await;
    assert!(
        failures.is_empty(),
        "{} of {writes} writes failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        slowest < Duration::from_secs(2),
        "a write took {slowest:?} ({writes} writes)"
    );
    // Writers that never let go would starve it; it gets its turns.
    assert!(
        calls_after > calls_before,
        "the simulator offered no call in 4 s ({writes} writes)"
    );
}

impl Fixture {
    async fn post_interaction(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}/v1/interactions", self.url))
            .bearer_auth(token)
            .header("Idempotency-Key", key())
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    async fn state_of(&self, token: &str) -> AgentStatus {
        let (s, v) = self.get("/v1/agents/me/state", token).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        serde_json::from_value(v).unwrap()
    }
}

/// The wrap-up of a call, as the client sends it: for `customer`, bound to
/// call `id`.
fn wrap_up(customer: i64, id: i64) -> Value {
    json!({"customer_id": customer, "channel": "call", "direction": "inbound",
           "reason": "Billing query", "outcome": "Resolved", "notes": "Explained the bill",
           "call_id": id})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_wrap_up_of_a_call_ends_after_call_work_on_the_server() {
    let f = fixture().await;
    assert_eq!(f.set_state(&f.mei.1, "available").await.0, StatusCode::OK);
    let t0 = Utc::now() - chrono::Duration::seconds(120);
    let at = |s: i64| (t0 + chrono::Duration::seconds(s)).to_rfc3339();
    let (_, v) = f
        .hook(
            json!({"event": "offered", "call_id": "pbx-w1", "queue": "billing",
                     "caller": f.jane_phone, "at": at(0)}),
        )
        .await;
    let first = call(&v);
    assert_eq!(first.agent.as_ref().map(|a| a.id), Some(f.mei.0));
    let (s, v) = f
        .hook(json!({"event": "ended", "call_id": "pbx-w1", "at": at(95)}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(f.state_of(&f.mei.1).await.state, AgentState::AfterCallWork);
    // A second call waits: Mei is wrapping up, Tom is offline.
    let (_, v) = f
        .hook(
            json!({"event": "offered", "call_id": "pbx-w2", "queue": "billing",
                     "caller": "anonymous", "at": at(100)}),
        )
        .await;
    assert_eq!(call(&v).status, CallStatus::Waiting);

    // Bad call ids are refused in words, and change nothing.
    let (s, v) = f
        .post_interaction(&f.mei.1, wrap_up(f.jane, 9_999_999))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(problem(&v).errors[0].path, "/call_id");
    let (s, v) = f
        .post_interaction(&f.tom.1, wrap_up(f.jane, first.id))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "not Tom's call: {v}");
    assert!(problem(&v).detail.unwrap().contains("not answered by you"));
    assert_eq!(f.state_of(&f.mei.1).await.state, AgentState::AfterCallWork);

    // Mei's wrap-up arrives (as from her outbox, with no times of its own):
    // the interaction runs from the answer to the end of the call, the
    // wrap-up is complete, and she is available, so the waiting call comes
    // to her at once.
    let (s, v) = f
        .post_interaction(&f.mei.1, wrap_up(f.jane, first.id))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let i: rapport_api::Interaction = serde_json::from_value(v).unwrap();
    assert_eq!(i.call_id, Some(first.id));
    assert_eq!(
        i.started_at.timestamp(),
        first.answered_at.unwrap().timestamp(),
        "from the answer"
    );
    assert_eq!(
        i.ended_at.unwrap().timestamp(),
        (t0 + chrono::Duration::seconds(95)).timestamp(),
        "to the call's end, not the save"
    );
    let mei = f.state_of(&f.mei.1).await;
    assert_eq!(mei.state, AgentState::OnCall, "{mei:?}");
    assert_eq!(mei.call.unwrap().external_id, "pbx-w2");
    let wrapped: (String, Option<i64>) =
        sqlx::query_as("SELECT status, wrapped_ms FROM calls WHERE id = ?")
            .bind(first.id)
            .fetch_one(f.db.pool())
            .await
            .unwrap();
    assert_eq!(wrapped.0, "done");
    assert!(wrapped.1.is_some());

    // A second interaction for the same call (another note, or a late
    // copy) changes no state: Mei stays on her new call.
    let (s, v) = f
        .post_interaction(&f.mei.1, wrap_up(f.jane, first.id))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(f.state_of(&f.mei.1).await.state, AgentState::OnCall);

    // Interactions read back carry their call.
    let (_, v) = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei.1)
        .await;
    let view: rapport_api::CustomerView = serde_json::from_value(v).unwrap();
    assert!(
        view.interactions
            .iter()
            .any(|i| i.call_id == Some(first.id)),
        "{:?}",
        view.interactions
    );
    f.stop().await;
}
