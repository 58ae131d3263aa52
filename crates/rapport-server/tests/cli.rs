//! The `rapport-server` command line, run as a real process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rapport-server"));
    c.env_remove("RAPPORT_DATABASE").env("RAPPORT_LOG", "warn");
    c
}

#[test]
fn seed_agents_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());

    let out = bin()
        .args([
            "seed",
            "--customers",
            "40",
            "--seed",
            "5",
            "--anchor",
            "2025-06-30",
            "--database",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("seeded 40 customers"));

    // The token is the only thing on stdout, so it can be captured.
    let out = bin()
        .args([
            "agent",
            "add",
            "--name",
            "Grace Hopper",
            "--role",
            "supervisor",
            "--team",
            "Complaints",
        ])
        .env("RAPPORT_DATABASE", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("rpt_"), "{token}");

    let out = bin()
        .args(["agent", "list", "--database", &url])
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.contains("Grace Hopper") && list.contains("supervisor"),
        "{list}"
    );
    assert!(
        list.contains("Amara Okonkwo"),
        "seeding creates the demo team: {list}"
    );

    let out = bin()
        .args([
            "agent",
            "add",
            "--name",
            "X",
            "--role",
            "boss",
            "--database",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected agent, supervisor or admin"));

    let out = bin().args(["seed", "--customers", "1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database"));

    let mut child = bin()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--as-of",
            "2025-06-30",
            "--database",
            &url,
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let base = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().to_string();
        }
    };
    let body = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { reqwest::get(format!("{base}/health")).await?.text().await });
    child.kill().unwrap();
    child.wait().unwrap();
    let body = body.expect("GET /health failed");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
}

#[test]
fn help_explains_the_commands() {
    let out = bin().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for word in ["serve", "seed", "agent"] {
        assert!(help.contains(word), "{help}");
    }
    let out = bin().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("RAPPORT_DATABASE") && help.contains("--as-of"),
        "{help}"
    );
}

/// SIGTERM stops a serving server within a few seconds, event streams open
/// and requests running.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_with_streams_open() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("term.db").display());
    let out = bin()
        .args([
            "seed",
            "--customers",
            "40",
            "--seed",
            "5",
            "--database",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin()
        .args(["agent", "add", "--name", "Sig Term", "--role", "supervisor"])
        .env("RAPPORT_DATABASE", &url)
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut child = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &url])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let base = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().to_string();
        }
    };
    // Keep reading stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    // Ten event streams, held open, and a stream of what-ifs.
    let streams: Vec<reqwest::Response> = rt.block_on(async {
        let mut v = Vec::new();
        for _ in 0..10 {
            let res = http
                .get(format!("{base}/v1/events"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::OK);
            v.push(res);
        }
        v
    });
    for _ in 0..4 {
        let http = http.clone();
        let url = format!("{base}/v1/queues/1/what-if?calls_per_hour=100000&aht_secs=360");
        let token = token.clone();
        rt.spawn(async move {
            loop {
                if http.get(&url).bearer_auth(&token).send().await.is_err() {
                    break;
                }
            }
        });
    }
    std::thread::sleep(Duration::from_millis(500));
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let sent = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if sent.elapsed() > Duration::from_secs(15) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = sent.elapsed();
    if status.is_none() {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    drop(streams);
    rt.shutdown_background();
    let status = status.expect("the server did not stop within 15 s of SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
}
