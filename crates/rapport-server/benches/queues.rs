//! What a supervisor desk snapshot costs the server with 50 queues and 500
//! agents: the simulator fills the call and state logs of a busy centre on
//! the virtual clock (two hours, every queue at 60 calls an hour, every
//! agent serving two queues), then the snapshot of the last 30 minutes is
//! taken again and again, as the desk publisher takes it at most twice a
//! second: in process (the library call), and as `GET /v1/desk` over
//! loopback HTTP with the JSON decoded. Also the size of the snapshot as
//! sent to a supervisor's stream and to an agent's.
//!
//!   cargo bench -p rapport-server --bench queues -- [--samples 200]
//!     [--queues 50] [--agents 500]
//!
//! Prints `figure<TAB>p50<TAB>p99<TAB>n[<TAB>note]` lines (milliseconds
//! unless the figure says otherwise).

use std::time::{Duration, Instant};

use rapport_api::{Desk, Role, SlTarget};
use rapport_server::queues::simulator::{SimAgent, SimConfig, SimQueue, Simulator};
use rapport_server::queues::{self, NewQueue, desk};
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, agents};

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
    let samples = arg("--samples", 200);
    let n_queues = arg("--queues", 50);
    let n_agents = arg("--agents", 500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(samples, n_queues, n_agents));
}

async fn run(samples: usize, n_queues: usize, n_agents: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("desk.sqlite"))
        .await
        .unwrap();
    seed::seed(&db, &SeedOptions::new(2000, 42), &|_, _| {})
        .await
        .unwrap();
    let mut qs = Vec::new();
    for i in 0..n_queues {
        qs.push(
            queues::add(
                &db,
                &NewQueue {
                    code: format!("q{i:02}"),
                    name: format!("Queue {i:02}"),
                    target: SlTarget { pct: 80, secs: 20 },
                    opens_min: 0,
                    closes_min: 1440,
                    wait_alert_secs: 60,
                    reason: None,
                },
            )
            .await
            .unwrap(),
        );
    }
    let mut team = Vec::new();
    {
        for i in 0..n_agents {
            let a = agents::create(&db, &format!("Desk Agent {i:03}"), Role::Agent, None)
                .await
                .unwrap();
            let mut conn = db.pool().acquire().await.unwrap();
            sqlx::query("INSERT INTO simulated_agents (agent_id) VALUES (?)")
                .bind(a.id)
                .execute(&mut *conn)
                .await
                .unwrap();
            for q in [i % n_queues, (i * 7 + 3) % n_queues] {
                queues::join(&mut conn, qs[q].id, a.id).await.unwrap();
            }
            team.push(SimAgent {
                agent_id: a.id,
                shift_start_min: 0,
                shift_end_min: 1440,
            });
        }
    }
    // Two hours up to now, so the live window of GET /v1/desk below holds
    // the same calls as the library calls.
    let until = chrono::Utc::now().timestamp_millis();
    let start = until - 2 * 3_600_000;
    let cfg = SimConfig {
        seed: 42,
        scale: 1.0,
        day_origin_ms: start,
        profile: [1.0; 24],
        queues: qs
            .iter()
            .map(|q| SimQueue {
                queue: q.clone(),
                peak_per_hour: 60.0,
                talk_secs: 240.0,
                wrap_secs: 40.0,
                patience_secs: 240.0,
            })
            .collect(),
        agents: team,
        break_chance: 0.05,
        break_secs: 480.0,
        real_agents: Vec::new(),
    };
    let t = Instant::now();
    let mut sim = Simulator::start(&db, cfg, start).await.unwrap();
    sim.run_until(&db, until).await.unwrap();
    let filled = t.elapsed();
    let (calls, changes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM calls), (SELECT COUNT(*) FROM agent_state_log)",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    eprintln!(
        "filled in {:.1} s: {calls} calls, {changes} state changes over two simulated hours",
        filled.as_secs_f64()
    );

    // In process, at the end of the two hours.
    let fcr = desk::fcr(&db, queues::instant(until)).await.ok();
    let mut lib = Vec::new();
    let mut last: Option<Desk> = None;
    for _ in 0..samples {
        let t = Instant::now();
        let d = desk::snapshot(&db, until, fcr.clone()).await.unwrap();
        lib.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(d);
    }
    let d = last.unwrap();
    let in_window: u32 = d.queues.iter().map(|q| q.window.offered).sum();
    let note = format!(
        "{} queues, {} agents, {in_window} calls offered in the window ({calls} in the log, {changes} state changes)",
        d.queues.len(),
        d.agents.len()
    );
    report(
        &format!("desk snapshot, server side ({n_queues} queues, {n_agents} agents)"),
        lib,
        &note,
    );
    let full = serde_json::to_vec(&d).unwrap().len();
    let slim = serde_json::to_vec(&desk::for_agents(&d)).unwrap().len();
    println!(
        "desk snapshot JSON, KB, supervisor's (p50) and agent's (p99) ({n_queues} queues, {n_agents} agents)\t{:.1}\t{:.1}\t1\tp50 column with the agents table, p99 column without",
        full as f64 / 1000.0,
        slim as f64 / 1000.0
    );

    // Over HTTP, as the desk asks for it.
    let (_, token) = agents::add(&db, "Desk Bench Supervisor", Role::Supervisor, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = rapport_server::serve(listener, db.clone(), ServerConfig::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/v1/desk", server.url());
    let mut rtt = Vec::new();
    for i in 0..samples {
        let t = Instant::now();
        let d: Desk = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        rtt.push(t.elapsed().as_secs_f64() * 1e3);
        if i == 0 {
            assert_eq!(d.queues.len(), n_queues);
        }
        // A desk asks now and then, not back to back.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    report(
        &format!("desk snapshot, GET /v1/desk round trip ({n_queues} queues, {n_agents} agents)"),
        rtt,
        "loopback HTTP, JSON decoded into the wire types",
    );
    server.shutdown().await;
    db.close().await;
}
