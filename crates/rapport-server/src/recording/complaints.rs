//! Complaints: opened with the clocks that govern them, moved through the
//! lifecycle of DOMAIN.md (received → acknowledged → investigating →
//! response sent → resolved → closed; escalated is a flag), assigned, and
//! resolved with a note. Updates name the version they read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_api::{
    AgentRef, Complaint, ComplaintPatch, ComplaintStatus, CustomerId, EventBody, NewComplaint,
    Severity,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{Writer, Written, clocks, current, recovery, taxonomy, text};
use crate::codes::Code;
use crate::error::{Error, Result};
use crate::store::Conn;
use crate::store::from_epoch;
pub use rapport_api::check_transition;

pub const SUMMARY_MAX: usize = 2000;
pub const REMEDY_MAX: usize = 2000;
pub const RESOLUTION_MAX: usize = 4000;

const SELECT: &str = "SELECT c.id, c.customer_id, c.category, c.severity, c.status, c.summary, \
     c.remedy_sought, c.opened_at, c.sla_due_at, c.final_response_due_at, c.summary_due_at, \
     c.owner_id, a.name AS owner_name, c.escalated, c.resolution_note, c.resolved_at, \
     c.updated_at, c.version FROM complaints c LEFT JOIN agents a ON a.id = c.owner_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    customer_id: i64,
    category: String,
    severity: String,
    status: String,
    summary: String,
    remedy_sought: String,
    opened_at: i64,
    sla_due_at: i64,
    final_response_due_at: Option<i64>,
    summary_due_at: Option<i64>,
    owner_id: Option<i64>,
    owner_name: Option<String>,
    escalated: bool,
    resolution_note: Option<String>,
    resolved_at: Option<i64>,
    updated_at: Option<i64>,
    version: i64,
}

impl Row {
    fn into_complaint(self) -> Result<Complaint> {
        Ok(Complaint {
            id: self.id,
            customer_id: self.customer_id,
            category: self.category,
            severity: Severity::decode(&self.severity)?,
            status: ComplaintStatus::decode(&self.status)?,
            summary: self.summary,
            remedy_sought: self.remedy_sought,
            opened_at: from_epoch(self.opened_at),
            sla_due_at: from_epoch(self.sla_due_at),
            final_response_due_at: self.final_response_due_at.map(from_epoch),
            summary_due_at: self.summary_due_at.map(from_epoch),
            owner: match (self.owner_id, self.owner_name) {
                (Some(id), Some(name)) => Some(AgentRef { id, name }),
                _ => None,
            },
            escalated: self.escalated,
            resolution_note: self.resolution_note,
            resolved_at: self.resolved_at.map(from_epoch),
            updated_at: self.updated_at.map(from_epoch),
            recovery_actions: Vec::new(),
            version: self.version,
        })
    }
}

/// Attach each complaint's recovery actions (one query for all).
async fn with_actions(conn: &mut SqliteConnection, rows: Vec<Row>) -> Result<Vec<Complaint>> {
    let mut list = rows
        .into_iter()
        .map(Row::into_complaint)
        .collect::<Result<Vec<_>>>()?;
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mut actions = recovery::for_complaints(conn, &ids).await?;
    for c in &mut list {
        c.recovery_actions = actions.remove(&c.id).unwrap_or_default();
    }
    Ok(list)
}

/// One complaint with its recovery actions.
pub async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Complaint> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = ?")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let row = row.ok_or(Error::NotFound {
        what: "complaint",
        id,
    })?;
    Ok(with_actions(conn, vec![row]).await?.remove(0))
}

/// A customer's open complaints, soonest SLA first.
pub async fn open_for_customer(
    conn: &mut SqliteConnection,
    customer: CustomerId,
) -> Result<Vec<Complaint>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.customer_id = ? AND c.status NOT IN ('resolved', 'closed') \
         ORDER BY c.sla_due_at, c.id"
    )))
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?;
    with_actions(conn, rows).await
}

/// Open complaints whose SLA or regulatory deadline falls before `until`
/// (breached ones included), soonest first, at most `limit`.
pub async fn due_before(
    conn: &mut SqliteConnection,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Complaint>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.status NOT IN ('resolved', 'closed') AND c.sla_due_at < ? \
         ORDER BY c.sla_due_at, c.id LIMIT ?"
    )))
    .bind(until.timestamp())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    with_actions(conn, rows).await
}

/// Open a complaint: status received, SLA by severity, regulatory clocks
/// from the time of receipt.
pub async fn create(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    new: &NewComplaint,
) -> Result<Written<Complaint>> {
    super::customer_currency(&mut *conn, new.customer_id).await?;
    let category =
        taxonomy::category_label(&mut *Conn::borrow_sqlite(&mut *conn), &new.category).await?;
    let summary = text("/summary", &new.summary, SUMMARY_MAX, true)?;
    let remedy = text("/remedy_sought", &new.remedy_sought, REMEDY_MAX, false)?;
    let received = new.received_at.unwrap_or(w.at);
    if received > w.at + chrono::Duration::minutes(5) {
        return Err(Error::invalid(
            "/received_at",
            "A complaint cannot be received in the future; leave received_at out to use now.",
        ));
    }
    let hours = taxonomy::sla_hours(&mut *Conn::borrow_sqlite(&mut *conn), new.severity).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (customer_id, category, severity, status, summary, remedy_sought, \
         opened_at, sla_due_at, final_response_due_at, summary_due_at, owner_id, escalated, \
         updated_at, updated_by, version) \
         VALUES (?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 1) RETURNING id",
    )
    .bind(new.customer_id)
    .bind(&category)
    .bind(new.severity.code())
    .bind(&summary)
    .bind(&remedy)
    .bind(received.timestamp())
    .bind(clocks::sla_due(received, hours).timestamp())
    .bind(clocks::final_response_due(received).timestamp())
    .bind(clocks::summary_due(received).timestamp())
    .bind(w.agent.id)
    .bind(w.at.timestamp())
    .bind(w.agent.id)
    .fetch_one(&mut *conn)
    .await?;
    let complaint = get(&mut *conn, id).await?;
    let event = EventBody::ComplaintCreated(complaint.clone());
    let trail = super::Trail {
        action: "complaint.create",
        entity: "complaint",
        entity_id: id,
        customer_id: new.customer_id,
        before: None::<&()>,
        event,
    };
    super::written(conn, w, complaint, trail).await
}

/// Apply `patch` to complaint `id` if its version is still `expected`.
/// Who may reassign a complaint or change its severity (docs/DOMAIN.md,
/// "Complaints and service recovery"):
/// - supervisors and admins may do either;
/// - the owner may hand the complaint to another agent or unassign it, and
///   any agent may take an unowned complaint for themselves;
/// - any agent may raise the severity (a shorter SLA never hurts the
///   customer); only the owner may lower it, as lowering relaxes the SLA.
pub fn may_change(
    agent: &rapport_api::Agent,
    before: &Complaint,
    owner: Option<i64>,
    severity: Severity,
) -> Result<()> {
    if agent.role != rapport_api::Role::Agent {
        return Ok(());
    }
    let current = before.owner.as_ref().map(|o| o.id);
    let is_owner = current == Some(agent.id);
    let owner_name = before
        .owner
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| "no one".into());
    if owner != current && !is_owner && !(current.is_none() && owner == Some(agent.id)) {
        return Err(Error::Forbidden(format!(
            "Only the complaint's owner ({owner_name}) or a supervisor can reassign complaint #{}; \
             an unassigned complaint can be taken by assigning it to yourself.",
            before.id
        )));
    }
    if severity < before.severity && !is_owner {
        return Err(Error::Forbidden(format!(
            "Only the complaint's owner ({owner_name}) or a supervisor can lower the severity of \
             complaint #{}, as it relaxes the deadline; anyone can raise it.",
            before.id
        )));
    }
    Ok(())
}

pub async fn update(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    id: i64,
    expected: i64,
    patch: &ComplaintPatch,
) -> Result<Written<Complaint>> {
    let before = get(&mut *conn, id).await?;
    if before.version != expected {
        return Err(Error::Stale {
            message: format!(
                "Complaint #{id} was changed by {} since you read it (your version {expected}, now {}). Review the changes and apply yours again.",
                who_changed(&mut *conn, id)
                    .await?
                    .unwrap_or_else(|| "someone else".into()),
                before.version
            ),
            current: current(&before),
        });
    }
    if patch.is_empty() {
        return Err(Error::invalid("/", "The update changes nothing."));
    }
    let status = patch.status.unwrap_or(before.status);
    check_transition(before.status, status).map_err(|m| Error::invalid("/status", m))?;
    if before.status == ComplaintStatus::Closed {
        return Err(Error::invalid(
            "/",
            "This complaint is closed and cannot change; open a new complaint if the customer comes back about it.",
        ));
    }
    let summary = match &patch.summary {
        Some(s) => text("/summary", s, SUMMARY_MAX, true)?,
        None => before.summary.clone(),
    };
    let remedy = match &patch.remedy_sought {
        Some(s) => text("/remedy_sought", s, REMEDY_MAX, false)?,
        None => before.remedy_sought.clone(),
    };
    let resolution = match &patch.resolution_note {
        Some(s) => {
            Some(text("/resolution_note", s, RESOLUTION_MAX, false)?).filter(|s| !s.is_empty())
        }
        None => before.resolution_note.clone(),
    };
    let resolving =
        status == ComplaintStatus::Resolved && before.status != ComplaintStatus::Resolved;
    if resolving && resolution.is_none() {
        return Err(Error::invalid(
            "/resolution_note",
            "Say how the complaint was resolved: a resolution note is required to resolve it.",
        ));
    }
    let owner: Option<i64> = match patch.owner_id {
        Some(0) => None,
        Some(agent) => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE id = ?")
                .bind(agent)
                .fetch_optional(&mut *conn)
                .await?;
            if exists.is_none() {
                return Err(Error::invalid(
                    "/owner_id",
                    format!("There is no agent with id {agent} to assign the complaint to."),
                ));
            }
            Some(agent)
        }
        None => before.owner.as_ref().map(|o| o.id),
    };
    let severity = patch.severity.unwrap_or(before.severity);
    may_change(w.agent, &before, owner, severity)?;
    let sla_due = if severity != before.severity {
        let hours = taxonomy::sla_hours(&mut *Conn::borrow_sqlite(&mut *conn), severity).await?;
        clocks::sla_due(before.opened_at, hours)
    } else {
        before.sla_due_at
    };
    let resolved_at = match status {
        ComplaintStatus::Resolved | ComplaintStatus::Closed => {
            before.resolved_at.or(Some(w.at)).map(|t| t.timestamp())
        }
        _ => None,
    };
    let closed_at = (status == ComplaintStatus::Closed).then(|| w.at.timestamp());
    let done = sqlx::query(
        "UPDATE complaints SET status = ?, severity = ?, sla_due_at = ?, owner_id = ?, \
         escalated = ?, summary = ?, remedy_sought = ?, resolution_note = ?, resolved_at = ?, \
         closed_at = ?, updated_at = ?, updated_by = ?, version = version + 1 \
         WHERE id = ? AND version = ?",
    )
    .bind(status.code())
    .bind(severity.code())
    .bind(sla_due.timestamp())
    .bind(owner)
    .bind(patch.escalated.unwrap_or(before.escalated))
    .bind(&summary)
    .bind(&remedy)
    .bind(&resolution)
    .bind(resolved_at)
    .bind(closed_at)
    .bind(w.at.timestamp())
    .bind(w.agent.id)
    .bind(id)
    .bind(expected)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        // Cannot happen inside one write transaction; kept as a guard.
        return Err(Error::Conflict(format!(
            "Complaint #{id} changed while it was being updated; try again."
        )));
    }
    let after = get(&mut *conn, id).await?;
    let event = EventBody::ComplaintUpdated(after.clone());
    let trail = super::Trail {
        action: "complaint.update",
        entity: "complaint",
        entity_id: id,
        customer_id: after.customer_id,
        before: Some(&before),
        event,
    };
    super::written(conn, w, after, trail).await
}

/// Who made the latest change to complaint `id`, from the audit trail.
async fn who_changed(conn: &mut SqliteConnection, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT a.name FROM audit_log l JOIN agents a ON a.id = l.agent_id \
         WHERE l.entity = 'complaint' AND l.entity_id = ? ORDER BY l.id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Complaints by id (for lists that name several).
pub async fn by_ids(conn: &mut SqliteConnection, ids: &[i64]) -> Result<HashMap<i64, Complaint>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(SELECT);
    qb.push(" WHERE c.id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(")");
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(with_actions(conn, rows)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComplaintStatus::*;

    #[test]
    fn lifecycle_moves() {
        assert!(check_transition(Received, Acknowledged).is_ok());
        assert!(check_transition(Received, Resolved).is_ok());
        assert!(check_transition(Resolved, Closed).is_ok());
        assert!(check_transition(Resolved, Investigating).is_ok());
        assert!(check_transition(ResponseSent, Investigating).is_ok());
        assert!(check_transition(Investigating, Investigating).is_ok());
        let e = check_transition(Investigating, Closed).unwrap_err();
        assert!(e.contains("resolve it first"), "{e}");
        let e = check_transition(Closed, Investigating).unwrap_err();
        assert!(e.contains("closed"), "{e}");
        let e = check_transition(Investigating, Acknowledged).unwrap_err();
        assert!(e.contains("investigating to acknowledged"), "{e}");
    }
}
