//! Live-queue benchmarks of the client.
//!
//! Screen pop (`--database`): a call offered to an agent's queue, from the
//! telephony hook being sent until the caller's 360 view is painted on the
//! agent's screen. All real code in one process: the server over the given
//! database (migrated: use a copy), the hook over loopback HTTP as the
//! telephony system sends it, routing to the agent (the caller's view read
//! beside it), the durable `agent_state` event with the view on the agent's
//! event stream, the agent's `update` (the screen pop; the real effect
//! executor fetches the view when it did not come along), and `draw` into a
//! 160x48 TestBackend, where the clock stops. Callers are
//! customers of the database with a number of their own. Give it a copy
//! whose analytics were refreshed as of `--as-of`: a server whose figures
//! are missing or of another day refreshes them all when it starts, and a
//! refresh running beside the calls would be measured with them.
//!
//! Desk bytes (`--desk-seconds`): the release client in tmux, signed in as
//! a supervisor on the desk, against a server whose simulator runs the
//! demo's queues at `--desk-scale` times their rates (busy: calls wait);
//! the bytes tmux's `pipe-pane` receives from the client per second, at
//! 160x48 and 80x24.
//!
//!   cargo bench -p rapport --bench queues -- [--database sqlite://COPY
//!     --as-of YYYY-MM-DD] [--calls 500] [--desk-seconds 30] [--desk-scale 3]
//!
//! Prints `figure<TAB>p50<TAB>p99<TAB>n[<TAB>note]` lines for
//! `scripts/bench` (milliseconds unless the figure says otherwise).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use rapport::api::{ApiClient, ServerTarget};
use rapport::app::{Action, AppState, Effect, init, update};
use rapport::keymap::{Command, Keymap};
use rapport::runtime::{Services, spawn_effect};
use rapport::theme::Theme;
use rapport_api::{AgentState, EventBody, Role};
use rapport_server::{Db, ServerConfig, agents, queues};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).find(|w| w[0] == name).map(|w| w[1].clone())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(figure: &str, mut v: Vec<f64>, note: &str) {
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{figure}\t{:.3}\t{:.3}\t{}\t{note}",
        percentile(&v, 0.5),
        percentile(&v, 0.99),
        v.len()
    );
}

fn main() {
    let calls: usize = arg("--calls").and_then(|v| v.parse().ok()).unwrap_or(500);
    let desk_secs: u64 = arg("--desk-seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let scale: f64 = arg("--desk-scale")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    if let Some(db) = arg("--database") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let as_of = arg("--as-of").map(|d| {
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").expect("--as-of YYYY-MM-DD")
        });
        rt.block_on(screen_pop(&db, as_of, calls));
    }
    if desk_secs > 0 {
        desk_bytes(desk_secs, scale);
    }
}

/// Callers: customers whose first number nobody else has.
async fn callers(db: &Db, n: usize) -> Vec<(i64, String)> {
    let (lo, hi): (i64, i64) = sqlx::query_as("SELECT MIN(id), MAX(id) FROM customers")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut id = lo;
    let step = ((hi - lo) / (n as i64 * 2)).max(1);
    while out.len() < n && id <= hi {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT p.customer_id, p.e164 FROM customer_phones p WHERE p.customer_id = ? \
             AND (SELECT COUNT(*) FROM customer_phones q WHERE q.digits = p.digits) = 1 \
             ORDER BY p.position LIMIT 1",
        )
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .unwrap();
        out.extend(row);
        id += step;
    }
    out
}

async fn screen_pop(url: &str, as_of: Option<chrono::NaiveDate>, n: usize) {
    let path = rapport_server::db::parse_url(url).expect("a database URL");
    if let rapport_server::db::SqliteTarget::File(p) = &path {
        assert!(
            p.is_file(),
            "{} is not there: give a copy of a seeded database",
            p.display()
        );
    }
    // Migrates the copy (this build's migrations) and sets the bench up in it.
    let db = Db::connect(url).await.unwrap();
    db.warm_up().await.unwrap();
    let qs = queues::ensure_demo(&db).await.unwrap();
    let token = |name: &'static str, role: Role| {
        let db = db.clone();
        async move {
            let a = match agents::find_by_name(&db, name).await.unwrap() {
                Some(a) => a,
                None => agents::create(&db, name, role, Some("Bench"))
                    .await
                    .unwrap(),
            };
            let t = agents::replace_labelled_token(&db, a.id, "bench")
                .await
                .unwrap();
            (a, t)
        }
    };
    let (agent, agent_token) = token("Pop Bench Agent", Role::Agent).await;
    let (_, pbx) = token("Pop Bench Telephony", Role::Admin).await;
    {
        let mut conn = db.pool().acquire().await.unwrap();
        queues::join(&mut conn, qs[0].id, agent.id).await.unwrap();
    }
    let people = callers(&db, n).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = ServerConfig {
        as_of,
        ..ServerConfig::default()
    };
    let server = rapport_server::serve(listener, db.clone(), config)
        .await
        .unwrap();
    let stale = rapport_server::analytics::refresh::latest_run(&db)
        .await
        .unwrap()
        .is_none_or(|(day, _)| Some(day) != as_of);
    if stale {
        eprintln!(
            "warning: the database's analytics are missing or not as of --as-of: the server refreshes them while the calls are measured"
        );
    }
    let target = ServerTarget {
        base_url: server.url(),
        token: agent_token,
    };
    let api = ApiClient::new(&target, Duration::from_secs(5)).unwrap();
    let http = reqwest::Client::new();

    // The agent's client: state, the real effect executor, its event stream.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let sv = Services {
        api: api.clone(),
        outbox: None,
        outbox_error: None,
        drafts: None,
        drafts_dir: None,
        taxonomy_cache: None,
        presence: tokio::sync::watch::channel(None).0,
        events_wake: std::sync::Arc::new(tokio::sync::Notify::new()),
    };
    let mut s = AppState::new(server.url(), false, chrono::Utc::now());
    let theme = Theme::builtin("default");
    let keymap = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    update(&mut s, Action::Resize(160, 48));
    for fx in init(&mut s) {
        spawn_effect(fx, &sv, &tx);
    }
    tokio::spawn(rapport::api::events::run(
        api.clone(),
        tx.clone(),
        None,
        sv.events_wake.clone(),
    ));
    let apply = |s: &mut AppState, a: Action| {
        for fx in update(s, a) {
            if !matches!(fx, Effect::Quit) {
                spawn_effect(fx, &sv, &tx);
            }
        }
    };
    // Signed in, taxonomy read, stream up.
    let ready = Instant::now() + Duration::from_secs(20);
    while !(s.me.is_loaded() && s.taxonomy.is_loaded() && s.live.up && s.calls.status.is_some()) {
        let a = tokio::time::timeout_at(ready.into(), rx.recv())
            .await
            .expect("the client starts")
            .unwrap();
        apply(&mut s, a);
    }

    // Two passes over the same callers. The first reads each caller's pages
    // from wherever the machine keeps them (on a machine that reclaims page
    // cache eagerly, often the disk); the second is the figure with a warm
    // page cache, as the latency benchmark measures searches and views.
    let mut first = Vec::new();
    let mut total = Vec::new();
    let mut hook = Vec::new();
    let mut after_event = Vec::new();
    // Second-pass pops whose event brought the caller's view along.
    let mut with_view = 0usize;
    let calls = people
        .iter()
        .enumerate()
        .map(|(i, p)| (0, i, p))
        .chain(people.iter().enumerate().map(|(i, p)| (1, i, p)));
    for (pass, i, (customer, phone)) in calls {
        // Available: the next call is hers.
        let st = api.set_state(AgentState::Available).await.unwrap();
        assert_eq!(st.state, AgentState::Available, "{st:?}");
        // Let the state events settle before the clock starts.
        while let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(30), rx.recv()).await {
            apply(&mut s, a);
        }
        let call_id = format!("pop-{}-{pass}-{i}", std::process::id());
        let body =
            json!({"event": "offered", "call_id": call_id, "queue": qs[0].code, "caller": phone});
        let t0 = Instant::now();
        let send = {
            let http = http.clone();
            let url = format!("{}/v1/calls", server.url());
            let pbx = pbx.clone();
            let key = call_id.clone();
            tokio::spawn(async move {
                let r = http
                    .post(url)
                    .bearer_auth(pbx)
                    .header("Idempotency-Key", key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 201);
                t0.elapsed()
            })
        };
        let mut event_at = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let a = tokio::time::timeout_at(deadline.into(), rx.recv())
                .await
                .expect("the pop is painted in time")
                .unwrap();
            if event_at.is_none()
                && let Action::ServerEvent(e) = &a
                && let EventBody::AgentState(st) = &e.body
                && st.state == AgentState::OnCall
            {
                event_at = Some(Instant::now());
                if pass == 1 && st.caller_view.is_some() {
                    with_view += 1;
                }
            }
            apply(&mut s, a);
            // Whatever else is ready makes the same frame.
            while let Ok(a) = rx.try_recv() {
                apply(&mut s, a);
            }
            term.draw(|f| rapport::ui::draw(f, &s, &theme, &keymap))
                .unwrap();
            if s.view().map(|v| v.profile.id) == Some(*customer) {
                break;
            }
        }
        let painted = Instant::now();
        let hook_ms = send.await.unwrap().as_secs_f64() * 1e3;
        if pass == 0 {
            first.push((painted - t0).as_secs_f64() * 1e3);
        } else {
            total.push((painted - t0).as_secs_f64() * 1e3);
            if let Some(e) = event_at {
                after_event.push((painted - e).as_secs_f64() * 1e3);
            }
            hook.push(hook_ms);
        }
        // The call ends; the wrap-up form that opens is closed unsaved.
        let r = http
            .post(format!("{}/v1/calls", server.url()))
            .bearer_auth(&pbx)
            .header("Idempotency-Key", format!("{call_id}-end"))
            .json(&json!({"event": "ended", "call_id": call_id}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let until = Instant::now() + Duration::from_secs(5);
        while s.form.is_none() && Instant::now() < until {
            if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(50), rx.recv()).await {
                apply(&mut s, a);
            }
        }
        apply(&mut s, Action::Command(Command::Back));
        apply(&mut s, Action::Command(Command::Search));
    }
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let label = if customers >= 1_000_000 {
        format!("{}m", customers / 1_000_000)
    } else {
        format!("{}k", customers / 1000)
    };
    let pops = total.len();
    report(
        &format!("call offered to the caller's 360 painted ({label})"),
        total,
        &format!(
            "second pass, page cache warm: hook sent (the caller's view read beside routing and commit) to the event, the pop and a 160x48 frame; the view came with the event in {with_view} of {pops} pops (fetched over loopback otherwise)"
        ),
    );
    report(
        &format!("call offered to the caller's 360 painted, each caller's first call ({label})"),
        first,
        "the same, the first pass: the caller's pages not read yet in this run",
    );
    report(
        &format!("call hook round trip, offered, routed and committed ({label})"),
        hook,
        "POST /v1/calls answered: the write the pop waits on",
    );
    report(
        &format!("agent's event received to the 360 painted ({label})"),
        after_event,
        "the client's part: the pop with the view from the event (or GET), update, draw",
    );
    server.shutdown().await;
    db.close().await;
}

/// Bytes a second the supervisor desk writes to the terminal while the
/// simulator keeps the queues busy.
fn desk_bytes(secs: u64, scale: f64) {
    let server = common::TestServer::simulated(2000, scale);
    let ana = server.add_agent("Desk Bench", Role::Supervisor);
    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let tmux = common::Tmux::start_if_available("bench-desk")
            .expect("tmux is needed for this benchmark")
            .with_size(w, h);
        let out = tempfile::NamedTempFile::new().expect("temp file");
        tmux.run_client_as(&server, &ana, &[]);
        tmux.wait_for("Search customers", Duration::from_secs(30));
        tmux.keys(&["F5"]);
        tmux.wait_for("Queues", Duration::from_secs(10));
        std::thread::sleep(Duration::from_secs(2));
        tmux.pipe_output(out.path());
        let len = || std::fs::metadata(out.path()).map(|m| m.len()).unwrap_or(0);
        let b0 = len();
        let started = Instant::now();
        let mut per_second = Vec::new();
        let mut last = b0;
        while started.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_secs(1));
            let now = len();
            per_second.push((now - last) as f64);
            last = now;
        }
        let waiting = tmux.capture();
        let busy = waiting.contains("▼") || waiting.contains("⚠");
        report(
            &format!("supervisor desk, bytes written to the terminal per second, {w}x{h}"),
            per_second,
            &format!(
                "simulator at {scale}x the demo's rates ({} calls an hour at the peak){}; p50 and p99 of the seconds of a {secs} s window",
                (112.0 * scale).round(),
                if busy {
                    ", calls waiting and SL below target"
                } else {
                    ""
                }
            ),
        );
        tmux.keys(&["C-c"]);
        tmux.wait_for_exit(Duration::from_secs(10));
    }
}
