//! The HTTP API against a real server on a loopback port, over a temporary
//! SQLite file holding a small deterministic demo data set plus customers
//! inserted by hand, whose details the tests know.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rapport_api::{
    Address, Channel, ComplaintStatus, Consent, CustomerView, Direction, Health, InteractionPage,
    MatchField, MatchKind, Me, PROBLEM_JSON, PhoneKind, Problem, RelationshipStage, Role,
    SearchResponse, Severity, Tier,
};
use rapport_server::customers::{
    self, NewComplaint, NewCustomer, NewInteraction, NewOrder, NewOrderLine, NewPreferences,
};
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, ServerHandle, agents};
use reqwest::{StatusCode, Url};
use tempfile::TempDir;

const SEEDED: u64 = 250;
const PAGED_INTERACTIONS: usize = 130;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

struct Known {
    jane: i64,
    jurgen: i64,
    sean: i64,
    wang_wei: i64,
    sato_hanako: i64,
    john: i64,
    erik: i64,
    paged: i64,
    paged_calls: usize,
}

struct Fixture {
    _dir: TempDir,
    db: Db,
    handle: Option<ServerHandle>,
    url: String,
    token: String,
    known: Known,
    http: reqwest::Client,
}

fn person(given: &str, family: &str, country: &str, currency: &str) -> NewCustomer {
    NewCustomer {
        given_name: given.into(),
        family_name: family.into(),
        display_name: None,
        phones: vec![],
        emails: vec![],
        address: Address {
            line1: "1 Test Street".into(),
            line2: None,
            city: "London".into(),
            region: None,
            postcode: "E1 6AN".into(),
            country: country.into(),
        },
        birthday: NaiveDate::from_ymd_opt(1980, 4, 1),
        customer_since: NaiveDate::from_ymd_opt(2020, 1, 15).unwrap(),
        tier: Tier::Gold,
        stage: RelationshipStage::Commitment,
        currency: currency.into(),
        preferences: NewPreferences {
            channel: Channel::Email,
            language: "en-GB".into(),
            contact_window: Some("09:00-17:00".into()),
            notes: "Prefers a call back rather than holding.".into(),
            consent: Consent {
                email: true,
                sms: false,
                phone: true,
                post: false,
                do_not_contact: false,
            },
        },
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::Builder::new()
        .prefix("rapport-api-test")
        .tempdir()
        .unwrap();
    let url = format!("sqlite://{}", dir.path().join("rapport.db").display());
    let db = Db::connect(&url).await.unwrap();
    seed::seed(
        &db,
        &SeedOptions {
            customers: SEEDED,
            seed: 7,
            anchor: as_of(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();

    let mut jane = person("Jane", "Okafor-Lindqvist", "GB", "GBP");
    jane.phones = vec![
        ("+44 7700 900123".into(), PhoneKind::Mobile),
        ("+441632960001".into(), PhoneKind::Home),
    ];
    jane.emails = vec!["jane.okafor@example.org".into()];
    let jane = customers::create(&db, &jane).await.unwrap();

    let mut erik = person("Erik", "Lindqvist", "GB", "GBP");
    erik.phones = vec![("+441632960001".into(), PhoneKind::Home)];
    let erik = customers::create(&db, &erik).await.unwrap();

    let mut jurgen = person("Jürgen", "Müller", "DE", "EUR");
    jurgen.phones = vec![("+49 151 12345678".into(), PhoneKind::Mobile)];
    jurgen.emails = vec!["j.mueller@example.de".into()];
    let jurgen = customers::create(&db, &jurgen).await.unwrap();

    let mut sean = person("Seán", "O'Brien", "IE", "EUR");
    sean.phones = vec![("+353 85 123 4567".into(), PhoneKind::Mobile)];
    let sean = customers::create(&db, &sean).await.unwrap();

    let mut wang = person("伟", "王", "GB", "GBP");
    wang.phones = vec![("+86 138 1234 5678".into(), PhoneKind::Mobile)];
    wang.emails = vec!["wang.wei@example.cn".into()];
    let wang_wei = customers::create(&db, &wang).await.unwrap();

    let sato = customers::create(&db, &person("花子", "佐藤", "GB", "GBP"))
        .await
        .unwrap();
    let john = customers::create(&db, &person("John", "Carmichael", "GB", "GBP"))
        .await
        .unwrap();

    // Jane's orders: two on 10 January (one purchase day), one on 9 February.
    for (when, sku, price) in [
        (at(2025, 1, 10, 9, 30), "HS-AUR", 50_000),
        (at(2025, 1, 10, 16, 0), "CASE-SLIM", 1_500),
        (at(2025, 2, 9, 12, 0), "ROAM-EU-7", 700),
    ] {
        customers::record_order(
            &db,
            &NewOrder {
                customer_id: jane,
                placed_at: when,
                channel: Channel::Web,
                lines: vec![NewOrderLine {
                    sku: sku.into(),
                    quantity: 1,
                    unit_price_minor: Some(price),
                }],
            },
        )
        .await
        .unwrap();
    }
    // An order after as_of: stored and listed, but not in the summary.
    customers::record_order(
        &db,
        &NewOrder {
            customer_id: jane,
            placed_at: at(2025, 7, 15, 10, 0),
            channel: Channel::Store,
            lines: vec![NewOrderLine {
                sku: "CHG-20W".into(),
                quantity: 2,
                unit_price_minor: None,
            }],
        },
    )
    .await
    .unwrap();

    for (severity, status, due) in [
        (
            Severity::High,
            ComplaintStatus::Investigating,
            at(2025, 6, 20, 9, 0),
        ),
        (
            Severity::Low,
            ComplaintStatus::Received,
            at(2025, 7, 9, 9, 0),
        ),
        (
            Severity::Medium,
            ComplaintStatus::Closed,
            at(2025, 3, 1, 9, 0),
        ),
    ] {
        customers::record_complaint(
            &db,
            &NewComplaint {
                customer_id: jane,
                category: "Billing error".into(),
                severity,
                status,
                summary: "Charged twice for the Aurora.".into(),
                remedy_sought: "Refund".into(),
                opened_at: due - chrono::Duration::days(3),
                sla_due_at: due,
                final_response_due_at: Some(due + chrono::Duration::days(53)),
                owner_id: None,
                escalated: false,
            },
        )
        .await
        .unwrap();
    }

    // A long history across channels, with timestamps shared in threes so
    // paging must break ties on id.
    let paged = customers::create(&db, &person("Margaret", "Pemberton-Hayes", "GB", "GBP"))
        .await
        .unwrap();
    let mut paged_calls = 0;
    for k in 0..PAGED_INTERACTIONS {
        let channel = Channel::ALL[k % Channel::ALL.len()];
        paged_calls += usize::from(channel == Channel::Call);
        let started = at(2024, 1, 1, 9, 0) + chrono::Duration::hours((k / 3) as i64);
        customers::record_interaction(
            &db,
            &NewInteraction {
                customer_id: paged,
                channel,
                direction: Direction::Inbound,
                reason: "Billing query".into(),
                notes: format!("Contact number {k}"),
                outcome: "Resolved".into(),
                agent_id: None,
                started_at: started,
                ended_at: Some(started + chrono::Duration::minutes(5)),
            },
        )
        .await
        .unwrap();
    }

    let (_, token) = agents::add(&db, "Test Agent", Role::Agent, Some("QA"))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(
        listener,
        db.clone(),
        ServerConfig {
            as_of: Some(as_of()),
            ..ServerConfig::default()
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
        known: Known {
            jane,
            jurgen,
            sean,
            wang_wei,
            sato_hanako: sato,
            john,
            erik,
            paged,
            paged_calls,
        },
        http: reqwest::Client::new(),
    }
}

impl Fixture {
    fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        Url::parse_with_params(&format!("{}{path}", self.url), query).unwrap()
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.url(path, query))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    async fn search(&self, q: &str) -> SearchResponse {
        self.search_limit(q, 20).await
    }

    async fn search_limit(&self, q: &str, limit: u32) -> SearchResponse {
        let limit = limit.to_string();
        let res = self
            .get("/v1/customers", &[("q", q), ("limit", &limit)])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "searching {q:?}");
        res.json().await.unwrap()
    }

    async fn problem(&self, res: reqwest::Response, status: StatusCode) -> Problem {
        assert_eq!(res.status(), status);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            PROBLEM_JSON
        );
        let p: Problem = res.json().await.unwrap();
        assert_eq!(p.status, status.as_u16());
        assert!(p.detail.as_deref().is_some_and(|d| d.ends_with('.')));
        p
    }

    async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }
}

fn ids(r: &SearchResponse) -> Vec<i64> {
    r.hits.iter().map(|h| h.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_openapi_and_identity() {
    let f = fixture().await;
    let res = f.http.get(f.url("/health", &[])).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h: Health = res.json().await.unwrap();
    assert_eq!(h.status, "ok");
    assert_eq!(h.database, "sqlite");

    let res = f
        .http
        .get(f.url("/openapi.json", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/health",
        "/v1/me",
        "/v1/customers",
        "/v1/customers/by-phone/{e164}",
        "/v1/customers/{id}/view",
        "/v1/customers/{id}/interactions",
    ] {
        assert!(paths.contains_key(p), "{p} missing from /openapi.json");
    }
    for s in [
        "SearchResponse",
        "CustomerView",
        "Problem",
        "InteractionPage",
    ] {
        assert!(doc["components"]["schemas"].get(s).is_some(), "{s}");
    }
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());

    let me: Me = f.get("/v1/me", &[]).await.json().await.unwrap();
    assert_eq!(me.agent.name, "Test Agent");
    assert_eq!(me.agent.role, Role::Agent);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_v1_route_needs_a_valid_token() {
    let f = fixture().await;
    let paths = [
        "/v1/me".to_string(),
        "/v1/customers?q=jane".to_string(),
        format!("/v1/customers/{}/view", f.known.jane),
        format!("/v1/customers/{}/interactions", f.known.jane),
        "/v1/customers/by-phone/+447700900123".to_string(),
    ];
    for p in &paths {
        let url = format!("{}{p}", f.url);
        let res = f.http.get(&url).send().await.unwrap();
        assert!(res.headers().contains_key("www-authenticate"));
        let problem = f.problem(res, StatusCode::UNAUTHORIZED).await;
        assert!(
            problem.detail.unwrap().contains("RAPPORT_TOKEN"),
            "{p}: the missing-token message says how to get one"
        );

        let res = f
            .http
            .get(&url)
            .bearer_auth("rpt_not-a-real-token")
            .send()
            .await
            .unwrap();
        let problem = f.problem(res, StatusCode::UNAUTHORIZED).await;
        assert!(problem.detail.unwrap().contains("not valid"), "{p}");

        let res = f
            .http
            .get(&url)
            .header("authorization", format!("Basic {}", f.token))
            .send()
            .await
            .unwrap();
        let problem = f.problem(res, StatusCode::UNAUTHORIZED).await;
        assert!(problem.detail.unwrap().contains("Bearer"), "{p}");
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_problem_json_with_actionable_details() {
    let f = fixture().await;
    let p = f
        .problem(f.get("/v1/nowhere", &[]).await, StatusCode::NOT_FOUND)
        .await;
    assert!(p.detail.unwrap().contains("/openapi.json"));
    let p = f
        .problem(
            f.http.get(f.url("/nowhere", &[])).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(p.instance.as_deref(), Some("/nowhere"));

    let p = f
        .problem(
            f.get("/v1/customers/999999/view", &[]).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(p.detail.as_deref(), Some("No customer with id 999999."));
    let p = f
        .problem(
            f.get("/v1/customers/999999/interactions", &[]).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(p.detail.as_deref(), Some("No customer with id 999999."));

    let p = f
        .problem(
            f.get("/v1/customers/abc/view", &[]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(p.errors[0].path, "id");

    for limit in ["0", "101", "many"] {
        let p = f
            .problem(
                f.get("/v1/customers", &[("q", "jane"), ("limit", limit)])
                    .await,
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(p.errors[0].path, "limit");
        assert!(p.errors[0].message.contains("1 to 100"));
    }
    let p = f
        .problem(f.get("/v1/customers", &[]).await, StatusCode::BAD_REQUEST)
        .await;
    assert_eq!(p.errors[0].path, "q");
    let long = "x".repeat(201);
    let p = f
        .problem(
            f.get("/v1/customers", &[("q", &long)]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(p.errors[0].path, "q");

    let path = format!("/v1/customers/{}/interactions", f.known.paged);
    let p = f
        .problem(
            f.get(&path, &[("cursor", "garbage")]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(p.errors[0].path, "cursor");
    let p = f
        .problem(
            f.get(&path, &[("channel", "pigeon")]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(p.errors[0].path, "channel");
    assert!(p.detail.unwrap().contains("expected call"));
    let p = f
        .problem(
            f.get(&path, &[("limit", "500")]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(p.errors[0].message.contains("1 to 200"));

    let p = f
        .problem(
            f.get("/v1/customers/by-phone/hello", &[]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(p.errors[0].path, "e164");

    let res = f
        .http
        .post(f.url("/v1/customers", &[]))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    f.problem(res, StatusCode::METHOD_NOT_ALLOWED).await;
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_account_number_beats_everything() {
    let f = fixture().await;
    let jane = f.known.jane;
    let acc = format!("ACC-{jane:07}");
    for q in [
        acc.clone(),
        acc.to_lowercase(),
        acc.replace('-', ""),
        jane.to_string(),
    ] {
        let r = f.search(&q).await;
        let top = &r.hits[0];
        assert_eq!(top.id, jane, "{q}");
        assert_eq!(top.match_kind, MatchKind::Exact, "{q}");
        assert_eq!(top.matched_field, MatchField::Account, "{q}");
        assert_eq!(top.matched_text, acc);
    }
    // A bare number is also read as phone digits: customer 12's account
    // comes first, phone numbers containing "12" after it.
    let r = f.search("12").await;
    assert_eq!(r.hits[0].account_number, "ACC-0000012");
    let r = f.search("123").await;
    assert_eq!(r.hits[0].account_number, "ACC-0000123");
    assert_eq!(r.hits[0].match_kind, MatchKind::Exact);
    assert!(r.hits[1..].iter().all(|h| h.match_kind > MatchKind::Exact));
    // Typing an account number out in full lists the accounts it starts.
    let r = f.search("ACC-00001").await;
    assert!(!r.hits.is_empty());
    assert!(r.hits.iter().all(|h| h.account_number.starts_with("ACC-00001")
        && h.match_kind == MatchKind::Prefix));
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_by_prefix_exact_and_typo() {
    let f = fixture().await;
    let jane = f.known.jane;

    let r = f.search("jane oka").await;
    assert_eq!(r.hits[0].id, jane);
    assert_eq!(r.hits[0].display_name, "Jane Okafor-Lindqvist");
    assert_eq!(r.hits[0].match_kind, MatchKind::Prefix);
    assert_eq!(r.hits[0].matched_field, MatchField::Name);

    let r = f.search("Jane Okafor-Lindqvist").await;
    assert_eq!(r.hits[0].id, jane);
    assert_eq!(r.hits[0].match_kind, MatchKind::Exact);
    let r = f.search("okafor-lindqvist jane").await;
    assert_eq!(r.hits[0].id, jane);
    assert_eq!(r.hits[0].match_kind, MatchKind::Exact);

    // Typos: one edit, a transposition, a dropped letter.
    for q in ["jane okafr", "Jnae Okafor", "jane lindqvst"] {
        let r = f.search(q).await;
        assert_eq!(r.hits.first().map(|h| h.id), Some(jane), "{q}");
        assert_eq!(r.hits[0].match_kind, MatchKind::Typo, "{q}");
    }
    let r = f.search("Okafr").await;
    assert!(ids(&r).contains(&jane));
    assert!(r.hits.iter().all(|h| h.match_kind == MatchKind::Typo));
    let r = f.search("Lindqvst").await;
    assert!(ids(&r).contains(&jane));
    assert!(ids(&r).contains(&f.known.erik));

    // "Jonh" finds Johns, after anything that genuinely starts with "jonh".
    let r = f.search("Jonh").await;
    let typos: Vec<_> = r
        .hits
        .iter()
        .filter(|h| h.match_kind == MatchKind::Typo)
        .collect();
    assert!(!typos.is_empty(), "{r:?}");
    assert!(typos.iter().any(|h| h.id == f.known.john), "{typos:?}");
    // Whole-word corrections (John, Jon) rank above names that only begin
    // like a correction (Johnson, Joshi).
    let whole = |h: &&rapport_api::CustomerHit| {
        h.display_name
            .split(' ')
            .any(|w| ["john", "jon", "joan"].contains(&w.to_lowercase().as_str()))
    };
    let last_whole = typos.iter().rposition(&whole).unwrap();
    let first_other = typos.iter().position(|h| !whole(h)).unwrap_or(typos.len());
    assert!(last_whole < first_other, "{typos:?}");
    let first_typo = r
        .hits
        .iter()
        .position(|h| h.match_kind == MatchKind::Typo)
        .unwrap();
    assert!(
        r.hits[..first_typo]
            .iter()
            .all(|h| h.match_kind < MatchKind::Typo)
    );

    // Word prefixes and ranking order across the response.
    let r = f.search("pemb").await;
    assert_eq!(r.hits[0].id, f.known.paged);
    let r = f.search_limit("an", 100).await;
    assert!(r.hits.len() > 3);
    for w in r.hits.windows(2) {
        assert!(
            (w[0].match_kind, -w[0].score) <= (w[1].match_kind, -w[1].score),
            "hits out of order: {w:?}"
        );
    }
    assert!(r.hits.iter().all(|h| h.match_kind <= MatchKind::Prefix));

    // Nonsense finds nothing.
    let r = f.search("qqxqzv").await;
    assert!(r.hits.is_empty());
    assert!(!r.more);
    let r = f.search("   ").await;
    assert!(r.hits.is_empty());
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diacritics_apostrophes_and_cjk() {
    let f = fixture().await;
    for q in ["muller", "MÜLLER", "mueller", "jurgen muller"] {
        let r = f.search(q).await;
        assert!(ids(&r).contains(&f.known.jurgen), "{q}: {r:?}");
    }
    let r = f.search("jurgen muller").await;
    assert_eq!(r.hits[0].id, f.known.jurgen);
    assert_eq!(r.hits[0].match_kind, MatchKind::Exact);
    assert_eq!(r.hits[0].matched_text, "Jürgen Müller");

    for q in [
        "o'brien",
        "O’Brien",
        "obrien",
        "sean obrien",
        "Seán O'Brien",
    ] {
        let r = f.search(q).await;
        assert!(ids(&r).contains(&f.known.sean), "{q}: {r:?}");
    }

    // CJK: full name (two characters), family name, given name alone.
    let r = f.search("王伟").await;
    assert_eq!(r.hits[0].id, f.known.wang_wei);
    assert_eq!(r.hits[0].match_kind, MatchKind::Exact);
    assert_eq!(r.hits[0].display_name, "王伟");
    for q in ["王", "伟"] {
        let r = f.search_limit(q, 100).await;
        assert!(ids(&r).contains(&f.known.wang_wei), "{q}");
    }
    let r = f.search("佐藤").await;
    assert!(ids(&r).contains(&f.known.sato_hanako));
    let r = f.search("花子").await;
    assert!(ids(&r).contains(&f.known.sato_hanako));
    let r = f.search("佐藤花子").await;
    assert_eq!(r.hits[0].id, f.known.sato_hanako);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_in_any_format_and_emails() {
    let f = fixture().await;
    let jane = f.known.jane;
    for q in [
        "+44 7700 900123",
        "+447700900123",
        "07700900123",
        "07700 900 123",
        "0044 7700 900123",
        "447700900123",
    ] {
        let r = f.search(q).await;
        let top = &r.hits[0];
        assert_eq!(top.id, jane, "{q}");
        assert_eq!(top.match_kind, MatchKind::Exact, "{q}");
        assert_eq!(top.matched_field, MatchField::Phone, "{q}");
        assert_eq!(top.matched_text, "+44 •••••••123", "{q}");
    }
    // The end of a number, and a part in the middle.
    for q in ["900123", "7700 900"] {
        let r = f.search(q).await;
        let hit = r
            .hits
            .iter()
            .find(|h| h.id == jane)
            .unwrap_or_else(|| panic!("{q}: {r:?}"));
        assert_eq!(hit.matched_field, MatchField::Phone);
        assert_eq!(hit.matched_text, "+44 •••••••123");
    }
    // Typing a number from the start.
    let r = f.search("07700 90").await;
    let hit = r.hits.iter().find(|h| h.id == jane).unwrap();
    assert_eq!(hit.match_kind, MatchKind::Prefix);
    let r = f.search("+86 138 1234 5678").await;
    assert_eq!(r.hits[0].id, f.known.wang_wei);

    // Emails: whole, start, any part.
    let r = f.search("Jane.Okafor@Example.org").await;
    assert_eq!(r.hits[0].id, jane);
    assert_eq!(r.hits[0].match_kind, MatchKind::Exact);
    assert_eq!(r.hits[0].matched_field, MatchField::Email);
    let r = f.search("jane.okafor@").await;
    assert_eq!(r.hits[0].id, jane);
    assert_eq!(r.hits[0].matched_text, "j•••@example.org");
    let r = f.search("okafor@exam").await;
    let hit = r.hits.iter().find(|h| h.id == jane).unwrap();
    assert_eq!(hit.matched_field, MatchField::Email);
    assert_eq!(hit.match_kind, MatchKind::Substring);
    let r = f.search("mueller@example").await;
    assert_eq!(r.hits[0].id, f.known.jurgen);

    // Screen pops: exact numbers only; a shared home line gives two.
    let res = f.get("/v1/customers/by-phone/+447700900123", &[]).await;
    let r: SearchResponse = res.json().await.unwrap();
    assert_eq!(ids(&r), vec![jane]);
    let r: SearchResponse = f
        .get("/v1/customers/by-phone/+441632960001", &[])
        .await
        .json()
        .await
        .unwrap();
    let mut both = ids(&r);
    both.sort();
    assert_eq!(both, vec![jane, f.known.erik]);
    let r: SearchResponse = f
        .get("/v1/customers/by-phone/+15555550100", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(r.hits.is_empty());
    let r: SearchResponse = f
        .get("/v1/customers/by-phone/07700900123", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&r), vec![jane]);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_more() {
    let f = fixture().await;
    let r = f.search_limit("a", 5).await;
    assert_eq!(r.hits.len(), 5);
    assert!(r.more);
    let r = f.search_limit("王伟", 5).await;
    assert!(!r.more);
    let default = f.search("a").await;
    assert_eq!(default.hits.len(), 20);
    let mut seen = ids(&default);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 20, "no customer twice in one response");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_view_in_one_document() {
    let f = fixture().await;
    let res = f
        .get(&format!("/v1/customers/{}/view", f.known.jane), &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: CustomerView = res.json().await.unwrap();
    assert_eq!(v.profile.display_name, "Jane Okafor-Lindqvist");
    assert_eq!(v.profile.account_number, format!("ACC-{:07}", f.known.jane));
    assert_eq!(v.profile.phones[0].e164, "+44 •••••••123");
    assert_eq!(v.profile.phones[1].kind, PhoneKind::Home);
    assert_eq!(v.profile.emails, vec!["j•••@example.org"]);
    assert_eq!(v.preferences.contact_window.as_deref(), Some("09:00-17:00"));
    assert!(v.preferences.consent.email && !v.preferences.consent.sms);
    assert_eq!(v.preferences.version, 1);

    // Worked by hand: purchase days 10 Jan (50000 + 1500) and 9 Feb (700);
    // the July order is after as_of (30 June) and does not count.
    let s = &v.summary;
    assert_eq!(s.as_of, as_of());
    assert_eq!(s.currency, "GBP");
    assert_eq!(s.orders, 3);
    assert_eq!(s.lifetime_spend_minor, 52_200);
    assert_eq!(s.frequency, 1);
    assert_eq!(s.recency_days, 30);
    assert_eq!(s.t_days, 171);
    assert_eq!(s.monetary_minor, 700);
    assert_eq!(s.days_since_last_purchase, Some(141));
    assert_eq!(s.monthly_spend.len(), 12);
    assert_eq!(s.monthly_spend[0].month, "2024-07");
    assert_eq!(s.monthly_spend[6].month, "2025-01");
    assert_eq!(s.monthly_spend[6].amount_minor, 51_500);
    assert_eq!(s.monthly_spend[7].amount_minor, 700);
    assert_eq!(s.monthly_spend[11].amount_minor, 0);

    // Orders newest first, the July one included in the list.
    assert_eq!(v.recent_orders.len(), 4);
    assert!(
        v.recent_orders
            .windows(2)
            .all(|w| w[0].placed_at >= w[1].placed_at)
    );
    assert_eq!(v.recent_orders[0].total_minor, 2 * 1900);
    assert_eq!(v.recent_orders[0].items, 2);
    assert_eq!(v.recent_orders[0].categories, vec!["Chargers & power"]);

    // Open complaints only, soonest SLA first.
    assert_eq!(v.open_complaints.len(), 2);
    assert_eq!(v.open_complaints[0].severity, Severity::High);
    assert!(v.open_complaints[0].sla_due_at < v.open_complaints[1].sla_due_at);
    assert!(v.open_complaints.iter().all(|c| c.status.is_open()));

    // A long history: the latest 50 and a cursor.
    let v: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.known.paged), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v.interactions.len(), rapport_api::VIEW_INTERACTIONS);
    assert_eq!(
        v.interactions[0].notes,
        format!("Contact number {}", PAGED_INTERACTIONS - 1)
    );
    assert!(v.interactions_cursor.is_some());
    assert_eq!(v.summary.orders, 0);
    assert_eq!(v.summary.monetary_minor, 0);
    assert!(v.summary.first_purchase.is_none());

    // Seeded customers assemble too.
    for id in [1, 2, 3, SEEDED as i64] {
        let res = f.get(&format!("/v1/customers/{id}/view"), &[]).await;
        assert_eq!(res.status(), StatusCode::OK, "customer {id}");
        let v: CustomerView = res.json().await.unwrap();
        assert!(v.interactions.len() <= 50);
        assert!(
            v.open_complaints
                .windows(2)
                .all(|w| w[0].sla_due_at <= w[1].sla_due_at)
        );
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_without_gaps_or_repeats() {
    let f = fixture().await;
    let path = format!("/v1/customers/{}/interactions", f.known.paged);

    // Start where the view stops.
    let v: CustomerView = f
        .get(&format!("/v1/customers/{}/view", f.known.paged), &[])
        .await
        .json()
        .await
        .unwrap();
    let mut all: Vec<rapport_api::Interaction> = v.interactions.clone();
    let mut cursor = v.interactions_cursor.clone();
    let mut pages = 0;
    while let Some(c) = cursor {
        let page: InteractionPage = f
            .get(&path, &[("cursor", &c), ("limit", "25")])
            .await
            .json()
            .await
            .unwrap();
        assert!(page.items.len() <= 25);
        all.extend(page.items);
        cursor = page.next_cursor;
        pages += 1;
        assert!(pages < 20, "paging does not end");
    }
    assert_eq!(all.len(), PAGED_INTERACTIONS);
    let mut seen: Vec<i64> = all.iter().map(|i| i.id).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), PAGED_INTERACTIONS, "an interaction came twice");
    for w in all.windows(2) {
        assert!(
            (w[0].started_at, w[0].id) > (w[1].started_at, w[1].id),
            "not newest first: {:?} then {:?}",
            (w[0].started_at, w[0].id),
            (w[1].started_at, w[1].id)
        );
    }

    // From the start, one channel, small pages.
    let mut calls = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("channel", "call"), ("limit", "7")];
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let page: InteractionPage = f.get(&path, &q).await.json().await.unwrap();
        assert!(page.items.iter().all(|i| i.channel == Channel::Call));
        calls.extend(page.items.into_iter().map(|i| i.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(calls.len(), f.known.paged_calls);
    let mut dedup = calls.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), calls.len());

    // An exact multiple of the page size ends with no cursor, not an empty page.
    let page: InteractionPage = f
        .get(&path, &[("limit", &PAGED_INTERACTIONS.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.items.len(), PAGED_INTERACTIONS);
    assert!(page.next_cursor.is_none());
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_customers_are_found_at_once_and_typos_learn_them() {
    let f = fixture().await;
    // No seeded customer has this surname; one created while the server runs
    // is found by prefix and, through the shared vocabulary, by typo.
    assert!(f.search("Quenneville").await.hits.is_empty());
    let mut c = person("Océane", "Quenneville", "FR", "EUR");
    c.phones = vec![("+33 6 12 34 56 78".into(), PhoneKind::Mobile)];
    let id = customers::create(&f.db, &c).await.unwrap();
    for q in [
        "quenne",
        "Quenneville",
        "oceane quenn",
        "Quennevile",
        "Quenevill",
    ] {
        let r = f.search(q).await;
        assert_eq!(r.hits.first().map(|h| h.id), Some(id), "{q}: {r:?}");
    }
    let r = f.search("0612345678").await;
    assert_eq!(r.hits[0].id, id);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revealing_contact_details_needs_a_reason_and_is_audited() {
    let f = fixture().await;
    let jane = f.known.jane;
    let post = |id: i64, body: serde_json::Value| {
        f.http
            .post(format!("{}/v1/customers/{id}/reveal", f.url))
            .bearer_auth(&f.token)
            .json(&body)
            .send()
    };
    let res = post(
        jane,
        serde_json::json!({ "reason": "Verifying the caller's identity" }),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let r: rapport_api::RevealedContact = res.json().await.unwrap();
    assert_eq!(r.customer_id, jane);
    assert_eq!(r.phones[0].e164, "+447700900123");
    assert_eq!(r.emails, vec!["jane.okafor@example.org".to_string()]);
    assert_eq!(r.revealed_by.name, "Test Agent");

    // Who saw what, and why, is in the audit trail (a supervisor reads it);
    // the details are not.
    let (_, supervisor) = agents::add(&f.db, "Audit Supervisor", Role::Supervisor, None)
        .await
        .unwrap();
    let res = f
        .http
        .get(f.url("/v1/audit", &[("customer_id", &jane.to_string())]))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let trail: Vec<rapport_api::AuditEntry> = res.json().await.unwrap();
    let e = trail.iter().find(|e| e.id == r.audit_id).expect("audited");
    assert_eq!(e.action, "customer.reveal");
    assert_eq!(e.agent.as_ref().unwrap().name, "Test Agent");
    let after = e.after.as_ref().unwrap().to_string();
    assert!(
        after.contains("Verifying the caller") && !after.contains("900123"),
        "{after}"
    );

    let p = f
        .problem(
            post(jane, serde_json::json!({ "reason": "   " }))
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(p.errors[0].path, "/reason");
    let p = f
        .problem(
            post(jane, serde_json::json!({})).await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(p.detail.unwrap().contains("reason"));
    f.problem(
        post(9_999_999, serde_json::json!({ "reason": "x" }))
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    f.stop().await;
}

/// Tokens are checked from memory once checked, yet a revoked token is
/// refused at once when this process revokes it, and within
/// `auth::RECHECK` (plus a read) when another process does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_tokens_are_refused_at_once_or_within_a_bound() {
    use rapport_server::http::auth::RECHECK;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("tokens.sqlite"))
        .await
        .unwrap();
    let mei = agents::create(&db, "Mei Lin", Role::Agent, None)
        .await
        .unwrap();
    let first = agents::replace_labelled_token(&db, mei.id, "desk")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(listener, db.clone(), ServerConfig::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let me = |token: String| {
        let (http, url) = (http.clone(), handle.url());
        async move {
            http.get(format!("{url}/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Checked once, then from memory.
    assert_eq!(me(first.clone()).await, StatusCode::OK);
    assert_eq!(me(first.clone()).await, StatusCode::OK);

    // Revoked here (a new token under the same label): refused at once.
    let second = agents::replace_labelled_token(&db, mei.id, "desk")
        .await
        .unwrap();
    assert_eq!(me(first.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(second.clone()).await, StatusCode::OK);

    // Revoked by another process (a plain delete on the file, which this
    // process does not see happen): refused within the bound.
    sqlx::query("DELETE FROM api_tokens WHERE token_sha256 = ?")
        .bind(agents::token_hash(&second))
        .execute(db.pool())
        .await
        .unwrap();
    let t = std::time::Instant::now();
    while me(second.clone()).await == StatusCode::OK {
        assert!(
            t.elapsed() < RECHECK * 3,
            "a token revoked elsewhere still let in after {:?}",
            t.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // A role changed elsewhere is seen within the bound too.
    let third = agents::replace_labelled_token(&db, mei.id, "desk")
        .await
        .unwrap();
    let role = |token: String| {
        let (http, url) = (http.clone(), handle.url());
        async move {
            let me: Me = http
                .get(format!("{url}/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            me.agent.role
        }
    };
    assert_eq!(role(third.clone()).await, Role::Agent);
    sqlx::query("UPDATE agents SET role = 'supervisor' WHERE id = ?")
        .bind(mei.id)
        .execute(db.pool())
        .await
        .unwrap();
    let t = std::time::Instant::now();
    while role(third.clone()).await == Role::Agent {
        assert!(t.elapsed() < RECHECK * 3, "the old role still used");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    handle.shutdown().await;
    db.close().await;
}

/// Expired tokens and disabled agents are refused with a sentence that
/// says so; failed sign-ins are throttled per address (429 with
/// Retry-After); a token's last use is recorded.
// On SQLite: `serve` does not run on PostgreSQL yet (docs/STORAGE.md); the
// token store itself is tested on both engines in `agents::tests`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_agents_disable_and_failures_are_throttled() {
    use rapport_server::http::auth::SignInLimit;
    let t = rapport_server::testing::TestDb::sqlite().await;
    let db = t.db.clone();
    let mei = agents::create(&db, "Mei Lin", Role::Agent, None)
        .await
        .unwrap();
    let valid = agents::issue_token_for(&db, mei.id, 30).await.unwrap();
    // A token that expired a minute ago, stored as the issuer would.
    let expired = "rpt_expired_for_the_test";
    {
        let now = Utc::now().timestamp();
        let mut tx = db.begin().await.unwrap();
        tx.insert_token(
            &agents::token_hash(expired),
            mei.id,
            None,
            now - 600,
            now - 60,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(
        listener,
        db.clone(),
        ServerConfig {
            sign_in: SignInLimit {
                failures: 3,
                window: std::time::Duration::from_secs(60),
            },
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let url = handle.url();
    let me = |token: &str| http.get(format!("{url}/v1/me")).bearer_auth(token).send();

    let r = me(&valid).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let r = me(expired).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let p: Problem = r.json().await.unwrap();
    assert!(
        p.detail
            .as_deref()
            .unwrap_or_default()
            .contains("expired on"),
        "{p:?}"
    );

    agents::set_disabled(&db, mei.id, true).await.unwrap();
    let r = me(&valid).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let p: Problem = r.json().await.unwrap();
    assert!(
        p.detail.as_deref().unwrap_or_default().contains("disabled"),
        "{p:?}"
    );
    agents::set_disabled(&db, mei.id, false).await.unwrap();
    assert_eq!(me(&valid).await.unwrap().status(), StatusCode::OK);

    // Two failures so far (expired, disabled); a third fills the window.
    let r = me("rpt_guess").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = me(&valid).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        PROBLEM_JSON
    );
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let p: Problem = r.json().await.unwrap();
    assert!(
        p.detail
            .as_deref()
            .unwrap_or_default()
            .contains("failed sign-ins"),
        "{p:?}"
    );
    // Without a token at all it is still 401 (not a guess).
    let r = http.get(format!("{url}/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The valid token's use is written when the server stops.
    assert_eq!(
        agents::tokens(&db, Some(mei.id))
            .await
            .unwrap()
            .iter()
            .find(|t| t.expires_at > Utc::now().timestamp())
            .unwrap()
            .last_used_at,
        None
    );
    handle.shutdown().await;
    let listed = agents::tokens(&db, Some(mei.id)).await.unwrap();
    let used = listed
        .iter()
        .find(|t| t.expires_at > Utc::now().timestamp())
        .unwrap();
    let at = used.last_used_at.expect("the last use recorded");
    assert!((at - Utc::now().timestamp()).abs() < 30, "{at}");
}

/// Jane's contact details in every spelling a response could carry them.
const JANE_SECRETS: [&str; 9] = [
    "7700900123",
    "7700 900123",
    "1632960001",
    "jane.okafor",
    "Test Street",
    "6AN",
    "1980-04-01",
    "+44 7700",
    "okafor@",
];

fn assert_no_secret(what: &str, body: &str) {
    for s in JANE_SECRETS {
        assert!(!body.contains(s), "{what} carries {s:?} unmasked: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_details_leave_the_server_only_through_an_audited_reveal() {
    let f = fixture().await;
    let jane = f.known.jane;
    let mut tokens = vec![(Role::Agent, f.token.clone())];
    for (name, role) in [
        ("Mask Supervisor", Role::Supervisor),
        ("Mask Admin", Role::Admin),
    ] {
        let (_, t) = agents::add(&f.db, name, role, None).await.unwrap();
        tokens.push((role, t));
    }
    let jane_s = jane.to_string();
    let reads: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/v1/customers/{jane}/view"), vec![]),
        (format!("/v1/customers/{jane}/interactions"), vec![]),
        ("/v1/customers".into(), vec![("q", "+447700900123")]),
        ("/v1/customers".into(), vec![("q", "07700 900123")]),
        ("/v1/customers".into(), vec![("q", "900123")]),
        (
            "/v1/customers".into(),
            vec![("q", "jane.okafor@example.org")],
        ),
        ("/v1/customers".into(), vec![("q", "jane.okafor")]),
        ("/v1/customers".into(), vec![("q", "Okafor")]),
        ("/v1/customers/by-phone/+447700900123".into(), vec![]),
        ("/v1/customers/by-phone/+441632960001".into(), vec![]),
        ("/v1/audit".into(), vec![("customer_id", jane_s.as_str())]),
        ("/v1/complaints/at-risk".into(), vec![]),
        ("/v1/approvals".into(), vec![]),
        ("/v1/desk".into(), vec![]),
    ];
    for (role, token) in &tokens {
        for (path, query) in &reads {
            let res = f
                .http
                .get(f.url(path, query))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let mut body = res.text().await.unwrap();
            // A search echoes the query as sent: the caller's own text.
            if let Ok(mut json) = serde_json::from_str::<serde_json::Value>(&body)
                && let Some(o) = json.as_object_mut()
                && o.remove("query").is_some()
            {
                body = json.to_string();
            }
            assert!(
                status == StatusCode::OK || status == StatusCode::FORBIDDEN,
                "{role:?} {path} {query:?}: {status} {body}"
            );
            assert_no_secret(&format!("{role:?} {path} {query:?}"), &body);
        }

        // The view says its details are masked, and masks them the same way
        // the client used to.
        let res = f
            .http
            .get(f.url(&format!("/v1/customers/{jane}/view"), &[]))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let v: CustomerView = res.json().await.unwrap();
        assert!(v.profile.contact_masked);
        assert_eq!(v.profile.phones[0].e164, "+44 •••••••123");
        assert_eq!(v.profile.emails, vec!["j•••@example.org".to_string()]);
        assert_eq!(v.profile.address.line1, "•••");
        assert_eq!(v.profile.address.postcode, "E1 •••");
        assert_eq!(v.profile.address.city, "London");
        assert_eq!(v.profile.birthday, None);

        // A full number or email still finds Jane; the hit shows it masked.
        for (q, field, shown) in [
            ("+447700900123", MatchField::Phone, "+44 •••••••123"),
            ("07700 900123", MatchField::Phone, "+44 •••••••123"),
            (
                "jane.okafor@example.org",
                MatchField::Email,
                "j•••@example.org",
            ),
        ] {
            let res = f
                .http
                .get(f.url("/v1/customers", &[("q", q)]))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let r: SearchResponse = res.json().await.unwrap();
            let h = r.hits.first().unwrap_or_else(|| panic!("{q}: no hits"));
            assert_eq!(
                (h.id, h.matched_field, h.matched_text.as_str()),
                (jane, field, shown),
                "{q}"
            );
        }
    }

    // Agents and supervisors may reveal, each reveal audited; admins may not,
    // and a refusal records nothing and shows nothing.
    let (_, reader) = agents::add(&f.db, "Mask Auditor", Role::Supervisor, None)
        .await
        .unwrap();
    let trail = || async {
        let res = f
            .http
            .get(f.url("/v1/audit", &[("customer_id", &jane_s), ("limit", "200")]))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let t: Vec<rapport_api::AuditEntry> = res.json().await.unwrap();
        t.into_iter()
            .filter(|e| e.action == "customer.reveal")
            .count()
    };
    let before = trail().await;
    for (role, token) in &tokens {
        let res = f
            .http
            .post(format!("{}/v1/customers/{jane}/reveal", f.url))
            .bearer_auth(token)
            .json(&serde_json::json!({ "reason": "Verifying the caller's identity" }))
            .send()
            .await
            .unwrap();
        if *role == Role::Admin {
            let p = f.problem(res, StatusCode::FORBIDDEN).await;
            assert!(p.detail.unwrap().contains("agents and supervisors"));
        } else {
            assert_eq!(res.status(), StatusCode::OK, "{role:?}");
            let r: rapport_api::RevealedContact = res.json().await.unwrap();
            assert_eq!(r.phones[0].e164, "+447700900123");
            assert_eq!(r.address.line1, "1 Test Street");
            assert_eq!(r.birthday, NaiveDate::from_ymd_opt(1980, 4, 1));
        }
    }
    assert_eq!(trail().await, before + 2, "one audit entry per reveal");
    f.stop().await;
}
