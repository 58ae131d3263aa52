//! Revealing masked contact details. Every response of the API carries
//! phone numbers, emails, the street address and the birthday masked
//! ([`rapport_api::Profile::masked`]); an agent or supervisor who needs them
//! in full says why, and the reveal is recorded in the append-only audit
//! trail (who, when, which customer, the reason, which fields) before the
//! details are returned. The details themselves are not copied into the
//! trail. Admins administer the desk and do not serve customers: they may
//! not reveal (least privilege; see docs/DOMAIN.md).

use chrono::{DateTime, Utc};
use rapport_api::privacy::REVEAL_REASON_MAX;
use rapport_api::{Agent, AgentRef, CustomerId, RevealedContact, Role};

use crate::Db;
use crate::error::{Error, Result};

/// Whether an agent of `role` may see a customer's contact details in full.
pub fn may_reveal(role: Role) -> bool {
    matches!(role, Role::Agent | Role::Supervisor)
}

/// What the audit entry of a reveal holds.
#[derive(serde::Serialize)]
struct Trail<'a> {
    reason: &'a str,
    fields: [&'a str; 4],
}

/// 403 unless `agent` may reveal.
pub fn check_may_reveal(agent: &Agent) -> Result<()> {
    if may_reveal(agent.role) {
        return Ok(());
    }
    Err(Error::Forbidden(format!(
        "Only agents and supervisors, who serve customers, can see contact details in full; you are signed in as {}.",
        agent.role.as_str()
    )))
}

/// Record that `agent` saw `customer`'s contact details for `reason`, and
/// return them in full.
pub async fn reveal(
    db: &Db,
    agent: &Agent,
    customer: CustomerId,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<RevealedContact> {
    check_may_reveal(agent)?;
    let reason = crate::recording::text("/reason", reason, REVEAL_REASON_MAX, true)?;
    let mut tx = db.write().await?;
    let profile = crate::view::profile(&mut tx, customer).await?;
    let audit_id = crate::audit::record(
        &mut tx,
        crate::audit::Entry::<(), _> {
            at,
            agent: Some(agent.id),
            action: "customer.reveal",
            entity: "customer",
            entity_id: customer,
            customer_id: Some(customer),
            before: None,
            after: Some(&Trail {
                reason: &reason,
                fields: ["phones", "emails", "address", "birthday"],
            }),
            request_key: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RevealedContact {
        customer_id: customer,
        phones: profile.phones,
        emails: profile.emails,
        address: profile.address,
        birthday: profile.birthday,
        reason,
        revealed_at: at,
        revealed_by: AgentRef {
            id: agent.id,
            name: agent.name.clone(),
        },
        audit_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reveal_is_audited_with_its_reason_and_without_the_details() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect_path(&dir.path().join("r.sqlite"))
            .await
            .unwrap();
        crate::seed::seed(&db, &crate::seed::SeedOptions::new(20, 7), &|_, _| {})
            .await
            .unwrap();
        let agent = crate::agents::create(&db, "Reveal Tester", rapport_api::Role::Agent, None)
            .await
            .unwrap();
        let r = reveal(
            &db,
            &agent,
            1,
            "  Verifying the caller's identity ",
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(r.reason, "Verifying the caller's identity");
        assert!(!r.phones.is_empty() && r.phones[0].e164.starts_with('+'));
        let trail = crate::audit::list(
            &db,
            &crate::audit::Filter {
                customer_id: Some(1),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = trail.iter().find(|e| e.id == r.audit_id).unwrap();
        assert_eq!(e.action, "customer.reveal");
        let after = e.after.as_ref().unwrap().to_string();
        assert!(after.contains("Verifying the caller"), "{after}");
        assert!(
            !after.contains(&r.phones[0].e164),
            "no details in the trail: {after}"
        );
        // A reason is required; an unknown customer is not found.
        assert!(reveal(&db, &agent, 1, "  ", Utc::now()).await.is_err());
        assert!(matches!(
            reveal(&db, &agent, 999_999, "why", Utc::now()).await,
            Err(crate::error::Error::NotFound { .. })
        ));
        // An admin may not reveal, and nothing is recorded when refused.
        let admin = crate::agents::create(&db, "Admin Tester", Role::Admin, None)
            .await
            .unwrap();
        let before = crate::audit::list(
            &db,
            &crate::audit::Filter {
                customer_id: Some(1),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
        assert!(matches!(
            reveal(&db, &admin, 1, "curious", Utc::now()).await,
            Err(Error::Forbidden(_))
        ));
        let after = crate::audit::list(
            &db,
            &crate::audit::Filter {
                customer_id: Some(1),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
        assert_eq!(before, after);
    }
}
