//! What the forms pick from: reasons for contact, outcomes, complaint
//! categories, recovery action types, and the SLA per severity. The lists
//! live in tables (seeded by migration 0002) so a deployment can change them.

use rapport_api::{
    Channel, OutcomeCode, ReasonCode, RecoveryKind, RecoveryKindInfo, Severity, SlaPolicy, Taxonomy,
};

use crate::codes::Code;
use crate::error::{Error, Result};
use crate::store::Store;

pub async fn load(s: &mut dyn Store) -> Result<Taxonomy> {
    let reasons = s
        .reasons()
        .await?
        .into_iter()
        .map(|r| {
            Ok(ReasonCode {
                code: r.code,
                label: r.label,
                group: r.grp,
                channels: r
                    .channels
                    .split_whitespace()
                    .map(Channel::decode)
                    .collect::<Result<Vec<_>>>()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let outcomes = s.outcomes().await?;
    let complaint_categories = s.complaint_categories().await?;
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
        sla: sla_policies(s).await?,
    })
}

pub async fn sla_policies(s: &mut dyn Store) -> Result<Vec<SlaPolicy>> {
    let mut v = s
        .sla_policies()
        .await?
        .into_iter()
        .map(|(severity, hours)| {
            Ok(SlaPolicy {
                severity: Severity::decode(&severity)?,
                hours,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    v.sort_by_key(|p| std::cmp::Reverse(p.severity));
    Ok(v)
}

/// Hours from receipt to the SLA deadline for `severity`.
pub async fn sla_hours(s: &mut dyn Store, severity: Severity) -> Result<i64> {
    s.sla_hours(severity.code())
        .await?
        .ok_or_else(|| Error::Corrupt(format!("no SLA policy for severity {}", severity.code())))
}

/// Set the SLA of a severity (`rapport-server policy sla`). Applies to
/// complaints received from now on and to those whose severity changes.
pub async fn set_sla(s: &mut dyn Store, severity: Severity, hours: i64) -> Result<()> {
    if hours <= 0 {
        return Err(Error::invalid(
            "hours",
            "An SLA is a positive number of hours.",
        ));
    }
    s.set_sla(severity.code(), hours).await
}

/// The stored label of an active reason given as label or code (any case).
pub async fn reason_label(s: &mut dyn Store, given: &str) -> Result<String> {
    s.reason_label(given.trim()).await?.ok_or_else(|| {
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
pub async fn outcome_label(s: &mut dyn Store, given: &str) -> Result<String> {
    s.outcome_label(given.trim()).await?.ok_or_else(|| {
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
pub async fn category_label(s: &mut dyn Store, given: &str) -> Result<String> {
    s.category_label(given.trim()).await?.ok_or_else(|| {
        Error::invalid(
            "/category",
            format!(
                "'{}' is not a complaint category this server knows; pick one from GET /v1/taxonomy.",
                given.trim()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::each_backend! {
        async fn labels_are_found_by_label_or_code_in_any_case(t) {
            let mut s = t.db.read().await.unwrap();
            assert_eq!(reason_label(&mut *s, " BILLING query ").await.unwrap(), "Billing query");
            assert_eq!(reason_label(&mut *s, "roaming_charges").await.unwrap(), "Roaming charges");
            let e = reason_label(&mut *s, "weather").await.unwrap_err();
            assert!(e.to_string().contains("'weather' is not a reason"), "{e}");
            assert_eq!(outcome_label(&mut *s, "follow_up").await.unwrap(), "Follow-up needed");
            assert_eq!(category_label(&mut *s, "billing ERROR").await.unwrap(), "Billing error");
            let tax = load(&mut *s).await.unwrap();
            assert_eq!(tax.reasons.len(), 19);
            assert_eq!(tax.reasons[0].code, "billing_query");
            assert_eq!(tax.outcomes.len(), 8);
            assert_eq!(tax.complaint_categories.len(), 8);
            assert_eq!(
                tax.sla.iter().map(|p| (p.severity, p.hours)).collect::<Vec<_>>(),
                vec![
                    (Severity::Critical, 4),
                    (Severity::High, 24),
                    (Severity::Medium, 72),
                    (Severity::Low, 120)
                ]
            );
        }
    }

    crate::each_backend! {
        async fn an_sla_is_set_and_read_back(t) {
            let mut tx = t.db.begin().await.unwrap();
            set_sla(&mut *tx, Severity::High, 12).await.unwrap();
            assert!(set_sla(&mut *tx, Severity::High, 0).await.is_err());
            tx.commit().await.unwrap();
            let mut s = t.db.read().await.unwrap();
            assert_eq!(sla_hours(&mut *s, Severity::High).await.unwrap(), 12);
            assert_eq!(sla_hours(&mut *s, Severity::Low).await.unwrap(), 120);
        }
    }
}
