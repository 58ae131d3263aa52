//! The client's HTTP layer against a real reference server on a loopback
//! port over a temporary SQLite file: every endpoint the client uses,
//! paging, the channel filter, and problem+json errors turned into
//! sentences. This is the contract between `rapport` and the server.

use std::time::Duration;

use rapport::api::{ApiClient, ApiError, ServerTarget};
use rapport_api::{Channel, Role};
use rapport_server::{Db, ServerConfig, agents, seed};

struct Server {
    handle: rapport_server::ServerHandle,
    token: String,
    _dir: tempfile::TempDir,
}

async fn server(customers: u64) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("api.sqlite"))
        .await
        .unwrap();
    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let opts = seed::SeedOptions {
        customers,
        seed: 11,
        anchor,
    };
    seed::seed(&db, &opts, &|_, _| {}).await.unwrap();
    let (_agent, token) = agents::add(&db, "Client Test", Role::Agent, Some("Billing"))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(
        listener,
        db,
        ServerConfig {
            as_of: Some(anchor),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    Server {
        handle,
        token,
        _dir: dir,
    }
}

fn client(url: &str, token: &str) -> ApiClient {
    let target = ServerTarget {
        base_url: url.to_string(),
        token: token.to_string(),
    };
    ApiClient::new(&target, Duration::from_secs(10)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_the_client_uses() {
    let s = server(60).await;
    let api = client(&s.handle.url(), &s.token);

    let health = api.health().await.unwrap();
    assert_eq!(health.status, "ok");
    let me = api.me().await.unwrap();
    assert_eq!(me.agent.name, "Client Test");

    // Find a customer by account number, then by part of their name.
    let view = api.customer_view(1).await.unwrap();
    let account = view.profile.account_number.clone();
    let hits = api.search(&account, 5).await.unwrap();
    assert_eq!(hits.hits.first().map(|h| h.id), Some(1), "{hits:?}");
    let family: String = view.profile.family_name.chars().take(4).collect();
    let hits = api.search(&family, 20).await.unwrap();
    assert!(hits.hits.len() <= 20);
    assert!(!hits.hits.is_empty(), "no hit for {family}");

    // History pages follow the view's cursor and never repeat an item.
    let mut seen: Vec<i64> = view.interactions.iter().map(|i| i.id).collect();
    let mut cursor = view.interactions_cursor.clone();
    let mut pages = 0;
    while let Some(c) = cursor.take() {
        let page = api.interactions(1, Some(&c), None).await.unwrap();
        for it in &page.items {
            assert!(!seen.contains(&it.id), "interaction {} twice", it.id);
            seen.push(it.id);
        }
        cursor = page.next_cursor;
        pages += 1;
        assert!(pages < 100);
    }
    // The channel filter returns only that channel.
    let calls = api
        .interactions(1, None, Some(Channel::Call))
        .await
        .unwrap();
    assert!(calls.items.iter().all(|i| i.channel == Channel::Call));

    // A reveal answers with the details the view masks on screen.
    let r = api
        .reveal(1, rapport_api::privacy::REVEAL_REASONS[0])
        .await
        .unwrap();
    assert!(view.profile.contact_masked);
    let masked: Vec<String> = r
        .phones
        .iter()
        .map(|p| rapport_api::mask_phone(&p.e164))
        .collect();
    let shown: Vec<String> = view.profile.phones.iter().map(|p| p.e164.clone()).collect();
    assert_eq!(masked, shown);
    assert!(r.phones.iter().all(|p| !p.e164.contains('•')));
    assert_eq!(r.revealed_by.name, "Client Test");
    let e = api.reveal(1, " ").await.unwrap_err();
    assert!(e.to_string().contains("Reason is required"), "{e}");

    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_problems_with_a_sentence() {
    let s = server(5).await;
    let api = client(&s.handle.url(), "not-a-token");
    let e = api.me().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
    assert!(!e.is_connection());
    assert!(!e.to_string().is_empty());

    let api = client(&s.handle.url(), &s.token);
    let e = api.customer_view(987_654).await.unwrap_err();
    assert!(
        matches!(e, ApiError::Problem(ref p) if p.status == 404),
        "{e:?}"
    );
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_is_unreachable_in_words() {
    let s = server(1).await;
    let url = s.handle.url();
    s.handle.shutdown().await;
    let e = client(&url, &s.token).health().await.unwrap_err();
    assert!(e.is_connection());
    assert_eq!(
        e.to_string(),
        format!("Server not reachable at {url}: connection refused")
    );
}
