//! Writing and reading the computed figures: one `customer_analytics` row
//! and the suggestions of each customer, the rules with their stable ids,
//! and the model of each refresh.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_api::{
    ChurnReason, ChurnRisk, Clv, CustomerAnalytics, NpsAnswer, NpsCategory, ProfitPotential,
    RetentionBasis, Rfm, Segment, Suggestion, SuggestionKind,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::compute::Model;
use crate::error::{Error, Result};

/// Rows per multi-row INSERT (well under SQLite's parameter limit).
const ROWS: usize = 400;

macro_rules! figure_columns {
    () => {
        "customer_id, as_of, computed_at, currency, recency_days, orders_365, spend_365_minor, \
         rfm_r, rfm_f, rfm_m, segment, clv_minor, gc_minor, aov_minor, orders_per_year, margin, \
         retention, retention_basis, retention_previous_buyers, retention_retained, \
         discount_rate, potential_minor, unrealised_minor, nps_score, nps_on, churn_score, \
         churn_reasons, profit_365_minor, profit_decile, marketing_allowed, btyd"
    };
}

fn basis_code(b: RetentionBasis) -> &'static str {
    match b {
        RetentionBasis::Segment => "segment",
        RetentionBasis::AllCustomers => "all_customers",
    }
}

fn kind_code(k: SuggestionKind) -> &'static str {
    match k {
        SuggestionKind::CrossSell => "cross_sell",
        SuggestionKind::UpSell => "up_sell",
    }
}

pub fn kind_of(code: &str) -> Result<SuggestionKind> {
    match code {
        "cross_sell" => Ok(SuggestionKind::CrossSell),
        "up_sell" => Ok(SuggestionKind::UpSell),
        other => Err(Error::Corrupt(format!("unknown rule kind '{other}'"))),
    }
}

/// Insert the figures and suggestions of `rows` (whose old rows the caller
/// has removed).
async fn insert(conn: &mut SqliteConnection, rows: &[CustomerAnalytics]) -> Result<()> {
    for chunk in rows.chunks(ROWS) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(concat!(
            "INSERT INTO customer_analytics (",
            figure_columns!(),
            ") "
        ));
        qb.push_values(chunk, |mut b, a| {
            let rfm = a.rfm.as_ref();
            let clv = a.clv.as_ref();
            let reasons = serde_json::to_string(&a.churn.reasons).unwrap_or_else(|_| "[]".into());
            b.push_bind(a.customer_id)
                .push_bind(crate::store::date_text(a.as_of))
                .push_bind(a.computed_at.timestamp_millis())
                .push_bind(a.currency.clone())
                .push_bind(rfm.map(|r| r.recency_days))
                .push_bind(rfm.map(|r| r.orders_365).unwrap_or(0))
                .push_bind(rfm.map(|r| r.spend_365_minor).unwrap_or(0))
                .push_bind(rfm.map(|r| r.r as i64))
                .push_bind(rfm.map(|r| r.f as i64))
                .push_bind(rfm.map(|r| r.m as i64))
                .push_bind(rfm.map(|r| r.segment.code()))
                .push_bind(clv.map(|c| c.value_minor))
                .push_bind(clv.map(|c| c.gc_minor))
                .push_bind(clv.map(|c| c.aov_minor))
                .push_bind(clv.map(|c| c.orders_per_year))
                .push_bind(clv.map(|c| c.margin))
                .push_bind(clv.map(|c| c.retention))
                .push_bind(clv.map(|c| basis_code(c.retention_basis)))
                .push_bind(clv.map(|c| c.retention_previous_buyers))
                .push_bind(clv.map(|c| c.retention_retained))
                .push_bind(clv.map(|c| c.discount_rate))
                .push_bind(a.potential.potential_minor)
                .push_bind(a.potential.unrealised_minor)
                .push_bind(a.nps.as_ref().map(|n| n.score))
                .push_bind(
                    a.nps
                        .as_ref()
                        .map(|n| crate::store::date_text(n.answered_on)),
                )
                .push_bind(a.churn.score as i64)
                .push_bind(reasons)
                .push_bind(a.profit_365_minor)
                .push_bind(a.profit_decile.map(|d| d as i64))
                .push_bind(a.marketing_allowed)
                .push_bind(
                    a.model_clv
                        .as_ref()
                        .and_then(|m| serde_json::to_string(m).ok()),
                );
        });
        qb.build().execute(&mut *conn).await?;
    }
    let suggestions: Vec<(i64, usize, &Suggestion)> = rows
        .iter()
        .flat_map(|a| {
            a.suggestions
                .iter()
                .enumerate()
                .map(move |(i, s)| (a.customer_id, i, s))
        })
        .collect();
    for chunk in suggestions.chunks(ROWS) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO suggestions (id, customer_id, rule_id, rank, expected_value_minor, \
             margin_minor) ",
        );
        qb.push_values(chunk, |mut b, (customer, rank, s)| {
            b.push_bind(s.id)
                .push_bind(*customer)
                .push_bind(s.rule_id)
                .push_bind(*rank as i64)
                .push_bind(s.expected_value_minor)
                .push_bind(s.margin_minor);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Replace one customer's figures and suggestions.
pub async fn replace_one(conn: &mut SqliteConnection, a: &CustomerAnalytics) -> Result<()> {
    sqlx::query("DELETE FROM suggestions WHERE customer_id = ?")
        .bind(a.customer_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM customer_analytics WHERE customer_id = ?")
        .bind(a.customer_id)
        .execute(&mut *conn)
        .await?;
    insert(conn, std::slice::from_ref(a)).await
}

/// Replace the figures of customers `from..=to` with `rows`, except those
/// of customers whose figures were computed at or after `since`
/// (milliseconds): a one-customer update wrote them after the refresh read
/// its data, so they are newer. Call inside one write transaction.
pub async fn replace_range(
    conn: &mut SqliteConnection,
    rows: &[CustomerAnalytics],
    from: i64,
    to: i64,
    since: i64,
) -> Result<()> {
    let newer: Vec<i64> = sqlx::query_scalar(
        "SELECT customer_id FROM customer_analytics WHERE customer_id BETWEEN ? AND ? \
         AND computed_at >= ?",
    )
    .bind(from)
    .bind(to)
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM suggestions WHERE customer_id BETWEEN ? AND ? AND customer_id NOT IN \
         (SELECT customer_id FROM customer_analytics WHERE customer_id BETWEEN ? AND ? \
         AND computed_at >= ?)",
    )
    .bind(from)
    .bind(to)
    .bind(from)
    .bind(to)
    .bind(since)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM customer_analytics WHERE customer_id BETWEEN ? AND ? AND computed_at < ?",
    )
    .bind(from)
    .bind(to)
    .bind(since)
    .execute(&mut *conn)
    .await?;
    if newer.is_empty() {
        return insert(conn, rows).await;
    }
    let keep: Vec<CustomerAnalytics> = rows
        .iter()
        .filter(|a| !newer.contains(&a.customer_id))
        .cloned()
        .collect();
    insert(conn, &keep).await
}

fn day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::Corrupt(format!("'{s}' is not a date in customer_analytics")))
}

/// One customer's stored figures with their suggestions (filtered by the
/// consent as it is now, whatever was stored).
pub async fn read_one(
    conn: &mut SqliteConnection,
    id: i64,
    marketing_allowed_now: bool,
) -> Result<Option<CustomerAnalytics>> {
    let Some(row) = sqlx::query(concat!(
        "SELECT ",
        figure_columns!(),
        " FROM customer_analytics WHERE customer_id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let as_of = day(&row.try_get::<String, _>("as_of")?)?;
    let segment: Option<String> = row.try_get("segment")?;
    let rfm = match (segment, row.try_get::<Option<i64>, _>("recency_days")?) {
        (Some(seg), Some(days)) => Some(Rfm {
            recency_days: days,
            orders_365: row.try_get("orders_365")?,
            spend_365_minor: row.try_get("spend_365_minor")?,
            r: row.try_get::<Option<i64>, _>("rfm_r")?.unwrap_or(1) as u8,
            f: row.try_get::<Option<i64>, _>("rfm_f")?.unwrap_or(1) as u8,
            m: row.try_get::<Option<i64>, _>("rfm_m")?.unwrap_or(1) as u8,
            segment: Segment::from_code(&seg)
                .ok_or_else(|| Error::Corrupt(format!("unknown segment '{seg}'")))?,
        }),
        _ => None,
    };
    let clv = match row.try_get::<Option<i64>, _>("clv_minor")? {
        Some(v) => Some(Clv {
            value_minor: v,
            gc_minor: row.try_get::<Option<i64>, _>("gc_minor")?.unwrap_or(0),
            aov_minor: row.try_get::<Option<i64>, _>("aov_minor")?.unwrap_or(0),
            orders_per_year: row
                .try_get::<Option<f64>, _>("orders_per_year")?
                .unwrap_or(0.0),
            margin: row.try_get::<Option<f64>, _>("margin")?.unwrap_or(0.0),
            retention: row.try_get::<Option<f64>, _>("retention")?.unwrap_or(0.0),
            retention_basis: match row
                .try_get::<Option<String>, _>("retention_basis")?
                .as_deref()
            {
                Some("segment") => RetentionBasis::Segment,
                _ => RetentionBasis::AllCustomers,
            },
            retention_previous_buyers: row
                .try_get::<Option<i64>, _>("retention_previous_buyers")?
                .unwrap_or(0),
            retention_retained: row
                .try_get::<Option<i64>, _>("retention_retained")?
                .unwrap_or(0),
            retention_as_of: super::facts::window_start(as_of, 365),
            discount_rate: row
                .try_get::<Option<f64>, _>("discount_rate")?
                .unwrap_or(0.0),
        }),
        None => None,
    };
    let model_clv = match row.try_get::<Option<String>, _>("btyd")? {
        Some(j) => Some(
            serde_json::from_str(&j)
                .map_err(|e| Error::Corrupt(format!("model figures of customer {id}: {e}")))?,
        ),
        None => None,
    };
    let reasons: Vec<ChurnReason> =
        serde_json::from_str(&row.try_get::<String, _>("churn_reasons")?)
            .map_err(|e| Error::Corrupt(format!("churn reasons of customer {id}: {e}")))?;
    let nps = match (
        row.try_get::<Option<i64>, _>("nps_score")?,
        row.try_get::<Option<String>, _>("nps_on")?,
    ) {
        (Some(score), Some(on)) => Some(NpsAnswer {
            score,
            answered_on: day(&on)?,
            category: NpsCategory::of(score),
        }),
        _ => None,
    };
    let stored_allowed: bool = row.try_get("marketing_allowed")?;
    let allowed = stored_allowed && marketing_allowed_now;
    let currency: String = row.try_get("currency")?;
    let suggestions = if allowed {
        read_suggestions(conn, id, &currency).await?
    } else {
        Vec::new()
    };
    let actual = clv.as_ref().map(|c| c.value_minor).unwrap_or(0);
    let potential: i64 = if allowed {
        row.try_get("potential_minor")?
    } else {
        0
    };
    let unrealised: i64 = row.try_get("unrealised_minor")?;
    let computed_ms: i64 = row.try_get("computed_at")?;
    Ok(Some(CustomerAnalytics {
        customer_id: id,
        as_of,
        computed_at: DateTime::<Utc>::from_timestamp_millis(computed_ms).unwrap_or_default(),
        currency,
        rfm,
        clv,
        model_clv,
        potential: ProfitPotential {
            actual_minor: actual,
            potential_minor: potential,
            unrealised_minor: unrealised,
            total_minor: actual + potential + unrealised,
        },
        nps,
        churn: ChurnRisk {
            score: row.try_get::<i64, _>("churn_score")?.clamp(0, 100) as u8,
            reasons,
        },
        profit_365_minor: row.try_get("profit_365_minor")?,
        profit_decile: row
            .try_get::<Option<i64>, _>("profit_decile")?
            .map(|d| d as u8),
        suggestions,
        marketing_allowed: allowed,
    }))
}

async fn read_suggestions(
    conn: &mut SqliteConnection,
    id: i64,
    currency: &str,
) -> Result<Vec<Suggestion>> {
    let rows = sqlx::query(
        "SELECT s.id, s.rule_id, r.kind, r.antecedent, r.consequent, p.name AS product, \
         r.support, r.confidence, r.lift, s.expected_value_minor, s.margin_minor \
         FROM suggestions s JOIN association_rules r ON r.id = s.rule_id \
         LEFT JOIN products p ON r.kind = 'up_sell' AND p.sku = r.consequent \
         WHERE s.customer_id = ? ORDER BY s.rank",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let kind = kind_of(&r.try_get::<String, _>("kind")?)?;
            let because: String = r.try_get("antecedent")?;
            let offer: String = match r.try_get::<Option<String>, _>("product")? {
                Some(name) => name,
                None => r.try_get("consequent")?,
            };
            Ok(super::compute::Offer {
                kind,
                rule_id: r.try_get("rule_id")?,
                because: &because,
                offer: &offer,
                support: r.try_get("support")?,
                confidence: r.try_get("confidence")?,
                lift: r.try_get("lift")?,
                margin_minor: r.try_get("margin_minor")?,
                expected_value_minor: r.try_get("expected_value_minor")?,
            }
            .suggestion(id, currency))
        })
        .collect()
}

/// A rule to store: kind, antecedent, consequent, measures and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRow {
    pub kind: SuggestionKind,
    pub antecedent: String,
    pub consequent: String,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
    pub antecedent_count: i64,
    pub consequent_count: i64,
    pub both_count: i64,
    pub total_count: i64,
    pub active: bool,
}

/// Store the rules of a refresh (keeping the ids of rules seen before,
/// marking the others inactive) and return their ids, in order.
pub async fn upsert_rules(
    conn: &mut SqliteConnection,
    rules: &[RuleRow],
    at: DateTime<Utc>,
) -> Result<Vec<i64>> {
    sqlx::query("UPDATE association_rules SET active = 0")
        .execute(&mut *conn)
        .await?;
    let mut ids = Vec::with_capacity(rules.len());
    for r in rules {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO association_rules (kind, antecedent, consequent, support, confidence, \
             lift, antecedent_count, consequent_count, both_count, total_count, active, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (kind, antecedent, consequent) DO UPDATE SET support = excluded.support, \
             confidence = excluded.confidence, lift = excluded.lift, \
             antecedent_count = excluded.antecedent_count, \
             consequent_count = excluded.consequent_count, both_count = excluded.both_count, \
             total_count = excluded.total_count, active = excluded.active, \
             updated_at = excluded.updated_at RETURNING id",
        )
        .bind(kind_code(r.kind))
        .bind(&r.antecedent)
        .bind(&r.consequent)
        .bind(r.support)
        .bind(r.confidence)
        .bind(r.lift)
        .bind(r.antecedent_count)
        .bind(r.consequent_count)
        .bind(r.both_count)
        .bind(r.total_count)
        .bind(r.active)
        .bind(at.timestamp())
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Start a refresh run; returns its id.
pub async fn begin_run(
    conn: &mut SqliteConnection,
    as_of: NaiveDate,
    at: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO analytics_runs (as_of, started_at) VALUES (?, ?) RETURNING id",
    )
    .bind(crate::store::date_text(as_of))
    .bind(at.timestamp())
    .fetch_one(&mut *conn)
    .await?)
}

/// Mark a run finished with its model.
pub async fn finish_run(conn: &mut SqliteConnection, m: &Model) -> Result<()> {
    let json = serde_json::to_string(m)
        .map_err(|e| Error::Corrupt(format!("cannot encode the analytics model: {e}")))?;
    sqlx::query("UPDATE analytics_runs SET finished_at = ?, customers = ?, model = ? WHERE id = ?")
        .bind(m.finished_at.timestamp())
        .bind(m.customers)
        .bind(json)
        .bind(m.run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The model of the latest finished run.
pub async fn latest_model(conn: &mut SqliteConnection) -> Result<Option<Model>> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT model FROM analytics_runs WHERE finished_at IS NOT NULL AND model IS NOT NULL \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| Error::Corrupt(format!("the stored analytics model does not read: {e}")))
    })
    .transpose()
}
