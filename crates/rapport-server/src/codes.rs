//! The text codes enumerations are stored under (the same snake_case words as
//! their JSON form), in one place.

use rapport_api::{
    AgentState, CallStatus, Channel, ComplaintStatus, Direction, PhoneKind, RecoveryKind,
    RecoveryStatus, RelationshipStage, Role, Sentiment, Severity, Tier,
};

use crate::error::Error;

/// An enumeration stored as a text code.
pub trait Code: Sized + Copy + 'static {
    const ALL: &'static [Self];
    const WHAT: &'static str;
    fn code(self) -> &'static str;
    fn from_code(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == s)
    }
    /// Decode a stored value; an unknown code means the data is damaged.
    fn decode(s: &str) -> Result<Self, Error> {
        Self::from_code(s).ok_or_else(|| {
            Error::Corrupt(format!("unknown {} code '{s}' in the database", Self::WHAT))
        })
    }
}

macro_rules! codes {
    ($t:ty, $what:literal { $($v:path => $s:literal),* $(,)? }) => {
        impl Code for $t {
            const ALL: &'static [Self] = &[$($v),*];
            const WHAT: &'static str = $what;
            fn code(self) -> &'static str {
                match self { $($v => $s),* }
            }
        }
    };
}

// Roles and channels already have their words in the wire types (for
// command lines and settings); the stored code is the same word.
impl Code for Role {
    const ALL: &'static [Self] = &[Role::Agent, Role::Supervisor, Role::Admin];
    const WHAT: &'static str = "role";
    fn code(self) -> &'static str {
        self.as_str()
    }
}
impl Code for Channel {
    const ALL: &'static [Self] = &Channel::ALL;
    const WHAT: &'static str = "channel";
    fn code(self) -> &'static str {
        self.as_str()
    }
}
codes!(Tier, "tier" {
    Tier::Standard => "standard", Tier::Silver => "silver", Tier::Gold => "gold",
    Tier::Platinum => "platinum",
});
codes!(RelationshipStage, "relationship stage" {
    RelationshipStage::Awareness => "awareness",
    RelationshipStage::Exploration => "exploration",
    RelationshipStage::Expansion => "expansion",
    RelationshipStage::Commitment => "commitment",
    RelationshipStage::Dissolution => "dissolution",
});
codes!(Direction, "direction" {
    Direction::Inbound => "inbound", Direction::Outbound => "outbound",
});
codes!(PhoneKind, "phone kind" {
    PhoneKind::Mobile => "mobile", PhoneKind::Home => "home", PhoneKind::Work => "work",
});
codes!(Severity, "severity" {
    Severity::Low => "low", Severity::Medium => "medium", Severity::High => "high",
    Severity::Critical => "critical",
});
codes!(ComplaintStatus, "complaint status" {
    ComplaintStatus::Received => "received",
    ComplaintStatus::Acknowledged => "acknowledged",
    ComplaintStatus::Investigating => "investigating",
    ComplaintStatus::ResponseSent => "response_sent",
    ComplaintStatus::Resolved => "resolved",
    ComplaintStatus::Closed => "closed",
});

codes!(Sentiment, "sentiment" {
    Sentiment::VeryNegative => "very_negative", Sentiment::Negative => "negative",
    Sentiment::Neutral => "neutral", Sentiment::Positive => "positive",
    Sentiment::VeryPositive => "very_positive",
});
codes!(RecoveryKind, "recovery action kind" {
    RecoveryKind::Apology => "apology", RecoveryKind::Refund => "refund",
    RecoveryKind::AccountCredit => "account_credit", RecoveryKind::Voucher => "voucher",
    RecoveryKind::Replacement => "replacement",
    RecoveryKind::ExpeditedDelivery => "expedited_delivery",
    RecoveryKind::FeeWaiver => "fee_waiver", RecoveryKind::Callback => "callback",
    RecoveryKind::Escalation => "escalation",
});
codes!(RecoveryStatus, "recovery action status" {
    RecoveryStatus::PendingApproval => "pending_approval", RecoveryStatus::Done => "done",
    RecoveryStatus::Rejected => "rejected",
});
codes!(AgentState, "agent state" {
    AgentState::Available => "available", AgentState::OnCall => "on_call",
    AgentState::AfterCallWork => "after_call_work", AgentState::Break => "break",
    AgentState::Offline => "offline",
});
codes!(CallStatus, "call status" {
    CallStatus::Waiting => "waiting", CallStatus::Talking => "talking",
    CallStatus::WrapUp => "wrap_up", CallStatus::Done => "done",
    CallStatus::Abandoned => "abandoned", CallStatus::Transferred => "transferred",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_json<T: Code + serde::Serialize>() {
        for v in T::ALL {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json.as_str().unwrap(), v.code());
            assert_eq!(T::from_code(v.code()).map(|x| x.code()), Some(v.code()));
        }
    }

    #[test]
    fn codes_match_the_wire_names() {
        same_as_json::<Role>();
        same_as_json::<Tier>();
        same_as_json::<RelationshipStage>();
        same_as_json::<Channel>();
        same_as_json::<Direction>();
        same_as_json::<PhoneKind>();
        same_as_json::<Severity>();
        same_as_json::<ComplaintStatus>();
        same_as_json::<Sentiment>();
        same_as_json::<RecoveryKind>();
        same_as_json::<RecoveryStatus>();
        same_as_json::<AgentState>();
        same_as_json::<CallStatus>();
        assert!(Tier::decode("diamond").is_err());
    }
}
