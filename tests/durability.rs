//! Nothing lost, nothing doubled, whatever dies.
//!
//! - The server is killed with SIGKILL again and again while the outbox
//!   drains 1,000 queued writes: afterwards the database holds exactly
//!   1,000 rows, each written once.
//! - The client is killed with SIGKILL again and again between queueing
//!   1,000 writes and their acknowledgement: each restart adopts what is on
//!   disk and carries on; afterwards exactly 1,000 rows, each once.
//!
//! Killing needs processes, so this file has its own `main` (no test
//! harness): run as a child with `RAPPORT_DURABILITY_ROLE=server|client` it
//! plays that part; otherwise it runs the tests and exits non-zero when one
//! fails. Arguments that are not flags filter the tests by name.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use rapport::api::{ApiClient, ServerTarget};
use rapport::app::{Action, WriteKind, WriteMethod, WriteRequest};
use rapport::outbox::{self, Store};
use rapport_api::Role;
use rapport_server::{Db, ServerConfig, agents, seed};

const ROLE: &str = "RAPPORT_DURABILITY_ROLE";
const WRITES: usize = 1000;

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("server") => return child_server(),
        Ok("client") => return child_client(),
        _ => {}
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tests: [(&str, fn()); 2] = [
        ("server_killed_while_the_outbox_drains", server_killed),
        (
            "client_killed_between_queueing_and_acknowledgement",
            client_killed,
        ),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let started = Instant::now();
        let ok = std::panic::catch_unwind(test).is_ok();
        println!(
            "test {name} ... {} ({:.1} s)",
            if ok { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        failed += usize::from(!ok);
    }
    if failed > 0 {
        println!("test result: FAILED. {failed} failed");
        std::process::exit(1);
    }
    println!("test result: ok.");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A seeded database and an agent's token.
fn prepare(path: &Path) -> String {
    runtime().block_on(async {
        let db = Db::connect_path(path).await.unwrap();
        seed::seed(
            &db,
            &seed::SeedOptions {
                customers: 20,
                seed: 5,
                anchor: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            },
            &|_, _| {},
        )
        .await
        .unwrap();
        let (_, token) = agents::add(&db, "Durable Agent", Role::Agent, None)
            .await
            .unwrap();
        db.close().await;
        token
    })
}

fn interaction(n: usize, tag: &str) -> WriteRequest {
    WriteRequest {
        method: WriteMethod::Post,
        path: "/v1/interactions".into(),
        if_match: None,
        body: serde_json::json!({
            "customer_id": 1 + (n % 20) as i64,
            "channel": "call",
            "direction": "inbound",
            "reason": "Billing query",
            "notes": format!("{tag} {n}"),
            "outcome": "Resolved",
        }),
        summary: format!("{tag} {n}"),
        customer_id: Some(1),
        kind: WriteKind::Interaction,
        draft: None,
    }
}

/// (rows with notes starting `tag`, distinct notes among them, distinct
/// idempotency keys in the audit trail for them).
fn count(path: &Path, tag: &str) -> (i64, i64, i64) {
    runtime().block_on(async {
        let db = Db::connect_path(path).await.unwrap();
        let like = format!("{tag} %");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM interactions WHERE notes LIKE ?")
            .bind(&like)
            .fetch_one(db.pool())
            .await
            .unwrap();
        let distinct: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT notes) FROM interactions WHERE notes LIKE ?")
                .bind(&like)
                .fetch_one(db.pool())
                .await
                .unwrap();
        let keys: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT l.request_key) FROM audit_log l JOIN interactions i \
             ON i.id = l.entity_id WHERE l.entity = 'interaction' AND i.notes LIKE ?",
        )
        .bind(&like)
        .fetch_one(db.pool())
        .await
        .unwrap();
        db.close().await;
        (rows, distinct, keys)
    })
}

// ------------------------------------------------------------ server killed

fn spawn_server(db: &Path, port: u16) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .env(ROLE, "server")
        .env("DB", db)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server child")
}

fn child_server() {
    let db = PathBuf::from(std::env::var("DB").unwrap());
    let port: u16 = std::env::var("PORT").unwrap().parse().unwrap();
    runtime().block_on(async move {
        let db = Db::connect_path(&db).await.unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let _handle = rapport_server::serve(listener, db, ServerConfig::default())
            .await
            .unwrap();
        std::future::pending::<()>().await;
    });
}

fn server_killed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite");
    let token = prepare(&db);
    let port = free_port();
    let server = Arc::new(std::sync::Mutex::new(Guard(spawn_server(&db, port))));

    // Kill and restart the server at random moments until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicU32::new(0));
    let killer = {
        let (server, stop, kills, db) = (server.clone(), stop.clone(), kills.clone(), db.clone());
        std::thread::spawn(move || {
            let mut rng = rand::rng();
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(rng.random_range(150..500)));
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let mut guard = server.lock().unwrap();
                guard.0.kill().ok(); // SIGKILL
                guard.0.wait().ok();
                kills.fetch_add(1, Ordering::Relaxed);
                // Down for a moment, as after a crash.
                std::thread::sleep(Duration::from_millis(rng.random_range(20..200)));
                guard.0 = spawn_server(&db, port);
            }
        })
    };

    let acked = runtime().block_on(async {
        let opened = Store::open(&dir.path().join("outbox")).unwrap();
        let mut store = opened.store;
        let mut pending = Vec::new();
        for n in 0..WRITES {
            pending.push(store.put(interaction(n, "server-kill")).unwrap());
        }
        let api = ApiClient::new(
            &ServerTarget {
                base_url: format!("http://127.0.0.1:{port}"),
                token: token.clone(),
            },
            Duration::from_secs(5),
        )
        .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _outbox = outbox::spawn(store, pending, api, tx);
        let mut acked = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        while acked < WRITES {
            let a = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .expect("the outbox drains within five minutes")
                .expect("the outbox runs");
            match a {
                Action::WriteAcked { .. } => acked += 1,
                Action::WriteRefused { failed, .. } => {
                    panic!("a write was refused: {}", failed.reason)
                }
                _ => {}
            }
        }
        acked
    });
    stop.store(true, Ordering::Relaxed);
    killer.join().unwrap();
    drop(server);
    let kills = kills.load(Ordering::Relaxed);
    let (rows, distinct, keys) = count(&db, "server-kill");
    println!("  {acked} acknowledged across {kills} server kills; {rows} rows");
    assert!(kills >= 3, "the server was killed only {kills} times");
    assert_eq!(rows, WRITES as i64, "exactly one row per write");
    assert_eq!(distinct, WRITES as i64, "no write doubled, none lost");
    assert_eq!(keys, WRITES as i64, "one idempotency key per row");
}

// ------------------------------------------------------------ client killed

/// The client child: adopt whatever earlier (killed) runs left on disk,
/// queue the writes if asked to, then send until the queue is empty.
fn child_client() {
    let dir = PathBuf::from(std::env::var("OUTBOX").unwrap());
    let url = std::env::var("URL").unwrap();
    let token = std::env::var("TOKEN").unwrap();
    let enqueue = std::env::var("ENQUEUE").is_ok();
    runtime().block_on(async move {
        let opened = Store::open(&dir).unwrap();
        let mut store = opened.store;
        let mut pending = opened.pending;
        if enqueue {
            for n in 0..WRITES {
                pending.push(store.put(interaction(n, "client-kill")).unwrap());
            }
            println!("queued");
        }
        let total = pending.len();
        let api = ApiClient::new(
            &ServerTarget {
                base_url: url,
                token,
            },
            Duration::from_secs(5),
        )
        .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _outbox = outbox::spawn(store, pending, api, tx);
        let mut acked = 0;
        while acked < total {
            match rx.recv().await {
                Some(Action::WriteAcked { .. }) => acked += 1,
                Some(Action::WriteRefused { failed, .. }) => {
                    eprintln!("refused: {}", failed.reason);
                    std::process::exit(3);
                }
                Some(_) => {}
                None => std::process::exit(4),
            }
        }
        println!("drained");
    });
}

fn client_killed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite");
    let token = prepare(&db);
    let port = free_port();
    let mut server = Guard(spawn_server(&db, port));
    let outbox_dir = dir.path().join("client-outbox");
    let spawn = |enqueue: bool| {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.env(ROLE, "client")
            .env("OUTBOX", &outbox_dir)
            .env("URL", format!("http://127.0.0.1:{port}"))
            .env("TOKEN", &token)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if enqueue {
            c.env("ENQUEUE", "1");
        }
        c.spawn().expect("start the client child")
    };
    // First run: queue everything (the writes are on disk once it says
    // so), then die at a random moment while sending.
    let mut child = spawn(true);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "queued");
    let mut rng = rand::rng();
    let mut kills = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        assert!(
            Instant::now() < deadline,
            "the outbox drains within five minutes"
        );
        std::thread::sleep(Duration::from_millis(rng.random_range(30..300)));
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "the client child failed: {status}");
                break;
            }
            None if kills < 12 => {
                child.kill().ok(); // SIGKILL
                child.wait().ok();
                kills += 1;
                child = spawn(false);
            }
            None => {
                // Enough kills: let this one finish.
                let status = child.wait().unwrap();
                assert!(status.success(), "the client child failed: {status}");
                break;
            }
        }
    }
    let mut rest = String::new();
    if let Some(mut o) = child.stdout.take() {
        std::io::Read::read_to_string(&mut o, &mut rest).ok();
    }
    assert!(
        rest.contains("drained"),
        "the last client drained the queue"
    );
    server.0.kill().ok();
    server.0.wait().ok();
    let (rows, distinct, keys) = count(&db, "client-kill");
    println!("  {kills} client kills; {rows} rows");
    assert!(kills >= 3, "the client was killed only {kills} times");
    assert_eq!(rows, WRITES as i64, "exactly one row per write");
    assert_eq!(distinct, WRITES as i64, "no write doubled, none lost");
    assert_eq!(keys, WRITES as i64, "one idempotency key per row");
}

/// Kills the child when dropped (a failed assertion must not leave a
/// server running).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}
