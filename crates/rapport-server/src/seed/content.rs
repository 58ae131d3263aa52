//! What contact-centre records say: reasons for contact per channel, the
//! notes agents write, outcomes, complaint categories, preference notes, and
//! a few deliberately hostile strings (terminal escape sequences, control and
//! bidi characters) that any client must display inertly.

use rapport_api::Channel;

/// A reason for contact and what is written about it. Note templates may use
/// `{product}`, `{handset}`, `{amount}`, `{fee}`, `{country}`, `{city}`,
/// `{order}`, `{month}`, `{plan}`, `{roam}`, `{weeks}`, `{date}`.
#[derive(Debug, Clone, Copy)]
pub struct Reason {
    pub name: &'static str,
    pub weight: u32,
    pub channels: &'static [Channel],
    /// Always outbound (the business contacts the customer).
    pub outbound_only: bool,
    /// More frequent from customers who are drifting away.
    pub churn_signal: bool,
    pub notes: &'static [&'static str],
    pub outcomes: &'static [&'static str],
}

use Channel::{Call, Chat, Email, Sms, Social, Store, Web};

pub const REASONS: &[Reason] = &[
    Reason {
        name: "Billing query",
        weight: 18,
        channels: &[Call, Chat, Email, Store],
        outbound_only: false,
        churn_signal: true,
        notes: &[
            "Queried {amount} on the {month} bill. Explained it was the first pro-rata charge after the plan change.",
            "Thought they had been charged twice for {product}; showed the refund of {amount} already issued.",
            "Asked for an itemised bill for {month}; sent to the email on file.",
            "Disputed a late-payment fee of {fee}; waived as a goodwill gesture.",
        ],
        outcomes: &[
            "Resolved",
            "Resolved - fee waived",
            "Credit applied",
            "Escalated to billing team",
        ],
    },
    Reason {
        name: "Roaming charges",
        weight: 8,
        channels: &[Call, Chat, Email, Sms],
        outbound_only: false,
        churn_signal: false,
        notes: &[
            "Charged {amount} for data used in {country} without a roaming pack; added {roam} and backdated it.",
            "Asked which countries {roam} covers before a trip to {country}.",
            "Roaming not working in {country}; talked through network selection and it connected.",
        ],
        outcomes: &[
            "Resolved",
            "Credit applied",
            "Information given",
            "Pack added",
        ],
    },
    Reason {
        name: "Upgrade enquiry",
        weight: 10,
        channels: &[Call, Chat, Store, Web],
        outbound_only: false,
        churn_signal: false,
        notes: &[
            "Interested in the {handset}; quoted {amount} outright and went through trade-in options.",
            "Wants a bigger screen; compared the {handset} with their current phone.",
            "Eligible for an upgrade in {weeks} weeks; booked a reminder.",
        ],
        outcomes: &[
            "Order placed",
            "Quote sent",
            "Customer to think it over",
            "Callback booked",
        ],
    },
    Reason {
        name: "Technical fault",
        weight: 12,
        channels: &[Call, Chat, Store],
        outbound_only: false,
        churn_signal: true,
        notes: &[
            "{product} not charging; ran diagnostics, faulty cable, replacement sent.",
            "Dropped calls at home; checked coverage, mast maintenance nearby until {date}.",
            "{product} keeps restarting; a factory reset fixed it.",
            "Screen flicker on the {handset}; booked a repair at the {city} store.",
        ],
        outcomes: &[
            "Resolved",
            "Replacement sent",
            "Repair booked",
            "Escalated to tier 2",
        ],
    },
    Reason {
        name: "Broadband outage",
        weight: 7,
        channels: &[Call, Chat, Sms, Social],
        outbound_only: false,
        churn_signal: true,
        notes: &[
            "No broadband since yesterday evening; line test found a fault at the cabinet, engineer booked for {date}.",
            "Slow speeds in the evenings; moved the router and enabled the 5 GHz band.",
            "Router lights flashing red; a remote reset restored service.",
        ],
        outcomes: &["Engineer booked", "Resolved", "Escalated to network team"],
    },
    Reason {
        name: "Delivery status",
        weight: 9,
        channels: &[Call, Chat, Email, Web, Social],
        outbound_only: false,
        churn_signal: false,
        notes: &[
            "Order #{order} not arrived yet; courier tracking shows it out for delivery today.",
            "Parcel for order #{order} marked delivered but not received; opened a courier investigation.",
            "Asked to change the delivery address for order #{order}.",
        ],
        outcomes: &[
            "Information given",
            "Courier investigation opened",
            "Resolved",
        ],
    },
    Reason {
        name: "Returns and refunds",
        weight: 5,
        channels: &[Store, Call, Email, Web],
        outbound_only: false,
        churn_signal: true,
        notes: &[
            "Returned the {product} within 14 days; refund of {amount} processed to the original card.",
            "Wants to return an opened {product}; explained the returns policy.",
        ],
        outcomes: &["Refund issued", "Return declined", "Exchange arranged"],
    },
    Reason {
        name: "Contract renewal",
        weight: 6,
        channels: &[Call, Email, Sms],
        outbound_only: true,
        churn_signal: false,
        notes: &[
            "Contract ends next month; offered {plan} at a loyalty discount.",
            "Renewal reminder sent with three plan options.",
        ],
        outcomes: &[
            "Renewed",
            "Customer to think it over",
            "No answer",
            "Declined",
        ],
    },
    Reason {
        name: "Cancellation request",
        weight: 3,
        channels: &[Call, Chat, Email],
        outbound_only: false,
        churn_signal: true,
        notes: &[
            "Wants to leave for a cheaper provider; offered {plan} with 20% off, customer still deciding.",
            "Asked for a PAC code to move their number; issued, retention offer declined.",
            "Cancelling broadband after moving abroad; final bill explained.",
        ],
        outcomes: &[
            "Retained",
            "Cancellation processed",
            "PAC issued",
            "Retention offer made",
        ],
    },
    Reason {
        name: "Account access",
        weight: 5,
        channels: &[Call, Chat, Web],
        outbound_only: false,
        churn_signal: false,
        notes: &[
            "Locked out of the online account after several password attempts; reset after security checks.",
            "Changed the email address on the account after verifying identity.",
        ],
        outcomes: &["Resolved"],
    },
    Reason {
        name: "Number porting",
        weight: 3,
        channels: &[Call, Store, Chat],
        outbound_only: false,
        churn_signal: false,
        notes: &["Porting their number in from another network; port scheduled for {date}."],
        outcomes: &["Port scheduled", "Resolved"],
    },
    Reason {
        name: "Lost or stolen device",
        weight: 3,
        channels: &[Call, Store],
        outbound_only: false,
        churn_signal: false,
        notes: &[
            "Phone stolen in {city}; SIM barred, IMEI blocked, Device Care claim opened.",
            "Lost their phone on holiday in {country}; replacement SIM sent to the hotel.",
        ],
        outcomes: &["SIM barred", "Claim opened", "Replacement sent"],
    },
    Reason {
        name: "Product advice",
        weight: 7,
        channels: &[Store, Chat, Call, Web, Social],
        outbound_only: false,
        churn_signal: false,
        notes: &[
            "Asked which accessories work with their phone; recommended the {product}.",
            "Comparing broadband packages; explained the difference between Fibre 500 and Fibre 900.",
        ],
        outcomes: &["Information given", "Order placed"],
    },
    Reason {
        name: "Payment arrangement",
        weight: 2,
        channels: &[Call, Chat],
        outbound_only: false,
        churn_signal: true,
        notes: &["Struggling after a job loss; set up a three-month payment plan for {amount}."],
        outcomes: &["Payment plan agreed", "Referred to specialist team"],
    },
    Reason {
        name: "Store appointment",
        weight: 3,
        channels: &[Store, Web],
        outbound_only: false,
        churn_signal: false,
        notes: &["Set-up appointment for the new {product}; data moved over from the old phone."],
        outcomes: &["Completed"],
    },
    Reason {
        name: "Satisfaction follow-up",
        weight: 4,
        channels: &[Call, Email, Sms],
        outbound_only: true,
        churn_signal: false,
        notes: &[
            "Follow-up after the recent repair; customer happy with the result.",
            "Follow-up on the complaint; customer still unhappy about the wait.",
        ],
        outcomes: &["Completed", "No answer"],
    },
    Reason {
        name: "Social media mention",
        weight: 3,
        channels: &[Social],
        outbound_only: false,
        churn_signal: true,
        notes: &[
            "Posted about slow broadband; moved to private messages and booked an engineer.",
            "Praised the store team in {city}; thanked them publicly.",
        ],
        outcomes: &["Responded", "Escalated to tier 2"],
    },
];

/// Contact volume by channel (weights).
pub const CHANNEL_WEIGHTS: [(Channel, u32); 7] = [
    (Call, 35),
    (Email, 20),
    (Chat, 18),
    (Sms, 7),
    (Social, 5),
    (Store, 8),
    (Web, 7),
];

/// Where orders are placed (weights).
pub const ORDER_CHANNELS: [(Channel, u32); 4] = [(Web, 45), (Store, 27), (Call, 20), (Chat, 8)];

/// A complaint category with a summary and what the customer wants.
#[derive(Debug, Clone, Copy)]
pub struct ComplaintKind {
    pub category: &'static str,
    pub summary: &'static str,
    pub remedy: &'static str,
}

pub const COMPLAINTS: &[ComplaintKind] = &[
    ComplaintKind {
        category: "Billing error",
        summary: "Charged {amount} twice for {product} and the refund has not arrived.",
        remedy: "Refund of the duplicate charge",
    },
    ComplaintKind {
        category: "Network coverage",
        summary: "Repeated dropped calls at home for three weeks.",
        remedy: "Fix the coverage or release from the contract",
    },
    ComplaintKind {
        category: "Device fault",
        summary: "The {handset} failed twice within the first month.",
        remedy: "A replacement handset",
    },
    ComplaintKind {
        category: "Delivery delay",
        summary: "Order #{order} arrived ten days late and missed a birthday.",
        remedy: "Compensation for the delay",
    },
    ComplaintKind {
        category: "Mis-selling",
        summary: "Was told {plan} included roaming in {country}; it does not.",
        remedy: "Refund of the roaming charges",
    },
    ComplaintKind {
        category: "Staff conduct",
        summary: "Staff at the {city} store were dismissive about a repair.",
        remedy: "An apology",
    },
    ComplaintKind {
        category: "Broadband speed",
        summary: "Speeds below the guaranteed minimum for {weeks} weeks.",
        remedy: "Bill credit and a fix to the line",
    },
    ComplaintKind {
        category: "Roaming charges",
        summary: "Unexpected roaming bill of {amount} after a trip to {country}.",
        remedy: "Cancel the roaming charges",
    },
    ComplaintKind {
        category: "Contract cancellation",
        summary: "Charged an early termination fee after moving abroad.",
        remedy: "Waive the fee",
    },
    ComplaintKind {
        category: "Data privacy",
        summary: "Received marketing texts after opting out.",
        remedy: "Stop marketing and confirm in writing",
    },
];

pub const PREFERENCE_NOTES: &[&str] = &[
    "Prefers a call back rather than holding.",
    "Hearing impaired: speak clearly and offer text relay.",
    "Prefers correspondence in large print.",
    "Power of attorney registered: may speak to their daughter on the account.",
    "Works nights; do not call before noon.",
    "Vulnerable customer: recent bereavement, handle with care.",
    "Business customer: send invoices to the accounts address.",
    "Likes to hear about new handsets before launch.",
    "Asked not to be offered TV packages.",
    "Prefers the Manchester Arndale store.",
];

pub const CONTACT_WINDOWS: &[&str] = &[
    "09:00-17:00",
    "08:00-12:00",
    "12:00-18:00",
    "17:00-20:00",
    "10:00-16:00",
    "18:00-21:00",
];

/// Countries customers travel to (for roaming and travel notes).
pub const DESTINATIONS: &[&str] = &[
    "Spain",
    "France",
    "Italy",
    "Portugal",
    "Greece",
    "the United States",
    "Turkey",
    "Thailand",
    "Japan",
    "Dubai",
    "Morocco",
    "Croatia",
    "Iceland",
    "Mexico",
    "Australia",
];

/// Text copied from other systems with terminal control sequences in it:
/// colour changes, a window-title change with BEL, an OSC 8 hyperlink,
/// screen clearing, the alternate screen, backspaces and carriage returns,
/// C1 controls and a bidi override.
pub const HOSTILE_NOTES: &[&str] = &[
    "Customer read out a reference pasted from an email: \x1b[31mREF-4471\x1b[0m",
    "Chat transcript began with \x1b]0;pwned\x07 before the first message",
    "Parcel label showed \u{202E}lanigiro\u{202C} as the sender name",
    "Typed over old text:\x08\x08\x08\x07 new text\rOVERWRITTEN",
    "Signature block from the old CRM: \x1b[2J\x1b[H(cleared)",
    "Odd characters in the web form: \u{9b}31m and \u{7f} end",
    "Link in message: \x1b]8;;http://example.invalid/\x1b\\click here\x1b]8;;\x1b\\",
];

pub const HOSTILE_PREFERENCE_NOTE: &str =
    "Prefers email.\x1b[?1049h\x1b[?25l (copied from the old system)";

pub const HOSTILE_COMPLAINT: &str = "Bill shows \x1b[5m£999\x1b[0m for one month\u{202E} (sic)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_reasons() {
        for (c, _) in CHANNEL_WEIGHTS {
            assert!(REASONS.iter().any(|r| r.channels.contains(&c)), "{c:?}");
        }
        for r in REASONS {
            assert!(!r.notes.is_empty() && !r.outcomes.is_empty(), "{}", r.name);
        }
    }

    #[test]
    fn hostile_text_really_contains_controls() {
        for n in HOSTILE_NOTES {
            assert!(
                n.chars()
                    .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c)),
                "{n:?}"
            );
        }
    }
}
