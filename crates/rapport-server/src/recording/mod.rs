//! What agents record during a call: interactions, complaints through their
//! lifecycle, service-recovery actions under approval limits, preference and
//! consent changes.
//!
//! Every function here writes inside the caller's transaction and records,
//! in that same transaction, an audit entry (who, when, before, after) and a
//! durable event; the caller commits and then announces the event id with
//! [`crate::events::Events::committed`]. The HTTP layer adds idempotency and
//! `If-Match` around these; the library never sees HTTP.

pub mod clocks;
pub mod complaints;
pub mod interactions;
pub mod limits;
pub mod orders;
pub mod preferences;
pub mod recovery;
pub mod taxonomy;

use chrono::{DateTime, Utc};
use rapport_api::{Agent, AgentRef, CustomerId};
use sqlx::SqliteConnection;

use crate::error::{Error, Result};

/// Who is writing, when, and under which request key.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pub agent: &'a Agent,
    pub at: DateTime<Utc>,
    /// The request's Idempotency-Key, kept in the audit trail.
    pub request_key: Option<&'a str>,
}

impl Writer<'_> {
    pub fn agent_ref(&self) -> AgentRef {
        AgentRef {
            id: self.agent.id,
            name: self.agent.name.clone(),
        }
    }
}

/// What a write produced, and the events to announce once it is committed.
#[derive(Debug, Clone)]
pub struct Written<T> {
    pub value: T,
    pub events: Vec<rapport_api::Event>,
}

/// What one write leaves behind besides its rows.
pub(crate) struct Trail<'a, B: serde::Serialize> {
    /// e.g. `complaint.update`.
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
    pub customer_id: CustomerId,
    pub before: Option<&'a B>,
    pub event: rapport_api::EventBody,
}

/// Record the audit entry (with `value` as the record after) and the event
/// of a write in its transaction; returns the value with the event to
/// announce after the commit.
pub(crate) async fn written<T, B: serde::Serialize>(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    value: T,
    t: Trail<'_, B>,
) -> Result<Written<T>>
where
    T: serde::Serialize,
{
    crate::audit::record(
        &mut *conn,
        crate::audit::Entry {
            at: w.at,
            agent: Some(w.agent.id),
            action: t.action,
            entity: t.entity,
            entity_id: t.entity_id,
            customer_id: Some(t.customer_id),
            before: t.before,
            after: Some(&value),
            request_key: w.request_key,
        },
    )
    .await?;
    let event = crate::events::record(
        &mut *conn,
        w.at,
        Some(&w.agent_ref()),
        Some(t.customer_id),
        &t.event,
    )
    .await?;
    Ok(Written {
        value,
        events: vec![event],
    })
}

/// Trimmed text of at most `max` characters; `required` refuses blank.
/// Anything else is kept as written: display sanitises it, storage does not
/// judge it (a customer's words are evidence).
pub(crate) fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let t = value.trim();
    if required && t.is_empty() {
        return Err(Error::invalid(
            field,
            format!("{} is required.", label(field)),
        ));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("{} is too long: at most {max} characters.", label(field)),
        ));
    }
    if t.contains('\0') {
        return Err(Error::invalid(
            field,
            format!("{} contains a NUL character.", label(field)),
        ));
    }
    Ok(t.to_string())
}

/// `remedy_sought` → `Remedy sought`, for messages.
fn label(field: &str) -> String {
    let words = field.trim_start_matches('/').replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The customer's currency, or NotFound.
pub(crate) async fn customer_currency(
    conn: &mut SqliteConnection,
    customer: CustomerId,
) -> Result<String> {
    sqlx::query_scalar("SELECT currency FROM customers WHERE id = ?")
        .bind(customer)
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound {
            what: "customer",
            id: customer,
        })
}

/// Serialise a record for a stale-write answer.
pub(crate) fn current<T: serde::Serialize>(v: &T) -> Box<serde_json::Value> {
    Box::new(serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_required() {
        assert_eq!(text("notes", "  hi \n", 10, false).unwrap(), "hi");
        assert!(text("summary", "   ", 10, true).is_err());
        let e = text("remedy_sought", "abcdef", 3, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Remedy sought is too long: at most 3 characters."
        );
        assert!(text("notes", "a\0b", 10, false).is_err());
        // Escape sequences are kept: they are the customer's words.
        assert_eq!(text("notes", "\x1b[2Jx", 10, false).unwrap(), "\x1b[2Jx");
    }
}
