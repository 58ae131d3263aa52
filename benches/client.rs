//! Client benchmarks with the release binary in a real terminal (tmux):
//! launch to first painted frame, resident memory after a search and an
//! opened customer, and what the client costs while nobody touches it.
//!
//! `cargo bench -p rapport --bench client -- --database sqlite://PATH
//!  --token-file FILE --label 10k [--as-of YYYY-MM-DD] [--launches 100]
//!  [--embedded] [--idle-seconds 10] [--tick-seconds 65]`
//!
//! The server runs in this process over the given database (opened with
//! `Db::connect_existing`: never created, migrated or written), so the
//! client in tmux is connected to a separate server, as an agent's would be.
//! `--embedded` adds launches of the embedded default (no `--server`) over
//! a demo database the first of them seeds in a temporary data directory.
//! Idle is measured (unless `--idle-seconds 0`) against a fresh demo server
//! seeded up to today, so open complaints have live SLA clocks: on the
//! search screen, on a customer without open complaints, and on one with
//! (over `--tick-seconds`, long enough to cross a minute).
//!
//! Prints one tab-separated line per figure: `figure  p50  p99  n  [note]`,
//! with the unit in the figure's name; with fewer than 100 samples the p99
//! column holds the largest.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{TestServer, Tmux};

struct Args {
    database: String,
    token_file: String,
    label: String,
    as_of: chrono::NaiveDate,
    launches: usize,
    idle: Duration,
    tick: Duration,
    embedded: bool,
}

fn args() -> Args {
    let mut database = None;
    let mut token_file = None;
    let mut label = "db".to_string();
    let mut as_of = chrono::Utc::now().date_naive();
    let mut launches = 100;
    let mut idle = 10;
    let mut tick = 65;
    let mut embedded = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--database" => database = Some(value()),
            "--token-file" => token_file = Some(value()),
            "--label" => label = value(),
            "--as-of" => as_of = parsed(&a, &value()),
            "--launches" => launches = parsed(&a, &value()),
            "--idle-seconds" => idle = parsed(&a, &value()),
            "--tick-seconds" => tick = parsed(&a, &value()),
            "--embedded" => embedded = true,
            // cargo bench passes --bench; ignore anything else it adds.
            _ => {}
        }
    }
    Args {
        database: database.expect("--database sqlite://PATH is required"),
        token_file: token_file.expect("--token-file FILE is required"),
        label,
        as_of,
        launches: launches.max(1),
        idle: Duration::from_secs(idle),
        tick: Duration::from_secs(tick.max(1)),
        embedded,
    }
}

fn parsed<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| panic!("{flag} {value}: not a valid value"))
}

/// p50 and p99 by nearest rank (p99 is the largest below 100 samples).
fn report(figure: &str, mut v: Vec<f64>, note: &str) {
    v.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    println!(
        "{figure}\t{:.3}\t{:.3}\t{}\t{note}",
        p(0.50),
        p(0.99),
        v.len()
    );
}

const FIRST_FRAME: &str = "first frame painted after ";
const EXIT_AFTER_FIRST_FRAME: &str = "--exit-after-first-frame";

/// The milliseconds `--exit-after-first-frame` printed on the screen.
fn first_frame_ms(screen: &str) -> f64 {
    screen
        .lines()
        .find_map(|l| l.split(FIRST_FRAME).nth(1))
        .and_then(|rest| rest.trim().trim_end_matches("ms").trim().parse().ok())
        .unwrap_or_else(|| panic!("no '{FIRST_FRAME}' line on the screen:\n{screen}"))
}

/// Launch in a terminal of its own, wait for the first frame and the exit,
/// read the figure. (A fresh tmux server each time: reusing one socket right
/// after killing its server races with the server's exit.)
fn one_launch(n: usize, launch: impl Fn(&Tmux)) -> f64 {
    let tmux = Tmux::start_if_available(&format!("bench-launch-{n}"))
        .expect("tmux is needed for this benchmark");
    launch(&tmux);
    tmux.wait_for_exit(Duration::from_secs(120));
    first_frame_ms(&tmux.capture())
}

/// The time from spawning the binary to its exit when it does next to
/// nothing (`--version`): the part of a launch before `main` runs, which
/// the first-frame figure leaves out, is a fraction of this.
fn process_start(n: usize) -> Vec<f64> {
    let bin = env!("CARGO_BIN_EXE_rapport");
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let out = std::process::Command::new(bin)
                .arg("--version")
                .output()
                .expect("run rapport --version");
            assert!(out.status.success());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// CPU time (user + system, all threads) in clock ticks, and context
/// switches (each one a wake-up or a preemption) of a process.
fn cpu_and_switches(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')').expect("stat has a command") + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let ticks = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    let mut switches = 0;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            let status = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
            for line in status.lines() {
                if let Some(v) = line
                    .strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                {
                    switches += v.trim().parse::<u64>().unwrap_or(0);
                }
            }
        }
    }
    (ticks, switches)
}

fn clock_ticks_per_second() -> f64 {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok());
    out.unwrap_or(100.0)
}

/// VmRSS and VmHWM of a process, in MB (10^6 bytes, as the target is
/// stated; /proc reports KiB).
fn memory_mb(pid: u32) -> (f64, f64) {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let mb = |key: &str| -> f64 {
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{key} missing from /proc/{pid}/status"));
        kib * 1024.0 / 1e6
    };
    (mb("VmRSS:"), mb("VmHWM:"))
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Wait until the client has written nothing for a second (at most 15 s).
fn settle(out: &Path) {
    let start = Instant::now();
    let mut last = file_len(out);
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(1)
        && start.elapsed() < Duration::from_secs(15)
    {
        std::thread::sleep(Duration::from_millis(100));
        let now = file_len(out);
        if now != last {
            last = now;
            quiet_since = Instant::now();
        }
    }
}

/// Idle cost over `window`: CPU %, bytes written to the terminal, and
/// context switches.
struct Idle {
    cpu_percent: f64,
    bytes: u64,
    switches: u64,
}

fn measure_idle(pid: u32, out: &Path, window: Duration) -> Idle {
    settle(out);
    let (t0, s0) = cpu_and_switches(pid);
    let b0 = file_len(out);
    let started = Instant::now();
    std::thread::sleep(window);
    let (t1, s1) = cpu_and_switches(pid);
    let elapsed = started.elapsed().as_secs_f64();
    // tmux hands output to the pipe as it reads it; give it a moment.
    std::thread::sleep(Duration::from_millis(300));
    let b1 = file_len(out);
    Idle {
        cpu_percent: 100.0 * (t1 - t0) as f64 / clock_ticks_per_second() / elapsed,
        bytes: b1 - b0,
        switches: s1 - s0,
    }
}

fn report_idle(state: &str, idle: &Idle, window: Duration, what: &str) {
    let secs = window.as_secs();
    let sep = if what.is_empty() { "" } else { "; " };
    println!(
        "idle CPU %, {state}\t{:.2}\t{:.2}\t1\t{} context switches in {secs} s{sep}{what}",
        idle.cpu_percent, idle.cpu_percent, idle.switches
    );
    println!(
        "idle bytes written to the terminal, {state}\t{}\t{}\t1\tin {secs} s{sep}{what}",
        idle.bytes, idle.bytes
    );
}

/// Two customers of `server` to open: one without open complaints (nothing
/// on screen changes by itself) and one with (the screen ticks once a
/// second for the SLA countdowns). With `live`, the second is one whose
/// complaint shows a time under a day (SLA due or opened less than a day
/// from now), so the text on screen changes every minute, when there is
/// such a customer in the first `scan` ids. Returns the account numbers
/// and a note on what the second one's screen shows.
fn pick_customers(server: &TestServer, live: bool, scan: i64) -> (String, String, String) {
    let now = chrono::Utc::now();
    let day = chrono::Duration::days(1);
    let mut calm = None;
    let mut ticking: Option<(String, chrono::Duration)> = None;
    for id in 1..=scan {
        let Some(v) = server.view(id) else { continue };
        if v.open_complaints.is_empty() {
            calm.get_or_insert(v.profile.account_number.clone());
            continue;
        }
        // The shortest time the complaints panel shows for this customer.
        let shortest = v
            .open_complaints
            .iter()
            .flat_map(|c| [(c.sla_due_at - now).abs(), now - c.opened_at])
            .min()
            .unwrap_or(chrono::Duration::MAX);
        if ticking.as_ref().is_none_or(|(_, d)| shortest < *d) {
            ticking = Some((v.profile.account_number.clone(), shortest));
        }
        let done = ticking.as_ref().is_some_and(|(_, d)| !live || *d < day);
        if calm.is_some() && done {
            break;
        }
    }
    let calm = calm.expect("a customer without open complaints");
    let (ticking, shortest) = ticking.expect("a customer with open complaints");
    let note = if shortest < day {
        "a complaint time under a day on screen: its text changes every minute"
    } else {
        "every complaint time on screen is over a day: the text changes hourly"
    };
    (calm, ticking, note.to_string())
}

/// Type an account number into the search box, wait for it in the results,
/// open it and wait for the customer screen.
fn open_customer(tmux: &Tmux, account: &str) {
    tmux.keys(&["/"]);
    tmux.keys(&["C-u"]);
    tmux.type_text(account);
    tmux.wait_for(account, Duration::from_secs(20));
    // The exact match is the first hit, selected already.
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["Enter"]);
    tmux.wait_for_all(&[account, "History"], Duration::from_secs(20));
}

/// Start the client against `server` in a 200x50 terminal whose output is
/// appended to `out`; wait until it is signed in. Returns its process id.
fn start_client(tmux: &Tmux, server: &TestServer, out: &Path, agent: &str) -> u32 {
    tmux.run_client(server, &[]);
    tmux.pipe_output(out);
    tmux.wait_for_all(
        &["Search customers", &format!("{agent} · agent")],
        Duration::from_secs(30),
    );
    tmux.client_pid().expect("the client's process id")
}

fn quit(tmux: &Tmux) {
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(10));
}

fn report_memory(label: &str, what: &str, pid: u32) {
    let (rss, hwm) = memory_mb(pid);
    println!(
        "client resident memory after {what}, MB ({label})\t{rss:.1}\t{hwm:.1}\t1\tp50 column VmRSS, p99 column VmHWM (the peak)"
    );
}

fn main() {
    let a = args();
    let token = std::fs::read_to_string(&a.token_file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", a.token_file))
        .trim()
        .to_string();
    let server = TestServer::existing(&a.database, &token, a.as_of);
    let label = &a.label;

    report(
        &format!("process start to exit, rapport --version, ms ({label})"),
        process_start(a.launches),
        "exec, loader, argument parsing: what the first-frame figures leave out",
    );

    // Launch to first frame against the separate server.
    let remote: Vec<f64> = (0..a.launches)
        .map(|n| one_launch(n, |t| t.run_client(&server, &[EXIT_AFTER_FIRST_FRAME])))
        .collect();
    report(
        &format!("launch to first frame, separate server, ms ({label})"),
        remote,
        "from the start of main to the first frame written to the terminal",
    );

    if a.embedded {
        // The first launch seeds the demo (10,000 customers) into a data
        // directory the later ones reuse.
        let data = tempfile::tempdir().expect("temp data dir");
        let dir = data.path().display().to_string();
        let args = [EXIT_AFTER_FIRST_FRAME, "--data-dir", dir.as_str()];
        let first = one_launch(0, |t| t.run_embedded(&args, &[]));
        report(
            "launch to first frame, embedded, first run (seeds the demo), ms",
            vec![first],
            "10,000 demo customers generated before the frame",
        );
        let launches: Vec<f64> = (1..=a.launches)
            .map(|n| one_launch(n, |t| t.run_embedded(&args, &[])))
            .collect();
        report(
            "launch to first frame, embedded, already seeded, ms",
            launches,
            "opens the demo database, starts the server in process, then the frame",
        );
    }

    // Memory: search and open a customer, then a second one with complaints.
    let (calm, ticking, _) = pick_customers(&server, false, 5000);
    let tmux = Tmux::start_if_available("bench-memory")
        .expect("tmux is needed for this benchmark")
        .with_size(200, 50);
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let pid = start_client(&tmux, &server, out.path(), "Benchmark");
    open_customer(&tmux, &calm);
    settle(out.path());
    report_memory(label, "a search and a customer view", pid);
    open_customer(&tmux, &ticking);
    settle(out.path());
    report_memory(label, "two searches and two customer views", pid);
    quit(&tmux);
    drop(server);

    if a.idle.is_zero() {
        return;
    }
    // Idle: against a demo server seeded up to today, so that open
    // complaints have live SLA clocks, as on a working day.
    let demo = TestServer::demo(10_000, "Idle Bench");
    let (calm, ticking, what) = pick_customers(&demo, true, 10_000);
    let tmux = Tmux::start_if_available("bench-idle")
        .expect("tmux")
        .with_size(200, 50);
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let pid = start_client(&tmux, &demo, out.path(), "Idle Bench");
    let idle = measure_idle(pid, out.path(), a.idle);
    report_idle("search screen after start", &idle, a.idle, "");
    open_customer(&tmux, &calm);
    let idle = measure_idle(pid, out.path(), a.idle);
    report_idle("customer screen, no open complaints", &idle, a.idle, "");
    open_customer(&tmux, &ticking);
    let idle = measure_idle(pid, out.path(), a.tick);
    report_idle(
        "customer screen, open complaints (SLA countdown)",
        &idle,
        a.tick,
        &what,
    );
    quit(&tmux);
}
