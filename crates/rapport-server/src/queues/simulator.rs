//! The call simulator: the telephony system and a team of simulated agents
//! for the demo, `rapport-server serve --simulate`, the tests and the
//! benchmarks.
//!
//! Calls arrive per queue as a Poisson process whose rate follows a
//! time-of-day profile (thinning: candidates at the peak rate, each kept
//! with the profile's share); talk, hold and after-call work last
//! exponential times; a waiting caller hangs up after an exponential
//! patience. Simulated agents work shifts, take breaks and answer what
//! routing gives them; real agents who are available get calls too (routing
//! does not tell them apart). Callers' numbers are mostly real customers'
//! phones from the database, written the way telephony systems send them
//! (E.164, sometimes national or with an international prefix), some
//! unknown, some withheld.
//!
//! Everything goes through the same library calls as the hooks, so the
//! call log is the one the desk reads. Deterministic under a seed on a
//! virtual clock ([`Simulator::run_until`], a simulated day in seconds); on
//! the real clock ([`run_live`]) it sleeps until the next event.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_api::{AgentId, AgentState, CallId, Queue, QueueId, Role};
use sqlx::SqliteConnection;

use super::{Live, Outcome, Routed, calls, routing};
use crate::Db;
use crate::error::Result;
use crate::events::Events;

const MINUTE: i64 = 60_000;
const DAY: i64 = 1440 * MINUTE;
/// Events applied per transaction on the virtual clock.
const BATCH: usize = 200;
/// How often the live simulator checks that each of its agents has what
/// comes next scheduled (a routed call it missed, a restart).
const RECONCILE: Duration = Duration::from_secs(30);

/// Calls per hour at each hour of the day, as a share of the peak: quiet at
/// night, a morning ramp, peaks late morning and mid-afternoon.
pub const DAY_PROFILE: [f64; 24] = [
    0.04, 0.03, 0.02, 0.02, 0.02, 0.04, 0.12, 0.35, 0.65, 0.9, 1.0, 1.0, 0.9, 0.85, 0.95, 1.0, 0.9,
    0.75, 0.6, 0.45, 0.35, 0.25, 0.15, 0.08,
];

/// How one queue's calls behave.
#[derive(Debug, Clone, PartialEq)]
pub struct SimQueue {
    pub queue: Queue,
    /// Calls per hour at the profile's peak.
    pub peak_per_hour: f64,
    /// Mean talk (hold included), after-call work and caller patience.
    pub talk_secs: f64,
    pub wrap_secs: f64,
    pub patience_secs: f64,
}

/// A simulated agent and their shift, in minutes of the profile's day (an
/// end past 1440 is the next morning).
#[derive(Debug, Clone, PartialEq)]
pub struct SimAgent {
    pub agent_id: AgentId,
    pub shift_start_min: u32,
    pub shift_end_min: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Arrival rates are multiplied by this.
    pub scale: f64,
    /// The instant that is 00:00 of the profile's day.
    pub day_origin_ms: i64,
    pub profile: [f64; 24],
    pub queues: Vec<SimQueue>,
    pub agents: Vec<SimAgent>,
    /// Share of calls after which an agent takes a break.
    pub break_chance: f64,
    pub break_secs: f64,
    /// Real agents serving the demo queues: signed off when the simulator
    /// stops (their simulated callers are gone).
    pub real_agents: Vec<AgentId>,
}

/// The demo's behaviour per queue code: (peak calls per hour, talk, wrap,
/// patience in seconds).
const DEMO_BEHAVIOUR: &[(&str, f64, f64, f64, f64)] = &[
    ("billing", 40.0, 240.0, 40.0, 240.0),
    ("support", 30.0, 360.0, 60.0, 300.0),
    ("sales", 20.0, 300.0, 45.0, 180.0),
    ("retention", 14.0, 420.0, 60.0, 240.0),
    ("complaints", 8.0, 480.0, 90.0, 360.0),
];

/// The simulated team: (name, queue codes served).
const DEMO_TEAM: &[(&str, &[&str])] = &[
    ("Ines Duarte", &["billing"]),
    ("Oliver Grant", &["billing"]),
    ("Fatima Zahra", &["billing", "sales"]),
    ("Mateusz Nowak", &["billing"]),
    ("Grace Adeyemi", &["billing", "complaints"]),
    ("Ravi Chandran", &["billing"]),
    ("Lena Hoffmann", &["support"]),
    ("Diego Alvarez", &["support"]),
    ("Yuki Tanaka", &["support"]),
    ("Samuel Osei", &["support", "billing"]),
    ("Niamh Kelly", &["support"]),
    ("Tomasz Wójcik", &["support"]),
    ("Chloe Martin", &["sales"]),
    ("Arjun Mehta", &["sales"]),
    ("Sara Lindgren", &["sales", "retention"]),
    ("Marco Rossi", &["sales"]),
    ("Hana Kim", &["retention"]),
    ("Ben Carter", &["retention"]),
    ("Amira Haddad", &["retention", "complaints"]),
    ("Jonas Berg", &["retention"]),
    ("Ewa Kowalska", &["complaints"]),
    ("Patrick Doyle", &["complaints"]),
    ("Zanele Dube", &["complaints", "support"]),
    ("Luis Ortega", &["billing", "support"]),
];

/// The night team, on from 20:00 to 07:30 (minutes past the day's end run
/// into the next day): few calls come at night, and they are answered.
const NIGHT_TEAM: &[(&str, &[&str])] = &[
    ("Kofi Boateng", &["billing", "support", "sales"]),
    ("Maren Solberg", &["retention", "complaints", "billing"]),
];
const NIGHT_SHIFT: (u32, u32) = (20 * 60, 31 * 60 + 30);

/// Shifts the team rotates through (start, end, minutes of the day): four
/// fifths of the team are on from 9:30 to 15:30, all of it from 12:00.
const SHIFTS: [(u32, u32); 5] = [
    (7 * 60, 15 * 60 + 30),
    (8 * 60, 16 * 60 + 30),
    (9 * 60, 17 * 60 + 30),
    (9 * 60 + 30, 18 * 60),
    (12 * 60, 20 * 60 + 30),
];

/// Make sure the demo queues and the simulated team exist (creating what
/// is missing, marking the team as simulated, giving each their queues),
/// and `real` agents serve every queue; return the demo's simulation.
pub async fn demo_setup(
    db: &Db,
    seed: u64,
    scale: f64,
    day_origin_ms: i64,
    real: &[AgentId],
) -> Result<SimConfig> {
    let queues = super::ensure_demo(db).await?;
    let mut tx = db.write().await?;
    let mut agents = Vec::new();
    let team = DEMO_TEAM
        .iter()
        .enumerate()
        .map(|(i, (n, q))| (*n, *q, SHIFTS[i % SHIFTS.len()]))
        .chain(NIGHT_TEAM.iter().map(|(n, q)| (*n, *q, NIGHT_SHIFT)));
    for (name, serves, (s, e)) in team {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                crate::agents::insert_agent(
                    &mut *crate::store::Conn::borrow_sqlite(&mut tx),
                    name,
                    Role::Agent,
                    Some("Simulated"),
                )
                .await?
            }
        };
        sqlx::query("INSERT INTO simulated_agents (agent_id) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for code in serves {
            if let Some(q) = queues.iter().find(|q| q.code == *code) {
                super::join(&mut tx, q.id, id).await?;
            }
        }
        agents.push(SimAgent {
            agent_id: id,
            shift_start_min: s,
            shift_end_min: e,
        });
    }
    for a in real {
        for q in &queues {
            super::join(&mut tx, q.id, *a).await?;
        }
    }
    tx.commit().await?;
    let queues = queues
        .into_iter()
        .filter_map(|q| {
            let (_, peak, talk, wrap, patience) = DEMO_BEHAVIOUR.iter().find(|b| b.0 == q.code)?;
            Some(SimQueue {
                queue: q,
                peak_per_hour: *peak,
                talk_secs: *talk,
                wrap_secs: *wrap,
                patience_secs: *patience,
            })
        })
        .collect();
    Ok(SimConfig {
        seed,
        scale,
        day_origin_ms,
        profile: DAY_PROFILE,
        queues,
        agents,
        break_chance: 0.06,
        break_secs: 8.0 * 60.0,
        real_agents: real.to_vec(),
    })
}

/// What happens next, in order of time (then of scheduling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A candidate arrival in queue (index into the config).
    Arrival(usize),
    /// The caller of this call runs out of patience.
    Patience(CallId),
    /// A simulated agent's talk on this call ends.
    TalkEnd(AgentId, CallId),
    WrapEnd(AgentId),
    BreakEnd(AgentId),
    ShiftStart(AgentId),
    ShiftEnd(AgentId),
}

/// A call about to be offered: its queue, how long its caller waits, the
/// number and the customer it belongs to.
#[derive(Debug)]
struct Arrival {
    queue: String,
    patience_secs: f64,
    caller: String,
    customer: Option<i64>,
}

/// Withheld numbers as SIP and ISDN report them.
const WITHHELD: [&str; 3] = ["anonymous", "withheld", "unavailable"];

pub struct Simulator {
    cfg: SimConfig,
    rng: ChaCha8Rng,
    heap: BinaryHeap<Reverse<(i64, u64, Ev)>>,
    seq: u64,
    /// Distinguishes this run's call ids from an earlier run's.
    run: i64,
    calls_made: u64,
    /// Customer ids to draw callers from.
    customers: (i64, i64),
    sim_agents: HashSet<AgentId>,
    /// Calls whose end is scheduled, and agents with a wrap or break end.
    talking: HashSet<CallId>,
    planned: HashSet<AgentId>,
    /// Agents whose shift ended while on a call: offline after it.
    off_after: HashSet<AgentId>,
    /// Agents signing on mid-shift at start-up (their next shift is
    /// scheduled already).
    started: HashSet<AgentId>,
    queue_of: HashMap<QueueId, usize>,
}

fn exp(rng: &mut ChaCha8Rng, mean_secs: f64) -> i64 {
    let u: f64 = rng.random();
    (-mean_secs * (1.0 - u).ln() * 1000.0).round() as i64
}

impl Simulator {
    /// A simulator starting at `start_ms`: its leftovers from an earlier run
    /// cleared, shifts and first arrivals scheduled.
    pub async fn start(db: &Db, cfg: SimConfig, start_ms: i64) -> Result<Simulator> {
        let customers: (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(id), MAX(id) FROM customers")
                .fetch_one(db.pool())
                .await?;
        let mut sim = Simulator {
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            heap: BinaryHeap::new(),
            seq: 0,
            run: start_ms,
            calls_made: 0,
            customers: (customers.0.unwrap_or(0), customers.1.unwrap_or(0)),
            sim_agents: cfg.agents.iter().map(|a| a.agent_id).collect(),
            talking: HashSet::new(),
            planned: HashSet::new(),
            off_after: HashSet::new(),
            started: HashSet::new(),
            queue_of: cfg
                .queues
                .iter()
                .enumerate()
                .map(|(i, q)| (q.queue.id, i))
                .collect(),
            cfg,
        };
        let mut tx = db.write().await?;
        let mut out = Outcome::default();
        sim.clear(&mut tx, &mut out, start_ms).await?;
        tx.commit().await?;
        for i in 0..sim.cfg.queues.len() {
            sim.next_arrival(i, start_ms);
        }
        for a in sim.cfg.agents.clone() {
            let minute = sim.minute_of_day(start_ms);
            let (s, e) = (a.shift_start_min as i64, a.shift_end_min as i64);
            let day_start = start_ms - minute * MINUTE;
            // On today's shift, or still on yesterday's (a night shift).
            let on = if minute >= s && minute < e {
                Some(day_start)
            } else if minute + 1440 >= s && minute + 1440 < e {
                Some(day_start - DAY)
            } else {
                None
            };
            if let Some(shift_day) = on {
                // On shift now: sign on within the first minute; the next
                // start is the next day's.
                let jitter = sim.rng.random_range(0..MINUTE);
                sim.started.insert(a.agent_id);
                sim.push(start_ms + jitter, Ev::ShiftStart(a.agent_id));
                sim.push(shift_day + e * MINUTE, Ev::ShiftEnd(a.agent_id));
                sim.push(shift_day + DAY + s * MINUTE, Ev::ShiftStart(a.agent_id));
            } else {
                let next = if minute < s {
                    day_start
                } else {
                    day_start + DAY
                };
                sim.push(next + s * MINUTE, Ev::ShiftStart(a.agent_id));
                sim.push(next + e * MINUTE, Ev::ShiftEnd(a.agent_id));
            }
        }
        Ok(sim)
    }

    fn push(&mut self, at_ms: i64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((at_ms, self.seq, ev)));
    }

    /// When the next event is due.
    pub fn next_at(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    fn minute_of_day(&self, at_ms: i64) -> i64 {
        (at_ms - self.cfg.day_origin_ms).rem_euclid(DAY) / MINUTE
    }

    fn rate_share(&self, at_ms: i64) -> f64 {
        let hour = (self.minute_of_day(at_ms) / 60) as usize;
        self.cfg.profile[hour.min(23)]
    }

    fn peak_share(&self) -> f64 {
        self.cfg
            .profile
            .iter()
            .copied()
            .fold(0.0, f64::max)
            .max(1e-9)
    }

    /// The next candidate arrival of queue `i` after `at_ms`, at the peak
    /// rate (thinned when it comes due).
    fn next_arrival(&mut self, i: usize, at_ms: i64) {
        let per_hour = self.cfg.queues[i].peak_per_hour * self.cfg.scale * self.peak_share();
        if per_hour <= 0.0 {
            return;
        }
        let gap = exp(&mut self.rng, 3600.0 / per_hour).max(1);
        self.push(at_ms + gap, Ev::Arrival(i));
    }

    /// A caller's number: mostly a customer's phone as stored, sometimes
    /// written another way, sometimes a number nobody has, sometimes none.
    async fn caller(&mut self, conn: &mut SqliteConnection) -> Result<String> {
        let roll: f64 = self.rng.random();
        let pick = self
            .rng
            .random_range(self.customers.0..=self.customers.1.max(self.customers.0));
        let form: u8 = self.rng.random_range(0..3);
        let tail: u32 = self.rng.random_range(0..100_000_000);
        if roll < 0.05 {
            return Ok(WITHHELD[form as usize].to_string());
        }
        if roll < 0.10 {
            // A mobile number in a plan nobody in the demo data uses.
            return Ok(format!("+4479{tail:08}"));
        }
        let phone: Option<String> = sqlx::query_scalar(
            "SELECT e164 FROM customer_phones WHERE customer_id = ? ORDER BY position LIMIT 1",
        )
        .bind(pick)
        .fetch_optional(conn)
        .await?;
        let Some(e164) = phone else {
            return Ok(format!("+4479{tail:08}"));
        };
        if roll < 0.90 {
            return Ok(e164);
        }
        let keys = match crate::phone::parse_e164(&e164) {
            Ok(k) => k,
            Err(_) => return Ok(e164),
        };
        let cc = &keys.digits[..keys.digits.len() - keys.national.len()];
        Ok(match form {
            // National, with the trunk prefix, as a local exchange sends it.
            0 => format!("0{}", keys.national),
            // The international prefix instead of '+'.
            1 => format!("00{cc}{}", keys.national),
            // Spaced as printed.
            _ => format!("+{cc} {}", keys.national),
        })
    }

    /// Apply every event due before `until_ms` on the virtual clock, in
    /// transactions of [`BATCH`] events. For tests and benchmarks.
    ///
    /// Who is calling is looked up on a second connection, taken before the
    /// write lock: nothing waits for the pool while holding the lock (the
    /// connections it would wait for may all be held by writers waiting for
    /// that lock).
    pub async fn run_until(&mut self, db: &Db, until_ms: i64) -> Result<()> {
        while self.next_at().is_some_and(|t| t < until_ms) {
            let mut look = db.pool().acquire().await?;
            let mut tx = db.write().await?;
            for _ in 0..BATCH {
                let Some(Reverse((at, _, ev))) = self.heap.peek().copied() else {
                    break;
                };
                if at >= until_ms {
                    break;
                }
                self.heap.pop();
                let arrival = match ev {
                    Ev::Arrival(i) => self.arrival(&mut look, i, at).await?,
                    _ => None,
                };
                let mut out = Outcome::default();
                self.apply(&mut tx, &mut out, at, ev, arrival).await?;
                for r in out.routed {
                    self.on_routed(&mut tx, r).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Apply the events due by `now_ms` on the real clock, one transaction
    /// each, announcing each after its commit. An arrival's caller is
    /// looked up before the transaction begins.
    async fn run_due(
        &mut self,
        db: &Db,
        now_ms: i64,
        live: &Live,
        events: &Events,
        as_of: Option<chrono::NaiveDate>,
    ) -> Result<()> {
        while let Some(Reverse((at, _, ev))) = self.heap.peek().copied() {
            if at > now_ms {
                break;
            }
            self.heap.pop();
            let arrival = match ev {
                Ev::Arrival(i) => {
                    let mut look = db.pool().acquire().await?;
                    self.arrival(&mut look, i, now_ms).await?
                }
                _ => None,
            };
            let mut tx = db.write().await?;
            let mut out = Outcome::default();
            self.apply(&mut tx, &mut out, now_ms, ev, arrival).await?;
            tx.commit().await?;
            if !out.routed.is_empty() {
                let mut conn = db.pool().acquire().await?;
                for r in out.routed.clone() {
                    self.on_routed(&mut conn, r).await?;
                }
            }
            // A call given to a signed-in agent takes the caller's view along.
            let day = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
            super::pop::attach(db, events, &mut out, None, day).await;
            live.announce(events, &out);
        }
        Ok(())
    }

    /// A candidate arrival in queue `i` at `at`: the next one scheduled,
    /// then, unless thinned away or the queue is closed, who is calling
    /// (read on `conn`, outside any write).
    async fn arrival(&mut self, conn: &mut Looking, i: usize, at: i64) -> Result<Option<Arrival>> {
        self.next_arrival(i, at);
        let keep: f64 = self.rng.random();
        let q = &self.cfg.queues[i];
        let open = q.queue.open_at((at.rem_euclid(DAY) / MINUTE) as u16);
        if keep * self.peak_share() >= self.rate_share(at) || !open {
            return Ok(None);
        }
        let (queue, patience_secs) = (q.queue.code.clone(), q.patience_secs);
        let caller = self.caller(&mut *conn).await?;
        let customer = one_customer_on(conn, &caller).await?;
        Ok(Some(Arrival {
            queue,
            patience_secs,
            caller,
            customer,
        }))
    }

    async fn apply(
        &mut self,
        conn: &mut SqliteConnection,
        out: &mut Outcome,
        at: i64,
        ev: Ev,
        arrival: Option<Arrival>,
    ) -> Result<()> {
        let r = self.apply_inner(conn, out, at, ev, arrival).await;
        match r {
            // Someone else (a hook, a person) moved the call or the agent on;
            // the simulation goes on without this step.
            Err(crate::error::Error::Conflict(m))
            | Err(crate::error::Error::Invalid { message: m, .. }) => {
                tracing::debug!(?ev, reason = %m, "simulator step skipped");
                Ok(())
            }
            other => other,
        }
    }

    async fn apply_inner(
        &mut self,
        conn: &mut SqliteConnection,
        out: &mut Outcome,
        at: i64,
        ev: Ev,
        arrival: Option<Arrival>,
    ) -> Result<()> {
        match ev {
            Ev::Arrival(_) => {
                // Thinned away, or the queue was closed.
                let Some(a) = arrival else {
                    return Ok(());
                };
                self.calls_made += 1;
                let id = format!("sim-{}-{}", self.run, self.calls_made);
                let wait = exp(&mut self.rng, a.patience_secs);
                let row = calls::offer(conn, out, at, &id, &a.queue, &a.caller, a.customer)
                    .await?
                    .row;
                if row.status == "waiting" {
                    self.push(at + wait, Ev::Patience(row.id));
                }
            }
            Ev::Patience(call) => {
                calls::abandon_waiting(conn, at, call).await?;
            }
            Ev::TalkEnd(agent, call) => {
                self.talking.remove(&call);
                let row = calls::load(&mut *conn, call).await?;
                if row.status != "talking" || row.agent_id != Some(agent) {
                    return Ok(());
                }
                let talk = at - row.answered_ms.unwrap_or(at);
                // A quarter of callers are put on hold for a while.
                let hold = if self.rng.random_bool(0.25) {
                    exp(&mut self.rng, 40.0).min(talk / 2)
                } else {
                    0
                };
                calls::end(conn, out, at, &row.external_id, hold).await?;
                let i = self.queue_of.get(&row.queue_id).copied().unwrap_or(0);
                let wrap = exp(
                    &mut self.rng,
                    self.cfg.queues.get(i).map_or(45.0, |q| q.wrap_secs),
                );
                self.planned.insert(agent);
                self.push(at + wrap, Ev::WrapEnd(agent));
            }
            Ev::WrapEnd(agent) | Ev::BreakEnd(agent) => {
                self.planned.remove(&agent);
                let (state, _, _) = routing::current(&mut *conn, agent).await?;
                if state == AgentState::OnCall {
                    return Ok(());
                }
                let next = if self.off_after.remove(&agent) {
                    AgentState::Offline
                } else if matches!(ev, Ev::WrapEnd(_))
                    && self.rng.random_bool(self.cfg.break_chance)
                {
                    let d = exp(&mut self.rng, self.cfg.break_secs);
                    self.planned.insert(agent);
                    self.push(at + d, Ev::BreakEnd(agent));
                    AgentState::Break
                } else {
                    AgentState::Available
                };
                out.extend(routing::set_state(conn, at, agent, next).await?);
            }
            Ev::ShiftStart(agent) => {
                // The shift start scheduled at start-up is a one-off (the
                // day's own start is scheduled beside it).
                if !self.started.remove(&agent) {
                    self.push(at + DAY, Ev::ShiftStart(agent));
                }
                self.off_after.remove(&agent);
                let (state, _, _) = routing::current(&mut *conn, agent).await?;
                if state == AgentState::Offline {
                    out.extend(routing::set_state(conn, at, agent, AgentState::Available).await?);
                }
            }
            Ev::ShiftEnd(agent) => {
                self.push(at + DAY, Ev::ShiftEnd(agent));
                let (state, _, _) = routing::current(&mut *conn, agent).await?;
                match state {
                    AgentState::OnCall | AgentState::AfterCallWork => {
                        self.off_after.insert(agent);
                    }
                    AgentState::Offline => {}
                    _ => {
                        self.planned.remove(&agent);
                        out.extend(routing::set_state(conn, at, agent, AgentState::Offline).await?)
                    }
                }
            }
        }
        Ok(())
    }

    /// A call was given to an agent: for one of ours, schedule the talk's
    /// end.
    pub async fn on_routed(&mut self, conn: &mut SqliteConnection, r: Routed) -> Result<()> {
        if !self.sim_agents.contains(&r.agent_id) || !self.talking.insert(r.call_id) {
            return Ok(());
        }
        let queue: Option<i64> = sqlx::query_scalar("SELECT queue_id FROM calls WHERE id = ?")
            .bind(r.call_id)
            .fetch_optional(conn)
            .await?;
        let i = queue
            .and_then(|q| self.queue_of.get(&q).copied())
            .unwrap_or(0);
        let talk = exp(
            &mut self.rng,
            self.cfg.queues.get(i).map_or(300.0, |q| q.talk_secs),
        );
        self.push(r.at_ms + talk.max(1000), Ev::TalkEnd(r.agent_id, r.call_id));
        Ok(())
    }

    /// Schedule what each simulated agent on a call, in wrap-up or on break
    /// is missing (a routed call whose notice was lost).
    async fn reconcile(&mut self, db: &Db, now_ms: i64) -> Result<()> {
        let mut conn = db.pool().acquire().await?;
        for agent in self.sim_agents.clone() {
            let (state, _, call) = routing::current(&mut conn, agent).await?;
            match (state, call) {
                (AgentState::OnCall, Some(c)) if !self.talking.contains(&c) => {
                    self.on_routed(
                        &mut conn,
                        Routed {
                            call_id: c,
                            agent_id: agent,
                            at_ms: now_ms,
                        },
                    )
                    .await?;
                }
                (AgentState::AfterCallWork, _) if !self.planned.contains(&agent) => {
                    self.planned.insert(agent);
                    self.push(now_ms + 1000, Ev::WrapEnd(agent));
                }
                (AgentState::Break, _) if !self.planned.contains(&agent) => {
                    self.planned.insert(agent);
                    self.push(now_ms + 1000, Ev::BreakEnd(agent));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Clear what the simulation leaves behind (at a stop, or at a start
    /// after a crash): its waiting callers hang up, its callers' talks end
    /// (a real agent goes into wrap-up), its agents sign off.
    async fn clear(
        &mut self,
        conn: &mut SqliteConnection,
        out: &mut Outcome,
        at: i64,
    ) -> Result<()> {
        let waiting: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM calls WHERE status = 'waiting' AND external_id LIKE 'sim-%'",
        )
        .fetch_all(&mut *conn)
        .await?;
        for id in waiting {
            calls::abandon_waiting(&mut *conn, at, id).await?;
        }
        let talking: Vec<String> = sqlx::query_scalar(
            "SELECT external_id FROM calls WHERE status = 'talking' AND external_id LIKE 'sim-%'",
        )
        .fetch_all(&mut *conn)
        .await?;
        for ext in talking {
            calls::end(&mut *conn, out, at, &ext, 0).await?;
        }
        let everyone: Vec<AgentId> = self
            .sim_agents
            .iter()
            .copied()
            .chain(self.cfg.real_agents.iter().copied())
            .collect();
        for a in everyone {
            let (state, _, _) = routing::current(&mut *conn, a).await?;
            // A real agent on a call with a real caller stays on it.
            if state != AgentState::Offline && state != AgentState::OnCall {
                out.extend(routing::set_state(&mut *conn, at, a, AgentState::Offline).await?);
            }
        }
        Ok(())
    }

    /// Stop at `at_ms`, clearing up (see [`Simulator::clear`]).
    pub async fn stop(&mut self, db: &Db, at_ms: i64) -> Result<Outcome> {
        let mut tx = db.write().await?;
        let mut out = Outcome::default();
        self.clear(&mut tx, &mut out, at_ms).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Calls this run has offered.
    pub fn calls_made(&self) -> u64 {
        self.calls_made
    }
}

/// The one customer with exactly this number, when there is exactly one.
pub async fn one_customer(db: &Db, caller: &str) -> Result<Option<i64>> {
    if !could_be_found(caller) {
        return Ok(None);
    }
    crate::search::only_phone_match(db, caller).await
}

/// A connection taken for reads before a write begins.
pub type Looking = sqlx::pool::PoolConnection<sqlx::Sqlite>;

/// [`one_customer`], read on `conn` (taken before the write that needs it
/// begins).
pub async fn one_customer_on(conn: &mut Looking, caller: &str) -> Result<Option<i64>> {
    if !could_be_found(caller) {
        return Ok(None);
    }
    crate::search::only_phone_match_on(conn, caller).await
}

fn could_be_found(caller: &str) -> bool {
    crate::phone::digits_of(caller).len() >= 5 && crate::phone::looks_like_phone(caller)
}

/// Run the simulator on the real clock until the task is dropped (the
/// server stops). Starts at `start_ms` with `cfg`; routed calls announced
/// by anyone reach its agents; stopping is [`Simulator::stop`], run by the
/// server on shutdown through [`SimHandle`].
pub async fn run_live(
    db: Db,
    cfg: SimConfig,
    live: Arc<Live>,
    events: Arc<Events>,
    as_of: Option<chrono::NaiveDate>,
    ready: tokio::sync::oneshot::Sender<()>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut routed = live.subscribe_routed();
    let now = || chrono::Utc::now().timestamp_millis();
    let mut sim = match warm_start(&db, cfg, now()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the call simulator could not start");
            return;
        }
    };
    let _ = ready.send(());
    tracing::info!(
        queues = sim.cfg.queues.len(),
        agents = sim.cfg.agents.len(),
        "call simulator running"
    );
    let mut reconcile = tokio::time::interval(RECONCILE);
    reconcile.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let wait = sim
            .next_at()
            .map(|t| Duration::from_millis((t - now()).max(0) as u64))
            .unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(wait) => {
                if let Err(e) = sim.run_due(&db, now(), &live, &events, as_of).await {
                    tracing::warn!(error = %e, "simulator step failed; going on");
                }
            }
            got = routed.recv() => match got {
                Ok(r) => {
                    if let Ok(mut conn) = db.pool().acquire().await
                        && let Err(e) = sim.on_routed(&mut conn, r).await
                    {
                        tracing::warn!(error = %e, "simulator could not take a routed call");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let _ = sim.reconcile(&db, now()).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            _ = reconcile.tick() => {
                if let Err(e) = sim.reconcile(&db, now()).await {
                    tracing::warn!(error = %e, "simulator could not check its agents");
                }
            }
        }
    }
    match sim.stop(&db, now()).await {
        Ok(out) => live.announce(&events, &out),
        Err(e) => tracing::warn!(error = %e, "the simulator could not clear up"),
    }
}

/// How much simulated past the live simulator plays at once when it starts
/// on a log without recent simulated calls, so the desk has figures at once.
pub const PRE_ROLL_MS: i64 = 30 * 60_000;

/// Start at `now_ms`, having played the last [`PRE_ROLL_MS`] on the
/// virtual clock, unless simulated calls are that recent (a restart: the
/// log goes on from now).
async fn warm_start(db: &Db, cfg: SimConfig, now_ms: i64) -> Result<Simulator> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(last_event_ms) FROM calls WHERE external_id LIKE 'sim-%'")
            .fetch_one(db.pool())
            .await?;
    let from = now_ms - PRE_ROLL_MS;
    if last.is_some_and(|l| l > from) {
        return Simulator::start(db, cfg, now_ms).await;
    }
    let mut sim = Simulator::start(db, cfg, from).await?;
    sim.run_until(db, now_ms).await?;
    Ok(sim)
}

/// A running live simulator; [`SimHandle::stop`] clears up and waits.
pub struct SimHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// Start [`run_live`] in a task; returns once the simulator is running.
    /// `as_of`: the day the server's figures are of (today when None).
    pub async fn spawn(
        db: Db,
        cfg: SimConfig,
        live: Arc<Live>,
        events: Arc<Events>,
        as_of: Option<chrono::NaiveDate>,
    ) -> SimHandle {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(run_live(db, cfg, live, events, as_of, ready_tx, stop_rx));
        let _ = ready_rx.await;
        SimHandle {
            stop: Some(stop_tx),
            task,
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}
