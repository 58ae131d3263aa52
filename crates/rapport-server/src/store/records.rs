//! Customers and their history as they are written: the one shape every
//! insert takes ([`Batch`], stored by [`super::CustomerStore::write_batch`]),
//! so the demo-data generator, imports and a single new customer all keep
//! the search index and the typo vocabulary in step with the tables.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_api::{
    Address, Channel, ComplaintStatus, Consent, Direction, PhoneKind, RelationshipStage, Severity,
    Tier,
};

use crate::phone::PhoneKeys;
use crate::text;

/// Seconds since the Unix epoch, as stored.
pub fn to_epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Stored seconds back to an instant (out-of-range values clamp to the epoch).
pub fn from_epoch(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

/// `YYYY-MM-DD`, as stored.
pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The account number of a customer id: `ACC-0012345`.
pub fn account_number(id: i64) -> String {
    format!("ACC-{id:07}")
}

#[derive(Debug, Clone)]
pub struct PreferencesRecord {
    pub channel: Channel,
    pub language: String,
    pub contact_window: Option<String>,
    pub notes: String,
    pub consent: Consent,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CustomerRecord {
    pub id: i64,
    pub account_number: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub address: Address,
    pub birthday: Option<NaiveDate>,
    pub customer_since: NaiveDate,
    pub tier: Tier,
    pub stage: RelationshipStage,
    pub currency: String,
    pub declining: bool,
    pub created_at: i64,
    pub phones: Vec<(PhoneKeys, PhoneKind)>,
    pub emails: Vec<String>,
    pub preferences: PreferencesRecord,
}

#[derive(Debug, Clone)]
pub struct LineRecord {
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: i64,
    pub customer_id: i64,
    pub placed_at: i64,
    pub channel: Channel,
    pub currency: String,
    pub lines: Vec<LineRecord>,
}

impl OrderRecord {
    /// The order's total, checked ([`crate::money::order_total`]).
    pub fn total_minor(&self) -> crate::error::Result<i64> {
        crate::money::order_total(
            "/lines",
            self.lines.iter().map(|l| (l.quantity, l.unit_price_minor)),
        )
    }
    /// The order's items, checked.
    pub fn item_count(&self) -> crate::error::Result<i64> {
        crate::money::item_count("/lines", self.lines.iter().map(|l| l.quantity))
    }
}

#[derive(Debug, Clone)]
pub struct InteractionRecord {
    pub id: i64,
    pub customer_id: i64,
    pub channel: Channel,
    pub direction: Direction,
    pub reason: String,
    pub notes: String,
    pub outcome: String,
    pub agent_id: Option<i64>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ComplaintRecord {
    pub customer_id: i64,
    pub category: String,
    pub severity: Severity,
    pub status: ComplaintStatus,
    pub summary: String,
    pub remedy_sought: String,
    pub opened_at: i64,
    pub sla_due_at: i64,
    pub final_response_due_at: Option<i64>,
    pub owner_id: Option<i64>,
    pub escalated: bool,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub enum SurveyKind {
    Nps,
    Csat,
}

#[derive(Debug, Clone)]
pub struct SurveyRecord {
    pub customer_id: i64,
    pub kind: SurveyKind,
    pub score: i64,
    pub answered_at: i64,
    pub interaction_id: Option<i64>,
}

/// Everything one write transaction stores.
#[derive(Debug, Default)]
pub struct Batch {
    pub customers: Vec<CustomerRecord>,
    pub orders: Vec<OrderRecord>,
    pub interactions: Vec<InteractionRecord>,
    pub complaints: Vec<ComplaintRecord>,
    pub surveys: Vec<SurveyRecord>,
}

impl Batch {
    pub fn clear(&mut self) {
        self.customers.clear();
        self.orders.clear();
        self.interactions.clear();
        self.complaints.clear();
        self.surveys.clear();
    }
}

/// The text a customer is found by, derived in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub name_key: String,
    /// Name tokens, space-joined, for the word-prefix index.
    pub words: String,
    pub tokens: Vec<String>,
    /// Folded display name, for the substring index.
    pub name_line: String,
    pub phones: String,
    pub emails: String,
}

impl SearchDoc {
    pub fn of(c: &CustomerRecord) -> SearchDoc {
        let phones: Vec<&str> = c.phones.iter().map(|(p, _)| p.digits.as_str()).collect();
        SearchDoc::from_parts(
            &c.given_name,
            &c.family_name,
            &c.display_name,
            &phones,
            &c.emails,
        )
    }

    /// From the stored names, phone digits (E.164 without '+') and emails.
    pub fn from_parts(
        given: &str,
        family: &str,
        display: &str,
        phone_digits: &[impl AsRef<str>],
        emails: &[impl AsRef<str>],
    ) -> SearchDoc {
        let tokens = text::name_tokens(given, family);
        SearchDoc {
            name_key: text::name_key(display),
            words: tokens.join(" "),
            tokens,
            name_line: text::name_line(display),
            phones: phone_digits
                .iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(" "),
            emails: emails
                .iter()
                .map(|e| text::fold_email(e.as_ref()))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// The rows one [`Batch`] writes beside its customers, flattened once for
/// both backends.
pub struct BatchRows<'b> {
    /// Each customer with its search text.
    pub docs: Vec<(&'b CustomerRecord, SearchDoc)>,
    /// (customer, position, phone, kind).
    pub phones: Vec<(i64, i64, &'b PhoneKeys, PhoneKind)>,
    /// (customer, position, email).
    pub emails: Vec<(i64, i64, &'b str)>,
    /// (order, line).
    pub lines: Vec<(i64, &'b LineRecord)>,
    /// Distinct name tokens with the number of the batch's customers using
    /// each, sorted (so concurrent writers update them in one order).
    pub token_counts: Vec<(String, i64)>,
}

impl Batch {
    pub fn rows(&self) -> BatchRows<'_> {
        let docs: Vec<_> = self
            .customers
            .iter()
            .map(|c| (c, SearchDoc::of(c)))
            .collect();
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for (_, d) in &docs {
            for t in &d.tokens {
                *counts.entry(t.clone()).or_insert(0) += 1;
            }
        }
        BatchRows {
            phones: self
                .customers
                .iter()
                .flat_map(|c| {
                    c.phones
                        .iter()
                        .enumerate()
                        .map(move |(i, (p, k))| (c.id, i as i64, p, *k))
                })
                .collect(),
            emails: self
                .customers
                .iter()
                .flat_map(|c| {
                    c.emails
                        .iter()
                        .enumerate()
                        .map(move |(i, e)| (c.id, i as i64, e.as_str()))
                })
                .collect(),
            lines: self
                .orders
                .iter()
                .flat_map(|o| o.lines.iter().map(move |l| (o.id, l)))
                .collect(),
            token_counts: counts.into_iter().collect(),
            docs,
        }
    }
}

/// What storing a [`Batch`] gave back.
#[derive(Debug, Default)]
pub struct BatchWritten {
    /// The name tokens stored (one entry per customer per token), for the
    /// in-memory vocabulary.
    pub tokens: Vec<String>,
    /// The ids of the batch's complaints, in order.
    pub complaint_ids: Vec<i64>,
}

impl BatchWritten {
    pub fn of(rows: BatchRows<'_>, complaint_ids: Vec<i64>) -> BatchWritten {
        BatchWritten {
            tokens: rows.docs.into_iter().flat_map(|(_, d)| d.tokens).collect(),
            complaint_ids,
        }
    }
}
