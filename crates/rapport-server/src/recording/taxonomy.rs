//! What the forms pick from: reasons for contact, outcomes, complaint
//! categories, recovery action types, and the SLA per severity. The lists
//! live in tables (seeded by migration 0002) so a deployment can change them.

use rapport_api::{
    Channel, OutcomeCode, ReasonCode, RecoveryKind, RecoveryKindInfo, Severity, SlaPolicy, Taxonomy,
};
use sqlx::SqliteConnection;

use crate::codes::Code;
use crate::error::{Error, Result};

pub async fn load(conn: &mut SqliteConnection) -> Result<Taxonomy> {
    let reasons: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT code, label, grp, channels FROM contact_reasons WHERE active = 1 ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let reasons = reasons
        .into_iter()
        .map(|(code, label, group, channels)| {
            Ok(ReasonCode {
                code,
                label,
                group,
                channels: channels
                    .split_whitespace()
                    .map(Channel::decode)
                    .collect::<Result<Vec<_>>>()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let outcomes: Vec<(String, String)> =
        sqlx::query_as("SELECT code, label FROM contact_outcomes ORDER BY position")
            .fetch_all(&mut *conn)
            .await?;
    let complaint_categories: Vec<String> =
        sqlx::query_scalar("SELECT label FROM complaint_categories ORDER BY position")
            .fetch_all(&mut *conn)
            .await?;
    Ok(Taxonomy {
        reasons,
        outcomes: outcomes
            .into_iter()
            .map(|(code, label)| OutcomeCode { code, label })
            .collect(),
        complaint_categories,
        recovery_kinds: RecoveryKind::ALL
            .into_iter()
            .map(|kind| RecoveryKindInfo {
                kind,
                label: kind.label().to_string(),
                money: kind.is_money(),
            })
            .collect(),
        sla: sla_policies(conn).await?,
    })
}

pub async fn sla_policies(conn: &mut SqliteConnection) -> Result<Vec<SlaPolicy>> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT severity, hours FROM sla_policies")
        .fetch_all(conn)
        .await?;
    let mut v = rows
        .into_iter()
        .map(|(s, hours)| {
            Ok(SlaPolicy {
                severity: Severity::decode(&s)?,
                hours,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    v.sort_by_key(|p| std::cmp::Reverse(p.severity));
    Ok(v)
}

/// Hours from receipt to the SLA deadline for `severity`.
pub async fn sla_hours(conn: &mut SqliteConnection, severity: Severity) -> Result<i64> {
    sqlx::query_scalar("SELECT hours FROM sla_policies WHERE severity = ?")
        .bind(severity.code())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("no SLA policy for severity {}", severity.code())))
}

/// Set the SLA of a severity (`rapport-server policy sla`). Applies to
/// complaints received from now on and to those whose severity changes.
pub async fn set_sla(conn: &mut SqliteConnection, severity: Severity, hours: i64) -> Result<()> {
    if hours <= 0 {
        return Err(Error::invalid(
            "hours",
            "An SLA is a positive number of hours.",
        ));
    }
    sqlx::query(
        "INSERT INTO sla_policies (severity, hours) VALUES (?, ?) \
         ON CONFLICT (severity) DO UPDATE SET hours = excluded.hours",
    )
    .bind(severity.code())
    .bind(hours)
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored label of an active reason given as label or code (any case).
pub async fn reason_label(conn: &mut SqliteConnection, given: &str) -> Result<String> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT label FROM contact_reasons WHERE active = 1 \
         AND (lower(label) = lower(?1) OR code = lower(?1))",
    )
    .bind(given.trim())
    .fetch_optional(conn)
    .await?;
    found.ok_or_else(|| {
        Error::invalid(
            "/reason",
            format!(
                "'{}' is not a reason for contact this server knows; pick one from GET /v1/taxonomy.",
                given.trim()
            ),
        )
    })
}

/// The stored label of an outcome given as label or code (any case).
pub async fn outcome_label(conn: &mut SqliteConnection, given: &str) -> Result<String> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT label FROM contact_outcomes WHERE lower(label) = lower(?1) OR code = lower(?1)",
    )
    .bind(given.trim())
    .fetch_optional(conn)
    .await?;
    found.ok_or_else(|| {
        Error::invalid(
            "/outcome",
            format!(
                "'{}' is not an outcome this server knows; pick one from GET /v1/taxonomy.",
                given.trim()
            ),
        )
    })
}

/// The stored label of a complaint category (any case).
pub async fn category_label(conn: &mut SqliteConnection, given: &str) -> Result<String> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT label FROM complaint_categories WHERE lower(label) = lower(?)")
            .bind(given.trim())
            .fetch_optional(conn)
            .await?;
    found.ok_or_else(|| {
        Error::invalid(
            "/category",
            format!(
                "'{}' is not a complaint category this server knows; pick one from GET /v1/taxonomy.",
                given.trim()
            ),
        )
    })
}
