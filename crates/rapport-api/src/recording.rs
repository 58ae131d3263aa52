//! Writes an agent makes during a call: interactions, complaints and their
//! lifecycle, service-recovery actions with approval, preference and consent
//! changes; the taxonomy the forms pick from; the limits and clocks that
//! govern them.
//!
//! Every create (`POST`) carries an `Idempotency-Key` header: the server
//! stores the first response and replays it for a retry with the same key and
//! body. Every update (`PATCH`) carries `If-Match` with the version read; a
//! stale write gets 412 with the current record in the problem's `current`
//! member.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AgentRef, Channel, ComplaintStatus, CustomerId, Direction, Severity};

/// Header carrying the client's unique key of a create.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// Response header set when a stored response is replayed.
pub const IDEMPOTENT_REPLAYED: &str = "Idempotent-Replayed";
/// Longest accepted idempotency key.
pub const IDEMPOTENCY_KEY_MAX: usize = 200;

/// How the customer sounded, as the agent judged it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    VeryNegative,
    Negative,
    Neutral,
    Positive,
    VeryPositive,
}

impl Sentiment {
    pub const ALL: [Sentiment; 5] = [
        Sentiment::VeryNegative,
        Sentiment::Negative,
        Sentiment::Neutral,
        Sentiment::Positive,
        Sentiment::VeryPositive,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Sentiment::VeryNegative => "very negative",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
            Sentiment::VeryPositive => "very positive",
        }
    }
}

// ---------------------------------------------------------------- taxonomy

/// A reason for contact the agent picks from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonCode {
    /// Stable code, e.g. `billing_query`.
    pub code: String,
    /// What the agent sees and what is stored on the interaction.
    pub label: String,
    /// A heading, e.g. `Billing`.
    pub group: String,
    /// Channels the reason is offered on.
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeCode {
    pub code: String,
    pub label: String,
}

/// A service-recovery action type and whether it carries an amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryKindInfo {
    pub kind: RecoveryKind,
    pub label: String,
    /// Money actions need an amount and count against approval limits.
    pub money: bool,
}

/// `GET /v1/taxonomy`: what the forms offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Taxonomy {
    pub reasons: Vec<ReasonCode>,
    pub outcomes: Vec<OutcomeCode>,
    pub complaint_categories: Vec<String>,
    pub recovery_kinds: Vec<RecoveryKindInfo>,
    /// Internal SLA per severity.
    pub sla: Vec<SlaPolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlaPolicy {
    pub severity: Severity,
    /// Hours from receipt to the SLA deadline.
    pub hours: i64,
}

// ---------------------------------------------------------------- interactions

/// `POST /v1/interactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInteraction {
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub direction: Direction,
    /// A reason label from the taxonomy.
    pub reason: String,
    #[serde(default)]
    pub notes: String,
    /// An outcome label from the taxonomy.
    pub outcome: String,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    /// The complaint this contact was about, if any.
    #[serde(default)]
    pub complaint_id: Option<i64>,
    /// When the contact began; the server's clock when absent (the call's
    /// answer when `call_id` is given).
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended (the call's end when `call_id` is given).
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// The call this interaction wraps up (`Call::id`, the agent's own
    /// call). Its arrival completes the call's wrap-up and ends the agent's
    /// after-call work, when they are still in it for this call.
    #[serde(default)]
    pub call_id: Option<crate::CallId>,
}

// ---------------------------------------------------------------- complaints

/// `POST /v1/complaints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    pub customer_id: CustomerId,
    /// A category from the taxonomy.
    pub category: String,
    pub severity: Severity,
    /// What went wrong, in the customer's terms.
    pub summary: String,
    /// What the customer wants done.
    #[serde(default)]
    pub remedy_sought: String,
    /// When the complaint was received; the server's clock when absent.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
}

/// `PATCH /v1/complaints/{id}` with `If-Match: "<version>"`. Absent fields
/// are left as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ComplaintStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Assign to this agent; `0` unassigns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_sought: Option<String>,
    /// Required when moving to `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<String>,
}

impl ComplaintPatch {
    pub fn is_empty(&self) -> bool {
        *self == ComplaintPatch::default()
    }
}

/// Position in the lifecycle, for telling forward from backward moves.
fn rank(s: ComplaintStatus) -> u8 {
    match s {
        ComplaintStatus::Received => 0,
        ComplaintStatus::Acknowledged => 1,
        ComplaintStatus::Investigating => 2,
        ComplaintStatus::ResponseSent => 3,
        ComplaintStatus::Resolved => 4,
        ComplaintStatus::Closed => 5,
    }
}

/// Whether `from → to` is a step the lifecycle allows; the error says why
/// not and what to do instead. Any forward move is allowed (a complaint
/// settled on the first call goes straight to resolved); the only way back
/// is reopening (response sent or resolved → investigating); closed is
/// final, and only a resolved complaint can be closed.
pub fn check_transition(from: ComplaintStatus, to: ComplaintStatus) -> Result<(), String> {
    use ComplaintStatus::*;
    if from == to {
        return Ok(());
    }
    if from == Closed {
        return Err(
            "This complaint is closed and cannot change; open a new complaint if the customer comes back about it."
                .into(),
        );
    }
    if to == Closed && from != Resolved {
        return Err(
            "Only a resolved complaint can be closed: resolve it first, with a resolution note."
                .into(),
        );
    }
    if rank(to) > rank(from) {
        return Ok(());
    }
    if to == Investigating && matches!(from, ResponseSent | Resolved) {
        return Ok(());
    }
    Err(format!(
        "A complaint cannot go back from {} to {}; to reopen it, move it to investigating.",
        from.label(),
        to.label()
    ))
}

// ---------------------------------------------------------------- recovery

/// Service-recovery action types (DOMAIN.md "Complaints and service
/// recovery").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryKind {
    Apology,
    Refund,
    AccountCredit,
    Voucher,
    Replacement,
    ExpeditedDelivery,
    FeeWaiver,
    Callback,
    Escalation,
}

impl RecoveryKind {
    pub const ALL: [RecoveryKind; 9] = [
        RecoveryKind::Apology,
        RecoveryKind::Refund,
        RecoveryKind::AccountCredit,
        RecoveryKind::Voucher,
        RecoveryKind::Replacement,
        RecoveryKind::ExpeditedDelivery,
        RecoveryKind::FeeWaiver,
        RecoveryKind::Callback,
        RecoveryKind::Escalation,
    ];

    /// Money actions need an amount and count against approval limits.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            RecoveryKind::Refund
                | RecoveryKind::AccountCredit
                | RecoveryKind::Voucher
                | RecoveryKind::FeeWaiver
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            RecoveryKind::Apology => "Apology",
            RecoveryKind::Refund => "Refund",
            RecoveryKind::AccountCredit => "Account credit",
            RecoveryKind::Voucher => "Voucher",
            RecoveryKind::Replacement => "Replacement",
            RecoveryKind::ExpeditedDelivery => "Expedited delivery",
            RecoveryKind::FeeWaiver => "Fee waiver",
            RecoveryKind::Callback => "Callback",
            RecoveryKind::Escalation => "Escalation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryStatus {
    /// Over the requester's limit: waits for a supervisor.
    PendingApproval,
    /// Took effect (at once, or on approval).
    Done,
    Rejected,
}

impl RecoveryStatus {
    pub fn label(self) -> &'static str {
        match self {
            RecoveryStatus::PendingApproval => "pending approval",
            RecoveryStatus::Done => "done",
            RecoveryStatus::Rejected => "rejected",
        }
    }
}

/// `POST /v1/complaints/{id}/recovery-actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecoveryAction {
    pub kind: RecoveryKind,
    /// Minor units; required for money actions, and must be in the
    /// customer's currency.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    /// Why, in the agent's words.
    #[serde(default)]
    pub note: String,
    /// For a callback: when it is promised.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryAction {
    pub id: i64,
    pub complaint_id: i64,
    pub customer_id: CustomerId,
    pub kind: RecoveryKind,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub note: String,
    pub due_at: Option<DateTime<Utc>>,
    pub status: RecoveryStatus,
    /// Which limit a pending action is over, in words.
    pub approval_reason: Option<String>,
    pub requested_by: AgentRef,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<AgentRef>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// `POST /v1/recovery-actions/{id}/approve|reject`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Why; required to reject.
    #[serde(default)]
    pub note: String,
}

/// A pending action with what a supervisor needs to decide on it
/// (`GET /v1/approvals`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Approval {
    pub action: RecoveryAction,
    pub customer_name: String,
    pub account_number: String,
    pub complaint_category: String,
    pub complaint_severity: Severity,
}

/// What the signed-in agent may grant without approval, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Authority {
    pub currency: String,
    /// Largest single money action; None when no limit is set for this
    /// currency (everything then needs approval).
    pub per_action_minor: Option<i64>,
    pub per_day_minor: Option<i64>,
    /// Money actions this agent made take effect today (UTC).
    pub used_today_minor: i64,
    /// What one more action may be: the smaller of the per-action limit and
    /// what is left of the day's.
    pub remaining_minor: i64,
}

// ---------------------------------------------------------------- preferences

/// Consent changes; absent fields are left as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub do_not_contact: Option<bool>,
}

/// `PATCH /v1/customers/{id}/preferences` with `If-Match: "<version>"`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// `HH:MM-HH:MM`; an empty string clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_window: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentPatch>,
}

impl PreferencesPatch {
    pub fn is_empty(&self) -> bool {
        self.channel.is_none()
            && self.language.is_none()
            && self.contact_window.is_none()
            && self.notes.is_none()
            && self.consent.is_none_or(|c| c == ConsentPatch::default())
    }
}

// ---------------------------------------------------------------- presence

/// `PUT /v1/presence`: which customer this agent has open (None: none).
/// Clients repeat it while the customer stays open; it lapses otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct PresenceUpdate {
    pub customer_id: Option<CustomerId>,
}

/// Who else has a customer open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Presence {
    pub customer_id: CustomerId,
    pub viewers: Vec<AgentRef>,
}

// ---------------------------------------------------------------- audit

/// One row of the append-only audit trail (`GET /v1/audit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub agent: Option<AgentRef>,
    /// e.g. `interaction.create`, `complaint.update`, `recovery.approve`.
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
    pub customer_id: Option<CustomerId>,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_kinds() {
        let money: Vec<_> = RecoveryKind::ALL
            .into_iter()
            .filter(|k| k.is_money())
            .collect();
        assert_eq!(
            money,
            [
                RecoveryKind::Refund,
                RecoveryKind::AccountCredit,
                RecoveryKind::Voucher,
                RecoveryKind::FeeWaiver
            ]
        );
    }

    #[test]
    fn patches_know_when_they_change_nothing() {
        assert!(ComplaintPatch::default().is_empty());
        assert!(
            PreferencesPatch {
                consent: Some(ConsentPatch::default()),
                ..Default::default()
            }
            .is_empty()
        );
        let p: PreferencesPatch = serde_json::from_str(r#"{"consent":{"sms":true}}"#).unwrap();
        assert!(!p.is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = serde_json::from_str::<ComplaintPatch>(r#"{"stauts":"resolved"}"#).unwrap_err();
        assert!(e.to_string().contains("stauts"), "{e}");
    }
}
