//! Who may call what: every route the router is built from
//! (`rapport_server::http::route_table`), called with no token and with the
//! token of each role, against a real server over a seeded SQLite file.
//! The expected table below must name every route: a route added to the
//! router without a line here fails the test, so none can skip its rule.

use chrono::NaiveDate;
use rapport_api::Role;
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, agents};
use reqwest::{Method, StatusCode};

/// What a role gets from a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum May {
    /// Never refused for the role (any status but 401 and 403).
    Yes,
    /// Always 403 for the role.
    No,
    /// Allowed or refused by the record or the body (a call hook: the
    /// telephony system's, or the agent's own call; a complaint: its owner
    /// or a supervisor); never 401.
    Depends,
}
use May::{Depends, No, Yes};

/// (method, path, agent, supervisor, admin).
const EXPECTED: &[(&str, &str, May, May, May)] = &[
    ("GET", "/health", Yes, Yes, Yes),
    ("GET", "/openapi.json", Yes, Yes, Yes),
    ("GET", "/v1/me", Yes, Yes, Yes),
    ("GET", "/v1/customers", Yes, Yes, Yes),
    ("GET", "/v1/customers/by-phone/{e164}", Yes, Yes, Yes),
    ("GET", "/v1/customers/{id}/view", Yes, Yes, Yes),
    ("POST", "/v1/customers/{id}/reveal", Yes, Yes, No),
    ("GET", "/v1/customers/{id}/interactions", Yes, Yes, Yes),
    ("PATCH", "/v1/customers/{id}/preferences", Yes, Yes, Yes),
    ("POST", "/v1/interactions", Yes, Yes, Yes),
    ("POST", "/v1/complaints", Yes, Yes, Yes),
    ("GET", "/v1/complaints/at-risk", No, Yes, Yes),
    ("GET", "/v1/complaints/{id}", Yes, Yes, Yes),
    ("PATCH", "/v1/complaints/{id}", Depends, Yes, Yes),
    (
        "POST",
        "/v1/complaints/{id}/recovery-actions",
        Yes,
        Yes,
        Yes,
    ),
    ("POST", "/v1/recovery-actions/{id}/approve", No, Yes, Yes),
    ("POST", "/v1/recovery-actions/{id}/reject", No, Yes, Yes),
    ("GET", "/v1/approvals", No, Yes, Yes),
    ("GET", "/v1/taxonomy", Yes, Yes, Yes),
    ("GET", "/v1/me/authority", Yes, Yes, Yes),
    ("PUT", "/v1/presence", Yes, Yes, Yes),
    ("GET", "/v1/audit", No, Yes, Yes),
    ("GET", "/v1/events", Yes, Yes, Yes),
    ("POST", "/v1/orders", Yes, Yes, Yes),
    ("POST", "/v1/suggestions/{id}/response", Yes, Yes, Yes),
    ("GET", "/v1/analytics/insights", Yes, Yes, Yes),
    ("POST", "/v1/calls", Depends, Depends, Yes),
    ("GET", "/v1/queues", Yes, Yes, Yes),
    ("GET", "/v1/queues/report", No, Yes, Yes),
    ("GET", "/v1/queues/{id}/what-if", No, Yes, Yes),
    ("GET", "/v1/desk", No, Yes, Yes),
    ("GET", "/v1/agents", No, Yes, Yes),
    ("GET", "/v1/agents/me/state", Yes, Yes, Yes),
    ("PUT", "/v1/agents/me/state", Yes, Yes, Yes),
];

/// A concrete path for a route: ids of records that exist.
fn concrete(path: &str) -> String {
    path.replace("{e164}", "+447700900123").replace("{id}", "1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_by_every_role_and_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("authz.sqlite"))
        .await
        .unwrap();
    seed::seed(
        &db,
        &SeedOptions {
            customers: 30,
            seed: 3,
            anchor: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    let mut tokens = Vec::new();
    for (name, role) in [
        ("Authz Agent", Role::Agent),
        ("Authz Supervisor", Role::Supervisor),
        ("Authz Admin", Role::Admin),
    ] {
        tokens.push((role, agents::add(&db, name, role, None).await.unwrap().1));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // Every route is tried with a bad token: more failed sign-ins from one
    // address than the throttle allows by default (tested on its own in
    // tests/api.rs), so the limit is raised here.
    let cfg = ServerConfig {
        sign_in: rapport_server::http::auth::SignInLimit {
            failures: 100_000,
            window: std::time::Duration::from_secs(60),
        },
        ..ServerConfig::default()
    };
    let handle = rapport_server::serve(listener, db.clone(), cfg)
        .await
        .unwrap();
    let base = handle.url();
    let http = reqwest::Client::new();

    // The table names exactly the routes the router has.
    let table = rapport_server::http::route_table();
    let mut have: Vec<String> = table.iter().map(|(m, p)| format!("{m} {p}")).collect();
    let mut want: Vec<String> = EXPECTED
        .iter()
        .map(|e| format!("{} {}", e.0, e.1))
        .collect();
    have.sort();
    want.sort();
    assert_eq!(
        have, want,
        "every route needs a line in EXPECTED saying who may call it"
    );

    let sent = std::sync::atomic::AtomicUsize::new(0);
    let send = |method: Method, path: String, token: Option<String>| {
        let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut req = http
            .request(method.clone(), format!("{base}{path}"))
            .header("Idempotency-Key", format!("authz-{n}"))
            .header("If-Match", "\"1\"");
        if method != Method::GET {
            req = req.header("content-type", "application/json").body("{}");
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let res = tokio::time::timeout(std::time::Duration::from_secs(20), req.send())
                .await
                .unwrap_or_else(|_| panic!("{method} {path} did not answer"))
                .unwrap();
            res.status()
        }
    };

    // Every status seen must be declared for its route in the OpenAPI
    // document.
    let doc = serde_json::to_value(rapport_server::http::openapi()).unwrap();
    let mut undeclared = Vec::new();
    let mut declared = |method: &Method, path: &str, s: StatusCode| {
        let op = &doc["paths"][path][method.as_str().to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{method} {path} is not in the OpenAPI document"
        );
        if op["responses"].get(s.as_str()).is_none() {
            undeclared.push(format!("{method} {path} {}", s.as_u16()));
        }
    };

    for (method, path, agent, supervisor, admin) in EXPECTED {
        let method: Method = method.parse().unwrap();
        let url = concrete(path);
        let open = !path.starts_with("/v1/");
        // No token: 401 on every /v1 route.
        let s = send(method.clone(), url.clone(), None).await;
        declared(&method, path, s);
        if open {
            assert_eq!(s, StatusCode::OK, "{method} {path} without a token");
        } else {
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token"
            );
        }
        let s = send(method.clone(), url.clone(), Some("rpt_not-a-token".into())).await;
        if !open {
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with a bad token"
            );
        }
        for ((role, token), may) in tokens.iter().zip([agent, supervisor, admin]) {
            let s = send(method.clone(), url.clone(), Some(token.clone())).await;
            declared(&method, path, s);
            assert!(!s.is_server_error(), "{method} {path} as {role:?}: {s}");
            assert_ne!(s, StatusCode::UNAUTHORIZED, "{method} {path} as {role:?}");
            match may {
                Yes => assert_ne!(s, StatusCode::FORBIDDEN, "{method} {path} as {role:?}"),
                No => assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path} as {role:?}"),
                Depends => {}
            }
        }
    }
    undeclared.sort();
    undeclared.dedup();
    assert!(
        undeclared.is_empty(),
        "statuses the API returned that its OpenAPI document does not declare:\n{}",
        undeclared.join("\n")
    );
    handle.shutdown().await;
}
