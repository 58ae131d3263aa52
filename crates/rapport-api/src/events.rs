//! `GET /v1/events`: what happened, as server-sent events.
//!
//! Each SSE message has `event:` set to the [`EventBody`] kind, `data:` the
//! JSON of the whole [`Event`], and, for durable events, `id:` the event id.
//! A client resumes after a dropped connection by sending the last id it
//! applied as `Last-Event-ID`; ids only grow, so an id not above the last
//! applied one is a duplicate and is skipped. When the id asked for is older
//! than what the server keeps, the server sends one `resync` event first: the
//! client must reload what it shows. Ephemeral events (presence, the desk) carry no id
//! and are not replayed. A comment line is sent every 15 seconds so idle
//! connections stay open and a dead one is noticed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analytics::{CustomerAnalytics, SuggestionResponse};
use crate::queues::{AgentStatus, Desk};
use crate::recording::{Presence, RecoveryAction};
use crate::{AgentRef, Complaint, CustomerId, Interaction, OrderSummary, Preferences};

/// Seconds between heartbeat comments on an idle event stream.
pub const HEARTBEAT_SECS: u64 = 15;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Durable events only: ascending in commit order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub at: DateTime<Utc>,
    /// Who caused it, when an agent did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<AgentRef>,
    /// The customer it concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    #[serde(flatten)]
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EventBody {
    InteractionCreated(Interaction),
    ComplaintCreated(Complaint),
    ComplaintUpdated(Complaint),
    /// Requested, approved, rejected.
    RecoveryActionChanged(RecoveryAction),
    PreferencesUpdated(Preferences),
    /// Who has a customer open changed (ephemeral).
    Presence(Presence),
    /// An order was placed (`POST /v1/orders`).
    OrderCreated(OrderSummary),
    /// An agent answered a cross-sell or up-sell suggestion.
    SuggestionResponded(SuggestionResponse),
    /// A customer's figures were recomputed after a change (ephemeral).
    AnalyticsUpdated(Box<CustomerAnalytics>),
    /// The resume point is older than the server keeps: reload everything.
    Resync,
    /// A signed-in (not simulated) agent's state or call changed: durable,
    /// so the agent's own client never misses the call routed to it.
    AgentState(AgentStatus),
    /// The supervisor desk's figures (ephemeral, at most a few a second;
    /// an agent's stream gets them without the agents table).
    Desk(Box<Desk>),
}

impl EventBody {
    /// The SSE `event:` name.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::InteractionCreated(_) => "interaction_created",
            EventBody::ComplaintCreated(_) => "complaint_created",
            EventBody::ComplaintUpdated(_) => "complaint_updated",
            EventBody::RecoveryActionChanged(_) => "recovery_action_changed",
            EventBody::PreferencesUpdated(_) => "preferences_updated",
            EventBody::Presence(_) => "presence",
            EventBody::OrderCreated(_) => "order_created",
            EventBody::SuggestionResponded(_) => "suggestion_responded",
            EventBody::AnalyticsUpdated(_) => "analytics_updated",
            EventBody::Resync => "resync",
            EventBody::AgentState(_) => "agent_state",
            EventBody::Desk(_) => "desk",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_matches_the_json_tag() {
        let e = Event {
            id: Some(7),
            at: DateTime::from_timestamp(0, 0).unwrap(),
            by: None,
            customer_id: Some(3),
            body: EventBody::Presence(Presence {
                customer_id: 3,
                viewers: vec![],
            }),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], e.body.kind());
        assert_eq!(v["id"], 7);
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        let r = serde_json::to_value(EventBody::Resync).unwrap();
        assert_eq!(r["kind"], "resync");
    }
}
