//! The audit trail: every write, with who, when, what, and the record before
//! and after, in the same transaction as the write. The table refuses
//! updates and deletes (triggers in migration 0002), so the trail is
//! append-only even to someone with SQL access through this schema.

use chrono::{DateTime, Utc};
use rapport_api::{AgentId, AuditEntry, CustomerId};
use serde::Serialize;
use sqlx::SqliteConnection;

use crate::Db;
use crate::error::{Error, Result};
use crate::store::from_epoch;

/// One write to record.
pub struct Entry<'a, B: Serialize, A: Serialize> {
    pub at: DateTime<Utc>,
    pub agent: Option<AgentId>,
    /// e.g. `complaint.update`.
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
    pub customer_id: Option<CustomerId>,
    pub before: Option<&'a B>,
    pub after: Option<&'a A>,
    /// The Idempotency-Key of the request, when there was one.
    pub request_key: Option<&'a str>,
}

fn json<T: Serialize>(v: Option<&T>) -> Result<Option<String>> {
    v.map(|v| {
        serde_json::to_string(v)
            .map_err(|e| Error::Corrupt(format!("cannot encode an audit record: {e}")))
    })
    .transpose()
}

/// Append `e` inside the caller's transaction; returns the entry's id.
pub async fn record<B: Serialize, A: Serialize>(
    conn: &mut SqliteConnection,
    e: Entry<'_, B, A>,
) -> Result<i64> {
    let done = sqlx::query(
        "INSERT INTO audit_log (at, agent_id, action, entity, entity_id, customer_id, before, \
         after, request_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.at.timestamp())
    .bind(e.agent)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(e.customer_id)
    .bind(json(e.before)?)
    .bind(json(e.after)?)
    .bind(e.request_key)
    .execute(conn)
    .await?;
    Ok(done.last_insert_rowid())
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub customer_id: Option<CustomerId>,
    /// Only entries with a smaller id (paging backwards).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first.
pub async fn list(db: &Db, f: &Filter) -> Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT l.id, l.at, l.agent_id, a.name AS agent_name, l.action, l.entity, l.entity_id, \
         l.customer_id, l.before, l.after FROM audit_log l LEFT JOIN agents a ON a.id = l.agent_id \
         WHERE (?1 IS NULL OR l.entity = ?1) AND (?2 IS NULL OR l.entity_id = ?2) \
         AND (?3 IS NULL OR l.customer_id = ?3) AND (?4 IS NULL OR l.id < ?4) \
         ORDER BY l.id DESC LIMIT ?5",
    )
    .bind(&f.entity)
    .bind(f.entity_id)
    .bind(f.customer_id)
    .bind(f.before_id)
    .bind(f.limit)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(AuditRow::into_entry).collect()
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    action: String,
    entity: String,
    entity_id: i64,
    customer_id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
}

impl AuditRow {
    fn into_entry(self) -> Result<AuditEntry> {
        let parse = |s: Option<String>| -> Result<Option<serde_json::Value>> {
            s.map(|s| {
                serde_json::from_str(&s).map_err(|e| {
                    Error::Corrupt(format!("audit entry {} does not decode: {e}", self.id))
                })
            })
            .transpose()
        };
        Ok(AuditEntry {
            id: self.id,
            at: from_epoch(self.at),
            agent: match (self.agent_id, self.agent_name.clone()) {
                (Some(id), Some(name)) => Some(rapport_api::AgentRef { id, name }),
                _ => None,
            },
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id,
            customer_id: self.customer_id,
            before: parse(self.before.clone())?,
            after: parse(self.after.clone())?,
        })
    }
}
