//! Service-recovery actions on a complaint. A money action within the
//! requester's authority takes effect at once; over it, it waits as
//! "pending approval" until a supervisor or admin approves it (and it takes
//! effect, once) or rejects it. Nobody decides on their own request, and an
//! approver needs authority for the amount too.

use std::collections::HashMap;

use chrono::Utc;
use rapport_api::{
    AgentRef, Approval, EventBody, NewRecoveryAction, RecoveryAction, RecoveryKind, RecoveryStatus,
    Role, Severity,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{Writer, Written, limits, text};
use crate::codes::Code;
use crate::error::{Error, Result};
use crate::store::from_epoch;

pub const NOTE_MAX: usize = 2000;

const SELECT: &str = "SELECT r.id, r.complaint_id, r.customer_id, r.kind, r.amount_minor, \
     r.currency, r.note, r.due_at, r.status, r.approval_reason, r.requested_by, \
     q.name AS requested_name, r.requested_at, r.decided_by, d.name AS decided_name, \
     r.decided_at, r.decision_note, r.done_at, r.version FROM recovery_actions r \
     JOIN agents q ON q.id = r.requested_by LEFT JOIN agents d ON d.id = r.decided_by";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    complaint_id: i64,
    customer_id: i64,
    kind: String,
    amount_minor: Option<i64>,
    currency: Option<String>,
    note: String,
    due_at: Option<i64>,
    status: String,
    approval_reason: Option<String>,
    requested_by: i64,
    requested_name: String,
    requested_at: i64,
    decided_by: Option<i64>,
    decided_name: Option<String>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
    done_at: Option<i64>,
    version: i64,
}

impl Row {
    fn into_action(self) -> Result<RecoveryAction> {
        Ok(RecoveryAction {
            id: self.id,
            complaint_id: self.complaint_id,
            customer_id: self.customer_id,
            kind: RecoveryKind::decode(&self.kind)?,
            amount_minor: self.amount_minor,
            currency: self.currency,
            note: self.note,
            due_at: self.due_at.map(from_epoch),
            status: RecoveryStatus::decode(&self.status)?,
            approval_reason: self.approval_reason,
            requested_by: AgentRef {
                id: self.requested_by,
                name: self.requested_name,
            },
            requested_at: from_epoch(self.requested_at),
            decided_by: match (self.decided_by, self.decided_name) {
                (Some(id), Some(name)) => Some(AgentRef { id, name }),
                _ => None,
            },
            decided_at: self.decided_at.map(from_epoch),
            decision_note: self.decision_note,
            done_at: self.done_at.map(from_epoch),
            version: self.version,
        })
    }
}

pub async fn get(conn: &mut SqliteConnection, id: i64) -> Result<RecoveryAction> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = ?")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.ok_or(Error::NotFound {
        what: "recovery action",
        id,
    })?
    .into_action()
}

/// The actions of each complaint in `ids`, oldest first.
pub async fn for_complaints(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<RecoveryAction>>> {
    let mut out: HashMap<i64, Vec<RecoveryAction>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(SELECT);
    qb.push(" WHERE r.complaint_id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(") ORDER BY r.id");
    let rows: Vec<Row> = qb.build_query_as().fetch_all(conn).await?;
    for r in rows {
        let a = r.into_action()?;
        out.entry(a.complaint_id).or_default().push(a);
    }
    Ok(out)
}

/// Money recovery that took effect for `customer` since the start of this
/// calendar year (UTC), in `currency`.
pub async fn goodwill_this_year(
    conn: &mut SqliteConnection,
    customer: i64,
    currency: &str,
    now: chrono::DateTime<Utc>,
) -> Result<i64> {
    use chrono::Datelike;
    let year_start = chrono::NaiveDate::from_ymd_opt(now.year(), 1, 1)
        .expect("1 January")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM recovery_actions \
         WHERE customer_id = ? AND status = 'done' AND currency = ? AND done_at >= ?",
    )
    .bind(customer)
    .bind(currency)
    .bind(year_start)
    .fetch_one(conn)
    .await?)
}

/// Request a recovery action on complaint `complaint_id`.
pub async fn request(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    complaint_id: i64,
    new: &NewRecoveryAction,
) -> Result<Written<RecoveryAction>> {
    let complaint: Option<(i64, String)> =
        sqlx::query_as("SELECT customer_id, status FROM complaints WHERE id = ?")
            .bind(complaint_id)
            .fetch_optional(&mut *conn)
            .await?;
    let (customer, status) = complaint.ok_or(Error::NotFound {
        what: "complaint",
        id: complaint_id,
    })?;
    if status == "closed" {
        return Err(Error::invalid(
            "/",
            format!(
                "Complaint #{complaint_id} is closed; recovery actions go on an open complaint."
            ),
        ));
    }
    let currency = super::customer_currency(&mut *conn, customer).await?;
    let note = text("/note", &new.note, NOTE_MAX, false)?;
    let (amount, cur) = if new.kind.is_money() {
        let Some(amount) = new.amount_minor else {
            return Err(Error::invalid(
                "/amount_minor",
                format!("A {} needs an amount.", new.kind.label().to_lowercase()),
            ));
        };
        let amount = crate::money::amount("/amount_minor", amount)?;
        if let Some(c) = &new.currency
            && !c.eq_ignore_ascii_case(&currency)
        {
            return Err(Error::invalid(
                "/currency",
                format!("This customer's money is in {currency}, not {c}."),
            ));
        }
        (Some(amount), Some(currency.clone()))
    } else {
        if new.amount_minor.is_some() || new.currency.is_some() {
            return Err(Error::invalid(
                "/amount_minor",
                format!("A {} carries no amount.", new.kind.label().to_lowercase()),
            ));
        }
        (None, None)
    };
    let due_at = match (new.kind, new.due_at) {
        (RecoveryKind::Callback, None) => {
            return Err(Error::invalid(
                "/due_at",
                "A callback needs the time it is promised for.",
            ));
        }
        (RecoveryKind::Callback, Some(t)) if t < w.at - chrono::Duration::minutes(5) => {
            return Err(Error::invalid(
                "/due_at",
                "A callback cannot be promised for a time already past.",
            ));
        }
        (_, t) => t,
    };
    let waits = match amount {
        Some(amount) => {
            let auth = limits::authority(&mut *conn, w.agent, &currency, w.at).await?;
            limits::over_limit(&auth, amount, |m| rapport_api::money::format(m, &currency))
        }
        None => None,
    };
    let status = if waits.is_some() {
        RecoveryStatus::PendingApproval
    } else {
        RecoveryStatus::Done
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO recovery_actions (complaint_id, customer_id, kind, amount_minor, currency, \
         note, due_at, status, approval_reason, requested_by, requested_at, done_at, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
    )
    .bind(complaint_id)
    .bind(customer)
    .bind(new.kind.code())
    .bind(amount)
    .bind(&cur)
    .bind(&note)
    .bind(due_at.map(|t| t.timestamp()))
    .bind(status.code())
    .bind(&waits)
    .bind(w.agent.id)
    .bind(w.at.timestamp())
    .bind((status == RecoveryStatus::Done).then(|| w.at.timestamp()))
    .fetch_one(&mut *conn)
    .await?;
    let action = get(&mut *conn, id).await?;
    let event = EventBody::RecoveryActionChanged(action.clone());
    let trail = super::Trail {
        action: "recovery.request",
        entity: "recovery_action",
        entity_id: id,
        customer_id: customer,
        before: None::<&()>,
        event,
    };
    super::written(conn, w, action, trail).await
}

/// Approve (it takes effect, once) or reject a pending action.
pub async fn decide(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    id: i64,
    approve: bool,
    note: &str,
) -> Result<Written<RecoveryAction>> {
    if w.agent.role == Role::Agent {
        return Err(Error::Forbidden(
            "Only a supervisor or an admin can approve or reject recovery actions.".into(),
        ));
    }
    let before = get(&mut *conn, id).await?;
    if before.requested_by.id == w.agent.id {
        return Err(Error::Forbidden(
            "Nobody approves or rejects their own request: another supervisor must decide on it."
                .into(),
        ));
    }
    if before.status != RecoveryStatus::PendingApproval {
        let by = before
            .decided_by
            .as_ref()
            .map(|a| format!(" by {}", a.name))
            .unwrap_or_default();
        return Err(Error::Conflict(format!(
            "This {} is no longer waiting: it was {}{by}.",
            before.kind.label().to_lowercase(),
            match before.status {
                RecoveryStatus::Done => "approved",
                RecoveryStatus::Rejected => "rejected",
                RecoveryStatus::PendingApproval => "pending",
            }
        )));
    }
    let note = text("/note", note, NOTE_MAX, !approve).map_err(|e| match e {
        Error::Invalid { field, .. } if !approve && note.trim().is_empty() => Error::invalid(
            field,
            "Say why it is rejected: the reason is kept and shown to the requester.",
        ),
        other => other,
    })?;
    if approve
        && let (Some(amount), Some(currency)) = (before.amount_minor, before.currency.as_deref())
    {
        let auth = limits::authority(&mut *conn, w.agent, currency, w.at).await?;
        if let Some(why) =
            limits::over_limit(&auth, amount, |m| rapport_api::money::format(m, currency))
        {
            return Err(Error::Forbidden(format!(
                "This is beyond your own authority too ({why}); an admin must approve it."
            )));
        }
    }
    let status = if approve {
        RecoveryStatus::Done
    } else {
        RecoveryStatus::Rejected
    };
    let done = sqlx::query(
        "UPDATE recovery_actions SET status = ?, decided_by = ?, decided_at = ?, \
         decision_note = ?, done_at = ?, version = version + 1 \
         WHERE id = ? AND status = 'pending_approval'",
    )
    .bind(status.code())
    .bind(w.agent.id)
    .bind(w.at.timestamp())
    .bind(Some(note).filter(|n| !n.is_empty()))
    .bind(approve.then(|| w.at.timestamp()))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(
            "This action was decided by someone else a moment ago.".into(),
        ));
    }
    let after = get(&mut *conn, id).await?;
    let trail = super::Trail {
        action: if approve {
            "recovery.approve"
        } else {
            "recovery.reject"
        },
        entity: "recovery_action",
        entity_id: id,
        customer_id: after.customer_id,
        before: Some(&before),
        event: EventBody::RecoveryActionChanged(after.clone()),
    };
    super::written(conn, w, after, trail).await
}

/// Actions waiting for approval, oldest first, with what a supervisor needs
/// to judge them.
pub async fn pending(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<Approval>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE r.status = 'pending_approval' ORDER BY r.requested_at, r.id LIMIT ?"
    )))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let a = r.into_action()?;
        let (name, account, category, severity): (String, String, String, String) = sqlx::query_as(
            "SELECT cu.display_name, cu.account_number, c.category, c.severity \
                 FROM complaints c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?",
        )
        .bind(a.complaint_id)
        .fetch_one(&mut *conn)
        .await?;
        out.push(Approval {
            action: a,
            customer_name: name,
            account_number: account,
            complaint_category: category,
            complaint_severity: Severity::decode(&severity)?,
        });
    }
    Ok(out)
}
