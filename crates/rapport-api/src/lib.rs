//! Wire types shared by the Rapport terminal client and the reference server.
//!
//! Everything that crosses HTTP is defined here once, with serde for the JSON
//! shape and utoipa for the OpenAPI document (`GET /openapi.json`), so client
//! and server cannot drift apart. Money is always integer minor units (cents)
//! with an ISO 4217 currency code; instants are UTC RFC 3339; calendar dates
//! are `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod analytics;
pub mod events;
pub mod money;
pub mod privacy;
pub mod queues;
pub mod recording;
pub mod sanitize;

pub use analytics::*;
pub use events::{Event, EventBody};
pub use privacy::{RevealRequest, RevealedContact};
pub use queues::*;
pub use recording::*;

/// Path prefix of every versioned endpoint.
pub const API_PREFIX: &str = "/v1";

/// Media type of error bodies (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Default and maximum number of search hits returned by `GET /v1/customers`.
pub const SEARCH_DEFAULT_LIMIT: u32 = 20;
pub const SEARCH_MAX_LIMIT: u32 = 100;

/// Number of interactions embedded in the customer view; older ones are paged.
pub const VIEW_INTERACTIONS: usize = 50;

pub type CustomerId = i64;
pub type AgentId = i64;

// ---------------------------------------------------------------- agents

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "agent" => Ok(Role::Agent),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role '{other}': expected agent, supervisor or admin"
            )),
        }
    }
}

/// An agent as seen by others (who recorded this, who owns that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
}

/// `GET /v1/me`: who the bearer token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub agent: Agent,
    /// Server software version, for the status bar and bug reports.
    pub server_version: String,
}

// ---------------------------------------------------------------- health

/// `GET /health` (no auth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

// ---------------------------------------------------------------- errors

/// RFC 9457 problem details. `detail` is a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type, e.g. `about:blank` or
    /// `https://rapport.dev/problems/validation`.
    #[serde(rename = "type", default = "about_blank")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Field-level validation failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On 412 (a stale `If-Match`): the record as it is now, so the client
    /// can show what changed and re-apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub current: Option<serde_json::Value>,
}

fn about_blank() -> String {
    "about:blank".to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer or query parameter name, e.g. `/q` or `limit`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{} ({}): {}", self.title, self.status, d),
            None => write!(f, "{} ({})", self.title, self.status),
        }
    }
}

// ---------------------------------------------------------------- customers

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Standard,
    Silver,
    Gold,
    Platinum,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Standard => "Standard",
            Tier::Silver => "Silver",
            Tier::Gold => "Gold",
            Tier::Platinum => "Platinum",
        }
    }
}

/// The relationship ladder (DOMAIN.md "The relationship").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipStage {
    Awareness,
    Exploration,
    Expansion,
    Commitment,
    Dissolution,
}

impl RelationshipStage {
    pub fn label(self) -> &'static str {
        match self {
            RelationshipStage::Awareness => "awareness",
            RelationshipStage::Exploration => "exploration",
            RelationshipStage::Expansion => "expansion",
            RelationshipStage::Commitment => "commitment",
            RelationshipStage::Dissolution => "dissolution",
        }
    }
}

/// Contact channels, for interactions and preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Call,
    Email,
    Chat,
    Sms,
    Social,
    Store,
    Web,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Call,
        Channel::Email,
        Channel::Chat,
        Channel::Sms,
        Channel::Social,
        Channel::Store,
        Channel::Web,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Call => "call",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Sms => "sms",
            Channel::Social => "social",
            Channel::Store => "store",
            Channel::Web => "web",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown channel '{s}': expected call, email, chat, sms, social, store or web"
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Home,
    Work,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Phone {
    /// E.164, e.g. `+447700900123`; masked (`+44 •••••••123`, see
    /// [`mask_phone`]) everywhere but `POST /v1/customers/{id}/reveal`.
    pub e164: String,
    pub kind: PhoneKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default)]
    pub region: Option<String>,
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// Which field a search hit matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    Name,
    Phone,
    Email,
    Account,
}

/// How a search hit matched, best first; hits are ordered by this, then score.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole field equals the query (account number, phone, email, name).
    Exact,
    /// A word of the field starts with each word of the query.
    Prefix,
    /// The query occurs inside the field.
    Substring,
    /// Matched after correcting a typo in the query.
    Typo,
}

/// One row of `GET /v1/customers?q=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerHit {
    pub id: CustomerId,
    pub account_number: String,
    pub display_name: String,
    pub tier: Tier,
    /// City and country, for telling namesakes apart.
    pub locality: String,
    /// The matched field's value, so the agent sees what matched: the name
    /// or account number as held, a phone number or email masked as in the
    /// view (`+44 •••••••123`, `j•••@example.org`), even when the query was
    /// the full number or address.
    pub matched_text: String,
    pub matched_field: MatchField,
    pub match_kind: MatchKind,
    /// Higher is better; only comparable within one response.
    pub score: f32,
}

/// `GET /v1/customers?q=&limit=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    pub query: String,
    pub hits: Vec<CustomerHit>,
    /// True when more matches exist beyond `limit` (no count is computed).
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub id: CustomerId,
    pub account_number: String,
    pub given_name: String,
    pub family_name: String,
    /// As the customer writes it (family-name-first for CJK names).
    pub display_name: String,
    /// Masked unless `contact_masked` is false (see [`Profile::masked`]).
    pub phones: Vec<Phone>,
    /// Masked unless `contact_masked` is false.
    pub emails: Vec<String>,
    /// Street and postcode masked unless `contact_masked` is false.
    pub address: Address,
    /// Withheld (null) unless `contact_masked` is false.
    pub birthday: Option<NaiveDate>,
    /// True when phones, emails, street address and birthday are masked, as
    /// in every response of the API: the full values come only from
    /// `POST /v1/customers/{id}/reveal`, which records who saw them and why.
    #[serde(default)]
    pub contact_masked: bool,
    pub customer_since: NaiveDate,
    pub tier: Tier,
    pub stage: RelationshipStage,
    /// ISO 4217 code of the customer's money figures.
    pub currency: String,
}

/// Marketing consent per channel, and the overriding do-not-contact flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Consent {
    pub email: bool,
    pub sms: bool,
    pub phone: bool,
    pub post: bool,
    pub do_not_contact: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Preferences {
    pub channel: Channel,
    /// BCP 47 tag, e.g. `en-GB`.
    pub language: String,
    /// Local contact window, e.g. `09:00-17:00`.
    pub contact_window: Option<String>,
    pub notes: String,
    pub consent: Consent,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<AgentRef>,
    pub version: i64,
}

/// Spend in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonthSpend {
    /// `YYYY-MM`.
    pub month: String,
    pub amount_minor: i64,
}

/// Purchase summary per DOMAIN.md ("buy till you die" convention): all orders
/// of one calendar day are one purchase valued at their sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PurchaseSummary {
    pub as_of: NaiveDate,
    pub currency: String,
    pub lifetime_spend_minor: i64,
    pub orders: i64,
    pub first_purchase: Option<NaiveDate>,
    pub last_purchase: Option<NaiveDate>,
    pub days_since_last_purchase: Option<i64>,
    /// Distinct purchase days − 1.
    pub frequency: i64,
    /// Days between first and last purchase day (0 with one purchase day).
    pub recency_days: i64,
    /// Days between first purchase day and `as_of`.
    pub t_days: i64,
    /// Mean value of the repeat purchase days (0 when frequency = 0).
    pub monetary_minor: i64,
    /// The 12 months ending with `as_of`'s month, oldest first, zeros included.
    pub monthly_spend: Vec<MonthSpend>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderSummary {
    pub id: i64,
    pub placed_at: DateTime<Utc>,
    pub channel: Channel,
    pub total_minor: i64,
    pub currency: String,
    pub items: i64,
    /// Product categories in the order, for the history line.
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Interaction {
    pub id: i64,
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub direction: Direction,
    pub reason: String,
    pub notes: String,
    pub outcome: String,
    pub agent: Option<AgentRef>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    #[serde(default)]
    pub complaint_id: Option<i64>,
    /// The call it wraps up, when it was recorded as a call's wrap-up.
    #[serde(default)]
    pub call_id: Option<CallId>,
}

/// `GET /v1/customers/{id}/interactions?cursor=&limit=&channel=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InteractionPage {
    pub items: Vec<Interaction>,
    /// Opaque; pass back as `cursor` for the next (older) page. None at the end.
    pub next_cursor: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MED",
            Severity::High => "HIGH",
            Severity::Critical => "CRIT",
        }
    }
}

/// Complaint lifecycle (DOMAIN.md); `escalated` is a separate flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Received,
    Acknowledged,
    Investigating,
    ResponseSent,
    Resolved,
    Closed,
}

impl ComplaintStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, ComplaintStatus::Resolved | ComplaintStatus::Closed)
    }
    pub fn label(self) -> &'static str {
        match self {
            ComplaintStatus::Received => "received",
            ComplaintStatus::Acknowledged => "acknowledged",
            ComplaintStatus::Investigating => "investigating",
            ComplaintStatus::ResponseSent => "response sent",
            ComplaintStatus::Resolved => "resolved",
            ComplaintStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Complaint {
    pub id: i64,
    pub customer_id: CustomerId,
    pub category: String,
    pub severity: Severity,
    pub status: ComplaintStatus,
    pub summary: String,
    /// What the customer wants done.
    pub remedy_sought: String,
    pub opened_at: DateTime<Utc>,
    /// Internal SLA deadline by severity.
    pub sla_due_at: DateTime<Utc>,
    /// Regulatory final-response deadline (8 weeks), where it applies.
    pub final_response_due_at: Option<DateTime<Utc>>,
    /// Close of the third business day after receipt: the regulatory window
    /// for a summary resolution (UK FCA DISP), where it applies.
    #[serde(default)]
    pub summary_due_at: Option<DateTime<Utc>>,
    pub owner: Option<AgentRef>,
    pub escalated: bool,
    #[serde(default)]
    pub resolution_note: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Service-recovery actions on this complaint, oldest first.
    #[serde(default)]
    pub recovery_actions: Vec<RecoveryAction>,
    /// Optimistic-concurrency version; send as `If-Match` on update.
    pub version: i64,
}

/// `GET /v1/customers/{id}/view`: the customer-360 document in one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerView {
    pub profile: Profile,
    pub preferences: Preferences,
    pub summary: PurchaseSummary,
    /// Latest orders, newest first (at most 10).
    pub recent_orders: Vec<OrderSummary>,
    /// Latest interactions across channels, newest first (at most 50).
    pub interactions: Vec<Interaction>,
    /// Cursor for older interactions, if any.
    pub interactions_cursor: Option<String>,
    /// Open complaints, soonest SLA first.
    pub open_complaints: Vec<Complaint>,
    /// Money recovery actions that took effect for this customer this
    /// calendar year (UTC), in the customer's currency.
    #[serde(default)]
    pub goodwill_year_minor: i64,
    /// What the signed-in agent may grant without approval, in the
    /// customer's currency.
    #[serde(default)]
    pub authority: Option<Authority>,
    /// Other agents who have this customer open now.
    #[serde(default)]
    pub viewers: Vec<AgentRef>,
    /// Server clock when the view was assembled, for countdowns.
    pub server_time: DateTime<Utc>,
    /// Segment, value, churn risk and suggestions; None until the figures
    /// are first computed.
    #[serde(default)]
    pub analytics: Option<CustomerAnalytics>,
}

impl Profile {
    /// The profile as the API sends it: phone numbers keep their country
    /// code and last three digits, emails their first letter and domain,
    /// the address its city, region and country (street lines hidden, the
    /// postcode cut to its first part), the birthday is withheld. Masking
    /// twice changes nothing.
    pub fn masked(mut self) -> Profile {
        if self.contact_masked {
            return self;
        }
        for p in &mut self.phones {
            p.e164 = mask_phone(&p.e164);
        }
        for e in &mut self.emails {
            *e = mask_email(e);
        }
        self.address = mask_address(&self.address);
        self.birthday = None;
        self.contact_masked = true;
        self
    }
}

/// Mask an address for display: city, region and country kept, street
/// lines hidden, the postcode cut to its outward part (`SE1 •••`) or, with
/// no space in it, to its first two characters (`53•••`).
pub fn mask_address(a: &Address) -> Address {
    let postcode = a.postcode.trim();
    let kept: String = match postcode.split_once([' ', '-']) {
        Some((head, _)) if !head.is_empty() => format!("{head} "),
        _ => postcode.chars().take(2).collect(),
    };
    Address {
        line1: if a.line1.trim().is_empty() {
            String::new()
        } else {
            "•••".to_string()
        },
        line2: a.line2.as_ref().map(|_| "•••".to_string()),
        city: a.city.clone(),
        region: a.region.clone(),
        postcode: if postcode.is_empty() {
            String::new()
        } else {
            format!("{kept}•••")
        },
        country: a.country.clone(),
    }
}

/// Mask a phone number for display: keep the country code and last 3 digits.
pub fn mask_phone(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() <= 5 {
        return "•".repeat(digits.len());
    }
    let cc_len = country_code_len(&digits);
    let cc: String = digits[..cc_len].iter().collect();
    let tail: String = digits[digits.len() - 3..].iter().collect();
    let hidden = digits.len() - cc_len - 3;
    format!("+{cc} {}{tail}", "•".repeat(hidden))
}

fn country_code_len(digits: &[char]) -> usize {
    // ITU-T E.164 country codes: 1 and 7 are one digit, these are two, the rest three.
    const TWO: [&str; 43] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95",
    ];
    match digits.first() {
        Some('1') | Some('7') => 1,
        _ => {
            let two: String = digits.iter().take(2).collect();
            if TWO.contains(&two.as_str()) || two == "98" {
                2
            } else {
                3
            }
        }
    }
}

/// Mask an email for display: first letter of the local part, full domain.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_phone_keeping_country_and_tail() {
        assert_eq!(mask_phone("+447700900123"), "+44 •••••••123");
        assert_eq!(mask_phone("+14155550123"), "+1 •••••••123");
        assert_eq!(mask_phone("+353851234567"), "+353 ••••••567");
        assert_eq!(mask_phone("+123"), "•••");
    }

    #[test]
    fn masks_addresses_and_whole_profiles_once() {
        let a = Address {
            line1: "12 Acacia Avenue".into(),
            line2: Some("Flat 3".into()),
            city: "London".into(),
            region: None,
            postcode: "SE1 7PB".into(),
            country: "GB".into(),
        };
        let m = mask_address(&a);
        assert_eq!(
            (m.line1.as_str(), m.line2.as_deref(), m.postcode.as_str()),
            ("•••", Some("•••"), "SE1 •••")
        );
        assert_eq!((m.city.as_str(), m.country.as_str()), ("London", "GB"));
        let jp = Address {
            postcode: "530-0001".into(),
            ..a.clone()
        };
        assert_eq!(mask_address(&jp).postcode, "530 •••");
        let plain = Address {
            postcode: "75008".into(),
            ..a.clone()
        };
        assert_eq!(mask_address(&plain).postcode, "75•••");

        let p = Profile {
            id: 1,
            account_number: "ACC-0000001".into(),
            given_name: "Jane".into(),
            family_name: "Okafor".into(),
            display_name: "Jane Okafor".into(),
            phones: vec![Phone {
                e164: "+447700900123".into(),
                kind: PhoneKind::Mobile,
            }],
            emails: vec!["jane@example.org".into()],
            address: a,
            birthday: NaiveDate::from_ymd_opt(1986, 4, 2),
            contact_masked: false,
            customer_since: NaiveDate::from_ymd_opt(2019, 3, 14).unwrap(),
            tier: Tier::Gold,
            stage: RelationshipStage::Commitment,
            currency: "GBP".into(),
        };
        let m = p.clone().masked();
        assert!(m.contact_masked);
        assert_eq!(m.phones[0].e164, "+44 •••••••123");
        assert_eq!(m.emails[0], "j•••@example.org");
        assert_eq!(m.birthday, None);
        let text = serde_json::to_string(&m).unwrap();
        for secret in ["7700900", "jane@", "Acacia", "7PB", "1986"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(m.clone().masked(), m, "masking twice changes nothing");
    }

    #[test]
    fn masks_email() {
        assert_eq!(mask_email("jane@example.org"), "j•••@example.org");
        assert_eq!(mask_email("nonsense"), "•••");
    }

    #[test]
    fn problem_round_trips_with_type_field() {
        let p = Problem {
            type_: "about:blank".into(),
            title: "Not found".into(),
            status: 404,
            detail: Some("No customer with id 7.".into()),
            instance: None,
            errors: vec![],
            current: None,
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert!(json.get("errors").is_none());
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.to_string(), "Not found (404): No customer with id 7.");
    }

    #[test]
    fn parses_roles_and_channels() {
        assert_eq!("Supervisor".parse::<Role>().unwrap(), Role::Supervisor);
        assert!(
            "boss"
                .parse::<Role>()
                .unwrap_err()
                .contains("expected agent")
        );
        assert_eq!("SMS".parse::<Channel>().unwrap(), Channel::Sms);
    }
}
