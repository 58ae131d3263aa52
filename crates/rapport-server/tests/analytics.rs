//! Customer analytics against a real server on a loopback port over a
//! temporary SQLite file: the figures in the customer view, consent
//! filtering, responses to suggestions (idempotent, counted per rule),
//! order intake and interactions updating a customer's figures at once,
//! the insights, and one-customer updates agreeing with the refresh.

use std::time::Duration;

use chrono::NaiveDate;
use rapport_api::{CustomerAnalytics, CustomerView, Insights, Problem, SuggestionAnswer};
use rapport_server::analytics::Settings;
use rapport_server::analytics::live::Analytics;
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, ServerHandle, agents};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

struct Fixture {
    _dir: TempDir,
    db: Db,
    handle: Option<ServerHandle>,
    url: String,
    token: String,
    http: reqwest::Client,
}

async fn fixture() -> Fixture {
    let dir = tempfile::Builder::new()
        .prefix("rapport-analytics-test")
        .tempdir()
        .unwrap();
    let db = Db::connect_path(&dir.path().join("rapport.db"))
        .await
        .unwrap();
    seed::seed(
        &db,
        &SeedOptions {
            customers: 600,
            seed: 11,
            anchor: as_of(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    let (_, token) = agents::add(&db, "Test Agent", rapport_api::Role::Agent, Some("Sales"))
        .await
        .unwrap();
    // The first refresh before serving, so every test starts with figures.
    Analytics::new(db.clone(), Settings::default(), Some(as_of()))
        .refresh()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(
        listener,
        db.clone(),
        ServerConfig {
            as_of: Some(as_of()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Fixture {
        _dir: dir,
        db,
        url: handle.url(),
        handle: Some(handle),
        token,
        http: reqwest::Client::new(),
    }
}

static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn key() -> String {
    format!(
        "analytics-{}-{}",
        std::process::id(),
        KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

impl Fixture {
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.unwrap()
    }

    async fn view(&self, id: i64) -> CustomerView {
        self.get(&format!("/v1/customers/{id}/view")).await
    }

    async fn post(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value, bool) {
        let res = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let replayed = res.headers().contains_key("idempotent-replayed");
        (status, res.json().await.unwrap_or(Value::Null), replayed)
    }

    async fn patch(&self, path: &str, version: i64, body: &Value) -> StatusCode {
        self.http
            .patch(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key())
            .header("If-Match", format!("\"{version}\""))
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn insights(&self) -> Insights {
        self.get("/v1/analytics/insights").await
    }

    /// A customer the analytics offer something to.
    async fn customer_with_suggestions(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT customer_id FROM suggestions GROUP BY customer_id HAVING COUNT(*) >= 2 \
             ORDER BY customer_id LIMIT 1",
        )
        .fetch_one(self.db.pool())
        .await
        .unwrap()
    }

    /// Wait until the customer's figures are newer than `than`.
    async fn updated(&self, id: i64, than: chrono::DateTime<chrono::Utc>) -> CustomerAnalytics {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let a = self.view(id).await.analytics.expect("figures");
            if a.computed_at > than {
                return a;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the figures of customer {id} were not updated"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_carries_every_figure_with_its_inputs() {
    let f = fixture().await;
    let id: i64 = sqlx::query_scalar(
        "SELECT customer_id FROM customer_analytics WHERE clv_minor IS NOT NULL \
         AND churn_score > 0 ORDER BY customer_id LIMIT 1",
    )
    .fetch_one(f.db.pool())
    .await
    .unwrap();
    let v = f.view(id).await;
    let a = v.analytics.expect("the view carries the figures");
    assert_eq!(a.as_of, as_of());
    assert_eq!(a.currency, v.profile.currency);
    let rfm = a.rfm.as_ref().expect("a buyer has RFM scores");
    assert!((1..=5).contains(&rfm.r) && (1..=5).contains(&rfm.f) && (1..=5).contains(&rfm.m));
    assert_eq!(
        rfm.segment,
        rapport_server::analytics::rfm::segment(rfm.r, rfm.f, rfm.m)
    );
    assert_eq!(
        Some(rfm.recency_days),
        v.summary.days_since_last_purchase,
        "recency is the purchase summary's days since the last purchase"
    );
    // CLV = GC × r / (1 + d − r) from the inputs shown.
    let c = a.clv.as_ref().unwrap();
    let gc = c.aov_minor as f64 * c.orders_per_year * c.margin;
    assert!((gc - c.gc_minor as f64).abs() <= 1.0, "{c:?}");
    let clv = c.gc_minor as f64 * c.retention / (1.0 + c.discount_rate - c.retention);
    assert!(
        (clv - c.value_minor as f64).abs() <= 1.0 + clv * 1e-6,
        "{c:?}"
    );
    assert_eq!(c.discount_rate, 0.10);
    // The score is the capped sum of the reasons, and never without them.
    let sum: u32 = a.churn.reasons.iter().map(|r| r.points as u32).sum();
    assert_eq!(a.churn.score as u32, sum.min(100));
    assert!(!a.churn.reasons.is_empty());
    assert_eq!(
        a.potential.total_minor,
        a.potential.actual_minor + a.potential.potential_minor + a.potential.unrealised_minor
    );
    assert_eq!(a.potential.actual_minor, c.value_minor);
    assert!(a.profit_decile.is_some_and(|d| (1..=10).contains(&d)));
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_offered_without_consent() {
    let f = fixture().await;
    // Every stored suggestion belongs to a customer who consented.
    let leaked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM suggestions s JOIN preferences p ON p.customer_id = s.customer_id \
         WHERE p.do_not_contact = 1 OR (p.consent_email = 0 AND p.consent_sms = 0 \
         AND p.consent_phone = 0 AND p.consent_post = 0)",
    )
    .fetch_one(f.db.pool())
    .await
    .unwrap();
    assert_eq!(leaked, 0);
    let dnc: i64 = sqlx::query_scalar(
        "SELECT a.customer_id FROM customer_analytics a JOIN preferences p \
         ON p.customer_id = a.customer_id WHERE p.do_not_contact = 1 AND a.rfm_r IS NOT NULL \
         LIMIT 1",
    )
    .fetch_one(f.db.pool())
    .await
    .unwrap();
    let a = f.view(dnc).await.analytics.unwrap();
    assert!(!a.marketing_allowed);
    assert!(a.suggestions.is_empty());
    assert_eq!(a.potential.potential_minor, 0);

    // Withdrawing consent hides the suggestions at once.
    let id = f.customer_with_suggestions().await;
    let v = f.view(id).await;
    assert!(!v.analytics.as_ref().unwrap().suggestions.is_empty());
    let status = f
        .patch(
            &format!("/v1/customers/{id}/preferences"),
            v.preferences.version,
            &json!({"consent": {"do_not_contact": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let a = f.view(id).await.analytics.unwrap();
    assert!(
        a.suggestions.is_empty(),
        "filtered by the consent as it is now"
    );
    assert!(!a.marketing_allowed);
    // And the recomputed figures store none either.
    let a = f
        .updated(id, v.analytics.as_ref().unwrap().computed_at)
        .await;
    assert!(a.suggestions.is_empty());
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suggestions WHERE customer_id = ?")
        .bind(id)
        .fetch_one(f.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_is_recorded_once_and_counted_for_its_rule() {
    let f = fixture().await;
    let id = f.customer_with_suggestions().await;
    let before = f.view(id).await.analytics.unwrap();
    let s = before.suggestions[0].clone();
    assert!(
        s.rationale
            .contains(&format!("{}%", (s.confidence * 100.0).round() as i64))
    );
    assert!(s.rationale.contains(&format!("lift {:.1}", s.lift)));
    assert_eq!(
        s.expected_value_minor,
        (s.confidence * s.margin_minor as f64).round() as i64
    );
    let path = format!("/v1/suggestions/{}/response", s.id);
    let k = key();
    let body = json!({"response": "accepted"});
    let (status, first, replayed) = f.post(&path, &k, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert!(!replayed);
    assert_eq!(first["response"], "accepted");
    assert_eq!(first["rule_id"], s.rule_id);
    // The retry of a lost reply replays it; nothing is stored twice.
    let (status, again, replayed) = f.post(&path, &k, &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(replayed);
    assert_eq!(again, first);
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM suggestion_responses WHERE suggestion_id = ?")
            .bind(s.id)
            .fetch_one(f.db.pool())
            .await
            .unwrap();
    assert_eq!(n, 1);
    // The suggestion is no longer offered, and the rule counts the answer.
    let a = f.view(id).await.analytics.unwrap();
    assert!(a.suggestions.iter().all(|x| x.id != s.id));
    let a = f.updated(id, before.computed_at).await;
    assert!(
        a.suggestions.iter().all(|x| x.id != s.id),
        "not offered again after a refresh of it"
    );
    let rule = f
        .insights()
        .await
        .rules
        .into_iter()
        .find(|r| r.id == s.rule_id)
        .unwrap();
    assert_eq!((rule.accepted, rule.declined, rule.not_now), (1, 0, 0));
    assert_eq!(rule.conversion, Some(1.0));

    // Another answer of another kind, and the conversion follows.
    let other = &before.suggestions[1];
    let (status, v, _) = f
        .post(
            &format!("/v1/suggestions/{}/response", other.id),
            &key(),
            &json!({"response": "not_now", "note": "Call back after payday"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["note"], "Call back after payday");
    let answers: Vec<SuggestionAnswer> = sqlx::query_scalar::<_, String>(
        "SELECT response FROM suggestion_responses WHERE customer_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(f.db.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| serde_json::from_value(Value::String(r)).unwrap())
    .collect();
    assert_eq!(
        answers,
        vec![SuggestionAnswer::Accepted, SuggestionAnswer::NotNow]
    );

    // Unknown suggestions and bad answers are refused in words.
    let (status, v, _) = f.post("/v1/suggestions/77/response", &key(), &body).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let p: Problem = serde_json::from_value(v).unwrap();
    assert!(p.detail.unwrap().contains("No suggestion with id 77"));
    let (status, v, _) = f.post(&path, &key(), &json!({"response": "maybe"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let p: Problem = serde_json::from_value(v).unwrap();
    assert_eq!(p.errors[0].path, "/response");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_or_a_contact_updates_the_figures_at_once() {
    let f = fixture().await;
    let (id, currency): (i64, String) = sqlx::query_as(
        "SELECT a.customer_id, a.currency FROM customer_analytics a WHERE a.rfm_r IS NOT NULL \
         ORDER BY a.customer_id LIMIT 1",
    )
    .fetch_one(f.db.pool())
    .await
    .unwrap();
    let before = f.view(id).await;
    let a0 = before.analytics.clone().unwrap();
    let (status, order, _) = f
        .post(
            "/v1/orders",
            &key(),
            &json!({"customer_id": id, "channel": "call", "placed_at": "2026-06-29T10:00:00Z",
                    "lines": [{"sku": "CASE-SLIM", "quantity": 2, "unit_price_minor": 1500}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["total_minor"], 3000);
    assert_eq!(order["currency"], currency);
    let a1 = f.updated(id, a0.computed_at).await;
    let r0 = a0.rfm.unwrap();
    let r1 = a1.rfm.clone().unwrap();
    assert_eq!(r1.orders_365, r0.orders_365 + 1);
    assert_eq!(r1.spend_365_minor, r0.spend_365_minor + 3000);
    assert_eq!(r1.recency_days, 1, "bought yesterday, as of 30 June");

    // Three inbound calls in a row: a contact red flag, with its reason.
    for n in 0..3 {
        let (status, v, _) = f
            .post(
                "/v1/interactions",
                &key(),
                &json!({"customer_id": id, "channel": "call", "direction": "inbound",
                        "reason": "Billing query", "outcome": "Resolved",
                        "notes": format!("Call {n}"),
                        "started_at": format!("2026-06-2{}T09:00:00Z", 6 + n)}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let flagged = loop {
        let a = f.view(id).await.analytics.unwrap();
        if let Some(r) = a
            .churn
            .reasons
            .iter()
            .find(|r| r.signal == rapport_api::ChurnSignal::MoreContacts)
        {
            break r.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no contact flag: {:?}",
            a.churn
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        flagged.text.contains("contacts in 30 days vs"),
        "{}",
        flagged.text
    );

    // Refused orders say why.
    let (status, v, _) = f
        .post(
            "/v1/orders",
            &key(),
            &json!({"customer_id": id, "channel": "web", "lines": [{"sku": "NOPE", "quantity": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["errors"][0]["path"], "/lines/0/sku");
    let (status, v, _) = f
        .post(
            "/v1/orders",
            &key(),
            &json!({"customer_id": id, "channel": "web",
                    "lines": [{"sku": "CASE-SLIM", "quantity": 1, "unit_price_minor": -5}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insights_give_the_80_20_view_nps_and_rules() {
    let f = fixture().await;
    let i = f.insights().await;
    assert_eq!(i.as_of, as_of());
    assert_eq!(i.customers, 600);
    let gbp = i.pareto.iter().find(|p| p.currency == "GBP").unwrap();
    assert_eq!(gbp.deciles.len(), 10);
    assert_eq!(
        gbp.deciles.iter().map(|d| d.customers).sum::<i64>(),
        gbp.customers
    );
    assert_eq!(
        gbp.deciles.iter().map(|d| d.profit_minor).sum::<i64>(),
        gbp.profit_minor
    );
    assert!(
        gbp.top20_share > 0.2 && gbp.top20_share <= 1.0,
        "{}",
        gbp.top20_share
    );
    assert!(gbp.deciles[0].profit_minor >= gbp.deciles[9].profit_minor);
    assert!(i.nps.overall.answers > 0);
    assert!(
        i.nps
            .overall
            .nps
            .is_some_and(|n| (-100.0..=100.0).contains(&n))
    );
    assert!(
        !i.nps.by_team.is_empty(),
        "answers tied to contacts group by team"
    );
    assert!(!i.rules.is_empty());
    // The generator puts travel insurance with roaming packs: the rule is found.
    let roaming = i
        .rules
        .iter()
        .find(|r| r.antecedent == "Roaming packs" && r.consequent == "Travel insurance")
        .expect("roaming -> travel insurance");
    assert!(roaming.lift > 1.5 && roaming.active, "{roaming:?}");
    for r in &i.rules {
        assert!(r.support > 0.0 && r.confidence > 0.0 && r.lift > 0.0);
        if r.active {
            assert!(r.support >= i.settings.min_support);
            assert!(r.confidence >= i.settings.min_confidence);
            assert!(r.lift >= i.settings.min_lift);
        }
    }
    let seg_total: i64 = i.segments.iter().map(|s| s.customers).sum();
    assert!(seg_total > 0 && seg_total <= 600);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_customer_update_agrees_with_the_refresh() {
    let f = fixture().await;
    let a = Analytics::new(f.db.clone(), Settings::default(), Some(as_of()));
    assert!(a.load().await.unwrap());
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM customers ORDER BY id LIMIT 120")
        .fetch_all(f.db.pool())
        .await
        .unwrap();
    let mut conn = f.db.pool().acquire().await.unwrap();
    for id in ids {
        let consent = f.view(id).await.preferences.consent;
        let stored = rapport_server::analytics::read::for_customer(&mut conn, id, &consent)
            .await
            .unwrap()
            .unwrap();
        let fresh = a.update_customer(id).await.unwrap().unwrap();
        let mut fresh_stored =
            rapport_server::analytics::read::for_customer(&mut conn, id, &consent)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(fresh.churn, stored.churn, "customer {id}");
        fresh_stored.computed_at = stored.computed_at;
        // The model's expectations are sums of series: the same to the last
        // few bits, not always to every bit (summation order).
        match (&fresh_stored.model_clv, &stored.model_clv) {
            (Some(a), Some(b)) => {
                assert_eq!(a.value_minor, b.value_minor, "customer {id}");
                for (x, y) in [
                    (a.p_alive, b.p_alive),
                    (a.expected_purchases_12m, b.expected_purchases_12m),
                    (a.discounted_purchases, b.discounted_purchases),
                ] {
                    assert!(
                        (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                        "customer {id}: {x} vs {y}"
                    );
                }
            }
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "customer {id}"),
        }
        fresh_stored.model_clv = stored.model_clv.clone();
        assert_eq!(fresh_stored, stored, "customer {id}");
    }
    drop(conn);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_past_its_bounds_is_refused_with_the_limit_and_stores_nothing() {
    let f = fixture().await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM customers ORDER BY id LIMIT 1")
        .fetch_one(f.db.pool())
        .await
        .unwrap();
    let orders = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders")
            .fetch_one(f.db.pool())
            .await
            .unwrap()
    };
    let before = f.view(id).await.summary;
    let count = orders().await;
    // 2 × 2^62 wrapped to a negative total before; a price past the bound,
    // an order past the total bound, a huge quantity: each refused, naming
    // the limit.
    for (lines, path, limit) in [
        (
            json!([{"sku": "CASE-SLIM", "quantity": 2, "unit_price_minor": 4_611_686_018_427_387_904_i64}]),
            "/lines/0/unit_price_minor",
            "10,000,000,000",
        ),
        (
            json!([{"sku": "CASE-SLIM", "quantity": 10_000, "unit_price_minor": 10_000_000_000_i64},
                   {"sku": "CASE-SLIM", "quantity": 10_000, "unit_price_minor": 10_000_000_000_i64}]),
            "/lines",
            "1,000,000,000,000",
        ),
        (
            json!([{"sku": "CASE-SLIM", "quantity": 9_000_000_000_000_000_000_i64, "unit_price_minor": 1}]),
            "/lines/0/quantity",
            "10000",
        ),
    ] {
        let (status, v, _) = f
            .post(
                "/v1/orders",
                &key(),
                &json!({"customer_id": id, "channel": "web", "lines": lines}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        let p: Problem = serde_json::from_value(v).unwrap();
        assert_eq!(p.errors[0].path, path);
        assert!(
            p.errors[0].message.contains(limit)
                || p.detail.as_deref().unwrap_or("").contains(limit),
            "{p:?}"
        );
    }
    assert_eq!(orders().await, count, "a refused order stores nothing");
    let after = f.view(id).await.summary;
    assert_eq!(after.lifetime_spend_minor, before.lifetime_spend_minor);
    assert!(after.lifetime_spend_minor >= 0);

    // A recovery amount past the bound is refused the same way.
    let (status, c, _) = f
        .post(
            "/v1/complaints",
            &key(),
            &json!({"customer_id": id, "category": "Billing error", "severity": "low",
                    "summary": "Charged twice.", "remedy_sought": "Refund"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, v, _) = f
        .post(
            &format!("/v1/complaints/{}/recovery-actions", c["id"]),
            &key(),
            &json!({"kind": "refund", "amount_minor": i64::MAX, "note": "all of it"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("1,000,000,000,000"), "{v}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_is_estimated_and_the_models_are_fitted_on_the_demo() {
    let f = fixture().await;
    let i = f.insights().await;
    // r of each segment comes from its members a year before the analysis
    // date; on the demo it is a rate, not the 0 or 1 of a circular window.
    let rates: Vec<f64> = i
        .segments
        .iter()
        .filter(|s| s.previous_buyers >= 20)
        .filter_map(|s| s.retention)
        .collect();
    assert!(!rates.is_empty(), "{:?}", i.segments);
    assert!(
        rates.iter().any(|r| *r > 0.0 && *r < 1.0),
        "some segment keeps some of its customers: {rates:?}"
    );
    let id: i64 = sqlx::query_scalar(
        "SELECT customer_id FROM customer_analytics WHERE btyd IS NOT NULL \
         ORDER BY customer_id LIMIT 1",
    )
    .fetch_one(f.db.pool())
    .await
    .expect("the models were fitted on the demo");
    let v = f.view(id).await;
    let a = v.analytics.unwrap();
    let c = a.clv.as_ref().unwrap();
    assert_eq!(c.retention_as_of, a.as_of - chrono::Duration::days(365));
    let m = a.model_clv.as_ref().unwrap();
    assert!((0.0..=1.0).contains(&m.p_alive), "{m:?}");
    assert!(m.expected_purchases_12m >= 0.0);
    assert!(m.params.r > 0.0 && m.params.alpha > 0.0 && m.params.a > 0.0 && m.params.b > 0.0);
    assert_eq!(m.x, v.summary.frequency);
    assert_eq!(m.margin, c.margin);
    // The value is the product of the inputs shown.
    let value = m.discounted_purchases * m.expected_spend_minor as f64 * m.margin;
    assert!(
        (value - m.value_minor as f64).abs() <= 1.0 + value * 0.01,
        "{m:?}"
    );
    f.stop().await;
}
