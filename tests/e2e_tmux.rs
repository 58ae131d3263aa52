//! End-to-end: the real `rapport` binary in a real terminal (tmux) against a
//! real server over loopback. `cargo test --release` drives the release build.
//!
//! Skipped with a message (not failed) only when tmux is missing; `.ci/run`
//! installs it, so CI always runs these.

mod common;

use common::{TestServer, Tmux};
use std::time::Duration;

#[test]
fn search_by_name_opens_customer_and_shows_account_number() {
    let Some(tmux) = Tmux::start_if_available("search") else {
        return;
    };
    let server = TestServer::start(300);
    let (account, family) = server.pick_customer();

    tmux.run_client(&server, &[]);
    open_customer(&tmux, &account, &family);

    // `/` returns to search from the customer screen, `q`/C-c quits and the
    // terminal is restored (the shell prompt marker comes back).
    tmux.keys(&["/"]);
    tmux.wait_for("Search customers", Duration::from_secs(5));
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(5));
}

#[test]
fn embedded_default_seeds_and_finds_customers() {
    let Some(tmux) = Tmux::start_if_available("embedded") else {
        return;
    };
    // No --server: the client starts the server in-process over a SQLite
    // file in its data directory and seeds a (small) demo.
    tmux.run_embedded(&[], &[("RAPPORT_DEMO__CUSTOMERS", "200")]);
    tmux.wait_for("Search customers", Duration::from_secs(60));
    tmux.type_text("ACC-");
    tmux.wait_for("ACC-00", Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    tmux.wait_for("History", Duration::from_secs(10));
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(5));
    assert!(
        tmux.data_dir().join("demo.sqlite").exists(),
        "the demo database lives in the data directory"
    );
}

/// Open `account` from the search box (typing part of `family`).
/// Under TERM=vt100 and LANG=C, every byte the client writes: no colour
/// codes a VT100 would misread (`38;5;N` reads as blink), no private modes
/// it lacks (alternate screen 1049, synchronized output 2026, bracketed
/// paste 2004), and nothing but ASCII except the letters of customer text
/// (money by ISO code, ASCII borders and marks).
#[test]
fn a_vt100_under_lang_c_gets_plain_bytes() {
    let Some(tmux) = Tmux::start_if_available("vt100") else {
        return;
    };
    let server = TestServer::start(300);
    let (account, family) = server.pick_customer();
    let record = tmux.data_dir().with_file_name("typescript");
    std::fs::create_dir_all(record.parent().unwrap()).unwrap();
    tmux.run_client_recorded(&server, &[("TERM", "vt100"), ("LANG", "C")], &record);
    open_customer(&tmux, &account, &family);
    // Help, the history in full, and back: more of the screens drawn.
    tmux.keys(&["?"]);
    tmux.wait_for("Everywhere", Duration::from_secs(5));
    tmux.keys(&["q"]);
    tmux.keys(&["2"]);
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(10));
    let bytes = std::fs::read(&record).unwrap();
    assert!(bytes.len() > 1000, "recorded {} bytes", bytes.len());
    let text = String::from_utf8_lossy(&bytes);
    for bad in [
        "38;5;", "48;5;", "38;2;", "48;2;", "?1049", "?2026", "?2004", "?1000",
    ] {
        assert!(!text.contains(bad), "sent {bad:?} to a vt100");
    }
    let foreign: Vec<char> = text
        .chars()
        .filter(|c| !c.is_ascii() && !c.is_alphabetic())
        .collect();
    assert!(
        foreign.is_empty(),
        "under LANG=C only customer letters may be non-ASCII, found {foreign:?}"
    );
    assert!(!text.contains('£') && !text.contains('€'));
    // Money by ISO code: the text with the escape sequences taken out.
    let mut plain = String::new();
    let mut esc = false;
    for c in text.chars() {
        match (esc, c) {
            (false, '\u{1b}') => esc = true,
            (false, c) => plain.push(c),
            (true, c) if c.is_ascii_alphabetic() || c == '~' => esc = false,
            (true, _) => {}
        }
    }
    assert!(
        ["GBP", "EUR", "USD", "JPY", "$"]
            .iter()
            .any(|m| plain.contains(m)),
        "money was shown"
    );
}

fn open_customer(tmux: &Tmux, account: &str, family: &str) {
    tmux.wait_for("Search customers", Duration::from_secs(20));
    let typed: String = family.chars().take(6).collect();
    tmux.type_text(&typed);
    tmux.wait_for(account, Duration::from_secs(10));
    let screen = tmux.capture();
    let row = screen
        .lines()
        .position(|l| l.contains(account))
        .expect("the account number appears in the results");
    let first = screen
        .lines()
        .position(|l| l.contains("ACC-"))
        .expect("results listed");
    for _ in first..row {
        tmux.keys(&["Down"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for_all(&[account, "History"], Duration::from_secs(10));
}

#[test]
fn record_an_interaction_a_complaint_and_a_refund() {
    let Some(tmux) = Tmux::start_if_available("record") else {
        return;
    };
    let server = TestServer::start(300);
    let (id, account, family) = server.pick_quiet_customer();
    tmux.run_client(&server, &[]);
    open_customer(&tmux, &account, &family);

    // i: the reason by typing, the notes, Ctrl-s.
    tmux.keys(&["i"]);
    tmux.wait_for("Record interaction", Duration::from_secs(5));
    tmux.type_text("bill");
    tmux.keys(&["Enter"]);
    tmux.type_text("Queried the October bill; explained the pro-rata charge.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Saved: Billing query", Duration::from_secs(10));

    // c: a complaint, critical.
    tmux.keys(&["c"]);
    tmux.wait_for("Open complaint", Duration::from_secs(5));
    tmux.type_text("bill");
    tmux.keys(&["Enter", "Right", "Right", "Tab"]);
    tmux.type_text("Charged twice for October.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Saved: Complaint", Duration::from_secs(10));
    tmux.keys(&["3"]);
    tmux.wait_for("Billing error", Duration::from_secs(10));

    // r: a refund of £20 on it, within an agent's authority.
    tmux.keys(&["r"]);
    tmux.wait_for("Recovery action", Duration::from_secs(5));
    tmux.keys(&["Right", "Tab"]);
    tmux.type_text("20");
    tmux.keys(&["Tab"]);
    tmux.type_text("Second charge refunded");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Refund £20.00", Duration::from_secs(10));

    // The server has all three.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let view = loop {
        let v = server.view(id).expect("view");
        let done = v
            .open_complaints
            .iter()
            .any(|c| !c.recovery_actions.is_empty());
        if done || std::time::Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let i = &view.interactions[0];
    assert_eq!(i.reason, "Billing query");
    assert_eq!(
        i.notes,
        "Queried the October bill; explained the pro-rata charge."
    );
    assert_eq!(i.agent.as_ref().unwrap().name, "Test Agent");
    let c = view
        .open_complaints
        .iter()
        .find(|c| c.summary == "Charged twice for October.")
        .expect("the complaint is open on the server");
    assert_eq!(c.category, "Billing error");
    assert_eq!(c.severity, rapport_api::Severity::Critical);
    let r = &c.recovery_actions[0];
    assert_eq!(r.kind, rapport_api::RecoveryKind::Refund);
    assert_eq!(r.amount_minor, Some(2000));
    assert_eq!(r.status, rapport_api::RecoveryStatus::Done);
    assert_eq!(r.note, "Second charge refunded");
    assert_eq!(view.goodwill_year_minor, 2000);
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(5));
}

#[test]
fn answer_a_suggestion_from_the_keyboard() {
    let Some(tmux) = Tmux::start_if_available("offers") else {
        return;
    };
    let server = TestServer::start(300);
    let (id, account, family, suggestion) = server.pick_customer_with_suggestions();
    tmux.run_client(&server, &[]);
    open_customer(&tmux, &account, &family);

    // 4: the Offers tab, with the suggestion's rationale; a: accepted.
    tmux.keys(&["4"]);
    let offer: String = suggestion.offer.chars().take(12).collect();
    tmux.wait_for_all(&[&offer, "a accept"], Duration::from_secs(10));
    tmux.keys(&["a"]);
    tmux.wait_for("Saved: Accepted", Duration::from_secs(10));

    // The server has the answer: the suggestion is no longer offered and
    // its rule counts one acceptance.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let gone = server
            .view(id)
            .and_then(|v| v.analytics)
            .is_some_and(|a| a.suggestions.iter().all(|s| s.id != suggestion.id));
        let counted = server.insights().is_some_and(|i| {
            i.rules
                .iter()
                .any(|r| r.id == suggestion.rule_id && r.accepted == 1)
        });
        if gone && counted {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server does not show the answer (gone {gone}, counted {counted})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(5));
}

/// The customer id of an account number (`ACC-0001234` → 1234).
fn id_of(account: &str) -> i64 {
    account
        .trim_start_matches("ACC-")
        .parse()
        .expect("an account number")
}

#[test]
fn an_agent_takes_a_simulated_call_and_wraps_it_up() {
    let Some(tmux) = Tmux::start_if_available("call") else {
        return;
    };
    // Calls come faster than the simulated team answers, so one waits for
    // the agent the moment they are available.
    let server = TestServer::simulated(300, 6.0);
    tmux.run_client(&server, &[]);
    tmux.wait_for("Search customers", Duration::from_secs(20));
    tmux.wait_for("○ offline", Duration::from_secs(10));

    // F3, then "a": available. A call is routed at once and the screen
    // pops. A caller nobody has the number of pops the search box instead:
    // end that call and take the next.
    let mut account = None;
    for _ in 0..5 {
        tmux.keys(&["F3"]);
        tmux.wait_for("Your state", Duration::from_secs(5));
        tmux.keys(&["a"]);
        let screen = tmux.wait_for("☎ ", Duration::from_secs(30));
        // The 360 view of the one customer with the caller's number.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut screen = screen;
        while !screen.contains("History") && std::time::Instant::now() < deadline {
            if screen.contains("Search customers") && screen.contains("Results") {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            screen = tmux.capture();
        }
        if screen.contains("History")
            && let Some(acc) = screen.split_whitespace().find(|w| w.starts_with("ACC-"))
        {
            account = Some(acc.trim_end_matches(['·', ',']).to_string());
            break;
        }
        tmux.keys(&["F8"]);
        tmux.wait_for("✎ wrap-up", Duration::from_secs(10));
    }
    let account = account.expect("a caller with a known number within five calls");
    let customer = id_of(&account);

    // F8 ends the call: wrap-up, and the interaction form opens for it,
    // the reason already filled in from the queue.
    tmux.keys(&["F8"]);
    tmux.wait_for_all(
        &["Record interaction", "Wrap-up of the call"],
        Duration::from_secs(10),
    );
    tmux.type_text("Took the call from the queue; all sorted.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Saved:", Duration::from_secs(10));

    // The server has the interaction, the call wrapped up by this agent,
    // and the agent available again (or already on the next call).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let view = loop {
        let v = server.view(customer).expect("view");
        if v.interactions
            .iter()
            .any(|i| i.notes.starts_with("Took the call"))
            || std::time::Instant::now() > deadline
        {
            break v;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let i = view
        .interactions
        .iter()
        .find(|i| i.notes == "Took the call from the queue; all sorted.")
        .expect("the wrap-up is recorded");
    assert_eq!(i.channel, rapport_api::Channel::Call);
    assert_eq!(i.direction, rapport_api::Direction::Inbound);
    assert_eq!(i.agent.as_ref().unwrap().name, "Test Agent");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let state = loop {
        let st = server.get_json("/v1/agents/me/state", &server.token);
        let st = st["state"].as_str().unwrap().to_string();
        if st != "after_call_work" || std::time::Instant::now() > deadline {
            break st;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        state == "available" || state == "on_call",
        "saving the wrap-up made the agent available: {state}"
    );
    let calls = server.db_rows(
        "SELECT COUNT(*) FROM calls c JOIN agents a ON a.id = c.agent_id \
         WHERE a.name = 'Test Agent' AND c.status = 'done' AND c.wrapped_ms IS NOT NULL \
         AND c.customer_id = ?",
        customer,
    );
    assert_eq!(
        calls, 1,
        "the call is wrapped up, by this agent, on the customer's record"
    );
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(10));
}

#[test]
fn a_supervisor_approves_a_pending_refund() {
    let Some(tmux) = Tmux::start_if_available("approve") else {
        return;
    };
    let server = TestServer::start(300);
    let (customer, _, _) = server.pick_quiet_customer();
    let ana = server.add_agent("Ana Ruiz", rapport_api::Role::Supervisor);
    // An agent opens a complaint and asks for a £180 refund, over their
    // £50 limit: it waits for a supervisor.
    let (s, complaint) = server.post(
        "/v1/complaints",
        &server.token,
        serde_json::json!({"customer_id": customer, "category": "Billing error",
            "severity": "high", "summary": "Charged twice for October."}),
    );
    assert_eq!(s, 201, "{complaint}");
    let cid = complaint["id"].as_i64().unwrap();
    let (s, action) = server.post(
        &format!("/v1/complaints/{cid}/recovery-actions"),
        &server.token,
        serde_json::json!({"kind": "refund", "amount_minor": 18000,
            "note": "Refund of the duplicate October charge"}),
    );
    assert_eq!(s, 201, "{action}");
    assert_eq!(action["status"], "pending_approval");

    tmux.run_client_as(&server, &ana, &[]);
    tmux.wait_for("Search customers", Duration::from_secs(20));
    tmux.keys(&["F5"]);
    tmux.wait_for("Queues", Duration::from_secs(10));
    tmux.keys(&["3"]);
    tmux.wait_for("Refund £180.00", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("Saved: Approve Refund £180.00", Duration::from_secs(10));

    // The server has it approved, by Ana, and done.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let c = loop {
        let c = server.get_json(&format!("/v1/complaints/{cid}"), &ana);
        if c["recovery_actions"][0]["status"] == "done" || std::time::Instant::now() > deadline {
            break c;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let a = &c["recovery_actions"][0];
    assert_eq!(a["status"], "done", "{c}");
    assert_eq!(a["decided_by"]["name"], "Ana Ruiz");
    assert_eq!(a["amount_minor"], 18000);
    tmux.wait_for("Nothing waits for your approval", Duration::from_secs(10));
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(10));
}
