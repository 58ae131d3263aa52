//! Creating customers and recording what happens to them, one at a time (the
//! write API's storage side). Everything goes through [`crate::store`], the
//! same path bulk loading takes, so search sees new customers at once.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_api::{
    Address, Channel, ComplaintStatus, Consent, CustomerId, Direction, PhoneKind,
    RelationshipStage, Severity, Tier,
};

use crate::Db;
use crate::error::{Error, Result};
use crate::phone::parse_e164;
use crate::store::{
    self, Batch, ComplaintRecord, CustomerRecord, IdTable, InteractionRecord, LineRecord,
    OrderRecord, PreferencesRecord, to_epoch,
};
use crate::text::has_cjk;

#[derive(Debug, Clone)]
pub struct NewPreferences {
    pub channel: Channel,
    /// BCP 47 tag, e.g. `en-GB`.
    pub language: String,
    pub contact_window: Option<String>,
    pub notes: String,
    pub consent: Consent,
}

impl Default for NewPreferences {
    fn default() -> Self {
        NewPreferences {
            channel: Channel::Email,
            language: "en-GB".into(),
            contact_window: None,
            notes: String::new(),
            consent: Consent::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub given_name: String,
    pub family_name: String,
    /// None: family name first without a space for CJK names (`王伟`),
    /// otherwise `given family`.
    pub display_name: Option<String>,
    /// E.164 numbers, e.g. `+447700900123`.
    pub phones: Vec<(String, PhoneKind)>,
    pub emails: Vec<String>,
    pub address: Address,
    pub birthday: Option<NaiveDate>,
    pub customer_since: NaiveDate,
    pub tier: Tier,
    pub stage: RelationshipStage,
    /// ISO 4217.
    pub currency: String,
    pub preferences: NewPreferences,
}

/// The display name of a person: family name first, unspaced, for CJK names.
pub fn display_name(given: &str, family: &str) -> String {
    if has_cjk(given) || has_cjk(family) {
        format!("{family}{given}")
    } else if family.is_empty() {
        given.to_string()
    } else if given.is_empty() {
        family.to_string()
    } else {
        format!("{given} {family}")
    }
}

/// Store a new customer; the account number follows from the id.
pub async fn create(db: &Db, c: &NewCustomer) -> Result<CustomerId> {
    if c.given_name.trim().is_empty() && c.family_name.trim().is_empty() {
        return Err(Error::invalid(
            "/family_name",
            "A customer needs a given name or a family name.",
        ));
    }
    let mut phones = Vec::with_capacity(c.phones.len());
    for (i, (p, kind)) in c.phones.iter().enumerate() {
        let keys =
            parse_e164(p).map_err(|e| Error::invalid(format!("/phones/{i}"), e.to_string()))?;
        phones.push((keys, *kind));
    }
    for (i, e) in c.emails.iter().enumerate() {
        if !e.contains('@') {
            return Err(Error::invalid(
                format!("/emails/{i}"),
                format!("'{e}' is not an email address: it has no '@'."),
            ));
        }
    }
    let now = to_epoch(Utc::now());
    let (id, tokens) = store_one(db, IdTable::Customers, |id| Batch {
        customers: vec![CustomerRecord {
            id,
            account_number: store::account_number(id),
            given_name: c.given_name.trim().to_string(),
            family_name: c.family_name.trim().to_string(),
            display_name: c
                .display_name
                .clone()
                .unwrap_or_else(|| display_name(c.given_name.trim(), c.family_name.trim())),
            address: c.address.clone(),
            birthday: c.birthday,
            customer_since: c.customer_since,
            tier: c.tier,
            stage: c.stage,
            currency: c.currency.clone(),
            declining: false,
            created_at: now,
            phones,
            emails: c.emails.clone(),
            preferences: PreferencesRecord {
                channel: c.preferences.channel,
                language: c.preferences.language.clone(),
                contact_window: c.preferences.contact_window.clone(),
                notes: c.preferences.notes.clone(),
                consent: c.preferences.consent,
                updated_at: now,
                updated_by: None,
            },
        }],
        ..Batch::default()
    })
    .await?;
    db.vocab.add(tokens.iter().map(String::as_str));
    Ok(id)
}

/// Write what `batch` builds for the next free id of `table`, in one
/// transaction that takes the write lock at once (so no other writer takes
/// the same id). Returns the id and the name tokens stored.
async fn store_one(
    db: &Db,
    table: IdTable,
    batch: impl FnOnce(i64) -> Batch,
) -> Result<(i64, Vec<String>)> {
    let mut tx = db.begin().await?;
    let id = tx.reserve_ids(table, 1).await?;
    let written = tx.write_batch(&batch(id)).await?;
    tx.commit().await?;
    Ok((id, written.tokens))
}

async fn ensure_customer(db: &Db, id: CustomerId) -> Result<()> {
    if db.read().await?.customer_exists(id).await? {
        Ok(())
    } else {
        Err(Error::NotFound {
            what: "customer",
            id,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewInteraction {
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub direction: Direction,
    pub reason: String,
    pub notes: String,
    pub outcome: String,
    pub agent_id: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Record an interaction; returns its id.
pub async fn record_interaction(db: &Db, i: &NewInteraction) -> Result<i64> {
    ensure_customer(db, i.customer_id).await?;
    let (id, _) = store_one(db, IdTable::Interactions, |id| Batch {
        interactions: vec![InteractionRecord {
            id,
            customer_id: i.customer_id,
            channel: i.channel,
            direction: i.direction,
            reason: i.reason.clone(),
            notes: i.notes.clone(),
            outcome: i.outcome.clone(),
            agent_id: i.agent_id,
            started_at: to_epoch(i.started_at),
            ended_at: i.ended_at.map(to_epoch),
        }],
        ..Batch::default()
    })
    .await?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct NewOrderLine {
    pub sku: String,
    pub quantity: i64,
    /// None: the catalogue price.
    pub unit_price_minor: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewOrder {
    pub customer_id: CustomerId,
    pub placed_at: DateTime<Utc>,
    pub channel: Channel,
    pub lines: Vec<NewOrderLine>,
}

/// Record an order in the customer's currency; returns its id.
pub async fn record_order(db: &Db, o: &NewOrder) -> Result<i64> {
    let mut conn = db.read().await?;
    let currency = conn.customer_currency(o.customer_id).await?;
    let currency = currency.ok_or(Error::NotFound {
        what: "customer",
        id: o.customer_id,
    })?;
    if o.lines.is_empty() {
        return Err(Error::invalid(
            "/lines",
            "An order needs at least one line.",
        ));
    }
    let mut lines = Vec::with_capacity(o.lines.len());
    for (i, l) in o.lines.iter().enumerate() {
        let product = conn.product_by_sku(&l.sku).await?;
        let (product_id, price) = product.ok_or_else(|| {
            Error::invalid(
                format!("/lines/{i}/sku"),
                format!("No product with SKU '{}'.", l.sku),
            )
        })?;
        let quantity = crate::money::quantity(
            &format!("/lines/{i}/quantity"),
            l.quantity,
            crate::money::MAX_QUANTITY,
        )?;
        let unit_price_minor = crate::money::unit_price(
            &format!("/lines/{i}/unit_price_minor"),
            l.unit_price_minor.unwrap_or(price),
        )?;
        lines.push(LineRecord {
            product_id,
            quantity,
            unit_price_minor,
        });
    }
    drop(conn);
    let (id, _) = store_one(db, IdTable::Orders, |id| Batch {
        orders: vec![OrderRecord {
            id,
            customer_id: o.customer_id,
            placed_at: to_epoch(o.placed_at),
            channel: o.channel,
            currency,
            lines,
        }],
        ..Batch::default()
    })
    .await?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub customer_id: CustomerId,
    pub category: String,
    pub severity: Severity,
    pub status: ComplaintStatus,
    pub summary: String,
    pub remedy_sought: String,
    pub opened_at: DateTime<Utc>,
    pub sla_due_at: DateTime<Utc>,
    pub final_response_due_at: Option<DateTime<Utc>>,
    pub owner_id: Option<i64>,
    pub escalated: bool,
}

/// Record a complaint; returns its id.
pub async fn record_complaint(db: &Db, c: &NewComplaint) -> Result<i64> {
    ensure_customer(db, c.customer_id).await?;
    let mut tx = db.begin().await?;
    let batch = Batch {
        complaints: vec![ComplaintRecord {
            customer_id: c.customer_id,
            category: c.category.clone(),
            severity: c.severity,
            status: c.status,
            summary: c.summary.clone(),
            remedy_sought: c.remedy_sought.clone(),
            opened_at: to_epoch(c.opened_at),
            sla_due_at: to_epoch(c.sla_due_at),
            final_response_due_at: c.final_response_due_at.map(to_epoch),
            owner_id: c.owner_id,
            escalated: c.escalated,
            closed_at: None,
        }],
        ..Batch::default()
    };
    let written = tx.write_batch(&batch).await?;
    tx.commit().await?;
    written
        .complaint_ids
        .first()
        .copied()
        .ok_or_else(|| Error::Corrupt("the complaint was not stored".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_follow_the_culture() {
        assert_eq!(
            display_name("Jane", "Okafor-Lindqvist"),
            "Jane Okafor-Lindqvist"
        );
        assert_eq!(display_name("伟", "王"), "王伟");
        assert_eq!(display_name("민준", "김"), "김민준");
        assert_eq!(display_name("Madonna", ""), "Madonna");
    }
}
