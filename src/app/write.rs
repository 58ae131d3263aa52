//! A change the agent made, as the outbox stores and sends it: method, path,
//! If-Match and JSON body, plus what the app needs to show it while it is
//! queued and to reopen its form if the server refuses it.

use rapport_api::CustomerId;
use serde::{Deserialize, Serialize};

use super::form::Draft;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WriteMethod {
    Post,
    Patch,
}

/// What a write is, for showing it and applying its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WriteKind {
    Interaction,
    Complaint,
    ComplaintUpdate {
        complaint_id: i64,
    },
    Recovery {
        complaint_id: i64,
    },
    /// Approve or reject a recovery action.
    Decision {
        action_id: i64,
        approve: bool,
    },
    Preferences,
    /// An answer to a cross-sell or up-sell suggestion.
    SuggestionResponse {
        suggestion_id: i64,
        answer: rapport_api::SuggestionAnswer,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteRequest {
    pub method: WriteMethod,
    /// e.g. `/v1/interactions`.
    pub path: String,
    /// The version read, for updates.
    pub if_match: Option<i64>,
    pub body: serde_json::Value,
    /// In words, for the agent: "Refund £12.50 for Jane Okafor (#481)".
    pub summary: String,
    pub customer_id: Option<CustomerId>,
    pub kind: WriteKind,
    /// The form it came from, to reopen it if the server refuses it.
    pub draft: Option<Draft>,
}
