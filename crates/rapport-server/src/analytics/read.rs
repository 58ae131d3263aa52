//! Serving the figures: one customer's, in the customer-360 view (with the
//! suggestions filtered by the consent as it is at that moment, whatever
//! was stored), and the supervisors' insights.

use rapport_api::{Consent, CustomerAnalytics, Insights, Pareto, RuleStats};
use sqlx::{Row, SqliteConnection};

use super::facts::marketing_allowed;
use super::store::{self, kind_of};
use crate::error::Result;

/// The stored figures of a customer, None before they are first computed.
pub async fn for_customer(
    conn: &mut SqliteConnection,
    id: i64,
    consent: &Consent,
) -> Result<Option<CustomerAnalytics>> {
    store::read_one(conn, id, marketing_allowed(consent)).await
}

/// The insights of the latest refresh, with every rule's results to date.
pub async fn insights(conn: &mut SqliteConnection) -> Result<Option<Insights>> {
    let Some(m) = store::latest_model(conn).await? else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT r.id, r.kind, r.antecedent, r.consequent, r.support, r.confidence, r.lift, \
         r.active, p.name AS product, \
         (SELECT COUNT(*) FROM suggestions s WHERE s.rule_id = r.id) AS open, \
         (SELECT COUNT(*) FROM suggestion_responses x WHERE x.rule_id = r.id \
            AND x.response = 'accepted') AS accepted, \
         (SELECT COUNT(*) FROM suggestion_responses x WHERE x.rule_id = r.id \
            AND x.response = 'declined') AS declined, \
         (SELECT COUNT(*) FROM suggestion_responses x WHERE x.rule_id = r.id \
            AND x.response = 'not_now') AS not_now \
         FROM association_rules r LEFT JOIN products p ON r.kind = 'up_sell' AND p.sku = r.consequent \
         WHERE r.active = 1 OR EXISTS (SELECT 1 FROM suggestion_responses x WHERE x.rule_id = r.id) \
         ORDER BY r.active DESC, r.lift DESC, r.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let rules = rows
        .into_iter()
        .map(|r| {
            let accepted: i64 = r.try_get("accepted")?;
            let declined: i64 = r.try_get("declined")?;
            let not_now: i64 = r.try_get("not_now")?;
            let answered = accepted + declined + not_now;
            let product: Option<String> = r.try_get("product")?;
            Ok(RuleStats {
                id: r.try_get("id")?,
                kind: kind_of(&r.try_get::<String, _>("kind")?)?,
                antecedent: r.try_get("antecedent")?,
                consequent: product.unwrap_or(r.try_get("consequent")?),
                support: r.try_get("support")?,
                confidence: r.try_get("confidence")?,
                lift: r.try_get("lift")?,
                active: r.try_get("active")?,
                open_suggestions: r.try_get("open")?,
                accepted,
                declined,
                not_now,
                conversion: (answered > 0).then(|| accepted as f64 / answered as f64),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let pareto = m
        .deciles
        .iter()
        .map(|(currency, d)| Pareto {
            currency: currency.clone(),
            customers: d.customers,
            profit_minor: d.profit_minor,
            deciles: d
                .groups
                .iter()
                .enumerate()
                .map(|(i, (n, p))| rapport_api::Decile {
                    decile: i as u8 + 1,
                    customers: *n,
                    profit_minor: *p,
                    share: if d.profit_minor > 0 {
                        *p as f64 / d.profit_minor as f64
                    } else {
                        0.0
                    },
                })
                .collect(),
            top20_share: d.top20_share,
        })
        .collect();
    Ok(Some(Insights {
        as_of: m.as_of,
        computed_at: m.finished_at,
        customers: m.customers,
        settings: m.settings.clone(),
        pareto,
        nps: m.nps.clone(),
        segments: m.segments.clone(),
        rules,
    }))
}
