//! The server as the terminal client embeds it, and the agent library.

use rapport_api::{Me, Role};
use rapport_server::embedded::{self, EmbeddedOptions};
use rapport_server::{Db, agents};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_seeds_and_later_starts_reuse_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let opts = EmbeddedOptions {
        database_path: dir.path().join("nested").join("rapport.db"),
        demo_customers: 60,
        seed: 3,
        agent_name: "Demo Agent".into(),
        role: Role::Agent,
        simulate: true,
    };
    let calls = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| calls.lock().unwrap().push((done, total));
    let first = embedded::start(opts.clone(), &progress).await.unwrap();
    assert!(first.seeded_now);
    assert_eq!(first.agent.name, "Demo Agent");
    assert_eq!(first.agent.role, Role::Agent);
    let calls = calls.into_inner().unwrap();
    assert_eq!(calls.first(), Some(&(0, 60)));
    assert_eq!(calls.last(), Some(&(60, 60)));
    assert!(first.handle.url().starts_with("http://127.0.0.1:"));

    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", first.handle.url()))
            .bearer_auth(&first.token)
            .send()
    };
    let me: Me = get("/v1/me").await.unwrap().json().await.unwrap();
    assert_eq!(me.agent, first.agent);
    // The simulator runs: the demo queues have had calls in the last 30
    // minutes already (it plays them on start), and the demo agent serves
    // every queue, signed off until they choose otherwise.
    let queues: Vec<rapport_api::QueueLive> =
        get("/v1/queues").await.unwrap().json().await.unwrap();
    assert_eq!(queues.len(), 5);
    assert!(
        queues.iter().map(|q| q.window.offered).sum::<u32>() > 10,
        "{queues:?}"
    );
    let state: rapport_api::AgentStatus = get("/v1/agents/me/state")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state.queues.len(), 5);
    assert_eq!(state.state, rapport_api::AgentState::Offline);
    let old_token = first.token.clone();
    first.handle.shutdown().await;

    let second = embedded::start(opts, &|_, _| panic!("no seeding the second time"))
        .await
        .unwrap();
    assert!(!second.seeded_now);
    assert_eq!(second.agent.id, me.agent.id);
    let url = format!("{}/v1/me", second.handle.url());
    let res = http
        .get(&url)
        .bearer_auth(&second.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The previous run's token was replaced, not kept alongside.
    let res = http.get(&url).bearer_auth(&old_token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    second.handle.shutdown().await;
}

#[tokio::test]
async fn agents_are_named_once_and_tokens_are_stored_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("a.db").display()))
        .await
        .unwrap();
    let (agent, token) = agents::add(&db, "Ada Lovelace", Role::Supervisor, Some("Billing"))
        .await
        .unwrap();
    assert_eq!(agent.team.as_deref(), Some("Billing"));
    assert!(token.starts_with(agents::TOKEN_PREFIX));
    let err = agents::add(&db, "Ada Lovelace", Role::Agent, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");

    assert_eq!(
        agents::find_by_name(&db, "Ada Lovelace").await.unwrap(),
        Some(agent.clone())
    );
    assert_eq!(agents::find_by_name(&db, "Nobody").await.unwrap(), None);
    assert_eq!(
        agents::authenticate(&db, &token).await.unwrap(),
        Some(agent.clone())
    );
    let second = agents::issue_token(&db, agent.id).await.unwrap();
    assert_ne!(second, token);
    assert_eq!(
        agents::authenticate(&db, &second).await.unwrap(),
        Some(agent.clone())
    );
    assert!(agents::issue_token(&db, 9999).await.is_err());

    // Only hashes are stored.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_sha256 FROM api_tokens")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.contains(&agents::token_hash(&token)));
    assert!(
        !stored
            .iter()
            .any(|s| s.contains(&token[agents::TOKEN_PREFIX.len()..]))
    );
}
