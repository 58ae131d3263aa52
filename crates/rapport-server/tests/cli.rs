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

/// Stored text reaches the operator's terminal escaped exactly as the client
/// escapes it: an escape sequence in a name cannot clear the screen, and a
/// format character cannot shift the table's columns.
#[test]
fn listings_escape_stored_text() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let hostile = "Eve\u{1b}[2J\u{1b}[31m Ma\u{FFFB}l\u{202E}ory";
    let shown = rapport_api::sanitize::clean(hostile).into_owned();
    assert_eq!(shown, "Eve␛[2J␛[31m Ma⟨U+FFFB⟩l⟨U+202E⟩ory");
    let run = |args: &[&str]| {
        let out = bin()
            .args(args)
            .env("RAPPORT_DATABASE", &url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (_, err) = run(&["agent", "add", "--name", hostile, "--team", "Te\u{200B}am"]);
    assert!(err.contains(&shown), "{err}");
    run(&["agent", "add", "--name", "Ann"]);
    run(&["queue", "add", "--code", "sales", "--name", hostile]);
    let (_, err) = run(&["queue", "join", "--queue", "sales", "--agent", hostile]);
    assert!(err.contains(&shown), "{err}");
    for args in [["agent", "list"], ["queue", "list"]] {
        let (out, err) = run(&args);
        for text in [&out, &err] {
            assert!(
                text.chars()
                    .all(|c| c == '\n' || rapport_api::sanitize::is_plain(c)),
                "{args:?} printed a raw control or format character: {text:?}"
            );
        }
        // Escaped, and cut with a mark where the column ends.
        assert!(out.contains("Eve␛[2J␛[31m Ma"), "{args:?}: {out}");
    }
    // The columns after a hostile name start where the others' do.
    let (out, _) = run(&["agent", "list"]);
    let role_at = |name: &str| {
        let line = out.lines().find(|l| l.contains(name)).unwrap();
        let i = line.find(" agent ").unwrap();
        unicode_width::UnicodeWidthStr::width(&line[..i])
    };
    assert_eq!(role_at("Eve"), role_at("Ann"), "{out}");
    // An error quoting what was typed is escaped too.
    let out = bin()
        .args(["agent", "token", "--name", "No\u{1b}]0;pwned\u{7}body"])
        .env("RAPPORT_DATABASE", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("No␛]0;pwned␇body"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

/// `agent token list|revoke|rotate` and `agent disable|enable`, run as
/// the operator would.
#[test]
fn tokens_are_listed_revoked_rotated_and_agents_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tokens.db").display());
    let run = |args: &[&str]| {
        let out = bin()
            .args(args)
            .env("RAPPORT_DATABASE", &url)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (ok, first, err) = run(&["agent", "add", "--name", "Mei Lin", "--expires-days", "30"]);
    assert!(ok, "{err}");
    let first = first.trim().to_string();
    let (ok, second, err) = run(&["agent", "token", "--name", "Mei Lin"]);
    assert!(ok, "{err}");
    assert!(err.contains("valid for 90 days"), "{err}");
    let second = second.trim().to_string();
    let (ok, _, err) = run(&["agent", "token", "--name", "Mei Lin", "--expires-days", "0"]);
    assert!(!ok && err.contains("1 to 3650 days"), "{err}");

    let (ok, list, err) = run(&["agent", "token", "list"]);
    assert!(ok, "{err}");
    assert!(
        !list.contains(&first) && !list.contains(&second),
        "a secret listed: {list}"
    );
    assert!(!list.contains("rpt_"), "{list}");
    let rows: Vec<&str> = list.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{list}");
    let today = chrono::Utc::now().date_naive();
    let in_30 = (today + chrono::Duration::days(30)).to_string();
    assert!(
        rows[0].contains("Mei Lin") && rows[0].contains(&in_30),
        "{list}"
    );
    assert!(list.contains("LAST USED"), "{list}");
    let id = |row: &str| row.split_whitespace().next().unwrap().to_string();
    let (first_id, second_id) = (id(rows[0]), id(rows[1]));

    let (ok, _, err) = run(&["agent", "token", "revoke", &second_id]);
    assert!(ok && err.contains("revoked"), "{err}");
    let (ok, _, err) = run(&["agent", "token", "revoke", &second_id]);
    assert!(!ok && err.contains("no token with id"), "{err}");

    let (ok, rotated, err) = run(&["agent", "token", "rotate", &first_id]);
    assert!(ok, "{err}");
    let rotated = rotated.trim();
    assert!(rotated.starts_with("rpt_") && rotated != first, "{rotated}");
    let (_, list, _) = run(&["agent", "token", "list", "--name", "Mei Lin"]);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(!list.lines().any(|l| id(l) == first_id), "{list}");

    let (ok, _, err) = run(&["agent", "disable", "--name", "Mei Lin"]);
    assert!(ok && err.contains("disabled"), "{err}");
    let (_, agents, _) = run(&["agent", "list"]);
    assert!(agents.contains("DISABLED since"), "{agents}");
    let (ok, _, err) = run(&["agent", "enable", "--name", "Mei Lin"]);
    assert!(ok && err.contains("enabled"), "{err}");
    let (_, agents, _) = run(&["agent", "list"]);
    assert!(!agents.contains("DISABLED"), "{agents}");
    let (ok, _, err) = run(&["agent", "disable", "--name", "Nobody"]);
    assert!(!ok && err.contains("no agent named"), "{err}");
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
