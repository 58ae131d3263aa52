//! Approval limits: how much an agent may grant in money recovery actions
//! without a supervisor, per currency. Each role has a per-action and a
//! per-day limit; a row for one agent overrides their role's. What counts
//! against the day is every money action that took effect on that UTC day
//! on this agent's authority: their own within their limit, or someone
//! else's that they approved.

use chrono::{DateTime, Utc};
use rapport_api::{Agent, AgentId, Authority, Role};
use sqlx::SqliteConnection;

use crate::codes::Code;
use crate::error::{Error, Result};

/// The limits that apply to `agent` in `currency`, if any.
async fn limits(
    conn: &mut SqliteConnection,
    agent: &Agent,
    currency: &str,
) -> Result<Option<(i64, i64)>> {
    let own: Option<(i64, i64)> = sqlx::query_as(
        "SELECT per_action_minor, per_day_minor FROM approval_limits \
         WHERE agent_id = ? AND currency = ?",
    )
    .bind(agent.id)
    .bind(currency)
    .fetch_optional(&mut *conn)
    .await?;
    if own.is_some() {
        return Ok(own);
    }
    Ok(sqlx::query_as(
        "SELECT per_action_minor, per_day_minor FROM approval_limits \
         WHERE role = ? AND currency = ?",
    )
    .bind(agent.role.code())
    .bind(currency)
    .fetch_optional(conn)
    .await?)
}

/// Money that took effect today on `agent`'s authority, in `currency`.
async fn used_today(
    conn: &mut SqliteConnection,
    agent: AgentId,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let day_start = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM recovery_actions \
         WHERE status = 'done' AND COALESCE(decided_by, requested_by) = ? \
         AND currency = ? AND done_at >= ?",
    )
    .bind(agent)
    .bind(currency)
    .bind(day_start)
    .fetch_one(conn)
    .await?)
}

/// What `agent` may still grant in `currency` at `now`.
pub async fn authority(
    conn: &mut SqliteConnection,
    agent: &Agent,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<Authority> {
    let lim = limits(&mut *conn, agent, currency).await?;
    let used = used_today(conn, agent.id, currency, now).await?;
    let remaining = match lim {
        Some((per_action, per_day)) => per_action.min(per_day.saturating_sub(used)).max(0),
        None => 0,
    };
    Ok(Authority {
        currency: currency.to_string(),
        per_action_minor: lim.map(|l| l.0),
        per_day_minor: lim.map(|l| l.1),
        used_today_minor: used,
        remaining_minor: remaining,
    })
}

/// Why `amount` is beyond `a`, in words; None when it is within.
pub fn over_limit(a: &Authority, amount: i64, money: impl Fn(i64) -> String) -> Option<String> {
    match (a.per_action_minor, a.per_day_minor) {
        (None, _) | (_, None) => Some(format!("no approval limit is set for {}", a.currency)),
        (Some(per_action), Some(per_day)) => {
            if amount > per_action {
                Some(format!("over the {} limit per action", money(per_action)))
            } else if a
                .used_today_minor
                .checked_add(amount)
                .is_none_or(|t| t > per_day)
            {
                Some(format!(
                    "over the {} daily limit ({} already used today)",
                    money(per_day),
                    money(a.used_today_minor)
                ))
            } else {
                None
            }
        }
    }
}

/// Who a limit is for.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Role(Role),
    Agent(AgentId),
}

/// Set a limit (`rapport-server policy limit`).
pub async fn set(
    conn: &mut SqliteConnection,
    scope: Scope,
    currency: &str,
    per_action: i64,
    per_day: i64,
) -> Result<()> {
    let currency = currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "currency",
            format!("'{currency}' is not an ISO 4217 currency code such as GBP."),
        ));
    }
    crate::money::limit("limit", per_action)?;
    crate::money::limit("limit", per_day)?;
    match scope {
        Scope::Role(role) => {
            sqlx::query(
                "INSERT INTO approval_limits (role, currency, per_action_minor, per_day_minor) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (role, currency) WHERE role IS NOT NULL \
                 DO UPDATE SET per_action_minor = excluded.per_action_minor, \
                 per_day_minor = excluded.per_day_minor",
            )
            .bind(role.code())
            .bind(&currency)
            .bind(per_action)
            .bind(per_day)
            .execute(conn)
            .await?;
        }
        Scope::Agent(id) => {
            sqlx::query(
                "INSERT INTO approval_limits (agent_id, currency, per_action_minor, per_day_minor) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (agent_id, currency) WHERE agent_id IS NOT NULL \
                 DO UPDATE SET per_action_minor = excluded.per_action_minor, \
                 per_day_minor = excluded.per_day_minor",
            )
            .bind(id)
            .bind(&currency)
            .bind(per_action)
            .bind(per_day)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

/// Every limit, for `rapport-server policy show`: (who, currency, per
/// action, per day).
pub async fn list(conn: &mut SqliteConnection) -> Result<Vec<(String, String, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT COALESCE('role ' || l.role, 'agent ' || a.name), l.currency, \
         l.per_action_minor, l.per_day_minor FROM approval_limits l \
         LEFT JOIN agents a ON a.id = l.agent_id ORDER BY l.role IS NULL, l.role, a.name, l.currency",
    )
    .fetch_all(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(per_action: Option<i64>, per_day: Option<i64>, used: i64) -> Authority {
        Authority {
            currency: "GBP".into(),
            per_action_minor: per_action,
            per_day_minor: per_day,
            used_today_minor: used,
            remaining_minor: 0,
        }
    }

    fn gbp(m: i64) -> String {
        format!("£{}.{:02}", m / 100, m % 100)
    }

    #[test]
    fn within_and_over_limits() {
        let a = auth(Some(5000), Some(20000), 0);
        assert_eq!(over_limit(&a, 5000, gbp), None);
        assert_eq!(
            over_limit(&a, 5001, gbp).unwrap(),
            "over the £50.00 limit per action"
        );
        let a = auth(Some(5000), Some(20000), 18000);
        assert_eq!(
            over_limit(&a, 3000, gbp).unwrap(),
            "over the £200.00 daily limit (£180.00 already used today)"
        );
        assert_eq!(over_limit(&a, 2000, gbp), None);
        assert_eq!(
            over_limit(&auth(None, None, 0), 1, gbp).unwrap(),
            "no approval limit is set for GBP"
        );
    }
}
