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
    // Money by ISO code on the screen the terminal shows.
    let screen = tmux.wait_for("CLV", Duration::from_secs(5));
    assert!(
        [
            "GBP ", "EUR ", "SEK ", "USD ", "JPY ", "NOK ", "DKK ", "PLN "
        ]
        .iter()
        .any(|c| screen.contains(c)),
        "money by ISO code: {screen}"
    );
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
    // Saving frees the agent on the server, and the simulator's next call
    // may pop at once over the "Saved" word: the server is asked instead.

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
    // On a call, quitting asks first; the second Ctrl-c quits.
    tmux.keys(&["C-c"]);
    tmux.wait_for("You are on a call", Duration::from_secs(5));
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

/// A customer whose number no one else has, whose family name is easy to
/// type: (id, number, family name).
fn caller_with_own_number(server: &TestServer, not: i64) -> (i64, String, String) {
    let row = server.db_text(&format!(
        "SELECT p.customer_id || '|' || p.e164 || '|' || c.family_name FROM customer_phones p \
         JOIN customers c ON c.id = p.customer_id \
         WHERE (SELECT COUNT(*) FROM customer_phones q WHERE q.digits = p.digits) = 1 \
         AND length(c.family_name) >= 5 AND c.family_name NOT GLOB '*[^A-Za-z]*' \
         AND p.customer_id <> {not} ORDER BY p.customer_id LIMIT 1"
    ));
    let mut parts = row.splitn(3, '|');
    let id = parts.next().unwrap().parse().unwrap();
    (
        id,
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
    )
}

/// Send the telephony system's hook.
fn hook(server: &TestServer, pbx: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, v) = server.post("/v1/calls", pbx, body);
    assert!((200..300).contains(&status), "{status}: {v}");
    v
}

/// The agent's state on the server, once it is no longer `after_call_work`
/// (or after ten seconds).
fn state_after_wrap_up(server: &TestServer) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let st = server.get_json("/v1/agents/me/state", &server.token);
        let st = st["state"].as_str().unwrap().to_string();
        if st != "after_call_work" || std::time::Instant::now() > deadline {
            return st;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_unknown_callers_wrap_up_never_shows_the_previous_customer() {
    let Some(tmux) = Tmux::start_if_available("wrapunknown") else {
        return;
    };
    let server = TestServer::with_queues(300);
    let pbx = server.pbx();
    let (first, phone, family) = caller_with_own_number(&server, 0);
    tmux.run_client(&server, &[]);
    tmux.wait_for_all(&["Search customers", "○ offline"], Duration::from_secs(20));
    tmux.keys(&["F3"]);
    tmux.wait_for("Your state", Duration::from_secs(5));
    tmux.keys(&["a"]);
    tmux.wait_for("● available", Duration::from_secs(10));

    // A known caller: their 360 pops; the wrap-up is theirs, saved.
    hook(
        &server,
        &pbx,
        serde_json::json!({"event": "offered", "call_id": "e2e-known", "queue": "billing", "caller": phone}),
    );
    tmux.wait_for_all(&[family.as_str(), "History", "☎ "], Duration::from_secs(10));
    tmux.keys(&["F8"]);
    tmux.wait_for_all(
        &["Record interaction", "Wrap-up of the call"],
        Duration::from_secs(10),
    );
    tmux.type_text("First caller, sorted.");
    tmux.keys(&["C-s"]);
    // Saved, and the server frees the agent (the state's change replaces
    // the "Saved" word).
    tmux.wait_for("● available", Duration::from_secs(10));

    // A withheld caller: nobody is identified, so neither the pop nor the
    // wrap-up shows the previous caller's record.
    hook(
        &server,
        &pbx,
        serde_json::json!({"event": "offered", "call_id": "e2e-withheld", "queue": "billing", "caller": "anonymous"}),
    );
    tmux.wait_for("Call with no number", Duration::from_secs(10));
    tmux.keys(&["F8"]);
    let screen = tmux.wait_for_all(&["✎ wrap-up", "not identified"], Duration::from_secs(5));
    assert!(!screen.contains(&family), "{screen}");
    assert!(!screen.contains("Record interaction"), "{screen}");
    tmux.keys(&["F7"]);
    std::thread::sleep(Duration::from_millis(500));
    let screen = tmux.wait_for("not identified", Duration::from_secs(5));
    assert!(!screen.contains(&family), "F7 neither: {screen}");
    assert!(!screen.contains("Record interaction"), "{screen}");

    // The agent finds the caller and opens their record: the wrap-up opens
    // for them, and is recorded on them, bound to the call.
    let (second, _, family2) = caller_with_own_number(&server, first);
    tmux.keys(&["/"]);
    let typed: String = family2.chars().take(6).collect();
    tmux.type_text(&typed);
    tmux.wait_for(&format!("ACC-{second:07}"), Duration::from_secs(10));
    let screen = tmux.capture();
    let row = screen
        .lines()
        .position(|l| l.contains(&format!("ACC-{second:07}")))
        .unwrap();
    let top = screen.lines().position(|l| l.contains("ACC-")).unwrap();
    for _ in top..row {
        tmux.keys(&["Down"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for_all(
        &[
            "Record interaction",
            "Wrap-up of the call",
            family2.as_str(),
        ],
        Duration::from_secs(10),
    );
    tmux.type_text("Withheld caller, identified by name.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("● available", Duration::from_secs(10));
    let state = state_after_wrap_up(&server);
    assert_eq!(state, "available");
    let bound = server.db_rows(
        "SELECT COUNT(*) FROM interactions i JOIN calls c ON c.id = i.call_id \
         WHERE c.external_id = 'e2e-withheld' AND i.customer_id = ? \
         AND i.notes = 'Withheld caller, identified by name.'",
        second,
    );
    assert_eq!(
        bound, 1,
        "recorded on the caller the agent opened, with the call"
    );
    let wrong = server.db_rows(
        "SELECT COUNT(*) FROM interactions WHERE customer_id = ? AND notes LIKE 'Withheld%'",
        first,
    );
    assert_eq!(wrong, 0, "nothing on the previous caller");
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(10));
}

#[test]
fn a_wrap_up_saved_while_the_server_is_away_frees_the_agent_when_it_is_back() {
    let Some(tmux) = Tmux::start_if_available("wrapoffline") else {
        return;
    };
    let mut server = TestServer::with_queues(300);
    let pbx = server.pbx();
    let (customer, phone, family) = caller_with_own_number(&server, 0);
    tmux.run_client(&server, &[]);
    tmux.wait_for_all(&["Search customers", "○ offline"], Duration::from_secs(20));
    tmux.keys(&["F3"]);
    tmux.wait_for("Your state", Duration::from_secs(5));
    tmux.keys(&["a"]);
    tmux.wait_for("● available", Duration::from_secs(10));
    hook(
        &server,
        &pbx,
        serde_json::json!({"event": "offered", "call_id": "e2e-away", "queue": "billing", "caller": phone}),
    );
    tmux.wait_for_all(&[family.as_str(), "History", "☎ "], Duration::from_secs(10));
    tmux.keys(&["F8"]);
    tmux.wait_for_all(
        &["Record interaction", "Wrap-up of the call"],
        Duration::from_secs(10),
    );

    // The server goes away while the agent types; the save is queued.
    server.stop();
    tmux.type_text("Saved while the server was away.");
    tmux.keys(&["C-s"]);
    tmux.wait_for_all(&["1 queued", "✎ wrap-up"], Duration::from_secs(10));

    // Back: the outbox delivers the wrap-up, the server ends the after-call
    // work, and the agent's own state event says available.
    server.resume();
    tmux.wait_for("● available", Duration::from_secs(30));
    assert_eq!(state_after_wrap_up(&server), "available");
    let done = server.db_rows(
        "SELECT COUNT(*) FROM calls c JOIN interactions i ON i.call_id = c.id \
         WHERE c.external_id = 'e2e-away' AND c.status = 'done' AND c.wrapped_ms IS NOT NULL \
         AND i.customer_id = ?",
        customer,
    );
    assert_eq!(done, 1, "the call is wrapped up by its interaction");
    // And calls flow again: the next one is routed to the agent.
    hook(
        &server,
        &pbx,
        serde_json::json!({"event": "offered", "call_id": "e2e-next", "queue": "billing", "caller": "anonymous"}),
    );
    tmux.wait_for("Call with no number", Duration::from_secs(10));
    // On a call, quitting asks first; the second Ctrl-c quits.
    tmux.keys(&["C-c"]);
    tmux.wait_for("You are on a call", Duration::from_secs(5));
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(10));
}
