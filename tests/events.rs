//! The live event stream under a link that keeps breaking: 50 writes a
//! second for 10 seconds while a proxy between client and server cuts every
//! connection every few hundred milliseconds. The client's stream task
//! (reconnect with backoff, resume with Last-Event-ID) must deliver every
//! event exactly once, in order: no gap, no repeat.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use rapport::api::{ApiClient, ServerTarget};
use rapport::app::Action;
use rapport_api::{EventBody, Interaction, Role};
use rapport_server::{Db, ServerConfig, agents, seed};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP proxy whose connections can all be cut at once.
struct Proxy {
    port: u16,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let registry = conns.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                registry.lock().unwrap().push(task);
            }
        });
        Proxy { port, conns }
    }

    /// Drop every open connection (both sides see it close).
    fn cut(&self) -> usize {
        let mut c = self.conns.lock().unwrap();
        let n = c.iter().filter(|t| !t.is_finished()).count();
        for t in c.drain(..) {
            t.abort();
        }
        n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_breaking_link_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("s.sqlite"))
        .await
        .unwrap();
    seed::seed(
        &db,
        &seed::SeedOptions {
            customers: 10,
            seed: 3,
            anchor: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    let (_, writer_token) = agents::add(&db, "Writer", Role::Agent, None).await.unwrap();
    let (_, reader_token) = agents::add(&db, "Reader", Role::Agent, None).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_port = listener.local_addr().unwrap().port();
    let server = rapport_server::serve(listener, db, ServerConfig::default())
        .await
        .unwrap();
    let proxy = Proxy::start(server_port).await;
    // The reader has the customers written about open: a stream carries
    // the events about the customers its agent has open.
    let http = reqwest::Client::new();
    for c in 1..=10 {
        let res = http
            .get(format!(
                "http://127.0.0.1:{server_port}/v1/customers/{c}/view"
            ))
            .bearer_auth(&reader_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    // The client's own stream task, through the proxy.
    let api = ApiClient::new(
        &ServerTarget {
            base_url: format!("http://127.0.0.1:{}", proxy.port),
            token: reader_token,
        },
        Duration::from_secs(5),
    )
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let wake = Arc::new(tokio::sync::Notify::new());
    let stream = tokio::spawn(rapport::api::events::run(api, tx, None, wake));
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(Action::EventsUp)) => break,
            Ok(Some(_)) => {}
            other => panic!("the stream did not open: {other:?}"),
        }
    }

    // 50 writes a second for 10 seconds, straight to the server.
    let writer = {
        let url = format!("http://127.0.0.1:{server_port}/v1/interactions");
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let mut ids = Vec::new();
            for n in 0..500 {
                tick.tick().await;
                let res = http
                    .post(&url)
                    .bearer_auth(&writer_token)
                    .header("Idempotency-Key", format!("sse-{n}"))
                    .json(&serde_json::json!({
                        "customer_id": 1 + n % 10, "channel": "chat", "direction": "inbound",
                        "reason": "Billing query", "notes": format!("event {n}"),
                        "outcome": "Resolved"
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                ids.push(res.json::<Interaction>().await.unwrap().id);
            }
            ids
        })
    };
    // Meanwhile, cut the link every 150 to 450 ms.
    let cutter = {
        let conns = proxy.conns.clone();
        let p = Proxy {
            port: proxy.port,
            conns,
        };
        tokio::spawn(async move {
            let mut cuts = 0;
            for _ in 0..200 {
                let ms = rand::rng().random_range(150..450);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                if p.cut() > 0 {
                    cuts += 1;
                }
            }
            cuts
        })
    };
    let written = writer.await.unwrap();

    let mut event_ids = Vec::new();
    let mut seen = Vec::new();
    let mut downs = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < written.len() {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Action::ServerEvent(e))) => {
                if let EventBody::InteractionCreated(i) = e.body {
                    event_ids.push(e.id.expect("durable events carry an id"));
                    seen.push(i.id);
                }
            }
            Ok(Some(Action::EventsDown { .. })) => downs += 1,
            Ok(Some(_)) => {}
            other => panic!(
                "stopped after {} of {} events ({other:?})",
                seen.len(),
                written.len()
            ),
        }
    }
    cutter.abort();
    stream.abort();
    assert!(downs >= 10, "the link broke only {downs} times");
    assert_eq!(seen, written, "every write, once, in commit order");
    let first = event_ids[0];
    let expected: Vec<i64> = (first..first + event_ids.len() as i64).collect();
    assert_eq!(event_ids, expected, "event ids without a gap or repeat");
    server.shutdown().await;
}
