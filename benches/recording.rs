//! Save to screen: an agent presses save on an interaction form, and we time
//! the row being committed on the server and the event being painted on a
//! second agent's screen; plus the outbox's throughput, and the floors under
//! those figures on this machine (a durable file write, a SQLite commit with
//! `synchronous=FULL`, a loopback HTTP round trip).
//!
//! Everything is the real code: client A's `update` turns the save key into
//! an outbox write, the outbox stores it durably and sends it; the server
//! (in process, over a temporary SQLite file, on loopback) commits it with
//! its event; client B's event stream task receives it, B's `update`
//! applies it and B's `draw` paints a frame into a TestBackend, which is
//! where the clock stops.
//!
//! Prints `figure<TAB>p50<TAB>p99<TAB>n[<TAB>note]` lines (milliseconds,
//! unless the figure says otherwise) for `scripts/bench`.
//!
//!   cargo bench -p rapport --bench recording -- [--saves N] [--throughput N]

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport::api::{ApiClient, ServerTarget};
use rapport::app::{Action, AppState, CustomerState, Effect, Screen, update};
use rapport::keymap::{Command, Keymap};
use rapport::outbox::{self, Store};
use rapport::theme::Theme;
use rapport_api::{EventBody, Role};
use rapport_server::{Db, ServerConfig, agents, seed};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(figure: &str, mut ms: Vec<f64>, note: &str) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{figure}\t{:.3}\t{:.3}\t{}\t{note}",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.len()
    );
}

fn key(c: char) -> Action {
    Action::FormKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A signed-in client with customer `id` open (its view from the server).
async fn client_with(api: &ApiClient, id: i64) -> AppState {
    let mut s = AppState::new("http://bench".into(), false, chrono::Utc::now());
    let fx = rapport::app::init(&mut s);
    if let [Effect::SignIn { id: req }] = fx[..] {
        let fx = update(&mut s, Action::SignedIn(req, api.me().await));
        if let Some(t) = fx.iter().find_map(|f| match f {
            Effect::LoadTaxonomy { id } => Some(*id),
            _ => None,
        }) {
            update(&mut s, Action::TaxonomyDone(t, api.taxonomy().await));
        }
    }
    update(&mut s, Action::Resize(160, 48));
    let req = s.fresh_id();
    s.customer = Some(CustomerState::new(id, String::new(), req));
    s.screen = Screen::Customer;
    let view = api.customer_view(id).await.map(Box::new);
    update(&mut s, Action::ViewDone(req, view));
    update(&mut s, Action::EventsUp);
    s
}

fn main() {
    let saves = arg("--saves", 300);
    let throughput = arg("--throughput", 2000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(saves, throughput));
}

async fn run(saves: usize, throughput: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("server.sqlite"))
        .await
        .unwrap();
    seed::seed(
        &db,
        &seed::SeedOptions {
            customers: 200,
            seed: 42,
            anchor: chrono::Utc::now().date_naive(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    let (_, token_a) = agents::add(&db, "Agent A", Role::Agent, None)
        .await
        .unwrap();
    let (_, token_b) = agents::add(&db, "Agent B", Role::Agent, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = rapport_server::serve(listener, db.clone(), ServerConfig::default())
        .await
        .unwrap();
    let api = |token: &str| {
        ApiClient::new(
            &ServerTarget {
                base_url: server.url(),
                token: token.to_string(),
            },
            Duration::from_secs(5),
        )
        .unwrap()
    };
    let (api_a, api_b) = (api(&token_a), api(&token_b));
    let customer = 7;

    // ---------------------------------------------------------- floors
    let mut fsync = Vec::new();
    for n in 0..200 {
        let path = dir.path().join(format!("floor-{n}"));
        let t = Instant::now();
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&[b'x'; 600]).unwrap();
        f.sync_all().unwrap();
        std::fs::File::open(dir.path()).unwrap().sync_all().unwrap();
        fsync.push(t.elapsed().as_secs_f64() * 1e3);
        std::fs::remove_file(&path).unwrap();
    }
    report(
        "floor: durable file write (write, fsync file and directory)",
        fsync,
        "what the outbox pays per write before sending",
    );
    let scratch = Db::connect_path(&dir.path().join("scratch.sqlite"))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        .execute(scratch.pool())
        .await
        .unwrap();
    let mut commit = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let mut tx = scratch.write().await.unwrap();
        sqlx::query("INSERT INTO t (v) VALUES ('x')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        commit.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report(
        "floor: SQLite commit, WAL, synchronous=FULL",
        commit,
        "one row, as the server commits each write",
    );
    let mut hop = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        api_a.health().await.unwrap();
        hop.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report(
        "floor: loopback HTTP round trip (GET /health)",
        hop,
        "kept-alive connection",
    );

    // ---------------------------------------------------------- save to screen
    // Client A: state with the customer open, outbox on disk.
    let opened = Store::open(&dir.path().join("outbox-a")).unwrap();
    let (tx_a, mut rx_a) = tokio::sync::mpsc::unbounded_channel();
    let outbox_a = outbox::spawn(opened.store, vec![], api_a.clone(), tx_a);
    let mut a = client_with(&api_a, customer).await;
    // Client B: same customer open, its own event stream, a terminal.
    let mut b = client_with(&api_b, customer).await;
    let (tx_b, mut rx_b) = tokio::sync::mpsc::unbounded_channel();
    let stream = tokio::spawn(rapport::api::events::run(
        api_b.clone(),
        tx_b,
        None,
        Arc::new(tokio::sync::Notify::new()),
    ));
    loop {
        if let Some(Action::EventsUp) = rx_b.recv().await {
            break;
        }
    }
    let theme = Theme::builtin("default");
    let keymap = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let (mut committed, mut painted) = (Vec::new(), Vec::new());
    for n in 0..saves {
        // The agent has filled in the form; the clock starts at the key.
        update(&mut a, Action::Command(Command::RecordInteraction));
        for c in "bill".chars() {
            update(&mut a, key(c));
        }
        update(
            &mut a,
            Action::FormKey(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        let marker = format!("save-to-screen {n}");
        for c in marker.chars() {
            update(&mut a, key(c));
        }
        let t0 = Instant::now();
        for fx in update(&mut a, Action::Command(Command::Save)) {
            if let Effect::Enqueue { tag, request } = fx {
                outbox_a.send(outbox::Command::Enqueue { request, tag });
            }
        }
        // A: queued, then acknowledged (the server has committed it).
        let mut t_commit = None;
        let mut t_paint = None;
        while t_commit.is_none() || t_paint.is_none() {
            tokio::select! {
                Some(act) = rx_a.recv(), if t_commit.is_none() => {
                    let done = matches!(act, Action::WriteAcked { .. });
                    update(&mut a, act);
                    if done {
                        t_commit = Some(t0.elapsed());
                    }
                }
                Some(act) = rx_b.recv(), if t_paint.is_none() => {
                    let ours = matches!(&act, Action::ServerEvent(e)
                        if matches!(&e.body, EventBody::InteractionCreated(i) if i.notes == marker));
                    update(&mut b, act);
                    if ours {
                        term.draw(|f| rapport::ui::draw(f, &b, &theme, &keymap)).unwrap();
                        t_paint = Some(t0.elapsed());
                    }
                }
            }
        }
        committed.push(t_commit.unwrap().as_secs_f64() * 1e3);
        painted.push(t_paint.unwrap().as_secs_f64() * 1e3);
    }
    report(
        "save key to row committed on the server",
        committed,
        "A's update, durable outbox write, HTTP, commit with its event, reply",
    );
    report(
        "save key to the interaction painted on a second client",
        painted,
        "…then B's event stream, update and a 160x48 frame",
    );
    stream.abort();

    // ---------------------------------------------------------- throughput
    let opened = Store::open(&dir.path().join("outbox-t")).unwrap();
    let mut store = opened.store;
    let request = |n: usize| rapport::app::WriteRequest {
        method: rapport::app::WriteMethod::Post,
        path: "/v1/interactions".into(),
        if_match: None,
        body: serde_json::json!({
            "customer_id": 1 + (n % 200) as i64, "channel": "call", "direction": "inbound",
            "reason": "Billing query", "notes": format!("throughput {n}"), "outcome": "Resolved"
        }),
        summary: String::new(),
        customer_id: None,
        kind: rapport::app::WriteKind::Interaction,
        draft: None,
    };
    let t = Instant::now();
    let mut pending = Vec::with_capacity(throughput);
    for n in 0..throughput {
        pending.push(store.put(request(n)).unwrap());
    }
    let stored = t.elapsed().as_secs_f64();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let t = Instant::now();
    let _o = outbox::spawn(store, pending, api_a, tx);
    let mut acked = 0;
    while acked < throughput {
        if let Some(Action::WriteAcked { .. }) = rx.recv().await {
            acked += 1;
        }
    }
    let drained = t.elapsed().as_secs_f64();
    let per_s = |secs: f64| format!("{:.0}", throughput as f64 / secs);
    println!(
        "outbox: writes stored durably per second\t{}\t{}\t{throughput}\tone file each, fsync'd with its directory",
        per_s(stored),
        per_s(stored)
    );
    println!(
        "outbox: writes delivered per second, loopback\t{}\t{}\t{throughput}\tsent one at a time, in order; each committed by the server",
        per_s(drained),
        per_s(drained)
    );
    server.shutdown().await;
}
