//! Live queues: the call hooks a telephony system sends (`POST /v1/calls`),
//! calls and agents' states, and the supervisor desk's figures, every one
//! computed on the server from the call log.
//!
//! The figures follow the contact centre's usual definitions, stated in
//! [`DEFINITIONS`] (the client shows them on screen). Each count falls in
//! the interval in which its event happened: a call counts as offered when
//! it was offered, as answered when it was answered, and so on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AgentId, AgentRef, CustomerId};

pub type QueueId = i64;
pub type CallId = i64;

/// The window of the desk's live figures, in seconds (the last 30 minutes).
pub const WINDOW_SECS: u32 = 30 * 60;
/// Width of one sparkline bucket of offered calls, in seconds.
pub const OFFERED_BUCKET_SECS: u32 = 60;
/// Width of one bucket of the service-level trend, in seconds.
pub const SL_BUCKET_SECS: u32 = 5 * 60;
/// Days after a call contact within which a contact on the same reason
/// counts as a repeat (first-contact resolution).
pub const FCR_DAYS: i64 = 7;

/// What each figure means, as DOMAIN.md defines it: (name, definition).
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "SL",
        "service level: calls answered within the threshold T / (calls answered + calls abandoned after T); the target reads 80/20 for 80% within 20 s",
    ),
    (
        "ASA",
        "average speed of answer: total wait of answered calls / answered calls",
    ),
    (
        "AHT",
        "average handle time: (talk + hold + after-call work) / handled calls",
    ),
    ("Abandon", "abandon rate: abandoned calls / offered calls"),
    (
        "Longest",
        "longest wait: age of the oldest call still waiting",
    ),
    (
        "Occ.",
        "occupancy: time on contacts (on call and after-call work) / (time on contacts + available idle time), of the agents serving the queue",
    ),
    (
        "FCR",
        "first-contact resolution: share of call contacts with no repeat contact on the same reason within 7 days (contacts from 14 to 7 days ago, so each had its 7 days)",
    ),
    (
        "States",
        "agent states: available (waiting for a call), on call, after-call work (wrap-up), break, offline",
    ),
    (
        "Need",
        "Erlang C: traffic A = arrival rate x AHT erlangs; with N agents P(wait) = [A^N/N! N/(N-A)] / [sum over k<N of A^k/k! + A^N/N! N/(N-A)], SL(T) = 1 - P(wait) e^(-(N-A)T/AHT), ASA = P(wait) AHT/(N-A); agents needed = the smallest N meeting the SL target",
    ),
    (
        "Counting",
        "over the last 30 minutes; each call counts in the interval its event happened in (offered when offered, answered when answered, handled when its wrap-up ended)",
    ),
];

// ---------------------------------------------------------------- queues

/// A service-level target: `pct` % of calls answered within `secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlTarget {
    pub pct: u8,
    pub secs: u32,
}

impl std::fmt::Display for SlTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.pct, self.secs)
    }
}

impl std::str::FromStr for SlTarget {
    type Err = String;
    /// `80/20`: 80% within 20 seconds.
    fn from_str(s: &str) -> Result<SlTarget, String> {
        let bad = || {
            format!(
                "'{s}' is not a service-level target: write PERCENT/SECONDS, such as 80/20 (80% answered within 20 seconds)"
            )
        };
        let (p, t) = s.trim().split_once('/').ok_or_else(bad)?;
        let pct: u8 = p.trim().trim_end_matches('%').parse().map_err(|_| bad())?;
        let secs: u32 = t.trim().trim_end_matches('s').parse().map_err(|_| bad())?;
        if !(1..=100).contains(&pct) || secs == 0 {
            return Err(bad());
        }
        Ok(SlTarget { pct, secs })
    }
}

/// A queue and how it is run (`GET /v1/queues`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Queue {
    pub id: QueueId,
    /// What the telephony hooks name it by, e.g. `billing`.
    pub code: String,
    pub name: String,
    pub target: SlTarget,
    /// Opening hours in minutes after midnight UTC; 0 to 1440 is all day.
    pub opens_min: u16,
    pub closes_min: u16,
    /// The desk raises an alert when a call has waited longer than this.
    pub wait_alert_secs: u32,
    /// The contact reason a wrap-up of this queue's calls starts with.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Queue {
    /// Open at minute `min` of the day (UTC)? Hours may run past midnight
    /// (22:00-06:00).
    pub fn open_at(&self, min: u16) -> bool {
        let (o, c) = (self.opens_min, self.closes_min);
        if o == c {
            return o == 0 || o == 1440;
        }
        if o < c {
            (o..c).contains(&min)
        } else {
            min >= o || min < c
        }
    }

    /// `08:00-20:00`, or `all day`.
    pub fn hours(&self) -> String {
        if (self.opens_min, self.closes_min) == (0, 1440) {
            return "all day".into();
        }
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}-{}", hm(self.opens_min), hm(self.closes_min))
    }
}

// ---------------------------------------------------------------- calls

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// In the queue, not answered yet.
    Waiting,
    /// Answered; the agent and the caller are talking (or on hold).
    Talking,
    /// The talk ended; the agent is doing the after-call work.
    WrapUp,
    /// Handled: the after-call work ended too.
    Done,
    /// The caller hung up while waiting.
    Abandoned,
    /// Moved to another queue before it was answered (the call goes on as
    /// a new leg there).
    Transferred,
}

/// One leg of a call (`POST /v1/calls` answers with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Call {
    pub id: CallId,
    /// The telephony system's id of the call.
    pub external_id: String,
    /// 1, or more after transfers between queues.
    pub leg: u32,
    pub queue_id: QueueId,
    /// The caller's number as the telephony system gave it.
    pub caller: String,
    /// The one customer with exactly this number, if there is exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    pub status: CallStatus,
    pub offered_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandoned_at: Option<DateTime<Utc>>,
    /// When this leg, still waiting, moved to another queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_at: Option<DateTime<Utc>>,
    /// Time on hold during the talk, in milliseconds.
    #[serde(default)]
    pub hold_ms: i64,
    /// Who answered it (or was given it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<CallId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_to: Option<CallId>,
}

/// `POST /v1/calls`: what happened to a call, as the telephony system
/// reports it. `call_id` is the telephony system's own id; `at` is when it
/// happened (the server's clock when absent). Each hook carries an
/// `Idempotency-Key`, so a hook resent after a timeout has one effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CallHook {
    /// A call entered a queue. Rapport routes it at once to the agent of
    /// that queue who has been available longest, or it waits.
    Offered {
        call_id: String,
        /// The queue's code, e.g. `billing`.
        queue: String,
        /// The caller's number, E.164 preferred (`+447700900123`).
        caller: String,
        #[serde(default)]
        at: Option<DateTime<Utc>>,
    },
    /// An agent answered. Only for calls the telephony system routed itself
    /// (name the agent); calls Rapport routed are answered on routing.
    Answered {
        call_id: String,
        #[serde(default)]
        agent_id: Option<AgentId>,
        #[serde(default)]
        at: Option<DateTime<Utc>>,
    },
    /// The talk ended; the agent goes into after-call work.
    Ended {
        call_id: String,
        /// Seconds the caller spent on hold during the talk.
        #[serde(default)]
        hold_secs: Option<f64>,
        #[serde(default)]
        at: Option<DateTime<Utc>>,
    },
    /// The caller hung up before an agent answered.
    Abandoned {
        call_id: String,
        #[serde(default)]
        at: Option<DateTime<Utc>>,
    },
    /// The call moved to another queue: a waiting call goes on waiting
    /// there; an answered one ends its talk with this agent and is offered
    /// to the other queue.
    Transferred {
        call_id: String,
        /// The code of the queue it moves to.
        to_queue: String,
        #[serde(default)]
        at: Option<DateTime<Utc>>,
    },
}

impl CallHook {
    pub fn call_id(&self) -> &str {
        match self {
            CallHook::Offered { call_id, .. }
            | CallHook::Answered { call_id, .. }
            | CallHook::Ended { call_id, .. }
            | CallHook::Abandoned { call_id, .. }
            | CallHook::Transferred { call_id, .. } => call_id,
        }
    }

    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            CallHook::Offered { at, .. }
            | CallHook::Answered { at, .. }
            | CallHook::Ended { at, .. }
            | CallHook::Abandoned { at, .. }
            | CallHook::Transferred { at, .. } => *at,
        }
    }

    /// The `event` word.
    pub fn name(&self) -> &'static str {
        match self {
            CallHook::Offered { .. } => "offered",
            CallHook::Answered { .. } => "answered",
            CallHook::Ended { .. } => "ended",
            CallHook::Abandoned { .. } => "abandoned",
            CallHook::Transferred { .. } => "transferred",
        }
    }
}

// ---------------------------------------------------------------- agents

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Signed on and waiting for a call.
    Available,
    OnCall,
    /// Wrap-up: the call ended, its notes are being recorded.
    AfterCallWork,
    Break,
    Offline,
}

impl AgentState {
    pub const ALL: [AgentState; 5] = [
        AgentState::Available,
        AgentState::OnCall,
        AgentState::AfterCallWork,
        AgentState::Break,
        AgentState::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Available => "available",
            AgentState::OnCall => "on_call",
            AgentState::AfterCallWork => "after_call_work",
            AgentState::Break => "break",
            AgentState::Offline => "offline",
        }
    }

    /// In words, for people.
    pub fn label(self) -> &'static str {
        match self {
            AgentState::Available => "available",
            AgentState::OnCall => "on call",
            AgentState::AfterCallWork => "wrap-up",
            AgentState::Break => "break",
            AgentState::Offline => "offline",
        }
    }

    /// On a contact (occupancy's "time on contacts").
    pub fn on_contact(self) -> bool {
        matches!(self, AgentState::OnCall | AgentState::AfterCallWork)
    }
}

/// An agent's state, how long they have been in it, and the call they are
/// on or wrapping up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgentStatus {
    pub agent: AgentRef,
    pub state: AgentState,
    pub since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<Call>,
    /// The queues this agent takes calls from.
    #[serde(default)]
    pub queues: Vec<QueueId>,
    /// Played by the simulator.
    #[serde(default)]
    pub simulated: bool,
    /// The caller's 360 view, as the routed agent would get it from
    /// `GET /v1/customers/{id}/view`, read while the call was being
    /// routed. Only on the live `agent_state` event of the call being given
    /// to this agent, on this agent's own event stream, and only when no
    /// change to the customer was committed since the read; never stored,
    /// replayed or sent to anyone else. Without it, fetch the view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_view: Option<Box<crate::CustomerView>>,
}

/// `PUT /v1/agents/me/state`. `available` from after-call work ends the
/// wrap-up; `on_call` and `after_call_work` come from calls, not from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    pub state: AgentState,
}

// ---------------------------------------------------------------- figures

/// The figures of one queue (or all) over an interval, with the counts and
/// sums they are made of. Times are in milliseconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Calls offered in the interval.
    pub offered: u32,
    /// Calls answered in the interval, and of those, within the threshold.
    pub answered: u32,
    pub answered_within: u32,
    /// Calls abandoned in the interval, and of those, after the threshold.
    pub abandoned: u32,
    pub abandoned_after: u32,
    /// Waiting calls moved to another queue in the interval.
    pub transferred: u32,
    /// Total wait of the answered calls.
    pub wait_ms: i64,
    /// Calls whose after-call work ended in the interval, with their talk,
    /// hold and after-call work.
    pub handled: u32,
    pub talk_ms: i64,
    pub hold_ms: i64,
    pub acw_ms: i64,
    /// Occupancy's parts: time on contacts and available idle time of the
    /// agents serving the queue, within the interval.
    pub contact_ms: i64,
    pub idle_ms: i64,
    /// answered_within / (answered + abandoned_after).
    pub sl: Option<f64>,
    /// wait_ms / answered, in seconds.
    pub asa_secs: Option<f64>,
    /// (talk + hold + acw) / handled, in seconds.
    pub aht_secs: Option<f64>,
    /// abandoned / offered.
    pub abandon_rate: Option<f64>,
    /// contact_ms / (contact_ms + idle_ms).
    pub occupancy: Option<f64>,
}

/// How many agents serving a queue are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct StateCounts {
    pub available: u32,
    pub on_call: u32,
    pub after_call_work: u32,
    #[serde(rename = "break")]
    pub on_break: u32,
    pub offline: u32,
}

impl StateCounts {
    pub fn add(&mut self, s: AgentState) {
        match s {
            AgentState::Available => self.available += 1,
            AgentState::OnCall => self.on_call += 1,
            AgentState::AfterCallWork => self.after_call_work += 1,
            AgentState::Break => self.on_break += 1,
            AgentState::Offline => self.offline += 1,
        }
    }
    /// Signed on: any state but offline.
    pub fn staffed(&self) -> u32 {
        self.available + self.on_call + self.after_call_work + self.on_break
    }
}

/// Erlang C at the current arrival rate and AHT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Staffing {
    /// Calls offered per hour over the window.
    pub arrival_per_hour: f64,
    pub aht_secs: f64,
    /// A = arrival rate x AHT.
    pub traffic_erlangs: f64,
    /// The smallest number of agents meeting the SL target; None when no
    /// number up to the search limit does.
    pub required_agents: Option<u32>,
    /// Agents signed on (not offline) now.
    pub staffed: u32,
    /// What Erlang C predicts with the agents signed on now (None when they
    /// cannot keep up: A >= N).
    pub sl_if_staffed: Option<f64>,
    pub asa_if_staffed_secs: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Service level over the window below the queue's target.
    ServiceLevel,
    /// The oldest waiting call has waited past the queue's threshold.
    LongestWait,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub queue_id: QueueId,
    pub kind: AlertKind,
    /// In words: "Billing: SL 64% is below its 80% target".
    pub message: String,
}

/// One queue on the desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueLive {
    pub queue: Queue,
    /// Within its opening hours now.
    pub open: bool,
    pub waiting: u32,
    /// When the oldest waiting call was offered (its wait keeps growing).
    #[serde(default)]
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    /// The oldest call's wait at the snapshot, in seconds.
    pub longest_wait_secs: u32,
    /// The last [`WINDOW_SECS`].
    pub window: Figures,
    /// Agents serving the queue, by state.
    pub agents: StateCounts,
    #[serde(default)]
    pub staffing: Option<Staffing>,
    /// Calls offered per minute over the window, oldest first.
    pub offered_per_minute: Vec<u32>,
    /// SL per five minutes over the window, oldest first (None: no answered
    /// or late-abandoned call in those minutes).
    pub sl_trend: Vec<Option<f64>>,
    pub alerts: Vec<Alert>,
}

/// First-contact resolution over a week of call contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fcr {
    /// Call contacts started in [from, to).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub contacts: u32,
    /// Of them, those with no contact on the same reason within 7 days after.
    pub resolved: u32,
    pub rate: Option<f64>,
}

/// `GET /v1/desk`, and the `desk` event: everything the supervisor desk
/// shows. For an agent's token `agents` is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Desk {
    /// The server's clock when the snapshot was taken.
    pub at: DateTime<Utc>,
    pub window_secs: u32,
    pub queues: Vec<QueueLive>,
    /// Every queue together.
    pub total: Figures,
    #[serde(default)]
    pub fcr: Option<Fcr>,
    #[serde(default)]
    pub agents: Vec<AgentStatus>,
}

/// `GET /v1/queues/report?from=&to=`: the figures of any interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub queues: Vec<QueueFigures>,
    pub total: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueFigures {
    pub queue_id: QueueId,
    pub figures: Figures,
}

/// One row of the Erlang C what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhatIfRow {
    pub agents: u32,
    /// None when these agents cannot keep up (A >= N): the queue grows.
    pub p_wait: Option<f64>,
    pub sl: Option<f64>,
    pub asa_secs: Option<f64>,
    /// A / N.
    pub occupancy: Option<f64>,
}

/// `GET /v1/queues/{id}/what-if?agents=N`: Erlang C at the queue's current
/// arrival rate and AHT (or those given), for N agents and its neighbours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhatIf {
    pub queue_id: QueueId,
    pub target: SlTarget,
    pub arrival_per_hour: f64,
    pub aht_secs: f64,
    pub traffic_erlangs: f64,
    pub required_agents: Option<u32>,
    pub staffed: u32,
    pub rows: Vec<WhatIfRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_and_print() {
        let t: SlTarget = "80/20".parse().unwrap();
        assert_eq!(t, SlTarget { pct: 80, secs: 20 });
        assert_eq!(t.to_string(), "80/20");
        assert_eq!("90% / 15s".parse::<SlTarget>().unwrap().pct, 90);
        for bad in ["80", "0/20", "101/20", "80/0", "x/y"] {
            assert!(bad.parse::<SlTarget>().is_err(), "{bad}");
        }
    }

    #[test]
    fn opening_hours_may_run_past_midnight() {
        let mut q = Queue {
            id: 1,
            code: "billing".into(),
            name: "Billing".into(),
            target: SlTarget { pct: 80, secs: 20 },
            opens_min: 0,
            closes_min: 1440,
            wait_alert_secs: 60,
            reason: None,
        };
        assert!(q.open_at(0) && q.open_at(1439));
        assert_eq!(q.hours(), "all day");
        (q.opens_min, q.closes_min) = (8 * 60, 20 * 60);
        assert!(!q.open_at(8 * 60 - 1) && q.open_at(8 * 60) && !q.open_at(20 * 60));
        assert_eq!(q.hours(), "08:00-20:00");
        (q.opens_min, q.closes_min) = (22 * 60, 6 * 60);
        assert!(q.open_at(23 * 60) && q.open_at(60) && !q.open_at(12 * 60));
    }

    #[test]
    fn hooks_are_tagged_by_event() {
        let h: CallHook = serde_json::from_str(
            r#"{"event":"offered","call_id":"1700000000.42","queue":"billing","caller":"+447700900123"}"#,
        )
        .unwrap();
        assert_eq!(h.name(), "offered");
        assert_eq!(h.call_id(), "1700000000.42");
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["event"], "offered");
        assert!(serde_json::from_str::<CallHook>(r#"{"event":"rang","call_id":"1"}"#).is_err());
    }

    #[test]
    fn states_have_words() {
        for s in AgentState::ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap().as_str().unwrap(),
                s.as_str()
            );
        }
        assert!(AgentState::AfterCallWork.on_contact() && !AgentState::Break.on_contact());
    }
}
