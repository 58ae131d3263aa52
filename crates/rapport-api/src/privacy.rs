//! Revealing a customer's masked contact details: the agent gives a reason,
//! the server records who saw what and why in the audit trail, and answers
//! with the details in full (`POST /v1/customers/{id}/reveal`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Address, AgentRef, CustomerId, Phone};

/// Reasons the client offers; the server takes any non-blank sentence.
pub const REVEAL_REASONS: [&str; 4] = [
    "Verifying the caller's identity",
    "Customer asked to confirm the details held",
    "Correcting or updating contact details",
    "Arranging a callback or delivery",
];

/// Longest reason the server keeps.
pub const REVEAL_REASON_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the agent needs the details, in a sentence; kept in the audit trail.
    pub reason: String,
}

/// The contact details in full, and the audit entry that recorded the reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevealedContact {
    pub customer_id: CustomerId,
    pub phones: Vec<Phone>,
    pub emails: Vec<String>,
    pub address: Address,
    pub birthday: Option<NaiveDate>,
    pub reason: String,
    pub revealed_at: DateTime<Utc>,
    pub revealed_by: AgentRef,
    /// The audit trail entry of this reveal.
    pub audit_id: i64,
}
