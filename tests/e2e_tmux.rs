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
