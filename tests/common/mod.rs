//! Shared harness for end-to-end tests: a real server on a loopback port over
//! a temporary SQLite file, and the real client binary inside tmux.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rapport_api::{CustomerView, Insights, Role, Suggestion};
use rapport_server::{Db, ServerConfig, ServerHandle, agents, seed};

/// The anchor date of generated test data, so runs are reproducible.
pub fn anchor() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

/// A seeded server running on its own runtime thread.
pub struct TestServer {
    pub url: String,
    pub token: String,
    pub db_path: PathBuf,
    runtime: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
    /// Closed after the server stops, so no WAL is left beside a file
    /// that is not ours.
    db: Option<Db>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start(customers: u64) -> TestServer {
        TestServer::seeded(customers, None)
    }

    /// A seeded server running the call simulator: the demo's queues and
    /// team, its arrival rates times `scale`, the simulated day starting at
    /// 10:00, and the "Test Agent" (who signs in) serving every queue.
    pub fn simulated(customers: u64, scale: f64) -> TestServer {
        TestServer::seeded(customers, Some(scale))
    }

    fn seeded(customers: u64, simulate: Option<f64>) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("server.sqlite");
        let runtime = runtime();
        let url_db = format!("sqlite://{}", db_path.display());
        let (handle, token) = runtime.block_on(async {
            let db = Db::connect(&url_db).await.expect("open database");
            let opts = seed::SeedOptions {
                customers,
                seed: 7,
                anchor: anchor(),
            };
            seed::seed(&db, &opts, &|_, _| {}).await.expect("seed");
            let (agent, token) = agents::add(&db, "Test Agent", Role::Agent, Some("Billing"))
                .await
                .expect("agent");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            let cfg = ServerConfig {
                as_of: Some(anchor()),
                simulate: simulate.map(|scale| rapport_server::Simulate {
                    seed: 7,
                    scale,
                    start_hour: Some(10),
                    real_agents: vec![agent.id],
                }),
                ..ServerConfig::default()
            };
            let handle = rapport_server::serve(listener, db, cfg)
                .await
                .expect("serve");
            (handle, token)
        });
        TestServer {
            url: handle.url(),
            token,
            db_path,
            runtime,
            handle: Some(handle),
            db: None,
            _dir: dir,
        }
    }

    /// A seeded server with the demo's queues and no simulator: the
    /// "Test Agent" serves every queue, and calls come from the hooks a
    /// test sends with [`TestServer::pbx`]'s token.
    pub fn with_queues(customers: u64) -> TestServer {
        let server = TestServer::seeded(customers, None);
        let url = format!("sqlite://{}", server.db_path.display());
        server.runtime.block_on(async move {
            let db = Db::connect(&url).await.expect("open database");
            let qs = rapport_server::queues::ensure_demo(&db)
                .await
                .expect("queues");
            let mut conn = db.pool().acquire().await.expect("connection");
            let agent: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE name = 'Test Agent'")
                .fetch_one(&mut *conn)
                .await
                .expect("agent");
            for q in &qs {
                rapport_server::queues::join(&mut conn, q.id, agent)
                    .await
                    .expect("join");
            }
            drop(conn);
            db.close().await;
        });
        server
    }

    /// The telephony system's (admin) token, made on first use.
    pub fn pbx(&self) -> String {
        self.add_agent("Asterisk", Role::Admin)
    }

    /// Stop the server (the port stays this test's): clients see it away.
    pub fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
    }

    /// Start it again on the same port, over the same database.
    pub fn resume(&mut self) {
        assert!(self.handle.is_none(), "stopped first");
        let addr = self.url.trim_start_matches("http://").to_string();
        let url = format!("sqlite://{}", self.db_path.display());
        let handle = self.runtime.block_on(async move {
            let db = Db::connect(&url).await.expect("open database");
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .expect("bind the same port again");
            let cfg = ServerConfig {
                as_of: Some(anchor()),
                ..ServerConfig::default()
            };
            rapport_server::serve(listener, db, cfg)
                .await
                .expect("serve")
        });
        assert_eq!(handle.url(), self.url);
        self.handle = Some(handle);
    }

    /// One text from the server's database (read beside the server).
    pub fn db_text(&self, sql: &str) -> String {
        let url = format!("sqlite://{}", self.db_path.display());
        let sql = sql.to_string();
        self.runtime.block_on(async move {
            let db = Db::connect_existing(&url).await.expect("open database");
            let t: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(db.pool())
                .await
                .expect("query");
            db.close().await;
            t
        })
    }

    /// A new agent on this server: their token.
    pub fn add_agent(&self, name: &str, role: Role) -> String {
        let url = format!("sqlite://{}", self.db_path.display());
        let name = name.to_string();
        self.runtime.block_on(async move {
            let db = Db::connect(&url).await.expect("open database");
            let (_, token) = agents::add(&db, &name, role, Some("Test"))
                .await
                .expect("agent");
            db.close().await;
            token
        })
    }

    /// A write over HTTP as `token` (with a fresh Idempotency-Key): the
    /// status and the JSON answer.
    pub fn post(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.url);
        let token = token.to_string();
        let key = format!("e2e-{}-{}", std::process::id(), rand_key());
        self.runtime.block_on(async move {
            let resp = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .expect("request");
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(serde_json::Value::Null))
        })
    }

    /// One number from the server's database (read beside the server).
    pub fn db_rows(&self, sql: &str, bind: i64) -> i64 {
        let url = format!("sqlite://{}", self.db_path.display());
        let sql = sql.to_string();
        self.runtime.block_on(async move {
            let db = Db::connect_existing(&url).await.expect("open database");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(bind)
                .fetch_one(db.pool())
                .await
                .expect("query");
            db.close().await;
            n
        })
    }

    /// A read over HTTP as `token`.
    pub fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.url);
        let token = token.to_string();
        self.runtime.block_on(async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("JSON")
        })
    }

    /// A server over an existing, seeded database (opened without migrating
    /// it), signing in with `token`; purchase figures as of `as_of`.
    pub fn existing(database: &str, token: &str, as_of: chrono::NaiveDate) -> TestServer {
        let runtime = runtime();
        let (handle, db) = runtime.block_on(async {
            let db = Db::connect_existing(database)
                .await
                .unwrap_or_else(|e| panic!("{e:#}"));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            let cfg = ServerConfig {
                as_of: Some(as_of),
                ..ServerConfig::default()
            };
            let handle = rapport_server::serve(listener, db.clone(), cfg)
                .await
                .expect("serve");
            (handle, db)
        });
        TestServer {
            url: handle.url(),
            token: token.to_string(),
            db_path: match rapport_server::db::parse_url(database) {
                Ok(rapport_server::db::SqliteTarget::File(p)) => p,
                _ => PathBuf::new(),
            },
            runtime,
            handle: Some(handle),
            db: Some(db),
            _dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A server over a fresh demo database, seeded the way the embedded
    /// default seeds one (history up to today, so open complaints have live
    /// SLA clocks), with a token for `agent`.
    pub fn demo(customers: u64, agent: &str) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("demo.sqlite");
        let runtime = runtime();
        let opts = rapport_server::embedded::EmbeddedOptions {
            database_path: db_path.clone(),
            demo_customers: customers,
            seed: 42,
            agent_name: agent.to_string(),
            role: Role::Agent,
            // Idle measurements need a quiet server.
            simulate: false,
        };
        let e = runtime
            .block_on(rapport_server::embedded::start(opts, &|_, _| {}))
            .expect("demo server");
        TestServer {
            url: e.handle.url(),
            token: e.token,
            db_path,
            runtime,
            handle: Some(e.handle),
            db: None,
            _dir: dir,
        }
    }

    /// GET `path` over HTTP, as any client would; None unless it answers
    /// with a document of that type.
    pub fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Option<T> {
        let url = format!("{}{path}", self.url);
        let token = self.token.clone();
        self.runtime.block_on(async move {
            let resp = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .ok()?;
            if !resp.status().is_success() {
                return None;
            }
            resp.json::<T>().await.ok()
        })
    }

    /// GET a customer view over HTTP.
    pub fn view(&self, id: i64) -> Option<CustomerView> {
        self.get(&format!("/v1/customers/{id}/view"))
    }

    /// A customer whose family name is plain ASCII letters (easy to type):
    /// returns (account number, family name).
    pub fn pick_customer(&self) -> (String, String) {
        for id in 1..200 {
            if let Some(v) = self.view(id) {
                let family = &v.profile.family_name;
                if family.len() >= 5 && family.chars().all(|c| c.is_ascii_alphabetic()) {
                    return (v.profile.account_number.clone(), family.clone());
                }
            }
        }
        panic!("no customer with a plain ASCII family name among the first 200");
    }

    /// Like [`pick_customer`], one with no open complaint, in pounds (so a
    /// complaint opened in a test is the only one and the agent's default
    /// limits apply): (id, account number, family name).
    pub fn pick_quiet_customer(&self) -> (i64, String, String) {
        for id in 1..300 {
            if let Some(v) = self.view(id) {
                let family = &v.profile.family_name;
                if family.len() >= 5
                    && family.chars().all(|c| c.is_ascii_alphabetic())
                    && v.open_complaints.is_empty()
                    && v.profile.currency == "GBP"
                {
                    return (id, v.profile.account_number.clone(), family.clone());
                }
            }
        }
        panic!("no quiet GBP customer with a plain ASCII family name among the first 300");
    }

    /// A customer with a plain ASCII family name and at least one
    /// suggestion, once the server's first analytics refresh is done:
    /// (id, account number, family name, their best suggestion).
    pub fn pick_customer_with_suggestions(&self) -> (i64, String, String, Suggestion) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            for id in 1..300 {
                let Some(v) = self.view(id) else { continue };
                let family = &v.profile.family_name;
                let Some(s) = v.analytics.as_ref().and_then(|a| a.suggestions.first()) else {
                    continue;
                };
                if family.len() >= 5 && family.chars().all(|c| c.is_ascii_alphabetic()) {
                    return (
                        id,
                        v.profile.account_number.clone(),
                        family.clone(),
                        s.clone(),
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("no customer with a suggestion and a plain ASCII family name among the first 300");
    }

    /// GET the insights over HTTP.
    pub fn insights(&self) -> Option<Insights> {
        self.get("/v1/analytics/insights")
    }
}

fn rand_key() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The server's own runtime, beside the test's thread.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
        if let Some(db) = self.db.take() {
            self.runtime.block_on(db.close());
        }
    }
}

/// A private tmux server (its own socket) holding one session.
pub struct Tmux {
    socket: String,
    home: tempfile::TempDir,
    /// Columns and rows of the terminal.
    size: (u16, u16),
}

const EXIT_MARKER: &str = "__RAPPORT_EXITED__";

impl Tmux {
    /// None (with a note on stderr) when tmux is not installed.
    pub fn start_if_available(name: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("tmux not installed: skipping end-to-end test {name}");
            return None;
        }
        Some(Tmux {
            socket: format!("rapport-e2e-{}-{name}", std::process::id()),
            home: tempfile::tempdir().expect("temp home"),
            size: (100, 30),
        })
    }

    /// A terminal of this many columns and rows for the next launch.
    pub fn with_size(mut self, columns: u16, rows: u16) -> Tmux {
        self.size = (columns, rows);
        self
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data").join("rapport")
    }

    fn base_env(&self) -> Vec<(String, String)> {
        let h = self.home.path();
        vec![
            ("HOME".into(), h.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                h.join("config").display().to_string(),
            ),
            ("XDG_DATA_HOME".into(), h.join("data").display().to_string()),
            (
                "XDG_STATE_HOME".into(),
                h.join("state").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                h.join("cache").display().to_string(),
            ),
            ("TERM".into(), "xterm-256color".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    fn launch(&self, args: &[String], env: &[(String, String)]) {
        let bin = env!("CARGO_BIN_EXE_rapport");
        let mut cmd = String::new();
        cmd.push_str("env");
        for (k, v) in self.base_env().iter().chain(env) {
            cmd.push_str(&format!(" {k}={}", shell_quote(v)));
        }
        cmd.push_str(&format!(" {}", shell_quote(bin)));
        for a in args {
            cmd.push_str(&format!(" {}", shell_quote(a)));
        }
        cmd.push_str(&format!("; echo {EXIT_MARKER} $?; sleep 60"));
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null", "new-session", "-d"])
            .args([
                "-x",
                &self.size.0.to_string(),
                "-y",
                &self.size.1.to_string(),
            ])
            .args(["-s", "main", &cmd])
            .status()
            .expect("tmux new-session");
        assert!(status.success(), "tmux new-session failed");
    }

    pub fn run_client(&self, server: &TestServer, extra: &[&str]) {
        self.run_client_as(server, &server.token, extra);
    }

    /// The client against `server`, signed in with `token`.
    pub fn run_client_as(&self, server: &TestServer, token: &str, extra: &[&str]) {
        let mut args = vec!["--server".to_string(), server.url.clone()];
        args.extend(extra.iter().map(|s| s.to_string()));
        self.launch(&args, &[("RAPPORT_TOKEN".into(), token.to_string())]);
    }

    /// The client against `server` with `env` added, every byte it writes
    /// to the terminal recorded in `record` from the first (util-linux
    /// `script` between it and the pane).
    pub fn run_client_recorded(&self, server: &TestServer, env: &[(&str, &str)], record: &Path) {
        let bin = env!("CARGO_BIN_EXE_rapport");
        let mut cmd = String::from("env");
        let token = [("RAPPORT_TOKEN".to_string(), server.token.clone())];
        let extra: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in self.base_env().iter().chain(&token).chain(&extra) {
            cmd.push_str(&format!(" {k}={}", shell_quote(v)));
        }
        let inner = format!("{} --server {}", shell_quote(bin), shell_quote(&server.url));
        cmd.push_str(&format!(
            " script -q -f -e -c {} {}",
            shell_quote(&inner),
            shell_quote(&record.display().to_string())
        ));
        cmd.push_str(&format!("; echo {EXIT_MARKER} $?; sleep 60"));
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null", "new-session", "-d"])
            .args([
                "-x",
                &self.size.0.to_string(),
                "-y",
                &self.size.1.to_string(),
            ])
            .args(["-s", "main", &cmd])
            .status()
            .expect("tmux new-session");
        assert!(status.success(), "tmux new-session failed");
    }

    pub fn run_embedded(&self, args: &[&str], env: &[(&str, &str)]) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.launch(&args, &env);
    }

    /// Append everything the program writes to the terminal to `file`.
    pub fn pipe_output(&self, file: &Path) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "pipe-pane", "-t", "main"])
            .arg(format!(
                "cat >> {}",
                shell_quote(&file.display().to_string())
            ))
            .status()
            .expect("tmux pipe-pane");
        assert!(status.success(), "tmux pipe-pane failed");
    }

    /// The process id of the client: the child of the pane's shell.
    pub fn client_pid(&self) -> Option<u32> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "-t", "main"])
            .arg("#{pane_pid}")
            .output()
            .ok()?;
        let shell: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
        let children =
            std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "main"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "main"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Types text literally, a character at a time like a person.
    pub fn type_text(&self, text: &str) {
        for ch in text.chars() {
            // tmux reads a lone ";" as its own command separator.
            let arg = if ch == ';' {
                "\\;".to_string()
            } else {
                ch.to_string()
            };
            let status = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "main", "-l"])
                .arg(arg)
                .status()
                .expect("tmux send-keys");
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for_all(&[needle], timeout)
    }

    pub fn wait_for_all(&self, needles: &[&str], timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!(
                    "waited {timeout:?} for {needles:?}; the screen shows:\n{screen}\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The client exited and the shell behind it printed our marker with its
    /// exit status 0, on a normal (not alternate) screen.
    pub fn wait_for_exit(&self, timeout: Duration) {
        let screen = self.wait_for(EXIT_MARKER, timeout);
        assert!(
            screen.contains(&format!("{EXIT_MARKER} 0")),
            "client exit status was not 0:\n{screen}"
        );
    }

    fn log_tail(&self) -> String {
        let mut out = String::new();
        for dir in [
            self.home.path().join("state"),
            self.home.path().join("data"),
        ] {
            for entry in walk(&dir) {
                if entry.extension().is_some_and(|e| e == "log") {
                    let text = std::fs::read_to_string(&entry).unwrap_or_default();
                    let tail: Vec<&str> = text.lines().rev().take(20).collect();
                    out.push_str(&format!("--- {}\n", entry.display()));
                    for l in tail.into_iter().rev() {
                        out.push_str(l);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
