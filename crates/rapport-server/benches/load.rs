//! How many agents one server holds: N agents working as a contact centre
//! does, against the release server in a process of its own, on loopback.
//!
//!   cargo build --release -p rapport-server
//!   cargo bench -p rapport-server --bench load -- --agents 1000 [--seconds 60]
//!     [--ramp 20] [--customers 100000] [--scale 5] [--data DIR] [--label L]
//!
//! Each agent keeps an event stream open, searches every ~20 s (a customer's
//! given and family name, as typed), opens the customer found (their view)
//! and says so (presence, repeated every 30 s while it stays open), and
//! writes a note about them every ~2 minutes. One agent in five works
//! beside a colleague: they open the customer the colleague opened, a
//! moment later, so each sees the other's presence and notes. The call
//! simulator runs at `--scale` times the demo's rates. Agents start over
//! `--ramp` seconds; figures are taken over the `--seconds` after that.
//!
//! The database is seeded once (`--customers`, seed 42, history up to
//! 2026-11-01, figures refreshed) into `--data` (default
//! target/bench/load) and copied for each run; the agents are added with
//! `rapport-server agent add --csv`. The server's CPU time and memory are
//! read from /proc. Every request and stream is bounded in time; nothing
//! leaves 127.0.0.1.
//!
//! Prints `figure<TAB>p50<TAB>p99<TAB>n<TAB>note` lines (milliseconds
//! unless the figure says otherwise; p95 in the note).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use tokio::sync::watch;

const ANCHOR: &str = "2026-11-01";
/// No request waits longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Args {
    agents: usize,
    seconds: u64,
    ramp: u64,
    customers: u64,
    scale: f64,
    data: PathBuf,
    label: String,
    server: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        agents: 1000,
        seconds: 60,
        ramp: 20,
        customers: 100_000,
        scale: 5.0,
        data: PathBuf::from("target/bench/load"),
        label: String::new(),
        server: PathBuf::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--agents" => a.agents = v().parse().expect("--agents N"),
            "--seconds" => a.seconds = v().parse().expect("--seconds S"),
            "--ramp" => a.ramp = v().parse().expect("--ramp S"),
            "--customers" => a.customers = v().parse().expect("--customers N"),
            "--scale" => a.scale = v().parse().expect("--scale X"),
            "--data" => a.data = PathBuf::from(v()),
            "--label" => a.label = v(),
            "--server" => a.server = PathBuf::from(v()),
            // cargo bench passes --bench; ignore anything else it adds.
            _ => {}
        }
    }
    if a.server.as_os_str().is_empty() {
        // target/release/deps/load-HASH → target/release/rapport-server
        let exe = std::env::current_exe().expect("the benchmark's path");
        a.server = exe
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join("rapport-server"))
            .expect("the target directory");
    }
    if a.label.is_empty() {
        a.label = format!("{} agents", a.agents);
    }
    a.agents = a.agents.max(2);
    a
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, figure: &str, mut v: Vec<f64>, note: &str) {
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{figure} ({label})\t{:.1}\t{:.1}\t{}\tp95 {:.1}{}{note}",
        percentile(&v, 50.0),
        percentile(&v, 99.0),
        v.len(),
        percentile(&v, 95.0),
        if note.is_empty() { "" } else { "; " },
    );
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("the server binary runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The seeded, refreshed database for `customers`, made once.
fn seeded(a: &Args) -> PathBuf {
    std::fs::create_dir_all(&a.data).expect("the data directory");
    let db = a.data.join(format!("load-{}.sqlite", a.customers));
    if db.is_file() {
        return db;
    }
    let part = a.data.join(format!("load-{}.partial", a.customers));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", part.display()));
    }
    let url = format!("sqlite://{}", part.display());
    eprintln!(
        "seeding {} customers into {} (once)",
        a.customers,
        db.display()
    );
    run(Command::new(&a.server).args([
        "seed",
        "--customers",
        &a.customers.to_string(),
        "--seed",
        "42",
        "--anchor",
        ANCHOR,
        "--database",
        &url,
    ]));
    run(Command::new(&a.server).args([
        "analytics",
        "refresh",
        "--as-of",
        ANCHOR,
        "--database",
        &url,
    ]));
    std::fs::rename(&part, &db).expect("rename the seeded database");
    db
}

/// A customer to search for and open.
#[derive(Clone)]
struct Customer {
    id: i64,
    query: String,
}

async fn customers(db: &Path) -> Vec<Customer> {
    // The run's own copy: migrated here if this build has migrations the
    // seeded file has not (the server would migrate it anyway).
    let db = rapport_server::Db::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the copy");
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, given_name, family_name FROM customers WHERE id % 17 = 3 ORDER BY id LIMIT 4000",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    db.close().await;
    rows.into_iter()
        .map(|(id, g, f)| Customer {
            id,
            query: format!("{g} {f}"),
        })
        .collect()
}

/// What the run measures.
#[derive(Default)]
struct Stats {
    measuring: AtomicBool,
    search: Mutex<Vec<f64>>,
    view: Mutex<Vec<f64>>,
    presence: Mutex<Vec<f64>>,
    write: Mutex<Vec<f64>>,
    /// A note's request sent → a colleague's stream delivers it.
    delay: Mutex<Vec<f64>>,
    messages: AtomicU64,
    message_bytes: AtomicU64,
    errors: AtomicU64,
    requests: AtomicU64,
    error_samples: Mutex<Vec<String>>,
    /// Notes in flight: marker → when sent.
    sent: Mutex<HashMap<String, Instant>>,
}

impl Stats {
    fn on(&self) -> bool {
        self.measuring.load(Ordering::Relaxed)
    }

    fn time(&self, into: &Mutex<Vec<f64>>, t: Instant) {
        if self.on() {
            into.lock()
                .unwrap()
                .push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }

    fn error(&self, what: String) {
        if self.on() {
            self.errors.fetch_add(1, Ordering::Relaxed);
            let mut s = self.error_samples.lock().unwrap();
            if s.len() < 5 {
                s.push(what);
            }
        }
    }
}

struct Agent {
    i: usize,
    token: String,
    base: String,
    http: reqwest::Client,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
}

impl Agent {
    async fn request(&self, req: reqwest::RequestBuilder, what: &str) -> Option<serde_json::Value> {
        if self.stats.on() {
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
        }
        match req.bearer_auth(&self.token).send().await {
            Ok(r) if r.status().is_success() => {
                if r.status() == reqwest::StatusCode::NO_CONTENT {
                    return Some(serde_json::Value::Null);
                }
                match r.json().await {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.stats.error(format!("{what}: {e}"));
                        None
                    }
                }
            }
            Ok(r) => {
                let s = r.status();
                let body = r.text().await.unwrap_or_default();
                self.stats.error(format!(
                    "{what}: {s} {}",
                    body.chars().take(200).collect::<String>()
                ));
                None
            }
            Err(e) => {
                self.stats.error(format!("{what}: {e}"));
                None
            }
        }
    }

    async fn search(&self, q: &str) -> Option<i64> {
        let t = Instant::now();
        let v = self
            .request(
                self.http
                    .get(format!("{}/v1/customers", self.base))
                    .query(&[("q", q), ("limit", "20")]),
                "search",
            )
            .await?;
        self.stats.time(&self.stats.search, t);
        v["hits"][0]["id"].as_i64()
    }

    async fn open(&self, customer: i64) {
        let t = Instant::now();
        if self
            .request(
                self.http
                    .get(format!("{}/v1/customers/{customer}/view", self.base)),
                "view",
            )
            .await
            .is_some()
        {
            self.stats.time(&self.stats.view, t);
        }
        self.presence(Some(customer)).await;
    }

    async fn presence(&self, customer: Option<i64>) {
        let t = Instant::now();
        if self
            .request(
                self.http
                    .put(format!("{}/v1/presence", self.base))
                    .json(&json!({ "customer_id": customer })),
                "presence",
            )
            .await
            .is_some()
        {
            self.stats.time(&self.stats.presence, t);
        }
    }

    async fn note(&self, customer: i64, n: u64) {
        let marker = format!("load-note {}-{n}", self.i);
        self.stats
            .sent
            .lock()
            .unwrap()
            .insert(marker.clone(), Instant::now());
        let t = Instant::now();
        let ok = self
            .request(
                self.http
                    .post(format!("{}/v1/interactions", self.base))
                    .header("Idempotency-Key", format!("load-{}-{n}", self.i))
                    .json(&json!({
                        "customer_id": customer, "channel": "call", "direction": "inbound",
                        "reason": "Billing query", "outcome": "Resolved",
                        "notes": format!("{marker}: asked about the last bill"),
                    })),
                "write",
            )
            .await
            .is_some();
        if ok {
            self.stats.time(&self.stats.write, t);
        }
    }

    /// Read the event stream until stopped: count messages, time the
    /// colleagues' notes.
    async fn stream(self: Arc<Self>) {
        while !self.stop.load(Ordering::Relaxed) {
            let res = self
                .http
                .get(format!("{}/v1/events", self.base))
                .bearer_auth(&self.token)
                .timeout(Duration::from_secs(3600))
                .send()
                .await;
            let res = match res {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => {
                    self.stats.error(format!("events: {}", r.status()));
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Err(e) => {
                    self.stats.error(format!("events: {e}"));
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut body = res.bytes_stream();
            let mut buf: Vec<u8> = Vec::new();
            let me = format!("load-note {}-", self.i);
            while let Some(chunk) = body.next().await {
                let Ok(chunk) = chunk else {
                    if !self.stop.load(Ordering::Relaxed) {
                        self.stats.error("events: the stream broke".into());
                    }
                    break;
                };
                buf.extend_from_slice(&chunk);
                let mut start = 0;
                while let Some(end) = find(&buf[start..], b"\n\n") {
                    let frame = &buf[start..start + end];
                    start += end + 2;
                    if frame.starts_with(b":") {
                        continue;
                    }
                    if self.stats.on() {
                        self.stats.messages.fetch_add(1, Ordering::Relaxed);
                        self.stats
                            .message_bytes
                            .fetch_add(frame.len() as u64 + 2, Ordering::Relaxed);
                    }
                    if frame.starts_with(b"event: interaction_created")
                        && let Some(at) = find(frame, b"load-note ")
                    {
                        let rest = &frame[at..];
                        let end = rest.iter().position(|b| *b == b':').unwrap_or(rest.len());
                        let marker = String::from_utf8_lossy(&rest[..end]).into_owned();
                        if !marker.starts_with(&me) {
                            let sent = self.stats.sent.lock().unwrap().get(&marker).copied();
                            if let Some(t) = sent {
                                self.stats.time(&self.stats.delay, t);
                            }
                        }
                    }
                }
                buf.drain(..start);
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One agent's working day, until stopped.
async fn work(
    agent: Arc<Agent>,
    customers: Arc<Vec<Customer>>,
    lead: Option<watch::Receiver<Option<i64>>>,
    mine: watch::Sender<Option<i64>>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(agent.i as u64);
    tokio::spawn(Arc::clone(&agent).stream());
    let mut current: Option<i64> = None;
    let mut notes = 0u64;
    let mut next_note = Instant::now() + Duration::from_secs_f64(rng.random_range(20.0..160.0));
    let mut presence_at = Instant::now();
    let mut lead = lead;
    while !agent.stop.load(Ordering::Relaxed) {
        // The next customer: one searched for, or the colleague's.
        let wait = Duration::from_secs_f64(rng.random_range(10.0..30.0));
        let next = match &mut lead {
            Some(rx) => match tokio::time::timeout(wait, rx.changed()).await {
                Ok(Ok(())) => {
                    let c = *rx.borrow_and_update();
                    tokio::time::sleep(Duration::from_secs_f64(rng.random_range(0.3..2.0))).await;
                    c
                }
                _ => None,
            },
            None => {
                tokio::time::sleep(wait).await;
                let c = &customers[rng.random_range(0..customers.len())];
                Some(c.id)
            }
        };
        if agent.stop.load(Ordering::Relaxed) {
            break;
        }
        if let Some(c) = next {
            let q = customers
                .iter()
                .find(|x| x.id == c)
                .map(|x| x.query.clone())
                .unwrap_or_default();
            let found = agent.search(&q).await.unwrap_or(c);
            let open = if lead.is_some() { c } else { found };
            agent.open(open).await;
            current = Some(open);
            presence_at = Instant::now();
            mine.send_replace(Some(open));
        } else if current.is_some() && presence_at.elapsed() >= Duration::from_secs(30) {
            agent.presence(current).await;
            presence_at = Instant::now();
        }
        if Instant::now() >= next_note
            && let Some(c) = current
        {
            notes += 1;
            agent.note(c, notes).await;
            next_note = Instant::now() + Duration::from_secs_f64(rng.random_range(80.0..160.0));
        }
    }
}

/// utime + stime of a process, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis: utime is the 12th.
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// VmRSS and VmHWM of a process, in KiB.
fn memory_kib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let a = args();
    assert!(
        a.server.is_file(),
        "{} is missing: build it first with `cargo build --release -p rapport-server`",
        a.server.display()
    );
    let source = seeded(&a);
    let run_dir = a.data.join("run");
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(&run_dir).unwrap();
    let db = run_dir.join("load.sqlite");
    std::fs::copy(&source, &db).expect("copy the seeded database");
    let url = format!("sqlite://{}", db.display());

    // The agents, added as a centre would add them.
    let csv = run_dir.join("agents.csv");
    let mut list = String::from("name,role,team\n");
    for i in 0..a.agents {
        list.push_str(&format!("Load Agent {i:05},agent,Load\n"));
    }
    std::fs::write(&csv, list).unwrap();
    let tokens_file = run_dir.join("tokens.csv");
    let t = Instant::now();
    run(Command::new(&a.server)
        .args(["agent", "add", "--database", &url, "--csv"])
        .arg(&csv)
        .arg("--tokens")
        .arg(&tokens_file));
    let add_secs = t.elapsed().as_secs_f64();
    let tokens: Vec<String> = std::fs::read_to_string(&tokens_file)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(tokens.len(), a.agents);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sample = rt.block_on(customers(&db));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(run_dir.join("server.log")).unwrap();
    let child = Command::new(&a.server)
        .args([
            "serve",
            "--database",
            &url,
            "--listen",
            &listen,
            "--as-of",
            ANCHOR,
            "--simulate",
            "--simulate-scale",
            &a.scale.to_string(),
            "--simulate-start-hour",
            "10",
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the server");
    let server = Server(child);
    let pid = server.0.id();
    let base = format!("http://{listen}");
    rt.block_on(drive(&a, base, tokens, sample, pid, add_secs));
    drop(server);
}

async fn drive(
    a: &Args,
    base: String,
    tokens: Vec<String>,
    sample: Vec<Customer>,
    pid: u32,
    add_secs: f64,
) {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(usize::MAX)
        .tcp_nodelay(true)
        .build()
        .unwrap();
    let up = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            up.elapsed() < Duration::from_secs(60),
            "the server did not answer within a minute"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (rss_idle, _) = memory_kib(pid);
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let customers = Arc::new(sample);
    let mut leads: Vec<watch::Sender<Option<i64>>> = Vec::new();
    let mut tasks = Vec::new();
    let ramp = Duration::from_secs(a.ramp);
    for (i, token) in tokens.into_iter().enumerate() {
        let (tx, rx) = watch::channel(None);
        // One in five works beside the agent before them.
        let lead = (i % 5 == 4).then(|| leads[i - 1].subscribe());
        leads.push(tx.clone());
        drop(rx);
        let agent = Arc::new(Agent {
            i,
            token,
            base: base.clone(),
            http: http.clone(),
            stats: Arc::clone(&stats),
            stop: Arc::clone(&stop),
        });
        let customers = Arc::clone(&customers);
        let start = ramp.mul_f64(i as f64 / a.agents as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(start).await;
            work(agent, customers, lead, tx).await;
        }));
    }
    tokio::time::sleep(ramp + Duration::from_secs(2)).await;
    let load_before = load_average();
    let cpu0 = cpu_secs(pid);
    let t0 = Instant::now();
    stats.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stats.measuring.store(false, Ordering::Relaxed);
    let window = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid) - cpu0;
    let (rss, hwm) = memory_kib(pid);
    let load_after = load_average();
    stop.store(true, Ordering::Relaxed);
    for t in &tasks {
        t.abort();
    }

    let n = a.agents as f64;
    let l = &a.label;
    let take = |m: &Mutex<Vec<f64>>| std::mem::take(&mut *m.lock().unwrap());
    report(l, "load: search", take(&stats.search), "");
    report(l, "load: customer view", take(&stats.view), "");
    report(l, "load: write (a note)", take(&stats.write), "");
    report(l, "load: presence", take(&stats.presence), "");
    report(
        l,
        "load: event delay, note sent to a colleague's stream",
        take(&stats.delay),
        "",
    );
    let errors = stats.errors.load(Ordering::Relaxed);
    let requests = stats.requests.load(Ordering::Relaxed);
    let samples = stats.error_samples.lock().unwrap().join(" | ");
    println!(
        "load: errors ({l})\t{errors}\t{errors}\t{requests}\tof {requests} requests and {} streams{}{}",
        a.agents,
        if samples.is_empty() { "" } else { "; e.g. " },
        samples.replace('\t', " ")
    );
    let messages = stats.messages.load(Ordering::Relaxed) as f64 / window;
    let bytes = stats.message_bytes.load(Ordering::Relaxed) as f64 / window;
    println!(
        "load: stream messages per second per agent ({l})\t{:.2}\t{:.2}\t{}\t{:.0} messages/s in all, {:.0} KiB/s",
        messages / n,
        messages / n,
        a.agents,
        messages,
        bytes / 1024.0
    );
    println!(
        "load: server CPU, % of one core per 1000 agents ({l})\t{:.1}\t{:.1}\t{}\t{:.0}% of one core in all over {:.0} s; load average {} before, {} after (the load generator shares the two cores)",
        cpu / window * 100.0 / n * 1000.0,
        cpu / window * 100.0 / n * 1000.0,
        a.agents,
        cpu / window * 100.0,
        window,
        load_before,
        load_after
    );
    println!(
        "load: server memory per agent, KiB ({l})\t{:.1}\t{:.1}\t{}\tresident {:.0} MiB with the agents, {:.0} MiB before them, peak {:.0} MiB",
        (rss - rss_idle) / n,
        (rss - rss_idle) / n,
        a.agents,
        rss / 1024.0,
        rss_idle / 1024.0,
        hwm / 1024.0
    );
    println!(
        "load: agent add --csv, s ({l})\t{add_secs:.2}\t{add_secs:.2}\t{}\tone transaction",
        a.agents
    );
}
