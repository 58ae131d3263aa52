//! Recording over HTTP against a real server on a loopback port over a
//! temporary SQLite file: idempotent creates, If-Match updates under races,
//! the complaint lifecycle and clocks, recovery actions under approval
//! limits, preferences, the audit trail, presence, and the event stream.

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDate;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use rapport_api::{
    Approval, AuditEntry, Channel, Complaint, ComplaintStatus, Consent, CustomerView, Event,
    EventBody, Interaction, Preferences, Problem, RecoveryAction, RecoveryStatus,
    RelationshipStage, Role, Taxonomy, Tier,
};
use rapport_server::customers::{self, NewCustomer, NewPreferences};
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, ServerHandle, agents};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

struct Fixture {
    _dir: TempDir,
    db: Db,
    _handle: ServerHandle,
    url: String,
    http: reqwest::Client,
    jane: i64,
    /// agent, agent, supervisor, supervisor, admin
    mei: String,
    tom: String,
    ana: String,
    raj: String,
    zed: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::Builder::new()
        .prefix("rapport-recording-test")
        .tempdir()
        .unwrap();
    let db = Db::connect_path(&dir.path().join("rapport.db"))
        .await
        .unwrap();
    seed::seed(
        &db,
        &SeedOptions {
            customers: 30,
            seed: 3,
            anchor: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    let jane = customers::create(
        &db,
        &NewCustomer {
            given_name: "Jane".into(),
            family_name: "Okafor".into(),
            display_name: None,
            phones: vec![],
            emails: vec![],
            address: rapport_api::Address {
                line1: "12 Acacia Avenue".into(),
                line2: None,
                city: "London".into(),
                region: None,
                postcode: "SE1 7PB".into(),
                country: "GB".into(),
            },
            birthday: None,
            customer_since: NaiveDate::from_ymd_opt(2019, 3, 1).unwrap(),
            tier: Tier::Gold,
            stage: RelationshipStage::Commitment,
            currency: "GBP".into(),
            preferences: NewPreferences {
                channel: Channel::Email,
                language: "en-GB".into(),
                contact_window: None,
                notes: String::new(),
                consent: Consent::default(),
            },
        },
    )
    .await
    .unwrap();
    let token = |name: &'static str, role: Role| {
        let db = db.clone();
        async move { agents::add(&db, name, role, Some("Test")).await.unwrap().1 }
    };
    let mei = token("Mei Lin", Role::Agent).await;
    let tom = token("Tom Baker", Role::Agent).await;
    let ana = token("Ana Ruiz", Role::Supervisor).await;
    let raj = token("Raj Patel", Role::Supervisor).await;
    let zed = token("Zed Admin", Role::Admin).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(listener, db.clone(), ServerConfig::default())
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        db,
        url: handle.url(),
        _handle: handle,
        http: reqwest::Client::new(),
        jane,
        mei,
        tom,
        ana,
        raj,
        zed,
    }
}

fn key() -> String {
    format!("test-{}", uuid())
}

fn uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl Fixture {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        key: Option<&str>,
        if_match: Option<i64>,
        body: &Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(v) = if_match {
            req = req.header("If-Match", format!("\"{v}\""));
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            reqwest::Method::POST,
            path,
            token,
            Some(&key()),
            None,
            &body,
        )
        .await
    }

    async fn patch(
        &self,
        path: &str,
        token: &str,
        version: i64,
        body: Value,
    ) -> (StatusCode, Value) {
        self.send(
            reqwest::Method::PATCH,
            path,
            token,
            Some(&key()),
            Some(version),
            &body,
        )
        .await
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    async fn complaint(&self, severity: &str) -> Complaint {
        let (s, v) = self
            .post(
                "/v1/complaints",
                &self.mei,
                json!({"customer_id": self.jane, "category": "Billing error",
                       "severity": severity, "summary": "Charged twice for May.",
                       "remedy_sought": "Refund of the second charge"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        serde_json::from_value(v).unwrap()
    }
}

fn interaction_body(customer: i64, notes: &str) -> Value {
    json!({
        "customer_id": customer, "channel": "call", "direction": "inbound",
        "reason": "Billing query", "notes": notes, "outcome": "Resolved",
        "sentiment": "negative"
    })
}

fn problem(v: &Value) -> Problem {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interaction_is_recorded_audited_and_shown() {
    let f = fixture().await;
    let (s, v) = f
        .post(
            "/v1/interactions",
            &f.mei,
            interaction_body(f.jane, "Disputed roaming charge \x1b[2J"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let i: Interaction = serde_json::from_value(v).unwrap();
    assert_eq!(i.agent.as_ref().unwrap().name, "Mei Lin");
    assert_eq!(i.sentiment, Some(rapport_api::Sentiment::Negative));

    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.tom)
        .await;
    assert_eq!(view.interactions[0].id, i.id);
    assert_eq!(
        view.interactions[0].notes,
        "Disputed roaming charge \x1b[2J"
    );

    let audit: Vec<AuditEntry> = f
        .get(
            &format!("/v1/audit?entity=interaction&entity_id={}", i.id),
            &f.ana,
        )
        .await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "interaction.create");
    assert_eq!(audit[0].agent.as_ref().unwrap().name, "Mei Lin");
    assert!(audit[0].before.is_none());
    assert_eq!(audit[0].after.as_ref().unwrap()["id"], i.id);

    // Agents cannot read the audit trail.
    let res = f
        .http
        .get(format!("{}/v1/audit", f.url))
        .bearer_auth(&f.mei)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Unknown reasons and bad times are refused with the field named.
    let mut bad = interaction_body(f.jane, "x");
    bad["reason"] = json!("Weather chat");
    let (s, v) = f.post("/v1/interactions", &f.mei, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "/reason");
    let mut bad = interaction_body(f.jane, "x");
    bad["chanel"] = json!("call");
    let (s, v) = f.post("/v1/interactions", &f.mei, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(problem(&v).detail.unwrap().contains("chanel"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_ten_times_at_once_has_one_effect() {
    let f = fixture().await;
    let before = f.count("SELECT COUNT(*) FROM interactions").await;
    let k = key();
    let body = interaction_body(f.jane, "Once only");
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (http, url, token, k, body) = (
            f.http.clone(),
            f.url.clone(),
            f.mei.clone(),
            k.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // Retry 409 (still in flight) the way the client does.
            loop {
                let res = http
                    .post(format!("{url}/v1/interactions"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", &k)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                if status == StatusCode::CONFLICT {
                    assert_eq!(res.headers()["retry-after"], "1");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                let replayed = res.headers().contains_key("idempotent-replayed");
                return (status, replayed, res.text().await.unwrap());
            }
        }));
    }
    let mut bodies = HashSet::new();
    let mut fresh = 0;
    for t in tasks {
        let (status, replayed, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED);
        fresh += usize::from(!replayed);
        bodies.insert(body);
    }
    assert_eq!(fresh, 1, "exactly one request did the work");
    assert_eq!(bodies.len(), 1, "every answer is the same interaction");
    assert_eq!(
        f.count("SELECT COUNT(*) FROM interactions").await,
        before + 1
    );
    assert_eq!(
        f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'interaction.create'")
            .await,
        1
    );

    // Same key, different body: 422. No key: 400.
    let (s, v) = f
        .send(
            reqwest::Method::POST,
            "/v1/interactions",
            &f.mei,
            Some(&k),
            None,
            &interaction_body(f.jane, "Something else"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&v).detail.unwrap().contains("different request"));
    let (s, v) = f
        .send(
            reqwest::Method::POST,
            "/v1/interactions",
            &f.mei,
            None,
            None,
            &body,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "Idempotency-Key");
    // Keys belong to their agent: Tom's use of Mei's key is his own write.
    let (s, _) = f
        .send(
            reqwest::Method::POST,
            "/v1/interactions",
            &f.tom,
            Some(&k),
            None,
            &body,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        f.count("SELECT COUNT(*) FROM interactions").await,
        before + 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_races_on_one_complaint_lose_no_update() {
    let f = fixture().await;
    let c = f.complaint("medium").await;
    let path = format!("/v1/complaints/{}", c.id);
    for (round, version) in (c.version..c.version + 1000).enumerate() {
        let a = f.patch(
            &path,
            &f.mei,
            version,
            json!({"summary": format!("Mei's wording {round}")}),
        );
        let b = f.patch(
            &path,
            &f.tom,
            version,
            json!({"summary": format!("Tom's wording {round}")}),
        );
        let ((sa, va), (sb, vb)) = tokio::join!(a, b);
        let mut statuses = [sa, sb];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "round {round}: {va} {vb}"
        );
        let (won, lost) = if sa == StatusCode::OK {
            (va, vb)
        } else {
            (vb, va)
        };
        let won: Complaint = serde_json::from_value(won).unwrap();
        assert_eq!(won.version, version + 1);
        // The loser is told what the record is now.
        let p = problem(&lost);
        let current: Complaint = serde_json::from_value(p.current.unwrap()).unwrap();
        assert_eq!(current.version, version + 1);
        assert_eq!(current.summary, won.summary);
    }
    let now: Complaint = f.get(&path, &f.mei).await;
    assert_eq!(now.version, c.version + 1000);
    assert_eq!(
        f.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'complaint' AND entity_id = {} AND action = 'complaint.update'",
            c.id
        ))
        .await,
        1000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn complaint_lifecycle_and_clocks() {
    let f = fixture().await;
    let tax: Taxonomy = f.get("/v1/taxonomy", &f.mei).await;
    let high = tax
        .sla
        .iter()
        .find(|p| p.severity == rapport_api::Severity::High)
        .unwrap();
    let c = f.complaint("high").await;
    assert_eq!(c.status, ComplaintStatus::Received);
    assert_eq!((c.sla_due_at - c.opened_at).num_hours(), high.hours);
    assert_eq!(
        c.final_response_due_at.unwrap() - c.opened_at,
        chrono::Duration::weeks(8)
    );
    let summary_due = c.summary_due_at.unwrap();
    assert!(summary_due > c.opened_at + chrono::Duration::days(2));
    assert_eq!(summary_due.format("%H:%M").to_string(), "17:00");
    let path = format!("/v1/complaints/{}", c.id);

    // No If-Match: 428. Stale: 412.
    let (s, _) = f
        .send(
            reqwest::Method::PATCH,
            &path,
            &f.mei,
            Some(&key()),
            None,
            &json!({"status": "acknowledged"}),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
    let (s, v) = f
        .patch(
            &path,
            &f.mei,
            c.version,
            json!({"status": "acknowledged", "owner_id": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();
    assert!(c.owner.is_none());
    // Backwards is refused; resolving needs a note; closing needs resolved.
    let (s, v) = f
        .patch(&path, &f.mei, c.version, json!({"status": "received"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "/status");
    let (s, v) = f
        .patch(&path, &f.mei, c.version, json!({"status": "resolved"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "/resolution_note");
    let (s, _) = f
        .patch(&path, &f.mei, c.version, json!({"status": "closed"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Escalate and raise severity: the SLA moves with the severity.
    let (s, v) = f
        .patch(
            &path,
            &f.mei,
            c.version,
            json!({"escalated": true, "severity": "critical"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();
    assert!(c.escalated);
    assert_eq!((c.sla_due_at - c.opened_at).num_hours(), 4);
    let (s, v) = f
        .patch(
            &path,
            &f.mei,
            c.version,
            json!({"status": "resolved", "resolution_note": "Refunded the duplicate charge."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();
    assert!(c.resolved_at.is_some());
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei)
        .await;
    assert!(view.open_complaints.iter().all(|o| o.id != c.id));
    let (s, _) = f
        .patch(&path, &f.mei, c.version, json!({"status": "closed"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = f
        .patch(&path, &f.mei, c.version + 1, json!({"escalated": false}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(problem(&v).detail.unwrap().contains("closed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recovery_actions_follow_the_approval_limits() {
    let f = fixture().await;
    let c = f.complaint("high").await;
    let path = format!("/v1/complaints/{}/recovery-actions", c.id);
    // Agents may grant £50 a time and £200 a day (migration defaults).
    let (s, v) = f
        .post(
            &path,
            &f.mei,
            json!({"kind": "refund", "amount_minor": 4000, "note": "Duplicate charge"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let small: RecoveryAction = serde_json::from_value(v).unwrap();
    assert_eq!(small.status, RecoveryStatus::Done);
    assert_eq!(small.currency.as_deref(), Some("GBP"));

    let (s, v) = f
        .post(
            &path,
            &f.mei,
            json!({"kind": "refund", "amount_minor": 18000, "note": "Three months"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let big: RecoveryAction = serde_json::from_value(v).unwrap();
    assert_eq!(big.status, RecoveryStatus::PendingApproval);
    assert_eq!(
        big.approval_reason.as_deref(),
        Some("over the £50.00 limit per action")
    );
    // Amounts belong to money actions, in the customer's currency.
    let (s, _) = f
        .post(
            &path,
            &f.mei,
            json!({"kind": "apology", "amount_minor": 100}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = f
        .post(
            &path,
            &f.mei,
            json!({"kind": "voucher", "amount_minor": 100, "currency": "EUR"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "/currency");
    let (s, _) = f.post(&path, &f.mei, json!({"kind": "callback"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The view shows remaining authority and this year's goodwill.
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei)
        .await;
    let auth = view.authority.unwrap();
    assert_eq!(auth.used_today_minor, 4000);
    assert_eq!(auth.remaining_minor, 5000);
    assert_eq!(view.goodwill_year_minor, 4000);
    let open = view.open_complaints.iter().find(|o| o.id == c.id).unwrap();
    assert_eq!(open.recovery_actions.len(), 2);

    // The approvals queue is for supervisors.
    let res = f
        .http
        .get(format!("{}/v1/approvals", f.url))
        .bearer_auth(&f.tom)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let queue: Vec<Approval> = f.get("/v1/approvals", &f.ana).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].action.id, big.id);
    assert_eq!(queue[0].customer_name, "Jane Okafor");

    let approve = format!("/v1/recovery-actions/{}/approve", big.id);
    // An agent cannot approve.
    let (s, _) = f.post(&approve, &f.tom, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Nobody approves their own request.
    let (s, v) = f
        .post(
            &path,
            &f.ana,
            json!({"kind": "account_credit", "amount_minor": 60000, "note": "Goodwill"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let own: RecoveryAction = serde_json::from_value(v).unwrap();
    assert_eq!(own.status, RecoveryStatus::PendingApproval);
    let (s, v) = f
        .post(
            &format!("/v1/recovery-actions/{}/approve", own.id),
            &f.ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(problem(&v).detail.unwrap().contains("their own request"));
    // £600 is beyond a supervisor's £500 too: only an admin may approve it.
    let (s, v) = f
        .post(
            &format!("/v1/recovery-actions/{}/approve", own.id),
            &f.raj,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(problem(&v).detail.unwrap().contains("admin"));
    let (s, _) = f
        .post(
            &format!("/v1/recovery-actions/{}/approve", own.id),
            &f.zed,
            json!({"note": "Long-standing customer"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Two supervisors approve at once: it takes effect once.
    let (a, b) = tokio::join!(
        f.post(&approve, &f.ana, json!({"note": "ok"})),
        f.post(&approve, &f.raj, json!({"note": "ok"}))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} {}",
        a.1,
        b.1
    );
    let done: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM audit_log l JOIN recovery_actions r ON r.id = l.entity_id \
         WHERE l.entity = 'recovery_action' AND l.action = 'recovery.approve' AND r.id = ? GROUP BY status",
    )
    .bind(big.id)
    .fetch_all(f.db.pool())
    .await
    .unwrap();
    assert_eq!(done, vec![("done".to_string(), 1)]);
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei)
        .await;
    assert_eq!(view.goodwill_year_minor, 4000 + 18000 + 60000);

    // Rejecting needs a reason.
    let (_, v) = f
        .post(
            &path,
            &f.tom,
            json!({"kind": "voucher", "amount_minor": 9000}),
        )
        .await;
    let v: RecoveryAction = serde_json::from_value(v).unwrap();
    let reject = format!("/v1/recovery-actions/{}/reject", v.id);
    let (s, _) = f.post(&reject, &f.ana, json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = f
        .post(&reject, &f.ana, json!({"note": "Already refunded in full"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let v: RecoveryAction = serde_json::from_value(v).unwrap();
    assert_eq!(v.status, RecoveryStatus::Rejected);
    assert_eq!(v.decision_note.as_deref(), Some("Already refunded in full"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preferences_change_with_their_version() {
    let f = fixture().await;
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei)
        .await;
    let v0 = view.preferences.version;
    let path = format!("/v1/customers/{}/preferences", f.jane);
    let (s, v) = f
        .patch(
            &path,
            &f.mei,
            v0,
            json!({"channel": "sms", "contact_window": "9:00-17:30", "consent": {"sms": true}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p: Preferences = serde_json::from_value(v).unwrap();
    assert_eq!(p.channel, Channel::Sms);
    assert_eq!(p.contact_window.as_deref(), Some("09:00-17:30"));
    assert!(p.consent.sms && !p.consent.email);
    assert_eq!(p.updated_by.as_ref().unwrap().name, "Mei Lin");
    assert_eq!(p.version, v0 + 1);
    // Tom read the old version.
    let (s, v) = f
        .patch(
            &path,
            &f.tom,
            v0,
            json!({"consent": {"do_not_contact": true}}),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    let pr = problem(&v);
    assert!(pr.detail.unwrap().contains("Mei Lin"));
    let cur: Preferences = serde_json::from_value(pr.current.unwrap()).unwrap();
    assert_eq!(cur.version, v0 + 1);
    // Invalid values name the field.
    let (s, v) = f
        .patch(&path, &f.tom, v0 + 1, json!({"language": "english"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "/language");
    let (s, v) = f
        .patch(
            &path,
            &f.tom,
            v0 + 1,
            json!({"contact_window": "17:00-09:00"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&v).errors[0].path, "/contact_window");
    let audit: Vec<AuditEntry> = f
        .get(&format!("/v1/audit?customer_id={}", f.jane), &f.ana)
        .await;
    assert_eq!(audit[0].action, "preferences.update");
    assert_eq!(audit[0].before.as_ref().unwrap()["channel"], "email");
    assert_eq!(audit[0].after.as_ref().unwrap()["channel"], "sms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_audit_trail_is_append_only() {
    let f = fixture().await;
    f.post("/v1/interactions", &f.mei, interaction_body(f.jane, "x"))
        .await;
    let e = sqlx::query("UPDATE audit_log SET action = 'forged'")
        .execute(f.db.pool())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = sqlx::query("DELETE FROM audit_log")
        .execute(f.db.pool())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

/// Read events from `GET /v1/events` until `n` durable ones arrived.
async fn collect_events(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    last: Option<i64>,
    n: usize,
) -> Vec<Event> {
    let mut req = http.get(format!("{url}/v1/events")).bearer_auth(token);
    if let Some(id) = last {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let res = req.send().await.unwrap();
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut stream = res.bytes_stream().eventsource();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while out.iter().filter(|e: &&Event| e.id.is_some()).count() < n {
        let next = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events arrive in time")
            .unwrap()
            .unwrap();
        let e: Event = serde_json::from_str(&next.data).unwrap();
        assert_eq!(next.event, e.body.kind());
        if let Some(id) = e.id {
            assert_eq!(next.id, id.to_string());
        }
        out.push(e);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_stream_live_and_resume_after_a_break() {
    let f = fixture().await;
    // Tom has Jane open; Ana (a supervisor) has nobody open.
    let _: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.tom)
        .await;
    let mut ana = f
        .http
        .get(format!("{}/v1/events", f.url))
        .bearer_auth(&f.ana)
        .send()
        .await
        .unwrap()
        .bytes_stream()
        .eventsource();
    // Live: a stream opened before the write sees it.
    let listener = {
        let (http, url, token) = (f.http.clone(), f.url.clone(), f.tom.clone());
        tokio::spawn(async move { collect_events(&http, &url, &token, None, 1).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let (_, v) = f
        .post("/v1/interactions", &f.mei, interaction_body(f.jane, "live"))
        .await;
    let created: Interaction = serde_json::from_value(v).unwrap();
    let got = listener.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    let first = got.iter().find(|e| e.id.is_some()).unwrap();
    assert_eq!(first.customer_id, Some(f.jane));
    assert_eq!(first.by.as_ref().unwrap().name, "Mei Lin");
    match &first.body {
        EventBody::InteractionCreated(i) => assert_eq!(i.id, created.id),
        other => panic!("unexpected {other:?}"),
    }
    let resume_from = first.id.unwrap();
    // Ana's stream does not carry it: a note about a customer goes to
    // those who have them open.
    let nothing = tokio::time::timeout(Duration::from_millis(300), ana.next()).await;
    assert!(nothing.is_err(), "{nothing:?}");

    // Three more writes while nobody listens; resuming gets exactly them.
    for n in 0..3 {
        f.post(
            "/v1/interactions",
            &f.mei,
            interaction_body(f.jane, &format!("missed {n}")),
        )
        .await;
    }
    let got = collect_events(&f.http, &f.url, &f.tom, Some(resume_from), 3).await;
    let ids: Vec<i64> = got.iter().filter_map(|e| e.id).collect();
    assert_eq!(ids, vec![resume_from + 1, resume_from + 2, resume_from + 3]);

    // An id from another database asks the client to resync.
    let mut stream = f
        .http
        .get(format!("{}/v1/events", f.url))
        .bearer_auth(&f.tom)
        .header("Last-Event-ID", "999999")
        .send()
        .await
        .unwrap()
        .bytes_stream()
        .eventsource();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.event, "resync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn presence_shows_who_else_has_the_customer_open() {
    let f = fixture().await;
    let put = |token: String, customer: Option<i64>| {
        let http = f.http.clone();
        let url = f.url.clone();
        async move {
            http.put(format!("{url}/v1/presence"))
                .bearer_auth(token)
                .json(&json!({ "customer_id": customer }))
                .send()
                .await
                .unwrap()
        }
    };
    let res = put(f.mei.clone(), Some(f.jane)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.tom)
        .await;
    assert_eq!(
        view.viewers
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Mei Lin"]
    );
    // Mei does not see herself.
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.mei)
        .await;
    assert!(view.viewers.is_empty());
    let res = put(f.mei.clone(), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let view: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.jane), &f.tom)
        .await;
    assert!(view.viewers.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_or_a_supervisor_reassigns_or_lowers_severity() {
    let f = fixture().await;
    let me: Value = f.get("/v1/me", &f.tom).await;
    let tom_id = me["agent"]["id"].as_i64().unwrap();
    let me: Value = f.get("/v1/me", &f.mei).await;
    let mei_id = me["agent"]["id"].as_i64().unwrap();
    // Mei opens it, so Mei owns it.
    let c = f.complaint("high").await;
    assert_eq!(c.owner.as_ref().map(|o| o.id), Some(mei_id));
    let path = format!("/v1/complaints/{}", c.id);

    // Tom, an agent who does not own it, may not take it over or lower
    // the severity; he may raise it.
    for body in [
        json!({"owner_id": tom_id}),
        json!({"owner_id": 0}),
        json!({"severity": "low"}),
    ] {
        let (s, v) = f.patch(&path, &f.tom, c.version, body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}: {v}");
        let p = problem(&v);
        assert!(p.detail.unwrap().contains("owner (Mei"), "{body}");
    }
    let (s, v) = f
        .patch(&path, &f.tom, c.version, json!({"severity": "critical"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();

    // The owner lowers it and hands it to Tom; Tom, now the owner, may
    // unassign it; then anyone may take it for themselves.
    let (s, v) = f
        .patch(
            &path,
            &f.mei,
            c.version,
            json!({"severity": "medium", "owner_id": tom_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();
    assert_eq!(c.owner.as_ref().map(|o| o.id), Some(tom_id));
    let (s, v) = f
        .patch(&path, &f.mei, c.version, json!({"owner_id": mei_id}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = f
        .patch(&path, &f.tom, c.version, json!({"owner_id": 0}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();
    let (s, v) = f
        .patch(&path, &f.mei, c.version, json!({"owner_id": tom_id}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "taking it for someone else: {v}");
    let (s, v) = f
        .patch(&path, &f.mei, c.version, json!({"owner_id": mei_id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();

    // A supervisor may do either.
    let (s, v) = f
        .patch(
            &path,
            &f.ana,
            c.version,
            json!({"severity": "low", "owner_id": tom_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: Complaint = serde_json::from_value(v).unwrap();
    assert_eq!(c.severity, rapport_api::Severity::Low);
    assert_eq!(c.owner.map(|o| o.id), Some(tom_id));
}
